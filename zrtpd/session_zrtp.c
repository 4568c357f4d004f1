/*
 * Driving a session's engine: every action zs_next_action() hands out has
 * one handler in a table. Key agreement goes to the worker pool, cache
 * reads and writes to the cache thread; "secure" is reported only once
 * every retained secret the exchange produced is durable on disk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algo.h"
#include "call.h"
#include "packet.h"
#include "events.h"
#include "log.h"
#include "session.h"
#include "workers.h"
#include "zcrypto.h"

struct zd_kex_job {
	struct zd_job		 job;
	struct zd_session	*s;
	struct zs_kex_job	*kex;
};

static void
zd_kex_run(struct zd_job *j)
{
	zs_kex_run(((struct zd_kex_job *)j)->kex);
}

/* The job is ours once drained: back to its session, or freed. */
static void
zd_kex_done(struct zd_job *j)
{
	struct zd_kex_job *kj = (struct zd_kex_job *)j;
	struct zd_session *s = kj->s;

	if (!s->closing && s->zs != NULL) {
		zs_kex_done(s->zs, zd_now_ms(), kj->kex);
		zd_session_drain(s);
	} else
		zs_kex_job_free(kj->kex);
	free(kj);
	zd_session_job_done(s);
}

static void
on_send(struct zd_session *s, struct zs_action *a)
{
	if (zd_session_send_wire(s, a->u.send.p, a->u.send.len) > 0)
		s->n.zrtp_out++;
}

static void
on_timer(struct zd_session *s, struct zs_action *a)
{
	struct timeval tv;

	evtimer_del(s->timer);
	if (a->u.timer_ms == 0)
		return;
	tv.tv_sec = a->u.timer_ms / 1000;
	tv.tv_usec = (a->u.timer_ms % 1000) * 1000;
	evtimer_add(s->timer, &tv);
}

static void
on_kex(struct zd_session *s, struct zs_action *a)
{
	struct zd_kex_job *kj;

	if ((kj = calloc(1, sizeof(*kj))) == NULL) {
		/* Run it here rather than lose the exchange. */
		zs_kex_run(a->u.kex);
		zs_kex_done(s->zs, zd_now_ms(), a->u.kex);
		return;
	}
	/* Drained jobs are ours (engine.h): the engine forgets the pointer. */
	kj->job.run = zd_kex_run;
	kj->job.done = zd_kex_done;
	kj->s = s;
	kj->kex = a->u.kex;
	s->jobs++;
	zd_workers_submit(s->d->workers, ZD_Q_KEX, &kj->job);
}

static void
on_lookup(struct zd_session *s, struct zs_action *a)
{
	zd_cache_lookup(s, a->u.zid);
}

static void
on_write(struct zd_session *s, struct zs_action *a)
{
	zd_cache_write(s, a);
}

