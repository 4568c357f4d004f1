/*
 * The wire between two zrtpd daemons, made visible: a UDP relay on
 * 127.0.0.1 that forwards every datagram between daemon A's and daemon
 * B's media ports and looks at each one: ZRTP (its message type), SRTP,
 * anything else, and whether a known plaintext marker appears in it. A
 * test or the demo reads its verdict; it can also drop or corrupt.
 *
 * usage: wiretap --a PORT --b PORT --marker TEXT [--show N]
 *                [--corrupt-srtp N] [--forge-unknown N] [impairments]
 * prints "ports PA PB" (daemon A sends to PA, daemon B to PB), a line per
 * shown datagram, and "wire JSON" when stdin closes or says "quit".
 * --b 0: B is whoever first sends to PB (a peer that must be told PB
 * before it can say its own port); until then A's datagrams are dropped
 * and counted as "unrouted".
 * --forge-unknown N: after each ZRTP datagram from A, N forged ones go to
 * B with A's header and a valid CRC but a message type no one defines
 * (what an attacker without the keys can send at packet rate).
 * --drop-type TYPE: every ZRTP message of that type (e.g. Conf2ACK) is
 * dropped, either way, and counted as "type_dropped".
 * --gate 1: a datagram goes to a side only once that side has sent one
 * (a daemon sends only from a started session, so it counts what it gets);
 * before, it is dropped ahead of the impairments and counted as "gated".
 * --rtcp-apart 1: B's RTCP-type datagrams reach A from a third socket of
 * the tap, as from a peer that does not multiplex RTCP and whose RTCP port
 * A was not told (a NAT's own mapping); what A sends there is counted as
 * "to_rtcp_apart", never relayed. Its port on a line "rtcp_apart PORT"
 * before "ports".
 * --nat 1: a NAT in front of B that rebinds. The tap opens two more
 * sockets and says "nat NATPORT STRANGERPORT" before "ports". On "rebind"
 * (stdin) B's datagrams reach A from NATPORT from then on (B's mapping
 * moved), and the tap says "rebound"; what A sends to NATPORT is relayed
 * to B ("to_nat"), what A sends to its first port still is too, but once
 * A was heard on NATPORT it is counted as "to_old_late" (every socket A
 * sent to earlier is read to its end before NATPORT, so the count is
 * exact). On "forge" (stdin) a stranger, from STRANGERPORT, sends A:
 * random bytes shaped as RTP (PT 0, an SSRC of its own), B's last SRTP
 * packet as it was (a replay) and a copy with its sequence number moved
 * 1000 on and a tag bit flipped (when B sent one), a copy of B's last ZRTP packet (when B sent
 * one), then a fence of twelve 0xff bytes (a daemon counts it as
 * "other"), and the tap says "forged RTP ZRTP": how many RTP-shaped and
 * ZRTP datagrams went. What A sends to STRANGERPORT is counted as
 * "to_stranger", never relayed. The stranger's datagrams also include
 * a copy of B's first Hello (when B sent one), after the rest of its ZRTP.
 * --drop-old 1 (with --nat 1): B's NAT rebound before the call, as if
 * "rebind" was said at the start, and what A sends to its first port (B's
 * signalled address) is dropped and counted as "old_dropped": A reaches B
 * only once it latched to NATPORT.
 * --fence a|b|ab: on "quit", after every held copy, a 12-byte datagram of
 * 0xff to that side (a daemon counts it as "other"): once the daemon has
 * counted it, it has read every datagram the tap sent it before
 * (one socket, read in order), so its counters can be read exactly.
 *
 * Impairments (impair.c), seeded, each direction its own PRNG stream:
 * --seed N, and percentages --drop, --dup, --reorder, --tamper-zrtp,
 * --tamper-srtp (both directions, or one with the suffix -ab for A to B,
 * -ba for B to A); a reordered copy is held until 1..--hold N later
 * datagrams passed it (default 3) or --hold-ms MS (default 40);
 * --reseal 1 re-seals a tampered ZRTP packet's CRC so that only the
 * engine's own checks (hash chain, MAC, a=zrtp-hash) can find it;
 * --tamper-type TYPE tampers with that ZRTP message type only. The
 * line "impair seed=N" comes before "ports"; "quit" first relays every
 * datagram already queued for the tap, then sends every held copy, so
 * the counts in "wire" are what left the tap.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "impair.h"
#include "packet.h"

struct tap;

struct tap_dir {
	struct tap	*t;
	int		 to;		/* 0: toward A, 1: toward B */
};

