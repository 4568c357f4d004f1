/*
 * The engine as a daemon uses it: many sessions on one loop thread, their
 * key-agreement jobs on a pool of worker threads, sessions freed or failed
 * while their jobs run (built with --enable-tsan, ThreadSanitizer watches
 * it); and the locked arena sized by zs_init() holding a thousand sessions
 * while libgcrypt's own pool stays as small as it starts, with no spill
 * into unlocked memory. Waits on condition variables only.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <gcrypt.h>

#include "unit.h"

#include "algo.h"
#include "cipher.h"
#include "engine.h"
#include "hash.h"
#include "zcrypto.h"
#include "zerr.h"

#define W_PAIRS		40
#define W_ENDS		(2 * W_PAIRS)
#define W_WORKERS	4
#define W_INBOX		16
#define W_SESSIONS	1000	/* the secure-memory test's sessions */

/* A thread pool: jobs in, finished jobs out, one lock. */
struct wpool {
	pthread_mutex_t		 mu;
	pthread_cond_t		 work_cv, done_cv;
	struct zs_kex_job	*work[W_ENDS], *done[W_ENDS];
	size_t			 nwork, ndone;
	int			 stop;
	pthread_t		 th[W_WORKERS];
};

struct wpkt {
	size_t	len;
	uint8_t	b[1600];
};

struct wend {
	struct zsession	*s;
	uint64_t	 seed, timer_at;
	int		 secure, failed, jobs_out;
	char		 sas[ZSAS_TEXT_MAX];
	struct wpkt	 in[W_INBOX];
	size_t		 nin;
};

static struct wpool	pool;
static struct wend	ends[W_ENDS];
static uint64_t		wnow;

static void *
worker(void *arg)
{
	struct zs_kex_job *job;

	(void)arg;
	pthread_mutex_lock(&pool.mu);
	for (;;) {
		while (pool.nwork == 0 && !pool.stop)
			pthread_cond_wait(&pool.work_cv, &pool.mu);
		if (pool.nwork == 0)
			break;
		job = pool.work[--pool.nwork];
		pthread_mutex_unlock(&pool.mu);
		zs_kex_run(job);
		pthread_mutex_lock(&pool.mu);
		pool.done[pool.ndone++] = job;
		pthread_cond_signal(&pool.done_cv);
	}
	pthread_mutex_unlock(&pool.mu);
	return NULL;
}

static void
pool_start(void)
{
	int i;

	memset(&pool, 0, sizeof(pool));
	pthread_mutex_init(&pool.mu, NULL);
	pthread_cond_init(&pool.work_cv, NULL);
	pthread_cond_init(&pool.done_cv, NULL);
	for (i = 0; i < W_WORKERS; i++)
		ck_assert_int_eq(pthread_create(&pool.th[i], NULL, worker,
		    NULL), 0);
}

static void
pool_stop(void)
{
	int i;

	pthread_mutex_lock(&pool.mu);
	pool.stop = 1;
	pthread_cond_broadcast(&pool.work_cv);
	pthread_mutex_unlock(&pool.mu);
	for (i = 0; i < W_WORKERS; i++)
		pthread_join(pool.th[i], NULL);
	ck_assert_uint_eq(pool.nwork, 0);
	ck_assert_uint_eq(pool.ndone, 0);
}

static void
pool_post(struct zs_kex_job *job)
{
	pthread_mutex_lock(&pool.mu);
	pool.work[pool.nwork++] = job;
	pthread_cond_signal(&pool.work_cv);
	pthread_mutex_unlock(&pool.mu);
}

/* Finished jobs, waiting for one when block is set. */
static size_t
pool_collect(struct zs_kex_job **out, int block)
{
	size_t n;

	pthread_mutex_lock(&pool.mu);
	while (block && pool.ndone == 0)
		pthread_cond_wait(&pool.done_cv, &pool.mu);
	n = pool.ndone;
	memcpy(out, pool.done, n * sizeof(*out));
	pool.ndone = 0;
	pthread_mutex_unlock(&pool.mu);
	return n;
}

