/*
 * A simulated network for engine tests: two sessions, a fake clock, a
 * seeded link that loses, duplicates, delays and reorders datagrams, an
 * optional tamper hook, and in-memory caches. Deterministic per seed.
 */
#ifndef ZRTPD_SIMNET_H
#define ZRTPD_SIMNET_H

#include <stdint.h>

#include "engine.h"

#define SIM_PKTS_MAX	256
#define SIM_PKT_MAX	1600
#define SIM_EPOCH	1700000000	/* wall clock (s) at n->now == 0 */

struct sim_cache {
	int			have;
	uint8_t			zid[ZRTP_ZID_LEN];	/* peer's */
	struct zs_cache_entry	e;
	int			stores;
	struct zs_cache_record	last;	/* the last record stored */
	int			writes;	/* any cache action but lookup */
};

struct sim_end {
	struct zsession		*s;
	struct zs_config	 cfg;
	uint64_t		 timer_at;	/* 0: not armed */
	struct sim_cache	 cache;
	int			 secure, failed, sas_seen, alerts;
	uint64_t		 alert_codes;	/* bit per enum zcode */
	int			 fail_code;	/* enum zcode */
	int			 fail_error;
	uint32_t		 fail_wire;
	int			 fail_from_peer;
	struct zs_srtp_keys	 keys;
	int			 srtp_rx;	/* ZSA_SRTP_RX seen, and before */
	int			 srtp_rx_before_secure;	/* ZSA_SECURE */
	struct zs_srtp_keys	 rx_keys;
	char			 sas[ZSAS_TEXT_MAX];
	int			 sas_verified, cache_mismatch;
	int			 kex_jobs;
	int			 proven;	/* zs_received_proven() */
	int			 clear;
	int			 enroll_offered, accept_enroll;
	char			 relayed_sas[ZSAS_TEXT_MAX];
};

struct sim_pkt {
	uint64_t	at;
	int		to;
	size_t		len;
	uint8_t		b[SIM_PKT_MAX];
};

struct sim {
	uint64_t	now;
	uint64_t	rng;
	int		loss_pct, dup_pct, jitter_ms;
	/* Called on every datagram in flight; may change it (reseal CRC). */
	void		(*tamper)(struct sim *, int from, uint8_t *p,
			    size_t *len);
	void		*tamper_arg;
	struct sim_end	 end[2];
	struct sim_pkt	 q[SIM_PKTS_MAX];
	int		 nq;
	uint64_t	 sent;
};

void	sim_config(struct zs_config *c, int which);
/* New sessions for both ends from their cfg; caches are kept. */
void	sim_start(struct sim *n, uint64_t seed);
/* Run until both ends are secure or failed, or until limit_ms. */
void	sim_run(struct sim *n, uint64_t limit_ms);
/* Drain pending actions, then run until nothing is in flight or armed. */
void	sim_settle(struct sim *n, uint64_t limit_ms);
void	sim_stop(struct sim *n);
/* A datagram an attacker sends to end `to` now; its answers drained. */
void	sim_inject(struct sim *n, int to, const uint8_t *p, size_t len);
/* Lose the first datagram in flight to `to` of this type block. */
int	sim_unqueue(struct sim *n, int to, const char *type);
uint32_t sim_rand(struct sim *n);

#endif
