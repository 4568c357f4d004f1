/*
 * The locked arena (arena.h): a mapping of fixed-size slots, one free stack
 * per size class, so that allocating and freeing never walk other slots
 * (libgcrypt's secure pool walks every block, docs/performance.md). The
 * bookkeeping is ordinary memory apart from the slots; one mutex guards it.
 */
#include <sys/mman.h>
#include <sys/random.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "zcrypto.h"

#define ZARENA_CANARY	8	/* bytes checked just past each length */
#define ZARENA_FREE	0	/* slot_len of a free slot */
#define ZARENA_DEAD	UINT32_MAX	/* overflowed: never handed out again */

struct zarena_pool {
	size_t		 size;		/* largest length it takes */
	size_t		 stride;	/* bytes per slot */
	size_t		 count;
	uint8_t		*base;		/* first slot */
	uint32_t	*stack;		/* free slot indices */
	size_t		 top;		/* free slots on the stack */
	uint32_t	*len;		/* per slot: its length, or FREE/DEAD */
};

struct zarena {
	pthread_mutex_t		 mu;
	uint8_t			*map;		/* guard page included */
	size_t			 map_len;
	uint8_t			*slots;
	size_t			 slots_len;
	int			 rw;		/* slots mapped writable */
	size_t			 n;
	struct zarena_pool	 pool[ZARENA_CLASS_MAX];	/* by size */
	uint8_t			 canary[ZARENA_CANARY];
	size_t			 used, slots_used;
};

size_t
zarena_slot_bytes(size_t size)
{
	if (size == 0 || size > UINT32_MAX - 2 * ZARENA_ALIGN)
		return 0;
	return (size + ZARENA_CANARY + ZARENA_ALIGN - 1) / ZARENA_ALIGN *
	    ZARENA_ALIGN;
}

static size_t
zarena_page(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (size_t)p : 4096;
}

/* Bytes of the slots, page-rounded; 0 when a class is invalid. */
static size_t
zarena_slots_len(const struct zarena_class *c, size_t n)
{
	size_t i, total = 0, stride, page = zarena_page();

	if (c == NULL || n == 0 || n > ZARENA_CLASS_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if ((stride = zarena_slot_bytes(c[i].size)) == 0 ||
		    c[i].count == 0 || c[i].count > UINT32_MAX ||
		    c[i].count > (SIZE_MAX / 4 - total) / stride)
			return 0;
		total += c[i].count * stride;
	}
	return (total + page - 1) / page * page;
}

size_t
zarena_map_bytes(const struct zarena_class *c, size_t n)
{
	return zarena_slots_len(c, n);
}

static int
zarena_cmp(const void *x, const void *y)
{
	const struct zarena_class *a = x, *b = y;

	return (a->size > b->size) - (a->size < b->size);
}

/* The mapping: a guard page each side, the slots locked, not dumped. */
static int
zarena_map(struct zarena *a)
{
	size_t page = zarena_page();

	a->map_len = a->slots_len + 2 * page;
	a->map = mmap(NULL, a->map_len, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->map == MAP_FAILED) {
		a->map = NULL;
		return ZE_NOMEM;
	}
	a->slots = a->map + page;
	if (mprotect(a->slots, a->slots_len, PROT_READ | PROT_WRITE) != 0)
		return ZE_NOMEM;
	a->rw = 1;
	if (mlock(a->slots, a->slots_len) != 0)
		return errno == ENOMEM || errno == EPERM ? ZE_MEMLOCK :
		    ZE_NOMEM;
	(void)madvise(a->slots, a->slots_len, MADV_DONTDUMP);
	return 0;
}

