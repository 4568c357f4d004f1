/*
 * The bounds-checked cursor and writer: every read past the end fails and
 * leaves the cursor where it was; every write past capacity fails.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "unit.h"

#include "zbuf.h"
#include "zerr.h"

static const uint8_t data[7] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };

START_TEST(test_reads_big_endian)
{
	struct zbuf b;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;

	zbuf_init(&b, data, sizeof(data));
	ck_assert_int_eq(zbuf_get_u8(&b, &u8), 0);
	ck_assert_uint_eq(u8, 0x01);
	ck_assert_int_eq(zbuf_get_u16(&b, &u16), 0);
	ck_assert_uint_eq(u16, 0x0203);
	ck_assert_int_eq(zbuf_get_u32(&b, &u32), 0);
	ck_assert_uint_eq(u32, 0x04050607);
	ck_assert_uint_eq(zbuf_left(&b), 0);
	ck_assert_int_eq(zbuf_expect_end(&b), 0);
}
END_TEST

/* A failed read at every offset leaves the cursor unmoved. */
START_TEST(test_failed_read_keeps_cursor)
{
	struct zbuf b;
	uint8_t out[8];
	struct zview v;
	size_t off, n;

	for (off = 0; off <= sizeof(data); off++) {
		for (n = sizeof(data) - off + 1; n <= sizeof(data) + 1; n++) {
			zbuf_init(&b, data, sizeof(data));
			ck_assert_int_eq(zbuf_skip(&b, off), 0);
			ck_assert_int_eq(zbuf_get_bytes(&b, out, n),
			    ZE_TRUNCATED);
			ck_assert_int_eq(zbuf_get_view(&b, &v, n),
			    ZE_TRUNCATED);
			ck_assert_uint_eq(b.off, off);
		}
	}
}
END_TEST

/* n near SIZE_MAX must not wrap the bound check. */
START_TEST(test_huge_length_refused)
{
	struct zbuf b, sub;
	struct zview v;

	zbuf_init(&b, data, sizeof(data));
	ck_assert_int_eq(zbuf_skip(&b, 3), 0);
	ck_assert_int_eq(zbuf_get_view(&b, &v, SIZE_MAX), ZE_TRUNCATED);
	ck_assert_int_eq(zbuf_get_view(&b, &v, SIZE_MAX - 2), ZE_TRUNCATED);
	ck_assert_int_eq(zbuf_get_sub(&b, &sub, SIZE_MAX), ZE_TRUNCATED);
	ck_assert_uint_eq(b.off, 3);
}
END_TEST

START_TEST(test_trailing_detected)
{
	struct zbuf b, sub;
	uint16_t u16;

	zbuf_init(&b, data, sizeof(data));
	ck_assert_int_eq(zbuf_get_sub(&b, &sub, 3), 0);
	ck_assert_uint_eq(b.off, 3);
	ck_assert_int_eq(zbuf_get_u16(&sub, &u16), 0);
	ck_assert_int_eq(zbuf_expect_end(&sub), ZE_TRAILING);
	ck_assert_int_eq(zbuf_get_u16(&sub, &u16), ZE_TRUNCATED);
	ck_assert_int_eq(zbuf_expect_end(&b), ZE_TRAILING);
}
END_TEST

START_TEST(test_writer_bounds)
{
	uint8_t buf[6];
	struct zwbuf w;
	uint8_t *where;

	memset(buf, 0xee, sizeof(buf));
	zwbuf_init(&w, buf, 5);
	ck_assert_int_eq(zwbuf_put_u32(&w, 0xa1b2c3d4), 0);
	ck_assert_int_eq(zwbuf_put_u16(&w, 0x0102), ZE_NOSPACE);
	ck_assert_uint_eq(w.len, 4);
	ck_assert_int_eq(zwbuf_reserve(&w, SIZE_MAX, &where), ZE_NOSPACE);
	ck_assert_int_eq(zwbuf_put_u8(&w, 0x55), 0);
	ck_assert_int_eq(zwbuf_put_zeros(&w, 1), ZE_NOSPACE);
	ck_assert_uint_eq(buf[0], 0xa1);
	ck_assert_uint_eq(buf[3], 0xd4);
	ck_assert_uint_eq(buf[4], 0x55);
	ck_assert_uint_eq(buf[5], 0xee);	/* never written past cap */
}
END_TEST

START_TEST(test_null_buffer)
{
	struct zbuf b;
	struct zwbuf w;
	uint8_t u8;

	zbuf_init(&b, NULL, 100);
	ck_assert_int_eq(zbuf_get_u8(&b, &u8), ZE_TRUNCATED);
	zwbuf_init(&w, NULL, 100);
	ck_assert_int_eq(zwbuf_put_u8(&w, 1), ZE_NOSPACE);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("zbuf");
	TCase *tc = tcase_create("cursor");

	tcase_add_test(tc, test_reads_big_endian);
	tcase_add_test(tc, test_failed_read_keeps_cursor);
	tcase_add_test(tc, test_huge_length_refused);
	tcase_add_test(tc, test_trailing_detected);
	tcase_add_test(tc, test_writer_bounds);
	tcase_add_test(tc, test_null_buffer);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
