/*
 * Writes seed scripts for fuzz_engine into DIR (tests/fuzz/corpus/engine):
 * a second engine "B" plays a call against the harness's own session A,
 * and what A is given (B's datagrams, its timer firings, a SAS verdict)
 * is written in the target's script format. Each script is then replayed
 * through the harness alone and must end as meant: secure with B's SAS,
 * clear, or failed. Without DIR it writes nothing and only checks that, so
 * it doubles as a test of the engine against itself.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>

/* A runs on the harness's own code: same RNG, same answers, same checks. */
#include "fuzz_engine.c"

#define GEN_SCRIPT_MAX	(2 + FE_OPS_MAX * (3 + ZRTP_PKT_MAX))
#define GEN_QUEUE_MAX	64
#define GEN_DELAY_MS	5
#define GEN_LIMIT_MS	60000

enum gen_want {
	GEN_SECURE,	/* A secure, with B's SAS, never failed */
	GEN_FAILED,	/* A failed (possibly after being secure) */
	GEN_CLEAR,	/* A secure, then clear (§4.7.2) */
	GEN_DROPPED	/* A neither secure nor failed: B's packets dropped */
};

struct gen_pkt {
	uint64_t	at;
	int		to_a;
	size_t		len;
	uint8_t		b[ZRTP_PKT_MAX];
};

struct gen;

struct scenario {
	const char	*name;
	uint8_t		 setup_a, cache_a;	/* A's script header */
	uint8_t		 setup_b, cache_b;	/* the same meanings for B */
	uint64_t	 seed_b;
	enum gen_want	 want;
	unsigned	 drop;		/* lose every drop-th datagram; 0: none */
	int		 flags;
	/* B's datagram to A: may change it or queue others; 1 drops it. */
	int		(*to_a)(struct gen *, uint8_t *, size_t *);
	/* Once both ends are done: more for A. */
	void		(*after)(struct gen *);
};

#define GEN_NO_B	0x1	/* A alone: nobody answers */
#define GEN_SAME_ZID	0x2	/* B's Hello carries A's ZID */
#define GEN_SAME_SSRC	0x4	/* B sends from A's SSRC */
#define GEN_OTHER_RS1	0x8	/* B's rs1 is A's rs2: no keyID matches */

struct gen {
	const struct scenario	*sc;
	struct fe		 a;
	struct zsession		*b;
	struct zs_config	 bcfg;
	uint64_t		 brng, now;
	int			 b_timer_armed;
	uint64_t		 b_timer_at;
	int			 b_secure, b_failed;
	char			 b_sas[ZSAS_TEXT_MAX];
	struct gen_pkt		 b_hello;	/* B's first Hello to A */
	uint16_t		 inject_seq;
	unsigned		 sent, to_a_count;
	struct gen_pkt		 q[GEN_QUEUE_MAX];
	int			 nq;
	uint8_t			 script[GEN_SCRIPT_MAX];
	size_t			 len;
	int			 ops, full;
};

static struct gen g_gen;

static void
gen_append(struct gen *g, const uint8_t *p, size_t len)
{
	if (len > sizeof(g->script) - g->len)
		abort();
	memcpy(g->script + g->len, p, len);
	g->len += len;
}

/* Records one operation; 0 when the script has room for it. */
static int
gen_op(struct gen *g, enum fe_op op)
{
	uint8_t b = (uint8_t)op;

	if (g->ops == FE_OPS_MAX) {
		g->full = 1;
		return -1;
	}
	g->ops++;
	gen_append(g, &b, 1);
	return 0;
}