struct tap {
	int		fd[2];		/* [0] faces A, [1] faces B */
	int		rtcp_fd;	/* --rtcp-apart: B's RTCP to A, or -1 */
	int		nat_fd, stranger_fd;	/* --nat, or -1 */
	int		rebound, nat_heard;	/* "rebind" said; A on nat_fd */
	unsigned long	to_nat, to_old_late, to_stranger;
	int		drop_old;	/* --drop-old */
	unsigned long	old_dropped;
	uint8_t		first_hello[IMPAIR_PKT_MAX];
	size_t		first_hello_len;	/* B's, to forge */
	uint8_t		last_srtp[IMPAIR_PKT_MAX], last_zrtp[IMPAIR_PKT_MAX];
	size_t		last_srtp_len, last_zrtp_len;	/* B's, to forge */
	uint64_t	rng;
	unsigned long	to_rtcp_apart;
	struct sockaddr_in dst[2];	/* A's and B's media ports */
	int		learn_b;	/* --b 0: B's address from its first */
	const char	*marker;
	int		show, shown, corrupt, forge, impaired;
	unsigned long	zrtp, srtp, srtcp, other, marker_hits, bytes, forged;
	unsigned long	unrouted, type_dropped, gated, fenced;
	int		gate, fence[2];	/* --gate, --fence: [0] A, [1] B */
	int		spoke[2];	/* A, B sent a datagram */
	const char	*drop_type;	/* a ZRTP message type, or NULL */
	uint64_t	seed;
	struct impair	im[2];		/* [0] A to B, [1] B to A */
	struct tap_dir	dir[2];
	char		types[512];
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
tap_send(void *arg, const uint8_t *p, size_t n)
{
	struct tap_dir *d = arg;
	int fd = d->t->fd[d->to];

	if (d->to == 0 && d->t->rebound)
		fd = d->t->nat_fd;
	if (d->to == 0 && d->t->rtcp_fd >= 0 && n >= 12 &&
	    (p[0] & 0xc0) == 0x80 && p[1] >= 192 && p[1] <= 223)
		fd = d->t->rtcp_fd;
	sendto(fd, p, n, 0, (struct sockaddr *)&d->t->dst[d->to],
	    sizeof(d->t->dst[d->to]));
}

static int
udp_bind(void)
{
	struct sockaddr_in a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("wiretap");
		exit(2);
	}
	return fd;
}

static int
port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	getsockname(fd, (struct sockaddr *)&a, &len);
	return ntohs(a.sin_port);
}

/* Note a ZRTP message type once, in the order first seen. */
static void
note_type(struct tap *t, const uint8_t *p, size_t n)
{
	char ty[9];
	int i;

	if (n < 24)
		return;
	for (i = 0; i < 8; i++)
		ty[i] = p[16 + i] >= 0x20 && p[16 + i] < 0x7f ? (char)p[16 + i] :
		    '?';
	ty[8] = '\0';
	while (i > 0 && ty[i - 1] == ' ')
		ty[--i] = '\0';
	if (strstr(t->types, ty) == NULL &&
	    strlen(t->types) + strlen(ty) + 2 < sizeof(t->types)) {
		if (t->types[0] != '\0')
			strcat(t->types, " ");
		strcat(t->types, ty);
	}
}

