/*
 * libgcrypt initialisation, randomness, wiping, secure memory and
 * constant-time comparison. Every secret in zrtpd is wiped by zwipe().
 */
#include <string.h>

#include <gcrypt.h>

#include "zcrypto.h"

#define ZCRYPTO_GCRYPT_MIN	"1.10.0"
#define ZCRYPTO_SECMEM_DEFAULT	(64 * 1024)
#define ZCRYPTO_SECMEM_CHUNK	(1024 * 1024)

int
zcrypto_init(size_t secmem_bytes)
{
	if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P))
		return 0;
	if (gcry_check_version(ZCRYPTO_GCRYPT_MIN) == NULL)
		return ZE_CRYPTO;
	/* Secure memory may be unavailable without mlock rights: warn only. */
	gcry_control(GCRYCTL_SUSPEND_SECMEM_WARN);
	if (gcry_control(GCRYCTL_INIT_SECMEM,
	    secmem_bytes ? secmem_bytes : ZCRYPTO_SECMEM_DEFAULT, 0) != 0)
		return ZE_CRYPTO;
	gcry_control(GCRYCTL_RESUME_SECMEM_WARN);
	/* Sessions live in secure memory: let the pool grow with them. */
	gcry_control(GCRYCTL_AUTO_EXPAND_SECMEM, ZCRYPTO_SECMEM_CHUNK);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	return 0;
}

void
zrand_bytes(void *buf, size_t len)
{
	gcry_randomize(buf, len, GCRY_STRONG_RANDOM);
}

struct zrand_pool {
	uint8_t	buf[ZRAND_POOL_LEN];
	size_t	off;		/* bytes already handed out */
};

struct zrand_pool *
zrand_pool_new(void)
{
	struct zrand_pool *p;

	if ((p = zsecure_alloc(sizeof(*p))) != NULL)
		p->off = sizeof(p->buf);	/* empty: filled on first take */
	return p;
}

void
zrand_pool_take(struct zrand_pool *p, void *out, size_t len)
{
	uint8_t *o = out;
	size_t n;

	while (len > 0) {
		if (p->off == sizeof(p->buf)) {
			gcry_randomize(p->buf, sizeof(p->buf),
			    GCRY_STRONG_RANDOM);
			p->off = 0;
		}
		n = sizeof(p->buf) - p->off;
		if (n > len)
			n = len;
		memcpy(o, p->buf + p->off, n);
		zwipe(p->buf + p->off, n);
		p->off += n;
		o += n;
		len -= n;
	}
}

void
zrand_pool_free(struct zrand_pool *p)
{
	zsecure_free(p, sizeof(*p));
}

void
zwipe(void *p, size_t len)
{
	if (p != NULL)
		explicit_bzero(p, len);
}

int
zct_eq(const void *a, const void *b, size_t len)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;
	size_t i;

	for (i = 0; i < len; i++)
		d |= x[i] ^ y[i];
	return (int)(1 & (((unsigned int)d - 1) >> 8));
}

void *
zsecure_alloc(size_t len)
{
	return gcry_malloc_secure(len);
}

void
zsecure_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	zwipe(p, len);
	gcry_free(p);
}
