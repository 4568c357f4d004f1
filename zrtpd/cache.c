/*
 * SQLite store of retained secrets. Every statement is prepared with
 * bound parameters; every column read back is length-checked, so a
 * damaged file yields an error, never a bad secret.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cache.h"
#include "zcrypto.h"
#include "zerr.h"

#define ZCACHE_SCHEMA_VERSION	2	/* 2: pbxsecret */

struct zcache {
	sqlite3	*db;
	uint8_t	 zid[ZRTP_ZID_LEN];
	int	 in_batch;	/* zcache_batch_begin() .. _end() */
};

static const char zcache_schema[] =
	"CREATE TABLE IF NOT EXISTS meta ("
	"  key TEXT PRIMARY KEY, value BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS peers ("
	"  zid BLOB PRIMARY KEY CHECK (length(zid) = 12),"
	"  rs1 BLOB CHECK (rs1 IS NULL OR length(rs1) = 32),"
	"  rs1_expires INTEGER,"
	"  rs2 BLOB CHECK (rs2 IS NULL OR length(rs2) = 32),"
	"  rs2_expires INTEGER,"
	"  verified INTEGER NOT NULL DEFAULT 0,"
	"  pbxsecret BLOB CHECK (pbxsecret IS NULL OR length(pbxsecret) = 32),"
	"  name TEXT NOT NULL DEFAULT '',"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL);";

static int
zcache_fail(sqlite3 *db, char *err, size_t err_len, const char *what)
{
	snprintf(err, err_len, "%s: %s", what,
	    db != NULL ? sqlite3_errmsg(db) : "out of memory");
	return ZE_INVAL;
}

/*
 * Create the file 0600 before SQLite opens it (docs/cache.md), or check
 * the one there: a regular file of ours, not a link, mode 0600. A looser
 * one is refused, not tightened, as its side files are: others may have
 * read its secrets or written rows no check could tell from ours.
 */
static int
zcache_create_private(const char *path, char *err, size_t err_len)
{
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return ZE_INVAL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid()) {
		snprintf(err, err_len, "%s: not a regular file of ours", path);
		r = ZE_INVAL;
	} else if (st.st_nlink != 1) {
		/* Another name for the file may sit where others can read. */
		snprintf(err, err_len, "cache: %s has %lu hard links; fix: "
		    "remove the other names (find / -samefile '%s')", path,
		    (unsigned long)st.st_nlink, path);
		r = ZE_INVAL;
	} else if ((st.st_mode & 077) != 0) {
		snprintf(err, err_len, "cache: %s has mode %04o: others may "
		    "have read its retained secrets or written rows; fix: "
		    "chmod 600 '%s', and if others could reach it, treat "
		    "every peer as unverified (docs/cache.md)", path,
		    (unsigned)(st.st_mode & 07777), path);
		r = ZE_INVAL;
	}
	close(fd);
	return r;
}

/*
 * SQLite opens the database and its side files by name, so every
 * directory on the way must be one no one else can change: otherwise the
 * directory could be swapped for another between our checks and SQLite's
 * opens. The path is resolved once (realpath) and used resolved from then
 * on, so no symbolic link on the way is followed later. real receives it.
 */
static int
zcache_resolve(const char *path, char *real, size_t len, char *err,
    size_t err_len)
{
	char buf[PATH_MAX], dir[PATH_MAX];
	const char *base;
	char *slash;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf)) {
		snprintf(err, err_len, "cache: path too long");
		return ZE_INVAL;
	}
	if ((slash = strrchr(buf, '/')) == NULL) {
		base = buf;
		snprintf(dir, sizeof(dir), ".");
	} else {
		*slash = '\0';
		base = slash + 1;
		snprintf(dir, sizeof(dir), "%s", slash == buf ? "/" : buf);
	}
	if (*base == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0) {
		snprintf(err, err_len, "cache: %s: not a file name", path);
		return ZE_INVAL;
	}
	if (realpath(dir, real) == NULL) {
		snprintf(err, err_len, "cache: %s: %s", dir, strerror(errno));
		return ZE_INVAL;
	}
	if ((size_t)snprintf(buf, sizeof(buf), "%s/%s",
	    strcmp(real, "/") == 0 ? "" : real, base) >= len) {
		snprintf(err, err_len, "cache: path too long");
		return ZE_INVAL;
	}
	memcpy(real, buf, strlen(buf) + 1);
	return 0;
}

/*
 * Above the cache's directory: owned by us or root, and writable by
 * others only with the sticky bit over a child of ours or root's (as
 * /tmp over a directory of ours), since then no one else can rename or
 * replace that child.
 */
