/*
 * sipua: a minimal SIP user agent (UAS) for the real-softphone test
 * (tests/interop/linphone.sh). It asks zrtpd for a relay-mode session,
 * waits for one INVITE over UDP on 127.0.0.1, and answers it (100, then
 * 200 with SDP: audio PCMU at the session's media port, a=rtcp-mux if
 * offered, else a=rtcp naming the media port; our a=zrtp-hash). The
 * offer's audio address, port, a=zrtp-hash and, without a=rtcp-mux, its
 * RTCP port (a=rtcp, else the RTP port + 1) go to session_start. Once the
 * session is secure it sends --frames PCMU frames (and an RTCP sender
 * report after the first) into the session's application port, counts
 * the plain RTP that comes out of it (the softphone's audio, unprotected
 * by zrtpd), and waits for the softphone's receiver report saying it got
 * every frame and our report: "media" then proves both directions of SRTP
 * and SRTCP through zrtpd. It handles ACK, BYE (either side), CANCEL,
 * OPTIONS and re-INVITE in the dialog; other requests get 501.
 *
 * It is a test tool, not a SIP stack: UDP only, no registrar, proxy,
 * Record-Route, authentication, forking or PRACK, one dialog per run.
 * Responses go to the request's source address (RFC 3581 rport). Every
 * wait is poll() with a deadline (--timeout, seconds).
 *
 * stdout lines: ready SIP_PORT MEDIA_PORT HASH | invite ADDR PORT HASH|-
 *   | ack | event NAME JSON | secure SAS CACHE | notsecure REASON
 *   | rr HIGHEST_SEQ LOST lsr|- (the peer's report on our frames)
 *   | media SENT RECEIVED PEER_HIGHEST_SEQ PEER_LOST | bye | bye_ok | timeout | result JSON
 * stdin lines:  bye | verdict match|mismatch|later | quit
 */
#include <sys/random.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "sipmsg.h"
#include "zrtpc.h"

#define UA_T1		500	/* RFC 3261 §17: T1, ms */
#define UA_T2		4000	/* T2 */
#define UA_TX_END	(64 * UA_T1)	/* timers B, F, H */
#define UA_FRAME_MS	20
#define UA_PAYLOAD	160	/* 20 ms of PCMU */
#define UA_SR_MS	500	/* our sender reports, until answered */
#define UA_SR_MAX	128

enum ua_state { UA_WAIT, UA_CALLING, UA_ANSWERED, UA_CONFIRMED, UA_BYE_SENT,
	UA_ENDED };

