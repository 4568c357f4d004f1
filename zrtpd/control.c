/*
 * The control socket: accepting connections, reading their credentials
 * once (SO_PEERCRED), cutting the byte stream into lines no longer than
 * ZD_LINE_MAX, and writing replies and events into a queue no longer
 * than ZD_OUTQ_MAX: a client that stops reading is dropped, never waited
 * for. A line is handed to commands.c; nothing here judges a command.
 * Input is read with recvmsg() so that a descriptor passed with a request
 * (SCM_RIGHTS: cache_backup, cache_restore) is kept, one at a time, on
 * admin connections only (control.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "commands.h"
#include "control.h"
#include "daemon.h"
#include "log.h"
#include "session.h"

struct zd_conn {
	TAILQ_ENTRY(zd_conn)	 link;
	struct zd_control	*ctl;
	struct bufferevent	*bev;		/* output; input is ours: */
	struct event		*rev;		/* readable */
	struct event		*hello_ev;	/* no hello in time */
	unsigned		 hello_s;	/* its timeout, seconds */
	struct evbuffer		*in;		/* bytes not yet a line */
	int			 passed_fd;	/* SCM_RIGHTS, not yet taken */
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;
	enum zd_access		 access;
	int			 hello_done, discarding, dead, busy;
	int			 subscribed;
	json_t			*sub_sessions, *sub_events;	/* NULL: all */
	uint64_t		 seq;
	unsigned		 jobs;
};

struct zd_control {
	struct zd		*d;
	int			 fd;
	struct event		*ev;
	struct event		*pause;	/* out of descriptors: accept later */
	TAILQ_HEAD(, zd_conn)	 conns;
	dev_t			 sock_dev;	/* the file bind() made, */
	ino_t			 sock_ino;	/* 0 0 until then */
};

static const char *const zd_access_names[] = {
	[ZD_ACCESS_READ] = "read",
	[ZD_ACCESS_CONTROL] = "control",
	[ZD_ACCESS_KEYS] = "keys",
	[ZD_ACCESS_ADMIN] = "admin",
};

const char *
zd_access_name(enum zd_access a)
{
	return zd_access_names[a];
}

enum zd_access
zd_conn_access(const struct zd_conn *cn)
{
	return cn->access;
}

uid_t
zd_conn_uid(const struct zd_conn *cn)
{
	return cn->uid;
}

struct zd *
zd_conn_daemon(const struct zd_conn *cn)
{
	return cn->ctl->d;
}

