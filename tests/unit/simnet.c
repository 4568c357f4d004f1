/*
 * The simulated network behind check_engine. Waits on nothing: time jumps
 * to the next timer or delivery.
 */
#include <string.h>

#include <check.h>

#include "simnet.h"
#include "zcrypto.h"
#include "zerr.h"

uint32_t
sim_rand(struct sim *n)
{
	n->rng ^= n->rng << 13;
	n->rng ^= n->rng >> 7;
	n->rng ^= n->rng << 17;
	return (uint32_t)(n->rng >> 16);
}

static void
sim_random(void *arg, void *buf, size_t len)
{
	struct sim *n = arg;
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)sim_rand(n);
}

void
sim_config(struct zs_config *c, int which)
{
	zs_config_defaults(c);
	/* Tests give their own lists; the defaults have their own tests. */
	memset(c->count, 0, sizeof(c->count));
	memset(c->zid, which ? 0xb0 : 0xa0, ZRTP_ZID_LEN);
	c->zid[11] = (uint8_t)which;
	c->ssrc = which ? 0x22222222 : 0x11111111;
}

static void
sim_enqueue(struct sim *n, int to, const uint8_t *p, size_t len)
{
	struct sim_pkt *q;
	int copies = 1, i;

	n->sent++;
	if ((int)(sim_rand(n) % 100) < n->loss_pct)
		return;
	if ((int)(sim_rand(n) % 100) < n->dup_pct)
		copies = 2;
	for (i = 0; i < copies && n->nq < SIM_PKTS_MAX; i++) {
		q = &n->q[n->nq++];
		q->to = to;
		q->at = n->now + 5 + (n->jitter_ms ? sim_rand(n) %
		    (unsigned)n->jitter_ms : 0);
		ck_assert_uint_le(len, sizeof(q->b));
		memcpy(q->b, p, len);
		q->len = len;
		if (n->tamper != NULL)
			n->tamper(n, 1 - to, q->b, &q->len);
	}
}

static void
sim_cache_lookup(struct sim *n, int who, const uint8_t *zid)
{
	struct sim_end *e = &n->end[who];
	struct zs_cache_entry none;

	memset(&none, 0, sizeof(none));
	/* What a cache read stamps: the wall clock, for new expiries. */
	none.now = e->cache.e.now = SIM_EPOCH + (int64_t)(n->now / 1000);
	if (e->cache.have && memcmp(e->cache.zid, zid, ZRTP_ZID_LEN) == 0)
		ck_assert_int_eq(zs_cache_loaded(e->s, n->now, &e->cache.e), 0);
	else
		ck_assert_int_eq(zs_cache_loaded(e->s, n->now, &none), 0);
}

static void
sim_store(struct sim_end *e, const struct zs_action *a)
{
	e->cache.have = 1;
	memcpy(e->cache.zid, a->u.store.zid, ZRTP_ZID_LEN);
	e->cache.e.found = 1;
	e->cache.e.rs1_valid = 1;
	memcpy(e->cache.e.rs1, a->u.store.rs1, ZRTP_RS_LEN);
	e->cache.e.rs2_valid = a->u.store.rs2_valid;
	memcpy(e->cache.e.rs2, a->u.store.rs2, ZRTP_RS_LEN);
	e->cache.e.verified = a->u.store.verified;
	e->cache.e.rs1_expires = a->u.store.rs1_expires;
	e->cache.e.rs2_expires = a->u.store.rs2_expires;
	e->cache.last = a->u.store;
	e->cache.stores++;
}

/* Drain one end's actions; the key-agreement jobs run inline. */
static void
sim_drain(struct sim *n, int who)
{
	struct sim_end *e = &n->end[who];
	struct zs_action a;

	while (zs_next_action(e->s, &a)) {
		switch (a.type) {
		case ZSA_SEND:
			sim_enqueue(n, 1 - who, a.u.send.p, a.u.send.len);
			break;
		case ZSA_TIMER:
			e->timer_at = a.u.timer_ms ? n->now + a.u.timer_ms : 0;
			break;
		case ZSA_KEX:
			e->kex_jobs++;
			zs_kex_run(a.u.kex);
			ck_assert_int_eq(zs_kex_done(e->s, n->now, a.u.kex), 0);
			break;
		case ZSA_CACHE_LOOKUP:
			sim_cache_lookup(n, who, a.u.zid);
			break;
		case ZSA_SAS:
			if (a.u.sas.relayed) {
				memcpy(e->relayed_sas, a.u.sas.text,
				    sizeof(e->relayed_sas));
				break;
			}
			e->sas_seen = 1;
			memcpy(e->sas, a.u.sas.text, sizeof(e->sas));
			e->sas_verified = a.u.sas.verified;
			e->cache_mismatch = a.u.sas.cache_mismatch;
			break;
		case ZSA_SECURE:
			e->secure = 1;
			e->keys = a.u.secure;
			break;
		case ZSA_SRTP_RX:
			e->srtp_rx++;
			e->srtp_rx_before_secure += !e->secure;
			e->rx_keys = a.u.secure;
			break;
		case ZSA_CACHE_STORE:
			e->cache.writes++;
			sim_store(e, &a);
			break;
		case ZSA_ALERT:
			/* Every alert carries a stable code and a text. */
			ck_assert_str_ne(zcode_name(a.u.alert.code), "unknown");
			ck_assert_ptr_nonnull(a.u.alert.text);
			e->alerts++;
			e->alert_codes |= 1ull << a.u.alert.code;
			break;
		case ZSA_FAILED:
			e->failed = 1;
			/* A named code, never the success code. */
			ck_assert_str_ne(zcode_name(a.u.failed.code),
			    "unknown");
			ck_assert_int_lt(a.u.failed.error, 0);
			e->fail_code = a.u.failed.code;
			e->fail_error = a.u.failed.error;
			e->fail_wire = a.u.failed.wire_code;
			e->fail_from_peer = a.u.failed.from_peer;
			break;
		case ZSA_CLEAR:
			e->clear = 1;
			break;
		case ZSA_ENROLL:
			e->enroll_offered = 1;
			if (e->accept_enroll) {
				/* §7.3.1: not without a verified SAS. */
				ck_assert_int_eq(zs_enroll(e->s, n->now, 1),
				    ZE_INVAL);
				ck_assert_int_eq(zs_sas_verdict(e->s, n->now,
				    1), 0);
				ck_assert_int_eq(zs_enroll(e->s, n->now, 1), 0);
			}
			break;
		case ZSA_CACHE_PBX:
			e->cache.writes++;
			e->cache.have = 1;
			memcpy(e->cache.zid, a.u.pbx.zid, ZRTP_ZID_LEN);
			e->cache.e.found = 1;
			e->cache.e.pbx_valid = 1;
			memcpy(e->cache.e.pbxsecret, a.u.pbx.pbxsecret,
			    ZRTP_RS_LEN);
			break;
		case ZSA_CACHE_EXPIRE:
			e->cache.writes++;
			if (e->cache.have && memcmp(e->cache.zid, a.u.zid,
			    ZRTP_ZID_LEN) == 0)
				e->cache.e.rs1_valid = 0;
			break;
		case ZSA_CACHE_VERIFIED:
			e->cache.writes++;
			if (e->cache.have && memcmp(e->cache.zid,
			    a.u.verified.zid, ZRTP_ZID_LEN) == 0)
				e->cache.e.verified = a.u.verified.verified;
			break;
		case ZSA_PEER:
			break;
		}
	}
}