static void
wrandom(void *arg, void *buf, size_t len)
{
	uint64_t *x = arg;
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		*x ^= *x << 13;
		*x ^= *x >> 7;
		*x ^= *x << 17;
		p[i] = (uint8_t)(*x >> 24);
	}
}

static uint32_t
blk(const char *s)
{
	return ZALGO(s[0], s[1], s[2], s[3]);
}

static void
end_new(int i, const char *kex)
{
	struct wend *e = &ends[i];
	struct zs_config c;
	struct zs_env env;

	memset(e, 0, sizeof(*e));
	zs_config_defaults(&c);
	memset(c.zid, i % 2 ? 0xb0 : 0xa0, ZRTP_ZID_LEN);
	c.zid[11] = (uint8_t)(i % 2);
	c.ssrc = 0x1000 + (uint32_t)i;
	c.algo[ZALGO_KEX][c.count[ZALGO_KEX]++] = blk(kex);
	e->seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
	env.random = wrandom;
	env.random_arg = &e->seed;
	ck_assert_ptr_nonnull(e->s = zs_new(&c, &env));
}

static struct wend *
end_of_job(const struct zs_kex_job *job)
{
	int i;

	for (i = 0; i < W_ENDS; i++)
		if (ends[i].s != NULL &&
		    zs_id(ends[i].s) == zs_kex_job_session(job))
			return &ends[i];
	return NULL;
}

static void
end_free(struct wend *e)
{
	zs_free(e->s);
	e->s = NULL;
}

/* Drain i's actions; returns jobs posted. */
static int
drain(int i)
{
	struct wend *e = &ends[i], *peer = &ends[i ^ 1];
	struct zs_cache_entry none;
	struct zs_action a;
	int posted = 0;

	while (e->s != NULL && zs_next_action(e->s, &a)) {
		switch (a.type) {
		case ZSA_SEND:
			if (peer->s == NULL || peer->nin == W_INBOX)
				break;	/* lost: retransmission recovers */
			ck_assert_uint_le(a.u.send.len, sizeof(peer->in[0].b));
			memcpy(peer->in[peer->nin].b, a.u.send.p,
			    a.u.send.len);
			peer->in[peer->nin++].len = a.u.send.len;
			break;
		case ZSA_TIMER:
			e->timer_at = a.u.timer_ms ? wnow + a.u.timer_ms : 0;
			break;
		case ZSA_KEX:
			e->jobs_out++;
			posted++;
			pool_post(a.u.kex);
			break;
		case ZSA_CACHE_LOOKUP:
			memset(&none, 0, sizeof(none));
			ck_assert_int_eq(zs_cache_loaded(e->s, wnow, &none), 0);
			break;
		case ZSA_SAS:
			memcpy(e->sas, a.u.sas.text, sizeof(e->sas));
			break;
		case ZSA_SECURE:
			e->secure = 1;
			break;
		case ZSA_FAILED:
			e->failed = 1;
			break;
		default:
			break;
		}
	}
	return posted;
}

/* Deliver i's inbox; returns packets delivered. */
static int
deliver(int i)
{
	struct wend *e = &ends[i];
	struct wpkt in[W_INBOX];
	size_t k, n = e->nin;

	memcpy(in, e->in, n * sizeof(in[0]));
	e->nin = 0;
	for (k = 0; k < n && e->s != NULL; k++)
		ck_assert_int_eq(zs_receive(e->s, wnow, in[k].b, in[k].len), 0);
	return (int)n;
}

static int	fail_done_rc = 1;	/* zs_kex_done() of a failed session */

static int
hand_back(size_t *returned, size_t *orphans, int block)
{
	struct zs_kex_job *got[W_ENDS];
	struct wend *e;
	size_t n, k;
	int failed;

	n = pool_collect(got, block);
	for (k = 0; k < n; k++) {
		(*returned)++;
		if ((e = end_of_job(got[k])) == NULL) {
			/* Its session was freed while the job ran. */
			zs_kex_job_free(got[k]);
			(*orphans)++;
			continue;
		}
		e->jobs_out--;
		failed = e->failed;
		if (failed)
			fail_done_rc = zs_kex_done(e->s, wnow, got[k]);
		else
			ck_assert_int_eq(zs_kex_done(e->s, wnow, got[k]), 0);
	}
	return (int)n;
}

