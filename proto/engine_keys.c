/*
 * Retained secrets and key derivation for one session (RFC 6189 §4.3,
 * §4.4.1.4, §4.4.3, §4.6.1): secret IDs, the s1/s2 match, s0 and the
 * cache update with its mismatch rule.
 */
#include <string.h>

#include "engine_int.h"
#include "zcrypto.h"
#include "zerr.h"

static const char zs_label_i[] = "Initiator", zs_label_r[] = "Responder";

static const char *
zs_label(enum zs_role role)
{
	return role == ZS_ROLE_INITIATOR ? zs_label_i : zs_label_r;
}

/* One ID: MAC(secret, label), or random when the secret is absent. */
static int
zs_one_id(struct zsession *s, int present, const uint8_t *secret,
    size_t len, const void *label, size_t label_len,
    uint8_t out[ZRTP_SECRET_ID_LEN])
{
	struct zsecret sec = { secret, len };

	if (!present) {
		/* §4.3: a random ID hides which secrets exist. */
		zs_random(s, out, ZRTP_SECRET_ID_LEN);
		return 0;
	}
	return zsecret_id(s->hash, &sec, label, label_len, out);
}

/* §4.3.1: rs1ID, rs2ID, auxsecretID, pbxsecretID as sent by role `as`. */
int
zs_secret_ids(struct zsession *s, enum zs_role as,
    uint8_t out[4][ZRTP_SECRET_ID_LEN])
{
	const char *l = zs_label(as);
	int r;

	if ((r = zs_one_id(s, s->sec->cache.rs1_valid, s->sec->cache.rs1, ZRTP_RS_LEN,
	    l, strlen(l), out[0])) != 0 ||
	    (r = zs_one_id(s, s->sec->cache.rs2_valid, s->sec->cache.rs2, ZRTP_RS_LEN,
	    l, strlen(l), out[1])) != 0 ||
	    (r = zs_one_id(s, s->call->sec->aux_len > 0, s->call->sec->aux,
	    s->call->sec->aux_len, s->sec->chain.h[3], ZRTP_HASH_IMAGE_LEN,
	    out[2])) != 0)
		return r;
	return zs_one_id(s, s->sec->cache.pbx_valid, s->sec->cache.pbxsecret,
	    ZRTP_RS_LEN, l, strlen(l), out[3]);
}

/* Does our secret, MACed with the peer's label, equal id? */
static int
zs_id_matches(struct zsession *s, const uint8_t *secret, const uint8_t *id)
{
	const char *l = zs_label(s->role == ZS_ROLE_INITIATOR ?
	    ZS_ROLE_RESPONDER : ZS_ROLE_INITIATOR);
	struct zsecret sec = { secret, ZRTP_RS_LEN };
	uint8_t mine[ZRTP_SECRET_ID_LEN];

	if (zsecret_id(s->hash, &sec, l, strlen(l), mine) != 0)
		return 0;
	return zct_eq(mine, id, ZRTP_SECRET_ID_LEN);
}

/*
 * §4.3: s1 is the initiator's rs1 if it matches either of the responder's
 * rs1/rs2, else the initiator's rs2 if that matches. Both sides walk the
 * initiator's secrets in that order, so both pick the same one.
 */
static const uint8_t *
zs_match_s1(struct zsession *s)
{
	const uint8_t *mine[2] = {
		s->sec->cache.rs1_valid ? s->sec->cache.rs1 : NULL,
		s->sec->cache.rs2_valid ? s->sec->cache.rs2 : NULL,
	};
	int i, j;

	s->s1_slot = s->s1_in_step = 0;
	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {
			/* Initiator: its secret i against the peer's ID j. */
			const uint8_t *sec = s->role == ZS_ROLE_INITIATOR ?
			    mine[i] : mine[j];
			const uint8_t *id = s->role == ZS_ROLE_INITIATOR ?
			    s->peer_ids[j] : s->peer_ids[i];

			if (sec != NULL && zs_id_matches(s, sec, id)) {
				s->s1_slot = 1 + (sec == mine[1]);
				s->s1_in_step = i == 0 && j == 0;
				return sec;
			}
		}
	}
	return NULL;
}

