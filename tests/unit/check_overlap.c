/*
 * Calls between the same two ZIDs that overlap (docs/engine.md,
 * "Concurrent calls"): two real caches, many engine pairs whose cache
 * reads and stores are interleaved in seeded orders that differ on each
 * side, through the daemon's waiting of stores (zrtpd/cachepend.c). No
 * call may report a cache mismatch but an impostor's, and the next call
 * must match. No daemon, no network: packets go straight across.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "unit.h"

#include "cache.h"
#include "cachepend.h"
#include "engine.h"
#include "zcrypto.h"
#include "zerr.h"

#define OV_CALLS	16	/* a round */
#define OV_MAX		128	/* every session of a test */
#define OV_QUEUE	64
#define OV_PKT		1600
#define OV_EPOCH	1700000000

struct ov_side {
	struct zcache	*c;
	struct zd_pend	*pend;
	uint8_t		 zid[ZRTP_ZID_LEN];
};

struct ov_call {
	struct zsession		*s[2];
	struct ov_side		*side[2];
	struct zd_pend_peer	*pp[2];
	uint32_t		 gen[2];	/* the row each side read */
	uint8_t			 peer[2][ZRTP_ZID_LEN];
	int			 lookup_wait[2], store_wait[2];
	struct zs_action	 store[2];
	int			 secure[2], mismatch[2], overlap[2], done[2];
	int			 late;	/* the side whose Hello came late, -1 */
};

struct ov_pkt {
	int	call, to;
	size_t	len;
	uint8_t	b[OV_PKT];
};

struct ov {
	char		 dir[64];
	struct ov_side	 side[2];
	struct ov_side	 impostor;	/* B's ZID, its own empty cache */
	struct ov_call	 call[OV_MAX];
	int		 ncalls;
	struct ov_pkt	 q[OV_QUEUE];
	int		 nq;
	uint64_t	 now, rng;
	int		 verdict_call;	/* -1: none */
	int		 skew;	/* one side of a call may begin late */
};

static struct ov ov;

static uint32_t
ov_rand(void)
{
	ov.rng ^= ov.rng << 13;
	ov.rng ^= ov.rng >> 7;
	ov.rng ^= ov.rng << 17;
	return (uint32_t)(ov.rng >> 16);
}

static void
ov_random(void *arg, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t i;

	(void)arg;
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)ov_rand();
}

/* The daemon's window (zrtpd/main.c): §6's schedules. */
static uint32_t
ov_window(void)
{
	struct zs_config c;

	zs_config_defaults(&c);
	return zs_overlap_window_ms(&c.timers);
}

static void
ov_open(struct ov_side *sd, const char *name)
{
	char path[128], err[256];

	snprintf(path, sizeof(path), "%s/%s.db", ov.dir, name);
	ck_assert_msg(zcache_open(path, &sd->c, err, sizeof(err)) == 0, "%s",
	    err);
	memcpy(sd->zid, zcache_zid(sd->c), ZRTP_ZID_LEN);
	ck_assert_ptr_nonnull(sd->pend = zd_pend_new(ov_window()));
}