/* Hands A a datagram and records it. */
static void
gen_deliver_a(struct gen *g, const uint8_t *p, size_t len)
{
	uint8_t hdr[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	if (len > 0xffff || gen_op(g, FE_DELIVER) != 0)
		return;
	gen_append(g, hdr, 2);
	gen_append(g, p, len);
	g->a.now = g->now;
	/* From the script, as fe_script would: the harness keeps a view. */
	fe_deliver(&g->a, g->script + g->len - len, len);
}

static void
gen_fire_a(struct gen *g)
{
	if (gen_op(g, FE_TIMER) != 0)
		return;
	g->a.now = g->now;
	fe_fire(&g->a);
}

static void
gen_go_clear_a(struct gen *g)
{
	if (gen_op(g, FE_GOCLEAR) != 0)
		return;
	g->a.now = g->now;
	fe_go_clear(&g->a);
}

static void
gen_verdict_a(struct gen *g, int verified)
{
	uint8_t b = (uint8_t)verified;

	if (gen_op(g, FE_VERDICT) != 0)
		return;
	gen_append(g, &b, 1);
	g->a.now = g->now;
	fe_verdict(&g->a, verified);
}

static int
gen_type(const uint8_t *p, size_t len)
{
	struct zpkt pkt;

	return zpkt_decode(p, len, &pkt) == 0 ? (int)pkt.msg.type : -1;
}

static void
gen_push(struct gen *g, int to_a, const uint8_t *p, size_t len)
{
	struct gen_pkt *q;

	if (g->nq == GEN_QUEUE_MAX || len > sizeof(q->b))
		abort();
	q = &g->q[g->nq++];
	q->at = g->now + GEN_DELAY_MS;
	q->to_a = to_a;
	q->len = len;
	memcpy(q->b, p, len);
}

/* Every datagram passes the loss pattern; B's also pass the hook. */
static void
gen_send(struct gen *g, int to_a, const uint8_t *p, size_t len)
{
	uint8_t buf[ZRTP_PKT_MAX];

	g->sent++;
	if (g->sc->drop != 0 && g->sent % g->sc->drop == 0)
		return;
	if (!to_a) {
		if (g->b != NULL)
			gen_push(g, 0, p, len);
		return;
	}
	memcpy(buf, p, len);
	g->to_a_count++;
	if (g->b_hello.len == 0 && gen_type(p, len) == ZMSG_HELLO) {
		memcpy(g->b_hello.b, p, len);
		g->b_hello.len = len;
	}
	if (g->sc->to_a != NULL && g->sc->to_a(g, buf, &len) != 0)
		return;
	gen_push(g, 1, buf, len);
}

static void
gen_tap(void *arg, const uint8_t *p, size_t len)
{
	gen_send(arg, 0, p, len);
}

/* B's actions; its key agreement runs inline, its cache is fixed. */
static void
gen_drain_b(struct gen *g)
{
	struct zs_cache_entry e;
	struct zs_action a;

	while (zs_next_action(g->b, &a)) {
		switch (a.type) {
		case ZSA_SEND:
			gen_send(g, 1, a.u.send.p, a.u.send.len);
			break;
		case ZSA_TIMER:
			g->b_timer_armed = a.u.timer_ms != 0;
			g->b_timer_at = g->now + a.u.timer_ms;
			break;
		case ZSA_KEX:
			zs_kex_run(a.u.kex);
			if (zs_kex_done(g->b, g->now, a.u.kex) != 0)
				abort();
			break;
		case ZSA_CACHE_LOOKUP:
			fe_cache_entry(g->sc->cache_b, &e);
			if (g->sc->flags & GEN_OTHER_RS1)
				memcpy(e.rs1, fe_rs2, ZRTP_RS_LEN);
			if (zs_cache_loaded(g->b, g->now, &e) != 0)
				abort();
			break;
		case ZSA_SAS:
			memcpy(g->b_sas, a.u.sas.text, sizeof(g->b_sas));
			break;
		case ZSA_SECURE:
			g->b_secure = 1;
			break;
		case ZSA_FAILED:
			g->b_failed = 1;
			break;
		default:
			break;
		}
	}
}

static void
gen_start_b(struct gen *g)
{
	struct zs_env env = { fe_random, &g->brng };

	g->brng = g->sc->seed_b * 0x9e3779b97f4a7c15ull + 1;
	fe_config(&g->bcfg, g->sc->setup_b, g->sc->cache_b, 1);
	if (g->sc->flags & GEN_SAME_ZID)
		memcpy(g->bcfg.zid, g->a.cfg.zid, ZRTP_ZID_LEN);
	if (g->sc->flags & GEN_SAME_SSRC)
		g->bcfg.ssrc = g->a.cfg.ssrc;
	g->b = zs_new(&g->bcfg, &env);
	zcall_unref(g->bcfg.call);
	g->bcfg.call = NULL;
	if (g->b == NULL || zs_start(g->b, g->now) != 0)
		abort();
	gen_drain_b(g);
}

/*
 * Secure: both ends are. Failed: A is, and has its ErrorACK or can get no
 * more datagrams.
 */
static int
gen_done(const struct gen *g)
{
	int b_done = g->b == NULL || g->b_secure || g->b_failed, i;

	if (g->a.failed) {
		if (strcmp(zs_state_name(g->a.s), "failed") == 0)
			return 1;
		for (i = 0; i < g->nq; i++)
			if (g->q[i].to_a)
				return 0;
		return b_done && (g->b != NULL || !g->a.timer_armed);
	}
	return g->a.secure && b_done;
}

/* The earliest event: a datagram (index), -1 A's timer, -2 B's; or -3. */
static int
gen_next(const struct gen *g, uint64_t *t)
{
	int i, k = -3;

	*t = 0;
	for (i = 0; i < g->nq; i++)
		if (k == -3 || g->q[i].at < *t) {
			*t = g->q[i].at;
			k = i;
		}
	if (g->a.timer_armed && (k == -3 || g->a.timer_at < *t)) {
		*t = g->a.timer_at;
		k = -1;
	}
	if (g->b != NULL && g->b_timer_armed && (k == -3 ||
	    g->b_timer_at < *t)) {
		*t = g->b_timer_at;
		k = -2;
	}
	return k;
}

static int
gen_quiet(const struct gen *g)
{
	return g->nq == 0;
}

static void
gen_run(struct gen *g, int (*stop)(const struct gen *))
{
	struct gen_pkt p;
	uint64_t t;
	int k;

	while (!g->full && !stop(g) && (k = gen_next(g, &t)) != -3 &&
	    t <= FE_START_MS + GEN_LIMIT_MS) {
		g->now = t;
		if (k == -1) {
			gen_fire_a(g);
		} else if (k == -2) {
			g->b_timer_armed = 0;
			if (zs_timer(g->b, g->now) != 0)
				abort();
			gen_drain_b(g);
		} else {
			p = g->q[k];
			memmove(&g->q[k], &g->q[k + 1],
			    (size_t)(g->nq - k - 1) * sizeof(g->q[0]));
			g->nq--;
			if (p.to_a) {
				gen_deliver_a(g, p.b, p.len);
			} else {
				if (zs_receive(g->b, g->now, p.b, p.len) != 0)
					abort();
				gen_drain_b(g);
			}
		}
	}
}

/* A datagram from B's SSRC carrying m, outside B's own numbering. */
static size_t
gen_encode(struct gen *g, const struct zmsg *m, uint8_t *out)
{
	size_t len;

	if (zpkt_encode(g->inject_seq++, g->bcfg.ssrc, m, out, ZRTP_PKT_MAX,
	    &len) != 0)
		abort();
	return len;
}

/* Hooks for the failure and noise seeds. */

/* B's n-th datagram to A replaced by an Error (1: before its Hello). */
static int
to_a_error_nth(struct gen *g, unsigned n)
{
	uint8_t out[ZRTP_PKT_MAX];
	struct zmsg m;

	if (g->to_a_count == n) {
		memset(&m, 0, sizeof(m));
		m.type = ZMSG_ERROR;
		m.u.error.code = ZWE_UNAVAILABLE;
		gen_push(g, 1, out, gen_encode(g, &m, out));
		return 1;
	}
	return 0;
}

/* After B's Hello: the Error ends the exchange (§4.7.1). */
static int
to_a_error(struct gen *g, uint8_t *p, size_t *len)
{
	(void)p;
	(void)len;
	return to_a_error_nth(g, 2);
}

/* Before any Hello: refused, B's next Hello goes on (issue 6 item 5). */
static int
to_a_early_error(struct gen *g, uint8_t *p, size_t *len)
{
	(void)p;
	(void)len;
	return to_a_error_nth(g, 1);
}

/* Dropped without effect: not ZRTP, too short, wrong cookie, RTP. */
static int
to_a_noise(struct gen *g, uint8_t *p, size_t *len)
{
	uint8_t junk[96];
	size_t i;

	(void)len;
	if (g->to_a_count > 2)
		return 0;
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + g->to_a_count);
	gen_push(g, 1, junk, sizeof(junk));
	gen_push(g, 1, p, 15);
	memcpy(junk, p, 16);
	junk[5] ^= 0x20;
	gen_push(g, 1, junk, sizeof(junk));
	junk[0] = 0x80;		/* an RTP packet */
	gen_push(g, 1, junk, 40);
	return 0;
}

