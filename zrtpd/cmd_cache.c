/*
 * The cache commands of the control protocol: list, show, rename, forget,
 * the V flag's clearing, a session's peer name, backup and restore. The
 * cache is touched only on the cache thread; a secret value is never put
 * in a reply (a backup goes to the descriptor an admin client passed).
 */
#include <sys/stat.h>

#include <ctype.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cachepend.h"
#include "commands.h"
#include "daemon.h"
#include "log.h"
#include "session.h"

struct zd_match {
	const char	*prefix;
	int		 n;
	struct zcache_peer first;
	json_t		*list;		/* cache_list: every peer */
};

static json_t *
zd_peer_entry(const struct zcache_peer *p)
{
	char hex[2 * ZRTP_ZID_LEN + 1];

	zd_hex(p->zid, ZRTP_ZID_LEN, hex);
	return json_pack("{s:s, s:o, s:b, s:b, s:o, s:b, s:b, s:I, s:I}",
	    "zid", hex, "name", p->name[0] ? json_string(p->name) : json_null(),
	    "verified", p->verified, "rs1", p->has_rs1, "rs1_expires",
	    p->rs1_expires < 0 ? json_null() : json_integer(p->rs1_expires),
	    "rs2", p->has_rs2, "pbx", p->has_pbx, "first_seen",
	    (json_int_t)p->first_seen, "last_seen", (json_int_t)p->last_seen);
}

static int
zd_match_cb(void *arg, const struct zcache_peer *p)
{
	struct zd_match *m = arg;
	char hex[2 * ZRTP_ZID_LEN + 1];

	if (m->list != NULL) {
		json_array_append_new(m->list, zd_peer_entry(p));
		return 0;
	}
	zd_hex(p->zid, ZRTP_ZID_LEN, hex);
	if (strncasecmp(hex, m->prefix, strlen(m->prefix)) != 0)
		return 0;
	if (m->n++ == 0)
		m->first = *p;
	return 0;
}

/* cc->prefix to one peer in cc->zid; 0, or -1 with the reply's error. */
static int
zd_resolve(struct zd_cache_cmd *cc, struct zcache_peer *out)
{
	struct zd_match m = { cc->prefix, 0, { { 0 } }, NULL };

	if (zcache_list(cc->cache, zd_match_cb, &m) != 0) {
		cc->err_code = "cache";
		snprintf(cc->err, sizeof(cc->err), "the cache cannot be read");
		return -1;
	}
	if (m.n != 1) {
		cc->err_code = m.n == 0 ? "unknown_peer" : "ambiguous";
		snprintf(cc->err, sizeof(cc->err), m.n == 0 ? "no peer %s" :
		    "%s matches several peers", cc->prefix);
		return -1;
	}
	memcpy(cc->zid, m.first.zid, ZRTP_ZID_LEN);
	if (out != NULL)
		*out = m.first;
	return 0;
}

/* A ZID or a prefix of at least 4 hex digits. */
static int
zd_cmd_zid(struct zd_conn *cn, json_t *id, json_t *req, char *out)
{
	const char *z;
	size_t i;

	if (zd_cmd_string(cn, id, req, "zid", 2 * ZRTP_ZID_LEN, 1, &z) != 0)
		return -1;
	for (i = 0; z[i] != '\0'; i++)
		if (!isxdigit((unsigned char)z[i]))
			break;
	if (z[i] != '\0' || i < 4) {
		zd_cmd_error(cn, id, "bad_request", "zid: at least 4 hex "
		    "digits of a ZID");
		return -1;
	}
	snprintf(out, 2 * ZRTP_ZID_LEN + 1, "%s", z);
	return 0;
}

/* UTF-8, at most 128 bytes, nothing that rewrites a screen. */
static int
zd_cmd_name(struct zd_conn *cn, json_t *id, json_t *req, const char **out)
{
	return zd_cmd_text(cn, id, req, "name", ZCACHE_NAME_MAX - 1, out);
}

static void
list_run(struct zd_cache_cmd *cc)
{
	struct zd_match m = { "", 0, { { 0 } }, json_array() };

	if (zcache_list(cc->cache, zd_match_cb, &m) != 0) {
		json_decref(m.list);
		cc->err_code = "cache";
		snprintf(cc->err, sizeof(cc->err), "the cache cannot be read");
		return;
	}
	cc->result = json_pack("{s:o}", "peers", m.list);
}

