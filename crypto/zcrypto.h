/*
 * libgcrypt start-up, randomness, secret wiping, secure memory and
 * constant-time comparison: the primitives every other layer uses to
 * handle secrets. No sockets, clocks or files here.
 */
#ifndef ZRTPD_ZCRYPTO_H
#define ZRTPD_ZCRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "zerr.h"

/*
 * Initialise libgcrypt once per process: version check, a locked secure
 * memory pool of secmem_bytes (0: ZCRYPTO_SECMEM_DEFAULT) for libgcrypt's
 * and GMP's short-lived blocks, the locked arena of zsecure_alloc() with
 * the classes given (zcrypto_init: a few sessions' worth), initialisation
 * finished. ZE_MEMLOCK when the pool, the arena and OpenSSL's heap cannot
 * all be locked (RLIMIT_MEMLOCK below them, even after raising the soft
 * limit to the hard one, and no CAP_IPC_LOCK); ZE_INVAL when already
 * initialised with a smaller pool or arena. A daemon sizes both with
 * zs_init() (proto/engine.h).
 */
#define ZCRYPTO_SECMEM_DEFAULT	(64 * 1024)
/*
 * OpenSSL's secure heap (key-agreement scalars and their temporaries,
 * docs/performance.md), locked beside libgcrypt's pool by zcrypto_init().
 * A power of two; under 2 KiB per key agreement in progress.
 */
#define ZCRYPTO_OSSL_HEAP	(256 * 1024)
/*
 * libgcrypt secure memory one thread may hold while it computes: its
 * secure hash and cipher handles (hash.c, cipher.c), the block each HMAC
 * allocates and frees, and the GMP temporaries of one nettle P-384 key
 * agreement (kex_mem.c).
 */
#define ZCRYPTO_SECMEM_THREAD	(32 * 1024)
/* The largest default arena class: a zrand_pool, a session's secrets. */
#define ZCRYPTO_ARENA_PAGE	4160
int zcrypto_init(size_t secmem_bytes);
int zcrypto_init_arena(size_t secmem_bytes, const struct zarena_class *c,
	size_t n);
/* What zcrypto_init_arena() locks in all: pool, arena, OpenSSL's heap. */
size_t zcrypto_locked_bytes(size_t secmem_bytes, const struct zarena_class *c,
	size_t n);
/* The soft RLIMIT_MEMLOCK in bytes (SIZE_MAX: unlimited), for messages. */
size_t zcrypto_memlock_limit(void);

/* Cryptographically strong random bytes (keys, H0, nonces). */
void zrand_bytes(void *buf, size_t len);

/*
 * A pool of strong random bytes refilled ZRAND_POOL_LEN at a time: one
 * libgcrypt call instead of one per draw (an engine draws a dozen times per
 * handshake). Bytes are wiped from the pool as they are handed out. In
 * secure memory; one pool per thread.
 */
#define ZRAND_POOL_LEN	4096
struct zrand_pool;
struct zrand_pool *zrand_pool_new(void);
void	zrand_pool_take(struct zrand_pool *p, void *out, size_t len);
void	zrand_pool_free(struct zrand_pool *p);

/* The one wipe primitive: never optimised away. Accepts NULL. */
void zwipe(void *p, size_t len);

/* Constant-time equality of two equal-length buffers: 1 equal, 0 not. */
int zct_eq(const void *a, const void *b, size_t len);

/*
 * Secure (locked, not dumped) memory for long-lived secrets: a slot of the
 * arena zcrypto_init_arena() sized, zeroed; NULL when no slot fits (the
 * arena never grows). O(1), thread-safe. Not libgcrypt secure memory.
 */
void *zsecure_alloc(size_t len);
/*
 * Wipes the slot, then frees it. Accepts NULL. A double free, a pointer
 * not from zsecure_alloc() or an overflow past len aborts the process.
 */
void zsecure_free(void *p, size_t len);
/* 1 when p is in the arena. */
int zsecure_owns(const void *p);
/* Bytes of the arena's slots in use, and of all its slots. */
void zsecure_usage(size_t *used, size_t *bytes);

#endif
