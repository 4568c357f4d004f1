/*
 * Stores for a peer whose exchanges overlap (docs/engine.md, "Concurrent
 * calls"): a peer's row changes only when no exchange with it is between
 * its cache read and its store; meanwhile the one store to make is chosen
 * by the engine's rank. A first contact's row stays tentative for a
 * window: a higher-ranked first-contact store replaces it. Loop thread
 * only; it decides nothing ZRTP decides, and reads no clock (now_ms is
 * the caller's monotonic time).
 */
#ifndef ZRTPD_CACHEPEND_H
#define ZRTPD_CACHEPEND_H

#include <stdint.h>

#include "engine.h"

struct zd_pend;
struct zd_pend_peer;

/* window_ms: how long a first contact's row stays tentative. */
struct zd_pend	*zd_pend_new(uint32_t window_ms);
void		 zd_pend_free(struct zd_pend *t);	/* accepts NULL */

/* An exchange is to read the cache for zid; NULL when out of memory. */
struct zd_pend_peer *zd_pend_begin(struct zd_pend *t,
	    const uint8_t zid[ZRTP_ZID_LEN]);
/*
 * It reads the cache now: after every write handed out before this call,
 * before any handed out after (the cache thread's order). *gen names the
 * row it reads (for zd_pend_end/add); *tentative says whether that row is
 * a first contact's still tentative (zs_cache_entry.tentative).
 */
void	zd_pend_read(struct zd_pend *t, struct zd_pend_peer *p,
	    uint64_t now_ms, uint32_t *gen, int *tentative);
/*
 * That exchange is done with the cache: a is what it asks to write
 * (ZSA_CACHE_STORE or ZSA_CACHE_EXPIRE), or NULL. 1 when *out is the
 * write to make now: no exchange with the peer is left in between, or a
 * first contact's store that becomes the tentative row.
 */
int	zd_pend_end(struct zd_pend *t, struct zd_pend_peer *p, uint32_t gen,
	    const struct zs_action *a, uint64_t now_ms, struct zs_action *out);
/*
 * Its store is in, but the exchange stays counted (zd_pend_end later).
 * 1 when *out is to be written now (a first contact's store).
 */
int	zd_pend_add(struct zd_pend *t, struct zd_pend_peer *p, uint32_t gen,
	    const struct zs_action *a, uint64_t now_ms, struct zs_action *out);
/*
 * A write from an exchange no longer between read and store (a store
 * made on the user's verdict): 1 when *out is to be written now.
 */
int	zd_pend_offer(struct zd_pend *t, const struct zs_action *a,
	    uint64_t now_ms, struct zs_action *out);
/* A verdict "verified" for zid goes to the cache: its row stays. */
void	zd_pend_verified(struct zd_pend *t, const uint8_t zid[ZRTP_ZID_LEN]);
/*
 * The rows of the ZIDs whose hex starts with prefix are gone
 * (cache_forget, no exchange with them under way), or every row (restore,
 * no session at all).
 */
void	zd_pend_forget(struct zd_pend *t, const char *prefix);
void	zd_pend_reset(struct zd_pend *t);
/* Exchanges with zid between read and store (tests, counters). */
int	zd_pend_inflight(struct zd_pend *t, const uint8_t zid[ZRTP_ZID_LEN]);
/* 1 while zid's row is tentative at now_ms (tests). */
int	zd_pend_tentative(struct zd_pend *t, const uint8_t zid[ZRTP_ZID_LEN],
	    uint64_t now_ms);

#endif
