/*
 * Confirm1/Confirm2 (RFC 6189 §5.7) and SASrelay (§5.13): the outer
 * MAC/IV/ciphertext, and the plaintext bodies after the engine decrypts
 * them. The 9-bit signature length is bounded by the bytes present.
 */
#include "msg_codec.h"
#include "zerr.h"

/* Smallest plaintext: Confirm H0 + flags word + expiry; SASrelay equal. */
#define ZSEALED_BODY_MIN	40
/* | unused (15) | sig len (9) | flags (8) | */
#define ZSEALED_SIGLEN(w)	(((w) >> 8) & 0x1ff)

int
zsealed_decode(struct zbuf *b, struct zmsg *m)
{
	struct zmsg_sealed *s = &m->u.confirm;
	int r;

	if ((r = zbuf_get_bytes(b, s->mac, sizeof(s->mac))) != 0 ||
	    (r = zbuf_get_bytes(b, s->iv, sizeof(s->iv))) != 0)
		return r;
	if (zbuf_left(b) < ZSEALED_BODY_MIN)
		return ZE_BAD_LENGTH;
	return zbuf_get_view(b, &s->sealed, zbuf_left(b));
}

int
zsealed_encode(const struct zmsg *m, struct zwbuf *w)
{
	const struct zmsg_sealed *s = &m->u.confirm;
	int r;

	if (s->sealed.len < ZSEALED_BODY_MIN || s->sealed.len % 4 != 0)
		return ZE_INVAL;
	if ((r = zwbuf_put_bytes(w, s->mac, sizeof(s->mac))) != 0 ||
	    (r = zwbuf_put_bytes(w, s->iv, sizeof(s->iv))) != 0)
		return r;
	return zwbuf_put_bytes(w, s->sealed.p, s->sealed.len);
}

/* The signature: sig len words, type block included (§5.7). */
static int
zsig_decode(struct zbuf *b, uint32_t word, struct zview *sig)
{
	return zbuf_get_view(b, sig, (size_t)ZSEALED_SIGLEN(word) * 4);
}

static int
zsig_word(const struct zview *sig, uint8_t flags, uint32_t *word)
{
	if (sig->len % 4 != 0 || sig->len / 4 > ZRTP_SIG_LEN_MAX)
		return ZE_INVAL;
	*word = (uint32_t)(sig->len / 4) << 8 | flags;
	return 0;
}

int
zconfirm_body_decode(const uint8_t *p, size_t len, struct zconfirm_body *out)
{
	struct zbuf b;
	uint32_t word;
	int r;

	zbuf_init(&b, p, len);
	if ((r = zbuf_get_bytes(&b, out->h0, sizeof(out->h0))) != 0 ||
	    (r = zbuf_get_u32(&b, &word)) != 0 ||
	    (r = zbuf_get_u32(&b, &out->cache_expiry)) != 0 ||
	    (r = zsig_decode(&b, word, &out->sig)) != 0)
		return r;
	/* Undefined flags are ignored (§5.7). */
	out->flags = word & 0x0f;
	return zbuf_expect_end(&b);
}

int
zconfirm_body_encode(const struct zconfirm_body *in, struct zwbuf *w)
{
	uint32_t word;
	int r;

	if ((r = zsig_word(&in->sig, in->flags & 0x0f, &word)) != 0 ||
	    (r = zwbuf_put_bytes(w, in->h0, sizeof(in->h0))) != 0 ||
	    (r = zwbuf_put_u32(w, word)) != 0 ||
	    (r = zwbuf_put_u32(w, in->cache_expiry)) != 0)
		return r;
	return zwbuf_put_bytes(w, in->sig.p, in->sig.len);
}

int
zsasrelay_body_decode(const uint8_t *p, size_t len,
    struct zsasrelay_body *out)
{
	struct zbuf b;
	uint32_t word;
	int r;

	zbuf_init(&b, p, len);
	if ((r = zbuf_get_u32(&b, &word)) != 0 ||
	    (r = zbuf_get_u32(&b, &out->sas_scheme)) != 0 ||
	    (r = zbuf_get_bytes(&b, out->sashash, sizeof(out->sashash))) != 0 ||
	    (r = zsig_decode(&b, word, &out->sig)) != 0)
		return r;
	/* §5.13: V, A and D only; the E position is zero in a SASrelay. */
	out->flags = word & 0x07;
	return zbuf_expect_end(&b);
}

int
zsasrelay_body_encode(const struct zsasrelay_body *in, struct zwbuf *w)
{
	uint32_t word;
	int r;

	if ((r = zsig_word(&in->sig, in->flags & 0x07, &word)) != 0 ||
	    (r = zwbuf_put_u32(w, word)) != 0 ||
	    (r = zwbuf_put_u32(w, in->sas_scheme)) != 0 ||
	    (r = zwbuf_put_bytes(w, in->sashash, sizeof(in->sashash))) != 0)
		return r;
	return zwbuf_put_bytes(w, in->sig.p, in->sig.len);
}
