/*
 * Message framing (RFC 6189 §5.1): preamble, length in words, type block,
 * then a body codec chosen from one table. The small fixed messages are
 * decoded here; the larger ones live in msg_hello.c, msg_kex.c and
 * msg_sealed.c. Nothing here knows a session.
 */
#include <string.h>

#include "msg.h"
#include "msg_codec.h"
#include "zerr.h"

static int	zerror_decode(struct zbuf *, struct zmsg *);
static int	zerror_encode(const struct zmsg *, struct zwbuf *);
static int	zgoclear_decode(struct zbuf *, struct zmsg *);
static int	zgoclear_encode(const struct zmsg *, struct zwbuf *);
static int	zping_decode(struct zbuf *, struct zmsg *);
static int	zping_encode(const struct zmsg *, struct zwbuf *);
static int	zpingack_decode(struct zbuf *, struct zmsg *);
static int	zpingack_encode(const struct zmsg *, struct zwbuf *);

/* A NULL codec means the message has no body (the ACKs). */
static const struct zmsg_codec {
	const char	*block;
	const char	*name;
	int		(*decode)(struct zbuf *, struct zmsg *);
	int		(*encode)(const struct zmsg *, struct zwbuf *);
} zmsg_codecs[ZMSG_COUNT] = {
	[ZMSG_HELLO] = { "Hello   ", "Hello", zhello_decode, zhello_encode },
	[ZMSG_HELLOACK] = { "HelloACK", "HelloACK", NULL, NULL },
	[ZMSG_COMMIT] = { "Commit  ", "Commit", zcommit_decode,
	    zcommit_encode },
	[ZMSG_DHPART1] = { "DHPart1 ", "DHPart1", zdhpart_decode,
	    zdhpart_encode },
	[ZMSG_DHPART2] = { "DHPart2 ", "DHPart2", zdhpart_decode,
	    zdhpart_encode },
	[ZMSG_CONFIRM1] = { "Confirm1", "Confirm1", zsealed_decode,
	    zsealed_encode },
	[ZMSG_CONFIRM2] = { "Confirm2", "Confirm2", zsealed_decode,
	    zsealed_encode },
	[ZMSG_CONF2ACK] = { "Conf2ACK", "Conf2ACK", NULL, NULL },
	[ZMSG_ERROR] = { "Error   ", "Error", zerror_decode, zerror_encode },
	[ZMSG_ERRORACK] = { "ErrorACK", "ErrorACK", NULL, NULL },
	[ZMSG_GOCLEAR] = { "GoClear ", "GoClear", zgoclear_decode,
	    zgoclear_encode },
	[ZMSG_CLEARACK] = { "ClearACK", "ClearACK", NULL, NULL },
	[ZMSG_SASRELAY] = { "SASrelay", "SASrelay", zsealed_decode,
	    zsealed_encode },
	[ZMSG_RELAYACK] = { "RelayACK", "RelayACK", NULL, NULL },
	[ZMSG_PING] = { "Ping    ", "Ping", zping_decode, zping_encode },
	[ZMSG_PINGACK] = { "PingACK ", "PingACK", zpingack_decode,
	    zpingack_encode },
};

const char *
zmsg_type_block(enum zmsg_type t)
{
	if ((unsigned)t >= ZMSG_COUNT)
		return NULL;
	return zmsg_codecs[t].block;
}

const char *
zmsg_type_name(enum zmsg_type t)
{
	if ((unsigned)t >= ZMSG_COUNT)
		return "unknown";
	return zmsg_codecs[t].name;
}

static int
zmsg_type_lookup(const uint8_t block[ZRTP_TYPE_LEN], enum zmsg_type *t)
{
	int i;

	/* Message type names are public. */
	for (i = 0; i < ZMSG_COUNT; i++) {
		if (memcmp(block, zmsg_codecs[i].block, ZRTP_TYPE_LEN) == 0) {
			*t = (enum zmsg_type)i;
			return 0;
		}
	}
	return ZE_BAD_TYPE;
}