/* CRC and framing fine, an unknown message type: dropped (§5.1.1). */
static int
to_a_bad_type(struct gen *g, uint8_t *p, size_t *len)
{
	if (g->to_a_count == 1 && gen_type(p, *len) == ZMSG_HELLO)
		memcpy(p + ZRTP_PKT_HDR_LEN + 4, "Hollo   ", 8);
	return 0;
}

static int
to_a_old_version(struct gen *g, uint8_t *p, size_t *len)
{
	(void)g;
	if (gen_type(p, *len) == ZMSG_HELLO)
		memcpy(p + ZRTP_PKT_HDR_LEN + ZRTP_MSG_HDR_LEN, "1.01", 4);
	return 0;
}

/* A low-order X25519 public value in DHPart1 or DHPart2. */
static int
to_a_zero_pv(struct gen *g, uint8_t *p, size_t *len)
{
	int t = gen_type(p, *len);
	size_t pv = ZRTP_PKT_HDR_LEN + ZRTP_MSG_HDR_LEN +
	    ZRTP_HASH_IMAGE_LEN + 4 * ZRTP_SECRET_ID_LEN;

	(void)g;
	if ((t == ZMSG_DHPART1 || t == ZMSG_DHPART2) &&
	    *len >= pv + 32 + ZRTP_MAC_LEN + ZRTP_CRC_LEN)
		memset(p + pv, 0, 32);
	return 0;
}

