/*
 * zrtpd/workers.c, the daemon's thread pool: every job's done() runs on
 * the loop; cache-queue jobs run in order; consecutive batchable ones run
 * as one batch between the hooks (one fsync for many stores), and a
 * batch whose end fails marks each of its jobs; others run alone.
 */
#include <pthread.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "unit.h"
#include "workers.h"

struct tjob {
	struct zd_job	 job;
	int		 id;
	int		 in_batch;	/* a batch was open when it ran */
};

static pthread_mutex_t	gate = PTHREAD_MUTEX_INITIALIZER;
static int		open_batch, begins, ends, fail_end, order[32], nran;
static int		ndone, done_order[32], done_err[32];
static struct event_base *base;

static void
t_run(struct zd_job *j)
{
	struct tjob *t = (struct tjob *)j;

	/* The first job holds the queue until the test has queued the rest. */
	if (t->id == 0) {
		pthread_mutex_lock(&gate);
		pthread_mutex_unlock(&gate);
	}
	t->in_batch = open_batch;
	order[nran++] = t->id;
}

static void
t_done(struct zd_job *j)
{
	struct tjob *t = (struct tjob *)j;

	done_order[ndone] = t->id;
	done_err[ndone++] = j->batch_error;
	if (ndone == 12)
		event_base_loopbreak(base);
}

static int
t_begin(void *arg)
{
	(void)arg;
	open_batch = 1;
	begins++;
	return 0;
}

static int
t_end(void *arg)
{
	(void)arg;
	open_batch = 0;
	ends++;
	return fail_end ? -19 : 0;
}

static void
run_jobs(int fail)
{
	static struct tjob jobs[12];
	struct zd_workers *w;
	int i;

	memset(jobs, 0, sizeof(jobs));
	open_batch = begins = ends = nran = ndone = 0;
	fail_end = fail;
	ck_assert_ptr_nonnull(base = event_base_new());
	ck_assert_ptr_nonnull(w = zd_workers_new(base, 1));
	zd_workers_set_batch(w, t_begin, t_end, NULL);
	pthread_mutex_lock(&gate);
	/* 0 alone (it blocks), 1..5 batchable, 6 not, 7..11 batchable. */
	for (i = 0; i < 12; i++) {
		jobs[i].id = i;
		jobs[i].job.run = t_run;
		jobs[i].job.done = t_done;
		jobs[i].job.batchable = i != 0 && i != 6;
		zd_workers_submit(w, ZD_Q_CACHE, &jobs[i].job);
	}
	pthread_mutex_unlock(&gate);
	event_base_dispatch(base);
	zd_workers_free(w);
	event_base_free(base);
	for (i = 0; i < 12; i++) {
		ck_assert_int_eq(order[i], i);
		ck_assert_int_eq(done_order[i], i);
		ck_assert_int_eq(jobs[i].in_batch, i != 0 && i != 6);
		ck_assert_int_eq(done_err[i], fail && i != 0 && i != 6 ? -19 : 0);
	}
	ck_assert_int_eq(begins, 2);
	ck_assert_int_eq(ends, 2);
}

START_TEST(test_batches_in_order)
{
	run_jobs(0);
}
END_TEST

START_TEST(test_failed_batch_marks_its_jobs)
{
	run_jobs(1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("cache queue");

	tcase_add_test(tc, test_batches_in_order);
	tcase_add_test(tc, test_failed_batch_marks_its_jobs);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
