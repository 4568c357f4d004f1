/*
 * A PBX's trusted-MiTM enrollment request (RFC 6189 §7.3.1) as the daemon
 * carries it: announced to the clients, answered only by a person through
 * session_enroll, declined when the session closes unanswered. The engine
 * judges (an accept needs this call's SAS verified); nothing here decides
 * what the cache writes, and nothing here runs without a client's word.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "control.h"
#include "events.h"
#include "log.h"
#include "session.h"

static const char *const zd_enroll_names[] = {
	[ZD_ENROLL_NONE] = NULL,
	[ZD_ENROLL_PENDING] = "pending",
	[ZD_ENROLL_STORING] = "storing",
	[ZD_ENROLL_ACCEPTED] = "accepted",
	[ZD_ENROLL_DECLINED] = "declined",
	[ZD_ENROLL_FAILED] = "failed",
};

/* What a person is told when a PBX asks (the UI's words, as for states). */
static const char zd_enroll_text[] =
    "The other side is a PBX that asks to be trusted as a man in the "
    "middle for your future calls through it: it could then show you the "
    "SAS of the caller it connects you to, and it can listen to those "
    "calls. Accept only if this is your own organization's PBX, and only "
    "after you compared this call's SAS aloud and it matched.";

static const char *
zd_enroll_name(enum zd_enroll e)
{
	return zd_enroll_names[e];
}

/* {"state", "reason"?} for session_show, or null. */
json_t *
zd_enroll_json(const struct zd_session *s)
{
	json_t *j;

	if (s->enroll == ZD_ENROLL_NONE)
		return json_null();
	j = json_pack("{s:s}", "state", zd_enroll_name(s->enroll));
	if (s->enroll_reason != NULL)
		json_object_set_new(j, "reason", json_string(s->enroll_reason));
	return j;
}

/* The state alone, for session_list. */
json_t *
zd_enroll_brief(const struct zd_session *s)
{
	return s->enroll == ZD_ENROLL_NONE ? json_null() :
	    json_string(zd_enroll_name(s->enroll));
}

static void
zd_enroll_event(struct zd_session *s)
{
	char hex[2 * ZRTP_ZID_LEN + 1];
	json_t *f;

	zd_hex(s->peer_zid, ZRTP_ZID_LEN, hex);
	f = json_pack("{s:s, s:s, s:o}", "state", zd_enroll_name(s->enroll),
	    "zid", hex, "name", s->peer_name != NULL ?
	    json_string(s->peer_name) : json_null());
	if (s->enroll_reason != NULL)
		json_object_set_new(f, "reason", json_string(s->enroll_reason));
	if (s->enroll == ZD_ENROLL_PENDING)
		json_object_set_new(f, "message", json_string(zd_enroll_text));
	zlog(LOG_NOTICE, "%s: PBX enrollment %s%s%s%s", s->id,
	    zd_enroll_name(s->enroll), s->enroll_reason != NULL ? " (" : "",
	    s->enroll_reason != NULL ? s->enroll_reason : "",
	    s->enroll_reason != NULL ? ")" : "");
	zd_event_simple(s, "enrollment", f);
}

/*
 * ZSA_ENROLL: the engine saw the E flag in the peer's authenticated
 * Confirm, from a peer whose Hello had the M flag. Answered after the
 * drain (the engine is not re-entered from its own action loop).
 */
void
zd_enroll_offered(struct zd_session *s)
{
	if (s->enroll != ZD_ENROLL_NONE)
		return;
	if (!s->d->cfg.pbx_enrollment) {
		s->enroll = ZD_ENROLL_DECLINED;
		s->enroll_reason = "forbidden";
		s->enroll_tell_engine = 1;
		return;
	}
	s->enroll = ZD_ENROLL_PENDING;
}

/* After the drain: a refusal by configuration goes to the engine. */
void
zd_enroll_settle(struct zd_session *s)
{
	if (!s->enroll_tell_engine)
		return;
	s->enroll_tell_engine = 0;
	zs_enroll(s->zs, zd_now_ms(), 0);
	zd_session_drain(s);
}

