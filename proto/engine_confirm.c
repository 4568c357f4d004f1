/*
 * Confirm1, Confirm2, Conf2ACK (RFC 6189 §4.6, §5.7, §5.8): the encrypted
 * confirmation, the last hash-chain links, the SAS, the SRTP keys and the
 * retained-secret update. Also GoClear policy and the user's SAS verdict.
 */
#include <string.h>

#include "engine_int.h"
#include "zcrypto.h"
#include "zerr.h"

#define ZS_CONFIRM_BODY_MAX	40	/* we send no signature */
/* H0, flags word, expiry, and a signature of up to 511 words. */
#define ZS_CONFIRM_PLAIN_MAX	(ZS_CONFIRM_BODY_MAX + 4 * ZRTP_SIG_LEN_MAX)

static int
zs_we_initiate(const struct zsession *s)
{
	return s->role == ZS_ROLE_INITIATOR;
}

/* §5.7: confirm_mac = MAC(mackey, encrypted part), truncated to 64 bits. */
static int
zs_confirm_mac(const struct zsession *s, const uint8_t *mackey,
    const uint8_t *p, size_t len, uint8_t out[ZRTP_MAC_LEN])
{
	uint8_t mac[ZHASH_MAX_LEN];
	int r;

	if ((r = zhmac(s->hash, mackey, s->sec->keys.hash_len, p, len, mac)) == 0)
		memcpy(out, mac, ZRTP_MAC_LEN);
	zwipe(mac, sizeof(mac));
	return r;
}

/* §5.7, §5.13: our zrtpkey encrypts the region, our mackey MACs it. */
static int
zs_seal(struct zsession *s, const uint8_t *plain, size_t len,
    uint8_t *sealed, struct zmsg_sealed *m)
{
	const uint8_t *key = zs_we_initiate(s) ? s->sec->keys.zrtpkey_i :
	    s->sec->keys.zrtpkey_r;
	const uint8_t *mackey = zs_we_initiate(s) ? s->sec->keys.mackey_i :
	    s->sec->keys.mackey_r;
	int r;

	zs_random(s, m->iv, ZRTP_IV_LEN);
	if ((r = zcfb_encrypt(s->cipher, key, m->iv, plain, sealed,
	    len)) != 0 ||
	    (r = zs_confirm_mac(s, mackey, sealed, len, m->mac)) != 0)
		return r;
	m->sealed.p = sealed;
	m->sealed.len = len;
	return 0;
}

/*
 * The peer's region: its MAC first (ZE_BAD_MAC), then the length, then
 * decryption. plain holds the largest region a Confirm or SASrelay can
 * carry (a 511-word signature), so only a forgery fails before the MAC.
 */
static int
zs_unseal(struct zsession *s, const struct zmsg_sealed *c,
    uint8_t plain[ZS_CONFIRM_PLAIN_MAX])
{
	const uint8_t *key = zs_we_initiate(s) ? s->sec->keys.zrtpkey_r :
	    s->sec->keys.zrtpkey_i;
	const uint8_t *mackey = zs_we_initiate(s) ? s->sec->keys.mackey_r :
	    s->sec->keys.mackey_i;
	uint8_t mac[ZRTP_MAC_LEN];
	int r;

	if ((r = zs_confirm_mac(s, mackey, c->sealed.p, c->sealed.len,
	    mac)) != 0)
		return r;
	if (!zct_eq(mac, c->mac, ZRTP_MAC_LEN))
		return ZE_BAD_MAC;
	if (c->sealed.len > ZS_CONFIRM_PLAIN_MAX)
		return ZE_BAD_LENGTH;
	return zcfb_decrypt(s->cipher, key, c->iv, c->sealed.p, plain,
	    c->sealed.len);
}

