/*
 * The message and packet codecs of RFC 6189 §5 against what a peer can
 * send: all sixteen messages round-trip, every truncation, every length and
 * count field at its bound and one past, each corrupted header field gets
 * its own error. Also CRC-32C (RFC 3720 §B.4), the hash chain, the chain
 * MACs, hvi and the Hello hash. Deterministic: no clock, no randomness.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "unit.h"

#include "crc32c.h"
#include "hash.h"
#include "hashchain.h"
#include "msg.h"
#include "packet.h"
#include "zcrypto.h"
#include "zerr.h"

#define PKT_BUF		4096
#define BODY_MIN	40	/* §5.7, §5.13: plaintext without signature */
#define BODY_MAX	(BODY_MIN + 4 * ZRTP_SIG_LEN_MAX)
/* §5.5: header, H1 and four secret IDs come before pv. */
#define DHPART_FIXED	(ZRTP_MSG_HDR_LEN + ZRTP_HASH_IMAGE_LEN + \
			    4 * ZRTP_SECRET_ID_LEN)
/* §5.7: header, confirm_mac and IV come before the sealed region. */
#define SEALED_FIXED	(ZRTP_MSG_HDR_LEN + ZRTP_MAC_LEN + ZRTP_IV_LEN)
/* §5.2: version, client id, H3, ZID, then the flags and counts word. */
#define HELLO_WORD_OFF	(ZRTP_MSG_HDR_LEN + ZRTP_VERSION_LEN + \
			    ZRTP_CID_LEN + ZRTP_HASH_IMAGE_LEN + ZRTP_ZID_LEN)
#define SEQ(i)		((uint16_t)(0x1234 + (i)))
#define SSRC(i)		(0xdeadbe00u + (uint32_t)(i))

enum shape {
	SHAPE_FIXED,	/* every field has a fixed size */
	SHAPE_DHPART,	/* pv is what the length leaves */
	SHAPE_SEALED	/* the sealed region is what the length leaves */
};

#define COMMIT_DH	0
#define COMMIT_MULT	1
#define COMMIT_PRSH	2

/* arg: Hello count row, Commit form, pv octets or signature words. */
struct sample {
	enum zmsg_type	type;
	int		arg;
};

static const uint8_t hello_counts[][ZALGO_KIND_COUNT] = {
	{ 0, 0, 0, 0, 0 }, { 1, 1, 1, 1, 1 }, { 7, 7, 7, 7, 7 },
	{ 1, 2, 3, 4, 5 }, { 7, 0, 3, 0, 7 }, { 0, 7, 0, 7, 0 },
};

static const struct sample samples[] = {
	{ ZMSG_HELLO, 0 }, { ZMSG_HELLO, 1 }, { ZMSG_HELLO, 2 },
	{ ZMSG_HELLO, 3 }, { ZMSG_HELLO, 4 }, { ZMSG_HELLO, 5 },
	{ ZMSG_HELLOACK, 0 },
	{ ZMSG_COMMIT, COMMIT_DH }, { ZMSG_COMMIT, COMMIT_MULT },
	{ ZMSG_COMMIT, COMMIT_PRSH },
	{ ZMSG_DHPART1, 32 }, { ZMSG_DHPART1, 56 }, { ZMSG_DHPART1, 64 },
	{ ZMSG_DHPART1, 96 }, { ZMSG_DHPART1, 132 }, { ZMSG_DHPART1, 256 },
	{ ZMSG_DHPART1, 384 },
	{ ZMSG_DHPART2, 32 }, { ZMSG_DHPART2, 56 }, { ZMSG_DHPART2, 64 },
	{ ZMSG_DHPART2, 96 }, { ZMSG_DHPART2, 132 }, { ZMSG_DHPART2, 256 },
	{ ZMSG_DHPART2, 384 },
	{ ZMSG_CONFIRM1, 0 }, { ZMSG_CONFIRM1, 5 }, { ZMSG_CONFIRM1, 511 },
	{ ZMSG_CONFIRM2, 0 }, { ZMSG_CONFIRM2, 5 },
	{ ZMSG_CONF2ACK, 0 },
	{ ZMSG_ERROR, 0 }, { ZMSG_ERRORACK, 0 },
	{ ZMSG_GOCLEAR, 0 }, { ZMSG_CLEARACK, 0 },
	{ ZMSG_SASRELAY, 0 }, { ZMSG_SASRELAY, 5 }, { ZMSG_SASRELAY, 511 },
	{ ZMSG_RELAYACK, 0 },
	{ ZMSG_PING, 0 }, { ZMSG_PINGACK, 0 },
};
#define NSAMPLES	((int)(sizeof(samples) / sizeof(samples[0])))

/* RFC 6189 Table 1, in enum zmsg_type order. */
static const char *const rfc_blocks[ZMSG_COUNT] = {
	"Hello   ", "HelloACK", "Commit  ", "DHPart1 ", "DHPart2 ",
	"Confirm1", "Confirm2", "Conf2ACK", "Error   ", "ErrorACK",
	"GoClear ", "ClearACK", "SASrelay", "RelayACK", "Ping    ",
	"PingACK ",
};

/* Storage the sample views point into. */
static uint8_t pv_store[384];
static uint8_t sig_store[4 * ZRTP_SIG_LEN_MAX];
static uint8_t sealed_store[BODY_MAX];

/* Distinct, never-zero bytes: a field read from the wrong place shows. */
static void
fill(void *p, size_t n, unsigned tag)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = 1 + (tag * 37 + i * 13) % 255;
}

/* For tight loops: ck_assert records a mark point on every success. */
static void
expect_rc(int got, int want, const char *what, size_t at)
{
	if (got != want)
		ck_abort_msg("%s at %zu: got %d (%s), want %d (%s)", what, at,
		    got, zerr_str(got), want, zerr_str(want));
}

static uint8_t *
dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n > 0 ? n : 1);

	ck_assert_ptr_nonnull(d);
	if (n > 0)
		memcpy(d, p, n);
	return d;
}

static enum shape
sample_shape(enum zmsg_type t)
{
	switch (t) {
	case ZMSG_DHPART1:
	case ZMSG_DHPART2:
		return SHAPE_DHPART;
	case ZMSG_CONFIRM1:
	case ZMSG_CONFIRM2:
	case ZMSG_SASRELAY:
		return SHAPE_SEALED;
	default:
		return SHAPE_FIXED;
	}
}

/* Message length in words, from the RFC 6189 §5 figures. */
static size_t
sample_words(const struct sample *s)
{
	int k, n = 0;

	switch (s->type) {
	case ZMSG_HELLO:
		for (k = 0; k < ZALGO_KIND_COUNT; k++)
			n += hello_counts[s->arg][k];
		return 22 + n;
	case ZMSG_COMMIT:
		return s->arg == COMMIT_DH ? 29 :
		    s->arg == COMMIT_MULT ? 25 : 27;
	case ZMSG_DHPART1:
	case ZMSG_DHPART2:
		return 21 + s->arg / 4;
	case ZMSG_CONFIRM1:
	case ZMSG_CONFIRM2:
	case ZMSG_SASRELAY:
		return 19 + s->arg;
	case ZMSG_ERROR:
		return 4;
	case ZMSG_GOCLEAR:
		return 5;
	case ZMSG_PING:
		return 6;
	case ZMSG_PINGACK:
		return 9;
	default:
		return 3;
	}
}

static void
build_hello(int row, struct zmsg_hello *h)
{
	int k, i;

	fill(h->version, sizeof(h->version), 1);
	fill(h->client_id, sizeof(h->client_id), 2);
	fill(h->h3, sizeof(h->h3), 3);
	fill(h->zid, sizeof(h->zid), 4);
	h->flags = 1 + row % 7;
	for (k = 0; k < ZALGO_KIND_COUNT; k++) {
		h->count[k] = hello_counts[row][k];
		for (i = 0; i < h->count[k]; i++)
			h->algo[k][i] = ZALGO('A' + k, '1' + i, 'x', ' ');
	}
	fill(h->mac, sizeof(h->mac), 5);
}

static void
build_commit(int form, struct zmsg_commit *c)
{
	fill(c->h2, sizeof(c->h2), 6);
	fill(c->zid, sizeof(c->zid), 7);
	c->algo[ZALGO_HASH] = ZALGO('S', '2', '5', '6');
	c->algo[ZALGO_CIPHER] = ZALGO('A', 'E', 'S', '1');
	c->algo[ZALGO_AUTH] = ZALGO('H', 'S', '3', '2');
	c->algo[ZALGO_SAS] = ZALGO('B', '3', '2', ' ');
	c->algo[ZALGO_KEX] = form == COMMIT_MULT ? ZKEX_BLOCK_MULT :
	    form == COMMIT_PRSH ? ZKEX_BLOCK_PRSH : ZALGO('D', 'H', '3', 'k');
	if (form == COMMIT_DH)
		fill(c->hvi, sizeof(c->hvi), 8);
	else
		fill(c->nonce, sizeof(c->nonce), 9);
	if (form == COMMIT_PRSH)
		fill(c->key_id, sizeof(c->key_id), 10);
	fill(c->mac, sizeof(c->mac), 11);
}

static void
build_dhpart(size_t pv_len, struct zmsg_dhpart *d)
{
	fill(d->h1, sizeof(d->h1), 12);
	fill(d->rs1_id, sizeof(d->rs1_id), 13);
	fill(d->rs2_id, sizeof(d->rs2_id), 14);
	fill(d->aux_id, sizeof(d->aux_id), 15);
	fill(d->pbx_id, sizeof(d->pbx_id), 16);
	fill(pv_store, pv_len, 17);
	d->pv.p = pv_store;
	d->pv.len = pv_len;
	fill(d->mac, sizeof(d->mac), 18);
}

static void
build_confirm_body(int sig_words, struct zconfirm_body *c)
{
	memset(c, 0, sizeof(*c));
	fill(c->h0, sizeof(c->h0), 21);
	c->flags = ZCONFIRM_FLAG_E | ZCONFIRM_FLAG_A | ZCONFIRM_FLAG_D;
	c->cache_expiry = 0x01020304;
	fill(sig_store, 4 * (size_t)sig_words, 22);
	c->sig.p = sig_store;
	c->sig.len = 4 * (size_t)sig_words;
}

