/*
 * SAS rendering. Pure function of the first 32 bits of sashash.
 */
#include <stdio.h>

#include "sas.h"
#include "zbuf.h"
#include "zerr.h"

int
zsas_supported(uint32_t scheme)
{
	return scheme == ZSAS_B32 || scheme == ZSAS_B256;
}

/* §5.1.6: leftmost 20 bits, most significant quintet first. */
static void
zsas_b32(uint32_t sasvalue, char out[5])
{
	static const char alphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
	int i, shift;

	for (i = 0, shift = 27; i < 4; i++, shift -= 5)
		out[i] = alphabet[(sasvalue >> shift) & 31];
	out[4] = '\0';
}

int
zsas_render(uint32_t scheme, const uint8_t *sashash, char *out,
    size_t out_len)
{
	uint32_t sasvalue = zbe32_get(sashash);
	int n;

	switch (scheme) {
	case ZSAS_B32:
		if (out_len < 5)
			return ZE_NOSPACE;
		zsas_b32(sasvalue, out);
		return 0;
	case ZSAS_B256:
		/* Leftmost 16 bits: even word, then odd word. */
		n = snprintf(out, out_len, "%s %s",
		    zsas_pgp_even[sasvalue >> 24],
		    zsas_pgp_odd[(sasvalue >> 16) & 0xff]);
		return n < 0 || (size_t)n >= out_len ? ZE_NOSPACE : 0;
	default:
		return ZE_UNSUPPORTED;
	}
}
