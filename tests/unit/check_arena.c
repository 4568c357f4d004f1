/*
 * The locked arena (crypto/arena.c): exhaustion is a clean NULL, slots are
 * aligned, zeroed when handed out and wiped when given back, a double or
 * foreign free and an overflow are detected, threads share it.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "unit.h"

#include "arena.h"
#include "zcrypto.h"
#include "zerr.h"

static int
all_byte(const uint8_t *p, size_t len, uint8_t v)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static struct zarena *
arena(const struct zarena_class *c, size_t n)
{
	struct zarena *a = NULL;

	ck_assert_int_eq(zarena_new(c, n, &a), 0);
	ck_assert_ptr_nonnull(a);
	return a;
}

/* Each class in turn, then the larger one, then NULL; a free makes room. */
START_TEST(test_exhaustion)
{
	static const struct zarena_class c[] = { { 256, 2 }, { 64, 4 } };
	struct zarena_stats st;
	struct zarena *a = arena(c, 2);
	void *small[4], *big[2];
	size_t i;

	for (i = 0; i < 4; i++)
		ck_assert_ptr_nonnull(small[i] = zarena_alloc(a, 64));
	zarena_stats(a, &st);
	ck_assert_uint_eq(st.slots_used, 4);
	ck_assert_uint_eq(st.used, 4 * zarena_slot_bytes(64));
	/* The small class is full: a small request takes a large slot. */
	ck_assert_ptr_nonnull(big[0] = zarena_alloc(a, 10));
	ck_assert_ptr_nonnull(big[1] = zarena_alloc(a, 256));
	ck_assert_ptr_null(zarena_alloc(a, 1));
	ck_assert_ptr_null(zarena_alloc(a, 256));
	ck_assert_int_eq(zarena_free(a, big[1]), 0);
	ck_assert_ptr_null(zarena_alloc(a, 257));	/* no class that big */
	ck_assert_ptr_eq(zarena_alloc(a, 200), big[1]);
	ck_assert_int_eq(zarena_free(a, small[2]), 0);
	ck_assert_ptr_eq(zarena_alloc(a, 64), small[2]);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(zarena_free(a, small[i]), 0);
	ck_assert_int_eq(zarena_free(a, big[0]), 0);
	ck_assert_int_eq(zarena_free(a, big[1]), 0);
	zarena_stats(a, &st);
	ck_assert_uint_eq(st.slots_used, 0);
	ck_assert_uint_eq(st.used, 0);
	ck_assert_uint_eq(st.bytes, 2 * zarena_slot_bytes(256) +
	    4 * zarena_slot_bytes(64));
	zarena_destroy(a);
}
END_TEST

/* Handed out zeroed, wiped whole when given back, the slot still mapped. */
START_TEST(test_wipe)
{
	static const struct zarena_class c[] = { { 100, 1 } };
	struct zarena *a = arena(c, 1);
	uint8_t *p, *q;

	ck_assert_ptr_nonnull(p = zarena_alloc(a, 100));
	ck_assert(all_byte(p, 100, 0));
	memset(p, 0xa5, 100);
	ck_assert_int_eq(zarena_free(a, p), 0);
	ck_assert(all_byte(p, zarena_slot_bytes(100), 0));
	/* A short request: the bytes past it were wiped too. */
	ck_assert_ptr_eq(q = zarena_alloc(a, 10), p);
	memset(q, 0x5a, 10);
	ck_assert_int_eq(zarena_free(a, q), 0);
	ck_assert(all_byte(p, zarena_slot_bytes(100), 0));
	zarena_destroy(a);
}
END_TEST

