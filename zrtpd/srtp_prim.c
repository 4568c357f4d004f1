/*
 * AES-ICM (RFC 3711 §4.1.1) and HMAC-SHA1 (§4.2.1) for libsrtp2 on
 * nettle: per context one encrypt-only AES key schedule or one keyed
 * HMAC-SHA1 context, held in the context (about 0.3 KiB each), nothing
 * allocated per packet. Only primitives: libsrtp2 keeps the packet
 * format, replay, key derivation and key limits. No packet is parsed
 * here. Why nettle and not libgcrypt: docs/performance.md, "SRTP
 * primitives".
 */
#include <stdlib.h>
#include <string.h>

#include <nettle/aes.h>
#include <nettle/hmac.h>
#include <nettle/memxor.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>

#include "srtp_prim.h"
#include "zcrypto.h"
#include "zerr.h"

#define ZSRTP_BLOCK	16
#define ZSRTP_SHA1_LEN	20
#define ZSRTP_CHUNK	16	/* counter blocks encrypted per AES call */

struct zsrtp_icm {
	srtp_cipher_t		 c;		/* first: libsrtp2's handle */
	const struct nettle_cipher *aes;
	union {
		struct aes128_ctx	a128;
		struct aes192_ctx	a192;
		struct aes256_ctx	a256;
	}			 k;		/* encrypt key schedule */
	uint8_t			 offset[ZSRTP_BLOCK];	/* salt || 0000 */
	uint8_t			 ctr[ZSRTP_BLOCK];	/* next block */
	uint8_t			 ks[ZSRTP_BLOCK];	/* keystream left */
	unsigned		 ks_used;	/* of ks; 16: none */
	int			 aes_len;
};

struct zsrtp_hmac {
	srtp_auth_t		a;		/* first: libsrtp2's handle */
	struct hmac_sha1_ctx	h;
	int			dirty;	/* data since the last digest */
};

/* key_len counts the 14-byte salt after the AES key, as libsrtp2 does. */
static const struct {
	int				 key_len, aes_len;
	const struct nettle_cipher	*aes;
	const srtp_cipher_type_t	*type;
} zsrtp_icm_sizes[] = {
	{ SRTP_AES_ICM_128_KEY_LEN_WSALT, SRTP_AES_128_KEY_LEN,
	    &nettle_aes128, &zsrtp_prim_icm_128 },
	{ SRTP_AES_ICM_192_KEY_LEN_WSALT, SRTP_AES_192_KEY_LEN,
	    &nettle_aes192, &zsrtp_prim_icm_192 },
	{ SRTP_AES_ICM_256_KEY_LEN_WSALT, SRTP_AES_256_KEY_LEN,
	    &nettle_aes256, &zsrtp_prim_icm_256 },
};

static srtp_err_status_t
zsrtp_icm_alloc(srtp_cipher_t **cp, int key_len, int tag_len)
{
	struct zsrtp_icm *s;
	size_t i;

	(void)tag_len;
	*cp = NULL;
	for (i = 0; i < sizeof(zsrtp_icm_sizes) / sizeof(zsrtp_icm_sizes[0]);
	    i++)
		if (zsrtp_icm_sizes[i].key_len == key_len)
			break;
	if (i == sizeof(zsrtp_icm_sizes) / sizeof(zsrtp_icm_sizes[0]))
		return srtp_err_status_bad_param;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return srtp_err_status_alloc_fail;
	s->aes = zsrtp_icm_sizes[i].aes;
	s->aes_len = zsrtp_icm_sizes[i].aes_len;
	s->ks_used = ZSRTP_BLOCK;
	s->c.type = zsrtp_icm_sizes[i].type;
	s->c.algorithm = s->c.type->id;
	s->c.key_len = key_len;
	s->c.state = s;
	*cp = &s->c;
	return srtp_err_status_ok;
}

/* The key schedule is in the struct: wiped with it. */
static srtp_err_status_t
zsrtp_icm_dealloc(srtp_cipher_t *c)
{
	struct zsrtp_icm *s = (struct zsrtp_icm *)c;

	if (s == NULL)
		return srtp_err_status_ok;
	zwipe(s, sizeof(*s));
	free(s);
	return srtp_err_status_ok;
}

