/*
 * Work off the event loop: key-agreement jobs on a small pool of threads,
 * and retained-secret cache reads and writes on one thread of their own
 * (in submission order, so a read never overtakes an earlier write). Each
 * job's done() runs back on the loop thread.
 */
#ifndef ZRTPD_WORKERS_H
#define ZRTPD_WORKERS_H

#include <event2/event.h>

enum zd_queue {
	ZD_Q_KEX,	/* any of the pool's threads */
	ZD_Q_CACHE	/* the one cache thread, FIFO */
};

struct zd_job {
	void		(*run)(struct zd_job *);	/* worker thread */
	void		(*done)(struct zd_job *);	/* loop thread */
	struct zd_job	*next;
	/*
	 * Cache queue: consecutive batchable jobs run as one batch between
	 * the hooks of zd_workers_set_batch(); batch_error is set when the
	 * batch's end failed (what the job wrote is not on disk).
	 */
	int		 batchable;
	int		 batch_error;
};

struct zd_workers;

struct zd_workers *zd_workers_new(struct event_base *base, unsigned nthreads);
/*
 * Never fails once started: the job is queued (or, once zd_workers_free()
 * has joined the threads, run at once on the caller's thread).
 */
void	zd_workers_submit(struct zd_workers *w, enum zd_queue q,
	    struct zd_job *job);
/* The cache queue's batch hooks (begin/end return 0 or an error). */
void	zd_workers_set_batch(struct zd_workers *w, int (*begin)(void *),
	    int (*end)(void *), void *arg);
/* Jobs queued or running, both queues (for status). */
unsigned zd_workers_pending(struct zd_workers *w);
/* Finishes queued jobs, runs their done() and joins the threads. */
void	zd_workers_free(struct zd_workers *w);

#endif
