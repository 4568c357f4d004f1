/*
 * Handshake benchmark: per key agreement, the crypto limit (two key pairs
 * and two agreements), full DH-mode handshakes between two zrtpd engines and
 * between two libbzrtp contexts, all in memory in this one process, and the
 * heap an established session holds. Prints figures; judges none of them.
 */

/*
 * `make bench` builds and runs it. By hand, from the top of the tree: gcc
 * -std=c11 -D_GNU_SOURCE -O2 -Icrypto -Iproto, the .c files of crypto/ and
 * proto/, this file, $(pkg-config --cflags --libs libgcrypt libbzrtp
 * bctoolbox). Options: -t SECONDS per figure (default 1.2); -x gives our
 * engine a xorshift instead of libgcrypt's CSPRNG; -k KEX runs one row.
 * docs/performance.md explains the columns.
 */

#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <bzrtp/bzrtp.h>

#include "algo.h"
#include "cipher.h"
#include "crc32c.h"
#include "engine.h"
#include "hash.h"
#include "kex.h"
#include "zcrypto.h"

#define BENCH_PKT_MAX	3000	/* bzrtp's Hello may outgrow ZRTP_PKT_MAX */
#define BENCH_QUEUE	64	/* datagrams in flight: a handful at most */
#define BENCH_MIN_RUNS	2	/* per slice, however slow */
#define BENCH_SLICES	4	/* per figure, interleaved; the best counts */
#define BENCH_MEM_PAIRS	100	/* session pairs kept alive for the heap */
#define BENCH_IDLE_MAX	64	/* timer rounds without traffic: stalled */

#ifndef BENCH_BZRTP_VERSION	/* libbzrtp.h has no version macro */
#define BENCH_BZRTP_VERSION	"(pkg-config libbzrtp)"
#endif

struct bench_kex {
	const char	*name;
	enum zkex_alg	 alg;
	uint8_t		 bz_id;		/* 0: this libbzrtp lacks it */
};

static const struct bench_kex bench_kexes[] = {
	{ "DH3k", ZKEX_DH3K, ZRTP_KEYAGREEMENT_DH3k },
	{ "DH2k", ZKEX_DH2K, ZRTP_KEYAGREEMENT_DH2k },
	{ "X255", ZKEX_X255, ZRTP_KEYAGREEMENT_X255 },
	{ "X448", ZKEX_X448, ZRTP_KEYAGREEMENT_X448 },
	{ "EC25", ZKEX_EC25, 0 },
	{ "EC38", ZKEX_EC38, 0 },
};
#define BENCH_NKEX	(sizeof(bench_kexes) / sizeof(bench_kexes[0]))

/* One in-memory link, FIFO, shared by whichever pair is running. */
struct bench_pkt {
	int		to;
	size_t		len;
	uint8_t		b[BENCH_PKT_MAX];
};

struct bench_queue {
	struct bench_pkt p[BENCH_QUEUE];
	unsigned	 head, n;
};

/* What one kind of handshake did, summed over the timed runs. */
struct bench_stats {
	unsigned long	handshakes;
	unsigned long	datagrams;
	unsigned long	kex_jobs;	/* ours: ZSA_KEX actions */
	unsigned long	timers;		/* timer events we had to fire */
	unsigned long	commits;	/* Commit messages sent */
	unsigned long	rejects;	/* bzrtp_processMessage != 0 */
	double		secs;		/* wall time of the timed runs */
	double		kex_secs;	/* ours: inside zs_kex_run() */
	double		ctx_secs;	/* bzrtp: creating and freeing contexts */
};

/*
 * What one of our handshakes drew and sent, recorded from a real one: the
 * crypto limit replays it (limit_once).
 */
#define BENCH_REC_MAX	64
struct bench_rec {
	size_t		 draw[BENCH_REC_MAX];	/* env.random lengths, in order */
	int		 ndraw;
	size_t		 dgram[BENCH_REC_MAX];	/* datagram lengths */
	char		 type[BENCH_REC_MAX][9];	/* their message types */
	int		 ndgram;
};

struct ours_end {
	struct zsession	*s;
	int		 secure;
	uint32_t	 timer_ms;	/* armed interval, 0: none */
};

struct ours_pair {
	struct ours_end	 e[2];
	uint64_t	 now;
};

struct bz_end {
	bzrtpContext_t	*ctx;
	uint32_t	 ssrc;
	int		 to;
	int		 done;		/* bzrtp_startSrtpSession seen */
	uint8_t		 ka;
};

struct bz_pair {
	struct bz_end	 e[2];
	uint64_t	 now;
};

typedef int	(*bench_fn)(const struct bench_kex *);

/* One row of the table and what the details need from it. */
struct bench_row {
	const struct bench_kex	*k;
	double			 lim, ours, bz;	/* handshakes/s, bz 0: n/a */
	double			 bz_noctx;	/* bzrtp without its contexts */
	struct bench_stats	 sl, so, sb;
};

