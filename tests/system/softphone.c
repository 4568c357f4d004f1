/*
 * A plain-RTP "softphone" for system tests and the demo: it asks zrtpd
 * for a relay-mode session over the control socket, trades addresses and
 * a=zrtp-hash values with the script on stdin/stdout (its "SDP"), then
 * sends numbered audio frames to the session's loopback port and checks
 * every frame it gets back: count, order and content.
 *
 * --mode keys: the phone owns its media socket and forwards ZRTP between
 * it and the session's loopback port, and prints the keys it is given.
 * --plain: no daemon at all, a peer that never speaks ZRTP.
 * --first-seq N: both phones' first RTP sequence number (1 by default;
 * near 65535 the call crosses the SRTP rollover). --quiet MS: how long
 * without a frame, once all are sent, ends the wait for the rest (1000).
 * A frame that arrives twice counts in "dup", one older than the newest
 * seen in "reordered". --latch 0|1 and --rtcp-port N: session_start's
 * latch and remote_rtcp_port.
 *
 * stdout lines:  offer PORT HASH|- CALL|- | event NAME JSON
 *                | secure SAS CACHE | notsecure REASON | keys TX RX SUITE
 *                | reply JSON | done SENT RECEIVED
 *                | fence reached|missed OTHER | latched reached|missed PORT
 *                | show JSON | result JSON
 * stdin lines:   answer ADDR PORT HASH|- | go | verdict match|mismatch
 *                | name TEXT | peerhash HASH | fence N | latched PORT
 *                | show | quit
 *
 * "fence N" (after a wiretap's --fence): the session's "other" counter is
 * read until it reaches N, each time after reading every frame already
 * queued on our socket; "fence reached" then means the daemon has read every
 * datagram the wiretap sent before its fence, and we every frame the
 * daemon forwarded from them, so the counts that follow are exact and no
 * longer depend on how fast anyone ran. "missed" after 20 seconds.
 * "latched PORT": the session's remote is read until it is latched to
 * PORT, or 20 seconds passed; the port last seen follows. "show": the
 * session's session_show, one line.
 *
 * It speaks the control protocol through libzrtpc, as a softphone that
 * embeds zrtpd would.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "zrtpc.h"

#define SP_PAYLOAD	160
#define SP_MARKER	"ZRTPD-PLAIN-AUDIO"	/* must never be on the wire */

