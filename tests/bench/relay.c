/*
 * The daemon's benchmark (`make bench-relay`, docs/performance.md): real
 * zrtpd daemons on 127.0.0.1 driven through their control sockets
 * (tests/system/calls.c), each figure beside a reference timed in the same
 * run. Relay packets per CPU-second against a raw libsrtp2 relay; media
 * delay alone and during a storm of DH3k handshakes; N concurrent sessions
 * in one daemon (memory, handshakes per second). Judges nothing.
 */

/*
 * Options: -d ZRTPD (default ./zrtpd/zrtpd), -t SECONDS per throughput
 * slice (2), -r ROUNDS (5; medians are printed), -n SESSIONS for the
 * scale part (10000), -p PARTS (any of "tdsc": throughput, delay, scale,
 * SRTP contexts; default all), -F relay loops at SCHED_FIFO (root), -w
 * handshakes under way (200), -T seconds to secure them (180) and -m
 * relay|keys, the sessions' mode (relay), in the scale part, -N the raw
 * relays on libsrtp2's own AES and HMAC (Debian's: NSS), -G on the
 * libgcrypt ones zrtpd had before (tests/bench/srtp_gcry.c), instead of
 * zrtpd's nettle ones; -S PERCENT the host's steal at most in a delay
 * round counted as a low-steal one (0.4; tests/bench/delay_stats.c).
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calls.h"
#include "delay_stats.h"
#include "engine.h"
#include "packet.h"
#include "srtp.h"
#include "srtp_gcry.h"
#include "srtp_keys.h"
#include "srtp_prim.h"
#include "zcrypto.h"

#define RB_TPUT_CALLS	8	/* sessions carrying the throughput load */
#define RB_WINDOW	1024	/* frames in flight, closed loop */
#define RB_BATCH	32	/* frames per sendmmsg/recvmmsg */
#define RB_DELAY_CALLS	50	/* 50 calls x 50 frames/s each way */
#define RB_FRAME_MS	20
#define RB_STORM_CALLS	8	/* DH3k handshakes under way in the storm */
static double hs_deadline = 180;	/* -T: seconds to secure the calls */
static size_t rb_scale_window = 200;	/* handshakes under way (-w) */
static int scale_keys;			/* -m keys: keys-mode sessions */

struct rb_daemon {
	char	 dir[300], sock[320];
	pid_t	 pid;
};

static const char *zrtpd_path = "./zrtpd/zrtpd";
static char	 top[256];
static double	 slice_s = 2.0;
static int	 rounds = 5;
static size_t	 scale_n = 10000;
static const char *parts = "tdsc";
static int	 fifo;		/* -F: relay loops at SCHED_FIFO */
static int	 raw_prims;	/* raw relays' primitives: RB_PRIM_* */
static double	 steal_max = 0.4;	/* -S: a low-steal round, % */

/* Primitives libsrtp2 runs on: zrtpd's, libsrtp2's own, libgcrypt's. */
enum { RB_PRIM_ZRTPD, RB_PRIM_NSS, RB_PRIM_GCRY, RB_PRIM_N };
static const char *const rb_prim_name[RB_PRIM_N] = {
	"nettle", "NSS", "libgcrypt",
};

/*
 * libsrtp2's own AES-ICM and HMAC-SHA1 (NSS in Debian's build): exported
 * by the library though not in its headers. A forked child puts them back
 * in place of zrtpd's (zsrtp_init() registered those), for a reference.
 */
extern const srtp_cipher_type_t srtp_aes_icm_128, srtp_aes_icm_192,
    srtp_aes_icm_256;
extern const srtp_auth_type_t srtp_hmac;

static void
srtp_native(void)
{
	if (srtp_replace_cipher_type(&srtp_aes_icm_128, SRTP_AES_ICM_128) !=
	    srtp_err_status_ok ||
	    srtp_replace_cipher_type(&srtp_aes_icm_192, SRTP_AES_ICM_192) !=
	    srtp_err_status_ok ||
	    srtp_replace_cipher_type(&srtp_aes_icm_256, SRTP_AES_ICM_256) !=
	    srtp_err_status_ok ||
	    srtp_replace_auth_type(&srtp_hmac, SRTP_HMAC_SHA1) !=
	    srtp_err_status_ok)
		_exit(3);
}

/* In a child: put the primitives p in place of zrtpd's. */
static void
srtp_prims(int p)
{
	if (p == RB_PRIM_NSS)
		srtp_native();
	else if (p == RB_PRIM_GCRY && zbench_gcry_register() != 0)
		_exit(3);
}

static void	 die(const char *, ...)
		    __attribute__((noreturn, format(printf, 1, 2)));

/*
 * -F: the thread that relays (zrtpd's loop, a raw relay) at real-time
 * priority, so that other users of a shared machine stay out of the
 * figures. zrtpd's worker threads keep their normal priority: a loop
 * that waited for key agreement would still show.
 */
static void
relay_priority(pid_t tid)
{
	struct sched_param sp = { .sched_priority = 10 };

	if (fifo && sched_setscheduler(tid, SCHED_FIFO, &sp) != 0)
		die("SCHED_FIFO for %ld: %s (-F needs root)", (long)tid,
		    strerror(errno));
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("relay: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double
now_s(void)
{
	return (double)lc_now_ns() / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Every child running (daemons, raw relays, the storm, the cost runs), so
 * that a run ended by SIGINT, SIGTERM or exit() stops them; one ended by
 * SIGKILL stops them too, through PR_SET_PDEATHSIG (rb_fork).
 */
static pid_t	 children[16];
static int	 nchildren;

static void
child_gone(pid_t p)
{
	int i;

	for (i = 0; i < nchildren; i++)
		if (children[i] == p)
			children[i] = children[--nchildren];
}

static void
stop_all(void)
{
	int i;

	for (i = 0; i < nchildren; i++)
		kill(children[i], SIGTERM);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_all();
	_exit(1);
}

/*
 * fork(); the child gets SIGTERM when the benchmark ends, however it ends
 * (the check of getppid() after the prctl catches a benchmark that ended
 * before it). The child forgets the benchmark's children and handlers, so
 * that its own exit stops nothing of the parent's.
 */
static pid_t
rb_fork(void)
{
	pid_t parent = getpid(), p;

	if (nchildren == (int)(sizeof(children) / sizeof(children[0])))
		die("more than %d children", nchildren);
	if ((p = fork()) < 0)
		die("fork: %s", strerror(errno));
	if (p > 0) {
		children[nchildren++] = p;
		return p;
	}
	nchildren = 0;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(1);
	return 0;
}

/* An abstract AF_UNIX datagram socket for the daemon's "READY=1". */
static int
notify_open(const char *name, char *env, size_t env_len)
{
	struct sockaddr_un sun;
	size_t len;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
	    "zrtpd-bench-%ld-%s", (long)getpid(), name);
	len = 1 + strlen(sun.sun_path + 1);
	snprintf(env, env_len, "@%s", sun.sun_path + 1);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) != 0)
		die("notify socket: %s", strerror(errno));
	return fd;
}

