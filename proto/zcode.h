/*
 * Stable codes for every failure and alert the engine (and the tools and
 * daemon built on it) report: a name for programs, a text for people, the
 * local error class and the RFC 6189 §5.9 code an Error carries. Codes are
 * never renumbered or reused; new ones go at the end.
 */
#ifndef ZRTPD_ZCODE_H
#define ZRTPD_ZCODE_H

#include <stdint.h>

enum zcode {
	ZC_NONE = 0,		/* not a code: never reported */
	/*
	 * Failures that end a session (some also name an alert for a
	 * refused packet); each has a local error below zero.
	 */
	ZC_TIMEOUT,
	ZC_PEER_ERROR,
	ZC_MALFORMED,
	ZC_INTERNAL,
	ZC_QUEUE_FULL,
	ZC_VERSION,
	ZC_HELLO_HASH,
	ZC_HELLO_ALTERED,
	ZC_COMMIT_ALTERED,
	ZC_STREAM_ZID,
	ZC_HASH_UNSUPPORTED,
	ZC_CIPHER_UNSUPPORTED,
	ZC_KEX_UNSUPPORTED,
	ZC_AUTH_UNSUPPORTED,
	ZC_SAS_UNSUPPORTED,
	ZC_NO_SHARED_SECRET,
	ZC_BAD_PV,
	ZC_HVI,
	ZC_CONFIRM_MAC,
	ZC_NONCE_REUSE,
	ZC_EQUAL_ZID,
	ZC_SSRC_COLLISION,
	ZC_CACHE_UNREADABLE,
	ZC_IO,
	/* Alerts only: the session goes on. */
	ZC_CACHE_MISMATCH,
	ZC_AUX_MISMATCH,
	ZC_UNKNOWN_MESSAGE,
	ZC_CHAIN_BROKEN,
	ZC_UNKNOWN_ZID,
	ZC_ERROR_AFTER_SECURE,
	ZC_GOCLEAR_REFUSED,
	ZC_GOCLEAR_DENIED,
	ZC_GOCLEAR_MAC,
	ZC_GOCLEAR_MULTISTREAM,
	ZC_GOCLEAR_UNANSWERED,
	ZC_SASRELAY_MAC,
	ZC_SASRELAY_UNTRUSTED,
	ZC_SASRELAY_SCHEME,
	ZC_SASRELAY_UNANSWERED,
	/* Reported by the tools and the daemon around the engine. */
	ZC_WENT_CLEAR,
	ZC_SRTP_UNSUPPORTED,
	ZC_PBX_ENROLLMENT,
	ZC_COUNT
};

/* "cache_mismatch", ...; "unknown" for a value outside the table. */
const char	*zcode_name(int code);
/* One sentence for people. */
const char	*zcode_text(int code);
/* The local error (enum zerr, negative) a failure with this code reports. */
int		 zcode_err(int code);
/* The §5.9 code our Error carries for it, 0 when none is sent. */
uint32_t	 zcode_wire(int code);

#endif
