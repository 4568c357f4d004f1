/*
 * bzpeer: one libbzrtp endpoint speaking ZRTP over a real UDP socket, the
 * independent peer our engine talks to in the interop tests; once secure it
 * exchanges libsrtp2-protected RTP and reports everything as JSON lines.
 * It is a test tool: it prints the SRTP keys, and must never link our code.
 */

/*
 * Build (standalone, from the top of the tree):
 *	gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -O2 -o /tmp/bzpeer \
 *	    tests/interop/bzpeer.c tests/interop/bzcommon.c \
 *	    $(pkg-config --cflags --libs libbzrtp bctoolbox libsrtp2) -lsqlite3
 *
 * stdout, one flushed JSON object a line:
 *	{"event":"bound","port":N}
 *	{"event":"secure","role":...,"sas":...,"verified":0|1,
 *	    "cache_mismatch":0|1,"hash":...,"cipher":...,"auth":...,"ka":...,
 *	    "sas_type":...,"tx_key":hex,"tx_salt":hex,"rx_key":hex,
 *	    "rx_salt":hex}
 *	{"event":"srtp_sent","sent":N}		(only with --srtp-fence)
 *	{"event":"srtp","sent":N,"received":M,"bad":K,"replayed":R}
 *							(only with --srtp)
 *	{"event":"error","what":"..."}			(then exit 1)
 * stderr: bzrtp's warnings and errors, and diagnostics, prefixed "bzpeer:".
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bzrtp/bzrtp.h>
#include <srtp2/srtp.h>

#include "bzcommon.h"

#define MAXPKT		3000
#define POLL_MS		10
#define SRTP_GAP_MS	10
#define RTP_HDRLEN	12
#define RTP_PAYLEN	160
#define QMAX		256	/* SRTP datagrams held until we are secure */


struct held {
	uint8_t		*buf;
	size_t		 len;
};

struct bzpeer {
	int		 fd;
	struct sockaddr_storage remote;
	socklen_t	 remotelen;
	int		 strangers;	/* datagrams not from --remote */
	uint32_t	 ssrc;
	bzrtpContext_t	*ctx;
	struct bzc_cache cache;
	int		 verbose;
	uint64_t	 t0;

	/* --loss: splitmix64 state, drop percentage */
	uint64_t	 rng;
	int		 losspct;
	unsigned	 dropped;
	int		 lostack;	/* our last Conf2ACK was dropped */

	/* what bzrtp told us */
	int		 done;		/* bzrtp_startSrtpSession seen */
	int		 verified, cachemismatch;
	int		 role;		/* BZRTP_ROLE_*, -1 if not told */
	int		 wirerole;	/* from the DHPart/Confirm we sent */
	struct bzc_suite suite;
	char		 sas[64];
	struct bzc_keys	 tx, rx;
	char		 failure[256];	/* an error-level status message */

	/* --srtp */
	int		 nsrtp, sent, received, bad, replayed;
	int		 quiet_ms;	/* --srtp-quiet: losses are no failure */
	int		 fence;		/* --srtp-fence: 1, 2 once it came */
	uint64_t	 last_srtp_rx;
	int		 softphone;	/* media never stops, payload speech */
	uint8_t		*seen;		/* [seq] for seq 1..nsrtp */
	srtp_t		 srtp_tx, srtp_rx;
	uint64_t	 next_send;
	struct held	 held[QMAX];
	int		 nheld, overflow;
	uint64_t	 last_zrtp_rx;
};

struct opts {
	const char	*names[BZC_NTYPES]; /* indexed like bzc_algotypes[] */
	const char	*local, *remote, *cache, *selfuri, *peeruri;
	const char	*peer_hello_hash;	/* a=zrtp-hash from "SDP" */
	int		 verify, timeout, linger;
};

static struct bzpeer	 bz;

static void		 emit_error(const char *);
static void		 fail(const char *, ...)
			    __attribute__((noreturn, format(printf, 1, 2)));
static void		 usage(void) __attribute__((noreturn));
static void		 vlog(const char *, ...)
			    __attribute__((format(printf, 1, 2)));
static uint64_t		 rng_next(uint64_t *);
static void		 parse_hostport(const char *, struct sockaddr_storage *,
			    socklen_t *);