/* Until the daemon p says READY=1 on fd; dies if p ends first. */
static void
notify_wait(int fd, pid_t p, const char *dir)
{
	struct pollfd pfd[2];
	char msg[256];
	ssize_t n;

	pfd[0].fd = fd;
	pfd[0].events = POLLIN;
	if ((pfd[1].fd = (int)syscall(SYS_pidfd_open, p, 0)) < 0)
		die("pidfd_open: %s", strerror(errno));
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, 120000) <= 0)
			die("%s: not ready in 120 s (see %s/log)", zrtpd_path,
			    dir);
		if (pfd[1].revents != 0)
			die("%s did not start (see %s/log)", zrtpd_path, dir);
		if ((n = recv(fd, msg, sizeof(msg) - 1, 0)) < 0)
			continue;
		msg[n] = '\0';
		if (strstr(msg, "READY=1") != NULL)
			break;
	}
	close(pfd[1].fd);
}

/*
 * zrtpd in the foreground, our child (so that PR_SET_PDEATHSIG holds: a
 * daemon that went to the background would outlive a killed benchmark);
 * it returns once the daemon says it is ready (sd_notify's READY=1).
 */
static void
daemon_start(struct rb_daemon *d, const char *name, size_t max_sessions,
    const char *app_addr, int keys_only)
{
	char pidf[340], maxs[24], env[128];
	pid_t p;
	int nfd;

	snprintf(d->dir, sizeof(d->dir), "%s/%s", top, name);
	snprintf(d->sock, sizeof(d->sock), "%s/ctl.sock", d->dir);
	snprintf(pidf, sizeof(pidf), "%s/pid", d->dir);
	snprintf(maxs, sizeof(maxs), "%zu", max_sessions);
	mkdir(d->dir, 0700);
	nfd = notify_open(name, env, sizeof(env));
	if ((p = rb_fork()) == 0) {
		char state[340], log[340];

		snprintf(state, sizeof(state), "%s/state", d->dir);
		snprintf(log, sizeof(log), "%s/log", d->dir);
		if (freopen(log, "a", stderr) == NULL ||
		    freopen("/dev/null", "r", stdin) == NULL ||
		    setenv("NOTIFY_SOCKET", env, 1) != 0)
			_exit(127);
		/* Keys mode only: one descriptor per session. */
		execl(zrtpd_path, "zrtpd", "--foreground", "--state_dir", state,
		    "--control_socket", d->sock, "--pid_file", pidf, "--log",
		    "stderr", "--log_level", "warning", "--max_sessions", maxs,
		    "--app_addr", app_addr, keys_only ? "--max_relay_sessions" :
		    (char *)NULL, "0", (char *)NULL);
		_exit(127);
	}
	notify_wait(nfd, p, d->dir);
	close(nfd);
	d->pid = p;
	relay_priority(d->pid);
}

static void
daemon_stop(struct rb_daemon *d)
{
	char cmd[400];

	if (d->pid <= 0)
		return;
	kill(d->pid, SIGTERM);
	waitpid(d->pid, NULL, 0);
	child_gone(d->pid);
	d->pid = 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
	(void)!system(cmd);
}

/* Nanoseconds a thread (the loop: tid == pid) spent on a CPU. */
static double
cpu_s(pid_t pid, pid_t tid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/schedstat",
	    (long)pid, (long)tid);
	if ((f = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	if (fscanf(f, "%llu", &ns) != 1)
		die("%s: unreadable", path);
	fclose(f);
	return (double)ns / 1e9;
}

/* CPU-seconds of a whole process (every thread), from /proc/PID/stat. */
static double
proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After "(comm)": state is field 3, utime 14, stime 15. */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2,
	    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
	    &st) != 2)
		die("%s: unreadable", path);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double
thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* kB of a /proc/PID/status field (VmRSS, VmLck, ...). */
static long
status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t n = strlen(field);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			kb = atol(line + n + 1);
	fclose(f);
	return kb;
}

/*
 * The raw limit: what any relay must do per packet, and nothing else. One
 * process per side with two sockets, the application's and the wire's:
 * one recvfrom, one zsrtp_protect or zsrtp_unprotect (the daemon's own
 * libsrtp2 set-up, zrtpd/srtp.c, on nettle; with -N on libsrtp2's
 * own primitives, -G on libgcrypt), one sendto; poll() only when both sockets are empty.
 */
struct rb_raw {
	pid_t	pid;
	int	app_port;
};

static int
udp_bound(int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, sz = 4 << 20;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		die("bind: %s", strerror(errno));
	*port = ntohs(sin.sin_port);
	return fd;
}

static void
sin_of(struct sockaddr_in *sin, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons((uint16_t)port);
}

/*
 * A context takes ZSRTP_SSRC_MAX SSRCs a direction, and the delay part's
 * 50 calls have 50 each way: several contexts keyed alike, one chosen by
 * the call (lc_send's and fast_frame's SSRCs are BASE | call << 1 | side),
 * so that both relays pick the same one and none refuses a call.
 */
#define RB_RAW_CTX	4

static struct zsrtp *
raw_ctx(struct zsrtp *z, const uint8_t *p, ssize_t n)
{
	if (n < 12)
		return &z[0];
	return &z[(p[11] >> 1) % RB_RAW_CTX];	/* the call's low bits */
}

static void __attribute__((noreturn))
raw_loop(int app, int wire, int app_to, int wire_to,
    const struct zs_srtp_keys *k)
{
	uint8_t buf[2048 + SRTP_MAX_TRAILER_LEN];
	struct sockaddr_in to_app, to_wire;
	struct pollfd pfd[2];
	struct zsrtp z[RB_RAW_CTX];
	ssize_t n;
	size_t len;
	int busy, c;

	srtp_prims(raw_prims);
	for (c = 0; c < RB_RAW_CTX; c++)
		if (zsrtp_open(&z[c], k) != 0)
			_exit(3);
	sin_of(&to_app, app_to);
	sin_of(&to_wire, wire_to);
	pfd[0].fd = app;
	pfd[1].fd = wire;
	pfd[0].events = pfd[1].events = POLLIN;
	for (;;) {
		busy = 0;
		if ((n = recv(app, buf, 2048, MSG_DONTWAIT)) > 0) {
			len = (size_t)n;
			if (zsrtp_protect(raw_ctx(z, buf, n), buf, &len,
			    sizeof(buf)) == 0)
				sendto(wire, buf, len, 0,
				    (struct sockaddr *)&to_wire,
				    sizeof(to_wire));
			busy = 1;
		}
		if ((n = recv(wire, buf, 2048, MSG_DONTWAIT)) > 0) {
			len = (size_t)n;
			if (zsrtp_unprotect(raw_ctx(z, buf, n), buf,
			    &len) == 0)
				sendto(app, buf, len, 0,
				    (struct sockaddr *)&to_app,
				    sizeof(to_app));
			busy = 1;
		}
		if (!busy)
			poll(pfd, 2, -1);
	}
}