struct sp {
	struct zrtpc	*c;		/* the control connection */
	int		 ctl, udp, med;	/* its fd; app-facing; own media */
	int		 plain;
	int		 probe_pattern;	/* bzpeer's frames: byte i = seq + i */
	int		 rtcp_every;	/* an RTCP SR+APP every N frames */
	int		 rtcp_sent, rtcp_received, ssrc_change;
	int		 latch;		/* --latch: session_start's, or -1 */
	int		 rtcp_port;	/* --rtcp-port: remote_rtcp_port, or 0 */
	const char	*media_addr;	/* bind_addr of the session */
	const char	*call;
	struct sockaddr_in remote;
	int		 have_remote;
	char		 side;		/* 'A' or 'B': whose frames we send */
	const char	*session, *policy, *mode, *role, *kex, *sas;
	char		 sid[32];
	int		 app_port;
	int		 frames, gap_ms, sending, early;
	uint16_t	 seq;
	uint32_t	 ssrc;
	int		 sent, received, bad, reordered, dup, last_idx;
	uint16_t	 first_seq;
	int		 quiet_ms;
	uint8_t		 seen[65536];	/* by index: seq - first_seq */
	uint64_t	 next_send, deadline, last_rx;
	int		 secure, failed, done_sending;
	char		 security[32], sas_text[64], cache[16], reason[160];
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
	fprintf(stderr, "softphone: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void on_event(struct sp *p, json_t *ev);

/* Every event the library holds, in order. */
static void
ctl_events(struct sp *p)
{
	struct zrtpc_error err;
	json_t *ev;
	int r;

	while ((r = zrtpc_event(p->c, 0, &ev, &err)) == 0) {
		on_event(p, ev);
		json_decref(ev);
	}
	if (r != ZRTPC_E_TIMEOUT)
		die("control socket: %s", err.message);
}

/* A request ({"cmd": ..., arguments}, taken) and its result; events that
 * came before the reply are handled first, as they arrived. */
static json_t *
ctl_call(struct sp *p, json_t *req)
{
	struct zrtpc_error err;
	char cmd[32];
	json_t *r;

	snprintf(cmd, sizeof(cmd), "%s",
	    json_string_value(json_object_get(req, "cmd")));
	json_object_del(req, "cmd");
	if (zrtpc_request(p->c, cmd, req, 10000, &r, &err) != 0)
		die("%s: %s: %s", cmd, err.code, err.message);
	json_decref(req);
	ctl_events(p);
	return r;
}

static void
on_event(struct sp *p, json_t *ev)
{
	const char *name = json_string_value(json_object_get(ev, "event"));
	const char *sec;
	char *s;

	s = json_dumps(ev, JSON_COMPACT);
	say("event %s %s", name, s);
	free(s);
	if (strcmp(name, "sas_ready") == 0) {
		snprintf(p->sas_text, sizeof(p->sas_text), "%s",
		    json_string_value(json_object_get(json_object_get(ev, "sas"),
		    "text")));
		snprintf(p->cache, sizeof(p->cache), "%s",
		    json_string_value(json_object_get(ev, "cache")));
	} else if (strcmp(name, "security") == 0) {
		sec = json_string_value(json_object_get(ev, "security"));
		snprintf(p->security, sizeof(p->security), "%s", sec);
		if (strncmp(sec, "secure_", 7) == 0 ||
		    strcmp(sec, "cache_mismatch") == 0) {
			if (!p->secure)
				say("secure %s %s", p->sas_text[0] ?
				    p->sas_text : "-", p->cache[0] ? p->cache :
				    "-");
			p->secure = 1;
		}
	} else if (strcmp(name, "secure") == 0 &&
	    json_object_get(ev, "keys") != NULL) {
		json_t *k = json_object_get(ev, "keys");

		say("keys %s %s %s", json_string_value(json_object_get(
		    json_object_get(k, "tx"), "key")), json_string_value(
		    json_object_get(json_object_get(k, "rx"), "key")),
		    json_string_value(json_object_get(k, "suite")));
	} else if (strcmp(name, "failed") == 0 ||
	    strcmp(name, "no_zrtp") == 0) {
		p->failed = 1;
		snprintf(p->reason, sizeof(p->reason), "%s", name);
		say("notsecure %s", name);
	}
}

/* RTP v2, PT 0; payload: the marker, our side and seq, then a pattern. */
static void
send_frame(struct sp *p)
{
	uint8_t pkt[12 + SP_PAYLOAD];
	struct sockaddr_in to;
	uint16_t seq = ++p->seq;
	int i, n;

	pkt[0] = 0x80;
	pkt[1] = 0;
	pkt[2] = seq >> 8;
	pkt[3] = seq & 0xff;
	for (i = 0; i < 4; i++) {
		pkt[4 + i] = (uint8_t)(((uint32_t)seq * 160) >> (24 - 8 * i));
		pkt[8 + i] = (uint8_t)(p->ssrc >> (24 - 8 * i));
	}
	n = p->probe_pattern ? 0 : snprintf((char *)pkt + 12, SP_PAYLOAD,
	    "%s %c #%05u ", SP_MARKER, p->side, seq);
	for (i = 12 + n; i < 12 + SP_PAYLOAD; i++)
		pkt[i] = (uint8_t)(seq + i - (p->probe_pattern ? 12 : 0));
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons((uint16_t)p->app_port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (p->plain)
		to = p->remote;
	if (sendto(p->plain ? p->med : p->udp, pkt, sizeof(pkt), 0,
	    (struct sockaddr *)&to, sizeof(to)) == (ssize_t)sizeof(pkt))
		p->sent++;
}

/*
 * RTCP (RFC 3550): a sender report and an APP packet carrying the marker
 * and our side, so the wiretap can tell it is never on the wire in clear.
 */
static void
send_rtcp(struct sp *p)
{
	uint8_t pkt[28 + 32];
	struct sockaddr_in to;
	int i;

	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x80;
	pkt[1] = 200;		/* SR */
	pkt[3] = 6;
	pkt[28] = 0x80;
	pkt[29] = 204;		/* APP */
	pkt[31] = 7;
	for (i = 0; i < 4; i++) {
		pkt[4 + i] = (uint8_t)(p->ssrc >> (24 - 8 * i));
		pkt[32 + i] = pkt[4 + i];
	}
	memcpy(pkt + 36, "ZRTD", 4);
	snprintf((char *)pkt + 40, 20, "%s%c", SP_MARKER, p->side);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons((uint16_t)p->app_port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sendto(p->udp, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
	    sizeof(to)) == (ssize_t)sizeof(pkt))
		p->rtcp_sent++;
}

/* RTCP from the peer: our compound, from the other side. */
static void
recv_rtcp(struct sp *p, const uint8_t *pkt, ssize_t n)
{
	char want[24];

	snprintf(want, sizeof(want), "%s%c", SP_MARKER, p->side == 'A' ?
	    'B' : 'A');
	if (n == 60 && pkt[29] == 204 && memcmp(pkt + 40, want,
	    strlen(want)) == 0)
		p->rtcp_received++;
	else
		p->bad++;
}

/* A frame from the peer: whole, from the other side, in order. */
static void
recv_frame(struct sp *p, int fd)
{
	uint8_t pkt[2048];
	char want[64];
	ssize_t n;
	int seq, idx, i, k;

	if ((n = recv(fd, pkt, sizeof(pkt), 0)) <= 0)
		return;
	p->last_rx = now_ms();
	if (n >= 8 && pkt[1] >= 192 && pkt[1] <= 223) {
		recv_rtcp(p, pkt, n);
		return;
	}
	if (n != 12 + SP_PAYLOAD || pkt[0] != 0x80) {
		p->bad++;
		return;
	}
	seq = pkt[2] << 8 | pkt[3];
	k = p->probe_pattern ? 0 : snprintf(want, sizeof(want), "%s %c #%05u ",
	    SP_MARKER, p->side == 'A' ? 'B' : 'A', seq);
	if (memcmp(pkt + 12, want, (size_t)k) != 0) {
		p->bad++;
		return;
	}
	for (i = 12 + k; i < 12 + SP_PAYLOAD; i++)
		if (pkt[i] != (uint8_t)(seq + i - (p->probe_pattern ? 12 : 0))) {
			p->bad++;
			return;
		}
	/* Replay protection keeps a second copy from the application. */
	idx = (uint16_t)(seq - p->first_seq);
	if (idx >= p->frames) {
		p->bad++;
		return;
	}
	if (p->seen[idx]) {
		p->dup++;
		return;
	}
	p->seen[idx] = 1;
	if (idx < p->last_idx)
		p->reordered++;
	else
		p->last_idx = idx;
	p->received++;
}

/* Every frame already queued on our app-facing socket. */
static void
drain_frames(struct sp *p)
{
	struct pollfd pfd;

	pfd = (struct pollfd){ p->udp, POLLIN, 0 };
	while (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN) != 0)
		recv_frame(p, p->udp);
}

/* "latched PORT": the session's remote, until latched to PORT (20 s). */
static void
wait_latched(struct sp *p, int want)
{
	struct pollfd pfd;
	uint64_t end = now_ms() + 20000;
	json_t *show, *rem;
	int port, latched;

	for (;;) {
		show = ctl_call(p, json_pack("{s:s, s:s}", "cmd",
		    "session_show", "session", p->sid));
		rem = json_object_get(show, "remote");
		port = (int)json_integer_value(json_object_get(rem, "port"));
		latched = json_is_true(json_object_get(rem, "latched"));
		json_decref(show);
		drain_frames(p);
		if ((latched && port == want) || now_ms() >= end)
			break;
		pfd = (struct pollfd){ p->udp, POLLIN, 0 };
		poll(&pfd, 1, 10);
	}
	say("latched %s %d", latched && port == want ? "reached" : "missed",
	    port);
}

static void
fence(struct sp *p, long long want)
{
	struct pollfd pfd;
	uint64_t end = now_ms() + 20000;
	long long other;
	json_t *show;

	for (;;) {
		show = ctl_call(p, json_pack("{s:s, s:s}", "cmd",
		    "session_show", "session", p->sid));
		other = (long long)json_integer_value(json_object_get(
		    json_object_get(show, "counters"), "other"));
		json_decref(show);
		/* The reply left after what the daemon forwarded before. */
		drain_frames(p);
		if (other >= want || now_ms() >= end)
			break;
		/* Frames meanwhile, or the next look in 10 ms. */
		pfd = (struct pollfd){ p->udp, POLLIN, 0 };
		poll(&pfd, 1, 10);
	}
	say("fence %s %lld", other >= want ? "reached" : "missed", other);
}

static int
udp_loopback(int *port)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int fd;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
		die("udp: %s", strerror(errno));
	*port = ntohs(a.sin_port);
	return fd;
}

/* Keys mode: ZRTP between our media socket and the session's port. */
static void
forward(struct sp *p, int from)
{
	uint8_t pkt[2048];
	struct sockaddr_in to;
	ssize_t n;

	if ((n = recv(from, pkt, sizeof(pkt), 0)) <= 0)
		return;
	if (from == p->med) {
		memset(&to, 0, sizeof(to));
		to.sin_family = AF_INET;
		to.sin_port = htons((uint16_t)p->app_port);
		to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sendto(p->udp, pkt, (size_t)n, 0, (struct sockaddr *)&to,
		    sizeof(to));
	} else if (p->have_remote)
		sendto(p->med, pkt, (size_t)n, 0, (struct sockaddr *)&p->remote,
		    sizeof(p->remote));
}

static void
open_session(struct sp *p)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	json_t *req, *r;