static void		 open_socket(const char *, const char *);
static void		 set_algos(const char *[BZC_NTYPES]);
static long		 number(const char *, int, long, long);
static bzc_status_fn	 cb_status;
static bzc_send_fn	 cb_send;
static bzc_secrets_fn	 cb_secrets;
static bzc_start_fn	 cb_start;
static bzc_exported_fn	 cb_exported;
static void		 setup_bzrtp(const char *[BZC_NTYPES], const char *);
static const char	*role_name(void);
static void		 put_json_str(const char *);
static void		 put_json_hex(const uint8_t *, size_t);
static void		 emit_secure(void);
static void		 emit_srtp(void);
static int		 is_zrtp(const uint8_t *, size_t);
static void		 srtp_session(srtp_t *, struct bzc_keys *, int);
static void		 srtp_begin(void);
static void		 srtp_send_one(void);
static void		 srtp_input(uint8_t *, size_t);
static void		 hold(const uint8_t *, size_t);
static int		 same_addr(const struct sockaddr_storage *);
static void		 receive(void);
static int		 finished(uint64_t, int);
static void		 cleanup(void);
static void		 parse_opts(int, char **, struct opts *);
static int		 run(const struct opts *, uint64_t);

static void
emit_error(const char *what)
{
	fprintf(stderr, "bzpeer: %s\n", what);
	fputs("{\"event\":\"error\",\"what\":", stdout);
	put_json_str(what);
	fputs("}\n", stdout);
	fflush(stdout);
}

/* Setup failed, or a callback cannot go on: no cleanup inside bzrtp. */
void
die(const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	emit_error(what);
	exit(1);
}

/* The exchange failed: one error event on stdout, exit 1. */
static void
fail(const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	emit_error(what);
	cleanup();
	exit(1);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bzpeer --remote ADDR:PORT [--local ADDR:PORT] "
	    "[--ka NAME] [--hash NAME]\n"
	    "              [--cipher NAME] [--auth NAME] [--sas NAME] "
	    "[--cache FILE]\n"
	    "              [--self-uri URI] [--peer-uri URI] "
	    "[--sas-verified] [--ssrc HEX]\n"
	    "              [--timeout SECONDS] [--srtp N] [--loss PCT] "
	    "[--seed N]\n"
	    "              [--linger MS] [--verbose] [--peer-hello-hash H]\n"
	    "              [--softphone] [--srtp-quiet MS]\n"
	    "  --local ADDR:PORT   bind here (default loopback, port 0)\n"
	    "  --remote ADDR:PORT  send ZRTP and SRTP here\n"
	    "  --ka/--hash/--cipher/--auth/--sas NAME  offer this one "
	    "(plus bzrtp's mandatory ones)\n"
	    "  --cache FILE        sqlite ZID cache, created if missing\n"
	    "  --self-uri, --peer-uri  cache URIs (sip:bz@test, "
	    "sip:zrtpd@test)\n"
	    "  --sas-verified      mark the SAS verified once secure\n"
	    "  --ssrc HEX          our SSRC (default 22222222)\n"
	    "  --timeout SECONDS   give up after this long (default 20)\n"
	    "  --srtp N            exchange N SRTP packets each way once "
	    "secure\n"
	    "  --loss PCT          drop PCT%% of our outgoing ZRTP datagrams\n"
	    "  --seed N            seed of the loss PRNG (default 1)\n"
	    "  --linger MS         if --loss dropped our last Conf2ACK, keep "
	    "answering ZRTP\n"
	    "                      until the peer is quiet this long "
	    "(default 5000)\n"
	    "  --verbose           log every datagram to stderr\n"
	    "  --peer-hello-hash H the peer's a=zrtp-hash; a Hello that does "
	    "not match ends the run\n"
	    "  --softphone         with --srtp: send media without pause, "
	    "PCMU silence\n"
	    "  --srtp-quiet MS     with --srtp, over a lossy path: once all "
	    "are sent, stop\n"
	    "                      MS after the last one received; fewer "
	    "is no failure\n"
	    "  --srtp-fence        with --srtp-quiet: say srtp_sent once all "
	    "are sent, and stop\n"
	    "                      at the wiretap's fence (12 bytes of 0xff, "
	    "after all it relayed)\n"
	    "                      instead of a quiet MS\n");
	exit(2);
}

static void
vlog(const char *fmt, ...)
{
	va_list ap;

	if (!bz.verbose)
		return;
	fprintf(stderr, "bzpeer: %6llu ms: ",
	    (unsigned long long)(bzc_now_ms() - bz.t0));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* splitmix64: deterministic for a given --seed. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z;

	z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* "127.0.0.1:5004", "[::1]:5004" or "::1:5004"; numeric only. */
static void
parse_hostport(const char *s, struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct addrinfo hints, *ai;
	const char *colon, *port;
	char host[INET6_ADDRSTRLEN + 2];
	size_t hlen;
	long p;
	char *ep;
	int rc;

	if ((colon = strrchr(s, ':')) == NULL)
		die("%s: expected ADDR:PORT", s);
	port = colon + 1;
	hlen = (size_t)(colon - s);
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		s++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		die("%s: bad address", s);
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	p = strtol(port, &ep, 10);
	if (*port == '\0' || *ep != '\0' || p < 0 || p > 65535)
		die("%s: bad port", port);

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0)
		die("%s: %s", host, gai_strerror(rc));
	if (ai->ai_addrlen > sizeof(*ss))
		die("%s: address too long", host);
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sslen = ai->ai_addrlen;
	freeaddrinfo(ai);
}

