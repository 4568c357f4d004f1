/*
 * Thread pool for key agreement and the cache thread. Jobs go in through a
 * mutex-guarded FIFO per queue and a semaphore that wakes its threads;
 * finished jobs come back through one FIFO and an eventfd the loop
 * watches, so done() runs on the loop and nothing else of the daemon is
 * touched from a worker.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "workers.h"

struct zd_fifo {
	struct zd_job	*head, *tail;
};

struct zd_workers {
	pthread_mutex_t	 mu;
	sem_t		 sem[2];	/* posted once per job queued */
	struct zd_fifo	 in[2];
	struct zd_fifo	 out;
	unsigned	 pending;
	int		 stopping;
	int		 joined;	/* threads gone: jobs run inline */
	int		 efd;
	struct event	*ev;
	unsigned	 nthreads;
	pthread_t	*threads;
	int		(*batch_begin)(void *), (*batch_end)(void *);
	void		*batch_arg;
};

#define ZD_BATCH_MAX	64	/* cache writes made durable together */

struct zd_thread_arg {
	struct zd_workers	*w;
	enum zd_queue		 q;
};

static void
fifo_push(struct zd_fifo *f, struct zd_job *j)
{
	j->next = NULL;
	if (f->tail != NULL)
		f->tail->next = j;
	else
		f->head = j;
	f->tail = j;
}

static struct zd_job *
fifo_pop(struct zd_fifo *f)
{
	struct zd_job *j = f->head;

	if (j != NULL && (f->head = j->next) == NULL)
		f->tail = NULL;
	return j;
}

/*
 * With the lock held: the next job, or on the cache queue a run of up to
 * ZD_BATCH_MAX consecutive batchable ones (linked by next).
 */
static struct zd_job *
worker_take(struct zd_workers *w, enum zd_queue q, int *n)
{
	struct zd_job *first = fifo_pop(&w->in[q]), *last = first;

	*n = first != NULL;
	if (first == NULL)
		return NULL;
	first->next = NULL;	/* it linked the queue */
	if (q != ZD_Q_CACHE || !first->batchable || w->batch_begin == NULL)
		return first;
	while (*n < ZD_BATCH_MAX && w->in[q].head != NULL &&
	    w->in[q].head->batchable) {
		last->next = fifo_pop(&w->in[q]);
		last = last->next;
		last->next = NULL;
		(*n)++;
	}
	return first;
}

/* Run a batch; its jobs come back only once the batch is durable. */
static void
worker_run(struct zd_workers *w, struct zd_job *j, int n)
{
	struct zd_job *k;
	int batched = n > 1 && w->batch_begin(w->batch_arg) == 0, err;

	for (k = j; k != NULL; k = k->next)
		k->run(k);
	if (batched && (err = w->batch_end(w->batch_arg)) != 0)
		for (k = j; k != NULL; k = k->next)
			k->batch_error = err;
}

