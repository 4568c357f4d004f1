/*
 * Packets recorded from Debian's libbzrtp (tests/vectors/bzrtp/, each file
 * headed by its source): every one decodes, re-encodes to the same bytes,
 * and the exchange passes every passive check (hash chain, MACs, hvi).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "unit.h"

#include "capture.h"
#include "observe.h"
#include "keys.h"
#include "packet.h"
#include "zcrypto.h"
#include "zerr.h"

#define VECTOR_SUBDIR	"tests/vectors/bzrtp"
#define VECTOR_FILES_MAX 64

static char *vector_files[VECTOR_FILES_MAX];
static int vector_count;

static void
count_check(void *arg, uint32_t ssrc, const char *check, int ok)
{
	int *checks = arg;

	checks[0]++;
	if (!ok)
		fprintf(stderr, "ssrc %08x: FAILED %s\n", ssrc, check);
}

/* Re-encoding the decoded message gives back the recorded bytes. */
static void
assert_reencodes(const struct capture_pkt *cp, const struct zpkt *pkt)
{
	uint8_t out[CAPTURE_PKT_MAX];
	size_t len;

	ck_assert_int_eq(zpkt_encode(pkt->seq, pkt->ssrc, &pkt->msg, out,
	    sizeof(out), &len), 0);
	ck_assert_uint_eq(len, cp->len);
	ck_assert_mem_eq(out, cp->bytes, len);
}

START_TEST(test_vector_file)
{
	const char *path = vector_files[_i];
	int seen[ZMSG_COUNT] = { 0 }, checks = 0;
	struct capture cap;
	struct observer obs;
	struct zpkt pkt;
	char err[256];
	size_t i;
	int r;

	ck_assert_msg(capture_load(path, &cap, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_uint_gt(cap.n, 0);
	observe_init(&obs);
	for (i = 0; i < cap.n; i++) {
		r = zpkt_decode(cap.pkts[i].bytes, cap.pkts[i].len, &pkt);
		ck_assert_msg(r == 0, "%s line %d: %s", path,
		    cap.pkts[i].line, zerr_str(r));
		ck_assert(zpkt_is_zrtp(cap.pkts[i].bytes, cap.pkts[i].len));
		assert_reencodes(&cap.pkts[i], &pkt);
		if (pkt.msg.type == ZMSG_HELLO)
			ck_assert_mem_eq(pkt.msg.u.hello.version, "1.10", 4);
		seen[pkt.msg.type]++;
		ck_assert_int_eq(observe_packet(&obs, pkt.ssrc, &pkt.raw_msg,
		    pkt.msg.type), 0);
	}
	/* A whole exchange: both Hellos, a Commit, both Confirms. */
	ck_assert_int_ge(seen[ZMSG_HELLO], 2);
	ck_assert_int_ge(seen[ZMSG_COMMIT], 1);
	ck_assert_int_ge(seen[ZMSG_CONFIRM1], 1);
	ck_assert_int_ge(seen[ZMSG_CONFIRM2], 1);
	ck_assert_int_eq(observe_verify(&obs, count_check, &checks), 0);
	ck_assert_int_ge(checks, 3);
	observe_free(&obs);
	capture_free(&cap);
}
END_TEST

static int
load_vector_names(void)
{
	const char *srcdir = getenv("srcdir");
	char dir[1024];
	struct dirent *de;
	size_t n;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", srcdir ? srcdir : ".",
	    VECTOR_SUBDIR);
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL && vector_count < VECTOR_FILES_MAX) {
		n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".txt") != 0)
			continue;
		if (asprintf(&vector_files[vector_count], "%s/%s", dir,
		    de->d_name) < 0)
			break;
		vector_count++;
	}
	closedir(d);
	return 0;
}

/* The rs1 bzrtp held before the call, from the file's header; 0 if none. */
static int
header_rs1(const char *path, uint8_t rs1[ZRTP_RS_LEN])
{
	char line[512], *p;
	unsigned int b;
	FILE *f;
	int i, found = 0;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "# cache before call:", 20) != 0 ||
		    (p = strstr(line, " rs1=")) == NULL)
			continue;
		p += 5;
		for (i = 0; i < ZRTP_RS_LEN; i++) {
			if (sscanf(p + 2 * i, "%2x", &b) != 1)
				break;
			rs1[i] = (uint8_t)b;
		}
		found = i == ZRTP_RS_LEN;
	}
	fclose(f);
	return found;
}

/*
 * §4.3.1 against bzrtp: with the rs1 both caches held before a call (the
 * file's header), the rs1IDr in bzrtp's DHPart1 and the rs1IDi in its
 * DHPart2 are MAC(rs1, "Responder") and MAC(rs1, "Initiator").
 */
START_TEST(test_secret_ids)
{
	struct zsecret rs1 = { NULL, ZRTP_RS_LEN };
	uint8_t secret[ZRTP_RS_LEN], id[ZRTP_SECRET_ID_LEN];
	struct capture cap;
	struct zpkt pkt;
	char err[256];
	size_t i;
	int files = 0, parts = 0, k;

	for (k = 0; k < vector_count; k++) {
		if (!header_rs1(vector_files[k], secret))
			continue;
		files++;
		rs1.p = secret;
		ck_assert(capture_load(vector_files[k], &cap, err,
		    sizeof(err)) == 0);
		for (i = 0; i < cap.n; i++) {
			ck_assert_int_eq(zpkt_decode(cap.pkts[i].bytes,
			    cap.pkts[i].len, &pkt), 0);
			if (pkt.msg.type != ZMSG_DHPART1 &&
			    pkt.msg.type != ZMSG_DHPART2)
				continue;
			ck_assert_int_eq(zsecret_id(ZHASH_S256, &rs1,
			    pkt.msg.type == ZMSG_DHPART1 ? "Responder" :
			    "Initiator", 9, id), 0);
			ck_assert_mem_eq(id, pkt.msg.u.dhpart.rs1_id,
			    ZRTP_SECRET_ID_LEN);
			parts++;
		}
		capture_free(&cap);
	}
	/* cache-call2.txt holds one; a test without it would prove nothing. */
	ck_assert_int_ge(files, 1);
	ck_assert_int_ge(parts, 2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("bzrtp vectors");
	TCase *tc = tcase_create("decode");

	if (zcrypto_init(0) != 0 || load_vector_names() != 0 ||
	    vector_count == 0) {
		fprintf(stderr, "no vectors under $srcdir/%s\n", VECTOR_SUBDIR);
		return EXIT_FAILURE;
	}
	tcase_add_loop_test(tc, test_vector_file, 0, vector_count);
	tcase_add_test(tc, test_secret_ids);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
