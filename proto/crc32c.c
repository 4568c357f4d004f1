/*
 * CRC-32C: reflected polynomial 0x82F63B78, initial value and final XOR
 * 0xFFFFFFFF (RFC 3720 §B.4). The SSE4.2 crc32 instruction computes exactly
 * this polynomial; where the CPU lacks it, a 256-entry table built on first
 * use. Which one runs is decided once, at run time.
 */
#include <pthread.h>

#include "crc32c.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#define CRC32C_HAVE_HW	1
#else
#define CRC32C_HAVE_HW	0
#endif

static uint32_t crc32c_table[256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;
static uint32_t (*crc32c_fn)(const uint8_t *, size_t);

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

static uint32_t
crc32c_table_run(const uint8_t *p, size_t len)
{
	uint32_t c = 0xFFFFFFFFu;
	size_t i;

	for (i = 0; i < len; i++)
		c = crc32c_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

#if CRC32C_HAVE_HW
/* Eight bytes per instruction; memcpy keeps unaligned loads defined. */
__attribute__((target("sse4.2"))) static uint32_t
crc32c_hw_run(const uint8_t *p, size_t len)
{
	uint64_t c = 0xFFFFFFFFu, w;

	while (len >= 8) {
		__builtin_memcpy(&w, p, 8);
		c = _mm_crc32_u64(c, w);
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return (uint32_t)c ^ 0xFFFFFFFFu;
}
#endif

static void
crc32c_init(void)
{
	crc32c_table_init();
	crc32c_fn = crc32c_table_run;
#if CRC32C_HAVE_HW
	if (crc32c_hw_available())
		crc32c_fn = crc32c_hw_run;
#endif
}

int
crc32c_hw_available(void)
{
#if CRC32C_HAVE_HW
	__builtin_cpu_init();
	return __builtin_cpu_supports("sse4.2") != 0;
#else
	return 0;
#endif
}

uint32_t
crc32c(const uint8_t *p, size_t len)
{
	pthread_once(&crc32c_once, crc32c_init);
	return crc32c_fn(p, len);
}

uint32_t
crc32c_sw(const uint8_t *p, size_t len)
{
	pthread_once(&crc32c_once, crc32c_init);
	return crc32c_table_run(p, len);
}

uint32_t
crc32c_hw(const uint8_t *p, size_t len)
{
#if CRC32C_HAVE_HW
	if (crc32c_hw_available())
		return crc32c_hw_run(p, len);
#endif
	return crc32c_sw(p, len);
}
