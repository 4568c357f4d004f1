/*
 * Reads one SIP message (RFC 3261 §7) from a UDP datagram and the first
 * audio stream of an SDP offer, for the test user agent. Bounded: the
 * datagram is copied into a fixed buffer and read as NUL-terminated lines;
 * anything longer or malformed is refused. No header folding, no
 * multipart bodies: a test tool against one softphone, not a SIP stack.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sipmsg.h"

/* RFC 3261 §7.3.3: compact header names. */
static const struct {
	char		 compact;
	const char	*name;
} sip_compact[] = {
	{ 'v', "Via" }, { 'f', "From" }, { 't', "To" }, { 'i', "Call-ID" },
	{ 'm', "Contact" }, { 'l', "Content-Length" },
};

static const char *
hdr_name(const char *name)
{
	size_t i;

	if (name[0] != '\0' && name[1] == '\0')
		for (i = 0; i < sizeof(sip_compact) / sizeof(sip_compact[0]);
		    i++)
			if ((name[0] | 0x20) == sip_compact[i].compact)
				return sip_compact[i].name;
	return name;
}

static int
start_line(struct sipmsg *m, const char *line)
{
	char proto[16];

	if (strncmp(line, "SIP/2.0 ", 8) == 0) {
		m->request = 0;
		if (sscanf(line + 8, "%3d", &m->status) != 1 ||
		    m->status < 100 || m->status > 699)
			return -1;
		return 0;
	}
	m->request = 1;
	if (sscanf(line, "%15s %*s %15s", m->method, proto) != 2 ||
	    strcmp(proto, "SIP/2.0") != 0)
		return -1;
	return 0;
}

