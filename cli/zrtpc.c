/*
 * zrtpc: connect, hello, requests with ids and their replies, queued
 * events, descriptor passing. Every line from the daemon is bounded
 * (ZRTPC_LINE_MAX), parsed as strict JSON and checked for its kind's keys
 * before anything uses it. Nothing here knows the daemon's internals.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "zrtpc.h"

struct zrtpc {
	int		 fd;
	char		*buf;		/* ZRTPC_LINE_MAX bytes */
	size_t		 len;		/* bytes held in buf */
	size_t		 scanned;	/* of them, known to hold no newline */
	int		 skipping;	/* dropping an over-long line */
	json_int_t	 next_id;
	json_int_t	 last_seq;
	int		 lost;		/* events were dropped since last taken */
	json_t		*queue[ZRTPC_EVENT_QUEUE_MAX];
	size_t		 q_head, q_count;
	int		 version;
	char		 daemon[128];
	char		 zid[32];
	char		 access[16];
};

static const struct {
	int		 status;
	const char	*code;
	const char	*text;
} zrtpc_errors[] = {
	{ ZRTPC_OK, "ok", "success" },
	{ ZRTPC_E_UNREACHABLE, "unreachable", "the daemon is not reachable" },
	{ ZRTPC_E_PERMISSION, "permission", "no permission on the socket" },
	{ ZRTPC_E_IO, "io", "input/output error" },
	{ ZRTPC_E_CLOSED, "closed", "the daemon closed the connection" },
	{ ZRTPC_E_TIMEOUT, "timeout", "no answer in time" },
	{ ZRTPC_E_PROTOCOL, "protocol", "the daemon sent an invalid message" },
	{ ZRTPC_E_VERSION, "bad_version", "no common protocol version" },
	{ ZRTPC_E_DAEMON, "daemon", "the daemon refused the request" },
	{ ZRTPC_E_NOMEM, "nomem", "out of memory" },
	{ ZRTPC_E_INVALID, "invalid", "invalid argument" },
	{ ZRTPC_E_OVERFLOW, "overflow", "events were lost" },
};

const char *
zrtpc_strerror(int status)
{
	size_t i;

	for (i = 0; i < sizeof(zrtpc_errors) / sizeof(zrtpc_errors[0]); i++)
		if (zrtpc_errors[i].status == status)
			return zrtpc_errors[i].text;
	return "unknown error";
}

/* Fill err with the status's code and a formatted message; returns status. */
static int
fail(struct zrtpc_error *err, int status, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	if (err == NULL)
		return status;
	snprintf(err->code, sizeof(err->code), "%s", "unknown");
	for (i = 0; i < sizeof(zrtpc_errors) / sizeof(zrtpc_errors[0]); i++)
		if (zrtpc_errors[i].status == status)
			snprintf(err->code, sizeof(err->code), "%s",
			    zrtpc_errors[i].code);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return status;
}

const char *
zrtpc_socket_path(const char *path)
{
	const char *env;

	if (path != NULL)
		return path;
	env = getenv(ZRTPC_SOCKET_ENV);
	if (env != NULL && env[0] != '\0')
		return env;
	return ZRTPC_DEFAULT_SOCKET;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* Wait for events on the socket until the deadline (-1: forever). */
static int
wait_fd(struct zrtpc *c, short events, long long deadline,
    struct zrtpc_error *err)
{
	struct pollfd pfd = { .fd = c->fd, .events = events };
	long long left;
	int n;

	for (;;) {
		left = deadline < 0 ? -1 : deadline - now_ms();
		if (deadline >= 0 && left < 0)
			left = 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return fail(err, ZRTPC_E_IO, "poll: %s",
			    strerror(errno));
		if (n == 0 && deadline >= 0 && now_ms() >= deadline)
			return fail(err, ZRTPC_E_TIMEOUT,
			    "no answer from the daemon in time");
	}
}

static int
connect_error(const char *path, int e, struct zrtpc_error *err)
{
	switch (e) {
	case ENOENT:
	case ECONNREFUSED:
	case ENOTDIR:
		return fail(err, ZRTPC_E_UNREACHABLE,
		    "cannot connect to %s: %s", path, strerror(e));
	case EACCES:
	case EPERM:
		return fail(err, ZRTPC_E_PERMISSION,
		    "cannot connect to %s: %s", path, strerror(e));
	default:
		return fail(err, ZRTPC_E_IO, "cannot connect to %s: %s",
		    path, strerror(e));
	}
}

static int
connect_socket(struct zrtpc *c, const char *path, long long deadline,
    struct zrtpc_error *err)
{
	struct sockaddr_un sun;
	socklen_t sl = sizeof(int);
	int e = 0, r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return fail(err, ZRTPC_E_INVALID, "socket path too long: %s",
		    path);
	memcpy(sun.sun_path, path, strlen(path));
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return fail(err, ZRTPC_E_IO, "socket: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return 0;
	if (errno != EAGAIN && errno != EINPROGRESS)
		return connect_error(path, errno, err);
	/* A full backlog: wait until the daemon accepts. */
	if ((r = wait_fd(c, POLLOUT, deadline, err)) != 0)
		return r;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0)
		e = errno;
	return e == 0 ? 0 : connect_error(path, e, err);
}

/* Send all of line; fd (or -1) rides with its first byte (SCM_RIGHTS). */
static int
send_line(struct zrtpc *c, const char *line, size_t len, int fd,
    long long deadline, struct zrtpc_error *err)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *h;
	size_t off = 0;
	ssize_t n;
	int r;

	while (off < len) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = (char *)line + off;
		iov.iov_len = len - off;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if (fd >= 0 && off == 0) {
			memset(&cm, 0, sizeof(cm));
			msg.msg_control = cm.buf;
			msg.msg_controllen = sizeof(cm.buf);
			h = CMSG_FIRSTHDR(&msg);
			h->cmsg_level = SOL_SOCKET;
			h->cmsg_type = SCM_RIGHTS;
			h->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(h), &fd, sizeof(int));
		}
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((r = wait_fd(c, POLLOUT, deadline, err)) != 0)
				return r;
			continue;
		}
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return fail(err, ZRTPC_E_CLOSED,
			    "the daemon closed the connection");
		return fail(err, ZRTPC_E_IO, "send: %s", strerror(errno));
	}
	return 0;
}

