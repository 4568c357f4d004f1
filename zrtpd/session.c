/*
 * One media stream's life: creation (engine configuration, sockets, call),
 * start, the peer's a=zrtp-hash, the SAS verdict, close and free. Sockets
 * and the RFC 7983 demux are session_io.c, engine actions session_zrtp.c,
 * media relay.c. No protocol decision is taken here: that is proto/.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "algo.h"
#include "call.h"
#include "events.h"
#include "log.h"
#include "session.h"
#include "zcrypto.h"

static void	zd_id_insert(struct zd_session *);
static void	zd_id_remove(struct zd_session *);

static const char *const zd_state_names[ZD_ST_COUNT_] = {
	[ZD_ST_NOT_SECURE] = "not_secure",
	[ZD_ST_GOING_SECURE] = "going_secure",
	[ZD_ST_SECURE] = "secure_unverified",
	[ZD_ST_VERIFIED] = "secure_verified",
	[ZD_ST_CACHE_MISMATCH] = "cache_mismatch",
	[ZD_ST_SAS_MISMATCH] = "sas_mismatch",
};

const char *
zd_state_name(enum zd_state st)
{
	return st < ZD_ST_COUNT_ ? zd_state_names[st] : "?";
}

static void
zd_session_free(struct zd_session *s)
{
	if (s->media_ev != NULL)
		event_free(s->media_ev);
	if (s->app_ev != NULL)
		event_free(s->app_ev);
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->end_timer != NULL)
		event_free(s->end_timer);
	if (s->media_fd >= 0)
		close(s->media_fd);
	if (s->app_fd >= 0)
		close(s->app_fd);
	zd_relay_close(s);
	zs_free(s->zs);
	zsecure_free(s->keys, sizeof(*s->keys));
	free(s->decoys);
	free(s->peer_name);
	free(s->failure);
	free(s);
}

void
zd_session_text(char **slot, const char *text)
{
	free(*slot);
	*slot = text[0] != '\0' ? strdup(text) : NULL;
}

/* The session's lists, else the configured ones, else the engine's. */
static int
zd_session_engine_config(struct zd_session *s, struct zs_config *zc,
    const struct zd_session_params *p, char *err, size_t err_len)
{
	const struct zd_config *c = &s->d->cfg;
	const struct zd_algos *al;
	int k;

	zs_config_defaults(zc);
	memcpy(zc->zid, s->d->zid, ZRTP_ZID_LEN);
	zrand_pool_take(s->d->pool, &zc->ssrc, sizeof(zc->ssrc));
	zc->role_pref = p->role;
	zc->cache_expiry = c->cache_expiry;
	zc->timers.handshake_ms = c->handshake_timeout * 1000;
	for (k = 0; k < ZALGO_KIND_COUNT; k++) {
		al = p->algos.count[k] != 0 ? &p->algos : &c->algos;
		if (al->count[k] == 0)
			continue;
		zc->count[k] = al->count[k];
		memcpy(zc->algo[k], al->algo[k], sizeof(zc->algo[k]));
	}
	return zalgo_complete(zc->count, zc->algo, 0, err,
	    err_len) == 0 ? 0 : -1;
}

static void
zd_random(void *arg, void *buf, size_t len)
{
	zrand_pool_take(arg, buf, len);
}

/* The engine exists from creation: its a=zrtp-hash goes into the SDP. */
static int
zd_session_engine_new(struct zd_session *s, struct zs_config *zc)
{
	struct zs_env env = { zd_random, s->d->pool };

	zc->call = zd_call_engine(s);
	if ((s->zs = zs_new(zc, &env)) == NULL)
		return -1;
	return 0;
}

/*
 * Our Hello goes out. A later stream of a call waits for the first to be
 * secure, so that it runs Multistream (engine.md); call.c starts it then.
 */
int
zd_session_engine_start(struct zd_session *s)
{
	if (s->engine_started || s->closing || s->zs == NULL)
		return 0;
	s->engine_started = 1;
	if (zs_start(s->zs, zd_now_ms()) != 0)
		return -1;
	zd_session_drain(s);
	return 0;
}

