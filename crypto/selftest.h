/*
 * Known-answer tests of every primitive in crypto/, from the standards that
 * define them (each vector names its source). The daemon runs them all at
 * start-up; the Check suite runs each one as its own test. No I/O and no
 * randomness: a KAT that passes once passes always.
 */
#ifndef ZRTPD_SELFTEST_H
#define ZRTPD_SELFTEST_H

#include <stddef.h>

#include "kex.h"

/* Every KAT in turn; 0, or ZE_SELFTEST at the first failure. */
int zcrypto_selftest(void);

/* The KATs one by one: i < zcrypto_kat_count(). */
size_t zcrypto_kat_count(void);
/* Primitive and source, e.g. "SHA-256 (FIPS 180-4)"; NULL past the end. */
const char *zcrypto_kat_name(size_t i);
/* 0, ZE_SELFTEST, or ZE_INVAL past the end. */
int zcrypto_kat_run(size_t i);

/* RFC 3526 prime (hex) of ZKEX_DH2K / ZKEX_DH3K, NULL for other groups. */
const char *zcrypto_kat_dh_prime(enum zkex_alg alg);

#endif