/* Our Confirm1 (responder) or Confirm2 (initiator, resent until acked). */
enum zs_state
zs_send_confirm(struct zsession *s, enum zmsg_type type)
{
	uint8_t plain[ZS_CONFIRM_BODY_MAX], sealed[ZS_CONFIRM_BODY_MAX];
	struct zconfirm_body body;
	struct zwbuf w;
	struct zmsg m;
	int r;

	memset(&body, 0, sizeof(body));
	memcpy(body.h0, s->sec->chain.h[0], ZRTP_HASH_IMAGE_LEN);
	/* §7.3.1: a PBX offering enrollment never allows clear (E => !A). */
	if (s->cfg.pbx && s->cfg.pbx_enroll && s->mode != ZMODE_MULT)
		body.flags = ZCONFIRM_FLAG_E;
	else if (s->cfg.allow_clear)
		body.flags = ZCONFIRM_FLAG_A;
	s->our_e = (body.flags & ZCONFIRM_FLAG_E) != 0;
	s->our_a = (body.flags & ZCONFIRM_FLAG_A) != 0;
	/* §4.9.1: a cacheless endpoint never claims a verified SAS. */
	body.flags |= s->our_v && s->cfg.cache_expiry != 0 ?
	    ZCONFIRM_FLAG_V : 0;
	/* §4.9: Multistream sends 0xffffffff and the value is ignored. */
	body.cache_expiry = s->mode == ZMODE_MULT ? 0xffffffff :
	    s->cfg.cache_expiry;
	memset(&m, 0, sizeof(m));
	m.type = type;
	zwbuf_init(&w, plain, sizeof(plain));
	if ((r = zconfirm_body_encode(&body, &w)) != 0 ||
	    (r = zs_seal(s, plain, w.len, sealed, &m.u.confirm)) != 0 ||
	    (r = zs_build(s, &m, &s->confirm, NULL)) != 0)
		goto out;
	if (type == ZMSG_CONFIRM2)
		zs_retransmit_start(s, &s->confirm, 0);
	r = zs_send(s, &s->confirm);
out:
	zwipe(plain, sizeof(plain));
	return zs_sent(s, r, type == ZMSG_CONFIRM1 ? ZS_CONFIRM1_SENT :
	    ZS_CONFIRM2_SENT);
}

/* The peer's Confirm: authenticated, decrypted, decoded, or failed. */
static int
zs_open_confirm(struct zsession *s, const struct zpkt *pkt,
    struct zconfirm_body *body, uint8_t plain[ZS_CONFIRM_PLAIN_MAX])
{
	const struct zmsg_sealed *c = &pkt->msg.u.confirm;
	int r;

	switch ((r = zs_unseal(s, c, plain))) {
	case 0:
		break;
	case ZE_BAD_MAC:
		/*
		 * §9: not the peer's (or altered in flight): dropped, and the
		 * genuine one's retransmission still counts. Only when none
		 * comes does the exchange end with 0x70 (zs_refuse()).
		 */
		zs_refuse(s, ZC_CONFIRM_MAC,
		    "Confirm whose MAC does not verify: dropped");
		return ZS_DROPPED;
	case ZE_BAD_LENGTH:
		return zs_fail(s, ZC_MALFORMED, r,
		    "Confirm longer than any signature allows");
	default:
		return zs_fail(s, ZC_INTERNAL, r, "decrypt");
	}
	if ((r = zconfirm_body_decode(plain, c->sealed.len, body)) != 0)
		return zs_fail(s, ZC_MALFORMED, r, "Confirm body");
	return 0;
}

/*
 * The peer's H0 closes its chain: hash(H0) is the H1 it sent in its DHPart
 * (whose MAC H0 keys), or, in Multistream and Preshared mode, hash^3(H0)
 * is its Hello's H3 (responder's Confirm1) or hash^2(H0) its Commit's H2
 * (initiator's Confirm2). ZE_BAD_FIELD: it does not, so this H0 is not the
 * peer's; ZE_BAD_MAC: it does, and the earlier message it keys was
 * altered in flight.
 */
