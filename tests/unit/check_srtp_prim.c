/*
 * nettle's AES-ICM and HMAC-SHA1 in libsrtp2 (zrtpd/srtp_prim.c), judged
 * against what does not go through them: RFC 3711 B.3's session keys,
 * and whole SRTP/SRTCP packets recomputed here with one-shot libgcrypt
 * calls (another library) from the RFC 3711 §4.1.1, §4.2, §4.3 and §3.4
 * formulas. Also: the 16-bit block counter wraps (again 2^16 blocks after
 * a call that ended at a wrap), a buffer longer than
 * one AES call cut anywhere, an HMAC started again after data no digest
 * ended, a type with a wrong known answer is refused by libsrtp2.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <gcrypt.h>

#include "unit.h"
#include "srtp.h"
#include "srtp_prim.h"
#include "zcrypto.h"
#include "zerr.h"

/* RFC 3711 B.3: master key and salt, and the session keys they give. */
static const uint8_t b3_key[16] = {
	0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0,
	0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,
};
static const uint8_t b3_salt[14] = {
	0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb,
	0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6,
};
static const uint8_t b3_ke[16] = {
	0xc6, 0x1e, 0x7a, 0x93, 0x74, 0x4f, 0x39, 0xee,
	0x10, 0x73, 0x4a, 0xfe, 0x3f, 0xf7, 0xa0, 0x87,
};
static const uint8_t b3_ks[14] = {
	0x30, 0xcb, 0xbc, 0x08, 0x86, 0x3d, 0x8c, 0x85,
	0xd4, 0x9d, 0xb3, 0x4a, 0x9a, 0xe1,
};
static const uint8_t b3_ka[20] = {
	0xce, 0xbe, 0x32, 0x1f, 0x6f, 0xf7, 0x71, 0x6b, 0x6f, 0xd4,
	0xab, 0x49, 0xaf, 0x25, 0x6a, 0x15, 0x6d, 0x38, 0xba, 0xa4,
};

/* AES in CTR mode from the 16-byte counter block iv, one shot. */
static void
aes_ctr(const uint8_t *key, size_t key_len, const uint8_t iv[16],
    uint8_t *buf, size_t len)
{
	gcry_cipher_hd_t h;
	int algo = key_len == 16 ? GCRY_CIPHER_AES128 : key_len == 24 ?
	    GCRY_CIPHER_AES192 : GCRY_CIPHER_AES256;

	ck_assert_int_eq(gcry_cipher_open(&h, algo, GCRY_CIPHER_MODE_CTR, 0),
	    0);
	ck_assert_int_eq(gcry_cipher_setkey(h, key, key_len), 0);
	ck_assert_int_eq(gcry_cipher_setctr(h, iv, 16), 0);
	ck_assert_int_eq(gcry_cipher_encrypt(h, buf, len, NULL, 0), 0);
	gcry_cipher_close(h);
}

/* §4.3.1 with key_derivation_rate 0: x = label at byte 7 XOR salt. */
static void
kdf(const uint8_t *mkey, size_t mkey_len, const uint8_t msalt[14],
    uint8_t label, uint8_t *out, size_t len)
{
	uint8_t iv[16] = { 0 };

	memcpy(iv, msalt, 14);
	iv[7] ^= label;
	memset(out, 0, len);
	aes_ctr(mkey, mkey_len, iv, out, len);
}

struct sess {
	uint8_t	ke[32], ks[14], ka[20];
};

static void
sess_keys(const uint8_t *mkey, size_t mkey_len, const uint8_t msalt[14],
    int rtcp, struct sess *s)
{
	uint8_t base = rtcp ? 3 : 0;

	kdf(mkey, mkey_len, msalt, base, s->ke, mkey_len);
	kdf(mkey, mkey_len, msalt, base + 1, s->ka, sizeof(s->ka));
	kdf(mkey, mkey_len, msalt, base + 2, s->ks, sizeof(s->ks));
}

/* §4.1.1: IV = salt*2^16 XOR SSRC*2^64 XOR index*2^16. */
static void
pkt_iv(const struct sess *s, const uint8_t ssrc[4], uint64_t index,
    uint8_t iv[16])
{
	int i;

	memset(iv, 0, 16);
	memcpy(iv, s->ks, 14);
	for (i = 0; i < 4; i++)
		iv[4 + i] ^= ssrc[i];
	for (i = 0; i < 6; i++)
		iv[13 - i] ^= (uint8_t)(index >> (8 * i));
}