static void
build_sasrelay_body(int sig_words, struct zsasrelay_body *b)
{
	memset(b, 0, sizeof(*b));
	b->flags = ZCONFIRM_FLAG_V | ZCONFIRM_FLAG_D;
	b->sas_scheme = ZALGO('B', '2', '5', '6');
	fill(b->sashash, sizeof(b->sashash), 23);
	fill(sig_store, 4 * (size_t)sig_words, 24);
	b->sig.p = sig_store;
	b->sig.len = 4 * (size_t)sig_words;
}

/* The outer message carries an (unencrypted) plaintext body. */
static void
build_sealed(enum zmsg_type t, int sig_words, struct zmsg_sealed *s)
{
	struct zconfirm_body c;
	struct zsasrelay_body b;
	struct zwbuf w;

	fill(s->mac, sizeof(s->mac), 19);
	fill(s->iv, sizeof(s->iv), 20);
	zwbuf_init(&w, sealed_store, sizeof(sealed_store));
	if (t == ZMSG_SASRELAY) {
		build_sasrelay_body(sig_words, &b);
		ck_assert_int_eq(zsasrelay_body_encode(&b, &w), 0);
	} else {
		build_confirm_body(sig_words, &c);
		ck_assert_int_eq(zconfirm_body_encode(&c, &w), 0);
	}
	s->sealed.p = sealed_store;
	s->sealed.len = w.len;
}

static void
build_sample(const struct sample *s, struct zmsg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = s->type;
	switch (s->type) {
	case ZMSG_HELLO:
		build_hello(s->arg, &m->u.hello);
		break;
	case ZMSG_COMMIT:
		build_commit(s->arg, &m->u.commit);
		break;
	case ZMSG_DHPART1:
	case ZMSG_DHPART2:
		build_dhpart((size_t)s->arg, &m->u.dhpart);
		break;
	case ZMSG_CONFIRM1:
	case ZMSG_CONFIRM2:
	case ZMSG_SASRELAY:
		build_sealed(s->type, s->arg, &m->u.confirm);
		break;
	case ZMSG_ERROR:
		m->u.error.code = 0x12345678;
		break;
	case ZMSG_GOCLEAR:
		fill(m->u.goclear.clear_mac, ZRTP_MAC_LEN, 25);
		break;
	case ZMSG_PING:
		fill(m->u.ping.version, ZRTP_VERSION_LEN, 26);
		fill(m->u.ping.ep_hash, ZRTP_EPHASH_LEN, 27);
		break;
	case ZMSG_PINGACK:
		fill(m->u.pingack.version, ZRTP_VERSION_LEN, 28);
		fill(m->u.pingack.ep_hash, ZRTP_EPHASH_LEN, 29);
		fill(m->u.pingack.ping_ep_hash, ZRTP_EPHASH_LEN, 30);
		m->u.pingack.ping_ssrc = 0x9abcdef1;
		break;
	default:
		break;
	}
}

static size_t
sample_packet(int i, struct zmsg *m, uint8_t *out, size_t cap)
{
	size_t len = 0;

	build_sample(&samples[i], m);
	ck_assert_int_eq(zpkt_encode(SEQ(i), SSRC(i), m, out, cap, &len), 0);
	return len;
}

static size_t
sample_msg(int i, struct zmsg *m, uint8_t *out, size_t cap)
{
	struct zwbuf w;

	build_sample(&samples[i], m);
	zwbuf_init(&w, out, cap);
	ck_assert_int_eq(zmsg_encode(m, &w), 0);
	return w.len;
}

static void
assert_view_eq(const struct zview *a, const struct zview *b)
{
	ck_assert_uint_eq(a->len, b->len);
	if (a->len > 0)
		ck_assert_mem_eq(a->p, b->p, a->len);
}

static void
assert_hello_eq(const struct zmsg_hello *a, const struct zmsg_hello *b)
{
	int k;

	ck_assert_mem_eq(a->version, b->version, sizeof(a->version));
	ck_assert_mem_eq(a->client_id, b->client_id, sizeof(a->client_id));
	ck_assert_mem_eq(a->h3, b->h3, sizeof(a->h3));
	ck_assert_mem_eq(a->zid, b->zid, sizeof(a->zid));
	ck_assert_uint_eq(a->flags, b->flags);
	for (k = 0; k < ZALGO_KIND_COUNT; k++) {
		ck_assert_uint_eq(a->count[k], b->count[k]);
		ck_assert_mem_eq(a->algo[k], b->algo[k],
		    a->count[k] * sizeof(a->algo[k][0]));
	}
	ck_assert_mem_eq(a->mac, b->mac, sizeof(a->mac));
}

static void
assert_commit_eq(const struct zmsg_commit *a, const struct zmsg_commit *b)
{
	ck_assert_mem_eq(a->h2, b->h2, sizeof(a->h2));
	ck_assert_mem_eq(a->zid, b->zid, sizeof(a->zid));
	ck_assert_mem_eq(a->algo, b->algo, sizeof(a->algo));
	switch (a->algo[ZALGO_KEX]) {
	case ZKEX_BLOCK_PRSH:
		ck_assert_mem_eq(a->key_id, b->key_id, sizeof(a->key_id));
		/* FALLTHROUGH */
	case ZKEX_BLOCK_MULT:
		ck_assert_mem_eq(a->nonce, b->nonce, sizeof(a->nonce));
		break;
	default:
		ck_assert_mem_eq(a->hvi, b->hvi, sizeof(a->hvi));
		break;
	}
	ck_assert_mem_eq(a->mac, b->mac, sizeof(a->mac));
}

static void
assert_dhpart_eq(const struct zmsg_dhpart *a, const struct zmsg_dhpart *b)
{
	ck_assert_mem_eq(a->h1, b->h1, sizeof(a->h1));
	ck_assert_mem_eq(a->rs1_id, b->rs1_id, sizeof(a->rs1_id));
	ck_assert_mem_eq(a->rs2_id, b->rs2_id, sizeof(a->rs2_id));
	ck_assert_mem_eq(a->aux_id, b->aux_id, sizeof(a->aux_id));
	ck_assert_mem_eq(a->pbx_id, b->pbx_id, sizeof(a->pbx_id));
	assert_view_eq(&a->pv, &b->pv);
	ck_assert_mem_eq(a->mac, b->mac, sizeof(a->mac));
}

static void
assert_msg_eq(const struct zmsg *a, const struct zmsg *b)
{
	const struct zmsg_pingack *pa = &a->u.pingack, *pb = &b->u.pingack;

	ck_assert_int_eq(a->type, b->type);
	switch (a->type) {
	case ZMSG_HELLO:
		assert_hello_eq(&a->u.hello, &b->u.hello);
		break;
	case ZMSG_COMMIT:
		assert_commit_eq(&a->u.commit, &b->u.commit);
		break;
	case ZMSG_DHPART1:
	case ZMSG_DHPART2:
		assert_dhpart_eq(&a->u.dhpart, &b->u.dhpart);
		break;
	case ZMSG_CONFIRM1:
	case ZMSG_CONFIRM2:
	case ZMSG_SASRELAY:
		ck_assert_mem_eq(a->u.confirm.mac, b->u.confirm.mac,
		    ZRTP_MAC_LEN);
		ck_assert_mem_eq(a->u.confirm.iv, b->u.confirm.iv, ZRTP_IV_LEN);
		assert_view_eq(&a->u.confirm.sealed, &b->u.confirm.sealed);
		break;
	case ZMSG_ERROR:
		ck_assert_uint_eq(a->u.error.code, b->u.error.code);
		break;
	case ZMSG_GOCLEAR:
		ck_assert_mem_eq(a->u.goclear.clear_mac, b->u.goclear.clear_mac,
		    ZRTP_MAC_LEN);
		break;
	case ZMSG_PING:
		ck_assert_mem_eq(a->u.ping.version, b->u.ping.version,
		    ZRTP_VERSION_LEN);
		ck_assert_mem_eq(a->u.ping.ep_hash, b->u.ping.ep_hash,
		    ZRTP_EPHASH_LEN);
		break;
	case ZMSG_PINGACK:
		ck_assert_mem_eq(pa->version, pb->version, ZRTP_VERSION_LEN);
		ck_assert_mem_eq(pa->ep_hash, pb->ep_hash, ZRTP_EPHASH_LEN);
		ck_assert_mem_eq(pa->ping_ep_hash, pb->ping_ep_hash,
		    ZRTP_EPHASH_LEN);
		ck_assert_uint_eq(pa->ping_ssrc, pb->ping_ssrc);
		break;
	default:
		break;
	}
}

/*
 * A second transcription of the §5 figures, field by field, so that a
 * field order shared by a wrong encoder and a wrong decoder still shows.
 */
struct hand {
	uint8_t	*p;
	size_t	 n;
};

static void
hput(struct hand *h, const void *p, size_t n)
{
	if (n > 0)
		memcpy(h->p + h->n, p, n);
	h->n += n;
}

static void
hput32(struct hand *h, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

	hput(h, b, 4);
}

static void
hand_hello(struct hand *h, const struct zmsg_hello *m)
{
	int k, i;

	hput(h, m->version, 4);
	hput(h, m->client_id, 16);
	hput(h, m->h3, 32);
	hput(h, m->zid, 12);
	/* |0|S|M|P| unused (8) | hc | cc | ac | kc | sc | */
	hput32(h, (uint32_t)m->flags << 28 | (uint32_t)m->count[0] << 16 |
	    m->count[1] << 12 | m->count[2] << 8 | m->count[3] << 4 |
	    m->count[4]);
	for (k = 0; k < 5; k++)
		for (i = 0; i < m->count[k]; i++)
			hput32(h, m->algo[k][i]);
	hput(h, m->mac, 8);
}

static void
hand_commit(struct hand *h, const struct zmsg_commit *c)
{
	int k;

	hput(h, c->h2, 32);
	hput(h, c->zid, 12);
	for (k = 0; k < 5; k++)
		hput32(h, c->algo[k]);
	if (c->algo[ZALGO_KEX] == ZALGO('M', 'u', 'l', 't')) {
		hput(h, c->nonce, 16);
	} else if (c->algo[ZALGO_KEX] == ZALGO('P', 'r', 's', 'h')) {
		hput(h, c->nonce, 16);
		hput(h, c->key_id, 8);
	} else
		hput(h, c->hvi, 32);
	hput(h, c->mac, 8);
}