/* Two raw relays keyed alike (AES1, HS32: what the daemons negotiate). */
static void
raw_start(struct rb_raw r[2], const struct lc *l)
{
	struct zs_srtp_keys k[2];
	int app[2], wire[2], wport[2], s;

	memset(k, 0, sizeof(k));
	for (s = 0; s < 2; s++) {
		k[s].cipher = ZALGO('A', 'E', 'S', '1');
		k[s].auth = ZALGO('H', 'S', '3', '2');
		k[s].key_len = 16;
	}
	zrand_bytes(k[0].tx_key, 16);
	zrand_bytes(k[0].tx_salt, ZRTP_SRTP_SALT_LEN);
	zrand_bytes(k[0].rx_key, 16);
	zrand_bytes(k[0].rx_salt, ZRTP_SRTP_SALT_LEN);
	memcpy(k[1].rx_key, k[0].tx_key, 16);
	memcpy(k[1].rx_salt, k[0].tx_salt, ZRTP_SRTP_SALT_LEN);
	memcpy(k[1].tx_key, k[0].rx_key, 16);
	memcpy(k[1].tx_salt, k[0].rx_salt, ZRTP_SRTP_SALT_LEN);
	for (s = 0; s < 2; s++) {
		app[s] = udp_bound(&r[s].app_port);
		wire[s] = udp_bound(&wport[s]);
	}
	for (s = 0; s < 2; s++) {
		if ((r[s].pid = rb_fork()) == 0)
			raw_loop(app[s], wire[s], l->udp_port[s], wport[1 - s],
			    &k[s]);
		relay_priority(r[s].pid);
	}
	for (s = 0; s < 2; s++) {
		close(app[s]);
		close(wire[s]);
	}
	zwipe(k, sizeof(k));
}

static void
raw_stop(struct rb_raw r[2])
{
	int s;

	for (s = 0; s < 2; s++) {
		kill(r[s].pid, SIGKILL);
		waitpid(r[s].pid, NULL, 0);
		child_gone(r[s].pid);
	}
}

/* Point calls [0, n) of l at the raw relays (direct: at each other). */
static void
calls_via(struct lc *l, size_t n, const int port[2])
{
	size_t i;
	int s;

	for (i = 0; i < n; i++)
		for (s = 0; s < 2; s++) {
			l->call[i].app_port[s] = port[s];
			l->call[i].st[s] = LC_SECURE;
		}
}

/* Create, start and secure calls [from, to) on the daemons. */
static void
calls_up(struct lc *l, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (lc_create(l, i) != 0 || lc_start(l, i) != 0)
			die("call %zu: %s", i, l->err);
	if (lc_wait_secure(l, from, to, 60000) != 0 || l->nfailed != 0)
		die("%s", l->err[0] ? l->err : "a call failed");
}

/* Frame k of a batch: call i, side s, its next sequence number. */
static void
fast_frame(struct lc *l, uint8_t *f, size_t i, int s)
{
	uint32_t ssrc = 0x10000000u | (uint32_t)(i << 1) | (uint32_t)s;
	uint16_t seq = l->call[i].seq[s]++;

	memset(f, 0, LC_FRAME);
	f[0] = 0x80;
	f[2] = seq >> 8;
	f[3] = seq & 0xff;
	f[8] = ssrc >> 24;
	f[9] = (ssrc >> 16) & 0xff;
	f[10] = (ssrc >> 8) & 0xff;
	f[11] = ssrc & 0xff;
}

/* Frames of the right size that arrived on side r's socket. */
static uint64_t
fast_recv(int fd, uint64_t *bad)
{
	static uint8_t buf[RB_BATCH][256];
	struct mmsghdr m[RB_BATCH];
	struct iovec iov[RB_BATCH];
	uint64_t got = 0;
	int k, n;

	for (;;) {
		for (k = 0; k < RB_BATCH; k++) {
			iov[k].iov_base = buf[k];
			iov[k].iov_len = sizeof(buf[k]);
			memset(&m[k], 0, sizeof(m[k]));
			m[k].msg_hdr.msg_iov = &iov[k];
			m[k].msg_hdr.msg_iovlen = 1;
		}
		if ((n = recvmmsg(fd, m, RB_BATCH, MSG_DONTWAIT, NULL)) <= 0)
			return got;
		for (k = 0; k < n; k++)
			if (m[k].msg_len == LC_FRAME)
				got++;
			else
				(*bad)++;
	}
}

/*
 * Closed loop for secs: frames both ways on calls [0, n), at most
 * RB_WINDOW in flight, sent and taken in batches (sendmmsg, recvmmsg) so
 * that the generator costs less than the relays it loads. Returns the
 * frames delivered; *lost those still missing a second after the end.
 */
static uint64_t
closed_loop(struct lc *l, size_t n, double secs, uint64_t *lost)
{
	static uint8_t fr[2][RB_BATCH][LC_FRAME];
	struct mmsghdr m[2][RB_BATCH];
	struct iovec iov[2][RB_BATCH];
	struct sockaddr_in to[2][RB_BATCH];
	struct pollfd pfd[2];
	uint64_t sent = 0, rx = 0, bad = 0, before;
	double end = now_s() + secs, idle_since = 0;
	size_t i = 0;
	int s, k, want;

	for (s = 0; s < 2; s++) {
		pfd[s].fd = l->udp[s];
		pfd[s].events = POLLIN;
	}
	while (now_s() < end) {
		want = (int)(RB_WINDOW - (sent - rx)) / 2;
		if (want > RB_BATCH)
			want = RB_BATCH;
		for (k = 0; k < want; k++, i = (i + 1) % n)
			for (s = 0; s < 2; s++) {
				fast_frame(l, fr[s][k], i, s);
				sin_of(&to[s][k], l->call[i].app_port[s]);
				iov[s][k].iov_base = fr[s][k];
				iov[s][k].iov_len = LC_FRAME;
				memset(&m[s][k], 0, sizeof(m[s][k]));
				m[s][k].msg_hdr.msg_name = &to[s][k];
				m[s][k].msg_hdr.msg_namelen = sizeof(to[s][k]);
				m[s][k].msg_hdr.msg_iov = &iov[s][k];
				m[s][k].msg_hdr.msg_iovlen = 1;
			}
		for (s = 0; s < 2 && want > 0; s++)
			if (sendmmsg(l->udp[s], m[s], (unsigned)want, 0) != want)
				die("sendmmsg: %s", strerror(errno));
		sent += 2 * (uint64_t)(want > 0 ? want : 0);
		before = rx;
		rx += fast_recv(l->udp[0], &bad) + fast_recv(l->udp[1], &bad);
		if (rx != before) {
			idle_since = 0;
			continue;
		}
		if (sent - rx >= RB_WINDOW - 1)
			poll(pfd, 2, 50);
		/* A lost frame must not stall the loop: forget the window. */
		if (idle_since == 0)
			idle_since = now_s();
		else if (now_s() - idle_since > 0.2) {
			*lost += sent - rx;
			sent = rx;
		}
	}
	end = now_s() + 1;
	while (rx < sent && now_s() < end) {
		poll(pfd, 2, 50);
		rx += fast_recv(l->udp[0], &bad) + fast_recv(l->udp[1], &bad);
	}
	*lost += sent - rx;
	if (bad != 0)
		die("%llu frames of the wrong size", (unsigned long long)bad);
	return rx;
}

