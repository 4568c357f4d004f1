/*
 * The retained-secret cache on a real SQLite file in a fresh temporary
 * directory: identity, rotation, expiry, flags, PBX secrets, and what a
 * damaged, foreign, older or newer file gets (an error, never a secret).
 */
#include <sys/stat.h>

#include <fcntl.h>
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

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/zcache.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cache.db", dir);
}

static void
teardown(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
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

static void
store(struct zcache *c, uint8_t rs1, int rs2, uint8_t rs2v, uint32_t expiry,
    int verified, int64_t now)
{
	struct zs_action a;

	memset(&a, 0, sizeof(a));
	a.type = ZSA_CACHE_STORE;
	memcpy(a.u.store.zid, peer, ZRTP_ZID_LEN);
	memset(a.u.store.rs1, rs1, ZRTP_RS_LEN);
	a.u.store.rs2_valid = rs2;
	memset(a.u.store.rs2, rs2v, ZRTP_RS_LEN);
	a.u.store.expiry = expiry;
	a.u.store.verified = verified;
	ck_assert_int_eq(zcache_store(c, &a, now), 0);
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
	/* A looser file is made private again. */
	ck_assert_int_eq(chmod(path, 0644), 0);
	c = open_ok();
	zcache_close(c);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
}
END_TEST

START_TEST(test_rotation_expiry_flags)
{
	struct zcache *c = open_ok();
	struct zs_cache_entry e;

	ck_assert_int_eq(zcache_load(c, peer, 1000, &e), 0);
	ck_assert_int_eq(e.found, 0);
	store(c, 0x11, 0, 0, 0xffffffff, 0, 1000);
	/* DH: the engine passes the old rs1 as rs2. */
	store(c, 0x22, 1, 0x11, 100, 1, 2000);
	ck_assert_int_eq(zcache_load(c, peer, 2050, &e), 0);
	ck_assert(e.found && e.rs1_valid && e.rs2_valid && e.verified);
	ck_assert_uint_eq(e.rs1[0], 0x22);
	ck_assert_uint_eq(e.rs2[0], 0x11);
	/* rs1 expired at 2100; rs2 kept the old rs1's "never". */
	ck_assert_int_eq(zcache_load(c, peer, 2100, &e), 0);
	ck_assert(!e.rs1_valid && e.rs2_valid);
	/* Preshared: rs2 stays what it was. */
	store(c, 0x33, 1, 0x11, 0xffffffff, 1, 3000);
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
}

/* A value of the wrong type or size reads as no secret, never as one. */
START_TEST(test_damaged_rows)
{
	struct zcache *c = open_ok();
	struct zs_cache_entry e;

	zcache_close(c);
	sql("INSERT INTO peers (zid, rs1, verified, first_seen, last_seen) "
	    "VALUES (x'0102030405060708090a0b0c', "
	    "'0123456789abcdef0123456789abcdef', 0, 0, 0)");
	c = open_ok();
	ck_assert_int_eq(zcache_load(c, peer, 1, &e), 0);
	ck_assert(e.found && !e.rs1_valid && !e.rs2_valid);
	zcache_close(c);
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
	store(c, 0x44, 0, 0, 0xffffffff, 0, 10);
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
	snprintf(link, sizeof(link), "%s/link.db", dir);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_ne(zcache_open(link, &c, err, sizeof(err)), 0);
	snprintf(link, sizeof(link), "%s/sub", dir);
	ck_assert_int_eq(mkdir(link, 0700), 0);
	ck_assert_int_ne(zcache_open(link, &c, err, sizeof(err)), 0);
}
END_TEST

/* Refused with err naming the fix; nothing opened. */
static void
refused(const char *fix)
{
	struct zcache *c;
	char err[512];

	ck_assert_int_eq(zcache_open(path, &c, err, sizeof(err)), ZE_INVAL);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, fix) != NULL, "'%s' lacks '%s'", err, fix);
}

/* A directory others may write in: they could plant the side files. */
START_TEST(test_directory_refused)
{
	char fix[160];

	snprintf(fix, sizeof(fix), "chmod go-w '%s'", dir);
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
	snprintf(out, len, "%s%s", path, suffix);
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
	snprintf(fix, sizeof(fix), "mode 0666; fix: chmod 600 '%s'", wal);
	refused(fix);
	ck_assert_int_eq(stat(wal, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_int_eq(chmod(wal, 0600), 0);
	/* A link, wherever it points. */
	snprintf(other, sizeof(other), "%s/elsewhere", dir);
	ck_assert_int_ge(fd = open(other, O_WRONLY | O_CREAT, 0600), 0);
	close(fd);
	ck_assert_int_eq(symlink(other, shm), 0);
	snprintf(fix, sizeof(fix), "a symbolic link; fix: rm '%s'", shm);
	refused(fix);
	ck_assert_int_eq(unlink(shm), 0);
	ck_assert_int_eq(mkdir(jrn, 0700), 0);
	snprintf(fix, sizeof(fix), "not a regular file; fix: rm '%s'", jrn);
	refused(fix);
	ck_assert_int_eq(rmdir(jrn), 0);
	if (geteuid() == 0) {
		/* Only root can make a file that is not its own. */
		ck_assert_int_ge(fd = open(jrn, O_WRONLY | O_CREAT, 0600), 0);
		close(fd);
		ck_assert_int_eq(chown(jrn, 65534, 65534), 0);
		snprintf(fix, sizeof(fix), "uid 65534, not us; fix: rm '%s'",
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
	store(c, 0x11, 0, 0, 0xffffffff, 0, 1000);
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
	tcase_add_test(tc, test_pbx_names_forget);
	tcase_add_test(tc, test_damaged_rows);
	tcase_add_test(tc, test_schema_versions);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_directory_refused);
	tcase_add_test(tc, test_side_files_refused);
	tcase_add_test(tc, test_side_files_private);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