static struct bench_queue	 bq;
static struct bench_stats	*bstats;	/* the running kind adds here */
static struct zs_config		 ours_cfg[2];
static double			 bench_secs = 1.2;
static int			 use_xorshift;
static const char		*only_kex;	/* -k: one row, for profiling */
static uint64_t			 xs_state = 0x9E3779B97F4A7C15ull;
static struct bench_rec		 brec;
static int			 recording;	/* fill brec */

static void	 die(const char *, ...)
		    __attribute__((noreturn, format(printf, 1, 2)));
static double	 now_s(void);
static size_t	 heap_used(void);
static void	 q_push(int, const uint8_t *, size_t);
static int	 q_pop(struct bench_pkt *);
static void	 rand_xorshift(void *, void *, size_t);
static void	 rand_gcrypt(void *, void *, size_t);
static int	 limit_once(const struct bench_kex *);
static double	 op_usec(const struct bench_kex *, int);
static void	 ours_setup(const struct bench_kex *);
static void	 ours_drain(struct ours_pair *, int);
static void	 ours_handshake(struct ours_pair *, const struct bench_kex *);
static void	 ours_free(struct ours_pair *);
static int	 ours_once(const struct bench_kex *);
static int	 bz_status(void *, const uint8_t, const uint8_t, const char *);
static int	 bz_send(void *, const uint8_t *, uint16_t);
static int	 bz_start(void *, const bzrtpSrtpSecrets_t *, int32_t);
static int	 bz_has(uint8_t);
static void	 bz_setup(struct bz_end *, const struct bench_kex *);
static void	 bz_handshake(struct bz_pair *, const struct bench_kex *);
static void	 bz_free(struct bz_pair *);
static int	 bz_once(const struct bench_kex *);
static double	 bench_rate(bench_fn, const struct bench_kex *,
		    struct bench_stats *, double, double *);
