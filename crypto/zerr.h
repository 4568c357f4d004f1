/*
 * The one error enum of zrtpd and its one strerror. It lives in the lowest
 * layer so that crypto/, proto/, the daemon and the CLI share it. Local
 * errors only: the wire error codes of RFC 6189 §5.9 are proto/wire_err.h.
 */
#ifndef ZRTPD_ZERR_H
#define ZRTPD_ZERR_H

enum zerr {
	ZE_OK = 0,
	ZE_NOMEM = -1,		/* allocation failed */
	ZE_INVAL = -2,		/* bad argument from our own code */
	ZE_CRYPTO = -3,		/* libgcrypt refused an operation */
	ZE_SELFTEST = -4,	/* a known-answer test failed */
	ZE_UNSUPPORTED = -5,	/* algorithm not implemented */
	ZE_TRUNCATED = -6,	/* read past the end of the input */
	ZE_TRAILING = -7,	/* bytes left after the message's end */
	ZE_NOSPACE = -8,	/* output buffer too small */
	ZE_BAD_HEADER = -9,	/* packet header bits are not a ZRTP header */
	ZE_BAD_COOKIE = -10,	/* magic cookie is not 'ZRTP' */
	ZE_BAD_CRC = -11,	/* CRC-32C mismatch */
	ZE_BAD_PREAMBLE = -12,	/* message does not start with 0x505a */
	ZE_BAD_LENGTH = -13,	/* a length field disagrees with the bytes */
	ZE_BAD_TYPE = -14,	/* unknown message type block */
	ZE_BAD_COUNT = -15,	/* a count field is out of bounds */
	ZE_BAD_FIELD = -16,	/* a field holds a value the RFC forbids */
	ZE_BAD_PV = -17,	/* a DH/ECDH public value was refused */
	ZE_BAD_MAC = -18,	/* a MAC or hash image did not verify */
	ZE_CACHE = -19,		/* the retained-secret cache cannot be read */
	ZE_MEMLOCK = -20,	/* secure memory cannot be locked (RLIMIT_MEMLOCK) */
	ZE_TIMEOUT = -21,	/* no answer in time */
	ZE_PEER_ERROR = -22,	/* the peer sent an Error message */
	ZE_IO = -23,		/* a read or write on a socket or file failed */
	ZE_INTERNAL = -24,	/* our own bug: a state that cannot happen */
	ZE_COUNT_ = -25		/* one past the last code; not an error */
};

const char *zerr_str(int err);

#endif