static size_t
hand_encode(const struct zmsg *m, uint8_t *out)
{
	const struct zmsg_dhpart *d = &m->u.dhpart;
	const struct zmsg_pingack *a = &m->u.pingack;
	struct hand h = { out, 0 };

	hput32(&h, 0);
	hput(&h, rfc_blocks[m->type], 8);
	switch (m->type) {
	case ZMSG_HELLO:
		hand_hello(&h, &m->u.hello);
		break;
	case ZMSG_COMMIT:
		hand_commit(&h, &m->u.commit);
		break;
	case ZMSG_DHPART1:
	case ZMSG_DHPART2:
		hput(&h, d->h1, 32);
		hput(&h, d->rs1_id, 8);
		hput(&h, d->rs2_id, 8);
		hput(&h, d->aux_id, 8);
		hput(&h, d->pbx_id, 8);
		hput(&h, d->pv.p, d->pv.len);
		hput(&h, d->mac, 8);
		break;
	case ZMSG_CONFIRM1:
	case ZMSG_CONFIRM2:
	case ZMSG_SASRELAY:
		hput(&h, m->u.confirm.mac, 8);
		hput(&h, m->u.confirm.iv, 16);
		hput(&h, m->u.confirm.sealed.p, m->u.confirm.sealed.len);
		break;
	case ZMSG_ERROR:
		hput32(&h, m->u.error.code);
		break;
	case ZMSG_GOCLEAR:
		hput(&h, m->u.goclear.clear_mac, 8);
		break;
	case ZMSG_PING:
		hput(&h, m->u.ping.version, 4);
		hput(&h, m->u.ping.ep_hash, 8);
		break;
	case ZMSG_PINGACK:
		hput(&h, a->version, 4);
		hput(&h, a->ep_hash, 8);
		hput(&h, a->ping_ep_hash, 8);
		hput32(&h, a->ping_ssrc);
		break;
	default:
		break;
	}
	out[0] = 0x50;
	out[1] = 0x5a;
	out[2] = (uint8_t)(h.n / 4 >> 8);
	out[3] = (uint8_t)(h.n / 4);
	return h.n;
}

/*
 * Decode an exact-size heap copy (so ASan sees any overread). Whatever is
 * accepted must re-encode to the very input: these inputs set no ignored
 * bit.
 */
static int
pkt_try(const uint8_t *p, size_t n)
{
	uint8_t out[PKT_BUF], *d = dup_bytes(p, n);
	struct zpkt pkt;
	size_t len = 0;
	int r;

	if ((r = zpkt_decode(d, n, &pkt)) == 0) {
		if (zpkt_encode(pkt.seq, pkt.ssrc, &pkt.msg, out, sizeof(out),
		    &len) != 0 || len != n || memcmp(out, p, n) != 0)
			ck_abort_msg("accepted %zu-byte packet re-encodes "
			    "differently", n);
		if (pkt.raw_msg.p != d + ZRTP_PKT_HDR_LEN ||
		    pkt.raw_msg.len != n - ZRTP_PKT_OVERHEAD)
			ck_abort_msg("raw_msg is not the message bytes");
	}
	free(d);
	return r;
}

static int
msg_try(const uint8_t *p, size_t n)
{
	uint8_t out[PKT_BUF], *d = dup_bytes(p, n);
	struct zwbuf w;
	struct zmsg m;
	int r;

	if ((r = zmsg_decode(d, n, &m)) == 0) {
		zwbuf_init(&w, out, sizeof(out));
		if (zmsg_encode(&m, &w) != 0 || w.len != n ||
		    memcmp(out, p, n) != 0)
			ck_abort_msg("accepted %zu-byte message re-encodes "
			    "differently", n);
	}
	free(d);
	return r;
}

static size_t
wrap(const uint8_t *msg, size_t n, uint8_t *out)
{
	size_t len = 0;

	ck_assert_int_eq(zpkt_wrap(0x4242, 0x13572468, msg, n, out, PKT_BUF,
	    &len), 0);
	return len;
}

/* Every field of every message survives encode and decode. */
START_TEST(test_round_trip)
{
	const struct sample *s = &samples[_i];
	uint8_t pkt[PKT_BUF], hand[PKT_BUF], w2[PKT_BUF];
	size_t len, words = sample_words(s), hlen;
	struct zmsg m, m2;
	struct zpkt out;
	struct zwbuf w;

	len = sample_packet(_i, &m, pkt, sizeof(pkt));
	ck_assert_uint_eq(len, ZRTP_PKT_OVERHEAD + 4 * words);
	ck_assert_uint_eq(zbe16_get(pkt + ZRTP_PKT_HDR_LEN + 2), words);
	ck_assert_int_eq(zpkt_is_zrtp(pkt, len), 1);
	ck_assert_int_eq(zpkt_decode(pkt, len, &out), 0);
	ck_assert_uint_eq(out.seq, SEQ(_i));
	ck_assert_uint_eq(out.ssrc, SSRC(_i));
	ck_assert_ptr_eq(out.raw_msg.p, pkt + ZRTP_PKT_HDR_LEN);
	ck_assert_uint_eq(out.raw_msg.len, 4 * words);
	assert_msg_eq(&out.msg, &m);

	hlen = hand_encode(&m, hand);
	ck_assert_uint_eq(hlen, 4 * words);
	ck_assert_mem_eq(hand, pkt + ZRTP_PKT_HDR_LEN, hlen);

	ck_assert_int_eq(zmsg_decode(hand, hlen, &m2), 0);
	assert_msg_eq(&m2, &m);
	zwbuf_init(&w, w2, sizeof(w2));
	ck_assert_int_eq(zmsg_encode(&m2, &w), 0);
	ck_assert_uint_eq(w.len, hlen);
	ck_assert_mem_eq(w2, hand, hlen);
	ck_assert_uint_eq(wrap(hand, hlen, w2), len);
	ck_assert_int_eq(pkt_try(pkt, len), 0);
}
END_TEST

/* Every proper prefix of a packet is refused, with or without a good CRC. */
START_TEST(test_truncate_packet)
{
	uint8_t pkt[PKT_BUF], cut[PKT_BUF];
	struct zmsg m;
	size_t len, k;

	len = sample_packet(_i, &m, pkt, sizeof(pkt));
	for (k = 0; k < len; k++) {
		expect_rc(pkt_try(pkt, k), k < ZRTP_PKT_OVERHEAD ?
		    ZE_TRUNCATED : ZE_BAD_CRC, "prefix", k);
		if (k < ZRTP_PKT_OVERHEAD)
			continue;
		memcpy(cut, pkt, k - ZRTP_CRC_LEN);
		ck_assert_int_eq(zpkt_seal_crc(cut, k), 0);
		expect_rc(pkt_try(cut, k), k - ZRTP_PKT_OVERHEAD < 4 ?
		    ZE_TRUNCATED : ZE_BAD_LENGTH, "resealed prefix", k);
	}
}
END_TEST

/*
 * A message cut to k octets whose length field is patched to k/4: a fixed
 * layout runs out of bytes; a DHPart or a sealed message whose variable
 * part keeps its minimum is a different, valid message, which then must
 * re-encode to the same octets (msg_try and pkt_try check that).
 */
static int
expect_cut(const struct sample *s, size_t k)
{
	if (k < ZRTP_MSG_HDR_LEN)
		return ZE_BAD_LENGTH;
	switch (sample_shape(s->type)) {
	case SHAPE_DHPART:
		if (k < DHPART_FIXED)
			return ZE_TRUNCATED;
		return k - DHPART_FIXED < 4 + ZRTP_MAC_LEN ? ZE_BAD_LENGTH : 0;
	case SHAPE_SEALED:
		if (k < SEALED_FIXED)
			return ZE_TRUNCATED;
		return k - SEALED_FIXED < BODY_MIN ? ZE_BAD_LENGTH : 0;
	default:
		return ZE_TRUNCATED;
	}
}

START_TEST(test_truncate_msg)
{
	const struct sample *s = &samples[_i];
	uint8_t msg[PKT_BUF], cut[PKT_BUF], pkt[PKT_BUF];
	struct zmsg m;
	size_t len, k;

	len = sample_msg(_i, &m, msg, sizeof(msg));
	for (k = 0; k < len; k++) {
		expect_rc(msg_try(msg, k), k < 4 ? ZE_TRUNCATED :
		    ZE_BAD_LENGTH, "prefix", k);
		if (k < 4 || k % 4 != 0)
			continue;
		memcpy(cut, msg, k);
		zbe16_put(cut + 2, (uint16_t)(k / 4));
		expect_rc(msg_try(cut, k), expect_cut(s, k), "patched", k);
		expect_rc(pkt_try(pkt, wrap(cut, k, pkt)), expect_cut(s, k),
		    "patched packet", k);
	}
}
END_TEST

/* One trailing byte, or one trailing word that the length then claims. */
START_TEST(test_trailing)
{
	const struct sample *s = &samples[_i];
	uint8_t pkt[PKT_BUF + 4], msg[PKT_BUF + 4], buf[PKT_BUF + 8];
	struct zmsg m;
	size_t len, mlen;
	int want;

	len = sample_packet(_i, &m, pkt, sizeof(pkt));
	pkt[len] = 0xa5;
	ck_assert_int_eq(pkt_try(pkt, len + 1), ZE_BAD_CRC);

	mlen = len - ZRTP_PKT_OVERHEAD;
	memcpy(msg, pkt + ZRTP_PKT_HDR_LEN, mlen);
	msg[mlen] = 0xa5;
	ck_assert_int_eq(msg_try(msg, mlen + 1), ZE_BAD_LENGTH);
	ck_assert_int_eq(pkt_try(buf, wrap(msg, mlen + 1, buf)),
	    ZE_BAD_LENGTH);

	memset(msg + mlen, 0xa5, 4);
	ck_assert_int_eq(msg_try(msg, mlen + 4), ZE_BAD_LENGTH);
	zbe16_put(msg + 2, (uint16_t)((mlen + 4) / 4));
	/* A longer pv or sealed region is still a well-formed message. */
	want = sample_shape(s->type) == SHAPE_FIXED ? ZE_TRAILING : 0;
	ck_assert_int_eq(msg_try(msg, mlen + 4), want);
	ck_assert_int_eq(pkt_try(buf, wrap(msg, mlen + 4, buf)), want);
	if (want == 0) {
		ck_assert_int_eq(zmsg_decode(msg, mlen + 4, &m), 0);
		ck_assert_uint_eq(sample_shape(s->type) == SHAPE_DHPART ?
		    m.u.dhpart.pv.len : m.u.confirm.sealed.len,
		    (sample_shape(s->type) == SHAPE_DHPART ? (size_t)s->arg :
		    BODY_MIN + 4 * (size_t)s->arg) + 4);
	}
}
END_TEST