static void
cmd_cache_list(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd_cache_cmd *cc;

	(void)req;
	if ((cc = zd_cache_cmd_new(cn, id, list_run)) != NULL)
		zd_cache_cmd_submit(cc);
}

static void
show_run(struct zd_cache_cmd *cc)
{
	struct zcache_peer p;

	if (zd_resolve(cc, &p) == 0)
		cc->result = zd_peer_entry(&p);
}

/* Live sessions with this peer. */
static json_t *
zd_peer_sessions(struct zd *d, const uint8_t *zid, int *busy)
{
	struct zd_session *s;
	json_t *ids = json_array();

	*busy = 0;
	TAILQ_FOREACH(s, &d->sessions, link)	/* ZIDs are public */
		if (s->have_peer && memcmp(s->peer_zid, zid,
		    ZRTP_ZID_LEN) == 0) {
			json_array_append_new(ids, json_string(s->id));
			*busy |= !s->ended;
		}
	return ids;
}

static void
show_after(struct zd_cache_cmd *cc)
{
	int busy;

	json_object_set_new(cc->result, "sessions", zd_peer_sessions(
	    zd_conn_daemon(cc->cn), cc->zid, &busy));
}

static void
cmd_cache_show(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd_cache_cmd *cc;
	char prefix[2 * ZRTP_ZID_LEN + 1];

	if (zd_cmd_zid(cn, id, req, prefix) != 0 ||
	    (cc = zd_cache_cmd_new(cn, id, show_run)) == NULL)
		return;
	memcpy(cc->prefix, prefix, sizeof(prefix));
	cc->after = show_after;
	zd_cache_cmd_submit(cc);
}

static void
rename_run(struct zd_cache_cmd *cc)
{
	char hex[2 * ZRTP_ZID_LEN + 1];

	if (cc->prefix[0] != '\0' && zd_resolve(cc, NULL) != 0)
		return;
	if (zcache_rename(cc->cache, cc->zid, cc->name[0] ? cc->name :
	    NULL) != 0) {
		cc->err_code = "cache";
		snprintf(cc->err, sizeof(cc->err), "the cache could not be "
		    "written");
		return;
	}
	zd_hex(cc->zid, ZRTP_ZID_LEN, hex);
	cc->result = json_pack("{s:s, s:o}", "zid", hex, "name",
	    cc->name[0] ? json_string(cc->name) : json_null());
}

/* Live sessions with the peer show the new name at once. */
static void
rename_after(struct zd_cache_cmd *cc)
{
	struct zd_session *s;

	TAILQ_FOREACH(s, &zd_conn_daemon(cc->cn)->sessions, link)
		if (s->have_peer && memcmp(s->peer_zid, cc->zid,	/* public */
		    ZRTP_ZID_LEN) == 0) {
			zd_session_text(&s->peer_name, cc->name);
		}
}

static void
cmd_cache_rename(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd_cache_cmd *cc;
	char prefix[2 * ZRTP_ZID_LEN + 1];
	const char *name;

	if (zd_cmd_zid(cn, id, req, prefix) != 0 ||
	    zd_cmd_name(cn, id, req, &name) != 0)
		return;
	if (name == NULL) {
		zd_cmd_error(cn, id, "bad_request", "name: missing");
		return;
	}
	if ((cc = zd_cache_cmd_new(cn, id, rename_run)) == NULL)
		return;
	memcpy(cc->prefix, prefix, sizeof(prefix));
	snprintf(cc->name, sizeof(cc->name), "%s", name);
	cc->after = rename_after;
	zd_cache_cmd_submit(cc);
}

static void
cmd_session_name(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd_session *s;
	struct zd_cache_cmd *cc;
	char hex[2 * ZRTP_ZID_LEN + 1], hint[160];
	const char *name;

	if ((s = zd_cmd_session(cn, id, req)) == NULL ||
	    zd_cmd_name(cn, id, req, &name) != 0)
		return;
	if (!s->have_peer) {
		zd_cmd_error(cn, id, "state", "the peer's ZID is not known yet");
		return;
	}
	zd_hex(s->peer_zid, ZRTP_ZID_LEN, hex);
	if (name == NULL) {
		zd_cmd_ok(cn, id, json_pack("{s:s, s:o}", "zid", hex, "name",
		    s->peer_name != NULL ? json_string(s->peer_name) :
		    json_null()));
		return;
	}
	if (zd_conn_access(cn) < ZD_ACCESS_CONTROL) {
		zd_cmd_error(cn, id, "forbidden", "naming a peer needs control "
		    "access: %s", zd_access_hint(cn, ZD_ACCESS_CONTROL, hint,
		    sizeof(hint)));
		return;
	}
	if ((cc = zd_cache_cmd_new(cn, id, rename_run)) == NULL)
		return;
	memcpy(cc->zid, s->peer_zid, ZRTP_ZID_LEN);
	snprintf(cc->name, sizeof(cc->name), "%s", name);
	cc->after = rename_after;
	zd_cache_cmd_submit(cc);
}