struct ua {
	struct zrtpc	*c;
	int		 ctl, sip, app, sip_port, media_port, app_port;
	char		 sid[32], hash[160];
	enum ua_state	 state;
	/*
	 * The dialog (RFC 3261 §12): local and remote as this side's From and
	 * To of its own requests, each with its tag.
	 */
	char		 call_id[256], local[512], remote[512], tag[32];
	unsigned long	 local_cseq;
	int		 uac;		/* 1: we sent the INVITE (--call) */
	char		 invite[SIPMSG_MAX];	/* ours, for timer A */
	size_t		 invite_len;
	char		 invite_branch[17], ack[2048];
	size_t		 ack_len;
	char		 target[64];	/* their Contact: host */
	int		 target_port;
	unsigned long	 invite_cseq, bye_cseq;
	struct sockaddr_in src;		/* where their INVITE came from */
	char		 resp[SIPMSG_MAX];	/* the INVITE's last response */
	size_t		 resp_len;
	char		 bye[2048];
	size_t		 bye_len;
	struct sockaddr_in bye_to;
	uint64_t	 rtx_at, rtx_end;	/* 200 or BYE retransmission */
	int		 rtx_ms;
	char		 sdp[1024];
	/* Media and security. */
	int		 secure, frames, sent, received, bad, rtcp, media_said;
	int		 nsr, peer_got;	/* their RR: all ours, an SR of ours */
	uint32_t	 peer_highest, peer_lost, lsr[UA_SR_MAX];
	uint64_t	 next_sr;
	uint16_t	 seq;
	uint32_t	 ts, ssrc;
	const char	*role;
	uint64_t	 next_frame, deadline;
	char		 sas[64], cache[16];
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "sipua: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void
rand_hex(char *out, size_t bytes)
{
	uint8_t b[16];
	size_t i;

	if (bytes > sizeof(b) || getrandom(b, bytes, 0) != (ssize_t)bytes)
		die("getrandom");
	for (i = 0; i < bytes; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static int
udp_loopback(int port, int *bound)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int fd;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
		die("udp: %s", strerror(errno));
	*bound = ntohs(a.sin_port);
	return fd;
}

/* ---- zrtpd ---- */

static void on_event(struct ua *, json_t *);

static void
ctl_events(struct ua *u)
{
	struct zrtpc_error err;
	json_t *ev;
	int r;

	while ((r = zrtpc_event(u->c, 0, &ev, &err)) == 0) {
		on_event(u, ev);
		json_decref(ev);
	}
	if (r != ZRTPC_E_TIMEOUT)
		die("control socket: %s", err.message);
}

/* One request (arguments taken); its result, or the tool ends. */
static json_t *
ctl_call(struct ua *u, const char *cmd, json_t *args)
{
	struct zrtpc_error err;
	json_t *r;

	if (zrtpc_request(u->c, cmd, args, 10000, &r, &err) != 0)
		die("%s: %s: %s", cmd, err.code, err.message);
	json_decref(args);
	ctl_events(u);
	return r;
}

static void
on_event(struct ua *u, json_t *ev)
{
	const char *name = json_string_value(json_object_get(ev, "event"));
	const char *sec;
	char *s;

	if (name == NULL)
		return;
	s = json_dumps(ev, JSON_COMPACT);
	say("event %s %s", name, s);
	free(s);
	if (strcmp(name, "sas_ready") == 0) {
		snprintf(u->sas, sizeof(u->sas), "%s", json_string_value(
		    json_object_get(json_object_get(ev, "sas"), "text")));
		snprintf(u->cache, sizeof(u->cache), "%s",
		    json_string_value(json_object_get(ev, "cache")));
	} else if (strcmp(name, "security") == 0) {
		sec = json_string_value(json_object_get(ev, "security"));
		if (sec != NULL && !u->secure &&
		    (strncmp(sec, "secure_", 7) == 0 ||
		    strcmp(sec, "cache_mismatch") == 0)) {
			u->secure = 1;
			u->next_frame = now_ms();
			say("secure %s %s", u->sas[0] ? u->sas : "-",
			    u->cache[0] ? u->cache : "-");
		}
	} else if (strcmp(name, "failed") == 0 ||
	    strcmp(name, "no_zrtp") == 0 ||
	    strcmp(name, "zrtp_hash_mismatch") == 0)
		say("notsecure %s", name);
}

static void
open_session(struct ua *u, const char *sock)
{
	struct zrtpc_error err;
	json_t *r, *m;

	if (zrtpc_open(sock, "sipua", 10000, &u->c, &err) != 0)
		die("%s: %s", sock, err.message);
	u->ctl = zrtpc_fd(u->c);
	r = ctl_call(u, "session_create", json_pack("{s:s, s:s, s:s, s:s}",
	    "mode", "relay", "bind_addr", "127.0.0.1", "label", "audio",
	    "role", u->role));
	m = json_object_get(r, "media");
	snprintf(u->sid, sizeof(u->sid), "%s",
	    json_string_value(json_object_get(r, "session")));
	snprintf(u->hash, sizeof(u->hash), "%s",
	    json_string_value(json_object_get(r, "zrtp_hash")));
	u->media_port = (int)json_integer_value(json_object_get(m, "port"));
	u->app_port = (int)json_integer_value(json_object_get(
	    json_object_get(r, "app"), "port"));
	json_decref(r);
	json_decref(ctl_call(u, "subscribe", json_pack("{s:[s]}",
	    "sessions", u->sid)));
}

static void
start_session(struct ua *u, const struct sdp_audio *a)
{
	json_t *args;

	args = json_pack("{s:s, s:s, s:i}", "session", u->sid, "remote_addr",
	    a->addr, "remote_port", a->port);
	if (a->zrtp_hash[0] != '\0')
		json_object_set_new(args, "peer_hash",
		    json_string(a->zrtp_hash));
	/* RFC 3605, RFC 3550 §11: no mux, RTCP on a=rtcp's port or RTP's + 1. */
	if (!a->rtcp_mux)
		json_object_set_new(args, "remote_rtcp_port", json_integer(
		    a->rtcp_port > 0 ? a->rtcp_port : a->port + 1));
	json_decref(ctl_call(u, "session_start", args));
}

/* ---- SIP ---- */

static void
sip_send(struct ua *u, const char *msg, size_t len,
    const struct sockaddr_in *to)
{
	if (sendto(u->sip, msg, len, 0, (const struct sockaddr *)to,
	    sizeof(*to)) != (ssize_t)len)
		fprintf(stderr, "sipua: send: %s\n", strerror(errno));
}

/* RFC 3581 §4: a top Via asking "rport" learns the source port, and
 * "received" the source address. */
static int
put_vias(char *out, size_t olen, const struct sipmsg *m,
    const struct sockaddr_in *src)
{
	const char *rp = strstr(m->via[0], ";rport");
	size_t off = 0;
	int i, n;

	if (rp != NULL && (rp[6] == '\0' || rp[6] == ';'))
		n = snprintf(out, olen, "Via: %.*s;rport=%u;received=%s%s\r\n",
		    (int)(rp - m->via[0]), m->via[0], ntohs(src->sin_port),
		    inet_ntoa(src->sin_addr), rp + 6);
	else
		n = snprintf(out, olen, "Via: %s\r\n", m->via[0]);
	if (n < 0 || (size_t)n >= olen)
		return -1;
	off = (size_t)n;
	for (i = 1; i < m->nvia; i++) {
		n = snprintf(out + off, olen - off, "Via: %s\r\n", m->via[i]);
		if (n < 0 || (size_t)n >= olen - off)
			return -1;
		off += (size_t)n;
	}
	return (int)off;
}

/* A response to m; an INVITE's is kept for retransmissions. */
static void
respond(struct ua *u, const struct sipmsg *m, const struct sockaddr_in *src,
    int code, const char *reason, const char *body)
{
	char out[SIPMSG_MAX], vias[4096], tag[64];
	const char *to_tag = "";
	int n;

	if (put_vias(vias, sizeof(vias), m, src) < 0)
		return;
	if (sip_param(m->to, "tag", tag, sizeof(tag)) == NULL && code > 100)
		to_tag = u->tag;
	n = snprintf(out, sizeof(out), "SIP/2.0 %d %s\r\n%s"
	    "From: %s\r\nTo: %s%s%s\r\nCall-ID: %s\r\nCSeq: %lu %s\r\n"
	    "Contact: <sip:zrtpd@127.0.0.1:%d>\r\n"
	    "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n"
	    "User-Agent: zrtpd-sipua\r\n%sContent-Length: %zu\r\n\r\n%s",
	    code, reason, vias, m->from, m->to, to_tag[0] ? ";tag=" : "",
	    to_tag, m->call_id, m->cseq, m->cseq_method, u->sip_port,
	    body != NULL ? "Content-Type: application/sdp\r\n" : "",
	    body != NULL ? strlen(body) : 0, body != NULL ? body : "");
	if (n < 0 || (size_t)n >= sizeof(out))
		return;
	sip_send(u, out, (size_t)n, src);
	if (strcmp(m->method, "INVITE") == 0) {
		memcpy(u->resp, out, (size_t)n);
		u->resp_len = (size_t)n;
	}
}

/*
 * RFC 3264 §6: one audio stream, PCMU only, at zrtpd's media port, which
 * carries RTCP too: a=rtcp-mux if offered (RFC 5761), else a=rtcp naming
 * the same port (RFC 3605), so that the peer's RTCP at least reaches it.
 */
static void
make_answer(struct ua *u, const struct sdp_audio *a)
{
	char rtcp[32];

	if (a->rtcp_mux)
		snprintf(rtcp, sizeof(rtcp), "a=rtcp-mux\r\n");
	else
		snprintf(rtcp, sizeof(rtcp), "a=rtcp:%d\r\n", u->media_port);
	snprintf(u->sdp, sizeof(u->sdp),
	    "v=0\r\no=zrtpd-sipua %u 1 IN IP4 127.0.0.1\r\ns=-\r\n"
	    "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	    "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n%s"
	    "a=zrtp-hash:%s\r\na=sendrecv\r\n", (unsigned)u->media_port,
	    u->media_port, rtcp, u->hash);
}

static void
on_invite(struct ua *u, const struct sipmsg *m, const struct sockaddr_in *src)
{
	struct sdp_audio a;

	if (u->state != UA_WAIT) {
		if (strcmp(m->call_id, u->call_id) != 0) {
			respond(u, m, src, 486, "Busy Here", NULL);
			return;
		}
		if (m->cseq == u->invite_cseq) {	/* a retransmission */
			sip_send(u, u->resp, u->resp_len, src);
			return;
		}
		/* A re-INVITE: the session stays as it is. */
		u->invite_cseq = m->cseq;
		respond(u, m, src, 200, "OK", u->sdp);
		say("reinvite");
		return;
	}
	respond(u, m, src, 100, "Trying", NULL);
	if (m->body_len == 0 || sdp_parse_audio(m->body, m->body_len, &a) != 0 ||
	    !a.pcmu || a.ipv6) {
		respond(u, m, src, 488, "Not Acceptable Here", NULL);
		say("refused no IPv4 PCMU audio stream");
		return;
	}
	snprintf(u->call_id, sizeof(u->call_id), "%s", m->call_id);
	snprintf(u->remote, sizeof(u->remote), "%s", m->from);
	if (strstr(m->to, ";tag=") != NULL)
		snprintf(u->local, sizeof(u->local), "%s", m->to);
	else
		snprintf(u->local, sizeof(u->local), "%s;tag=%s", m->to,
		    u->tag);
	if (m->contact == NULL || sip_uri_hostport(m->contact, u->target,
	    sizeof(u->target), &u->target_port) != 0) {
		snprintf(u->target, sizeof(u->target), "%s",
		    inet_ntoa(src->sin_addr));
		u->target_port = ntohs(src->sin_port);
	}
	u->invite_cseq = m->cseq;
	u->src = *src;
	say("invite %s %d %s", a.addr, a.port,
	    a.zrtp_hash[0] ? a.zrtp_hash : "-");
	start_session(u, &a);
	make_answer(u, &a);
	respond(u, m, src, 200, "OK", u->sdp);
	u->state = UA_ANSWERED;
	u->rtx_ms = UA_T1;
	u->rtx_at = now_ms() + UA_T1;
	u->rtx_end = now_ms() + UA_TX_END;
}

/* RFC 3261 §15.1.1: either side of the dialog sends the BYE. */
static void
send_bye(struct ua *u)
{
	char branch[17];
	int n;

	if (u->state != UA_CONFIRMED && u->state != UA_ANSWERED)
		return;
	rand_hex(branch, 8);
	u->bye_cseq = ++u->local_cseq;
	n = snprintf(u->bye, sizeof(u->bye), "BYE sip:%s:%d SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n"
	    "Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\n"
	    "CSeq: %lu BYE\r\nUser-Agent: zrtpd-sipua\r\n"
	    "Content-Length: 0\r\n\r\n", u->target, u->target_port,
	    u->sip_port, branch, u->local, u->remote, u->call_id, u->bye_cseq);
	if (n < 0 || (size_t)n >= sizeof(u->bye))
		die("BYE too long");
	u->bye_len = (size_t)n;
	memset(&u->bye_to, 0, sizeof(u->bye_to));
	u->bye_to.sin_family = AF_INET;
	u->bye_to.sin_port = htons((uint16_t)u->target_port);
	if (inet_pton(AF_INET, u->target, &u->bye_to.sin_addr) != 1)
		u->bye_to = u->src;	/* a name in Contact: where it spoke */
	sip_send(u, u->bye, u->bye_len, &u->bye_to);
	u->state = UA_BYE_SENT;
	u->rtx_ms = UA_T1;
	u->rtx_at = now_ms() + UA_T1;
	u->rtx_end = now_ms() + UA_TX_END;
}

/* ---- the other direction: we call (--call), the softphone answers ---- */

/* RFC 3264 §5: PCMU at the media port, RTCP muxed or, for a peer that
 * does not multiplex, at the same port (RFC 5761 §5.1.3), a=zrtp-hash. */
static void
make_offer(struct ua *u)
{
	snprintf(u->sdp, sizeof(u->sdp),
	    "v=0\r\no=zrtpd-sipua %u 1 IN IP4 127.0.0.1\r\ns=-\r\n"
	    "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	    "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp:%d\r\n"
	    "a=rtcp-mux\r\na=zrtp-hash:%s\r\na=sendrecv\r\n",
	    (unsigned)u->media_port, u->media_port, u->media_port, u->hash);
}

static void
set_target(struct ua *u, const char *host, int port)
{
	snprintf(u->target, sizeof(u->target), "%s", host);
	u->target_port = port;
	memset(&u->bye_to, 0, sizeof(u->bye_to));
	u->bye_to.sin_family = AF_INET;
	u->bye_to.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &u->bye_to.sin_addr) != 1)
		u->bye_to = u->src;	/* a name: where it spoke from */
}