/* §5.1: the length counts words; any other value is refused. */
START_TEST(test_length_field)
{
	uint8_t msg[PKT_BUF], pkt[PKT_BUF];
	struct zmsg m;
	size_t len, i;
	uint16_t bad[6];

	len = sample_msg(_i, &m, msg, sizeof(msg));
	bad[0] = 0;
	bad[1] = 1;
	bad[2] = 2;
	bad[3] = (uint16_t)(len / 4 - 1);
	bad[4] = (uint16_t)(len / 4 + 1);
	bad[5] = 0xffff;
	for (i = 0; i < 6; i++) {
		zbe16_put(msg + 2, bad[i]);
		expect_rc(msg_try(msg, len), ZE_BAD_LENGTH, "length", bad[i]);
		expect_rc(pkt_try(pkt, wrap(msg, len, pkt)), ZE_BAD_LENGTH,
		    "packet length", bad[i]);
	}
	zbe16_put(msg + 2, (uint16_t)(len / 4));
	ck_assert_int_eq(msg_try(msg, len), 0);
}
END_TEST

/*
 * Every bit of a packet flipped without fixing the CRC: the header nibble
 * and the cookie are judged first, everything else fails the CRC.
 */
START_TEST(test_bit_flips)
{
	uint8_t buf[PKT_BUF], *pkt;
	struct zpkt out;
	struct zmsg m;
	size_t len, i;
	int b, want;

	len = sample_packet(_i, &m, buf, sizeof(buf));
	pkt = dup_bytes(buf, len);
	for (i = 0; i < len; i++) {
		for (b = 0; b < 8; b++) {
			pkt[i] ^= 1u << b;
			if (i == 0 && b >= 4)
				want = ZE_BAD_HEADER;
			else if (i >= 4 && i < 8)
				want = ZE_BAD_COOKIE;
			else
				want = ZE_BAD_CRC;
			expect_rc(zpkt_decode(pkt, len, &out), want, "flip",
			    i * 8 + b);
			/* Any flip, the first byte's and the cookie's too. */
			ck_assert_int_eq(zpkt_crc_ok(pkt, len), 0);
			pkt[i] ^= 1u << b;
		}
	}
	ck_assert_int_eq(zpkt_crc_ok(pkt, len), 1);
	ck_assert_int_eq(zpkt_crc_ok(pkt, ZRTP_PKT_OVERHEAD - 1), 0);
	ck_assert_int_eq(zpkt_decode(pkt, len, &out), 0);
	free(pkt);
}
END_TEST

/* Header fields corrupted under a valid CRC, and the ignored bits. */
START_TEST(test_header_fields)
{
	uint8_t pkt[PKT_BUF], c[PKT_BUF];
	struct zpkt out;
	struct zmsg m;
	size_t len, i;
	int v;

	len = sample_packet(_i, &m, pkt, sizeof(pkt));
	for (v = 0; v < 16; v++) {
		memcpy(c, pkt, len);
		c[0] = (uint8_t)(v << 4);
		zpkt_seal_crc(c, len);
		ck_assert_int_eq(zpkt_is_zrtp(c, len), v == 1);
		ck_assert_int_eq(pkt_try(c, len), v == 1 ? 0 : ZE_BAD_HEADER);
	}
	for (i = 4; i < 8; i++) {
		memcpy(c, pkt, len);
		c[i] ^= 0xff;
		ck_assert_int_eq(pkt_try(c, len), ZE_BAD_COOKIE);
		zpkt_seal_crc(c, len);
		ck_assert_int_eq(zpkt_is_zrtp(c, len), 0);
		ck_assert_int_eq(pkt_try(c, len), ZE_BAD_COOKIE);
	}
	/* §5: the 12 unused bits are set to zero and ignored on receipt. */
	for (v = 0; v <= 12; v++) {
		memcpy(c, pkt, len);
		zbe16_put(c, (uint16_t)(0x1000 |
		    (v == 12 ? 0x0fff : 1u << v)));
		zpkt_seal_crc(c, len);
		ck_assert_int_eq(zpkt_is_zrtp(c, len), 1);
		ck_assert_int_eq(zpkt_decode(c, len, &out), 0);
		ck_assert_uint_eq(out.seq, SEQ(_i));
		ck_assert_uint_eq(out.ssrc, SSRC(_i));
		assert_msg_eq(&out.msg, &m);
	}
}
END_TEST

/* Preamble and type block, in a bare message and under a valid CRC. */
START_TEST(test_msg_header)
{
	uint8_t msg[PKT_BUF], c[PKT_BUF], pkt[PKT_BUF];
	struct zmsg m;
	size_t len, i;

	len = sample_msg(_i, &m, msg, sizeof(msg));
	for (i = 0; i < 16; i++) {
		memcpy(c, msg, len);
		c[i / 8] ^= 0x80 >> (i % 8);
		ck_assert_int_eq(msg_try(c, len), ZE_BAD_PREAMBLE);
		ck_assert_int_eq(pkt_try(pkt, wrap(c, len, pkt)),
		    ZE_BAD_PREAMBLE);
	}
	for (i = 4; i < ZRTP_MSG_HDR_LEN; i++) {
		memcpy(c, msg, len);
		c[i] = '?';
		ck_assert_int_eq(msg_try(c, len), ZE_BAD_TYPE);
		ck_assert_int_eq(pkt_try(pkt, wrap(c, len, pkt)), ZE_BAD_TYPE);
		/* Block comparison is exact: no case folding. */
		memcpy(c, msg, len);
		c[i] ^= 0x20;
		ck_assert_int_eq(msg_try(c, len), ZE_BAD_TYPE);
	}
}
END_TEST

/* The encoder never writes past its capacity. */
START_TEST(test_encode_nospace)
{
	uint8_t pkt[PKT_BUF], buf[PKT_BUF + 8];
	struct zmsg m;
	struct zwbuf w;
	size_t len, cap, j, out_len;

	len = sample_packet(_i, &m, pkt, sizeof(pkt));
	for (cap = 0; cap < len; cap++) {
		memset(buf, 0xee, len + 8);
		expect_rc(zpkt_encode(1, 2, &m, buf, cap, &out_len),
		    ZE_NOSPACE, "cap", cap);
		for (j = cap; j < len + 8; j++)
			if (buf[j] != 0xee)
				ck_abort_msg("cap %zu: wrote at %zu", cap, j);
		if (cap + ZRTP_PKT_OVERHEAD >= len)
			continue;
		zwbuf_init(&w, buf, cap);
		expect_rc(zmsg_encode(&m, &w), ZE_NOSPACE, "msg cap", cap);
	}
	ck_assert_int_eq(zpkt_encode(1, 2, &m, buf, len, &out_len), 0);
	ck_assert_uint_eq(out_len, len);
}
END_TEST

START_TEST(test_type_blocks)
{
	int t;

	for (t = 0; t < ZMSG_COUNT; t++) {
		ck_assert_ptr_nonnull(zmsg_type_block((enum zmsg_type)t));
		ck_assert_mem_eq(zmsg_type_block((enum zmsg_type)t),
		    rfc_blocks[t], ZRTP_TYPE_LEN);
		ck_assert_uint_eq(strlen(zmsg_type_name((enum zmsg_type)t)),
		    strcspn(rfc_blocks[t], " "));
	}
	ck_assert_ptr_null(zmsg_type_block(ZMSG_COUNT));
	ck_assert_str_eq(zmsg_type_name(ZMSG_COUNT), "unknown");
}
END_TEST

/*
 * A raw Hello whose word claims count[] and which carries present[] list
 * words per kind; the length field always matches the bytes.
 */
static size_t
hello_raw(uint8_t *out, const uint8_t count[5], const uint8_t present[5],
    uint32_t extra_bits)
{
	struct hand h = { out, 0 };
	uint8_t fixed[64];
	int k, i;

	hput32(&h, 0);
	hput(&h, "Hello   ", 8);
	fill(fixed, sizeof(fixed), 40);
	hput(&h, fixed, 4 + 16 + 32 + 12);
	hput32(&h, extra_bits | (uint32_t)count[0] << 16 | count[1] << 12 |
	    count[2] << 8 | count[3] << 4 | count[4]);
	for (k = 0; k < 5; k++)
		for (i = 0; i < present[k]; i++)
			hput32(&h, ZALGO('a' + k, 'a' + i, '0', '0'));
	hput(&h, fixed, 8);
	zbe16_put(out, ZRTP_PREAMBLE);
	zbe16_put(out + 2, (uint16_t)(h.n / 4));
	return h.n;
}

/* §5.2: 0 to 7 values per list; 8 to 15 are refused, lying or not. */
START_TEST(test_hello_count_bound)
{
	uint8_t msg[PKT_BUF], pkt[PKT_BUF], count[5], present[5];
	struct zmsg m;
	size_t len;
	int k, v;

	for (k = 0; k < 5; k++) {
		for (v = 0; v < 16; v++) {
			memset(count, 0, sizeof(count));
			memset(present, 0, sizeof(present));
			count[k] = present[k] = (uint8_t)v;
			len = hello_raw(msg, count, present, 0);
			ck_assert_int_eq(msg_try(msg, len),
			    v <= ZRTP_ALGO_MAX ? 0 : ZE_BAD_COUNT);
			ck_assert_int_eq(pkt_try(pkt, wrap(msg, len, pkt)),
			    v <= ZRTP_ALGO_MAX ? 0 : ZE_BAD_COUNT);
			if (v > ZRTP_ALGO_MAX) {
				present[k] = ZRTP_ALGO_MAX;
				len = hello_raw(msg, count, present, 0);
				ck_assert_int_eq(msg_try(msg, len),
				    ZE_BAD_COUNT);
				continue;
			}
			ck_assert_int_eq(zmsg_decode(msg, len, &m), 0);
			ck_assert_uint_eq(m.u.hello.count[k], v);
			if (v > 0)
				ck_assert_uint_eq(m.u.hello.algo[k][v - 1],
				    ZALGO('a' + k, 'a' + v - 1, '0', '0'));
		}
	}
	memset(count, 15, sizeof(count));
	memset(present, 7, sizeof(present));
	ck_assert_int_eq(msg_try(msg, hello_raw(msg, count, present, 0)),
	    ZE_BAD_COUNT);
}
END_TEST