/* Read what the socket holds into buf, waiting until the deadline. */
static int
fill(struct zrtpc *c, long long deadline, struct zrtpc_error *err)
{
	ssize_t n;
	int r;

	for (;;) {
		n = read(c->fd, c->buf + c->len, ZRTPC_LINE_MAX - c->len);
		if (n > 0) {
			c->len += (size_t)n;
			return 0;
		}
		if (n == 0)
			return fail(err, ZRTPC_E_CLOSED,
			    "the daemon closed the connection");
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET)
			return fail(err, ZRTPC_E_CLOSED,
			    "the daemon closed the connection");
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return fail(err, ZRTPC_E_IO, "read: %s",
			    strerror(errno));
		if ((r = wait_fd(c, POLLIN, deadline, err)) != 0)
			return r;
	}
}

/*
 * The next line from the daemon as a JSON object. An over-long line is
 * dropped up to its newline and reported as a protocol error; the
 * connection stays usable.
 */
static int
next_message(struct zrtpc *c, long long deadline, json_t **out,
    struct zrtpc_error *err)
{
	json_error_t je;
	char *nl;
	size_t n;
	int r;

	*out = NULL;
	for (;;) {
		nl = memchr(c->buf + c->scanned, '\n', c->len - c->scanned);
		if (nl != NULL)
			break;
		c->scanned = c->len;
		if (c->len == ZRTPC_LINE_MAX) {
			c->skipping = 1;
			c->len = c->scanned = 0;
		}
		if ((r = fill(c, deadline, err)) != 0)
			return r;
	}
	n = (size_t)(nl - c->buf);
	if (c->skipping) {
		c->skipping = 0;
		r = fail(err, ZRTPC_E_PROTOCOL,
		    "the daemon sent a line longer than %d bytes",
		    ZRTPC_LINE_MAX);
	} else {
		*out = json_loadb(c->buf, n, JSON_REJECT_DUPLICATES, &je);
		if (*out == NULL)
			r = fail(err, ZRTPC_E_PROTOCOL,
			    "the daemon sent invalid JSON: %s", je.text);
		else if (!json_is_object(*out)) {
			json_decref(*out);
			*out = NULL;
			r = fail(err, ZRTPC_E_PROTOCOL,
			    "the daemon sent JSON that is not an object");
		} else
			r = 0;
	}
	memmove(c->buf, nl + 1, c->len - n - 1);
	c->len -= n + 1;
	c->scanned = 0;
	return r;
}

/* An event: "event" a string, "seq" a positive integer. Queued. */
static int
queue_event(struct zrtpc *c, json_t *ev, struct zrtpc_error *err)
{
	json_t *seq = json_object_get(ev, "seq");

	if (!json_is_string(json_object_get(ev, "event")) ||
	    !json_is_integer(seq) || json_integer_value(seq) < 1) {
		json_decref(ev);
		return fail(err, ZRTPC_E_PROTOCOL,
		    "the daemon sent an event without event or seq");
	}
	if (c->last_seq != 0 && json_integer_value(seq) != c->last_seq + 1)
		c->lost = 1;
	c->last_seq = json_integer_value(seq);
	if (c->q_count == ZRTPC_EVENT_QUEUE_MAX) {
		c->lost = 1;
		json_decref(ev);
		return 0;
	}
	c->queue[(c->q_head + c->q_count) % ZRTPC_EVENT_QUEUE_MAX] = ev;
	c->q_count++;
	return 0;
}

