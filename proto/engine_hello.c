/*
 * Discovery (RFC 6189 §4.1): our Hello, the peer's Hello and HelloACK,
 * version and algorithm negotiation, and the moment a Commit can go out.
 */
#include <ctype.h>
#include <string.h>
#include <stdio.h>

#include "algo.h"
#include "engine_int.h"
#include "zcrypto.h"
#include "zerr.h"

/* §5.1.2-§5.1.6: mandatory algorithms, implied at the end of every list. */
static const uint32_t zs_mandatory[ZALGO_KIND_COUNT][2] = {
	[ZALGO_HASH] = { ZALGO('S', '2', '5', '6'), 0 },
	[ZALGO_CIPHER] = { ZALGO('A', 'E', 'S', '1'), 0 },
	[ZALGO_AUTH] = { ZALGO('H', 'S', '3', '2'), ZALGO('H', 'S', '8', '0') },
	[ZALGO_KEX] = { ZALGO('D', 'H', '3', 'k'), 0 },
	[ZALGO_SAS] = { ZSAS_B32, 0 },
};

/*
 * §4.1.2, "fastest" first: the RFC's order (DH2k, EC25, DH3k, EC38, EC52)
 * with X25519 and X448 where bzrtp and GNU ZRTP place them, so that both
 * ends of a call rank alike and precompute the same key pair.
 */
static const enum zkex_alg zs_kex_speed[] = {
	ZKEX_DH2K, ZKEX_X255, ZKEX_EC25, ZKEX_X448, ZKEX_DH3K, ZKEX_EC38,
	ZKEX_EC52,
};

static int	zs_send_helloack(struct zsession *);
static int	zs_inputs_ready(const struct zsession *);
static int	zs_hello_hex_matches(const struct zsession *, const char *);

/* A list with the mandatory algorithms appended when missing. */
static size_t
zs_full_list(const uint8_t *count, const uint32_t (*algo)[ZRTP_ALGO_MAX],
    int kind, uint32_t out[ZRTP_ALGO_MAX + 2])
{
	size_t n = 0, i, j;

	for (i = 0; i < count[kind]; i++)
		out[n++] = algo[kind][i];
	for (j = 0; j < 2 && zs_mandatory[kind][j] != 0; j++) {
		for (i = 0; i < n; i++)
			if (out[i] == zs_mandatory[kind][j])
				break;
		if (i == n)
			out[n++] = zs_mandatory[kind][j];
	}
	return n;
}

static int
zs_in_list(const uint32_t *list, size_t n, uint32_t block)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == block)
			return 1;
	return 0;
}

/* Whether this engine implements a block of the given kind. */
int
zs_supported(int kind, uint32_t block)
{
	return zalgo_runs(kind, block) || (kind == ZALGO_KEX &&
	    (block == ZKEX_BLOCK_MULT || block == ZKEX_BLOCK_PRSH));
}

/*
 * A block our Hello offered: in our list or implied as mandatory, or a
 * non-DH mode our Hello listed (zs_hello_kex()).
 */
int
zs_offered(const struct zsession *s, int kind, uint32_t block)
{
	uint32_t ours[ZRTP_ALGO_MAX + 2];
	size_t n;

	if (kind == ZALGO_KEX && (block == ZKEX_BLOCK_MULT ||
	    (block == ZKEX_BLOCK_PRSH && s->cfg.preshared)))
		return 1;
	n = zs_full_list(s->cfg.count, s->cfg.algo, kind, ours);
	return zs_in_list(ours, n, block) && zs_supported(kind, block);
}

/* Common list in the order of list a. */
static size_t
zs_common(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
    int kind, uint32_t *out)
{
	size_t i, n = 0;

	for (i = 0; i < na; i++)
		if (zs_in_list(b, nb, a[i]) && zs_supported(kind, a[i]) &&
		    a[i] != ZKEX_BLOCK_MULT && a[i] != ZKEX_BLOCK_PRSH)
			out[n++] = a[i];
	return n;
}

/* Both Curve25519 names rank alike: zalgo_kex() maps E255 to X25519. */
static int
zs_kex_rank(uint32_t block)
{
	enum zkex_alg k;
	size_t i;

	if (zalgo_kex(block, &k) != 0)
		return 100;
	for (i = 0; i < sizeof(zs_kex_speed) / sizeof(zs_kex_speed[0]); i++)
		if (zs_kex_speed[i] == k)
			return (int)i;
	return 100;
}

