/*
 * ZRTP key agreement (RFC 6189 §5.1.5): DH2k/DH3k and ECDH P-256/384/521 on
 * libgcrypt's MPI and EC API (secure MPIs, so its constant-time paths),
 * X25519/X448 on nettle (docs/performance.md says why). Secrets live in
 * secure memory. Must not call gcry_pk_genkey (it self-tests on every call)
 * nor know any message layout.
 */
#include <pthread.h>
#include <string.h>

#include <gcrypt.h>
#include <nettle/curve25519.h>
#include <nettle/curve448.h>

#include "kex.h"
#include "zcrypto.h"

/* The shortest DH exponent we use: 256 bits (§5.1.5, AES-128). */
#define KEX_DH_SV_MIN	32

/* Attempts at drawing an in-range EC scalar before giving up. */
#define KEX_DRAWS	16

enum kex_kind {
	KEX_FFDH,	/* g^x mod p, RFC 3526 groups */
	KEX_NIST,	/* short Weierstrass, pv = x || y */
	KEX_MONT	/* RFC 7748 u-coordinate only */
};

struct kex_desc {
	enum kex_kind	 kind;
	const char	*p_hex;		/* FFDH prime */
	const char	*curve;		/* libgcrypt curve name (NIST) */
	int		 mont;		/* 25519 or 448 */
	size_t		 sv_len;	/* secret value bytes */
	size_t		 pv_len;	/* public value bytes on the wire */
	size_t		 result_len;	/* DHResult bytes */
};

/* RFC 3526 §3: 2048-bit MODP group (id 14), generator 2. */
static const char modp2048_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
	"3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF";

/* RFC 3526 §4: 3072-bit MODP group (id 15), generator 2. */
static const char modp3072_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
	"3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
	"A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
	"D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
	"08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

/*
 * RFC 6189 §5.1.5: the DH secret SHOULD be twice the AES key length; sv_len
 * here is the largest (AES-256), zkex_sv_len() picks by cipher. EC and
 * X25519/X448 scalars are the size of the group order / RFC 7748 scalar.
 * Table 5 gives pv lengths; §4.4.1.4 and §5.1.5 the DHResult lengths.
 */
static const struct kex_desc kex_descs[ZKEX_COUNT] = {
	[ZKEX_DH2K] = { KEX_FFDH, modp2048_hex, NULL, 0, 64, 256, 256 },
	[ZKEX_DH3K] = { KEX_FFDH, modp3072_hex, NULL, 0, 64, 384, 384 },
	[ZKEX_EC25] = { KEX_NIST, NULL, "NIST P-256", 0, 32, 64, 32 },
	[ZKEX_EC38] = { KEX_NIST, NULL, "NIST P-384", 0, 48, 96, 48 },
	[ZKEX_EC52] = { KEX_NIST, NULL, "NIST P-521", 0, 66, 132, 66 },
	[ZKEX_X255] = { KEX_MONT, NULL, NULL, 25519, 32, 32, 32 },
	[ZKEX_X448] = { KEX_MONT, NULL, NULL, 448, 56, 56, 56 },
};

/*
 * Group constants, parsed once and read-only afterwards, so that worker
 * threads share them without locks. An EC context is not cached: libgcrypt
 * keeps scratch values in it, so each operation opens its own.
 */
struct kex_consts {
	gcry_mpi_t	p;	/* FFDH modulus or curve field prime */
	gcry_mpi_t	p_1;	/* FFDH p - 1 */
	gcry_mpi_t	g;	/* FFDH generator */
	gcry_mpi_t	n;	/* curve order */
};

static struct kex_consts kex_c[ZKEX_COUNT];
static pthread_once_t kex_once = PTHREAD_ONCE_INIT;
static int kex_once_err;

static const struct kex_desc *
kex_desc(enum zkex_alg alg)
{
	if ((unsigned)alg >= ZKEX_COUNT)
		return NULL;
	return &kex_descs[alg];
}

/* Mark a cached constant immutable and never freed. */
static gcry_mpi_t
kex_const(gcry_mpi_t m)
{
	if (m != NULL)
		gcry_mpi_set_flag(m, GCRYMPI_FLAG_CONST);
	return m;
}