	req = json_pack("{s:s, s:s, s:s, s:s}", "cmd", "session_create",
	    "label", p->call != NULL ? "video" : "audio", "mode", p->mode,
	    "policy", p->policy);
	if (p->call != NULL)
		json_object_set_new(req, "call", json_string(p->call));
	if (p->media_addr != NULL)
		json_object_set_new(req, "bind_addr",
		    json_string(p->media_addr));
	if (p->role != NULL)
		json_object_set_new(req, "role", json_string(p->role));
	if (p->kex != NULL || p->sas != NULL) {
		json_t *al = json_object();

		if (p->kex != NULL)
			json_object_set_new(al, "kex", json_pack("[s]", p->kex));
		if (p->sas != NULL)
			json_object_set_new(al, "sas", json_pack("[s]", p->sas));
		json_object_set_new(req, "algorithms", al);
	}
	/* Our frames come from this socket: the daemon learns it. */
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((p->udp = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    bind(p->udp, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(p->udp, (struct sockaddr *)&a, &alen) != 0)
		die("udp: %s", strerror(errno));
	json_object_set_new(req, "app_addr", json_string("127.0.0.1"));
	json_object_set_new(req, "app_port", json_integer(ntohs(a.sin_port)));
	r = ctl_call(p, req);
	snprintf(p->sid, sizeof(p->sid), "%s",
	    json_string_value(json_object_get(r, "session")));
	p->app_port = (int)json_integer_value(json_object_get(
	    json_object_get(r, "app"), "port"));
	json_decref(ctl_call(p, json_pack("{s:s, s:[s]}", "cmd", "subscribe",
	    "sessions", p->sid)));
	if (strcmp(p->mode, "keys") == 0) {
		int mp;

		p->med = udp_loopback(&mp);
		say("offer %d %s %s", mp, json_string_value(json_object_get(r,
		    "zrtp_hash")), json_string_value(json_object_get(r,
		    "call")));
	} else
		say("offer %d %s %s", (int)json_integer_value(json_object_get(
		    json_object_get(r, "media"), "port")),
		    json_string_value(json_object_get(r, "zrtp_hash")),
		    json_string_value(json_object_get(r, "call")));
	json_decref(r);
}

static void
on_stdin(struct sp *p, char *line)
{
	char addr[64], hash[128], word[16];
	int port;

	line[strcspn(line, "\n")] = '\0';
	if (sscanf(line, "answer %63s %d %127[^\n]", addr, &port, hash) == 3 &&
	    (p->plain || strcmp(p->mode, "keys") == 0)) {
		memset(&p->remote, 0, sizeof(p->remote));
		p->remote.sin_family = AF_INET;
		p->remote.sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, addr, &p->remote.sin_addr);
		p->have_remote = 1;
		if (!p->plain) {
			json_t *req = json_pack("{s:s, s:s}", "cmd",
			    "session_start", "session", p->sid);

			if (strcmp(hash, "-") != 0)
				json_object_set_new(req, "peer_hash",
				    json_string(hash));
			json_decref(ctl_call(p, req));
		}
	} else if (sscanf(line, "answer %63s %d %127[^\n]", addr, &port,
	    hash) == 3) {
		json_t *req = json_pack("{s:s, s:s, s:s, s:i}", "cmd",
		    "session_start", "session", p->sid, "remote_addr", addr,
		    "remote_port", port);

		if (strcmp(hash, "-") != 0)
			json_object_set_new(req, "peer_hash", json_string(hash));
		if (p->latch >= 0)
			json_object_set_new(req, "latch",
			    json_boolean(p->latch));
		if (p->rtcp_port > 0)
			json_object_set_new(req, "remote_rtcp_port",
			    json_integer(p->rtcp_port));
		json_decref(ctl_call(p, req));
		if (p->early)
			p->sending = 1;
	} else if (strcmp(line, "go") == 0) {
		p->sending = 1;
		p->next_send = now_ms();
	} else if (sscanf(line, "verdict %15s", word) == 1) {
		json_decref(ctl_call(p, json_pack("{s:s, s:s, s:s}", "cmd",
		    "sas_verdict", "session", p->sid, "verdict", word)));
		say("verdict %s", word);
	} else if (strncmp(line, "name ", 5) == 0) {
		json_decref(ctl_call(p, json_pack("{s:s, s:s, s:s}", "cmd",
		    "session_name", "session", p->sid, "name", line + 5)));
	} else if (strncmp(line, "peerhash ", 9) == 0) {
		json_t *r = ctl_call(p, json_pack("{s:s, s:s, s:s}", "cmd",
		    "session_peer_hash", "session", p->sid, "peer_hash",
		    line + 9));
		char *t = json_dumps(r, JSON_COMPACT);

		say("reply %s", t);
		free(t);
		json_decref(r);
	} else if (sscanf(line, "fence %d", &port) == 1 && !p->plain) {
		fence(p, port);
	} else if (sscanf(line, "latched %d", &port) == 1 && !p->plain) {
		wait_latched(p, port);
	} else if (strcmp(line, "show") == 0 && !p->plain) {
		json_t *r = ctl_call(p, json_pack("{s:s, s:s}", "cmd",
		    "session_show", "session", p->sid));
		char *t = json_dumps(r, JSON_COMPACT);

		say("show %s", t != NULL ? t : "null");
		free(t);
		json_decref(r);
	} else if (strcmp(line, "quit") == 0) {
		p->deadline = now_ms();
	}
}

static void
finish(struct sp *p)
{
	json_t *show, *res;
	char *s;

	if (p->plain) {
		say("result {\"sent\":%d,\"received\":%d,\"bad\":%d,"
		    "\"reordered\":%d,\"dup\":%d}", p->sent, p->received,
		    p->bad, p->reordered, p->dup);
		return;
	}
	show = ctl_call(p, json_pack("{s:s, s:s}", "cmd", "session_show",
	    "session", p->sid));
	/* Hang up before saying so: the session is gone when we report. */
	json_decref(ctl_call(p, json_pack("{s:s, s:s}", "cmd",
	    "session_close", "session", p->sid)));
	res = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:s?, s:i,"
	    " s:i, s:O, s:O}",
	    "security", json_string_value(json_object_get(show, "security")),
	    "sas", p->sas_text, "cache", p->cache, "sent", p->sent,
	    "received", p->received, "bad", p->bad, "reordered", p->reordered,
	    "dup", p->dup, "zrtp_hash_state", json_string_value(json_object_get(
	    json_object_get(show, "zrtp_hash"), "state")),
	    "rtcp_sent", p->rtcp_sent, "rtcp_received", p->rtcp_received,
	    "counters", json_object_get(show, "counters"), "error",
	    json_object_get(show, "error"));
	s = json_dumps(res, JSON_COMPACT);
	say("result %s", s);
	free(s);
	json_decref(res);
	json_decref(show);
}