/* 1 if uid (primary group gid) is in the named group. */
static int
zd_in_group(uid_t uid, gid_t gid, const char *group)
{
	struct passwd *pw;
	struct group *gr;
	gid_t groups[256];
	int n = 256, i;

	if (group[0] == '\0' || (gr = getgrnam(group)) == NULL)
		return 0;
	if (gid == gr->gr_gid)
		return 1;
	if ((pw = getpwuid(uid)) == NULL ||
	    getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (groups[i] == gr->gr_gid)
			return 1;
	return 0;
}

static enum zd_access
zd_access_of(const struct zd_config *c, uid_t uid, gid_t gid)
{
	if (uid == 0 || uid == geteuid())
		return ZD_ACCESS_ADMIN;
	if (zd_in_group(uid, gid, c->key_group))
		return ZD_ACCESS_KEYS;
	if (zd_in_group(uid, gid, c->socket_group))
		return ZD_ACCESS_CONTROL;
	return ZD_ACCESS_READ;
}

static void
zd_conn_free(struct zd_conn *cn)
{
	if (cn->rev != NULL)
		event_free(cn->rev);
	if (cn->hello_ev != NULL)
		event_free(cn->hello_ev);
	if (cn->in != NULL)
		evbuffer_free(cn->in);
	if (cn->passed_fd >= 0)
		close(cn->passed_fd);
	bufferevent_free(cn->bev);
	json_decref(cn->sub_sessions);
	json_decref(cn->sub_events);
	free(cn);
}

static void
zd_conn_reap(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	zd_conn_free(arg);
}

/*
 * Closed from anywhere (even inside its own callback): unlinked now, freed
 * from the loop once no cache job still holds it.
 */
static void
zd_conn_close(struct zd_conn *cn, const char *why)
{
	if (cn->dead)
		return;
	cn->dead = 1;
	zlog(LOG_INFO, "control: pid %ld uid %ld: %s", (long)cn->pid,
	    (long)cn->uid, why);
	TAILQ_REMOVE(&cn->ctl->conns, cn, link);
	bufferevent_disable(cn->bev, EV_READ | EV_WRITE);
	event_del(cn->rev);
	if (cn->hello_ev != NULL)
		event_del(cn->hello_ev);
	zd_sessions_conn_gone(cn->ctl->d, cn);
	if (cn->jobs == 0)
		event_base_once(cn->ctl->d->base, -1, EV_TIMEOUT, zd_conn_reap,
		    cn, NULL);
}

void
zd_conn_job_done(struct zd_conn *cn)
{
	if (--cn->jobs == 0 && cn->dead)
		zd_conn_free(cn);
}

void
zd_conn_job_start(struct zd_conn *cn)
{
	cn->jobs++;
}

int
zd_conn_dead(const struct zd_conn *cn)
{
	return cn->dead;
}

void
zd_conn_send(struct zd_conn *cn, json_t *msg)
{
	struct evbuffer *out;
	char *line;

	if (cn->dead) {
		json_decref(msg);
		return;
	}
	line = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (line == NULL)
		return;
	out = bufferevent_get_output(cn->bev);
	if (evbuffer_get_length(out) + strlen(line) + 1 > ZD_OUTQ_MAX) {
		free(line);
		zd_conn_close(cn, "output queue full: client not reading, "
		    "disconnected");
		return;
	}
	evbuffer_add(out, line, strlen(line));
	evbuffer_add(out, "\n", 1);
	free(line);
}

static int
zd_json_has_string(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

void
zd_conn_subscribe(struct zd_conn *cn, json_t *sessions, json_t *events)
{
	json_decref(cn->sub_sessions);
	json_decref(cn->sub_events);
	cn->sub_sessions = sessions != NULL ? json_incref(sessions) : NULL;
	cn->sub_events = events != NULL ? json_incref(events) : NULL;
	cn->subscribed = 1;
}

void
zd_conn_unsubscribe(struct zd_conn *cn)
{
	zd_conn_subscribe(cn, NULL, NULL);
	cn->subscribed = 0;
}

void
zd_control_broadcast(struct zd_control *c, json_t *ev, json_t *keyed)
{
	struct zd_conn *cn, *next;
	const char *name, *sid;
	json_t *out;

	if (c == NULL)
		return;
	name = json_string_value(json_object_get(ev, "event"));
	sid = json_string_value(json_object_get(ev, "session"));
	TAILQ_FOREACH_SAFE(cn, &c->conns, link, next) {
		if (!cn->subscribed || (cn->sub_events != NULL &&
		    !zd_json_has_string(cn->sub_events, name)) ||
		    (cn->sub_sessions != NULL && (sid == NULL ||
		    !zd_json_has_string(cn->sub_sessions, sid))))
			continue;
		out = json_deep_copy(keyed != NULL &&
		    cn->access >= ZD_ACCESS_KEYS ? keyed : ev);
		json_object_set_new(out, "seq", json_integer(
		    (json_int_t)++cn->seq));
		json_object_set_new(out, "time", json_integer(
		    (json_int_t)zd_time_ms()));
		if (keyed != NULL && cn->access >= ZD_ACCESS_KEYS) {
			char *line = json_dumps(out, JSON_COMPACT);

			zd_json_wipe(out);
			json_decref(out);
			if (line != NULL) {
				zd_conn_send_raw(cn, line);
				explicit_bzero(line, strlen(line));
				free(line);
			}
			continue;
		}
		zd_conn_send(cn, out);
	}
}

void
zd_conn_send_raw(struct zd_conn *cn, const char *line)
{
	struct evbuffer *out = bufferevent_get_output(cn->bev);

	if (cn->dead)
		return;
	if (evbuffer_get_length(out) + strlen(line) + 1 > ZD_OUTQ_MAX) {
		zd_conn_close(cn, "output queue full: client not reading, "
		    "disconnected");
		return;
	}
	evbuffer_add(out, line, strlen(line));
	evbuffer_add(out, "\n", 1);
}

void
zd_json_wipe(json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_string(v))
		explicit_bzero((char *)(uintptr_t)json_string_value(v),
		    json_string_length(v));
	else if (json_is_object(v))
		json_object_foreach(v, k, x)
			zd_json_wipe(x);
	else if (json_is_array(v))
		json_array_foreach(v, i, x)
			zd_json_wipe(x);
}

static void zd_conn_lines(struct zd_conn *cn);

/* An async command finished: take the lines that waited behind it. */
void
zd_conn_resume(struct zd_conn *cn)
{
	cn->busy = 0;
	if (!cn->dead) {
		event_add(cn->rev, NULL);
		zd_conn_lines(cn);
	}
}

int
zd_conn_take_fd(struct zd_conn *cn)
{
	int fd = cn->passed_fd;

	cn->passed_fd = -1;
	return fd;
}

void
zd_conn_hold(struct zd_conn *cn)
{
	cn->busy = 1;
}

int
zd_conn_hello_done(const struct zd_conn *cn)
{
	return cn->hello_done;
}

void
zd_conn_set_hello(struct zd_conn *cn)
{
	cn->hello_done = 1;
	if (cn->hello_ev != NULL)
		event_del(cn->hello_ev);
}

static void zd_conn_flush(struct zd_conn *cn, uint64_t deadline);

/*
 * No hello within control_hello_timeout: the connection holds one of the
 * slots the limits count (control.h) for nothing. It is told why, with
 * what is queued written if the socket takes it now, and closed.
 */
static void
zd_conn_hello_late(evutil_socket_t fd, short what, void *arg)
{
	struct zd_conn *cn = arg;

	(void)fd;
	(void)what;
	zlog(LOG_NOTICE, "control: pid %ld uid %ld: no hello within %u "
	    "s, disconnected", (long)cn->pid, (long)cn->uid, cn->hello_s);
	zd_cmd_error(cn, NULL, "no_hello", "no hello within %u s: "
	    "disconnected", cn->hello_s);
	zd_conn_flush(cn, zd_now_ms() + 1);
	zd_conn_close(cn, "closed (no hello)");
}

static void
zd_conn_lines(struct zd_conn *cn)
{
	struct evbuffer *in = cn->in;
	struct evbuffer_ptr eol;
	size_t len;
	char *line;

	while (!cn->dead && !cn->busy) {
		eol = evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_LF);
		if (eol.pos < 0) {
			/* No newline yet: a line past the limit is dropped. */
			if (evbuffer_get_length(in) > ZD_LINE_MAX) {
				evbuffer_drain(in, evbuffer_get_length(in));
				cn->discarding = 1;
			}
			return;
		}
		len = (size_t)eol.pos;
		if (cn->discarding || len > ZD_LINE_MAX) {
			evbuffer_drain(in, len + 1);
			cn->discarding = 0;
			zd_cmd_error(cn, NULL, "too_long", "request line longer "
			    "than 65536 bytes");
			continue;
		}
		if ((line = malloc(len + 1)) == NULL) {
			zd_conn_close(cn, "out of memory");
			return;
		}
		evbuffer_remove(in, line, len + 1);
		line[len] = '\0';
		zd_cmd_line(cn, line, len);
		free(line);
	}
}