static void
send_invite(struct ua *u, const char *hostport)
{
	char host[64], callid[17];
	int port, n;

	if (sscanf(hostport, "%63[0-9.]:%d", host, &port) != 2 ||
	    port <= 0 || port > 65535 ||
	    inet_pton(AF_INET, host, &u->src.sin_addr) != 1)
		die("--call: an IPv4 address and a port");
	u->src.sin_family = AF_INET;
	u->src.sin_port = htons((uint16_t)port);
	set_target(u, host, port);
	rand_hex(callid, 8);
	rand_hex(u->invite_branch, 8);
	snprintf(u->call_id, sizeof(u->call_id), "%s@127.0.0.1", callid);
	snprintf(u->local, sizeof(u->local), "<sip:zrtpd@127.0.0.1:%d>;tag=%s",
	    u->sip_port, u->tag);
	/* The softphone's identity, not its port: libbzrtp keeps one ZID
	 * per local URI, so the To names the same phone on every call. */
	snprintf(u->remote, sizeof(u->remote), "<sip:linphone@%s>", host);
	u->local_cseq = u->invite_cseq = 1;
	make_offer(u);
	n = snprintf(u->invite, sizeof(u->invite), "INVITE sip:%s:%d SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n"
	    "Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\n"
	    "CSeq: 1 INVITE\r\nContact: <sip:zrtpd@127.0.0.1:%d>\r\n"
	    "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n"
	    "User-Agent: zrtpd-sipua\r\nContent-Type: application/sdp\r\n"
	    "Content-Length: %zu\r\n\r\n%s", host, port, u->sip_port,
	    u->invite_branch, u->local, u->remote, u->call_id, u->sip_port,
	    strlen(u->sdp), u->sdp);
	if (n < 0 || (size_t)n >= sizeof(u->invite))
		die("INVITE too long");
	u->invite_len = (size_t)n;
	u->uac = 1;
	sip_send(u, u->invite, u->invite_len, &u->bye_to);
	say("calling %s:%d", host, port);
	u->state = UA_CALLING;
	u->rtx_ms = UA_T1;
	u->rtx_at = now_ms() + UA_T1;
	u->rtx_end = now_ms() + UA_TX_END;
}