static int
zs_check_h0(struct zsession *s, const uint8_t h0[ZRTP_HASH_IMAGE_LEN])
{
	uint8_t h[3][ZHASH_MAX_LEN];
	int i, chain, mac;

	if (zhash(ZHASH_S256, h0, ZRTP_HASH_IMAGE_LEN, h[0]) != 0 ||
	    zhash(ZHASH_S256, h[0], ZRTP_HASH_IMAGE_LEN, h[1]) != 0 ||
	    zhash(ZHASH_S256, h[1], ZRTP_HASH_IMAGE_LEN, h[2]) != 0)
		return ZE_CRYPTO;
	if (s->mode == ZMODE_DH) {
		chain = zct_eq(h[0], s->peer_h1, ZRTP_HASH_IMAGE_LEN);
		mac = zmsg_mac_check(s->peer_dhpart.b, s->peer_dhpart.len,
		    h0) == 0;
	} else if (zs_we_initiate(s)) {
		chain = zchain_check(h[1], s->ex->peer_hello_m.h3) == 0;
		mac = zmsg_mac_check(s->peer_hello.b, s->peer_hello.len,
		    h[1]) == 0;
	} else {
		chain = zct_eq(h[1], s->ex->peer_commit_m.h2,
		    ZRTP_HASH_IMAGE_LEN);
		mac = zmsg_mac_check(s->peer_commit.b, s->peer_commit.len,
		    h[0]) == 0;
	}
	for (i = 0; i < 3; i++)
		zwipe(h[i], sizeof(h[i]));
	return !chain ? ZE_BAD_FIELD : !mac ? ZE_BAD_MAC : 0;
}

/*
 * Authenticate, decrypt, close the chain; only then keep the flags. Not
 * 0: dropped (ZS_DROPPED) or the session ended.
 */
static int
zs_confirm_checks(struct zsession *s, const struct zpkt *pkt)
{
	uint8_t plain[ZS_CONFIRM_PLAIN_MAX];
	struct zconfirm_body body;
	int r;

	if ((r = zs_open_confirm(s, pkt, &body, plain)) != 0)
		goto out;
	switch (zs_check_h0(s, body.h0)) {
	case 0:
		break;
	case ZE_BAD_FIELD:
		/*
		 * §5.7: confirm_mac leaves out the CFB IV, so an IV altered in
		 * flight garbles H0 (the first block) under a MAC that still
		 * verifies: not authenticated, dropped like a bad MAC (§9).
		 */
		zs_refuse(s, ZC_CONFIRM_MAC,
		    "Confirm whose H0 is not the peer's: dropped");
		r = ZS_DROPPED;
		goto out;
	default:
		r = zs_fail(s, ZC_CONFIRM_MAC, 0,
		    "peer's H0 does not close its hash chain");
		goto out;
	}
	s->rx_proven = 1;
	s->peer_v = (body.flags & ZCONFIRM_FLAG_V) != 0;
	/* §7.3.1: E only from a MiTM (Hello M flag), and E disregards A. */
	s->peer_e = (body.flags & ZCONFIRM_FLAG_E) != 0 &&
	    (s->peer_flags & ZHELLO_FLAG_M) != 0 &&
	    s->mode != ZMODE_MULT;
	s->peer_a = (body.flags & ZCONFIRM_FLAG_A) != 0 && !s->peer_e;
	s->peer_expiry = body.cache_expiry;
out:
	zwipe(plain, sizeof(plain));
	zwipe(&body, sizeof(body));
	return r;
}

/* Commit sent, no DHPart1 yet: only Multistream and Preshared go on. */
enum zs_state
zs_on_confirm1_early(struct zsession *s, const struct zpkt *pkt)
{
	/* DH: no keys exist before DHPart1, so this Confirm1 is forged. */
	if (s->mode == ZMODE_DH)
		return s->state;
	return zs_on_confirm1(s, pkt);
}

static int	zs_emit_keys(struct zsession *, enum zs_action_type);

