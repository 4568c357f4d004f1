/*
 * zrtpd: start-up and shutdown. Settings, logging, no core dumps, the
 * crypto self-test, the control socket, privilege drop, the private state
 * directory and its cache, the worker threads, signals, then the loop.
 * Any failure before the loop stops the daemon with one clear line.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "cachepend.h"
#include "control.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "selftest.h"
#include "session.h"
#include "srtp.h"
#include "workers.h"
#include "zcrypto.h"
#include "zerr.h"
#include "engine.h"

static int zd_ready_fd = -1;	/* background: the parent waits on it */
static FILE *zd_pid_file;	/* opened before privileges are dropped */
static struct zd_control *zd_ctl;	/* our control socket, once open */

/* §6's schedules, which the peer follows too (docs/engine.md). */
static uint32_t
zd_overlap_window_ms(void)
{
	struct zs_config c;

	zs_config_defaults(&c);
	return zs_overlap_window_ms(&c.timers);
}

uint64_t
zd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
zd_time_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
zd_die(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	zlog(LOG_ERR, "%s", msg);
	/* Not left for clients to be refused by (after the drop, in a root
	 * directory, it cannot go: the next start replaces it). */
	zd_control_unlink(zd_ctl);
	if (zd_ready_fd >= 0)
		(void)!write(zd_ready_fd, msg, strlen(msg));
	exit(1);
}

/* "unlimited" or "N KiB", for the memory-lock message. */
static const char *
zd_limit_text(size_t bytes, char *buf, size_t len)
{
	if (bytes == SIZE_MAX)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%zu KiB", bytes / 1024);
	return buf;
}

