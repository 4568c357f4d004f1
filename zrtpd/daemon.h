/*
 * The daemon-wide context every part of zrtpd shares: the event loop, the
 * settings, the cache, the worker threads, the sessions and calls, and the
 * control socket. One instance, owned by main.c, used on the loop thread
 * only (workers see just the jobs they are handed).
 */
#ifndef ZRTPD_DAEMON_H
#define ZRTPD_DAEMON_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdint.h>

#include <event2/event.h>
#include <jansson.h>

#include "config.h"
#include "msg.h"

/* glibc's sys/queue.h lacks the BSD _SAFE iterator. */
#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

struct zcache;
struct zd_workers;
struct zd_control;
struct zd_session;
struct zd_call;
struct zrand_pool;
struct zd_pend;

TAILQ_HEAD(zd_session_list, zd_session);
TAILQ_HEAD(zd_call_list, zd_call);

struct zd {
	struct event_base	*base;
	struct zd_config	 cfg;
	struct zcache		*cache;
	struct zd_pend		*pend;		/* stores of overlapping exchanges */
	uint8_t			 zid[ZRTP_ZID_LEN];
	struct zd_workers	*workers;
	struct zd_control	*control;
	struct zrand_pool	*pool;		/* the loop thread's randomness */
	struct zd_session_list	 sessions;
	struct zd_session_list	 orphans;	/* to close: their client left */
	struct event		*orphans_ev;	/* closes the next slice */
	struct zd_session	**by_id;	/* sessions by id, chained */
	size_t			 by_id_mask;	/* buckets - 1 */
	unsigned		 nsessions;
	unsigned		 nrelay;	/* of them, relay mode */
	struct zd_call_list	 calls;
	uint64_t		 next_id;	/* session ids: s1, s2, ... */
	uint64_t		 next_call;	/* call ids: c1, c2, ... */
	unsigned		 next_port;	/* cursor in the media port range */
	uint64_t		 started_at;	/* unix seconds */
	uint64_t		 cache_failures;	/* writes that failed */
	/* Every session's kernel drops since start (struct zd_counters). */
	uint64_t		 media_rx_dropped, app_rx_dropped;
	int			 stopping;
	json_t			*ended;		/* id -> [until_ms, show] */
};

/* Monotonic milliseconds, the engine's clock. */
uint64_t	zd_now_ms(void);
/* Unix time in milliseconds, for event stamps. */
uint64_t	zd_time_ms(void);

#endif
