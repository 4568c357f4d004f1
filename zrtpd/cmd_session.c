/*
 * The session commands of the control protocol: create, start, the peer's
 * a=zrtp-hash, close, list, show, keys, and the SAS verdict with its
 * challenge, and the answer to a PBX's enrollment request. Arguments are
 * decoded and judged here; what a session does with them is session.c's
 * (and enroll.c's).
 */
#include <netinet/in.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algo.h"
#include "commands.h"
#include "daemon.h"
#include "sas.h"
#include "session.h"
#include "zcrypto.h"

/* An optional integer argument in [lo, hi]; def when absent. */
static int
zd_cmd_int(struct zd_conn *cn, json_t *id, json_t *req, const char *name,
    long lo, long hi, long def, long *out)
{
	json_t *v = json_object_get(req, name);

	*out = def;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		zd_cmd_error(cn, id, "bad_request", "%s: an integer in "
		    "%ld..%ld expected", name, lo, hi);
		return -1;
	}
	*out = (long)json_integer_value(v);
	return 0;
}

/* A numeric address and port into ss. */
static int
zd_sockaddr(const char *host, long port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct addrinfo hints, *ai;
	char ps[8];

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(ps, sizeof(ps), "%ld", port);
	if (getaddrinfo(host, ps, &hints, &ai) != 0)
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int
zd_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)ss)->
		    sin_addr.s_addr) >> 24) == 127;
	return ss->ss_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(
	    &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr);
}

static const char *const zd_kind_names[ZALGO_KIND_COUNT] = {
	[ZALGO_HASH] = "hash", [ZALGO_CIPHER] = "cipher",
	[ZALGO_AUTH] = "auth", [ZALGO_KEX] = "kex", [ZALGO_SAS] = "sas",
};

/* {"kex": ["X255", "DH3k"], ...} into a. */
static int
zd_cmd_algos(struct zd_conn *cn, json_t *id, json_t *req, struct zd_algos *a)
{
	json_t *o = json_object_get(req, "algorithms"), *list, *v;
	char joined[ZRTP_ALGO_MAX * 5 + 1], why[256];
	const char *k;
	size_t i;
	int kind;

	memset(a, 0, sizeof(*a));
	if (o == NULL)
		return 0;
	if (!json_is_object(o))
		goto bad;
	json_object_foreach(o, k, list) {
		for (kind = 0; kind < ZALGO_KIND_COUNT; kind++)
			if (strcmp(k, zd_kind_names[kind]) == 0)
				break;
		if (kind == ZALGO_KIND_COUNT || !json_is_array(list) ||
		    json_array_size(list) == 0 ||
		    json_array_size(list) > ZRTP_ALGO_MAX)
			goto bad;
		joined[0] = '\0';
		json_array_foreach(list, i, v) {
			if (!json_is_string(v) || json_string_length(v) > 4)
				goto unknown;
			if (i > 0)
				strcat(joined, ",");
			strcat(joined, json_string_value(v));
		}
		if (zd_algos_parse(a, kind, joined, why, sizeof(why)) != 0) {
			zd_cmd_error(cn, id, "bad_request", "algorithms.%s: %s",
			    zd_kind_names[kind], why);
			return -1;
		}
	}
	return 0;
unknown:
	zd_cmd_error(cn, id, "bad_request", "algorithms.%s: names of four "
	    "characters at most", zd_kind_names[kind]);
	return -1;
bad:
	zd_cmd_error(cn, id, "bad_request", "algorithms: an object of "
	    "hash/cipher/auth/kex/sas arrays (1 to %d names) expected",
	    ZRTP_ALGO_MAX);
	return -1;
}

static int
zd_cmd_addr(struct zd_conn *cn, json_t *id, json_t *req, const char *an,
    const char *pn, int peer, struct sockaddr_storage *ss, socklen_t *len)
{
	const char *host;
	long port;

	/* A peer (remote, application) is never port 0: nothing listens. */
	if (zd_cmd_string(cn, id, req, an, 64, 0, &host) != 0 ||
	    zd_cmd_int(cn, id, req, pn, peer ? 1 : 0, 65535, 0, &port) != 0)
		return -1;
	if (host == NULL && json_object_get(req, pn) == NULL)
		return 0;
	if (peer && json_object_get(req, pn) == NULL) {
		zd_cmd_error(cn, id, "bad_request", "%s: an integer in 1..65535 "
		    "is required with %s", pn, an);
		return -1;
	}
	if (host == NULL || zd_sockaddr(host, port, ss, len) != 0) {
		zd_cmd_error(cn, id, "bad_request", "%s: a numeric IPv4 or "
		    "IPv6 address is required with %s", an, pn);
		return -1;
	}
	return 0;
}

