/*
 * libgcrypt initialisation, randomness, wiping, secure memory and
 * constant-time comparison. Every secret in zrtpd is wiped by zwipe().
 */
#include <sys/mman.h>
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>

#include "arena.h"
#include "kex_int.h"
#include "zcrypto.h"

#define ZCRYPTO_GCRYPT_MIN	"1.10.0"
#define ZCRYPTO_SECMEM_CHUNK	(1024 * 1024)

static size_t zcrypto_pool;	/* bytes of the locked pool, once set */
/* Long-lived secrets (zsecure_alloc): set once, before any thread starts. */
static struct zarena *zcrypto_arena;

/* zcrypto_init()'s arena: a few sessions' worth, for tools and tests. */
static const struct zarena_class zcrypto_arena_default[] = {
	{ 128, 64 }, { 512, 64 }, { ZCRYPTO_ARENA_PAGE, 24 },
};

/*
 * Can bytes more be locked? The soft RLIMIT_MEMLOCK is raised toward the
 * hard one if need be; a process with CAP_IPC_LOCK locks beyond either,
 * which only trying shows (a throw-away mapping, locked and released).
 */
static int
zcrypto_can_lock(size_t bytes)
{
	struct rlimit rl;
	void *p;
	int ok;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0)
		return 0;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= bytes)
		return 1;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= bytes) {
		rl.rlim_cur = bytes;
		if (setrlimit(RLIMIT_MEMLOCK, &rl) == 0)
			return 1;
	}
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	ok = mlock(p, bytes) == 0;
	if (ok)
		munlock(p, bytes);
	munmap(p, bytes);
	return ok;
}

int
zcrypto_init(size_t secmem_bytes)
{
	return zcrypto_init_arena(secmem_bytes, zcrypto_arena_default,
	    sizeof(zcrypto_arena_default) / sizeof(zcrypto_arena_default[0]));
}

size_t
zcrypto_locked_bytes(size_t secmem_bytes, const struct zarena_class *c,
    size_t n)
{
	size_t arena = zarena_map_bytes(c, n);

	if (arena == 0 || secmem_bytes > SIZE_MAX / 4)
		return 0;
	return secmem_bytes + arena + ZCRYPTO_OSSL_HEAP;
}

int
zcrypto_init_arena(size_t secmem_bytes, const struct zarena_class *c,
    size_t n)
{
	size_t want = secmem_bytes ? secmem_bytes : ZCRYPTO_SECMEM_DEFAULT;
	size_t arena = zarena_map_bytes(c, n);
	int r;

	if (arena == 0)
		return ZE_INVAL;
	if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
		struct zarena_stats st;

		zarena_stats(zcrypto_arena, &st);
		return want <= zcrypto_pool && arena <= st.bytes ? 0 :
		    ZE_INVAL;
	}
	if (gcry_check_version(ZCRYPTO_GCRYPT_MIN) == NULL)
		return ZE_CRYPTO;
	/*
	 * A pool libgcrypt could not lock would hold every secret in
	 * swappable memory behind one warning: refuse instead.
	 */
	if (!zcrypto_can_lock(zcrypto_locked_bytes(want, c, n)))
		return ZE_MEMLOCK;
	if ((r = zarena_new(c, n, &zcrypto_arena)) != 0)
		return r;
	gcry_control(GCRYCTL_SUSPEND_SECMEM_WARN);
	if (gcry_control(GCRYCTL_INIT_SECMEM, want, 0) != 0)
		return ZE_CRYPTO;
	gcry_control(GCRYCTL_RESUME_SECMEM_WARN);
	/*
	 * Only the first pool is locked; an expansion is ordinary memory and
	 * libgcrypt then warns "using insecure memory". Sessions' secrets are
	 * in the arena, not here: the pool holds only what libgcrypt and GMP
	 * allocate while a thread computes (HMAC finals, handles, GMP
	 * temporaries), so its first-fit walks stay short. Expansion stays
	 * on so that, should more threads compute at once than the pool was
	 * sized for, they fall back with that warning instead of aborting.
	 */
	gcry_control(GCRYCTL_AUTO_EXPAND_SECMEM, ZCRYPTO_SECMEM_CHUNK);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	zcrypto_pool = want;
	return kex_ossl_init();
}

size_t
zcrypto_memlock_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return SIZE_MAX;
	return rl.rlim_cur;
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
_Static_assert(sizeof(struct zrand_pool) <= ZCRYPTO_ARENA_PAGE,
    "a zrand_pool fits the default arena's largest class");

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
	return zarena_alloc(zcrypto_arena, len);
}

/*
 * The arena wipes the whole slot. A pointer it refuses is our own bug (a
 * double free, a stray pointer, an overflow): stop, as libgcrypt does on
 * a bad free of its pool, rather than run on with the heap in doubt.
 */
void
zsecure_free(void *p, size_t len)
{
	int r;

	if (p == NULL)
		return;
	zwipe(p, len);
	if ((r = zarena_free(zcrypto_arena, p)) != 0) {
		fprintf(stderr, "zsecure_free: %s of secure memory\n",
		    r == ZE_INVAL ? "invalid or double free" : "overflow");
		abort();
	}
}

int
zsecure_owns(const void *p)
{
	return zarena_owns(zcrypto_arena, p);
}

void
zsecure_usage(size_t *used, size_t *bytes)
{
	struct zarena_stats st;

	zarena_stats(zcrypto_arena, &st);
	*used = st.used;
	*bytes = st.bytes;
}
