/*
 * Two engines over the simulated network (simnet.c): every key agreement
 * and role, contention, loss with duplication and reordering, timeouts,
 * tampering, and retained-secret continuity across calls.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "unit.h"

#include "algo.h"
#include "packet.h"
#include "sas.h"
#include "simnet.h"
#include "zcrypto.h"
#include "zerr.h"

static struct sim net;

#define CODE(c)	(1ull << (c))

static void
setup(void)
{
	memset(&net, 0, sizeof(net));
	sim_config(&net.end[0].cfg, 0);
	sim_config(&net.end[1].cfg, 1);
}

static void
teardown(void)
{
	sim_stop(&net);
}

static void
prefer(struct zs_config *c, int kind, uint32_t block)
{
	c->algo[kind][c->count[kind]++] = block;
}

/* Both ends secure with one SAS and mirrored SRTP keys. */
static void
assert_agree(void)
{
	struct sim_end *a = &net.end[0], *b = &net.end[1];

	ck_assert_msg(a->secure && b->secure, "secure: %d %d (fail %x %x)",
	    a->secure, b->secure, a->fail_wire, b->fail_wire);
	ck_assert(!a->failed && !b->failed);
	ck_assert_str_eq(a->sas, b->sas);
	ck_assert_uint_eq(a->keys.key_len, b->keys.key_len);
	ck_assert_mem_eq(a->keys.tx_key, b->keys.rx_key, a->keys.key_len);
	ck_assert_mem_eq(a->keys.rx_key, b->keys.tx_key, a->keys.key_len);
	ck_assert_mem_eq(a->keys.tx_salt, b->keys.rx_salt, ZRTP_SRTP_SALT_LEN);
	ck_assert_mem_eq(a->keys.rx_salt, b->keys.tx_salt, ZRTP_SRTP_SALT_LEN);
	ck_assert(memcmp(a->keys.tx_key, a->keys.rx_key, a->keys.key_len) != 0);
}

static void
call(uint64_t seed)
{
	sim_start(&net, seed);
	sim_run(&net, 60000);
}

static const struct {
	const char *kex, *hash, *cipher, *sas;
} combos[] = {
	{ "DH3k", "S256", "AES1", "B32 " },
	{ "DH2k", "S384", "AES1", "B256" },	/* §5.1.5: AES3 listed first */
	{ "DH3k", "S384", "AES3", "B256" },
	{ "EC25", "S256", "AES1", "B32 " },
	{ "EC38", "S384", "AES3", "B256" },
	{ "EC52", "S384", "AES3", "B32 " },
	{ "X255", "N256", "2FS1", "B256" },
	{ "X448", "N384", "2FS3", "B32 " },
	{ "X255", "S256", "AES2", "B32 " },
};

static uint32_t
blk(const char *s)
{
	return ZALGO(s[0], s[1], s[2], s[3]);
}

/* Every key agreement, hash, cipher and SAS, with each side initiating. */
START_TEST(test_algorithms_both_roles)
{
	int i = _i / 2, init = _i % 2, k;

	for (k = 0; k < 2; k++) {
		prefer(&net.end[k].cfg, ZALGO_KEX, blk(combos[i].kex));
		prefer(&net.end[k].cfg, ZALGO_HASH, blk(combos[i].hash));
		prefer(&net.end[k].cfg, ZALGO_CIPHER, blk(combos[i].cipher));
		prefer(&net.end[k].cfg, ZALGO_SAS, blk(combos[i].sas));
	}
	net.end[init].cfg.role_pref = ZS_PREFER_INITIATOR;
	net.end[1 - init].cfg.role_pref = ZS_PREFER_RESPONDER;
	call(_i + 1);
	assert_agree();
	ck_assert_int_eq(zs_role(net.end[init].s), ZS_ROLE_INITIATOR);
	ck_assert_int_eq(zs_role(net.end[1 - init].s), ZS_ROLE_RESPONDER);
	ck_assert_uint_eq(zs_algo(net.end[0].s, ZALGO_KEX), blk(combos[i].kex));
	ck_assert_uint_eq(zs_algo(net.end[0].s, ZALGO_HASH),
	    blk(combos[i].hash));
	ck_assert_uint_eq(zs_algo(net.end[1].s, ZALGO_CIPHER),
	    blk(combos[i].cipher));
	ck_assert_uint_eq(zs_algo(net.end[1].s, ZALGO_SAS), blk(combos[i].sas));
	ck_assert_uint_eq(strlen(net.end[0].sas),
	    combos[i].sas[1] == '3' ? 4 : strlen(net.end[0].sas));
}
END_TEST

/* §4.2: both commit at once; the larger hvi initiates, both agree. */
START_TEST(test_simultaneous_commits)
{
	int roles;

	prefer(&net.end[0].cfg, ZALGO_KEX, blk("X255"));
	prefer(&net.end[1].cfg, ZALGO_KEX, blk("X255"));
	call(_i + 100);
	assert_agree();
	roles = zs_role(net.end[0].s) + zs_role(net.end[1].s);
	ck_assert_int_eq(roles, ZS_ROLE_INITIATOR + ZS_ROLE_RESPONDER);
}
END_TEST

/*
 * How many of `runs` lossy runs may fail, from the retransmission budget
 * (RFC 6189 §6). A try of a request-answer step fails when the message or
 * its answer is lost: 1 - (1 - loss)^2, 0.51 at 30 %; a step fails when
 * all its tries + 1 do: 0.51^11 = 6.1e-4 for the three steps on T2
 * (Commit, DHPart2, Confirm2; the Hellos' budget is far larger). That is
 * 1.8 failed runs per 1000 at most: duplicates and late answers only help
 * (100,000 seeds gave 1.0 per 1000). The limit is the count a Poisson law
 * of that mean exceeds with probability below 1e-6: 11 of 1000.
 */
static int
lossy_allowed(int runs, int loss_pct, unsigned tries)
{
	double got = (100 - loss_pct) / 100.0, mean, term, below;
	int k;

	mean = 3.0 * runs * pow(1 - got * got, tries + 1);
	term = below = exp(-mean);
	for (k = 0; 1 - below >= 1e-6; k++) {
		term *= mean / (k + 1);
		below += term;
	}
	return k;
}

/*
 * A failed lossy run is the link's doing only if one end exhausted its
 * retransmissions (ZC_TIMEOUT) and the other timed out too, failed on the
 * Error that followed (ZC_PEER_ERROR), or went secure (its last message
 * arrived; the Conf2ACKs did not). Anything else is a broken exchange.
 */
static void
assert_lost_not_broken(uint64_t seed)
{
	const struct sim_end *x, *y;
	int k;

	for (k = 0; k < 2; k++) {
		x = &net.end[k];
		y = &net.end[1 - k];
		if (x->failed && x->fail_code == ZC_TIMEOUT && (y->secure ||
		    (y->failed && (y->fail_code == ZC_TIMEOUT ||
		    y->fail_code == ZC_PEER_ERROR))))
			return;
	}
	ck_abort_msg("seed %llu: secure %d %d, failed %d %d, codes %d %d",
	    (unsigned long long)seed, net.end[0].secure, net.end[1].secure,
	    net.end[0].failed, net.end[1].failed, net.end[0].fail_code,
	    net.end[1].fail_code);
}

/*
 * 30 % loss, 10 % duplication and 400 ms of jitter (reordering) over 1000
 * seeded runs: every failure is a retransmission budget the link used up,
 * and there are no more of them than the budget predicts (lossy_allowed).
 * The former limit, 999, sat inside the noise: over 100 windows of 1000
 * seeds, 28 saw two failures or more; a change in the order of random
 * draws moves the count within this limit, a lost try (a budget of 5 on
 * T2: 53 failures expected) does not.
 */
START_TEST(test_lossy_link)
{
	int run, failed = 0, runs = 1000, loss_pct = 30;

	for (run = 0; run < runs; run++) {
		setup();
		prefer(&net.end[0].cfg, ZALGO_KEX, blk("X255"));
		prefer(&net.end[1].cfg, ZALGO_KEX, blk("X255"));
		net.loss_pct = loss_pct;
		net.dup_pct = 10;
		net.jitter_ms = 400;
		call(run + 5000);
		if (net.end[0].secure && net.end[1].secure) {
			assert_agree();
		} else {
			assert_lost_not_broken(run + 5000);
			failed++;
		}
		sim_stop(&net);
	}
	ck_assert_int_le(failed, lossy_allowed(runs, loss_pct,
	    net.end[0].cfg.timers.t2_tries));
}
END_TEST