static int
kex_init_group(enum zkex_alg alg)
{
	const struct kex_desc *d = &kex_descs[alg];
	struct kex_consts *c = &kex_c[alg];
	gcry_ctx_t ctx = NULL;
	gcry_mpi_t p = NULL, p_1;

	if (d->kind == KEX_FFDH) {
		if (gcry_mpi_scan(&p, GCRYMPI_FMT_HEX, d->p_hex, 0,
		    NULL) != 0)
			return ZE_CRYPTO;
		p_1 = gcry_mpi_new(0);
		gcry_mpi_sub_ui(p_1, p, 1);
		c->p = kex_const(p);
		c->p_1 = kex_const(p_1);
		c->g = kex_const(gcry_mpi_set_ui(NULL, 2));
		return 0;
	}
	if (d->kind == KEX_MONT)
		return 0;
	if (gcry_mpi_ec_new(&ctx, NULL, d->curve) != 0)
		return ZE_CRYPTO;
	c->p = kex_const(gcry_mpi_ec_get_mpi("p", ctx, 1));
	c->n = kex_const(gcry_mpi_ec_get_mpi("n", ctx, 1));
	gcry_ctx_release(ctx);
	return c->p != NULL && c->n != NULL ? 0 : ZE_CRYPTO;
}

static void
kex_init_once(void)
{
	int alg, r;

	for (alg = 0; alg < ZKEX_COUNT; alg++)
		if ((r = kex_init_group(alg)) != 0)
			kex_once_err = r;
}

static int
kex_setup(void)
{
	if (pthread_once(&kex_once, kex_init_once) != 0)
		return ZE_CRYPTO;
	return kex_once_err;
}

/* Big-endian, left-padded with zeros to exactly len bytes. */
static int
kex_mpi_put(gcry_mpi_t m, uint8_t *out, size_t len)
{
	size_t n = (gcry_mpi_get_nbits(m) + 7) / 8, w;

	if (n > len)
		return ZE_CRYPTO;
	memset(out, 0, len - n);
	if (n > 0 && (gcry_mpi_print(GCRYMPI_FMT_USG, out + len - n, n, &w,
	    m) != 0 || w != n))
		return ZE_CRYPTO;
	return 0;
}

static int
kex_mpi_get(gcry_mpi_t *m, const uint8_t *p, size_t len)
{
	*m = NULL;
	if (gcry_mpi_scan(m, GCRYMPI_FMT_USG, p, len, NULL) != 0)
		return ZE_CRYPTO;
	return 0;
}

/*
 * The secret as an MPI. k->sv is in secure memory, so gcry_mpi_scan puts
 * the MPI there too; powm and ec_mul take their constant-time paths only
 * for secure operands, hence the refusal of anything else.
 */
static int
kex_secret_mpi(const struct zkex *k, gcry_mpi_t *m)
{
	int r;

	if ((r = kex_mpi_get(m, k->sv, k->sv_len)) != 0)
		return r;
	if (!gcry_mpi_get_flag(*m, GCRYMPI_FLAG_SECURE)) {
		gcry_mpi_release(*m);
		*m = NULL;
		return ZE_CRYPTO;
	}
	return 0;
}

/*
 * RFC 6189 §4.4.1.2, §4.4.1.3: refuse 1 and p-1; 0 and values >= p are no
 * group element at all.
 */
static int
dh_peer(enum zkex_alg alg, const uint8_t *pv, size_t pv_len, gcry_mpi_t *y)
{
	const struct kex_consts *c = &kex_c[alg];
	int r;

	*y = NULL;
	if (pv_len != kex_descs[alg].pv_len)
		return ZE_BAD_PV;
	if ((r = kex_mpi_get(y, pv, pv_len)) != 0)
		return r;
	if (gcry_mpi_cmp_ui(*y, 1) <= 0 || gcry_mpi_cmp(*y, c->p_1) >= 0) {
		gcry_mpi_release(*y);
		*y = NULL;
		return ZE_BAD_PV;
	}
	return 0;
}

/* RFC 6189 §4.4.1.2: pv = g^sv mod p, big-endian, p-sized. */
static int
dh_public(struct zkex *k)
{
	const struct kex_consts *c = &kex_c[k->alg];
	gcry_mpi_t e = NULL, pv = NULL;
	int r;

	if ((r = kex_secret_mpi(k, &e)) != 0)
		goto out;
	if (gcry_mpi_cmp_ui(e, 0) == 0) {
		r = ZE_INVAL;
		goto out;
	}
	pv = gcry_mpi_new(0);
	gcry_mpi_powm(pv, c->g, e, c->p);
	r = kex_mpi_put(pv, k->pv, k->pv_len);
out:
	gcry_mpi_release(e);
	gcry_mpi_release(pv);
	return r;
}

