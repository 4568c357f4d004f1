/*
 * libsrtp2's AES-ICM and HMAC-SHA1 primitives on nettle, registered in
 * place of the library's own (Debian's are NSS's: about 29 KiB and 60 µs
 * per srtp_create(), an NSS context per packet). libsrtp2 keeps the
 * protocol: packet format, replay, key derivation, key limits.
 */
#ifndef ZRTPD_SRTP_PRIM_H
#define ZRTPD_SRTP_PRIM_H

#include <srtp2/srtp.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>

/* The types, for tests that drive them directly. */
extern const srtp_cipher_type_t zsrtp_prim_icm_128;
extern const srtp_cipher_type_t zsrtp_prim_icm_192;
extern const srtp_cipher_type_t zsrtp_prim_icm_256;
extern const srtp_auth_type_t zsrtp_prim_hmac;

/*
 * Their known answers (RFC 3711 B.2, RFC 6188 §7, RFC 2202), chained, for
 * the benchmark's reference types too.
 */
extern const srtp_cipher_test_case_t zsrtp_prim_kat_icm_128;
extern const srtp_cipher_test_case_t zsrtp_prim_kat_icm_192;
extern const srtp_cipher_test_case_t zsrtp_prim_kat_icm_256;
extern const srtp_auth_test_case_t zsrtp_prim_kat_hmac;

/*
 * After srtp_init(); libsrtp2 runs each type's known answers (ours and its
 * own) before it takes the type. 0 or ZE_CRYPTO.
 */
int	zsrtp_prim_register(void);

#endif