struct rb_tput {
	double	wall_pps;	/* delivered per wall second */
	double	cpu_pps[2];	/* relayed per CPU-second, each relay */
	double	util[2];	/* its CPU-seconds per wall second */
	uint64_t lost;
};

static void
tput_run(struct lc *l, size_t n, const pid_t pid[2], struct rb_tput *t)
{
	double c0[2], c1[2], w0, w1;
	uint64_t got;
	int s;

	lc_pump(l, 0);
	t->lost = 0;
	for (s = 0; s < 2; s++)
		c0[s] = cpu_s(pid[s], pid[s]);
	w0 = now_s();
	got = closed_loop(l, n, slice_s, &t->lost);
	w1 = now_s();
	for (s = 0; s < 2; s++) {
		c1[s] = cpu_s(pid[s], pid[s]);
		/* Each relay handled every frame: one direction each way. */
		t->cpu_pps[s] = (double)got / (c1[s] - c0[s]);
		t->util[s] = (c1[s] - c0[s]) / (w1 - w0);
	}
	t->wall_pps = (double)got / (w1 - w0);
}

static void
part_throughput(void)
{
	struct rb_daemon d[2];
	struct rb_raw raw[2];
	struct lc l, lr;
	double dv[32], rv[32], dw[32], rw[32], du[32], ru[32];
	pid_t dp[2], rp[2];
	int port[2], r, s;
	uint64_t dlost = 0, rlost = 0;
	struct rb_tput t;

	daemon_start(&d[0], "tA", 64, "127.0.0.1", 0);
	daemon_start(&d[1], "tB", 64, "127.0.0.1", 0);
	if (lc_open(&l, d[0].sock, d[1].sock, RB_TPUT_CALLS) != 0 ||
	    lc_open(&lr, d[0].sock, d[1].sock, RB_TPUT_CALLS) != 0)
		die("%s%s", l.err, lr.err);
	calls_up(&l, 0, RB_TPUT_CALLS);
	raw_start(raw, &lr);
	for (s = 0; s < 2; s++) {
		port[s] = raw[s].app_port;
		dp[s] = d[s].pid;
		rp[s] = raw[s].pid;
	}
	calls_via(&lr, RB_TPUT_CALLS, port);
	/* Warm both, then alternate: machine load hits both alike. */
	slice_s /= 4;
	tput_run(&l, RB_TPUT_CALLS, dp, &t);
	tput_run(&lr, RB_TPUT_CALLS, rp, &t);
	slice_s *= 4;
	for (r = 0; r < rounds; r++) {
		tput_run(&l, RB_TPUT_CALLS, dp, &t);
		dv[r] = (t.cpu_pps[0] + t.cpu_pps[1]) / 2;
		dw[r] = t.wall_pps;
		du[r] = (t.util[0] + t.util[1]) / 2;
		dlost += t.lost;
		tput_run(&lr, RB_TPUT_CALLS, rp, &t);
		rv[r] = (t.cpu_pps[0] + t.cpu_pps[1]) / 2;
		rw[r] = t.wall_pps;
		ru[r] = (t.util[0] + t.util[1]) / 2;
		rlost += t.lost;
		fprintf(stderr, "  round %d: zrtpd %.0f, raw %.0f pkt/CPU-s\n",
		    r + 1, dv[r], rv[r]);
	}
	double mdv = median(dv, rounds), mrv = median(rv, rounds);
	printf("\nRelay throughput: %d calls, frames of %d bytes both ways, "
	    "closed loop of %d in flight;\nmedian of %d rounds of %.1f s "
	    "(zrtpd and raw alternating). A relay \"packet\" is one datagram\n"
	    "taken in, protected or unprotected, sent on.\n\n",
	    RB_TPUT_CALLS, LC_FRAME, RB_WINDOW, rounds, slice_s);
	printf("relay            | pkt per CPU-second | zrtpd/raw | "
	    "delivered pkt/s (wall) | relay CPU use\n");
	printf("-----------------+--------------------+-----------+-"
	    "-----------------------+--------------\n");
	printf("zrtpd (loop)     | %18.0f | %8.1f%% | %22.0f | %11.0f%%\n",
	    mdv, 100 * mdv / mrv, median(dw, rounds), 100 * median(du,
	    rounds));
	printf("raw, %-11s | %18.0f | %8s  | %22.0f | %11.0f%%\n",
	    rb_prim_name[raw_prims],
	    mrv, "100.0%", median(rw, rounds), 100 * median(ru, rounds));
	printf("frames lost: zrtpd %llu, raw %llu\n",
	    (unsigned long long)dlost, (unsigned long long)rlost);
	raw_stop(raw);
	lc_close(&l);
	lc_close(&lr);
	daemon_stop(&d[0]);
	daemon_stop(&d[1]);
}

/* The storm: DH3k calls made and hung up, RB_STORM_CALLS at a time. */
static volatile sig_atomic_t storm_stop;

static void
storm_on_term(int sig)
{
	(void)sig;
	storm_stop = 1;
}

static pid_t
storm_start(const struct rb_daemon d[2], int out)
{
	static struct lc l;
	unsigned long done = 0;
	size_t i, n = 1 << 16;
	pid_t p;

	if ((p = rb_fork()) != 0)
		return p;
	signal(SIGTERM, storm_on_term);
	if (lc_open(&l, d[0].sock, d[1].sock, n) != 0)
		_exit(3);
	l.kex = "DH3k";
	for (i = 0; i < n && !storm_stop; i++) {
		if (lc_create(&l, i) != 0 || lc_start(&l, i) != 0)
			_exit(4);
		if (i >= RB_STORM_CALLS) {
			if (lc_wait_secure(&l, i - RB_STORM_CALLS,
			    i - RB_STORM_CALLS + 1, 60000) != 0 ||
			    lc_hangup(&l, i - RB_STORM_CALLS) != 0)
				_exit(5);
			done++;
		}
	}
	(void)!write(out, &done, sizeof(done));
	_exit(0);
}

/*
 * Paced media: every call one frame each way per RB_FRAME_MS, for secs;
 * round r of path p gets the delays and the host's steal over the slice
 * of sending (/proc/stat, read apart from the frames).
 */
static void
paced(struct lc *l, size_t n, double secs, struct dstat_path *p, int r)
{
	struct dstat_cpu c0, c1;
	double t0, end, next;
	uint64_t slot = 0;
	size_t i;

	l->ndelay = 0;
	if (l->delay == NULL) {
		l->delay_cap = 1 << 16;
		if ((l->delay = malloc(l->delay_cap * sizeof(int64_t))) == NULL)
			die("out of memory");
	}
	if (dstat_cpu_read(&c0) != 0)
		die("/proc/stat: unreadable");
	t0 = now_s();
	end = t0 + secs;
	while (now_s() < end) {
		for (i = 0; i < n; i++) {
			if (lc_send(l, i, 0) != 0 || lc_send(l, i, 1) != 0)
				die("send: %s", strerror(errno));
			if (lc_pump(l, 0) != 0)
				die("%s", l->err);
		}
		slot++;
		next = t0 + (double)slot * RB_FRAME_MS / 1000;
		while (now_s() < next)
			if (lc_pump(l, (int)((next - now_s()) * 1000) + 1) != 0)
				die("%s", l->err);
	}
	if (dstat_cpu_read(&c1) != 0)
		die("/proc/stat: unreadable");
	next = now_s() + 0.5;
	while (now_s() < next)
		lc_pump(l, 50);
	if (l->ndelay == 0)
		die("no frame came through");
	if (dstat_take(p, r, l->delay, l->ndelay, dstat_steal_pct(&c0,
	    &c1)) != 0)
		die("out of memory");
}

