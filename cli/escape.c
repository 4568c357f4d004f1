/*
 * The one escaping of foreign bytes for every tool (escape.h). Keeps
 * printable ASCII only; never interprets the bytes.
 */
#include <stdio.h>
#include <string.h>

#include "escape.h"

const char *
zesc(char *out, size_t out_len, const uint8_t *p, size_t n,
    enum zesc_style style)
{
	size_t i, o = 0, w, end = n;
	char one[7];

	if (out_len == 0)
		return out;
	while (end > 0 && (p[end - 1] == 0 || p[end - 1] == ' '))
		end--;
	for (i = 0; i < end; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' &&
		    p[i] != '\\') {
			one[0] = (char)p[i];
			one[1] = '\0';
			w = 1;
		} else
			w = (size_t)snprintf(one, sizeof(one), style ==
			    ZESC_JSON ? "\\u%04x" : "\\x%02x", p[i]);
		if (w >= out_len - o)
			break;
		memcpy(out + o, one, w);
		o += w;
	}
	out[o] = '\0';
	return out;
}
