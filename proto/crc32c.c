/*
 * CRC-32C: reflected polynomial 0x82F63B78, initial value and final XOR
 * 0xFFFFFFFF (RFC 3720 §B.4). A 256-entry table built once at compile time
 * would be data noise; it is built on first use instead.
 */
#include <pthread.h>

#include "crc32c.h"

static uint32_t crc32c_table[256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

static void
crc32c_table_init(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
		crc32c_table[i] = c;
	}
}

uint32_t
crc32c(const uint8_t *p, size_t len)
{
	uint32_t c = 0xFFFFFFFFu;
	size_t i;

	pthread_once(&crc32c_once, crc32c_table_init);
	for (i = 0; i < len; i++)
		c = crc32c_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}