static void
open_socket(const char *local, const char *remote)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int port;

	parse_hostport(remote, &bz.remote, &bz.remotelen);
	if (local == NULL)
		local = bz.remote.ss_family == AF_INET6 ? "[::1]:0" :
		    "127.0.0.1:0";
	parse_hostport(local, &ss, &sslen);
	if (ss.ss_family != bz.remote.ss_family)
		die("--local and --remote are of different address families");
	if ((bz.fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0)) ==
	    -1)
		die("socket: %s", strerror(errno));
	if (bind(bz.fd, (struct sockaddr *)&ss, sslen) == -1)
		die("bind %s: %s", local, strerror(errno));
	sslen = sizeof(ss);
	if (getsockname(bz.fd, (struct sockaddr *)&ss, &sslen) == -1)
		die("getsockname: %s", strerror(errno));
	port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	printf("{\"event\":\"bound\",\"port\":%d}\n", port);
	fflush(stdout);
}

/*
 * Offer only the requested algorithm of a type; bzrtp appends its
 * mandatory ones (S256, AES1, HS32/HS80, DH3k, B32). A type not asked for
 * keeps bzrtp's whole default list.
 */
static void
set_algos(const char *names[BZC_NTYPES])
{
	const struct bzc_algo *a;
	size_t t;

	for (t = 0; t < BZC_NTYPES; t++) {
		if (names[t] == NULL)
			continue;
		a = bzc_algo_want(bz.ctx, t, bzc_algotypes[t].opt, names[t],
		    "");
		bzc_offer_only(bz.ctx, bzc_algotypes[t].type, a->id);
	}
}

static int
cb_status(void *cd, const uint8_t level, const uint8_t id, const char *msg)
{
	(void)cd;
	fprintf(stderr, "bzpeer: bzrtp %s 0x%02x%s%s\n",
	    level == BZRTP_MESSAGE_ERROR ? "error" :
	    level == BZRTP_MESSAGE_WARNING ? "warning" : "log", id,
	    msg != NULL ? ": " : "", msg != NULL ? msg : "");
	/*
	 * bzrtp reports a cache mismatch (RFC 6189 §4.3.2) at error level
	 * but carries on to a secure call: the SAS must be compared. That
	 * is for the test to judge from cache_mismatch, not a failure here.
	 */
	if (id == BZRTP_MESSAGE_CACHEMISMATCH) {
		bz.cachemismatch = 1;
		return 0;
	}
	if (level == BZRTP_MESSAGE_ERROR && bz.failure[0] == '\0')
		snprintf(bz.failure, sizeof(bz.failure),
		    "bzrtp error 0x%02x%s%s", id, msg != NULL ? ": " : "",
		    msg != NULL ? msg : "");
	return 0;
}

/* bzrtp hands us a whole ZRTP packet; --loss may drop it silently. */
static int
cb_send(void *cd, const uint8_t *pkt, uint16_t len)
{
	const char *type = "?";
	char tbuf[9];
	ssize_t n;

	(void)cd;
	if (len >= 24) {
		memcpy(tbuf, pkt + 16, 8);
		tbuf[8] = '\0';
		type = tbuf;
		/* RFC 6189 §4.3: DHPart1/Confirm1 are the responder's */
		if (memcmp(type, "DHPart1 ", 8) == 0 ||
		    memcmp(type, "Confirm1", 8) == 0)
			bz.wirerole = BZRTP_ROLE_RESPONDER;
		else if (memcmp(type, "DHPart2 ", 8) == 0 ||
		    memcmp(type, "Confirm2", 8) == 0)
			bz.wirerole = BZRTP_ROLE_INITIATOR;
	}
	if (bz.losspct > 0 && rng_next(&bz.rng) % 100 < (uint64_t)bz.losspct) {
		bz.dropped++;
		if (strcmp(type, "Conf2ACK") == 0)
			bz.lostack = 1;
		vlog("drop %s (%u bytes)", type, len);
		return 0;
	}
	if (strcmp(type, "Conf2ACK") == 0)
		bz.lostack = 0;
	vlog("send %s (%u bytes)", type, len);
	n = sendto(bz.fd, pkt, len, 0, (struct sockaddr *)&bz.remote,
	    bz.remotelen);
	if (n != (ssize_t)len)
		fprintf(stderr, "bzpeer: sendto: %s\n",
		    n == -1 ? strerror(errno) : "short write");
	return 0;
}

