/*
 * Request decoding and dispatch: parse the line (JSON object, id, cmd),
 * find the command in the table, check the connection's access level and
 * the argument names, then call the handler. Also the connection-level
 * commands (hello, status, subscribe, unsubscribe) and the replies.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "daemon.h"
#include "log.h"
#include "session.h"

#define ZD_PROTO_VERSION	1
#define ZD_DAEMON_NAME		"zrtpd " PACKAGE_VERSION

void
zd_cmd_ok(struct zd_conn *cn, json_t *id, json_t *result)
{
	zd_conn_send(cn, json_pack("{s:O, s:b, s:o}", "id",
	    id != NULL ? id : json_null(), "ok", 1, "result", result));
}

/*
 * Cut s at its first byte that does not start or continue a whole UTF-8
 * sequence: a client's name cut by "%.64s" or by the message's size may
 * end inside a character, and JSON takes no such string (the reply would
 * be lost, leaving the client waiting).
 */
static void
zd_utf8_cut(char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, k;

	while (p[i] != '\0') {
		if (p[i] < 0x80)
			n = 1;
		else if ((p[i] & 0xe0) == 0xc0 && p[i] >= 0xc2)
			n = 2;
		else if ((p[i] & 0xf0) == 0xe0)
			n = 3;
		else if ((p[i] & 0xf8) == 0xf0 && p[i] <= 0xf4)
			n = 4;
		else
			break;
		for (k = 1; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				break;
		if (k < n)
			break;
		i += n;
	}
	s[i] = '\0';
}

void
zd_cmd_error(struct zd_conn *cn, json_t *id, const char *code,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	zd_utf8_cut(msg);
	zd_conn_send(cn, json_pack("{s:O, s:b, s:{s:s, s:s}}", "id",
	    id != NULL ? id : json_null(), "ok", 0, "error", "code", code,
	    "message", msg));
}

int
zd_cmd_string(struct zd_conn *cn, json_t *id, json_t *req, const char *name,
    size_t max, int required, const char **out)
{
	json_t *v = json_object_get(req, name);

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return 0;
		zd_cmd_error(cn, id, "bad_request", "%s: missing", name);
		return -1;
	}
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		zd_cmd_error(cn, id, "bad_request", "%s: a string of at most "
		    "%zu bytes expected", name, max);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/*
 * Text a person wrote that terminals and logs will show (a cache name, a
 * stream's label): valid UTF-8 (jansson checked it), and none of the
 * characters that rewrite what a screen shows: C0 and C1 controls, DEL,
 * and the bidirectional marks and overrides (U+061C, U+200E-U+200F,
 * U+202A-U+202E, U+2066-U+2069) that can make one name read as another.
 */
int
zd_text_ok(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;

	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return 0;
		if (p[0] == 0xd8 && p[1] == 0x9c)
			return 0;
		if (p[0] == 0xe2 && p[1] == 0x80 && ((p[2] >= 0x8e &&
		    p[2] <= 0x8f) || (p[2] >= 0xaa && p[2] <= 0xae)))
			return 0;
		if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 &&
		    p[2] <= 0xa9)
			return 0;
	}
	return 1;
}

/* zd_cmd_string() for text a person reads (zd_text_ok). */
int
zd_cmd_text(struct zd_conn *cn, json_t *id, json_t *req, const char *name,
    size_t max, const char **out)
{
	if (zd_cmd_string(cn, id, req, name, max, 0, out) != 0)
		return -1;
	if (*out != NULL && !zd_text_ok(*out)) {
		zd_cmd_error(cn, id, "bad_request", "%s: no control "
		    "characters or bidirectional overrides", name);
		return -1;
	}
	return 0;
}

struct zd_session *
zd_cmd_session(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd_session *s;
	const char *sid;

	if (zd_cmd_string(cn, id, req, "session", 64, 1, &sid) != 0)
		return NULL;
	if ((s = zd_session_find(zd_conn_daemon(cn), sid)) == NULL)
		zd_cmd_error(cn, id, "unknown_session", "no session \"%s\"%s",
		    sid, zd_session_ended_json(zd_conn_daemon(cn), sid) ?
		    " (it ended)" : "");
	return s;
}

