/*
 * Commit, contention and the DH exchange (RFC 6189 §4.2, §4.4.1, §5.4-5.6)
 * and the Multistream Commit (§4.4.3). Every received message is checked
 * against the hash chain before it changes anything; forged ones drop.
 */
#include <string.h>

#include "algo.h"
#include "engine_int.h"
#include "zcrypto.h"
#include "zerr.h"

static int
zs_build_dhpart(struct zsession *s, enum zmsg_type type)
{
	uint8_t ids[4][ZRTP_SECRET_ID_LEN];
	struct zmsg m;
	int r;

	if ((r = zs_secret_ids(s, s->role, ids)) != 0)
		return r;
	memset(&m, 0, sizeof(m));
	m.type = type;
	memcpy(m.u.dhpart.h1, s->sec->chain.h[1], ZRTP_HASH_IMAGE_LEN);
	memcpy(m.u.dhpart.rs1_id, ids[0], ZRTP_SECRET_ID_LEN);
	memcpy(m.u.dhpart.rs2_id, ids[1], ZRTP_SECRET_ID_LEN);
	memcpy(m.u.dhpart.aux_id, ids[2], ZRTP_SECRET_ID_LEN);
	memcpy(m.u.dhpart.pbx_id, ids[3], ZRTP_SECRET_ID_LEN);
	m.u.dhpart.pv.p = s->ex->kp.pv;
	m.u.dhpart.pv.len = s->ex->kp.pv_len;
	/* §5.5, §5.6: DHPart MACs are keyed by H0. */
	return zs_build(s, &m, &s->dhpart, s->sec->chain.h[0]);
}

/*
 * Initiator (§4.4.1.1): DHPart2 exists before the Commit, since hvi
 * commits to it and to the responder's Hello.
 */
enum zs_state
zs_send_commit(struct zsession *s)
{
	struct zmsg_commit *c;
	struct zmsg m;
	int r;

	s->role = ZS_ROLE_INITIATOR;
	memset(&m, 0, sizeof(m));
	m.type = ZMSG_COMMIT;
	c = &m.u.commit;
	memcpy(c->h2, s->sec->chain.h[2], ZRTP_HASH_IMAGE_LEN);
	memcpy(c->zid, s->cfg.zid, ZRTP_ZID_LEN);
	memcpy(c->algo, s->algo, sizeof(c->algo));
	if (zs_preshared_usable(s)) {
		s->mode = ZMODE_PRSH;
		c->algo[ZALGO_KEX] = s->algo[ZALGO_KEX] = ZKEX_BLOCK_PRSH;
	}
	if (s->mode != ZMODE_DH) {
		zs_random(s, c->nonce, sizeof(c->nonce));
		memcpy(s->nonce, c->nonce, sizeof(s->nonce));
	}
	/* §4.4.3.1: every stream of the call sees it at once. */
	if (s->mode == ZMODE_MULT && zcall_add_nonce(s->call, s->nonce) != 0)
		return zs_fail(s, ZC_INTERNAL, ZE_NOSPACE,
		    "too many Multistream streams in this call");
	if (s->mode == ZMODE_PRSH) {
		if ((r = zs_prsh_key(s, 1, c->key_id)) != 0)
			return zs_fail(s, ZC_INTERNAL, r, "preshared key");
	} else if (s->mode == ZMODE_DH &&
	    ((r = zs_build_dhpart(s, ZMSG_DHPART2)) != 0 ||
	    (r = zhvi_compute(s->hash, s->dhpart.b, s->dhpart.len,
	    s->peer_hello.b, s->peer_hello.len, c->hvi)) != 0))
		return zs_fail(s, ZC_INTERNAL, r, "building DHPart2");
	/* §5.4: the Commit MAC is keyed by H1. */
	if ((r = zs_build(s, &m, &s->commit, s->sec->chain.h[1])) != 0)
		return zs_fail(s, ZC_INTERNAL, r, "building Commit");
	zs_retransmit_start(s, &s->commit, 0);
	return zs_sent(s, zs_send(s, &s->commit), ZS_COMMIT_SENT);
}