static int
cb_secrets(void *cd, const bzrtpSrtpSecrets_t *s, uint8_t part)
{
	(void)cd;
	vlog("srtpSecretsAvailable part %s%s",
	    part & ZRTP_SRTP_SECRETS_FOR_SENDER ? "S" : "",
	    part & ZRTP_SRTP_SECRETS_FOR_RECEIVER ? "R" : "");
	if (bzc_secrets_take(&bz.tx, &bz.rx, s, part) != 0)
		die("SRTP key or salt too long");
	return 0;
}

static int
cb_start(void *cd, const bzrtpSrtpSecrets_t *s, int32_t verified)
{
	(void)cd;
	vlog("startSrtpSession verified %d", (int)verified);
	bz.done = 1;
	bz.verified = verified != 0;
	bzc_suite_take(&bz.suite, s);
	if (s->cacheMismatch)
		bz.cachemismatch = 1;
	snprintf(bz.sas, sizeof(bz.sas), "%s", s->sas != NULL ? s->sas : "");
	return 0;
}

/* Only used to learn which role bzrtp took. */
static int
cb_exported(void *cd, int zuid, uint8_t role)
{
	(void)cd;
	(void)zuid;
	vlog("contextReadyForExportedKeys role %u", role);
	bz.role = role;
	return 0;
}

static void
setup_bzrtp(const char *names[BZC_NTYPES], const char *peer_hello_hash)
{
	int rc;

	if (bzc_set_callbacks(bz.ctx, cb_status, cb_send, cb_secrets, cb_start,
	    cb_exported) != 0)
		die("bzrtp_setCallbacks failed");
	set_algos(names);
	if ((rc = bzrtp_initBzrtpContext(bz.ctx, bz.ssrc)) != 0)
		die("bzrtp_initBzrtpContext: 0x%x", rc);
	if ((rc = bzrtp_setClientData(bz.ctx, bz.ssrc, &bz)) != 0)
		die("bzrtp_setClientData: 0x%x", rc);
	/* §8.1: bzrtp checks the peer's Hello against this. */
	if (peer_hello_hash != NULL && (rc = bzrtp_setPeerHelloHash(bz.ctx,
	    bz.ssrc, (uint8_t *)(uintptr_t)peer_hello_hash,
	    strlen(peer_hello_hash))) != 0)
		die("bzrtp_setPeerHelloHash: 0x%x", rc);
	if ((rc = bzrtp_startChannelEngine(bz.ctx, bz.ssrc)) != 0)
		die("bzrtp_startChannelEngine: 0x%x", rc);
}

static const char *
role_name(void)
{
	return bzc_role_name(bz.role != -1 ? bz.role : bz.wirerole);
}