START_TEST(test_double_free)
{
	static const struct zarena_class c[] = { { 48, 2 } };
	struct zarena *a = arena(c, 1), *b = arena(c, 1);
	struct zarena_stats st;
	uint8_t *p, *q, stack[16];

	ck_assert_ptr_nonnull(p = zarena_alloc(a, 48));
	ck_assert_ptr_nonnull(q = zarena_alloc(b, 48));
	ck_assert_int_eq(zarena_free(a, p + 16), ZE_INVAL);	/* interior */
	ck_assert_int_eq(zarena_free(a, stack), ZE_INVAL);	/* foreign */
	ck_assert_int_eq(zarena_free(a, q), ZE_INVAL);	/* another arena's */
	ck_assert_int_eq(zarena_free(a, NULL), ZE_INVAL);
	ck_assert_int_eq(zarena_free(a, p), 0);
	ck_assert_int_eq(zarena_free(a, p), ZE_INVAL);
	/* The refused frees changed nothing: both slots free once. */
	zarena_stats(a, &st);
	ck_assert_uint_eq(st.slots_used, 0);
	ck_assert_ptr_nonnull(zarena_alloc(a, 1));
	ck_assert_ptr_nonnull(zarena_alloc(a, 1));
	ck_assert_ptr_null(zarena_alloc(a, 1));
	ck_assert_int_eq(zarena_free(b, q), 0);
	zarena_destroy(b);
	zarena_destroy(a);
}
END_TEST

/* One byte past the length asked for is caught; the slot is retired. */
START_TEST(test_overflow)
{
	static const struct zarena_class c[] = { { 64, 2 } };
	struct zarena *a = arena(c, 1);
	struct zarena_stats st;
	uint8_t *p, *q;

	ck_assert_ptr_nonnull(p = zarena_alloc(a, 33));
	memset(p, 0xff, 33);
	ck_assert_int_eq(zarena_free(a, p), 0);
	ck_assert_ptr_nonnull(p = zarena_alloc(a, 33));
	memset(p, 0xff, 33);
	p[33] = (uint8_t)~p[33];	/* differs from the canary whatever it is */
	ck_assert_int_eq(zarena_free(a, p), ZE_INTERNAL);
	ck_assert(all_byte(p, zarena_slot_bytes(64), 0));
	ck_assert_int_eq(zarena_free(a, p), ZE_INVAL);
	zarena_stats(a, &st);
	ck_assert_uint_eq(st.slots_used, 0);
	ck_assert_ptr_nonnull(q = zarena_alloc(a, 64));
	ck_assert_ptr_ne(q, p);
	ck_assert_ptr_null(zarena_alloc(a, 64));
	ck_assert_int_eq(zarena_free(a, q), 0);
	zarena_destroy(a);
}
END_TEST

START_TEST(test_alignment)
{
	static const struct zarena_class c[] = {
		{ 1, 3 }, { 17, 3 }, { 100, 3 }, { 2928, 3 },
	};
	static const size_t len[] = { 1, 17, 100, 2928 };
	struct zarena *a = arena(c, 4);
	void *p[4][3];
	size_t i, j;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 3; j++) {
			ck_assert_ptr_nonnull(p[i][j] = zarena_alloc(a,
			    len[i]));
			ck_assert(zarena_owns(a, p[i][j]));
			ck_assert_uint_eq((uintptr_t)p[i][j] % ZARENA_ALIGN,
			    0);
			ck_assert_uint_eq((uintptr_t)p[i][j] %
			    _Alignof(max_align_t), 0);
		}
	for (i = 0; i < 4; i++)
		for (j = 0; j < 3; j++)
			ck_assert_int_eq(zarena_free(a, p[i][j]), 0);
	zarena_destroy(a);
}
END_TEST

