/*
 * The retained-secret cache seen from a session: reads and writes run on
 * the cache thread in order, and their answers come back on the loop. A
 * job holding a secret lives in secure memory and is wiped when done.
 * Stores of exchanges with one peer that overlap wait for the last of
 * them (cachepend.c), so the peer's row never moves under one of them.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cachepend.h"
#include "events.h"
#include "log.h"
#include "session.h"
#include "workers.h"
#include "zcrypto.h"
#include "zerr.h"

struct zd_cache_job {
	struct zd_job		 job;
	struct zd_session	*s;
	struct zcache		*cache;
	int			 lookup;
	int			 rc;
	int			 set;	/* a verdict's V flag was written */
	int			 tentative;	/* lookup: zs_cache_entry's */
	struct zs_action	 a;	/* write: the engine's action */
	uint8_t			 zid[ZRTP_ZID_LEN];
	struct zs_cache_entry	 e;	/* lookup: the answer */
	char			 name[ZCACHE_NAME_MAX];
};

struct zd_name_find {
	const uint8_t	*zid;
	char		*name;
};

static int
zd_name_cb(void *arg, const struct zcache_peer *p)
{
	struct zd_name_find *f = arg;

	if (memcmp(p->zid, f->zid, ZRTP_ZID_LEN) != 0)	/* ZIDs are public */
		return 0;
	snprintf(f->name, ZCACHE_NAME_MAX, "%s", p->name);
	return 1;
}

static void
zd_cache_run(struct zd_job *j)
{
	struct zd_cache_job *cj = (struct zd_cache_job *)j;
	struct zd_name_find f = { cj->zid, cj->name };
	int64_t now = (int64_t)time(NULL);

	if (cj->lookup) {
		if ((cj->rc = zcache_load(cj->cache, cj->zid, now, &cj->e)) == 0)
			zcache_list(cj->cache, zd_name_cb, &f);
		return;
	}
	switch (cj->a.type) {
	case ZSA_CACHE_STORE:
		cj->rc = zcache_store(cj->cache, &cj->a.u.store, now);
		break;
	case ZSA_CACHE_VERIFIED:
		cj->rc = zcache_verdict(cj->cache, cj->a.u.verified.zid,
		    cj->a.u.verified.verified, cj->a.u.verified.bound,
		    cj->a.u.verified.rs1, cj->a.u.verified.rs2_valid ?
		    cj->a.u.verified.rs2 : NULL, &cj->set);
		break;
	case ZSA_CACHE_EXPIRE:
		cj->rc = zcache_expire(cj->cache, cj->a.u.zid, now);
		break;
	case ZSA_CACHE_PBX:
		cj->rc = zcache_set_pbx(cj->cache, cj->a.u.pbx.zid,
		    cj->a.u.pbx.pbxsecret);
		break;
	default:
		cj->rc = -1;
	}
}

/*
 * A write the cache refused (disk full, I/O error, the file locked or
 * damaged). A new rs1 that is not on disk is not reported secure: the
 * session fails with io_error, so that no one trusts a call whose secret
 * the next call cannot prove (docs/architecture.md). A lost V flag, expiry
 * or pbxsecret is an alert.
 */
static void
zd_cache_write_failed(struct zd_session *s, enum zs_action_type type)
{
	s->d->cache_failures++;
	zlog(LOG_ERR, "%s: cache write failed: retained secret lost", s->id);
	if (type == ZSA_CACHE_PBX)
		zd_enroll_stored(s, 0);	/* not enrolled: the accept is told */
	if (s->closing)
		return;
	if (type == ZSA_CACHE_STORE) {
		if (!s->failed)
			zd_session_fail(s, ZC_IO, 0, 0, ZE_IO, "cache write "
			    "failed: the retained secret could not be stored");
		return;
	}
	zd_event_simple(s, "alert", json_pack("{s:s, s:s}", "code",
	    zcode_name(ZC_IO), "message", "cache write failed: the retained "
	    "secret is lost"));
}

