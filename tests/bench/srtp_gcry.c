/*
 * The benchmark's reference, not the daemon's: AES-ICM (RFC 3711 §4.1.1)
 * and HMAC-SHA1 (§4.2.1) for libsrtp2 on libgcrypt, as zrtpd ran them
 * before zrtpd/srtp_prim.c (docs/performance.md, "SRTP primitives"): one
 * CTR-mode cipher handle or one keyed HMAC handle per context, nothing
 * allocated per packet. Only primitives: libsrtp2 keeps
 * the packet format, replay, key derivation and key limits. No packet is
 * parsed here.
 */
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>

#include "srtp_gcry.h"
#include "srtp_prim.h"
#include "zcrypto.h"
#include "zerr.h"

#define ZSRTP_BLOCK	16
#define ZSRTP_SHA1_LEN	20

struct zsrtp_icm {
	srtp_cipher_t		c;		/* first: libsrtp2's handle */
	gcry_cipher_hd_t	h;
	uint8_t			offset[ZSRTP_BLOCK];	/* salt || 0000 */
	uint8_t			ctr[ZSRTP_BLOCK];	/* as set_iv left it */
	uint64_t		done;	/* bytes since set_iv */
	unsigned		start;	/* its block counter, at set_iv */
	int			aes_len;
};

struct zsrtp_hmac {
	srtp_auth_t	a;		/* first: libsrtp2's handle */
	gcry_md_hd_t	h;
};

/* key_len counts the 14-byte salt after the AES key, as libsrtp2 does. */
static const struct {
	int				 key_len, aes_len, algo;
	const srtp_cipher_type_t	*type;
} zsrtp_icm_sizes[] = {
	{ SRTP_AES_ICM_128_KEY_LEN_WSALT, SRTP_AES_128_KEY_LEN,
	    GCRY_CIPHER_AES128, &zbench_gcry_icm_128 },
	{ SRTP_AES_ICM_192_KEY_LEN_WSALT, SRTP_AES_192_KEY_LEN,
	    GCRY_CIPHER_AES192, &zbench_gcry_icm_192 },
	{ SRTP_AES_ICM_256_KEY_LEN_WSALT, SRTP_AES_256_KEY_LEN,
	    GCRY_CIPHER_AES256, &zbench_gcry_icm_256 },
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
	if (gcry_cipher_open(&s->h, zsrtp_icm_sizes[i].algo,
	    GCRY_CIPHER_MODE_CTR, 0) != 0) {
		free(s);
		return srtp_err_status_alloc_fail;
	}
	s->aes_len = zsrtp_icm_sizes[i].aes_len;
	s->c.type = zsrtp_icm_sizes[i].type;
	s->c.algorithm = s->c.type->id;
	s->c.key_len = key_len;
	s->c.state = s;
	*cp = &s->c;
	return srtp_err_status_ok;
}