/*
 * A revealed hash image that chains to the stored one proves the new
 * message genuine (only the sender knows the preimage); if the stored
 * message's MAC then fails, that stored message was altered in flight
 * and the exchange is compromised. A broken chain means the new message
 * is the forgery: it is dropped and changes nothing.
 */
static int
zs_check_link(struct zsession *s, const uint8_t *preimage,
    const uint8_t *image, const struct zs_msgbuf *earlier, int altered,
    const char *what)
{
	if (zchain_check(preimage, image) != 0) {
		zs_alert(s, ZC_CHAIN_BROKEN, what);
		return 1;
	}
	if (zmsg_mac_check(earlier->b, earlier->len, preimage) != 0) {
		zs_fail(s, altered, 0, NULL);
		return 1;
	}
	s->rx_proven = 1;
	return 0;
}

/* The Commit fits the peer's Hello: ZID, H2 -> H3, Hello MAC (§9). */
static int
zs_commit_authentic(struct zsession *s, const struct zmsg_commit *c)
{
	if (s->peer_hello.len == 0 ||
	    !zct_eq(c->zid, s->peer_zid, ZRTP_ZID_LEN)) {
		zs_alert(s, ZC_UNKNOWN_ZID, NULL);
		return 0;
	}
	return !zs_check_link(s, c->h2, s->ex->peer_hello_m.h3, &s->peer_hello,
	    ZC_HELLO_ALTERED, "Commit does not chain to the peer's Hello: "
	    "dropped");
}

/* §4.1.2, §5.4: every chosen algorithm one we offered; else it ends. */
static int
zs_commit_algos(struct zsession *s, const struct zmsg_commit *c)
{
	uint32_t kex = c->algo[ZALGO_KEX];
	int k;

	for (k = 0; k < ZALGO_KIND_COUNT; k++)
		if (!zs_offered(s, k, c->algo[k]))
			return zs_fail(s, zs_unsupported[k], 0,
			    "Commit chose an algorithm our Hello did not offer");
	/*
	 * §5.1.5: EC38's hash MUST be 384 bits. The SHOULDs (AES3 with EC38,
	 * AES1 with DH2k) are the initiator's to weigh: any cipher we offered
	 * is accepted.
	 */
	if (kex == ZALGO('E', 'C', '3', '8') &&
	    !zalgo_hash_384(c->algo[ZALGO_HASH]))
		return zs_fail(s, ZC_HASH_UNSUPPORTED, 0,
		    "Commit pairs EC38 with a hash shorter than 384 bits");
	if ((kex == ZKEX_BLOCK_MULT) != (s->mode == ZMODE_MULT))
		return zs_fail(s, ZC_KEX_UNSUPPORTED, 0,
		    "Multistream Commit without an active session, or DH "
		    "Commit on a Multistream stream");
	/* ZRTPSess is only meaningful under the hash that made it. */
	if (kex == ZKEX_BLOCK_MULT &&
	    c->algo[ZALGO_HASH] != s->call->algo[ZALGO_HASH])
		return zs_fail(s, ZC_HASH_UNSUPPORTED, 0,
		    "Multistream Commit with another hash than the first "
		    "stream's");
	if (kex == ZKEX_BLOCK_MULT && zcall_nonce_used(s->call, c->nonce))
		return zs_fail(s, ZC_NONCE_REUSE, 0, NULL);
	return 0;
}

