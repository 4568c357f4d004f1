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
	return (int)(1 & ((d - 1) >> 8));
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
