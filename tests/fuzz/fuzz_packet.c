/*
 * libFuzzer target for the packet and message decoders (RFC 6189 §5).
 * Whatever decodes must re-encode to the input with the bits the decoder
 * ignores cleared, and a Confirm or SASrelay's sealed bytes also go through
 * the plaintext body decoders. A mismatch aborts, so the fuzzer reports it.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "packet.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A message's length field counts at most 0xffff words. */
#define FUZZ_MSG_MAX	(4 * 0xffff)
#define FUZZ_PKT_MAX	(ZRTP_PKT_OVERHEAD + FUZZ_MSG_MAX)
/* §5.2: |0|S|M|P| unused (8) | counts |, after version, id, H3, ZID. */
#define HELLO_WORD_OFF	(ZRTP_MSG_HDR_LEN + ZRTP_VERSION_LEN + \
			    ZRTP_CID_LEN + ZRTP_HASH_IMAGE_LEN + ZRTP_ZID_LEN)
#define HELLO_WORD_KEPT	0x700fffffu
/* §5.7, §5.13: | unused (15) | sig len (9) | flags (8) |. */
#define CONFIRM_WORD_OFF	32
#define CONFIRM_WORD_KEPT	0x0001ff0fu
#define SASRELAY_WORD_KEPT	0x0001ff07u
#define BODY_MAX		(40 + 4 * ZRTP_SIG_LEN_MAX)

static uint8_t norm[FUZZ_PKT_MAX];
static uint8_t out[FUZZ_PKT_MAX];

static void
keep_bits(uint8_t *p, uint32_t kept)
{
	zbe32_put(p, zbe32_get(p) & kept);
}

static void
same_or_abort(const uint8_t *a, const uint8_t *b, size_t len)
{
	if (memcmp(a, b, len) != 0)
		abort();
}

/* The sealed region read as the plaintext it carries once decrypted. */
static void
fuzz_sealed(const struct zmsg *m)
{
	static uint8_t body[BODY_MAX], re[BODY_MAX];
	const struct zview *v = &m->u.confirm.sealed;
	struct zconfirm_body c;
	struct zsasrelay_body s;
	struct zwbuf w;
	int r;

	if (v->len > sizeof(body)) {
		if (zconfirm_body_decode(v->p, v->len, &c) == 0 ||
		    zsasrelay_body_decode(v->p, v->len, &s) == 0)
			abort();
		return;
	}
	memcpy(body, v->p, v->len);
	zwbuf_init(&w, re, sizeof(re));
	if (m->type == ZMSG_SASRELAY) {
		if (zsasrelay_body_decode(v->p, v->len, &s) != 0)
			return;
		keep_bits(body, SASRELAY_WORD_KEPT);
		r = zsasrelay_body_encode(&s, &w);
	} else {
		if (zconfirm_body_decode(v->p, v->len, &c) != 0)
			return;
		keep_bits(body + CONFIRM_WORD_OFF, CONFIRM_WORD_KEPT);
		r = zconfirm_body_encode(&c, &w);
	}
	if (r != 0 || w.len != v->len)
		abort();
	same_or_abort(re, body, w.len);
}

static void
fuzz_msg(const uint8_t *p, size_t len)
{
	struct zwbuf w;
	struct zmsg m;

	if (zmsg_decode(p, len, &m) != 0)
		return;
	if (len > FUZZ_MSG_MAX)
		abort();
	zwbuf_init(&w, out, sizeof(out));
	if (zmsg_encode(&m, &w) != 0 || w.len != len)
		abort();
	memcpy(norm, p, len);
	if (m.type == ZMSG_HELLO)
		keep_bits(norm + HELLO_WORD_OFF, HELLO_WORD_KEPT);
	same_or_abort(out, norm, len);
	if (m.type == ZMSG_CONFIRM1 || m.type == ZMSG_CONFIRM2 ||
	    m.type == ZMSG_SASRELAY)
		fuzz_sealed(&m);
}

static void
fuzz_pkt(const uint8_t *p, size_t len)
{
	struct zpkt pkt;
	size_t out_len;

	if (zpkt_decode(p, len, &pkt) != 0)
		return;
	if (len > FUZZ_PKT_MAX || pkt.raw_msg.p != p + ZRTP_PKT_HDR_LEN ||
	    pkt.raw_msg.len != len - ZRTP_PKT_OVERHEAD ||
	    zpkt_is_zrtp(p, len) != 1)
		abort();
	if (zpkt_encode(pkt.seq, pkt.ssrc, &pkt.msg, out, sizeof(out),
	    &out_len) != 0 || out_len != len)
		abort();
	/* §5: the 12 unused header bits are ignored; the CRC covers them. */
	memcpy(norm, p, len);
	norm[0] &= 0xf0;
	norm[1] = 0;
	if (pkt.msg.type == ZMSG_HELLO)
		keep_bits(norm + ZRTP_PKT_HDR_LEN + HELLO_WORD_OFF,
		    HELLO_WORD_KEPT);
	if (zpkt_seal_crc(norm, len) != 0)
		abort();
	same_or_abort(out, norm, len);
	if (pkt.msg.type == ZMSG_CONFIRM1 || pkt.msg.type == ZMSG_CONFIRM2 ||
	    pkt.msg.type == ZMSG_SASRELAY)
		fuzz_sealed(&pkt.msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_pkt(data, size);
	fuzz_msg(data, size);
	return 0;
}