/* RFC 6189 §4.4.1.4: DHResult = peer^sv mod p, fixed to the width of p. */
static int
dh_agree(const struct zkex *k, const uint8_t *peer, size_t peer_len,
    uint8_t *out)
{
	const struct kex_consts *c = &kex_c[k->alg];
	gcry_mpi_t y = NULL, e = NULL, z = NULL;
	int r;

	if ((r = dh_peer(k->alg, peer, peer_len, &y)) != 0 ||
	    (r = kex_secret_mpi(k, &e)) != 0)
		goto out;
	z = gcry_mpi_snew(0);
	gcry_mpi_powm(z, y, e, c->p);
	r = kex_mpi_put(z, out, kex_descs[k->alg].result_len);
out:
	gcry_mpi_release(y);
	gcry_mpi_release(e);
	gcry_mpi_release(z);
	return r;
}

static int
ec_open(enum zkex_alg alg, gcry_ctx_t *ctx)
{
	*ctx = NULL;
	if (gcry_mpi_ec_new(ctx, NULL, kex_descs[alg].curve) != 0)
		return ZE_CRYPTO;
	return 0;
}

/* The secret scalar, refused unless 1 <= sv < n (SP 800-56A §5.6.1.2). */
static int
ec_scalar(const struct zkex *k, gcry_mpi_t *e)
{
	int r;

	if ((r = kex_secret_mpi(k, e)) != 0)
		return r;
	if (gcry_mpi_cmp_ui(*e, 0) == 0 ||
	    gcry_mpi_cmp(*e, kex_c[k->alg].n) >= 0) {
		gcry_mpi_release(*e);
		*e = NULL;
		return ZE_INVAL;
	}
	return 0;
}

/*
 * RFC 6189 §5.1.5: x || y, each the field size. SP 800-56A §5.6.2.6 partial
 * validation: both coordinates below p and the point on the curve. Z = 1,
 * so the encoding cannot name the point at infinity.
 */
static int
ec_peer(enum zkex_alg alg, gcry_ctx_t ctx, const uint8_t *pv, size_t pv_len,
    gcry_mpi_point_t *pt)
{
	const struct kex_consts *c = &kex_c[alg];
	size_t clen = kex_descs[alg].result_len;
	gcry_mpi_t x = NULL, y = NULL;
	int r;

	*pt = NULL;
	if (pv_len != kex_descs[alg].pv_len)
		return ZE_BAD_PV;
	if ((r = kex_mpi_get(&x, pv, clen)) != 0 ||
	    (r = kex_mpi_get(&y, pv + clen, clen)) != 0)
		goto out;
	if (gcry_mpi_cmp(x, c->p) >= 0 || gcry_mpi_cmp(y, c->p) >= 0) {
		r = ZE_BAD_PV;
		goto out;
	}
	*pt = gcry_mpi_point_snatch_set(NULL, x, y, gcry_mpi_set_ui(NULL, 1));
	x = y = NULL;
	if (!gcry_mpi_ec_curve_point(*pt, ctx)) {
		gcry_mpi_point_release(*pt);
		*pt = NULL;
		r = ZE_BAD_PV;
	}
out:
	gcry_mpi_release(x);
	gcry_mpi_release(y);
	return r;
}

/* Affine x (and y when out_y) of pt, each padded to clen bytes. */
static int
ec_point_put(gcry_ctx_t ctx, gcry_mpi_point_t pt, uint8_t *out, size_t clen,
    int out_y)
{
	gcry_mpi_t x, y;
	int r;

	x = gcry_mpi_snew(0);
	y = gcry_mpi_snew(0);
	if (gcry_mpi_ec_get_affine(x, y, pt, ctx) != 0)
		r = ZE_BAD_PV;		/* the point at infinity */
	else if ((r = kex_mpi_put(x, out, clen)) == 0 && out_y)
		r = kex_mpi_put(y, out + clen, clen);
	gcry_mpi_release(x);
	gcry_mpi_release(y);
	return r;
}

static int
ec_public(struct zkex *k)
{
	gcry_ctx_t ctx = NULL;
	gcry_mpi_t e = NULL;
	gcry_mpi_point_t g = NULL, q = NULL;
	int r;

	if ((r = ec_scalar(k, &e)) != 0 || (r = ec_open(k->alg, &ctx)) != 0)
		goto out;
	if ((g = gcry_mpi_ec_get_point("g", ctx, 1)) == NULL) {
		r = ZE_CRYPTO;
		goto out;
	}
	q = gcry_mpi_point_new(0);
	gcry_mpi_ec_mul(q, e, g, ctx);
	r = ec_point_put(ctx, q, k->pv, kex_descs[k->alg].result_len, 1);
out:
	gcry_mpi_point_release(q);
	gcry_mpi_point_release(g);
	gcry_mpi_release(e);
	gcry_ctx_release(ctx);
	return r;
}

