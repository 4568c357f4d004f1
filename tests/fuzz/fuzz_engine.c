/*
 * libFuzzer target for the engine's receive path (RFC 6189 §4-§6): each
 * input is a script of datagrams, timer firings, SAS verdicts and clock
 * steps played against one live session "A", whose other actions the
 * harness answers itself. Deterministic per input. It aborts when a call
 * that only fails for caller mistakes fails, when A sends a packet our own
 * decoder refuses, or when an action reports nonsense.
 */
#include <stdlib.h>
#include <string.h>

#include "algo.h"
#include "engine.h"
#include "packet.h"
#include "zcrypto.h"
#include "zerr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Script: a setup octet, a cache octet, then at most FE_OPS_MAX operations,
 * each an octet (modulo FE_OP_COUNT) and its operands:
 *   FE_DELIVER	length (2 octets, big-endian, cut to what is left), bytes;
 *		the CRC trailer is resealed so mutations reach the decoder
 *   FE_TIMER	fire A's timer if it is armed
 *   FE_VERDICT	one octet: the user's SAS verdict is bit 0
 *   FE_ADVANCE	one octet: the clock moves 1 + 8 * octet ms
 *   FE_GOCLEAR	the user asks to go clear (§4.7.2)
 *   FE_REDELIVER	index, offset (2 octets), xor: an earlier datagram of
 *		this script again, one octet changed unless xor is 0
 *		(duplicates, reordering and late tampering come cheap)
 */
#define FE_SETUP_ROLE	0x03	/* % 3: any, initiator, responder */
#define FE_SETUP_DH2K	0x04	/* else X255 */
#define FE_SETUP_MULT	0x08	/* Multistream with a fixed ZRTPSess */
#define FE_SETUP_NOCACHE 0x10	/* cache_expiry 0: nothing is retained */
#define FE_SETUP_CLEAR	0x20	/* allow_clear */
#define FE_SETUP_AUX	0x40	/* a fixed auxsecret */
#define FE_SETUP_HASH	0x80	/* an a=zrtp-hash no Hello matches */

/*
 * The cache octet % FE_CACHE_COUNT is the entry answered to ZSA_CACHE_LOOKUP;
 * octet / FE_CACHE_COUNT holds FE_CACHE_RICH, FE_CACHE_PRSH and
 * FE_CACHE_TENT.
 */
enum fe_cache {
	FE_CACHE_NONE,
	FE_CACHE_RS1,
	FE_CACHE_RS1_RS2,
	FE_CACHE_VERIFIED,	/* rs1, rs2 and the V flag */
	FE_CACHE_RS2,		/* rs1 expired */
	FE_CACHE_COUNT
};
#define FE_CACHE_RICH	0x1	/* longer algorithm lists, S384 first */
#define FE_CACHE_PRSH	0x2	/* Preshared mode allowed (§4.4.2) */
#define FE_CACHE_TENT	0x4	/* the row is a first contact's, tentative */

enum fe_op {
	FE_DELIVER,
	FE_TIMER,
	FE_VERDICT,
	FE_ADVANCE,
	FE_GOCLEAR,
	FE_REDELIVER,
	FE_OP_COUNT
};

#define FE_OPS_MAX	64
#define FE_SEED_A	0x2545f4914f6cdd1dull
#define FE_START_MS	1000
#define FE_TIMER_MAX_MS	60000	/* the default handshake deadline */

/* Fixed secrets: a generated peer holding the same ones matches them. */
static const uint8_t fe_rs1[ZRTP_RS_LEN] = { 0x51, 0x01, 0x5e, 0xc1 };
static const uint8_t fe_rs2[ZRTP_RS_LEN] = { 0x52, 0x02, 0x5e, 0xc2 };
static const uint8_t fe_aux[] = "fuzz auxsecret";
static const uint8_t fe_zrtp_sess[32] = { 0x5e, 0x55 };

struct fe {
	struct zsession	*s;
	struct zs_config cfg;
	uint64_t	 rng;
	uint64_t	 now;
	uint8_t		 cache_octet;
	int		 timer_armed;
	uint64_t	 timer_at;
	int		 have_peer;
	uint8_t		 peer_zid[ZRTP_ZID_LEN];
	int		 secure, failed, clear, sas_seen, mismatch, verified;
	int		 overlap;	/* the SAS said: a tentative row unproved */
	int		 stores;
	int		 srtp_rx;	/* ZSA_SRTP_RX seen */
	struct zs_srtp_keys rx_keys;	/* what it carried */
	int		 mult;		/* a Multistream stream */
	char		 sas[ZSAS_TEXT_MAX];
	/* Datagrams delivered so far, as views into the input. */
	const uint8_t	*past[FE_OPS_MAX];
	size_t		 past_len[FE_OPS_MAX];
	size_t		 npast;
	/* The seed generator's tap on A's datagrams; NULL when fuzzing. */
	void		(*tap)(void *arg, const uint8_t *p, size_t len);
	void		*tap_arg;
};