static void
cmd_hello(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd *d = zd_conn_daemon(cn);
	json_t *versions = json_object_get(req, "versions"), *v;
	char zid[2 * ZRTP_ZID_LEN + 1];
	const char *client;
	size_t i;
	int ok = 0;

	/* The version is fixed once agreed: a second hello changes nothing. */
	if (zd_conn_hello_done(cn)) {
		zd_cmd_error(cn, id, "state", "hello was already said on this "
		    "connection: version %d stays", ZD_PROTO_VERSION);
		return;
	}
	if (!json_is_array(versions)) {
		zd_cmd_error(cn, id, "bad_request", "versions: an array of "
		    "integers expected");
		return;
	}
	if (zd_cmd_string(cn, id, req, "client", 64, 0, &client) != 0)
		return;
	json_array_foreach(versions, i, v)
		if (json_is_integer(v) && json_integer_value(v) ==
		    ZD_PROTO_VERSION)
			ok = 1;
	if (!ok) {
		zd_cmd_error(cn, id, "bad_version", "this daemon speaks "
		    "version [%d]", ZD_PROTO_VERSION);
		return;
	}
	zd_conn_set_hello(cn);
	if (client != NULL)
		zlog(LOG_INFO, "control: uid %ld is \"%s\"",
		    (long)zd_conn_uid(cn), client);
	zd_hex(d->zid, ZRTP_ZID_LEN, zid);
	zd_cmd_ok(cn, id, json_pack("{s:i, s:s, s:s, s:s}", "version",
	    ZD_PROTO_VERSION, "daemon", ZD_DAEMON_NAME, "zid", zid, "access",
	    zd_access_name(zd_conn_access(cn))));
}

static int
zd_count_peer(void *arg, const struct zcache_peer *p)
{
	(void)p;
	(*(int *)arg)++;
	return 0;
}

static void
status_run(struct zd_cache_cmd *cc)
{
	int n = 0;

	if (zcache_list(cc->cache, zd_count_peer, &n) != 0)
		n = -1;
	cc->flag = n;
}

static void
status_after(struct zd_cache_cmd *cc)
{
	struct zd *d = zd_conn_daemon(cc->cn);
	json_t *by = json_object(), *v;
	struct zd_session *s;
	const char *st;
	char zid[2 * ZRTP_ZID_LEN + 1], path[ZD_STR_MAX + 16];

	TAILQ_FOREACH(s, &d->sessions, link) {
		st = zd_state_name(s->state);
		v = json_object_get(by, st);
		json_object_set_new(by, st, json_integer(v != NULL ?
		    json_integer_value(v) + 1 : 1));
	}
	zd_hex(d->zid, ZRTP_ZID_LEN, zid);
	snprintf(path, sizeof(path), "%s/cache.db", d->cfg.state_dir);
	cc->result = json_pack("{s:s, s:i, s:i, s:I, s:s, s:{s:i, s:i, s:o},"
	    " s:{s:I, s:I}, s:{s:s, s:o, s:I}, s:s}",
	    "daemon", ZD_DAEMON_NAME, "version", ZD_PROTO_VERSION,
	    "pid", (int)getpid(), "uptime_s",
	    (json_int_t)(zd_time_ms() / 1000 - d->started_at), "zid", zid,
	    "sessions", "count", (int)d->nsessions, "limit",
	    (int)d->cfg.max_sessions, "by_security", by,
	    "counters", "media_rx_dropped", (json_int_t)d->media_rx_dropped,
	    "app_rx_dropped", (json_int_t)d->app_rx_dropped,
	    "cache", "path", path, "peers", cc->flag >= 0 ?
	    json_integer(cc->flag) : json_null(), "write_failures",
	    (json_int_t)d->cache_failures,
	    "access", zd_access_name(zd_conn_access(cc->cn)));
}

static void
cmd_status(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd_cache_cmd *cc;

	(void)req;
	if ((cc = zd_cache_cmd_new(cn, id, status_run)) == NULL)
		return;
	cc->after = status_after;
	zd_cache_cmd_submit(cc);
}

/* NULL, or an array of strings each at most max bytes. */
static int
zd_string_array(json_t *v, size_t max)
{
	json_t *x;
	size_t i;

	if (v == NULL)
		return 1;
	if (!json_is_array(v))
		return 0;
	json_array_foreach(v, i, x)
		if (!json_is_string(x) || json_string_length(x) > max)
			return 0;
	return 1;
}

/* The events a client may ask for (docs/control-protocol.md, Events),
 * listed twice: the message, and the names a request must match whole. */
