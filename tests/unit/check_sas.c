/*
 * SAS rendering (RFC 6189 §5.1.6): B32 and B256 at their edges and on
 * single bits (the live interop test compares both with bzrtp's), and B32E
 * showing exactly the quintets B32 shows.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "unit.h"

#include "sas.h"
#include "zerr.h"

static void
render(uint32_t scheme, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3,
    char *out, size_t len)
{
	uint8_t h[32] = { b0, b1, b2, b3 };

	ck_assert_int_eq(zsas_render(scheme, h, out, len), 0);
}

START_TEST(test_b32)
{
	char s[ZSAS_TEXT_MAX];

	render(ZSAS_B32, 0, 0, 0, 0, s, sizeof(s));
	ck_assert_str_eq(s, "yyyy");
	render(ZSAS_B32, 0xff, 0xff, 0xff, 0xff, s, sizeof(s));
	ck_assert_str_eq(s, "9999");
	/* Leftmost quintet first; bits past the 20th do not show. */
	render(ZSAS_B32, 0x08, 0x00, 0x00, 0x00, s, sizeof(s));
	ck_assert_str_eq(s, "byyy");
	render(ZSAS_B32, 0x00, 0x00, 0x0f, 0xff, s, sizeof(s));
	ck_assert_str_eq(s, "yyyy");
	render(ZSAS_B32, 0x00, 0x00, 0x10, 0x00, s, sizeof(s));
	ck_assert_str_eq(s, "yyyb");
	ck_assert_int_eq(zsas_render(ZSAS_B32, (const uint8_t *)"abcd", s, 4),
	    ZE_NOSPACE);
}
END_TEST

START_TEST(test_b256)
{
	char s[ZSAS_TEXT_MAX];

	/* Even list for the first octet, odd list for the second. */
	render(ZSAS_B256, 0x00, 0x00, 0xff, 0xff, s, sizeof(s));
	ck_assert_str_eq(s, "aardvark adroitness");
	render(ZSAS_B256, 0xff, 0xff, 0, 0, s, sizeof(s));
	ck_assert_str_eq(s, "Zulu Yucatan");
	render(ZSAS_B256, 0x01, 0x01, 0, 0, s, sizeof(s));
	ck_assert_str_eq(s, "absurd adviser");
	/* "aardvark adroitness" does not fit in 8 octets. */
	ck_assert_int_eq(zsas_render(ZSAS_B256, (const uint8_t *)"\0\0\0\0",
	    s, 8), ZE_NOSPACE);
}
END_TEST

/* The index of each B32E emoji is the index of the B32 letter. */
START_TEST(test_b32e_follows_b32)
{
	static const char alphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
	char b32[ZSAS_TEXT_MAX], b32e[ZSAS_TEXT_MAX], one[ZSAS_TEXT_MAX];
	uint8_t h[32] = { 0 };
	unsigned v, i;

	for (v = 0; v < (1u << 20); v += 4099) {
		h[0] = (uint8_t)(v >> 12);
		h[1] = (uint8_t)(v >> 4);
		h[2] = (uint8_t)(v << 4);
		ck_assert_int_eq(zsas_render(ZSAS_B32, h, b32, sizeof(b32)), 0);
		ck_assert_int_eq(zsas_render(ZSAS_B32E, h, b32e, sizeof(b32e)),
		    0);
		size_t n = 0, w;

		for (i = 0; i < 4; i++) {
			uint8_t q[32] = { 0 };
			char e[ZSAS_TEXT_MAX];
			unsigned k = (unsigned)(strchr(alphabet, b32[i]) -
			    alphabet);

			/* A hash whose first quintet is k renders as k. */
			q[0] = (uint8_t)(k << 3);
			ck_assert_int_eq(zsas_render(ZSAS_B32E, q, e,
			    sizeof(e)), 0);
			/* First emoji of e: 3 or 4 UTF-8 bytes. */
			w = (unsigned char)e[0] >= 0xf0 ? 4 : 3;
			memcpy(one + n, e, w);
			n += w;
		}
		one[n] = '\0';
		ck_assert_str_eq(b32e, one);
	}
	ck_assert(zsas_supported(ZSAS_B32E));
	ck_assert(!zsas_supported(ZALGO('B', '1', '0', 'D')));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sas");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, test_b32);
	tcase_add_test(tc, test_b256);
	tcase_add_test(tc, test_b32e_follows_b32);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
