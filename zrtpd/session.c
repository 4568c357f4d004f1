/*
 * One media stream's life: its sockets (media UDP facing the remote, a
 * loopback UDP port facing the application), the RFC 7983 demux of what
 * arrives, start and close. Engine actions are session_zrtp.c, media is
 * relay.c. No protocol decision is taken here: ZRTP bytes go to proto/.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "algo.h"
#include "call.h"
#include "events.h"
#include "log.h"
#include "packet.h"
#include "session.h"
#include "zcrypto.h"

#define ZD_DGRAM_MAX	2048	/* larger datagrams are not media */
#define ZD_BURST	32	/* datagrams read per wake-up, for fairness */

static const char *const zd_state_names[ZD_ST_COUNT_] = {
	[ZD_ST_NOT_SECURE] = "not_secure",
	[ZD_ST_GOING_SECURE] = "going_secure",
	[ZD_ST_SECURE] = "secure_unverified",
	[ZD_ST_VERIFIED] = "secure_verified",
	[ZD_ST_CACHE_MISMATCH] = "cache_mismatch",
	[ZD_ST_SAS_MISMATCH] = "sas_mismatch",
};

const char *
zd_state_name(enum zd_state st)
{
	return st < ZD_ST_COUNT_ ? zd_state_names[st] : "?";
}

static int
zd_port_of(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6 ?
	    ((const struct sockaddr_in6 *)ss)->sin6_port :
	    ((const struct sockaddr_in *)ss)->sin_port);
}

static void
zd_set_port(struct sockaddr_storage *ss, unsigned port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
}