/* RFC 6189 §5.1.5: DHResult is the x coordinate of sv * peer. */
static int
ec_agree(const struct zkex *k, const uint8_t *peer, size_t peer_len,
    uint8_t *out)
{
	gcry_ctx_t ctx = NULL;
	gcry_mpi_t e = NULL;
	gcry_mpi_point_t p = NULL, s = NULL;
	int r;

	if ((r = ec_open(k->alg, &ctx)) != 0 ||
	    (r = ec_peer(k->alg, ctx, peer, peer_len, &p)) != 0 ||
	    (r = ec_scalar(k, &e)) != 0)
		goto out;
	s = gcry_mpi_point_snatch_set(NULL, gcry_mpi_snew(0),
	    gcry_mpi_snew(0), gcry_mpi_snew(0));
	gcry_mpi_ec_mul(s, e, p, ctx);
	r = ec_point_put(ctx, s, out, kex_descs[k->alg].result_len, 0);
out:
	gcry_mpi_point_release(s);
	gcry_mpi_point_release(p);
	gcry_mpi_release(e);
	gcry_ctx_release(ctx);
	return r;
}

/*
 * X25519/X448 on nettle's constant-time ladders, which clamp the scalar and
 * mask the u-coordinate as RFC 7748 §5 asks. libgcrypt 1.10's generic
 * ladder is 3 to 5 times slower: too slow for the handshake rate the
 * project set against bzrtp (docs/performance.md). The one exception to
 * "libgcrypt for all crypto", for these two curves only.
 */
static int
mont_mul(const struct kex_desc *d, const uint8_t *sv, const uint8_t *u,
    uint8_t *out)
{
	static const uint8_t zero[CURVE448_SIZE];

	if (d->mont == 25519) {
		if (u == NULL)
			curve25519_mul_g(out, sv);
		else
			curve25519_mul(out, sv, u);
	} else {
		if (u == NULL)
			curve448_mul_g(out, sv);
		else
			curve448_mul(out, sv, u);
	}
	/* RFC 7748 §6: an all-zero result means a low-order peer point. */
	if (u != NULL && zct_eq(out, zero, d->result_len)) {
		zwipe(out, d->result_len);
		return ZE_BAD_PV;
	}
	return 0;
}

/* RFC 7748 §6: a fixed clamped scalar kills exactly the low-order points. */
static int
mont_check(const struct kex_desc *d, const uint8_t *pv)
{
	uint8_t sv[56], out[56];
	int r;

	memset(sv, 0x5a, sizeof(sv));
	r = mont_mul(d, sv, pv, out);
	zwipe(out, sizeof(out));
	return r;
}

size_t
zkex_pv_len(enum zkex_alg alg)
{
	const struct kex_desc *d = kex_desc(alg);

	return d != NULL ? d->pv_len : 0;
}

size_t
zkex_result_len(enum zkex_alg alg)
{
	const struct kex_desc *d = kex_desc(alg);

	return d != NULL ? d->result_len : 0;
}

static int
kex_public(struct zkex *k, const struct kex_desc *d)
{
	switch (d->kind) {
	case KEX_FFDH:
		return dh_public(k);
	case KEX_NIST:
		return ec_public(k);
	case KEX_MONT:
		return mont_mul(d, k->sv, NULL, k->pv);
	}
	return ZE_UNSUPPORTED;
}

/* k is overwritten, not freed: a used pair is zkex_clear()ed first. */
size_t
zkex_sv_len(enum zkex_alg alg, size_t cipher_key_len)
{
	const struct kex_desc *d = kex_desc(alg);
	size_t n;

	if (d == NULL)
		return 0;
	if (d->kind != KEX_FFDH)
		return d->sv_len;
	/* §5.1.5: twice the AES key length, never under 256 bits. */
	n = 2 * cipher_key_len;
	if (n < KEX_DH_SV_MIN)
		n = KEX_DH_SV_MIN;
	return n > d->sv_len ? d->sv_len : n;
}