/* Both want to initiate: the withheld HelloACKs must not deadlock. */
START_TEST(test_both_prefer_initiator)
{
	net.end[0].cfg.role_pref = ZS_PREFER_INITIATOR;
	net.end[1].cfg.role_pref = ZS_PREFER_INITIATOR;
	prefer(&net.end[0].cfg, ZALGO_KEX, blk("X255"));
	prefer(&net.end[1].cfg, ZALGO_KEX, blk("X255"));
	call(_i + 200);
	assert_agree();
}
END_TEST

/* Two passive ends never commit: the handshake deadline ends it. */
START_TEST(test_handshake_deadline)
{
	int k;

	for (k = 0; k < 2; k++) {
		net.end[k].cfg.role_pref = ZS_PREFER_RESPONDER;
		net.end[k].cfg.timers.handshake_ms = 20000;
	}
	call(9);
	for (k = 0; k < 2; k++) {
		ck_assert(net.end[k].failed && !net.end[k].secure);
		ck_assert_uint_eq(net.end[k].fail_wire, ZWE_TIMEOUT);
	}
	ck_assert_uint_ge(net.now, 1000 + 20000);
}
END_TEST

/* A dead link exhausts the Hello schedule into a timeout error. */
START_TEST(test_timeout)
{
	size_t mem;

	net.loss_pct = 100;
	sim_start(&net, 7);
	mem = zs_memory(net.end[0].s);
	sim_run(&net, 60000);
	ck_assert(net.end[0].failed && net.end[1].failed);
	/* Over: the exchange's block is gone, as once secure (issue 7). */
	ck_assert_uint_lt(zs_memory(net.end[0].s) + 2000, mem);
	ck_assert_uint_eq(net.end[0].fail_wire, ZWE_TIMEOUT);
	/* Issue 6 item 17: a name and a local error, not "success". */
	ck_assert_int_eq(net.end[0].fail_code, ZC_TIMEOUT);
	ck_assert_int_eq(net.end[0].fail_error, ZE_TIMEOUT);
	ck_assert(!net.end[0].secure && !net.end[1].secure);
}
END_TEST

/* Tampering: find the message type of a packet in flight. */
static int
pkt_type(const uint8_t *p, size_t len, const char *block)
{
	return len > 20 && memcmp(p + 16, block, 8) == 0;
}

/* A copy of the last Hello queued for end `to` into p; its length, or 0. */
static size_t
queued_hello(const struct sim *n, int to, uint8_t *p)
{
	size_t len = 0;
	int i;

	for (i = 0; i < n->nq; i++)
		if (n->q[i].to == to && pkt_type(n->q[i].b, n->q[i].len,
		    "Hello   ")) {
			len = n->q[i].len;
			memcpy(p, n->q[i].b, len);
		}
	return len;
}

static void
tamper_hvi(struct sim *n, int from, uint8_t *p, size_t *len)
{
	(void)n;
	(void)from;
	/* Replace pvi in DHPart2, keeping its hash image: hvi must fail. */
	if (pkt_type(p, *len, "DHPart2 ")) {
		p[12 + 84 + 3] ^= 0x01;
		zpkt_seal_crc(p, *len);
	}
}

static void
tamper_pv_one(struct sim *n, int from, uint8_t *p, size_t *len)
{
	size_t pv = *len - 12 - 84 - 4;

	(void)n;
	(void)from;
	if (pkt_type(p, *len, "DHPart1 ")) {
		memset(p + 12 + 76, 0, pv);
		p[12 + 76 + pv - 1] = 1;	/* pvr = 1 */
		zpkt_seal_crc(p, *len);
	}
}

static void
tamper_confirm(struct sim *n, int from, uint8_t *p, size_t *len)
{
	(void)n;
	(void)from;
	if (pkt_type(p, *len, "Confirm1")) {
		p[*len - 10] ^= 0x80;
		zpkt_seal_crc(p, *len);
	}
}

static void
tamper_hello_mac(struct sim *n, int from, uint8_t *p, size_t *len)
{
	(void)n;
	if (from == 1 && pkt_type(p, *len, "Hello   ")) {
		p[*len - 5] ^= 0x01;	/* last MAC octet */
		zpkt_seal_crc(p, *len);
	}
}

static void
tamper_chain(struct sim *n, int from, uint8_t *p, size_t *len)
{
	(void)n;
	(void)from;
	if (pkt_type(p, *len, "DHPart1 ")) {
		p[12 + 12] ^= 0x01;	/* H1 */
		zpkt_seal_crc(p, *len);
	}
}

static const struct {
	void (*fn)(struct sim *, int, uint8_t *, size_t *);
	uint32_t wire;	/* Error code someone must report */
} tampers[] = {
	{ tamper_hvi, ZWE_HVI },
	{ tamper_pv_one, ZWE_BAD_PV },
	{ tamper_confirm, ZWE_CONFIRM_MAC },
	{ tamper_hello_mac, ZWE_HELLO_MISMATCH },
	{ tamper_chain, ZWE_TIMEOUT },
};

START_TEST(test_tamper)
{
	int k;

	for (k = 0; k < 2; k++)
		prefer(&net.end[k].cfg, ZALGO_KEX, blk("DH2k"));
	net.end[0].cfg.role_pref = ZS_PREFER_INITIATOR;
	net.end[1].cfg.role_pref = ZS_PREFER_RESPONDER;
	net.tamper = tampers[_i].fn;
	call(11);
	ck_assert(!net.end[0].secure || !net.end[1].secure);
	ck_assert(!zs_is_secure(net.end[0].s) || !zs_is_secure(net.end[1].s));
	/* No keys for the responder's SRTP without a Confirm1 that verified. */
	ck_assert_int_eq(net.end[0].srtp_rx, 0);
	ck_assert_msg(net.end[0].fail_wire == tampers[_i].wire ||
	    net.end[1].fail_wire == tampers[_i].wire,
	    "expected 0x%x, got 0x%x / 0x%x", tampers[_i].wire,
	    net.end[0].fail_wire, net.end[1].fail_wire);
}
END_TEST

/* Three calls: rs1 carried and matched each time, no mismatch. */
/*
 * The engine decides every expiry the cache writes (§4.6.1, §4.9): rs1
 * expires the smaller interval after the cache was read, rs2 keeps the
 * expiry the old rs1 had; the record says so in absolute time.
 */
START_TEST(test_cache_expiry_decided)
{
	int64_t first_exp;
	int k;

	net.end[0].cfg.cache_expiry = 3600;
	net.end[1].cfg.cache_expiry = 7200;
	call(24);
	assert_agree();
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(net.end[k].cache.last.rs1_expires,
		    net.end[k].cache.e.now + 3600);
		ck_assert_int_eq(net.end[k].cache.last.rs2_valid, 0);
	}
	first_exp = net.end[0].cache.last.rs1_expires;
	sim_stop(&net);
	net.end[0].cfg.cache_expiry = 0xffffffff;
	net.end[1].cfg.cache_expiry = 0xffffffff;
	call(25);
	assert_agree();
	ck_assert_int_eq(net.end[0].cache.last.rs1_expires, -1);
	ck_assert_int_eq(net.end[0].cache.last.rs2_valid, 1);
	ck_assert_int_eq(net.end[0].cache.last.rs2_expires, first_exp);
}
END_TEST

START_TEST(test_cache_continuity)
{
	uint8_t first_rs1[ZRTP_RS_LEN];
	int c;

	for (c = 0; c < 3; c++) {
		net.end[c % 2].cfg.role_pref = ZS_PREFER_INITIATOR;
		net.end[1 - c % 2].cfg.role_pref = ZS_PREFER_ANY;
		call(20 + c);
		assert_agree();
		ck_assert(!net.end[0].cache_mismatch &&
		    !net.end[1].cache_mismatch);
		ck_assert_int_eq(net.end[0].cache.stores, c + 1);
		ck_assert_mem_eq(net.end[0].cache.e.rs1, net.end[1].cache.e.rs1,
		    ZRTP_RS_LEN);
		if (c == 0)
			memcpy(first_rs1, net.end[0].cache.e.rs1, ZRTP_RS_LEN);
		if (c == 1) {
			ck_assert_int_eq(net.end[0].cache.e.rs2_valid, 1);
			ck_assert_mem_eq(net.end[0].cache.e.rs2, first_rs1,
			    ZRTP_RS_LEN);
		}
		sim_stop(&net);
	}
}
END_TEST

