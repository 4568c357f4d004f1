/*
 * The hash chain H0..H3 (RFC 6189 §9), the MACs it keys on Hello, Commit
 * and DHPart messages, hvi (§4.4.1.1) and the Hello hash of a=zrtp-hash
 * (§8.1). The chain and its MACs always use the implicit SHA-256 (§5.1.2.2).
 */
#ifndef ZRTPD_HASHCHAIN_H
#define ZRTPD_HASHCHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "msg.h"

struct zhash_chain {
	uint8_t	h[4][ZRTP_HASH_IMAGE_LEN];	/* h[0] = H0 ... h[3] = H3 */
};

/* H1 = SHA-256(H0), H2 = SHA-256(H1), H3 = SHA-256(H2). */
int	zchain_from_h0(struct zhash_chain *c,
	    const uint8_t h0[ZRTP_HASH_IMAGE_LEN]);
void	zchain_clear(struct zhash_chain *c);
/* 0 when SHA-256(preimage) equals image (constant time), else ZE_BAD_MAC. */
int	zchain_check(const uint8_t preimage[ZRTP_HASH_IMAGE_LEN],
	    const uint8_t image[ZRTP_HASH_IMAGE_LEN]);

/*
 * The 64-bit MAC ending a Hello (key H2), Commit (H1) or DHPart (H0):
 * HMAC-SHA-256 over the whole message but its last 8 octets, truncated.
 */
int	zmsg_mac_seal(uint8_t *msg, size_t len,
	    const uint8_t key[ZRTP_HASH_IMAGE_LEN]);
int	zmsg_mac_check(const uint8_t *msg, size_t len,
	    const uint8_t key[ZRTP_HASH_IMAGE_LEN]);

/* §4.4.1.1: hvi = hash(initiator's DHPart2 || responder's Hello), 256 bits. */
int	zhvi_compute(enum zhash_alg alg, const uint8_t *dhpart2,
	    size_t dhpart2_len, const uint8_t *hello_r, size_t hello_r_len,
	    uint8_t hvi[ZRTP_HVI_LEN]);

#define ZRTP_HELLO_HASH_HEX	(2 * 32 + 1)
/* §8.1: lower-case hex SHA-256 of the Hello message, NUL-terminated. */
int	zhello_hash_hex(const uint8_t *hello, size_t len,
	    char out[ZRTP_HELLO_HASH_HEX]);

#endif
