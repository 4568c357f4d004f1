/*
 * Check suite for crypto/: every known-answer test of selftest.c as its own
 * test case (a failure names the primitive), two-party agreement for every
 * key agreement, every public-value refusal, and the edges of zct_eq, zwipe,
 * the KDF and the ciphers. Deterministic but for the random key pairs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "unit.h"
#include <gcrypt.h>
#include <gmp.h>
#include <openssl/crypto.h>

#include "cipher.h"
#include "hash.h"
#include "kex.h"
#include "selftest.h"
#include "zcrypto.h"

/* DH3k and the full primality proofs are slow under the sanitizers. */
#define SLOW_TIMEOUT	120

static const enum zkex_alg dh_algs[] = { ZKEX_DH2K, ZKEX_DH3K };
static const enum zkex_alg ec_algs[] = { ZKEX_EC25, ZKEX_EC38, ZKEX_EC52 };

static int
all_zero(const uint8_t *p, size_t len)
{
	uint8_t d = 0;

	while (len-- > 0)
		d |= p[len];
	return d == 0;
}

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t i, n = strlen(hex) / 2;
	unsigned int b;

	ck_assert_uint_le(n, cap);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
	return n;
}

/* Big-endian v += 1 (up) or v -= 1. */
static void
be_step(uint8_t *v, size_t len, int up)
{
	while (len-- > 0)
		if (up ? ++v[len] != 0 : v[len]-- != 0)
			break;
}

/* A refused pv: ZE_BAD_PV from both entry points, and out wiped. */
static void
assert_refused(const struct zkex *k, const uint8_t *pv, size_t len)
{
	uint8_t out[ZKEX_RESULT_MAX];

	ck_assert_int_eq(zkex_check_pv(k->alg, pv, len), ZE_BAD_PV);
	memset(out, 0xa5, sizeof(out));
	ck_assert_int_eq(zkex_agree(k, pv, len, out), ZE_BAD_PV);
	ck_assert(all_zero(out, zkex_result_len(k->alg)));
}

START_TEST(test_kat)
{
	ck_assert_msg(zcrypto_kat_run((size_t)_i) == 0, "KAT failed: %s",
	    zcrypto_kat_name((size_t)_i));
}
END_TEST

START_TEST(test_selftest_all)
{
	size_t n = zcrypto_kat_count();

	ck_assert_uint_ge(n, 19);
	ck_assert_ptr_nonnull(zcrypto_kat_name(n - 1));
	ck_assert_ptr_null(zcrypto_kat_name(n));
	ck_assert_int_eq(zcrypto_kat_run(n), ZE_INVAL);
	ck_assert_int_eq(zcrypto_selftest(), 0);
}
END_TEST

/* RFC 3526: p and (p-1)/2 prime, proven by libgcrypt's full test. */
START_TEST(test_dh_safe_primes)
{
	enum zkex_alg alg = dh_algs[_i];
	gcry_mpi_t p = NULL, q;

	ck_assert_int_eq(gcry_mpi_scan(&p, GCRYMPI_FMT_HEX,
	    zcrypto_kat_dh_prime(alg), 0, NULL), 0);
	ck_assert_uint_eq(gcry_mpi_get_nbits(p), zkex_pv_len(alg) * 8);
	q = gcry_mpi_new(0);
	gcry_mpi_rshift(q, p, 1);
	ck_assert_int_eq(gcry_prime_check(p, 0), 0);
	ck_assert_int_eq(gcry_prime_check(q, 0), 0);
	gcry_mpi_release(p);
	gcry_mpi_release(q);
	ck_assert_ptr_null(zcrypto_kat_dh_prime(ZKEX_EC25));
}
END_TEST

