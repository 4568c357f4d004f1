/*
 * The one table of stable codes: name, text, local error, §5.9 wire code.
 * Names are what a control protocol carries; a row is never changed in
 * meaning, only added.
 */
#include <stddef.h>

#include "wire_err.h"
#include "zcode.h"
#include "zerr.h"

static const struct {
	const char	*name;
	int		 err;
	uint32_t	 wire;
	const char	*text;
} zcode_table[ZC_COUNT] = {
	[ZC_TIMEOUT] = { "timeout", ZE_TIMEOUT, ZWE_TIMEOUT,
	    "no answer from the peer in time" },
	[ZC_PEER_ERROR] = { "peer_error", ZE_PEER_ERROR, 0,
	    "the peer ended the exchange with an Error message" },
	[ZC_MALFORMED] = { "malformed", ZE_BAD_FIELD, ZWE_MALFORMED,
	    "malformed ZRTP message" },
	[ZC_INTERNAL] = { "internal", ZE_INTERNAL, ZWE_SOFTWARE,
	    "internal error" },
	[ZC_QUEUE_FULL] = { "queue_full", ZE_NOSPACE, 0,
	    "internal error: action queue full" },
	[ZC_VERSION] = { "version", ZE_UNSUPPORTED, ZWE_VERSION,
	    "the peer speaks an older ZRTP version" },
	[ZC_HELLO_HASH] = { "hello_hash_mismatch", ZE_BAD_MAC,
	    ZWE_HELLO_MISMATCH, "a Hello does not match a=zrtp-hash" },
	[ZC_HELLO_ALTERED] = { "hello_altered", ZE_BAD_MAC,
	    ZWE_HELLO_MISMATCH, "the peer's Hello was altered in flight" },
	[ZC_COMMIT_ALTERED] = { "commit_altered", ZE_BAD_MAC, ZWE_MALFORMED,
	    "the peer's Commit was altered in flight" },
	[ZC_STREAM_ZID] = { "stream_zid_mismatch", ZE_BAD_FIELD,
	    ZWE_HELLO_MISMATCH,
	    "a Multistream peer has another ZID than the first stream's" },
	[ZC_HASH_UNSUPPORTED] = { "hash_unsupported", ZE_UNSUPPORTED,
	    ZWE_HASH, "no hash type in common" },
	[ZC_CIPHER_UNSUPPORTED] = { "cipher_unsupported", ZE_UNSUPPORTED,
	    ZWE_CIPHER, "no cipher type in common" },
	[ZC_KEX_UNSUPPORTED] = { "kex_unsupported", ZE_UNSUPPORTED, ZWE_KEX,
	    "no key agreement in common" },
	[ZC_AUTH_UNSUPPORTED] = { "auth_unsupported", ZE_UNSUPPORTED,
	    ZWE_AUTH, "no SRTP authentication tag in common" },
	[ZC_SAS_UNSUPPORTED] = { "sas_unsupported", ZE_UNSUPPORTED, ZWE_SAS,
	    "no SAS rendering in common" },
	[ZC_NO_SHARED_SECRET] = { "no_shared_secret", ZE_UNSUPPORTED,
	    ZWE_NO_SECRET, "Preshared Commit without a matching secret" },
	[ZC_BAD_PV] = { "bad_pv", ZE_BAD_PV, ZWE_BAD_PV,
	    "the peer's public value was refused" },
	[ZC_HVI] = { "hvi_mismatch", ZE_BAD_MAC, ZWE_HVI,
	    "hvi does not match DHPart2: possible MiTM" },
	[ZC_CONFIRM_MAC] = { "confirm_mac", ZE_BAD_MAC, ZWE_CONFIRM_MAC,
	    "a Confirm does not authenticate" },
	[ZC_NONCE_REUSE] = { "nonce_reuse", ZE_BAD_FIELD, ZWE_NONCE_REUSE,
	    "a Multistream Commit reuses another stream's nonce" },
	[ZC_EQUAL_ZID] = { "equal_zid", ZE_BAD_FIELD, ZWE_EQUAL_ZID,
	    "the peer's Hello carries our ZID" },
	[ZC_SSRC_COLLISION] = { "ssrc_collision", ZE_BAD_FIELD,
	    ZWE_SSRC_COLLISION, "a ZRTP packet carries our own SSRC" },
	[ZC_CACHE_UNREADABLE] = { "cache_unreadable", ZE_CACHE, ZWE_SOFTWARE,
	    "the retained-secret cache could not be read" },
	[ZC_IO] = { "io_error", ZE_IO, 0, "input/output error" },
	[ZC_CACHE_MISMATCH] = { "cache_mismatch", ZE_BAD_MAC, 0,
	    "cache mismatch: the peer does not hold the secret we share "
	    "with it; compare the SAS before trusting this call" },
	[ZC_AUX_MISMATCH] = { "auxsecret_mismatch", ZE_BAD_MAC, 0,
	    "auxsecret mismatch: the peer does not hold our auxiliary "
	    "secret" },
	[ZC_UNKNOWN_MESSAGE] = { "unknown_message", ZE_BAD_TYPE, 0,
	    "ZRTP message of an unknown type: dropped" },
	[ZC_CHAIN_BROKEN] = { "hash_chain_broken", ZE_BAD_MAC, 0,
	    "a message does not chain to the peer's earlier one: dropped" },
	[ZC_UNKNOWN_ZID] = { "unknown_zid", ZE_BAD_FIELD, 0,
	    "a Commit from a ZID that sent no Hello: dropped" },
	[ZC_ERROR_AFTER_SECURE] = { "error_after_secure", ZE_PEER_ERROR, 0,
	    "Error received after the call went secure: ignored" },
	[ZC_GOCLEAR_REFUSED] = { "goclear_refused", ZE_INVAL, ZWE_GOCLEAR,
	    "the peer asked to go clear; refused, media stays SRTP" },
	[ZC_GOCLEAR_DENIED] = { "goclear_denied", ZE_PEER_ERROR, 0,
	    "the peer refused to go clear: media stays SRTP" },
	[ZC_GOCLEAR_MAC] = { "goclear_mac", ZE_BAD_MAC, 0,
	    "GoClear with a bad clear_mac: dropped" },
	[ZC_GOCLEAR_MULTISTREAM] = { "goclear_multistream", ZE_UNSUPPORTED,
	    0, "GoClear on a Multistream stream: not supported, dropped" },
	[ZC_GOCLEAR_UNANSWERED] = { "goclear_unanswered", ZE_TIMEOUT, 0,
	    "GoClear never acknowledged: keys destroyed" },
	[ZC_SASRELAY_MAC] = { "sasrelay_mac", ZE_BAD_MAC, 0,
	    "SASrelay that does not authenticate: dropped" },
	[ZC_SASRELAY_UNTRUSTED] = { "sasrelay_untrusted", ZE_BAD_FIELD,
	    ZWE_UNTRUSTED_MITM,
	    "relayed SAS from a MiTM not enrolled as trusted: not shown" },
	[ZC_SASRELAY_SCHEME] = { "sasrelay_scheme", ZE_UNSUPPORTED, 0,
	    "relayed SAS in a rendering we do not know" },
	[ZC_SASRELAY_UNANSWERED] = { "sasrelay_unanswered", ZE_TIMEOUT, 0,
	    "SASrelay never acknowledged" },
	[ZC_WENT_CLEAR] = { "went_clear", ZE_OK, 0,
	    "the call went clear: SRTP stopped" },
	[ZC_SRTP_UNSUPPORTED] = { "srtp_unsupported", ZE_UNSUPPORTED, 0,
	    "libsrtp2 cannot use the negotiated cipher" },
	[ZC_PBX_ENROLLMENT] = { "pbx_enrollment", ZE_OK, 0,
	    "a PBX offered enrollment" },
};

static int
zcode_known(int code)
{
	return code > ZC_NONE && code < ZC_COUNT &&
	    zcode_table[code].name != NULL;
}

const char *
zcode_name(int code)
{
	return zcode_known(code) ? zcode_table[code].name : "unknown";
}

const char *
zcode_text(int code)
{
	return zcode_known(code) ? zcode_table[code].text : "unknown code";
}

int
zcode_err(int code)
{
	return zcode_known(code) ? zcode_table[code].err : ZE_INTERNAL;
}

uint32_t
zcode_wire(int code)
{
	return zcode_known(code) ? zcode_table[code].wire : 0;
}