/* A numeric address without port into ss (port 0). */
static int
zd_addr_parse(const char *host, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints, *ai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, "0", &hints, &ai) != 0)
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int
zd_udp_bind(struct sockaddr_storage *ss, socklen_t len)
{
	int fd;

	if ((fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)ss, len) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The media socket: the caller's address and port, or the configured
 * address, with a port from the configured range (the next free one after
 * the last handed out), or one the kernel picks.
 */
static int
zd_media_open(struct zd_session *s, const struct zd_session_params *p,
    char *err, size_t err_len)
{
	struct zd_config *c = &s->d->cfg;
	unsigned span, i, port, first;

	if (p->bind.ss_family != 0) {
		s->media_addr = p->bind;
		s->media_len = p->bind_len;
	} else if (zd_addr_parse(c->media_address, &s->media_addr,
	    &s->media_len) != 0) {
		snprintf(err, err_len, "media-address is not an address");
		return -1;
	}
	if (zd_port_of(&s->media_addr) != 0 || c->port_min == 0) {
		s->media_fd = zd_udp_bind(&s->media_addr, s->media_len);
	} else {
		/* Even ports, RTP's custom (RFC 3550 §11). */
		first = (c->port_min + 1) & ~1u;
		span = first > c->port_max ? 0 : (c->port_max - first) / 2 + 1;
		for (i = 0; i < span && s->media_fd < 0; i++) {
			port = first + 2 * (s->d->next_port++ % span);
			zd_set_port(&s->media_addr, port);
			s->media_fd = zd_udp_bind(&s->media_addr, s->media_len);
		}
	}
	if (s->media_fd < 0) {
		snprintf(err, err_len, "cannot bind the media socket: %s",
		    c->port_min != 0 && zd_port_of(&p->bind) == 0 ?
		    "the media_ports range is exhausted" : strerror(errno));
		return -1;
	}
	s->media_len = sizeof(s->media_addr);
	getsockname(s->media_fd, (struct sockaddr *)&s->media_addr,
	    &s->media_len);
	return 0;
}

static int
zd_app_open(struct zd_session *s, char *err, size_t err_len)
{
	if (zd_addr_parse(s->d->cfg.app_address, &s->app_local,
	    &s->app_local_len) != 0 ||
	    (s->app_fd = zd_udp_bind(&s->app_local, s->app_local_len)) < 0) {
		snprintf(err, err_len, "cannot bind the application port: %s",
		    strerror(errno));
		return -1;
	}
	s->app_local_len = sizeof(s->app_local);
	getsockname(s->app_fd, (struct sockaddr *)&s->app_local,
	    &s->app_local_len);
	return 0;
}

static int
zd_same_addr(const struct sockaddr_storage *a, socklen_t alen,
    const struct sockaddr_storage *b, socklen_t blen)
{
	if (alen != blen || a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a,
		    *y = (const void *)b;

		/* Public addresses. */
		return x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a,
		    *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		    x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	return 0;
}

ssize_t
zd_session_send_wire(struct zd_session *s, const uint8_t *p, size_t len)
{
	if (s->mode == ZD_MODE_KEYS)
		return zd_session_send_app(s, p, len);
	if (!s->started || !s->have_remote)
		return -1;
	/* UDP: a full socket buffer drops the datagram, as the network may. */
	return sendto(s->media_fd, p, len, 0, (struct sockaddr *)&s->remote,
	    s->remote_len);
}

ssize_t
zd_session_send_app(struct zd_session *s, const uint8_t *p, size_t len)
{
	if (!s->have_app)
		return -1;
	return sendto(s->app_fd, p, len, 0, (struct sockaddr *)&s->app,
	    s->app_len);
}

/* A ZRTP packet for the engine, from the wire or (keys mode) the app. */
static void
zd_zrtp_in(struct zd_session *s, const uint8_t *p, size_t len)
{
	s->n.zrtp_in++;
	if (s->zs == NULL || !s->started || s->closing)
		return;
	/* Kept for the drain: a=zrtp-hash checks name the Hello seen. */
	s->rx_pkt = p;
	s->rx_len = len;
	zs_receive(s->zs, zd_now_ms(), p, len);
	zd_session_drain(s);
	s->rx_pkt = NULL;
	s->rx_len = 0;
}

/*
 * RFC 7983 §7: the first byte tells STUN [0..3], ZRTP [16..19], DTLS
 * [20..63], TURN channels [64..79] and RTP/RTCP [128..191] apart.
 */
static void
zd_demux_wire(struct zd_session *s, uint8_t *p, size_t len,
    const struct sockaddr_storage *from, socklen_t flen)
{
	int known = s->have_remote && zd_same_addr(from, flen, &s->remote,
	    s->remote_len);

	if (p[0] <= 3) {
		s->n.stun++;
	} else if (p[0] >= 16 && p[0] <= 19 && zpkt_is_zrtp(p, len)) {
		/* Latching: the engine judges ZRTP from anywhere. */
		if (known || s->latch)
			zd_zrtp_in(s, p, len);
		else
			s->n.foreign++;
	} else if (p[0] >= 20 && p[0] <= 63) {
		s->n.dtls++;
	} else if (p[0] >= 128 && p[0] <= 191) {
		if (!known && (!s->latch || !s->srtp_open)) {
			s->n.foreign++;
			return;
		}
		/* Latching moves the remote on authenticated SRTP only. */
		if (zd_relay_from_wire(s, p, len) && !known) {
			s->remote = *from;
			s->remote_len = flen;
			s->have_remote = s->latched = 1;
			zlog(LOG_INFO, "%s: remote latched to a new address",
			    s->id);
		}
	} else {
		s->n.other++;
	}
}

typedef void (*zd_dgram_fn)(struct zd_session *, uint8_t *buf, size_t len,
    size_t cap, const struct sockaddr_storage *from, socklen_t flen);

/*
 * At most ZD_BURST datagrams per wake-up, so one flooded socket cannot
 * starve the others; an empty or truncated one counts as "other".
 */
static void
zd_read_burst(struct zd_session *s, evutil_socket_t fd, zd_dgram_fn fn)
{
	uint8_t buf[ZD_DGRAM_MAX + SRTP_MAX_TRAILER_LEN];
	struct sockaddr_storage from;
	socklen_t flen;
	ssize_t n;
	int i;

	for (i = 0; i < ZD_BURST && !s->closing; i++) {
		flen = sizeof(from);
		n = recvfrom(fd, buf, ZD_DGRAM_MAX, MSG_TRUNC,
		    (struct sockaddr *)&from, &flen);
		if (n < 0)
			break;
		if (n == 0 || n > ZD_DGRAM_MAX) {
			s->n.other++;
			continue;
		}
		fn(s, buf, (size_t)n, sizeof(buf), &from, flen);
	}
}

static void
zd_wire_dgram(struct zd_session *s, uint8_t *buf, size_t len, size_t cap,
    const struct sockaddr_storage *from, socklen_t flen)
{
	(void)cap;
	zd_demux_wire(s, buf, len, from, flen);
}

static void
zd_media_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	zd_read_burst(arg, fd, zd_wire_dgram);
}

/*
 * The owner of the local UDP socket a datagram came from, from the kernel's
 * socket tables (/proc/net/udp and udp6: address words and port in hex,
 * then the uid): a socket bound to from's address and port, or to the
 * wildcard address (v4-mapped too) on that port. 0 and *uid if every such
 * socket has one owner; -1 if none, several owners, or no table to read.
 */
static int
zd_udp_owner(const struct sockaddr_storage *from, uid_t *uid)
{
	static const char *const tables[] = { "/proc/net/udp",
	    "/proc/net/udp6" };
	char line[512], addr[40], want4[9], mapped[33];
	unsigned port, want_port, u;
	int t, found = 0;
	FILE *f;

	if (from->ss_family != AF_INET)
		return -1;	/* ::1: give app_addr/app_port */
	snprintf(want4, sizeof(want4), "%08X", (unsigned)((const struct
	    sockaddr_in *)(const void *)from)->sin_addr.s_addr);
	/* ::ffff:a.b.c.d as udp6 prints it: three words, then the v4 one. */
	snprintf(mapped, sizeof(mapped), "0000000000000000%08X%s",
	    (unsigned)htonl(0x0000ffff), want4);
	want_port = (unsigned)zd_port_of(from);
	for (t = 0; t < 2; t++) {
		if ((f = fopen(tables[t], "re")) == NULL)
			return -1;
		while (fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, " %*u: %39[0-9A-F]:%x %*s %*s %*s %*s "
			    "%*s %u", addr, &port, &u) != 3 || port != want_port)
				continue;
			if (t == 0 ? strcmp(addr, want4) != 0 &&
			    strcmp(addr, "00000000") != 0 :
			    strcmp(addr, mapped) != 0 &&
			    strspn(addr, "0") != strlen(addr))
				continue;
			if (found && *uid != (uid_t)u) {
				fclose(f);
				return -1;
			}
			*uid = (uid_t)u;
			found = 1;
		}
		fclose(f);
	}
	return found ? 0 : -1;
}