/*
 * A V flag write is done: said if a first contact's verdict found the row
 * holding another call's secret; then the verdict given while it was
 * out, if any (the same action but its flag).
 */
static void
zd_cache_verified_next(struct zd_session *s, const struct zd_cache_job *cj)
{
	struct zs_action a;

	if (cj->rc == 0 && !cj->set)
		zlog(LOG_WARNING, "%s: the verdict is not kept: the peer's "
		    "stored secret is another call's (a first contact with "
		    "the same ZID at the same time); its next call asks again",
		    s->id);
	s->verified_out = 0;
	if (s->verified_next < 0)
		return;
	a = cj->a;
	a.u.verified.verified = s->verified_next;
	zd_cache_write(s, &a);
	zwipe(&a, sizeof(a));
}

static void
zd_cache_done(struct zd_job *j)
{
	struct zd_cache_job *cj = (struct zd_cache_job *)j;
	struct zd_session *s = cj->s;

	if (cj->lookup && !s->closing && s->zs != NULL) {
		/* It may have read a write of its batch that never landed. */
		if (cj->job.batch_error != 0)
			cj->rc = cj->job.batch_error;
		if (cj->rc != 0) {
			/* Not a new peer: the engine fails the session. */
			zlog(LOG_ERR, "%s: the cache cannot be read", s->id);
			memset(&cj->e, 0, sizeof(cj->e));
			cj->e.error = ZE_CACHE;
		}
		s->cache_held = cj->e.found && (cj->e.rs1_valid ||
		    cj->e.rs2_valid);
		cj->e.tentative = cj->tentative && s->cache_held;
		zd_session_text(&s->peer_name, cj->name);
		zs_cache_loaded(s->zs, zd_now_ms(), &cj->e);
		zd_session_drain(s);
	} else if (!cj->lookup) {
		s->cache_writes--;
		if (cj->job.batch_error != 0)
			cj->rc = cj->job.batch_error;	/* not on disk */
		if (cj->rc != 0)
			zd_cache_write_failed(s, cj->a.type);
		if (cj->a.type == ZSA_CACHE_PBX && cj->rc == 0)
			zd_enroll_stored(s, 1);
		if (cj->a.type == ZSA_CACHE_VERIFIED)
			zd_cache_verified_next(s, cj);
		if (!s->closing)
			zd_session_maybe_secure(s);
	}
	zsecure_free(cj, sizeof(*cj));
	zd_session_job_done(s);
}

static struct zd_cache_job *
zd_cache_job_new(struct zd_session *s)
{
	struct zd_cache_job *cj;

	if ((cj = zsecure_alloc(sizeof(*cj))) == NULL)
		return NULL;
	memset(cj, 0, sizeof(*cj));
	cj->job.run = zd_cache_run;
	cj->job.done = zd_cache_done;
	cj->job.batchable = 1;
	cj->s = s;
	cj->cache = s->d->cache;
	return cj;
}

/* The cache thread's batch hooks (workers.h). */
static int
zd_cache_batch_begin(void *c)
{
	return zcache_batch_begin(c);
}

static int
zd_cache_batch_end(void *c)
{
	return zcache_batch_end(c);
}

void
zd_cache_batching(struct zd *d)
{
	zd_workers_set_batch(d->workers, zd_cache_batch_begin,
	    zd_cache_batch_end, d->cache);
}

void
zd_cache_lookup(struct zd_session *s, const uint8_t *zid)
{
	struct zs_cache_entry none;
	struct zd_cache_job *cj;

	if ((cj = zd_cache_job_new(s)) == NULL) {
		/* Unknown is not "new peer": fail the call, never a stranger. */
		memset(&none, 0, sizeof(none));
		none.error = ZE_CACHE;
		zs_cache_loaded(s->zs, zd_now_ms(), &none);
		return;
	}
	cj->lookup = 1;
	memcpy(cj->zid, zid, ZRTP_ZID_LEN);
	/*
	 * Out of memory: its store goes out alone, as before overlap, and
	 * the row is never tentative to it. Whether it is, is decided now:
	 * the cache thread reads after the writes handed out before.
	 */
	if (s->pend_peer == NULL &&
	    (s->pend_peer = zd_pend_begin(s->d->pend, zid)) != NULL)
		zd_pend_read(s->d->pend, s->pend_peer, zd_now_ms(),
		    &s->pend_gen, &cj->tentative);
	s->jobs++;
	zd_workers_submit(s->d->workers, ZD_Q_CACHE, &cj->job);
}

