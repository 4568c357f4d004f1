/*
 * Writes the fuzz seed corpus into DIR/packet/ (packets and bare messages
 * of all sixteen types, and hostile variants: truncations, lying lengths
 * and counts, oversized lists, mutations under a valid CRC) and DIR/body/
 * (Confirm and SASrelay plaintexts, first byte odd for SASrelay). Fixed-seed
 * xorshift, files named by an FNV-1a hash of their bytes. Without DIR it
 * writes nothing and checks that each input decodes or fails as meant.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "packet.h"

#define PKT_MAX		4096
#define BODY_MIN	40
#define BODY_MAX	(BODY_MIN + 4 * ZRTP_SIG_LEN_MAX)
#define HELLO_WORD_OFF	(ZRTP_MSG_HDR_LEN + ZRTP_VERSION_LEN + \
			    ZRTP_CID_LEN + ZRTP_HASH_IMAGE_LEN + ZRTP_ZID_LEN)

enum want {
	WANT_OK,	/* must decode */
	WANT_FAIL,	/* must be refused */
	WANT_ANY	/* may go either way; must not crash */
};

struct corpus {
	const char	*dir;		/* NULL: check only */
	uint64_t	 rng;
	size_t		 inputs;
	size_t		 written;
	int		 bad;
	unsigned	 variant;	/* rotates the header corruptions */
};

static uint8_t pv_buf[384];
static uint8_t sig_buf[4 * ZRTP_SIG_LEN_MAX];
static uint8_t sealed_buf[BODY_MAX];

static uint64_t
rnd(struct corpus *c)
{
	uint64_t x = c->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return c->rng = x;
}

static size_t
rnd_below(struct corpus *c, size_t n)
{
	return n == 0 ? 0 : (size_t)(rnd(c) >> 11) % n;
}

static void
rnd_bytes(struct corpus *c, void *p, size_t n)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(rnd(c) >> 32);
}