/* Flips one bit of the sealed region: the Confirm MAC must catch it. */
static int
to_a_bad_confirm(struct gen *g, uint8_t *p, size_t *len)
{
	int t = gen_type(p, *len);

	(void)g;
	if (t == ZMSG_CONFIRM1 || t == ZMSG_CONFIRM2)
		p[*len - ZRTP_CRC_LEN - 1] ^= 0x01;
	return 0;
}

/* A changed hvi: the responder must refuse DHPart2 (§4.4.1.1). */
static int
to_a_bad_hvi(struct gen *g, uint8_t *p, size_t *len)
{
	size_t hvi = ZRTP_PKT_HDR_LEN + ZRTP_MSG_HDR_LEN +
	    ZRTP_HASH_IMAGE_LEN + ZRTP_ZID_LEN + 4 * ZALGO_KIND_COUNT;

	(void)g;
	if (gen_type(p, *len) == ZMSG_COMMIT)
		p[hvi] ^= 0x80;
	return 0;
}

/*
 * A forged Confirm1 just before DHPart1: the initiator, whose keys do not
 * exist yet, must drop it.
 */
static int
to_a_forged_confirm1(struct gen *g, uint8_t *p, size_t *len)
{
	uint8_t out[ZRTP_PKT_MAX], sealed[40];
	struct zmsg m;

	if (gen_type(p, *len) != ZMSG_DHPART1)
		return 0;
	memset(&m, 0, sizeof(m));
	m.type = ZMSG_CONFIRM1;
	memset(m.u.confirm.mac, 0xc1, ZRTP_MAC_LEN);
	memset(sealed, 0x5e, sizeof(sealed));
	m.u.confirm.sealed.p = sealed;
	m.u.confirm.sealed.len = sizeof(sealed);
	gen_push(g, 1, out, gen_encode(g, &m, out));
	return 0;
}

