/*
 * Text of the RFC 6189 §5.9 error codes, for logs and the probe.
 */
#include "wire_err.h"

const char *
zwire_err_str(uint32_t code)
{
	switch (code) {
	case ZWE_MALFORMED: return "malformed packet";
	case ZWE_SOFTWARE: return "critical software error";
	case ZWE_VERSION: return "unsupported ZRTP version";
	case ZWE_HELLO_MISMATCH: return "Hello components mismatch";
	case ZWE_HASH: return "hash type not supported";
	case ZWE_CIPHER: return "cipher type not supported";
	case ZWE_KEX: return "public key exchange not supported";
	case ZWE_AUTH: return "SRTP auth tag not supported";
	case ZWE_SAS: return "SAS rendering scheme not supported";
	case ZWE_NO_SECRET: return "no shared secret available, DH mode "
	    "required";
	case ZWE_BAD_PV: return "DH error: bad pvi or pvr";
	case ZWE_HVI: return "DH error: hvi != hashed data";
	case ZWE_UNTRUSTED_MITM: return "relayed SAS from untrusted MiTM";
	case ZWE_CONFIRM_MAC: return "auth error: bad Confirm MAC";
	case ZWE_NONCE_REUSE: return "nonce reuse";
	case ZWE_EQUAL_ZID: return "equal ZIDs in Hello";
	case ZWE_SSRC_COLLISION: return "SSRC collision";
	case ZWE_UNAVAILABLE: return "service unavailable";
	case ZWE_TIMEOUT: return "protocol timeout error";
	case ZWE_GOCLEAR: return "GoClear received, but not allowed";
	default: return "unknown error code";
	}
}
