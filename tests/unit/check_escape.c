/*
 * Issue 6 item 6: bytes a peer wrote reach no terminal raw. zesc() itself,
 * then zrtpdump on a capture holding a hostile Hello, then the probe's
 * text and JSON reports of a hostile peer: no control byte, quote or
 * backslash of the peer's comes out unescaped. Also the probe report's
 * alert cap (item 14).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "unit.h"

#include "escape.h"
#include "packet.h"
#include "probe_out.h"
#include "zcrypto.h"

/* Client id: ESC sequences (title, clear screen), BEL, C1 CSI, quote. */
static const uint8_t evil_cid[ZRTP_CID_LEN] = "\x1b]0;pwn\x07\x1b[2J\x9b\"\\\x7f";
static const uint8_t evil_ver[ZRTP_VERSION_LEN] = { '1', '.', '\x07', '\x1b' };

START_TEST(test_zesc)
{
	static const uint8_t pad[] = "ab  \0\0";
	char out[ZESC_LEN(ZRTP_CID_LEN)], tiny[6];

	ck_assert_str_eq(zesc(out, sizeof(out), evil_cid, sizeof(evil_cid),
	    ZESC_TEXT), "\\x1b]0;pwn\\x07\\x1b[2J\\x9b\\x22\\x5c\\x7f");
	ck_assert_str_eq(zesc(out, sizeof(out), evil_cid, sizeof(evil_cid),
	    ZESC_JSON), "\\u001b]0;pwn\\u0007\\u001b[2J\\u009b\\u0022\\u005c"
	    "\\u007f");
	/* A fixed field's padding goes; inner spaces stay. */
	ck_assert_str_eq(zesc(out, sizeof(out), pad, sizeof(pad) - 1,
	    ZESC_TEXT), "ab");
	/* Short output: cut at a whole escape, always terminated. */
	ck_assert_str_eq(zesc(tiny, sizeof(tiny), evil_cid, sizeof(evil_cid),
	    ZESC_TEXT), "\\x1b]");
	ck_assert_str_eq(zesc(tiny, 1, evil_cid, sizeof(evil_cid),
	    ZESC_TEXT), "");
}
END_TEST

/* No byte below 0x20 but '\n', none at or above 0x7f, anywhere in s. */
static void
assert_clean(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ck_assert_msg(((unsigned char)s[i] >= 0x20 &&
		    (unsigned char)s[i] < 0x7f) || s[i] == '\n',
		    "raw byte 0x%02x at %zu in: %.*s", (unsigned char)s[i], i,
		    (int)n, s);
}

static size_t
slurp(FILE *f, char *buf, size_t len)
{
	size_t n = fread(buf, 1, len - 1, f);

	buf[n] = '\0';
	return n;
}

START_TEST(test_zrtpdump)
{
	char dir[] = "/tmp/zesc.XXXXXX", path[64], cmd[256], out[8192];
	const char *top = getenv("top_builddir");
	uint8_t pkt[512];
	struct zmsg m;
	size_t len, i, n;
	FILE *f;

	memset(&m, 0, sizeof(m));
	m.type = ZMSG_HELLO;
	memcpy(m.u.hello.version, evil_ver, sizeof(evil_ver));
	memcpy(m.u.hello.client_id, evil_cid, sizeof(evil_cid));
	ck_assert_int_eq(zpkt_encode(1, 0x1234, &m, pkt, sizeof(pkt), &len),
	    0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/evil.txt", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	/* The capture's direction tag is foreign text too. */
	fputs("\x1b[1m ", f);
	for (i = 0; i < len; i++)
		fprintf(f, "%02x", pkt[i]);
	fputs("\n", f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s/cli/zrtpdump '%s'",
	    top != NULL ? top : ".", path);
	ck_assert_ptr_nonnull(f = popen(cmd, "r"));
	n = slurp(f, out, sizeof(out));
	pclose(f);
	unlink(path);
	rmdir(dir);
	ck_assert_msg(strstr(out, "cid=\"\\x1b]0;pwn\\x07\\x1b[2J\\x9b"
	    "\\x22\\x5c\\x7f\"") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "ver=1.\\x07\\x1b") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "#1   \\x1b[1m") != NULL, "%s", out);
	assert_clean(out, n);
}
END_TEST

/* Run print(r) with stdout going to a file; return what it wrote. */
static size_t
capture(void (*print)(const struct probe_result *),
    const struct probe_result *r, char *buf, size_t len)
{
	FILE *f = tmpfile();
	int saved;
	size_t n;

	ck_assert_ptr_nonnull(f);
	fflush(stdout);
	ck_assert_int_ge(saved = dup(STDOUT_FILENO), 0);
	ck_assert_int_ge(dup2(fileno(f), STDOUT_FILENO), 0);
	print(r);
	fflush(stdout);
	ck_assert_int_ge(dup2(saved, STDOUT_FILENO), 0);
	close(saved);
	rewind(f);
	n = slurp(f, buf, len);
	fclose(f);
	return n;
}

START_TEST(test_probe_report)
{
	struct probe_result r;
	char out[8192];
	size_t n;

	memset(&r, 0, sizeof(r));
	r.have_peer = 1;
	memcpy(r.peer_cid, evil_cid, sizeof(evil_cid));
	memcpy(r.peer_version, evil_ver, sizeof(evil_ver));
	r.cache = "none";
	r.role = "initiator";
	n = capture(probe_print_text, &r, out, sizeof(out));
	assert_clean(out, n);
	ck_assert_msg(strstr(out, "client \"\\x1b]0;pwn") != NULL, "%s", out);
	n = capture(probe_print_json, &r, out, sizeof(out));
	assert_clean(out, n);
	ck_assert_msg(strstr(out, "\"client_id\":\"\\u001b]0;pwn\\u0007") !=
	    NULL, "%s", out);
	ck_assert_msg(strstr(out, "\"version\":\"1.\\u0007\\u001b\"") !=
	    NULL, "%s", out);
}
END_TEST

/* Issue 6 item 14: an alert past the cap is counted and said, not lost. */
START_TEST(test_alerts_dropped)
{
	struct probe_result r;
	char out[8192];
	int i;

	memset(&r, 0, sizeof(r));
	r.cache = "none";
	r.role = "initiator";
	for (i = 0; i < PROBE_ALERTS_MAX + 3; i++)
		probe_alert(&r, 0, "an alert");
	ck_assert_int_eq(r.nalerts, PROBE_ALERTS_MAX);
	ck_assert_int_eq(r.alerts_dropped, 3);
	capture(probe_print_text, &r, out, sizeof(out));
	ck_assert_msg(strstr(out, "3 more alert(s) not shown") != NULL, "%s",
	    out);
	capture(probe_print_json, &r, out, sizeof(out));
	ck_assert_msg(strstr(out, "\"alerts_dropped\":3") != NULL, "%s", out);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("foreign bytes");

	if (zcrypto_init(0) != 0)
		return EXIT_FAILURE;
	tcase_add_test(tc, test_zesc);
	tcase_add_test(tc, test_zrtpdump);
	tcase_add_test(tc, test_probe_report);
	tcase_add_test(tc, test_alerts_dropped);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
