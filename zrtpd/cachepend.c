/*
 * Stores for a peer whose exchanges overlap: counts the exchanges with
 * each peer between their cache read and their store, keeps the best
 * store meanwhile (zs_cache_record_cmp) and hands it out when the last
 * one ends; a first contact's store goes out at once and its row stays
 * tentative for a window, replaced by a better-ranked first-contact store.
 * The kept record (secrets) is in a small slot of the locked arena while
 * exchanges with the peer are in flight, one per session at most
 * (zs_init() counts it); what outlives them is public. Never touches the
 * disk.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cachepend.h"
#include "zcrypto.h"

#define ZD_PEND_BUCKETS	1024
#define ZD_RANK_LEN	sizeof(((struct zs_cache_record *)0)->rank)

struct zd_pend_peer {
	struct zd_pend_peer	*next;
	TAILQ_ENTRY(zd_pend_peer) tq;	/* in zd_pend.tent, by since */
	uint8_t			 zid[ZRTP_ZID_LEN];
	int			 inflight;
	int			 have, dirty;	/* a kept; not written yet */
	int			 first;	/* a first contact's store went out */
	int			 tent;	/* the row is tentative */
	uint64_t		 since;	/* the first store, now_ms */
	uint32_t		 gen;	/* bumped when the row is replaced */
	uint8_t			 rank[ZD_RANK_LEN];	/* the row's, public */
	enum zs_action_type	 type;	/* of the kept write */
	struct zs_cache_record	*rec;	/* locked: the kept store */
};

struct zd_pend {
	struct zd_pend_peer	*b[ZD_PEND_BUCKETS];
	TAILQ_HEAD(, zd_pend_peer) tent;	/* oldest first */
	uint32_t		 window;
};

struct zd_pend *
zd_pend_new(uint32_t window_ms)
{
	struct zd_pend *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	TAILQ_INIT(&t->tent);
	t->window = window_ms;
	return t;
}

static void
zd_pend_peer_free(struct zd_pend_peer *p)
{
	zsecure_free(p->rec, sizeof(*p->rec));	/* wipes; accepts NULL */
	free(p);
}

void
zd_pend_free(struct zd_pend *t)
{
	struct zd_pend_peer *p, *next;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < ZD_PEND_BUCKETS; i++)
		for (p = t->b[i]; p != NULL; p = next) {
			next = p->next;
			zd_pend_peer_free(p);
		}
	free(t);
}

/* ZIDs are random (§4.9): their first bytes spread well. */
static struct zd_pend_peer **
zd_pend_slot(struct zd_pend *t, const uint8_t *zid)
{
	struct zd_pend_peer **pp;
	size_t h = ((size_t)zid[0] << 8 | zid[1]) % ZD_PEND_BUCKETS;

	for (pp = &t->b[h]; *pp != NULL; pp = &(*pp)->next)
		if (memcmp((*pp)->zid, zid, ZRTP_ZID_LEN) == 0)	/* public */
			break;
	return pp;
}

static void
zd_pend_untent(struct zd_pend *t, struct zd_pend_peer *p)
{
	if (!p->tent)
		return;
	TAILQ_REMOVE(&t->tent, p, tq);
	p->tent = 0;
}

/* Gone when nothing is in flight, kept or tentative. */
static void
zd_pend_maybe_free(struct zd_pend *t, struct zd_pend_peer *p)
{
	struct zd_pend_peer **pp;

	if (p->inflight > 0 || p->dirty)
		return;
	p->have = 0;
	zsecure_free(p->rec, sizeof(*p->rec));
	p->rec = NULL;
	if (p->tent)
		return;
	pp = zd_pend_slot(t, p->zid);
	*pp = p->next;
	free(p);
}

/* Rows past the window are ordinary again. */
static void
zd_pend_sweep(struct zd_pend *t, uint64_t now)
{
	struct zd_pend_peer *p;

	while ((p = TAILQ_FIRST(&t->tent)) != NULL &&
	    now - p->since >= t->window) {
		zd_pend_untent(t, p);
		zd_pend_maybe_free(t, p);
	}
}