/* RFC 3261 §13.2.2.4: a 2xx's ACK is a new transaction to the remote
 * target; §17.1.1.3: a failure's takes the INVITE's branch and URI. */
static void
send_ack(struct ua *u, const char *to, int ok)
{
	char branch[17];
	int n;

	if (ok)
		rand_hex(branch, 8);
	else
		memcpy(branch, u->invite_branch, sizeof(branch));
	n = snprintf(u->ack, sizeof(u->ack), "ACK sip:%s:%d SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n"
	    "Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\n"
	    "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n", u->target,
	    u->target_port, u->sip_port, branch, u->local, to, u->call_id);
	if (n < 0 || (size_t)n >= sizeof(u->ack))
		die("ACK too long");
	u->ack_len = (size_t)n;
	sip_send(u, u->ack, u->ack_len, &u->bye_to);
}

static void
on_invite_response(struct ua *u, const struct sipmsg *m)
{
	struct sdp_audio a;
	char host[64];
	int port;

	if (m->status < 200) {
		u->rtx_ms = 0;	/* §17.1.1.2: a provisional stops timer A */
		return;
	}
	if (u->state != UA_CALLING) {	/* a 2xx again: our ACK was lost */
		if (m->status < 300 && u->ack_len > 0)
			sip_send(u, u->ack, u->ack_len, &u->bye_to);
		return;
	}
	if (m->status >= 300) {
		send_ack(u, m->to, 0);
		say("refused %d", m->status);
		u->state = UA_ENDED;
		return;
	}
	snprintf(u->remote, sizeof(u->remote), "%s", m->to);
	if (m->contact != NULL && sip_uri_hostport(m->contact, host,
	    sizeof(host), &port) == 0)
		set_target(u, host, port);
	send_ack(u, u->remote, 1);
	u->state = UA_CONFIRMED;
	if (m->body_len == 0 || sdp_parse_audio(m->body, m->body_len, &a) != 0 ||
	    !a.pcmu || a.ipv6) {
		say("refused no IPv4 PCMU audio stream in the answer");
		send_bye(u);
		return;
	}
	say("answered %s %d %s", a.addr, a.port,
	    a.zrtp_hash[0] ? a.zrtp_hash : "-");
	start_session(u, &a);
}