static void
put_json_str(const char *s)
{
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void
put_json_hex(const uint8_t *p, size_t len)
{
	putchar('"');
	bzc_put_hex(stdout, p, len);
	putchar('"');
}

static void
emit_secure(void)
{
	printf("{\"event\":\"secure\",\"role\":\"%s\",\"sas\":", role_name());
	put_json_str(bz.sas);
	printf(",\"verified\":%d,\"cache_mismatch\":%d,\"hash\":\"%s\","
	    "\"cipher\":\"%s\",\"auth\":\"%s\",\"ka\":\"%s\","
	    "\"sas_type\":\"%s\",\"tx_key\":", bz.verified, bz.cachemismatch,
	    bzc_algo_name(ZRTP_HASH_TYPE, bz.suite.hash),
	    bzc_algo_name(ZRTP_CIPHERBLOCK_TYPE, bz.suite.cipher),
	    bzc_algo_name(ZRTP_AUTHTAG_TYPE, bz.suite.auth),
	    bzc_algo_name(ZRTP_KEYAGREEMENT_TYPE, bz.suite.ka),
	    bzc_algo_name(ZRTP_SAS_TYPE, bz.suite.sasalgo));
	put_json_hex(bz.tx.key, bz.tx.keylen);
	fputs(",\"tx_salt\":", stdout);
	put_json_hex(bz.tx.salt, bz.tx.saltlen);
	fputs(",\"rx_key\":", stdout);
	put_json_hex(bz.rx.key, bz.rx.keylen);
	fputs(",\"rx_salt\":", stdout);
	put_json_hex(bz.rx.salt, bz.rx.saltlen);
	fputs("}\n", stdout);
	fflush(stdout);
}

static void
emit_srtp(void)
{
	printf("{\"event\":\"srtp\",\"sent\":%d,\"received\":%d,\"bad\":%d,"
	    "\"replayed\":%d}\n", bz.sent, bz.received, bz.bad, bz.replayed);
	fflush(stdout);
}

/* RFC 6189 §5: 0b0001 then zeros, and the magic cookie 'ZRTP' at 4. */
static int
is_zrtp(const uint8_t *p, size_t len)
{
	return len >= 8 && p[0] == 0x10 && memcmp(p + 4, "ZRTP", 4) == 0;
}

/*
 * RFC 6189 §5.1.3/§5.1.4: AES1/AES2/AES3 are AES-CM with 128/192/256-bit
 * keys, HS32/HS80 HMAC-SHA1 with 32/80-bit tags; libsrtp2 takes the master
 * key and the 112-bit master salt in one buffer.
 */
static void
srtp_session(srtp_t *sp, struct bzc_keys *k, int inbound)
{
	static const struct {
		uint8_t	 cipher, auth;
		size_t	 keylen;
		void	 (*set)(srtp_crypto_policy_t *);
	} map[] = {
		{ ZRTP_CIPHER_AES1, ZRTP_AUTHTAG_HS32, 16,
		    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32 },
		{ ZRTP_CIPHER_AES1, ZRTP_AUTHTAG_HS80, 16,
		    srtp_crypto_policy_set_rtp_default },
		{ ZRTP_CIPHER_AES2, ZRTP_AUTHTAG_HS32, 24,
		    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32 },
		{ ZRTP_CIPHER_AES2, ZRTP_AUTHTAG_HS80, 24,
		    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80 },
		{ ZRTP_CIPHER_AES3, ZRTP_AUTHTAG_HS32, 32,
		    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32 },
		{ ZRTP_CIPHER_AES3, ZRTP_AUTHTAG_HS80, 32,
		    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
	};
	srtp_policy_t pol;
	uint8_t master[2 * BZC_KEYMAX];
	srtp_err_status_t st;
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].cipher == bz.suite.cipher &&
		    map[i].auth == bz.suite.auth)
			break;
	if (i == sizeof(map) / sizeof(map[0]))
		fail("no libsrtp2 policy for %s/%s",
		    bzc_algo_name(ZRTP_CIPHERBLOCK_TYPE, bz.suite.cipher),
		    bzc_algo_name(ZRTP_AUTHTAG_TYPE, bz.suite.auth));
	if (!k->have || k->keylen != map[i].keylen || k->saltlen != 14)
		fail("%s SRTP key/salt of %zu/%zu bytes, expected %zu/14",
		    inbound ? "peer" : "self", k->keylen, k->saltlen,
		    map[i].keylen);

	memset(&pol, 0, sizeof(pol));
	map[i].set(&pol.rtp);
	map[i].set(&pol.rtcp);
	pol.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	memcpy(master, k->key, k->keylen);
	memcpy(master + k->keylen, k->salt, k->saltlen);
	pol.key = master;
	pol.window_size = 128;
	st = srtp_create(sp, &pol);
	explicit_bzero(master, sizeof(master));
	if (st != srtp_err_status_ok)
		fail("srtp_create (%s): error %d", inbound ? "rx" : "tx",
		    (int)st);
}

static void
srtp_begin(void)
{
	int i;

	srtp_session(&bz.srtp_tx, &bz.tx, 0);
	srtp_session(&bz.srtp_rx, &bz.rx, 1);
	bz.next_send = bzc_now_ms();
	for (i = 0; i < bz.nheld; i++) {
		srtp_input(bz.held[i].buf, bz.held[i].len);
		free(bz.held[i].buf);
	}
	bz.nheld = 0;
}

static void
srtp_send_one(void)
{
	uint8_t pkt[RTP_HDRLEN + RTP_PAYLEN + SRTP_MAX_TRAILER_LEN];
	uint16_t seq = (uint16_t)(bz.sent + 1);
	uint32_t ts = (uint32_t)seq * RTP_PAYLEN;
	srtp_err_status_t st;
	ssize_t n;
	int len, i;

	pkt[0] = 0x80;		/* V=2, no padding, extension or CSRC */
	pkt[1] = 0;		/* M=0, PT=0 (PCMU) */
	pkt[2] = seq >> 8;
	pkt[3] = seq & 0xff;
	pkt[4] = ts >> 24;
	pkt[5] = (ts >> 16) & 0xff;
	pkt[6] = (ts >> 8) & 0xff;
	pkt[7] = ts & 0xff;
	pkt[8] = bz.ssrc >> 24;
	pkt[9] = (bz.ssrc >> 16) & 0xff;
	pkt[10] = (bz.ssrc >> 8) & 0xff;
	pkt[11] = bz.ssrc & 0xff;
	for (i = 0; i < RTP_PAYLEN; i++)
		pkt[RTP_HDRLEN + i] = bz.softphone ? 0xff : (uint8_t)(seq + i);
	/* --softphone: 20 ms of PCMU silence, not the probe's pattern. */
	len = RTP_HDRLEN + (bz.softphone ? RTP_PAYLEN / 2 : RTP_PAYLEN);
	if ((st = srtp_protect(bz.srtp_tx, pkt, &len)) != srtp_err_status_ok)
		fail("srtp_protect: error %d", (int)st);
	n = sendto(bz.fd, pkt, (size_t)len, 0, (struct sockaddr *)&bz.remote,
	    bz.remotelen);
	if (n != len)
		fprintf(stderr, "bzpeer: sendto (SRTP): %s\n",
		    n == -1 ? strerror(errno) : "short write");
	bz.sent++;
	vlog("send SRTP seq %u (%d bytes)", seq, len);
}