static void
fe_random(void *arg, void *buf, size_t len)
{
	uint64_t *x = arg;
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		*x ^= *x << 13;
		*x ^= *x >> 7;
		*x ^= *x << 17;
		p[i] = (uint8_t)(*x >> 24);
	}
}

static void
fe_prefer(struct zs_config *c, int kind, uint32_t block)
{
	c->algo[kind][c->count[kind]++] = block;
}

/* One side's configuration from the two header octets; ZID by `which`. */
static void
fe_config(struct zs_config *c, uint8_t setup, uint8_t cache_octet, int which)
{
	zs_config_defaults(c);
	memset(c->count, 0, sizeof(c->count));	/* the corpus's lists */
	memset(c->zid, which ? 0xb0 : 0xa0, ZRTP_ZID_LEN);
	c->zid[11] = (uint8_t)which;
	c->ssrc = which ? 0x22222222 : 0x11111111;
	c->role_pref = (enum zs_role_pref)((setup & FE_SETUP_ROLE) % 3);
	fe_prefer(c, ZALGO_KEX, (setup & FE_SETUP_DH2K) ?
	    ZALGO('D', 'H', '2', 'k') : ZALGO('X', '2', '5', '5'));
	if ((cache_octet / FE_CACHE_COUNT) & FE_CACHE_RICH) {
		fe_prefer(c, ZALGO_HASH, ZALGO('S', '3', '8', '4'));
		fe_prefer(c, ZALGO_CIPHER, ZALGO('A', 'E', 'S', '3'));
		fe_prefer(c, ZALGO_CIPHER, ZALGO('2', 'F', 'S', '1'));
		fe_prefer(c, ZALGO_AUTH, ZALGO('H', 'S', '8', '0'));
		fe_prefer(c, ZALGO_SAS, ZSAS_B256);
	}
	c->preshared = ((cache_octet / FE_CACHE_COUNT) & FE_CACHE_PRSH) != 0;
	/* The caller drops this reference once zs_new() took its own. */
	if ((c->call = zcall_new(fe_aux, (setup & FE_SETUP_AUX) ?
	    sizeof(fe_aux) - 1 : 0)) == NULL)
		abort();
	if (setup & FE_SETUP_MULT) {
		/* As if the first stream ran S256/AES1/HS32 with the other. */
		uint32_t algo[ZALGO_KIND_COUNT] = { 0 };
		uint8_t peer[ZRTP_ZID_LEN];

		algo[ZALGO_HASH] = ZALGO('S', '2', '5', '6');
		algo[ZALGO_CIPHER] = ZALGO('A', 'E', 'S', '1');
		algo[ZALGO_AUTH] = ZALGO('H', 'S', '3', '2');
		algo[ZALGO_SAS] = ZSAS_B32;
		memset(peer, which ? 0xa0 : 0xb0, ZRTP_ZID_LEN);
		peer[11] = (uint8_t)(1 - which);
		if (zcall_fill(c->call, fe_zrtp_sess, sizeof(fe_zrtp_sess),
		    algo, peer) != 0)
			abort();
	}
	if (setup & FE_SETUP_NOCACHE)
		c->cache_expiry = 0;
	c->allow_clear = (setup & FE_SETUP_CLEAR) != 0;
	if (setup & FE_SETUP_HASH)
		memset(c->peer_hello_hash, 'f', 64);
}

static void
fe_cache_entry(uint8_t cache_octet, struct zs_cache_entry *e)
{
	memset(e, 0, sizeof(*e));
	switch (cache_octet % FE_CACHE_COUNT) {
	case FE_CACHE_VERIFIED:
		e->verified = 1;
		/* FALLTHROUGH */
	case FE_CACHE_RS1_RS2:
		e->rs2_valid = 1;
		memcpy(e->rs2, fe_rs2, ZRTP_RS_LEN);
		/* FALLTHROUGH */
	case FE_CACHE_RS1:
		e->found = e->rs1_valid = 1;
		memcpy(e->rs1, fe_rs1, ZRTP_RS_LEN);
		break;
	case FE_CACHE_RS2:
		e->found = e->rs2_valid = 1;
		memcpy(e->rs2, fe_rs2, ZRTP_RS_LEN);
		break;
	default:
		break;
	}
	e->tentative = ((cache_octet / FE_CACHE_COUNT) & FE_CACHE_TENT) != 0;
}

