/*
 * ZRTP packet framing (RFC 6189 §5): a datagram is accepted only with the
 * header nibble, the cookie and a matching CRC-32C, and only when its one
 * message fills the rest exactly.
 */
#include <string.h>

#include "crc32c.h"
#include "packet.h"
#include "zerr.h"

/*
 * RFC 6189 §5 takes its CRC from RFC 4960 Appendix B (SCTP), which sends
 * the reflected CRC-32C least significant byte first, as iSCSI does
 * (RFC 3720 §B.4: 32 zero octets give the bytes aa 36 91 8a). bzrtp
 * agrees; a big-endian trailer is a bug that only our own round trip
 * would miss (tests/vectors/bzrtp).
 */
static void
zpkt_crc_bytes(const uint8_t *p, size_t len, uint8_t out[ZRTP_CRC_LEN])
{
	uint32_t c = crc32c(p, len);

	out[0] = c;
	out[1] = c >> 8;
	out[2] = c >> 16;
	out[3] = c >> 24;
}

int
zpkt_seal_crc(uint8_t *pkt, size_t len)
{
	if (len < ZRTP_PKT_OVERHEAD)
		return ZE_INVAL;
	zpkt_crc_bytes(pkt, len - ZRTP_CRC_LEN, pkt + len - ZRTP_CRC_LEN);
	return 0;
}

int
zpkt_crc_ok(const uint8_t *p, size_t len)
{
	uint8_t crc[ZRTP_CRC_LEN];

	if (len < ZRTP_PKT_OVERHEAD)
		return 0;
	zpkt_crc_bytes(p, len - ZRTP_CRC_LEN, crc);
	/* Public bytes: memcmp. */
	return memcmp(crc, p + len - ZRTP_CRC_LEN, ZRTP_CRC_LEN) == 0;
}

int
zpkt_is_zrtp(const uint8_t *p, size_t len)
{
	if (len < ZRTP_PKT_OVERHEAD)
		return 0;
	/* §5: first nibble 0001; the 12 unused bits are ignored. */
	return (p[0] >> 4) == 1 && zbe32_get(p + 4) == ZRTP_COOKIE;
}

int
zpkt_decode(const uint8_t *p, size_t len, struct zpkt *out)
{
	uint8_t crc[ZRTP_CRC_LEN], trailer[ZRTP_CRC_LEN];
	uint16_t first;
	uint32_t cookie;
	struct zbuf b;
	int r;

	zbuf_init(&b, p, len);
	if ((r = zbuf_get_u16(&b, &first)) != 0 ||
	    (r = zbuf_get_u16(&b, &out->seq)) != 0 ||
	    (r = zbuf_get_u32(&b, &cookie)) != 0 ||
	    (r = zbuf_get_u32(&b, &out->ssrc)) != 0)
		return r;
	if ((first >> 12) != 1)
		return ZE_BAD_HEADER;
	if (cookie != ZRTP_COOKIE)
		return ZE_BAD_COOKIE;
	if (zbuf_left(&b) < ZRTP_CRC_LEN)
		return ZE_TRUNCATED;
	if ((r = zbuf_get_view(&b, &out->raw_msg,
	    zbuf_left(&b) - ZRTP_CRC_LEN)) != 0 ||
	    (r = zbuf_get_bytes(&b, trailer, sizeof(trailer))) != 0)
		return r;
	zpkt_crc_bytes(p, len - ZRTP_CRC_LEN, crc);
	/* §5: a packet failing its CRC is silently discarded (public). */
	if (memcmp(crc, trailer, sizeof(crc)) != 0)
		return ZE_BAD_CRC;
	return zmsg_decode(out->raw_msg.p, out->raw_msg.len, &out->msg);
}

/* Header into w, leaving room for the message that follows. */
static int
zpkt_put_header(struct zwbuf *w, uint16_t seq, uint32_t ssrc)
{
	int r;

	if ((r = zwbuf_put_u16(w, 0x1000)) != 0 ||
	    (r = zwbuf_put_u16(w, seq)) != 0 ||
	    (r = zwbuf_put_u32(w, ZRTP_COOKIE)) != 0)
		return r;
	return zwbuf_put_u32(w, ssrc);
}

static int
zpkt_put_crc(struct zwbuf *w, size_t *out_len)
{
	uint8_t *crc;
	int r;

	if ((r = zwbuf_reserve(w, ZRTP_CRC_LEN, &crc)) != 0)
		return r;
	zpkt_crc_bytes(w->p, w->len - ZRTP_CRC_LEN, crc);
	*out_len = w->len;
	return 0;
}

int
zpkt_encode(uint16_t seq, uint32_t ssrc, const struct zmsg *m, uint8_t *out,
    size_t cap, size_t *out_len)
{
	struct zwbuf w;
	int r;

	zwbuf_init(&w, out, cap);
	if ((r = zpkt_put_header(&w, seq, ssrc)) != 0 ||
	    (r = zmsg_encode(m, &w)) != 0)
		return r;
	return zpkt_put_crc(&w, out_len);
}

int
zpkt_wrap(uint16_t seq, uint32_t ssrc, const uint8_t *msg, size_t msg_len,
    uint8_t *out, size_t cap, size_t *out_len)
{
	struct zwbuf w;
	int r;

	zwbuf_init(&w, out, cap);
	if ((r = zpkt_put_header(&w, seq, ssrc)) != 0 ||
	    (r = zwbuf_put_bytes(&w, msg, msg_len)) != 0)
		return r;
	return zpkt_put_crc(&w, out_len);
}
