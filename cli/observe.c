/*
 * Passive checks of a recorded exchange. Uses only proto/ and crypto/
 * functions the engine also uses, so a capture from an independent
 * implementation proves our hash chain, MAC and hvi computations.
 */
#include <stdlib.h>
#include <string.h>

#include "algo.h"
#include "hashchain.h"
#include "observe.h"
#include "zcrypto.h"
#include "zerr.h"

void
observe_init(struct observer *o)
{
	memset(o, 0, sizeof(*o));
}

static struct obs_endpoint *
observe_endpoint(struct observer *o, uint32_t ssrc)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (o->ep[i].ssrc == ssrc)
			return &o->ep[i];
	if (o->n == OBS_ENDPOINTS_MAX)
		return NULL;
	o->ep[o->n].ssrc = ssrc;
	return &o->ep[o->n++];
}

static int
observe_keep(struct obs_msg *k, const struct zview *raw)
{
	if (k->seen++) {
		if (raw->len != k->len || memcmp(raw->p, k->raw, k->len) != 0)
			k->differ = 1;
		return 0;
	}
	if ((k->raw = malloc(raw->len)) == NULL)
		return ZE_NOMEM;
	memcpy(k->raw, raw->p, raw->len);
	k->len = raw->len;
	return zmsg_decode(k->raw, k->len, &k->m);
}

int
observe_packet(struct observer *o, uint32_t ssrc, const struct zview *raw_msg,
    enum zmsg_type type)
{
	struct obs_endpoint *e;

	if ((e = observe_endpoint(o, ssrc)) == NULL)
		return ZE_NOSPACE;
	switch (type) {
	case ZMSG_HELLO:
		return observe_keep(&e->hello, raw_msg);
	case ZMSG_COMMIT:
		return observe_keep(&e->commit, raw_msg);
	case ZMSG_DHPART1:
		return observe_keep(&e->dhpart1, raw_msg);
	case ZMSG_DHPART2:
		return observe_keep(&e->dhpart2, raw_msg);
	default:
		return 0;
	}
}

static const struct obs_endpoint *
observe_find(const struct observer *o, size_t offset)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (((const struct obs_msg *)((const char *)&o->ep[i] +
		    offset))->seen)
			return &o->ep[i];
	return NULL;
}

/* Reports one check; 1 when it failed. */
static int
obs_check(obs_report_fn report, void *arg, uint32_t ssrc, const char *name,
    int ok)
{
	report(arg, ssrc, name, ok);
	return !ok;
}

/* Initiator side: Hello <- Commit <- DHPart2 links, MACs and hvi. */
static int
observe_initiator(const struct obs_endpoint *e, const struct obs_endpoint *r,
    obs_report_fn report, void *arg)
{
	const struct zmsg_commit *c = &e->commit.m.u.commit;
	uint8_t hvi[ZRTP_HVI_LEN];
	enum zhash_alg alg;
	int bad = 0;

	if (e->hello.seen) {
		bad += obs_check(report, arg, e->ssrc, "Commit H2 hashes to Hello H3",
		    zchain_check(c->h2, e->hello.m.u.hello.h3) == 0);
		bad += obs_check(report, arg, e->ssrc, "Hello MAC verifies with H2",
		    zmsg_mac_check(e->hello.raw, e->hello.len, c->h2) == 0);
		bad += obs_check(report, arg, e->ssrc, "Commit ZID equals Hello ZID",
		    memcmp(c->zid, e->hello.m.u.hello.zid, ZRTP_ZID_LEN) == 0);
	}
	if (e->dhpart2.seen) {
		bad += obs_check(report, arg, e->ssrc, "DHPart2 H1 hashes to Commit H2",
		    zchain_check(e->dhpart2.m.u.dhpart.h1, c->h2) == 0);
		bad += obs_check(report, arg, e->ssrc, "Commit MAC verifies with H1",
		    zmsg_mac_check(e->commit.raw, e->commit.len,
		    e->dhpart2.m.u.dhpart.h1) == 0);
	}
	if (e->dhpart2.seen && r != NULL && r->hello.seen) {
		bad += obs_check(report, arg, e->ssrc, "hvi = hash(DHPart2 || responder's Hello)",
		    zalgo_hash(c->algo[ZALGO_HASH], &alg) == 0 &&
		    zhvi_compute(alg, e->dhpart2.raw, e->dhpart2.len,
		    r->hello.raw, r->hello.len, hvi) == 0 &&
		    zct_eq(hvi, c->hvi, sizeof(hvi)));
	}
	return bad;
}

/* Responder side: DHPart1's H1 gives H2, which must chain to Hello's H3. */
static int
observe_responder(const struct obs_endpoint *e, uint32_t kex_block,
    obs_report_fn report, void *arg)
{
	uint8_t h2[ZRTP_HASH_IMAGE_LEN];
	enum zkex_alg kex;
	int bad = 0;

	if (zhash(ZHASH_S256, e->dhpart1.m.u.dhpart.h1, ZRTP_HASH_IMAGE_LEN,
	    h2) != 0)
		return 1;
	if (e->hello.seen) {
		bad += obs_check(report, arg, e->ssrc, "DHPart1 H1 chains to Hello H3",
		    zchain_check(h2, e->hello.m.u.hello.h3) == 0);
		bad += obs_check(report, arg, e->ssrc, "Hello MAC verifies with H2",
		    zmsg_mac_check(e->hello.raw, e->hello.len, h2) == 0);
	}
	if (zalgo_kex(kex_block, &kex) == 0)
		bad += obs_check(report, arg, e->ssrc, "DHPart1 pv length fits the key agreement",
		    e->dhpart1.m.u.dhpart.pv.len == zkex_pv_len(kex));
	return bad;
}

static int
observe_retransmissions(const struct obs_endpoint *e, obs_report_fn report,
    void *arg)
{
	int bad = 0;

	if (e->hello.seen > 1 || e->commit.seen > 1 || e->dhpart1.seen > 1 ||
	    e->dhpart2.seen > 1)
		bad += obs_check(report, arg, e->ssrc, "retransmissions identical to the first copy",
		    !e->hello.differ && !e->commit.differ &&
		    !e->dhpart1.differ && !e->dhpart2.differ);
	return bad;
}

int
observe_verify(const struct observer *o, obs_report_fn report, void *arg)
{
	const struct obs_endpoint *resp, *init;
	uint32_t kex_block = 0;
	size_t i;
	int bad = 0;

	resp = observe_find(o, offsetof(struct obs_endpoint, dhpart1));
	init = observe_find(o, offsetof(struct obs_endpoint, dhpart2));
	if (init != NULL && init->commit.seen)
		kex_block = init->commit.m.u.commit.algo[ZALGO_KEX];
	for (i = 0; i < o->n; i++) {
		if (o->ep[i].commit.seen)
			bad += observe_initiator(&o->ep[i],
			    &o->ep[i] == init ? resp : NULL, report, arg);
		bad += observe_retransmissions(&o->ep[i], report, arg);
	}
	if (resp != NULL)
		bad += observe_responder(resp, kex_block, report, arg);
	return bad;
}

void
observe_free(struct observer *o)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		free(o->ep[i].hello.raw);
		free(o->ep[i].commit.raw);
		free(o->ep[i].dhpart1.raw);
		free(o->ep[i].dhpart2.raw);
	}
	memset(o, 0, sizeof(*o));
}