/* Every datagram A sends must pass our own decoder, from A's SSRC. */
static void
fe_check_send(struct fe *f, const struct zs_action *a)
{
	struct zpkt pkt;

	if (a->u.send.p == NULL || a->u.send.len > ZRTP_PKT_MAX ||
	    zpkt_decode(a->u.send.p, a->u.send.len, &pkt) != 0 ||
	    pkt.ssrc != f->cfg.ssrc)
		abort();
	if (f->tap != NULL)
		f->tap(f->tap_arg, a->u.send.p, a->u.send.len);
}

static int
fe_in(const uint32_t *list, size_t n, uint32_t block)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == block)
			return 1;
	return 0;
}

/*
 * §4.1.2: every negotiated block is one A offered, mandatory ones implied;
 * Multistream and Preshared only when configured.
 */
static void
fe_check_algos(const struct fe *f)
{
	static const uint32_t mandatory[ZALGO_KIND_COUNT][3] = {
		{ ZALGO('S', '2', '5', '6'), 0 },
		{ ZALGO('A', 'E', 'S', '1'), 0 },
		{ ZALGO('H', 'S', '3', '2'), ZALGO('H', 'S', '8', '0') },
		{ ZALGO('D', 'H', '3', 'k'), ZKEX_BLOCK_MULT, ZKEX_BLOCK_PRSH },
		{ ZSAS_B32, 0 },
	};
	uint32_t b;
	int k;

	for (k = 0; k < ZALGO_KIND_COUNT; k++) {
		b = zs_algo(f->s, (enum zalgo_kind)k);
		if (!fe_in(mandatory[k], 3, b) &&
		    !fe_in(f->cfg.algo[k], f->cfg.count[k], b))
			abort();
	}
	b = zs_algo(f->s, ZALGO_KEX);
	if ((b == ZKEX_BLOCK_MULT) != f->mult ||
	    (b == ZKEX_BLOCK_PRSH && !f->cfg.preshared))
		abort();
}

static void
fe_check_sas(struct fe *f, const struct zs_action *a)
{
	size_t n = strnlen(a->u.sas.text, sizeof(a->u.sas.text));

	if (n == 0 || n == sizeof(a->u.sas.text) || f->sas_seen++ ||
	    !zsas_supported(a->u.sas.scheme) || f->mult)
		abort();
	/* docs/engine.md, "First contacts that overlap": never both, and
	 * only from a tentative row. */
	if (a->u.sas.overlap && (a->u.sas.cache_mismatch ||
	    !(((f->cache_octet / FE_CACHE_COUNT) & FE_CACHE_TENT))))
		abort();
	f->overlap = a->u.sas.overlap;
	f->mismatch = a->u.sas.cache_mismatch;
	memcpy(f->sas, a->u.sas.text, sizeof(f->sas));
}

static void
fe_check_secure(struct fe *f, const struct zs_action *a)
{
	const struct zs_srtp_keys *k = &a->u.secure;
	enum zcipher_alg c;

	if (f->secure++ || f->failed || f->clear || k->key_len == 0 ||
	    k->key_len > ZCIPHER_KEY_MAX ||
	    zalgo_cipher(k->cipher, &c) != 0 ||
	    (k->auth != ZALGO('H', 'S', '3', '2') &&
	    k->auth != ZALGO('H', 'S', '8', '0')) ||
	    memcmp(k->tx_key, k->rx_key, k->key_len) == 0 ||
	    (f->srtp_rx && memcmp(&f->rx_keys, k, sizeof(*k)) != 0))
		abort();
	fe_check_algos(f);
}

/*
 * §4.6.1: stored after secure, for the peer, never after a cache mismatch
 * the user has not verified (§4.6.1.1), never when caching is off.
 */
static void
fe_check_store(struct fe *f, const struct zs_action *a)
{
	if (!f->secure || !f->have_peer ||
	    memcmp(a->u.store.zid, f->peer_zid, ZRTP_ZID_LEN) != 0 ||
	    a->u.store.rs1_expires == 0 || f->cfg.cache_expiry == 0 ||
	    f->mult || (f->mismatch && !f->verified))
		abort();
	/* An overlapping first contact's store: fresh, no rs2, no V. */
	if (f->overlap && (!a->u.store.fresh || a->u.store.rs2_valid ||
	    a->u.store.verified || a->u.store.matched))
		abort();
	f->stores++;
}

