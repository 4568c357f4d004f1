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
	uint8_t			 peer[2][ZRTP_ZID_LEN];
	int			 lookup_wait[2], store_wait[2];
	struct zs_action	 store[2];
	int			 secure[2], mismatch[2], done[2];
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

static void
ov_open(struct ov_side *sd, const char *name)
{
	char path[128], err[256];

	snprintf(path, sizeof(path), "%s/%s.db", ov.dir, name);
	ck_assert_msg(zcache_open(path, &sd->c, err, sizeof(err)) == 0, "%s",
	    err);
	memcpy(sd->zid, zcache_zid(sd->c), ZRTP_ZID_LEN);
	ck_assert_ptr_nonnull(sd->pend = zd_pend_new());
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

	if (c->pp[who] != NULL &&
	    zd_pend_end(c->side[who]->pend, c->pp[who], NULL, &w))
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
			/* As zd_cache_lookup(): under way from the request. */
			c->lookup_wait[who] = 1;
			memcpy(c->peer[who], a.u.zid, ZRTP_ZID_LEN);
			c->pp[who] = zd_pend_begin(c->side[who]->pend, a.u.zid);
			ck_assert_ptr_nonnull(c->pp[who]);
			break;
		case ZSA_SAS:
			c->mismatch[who] = a.u.sas.cache_mismatch;
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
			ck_assert_int_eq(zcache_verdict(c->side[who]->c,
			    a.u.verified.zid, a.u.verified.verified,
			    a.u.verified.bound, a.u.verified.rs1, &set), 0);
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

	c->lookup_wait[who] = 0;
	ck_assert_int_eq(zcache_load(sd->c, c->peer[who], OV_EPOCH +
	    (int64_t)(ov.now / 1000), &e), 0);
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
		if (zd_pend_add(sd->pend, c->pp[who], &c->store[who], &w))
			ov_write(sd, &w);
	} else {
		if (c->pp[who] != NULL)
			now = zd_pend_end(sd->pend, c->pp[who], &c->store[who],
			    &w);
		else
			now = zd_pend_offer(sd->pend, &c->store[who], &w);
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
	ov.verdict_call = ov.ncalls + 3;
	ov_round(OV_CALLS - 1, 5);
	ov.verdict_call = -1;
	ov_round(OV_CALLS - 1, -1);
	ov_round(1, -1);
	ov_same_rs1(1);
}
END_TEST

/*
 * Two first contacts at once, the impostor's and the genuine B's: the
 * impostor's store lands first on A's side and is kept (the genuine one
 * is not written), and A's user then verifies the genuine call's SAS. Its
 * V flag must not mark the row, which holds the impostor's secret: the
 * impostor's next call would match it and show the SAS verified, never
 * to be compared. The flag was written to the ZID's row whatever it held.
 */
START_TEST(test_first_contact_impostor_verdict)
{
	struct zs_cache_entry e;
	int imp = ov.ncalls, gen = imp + 1, i, who, more;

	ov.rng = 0xF1257ull + (uint64_t)_i;
	ov_start(1);
	ov_start(0);
	do {	/* every cache read before any store: both first contacts */
		more = 0;
		for (i = imp; i <= gen; i++)
			for (who = 0; who < 2; who++)
				if (ov.call[i].lookup_wait[who]) {
					ov_lookup(i, who);
					more = 1;
				}
	} while (more);
	for (i = imp; i <= gen; i++)
		for (who = 0; who < 2; who++)
			ck_assert_int_eq(ov.call[i].store_wait[who], 1);
	/* _i: which side of each call stores first; A's impostor first. */
	ov_store(imp, _i & 1);
	ov_store(imp, 1 - (_i & 1));
	ov_store(gen, _i & 1);
	ov_store(gen, 1 - (_i & 1));
	ck_assert_int_eq(zs_sas_verdict(ov.call[gen].s[0], ov.now, 1), 0);
	ov_drain(gen, 0);
	ck_assert_int_eq(zcache_load(ov.side[0].c, ov.side[1].zid,
	    OV_EPOCH + (int64_t)(ov.now / 1000), &e), 0);
	ck_assert(e.found && e.rs1_valid);
	ck_assert_msg(e.verified == 0, "the genuine call's verdict marked "
	    "the impostor's secret verified");
	zwipe(&e, sizeof(e));
}
END_TEST

/*
 * The waiting rule itself: a first contact's first store goes out at
 * once, a second first-contact store never replaces it, and a store
 * that matched (read after it) waits for the last exchange.
 */
START_TEST(test_pend_rule)
{
	static const uint8_t zid[ZRTP_ZID_LEN] = { 7 };
	struct zd_pend *t = zd_pend_new();
	struct zd_pend_peer *p[4];
	struct zs_action a, b, c, w;
	int i;

	ck_assert_ptr_nonnull(t);
	memset(&a, 0, sizeof(a));
	a.type = ZSA_CACHE_STORE;
	memcpy(a.u.store.zid, zid, ZRTP_ZID_LEN);
	b = c = a;
	a.u.store.fresh = b.u.store.fresh = 1;
	a.u.store.rs1[0] = 1;
	b.u.store.rs1[0] = 2;
	b.u.store.rank[1] = 0;		/* ranks above a, yet comes second */
	a.u.store.rank[1] = 9;
	c.u.store.matched = 1;
	c.u.store.rank[0] = 1;		/* in step */
	c.u.store.rs1[0] = 3;
	for (i = 0; i < 4; i++)
		ck_assert_ptr_nonnull(p[i] = zd_pend_begin(t, zid));
	ck_assert_int_eq(zd_pend_inflight(t, zid), 4);
	ck_assert_int_eq(zd_pend_end(t, p[0], &a, &w), 1);
	ck_assert_int_eq(w.u.store.rs1[0], 1);
	/* The second first-contact store: the first is written again. */
	ck_assert_int_eq(zd_pend_end(t, p[1], &b, &w), 1);
	ck_assert_int_eq(w.u.store.rs1[0], 1);
	ck_assert_int_eq(zd_pend_end(t, p[2], &c, &w), 0);
	ck_assert_int_eq(zd_pend_end(t, p[3], NULL, &w), 1);
	ck_assert_int_eq(w.u.store.rs1[0], 3);
	ck_assert_int_eq(zd_pend_inflight(t, zid), 0);
	/* No exchange under way: a verdict's store goes out at once. */
	ck_assert_int_eq(zd_pend_offer(t, &b, &w), 1);
	zd_pend_free(t);
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
	tcase_add_loop_test(tc, test_first_contact_impostor_verdict, 0, 2);
	tcase_add_loop_test(tc, test_first_call_then_burst, 0, 4);
	tcase_add_test(tc, test_pend_rule);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