struct zd_pend_peer *
zd_pend_begin(struct zd_pend *t, const uint8_t zid[ZRTP_ZID_LEN])
{
	struct zd_pend_peer **pp, *p;

	if ((p = *(pp = zd_pend_slot(t, zid))) == NULL) {
		if ((p = calloc(1, sizeof(*p))) == NULL)
			return NULL;
		memcpy(p->zid, zid, ZRTP_ZID_LEN);
		*pp = p;
	}
	if (p->rec == NULL &&
	    (p->rec = zsecure_alloc(sizeof(*p->rec))) == NULL) {
		zd_pend_maybe_free(t, p);
		return NULL;
	}
	p->inflight++;
	return p;
}

void
zd_pend_read(struct zd_pend *t, struct zd_pend_peer *p, uint64_t now_ms,
    uint32_t *gen, int *tentative)
{
	zd_pend_sweep(t, now_ms);
	*gen = p->gen;
	*tentative = p->tent;
}

static const uint8_t *
zd_pend_zid(const struct zs_action *a)
{
	return a->type == ZSA_CACHE_STORE ? a->u.store.zid : a->u.zid;
}

static void
zd_pend_keep(struct zd_pend_peer *p, const struct zs_action *a)
{
	p->type = a->type;
	if (a->type == ZSA_CACHE_STORE)
		*p->rec = a->u.store;
	p->have = p->dirty = 1;
}

static int
zd_pend_outranks(const struct zs_cache_record *a, const uint8_t *rank)
{
	struct zs_cache_record r;	/* the rank alone: public bytes */

	memset(&r, 0, sizeof(r));
	memcpy(r.rank, rank, ZD_RANK_LEN);
	return zs_cache_record_cmp(a, &r) > 0;
}

/*
 * A first contact's store. The first goes out at once and its row is
 * tentative; while it is, a store that ranks higher replaces it, so both
 * ends keep the best of the first contacts they both finished, whatever
 * order they finished them in (docs/engine.md, "First contacts that
 * overlap"). What waited for the replaced row (stores that matched it)
 * goes with it.
 */
static void
zd_pend_fresh(struct zd_pend *t, struct zd_pend_peer *p,
    const struct zs_action *a, uint64_t now)
{
	if (!p->first) {
		p->first = p->tent = 1;
		p->since = now;
		TAILQ_INSERT_TAIL(&t->tent, p, tq);
	} else if (!p->tent || !zd_pend_outranks(&a->u.store, p->rank))
		return;
	memcpy(p->rank, a->u.store.rank, ZD_RANK_LEN);
	p->gen++;
	zd_pend_keep(p, a);
}

/* Keep the better of what waits and a: any store over an expiry. */
static void
zd_pend_merge(struct zd_pend *t, struct zd_pend_peer *p, uint32_t gen,
    const struct zs_action *a, uint64_t now)
{
	if (a == NULL)
		return;
	if (a->type == ZSA_CACHE_STORE && a->u.store.fresh) {
		zd_pend_fresh(t, p, a, now);
		return;
	}
	/* The user verified it: no first-contact store replaces it. */
	if (a->type == ZSA_CACHE_STORE && a->u.store.verified)
		zd_pend_untent(t, p);
	/* It read a row replaced since: nothing left to rotate. */
	else if (gen != p->gen)
		return;
	if (!p->have || (a->type == ZSA_CACHE_STORE &&
	    (p->type != ZSA_CACHE_STORE ||
	    zs_cache_record_cmp(&a->u.store, p->rec) > 0)))
		zd_pend_keep(p, a);
}

/*
 * What to write now. When the last exchange is out: the kept store, if
 * not written yet. Before that, a first contact's store that became the
 * row, at once: there is no earlier secret to fall back on, a call
 * reports secure only with a secret of its peer on disk, and the calls
 * that read after it (in the cache thread's order) match it or are
 * first contacts too. The row stays tentative to the end of the window
 * whatever is written: the other side may still replace its secret.
 */
static int
zd_pend_out(struct zd_pend *t, struct zd_pend_peer *p, int stored,
    struct zs_action *out)
{
	int fresh = p->have && p->type == ZSA_CACHE_STORE && p->rec->fresh;
	/* A later first-contact store waits for that one to be durable. */
	int write = p->have && (p->dirty || (fresh && stored));