void
zd_hex(const uint8_t *p, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* The a=zrtp-hash of the Hello in the datagram being fed, or "". */
static void
zd_rx_hello_hash(const struct zd_session *s, char out[ZRTP_HELLO_HASH_HEX])
{
	struct zpkt pkt;

	out[0] = '\0';
	if (s->rx_pkt == NULL || zpkt_decode(s->rx_pkt, s->rx_len, &pkt) != 0 ||
	    pkt.msg.type != ZMSG_HELLO ||
	    zhello_hash_hex(pkt.raw_msg.p, pkt.raw_msg.len, out) != 0)
		out[0] = '\0';
}

/*
 * Peer text is shown to people: printable ASCII only. Trailing NULs are
 * padding, not text: libbzrtp (Linphone) sends "BZRTPv1.1" and seven NULs
 * as its client identifier, which read "BZRTPv1.1???????" before.
 */
static void
zd_printable(char *out, const uint8_t *in, size_t len)
{
	size_t i;

	while (len > 0 && in[len - 1] == '\0')
		len--;
	for (i = 0; i < len; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? (char)in[i] : '?';
	out[len] = '\0';
}

static void
on_peer(struct zd_session *s, struct zs_action *a)
{
	char hex[2 * ZRTP_ZID_LEN + 1];

	s->have_peer = 1;
	memcpy(s->peer_zid, a->u.peer.zid, ZRTP_ZID_LEN);
	zd_printable(s->peer_cid, a->u.peer.client_id, ZRTP_CID_LEN);
	zd_printable(s->peer_version, a->u.peer.version, ZRTP_VERSION_LEN);
	zd_rx_hello_hash(s, s->peer_hello_hex);
	/*
	 * The engine took this Hello: it matched any a=zrtp-hash given, even
	 * after altered or forged ones were refused ("mismatch" until now).
	 */
	if (strcmp(s->hash_state, "none") != 0)
		s->hash_state = "matched";
	zd_hex(s->peer_zid, ZRTP_ZID_LEN, hex);
	zlog(LOG_INFO, "%s: peer ZID %.8s..., client '%s'", s->id, hex,
	    s->peer_cid);
	zd_event_simple(s, "peer", json_pack("{s:s, s:s, s:s, s:n}", "zid",
	    hex, "client_id", s->peer_cid, "version", s->peer_version,
	    "name"));
}

static void
on_sas(struct zd_session *s, struct zs_action *a)
{
	json_t *sas;

	if (a->u.sas.relayed) {
		/*
		 * §7.3: a relayed SAS (only from a PBX we enrolled: its
		 * pbxsecret matched) replaces the shown one. Before the
		 * session is reported secure, its sas_ready carries it.
		 */
		memcpy(s->sas, a->u.sas.text, sizeof(s->sas));
		s->sas_scheme = a->u.sas.scheme;
		s->sas_relayed = 1;
		if (!s->secure_reported)
			return;
		sas = json_pack("{s:s, s:s, s:b, s:b}", "text", s->sas,
		    "scheme", zd_algo_str(s->sas_scheme), "verified",
		    s->sas_verified, "relayed", 1);
		zd_event_simple(s, "sas_ready", json_pack("{s:o, s:s, s:o}",
		    "sas", sas, "cache", s->cache_state ? s->cache_state : "new",
		    "name", s->peer_name != NULL ? json_string(s->peer_name) :
		    json_null()));
		return;
	}
	s->have_sas = 1;
	memcpy(s->sas, a->u.sas.text, sizeof(s->sas));
	s->sas_scheme = a->u.sas.scheme;
	s->sas_verified = a->u.sas.verified;
	s->cache_mismatch = a->u.sas.cache_mismatch;
	s->cache_state = s->cache_mismatch ? "mismatch" : s->cache_held &&
	    !a->u.sas.overlap ? "matched" : "new";
	if (a->u.sas.overlap)
		zlog(LOG_NOTICE, "%s: the peer proved none of the secret a "
		    "first contact stored moments ago: it read the cache "
		    "before its own store, a first contact too, not a cache "
		    "mismatch (docs/engine.md, \"Concurrent calls\")", s->id);
}

static void
on_secure(struct zd_session *s, struct zs_action *a)
{
	int k;

	for (k = 0; k < ZALGO_KIND_COUNT; k++)
		s->algo[k] = zs_algo(s->zs, (enum zalgo_kind)k);
	if (s->mode == ZD_MODE_RELAY && s->srtp_rx_only) {
		/* The same keys, open since ZSA_SRTP_RX: now both ways. */
		s->srtp_rx_only = 0;
	} else if (s->mode == ZD_MODE_RELAY) {
		if (zd_relay_open(s, &a->u.secure) != 0) {
			zd_session_set_state(s, ZD_ST_NOT_SECURE, "libsrtp2 "
			    "cannot use the negotiated cipher");
			return;
		}
	} else if (s->keys == NULL &&
	    (s->keys = zsecure_alloc(sizeof(*s->keys))) != NULL)
		*s->keys = a->u.secure;
	s->keys_ready = 1;
}

/*
 * §4.6: an initiator whose Conf2ACK is lost goes secure on the
 * responder's first authentic SRTP (zd_relay_from_wire), which takes the
 * keys to check; it sends none before ZSA_SECURE. Keys mode hands keys
 * out at ZSA_SECURE only, and waits for the Conf2ACK.
 */
static void
on_srtp_rx(struct zd_session *s, struct zs_action *a)
{
	if (s->mode != ZD_MODE_RELAY || s->srtp_open)
		return;
	if (zd_relay_open(s, &a->u.secure) == 0)
		s->srtp_rx_only = 1;
}

static void
on_alert(struct zd_session *s, struct zs_action *a)
{
	const char *what = a->u.alert.text;
	char got[ZRTP_HELLO_HASH_HEX];

	/*
	 * §8.1: a Hello that is not the one signalling announced. Reported
	 * once: every retransmission (or forged copy) would otherwise be an
	 * event and a log line, a flood anyone who reaches the port can cause.
	 */
	if (a->u.alert.code == ZC_HELLO_HASH) {
		s->hash_state = "mismatch";
		if (s->hash_reported)
			return;
		s->hash_reported = 1;
		zlog(LOG_WARNING, "%s: alert: %s (%s)", s->id, what,
		    zcode_name(a->u.alert.code));
		zd_rx_hello_hash(s, got);
		zd_event_simple(s, "zrtp_hash_mismatch", json_pack("{s:s, s:s}",
		    "expected", s->peer_hash, "received", got));
		return;
	}
	/*
	 * Each kind once per session, the repeats counted: a forged packet
	 * costs the attacker one datagram and must not cost every client a
	 * line and an event (docs/control-protocol.md, alert).
	 */
	if (a->u.alert.code > 0 && a->u.alert.code < 64) {
		if (s->alerts_seen & (UINT64_C(1) << a->u.alert.code)) {
			s->n.alerts_repeated++;
			return;
		}
		s->alerts_seen |= UINT64_C(1) << a->u.alert.code;
	}
	zlog(LOG_WARNING, "%s: alert: %s (%s)", s->id, what,
	    zcode_name(a->u.alert.code));
	zd_event_simple(s, "alert", json_pack("{s:s, s:s}", "code",
	    zcode_name(a->u.alert.code), "message", what));
}

static void
on_clear(struct zd_session *s, struct zs_action *a)
{
	(void)a;
	zd_relay_close(s);
	s->keys_ready = s->secure_reported = 0;
	zd_event_simple(s, "going_clear", NULL);
	zd_session_set_state(s, ZD_ST_NOT_SECURE, NULL);
}

static void
on_enroll(struct zd_session *s, struct zs_action *a)
{
	(void)a;
	/* §7.3.1: only a person's answer (session_enroll) enrolls. */
	zd_enroll_offered(s);
}

static void
zd_end_fired(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	zd_session_close(arg, "ended");
}

/* Under require a failed session is over; it stays listed a minute. */
static void
zd_session_end_later(struct zd_session *s)
{
	struct timeval tv = { 60, 0 };

	s->ended = 1;
	if (s->end_timer == NULL && (s->end_timer = evtimer_new(s->d->base,
	    zd_end_fired, s)) == NULL)
		return;
	evtimer_add(s->end_timer, &tv);
}

/*
 * The exchange failed (the engine's ZSA_FAILED), or the daemon could not
 * keep what it produced (a retained secret the cache could not store).
 */
void
zd_session_fail(struct zd_session *s, int code, uint32_t wire,
    int from_peer, int error, const char *why)
{
	s->failed = 1;
	zd_session_text(&s->failure, why);
	s->fail_wire = wire;
	s->fail_from_peer = from_peer;
	s->fail_error = error;
	s->fail_code = zcode_name(code);
	zd_relay_close(s);
	s->keys_ready = 0;
	zlog(LOG_NOTICE, "%s: ZRTP failed: %s (code 0x%x%s)", s->id, why,
	    s->fail_wire, s->fail_from_peer ? ", from peer" : "");
	if (code == ZC_HELLO_HASH) {
		s->hash_state = "mismatch";
		if (!s->hash_reported)
			zd_event_simple(s, "zrtp_hash_mismatch", json_pack(
			    "{s:s, s:s}", "expected", s->peer_hash,
			    "received", s->peer_hello_hex));
		s->hash_reported = 1;
	}
	/*
	 * Not one Hello came back: the peer does not speak ZRTP. Hellos that
	 * were refused (not the announced one) are an impostor, not silence.
	 */
	if (!s->have_peer && code != ZC_HELLO_HASH) {
		s->fail_code = "no_zrtp";
		zd_event_simple(s, "no_zrtp", json_pack("{s:s, s:b}", "policy",
		    zd_policy_name(s->policy), "media_clear",
		    !zd_session_effective_require(s)));
	} else
		zd_event_simple(s, "failed", json_pack("{s:s, s:i, s:b, s:s}",
		    "code", s->fail_code, "wire_code", (int)s->fail_wire,
		    "from_peer", s->fail_from_peer, "message", why));
	zd_session_set_state(s, ZD_ST_NOT_SECURE, why);
	if (zd_session_effective_require(s))
		zd_session_end_later(s);
	zd_call_stream_failed(s);
}

static void
on_failed(struct zd_session *s, struct zs_action *a)
{
	zd_session_fail(s, a->u.failed.code, a->u.failed.wire_code,
	    a->u.failed.from_peer, a->u.failed.error,
	    a->u.failed.what != NULL ? a->u.failed.what : "failed");
}

typedef void (*zd_action_fn)(struct zd_session *, struct zs_action *);

static const zd_action_fn zd_actions[] = {
	[ZSA_SEND] = on_send,
	[ZSA_TIMER] = on_timer,
	[ZSA_KEX] = on_kex,
	[ZSA_CACHE_LOOKUP] = on_lookup,
	[ZSA_PEER] = on_peer,
	[ZSA_SAS] = on_sas,
	[ZSA_SECURE] = on_secure,
	[ZSA_CACHE_STORE] = on_write,
	[ZSA_CACHE_VERIFIED] = on_write,
	[ZSA_CACHE_EXPIRE] = on_write,
	[ZSA_ALERT] = on_alert,
	[ZSA_CLEAR] = on_clear,
	[ZSA_ENROLL] = on_enroll,
	[ZSA_CACHE_PBX] = on_write,
	[ZSA_FAILED] = on_failed,
	[ZSA_SRTP_RX] = on_srtp_rx,
};

void
zd_session_drain(struct zd_session *s)
{
	struct zs_action a;

	if (s->zs == NULL)
		return;
	while (!s->closing && zs_next_action(s->zs, &a)) {
		if ((size_t)a.type < sizeof(zd_actions) / sizeof(zd_actions[0]) &&
		    zd_actions[a.type] != NULL)
			zd_actions[a.type](s, &a);
	}
	zwipe(&a, sizeof(a));	/* keys and secrets pass through it */
	if (!s->closing)
		zd_enroll_settle(s);
	/*
	 * Failed, or secure (its store, if any, is in) with the peer past
	 * its own: the exchange no longer holds the peer's row.
	 */
	if (s->pend_peer != NULL && (s->failed || (s->keys_ready &&
	    zd_cache_peer_done(s))))
		zd_cache_release(s);
	zd_session_maybe_secure(s);
}

static const char *const zd_state_text[ZD_ST_COUNT_] = {
	[ZD_ST_NOT_SECURE] = "Not secure: this call's media is not protected.",
	[ZD_ST_GOING_SECURE] = "Securing the call...",
	[ZD_ST_SECURE] = "Secured. Read the SAS aloud and compare it with "
	    "the other caller's.",
	[ZD_ST_VERIFIED] = "Secured, and the SAS was verified.",
	[ZD_ST_CACHE_MISMATCH] = "Warning: the other side did not prove the "
	    "secret of your earlier calls. Someone may be intercepting: "
	    "compare the SAS now.",
	[ZD_ST_SAS_MISMATCH] = "The SAS does not match: this call is being "
	    "intercepted.",
};

/* Keys in use and every retained secret durable: tell the clients. */
void
zd_session_maybe_secure(struct zd_session *s)
{
	json_t *sas;

	if (!s->keys_ready || s->secure_reported || s->cache_writes > 0 ||
	    s->closing)
		return;
	s->secure_reported = 1;
	zlog(LOG_NOTICE, "%s: secure%s", s->id, s->multistream ?
	    " (multistream)" : "");
	if (s->have_sas) {
		sas = json_pack("{s:s, s:s, s:b, s:b}", "text", s->sas,
		    "scheme", zd_algo_str(s->sas_scheme), "verified",
		    s->sas_verified, "relayed", s->sas_relayed);
		zd_event_simple(s, "sas_ready", json_pack("{s:o, s:s, s:o}",
		    "sas", sas, "cache", s->cache_state ? s->cache_state : "new",
		    "name", s->peer_name != NULL ? json_string(s->peer_name) :
		    json_null()));
	}
	zd_event_secure(s);
	/* Clear media (best-effort, before the keys) has ended: SRTP now. */
	s->media_clear = 0;
	zd_session_set_state(s, s->sas_verified ? ZD_ST_VERIFIED :
	    s->cache_mismatch ? ZD_ST_CACHE_MISMATCH : ZD_ST_SECURE, NULL);
	zd_enroll_announce(s);
	zd_call_stream_secure(s);
}

void
zd_session_set_state(struct zd_session *s, enum zd_state st, const char *why)
{
	enum zd_state prev = s->state;
	json_t *f;

	if (s->state == st)
		return;
	s->state = st;
	f = json_pack("{s:s, s:s, s:b, s:s}", "security", zd_state_name(st),
	    "previous", zd_state_name(prev), "media_clear", s->media_clear,
	    "message", zd_state_text[st]);
	if (why != NULL)
		json_object_set_new(f, "reason", json_string(why));
	zd_event_simple(s, "security", f);
}
