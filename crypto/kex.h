/*
 * ZRTP key agreement (RFC 6189 §5.1.5): finite-field DH over the RFC 3526
 * groups and ECDH over NIST P-256/384/521, X25519 and X448. Public values
 * in ZRTP wire form; every peer value is checked before it is used.
 */
#ifndef ZRTPD_KEX_H
#define ZRTPD_KEX_H

#include <stddef.h>
#include <stdint.h>

enum zkex_alg {
	ZKEX_DH2K,	/* RFC 3526 2048-bit MODP group 14 */
	ZKEX_DH3K,	/* RFC 3526 3072-bit MODP group 15, mandatory */
	ZKEX_EC25,	/* NIST P-256 */
	ZKEX_EC38,	/* NIST P-384 */
	ZKEX_EC52,	/* NIST P-521 */
	ZKEX_X255,	/* X25519 (RFC 7748) */
	ZKEX_X448,	/* X448 (RFC 7748) */
	ZKEX_COUNT
};

#define ZKEX_PV_MAX	384	/* DH3k public value */
#define ZKEX_RESULT_MAX	384	/* DH3k DHResult */
#define ZKEX_SV_MAX	66	/* P-521 scalar */

/* One ephemeral key pair. sv lives in secure memory. */
struct zkex {
	enum zkex_alg	 alg;
	uint8_t		*sv;		/* secret value, sv_len bytes */
	size_t		 sv_len;
	uint8_t		 pv[ZKEX_PV_MAX];	/* public value, wire form */
	size_t		 pv_len;
};

/* Length of pvi/pvr on the wire: DH p-sized, EC x||y, X25519/X448 u. */
size_t zkex_pv_len(enum zkex_alg alg);
/* Length of DHResult: DH p-sized, EC the x coordinate, X25519/X448 32/56. */
size_t zkex_result_len(enum zkex_alg alg);

/*
 * Length of the secret for a session whose cipher key is cipher_key_len
 * bytes: DH takes twice that (§5.1.5, 32 to 64 bytes), curves their scalar
 * size. zkex_from_secret() accepts it.
 */
size_t zkex_sv_len(enum zkex_alg alg, size_t cipher_key_len);
/* Fresh key pair with a random secret of the size §5.1.5 asks for. */
int zkex_generate(struct zkex *k, enum zkex_alg alg);
/*
 * Key pair from zkex_sv_len(alg) random bytes the caller drew (the engine
 * draws from its own source); masks what the group needs masked. ZE_INVAL:
 * out of range (an EC scalar >= n, rare), draw again.
 */
int zkex_from_random(struct zkex *k, enum zkex_alg alg, uint8_t *random,
    size_t len);
/* Key pair from a given secret (known-answer tests). */
int zkex_from_secret(struct zkex *k, enum zkex_alg alg, const uint8_t *sv,
    size_t sv_len);
/*
 * Check a peer's public value: DH refuses 0, 1, p-1 and >= p; EC refuses
 * points off the curve or at infinity; X25519/X448 refuse low-order points
 * (an all-zero result). ZE_BAD_PV when refused.
 */
int zkex_check_pv(enum zkex_alg alg, const uint8_t *pv, size_t pv_len);
/* DHResult into out (zkex_result_len bytes) after checking peer_pv. */
int zkex_agree(const struct zkex *k, const uint8_t *peer_pv,
    size_t peer_pv_len, uint8_t *out);
/* Wipe and free the secret. Accepts NULL and a cleared struct. */
void zkex_clear(struct zkex *k);

#endif