static int
zcache_check_ancestors(const char *dir, const struct stat *dir_st,
    char *err, size_t err_len)
{
	char buf[PATH_MAX];
	struct stat st, child = *dir_st;
	char *slash;

	snprintf(buf, sizeof(buf), "%s", dir);
	while (strcmp(buf, "/") != 0 && (slash = strrchr(buf, '/')) != NULL) {
		if (slash == buf)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (lstat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
			snprintf(err, err_len, "cache: %s: not a directory",
			    buf);
			return ZE_INVAL;
		}
		if (st.st_uid != geteuid() && st.st_uid != 0) {
			snprintf(err, err_len, "cache: %s, above the cache, "
			    "belongs to uid %u, who could swap the directory "
			    "below it; fix: keep the cache elsewhere", buf,
			    (unsigned)st.st_uid);
			return ZE_INVAL;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
		    (!(st.st_mode & S_ISVTX) || (child.st_uid != geteuid() &&
		    child.st_uid != 0))) {
			snprintf(err, err_len, "cache: %s, above the cache, is "
			    "writable by others, who could swap the directory "
			    "below it; fix: chmod go-w '%s' or keep the cache "
			    "elsewhere", buf, buf);
			return ZE_INVAL;
		}
		child = st;
	}
	return 0;
}

/*
 * SQLite opens its side files by name in the cache's directory, with
 * whatever owner and mode they have: anyone who may write there could
 * plant a -wal that receives every secret or feeds forged rows. So the
 * directory belongs to us or root and no one else may write in it (a
 * sticky bit stops renames and deletion, not creation, so it is refused
 * too), and each side file present is a regular file of ours, mode 0600.
 * Files SQLite creates later take the database file's mode (0600).
 * path is resolved (zcache_resolve()).
 */
static int
zcache_check_dir(const char *path, char *err, size_t err_len)
{
	char buf[PATH_MAX];
	const char *dir;
	struct stat st;

	snprintf(buf, sizeof(buf), "%s", path);
	dir = dirname(buf);
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, err_len, "cache: %s: not a directory", dir);
		return ZE_INVAL;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(err, err_len, "cache: directory %s belongs to uid %u, "
		    "not us or root; fix: chown %u '%s' or keep the cache "
		    "elsewhere", dir, (unsigned)st.st_uid, (unsigned)geteuid(),
		    dir);
		return ZE_INVAL;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, err_len, "cache: directory %s is writable by "
		    "others, who could plant its side files; fix: chmod go-w "
		    "'%s' or keep the cache elsewhere", dir, dir);
		return ZE_INVAL;
	}
	return zcache_check_ancestors(dir, &st, err, err_len);
}

static int
zcache_check_side(const char *path, char *err, size_t err_len)
{
	static const char *const suffix[] = { "-wal", "-shm", "-journal" };
	char side[PATH_MAX];
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		if ((size_t)snprintf(side, sizeof(side), "%s%s", path,
		    suffix[i]) >= sizeof(side)) {
			snprintf(err, err_len, "cache: path too long");
			return ZE_INVAL;
		}
		if (lstat(side, &st) != 0) {
			if (errno == ENOENT)
				continue;
			snprintf(err, err_len, "cache: %s: %s", side,
			    strerror(errno));
			return ZE_INVAL;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, err_len, "cache: %s is %s; fix: rm '%s'",
			    side, S_ISLNK(st.st_mode) ? "a symbolic link" :
			    "not a regular file", side);
			return ZE_INVAL;
		}
		if (st.st_nlink != 1) {
			snprintf(err, err_len, "cache: %s has %lu hard links; "
			    "fix: rm '%s'", side, (unsigned long)st.st_nlink,
			    side);
			return ZE_INVAL;
		}
		if (st.st_uid != geteuid()) {
			snprintf(err, err_len, "cache: %s belongs to uid %u, "
			    "not us; fix: rm '%s' (or chown %u it if you "
			    "trust it)", side, (unsigned)st.st_uid, side,
			    (unsigned)geteuid());
			return ZE_INVAL;
		}
		if ((st.st_mode & 07777) != 0600) {
			snprintf(err, err_len, "cache: %s has mode %04o; fix: "
			    "chmod 600 '%s'", side, (unsigned)(st.st_mode &
			    07777), side);
			return ZE_INVAL;
		}
	}
	return 0;
}

