/*
 * The benchmark's reference (tests/bench/relay -p c, -G): libsrtp2's
 * AES-ICM and HMAC-SHA1 on libgcrypt, as zrtpd had them before its
 * nettle ones (zrtpd/srtp_prim.c). One handle per context: about 2 KiB
 * for AES, 1.7 KiB for HMAC.
 */
#ifndef BENCH_SRTP_GCRY_H
#define BENCH_SRTP_GCRY_H

#include <srtp2/srtp.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>

/* The types, for tests that drive them directly. */
extern const srtp_cipher_type_t zbench_gcry_icm_128;
extern const srtp_cipher_type_t zbench_gcry_icm_192;
extern const srtp_cipher_type_t zbench_gcry_icm_256;
extern const srtp_auth_type_t zbench_gcry_hmac;

/*
 * After srtp_init(); libsrtp2 runs each type's known answers (ours and its
 * own) before it takes the type. 0 or ZE_CRYPTO.
 */
int	zbench_gcry_register(void);

#endif