static void
hmac_sha1(const uint8_t ka[20], const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen, uint8_t mac[20])
{
	gcry_buffer_t iov[3];

	memset(iov, 0, sizeof(iov));
	iov[0].data = (void *)ka;
	iov[0].len = 20;
	iov[1].data = (void *)a;
	iov[1].len = alen;
	iov[2].data = (void *)b;
	iov[2].len = blen;
	ck_assert_int_eq(gcry_md_hash_buffers(GCRY_MD_SHA1, GCRY_MD_FLAG_HMAC,
	    mac, iov, 3), 0);
}

static void
setup(void)
{
	ck_assert_int_eq(zcrypto_init(0), 0);
	ck_assert_int_eq(zsrtp_init(), 0);
}

START_TEST(test_b3_session_keys)
{
	struct sess s;

	sess_keys(b3_key, 16, b3_salt, 0, &s);
	ck_assert_mem_eq(s.ke, b3_ke, 16);
	ck_assert_mem_eq(s.ks, b3_ks, 14);
	ck_assert_mem_eq(s.ka, b3_ka, 20);
}
END_TEST

/* key lengths x tags: AES1/AES3 with HS80/HS32. */
static const struct {
	size_t		key_len;
	uint32_t	cipher, auth;
	size_t		tag;
} profiles[] = {
	{ 16, ZALGO('A', 'E', 'S', '1'), ZALGO('H', 'S', '8', '0'), 10 },
	{ 16, ZALGO('A', 'E', 'S', '1'), ZALGO('H', 'S', '3', '2'), 4 },
	{ 32, ZALGO('A', 'E', 'S', '3'), ZALGO('H', 'S', '8', '0'), 10 },
	{ 32, ZALGO('A', 'E', 'S', '3'), ZALGO('H', 'S', '3', '2'), 4 },
};

static void
open_tx(struct zsrtp *z, int i, uint8_t mkey[32])
{
	struct zs_srtp_keys k;
	size_t j;

	memset(&k, 0, sizeof(k));
	k.cipher = profiles[i].cipher;
	k.auth = profiles[i].auth;
	k.key_len = profiles[i].key_len;
	if (profiles[i].key_len == 16)
		memcpy(mkey, b3_key, 16);
	else
		for (j = 0; j < 32; j++)
			mkey[j] = (uint8_t)(0xa0 + j);
	memcpy(k.tx_key, mkey, profiles[i].key_len);
	memcpy(k.tx_salt, b3_salt, 14);
	memset(k.rx_key, 0x33, sizeof(k.rx_key));
	memset(k.rx_salt, 0x44, sizeof(k.rx_salt));
	ck_assert_int_eq(zsrtp_open(z, &k), 0);
	zwipe(&k, sizeof(k));
}

/*
 * RTP seq 0x1234 and 0x1235 of SSRC 0xcafebabe, 160 bytes each: §3.1's
 * packet, by hand. Two, so that state one packet leaves shows.
 */
START_TEST(test_rtp_packet_recomputed)
{
	static const uint8_t ssrc[4] = { 0xca, 0xfe, 0xba, 0xbe };
	uint8_t p[512], want[512], mkey[32], iv[16], mac[20], roc[4] = { 0 };
	struct zsrtp z;
	struct sess s;
	size_t len, i;
	uint16_t seq;

	open_tx(&z, _i, mkey);
	sess_keys(mkey, profiles[_i].key_len, b3_salt, 0, &s);
	for (seq = 0x1234; seq < 0x1236; seq++) {
		memset(p, 0, sizeof(p));
		p[0] = 0x80;
		p[2] = (uint8_t)(seq >> 8);
		p[3] = (uint8_t)seq;
		memcpy(p + 8, ssrc, 4);
		for (i = 12; i < 172; i++)
			p[i] = (uint8_t)(i + seq);
		memcpy(want, p, 172);
		len = 172;
		ck_assert_int_eq(zsrtp_protect(&z, p, &len, sizeof(p)), 0);
		ck_assert_uint_eq(len, 172 + profiles[_i].tag);

		pkt_iv(&s, ssrc, seq, iv);
		aes_ctr(s.ke, profiles[_i].key_len, iv, want + 12, 160);
		hmac_sha1(s.ka, want, 172, roc, 4, mac);
		memcpy(want + 172, mac, profiles[_i].tag);
		ck_assert_mem_eq(p, want, len);
	}
	zsrtp_close(&z);
}
END_TEST

