/*
 * Key-agreement candidates side by side: per operation (key pair from a
 * secret, agreement from the peer's wire bytes, both with the checks and
 * conversions the engine needs) on every constant-time path Debian 12 has:
 * libgcrypt, nettle/hogweed (+ GMP mpz_powm_sec for DH) and OpenSSL 3.0.
 * Prints medians; judges nothing. Not part of make check.
 */

/*
 * `make bench-kex` builds and runs it; -t SECONDS per figure (default 0.3),
 * -r ROUNDS (default 5): the figure is the median of the rounds, which run
 * interleaved over all candidates so that load from elsewhere hits all.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gcrypt.h>
#include <gmp.h>
#include <nettle/curve25519.h>
#include <nettle/curve448.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "kex.h"
#include "selftest.h"
#include "zcrypto.h"

#define KL_ROUNDS_MAX	15

enum kl_lib { KL_GCRY, KL_NETTLE, KL_OSSL, KL_ZKEX, KL_NLIB };
static const char *kl_lib_names[KL_NLIB] = {
	"libgcrypt 1.10", "nettle 3.8/GMP", "OpenSSL 3.0", "zkex as built"
};

struct kl_alg {
	const char	*name;
	enum zkex_alg	 alg;
	const char	*gcry_curve;	/* NIST for libgcrypt */
	int		 ossl_nid;	/* NIST curve or EVP type */
	int		 mont;		/* 25519, 448 or 0 */
	size_t		 sv_len;	/* as the engine uses with AES1 */
};

static const struct kl_alg kl_algs[] = {
	{ "DH3k", ZKEX_DH3K, NULL, 0, 0, 32 },
	{ "DH2k", ZKEX_DH2K, NULL, 0, 0, 32 },
	{ "EC25", ZKEX_EC25, "NIST P-256", NID_X9_62_prime256v1, 0, 32 },
	{ "EC38", ZKEX_EC38, "NIST P-384", NID_secp384r1, 0, 48 },
	{ "EC52", ZKEX_EC52, "NIST P-521", NID_secp521r1, 0, 66 },
	{ "X255", ZKEX_X255, NULL, EVP_PKEY_X25519, 25519, 32 },
	{ "X448", ZKEX_X448, NULL, EVP_PKEY_X448, 448, 56 },
};
#define KL_NALG	(sizeof(kl_algs) / sizeof(kl_algs[0]))

/* One candidate's state for one algorithm: our secret, a peer's pv. */
struct kl_case {
	const struct kl_alg *a;
	uint8_t		 sv[ZKEX_SV_MAX];
	uint8_t		 peer[ZKEX_PV_MAX];	/* a valid peer pv, wire form */
	size_t		 pv_len, res_len;
	const char	*p_hex;			/* DH */
	/* per library, set up once */
	gcry_mpi_t	 g_p, g_g;
	mpz_t		 m_p;
	BIGNUM		*o_p;
	BN_MONT_CTX	*o_mont;
	EC_GROUP	*o_group;
	const struct ecc_curve *n_curve;
	struct zkex	 zk;			/* zkex's pair, for agree */
};

static double	 kl_secs = 0.3;
static int	 kl_rounds = 5;
static BN_CTX	*kl_bnctx;

static void
die(const char *what)
{
	fprintf(stderr, "kexlibs: %s\n", what);
	exit(1);
}

static double
now_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		die(strerror(errno));
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- libgcrypt: secure MPIs (its constant-time paths) ---- */

static int
gc_put(gcry_mpi_t m, uint8_t *out, size_t len)
{
	size_t n = (gcry_mpi_get_nbits(m) + 7) / 8, w;

	if (n > len)
		return -1;
	memset(out, 0, len - n);
	return n == 0 ? 0 : (int)gcry_mpi_print(GCRYMPI_FMT_USG, out + len - n,
	    n, &w, m);
}