/* A line for a datagram; impaired, with the time and what befell it. */
static void
show(struct tap *t, int from, const uint8_t *p, size_t n, const char *what,
    int did)
{
	size_t i;

	if (t->shown >= t->show)
		return;
	t->shown++;
	if (t->impaired)
		printf("%6llu ", (unsigned long long)(now_ms() % 1000000));
	printf("  %s %-5s %4zu bytes:", from == 0 ? "A->B" : "B->A", what, n);
	if (strcmp(what, "ZRTP") == 0 && n >= 24) {
		/* The message type, as RFC 6189 §5 spells it. */
		printf(" %.8s", (const char *)p + 16);
	}
	printf(" |");
	for (i = 0; i < n && i < 28; i++)
		putchar(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.');
	printf("%s|%s%s%s%s\n", n > 28 ? "..." : "",
	    did & IMPAIR_DROPPED ? " dropped" : "",
	    did & IMPAIR_DUPLICATED ? " duplicated" : "",
	    did & IMPAIR_HELD ? " held" : "",
	    did & IMPAIR_TAMPERED ? " tampered" : "");
	fflush(stdout);
}

/* An unknown message type in A's header, CRC sealed (RFC 6189 §5). */
static void
forge_unknown(struct tap *t, const uint8_t *hdr)
{
	uint8_t f[12 + 12 + 4];
	int i;

	memcpy(f, hdr, 12);
	f[12] = 0x50;
	f[13] = 0x5a;
	f[14] = 0;
	f[15] = 3;	/* words: preamble, length, type */
	memcpy(f + 16, "Bogus   ", 8);
	if (zpkt_seal_crc(f, sizeof(f)) != 0)
		return;
	for (i = 0; i < t->forge; i++)
		if (sendto(t->fd[1], f, sizeof(f), 0,
		    (struct sockaddr *)&t->dst[1], sizeof(t->dst[1])) > 0)
			t->forged++;
}

/* One datagram from fd (a socket facing side "from"), if any: 1. */
static int
relay_fd(struct tap *t, int from, int fd)
{
	uint8_t p[IMPAIR_PKT_MAX];
	struct sockaddr_in src;
	socklen_t slen = sizeof(src);
	ssize_t n;
	const char *what;

	if ((n = recvfrom(fd, p, sizeof(p), MSG_DONTWAIT,
	    (struct sockaddr *)&src, &slen)) <= 0)
		return 0;
	if (from == 0 && t->drop_old && fd == t->fd[0]) {
		t->old_dropped++;
		return 1;
	}
	if (from == 0 && t->nat_fd >= 0) {
		if (fd == t->nat_fd) {
			t->to_nat++;
			t->nat_heard = 1;
		} else if (t->nat_heard)
			t->to_old_late++;
	}
	if (from == 1 && t->nat_fd >= 0 && (size_t)n <= sizeof(t->last_srtp)) {
		if (n >= 24 && p[0] == 0x10 && memcmp(p + 4, "ZRTP", 4) == 0) {
			memcpy(t->last_zrtp, p, (size_t)n);
			t->last_zrtp_len = (size_t)n;
			if (t->first_hello_len == 0 && n >= 24 &&
			    memcmp(p + 16, "Hello   ", 8) == 0) {
				memcpy(t->first_hello, p, (size_t)n);
				t->first_hello_len = (size_t)n;
			}
		} else if (n > 22 && (p[0] & 0xc0) == 0x80 && p[1] < 192) {
			memcpy(t->last_srtp, p, (size_t)n);
			t->last_srtp_len = (size_t)n;
		}
	}
	if (from == 1 && t->learn_b && t->dst[1].sin_port == 0 &&
	    src.sin_family == AF_INET)
		t->dst[1] = src;
	if (from == 0 && t->dst[1].sin_port == 0) {
		t->unrouted++;
		return 1;
	}
	t->spoke[from] = 1;
	t->bytes += (unsigned long)n;
	if (memmem(p, (size_t)n, t->marker, strlen(t->marker)) != NULL)
		t->marker_hits++;
	if (n >= 12 && p[0] == 0x10 && memcmp(p + 4, "ZRTP", 4) == 0) {
		t->zrtp++;
		note_type(t, p, (size_t)n);
		what = "ZRTP";
		if (t->drop_type != NULL && n >= 24 && strncmp((char *)p + 16,
		    t->drop_type, strlen(t->drop_type)) == 0) {
			t->type_dropped++;
			show(t, from, p, (size_t)n, what, IMPAIR_DROPPED);
			return 1;
		}
	} else if (n >= 12 && (p[0] & 0xc0) == 0x80) {
		if (p[1] >= 192 && p[1] <= 223) {
			t->srtcp++;
			what = "SRTCP";
		} else {
			t->srtp++;
			what = "SRTP";
			/* A tampering path: flip a payload bit. */
			if (t->corrupt > 0 && n > 20) {
				t->corrupt--;
				p[20] ^= 0x01;
			}
		}
	} else {
		t->other++;
		what = "other";
	}
	if (t->gate && !t->spoke[1 - from]) {
		t->gated++;
		show(t, from, p, (size_t)n, what, IMPAIR_DROPPED);
		return 1;
	}
	show(t, from, p, (size_t)n, what, impair_packet(&t->im[from], p,
	    (size_t)n, now_ms()));
	if (from == 0 && t->forge > 0 && strcmp(what, "ZRTP") == 0)
		forge_unknown(t, p);
	return 1;
}

/*
 * What A sent, in the order it sent it: once A may send to nat_fd, every
 * datagram already queued on A's first socket is read before one from
 * nat_fd (loopback queues a datagram as it is sent), so one read there
 * after A was heard on nat_fd was sent after that one.
 */
static void
relay_a(struct tap *t, int old_ready, int nat_ready)
{
	if (old_ready)
		while (relay_fd(t, 0, t->fd[0]) && t->nat_fd >= 0)
			;
	if (nat_ready)
		relay_fd(t, 0, t->nat_fd);
}

static uint32_t
tap_rand(struct tap *t)
{
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return (uint32_t)(t->rng >> 16);
}

/* "forge": a stranger's datagrams to A, then a fence (see the top). */
static void
forge_stranger(struct tap *t)
{
	uint8_t p[IMPAIR_PKT_MAX];
	size_t i, n;
	int rtp = 0, zrtp = 0;
	uint16_t seq;

	n = 12 + 160 + 10;
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)tap_rand(t);
	p[0] = 0x80;	/* V=2, no padding, extension or CSRC */
	p[1] = 0x00;	/* PT 0: RTP, not RTCP */
	if (sendto(t->stranger_fd, p, n, 0, (struct sockaddr *)&t->dst[0],
	    sizeof(t->dst[0])) > 0)
		rtp++;
	/* B's last SRTP packet as it was: a replay. */
	if (t->last_srtp_len > 0 && sendto(t->stranger_fd, t->last_srtp,
	    t->last_srtp_len, 0, (struct sockaddr *)&t->dst[0],
	    sizeof(t->dst[0])) > 0)
		rtp++;
	if (t->last_srtp_len > 0) {
		n = t->last_srtp_len;
		memcpy(p, t->last_srtp, n);
		seq = (uint16_t)((p[2] << 8 | p[3]) + 1000);
		p[2] = (uint8_t)(seq >> 8);
		p[3] = (uint8_t)seq;
		p[n - 1] ^= 0x01;	/* the tag's last byte */
		if (sendto(t->stranger_fd, p, n, 0,
		    (struct sockaddr *)&t->dst[0], sizeof(t->dst[0])) > 0)
			rtp++;
	}
	if (t->last_zrtp_len > 0 && sendto(t->stranger_fd, t->last_zrtp,
	    t->last_zrtp_len, 0, (struct sockaddr *)&t->dst[0],
	    sizeof(t->dst[0])) > 0)
		zrtp++;
	/* B's Hello, which matches the a=zrtp-hash A was given: a replay. */
	if (t->first_hello_len > 0 && sendto(t->stranger_fd, t->first_hello,
	    t->first_hello_len, 0, (struct sockaddr *)&t->dst[0],
	    sizeof(t->dst[0])) > 0)
		zrtp++;
	memset(p, 0xff, 12);
	sendto(t->stranger_fd, p, 12, 0, (struct sockaddr *)&t->dst[0],
	    sizeof(t->dst[0]));
	printf("forged %d %d\n", rtp, zrtp);
	fflush(stdout);
}