/* Earliest armed timer fires; 0 when none is armed. */
static int
fire_timers(void)
{
	uint64_t next = 0;
	int i, fired = 0;

	for (i = 0; i < W_ENDS; i++)
		if (ends[i].s != NULL && ends[i].timer_at != 0 &&
		    (next == 0 || ends[i].timer_at < next))
			next = ends[i].timer_at;
	if (next == 0)
		return 0;
	wnow = next;
	for (i = 0; i < W_ENDS; i++)
		if (ends[i].s != NULL && ends[i].timer_at != 0 &&
		    ends[i].timer_at <= wnow) {
			ends[i].timer_at = 0;
			ck_assert_int_eq(zs_timer(ends[i].s, wnow), 0);
			fired++;
		}
	return fired;
}

/*
 * Forty pairs over four workers. Pair p % 5 == 4 is freed, both ends,
 * right after a job of it is posted; pair p % 5 == 3 fails (handshake
 * deadline) while its job runs. Every other pair must go secure with one
 * SAS; every job must come back exactly once.
 */
START_TEST(test_jobs_on_workers)
{
	static const char *const kex[] = { "X255", "EC25", "DH2k", "X448",
	    "DH3k" };
	size_t posted = 0, returned = 0, orphans = 0, mem = 0;
	int i, p, progressed, live;

	pool_start();
	wnow = 1000;
	for (i = 0; i < W_ENDS; i++)
		end_new(i, kex[(i / 2) % 5]);
	for (i = 0; i < W_ENDS; i++)
		ck_assert_int_eq(zs_start(ends[i].s, wnow), 0);
	for (;;) {
		progressed = 0;
		for (i = 0; i < W_ENDS; i++) {
			int n = drain(i);

			posted += (size_t)n;
			progressed += n;
			p = i / 2;
			if (n > 0 && p % 5 == 4 && ends[i].s != NULL) {
				end_free(&ends[i]);
				end_free(&ends[i ^ 1]);
			} else if (n > 0 && p % 5 == 3 && !ends[i].failed) {
				/* Past the 60 s handshake deadline. */
				ck_assert_int_eq(zs_timer(ends[i].s,
				    wnow + 61000), 0);
				drain(i);
				ck_assert(ends[i].failed);
				ck_assert(!zs_is_secure(ends[i].s));
			}
		}
		for (i = 0; i < W_ENDS; i++) {
			progressed += deliver(i);
			/* Never reads a key pair or job a worker holds. */
			if (ends[i].s != NULL)
				mem += zs_memory(ends[i].s);
		}
		progressed += hand_back(&returned, &orphans, 0);
		if (progressed)
			continue;
		if (returned < posted) {
			/* Nothing else to do: wait for a worker. */
			hand_back(&returned, &orphans, 1);
			continue;
		}
		live = 0;
		for (i = 0; i < W_ENDS; i++)
			if (ends[i].s != NULL && !ends[i].secure &&
			    !ends[i].failed)
				live++;
		if (live == 0 || fire_timers() == 0)
			break;
	}
	pool_stop();
	ck_assert_uint_eq(returned, posted);
	ck_assert_uint_ge(orphans, 1);
	ck_assert_int_eq(fail_done_rc, 0);
	ck_assert_uint_gt(mem, 0);
	for (p = 0; p < W_PAIRS; p++) {
		struct wend *a = &ends[2 * p], *b = &ends[2 * p + 1];

		if (p % 5 == 4) {
			ck_assert_ptr_null(a->s);
			ck_assert_ptr_null(b->s);
			continue;
		}
		if (p % 5 == 3) {
			ck_assert(a->failed || b->failed);
		} else {
			ck_assert_msg(a->secure && b->secure && !a->failed &&
			    !b->failed, "pair %d (%s) not secure", p,
			    kex[p % 5]);
			ck_assert_str_eq(a->sas, b->sas);
		}
		ck_assert_int_eq(a->jobs_out, 0);
		ck_assert_int_eq(b->jobs_out, 0);
		end_free(a);
		end_free(b);
	}
}
END_TEST