int
zd_session_create(struct zd *d, const struct zd_session_params *p,
    struct zd_session **out, const char **err_code, char *err,
    size_t err_len)
{
	struct zd_session *s;
	struct zs_config zc;

	*err_code = "internal";
	if (d->nsessions >= d->cfg.max_sessions) {
		*err_code = "limit";
		snprintf(err, err_len, "session limit (%u) reached",
		    d->cfg.max_sessions);
		return -1;
	}
	/* A relay-mode session's media socket is a descriptor more. */
	if (p->mode == ZD_MODE_RELAY && d->nrelay >= zd_relay_limit(&d->cfg)) {
		*err_code = "limit";
		snprintf(err, err_len, "relay-mode session limit (%u, "
		    "max_relay_sessions) reached; keys mode has room",
		    zd_relay_limit(&d->cfg));
		return -1;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	s->d = d;
	s->media_fd = s->app_fd = -1;
	s->mode = p->mode;
	s->policy = p->policy >= 0 ? (enum zd_policy)p->policy : d->cfg.policy;
	s->latch = d->cfg.latch;
	s->owner = p->owner;
	s->hash_state = "none";
	snprintf(s->label, sizeof(s->label), "%s", p->label != NULL ?
	    p->label : "");
	snprintf(s->id, sizeof(s->id), "s%llu",
	    (unsigned long long)++d->next_id);
	if (p->app.ss_family != 0) {
		s->app = p->app;
		s->app_len = p->app_len;
		s->have_app = 1;
	}
	/* The engine keeps its copy of the configuration; no second one. */
	if (zd_session_engine_config(s, &zc, p, err, err_len) != 0) {
		*err_code = "bad_request";
		goto fail;
	}
	if ((s->mode == ZD_MODE_RELAY && zd_media_open(s, p, err,
	    err_len) != 0) || zd_app_open(s, err, err_len) != 0) {
		*err_code = "bind";
		goto fail;
	}
	if (zd_session_events(s) != 0) {
		snprintf(err, err_len, "event loop refused the session");
		goto fail;
	}
	if (zd_call_join(s, p->call) != 0) {
		*err_code = "unknown_call";
		snprintf(err, err_len, "no call \"%s\"", p->call);
		goto fail;
	}
	if (zd_session_engine_new(s, &zc) != 0) {
		snprintf(err, err_len, "cannot create the ZRTP engine (out of "
		    "locked memory?)");
		zd_call_leave(s);
		goto fail;
	}
	TAILQ_INSERT_TAIL(&d->sessions, s, link);
	zd_id_insert(s);
	d->nsessions++;
	if (s->mode == ZD_MODE_RELAY)
		d->nrelay++;
	zlog(LOG_INFO, "%s: created in call %s (%s mode, policy %s%s)", s->id,
	    zd_call_id(s), s->mode == ZD_MODE_RELAY ? "relay" : "keys",
	    zd_policy_name(s->policy), s->multistream ? ", multistream" : "");
	*out = s;
	zwipe(&zc, sizeof(zc));
	return 0;
fail:
	zwipe(&zc, sizeof(zc));
	zd_session_free(s);
	return -1;
}

int
zd_session_start(struct zd_session *s, const struct sockaddr *remote,
    socklen_t remote_len, const char *peer_hash, int latch, char *err,
    size_t err_len)
{
	if (s->started || s->ended) {
		snprintf(err, err_len, "session already started");
		return -1;
	}
	if (s->mode == ZD_MODE_RELAY) {
		if (remote == NULL) {
			snprintf(err, err_len, "remote_addr and remote_port "
			    "are needed in relay mode");
			return -1;
		}
		if (remote->sa_family != s->media_addr.ss_family) {
			snprintf(err, err_len, "remote address family differs "
			    "from the media socket's");
			return -1;
		}
		memcpy(&s->remote, remote, remote_len);
		s->remote_len = remote_len;
		s->have_remote = 1;
	}
	if (peer_hash != NULL && zd_session_set_peer_hash(s, peer_hash, err,
	    err_len) != 0)
		return -1;
	s->latch = latch;
	s->started = 1;
	zd_session_set_state(s, ZD_ST_GOING_SECURE, NULL);
	if (zd_call_may_start(s) && zd_session_engine_start(s) != 0) {
		snprintf(err, err_len, "the ZRTP engine refused to start");
		return -1;
	}
	return 0;
}

/* "1.10 " and 64 hex digits, or the 64 alone. */
static int
zd_hash_valid(const char *h)
{
	size_t i;

	if (strncmp(h, "1.10 ", 5) == 0)
		h += 5;
	if (strlen(h) != 64)
		return 0;
	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)h[i]))
			return 0;
	return 1;
}

