/*
 * The sixteen ZRTP messages of RFC 6189 §5 as plain structs, with one
 * strict decoder and one encoder. Decoders check layout only (lengths,
 * counts, exact end); they know no session and judge nothing else.
 */
#ifndef ZRTPD_MSG_H
#define ZRTPD_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "zbuf.h"

#define ZRTP_PREAMBLE		0x505a
#define ZRTP_MSG_HDR_LEN	12	/* preamble, length, type block */
#define ZRTP_TYPE_LEN		8
#define ZRTP_VERSION_LEN	4
#define ZRTP_CID_LEN		16
#define ZRTP_HASH_IMAGE_LEN	32	/* H0..H3, SHA-256 (§4.9, §5.1.2.2) */
#define ZRTP_ZID_LEN		12
#define ZRTP_MAC_LEN		8
#define ZRTP_SECRET_ID_LEN	8	/* rs1IDr, rs2IDr, auxsecretIDr, ... */
#define ZRTP_HVI_LEN		32
#define ZRTP_NONCE_LEN		16
#define ZRTP_KEYID_LEN		8
#define ZRTP_IV_LEN		16
#define ZRTP_SASHASH_LEN	32
#define ZRTP_EPHASH_LEN		8	/* Ping EndpointHash */
#define ZRTP_ALGO_MAX		7	/* §5.2: 0 to 7 values per list */
#define ZRTP_SIG_LEN_MAX	511	/* 9-bit signature length, words */

enum zmsg_type {
	ZMSG_HELLO,
	ZMSG_HELLOACK,
	ZMSG_COMMIT,
	ZMSG_DHPART1,
	ZMSG_DHPART2,
	ZMSG_CONFIRM1,
	ZMSG_CONFIRM2,
	ZMSG_CONF2ACK,
	ZMSG_ERROR,
	ZMSG_ERRORACK,
	ZMSG_GOCLEAR,
	ZMSG_CLEARACK,
	ZMSG_SASRELAY,
	ZMSG_RELAYACK,
	ZMSG_PING,
	ZMSG_PINGACK,
	ZMSG_COUNT
};

/* The five algorithm lists of a Hello, in wire order (§5.2). */
enum zalgo_kind {
	ZALGO_HASH,
	ZALGO_CIPHER,
	ZALGO_AUTH,
	ZALGO_KEX,
	ZALGO_SAS,
	ZALGO_KIND_COUNT
};

/* A 4-octet ASCII algorithm block ("S256", "B32 "), big-endian. */
#define ZALGO(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#define ZHELLO_FLAG_S	0x4	/* signature-capable */
#define ZHELLO_FLAG_M	0x2	/* MiTM (PBX) */
#define ZHELLO_FLAG_P	0x1	/* passive */

struct zmsg_hello {
	uint8_t		version[ZRTP_VERSION_LEN];
	uint8_t		client_id[ZRTP_CID_LEN];
	uint8_t		h3[ZRTP_HASH_IMAGE_LEN];
	uint8_t		zid[ZRTP_ZID_LEN];
	uint8_t		flags;		/* ZHELLO_FLAG_* */
	uint8_t		count[ZALGO_KIND_COUNT];
	uint32_t	algo[ZALGO_KIND_COUNT][ZRTP_ALGO_MAX];
	uint8_t		mac[ZRTP_MAC_LEN];
};

/* §5.4: the Key Agreement Type decides which of the three forms. */
#define ZKEX_BLOCK_MULT	ZALGO('M', 'u', 'l', 't')
#define ZKEX_BLOCK_PRSH	ZALGO('P', 'r', 's', 'h')

struct zmsg_commit {
	uint8_t		h2[ZRTP_HASH_IMAGE_LEN];
	uint8_t		zid[ZRTP_ZID_LEN];
	uint32_t	algo[ZALGO_KIND_COUNT];	/* one chosen per kind */
	uint8_t		hvi[ZRTP_HVI_LEN];	/* DH form */
	uint8_t		nonce[ZRTP_NONCE_LEN];	/* Mult and Prsh forms */
	uint8_t		key_id[ZRTP_KEYID_LEN];	/* Prsh form */
	uint8_t		mac[ZRTP_MAC_LEN];
};