void
sim_start(struct sim *n, uint64_t seed)
{
	struct zs_env env = { sim_random, n };
	int i;

	n->rng = seed * 0x9E3779B97F4A7C15ull + 1;
	n->now = 1000;
	n->nq = 0;
	n->sent = 0;
	for (i = 0; i < 2; i++) {
		struct sim_end *e = &n->end[i];

		e->s = zs_new(&e->cfg, &env);
		ck_assert_ptr_nonnull(e->s);
		e->timer_at = 0;
		e->secure = e->failed = e->sas_seen = e->alerts = 0;
		e->alert_codes = 0;
		e->fail_code = ZC_NONE;
		e->fail_wire = 0;
		e->kex_jobs = 0;
		e->clear = 0;
		e->srtp_rx = e->srtp_rx_before_secure = 0;
		e->enroll_offered = 0;
		e->relayed_sas[0] = '\0';
		/* Each end made and started in turn: one order of draws. */
		ck_assert_int_eq(zs_start(e->s, n->now), 0);
		sim_drain(n, i);
	}
}

static int
sim_done(const struct sim *n)
{
	int i;

	for (i = 0; i < 2; i++)
		if (!(zs_is_secure(n->end[i].s) && n->end[i].secure) &&
		    !n->end[i].failed)
			return 0;
	return 1;
}

/* The earliest pending delivery or timer; 0 when nothing is pending. */
static uint64_t
sim_next(const struct sim *n, int *pkt)
{
	uint64_t t = 0;
	int i;

	*pkt = -1;
	for (i = 0; i < n->nq; i++) {
		if (t == 0 || n->q[i].at < t) {
			t = n->q[i].at;
			*pkt = i;
		}
	}
	for (i = 0; i < 2; i++) {
		if (n->end[i].timer_at != 0 && (t == 0 ||
		    n->end[i].timer_at < t)) {
			t = n->end[i].timer_at;
			*pkt = -2 - i;
		}
	}
	return t;
}

/* Deliver the next packet or fire the next timer; 0 when none is left. */
static int
sim_step(struct sim *n, uint64_t end)
{
	struct sim_pkt p;
	uint64_t t;
	int k, who;

	if ((t = sim_next(n, &k)) == 0 || t > end)
		return 0;
	n->now = t;
	if (k >= 0) {
		p = n->q[k];
		n->q[k] = n->q[--n->nq];
		ck_assert_int_eq(zs_receive(n->end[p.to].s, n->now, p.b, p.len),
		    0);
		n->end[p.to].proven += zs_received_proven(n->end[p.to].s);
		sim_drain(n, p.to);
	} else {
		who = -2 - k;
		n->end[who].timer_at = 0;
		ck_assert_int_eq(zs_timer(n->end[who].s, n->now), 0);
		sim_drain(n, who);
	}
	return 1;
}

void
sim_run(struct sim *n, uint64_t limit_ms)
{
	uint64_t end = n->now + limit_ms;

	while (!sim_done(n) && sim_step(n, end))
		;
}

void
sim_settle(struct sim *n, uint64_t limit_ms)
{
	uint64_t end = n->now + limit_ms;

	sim_drain(n, 0);
	sim_drain(n, 1);
	while (sim_step(n, end))
		;
}

void
sim_inject(struct sim *n, int to, const uint8_t *p, size_t len)
{
	ck_assert_int_eq(zs_receive(n->end[to].s, n->now, p, len), 0);
	sim_drain(n, to);
}

int
sim_unqueue(struct sim *n, int to, const char *type)
{
	int i;

	for (i = 0; i < n->nq; i++) {
		if (n->q[i].to == to && n->q[i].len > 24 &&
		    memcmp(n->q[i].b + 16, type, 8) == 0) {
			n->q[i] = n->q[--n->nq];
			return 1;
		}
	}
	return 0;
}

void
sim_stop(struct sim *n)
{
	int i;

	for (i = 0; i < 2; i++) {
		zs_free(n->end[i].s);
		n->end[i].s = NULL;
	}
}