START_TEST(test_agree_random)
{
	enum zkex_alg alg = (enum zkex_alg)_i;
	struct zkex a, b, c;
	uint8_t za[ZKEX_RESULT_MAX], zb[ZKEX_RESULT_MAX], zc[ZKEX_RESULT_MAX];
	size_t n = zkex_result_len(alg);

	ck_assert_int_eq(zkex_generate(&a, alg), 0);
	ck_assert_int_eq(zkex_generate(&b, alg), 0);
	ck_assert_int_eq(zkex_generate(&c, alg), 0);
	ck_assert_int_eq(a.alg, alg);
	ck_assert_uint_eq(a.pv_len, zkex_pv_len(alg));
	ck_assert_ptr_nonnull(a.sv);
	ck_assert(memcmp(a.pv, b.pv, a.pv_len) != 0);
	ck_assert_int_eq(zkex_check_pv(alg, a.pv, a.pv_len), 0);
	ck_assert_int_eq(zkex_agree(&a, b.pv, b.pv_len, za), 0);
	ck_assert_int_eq(zkex_agree(&b, a.pv, a.pv_len, zb), 0);
	ck_assert_int_eq(zkex_agree(&c, a.pv, a.pv_len, zc), 0);
	ck_assert(zct_eq(za, zb, n));
	ck_assert(!zct_eq(za, zc, n));
	ck_assert(!all_zero(za, n));
	zkex_clear(&a);
	zkex_clear(&b);
	zkex_clear(&c);
	ck_assert_ptr_null(a.sv);
	ck_assert_uint_eq(a.sv_len, 0);
}
END_TEST

/* RFC 6189 §4.4.1.2: 0, 1, p-1, p, p+1, 2^n-1 refused; 2 and p-2 taken. */
START_TEST(test_dh_refusals)
{
	enum zkex_alg alg = dh_algs[_i];
	struct zkex k;
	uint8_t p[ZKEX_PV_MAX + 1], x[ZKEX_PV_MAX + 1];
	size_t n = zkex_pv_len(alg), i;

	ck_assert_uint_eq(unhex(zcrypto_kat_dh_prime(alg), p, sizeof(p)), n);
	ck_assert_int_eq(zkex_generate(&k, alg), 0);
	memset(x, 0, sizeof(x));
	assert_refused(&k, x, n);			/* 0 */
	x[n - 1] = 1;
	assert_refused(&k, x, n);			/* 1 */
	x[n - 1] = 2;
	ck_assert_int_eq(zkex_check_pv(alg, x, n), 0);
	memcpy(x, p, n);
	be_step(x, n, 0);
	be_step(x, n, 0);
	ck_assert_int_eq(zkex_check_pv(alg, x, n), 0);	/* p-2 */
	for (i = 0; i < 3; i++) {			/* p-1, p, p+1 */
		be_step(x, n, 1);
		assert_refused(&k, x, n);
	}
	memset(x, 0xff, n);
	assert_refused(&k, x, n);
	assert_refused(&k, k.pv, n - 1);		/* wrong lengths */
	memcpy(x, k.pv, n);
	x[n] = 0;
	assert_refused(&k, x, n + 1);
	assert_refused(&k, k.pv, 0);
	zkex_clear(&k);
}
END_TEST

/* SP 800-56A §5.6.2.6: off the curve, coordinate >= p, wrong length. */
START_TEST(test_ec_refusals)
{
	enum zkex_alg alg = ec_algs[_i];
	static const char *curves[] = { "NIST P-256", "NIST P-384",
	    "NIST P-521" };
	struct zkex k;
	uint8_t x[ZKEX_PV_MAX + 1], pb[ZKEX_RESULT_MAX];
	size_t n = zkex_pv_len(alg), c = n / 2;
	gcry_ctx_t ctx;
	gcry_mpi_t p;

	ck_assert_int_eq(zkex_generate(&k, alg), 0);
	memcpy(x, k.pv, n);
	x[n - 1] ^= 1;					/* y off by one */
	assert_refused(&k, x, n);
	memset(x, 0, n);				/* (0, 0) */
	assert_refused(&k, x, n);
	ck_assert_int_eq(gcry_mpi_ec_new(&ctx, NULL, curves[_i]), 0);
	p = gcry_mpi_ec_get_mpi("p", ctx, 1);
	ck_assert_int_eq(gcry_mpi_print(GCRYMPI_FMT_USG, pb, c, NULL, p), 0);
	memcpy(x, pb, c);				/* x = p */
	memcpy(x + c, k.pv + c, c);
	assert_refused(&k, x, n);
	memcpy(x, k.pv, c);				/* y = p */
	memcpy(x + c, pb, c);
	assert_refused(&k, x, n);
	gcry_mpi_release(p);
	gcry_ctx_release(ctx);
	assert_refused(&k, k.pv, n - 1);
	memcpy(x, k.pv, n);
	x[n] = 0;
	assert_refused(&k, x, n + 1);
	zkex_clear(&k);
}
END_TEST