/* §4.3: s2 = auxsecret when the peer's auxsecretID shows it has ours. */
static int
zs_match_s2(struct zsession *s)
{
	struct zsecret aux = { s->call->sec->aux, s->call->sec->aux_len };
	uint8_t id[ZRTP_SECRET_ID_LEN];

	if (s->call->sec->aux_len == 0)
		return 0;
	if (zsecret_id(s->hash, &aux, s->ex->peer_hello_m.h3,
	    ZRTP_HASH_IMAGE_LEN, id) != 0)
		return 0;
	return zct_eq(id, s->peer_ids[2], ZRTP_SECRET_ID_LEN);
}

/* §4.3: s3 = pbxsecret when the peer's pbxsecretID shows it has ours. */
static int
zs_match_s3(struct zsession *s)
{
	return s->sec->cache.pbx_valid &&
	    zs_id_matches(s, s->sec->cache.pbxsecret, s->peer_ids[3]);
}

/* Initiator's and responder's ZIDs and messages, by role. */
static void
zs_roles(const struct zsession *s, const uint8_t **zid_i,
    const uint8_t **zid_r, const struct zs_msgbuf **hello_r,
    const struct zs_msgbuf **commit)
{
	int ini = s->role == ZS_ROLE_INITIATOR;

	*zid_i = ini ? s->cfg.zid : s->peer_zid;
	*zid_r = ini ? s->peer_zid : s->cfg.zid;
	*hello_r = ini ? &s->peer_hello : &s->hello;
	*commit = ini ? &s->commit : &s->peer_commit;
}

static struct zview
zs_view(const struct zs_msgbuf *m)
{
	struct zview v = { m->b, m->len };

	return v;
}

int
zs_derive_dh(struct zsession *s, const uint8_t *dhresult, size_t dh_len)
{
	const struct zs_msgbuf *hello_r, *commit;
	const uint8_t *zid_i, *zid_r, *s1;
	uint8_t total[ZHASH_MAX_LEN];
	struct zsecret z1 = { NULL, 0 }, z2 = { NULL, 0 }, z3 = { NULL, 0 };
	struct zview msgs[4];
	int ini = s->role == ZS_ROLE_INITIATOR, r;

	zs_roles(s, &zid_i, &zid_r, &hello_r, &commit);
	/* §4.4.1.4: total_hash = hash(Hello_r || Commit || DHPart1 ||
	 * DHPart2). */
	msgs[0] = zs_view(hello_r);
	msgs[1] = zs_view(commit);
	msgs[2] = zs_view(ini ? &s->peer_dhpart : &s->dhpart);
	msgs[3] = zs_view(ini ? &s->dhpart : &s->peer_dhpart);
	if ((r = zkeys_total_hash(s->hash, msgs, 4, total)) != 0 ||
	    (r = zkeys_init(&s->sec->keys, s->hash, zcipher_key_len(s->cipher),
	    zid_i, zid_r, total)) != 0)
		return r;
	if ((s1 = zs_match_s1(s)) != NULL) {
		z1.p = s1;
		z1.len = ZRTP_RS_LEN;
	}
	if (zs_match_s2(s)) {
		z2.p = s->call->sec->aux;
		z2.len = s->call->sec->aux_len;
	} else if (s->call->sec->aux_len > 0)
		zs_alert(s, ZC_AUX_MISMATCH, NULL);	/* §4.3.2 */
	if ((s->pbx_matched = zs_match_s3(s))) {
		z3.p = s->sec->cache.pbxsecret;
		z3.len = ZRTP_RS_LEN;
	}
	s->cache_tentative = s->sec->cache.tentative &&
	    (s->sec->cache.rs1_valid || s->sec->cache.rs2_valid);
	/*
	 * A tentative row the peer did not prove: the peer may have read
	 * the cache before its own first store (docs/engine.md, "First
	 * contacts that overlap"); this call is a first contact then.
	 */
	s->cache_overlap = s->cache_tentative && s1 == NULL;
	/*
	 * §4.3.2: we expected a match because we hold a live rs1, or a live
	 * rs2 (an rs1 expired by an interval of 0 must not turn the next
	 * unmatched call into a stranger's). A live pbxsecret that did not
	 * match protects the PBX side's enrollment the same way.
	 */
	s->cache_mismatch = (s->sec->cache.rs1_valid || s->sec->cache.rs2_valid) &&
	    s1 == NULL && !s->cache_overlap;
	s->pbx_unmatched = s->sec->cache.pbx_valid && !s->pbx_matched && s1 == NULL;
	s->our_v = s->sec->cache.verified && s1 != NULL;
	if ((r = zkeys_s0_dh(&s->sec->keys, dhresult, dh_len, &z1, &z2, &z3)) != 0)
		return r;
	return zkeys_derive(&s->sec->keys, ZMODE_DH);
}