/*
 * Descriptors that came with the bytes: the newest is kept for the next
 * command that takes one, any other closed at once.
 */
static void
zd_conn_fds(struct zd_conn *cn, struct msghdr *msg)
{
	struct cmsghdr *h;
	size_t i, n;
	int fd;

	for (h = CMSG_FIRSTHDR(msg); h != NULL; h = CMSG_NXTHDR(msg, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		n = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(fd));
			if (cn->access < ZD_ACCESS_ADMIN) {
				close(fd);	/* no command of theirs takes it */
				continue;
			}
			if (cn->passed_fd >= 0)
				close(cn->passed_fd);
			cn->passed_fd = fd;
		}
	}
}

static void
zd_conn_recv(evutil_socket_t fd, short what, void *arg)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(ZD_PASS_FDS_MAX * sizeof(int))];
	} cm;
	struct zd_conn *cn = arg;
	char buf[16384];
	struct msghdr msg;
	struct iovec iov = { buf, sizeof(buf) };
	ssize_t n;

	(void)what;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		zd_conn_close(cn, "connection closed");
		return;
	}
	zd_conn_fds(cn, &msg);
	if ((msg.msg_flags & MSG_CTRUNC) != 0)
		zlog(LOG_WARNING, "control: pid %ld: passed descriptors "
		    "beyond one dropped", (long)cn->pid);
	evbuffer_add(cn->in, buf, (size_t)n);
	zd_conn_lines(cn);
	/* Held behind a cache job: stop reading until it resumes us. */
	if (!cn->dead && cn->busy &&
	    evbuffer_get_length(cn->in) > 4 * ZD_LINE_MAX)
		event_del(cn->rev);
}

static void
zd_conn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		zd_conn_close(arg, "connection closed");
}

/*
 * A connection below admin access over its limits (control.h): NULL, or
 * why it is refused.
 */
