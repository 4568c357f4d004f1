/*
 * The media-delay part's figures per round and path (tests/bench/relay.c):
 * percentiles, frames over 1 ms, and the host's steal during the slice,
 * read from /proc/stat apart from the delays. Measures nothing itself.
 */
#ifndef ZRTPD_BENCH_DELAY_STATS_H
#define ZRTPD_BENCH_DELAY_STATS_H

#include <stddef.h>
#include <stdint.h>

#define DSTAT_ROUNDS	32	/* the most rounds relay.c allows (-r) */
#define DSTAT_LATE_NS	1000000	/* a frame "over 1 ms": the goal's bound */

/* /proc/stat's first line: all CPUs, in USER_HZ ticks. */
struct dstat_cpu {
	unsigned long long	steal, total;
};

struct dstat_round {
	double	p50, p99, max;	/* microseconds */
	size_t	n, late;	/* frames arrived; of them over 1 ms */
	double	steal;		/* % of the slice's CPU time, all CPUs */
};

/* One path (direct, raw relays, ...): its rounds, and every frame. */
struct dstat_path {
	const char		*name;
	struct dstat_round	 r[DSTAT_ROUNDS];
	int64_t			*all;	/* delays of all rounds, ns */
	size_t			 nall, cap;
};

int	dstat_cpu_read(struct dstat_cpu *);
double	dstat_steal_pct(const struct dstat_cpu *, const struct dstat_cpu *);
int	dstat_take(struct dstat_path *, int, int64_t *, size_t, double);
void	dstat_print(struct dstat_path *, int, int, double);
void	dstat_free(struct dstat_path *);

#endif