/* One row of meta as a blob (zid) or integer (schema); 0 when absent. */
static int
zcache_meta(struct zcache *c, const char *key, uint8_t *blob, size_t len,
    int64_t *num, int *found)
{
	sqlite3_stmt *st = NULL;
	int rc, r = ZE_INVAL;

	*found = 0;
	if (sqlite3_prepare_v2(c->db, "SELECT value FROM meta WHERE key = ?1",
	    -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	if ((rc = sqlite3_step(st)) == SQLITE_DONE)
		r = 0;
	else if (rc == SQLITE_ROW && blob != NULL &&
	    sqlite3_column_type(st, 0) == SQLITE_BLOB &&
	    (size_t)sqlite3_column_bytes(st, 0) == len) {
		memcpy(blob, sqlite3_column_blob(st, 0), len);
		*found = 1;
		r = 0;
	} else if (rc == SQLITE_ROW && num != NULL &&
	    sqlite3_column_type(st, 0) == SQLITE_INTEGER) {
		*num = sqlite3_column_int64(st, 0);
		*found = 1;
		r = 0;
	}
out:
	sqlite3_finalize(st);
	return r;
}

static int
zcache_exec(struct zcache *c, const char *sql, char *err, size_t err_len,
    const char *what)
{
	if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return zcache_fail(c->db, err, err_len, what);
	return 0;
}

/*
 * Our ZID and the schema, in one immediate transaction so that two
 * processes opening a new file agree on one ZID. Schema 1 files (no
 * pbxsecret column) are upgraded; newer ones are refused.
 */
static int
zcache_identity(struct zcache *c, char *err, size_t err_len)
{
	sqlite3_stmt *st = NULL;
	int64_t schema = 0;
	int have_zid, have_schema, r;

	if ((r = zcache_exec(c, "BEGIN IMMEDIATE", err, err_len, "lock")) != 0)
		return r;
	if ((r = zcache_meta(c, "zid", c->zid, sizeof(c->zid), NULL,
	    &have_zid)) != 0 || (r = zcache_meta(c, "schema", NULL, 0,
	    &schema, &have_schema)) != 0) {
		snprintf(err, err_len, "cache: meta table damaged");
		goto out;
	}
	if (have_schema && schema > ZCACHE_SCHEMA_VERSION) {
		snprintf(err, err_len, "cache: written by a newer zrtpd "
		    "(schema %lld)", (long long)schema);
		r = ZE_INVAL;
		goto out;
	}
	if (have_schema && schema < 2 && (r = zcache_exec(c, "ALTER TABLE "
	    "peers ADD COLUMN pbxsecret BLOB", err, err_len, "upgrade")) != 0)
		goto out;
	if (!have_zid) {
		/* §4.9: a ZID is random, made once per installation. */
		zrand_bytes(c->zid, sizeof(c->zid));
		if (sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO meta "
		    "(key, value) VALUES ('zid', ?1)", -1, &st, NULL) !=
		    SQLITE_OK || sqlite3_bind_blob(st, 1, c->zid, ZRTP_ZID_LEN,
		    SQLITE_STATIC) != SQLITE_OK || sqlite3_step(st) !=
		    SQLITE_DONE) {
			r = zcache_fail(c->db, err, err_len, "storing our ZID");
			goto out;
		}
	}
	r = zcache_exec(c, "INSERT OR REPLACE INTO meta (key, value) VALUES "
	    "('schema', 2)", err, err_len, "schema");
out:
	sqlite3_finalize(st);
	sqlite3_exec(c->db, r == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/*
 * A damaged page must not read as a missing row ("new peer"): every page
 * is checked once when the file is opened (linear in its size; a cache is
 * small), and a damaged file refused with the way out.
 */
static int
zcache_check_pages(struct zcache *c, const char *path, char *err,
    size_t err_len)
{
	sqlite3_stmt *st = NULL;
	const char *why = NULL;

	if (sqlite3_prepare_v2(c->db, "PRAGMA quick_check(1)", -1, &st,
	    NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			why = (const char *)sqlite3_column_text(st, 0);
		if (why != NULL && strcmp(why, "ok") == 0) {
			sqlite3_finalize(st);
			return 0;
		}
	}
	snprintf(err, err_len, "cache: %s is damaged (%s); fix: mv '%s' "
	    "'%s.damaged' and start afresh: every peer is then new and its "
	    "SAS must be compared again", path, why != NULL ? why :
	    sqlite3_errmsg(c->db), path, path);
	sqlite3_finalize(st);
	return ZE_CACHE;
}

/*
 * A file someone else prepared runs nothing of theirs on our reads and
 * writes: no triggers or views, functions in the schema only innocuous
 * ones, the schema not writable through us, each cell's size checked as
 * it is read (docs/cache.md).
 */
static int
zcache_harden(struct zcache *c, char *err, size_t err_len)
{
	static const struct {
		int	op, want;
	} cfg[] = {
		{ SQLITE_DBCONFIG_DEFENSIVE, 1 },
		{ SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0 },
		{ SQLITE_DBCONFIG_ENABLE_TRIGGER, 0 },
		{ SQLITE_DBCONFIG_ENABLE_VIEW, 0 },
		{ SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0 },
	};
	size_t i;
	int got;

	for (i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		got = -1;
		if (sqlite3_db_config(c->db, cfg[i].op, cfg[i].want, &got) !=
		    SQLITE_OK || got != cfg[i].want) {
			snprintf(err, err_len, "cache: SQLite refused a "
			    "safety setting (%d)", cfg[i].op);
			return ZE_INVAL;
		}
	}
	return zcache_exec(c, "PRAGMA cell_size_check = ON", err, err_len,
	    "cache");
}

/*
 * Only what we create: a trigger, a view or a virtual table in the file
 * was put there by someone else, to run on our writes (copy a secret
 * into a name any client may list, undo a store) or to stand in for a
 * table. Refused with the way out, whatever it does.
 */
static int
zcache_check_objects(struct zcache *c, const char *path, char *err,
    size_t err_len)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	char type[16], name[64];
	size_t i;
	int rc;

	if (sqlite3_prepare_v2(c->db, "SELECT type, name FROM sqlite_master "
	    "WHERE type IN ('trigger', 'view') OR (type = 'table' AND sql "
	    "LIKE 'CREATE VIRTUAL%') LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return zcache_fail(c->db, err, err_len, path);
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		sqlite3_finalize(st);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return zcache_fail(c->db, err, err_len, path);
	}
	/* Names are the file's: printable ASCII only. */
	t = sqlite3_column_text(st, 0);
	snprintf(type, sizeof(type), "%s", t != NULL ? (const char *)t : "");
	t = sqlite3_column_text(st, 1);
	snprintf(name, sizeof(name), "%s", t != NULL ? (const char *)t : "");
	for (i = 0; name[i] != '\0'; i++)
		if (name[i] < 0x20 || name[i] >= 0x7f || name[i] == '\'')
			name[i] = '?';
	sqlite3_finalize(st);
	snprintf(err, err_len, "cache: %s holds a %s '%s' that zrtpd never "
	    "creates: someone changed the file; fix: mv '%s' '%s.suspect' and "
	    "start afresh (every peer is then new), or look (sqlite3 '%s' "
	    ".schema) and drop it", path, strcmp(type, "table") == 0 ?
	    "virtual table" : type, name, path, path, path);
	return ZE_INVAL;
}

int
zcache_open(const char *path, struct zcache **out, char *err, size_t err_len)
{
	char real[PATH_MAX];
	struct zcache *c;
	int r;

	*out = NULL;
	if ((r = zcache_resolve(path, real, sizeof(real), err, err_len)) != 0)
		return r;
	path = real;
	if ((r = zcache_check_dir(path, err, err_len)) != 0 ||
	    (r = zcache_check_side(path, err, err_len)) != 0 ||
	    (r = zcache_create_private(path, err, err_len)) != 0)
		return r;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ZE_NOMEM;
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		r = zcache_fail(c->db, err, err_len, path);
		goto fail;
	}
	sqlite3_busy_timeout(c->db, 2000);
	if ((r = zcache_harden(c, err, err_len)) != 0)
		goto fail;
	if (sqlite3_exec(c->db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;", NULL,
	    NULL, NULL) != SQLITE_OK) {
		r = zcache_fail(c->db, err, err_len, path);
		goto fail;
	}
	/* The -wal and -shm SQLite has just made are checked like the rest. */
	if ((r = zcache_check_side(path, err, err_len)) != 0 ||
	    (r = zcache_check_pages(c, path, err, err_len)) != 0 ||
	    (r = zcache_check_objects(c, path, err, err_len)) != 0)
		goto fail;
	if (sqlite3_exec(c->db, zcache_schema, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		r = zcache_fail(c->db, err, err_len, path);
		goto fail;
	}
	if ((r = zcache_identity(c, err, err_len)) != 0)
		goto fail;
	*out = c;
	return 0;
fail:
	zcache_close(c);
	return r;
}

void
zcache_close(struct zcache *c)
{
	if (c == NULL)
		return;
	sqlite3_close(c->db);
	zwipe(c, sizeof(*c));
	free(c);
}

const uint8_t *
zcache_zid(const struct zcache *c)
{
	return c->zid;
}

/*
 * A secret column: NULL is no secret; a 32-byte blob with a NULL or
 * integer expiry is one (valid if unexpired); anything else is damage,
 * ZE_CACHE, never a secret and never "no secret".
 */
static int
zcache_secret(sqlite3_stmt *st, int col, int exp_col, int64_t now,
    uint8_t out[ZRTP_RS_LEN], int *valid, int64_t *expires)
{
	int exp_type = sqlite3_column_type(st, exp_col);

	*valid = 0;
	*expires = -1;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return 0;
	if (sqlite3_column_type(st, col) != SQLITE_BLOB ||
	    sqlite3_column_bytes(st, col) != ZRTP_RS_LEN ||
	    (exp_type != SQLITE_NULL && exp_type != SQLITE_INTEGER))
		return ZE_CACHE;
	if (exp_type == SQLITE_INTEGER && sqlite3_column_int64(st, exp_col) <=
	    now)
		return 0;
	memcpy(out, sqlite3_column_blob(st, col), ZRTP_RS_LEN);
	if (exp_type == SQLITE_INTEGER)
		*expires = sqlite3_column_int64(st, exp_col);
	*valid = 1;
	return 0;
}

/* An absolute expiry, or NULL for -1 (never). */
static int
zcache_bind_expiry(sqlite3_stmt *st, int col, int64_t expires)
{
	return expires < 0 ? sqlite3_bind_null(st, col) :
	    sqlite3_bind_int64(st, col, expires);
}

/*
 * 0 with e->found 0: no row for zid. ZE_CACHE: the file could not be read
 * (SQLITE_CORRUPT, I/O error, a damaged column); e then says nothing.
 */
int
zcache_load(struct zcache *c, const uint8_t zid[ZRTP_ZID_LEN], int64_t now,
    struct zs_cache_entry *e)
{
	sqlite3_stmt *st = NULL;
	int64_t pbx_expires;
	int rc, r = ZE_CACHE;

	memset(e, 0, sizeof(*e));
	if (sqlite3_prepare_v2(c->db, "SELECT rs1, rs1_expires, rs2, "
	    "rs2_expires, verified, pbxsecret, NULL FROM peers WHERE zid = ?1",
	    -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 1, zid, ZRTP_ZID_LEN, SQLITE_STATIC) !=
	    SQLITE_OK)
		goto out;
	if ((rc = sqlite3_step(st)) == SQLITE_DONE)
		r = 0;
	else if (rc == SQLITE_ROW &&
	    sqlite3_column_type(st, 4) == SQLITE_INTEGER &&
	    /* Column 6 is a NULL expiry: a pbxsecret does not expire. */
	    (r = zcache_secret(st, 0, 1, now, e->rs1, &e->rs1_valid,
	    &e->rs1_expires)) == 0 &&
	    (r = zcache_secret(st, 2, 3, now, e->rs2, &e->rs2_valid,
	    &e->rs2_expires)) == 0 &&
	    (r = zcache_secret(st, 5, 6, now, e->pbxsecret, &e->pbx_valid,
	    &pbx_expires)) == 0) {
		e->found = 1;
		e->verified = sqlite3_column_int(st, 4) != 0;
	} else
		r = ZE_CACHE;
out:
	sqlite3_finalize(st);
	if (r != 0) {
		zwipe(e, sizeof(*e));
		e->error = r;
	}
	e->now = now;	/* the engine counts new expiries from here */
	return r;
}

/*
 * §4.6.1: rs1 and rs2 as the engine says (DH: rs2 is s1 or the old rs1,
 * with its expiry; Preshared: rs2 unchanged). After a match the V flag on
 * disk is kept: a verdict written since the read stays. One statement, so
 * a crash leaves either the old row or the new one; then the WAL is
 * checkpointed and truncated so that superseded secrets do not linger in
 * it.
 */
int
zcache_store(struct zcache *c, const struct zs_cache_record *r, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc = ZE_INVAL;

	/* The record is the engine's decision: written as it is. */
	if (sqlite3_prepare_v2(c->db, "INSERT INTO peers (zid, rs1, "
	    "rs1_expires, rs2, rs2_expires, verified, first_seen, last_seen) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT (zid) DO "
	    "UPDATE SET rs1 = ?2, rs1_expires = ?3, rs2 = ?4, "
	    "rs2_expires = ?5, verified = CASE WHEN ?8 THEN verified ELSE ?6 "
	    "END, last_seen = ?7",
	    -1, &st, NULL) != SQLITE_OK)
		return ZE_INVAL;
	if (sqlite3_bind_blob(st, 1, r->zid, ZRTP_ZID_LEN, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_blob(st, 2, r->rs1, ZRTP_RS_LEN, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    zcache_bind_expiry(st, 3, r->rs1_expires) != SQLITE_OK ||
	    (r->rs2_valid ? sqlite3_bind_blob(st, 4, r->rs2, ZRTP_RS_LEN,
	    SQLITE_STATIC) : sqlite3_bind_null(st, 4)) != SQLITE_OK ||
	    zcache_bind_expiry(st, 5, r->rs2_valid ? r->rs2_expires : -1) !=
	    SQLITE_OK ||
	    sqlite3_bind_int(st, 6, r->verified != 0) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 7, now) != SQLITE_OK ||
	    sqlite3_bind_int(st, 8, r->matched != 0) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
out:
	sqlite3_finalize(st);
	if (rc == 0 && !c->in_batch)
		sqlite3_exec(c->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
		    NULL);
	return rc;
}

int
zcache_batch_begin(struct zcache *c)
{
	if (c->in_batch || sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL) != SQLITE_OK)
		return ZE_CACHE;
	c->in_batch = 1;
	return 0;
}

int
zcache_batch_end(struct zcache *c)
{
	int rc;

	if (!c->in_batch)
		return ZE_INVAL;
	c->in_batch = 0;
	if ((rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL)) !=
	    SQLITE_OK) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return ZE_CACHE;
	}
	/* One fsync for the batch; superseded secrets leave the WAL. */
	sqlite3_exec(c->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
	    NULL);
	return 0;
}

static void
zcache_text(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(out, len, "%s", t != NULL ? (const char *)t : "");
}

int
zcache_list(struct zcache *c,
    int (*fn)(void *arg, const struct zcache_peer *p), void *arg)
{
	struct zcache_peer p;
	sqlite3_stmt *st = NULL;
	int rc, r = 0;

	if (sqlite3_prepare_v2(c->db, "SELECT zid, name, verified, "
	    "rs1 IS NOT NULL, rs2 IS NOT NULL, coalesce(rs1_expires, -1), "
	    "first_seen, last_seen, pbxsecret IS NOT NULL FROM peers "
	    "ORDER BY last_seen DESC", -1,
	    &st, NULL) != SQLITE_OK)
		return ZE_INVAL;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&p, 0, sizeof(p));
		if (sqlite3_column_bytes(st, 0) != ZRTP_ZID_LEN)
			continue;
		memcpy(p.zid, sqlite3_column_blob(st, 0), ZRTP_ZID_LEN);
		zcache_text(st, 1, p.name, sizeof(p.name));
		p.verified = sqlite3_column_int(st, 2);
		p.has_rs1 = sqlite3_column_int(st, 3);
		p.has_rs2 = sqlite3_column_int(st, 4);
		p.rs1_expires = sqlite3_column_int64(st, 5);
		p.first_seen = sqlite3_column_int64(st, 6);
		p.last_seen = sqlite3_column_int64(st, 7);
		p.has_pbx = sqlite3_column_int(st, 8);
		r = fn(arg, &p);
	}
	sqlite3_finalize(st);
	return r;
}

static int
zcache_exec_zid(struct zcache *c, const char *sql,
    const uint8_t zid[ZRTP_ZID_LEN], const char *text)
{
	sqlite3_stmt *st = NULL;
	int r = ZE_INVAL;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 1, zid, ZRTP_ZID_LEN, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    (text != NULL && sqlite3_bind_text(st, 2, text, -1,
	    SQLITE_STATIC) != SQLITE_OK))
		goto out;
	if (sqlite3_step(st) == SQLITE_DONE)
		r = sqlite3_changes(c->db) == 1 ? 0 : ZE_INVAL;
out:
	sqlite3_finalize(st);
	return r;
}

