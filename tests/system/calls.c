/*
 * Many calls between two zrtpd daemons through their control sockets
 * (calls.h). Waits are on events and datagrams with poll(), bounded by
 * deadlines; nothing here sleeps to wait.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calls.h"

#define LC_TIMEOUT_MS	10000	/* one control request, unless l->timeout_ms */
#define LC_TMO(l)	((l)->timeout_ms > 0 ? (l)->timeout_ms : LC_TIMEOUT_MS)
#define LC_SSRC_BASE	0x10000000u

static int
lc_fail(struct lc *l, const char *what, const struct zrtpc_error *e)
{
	snprintf(l->err, sizeof(l->err), "%s: %s (%s)", what,
	    e != NULL ? e->message : "", e != NULL ? e->code : "");
	return -1;
}

uint64_t
lc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
lc_udp(struct lc *l, int s)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, on = 1, sz = 4 << 20;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return -1;
	/* Root may pass rmem_max; others get it, which is enough. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		close(fd);
		return -1;
	}
	l->udp[s] = fd;
	l->udp_port[s] = ntohs(sin.sin_port);
	return 0;
}

int
lc_open(struct lc *l, const char *sock0, const char *sock1, size_t ncalls)
{
	const char *path[2] = { sock0, sock1 };
	struct zrtpc_error e;
	json_t *a, *res;
	int s;

	memset(l, 0, sizeof(*l));
	l->udp[0] = l->udp[1] = -1;
	if ((l->call = calloc(ncalls, sizeof(*l->call))) == NULL)
		return lc_fail(l, "out of memory", NULL);
	l->ncalls = ncalls;
	for (s = 0; s < 2; s++) {
		if (zrtpc_open(path[s], "calls", LC_TIMEOUT_MS, &l->c[s],
		    &e) != 0)
			return lc_fail(l, path[s], &e);
		a = json_pack("{s:[ssss]}", "events", "secure", "failed",
		    "closed", "sas_ready");
		if (zrtpc_request(l->c[s], "subscribe", a, LC_TIMEOUT_MS, &res,
		    &e) != 0) {
			json_decref(a);
			return lc_fail(l, "subscribe", &e);
		}
		json_decref(a);
		json_decref(res);
		if (lc_udp(l, s) != 0)
			return lc_fail(l, "udp socket", NULL);
	}
	return 0;
}

void
lc_close(struct lc *l)
{
	int s;

	for (s = 0; s < 2; s++) {
		zrtpc_close(l->c[s]);
		if (l->udp[s] >= 0)
			close(l->udp[s]);
		free(l->by_sid[s]);
		free(l->by_port[s]);
	}
	free(l->call);
	free(l->delay);
	memset(l, 0, sizeof(*l));
}

static const char *
lc_host(const char *h)
{
	return h != NULL ? h : "127.0.0.1";
}

/* "s123" -> 123, 0 if not a session id. */
static size_t
lc_sid_num(const char *sid)
{
	return sid != NULL && sid[0] == 's' ? strtoul(sid + 1, NULL, 10) : 0;
}

static int
lc_map(struct lc *l, int s, const char *sid, size_t i)
{
	size_t n = lc_sid_num(sid), cap, *p;

	if (n == 0)
		return -1;
	if (n >= l->nby[s]) {
		cap = (n + 1) * 2;
		if ((p = realloc(l->by_sid[s], cap * sizeof(*p))) == NULL)
			return -1;
		memset(p + l->nby[s], 0, (cap - l->nby[s]) * sizeof(*p));
		l->by_sid[s] = p;
		l->nby[s] = cap;
	}
	l->by_sid[s][n] = i + 1;
	return 0;
}

/* Keys mode: which call a datagram from daemon s's app port is. */
static int
lc_map_port(struct lc *l, int s, int port, size_t i)
{
	if (port <= 0 || port > 65535)
		return -1;
	if (l->by_port[s] == NULL &&
	    (l->by_port[s] = calloc(65536, sizeof(size_t))) == NULL)
		return -1;
	l->by_port[s][port] = i + 1;
	return 0;
}

static struct lc_call *
lc_find(struct lc *l, int s, const char *sid)
{
	size_t n = lc_sid_num(sid);

	if (n == 0 || n >= l->nby[s] || l->by_sid[s][n] == 0)
		return NULL;
	return &l->call[l->by_sid[s][n] - 1];
}

