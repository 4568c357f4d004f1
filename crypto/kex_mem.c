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

/*
 * OpenSSL's secure heap: a power of two. An operation holds a few KiB of
 * secure BN temporaries (the DH3k exponentiation the most), so this serves
 * some 60 concurrent key agreements; past that BN_secure_new fails and the
 * agreement reports ZE_NOMEM rather than use unlocked memory.
 */
#define KEX_OSSL_SECURE_HEAP	(256 * 1024)
#define KEX_OSSL_SECURE_MIN	32

int
kex_ossl_init(void)
{
	if (CRYPTO_secure_malloc_initialized())
		return 0;
	/* 1: locked; 2: usable but mlock failed (RLIMIT_MEMLOCK); 0: none. */
	if (CRYPTO_secure_malloc_init(KEX_OSSL_SECURE_HEAP,
	    KEX_OSSL_SECURE_MIN) == 0)
		return ZE_NOMEM;
	return 0;
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
	zsecure_free(p, len);
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