/* A job handed to a session that did not issue it changes nothing. */
START_TEST(test_foreign_job)
{
	struct zs_action a;
	struct zs_kex_job *job = NULL;
	int i, n;

	pool_start();
	wnow = 1000;
	for (i = 0; i < 4; i++)
		end_new(i, "X255");
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(zs_start(ends[i].s, wnow), 0);
	/* Pair 0 runs until end 0 issues a job, which end 2 is then given. */
	for (n = 0; n < 50 && job == NULL; n++) {
		for (i = 0; i < 2 && job == NULL; i++) {
			while (zs_next_action(ends[i].s, &a)) {
				if (a.type == ZSA_KEX && i == 0 && job == NULL) {
					job = a.u.kex;
					continue;
				}
				if (a.type == ZSA_KEX) {
					zs_kex_run(a.u.kex);
					ck_assert_int_eq(zs_kex_done(ends[i].s,
					    wnow, a.u.kex), 0);
				} else if (a.type == ZSA_SEND) {
					struct wend *peer = &ends[i ^ 1];

					memcpy(peer->in[peer->nin].b,
					    a.u.send.p, a.u.send.len);
					peer->in[peer->nin++].len =
					    a.u.send.len;
				} else if (a.type == ZSA_CACHE_LOOKUP) {
					struct zs_cache_entry none;

					memset(&none, 0, sizeof(none));
					ck_assert_int_eq(zs_cache_loaded(
					    ends[i].s, wnow, &none), 0);
				}
			}
			deliver(i ^ 1);
		}
	}
	ck_assert_ptr_nonnull(job);
	ck_assert_uint_eq(zs_kex_job_session(job), zs_id(ends[0].s));
	ck_assert_uint_ne(zs_id(ends[0].s), zs_id(ends[2].s));
	zs_kex_run(job);
	/* Consumed (ASan would see a leak otherwise), and refused. */
	ck_assert_int_eq(zs_kex_done(ends[2].s, wnow, job), ZE_INVAL);
	ck_assert_str_eq(zs_state_name(ends[2].s), "init");
	for (i = 0; i < 4; i++)
		end_free(&ends[i]);
	pool_stop();
}
END_TEST

/* libgcrypt's log: its secure-memory statistics and any warning. */
static char	glog[4096];
static size_t	glog_len;

static void
glog_handler(void *arg, int level, const char *fmt, va_list ap)
{
	int n;

	(void)arg;
	(void)level;
	n = vsnprintf(glog + glog_len, sizeof(glog) - glog_len, fmt, ap);
	if (n > 0)
		glog_len += (size_t)n < sizeof(glog) - glog_len ? (size_t)n :
		    sizeof(glog) - glog_len - 1;
}

/* Bytes in use in libgcrypt's locked pool; fails if another pool exists. */
static size_t
gcry_secmem_used(void)
{
	unsigned used = 0, blocks = 0;
	unsigned long size = 0;
	const char *p;

	glog_len = 0;
	glog[0] = '\0';
	gcry_control(GCRYCTL_DUMP_SECMEM_STATS);
	ck_assert_msg((p = strstr(glog, "secmem usage:")) != NULL, "%s",
	    glog);
	ck_assert_int_eq(sscanf(p, "secmem usage: %u/%lu bytes in %u blocks",
	    &used, &size, &blocks), 3);
	/* One line per pool: an expansion (unlocked) would add one. */
	ck_assert_msg(strchr(strchr(p, '\n') + 1, '/') == NULL,
	    "the secure pool expanded into unlocked memory:\n%s", glog);
	return used;
}

/*
 * Drive one pair with its jobs held, not run: each side's sends are
 * delivered to the other until nothing moves; a job each side issues is
 * left in job[side] (the caller owns it).
 */