/* Sizes the arena refuses, and the bytes it would map. */
START_TEST(test_invalid)
{
	static const struct zarena_class zero_size[] = { { 0, 4 } };
	static const struct zarena_class zero_count[] = { { 64, 0 } };
	static const struct zarena_class ok[] = { { 64, 1 } };
	struct zarena_class many[ZARENA_CLASS_MAX + 1];
	struct zarena *a = NULL;
	size_t i;

	for (i = 0; i < ZARENA_CLASS_MAX + 1; i++)
		many[i] = ok[0];
	ck_assert_int_eq(zarena_new(zero_size, 1, &a), ZE_INVAL);
	ck_assert_int_eq(zarena_new(zero_count, 1, &a), ZE_INVAL);
	ck_assert_int_eq(zarena_new(many, ZARENA_CLASS_MAX + 1, &a),
	    ZE_INVAL);
	ck_assert_int_eq(zarena_new(ok, 0, &a), ZE_INVAL);
	ck_assert_ptr_null(a);
	ck_assert_uint_eq(zarena_map_bytes(zero_size, 1), 0);
	ck_assert_uint_ge(zarena_map_bytes(ok, 1), zarena_slot_bytes(64));
	ck_assert_ptr_null(zarena_alloc(NULL, 1));
	zarena_destroy(NULL);
}
END_TEST

/* The process arena: a bad free stops the process (CK_FORK: a child). */
START_TEST(test_zsecure_double_free_aborts)
{
	uint8_t *p;

	ck_assert_ptr_nonnull(p = zsecure_alloc(32));
	zsecure_free(p, 32);
	zsecure_free(p, 32);
}
END_TEST

START_TEST(test_zsecure_overflow_aborts)
{
	uint8_t *p;

	ck_assert_ptr_nonnull(p = zsecure_alloc(32));
	memset(p, 1, 32);
	p[32] = (uint8_t)~p[32];	/* differs from the canary whatever it is */
	zsecure_free(p, 32);
}
END_TEST

#define T_THREADS	4
#define T_ROUNDS	2000

/* Each thread takes and gives back slots, checking they stay its own. */
static void *
churn(void *arg)
{
	struct zarena *a = arg;
	uint8_t *held[8];
	size_t i, k;
	uint8_t mark = (uint8_t)(uintptr_t)pthread_self() | 1;

	for (i = 0; i < T_ROUNDS; i++) {
		for (k = 0; k < 8; k++) {
			if ((held[k] = zarena_alloc(a, 24 + k * 40)) == NULL)
				return (void *)1;
			memset(held[k], mark, 24 + k * 40);
		}
		for (k = 0; k < 8; k++) {
			if (!all_byte(held[k], 24 + k * 40, mark) ||
			    zarena_free(a, held[k]) != 0)
				return (void *)1;
		}
	}
	return NULL;
}

/* Shared by threads under its one mutex (./dev tsan watches this). */
START_TEST(test_threads)
{
	static const struct zarena_class c[] = {
		{ 64, 2 * T_THREADS }, { 320, 6 * T_THREADS },
	};
	struct zarena *a = arena(c, 2);
	struct zarena_stats st;
	pthread_t th[T_THREADS];
	void *rv;
	size_t i;

	for (i = 0; i < T_THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, churn, a), 0);
	for (i = 0; i < T_THREADS; i++) {
		ck_assert_int_eq(pthread_join(th[i], &rv), 0);
		ck_assert_ptr_null(rv);
	}
	zarena_stats(a, &st);
	ck_assert_uint_eq(st.slots_used, 0);
	ck_assert_uint_eq(st.used, 0);
	zarena_destroy(a);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("arena");
	TCase *tc = tcase_create("arena");

	if (zcrypto_init(0) != 0) {
		fprintf(stderr, "check_arena: zcrypto_init failed\n");
		return EXIT_FAILURE;
	}
	tcase_add_test(tc, test_exhaustion);
	tcase_add_test(tc, test_wipe);
	tcase_add_test(tc, test_double_free);
	tcase_add_test(tc, test_overflow);
	tcase_add_test(tc, test_alignment);
	tcase_add_test(tc, test_invalid);
	tcase_add_test_raise_signal(tc, test_zsecure_double_free_aborts,
	    SIGABRT);
	tcase_add_test_raise_signal(tc, test_zsecure_overflow_aborts,
	    SIGABRT);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