int
zkex_from_secret(struct zkex *k, enum zkex_alg alg, const uint8_t *sv,
    size_t sv_len)
{
	const struct kex_desc *d = kex_desc(alg);
	struct zkex t;
	int r;

	memset(&t, 0, sizeof(t));
	if (d == NULL)
		return ZE_UNSUPPORTED;
	if (k == NULL || sv == NULL || (d->kind == KEX_FFDH ?
	    sv_len < KEX_DH_SV_MIN || sv_len > d->sv_len :
	    sv_len != d->sv_len))
		return ZE_INVAL;
	if ((r = kex_setup()) != 0)
		return r;
	if ((t.sv = zsecure_alloc(sv_len)) == NULL)
		return ZE_NOMEM;
	memcpy(t.sv, sv, sv_len);
	t.sv_len = sv_len;
	t.alg = alg;
	t.pv_len = d->pv_len;
	if ((r = kex_public(&t, d)) != 0)
		goto out;
	*k = t;
	memset(&t, 0, sizeof(t));
out:
	zkex_clear(&t);
	return r;
}

int
zkex_from_random(struct zkex *k, enum zkex_alg alg, uint8_t *random,
    size_t len)
{
	if (alg == ZKEX_EC52 && len > 0)
		random[0] &= 0x01;	/* n of P-521 has 521 bits */
	return zkex_from_secret(k, alg, random, len);
}

/* A random secret; EC scalars out of [1, n-1] are drawn again. */
int
zkex_generate(struct zkex *k, enum zkex_alg alg)
{
	const struct kex_desc *d = kex_desc(alg);
	uint8_t *sv;
	int i, r = ZE_CRYPTO;

	if (d == NULL)
		return ZE_UNSUPPORTED;
	if ((sv = zsecure_alloc(d->sv_len)) == NULL)
		return ZE_NOMEM;
	for (i = 0; i < KEX_DRAWS; i++) {
		zrand_bytes(sv, d->sv_len);
		if ((r = zkex_from_random(k, alg, sv, d->sv_len)) != ZE_INVAL)
			break;
	}
	zsecure_free(sv, d->sv_len);
	return r == ZE_INVAL ? ZE_CRYPTO : r;
}

int
zkex_check_pv(enum zkex_alg alg, const uint8_t *pv, size_t pv_len)
{
	const struct kex_desc *d = kex_desc(alg);
	gcry_ctx_t ctx = NULL;
	gcry_mpi_t y = NULL;
	gcry_mpi_point_t pt = NULL;
	int r;

	if (d == NULL)
		return ZE_UNSUPPORTED;
	if (pv == NULL || pv_len != d->pv_len)
		return ZE_BAD_PV;
	if ((r = kex_setup()) != 0)
		return r;
	switch (d->kind) {
	case KEX_FFDH:
		r = dh_peer(alg, pv, pv_len, &y);
		break;
	case KEX_NIST:
		if ((r = ec_open(alg, &ctx)) == 0)
			r = ec_peer(alg, ctx, pv, pv_len, &pt);
		break;
	case KEX_MONT:
		r = mont_check(d, pv);
		break;
	}
	gcry_mpi_release(y);
	gcry_mpi_point_release(pt);
	gcry_ctx_release(ctx);
	return r;
}

static int
kex_agree(const struct zkex *k, const struct kex_desc *d, const uint8_t *peer,
    size_t peer_len, uint8_t *out)
{
	switch (d->kind) {
	case KEX_FFDH:
		return dh_agree(k, peer, peer_len, out);
	case KEX_NIST:
		return ec_agree(k, peer, peer_len, out);
	case KEX_MONT:
		return mont_mul(d, k->sv, peer, out);
	}
	return ZE_UNSUPPORTED;
}

/* out is wiped on every failure: no partial DHResult survives a refusal. */
int
zkex_agree(const struct zkex *k, const uint8_t *peer_pv, size_t peer_pv_len,
    uint8_t *out)
{
	const struct kex_desc *d;
	int r;

	if (k == NULL || k->sv == NULL || out == NULL)
		return ZE_INVAL;
	if ((d = kex_desc(k->alg)) == NULL)
		return ZE_UNSUPPORTED;
	if (peer_pv == NULL || peer_pv_len != d->pv_len)
		r = ZE_BAD_PV;
	else if ((r = kex_setup()) == 0)
		r = kex_agree(k, d, peer_pv, peer_pv_len, out);
	if (r != 0)
		zwipe(out, d->result_len);
	return r;
}

void
zkex_clear(struct zkex *k)
{
	if (k == NULL)
		return;
	zsecure_free(k->sv, k->sv_len);
	zwipe(k, sizeof(*k));
}