/* Unprotect with the peer's key and check what srtp_send_one() sends. */
static void
srtp_input(uint8_t *p, size_t len)
{
	srtp_err_status_t st;
	uint16_t seq;
	int n = (int)len, i;

	if (len < RTP_HDRLEN || len > MAXPKT) {
		bz.bad++;
		return;
	}
	st = srtp_unprotect(bz.srtp_rx, p, &n);
	if (st == srtp_err_status_replay_fail ||
	    st == srtp_err_status_replay_old) {
		vlog("SRTP replay dropped");
		bz.replayed++;
		return;
	}
	if (st != srtp_err_status_ok) {
		fprintf(stderr, "bzpeer: srtp_unprotect: error %d\n", (int)st);
		bz.bad++;
		return;
	}
	seq = (uint16_t)(p[2] << 8 | p[3]);
	for (i = 0; n == RTP_HDRLEN + RTP_PAYLEN && i < RTP_PAYLEN; i++)
		if (p[RTP_HDRLEN + i] != (uint8_t)(seq + i))
			break;
	if (n != RTP_HDRLEN + RTP_PAYLEN || i != RTP_PAYLEN ||
	    (p[0] & 0xc0) != 0x80 || (p[1] & 0x7f) != 0 || seq == 0 ||
	    seq > bz.nsrtp) {
		fprintf(stderr, "bzpeer: SRTP seq %u: wrong header, length %d "
		    "or payload\n", seq, n);
		bz.bad++;
		return;
	}
	vlog("recv SRTP seq %u ok", seq);
	bz.last_srtp_rx = bzc_now_ms();
	if (!bz.seen[seq]) {
		bz.seen[seq] = 1;
		bz.received++;
	}
}

/* SRTP may overtake our going secure (a lost Conf2ACK): keep it. */
static void
hold(const uint8_t *p, size_t len)
{
	if (bz.nheld == QMAX) {
		bz.overflow++;
		return;
	}
	if ((bz.held[bz.nheld].buf = malloc(len)) == NULL)
		die("out of memory");
	memcpy(bz.held[bz.nheld].buf, p, len);
	bz.held[bz.nheld++].len = len;
	vlog("held an SRTP datagram until secure");
}

static int
same_addr(const struct sockaddr_storage *a)
{
	const struct sockaddr_in *a4 = (const void *)a,
	    *b4 = (const void *)&bz.remote;
	const struct sockaddr_in6 *a6 = (const void *)a,
	    *b6 = (const void *)&bz.remote;

	if (a->ss_family != bz.remote.ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	    memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0;
}

static void
receive(void)
{
	struct sockaddr_storage from;
	socklen_t fromlen;
	uint8_t buf[MAXPKT], fence[12];
	ssize_t n;
	int rc;

	memset(fence, 0xff, sizeof(fence));
	for (;;) {
		fromlen = sizeof(from);
		n = recvfrom(bz.fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &fromlen);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == -1 && (errno == EINTR || errno == ECONNREFUSED))
			continue;
		if (n == -1)
			die("recvfrom: %s", strerror(errno));
		if (!same_addr(&from) && bz.strangers++ == 0)
			fprintf(stderr, "bzpeer: note: datagrams arrive from "
			    "another address than --remote\n");
		/* The wiretap's fence: it relayed nothing after it. */
		if (bz.fence && n == sizeof(fence) &&
		    memcmp(buf, fence, sizeof(fence)) == 0) {
			bz.fence = 2;
			continue;
		}
		if (!is_zrtp(buf, (size_t)n)) {
			if (bz.nsrtp == 0)
				vlog("ignored a non-ZRTP datagram");
			else if (bz.srtp_rx == NULL)
				hold(buf, (size_t)n);
			else
				srtp_input(buf, (size_t)n);
			continue;
		}
		bz.last_zrtp_rx = bzc_now_ms();
		vlog("recv %.8s (%zd bytes)", n >= 24 ?
		    (char *)buf + 16 : "?", n);
		rc = bzrtp_processMessage(bz.ctx, bz.ssrc, buf, (uint16_t)n);
		/* The peer's Hello is not the one signalling announced. */
		if (rc == BZRTP_ERROR_HELLOHASH_MISMATCH)
			fail("peer Hello does not match --peer-hello-hash");
		/* bzrtp rejects e.g. late retransmissions: log only */
		if (rc != 0)
			fprintf(stderr, "bzpeer: bzrtp_processMessage(%.8s): "
			    "0x%x\n", n >= 24 ? (char *)buf + 16 : "?", rc);
	}
}

