/*
 * Where the public-key libraries keep secret scalars: OpenSSL's secure
 * heap (mlocked, out of core dumps, cleared on free) and GMP's allocator,
 * used by nettle's ECC, pointed at libgcrypt's secure memory and wiped on
 * every free. Both are process-wide; kex_setup() calls them once, before
 * either library allocates anything.
 */
#include <gmp.h>
#include <string.h>

#include <gcrypt.h>
#include <openssl/crypto.h>

#include "kex_int.h"
#include "zcrypto.h"

/* OpenSSL rounds smaller secure allocations up to this. */
#define KEX_OSSL_SECURE_MIN	32

/*
 * OpenSSL's secure heap (ZCRYPTO_OSSL_HEAP): an operation holds under 2 KiB
 * of secure BNs (the DH3k exponentiation the most; measured by shrinking
 * the heap until it failed), so it serves over a hundred concurrent ones;
 * past that BN_secure_new fails and the agreement reports ZE_NOMEM rather
 * than use unlocked memory. A heap that cannot be locked is refused, as
 * libgcrypt's pool is (zcrypto_init).
 */
int
kex_ossl_init(void)
{
	if (CRYPTO_secure_malloc_initialized())
		return 0;
	/* 1: locked; 2: usable but mlock failed (RLIMIT_MEMLOCK); 0: none. */
	switch (CRYPTO_secure_malloc_init(ZCRYPTO_OSSL_HEAP,
	    KEX_OSSL_SECURE_MIN)) {
	case 1:
		return 0;
	case 2:
		CRYPTO_secure_malloc_done();
		return ZE_MEMLOCK;
	default:
		return ZE_NOMEM;
	}
}

/* GMP aborts on a NULL return, as it does with its default allocator. */
static void *
kex_gmp_alloc(size_t len)
{
	return gcry_xmalloc_secure(len);
}

static void
kex_gmp_free(void *p, size_t len)
{
	zwipe(p, len);
	gcry_free(p);
}

static void *
kex_gmp_realloc(void *p, size_t old_len, size_t new_len)
{
	void *n = kex_gmp_alloc(new_len);

	memcpy(n, p, old_len < new_len ? old_len : new_len);
	kex_gmp_free(p, old_len);
	return n;
}

int
kex_gmp_init(void)
{
	void *(*a)(size_t);

	mp_get_memory_functions(&a, NULL, NULL);
	if (a != kex_gmp_alloc)
		mp_set_memory_functions(kex_gmp_alloc, kex_gmp_realloc,
		    kex_gmp_free);
	return 0;
}