/* The paths of the delay part, in the order they run in a round. */
enum { RB_D_DIRECT, RB_D_RAW, RB_D_ZRTPD, RB_D_STORM, RB_D_N };

static void
part_delay(void)
{
	static struct dstat_path dp[RB_D_N];
	struct rb_daemon d[2];
	struct rb_raw raw[2];
	struct lc l, lr, lx;
	unsigned long storms = 0, got;
	char name[64], la[64] = "?";
	double storm_s = 0, t0;
	int port[2], r, pfd[2];
	pid_t sp;
	FILE *f;

	snprintf(name, sizeof(name), "two raw relays, %s",
	    rb_prim_name[raw_prims]);
	dp[RB_D_DIRECT].name = "direct (no relay)";
	dp[RB_D_RAW].name = name;
	dp[RB_D_ZRTPD].name = "two zrtpd";
	dp[RB_D_STORM].name = "two zrtpd, DH3k storm";
	daemon_start(&d[0], "dA", 256, "127.0.0.1", 0);
	daemon_start(&d[1], "dB", 256, "127.0.0.1", 0);
	if (lc_open(&l, d[0].sock, d[1].sock, RB_DELAY_CALLS) != 0 ||
	    lc_open(&lr, d[0].sock, d[1].sock, RB_DELAY_CALLS) != 0 ||
	    lc_open(&lx, d[0].sock, d[1].sock, RB_DELAY_CALLS) != 0)
		die("%s", l.err);
	calls_up(&l, 0, RB_DELAY_CALLS);
	raw_start(raw, &lr);
	port[0] = raw[0].app_port;
	port[1] = raw[1].app_port;
	calls_via(&lr, RB_DELAY_CALLS, port);
	/* Direct: each side's frames straight to the other's socket. */
	port[0] = lx.udp_port[1];
	port[1] = lx.udp_port[0];
	calls_via(&lx, RB_DELAY_CALLS, port);
	for (r = 0; r < rounds; r++) {
		paced(&lx, RB_DELAY_CALLS, slice_s / 2, &dp[RB_D_DIRECT], r);
		paced(&lr, RB_DELAY_CALLS, slice_s / 2, &dp[RB_D_RAW], r);
		paced(&l, RB_DELAY_CALLS, slice_s, &dp[RB_D_ZRTPD], r);
		if (pipe(pfd) != 0)
			die("pipe: %s", strerror(errno));
		t0 = now_s();
		sp = storm_start(d, pfd[1]);
		close(pfd[1]);
		paced(&l, RB_DELAY_CALLS, slice_s, &dp[RB_D_STORM], r);
		kill(sp, SIGTERM);
		if (read(pfd[0], &got, sizeof(got)) != sizeof(got))
			die("the storm failed");
		waitpid(sp, NULL, 0);
		child_gone(sp);
		storm_s += now_s() - t0;
		storms += got;
		close(pfd[0]);
		fprintf(stderr, "  round %d: p99 zrtpd %.0f us, during the "
		    "storm %.0f us, steal %.1f %% (%lu DH3k calls)\n", r + 1,
		    dp[RB_D_ZRTPD].r[r].p99, dp[RB_D_STORM].r[r].p99,
		    dp[RB_D_STORM].r[r].steal, got);
	}
	if ((f = fopen("/proc/loadavg", "r")) != NULL) {
		if (fgets(la, sizeof(la), f) == NULL)
			strcpy(la, "?\n");
		fclose(f);
	}
	printf("\nMedia delay: %d calls, one frame each way every %d ms "
	    "(%d frames/s); one-way,\nsend() to the kernel's arrival stamp "
	    "(SO_TIMESTAMPNS) at the receiving application;\n%d rounds of "
	    "%.1f s (direct and raw %.1f s), the paths alternating. Through "
	    "zrtpd\n= two relays (protect, unprotect). Load at the end: %s\n",
	    RB_DELAY_CALLS, RB_FRAME_MS, RB_DELAY_CALLS * 2 * 1000 /
	    RB_FRAME_MS, rounds, slice_s, slice_s / 2, la);
	dstat_print(dp, RB_D_N, rounds, steal_max);
	printf("storm: %lu DH3k calls secured and hung up in %.1f s (%.1f/s, "
	    "%d under way)\n", storms, storm_s, (double)storms / storm_s,
	    RB_STORM_CALLS);
	for (r = 0; r < RB_D_N; r++)
		dstat_free(&dp[r]);
	raw_stop(raw);
	lc_close(&l);
	lc_close(&lr);
	lc_close(&lx);
	daemon_stop(&d[0]);
	daemon_stop(&d[1]);
}

/* The reference: two engines in this process, one thread, no I/O. */
struct ref_end {
	struct zsession	*s;
	int		 secure;
	uint32_t	 timer_ms;	/* armed, 0: none */
};

struct ref_pkt {
	int	to;
	size_t	len;
	uint8_t	b[ZRTP_PKT_MAX];
};

static struct ref_pkt	rq[64];
static unsigned		rq_head, rq_n;
static struct zrand_pool *ref_pool;

static void
ref_random(void *arg, void *buf, size_t len)
{
	(void)arg;
	zrand_pool_take(ref_pool, buf, len);
}

static void
ref_drain(struct ref_end *e, int who, uint64_t now)
{
	struct zs_cache_entry none;
	struct zs_action a;
	struct ref_pkt *p;

	while (zs_next_action(e[who].s, &a)) {
		switch (a.type) {
		case ZSA_SEND:
			if (rq_n == 64 || a.u.send.len > ZRTP_PKT_MAX)
				die("reference: queue");
			p = &rq[(rq_head + rq_n++) % 64];
			p->to = 1 - who;
			p->len = a.u.send.len;
			memcpy(p->b, a.u.send.p, p->len);
			break;
		case ZSA_KEX:
			zs_kex_run(a.u.kex);
			if (zs_kex_done(e[who].s, now, a.u.kex) != 0)
				die("reference: zs_kex_done");
			break;
		case ZSA_CACHE_LOOKUP:
			memset(&none, 0, sizeof(none));
			zs_cache_loaded(e[who].s, now, &none);
			break;
		case ZSA_SECURE:
			e[who].secure = 1;
			break;
		case ZSA_TIMER:
			e[who].timer_ms = a.u.timer_ms;
			break;
		case ZSA_FAILED:
			die("reference: handshake failed: %s (%d)",
			    a.u.failed.what ? a.u.failed.what : "?",
			    a.u.failed.error);
		default:
			break;
		}
	}
}