static void
fe_drain(struct fe *f)
{
	struct zs_cache_entry e;
	struct zs_action a;

	while (zs_next_action(f->s, &a)) {
		switch (a.type) {
		case ZSA_SEND:
			fe_check_send(f, &a);
			break;
		case ZSA_TIMER:
			if (a.u.timer_ms > FE_TIMER_MAX_MS)
				abort();
			f->timer_armed = a.u.timer_ms != 0;
			f->timer_at = f->now + a.u.timer_ms;
			break;
		case ZSA_KEX:
			if (a.u.kex == NULL)
				abort();
			zs_kex_run(a.u.kex);
			if (zs_kex_done(f->s, f->now, a.u.kex) != 0)
				abort();
			break;
		case ZSA_CACHE_LOOKUP:
			if (!f->have_peer ||
			    memcmp(a.u.zid, f->peer_zid, ZRTP_ZID_LEN) != 0)
				abort();
			fe_cache_entry(f->cache_octet, &e);
			if (zs_cache_loaded(f->s, f->now, &e) != 0)
				abort();
			break;
		case ZSA_PEER:
			if (f->have_peer++)
				abort();
			memcpy(f->peer_zid, a.u.peer.zid, ZRTP_ZID_LEN);
			break;
		case ZSA_SAS:
			fe_check_sas(f, &a);
			break;
		case ZSA_SECURE:
			fe_check_secure(f, &a);
			break;
		case ZSA_SRTP_RX:
			/* §4.6: an initiator's, once, before secure. */
			if (f->srtp_rx++ || f->secure || f->failed ||
			    zs_role(f->s) != ZS_ROLE_INITIATOR)
				abort();
			f->rx_keys = a.u.secure;
			break;
		case ZSA_CACHE_STORE:
			fe_check_store(f, &a);
			break;
		case ZSA_ENROLL:
		case ZSA_CACHE_PBX:
		case ZSA_CACHE_EXPIRE:
			/* Only from a secure DH/Prsh call. */
			if (!f->secure || f->failed)
				abort();
			break;
		case ZSA_CACHE_VERIFIED:
			/* Only after a store, for the peer we talked to. */
			if (!f->secure || f->stores == 0 || !f->have_peer ||
			    memcmp(a.u.verified.zid, f->peer_zid,
			    ZRTP_ZID_LEN) != 0)
				abort();
			/* Nothing proved the row: the verdict is bound. */
			if (f->overlap && a.u.verified.verified &&
			    !a.u.verified.bound)
				abort();
			break;
		case ZSA_ALERT:
			/* Every alert: a stable code and a text. */
			if (a.u.alert.text == NULL ||
			    strcmp(zcode_name(a.u.alert.code), "unknown") == 0)
				abort();
			break;
		case ZSA_CLEAR:
			/* §4.7.2: once, and only from secure. */
			if (!f->secure || f->failed || f->clear++)
				abort();
			break;
		case ZSA_FAILED:
			/* Once secure, only the peer's Error ends the call. */
			/* A named code and never the success code (zerr). */
			if (a.u.failed.what == NULL || f->failed++ ||
			    (f->secure && !a.u.failed.from_peer) ||
			    a.u.failed.error >= 0 ||
			    strcmp(zcode_name(a.u.failed.code), "unknown") == 0)
				abort();
			break;
		default:
			abort();
		}
	}
}

/* A fresh, started session A; no crypto state survives between inputs. */
static void
fe_begin(struct fe *f, uint8_t setup, uint8_t cache_octet)
{
	static int ready;
	struct zs_env env;

	if (!ready) {
		if (zcrypto_init(0) != 0)
			abort();
		ready = 1;
	}
	memset(f->peer_zid, 0, sizeof(f->peer_zid));
	memset(f->sas, 0, sizeof(f->sas));
	f->have_peer = f->secure = f->failed = f->clear = f->sas_seen = 0;
	f->mismatch = f->verified = f->stores = f->srtp_rx = 0;
	f->timer_armed = 0;
	f->npast = 0;
	f->rng = FE_SEED_A;
	f->now = FE_START_MS;
	f->cache_octet = cache_octet;
	fe_config(&f->cfg, setup, cache_octet, 0);
	f->mult = (setup & FE_SETUP_MULT) != 0;
	env.random = fe_random;
	env.random_arg = &f->rng;
	f->s = zs_new(&f->cfg, &env);
	zcall_unref(f->cfg.call);
	f->cfg.call = NULL;
	if (f->s == NULL || zs_start(f->s, f->now) != 0)
		abort();
	fe_drain(f);
}