static void
on_request(struct ua *u, const struct sipmsg *m, const struct sockaddr_in *src)
{
	int ours = u->state != UA_WAIT && strcmp(m->call_id, u->call_id) == 0;

	if (strcmp(m->method, "INVITE") == 0)
		on_invite(u, m, src);
	else if (strcmp(m->method, "ACK") == 0) {
		if (ours && u->state == UA_ANSWERED) {
			u->state = UA_CONFIRMED;
			say("ack");
		}
	} else if (strcmp(m->method, "BYE") == 0) {
		if (!ours) {
			respond(u, m, src, 481, "Call/Transaction Does Not Exist",
			    NULL);
			return;
		}
		respond(u, m, src, 200, "OK", NULL);
		if (u->state != UA_ENDED)
			say("bye");
		u->state = UA_ENDED;
	} else if (strcmp(m->method, "CANCEL") == 0)
		/* §9.2: the INVITE was answered at once: nothing to cancel. */
		respond(u, m, src, ours ? 200 : 481, ours ? "OK" :
		    "Call/Transaction Does Not Exist", NULL);
	else if (strcmp(m->method, "OPTIONS") == 0)
		respond(u, m, src, 200, "OK", NULL);
	else
		respond(u, m, src, 501, "Not Implemented", NULL);
}