/*
 * Once the session is reported secure (after its SAS): the request, or
 * its refusal by configuration, reaches the clients.
 */
void
zd_enroll_announce(struct zd_session *s)
{
	if (s->enroll == ZD_ENROLL_NONE || s->enroll_announced)
		return;
	s->enroll_announced = 1;
	zd_enroll_event(s);
}

/*
 * The person's answer. 0, or -1 with err: no request open, or the engine
 * refused an accept (no `match` verdict on this call, or a cache
 * mismatch: §7.3.1 asks for evidence that no MiTM is present).
 */
int
zd_session_enroll(struct zd_session *s, int accept, struct zd_conn *cn,
    json_t *id, char *err, size_t err_len)
{
	if (s->enroll != ZD_ENROLL_PENDING || !s->enroll_announced ||
	    s->zs == NULL) {
		if (s->enroll == ZD_ENROLL_NONE || !s->enroll_announced)
			snprintf(err, err_len, "no PBX enrollment request on "
			    "this session");
		else
			snprintf(err, err_len, "the PBX enrollment request "
			    "was already answered (%s)",
			    zd_enroll_name(s->enroll));
		return -1;
	}
	if (zs_enroll(s->zs, zd_now_ms(), accept) != 0) {
		snprintf(err, err_len, "%s", s->cache_mismatch ?
		    "this call's cache did not match: a PBX is enrolled only "
		    "on a call without a cache mismatch" : "compare this "
		    "call's SAS first and give the verdict match on this "
		    "call: a PBX you enroll can relay the SAS of every later "
		    "call");
		return -1;
	}
	if (accept) {
		/* Answered by zd_enroll_stored(), once on disk. */
		s->enroll = ZD_ENROLL_STORING;
		s->enroll_cn = cn;
		s->enroll_id = json_incref(id);
		zd_conn_job_start(cn);
	} else {
		s->enroll = ZD_ENROLL_DECLINED;
		s->enroll_reason = "user";
		zd_enroll_event(s);
	}
	zd_session_drain(s);
	return 0;
}

/* The accept is still being written: its connection's next lines wait. */
void
zd_session_enroll_wait(struct zd_session *s)
{
	if (s->enroll_cn == NULL)
		return;
	s->enroll_held = 1;
	zd_conn_hold(s->enroll_cn);
}

/*
 * The cache thread's answer to the ZSA_CACHE_PBX write (or its failure
 * to be queued): the event, and the reply the accept waited for.
 */
void
zd_enroll_stored(struct zd_session *s, int ok)
{
	struct zd_conn *cn = s->enroll_cn;
	char hex[2 * ZRTP_ZID_LEN + 1];

	if (s->enroll != ZD_ENROLL_STORING)
		return;
	s->enroll = ok ? ZD_ENROLL_ACCEPTED : ZD_ENROLL_FAILED;
	s->enroll_reason = ok ? NULL : "cache";
	if (!s->closing)
		zd_enroll_event(s);
	if (cn == NULL)
		return;
	s->enroll_cn = NULL;
	zd_hex(s->peer_zid, ZRTP_ZID_LEN, hex);
	if (ok)
		zd_cmd_ok(cn, s->enroll_id, json_pack("{s:s, s:s, s:s}",
		    "session", s->id, "enrollment", "accepted", "zid", hex));
	else
		zd_cmd_error(cn, s->enroll_id, "cache", "the PBX's secret "
		    "could not be stored: not enrolled (the daemon logged "
		    "why)");
	json_decref(s->enroll_id);
	s->enroll_id = NULL;
	if (s->enroll_held && !zd_conn_dead(cn))
		zd_conn_resume(cn);
	s->enroll_held = 0;
	zd_conn_job_done(cn);
}

/* §7.3.1: a request nobody answered is declined; nothing is stored. */
void
zd_enroll_closing(struct zd_session *s)
{
	if (s->enroll != ZD_ENROLL_PENDING)
		return;
	s->enroll = ZD_ENROLL_DECLINED;
	s->enroll_reason = "closed";
	if (s->enroll_announced)
		zd_enroll_event(s);
}