/*
 * P-521: x + p still fits the 66-byte field and satisfies the curve
 * equation mod p; only the range check refuses it.
 */
START_TEST(test_ec52_unreduced)
{
	struct zkex k;
	gcry_ctx_t ctx;
	gcry_mpi_t p, xm;
	uint8_t x[132];
	size_t w;

	ck_assert_int_eq(zkex_generate(&k, ZKEX_EC52), 0);
	ck_assert_int_eq(gcry_mpi_ec_new(&ctx, NULL, "NIST P-521"), 0);
	p = gcry_mpi_ec_get_mpi("p", ctx, 1);
	ck_assert_int_eq(gcry_mpi_scan(&xm, GCRYMPI_FMT_USG, k.pv, 66, NULL),
	    0);
	gcry_mpi_add(xm, xm, p);
	ck_assert_uint_le((gcry_mpi_get_nbits(xm) + 7) / 8, 66);
	memset(x, 0, sizeof(x));
	w = (gcry_mpi_get_nbits(xm) + 7) / 8;
	ck_assert_int_eq(gcry_mpi_print(GCRYMPI_FMT_USG, x + 66 - w, w, NULL,
	    xm), 0);
	memcpy(x + 66, k.pv + 66, 66);
	assert_refused(&k, x, sizeof(x));
	gcry_mpi_release(xm);
	gcry_mpi_release(p);
	gcry_ctx_release(ctx);
	zkex_clear(&k);
}
END_TEST

/*
 * nettle's X25519/X448 copy the clamped scalar into their own stack frame
 * and leave it there, and its P-384 leaves the scalar's bytes (kex.c): a
 * key pair from a known secret, then a scan of the stack below this
 * test's frame, where nettle's frames were, for bytes 8 to 23 of the
 * scalar (clamping leaves them as they are), in either byte order.
 */
#define STACK_SCAN	16384

static void __attribute__((noinline))
stack_use_kex(enum zkex_alg alg, const uint8_t *sv)
{
	struct zkex k;

	ck_assert_int_eq(zkex_from_secret(&k, alg, sv, zkex_sv_len(alg, 32)),
	    0);
	zkex_clear(&k);
}

/* Reads what earlier frames left below the caller's: never written. */
static int __attribute__((noinline))
stack_holds(const uint8_t *needle, size_t len)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
	volatile uint8_t area[STACK_SCAN];
	static uint8_t copy[STACK_SCAN];
	size_t i;

	for (i = 0; i < sizeof(copy); i++)
		copy[i] = area[i];
#pragma GCC diagnostic pop
	return memmem(copy, sizeof(copy), needle, len) != NULL;
}

START_TEST(test_kex_stack_wiped)
{
	static const enum zkex_alg algs[] = { ZKEX_X255, ZKEX_X448,
	    ZKEX_EC38 };
	enum zkex_alg alg = algs[_i];
	uint8_t sv[56], rev[16];
	size_t i;

	/* Below P-384's n: the first byte is small. */
	for (i = 0; i < sizeof(sv); i++)
		sv[i] = (uint8_t)(0x9d ^ (i * 37));
	sv[0] = 0x01;
	for (i = 0; i < sizeof(rev); i++)
		rev[i] = sv[8 + sizeof(rev) - 1 - i];
	stack_use_kex(alg, sv);
	ck_assert_msg(!stack_holds(sv + 8, 16) && !stack_holds(rev, 16),
	    "key agreement %d: scalar left on the stack", alg);
}
END_TEST