int
zarena_new(const struct zarena_class *c, size_t n, struct zarena **out)
{
	struct zarena_class s[ZARENA_CLASS_MAX];
	struct zarena *a;
	size_t i, j, off = 0;
	int r;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return ZE_NOMEM;
	if ((a->slots_len = zarena_slots_len(c, n)) == 0) {
		free(a);
		return ZE_INVAL;
	}
	memcpy(s, c, n * sizeof(*s));
	qsort(s, n, sizeof(*s), zarena_cmp);
	a->n = n;
	if ((r = pthread_mutex_init(&a->mu, NULL)) != 0) {
		free(a);
		return ZE_NOMEM;
	}
	if ((r = zarena_map(a)) != 0)
		goto fail;
	r = ZE_NOMEM;
	for (i = 0; i < n; i++) {
		struct zarena_pool *p = &a->pool[i];

		p->size = s[i].size;
		p->stride = zarena_slot_bytes(s[i].size);
		p->count = s[i].count;
		p->base = a->slots + off;
		off += p->count * p->stride;
		if ((p->stack = calloc(p->count, sizeof(*p->stack))) == NULL ||
		    (p->len = calloc(p->count, sizeof(*p->len))) == NULL)
			goto fail;
		/* Lowest slots first: a light load touches few pages. */
		for (j = 0; j < p->count; j++)
			p->stack[j] = (uint32_t)(p->count - 1 - j);
		p->top = p->count;
	}
	if (getrandom(a->canary, sizeof(a->canary), 0) !=
	    (ssize_t)sizeof(a->canary)) {
		r = ZE_CRYPTO;
		goto fail;
	}
	*out = a;
	return 0;
 fail:
	zarena_destroy(a);
	return r;
}

void
zarena_destroy(struct zarena *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++) {
		free(a->pool[i].stack);
		free(a->pool[i].len);
	}
	if (a->rw) {
		zwipe(a->slots, a->slots_len);
		munlock(a->slots, a->slots_len);
	}
	if (a->map != NULL)
		munmap(a->map, a->map_len);
	pthread_mutex_destroy(&a->mu);
	zwipe(a, sizeof(*a));
	free(a);
}

void *
zarena_alloc(struct zarena *a, size_t len)
{
	struct zarena_pool *p;
	uint8_t *slot = NULL;
	uint32_t k;
	size_t i;

	if (a == NULL)
		return NULL;
	if (len == 0)
		len = 1;
	pthread_mutex_lock(&a->mu);
	for (i = 0; i < a->n; i++) {
		p = &a->pool[i];
		if (p->size < len || p->top == 0)
			continue;
		k = p->stack[--p->top];
		p->len[k] = (uint32_t)len;
		slot = p->base + (size_t)k * p->stride;
		memcpy(slot + len, a->canary, ZARENA_CANARY);
		a->used += p->stride;
		a->slots_used++;
		break;
	}
	pthread_mutex_unlock(&a->mu);
	return slot;
}

/* The pool and slot index of p, or NULL when p is no slot's start. */
static struct zarena_pool *
zarena_find(const struct zarena *a, const void *ptr, uint32_t *k)
{
	const uint8_t *q = ptr;
	size_t i, off;

	for (i = 0; i < a->n; i++) {
		const struct zarena_pool *p = &a->pool[i];

		if (q < p->base || q >= p->base + p->count * p->stride)
			continue;
		off = (size_t)(q - p->base);
		if (off % p->stride != 0)
			return NULL;
		*k = (uint32_t)(off / p->stride);
		return (struct zarena_pool *)p;
	}
	return NULL;
}

int
zarena_free(struct zarena *a, void *ptr)
{
	struct zarena_pool *p;
	uint8_t *slot = ptr;
	uint32_t k, len;
	int r = 0;

	if (a == NULL || ptr == NULL)
		return ZE_INVAL;
	pthread_mutex_lock(&a->mu);
	if ((p = zarena_find(a, ptr, &k)) == NULL ||
	    (len = p->len[k]) == ZARENA_FREE || len == ZARENA_DEAD) {
		pthread_mutex_unlock(&a->mu);
		return ZE_INVAL;
	}
	/* The canary is public to this purpose (no peer can time it): memcmp. */
	if (memcmp(slot + len, a->canary, ZARENA_CANARY) != 0)
		r = ZE_INTERNAL;
	zwipe(slot, p->stride);
	a->used -= p->stride;
	a->slots_used--;
	if (r == 0) {
		p->len[k] = ZARENA_FREE;
		p->stack[p->top++] = k;
	} else
		p->len[k] = ZARENA_DEAD;
	pthread_mutex_unlock(&a->mu);
	return r;
}

int
zarena_owns(const struct zarena *a, const void *p)
{
	const uint8_t *q = p;

	return a != NULL && q >= a->slots && q < a->slots + a->slots_len;
}

void
zarena_stats(struct zarena *a, struct zarena_stats *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	st->used = a->used;
	st->slots_used = a->slots_used;
	for (i = 0; i < a->n; i++)
		st->bytes += a->pool[i].count * a->pool[i].stride;
	pthread_mutex_unlock(&a->mu);
}
