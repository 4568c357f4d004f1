/*
 * The algorithm type blocks of RFC 6189 §5.1.2-§5.1.6, the crypto/ enums
 * they select, and the preference lists a configuration may give: parsed
 * and checked here once, for the probe and the daemon alike. A peer's
 * unknown blocks are not errors: negotiation skips what it does not run.
 */
#ifndef ZRTPD_ALGO_H
#define ZRTPD_ALGO_H

#include <stddef.h>
#include <stdint.h>

#include "cipher.h"
#include "hash.h"
#include "kex.h"
#include "msg.h"

#define ZALGO_NAME_LEN	5	/* four characters and NUL */

/* "S256", "B32 " (trailing space kept) from a block. */
void	zalgo_name(uint32_t block, char out[ZALGO_NAME_LEN]);

int	zalgo_hash(uint32_t block, enum zhash_alg *out);
int	zalgo_cipher(uint32_t block, enum zcipher_alg *out);
int	zalgo_kex(uint32_t block, enum zkex_alg *out);

uint32_t	zalgo_hash_block(enum zhash_alg alg);
uint32_t	zalgo_cipher_block(enum zcipher_alg alg);
uint32_t	zalgo_kex_block(enum zkex_alg alg);

/* Whether the engine runs a block of this kind (Mult and Prsh excluded). */
int	zalgo_runs(int kind, uint32_t block);
/* §5.1.5 key agreements that want a 384-bit hash and a 256-bit cipher. */
int	zalgo_kex_strong(uint32_t block);
/* A hash block with a 384-bit output; a cipher block with a 256-bit key. */
int	zalgo_hash_384(uint32_t block);
int	zalgo_cipher_256(uint32_t block);

/* The documented default preference lists (docs/engine.md). */
void	zalgo_defaults(uint8_t count[ZALGO_KIND_COUNT],
	    uint32_t algo[ZALGO_KIND_COUNT][ZRTP_ALGO_MAX]);

/*
 * "X255,DH3k" into one preference list: names as in RFC 6189 ("B32" for
 * "B32 "), only those a configuration may use (zalgo_runs() and keyed by
 * our SRTP stack); either Curve25519 name brings the other right after it.
 * On error, err says why and lists the supported names.
 */
int	zalgo_parse_list(int kind, const char *arg,
	    uint32_t out[ZRTP_ALGO_MAX], uint8_t *count, char *err,
	    size_t errlen);

/*
 * Check a whole configuration's lists (every block run by the engine; no
 * Mult or Prsh, which the engine adds; room left for them and for the
 * coupled algorithms) and complete them: a strong key agreement brings
 * S384 and AES3 (§5.1.2, §5.1.5). ZE_UNSUPPORTED or ZE_NOSPACE, with err
 * (may be NULL) saying why; the lists are changed only on success.
 */
int	zalgo_complete(uint8_t count[ZALGO_KIND_COUNT],
	    uint32_t algo[ZALGO_KIND_COUNT][ZRTP_ALGO_MAX], int preshared,
	    char *err, size_t errlen);

#endif