enum zs_state
zs_on_confirm1(struct zsession *s, const struct zpkt *pkt)
{
	enum zs_state next;
	int r;

	/* Keys once: a dropped forgery must not cost the preshared key. */
	if (s->mode != ZMODE_DH && s->sec->keys.hash_len == 0 &&
	    (r = s->mode == ZMODE_MULT ? zs_derive_mult(s) :
	    zs_derive_prsh(s)) != 0)
		return zs_fail(s, ZC_INTERNAL, r, "key derivation");
	if (zs_confirm_checks(s, pkt) != 0)
		return zs_stop(s);
	zs_retransmit_stop(s);
	/*
	 * §4.6: the responder's first valid SRTP stands for a lost Conf2ACK,
	 * and only a caller holding the keys can tell a valid one.
	 */
	if ((next = zs_send_confirm(s, ZMSG_CONFIRM2)) == ZS_CONFIRM2_SENT &&
	    (r = zs_emit_keys(s, ZSA_SRTP_RX)) != 0)
		return zs_fail(s, ZC_INTERNAL, r, "SRTP keys");
	return next;
}

enum zs_state
zs_on_confirm2(struct zsession *s, const struct zpkt *pkt)
{
	int r;

	if (zs_confirm_checks(s, pkt) != 0)
		return zs_stop(s);
	if ((r = zs_send_ack(s, ZMSG_CONF2ACK)) != 0)
		return zs_sent(s, r, s->state);
	return zs_go_secure(s);
}

enum zs_state
zs_on_confirm2_again(struct zsession *s, const struct zpkt *pkt)
{
	(void)pkt;
	if (zs_we_initiate(s))
		return s->state;
	return zs_sent(s, zs_send_ack(s, ZMSG_CONF2ACK), s->state);
}

enum zs_state
zs_on_conf2ack(struct zsession *s, const struct zpkt *pkt)
{
	(void)pkt;
	zs_retransmit_stop(s);
	return zs_go_secure(s);
}

static int
zs_emit_sas(struct zsession *s)
{
	struct zs_action *a;

	if (s->mode == ZMODE_MULT)
		return 0;
	if ((a = zs_push(s, ZSA_SAS)) == NULL)
		return ZE_NOSPACE;
	a->u.sas.scheme = s->algo[ZALGO_SAS];
	a->u.sas.verified = s->our_v && s->peer_v;
	a->u.sas.cache_mismatch = s->cache_mismatch;
	a->u.sas.overlap = s->cache_overlap;
	return zsas_render(s->algo[ZALGO_SAS], s->sec->keys.sashash, a->u.sas.text,
	    sizeof(a->u.sas.text));
}

static int
zs_emit_keys(struct zsession *s, enum zs_action_type type)
{
	struct zs_srtp_keys *k;
	struct zs_action *a;
	int ini = zs_we_initiate(s);

	if ((a = zs_push(s, type)) == NULL)
		return ZE_NOSPACE;
	k = &a->u.secure;
	k->cipher = s->algo[ZALGO_CIPHER];
	k->auth = s->algo[ZALGO_AUTH];
	k->key_len = s->sec->keys.key_len;
	memcpy(k->tx_key, ini ? s->sec->keys.srtp_key_i : s->sec->keys.srtp_key_r,
	    k->key_len);
	memcpy(k->tx_salt, ini ? s->sec->keys.srtp_salt_i : s->sec->keys.srtp_salt_r,
	    ZRTP_SRTP_SALT_LEN);
	memcpy(k->rx_key, ini ? s->sec->keys.srtp_key_r : s->sec->keys.srtp_key_i,
	    k->key_len);
	memcpy(k->rx_salt, ini ? s->sec->keys.srtp_salt_r : s->sec->keys.srtp_salt_i,
	    ZRTP_SRTP_SALT_LEN);
	return 0;
}

static int	zs_enrollment(struct zsession *);

/* §7.3.1: derive pbxsecret and ask for it to be kept (ZSA_CACHE_PBX). */
static int
zs_store_pbxsecret(struct zsession *s)
{
	struct zs_action *a;
	int r;

	if ((a = zs_push(s, ZSA_CACHE_PBX)) == NULL)
		return ZE_NOSPACE;
	memcpy(a->u.pbx.zid, s->peer_zid, ZRTP_ZID_LEN);
	if ((r = zs_pbxsecret(s, a->u.pbx.pbxsecret)) != 0)
		zwipe(a, sizeof(*a));
	return r;
}

