/*
 * What every Check suite's main() ends with: run the suite, report, and
 * exit non-zero when any test failed.
 */
#ifndef ZRTPD_UNIT_H
#define ZRTPD_UNIT_H

#include <stdlib.h>

#include <check.h>

static inline int
unit_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