static int
gc_dh(struct kl_case *c, const uint8_t *peer, uint8_t *out)
{
	gcry_mpi_t e = gcry_mpi_snew(0), base = NULL, r = gcry_mpi_snew(0);
	uint8_t *s = gcry_malloc_secure(c->a->sv_len);
	int rc;

	memcpy(s, c->sv, c->a->sv_len);
	gcry_mpi_release(e);
	gcry_mpi_scan(&e, GCRYMPI_FMT_USG, s, c->a->sv_len, NULL);
	if (peer != NULL)
		gcry_mpi_scan(&base, GCRYMPI_FMT_USG, peer, c->pv_len, NULL);
	gcry_mpi_powm(r, peer != NULL ? base : c->g_g, e, c->g_p);
	rc = gc_put(r, out, c->pv_len);
	gcry_mpi_release(e);
	gcry_mpi_release(base);
	gcry_mpi_release(r);
	gcry_free(s);
	return rc;
}

static int
gc_ec(struct kl_case *c, const uint8_t *peer, uint8_t *out)
{
	size_t cl = c->pv_len / 2;
	gcry_ctx_t ctx;
	gcry_mpi_t e = NULL, x = NULL, y = NULL;
	gcry_mpi_point_t p = NULL, q;
	uint8_t *s = gcry_malloc_secure(c->a->sv_len);
	int rc = -1;

	memcpy(s, c->sv, c->a->sv_len);
	gcry_mpi_ec_new(&ctx, NULL, c->a->gcry_curve);
	gcry_mpi_scan(&e, GCRYMPI_FMT_USG, s, c->a->sv_len, NULL);
	if (peer == NULL)
		p = gcry_mpi_ec_get_point("g", ctx, 1);
	else {
		gcry_mpi_scan(&x, GCRYMPI_FMT_USG, peer, cl, NULL);
		gcry_mpi_scan(&y, GCRYMPI_FMT_USG, peer + cl, cl, NULL);
		p = gcry_mpi_point_snatch_set(NULL, x, y,
		    gcry_mpi_set_ui(NULL, 1));
		if (!gcry_mpi_ec_curve_point(p, ctx))
			goto out;
	}
	q = gcry_mpi_point_new(0);
	gcry_mpi_ec_mul(q, e, p, ctx);
	x = gcry_mpi_snew(0);
	y = gcry_mpi_snew(0);
	if (gcry_mpi_ec_get_affine(x, y, q, ctx) == 0 &&
	    gc_put(x, out, cl) == 0 && gc_put(y, out + cl, cl) == 0)
		rc = 0;
	gcry_mpi_release(x);
	gcry_mpi_release(y);
	gcry_mpi_point_release(q);
out:
	gcry_mpi_point_release(p);
	gcry_mpi_release(e);
	gcry_ctx_release(ctx);
	gcry_free(s);
	return rc;
}

static int
gc_mont(struct kl_case *c, const uint8_t *peer, uint8_t *out)
{
	static const uint8_t g25519[32] = { 9 }, g448[56] = { 5 };
	int curve = c->a->mont == 25519 ? GCRY_ECC_CURVE25519 :
	    GCRY_ECC_CURVE448;

	if (peer == NULL)
		peer = c->a->mont == 25519 ? g25519 : g448;
	return gcry_ecc_mul_point(curve, out, c->sv, peer) == 0 ? 0 : -1;
}

/* ---- nettle/hogweed; GMP mpz_powm_sec for DH ---- */

static int
nt_dh(struct kl_case *c, const uint8_t *peer, uint8_t *out)
{
	mpz_t e, b, r;
	size_t n;
	int rc;

	mpz_inits(e, b, r, NULL);
	mpz_import(e, c->a->sv_len, 1, 1, 0, 0, c->sv);
	if (peer != NULL)
		mpz_import(b, c->pv_len, 1, 1, 0, 0, peer);
	else
		mpz_set_ui(b, 2);
	mpz_powm_sec(r, b, e, c->m_p);
	n = (mpz_sizeinbase(r, 2) + 7) / 8;
	rc = n <= c->pv_len ? 0 : -1;
	if (rc == 0) {
		memset(out, 0, c->pv_len - n);
		mpz_export(out + c->pv_len - n, NULL, 1, 1, 0, 0, r);
	}
	mpz_clears(e, b, r, NULL);
	return rc;
}