/* The write goes to the cache thread; the session hears when durable. */
static void
zd_cache_submit(struct zd_session *s, const struct zs_action *a)
{
	struct zd_cache_job *cj;

	/*
	 * At most one V flag write per session is out: each is a job in
	 * the locked arena until the cache thread answers, and a client
	 * repeating sas_verdict while the cache is slow filled the arena
	 * that every session's secrets need. A verdict given meanwhile is
	 * kept, the last one wins, and is written when the first is done.
	 */
	if (a->type == ZSA_CACHE_VERIFIED) {
		/* A first-contact store never replaces a verified row. */
		if (a->u.verified.verified)
			zd_pend_verified(s->d->pend, a->u.verified.zid);
		if (s->verified_out) {
			s->verified_next = a->u.verified.verified != 0;
			return;
		}
		s->verified_out = 1;
		s->verified_next = -1;
	}
	if ((cj = zd_cache_job_new(s)) == NULL) {
		if (a->type == ZSA_CACHE_VERIFIED)
			s->verified_out = 0;
		zlog(LOG_ERR, "%s: no memory for a cache write", s->id);
		zd_cache_write_failed(s, a->type);
		return;
	}
	cj->a = *a;
	s->jobs++;
	s->cache_writes++;
	zd_workers_submit(s->d->workers, ZD_Q_CACHE, &cj->job);
}

/*
 * This side knows the peer is past its store too: the initiator stores
 * after Conf2ACK (or the responder's SRTP, §4.6); the responder stores on
 * Confirm2 and learns the initiator got Conf2ACK from its first authentic
 * SRTP. Until then the exchange counts as under way (Two Generals).
 */
int
zd_cache_peer_done(struct zd_session *s)
{
	return s->zs == NULL || s->failed || s->closing ||
	    zs_role(s->zs) != ZS_ROLE_RESPONDER || s->srtp_confirmed;
}

/*
 * A store or an expiry waits while other exchanges with the peer are
 * between their read and their store; the last one out writes the best
 * of them (docs/engine.md, "Concurrent calls"). A session whose store
 * waits has nothing of its own to make durable: the row on disk still
 * holds the secret its exchange matched, which the peer holds too.
 */
void
zd_cache_write(struct zd_session *s, const struct zs_action *a)
{
	struct zs_action w;
	int now;

	if (a->type != ZSA_CACHE_STORE && a->type != ZSA_CACHE_EXPIRE) {
		zd_cache_submit(s, a);
		return;
	}
	if (s->pend_peer != NULL && !zd_cache_peer_done(s))
		now = zd_pend_add(s->d->pend, s->pend_peer, s->pend_gen, a,
		    zd_now_ms(), &w);
	else if (s->pend_peer != NULL) {
		now = zd_pend_end(s->d->pend, s->pend_peer, s->pend_gen, a,
		    zd_now_ms(), &w);
		s->pend_peer = NULL;
	} else
		now = zd_pend_offer(s->d->pend, a, zd_now_ms(), &w);
	if (now)
		zd_cache_submit(s, &w);
	zwipe(&w, sizeof(w));
}

void
zd_cache_release(struct zd_session *s)
{
	struct zs_action w;

	if (s->pend_peer == NULL)
		return;
	if (zd_pend_end(s->d->pend, s->pend_peer, s->pend_gen, NULL,
	    zd_now_ms(), &w))
		zd_cache_submit(s, &w);
	s->pend_peer = NULL;
	zwipe(&w, sizeof(w));
}
