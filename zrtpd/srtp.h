/*
 * SRTP with libsrtp2 from the keys the engine agreed: one protecting
 * (send) and one unprotecting (receive) context per stream, the profile
 * chosen by the negotiated cipher and auth tag (RFC 6189 §4.5.3).
 * libsrtp2 makes a stream (cipher, auth and replay state) for every new
 * SSRC from a template: an authentic packet from the peer with a new SSRC
 * on receive, any packet of the application on send. Each direction takes
 * at most ZSRTP_SSRC_MAX SSRCs; a packet with one more is refused before
 * libsrtp2 sees it, so neither a peer nor a local sender can grow the
 * daemon's memory without bound. Streams are never evicted: a forgotten
 * SSRC would come back with a fresh replay window (old packets replayed).
 */
#ifndef ZRTPD_SRTP_H
#define ZRTPD_SRTP_H

#include <stddef.h>
#include <stdint.h>

#include <srtp2/srtp.h>

#include "engine.h"

#define ZSRTP_SSRC_MAX	32	/* SSRCs per direction: re-INVITEs, RTX, FEC */

struct zsrtp_ssrcs {
	uint32_t	ssrc[ZSRTP_SSRC_MAX];
	unsigned	n;
};

struct zsrtp {
	srtp_t			tx;
	srtp_t			rx;
	struct zsrtp_ssrcs	tx_ssrcs, rx_ssrcs;
};

/*
 * Once per process: libsrtp2, with nettle's AES-ICM and HMAC-SHA1 in
 * place of its own (srtp_prim.c). ZE_CRYPTO if their known answers fail.
 */
int	zsrtp_init(void);
/* 0, or ZE_UNSUPPORTED for a cipher/tag libsrtp2 lacks, ZE_CRYPTO. */
int	zsrtp_open(struct zsrtp *z, const struct zs_srtp_keys *k);
/*
 * In place; *len grows by the tag. cap is the buffer size. ZE_BAD_COUNT:
 * a new SSRC beyond ZSRTP_SSRC_MAX, refused.
 */
int	zsrtp_protect(struct zsrtp *z, uint8_t *rtp, size_t *len, size_t cap);
int	zsrtp_unprotect(struct zsrtp *z, uint8_t *srtp, size_t *len);
/* SRTCP (RFC 3711 §3.4): the same contexts, the 80-bit tag, an index. */
int	zsrtp_protect_rtcp(struct zsrtp *z, uint8_t *rtcp, size_t *len,
	    size_t cap);
int	zsrtp_unprotect_rtcp(struct zsrtp *z, uint8_t *srtcp, size_t *len);
void	zsrtp_close(struct zsrtp *z);

#endif