static int
nt_ec(struct kl_case *c, const uint8_t *peer, uint8_t *out)
{
	struct ecc_scalar s;
	struct ecc_point p, q;
	mpz_t e, x, y;
	size_t cl = c->pv_len / 2, n;
	int rc = -1;

	mpz_inits(e, x, y, NULL);
	ecc_scalar_init(&s, c->n_curve);
	ecc_point_init(&q, c->n_curve);
	ecc_point_init(&p, c->n_curve);
	mpz_import(e, c->a->sv_len, 1, 1, 0, 0, c->sv);
	if (!ecc_scalar_set(&s, e))
		goto out;
	if (peer == NULL)
		ecc_point_mul_g(&q, &s);
	else {
		mpz_import(x, cl, 1, 1, 0, 0, peer);
		mpz_import(y, cl, 1, 1, 0, 0, peer + cl);
		if (!ecc_point_set(&p, x, y))	/* checks the curve */
			goto out;
		ecc_point_mul(&q, &s, &p);
	}
	ecc_point_get(&q, x, y);
	memset(out, 0, 2 * cl);
	n = (mpz_sizeinbase(x, 2) + 7) / 8;
	mpz_export(out + cl - n, NULL, 1, 1, 0, 0, x);
	n = (mpz_sizeinbase(y, 2) + 7) / 8;
	mpz_export(out + 2 * cl - n, NULL, 1, 1, 0, 0, y);
	rc = 0;
out:
	ecc_point_clear(&p);
	ecc_point_clear(&q);
	ecc_scalar_clear(&s);
	mpz_clears(e, x, y, NULL);
	return rc;
}

static int
nt_mont(struct kl_case *c, const uint8_t *peer, uint8_t *out)
{
	if (c->a->mont == 25519) {
		if (peer == NULL)
			curve25519_mul_g(out, c->sv);
		else
			curve25519_mul(out, c->sv, peer);
	} else {
		if (peer == NULL)
			curve448_mul_g(out, c->sv);
		else
			curve448_mul(out, c->sv, peer);
	}
	return 0;
}

/* ---- OpenSSL 3.0 libcrypto ---- */

static int
os_dh(struct kl_case *c, const uint8_t *peer, uint8_t *out)
{
	BIGNUM *e = BN_secure_new(), *b = BN_new(), *r = BN_secure_new();
	int rc = -1;

	BN_set_flags(e, BN_FLG_CONSTTIME);
	if (BN_bin2bn(c->sv, (int)c->a->sv_len, e) == NULL)
		goto out;
	if (peer != NULL)
		BN_bin2bn(peer, (int)c->pv_len, b);
	else
		BN_set_word(b, 2);
	if (BN_mod_exp_mont_consttime(r, b, e, c->o_p, kl_bnctx,
	    c->o_mont) == 1 && BN_bn2binpad(r, out, (int)c->pv_len) > 0)
		rc = 0;
out:
	BN_clear_free(e);
	BN_free(b);
	BN_clear_free(r);
	return rc;
}

static int
os_ec(struct kl_case *c, const uint8_t *peer, uint8_t *out)
{
	uint8_t oct[1 + ZKEX_PV_MAX];
	BIGNUM *e = BN_secure_new();
	EC_POINT *p = NULL, *q = EC_POINT_new(c->o_group);
	int rc = -1;

	BN_set_flags(e, BN_FLG_CONSTTIME);
	BN_bin2bn(c->sv, (int)c->a->sv_len, e);
	if (peer == NULL) {
		if (!EC_POINT_mul(c->o_group, q, e, NULL, NULL, kl_bnctx))
			goto out;
	} else {
		oct[0] = 4;
		memcpy(oct + 1, peer, c->pv_len);
		p = EC_POINT_new(c->o_group);
		if (!EC_POINT_oct2point(c->o_group, p, oct, 1 + c->pv_len,
		    kl_bnctx) || !EC_POINT_mul(c->o_group, q, NULL, p, e,
		    kl_bnctx))
			goto out;
	}
	if (EC_POINT_point2oct(c->o_group, q, POINT_CONVERSION_UNCOMPRESSED,
	    oct, sizeof(oct), kl_bnctx) != 1 + c->pv_len)
		goto out;
	memcpy(out, oct + 1, c->pv_len);
	rc = 0;
out:
	BN_clear_free(e);
	EC_POINT_free(p);
	EC_POINT_clear_free(q);
	return rc;
}