static const char *
zd_conn_over_limit(struct zd_control *c, uid_t uid, enum zd_access access)
{
	struct zd_conn *cn;
	unsigned same = 0, others = 0;

	if (access >= ZD_ACCESS_ADMIN)
		return NULL;
	TAILQ_FOREACH(cn, &c->conns, link) {
		if (cn->access >= ZD_ACCESS_ADMIN)
			continue;
		others++;
		if (cn->uid == uid)
			same++;
	}
	if (same >= ZD_CONN_PER_UID)
		return "too many connections from this user";
	if (others >= ZD_CONN_OTHERS)
		return "too many connections from users other than root and "
		    "the daemon's own";
	return NULL;
}

static void
zd_control_resume(evutil_socket_t fd, short what, void *arg)
{
	struct zd_control *c = arg;

	(void)fd;
	(void)what;
	event_add(c->ev, NULL);
}

static void
zd_control_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct zd_control *c = arg;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct timeval hello_tv = { 0, 0 };
	struct zd_conn *cn;
	const char *why;
	char line[256];
	int fd, n;

	(void)what;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0) {
		/*
		 * Out of descriptors: the pending connection stays readable,
		 * and accepting again at once would spin. Pause a moment.
		 */
		if (errno == EMFILE || errno == ENFILE) {
			struct timeval tv = { 0, 200000 };

			zlog(LOG_WARNING, "control: cannot accept: %s",
			    strerror(errno));
			event_del(c->ev);
			evtimer_add(c->pause, &tv);
		}
		return;
	}
	/* Credentials first: nothing is read before we know who it is. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 ||
	    (cn = calloc(1, sizeof(*cn))) == NULL) {
		close(fd);
		return;
	}
	cn->ctl = c;
	cn->uid = cred.uid;
	cn->gid = cred.gid;
	cn->pid = cred.pid;
	cn->access = zd_access_of(&c->d->cfg, cred.uid, cred.gid);
	cn->passed_fd = -1;
	if ((why = zd_conn_over_limit(c, cn->uid, cn->access)) != NULL) {
		zlog(LOG_WARNING, "control: pid %ld uid %ld refused: %s",
		    (long)cn->pid, (long)cn->uid, why);
		n = snprintf(line, sizeof(line), "{\"id\":null,\"ok\":false,"
		    "\"error\":{\"code\":\"limit\",\"message\":\"%s\"}}\n",
		    why);
		if (n > 0 && (size_t)n < sizeof(line))
			(void)send(fd, line, (size_t)n, MSG_NOSIGNAL);
		free(cn);
		close(fd);
		return;
	}
	if ((cn->bev = bufferevent_socket_new(c->d->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		free(cn);
		return;
	}
	/* The bufferevent writes; reading is recvmsg()'s (descriptors). */
	cn->hello_s = c->d->cfg.control_hello_timeout;
	hello_tv.tv_sec = cn->hello_s;
	if ((cn->in = evbuffer_new()) == NULL || (cn->rev = event_new(
	    c->d->base, fd, EV_READ | EV_PERSIST, zd_conn_recv, cn)) == NULL ||
	    event_add(cn->rev, NULL) != 0 || (cn->hello_ev = evtimer_new(
	    c->d->base, zd_conn_hello_late, cn)) == NULL ||
	    evtimer_add(cn->hello_ev, &hello_tv) != 0) {
		zd_conn_free(cn);
		return;
	}
	bufferevent_setcb(cn->bev, NULL, NULL, zd_conn_event, cn);
	bufferevent_enable(cn->bev, EV_WRITE);
	TAILQ_INSERT_TAIL(&c->conns, cn, link);
	zlog(LOG_INFO, "control: pid %ld uid %ld connected (%s)",
	    (long)cn->pid, (long)cn->uid, zd_access_name(cn->access));
}

/*
 * Someone accepts on the socket at sun: connect() succeeds, or the
 * backlog is full. Only a refusal (nobody listens: a crash's socket)
 * lets a new daemon replace it.
 */
static int
zd_control_live(const struct sockaddr_un *sun)
{
	int fd, live;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return 1;
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
	    (errno != ECONNREFUSED && errno != ENOENT);
	close(fd);
	return live;
}

