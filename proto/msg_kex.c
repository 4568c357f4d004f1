/*
 * Commit (RFC 6189 §5.4) in its DH, Multistream and Preshared forms, and
 * DHPart1/DHPart2 (§5.5, §5.6). The Key Agreement Type block selects the
 * Commit form; the DHPart pv is whatever the length leaves, and the engine
 * checks it against the negotiated key agreement.
 */
#include "msg_codec.h"
#include "zerr.h"

int
zcommit_decode(struct zbuf *b, struct zmsg *m)
{
	struct zmsg_commit *c = &m->u.commit;
	int k, r;

	if ((r = zbuf_get_bytes(b, c->h2, sizeof(c->h2))) != 0 ||
	    (r = zbuf_get_bytes(b, c->zid, sizeof(c->zid))) != 0)
		return r;
	for (k = 0; k < ZALGO_KIND_COUNT; k++)
		if ((r = zbuf_get_u32(b, &c->algo[k])) != 0)
			return r;
	switch (c->algo[ZALGO_KEX]) {
	case ZKEX_BLOCK_MULT:
		r = zbuf_get_bytes(b, c->nonce, sizeof(c->nonce));
		break;
	case ZKEX_BLOCK_PRSH:
		if ((r = zbuf_get_bytes(b, c->nonce, sizeof(c->nonce))) == 0)
			r = zbuf_get_bytes(b, c->key_id, sizeof(c->key_id));
		break;
	default:
		r = zbuf_get_bytes(b, c->hvi, sizeof(c->hvi));
		break;
	}
	if (r != 0)
		return r;
	return zbuf_get_bytes(b, c->mac, sizeof(c->mac));
}

int
zcommit_encode(const struct zmsg *m, struct zwbuf *w)
{
	const struct zmsg_commit *c = &m->u.commit;
	int k, r;

	if ((r = zwbuf_put_bytes(w, c->h2, sizeof(c->h2))) != 0 ||
	    (r = zwbuf_put_bytes(w, c->zid, sizeof(c->zid))) != 0)
		return r;
	for (k = 0; k < ZALGO_KIND_COUNT; k++)
		if ((r = zwbuf_put_u32(w, c->algo[k])) != 0)
			return r;
	switch (c->algo[ZALGO_KEX]) {
	case ZKEX_BLOCK_MULT:
		r = zwbuf_put_bytes(w, c->nonce, sizeof(c->nonce));
		break;
	case ZKEX_BLOCK_PRSH:
		if ((r = zwbuf_put_bytes(w, c->nonce, sizeof(c->nonce))) == 0)
			r = zwbuf_put_bytes(w, c->key_id, sizeof(c->key_id));
		break;
	default:
		r = zwbuf_put_bytes(w, c->hvi, sizeof(c->hvi));
		break;
	}
	if (r != 0)
		return r;
	return zwbuf_put_bytes(w, c->mac, sizeof(c->mac));
}

int
zdhpart_decode(struct zbuf *b, struct zmsg *m)
{
	struct zmsg_dhpart *d = &m->u.dhpart;
	size_t left;
	int r;

	if ((r = zbuf_get_bytes(b, d->h1, sizeof(d->h1))) != 0 ||
	    (r = zbuf_get_bytes(b, d->rs1_id, sizeof(d->rs1_id))) != 0 ||
	    (r = zbuf_get_bytes(b, d->rs2_id, sizeof(d->rs2_id))) != 0 ||
	    (r = zbuf_get_bytes(b, d->aux_id, sizeof(d->aux_id))) != 0 ||
	    (r = zbuf_get_bytes(b, d->pbx_id, sizeof(d->pbx_id))) != 0)
		return r;
	/* pv is what lies between here and the MAC: at least one word. */
	left = zbuf_left(b);
	if (left < sizeof(d->mac) + 4)
		return ZE_BAD_LENGTH;
	if ((r = zbuf_get_view(b, &d->pv, left - sizeof(d->mac))) != 0)
		return r;
	return zbuf_get_bytes(b, d->mac, sizeof(d->mac));
}

int
zdhpart_encode(const struct zmsg *m, struct zwbuf *w)
{
	const struct zmsg_dhpart *d = &m->u.dhpart;
	int r;

	if (d->pv.len == 0 || d->pv.len % 4 != 0)
		return ZE_INVAL;
	if ((r = zwbuf_put_bytes(w, d->h1, sizeof(d->h1))) != 0 ||
	    (r = zwbuf_put_bytes(w, d->rs1_id, sizeof(d->rs1_id))) != 0 ||
	    (r = zwbuf_put_bytes(w, d->rs2_id, sizeof(d->rs2_id))) != 0 ||
	    (r = zwbuf_put_bytes(w, d->aux_id, sizeof(d->aux_id))) != 0 ||
	    (r = zwbuf_put_bytes(w, d->pbx_id, sizeof(d->pbx_id))) != 0 ||
	    (r = zwbuf_put_bytes(w, d->pv.p, d->pv.len)) != 0)
		return r;
	return zwbuf_put_bytes(w, d->mac, sizeof(d->mac));
}
