/*
 * sipua: a minimal SIP user agent for the real-softphone test
 * (tests/interop/linphone.sh). It asks zrtpd for a relay-mode session,
 * then either waits for one INVITE over UDP on 127.0.0.1 and answers it
 * (100, then 200 with SDP: audio PCMU at the session's media port,
 * a=rtcp-mux if offered, else a=rtcp naming the media port; our
 * a=zrtp-hash), or with --call ADDR:PORT sends the INVITE itself (offer:
 * a=rtcp-mux and a=rtcp) and ACKs the answer. The peer's audio address,
 * port, a=zrtp-hash and, without a=rtcp-mux, its RTCP port (a=rtcp, else
 * the RTP port + 1) go to session_start. Once the session is secure it
 * sends --frames PCMU frames (and RTCP sender reports) into the session's
 * application port, counts the plain RTP that comes out of it (the
 * softphone's audio, unprotected by zrtpd), and waits for the softphone's
 * receiver report saying it got every frame and one of our reports:
 * "media" then proves both directions of SRTP and SRTCP through zrtpd.
 * It handles ACK, BYE (either side), CANCEL, OPTIONS and re-INVITE in the
 * dialog; other requests get 501.
 *
 * It is a test tool, not a SIP stack: UDP only, no registrar, proxy,
 * Record-Route, authentication, forking or PRACK, one dialog per run.
 * Responses go to the request's source address (RFC 3581 rport). Every
 * wait is poll() with a deadline (--timeout, seconds).
 *
 * Here: the main loop and the zrtpd session; sipdlg.c: SIP; sipmedia.c:
 * RTP and RTCP.
 *
 * stdout lines: ready SIP_PORT MEDIA_PORT HASH | invite ADDR PORT HASH|-
 *   | calling ADDR:PORT | answered ADDR PORT HASH|- | refused WHY
 *   | ack | event NAME JSON | secure SAS CACHE | notsecure REASON
 *   | rr HIGHEST_SEQ LOST lsr|- (the peer's report on our frames)
 *   | media SENT RECEIVED PEER_HIGHEST_SEQ PEER_LOST
 *   | bye | bye_ok CODE | noack | noanswer | bye_timeout | timeout
 *   | result JSON
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

#include "sipua.h"

uint64_t
ua_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void __attribute__((noreturn, format(printf, 1, 2)))
ua_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "sipua: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

void __attribute__((format(printf, 1, 2)))
ua_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void
ua_rand_hex(char *out, size_t bytes)
{
	uint8_t b[16];
	size_t i;

	if (bytes > sizeof(b) || getrandom(b, bytes, 0) != (ssize_t)bytes)
		ua_die("getrandom");
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
		ua_die("udp: %s", strerror(errno));
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
		ua_die("control socket: %s", err.message);
}

/* One request (arguments taken); its result, or the tool ends. */
static json_t *
ctl_call(struct ua *u, const char *cmd, json_t *args)
{
	struct zrtpc_error err;
	json_t *r;

	if (zrtpc_request(u->c, cmd, args, 10000, &r, &err) != 0)
		ua_die("%s: %s: %s", cmd, err.code, err.message);
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
	ua_say("event %s %s", name, s);
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
			u->next_frame = ua_now_ms();
			ua_say("secure %s %s", u->sas[0] ? u->sas : "-",
			    u->cache[0] ? u->cache : "-");
		}
	} else if (strcmp(name, "failed") == 0 ||
	    strcmp(name, "no_zrtp") == 0 ||
	    strcmp(name, "zrtp_hash_mismatch") == 0)
		ua_say("notsecure %s", name);
}

static void
open_session(struct ua *u, const char *sock)
{
	struct zrtpc_error err;
	json_t *r, *m;

	if (zrtpc_open(sock, "sipua", 10000, &u->c, &err) != 0)
		ua_die("%s: %s", sock, err.message);
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

void
ua_start_session(struct ua *u, const struct sdp_audio *a)
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
	ua_say("result %s", s);
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
		dlg_send_bye(u);
	else if (sscanf(line, "verdict %15s", word) == 1) {
		json_decref(ctl_call(u, "sas_verdict", json_pack("{s:s, s:s}",
		    "session", u->sid, "verdict", word)));
		ua_say("verdict %s", word);
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
		ua_die("getrandom");
	ua_rand_hex(u.tag, 8);
	u.deadline = ua_now_ms() + (uint64_t)timeout_s * 1000;
	open_session(&u, sock);
	u.sip = udp_loopback(sip_port, &u.sip_port);
	u.app = udp_loopback(0, &ch);
	ua_say("ready %d %d %s", u.sip_port, u.media_port, u.hash);
	if (call != NULL)
		dlg_send_invite(&u, call);
	for (;;) {
		now = ua_now_ms();
		dlg_retransmit(&u, now);
		rtp_media(&u, now);
		if (now >= u.deadline) {
			ua_say("timeout");
			break;
		}
		pfd[0] = (struct pollfd){ u.sip, POLLIN, 0 };
		pfd[1] = (struct pollfd){ u.ctl, POLLIN, 0 };
		pfd[2] = (struct pollfd){ u.app, POLLIN, 0 };
		pfd[3] = (struct pollfd){ STDIN_FILENO, POLLIN, 0 };
		if (poll(pfd, 4, next_wait(&u, now)) < 0 && errno != EINTR)
			ua_die("poll: %s", strerror(errno));
		if (pfd[0].revents & POLLIN)
			dlg_on_sip(&u);
		if (pfd[1].revents & (POLLIN | POLLHUP))
			ctl_events(&u);
		if (pfd[2].revents & POLLIN)
			rtp_recv(&u);
		if ((pfd[3].revents & (POLLIN | POLLHUP)) && command(&u))
			break;
	}
	result(&u);
	zrtpc_close(u.c);
	return 0;
}