static int
zd_control_listen(struct zd_control *c, char *err, size_t err_len)
{
	const struct zd_config *cfg = &c->d->cfg;
	struct sockaddr_un sun;
	struct stat st;
	struct group *gr;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", cfg->control_socket);
	/* A stale socket from a crash is ours to replace; nothing else is. */
	if (lstat(sun.sun_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, err_len, "%s exists and is not a socket",
			    sun.sun_path);
			return -1;
		}
		if (zd_control_live(&sun)) {
			snprintf(err, err_len, "control socket %s: another "
			    "zrtpd listens there (stop it, or give this one "
			    "another control_socket)", sun.sun_path);
			return -1;
		}
		unlink(sun.sun_path);
	}
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0 ||
	    bind(c->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		snprintf(err, err_len, "control socket %s: %s", sun.sun_path,
		    strerror(errno));
		return -1;
	}
	/* The file is ours from here: zd_control_unlink() removes it. */
	if (lstat(sun.sun_path, &st) == 0) {
		c->sock_dev = st.st_dev;
		c->sock_ino = st.st_ino;
	}
	if (chmod(sun.sun_path, cfg->socket_mode) != 0 ||
	    listen(c->fd, 64) != 0) {
		snprintf(err, err_len, "control socket %s: %s", sun.sun_path,
		    strerror(errno));
		return -1;
	}
	if (cfg->socket_group[0] != '\0') {
		if ((gr = getgrnam(cfg->socket_group)) == NULL ||
		    chown(sun.sun_path, (uid_t)-1, gr->gr_gid) != 0) {
			snprintf(err, err_len, "control_group %s: %s",
			    cfg->socket_group, gr == NULL ? "no such group" :
			    strerror(errno));
			return -1;
		}
	}
	/* A group that does not exist would grant key export to nobody. */
	if (cfg->key_group[0] != '\0' && getgrnam(cfg->key_group) == NULL) {
		snprintf(err, err_len, "keys_group %s: no such group",
		    cfg->key_group);
		return -1;
	}
	return 0;
}

struct zd_control *
zd_control_open(struct zd *d, char *err, size_t err_len)
{
	struct zd_control *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	c->d = d;
	c->fd = -1;
	TAILQ_INIT(&c->conns);
	if (zd_control_listen(c, err, err_len) != 0 ||
	    (c->pause = evtimer_new(d->base, zd_control_resume, c)) == NULL ||
	    (c->ev = event_new(d->base, c->fd, EV_READ | EV_PERSIST,
	    zd_control_accept, c)) == NULL || event_add(c->ev, NULL) != 0) {
		zd_control_close(c);
		return NULL;
	}
	return c;
}

/*
 * At shutdown the loop is gone: what it had not yet written (the "closed"
 * events of a SIGTERM, last replies) is written now, every connection
 * within one deadline, so a client that stopped reading delays the exit
 * by ZD_FLUSH_MS at most.
 */
#define ZD_FLUSH_MS	1000

static void
zd_conn_flush(struct zd_conn *cn, uint64_t deadline)
{
	struct evbuffer *out = bufferevent_get_output(cn->bev);
	struct pollfd pfd;
	uint64_t now;
	int n;

	pfd.fd = bufferevent_getfd(cn->bev);
	pfd.events = POLLOUT;
	/* The bufferevent froze its output's start: it alone drained it. */
	evbuffer_unfreeze(out, 1);
	while (pfd.fd >= 0 && evbuffer_get_length(out) > 0 &&
	    (now = zd_now_ms()) < deadline &&
	    poll(&pfd, 1, (int)(deadline - now)) > 0 &&
	    (pfd.revents & POLLOUT) != 0)
		if ((n = evbuffer_write(out, pfd.fd)) == 0 || (n < 0 &&
		    errno != EAGAIN && errno != EINTR))
			break;
}

void
zd_control_close(struct zd_control *c)
{
	struct zd_conn *cn;
	uint64_t deadline = zd_now_ms() + ZD_FLUSH_MS;

	if (c == NULL)
		return;
	while ((cn = TAILQ_FIRST(&c->conns)) != NULL) {
		TAILQ_REMOVE(&c->conns, cn, link);
		zd_conn_flush(cn, deadline);
		cn->dead = 1;
		if (cn->jobs == 0)
			zd_conn_free(cn);
	}
	if (c->ev != NULL)
		event_free(c->ev);
	if (c->pause != NULL)
		event_free(c->pause);
	if (c->fd >= 0)
		close(c->fd);
	zd_control_unlink(c);
	free(c);
}

/*
 * By path, but only the file our bind() made: another daemon's socket
 * that took the path since (after ours was removed) is not ours to remove.
 */
void
zd_control_unlink(const struct zd_control *c)
{
	struct stat st;

	if (c == NULL || c->sock_ino == 0 ||
	    lstat(c->d->cfg.control_socket, &st) != 0 ||
	    st.st_dev != c->sock_dev || st.st_ino != c->sock_ino)
		return;
	(void)unlink(c->d->cfg.control_socket);
}
