/*
 * Algorithm lists and negotiation (issue 6, items 7-10): the configuration
 * parser, what zs_new() lets into a Hello, the §5.1.5 couplings, both
 * Curve25519 names, and the documented defaults, over the simulated network.
 */
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

/* The Hellos each end sent, captured in flight by a read-only hook. */
static struct zmsg_hello hello_seen[2];
static int hello_count[2];

static void
setup(void)
{
	memset(&net, 0, sizeof(net));
	memset(hello_seen, 0, sizeof(hello_seen));
	memset(hello_count, 0, sizeof(hello_count));
	sim_config(&net.end[0].cfg, 0);
	sim_config(&net.end[1].cfg, 1);
}

static void
teardown(void)
{
	sim_stop(&net);
}

static uint32_t
blk(const char *s)
{
	return ZALGO(s[0], s[1], s[2], s[3]);
}

/* "X255,E255" as a list of one kind into a config. */
static void
set_list(struct zs_config *c, int kind, const char *names)
{
	const char *p = names;

	c->count[kind] = 0;
	while (*p != '\0') {
		c->algo[kind][c->count[kind]++] = blk(p);
		p += p[4] == ',' ? 5 : 4;
	}
}

/* The lists zs_config_defaults() gives, into a test's config. */
static void
defaults(struct zs_config *c)
{
	struct zs_config d;

	zs_config_defaults(&d);
	memcpy(c->count, d.count, sizeof(c->count));
	memcpy(c->algo, d.algo, sizeof(c->algo));
}

static void
capture_hello(struct sim *n, int from, uint8_t *p, size_t *len)
{
	struct zpkt pkt;

	(void)n;
	if (zpkt_decode(p, *len, &pkt) == 0 && pkt.msg.type == ZMSG_HELLO) {
		hello_seen[from] = pkt.msg.u.hello;
		hello_count[from]++;
	}
}

static int
index_in_hello(const struct zmsg_hello *h, int kind, const char *name)
{
	int i;

	for (i = 0; i < h->count[kind]; i++)
		if (h->algo[kind][i] == blk(name))
			return i;
	return -1;
}

static void
call(uint64_t seed)
{
	net.tamper = capture_hello;
	sim_start(&net, seed);
	sim_run(&net, 60000);
	ck_assert_int_gt(hello_count[0], 0);
	ck_assert_int_gt(hello_count[1], 0);
}

static void
assert_secure(void)
{
	ck_assert_msg(net.end[0].secure && net.end[1].secure,
	    "secure: %d %d (fail %x %x)", net.end[0].secure,
	    net.end[1].secure, net.end[0].fail_wire, net.end[1].fail_wire);
	ck_assert_str_eq(net.end[0].sas, net.end[1].sas);
}

/* Both ends agree on these five blocks. */
static void
assert_suite(const char *kex, const char *hash, const char *cipher,
    const char *auth, const char *sas)
{
	const char *want[ZALGO_KIND_COUNT] = { hash, cipher, auth, kex, sas };
	char got[ZALGO_NAME_LEN];
	int e, k;

	assert_secure();
	for (e = 0; e < 2; e++) {
		for (k = 0; k < ZALGO_KIND_COUNT; k++) {
			zalgo_name(zs_algo(net.end[e].s, (enum zalgo_kind)k),
			    got);
			ck_assert_msg(strcmp(got, want[k]) == 0,
			    "end %d kind %d: %s, want %s", e, k, got, want[k]);
		}
	}
}

/* Item 7: a name we do not run is refused, with the supported ones. */
START_TEST(test_parse_refuses_unknown)
{
	static const struct {
		int kind;
		const char *arg, *bad, *supported;
	} cases[] = {
		{ ZALGO_AUTH, "HS32,SK32", "'SK32'", "supported: HS32 HS80" },
		{ ZALGO_AUTH, "SK64", "'SK64'", "HS80" },
		{ ZALGO_KEX, "X255,E414", "'E414'", "X255 E255 X448 EC25" },
		{ ZALGO_AUTH, "SKN2", "'SKN2'", "HS32" },
		{ ZALGO_SAS, "B10D", "'B10D'", "supported: B32 B256 B32E" },
		{ ZALGO_CIPHER, "2FS1", "'2FS1'", "supported: AES1 AES3" },
		{ ZALGO_CIPHER, "AES1,AES2", "'AES2'", "supported: AES1 AES3" },
		{ ZALGO_KEX, "Mult", "'Mult'", "DH3k" },
		{ ZALGO_HASH, "S2567", "'S2567'", "S384" },
		{ ZALGO_HASH, "S256,", "", "S256" },
		{ ZALGO_HASH, ",S256", "''", "S256" },
	};
	uint32_t list[ZRTP_ALGO_MAX];
	uint8_t n = 99;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		ck_assert_int_ne(zalgo_parse_list(cases[i].kind, cases[i].arg,
		    list, &n, err, sizeof(err)), 0);
		ck_assert_msg(strstr(err, cases[i].bad) != NULL &&
		    strstr(err, cases[i].supported) != NULL, "%s: %s",
		    cases[i].arg, err);
		ck_assert_uint_eq(n, 99);	/* untouched */
	}
}
END_TEST