/*
 * An argument only relay mode uses, given for a keys-mode session: refused,
 * never ignored. A keys-mode session has no media socket (the application
 * owns it), so nothing binds, faces or latches to a remote address.
 */
static int
zd_cmd_relay_only(struct zd_conn *cn, json_t *id, json_t *req,
    const char *const *names)
{
	for (; *names != NULL; names++) {
		if (json_object_get(req, *names) == NULL)
			continue;
		zd_cmd_error(cn, id, "bad_request", "%s: relay mode only (a "
		    "keys-mode session has no media socket: the application "
		    "owns it)", *names);
		return -1;
	}
	return 0;
}

static int
zd_cmd_create_params(struct zd_conn *cn, json_t *id, json_t *req,
    struct zd_session_params *p)
{
	const char *mode, *policy, *role;
	enum zd_policy pol;
	struct zd *d = zd_conn_daemon(cn);

	memset(p, 0, sizeof(*p));
	p->policy = -1;
	p->owner = cn;
	if (zd_cmd_string(cn, id, req, "mode", 8, 0, &mode) != 0 ||
	    zd_cmd_string(cn, id, req, "policy", 16, 0, &policy) != 0 ||
	    zd_cmd_string(cn, id, req, "role", 16, 0, &role) != 0 ||
	    zd_cmd_string(cn, id, req, "call", 64, 0, &p->call) != 0 ||
	    zd_cmd_text(cn, id, req, "label", 64, &p->label) != 0 ||
	    zd_cmd_algos(cn, id, req, &p->algos) != 0)
		return -1;
	if (mode != NULL && strcmp(mode, "relay") != 0 &&
	    strcmp(mode, "keys") != 0) {
		zd_cmd_error(cn, id, "bad_request", "mode: relay or keys");
		return -1;
	}
	p->mode = mode != NULL && strcmp(mode, "keys") == 0 ? ZD_MODE_KEYS :
	    ZD_MODE_RELAY;
	if (p->mode == ZD_MODE_KEYS && zd_cmd_relay_only(cn, id, req,
	    (const char *const[]){ "bind_addr", "bind_port", NULL }) != 0)
		return -1;
	if (policy != NULL) {
		if (zd_policy_parse(policy, &pol) != 0) {
			zd_cmd_error(cn, id, "bad_request", "policy: require "
			    "or best-effort");
			return -1;
		}
		p->policy = (int)pol;
	}
	if (role == NULL || strcmp(role, "any") == 0)
		p->role = ZS_PREFER_ANY;
	else if (strcmp(role, "initiator") == 0)
		p->role = ZS_PREFER_INITIATOR;
	else if (strcmp(role, "responder") == 0)
		p->role = ZS_PREFER_RESPONDER;
	else {
		zd_cmd_error(cn, id, "bad_request", "role: any, initiator or "
		    "responder");
		return -1;
	}
	if (json_object_get(req, "bind_addr") != NULL ||
	    json_object_get(req, "bind_port") != NULL) {
		if (json_object_get(req, "bind_addr") == NULL)
			json_object_set_new(req, "bind_addr",
			    json_string(d->cfg.media_address));
		if (zd_cmd_addr(cn, id, req, "bind_addr", "bind_port", 0,
		    &p->bind, &p->bind_len) != 0)
			return -1;
	}
	if (zd_cmd_addr(cn, id, req, "app_addr", "app_port", 1, &p->app,
	    &p->app_len) != 0)
		return -1;
	if (p->app.ss_family != 0 && !zd_is_loopback(&p->app)) {
		zd_cmd_error(cn, id, "bad_request", "app_addr: a loopback "
		    "address is required");
		return -1;
	}
	return 0;
}

static void
cmd_session_create(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd_session_params p;
	struct zd_session *s;
	const char *code;
	char err[256];
	json_t *r;

	if (zd_cmd_create_params(cn, id, req, &p) != 0)
		return;
	if (zd_session_create(zd_conn_daemon(cn), &p, &s, &code, err,
	    sizeof(err)) != 0) {
		zd_cmd_error(cn, id, code, "%s", err);
		return;
	}
	r = zd_session_json(s);
	zd_cmd_ok(cn, id, json_pack("{s:s, s:s, s:s, s:O, s:O, s:o}",
	    "session", s->id, "call", json_string_value(json_object_get(r,
	    "call")), "mode", s->mode == ZD_MODE_RELAY ? "relay" : "keys",
	    "media", json_object_get(r, "media"), "app",
	    json_object_get(r, "app"), "zrtp_hash", s->zs != NULL ?
	    json_string(zs_hello_hash(s->zs)) : json_null()));
	json_decref(r);
}