static void
pair_pump(struct zsession *x[2], struct zs_kex_job *job[2])
{
	static struct wpkt in[2][W_INBOX];
	size_t nin[2] = { 0, 0 }, k;
	struct zs_cache_entry none;
	struct zs_action a;
	int side, moved;

	memset(&none, 0, sizeof(none));
	do {
		moved = 0;
		for (side = 0; side < 2; side++) {
			while (zs_next_action(x[side], &a)) {
				if (a.type == ZSA_SEND) {
					ck_assert_uint_lt(nin[!side], W_INBOX);
					memcpy(in[!side][nin[!side]].b,
					    a.u.send.p, a.u.send.len);
					in[!side][nin[!side]++].len =
					    a.u.send.len;
				} else if (a.type == ZSA_KEX) {
					ck_assert_ptr_null(job[side]);
					job[side] = a.u.kex;
				} else if (a.type == ZSA_CACHE_LOOKUP)
					ck_assert_int_eq(zs_cache_loaded(
					    x[side], 1000, &none), 0);
			}
		}
		for (side = 0; side < 2; side++) {
			for (k = 0; k < nin[side]; k++)
				ck_assert_int_eq(zs_receive(x[side], 1000,
				    in[side][k].b, in[side][k].len), 0);
			moved += (int)nin[side];
			nin[side] = 0;
		}
	} while (moved);
}

/* Bytes of the arena's slots in use. */
static size_t
arena_used(void)
{
	size_t used, bytes;

	zsecure_usage(&used, &bytes);
	return used;
}

/*
 * n sessions in pairs, each pair taken to its key-pair jobs (held) and
 * then to its agreement job (held): every session holds its secrets, a
 * key pair and a job at some point. The peak of the arena's use above
 * base; each session within 16 KiB; one more session refused; *gpeak the
 * peak of libgcrypt's pool above gbase, which no session's secret is in.
 */
static size_t
secmem_sessions(size_t n, size_t base, size_t gbase, size_t *gpeak)
{
	static struct zsession *s[W_SESSIONS];
	static struct zs_kex_job *job[W_SESSIONS];
	static uint64_t seed[W_SESSIONS];
	struct zs_config c;
	struct zs_env env;
	size_t used, peak = 0, i, phase;

	for (i = 0; i < n; i++) {
		zs_config_defaults(&c);
		memset(c.zid, i % 2 ? 0xb0 : 0xa0, ZRTP_ZID_LEN);
		c.ssrc = (uint32_t)i + 1;
		seed[i] = i + 1;
		env.random = wrandom;
		env.random_arg = &seed[i];
		ck_assert_ptr_nonnull(s[i] = zs_new(&c, &env));
		ck_assert_int_eq(zs_start(s[i], 1000), 0);
	}
	if (n == W_SESSIONS)
		ck_assert_ptr_null(zs_new(&c, &env));
	/* Phase 0: key pairs being generated; 1: agreements issued. */
	for (phase = 0; phase < 2; phase++) {
		for (i = 0; i < n; i += 2) {
			if (phase == 1) {
				zs_kex_run(job[i]);
				zs_kex_run(job[i + 1]);
				ck_assert_int_eq(zs_kex_done(s[i], 1000,
				    job[i]), 0);
				ck_assert_int_eq(zs_kex_done(s[i + 1], 1000,
				    job[i + 1]), 0);
				job[i] = job[i + 1] = NULL;
			}
			pair_pump(&s[i], &job[i]);
			if (phase == 0)
				ck_assert(job[i] != NULL && job[i + 1] != NULL);
			else
				ck_assert(job[i] != NULL || job[i + 1] != NULL);
		}
		used = arena_used() - base;
		if (used > peak)
			peak = used;
		used = gcry_secmem_used();
		used = used > gbase ? used - gbase : 0;
		if (used > *gpeak)
			*gpeak = used;
		for (i = 0; i < n; i++)
			ck_assert_uint_le(zs_memory(s[i]), 16 * 1024);
	}
	for (i = 0; i < n; i++) {
		zs_kex_job_free(job[i]);
		job[i] = NULL;
		zs_free(s[i]);
	}
	return peak;
}

/*
 * W_SESSIONS sessions at once, all in the locked arena zs_init() sized:
 * the footprint per session within zs_secure_bytes(), libgcrypt's pool
 * no fuller with a thousand sessions than with none (its first-fit walks
 * stay short: docs/performance.md, "Scale"), no "insecure memory"
 * warning, the next session refused, every byte given back.
 */