/* The first block of a list that pred accepts, or 0. */
static uint32_t
zs_first_of(const uint32_t *list, size_t n, int (*pred)(uint32_t))
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pred(list[i]))
			return list[i];
	return 0;
}

static int
zs_is_aes2(uint32_t block)
{
	return block == ZALGO('A', 'E', 'S', '2');
}

/* §5.1.5: EC38 only where a 384-bit hash is common; others always. */
static size_t
zs_kex_filter(uint32_t *kex, size_t n, const uint32_t *hash, size_t nh)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		if (kex[i] != ZALGO('E', 'C', '3', '8') ||
		    zs_first_of(hash, nh, zalgo_hash_384) != 0)
			kex[m++] = kex[i];
	return m;
}

/*
 * The name our Commit gives the key agreement alg: the peer's own, the
 * first of its list that we offered too (Curve25519 is X255 to bzrtp,
 * E255 to GNU ZRTP), so a peer that knows one name is never sent the
 * other. The Commit's bytes, hashed into total_hash, carry that name.
 */
uint32_t
zs_kex_name(const struct zsession *s, enum zkex_alg alg)
{
	uint32_t theirs[ZRTP_ALGO_MAX + 2];
	enum zkex_alg k;
	size_t n, i;

	n = zs_full_list(s->ex->peer_hello_m.count,
	    (const uint32_t (*)[ZRTP_ALGO_MAX])s->ex->peer_hello_m.algo,
	    ZALGO_KEX, theirs);
	for (i = 0; i < n; i++)
		if (zalgo_kex(theirs[i], &k) == 0 && k == alg &&
		    zs_offered(s, ZALGO_KEX, theirs[i]))
			return theirs[i];
	return zalgo_kex_block(alg);
}

/*
 * §5.1.5, given the common hash and cipher lists: EC38 takes a 384-bit
 * hash (zs_kex_filter() made sure there is one) and AES3, else AES2 (a
 * SHOULD and a MAY); EC52 and X448 the same where common; DH2k AES1.
 */
static void
zs_couple(struct zsession *s, const uint32_t *hash, size_t nh,
    const uint32_t *cipher, size_t nc)
{
	uint32_t kex = s->algo[ZALGO_KEX], pick;

	if (zalgo_kex_strong(kex)) {
		if ((pick = zs_first_of(hash, nh, zalgo_hash_384)) != 0)
			s->algo[ZALGO_HASH] = pick;
		if ((pick = zs_first_of(cipher, nc, zalgo_cipher_256)) != 0 ||
		    (pick = zs_first_of(cipher, nc, zs_is_aes2)) != 0)
			s->algo[ZALGO_CIPHER] = pick;
	} else if (kex == ZALGO('D', 'H', '2', 'k'))
		s->algo[ZALGO_CIPHER] = ZALGO('A', 'E', 'S', '1');
}

const int zs_unsupported[ZALGO_KIND_COUNT] = {
	ZC_HASH_UNSUPPORTED, ZC_CIPHER_UNSUPPORTED, ZC_AUTH_UNSUPPORTED,
	ZC_KEX_UNSUPPORTED, ZC_SAS_UNSUPPORTED
};

/*
 * §4.1.2: for key agreement, the faster of both sides' first common
 * choice, so both ends precompute the same key pair, named as the peer
 * names it; other kinds take our first common choice, except where §5.1.5
 * couples them to the key agreement (zs_couple()).
 */