/* RFC 7748 §6: low-order u give an all-zero result and are refused. */
START_TEST(test_x25519_low_order)
{
	static const char *low[] = {
	    "0000000000000000000000000000000000000000000000000000000000000000",
	    "0100000000000000000000000000000000000000000000000000000000000000",
	    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	};
	struct zkex k;
	uint8_t u[33];
	size_t i;

	ck_assert_int_eq(zkex_generate(&k, ZKEX_X255), 0);
	for (i = 0; i < sizeof(low) / sizeof(low[0]); i++) {
		ck_assert_uint_eq(unhex(low[i], u, sizeof(u)), 32);
		assert_refused(&k, u, 32);
	}
	assert_refused(&k, k.pv, 31);
	memcpy(u, k.pv, 32);
	u[32] = 0;
	assert_refused(&k, u, 33);
	zkex_clear(&k);
}
END_TEST

START_TEST(test_x448_low_order)
{
	struct zkex k;
	uint8_t u[57];

	ck_assert_int_eq(zkex_generate(&k, ZKEX_X448), 0);
	memset(u, 0, sizeof(u));
	assert_refused(&k, u, 56);			/* 0 */
	u[0] = 1;
	assert_refused(&k, u, 56);			/* 1 */
	memset(u, 0xff, 56);				/* p - 1 */
	u[0] = 0xfe;
	u[28] = 0xfe;
	assert_refused(&k, u, 56);
	assert_refused(&k, k.pv, 55);
	memcpy(u, k.pv, 56);
	u[56] = 0;
	assert_refused(&k, u, 57);
	zkex_clear(&k);
}
END_TEST

/*
 * Where the public-key libraries keep scalars (docs/performance.md): after
 * the first key agreement OpenSSL has its locked secure heap and GMP, under
 * nettle's ECC, allocates from libgcrypt's secure memory.
 */
START_TEST(test_kex_secret_memory)
{
	struct zkex k;
	mpz_t x;

	ck_assert_int_eq(zkex_generate(&k, ZKEX_EC38), 0);
	zkex_clear(&k);
	ck_assert_int_eq(CRYPTO_secure_malloc_initialized(), 1);
	mpz_init2(x, 384);
	ck_assert(gcry_is_secure(mpz_limbs_read(x)));
	mpz_clear(x);
}
END_TEST