/* DHPart1 and DHPart2 (§5.5, §5.6) share one layout. */
struct zmsg_dhpart {
	uint8_t		h1[ZRTP_HASH_IMAGE_LEN];
	uint8_t		rs1_id[ZRTP_SECRET_ID_LEN];
	uint8_t		rs2_id[ZRTP_SECRET_ID_LEN];
	uint8_t		aux_id[ZRTP_SECRET_ID_LEN];
	uint8_t		pbx_id[ZRTP_SECRET_ID_LEN];
	struct zview	pv;		/* length from the message length */
	uint8_t		mac[ZRTP_MAC_LEN];
};

/*
 * Confirm1/2 (§5.7) and SASrelay (§5.13): a MAC, an IV and a CFB-encrypted
 * region. The region is opaque here; its plaintext has its own decoder.
 */
struct zmsg_sealed {
	uint8_t		mac[ZRTP_MAC_LEN];
	uint8_t		iv[ZRTP_IV_LEN];
	struct zview	sealed;
};

#define ZCONFIRM_FLAG_E	0x08	/* PBX enrollment */
#define ZCONFIRM_FLAG_V	0x04	/* SAS verified */
#define ZCONFIRM_FLAG_A	0x02	/* allow clear */
#define ZCONFIRM_FLAG_D	0x01	/* disclosure */

/* Plaintext of a Confirm's encrypted region. */
struct zconfirm_body {
	uint8_t		h0[ZRTP_HASH_IMAGE_LEN];
	uint8_t		flags;		/* ZCONFIRM_FLAG_* */
	uint32_t	cache_expiry;	/* seconds; 0xffffffff: forever */
	struct zview	sig;		/* type block + signature, or empty */
};

/* Plaintext of a SASrelay's encrypted region. */
struct zsasrelay_body {
	uint8_t		flags;		/* V, A, D */
	uint32_t	sas_scheme;	/* rendering scheme of relayed SAS */
	uint8_t		sashash[ZRTP_SASHASH_LEN];
	struct zview	sig;
};

struct zmsg_error {
	uint32_t	code;		/* §5.9 wire error code */
};

struct zmsg_goclear {
	uint8_t		clear_mac[ZRTP_MAC_LEN];
};

struct zmsg_ping {
	uint8_t		version[ZRTP_VERSION_LEN];
	uint8_t		ep_hash[ZRTP_EPHASH_LEN];
};

struct zmsg_pingack {
	uint8_t		version[ZRTP_VERSION_LEN];
	uint8_t		ep_hash[ZRTP_EPHASH_LEN];	/* PingACK sender's */
	uint8_t		ping_ep_hash[ZRTP_EPHASH_LEN];	/* received Ping's */
	uint32_t	ping_ssrc;			/* received Ping's SSRC */
};

struct zmsg {
	enum zmsg_type	type;
	union {
		struct zmsg_hello	hello;
		struct zmsg_commit	commit;
		struct zmsg_dhpart	dhpart;		/* DHPART1, DHPART2 */
		struct zmsg_sealed	confirm;	/* CONFIRM1, CONFIRM2 */
		struct zmsg_sealed	sasrelay;
		struct zmsg_error	error;
		struct zmsg_goclear	goclear;
		struct zmsg_ping	ping;
		struct zmsg_pingack	pingack;
	} u;
};

/* "Hello   " etc.: the 8-octet type block of a message type. */
const char	*zmsg_type_block(enum zmsg_type t);
/* Printable name without padding ("Hello", "DHPart1"). */
const char	*zmsg_type_name(enum zmsg_type t);

/*
 * Decode one message that fills p..p+len exactly. Views in *m point into p.
 */
int	zmsg_decode(const uint8_t *p, size_t len, struct zmsg *m);
/* Encode one message, preamble and length included, at the end of w. */
int	zmsg_encode(const struct zmsg *m, struct zwbuf *w);

int	zconfirm_body_decode(const uint8_t *p, size_t len,
	    struct zconfirm_body *out);
int	zconfirm_body_encode(const struct zconfirm_body *in, struct zwbuf *w);
int	zsasrelay_body_decode(const uint8_t *p, size_t len,
	    struct zsasrelay_body *out);
int	zsasrelay_body_encode(const struct zsasrelay_body *in,
	    struct zwbuf *w);

#endif