/* §3.4: E || 31-bit index after the encrypted part, then an 80-bit tag. */
START_TEST(test_rtcp_packet_recomputed)
{
	static const uint8_t ssrc[4] = { 0x0b, 0xad, 0xf0, 0x0d };
	uint8_t p[512], want[512], mkey[32], iv[16], mac[20];
	struct zsrtp z;
	struct sess s;
	size_t len = 28, i;
	uint32_t index;

	open_tx(&z, _i, mkey);
	memset(p, 0, sizeof(p));
	p[0] = 0x80;
	p[1] = 200;	/* SR */
	p[3] = 6;
	memcpy(p + 4, ssrc, 4);
	for (i = 8; i < len; i++)
		p[i] = (uint8_t)(3 * i);
	memcpy(want, p, len);
	ck_assert_int_eq(zsrtp_protect_rtcp(&z, p, &len, sizeof(p)), 0);
	ck_assert_uint_eq(len, 28 + 4 + 10);
	ck_assert_uint_eq(p[28] & 0x80, 0x80);
	index = (uint32_t)(p[28] & 0x7f) << 24 | (uint32_t)p[29] << 16 |
	    (uint32_t)p[30] << 8 | p[31];

	sess_keys(mkey, profiles[_i].key_len, b3_salt, 1, &s);
	pkt_iv(&s, ssrc, index, iv);
	aes_ctr(s.ke, profiles[_i].key_len, iv, want + 8, 20);
	memcpy(want + 28, p + 28, 4);
	hmac_sha1(s.ka, want, 32, NULL, 0, mac);
	memcpy(want + 32, mac, 10);
	ck_assert_mem_eq(p, want, len);
	zsrtp_close(&z);
}
END_TEST

/*
 * §4.1.1: the block counter is 16 bits; after FFFF comes 0000 with the
 * bits above unchanged (a 128-bit CTR, libgcrypt's or nettle's
 * ctr_crypt, would carry into them).
 */
START_TEST(test_icm_block_counter_wraps)
{
	static const uint8_t key[30] = {
		0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
		0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
		0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
		0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
	};
	uint8_t iv[16] = { [14] = 0xff, [15] = 0xfe }, blk[16];
	uint8_t got[64], want[64];
	unsigned int n;
	srtp_cipher_t *c;
	gcry_cipher_hd_t e;
	int i;

	ck_assert_int_eq(srtp_cipher_type_alloc(&zsrtp_prim_icm_128, &c, 30,
	    0), srtp_err_status_ok);
	ck_assert_int_eq(srtp_cipher_init(c, key), srtp_err_status_ok);
	ck_assert_int_eq(srtp_cipher_set_iv(c, iv, srtp_direction_encrypt),
	    srtp_err_status_ok);
	memset(got, 0, sizeof(got));
	/* In two calls, the first ending inside a block. */
	n = 21;
	ck_assert_int_eq(srtp_cipher_encrypt(c, got, &n), srtp_err_status_ok);
	n = sizeof(got) - 21;
	ck_assert_int_eq(srtp_cipher_encrypt(c, got + 21, &n),
	    srtp_err_status_ok);
	srtp_cipher_dealloc(c);

	/* Blocks salt||FFFE, salt||FFFF, salt||0000, salt||0001 by ECB. */
	ck_assert_int_eq(gcry_cipher_open(&e, GCRY_CIPHER_AES128,
	    GCRY_CIPHER_MODE_ECB, 0), 0);
	ck_assert_int_eq(gcry_cipher_setkey(e, key, 16), 0);
	for (i = 0; i < 4; i++) {
		memcpy(blk, key + 16, 14);
		blk[14] = (uint8_t)((0xfffe + i) >> 8);
		blk[15] = (uint8_t)(0xfffe + i);
		ck_assert_int_eq(gcry_cipher_encrypt(e, want + 16 * i, 16, blk,
		    16), 0);
	}
	gcry_cipher_close(e);
	ck_assert_mem_eq(got, want, sizeof(got));
}
END_TEST

/*
 * Two wraps after one set_iv, the first at the end of a call: the second
 * must still come after 2^16 blocks. The position was read back from the
 * counter the first wrap had reset, so the second came a block early.
 */