/* §4.6: secure: SAS, SRTP keys, then the retained-secret update. */
enum zs_state
zs_go_secure(struct zsession *s)
{
	int r;

	zs_drop_key_pair(s);
	zcall_first_stream(s);	/* the call's ZRTPSess, if it is the first */
	if ((r = zs_emit_sas(s)) != 0 || (r = zs_emit_keys(s, ZSA_SECURE)) != 0 ||
	    (r = zs_cache_update(s)) != 0 || (r = zs_enrollment(s)) != 0)
		return zs_fail(s, ZC_INTERNAL, r, "going secure");
	zs_release_exchange(s);
	return ZS_SECURE;
}

/*
 * §7.3.1: a phone asks its user before trusting a PBX (ZSA_ENROLL); a PBX
 * that offered enrollment keeps the secret at once.
 */
static int
zs_enrollment(struct zsession *s)
{
	struct zs_action *a;

	if (s->mode == ZMODE_MULT)
		return 0;
	if (s->peer_e) {
		if ((a = zs_push(s, ZSA_ENROLL)) == NULL)
			return ZE_NOSPACE;
		memcpy(a->u.zid, s->peer_zid, ZRTP_ZID_LEN);
		return 0;
	}
	if (!s->cfg.pbx || !s->cfg.pbx_enroll)
		return 0;
	/* The phone's stored pbxsecret changes only as its rs1 would. */
	if (s->cache_mismatch || s->pbx_unmatched) {
		s->pbx_deferred = 1;
		return 0;
	}
	return zs_store_pbxsecret(s);
}

static int
zs_enroll_do(struct zsession *s, uint64_t now_ms, int accept)
{
	s->now = now_ms;
	if (s->state != ZS_SECURE || !s->peer_e || s->mode == ZMODE_MULT)
		return ZE_INVAL;
	/*
	 * §7.3.1: enroll only with evidence that no MiTM is present: the
	 * user verified this call's SAS, and the cache did not disagree.
	 */
	if (accept && (!s->verdict_yes || s->cache_mismatch))
		return ZE_INVAL;
	s->peer_e = 0;		/* answered */
	if (!accept)
		return 0;
	return zs_store_pbxsecret(s);
}

int
zs_enroll(struct zsession *s, uint64_t now_ms, int accept)
{
	return zs_settle(s, zs_enroll_do(s, now_ms, accept));
}

/* §4.7.2: clear_mac = MAC(sender's mackey, "GoClear "), 64 bits. */
static int
zs_goclear_authentic(struct zsession *s, const struct zpkt *pkt)
{
	const uint8_t *mackey = zs_we_initiate(s) ? s->sec->keys.mackey_r :
	    s->sec->keys.mackey_i;
	uint8_t mac[ZRTP_MAC_LEN];

	if (zs_confirm_mac(s, mackey, (const uint8_t *)"GoClear ",
	    ZRTP_TYPE_LEN, mac) != 0)
		return 0;
	return zct_eq(mac, pkt->msg.u.goclear.clear_mac, ZRTP_MAC_LEN);
}

/*
 * §4.7.2: a GoClear with a bad clear_mac is dropped unanswered. A good one
 * is refused with Error 0x100 unless our policy (the A flag we sent)
 * allows it; then the keys are destroyed and the caller told to stop SRTP.
 */