START_TEST(test_secure_memory_sized)
{
	struct zsession *extra;
	struct zs_config c;
	struct zs_env env;
	uint64_t seed = 1;
	size_t base, gbase, peak, gpeak = 0;

	gcry_set_log_handler(glog_handler, NULL);
	/* libgcrypt's and the groups' constants, made once per process. */
	secmem_sessions(2, 0, 0, &gpeak);
	base = arena_used();
	gbase = gcry_secmem_used();
	gpeak = 0;
	peak = secmem_sessions(W_SESSIONS, base, gbase, &gpeak);
	printf("secure memory: %zu B per session at most (bound %zu); "
	    "libgcrypt's pool %zu B more at most\n", peak / W_SESSIONS,
	    zs_secure_bytes(), gpeak);
	ck_assert_uint_le(peak, W_SESSIONS * zs_secure_bytes());
	ck_assert_uint_ge(peak, W_SESSIONS * sizeof(struct zs_action));
	ck_assert_uint_le(gpeak, ZCRYPTO_SECMEM_THREAD);
	ck_assert_ptr_null(strstr(glog, "insecure"));
	ck_assert_uint_eq(arena_used(), base);
	zs_config_defaults(&c);
	env.random = wrandom;
	env.random_arg = &seed;
	ck_assert_ptr_nonnull(extra = zs_new(&c, &env));
	zs_free(extra);
	ck_assert_ptr_null(strstr(glog, "insecure"));
}
END_TEST

/*
 * A thread that hashes, MACs and encrypts with every algorithm, then
 * exits: its libgcrypt handles (crypto/hash.c, crypto/cipher.c; the HMAC
 * and CFB ones in the locked pool) must be closed at its exit.
 */
static void *
crypto_user(void *arg)
{
	static const uint8_t key[ZCIPHER_KEY_MAX], iv[ZCIPHER_IV_LEN];
	uint8_t in[64], out[64];
	int alg, bad = 0;

	(void)arg;
	memset(in, 0x5c, sizeof(in));
	for (alg = 0; alg < ZHASH_COUNT; alg++)
		bad |= zhash(alg, in, sizeof(in), out) |
		    zhmac(alg, key, sizeof(key), in, sizeof(in), out);
	for (alg = 0; alg < ZCIPHER_COUNT; alg++)
		bad |= zcfb_encrypt(alg, key, iv, in, out, sizeof(in));
	return (void *)(long)bad;
}

/*
 * Worker threads that come and go, 50 of them one after the other:
 * libgcrypt's pool's use is back where it was (before the fix, every thread
 * left its four HMAC and five CFB handles there; ASan's leak check also
 * saw its four plain hash handles).
 */
START_TEST(test_thread_handles_closed)
{
	pthread_t th;
	size_t base;
	void *bad;
	int i;

	gcry_set_log_handler(glog_handler, NULL);
	ck_assert_ptr_null(crypto_user(NULL));	/* this thread's, kept */
	base = gcry_secmem_used();
	for (i = 0; i < 50; i++) {
		ck_assert_int_eq(pthread_create(&th, NULL, crypto_user, NULL),
		    0);
		ck_assert_int_eq(pthread_join(th, &bad), 0);
		ck_assert_ptr_null(bad);
	}
	ck_assert_uint_eq(gcry_secmem_used(), base);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("workers");
	TCase *tc = tcase_create("threads");
	TCase *tm = tcase_create("secmem");
	int r;

	/* The pool sized for the test's sessions and threads. */
	if ((r = zs_init(W_SESSIONS, W_WORKERS + 1)) != 0) {
		fprintf(stderr, "check_workers: zs_init: %s (RLIMIT_MEMLOCK "
		    "%zu bytes)\n", zerr_str(r), zcrypto_memlock_limit());
		return EXIT_FAILURE;
	}
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_jobs_on_workers);
	tcase_add_test(tc, test_foreign_job);
	tcase_set_timeout(tm, 120);
	tcase_add_test(tm, test_secure_memory_sized);
	tcase_add_test(tm, test_thread_handles_closed);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tm);
	return unit_run(s);
}