/*
 * Issue 6 item 3: a cache that cannot be read is not a new peer. The
 * session fails with ZE_CACHE (Error 0x20 tells the peer), nothing is
 * written to either cache, and no SAS or keys come out.
 */
START_TEST(test_cache_unreadable)
{
	call(35);
	assert_agree();
	sim_stop(&net);
	ck_assert_int_eq(net.end[0].cache.writes, 1);
	memset(&net.end[0].cache.e, 0, sizeof(net.end[0].cache.e));
	net.end[0].cache.e.error = ZE_CACHE;
	call(36);
	ck_assert(net.end[0].failed && !net.end[0].secure &&
	    !net.end[0].sas_seen);
	ck_assert_int_eq(net.end[0].fail_error, ZE_CACHE);
	ck_assert_str_eq(zerr_str(net.end[0].fail_error),
	    "retained-secret cache unreadable");
	ck_assert_uint_eq(net.end[0].fail_wire, ZWE_SOFTWARE);
	ck_assert(net.end[1].failed && net.end[1].fail_from_peer &&
	    !net.end[1].secure);
	ck_assert_int_eq(net.end[0].cache.writes, 1);
	ck_assert_int_eq(net.end[1].cache.writes, 1);
}
END_TEST

/* §4.6.1.1: a lost cache is a mismatch for the side that kept it. */
START_TEST(test_lost_cache)
{
	struct zs_cache_entry kept;

	call(30);
	assert_agree();
	ck_assert(!net.end[0].cache_mismatch);	/* new peer: no mismatch */
	sim_stop(&net);
	kept = net.end[0].cache.e;
	memset(&net.end[1].cache, 0, sizeof(net.end[1].cache));
	call(31);
	assert_agree();
	ck_assert_int_eq(net.end[0].cache_mismatch, 1);
	ck_assert_int_eq(net.end[1].cache_mismatch, 0);
	ck_assert_int_ge(net.end[0].alerts, 1);
	/* Untouched until the SAS is verified... */
	ck_assert_mem_eq(net.end[0].cache.e.rs1, kept.rs1, ZRTP_RS_LEN);
	ck_assert_int_eq(net.end[0].cache.stores, 1);
	ck_assert_int_eq(net.end[1].cache.stores, 1);
	/* ...then written, verified. */
	ck_assert_int_eq(zs_sas_verdict(net.end[0].s, net.now, 1), 0);
	{
		struct zs_action a;

		while (zs_next_action(net.end[0].s, &a))
			if (a.type == ZSA_CACHE_STORE) {
				ck_assert_int_eq(a.u.store.verified, 1);
				ck_assert(memcmp(a.u.store.rs1, kept.rs1,
				    ZRTP_RS_LEN) != 0);
				net.end[0].cache.stores++;
			}
	}
	ck_assert_int_eq(net.end[0].cache.stores, 2);
}
END_TEST

/* The V flag: verified in call 1, carried into call 2 on both sides. */
START_TEST(test_verified_flag)
{
	struct zs_action a;
	int k;

	call(40);
	assert_agree();
	ck_assert_int_eq(net.end[0].sas_verified, 0);
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(zs_sas_verdict(net.end[k].s, net.now, 1), 0);
		ck_assert(zs_next_action(net.end[k].s, &a));
		/* Only the flag changes: the secrets were stored already. */
		ck_assert_int_eq(a.type, ZSA_CACHE_VERIFIED);
		ck_assert_int_eq(a.u.verified.verified, 1);
		net.end[k].cache.e.verified = 1;
	}
	sim_stop(&net);
	call(41);
	assert_agree();
	ck_assert_int_eq(net.end[0].sas_verified, 1);
	ck_assert_int_eq(net.end[1].sas_verified, 1);
}
END_TEST

/* §4.4.3: a second stream keyed from the first one's ZRTPSess. */
/*
 * Audio and video of one call (§4.4.3): the audio stream's DH exchange
 * fills the call object; the video stream, started while audio is still
 * up, runs Multistream from it with no DH, SAS or cache; a third stream
 * still can after the audio stream is gone (the call owns ZRTPSess).
 */
START_TEST(test_multistream)
{
	uint8_t first_tx[ZCIPHER_KEY_MAX];
	struct zsession *audio[2];
	struct zcall *c[2];
	int k;

	for (k = 0; k < 2; k++) {
		ck_assert_ptr_nonnull(c[k] = zcall_new(NULL, 0));
		ck_assert(!zcall_secure(c[k]));
		net.end[k].cfg.call = c[k];
	}
	call(50);
	assert_agree();
	ck_assert_uint_ne(zs_algo(net.end[0].s, ZALGO_KEX), ZKEX_BLOCK_MULT);
	memcpy(first_tx, net.end[0].keys.tx_key, ZCIPHER_KEY_MAX);
	for (k = 0; k < 2; k++) {
		ck_assert(zcall_secure(c[k]));
		audio[k] = net.end[k].s;
		net.end[k].s = NULL;
		net.end[k].cfg.ssrc += 1;
	}
	call(51);
	assert_agree();
	ck_assert_uint_eq(zs_algo(net.end[0].s, ZALGO_KEX), ZKEX_BLOCK_MULT);
	ck_assert(memcmp(first_tx, net.end[0].keys.tx_key,
	    net.end[0].keys.key_len) != 0);
	ck_assert_int_eq(net.end[0].kex_jobs, 0);
	ck_assert_int_eq(net.end[0].sas_seen, 0);	/* no SAS */
	ck_assert_int_eq(net.end[0].cache.stores, 1);	/* audio's only */
	for (k = 0; k < 2; k++) {
		ck_assert(zs_is_secure(audio[k]));
		zs_free(audio[k]);
		net.end[k].cfg.ssrc += 1;
	}
	sim_stop(&net);
	call(52);
	assert_agree();
	ck_assert_uint_eq(zs_algo(net.end[1].s, ZALGO_KEX), ZKEX_BLOCK_MULT);
	for (k = 0; k < 2; k++)
		zcall_unref(c[k]);	/* the streams hold the call now */
}
END_TEST

/* Both users confirm the SAS: the V flag reaches both caches. */
static void
verify_both(void)
{
	int k;

	for (k = 0; k < 2; k++)
		ck_assert_int_eq(zs_sas_verdict(net.end[k].s, net.now, 1), 0);
	sim_settle(&net, 1000);
	ck_assert(net.end[0].cache.e.verified && net.end[1].cache.e.verified);
}

/* §4.9: an interval of 0 stores nothing and expires what was there. */
START_TEST(test_cache_interval_zero)
{
	call(76);
	assert_agree();
	ck_assert_int_eq(net.end[0].cache.e.rs1_valid, 1);
	sim_stop(&net);
	net.end[1].cfg.cache_expiry = 0;	/* the peer will not cache */
	call(77);
	assert_agree();
	ck_assert_int_eq(net.end[0].cache.stores, 1);
	ck_assert_int_eq(net.end[0].cache.e.rs1_valid, 0);
}
END_TEST

/* §4.4.2: without a verified SAS, Preshared mode is not used. */
START_TEST(test_preshared_needs_verified)
{
	int k;

	for (k = 0; k < 2; k++)
		net.end[k].cfg.preshared = 1;
	call(74);
	assert_agree();
	sim_stop(&net);
	net.end[0].cfg.role_pref = ZS_PREFER_INITIATOR;
	call(75);
	assert_agree();
	ck_assert_uint_ne(zs_algo(net.end[0].s, ZALGO_KEX), ZKEX_BLOCK_PRSH);
}
END_TEST

/* §4.4.2: the second call runs Preshared, without DH arithmetic. */
START_TEST(test_preshared)
{
	uint8_t rs1_call1[ZRTP_RS_LEN];
	int k;

	for (k = 0; k < 2; k++)
		net.end[k].cfg.preshared = 1;
	call(70);
	assert_agree();
	/* §4.4.2: Preshared mode only on a secret whose SAS was verified. */
	verify_both();
	ck_assert_uint_ne(zs_algo(net.end[0].s, ZALGO_KEX), ZKEX_BLOCK_PRSH);
	memcpy(rs1_call1, net.end[0].cache.e.rs1, ZRTP_RS_LEN);
	sim_stop(&net);
	net.end[0].cfg.role_pref = ZS_PREFER_INITIATOR;
	call(71);
	assert_agree();
	ck_assert_uint_eq(zs_algo(net.end[0].s, ZALGO_KEX), ZKEX_BLOCK_PRSH);
	ck_assert_uint_eq(zs_algo(net.end[1].s, ZALGO_KEX), ZKEX_BLOCK_PRSH);
	ck_assert(net.end[0].sas_seen && net.end[1].sas_seen);
	ck_assert(!net.end[0].cache_mismatch && !net.end[1].cache_mismatch);
	/* One key pair generated up front for fallback, none agreed. */
	ck_assert_int_le(net.end[0].kex_jobs, 1);
	ck_assert_int_le(net.end[1].kex_jobs, 1);
	/* rs1 replaced; §4.6.1: Preshared mode does not move it to rs2. */
	ck_assert(memcmp(net.end[0].cache.e.rs1, rs1_call1, ZRTP_RS_LEN) != 0);
	ck_assert_mem_eq(net.end[0].cache.e.rs1, net.end[1].cache.e.rs1,
	    ZRTP_RS_LEN);
	ck_assert_int_eq(net.end[0].cache.e.rs2_valid, 0);
}
END_TEST