#define ZD_EVENT_NAMES	"security peer sas_ready secure zrtp_hash_mismatch " \
	"no_zrtp going_clear alert failed enrollment closed"
static const char *const zd_event_names[] = {
	"security", "peer", "sas_ready", "secure", "zrtp_hash_mismatch",
	"no_zrtp", "going_clear", "alert", "failed", "enrollment", "closed",
};

/* The first name of events that is no event, or NULL. */
static const char *
zd_unknown_event(json_t *events)
{
	const char *name;
	json_t *x;
	size_t i, k;

	json_array_foreach(events, i, x) {
		name = json_string_value(x);
		for (k = 0; k < sizeof(zd_event_names) /
		    sizeof(zd_event_names[0]); k++)
			if (strcmp(name, zd_event_names[k]) == 0)
				break;
		if (k == sizeof(zd_event_names) / sizeof(zd_event_names[0]))
			return name;
	}
	return NULL;
}

static void
cmd_subscribe(struct zd_conn *cn, json_t *id, json_t *req)
{
	json_t *sessions = json_object_get(req, "sessions");
	json_t *events = json_object_get(req, "events");
	const char *bad;

	if (!zd_string_array(sessions, 64) || !zd_string_array(events, 64)) {
		zd_cmd_error(cn, id, "bad_request", "sessions and events: "
		    "arrays of strings expected");
		return;
	}
	/* A misspelt name would subscribe to nothing, silently. */
	if (events != NULL && (bad = zd_unknown_event(events)) != NULL) {
		zd_cmd_error(cn, id, "bad_request", "events: no event \"%.64s\" "
		    "(" ZD_EVENT_NAMES ")", bad);
		return;
	}
	zd_conn_subscribe(cn, sessions, events);
	zd_cmd_ok(cn, id, json_pack("{s:b}", "subscribed", 1));
}

static void
cmd_unsubscribe(struct zd_conn *cn, json_t *id, json_t *req)
{
	(void)req;
	zd_conn_unsubscribe(cn);
	zd_cmd_ok(cn, id, json_pack("{s:b}", "subscribed", 0));
}

static const struct zd_cmd zd_conn_cmds[] = {
	{ "hello", ZD_ACCESS_READ, "versions client", cmd_hello },
	{ "status", ZD_ACCESS_READ, "", cmd_status },
	{ "subscribe", ZD_ACCESS_READ, "sessions events", cmd_subscribe },
	{ "unsubscribe", ZD_ACCESS_READ, "", cmd_unsubscribe },
	{ NULL, 0, NULL, NULL },
};

static const struct zd_cmd *
zd_cmd_find(const char *name)
{
	const struct zd_cmd *const tables[] = { zd_conn_cmds, zd_session_cmds,
	    zd_cache_cmds };
	const struct zd_cmd *c;
	size_t t;

	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (c = tables[t]; c->name != NULL; c++)
			if (strcmp(c->name, name) == 0)
				return c;
	return NULL;
}

/* Every argument must be one the command takes: a typo is an error. */
static const char *
zd_cmd_unknown_arg(const struct zd_cmd *c, json_t *req)
{
	const char *k, *p;
	size_t n;
	json_t *v;

	json_object_foreach(req, k, v) {
		if (strcmp(k, "id") == 0 || strcmp(k, "cmd") == 0)
			continue;
		n = strlen(k);
		for (p = c->args; (p = strstr(p, k)) != NULL; p += n)
			if ((p == c->args || p[-1] == ' ') &&
			    (p[n] == ' ' || p[n] == '\0'))
				break;
		if (p == NULL)
			return k;
	}
	return NULL;
}

/* What a person refused access level need can do: the group to join. */
const char *
zd_access_hint(struct zd_conn *cn, enum zd_access need, char *buf,
    size_t len)
{
	const struct zd_config *c = &zd_conn_daemon(cn)->cfg;
	const char *group = need == ZD_ACCESS_CONTROL ? c->socket_group :
	    need == ZD_ACCESS_KEYS ? c->key_group : "";
	const char *setting = need == ZD_ACCESS_CONTROL ? "control_group" :
	    "keys_group";

	if (need == ZD_ACCESS_ADMIN)
		snprintf(buf, len, "only root and the daemon's own user have "
		    "it");
	else if (group[0] != '\0')
		snprintf(buf, len, "join group '%s' (%s)", group, setting);
	else
		snprintf(buf, len, "no %s is set (zrtpd.conf(5)), so only "
		    "root and the daemon's own user have it", setting);
	return buf;
}