/* A reply's outcome: its result, or the daemon's error. Takes msg. */
static int
take_reply(json_t *msg, json_t **result, struct zrtpc_error *err)
{
	json_t *ok = json_object_get(msg, "ok");
	json_t *res = json_object_get(msg, "result");
	json_t *e = json_object_get(msg, "error");
	json_t *code, *text;
	int r = 0;

	if (json_is_true(ok) && res != NULL) {
		*result = json_incref(res);
	} else if (json_is_false(ok) && json_is_object(e) &&
	    json_is_string(code = json_object_get(e, "code")) &&
	    json_is_string(text = json_object_get(e, "message")) &&
	    json_string_length(code) < sizeof(err->code)) {
		r = ZRTPC_E_DAEMON;
		if (err != NULL) {
			snprintf(err->code, sizeof(err->code), "%s",
			    json_string_value(code));
			snprintf(err->message, sizeof(err->message), "%s",
			    json_string_value(text));
		}
	} else
		r = fail(err, ZRTPC_E_PROTOCOL,
		    "the daemon sent a reply without ok and result or error");
	json_decref(msg);
	return r;
}

/*
 * Read until the reply to request id: events are queued, replies to
 * earlier requests that timed out are dropped. Replies come in order, so
 * a reply with "id": null (the daemon could not read ours) is ours too.
 */
static int
wait_reply(struct zrtpc *c, json_int_t id, long long deadline,
    json_t **result, struct zrtpc_error *err)
{
	json_t *msg, *rid;
	int r;

	for (;;) {
		if ((r = next_message(c, deadline, &msg, err)) != 0)
			return r;
		if (json_object_get(msg, "event") != NULL) {
			if ((r = queue_event(c, msg, err)) != 0)
				return r;
			continue;
		}
		rid = json_object_get(msg, "id");
		if (json_is_integer(rid) && json_integer_value(rid) < id &&
		    json_integer_value(rid) > 0) {
			json_decref(msg);
			continue;
		}
		if (json_is_null(rid) || (json_is_integer(rid) &&
		    json_integer_value(rid) == id))
			return take_reply(msg, result, err);
		json_decref(msg);
		return fail(err, ZRTPC_E_PROTOCOL,
		    "the daemon answered a request that was not sent");
	}
}

static int
request(struct zrtpc *c, const char *cmd, json_t *args, int fd,
    long long deadline, json_t **result, struct zrtpc_error *err)
{
	json_t *req = NULL;
	char *line = NULL;
	size_t len;
	json_int_t id;
	int r;

	*result = NULL;
	if (c == NULL || cmd == NULL || (args != NULL && (!json_is_object(args)
	    || json_object_get(args, "id") != NULL ||
	    json_object_get(args, "cmd") != NULL)))
		return fail(err, ZRTPC_E_INVALID,
		    "arguments must be an object without id or cmd");
	id = c->next_id++;
	if ((req = json_pack("{sIss}", "id", id, "cmd", cmd)) == NULL ||
	    (args != NULL && json_object_update(req, args) != 0) ||
	    (line = json_dumps(req, JSON_COMPACT)) == NULL) {
		r = fail(err, ZRTPC_E_NOMEM, "out of memory");
		goto out;
	}
	len = strlen(line);
	if (len >= ZRTPC_REQUEST_MAX) {
		r = fail(err, ZRTPC_E_INVALID,
		    "request longer than %d bytes", ZRTPC_REQUEST_MAX);
		goto out;
	}
	line[len] = '\n';	/* json_dumps leaves room: replace the NUL */
	if ((r = send_line(c, line, len + 1, fd, deadline, err)) != 0)
		goto out;
	r = wait_reply(c, id, deadline, result, err);
out:
	free(line);
	json_decref(req);
	return r;
}

int
zrtpc_request(struct zrtpc *c, const char *cmd, json_t *args,
    int timeout_ms, json_t **result, struct zrtpc_error *err)
{
	return request(c, cmd, args, -1, deadline_of(timeout_ms), result,
	    err);
}

int
zrtpc_request_fd(struct zrtpc *c, const char *cmd, json_t *args, int fd,
    int timeout_ms, json_t **result, struct zrtpc_error *err)
{
	if (fd < 0) {
		*result = NULL;
		return fail(err, ZRTPC_E_INVALID, "no descriptor to pass");
	}
	return request(c, cmd, args, fd, deadline_of(timeout_ms), result,
	    err);
}