/* Names padded, any case, duplicates once; Curve25519 under both names. */
START_TEST(test_parse_lists)
{
	uint32_t l[ZRTP_ALGO_MAX];
	uint8_t n;
	char err[256];

	ck_assert_int_eq(zalgo_parse_list(ZALGO_SAS, "b32,B256,B32", l, &n,
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(l[0], ZSAS_B32);
	ck_assert_uint_eq(l[1], ZSAS_B256);
	ck_assert_int_eq(zalgo_parse_list(ZALGO_KEX, "X255,dh3k", l, &n,
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(l[0], blk("X255"));
	ck_assert_uint_eq(l[1], blk("E255"));
	ck_assert_uint_eq(l[2], blk("DH3k"));
	ck_assert_int_eq(zalgo_parse_list(ZALGO_KEX, "EC25,E255", l, &n,
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(l[1], blk("E255"));
	ck_assert_uint_eq(l[2], blk("X255"));
	ck_assert_int_eq(zalgo_parse_list(ZALGO_KEX,
	    "DH2k,DH3k,EC25,EC38,EC52,X448,X255", l, &n, err, sizeof(err)),
	    ZE_NOSPACE);
}
END_TEST

static void
no_random(void *arg, void *buf, size_t len)
{
	(void)arg;
	memset(buf, 0x5a, len);
}

/* Item 7, defence in depth: zs_new() refuses what no Hello may carry. */
START_TEST(test_zs_new_refuses)
{
	static const struct {
		int kind;
		const char *list;
	} bad[] = {
		{ ZALGO_AUTH, "SK32" },
		{ ZALGO_KEX, "E414" },
		{ ZALGO_SAS, "B10D" },
		{ ZALGO_CIPHER, "CAM1" },
		{ ZALGO_KEX, "Mult" },
		{ ZALGO_KEX, "X255,E255,X448,EC25,EC38,DH2k,DH3k" },
	};
	struct zs_env env = { no_random, NULL };
	struct zs_config c;
	struct zsession *s;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sim_config(&c, 0);
		set_list(&c, bad[i].kind, bad[i].list);
		s = zs_new(&c, &env);
		ck_assert_msg(s == NULL, "zs_new took %s", bad[i].list);
	}
	/* Room for Mult but not Prsh. */
	sim_config(&c, 0);
	set_list(&c, ZALGO_KEX, "X255,E255,X448,EC25,EC38,DH3k");
	ck_assert_ptr_nonnull(s = zs_new(&c, &env));
	zs_free(s);
	c.preshared = 1;
	ck_assert_ptr_null(zs_new(&c, &env));
}
END_TEST

/* Item 8: a Hello offering EC38 offers S384 and AES3 too. */
START_TEST(test_ec38_hello_coupled)
{
	struct zmsg_hello *h = &hello_seen[0];

	set_list(&net.end[0].cfg, ZALGO_KEX, "EC38");
	set_list(&net.end[1].cfg, ZALGO_KEX, "EC38");
	call(31);
	ck_assert_int_ge(index_in_hello(h, ZALGO_HASH, "S384"), 0);
	ck_assert_int_ge(index_in_hello(h, ZALGO_CIPHER, "AES3"), 0);
	/* S256 keeps its place ahead of the added S384. */
	ck_assert_int_lt(index_in_hello(h, ZALGO_HASH, "S256"),
	    index_in_hello(h, ZALGO_HASH, "S384"));
	ck_assert_int_ge(index_in_hello(h, ZALGO_KEX, "Mult"), 0);
}
END_TEST

/* Item 8: a Commit with EC38 carries S384 and AES3, either side initiating. */
START_TEST(test_ec38_commit_pairs)
{
	int init = _i;

	set_list(&net.end[0].cfg, ZALGO_KEX, "EC38");
	set_list(&net.end[1].cfg, ZALGO_KEX, "EC38,DH3k");
	net.end[init].cfg.role_pref = ZS_PREFER_INITIATOR;
	net.end[1 - init].cfg.role_pref = ZS_PREFER_RESPONDER;
	call(40 + (uint64_t)_i);
	assert_suite("EC38", "S384", "AES3", "HS32", "B32 ");
	ck_assert_int_eq(zs_role(net.end[init].s), ZS_ROLE_INITIATOR);
}
END_TEST

/* X448 (like EC52) takes S384 and AES3 where both are common. */
START_TEST(test_x448_takes_strong)
{
	set_list(&net.end[0].cfg, ZALGO_KEX, "X448");
	set_list(&net.end[1].cfg, ZALGO_KEX, "X448");
	set_list(&net.end[1].cfg, ZALGO_CIPHER, "AES1,AES3");
	net.end[0].cfg.role_pref = ZS_PREFER_INITIATOR;
	call(45);
	assert_suite("X448", "S384", "AES3", "HS32", "B32 ");
}
END_TEST

/* The Commit's hash block rewritten in flight from S384 to S256. */
static void
tamper_commit_hash(struct sim *n, int from, uint8_t *p, size_t *len)
{
	/* Packet header 12, then type 12, H2 32, ZID 12: the hash block. */
	static const size_t at = 12 + 12 + 32 + 12;

	capture_hello(n, from, p, len);
	if (*len > at + 4 && memcmp(p + 16, "Commit  ", 8) == 0 &&
	    memcmp(p + at, "S384", 4) == 0) {
		memcpy(p + at, "S256", 4);
		zpkt_seal_crc(p, *len);
	}
}

/* Item 8, responder: EC38 with a 256-bit hash breaks a MUST: Error 0x51. */
START_TEST(test_ec38_short_hash_refused)
{
	set_list(&net.end[0].cfg, ZALGO_KEX, "EC38");
	set_list(&net.end[1].cfg, ZALGO_KEX, "EC38");
	net.end[0].cfg.role_pref = ZS_PREFER_INITIATOR;
	net.end[1].cfg.role_pref = ZS_PREFER_RESPONDER;
	sim_start(&net, 50);
	net.tamper = tamper_commit_hash;
	sim_run(&net, 60000);
	ck_assert(net.end[1].failed);
	ck_assert_uint_eq(net.end[1].fail_wire, ZWE_HASH);
	ck_assert(!net.end[0].secure);
}
END_TEST

/*
 * Item 9: our defaults against a peer that knows Curve25519 only as E255
 * (GNU ZRTP's name), then only as X255 (bzrtp's), each side initiating:
 * agreed under the peer's name, which the Commit and total_hash carry.
 */
START_TEST(test_curve25519_names)
{
	const char *name = _i < 2 ? "E255" : "X255";
	int init = _i % 2;

	defaults(&net.end[0].cfg);
	set_list(&net.end[1].cfg, ZALGO_KEX, name);
	net.end[init].cfg.role_pref = ZS_PREFER_INITIATOR;
	net.end[1 - init].cfg.role_pref = ZS_PREFER_RESPONDER;
	call(60 + (uint64_t)_i);
	assert_secure();
	ck_assert_uint_eq(zs_algo(net.end[0].s, ZALGO_KEX), blk(name));
	ck_assert_uint_eq(zs_algo(net.end[1].s, ZALGO_KEX), blk(name));
	ck_assert_int_eq(zs_role(net.end[init].s), ZS_ROLE_INITIATOR);
}
END_TEST

/* Item 9: a peer listing both names its own way round: we echo its first. */
START_TEST(test_curve25519_echo)
{
	defaults(&net.end[0].cfg);
	set_list(&net.end[1].cfg, ZALGO_KEX, "E255,X255,DH3k");
	net.end[0].cfg.role_pref = ZS_PREFER_INITIATOR;
	net.end[1].cfg.role_pref = ZS_PREFER_RESPONDER;
	call(70);
	assert_secure();
	ck_assert_uint_eq(zs_algo(net.end[0].s, ZALGO_KEX), blk("E255"));
}
END_TEST

/*
 * §4.1.2's "faster of both first choices" ranks as bzrtp and GNU ZRTP
 * rank (DH2k before Curve25519), so both ends of a call agree.
 */
START_TEST(test_kex_rank)
{
	int init = _i;

	set_list(&net.end[0].cfg, ZALGO_KEX, "X255,DH2k");
	set_list(&net.end[1].cfg, ZALGO_KEX, "DH2k,X255");
	net.end[init].cfg.role_pref = ZS_PREFER_INITIATOR;
	net.end[1 - init].cfg.role_pref = ZS_PREFER_RESPONDER;
	call(75 + (uint64_t)_i);
	assert_suite("DH2k", "S256", "AES1", "HS32", "B32 ");
	ck_assert_int_eq(net.end[0].kex_jobs, 2);
	ck_assert_int_eq(net.end[1].kex_jobs, 2);
}
END_TEST

/* Item 10: the default Hello, as docs/engine.md lists it. */
START_TEST(test_default_hello)
{
	static const char *const want[ZALGO_KIND_COUNT] = {
		"S256S384", "AES1AES3", "HS80HS32", "X255E255EC25DH3kEC38Mult",
		"B32 B256"
	};
	const struct zmsg_hello *h = &hello_seen[0];
	char got[4 * ZRTP_ALGO_MAX + 1];
	int k, i;

	defaults(&net.end[0].cfg);
	defaults(&net.end[1].cfg);
	call(80);
	for (k = 0; k < ZALGO_KIND_COUNT; k++) {
		for (i = 0; i < h->count[k]; i++)
			zalgo_name(h->algo[k][i], got + 4 * i);
		got[4 * i] = '\0';
		ck_assert_str_eq(got, want[k]);
	}
}
END_TEST

/*
 * Item 10: two default ends agree on X255/S256/AES1/HS80/B32, whoever
 * initiates; against a peer configured as GNU ZRTP ships (E255 first,
 * S384 and AES3 first, HS32 first), the documented choice per role.
 */
START_TEST(test_default_choice)
{
	int init = _i % 2;

	defaults(&net.end[0].cfg);
	defaults(&net.end[1].cfg);
	if (_i >= 2) {
		set_list(&net.end[1].cfg, ZALGO_HASH, "S384,S256");
		set_list(&net.end[1].cfg, ZALGO_CIPHER, "AES3,AES1");
		set_list(&net.end[1].cfg, ZALGO_AUTH, "HS32,HS80");
		set_list(&net.end[1].cfg, ZALGO_KEX,
		    "E255,EC25,DH3k,DH2k,EC38");
		set_list(&net.end[1].cfg, ZALGO_SAS, "B32 ,B256,B32E");
	}
	net.end[init].cfg.role_pref = ZS_PREFER_INITIATOR;
	net.end[1 - init].cfg.role_pref = ZS_PREFER_RESPONDER;
	call(90 + (uint64_t)_i);
	if (_i < 2)
		assert_suite("X255", "S256", "AES1", "HS80", "B32 ");
	else if (init == 0)
		assert_suite("E255", "S256", "AES1", "HS80", "B32 ");
	else
		assert_suite("E255", "S384", "AES3", "HS32", "B32 ");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("algo");
	TCase *tc = tcase_create("lists");

	/* Sessions keep their secrets in the arena zcrypto_init() makes. */
	if (zcrypto_init(0) != 0) {
		fprintf(stderr, "check_algo: zcrypto_init failed\n");
		return EXIT_FAILURE;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_parse_refuses_unknown);
	tcase_add_test(tc, test_parse_lists);
	tcase_add_test(tc, test_zs_new_refuses);
	tcase_add_test(tc, test_ec38_hello_coupled);
	tcase_add_loop_test(tc, test_ec38_commit_pairs, 0, 2);
	tcase_add_test(tc, test_x448_takes_strong);
	tcase_add_test(tc, test_ec38_short_hash_refused);
	tcase_add_loop_test(tc, test_curve25519_names, 0, 4);
	tcase_add_test(tc, test_curve25519_echo);
	tcase_add_loop_test(tc, test_kex_rank, 0, 2);
	tcase_add_test(tc, test_default_hello);
	tcase_add_loop_test(tc, test_default_choice, 0, 4);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