/*
 * Initiator: Preshared when allowed, offered by both and a verified rs1 is
 * held; never
 * in answer to a peer's Preshared Commit whose keyID we could not match
 * (§4.4.2.2): that answer must be a DH Commit, or both sides keep sending
 * Preshared Commits neither can use.
 */
int
zs_preshared_usable(const struct zsession *s)
{
	int i;

	/* §4.4.2: only on a secret from a call whose SAS was verified. */
	if (!s->cfg.preshared || s->mode != ZMODE_DH || !s->sec->cache.rs1_valid ||
	    !s->sec->cache.verified || s->peer_commit.len != 0)
		return 0;
	for (i = 0; i < s->ex->peer_hello_m.count[ZALGO_KEX]; i++)
		if (s->ex->peer_hello_m.algo[ZALGO_KEX][i] == ZKEX_BLOCK_PRSH)
			return 1;
	return 0;
}

/*
 * §4.4.2.1: preshared_key = hash(len(rs1) || rs1 || len(aux) || aux ||
 * len(pbx) || pbx), keyID = MAC(preshared_key, "Prsh") truncated to 64
 * bits. with_aux selects whether our auxsecret takes part.
 */
int
zs_prsh_key(struct zsession *s, int with_aux,
    uint8_t key_id[ZRTP_KEYID_LEN])
{
	struct zsecret rs1 = { s->sec->cache.rs1, ZRTP_RS_LEN };
	struct zsecret aux = { NULL, 0 }, none = { NULL, 0 };
	struct zsecret psk;
	int r;

	if (with_aux && s->call->sec->aux_len > 0) {
		aux.p = s->call->sec->aux;
		aux.len = s->call->sec->aux_len;
	}
	if ((r = zpreshared_key(s->hash, &rs1, &aux, &none, s->sec->psk)) != 0)
		return r;
	psk.p = s->sec->psk;
	psk.len = zhash_len(s->hash);
	return zsecret_id(s->hash, &psk, "Prsh", 4, key_id);
}

/* §4.4.2.2: the responder tries rs1 with, then without, auxsecret. */
int
zs_prsh_match(struct zsession *s)
{
	uint8_t id[ZRTP_KEYID_LEN];
	int with_aux;

	if (!s->sec->cache.rs1_valid)
		return ZE_BAD_MAC;
	for (with_aux = 1; with_aux >= 0; with_aux--) {
		if (zs_prsh_key(s, with_aux, id) == 0 &&
		    zct_eq(id, s->ex->peer_commit_m.key_id, ZRTP_KEYID_LEN))
			return 0;
	}
	zwipe(s->sec->psk, sizeof(s->sec->psk));
	return ZE_BAD_MAC;
}

/* §7.3.1: pbxsecret = KDF(ZRTPSess, "Trusted MiTM key", ZIDi || ZIDr, 256). */
int
zs_pbxsecret(struct zsession *s, uint8_t out[ZRTP_RS_LEN])
{
	const struct zs_msgbuf *hello_r, *commit;
	const uint8_t *zid_i, *zid_r;
	uint8_t ctx[2 * ZRTP_ZID_LEN];

	zs_roles(s, &zid_i, &zid_r, &hello_r, &commit);
	memcpy(ctx, zid_i, ZRTP_ZID_LEN);
	memcpy(ctx + ZRTP_ZID_LEN, zid_r, ZRTP_ZID_LEN);
	return zkdf(s->hash, s->sec->keys.zrtp_sess, s->sec->keys.hash_len,
	    "Trusted MiTM key", ctx, sizeof(ctx), out, ZRTP_RS_LEN);
}

/*
 * Multistream (§4.4.3.2) and Preshared (§4.4.2.3) modes: total_hash =
 * hash(Hello_r || Commit), s0 = KDF(ZRTPSess or preshared_key, "ZRTP MSK"
 * or "ZRTP PSK", KDF_Context, hash length).
 */