/* STYLE.md: no core dump may carry a key. */
static void
zd_no_core_dumps(void)
{
	struct rlimit rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/*
 * Descriptors: each session holds its application socket, a relay-mode
 * session its media socket too (zd_relay_limit() of them: keys mode
 * leaves the media socket to the application); a closed session that
 * still waits for a job holds none (session.c), and the rest of the
 * daemon at most ZD_FDS_RESERVE:
 *   16  its own: stdin, stdout, stderr; libevent's epoll and signal pipe
 *       (3); the control socket; SQLite's cache, -wal and -shm, and while
 *       it commits a -journal and the directory (5); the workers'
 *       eventfd; syslog's socket; two opened and closed at once
 *       (the NETLINK_SOCK_DIAG socket, the pid file, NOTIFY_SOCKET, the configuration at
 *       SIGHUP, /dev/urandom). Idle it holds 11.
 *   68  connections below admin access: at most ZD_CONN_OTHERS, which
 *       keep no passed descriptor, and the ZD_PASS_FDS_MAX that one
 *       message brings before they are closed (control.c)
 *   16  root's and the daemon's own user's connections, never refused:
 *       room for 8, each holding a passed descriptor (cache_backup)
 * The soft limit goes up to what is needed, as far as the hard limit
 * allows; a hard limit too low for max_sessions stops the daemon now, not
 * at the N-th session_create.
 */
#define ZD_FDS_OWN	16
#define ZD_FDS_CLIENTS	(ZD_CONN_OTHERS + ZD_PASS_FDS_MAX)
#define ZD_FDS_ADMIN	16
#define ZD_FDS_RESERVE	(ZD_FDS_OWN + ZD_FDS_CLIENTS + ZD_FDS_ADMIN)

/* The most sessions hard descriptors hold: relay ones first, two each. */
static unsigned long long
zd_fd_sessions(rlim_t hard, unsigned max_relay)
{
	rlim_t room = hard > ZD_FDS_RESERVE ? hard - ZD_FDS_RESERVE : 0;

	if (room / 2 <= max_relay)
		return (unsigned long long)room / 2;
	return (unsigned long long)(room - max_relay);
}

static rlim_t
zd_fd_need(const struct zd_config *c)
{
	return (rlim_t)c->max_sessions + zd_relay_limit(c) + ZD_FDS_RESERVE;
}

static void
zd_fd_limit(const struct zd_config *c)
{
	unsigned relay = zd_relay_limit(c);
	rlim_t need = zd_fd_need(c);
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		zd_die("getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= need)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
		zd_die("max_sessions %u needs %llu file descriptors (one per "
		    "session, one more per relay-mode session: %u, and %d "
		    "more) but the hard limit is %llu: raise it (ulimit -Hn, "
		    "LimitNOFILE= in systemd) or lower max_sessions to %llu%s",
		    c->max_sessions, (unsigned long long)need, relay,
		    ZD_FDS_RESERVE, (unsigned long long)rl.rlim_max,
		    zd_fd_sessions(rl.rlim_max, c->max_relay),
		    c->max_relay == ZD_RELAY_ALL ? " (or, if some sessions are "
		    "keys mode, set max_relay_sessions)" : "");
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		zd_die("cannot raise the descriptor limit to %llu for "
		    "max_sessions %u: %s", (unsigned long long)need,
		    c->max_sessions, strerror(errno));
	zlog(LOG_INFO, "descriptor limit raised to %llu for %u sessions (%u "
	    "relay mode)", (unsigned long long)need, c->max_sessions, relay);
}

/*
 * Background: the parent stays until the child is ready or failed, so the
 * one who started it sees the reason and the exit status.
 */
static void
zd_background(void)
{
	char msg[1024];
	int p[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
		fprintf(stderr, "zrtpd: cannot go to the background: %s\n",
		    strerror(errno));
		exit(1);
	}
	if (pid > 0) {
		close(p[1]);
		n = read(p[0], msg, sizeof(msg) - 1);
		if (n == 0) {
			waitpid(pid, &status, WNOHANG);
			fprintf(stderr, "zrtpd: the daemon stopped during "
			    "start-up (see the log)\n");
			exit(1);
		}
		msg[n > 0 ? n : 0] = '\0';
		if (strcmp(msg, "ready") == 0)
			exit(0);
		fprintf(stderr, "zrtpd: %s\n", msg);
		exit(1);
	}
	close(p[0]);
	zd_ready_fd = p[1];
	setsid();
	if (chdir("/") != 0)
		zd_die("chdir /: %s", strerror(errno));
}

static void
zd_ready(const struct zd_config *c)
{
	int fd;

	if (zd_pid_file != NULL) {
		fprintf(zd_pid_file, "%ld\n", (long)getpid());
		if (fclose(zd_pid_file) != 0)
			zd_die("pid_file %s: %s", c->pid_file, strerror(errno));
		zd_pid_file = NULL;
	}
	if (zd_notify("READY=1") != 0)
		zlog(LOG_WARNING, "cannot tell systemd we are ready "
		    "(NOTIFY_SOCKET): %s", strerror(errno));
	if (zd_ready_fd < 0)
		return;
	(void)!write(zd_ready_fd, "ready", 5);
	close(zd_ready_fd);
	zd_ready_fd = -1;
	/* stderr stays when it is the log. */
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		if (c->use_syslog)
			dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

/* Started as root with a user: become it, for good. */
static void
zd_drop_privileges(const struct zd_config *c)
{
	struct passwd *pw;

	if (geteuid() != 0 || c->user[0] == '\0')
		return;
	if ((pw = getpwnam(c->user)) == NULL)
		zd_die("user %s: no such user", c->user);
	/* The user's to create, so that nothing in it is ever root's. */
	if (mkdir(c->state_dir, 0700) == 0 &&
	    chown(c->state_dir, pw->pw_uid, pw->pw_gid) != 0)
		zd_die("state directory %s: %s", c->state_dir, strerror(errno));
	if (chown(c->control_socket, pw->pw_uid, (gid_t)-1) != 0 ||
	    setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0 || setuid(0) == 0)
		zd_die("cannot drop privileges to %s: %s", c->user,
		    strerror(errno));
	zd_no_core_dumps();	/* setuid resets the dumpable flag */
	zlog(LOG_INFO, "running as %s", c->user);
}

/*
 * The private state directory: ours, created 0700 if missing. One that
 * others may write in is refused, not repaired: they may already have
 * put or swapped files in it (docs/cache.md's rule for side files).
 * Read access by others is taken away.
 */
static void
zd_state_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		zd_die("state directory %s: %s", dir, strerror(errno));
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		zd_die("state directory %s: not a directory", dir);
	if (st.st_uid != geteuid())
		zd_die("state directory %s belongs to uid %ld, not to us (%ld)",
		    dir, (long)st.st_uid, (long)geteuid());
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		zd_die("state directory %s is writable by its group or others "
		    "(mode %04o): refusing it. Check its files, then "
		    "chmod 700 '%s'", dir, (unsigned)(st.st_mode & 07777), dir);
	if ((st.st_mode & 077) != 0 && chmod(dir, 0700) != 0)
		zd_die("state directory %s: cannot make it private: %s", dir,
		    strerror(errno));
}

static void
zd_open_cache(struct zd *d)
{
	char path[ZD_STR_MAX + 16], err[512];

	snprintf(path, sizeof(path), "%s/cache.db", d->cfg.state_dir);
	if (zcache_open(path, &d->cache, err, sizeof(err)) != 0)
		zd_die("the retained-secret cache %s cannot be used: %s. "
		    "zrtpd does not start with an unreadable cache: a silent "
		    "reset would make every known peer a stranger. Recover "
		    "it (zrtpd(8), RECOVERING THE CACHE) or move it aside to "
		    "start afresh.", path, err);
	memcpy(d->zid, zcache_zid(d->cache), ZRTP_ZID_LEN);
}

static void
zd_on_term(evutil_socket_t sig, short what, void *arg)
{
	struct zd *d = arg;
	struct zd_session *s;

	(void)what;
	zlog(LOG_NOTICE, "signal %d: closing %u sessions and stopping",
	    (int)sig, d->nsessions);
	(void)zd_notify("STOPPING=1");
	d->stopping = 1;
	while ((s = TAILQ_FIRST(&d->sessions)) != NULL)
		zd_session_close(s, "shutdown");
	event_base_loopexit(d->base, NULL);
}

/* SIGHUP: what can change without touching live sessions. */
static void
zd_on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct zd *d = arg;
	struct zd_config n;
	char err[512];

	(void)sig;
	(void)what;
	if (d->cfg.config_file[0] == '\0') {
		zlog(LOG_NOTICE, "SIGHUP: no configuration file to reload");
		return;
	}
	n = d->cfg;
	if (zd_config_load_file(&n, d->cfg.config_file, err, sizeof(err)) != 0 ||
	    zd_config_judge(&n, err, sizeof(err)) != 0) {
		zlog(LOG_ERR, "SIGHUP: %s; settings unchanged", err);
		return;
	}
	d->cfg.log_level = n.log_level;
	d->cfg.policy = n.policy;
	d->cfg.latch = n.latch;
	d->cfg.algos = n.algos;
	d->cfg.handshake_timeout = n.handshake_timeout;
	d->cfg.control_hello_timeout = n.control_hello_timeout;
	d->cfg.cache_expiry = n.cache_expiry;
	d->cfg.pbx_enrollment = n.pbx_enrollment;
	d->cfg.port_min = n.port_min;
	d->cfg.port_max = n.port_max;
	memcpy(d->cfg.media_address, n.media_address,
	    sizeof(d->cfg.media_address));
	zlog_set_level(n.log_level);
	zlog(LOG_NOTICE, "SIGHUP: settings reloaded (sockets, paths, users, "
	    "groups, limits and workers need a restart)");
}

static int
zd_run(struct zd *d)
{
	struct event *term, *intr, *hup;
	char err[512], zid[2 * ZRTP_ZID_LEN + 1];

	signal(SIGPIPE, SIG_IGN);
	if ((d->base = event_base_new()) == NULL)
		zd_die("libevent: cannot create the event loop");
	if ((d->control = zd_control_open(d, err, sizeof(err))) == NULL)
		zd_die("%s", err);
	zd_ctl = d->control;
	/* Written once ready, but opened while we may still write there. */
	if (d->cfg.pid_file[0] != '\0' &&
	    (zd_pid_file = fopen(d->cfg.pid_file, "we")) == NULL)
		zd_die("pid_file %s: %s", d->cfg.pid_file, strerror(errno));
	zd_drop_privileges(&d->cfg);
	zd_state_dir(d->cfg.state_dir);
	zd_open_cache(d);
	if ((d->pool = zrand_pool_new()) == NULL ||
	    zd_sessions_index(d) != 0 || zd_sessions_reaper(d) != 0 ||
	    (d->pend = zd_pend_new(zd_overlap_window_ms())) == NULL ||
	    (d->workers = zd_workers_new(d->base, d->cfg.workers)) == NULL ||
	    (d->ended = json_object()) == NULL)
		zd_die("cannot start the worker threads");
	zd_cache_batching(d);
	term = evsignal_new(d->base, SIGTERM, zd_on_term, d);
	intr = evsignal_new(d->base, SIGINT, zd_on_term, d);
	hup = evsignal_new(d->base, SIGHUP, zd_on_hup, d);
	if (term == NULL || intr == NULL || hup == NULL ||
	    evsignal_add(term, NULL) != 0 || evsignal_add(intr, NULL) != 0 ||
	    evsignal_add(hup, NULL) != 0)
		zd_die("cannot install signal handlers");
	d->started_at = zd_time_ms() / 1000;
	zd_hex(d->zid, ZRTP_ZID_LEN, zid);
	zlog(LOG_NOTICE, "ready: control socket %s, ZID %.8s..., at most %u "
	    "sessions", d->cfg.control_socket, zid, d->cfg.max_sessions);
	zd_ready(&d->cfg);
	event_base_dispatch(d->base);
	/* Workers first: their done() may still reply on a connection. */
	zd_workers_free(d->workers);
	zd_ctl = NULL;
	zd_control_close(d->control);
	event_free(term);
	event_free(intr);
	event_free(hup);
	event_free(d->orphans_ev);
	zcache_close(d->cache);
	zd_pend_free(d->pend);
	zrand_pool_free(d->pool);
	free(d->by_id);
	json_decref(d->ended);
	event_base_free(d->base);
	zlog(LOG_NOTICE, "stopped");
	return 0;
}

int
main(int argc, char **argv)
{
	static struct zd d;
	char err[512], lim[32];
	size_t locked;
	int r;

	zd_no_core_dumps();
	zd_config_defaults(&d.cfg);
	TAILQ_INIT(&d.sessions);
	TAILQ_INIT(&d.orphans);
	TAILQ_INIT(&d.calls);
	if (zd_config_parse(&d.cfg, argc, argv, err, sizeof(err)) != 0) {
		fprintf(stderr, "zrtpd: %s\n", err);
		return 2;
	}
	locked = zs_locked_bytes(d.cfg.max_sessions, d.cfg.workers + 1);
	if (d.cfg.check_only) {
		printf("zrtpd: configuration OK; %u sessions need %zu KiB of "
		    "locked memory (RLIMIT_MEMLOCK, LimitMEMLOCK=) and %llu "
		    "descriptors (RLIMIT_NOFILE, LimitNOFILE=; %u relay "
		    "mode)\n", d.cfg.max_sessions, (locked + 1023) / 1024,
		    (unsigned long long)zd_fd_need(&d.cfg),
		    zd_relay_limit(&d.cfg));
		return 0;
	}
	if (d.cfg.use_syslog < 0)
		d.cfg.use_syslog = !d.cfg.foreground;
	zlog_open(d.cfg.use_syslog, d.cfg.log_level);
	if (!d.cfg.foreground)
		zd_background();
	zd_fd_limit(&d.cfg);
	/* Locked memory for every session the limit allows (engine.md). */
	if ((r = zs_init(d.cfg.max_sessions, d.cfg.workers + 1)) != 0)
		zd_die("cannot lock %zu KiB of memory for the secrets of %u "
		    "sessions, RLIMIT_MEMLOCK is %s: %s. Raise it (LimitMEMLOCK= "
		    "in systemd, ulimit -l) or lower max_sessions (zrtpd(8), "
		    "SECURE MEMORY)", (locked + 1023) / 1024,
		    d.cfg.max_sessions, zd_limit_text(zcrypto_memlock_limit(),
		    lim, sizeof(lim)), zerr_str(r));
	if (zcrypto_selftest() != 0)
		zd_die("crypto self-test failed: refusing to run");
	if (zsrtp_init() != 0)
		zd_die("SRTP set-up failed (libsrtp2's init, or its known-answer "
		    "tests of libgcrypt's AES-ICM and HMAC-SHA1 in its place): "
		    "refusing to run");
	zlog(LOG_INFO, "crypto self-test passed");
	return zd_run(&d);
}