/*
 * Learning the application's address from its first datagram: only from a
 * socket of the user whose connection created the session (or root), so
 * that another local user cannot be first and take the call's media.
 */
#define ZD_OWNER_CHECKS	200	/* table reads per second, daemon-wide */

static int
zd_app_sender_ok(struct zd_session *s, const struct sockaddr_storage *from)
{
	static uint64_t second;
	static unsigned checks;
	uid_t want = zd_conn_uid(s->owner), got;
	uint64_t now = zd_now_ms() / 1000;
	int quiet = s->n.foreign > 0;	/* one log line per session */

	/* A flood of strangers costs at most this many table reads. */
	if (now != second) {
		second = now;
		checks = 0;
	}
	if (checks++ >= ZD_OWNER_CHECKS)
		return 0;
	if (from->ss_family != AF_INET || zd_udp_owner(from, &got) != 0) {
		if (!quiet)
			zlog(LOG_WARNING, "%s: application port: the sender's "
			    "owner cannot be told; not learned (give app_addr "
			    "and app_port)", s->id);
		return 0;
	}
	if (got != want && got != 0) {
		if (!quiet)
			zlog(LOG_WARNING, "%s: application port: a datagram "
			    "from uid %ld, not the session's uid %ld: ignored",
			    s->id, (long)got, (long)want);
		return 0;
	}
	return 1;
}

