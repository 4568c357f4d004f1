/*
 * ECDH over NIST P-256, P-384 and P-521 (RFC 6189 §5.1.5: pv = x || y,
 * DHResult = x). P-256 and P-521 on OpenSSL's EC_POINT_mul (its
 * constant-time nistz256 and nistp521 code), P-384 on nettle's
 * ecc_point_mul, each the fastest Debian has for that curve
 * (docs/performance.md). Must not know any message layout.
 */
#include <string.h>

#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include "kex_int.h"
#include "zcrypto.h"

/* Field size in bytes: pv is two of them, DHResult one. */
static size_t
nist_clen(enum zkex_alg alg)
{
	return zkex_result_len(alg);
}

/* ---- OpenSSL: P-256, P-521 ---- */

/* Read-only after kex_setup's pthread_once: shared by worker threads. */
static EC_GROUP *ossl_groups[ZKEX_COUNT];

static int
ossl_init(enum zkex_alg alg)
{
	int nid = alg == ZKEX_EC25 ? NID_X9_62_prime256v1 : NID_secp521r1;

	if ((ossl_groups[alg] = EC_GROUP_new_by_curve_name(nid)) == NULL)
		return ZE_CRYPTO;
	return 0;
}

/*
 * SP 800-56A §5.6.2.6 partial validation, by EC_POINT_oct2point on the
 * uncompressed form: each coordinate below p, the point on the curve.
 * 0x04 || x || y cannot encode the point at infinity.
 */
