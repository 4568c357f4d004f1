/*
 * CRC-32C (Castagnoli, RFC 3720 §B.4) over a ZRTP packet (RFC 6189 §5).
 */
#ifndef ZRTPD_CRC32C_H
#define ZRTPD_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32c(const uint8_t *p, size_t len);

#endif