static void
cmd_session_start(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	struct zd_session *s;
	const char *hash;
	json_t *latch = json_object_get(req, "latch");
	json_t *rtcp = json_object_get(req, "remote_rtcp_port");
	char err[256];

	memset(&ss, 0, sizeof(ss));
	if ((s = zd_cmd_session(cn, id, req)) == NULL ||
	    (s->mode == ZD_MODE_KEYS && zd_cmd_relay_only(cn, id, req,
	    (const char *const[]){ "remote_addr", "remote_port",
	    "remote_rtcp_port", "latch", NULL }) != 0) ||
	    zd_cmd_string(cn, id, req, "peer_hash", 80, 0, &hash) != 0 ||
	    zd_cmd_addr(cn, id, req, "remote_addr", "remote_port", 1,
	    &ss, &len) != 0)
		return;
	if (latch != NULL && !json_is_boolean(latch)) {
		zd_cmd_error(cn, id, "bad_request", "latch: a boolean");
		return;
	}
	if (rtcp != NULL && (!json_is_integer(rtcp) ||
	    json_integer_value(rtcp) < 1 || json_integer_value(rtcp) > 65535)) {
		zd_cmd_error(cn, id, "bad_request", "remote_rtcp_port: an "
		    "integer, 1 to 65535");
		return;
	}
	if (rtcp != NULL && ss.ss_family == 0) {
		zd_cmd_error(cn, id, "bad_request", "remote_rtcp_port comes "
		    "with remote_addr and remote_port");
		return;
	}
	if (s->started || s->ended) {
		zd_cmd_error(cn, id, "state", "session %s already started",
		    s->id);
		return;
	}
	s->remote_rtcp_port = rtcp != NULL ?
	    htons((uint16_t)json_integer_value(rtcp)) : 0;
	if (zd_session_start(s, ss.ss_family != 0 ? (struct sockaddr *)&ss :
	    NULL, len, hash, latch != NULL ? json_is_true(latch) :
	    s->d->cfg.latch, err, sizeof(err)) != 0) {
		zd_cmd_error(cn, id, "bad_request", "%s", err);
		return;
	}
	zd_cmd_ok(cn, id, json_pack("{s:s, s:s}", "session", s->id,
	    "security", zd_state_name(s->state)));
}

static void
cmd_session_peer_hash(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd_session *s;
	const char *hash;
	char err[256];

	if ((s = zd_cmd_session(cn, id, req)) == NULL ||
	    zd_cmd_string(cn, id, req, "peer_hash", 80, 1, &hash) != 0)
		return;
	if (zd_session_set_peer_hash(s, hash, err, sizeof(err)) != 0) {
		zd_cmd_error(cn, id, "bad_request", "%s", err);
		return;
	}
	zd_cmd_ok(cn, id, json_pack("{s:s, s:o}", "session", s->id, "matched",
	    strcmp(s->hash_state, "pending") == 0 ? json_null() :
	    json_boolean(strcmp(s->hash_state, "matched") == 0)));
}

static void
cmd_session_close(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd_session *s;
	json_t *r;

	if ((s = zd_cmd_session(cn, id, req)) == NULL)
		return;
	r = json_pack("{s:s}", "session", s->id);
	zd_session_close(s, "request");
	zd_cmd_ok(cn, id, r);
}

static void
cmd_session_list(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd *d = zd_conn_daemon(cn);
	struct zd_session *s;
	json_t *list;

	(void)req;
	list = zd_session_ended_list(d);
	TAILQ_FOREACH(s, &d->sessions, link)
		json_array_append_new(list, zd_session_brief(s));
	zd_cmd_ok(cn, id, json_pack("{s:o}", "sessions", list));
}

static void
cmd_session_show(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd *d = zd_conn_daemon(cn);
	struct zd_session *s;
	const char *sid;
	json_t *ended;

	if (zd_cmd_string(cn, id, req, "session", 64, 1, &sid) != 0)
		return;
	if ((s = zd_session_find(d, sid)) != NULL)
		zd_cmd_ok(cn, id, zd_session_json(s));
	else if ((ended = zd_session_ended_json(d, sid)) != NULL)
		zd_cmd_ok(cn, id, ended);
	else
		zd_cmd_error(cn, id, "unknown_session", "no session \"%s\"",
		    sid);
}