enum zs_state
zs_on_goclear(struct zsession *s, const struct zpkt *pkt)
{
	uint8_t b[ZS_MSG_MAX];
	struct zs_msgbuf mb = { b, sizeof(b), 0 };
	struct zmsg m;
	int r;

	if (s->mode == ZMODE_MULT) {
		zs_alert(s, ZC_GOCLEAR_MULTISTREAM, NULL);
		return s->state;
	}
	if (!zs_goclear_authentic(s, pkt)) {
		zs_alert(s, ZC_GOCLEAR_MAC, NULL);
		return s->state;
	}
	/* The policy is the A flag our Confirm carried (E excludes it). */
	if (s->our_a) {
		if ((r = zs_send_ack(s, ZMSG_CLEARACK)) != 0)
			return zs_sent(s, r, s->state);
		zs_retransmit_stop(s);	/* our own GoClear or SASrelay */
		zs_go_clear_keys(s);
		return zs_push(s, ZSA_CLEAR) != NULL ? ZS_CLEAR : zs_stop(s);
	}
	zs_alert(s, ZC_GOCLEAR_REFUSED, NULL);
	memset(&m, 0, sizeof(m));
	m.type = ZMSG_ERROR;
	m.u.error.code = ZWE_GOCLEAR;
	if ((r = zs_build(s, &m, &mb, NULL)) == 0)
		r = zs_send(s, &mb);
	return zs_sent(s, r, s->state);
}

/*
 * §4.7.2.1: every key goes, but ZRTPSess becomes KDF(ZRTPSess, "New ZRTP
 * Session", ZIDi || ZIDr, hash length), kept so that the call can go secure
 * again in Multistream mode without a DH exchange.
 */
void
zs_go_clear_keys(struct zsession *s)
{
	uint8_t next[ZHASH_MAX_LEN], ctx[2 * ZRTP_ZID_LEN];
	const uint8_t *zid_i = zs_we_initiate(s) ? s->cfg.zid :
	    s->peer_zid;
	const uint8_t *zid_r = zs_we_initiate(s) ? s->peer_zid :
	    s->cfg.zid;
	enum zhash_alg hash = s->sec->keys.hash;
	size_t len = s->sec->keys.hash_len;
	int ok;

	memcpy(ctx, zid_i, ZRTP_ZID_LEN);
	memcpy(ctx + ZRTP_ZID_LEN, zid_r, ZRTP_ZID_LEN);
	ok = s->mode != ZMODE_MULT && zkdf(hash, s->sec->keys.zrtp_sess, len,
	    "New ZRTP Session", ctx, sizeof(ctx), next, len) == 0;
	zs_wipe_secrets(s);
	if (ok) {
		s->sec->keys.hash = hash;
		s->sec->keys.hash_len = len;
		memcpy(s->sec->keys.zrtp_sess, next, len);
		zcall_sess_replaced(s);
	}
	zwipe(next, sizeof(next));
}

/* Once secure, s->confirm carries our GoClear or SASrelay until acked. */
static int
zs_send_pending(struct zsession *s, int what)
{
	zs_retransmit_start(s, &s->confirm, 0);
	s->pending = what;
	return zs_send(s, &s->confirm);
}

/* Our clear_mac, sent with GoClear until ClearACK (§6). */
static int
zs_go_clear_do(struct zsession *s, uint64_t now_ms)
{
	const uint8_t *mackey = zs_we_initiate(s) ? s->sec->keys.mackey_i :
	    s->sec->keys.mackey_r;
	struct zmsg m;
	int r;

	s->now = now_ms;
	/* §7.3.1: no GoClear around an enrollment, either side. */
	if (s->state != ZS_SECURE || s->mode == ZMODE_MULT || !s->peer_a ||
	    s->our_e || s->peer_e || s->retx != NULL)
		return ZE_INVAL;
	memset(&m, 0, sizeof(m));
	m.type = ZMSG_GOCLEAR;
	if ((r = zs_confirm_mac(s, mackey, (const uint8_t *)"GoClear ",
	    ZRTP_TYPE_LEN, m.u.goclear.clear_mac)) != 0)
		return r;
	/* Once secure our Confirm is never resent: its buffer holds this. */
	if ((r = zs_build(s, &m, &s->confirm, NULL)) != 0)
		return r;
	return zs_send_pending(s, ZS_PENDING_GOCLEAR);
}

int
zs_go_clear(struct zsession *s, uint64_t now_ms)
{
	return zs_settle(s, zs_go_clear_do(s, now_ms));
}

