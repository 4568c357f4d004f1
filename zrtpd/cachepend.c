/*
 * Stores for a peer whose exchanges overlap: counts the exchanges with
 * each peer between their cache read and their store, keeps the best
 * store meanwhile (zs_cache_record_cmp) and hands it out when the last
 * one ends. The kept record (secrets) is in a small slot of the locked
 * arena, one per session in flight (zs_init() counts it); never touches
 * the disk.
 */
#include <stdlib.h>
#include <string.h>

#include "cachepend.h"
#include "zcrypto.h"

#define ZD_PEND_BUCKETS	1024

struct zd_pend_peer {
	struct zd_pend_peer	*next;
	uint8_t			 zid[ZRTP_ZID_LEN];
	int			 inflight;
	int			 have, dirty;	/* a kept; not written yet */
	int			 first;	/* a first contact's, written at once */
	enum zs_action_type	 type;	/* of the kept write */
	struct zs_cache_record	*rec;	/* locked: the kept store */
};

struct zd_pend {
	struct zd_pend_peer	*b[ZD_PEND_BUCKETS];
};

struct zd_pend *
zd_pend_new(void)
{
	return calloc(1, sizeof(struct zd_pend));
}

static void
zd_pend_peer_free(struct zd_pend_peer *p)
{
	zsecure_free(p->rec, sizeof(*p->rec));	/* wipes */
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

struct zd_pend_peer *
zd_pend_begin(struct zd_pend *t, const uint8_t zid[ZRTP_ZID_LEN])
{
	struct zd_pend_peer **pp = zd_pend_slot(t, zid), *p;

	if ((p = *pp) == NULL) {
		if ((p = calloc(1, sizeof(*p))) == NULL)
			return NULL;
		if ((p->rec = zsecure_alloc(sizeof(*p->rec))) == NULL) {
			free(p);
			return NULL;
		}
		memcpy(p->zid, zid, ZRTP_ZID_LEN);
		*pp = p;
	}
	p->inflight++;
	return p;
}

static const uint8_t *
zd_pend_zid(const struct zs_action *a)
{
	return a->type == ZSA_CACHE_STORE ? a->u.store.zid : a->u.zid;
}

/* Keep the better of what waits and a: any store over an expiry. */
static void
zd_pend_merge(struct zd_pend_peer *p, const struct zs_action *a)
{
	if (a == NULL)
		return;
	/*
	 * A first contact's first store stays: it is on disk and exchanges
	 * that read after it match it; another would turn them away.
	 */
	if (p->first && a->type == ZSA_CACHE_STORE && a->u.store.fresh)
		return;
	if (!p->have || (a->type == ZSA_CACHE_STORE &&
	    (p->type != ZSA_CACHE_STORE ||
	    zs_cache_record_cmp(&a->u.store, p->rec) > 0))) {
		p->type = a->type;
		if (a->type == ZSA_CACHE_STORE)
			*p->rec = a->u.store;
		p->have = p->dirty = 1;
		if (a->type == ZSA_CACHE_STORE && a->u.store.fresh)
			p->first = 1;
	}
}

/*
 * What to write now. When the last exchange is out: the kept store, if
 * not written yet. Before that, a first contact's first store at once:
 * there is no earlier secret to fall back on, a call reports secure only
 * with a secret of its peer on disk, and the calls that read after it
 * (in the cache thread's order) match it.
 */
static int
zd_pend_out(struct zd_pend *t, struct zd_pend_peer *p, int stored,
    struct zs_action *out)
{
	struct zd_pend_peer **pp;
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
	}
	p->dirty = 0;
	if (p->inflight == 0) {
		pp = zd_pend_slot(t, p->zid);
		*pp = p->next;
		zd_pend_peer_free(p);
	}
	return write;
}

int
zd_pend_add(struct zd_pend *t, struct zd_pend_peer *p,
    const struct zs_action *a, struct zs_action *out)
{
	zd_pend_merge(p, a);
	return zd_pend_out(t, p, a != NULL, out);
}

int
zd_pend_end(struct zd_pend *t, struct zd_pend_peer *p,
    const struct zs_action *a, struct zs_action *out)
{
	if (p->inflight > 0)
		p->inflight--;
	zd_pend_merge(p, a);
	return zd_pend_out(t, p, a != NULL, out);
}

int
zd_pend_offer(struct zd_pend *t, const struct zs_action *a,
    struct zs_action *out)
{
	struct zd_pend_peer *p = *zd_pend_slot(t, zd_pend_zid(a));

	if (p == NULL) {
		*out = *a;
		return 1;
	}
	zd_pend_merge(p, a);
	return zd_pend_out(t, p, 1, out);
}

int
zd_pend_inflight(struct zd_pend *t, const uint8_t zid[ZRTP_ZID_LEN])
{
	struct zd_pend_peer *p = *zd_pend_slot(t, zid);

	return p != NULL ? p->inflight : 0;
}
