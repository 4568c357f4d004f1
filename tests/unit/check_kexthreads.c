/*
 * Key agreement from several threads at once, from the first use on (the
 * one-time set-up of OpenSSL's secure heap, GMP's allocator and the group
 * constants races here): every group, pairs made and agreed on each thread,
 * both sides' DHResults equal. Run plainly and under ThreadSanitizer.
 */
#include <pthread.h>
#include <string.h>

#include <check.h>

#include "unit.h"
#include "kex.h"
#include "zcrypto.h"

#define KT_THREADS	4
#define KT_ROUNDS	2

static pthread_barrier_t kt_start;

static void *
kt_worker(void *arg)
{
	uint8_t za[ZKEX_RESULT_MAX], zb[ZKEX_RESULT_MAX];
	struct zkex a, b;
	int alg, i, bad = 0;

	(void)arg;
	pthread_barrier_wait(&kt_start);
	for (i = 0; i < KT_ROUNDS; i++)
		for (alg = 0; alg < ZKEX_COUNT; alg++) {
			memset(&a, 0, sizeof(a));
			memset(&b, 0, sizeof(b));
			if (zkex_generate(&a, alg) != 0 ||
			    zkex_generate(&b, alg) != 0 ||
			    zkex_agree(&a, b.pv, b.pv_len, za) != 0 ||
			    zkex_agree(&b, a.pv, a.pv_len, zb) != 0 ||
			    memcmp(za, zb, zkex_result_len(alg)) != 0)
				bad++;
			zkex_clear(&a);
			zkex_clear(&b);
		}
	return (void *)(long)bad;
}

START_TEST(test_kex_threads)
{
	pthread_t t[KT_THREADS];
	void *bad;
	int i;

	ck_assert_int_eq(pthread_barrier_init(&kt_start, NULL, KT_THREADS), 0);
	for (i = 0; i < KT_THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, kt_worker, NULL),
		    0);
	for (i = 0; i < KT_THREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], &bad), 0);
		ck_assert_int_eq((long)bad, 0);
	}
	pthread_barrier_destroy(&kt_start);
}
END_TEST

static Suite *
kexthreads_suite(void)
{
	Suite *s = suite_create("kexthreads");
	TCase *tc = tcase_create("threads");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_kex_threads);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	if (zcrypto_init(0) != 0)
		return 1;
	return unit_run(kexthreads_suite());
}