static int
os_mont(struct kl_case *c, const uint8_t *peer, uint8_t *out)
{
	EVP_PKEY *k, *pk = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	size_t n = c->res_len;
	int rc = -1;

	k = EVP_PKEY_new_raw_private_key(c->a->ossl_nid, NULL, c->sv,
	    c->a->sv_len);
	if (k == NULL)
		return -1;
	if (peer == NULL) {
		rc = EVP_PKEY_get_raw_public_key(k, out, &n) == 1 ? 0 : -1;
		goto out;
	}
	if ((pk = EVP_PKEY_new_raw_public_key(c->a->ossl_nid, NULL, peer,
	    c->pv_len)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer_ex(ctx, pk, 0) != 1 ||
	    EVP_PKEY_derive(ctx, out, &n) != 1)
		goto out;
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(k);
	return rc;
}

/* ---- zkex as built (whatever crypto/kex.c is on now) ---- */

static int
zk_op(struct kl_case *c, const uint8_t *peer, uint8_t *out)
{
	struct zkex k;
	int r;

	if (peer != NULL)
		return zkex_agree(&c->zk, peer, c->pv_len, out);
	memset(&k, 0, sizeof(k));
	if ((r = zkex_from_secret(&k, c->a->alg, c->sv, c->a->sv_len)) != 0)
		return r;
	memcpy(out, k.pv, k.pv_len);
	zkex_clear(&k);
	return 0;
}

typedef int (*kl_fn)(struct kl_case *, const uint8_t *, uint8_t *);

static kl_fn
kl_fn_of(const struct kl_alg *a, enum kl_lib lib)
{
	static const kl_fn fns[KL_NLIB][3] = {
		[KL_GCRY] = { gc_dh, gc_ec, gc_mont },
		[KL_NETTLE] = { nt_dh, nt_ec, nt_mont },
		[KL_OSSL] = { os_dh, os_ec, os_mont },
		[KL_ZKEX] = { zk_op, zk_op, zk_op },
	};
	int kind = a->gcry_curve != NULL ? 1 : a->mont != 0 ? 2 : 0;

	return fns[lib][kind];
}

static void
kl_setup(struct kl_case *c, const struct kl_alg *a, const char *p_hex)
{
	struct zkex peer;

	memset(c, 0, sizeof(*c));
	c->a = a;
	c->pv_len = zkex_pv_len(a->alg);
	c->res_len = zkex_result_len(a->alg);
	memset(&peer, 0, sizeof(peer));
	if (zkex_generate(&peer, a->alg) != 0)
		die("zkex_generate");
	memcpy(c->peer, peer.pv, c->pv_len);
	zkex_clear(&peer);
	do {
		zrand_bytes(c->sv, a->sv_len);
		if (a->alg == ZKEX_EC52)
			c->sv[0] &= 1;
	} while (a->gcry_curve != NULL && c->sv[0] == 0xff);
	if (zkex_from_secret(&c->zk, a->alg, c->sv, a->sv_len) != 0)
		die("zkex_from_secret");
	if (p_hex != NULL) {
		gcry_mpi_scan(&c->g_p, GCRYMPI_FMT_HEX, p_hex, 0, NULL);
		c->g_g = gcry_mpi_set_ui(NULL, 2);
		mpz_init_set_str(c->m_p, p_hex, 16);
		BN_hex2bn(&c->o_p, p_hex);
		c->o_mont = BN_MONT_CTX_new();
		BN_MONT_CTX_set(c->o_mont, c->o_p, kl_bnctx);
	}
	if (a->gcry_curve != NULL) {
		c->o_group = EC_GROUP_new_by_curve_name(a->ossl_nid);
		c->n_curve = a->alg == ZKEX_EC25 ? nettle_get_secp_256r1() :
		    a->alg == ZKEX_EC38 ? nettle_get_secp_384r1() :
		    nettle_get_secp_521r1();
	}
}

/* All libraries must agree on pv and on the result (mod formatting). */
static void
kl_crosscheck(struct kl_case *c)
{
	uint8_t want[ZKEX_PV_MAX], got[ZKEX_PV_MAX];
	size_t rl = c->a->gcry_curve != NULL ? c->pv_len : c->res_len;
	int lib, op;

	for (op = 0; op < 2; op++)
		for (lib = 0; lib < KL_NLIB; lib++) {
			memset(got, 0, sizeof(got));
			if (kl_fn_of(c->a, lib)(c, op ? c->peer : NULL,
			    got) != 0) {
				fprintf(stderr, "%s %s op %d failed\n",
				    c->a->name, kl_lib_names[lib], op);
				exit(1);
			}
			if (lib == 0)
				memcpy(want, got, sizeof(want));
			else if (memcmp(want, got, lib == KL_ZKEX && op ?
			    c->res_len : op ? (c->a->gcry_curve ? rl / 2 :
			    rl) : c->pv_len) != 0) {
				fprintf(stderr, "%s: %s differs (op %d)\n",
				    c->a->name, kl_lib_names[lib], op);
				exit(1);
			}
		}
}

static double
kl_time(struct kl_case *c, kl_fn fn, int op)
{
	uint8_t out[ZKEX_PV_MAX];
	unsigned long n = 0;
	double t0 = now_s(), t;

	do {
		if (fn(c, op ? c->peer : NULL, out) != 0)
			die("operation failed");
		n++;
	} while ((t = now_s() - t0) < kl_secs || n < 3);
	return t / (double)n * 1e6;
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static double v[KL_NALG][KL_NLIB][2][KL_ROUNDS_MAX];
	struct kl_case c[KL_NALG];
	size_t i;
	int ch, lib, op, r;
	char *ep;

	while ((ch = getopt(argc, argv, "r:t:")) != -1) {
		switch (ch) {
		case 'r':
			kl_rounds = (int)strtol(optarg, &ep, 10);
			if (*ep != '\0' || kl_rounds < 1 ||
			    kl_rounds > KL_ROUNDS_MAX)
				die("-r 1..15");
			break;
		case 't':
			kl_secs = strtod(optarg, &ep);
			if (*ep != '\0' || kl_secs <= 0 || kl_secs > 10)
				die("-t 0..10");
			break;
		default:
			die("usage: kexlibs [-r rounds] [-t seconds]");
		}
	}
	if (zcrypto_init(0) != 0 || (kl_bnctx = BN_CTX_secure_new()) == NULL)
		die("init");
	for (i = 0; i < KL_NALG; i++) {
		kl_setup(&c[i], &kl_algs[i], kl_algs[i].alg == ZKEX_DH3K ?
		    zcrypto_kat_dh_prime(ZKEX_DH3K) : kl_algs[i].alg == ZKEX_DH2K ?
		    zcrypto_kat_dh_prime(ZKEX_DH2K) : NULL);
		kl_crosscheck(&c[i]);
	}
	printf("key agreement candidates, us per operation, median of %d "
	    "interleaved rounds of %.2f s\n(key pair: secret bytes to wire "
	    "pv; agreement: peer wire pv checked, to DHResult;\nDH secrets "
	    "256 bits as for AES1; every library cross-checked first)\n\n",
	    kl_rounds, kl_secs);
	for (r = 0; r < kl_rounds; r++)
		for (i = 0; i < KL_NALG; i++)
			for (lib = 0; lib < KL_NLIB; lib++)
				for (op = 0; op < 2; op++)
					v[i][lib][op][r] = kl_time(&c[i],
					    kl_fn_of(c[i].a, lib), op);
	printf("%-5s", "kex");
	for (lib = 0; lib < KL_NLIB; lib++)
		printf(" | %17s", kl_lib_names[lib]);
	printf("\n%-5s", "");
	for (lib = 0; lib < KL_NLIB; lib++)
		printf(" | %8s %8s", "pair", "agree");
	printf("\n");
	for (i = 0; i < KL_NALG; i++) {
		printf("%-5s", kl_algs[i].name);
		for (lib = 0; lib < KL_NLIB; lib++) {
			printf(" |");
			for (op = 0; op < 2; op++) {
				qsort(v[i][lib][op], (size_t)kl_rounds,
				    sizeof(double), dcmp);
				printf(" %8.1f", v[i][lib][op][kl_rounds / 2]);
			}
		}
		printf("\n");
	}
	return 0;
}