/* After a call: the verdict, and what a secure session must shrug off. */
static void
after_verdict(struct gen *g)
{
	gen_verdict_a(g, 1);
}

static void
after_noise(struct gen *g)
{
	uint8_t out[ZRTP_PKT_MAX];
	struct zmsg m;

	memset(&m, 0, sizeof(m));
	m.type = ZMSG_PING;
	memcpy(m.u.ping.version, "1.10", ZRTP_VERSION_LEN);
	memset(m.u.ping.ep_hash, 0xe4, ZRTP_EPHASH_LEN);
	gen_deliver_a(g, out, gen_encode(g, &m, out));
	memset(&m, 0, sizeof(m));
	m.type = ZMSG_GOCLEAR;
	gen_deliver_a(g, out, gen_encode(g, &m, out));
	memset(&m, 0, sizeof(m));
	m.type = ZMSG_HELLOACK;
	gen_deliver_a(g, out, gen_encode(g, &m, out));
	gen_verdict_a(g, 0);
	gen_verdict_a(g, 1);
}

/* The user on A asks to go clear; B allows it. */
static void
after_clear_a(struct gen *g)
{
	gen_go_clear_a(g);
	gen_run(g, gen_quiet);
}

/* B's user asks to go clear; A allows it. */
static void
after_clear_b(struct gen *g)
{
	if (zs_go_clear(g->b, g->now) != 0)
		abort();
	gen_drain_b(g);
	gen_run(g, gen_quiet);
}

/* B's Hello again, then as an older version and with A's ZID (§5.3). */
static void
after_hellos(struct gen *g)
{
	struct gen_pkt *h = &g->b_hello;
	size_t zid = ZRTP_PKT_HDR_LEN + ZRTP_MSG_HDR_LEN + ZRTP_VERSION_LEN +
	    ZRTP_CID_LEN + ZRTP_HASH_IMAGE_LEN;

	if (h->len < zid + ZRTP_ZID_LEN)
		abort();
	gen_deliver_a(g, h->b, h->len);
	memcpy(h->b + ZRTP_PKT_HDR_LEN + ZRTP_MSG_HDR_LEN, "1.01", 4);
	gen_deliver_a(g, h->b, h->len);
	memcpy(h->b + ZRTP_PKT_HDR_LEN + ZRTP_MSG_HDR_LEN, "1.10", 4);
	memcpy(h->b + zid, g->a.cfg.zid, ZRTP_ZID_LEN);
	gen_deliver_a(g, h->b, h->len);
	gen_verdict_a(g, 1);
}

static void
after_error(struct gen *g)
{
	uint8_t out[ZRTP_PKT_MAX];
	struct zmsg m;

	memset(&m, 0, sizeof(m));
	m.type = ZMSG_ERROR;
	m.u.error.code = ZWE_UNAVAILABLE;
	gen_deliver_a(g, out, gen_encode(g, &m, out));
	memset(&m, 0, sizeof(m));
	m.type = ZMSG_ERRORACK;
	gen_deliver_a(g, out, gen_encode(g, &m, out));
}

#define X	0
#define D	FE_SETUP_DH2K
#define ANY	0
#define INI	1
#define RSP	2
#define RICH	(FE_CACHE_RICH * FE_CACHE_COUNT)
#define PRSH	(FE_CACHE_PRSH * FE_CACHE_COUNT)