/* Counts that claim more or fewer algorithms than the message holds. */
START_TEST(test_hello_count_lie)
{
	static const uint8_t base[5] = { 1, 2, 3, 4, 5 };
	uint8_t msg[PKT_BUF], count[5];
	struct zmsg m;
	size_t len;
	int k, d;

	len = hello_raw(msg, base, base, 0);
	ck_assert_int_eq(msg_try(msg, len), 0);
	ck_assert_int_eq(zmsg_decode(msg, len, &m), 0);
	for (k = 0; k < 5; k++)
		ck_assert_uint_eq(m.u.hello.count[k], base[k]);
	ck_assert_uint_eq(m.u.hello.algo[ZALGO_SAS][4],
	    ZALGO('e', 'e', '0', '0'));
	for (k = 0; k < 5; k++) {
		for (d = -2; d <= 2; d++) {
			if (d == 0 || base[k] + d < 0 ||
			    base[k] + d > ZRTP_ALGO_MAX)
				continue;
			memcpy(count, base, sizeof(count));
			count[k] = (uint8_t)(base[k] + d);
			len = hello_raw(msg, count, base, 0);
			ck_assert_int_eq(msg_try(msg, len),
			    d > 0 ? ZE_TRUNCATED : ZE_TRAILING);
		}
	}
}
END_TEST

/* §5.2: the flag positions, and the unused bits ignored on receipt. */
START_TEST(test_hello_ignored_bits)
{
	static const uint8_t c[5] = { 7, 7, 7, 7, 7 };
	uint8_t msg[PKT_BUF], pkt[PKT_BUF];
	struct zpkt out;
	struct zmsg m;
	size_t len, plen;
	int b;

	len = hello_raw(msg, c, c, 1u << 30);
	ck_assert_int_eq(zmsg_decode(msg, len, &m), 0);
	ck_assert_uint_eq(m.u.hello.flags, ZHELLO_FLAG_S);
	len = hello_raw(msg, c, c, 1u << 29);
	ck_assert_int_eq(zmsg_decode(msg, len, &m), 0);
	ck_assert_uint_eq(m.u.hello.flags, ZHELLO_FLAG_M);
	len = hello_raw(msg, c, c, 1u << 28);
	ck_assert_int_eq(zmsg_decode(msg, len, &m), 0);
	ck_assert_uint_eq(m.u.hello.flags, ZHELLO_FLAG_P);

	/* Bits 20..27 are unused; bit 31 is the leading zero. */
	for (b = 20; b <= 32; b++) {
		if (b == 28)
			b = 31;
		len = hello_raw(msg, c, c, b == 32 ? 0x8ff00000u : 1u << b);
		ck_assert_int_eq(zmsg_decode(msg, len, &m), 0);
		ck_assert_uint_eq(m.u.hello.flags, 0);
		ck_assert_uint_eq(m.u.hello.count[ZALGO_HASH], 7);
		ck_assert_uint_eq(m.u.hello.count[ZALGO_SAS], 7);
		plen = wrap(msg, len, pkt);
		ck_assert_int_eq(zpkt_decode(pkt, plen, &out), 0);
		ck_assert_uint_eq(out.msg.u.hello.flags, 0);
	}
}
END_TEST

/* The Key Agreement Type decides the Commit form (§5.4). */
START_TEST(test_commit_kex_lie)
{
	static const struct {
		int		form;
		uint32_t	kex;
		int		want;
	} lies[] = {
		{ COMMIT_DH, ZKEX_BLOCK_MULT, ZE_TRAILING },
		{ COMMIT_DH, ZKEX_BLOCK_PRSH, ZE_TRAILING },
		{ COMMIT_MULT, ZALGO('D', 'H', '3', 'k'), ZE_TRUNCATED },
		{ COMMIT_MULT, ZKEX_BLOCK_PRSH, ZE_TRUNCATED },
		{ COMMIT_PRSH, ZALGO('E', 'C', '2', '5'), ZE_TRUNCATED },
		{ COMMIT_PRSH, ZKEX_BLOCK_MULT, ZE_TRAILING },
	};
	/* The Commit samples, in form order. */
	const int first = 7;
	uint8_t msg[PKT_BUF];
	struct zmsg m;
	size_t len, i, kex_off = ZRTP_MSG_HDR_LEN + 32 + 12 + 4 * ZALGO_KEX;

	for (i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		ck_assert_int_eq(samples[first + lies[i].form].type,
		    ZMSG_COMMIT);
		len = sample_msg(first + lies[i].form, &m, msg, sizeof(msg));
		zbe32_put(msg + kex_off, lies[i].kex);
		ck_assert_int_eq(msg_try(msg, len), lies[i].want);
	}
}
END_TEST

/* §5.5: a DHPart needs a pv; one word is the least the decoder takes. */
START_TEST(test_dhpart_pv_bound)
{
	uint8_t msg[PKT_BUF], pv[8];
	struct zmsg m;
	struct zwbuf w;
	size_t len;

	for (len = 0; len <= 8; len += 4) {
		memset(&m, 0, sizeof(m));
		m.type = ZMSG_DHPART2;
		build_dhpart(0, &m.u.dhpart);
		fill(pv, len, 31);
		m.u.dhpart.pv.p = pv;
		m.u.dhpart.pv.len = len;
		ck_assert_uint_eq(hand_encode(&m, msg), DHPART_FIXED + len + 8);
		ck_assert_int_eq(msg_try(msg, DHPART_FIXED + len + 8),
		    len == 0 ? ZE_BAD_LENGTH : 0);
	}
	zwbuf_init(&w, msg, sizeof(msg));
	m.u.dhpart.pv.len = 0;
	ck_assert_int_eq(zmsg_encode(&m, &w), ZE_INVAL);
	m.u.dhpart.pv.len = 6;
	zwbuf_init(&w, msg, sizeof(msg));
	ck_assert_int_eq(zmsg_encode(&m, &w), ZE_INVAL);
}
END_TEST

/* §5.7: a sealed region shorter than the 40-octet minimum is refused. */
START_TEST(test_sealed_bound)
{
	static const enum zmsg_type types[3] = { ZMSG_CONFIRM1,
	    ZMSG_CONFIRM2, ZMSG_SASRELAY };
	uint8_t msg[PKT_BUF];
	struct zmsg m;
	struct zwbuf w;
	size_t k, n;
	int t;

	for (t = 0; t < 3; t++) {
		memset(&m, 0, sizeof(m));
		m.type = types[t];
		build_sealed(types[t], 0, &m.u.confirm);
		for (n = 0; n <= BODY_MIN + 4; n += 4) {
			m.u.confirm.sealed.len = n;
			hand_encode(&m, msg);
			ck_assert_int_eq(msg_try(msg, SEALED_FIXED + n),
			    n < BODY_MIN ? ZE_BAD_LENGTH : 0);
		}
		/* Not even the MAC and IV. */
		for (k = ZRTP_MSG_HDR_LEN; k < SEALED_FIXED; k += 4) {
			zbe16_put(msg + 2, (uint16_t)(k / 4));
			ck_assert_int_eq(msg_try(msg, k), ZE_TRUNCATED);
		}
		m.u.confirm.sealed.len = BODY_MIN - 4;
		zwbuf_init(&w, msg, sizeof(msg));
		ck_assert_int_eq(zmsg_encode(&m, &w), ZE_INVAL);
		m.u.confirm.sealed.len = BODY_MIN + 1;
		zwbuf_init(&w, msg, sizeof(msg));
		ck_assert_int_eq(zmsg_encode(&m, &w), ZE_INVAL);
	}
}
END_TEST

/* The encoders refuse what no decoder could read back. */
START_TEST(test_encode_refuses)
{
	uint8_t buf[PKT_BUF];
	struct zmsg m;
	struct zwbuf w;
	size_t len;

	memset(&m, 0, sizeof(m));
	m.type = ZMSG_COUNT;
	zwbuf_init(&w, buf, sizeof(buf));
	ck_assert_int_eq(zmsg_encode(&m, &w), ZE_INVAL);
	ck_assert_int_eq(zpkt_encode(0, 0, &m, buf, sizeof(buf), &len),
	    ZE_INVAL);
	build_sample(&samples[2], &m);
	m.u.hello.count[ZALGO_KEX] = ZRTP_ALGO_MAX + 1;
	zwbuf_init(&w, buf, sizeof(buf));
	ck_assert_int_eq(zmsg_encode(&m, &w), ZE_INVAL);
	ck_assert_int_eq(zpkt_seal_crc(buf, ZRTP_PKT_OVERHEAD - 1), ZE_INVAL);
}
END_TEST

/* Captured bzrtp packets first, as the wire order is the question. */
static const uint8_t cap_helloack[] = {
	0x10, 0x00, 0xfd, 0x8f, 0x5a, 0x52, 0x54, 0x50, 0x69, 0x47, 0x3e,
	0x6a, 0x50, 0x5a, 0x00, 0x03, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x41,
	0x43, 0x4b, 0x5f, 0x75, 0xcc, 0xe7,
};
static const uint8_t cap_conf2ack[] = {
	0x10, 0x00, 0x60, 0x3e, 0x5a, 0x52, 0x54, 0x50, 0x55, 0x16, 0x86,
	0x8e, 0x50, 0x5a, 0x00, 0x03, 0x43, 0x6f, 0x6e, 0x66, 0x32, 0x41,
	0x43, 0x4b, 0xc6, 0x41, 0xb2, 0x1e,
};

/* The paths: what packets use, the table, the CPU instruction. */
static uint32_t (*const crc_paths[])(const uint8_t *, size_t) = {
	crc32c, crc32c_sw, crc32c_hw,
};

/*
 * RFC 3720 §B.4 and the customary check value of "123456789", on each path.
 * Where the CPU has no SSE4.2, crc32c_hw is the table again (and says so).
 */
