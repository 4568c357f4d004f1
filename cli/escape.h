/*
 * Bytes someone else wrote (a peer's client id and version, a capture
 * file's fields) made safe to print: printable ASCII is kept, every other
 * byte escaped, so no escape sequence or BEL reaches a terminal or a JSON
 * reader. Every tool prints such bytes only through zesc().
 */
#ifndef ZRTPD_ESCAPE_H
#define ZRTPD_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

enum zesc_style {
	ZESC_TEXT,	/* \xNN, for a person */
	ZESC_JSON	/* \u00NN, inside a JSON string */
};

/* Room for n bytes escaped, and the NUL. */
#define ZESC_LEN(n)	((n) * 6 + 1)

/*
 * p[0..n) escaped into out (always terminated; cut at a whole escape when
 * out is short), trailing NULs and spaces (a fixed-size field's padding)
 * dropped. '"' and '\' are escaped too. Returns out.
 */
const char	*zesc(char *out, size_t out_len, const uint8_t *p, size_t n,
		    enum zesc_style style);

#endif