static void
cmd_session_keys(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd_session *s;
	json_t *r;
	char *line;

	if ((s = zd_cmd_session(cn, id, req)) == NULL)
		return;
	if (s->mode != ZD_MODE_KEYS || s->keys == NULL ||
	    !s->secure_reported) {
		zd_cmd_error(cn, id, "state", s->mode != ZD_MODE_KEYS ?
		    "a relay-mode session's keys never leave the daemon" :
		    "no keys: the session is not secure");
		return;
	}
	r = json_pack("{s:O, s:b, s:{s:s, s:o, s:o}}", "id", id, "ok", 1,
	    "result", "session", s->id, "algorithms",
	    zd_session_algorithms_json(s), "keys", zd_session_keys_json(s));
	line = json_dumps(r, JSON_COMPACT);
	zd_json_wipe(r);
	json_decref(r);
	if (line != NULL) {
		zd_conn_send_raw(cn, line);
		zwipe(line, strlen(line));
		free(line);
	}
}

static void
cmd_sas_verdict(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd_session *s;
	const char *verdict, *challenge;
	long pick;
	int v;
	char err[256];

	if ((s = zd_cmd_session(cn, id, req)) == NULL ||
	    zd_cmd_string(cn, id, req, "verdict", 16, 1, &verdict) != 0 ||
	    zd_cmd_string(cn, id, req, "challenge", 16, 0, &challenge) != 0 ||
	    zd_cmd_int(cn, id, req, "pick", 0, ZD_CHALLENGE_MAX - 1, -1,
	    &pick) != 0)
		return;
	if (strcmp(verdict, "match") == 0)
		v = 1;
	else if (strcmp(verdict, "mismatch") == 0)
		v = 0;
	else if (strcmp(verdict, "later") == 0)
		v = -1;
	else {
		zd_cmd_error(cn, id, "bad_request", "verdict: match, mismatch "
		    "or later");
		return;
	}
	/* A pick alone would record the match whatever was picked. */
	if (challenge == NULL && pick >= 0) {
		zd_cmd_error(cn, id, "bad_request", "pick: only with the open "
		    "challenge's id (challenge): nothing was recorded");
		return;
	}
	if (challenge != NULL) {
		if (v != 1 || pick < 0 || s->challenge[0] == '\0' ||
		    strcmp(challenge, s->challenge) != 0) {
			zd_cmd_error(cn, id, "bad_request", "challenge: the "
			    "open challenge's id and a pick, with match");
			return;
		}
		s->challenge[0] = '\0';		/* answered once */
		if (pick != s->challenge_pick) {
			s->challenge_wrong++;
			zd_cmd_error(cn, id, "challenge_failed", "that is not "
			    "this call's SAS: nothing was recorded");
			return;
		}
	}
	if (zd_session_verdict(s, v, err, sizeof(err)) != 0) {
		zd_cmd_error(cn, id, "state", "%s", err);
		return;
	}
	zd_cmd_ok(cn, id, json_pack("{s:s, s:s}", "session", s->id,
	    "security", zd_state_name(s->state)));
}

/*
 * §7.3.1: the person's answer to a PBX's enrollment request. Accepting
 * needs this call's SAS verified (a `match` verdict on this call); the
 * reply to an accept comes once the pbxsecret is on disk.
 */
static void
cmd_session_enroll(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd_session *s;
	const char *decision;
	char err[256];
	int accept;

	if ((s = zd_cmd_session(cn, id, req)) == NULL ||
	    zd_cmd_string(cn, id, req, "decision", 16, 1, &decision) != 0)
		return;
	if (strcmp(decision, "accept") == 0)
		accept = 1;
	else if (strcmp(decision, "decline") == 0)
		accept = 0;
	else {
		zd_cmd_error(cn, id, "bad_request", "decision: accept or "
		    "decline");
		return;
	}
	if (zd_session_enroll(s, accept, cn, id, err, sizeof(err)) != 0) {
		zd_cmd_error(cn, id, "state", "%s", err);
		return;
	}
	if (accept)
		zd_session_enroll_wait(s);	/* replied when stored */
	else
		zd_cmd_ok(cn, id, json_pack("{s:s, s:o}", "session", s->id,
		    "enrollment", zd_enroll_brief(s)));
}

/*
 * Once per session: decoys in the SAS's scheme, all distinct, none it;
 * allocated here, since most sessions never ask (issue 7). -1: no memory.
 */
