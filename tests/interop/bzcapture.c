/*
 * bzcapture: run a complete ZRTP exchange between two libbzrtp endpoints
 * (Alice, Bob) over real UDP sockets on 127.0.0.1 and write every datagram
 * that crossed the wire, in order, as "<dir> <hex>" interop test vectors.
 */

/*
 * Build (standalone, from the top of the tree):
 *	SRC="libbzrtp $(pkg-config --modversion libbzrtp) (pkg-config),"
 *	SRC="$SRC Debian $(cat /etc/debian_version) package libbzrtp0"
 *	SRC="$SRC $(dpkg-query -W -f='${Version}' libbzrtp0)"
 *	gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -O2 \
 *	    -DBZCAPTURE_SOURCE="\"$SRC\"" -o /tmp/bzcapture \
 *	    tests/interop/bzcapture.c tests/interop/bzcommon.c \
 *	    $(pkg-config --cflags --libs libbzrtp bctoolbox) -lsqlite3
 * BZCAPTURE_SOURCE only labels the output; it may be left out.
 */

#include <sys/types.h>
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

#include <sqlite3.h>
#include <bzrtp/bzrtp.h>

#include "bzcommon.h"

#ifndef BZCAPTURE_SOURCE
#define BZCAPTURE_SOURCE "libbzrtp (version unknown: built without " \
	"-DBZCAPTURE_SOURCE)"
#endif

#define SSRC_ALICE	0x11111111u
#define SSRC_BOB	0x22222222u
#define NCHAN		2	/* channel 0: DH mode, channel 1: Mult */
#define MAXPKT		3000
#define POLL_MS		10


struct party;

/* One ZRTP stream of one party: its bzrtp channel and its UDP socket. */
struct chan {
	struct party	*party;
	struct chan	*peer;
	uint32_t	 ssrc;
	int		 fd;
	struct sockaddr_in addr;
	int		 started;
	int		 done;		/* bzrtp_startSrtpSession seen */
	int		 verified;
	struct bzc_keys	 tx, rx;	/* self, peer SRTP key and salt */
	char		 sas[64];
	struct bzc_suite suite;
	int		 cachemismatch;
	int		 role;		/* BZRTP_ROLE_*, -1 if not told */
};

struct party {
	const char	*name;
	const char	*dir;		/* direction of what this party sends */
	const char	*uri;
	bzrtpContext_t	*ctx;
	struct bzc_cache cache;
	int		 cachestate;
	char		 cachebefore[512], cacheafter[512];
	struct chan	 ch[NCHAN];
};

struct record {
	const char	*dir;
	uint8_t		*buf;
	size_t		 len;
};

static struct record	*recs;
static size_t		 nrecs, recsalloc;
static int		 sendfailed;

static void		 usage(void) __attribute__((noreturn));
static void		 list_algos(void);
static bzc_status_fn	 cb_status;
static bzc_send_fn	 cb_send;
static bzc_secrets_fn	 cb_secrets;
static bzc_start_fn	 cb_start;
static bzc_exported_fn	 cb_exported;
static void		 open_socket(struct chan *);
static void		 open_cache(struct party *, const char *, const char *);
static void		 cache_secrets(struct party *, const char *, char *,
			    size_t);
static void		 setup_party(struct party *,
			    const struct bzc_algo *[BZC_NTYPES]);
static void		 start_chan(struct chan *, int);
static int		 chan_secure(struct chan *);
static void		 pump(struct party *, struct party *, int);
static void		 check_chan(struct chan *);
static uint32_t		 crc32c(const uint8_t *, size_t);
static void		 crc_order(size_t *, size_t *, size_t *);
static void		 write_output(const char *, int, char **,
			    struct party *, struct party *, int);