/* Impairment options: a percentage (or count) for one or both directions. */
static const struct {
	const char	*name;
	size_t		 off;
	int		 max;
} tap_opts[] = {
	{ "drop",	 offsetof(struct impair_opts, drop),	    100 },
	{ "dup",	 offsetof(struct impair_opts, dup),	    100 },
	{ "reorder",	 offsetof(struct impair_opts, reorder),    100 },
	{ "tamper-zrtp", offsetof(struct impair_opts, tamper_zrtp), 100 },
	{ "tamper-srtp", offsetof(struct impair_opts, tamper_srtp), 100 },
	{ "hold",	 offsetof(struct impair_opts, hold_pkts),  IMPAIR_HELD_MAX },
	{ "hold-ms",	 offsetof(struct impair_opts, hold_ms),    10000 },
	{ "reseal",	 offsetof(struct impair_opts, reseal),	    1 },
};

/* 1 if opt (without "--") is an impairment; sets it in o[0] and/or o[1]. */
static int
tap_impair_opt(struct impair_opts o[2], const char *opt, const char *val)
{
	size_t i, len;
	int v, d;

	for (i = 0; i < sizeof(tap_opts) / sizeof(tap_opts[0]); i++) {
		len = strlen(tap_opts[i].name);
		if (strncmp(opt, tap_opts[i].name, len) != 0)
			continue;
		if (opt[len] == '\0')
			d = -1;
		else if (strcmp(opt + len, "-ab") == 0)
			d = 0;
		else if (strcmp(opt + len, "-ba") == 0)
			d = 1;
		else
			continue;
		v = atoi(val);
		if (v < 0 || v > tap_opts[i].max) {
			fprintf(stderr, "wiretap: --%s %s: out of range\n", opt,
			    val);
			exit(2);
		}
		if (d != 1)
			*(int *)((char *)&o[0] + tap_opts[i].off) = v;
		if (d != 0)
			*(int *)((char *)&o[1] + tap_opts[i].off) = v;
		return 1;
	}
	return 0;
}

