/*
 * ZRTP hashes (S256, S384, N256, N384), their HMACs and the ZRTP KDF of
 * RFC 6189 §4.5.1. Knows nothing of messages: callers pass bytes.
 */
#ifndef ZRTPD_HASH_H
#define ZRTPD_HASH_H

#include <stddef.h>
#include <stdint.h>

enum zhash_alg {
	ZHASH_S256,	/* SHA-256 (FIPS 180-4), mandatory */
	ZHASH_S384,	/* SHA-384 */
	ZHASH_N256,	/* SHA3-256 (FIPS 202), RFC 6189bis */
	ZHASH_N384,	/* SHA3-384 */
	ZHASH_COUNT
};

#define ZHASH_MAX_LEN 48

/* One piece of a message hashed or MACed in several parts. */
struct ziov {
	const void	*p;
	size_t		 len;
};

size_t zhash_len(enum zhash_alg alg);

int zhash(enum zhash_alg alg, const void *p, size_t len, uint8_t *out);
int zhash_iov(enum zhash_alg alg, const struct ziov *iov, size_t n,
    uint8_t *out);

/* HMAC with the given hash; out receives zhash_len(alg) bytes. */
int zhmac(enum zhash_alg alg, const uint8_t *key, size_t key_len,
    const void *p, size_t len, uint8_t *out);
int zhmac_iov(enum zhash_alg alg, const uint8_t *key, size_t key_len,
    const struct ziov *iov, size_t n, uint8_t *out);

/*
 * RFC 6189 §4.5.1: KDF(KI, Label, Context, L) =
 * HMAC(KI, i || Label || 0x00 || Context || L), i = 1, L in bits (32-bit
 * big-endian), output truncated to L bits. out_len is L/8 and may not
 * exceed zhash_len(alg).
 */
int zkdf(enum zhash_alg alg, const uint8_t *ki, size_t ki_len,
    const char *label, const uint8_t *context, size_t context_len,
    uint8_t *out, size_t out_len);

/* One output of zkdf_many: out_len bytes of KDF(KI, label, Context, L). */
struct zkdf_out {
	const char	*label;
	uint8_t		*out;
	size_t		 out_len;
};

/*
 * Several KDF outputs from one KI and Context (the key schedule of §4.5.2,
 * §4.5.3): the HMAC key state is computed once and reused for each label,
 * then dropped. On failure every out is wiped.
 */
int zkdf_many(enum zhash_alg alg, const uint8_t *ki, size_t ki_len,
    const uint8_t *context, size_t context_len, const struct zkdf_out *outs,
    size_t n);

#endif