static int
zs_derive_nodh(struct zsession *s, enum zmode mode)
{
	const struct zs_msgbuf *hello_r, *commit;
	const uint8_t *zid_i, *zid_r;
	uint8_t total[ZHASH_MAX_LEN];
	struct zview msgs[2];
	int r;

	zs_roles(s, &zid_i, &zid_r, &hello_r, &commit);
	msgs[0] = zs_view(hello_r);
	msgs[1] = zs_view(commit);
	if ((r = zkeys_total_hash(s->hash, msgs, 2, total)) != 0 ||
	    (r = zkeys_init(&s->sec->keys, s->hash, zcipher_key_len(s->cipher),
	    zid_i, zid_r, total)) != 0)
		return r;
	r = mode == ZMODE_MULT ?
	    zkeys_s0_mult(&s->sec->keys, s->call->sec->zrtp_sess) :
	    zkeys_s0_prsh(&s->sec->keys, s->sec->psk);
	return r != 0 ? r : zkeys_derive(&s->sec->keys, mode);
}

int
zs_derive_prsh(struct zsession *s)
{
	int r;

	/* The keyID matched, so both hold this rs1: no mismatch. */
	s->cache_mismatch = 0;
	s->our_v = s->sec->cache.verified;
	r = zs_derive_nodh(s, ZMODE_PRSH);
	/* §4.4.2.3: erased as soon as s0 exists. */
	zwipe(s->sec->psk, sizeof(s->sec->psk));
	return r;
}

int
zs_derive_mult(struct zsession *s)
{
	if (s->call->sec->sess_len != zhash_len(s->hash))
		return ZE_INVAL;
	return zs_derive_nodh(s, ZMODE_MULT);
}

/*
 * Rank among overlapping exchanges with one peer (docs/engine.md,
 * "Concurrent calls"), from what both ends know alike: a store the user
 * verified after a mismatch first, then one whose s1 was rs1 on both
 * sides, then the smallest MAC(new rs1, "Initiator"): public, and the
 * same bytes on both ends.
 */
static void
zs_store_rank(struct zsession *s, struct zs_cache_record *rec)
{
	struct zsecret n = { s->sec->keys.rs1_new, ZRTP_RS_LEN };
	const char *l = zs_label(ZS_ROLE_INITIATOR);

	rec->rank[0] = s->cache_mismatch ? 2 : s->s1_in_step ? 1 : 0;
	if (zsecret_id(s->hash, &n, l, strlen(l), rec->rank + 1) != 0)
		memset(rec->rank + 1, 0xff, ZRTP_SECRET_ID_LEN);
}

/* The longest a retransmission schedule waits before giving up. */
static uint64_t
zs_schedule_ms(uint32_t first, uint32_t cap, uint32_t tries)
{
	uint64_t total = first, ms = first;
	uint32_t i;

	for (i = 0; i < tries; i++) {
		ms = ms * 2 > cap ? cap : ms * 2;
		total += ms;
	}
	return total;
}

/*
 * docs/engine.md, "First contacts that overlap": after our first store
 * of a first contact, the peer stores the same exchange's secret at most one
 * Confirm2 schedule later (T2: it stores on the Conf2ACK that answers a
 * Confirm2 we had already answered); a call whose cache read came before
 * that store reads on our side at most one Hello schedule later (the peer
 * read at our Hello, which restarts its own Hello's count at the known
 * peer's T1 tries; we read at its Hello). The schedules are the peer's:
 * t holds §6's (zs_config_defaults()), not our handshake deadline. Five
 * seconds more for the way across and the loops' latency. Defaults:
 * 10,650 + 12,000 + 5,000 ms.
 */
uint32_t
zs_overlap_window_ms(const struct zs_timers *t)
{
	uint64_t t2 = zs_schedule_ms(t->t2_ms, t->t2_cap_ms, t->t2_tries);
	uint64_t t1 = (uint64_t)t->t1_tries_known * t->t1_cap_ms;

	return (uint32_t)(t1 + t2 + 5000);
}

int
zs_cache_record_cmp(const struct zs_cache_record *a,
    const struct zs_cache_record *b)
{
	int i;

	if (a->rank[0] != b->rank[0])
		return a->rank[0] > b->rank[0] ? 1 : -1;
	/* Public bytes (a MAC of the secret, sent as rs1ID next call). */
	for (i = 1; i < (int)sizeof(a->rank); i++)
		if (a->rank[i] != b->rank[i])
			return a->rank[i] < b->rank[i] ? 1 : -1;
	return 0;
}