/* The AES key, then the 112-bit salt: the offset is salt * 2^16. */
static srtp_err_status_t
zsrtp_icm_init(void *sv, const uint8_t *key)
{
	struct zsrtp_icm *s = sv;

	memset(s->offset, 0, sizeof(s->offset));
	memcpy(s->offset, key + s->aes_len, SRTP_SALT_LEN);
	memcpy(s->ctr, s->offset, sizeof(s->ctr));
	zwipe(s->ks, sizeof(s->ks));
	s->ks_used = ZSRTP_BLOCK;
	s->aes->set_encrypt_key(&s->k, key);
	return srtp_err_status_ok;
}

/* §4.1.1: the counter block is offset XOR iv, the IV libsrtp2 made. */
static srtp_err_status_t
zsrtp_icm_set_iv(void *sv, uint8_t *iv, srtp_cipher_direction_t dir)
{
	struct zsrtp_icm *s = sv;
	size_t i;

	(void)dir;
	for (i = 0; i < sizeof(s->ctr); i++)
		s->ctr[i] = s->offset[i] ^ iv[i];
	zwipe(s->ks, sizeof(s->ks));
	s->ks_used = ZSRTP_BLOCK;
	return srtp_err_status_ok;
}

/*
 * In place; encryption and decryption are one. The counter blocks are
 * made here, up to ZSRTP_CHUNK at a time for one AES call (nettle's
 * AES-NI path works on several blocks at once): §4.1.1's block counter
 * is the last 16 bits and wraps without carrying into the IV, as a
 * uint16_t does. SRTP packets never reach the wrap (their counter starts
 * at 0 and 2^16 blocks is 1 MiB); a set_iv with other low bits
 * (libsrtp2's random self-test) may. A call that ends inside a block
 * keeps the rest of its keystream for the next call.
 */
static srtp_err_status_t
zsrtp_icm_encrypt(void *sv, uint8_t *buf, unsigned int *len)
{
	struct zsrtp_icm *s = sv;
	uint8_t ks[ZSRTP_CHUNK * ZSRTP_BLOCK];
	size_t left = *len, nb, n, i, used = 0;
	uint16_t blk;

	for (; left > 0 && s->ks_used < ZSRTP_BLOCK; left--)
		*buf++ ^= s->ks[s->ks_used++];
	while (left > 0) {
		nb = (left + ZSRTP_BLOCK - 1) / ZSRTP_BLOCK;
		if (nb > ZSRTP_CHUNK)
			nb = ZSRTP_CHUNK;
		blk = (uint16_t)(s->ctr[14] << 8 | s->ctr[15]);
		for (i = 0; i < nb; i++, blk++) {
			memcpy(ks + i * ZSRTP_BLOCK, s->ctr, ZSRTP_BLOCK - 2);
			ks[i * ZSRTP_BLOCK + 14] = (uint8_t)(blk >> 8);
			ks[i * ZSRTP_BLOCK + 15] = (uint8_t)blk;
		}
		s->ctr[14] = (uint8_t)(blk >> 8);
		s->ctr[15] = (uint8_t)blk;
		s->aes->encrypt(&s->k, nb * ZSRTP_BLOCK, ks, ks);
		if (used < nb * ZSRTP_BLOCK)
			used = nb * ZSRTP_BLOCK;
		n = left < nb * ZSRTP_BLOCK ? left : nb * ZSRTP_BLOCK;
		memxor(buf, ks, n);
		buf += n;
		left -= n;
		if (n % ZSRTP_BLOCK != 0) {
			memcpy(s->ks, ks + n - n % ZSRTP_BLOCK, ZSRTP_BLOCK);
			s->ks_used = (unsigned)(n % ZSRTP_BLOCK);
		}
	}
	zwipe(ks, used);
	return srtp_err_status_ok;
}

static srtp_err_status_t
zsrtp_hmac_alloc(srtp_auth_t **ap, int key_len, int out_len)
{
	struct zsrtp_hmac *s;

	*ap = NULL;
	if (key_len < 1 || key_len > 64 || out_len < 1 ||
	    out_len > ZSRTP_SHA1_LEN)
		return srtp_err_status_bad_param;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return srtp_err_status_alloc_fail;
	s->a.type = &zsrtp_prim_hmac;
	s->a.state = s;
	s->a.out_len = out_len;
	s->a.key_len = key_len;
	s->a.prefix_len = 0;
	*ap = &s->a;
	return srtp_err_status_ok;
}