/* §4.4.2.2: a responder without the secret answers with a DH Commit. */
START_TEST(test_preshared_fallback)
{
	int k;

	for (k = 0; k < 2; k++)
		net.end[k].cfg.preshared = 1;
	call(72);
	assert_agree();
	verify_both();
	sim_stop(&net);
	memset(&net.end[1].cache, 0, sizeof(net.end[1].cache));
	net.end[0].cfg.role_pref = ZS_PREFER_INITIATOR;
	call(73);
	assert_agree();
	ck_assert_uint_ne(zs_algo(net.end[0].s, ZALGO_KEX), ZKEX_BLOCK_PRSH);
	ck_assert_int_eq(zs_role(net.end[1].s), ZS_ROLE_INITIATOR);
	ck_assert_int_eq(net.end[0].cache_mismatch, 1);
}
END_TEST

/* Rewrite the hash of end 0's Preshared Commit to S256 (CRC resealed). */
static void
tamper_prsh_hash(struct sim *n, int from, uint8_t *p, size_t *len)
{
	/* Header 12, preamble and length 4, type 8, H2 32, ZID 12. */
	const size_t hash = 12 + 4 + 8 + 32 + 12, kex = hash + 12;

	(void)n;
	if (from == 0 && pkt_type(p, *len, "Commit  ") && *len > kex + 4 &&
	    memcmp(p + kex, "Prsh", 4) == 0) {
		memcpy(p + hash, "S256", 4);
		zpkt_seal_crc(p, *len);
	}
}

/*
 * §5.1.5 on the Preshared fallback: the DH Commit that answers a Preshared
 * Commit we cannot match is our own, with the hash and cipher the Hellos
 * give its key agreement, never the Preshared Commit's. Here that Commit
 * names S256 while EC38 (which needs S384) is what both Hellos agree on.
 */
START_TEST(test_preshared_fallback_coupling)
{
	int k;

	for (k = 0; k < 2; k++) {
		net.end[k].cfg.preshared = 1;
		prefer(&net.end[k].cfg, ZALGO_KEX, blk("EC38"));
		prefer(&net.end[k].cfg, ZALGO_HASH, blk("S384"));
		prefer(&net.end[k].cfg, ZALGO_CIPHER, blk("AES3"));
	}
	call(78);
	assert_agree();
	verify_both();
	sim_stop(&net);
	memset(&net.end[1].cache, 0, sizeof(net.end[1].cache));
	net.end[0].cfg.role_pref = ZS_PREFER_INITIATOR;
	net.tamper = tamper_prsh_hash;
	call(79);
	assert_agree();
	ck_assert_int_eq(zs_role(net.end[1].s), ZS_ROLE_INITIATOR);
	ck_assert_uint_eq(zs_algo(net.end[1].s, ZALGO_KEX), blk("EC38"));
	ck_assert_uint_eq(zs_algo(net.end[1].s, ZALGO_HASH), blk("S384"));
	ck_assert_uint_eq(zs_algo(net.end[0].s, ZALGO_HASH), blk("S384"));
}
END_TEST

/* §4.4.3.1: a Multistream Commit reusing a nonce ends the exchange. */
/*
 * §4.4.3.1, seen live: the video stream's Commit nonce is in the call as
 * soon as the Commit is accepted, with nothing copied by the caller; a
 * third stream whose Commit reuses it, while video is still up, ends
 * with 0x80.
 */
START_TEST(test_nonce_reuse)
{
	struct zsession *keep[2][2];
	struct zcall *c[2];
	int k, n;

	net.end[0].cfg.role_pref = ZS_PREFER_INITIATOR;
	net.end[1].cfg.role_pref = ZS_PREFER_RESPONDER;
	for (k = 0; k < 2; k++) {
		ck_assert_ptr_nonnull(c[k] = zcall_new(NULL, 0));
		net.end[k].cfg.call = c[k];
	}
	for (n = 0; n < 2; n++) {
		call(n == 0 ? 80 : 81);
		assert_agree();
		for (k = 0; k < 2; k++) {
			keep[n][k] = net.end[k].s;
			net.end[k].s = NULL;
		}
	}
	ck_assert_ptr_nonnull(zs_commit_nonce(keep[1][1]));
	ck_assert_mem_eq(zs_commit_nonce(keep[1][1]),
	    zs_commit_nonce(keep[1][0]), ZRTP_NONCE_LEN);
	/* The same seed makes the initiator draw the same nonce again. */
	call(81);
	ck_assert(!net.end[0].secure && !net.end[1].secure);
	ck_assert_uint_eq(net.end[1].fail_wire, ZWE_NONCE_REUSE);
	for (n = 0; n < 2; n++)
		for (k = 0; k < 2; k++) {
			ck_assert(zs_is_secure(keep[n][k]));
			zs_free(keep[n][k]);
		}
	for (k = 0; k < 2; k++)
		zcall_unref(c[k]);
}
END_TEST

/*
 * §4.6.1: the initiator stored the new rs1 but the responder never did.
 * Next call the initiator's rs2 (the old rs1) still matches.
 */
START_TEST(test_lost_update_recovered)
{
	struct sim_cache before;

	net.end[0].cfg.role_pref = ZS_PREFER_INITIATOR;
	call(90);
	assert_agree();
	sim_stop(&net);
	before = net.end[1].cache;
	call(91);
	assert_agree();
	sim_stop(&net);
	net.end[1].cache = before;	/* B's update was lost */
	call(92);
	assert_agree();
	ck_assert(!net.end[0].cache_mismatch && !net.end[1].cache_mismatch);
	ck_assert_mem_eq(net.end[0].cache.e.rs1, net.end[1].cache.e.rs1,
	    ZRTP_RS_LEN);
}
END_TEST

static void
tamper_drop_conf2ack(struct sim *n, int from, uint8_t *p, size_t *len)
{
	(void)n;
	(void)from;
	if (pkt_type(p, *len, "Conf2ACK"))
		memset(p + 16, 'x', 8);	/* no longer a message type */
}

/*
 * §4.6: the responder's first valid SRTP stands in for a lost Conf2ACK.
 * To tell a valid one, the initiator's caller holds the keys from the
 * Confirm2 on (ZSA_SRTP_RX): the responder's send keys, the ones
 * ZSA_SECURE carries later. The responder never needs them early.
 */
START_TEST(test_srtp_acknowledges)
{
	net.end[0].cfg.role_pref = ZS_PREFER_INITIATOR;
	net.end[1].cfg.role_pref = ZS_PREFER_RESPONDER;
	net.tamper = tamper_drop_conf2ack;
	sim_start(&net, 95);
	sim_run(&net, 2000);	/* well inside Confirm2's schedule */
	ck_assert(net.end[1].secure);
	ck_assert_str_eq(zs_state_name(net.end[0].s), "confirm2-sent");
	ck_assert(!net.end[0].secure);
	ck_assert_int_eq(net.end[0].srtp_rx, 1);
	ck_assert_uint_eq(net.end[0].rx_keys.key_len, net.end[1].keys.key_len);
	ck_assert_mem_eq(net.end[0].rx_keys.rx_key, net.end[1].keys.tx_key,
	    net.end[1].keys.key_len);
	ck_assert_mem_eq(net.end[0].rx_keys.rx_salt, net.end[1].keys.tx_salt,
	    ZRTP_SRTP_SALT_LEN);
	ck_assert_int_eq(zs_srtp_ok(net.end[0].s, net.now), 0);
	sim_settle(&net, 100);
	ck_assert(net.end[0].secure && !net.end[0].failed);
	ck_assert(memcmp(&net.end[0].rx_keys, &net.end[0].keys,
	    sizeof(net.end[0].keys)) == 0);
	ck_assert_int_eq(net.end[1].srtp_rx, 0);
	assert_agree();
}
END_TEST