/* Become the responder to the peer's (checked) Commit: discovery again. */
static enum zs_state
zs_accept_commit(struct zsession *s, const struct zpkt *pkt)
{
	int r;

	if ((r = zs_keep(&s->peer_commit, &pkt->raw_msg)) != 0)
		return zs_fail(s, ZC_MALFORMED, r, "Commit");
	s->ex->peer_commit_m = pkt->msg.u.commit;
	s->role = ZS_ROLE_RESPONDER;
	s->hello_acked = 1;	/* §6: a Commit acknowledges our Hello */
	zs_retransmit_stop(s);
	memcpy(s->algo, s->ex->peer_commit_m.algo, sizeof(s->algo));
	if ((r = zs_apply_algos(s)) != 0)
		return zs_fail(s, ZC_INTERNAL, r, "Commit algorithms");
	if (s->mode != ZMODE_MULT)
		s->mode = s->algo[ZALGO_KEX] == ZKEX_BLOCK_PRSH ? ZMODE_PRSH :
		    ZMODE_DH;
	memcpy(s->nonce, s->ex->peer_commit_m.nonce, sizeof(s->nonce));
	if (s->mode == ZMODE_MULT && zcall_add_nonce(s->call, s->nonce) != 0)
		return zs_fail(s, ZC_INTERNAL, ZE_NOSPACE,
		    "too many Multistream streams in this call");
	s->commit_pending = 1;
	zwipe(s->sec->psk, sizeof(s->sec->psk));	/* our Preshared Commit lost */
	if (s->mode != ZMODE_MULT && s->kex_ready && !zs_key_pair_fits(s))
		if ((r = zs_request_keygen(s)) != 0)
			return zs_fail(s, ZC_INTERNAL, r, "key pair");
	return zs_progress(s);
}

enum zs_state
zs_on_commit(struct zsession *s, const struct zpkt *pkt)
{
	const struct zmsg_commit *c = &pkt->msg.u.commit;

	if (s->commit_pending)
		return s->state;	/* a retransmission of the one in hand */
	if (!zs_commit_authentic(s, c) || zs_commit_algos(s, c) != 0)
		return zs_stop(s);
	return zs_accept_commit(s, pkt);
}

/* §4.2: which Commit survives. 1 when ours does. */
static int
zs_we_win(const struct zsession *s, const struct zmsg_commit *theirs)
{
	const struct zmsg_commit *ours;
	int our_prsh, their_prsh;
	struct zmsg m;

	if (zmsg_decode(s->commit.b, s->commit.len, &m) != 0)
		return 0;
	ours = &m.u.commit;
	our_prsh = ours->algo[ZALGO_KEX] == ZKEX_BLOCK_PRSH;
	their_prsh = theirs->algo[ZALGO_KEX] == ZKEX_BLOCK_PRSH;
	/* A DH Commit trumps a Preshared one. */
	if (our_prsh != their_prsh)
		return their_prsh;
	/* Two Preshared Commits: the PBX (M flag) yields to the phone. */
	if (our_prsh && (s->peer_flags & ZHELLO_FLAG_M))
		return 1;
	/* Public wire values ordered as big integers (§4.2): memcmp's job. */
	if (s->mode != ZMODE_DH)
		return memcmp(ours->nonce, theirs->nonce, ZRTP_NONCE_LEN) > 0;
	/* Equal hvi cannot happen without equal DHPart2s; theirs wins.
	 * hvi is public (it travels in the Commit). */
	return memcmp(ours->hvi, theirs->hvi, ZRTP_HVI_LEN) > 0;
}

enum zs_state
zs_on_commit_contention(struct zsession *s, const struct zpkt *pkt)
{
	const struct zmsg_commit *c = &pkt->msg.u.commit;

	if (!zs_commit_authentic(s, c) || zs_commit_algos(s, c) != 0)
		return zs_stop(s);
	if (zs_we_win(s, c))
		return s->state;	/* the peer discards its Commit */
	return zs_accept_commit(s, pkt);
}

/*
 * §4.4.2.2: no retained secret matches the peer's keyID. The DH Commit
 * trumps the Preshared one, so we answer with ours; a passive endpoint
 * cannot and says DH is required.
 */
static enum zs_state
zs_prsh_fallback(struct zsession *s)
{
	enum zkex_alg kex = s->kex;	/* the key pair already made */
	int r;

	if (s->cfg.role_pref == ZS_PREFER_RESPONDER)
		return zs_fail(s, ZC_NO_SHARED_SECRET, 0, NULL);
	s->mode = ZMODE_DH;
	/*
	 * Our Commit takes what the Hellos give its key agreement (§5.1.5:
	 * EC38 with a 384-bit hash), not the Preshared Commit's hash and
	 * cipher. Negotiation is a function of the two Hellos, so it picks
	 * the key agreement whose key pair we hold.
	 */
	if ((r = zs_negotiate(s)) != 0 || s->kex != kex)
		return zs_fail(s, ZC_INTERNAL, r, "Preshared fallback");
	return zs_send_commit(s);
}