/* The keyed inner and outer states are in the struct: wiped with it. */
static srtp_err_status_t
zsrtp_hmac_dealloc(srtp_auth_t *a)
{
	struct zsrtp_hmac *s = (struct zsrtp_hmac *)a;

	if (s == NULL)
		return srtp_err_status_ok;
	zwipe(s, sizeof(*s));
	free(s);
	return srtp_err_status_ok;
}

/* nettle keeps the keyed inner and outer states; a digest restores them. */
static srtp_err_status_t
zsrtp_hmac_init(void *sv, const uint8_t *key, int key_len)
{
	struct zsrtp_hmac *s = sv;

	if (key_len < 0)
		return srtp_err_status_bad_param;
	hmac_sha1_set_key(&s->h, (size_t)key_len, key);
	s->dirty = 0;
	return srtp_err_status_ok;
}

/*
 * Every digest leaves the context at its keyed state (nettle's
 * hmac_sha1_digest), so a start after one costs nothing; after data that
 * no digest ended (an error between libsrtp2's update and compute), a
 * digest into nothing throws it away.
 */
static srtp_err_status_t
zsrtp_hmac_start(void *sv)
{
	struct zsrtp_hmac *s = sv;
	uint8_t junk[ZSRTP_SHA1_LEN];

	if (s->dirty) {
		hmac_sha1_digest(&s->h, sizeof(junk), junk);
		zwipe(junk, sizeof(junk));
		s->dirty = 0;
	}
	return srtp_err_status_ok;
}

static srtp_err_status_t
zsrtp_hmac_update(void *sv, const uint8_t *buf, int len)
{
	struct zsrtp_hmac *s = sv;

	if (len < 0)
		return srtp_err_status_bad_param;
	hmac_sha1_update(&s->h, (size_t)len, buf);
	s->dirty = 1;
	return srtp_err_status_ok;
}

static srtp_err_status_t
zsrtp_hmac_compute(void *sv, const uint8_t *buf, int len, int tag_len,
    uint8_t *tag)
{
	struct zsrtp_hmac *s = sv;
	uint8_t mac[ZSRTP_SHA1_LEN];

	if (len < 0 || tag_len < 1 || tag_len > ZSRTP_SHA1_LEN)
		return srtp_err_status_bad_param;
	hmac_sha1_update(&s->h, (size_t)len, buf);
	hmac_sha1_digest(&s->h, sizeof(mac), mac);
	s->dirty = 0;
	memcpy(tag, mac, (size_t)tag_len);
	zwipe(mac, sizeof(mac));
	return srtp_err_status_ok;
}

/*
 * Known answers libsrtp2 runs before it takes a type (after these, it
 * runs its own vectors for the id, and random round trips). AES-ICM:
 * RFC 3711 B.2 (AES-128, keystream blocks 0-1 and FEFF-FF01) and RFC 6188
 * §7.1-7.2 (AES-256, AES-192), all with salt F0F1...FCFD and plaintext
 * zero, so the ciphertext is the keystream.
 */
static const uint8_t zsrtp_kat_zero[48];

static const uint8_t zsrtp_kat_128_key[SRTP_AES_ICM_128_KEY_LEN_WSALT] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
	0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static uint8_t zsrtp_kat_iv_0[16];
static uint8_t zsrtp_kat_iv_feff[16] = { [14] = 0xfe, [15] = 0xff };
static const uint8_t zsrtp_kat_128_ks0[32] = {
	0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80,
	0xe1, 0x66, 0xb1, 0x6d, 0xd9, 0x2b, 0x4e, 0xb4,
	0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02, 0xd0, 0xf7,
	0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab,
};
static const uint8_t zsrtp_kat_128_ksfeff[48] = {
	0xec, 0x8c, 0xdf, 0x73, 0x98, 0x60, 0x7c, 0xb0,
	0xf2, 0xd2, 0x16, 0x75, 0xea, 0x9e, 0xa1, 0xe4,
	0x36, 0x2b, 0x7c, 0x3c, 0x67, 0x73, 0x51, 0x63,
	0x18, 0xa0, 0x77, 0xd7, 0xfc, 0x50, 0x73, 0xae,
	0x6a, 0x2c, 0xc3, 0x78, 0x78, 0x89, 0x37, 0x4f,
	0xbe, 0xb4, 0xc8, 0x1b, 0x17, 0xba, 0x6c, 0x44,
};
static const srtp_cipher_test_case_t zsrtp_kat_128_feff = {
	SRTP_AES_ICM_128_KEY_LEN_WSALT, zsrtp_kat_128_key, zsrtp_kat_iv_feff,
	48, zsrtp_kat_zero, 48, zsrtp_kat_128_ksfeff, 0, NULL, 0, NULL,
};
const srtp_cipher_test_case_t zsrtp_prim_kat_icm_128 = {
	SRTP_AES_ICM_128_KEY_LEN_WSALT, zsrtp_kat_128_key, zsrtp_kat_iv_0,
	32, zsrtp_kat_zero, 32, zsrtp_kat_128_ks0, 0, NULL, 0,
	&zsrtp_kat_128_feff,
};