static const struct scenario gen_scenarios[] = {
	{ "init-x255", INI | X, 0, RSP | X, 0, 1, GEN_SECURE, 0, 0, NULL,
	    after_verdict },
	{ "resp-x255", RSP | X, 0, INI | X, 0, 2, GEN_SECURE, 0, 0, NULL,
	    after_verdict },
	{ "init-dh2k", INI | D, 0, RSP | D, 0, 3, GEN_SECURE, 0, 0, NULL,
	    after_verdict },
	{ "resp-dh2k", RSP | D, 0, INI | D, 0, 4, GEN_SECURE, 0, 0, NULL,
	    after_verdict },
	{ "any-x255-1", ANY | X, 0, ANY | X, 0, 5, GEN_SECURE, 0, 0, NULL,
	    NULL },
	{ "any-x255-2", ANY | X, 0, ANY | X, 0, 6, GEN_SECURE, 0, 0, NULL,
	    NULL },
	{ "any-dh2k-1", ANY | D, 0, ANY | D, 0, 7, GEN_SECURE, 0, 0, NULL,
	    NULL },
	{ "any-dh2k-2", ANY | D, 0, ANY | D, 0, 8, GEN_SECURE, 0, 0, NULL,
	    NULL },
	/* A offers X255, B DH2k: each side's fastest common choice. */
	{ "mixed-kex", INI | X, 0, RSP | D, 0, 9, GEN_SECURE, 0, 0, NULL,
	    NULL },
	{ "rich-resp", RSP | X, RICH, INI | X, RICH, 10, GEN_SECURE, 0, 0,
	    NULL, after_verdict },
	{ "rich-init-dh2k", INI | D, RICH, RSP | D, RICH, 11, GEN_SECURE, 0, 0,
	    NULL, after_verdict },
	/* Retained secrets: both hold rs1 (and rs2), or A's rs2 is B's rs1. */
	{ "cache-init", INI | X, FE_CACHE_RS1_RS2, RSP | X, FE_CACHE_RS1, 12,
	    GEN_SECURE, 0, 0, NULL, after_verdict },
	{ "cache-verified-resp", RSP | X, FE_CACHE_VERIFIED, INI | X,
	    FE_CACHE_VERIFIED, 13, GEN_SECURE, 0, 0, NULL, after_verdict },
	{ "cache-rs2-init", INI | D, FE_CACHE_RS2, RSP | D, FE_CACHE_RS2, 14,
	    GEN_SECURE, 0, 0, NULL, after_verdict },
	{ "cache-mismatch-resp", RSP | X, FE_CACHE_RS1, INI | X,
	    FE_CACHE_NONE, 15, GEN_SECURE, 0, 0, NULL, after_noise },
	{ "cache-peer-only", INI | X, FE_CACHE_NONE, RSP | X,
	    FE_CACHE_VERIFIED, 16, GEN_SECURE, 0, 0, NULL, after_verdict },
	{ "aux-init", INI | X | FE_SETUP_AUX, FE_CACHE_RS1, RSP | X |
	    FE_SETUP_AUX, FE_CACHE_RS1, 17, GEN_SECURE, 0, 0, NULL,
	    after_verdict },
	{ "nocache-resp", RSP | X | FE_SETUP_NOCACHE, FE_CACHE_RS1, INI | X,
	    FE_CACHE_RS1, 18, GEN_SECURE, 0, 0, NULL, after_verdict },
	{ "clear-init", INI | X | FE_SETUP_CLEAR, 0, RSP | X, 0, 19,
	    GEN_SECURE, 0, 0, NULL, after_noise },
	{ "mult-init", INI | FE_SETUP_MULT, 0, RSP | FE_SETUP_MULT, 0, 20,
	    GEN_SECURE, 0, 0, NULL, after_verdict },
	{ "mult-resp", RSP | FE_SETUP_MULT, 0, INI | FE_SETUP_MULT, 0, 21,
	    GEN_SECURE, 0, 0, NULL, NULL },
	{ "mult-any", ANY | FE_SETUP_MULT, 0, ANY | FE_SETUP_MULT, 0, 22,
	    GEN_SECURE, 0, 0, NULL, NULL },
	/* Loss: retransmissions on both schedules, timers in the script. */
	{ "lossy-init", INI | X, 0, RSP | X, 0, 23, GEN_SECURE, 3, 0, NULL,
	    NULL },
	{ "lossy-resp", RSP | X, 0, INI | X, 0, 24, GEN_SECURE, 4, 0, NULL,
	    NULL },
	/* Preshared (§4.4.2): both hold rs1; or only A does, so DH. */
	{ "prsh-init", INI | X, FE_CACHE_RS1 + PRSH, RSP | X,
	    FE_CACHE_RS1 + PRSH, 40, GEN_SECURE, 0, 0, NULL, after_verdict },
	{ "prsh-resp-aux", RSP | X | FE_SETUP_AUX, FE_CACHE_RS1_RS2 + PRSH,
	    INI | X | FE_SETUP_AUX, FE_CACHE_RS1 + PRSH, 41, GEN_SECURE, 0,
	    0, NULL, after_verdict },
	{ "prsh-fallback", INI | X, FE_CACHE_RS1 + PRSH, ANY | X,
	    FE_CACHE_NONE + PRSH, 42, GEN_SECURE, 0, 0, NULL, NULL },
	{ "prsh-mismatch", ANY | X, FE_CACHE_RS1 + PRSH, INI | X,
	    FE_CACHE_RS1 + PRSH, 46, GEN_SECURE, 0, GEN_OTHER_RS1, NULL,
	    NULL },
	{ "prsh-any", ANY | D, FE_CACHE_VERIFIED + PRSH, ANY | D,
	    FE_CACHE_VERIFIED + PRSH, 43, GEN_SECURE, 0, 0, NULL, NULL },
	/* GoClear (§4.7.2), asked for by A's user or by B's. */
	{ "clear-by-a", INI | X, 0, RSP | X | FE_SETUP_CLEAR, 0, 44,
	    GEN_CLEAR, 0, 0, NULL, after_clear_a },
	{ "clear-by-b", RSP | X | FE_SETUP_CLEAR, 0, INI | X | FE_SETUP_CLEAR,
	    0, 45, GEN_CLEAR, 0, 0, NULL, after_clear_b },
	{ "noise-init", INI | X, 0, RSP | X, 0, 25, GEN_SECURE, 0, 0,
	    to_a_noise, after_noise },
	{ "hellos-after-secure", RSP | X, 0, INI | X, 0, 48, GEN_SECURE, 0, 0,
	    NULL, after_hellos },
	{ "forged-confirm1-init", INI | D, 0, RSP | D, 0, 47, GEN_SECURE, 0, 0,
	    to_a_forged_confirm1, NULL },
	{ "bad-type-dropped", ANY | X, 0, ANY | X, 0, 29, GEN_SECURE, 0, 0,
	    to_a_bad_type, NULL },
	{ "early-error-refused", ANY | X, 0, ANY | X, 0, 26, GEN_SECURE, 0, 0,
	    to_a_early_error, NULL },
	/* Failures. */
	{ "err-peer-error", ANY | X, 0, ANY | X, 0, 26, GEN_FAILED, 0, 0,
	    to_a_error, NULL },
	{ "err-equal-zid", ANY | X, 0, ANY | X, 0, 27, GEN_FAILED, 0,
	    GEN_SAME_ZID, NULL, NULL },
	{ "err-same-ssrc", ANY | X, 0, ANY | X, 0, 28, GEN_FAILED, 0,
	    GEN_SAME_SSRC, NULL, NULL },

	{ "err-old-version", ANY | X, 0, ANY | X, 0, 30, GEN_FAILED, 0, 0,
	    to_a_old_version, NULL },
	{ "err-hello-hash", RSP | X | FE_SETUP_HASH, 0, INI | X, 0, 31,
	    GEN_FAILED, 0, 0, NULL, NULL },
	{ "err-zero-pv-init", INI | X, 0, RSP | X, 0, 32, GEN_FAILED, 0, 0,
	    to_a_zero_pv, NULL },
	{ "err-zero-pv-resp", RSP | X, 0, INI | X, 0, 33, GEN_FAILED, 0, 0,
	    to_a_zero_pv, NULL },
	{ "err-confirm-init", INI | X, 0, RSP | X, 0, 34, GEN_FAILED, 0, 0,
	    to_a_bad_confirm, NULL },
	{ "err-confirm-resp", RSP | D, 0, INI | D, 0, 35, GEN_FAILED, 0, 0,
	    to_a_bad_confirm, NULL },
	{ "err-hvi-resp", RSP | X, 0, INI | X, 0, 36, GEN_FAILED, 0, 0,
	    to_a_bad_hvi, NULL },
	{ "secure-then-error", INI | X, 0, RSP | X, 0, 37, GEN_SECURE, 0,
	    0, NULL, after_error },
	{ "err-no-mult-peer", INI | FE_SETUP_MULT, 0, RSP | X, 0, 38,
	    GEN_FAILED, 0, 0, NULL, NULL },
	{ "err-alone", ANY | X, 0, 0, 0, 39, GEN_FAILED, 0, GEN_NO_B, NULL,
	    NULL },
};