/* Responder, inputs ready: DHPart1 (DH) or Confirm1 (Mult, Prsh). */
enum zs_state
zs_respond(struct zsession *s)
{
	int r;

	s->commit_pending = 0;
	if (s->mode == ZMODE_PRSH && (!s->cfg.preshared ||
	    zs_prsh_match(s) != 0))
		return zs_prsh_fallback(s);
	if (s->mode != ZMODE_DH) {
		r = s->mode == ZMODE_MULT ? zs_derive_mult(s) :
		    zs_derive_prsh(s);
		if (r != 0)
			return zs_fail(s, ZC_INTERNAL, r, "key derivation");
		return zs_send_confirm(s, ZMSG_CONFIRM1);
	}
	if ((r = zs_build_dhpart(s, ZMSG_DHPART1)) != 0)
		return zs_fail(s, ZC_INTERNAL, r, "building DHPart1");
	return zs_sent(s, zs_send(s, &s->dhpart), ZS_DHPART1_SENT);
}

/* §6: only the initiator retransmits; the responder answers repeats. */
enum zs_state
zs_on_commit_again(struct zsession *s, const struct zpkt *pkt)
{
	/* A repeat is the same public bytes as the Commit we hold. */
	if (pkt->raw_msg.len != s->peer_commit.len ||
	    memcmp(pkt->raw_msg.p, s->peer_commit.b, s->peer_commit.len) != 0)
		return s->state;
	return zs_sent(s, zs_send(s, &s->dhpart), s->state);
}

enum zs_state
zs_on_dhpart2_again(struct zsession *s, const struct zpkt *pkt)
{
	const struct zs_msgbuf *first = s->mode != ZMODE_DH ?
	    &s->peer_commit : &s->peer_dhpart;

	/* A repeat is the same public bytes as the message we hold. */
	if (pkt->raw_msg.len != first->len ||
	    memcmp(pkt->raw_msg.p, first->b, first->len) != 0)
		return s->state;
	return zs_sent(s, zs_send(s, &s->confirm), s->state);
}

/*
 * Keep a peer DHPart whose pv has the negotiated length (not 0: the
 * session ended). The value itself
 * is checked by zkex_agree() in the key-agreement job (§4.4.1.2/3: 0, 1,
 * p-1, off-curve, low order), which fails the session with 0x61; checking
 * here too would cost X25519/X448 a scalar multiplication on the loop.
 */
static int
zs_keep_dhpart(struct zsession *s, const struct zpkt *pkt)
{
	const struct zmsg_dhpart *d = &pkt->msg.u.dhpart;
	int r;

	if (d->pv.len != zkex_pv_len(s->kex))
		return zs_fail(s, ZC_MALFORMED, ZE_BAD_LENGTH,
		    "DHPart public value has the wrong length");
	if ((r = zs_keep(&s->peer_dhpart, &pkt->raw_msg)) != 0)
		return zs_fail(s, ZC_MALFORMED, r, "DHPart");
	memcpy(s->peer_h1, d->h1, ZRTP_HASH_IMAGE_LEN);
	memcpy(s->peer_ids[0], d->rs1_id, ZRTP_SECRET_ID_LEN);
	memcpy(s->peer_ids[1], d->rs2_id, ZRTP_SECRET_ID_LEN);
	memcpy(s->peer_ids[2], d->aux_id, ZRTP_SECRET_ID_LEN);
	memcpy(s->peer_ids[3], d->pbx_id, ZRTP_SECRET_ID_LEN);
	s->peer_pv.p = s->peer_dhpart.b + (d->pv.p - pkt->raw_msg.p);
	s->peer_pv.len = d->pv.len;
	return 0;
}