/* Handshakes per second of the engine alone, both ends, one thread. */
static double
ref_handshakes(double secs, size_t *mem, double *per_cpu)
{
	struct zs_config c[2];
	struct zs_env env = { ref_random, NULL };
	struct ref_end e[2];
	struct ref_pkt p;
	double t0 = now_s(), c0 = thread_cpu_s();
	unsigned long n = 0;
	uint64_t now = 1000;
	int i, idle;

	if (ref_pool == NULL && (ref_pool = zrand_pool_new()) == NULL)
		die("reference: no secure memory");
	for (i = 0; i < 2; i++) {
		zs_config_defaults(&c[i]);
		memset(c[i].zid, i ? 0xb0 : 0xa0, ZRTP_ZID_LEN);
		c[i].ssrc = i ? 0x22222222 : 0x11111111;
		c[i].role_pref = i ? ZS_PREFER_RESPONDER : ZS_PREFER_INITIATOR;
	}
	do {
		memset(e, 0, sizeof(e));
		rq_n = 0;
		idle = 0;
		for (i = 0; i < 2; i++)
			if ((e[i].s = zs_new(&c[i], &env)) == NULL)
				die("reference: zs_new");
		for (i = 0; i < 2; i++) {
			zs_start(e[i].s, now);
			ref_drain(e, i, now);
		}
		while (!(e[0].secure && e[1].secure)) {
			if (rq_n == 0) {
				/* Idle: fire the armed timers, as time would. */
				for (i = 0, idle++; i < 2; i++)
					if (e[i].timer_ms != 0) {
						now += e[i].timer_ms;
						e[i].timer_ms = 0;
						zs_timer(e[i].s, now);
						ref_drain(e, i, now);
					}
				if (idle > 64)
					die("reference: stalled");
				continue;
			}
			p = rq[rq_head];
			rq_head = (rq_head + 1) % 64;
			rq_n--;
			zs_receive(e[p.to].s, ++now, p.b, p.len);
			ref_drain(e, p.to, now);
		}
		*mem = zs_memory(e[0].s);
		zs_free(e[0].s);
		zs_free(e[1].s);
		n++;
	} while (now_s() - t0 < secs);
	*per_cpu = (double)n / (thread_cpu_s() - c0);
	return (double)n / (now_s() - t0);
}

/* Heap one srtp_create() takes with this libsrtp2 (zrtpd/srtp.c's). */
static size_t
srtp_ctx_bytes(void)
{
	struct zs_srtp_keys k;
	struct mallinfo2 a, b;
	struct zsrtp z[16];
	int i;

	memset(&k, 0x5a, sizeof(k));
	k.cipher = ZALGO('A', 'E', 'S', '1');
	k.auth = ZALGO('H', 'S', '3', '2');
	k.key_len = 16;
	a = mallinfo2();
	for (i = 0; i < 16; i++)
		if (zsrtp_open(&z[i], &k) != 0)
			die("zsrtp_open");
	b = mallinfo2();
	for (i = 0; i < 16; i++)
		zsrtp_close(&z[i]);
	return (b.uordblks + b.hblkhd - a.uordblks - a.hblkhd) / 32;
}

/*
 * Our own hard limit up (root), so the daemons may raise theirs; else
 * the sessions that fit: zrtpd needs per session one descriptor, a
 * relay-mode one two, and ZD_FDS_RESERVE more (zrtpd/main.c).
 */
#define RB_ZRTPD_RESERVE	100

static size_t
fd_room(size_t want, int per)
{
	rlim_t need = (rlim_t)want * (rlim_t)per + RB_ZRTPD_RESERVE, fit;
	struct rlimit rl;

	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		rl.rlim_max = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			getrlimit(RLIMIT_NOFILE, &rl);
			fit = (rl.rlim_max - RB_ZRTPD_RESERVE) / (rlim_t)per;
			fprintf(stderr, "relay: the hard descriptor limit %llu "
			    "allows %llu %s-mode sessions per daemon, not %zu\n",
			    (unsigned long long)rl.rlim_max,
			    (unsigned long long)fit, per == 1 ? "keys" : "relay",
			    want);
			return (size_t)fit;
		}
	}
	return want;
}