int
zs_negotiate(struct zsession *s)
{
	uint32_t ours[ZRTP_ALGO_MAX + 2], theirs[ZRTP_ALGO_MAX + 2];
	uint32_t c[ZALGO_KIND_COUNT][ZRTP_ALGO_MAX + 2];
	uint32_t c_theirs[ZRTP_ALGO_MAX + 2], kex;
	size_t nc[ZALGO_KIND_COUNT], no, nt, nct = 0;
	enum zkex_alg alg;
	int k;

	for (k = 0; k < ZALGO_KIND_COUNT; k++) {
		no = zs_full_list(s->cfg.count, s->cfg.algo, k, ours);
		nt = zs_full_list(s->ex->peer_hello_m.count,
		    (const uint32_t (*)[ZRTP_ALGO_MAX])
		    s->ex->peer_hello_m.algo, k, theirs);
		nc[k] = zs_common(ours, no, theirs, nt, k, c[k]);
		if (k == ZALGO_KEX)
			nct = zs_common(theirs, nt, ours, no, k, c_theirs);
	}
	nc[ZALGO_KEX] = zs_kex_filter(c[ZALGO_KEX], nc[ZALGO_KEX],
	    c[ZALGO_HASH], nc[ZALGO_HASH]);
	nct = zs_kex_filter(c_theirs, nct, c[ZALGO_HASH], nc[ZALGO_HASH]);
	for (k = 0; k < ZALGO_KIND_COUNT; k++)
		if (nc[k] == 0 || (k == ZALGO_KEX && nct == 0))
			return zs_fail(s, zs_unsupported[k], 0, NULL);
	for (k = 0; k < ZALGO_KIND_COUNT; k++)
		s->algo[k] = c[k][0];
	kex = c[ZALGO_KEX][0];
	if (zs_kex_rank(c_theirs[0]) < zs_kex_rank(kex))
		kex = c_theirs[0];
	if (zalgo_kex(kex, &alg) != 0)
		return zs_fail(s, ZC_KEX_UNSUPPORTED, 0, "key agreement");
	s->algo[ZALGO_KEX] = zs_kex_name(s, alg);
	zs_couple(s, c[ZALGO_HASH], nc[ZALGO_HASH], c[ZALGO_CIPHER],
	    nc[ZALGO_CIPHER]);
	return zs_apply_algos(s);
}

/* Resolve negotiated blocks into crypto enums. */
int
zs_apply_algos(struct zsession *s)
{
	if (zalgo_hash(s->algo[ZALGO_HASH], &s->hash) != 0 ||
	    zalgo_cipher(s->algo[ZALGO_CIPHER], &s->cipher) != 0)
		return ZE_UNSUPPORTED;
	/* Mult and Prsh keep the DH key agreement negotiated for fallback. */
	if (s->algo[ZALGO_KEX] == ZKEX_BLOCK_MULT ||
	    s->algo[ZALGO_KEX] == ZKEX_BLOCK_PRSH)
		return 0;
	return zalgo_kex(s->algo[ZALGO_KEX], &s->kex);
}

/* Our key agreement list, with the non-DH modes we can run appended. */
static void
zs_hello_kex(const struct zsession *s, struct zmsg_hello *h)
{
	uint32_t extra[2] = { ZKEX_BLOCK_MULT, ZKEX_BLOCK_PRSH };
	int n = s->cfg.preshared ? 2 : 1, i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < h->count[ZALGO_KEX]; j++)
			if (h->algo[ZALGO_KEX][j] == extra[i])
				break;
		if (j == h->count[ZALGO_KEX] &&
		    h->count[ZALGO_KEX] < ZRTP_ALGO_MAX)
			h->algo[ZALGO_KEX][h->count[ZALGO_KEX]++] = extra[i];
	}
}

/*
 * Our Hello, built once when the session is made so that its a=zrtp-hash
 * (§8.1) can go into the SDP before any packet flows.
 */
int
zs_build_hello(struct zsession *s)
{
	struct zmsg_hello *h;
	struct zmsg m;
	int r;

	memset(&m, 0, sizeof(m));
	m.type = ZMSG_HELLO;
	h = &m.u.hello;
	memcpy(h->version, "1.10", ZRTP_VERSION_LEN);
	memcpy(h->client_id, s->cfg.client_id, ZRTP_CID_LEN);
	memcpy(h->h3, s->sec->chain.h[3], ZRTP_HASH_IMAGE_LEN);
	memcpy(h->zid, s->cfg.zid, ZRTP_ZID_LEN);
	h->flags = (s->cfg.role_pref == ZS_PREFER_RESPONDER ?
	    ZHELLO_FLAG_P : 0) | (s->cfg.pbx ? ZHELLO_FLAG_M : 0);
	memcpy(h->count, s->cfg.count, sizeof(h->count));
	memcpy(h->algo, s->cfg.algo, sizeof(h->algo));
	zs_hello_kex(s, h);
	/* §5.2: the Hello MAC is keyed by H2. */
	if ((r = zs_build(s, &m, &s->hello, s->sec->chain.h[2])) != 0)
		return r;
	memcpy(s->hello_hash, "1.10 ", 5);
	return zhello_hash_hex(s->hello.b, s->hello.len, s->hello_hash + 5);
}

int
zs_send_hello(struct zsession *s)
{
	zs_retransmit_start(s, &s->hello, 1);
	return zs_send(s, &s->hello);
}

/*
 * §8.1: a Hello hash from signalling must match the Hello on the wire.
 * Hex digits compare in either case; a "1.10 " prefix is optional.
 */