/*
 * Once secure and the SRTP exchange is complete, is there a reason to
 * stay? A responder whose Conf2ACK --loss dropped must answer the next
 * Confirm2 (RFC 6189 §4.6), unless the peer's SRTP shows it is secure;
 * it waits until the peer has been quiet for linger ms. A Conf2ACK that
 * was sent is taken to arrive: this is loopback.
 */
static int
finished(uint64_t now, int linger)
{
	/* Lossy: the peer's stream began and has been quiet long enough. */
	if (bz.nsrtp > 0 && bz.quiet_ms > 0 && bz.fence &&
	    bz.sent == bz.nsrtp)
		return bz.fence == 2;
	if (bz.nsrtp > 0 && bz.quiet_ms > 0 && bz.sent == bz.nsrtp &&
	    bz.received < bz.nsrtp)
		return bz.received > 0 &&
		    now - bz.last_srtp_rx >= (uint64_t)bz.quiet_ms;
	if (bz.nsrtp > 0 && (bz.sent < bz.nsrtp || bz.received < bz.nsrtp))
		return 0;
	if (bz.lostack && bz.received == 0 &&
	    now - bz.last_zrtp_rx < (uint64_t)linger)
		return 0;
	return 1;
}

static void
cleanup(void)
{
	int i;

	if (bz.ctx != NULL)
		bzrtp_destroyBzrtpContext(bz.ctx, bz.ssrc);
	bz.ctx = NULL;
	if (bz.srtp_tx != NULL)
		srtp_dealloc(bz.srtp_tx);
	if (bz.srtp_rx != NULL)
		srtp_dealloc(bz.srtp_rx);
	bz.srtp_tx = bz.srtp_rx = NULL;
	for (i = 0; i < bz.nheld; i++)
		free(bz.held[i].buf);
	bz.nheld = 0;
	free(bz.seen);
	bz.seen = NULL;
	bzc_cache_close(&bz.cache);
	explicit_bzero(&bz.tx, sizeof(bz.tx));
	explicit_bzero(&bz.rx, sizeof(bz.rx));
	if (bz.fd != -1)
		close(bz.fd);
	bz.fd = -1;
}

static long
number(const char *s, int base, long min, long max)
{
	char *ep;
	long v;

	errno = 0;
	v = strtol(s, &ep, base);
	if (*s == '\0' || *ep != '\0' || errno != 0 || v < min || v > max)
		die("%s: bad number (%ld..%ld)", s, min, max);
	return v;
}

/* Long only for the option table and its switch. */
static void
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "local", required_argument, NULL, 'l' },
		{ "remote", required_argument, NULL, 'r' },
		{ "hash", required_argument, NULL, 'H' },
		{ "cipher", required_argument, NULL, 'c' },
		{ "auth", required_argument, NULL, 'a' },
		{ "ka", required_argument, NULL, 'k' },
		{ "sas", required_argument, NULL, 's' },
		{ "cache", required_argument, NULL, 'C' },
		{ "self-uri", required_argument, NULL, 'U' },
		{ "peer-uri", required_argument, NULL, 'P' },
		{ "sas-verified", no_argument, NULL, 'V' },
		{ "ssrc", required_argument, NULL, 'S' },
		{ "timeout", required_argument, NULL, 't' },
		{ "srtp", required_argument, NULL, 'n' },
		{ "loss", required_argument, NULL, 'L' },
		{ "seed", required_argument, NULL, 'e' },
		{ "linger", required_argument, NULL, 'g' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "peer-hello-hash", required_argument, NULL, 'z' },
		{ "softphone", no_argument, NULL, 'f' },
		{ "srtp-quiet", required_argument, NULL, 'q' },
		{ "srtp-fence", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, at;

	while ((ch = getopt_long(argc, argv, "l:r:H:c:a:k:s:C:U:P:VS:t:n:L:"
	    "e:g:vz:fq:Fh", longopts, NULL)) != -1) {
		if ((at = bzc_algotype_byopt(ch)) != -1) {
			o->names[at] = optarg;
			continue;
		}
		switch (ch) {
		case 'l':
			o->local = optarg;
			break;
		case 'r':
			o->remote = optarg;
			break;
		case 'C':
			o->cache = optarg;
			break;
		case 'U':
			o->selfuri = optarg;
			break;
		case 'P':
			o->peeruri = optarg;
			break;
		case 'V':
			o->verify = 1;
			break;
		case 'S':
			bz.ssrc = (uint32_t)number(optarg, 16, 0, 0xffffffffL);
			break;
		case 't':
			o->timeout = (int)number(optarg, 10, 1, 3600);
			break;
		case 'n':
			bz.nsrtp = (int)number(optarg, 10, 0, 30000);
			break;
		case 'L':
			bz.losspct = (int)number(optarg, 10, 0, 99);
			break;
		case 'e':
			bz.rng = (uint64_t)number(optarg, 10, 0, 0x7fffffffL);
			break;
		case 'g':
			o->linger = (int)number(optarg, 10, 0, 60000);
			break;
		case 'v':
			bz.verbose = 1;
			break;
		case 'z':
			o->peer_hello_hash = optarg;
			break;
		case 'f':
			bz.softphone = 1;
			break;
		case 'q':
			bz.quiet_ms = (int)number(optarg, 10, 1, 60000);
			break;
		case 'F':
			bz.fence = 1;
			break;
		default:
			usage();
		}
	}
	if (o->remote == NULL || optind != argc)
		usage();
}

