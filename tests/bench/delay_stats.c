/*
 * The media-delay part's figures (docs/performance.md, "Media delay"):
 * per round and path p50, p99, max, frames over 1 ms and the host's steal
 * during the slice; per path the medians of rounds, the p99 of all frames
 * pooled, and the median p99 of the rounds whose steal stayed low. The
 * rounds are chosen by steal alone, never by a delay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delay_stats.h"

/*
 * user nice system idle iowait irq softirq steal: the CPU time; guest and
 * guest_nice, which follow, are already counted in user and nice.
 */
int
dstat_cpu_read(struct dstat_cpu *c)
{
	unsigned long long v[8];
	FILE *f;
	int k, n;

	if ((f = fopen("/proc/stat", "r")) == NULL)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return -1;
	c->total = 0;
	for (k = 0; k < 8; k++)
		c->total += v[k];
	c->steal = v[7];
	return 0;
}

double
dstat_steal_pct(const struct dstat_cpu *a, const struct dstat_cpu *b)
{
	if (b->total <= a->total)
		return 0;
	return 100.0 * (double)(b->steal - a->steal) /
	    (double)(b->total - a->total);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Frames over DSTAT_LATE_NS in v[0, n), sorted. */
static size_t
late_count(const int64_t *v, size_t n)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid] > DSTAT_LATE_NS)
			hi = mid;
		else
			lo = mid + 1;
	}
	return n - lo;
}

/* Round r of p: the delays v[0, n) (sorted here, n > 0), its steal. */
int
dstat_take(struct dstat_path *p, int r, int64_t *v, size_t n, double steal)
{
	struct dstat_round *d = &p->r[r];
	int64_t *all;
	size_t cap;

	if (r < 0 || r >= DSTAT_ROUNDS || n == 0)
		return -1;
	qsort(v, n, sizeof(*v), cmp_i64);
	d->n = n;
	d->p50 = (double)v[n / 2] / 1e3;
	d->p99 = (double)v[n * 99 / 100] / 1e3;
	d->max = (double)v[n - 1] / 1e3;
	d->late = late_count(v, n);
	d->steal = steal;
	if (n > p->cap - p->nall) {
		cap = p->cap == 0 ? n : p->cap;
		while (n > cap - p->nall)
			cap *= 2;
		if ((all = realloc(p->all, cap * sizeof(*all))) == NULL)
			return -1;
		p->all = all;
		p->cap = cap;
	}
	memcpy(p->all + p->nall, v, n * sizeof(*v));
	p->nall += n;
	return 0;
}

static void
print_rounds(const struct dstat_path *p, int np, int rounds)
{
	const struct dstat_round *d;
	int i, r;

	printf("round | %-34s | %8s | %8s | %9s | %6s | %5s | %7s\n", "path",
	    "p50 us", "p99 us", "max us", "frames", ">1 ms", "steal %");
	printf("------+------------------------------------+----------+-------"
	    "---+-----------+--------+-------+--------\n");
	for (r = 0; r < rounds; r++)
		for (i = 0; i < np; i++) {
			d = &p[i].r[r];
			printf("%5d | %-34s | %8.0f | %8.0f | %9.0f | %6zu | "
			    "%5zu | %7.1f\n", r + 1, p[i].name, d->p50, d->p99,
			    d->max, d->n, d->late, d->steal);
		}
}

static void
print_medians(const struct dstat_path *p, int rounds)
{
	double p50[DSTAT_ROUNDS], p99[DSTAT_ROUNDS], st[DSTAT_ROUNDS], mx = 0;
	size_t n = 0, late = 0;
	int r;

	for (r = 0; r < rounds; r++) {
		p50[r] = p->r[r].p50;
		p99[r] = p->r[r].p99;
		st[r] = p->r[r].steal;
		mx = p->r[r].max > mx ? p->r[r].max : mx;
		n += p->r[r].n;
		late += p->r[r].late;
	}
	printf("%-34s | %8.0f | %8.0f | %9.0f | %8zu | %6zu | %7.1f\n",
	    p->name, median(p50, rounds), median(p99, rounds), mx, n, late,
	    median(st, rounds));
}

/*
 * The p99 of every frame of every round, which a bad round weighs on as
 * much as its frames do; and the median p99 of the rounds whose steal was
 * at most steal_max, chosen by the host's figure alone.
 */
static void
print_pooled(struct dstat_path *p, int rounds, double steal_max)
{
	double low[DSTAT_ROUNDS];
	size_t late;
	int r, k = 0;

	for (r = 0; r < rounds; r++)
		if (p->r[r].steal <= steal_max)
			low[k++] = p->r[r].p99;
	qsort(p->all, p->nall, sizeof(*p->all), cmp_i64);
	late = late_count(p->all, p->nall);
	printf("%-34s | %13.0f | %6zu = %5.2f%% | %6d of %-3d | ", p->name,
	    (double)p->all[p->nall * 99 / 100] / 1e3, late,
	    100.0 * (double)late / (double)p->nall, k, rounds);
	if (k > 0)
		printf("%14.0f\n", median(low, k));
	else
		printf("%14s\n", "none");
}

/* Paths p[0, np), rounds [0, rounds), each taken; steal_max in %. */
void
dstat_print(struct dstat_path *p, int np, int rounds, double steal_max)
{
	int i;

	printf("Per round; steal: the host's share of all CPUs' time during "
	    "the slice\n(/proc/stat); >1 ms: frames over the goal's bound."
	    "\n\n");
	print_rounds(p, np, rounds);
	printf("\nMedians of %d rounds (p50, p99, steal), max of all, frames "
	    "and >1 ms summed:\n\n", rounds);
	printf("%-34s | %8s | %8s | %9s | %8s | %6s | %7s\n", "path",
	    "p50 us", "p99 us", "max us", "frames", ">1 ms", "steal %");
	printf("-----------------------------------+----------+----------+"
	    "-----------+----------+--------+--------\n");
	for (i = 0; i < np; i++)
		print_medians(&p[i], rounds);
	printf("\nAll frames of all rounds pooled; and the rounds whose steal "
	    "was at most %.1f %%\n(chosen by steal alone, never by a delay), "
	    "the median of their p99:\n\n", steal_max);
	printf("%-34s | %13s | %15s | %12s | %14s\n", "path", "pooled p99 us",
	    "pooled >1 ms", "low-steal", "their p99 us");
	printf("-----------------------------------+---------------+---------"
	    "--------+--------------+---------------\n");
	for (i = 0; i < np; i++)
		print_pooled(&p[i], rounds, steal_max);
}

void
dstat_free(struct dstat_path *p)
{
	free(p->all);
	p->all = NULL;
	p->nall = p->cap = 0;
}
