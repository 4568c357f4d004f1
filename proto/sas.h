/*
 * Short authentication string rendering (RFC 6189 §5.1.6, §4.5.2): the
 * leftmost bits of sashash as B32 (4 characters), B256 (two PGP words) or
 * B32E (the B32 quintets as 4 emoji, UTF-8).
 */
#ifndef ZRTPD_SAS_H
#define ZRTPD_SAS_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

#define ZSAS_B32	ZALGO('B', '3', '2', ' ')
#define ZSAS_B256	ZALGO('B', '2', '5', '6')
#define ZSAS_B32E	ZALGO('B', '3', '2', 'E')	/* emoji, GNU ZRTP */
#define ZSAS_TEXT_MAX	32	/* "stagnate spaghetti"-sized and NUL */

extern const char *const zsas_pgp_even[256];
extern const char *const zsas_pgp_odd[256];

/* 1 when we can render this scheme. */
int	zsas_supported(uint32_t scheme);
/* Render the SAS of sashash (at least 4 octets) in scheme into out. */
int	zsas_render(uint32_t scheme, const uint8_t *sashash, char *out,
	    size_t out_len);

#endif
