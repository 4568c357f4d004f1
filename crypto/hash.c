/*
 * Hashes, HMACs and the ZRTP KDF (RFC 6189 §4.5.1) on libgcrypt's md API.
 * Callers pass bytes and get bytes; no message layout is known here.
 */
#include <pthread.h>
#include <string.h>

#include <gcrypt.h>

#include "hash.h"
#include "zcrypto.h"

static const int zhash_gcry[ZHASH_COUNT] = {
	[ZHASH_S256] = GCRY_MD_SHA256,
	[ZHASH_S384] = GCRY_MD_SHA384,
	[ZHASH_N256] = GCRY_MD_SHA3_256,
	[ZHASH_N384] = GCRY_MD_SHA3_384,
};

static const size_t zhash_size[ZHASH_COUNT] = {
	[ZHASH_S256] = 32,
	[ZHASH_S384] = 48,
	[ZHASH_N256] = 32,
	[ZHASH_N384] = 48,
};

size_t
zhash_len(enum zhash_alg alg)
{
	if ((unsigned)alg >= ZHASH_COUNT)
		return 0;
	return zhash_size[alg];
}

/*
 * One libgcrypt handle per hash and kind (plain, HMAC) per thread, opened
 * once: opening costs more than hashing a ZRTP message. After each use the
 * handle is reset, and an HMAC handle is rekeyed with an empty key, so no
 * key-derived state outlives the call. Closed when the thread exits.
 */
static _Thread_local gcry_md_hd_t zmd_cache[2][ZHASH_COUNT];

/* Closed when the thread exits, as cipher.c's. */
static pthread_key_t zmd_key;
static pthread_once_t zmd_once = PTHREAD_ONCE_INIT;
static int zmd_key_err;

static void
zmd_thread_exit(void *arg)
{
	gcry_md_hd_t (*cache)[ZHASH_COUNT] = arg;
	int k, i;

	for (k = 0; k < 2; k++)
		for (i = 0; i < ZHASH_COUNT; i++) {
			gcry_md_close(cache[k][i]);
			cache[k][i] = NULL;
		}
}

static void
zmd_key_init(void)
{
	zmd_key_err = pthread_key_create(&zmd_key, zmd_thread_exit);
}

static int
zmd_handle(enum zhash_alg alg, int hmac, gcry_md_hd_t *h)
{
	gcry_md_hd_t *slot = &zmd_cache[hmac][alg];

	if (*slot == NULL) {
		if (pthread_once(&zmd_once, zmd_key_init) != 0 ||
		    zmd_key_err != 0 ||
		    pthread_setspecific(zmd_key, zmd_cache) != 0)
			return ZE_CRYPTO;
		if (gcry_md_open(slot, zhash_gcry[alg], hmac ?
		    GCRY_MD_FLAG_HMAC | GCRY_MD_FLAG_SECURE : 0) != 0) {
			*slot = NULL;
			return ZE_CRYPTO;
		}
	}
	*h = *slot;
	return 0;
}

/* One md run over iov, keyed (HMAC) when key != NULL. */
static int
zmd_run(enum zhash_alg alg, const uint8_t *key, size_t key_len,
    const struct ziov *iov, size_t n, uint8_t *out)
{
	static const uint8_t empty;
	gcry_md_hd_t h;
	size_t i;
	int r = 0;

	if ((unsigned)alg >= ZHASH_COUNT)
		return ZE_UNSUPPORTED;
	if (zmd_handle(alg, key != NULL, &h) != 0)
		return ZE_CRYPTO;
	gcry_md_reset(h);
	if (key != NULL && gcry_md_setkey(h, key, key_len) != 0)
		r = ZE_CRYPTO;
	if (r == 0) {
		for (i = 0; i < n; i++)
			gcry_md_write(h, iov[i].p, iov[i].len);
		memcpy(out, gcry_md_read(h, 0), zhash_size[alg]);
	}
	gcry_md_reset(h);
	if (key != NULL)
		gcry_md_setkey(h, &empty, 0);
	return r;
}