static void
part_scale(void)
{
	struct rb_daemon d[2];
	struct lc l;
	static const char *const app[2][2] = {
		{ "127.0.0.3", "127.0.0.4" }, { "127.0.0.7", "127.0.0.8" } };
	size_t n = fd_room(scale_n, scale_keys ? 1 : 2), started = 0, mem = 0;
	size_t secured, i;
	long rss0, rss1, rss2, lck;
	double t0, t_create, t_hs, ref, ref_cpu, cpu0, cpu_hs;
	int k;

	ref = ref_handshakes(1.0, &mem, &ref_cpu);
	/*
	 * Four sockets per call on one host: each daemon's media and
	 * application ports on loopback addresses of their own, so that no
	 * address runs out of ephemeral ports. Keys mode (two sockets per
	 * call, the application ports) takes two more addresses, so that it
	 * may run beside a relay-mode run.
	 */
	daemon_start(&d[0], "sA", n, app[scale_keys][0], scale_keys);
	daemon_start(&d[1], "sB", n, app[scale_keys][1], scale_keys);
	if (lc_open(&l, d[0].sock, d[1].sock, n) != 0)
		die("%s", l.err);
	l.keys = scale_keys;
	/* Thousands of sessions on a loaded host: a request may wait. */
	l.timeout_ms = 120000;
	l.app_host[0] = app[scale_keys][0];
	l.app_host[1] = app[scale_keys][1];
	l.media_host[0] = "127.0.0.5";
	l.media_host[1] = "127.0.0.6";
	rss0 = status_kb(d[0].pid, "VmRSS");
	lck = status_kb(d[0].pid, "VmLck");
	t0 = now_s();
	for (i = 0; i < n; i++)
		if (lc_create(&l, i) != 0)
			die("create %zu: %s", i, l.err);
	t_create = now_s() - t0;
	rss1 = status_kb(d[0].pid, "VmRSS");
	t0 = now_s();
	cpu0 = proc_cpu_s(d[0].pid) + proc_cpu_s(d[1].pid);
	/* Until every call is secure, or the deadline (-T). */
	while (l.nsecure + l.nfailed < n && now_s() - t0 < hs_deadline) {
		if (started < n && started - l.nsecure - l.nfailed <
		    rb_scale_window) {
			if (lc_start(&l, started++) != 0)
				die("start: %s", l.err);
			continue;
		}
		if (lc_pump(&l, 100) != 0)
			die("%s", l.err);
	}
	t_hs = now_s() - t0;
	cpu_hs = proc_cpu_s(d[0].pid) + proc_cpu_s(d[1].pid) - cpu0;
	secured = l.nsecure;
	for (i = 0; i < n && i < secured; i++)
		if (l.call[i].st[0] != LC_SECURE || l.call[i].st[1] != LC_SECURE)
			break;
	t0 = now_s();
	if (scale_keys) {
		/* The keys were checked as each call became secure. */
		rss2 = status_kb(d[0].pid, "VmRSS");
		printf("\n%zu concurrent keys-mode sessions in one daemon (and "
		    "%zu in its peer), default\nalgorithms, one descriptor "
		    "each; at most %zu handshakes under way, for at most\n%.0f "
		    "s, the ZRTP packets forwarded by this program (%llu); "
		    "the keys of\n%zu of %zu secure calls mirror (A's tx = "
		    "B's rx and back).\n\n", n, n, rb_scale_window,
		    hs_deadline, (unsigned long long)l.zrtp_fwd, l.keys_ok,
		    l.nsecure);
		if (l.keys_bad != 0)
			die("%zu secure calls whose keys do not mirror",
			    l.keys_bad);
	} else {
		/* Media on the calls secured in order from the first. */
		k = lc_media(&l, 0, i, 1, 256, 60000);
		if (k != 0 || l.frames_bad != 0)
			die("media: %s", l.err);
		rss2 = status_kb(d[0].pid, "VmRSS");
		printf("\n%zu concurrent sessions in one daemon (and %zu in "
		    "its peer), default algorithms;\nat most %zu handshakes "
		    "under way, for at most %.0f s; then one frame each way "
		    "on\nthe first %zu calls, all secure, checked (%.1f s)."
		    "\n\n", n, n, rb_scale_window, hs_deadline, i,
		    now_s() - t0);
	}
	printf("created       %6.0f calls/s (%zu sessions per daemon in "
	    "%.1f s)\n", (double)n / t_create, n, t_create);
	printf("secured       %zu of %zu calls in %.1f s (%zu failed)\n",
	    secured, n, t_hs, l.nfailed);
	for (i = 0; i < n; i++)
		if (l.call[i].failure[0] != '\0') {
			printf("  first failure: call %zu: %.150s\n", i,
			    l.call[i].failure);
			break;
		}
	printf("handshakes    %6.1f calls/s, both ends on this machine;\n"
	    "              %6.1f per CPU-second of the two daemons (%.1f "
	    "CPU-s, all threads)\n", (double)secured / t_hs,
	    (double)secured / cpu_hs, cpu_hs);
	printf("  reference   %6.0f handshakes/s, %.0f per CPU-second: two "
	    "engines in one thread,\n              no I/O, no cache; zrtpd "
	    "pair / reference per CPU-second = %.3f\n", ref, ref_cpu,
	    (double)secured / cpu_hs / ref_cpu);
	printf("memory        VmRSS at start %ld KiB, of it VmLck %ld KiB "
	    "(the secrets' pool,\n              sized for %zu sessions: %.1f "
	    "KiB each)\n", rss0, lck, n, (double)zs_secure_bytes() / 1024);
	printf("  created     +%ld KiB = %.1f KiB per session\n", rss1 - rss0,
	    (double)(rss1 - rss0) / (double)n);
	if (secured > 0)
		printf("  secured     +%ld KiB more = %.1f KiB per secured "
		    "session (%s)\n  total       %.1f "
		    "KiB per secure session with its locked share\n",
		    rss2 - rss1, (double)(rss2 - rss1) / (double)secured,
		    scale_keys ? "keys mode: no SRTP context" :
		    "SRTP contexts, streams",
		    (double)(rss1 - rss0) / (double)n + (double)(rss2 - rss1) /
		    (double)secured + (double)zs_secure_bytes() / 1024);
	printf("  reference   zs_memory() of one established engine session: "
	    "%.1f KiB;\n              one libsrtp2 srtp_create() here: %.1f "
	    "KiB (a session has two)\n", (double)mem / 1024,
	    (double)srtp_ctx_bytes() / 1024);
	printf("  goal        <= 16 KiB per session beyond kernel socket "
	    "buffers\n");
	lc_close(&l);
	daemon_stop(&d[0]);
	daemon_stop(&d[1]);
}

/*
 * What one SRTP context costs, libsrtp2's own primitives (NSS), the
 * libgcrypt ones zrtpd had before (tests/bench/srtp_gcry.c) and zrtpd's
 * nettle ones, each in a forked child (a process has one set):
 * heap per srtp_create() (mallinfo2), srtp_create() and srtp_dealloc()
 * time (zsrtp_open/zsrtp_close make and free two), and per 172-byte
 * packet zsrtp_protect and zsrtp_unprotect (AES1, HS32).
 */
struct rb_cost {
	double	heap, create_us, dealloc_us, protect_ns, unprotect_ns;
	double	aes_ns, hmac_ns;
};

#define RB_COST_CTX	200
#define RB_COST_PKT	20000

/*
 * The primitives alone, without libsrtp2's packet handling: per packet
 * set_iv and AES-CM-128 over 160 bytes, and start and HMAC-SHA1 over 176.
 */
static void
cost_prims(int prims, struct rb_cost *c)
{
	static const srtp_cipher_type_t *const ct[RB_PRIM_N] = {
		&zsrtp_prim_icm_128, &srtp_aes_icm_128, &zbench_gcry_icm_128,
	};
	static const srtp_auth_type_t *const at[RB_PRIM_N] = {
		&zsrtp_prim_hmac, &srtp_hmac, &zbench_gcry_hmac,
	};
	uint8_t key[30], iv[16], buf[176], tag[20];
	srtp_cipher_t *ci;
	srtp_auth_t *au;
	unsigned int n;
	double t;
	int i;

	memset(key, 0x3c, sizeof(key));
	memset(iv, 0, sizeof(iv));
	memset(buf, 0x5a, sizeof(buf));
	if (srtp_cipher_type_alloc(ct[prims], &ci, 30, 0) != 0 ||
	    srtp_cipher_init(ci, key) != 0 ||
	    srtp_auth_type_alloc(at[prims], &au, 20, 4) != 0 ||
	    srtp_auth_init(au, key) != 0)
		_exit(3);
	t = now_s();
	for (i = 0; i < RB_COST_PKT; i++) {
		iv[13] = (uint8_t)i;
		iv[12] = (uint8_t)(i >> 8);
		n = 160;
		if (srtp_cipher_set_iv(ci, iv, srtp_direction_encrypt) != 0 ||
		    srtp_cipher_encrypt(ci, buf + 12, &n) != 0)
			_exit(3);
	}
	c->aes_ns = (now_s() - t) * 1e9 / RB_COST_PKT;
	t = now_s();
	for (i = 0; i < RB_COST_PKT; i++)
		if (srtp_auth_start(au) != 0 ||
		    srtp_auth_compute(au, buf, (int)sizeof(buf), tag) != 0)
			_exit(3);
	c->hmac_ns = (now_s() - t) * 1e9 / RB_COST_PKT;
	srtp_cipher_dealloc(ci);
	srtp_auth_dealloc(au);
}