static int
zs_check_hello_hash(const struct zsession *s, const struct zview *hello)
{
	char hex[ZRTP_HELLO_HASH_HEX];

	if (s->cfg.peer_hello_hash[0] == '\0')
		return 0;
	if (zhello_hash_hex(hello->p, hello->len, hex) != 0)
		return ZE_BAD_MAC;
	return zs_hello_hex_matches(s, hex);
}

/* The peer's Hello hash in hex against a=zrtp-hash, when it is given. */
static int
zs_hello_hex_matches(const struct zsession *s, const char *hex)
{
	char want[ZRTP_HELLO_HASH_HEX];
	const char *w = s->cfg.peer_hello_hash;
	size_t i;

	if (w[0] == '\0')
		return 0;
	if (strncmp(w, "1.10 ", 5) == 0)
		w += 5;
	if (strlen(w) != 64)
		return ZE_BAD_MAC;
	for (i = 0; i < 64; i++)
		want[i] = (char)tolower((unsigned char)w[i]);
	return zct_eq(hex, want, 64) ? 0 : ZE_BAD_MAC;
}

/* Ask for what the exchange needs: retained secrets and a key pair. */
static int
zs_request_inputs(struct zsession *s)
{
	struct zs_action *a;

	if (s->call->filled) {
		/* §4.4.3.1: the first stream's algorithms, no DH, no cache. */
		s->mode = ZMODE_MULT;
		s->cache_loaded = s->kex_ready = 1;
		memcpy(s->algo, s->call->algo, sizeof(s->algo));
		s->algo[ZALGO_KEX] = ZKEX_BLOCK_MULT;
		return zs_apply_algos(s);
	}
	if ((a = zs_push(s, ZSA_CACHE_LOOKUP)) == NULL)
		return ZE_NOSPACE;
	memcpy(a->u.zid, s->peer_zid, ZRTP_ZID_LEN);
	return zs_request_keygen(s);
}

/* The key pair matches the key agreement and cipher now chosen. */
int
zs_key_pair_fits(const struct zsession *s)
{
	return s->ex->kp.alg == s->kex && s->ex->kp.sv_len ==
	    zkex_sv_len(s->kex, zcipher_key_len(s->cipher));
}

int
zs_request_keygen(struct zsession *s)
{
	struct zs_kex_job *job;

	if (s->job_pending)
		return ZE_INVAL;
	zkex_clear(&s->ex->kp);
	s->kex_ready = 0;
	if ((job = zs_job_new(s, ZS_KEX_GENERATE, zkex_sv_len(s->kex,
	    zcipher_key_len(s->cipher)))) == NULL)
		return ZE_NOMEM;
	/* The secret comes from the engine's random source (sans-I/O). */
	zs_random(s, job->sec, job->sec_len);
	return zs_push_job(s, job);
}

static void
zs_report_peer(struct zsession *s)
{
	struct zs_action *a;

	if ((a = zs_push(s, ZSA_PEER)) == NULL)
		return;
	memcpy(a->u.peer.zid, s->peer_zid, ZRTP_ZID_LEN);
	memcpy(a->u.peer.client_id, s->ex->peer_hello_m.client_id,
	    ZRTP_CID_LEN);
	memcpy(a->u.peer.version, s->ex->peer_hello_m.version,
	    ZRTP_VERSION_LEN);
	a->u.peer.flags = s->peer_flags;
}

/*
 * A Hello we cannot run with: fatal (§4.1.1, §5.9) when signalling
 * authenticated it (a=zrtp-hash), else refused like any forgery.
 */
static int
zs_hello_refused(struct zsession *s, int authentic, int code,
    const char *what)
{
	if (authentic) {
		zs_fail(s, code, 0, NULL);
		return 1;
	}
	zs_refuse(s, code, what);
	return 0;
}

/* A HelloACK that arrived before this Hello, from its SSRC, counts. */
static int
zs_early_ack(struct zsession *s)
{
	if (!s->early_ack || s->early_ack_ssrc != s->peer_ssrc)
		return 0;
	s->hello_acked = 1;
	if (s->retx == &s->hello)
		zs_retransmit_stop(s);
	return 0;
}

/*
 * The first Hello of the peer: the a=zrtp-hash check before anything
 * else (§8.1), so only a Hello signalling vouched for can end the
 * exchange; then version, ZID, negotiation. Not 0: the session ended.
 */