int
zd_session_set_peer_hash(struct zd_session *s, const char *hash, char *err,
    size_t err_len)
{
	if (!zd_hash_valid(hash)) {
		snprintf(err, err_len, "peer_hash: not an a=zrtp-hash value "
		    "(\"1.10 \" and 64 hex digits)");
		return -1;
	}
	snprintf(s->peer_hash, sizeof(s->peer_hash), "%s",
	    strncmp(hash, "1.10 ", 5) == 0 ? hash + 5 : hash);
	s->hash_state = "pending";
	if (s->peer_hello_hex[0] != '\0')
		s->hash_state = strcasecmp(s->peer_hello_hex,
		    s->peer_hash) == 0 ? "matched" : "mismatch";
	if (s->zs != NULL) {
		zs_set_peer_hello_hash(s->zs, zd_now_ms(), hash);
		zd_session_drain(s);
	}
	return 0;
}

int
zd_session_effective_require(const struct zd_session *s)
{
	/* The peer announced ZRTP: its absence is an attack. */
	return s->policy == ZD_POLICY_REQUIRE ||
	    s->peer_hash[0] != '\0';
}

int
zd_session_verdict(struct zd_session *s, int verdict, char *err,
    size_t err_len)
{
	if (!s->secure_reported || s->zs == NULL || !s->have_sas) {
		snprintf(err, err_len, s->multistream ? "a Multistream session "
		    "has no SAS of its own: give the verdict on the call's "
		    "first session" : "no SAS yet: the session is not secure");
		return -1;
	}
	if (verdict == -1) {
		s->verdict_later = 1;
		return 0;
	}
	/* 2: clear the V flag; the engine records it as "not verified". */
	if (zs_sas_verdict(s->zs, zd_now_ms(), verdict == 1) != 0) {
		snprintf(err, err_len, "the engine refused the verdict");
		return -1;
	}
	s->sas_verified = verdict == 1;
	zd_session_drain(s);
	if (verdict == 1)
		zd_session_set_state(s, ZD_ST_VERIFIED, NULL);
	else if (verdict == 0)
		zd_session_set_state(s, ZD_ST_SAS_MISMATCH, NULL);
	else if (s->state == ZD_ST_VERIFIED)
		zd_session_set_state(s, ZD_ST_SECURE, NULL);
	return 0;
}

/*
 * Control requests name sessions by id: a hash index, so that a request
 * costs the same at 10,000 sessions as at 10 (a walk of the list took 14 %
 * of the loop at 4,000, docs/performance.md "Scale"). FNV-1a; ids are
 * ours ("s" and a counter), never a client's choice.
 */
static size_t
zd_id_bucket(const struct zd *d, const char *id)
{
	uint32_t h = 2166136261u;

	for (; *id != '\0'; id++)
		h = (h ^ (uint8_t)*id) * 16777619u;
	return h & d->by_id_mask;
}

int
zd_sessions_index(struct zd *d)
{
	size_t n = 64;

	while (n < d->cfg.max_sessions)
		n *= 2;
	if ((d->by_id = calloc(n, sizeof(*d->by_id))) == NULL)
		return -1;
	d->by_id_mask = n - 1;
	return 0;
}

static void
zd_id_insert(struct zd_session *s)
{
	struct zd_session **b = &s->d->by_id[zd_id_bucket(s->d, s->id)];

	s->id_next = *b;
	*b = s;
}

static void
zd_id_remove(struct zd_session *s)
{
	struct zd_session **p = &s->d->by_id[zd_id_bucket(s->d, s->id)];

	while (*p != NULL && *p != s)
		p = &(*p)->id_next;
	if (*p == s)
		*p = s->id_next;
	s->id_next = NULL;
}

