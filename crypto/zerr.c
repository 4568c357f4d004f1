/*
 * Text of every zrtpd error code. The only place these strings live.
 */
#include "zerr.h"

static const char *const zerr_text[] = {
	[-ZE_OK] = "success",
	[-ZE_NOMEM] = "out of memory",
	[-ZE_INVAL] = "invalid argument",
	[-ZE_CRYPTO] = "cryptographic library error",
	[-ZE_SELFTEST] = "known-answer self-test failed",
	[-ZE_UNSUPPORTED] = "unsupported algorithm",
	[-ZE_TRUNCATED] = "input truncated",
	[-ZE_TRAILING] = "trailing bytes after message",
	[-ZE_NOSPACE] = "output buffer too small",
	[-ZE_BAD_HEADER] = "not a ZRTP packet header",
	[-ZE_BAD_COOKIE] = "bad ZRTP magic cookie",
	[-ZE_BAD_CRC] = "CRC-32C mismatch",
	[-ZE_BAD_PREAMBLE] = "bad message preamble",
	[-ZE_BAD_LENGTH] = "length field disagrees with message",
	[-ZE_BAD_TYPE] = "unknown message type",
	[-ZE_BAD_COUNT] = "count field out of bounds",
	[-ZE_BAD_FIELD] = "field value not allowed",
	[-ZE_BAD_PV] = "public value refused",
	[-ZE_BAD_MAC] = "MAC or hash image mismatch",
	[-ZE_CACHE] = "retained-secret cache unreadable",
	[-ZE_MEMLOCK] = "secure memory cannot be locked: RLIMIT_MEMLOCK too small",
	[-ZE_TIMEOUT] = "no answer in time",
	[-ZE_PEER_ERROR] = "the peer sent an Error message",
	[-ZE_IO] = "input/output error",
	[-ZE_INTERNAL] = "internal error",
};

const char *
zerr_str(int err)
{
	if (err > 0 || err <= ZE_COUNT_ || zerr_text[-err] == 0)
		return "unknown error";
	return zerr_text[-err];
}