	if (p->inflight > 0 && !fresh)
		return 0;
	if (write) {
		memset(out, 0, sizeof(*out));
		out->type = p->type;
		if (p->type == ZSA_CACHE_STORE)
			out->u.store = *p->rec;
		else
			memcpy(out->u.zid, p->zid, ZRTP_ZID_LEN);
		/*
		 * Written again: a verdict given since on the row (V flag)
		 * stays, as after a match.
		 */
		if (!p->dirty && p->type == ZSA_CACHE_STORE)
			out->u.store.matched = 1;
	}
	p->dirty = 0;
	zd_pend_maybe_free(t, p);
	return write;
}

int
zd_pend_add(struct zd_pend *t, struct zd_pend_peer *p, uint32_t gen,
    const struct zs_action *a, uint64_t now_ms, struct zs_action *out)
{
	zd_pend_sweep(t, now_ms);
	zd_pend_merge(t, p, gen, a, now_ms);
	return zd_pend_out(t, p, a != NULL, out);
}

int
zd_pend_end(struct zd_pend *t, struct zd_pend_peer *p, uint32_t gen,
    const struct zs_action *a, uint64_t now_ms, struct zs_action *out)
{
	zd_pend_sweep(t, now_ms);
	if (p->inflight > 0)
		p->inflight--;
	zd_pend_merge(t, p, gen, a, now_ms);
	return zd_pend_out(t, p, a != NULL, out);
}

int
zd_pend_offer(struct zd_pend *t, const struct zs_action *a, uint64_t now_ms,
    struct zs_action *out)
{
	struct zd_pend_peer *p;

	zd_pend_sweep(t, now_ms);
	p = *zd_pend_slot(t, zd_pend_zid(a));
	if (p != NULL && p->rec == NULL &&
	    (p->rec = zsecure_alloc(sizeof(*p->rec))) == NULL)
		zd_pend_untent(t, p);	/* written as it is, below */
	if (p == NULL || p->rec == NULL) {
		*out = *a;
		return 1;
	}
	zd_pend_merge(t, p, p->gen, a, now_ms);
	return zd_pend_out(t, p, 1, out);
}

void
zd_pend_verified(struct zd_pend *t, const uint8_t zid[ZRTP_ZID_LEN])
{
	struct zd_pend_peer *p = *zd_pend_slot(t, zid);

	if (p == NULL)
		return;
	zd_pend_untent(t, p);
	zd_pend_maybe_free(t, p);
}

static void
zd_pend_gone(struct zd_pend *t, const char *prefix)
{
	struct zd_pend_peer *p, *next;
	char hex[2 * ZRTP_ZID_LEN + 1];
	size_t i, k;

	for (i = 0; i < ZD_PEND_BUCKETS; i++)
		for (p = t->b[i]; p != NULL; p = next) {
			next = p->next;
			for (k = 0; k < ZRTP_ZID_LEN; k++)
				snprintf(hex + 2 * k, 3, "%02x", p->zid[k]);
			if (prefix != NULL && strncasecmp(hex, prefix,
			    strlen(prefix)) != 0)
				continue;
			zd_pend_untent(t, p);
			p->first = 0;
			zd_pend_maybe_free(t, p);
		}
}

void
zd_pend_forget(struct zd_pend *t, const char *prefix)
{
	zd_pend_gone(t, prefix);
}

void
zd_pend_reset(struct zd_pend *t)
{
	zd_pend_gone(t, NULL);
}

int
zd_pend_inflight(struct zd_pend *t, const uint8_t zid[ZRTP_ZID_LEN])
{
	struct zd_pend_peer *p = *zd_pend_slot(t, zid);

	return p != NULL ? p->inflight : 0;
}

int
zd_pend_tentative(struct zd_pend *t, const uint8_t zid[ZRTP_ZID_LEN],
    uint64_t now_ms)
{
	struct zd_pend_peer *p;

	zd_pend_sweep(t, now_ms);
	p = *zd_pend_slot(t, zid);
	return p != NULL && p->tent;
}