enum zs_state
zs_on_clearack(struct zsession *s, const struct zpkt *pkt)
{
	(void)pkt;
	if (s->pending != ZS_PENDING_GOCLEAR)
		return s->state;	/* we sent no GoClear */
	zs_retransmit_stop(s);
	zs_go_clear_keys(s);
	return zs_push(s, ZSA_CLEAR) != NULL ? ZS_CLEAR : zs_stop(s);
}

/* Keys are gone: a repeated GoClear can only be acknowledged again. */
enum zs_state
zs_on_goclear_again(struct zsession *s, const struct zpkt *pkt)
{
	(void)pkt;
	return zs_sent(s, zs_send_ack(s, ZMSG_CLEARACK), s->state);
}

static int
zs_all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

/*
 * §5.13, §7.3: a SASrelay is authenticated like a Confirm and always
 * acknowledged. Its SAS is shown only from a MiTM (Hello M flag) whose
 * pbxsecret matched in this call: only a PBX we enrolled knows it.
 */
static int
zs_relayed_sas(struct zsession *s, const struct zpkt *pkt)
{
	const struct zmsg_sealed *c = &pkt->msg.u.sasrelay;
	uint8_t plain[ZS_CONFIRM_PLAIN_MAX];
	struct zsasrelay_body body;
	struct zs_action *a;
	int r;

	if (s->mode == ZMODE_MULT || zs_unseal(s, c, plain) != 0 ||
	    zsasrelay_body_decode(plain, c->sealed.len, &body) != 0) {
		zwipe(plain, sizeof(plain));
		zs_alert(s, ZC_SASRELAY_MAC, NULL);
		return 0;
	}
	zwipe(plain, sizeof(plain));
	if ((r = zs_send_ack(s, ZMSG_RELAYACK)) != 0)
		return r;
	if (!(s->peer_flags & ZHELLO_FLAG_M) || !s->pbx_matched) {
		/*
		 * §7.3: a PBX sends the party it is not enrolled with a
		 * SASrelay for the scheme alone, sashash zero: ignored, no
		 * alarm. A SAS relayed by a MiTM we did not enroll is a
		 * bad-guy MiTM's: never shown, and reported.
		 */
		if (!(s->peer_flags & ZHELLO_FLAG_M) ||
		    !zs_all_zero(body.sashash, sizeof(body.sashash)))
			zs_alert(s, ZC_SASRELAY_UNTRUSTED, NULL);
		return 0;
	}
	if (!zsas_supported(body.sas_scheme)) {
		zs_alert(s, ZC_SASRELAY_SCHEME, NULL);
		return 0;
	}
	if ((a = zs_push(s, ZSA_SAS)) == NULL)
		return ZE_NOSPACE;
	a->u.sas.scheme = body.sas_scheme;
	a->u.sas.relayed = 1;
	a->u.sas.verified = (body.flags & ZCONFIRM_FLAG_V) != 0;
	r = zsas_render(body.sas_scheme, body.sashash, a->u.sas.text,
	    sizeof(a->u.sas.text));
	zwipe(&body, sizeof(body));
	return r;
}

enum zs_state
zs_on_sasrelay(struct zsession *s, const struct zpkt *pkt)
{
	return zs_sent(s, zs_relayed_sas(s, pkt), s->state);
}

/* PBX side: the relayed SAS, sealed like a Confirm, until RelayACK. */
static int
zs_send_sasrelay_do(struct zsession *s, uint64_t now_ms, uint32_t scheme,
    const uint8_t sashash[ZRTP_SASHASH_LEN])
{
	uint8_t plain[ZS_CONFIRM_BODY_MAX], sealed[ZS_CONFIRM_BODY_MAX];
	struct zsasrelay_body body;
	struct zwbuf w;
	struct zmsg m;
	int r;

	s->now = now_ms;
	if (!s->cfg.pbx || s->state != ZS_SECURE || s->mode == ZMODE_MULT ||
	    s->retx != NULL)
		return ZE_INVAL;
	memset(&body, 0, sizeof(body));
	body.sas_scheme = scheme;
	memcpy(body.sashash, sashash, ZRTP_SASHASH_LEN);
	memset(&m, 0, sizeof(m));
	m.type = ZMSG_SASRELAY;
	zwbuf_init(&w, plain, sizeof(plain));
	/* Once secure our Confirm is never resent: its buffer serves. */
	if ((r = zsasrelay_body_encode(&body, &w)) == 0 &&
	    (r = zs_seal(s, plain, w.len, sealed, &m.u.sasrelay)) == 0)
		r = zs_build(s, &m, &s->confirm, NULL);
	zwipe(plain, sizeof(plain));
	zwipe(&body, sizeof(body));
	if (r != 0)
		return r;
	return zs_send_pending(s, ZS_PENDING_SASRELAY);
}