int
zhash(enum zhash_alg alg, const void *p, size_t len, uint8_t *out)
{
	struct ziov v = { p, len };

	return zmd_run(alg, NULL, 0, &v, 1, out);
}

int
zhash_iov(enum zhash_alg alg, const struct ziov *iov, size_t n, uint8_t *out)
{
	return zmd_run(alg, NULL, 0, iov, n, out);
}

int
zhmac(enum zhash_alg alg, const uint8_t *key, size_t key_len, const void *p,
    size_t len, uint8_t *out)
{
	struct ziov v = { p, len };

	if (key == NULL)
		return ZE_INVAL;
	return zmd_run(alg, key, key_len, &v, 1, out);
}

int
zhmac_iov(enum zhash_alg alg, const uint8_t *key, size_t key_len,
    const struct ziov *iov, size_t n, uint8_t *out)
{
	if (key == NULL)
		return ZE_INVAL;
	return zmd_run(alg, key, key_len, iov, n, out);
}

/* One KDF output from a handle already keyed with KI (§4.5.1). */
static int
zkdf_one(gcry_md_hd_t h, enum zhash_alg alg, const struct zkdf_out *o,
    const uint8_t *context, size_t context_len)
{
	static const uint8_t counter[4] = { 0, 0, 0, 1 }, zero = 0;
	uint8_t l_bits[4];
	uint32_t bits;

	if (o->out_len == 0 || o->out_len > zhash_size[alg] ||
	    o->label == NULL || o->out == NULL)
		return ZE_INVAL;
	bits = (uint32_t)o->out_len * 8;
	l_bits[0] = bits >> 24;
	l_bits[1] = bits >> 16;
	l_bits[2] = bits >> 8;
	l_bits[3] = bits;
	/* An HMAC handle's reset keeps its key: the inner state is reused. */
	gcry_md_reset(h);
	gcry_md_write(h, counter, sizeof(counter));
	gcry_md_write(h, o->label, strlen(o->label));
	gcry_md_write(h, &zero, 1);
	gcry_md_write(h, context, context_len);
	gcry_md_write(h, l_bits, sizeof(l_bits));
	memcpy(o->out, gcry_md_read(h, 0), o->out_len);
	return 0;
}

int
zkdf_many(enum zhash_alg alg, const uint8_t *ki, size_t ki_len,
    const uint8_t *context, size_t context_len, const struct zkdf_out *outs,
    size_t n)
{
	static const uint8_t empty;
	gcry_md_hd_t h;
	size_t i;
	int r = 0;

	if ((unsigned)alg >= ZHASH_COUNT)
		return ZE_UNSUPPORTED;
	if (ki == NULL || outs == NULL || (context == NULL && context_len > 0))
		return ZE_INVAL;
	if (zmd_handle(alg, 1, &h) != 0)
		return ZE_CRYPTO;
	gcry_md_reset(h);
	if (gcry_md_setkey(h, ki, ki_len) != 0)
		r = ZE_CRYPTO;
	for (i = 0; r == 0 && i < n; i++)
		r = zkdf_one(h, alg, &outs[i], context, context_len);
	gcry_md_reset(h);
	gcry_md_setkey(h, &empty, 0);
	if (r != 0)
		for (i = 0; i < n; i++)
			if (outs[i].out != NULL && outs[i].out_len <=
			    ZHASH_MAX_LEN)
				zwipe(outs[i].out, outs[i].out_len);
	return r;
}

int
zkdf(enum zhash_alg alg, const uint8_t *ki, size_t ki_len, const char *label,
    const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
	struct zkdf_out o = { label, out, out_len };

	if ((unsigned)alg >= ZHASH_COUNT || out_len == 0 ||
	    out_len > zhash_size[alg] || label == NULL)
		return ZE_INVAL;
	return zkdf_many(alg, ki, ki_len, context, context_len, &o, 1);
}