static void
parse_args(struct sp *p, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--early") == 0) {
			p->early = 1;
			continue;
		}
		if (strcmp(argv[i], "--plain") == 0) {
			p->plain = 1;
			continue;
		}
		if (strcmp(argv[i], "--probe-pattern") == 0) {
			p->probe_pattern = 1;
			continue;
		}
		if (strcmp(argv[i], "--ssrc-change") == 0) {
			p->ssrc_change = 1;
			continue;
		}
		if (v == NULL)
			die("%s needs a value", argv[i]);
		if (strcmp(argv[i], "--socket") == 0)
			p->session = v;
		else if (strcmp(argv[i], "--side") == 0)
			p->side = v[0];
		else if (strcmp(argv[i], "--frames") == 0)
			p->frames = atoi(v);
		else if (strcmp(argv[i], "--gap") == 0)
			p->gap_ms = atoi(v);
		else if (strcmp(argv[i], "--policy") == 0)
			p->policy = v;
		else if (strcmp(argv[i], "--mode") == 0)
			p->mode = v;
		else if (strcmp(argv[i], "--rtcp") == 0)
			p->rtcp_every = atoi(v);
		else if (strcmp(argv[i], "--latch") == 0)
			p->latch = atoi(v);
		else if (strcmp(argv[i], "--rtcp-port") == 0)
			p->rtcp_port = atoi(v);
		else if (strcmp(argv[i], "--media-addr") == 0)
			p->media_addr = v;
		else if (strcmp(argv[i], "--call") == 0)
			p->call = v;
		else if (strcmp(argv[i], "--role") == 0)
			p->role = v;
		else if (strcmp(argv[i], "--kex") == 0)
			p->kex = v;
		else if (strcmp(argv[i], "--sas") == 0)
			p->sas = v;
		else if (strcmp(argv[i], "--first-seq") == 0)
			p->first_seq = (uint16_t)atoi(v);
		else if (strcmp(argv[i], "--quiet") == 0)
			p->quiet_ms = atoi(v);
		else if (strcmp(argv[i], "--timeout") == 0)
			p->deadline = now_ms() + 1000 * (uint64_t)atoi(v);
		else
			die("unknown option %s", argv[i]);
		i++;
	}
	if ((p->session == NULL && !p->plain) || (p->side != 'A' &&
	    p->side != 'B'))
		die("usage: softphone --socket PATH --side A|B [--frames N] "
		    "[--gap MS] [--policy P] [--mode relay|keys] [--call ID] "
		    "[--role R] [--kex K] [--sas S] [--timeout SEC] [--early] "
		    "[--first-seq N] [--quiet MS] [--rtcp N] [--latch 0|1] "
		    "[--rtcp-port N] | --plain --side A|B [--frames N]");
}

