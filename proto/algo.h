/*
 * The algorithm type blocks of RFC 6189 §5.1.2-§5.1.6 and the crypto/
 * enums they select. Unknown blocks are not errors here: negotiation
 * skips what it does not implement.
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

#endif