static enum zs_state
zs_request_agree(struct zsession *s, enum zs_state waiting)
{
	struct zs_kex_job *job;

	if (s->job_pending || s->ex->kp.sv == NULL || (job = zs_job_new(s,
	    ZS_KEX_AGREE, zkex_result_len(s->kex))) == NULL)
		return zs_fail(s, ZC_INTERNAL, ZE_INVAL, "key agreement job");
	/* The key pair moves into the job: used once, wiped there. */
	job->kp = s->ex->kp;
	memset(&s->ex->kp, 0, sizeof(s->ex->kp));
	memcpy(job->peer_pv, s->peer_pv.p, s->peer_pv.len);
	job->peer_pv_len = s->peer_pv.len;
	if (zs_push_job(s, job) != 0)
		return zs_fail(s, ZC_INTERNAL, ZE_INVAL, "key agreement job");
	return waiting;
}

/* Initiator: DHPart1 reveals H1, so H2 -> Hello H3 and Hello's MAC. */
enum zs_state
zs_on_dhpart1(struct zsession *s, const struct zpkt *pkt)
{
	uint8_t h2[ZHASH_MAX_LEN];
	int r;

	if (s->mode != ZMODE_DH)
		return s->state;
	if ((r = zhash(ZHASH_S256, pkt->msg.u.dhpart.h1, ZRTP_HASH_IMAGE_LEN,
	    h2)) != 0)
		return zs_fail(s, ZC_INTERNAL, r, "hash");
	if (zs_check_link(s, h2, s->ex->peer_hello_m.h3, &s->peer_hello,
	    ZC_HELLO_ALTERED, "DHPart1 does not chain to the peer's Hello: "
	    "dropped") || zs_keep_dhpart(s, pkt) != 0)
		return zs_stop(s);
	zs_retransmit_stop(s);
	return zs_request_agree(s, ZS_WAIT_AGREE_I);
}

/* DHResult is in: s0 and every key, then the result is wiped. Not 0:
 * the session ended. */
static int
zs_agreed(struct zsession *s)
{
	int r;

	if (s->done->status != 0)
		return zs_fail(s, s->done->status == ZE_BAD_PV ? ZC_BAD_PV :
		    ZC_INTERNAL, s->done->status, "DH agreement failed");
	r = zs_derive_dh(s, s->done->sec, s->done->sec_len);
	zwipe(s->done->sec, s->done->sec_len);
	if (r != 0)
		return zs_fail(s, ZC_INTERNAL, r, "key derivation");
	return 0;
}

enum zs_state
zs_on_agree_i(struct zsession *s, const struct zpkt *pkt)
{
	(void)pkt;
	if (zs_agreed(s) != 0)
		return zs_stop(s);
	zs_retransmit_start(s, &s->dhpart, 0);
	return zs_sent(s, zs_send(s, &s->dhpart), ZS_DHPART2_SENT);
}

/* Responder: DHPart2 reveals H1 -> Commit H2, Commit MAC, then hvi. */
enum zs_state
zs_on_dhpart2(struct zsession *s, const struct zpkt *pkt)
{
	uint8_t hvi[ZRTP_HVI_LEN];
	int r;

	if (zs_check_link(s, pkt->msg.u.dhpart.h1, s->ex->peer_commit_m.h2,
	    &s->peer_commit, ZC_COMMIT_ALTERED, "DHPart2 does not chain to the "
	    "peer's Commit: dropped"))
		return zs_stop(s);
	/* §4.4.1.1: hvi = hash(DHPart2 || responder's Hello). */
	if ((r = zhvi_compute(s->hash, pkt->raw_msg.p, pkt->raw_msg.len,
	    s->hello.b, s->hello.len, hvi)) != 0)
		return zs_fail(s, ZC_INTERNAL, r, "hash");
	if (!zct_eq(hvi, s->ex->peer_commit_m.hvi, ZRTP_HVI_LEN))
		return zs_fail(s, ZC_HVI, 0, NULL);
	if (zs_keep_dhpart(s, pkt) != 0)
		return zs_stop(s);
	return zs_request_agree(s, ZS_WAIT_AGREE_R);
}

enum zs_state
zs_on_agree_r(struct zsession *s, const struct zpkt *pkt)
{
	(void)pkt;
	if (zs_agreed(s) != 0)
		return zs_stop(s);
	return zs_send_confirm(s, ZMSG_CONFIRM1);
}