static int
gen_write(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	char path[4096];
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path)) {
		fprintf(stderr, "mkengine: %s: name too long\n", dir);
		return -1;
	}
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(p, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "mkengine: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The script alone, replayed through the harness, must end as meant. */
static int
gen_verify(const struct gen *g)
{
	static struct fe r;
	const char *how = NULL;

	fe_script(&r, g->script, g->len);
	if (g->sc->want == GEN_SECURE) {
		if (!r.secure || r.failed || !g->b_secure)
			how = "does not end secure";
		else if (strcmp(r.sas, g->b_sas) != 0)
			how = "ends with a SAS unlike B's";
	} else if (g->sc->want == GEN_CLEAR) {
		if (!r.secure || !r.clear || r.failed)
			how = "does not end clear";
	} else if (g->sc->want == GEN_DROPPED) {
		if (r.secure || r.failed)
			how = "does not stay undecided";
	} else if (!r.failed)
		how = "does not end failed";
	if (how == NULL && (r.secure != g->a.secure || r.clear != g->a.clear ||
	    r.failed != g->a.failed || r.stores != g->a.stores))
		how = "replays unlike the generating run";
	if (how != NULL)
		fprintf(stderr, "mkengine: %s: %s (A %s, %d ops)\n",
		    g->sc->name, how, zs_state_name(r.s), g->ops);
	fe_end(&r);
	return how == NULL ? 0 : -1;
}

static int
gen_one(const struct scenario *sc, const char *dir)
{
	struct gen *g = &g_gen;
	uint8_t hdr[2] = { sc->setup_a, sc->cache_a };
	int rc;

	memset(g, 0, sizeof(*g));
	g->sc = sc;
	g->now = FE_START_MS;
	g->inject_seq = 0x7000;
	g->a.tap = gen_tap;
	g->a.tap_arg = g;
	gen_append(g, hdr, sizeof(hdr));
	fe_begin(&g->a, sc->setup_a, sc->cache_a);
	if (!(sc->flags & GEN_NO_B))
		gen_start_b(g);
	gen_run(g, gen_done);
	if (sc->after != NULL)
		sc->after(g);
	if ((rc = gen_verify(g)) == 0 && dir != NULL)
		rc = gen_write(dir, sc->name, g->script, g->len);
	if (rc == 0)
		printf("mkengine: %-22s %4zu bytes %2d ops, A %s%s\n",
		    sc->name, g->len, g->ops, zs_state_name(g->a.s),
		    zs_role(g->a.s) == ZS_ROLE_INITIATOR ? " (initiator)" :
		    zs_role(g->a.s) == ZS_ROLE_RESPONDER ? " (responder)" : "");
	fe_end(&g->a);
	zs_free(g->b);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : NULL;
	size_t i;
	int rc = 0;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [DIR]\n", argv[0]);
		return 2;
	}
	if (dir != NULL && mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "mkengine: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (i = 0; i < sizeof(gen_scenarios) / sizeof(gen_scenarios[0]); i++)
		if (gen_one(&gen_scenarios[i], dir) != 0)
			rc = 1;
	return rc;
}
