/*
 * Inside crypto/kex*.c only: one table of operations per key agreement,
 * so that each group runs on the library measured fastest for it
 * (docs/performance.md). No other file includes this.
 */
#ifndef ZRTPD_KEX_INT_H
#define ZRTPD_KEX_INT_H

#include "kex.h"

/* One group's backend. Every function wipes what it derived from sv. */
struct kex_ops {
	/* One-time set-up of read-only constants; 0 or ZE_*. */
	int	(*init)(enum zkex_alg alg);
	/* k->pv from k->sv; ZE_INVAL for a secret out of range. */
	int	(*pub)(struct zkex *k);
	/* ZE_BAD_PV for a refused peer value (length already checked). */
	int	(*check)(enum zkex_alg alg, const uint8_t *pv);
	/* DHResult (zkex_result_len bytes) after checking peer. */
	int	(*agree)(const struct zkex *k, const uint8_t *peer,
		    uint8_t *out);
};

extern const struct kex_ops kex_ffdh_ops;	/* kex_ffdh.c, OpenSSL */
extern const struct kex_ops kex_nist_ossl_ops;	/* kex_nist.c, OpenSSL */
extern const struct kex_ops kex_nist_nettle_ops; /* kex_nist.c, nettle */
extern const struct kex_ops kex_mont_ops;	/* kex.c, nettle */

/* OpenSSL's secure heap, locked; zcrypto_init() starts it (kex_mem.c). */
int	kex_ossl_init(void);
/* GMP (under nettle's ECC) allocating in wiped secure memory. */
int	kex_gmp_init(void);
/* After a nettle call, from the same frame: wipe the stack it used. */
void	kex_burn_stack(void);

#endif
