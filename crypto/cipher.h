/*
 * Block ciphers in CFB-128 mode for the encrypted part of Confirm and
 * SASrelay (RFC 6189 §5.7, §5.13): AES-128/192/256, Twofish-128/256.
 */
#ifndef ZRTPD_CIPHER_H
#define ZRTPD_CIPHER_H

#include <stddef.h>
#include <stdint.h>

enum zcipher_alg {
	ZCIPHER_AES1,	/* AES-128, mandatory */
	ZCIPHER_AES2,	/* AES-192 */
	ZCIPHER_AES3,	/* AES-256 */
	ZCIPHER_2FS1,	/* Twofish-128 */
	ZCIPHER_2FS3,	/* Twofish-256 */
	ZCIPHER_COUNT
};

#define ZCIPHER_IV_LEN		16
#define ZCIPHER_KEY_MAX		32

size_t zcipher_key_len(enum zcipher_alg alg);

/* In place is allowed (in == out). */
int zcfb_encrypt(enum zcipher_alg alg, const uint8_t *key,
    const uint8_t iv[ZCIPHER_IV_LEN], const uint8_t *in, uint8_t *out,
    size_t len);
int zcfb_decrypt(enum zcipher_alg alg, const uint8_t *key,
    const uint8_t iv[ZCIPHER_IV_LEN], const uint8_t *in, uint8_t *out,
    size_t len);

#endif