/*
 * §7.3: B is a PBX. Call 1 enrolls A (E flag, A's user agrees); call 2
 * shares pbxsecret (s3), so A shows the SAS the PBX relays.
 */
START_TEST(test_pbx_enrollment_and_relay)
{
	uint8_t sashash[ZRTP_SASHASH_LEN];
	char want[ZSAS_TEXT_MAX];

	net.end[1].cfg.pbx = net.end[1].cfg.pbx_enroll = 1;
	net.end[0].accept_enroll = 1;
	call(120);
	assert_agree();
	ck_assert_int_eq(net.end[0].enroll_offered, 1);
	ck_assert_int_eq(net.end[1].enroll_offered, 0);	/* PBX: no prompt */
	ck_assert(net.end[0].cache.e.pbx_valid && net.end[1].cache.e.pbx_valid);
	ck_assert_mem_eq(net.end[0].cache.e.pbxsecret,
	    net.end[1].cache.e.pbxsecret, ZRTP_RS_LEN);
	sim_stop(&net);
	net.end[1].cfg.pbx_enroll = 0;
	call(121);
	assert_agree();
	memset(sashash, 0, sizeof(sashash));
	sashash[0] = 0x12;
	sashash[1] = 0x34;
	ck_assert_int_eq(zsas_render(ZSAS_B256, sashash, want, sizeof(want)),
	    0);
	ck_assert_int_eq(zs_send_sasrelay(net.end[1].s, net.now, ZSAS_B256,
	    sashash), 0);
	sim_settle(&net, 30000);
	ck_assert_str_eq(net.end[0].relayed_sas, want);
	ck_assert(zs_is_secure(net.end[0].s) && zs_is_secure(net.end[1].s));
}
END_TEST

static void
tamper_relayack_to_clearack(struct sim *n, int from, uint8_t *p, size_t *len)
{
	(void)n;
	(void)from;
	if (pkt_type(p, *len, "RelayACK")) {
		memcpy(p + 16, "ClearACK", 8);
		zpkt_seal_crc(p, *len);
	}
}

/* A ClearACK answers only a GoClear: it cannot clear a SASrelay's sender. */
START_TEST(test_clearack_not_for_relay)
{
	uint8_t sashash[ZRTP_SASHASH_LEN];

	net.end[1].cfg.pbx = 1;
	call(123);
	assert_agree();
	net.tamper = tamper_relayack_to_clearack;
	memset(sashash, 0x11, sizeof(sashash));
	ck_assert_int_eq(zs_send_sasrelay(net.end[1].s, net.now, ZSAS_B32,
	    sashash), 0);
	sim_settle(&net, 30000);
	ck_assert_int_eq(net.end[1].clear, 0);
	ck_assert(zs_is_secure(net.end[1].s));
	ck_assert_uint_eq(net.end[1].timer_at, 0);
}
END_TEST

/* Both ask to go clear at once: both end clear, no timer left running. */
START_TEST(test_goclear_both)
{
	int k;

	for (k = 0; k < 2; k++)
		net.end[k].cfg.allow_clear = 1;
	call(124);
	assert_agree();
	for (k = 0; k < 2; k++)
		ck_assert_int_eq(zs_go_clear(net.end[k].s, net.now), 0);
	sim_settle(&net, 30000);
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(net.end[k].clear, 1);
		ck_assert_uint_eq(net.end[k].timer_at, 0);
	}
}
END_TEST

/* §7.3: without enrollment a relayed SAS is acknowledged, never shown. */
START_TEST(test_untrusted_relay)
{
	uint8_t sashash[ZRTP_SASHASH_LEN];

	net.end[1].cfg.pbx = 1;
	call(122);
	assert_agree();
	memset(sashash, 0x77, sizeof(sashash));
	ck_assert_int_eq(zs_send_sasrelay(net.end[1].s, net.now, ZSAS_B32,
	    sashash), 0);
	sim_settle(&net, 30000);
	ck_assert_str_eq(net.end[0].relayed_sas, "");
	ck_assert_int_ge(net.end[0].alerts, 1);
	/* The RelayACK came back: B stopped resending, still secure. */
	ck_assert(zs_is_secure(net.end[1].s) && !net.end[1].failed);
	/* A phone cannot relay. */
	ck_assert_int_eq(zs_send_sasrelay(net.end[0].s, net.now, ZSAS_B32,
	    sashash), ZE_INVAL);
}
END_TEST

/*
 * §7.3: to the party it is not enrolled with a PBX relays the scheme only
 * (sashash zero): ignored, and no alarm. An M-less peer's is still one.
 */
START_TEST(test_unenrolled_scheme_relay)
{
	uint8_t sashash[ZRTP_SASHASH_LEN];

	net.end[1].cfg.pbx = 1;
	call(125);
	assert_agree();
	memset(sashash, 0, sizeof(sashash));
	ck_assert_int_eq(zs_send_sasrelay(net.end[1].s, net.now, ZSAS_B256,
	    sashash), 0);
	sim_settle(&net, 30000);
	ck_assert_str_eq(net.end[0].relayed_sas, "");
	ck_assert_int_eq(net.end[0].alerts, 0);
	ck_assert(zs_is_secure(net.end[1].s) && !net.end[1].failed);
	ck_assert_uint_eq(net.end[1].timer_at, 0);	/* RelayACK came */
}
END_TEST

/* §4.7.2: GoClear only where the peer's Confirm allowed it. */
START_TEST(test_goclear_accepted)
{
	net.end[1].cfg.allow_clear = 1;
	call(60);
	assert_agree();
	/* B did not allow us... A did not set A: B may not ask. */
	ck_assert_int_eq(zs_go_clear(net.end[1].s, net.now), ZE_INVAL);
	ck_assert_int_eq(zs_go_clear(net.end[0].s, net.now), 0);
	sim_settle(&net, 30000);
	ck_assert_int_eq(net.end[0].clear, 1);
	ck_assert_int_eq(net.end[1].clear, 1);
	ck_assert_str_eq(zs_state_name(net.end[0].s), "clear");
	ck_assert_str_eq(zs_state_name(net.end[1].s), "clear");
	/* §4.7.2.1: ZRTPSess replaced, the same on both sides, kept. */
	{
		const uint8_t *p0, *p1;
		size_t l0, l1;

		p0 = zs_zrtp_sess(net.end[0].s, &l0);
		p1 = zs_zrtp_sess(net.end[1].s, &l1);
		ck_assert(p0 != NULL && p1 != NULL && l0 == l1);
		ck_assert_mem_eq(p0, p1, l0);
	}
}
END_TEST

static void
tamper_goclear(struct sim *n, int from, uint8_t *p, size_t *len)
{
	(void)n;
	(void)from;
	if (pkt_type(p, *len, "GoClear ")) {
		p[12 + 12] ^= 0x01;	/* clear_mac */
		zpkt_seal_crc(p, *len);
	}
}

/* A GoClear with a bad clear_mac changes nothing: still secure. */
START_TEST(test_goclear_forged)
{
	net.end[1].cfg.allow_clear = 1;
	call(61);
	assert_agree();
	net.tamper = tamper_goclear;
	ck_assert_int_eq(zs_go_clear(net.end[0].s, net.now), 0);
	sim_settle(&net, 30000);
	ck_assert_int_eq(net.end[1].clear, 0);
	ck_assert(zs_is_secure(net.end[1].s));
	ck_assert_int_ge(net.end[1].alerts, 1);
}
END_TEST

/*
 * Issue 6, item 1: an impostor with A's ZID but none of its secrets calls
 * B twice, first with a cache interval of 0. Each call is a reported cache
 * mismatch and changes nothing B stored (rs1, rs2, V flag), whatever the
 * interval and the user's "no"; the genuine A then still matches.
 */
