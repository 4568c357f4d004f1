/*
 * zrtpd's locked arena for long-lived secrets: one mapping, locked, out of
 * core dumps, between two guard pages, cut into fixed-size slots of a few
 * size classes. Must not grow, walk, or hand out a slot that was not wiped.
 */
#ifndef ZRTPD_ARENA_H
#define ZRTPD_ARENA_H

#include <stddef.h>

/* Slots of up to size bytes, count of them. */
struct zarena_class {
	size_t	size;
	size_t	count;
};

#define ZARENA_CLASS_MAX	8
#define ZARENA_ALIGN		16	/* every slot; >= alignof(max_align_t) */

struct zarena_stats {
	size_t	used;		/* bytes of the slots in use */
	size_t	slots_used;
	size_t	bytes;		/* bytes of all slots */
};

struct zarena;

/*
 * An arena of the classes (in any order, at most ZARENA_CLASS_MAX, sizes
 * and counts non-zero). ZE_MEMLOCK when it cannot be locked, ZE_NOMEM or
 * ZE_INVAL otherwise; *out is set only on success.
 */
int	zarena_new(const struct zarena_class *c, size_t n, struct zarena **out);
/* Unmaps it, wiped. Every slot must be free; accepts NULL. */
void	zarena_destroy(struct zarena *a);
/* The bytes zarena_new() maps and locks for these classes; 0 if invalid. */
size_t	zarena_map_bytes(const struct zarena_class *c, size_t n);
/* Bytes one slot of this size takes in the mapping (header-free). */
size_t	zarena_slot_bytes(size_t size);

/*
 * A zeroed slot of the smallest class that fits len and has one free, in
 * O(classes); NULL when none does (the arena never grows). Thread-safe.
 */
void	*zarena_alloc(struct zarena *a, size_t len);
/*
 * Wipes the whole slot and gives it back, in O(classes). ZE_INVAL for a
 * pointer that is not a slot in use (a double free, a foreign or interior
 * pointer), ZE_INTERNAL when the bytes just past the length it was
 * allocated with were changed (an overflow); the slot is then wiped and
 * kept out of use. Thread-safe.
 */
int	zarena_free(struct zarena *a, void *p);
/* 1 when p is in a's slots. */
int	zarena_owns(const struct zarena *a, const void *p);
void	zarena_stats(struct zarena *a, struct zarena_stats *st);

#endif