void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("bzcapture: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bzcapture -o file [-k ka] [-H hash] [-c cipher] "
	    "[-a auth] [-s sas]\n"
	    "                 [-m] [-C cachedir] [-V] [-t seconds]\n"
	    "       bzcapture -l\n"
	    "  -o, --output FILE      capture file to write\n"
	    "  -k, --ka NAME          key agreement (default DH3k)\n"
	    "  -H, --hash NAME        hash (default S256)\n"
	    "  -c, --cipher NAME      cipher (default AES1)\n"
	    "  -a, --auth NAME        SRTP auth tag (default HS32)\n"
	    "  -s, --sas NAME         SAS rendering (default B32)\n"
	    "  -m, --multistream      add a second (Mult) stream once secure\n"
	    "  -C, --cache DIR        sqlite ZID caches DIR/alice.sqlite, "
	    "DIR/bob.sqlite\n"
	    "  -V, --sas-verified     mark the SAS verified on both sides\n"
	    "  -t, --timeout SECONDS  give up after this long (default 10)\n"
	    "  -l, --list             list the algorithms this bzrtp offers\n");
	exit(2);
}

static void
list_algos(void)
{
	uint8_t ids[7], n, i;
	size_t t;

	printf("%s\n", BZCAPTURE_SOURCE);
	for (t = 0; t < BZC_NTYPES; t++) {
		n = bzc_available(NULL, bzc_algotypes[t].type, ids);
		printf("%-13s", bzc_algotypes[t].label);
		for (i = 0; i < n; i++)
			printf(" %s", bzc_algo_name(bzc_algotypes[t].type,
			    ids[i]));
		printf("\n");
	}
}

static int
cb_status(void *cd, const uint8_t level, const uint8_t id, const char *msg)
{
	struct chan *c = cd;

	fprintf(stderr, "bzcapture: %s/%08x: bzrtp %s 0x%02x%s%s\n",
	    c->party->name, c->ssrc,
	    level == BZRTP_MESSAGE_ERROR ? "error" : "warning", id,
	    msg != NULL ? ": " : "", msg != NULL ? msg : "");
	if (id == BZRTP_MESSAGE_CACHEMISMATCH)
		c->cachemismatch = 1;
	return 0;
}

static int
cb_send(void *cd, const uint8_t *pkt, uint16_t len)
{
	struct chan *c = cd;
	struct record *r;
	ssize_t n;

	if (nrecs == recsalloc) {
		recsalloc = recsalloc ? recsalloc * 2 : 64;
		if ((recs = realloc(recs, recsalloc * sizeof(*recs))) == NULL)
			die("out of memory");
	}
	r = &recs[nrecs++];
	r->dir = c->party->dir;
	r->len = len;
	if ((r->buf = malloc(len)) == NULL)
		die("out of memory");
	memcpy(r->buf, pkt, len);

	n = sendto(c->fd, pkt, len, 0, (struct sockaddr *)&c->peer->addr,
	    sizeof(c->peer->addr));
	if (n != (ssize_t)len) {
		fprintf(stderr, "bzcapture: sendto: %s\n",
		    n == -1 ? strerror(errno) : "short write");
		sendfailed = 1;
		return -1;
	}
	return 0;
}

static int
cb_secrets(void *cd, const bzrtpSrtpSecrets_t *s, uint8_t part)
{
	struct chan *c = cd;
	int toolong;

	if ((toolong = bzc_secrets_take(&c->tx, &c->rx, s, part)) != 0)
		die("%s SRTP key too long",
		    toolong == ZRTP_SRTP_SECRETS_FOR_SENDER ? "self" : "peer");
	return 0;
}

static int
cb_start(void *cd, const bzrtpSrtpSecrets_t *s, int32_t verified)
{
	struct chan *c = cd;

	c->done = 1;
	c->verified = verified;
	bzc_suite_take(&c->suite, s);
	if (s->cacheMismatch)
		c->cachemismatch = 1;
	if (s->sas != NULL)
		snprintf(c->sas, sizeof(c->sas), "%s", s->sas);
	else
		snprintf(c->sas, sizeof(c->sas), "(none)");
	return 0;
}

/* Only used to learn which side bzrtp made the initiator. */
static int
cb_exported(void *cd, int zuid, uint8_t role)
{
	struct chan *c = cd;

	(void)zuid;
	c->role = role;
	return 0;
}

