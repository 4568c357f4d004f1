/*
 * Fixed SRTP keys for tests and the benchmark: side 0's send key and salt
 * are side 1's receive ones and back, AES-CM-128 with HMAC-SHA1-32, as a
 * ZRTP exchange would key the two ends. Not secret, not random: tests only.
 */
#ifndef ZRTPD_SRTP_KEYS_H
#define ZRTPD_SRTP_KEYS_H

#include <string.h>

#include "engine.h"

static inline void
unit_srtp_keys(struct zs_srtp_keys *k, int side)
{
	memset(k, 0, sizeof(*k));
	k->cipher = ZALGO('A', 'E', 'S', '1');
	k->auth = ZALGO('H', 'S', '3', '2');
	k->key_len = 16;
	memset(side ? k->rx_key : k->tx_key, 0x11, 16);
	memset(side ? k->rx_salt : k->tx_salt, 0x22, ZRTP_SRTP_SALT_LEN);
	memset(side ? k->tx_key : k->rx_key, 0x33, 16);
	memset(side ? k->tx_salt : k->rx_salt, 0x44, ZRTP_SRTP_SALT_LEN);
}

#endif