static void
forget_run(struct zd_cache_cmd *cc)
{
	char hex[2 * ZRTP_ZID_LEN + 1];

	if (zd_resolve(cc, NULL) != 0)
		return;
	if (zcache_forget(cc->cache, cc->zid) != 0) {
		cc->err_code = "cache";
		snprintf(cc->err, sizeof(cc->err), "the cache could not be "
		    "written");
		return;
	}
	zd_hex(cc->zid, ZRTP_ZID_LEN, hex);
	cc->result = json_pack("{s:s, s:b}", "zid", hex, "forgotten", 1);
}

static void
cmd_cache_forget(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd *d = zd_conn_daemon(cn);
	struct zd_cache_cmd *cc;
	struct zd_session *s;
	char prefix[2 * ZRTP_ZID_LEN + 1], hex[2 * ZRTP_ZID_LEN + 1];

	if (zd_cmd_zid(cn, id, req, prefix) != 0)
		return;
	/* A live exchange with a peer the prefix names: not now. */
	TAILQ_FOREACH(s, &d->sessions, link) {
		if (!s->have_peer || s->ended)
			continue;
		zd_hex(s->peer_zid, ZRTP_ZID_LEN, hex);
		if (strncasecmp(hex, prefix, strlen(prefix)) == 0) {
			zd_cmd_error(cn, id, "busy", "session %s with that "
			    "peer is live", s->id);
			return;
		}
	}
	if ((cc = zd_cache_cmd_new(cn, id, forget_run)) == NULL)
		return;
	/* The next first contact's store is a first again (cachepend.h). */
	zd_pend_forget(d->pend, prefix);
	memcpy(cc->prefix, prefix, sizeof(prefix));
	zd_cache_cmd_submit(cc);
}

static void
clear_run(struct zd_cache_cmd *cc)
{
	char hex[2 * ZRTP_ZID_LEN + 1];

	if (zd_resolve(cc, NULL) != 0)
		return;
	if (zcache_set_verified(cc->cache, cc->zid, 0) != 0) {
		cc->err_code = "cache";
		snprintf(cc->err, sizeof(cc->err), "the cache could not be "
		    "written");
		return;
	}
	zd_hex(cc->zid, ZRTP_ZID_LEN, hex);
	cc->result = json_pack("{s:s, s:b}", "zid", hex, "verified", 0);
}

static void
cmd_sas_clear(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd_cache_cmd *cc;
	struct zd_session *s;
	char prefix[2 * ZRTP_ZID_LEN + 1], err[256];

	if (json_object_get(req, "session") != NULL) {
		if ((s = zd_cmd_session(cn, id, req)) == NULL)
			return;
		if (zd_session_verdict(s, 2, err, sizeof(err)) != 0) {
			zd_cmd_error(cn, id, "state", "%s", err);
			return;
		}
		zd_cmd_ok(cn, id, json_pack("{s:s, s:s}", "session", s->id,
		    "security", zd_state_name(s->state)));
		return;
	}
	if (zd_cmd_zid(cn, id, req, prefix) != 0 ||
	    (cc = zd_cache_cmd_new(cn, id, clear_run)) == NULL)
		return;
	memcpy(cc->prefix, prefix, sizeof(prefix));
	zd_cache_cmd_submit(cc);
}

static void
backup_run(struct zd_cache_cmd *cc)
{
	int64_t bytes = 0;
	int peers = 0;

	if (zcache_backup(cc->cache, cc->fd, &bytes, &peers) != 0) {
		cc->err_code = "cache";
		snprintf(cc->err, sizeof(cc->err), "the backup could not be "
		    "written to the descriptor");
		return;
	}
	cc->result = json_pack("{s:I, s:i}", "bytes", (json_int_t)bytes,
	    "peers", peers);
}