static int
zs_first_hello(struct zsession *s, const struct zpkt *pkt)
{
	const struct zmsg_hello *h = &pkt->msg.u.hello;
	int authentic = s->cfg.peer_hello_hash[0] != '\0', r;
	struct zmsg m;

	/* Not the Hello signalling announced: dropped, nothing kept. */
	if (zs_check_hello_hash(s, &pkt->raw_msg) != 0) {
		zs_refuse(s, ZC_HELLO_HASH,
		    "a Hello that does not match a=zrtp-hash: dropped");
		return 0;
	}
	/* §4.1.1: only the first three octets of the (public) version count. */
	if (memcmp(h->version, "1.1", 3) > 0)
		return 0;	/* a newer peer offers 1.10 next: ignored */
	if (memcmp(h->version, "1.1", 3) < 0)	/* public */
		return zs_hello_refused(s, authentic, ZC_VERSION,
		    "Hello of an older ZRTP version: refused");
	if (zct_eq(h->zid, s->cfg.zid, ZRTP_ZID_LEN))
		return zs_hello_refused(s, authentic, ZC_EQUAL_ZID,
		    "Hello with our own ZID: refused");
	/* §4.4.3: every stream of a call comes from the same peer ZID. */
	if (s->call->filled && !zct_eq(h->zid, s->call->peer_zid,
	    ZRTP_ZID_LEN))
		return zs_hello_refused(s, authentic, ZC_STREAM_ZID,
		    "Hello from another ZID than the call's: refused");
	if ((r = zs_keep(&s->peer_hello, &pkt->raw_msg)) != 0 ||
	    (r = zmsg_decode(s->peer_hello.b, s->peer_hello.len, &m)) != 0)
		return zs_fail(s, ZC_MALFORMED, r, "peer Hello") != ZS_INIT;
	s->ex->peer_hello_m = m.u.hello;
	memcpy(s->peer_zid, m.u.hello.zid, ZRTP_ZID_LEN);
	s->peer_flags = m.u.hello.flags;
	/* For an a=zrtp-hash that comes later, after the Hello is gone. */
	if ((r = zhello_hash_hex(s->peer_hello.b, s->peer_hello.len,
	    s->peer_hello_hex)) != 0)
		return zs_fail(s, ZC_INTERNAL, r, "peer Hello hash") != ZS_INIT;
	s->peer_ssrc = pkt->ssrc;
	s->have_peer_ssrc = 1;
	s->rx_proven = authentic;	/* signalling vouched for it */
	s->refused_code = ZC_NONE;	/* a usable Hello supersedes */
	zs_report_peer(s);
	if ((r = zs_negotiate(s)) != 0) {
		zs_fail(s, ZC_INTERNAL, r, "negotiation");	/* if not yet */
		return 1;
	}
	/* §6: the peer speaks ZRTP; extend our Hello schedule. */
	if (s->retx == &s->hello)
		s->retx_left = s->cfg.timers.t1_tries_known;
	if ((r = zs_request_inputs(s)) != 0) {
		zs_fail(s, ZC_INTERNAL, r, "request inputs");
		return 1;
	}
	return zs_early_ack(s);
}

enum zs_state
zs_on_hello(struct zsession *s, const struct zpkt *pkt)
{
	int r;

	/*
	 * Only the Hello we negotiate from is judged; later ones are just
	 * acknowledged (§5.3), so an unauthenticated Hello cannot end the
	 * exchange or a secure call once the peer's Hello is in hand.
	 */
	if (s->peer_hello.len == 0 && zs_first_hello(s, pkt) != 0)
		return zs_stop(s);
	if (s->peer_hello.len == 0)
		return s->state;	/* dropped */
	/*
	 * §5.3: when we initiate, our Commit stands in for the HelloACK; the
	 * ACK is owed until then and zs_progress() pays it if the Commit
	 * cannot go first (the peer withholds its ACK the same way).
	 */
	if (s->cfg.role_pref == ZS_PREFER_INITIATOR) {
		s->ack_owed = 1;
		return zs_progress(s);
	}
	if ((r = zs_send_helloack(s)) != 0)
		return zs_sent(s, r, s->state);
	return zs_progress(s);
}

/* After discovery a repeated Hello is only acknowledged (§5.3). */
enum zs_state
zs_on_hello_again(struct zsession *s, const struct zpkt *pkt)
{
	(void)pkt;
	return zs_sent(s, zs_send_helloack(s), s->state);
}