START_TEST(test_impostor_takeover)
{
	struct sim_cache genuine, kept;
	struct zs_action a;
	int c;

	call(130);
	assert_agree();
	verify_both();
	sim_stop(&net);
	genuine = net.end[0].cache;
	kept = net.end[1].cache;
	for (c = 0; c < 2; c++) {
		memset(&net.end[0].cache, 0, sizeof(net.end[0].cache));
		net.end[0].cfg.cache_expiry = c == 0 ? 0 : 0xffffffff;
		call(131 + c);
		assert_agree();
		ck_assert_int_eq(net.end[1].cache_mismatch, 1);
		ck_assert(net.end[1].alert_codes & CODE(ZC_CACHE_MISMATCH));
		ck_assert_int_eq(zs_sas_verdict(net.end[1].s, net.now, 0), 0);
		ck_assert(!zs_next_action(net.end[1].s, &a));
		ck_assert_int_eq(net.end[1].cache.stores, kept.stores);
		ck_assert_int_eq(net.end[1].cache.e.rs1_valid, 1);
		ck_assert_int_eq(net.end[1].cache.e.verified, 1);
		ck_assert_mem_eq(net.end[1].cache.e.rs1, kept.e.rs1,
		    ZRTP_RS_LEN);
		sim_stop(&net);
	}
	net.end[0].cache = genuine;
	net.end[0].cfg.cache_expiry = 0xffffffff;
	call(133);
	assert_agree();
	ck_assert(!net.end[0].cache_mismatch && !net.end[1].cache_mismatch);
	ck_assert_int_eq(net.end[1].sas_verified, 1);
}
END_TEST

/* An rs1 expired (interval 0) leaves rs2: unmatched, it is a mismatch. */
START_TEST(test_unmatched_rs2_mismatch)
{
	call(134);
	assert_agree();
	sim_stop(&net);
	call(135);
	assert_agree();
	sim_stop(&net);
	ck_assert_int_eq(net.end[1].cache.e.rs2_valid, 1);
	net.end[1].cache.e.rs1_valid = 0;
	memset(&net.end[0].cache, 0, sizeof(net.end[0].cache));
	call(136);
	assert_agree();
	ck_assert_int_eq(net.end[1].cache_mismatch, 1);
	ck_assert_int_eq(net.end[1].cache.stores, 2);
}
END_TEST

/*
 * §7.3.1 on the PBX side: enrollment rewrites the pbxsecret it keeps for a
 * phone only when the call matched, never for an impostor with its ZID.
 */
START_TEST(test_impostor_pbx_enrollment)
{
	uint8_t pbx[ZRTP_RS_LEN];

	net.end[1].cfg.pbx = net.end[1].cfg.pbx_enroll = 1;
	net.end[0].accept_enroll = 1;
	call(137);
	assert_agree();
	ck_assert(net.end[1].cache.e.pbx_valid);
	memcpy(pbx, net.end[1].cache.e.pbxsecret, ZRTP_RS_LEN);
	sim_stop(&net);
	memset(&net.end[0].cache, 0, sizeof(net.end[0].cache));
	net.end[0].accept_enroll = 0;
	call(138);
	assert_agree();
	ck_assert_int_eq(net.end[1].cache_mismatch, 1);
	ck_assert_mem_eq(net.end[1].cache.e.pbxsecret, pbx, ZRTP_RS_LEN);
}
END_TEST

/* A datagram from ssrc carrying the message msg (with its length). */
static size_t
forge(uint32_t ssrc, const uint8_t *msg, size_t len, uint8_t *out)
{
	size_t n;

	ck_assert_int_eq(zpkt_wrap(0x4242, ssrc, msg, len, out, SIM_PKT_MAX,
	    &n), 0);
	return n;
}

/*
 * The kept-message buffers are sized per type (engine_int.h): the largest
 * Hello a peer may send, seven algorithms of each kind (§5.2), 228 bytes,
 * is kept and negotiated from, not refused as malformed. (Seen to fail
 * with ZS_HELLO_MAX one word smaller.)
 */
START_TEST(test_largest_hello_kept)
{
	static const char real[ZALGO_KIND_COUNT][5] = {
		[ZALGO_HASH] = "S256", [ZALGO_CIPHER] = "AES1",
		[ZALGO_AUTH] = "HS32", [ZALGO_KEX] = "X255",
		[ZALGO_SAS] = "B32 ",
	};
	uint8_t msg[512], p[SIM_PKT_MAX];
	struct zwbuf w;
	struct zmsg m;
	int k, i;

	memset(&m, 0, sizeof(m));
	m.type = ZMSG_HELLO;
	memcpy(m.u.hello.version, "1.10", ZRTP_VERSION_LEN);
	memcpy(m.u.hello.client_id, "largest hello   ", ZRTP_CID_LEN);
	memset(m.u.hello.h3, 0x33, sizeof(m.u.hello.h3));
	memset(m.u.hello.zid, 0x77, sizeof(m.u.hello.zid));
	for (k = 0; k < ZALGO_KIND_COUNT; k++) {
		m.u.hello.count[k] = ZRTP_ALGO_MAX;
		m.u.hello.algo[k][0] = ZALGO(real[k][0], real[k][1],
		    real[k][2], real[k][3]);
		for (i = 1; i < ZRTP_ALGO_MAX; i++)	/* unknown: ignored */
			m.u.hello.algo[k][i] = ZALGO('Z', 'z', 'A' + k,
			    '0' + i);
	}
	zwbuf_init(&w, msg, sizeof(msg));
	ck_assert_int_eq(zmsg_encode(&m, &w), 0);
	ck_assert_uint_eq(w.len, 88 + 4 * 5 * ZRTP_ALGO_MAX);
	sim_start(&net, 151);
	ck_assert_uint_eq(zs_algo(net.end[0].s, ZALGO_KEX), 0);
	sim_inject(&net, 0, p, forge(0x5151, msg, w.len, p));
	ck_assert_msg(!net.end[0].failed, "failed: code %d",
	    net.end[0].fail_code);
	/* Negotiated from it (with the implied mandatory ones, §5.1.5). */
	ck_assert_uint_ne(zs_algo(net.end[0].s, ZALGO_KEX), 0);
}
END_TEST

/*
 * Issue 6, item 4: a valid-CRC packet of an unknown type from the peer's
 * SSRC mid-handshake is dropped with an alert (an extension may define
 * it, §5.1.1): the call still goes secure.
 */
START_TEST(test_unknown_type_dropped)
{
	static const uint8_t msg[] = {
		0x50, 0x5a, 0x00, 0x03, 'F', 'o', 'o', ' ', ' ', ' ', ' ', ' '
	};
	uint8_t p[SIM_PKT_MAX];

	sim_start(&net, 150);
	sim_run(&net, 8);	/* Hellos crossed */
	sim_inject(&net, 0, p, forge(net.end[1].cfg.ssrc, msg, sizeof(msg),
	    p));
	ck_assert(!net.end[0].failed);
	ck_assert_uint_eq(net.end[0].alert_codes, CODE(ZC_UNKNOWN_MESSAGE));
	sim_run(&net, 60000);
	assert_agree();
}
END_TEST

/*
 * Issue 6, item 4: a forged Hello of an older version, before the peer's
 * own. With the peer's a=zrtp-hash known (_i == 1: 64 hex digits; _i == 2:
 * the whole SDP value with its "1.10 " prefix, which must fit the config)
 * it fails that check first; without (_i == 0) it is refused, and the
 * genuine Hello that follows is used. Either way the call goes secure.
 */
START_TEST(test_forged_hello_version)
{
	uint8_t p[SIM_PKT_MAX];
	size_t len = 0;

	if (_i >= 1) {
		sim_start(&net, 151);
		snprintf(net.end[0].cfg.peer_hello_hash,
		    sizeof(net.end[0].cfg.peer_hello_hash), "%s",
		    zs_hello_hash(net.end[1].s) + (_i == 1 ? 5 : 0));
		sim_stop(&net);
	}
	sim_start(&net, 151);
	len = queued_hello(&net, 0, p);
	ck_assert_uint_gt(len, 0);
	memcpy(p + 12 + 12, "1.01", 4);
	zpkt_seal_crc(p, len);
	sim_inject(&net, 0, p, len);
	ck_assert(!net.end[0].failed);
	ck_assert_uint_eq(net.end[0].alert_codes,
	    CODE(_i >= 1 ? ZC_HELLO_HASH : ZC_VERSION));
	sim_run(&net, 60000);
	assert_agree();
}
END_TEST

static void
tamper_old_version(struct sim *n, int from, uint8_t *p, size_t *len)
{
	(void)n;
	if (from == 1 && pkt_type(p, *len, "Hello   ")) {
		memcpy(p + 12 + 12, "1.01", 4);
		zpkt_seal_crc(p, *len);
	}
}