START_TEST(test_icm_wraps_again_after_a_call)
{
	static const uint8_t key[30] = {
		0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
		0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
		0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
		0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
	};
	enum { LEN = 16 * (0x10000 + 2) };
	uint8_t iv[16] = { [14] = 0xff, [15] = 0xff }, *got, *want;
	unsigned int n;
	srtp_cipher_t *c;
	gcry_cipher_hd_t e;
	size_t i;

	ck_assert_ptr_nonnull(got = calloc(1, LEN));
	ck_assert_ptr_nonnull(want = calloc(1, LEN));
	ck_assert_int_eq(srtp_cipher_type_alloc(&zsrtp_prim_icm_128, &c, 30,
	    0), srtp_err_status_ok);
	ck_assert_int_eq(srtp_cipher_init(c, key), srtp_err_status_ok);
	ck_assert_int_eq(srtp_cipher_set_iv(c, iv, srtp_direction_encrypt),
	    srtp_err_status_ok);
	n = 16;		/* block FFFF: the first wrap ends the call */
	ck_assert_int_eq(srtp_cipher_encrypt(c, got, &n), srtp_err_status_ok);
	n = LEN - 16;	/* 0000 ... FFFF, then 0000 again */
	ck_assert_int_eq(srtp_cipher_encrypt(c, got + 16, &n),
	    srtp_err_status_ok);
	srtp_cipher_dealloc(c);

	/* Counter blocks salt || (FFFF + i mod 2^16), by ECB. */
	ck_assert_int_eq(gcry_cipher_open(&e, GCRY_CIPHER_AES128,
	    GCRY_CIPHER_MODE_ECB, 0), 0);
	ck_assert_int_eq(gcry_cipher_setkey(e, key, 16), 0);
	for (i = 0; i < LEN / 16; i++) {
		memcpy(want + 16 * i, key + 16, 14);
		want[16 * i + 14] = (uint8_t)((0xffff + i) >> 8);
		want[16 * i + 15] = (uint8_t)(0xffff + i);
	}
	ck_assert_int_eq(gcry_cipher_encrypt(e, want, LEN, NULL, 0), 0);
	gcry_cipher_close(e);
	for (i = 0; i < LEN / 16; i++)
		ck_assert_msg(memcmp(got + 16 * i, want + 16 * i, 16) == 0,
		    "block %zu of the keystream", i);
	free(got);
	free(want);
}
END_TEST

/*
 * 1,500 bytes from one set_iv, in pieces cut at every length 1 to 40 in
 * turn (inside blocks, across the AES calls of 16 blocks), against
 * libgcrypt's CTR over the whole at once.
 */
START_TEST(test_icm_long_cut)
{
	static const uint8_t key[46] = {
		0x57, 0xf8, 0x2f, 0xe3, 0x61, 0x3f, 0xd1, 0x70,
		0xa8, 0x5e, 0xc9, 0x3c, 0x40, 0xb1, 0xf0, 0x92,
		0x2e, 0xc4, 0xcb, 0x0d, 0xc0, 0x25, 0xb5, 0x82,
		0x72, 0x14, 0x7c, 0xc4, 0x38, 0x94, 0x4a, 0x98,
		0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
		0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
	};
	uint8_t iv[16] = { [3] = 0x42, [9] = 0x07 }, ctr[16];
	uint8_t got[1500], want[1500];
	unsigned int n;
	size_t off, cut, i;
	srtp_cipher_t *c;

	for (i = 0; i < sizeof(got); i++)
		got[i] = want[i] = (uint8_t)(i * 7);
	ck_assert_int_eq(srtp_cipher_type_alloc(&zsrtp_prim_icm_256, &c, 46,
	    0), srtp_err_status_ok);
	ck_assert_int_eq(srtp_cipher_init(c, key), srtp_err_status_ok);
	ck_assert_int_eq(srtp_cipher_set_iv(c, iv, srtp_direction_encrypt),
	    srtp_err_status_ok);
	for (off = 0, cut = 1; off < sizeof(got); off += n, cut = cut % 40 + 1) {
		n = (unsigned int)(sizeof(got) - off < cut ?
		    sizeof(got) - off : cut);
		ck_assert_int_eq(srtp_cipher_encrypt(c, got + off, &n),
		    srtp_err_status_ok);
	}
	srtp_cipher_dealloc(c);

	memset(ctr, 0, sizeof(ctr));
	memcpy(ctr, key + 32, 14);
	for (i = 0; i < 16; i++)
		ctr[i] ^= iv[i];
	aes_ctr(key, 32, ctr, want, sizeof(want));
	ck_assert_mem_eq(got, want, sizeof(got));
}
END_TEST

/*
 * libsrtp2 calls start, update, compute; should a packet end between
 * update and compute, the next start must begin from the key alone.
 */