static void
open_socket(struct chan *c)
{
	socklen_t len = sizeof(c->addr);

	if ((c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1)
		die("socket: %s", strerror(errno));
	memset(&c->addr, 0, sizeof(c->addr));
	c->addr.sin_family = AF_INET;
	c->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->addr.sin_port = 0;
	if (bind(c->fd, (struct sockaddr *)&c->addr, sizeof(c->addr)) == -1)
		die("bind: %s", strerror(errno));
	if (getsockname(c->fd, (struct sockaddr *)&c->addr, &len) == -1)
		die("getsockname: %s", strerror(errno));
}

static void
open_cache(struct party *p, const char *dir, const char *peeruri)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s.sqlite", dir,
	    p->dir[0] == 'A' ? "alice" : "bob");
	p->cachestate = bzc_cache_open(&p->cache, p->ctx, path, p->uri,
	    peeruri);
}

/*
 * Describe what p's sqlite cache holds about peeruri (bzrtp's own schema:
 * ziduri maps URIs and peer ZID to a zuid, zrtp holds rs1/rs2/pvs).
 */
static void
cache_secrets(struct party *p, const char *peeruri, char *out, size_t len)
{
	static const char *cols[] = { "peerZID", "rs1", "rs2", "pvs" };
	sqlite3_stmt *st;
	const uint8_t *b;
	size_t off = 0;
	int i, j, n;

	if (sqlite3_prepare_v2(p->cache.db,
	    "SELECT u.zid, z.rs1, z.rs2, z.pvs FROM ziduri u "
	    "LEFT JOIN zrtp z ON z.zuid = u.zuid "
	    "WHERE u.selfuri = ?1 AND u.peeruri = ?2 "
	    "ORDER BY u.active DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		die("sqlite3_prepare_v2: %s", sqlite3_errmsg(p->cache.db));
	sqlite3_bind_text(st, 1, p->uri, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, peeruri, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		snprintf(out, len, "nothing about %s", peeruri);
		sqlite3_finalize(st);
		return;
	}
	out[0] = '\0';
	for (i = 0; i < 4; i++) {
		b = sqlite3_column_blob(st, i);
		n = sqlite3_column_bytes(st, i);
		off += snprintf(out + off, len - off, "%s%s=", i ? " " : "",
		    cols[i]);
		if (b == NULL || n == 0)
			off += snprintf(out + off, len - off, "none");
		for (j = 0; j < n && off + 3 < len; j++)
			off += snprintf(out + off, len - off, "%02x", b[j]);
		if (off >= len)
			break;
	}
	sqlite3_finalize(st);
}

static void
setup_party(struct party *p, const struct bzc_algo *want[BZC_NTYPES])
{
	size_t t;

	if (bzc_set_callbacks(p->ctx, cb_status, cb_send, cb_secrets,
	    cb_start, cb_exported) != 0)
		die("%s: bzrtp_setCallbacks failed", p->name);

	/*
	 * Offer only the requested algorithm; bzrtp appends the mandatory
	 * ones (S256, AES1, HS32/HS80, DH3k, B32) after it. Both sides offer
	 * the same lists, so the requested one should be negotiated; main()
	 * checks that it was.
	 */
	for (t = 0; t < BZC_NTYPES; t++)
		bzc_offer_only(p->ctx, bzc_algotypes[t].type, want[t]->id);
}

static void
start_chan(struct chan *c, int add)
{
	bzrtpContext_t *ctx = c->party->ctx;
	int rc;

	if (add && (rc = bzrtp_addChannel(ctx, c->ssrc)) != 0)
		die("%s: bzrtp_addChannel 0x%08x: 0x%x", c->party->name,
		    c->ssrc, rc);
	if ((rc = bzrtp_setClientData(ctx, c->ssrc, c)) != 0)
		die("%s: bzrtp_setClientData: 0x%x", c->party->name, rc);
	if ((rc = bzrtp_startChannelEngine(ctx, c->ssrc)) != 0)
		die("%s: bzrtp_startChannelEngine 0x%08x: 0x%x",
		    c->party->name, c->ssrc, rc);
	c->started = 1;
}

static int
chan_secure(struct chan *c)
{
	int st;

	st = bzrtp_getChannelStatus(c->party->ctx, c->ssrc);
	if (st == BZRTP_CHANNEL_ERROR)
		die("%s: channel 0x%08x in error state", c->party->name,
		    c->ssrc);
	return st == BZRTP_CHANNEL_SECURE && c->done;
}

/*
 * Wait up to timeout ms for datagrams on every started channel's socket
 * and hand them to bzrtp; then let bzrtp's timers run.
 */
static void
pump(struct party *a, struct party *b, int timeout)
{
	struct pollfd pfd[2 * NCHAN];
	struct chan *map[2 * NCHAN];
	uint8_t buf[MAXPKT];
	ssize_t n;
	uint64_t t;
	int nfd = 0, i, k, rc;

	for (k = 0; k < NCHAN; k++) {
		if (a->ch[k].started) {
			map[nfd] = &a->ch[k];
			pfd[nfd].fd = a->ch[k].fd;
			pfd[nfd++].events = POLLIN;
		}
		if (b->ch[k].started) {
			map[nfd] = &b->ch[k];
			pfd[nfd].fd = b->ch[k].fd;
			pfd[nfd++].events = POLLIN;
		}
	}
	if (poll(pfd, nfd, timeout) == -1) {
		if (errno == EINTR)
			return;
		die("poll: %s", strerror(errno));
	}
	for (i = 0; i < nfd; i++) {
		if ((pfd[i].revents & POLLIN) == 0)
			continue;
		for (;;) {
			n = recv(pfd[i].fd, buf, sizeof(buf), 0);
			if (n == -1 && (errno == EAGAIN ||
			    errno == EWOULDBLOCK))
				break;
			if (n == -1)
				die("recv: %s", strerror(errno));
			rc = bzrtp_processMessage(map[i]->party->ctx,
			    map[i]->ssrc, buf, (uint16_t)n);
			/* bzrtp rejects e.g. late retransmissions: log only */
			if (rc != 0)
				fprintf(stderr, "bzcapture: %s/%08x: "
				    "bzrtp_processMessage(\"%.8s\"): 0x%x\n",
				    map[i]->party->name, map[i]->ssrc,
				    n >= 24 ? (char *)buf + 16 : "?", rc);
		}
	}
	t = bzc_now_ms();
	for (i = 0; i < nfd; i++)
		bzrtp_iterate(map[i]->party->ctx, map[i]->ssrc, t);
	if (sendfailed)
		die("sending a datagram failed");
}

static void
check_chan(struct chan *c)
{
	struct chan *o = c->peer;

	if (!c->tx.have || !c->rx.have)
		die("%s/%08x: SRTP secrets not delivered", c->party->name,
		    c->ssrc);
	if (c->tx.keylen != o->rx.keylen ||
	    memcmp(c->tx.key, o->rx.key, c->tx.keylen) != 0 ||
	    c->tx.saltlen != o->rx.saltlen ||
	    memcmp(c->tx.salt, o->rx.salt, c->tx.saltlen) != 0)
		die("%s's self SRTP key/salt != %s's peer SRTP key/salt "
		    "(ssrc %08x)", c->party->name, o->party->name, c->ssrc);
	if (strcmp(c->sas, o->sas) != 0)
		die("SAS mismatch on ssrc %08x/%08x: %s says \"%s\", "
		    "%s says \"%s\"", c->ssrc, o->ssrc, c->party->name,
		    c->sas, o->party->name, o->sas);
	if (c->suite.hash != o->suite.hash ||
	    c->suite.cipher != o->suite.cipher ||
	    c->suite.auth != o->suite.auth || c->suite.ka != o->suite.ka ||
	    c->suite.sasalgo != o->suite.sasalgo)
		die("negotiated algorithms differ between the two sides");
}

/* CRC-32C, reflected polynomial 0x82f63b78, as in SCTP and iSCSI. */
static uint32_t
crc32c(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;
	int k;

	while (len-- > 0) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1u)));
	}
	return c ^ 0xffffffffu;
}