int
main(int argc, char **argv)
{
	static struct sp p;
	struct zrtpc_error err;
	struct pollfd pfd[4];
	char line[512];
	size_t linelen = 0;
	uint64_t now;

	p.frames = 50;
	p.gap_ms = 20;
	p.policy = "require";
	p.mode = "relay";
	p.deadline = now_ms() + 30000;
	p.ssrc = (uint32_t)getpid() * 2654435761u;
	p.first_seq = 1;
	p.quiet_ms = 1000;
	p.last_idx = -1;
	p.latch = -1;
	parse_args(&p, argc, argv);
	p.seq = (uint16_t)(p.first_seq - 1);
	p.ctl = p.udp = p.med = -1;
	if (p.plain) {
		int mp;

		p.med = udp_loopback(&mp);
		say("offer %d - -", mp);
	} else {
		/* libzrtpc runs the hello (version 1). */
		if (zrtpc_open(p.session, "softphone", 10000, &p.c, &err) != 0)
			die("%s: %s", p.session, err.message);
		p.ctl = zrtpc_fd(p.c);
		open_session(&p);
	}
	for (;;) {
		now = now_ms();
		if (now >= p.deadline)
			break;
		/*
		 * All sent, and all received (frames, and the RTCP a peer
		 * sending as we do sends after its last frame) or a quiet
		 * second: done.
		 */
		if (p.sent >= p.frames && ((p.received >= p.frames &&
		    p.rtcp_received >= (p.rtcp_every > 0 ?
		    p.frames / p.rtcp_every : 0)) ||
		    now >= p.last_rx + (uint64_t)p.quiet_ms) && p.sending &&
		    !p.done_sending) {
			p.done_sending = 1;
			say("done %d %d", p.sent, p.received);
		}
		pfd[0] = (struct pollfd){ 0, POLLIN, 0 };
		pfd[1] = (struct pollfd){ p.ctl, POLLIN, 0 };
		pfd[2] = (struct pollfd){ p.udp, POLLIN, 0 };
		pfd[3] = (struct pollfd){ p.med, POLLIN, 0 };
		if (poll(pfd, 4, p.sending && p.sent < p.frames ?
		    (int)(p.next_send > now ? p.next_send - now : 0) : 100) < 0)
			break;
		if ((pfd[0].revents & (POLLIN | POLLHUP)) != 0) {
			/* read(2), not stdio: poll must see every line. */
			ssize_t n = read(0, line + linelen, sizeof(line) - 1 -
			    linelen);
			char *nl;

			if (n <= 0)
				break;
			linelen += (size_t)n;
			line[linelen] = '\0';
			while ((nl = strchr(line, '\n')) != NULL) {
				*nl = '\0';
				on_stdin(&p, line);
				linelen -= (size_t)(nl + 1 - line);
				memmove(line, nl + 1, linelen + 1);
			}
			if (linelen == sizeof(line) - 1)
				die("stdin line too long");
		}
		if (pfd[1].revents & (POLLIN | POLLHUP))
			ctl_events(&p);
		if (strcmp(p.mode, "keys") == 0 && !p.plain) {
			if (pfd[2].revents & POLLIN)
				forward(&p, p.udp);
			if (pfd[3].revents & POLLIN)
				forward(&p, p.med);
		} else if (pfd[2].revents & POLLIN)
			recv_frame(&p, p.udp);
		else if (pfd[3].revents & POLLIN)
			recv_frame(&p, p.med);
		if (p.sending && p.sent < p.frames && now_ms() >= p.next_send) {
			/* A new SSRC half-way, as after a re-INVITE. */
			if (p.ssrc_change && p.sent == p.frames / 2)
				p.ssrc ^= 0x5a5a5a5a;
			send_frame(&p);
			if (p.rtcp_every > 0 && p.sent % p.rtcp_every == 0)
				send_rtcp(&p);
			p.next_send = now_ms() + (uint64_t)p.gap_ms;
			if (p.sent == p.frames)
				p.last_rx = now_ms();
		}
	}
	finish(&p);
	if (p.plain)
		return p.bad == 0 && p.reordered == 0 ? 0 : 1;
	return p.secure && !p.failed && p.bad == 0 && p.reordered == 0 &&
	    p.dup == 0 && p.received == p.frames ? 0 : 1;
}