START_TEST(test_hmac_start_discards)
{
	static const uint8_t key[20] = {
		0xce, 0xbe, 0x32, 0x1f, 0x6f, 0xf7, 0x71, 0x6b, 0x6f, 0xd4,
		0xab, 0x49, 0xaf, 0x25, 0x6a, 0x15, 0x6d, 0x38, 0xba, 0xa4,
	};
	static const uint8_t msg[] = "an RTP packet and its ROC";
	uint8_t tag[20], want[20];
	srtp_auth_t *a;

	ck_assert_int_eq(srtp_auth_type_alloc(&zsrtp_prim_hmac, &a, 20, 20),
	    srtp_err_status_ok);
	ck_assert_int_eq(srtp_auth_init(a, key), srtp_err_status_ok);
	ck_assert_int_eq(srtp_auth_start(a), srtp_err_status_ok);
	ck_assert_int_eq(srtp_auth_update(a, (const uint8_t *)"left over",
	    9), srtp_err_status_ok);
	ck_assert_int_eq(srtp_auth_start(a), srtp_err_status_ok);
	ck_assert_int_eq(srtp_auth_update(a, msg, 10), srtp_err_status_ok);
	ck_assert_int_eq(srtp_auth_compute(a, msg + 10, sizeof(msg) - 10, tag),
	    srtp_err_status_ok);
	hmac_sha1(key, msg, 10, msg + 10, sizeof(msg) - 10, want);
	ck_assert_mem_eq(tag, want, 20);
	/* And again straight after a digest. */
	ck_assert_int_eq(srtp_auth_start(a), srtp_err_status_ok);
	ck_assert_int_eq(srtp_auth_compute(a, msg, sizeof(msg), tag),
	    srtp_err_status_ok);
	hmac_sha1(key, msg, sizeof(msg), NULL, 0, want);
	ck_assert_mem_eq(tag, want, 20);
	srtp_auth_dealloc(a);
}
END_TEST

/* libsrtp2 runs a type's own known answers before it takes it. */
START_TEST(test_wrong_known_answer_refused)
{
	srtp_cipher_test_case_t tc = *zsrtp_prim_icm_128.test_data;
	srtp_auth_test_case_t ta = *zsrtp_prim_hmac.test_data;
	srtp_cipher_type_t ct = zsrtp_prim_icm_128;
	srtp_auth_type_t at = zsrtp_prim_hmac;
	uint8_t bad[64];

	memcpy(bad, tc.ciphertext, tc.ciphertext_length_octets);
	bad[5] ^= 0x10;
	tc.ciphertext = bad;
	tc.next_test_case = NULL;
	ct.test_data = &tc;
	ck_assert_int_ne(srtp_replace_cipher_type(&ct, SRTP_AES_ICM_128),
	    srtp_err_status_ok);
	memcpy(bad, ta.tag, ta.tag_length_octets);
	bad[0] ^= 1;
	ta.tag = bad;
	ta.next_test_case = NULL;
	at.test_data = &ta;
	ck_assert_int_ne(srtp_replace_auth_type(&at, SRTP_HMAC_SHA1),
	    srtp_err_status_ok);
	/* The right ones pass the same way. */
	ck_assert_int_eq(srtp_cipher_type_self_test(&zsrtp_prim_icm_128),
	    srtp_err_status_ok);
	ck_assert_int_eq(srtp_cipher_type_self_test(&zsrtp_prim_icm_192),
	    srtp_err_status_ok);
	ck_assert_int_eq(srtp_cipher_type_self_test(&zsrtp_prim_icm_256),
	    srtp_err_status_ok);
	ck_assert_int_eq(srtp_auth_type_self_test(&zsrtp_prim_hmac),
	    srtp_err_status_ok);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("srtp_prim");
	TCase *tc = tcase_create("srtp_prim");
	int n = (int)(sizeof(profiles) / sizeof(profiles[0]));

	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_b3_session_keys);
	tcase_add_loop_test(tc, test_rtp_packet_recomputed, 0, n);
	tcase_add_loop_test(tc, test_rtcp_packet_recomputed, 0, n);
	tcase_add_test(tc, test_icm_block_counter_wraps);
	tcase_add_test(tc, test_icm_wraps_again_after_a_call);
	tcase_add_test(tc, test_icm_long_cut);
	tcase_add_test(tc, test_hmac_start_discards);
	tcase_add_test(tc, test_wrong_known_answer_refused);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