/* The application's side: plain RTP/RTCP (relay) or ZRTP (keys mode). */
static void
zd_app_dgram(struct zd_session *s, uint8_t *buf, size_t len, size_t cap,
    const struct sockaddr_storage *from, socklen_t flen)
{
	/* The application is whoever sends first, unless named. */
	if (!s->have_app) {
		if (!zd_app_sender_ok(s, from)) {
			s->n.foreign++;
			return;
		}
		s->app = *from;
		s->app_len = flen;
		s->have_app = 1;
	} else if (!zd_same_addr(from, flen, &s->app, s->app_len)) {
		s->n.foreign++;
		return;
	}
	if (s->mode == ZD_MODE_KEYS) {
		if (zpkt_is_zrtp(buf, len))
			zd_zrtp_in(s, buf, len);
		else
			s->n.other++;
	} else if (buf[0] >= 128 && buf[0] <= 191)
		zd_relay_from_app(s, buf, len, cap);
	else
		s->n.other++;
}

static void
zd_app_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	zd_read_burst(arg, fd, zd_app_dgram);
}

static void
zd_timer_fired(evutil_socket_t fd, short what, void *arg)
{
	struct zd_session *s = arg;

	(void)fd;
	(void)what;
	if (s->zs == NULL || s->closing)
		return;
	zs_timer(s->zs, zd_now_ms());
	zd_session_drain(s);
}

static int
zd_session_events(struct zd_session *s)
{
	struct event_base *b = s->d->base;

	if ((s->app_ev = event_new(b, s->app_fd, EV_READ | EV_PERSIST,
	    zd_app_readable, s)) == NULL || event_add(s->app_ev, NULL) != 0 ||
	    (s->timer = evtimer_new(b, zd_timer_fired, s)) == NULL)
		return -1;
	if (s->media_fd >= 0 && ((s->media_ev = event_new(b, s->media_fd,
	    EV_READ | EV_PERSIST, zd_media_readable, s)) == NULL ||
	    event_add(s->media_ev, NULL) != 0))
		return -1;
	return 0;
}

static void
zd_session_free(struct zd_session *s)
{
	if (s->media_ev != NULL)
		event_free(s->media_ev);
	if (s->app_ev != NULL)
		event_free(s->app_ev);
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->end_timer != NULL)
		event_free(s->end_timer);
	if (s->media_fd >= 0)
		close(s->media_fd);
	if (s->app_fd >= 0)
		close(s->app_fd);
	zd_relay_close(s);
	zs_free(s->zs);
	zsecure_free(s->keys, sizeof(*s->keys));
	zwipe(&s->zcfg, sizeof(s->zcfg));
	free(s);
}

/* The session's lists, else the configured ones, else the engine's. */
static int
zd_session_engine_config(struct zd_session *s,
    const struct zd_session_params *p, char *err, size_t err_len)
{
	const struct zd_config *c = &s->d->cfg;
	const struct zd_algos *al;
	int k;

	zs_config_defaults(&s->zcfg);
	memcpy(s->zcfg.zid, s->d->zid, ZRTP_ZID_LEN);
	zrand_pool_take(s->d->pool, &s->zcfg.ssrc, sizeof(s->zcfg.ssrc));
	s->zcfg.role_pref = p->role;
	s->zcfg.cache_expiry = c->cache_expiry;
	s->zcfg.timers.handshake_ms = c->handshake_timeout * 1000;
	for (k = 0; k < ZALGO_KIND_COUNT; k++) {
		al = p->algos.count[k] != 0 ? &p->algos : &c->algos;
		if (al->count[k] == 0)
			continue;
		s->zcfg.count[k] = al->count[k];
		memcpy(s->zcfg.algo[k], al->algo[k], sizeof(s->zcfg.algo[k]));
	}
	return zalgo_complete(s->zcfg.count, s->zcfg.algo, 0, err,
	    err_len) == 0 ? 0 : -1;
}

static void
zd_random(void *arg, void *buf, size_t len)
{
	zrand_pool_take(arg, buf, len);
}

/* The engine exists from creation: its a=zrtp-hash goes into the SDP. */
static int
zd_session_engine_new(struct zd_session *s)
{
	struct zs_env env = { zd_random, s->d->pool };

	s->zcfg.call = zd_call_engine(s);
	if ((s->zs = zs_new(&s->zcfg, &env)) == NULL)
		return -1;
	snprintf(s->hello_hash, sizeof(s->hello_hash), "%s",
	    zs_hello_hash(s->zs));
	return 0;
}

/*
 * Our Hello goes out. A later stream of a call waits for the first to be
 * secure, so that it runs Multistream (engine.md); call.c starts it then.
 */
