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
	suite_add_tcase(s, tc);
	return unit_run(s);
}
