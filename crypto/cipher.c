/*
 * AES and Twofish in CFB-128 for the encrypted part of Confirm and SASrelay
 * (RFC 6189 §5.7, §5.13) on libgcrypt's cipher API. One handle per cipher
 * per thread, opened once in secure memory (each gcry_cipher_open costs a
 * getrusage and a clock_gettime), rekeyed with zeros after every call and
 * closed when the thread exits.
 * Must not keep key schedules between calls nor authenticate: MACs are hash.c.
 */
#include <pthread.h>

#include <gcrypt.h>

#include "cipher.h"
#include "zcrypto.h"

struct zcipher_desc {
	int	algo;		/* libgcrypt cipher id */
	size_t	key_len;	/* bytes */
};

/* RFC 6189 §5.1.3 Table 3; 2FS2 is not offered. */
static const struct zcipher_desc zcipher_descs[ZCIPHER_COUNT] = {
	[ZCIPHER_AES1] = { GCRY_CIPHER_AES128, 16 },
	[ZCIPHER_AES2] = { GCRY_CIPHER_AES192, 24 },
	[ZCIPHER_AES3] = { GCRY_CIPHER_AES256, 32 },
	[ZCIPHER_2FS1] = { GCRY_CIPHER_TWOFISH128, 16 },
	[ZCIPHER_2FS3] = { GCRY_CIPHER_TWOFISH, 32 },
};

size_t
zcipher_key_len(enum zcipher_alg alg)
{
	if ((unsigned)alg >= ZCIPHER_COUNT)
		return 0;
	return zcipher_descs[alg].key_len;
}

static _Thread_local gcry_cipher_hd_t zcfb_cache[ZCIPHER_COUNT];

/*
 * A thread's handles are closed when it exits (a key's destructor, set
 * with its first handle), so that worker threads that come and go give
 * their secure memory back.
 */
static pthread_key_t zcfb_key;
static pthread_once_t zcfb_once = PTHREAD_ONCE_INIT;
static int zcfb_key_err;

static void
zcfb_thread_exit(void *arg)
{
	gcry_cipher_hd_t *cache = arg;
	int i;

	for (i = 0; i < ZCIPHER_COUNT; i++) {
		gcry_cipher_close(cache[i]);
		cache[i] = NULL;
	}
}

static void
zcfb_key_init(void)
{
	zcfb_key_err = pthread_key_create(&zcfb_key, zcfb_thread_exit);
}

static int
zcfb_handle(enum zcipher_alg alg, gcry_cipher_hd_t *h)
{
	gcry_cipher_hd_t *slot = &zcfb_cache[alg];

	if (*slot == NULL) {
		if (pthread_once(&zcfb_once, zcfb_key_init) != 0 ||
		    zcfb_key_err != 0 ||
		    pthread_setspecific(zcfb_key, zcfb_cache) != 0)
			return ZE_CRYPTO;
		if (gcry_cipher_open(slot, zcipher_descs[alg].algo,
		    GCRY_CIPHER_MODE_CFB, GCRY_CIPHER_SECURE) != 0) {
			*slot = NULL;
			return ZE_CRYPTO;
		}
	}
	*h = *slot;
	return 0;
}

static int
zcfb_run(enum zcipher_alg alg, int encrypt, const uint8_t *key,
    const uint8_t iv[ZCIPHER_IV_LEN], const uint8_t *in, uint8_t *out,
    size_t len)
{
	static const uint8_t zero[ZCIPHER_KEY_MAX];
	const struct zcipher_desc *d;
	gcry_cipher_hd_t h;
	gcry_error_t e;
	const uint8_t *src;
	size_t src_len;

	if ((unsigned)alg >= ZCIPHER_COUNT)
		return ZE_UNSUPPORTED;
	if (key == NULL || iv == NULL ||
	    (len > 0 && (in == NULL || out == NULL)))
		return ZE_INVAL;
	if (len == 0)
		return 0;
	d = &zcipher_descs[alg];
	if (zcfb_handle(alg, &h) != 0)
		return ZE_CRYPTO;
	/* libgcrypt works in place when given no separate input. */
	src = in == out ? NULL : in;
	src_len = in == out ? 0 : len;
	if ((e = gcry_cipher_setkey(h, key, d->key_len)) == 0 &&
	    (e = gcry_cipher_setiv(h, iv, ZCIPHER_IV_LEN)) == 0)
		e = encrypt ? gcry_cipher_encrypt(h, out, len, src, src_len) :
		    gcry_cipher_decrypt(h, out, len, src, src_len);
	/* No key schedule, IV or keystream of this call outlives it. */
	gcry_cipher_setkey(h, zero, d->key_len);
	gcry_cipher_reset(h);
	if (e != 0) {
		zwipe(out, len);
		return ZE_CRYPTO;
	}
	return 0;
}

int
zcfb_encrypt(enum zcipher_alg alg, const uint8_t *key,
    const uint8_t iv[ZCIPHER_IV_LEN], const uint8_t *in, uint8_t *out,
    size_t len)
{
	return zcfb_run(alg, 1, key, iv, in, out, len);
}

int
zcfb_decrypt(enum zcipher_alg alg, const uint8_t *key,
    const uint8_t iv[ZCIPHER_IV_LEN], const uint8_t *in, uint8_t *out,
    size_t len)
{
	return zcfb_run(alg, 0, key, iv, in, out, len);
}