static void	 bench_row_run(struct bench_row *);
static void	 bench_memory(const struct bench_kex *);
static void	 bench_table(struct bench_row *, size_t);
static void	 bench_details(const struct bench_row *, size_t);
static void	 usage(void) __attribute__((noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("handshake: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double
now_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		die("clock_gettime: %s", strerror(errno));
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bytes handed out by malloc: arena chunks and mmap()ed ones. */
static size_t
heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void
q_push(int to, const uint8_t *p, size_t len)
{
	struct bench_pkt *q;

	if (bq.n == BENCH_QUEUE)
		die("link queue full");
	if (len > sizeof(q->b))
		die("datagram of %zu bytes", len);
	q = &bq.p[(bq.head + bq.n++) % BENCH_QUEUE];
	q->to = to;
	q->len = len;
	memcpy(q->b, p, len);
	bstats->datagrams++;
	/* RFC 6189 §5: the message type block follows the 12-byte header. */
	if (len >= 24 && memcmp(p + 16, "Commit  ", 8) == 0)
		bstats->commits++;
	if (recording && len >= 24 && brec.ndgram < BENCH_REC_MAX) {
		brec.dgram[brec.ndgram] = len;
		memcpy(brec.type[brec.ndgram++], p + 16, 8);
	}
}

/* Copied out: delivering one datagram may queue others. */
static int
q_pop(struct bench_pkt *out)
{
	struct bench_pkt *q;

	if (bq.n == 0)
		return 0;
	q = &bq.p[bq.head];
	out->to = q->to;
	out->len = q->len;
	memcpy(out->b, q->b, q->len);
	bq.head = (bq.head + 1) % BENCH_QUEUE;
	bq.n--;
	return 1;
}

/* Fast and deterministic: measures the engine without CSPRNG cost. */
static void
rand_xorshift(void *arg, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t i;

	(void)arg;
	if (recording && brec.ndraw < BENCH_REC_MAX)
		brec.draw[brec.ndraw++] = len;
	for (i = 0; i < len; i++) {
		xs_state ^= xs_state << 13;
		xs_state ^= xs_state >> 7;
		xs_state ^= xs_state << 17;
		p[i] = (uint8_t)(xs_state >> 24);
	}
}

/* What the probe and the daemon give the engine: a refilled pool. */
static struct zrand_pool *bench_pool;

static void
rand_gcrypt(void *arg, void *buf, size_t len)
{
	(void)arg;
	zrand_pool_take(bench_pool, buf, len);
	if (recording && brec.ndraw < BENCH_REC_MAX)
		brec.draw[brec.ndraw++] = len;
}

/* Body length of the first recorded message of a type (header, CRC off). */
static size_t
rec_msg(const char *type)
{
	int i;

	for (i = 0; i < brec.ndgram; i++)
		if (memcmp(brec.type[i], type, 8) == 0)
			return brec.dgram[i] - 16;
	die("no %s recorded", type);
}

static void
lim_hash(const uint8_t *buf, size_t len)
{
	uint8_t md[ZHASH_MAX_LEN];

	if (zhash(ZHASH_S256, buf, len, md) != 0)
		die("zhash failed");
}

static void
lim_hmac(const uint8_t *key, size_t klen, const uint8_t *buf, size_t len)
{
	uint8_t mac[ZHASH_MAX_LEN];

	if (zhmac(ZHASH_S256, key, klen, buf, len, mac) != 0)
		die("zhmac failed");
}

/*
 * One side's symmetric work for a DH-mode handshake (RFC 6189 §4, S256,
 * AES1, no retained secrets), over the recorded message sizes: its hash
 * chain and the peer's checked (§9), the MACs of Hello, Commit, DHPart1/2
 * sent and checked, hvi (§4.4.1.1), total_hash and s0 (§4.4.1.4), the
 * twelve KDF outputs of DH mode (§4.5.2, §4.5.3, §4.6.1), one Confirm
 * sealed and one opened (CFB and MAC, §5.7), a CRC-32C over each datagram
 * sent or received (§5).
 */
static void
limit_side(size_t dh_len)
{
	static const char *labels[12] = { "Initiator SRTP master key",
	    "Initiator SRTP master salt", "Responder SRTP master key",
	    "Responder SRTP master salt", "Initiator HMAC key",
	    "Responder HMAC key", "Initiator ZRTP key", "Responder ZRTP key",
	    "ZRTP Session Key", "SAS", "Exported key", "retained secret" };
	static const size_t outs[12] = { 16, 14, 16, 14, 32, 32, 16, 16, 32,
	    32, 32, 32 };
	static uint8_t buf[4 * BENCH_PKT_MAX];
	uint8_t key[32], iv[16], kout[12][ZHASH_MAX_LEN];
	struct zkdf_out kdf[12];
	size_t hello = rec_msg("Hello   "), commit = rec_msg("Commit  ");
	size_t dh1 = rec_msg("DHPart1 "), dh2 = rec_msg("DHPart2 ");
	size_t conf = rec_msg("Confirm1") - 36;	/* sealed part */
	int i;

	memset(key, 0x5a, sizeof(key));
	memset(iv, 0xa5, sizeof(iv));
	for (i = 0; i < 6; i++)			/* H1..H3, the peer's H2..H0 */
		lim_hash(key, 32);
	lim_hmac(key, 32, buf, hello - 8);	/* ours sealed, theirs checked */
	lim_hmac(key, 32, buf, hello - 8);
	lim_hmac(key, 32, buf, commit - 8);	/* made or checked */
	lim_hash(buf, dh2 + hello);		/* hvi, made or checked */
	lim_hmac(key, 32, buf, dh1 - 8);
	lim_hmac(key, 32, buf, dh2 - 8);
	lim_hash(buf, hello + commit + dh1 + dh2);	/* total_hash */
	lim_hash(buf, 4 + dh_len + 13 + 24 + 32 + 12);	/* s0 */
	for (i = 0; i < 12; i++) {
		kdf[i].label = labels[i];
		kdf[i].out = kout[i];
		kdf[i].out_len = outs[i];
	}
	if (zkdf_many(ZHASH_S256, key, 32, buf, 56, kdf, 12) != 0)
		die("zkdf_many failed");
	if (zcfb_encrypt(ZCIPHER_AES1, key, iv, buf, buf + 512, conf) != 0 ||
	    zcfb_decrypt(ZCIPHER_AES1, key, iv, buf, buf + 512, conf) != 0)
		die("zcfb failed");
	lim_hmac(key, 32, buf, conf);
	lim_hmac(key, 32, buf, conf);
	for (i = 0; i < brec.ndgram; i++)
		(void)crc32c(buf, brec.dgram[i]);
	zwipe(kout, sizeof(kout));
}

/*
 * A key pair as the engine makes one for this run's cipher (AES1): the
 * secret size the engine uses (zkex_sv_len), drawn from the same pool.
 */
static int
limit_key_pair(struct zkex *k, enum zkex_alg alg)
{
	uint8_t sv[ZKEX_SV_MAX];
	size_t len = zkex_sv_len(alg, zcipher_key_len(ZCIPHER_AES1));
	int r, tries = 0;

	do {
		zrand_pool_take(bench_pool, sv, len);
		r = zkex_from_random(k, alg, sv, len);
	} while (r == ZE_INVAL && ++tries < 16);
	zwipe(sv, sizeof(sv));
	return r;
}

/*
 * Everything one handshake must compute, both ends: the random draws our
 * engine made in a recorded handshake (the key pairs' secrets among them),
 * from the same kind of pool; two key pairs, two agreements; each side's
 * symmetric work (limit_side).
 */
static int
limit_once(const struct bench_kex *k)
{
	struct zkex a, b;
	uint8_t ra[ZKEX_RESULT_MAX], rb[ZKEX_RESULT_MAX], junk[ZKEX_PV_MAX];
	size_t sv = zkex_sv_len(k->alg, zcipher_key_len(ZCIPHER_AES1));
	int r, i, skipped = 0;

	/* The recorded draws, less the two secrets limit_key_pair draws. */
	for (i = 0; i < brec.ndraw; i++) {
		if (brec.draw[i] == sv && skipped < 2) {
			skipped++;
			continue;
		}
		zrand_pool_take(bench_pool, junk, brec.draw[i] < sizeof(junk) ?
		    brec.draw[i] : sizeof(junk));
	}
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if ((r = limit_key_pair(&a, k->alg)) != 0 ||
	    (r = limit_key_pair(&b, k->alg)) != 0 ||
	    (r = zkex_agree(&a, b.pv, b.pv_len, ra)) != 0 ||
	    (r = zkex_agree(&b, a.pv, a.pv_len, rb)) != 0)
		die("%s: key agreement failed: %d", k->name, r);
	if (memcmp(ra, rb, zkex_result_len(k->alg)) != 0)
		die("%s: the two DHResults differ", k->name);
	limit_side(zkex_result_len(k->alg));
	limit_side(zkex_result_len(k->alg));
	zkex_clear(&a);
	zkex_clear(&b);
	zwipe(ra, sizeof(ra));
	zwipe(rb, sizeof(rb));
	zwipe(junk, sizeof(junk));
	bstats->handshakes++;
	return 0;
}

/*
 * A key pair as the engine makes one for this run's cipher (AES1), random
 * from libgcrypt: for the per-operation figures only.
 */
static int
bench_key_pair(struct zkex *k, enum zkex_alg alg)
{
	uint8_t sv[ZKEX_SV_MAX];
	size_t len = zkex_sv_len(alg, zcipher_key_len(ZCIPHER_AES1));
	int r, tries = 0;

	do {
		zrand_bytes(sv, len);
		r = zkex_from_random(k, alg, sv, len);
	} while (r == ZE_INVAL && ++tries < 16);
	zwipe(sv, sizeof(sv));
	return r;
}

/* One primitive's mean time, best slice: 0 generate, 1 agree, 2 check. */
static double
op_usec(const struct bench_kex *k, int op)
{
	struct zkex a, b;
	uint8_t out[ZKEX_RESULT_MAX];
	double t0, t, best = 0;
	unsigned long n;
	int r = 0, i;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (bench_key_pair(&a, k->alg) != 0 || bench_key_pair(&b, k->alg) != 0)
		die("%s: key generation failed", k->name);
	for (i = 0; i < BENCH_SLICES; i++) {
		n = 0;
		t0 = now_s();
		do {
			if (op == 0) {
				zkex_clear(&a);
				r = bench_key_pair(&a, k->alg);
			} else if (op == 1)
				r = zkex_agree(&a, b.pv, b.pv_len, out);
			else
				r = zkex_check_pv(k->alg, b.pv, b.pv_len);
			if (r != 0)
				die("%s: operation %d failed: %d", k->name,
				    op, r);
			n++;
		} while ((t = now_s() - t0) < bench_secs / 24 ||
		    n < BENCH_MIN_RUNS);
		if (best == 0 || t / (double)n < best)
			best = t / (double)n;
	}
	zkex_clear(&a);
	zkex_clear(&b);
	zwipe(out, sizeof(out));
	return best * 1e6;
}

/*
 * Both ends offer the same lists: S256, AES1, HS32, the key agreement
 * under test, B32 (the engine appends the mandatory ones). Roles are fixed
 * so that no Commit contention costs a second key pair.
 */
static void
ours_setup(const struct bench_kex *k)
{
	struct zs_config *c;
	int i;

	for (i = 0; i < 2; i++) {
		c = &ours_cfg[i];
		zs_config_defaults(c);
		memset(c->zid, i ? 0xb0 : 0xa0, ZRTP_ZID_LEN);
		c->ssrc = i ? 0x22222222 : 0x11111111;
		c->count[ZALGO_HASH] = 1;
		c->algo[ZALGO_HASH][0] = zalgo_hash_block(ZHASH_S256);
		c->count[ZALGO_CIPHER] = 1;
		c->algo[ZALGO_CIPHER][0] = zalgo_cipher_block(ZCIPHER_AES1);
		c->count[ZALGO_AUTH] = 1;
		c->algo[ZALGO_AUTH][0] = ZALGO('H', 'S', '3', '2');
		c->count[ZALGO_KEX] = 1;
		c->algo[ZALGO_KEX][0] = zalgo_kex_block(k->alg);
		c->count[ZALGO_SAS] = 1;
		c->algo[ZALGO_SAS][0] = ZSAS_B32;
		c->role_pref = i ? ZS_PREFER_RESPONDER : ZS_PREFER_INITIATOR;
	}
}

static void
ours_drain(struct ours_pair *p, int who)
{
	struct ours_end *e = &p->e[who];
	struct zs_cache_entry none;
	struct zs_action a;
	double t0;

	while (zs_next_action(e->s, &a)) {
		switch (a.type) {
		case ZSA_SEND:
			q_push(1 - who, a.u.send.p, a.u.send.len);
			break;
		case ZSA_TIMER:
			e->timer_ms = a.u.timer_ms;
			break;
		case ZSA_KEX:
			bstats->kex_jobs++;
			t0 = now_s();
			zs_kex_run(a.u.kex);
			bstats->kex_secs += now_s() - t0;
			if (zs_kex_done(e->s, p->now, a.u.kex) != 0)
				die("zs_kex_done refused");
			break;
		case ZSA_CACHE_LOOKUP:
			memset(&none, 0, sizeof(none));
			if (zs_cache_loaded(e->s, p->now, &none) != 0)
				die("zs_cache_loaded refused");
			break;
		case ZSA_SECURE:
			e->secure = 1;
			break;
		case ZSA_FAILED:
			die("engine %d failed: %s (error %d, wire 0x%x)", who,
			    a.u.failed.what ? a.u.failed.what : "?",
			    a.u.failed.error, a.u.failed.wire_code);
		default:
			break;
		}
	}
}

/* Deliver until both ends are secure; fire timers only when idle. */
static void
ours_handshake(struct ours_pair *p, const struct bench_kex *k)
{
	struct zs_env env = { use_xorshift ? rand_xorshift : rand_gcrypt,
	    NULL };

	if (bench_pool == NULL && (bench_pool = zrand_pool_new()) == NULL)
		die("no secure memory for the random pool");
	struct bench_pkt pkt;
	int i, idle = 0;

	memset(p, 0, sizeof(*p));
	p->now = 1000;
	bq.n = 0;
	for (i = 0; i < 2; i++)
		if ((p->e[i].s = zs_new(&ours_cfg[i], &env)) == NULL)
			die("zs_new failed");
	for (i = 0; i < 2; i++) {
		if (zs_start(p->e[i].s, p->now) != 0)
			die("zs_start failed");
		ours_drain(p, i);
	}
	while (!(p->e[0].secure && p->e[1].secure)) {
		p->now++;
		if (q_pop(&pkt)) {
			if (zs_receive(p->e[pkt.to].s, p->now, pkt.b,
			    pkt.len) != 0)
				die("zs_receive refused");
			ours_drain(p, pkt.to);
			continue;
		}
		if (++idle > BENCH_IDLE_MAX)
			die("%s: our handshake stalled in %s/%s", k->name,
			    zs_state_name(p->e[0].s), zs_state_name(p->e[1].s));
		for (i = 0; i < 2; i++) {
			if (p->e[i].timer_ms == 0)
				continue;
			p->now += p->e[i].timer_ms;
			p->e[i].timer_ms = 0;
			bstats->timers++;
			if (zs_timer(p->e[i].s, p->now) != 0)
				die("zs_timer refused");
			ours_drain(p, i);
		}
	}
	if (!zs_is_secure(p->e[0].s) || !zs_is_secure(p->e[1].s) ||
	    zs_algo(p->e[0].s, ZALGO_KEX) != zalgo_kex_block(k->alg) ||
	    zs_role(p->e[0].s) != ZS_ROLE_INITIATOR)
		die("%s: our handshake ended in the wrong state, key "
		    "agreement or role", k->name);
	bstats->handshakes++;
}

static void
ours_free(struct ours_pair *p)
{
	zs_free(p->e[0].s);
	zs_free(p->e[1].s);
	p->e[0].s = p->e[1].s = NULL;
}

static int
ours_once(const struct bench_kex *k)
{
	struct ours_pair p;

	ours_handshake(&p, k);
	ours_free(&p);
	return 0;
}

static int
bz_status(void *cd, const uint8_t level, const uint8_t id, const char *msg)
{
	(void)cd;
	if (level == BZRTP_MESSAGE_ERROR)
		die("bzrtp error 0x%02x: %s", id, msg != NULL ? msg : "");
	return 0;
}

static int
bz_send(void *cd, const uint8_t *pkt, uint16_t len)
{
	struct bz_end *e = cd;

	q_push(e->to, pkt, len);
	return 0;
}

static int
bz_start(void *cd, const bzrtpSrtpSecrets_t *s, int32_t verified)
{
	struct bz_end *e = cd;

	(void)verified;
	e->done = 1;
	e->ka = s->keyAgreementAlgo;
	return 0;
}

/* Whether this libbzrtp offers a key agreement at all. */
static int
bz_has(uint8_t id)
{
	bzrtpContext_t *ctx;
	uint8_t list[7], n, i;

	if (id == 0)
		return 0;
	if ((ctx = bzrtp_createBzrtpContext()) == NULL)
		die("bzrtp_createBzrtpContext failed");
	n = bzrtp_getSupportedCryptoTypes(ctx, ZRTP_KEYAGREEMENT_TYPE, list);
	bzrtp_destroyBzrtpContext(ctx, 0);
	for (i = 0; i < n; i++)
		if (list[i] == id)
			return 1;
	return 0;
}

static void
bz_setup(struct bz_end *e, const struct bench_kex *k)
{
	static const uint8_t types[5] = { ZRTP_HASH_TYPE,
	    ZRTP_CIPHERBLOCK_TYPE, ZRTP_AUTHTAG_TYPE, ZRTP_KEYAGREEMENT_TYPE,
	    ZRTP_SAS_TYPE };
	const uint8_t want[5] = { ZRTP_HASH_S256, ZRTP_CIPHER_AES1,
	    ZRTP_AUTHTAG_HS32, k->bz_id, ZRTP_SAS_B32 };
	bzrtpCallbacks_t cbs;
	uint8_t list[7];
	int t;

	memset(&cbs, 0, sizeof(cbs));
	cbs.bzrtp_statusMessage = bz_status;
	cbs.bzrtp_messageLevel = BZRTP_MESSAGE_ERROR;
	cbs.bzrtp_sendData = bz_send;
	cbs.bzrtp_startSrtpSession = bz_start;
	if ((e->ctx = bzrtp_createBzrtpContext()) == NULL ||
	    bzrtp_setCallbacks(e->ctx, &cbs) != 0)
		die("bzrtp context set-up failed");
	/* bzrtp appends the mandatory algorithms after the one given. */
	for (t = 0; t < 5; t++) {
		list[0] = want[t];
		bzrtp_setSupportedCryptoTypes(e->ctx, types[t], list, 1);
	}
	if (bzrtp_initBzrtpContext(e->ctx, e->ssrc) != 0 ||
	    bzrtp_setClientData(e->ctx, e->ssrc, e) != 0)
		die("bzrtp_initBzrtpContext failed");
}

/*
 * bzrtp's pair as it runs by itself: both channels started, each may
 * Commit and contention decides. Its timers run only when the link is idle
 * (never, without loss).
 */
static void
bz_handshake(struct bz_pair *p, const struct bench_kex *k)
{
	struct bench_pkt pkt;
	int i, idle = 0;

	double t0;

	memset(p, 0, sizeof(*p));
	p->now = 1000;
	bq.n = 0;
	t0 = now_s();
	for (i = 0; i < 2; i++) {
		p->e[i].ssrc = i ? 0x22222222 : 0x11111111;
		p->e[i].to = 1 - i;
		bz_setup(&p->e[i], k);
	}
	bstats->ctx_secs += now_s() - t0;
	/* bzrtp sends its first Hello from bzrtp_iterate(), not on start. */
	for (i = 0; i < 2; i++)
		if (bzrtp_startChannelEngine(p->e[i].ctx, p->e[i].ssrc) != 0)
			die("bzrtp_startChannelEngine failed");
	for (i = 0; i < 2; i++)
		bzrtp_iterate(p->e[i].ctx, p->e[i].ssrc, p->now);
	while (!(p->e[0].done && p->e[1].done)) {
		if (q_pop(&pkt)) {
			if (bzrtp_processMessage(p->e[pkt.to].ctx,
			    p->e[pkt.to].ssrc, pkt.b, (uint16_t)pkt.len) != 0)
				bstats->rejects++;
			continue;
		}
		if (++idle > BENCH_IDLE_MAX)
			die("%s: bzrtp's handshake stalled", k->name);
		p->now += 50;	/* RFC 6189 §6: T1 */
		bstats->timers++;
		for (i = 0; i < 2; i++)
			bzrtp_iterate(p->e[i].ctx, p->e[i].ssrc, p->now);
	}
	for (i = 0; i < 2; i++)
		if (bzrtp_getChannelStatus(p->e[i].ctx, p->e[i].ssrc) !=
		    BZRTP_CHANNEL_SECURE || p->e[i].ka != k->bz_id)
			die("%s: bzrtp ended in the wrong state or key "
			    "agreement", k->name);
	bstats->handshakes++;
}

static void
bz_free(struct bz_pair *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		bzrtp_destroyBzrtpContext(p->e[i].ctx, p->e[i].ssrc);
		p->e[i].ctx = NULL;
	}
	bq.n = 0;	/* late datagrams of a finished pair */
}

static int
bz_once(const struct bench_kex *k)
{
	struct bz_pair p;
	double t0;

	bz_handshake(&p, k);
	t0 = now_s();
	bz_free(&p);
	bstats->ctx_secs += now_s() - t0;
	return 0;
}

/*
 * Runs per second over one slice of secs; st sums over all slices. When
 * noctx is given, also the rate without the time fn booked as context
 * creation and destruction (bzrtp's).
 */
static double
bench_rate(bench_fn fn, const struct bench_kex *k, struct bench_stats *st,
    double secs, double *noctx)
{
	double t0, t, ctx0 = st->ctx_secs;
	unsigned long n = 0;

	bstats = st;
	t0 = now_s();
	do {
		fn(k);
		n++;
	} while ((t = now_s() - t0) < secs || n < BENCH_MIN_RUNS);
	st->secs += t;
	if (noctx != NULL)
		*noctx = (double)n / (t - (st->ctx_secs - ctx0));
	return (double)n / t;
}

/*
 * Heap held by established sessions: BENCH_MEM_PAIRS pairs completed and
 * kept alive, mallinfo2() before and after, divided by the session count.
 * libgcrypt's secure memory pool is not malloc's and is not in it.
 */
static void
bench_memory(const struct bench_kex *k)
{
	static struct ours_pair op[BENCH_MEM_PAIRS];
	static struct bz_pair bp[BENCH_MEM_PAIRS];
	struct bench_stats st;
	size_t before, after;
	int i;

	memset(&st, 0, sizeof(st));
	bstats = &st;
	ours_setup(k);
	ours_once(k);
	before = heap_used();
	for (i = 0; i < BENCH_MEM_PAIRS; i++)
		ours_handshake(&op[i], k);
	after = heap_used();
	printf("  %-5s ours : zs_memory() %zu B; heap %.0f B/session\n",
	    k->name, zs_memory(op[0].e[0].s),
	    (double)(after - before) / (2.0 * BENCH_MEM_PAIRS));
	for (i = 0; i < BENCH_MEM_PAIRS; i++)
		ours_free(&op[i]);
	if (!bz_has(k->bz_id))
		return;
	bz_once(k);
	before = heap_used();
	for (i = 0; i < BENCH_MEM_PAIRS; i++) {
		bz_handshake(&bp[i], k);
		bq.n = 0;
	}
	after = heap_used();
	printf("  %-5s bzrtp: heap %.0f B/session (context + channel)\n",
	    k->name, (double)(after - before) / (2.0 * BENCH_MEM_PAIRS));
	for (i = 0; i < BENCH_MEM_PAIRS; i++)
		bz_free(&bp[i]);
}

static void
usage(void)
{
	fprintf(stderr, "usage: handshake [-x] [-k kex] [-t seconds]\n");
	exit(2);
}

/*
 * The three kinds of one row, interleaved in BENCH_SLICES slices so that
 * load from elsewhere on the machine hits all three alike; each figure is
 * its best slice.
 */
static void
bench_row_run(struct bench_row *r)
{
	struct bench_stats warm;
	double secs = bench_secs / BENCH_SLICES, v;
	int i, bz = bz_has(r->k->bz_id);

	double nc;

	memset(&warm, 0, sizeof(warm));
	bstats = &warm;
	ours_setup(r->k);
	/* One real handshake of ours, recorded for the crypto limit. */
	memset(&brec, 0, sizeof(brec));
	recording = 1;
	ours_once(r->k);
	recording = 0;
	limit_once(r->k);
	if (bz)
		bz_once(r->k);
	r->lim = r->ours = r->bz = r->bz_noctx = 0;
	for (i = 0; i < BENCH_SLICES; i++) {
		if ((v = bench_rate(limit_once, r->k, &r->sl, secs, NULL)) >
		    r->lim)
			r->lim = v;
		if ((v = bench_rate(ours_once, r->k, &r->so, secs, NULL)) >
		    r->ours)
			r->ours = v;
		if (!bz)
			continue;
		if ((v = bench_rate(bz_once, r->k, &r->sb, secs, &nc)) > r->bz)
			r->bz = v;
		if (nc > r->bz_noctx)
			r->bz_noctx = nc;
	}
}

static void
bench_table(struct bench_row *rows, size_t nrows)
{
	struct bench_row *r;
	size_t i;

	printf("%-5s | %9s | %9s | %7s | %8s | %9s | %7s | %9s | %7s\n",
	    "", "crypto", "", "ours/", "engine", "bzrtp", "ours/", "bzrtp",
	    "ours/");
	printf("%-5s | %9s | %9s | %7s | %8s | %9s | %7s | %9s | %7s\n",
	    "kex", "limit", "ours", "limit", "adds", "with ctx", "bzrtp",
	    "no ctx", "bzrtp");
	printf("%-5s | %9s | %9s | %7s | %8s | %9s | %7s | %9s | %7s\n",
	    "", "hs/s", "hs/s", "%", "us/hs", "hs/s", "with", "hs/s",
	    "no ctx");
	printf("------+-----------+-----------+---------+----------+"
	    "-----------+---------+-----------+--------\n");
	for (i = 0; i < nrows; i++) {
		r = &rows[i];
		bench_row_run(r);
		printf("%-5s | %9.1f | %9.1f | %6.1f%% | %8.1f | ",
		    r->k->name, r->lim, r->ours, 100.0 * r->ours / r->lim,
		    1e6 / r->ours - 1e6 / r->lim);
		if (r->bz > 0)
			printf("%9.1f | %6.2fx | %9.1f | %5.2fx\n", r->bz,
			    r->ours / r->bz, r->bz_noctx,
			    r->ours / r->bz_noctx);
		else
			printf("%9s | %7s | %9s | %7s\n", "n/a", "n/a", "n/a",
			    "n/a");
		fflush(stdout);
	}
	printf("crypto limit: everything one handshake computes, both ends "
	    "(key pairs, agreements,\nhashes, MACs, KDF, CFB, CRC-32C, the "
	    "engine's random draws from the same pool);\nengine adds: time "
	    "per handshake beyond it. bzrtp with ctx: contexts created and\n"
	    "freed per handshake, as a call does; no ctx: that time left out "
	    "(ours still pays zs_new).\n");
}

/* Where the time goes: the primitives alone, and what each pair did. */
static void
bench_details(const struct bench_row *rows, size_t nrows)
{
	const struct bench_row *r;
	double hs;
	size_t i;

	printf("\nper operation and per handshake (means):\n");
	printf("%-5s | %7s %7s %7s | %7s %7s %7s %4s %6s | %6s %6s\n",
	    "kex", "gen", "agree", "check", "ours", "jobs", "rest", "jobs",
	    "dgrams", "dgrams", "Commit");
	printf("%-5s | %23s | %7s %7s %7s %4s %6s | %13s\n", "", "us",
	    "ms", "ms", "ms", "", "", "bzrtp");
	for (i = 0; i < nrows; i++) {
		r = &rows[i];
		hs = (double)r->so.handshakes;
		printf("%-5s | %7.0f %7.0f %7.0f | %7.3f %7.3f %7.3f %4.1f "
		    "%6.1f | ", r->k->name, op_usec(r->k, 0),
		    op_usec(r->k, 1), op_usec(r->k, 2), 1e3 * r->so.secs / hs,
		    1e3 * r->so.kex_secs / hs,
		    1e3 * (r->so.secs - r->so.kex_secs) / hs,
		    r->so.kex_jobs / hs, r->so.datagrams / hs);
		if (r->bz > 0)
			printf("%6.1f %6.2f\n",
			    (double)r->sb.datagrams / r->sb.handshakes,
			    (double)r->sb.commits / r->sb.handshakes);
		else
			printf("%6s %6s\n", "n/a", "n/a");
		if (r->so.timers != 0 || r->sb.timers != 0 || r->sb.rejects)
			printf("      (timers fired: ours %lu, bzrtp %lu; "
			    "bzrtp refused %lu datagrams)\n", r->so.timers,
			    r->sb.timers, r->sb.rejects);
	}
	printf("gen, agree, check: a key pair sized for AES1, zkex_agree, zkex_check_pv "
	    "alone (best slice).\nours: one handshake, mean over all "
	    "slices; jobs: inside zs_kex_run(); rest: the engine\n(with its "
	    "random draws and zkex_check_pv) outside it.\n");
}

int
main(int argc, char **argv)
{
	static struct bench_row rows[BENCH_NKEX];
	size_t i, nrows = 0;
	double t0;
	char *ep;
	int ch;

	while ((ch = getopt(argc, argv, "k:t:x")) != -1) {
		switch (ch) {
		case 'k':
			only_kex = optarg;
			break;
		case 't':
			bench_secs = strtod(optarg, &ep);
			if (*ep != '\0' || bench_secs <= 0 || bench_secs > 60)
				usage();
			break;
		case 'x':
			use_xorshift = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	for (i = 0; i < BENCH_NKEX; i++)
		if (only_kex == NULL ||
		    strcasecmp(only_kex, bench_kexes[i].name) == 0)
			rows[nrows++].k = &bench_kexes[i];
	if (nrows == 0)
		usage();
	/* Locked memory for the pairs kept alive, and a few more. */
	if (zs_init(2 * BENCH_MEM_PAIRS + 8, 1) != 0)
		die("libgcrypt initialisation failed (RLIMIT_MEMLOCK?)");
	if ((bench_pool = zrand_pool_new()) == NULL)
		die("no secure memory for the random pool");
	t0 = now_s();

	printf("zrtpd handshake benchmark: S256 AES1 HS32 B32, in memory, "
	    "one thread,\n%.1f s per figure in %d interleaved slices, best "
	    "slice shown\n", bench_secs, BENCH_SLICES);
	printf("ours: role_pref initiator/responder, env.random = %s; "
	    "bzrtp %s: both may Commit\n\n", use_xorshift ?
	    "xorshift64 (deterministic)" : "zrand_pool (libgcrypt CSPRNG, 4 KiB refills)",
	    BENCH_BZRTP_VERSION);
	bench_table(rows, nrows);
	bench_details(rows, nrows);
	printf("\nmemory per established session (%d pairs kept alive, "
	    "mallinfo2 delta / %d):\n", BENCH_MEM_PAIRS, 2 * BENCH_MEM_PAIRS);
	for (i = 0; i < nrows; i++)
		if (rows[i].k->alg == ZKEX_DH3K || rows[i].k->alg == ZKEX_X255)
			bench_memory(rows[i].k);
	printf("goal: <= 16 KiB per session\n");
	printf("\ntotal %.1f s\n", now_s() - t0);
	return 0;
}