int
zcache_rename(struct zcache *c, const uint8_t zid[ZRTP_ZID_LEN],
    const char *name)
{
	if (strlen(name) >= ZCACHE_NAME_MAX)
		return ZE_INVAL;
	return zcache_exec_zid(c, "UPDATE peers SET name = ?2 WHERE zid = ?1",
	    zid, name);
}

/* §4.9: an interval of 0 expires the stored rs1 (a ZSA_CACHE_EXPIRE). */
int
zcache_expire(struct zcache *c, const uint8_t zid[ZRTP_ZID_LEN], int64_t now)
{
	sqlite3_stmt *st = NULL;
	int r = ZE_INVAL;

	if (sqlite3_prepare_v2(c->db, "UPDATE peers SET rs1_expires = ?2 "
	    "WHERE zid = ?1", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_blob(st, 1, zid, ZRTP_ZID_LEN, SQLITE_STATIC) ==
	    SQLITE_OK && sqlite3_bind_int64(st, 2, now) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_DONE)
		r = 0;
	sqlite3_finalize(st);
	return r;
}

/* §7.3.1: kept only on the user's explicit yes (a ZSA_CACHE_PBX). */
int
zcache_set_pbx(struct zcache *c, const uint8_t zid[ZRTP_ZID_LEN],
    const uint8_t pbxsecret[ZRTP_RS_LEN])
{
	sqlite3_stmt *st = NULL;
	int r = ZE_INVAL;

	if (sqlite3_prepare_v2(c->db, "INSERT INTO peers (zid, pbxsecret, "
	    "first_seen, last_seen) VALUES (?1, ?2, strftime('%s'), "
	    "strftime('%s')) ON CONFLICT (zid) DO UPDATE SET pbxsecret = ?2",
	    -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 1, zid, ZRTP_ZID_LEN, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_blob(st, 2, pbxsecret, ZRTP_RS_LEN, SQLITE_STATIC) !=
	    SQLITE_OK)
		goto out;
	if (sqlite3_step(st) == SQLITE_DONE)
		r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int
zcache_set_verified(struct zcache *c, const uint8_t zid[ZRTP_ZID_LEN],
    int verified)
{
	return zcache_exec_zid(c, verified ?
	    "UPDATE peers SET verified = 1 WHERE zid = ?1" :
	    "UPDATE peers SET verified = 0 WHERE zid = ?1", zid, NULL);
}

/*
 * One statement, so that no store slips between the check and the flag.
 * SQLite compares the blobs with memcmp(): the time it takes is seen by
 * no peer (the cache thread answers the daemon's loop only).
 */
static int
zcache_set_verified_bound(struct zcache *c, const uint8_t zid[ZRTP_ZID_LEN],
    const uint8_t rs[ZRTP_RS_LEN], const uint8_t *rs_other, int *set)
{
	sqlite3_stmt *st = NULL;
	int r = ZE_INVAL;

	*set = 0;
	if (sqlite3_prepare_v2(c->db, "UPDATE peers SET verified = 1 WHERE "
	    "zid = ?1 AND (rs1 = ?2 OR rs2 = ?2 OR rs1 = ?3 OR rs2 = ?3)", -1,
	    &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 1, zid, ZRTP_ZID_LEN, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_blob(st, 2, rs, ZRTP_RS_LEN, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    /* NULL equals nothing, not even a NULL rs2. */
	    (rs_other != NULL ? sqlite3_bind_blob(st, 3, rs_other, ZRTP_RS_LEN,
	    SQLITE_STATIC) : sqlite3_bind_null(st, 3)) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) == SQLITE_DONE) {
		*set = sqlite3_changes(c->db) == 1;
		r = 0;
	}
out:
	sqlite3_finalize(st);
	return r;
}

int
zcache_verdict(struct zcache *c, const uint8_t zid[ZRTP_ZID_LEN],
    int verified, int bound, const uint8_t rs1[ZRTP_RS_LEN],
    const uint8_t *rs2, int *set)
{
	if (verified && bound)
		return zcache_set_verified_bound(c, zid, rs1, rs2, set);
	*set = 1;
	return zcache_set_verified(c, zid, verified);
}

int
zcache_forget(struct zcache *c, const uint8_t zid[ZRTP_ZID_LEN])
{
	return zcache_exec_zid(c, "DELETE FROM peers WHERE zid = ?1", zid,
	    NULL);
}

static int
zcache_count(sqlite3 *db, const char *sql, int64_t *n)
{
	sqlite3_stmt *st = NULL;
	int r = ZE_INVAL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) == SQLITE_INTEGER) {
		*n = sqlite3_column_int64(st, 0);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

static int
zcache_write_all(int fd, const unsigned char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return ZE_INVAL;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
zcache_backup(struct zcache *c, int fd, int64_t *bytes, int *peers)
{
	sqlite3_int64 size = 0;
	unsigned char *img = NULL;
	int64_t n = 0;
	int r = ZE_INVAL;

	/* One read transaction: the count and the image agree. */
	if (sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return ZE_INVAL;
	if (zcache_count(c->db, "SELECT count(*) FROM peers", &n) != 0 ||
	    (img = sqlite3_serialize(c->db, "main", &size, 0)) == NULL)
		goto out;
	if ((r = zcache_write_all(fd, img, (size_t)size)) != 0)
		goto out;
	*bytes = size;
	*peers = (int)n;
out:
	if (img != NULL) {
		zwipe(img, (size_t)size);
		sqlite3_free(img);
	}
	sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
	return r;
}

/* The image in fd, whole, into a buffer of our own (at most the bound). */
static int
zcache_read_image(int fd, unsigned char **out, size_t *len, char *err,
    size_t err_len)
{
	unsigned char *buf = NULL, *nb;
	size_t cap = 0, n = 0;
	ssize_t k;

	for (;;) {
		if (n == cap) {
			if (cap == ZCACHE_IMAGE_MAX) {
				snprintf(err, err_len, "larger than %d bytes",
				    ZCACHE_IMAGE_MAX);
				goto fail;
			}
			cap = cap == 0 ? 65536 : cap * 2;
			if ((nb = malloc(cap)) == NULL) {
				snprintf(err, err_len, "out of memory");
				goto fail;
			}
			if (n > 0)
				memcpy(nb, buf, n);
			if (buf != NULL) {
				zwipe(buf, n);
				free(buf);
			}
			buf = nb;
		}
		if ((k = read(fd, buf + n, cap - n)) < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			snprintf(err, err_len, "reading it: %s", strerror(errno));
			goto fail;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	*out = buf;
	*len = n;
	return 0;
fail:
	if (buf != NULL) {
		zwipe(buf, n);
		free(buf);
	}
	return ZE_INVAL;
}

/* Every check an image passes before it replaces anything. */
static int
zcache_check_image(struct zcache *c, uint8_t zid[ZRTP_ZID_LEN], char *err,
    size_t err_len)
{
	sqlite3_stmt *st = NULL;
	const char *why = "integrity check failed";
	int64_t schema = 0, bad = 1;
	int r = ZE_INVAL;

	if (sqlite3_prepare_v2(c->db, "PRAGMA img.integrity_check(1)", -1,
	    &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
	    sqlite3_column_text(st, 0) == NULL ||
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	why = "not a zrtpd cache of schema 2";
	if (zcache_count(c->db, "SELECT value FROM img.meta WHERE key = "
	    "'schema'", &schema) != 0 || schema != ZCACHE_SCHEMA_VERSION)
		goto out;
	why = "no ZID of its own";
	if (sqlite3_prepare_v2(c->db, "SELECT value FROM img.meta WHERE key = "
	    "'zid' AND typeof(value) = 'blob' AND length(value) = 12", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		goto out;
	memcpy(zid, sqlite3_column_blob(st, 0), ZRTP_ZID_LEN);
	why = "rows this schema does not allow";
	if (zcache_count(c->db, "SELECT count(*) FROM img.peers WHERE "
	    "typeof(zid) != 'blob' OR length(zid) != 12 OR "
	    "(rs1 IS NOT NULL AND (typeof(rs1) != 'blob' OR length(rs1) != 32)) "
	    "OR (rs2 IS NOT NULL AND (typeof(rs2) != 'blob' OR "
	    "length(rs2) != 32)) OR (pbxsecret IS NOT NULL AND "
	    "(typeof(pbxsecret) != 'blob' OR length(pbxsecret) != 32)) OR "
	    "length(name) >= 128", &bad) != 0 || bad != 0)
		goto out;
	r = 0;
out:
	if (r != 0)
		snprintf(err, err_len, "%s", why);
	sqlite3_finalize(st);
	return r;
}

int
zcache_restore(struct zcache *c, int fd, int *peers, char *err,
    size_t err_len)
{
	uint8_t zid[ZRTP_ZID_LEN];
	unsigned char *img = NULL;
	size_t len = 0;
	int64_t n = 0;
	int attached = 0, r;

	if ((r = zcache_read_image(fd, &img, &len, err, err_len)) != 0)
		return r;
	r = ZE_INVAL;
	/* The file's public magic. */
	if (len < 100 || memcmp(img, "SQLite format 3", 16) != 0) {
		snprintf(err, err_len, "not an SQLite database");
		goto out;
	}
	/* An image of a WAL file opens in memory as a rollback one. */
	if (img[18] == 2 && img[19] == 2)
		img[18] = img[19] = 1;
	if (sqlite3_exec(c->db, "ATTACH ':memory:' AS img", NULL, NULL,
	    NULL) != SQLITE_OK) {
		snprintf(err, err_len, "%s", sqlite3_errmsg(c->db));
		goto out;
	}
	attached = 1;
	if (sqlite3_deserialize(c->db, "img", img, (sqlite3_int64)len,
	    (sqlite3_int64)len, SQLITE_DESERIALIZE_READONLY) != SQLITE_OK) {
		snprintf(err, err_len, "not an SQLite database");
		goto out;
	}
	if ((r = zcache_check_image(c, zid, err, err_len)) != 0)
		goto out;
	/* Deferred: IMMEDIATE would lock the read-only image as well. */
	if (sqlite3_exec(c->db, "BEGIN;"
	    "DELETE FROM main.peers; DELETE FROM main.meta;"
	    "INSERT INTO main.meta (key, value) SELECT key, value FROM img.meta;"
	    "INSERT INTO main.peers (zid, rs1, rs1_expires, rs2, rs2_expires, "
	    "verified, pbxsecret, name, first_seen, last_seen) SELECT zid, rs1, "
	    "rs1_expires, rs2, rs2_expires, verified, pbxsecret, name, "
	    "first_seen, last_seen FROM img.peers;"
	    "COMMIT;", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, err_len, "%s", sqlite3_errmsg(c->db));
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		r = ZE_CACHE;
		goto out;
	}
	memcpy(c->zid, zid, ZRTP_ZID_LEN);
	zcache_count(c->db, "SELECT count(*) FROM main.peers", &n);
	*peers = (int)n;
	sqlite3_exec(c->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
out:
	if (attached)
		sqlite3_exec(c->db, "DETACH img", NULL, NULL, NULL);
	zwipe(img, len);
	free(img);
	return r;
}