static void
cost_measure(struct rb_cost *c)
{
	static struct zsrtp z[RB_COST_CTX];
	static uint8_t pkt[RB_COST_PKT][172 + SRTP_MAX_TRAILER_LEN];
	struct zs_srtp_keys k;
	struct mallinfo2 a, b;
	struct zsrtp tx, rx;
	size_t len[RB_COST_PKT];
	double t;
	int i;

	unit_srtp_keys(&k, 0);
	a = mallinfo2();
	t = now_s();
	for (i = 0; i < RB_COST_CTX; i++)
		if (zsrtp_open(&z[i], &k) != 0)
			_exit(3);
	c->create_us = (now_s() - t) * 1e6 / (2 * RB_COST_CTX);
	b = mallinfo2();
	c->heap = (double)(b.uordblks + b.hblkhd - a.uordblks - a.hblkhd) /
	    (2 * RB_COST_CTX);
	t = now_s();
	for (i = 0; i < RB_COST_CTX; i++)
		zsrtp_close(&z[i]);
	c->dealloc_us = (now_s() - t) * 1e6 / (2 * RB_COST_CTX);
	if (zsrtp_open(&tx, &k) != 0)
		_exit(3);
	unit_srtp_keys(&k, 1);
	if (zsrtp_open(&rx, &k) != 0)
		_exit(3);
	for (i = 0; i < RB_COST_PKT; i++) {
		memset(pkt[i], 0x5a, 172);
		pkt[i][0] = 0x80;
		pkt[i][2] = (uint8_t)(i >> 8);
		pkt[i][3] = (uint8_t)i;
		pkt[i][11] = 7;
		len[i] = 172;
	}
	t = now_s();
	for (i = 0; i < RB_COST_PKT; i++)
		if (zsrtp_protect(&tx, pkt[i], &len[i], sizeof(pkt[i])) != 0)
			_exit(3);
	c->protect_ns = (now_s() - t) * 1e9 / RB_COST_PKT;
	t = now_s();
	for (i = 0; i < RB_COST_PKT; i++)
		if (zsrtp_unprotect(&rx, pkt[i], &len[i]) != 0)
			_exit(3);
	c->unprotect_ns = (now_s() - t) * 1e9 / RB_COST_PKT;
	zsrtp_close(&tx);
	zsrtp_close(&rx);
}

static void
cost_run(int prims, struct rb_cost *c)
{
	int pfd[2], st;
	pid_t p;

	if (pipe(pfd) != 0)
		die("pipe: %s", strerror(errno));
	if ((p = rb_fork()) == 0) {
		close(pfd[0]);
		srtp_prims(prims);
		cost_measure(c);
		cost_prims(prims, c);
		_exit(write(pfd[1], c, sizeof(*c)) == sizeof(*c) ? 0 : 3);
	}
	close(pfd[1]);
	if (read(pfd[0], c, sizeof(*c)) != sizeof(*c) ||
	    waitpid(p, &st, 0) != p || st != 0)
		die("the SRTP cost child failed");
	child_gone(p);
	close(pfd[0]);
}

static void
part_srtp_costs(void)
{
	double v[RB_PRIM_N][7][32];
	struct rb_cost c;
	int r, n;

	for (r = 0; r < rounds; r++)
		for (n = 0; n < RB_PRIM_N; n++) {
			cost_run((n + 1) % RB_PRIM_N, &c);
			v[n][0][r] = c.heap;
			v[n][1][r] = c.create_us;
			v[n][2][r] = c.dealloc_us;
			v[n][3][r] = c.protect_ns;
			v[n][4][r] = c.unprotect_ns;
			v[n][5][r] = c.aes_ns;
			v[n][6][r] = c.hmac_ns;
		}
	printf("\nSRTP contexts: libsrtp2's own AES and HMAC-SHA1 (NSS), "
	    "libgcrypt's (before)\nand zrtpd's nettle ones (zrtpd/srtp_prim.c), "
	    "alternating, medians of %d rounds;\n%d zsrtp_open (two srtp_create "
	    "each), %d packets of 172 bytes,\nAES-CM-128 HMAC-SHA1-32; then the primitives alone, per "
	    "packet: set_iv and\nAES over 160 bytes, HMAC-SHA1 over 176.\n\n",
	    rounds, RB_COST_CTX,
	    RB_COST_PKT);
	printf("primitives  | heap per srtp_create | srtp_create | srtp_dealloc "
	    "| protect | unprotect |     AES |    HMAC\n");
	printf("------------+----------------------+-------------+--------------"
	    "+---------+-----------+---------+--------\n");
	for (n = 0; n < RB_PRIM_N; n++)
		printf("%-11s | %16.1f KiB | %8.1f us | %9.1f us | %4.0f ns | "
		    "%6.0f ns | %4.0f ns | %4.0f ns\n",
		    rb_prim_name[(n + 1) % RB_PRIM_N],
		    median(v[n][0], rounds) / 1024, median(v[n][1], rounds),
		    median(v[n][2], rounds), median(v[n][3], rounds),
		    median(v[n][4], rounds), median(v[n][5], rounds),
		    median(v[n][6], rounds));
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: relay [-FGN] [-d zrtpd] [-t secs] [-r rounds] "
	    "[-n sessions] [-w window] [-T secs] [-m relay|keys] [-p tdsc]\n"
	    "             [-S steal%%]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "FGNd:t:r:n:p:w:T:m:S:")) != -1) {
		switch (c) {
		case 'm':
			if (strcmp(optarg, "keys") != 0 &&
			    strcmp(optarg, "relay") != 0)
				usage();
			scale_keys = strcmp(optarg, "keys") == 0;
			break;
		case 'F': fifo = 1; break;
		case 'N': raw_prims = RB_PRIM_NSS; break;
		case 'G': raw_prims = RB_PRIM_GCRY; break;
		case 'T': hs_deadline = atof(optarg); break;
		case 'w': rb_scale_window = strtoul(optarg, NULL, 10); break;
		case 'd': zrtpd_path = optarg; break;
		case 't': slice_s = atof(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		case 'n': scale_n = strtoul(optarg, NULL, 10); break;
		case 'p': parts = optarg; break;
		case 'S': steal_max = atof(optarg); break;
		default: usage();
		}
	}
	if (optind != argc || rounds < 1 || rounds > DSTAT_ROUNDS ||
	    slice_s <= 0 || scale_n == 0 || steal_max < 0)
		usage();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	atexit(stop_all);
	if (zs_init(64, 2) != 0 || zsrtp_init() != 0)
		die("crypto initialisation failed");
	snprintf(top, sizeof(top), "%s/zrtpd-bench.XXXXXX", getenv("TMPDIR") ?
	    getenv("TMPDIR") : "/tmp");
	if (mkdtemp(top) == NULL)
		die("mkdtemp: %s", strerror(errno));
	printf("zrtpd relay benchmark: %s, %ld CPUs online, relay loops %s, "
	    "load ", zrtpd_path, sysconf(_SC_NPROCESSORS_ONLN), fifo ?
	    "at SCHED_FIFO" : "at normal priority");
	{
		char la[64] = "?";
		FILE *f = fopen("/proc/loadavg", "r");

		if (f != NULL && fgets(la, sizeof(la), f) != NULL)
			fputs(la, stdout);
		if (f != NULL)
			fclose(f);
	}
	if (strchr(parts, 't') != NULL)
		part_throughput();
	if (strchr(parts, 'd') != NULL)
		part_delay();
	if (strchr(parts, 's') != NULL)
		part_scale();
	if (strchr(parts, 'c') != NULL)
		part_srtp_costs();
	rmdir(top);
	return 0;
}