static int
lc_port(json_t *res, const char *which)
{
	return (int)json_integer_value(json_object_get(json_object_get(res,
	    which), "port"));
}

int
lc_create(struct lc *l, size_t i)
{
	struct lc_call *c = &l->call[i];
	struct zrtpc_error e;
	json_t *a, *res;
	int s, r;

	for (s = 0; s < 2; s++) {
		if (l->keys)
			a = json_pack("{s:s, s:s, s:i}", "mode", "keys",
			    "app_addr", "127.0.0.1", "app_port",
			    l->udp_port[s]);
		else
			a = json_pack("{s:s, s:s, s:i}", "bind_addr",
			    lc_host(l->media_host[s]), "app_addr", "127.0.0.1",
			    "app_port", l->udp_port[s]);
		if (l->kex != NULL)
			json_object_set_new(a, "algorithms",
			    json_pack("{s:[s]}", "kex", l->kex));
		r = zrtpc_request(l->c[s], "session_create", a, LC_TMO(l),
		    &res, &e);
		json_decref(a);
		if (r != 0)
			return lc_fail(l, "session_create", &e);
		snprintf(c->sid[s], sizeof(c->sid[s]), "%s", json_string_value(
		    json_object_get(res, "session")));
		snprintf(c->hash[s], sizeof(c->hash[s]), "%s",
		    json_string_value(json_object_get(res, "zrtp_hash")));
		c->media_port[s] = lc_port(res, "media");
		c->app_port[s] = lc_port(res, "app");
		json_decref(res);
		if (lc_map(l, s, c->sid[s], i) != 0 || (l->keys &&
		    lc_map_port(l, s, c->app_port[s], i) != 0))
			return lc_fail(l, "session id or app port", NULL);
		c->st[s] = LC_CREATED;
	}
	return 0;
}

int
lc_start(struct lc *l, size_t i)
{
	struct lc_call *c = &l->call[i];
	struct zrtpc_error e;
	json_t *a, *res;
	int s, r;

	for (s = 0; s < 2; s++) {
		if (l->keys)
			a = json_pack("{s:s, s:s}", "session", c->sid[s],
			    "peer_hash", c->hash[1 - s]);
		else
			a = json_pack("{s:s, s:s, s:i, s:s}", "session",
			    c->sid[s], "remote_addr",
			    lc_host(l->media_host[1 - s]), "remote_port",
			    c->media_port[1 - s], "peer_hash", c->hash[1 - s]);
		r = zrtpc_request(l->c[s], "session_start", a, LC_TMO(l),
		    &res, &e);
		json_decref(a);
		if (r != 0)
			return lc_fail(l, "session_start", &e);
		json_decref(res);
		if (c->st[s] == LC_CREATED)
			c->st[s] = LC_STARTED;
	}
	return 0;
}

int
lc_hangup(struct lc *l, size_t i)
{
	struct lc_call *c = &l->call[i];
	struct zrtpc_error e;
	json_t *a, *res;
	int s, r;

	for (s = 0; s < 2; s++) {
		a = json_pack("{s:s}", "session", c->sid[s]);
		r = zrtpc_request(l->c[s], "session_close", a, LC_TMO(l),
		    &res, &e);
		json_decref(a);
		if (r != 0)
			return lc_fail(l, "session_close", &e);
		json_decref(res);
		if (c->st[0] == LC_SECURE && c->st[1] == LC_SECURE)
			l->nsecure--;
		c->st[s] = LC_CLOSED;
	}
	return 0;
}

/* Keys mode: the suite and both directions of a secure event. */
static void
lc_keys_take(struct lc_call *c, int s, json_t *ev)
{
	static const char *const dir[2] = { "tx", "rx" };
	json_t *k = json_object_get(ev, "keys"), *d;
	const char *suite = json_string_value(json_object_get(k, "suite"));
	const char *key, *salt;
	int i;

	snprintf(c->suite[s], sizeof(c->suite[s]), "%s", suite != NULL ?
	    suite : "");
	for (i = 0; i < 2; i++) {
		d = json_object_get(k, dir[i]);
		key = json_string_value(json_object_get(d, "key"));
		salt = json_string_value(json_object_get(d, "salt"));
		snprintf(c->keys[s][i], sizeof(c->keys[s][i]), "%s/%s",
		    key != NULL ? key : "", salt != NULL ? salt : "");
	}
}

