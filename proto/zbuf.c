/*
 * Bounds-checked reading of untrusted bytes and bounded writing. Every
 * other parser in zrtpd reads through these functions and nothing else.
 */
#include <string.h>

#include "zbuf.h"
#include "zerr.h"

void
zbuf_init(struct zbuf *b, const uint8_t *p, size_t len)
{
	b->p = p;
	b->len = p != NULL ? len : 0;
	b->off = 0;
}

size_t
zbuf_left(const struct zbuf *b)
{
	return b->len - b->off;
}

int
zbuf_get_view(struct zbuf *b, struct zview *v, size_t n)
{
	if (n > b->len - b->off)
		return ZE_TRUNCATED;
	v->p = b->p + b->off;
	v->len = n;
	b->off += n;
	return 0;
}

int
zbuf_get_bytes(struct zbuf *b, void *out, size_t n)
{
	struct zview v;
	int r;

	if ((r = zbuf_get_view(b, &v, n)) != 0)
		return r;
	if (n > 0)
		memcpy(out, v.p, n);
	return 0;
}

int
zbuf_skip(struct zbuf *b, size_t n)
{
	struct zview v;

	return zbuf_get_view(b, &v, n);
}

int
zbuf_get_u8(struct zbuf *b, uint8_t *v)
{
	return zbuf_get_bytes(b, v, 1);
}

int
zbuf_get_u16(struct zbuf *b, uint16_t *v)
{
	struct zview w;
	int r;

	if ((r = zbuf_get_view(b, &w, 2)) != 0)
		return r;
	*v = zbe16_get(w.p);
	return 0;
}

int
zbuf_get_u32(struct zbuf *b, uint32_t *v)
{
	struct zview w;
	int r;

	if ((r = zbuf_get_view(b, &w, 4)) != 0)
		return r;
	*v = zbe32_get(w.p);
	return 0;
}

int
zbuf_get_sub(struct zbuf *b, struct zbuf *sub, size_t n)
{
	struct zview v;
	int r;

	if ((r = zbuf_get_view(b, &v, n)) != 0)
		return r;
	zbuf_init(sub, v.p, v.len);
	return 0;
}

int
zbuf_expect_end(const struct zbuf *b)
{
	return b->off == b->len ? 0 : ZE_TRAILING;
}

void
zwbuf_init(struct zwbuf *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->cap = p != NULL ? cap : 0;
	w->len = 0;
}

int
zwbuf_reserve(struct zwbuf *w, size_t n, uint8_t **where)
{
	if (n > w->cap - w->len)
		return ZE_NOSPACE;
	*where = w->p + w->len;
	w->len += n;
	return 0;
}

int
zwbuf_put_bytes(struct zwbuf *w, const void *p, size_t n)
{
	uint8_t *d;
	int r;

	if ((r = zwbuf_reserve(w, n, &d)) != 0)
		return r;
	if (n > 0)
		memcpy(d, p, n);
	return 0;
}

int
zwbuf_put_zeros(struct zwbuf *w, size_t n)
{
	uint8_t *d;
	int r;

	if ((r = zwbuf_reserve(w, n, &d)) != 0)
		return r;
	memset(d, 0, n);
	return 0;
}

int
zwbuf_put_u8(struct zwbuf *w, uint8_t v)
{
	return zwbuf_put_bytes(w, &v, 1);
}

int
zwbuf_put_u16(struct zwbuf *w, uint16_t v)
{
	uint8_t b[2];

	zbe16_put(b, v);
	return zwbuf_put_bytes(w, b, 2);
}

int
zwbuf_put_u32(struct zwbuf *w, uint32_t v)
{
	uint8_t b[4];

	zbe32_put(b, v);
	return zwbuf_put_bytes(w, b, 4);
}

uint32_t
zbe32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

void
zbe32_put(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

uint16_t
zbe16_get(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

void
zbe16_put(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}