static void
on_sip(struct ua *u)
{
	static struct sipmsg m;
	struct sockaddr_in src;
	socklen_t slen = sizeof(src);
	char pkt[SIPMSG_MAX + 2];	/* one byte more: too long shows */
	ssize_t n;

	if ((n = recvfrom(u->sip, pkt, sizeof(pkt) - 1, 0,
	    (struct sockaddr *)&src, &slen)) <= 0 || src.sin_family != AF_INET)
		return;
	pkt[n] = '\0';
	/* RFC 5626 §4.4.1: a CRLF keep-alive is no message. */
	if (strspn(pkt, "\r\n") == (size_t)n)
		return;
	if (sipmsg_parse(&m, pkt, (size_t)n) != 0) {
		fprintf(stderr, "sipua: dropped a malformed SIP datagram\n");
		return;
	}
	if (m.request)
		on_request(u, &m, &src);
	else if (u->uac && strcmp(m.cseq_method, "INVITE") == 0 &&
	    m.cseq == u->invite_cseq && strcmp(m.call_id, u->call_id) == 0)
		on_invite_response(u, &m);
	else if (u->state == UA_BYE_SENT && strcmp(m.cseq_method, "BYE") == 0 &&
	    m.cseq == u->bye_cseq && strcmp(m.call_id, u->call_id) == 0 &&
	    m.status >= 200) {
		say("bye_ok %d", m.status);
		u->state = UA_ENDED;
	}
}

/* Timers G and E (RFC 3261 §17.2.1, §17.1.2.2): the 200 until its ACK,
 * the BYE until its answer; H and F end them. */
static void
retransmit(struct ua *u, uint64_t now)
{
	if ((u->state != UA_ANSWERED && u->state != UA_BYE_SENT &&
	    (u->state != UA_CALLING || u->rtx_ms == 0)) || now < u->rtx_at)
		return;
	if (now >= u->rtx_end) {
		say("%s", u->state == UA_ANSWERED ? "noack" :
		    u->state == UA_CALLING ? "noanswer" : "bye_timeout");
		u->state = UA_ENDED;
		return;
	}
	if (u->state == UA_ANSWERED)
		sip_send(u, u->resp, u->resp_len, &u->src);
	else if (u->state == UA_CALLING)
		sip_send(u, u->invite, u->invite_len, &u->bye_to);
	else
		sip_send(u, u->bye, u->bye_len, &u->bye_to);
	u->rtx_ms = u->rtx_ms * 2 < UA_T2 ? u->rtx_ms * 2 : UA_T2;
	u->rtx_at = now + (uint64_t)u->rtx_ms;
}

/* ---- media: plain RTP on the session's application port ---- */