/* "key/salt": a 128- or 256-bit key and a 112-bit salt, in hex. */
static int
lc_keys_wellformed(const char *ks)
{
	size_t k = strcspn(ks, "/");

	return (k == 32 || k == 64) && ks[k] == '/' &&
	    strlen(ks + k + 1) == 28 &&
	    strspn(ks, "0123456789abcdef") == k &&
	    strspn(ks + k + 1, "0123456789abcdef") == 28;
}

/* Both ends secure: what A encrypts with B decrypts with, and back. */
static void
lc_keys_check(struct lc *l, struct lc_call *c)
{
	const char *why = NULL;
	int s, d;

	for (s = 0; s < 2 && why == NULL; s++)
		for (d = 0; d < 2 && why == NULL; d++)
			if (!lc_keys_wellformed(c->keys[s][d]))
				why = "a secure event without well-formed keys "
				    "(keys access needed)";
	if (why == NULL && (c->suite[0][0] == '\0' ||
	    strcmp(c->suite[0], c->suite[1]) != 0))
		why = "the two ends' suites differ";
	else if (why == NULL && (strcmp(c->keys[0][0], c->keys[1][1]) != 0 ||
	    strcmp(c->keys[0][1], c->keys[1][0]) != 0))
		why = "A's tx is not B's rx, or B's tx is not A's rx";
	else if (why == NULL && strcmp(c->keys[0][0], c->keys[0][1]) == 0)
		why = "both directions have the same key";
	explicit_bzero(c->keys, sizeof(c->keys));
	if (why == NULL) {
		l->keys_ok++;
		return;
	}
	l->keys_bad++;
	snprintf(c->failure, sizeof(c->failure), "keys: %s", why);
}

static void
lc_event(struct lc *l, int s, json_t *ev)
{
	const char *name = json_string_value(json_object_get(ev, "event"));
	const char *cache;
	struct lc_call *c;

	c = lc_find(l, s, json_string_value(json_object_get(ev, "session")));
	if (name == NULL || c == NULL || c->st[s] == LC_CLOSED)
		return;
	if (strcmp(name, "sas_ready") == 0) {
		cache = json_string_value(json_object_get(ev, "cache"));
		snprintf(c->cache[s], sizeof(c->cache[s]), "%s",
		    cache != NULL ? cache : "?");
		if (strcmp(c->cache[s], "mismatch") == 0)
			l->nmismatch++;
		return;
	}
	if (strcmp(name, "secure") == 0 && c->st[s] != LC_SECURE) {
		c->st[s] = LC_SECURE;
		if (l->keys)
			lc_keys_take(c, s, ev);
		if (c->st[1 - s] == LC_SECURE) {
			l->nsecure++;
			if (l->keys)
				lc_keys_check(l, c);
		}
	} else if (strcmp(name, "failed") == 0 ||
	    strcmp(name, "closed") == 0) {
		if (c->st[0] == LC_SECURE && c->st[1] == LC_SECURE)
			l->nsecure--;
		if (c->st[s] != LC_FAILED && c->st[1 - s] != LC_FAILED)
			l->nfailed++;
		c->st[s] = LC_FAILED;
		snprintf(c->failure, sizeof(c->failure), "daemon %d: %s %s", s,
		    name, json_string_value(json_object_get(ev, "message")) ?
		    json_string_value(json_object_get(ev, "message")) :
		    json_string_value(json_object_get(ev, "reason")));
	}
}

static int
lc_events(struct lc *l, int *got)
{
	struct zrtpc_error e;
	json_t *ev;
	int s, r;

	for (s = 0; s < 2; s++) {
		while ((r = zrtpc_event(l->c[s], 0, &ev, &e)) == 0) {
			lc_event(l, s, ev);
			json_decref(ev);
			(*got)++;
		}
		if (r != ZRTPC_E_TIMEOUT)
			return lc_fail(l, "events", &e);
	}
	return 0;
}

static void
lc_fill(uint8_t *f, size_t i, int s, uint16_t seq)
{
	uint32_t ssrc = LC_SSRC_BASE | (uint32_t)(i << 1) | (uint32_t)s;
	size_t k;

	f[0] = 0x80;
	f[1] = 0;	/* PCMU */
	f[2] = seq >> 8;
	f[3] = seq & 0xff;
	memset(f + 4, 0, 4);
	f[8] = ssrc >> 24;
	f[9] = (ssrc >> 16) & 0xff;
	f[10] = (ssrc >> 8) & 0xff;
	f[11] = ssrc & 0xff;
	for (k = 20; k < LC_FRAME; k++)
		f[k] = (uint8_t)(i * 31 + seq * 7 + (size_t)s * 101 + k);
}

