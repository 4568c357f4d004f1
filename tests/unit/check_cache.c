/*
 * The retained-secret cache on a real SQLite file in a fresh temporary
 * directory: identity, rotation, expiry, flags, PBX secrets, and what a
 * damaged, foreign, older or newer file gets (an error, never a secret).
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "unit.h"
#include <sqlite3.h>

#include "cache.h"
#include "zcrypto.h"
#include "zerr.h"

static char dir[64], path[128];
static const uint8_t peer[ZRTP_ZID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    11, 12 };

/*
 * snprintf that fails the test where it would cut a path or an expected
 * message short: a cut one could name the wrong file or match too much.
 */
static void __attribute__((format(printf, 3, 4)))
fmt(char *out, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(out, len, f, ap);
	va_end(ap);
	ck_assert_msg(n >= 0 && (size_t)n < len, "%d bytes do not fit in %zu",
	    n, len);
}

static void
setup(void)
{
	fmt(dir, sizeof(dir), "/tmp/zcache.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	fmt(path, sizeof(path), "%s/cache.db", dir);
}

static void
teardown(void)
{
	char cmd[256];

	fmt(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct zcache *
open_ok(void)
{
	struct zcache *c;
	char err[256];

	ck_assert_msg(zcache_open(path, &c, err, sizeof(err)) == 0, "%s", err);
	return c;
}

/* Refused with err naming the fix; nothing opened. */
static void
refused_as(int code, const char *fix)
{
	struct zcache *c;
	char err[512];

	ck_assert_int_eq(zcache_open(path, &c, err, sizeof(err)), code);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, fix) != NULL, "'%s' lacks '%s'", err, fix);
}

static void
refused(const char *fix)
{
	refused_as(ZE_INVAL, fix);
}

/* A record as the engine decides it, written as it is. */
static void
store(struct zcache *c, uint8_t rs1, int64_t rs1_exp, int rs2, uint8_t rs2v,
    int64_t rs2_exp, int verified, int64_t now)
{
	struct zs_cache_record r;

	memset(&r, 0, sizeof(r));
	memcpy(r.zid, peer, ZRTP_ZID_LEN);
	memset(r.rs1, rs1, ZRTP_RS_LEN);
	r.rs1_expires = rs1_exp;
	r.rs2_valid = rs2;
	memset(r.rs2, rs2v, ZRTP_RS_LEN);
	r.rs2_expires = rs2_exp;
	r.verified = verified;
	ck_assert_int_eq(zcache_store(c, &r, now), 0);
}

START_TEST(test_identity_and_mode)
{
	uint8_t zid[ZRTP_ZID_LEN];
	struct zcache *c = open_ok();
	struct stat st;

	memcpy(zid, zcache_zid(c), ZRTP_ZID_LEN);
	zcache_close(c);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	c = open_ok();
	ck_assert_mem_eq(zcache_zid(c), zid, ZRTP_ZID_LEN);
	zcache_close(c);
	/* A looser file is refused with the fix, and left as it was. */
	ck_assert_int_eq(chmod(path, 0644), 0);
	refused_as(ZE_INVAL, "mode 0644");
	refused_as(ZE_INVAL, "fix: chmod 600");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	ck_assert_int_eq(chmod(path, 0600), 0);
	c = open_ok();
	zcache_close(c);
}
END_TEST

/*
 * Batched stores (the daemon's cache thread): one transaction, seen by
 * another connection only at its end; no nesting; end without begin
 * refused.
 */
START_TEST(test_batch)
{
	struct zcache *c = open_ok(), *other = open_ok();
	struct zs_cache_entry e;

	ck_assert_int_eq(zcache_batch_end(c), ZE_INVAL);
	ck_assert_int_eq(zcache_batch_begin(c), 0);
	ck_assert_int_eq(zcache_batch_begin(c), ZE_CACHE);
	store(c, 0x11, -1, 0, 0, -1, 0, 1000);
	store(c, 0x22, -1, 1, 0x11, -1, 0, 1001);
	ck_assert_int_eq(zcache_load(c, peer, 1002, &e), 0);
	ck_assert(e.found && e.rs1[0] == 0x22);
	ck_assert_int_eq(zcache_load(other, peer, 1002, &e), 0);
	ck_assert_int_eq(e.found, 0);	/* not durable before the end */
	ck_assert_int_eq(zcache_batch_end(c), 0);
	ck_assert_int_eq(zcache_load(other, peer, 1002, &e), 0);
	ck_assert(e.found && e.rs1[0] == 0x22 && e.rs2[0] == 0x11);
	zcache_close(other);
	zcache_close(c);
}
END_TEST

START_TEST(test_rotation_expiry_flags)
{
	struct zcache *c = open_ok();
	struct zs_cache_entry e;

	ck_assert_int_eq(zcache_load(c, peer, 1000, &e), 0);
	ck_assert_int_eq(e.found, 0);
	ck_assert_int_eq(e.now, 1000);
	store(c, 0x11, -1, 0, 0, -1, 0, 1000);
	/* DH: the engine passes the old rs1 as rs2, with its expiry. */
	store(c, 0x22, 2100, 1, 0x11, -1, 1, 2000);
	ck_assert_int_eq(zcache_load(c, peer, 2050, &e), 0);
	ck_assert(e.found && e.rs1_valid && e.rs2_valid && e.verified);
	ck_assert_uint_eq(e.rs1[0], 0x22);
	ck_assert_uint_eq(e.rs2[0], 0x11);
	ck_assert_int_eq(e.rs1_expires, 2100);
	ck_assert_int_eq(e.rs2_expires, -1);
	ck_assert_int_eq(e.now, 2050);
	ck_assert_int_eq(zcache_load(c, peer, 2100, &e), 0);
	ck_assert(!e.rs1_valid && e.rs2_valid);
	/* The cache applies the record's expiries, deciding none itself. */
	store(c, 0x22, 2900, 1, 0x11, 2500, 1, 2000);
	ck_assert_int_eq(zcache_load(c, peer, 2600, &e), 0);
	ck_assert(e.rs1_valid && !e.rs2_valid);
	ck_assert_int_eq(e.rs1_expires, 2900);
	/* Preshared: rs2 stays what it was. */
	store(c, 0x33, -1, 1, 0x11, -1, 1, 3000);
	ck_assert_int_eq(zcache_load(c, peer, 3000, &e), 0);
	ck_assert_uint_eq(e.rs1[0], 0x33);
	ck_assert_uint_eq(e.rs2[0], 0x11);
	ck_assert_int_eq(zcache_set_verified(c, peer, 0), 0);
	ck_assert_int_eq(zcache_expire(c, peer, 3000), 0);
	ck_assert_int_eq(zcache_load(c, peer, 3001, &e), 0);
	ck_assert(!e.verified && !e.rs1_valid);
	zcache_close(c);
}
END_TEST

static int
count_peer(void *arg, const struct zcache_peer *p)
{
	int *n = arg;

	if (memcmp(p->zid, peer, ZRTP_ZID_LEN) == 0 &&
	    strcmp(p->name, "alice's phone") == 0)
		(*n)++;
	return 0;
}

START_TEST(test_pbx_names_forget)
{
	uint8_t secret[ZRTP_RS_LEN];
	struct zcache *c = open_ok();
	struct zs_cache_entry e;
	int n = 0;

	memset(secret, 0x5a, sizeof(secret));
	ck_assert_int_eq(zcache_set_pbx(c, peer, secret), 0);
	ck_assert_int_eq(zcache_load(c, peer, 1, &e), 0);
	ck_assert(e.found && e.pbx_valid && !e.rs1_valid);
	ck_assert_mem_eq(e.pbxsecret, secret, ZRTP_RS_LEN);
	ck_assert_int_eq(zcache_rename(c, peer, "alice's phone"), 0);
	ck_assert_int_eq(zcache_list(c, count_peer, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(zcache_forget(c, peer), 0);
	ck_assert_int_eq(zcache_load(c, peer, 1, &e), 0);
	ck_assert_int_eq(e.found, 0);
	ck_assert_int_eq(zcache_forget(c, peer), ZE_INVAL);
	zcache_close(c);
}
END_TEST

static void
sql(const char *stmt)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, stmt, NULL, NULL, NULL) == SQLITE_OK,
	    "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
	/* A file made here, as zrtpd makes its own (a looser one is refused). */
	ck_assert_int_eq(chmod(path, 0600), 0);
}

/* The peer's row as SQL text, to see that a failed call left it alone. */
static void
row_text(char *out, size_t len)
{
	sqlite3_stmt *st;
	sqlite3 *db;
	const unsigned char *t;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT quote(rs1) || "
	    "quote(rs1_expires) || quote(rs2) || quote(rs2_expires) || "
	    "quote(verified) || quote(pbxsecret) || quote(last_seen) FROM "
	    "peers WHERE zid = x'0102030405060708090a0b0c'", -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_ptr_nonnull(t = sqlite3_column_text(st, 0));
	fmt(out, len, "%s", (const char *)t);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/*
 * Issue 6 item 3: a value of the wrong type or size is an error
 * (ZE_CACHE, e.error set, nothing else in e), never a secret and never
 * "no secret"; the row stays as it was.
 */
START_TEST(test_damaged_rows)
{
	static const char *const damage[] = {
		"rs1 = '0123456789abcdef0123456789abcdef'",	/* text */
		"rs2 = zeroblob(31)",
		"pbxsecret = zeroblob(33)",
		"rs1 = zeroblob(32), rs1_expires = 'soon'",
		"rs1 = 7",
		"verified = 'yes'",
	};
	char before[512], after[512], stmt[256];
	struct zs_cache_entry e;
	struct zcache *c;
	size_t i;

	zcache_close(open_ok());
	for (i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
		sql("DELETE FROM peers; INSERT INTO peers (zid, rs1, "
		    "verified, first_seen, last_seen) VALUES "
		    "(x'0102030405060708090a0b0c', zeroblob(32), 1, 0, 0)");
		/*
		 * Damaged while open (a file opened damaged fails its page
		 * check, test_damaged_pages): the next load sees it.
		 */
		c = open_ok();
		fmt(stmt, sizeof(stmt), "PRAGMA ignore_check_constraints "
		    "= ON; UPDATE peers SET %s", damage[i]);
		sql(stmt);
		row_text(before, sizeof(before));
		memset(&e, 0xa5, sizeof(e));
		ck_assert_msg(zcache_load(c, peer, 1, &e) == ZE_CACHE, "%s",
		    damage[i]);
		ck_assert_int_eq(e.error, ZE_CACHE);
		ck_assert(!e.found && !e.rs1_valid && !e.rs2_valid &&
		    !e.pbx_valid && !e.verified);
		zcache_close(c);
		row_text(after, sizeof(after));
		ck_assert_str_eq(before, after);
	}
}
END_TEST

static size_t
read_all(uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, len, f);
	ck_assert_int_eq(feof(f), 1);
	fclose(f);
	return n;
}

/*
 * Issue 6 item 3: with the peers table's pages damaged, the probe said
 * "new peer". Now the file is refused when opened, with the way out, and
 * left byte for byte as it was.
 */
START_TEST(test_damaged_pages)
{
	static uint8_t before[1 << 16], after[1 << 16];
	struct zcache *c = open_ok();
	sqlite3_stmt *st;
	sqlite3 *db;
	int64_t page, root[2];
	size_t n, k;
	char fix[400];
	int fd;

	store(c, 0x11, -1, 0, 0, -1, 1, 1000);
	zcache_close(c);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT (SELECT page_size "
	    "FROM pragma_page_size), (SELECT rootpage FROM sqlite_master "
	    "WHERE name = 'peers'), (SELECT rootpage FROM sqlite_master "
	    "WHERE type = 'index' AND tbl_name = 'peers')", -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	page = sqlite3_column_int64(st, 0);
	root[0] = sqlite3_column_int64(st, 1);
	root[1] = sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	sqlite3_close(db);
	ck_assert(page > 0 && root[0] > 1 && root[1] > 1);
	/* Both b-trees of the table, so no lookup path avoids the damage. */
	ck_assert_int_ge(fd = open(path, O_WRONLY), 0);
	for (k = 0; k < 2; k++) {
		uint8_t junk[512];

		memset(junk, 0xee, sizeof(junk));
		ck_assert_int_eq(pwrite(fd, junk, sizeof(junk),
		    (root[k] - 1) * page), (ssize_t)sizeof(junk));
	}
	close(fd);
	n = read_all(before, sizeof(before));
	refused_as(ZE_CACHE, "is damaged (");
	fmt(fix, sizeof(fix), "fix: mv '%s' '%s.damaged'", path, path);
	refused_as(ZE_CACHE, fix);
	ck_assert_uint_eq(read_all(after, sizeof(after)), n);
	ck_assert_mem_eq(before, after, n);
}
END_TEST

/* A schema 1 file gains the pbxsecret column; a newer one is refused. */
START_TEST(test_schema_versions)
{
	struct zcache *c;
	char err[256];

	sql("CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);"
	    "CREATE TABLE peers (zid BLOB PRIMARY KEY, rs1 BLOB, "
	    "rs1_expires INTEGER, rs2 BLOB, rs2_expires INTEGER, verified "
	    "INTEGER NOT NULL DEFAULT 0, name TEXT NOT NULL DEFAULT '', "
	    "first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL);"
	    "INSERT INTO meta VALUES ('zid', x'aabbccddeeff001122334455'),"
	    "('schema', 1);");
	c = open_ok();
	ck_assert_uint_eq(zcache_zid(c)[0], 0xaa);
	store(c, 0x44, -1, 0, 0, -1, 0, 10);
	zcache_close(c);
	sql("UPDATE meta SET value = 3 WHERE key = 'schema'");
	ck_assert_int_eq(zcache_open(path, &c, err, sizeof(err)), ZE_INVAL);
	ck_assert_ptr_nonnull(strstr(err, "newer"));
}
END_TEST

/* Not a database, a link or a directory: a clear error, nothing opened. */
START_TEST(test_refusals)
{
	struct zcache *c;
	static const char junk[] = "this is not a database file at all, "
	    "not even close to one, and long enough to be read";
	char err[256], link[160];
	int fd;

	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	ck_assert_int_ne(zcache_open(path, &c, err, sizeof(err)), 0);
	ck_assert_ptr_null(c);
	ck_assert_uint_gt(strlen(err), 0);
	fmt(link, sizeof(link), "%s/link.db", dir);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_ne(zcache_open(link, &c, err, sizeof(err)), 0);
	fmt(link, sizeof(link), "%s/sub", dir);
	ck_assert_int_eq(mkdir(link, 0700), 0);
	ck_assert_int_ne(zcache_open(link, &c, err, sizeof(err)), 0);
}
END_TEST

/* A directory others may write in: they could plant the side files. */
START_TEST(test_directory_refused)
{
	char fix[160];

	fmt(fix, sizeof(fix), "chmod go-w '%s'", dir);
	ck_assert_int_eq(chmod(dir, 0770), 0);
	refused(fix);
	ck_assert_int_eq(chmod(dir, 0757), 0);
	refused(fix);
	/* A sticky bit stops deletion, not a planted -wal. */
	ck_assert_int_eq(chmod(dir, 01777), 0);
	refused(fix);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(chmod(dir, 0700), 0);
	zcache_close(open_ok());
	if (geteuid() == 0) {
		/* Only root can give the directory away to test this. */
		ck_assert_int_eq(chown(dir, 65534, 65534), 0);
		refused("not us or root; fix: chown 0");
		ck_assert_int_eq(chown(dir, 0, 0), 0);
	}
}
END_TEST

static void
side(const char *suffix, char *out, size_t len)
{
	fmt(out, len, "%s%s", path, suffix);
}

/* A -wal, -shm or -journal that is not ours with mode 0600 is refused. */
START_TEST(test_side_files_refused)
{
	char wal[160], shm[160], jrn[160], fix[200], other[160];
	struct zcache *c;
	struct stat st;
	int fd;

	zcache_close(open_ok());
	side("-wal", wal, sizeof(wal));
	side("-shm", shm, sizeof(shm));
	side("-journal", jrn, sizeof(jrn));
	/* The attack of issue 6: a pre-created world-writable -wal. */
	ck_assert_int_ge(fd = open(wal, O_WRONLY | O_CREAT, 0600), 0);
	close(fd);
	ck_assert_int_eq(chmod(wal, 0666), 0);
	fmt(fix, sizeof(fix), "mode 0666; fix: chmod 600 '%s'", wal);
	refused(fix);
	ck_assert_int_eq(stat(wal, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_int_eq(chmod(wal, 0600), 0);
	/* A link, wherever it points. */
	fmt(other, sizeof(other), "%s/elsewhere", dir);
	ck_assert_int_ge(fd = open(other, O_WRONLY | O_CREAT, 0600), 0);
	close(fd);
	ck_assert_int_eq(symlink(other, shm), 0);
	fmt(fix, sizeof(fix), "a symbolic link; fix: rm '%s'", shm);
	refused(fix);
	ck_assert_int_eq(unlink(shm), 0);
	ck_assert_int_eq(mkdir(jrn, 0700), 0);
	fmt(fix, sizeof(fix), "not a regular file; fix: rm '%s'", jrn);
	refused(fix);
	ck_assert_int_eq(rmdir(jrn), 0);
	if (geteuid() == 0) {
		/* Only root can make a file that is not its own. */
		ck_assert_int_ge(fd = open(jrn, O_WRONLY | O_CREAT, 0600), 0);
		close(fd);
		ck_assert_int_eq(chown(jrn, 65534, 65534), 0);
		fmt(fix, sizeof(fix), "uid 65534, not us; fix: rm '%s'",
		    jrn);
		refused(fix);
		ck_assert_int_eq(unlink(jrn), 0);
	}
	c = open_ok();
	zcache_close(c);
}
END_TEST

/* What SQLite creates takes the database's 0600, whatever the umask. */
START_TEST(test_side_files_private)
{
	char wal[160], shm[160];
	struct zcache *c;
	struct stat st;
	mode_t old = umask(0);

	c = open_ok();
	store(c, 0x11, -1, 0, 0, -1, 0, 1000);
	side("-wal", wal, sizeof(wal));
	side("-shm", shm, sizeof(shm));
	ck_assert_int_eq(stat(wal, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(stat(shm, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	zcache_close(c);
	umask(old);
}
END_TEST

/*
 * A backup written to a descriptor restores into another cache: its rows,
 * name and secrets, and its ZID become ours. Damaged, truncated and
 * foreign images are refused and change nothing.
 */
START_TEST(test_backup_restore)
{
	char img[128], other[128], bad[128], err[128], before[512], after[512];
	uint8_t zid_a[ZRTP_ZID_LEN];
	struct zs_cache_entry e;
	struct zcache *c, *d;
	int64_t bytes = 0;
	int fd, peers = -1;
	FILE *f;

	c = open_ok();
	store(c, 0x11, -1, 1, 0x22, -1, 1, 100);
	ck_assert_int_eq(zcache_rename(c, peer, "alice"), 0);
	memcpy(zid_a, zcache_zid(c), ZRTP_ZID_LEN);
	fmt(img, sizeof(img), "%s/backup", dir);
	fd = open(img, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(zcache_backup(c, fd, &bytes, &peers), 0);
	close(fd);
	ck_assert_int_eq(peers, 1);
	ck_assert_int_gt(bytes, 0);
	zcache_close(c);

	/* Another installation: its own ZID, no peer. */
	fmt(other, sizeof(other), "%s/other.db", dir);
	memcpy(path, other, sizeof(path));
	d = open_ok();
	ck_assert_mem_ne(zcache_zid(d), zid_a, ZRTP_ZID_LEN);
	/* Refused images change nothing. */
	fmt(bad, sizeof(bad), "%s/bad", dir);
	ck_assert_ptr_nonnull(f = fopen(bad, "w"));
	fputs("not a database at all, not even close to one", f);
	fclose(f);
	fd = open(bad, O_RDONLY);
	ck_assert_int_ne(zcache_restore(d, fd, &peers, err, sizeof(err)), 0);
	close(fd);
	ck_assert_int_eq(truncate(img, 4096), 0);
	fd = open(img, O_RDONLY);
	ck_assert_int_ne(zcache_restore(d, fd, &peers, err, sizeof(err)), 0);
	close(fd);
	ck_assert_int_eq(zcache_load(d, peer, 1, &e), 0);
	ck_assert_int_eq(e.found, 0);
	ck_assert_mem_ne(zcache_zid(d), zid_a, ZRTP_ZID_LEN);
	zcache_close(d);

	/* The whole image again, restored. */
	fmt(path, sizeof(path), "%s/cache.db", dir);
	c = open_ok();
	row_text(before, sizeof(before));
	ck_assert_int_eq(unlink(img), 0);
	fd = open(img, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_eq(zcache_backup(c, fd, &bytes, &peers), 0);
	close(fd);
	zcache_close(c);
	memcpy(path, other, sizeof(path));
	d = open_ok();
	fd = open(img, O_RDONLY);
	ck_assert_msg(zcache_restore(d, fd, &peers, err, sizeof(err)) == 0,
	    "%s", err);
	close(fd);
	ck_assert_int_eq(peers, 1);
	ck_assert_mem_eq(zcache_zid(d), zid_a, ZRTP_ZID_LEN);
	ck_assert_int_eq(zcache_load(d, peer, 1, &e), 0);
	ck_assert(e.found && e.rs1_valid && e.rs2_valid && e.verified);
	zcache_close(d);
	row_text(after, sizeof(after));
	ck_assert_str_eq(before, after);
	/* And the restored file opens as ours with that ZID. */
	d = open_ok();
	ck_assert_mem_eq(zcache_zid(d), zid_a, ZRTP_ZID_LEN);
	zcache_close(d);
}
END_TEST

/*
 * A file someone prepared with a trigger (here one copying rs1 into the
 * name any read-level client may list, and one undoing our stores), a
 * view or a virtual table is refused: nothing of theirs runs on our
 * writes.
 */
START_TEST(test_foreign_objects_refused)
{
	static const char *const planted[] = {
		"CREATE TRIGGER leak AFTER UPDATE ON peers BEGIN UPDATE peers "
		"SET name = hex(NEW.rs1) WHERE zid = NEW.zid; END",
		"CREATE TRIGGER keep BEFORE UPDATE OF rs1 ON peers BEGIN "
		"SELECT RAISE(IGNORE); END",
		"CREATE VIEW secrets AS SELECT zid, rs1 FROM peers",
		"CREATE VIRTUAL TABLE extra USING fts5(x)",
	};
	static const char *const drop[] = {
		"DROP TRIGGER leak", "DROP TRIGGER keep", "DROP VIEW secrets",
		"DROP TABLE extra",
	};
	char fix[300];
	size_t i;

	zcache_close(open_ok());
	fmt(fix, sizeof(fix), "that zrtpd never creates: someone changed "
	    "the file; fix: mv '%s' '%s.suspect'", path, path);
	for (i = 0; i < sizeof(planted) / sizeof(planted[0]); i++) {
		sql(planted[i]);
		refused(fix);
		sql(drop[i]);
		zcache_close(open_ok());
	}
}
END_TEST

/*
 * Every directory above the cache's must be one no one else can change,
 * or the cache's directory could be swapped between our checks and
 * SQLite's opens: writable by others without the sticky bit is refused,
 * through a symbolic link as well; a sticky one (as /tmp) over a
 * directory of ours is not.
 */
START_TEST(test_ancestors_refused)
{
	char sub[128], link[128], fix[200];

	fmt(sub, sizeof(sub), "%s/sub", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	fmt(path, sizeof(path), "%s/cache.db", sub);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	fmt(fix, sizeof(fix), "%s, above the cache, is writable by "
	    "others, who could swap the directory below it; fix: chmod go-w "
	    "'%s'", dir, dir);
	refused(fix);
	ck_assert_int_eq(access(path, F_OK), -1);
	fmt(link, sizeof(link), "%s/link", dir);
	ck_assert_int_eq(symlink("sub", link), 0);
	fmt(path, sizeof(path), "%s/cache.db", link);
	refused(fix);
	ck_assert_int_eq(chmod(dir, 01777), 0);
	zcache_close(open_ok());
	ck_assert_int_eq(chmod(dir, 0700), 0);
	fmt(path, sizeof(path), "%s/cache.db", dir);
}
END_TEST

/* Another name for the file or a side file: someone may read it there. */
START_TEST(test_hard_links_refused)
{
	char other[160], wal[160], fix[300];
	int fd;

	zcache_close(open_ok());
	fmt(other, sizeof(other), "%s/copy", dir);
	ck_assert_int_eq(link(path, other), 0);
	fmt(fix, sizeof(fix), "%s has 2 hard links; fix:", path);
	refused(fix);
	ck_assert_int_eq(unlink(other), 0);
	zcache_close(open_ok());
	side("-wal", wal, sizeof(wal));
	ck_assert_int_ge(fd = open(wal, O_WRONLY | O_CREAT, 0600), 0);
	close(fd);
	ck_assert_int_eq(link(wal, other), 0);
	fmt(fix, sizeof(fix), "%s has 2 hard links; fix: rm '%s'", wal,
	    wal);
	refused(fix);
	ck_assert_int_eq(unlink(other), 0);
	zcache_close(open_ok());
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("sqlite");

	if (zcrypto_init(0) != 0)
		return EXIT_FAILURE;
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_identity_and_mode);
	tcase_add_test(tc, test_rotation_expiry_flags);
	tcase_add_test(tc, test_batch);
	tcase_add_test(tc, test_pbx_names_forget);
	tcase_add_test(tc, test_damaged_rows);
	tcase_add_test(tc, test_damaged_pages);
	tcase_add_test(tc, test_schema_versions);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_directory_refused);
	tcase_add_test(tc, test_side_files_refused);
	tcase_add_test(tc, test_side_files_private);
	tcase_add_test(tc, test_backup_restore);
	tcase_add_test(tc, test_foreign_objects_refused);
	tcase_add_test(tc, test_ancestors_refused);
	tcase_add_test(tc, test_hard_links_refused);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