static int
header(struct sipmsg *m, char *line, long *clen)
{
	char *colon, *v, *e;
	const char *name;

	if ((colon = strchr(line, ':')) == NULL)
		return -1;
	for (e = colon; e > line && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	*e = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	name = hdr_name(line);
	if (strcasecmp(name, "Via") == 0) {
		if (m->nvia == SIPMSG_VIAS)
			return -1;
		m->via[m->nvia++] = v;
	} else if (strcasecmp(name, "From") == 0)
		m->from = v;
	else if (strcasecmp(name, "To") == 0)
		m->to = v;
	else if (strcasecmp(name, "Call-ID") == 0)
		m->call_id = v;
	else if (strcasecmp(name, "Contact") == 0)
		m->contact = v;
	else if (strcasecmp(name, "CSeq") == 0) {
		if (sscanf(v, "%lu %15s", &m->cseq, m->cseq_method) != 2)
			return -1;
	} else if (strcasecmp(name, "Content-Length") == 0) {
		*clen = strtol(v, &e, 10);
		if (e == v || *clen < 0)
			return -1;
	}
	return 0;
}

int
sipmsg_parse(struct sipmsg *m, const void *pkt, size_t n)
{
	char *end, *line, *next;
	long clen = -1;
	size_t avail;

	memset(m, 0, sizeof(*m));
	if (n > SIPMSG_MAX || memchr(pkt, '\0', n) != NULL)
		return -1;
	memcpy(m->buf, pkt, n);
	m->buf[n] = '\0';
	if ((end = strstr(m->buf, "\r\n\r\n")) == NULL)
		return -1;
	m->body = end + 4;
	avail = n - (size_t)(m->body - m->buf);
	end[2] = '\0';
	for (line = m->buf; *line != '\0'; line = next) {
		if ((next = strstr(line, "\r\n")) == NULL)
			return -1;
		next[0] = next[1] = '\0';
		next += 2;
		if (line == m->buf) {
			if (start_line(m, line) != 0)
				return -1;
		} else if (header(m, line, &clen) != 0)
			return -1;
	}
	/* RFC 3261 §18.3: over UDP, bytes past Content-Length are dropped;
	 * fewer than it says is a broken message. */
	if (clen > (long)avail)
		return -1;
	m->body_len = clen >= 0 ? (size_t)clen : avail;
	if (m->nvia == 0 || m->from == NULL || m->to == NULL ||
	    m->call_id == NULL || m->cseq_method[0] == '\0')
		return -1;
	return 0;
}

/* One line of the first audio stream or of the session part. */
struct sdp_scan {
	int		 section;	/* 0 session, 1 first audio, 2 other */
	char		 sess_addr[64], sess_hash[160];
	int		 sess_ipv6, aud_ipv6;
};

static void
sdp_media(struct sdp_scan *s, struct sdp_audio *a, char *v)
{
	char proto[32], *tok, *save;
	int port;

	if (a->port != 0 || strncmp(v, "audio ", 6) != 0 ||
	    sscanf(v + 6, "%d %31s", &port, proto) != 2 || port <= 0 ||
	    port > 65535 || strcmp(proto, "RTP/AVP") != 0) {
		s->section = 2;
		return;
	}
	s->section = 1;
	a->port = port;
	strtok_r(v, " ", &save);	/* audio */
	strtok_r(NULL, " ", &save);	/* port */
	strtok_r(NULL, " ", &save);	/* proto */
	while ((tok = strtok_r(NULL, " ", &save)) != NULL)
		if (strcmp(tok, "0") == 0)
			a->pcmu = 1;
}

static void
sdp_line(struct sdp_scan *s, struct sdp_audio *a, char *line)
{
	char addr[64];
	int ver;

	if (line[0] == '\0' || line[1] != '=')
		return;
	if (line[0] == 'm')
		sdp_media(s, a, line + 2);
	else if (line[0] == 'c' && s->section != 2 &&
	    sscanf(line + 2, "IN IP%d %63s", &ver, addr) == 2 &&
	    (ver == 4 || ver == 6)) {
		if (s->section == 0) {
			snprintf(s->sess_addr, sizeof(s->sess_addr), "%s", addr);
			s->sess_ipv6 = ver == 6;
		} else {
			snprintf(a->addr, sizeof(a->addr), "%s", addr);
			s->aud_ipv6 = ver == 6;
		}
	} else if (strncmp(line, "a=zrtp-hash:", 12) == 0 && s->section != 2)
		snprintf(s->section == 0 ? s->sess_hash : a->zrtp_hash,
		    sizeof(s->sess_hash), "%s", line + 12);
	else if (strcmp(line, "a=rtcp-mux") == 0 && s->section == 1)
		a->rtcp_mux = 1;
	else if (strncmp(line, "a=rtcp:", 7) == 0 && s->section == 1 &&
	    (a->rtcp_port = atoi(line + 7)) > 65535)
		a->rtcp_port = 0;	/* its own address, if any: not read */
}

/* RFC 4566: media-level c= and a=zrtp-hash (RFC 6189 §8) override the
 * session-level ones. 0 with an audio stream and its address, else -1. */
int
sdp_parse_audio(const char *body, size_t len, struct sdp_audio *a)
{
	char buf[SIPMSG_MAX + 1], *line, *next, *cr;
	struct sdp_scan s;

	memset(a, 0, sizeof(*a));
	memset(&s, 0, sizeof(s));
	if (len > SIPMSG_MAX)
		return -1;
	memcpy(buf, body, len);
	buf[len] = '\0';
	for (line = buf; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((cr = strchr(line, '\r')) != NULL)
			*cr = '\0';
		sdp_line(&s, a, line);
	}
	if (a->addr[0] == '\0') {
		snprintf(a->addr, sizeof(a->addr), "%s", s.sess_addr);
		a->ipv6 = s.sess_ipv6;
	} else
		a->ipv6 = s.aud_ipv6;
	if (a->zrtp_hash[0] == '\0')
		snprintf(a->zrtp_hash, sizeof(a->zrtp_hash), "%s", s.sess_hash);
	return a->port != 0 && a->addr[0] != '\0' ? 0 : -1;
}

/* Host and port of the first sip: URI in a header value (5060 if none). */
int
sip_uri_hostport(const char *v, char *host, size_t hlen, int *port)
{
	const char *p, *at, *e;
	size_t n;

	if ((p = strstr(v, "sip:")) == NULL)
		return -1;
	p += 4;
	at = strchr(p, '@');
	e = p + strcspn(p, ";>?, ");
	if (at != NULL && at < e)
		p = at + 1;
	if (*p == '[') {
		if ((e = strchr(++p, ']')) == NULL)
			return -1;
		n = (size_t)(e++ - p);
	} else {
		n = strcspn(p, ":;>?, ");
		e = p + n;
	}
	if (n == 0 || n >= hlen)
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';
	*port = 5060;
	if (*e == ':' && ((*port = atoi(e + 1)) <= 0 || *port > 65535))
		return -1;
	return 0;
}

/* The value of ";name=value" in a header value, or NULL. */
const char *
sip_param(const char *v, const char *name, char *out, size_t olen)
{
	const char *p = v;
	size_t nl = strlen(name), n;

	while ((p = strchr(p, ';')) != NULL) {
		p++;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == '=') {
			p += nl + 1;
			n = strcspn(p, ";,> \t");
			if (n >= olen)
				return NULL;
			memcpy(out, p, n);
			out[n] = '\0';
			return out;
		}
	}
	return NULL;
}
