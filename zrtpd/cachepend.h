/*
 * Stores for a peer whose exchanges overlap (docs/engine.md, "Concurrent
 * calls"): a peer's row changes only when no exchange with it is between
 * its cache read and its store; meanwhile the one store to make is chosen
 * by the engine's rank. Loop thread only; it decides nothing ZRTP decides.
 */
#ifndef ZRTPD_CACHEPEND_H
#define ZRTPD_CACHEPEND_H

#include <stdint.h>

#include "engine.h"

struct zd_pend;
struct zd_pend_peer;

struct zd_pend	*zd_pend_new(void);
void		 zd_pend_free(struct zd_pend *t);	/* accepts NULL */

/* An exchange read the cache for zid; NULL when out of memory. */
struct zd_pend_peer *zd_pend_begin(struct zd_pend *t,
	    const uint8_t zid[ZRTP_ZID_LEN]);
/*
 * That exchange is done with the cache: a is what it asks to write
 * (ZSA_CACHE_STORE or ZSA_CACHE_EXPIRE), or NULL. 1 when *out is the
 * write to make now: no exchange with the peer is left in between, or a
 * first contact's first store.
 */
int	zd_pend_end(struct zd_pend *t, struct zd_pend_peer *p,
	    const struct zs_action *a, struct zs_action *out);
/*
 * Its store is in, but the exchange stays counted (zd_pend_end later).
 * 1 when *out is to be written now (a first contact's first store).
 */
int	zd_pend_add(struct zd_pend *t, struct zd_pend_peer *p,
	    const struct zs_action *a, struct zs_action *out);
/*
 * A write from an exchange no longer between read and store (a store
 * made on the user's verdict): 1 when *out is to be written now.
 */
int	zd_pend_offer(struct zd_pend *t, const struct zs_action *a,
	    struct zs_action *out);
/* Exchanges with zid between read and store (tests, counters). */
int	zd_pend_inflight(struct zd_pend *t, const uint8_t zid[ZRTP_ZID_LEN]);

#endif
