/*
 * The test user agent's SIP (RFC 3261) over UDP: one dialog, as the
 * answering side (INVITE in) or the calling side (--call), with the
 * retransmission timers UDP needs; the SDP offer and answer it writes.
 * No proxy, route set, authentication or forking.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sipua.h"

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
		ua_say("reinvite");
		return;
	}
	respond(u, m, src, 100, "Trying", NULL);
	if (m->body_len == 0 || sdp_parse_audio(m->body, m->body_len, &a) != 0 ||
	    !a.pcmu || a.ipv6) {
		respond(u, m, src, 488, "Not Acceptable Here", NULL);
		ua_say("refused no IPv4 PCMU audio stream");
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
	ua_say("invite %s %d %s", a.addr, a.port,
	    a.zrtp_hash[0] ? a.zrtp_hash : "-");
	ua_start_session(u, &a);
	make_answer(u, &a);
	respond(u, m, src, 200, "OK", u->sdp);
	u->state = UA_ANSWERED;
	u->rtx_ms = UA_T1;
	u->rtx_at = ua_now_ms() + UA_T1;
	u->rtx_end = ua_now_ms() + UA_TX_END;
}

/* RFC 3261 §15.1.1: either side of the dialog sends the BYE. */
void
dlg_send_bye(struct ua *u)
{
	char branch[17];
	int n;

	if (u->state != UA_CONFIRMED && u->state != UA_ANSWERED)
		return;
	ua_rand_hex(branch, 8);
	u->bye_cseq = ++u->local_cseq;
	n = snprintf(u->bye, sizeof(u->bye), "BYE sip:%s:%d SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n"
	    "Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\n"
	    "CSeq: %lu BYE\r\nUser-Agent: zrtpd-sipua\r\n"
	    "Content-Length: 0\r\n\r\n", u->target, u->target_port,
	    u->sip_port, branch, u->local, u->remote, u->call_id, u->bye_cseq);
	if (n < 0 || (size_t)n >= sizeof(u->bye))
		ua_die("BYE too long");
	u->bye_len = (size_t)n;
	memset(&u->bye_to, 0, sizeof(u->bye_to));
	u->bye_to.sin_family = AF_INET;
	u->bye_to.sin_port = htons((uint16_t)u->target_port);
	if (inet_pton(AF_INET, u->target, &u->bye_to.sin_addr) != 1)
		u->bye_to = u->src;	/* a name in Contact: where it spoke */
	sip_send(u, u->bye, u->bye_len, &u->bye_to);
	u->state = UA_BYE_SENT;
	u->rtx_ms = UA_T1;
	u->rtx_at = ua_now_ms() + UA_T1;
	u->rtx_end = ua_now_ms() + UA_TX_END;
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

void
dlg_send_invite(struct ua *u, const char *hostport)
{
	char host[64], callid[17];
	int port, n;

	if (sscanf(hostport, "%63[0-9.]:%d", host, &port) != 2 ||
	    port <= 0 || port > 65535 ||
	    inet_pton(AF_INET, host, &u->src.sin_addr) != 1)
		ua_die("--call: an IPv4 address and a port");
	u->src.sin_family = AF_INET;
	u->src.sin_port = htons((uint16_t)port);
	set_target(u, host, port);
	ua_rand_hex(callid, 8);
	ua_rand_hex(u->invite_branch, 8);
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
		ua_die("INVITE too long");
	u->invite_len = (size_t)n;
	u->uac = 1;
	sip_send(u, u->invite, u->invite_len, &u->bye_to);
	ua_say("calling %s:%d", host, port);
	u->state = UA_CALLING;
	u->rtx_ms = UA_T1;
	u->rtx_at = ua_now_ms() + UA_T1;
	u->rtx_end = ua_now_ms() + UA_TX_END;
}

/* RFC 3261 §13.2.2.4: a 2xx's ACK is a new transaction to the remote
 * target; §17.1.1.3: a failure's takes the INVITE's branch and URI. */
static void
send_ack(struct ua *u, const char *to, int ok)
{
	char branch[17];
	int n;

	if (ok)
		ua_rand_hex(branch, 8);
	else
		memcpy(branch, u->invite_branch, sizeof(branch));
	n = snprintf(u->ack, sizeof(u->ack), "ACK sip:%s:%d SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n"
	    "Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\n"
	    "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n", u->target,
	    u->target_port, u->sip_port, branch, u->local, to, u->call_id);
	if (n < 0 || (size_t)n >= sizeof(u->ack))
		ua_die("ACK too long");
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
		ua_say("refused %d", m->status);
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
		ua_say("refused no IPv4 PCMU audio stream in the answer");
		dlg_send_bye(u);
		return;
	}
	ua_say("answered %s %d %s", a.addr, a.port,
	    a.zrtp_hash[0] ? a.zrtp_hash : "-");
	ua_start_session(u, &a);
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
			ua_say("ack");
		}
	} else if (strcmp(m->method, "BYE") == 0) {
		if (!ours) {
			respond(u, m, src, 481, "Call/Transaction Does Not Exist",
			    NULL);
			return;
		}
		respond(u, m, src, 200, "OK", NULL);
		if (u->state != UA_ENDED)
			ua_say("bye");
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

void
dlg_on_sip(struct ua *u)
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
		ua_say("bye_ok %d", m.status);
		u->state = UA_ENDED;
	}
}

/* Timers G and E (RFC 3261 §17.2.1, §17.1.2.2): the 200 until its ACK,
 * the BYE until its answer; H and F end them. */
void
dlg_retransmit(struct ua *u, uint64_t now)
{
	if ((u->state != UA_ANSWERED && u->state != UA_BYE_SENT &&
	    (u->state != UA_CALLING || u->rtx_ms == 0)) || now < u->rtx_at)
		return;
	if (now >= u->rtx_end) {
		ua_say("%s", u->state == UA_ANSWERED ? "noack" :
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