/*
 * The descriptor passed with the request, or a bad_request. Only a regular
 * file: the cache thread reads or writes it whole, and a pipe or socket
 * that nobody drains (or never ends) would hold that thread, and every
 * session's cache reads and writes behind it, for ever.
 */
static int
zd_cmd_fd(struct zd_conn *cn, json_t *id, const char *cmd)
{
	int fd = zd_conn_take_fd(cn);
	struct stat st;

	if (fd < 0) {
		zd_cmd_error(cn, id, "bad_request", "%s needs a file "
		    "descriptor passed with the request (SCM_RIGHTS)", cmd);
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		zd_cmd_error(cn, id, "bad_request", "%s: the descriptor "
		    "passed is not a regular file (a pipe or socket could "
		    "hold the cache thread)", cmd);
		return -1;
	}
	return fd;
}

static void
cmd_cache_backup(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd_cache_cmd *cc;
	int fd;

	(void)req;
	if ((fd = zd_cmd_fd(cn, id, "cache_backup")) < 0)
		return;
	if ((cc = zd_cache_cmd_new(cn, id, backup_run)) == NULL) {
		close(fd);
		return;
	}
	cc->fd = fd;
	zlog(LOG_NOTICE, "control: uid %ld takes a backup of the cache",
	    (long)zd_conn_uid(cn));
	zd_cache_cmd_submit(cc);
}

static void
restore_run(struct zd_cache_cmd *cc)
{
	char why[96];
	int peers = 0;

	if (zcache_restore(cc->cache, cc->fd, &peers, why, sizeof(why)) != 0) {
		cc->err_code = "cache";
		snprintf(cc->err, sizeof(cc->err), "the image is refused, "
		    "nothing changed: %s", why);
		return;
	}
	cc->result = json_pack("{s:i}", "peers", peers);
}

/* The restored cache's ZID is ours from now on. */
static void
restore_after(struct zd_cache_cmd *cc)
{
	struct zd *d = zd_conn_daemon(cc->cn);
	char hex[2 * ZRTP_ZID_LEN + 1];

	memcpy(d->zid, zcache_zid(d->cache), ZRTP_ZID_LEN);
	zd_hex(d->zid, ZRTP_ZID_LEN, hex);
	zlog(LOG_NOTICE, "cache restored by uid %ld: ZID %.8s...",
	    (long)zd_conn_uid(cc->cn), hex);
	json_object_set_new(cc->result, "zid", json_string(hex));
}

static void
cmd_cache_restore(struct zd_conn *cn, json_t *id, json_t *req)
{
	struct zd_cache_cmd *cc;
	int fd;

	(void)req;
	if ((fd = zd_cmd_fd(cn, id, "cache_restore")) < 0)
		return;
	/* The ZID may change under a live session: none may exist. */
	if (zd_conn_daemon(cn)->nsessions > 0) {
		close(fd);
		zd_cmd_error(cn, id, "busy", "%u session(s) exist: restore "
		    "once they are closed", zd_conn_daemon(cn)->nsessions);
		return;
	}
	if ((cc = zd_cache_cmd_new(cn, id, restore_run)) == NULL) {
		close(fd);
		return;
	}
	cc->fd = fd;
	cc->after = restore_after;
	zd_pend_reset(zd_conn_daemon(cn)->pend);
	zd_cache_cmd_submit(cc);
}

const struct zd_cmd zd_cache_cmds[] = {
	{ "cache_list", ZD_ACCESS_READ, "", cmd_cache_list },
	{ "cache_show", ZD_ACCESS_READ, "zid", cmd_cache_show },
	{ "cache_rename", ZD_ACCESS_CONTROL, "zid name", cmd_cache_rename },
	{ "cache_forget", ZD_ACCESS_CONTROL, "zid", cmd_cache_forget },
	{ "sas_clear", ZD_ACCESS_CONTROL, "session zid", cmd_sas_clear },
	{ "session_name", ZD_ACCESS_READ, "session name", cmd_session_name },
	{ "cache_backup", ZD_ACCESS_ADMIN, "", cmd_cache_backup },
	{ "cache_restore", ZD_ACCESS_ADMIN, "", cmd_cache_restore },
	{ NULL, 0, NULL, NULL },
};
