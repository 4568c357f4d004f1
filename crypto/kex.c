/*
 * ZRTP key agreement (RFC 6189 §5.1.5): the zkex_* interface, the length
 * rules, and X25519/X448 on nettle. Each group runs on the library measured
 * fastest for it (kex_ffdh.c, kex_nist.c; docs/performance.md says which
 * and why). Secrets live in secure memory. Must not know any message
 * layout.
 */
#include <pthread.h>
#include <string.h>

#include <nettle/curve25519.h>
#include <nettle/curve448.h>

#include "kex_int.h"
#include "zcrypto.h"

/* The shortest DH exponent we use: 256 bits (§5.1.5, AES-128). */
#define KEX_DH_SV_MIN	32

/* Attempts at drawing an in-range EC scalar before giving up. */
#define KEX_DRAWS	16

struct kex_desc {
	const struct kex_ops *ops;
	int		 ffdh;		/* exponent length set by the cipher */
	size_t		 sv_len;	/* secret value bytes (the largest) */
	size_t		 pv_len;	/* public value bytes on the wire */
	size_t		 result_len;	/* DHResult bytes */
};

/*
 * RFC 6189 §5.1.5: the DH secret SHOULD be twice the AES key length; sv_len
 * here is the largest (AES-256), zkex_sv_len() picks by cipher. EC and
 * X25519/X448 scalars are the size of the group order / RFC 7748 scalar.
 * Table 5 gives pv lengths; §4.4.1.4 and §5.1.5 the DHResult lengths.
 */
static const struct kex_desc kex_descs[ZKEX_COUNT] = {
	[ZKEX_DH2K] = { &kex_ffdh_ops, 1, 64, 256, 256 },
	[ZKEX_DH3K] = { &kex_ffdh_ops, 1, 64, 384, 384 },
	[ZKEX_EC25] = { &kex_nist_ossl_ops, 0, 32, 64, 32 },
	[ZKEX_EC38] = { &kex_nist_nettle_ops, 0, 48, 96, 48 },
	[ZKEX_EC52] = { &kex_nist_ossl_ops, 0, 66, 132, 66 },
	[ZKEX_X255] = { &kex_mont_ops, 0, 32, 32, 32 },
	[ZKEX_X448] = { &kex_mont_ops, 0, 56, 56, 56 },
};

static pthread_once_t kex_once = PTHREAD_ONCE_INIT;
static int kex_once_err;

static const struct kex_desc *
kex_desc(enum zkex_alg alg)
{
	if ((unsigned)alg >= ZKEX_COUNT)
		return NULL;
	return &kex_descs[alg];
}

/* Secure heaps first, then every group's read-only constants. */
static void
kex_init_once(void)
{
	int alg, r;

	if ((r = kex_ossl_init()) != 0 || (r = kex_gmp_init()) != 0) {
		kex_once_err = r;
		return;
	}
	for (alg = 0; alg < ZKEX_COUNT; alg++)
		if (kex_descs[alg].ops->init != NULL &&
		    (r = kex_descs[alg].ops->init(alg)) != 0)
			kex_once_err = r;
}

static int
kex_setup(void)
{
	if (pthread_once(&kex_once, kex_init_once) != 0)
		return ZE_CRYPTO;
	return kex_once_err;
}

/*
 * nettle 3.8 takes the ladder's scratch from GMP's allocator (our secure
 * heap, wiped on free: kex_mem.c) but copies the clamped scalar into its
 * own stack frame (curve25519_mul_g, curve448_mul_g) and leaves it there;
 * P-384's key pair (kex_nist.c) leaves the scalar's bytes too.
 * Its frames reach about 3.3 KiB below the caller; this buffer, called
 * from the same frame right after, lies over them and is wiped. Not
 * instrumented by AddressSanitizer, whose redzones around the buffer
 * (never written) would leave the top of nettle's frame as it was.
 */
#define KEX_BURN	8192

void __attribute__((noinline, no_sanitize_address))
kex_burn_stack(void)
{
	uint8_t burn[KEX_BURN];

	zwipe(burn, sizeof(burn));
}

/*
 * X25519/X448 on nettle's constant-time ladders, which clamp the scalar and
 * mask the u-coordinate as RFC 7748 §5 asks; faster than libgcrypt's and
 * OpenSSL's here (docs/performance.md).
 */
static int
mont_mul(enum zkex_alg alg, const uint8_t *sv, const uint8_t *u,
    uint8_t *out)
{
	static const uint8_t zero[CURVE448_SIZE];
	const struct kex_desc *d = &kex_descs[alg];

	if (alg == ZKEX_X255) {
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
	kex_burn_stack();
	/* RFC 7748 §6: an all-zero result means a low-order peer point. */
	if (u != NULL && zct_eq(out, zero, d->result_len)) {
		zwipe(out, d->result_len);
		return ZE_BAD_PV;
	}
	return 0;
}

/* RFC 7748 §6: a fixed clamped scalar kills exactly the low-order points. */
static int
mont_check(enum zkex_alg alg, const uint8_t *pv)
{
	uint8_t sv[56], out[56];
	int r;

	memset(sv, 0x5a, sizeof(sv));
	r = mont_mul(alg, sv, pv, out);
	zwipe(out, sizeof(out));
	return r;
}

static int
mont_pub(struct zkex *k)
{
	return mont_mul(k->alg, k->sv, NULL, k->pv);
}

static int
mont_agree(const struct zkex *k, const uint8_t *peer, uint8_t *out)
{
	return mont_mul(k->alg, k->sv, peer, out);
}

const struct kex_ops kex_mont_ops = { NULL, mont_pub, mont_check, mont_agree };

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

/* k is overwritten, not freed: a used pair is zkex_clear()ed first. */
size_t
zkex_sv_len(enum zkex_alg alg, size_t cipher_key_len)
{
	const struct kex_desc *d = kex_desc(alg);
	size_t n;

	if (d == NULL)
		return 0;
	if (!d->ffdh)
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
	if (k == NULL || sv == NULL || (d->ffdh ?
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
	if ((r = d->ops->pub(&t)) != 0)
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
	int r;

	if (d == NULL)
		return ZE_UNSUPPORTED;
	if (pv == NULL || pv_len != d->pv_len)
		return ZE_BAD_PV;
	if ((r = kex_setup()) != 0)
		return r;
	return d->ops->check(alg, pv);
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
		r = d->ops->agree(k, peer_pv, out);
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