int
zd_session_engine_start(struct zd_session *s)
{
	if (s->engine_started || s->closing || s->zs == NULL)
		return 0;
	s->engine_started = 1;
	if (zs_start(s->zs, zd_now_ms()) != 0)
		return -1;
	zd_session_drain(s);
	return 0;
}

int
zd_session_create(struct zd *d, const struct zd_session_params *p,
    struct zd_session **out, const char **err_code, char *err,
    size_t err_len)
{
	struct zd_session *s;

	*err_code = "internal";
	if (d->nsessions >= d->cfg.max_sessions) {
		*err_code = "limit";
		snprintf(err, err_len, "session limit (%u) reached",
		    d->cfg.max_sessions);
		return -1;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	s->d = d;
	s->media_fd = s->app_fd = -1;
	s->mode = p->mode;
	s->policy = p->policy >= 0 ? (enum zd_policy)p->policy : d->cfg.policy;
	s->latch = d->cfg.latch;
	s->owner = p->owner;
	s->hash_state = "none";
	snprintf(s->label, sizeof(s->label), "%s", p->label != NULL ?
	    p->label : "");
	snprintf(s->id, sizeof(s->id), "s%llu",
	    (unsigned long long)++d->next_id);
	if (p->app.ss_family != 0) {
		s->app = p->app;
		s->app_len = p->app_len;
		s->have_app = 1;
	}
	if (zd_session_engine_config(s, p, err, err_len) != 0) {
		*err_code = "bad_request";
		goto fail;
	}
	if ((s->mode == ZD_MODE_RELAY && zd_media_open(s, p, err,
	    err_len) != 0) || zd_app_open(s, err, err_len) != 0) {
		*err_code = "bind";
		goto fail;
	}
	if (zd_session_events(s) != 0) {
		snprintf(err, err_len, "event loop refused the session");
		goto fail;
	}
	if (zd_call_join(s, p->call) != 0) {
		*err_code = "unknown_call";
		snprintf(err, err_len, "no call \"%s\"", p->call);
		goto fail;
	}
	if (zd_session_engine_new(s) != 0) {
		snprintf(err, err_len, "cannot create the ZRTP engine (out of "
		    "locked memory?)");
		zd_call_leave(s);
		goto fail;
	}
	TAILQ_INSERT_TAIL(&d->sessions, s, link);
	d->nsessions++;
	zlog(LOG_INFO, "%s: created in call %s (%s mode, policy %s%s)", s->id,
	    zd_call_id(s), s->mode == ZD_MODE_RELAY ? "relay" : "keys",
	    zd_policy_name(s->policy), s->multistream ? ", multistream" : "");
	*out = s;
	return 0;
fail:
	zd_session_free(s);
	return -1;
}

int
zd_session_start(struct zd_session *s, const struct sockaddr *remote,
    socklen_t remote_len, const char *peer_hash, int latch, char *err,
    size_t err_len)
{
	if (s->started || s->ended) {
		snprintf(err, err_len, "session already started");
		return -1;
	}
	if (s->mode == ZD_MODE_RELAY) {
		if (remote == NULL) {
			snprintf(err, err_len, "remote_addr and remote_port "
			    "are needed in relay mode");
			return -1;
		}
		if (remote->sa_family != s->media_addr.ss_family) {
			snprintf(err, err_len, "remote address family differs "
			    "from the media socket's");
			return -1;
		}
		memcpy(&s->remote, remote, remote_len);
		s->remote_len = remote_len;
		s->have_remote = 1;
	}
	if (peer_hash != NULL && zd_session_set_peer_hash(s, peer_hash, err,
	    err_len) != 0)
		return -1;
	s->latch = latch;
	s->started = 1;
	zd_session_set_state(s, ZD_ST_GOING_SECURE, NULL);
	if (zd_call_may_start(s) && zd_session_engine_start(s) != 0) {
		snprintf(err, err_len, "the ZRTP engine refused to start");
		return -1;
	}
	return 0;
}

/* "1.10 " and 64 hex digits, or the 64 alone. */
static int
zd_hash_valid(const char *h)
{
	size_t i;

	if (strncmp(h, "1.10 ", 5) == 0)
		h += 5;
	if (strlen(h) != 64)
		return 0;
	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)h[i]))
			return 0;
	return 1;
}