static srtp_err_status_t
zsrtp_icm_dealloc(srtp_cipher_t *c)
{
	struct zsrtp_icm *s = (struct zsrtp_icm *)c;

	if (s == NULL)
		return srtp_err_status_ok;
	gcry_cipher_close(s->h);
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
	s->done = 0;
	s->start = 0;
	if (gcry_cipher_setkey(s->h, key, (size_t)s->aes_len) != 0 ||
	    gcry_cipher_setctr(s->h, s->ctr, sizeof(s->ctr)) != 0)
		return srtp_err_status_init_fail;
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
	s->done = 0;
	s->start = (unsigned)s->ctr[14] << 8 | s->ctr[15];
	if (gcry_cipher_setctr(s->h, s->ctr, sizeof(s->ctr)) != 0)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

/*
 * In place; encryption and decryption are one. §4.1.1's block counter is
 * the last 16 bits and wraps without carrying into the IV, where
 * libgcrypt's CTR counts all 128 bits: so at the wrap the counter is set
 * back to the IV's bits with a zero block counter. SRTP packets never
 * reach it (their counter starts at 0 and 2^16 blocks is 1 MiB); a
 * set_iv with other low bits (libsrtp2's random self-test) may. The
 * position counts from set_iv's block counter (start), not from ctr,
 * which a wrap resets: so a later call still wraps 2^16 blocks on.
 */
static srtp_err_status_t
zsrtp_icm_encrypt(void *sv, uint8_t *buf, unsigned int *len)
{
	struct zsrtp_icm *s = sv;
	size_t left = *len, room, n;
	unsigned blk, start = s->start;

	while (left > 0) {
		blk = (unsigned)((start + s->done / ZSRTP_BLOCK) & 0xffff);
		room = (size_t)(0x10000 - blk) * ZSRTP_BLOCK -
		    (size_t)(s->done % ZSRTP_BLOCK);
		n = left < room ? left : room;
		if (gcry_cipher_encrypt(s->h, buf, n, NULL, 0) != 0)
			return srtp_err_status_cipher_fail;
		buf += n;
		left -= n;
		s->done += n;
		if (n < room)
			continue;
		s->ctr[14] = s->ctr[15] = 0;
		if (gcry_cipher_setctr(s->h, s->ctr, sizeof(s->ctr)) != 0)
			return srtp_err_status_cipher_fail;
	}
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
	if (gcry_md_open(&s->h, GCRY_MD_SHA1, GCRY_MD_FLAG_HMAC) != 0) {
		free(s);
		return srtp_err_status_alloc_fail;
	}
	s->a.type = &zbench_gcry_hmac;
	s->a.state = s;
	s->a.out_len = out_len;
	s->a.key_len = key_len;
	s->a.prefix_len = 0;
	*ap = &s->a;
	return srtp_err_status_ok;
}

static srtp_err_status_t
zsrtp_hmac_dealloc(srtp_auth_t *a)
{
	struct zsrtp_hmac *s = (struct zsrtp_hmac *)a;

	if (s == NULL)
		return srtp_err_status_ok;
	gcry_md_close(s->h);
	zwipe(s, sizeof(*s));
	free(s);
	return srtp_err_status_ok;
}

/* libgcrypt keeps the keyed inner and outer states: a reset restores them. */
static srtp_err_status_t
zsrtp_hmac_init(void *sv, const uint8_t *key, int key_len)
{
	struct zsrtp_hmac *s = sv;

	if (gcry_md_setkey(s->h, key, (size_t)key_len) != 0)
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t
zsrtp_hmac_start(void *sv)
{
	struct zsrtp_hmac *s = sv;

	gcry_md_reset(s->h);
	return srtp_err_status_ok;
}

static srtp_err_status_t
zsrtp_hmac_update(void *sv, const uint8_t *buf, int len)
{
	struct zsrtp_hmac *s = sv;

	if (len < 0)
		return srtp_err_status_bad_param;
	gcry_md_write(s->h, buf, (size_t)len);
	return srtp_err_status_ok;
}

static srtp_err_status_t
zsrtp_hmac_compute(void *sv, const uint8_t *buf, int len, int tag_len,
    uint8_t *tag)
{
	struct zsrtp_hmac *s = sv;
	const unsigned char *mac;

	if (len < 0 || tag_len < 1 || tag_len > ZSRTP_SHA1_LEN)
		return srtp_err_status_bad_param;
	gcry_md_write(s->h, buf, (size_t)len);
	if ((mac = gcry_md_read(s->h, GCRY_MD_SHA1)) == NULL)
		return srtp_err_status_auth_fail;
	memcpy(tag, mac, (size_t)tag_len);
	return srtp_err_status_ok;
}

/* The known answers are the daemon's (zrtpd/srtp_prim.c). */
const srtp_cipher_type_t zbench_gcry_icm_128 = {
	zsrtp_icm_alloc, zsrtp_icm_dealloc, zsrtp_icm_init, NULL,
	zsrtp_icm_encrypt, zsrtp_icm_encrypt, zsrtp_icm_set_iv, NULL,
	"AES-128 counter mode on libgcrypt",
	&zsrtp_prim_kat_icm_128, SRTP_AES_ICM_128,
};
const srtp_cipher_type_t zbench_gcry_icm_192 = {
	zsrtp_icm_alloc, zsrtp_icm_dealloc, zsrtp_icm_init, NULL,
	zsrtp_icm_encrypt, zsrtp_icm_encrypt, zsrtp_icm_set_iv, NULL,
	"AES-192 counter mode on libgcrypt",
	&zsrtp_prim_kat_icm_192, SRTP_AES_ICM_192,
};
const srtp_cipher_type_t zbench_gcry_icm_256 = {
	zsrtp_icm_alloc, zsrtp_icm_dealloc, zsrtp_icm_init, NULL,
	zsrtp_icm_encrypt, zsrtp_icm_encrypt, zsrtp_icm_set_iv, NULL,
	"AES-256 counter mode on libgcrypt",
	&zsrtp_prim_kat_icm_256, SRTP_AES_ICM_256,
};
const srtp_auth_type_t zbench_gcry_hmac = {
	zsrtp_hmac_alloc, zsrtp_hmac_dealloc, zsrtp_hmac_init,
	zsrtp_hmac_compute, zsrtp_hmac_update, zsrtp_hmac_start,
	"HMAC-SHA1 on libgcrypt", &zsrtp_prim_kat_hmac,
	SRTP_HMAC_SHA1,
};

/*
 * Every id libsrtp2 reaches for AES-CM: the profiles' ciphers, and its
 * KDF, which takes AES_ICM_128 for 30-byte and AES_ICM_256 for 38- and
 * 46-byte master keys (libsrtp2 2.5.0 derives AES-192's keys with
 * AES-256, cisco/libsrtp#763; unchanged here, it is the protocol's side).
 */
int
zbench_gcry_register(void)
{
	if (srtp_replace_cipher_type(&zbench_gcry_icm_128, SRTP_AES_ICM_128) !=
	    srtp_err_status_ok ||
	    srtp_replace_cipher_type(&zbench_gcry_icm_192, SRTP_AES_ICM_192) !=
	    srtp_err_status_ok ||
	    srtp_replace_cipher_type(&zbench_gcry_icm_256, SRTP_AES_ICM_256) !=
	    srtp_err_status_ok ||
	    srtp_replace_auth_type(&zbench_gcry_hmac, SRTP_HMAC_SHA1) !=
	    srtp_err_status_ok)
		return ZE_CRYPTO;
	return 0;
}
