/*
 * The one bounds-checked cursor over untrusted bytes (reader) and the one
 * bounded writer. A failed read returns an error and leaves the cursor
 * where it was; every bound is tested as `n > len - off`.
 */
#ifndef ZRTPD_ZBUF_H
#define ZRTPD_ZBUF_H

#include <stddef.h>
#include <stdint.h>

/* Reader over bytes we do not own and do not trust. */
struct zbuf {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
};

/* A borrowed run of bytes inside a zbuf's memory. */
struct zview {
	const uint8_t	*p;
	size_t		 len;
};

void	zbuf_init(struct zbuf *b, const uint8_t *p, size_t len);
size_t	zbuf_left(const struct zbuf *b);
int	zbuf_get_u8(struct zbuf *b, uint8_t *v);
int	zbuf_get_u16(struct zbuf *b, uint16_t *v);	/* big-endian */
int	zbuf_get_u32(struct zbuf *b, uint32_t *v);	/* big-endian */
int	zbuf_get_bytes(struct zbuf *b, void *out, size_t n);
int	zbuf_get_view(struct zbuf *b, struct zview *v, size_t n);
int	zbuf_skip(struct zbuf *b, size_t n);
/* A sub-reader over the next n bytes; b moves past them. */
int	zbuf_get_sub(struct zbuf *b, struct zbuf *sub, size_t n);
/* ZE_TRAILING unless every byte was read. */
int	zbuf_expect_end(const struct zbuf *b);

/* Writer into a caller's buffer; fails with ZE_NOSPACE, never overruns. */
struct zwbuf {
	uint8_t		*p;
	size_t		 cap;
	size_t		 len;
};

void	zwbuf_init(struct zwbuf *w, uint8_t *p, size_t cap);
int	zwbuf_put_u8(struct zwbuf *w, uint8_t v);
int	zwbuf_put_u16(struct zwbuf *w, uint16_t v);
int	zwbuf_put_u32(struct zwbuf *w, uint32_t v);
int	zwbuf_put_bytes(struct zwbuf *w, const void *p, size_t n);
int	zwbuf_put_zeros(struct zwbuf *w, size_t n);
/* Reserve n bytes and return where they are, to be filled later. */
int	zwbuf_reserve(struct zwbuf *w, size_t n, uint8_t **where);

/* Big-endian helpers for already-bounded memory. */
uint32_t	zbe32_get(const uint8_t *p);
void		zbe32_put(uint8_t *p, uint32_t v);
uint16_t	zbe16_get(const uint8_t *p);
void		zbe16_put(uint8_t *p, uint16_t v);

#endif