/*
 * Feed bzrtp what arrives and its clock every POLL_MS at most; once it is
 * secure, announce it and pace the SRTP packets. Returns whether we got
 * there before the deadline.
 */
static int
run(const struct opts *o, uint64_t deadline)
{
	struct pollfd pfd;
	uint64_t now, tmo;
	int announced = 0, st;

	pfd.fd = bz.fd;
	pfd.events = POLLIN;
	while ((now = bzc_now_ms()) < deadline) {
		tmo = POLL_MS;
		if (announced && (bz.sent < bz.nsrtp || bz.softphone))
			tmo = bz.next_send <= now ? 0 :
			    bz.next_send - now < tmo ? bz.next_send - now : tmo;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)tmo) == -1 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (pfd.revents & POLLIN)
			receive();
		now = bzc_now_ms();
		bzrtp_iterate(bz.ctx, bz.ssrc, now);
		if (bz.failure[0] != '\0')
			fail("%s", bz.failure);
		st = bzrtp_getChannelStatus(bz.ctx, bz.ssrc);
		if (st == BZRTP_CHANNEL_ERROR)
			fail("bzrtp channel in error state");
		if (!announced && bz.done && st == BZRTP_CHANNEL_SECURE) {
			announced = 1;
			emit_secure();
			if (o->verify)
				bzrtp_SASVerified(bz.ctx);
			if (bz.nsrtp > 0)
				srtp_begin();
		}
		if (announced && (bz.sent < bz.nsrtp || bz.softphone) &&
		    now >= bz.next_send) {
			srtp_send_one();
			bz.next_send = now + SRTP_GAP_MS;
			if (bz.fence && bz.sent == bz.nsrtp) {
				printf("{\"event\":\"srtp_sent\",\"sent\":%d}\n",
				    bz.sent);
				fflush(stdout);
			}
		}
		if (announced && finished(now, o->linger))
			break;
	}
	return announced;
}

int
main(int argc, char **argv)
{
	struct opts o = {
		.selfuri = "sip:bz@test",
		.peeruri = "sip:zrtpd@test",
		.timeout = 20,
		.linger = 5000,
	};
	uint64_t deadline;
	int secure;

	bz.fd = -1;
	bz.ssrc = 0x22222222u;
	bz.role = bz.wirerole = -1;
	bz.rng = 1;
	parse_opts(argc, argv, &o);

	bz.t0 = bzc_now_ms();
	deadline = bz.t0 + (uint64_t)o.timeout * 1000;
	if (bz.nsrtp > 0) {
		if (srtp_init() != srtp_err_status_ok)
			die("srtp_init failed");
		if ((bz.seen = calloc((size_t)bz.nsrtp + 1, 1)) == NULL)
			die("out of memory");
	}
	open_socket(o.local, o.remote);
	if ((bz.ctx = bzrtp_createBzrtpContext()) == NULL)
		die("bzrtp_createBzrtpContext failed");
	if (o.cache != NULL)
		bzc_cache_open(&bz.cache, bz.ctx, o.cache, o.selfuri,
		    o.peeruri);
	setup_bzrtp(o.names, o.peer_hello_hash);

	secure = run(&o, deadline);
	if (bz.dropped > 0)
		fprintf(stderr, "bzpeer: --loss dropped %u of our ZRTP "
		    "datagrams\n", bz.dropped);
	if (!secure)
		fail("timeout after %d s: not secure (channel status 0x%x)",
		    o.timeout, bzrtp_getChannelStatus(bz.ctx, bz.ssrc));
	if (bz.nsrtp > 0) {
		emit_srtp();
		if (bz.overflow > 0)
			fprintf(stderr, "bzpeer: %d early SRTP datagrams "
			    "discarded\n", bz.overflow);
		if (bz.received < bz.nsrtp && bz.quiet_ms == 0)
			fail("timeout after %d s: received %d of %d SRTP "
			    "packets", o.timeout, bz.received, bz.nsrtp);
		if (bz.bad > 0)
			fail("%d SRTP packets failed verification", bz.bad);
	}
	cleanup();
	if (bz.nsrtp > 0)
		srtp_shutdown();
	return 0;
}