static int
ossl_peer(enum zkex_alg alg, const uint8_t *pv, BN_CTX *ctx, EC_POINT **pt)
{
	const EC_GROUP *G = ossl_groups[alg];
	uint8_t oct[1 + ZKEX_PV_MAX];
	size_t n = zkex_pv_len(alg);

	oct[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(oct + 1, pv, n);
	if ((*pt = EC_POINT_new(G)) == NULL)
		return ZE_NOMEM;
	if (EC_POINT_oct2point(G, *pt, oct, 1 + n, ctx) != 1 ||
	    EC_POINT_is_at_infinity(G, *pt) ||
	    EC_POINT_is_on_curve(G, *pt, ctx) != 1) {
		EC_POINT_free(*pt);
		*pt = NULL;
		ERR_clear_error();	/* a peer's bad value is no library error */
		return ZE_BAD_PV;
	}
	return 0;
}

static int
ossl_check(enum zkex_alg alg, const uint8_t *pv)
{
	EC_POINT *pt = NULL;
	BN_CTX *ctx;
	int r;

	if ((ctx = BN_CTX_new()) == NULL)
		return ZE_NOMEM;
	r = ossl_peer(alg, pv, ctx, &pt);
	EC_POINT_free(pt);
	BN_CTX_free(ctx);
	return r;
}

/*
 * sv * (peer, or the generator when peer is NULL): x (and y when out_y)
 * into out. The scalar is a secure BN flagged BN_FLG_CONSTTIME, refused
 * unless 1 <= sv < n (SP 800-56A §5.6.1.2); temporaries come from a
 * secure BN_CTX; all are cleared when freed.
 */
static int
ossl_mul(const struct zkex *k, const uint8_t *peer, uint8_t *out, int out_y)
{
	const EC_GROUP *G = ossl_groups[k->alg];
	uint8_t oct[1 + ZKEX_PV_MAX];
	size_t clen = nist_clen(k->alg);
	BN_CTX *ctx = NULL;
	BIGNUM *e = NULL;
	EC_POINT *p = NULL, *q = NULL;
	int r = ZE_NOMEM;

	if ((ctx = BN_CTX_secure_new()) == NULL ||
	    (e = BN_secure_new()) == NULL || (q = EC_POINT_new(G)) == NULL)
		goto out;
	if (peer != NULL && (r = ossl_peer(k->alg, peer, ctx, &p)) != 0)
		goto out;
	BN_set_flags(e, BN_FLG_CONSTTIME);
	r = ZE_INVAL;
	if (BN_bin2bn(k->sv, (int)k->sv_len, e) == NULL || BN_is_zero(e) ||
	    BN_cmp(e, EC_GROUP_get0_order(G)) >= 0)
		goto out;
	r = ZE_CRYPTO;
	if (EC_POINT_mul(G, q, p == NULL ? e : NULL, p, p == NULL ? NULL : e,
	    ctx) != 1)
		goto out;
	r = ZE_BAD_PV;		/* the point at infinity */
	if (EC_POINT_point2oct(G, q, POINT_CONVERSION_UNCOMPRESSED, oct,
	    sizeof(oct), ctx) != 1 + 2 * clen)
		goto out;
	memcpy(out, oct + 1, out_y ? 2 * clen : clen);
	r = 0;
out:
	zwipe(oct, sizeof(oct));
	BN_clear_free(e);
	EC_POINT_free(p);
	EC_POINT_clear_free(q);
	BN_CTX_free(ctx);
	return r;
}

static int
ossl_pub(struct zkex *k)
{
	return ossl_mul(k, NULL, k->pv, 1);
}

static int
ossl_agree(const struct zkex *k, const uint8_t *peer, uint8_t *out)
{
	return ossl_mul(k, peer, out, 0);
}

const struct kex_ops kex_nist_ossl_ops = {
	ossl_init, ossl_pub, ossl_check, ossl_agree
};

/* ---- nettle: P-384 ---- */

static int
nettle_init(enum zkex_alg alg)
{
	(void)alg;
	return kex_gmp_init();
}

static void
nettle_get(mpz_t v, const uint8_t *p, size_t len)
{
	mpz_import(v, len, 1, 1, 0, 0, p);
}

static void
nettle_put(const mpz_t v, uint8_t *out, size_t len)
{
	size_t n = (mpz_sizeinbase(v, 2) + 7) / 8;

	memset(out, 0, len);
	if (mpz_sgn(v) != 0)
		mpz_export(out + len - n, NULL, 1, 1, 0, 0, v);
}

/*
 * ecc_point_set refuses coordinates outside [0, p) and points off the
 * curve (SP 800-56A §5.6.2.6); (0, 0), the only encoding infinity could
 * take, is off the curve.
 */
static int
nettle_peer(const uint8_t *pv, size_t clen, struct ecc_point *pt)
{
	mpz_t x, y;
	int ok;

	mpz_init(x);
	mpz_init(y);
	nettle_get(x, pv, clen);
	nettle_get(y, pv + clen, clen);
	ok = ecc_point_set(pt, x, y);
	mpz_clear(x);
	mpz_clear(y);
	return ok ? 0 : ZE_BAD_PV;
}

static int
nettle_check(enum zkex_alg alg, const uint8_t *pv)
{
	struct ecc_point pt;
	int r;

	ecc_point_init(&pt, nettle_get_secp_384r1());
	r = nettle_peer(pv, nist_clen(alg), &pt);
	ecc_point_clear(&pt);
	return r;
}

/*
 * As ossl_mul, on nettle: the scalar passes through an mpz into an
 * ecc_scalar, both in GMP memory, which kex_gmp_init() points at
 * libgcrypt's secure memory, wiped on every free; what the calls leave on
 * the stack is wiped after (kex_burn_stack). ecc_scalar_set refuses a
 * scalar outside [1, n).
 */
static int
nettle_mul(const struct zkex *k, const uint8_t *peer, uint8_t *out,
    int out_y)
{
	const struct ecc_curve *C = nettle_get_secp_384r1();
	size_t clen = nist_clen(k->alg);
	struct ecc_scalar s;
	struct ecc_point p, q;
	mpz_t e, x, y;
	int r;

	mpz_init(e);
	mpz_init(x);
	mpz_init(y);
	ecc_scalar_init(&s, C);
	ecc_point_init(&p, C);
	ecc_point_init(&q, C);
	nettle_get(e, k->sv, k->sv_len);
	if (!ecc_scalar_set(&s, e)) {
		r = ZE_INVAL;
		goto out;
	}
	if (peer == NULL)
		ecc_point_mul_g(&q, &s);
	else if ((r = nettle_peer(peer, clen, &p)) != 0)
		goto out;
	else
		ecc_point_mul(&q, &s, &p);
	ecc_point_get(&q, x, out_y ? y : NULL);
	nettle_put(x, out, clen);
	if (out_y)
		nettle_put(y, out + clen, clen);
	r = 0;
out:
	ecc_point_clear(&q);
	ecc_point_clear(&p);
	ecc_scalar_clear(&s);
	mpz_clear(e);
	mpz_clear(x);
	mpz_clear(y);
	kex_burn_stack();
	return r;
}

static int
nettle_pub(struct zkex *k)
{
	return nettle_mul(k, NULL, k->pv, 1);
}

static int
nettle_agree(const struct zkex *k, const uint8_t *peer, uint8_t *out)
{
	return nettle_mul(k, peer, out, 0);
}

const struct kex_ops kex_nist_nettle_ops = {
	nettle_init, nettle_pub, nettle_check, nettle_agree
};