/* RFC 7748 §5: u >= p is reduced; p and p + 1 are 0 and 1, low order. */
START_TEST(test_mont_noncanonical)
{
	static const char *u25519[] = {
	    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	struct zkex k;
	uint8_t u[56];
	size_t i;

	ck_assert_int_eq(zkex_generate(&k, ZKEX_X255), 0);
	for (i = 0; i < 2; i++) {
		ck_assert_uint_eq(unhex(u25519[i], u, sizeof(u)), 32);
		assert_refused(&k, u, 32);
	}
	zkex_clear(&k);
	/* X448: p = 2^448 - 2^224 - 1 and p + 1 = 2^448 - 2^224. */
	ck_assert_int_eq(zkex_generate(&k, ZKEX_X448), 0);
	memset(u, 0xff, sizeof(u));
	u[28] = 0xfe;
	assert_refused(&k, u, 56);
	memset(u, 0, 28);
	u[28] = 0xff;
	assert_refused(&k, u, 56);
	zkex_clear(&k);
}
END_TEST

START_TEST(test_kex_bad_secret)
{
	/* P-256 group order n (FIPS 186-4 D.1.2.3). */
	static const char n256[] =
	    "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
	struct zkex k;
	uint8_t sv[ZKEX_SV_MAX + 1], out[ZKEX_RESULT_MAX];

	memset(&k, 0, sizeof(k));
	memset(sv, 0, sizeof(sv));
	ck_assert_int_eq(zkex_from_secret(&k, ZKEX_EC25, sv, 32), ZE_INVAL);
	ck_assert_int_eq(zkex_from_secret(&k, ZKEX_DH3K, sv, 64), ZE_INVAL);
	unhex(n256, sv, sizeof(sv));
	ck_assert_int_eq(zkex_from_secret(&k, ZKEX_EC25, sv, 32), ZE_INVAL);
	be_step(sv, 32, 0);				/* n - 1 */
	ck_assert_int_eq(zkex_from_secret(&k, ZKEX_EC25, sv, 32), 0);
	zkex_clear(&k);
	ck_assert_int_eq(zkex_from_secret(&k, ZKEX_EC25, sv, 31), ZE_INVAL);
	ck_assert_int_eq(zkex_from_secret(&k, ZKEX_X255, sv, 33), ZE_INVAL);
	ck_assert_int_eq(zkex_from_secret(&k, ZKEX_COUNT, sv, 32),
	    ZE_UNSUPPORTED);
	ck_assert_int_eq(zkex_generate(&k, ZKEX_COUNT), ZE_UNSUPPORTED);
	ck_assert_int_eq(zkex_check_pv(ZKEX_COUNT, sv, 32), ZE_UNSUPPORTED);
	ck_assert_int_eq(zkex_agree(&k, sv, 32, out), ZE_INVAL);
	zkex_clear(&k);
	zkex_clear(&k);
	zkex_clear(NULL);
	ck_assert_ptr_null(k.sv);
}
END_TEST

START_TEST(test_kex_lengths)
{
	static const size_t pv[] = { 256, 384, 64, 96, 132, 32, 56 };
	static const size_t res[] = { 256, 384, 32, 48, 66, 32, 56 };
	int alg;

	for (alg = 0; alg < ZKEX_COUNT; alg++) {
		ck_assert_uint_eq(zkex_pv_len(alg), pv[alg]);
		ck_assert_uint_eq(zkex_result_len(alg), res[alg]);
		ck_assert_uint_le(zkex_pv_len(alg), ZKEX_PV_MAX);
		ck_assert_uint_le(zkex_result_len(alg), ZKEX_RESULT_MAX);
	}
	ck_assert_uint_eq(zkex_pv_len(ZKEX_COUNT), 0);
	ck_assert_uint_eq(zkex_result_len(ZKEX_COUNT), 0);
}
END_TEST

START_TEST(test_zct_eq)
{
	uint8_t a[48], b[48];
	size_t i;

	for (i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (uint8_t)(i * 7 + 1);
	ck_assert_int_eq(zct_eq(a, b, sizeof(a)), 1);
	ck_assert_int_eq(zct_eq(a, b, 0), 1);
	for (i = 0; i < sizeof(a) * 8; i++) {
		b[i / 8] ^= (uint8_t)(1 << (i % 8));
		ck_assert_int_eq(zct_eq(a, b, sizeof(a)), 0);
		b[i / 8] ^= (uint8_t)(1 << (i % 8));
	}
	b[47] ^= 0x80;
	ck_assert_int_eq(zct_eq(a, b, 47), 1);
}
END_TEST

START_TEST(test_zwipe)
{
	uint8_t buf[64];
	uint8_t *s;

	memset(buf, 0x5a, sizeof(buf));
	zwipe(buf, 32);
	ck_assert(all_zero(buf, 32));
	ck_assert_uint_eq(buf[32], 0x5a);
	ck_assert_uint_eq(buf[63], 0x5a);
	zwipe(NULL, 16);
	ck_assert_ptr_nonnull(s = zsecure_alloc(40));
	memset(s, 0x77, 40);
	ck_assert(zsecure_owns(s));
	zsecure_free(s, 40);
	zsecure_free(NULL, 40);
}
END_TEST

/* HMAC(ki, 1 || label || 0x00 || ctx || L) by hand, RFC 6189 §4.5.1. */
static void
kdf_by_hand(enum zhash_alg alg, const uint8_t *ki, size_t ki_len,
    const char *label, const uint8_t *ctx, size_t ctx_len, size_t out_len,
    uint8_t *mac)
{
	uint8_t msg[256];
	size_t m = 0, lab = strlen(label);
	uint32_t bits = (uint32_t)out_len * 8;

	memcpy(msg, "\0\0\0\1", 4);
	m = 4;
	memcpy(msg + m, label, lab);
	m += lab;
	msg[m++] = 0;
	memcpy(msg + m, ctx, ctx_len);
	m += ctx_len;
	msg[m++] = bits >> 24;
	msg[m++] = bits >> 16;
	msg[m++] = bits >> 8;
	msg[m++] = bits;
	ck_assert_int_eq(zhmac(alg, ki, ki_len, msg, m, mac), 0);
}

/*
 * zkdf_many: the same bytes as one zkdf per label; the key state it keeps
 * between labels is dropped after (the next HMAC, under another key, is
 * right); one bad output wipes them all.
 */
START_TEST(test_kdf_many)
{
	enum zhash_alg alg = (enum zhash_alg)_i;
	uint8_t ki[48], ctx[56], a[16], b[14], c[ZHASH_MAX_LEN];
	uint8_t want[ZHASH_MAX_LEN], mac[ZHASH_MAX_LEN], key2[32];
	size_t hl = zhash_len(alg);
	struct zkdf_out outs[] = {
		{ "Initiator SRTP master key", a, sizeof(a) },
		{ "Initiator SRTP master salt", b, sizeof(b) },
		{ "SAS", c, hl },
	};
	size_t i;

	memset(ki, 0x42, sizeof(ki));
	memset(ctx, 0x17, sizeof(ctx));
	memset(key2, 0x99, sizeof(key2));
	ck_assert_int_eq(zhmac(alg, key2, sizeof(key2), "x", 1, want), 0);
	ck_assert_int_eq(zkdf_many(alg, ki, hl, ctx, sizeof(ctx), outs, 3), 0);
	ck_assert_int_eq(zhmac(alg, key2, sizeof(key2), "x", 1, mac), 0);
	ck_assert(zct_eq(mac, want, hl));
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(zkdf(alg, ki, hl, outs[i].label, ctx,
		    sizeof(ctx), want, outs[i].out_len), 0);
		ck_assert(zct_eq(outs[i].out, want, outs[i].out_len));
	}
	outs[2].out_len = hl + 1;
	memset(a, 0x55, sizeof(a));
	ck_assert_int_eq(zkdf_many(alg, ki, hl, ctx, sizeof(ctx), outs, 3),
	    ZE_INVAL);
	ck_assert(all_zero(a, sizeof(a)) && all_zero(b, sizeof(b)));
}
END_TEST

/* Truncation to L bits with L in the input, and the bounds on L. */
START_TEST(test_kdf_bounds)
{
	enum zhash_alg alg = (enum zhash_alg)_i;
	uint8_t ki[48], ctx[56], out[ZHASH_MAX_LEN + 1], full[ZHASH_MAX_LEN];
	uint8_t mac[ZHASH_MAX_LEN];
	size_t hl = zhash_len(alg), l;

	memset(ki, 0x42, sizeof(ki));
	memset(ctx, 0x17, sizeof(ctx));
	for (l = 1; l <= hl; l++) {
		kdf_by_hand(alg, ki, hl, "SRTP", ctx, sizeof(ctx), l, mac);
		ck_assert_int_eq(zkdf(alg, ki, hl, "SRTP", ctx, sizeof(ctx),
		    out, l), 0);
		ck_assert(zct_eq(out, mac, l));
	}
	ck_assert_int_eq(zkdf(alg, ki, hl, "SRTP", ctx, sizeof(ctx), full,
	    hl), 0);
	ck_assert_int_eq(zkdf(alg, ki, hl, "SRTP", ctx, sizeof(ctx), out, 16),
	    0);
	ck_assert(!zct_eq(out, full, 16));		/* L is in the input */
	ck_assert_int_eq(zkdf(alg, ki, hl, "SRTP", ctx, sizeof(ctx), out, 0),
	    ZE_INVAL);
	ck_assert_int_eq(zkdf(alg, ki, hl, "SRTP", ctx, sizeof(ctx), out,
	    hl + 1), ZE_INVAL);
	ck_assert_int_eq(zkdf(alg, ki, hl, NULL, ctx, sizeof(ctx), out, hl),
	    ZE_INVAL);
	ck_assert_int_eq(zkdf(ZHASH_COUNT, ki, hl, "SRTP", ctx, sizeof(ctx),
	    out, 16), ZE_INVAL);
}
END_TEST

START_TEST(test_cipher)
{
	static const size_t key_len[] = { 16, 24, 32, 16, 32 };
	uint8_t key[ZCIPHER_KEY_MAX], iv[ZCIPHER_IV_LEN], pt[45], buf[45];
	size_t i;
	int alg;

	for (i = 0; i < sizeof(pt); i++)
		pt[i] = (uint8_t)(i * 13);
	memset(key, 0x3c, sizeof(key));
	memset(iv, 0xc3, sizeof(iv));
	for (alg = 0; alg < ZCIPHER_COUNT; alg++) {
		ck_assert_uint_eq(zcipher_key_len(alg), key_len[alg]);
		memcpy(buf, pt, sizeof(pt));
		ck_assert_int_eq(zcfb_encrypt(alg, key, iv, buf, buf,
		    sizeof(buf)), 0);
		ck_assert(!zct_eq(buf, pt, sizeof(pt)));
		ck_assert_int_eq(zcfb_decrypt(alg, key, iv, buf, buf,
		    sizeof(buf)), 0);
		ck_assert(zct_eq(buf, pt, sizeof(pt)));
		ck_assert_int_eq(zcfb_encrypt(alg, key, iv, pt, buf, 0), 0);
		ck_assert_int_eq(zcfb_encrypt(alg, NULL, iv, pt, buf, 16),
		    ZE_INVAL);
	}
	ck_assert_uint_eq(zcipher_key_len(ZCIPHER_COUNT), 0);
	ck_assert_int_eq(zcfb_encrypt(ZCIPHER_COUNT, key, iv, pt, buf, 16),
	    ZE_UNSUPPORTED);
	ck_assert_int_eq(zcfb_decrypt(ZCIPHER_COUNT, key, iv, pt, buf, 16),
	    ZE_UNSUPPORTED);
}
END_TEST

static TCase *
tcase_slow(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, SLOW_TIMEOUT);
	return tc;
}