static void
setup(void)
{
	memset(&ov, 0, sizeof(ov));
	snprintf(ov.dir, sizeof(ov.dir), "/tmp/zoverlap.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(ov.dir));
	ov_open(&ov.side[0], "a");
	ov_open(&ov.side[1], "b");
	ov_open(&ov.impostor, "impostor");
	memcpy(ov.impostor.zid, ov.side[1].zid, ZRTP_ZID_LEN);
	ov.now = 1000;
	ov.verdict_call = -1;
}

static void
teardown(void)
{
	char cmd[128];
	int i;

	for (i = 0; i < ov.ncalls; i++) {
		zs_free(ov.call[i].s[0]);
		zs_free(ov.call[i].s[1]);
	}
	zcache_close(ov.side[0].c);
	zcache_close(ov.side[1].c);
	zcache_close(ov.impostor.c);
	zd_pend_free(ov.side[0].pend);
	zd_pend_free(ov.side[1].pend);
	zd_pend_free(ov.impostor.pend);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ov.dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A write the daemon's cache thread would make. */
static void
ov_write(struct ov_side *sd, const struct zs_action *a)
{
	int64_t now = OV_EPOCH + (int64_t)(ov.now / 1000);

	if (a->type == ZSA_CACHE_STORE)
		ck_assert_int_eq(zcache_store(sd->c, &a->u.store, now), 0);
	else if (a->type == ZSA_CACHE_EXPIRE)
		ck_assert_int_eq(zcache_expire(sd->c, a->u.zid, now), 0);
}

/* What zd_cache_release() does: the exchange will store nothing. */
static void
ov_release(struct ov_call *c, int who)
{
	struct zs_action w;

	if (c->pp[who] != NULL && zd_pend_end(c->side[who]->pend, c->pp[who],
	    c->gen[who], NULL, ov.now, &w))
		ov_write(c->side[who], &w);
	c->pp[who] = NULL;
}

static void
ov_drain(int i, int who)
{
	struct ov_call *c = &ov.call[i];
	struct zs_action a;
	struct ov_pkt *p;
	int set;

	while (zs_next_action(c->s[who], &a)) {
		switch (a.type) {
		case ZSA_SEND:
			ck_assert_int_lt(ov.nq, OV_QUEUE);
			p = &ov.q[ov.nq++];
			p->call = i;
			p->to = 1 - who;
			ck_assert_uint_le(a.u.send.len, sizeof(p->b));
			memcpy(p->b, a.u.send.p, a.u.send.len);
			p->len = a.u.send.len;
			break;
		case ZSA_KEX:
			zs_kex_run(a.u.kex);
			ck_assert_int_eq(zs_kex_done(c->s[who], ov.now, a.u.kex),
			    0);
			break;
		case ZSA_CACHE_LOOKUP:
			/*
			 * As zd_cache_lookup(): under way from the request,
			 * which on a late side comes with its read.
			 */
			c->lookup_wait[who] = 1;
			memcpy(c->peer[who], a.u.zid, ZRTP_ZID_LEN);
			if (who == c->late)
				break;
			c->pp[who] = zd_pend_begin(c->side[who]->pend, a.u.zid);
			ck_assert_ptr_nonnull(c->pp[who]);
			break;
		case ZSA_SAS:
			c->mismatch[who] = a.u.sas.cache_mismatch;
			c->overlap[who] = a.u.sas.overlap;
			break;
		case ZSA_SECURE:
			c->secure[who] = 1;
			break;
		case ZSA_CACHE_STORE:
		case ZSA_CACHE_EXPIRE:
			/* Held: this side finishes when the schedule says. */
			c->store_wait[who] = 1;
			c->store[who] = a;
			break;
		case ZSA_CACHE_VERIFIED:	/* as zd_cache_run() */
			/* As cachejob.c: a verdict ends a tentative row. */
			if (a.u.verified.verified)
				zd_pend_verified(c->side[who]->pend,
				    a.u.verified.zid);
			ck_assert_int_eq(zcache_verdict(c->side[who]->c,
			    a.u.verified.zid, a.u.verified.verified,
			    a.u.verified.bound, a.u.verified.rs1,
			    a.u.verified.rs2_valid ? a.u.verified.rs2 : NULL,
			    &set), 0);
			break;
		case ZSA_FAILED:
			ck_abort_msg("call %d side %d failed: %s", i, who,
			    a.u.failed.what != NULL ? a.u.failed.what : "?");
			break;
		default:
			break;
		}
	}
	/* Secure with nothing to store: a mismatch waiting for a verdict. */
	if (c->secure[who] && !c->store_wait[who] && !c->done[who]) {
		c->done[who] = 1;
		ov_release(c, who);
	}
}

/* Deliver every datagram in flight, in order. */
static void
ov_pump(void)
{
	struct ov_pkt p;

	while (ov.nq > 0) {
		p = ov.q[0];
		memmove(&ov.q[0], &ov.q[1], (size_t)--ov.nq * sizeof(ov.q[0]));
		ov.now += 1;
		ck_assert_int_eq(zs_receive(ov.call[p.call].s[p.to], ov.now,
		    p.b, p.len), 0);
		ov_drain(p.call, p.to);
	}
}

static void
ov_start(int impostor)
{
	struct zs_env env = { ov_random, NULL };
	struct zs_config cfg;
	struct ov_call *c;
	int i = ov.ncalls++, who;

	ck_assert_int_lt(i, OV_MAX);
	c = &ov.call[i];
	memset(c, 0, sizeof(*c));
	c->side[0] = &ov.side[0];
	c->side[1] = impostor ? &ov.impostor : &ov.side[1];
	/*
	 * With skew, one side of a call may see the other's Hello late
	 * (its session made later, a loss): that side's exchange is under
	 * way only from its read, while the other's already is.
	 */
	c->late = ov.skew ? (int)(ov_rand() % 3) - 1 : -1;
	for (who = 0; who < 2; who++) {
		zs_config_defaults(&cfg);
		memcpy(cfg.zid, c->side[who]->zid, ZRTP_ZID_LEN);
		cfg.ssrc = who ? 0x22222222 : 0x11111111;
		ck_assert_ptr_nonnull(c->s[who] = zs_new(&cfg, &env));
		ck_assert_int_eq(zs_start(c->s[who], ov.now), 0);
		ov_drain(i, who);
	}
	ov_pump();
}

/* The peer's Hello came in on this side earlier; its cache read now. */
static void
ov_lookup(int i, int who)
{
	struct ov_call *c = &ov.call[i];
	struct ov_side *sd = c->side[who];
	struct zs_cache_entry e;
	int tent;

	c->lookup_wait[who] = 0;
	if (c->pp[who] == NULL)
		ck_assert_ptr_nonnull(c->pp[who] = zd_pend_begin(sd->pend,
		    c->peer[who]));
	/* The cache thread reads after the writes handed out before. */
	zd_pend_read(sd->pend, c->pp[who], ov.now, &c->gen[who], &tent);
	ck_assert_int_eq(zcache_load(sd->c, c->peer[who], OV_EPOCH +
	    (int64_t)(ov.now / 1000), &e), 0);
	e.tentative = tent && e.found && (e.rs1_valid || e.rs2_valid);
	ck_assert_int_eq(zs_cache_loaded(c->s[who], ov.now, &e), 0);
	zwipe(&e, sizeof(e));
	ov_drain(i, who);
	ov_pump();
}

/* This side's exchange ends: its store as the daemon's loop takes it. */
static void
ov_store(int i, int who)
{
	struct ov_call *c = &ov.call[i];
	struct ov_side *sd = c->side[who];
	struct zs_action w;
	int now;

	c->store_wait[who] = 0;
	c->done[who] = 1;
	/*
	 * As zd_cache_write(): the responder's exchange stays under way
	 * until the initiator is past its store too (its first SRTP).
	 */
	if (c->pp[who] != NULL && zs_role(c->s[who]) == ZS_ROLE_RESPONDER &&
	    !c->done[1 - who]) {
		if (zd_pend_add(sd->pend, c->pp[who], c->gen[who],
		    &c->store[who], ov.now, &w))
			ov_write(sd, &w);
	} else {
		if (c->pp[who] != NULL)
			now = zd_pend_end(sd->pend, c->pp[who], c->gen[who],
			    &c->store[who], ov.now, &w);
		else
			now = zd_pend_offer(sd->pend, &c->store[who], ov.now,
			    &w);
		c->pp[who] = NULL;
		if (now)
			ov_write(sd, &w);
		/* A responder that stored already hears the SRTP now. */
		if (zs_role(c->s[who]) == ZS_ROLE_INITIATOR && c->done[1 - who])
			ov_release(c, 1 - who);
	}
	/* The user compares this call's SAS at once, on both sides. */
	if (i == ov.verdict_call && c->done[0] && c->done[1]) {
		ck_assert_int_eq(zs_sas_verdict(c->s[0], ov.now, 1), 0);
		ck_assert_int_eq(zs_sas_verdict(c->s[1], ov.now, 1), 0);
		ov_drain(i, 0);
		ov_drain(i, 1);
	}
}

/*
 * Start n calls (call `impostor` against someone holding B's ZID but none
 * of its secrets) and run every cache read and store in a seeded random
 * order, each side's independent of the other's, until all are done.
 */
static void
ov_round(int n, int impostor)
{
	int first = ov.ncalls, started = 0, i, who, k, picks;
	int ev[4 * OV_MAX];

	for (;;) {
		picks = 0;
		for (i = first; i < ov.ncalls; i++)
			for (who = 0; who < 2; who++) {
				if (ov.call[i].lookup_wait[who])
					ev[picks++] = 4 * i + who;
				if (ov.call[i].store_wait[who])
					ev[picks++] = 4 * i + 2 + who;
			}
		if (started < n && (picks == 0 || ov_rand() % 3 == 0)) {
			ov_start(started == impostor);
			started++;
			continue;
		}
		if (picks == 0)
			break;
		k = ev[ov_rand() % (unsigned)picks];
		ov.now += 1 + ov_rand() % 50;
		if (k % 4 < 2)
			ov_lookup(k / 4, k % 2);
		else
			ov_store(k / 4, k % 2);
	}
	for (i = first; i < ov.ncalls; i++)
		for (who = 0; who < 2; who++) {
			ck_assert_int_eq(ov.call[i].secure[who], 1);
			/* Only the impostor's exchange shows a mismatch. */
			ck_assert_msg(ov.call[i].mismatch[who] ==
			    (i - first == impostor && who == 0),
			    "call %d of the round, side %d: mismatch %d", i -
			    first, who, ov.call[i].mismatch[who]);
		}
	ck_assert_int_eq(zd_pend_inflight(ov.side[0].pend, ov.side[1].zid), 0);
	ck_assert_int_eq(zd_pend_inflight(ov.side[1].pend, ov.side[0].zid), 0);
}

/* Both rows hold the same rs1 (a call alone leaves them so). */
static void
ov_same_rs1(int verified)
{
	struct zs_cache_entry a, b;
	int64_t now = OV_EPOCH + (int64_t)(ov.now / 1000);

	ck_assert_int_eq(zcache_load(ov.side[0].c, ov.side[1].zid, now, &a), 0);
	ck_assert_int_eq(zcache_load(ov.side[1].c, ov.side[0].zid, now, &b), 0);
	ck_assert(a.rs1_valid && b.rs1_valid);
	ck_assert_mem_eq(a.rs1, b.rs1, ZRTP_RS_LEN);
	ck_assert_int_eq(a.verified, verified);
	ck_assert_int_eq(b.verified, verified);
	zwipe(&a, sizeof(a));
	zwipe(&b, sizeof(b));
}

START_TEST(test_overlapping_calls_match)
{
	int r;

	ov.rng = 0x9E3779B97F4A7C15ull * (uint64_t)(_i + 1);
	ov_round(1, -1);	/* first contact, alone */
	ov_same_rs1(0);
	for (r = 0; r < 4; r++)
		ov_round(OV_CALLS - 1, -1);
	ov_round(1, -1);
	ov_same_rs1(0);
}
END_TEST

/*
 * The first call alone (written at once on both sides), then bursts
 * while its own stores and verdict are still being taken: a flag set on
 * the first call stays through the burst's stores.
 */
START_TEST(test_first_call_then_burst)
{
	ov.rng = 0x5EEDull + 7 * (uint64_t)_i;
	ov.verdict_call = 0;
	ov_round(1, -1);
	ov.verdict_call = -1;
	ov_round(OV_CALLS - 1, -1);
	ov_round(OV_CALLS - 1, -1);
	ov_round(1, -1);
	ov_same_rs1(1);
}
END_TEST

/*
 * An impostor with B's ZID among overlapping genuine calls: its exchange
 * is a mismatch on A's side, writes nothing there, and the genuine calls
 * after it still match. A verdict given on one call while the others'
 * stores wait survives them.
 */
START_TEST(test_overlap_impostor_and_verdict)
{
	ov.rng = 0xC0FFEEull + (uint64_t)_i;
	ov_round(1, -1);
	/* The pair met a while ago: its row is no longer tentative. */
	ov.now += ov_window();
	ov.verdict_call = ov.ncalls + 3;
	ov_round(OV_CALLS - 1, 5);
	ov.verdict_call = -1;
	ov_round(OV_CALLS - 1, -1);
	ov_round(1, -1);
	ov_same_rs1(1);
}
END_TEST

/* Every cache read of calls [from, to] before any store. */
static void
ov_read_all(int from, int to)
{
	int i, who, more;

	do {
		more = 0;
		for (i = from; i <= to; i++)
			for (who = 0; who < 2; who++)
				if (ov.call[i].lookup_wait[who]) {
					ov_lookup(i, who);
					more = 1;
				}
	} while (more);
	for (i = from; i <= to; i++)
		for (who = 0; who < 2; who++)
			ck_assert_int_eq(ov.call[i].store_wait[who], 1);
}

/* A's row for B's ZID. */
static void
ov_row(struct zs_cache_entry *e)
{
	ck_assert_int_eq(zcache_load(ov.side[0].c, ov.side[1].zid,
	    OV_EPOCH + (int64_t)(ov.now / 1000), e), 0);
	ck_assert(e->found && e->rs1_valid);
}

/* Does store a (call i, side 0) rank above store b? */
static int
ov_outranks(int a, int b)
{
	return zs_cache_record_cmp(&ov.call[a].store[0].u.store,
	    &ov.call[b].store[0].u.store) > 0;
}

/* A fresh pair of caches and a new seed (for tests that need a rank). */
static void
ov_again(uint64_t seed)
{
	teardown();
	setup();
	ov.rng = seed;
}

/*
 * Two first contacts at once, the impostor's and the genuine B's: the
 * impostor's store lands first on A's side, the genuine one replaces it
 * only if it ranks higher (both ends keep the best of a group of first
 * contacts), and A's user then verifies the genuine call's SAS. Its V
 * flag must never mark the impostor's secret: the impostor's next call
 * would match it and show the SAS verified, never to be compared. The
 * flag was once written to the ZID's row whatever it held.
 */
START_TEST(test_first_contact_impostor_verdict)
{
	struct zs_cache_entry e;
	int imp = ov.ncalls, gen = imp + 1;

	ov.rng = 0xF1257ull + (uint64_t)_i;
	ov_start(1);
	ov_start(0);
	ov_read_all(imp, gen);	/* both first contacts */
	/* _i: which side of each call stores first; A's impostor first. */
	ov_store(imp, _i & 1);
	ov_store(imp, 1 - (_i & 1));
	ov_store(gen, _i & 1);
	ov_store(gen, 1 - (_i & 1));
	ck_assert_int_eq(zs_sas_verdict(ov.call[gen].s[0], ov.now, 1), 0);
	ov_drain(gen, 0);
	ov_row(&e);
	if (ov_outranks(gen, imp))
		ck_assert_mem_eq(e.rs1, ov.call[gen].store[0].u.store.rs1,
		    ZRTP_RS_LEN);
	else
		ck_assert_mem_eq(e.rs1, ov.call[imp].store[0].u.store.rs1,
		    ZRTP_RS_LEN);
	ck_assert_msg(e.verified == ov_outranks(gen, imp), "the verdict on "
	    "the genuine call marked the impostor's secret, or was lost on "
	    "its own");
	zwipe(&e, sizeof(e));
}
END_TEST

/*
 * First contacts that overlap, from two fresh caches (docs/engine.md,
 * "Concurrent calls"): a call that reads the cache on one side after its
 * first store and on the other before its own (cause a), and first calls
 * finishing in different orders on the two sides (cause b), in seeded
 * orders. None may raise the alarm, and the call after them matches.
 */
START_TEST(test_first_contacts_overlap)
{
	ov.rng = 0xF125Cull * (uint64_t)(_i + 3);
	ov.skew = 1;
	ov_round(100, -1);
	ov_round(OV_CALLS - 1, -1);
	ov_round(1, -1);
	ov_same_rs1(0);
}
END_TEST

/*
 * Cause a alone: call 1 reads A's row just after A stored call 0 (a first
 * contact), and nothing on B, which has not stored call 0 yet. B sends
 * random IDs; A's row is tentative, so call 1 is a first contact on both
 * sides (before: a cache mismatch on A), and the next call matches. _i 1
 * reads at the last millisecond of the window, _i 2 just past it: the
 * row is ordinary and the mismatch is raised, as before.
 */
START_TEST(test_first_contact_read_skew)
{
	uint64_t stored;
	int late = _i == 2;

	ov.rng = 0xA5EEDull;
	ov_start(0);
	ov_read_all(0, 0);
	stored = ov.now;
	ov_store(0, 0);
	ov_start(0);
	if (_i > 0)
		ov.now = stored + ov_window() - 2 + (uint64_t)_i;
	ov_lookup(1, 0);
	ov_lookup(1, 1);
	ck_assert(ov.call[1].secure[0] && ov.call[1].secure[1]);
	ck_assert_int_eq(ov.call[1].mismatch[0], late);
	ck_assert_int_eq(ov.call[1].overlap[0], !late);
	ck_assert_int_eq(ov.call[1].mismatch[1], 0);
	ck_assert_int_eq(ov.call[1].overlap[1], 0);
	/* Past the window the stores straddle its end (docs/engine.md). */
	if (_i > 0)
		return;
	ov_store(0, 1);
	ov_store(1, 0);
	ov_store(1, 1);
	ov_round(1, -1);
	ov_same_rs1(0);
}
END_TEST

/*
 * Cause b alone: two first contacts read nothing on both sides; A stores
 * call 0 then call 1, B call 1 then call 0. Each side kept its first
 * before, and every later call raised the alarm on both; now both keep
 * the better ranked, and the next call matches.
 */
START_TEST(test_first_contacts_cross)
{
	ov.rng = 0xB0B0ull + (uint64_t)_i;
	ov_start(0);
	ov_start(0);
	ov_read_all(0, 1);
	ov_store(0, 0);
	ov_store(1, 1);
	ov_store(1, 0);
	ov_store(0, 1);
	ov_round(1, -1);
	ov_same_rs1(0);
}
END_TEST

/*
 * A verdict ends the tentative time: the genuine first contact is
 * verified on A, then an impostor's first contact that read nothing
 * either and ranks higher stores: the verified row stays.
 */
START_TEST(test_verified_row_stays)
{
	struct zs_cache_entry e;
	int imp = 0, gen = 1, tries = 0;

	ov.rng = 0x7E57ull;
	for (;;) {
		ov_start(1);
		ov_start(0);
		ov_read_all(imp, gen);
		if (ov_outranks(imp, gen))
			break;
		ck_assert_int_lt(++tries, 32);
		ov_again(0x7E57ull + (uint64_t)tries);
	}
	ov_store(gen, 0);
	ov_store(gen, 1);
	ck_assert_int_eq(zs_sas_verdict(ov.call[gen].s[0], ov.now, 1), 0);
	ov_drain(gen, 0);
	ck_assert(!zd_pend_tentative(ov.side[0].pend, ov.side[1].zid,
	    ov.now));
	ov_store(imp, 0);
	ov_store(imp, 1);
	ov_row(&e);
	ck_assert_mem_eq(e.rs1, ov.call[gen].store[0].u.store.rs1,
	    ZRTP_RS_LEN);
	ck_assert_int_eq(e.verified, 1);
	zwipe(&e, sizeof(e));
}
END_TEST

/*
 * Within the window an impostor gets what it gets in a first contact,
 * and no more: genuine call 0 stored on both sides; call 1 (genuine)
 * reads that row on both and matches it; call 2, an impostor with B's
 * ZID, reads it on A, proves none of it, and is a first contact there
 * (not a mismatch: it could be the genuine peer's call read before its
 * store). Ranking higher, its store replaces the row, and call 1's
 * store, which matched the replaced secret, is dropped. The user's
 * verdict on call 1 is bound to call 1's secrets and must not mark the
 * impostor's.
 */
START_TEST(test_tentative_impostor_verdict)
{
	struct zs_cache_entry e;
	int tries = 0;

	ov.rng = 0x1A7Eull;
	for (;;) {
		ov_start(0);
		ov_read_all(0, 0);
		ov_store(0, 0);
		ov_store(0, 1);
		ov_start(0);
		ov_start(1);
		ov_read_all(1, 2);
		if (ov_outranks(2, 0))
			break;
		ck_assert_int_lt(++tries, 32);
		ov_again(0x1A7Eull + (uint64_t)tries);
	}
	ck_assert(!ov.call[1].mismatch[0] && !ov.call[1].overlap[0]);
	ck_assert(!ov.call[2].mismatch[0] && ov.call[2].overlap[0]);
	ov_store(2, 0);
	ov_store(2, 1);
	ov_store(1, 0);
	ov_store(1, 1);
	ck_assert_int_eq(zs_sas_verdict(ov.call[1].s[0], ov.now, 1), 0);
	ov_drain(1, 0);
	ov_row(&e);
	ck_assert_mem_eq(e.rs1, ov.call[2].store[0].u.store.rs1, ZRTP_RS_LEN);
	ck_assert_msg(e.verified == 0, "a verdict on a genuine call marked "
	    "the impostor's secret that replaced the one it matched");
	zwipe(&e, sizeof(e));
}
END_TEST

/*
 * The waiting rule itself: a first contact's first store goes out at
 * once and is tentative; a first-contact store that ranks higher
 * replaces it, and a store that matched the replaced one is dropped; a
 * store that matched the new one waits for the last exchange. Until the
 * window ends a better first contact replaces the row; past it, or
 * after a verdict, nothing does.
 */
START_TEST(test_pend_rule)
{
	static const uint8_t zid[ZRTP_ZID_LEN] = { 7 };
	struct zd_pend *t = zd_pend_new(1000);
	struct zd_pend_peer *p[5];
	struct zs_action a, b, c, d, w;
	uint32_t gen[5];
	int i, tent;

	ck_assert_ptr_nonnull(t);
	memset(&a, 0, sizeof(a));
	a.type = ZSA_CACHE_STORE;
	memcpy(a.u.store.zid, zid, ZRTP_ZID_LEN);
	b = c = d = a;
	a.u.store.fresh = b.u.store.fresh = 1;
	a.u.store.rs1[0] = 1;
	b.u.store.rs1[0] = 2;
	b.u.store.rank[1] = 1;		/* ranks above a, comes second */
	a.u.store.rank[1] = 9;
	c.u.store.matched = d.u.store.matched = 1;
	c.u.store.rank[0] = d.u.store.rank[0] = 1;	/* in step */
	c.u.store.rs1[0] = 3;
	d.u.store.rs1[0] = 4;
	for (i = 0; i < 5; i++)
		ck_assert_ptr_nonnull(p[i] = zd_pend_begin(t, zid));
	ck_assert_int_eq(zd_pend_inflight(t, zid), 5);
	for (i = 0; i < 3; i++)
		zd_pend_read(t, p[i], 10, &gen[i], &tent);
	ck_assert_int_eq(tent, 0);
	ck_assert_int_eq(zd_pend_end(t, p[0], gen[0], &a, 10, &w), 1);
	ck_assert_int_eq(w.u.store.rs1[0], 1);
	ck_assert(zd_pend_tentative(t, zid, 10));
	/* The second first-contact store ranks higher: it replaces. */
	ck_assert_int_eq(zd_pend_end(t, p[1], gen[1], &b, 20, &w), 1);
	ck_assert_int_eq(w.u.store.rs1[0], 2);
	for (i = 3; i < 5; i++)
		zd_pend_read(t, p[i], 30, &gen[i], &tent);
	ck_assert_int_eq(tent, 1);
	/* d matched a (read before b): dropped; b is written again. */
	ck_assert_int_eq(zd_pend_end(t, p[2], gen[2], &d, 40, &w), 1);
	ck_assert_int_eq(w.u.store.rs1[0], 2);
	/*
	 * c matched b: it waits for the last exchange, then goes out; the
	 * row stays tentative to the end of the window (the other side
	 * may still replace b).
	 */
	ck_assert_int_eq(zd_pend_end(t, p[3], gen[3], &c, 50, &w), 0);
	ck_assert_int_eq(zd_pend_end(t, p[4], gen[4], NULL, 60, &w), 1);
	ck_assert_int_eq(w.u.store.rs1[0], 3);
	ck_assert_int_eq(zd_pend_inflight(t, zid), 0);
	ck_assert(zd_pend_tentative(t, zid, 60));
	/* A better first contact still replaces it (a's rank: worse). */
	ck_assert_ptr_nonnull(p[0] = zd_pend_begin(t, zid));
	zd_pend_read(t, p[0], 70, &gen[0], &tent);
	ck_assert_int_eq(zd_pend_end(t, p[0], gen[0], &a, 80, &w), 0);
	d.u.store.fresh = 1;
	d.u.store.matched = d.u.store.rank[0] = d.u.store.rank[1] = 0;
	ck_assert_ptr_nonnull(p[0] = zd_pend_begin(t, zid));
	zd_pend_read(t, p[0], 90, &gen[0], &tent);
	ck_assert_int_eq(zd_pend_end(t, p[0], gen[0], &d, 100, &w), 1);
	ck_assert_int_eq(w.u.store.rs1[0], 4);
	/* Its window ends 1000 ms after a, the first: then nothing does. */
	ck_assert(!zd_pend_tentative(t, zid, 1010));
	/* No exchange under way: a verdict's store goes out at once. */
	ck_assert_int_eq(zd_pend_offer(t, &b, 1020, &w), 1);
	zd_pend_free(t);

	/* The window: at its end a better store replaces nothing. */
	ck_assert_ptr_nonnull(t = zd_pend_new(1000));
	for (i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(p[i] = zd_pend_begin(t, zid));
		zd_pend_read(t, p[i], 0, &gen[i], &tent);
	}
	ck_assert_int_eq(zd_pend_end(t, p[0], gen[0], &a, 100, &w), 1);
	ck_assert(zd_pend_tentative(t, zid, 1099));
	ck_assert(!zd_pend_tentative(t, zid, 1100));
	ck_assert_int_eq(zd_pend_end(t, p[1], gen[1], &b, 1100, &w), 1);
	ck_assert_int_eq(w.u.store.rs1[0], 1);	/* a again */
	zd_pend_free(t);

	/* A verdict: the same. */
	ck_assert_ptr_nonnull(t = zd_pend_new(1000));
	for (i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(p[i] = zd_pend_begin(t, zid));
		zd_pend_read(t, p[i], 0, &gen[i], &tent);
	}
	ck_assert_int_eq(zd_pend_end(t, p[0], gen[0], &a, 100, &w), 1);
	zd_pend_verified(t, zid);
	ck_assert(!zd_pend_tentative(t, zid, 101));
	ck_assert_int_eq(zd_pend_end(t, p[1], gen[1], &b, 102, &w), 1);
	ck_assert_int_eq(w.u.store.rs1[0], 1);
	zd_pend_free(t);
}
END_TEST

/*
 * The window's derivation (docs/engine.md, "First contacts that
 * overlap"): §6's Confirm2 schedule, 150 ms doubling to 1200 ms, ten
 * retransmissions and the last wait (10,650 ms), the known peer's Hello
 * count at 200 ms (12,000 ms), five seconds more.
 */
START_TEST(test_window)
{
	struct zs_config c;

	zs_config_defaults(&c);
	ck_assert_uint_eq(zs_overlap_window_ms(&c.timers), 27650);
	c.timers.t2_tries = 0;
	c.timers.t1_tries_known = 0;
	ck_assert_uint_eq(zs_overlap_window_ms(&c.timers), 150 + 5000);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("overlap");
	TCase *tc = tcase_create("calls");

	/* Every session of a test (two per call) in the locked pool. */
	if (zs_init(2 * OV_MAX, 1) != 0)
		return EXIT_FAILURE;
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_overlapping_calls_match, 0, 8);
	tcase_add_loop_test(tc, test_overlap_impostor_and_verdict, 0, 4);
	tcase_add_loop_test(tc, test_first_contact_impostor_verdict, 0, 8);
	tcase_add_loop_test(tc, test_first_call_then_burst, 0, 4);
	tcase_add_loop_test(tc, test_first_contacts_overlap, 0, 8);
	tcase_add_loop_test(tc, test_first_contact_read_skew, 0, 3);
	tcase_add_loop_test(tc, test_first_contacts_cross, 0, 4);
	tcase_add_test(tc, test_verified_row_stays);
	tcase_add_test(tc, test_tentative_impostor_verdict);
	tcase_add_test(tc, test_pend_rule);
	tcase_add_test(tc, test_window);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