static int
zd_challenge_decoys(struct zd_session *s)
{
	uint8_t hash[4];
	size_t i, j;

	if (s->decoys != NULL)
		return 0;
	if ((s->decoys = calloc(ZD_CHALLENGE_MAX - 1,
	    sizeof(s->decoys[0]))) == NULL)
		return -1;
	for (i = 0; i < ZD_CHALLENGE_MAX - 1; i++) {
again:
		zrand_bytes(hash, sizeof(hash));
		zsas_render(s->sas_scheme, hash, s->decoys[i],
		    sizeof(s->decoys[i]));
		if (strcmp(s->decoys[i], s->sas) == 0)
			goto again;
		for (j = 0; j < i; j++)
			if (strcmp(s->decoys[i], s->decoys[j]) == 0)
				goto again;
	}
	return 0;
}

/* Uniform in [0, n), n <= 256 (no modulo bias). */
static int
zd_rand_below(unsigned n)
{
	uint8_t b;

	do
		zrand_bytes(&b, 1);
	while (b >= 256 - 256 % n);
	return b % n;
}

/*
 * The real SAS and count - 1 of the session's decoys, in a random order.
 * Asking again gives the same candidates, so that the one that stays
 * across challenges is not the answer; wrong picks are limited.
 */
static void
cmd_sas_challenge(struct zd_conn *cn, json_t *id, json_t *req)
{
	static unsigned next;
	struct zd_session *s;
	const char *shown[ZD_CHALLENGE_MAX], *t;
	json_t *cands;
	long count, i;
	int j;

	if ((s = zd_cmd_session(cn, id, req)) == NULL ||
	    zd_cmd_int(cn, id, req, "count", 2, ZD_CHALLENGE_MAX, 4,
	    &count) != 0)
		return;
	if (!s->have_sas || !s->secure_reported) {
		zd_cmd_error(cn, id, "state", "no SAS yet");
		return;
	}
	if (s->challenge_wrong >= ZD_CHALLENGE_TRIES) {
		zd_cmd_error(cn, id, "state", "%d wrong picks: no more "
		    "challenges; compare the SAS by voice again and give "
		    "match or mismatch", s->challenge_wrong);
		return;
	}
	if (zd_challenge_decoys(s) != 0) {
		zd_cmd_error(cn, id, "internal", "out of memory");
		return;
	}
	shown[0] = s->sas;
	for (i = 1; i < count; i++)
		shown[i] = s->decoys[i - 1];
	/* Fisher-Yates; the real SAS's place is the pick. */
	for (i = count - 1; i > 0; i--) {
		j = zd_rand_below((unsigned)i + 1);
		t = shown[i];
		shown[i] = shown[j];
		shown[j] = t;
	}
	cands = json_array();
	for (i = 0; i < count; i++) {
		if (shown[i] == s->sas)
			s->challenge_pick = (int)i;
		json_array_append_new(cands, json_string(shown[i]));
	}
	snprintf(s->challenge, sizeof(s->challenge), "k%u", ++next);
	zd_cmd_ok(cn, id, json_pack("{s:s, s:o}", "challenge", s->challenge,
	    "candidates", cands));
}

const struct zd_cmd zd_session_cmds[] = {
	{ "session_create", ZD_ACCESS_CONTROL, "mode bind_addr bind_port "
	    "app_addr app_port policy call role algorithms label",
	    cmd_session_create },
	{ "session_start", ZD_ACCESS_CONTROL, "session remote_addr "
	    "remote_port remote_rtcp_port peer_hash latch",
	    cmd_session_start },
	{ "session_peer_hash", ZD_ACCESS_CONTROL, "session peer_hash",
	    cmd_session_peer_hash },
	{ "session_close", ZD_ACCESS_CONTROL, "session", cmd_session_close },
	{ "session_list", ZD_ACCESS_READ, "", cmd_session_list },
	{ "session_show", ZD_ACCESS_READ, "session", cmd_session_show },
	{ "session_keys", ZD_ACCESS_KEYS, "session", cmd_session_keys },
	{ "sas_verdict", ZD_ACCESS_CONTROL, "session verdict challenge pick",
	    cmd_sas_verdict },
	{ "sas_challenge", ZD_ACCESS_CONTROL, "session count",
	    cmd_sas_challenge },
	{ "session_enroll", ZD_ACCESS_CONTROL, "session decision",
	    cmd_session_enroll },
	{ NULL, 0, NULL, NULL },
};