START_TEST(test_crc32c_kat)
{
	uint32_t (*crc)(const uint8_t *, size_t) = crc_paths[_i];
	uint8_t b[32];
	int i;

	if (_i == 2 && !crc32c_hw_available())
		fprintf(stderr, "check_msg: no SSE4.2 crc32 here; "
		    "crc32c_hw runs the table\n");
	memset(b, 0, sizeof(b));
	ck_assert_uint_eq(crc(b, sizeof(b)), 0x8a9136aa);
	memset(b, 0xff, sizeof(b));
	ck_assert_uint_eq(crc(b, sizeof(b)), 0x62a8ab43);
	for (i = 0; i < 32; i++)
		b[i] = (uint8_t)i;
	ck_assert_uint_eq(crc(b, sizeof(b)), 0x46dd794e);
	for (i = 0; i < 32; i++)
		b[i] = (uint8_t)(31 - i);
	ck_assert_uint_eq(crc(b, sizeof(b)), 0x113fdb5c);
	ck_assert_uint_eq(crc((const uint8_t *)"123456789", 9), 0xe3069283);
	ck_assert_uint_eq(crc(b, 0), 0);
}
END_TEST

/* The instruction and the table agree at every length and alignment. */
START_TEST(test_crc32c_paths)
{
	uint8_t b[256 + 8];
	size_t len, off;
	uint32_t x = 0x12345678;

	for (len = 0; len < sizeof(b); len++) {
		x = x * 1103515245u + 12345u;
		b[len] = (uint8_t)(x >> 16);
	}
	for (off = 0; off < 8; off++)
		for (len = 0; len <= 256; len++)
			ck_assert_uint_eq(crc32c_hw(b + off, len),
			    crc32c_sw(b + off, len));
#if defined(__x86_64__)
	__builtin_cpu_init();
	ck_assert_int_eq(crc32c_hw_available(),
	    __builtin_cpu_supports("sse4.2") != 0);
#endif
}
END_TEST

/*
 * The trailer is the CRC least significant octet first (RFC 4960 App. B,
 * as RFC 3720 §B.4 lists 32 zero octets as aa 36 91 8a), as captured from
 * bzrtp (its test/bzrtpParserTest.c, "generated from wireshark trace").
 */
START_TEST(test_crc_trailer_order)
{
	uint8_t pkt[PKT_BUF];
	struct zpkt out;
	struct zmsg m;
	size_t len;
	uint32_t c;

	ck_assert_int_eq(zpkt_decode(cap_helloack, sizeof(cap_helloack),
	    &out), 0);
	ck_assert_int_eq(out.msg.type, ZMSG_HELLOACK);
	ck_assert_uint_eq(out.seq, 0xfd8f);
	ck_assert_uint_eq(out.ssrc, 0x69473e6a);
	ck_assert_int_eq(zpkt_encode(out.seq, out.ssrc, &out.msg, pkt,
	    sizeof(pkt), &len), 0);
	ck_assert_uint_eq(len, sizeof(cap_helloack));
	ck_assert_mem_eq(pkt, cap_helloack, len);

	ck_assert_int_eq(zpkt_decode(cap_conf2ack, sizeof(cap_conf2ack),
	    &out), 0);
	ck_assert_int_eq(out.msg.type, ZMSG_CONF2ACK);

	len = sample_packet(0, &m, pkt, sizeof(pkt));
	c = crc32c(pkt, len - 4);
	ck_assert_uint_eq(pkt[len - 4], c & 0xff);
	ck_assert_uint_eq(pkt[len - 3], (c >> 8) & 0xff);
	ck_assert_uint_eq(pkt[len - 2], (c >> 16) & 0xff);
	ck_assert_uint_eq(pkt[len - 1], c >> 24);
	/* The same CRC big-endian is refused. */
	zbe32_put(pkt + len - 4, c);
	ck_assert_int_eq(zpkt_decode(pkt, len, &out), ZE_BAD_CRC);
}
END_TEST

static const uint8_t cap_hello[] = {
	0x10, 0x00, 0x60, 0x34, 0x5a, 0x52, 0x54, 0x50, 0x55, 0x16, 0x86,
	0x8e, 0x50, 0x5a, 0x00, 0x1d, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x20,
	0x20, 0x20, 0x31, 0x2e, 0x31, 0x30, 0x4c, 0x49, 0x4e, 0x50, 0x48,
	0x4f, 0x4e, 0x45, 0x2d, 0x5a, 0x52, 0x54, 0x50, 0x43, 0x50, 0x50,
	0x93, 0x18, 0x6f, 0xb7, 0x3c, 0x39, 0xac, 0x3f, 0xc4, 0x32, 0xd2,
	0xe5, 0x4d, 0x6a, 0xdb, 0x7c, 0x52, 0xfa, 0xd7, 0xba, 0xa0, 0xbd,
	0x13, 0xa8, 0x23, 0xfa, 0x1f, 0x11, 0x5e, 0xe5, 0x78, 0xb6, 0xf0,
	0x1f, 0x24, 0x02, 0x00, 0x00, 0x00, 0x00, 0x80, 0x24, 0xad, 0xfb,
	0x00, 0x01, 0x12, 0x21, 0x53, 0x32, 0x35, 0x36, 0x41, 0x45, 0x53,
	0x31, 0x48, 0x53, 0x33, 0x32, 0x48, 0x53, 0x38, 0x30, 0x44, 0x48,
	0x33, 0x6b, 0x4d, 0x75, 0x6c, 0x74, 0x42, 0x33, 0x32, 0x20, 0x9a,
	0xaa, 0xbb, 0x48, 0x50, 0x61, 0x5e, 0xa5, 0x67, 0xf9, 0xe6, 0xac,
};
static const uint8_t cap_commit[] = {
	0x10, 0x00, 0x60, 0x38, 0x5a, 0x52, 0x54, 0x50, 0x55, 0x16, 0x86,
	0x8e, 0x50, 0x5a, 0x00, 0x1d, 0x43, 0x6f, 0x6d, 0x6d, 0x69, 0x74,
	0x20, 0x20, 0x76, 0xcc, 0x3b, 0xa3, 0x2b, 0x41, 0x86, 0x07, 0xa9,
	0xc6, 0x98, 0x53, 0x7f, 0x4f, 0xe4, 0xb3, 0x21, 0xbd, 0x46, 0xd7,
	0x4d, 0x08, 0xed, 0x5a, 0xac, 0xeb, 0x3a, 0xdb, 0x25, 0xfc, 0xb4,
	0xef, 0xf0, 0x1f, 0x24, 0x02, 0x00, 0x00, 0x00, 0x00, 0x80, 0x24,
	0xad, 0xfb, 0x53, 0x32, 0x35, 0x36, 0x41, 0x45, 0x53, 0x31, 0x48,
	0x53, 0x33, 0x32, 0x44, 0x48, 0x33, 0x6b, 0x42, 0x33, 0x32, 0x20,
	0x3f, 0x21, 0x6d, 0xc0, 0xb0, 0xb0, 0xb1, 0x6b, 0x78, 0x35, 0x64,
	0x8d, 0xc4, 0xb5, 0x0f, 0xb6, 0x41, 0xc8, 0x0c, 0xc3, 0x65, 0x90,
	0x37, 0x77, 0xe3, 0x16, 0xa7, 0xef, 0xcb, 0xbe, 0xc8, 0xdb, 0x27,
	0x01, 0x5a, 0xe1, 0xe6, 0x04, 0x0e, 0xd0, 0xa3, 0x47, 0x6c, 0x8b,
};
/* That endpoint's H1, as its DHPart1 in the same capture carries it. */
static const uint8_t cap_h1[32] = {
	0xfa, 0x1e, 0x37, 0xf8, 0x61, 0xe4, 0xc0, 0x0f, 0xc8, 0xdf, 0x76,
	0x7f, 0xd1, 0x8d, 0xbb, 0x55, 0x0b, 0xd8, 0xce, 0x2d, 0x1f, 0xcc,
	0xb4, 0xda, 0x15, 0x95, 0x88, 0x7f, 0xe3, 0xf3, 0x48, 0xc0,
};

/* A bzrtp Hello and Commit: fields, exact re-encoding, chain and MACs. */
START_TEST(test_captured_exchange)
{
	static const uint32_t algos[] = {
		ZALGO('S', '2', '5', '6'), ZALGO('A', 'E', 'S', '1'),
		ZALGO('H', 'S', '3', '2'), ZALGO('H', 'S', '8', '0'),
		ZALGO('D', 'H', '3', 'k'), ZALGO('M', 'u', 'l', 't'),
		ZALGO('B', '3', '2', ' '),
	};
	static const uint8_t counts[5] = { 1, 1, 2, 2, 1 };
	struct zpkt hello, commit;
	struct zmsg_hello *h = &hello.msg.u.hello;
	struct zmsg_commit *c = &commit.msg.u.commit;
	char hex[ZRTP_HELLO_HASH_HEX];
	int k, i, n = 0;

	ck_assert_int_eq(zpkt_decode(cap_hello, sizeof(cap_hello), &hello), 0);
	ck_assert_int_eq(hello.msg.type, ZMSG_HELLO);
	ck_assert_uint_eq(hello.seq, 24628);
	ck_assert_uint_eq(hello.ssrc, 0x5516868e);
	ck_assert_mem_eq(h->version, "1.10", 4);
	ck_assert_mem_eq(h->client_id, "LINPHONE-ZRTPCPP", 16);
	ck_assert_mem_eq(h->zid, cap_commit + 56, 12);
	ck_assert_uint_eq(h->flags, 0);
	for (k = 0; k < 5; k++) {
		ck_assert_uint_eq(h->count[k], counts[k]);
		for (i = 0; i < h->count[k]; i++)
			ck_assert_uint_eq(h->algo[k][i], algos[n++]);
	}
	ck_assert_int_eq(pkt_try(cap_hello, sizeof(cap_hello)), 0);

	ck_assert_int_eq(zpkt_decode(cap_commit, sizeof(cap_commit), &commit),
	    0);
	ck_assert_int_eq(commit.msg.type, ZMSG_COMMIT);
	ck_assert_uint_eq(c->algo[ZALGO_KEX], ZALGO('D', 'H', '3', 'k'));
	ck_assert_mem_eq(c->zid, h->zid, ZRTP_ZID_LEN);
	ck_assert_int_eq(pkt_try(cap_commit, sizeof(cap_commit)), 0);

	/* §9: H3 = hash(H2), H2 = hash(H1); Hello MAC key H2, Commit H1. */
	ck_assert_int_eq(zchain_check(c->h2, h->h3), 0);
	ck_assert_int_eq(zchain_check(cap_h1, c->h2), 0);
	ck_assert_int_eq(zmsg_mac_check(hello.raw_msg.p, hello.raw_msg.len,
	    c->h2), 0);
	ck_assert_int_eq(zmsg_mac_check(commit.raw_msg.p, commit.raw_msg.len,
	    cap_h1), 0);
	ck_assert_int_eq(zmsg_mac_check(hello.raw_msg.p, hello.raw_msg.len,
	    cap_h1), ZE_BAD_MAC);
	/* SHA-256 of the Hello message, from Python's hashlib. */
	ck_assert_int_eq(zhello_hash_hex(hello.raw_msg.p, hello.raw_msg.len,
	    hex), 0);
	ck_assert_str_eq(hex,
	    "0f00df225e6de26d552ded27ab257ebdea1473b907b39f36d9ff3a0f8feafbc5");
}
END_TEST