static const uint8_t zsrtp_kat_192_key[SRTP_AES_ICM_192_KEY_LEN_WSALT] = {
	0xea, 0xb2, 0x34, 0x76, 0x4e, 0x51, 0x7b, 0x2d,
	0x3d, 0x16, 0x0d, 0x58, 0x7d, 0x8c, 0x86, 0x21,
	0x97, 0x40, 0xf6, 0x5f, 0x99, 0xb6, 0xbc, 0xf7,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t zsrtp_kat_192_ks0[48] = {
	0x35, 0x09, 0x6c, 0xba, 0x46, 0x10, 0x02, 0x8d,
	0xc1, 0xb5, 0x75, 0x03, 0x80, 0x4c, 0xe3, 0x7c,
	0x5d, 0xe9, 0x86, 0x29, 0x1d, 0xcc, 0xe1, 0x61,
	0xd5, 0x16, 0x5e, 0xc4, 0x56, 0x8f, 0x5c, 0x9a,
	0x47, 0x4a, 0x40, 0xc7, 0x78, 0x94, 0xbc, 0x17,
	0x18, 0x02, 0x02, 0x27, 0x2a, 0x4c, 0x26, 0x4d,
};
const srtp_cipher_test_case_t zsrtp_prim_kat_icm_192 = {
	SRTP_AES_ICM_192_KEY_LEN_WSALT, zsrtp_kat_192_key, zsrtp_kat_iv_0,
	48, zsrtp_kat_zero, 48, zsrtp_kat_192_ks0, 0, NULL, 0, NULL,
};

static const uint8_t zsrtp_kat_256_key[SRTP_AES_ICM_256_KEY_LEN_WSALT] = {
	0x57, 0xf8, 0x2f, 0xe3, 0x61, 0x3f, 0xd1, 0x70,
	0xa8, 0x5e, 0xc9, 0x3c, 0x40, 0xb1, 0xf0, 0x92,
	0x2e, 0xc4, 0xcb, 0x0d, 0xc0, 0x25, 0xb5, 0x82,
	0x72, 0x14, 0x7c, 0xc4, 0x38, 0x94, 0x4a, 0x98,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t zsrtp_kat_256_ks0[48] = {
	0x92, 0xbd, 0xd2, 0x8a, 0x93, 0xc3, 0xf5, 0x25,
	0x11, 0xc6, 0x77, 0xd0, 0x8b, 0x55, 0x15, 0xa4,
	0x9d, 0xa7, 0x1b, 0x23, 0x78, 0xa8, 0x54, 0xf6,
	0x70, 0x50, 0x75, 0x6d, 0xed, 0x16, 0x5b, 0xac,
	0x63, 0xc4, 0x86, 0x8b, 0x70, 0x96, 0xd8, 0x84,
	0x21, 0xb5, 0x63, 0xb8, 0xc9, 0x4c, 0x9a, 0x31,
};
const srtp_cipher_test_case_t zsrtp_prim_kat_icm_256 = {
	SRTP_AES_ICM_256_KEY_LEN_WSALT, zsrtp_kat_256_key, zsrtp_kat_iv_0,
	48, zsrtp_kat_zero, 48, zsrtp_kat_256_ks0, 0, NULL, 0, NULL,
};

/* RFC 2202 §3 test cases 1-3; 1 whole, 2 and 3 cut to SRTP's tags. */
static const uint8_t zsrtp_kat_h1_key[20] = {
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};
static const uint8_t zsrtp_kat_h1_tag[20] = {
	0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
	0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00,
};
static const uint8_t zsrtp_kat_h2_tag[4] = { 0xef, 0xfc, 0xdf, 0x6a };
static const uint8_t zsrtp_kat_h3_key[20] = {
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
};
static const uint8_t zsrtp_kat_h3_data[50] = {
	0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd,
	0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd,
	0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd,
	0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd,
	0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd,
};
static const uint8_t zsrtp_kat_h3_tag[10] = {
	0x12, 0x5d, 0x73, 0x42, 0xb9, 0xac, 0x11, 0xcd, 0x91, 0xa3,
};
static const srtp_auth_test_case_t zsrtp_kat_h3 = {
	20, zsrtp_kat_h3_key, 50, zsrtp_kat_h3_data, 10, zsrtp_kat_h3_tag,
	NULL,
};
static const srtp_auth_test_case_t zsrtp_kat_h2 = {
	4, (const uint8_t *)"Jefe", 28,
	(const uint8_t *)"what do ya want for nothing?", 4, zsrtp_kat_h2_tag,
	&zsrtp_kat_h3,
};
const srtp_auth_test_case_t zsrtp_prim_kat_hmac = {
	20, zsrtp_kat_h1_key, 8, (const uint8_t *)"Hi There", 20,
	zsrtp_kat_h1_tag, &zsrtp_kat_h2,
};

const srtp_cipher_type_t zsrtp_prim_icm_128 = {
	zsrtp_icm_alloc, zsrtp_icm_dealloc, zsrtp_icm_init, NULL,
	zsrtp_icm_encrypt, zsrtp_icm_encrypt, zsrtp_icm_set_iv, NULL,
	"AES-128 counter mode on nettle",
	&zsrtp_prim_kat_icm_128, SRTP_AES_ICM_128,
};
const srtp_cipher_type_t zsrtp_prim_icm_192 = {
	zsrtp_icm_alloc, zsrtp_icm_dealloc, zsrtp_icm_init, NULL,
	zsrtp_icm_encrypt, zsrtp_icm_encrypt, zsrtp_icm_set_iv, NULL,
	"AES-192 counter mode on nettle",
	&zsrtp_prim_kat_icm_192, SRTP_AES_ICM_192,
};
const srtp_cipher_type_t zsrtp_prim_icm_256 = {
	zsrtp_icm_alloc, zsrtp_icm_dealloc, zsrtp_icm_init, NULL,
	zsrtp_icm_encrypt, zsrtp_icm_encrypt, zsrtp_icm_set_iv, NULL,
	"AES-256 counter mode on nettle",
	&zsrtp_prim_kat_icm_256, SRTP_AES_ICM_256,
};
const srtp_auth_type_t zsrtp_prim_hmac = {
	zsrtp_hmac_alloc, zsrtp_hmac_dealloc, zsrtp_hmac_init,
	zsrtp_hmac_compute, zsrtp_hmac_update, zsrtp_hmac_start,
	"HMAC-SHA1 on nettle", &zsrtp_prim_kat_hmac, SRTP_HMAC_SHA1,
};

/*
 * Every id libsrtp2 reaches for AES-CM: the profiles' ciphers, and its
 * KDF, which takes AES_ICM_128 for 30-byte and AES_ICM_256 for 38- and
 * 46-byte master keys (libsrtp2 2.5.0 derives AES-192's keys with
 * AES-256, cisco/libsrtp#763; unchanged here, it is the protocol's side).
 */
int
zsrtp_prim_register(void)
{
	if (srtp_replace_cipher_type(&zsrtp_prim_icm_128, SRTP_AES_ICM_128) !=
	    srtp_err_status_ok ||
	    srtp_replace_cipher_type(&zsrtp_prim_icm_192, SRTP_AES_ICM_192) !=
	    srtp_err_status_ok ||
	    srtp_replace_cipher_type(&zsrtp_prim_icm_256, SRTP_AES_ICM_256) !=
	    srtp_err_status_ok ||
	    srtp_replace_auth_type(&zsrtp_prim_hmac, SRTP_HMAC_SHA1) !=
	    srtp_err_status_ok)
		return ZE_CRYPTO;
	return 0;
}