static void *
worker_main(void *arg)
{
	struct zd_thread_arg *ta = arg;
	struct zd_workers *w = ta->w;
	enum zd_queue q = ta->q;
	struct zd_job *j, *next;
	uint64_t one = 1;
	int n;

	free(ta);
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while ((j = worker_take(w, q, &n)) == NULL && !w->stopping) {
			pthread_mutex_unlock(&w->mu);
			while (sem_wait(&w->sem[q]) != 0 && errno == EINTR)
				continue;
			pthread_mutex_lock(&w->mu);
		}
		if (j == NULL)
			break;
		pthread_mutex_unlock(&w->mu);
		worker_run(w, j, n);
		pthread_mutex_lock(&w->mu);
		for (; j != NULL; j = next) {
			next = j->next;
			fifo_push(&w->out, j);
		}
		/*
		 * Woken after the unlock, the loop finds the mutex free. An
		 * eventfd write cannot block: the counter only grows.
		 */
		pthread_mutex_unlock(&w->mu);
		if (write(w->efd, &one, sizeof(one)) < 0)
			zlog(LOG_ERR, "workers: eventfd: %s", strerror(errno));
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

void
zd_workers_set_batch(struct zd_workers *w, int (*begin)(void *),
    int (*end)(void *), void *arg)
{
	pthread_mutex_lock(&w->mu);
	w->batch_begin = begin;
	w->batch_end = end;
	w->batch_arg = arg;
	pthread_mutex_unlock(&w->mu);
}

/* Loop thread: run done() of every finished job. */
static void
workers_drain(evutil_socket_t fd, short what, void *arg)
{
	struct zd_workers *w = arg;
	struct zd_job *j;
	uint64_t n;

	(void)what;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		zlog(LOG_ERR, "workers: eventfd: %s", strerror(errno));
	for (;;) {
		pthread_mutex_lock(&w->mu);
		if ((j = fifo_pop(&w->out)) != NULL)
			w->pending--;
		pthread_mutex_unlock(&w->mu);
		if (j == NULL)
			break;
		j->done(j);
	}
}

static int
workers_spawn(struct zd_workers *w, unsigned i, enum zd_queue q)
{
	struct zd_thread_arg *ta;

	if ((ta = malloc(sizeof(*ta))) == NULL)
		return -1;
	ta->w = w;
	ta->q = q;
	if (pthread_create(&w->threads[i], NULL, worker_main, ta) != 0) {
		free(ta);
		return -1;
	}
	return 0;
}

struct zd_workers *
zd_workers_new(struct event_base *base, unsigned nthreads)
{
	pthread_mutexattr_t ma;
	struct zd_workers *w;
	unsigned i;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	/*
	 * Priority inheritance: a worker holding the mutex runs at the
	 * loop's priority while the loop waits for it, so a loop raised
	 * above the workers (SCHED_FIFO, or workers niced) does not wait for
	 * a preempted worker (docs/performance.md, the storm's delay).
	 */
	if (pthread_mutexattr_init(&ma) != 0)
		goto fail_mu;
	if (pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT) != 0 ||
	    pthread_mutex_init(&w->mu, &ma) != 0) {
		pthread_mutexattr_destroy(&ma);
		goto fail_mu;
	}
	pthread_mutexattr_destroy(&ma);
	if (sem_init(&w->sem[0], 0, 0) != 0 || sem_init(&w->sem[1], 0, 0) != 0)
		goto fail_sem;
	if ((w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0 ||
	    (w->ev = event_new(base, w->efd, EV_READ | EV_PERSIST,
	    workers_drain, w)) == NULL || event_add(w->ev, NULL) != 0 ||
	    (w->threads = calloc(nthreads + 1, sizeof(pthread_t))) == NULL)
		goto fail;
	/* Thread 0 serves the cache queue, the rest key agreement. */
	for (i = 0; i <= nthreads; i++) {
		if (workers_spawn(w, i, i == 0 ? ZD_Q_CACHE : ZD_Q_KEX) != 0) {
			w->nthreads = i;
			zd_workers_free(w);
			return NULL;
		}
	}
	w->nthreads = nthreads + 1;
	return w;
fail:
	if (w->ev != NULL)
		event_free(w->ev);
	if (w->efd >= 0)
		close(w->efd);
	free(w->threads);
	sem_destroy(&w->sem[1]);
fail_sem:
	sem_destroy(&w->sem[0]);
	pthread_mutex_destroy(&w->mu);
	free(w);
	return NULL;
fail_mu:
	free(w);
	return NULL;
}

void
zd_workers_submit(struct zd_workers *w, enum zd_queue q, struct zd_job *job)
{
	/* A done() of the last drain may queue one more: run it here. */
	if (w->joined) {
		job->run(job);
		job->done(job);
		return;
	}
	pthread_mutex_lock(&w->mu);
	fifo_push(&w->in[q], job);
	w->pending++;
	pthread_mutex_unlock(&w->mu);
	/*
	 * A semaphore, not a condition variable: glibc's
	 * pthread_cond_signal can wait for woken workers to leave the
	 * condvar's old group, and a loop at SCHED_FIFO then waited
	 * milliseconds for workers the machine had preempted
	 * (docs/performance.md, the storm's delay). sem_post never waits.
	 */
	sem_post(&w->sem[q]);
}

unsigned
zd_workers_pending(struct zd_workers *w)
{
	unsigned n;

	pthread_mutex_lock(&w->mu);
	n = w->pending;
	pthread_mutex_unlock(&w->mu);
	return n;
}

void
zd_workers_free(struct zd_workers *w)
{
	unsigned i;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < w->nthreads; i++) {
		sem_post(&w->sem[0]);
		sem_post(&w->sem[1]);
	}
	for (i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	w->joined = 1;
	/* Queued jobs ran before their thread left; finish them here. */
	workers_drain(w->efd, EV_READ, w);
	event_free(w->ev);
	close(w->efd);
	free(w->threads);
	pthread_mutex_destroy(&w->mu);
	sem_destroy(&w->sem[0]);
	sem_destroy(&w->sem[1]);
	free(w);
}
