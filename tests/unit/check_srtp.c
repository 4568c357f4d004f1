/*
 * zrtpd's SRTP layer (zrtpd/srtp.c) on real libsrtp2 contexts, two ends
 * keyed as ZRTP keys them: SSRCs per direction are capped (a peer with
 * the keys, or the application, cannot make libsrtp2 allocate a stream
 * per SSRC without bound), forged packets never take a slot, replays and
 * forgeries are refused, known SSRCs go on working at the cap.
 */
#include <string.h>

#include <check.h>

#include "unit.h"
#include "srtp.h"
#include "srtp_keys.h"
#include "zerr.h"

/* An RTP packet of 12 + 20 bytes into p; its length. */
static size_t
rtp(uint8_t *p, uint32_t ssrc, uint16_t seq)
{
	memset(p, 0, 64);
	p[0] = 0x80;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[8] = (uint8_t)(ssrc >> 24);
	p[9] = (uint8_t)(ssrc >> 16);
	p[10] = (uint8_t)(ssrc >> 8);
	p[11] = (uint8_t)ssrc;
	memset(p + 12, 0x5a, 20);
	return 32;
}

/* An RTCP receiver report of 8 bytes from ssrc into p; its length. */
static size_t
rtcp(uint8_t *p, uint32_t ssrc)
{
	memset(p, 0, 64);
	p[0] = 0x80;
	p[1] = 201;
	p[3] = 1;
	p[4] = (uint8_t)(ssrc >> 24);
	p[5] = (uint8_t)(ssrc >> 16);
	p[6] = (uint8_t)(ssrc >> 8);
	p[7] = (uint8_t)ssrc;
	return 8;
}

static struct zsrtp a, b, a2;

static void
setup(void)
{
	struct zs_srtp_keys k;

	ck_assert_int_eq(zsrtp_init(), 0);
	unit_srtp_keys(&k, 0);
	ck_assert_int_eq(zsrtp_open(&a, &k), 0);
	ck_assert_int_eq(zsrtp_open(&a2, &k), 0);
	unit_srtp_keys(&k, 1);
	ck_assert_int_eq(zsrtp_open(&b, &k), 0);
}

static void
teardown(void)
{
	zsrtp_close(&a);
	zsrtp_close(&a2);
	zsrtp_close(&b);
}

/* One packet from s (seq) protected and given to b; b's answer. */
static int
send_rx(struct zsrtp *s, uint32_t ssrc, uint16_t seq)
{
	uint8_t p[512];
	size_t len = rtp(p, ssrc, seq);

	ck_assert_int_eq(zsrtp_protect(s, p, &len, sizeof(p)), 0);
	return zsrtp_unprotect(&b, p, &len);
}

START_TEST(test_rx_ssrcs_capped)
{
	uint8_t p[512];
	size_t len;
	uint32_t i;

	/* Forgeries with new SSRCs: refused, and they take no slot. */
	for (i = 0; i < 4 * ZSRTP_SSRC_MAX; i++) {
		len = rtp(p, 0x10000 + i, 1) + 4;
		ck_assert_int_ne(zsrtp_unprotect(&b, p, &len), 0);
	}
	for (i = 0; i < ZSRTP_SSRC_MAX; i++)
		ck_assert_int_eq(send_rx(&a, 100 + i, 1), 0);
	/* One more authentic SSRC (a's send table is full: a2 sends it). */
	ck_assert_int_eq(send_rx(&a2, 7777, 1), ZE_BAD_COUNT);
	/* Known SSRCs still pass, RTP and RTCP alike. */
	ck_assert_int_eq(send_rx(&a, 100, 2), 0);
	ck_assert_int_eq(send_rx(&a, 100 + ZSRTP_SSRC_MAX - 1, 2), 0);
	len = rtcp(p, 100);
	ck_assert_int_eq(zsrtp_protect_rtcp(&a, p, &len, sizeof(p)), 0);
	ck_assert_int_eq(zsrtp_unprotect_rtcp(&b, p, &len), 0);
	len = rtcp(p, 7777);
	ck_assert_int_eq(zsrtp_protect_rtcp(&a2, p, &len, sizeof(p)), 0);
	ck_assert_int_eq(zsrtp_unprotect_rtcp(&b, p, &len), ZE_BAD_COUNT);
}
END_TEST

START_TEST(test_tx_ssrcs_capped)
{
	uint8_t p[512];
	size_t len;
	uint32_t i;

	for (i = 0; i < ZSRTP_SSRC_MAX; i++) {
		len = rtp(p, 100 + i, 1);
		ck_assert_int_eq(zsrtp_protect(&a, p, &len, sizeof(p)), 0);
	}
	len = rtp(p, 9999, 1);
	ck_assert_int_eq(zsrtp_protect(&a, p, &len, sizeof(p)), ZE_BAD_COUNT);
	len = rtcp(p, 9999);
	ck_assert_int_eq(zsrtp_protect_rtcp(&a, p, &len, sizeof(p)),
	    ZE_BAD_COUNT);
	len = rtp(p, 100, 2);
	ck_assert_int_eq(zsrtp_protect(&a, p, &len, sizeof(p)), 0);
	/* Too short to carry an SSRC: refused before libsrtp2. */
	len = 8;
	ck_assert_int_ne(zsrtp_protect(&a, p, &len, sizeof(p)), 0);
}
END_TEST

START_TEST(test_replay_and_forgery)
{
	uint8_t p[512], q[512];
	size_t len, qlen;

	len = rtp(p, 5, 1);
	ck_assert_int_eq(zsrtp_protect(&a, p, &len, sizeof(p)), 0);
	memcpy(q, p, len);
	qlen = len;
	ck_assert_int_eq(zsrtp_unprotect(&b, p, &len), 0);
	ck_assert_int_ne(zsrtp_unprotect(&b, q, &qlen), 0);	/* replay */
	len = rtp(p, 5, 2);
	ck_assert_int_eq(zsrtp_protect(&a, p, &len, sizeof(p)), 0);
	p[20] ^= 1;
	ck_assert_int_eq(zsrtp_unprotect(&b, p, &len), ZE_BAD_MAC);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("srtp");
	TCase *tc = tcase_create("srtp");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rx_ssrcs_capped);
	tcase_add_test(tc, test_tx_ssrcs_capped);
	tcase_add_test(tc, test_replay_and_forgery);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