/*
 * The record the cache writes as it is: the new rs1, expiring an interval
 * of expiry seconds after the cache was read (0xffffffff: never), and rs2.
 * DH after a match: rs2 is s1, the secret this exchange proved both ends
 * hold, with the expiry it had. In sequence s1 is the old rs1, as §4.6.1
 * says; when exchanges overlapped it keeps the one secret every
 * overlapping exchange's store shares, so both ends keep one in common
 * whichever store each keeps ("Concurrent calls"). Without a match (a new
 * peer, or a store the user verified after a mismatch) the old rs1 moves
 * to rs2 (§4.6.1); Preshared leaves rs2 alone.
 */
static void
zs_store_action(struct zsession *s, struct zs_action *a, uint32_t expiry)
{
	const struct zs_cache_entry *old = &s->sec->cache;
	struct zs_cache_record *rec = &a->u.store;
	int slot = s->mode == ZMODE_DH && !s->cache_mismatch ? s->s1_slot : 0;

	a->type = ZSA_CACHE_STORE;
	memcpy(rec->zid, s->peer_zid, ZRTP_ZID_LEN);
	memcpy(rec->rs1, s->sec->keys.rs1_new, ZRTP_RS_LEN);
	rec->rs1_expires = expiry == 0xffffffff ? -1 :
	    old->now + (int64_t)expiry;
	if (slot == 2) {
		rec->rs2_valid = 1;
		memcpy(rec->rs2, old->rs2, ZRTP_RS_LEN);
		rec->rs2_expires = old->rs2_expires;
	} else if (s->mode == ZMODE_DH && old->rs1_valid && !s->cache_overlap) {
		rec->rs2_valid = 1;
		memcpy(rec->rs2, old->rs1, ZRTP_RS_LEN);
		rec->rs2_expires = old->rs1_expires;
	} else if (s->mode == ZMODE_PRSH && old->rs2_valid) {
		rec->rs2_valid = 1;
		memcpy(rec->rs2, old->rs2, ZRTP_RS_LEN);
		rec->rs2_expires = old->rs2_expires;
	}
	rec->verified = s->our_v;
	rec->matched = !s->cache_mismatch && (s->s1_slot != 0 ||
	    s->mode == ZMODE_PRSH);
	/* An overlapping first contact keeps no rs2: nothing proved it. */
	rec->fresh = !rec->matched && !s->cache_mismatch;
	zs_store_rank(s, rec);
}

/*
 * §4.6.1: after a DH exchange rs2 = old rs1, rs1 = new. The interval is
 * the smaller of both Confirms'; 0 means no caching and an existing
 * entry's rs1 expires (§4.9). §4.6.1.1, for every one of these writes: a
 * peer's stored secrets change only when this exchange matched one of
 * them (or none was live); after a cache mismatch the write waits for the
 * user to verify this call's SAS, and the mismatch is reported whatever
 * the interval.
 */
int
zs_cache_update(struct zsession *s)
{
	uint32_t expiry = s->cfg.cache_expiry < s->peer_expiry ?
	    s->cfg.cache_expiry : s->peer_expiry;
	struct zs_action *a = &s->sec->last_store;

	memset(a, 0, sizeof(*a));
	if (s->mode == ZMODE_MULT || (expiry == 0 && !s->sec->cache.found)) {
		zwipe(&s->sec->cache, sizeof(s->sec->cache));
		return 0;	/* §4.9: nothing to store or to expire */
	}
	if (expiry == 0) {
		a->type = ZSA_CACHE_EXPIRE;
		memcpy(a->u.zid, s->peer_zid, ZRTP_ZID_LEN);
	} else
		zs_store_action(s, a, expiry);
	zwipe(s->sec->keys.rs1_new, sizeof(s->sec->keys.rs1_new));
	/* What the write needs is in last_store; the loaded copy goes. */
	zwipe(s->sec->cache.rs1, sizeof(s->sec->cache.rs1));
	zwipe(s->sec->cache.rs2, sizeof(s->sec->cache.rs2));
	zwipe(s->sec->cache.pbxsecret, sizeof(s->sec->cache.pbxsecret));
	if (s->cache_mismatch) {
		s->store_deferred = 1;
		zs_alert(s, ZC_CACHE_MISMATCH, NULL);
		return 0;
	}
	return zs_emit_store(s);
}

int
zs_emit_store(struct zsession *s)
{
	struct zs_action *a;

	if ((a = zs_push(s, ZSA_CACHE_STORE)) == NULL)
		return ZE_NOSPACE;
	*a = s->sec->last_store;
	/* A later verdict sets the V flag of a stored rs1 only. */
	s->stored = a->type == ZSA_CACHE_STORE;
	s->store_deferred = 0;
	return 0;
}
