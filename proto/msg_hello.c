/*
 * Hello (RFC 6189 §5.2): version, client id, H3, ZID, flags, five counted
 * algorithm lists, MAC. Counts are bounded before any list is read; the
 * lists must then fill the message exactly.
 */
#include "msg_codec.h"
#include "zerr.h"

/* §5.2: |0|S|M|P| unused (8) | hc | cc | ac | kc | sc | */
#define ZHELLO_FLAGS_SHIFT	28
#define ZHELLO_COUNT_SHIFT(k)	(16 - 4 * (k))

int
zhello_decode(struct zbuf *b, struct zmsg *m)
{
	struct zmsg_hello *h = &m->u.hello;
	uint32_t word;
	int k, i, r;

	if ((r = zbuf_get_bytes(b, h->version, sizeof(h->version))) != 0 ||
	    (r = zbuf_get_bytes(b, h->client_id, sizeof(h->client_id))) != 0 ||
	    (r = zbuf_get_bytes(b, h->h3, sizeof(h->h3))) != 0 ||
	    (r = zbuf_get_bytes(b, h->zid, sizeof(h->zid))) != 0 ||
	    (r = zbuf_get_u32(b, &word)) != 0)
		return r;
	/* The unused bits are ignored on receipt. */
	h->flags = (word >> ZHELLO_FLAGS_SHIFT) & 0x7;
	for (k = 0; k < ZALGO_KIND_COUNT; k++) {
		h->count[k] = (word >> ZHELLO_COUNT_SHIFT(k)) & 0xf;
		if (h->count[k] > ZRTP_ALGO_MAX)
			return ZE_BAD_COUNT;
	}
	for (k = 0; k < ZALGO_KIND_COUNT; k++)
		for (i = 0; i < h->count[k]; i++)
			if ((r = zbuf_get_u32(b, &h->algo[k][i])) != 0)
				return r;
	return zbuf_get_bytes(b, h->mac, sizeof(h->mac));
}

int
zhello_encode(const struct zmsg *m, struct zwbuf *w)
{
	const struct zmsg_hello *h = &m->u.hello;
	uint32_t word;
	int k, i, r;

	word = (uint32_t)(h->flags & 0x7) << ZHELLO_FLAGS_SHIFT;
	for (k = 0; k < ZALGO_KIND_COUNT; k++) {
		if (h->count[k] > ZRTP_ALGO_MAX)
			return ZE_INVAL;
		word |= (uint32_t)h->count[k] << ZHELLO_COUNT_SHIFT(k);
	}
	if ((r = zwbuf_put_bytes(w, h->version, sizeof(h->version))) != 0 ||
	    (r = zwbuf_put_bytes(w, h->client_id, sizeof(h->client_id))) != 0 ||
	    (r = zwbuf_put_bytes(w, h->h3, sizeof(h->h3))) != 0 ||
	    (r = zwbuf_put_bytes(w, h->zid, sizeof(h->zid))) != 0 ||
	    (r = zwbuf_put_u32(w, word)) != 0)
		return r;
	for (k = 0; k < ZALGO_KIND_COUNT; k++)
		for (i = 0; i < h->count[k]; i++)
			if ((r = zwbuf_put_u32(w, h->algo[k][i])) != 0)
				return r;
	return zwbuf_put_bytes(w, h->mac, sizeof(h->mac));
}