static void
tap_args(struct tap *t, struct impair_opts o[2], int argc, char **argv)
{
	int i, which;

	for (i = 1; i + 1 < argc; i += 2) {
		which = strcmp(argv[i], "--a") == 0 ? 0 :
		    strcmp(argv[i], "--b") == 0 ? 1 : -1;
		if (which >= 0) {
			t->dst[which].sin_family = AF_INET;
			t->dst[which].sin_port = htons((uint16_t)atoi(argv[i + 1]));
			t->dst[which].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			if (which == 1 && t->dst[1].sin_port == 0)
				t->learn_b = 1;
		} else if (strcmp(argv[i], "--marker") == 0)
			t->marker = argv[i + 1];
		else if (strcmp(argv[i], "--show") == 0)
			t->show = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--corrupt-srtp") == 0)
			t->corrupt = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--forge-unknown") == 0)
			t->forge = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--gate") == 0)
			t->gate = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--rtcp-apart") == 0)
			t->rtcp_fd = atoi(argv[i + 1]) ? 0 : -1;
		else if (strcmp(argv[i], "--nat") == 0)
			t->nat_fd = atoi(argv[i + 1]) ? 0 : -1;
		else if (strcmp(argv[i], "--drop-old") == 0)
			t->drop_old = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--fence") == 0) {
			t->fence[0] = strchr(argv[i + 1], 'a') != NULL;
			t->fence[1] = strchr(argv[i + 1], 'b') != NULL;
		} else if (strcmp(argv[i], "--drop-type") == 0)
			t->drop_type = argv[i + 1];
		else if (strcmp(argv[i], "--tamper-type") == 0)
			o[0].zrtp_type = o[1].zrtp_type = argv[i + 1];
		else if (strcmp(argv[i], "--seed") == 0)
			t->seed = strtoull(argv[i + 1], NULL, 10);
		else if (strncmp(argv[i], "--", 2) == 0 &&
		    tap_impair_opt(o, argv[i] + 2, argv[i + 1]))
			t->impaired = 1;
		else {
			fprintf(stderr, "wiretap: unknown option %s\n", argv[i]);
			exit(2);
		}
	}
	if (i != argc || t->dst[0].sin_port == 0 ||
	    (t->dst[1].sin_port == 0 && !t->learn_b) || t->marker[0] == '\0') {
		fprintf(stderr, "usage: wiretap --a PORT --b PORT --marker "
		    "TEXT [--show N] [--corrupt-srtp N] [--forge-unknown N] "
		    "[--drop-type TYPE] [--tamper-type TYPE] [--gate 0|1] "
		    "[--fence a|b|ab] [--rtcp-apart 0|1] [--nat 0|1] "
		    "[--drop-old 0|1] "
		    "[--seed N] [--drop|--dup|--reorder|--tamper-zrtp|"
		    "--tamper-srtp[-ab|-ba] PCT] [--hold N] [--hold-ms MS] "
		    "[--reseal 0|1]\n");
		exit(2);
	}
}