int
zmsg_decode(const uint8_t *p, size_t len, struct zmsg *m)
{
	uint8_t block[ZRTP_TYPE_LEN];
	uint16_t preamble, words;
	struct zbuf b;
	int r;

	memset(m, 0, sizeof(*m));
	zbuf_init(&b, p, len);
	if ((r = zbuf_get_u16(&b, &preamble)) != 0 ||
	    (r = zbuf_get_u16(&b, &words)) != 0)
		return r;
	if (preamble != ZRTP_PREAMBLE)
		return ZE_BAD_PREAMBLE;
	/* §5.1: the length counts the whole message, in 32-bit words. */
	if ((size_t)words * 4 != len || len < ZRTP_MSG_HDR_LEN)
		return ZE_BAD_LENGTH;
	if ((r = zbuf_get_bytes(&b, block, sizeof(block))) != 0 ||
	    (r = zmsg_type_lookup(block, &m->type)) != 0)
		return r;
	if (zmsg_codecs[m->type].decode != NULL &&
	    (r = zmsg_codecs[m->type].decode(&b, m)) != 0)
		return r;
	return zbuf_expect_end(&b);
}

int
zmsg_encode(const struct zmsg *m, struct zwbuf *w)
{
	size_t start = w->len, len;
	uint8_t *hdr;
	int r;

	if ((unsigned)m->type >= ZMSG_COUNT)
		return ZE_INVAL;
	if ((r = zwbuf_reserve(w, 4, &hdr)) != 0 ||
	    (r = zwbuf_put_bytes(w, zmsg_codecs[m->type].block,
	    ZRTP_TYPE_LEN)) != 0)
		return r;
	if (zmsg_codecs[m->type].encode != NULL &&
	    (r = zmsg_codecs[m->type].encode(m, w)) != 0)
		return r;
	len = w->len - start;
	if (len % 4 != 0 || len / 4 > UINT16_MAX)
		return ZE_INVAL;
	zbe16_put(hdr, ZRTP_PREAMBLE);
	zbe16_put(hdr + 2, (uint16_t)(len / 4));
	return 0;
}

/* §5.9 */
static int
zerror_decode(struct zbuf *b, struct zmsg *m)
{
	return zbuf_get_u32(b, &m->u.error.code);
}

static int
zerror_encode(const struct zmsg *m, struct zwbuf *w)
{
	return zwbuf_put_u32(w, m->u.error.code);
}

/* §5.11 */
static int
zgoclear_decode(struct zbuf *b, struct zmsg *m)
{
	return zbuf_get_bytes(b, m->u.goclear.clear_mac, ZRTP_MAC_LEN);
}

static int
zgoclear_encode(const struct zmsg *m, struct zwbuf *w)
{
	return zwbuf_put_bytes(w, m->u.goclear.clear_mac, ZRTP_MAC_LEN);
}

/* §5.15 */
static int
zping_decode(struct zbuf *b, struct zmsg *m)
{
	int r;

	if ((r = zbuf_get_bytes(b, m->u.ping.version, ZRTP_VERSION_LEN)) != 0)
		return r;
	return zbuf_get_bytes(b, m->u.ping.ep_hash, ZRTP_EPHASH_LEN);
}

static int
zping_encode(const struct zmsg *m, struct zwbuf *w)
{
	int r;

	if ((r = zwbuf_put_bytes(w, m->u.ping.version, ZRTP_VERSION_LEN)) != 0)
		return r;
	return zwbuf_put_bytes(w, m->u.ping.ep_hash, ZRTP_EPHASH_LEN);
}

/* §5.16 */
static int
zpingack_decode(struct zbuf *b, struct zmsg *m)
{
	struct zmsg_pingack *a = &m->u.pingack;
	int r;

	if ((r = zbuf_get_bytes(b, a->version, ZRTP_VERSION_LEN)) != 0 ||
	    (r = zbuf_get_bytes(b, a->ep_hash, ZRTP_EPHASH_LEN)) != 0 ||
	    (r = zbuf_get_bytes(b, a->ping_ep_hash, ZRTP_EPHASH_LEN)) != 0)
		return r;
	return zbuf_get_u32(b, &a->ping_ssrc);
}

static int
zpingack_encode(const struct zmsg *m, struct zwbuf *w)
{
	const struct zmsg_pingack *a = &m->u.pingack;
	int r;

	if ((r = zwbuf_put_bytes(w, a->version, ZRTP_VERSION_LEN)) != 0 ||
	    (r = zwbuf_put_bytes(w, a->ep_hash, ZRTP_EPHASH_LEN)) != 0 ||
	    (r = zwbuf_put_bytes(w, a->ping_ep_hash, ZRTP_EPHASH_LEN)) != 0)
		return r;
	return zwbuf_put_u32(w, a->ping_ssrc);
}