/* Count records whose trailing 4 bytes hold the CRC big/little-endian. */
static void
crc_order(size_t *be, size_t *le, size_t *none)
{
	const uint8_t *t;
	uint32_t crc, be32, le32;
	size_t i;

	*be = *le = *none = 0;
	for (i = 0; i < nrecs; i++) {
		if (recs[i].len < 16) {
			(*none)++;
			continue;
		}
		crc = crc32c(recs[i].buf, recs[i].len - 4);
		t = recs[i].buf + recs[i].len - 4;
		be32 = (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 |
		    (uint32_t)t[2] << 8 | t[3];
		le32 = (uint32_t)t[3] << 24 | (uint32_t)t[2] << 16 |
		    (uint32_t)t[1] << 8 | t[0];
		if (crc == be32)
			(*be)++;
		else if (crc == le32)
			(*le)++;
		else
			(*none)++;
	}
}

static void
write_output(const char *path, int argc, char **argv, struct party *a,
    struct party *b, int nch)
{
	struct chan *c;
	FILE *fp;
	char date[64];
	time_t now;
	size_t i, be, le, none;
	int k;

	if ((fp = fopen(path, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	now = time(NULL);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	crc_order(&be, &le, &none);

	fprintf(fp, "# ZRTP capture: two libbzrtp endpoints over UDP on "
	    "127.0.0.1\n");
	fprintf(fp, "# source: %s\n", BZCAPTURE_SOURCE);
	fprintf(fp, "# command:");
	for (k = 0; k < argc; k++)
		fprintf(fp, " %s", argv[k]);
	fprintf(fp, "\n# date: %s\n", date);
	fprintf(fp, "# A = Alice (ssrc %08x, first stream), B = Bob "
	    "(ssrc %08x, first stream)\n", SSRC_ALICE, SSRC_BOB);
	for (k = 0; k < nch; k++) {
		c = &a->ch[k];
		fprintf(fp, "# stream %d: ssrc A=%08x B=%08x "
		    "ka=%s hash=%s cipher=%s auth=%s sas=%s\n", k,
		    c->ssrc, c->peer->ssrc,
		    bzc_algo_name(ZRTP_KEYAGREEMENT_TYPE, c->suite.ka),
		    bzc_algo_name(ZRTP_HASH_TYPE, c->suite.hash),
		    bzc_algo_name(ZRTP_CIPHERBLOCK_TYPE, c->suite.cipher),
		    bzc_algo_name(ZRTP_AUTHTAG_TYPE, c->suite.auth),
		    bzc_algo_name(ZRTP_SAS_TYPE, c->suite.sasalgo));
		fprintf(fp, "# stream %d: SAS Alice=\"%s\" Bob=\"%s\" "
		    "verified A=%d B=%d cache-mismatch A=%d B=%d\n", k,
		    c->sas, c->peer->sas, c->verified, c->peer->verified,
		    c->cachemismatch, c->peer->cachemismatch);
		if (k == 0)	/* bzrtp tells the role on stream 0 only */
			fprintf(fp, "# stream %d: role Alice=%s Bob=%s\n", k,
			    bzc_role_name(c->role),
			    bzc_role_name(c->peer->role));
		fprintf(fp, "# stream %d: Alice SRTP key ", k);
		bzc_put_hex(fp, c->tx.key, c->tx.keylen);
		fprintf(fp, " salt ");
		bzc_put_hex(fp, c->tx.salt, c->tx.saltlen);
		fprintf(fp, "\n# stream %d: Bob SRTP key ", k);
		bzc_put_hex(fp, c->peer->tx.key, c->peer->tx.keylen);
		fprintf(fp, " salt ");
		bzc_put_hex(fp, c->peer->tx.salt, c->peer->tx.saltlen);
		fprintf(fp, "\n");
	}
	if (a->cache.db != NULL) {
		fprintf(fp, "# cache: sqlite, Alice %s, Bob %s\n",
		    a->cachestate == BZRTP_CACHE_SETUP ? "created" : "reused",
		    b->cachestate == BZRTP_CACHE_SETUP ? "created" : "reused");
		fprintf(fp, "# cache before call: Alice %s\n", a->cachebefore);
		fprintf(fp, "# cache before call: Bob %s\n", b->cachebefore);
		fprintf(fp, "# cache after call: Alice %s\n", a->cacheafter);
		fprintf(fp, "# cache after call: Bob %s\n", b->cacheafter);
	} else
		fprintf(fp, "# cache: none\n");
	fprintf(fp, "# crc: CRC-32C of packet minus last 4 bytes; trailer "
	    "big-endian in %zu, little-endian in %zu, neither in %zu "
	    "packets\n", be, le, none);
	fprintf(fp, "# %zu datagrams, in the order they were sent; "
	    "format: <dir> <hex of UDP payload>\n", nrecs);
	for (i = 0; i < nrecs; i++) {
		fprintf(fp, "%s ", recs[i].dir);
		bzc_put_hex(fp, recs[i].buf, recs[i].len);
		fputc('\n', fp);
	}
	if (fclose(fp) == EOF)
		die("%s: %s", path, strerror(errno));
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "ka", required_argument, NULL, 'k' },
		{ "hash", required_argument, NULL, 'H' },
		{ "cipher", required_argument, NULL, 'c' },
		{ "auth", required_argument, NULL, 'a' },
		{ "sas", required_argument, NULL, 's' },
		{ "multistream", no_argument, NULL, 'm' },
		{ "cache", required_argument, NULL, 'C' },
		{ "sas-verified", no_argument, NULL, 'V' },
		{ "timeout", required_argument, NULL, 't' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	/* indexed like bzc_algotypes[] */
	const char *names[BZC_NTYPES] = {
		"S256", "AES1", "HS32", "DH3k", "B32"
	};
	const struct bzc_algo *want[BZC_NTYPES];
	struct party alice, bob;
	struct party *p;
	struct chan *c;
	const char *output = NULL, *cachedir = NULL;
	uint64_t deadline, t0;
	size_t t, be, le, none;
	int ch, multi = 0, verify = 0, timeout = 10, nch, k, phase, at;
	char *ep;

	while ((ch = getopt_long(argc, argv, "o:k:H:c:a:s:mC:Vt:lh",
	    longopts, NULL)) != -1) {
		if ((at = bzc_algotype_byopt(ch)) != -1) {
			names[at] = optarg;
			continue;
		}
		switch (ch) {
		case 'o':
			output = optarg;
			break;
		case 'm':
			multi = 1;
			break;
		case 'C':
			cachedir = optarg;
			break;
		case 'V':
			verify = 1;
			break;
		case 't':
			timeout = (int)strtol(optarg, &ep, 10);
			if (*ep != '\0' || timeout <= 0 || timeout > 3600)
				usage();
			break;
		case 'l':
			list_algos();
			return 0;
		default:
			usage();
		}
	}
	if (output == NULL || optind != argc)
		usage();

	for (t = 0; t < BZC_NTYPES; t++)
		want[t] = bzc_algo_want(NULL, t, bzc_algotypes[t].label,
		    names[t], " (see -l)");

	memset(&alice, 0, sizeof(alice));
	memset(&bob, 0, sizeof(bob));
	alice.name = "Alice";
	alice.dir = "A>B";
	alice.uri = "sip:alice@127.0.0.1";
	bob.name = "Bob";
	bob.dir = "B>A";
	bob.uri = "sip:bob@127.0.0.1";
	nch = multi ? 2 : 1;
	for (k = 0; k < NCHAN; k++) {
		alice.ch[k].ssrc = SSRC_ALICE + (uint32_t)k;
		bob.ch[k].ssrc = SSRC_BOB + (uint32_t)k;
		alice.ch[k].peer = &bob.ch[k];
		bob.ch[k].peer = &alice.ch[k];
		alice.ch[k].fd = bob.ch[k].fd = -1;
		alice.ch[k].role = bob.ch[k].role = -1;
	}

	for (p = &alice; p != NULL; p = (p == &alice ? &bob : NULL)) {
		for (k = 0; k < NCHAN; k++) {
			c = &p->ch[k];
			c->party = p;
			if (k < nch)
				open_socket(c);
		}
		if ((p->ctx = bzrtp_createBzrtpContext()) == NULL)
			die("bzrtp_createBzrtpContext failed");
		if (cachedir != NULL) {
			open_cache(p, cachedir,
			    p == &alice ? bob.uri : alice.uri);
			cache_secrets(p, p == &alice ? bob.uri : alice.uri,
			    p->cachebefore, sizeof(p->cachebefore));
		}
		setup_party(p, want);
		if (bzrtp_initBzrtpContext(p->ctx, p->ch[0].ssrc) != 0)
			die("%s: bzrtp_initBzrtpContext failed", p->name);
	}

	t0 = bzc_now_ms();
	deadline = t0 + (uint64_t)timeout * 1000;
	start_chan(&alice.ch[0], 0);
	start_chan(&bob.ch[0], 0);
	phase = 0;
	for (;;) {
		if (bzc_now_ms() > deadline)
			die("timeout after %d s: stream %d status Alice=0x%x "
			    "Bob=0x%x (0x1004 is secure)", timeout, phase,
			    bzrtp_getChannelStatus(alice.ctx,
			    alice.ch[phase].ssrc),
			    bzrtp_getChannelStatus(bob.ctx,
			    bob.ch[phase].ssrc));
		pump(&alice, &bob, POLL_MS);
		if (!chan_secure(&alice.ch[phase]) ||
		    !chan_secure(&bob.ch[phase]))
			continue;
		if (phase == 0 && verify) {
			bzrtp_SASVerified(alice.ctx);
			bzrtp_SASVerified(bob.ctx);
		}
		if (++phase == nch)
			break;
		start_chan(&alice.ch[phase], 1);
		start_chan(&bob.ch[phase], 1);
	}
	/* Hand over whatever is still in flight, e.g. retransmissions. */
	do {
		k = (int)nrecs;
		pump(&alice, &bob, 0);
	} while ((size_t)k != nrecs);

	for (k = 0; k < nch; k++) {
		check_chan(&alice.ch[k]);
		check_chan(&bob.ch[k]);
	}
	if (cachedir != NULL) {
		cache_secrets(&alice, bob.uri, alice.cacheafter,
		    sizeof(alice.cacheafter));
		cache_secrets(&bob, alice.uri, bob.cacheafter,
		    sizeof(bob.cacheafter));
	}
	c = &alice.ch[0];
	if (c->suite.hash != want[0]->id || c->suite.cipher != want[1]->id ||
	    c->suite.auth != want[2]->id || c->suite.ka != want[3]->id ||
	    c->suite.sasalgo != want[4]->id)
		die("negotiated %s %s %s %s %s, not what was asked for",
		    bzc_algo_name(ZRTP_HASH_TYPE, c->suite.hash),
		    bzc_algo_name(ZRTP_CIPHERBLOCK_TYPE, c->suite.cipher),
		    bzc_algo_name(ZRTP_AUTHTAG_TYPE, c->suite.auth),
		    bzc_algo_name(ZRTP_KEYAGREEMENT_TYPE, c->suite.ka),
		    bzc_algo_name(ZRTP_SAS_TYPE, c->suite.sasalgo));
	write_output(output, argc, argv, &alice, &bob, nch);

	crc_order(&be, &le, &none);
	c = &alice.ch[0];
	printf("OK %s %s %s %s %s SAS \"%s\"%s %zu datagrams in %llu ms, "
	    "CRC trailer BE/LE/none %zu/%zu/%zu -> %s\n",
	    bzc_algo_name(ZRTP_KEYAGREEMENT_TYPE, c->suite.ka),
	    bzc_algo_name(ZRTP_HASH_TYPE, c->suite.hash),
	    bzc_algo_name(ZRTP_CIPHERBLOCK_TYPE, c->suite.cipher),
	    bzc_algo_name(ZRTP_AUTHTAG_TYPE, c->suite.auth),
	    bzc_algo_name(ZRTP_SAS_TYPE, c->suite.sasalgo), c->sas,
	    multi ? " +Mult stream" : "", nrecs,
	    (unsigned long long)(bzc_now_ms() - t0), be, le, none, output);

	for (p = &alice; p != NULL; p = (p == &alice ? &bob : NULL)) {
		for (k = nch - 1; k >= 0; k--)
			bzrtp_destroyBzrtpContext(p->ctx, p->ch[k].ssrc);
		for (k = 0; k < nch; k++)
			close(p->ch[k].fd);
		bzc_cache_close(&p->cache);
	}
	return 0;
}