/* Accepts a session never begun (a script shorter than its header). */
static void
fe_end(struct fe *f)
{
	zs_free(f->s);
	f->s = NULL;
}

/*
 * The bytes in a buffer of exactly their size, so ASan sees overreads;
 * when xor is not 0 it changes the octet at off % len first.
 */
static void
fe_deliver_changed(struct fe *f, const uint8_t *p, size_t len, size_t off,
    uint8_t xor)
{
	uint8_t *pkt;

	if ((pkt = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	if (len > 0) {
		memcpy(pkt, p, len);
		pkt[off % len] ^= xor;
	}
	if (len >= ZRTP_PKT_OVERHEAD && zpkt_seal_crc(pkt, len) != 0)
		abort();
	if (zs_receive(f->s, f->now, pkt, len) != 0)
		abort();
	free(pkt);
	fe_drain(f);
}

static void
fe_deliver(struct fe *f, const uint8_t *p, size_t len)
{
	if (f->npast < FE_OPS_MAX) {
		f->past[f->npast] = p;
		f->past_len[f->npast++] = len;
	}
	fe_deliver_changed(f, p, len, 0, 0);
}

static void
fe_redeliver(struct fe *f, const uint8_t *op, size_t n)
{
	size_t i;

	if (f->npast == 0 || n < 4)
		return;
	i = op[0] % f->npast;
	fe_deliver_changed(f, f->past[i], f->past_len[i],
	    (size_t)op[1] << 8 | op[2], op[3]);
}

static void
fe_fire(struct fe *f)
{
	if (!f->timer_armed)
		return;
	f->timer_armed = 0;
	/* A timer fires when it is due: time has reached it. */
	if (f->timer_at > f->now)
		f->now = f->timer_at;
	if (zs_timer(f->s, f->now) != 0)
		abort();
	fe_drain(f);
}

/* §7.1: a verdict is refused only outside a secure DH session. */
static void
fe_verdict(struct fe *f, int verified)
{
	size_t len;
	int want_ok = zs_is_secure(f->s) && zs_zrtp_sess(f->s, &len) != NULL;

	if ((zs_sas_verdict(f->s, f->now, verified) == 0) != want_ok)
		abort();
	/* Once verified, rs1 may be written; a later "not verified" only
	 * rewrites the V flag. */
	if (want_ok && verified)
		f->verified = 1;
	fe_drain(f);
}

/*
 * §4.7.2: refused but for a secure DH or Preshared call whose peer allowed
 * it (A flag); then A sends GoClear.
 */
static void
fe_go_clear(struct fe *f)
{
	int was_secure = zs_is_secure(f->s), r;

	r = zs_go_clear(f->s, f->now);
	if ((r != 0 && r != ZE_INVAL) || (r == 0 && !was_secure))
		abort();
	fe_drain(f);
}

static void
fe_script(struct fe *f, const uint8_t *data, size_t size)
{
	size_t off = 2, len;
	int ops;

	if (size < 2)
		return;
	fe_begin(f, data[0], data[1]);
	for (ops = 0; off < size && ops < FE_OPS_MAX; ops++) {
		switch (data[off++] % FE_OP_COUNT) {
		case FE_DELIVER:
			len = 0;
			if (size - off >= 2) {
				len = (size_t)data[off] << 8 | data[off + 1];
				off += 2;
			}
			if (len > size - off)
				len = size - off;
			fe_deliver(f, data + off, len);
			off += len;
			break;
		case FE_TIMER:
			fe_fire(f);
			break;
		case FE_VERDICT:
			fe_verdict(f, off < size ? data[off++] & 1 : 1);
			break;
		case FE_ADVANCE:
			f->now += 1 + 8 * (uint64_t)(off < size ? data[off++] : 0);
			break;
		case FE_GOCLEAR:
			fe_go_clear(f);
			break;
		case FE_REDELIVER:
			fe_redeliver(f, data + off, size - off);
			off += size - off < 4 ? size - off : 4;
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fe f;

	fe_script(&f, data, size);
	fe_end(&f);
	return 0;
}