struct zd_session *
zd_session_find(struct zd *d, const char *id)
{
	struct zd_session *s;

	for (s = d->by_id[zd_id_bucket(d, id)]; s != NULL; s = s->id_next)
		if (strcmp(s->id, id) == 0)	/* ids are public */
			return s;
	return NULL;
}

/* Freed now, or when its last worker job comes back. */
void
zd_session_close(struct zd_session *s, const char *why)
{
	struct zd_conn *held = NULL;

	if (s->closing)
		return;
	if (s->orphaned) {
		TAILQ_REMOVE(&s->d->orphans, s, orphan_link);
		s->orphaned = 0;
		held = s->owner;
	}
	zlog(LOG_INFO, "%s: closed (%s)", s->id, why);
	zd_enroll_closing(s);
	s->ended = 1;
	zd_session_remember(s);
	zd_event_simple(s, "closed", json_pack("{s:s}", "reason", why));
	s->closing = 1;
	TAILQ_REMOVE(&s->d->sessions, s, link);
	zd_id_remove(s);
	s->d->nsessions--;
	if (s->mode == ZD_MODE_RELAY)
		s->d->nrelay--;
	zd_call_leave(s);
	event_del(s->timer);
	if (s->end_timer != NULL)
		event_del(s->end_timer);
	if (s->media_ev != NULL)
		event_del(s->media_ev);
	event_del(s->app_ev);
	/*
	 * Its sockets go now, not when its last job is answered: nsessions
	 * and nrelay count it out already, and the descriptor limit is
	 * theirs (main.c), so a closed session may hold none.
	 */
	if (s->media_fd >= 0)
		close(s->media_fd);
	if (s->app_fd >= 0)
		close(s->app_fd);
	s->media_fd = s->app_fd = -1;
	zd_relay_close(s);
	if (s->keys != NULL) {
		zsecure_free(s->keys, sizeof(*s->keys));
		s->keys = NULL;
	}
	zd_cache_release(s);
	if (s->jobs == 0)
		zd_session_free(s);
	if (held != NULL)
		zd_conn_job_done(held);
}

/*
 * A vanished client's sessions close ZD_CLOSE_SLICE at a time, one slice
 * per pass of the loop (a timer of no delay fires after the pass's I/O),
 * so that a client that held a thousand does not stop every other
 * session's media for the whole of it: 30 ms a thousand in one callback
 * (docs/performance.md, the storm paragraphs). Each holds its connection
 * (one of its jobs) until closed, so s->owner stays valid.
 */
#define ZD_CLOSE_SLICE	8

static void
zd_orphans_close(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval next_pass = { 0, 0 };
	struct zd *d = arg;
	struct zd_session *s;
	int n;

	(void)fd;
	(void)what;
	for (n = 0; n < ZD_CLOSE_SLICE &&
	    (s = TAILQ_FIRST(&d->orphans)) != NULL; n++)
		zd_session_close(s, "client_gone");
	if (!TAILQ_EMPTY(&d->orphans))
		evtimer_add(d->orphans_ev, &next_pass);
}

void
zd_sessions_conn_gone(struct zd *d, struct zd_conn *cn)
{
	static const struct timeval next_pass = { 0, 0 };
	struct zd_session *s;

	TAILQ_FOREACH(s, &d->sessions, link) {
		if (s->owner != cn || s->orphaned)
			continue;
		s->orphaned = 1;
		TAILQ_INSERT_TAIL(&d->orphans, s, orphan_link);
		zd_conn_job_start(cn);
	}
	if (!TAILQ_EMPTY(&d->orphans))
		evtimer_add(d->orphans_ev, &next_pass);
}

int
zd_sessions_reaper(struct zd *d)
{
	d->orphans_ev = evtimer_new(d->base, zd_orphans_close, d);
	return d->orphans_ev != NULL ? 0 : -1;
}

void
zd_session_job_done(struct zd_session *s)
{
	if (--s->jobs == 0 && s->closing)
		zd_session_free(s);
}
