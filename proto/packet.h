/*
 * The ZRTP packet (RFC 6189 §5): header with sequence number, magic cookie
 * and SSRC, one message, CRC-32C. Also the demultiplexing test the media
 * port applies before handing a datagram to the engine.
 */
#ifndef ZRTPD_PACKET_H
#define ZRTPD_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

#define ZRTP_COOKIE		0x5a525450	/* 'ZRTP' */
#define ZRTP_PKT_HDR_LEN	12
#define ZRTP_CRC_LEN		4
#define ZRTP_PKT_OVERHEAD	(ZRTP_PKT_HDR_LEN + ZRTP_CRC_LEN)
/* Largest packet we build or accept: DH3k DHPart plus ample room. */
#define ZRTP_PKT_MAX		1500

struct zpkt {
	uint16_t	seq;
	uint32_t	ssrc;
	struct zview	raw_msg;	/* the message bytes, for MACs/hashes */
	struct zmsg	msg;
};

/* Recompute the CRC trailer of a whole packet in place. */
int	zpkt_seal_crc(uint8_t *pkt, size_t len);
/*
 * 1 when the CRC trailer matches, else 0: for a caller that counts damaged
 * packets; zpkt_decode() checks it again.
 */
int	zpkt_crc_ok(const uint8_t *p, size_t len);
/* 1 when a datagram looks like ZRTP (first nibble 1, cookie), else 0. */
int	zpkt_is_zrtp(const uint8_t *p, size_t len);
/* Header, cookie and CRC, then the message. Views point into p. */
int	zpkt_decode(const uint8_t *p, size_t len, struct zpkt *out);
/* Header, message, CRC into out; *out_len receives the packet length. */
int	zpkt_encode(uint16_t seq, uint32_t ssrc, const struct zmsg *m,
	    uint8_t *out, size_t cap, size_t *out_len);
/* Wrap an already-encoded message (retransmissions keep their bytes). */
int	zpkt_wrap(uint16_t seq, uint32_t ssrc, const uint8_t *msg,
	    size_t msg_len, uint8_t *out, size_t cap, size_t *out_len);

#endif