int
lc_send(struct lc *l, size_t i, int s)
{
	struct lc_call *c = &l->call[i];
	struct sockaddr_in to;
	uint8_t f[LC_FRAME];
	uint64_t t;
	int k;

	lc_fill(f, i, s, c->seq[s]);
	t = lc_now_ns();
	for (k = 0; k < 8; k++)
		f[12 + k] = (uint8_t)(t >> (56 - 8 * k));
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	inet_pton(AF_INET, lc_host(l->app_host[s]), &to.sin_addr);
	to.sin_port = htons((uint16_t)c->app_port[s]);
	if (sendto(l->udp[s], f, sizeof(f), 0, (struct sockaddr *)&to,
	    sizeof(to)) != (ssize_t)sizeof(f))
		return -1;
	c->seq[s]++;
	c->sent[s]++;
	return 0;
}

static void
lc_delay(struct lc *l, const uint8_t *f, const struct timespec *ts)
{
	uint64_t sent = 0, at;
	int64_t *p;
	int k;

	if (l->delay_cap == 0 || ts == NULL)
		return;
	for (k = 0; k < 8; k++)
		sent = sent << 8 | f[12 + k];
	at = (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
	if (l->ndelay == l->delay_cap) {
		if ((p = realloc(l->delay, 2 * l->delay_cap *
		    sizeof(*p))) == NULL)
			return;
		l->delay = p;
		l->delay_cap *= 2;
	}
	l->delay[l->ndelay++] = (int64_t)(at - sent);
}

/*
 * Keys mode: a ZRTP packet that daemon r's session sent its application
 * (us), to its call's session on the other daemon. A full socket buffer
 * drops it, as a network may: ZRTP retransmits.
 */
static void
lc_forward(struct lc *l, int r, const uint8_t *p, ssize_t n,
    const struct sockaddr_in *from)
{
	unsigned port = ntohs(from->sin_port);
	struct sockaddr_in to;
	size_t i;

	if (l->by_port[r] == NULL || l->by_port[r][port] == 0) {
		l->frames_bad++;
		return;
	}
	i = l->by_port[r][port] - 1;
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	inet_pton(AF_INET, lc_host(l->app_host[1 - r]), &to.sin_addr);
	to.sin_port = htons((uint16_t)l->call[i].app_port[1 - r]);
	(void)sendto(l->udp[1 - r], p, (size_t)n, 0, (struct sockaddr *)&to,
	    sizeof(to));
	l->zrtp_fwd++;
}

/* A frame side r's application received: from the other side, whole. */
static void
lc_frame(struct lc *l, int r, const uint8_t *f, ssize_t n,
    const struct sockaddr_in *from, const struct timespec *ts)
{
	uint8_t want[LC_FRAME];
	uint32_t ssrc;
	size_t i;
	uint16_t seq;

	l->frames_rx++;
	if (n != LC_FRAME) {
		l->frames_bad++;
		return;
	}
	ssrc = (uint32_t)f[8] << 24 | (uint32_t)f[9] << 16 |
	    (uint32_t)f[10] << 8 | f[11];
	i = (ssrc & ~LC_SSRC_BASE) >> 1;
	if ((ssrc & LC_SSRC_BASE) == 0 || i >= l->ncalls ||
	    (int)(ssrc & 1) != 1 - r) {
		l->frames_bad++;
		return;
	}
	seq = (uint16_t)(f[2] << 8 | f[3]);
	lc_fill(want, i, 1 - r, seq);
	/* It must come out of this call's session, from its app port. */
	if (memcmp(want + 20, f + 20, LC_FRAME - 20) != 0 ||
	    memcmp(want, f, 12) != 0 ||
	    ntohs(from->sin_port) != l->call[i].app_port[r]) {
		l->call[i].bad++;
		l->frames_bad++;
		return;
	}
	l->call[i].rx[r]++;
	lc_delay(l, f, ts);
}

static int
lc_frames(struct lc *l, int r, int *got)
{
	uint8_t f[2048];	/* a frame, or (keys mode) a ZRTP packet */
	char cbuf[CMSG_SPACE(sizeof(struct timespec))];
	struct sockaddr_in from;
	struct iovec iov = { f, sizeof(f) };
	struct msghdr m;
	struct cmsghdr *cm;
	const struct timespec *ts;
	ssize_t n;

	for (;;) {
		memset(&m, 0, sizeof(m));
		m.msg_name = &from;
		m.msg_namelen = sizeof(from);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		if ((n = recvmsg(l->udp[r], &m, 0)) < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		ts = NULL;
		for (cm = CMSG_FIRSTHDR(&m); cm != NULL;
		    cm = CMSG_NXTHDR(&m, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_TIMESTAMPNS)
				ts = (const struct timespec *)
				    (const void *)CMSG_DATA(cm);
		if (l->keys)
			lc_forward(l, r, f, n, &from);
		else
			lc_frame(l, r, f, n, &from, ts);
		(*got)++;
	}
}

int
lc_pump(struct lc *l, int timeout_ms)
{
	struct pollfd pfd[4];
	int got = 0, s;

	if (lc_events(l, &got) != 0 || lc_frames(l, 0, &got) != 0 ||
	    lc_frames(l, 1, &got) != 0)
		return -1;
	if (got > 0 || timeout_ms == 0)
		return 0;
	for (s = 0; s < 2; s++) {
		pfd[s].fd = zrtpc_fd(l->c[s]);
		pfd[2 + s].fd = l->udp[s];
		pfd[s].events = pfd[2 + s].events = POLLIN;
	}
	if (poll(pfd, 4, timeout_ms) < 0 && errno != EINTR)
		return lc_fail(l, "poll", NULL);
	return lc_events(l, &got) != 0 || lc_frames(l, 0, &got) != 0 ||
	    lc_frames(l, 1, &got) != 0 ? -1 : 0;
}

static uint64_t
lc_ms(void)
{
	return lc_now_ns() / 1000000;
}

int
lc_wait_secure(struct lc *l, size_t from, size_t to, int timeout_ms)
{
	uint64_t end = lc_ms() + (uint64_t)timeout_ms;
	size_t i, left;

	for (;;) {
		for (left = 0, i = from; i < to; i++)
			if (l->call[i].st[0] != LC_FAILED &&
			    l->call[i].st[1] != LC_FAILED &&
			    (l->call[i].st[0] != LC_SECURE ||
			    l->call[i].st[1] != LC_SECURE))
				left++;
		if (left == 0)
			return 0;
		if (lc_ms() >= end) {
			snprintf(l->err, sizeof(l->err), "%zu of %zu calls not "
			    "secure after %d ms", left, to - from, timeout_ms);
			return -1;
		}
		if (lc_pump(l, 100) != 0)
			return -1;
	}
}

static uint64_t
lc_in_flight(const struct lc *l, size_t from, size_t to, size_t *missing)
{
	uint64_t f = 0;
	size_t i;
	int s;

	*missing = 0;
	for (i = from; i < to; i++)
		for (s = 0; s < 2; s++)
			if (l->call[i].sent[s] > l->call[i].rx[1 - s]) {
				f += l->call[i].sent[s] - l->call[i].rx[1 - s];
				(*missing)++;
			}
	return f;
}

int
lc_media(struct lc *l, size_t from, size_t to, unsigned n, unsigned window,
    int timeout_ms)
{
	uint64_t end = lc_ms() + (uint64_t)timeout_ms, inflight = 0;
	uint64_t total = (uint64_t)(to - from) * 2 * n, sent = 0;
	size_t i = from, missing;
	int s = 0;

	while (sent < total || inflight > 0) {
		while (sent < total && inflight < window) {
			if (lc_send(l, i, s) != 0)
				return lc_fail(l, "send", NULL);
			sent++;
			inflight++;
			if ((s = !s) == 0 && ++i == to)
				i = from;
		}
		if (lc_pump(l, sent < total && inflight < window ? 0 : 100) != 0)
			return -1;
		inflight = lc_in_flight(l, from, to, &missing);
		if (lc_ms() >= end) {
			snprintf(l->err, sizeof(l->err), "%llu of %llu frames "
			    "missing in %zu directions after %d ms",
			    (unsigned long long)inflight,
			    (unsigned long long)total, missing, timeout_ms);
			return -1;
		}
	}
	return 0;
}
