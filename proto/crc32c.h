/*
 * CRC-32C (Castagnoli, RFC 3720 §B.4) over a ZRTP packet (RFC 6189 §5).
 */
#ifndef ZRTPD_CRC32C_H
#define ZRTPD_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CPU's crc32 instruction where it has one (SSE4.2), else a table. */
uint32_t crc32c(const uint8_t *p, size_t len);

/* Each path alone, for the tests: the table, and the instruction. */
uint32_t crc32c_sw(const uint8_t *p, size_t len);
/* The instruction; the table where crc32c_hw_available() is 0. */
uint32_t crc32c_hw(const uint8_t *p, size_t len);
int	 crc32c_hw_available(void);

#endif