static void
send_frame(struct ua *u)
{
	uint8_t pkt[12 + UA_PAYLOAD];
	struct sockaddr_in to;
	int i;

	pkt[0] = 0x80;
	pkt[1] = u->seq == 0 ? 0x80 : 0;	/* M on the first (RFC 3551) */
	u->seq++;
	pkt[2] = u->seq >> 8;
	pkt[3] = u->seq & 0xff;
	for (i = 0; i < 4; i++) {
		pkt[4 + i] = (uint8_t)(u->ts >> (24 - 8 * i));
		pkt[8 + i] = (uint8_t)(u->ssrc >> (24 - 8 * i));
	}
	u->ts += UA_PAYLOAD;
	/* A quiet 500 Hz square wave in mu-law: audible, never silence. */
	for (i = 0; i < UA_PAYLOAD; i++)
		pkt[12 + i] = (i / 8) % 2 ? 0x9f : 0x1f;
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons((uint16_t)u->app_port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sendto(u->app, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
	    sizeof(to)) == (ssize_t)sizeof(pkt))
		u->sent++;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * RFC 3550 §6.4.1, §6.5: a sender report and an SDES CNAME, after the
 * first frame and then every UA_SR_MS until the peer's receiver report
 * names one in LSR, proof that it decrypted our SRTCP. Not once only: a
 * receiver takes reports only from a source whose RTP it has seen (oRTP
 * does), and without RFC 5761 mux the two come on different sockets.
 */
static void
send_sr(struct ua *u)
{
	uint8_t pkt[28 + 20];
	struct sockaddr_in to;
	struct timespec ts;
	uint32_t sec, frac;

	clock_gettime(CLOCK_REALTIME, &ts);
	sec = (uint32_t)ts.tv_sec + 2208988800u;	/* NTP era 0 */
	frac = (uint32_t)(((uint64_t)ts.tv_nsec << 32) / 1000000000u);
	if (u->nsr == UA_SR_MAX)
		return;
	u->lsr[u->nsr] = (sec & 0xffff) << 16 | frac >> 16;
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x80;			/* V=2, RC=0 */
	pkt[1] = 200;			/* SR */
	pkt[3] = 6;
	put32(pkt + 4, u->ssrc);
	put32(pkt + 8, sec);
	put32(pkt + 12, frac);
	put32(pkt + 16, u->ts);
	pkt[28] = 0x81;			/* V=2, SC=1 */
	pkt[29] = 202;			/* SDES */
	pkt[31] = 4;
	put32(pkt + 32, u->ssrc);
	pkt[36] = 1;			/* CNAME */
	pkt[37] = 9;
	memcpy(pkt + 38, "sipua@lo0", 9);	/* then END and padding */
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons((uint16_t)u->app_port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sendto(u->app, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
	    sizeof(to)) == (ssize_t)sizeof(pkt))
		u->nsr++;
}

/* RFC 3550 §6.4.1: LSR, the middle of one of our SRs' NTP timestamps. */
static int
sr_known(const struct ua *u, uint32_t lsr)
{
	int i;

	for (i = 0; i < u->nsr; i++)
		if (u->lsr[i] == lsr)
			return 1;
	return 0;
}

/* A compound RTCP packet: a report block on our SSRC (RFC 3550 §6.4). */
static void
recv_rtcp(struct ua *u, const uint8_t *pkt, size_t n)
{
	const uint8_t *b;
	size_t off = 0, len, first;
	int i, rc, ours;

	u->rtcp++;
	while (n - off >= 8 && (pkt[off] & 0xc0) == 0x80) {
		len = ((size_t)(pkt[off + 2] << 8 | pkt[off + 3]) + 1) * 4;
		if (len > n - off)
			return;
		rc = pkt[off] & 0x1f;
		first = pkt[off + 1] == 200 ? 28 : pkt[off + 1] == 201 ? 8 : len;
		for (i = 0; i < rc && first + 24 * (size_t)(i + 1) <= len;
		    i++) {
			b = pkt + off + first + 24 * (size_t)i;
			if (get32(b) != u->ssrc)
				continue;
			u->peer_highest = get32(b + 8);
			u->peer_lost = get32(b + 4) & 0xffffff;
			ours = sr_known(u, get32(b + 16));
			if (u->peer_highest >= (uint32_t)u->frames && ours)
				u->peer_got = 1;
			say("rr %u %u %s", u->peer_highest, u->peer_lost,
			    ours ? "lsr" : "-");
		}
		off += len;
	}
}

/* The softphone's audio as zrtpd unprotected it: RTP v2, PT 0 (the only
 * one answered), or RTCP (RFC 5761 §4). */
static void
recv_frame(struct ua *u)
{
	uint8_t pkt[2048];
	ssize_t n;

	if ((n = recv(u->app, pkt, sizeof(pkt), 0)) <= 0)
		return;
	if (n >= 8 && (pkt[0] & 0xc0) == 0x80 && pkt[1] >= 192 &&
	    pkt[1] <= 223)
		recv_rtcp(u, pkt, (size_t)n);
	else if (n >= 12 && (pkt[0] & 0xc0) == 0x80 && (pkt[1] & 0x7f) == 0)
		u->received++;
	else
		u->bad++;
}

static void
media(struct ua *u, uint64_t now)
{
	if (!u->secure || u->state == UA_ENDED)
		return;
	while (u->sent < u->frames && now >= u->next_frame) {
		send_frame(u);
		u->next_frame += UA_FRAME_MS;
	}
	if (u->sent > 0 && !u->peer_got && now >= u->next_sr) {
		send_sr(u);
		u->next_sr = now + UA_SR_MS;
	}
	if (!u->media_said && u->sent >= u->frames &&
	    u->received >= u->frames && u->peer_got) {
		u->media_said = 1;
		say("media %d %d %u %u", u->sent, u->received,
		    u->peer_highest, u->peer_lost);
	}
}

static void
result(struct ua *u)
{
	json_t *show, *out;
	char *s;

	show = ctl_call(u, "session_show", json_pack("{s:s}", "session",
	    u->sid));
	out = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:O, s:O, s:O, "
	    "s:O, s:O, s:O}", "sent", u->sent, "sr_sent", u->nsr, "received",
	    u->received, "rtcp", u->rtcp, "bad", u->bad, "peer_highest",
	    (int)u->peer_highest,
	    "peer_lost", (int)u->peer_lost, "role", json_object_get(show,
	    "role"), "security", json_object_get(show, "security"),
	    "sas", json_object_get(json_object_get(show, "sas"), "text"),
	    "cache", json_object_get(show, "cache"),
	    "zrtp_hash", json_object_get(json_object_get(show, "zrtp_hash"),
	    "state"), "counters", json_object_get(show, "counters"));
	s = json_dumps(out, JSON_COMPACT);
	say("result %s", s);
	free(s);
	json_decref(out);
	json_decref(show);
}