void
zd_cmd_line(struct zd_conn *cn, const char *line, size_t len)
{
	const struct zd_cmd *c;
	json_error_t jerr;
	json_t *req, *id;
	const char *name, *bad;
	char hint[160];

	if ((req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL || !json_is_object(req)) {
		zd_cmd_error(cn, NULL, "bad_json", "not a JSON object%s%s",
		    req == NULL ? ": " : "", req == NULL ? jerr.text : "");
		json_decref(req);
		return;
	}
	id = json_object_get(req, "id");
	if (id == NULL || !((json_is_integer(id)) || (json_is_string(id) &&
	    json_string_length(id) <= 64))) {
		zd_cmd_error(cn, NULL, "bad_request", "id: an integer or a "
		    "string of at most 64 bytes is required");
		goto out;
	}
	if (!json_is_string(json_object_get(req, "cmd"))) {
		zd_cmd_error(cn, id, "bad_request", "cmd: missing");
		goto out;
	}
	name = json_string_value(json_object_get(req, "cmd"));
	if ((c = zd_cmd_find(name)) == NULL) {
		zd_cmd_error(cn, id, "unknown_command", "no command \"%.64s\"",
		    name);
		goto out;
	}
	if (!zd_conn_hello_done(cn) && strcmp(c->name, "hello") != 0) {
		zd_cmd_error(cn, id, "no_hello", "the first request must be "
		    "hello");
		goto out;
	}
	if (zd_conn_access(cn) < c->need) {
		zd_cmd_error(cn, id, "forbidden", "%s needs %s access: %s",
		    c->name, zd_access_name(c->need), zd_access_hint(cn,
		    c->need, hint, sizeof(hint)));
		goto out;
	}
	if ((bad = zd_cmd_unknown_arg(c, req)) != NULL) {
		zd_cmd_error(cn, id, "bad_request", "%s takes no argument "
		    "\"%.64s\"", c->name, bad);
		goto out;
	}
	c->fn(cn, id, req);
out:
	json_decref(req);
}

/* The cache-thread half of a command. */
static void
zd_cache_cmd_run(struct zd_job *j)
{
	struct zd_cache_cmd *cc = (struct zd_cache_cmd *)j;

	cc->run(cc);
}

static void
zd_cache_cmd_done(struct zd_job *j)
{
	struct zd_cache_cmd *cc = (struct zd_cache_cmd *)j;
	struct zd_conn *cn = cc->cn;

	if (!zd_conn_dead(cn)) {
		if (cc->err_code == NULL && cc->after != NULL)
			cc->after(cc);
		if (cc->err_code != NULL)
			zd_cmd_error(cn, cc->id, cc->err_code, "%s", cc->err);
		else
			zd_cmd_ok(cn, cc->id, cc->result != NULL ? cc->result :
			    json_object());
		cc->result = NULL;
	}
	json_decref(cc->result);
	json_decref(cc->id);
	if (cc->fd >= 0)
		close(cc->fd);
	free(cc);
	/* Resume first: the job still holds the connection alive. */
	if (!zd_conn_dead(cn))
		zd_conn_resume(cn);
	zd_conn_job_done(cn);
}

struct zd_cache_cmd *
zd_cache_cmd_new(struct zd_conn *cn, json_t *id, zd_cache_cmd_fn run)
{
	struct zd_cache_cmd *cc;

	if ((cc = calloc(1, sizeof(*cc))) == NULL) {
		zd_cmd_error(cn, id, "internal", "out of memory");
		return NULL;
	}
	cc->job.run = zd_cache_cmd_run;
	cc->job.done = zd_cache_cmd_done;
	cc->cn = cn;
	cc->id = json_incref(id);
	cc->cache = zd_conn_daemon(cn)->cache;
	cc->run = run;
	cc->fd = -1;
	return cc;
}

void
zd_cache_cmd_submit(struct zd_cache_cmd *cc)
{
	zd_conn_job_start(cc->cn);
	/* Later requests wait: replies keep the order of requests. */
	zd_conn_hold(cc->cn);
	zd_workers_submit(zd_conn_daemon(cc->cn)->workers, ZD_Q_CACHE,
	    &cc->job);
}