static uint64_t
fnv1a(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static int
decodes(const char *sub, const uint8_t *p, size_t len)
{
	struct zconfirm_body cb;
	struct zsasrelay_body sb;
	struct zpkt pkt;
	struct zmsg m;

	if (strcmp(sub, "body") == 0) {
		if (len == 0)
			return 0;
		return (p[0] & 1) ? zsasrelay_body_decode(p + 1, len - 1,
		    &sb) == 0 : zconfirm_body_decode(p + 1, len - 1, &cb) == 0;
	}
	return zpkt_decode(p, len, &pkt) == 0 || zmsg_decode(p, len, &m) == 0;
}

static void
emit(struct corpus *c, const char *sub, const uint8_t *p, size_t len,
    enum want want)
{
	char path[4096];
	int ok = decodes(sub, p, len);
	FILE *f;

	c->inputs++;
	if ((want == WANT_OK && !ok) || (want == WANT_FAIL && ok)) {
		fprintf(stderr, "mkcorpus: %s input %zu (%zu bytes) %s\n",
		    sub, c->inputs, len, ok ? "decodes" : "is refused");
		c->bad = 1;
	}
	if (c->dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s/%016llx", c->dir, sub,
	    (unsigned long long)fnv1a(p, len));
	/* "x": an input already there is the same bytes. */
	if ((f = fopen(path, "wbx")) == NULL) {
		if (errno != EEXIST) {
			fprintf(stderr, "mkcorpus: %s: %s\n", path,
			    strerror(errno));
			c->bad = 1;
		}
		return;
	}
	if ((len > 0 && fwrite(p, 1, len, f) != len) || fclose(f) != 0) {
		fprintf(stderr, "mkcorpus: %s: write failed\n", path);
		c->bad = 1;
		return;
	}
	c->written++;
}

static void
build_hello(struct corpus *c, const uint8_t count[5], struct zmsg_hello *h)
{
	int k, i;

	rnd_bytes(c, h, sizeof(*h));
	memcpy(h->version, "1.10", 4);
	h->flags &= 0x7;
	for (k = 0; k < ZALGO_KIND_COUNT; k++) {
		h->count[k] = count[k];
		for (i = 0; i < count[k]; i++)
			h->algo[k][i] = ZALGO('A' + k, '0' + i, 'x', ' ');
	}
}

static void
build_commit(struct corpus *c, uint32_t kex, struct zmsg_commit *m)
{
	rnd_bytes(c, m, sizeof(*m));
	m->algo[ZALGO_HASH] = ZALGO('S', '2', '5', '6');
	m->algo[ZALGO_CIPHER] = ZALGO('A', 'E', 'S', '1');
	m->algo[ZALGO_AUTH] = ZALGO('H', 'S', '3', '2');
	m->algo[ZALGO_KEX] = kex;
	m->algo[ZALGO_SAS] = ZALGO('B', '3', '2', ' ');
}

static void
build_dhpart(struct corpus *c, size_t pv_len, struct zmsg_dhpart *d)
{
	rnd_bytes(c, d, sizeof(*d));
	rnd_bytes(c, pv_buf, pv_len);
	d->pv.p = pv_buf;
	d->pv.len = pv_len;
}

/* A plaintext body into out: Confirm, or SASrelay when sas is set. */
static size_t
build_body(struct corpus *c, int sas, int sig_words, uint8_t *out)
{
	struct zconfirm_body cb;
	struct zsasrelay_body sb;
	struct zwbuf w;

	rnd_bytes(c, sig_buf, 4 * (size_t)sig_words);
	zwbuf_init(&w, out, BODY_MAX);
	if (sas) {
		rnd_bytes(c, &sb, sizeof(sb));
		sb.flags &= 0x07;
		sb.sig.p = sig_buf;
		sb.sig.len = 4 * (size_t)sig_words;
		if (zsasrelay_body_encode(&sb, &w) != 0)
			abort();
	} else {
		rnd_bytes(c, &cb, sizeof(cb));
		cb.flags &= 0x0f;
		cb.sig.p = sig_buf;
		cb.sig.len = 4 * (size_t)sig_words;
		if (zconfirm_body_encode(&cb, &w) != 0)
			abort();
	}
	return w.len;
}

static void
build_sealed(struct corpus *c, enum zmsg_type t, int sig_words,
    struct zmsg_sealed *s)
{
	rnd_bytes(c, s, sizeof(*s));
	s->sealed.p = sealed_buf;
	s->sealed.len = build_body(c, t == ZMSG_SASRELAY, sig_words,
	    sealed_buf);
}

/* arg: Hello count row, Commit kex block, pv octets or sig words. */
static void
build_msg(struct corpus *c, enum zmsg_type t, uint32_t arg, struct zmsg *m)
{
	static const uint8_t rows[][5] = {
		{ 0, 0, 0, 0, 0 }, { 1, 1, 1, 1, 1 }, { 7, 7, 7, 7, 7 },
		{ 1, 2, 3, 4, 5 }, { 1, 1, 2, 2, 1 }, { 0, 7, 0, 7, 0 },
	};

	memset(m, 0, sizeof(*m));
	m->type = t;
	switch (t) {
	case ZMSG_HELLO:
		build_hello(c, rows[arg % 6], &m->u.hello);
		break;
	case ZMSG_COMMIT:
		build_commit(c, arg, &m->u.commit);
		break;
	case ZMSG_DHPART1:
	case ZMSG_DHPART2:
		build_dhpart(c, arg, &m->u.dhpart);
		break;
	case ZMSG_CONFIRM1:
	case ZMSG_CONFIRM2:
	case ZMSG_SASRELAY:
		build_sealed(c, t, (int)arg, &m->u.confirm);
		break;
	default:
		rnd_bytes(c, &m->u, sizeof(m->u));
		break;
	}
}

static size_t
packet_of(struct corpus *c, const struct zmsg *m, uint8_t *out)
{
	size_t len = 0;

	if (zpkt_encode((uint16_t)rnd(c), (uint32_t)rnd(c), m, out, PKT_MAX,
	    &len) != 0) {
		fprintf(stderr, "mkcorpus: cannot encode %s\n",
		    zmsg_type_name(m->type));
		exit(1);
	}
	return len;
}

/* The packet cut to k octets of message, its length patched, CRC valid. */
static size_t
cut_patched(const uint8_t *pkt, size_t k, uint8_t *v)
{
	memcpy(v, pkt, ZRTP_PKT_HDR_LEN + k);
	zbe16_put(v + ZRTP_PKT_HDR_LEN + 2, (uint16_t)(k / 4));
	zpkt_seal_crc(v, ZRTP_PKT_OVERHEAD + k);
	return ZRTP_PKT_OVERHEAD + k;
}

static void
corrupt_header(struct corpus *c, uint8_t *v, size_t len)
{
	switch (c->variant++ % 4) {
	case 0:
		v[0] = (uint8_t)((rnd_below(c, 15) + 2) << 4);
		break;
	case 1:
		v[4 + rnd_below(c, 4)] ^= 0x40;
		break;
	case 2:
		v[ZRTP_PKT_HDR_LEN + rnd_below(c, 2)] ^= 0x01;
		break;
	default:
		v[ZRTP_PKT_HDR_LEN + 4 + rnd_below(c, 8)] = '?';
		break;
	}
	zpkt_seal_crc(v, len);
}

/* Flip 1 to 4 random octets of the message, then make the CRC valid. */
static void
mutate(struct corpus *c, const uint8_t *pkt, size_t len, uint8_t *v)
{
	size_t n = 1 + rnd_below(c, 4), i;

	memcpy(v, pkt, len);
	for (i = 0; i < n; i++)
		v[ZRTP_PKT_HDR_LEN + rnd_below(c, len - ZRTP_PKT_OVERHEAD)] ^=
		    (uint8_t)(1 + rnd_below(c, 255));
	zpkt_seal_crc(v, len);
}

static void
hostile_packets(struct corpus *c, const uint8_t *pkt, size_t len)
{
	uint8_t v[PKT_MAX + 8];
	size_t mlen = len - ZRTP_PKT_OVERHEAD, k;
	int i;

	emit(c, "packet", pkt, len - 1, WANT_FAIL);
	emit(c, "packet", pkt, rnd_below(c, ZRTP_PKT_OVERHEAD), WANT_FAIL);
	/* Half a message under a valid CRC, its length unchanged. */
	k = mlen / 2;
	memcpy(v, pkt, ZRTP_PKT_HDR_LEN + k);
	zpkt_seal_crc(v, ZRTP_PKT_OVERHEAD + k);
	emit(c, "packet", v, ZRTP_PKT_OVERHEAD + k, WANT_FAIL);
	/* Cut at a word with the length patched: a DHPart may still parse. */
	k = 4 * (1 + rnd_below(c, mlen / 4 - 1));
	emit(c, "packet", v, cut_patched(pkt, k, v), WANT_ANY);
	memcpy(v, pkt, len);
	zbe16_put(v + ZRTP_PKT_HDR_LEN + 2, rnd(c) & 1 ? 0xffff :
	    (uint16_t)(mlen / 4 + 1));
	zpkt_seal_crc(v, len);
	emit(c, "packet", v, len, WANT_FAIL);
	/* One trailing word that the length claims. */
	memcpy(v, pkt, len - ZRTP_CRC_LEN);
	rnd_bytes(c, v + len - ZRTP_CRC_LEN, 4);
	zbe16_put(v + ZRTP_PKT_HDR_LEN + 2, (uint16_t)(mlen / 4 + 1));
	zpkt_seal_crc(v, len + 4);
	emit(c, "packet", v, len + 4, WANT_ANY);
	memcpy(v, pkt, len);
	corrupt_header(c, v, len);
	emit(c, "packet", v, len, WANT_FAIL);
	for (i = 0; i < 3; i++) {
		mutate(c, pkt, len, v);
		emit(c, "packet", v, len, WANT_ANY);
	}
}

/* A raw Hello claiming count[] and holding present[] words per list. */
static size_t
hello_raw(struct corpus *c, const uint8_t count[5], const uint8_t present[5],
    uint32_t extra, uint8_t *out)
{
	size_t n = HELLO_WORD_OFF;
	int k, i;

	rnd_bytes(c, out, PKT_MAX);
	memcpy(out + 4, "Hello   ", 8);
	zbe32_put(out + n, extra | (uint32_t)count[0] << 16 |
	    (uint32_t)count[1] << 12 | (uint32_t)count[2] << 8 |
	    (uint32_t)count[3] << 4 | count[4]);
	n += 4;
	for (k = 0; k < 5; k++)
		for (i = 0; i < present[k]; i++, n += 4)
			zbe32_put(out + n, ZALGO('a' + k, 'a' + i, '0', '0'));
	n += ZRTP_MAC_LEN;
	zbe16_put(out, ZRTP_PREAMBLE);
	zbe16_put(out + 2, (uint16_t)(n / 4));
	return n;
}

static void
emit_hello_raw(struct corpus *c, const uint8_t count[5],
    const uint8_t present[5], uint32_t extra, enum want want)
{
	uint8_t msg[PKT_MAX], pkt[PKT_MAX + 16];
	size_t len, plen;

	len = hello_raw(c, count, present, extra, msg);
	zpkt_wrap((uint16_t)rnd(c), (uint32_t)rnd(c), msg, len, pkt,
	    sizeof(pkt), &plen);
	emit(c, "packet", pkt, plen, want);
	if (rnd(c) & 1)
		emit(c, "packet", msg, len, want);
}

/* Counts at 7, past 7, lying up and down, oversized lists, unused bits. */
static void
hostile_hellos(struct corpus *c)
{
	static const uint8_t base[5] = { 1, 2, 3, 4, 5 };
	uint8_t count[5], present[5];
	int k, v;

	memset(present, ZRTP_ALGO_MAX, sizeof(present));
	emit_hello_raw(c, present, present, 0, WANT_OK);
	for (v = 8; v < 16; v++) {
		memset(count, 0, sizeof(count));
		memset(present, 0, sizeof(present));
		k = v % 5;
		count[k] = (uint8_t)v;
		present[k] = (uint8_t)(v & 1 ? v : ZRTP_ALGO_MAX);
		emit_hello_raw(c, count, present, 0, WANT_FAIL);
	}
	memset(count, 15, sizeof(count));
	memset(present, 15, sizeof(present));
	emit_hello_raw(c, count, present, 0, WANT_FAIL);
	for (k = 0; k < 5; k++) {
		memcpy(count, base, sizeof(count));
		count[k] = (uint8_t)(base[k] + (k & 1 ? 1 : -1));
		emit_hello_raw(c, count, base, 0, WANT_FAIL);
	}
	/* Seven of each, then extra words the counts do not cover. */
	memset(count, ZRTP_ALGO_MAX, sizeof(count));
	memcpy(present, count, sizeof(present));
	present[ZALGO_SAS] = ZRTP_ALGO_MAX + 3;
	emit_hello_raw(c, count, present, 0, WANT_FAIL);
	emit_hello_raw(c, base, base, 0x8ff00000u, WANT_OK);
	emit_hello_raw(c, base, base, 0x70000000u, WANT_OK);
}

/* DHPart with no pv; sealed regions under 40 octets. */
static void
hostile_bounds(struct corpus *c)
{
	uint8_t pkt[PKT_MAX], v[PKT_MAX];
	struct zmsg m;
	size_t len, k;

	build_msg(c, ZMSG_DHPART1, 4, &m);
	len = packet_of(c, &m, pkt);
	emit(c, "packet", pkt, len, WANT_OK);
	k = len - ZRTP_PKT_OVERHEAD - 4;
	emit(c, "packet", v, cut_patched(pkt, k, v), WANT_FAIL);
	build_msg(c, ZMSG_CONFIRM2, 0, &m);
	len = packet_of(c, &m, pkt);
	for (k = len - ZRTP_PKT_OVERHEAD - 4; k >= 28; k -= 8)
		emit(c, "packet", v, cut_patched(pkt, k, v), WANT_FAIL);
}

static void
valid_packets(struct corpus *c)
{
	static const unsigned pvs[] = { 32, 56, 64, 96, 132, 256, 384 };
	static const int sigs[] = { 0, 1, 5 };
	static const uint32_t kex[] = { ZALGO('D', 'H', '3', 'k'),
	    ZKEX_BLOCK_MULT, ZKEX_BLOCK_PRSH };
	uint8_t pkt[PKT_MAX];
	struct zmsg m;
	size_t i;

	for (i = 0; i < 6; i++) {
		build_msg(c, ZMSG_HELLO, (uint32_t)i, &m);
		emit(c, "packet", pkt, packet_of(c, &m, pkt), WANT_OK);
	}
	for (i = 0; i < 3; i++) {
		build_msg(c, ZMSG_COMMIT, kex[i], &m);
		emit(c, "packet", pkt, packet_of(c, &m, pkt), WANT_OK);
	}
	for (i = 0; i < 2 * 7; i++) {
		build_msg(c, i < 7 ? ZMSG_DHPART1 : ZMSG_DHPART2, pvs[i % 7],
		    &m);
		emit(c, "packet", pkt, packet_of(c, &m, pkt), WANT_OK);
	}
	for (i = 0; i < 3 * 3; i++) {
		build_msg(c, i < 3 ? ZMSG_CONFIRM1 : i < 6 ? ZMSG_CONFIRM2 :
		    ZMSG_SASRELAY, (uint32_t)sigs[i % 3], &m);
		emit(c, "packet", pkt, packet_of(c, &m, pkt), WANT_OK);
	}
	build_msg(c, ZMSG_CONFIRM1, ZRTP_SIG_LEN_MAX, &m);
	emit(c, "packet", pkt, packet_of(c, &m, pkt), WANT_OK);
}

/* One of each type, as a packet and as a bare message, with its hostiles. */
static void
each_type(struct corpus *c)
{
	uint8_t pkt[PKT_MAX];
	struct zmsg m;
	size_t len;
	int t;

	for (t = 0; t < ZMSG_COUNT; t++) {
		build_msg(c, (enum zmsg_type)t, t == ZMSG_HELLO ? 3 :
		    t == ZMSG_COMMIT ? ZALGO('E', 'C', '2', '5') :
		    t == ZMSG_DHPART1 || t == ZMSG_DHPART2 ? 64 : 1, &m);
		len = packet_of(c, &m, pkt);
		emit(c, "packet", pkt, len, WANT_OK);
		emit(c, "packet", pkt + ZRTP_PKT_HDR_LEN,
		    len - ZRTP_PKT_OVERHEAD, WANT_OK);
		hostile_packets(c, pkt, len);
		if (t == ZMSG_COMMIT) {
			build_msg(c, ZMSG_COMMIT, ZKEX_BLOCK_PRSH, &m);
			len = packet_of(c, &m, pkt);
			hostile_packets(c, pkt, len);
		}
	}
}

static void
emit_body(struct corpus *c, int sas, const uint8_t *body, size_t len,
    enum want want)
{
	uint8_t v[BODY_MAX + 8];

	/* Any odd or even selector will do; vary it. */
	v[0] = (uint8_t)((rnd(c) & 0xfe) | (sas != 0));
	memcpy(v + 1, body, len);
	emit(c, "body", v, len + 1, want);
}

static void
bodies(struct corpus *c)
{
	static const int sigs[] = { 0, 1, 5, ZRTP_SIG_LEN_MAX };
	uint8_t b[BODY_MAX + 8];
	size_t len, off, i;
	uint32_t word, lie;
	int sas, s;

	for (sas = 0; sas < 2; sas++) {
		off = sas ? 0 : 32;
		for (s = 0; s < 4; s++) {
			len = build_body(c, sas, sigs[s], b);
			emit_body(c, sas, b, len, WANT_OK);
			emit_body(c, sas, b, len - 1, WANT_FAIL);
			emit_body(c, sas, b, rnd_below(c, len), WANT_FAIL);
			memset(b + len, 0, 4);
			emit_body(c, sas, b, len + 4, WANT_FAIL);
			word = zbe32_get(b + off);
			zbe32_put(b + off, word | 0xfffe00f8u);
			emit_body(c, sas, b, len, WANT_OK);
			/* One word past what is there, or one short at 511. */
			lie = s == 3 ? (uint32_t)sigs[s] - 1 :
			    (uint32_t)sigs[s] + 1;
			zbe32_put(b + off, (word & 0xff) | lie << 8);
			emit_body(c, sas, b, len, WANT_FAIL);
			zbe32_put(b + off, word);
			for (i = 0; i < 4; i++) {
				b[rnd_below(c, len)] ^= (uint8_t)(1 +
				    rnd_below(c, 255));
				emit_body(c, sas, b, len, WANT_ANY);
			}
		}
	}
}

static int
make_dir(const char *path)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "mkcorpus: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct corpus c = { NULL, 0x5a52545032303131ull, 0, 0, 0, 0 };
	char path[4096];

	if (argc > 2) {
		fprintf(stderr, "usage: %s [dir]\n", argv[0]);
		return 2;
	}
	if (argc == 2) {
		c.dir = argv[1];
		if (make_dir(c.dir) != 0)
			return 1;
		snprintf(path, sizeof(path), "%s/packet", c.dir);
		if (make_dir(path) != 0)
			return 1;
		snprintf(path, sizeof(path), "%s/body", c.dir);
		if (make_dir(path) != 0)
			return 1;
	}
	valid_packets(&c);
	each_type(&c);
	hostile_hellos(&c);
	hostile_bounds(&c);
	bodies(&c);
	printf("mkcorpus: %zu inputs, %zu files written\n", c.inputs,
	    c.written);
	return c.bad ? 1 : 0;
}
