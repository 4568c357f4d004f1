/*
 * A session's sockets and what arrives on them: binding the media and the
 * application ports, sending, the RFC 7983 demux, the bounded read loop and
 * the check of who may be the application. Decides nothing of ZRTP: ZRTP
 * bytes go to the engine (proto/) as they are; the session's life is session.c.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "packet.h"
#include "session.h"

#define ZD_DGRAM_MAX	2048	/* larger datagrams are not media */
#define ZD_BURST	32	/* datagrams read per wake-up, for fairness */

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

/* SO_RXQ_OVFL: datagrams carry the kernel's drop count (zd_read_burst). */
static int
zd_udp_bind(struct sockaddr_storage *ss, socklen_t len)
{
	int fd, one = 1;

	if ((fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)ss, len) != 0) {
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
int
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

int
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
zd_session_send_wire_rtcp(struct zd_session *s, const uint8_t *p, size_t len)
{
	struct sockaddr_storage to;

	if (s->mode != ZD_MODE_RELAY || s->remote_rtcp_port == 0)
		return zd_session_send_wire(s, p, len);
	if (!s->started || !s->have_remote)
		return -1;
	/* The remote's address (latched or given), the RTCP port given. */
	to = s->remote;
	if (to.ss_family == AF_INET)
		((struct sockaddr_in *)&to)->sin_port = s->remote_rtcp_port;
	else
		((struct sockaddr_in6 *)&to)->sin6_port = s->remote_rtcp_port;
	return sendto(s->media_fd, p, len, 0, (struct sockaddr *)&to,
	    s->remote_len);
}

/* RTCP from the peer's own RTCP socket: the remote's address, that port. */
static int
zd_from_remote_rtcp(const struct zd_session *s,
    const struct sockaddr_storage *from, socklen_t flen)
{
	struct sockaddr_storage want;

	if (s->remote_rtcp_port == 0 || !s->have_remote)
		return 0;
	want = s->remote;
	if (want.ss_family == AF_INET)
		((struct sockaddr_in *)&want)->sin_port = s->remote_rtcp_port;
	else
		((struct sockaddr_in6 *)&want)->sin6_port = s->remote_rtcp_port;
	return zd_same_addr(from, flen, &want, s->remote_len);
}

ssize_t
zd_session_send_app(struct zd_session *s, const uint8_t *p, size_t len)
{
	if (!s->have_app)
		return -1;
	return sendto(s->app_fd, p, len, 0, (struct sockaddr *)&s->app,
	    s->app_len);
}

/*
 * A ZRTP packet for the engine, from the wire (from) or, keys mode, the
 * app (from NULL). Latching, the remote moves to the source of a packet
 * the engine proved the peer's (zs_received_proven()): a Hello matching
 * a=zrtp-hash, a message chaining to the peer's earlier ones; never on
 * one it dropped or answered as a repeat, so a stranger's copy does not.
 */
static void
zd_zrtp_in(struct zd_session *s, const uint8_t *p, size_t len,
    const struct sockaddr_storage *from, socklen_t flen)
{
	s->n.zrtp_in++;
	/* Counted here, dropped by the engine (§5): damage or tampering. */
	if (!zpkt_crc_ok(p, len))
		s->n.zrtp_bad_crc++;
	if (s->zs == NULL || !s->started || s->closing)
		return;
	/* Kept for the drain: a=zrtp-hash checks name the Hello seen. */
	s->rx_pkt = p;
	s->rx_len = len;
	zs_receive(s->zs, zd_now_ms(), p, len);
	/* Before the drain, so that its replies go to the new address. */
	if (from != NULL && s->latch && zs_received_proven(s->zs) &&
	    !(s->have_remote && zd_same_addr(from, flen, &s->remote,
	    s->remote_len))) {
		s->remote = *from;
		s->remote_len = flen;
		s->have_remote = s->latched = 1;
		zlog(LOG_INFO, "%s: remote latched to a new address on ZRTP",
		    s->id);
	}
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
			zd_zrtp_in(s, p, len, from, flen);
		else
			s->n.foreign++;
	} else if (p[0] >= 20 && p[0] <= 63) {
		s->n.dtls++;
	} else if (p[0] >= 128 && p[0] <= 191) {
		/* RFC 3550 (no RFC 5761 mux): SRTCP from the peer's RTCP
		 * port; never latched from, never RTP. */
		if (!known && zd_relay_is_rtcp(p, len) &&
		    zd_from_remote_rtcp(s, from, flen)) {
			zd_relay_from_wire(s, p, len);
			return;
		}
		if (!known && (!s->latch || !s->srtp_open)) {
			s->n.foreign++;
			return;
		}
		/*
		 * Latching moves the remote on authenticated SRTP only, or
		 * SRTCP when RTCP shares the RTP port: a peer's RTCP from a
		 * port of its own (one we were not told, a NAT's) is taken,
		 * but RTP never follows it there.
		 */
		if (zd_relay_from_wire(s, p, len) && !known &&
		    (s->remote_rtcp_port == 0 || !zd_relay_is_rtcp(p, len))) {
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

/* Where a socket's kernel drops are counted: the session's, the daemon's. */
struct zd_drops {
	uint64_t	*session, *daemon;
};

/*
 * SO_RXQ_OVFL: a datagram queued after the kernel dropped some for a full
 * receive buffer carries the socket's count of drops so far (32 bits,
 * wrapping); the counters take what it grew by since the last reading.
 */
static void
zd_drops_seen(struct msghdr *m, const struct zd_drops *dr)
{
	struct cmsghdr *c;
	uint32_t v, grew;

	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SO_RXQ_OVFL ||
		    c->cmsg_len != CMSG_LEN(sizeof(v)))
			continue;
		memcpy(&v, CMSG_DATA(c), sizeof(v));
		grew = v - (uint32_t)*dr->session;
		*dr->session += grew;
		*dr->daemon += grew;
	}
}

/*
 * The first datagram of a wake-up, with its drop count. The count is
 * cumulative, so one reading per wake-up is enough; the rest of the burst
 * is read by recvfrom(), 110 to 130 ns a datagram cheaper than recvmsg()
 * with a control buffer (docs/performance.md, "Kernel drops").
 */
static ssize_t
zd_recv_counted(evutil_socket_t fd, uint8_t *buf,
    struct sockaddr_storage *from, socklen_t *flen, const struct zd_drops *dr)
{
	union {
		struct cmsghdr	h;
		uint8_t		b[CMSG_SPACE(sizeof(uint32_t))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = ZD_DGRAM_MAX };
	struct msghdr m = { .msg_name = from, .msg_namelen = *flen,
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl,
	    .msg_controllen = sizeof(ctl) };
	ssize_t n;

	if ((n = recvmsg(fd, &m, MSG_TRUNC)) >= 0) {
		*flen = m.msg_namelen;
		zd_drops_seen(&m, dr);
	}
	return n;
}

/*
 * At most ZD_BURST datagrams per wake-up, so one flooded socket cannot
 * starve the others; an empty or truncated one counts as "other".
 */
static void
zd_read_burst(struct zd_session *s, evutil_socket_t fd, zd_dgram_fn fn,
    const struct zd_drops *dr)
{
	uint8_t buf[ZD_DGRAM_MAX + SRTP_MAX_TRAILER_LEN];
	struct sockaddr_storage from;
	socklen_t flen;
	ssize_t n;
	int i;

	for (i = 0; i < ZD_BURST && !s->closing; i++) {
		flen = sizeof(from);
		n = i == 0 ? zd_recv_counted(fd, buf, &from, &flen, dr) :
		    recvfrom(fd, buf, ZD_DGRAM_MAX, MSG_TRUNC,
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
	struct zd_session *s = arg;
	const struct zd_drops dr = { &s->n.media_rx_dropped,
	    &s->d->media_rx_dropped };

	(void)what;
	zd_read_burst(s, fd, zd_wire_dgram, &dr);
}

/* A socket bound to from's address or the wildcard (v4-mapped in IPv6). */
static int
zd_diag_addr_ok(int family, const struct inet_diag_msg *m,
    const struct sockaddr_in *from)
{
	const uint32_t *a = m->id.idiag_src;

	if (family == AF_INET)
		return a[0] == from->sin_addr.s_addr || a[0] == 0;
	return a[0] == 0 && a[1] == 0 && ((a[2] == htonl(0xffff) &&
	    a[3] == from->sin_addr.s_addr) || (a[2] == 0 && a[3] == 0));
}

/*
 * One NETLINK_SOCK_DIAG dump of family's UDP sockets on from's port (the
 * kernel filters by port): the owners of those bound to from's address or
 * the wildcard go into *uid. 0, 1 if two owners differ, -1 on an error.
 */
static int
zd_udp_dump(int fd, int family, const struct sockaddr_in *from, uid_t *uid,
    int *found)
{
	struct {
		struct nlmsghdr		nlh;
		struct inet_diag_req_v2	r;
	} req;
	union {
		struct nlmsghdr	nlh;
		uint8_t		buf[16384];
	} ans;
	const struct inet_diag_msg *m;
	struct nlmsghdr *h;
	ssize_t n;
	size_t len;

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.r.sdiag_family = (uint8_t)family;
	req.r.sdiag_protocol = IPPROTO_UDP;
	req.r.idiag_states = ~0u;
	req.r.id.idiag_sport = from->sin_port;
	if (send(fd, &req, sizeof(req), 0) != (ssize_t)sizeof(req))
		return -1;
	for (;;) {
		if ((n = recv(fd, &ans, sizeof(ans), 0)) <= 0)
			return -1;
		len = (size_t)n;
		for (h = &ans.nlh; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -1;
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
				continue;
			m = NLMSG_DATA(h);
			if (m->id.idiag_sport != from->sin_port ||
			    !zd_diag_addr_ok(family, m, from))
				continue;
			if (*found && *uid != (uid_t)m->idiag_uid)
				return 1;
			*uid = (uid_t)m->idiag_uid;
			*found = 1;
		}
	}
}

/*
 * The owner of the local UDP socket a datagram came from, asked of the
 * kernel (NETLINK_SOCK_DIAG): a socket bound to from's address and port,
 * or to the wildcard address (v4-mapped too) on that port. 0 and *uid if
 * every such socket has one owner; -1 if none, several owners, or the
 * kernel cannot be asked (a sandbox without AF_NETLINK). Its cost does not
 * grow with the host's sockets as reading /proc/net/udp did: with 40,000
 * UDP sockets on the host that read held the event loop over 10 s.
 */
static int
zd_udp_owner(const struct sockaddr_storage *from, uid_t *uid)
{
	const struct sockaddr_in *f = (const void *)from;
	int fd, found = 0, r;

	if (from->ss_family != AF_INET)
		return -1;	/* ::1: give app_addr/app_port */
	if ((fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
	    NETLINK_SOCK_DIAG)) < 0)
		return -1;
	if ((r = zd_udp_dump(fd, AF_INET, f, uid, &found)) == 0)
		r = zd_udp_dump(fd, AF_INET6, f, uid, &found);
	close(fd);
	return r == 0 && found ? 0 : -1;
}

/*
 * Learning the application's address from its first datagram: only from a
 * socket of the user whose connection created the session, so that
 * another local user cannot be first and take the call's media. Not "or
 * root": the kernel is asked after the datagram came, and Linux lets any
 * user share a UDP port whose socket asks SO_REUSEADDR; a user who sent
 * from a port root's socket shares, and closed before the question, was
 * answered "root". Who the session's user trusts is theirs to share a
 * port with; the bystanders' sockets are not.
 */
#define ZD_OWNER_CHECKS	200	/* kernel queries per second, daemon-wide */

static int
zd_app_sender_ok(struct zd_session *s, const struct sockaddr_storage *from)
{
	static uint64_t second;
	static unsigned checks;
	uid_t want = zd_conn_uid(s->owner), got;
	uint64_t now = zd_now_ms() / 1000;
	int quiet = s->n.foreign > 0;	/* one log line per session */

	/* A flood of strangers costs at most this many kernel queries. */
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
	if (got != want) {
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
			zd_zrtp_in(s, buf, len, NULL, 0);
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
	struct zd_session *s = arg;
	const struct zd_drops dr = { &s->n.app_rx_dropped,
	    &s->d->app_rx_dropped };

	(void)what;
	zd_read_burst(s, fd, zd_app_dgram, &dr);
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

int
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