/* One stdin line; 1 when it says to finish. */
static int
command(struct ua *u)
{
	char line[128], word[16];

	if (fgets(line, sizeof(line), stdin) == NULL)
		return 1;
	if (strncmp(line, "bye", 3) == 0)
		send_bye(u);
	else if (sscanf(line, "verdict %15s", word) == 1) {
		json_decref(ctl_call(u, "sas_verdict", json_pack("{s:s, s:s}",
		    "session", u->sid, "verdict", word)));
		say("verdict %s", word);
	} else if (strncmp(line, "quit", 4) == 0)
		return 1;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: sipua --socket PATH [--sip-port N] "
	    "[--frames N] [--timeout S] [--role any|initiator|responder]\n"
	    "             [--call ADDR:PORT]\n");
	exit(2);
}

static int
next_wait(struct ua *u, uint64_t now)
{
	uint64_t at = u->deadline;

	if (u->state == UA_ANSWERED || u->state == UA_BYE_SENT ||
	    (u->state == UA_CALLING && u->rtx_ms != 0))
		at = u->rtx_at < at ? u->rtx_at : at;
	if (u->secure && u->state != UA_ENDED && u->sent < u->frames)
		at = u->next_frame < at ? u->next_frame : at;
	if (u->sent > 0 && !u->peer_got && u->state != UA_ENDED)
		at = u->next_sr < at ? u->next_sr : at;
	return at > now ? (int)(at - now) : 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "sip-port", required_argument, NULL, 'p' },
		{ "frames", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "role", required_argument, NULL, 'r' },
		{ "call", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	static struct ua u;
	const char *sock = NULL, *call = NULL;
	struct pollfd pfd[4];
	int ch, sip_port = 0, timeout_s = 30;
	uint64_t now;

	u.frames = 50;
	u.role = "any";
	setvbuf(stdin, NULL, _IONBF, 0);	/* poll() sees every line */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's': sock = optarg; break;
		case 'p': sip_port = atoi(optarg); break;
		case 'f': u.frames = atoi(optarg); break;
		case 't': timeout_s = atoi(optarg); break;
		case 'r': u.role = optarg; break;
		case 'c': call = optarg; break;
		default: usage();
		}
	}
	if (sock == NULL || u.frames < 0 || u.frames > 10000 || timeout_s <= 0)
		usage();
	if (getrandom(&u.ssrc, sizeof(u.ssrc), 0) != sizeof(u.ssrc))
		die("getrandom");
	rand_hex(u.tag, 8);
	u.deadline = now_ms() + (uint64_t)timeout_s * 1000;
	open_session(&u, sock);
	u.sip = udp_loopback(sip_port, &u.sip_port);
	u.app = udp_loopback(0, &ch);
	say("ready %d %d %s", u.sip_port, u.media_port, u.hash);
	if (call != NULL)
		send_invite(&u, call);
	for (;;) {
		now = now_ms();
		retransmit(&u, now);
		media(&u, now);
		if (now >= u.deadline) {
			say("timeout");
			break;
		}
		pfd[0] = (struct pollfd){ u.sip, POLLIN, 0 };
		pfd[1] = (struct pollfd){ u.ctl, POLLIN, 0 };
		pfd[2] = (struct pollfd){ u.app, POLLIN, 0 };
		pfd[3] = (struct pollfd){ STDIN_FILENO, POLLIN, 0 };
		if (poll(pfd, 4, next_wait(&u, now)) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (pfd[0].revents & POLLIN)
			on_sip(&u);
		if (pfd[1].revents & (POLLIN | POLLHUP))
			ctl_events(&u);
		if (pfd[2].revents & POLLIN)
			recv_frame(&u);
		if ((pfd[3].revents & (POLLIN | POLLHUP)) && command(&u))
			break;
	}
	result(&u);
	zrtpc_close(u.c);
	return 0;
}
