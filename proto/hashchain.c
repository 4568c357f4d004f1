/*
 * Hash chain, chain-keyed message MACs, hvi and the Hello hash. Pure
 * functions over bytes: the engine decides when each is checked.
 */
#include <string.h>

#include "hashchain.h"
#include "zcrypto.h"
#include "zerr.h"

int
zchain_from_h0(struct zhash_chain *c, const uint8_t h0[ZRTP_HASH_IMAGE_LEN])
{
	int i, r;

	memcpy(c->h[0], h0, ZRTP_HASH_IMAGE_LEN);
	for (i = 1; i < 4; i++) {
		if ((r = zhash(ZHASH_S256, c->h[i - 1], ZRTP_HASH_IMAGE_LEN,
		    c->h[i])) != 0) {
			zchain_clear(c);
			return r;
		}
	}
	return 0;
}

void
zchain_clear(struct zhash_chain *c)
{
	zwipe(c, sizeof(*c));
}

int
zchain_check(const uint8_t preimage[ZRTP_HASH_IMAGE_LEN],
    const uint8_t image[ZRTP_HASH_IMAGE_LEN])
{
	uint8_t h[ZHASH_MAX_LEN];
	int r;

	if ((r = zhash(ZHASH_S256, preimage, ZRTP_HASH_IMAGE_LEN, h)) != 0)
		return r;
	return zct_eq(h, image, ZRTP_HASH_IMAGE_LEN) ? 0 : ZE_BAD_MAC;
}

static int
zmsg_mac_compute(const uint8_t *msg, size_t len,
    const uint8_t key[ZRTP_HASH_IMAGE_LEN], uint8_t mac[ZHASH_MAX_LEN])
{
	if (len < ZRTP_MSG_HDR_LEN + ZRTP_MAC_LEN)
		return ZE_INVAL;
	return zhmac(ZHASH_S256, key, ZRTP_HASH_IMAGE_LEN, msg,
	    len - ZRTP_MAC_LEN, mac);
}

int
zmsg_mac_seal(uint8_t *msg, size_t len, const uint8_t key[ZRTP_HASH_IMAGE_LEN])
{
	uint8_t mac[ZHASH_MAX_LEN];
	int r;

	if ((r = zmsg_mac_compute(msg, len, key, mac)) != 0)
		return r;
	memcpy(msg + len - ZRTP_MAC_LEN, mac, ZRTP_MAC_LEN);
	return 0;
}

int
zmsg_mac_check(const uint8_t *msg, size_t len,
    const uint8_t key[ZRTP_HASH_IMAGE_LEN])
{
	uint8_t mac[ZHASH_MAX_LEN];
	int r;

	if ((r = zmsg_mac_compute(msg, len, key, mac)) != 0)
		return r;
	return zct_eq(mac, msg + len - ZRTP_MAC_LEN, ZRTP_MAC_LEN) ?
	    0 : ZE_BAD_MAC;
}

int
zhvi_compute(enum zhash_alg alg, const uint8_t *dhpart2, size_t dhpart2_len,
    const uint8_t *hello_r, size_t hello_r_len, uint8_t hvi[ZRTP_HVI_LEN])
{
	struct ziov iov[2] = {
		{ dhpart2, dhpart2_len },
		{ hello_r, hello_r_len },
	};
	uint8_t h[ZHASH_MAX_LEN];
	int r;

	if ((r = zhash_iov(alg, iov, 2, h)) != 0)
		return r;
	memcpy(hvi, h, ZRTP_HVI_LEN);
	return 0;
}

int
zhello_hash_hex(const uint8_t *hello, size_t len,
    char out[ZRTP_HELLO_HASH_HEX])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t h[ZHASH_MAX_LEN];
	int i, r;

	if ((r = zhash(ZHASH_S256, hello, len, h)) != 0)
		return r;
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 0xf];
	}
	out[64] = '\0';
	return 0;
}
