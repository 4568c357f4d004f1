/*
 * The test user agent's media: PCMU frames and RTCP sender reports into
 * the zrtpd session's application port, and what comes out of it (the
 * softphone's audio and reports, unprotected by zrtpd) counted and read.
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
			ua_say("rr %u %u %s", u->peer_highest, u->peer_lost,
			    ours ? "lsr" : "-");
		}
		off += len;
	}
}

/* The softphone's audio as zrtpd unprotected it: RTP v2, PT 0 (the only
 * one answered), or RTCP (RFC 5761 §4). */
void
rtp_recv(struct ua *u)
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

void
rtp_media(struct ua *u, uint64_t now)
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
		ua_say("media %d %d %u %u", u->sent, u->received,
		    u->peer_highest, u->peer_lost);
	}
}
