/*
 * SAS rendering. Pure function of the first 32 bits of sashash.
 */
#include <stdio.h>

#include "sas.h"
#include "zbuf.h"
#include "zerr.h"

/*
 * B32E (GNU ZRTP's emoji rendering): the quintets of B32 (§5.1.6), each
 * shown as one of these 32 code points instead of a letter.
 */
static const uint32_t zsas_emoji[32] = {
	0x1f601, 0x1f63a, 0x1f465, 0x1f332, 0x1f45f, 0x0270b, 0x1f44d, 0x1f435,
	0x1f434, 0x1f40d, 0x1f41f, 0x1f338, 0x1f310, 0x1f3e0, 0x1f31e, 0x1f698,
	0x1f535, 0x1f6a2, 0x1f53a, 0x1f42a, 0x1f525, 0x1f388, 0x1f426, 0x1f50d,
	0x1f4d7, 0x1f4a1, 0x1f536, 0x1f528, 0x1f55b, 0x1f31f, 0x0274e, 0x1f6a9,
};

int
zsas_supported(uint32_t scheme)
{
	return scheme == ZSAS_B32 || scheme == ZSAS_B256 ||
	    scheme == ZSAS_B32E;
}

/* One code point (at most 0x1ffff here) as UTF-8; returns its length. */
static size_t
zsas_utf8(uint32_t cp, char *out)
{
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The i-th of the four quintets of the leftmost 20 bits. */
static unsigned
zsas_quintet(uint32_t sasvalue, int i)
{
	return (sasvalue >> (27 - 5 * i)) & 31;
}

/* §5.1.6: leftmost 20 bits, most significant quintet first. */
static void
zsas_b32(uint32_t sasvalue, char out[5])
{
	static const char alphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
	int i;

	for (i = 0; i < 4; i++)
		out[i] = alphabet[zsas_quintet(sasvalue, i)];
	out[4] = '\0';
}

int
zsas_render(uint32_t scheme, const uint8_t *sashash, char *out,
    size_t out_len)
{
	uint32_t sasvalue = zbe32_get(sashash);
	int i, n;

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
	case ZSAS_B32E:
		for (i = 0, n = 0; i < 4; i++) {
			if (out_len - (size_t)n < 5)
				return ZE_NOSPACE;
			n += (int)zsas_utf8(zsas_emoji[zsas_quintet(sasvalue,
			    i)], out + n);
		}
		out[n] = '\0';
		return 0;
	default:
		return ZE_UNSUPPORTED;
	}
}
