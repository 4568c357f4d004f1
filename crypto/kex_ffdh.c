/*
 * Finite-field DH over the RFC 3526 groups (RFC 6189 §4.4.1.2-4, DH2k and
 * DH3k) on OpenSSL's BN_mod_exp_mont_consttime, the fastest constant-time
 * modular exponentiation Debian has (docs/performance.md). The exponent is
 * a BN in OpenSSL's secure heap, flagged constant-time, cleared on free.
 * Must not know any message layout.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/bn.h>

#include "kex_int.h"
#include "zcrypto.h"

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
 * Parsed once (kex_setup's pthread_once) and read-only afterwards: worker
 * threads share them without locks. The Montgomery context of p is only
 * read by BN_mod_exp_mont_consttime.
 */
struct ffdh_group {
	BIGNUM		*p;
	BIGNUM		*p_1;	/* p - 1 */
	BIGNUM		*g;
	BN_MONT_CTX	*mont;
};

static struct ffdh_group ffdh_groups[2];	/* DH2k, DH3k */

static struct ffdh_group *
ffdh_group(enum zkex_alg alg)
{
	return &ffdh_groups[alg == ZKEX_DH3K];
}

static int
ffdh_init(enum zkex_alg alg)
{
	struct ffdh_group *G = ffdh_group(alg);
	BN_CTX *ctx;
	int ok;

	if ((ctx = BN_CTX_new()) == NULL)
		return ZE_NOMEM;
	ok = BN_hex2bn(&G->p, alg == ZKEX_DH3K ? modp3072_hex :
	    modp2048_hex) > 0 && (G->p_1 = BN_dup(G->p)) != NULL &&
	    BN_sub_word(G->p_1, 1) && (G->g = BN_new()) != NULL &&
	    BN_set_word(G->g, 2) && (G->mont = BN_MONT_CTX_new()) != NULL &&
	    BN_MONT_CTX_set(G->mont, G->p, ctx);
	BN_CTX_free(ctx);
	return ok ? 0 : ZE_CRYPTO;
}

/* Big-endian, left-padded to the width of p. */
static int
ffdh_put(const BIGNUM *v, uint8_t *out, size_t len)
{
	return BN_bn2binpad(v, out, (int)len) == (int)len ? 0 : ZE_CRYPTO;
}

/* RFC 6189 §4.4.1.2, §4.4.1.3: 1 < y < p - 1; 0 and >= p are no element. */
static int
ffdh_peer(enum zkex_alg alg, const uint8_t *pv, BIGNUM **y)
{
	const struct ffdh_group *G = ffdh_group(alg);

	if ((*y = BN_bin2bn(pv, (int)zkex_pv_len(alg), NULL)) == NULL)
		return ZE_NOMEM;
	if (BN_is_zero(*y) || BN_is_one(*y) || BN_cmp(*y, G->p_1) >= 0) {
		BN_free(*y);
		*y = NULL;
		return ZE_BAD_PV;
	}
	return 0;
}

static int
ffdh_check(enum zkex_alg alg, const uint8_t *pv)
{
	BIGNUM *y;
	int r;

	r = ffdh_peer(alg, pv, &y);
	BN_free(y);
	return r;
}

/*
 * base^sv mod p into out. The exponent is copied from k->sv (libgcrypt
 * secure memory) into a secure BN flagged BN_FLG_CONSTTIME, which
 * BN_mod_exp_mont_consttime reads in fixed windows with constant-time
 * table gathers; its temporaries come from a secure BN_CTX. All are
 * cleared when freed.
 */
static int
ffdh_exp(const struct zkex *k, const BIGNUM *base, uint8_t *out, size_t len)
{
	const struct ffdh_group *G = ffdh_group(k->alg);
	BN_CTX *ctx = NULL;
	BIGNUM *e = NULL, *z = NULL;
	int r = ZE_NOMEM;

	if ((ctx = BN_CTX_secure_new()) == NULL ||
	    (e = BN_secure_new()) == NULL || (z = BN_secure_new()) == NULL)
		goto out;
	BN_set_flags(e, BN_FLG_CONSTTIME);
	if (BN_bin2bn(k->sv, (int)k->sv_len, e) == NULL)
		goto out;
	if (BN_is_zero(e)) {
		r = ZE_INVAL;
		goto out;
	}
	r = ZE_CRYPTO;
	if (BN_mod_exp_mont_consttime(z, base, e, G->p, ctx, G->mont) != 1)
		goto out;
	r = ffdh_put(z, out, len);
out:
	BN_clear_free(e);
	BN_clear_free(z);
	BN_CTX_free(ctx);
	return r;
}

/* RFC 6189 §4.4.1.2: pv = g^sv mod p, big-endian, p-sized. */
static int
ffdh_pub(struct zkex *k)
{
	return ffdh_exp(k, ffdh_group(k->alg)->g, k->pv, k->pv_len);
}

/* RFC 6189 §4.4.1.4: DHResult = peer^sv mod p, fixed to the width of p. */
static int
ffdh_agree(const struct zkex *k, const uint8_t *peer, uint8_t *out)
{
	BIGNUM *y;
	int r;

	if ((r = ffdh_peer(k->alg, peer, &y)) != 0)
		return r;
	r = ffdh_exp(k, y, out, zkex_result_len(k->alg));
	BN_free(y);
	return r;
}

const struct kex_ops kex_ffdh_ops = {
	ffdh_init, ffdh_pub, ffdh_check, ffdh_agree
};