static void
tap_wire(struct tap *t)
{
	printf("wire {\"zrtp\":%lu,\"zrtp_types\":\"%s\",\"srtp\":%lu,"
	    "\"srtcp\":%lu,\"other\":%lu,\"bytes\":%lu,\"marker_hits\":%lu,"
	    "\"forged\":%lu,\"unrouted\":%lu,\"type_dropped\":%lu,"
	    "\"gated\":%lu,\"fenced\":%lu,\"to_rtcp_apart\":%lu,"
	    "\"to_nat\":%lu,\"to_old_late\":%lu,\"to_stranger\":%lu,"
	    "\"old_dropped\":%lu,"
	    "\"seed\":%llu,", t->zrtp, t->types, t->srtp, t->srtcp, t->other,
	    t->bytes, t->marker_hits, t->forged, t->unrouted, t->type_dropped,
	    t->gated, t->fenced, t->to_rtcp_apart, t->to_nat, t->to_old_late,
	    t->to_stranger, t->old_dropped, (unsigned long long)t->seed);
	impair_json(&t->im[0], "ab_", stdout);
	putchar(',');
	impair_json(&t->im[1], "ba_", stdout);
	printf("}\n");
}

int
main(int argc, char **argv)
{
	static struct tap t;
	struct impair_opts o[2];
	struct pollfd pfd[6];
	uint8_t fence[12];
	char line[64];
	int i, tmo, w;

	t.marker = "";
	t.seed = 1;
	memset(o, 0, sizeof(o));
	o[0].hold_pkts = o[1].hold_pkts = 3;
	o[0].hold_ms = o[1].hold_ms = 40;
	t.rtcp_fd = -1;
	t.nat_fd = -1;
	t.stranger_fd = -1;
	t.rng = 0x9e3779b97f4a7c15ULL;
	tap_args(&t, o, argc, argv);
	for (i = 0; i < 2; i++) {
		t.dir[i] = (struct tap_dir){ &t, 1 - i };
		/* Two streams from one seed: A to B, B to A. */
		impair_init(&t.im[i], &o[i], t.seed * 2 + (uint64_t)i, tap_send,
		    &t.dir[i]);
	}
	t.fd[0] = udp_bind();
	t.fd[1] = udp_bind();
	if (t.rtcp_fd >= 0) {
		t.rtcp_fd = udp_bind();
		printf("rtcp_apart %d\n", port_of(t.rtcp_fd));
	}
	if (t.nat_fd >= 0) {
		t.nat_fd = udp_bind();
		t.rebound = t.drop_old;
		t.stranger_fd = udp_bind();
		printf("nat %d %d\n", port_of(t.nat_fd),
		    port_of(t.stranger_fd));
	}
	if (t.impaired)
		printf("impair seed=%llu\n", (unsigned long long)t.seed);
	printf("ports %d %d\n", port_of(t.fd[0]), port_of(t.fd[1]));
	fflush(stdout);
	for (;;) {
		tmo = -1;
		for (i = 0; i < 2; i++)
			if ((w = impair_next_ms(&t.im[i], now_ms())) >= 0 &&
			    (tmo < 0 || w < tmo))
				tmo = w;
		pfd[0] = (struct pollfd){ 0, POLLIN, 0 };
		pfd[1] = (struct pollfd){ t.fd[0], POLLIN, 0 };
		pfd[2] = (struct pollfd){ t.fd[1], POLLIN, 0 };
		pfd[3] = (struct pollfd){ t.rtcp_fd, POLLIN, 0 };
		pfd[4] = (struct pollfd){ t.nat_fd, POLLIN, 0 };
		pfd[5] = (struct pollfd){ t.stranger_fd, POLLIN, 0 };
		if (poll(pfd, 6, tmo) < 0 && errno != EINTR)
			break;
		if (pfd[3].revents & POLLIN &&
		    recv(t.rtcp_fd, fence, sizeof(fence), 0) >= 0)
			t.to_rtcp_apart++;
		if (pfd[5].revents & POLLIN &&
		    recv(t.stranger_fd, fence, sizeof(fence), 0) >= 0)
			t.to_stranger++;
		relay_a(&t, pfd[1].revents & POLLIN, pfd[4].revents & POLLIN);
		if (pfd[2].revents & POLLIN)
			relay_fd(&t, 1, t.fd[1]);
		for (i = 0; i < 2; i++)
			impair_expire(&t.im[i], now_ms(), 0);
		if (pfd[0].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(0, line, sizeof(line));

			if (n <= 0 || memmem(line, (size_t)n, "quit", 4) != NULL)
				break;
			if (t.nat_fd >= 0 &&
			    memmem(line, (size_t)n, "rebind", 6) != NULL) {
				t.rebound = 1;
				printf("rebound\n");
				fflush(stdout);
			}
			if (t.nat_fd >= 0 &&
			    memmem(line, (size_t)n, "forge", 5) != NULL)
				forge_stranger(&t);
		}
	}
	/*
	 * What was sent to us before "quit" is relayed, then what we held;
	 * bounded, should a peer never stop sending.
	 */
	for (w = 0; w < 4096; w++) {
		pfd[1] = (struct pollfd){ t.fd[0], POLLIN, 0 };
		pfd[2] = (struct pollfd){ t.fd[1], POLLIN, 0 };
		pfd[3] = (struct pollfd){ t.nat_fd, POLLIN, 0 };
		if (poll(pfd + 1, 3, 0) <= 0)
			break;
		relay_a(&t, pfd[1].revents & POLLIN, pfd[3].revents & POLLIN);
		if (pfd[2].revents & POLLIN)
			relay_fd(&t, 1, t.fd[1]);
	}
	for (i = 0; i < 2; i++)
		impair_expire(&t.im[i], now_ms(), 1);
	/* After every copy, on the same sockets: the ends' fence. */
	memset(fence, 0xff, sizeof(fence));
	for (i = 0; i < 2; i++)
		if (t.fence[i] && t.dst[i].sin_port != 0 &&
		    sendto(t.fd[i], fence, sizeof(fence), 0,
		    (struct sockaddr *)&t.dst[i], sizeof(t.dst[i])) > 0)
			t.fenced++;
	tap_wire(&t);
	return 0;
}