/* §4.1.1: a peer that only speaks an older version still gets 0x30. */
START_TEST(test_old_version_peer)
{
	net.tamper = tamper_old_version;
	call(152);
	ck_assert(net.end[0].failed && !net.end[0].secure);
	ck_assert_uint_eq(net.end[0].fail_wire, ZWE_VERSION);
	ck_assert_int_eq(net.end[0].fail_code, ZC_VERSION);
}
END_TEST

static int confirm_forged;

static void
tamper_first_confirm(struct sim *n, int from, uint8_t *p, size_t *len)
{
	(void)n;
	(void)from;
	if (pkt_type(p, *len, "Confirm1") && confirm_forged++ == 0) {
		p[*len - 10] ^= 0x80;
		zpkt_seal_crc(p, *len);
	}
}

/* The same with a bit of the CFB IV, which confirm_mac leaves out (§5.7). */
static void
tamper_first_confirm_iv(struct sim *n, int from, uint8_t *p, size_t *len)
{
	(void)n;
	(void)from;
	/* Header 12, preamble, length, type 12, confirm_mac 8: the IV. */
	if (pkt_type(p, *len, "Confirm1") && confirm_forged++ == 0) {
		p[12 + 12 + 8] ^= 0x01;
		zpkt_seal_crc(p, *len);
	}
}

/*
 * Issue 6, item 4: one Confirm1 with a bad MAC costs only itself: the
 * initiator drops it with an alert and the next one completes the call.
 */
START_TEST(test_forged_confirm_dropped)
{
	net.end[0].cfg.role_pref = ZS_PREFER_INITIATOR;
	net.end[1].cfg.role_pref = ZS_PREFER_RESPONDER;
	confirm_forged = 0;
	net.tamper = tamper_first_confirm;
	call(153);
	assert_agree();
	ck_assert_int_eq(net.end[0].srtp_rx, 1);	/* the genuine one's */
	ck_assert_int_eq(net.end[0].srtp_rx_before_secure, 1);
	ck_assert_int_ge(confirm_forged, 2);
	ck_assert(net.end[0].alert_codes & CODE(ZC_CONFIRM_MAC));
}
END_TEST

/*
 * An altered IV decrypts to another H0 under a MAC that verifies: no more
 * the peer's than a bad MAC, so dropped the same way, not the end of the
 * exchange (found by tests/system/lossy.sh with resealed tampering).
 */
START_TEST(test_confirm_iv_altered_dropped)
{
	net.end[0].cfg.role_pref = ZS_PREFER_INITIATOR;
	net.end[1].cfg.role_pref = ZS_PREFER_RESPONDER;
	confirm_forged = 0;
	net.tamper = tamper_first_confirm_iv;
	call(154);
	assert_agree();
	ck_assert(!net.end[0].failed && !net.end[1].failed);
	ck_assert_int_ge(confirm_forged, 2);
	ck_assert(net.end[0].alert_codes & CODE(ZC_CONFIRM_MAC));
	ck_assert_int_eq(net.end[0].srtp_rx, 1);
}
END_TEST

/*
 * Issue 6, item 5: our first Hello is lost and a HelloACK from an SSRC
 * that is not the peer's arrives first. It must not stop our Hello (the
 * peer would never see one and drop our Commits): the call goes secure.
 */
START_TEST(test_spoofed_helloack)
{
	static const uint8_t ack[] = {
		0x50, 0x5a, 0x00, 0x03, 'H', 'e', 'l', 'l', 'o', 'A', 'C', 'K'
	};
	uint8_t p[SIM_PKT_MAX];

	sim_start(&net, 154);
	ck_assert(sim_unqueue(&net, 1, "Hello   "));
	sim_inject(&net, 0, p, forge(0x33333333, ack, sizeof(ack), p));
	sim_run(&net, 60000);
	assert_agree();
}
END_TEST

/*
 * Issue 6, item 5: an Error from an SSRC that is not the peer's, before
 * the peer's Hello, cannot end the set-up either.
 */
START_TEST(test_foreign_error_before_hello)
{
	static const uint8_t err[] = {
		0x50, 0x5a, 0x00, 0x04, 'E', 'r', 'r', 'o', 'r', ' ', ' ', ' ',
		0x00, 0x00, 0x00, 0xa0
	};
	uint8_t p[SIM_PKT_MAX];

	sim_start(&net, 155);
	sim_inject(&net, 0, p, forge(0x33333333, err, sizeof(err), p));
	ck_assert(!net.end[0].failed);
	ck_assert(net.end[0].alert_codes & CODE(ZC_PEER_ERROR));
	sim_run(&net, 60000);
	assert_agree();
}
END_TEST

/*
 * §9 for a call's later stream: a Hello from another ZID than the call's,
 * not vouched for by a=zrtp-hash, is a forgery like any other. It is
 * dropped with an alert (it used to end the Multistream stream at once),
 * and the genuine Hello that follows runs the stream.
 */
START_TEST(test_forged_hello_other_zid_multistream)
{
	uint8_t p[SIM_PKT_MAX];
	struct zsession *audio[2];
	struct zcall *c[2];
	size_t len = 0;
	int k;

	for (k = 0; k < 2; k++) {
		ck_assert_ptr_nonnull(c[k] = zcall_new(NULL, 0));
		net.end[k].cfg.call = c[k];
	}
	call(156);
	assert_agree();
	for (k = 0; k < 2; k++) {
		audio[k] = net.end[k].s;
		net.end[k].s = NULL;
		net.end[k].cfg.ssrc += 1;
	}
	sim_start(&net, 157);
	len = queued_hello(&net, 0, p);
	ck_assert_uint_gt(len, 0);
	/* Header 12, message header 12, version 4, client id 16, H3 32. */
	p[12 + 12 + 4 + 16 + 32] ^= 0x5a;
	zpkt_seal_crc(p, len);
	sim_inject(&net, 0, p, len);
	ck_assert(!net.end[0].failed);
	ck_assert(net.end[0].alert_codes & CODE(ZC_STREAM_ZID));
	sim_run(&net, 60000);
	assert_agree();
	ck_assert_uint_eq(zs_algo(net.end[0].s, ZALGO_KEX), ZKEX_BLOCK_MULT);
	for (k = 0; k < 2; k++) {
		zs_free(audio[k]);
		zcall_unref(c[k]);
	}
}
END_TEST

/*
 * Issue 6, item 17: one table of stable codes. Every code has a distinct
 * name and a text; every failure code a local error other than success;
 * the §5.9 codes the engine sends come from it.
 */
START_TEST(test_codes_table)
{
	int c, d;

	ck_assert_str_eq(zcode_name(ZC_NONE), "unknown");
	ck_assert_str_eq(zcode_name(ZC_COUNT), "unknown");
	ck_assert_uint_lt(ZC_COUNT, 64);	/* sim's alert_codes */
	for (c = ZC_NONE + 1; c < ZC_COUNT; c++) {
		ck_assert_str_ne(zcode_name(c), "unknown");
		ck_assert_ptr_nonnull(zcode_text(c));
		for (d = ZC_NONE + 1; d < c; d++)
			ck_assert_str_ne(zcode_name(c), zcode_name(d));
		if (c < ZC_CACHE_MISMATCH)
			ck_assert_int_lt(zcode_err(c), 0);
	}
	ck_assert_str_eq(zcode_name(ZC_TIMEOUT), "timeout");
	ck_assert_str_eq(zcode_name(ZC_CACHE_MISMATCH), "cache_mismatch");
	ck_assert_uint_eq(zcode_wire(ZC_TIMEOUT), ZWE_TIMEOUT);
	ck_assert_uint_eq(zcode_wire(ZC_HVI), ZWE_HVI);
	ck_assert_uint_eq(zcode_wire(ZC_CACHE_MISMATCH), 0);
}
END_TEST

/*
 * §8.1 from late signalling: a=zrtp-hash given after the peer's Hello was
 * taken. The right value changes nothing; a wrong one ends the session
 * (hello_hash_mismatch, Error 0x40); a value that is no hash is refused.
 */
/*
 * Issue 7: a secure session frees the exchange's messages. Each message
 * of the exchange, sent again to the end that received it, gets the
 * answer the secure state's table gives (a Hello its HelloACK, a Confirm2
 * at the responder its Conf2ACK, the rest nothing); the session stays
 * secure with its SAS and keys, and ASan sees no read of what was freed.
 */
static const char *const resent_types[] = {
	"Hello   ", "Commit  ", "DHPart1 ", "DHPart2 ", "Confirm1", "Confirm2",
};
#define RESENT_N	(sizeof(resent_types) / sizeof(resent_types[0]))
static struct {
	uint8_t	b[SIM_PKT_MAX];
	size_t	len;
} first_sent[2][RESENT_N];