int
zd_session_set_peer_hash(struct zd_session *s, const char *hash, char *err,
    size_t err_len)
{
	if (!zd_hash_valid(hash)) {
		snprintf(err, err_len, "peer_hash: not an a=zrtp-hash value "
		    "(\"1.10 \" and 64 hex digits)");
		return -1;
	}
	snprintf(s->zcfg.peer_hello_hash, sizeof(s->zcfg.peer_hello_hash),
	    "%s", strncmp(hash, "1.10 ", 5) == 0 ? hash + 5 : hash);
	s->hash_state = "pending";
	if (s->peer_hello_hex[0] != '\0')
		s->hash_state = strcasecmp(s->peer_hello_hex,
		    s->zcfg.peer_hello_hash) == 0 ? "matched" : "mismatch";
	if (s->zs != NULL) {
		zs_set_peer_hello_hash(s->zs, zd_now_ms(), hash);
		zd_session_drain(s);
	}
	return 0;
}

int
zd_session_effective_require(const struct zd_session *s)
{
	/* The peer announced ZRTP: its absence is an attack. */
	return s->policy == ZD_POLICY_REQUIRE ||
	    s->zcfg.peer_hello_hash[0] != '\0';
}

int
zd_session_verdict(struct zd_session *s, int verdict, char *err,
    size_t err_len)
{
	if (!s->secure_reported || s->zs == NULL || !s->have_sas) {
		snprintf(err, err_len, s->multistream ? "a Multistream session "
		    "has no SAS of its own: give the verdict on the call's "
		    "first session" : "no SAS yet: the session is not secure");
		return -1;
	}
	if (verdict == -1) {
		s->verdict_later = 1;
		return 0;
	}
	/* 2: clear the V flag; the engine records it as "not verified". */
	if (zs_sas_verdict(s->zs, zd_now_ms(), verdict == 1) != 0) {
		snprintf(err, err_len, "the engine refused the verdict");
		return -1;
	}
	s->sas_verified = verdict == 1;
	zd_session_drain(s);
	if (verdict == 1)
		zd_session_set_state(s, ZD_ST_VERIFIED, NULL);
	else if (verdict == 0)
		zd_session_set_state(s, ZD_ST_SAS_MISMATCH, NULL);
	else if (s->state == ZD_ST_VERIFIED)
		zd_session_set_state(s, ZD_ST_SECURE, NULL);
	return 0;
}

struct zd_session *
zd_session_find(struct zd *d, const char *id)
{
	struct zd_session *s;

	TAILQ_FOREACH(s, &d->sessions, link)
		if (strcmp(s->id, id) == 0)
			return s;
	return NULL;
}

/* Freed now, or when its last worker job comes back. */
void
zd_session_close(struct zd_session *s, const char *why)
{
	if (s->closing)
		return;
	zlog(LOG_INFO, "%s: closed (%s)", s->id, why);
	s->ended = 1;
	zd_session_remember(s);
	zd_event_simple(s, "closed", json_pack("{s:s}", "reason", why));
	s->closing = 1;
	TAILQ_REMOVE(&s->d->sessions, s, link);
	s->d->nsessions--;
	zd_call_leave(s);
	event_del(s->timer);
	if (s->end_timer != NULL)
		event_del(s->end_timer);
	if (s->media_ev != NULL)
		event_del(s->media_ev);
	event_del(s->app_ev);
	zd_relay_close(s);
	if (s->keys != NULL) {
		zsecure_free(s->keys, sizeof(*s->keys));
		s->keys = NULL;
	}
	if (s->jobs == 0)
		zd_session_free(s);
}

void
zd_sessions_conn_gone(struct zd *d, struct zd_conn *cn)
{
	struct zd_session *s, *next;

	TAILQ_FOREACH_SAFE(s, &d->sessions, link, next)
		if (s->owner == cn)
			zd_session_close(s, "client_gone");
}

void
zd_session_job_done(struct zd_session *s)
{
	if (--s->jobs == 0 && s->closing)
		zd_session_free(s);
}