/* Confirm body: flags/sig word at 32, expiry at 36, signature at 40. */
static void
confirm_body_check(int words)
{
	uint8_t buf[BODY_MAX + 8], re[BODY_MAX];
	struct zconfirm_body in, out;
	struct zwbuf w;

	build_confirm_body(words, &in);
	zwbuf_init(&w, buf, sizeof(buf));
	ck_assert_int_eq(zconfirm_body_encode(&in, &w), 0);
	ck_assert_uint_eq(w.len, BODY_MIN + 4 * (size_t)words);
	ck_assert_mem_eq(buf, in.h0, 32);
	ck_assert_uint_eq(zbe32_get(buf + 32), (uint32_t)words << 8 |
	    in.flags);
	ck_assert_uint_eq(zbe32_get(buf + 36), in.cache_expiry);
	ck_assert_int_eq(zconfirm_body_decode(buf, w.len, &out), 0);
	ck_assert_mem_eq(out.h0, in.h0, 32);
	ck_assert_uint_eq(out.flags, in.flags);
	ck_assert_uint_eq(out.cache_expiry, in.cache_expiry);
	ck_assert_ptr_eq(out.sig.p, buf + BODY_MIN);
	assert_view_eq(&out.sig, &in.sig);
	zwbuf_init(&w, re, sizeof(re));
	ck_assert_int_eq(zconfirm_body_encode(&out, &w), 0);
	ck_assert_mem_eq(re, buf, w.len);
}

/* SASrelay body: flags/sig word at 0, scheme at 4, sashash at 8. */
static void
sasrelay_body_check(int words)
{
	uint8_t buf[BODY_MAX + 8], re[BODY_MAX];
	struct zsasrelay_body in, out;
	struct zwbuf w;

	build_sasrelay_body(words, &in);
	zwbuf_init(&w, buf, sizeof(buf));
	ck_assert_int_eq(zsasrelay_body_encode(&in, &w), 0);
	ck_assert_uint_eq(w.len, BODY_MIN + 4 * (size_t)words);
	ck_assert_uint_eq(zbe32_get(buf), (uint32_t)words << 8 | in.flags);
	ck_assert_uint_eq(zbe32_get(buf + 4), in.sas_scheme);
	ck_assert_mem_eq(buf + 8, in.sashash, 32);
	ck_assert_int_eq(zsasrelay_body_decode(buf, w.len, &out), 0);
	ck_assert_uint_eq(out.flags, in.flags);
	ck_assert_uint_eq(out.sas_scheme, in.sas_scheme);
	ck_assert_mem_eq(out.sashash, in.sashash, 32);
	ck_assert_ptr_eq(out.sig.p, buf + BODY_MIN);
	assert_view_eq(&out.sig, &in.sig);
	zwbuf_init(&w, re, sizeof(re));
	ck_assert_int_eq(zsasrelay_body_encode(&out, &w), 0);
	ck_assert_mem_eq(re, buf, w.len);
}

/* Signature lengths 0, 1 and the 9-bit maximum, 511 words. */
static const int body_sig_words[3] = { 0, 1, ZRTP_SIG_LEN_MAX };

/* _i: bit 0 selects SASrelay, the rest the signature length. */
static int
body_encode(int i, uint8_t *buf, size_t cap)
{
	struct zconfirm_body c;
	struct zsasrelay_body s;
	struct zwbuf w;

	zwbuf_init(&w, buf, cap);
	if (i & 1) {
		build_sasrelay_body(body_sig_words[i >> 1], &s);
		ck_assert_int_eq(zsasrelay_body_encode(&s, &w), 0);
	} else {
		build_confirm_body(body_sig_words[i >> 1], &c);
		ck_assert_int_eq(zconfirm_body_encode(&c, &w), 0);
	}
	return (int)w.len;
}

static int
body_try(int sas, const uint8_t *p, size_t n)
{
	struct zconfirm_body c;
	struct zsasrelay_body s;
	uint8_t *d = dup_bytes(p, n);
	int r;

	r = sas ? zsasrelay_body_decode(d, n, &s) :
	    zconfirm_body_decode(d, n, &c);
	free(d);
	return r;
}

START_TEST(test_body_round_trip)
{
	if (_i & 1)
		sasrelay_body_check(body_sig_words[_i >> 1]);
	else
		confirm_body_check(body_sig_words[_i >> 1]);
}
END_TEST

START_TEST(test_body_truncate)
{
	uint8_t buf[BODY_MAX + 4];
	size_t len, k;

	len = (size_t)body_encode(_i, buf, sizeof(buf));
	for (k = 0; k < len; k++)
		expect_rc(body_try(_i & 1, buf, k), ZE_TRUNCATED, "prefix", k);
	memset(buf + len, 0, 4);
	ck_assert_int_eq(body_try(_i & 1, buf, len + 1), ZE_TRAILING);
	ck_assert_int_eq(body_try(_i & 1, buf, len + 4), ZE_TRAILING);
	ck_assert_int_eq(body_try(_i & 1, buf, len), 0);
}
END_TEST

/* The 9-bit length at what fits, one past, one short, 0 and 511. */
START_TEST(test_body_siglen)
{
	uint8_t buf[BODY_MAX + 4];
	size_t len, off = (_i & 1) ? 0 : 32;
	uint32_t word, words = (uint32_t)body_sig_words[_i >> 1];

	len = (size_t)body_encode(_i, buf, sizeof(buf));
	word = zbe32_get(buf + off);
	ck_assert_uint_eq(word >> 8, words);
	if (words < ZRTP_SIG_LEN_MAX) {
		zbe32_put(buf + off, (words + 1) << 8 | (word & 0xff));
		ck_assert_int_eq(body_try(_i & 1, buf, len), ZE_TRUNCATED);
		zbe32_put(buf + off, ZRTP_SIG_LEN_MAX << 8 | (word & 0xff));
		ck_assert_int_eq(body_try(_i & 1, buf, len), ZE_TRUNCATED);
	} else {
		/* A tenth length bit is one of the 15 unused bits. */
		zbe32_put(buf + off, word | 1u << 17);
		ck_assert_int_eq(body_try(_i & 1, buf, len), 0);
	}
	if (words > 0) {
		zbe32_put(buf + off, (words - 1) << 8 | (word & 0xff));
		ck_assert_int_eq(body_try(_i & 1, buf, len), ZE_TRAILING);
		zbe32_put(buf + off, word & 0xff);
		ck_assert_int_eq(body_try(_i & 1, buf, len), ZE_TRAILING);
	}
	zbe32_put(buf + off, word);
	ck_assert_int_eq(body_try(_i & 1, buf, len), 0);
}
END_TEST

/* §5.7, §5.13: the 15 unused bits and undefined flags are ignored. */
START_TEST(test_body_ignored_bits)
{
	uint8_t buf[BODY_MAX + 4];
	struct zconfirm_body c;
	struct zsasrelay_body s;
	size_t len, off = (_i & 1) ? 0 : 32;
	uint32_t word;

	len = (size_t)body_encode(_i, buf, sizeof(buf));
	word = zbe32_get(buf + off);
	zbe32_put(buf + off, word | 0xfffe0000u | 0xf0 | ((_i & 1) ? 0x08 : 0));
	if (_i & 1) {
		ck_assert_int_eq(zsasrelay_body_decode(buf, len, &s), 0);
		ck_assert_uint_eq(s.flags, word & 0x07);
		ck_assert_uint_eq(s.sig.len, len - BODY_MIN);
	} else {
		ck_assert_int_eq(zconfirm_body_decode(buf, len, &c), 0);
		ck_assert_uint_eq(c.flags, word & 0x0f);
		ck_assert_uint_eq(c.sig.len, len - BODY_MIN);
	}
}
END_TEST

START_TEST(test_body_encode_bounds)
{
	static uint8_t big[4 * (ZRTP_SIG_LEN_MAX + 1)];
	uint8_t buf[BODY_MAX + 8];
	struct zconfirm_body c;
	struct zsasrelay_body s;
	struct zwbuf w;
	size_t cap, len;

	build_confirm_body(0, &c);
	build_sasrelay_body(0, &s);
	c.sig.p = s.sig.p = big;
	c.sig.len = s.sig.len = sizeof(big);
	zwbuf_init(&w, buf, sizeof(buf));
	ck_assert_int_eq(zconfirm_body_encode(&c, &w), ZE_INVAL);
	ck_assert_int_eq(zsasrelay_body_encode(&s, &w), ZE_INVAL);
	c.sig.len = s.sig.len = 3;
	ck_assert_int_eq(zconfirm_body_encode(&c, &w), ZE_INVAL);
	ck_assert_int_eq(zsasrelay_body_encode(&s, &w), ZE_INVAL);
	c.sig.len = s.sig.len = 8;
	len = BODY_MIN + 8;
	for (cap = 0; cap < len; cap++) {
		zwbuf_init(&w, buf, cap);
		expect_rc(zconfirm_body_encode(&c, &w), ZE_NOSPACE, "cap",
		    cap);
		zwbuf_init(&w, buf, cap);
		expect_rc(zsasrelay_body_encode(&s, &w), ZE_NOSPACE, "cap",
		    cap);
	}
}
END_TEST