static Suite *
crypto_suite(void)
{
	Suite *s = suite_create("crypto");
	TCase *tc;
	size_t i;

	for (i = 0; i < zcrypto_kat_count(); i++) {
		tc = tcase_slow(zcrypto_kat_name(i));
		tcase_add_loop_test(tc, test_kat, (int)i, (int)i + 1);
		suite_add_tcase(s, tc);
	}
	tc = tcase_slow("selftest");
	tcase_add_test(tc, test_selftest_all);
	tcase_add_loop_test(tc, test_dh_safe_primes, 0, 2);
	suite_add_tcase(s, tc);
	tc = tcase_slow("kex");
	tcase_add_loop_test(tc, test_agree_random, 0, ZKEX_COUNT);
	tcase_add_loop_test(tc, test_dh_refusals, 0, 2);
	tcase_add_loop_test(tc, test_ec_refusals, 0, 3);
	tcase_add_test(tc, test_ec52_unreduced);
	tcase_add_test(tc, test_x25519_low_order);
	tcase_add_test(tc, test_x448_low_order);
	tcase_add_loop_test(tc, test_kex_stack_wiped, 0, 3);
	tcase_add_test(tc, test_kex_bad_secret);
	tcase_add_test(tc, test_kex_secret_memory);
	tcase_add_test(tc, test_mont_noncanonical);
	tcase_add_test(tc, test_kex_lengths);
	suite_add_tcase(s, tc);
	tc = tcase_create("util");
	tcase_add_test(tc, test_zct_eq);
	tcase_add_test(tc, test_zwipe);
	tcase_add_loop_test(tc, test_kdf_bounds, 0, ZHASH_COUNT);
	tcase_add_loop_test(tc, test_kdf_many, 0, ZHASH_COUNT);
	tcase_add_test(tc, test_cipher);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{

	if (zcrypto_init(0) != 0)
		return EXIT_FAILURE;
	return unit_run(crypto_suite());
}