int
zs_send_sasrelay(struct zsession *s, uint64_t now_ms, uint32_t scheme,
    const uint8_t sashash[ZRTP_SASHASH_LEN])
{
	return zs_settle(s, zs_send_sasrelay_do(s, now_ms, scheme, sashash));
}

enum zs_state
zs_on_relayack(struct zsession *s, const struct zpkt *pkt)
{
	(void)pkt;
	if (s->pending == ZS_PENDING_SASRELAY)
		zs_retransmit_stop(s);
	return s->state;
}

/* §7.1: the user compared the SAS; record the verdict in the cache. */
static int
zs_sas_verdict_do(struct zsession *s, uint64_t now_ms, int verified)
{
	struct zs_action *a;
	int r;

	s->now = now_ms;
	if (s->state != ZS_SECURE || s->mode == ZMODE_MULT)
		return ZE_INVAL;
	s->our_v = verified != 0;
	s->verdict_yes = verified != 0;
	if (!verified && (s->store_deferred || s->pbx_deferred))
		return 0;	/* §4.6.1.1: mismatch stays unwritten */
	if (s->pbx_deferred) {
		s->pbx_deferred = 0;
		if ((r = zs_store_pbxsecret(s)) != 0)
			return r;
	}
	if (s->store_deferred) {
		if (s->sec->last_store.type == ZSA_CACHE_STORE)
			s->sec->last_store.u.store.verified = 1;
		return zs_emit_store(s);
	}
	if (!s->stored)
		return 0;	/* caching was declined (interval 0) */
	/*
	 * The secrets were written when the call went secure; the verdict
	 * changes only the flag, so a later call's rs1 is never rolled back.
	 */
	if ((a = zs_push(s, ZSA_CACHE_VERIFIED)) == NULL)
		return ZE_NOSPACE;
	memcpy(a->u.verified.zid, s->peer_zid, ZRTP_ZID_LEN);
	a->u.verified.verified = s->our_v;
	/*
	 * A first contact proved nothing about the row: another first
	 * contact with the same ZID (an impostor's) may have stored there
	 * first and been kept, or replaced a tentative row since
	 * (docs/engine.md, "Concurrent calls"). The verdict then speaks for
	 * this call's secrets only: the one it stored, and the tentative
	 * one it matched.
	 */
	if (s->sec->last_store.type == ZSA_CACHE_STORE &&
	    (s->sec->last_store.u.store.fresh || s->cache_tentative)) {
		a->u.verified.bound = 1;
		memcpy(a->u.verified.rs1, s->sec->last_store.u.store.rs1,
		    ZRTP_RS_LEN);
		if ((a->u.verified.rs2_valid =
		    s->sec->last_store.u.store.rs2_valid))
			memcpy(a->u.verified.rs2,
			    s->sec->last_store.u.store.rs2, ZRTP_RS_LEN);
	}
	return 0;
}

int
zs_sas_verdict(struct zsession *s, uint64_t now_ms, int verified)
{
	return zs_settle(s, zs_sas_verdict_do(s, now_ms, verified));
}

int
zs_srtp_ok(struct zsession *s, uint64_t now_ms)
{
	s->now = now_ms;
	return zs_fsm_step(s, ZEV_SRTP_OK, NULL);
}