/* H1..H3 of two H0 values, from Python's hashlib. */
static const char *const chain_kat[2][3] = {
	{ "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925",
	  "2b32db6c2c0a6235fb1397e8225ea85e0f0e6e8c7b126d0016ccbde0e667151e",
	  "12771355e46cd47c71ed1721fd5319b383cca3a1f9fce3aa1c8cd3bd37af20d7" },
	{ "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd",
	  "2f287b4d3d4910f6cada9e1bd1b4648099e8c52c81aa4a6aebfa6fc86f19834e",
	  "4e05063392f42b5180353ef82da86c714042155044d91ab3253f1bab08120a0a" },
};

static void
unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;
	unsigned v;

	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

START_TEST(test_chain_from_h0)
{
	struct zhash_chain c;
	uint8_t h0[32], want[32], h[ZHASH_MAX_LEN];
	int i, j;

	for (j = 0; j < 2; j++) {
		for (i = 0; i < 32; i++)
			h0[i] = j == 0 ? 0 : (uint8_t)i;
		ck_assert_int_eq(zchain_from_h0(&c, h0), 0);
		ck_assert_mem_eq(c.h[0], h0, 32);
		for (i = 1; i < 4; i++) {
			unhex(chain_kat[j][i - 1], want, sizeof(want));
			ck_assert_mem_eq(c.h[i], want, 32);
			ck_assert_int_eq(zhash(ZHASH_S256, c.h[i - 1], 32, h),
			    0);
			ck_assert_mem_eq(c.h[i], h, 32);
		}
		zchain_clear(&c);
		for (i = 0; i < 32; i++)
			ck_assert_uint_eq(c.h[3][i], 0);
	}
}
END_TEST

START_TEST(test_chain_check)
{
	struct zhash_chain c;
	uint8_t h0[32], x[32];
	int i, b;

	fill(h0, sizeof(h0), 50);
	ck_assert_int_eq(zchain_from_h0(&c, h0), 0);
	for (i = 1; i < 4; i++)
		ck_assert_int_eq(zchain_check(c.h[i - 1], c.h[i]), 0);
	ck_assert_int_eq(zchain_check(c.h[0], c.h[2]), ZE_BAD_MAC);
	ck_assert_int_eq(zchain_check(c.h[1], c.h[0]), ZE_BAD_MAC);
	for (b = 0; b < 256; b++) {
		memcpy(x, c.h[1], 32);
		x[b / 8] ^= 1u << (b % 8);
		expect_rc(zchain_check(x, c.h[2]), ZE_BAD_MAC, "preimage", b);
		expect_rc(zchain_check(c.h[1], x), ZE_BAD_MAC, "image", b);
	}
}
END_TEST

/* Hello, Commit and DHPart MACs: any one-bit change is caught. */
START_TEST(test_msg_mac)
{
	static const int which[3] = { 2, 7, 16 };	/* Hello, Commit, DH */
	uint8_t msg[PKT_BUF], key[32], h[ZHASH_MAX_LEN];
	struct zmsg m;
	size_t len, i;
	int j;

	fill(key, sizeof(key), 51);
	for (j = 0; j < 3; j++) {
		len = sample_msg(which[j], &m, msg, sizeof(msg));
		ck_assert_int_eq(zmsg_mac_check(msg, len, key), ZE_BAD_MAC);
		ck_assert_int_eq(zmsg_mac_seal(msg, len, key), 0);
		ck_assert_int_eq(zmsg_mac_check(msg, len, key), 0);
		ck_assert_int_eq(zhmac(ZHASH_S256, key, 32, msg, len - 8, h),
		    0);
		ck_assert_mem_eq(msg + len - 8, h, 8);
		for (i = 0; i < len; i++) {
			msg[i] ^= 1u << (i % 8);
			expect_rc(zmsg_mac_check(msg, len, key), ZE_BAD_MAC,
			    "flip", i);
			msg[i] ^= 1u << (i % 8);
		}
		key[j] ^= 0x80;
		ck_assert_int_eq(zmsg_mac_check(msg, len, key), ZE_BAD_MAC);
		key[j] ^= 0x80;
	}
	/* Shorter than a header and a MAC: no message to MAC. */
	ck_assert_int_eq(zmsg_mac_seal(msg, ZRTP_MSG_HDR_LEN + 7, key),
	    ZE_INVAL);
	ck_assert_int_eq(zmsg_mac_check(msg, ZRTP_MSG_HDR_LEN + 7, key),
	    ZE_INVAL);
	ck_assert_int_eq(zmsg_mac_seal(msg, ZRTP_MSG_HDR_LEN + 8, key), 0);
	ck_assert_int_eq(zmsg_mac_check(msg, ZRTP_MSG_HDR_LEN + 8, key), 0);
}
END_TEST

/* §4.4.1.1: hvi = hash(DHPart2 || responder's Hello), first 256 bits. */
START_TEST(test_hvi)
{
	static const enum zhash_alg algs[2] = { ZHASH_S256, ZHASH_S384 };
	uint8_t dh[PKT_BUF], hello[PKT_BUF], cat[2 * PKT_BUF];
	uint8_t hvi[ZRTP_HVI_LEN], other[ZRTP_HVI_LEN], h[ZHASH_MAX_LEN];
	struct zmsg m;
	size_t dlen, hlen;
	int a;

	dlen = sample_msg(23, &m, dh, sizeof(dh));
	ck_assert_int_eq(m.type, ZMSG_DHPART2);
	hlen = sample_msg(2, &m, hello, sizeof(hello));
	memcpy(cat, dh, dlen);
	memcpy(cat + dlen, hello, hlen);
	for (a = 0; a < 2; a++) {
		ck_assert_int_eq(zhvi_compute(algs[a], dh, dlen, hello, hlen,
		    hvi), 0);
		ck_assert_int_eq(zhash(algs[a], cat, dlen + hlen, h), 0);
		ck_assert_mem_eq(hvi, h, ZRTP_HVI_LEN);
		ck_assert_int_eq(zhvi_compute(algs[a], hello, hlen, dh, dlen,
		    other), 0);
		ck_assert_mem_ne(hvi, other, ZRTP_HVI_LEN);
	}
}
END_TEST

/* §8.1: 64 lower-case hex digits of SHA-256(Hello), NUL-terminated. */
START_TEST(test_hello_hash_hex)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t msg[PKT_BUF], h[ZHASH_MAX_LEN];
	char hex[ZRTP_HELLO_HASH_HEX + 1];
	struct zmsg m;
	size_t len;
	int i;

	len = sample_msg(_i, &m, msg, sizeof(msg));
	memset(hex, 'X', sizeof(hex));
	ck_assert_int_eq(zhello_hash_hex(msg, len, hex), 0);
	ck_assert_uint_eq(strlen(hex), 64);
	ck_assert_uint_eq(strspn(hex, digits), 64);
	ck_assert_int_eq(hex[ZRTP_HELLO_HASH_HEX], 'X');
	ck_assert_int_eq(zhash(ZHASH_S256, msg, len, h), 0);
	for (i = 0; i < 32; i++) {
		ck_assert_int_eq(hex[2 * i], digits[h[i] >> 4]);
		ck_assert_int_eq(hex[2 * i + 1], digits[h[i] & 0xf]);
	}
}
END_TEST

static Suite *
msg_suite(void)
{
	Suite *s = suite_create("msg");
	TCase *each = tcase_create("each message");
	TCase *fields = tcase_create("fields");
	TCase *body = tcase_create("sealed bodies");
	TCase *crc = tcase_create("crc32c");
	TCase *chain = tcase_create("hash chain");

	/* The loops are exhaustive; leave room under sanitizers. */
	tcase_set_timeout(each, 120);
	tcase_add_loop_test(each, test_round_trip, 0, NSAMPLES);
	tcase_add_loop_test(each, test_truncate_packet, 0, NSAMPLES);
	tcase_add_loop_test(each, test_truncate_msg, 0, NSAMPLES);
	tcase_add_loop_test(each, test_trailing, 0, NSAMPLES);
	tcase_add_loop_test(each, test_length_field, 0, NSAMPLES);
	tcase_add_loop_test(each, test_bit_flips, 0, NSAMPLES);
	tcase_add_loop_test(each, test_header_fields, 0, NSAMPLES);
	tcase_add_loop_test(each, test_msg_header, 0, NSAMPLES);
	tcase_add_loop_test(each, test_encode_nospace, 0, NSAMPLES);
	tcase_add_loop_test(each, test_hello_hash_hex, 0, NSAMPLES);
	suite_add_tcase(s, each);

	tcase_add_test(fields, test_type_blocks);
	tcase_add_test(fields, test_hello_count_bound);
	tcase_add_test(fields, test_hello_count_lie);
	tcase_add_test(fields, test_hello_ignored_bits);
	tcase_add_test(fields, test_commit_kex_lie);
	tcase_add_test(fields, test_dhpart_pv_bound);
	tcase_add_test(fields, test_sealed_bound);
	tcase_add_test(fields, test_encode_refuses);
	suite_add_tcase(s, fields);

	tcase_set_timeout(body, 60);
	tcase_add_loop_test(body, test_body_round_trip, 0, 6);
	tcase_add_loop_test(body, test_body_truncate, 0, 6);
	tcase_add_loop_test(body, test_body_siglen, 0, 6);
	tcase_add_loop_test(body, test_body_ignored_bits, 0, 6);
	tcase_add_test(body, test_body_encode_bounds);
	suite_add_tcase(s, body);

	tcase_add_loop_test(crc, test_crc32c_kat, 0, 3);
	tcase_add_test(crc, test_crc32c_paths);
	tcase_add_test(crc, test_crc_trailer_order);
	tcase_add_test(crc, test_captured_exchange);
	suite_add_tcase(s, crc);

	tcase_add_test(chain, test_chain_from_h0);
	tcase_add_test(chain, test_chain_check);
	tcase_add_test(chain, test_msg_mac);
	tcase_add_test(chain, test_hvi);
	suite_add_tcase(s, chain);
	return s;
}

int
main(void)
{

	if (zcrypto_init(0) != 0) {
		fprintf(stderr, "check_msg: zcrypto_init failed\n");
		return EXIT_FAILURE;
	}
	return unit_run(msg_suite());
}