static int
zs_send_helloack(struct zsession *s)
{
	s->ack_owed = 0;
	return zs_send_ack(s, ZMSG_HELLOACK);
}

enum zs_state
zs_on_helloack(struct zsession *s, const struct zpkt *pkt)
{
	/*
	 * Before the peer's Hello no source is known to be the peer's: the
	 * ACK waits for a Hello from its SSRC, so a spoofed one cannot stop
	 * our Hello (the peer would then drop our Commits).
	 */
	if (!s->have_peer_ssrc) {
		s->early_ack = 1;
		s->early_ack_ssrc = pkt->ssrc;
		return s->state;
	}
	if (s->hello_acked)
		return s->state;
	s->hello_acked = 1;
	if (s->retx == &s->hello)
		zs_retransmit_stop(s);
	return zs_progress(s);
}

/* The retained secrets are in (zs_cache_loaded()), or unreadable. */
enum zs_state
zs_on_cache(struct zsession *s, const struct zpkt *pkt)
{
	(void)pkt;
	if (s->cache_error != 0)
		return zs_fail(s, ZC_CACHE_UNREADABLE, s->cache_error, NULL);
	return zs_progress(s);
}

enum zs_state
zs_on_keygen(struct zsession *s, const struct zpkt *pkt)
{
	int r;

	(void)pkt;
	if (s->done->op != ZS_KEX_GENERATE)
		return s->state;
	if (s->done->status != 0 && s->done->status != ZE_INVAL)
		return zs_fail(s, ZC_INTERNAL, s->done->status,
		    "key pair generation failed");
	/*
	 * Again for a scalar out of range (ZE_INVAL), or when a Commit chose
	 * another key agreement or cipher meanwhile.
	 */
	if (s->done->status == ZE_INVAL || !zs_key_pair_fits(s)) {
		if ((r = zs_request_keygen(s)) != 0)
			return zs_fail(s, ZC_INTERNAL, r, "key pair");
		return s->state;
	}
	s->kex_ready = 1;
	return zs_progress(s);
}

/*
 * In discovery, once the inputs are in: answer a pending Commit as
 * responder, or send our own Commit when our Hello is acknowledged (§4.1,
 * §5.4). Until then discovery goes on.
 */
enum zs_state
zs_progress(struct zsession *s)
{
	if (!zs_inputs_ready(s))
		return ZS_DISCOVERY;
	if (s->commit_pending)
		return zs_respond(s);
	if (s->hello_acked && s->cfg.role_pref != ZS_PREFER_RESPONDER) {
		s->ack_owed = 0;	/* the Commit acknowledges */
		return zs_send_commit(s);
	}
	return ZS_DISCOVERY;
}

/*
 * Called after each retransmission of our Hello. A peer that keeps our
 * Hello unacknowledged while we are ready withholds its ACK as we do (both
 * prefer to initiate); after ZS_OWED_ACK_PATIENCE such rounds we pay ours,
 * so one side can commit. A lossy link rarely eats that many round trips.
 */
int
zs_hello_resent(struct zsession *s)
{
	if (!s->ack_owed || s->hello_acked || !zs_inputs_ready(s) ||
	    ++s->owed_rounds < ZS_OWED_ACK_PATIENCE)
		return 0;
	return zs_send_helloack(s);
}

/* Retained secrets and our key pair are in. */
static int
zs_inputs_ready(const struct zsession *s)
{
	return s->cache_loaded && s->kex_ready && s->peer_hello.len != 0;
}

int
zs_set_peer_hello_hash(struct zsession *s, uint64_t now_ms, const char *hash)
{
	const char *h = hash;
	size_t i;

	if (strncmp(h, "1.10 ", 5) == 0)
		h += 5;
	if (strlen(h) != 64)
		return ZE_INVAL;
	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)h[i]))
			return ZE_INVAL;
	s->now = now_ms;
	snprintf(s->cfg.peer_hello_hash, sizeof(s->cfg.peer_hello_hash), "%s",
	    h);
	/* The kept hash: a secure session no longer holds the Hello. */
	if (s->peer_hello_hex[0] == '\0' || s->state == ZS_FAILED ||
	    s->state == ZS_ERROR_SENT)
		return 0;
	if (zs_hello_hex_matches(s, s->peer_hello_hex) != 0)
		(void)zs_fail(s, ZC_HELLO_HASH, 0,
		    "the peer's Hello does not match a=zrtp-hash");
	return zs_settle(s, 0);		/* zs_fsm_step() ends it */
}