/* Copy a hello field that must be a string of at most len - 1 bytes. */
static int
hello_field(json_t *res, const char *key, char *out, size_t len)
{
	json_t *v = json_object_get(res, key);

	if (!json_is_string(v) || json_string_length(v) >= len ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return -1;
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int
hello(struct zrtpc *c, const char *client, long long deadline,
    struct zrtpc_error *err)
{
	json_t *args, *res = NULL, *v;
	int r;

	args = json_pack("{s[i]}", "versions", ZRTPC_PROTOCOL_VERSION);
	if (args == NULL || (client != NULL && json_object_set_new(args,
	    "client", json_string(client)) != 0)) {
		json_decref(args);
		return fail(err, ZRTPC_E_NOMEM, "out of memory");
	}
	r = request(c, "hello", args, -1, deadline, &res, err);
	json_decref(args);
	if (r == ZRTPC_E_DAEMON && err != NULL &&
	    strcmp(err->code, "bad_version") == 0)
		r = ZRTPC_E_VERSION;
	if (r != 0)
		return r;
	v = json_object_get(res, "version");
	if (!json_is_object(res) || !json_is_integer(v) ||
	    json_integer_value(v) != ZRTPC_PROTOCOL_VERSION ||
	    hello_field(res, "daemon", c->daemon, sizeof(c->daemon)) != 0 ||
	    hello_field(res, "zid", c->zid, sizeof(c->zid)) != 0 ||
	    hello_field(res, "access", c->access, sizeof(c->access)) != 0)
		r = fail(err, ZRTPC_E_PROTOCOL,
		    "the daemon's hello reply lacks version, daemon, zid or "
		    "access");
	else
		c->version = ZRTPC_PROTOCOL_VERSION;
	json_decref(res);
	return r;
}

int
zrtpc_open(const char *path, const char *client, int timeout_ms,
    struct zrtpc **out, struct zrtpc_error *err)
{
	long long deadline = deadline_of(timeout_ms);
	struct zrtpc *c;
	int r;

	*out = NULL;
	path = zrtpc_socket_path(path);
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->buf = malloc(ZRTPC_LINE_MAX)) == NULL) {
		free(c);
		return fail(err, ZRTPC_E_NOMEM, "out of memory");
	}
	c->fd = -1;
	c->next_id = 1;
	if ((r = connect_socket(c, path, deadline, err)) != 0 ||
	    (r = hello(c, client, deadline, err)) != 0) {
		zrtpc_close(c);
		return r;
	}
	*out = c;
	return 0;
}

void
zrtpc_close(struct zrtpc *c)
{
	if (c == NULL)
		return;
	while (c->q_count > 0) {
		json_decref(c->queue[c->q_head]);
		c->q_head = (c->q_head + 1) % ZRTPC_EVENT_QUEUE_MAX;
		c->q_count--;
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}

int
zrtpc_event(struct zrtpc *c, int timeout_ms, json_t **event,
    struct zrtpc_error *err)
{
	long long deadline = deadline_of(timeout_ms);
	json_t *msg;
	int r;

	*event = NULL;
	if (c->lost) {
		c->lost = 0;
		return fail(err, ZRTPC_E_OVERFLOW,
		    "events were lost (the queue was full or seq jumped)");
	}
	while (c->q_count == 0) {
		if ((r = next_message(c, deadline, &msg, err)) != 0)
			return r;
		if (json_object_get(msg, "event") == NULL) {
			json_decref(msg);
			return fail(err, ZRTPC_E_PROTOCOL,
			    "the daemon sent a reply to no request");
		}
		if ((r = queue_event(c, msg, err)) != 0)
			return r;
	}
	if (c->lost) {
		c->lost = 0;
		return fail(err, ZRTPC_E_OVERFLOW,
		    "events were lost (the queue was full or seq jumped)");
	}
	*event = c->queue[c->q_head];
	c->q_head = (c->q_head + 1) % ZRTPC_EVENT_QUEUE_MAX;
	c->q_count--;
	return 0;
}

size_t
zrtpc_events_pending(const struct zrtpc *c)
{
	return c->q_count;
}

int
zrtpc_version(const struct zrtpc *c)
{
	return c->version;
}

const char *
zrtpc_daemon(const struct zrtpc *c)
{
	return c->daemon;
}

const char *
zrtpc_zid(const struct zrtpc *c)
{
	return c->zid;
}

const char *
zrtpc_access(const struct zrtpc *c)
{
	return c->access;
}

int
zrtpc_fd(const struct zrtpc *c)
{
	return c->fd;
}