static void
record_first(struct sim *n, int from, uint8_t *p, size_t *len)
{
	size_t i;

	(void)n;
	for (i = 0; i < RESENT_N; i++)
		if (*len > 24 && memcmp(p + 16, resent_types[i], 8) == 0 &&
		    first_sent[from][i].len == 0) {
			memcpy(first_sent[from][i].b, p, *len);
			first_sent[from][i].len = *len;
		}
}

START_TEST(test_resent_after_secure)
{
	size_t mem[2], i, seen = 0;
	char sas[ZSAS_TEXT_MAX];
	struct zs_srtp_keys keys;
	int k, alerts;

	memset(first_sent, 0, sizeof(first_sent));
	net.tamper = record_first;
	if (_i == 1)	/* the largest DHParts */
		for (k = 0; k < 2; k++) {
			net.end[k].cfg.count[ZALGO_KEX] = 0;
			prefer(&net.end[k].cfg, ZALGO_KEX, blk("DH3k"));
		}
	sim_start(&net, 960 + _i);
	for (k = 0; k < 2; k++)
		mem[k] = zs_memory(net.end[k].s);
	sim_run(&net, 60000);
	sim_settle(&net, 10000);
	assert_agree();
	for (k = 0; k < 2; k++) {
		/* The exchange's messages are gone, the outbox too. */
		ck_assert_uint_lt(zs_memory(net.end[k].s) + 1500, mem[k]);
		memcpy(sas, net.end[k].sas, sizeof(sas));
		keys = net.end[k].keys;
		alerts = net.end[k].alerts;
		for (i = 0; i < RESENT_N; i++) {
			const char *want = NULL;

			if (first_sent[1 - k][i].len == 0)
				continue;
			seen++;
			if (i == 0)
				want = "HelloACK";
			else if (i == 5 &&
			    zs_role(net.end[k].s) == ZS_ROLE_RESPONDER)
				want = "Conf2ACK";
			ck_assert_int_eq(net.nq, 0);
			sim_inject(&net, k, first_sent[1 - k][i].b,
			    first_sent[1 - k][i].len);
			ck_assert_int_eq(net.nq, want != NULL);
			if (want != NULL)
				ck_assert_mem_eq(net.q[0].b + 16, want, 8);
			sim_settle(&net, 10000);
			ck_assert(zs_is_secure(net.end[0].s) &&
			    zs_is_secure(net.end[1].s));
			ck_assert(!net.end[0].failed && !net.end[1].failed);
			ck_assert_int_eq(net.end[k].alerts, alerts);
			ck_assert_str_eq(net.end[k].sas, sas);
			ck_assert_mem_eq(&net.end[k].keys, &keys, sizeof(keys));
		}
	}
	/* Hello and Confirm from both, DHPart1 and DHPart2, a Commit or two. */
	ck_assert_uint_ge(seen, 7);
}
END_TEST

START_TEST(test_late_hello_hash)
{
	char right[80];

	call(900);
	assert_agree();
	snprintf(right, sizeof(right), "%s", zs_hello_hash(net.end[1].s));
	ck_assert_int_eq(zs_set_peer_hello_hash(net.end[0].s, net.now,
	    "1.10 xyz"), ZE_INVAL);
	ck_assert_int_eq(zs_set_peer_hello_hash(net.end[0].s, net.now, right),
	    0);
	sim_settle(&net, 1000);
	ck_assert_int_eq(net.end[0].failed, 0);
	ck_assert(zs_is_secure(net.end[0].s));
	/* One hex digit off: another Hello than the one on the wire. */
	right[5] = right[5] == '0' ? '1' : '0';
	ck_assert_int_eq(zs_set_peer_hello_hash(net.end[0].s, net.now, right),
	    0);
	sim_settle(&net, 1000);
	ck_assert_int_eq(net.end[0].failed, 1);
	ck_assert_uint_eq(net.end[0].fail_wire, ZWE_HELLO_MISMATCH);
	ck_assert(!zs_is_secure(net.end[0].s));
}
END_TEST

/*
 * Issue 7: what a latching daemon may move its remote on. _i == 1: the
 * peer's a=zrtp-hash given, its first Hello proves it; _i == 0: not.
 * Never a damaged copy (bad CRC) nor a repeat; the messages that chain to
 * the Hello (Commit or DHPart, Confirm) prove themselves either way.
 */
START_TEST(test_received_proven)
{
	uint8_t p[SIM_PKT_MAX], bad[SIM_PKT_MAX];
	size_t len = 0;

	if (_i == 1) {
		sim_start(&net, 153);
		snprintf(net.end[0].cfg.peer_hello_hash,
		    sizeof(net.end[0].cfg.peer_hello_hash), "%s",
		    zs_hello_hash(net.end[1].s));
		sim_stop(&net);
	}
	sim_start(&net, 153);
	len = queued_hello(&net, 0, p);
	ck_assert_uint_gt(len, 0);
	memcpy(bad, p, len);
	bad[len - 5] ^= 0x01;		/* the CRC no longer matches */
	sim_inject(&net, 0, bad, len);
	ck_assert_int_eq(zs_received_proven(net.end[0].s), 0);
	sim_inject(&net, 0, p, len);
	ck_assert_int_eq(zs_received_proven(net.end[0].s), _i);
	sim_inject(&net, 0, p, len);
	ck_assert_int_eq(zs_received_proven(net.end[0].s), 0);
	sim_run(&net, 60000);
	assert_agree();
	ck_assert_int_ge(net.end[0].proven, 2);
	ck_assert_int_ge(net.end[1].proven, 2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("pair");

	if (zcrypto_init(0) != 0)
		return EXIT_FAILURE;
	tcase_set_timeout(tc, 600);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_algorithms_both_roles, 0,
	    2 * (int)(sizeof(combos) / sizeof(combos[0])));
	tcase_add_loop_test(tc, test_simultaneous_commits, 0, 8);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_handshake_deadline);
	tcase_add_loop_test(tc, test_both_prefer_initiator, 0, 4);
	tcase_add_loop_test(tc, test_tamper, 0,
	    (int)(sizeof(tampers) / sizeof(tampers[0])));
	tcase_add_test(tc, test_cache_continuity);
	tcase_add_test(tc, test_cache_expiry_decided);
	tcase_add_test(tc, test_lost_cache);
	tcase_add_test(tc, test_verified_flag);
	tcase_add_test(tc, test_multistream);
	tcase_add_test(tc, test_goclear_accepted);
	tcase_add_test(tc, test_srtp_acknowledges);
	tcase_add_test(tc, test_pbx_enrollment_and_relay);
	tcase_add_test(tc, test_unenrolled_scheme_relay);
	tcase_add_test(tc, test_untrusted_relay);
	tcase_add_test(tc, test_clearack_not_for_relay);
	tcase_add_test(tc, test_goclear_both);
	tcase_add_test(tc, test_preshared);
	tcase_add_test(tc, test_preshared_needs_verified);
	tcase_add_test(tc, test_cache_interval_zero);
	tcase_add_test(tc, test_nonce_reuse);
	tcase_add_test(tc, test_lost_update_recovered);
	tcase_add_test(tc, test_preshared_fallback);
	tcase_add_test(tc, test_preshared_fallback_coupling);
	tcase_add_test(tc, test_forged_hello_other_zid_multistream);
	tcase_add_test(tc, test_goclear_forged);
	tcase_add_test(tc, test_impostor_takeover);
	tcase_add_test(tc, test_unmatched_rs2_mismatch);
	tcase_add_test(tc, test_impostor_pbx_enrollment);
	tcase_add_test(tc, test_largest_hello_kept);
	tcase_add_test(tc, test_unknown_type_dropped);
	tcase_add_loop_test(tc, test_forged_hello_version, 0, 3);
	tcase_add_test(tc, test_old_version_peer);
	tcase_add_test(tc, test_forged_confirm_dropped);
	tcase_add_test(tc, test_confirm_iv_altered_dropped);
	tcase_add_test(tc, test_spoofed_helloack);
	tcase_add_test(tc, test_foreign_error_before_hello);
	tcase_add_test(tc, test_codes_table);
	tcase_add_loop_test(tc, test_resent_after_secure, 0, 2);
	tcase_add_test(tc, test_late_hello_hash);
	tcase_add_loop_test(tc, test_received_proven, 0, 2);
	tcase_add_test(tc, test_lossy_link);
	tcase_add_test(tc, test_cache_unreadable);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
