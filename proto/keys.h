/*
 * The ZRTP key schedule (RFC 6189 §4.4.1.4, §4.4.2, §4.4.3, §4.5): s0 in
 * each mode, KDF_Context, and everything derived from s0. Pure functions;
 * the engine decides when each runs. Every struct here is wiped by
 * zkeys_clear().
 */
#ifndef ZRTPD_KEYS_H
#define ZRTPD_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "cipher.h"
#include "hash.h"
#include "msg.h"

enum zmode {
	ZMODE_DH,
	ZMODE_MULT,
	ZMODE_PRSH
};

#define ZRTP_RS_LEN		32	/* retained secrets are 256 bits */
#define ZRTP_SRTP_SALT_LEN	14	/* 112 bits */
#define ZKDF_CONTEXT_MAX	(2 * ZRTP_ZID_LEN + ZHASH_MAX_LEN)

/* A secret that may be absent (null, length 0, §4.3). */
struct zsecret {
	const uint8_t	*p;
	size_t		 len;
};

struct zkeys {
	enum zhash_alg	hash;
	size_t		hash_len;
	size_t		key_len;	/* negotiated cipher key length */
	uint8_t		s0[ZHASH_MAX_LEN];
	uint8_t		kdf_context[ZKDF_CONTEXT_MAX];
	size_t		kdf_context_len;
	uint8_t		zrtp_sess[ZHASH_MAX_LEN];	/* DH and Prsh only */
	uint8_t		sashash[32];			/* DH and Prsh only */
	uint8_t		exported_key[ZHASH_MAX_LEN];	/* DH and Prsh only */
	uint8_t		rs1_new[ZRTP_RS_LEN];		/* DH and Prsh only */
	uint8_t		srtp_key_i[ZCIPHER_KEY_MAX];
	uint8_t		srtp_salt_i[ZRTP_SRTP_SALT_LEN];
	uint8_t		srtp_key_r[ZCIPHER_KEY_MAX];
	uint8_t		srtp_salt_r[ZRTP_SRTP_SALT_LEN];
	uint8_t		mackey_i[ZHASH_MAX_LEN];
	uint8_t		mackey_r[ZHASH_MAX_LEN];
	uint8_t		zrtpkey_i[ZCIPHER_KEY_MAX];
	uint8_t		zrtpkey_r[ZCIPHER_KEY_MAX];
};

/* Sets hash, lengths and KDF_Context = ZIDi || ZIDr || total_hash. */
int	zkeys_init(struct zkeys *k, enum zhash_alg hash, size_t key_len,
	    const uint8_t zid_i[ZRTP_ZID_LEN], const uint8_t zid_r[ZRTP_ZID_LEN],
	    const uint8_t *total_hash);

/* §4.4.1.4: s0 = hash(1 || DHResult || "ZRTP-HMAC-KDF" || ZIDi || ZIDr ||
 * total_hash || len(s1) || s1 || len(s2) || s2 || len(s3) || s3). */
int	zkeys_s0_dh(struct zkeys *k, const uint8_t *dhresult, size_t dh_len,
	    const struct zsecret *s1, const struct zsecret *s2,
	    const struct zsecret *s3);
/* §4.4.3.2: s0 = KDF(ZRTPSess, "ZRTP MSK", KDF_Context, hash length). */
int	zkeys_s0_mult(struct zkeys *k, const uint8_t *zrtp_sess);
/* §4.4.2.3: s0 = KDF(preshared_key, "ZRTP PSK", KDF_Context, hash len). */
int	zkeys_s0_prsh(struct zkeys *k, const uint8_t *preshared_key);

/* §4.5.2, §4.5.3, §4.6.1: every key of this stream from s0; s0 wiped. */
int	zkeys_derive(struct zkeys *k, enum zmode mode);
void	zkeys_clear(struct zkeys *k);

/* §4.3.1: MAC(secret, label) truncated to 64 bits. */
int	zsecret_id(enum zhash_alg hash, const struct zsecret *secret,
	    const void *label, size_t label_len,
	    uint8_t out[ZRTP_SECRET_ID_LEN]);
/* §4.4.2.1: hash(len(rs1) || rs1 || len(aux) || aux || len(pbx) || pbx). */
int	zpreshared_key(enum zhash_alg hash, const struct zsecret *rs1,
	    const struct zsecret *aux, const struct zsecret *pbx,
	    uint8_t out[ZHASH_MAX_LEN]);
/* hash of messages laid end to end (total_hash, §4.4.1.4). */
int	zkeys_total_hash(enum zhash_alg hash, const struct zview *msgs,
	    size_t n, uint8_t out[ZHASH_MAX_LEN]);

#endif
