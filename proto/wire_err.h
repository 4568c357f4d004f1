/*
 * RFC 6189 §5.9 error codes carried in Error messages, kept apart from the
 * local error enum (crypto/zerr.h), with one mapping between them.
 */
#ifndef ZRTPD_WIRE_ERR_H
#define ZRTPD_WIRE_ERR_H

#include <stdint.h>

enum zwire_err {
	ZWE_MALFORMED = 0x10,		/* CRC OK, wrong structure */
	ZWE_SOFTWARE = 0x20,		/* critical software error */
	ZWE_VERSION = 0x30,		/* unsupported ZRTP version */
	ZWE_HELLO_MISMATCH = 0x40,	/* Hello components mismatch */
	ZWE_HASH = 0x51,		/* hash type not supported */
	ZWE_CIPHER = 0x52,		/* cipher type not supported */
	ZWE_KEX = 0x53,			/* key exchange not supported */
	ZWE_AUTH = 0x54,		/* SRTP auth tag not supported */
	ZWE_SAS = 0x55,			/* SAS scheme not supported */
	ZWE_NO_SECRET = 0x56,		/* no shared secret, DH required */
	ZWE_BAD_PV = 0x61,		/* DH: bad pvi or pvr */
	ZWE_HVI = 0x62,			/* DH: hvi != hashed data */
	ZWE_UNTRUSTED_MITM = 0x63,	/* relayed SAS from untrusted MiTM */
	ZWE_CONFIRM_MAC = 0x70,		/* bad Confirm MAC */
	ZWE_NONCE_REUSE = 0x80,		/* nonce reuse */
	ZWE_EQUAL_ZID = 0x90,		/* equal ZIDs in Hello */
	ZWE_SSRC_COLLISION = 0x91,	/* SSRC collision */
	ZWE_UNAVAILABLE = 0xA0,		/* service unavailable */
	ZWE_TIMEOUT = 0xB0,		/* protocol timeout */
	ZWE_GOCLEAR = 0x100		/* GoClear not allowed */
};

const char	*zwire_err_str(uint32_t code);

#endif
