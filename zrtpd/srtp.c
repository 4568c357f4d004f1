/*
 * libsrtp2 sessions keyed by ZRTP. Keys are copied into libsrtp2's own
 * key buffer and wiped from ours at once. AES and HMAC-SHA1 are
 * nettle's (srtp_prim.c), registered once in zsrtp_init().
 */
#include <string.h>

#include "srtp.h"
#include "srtp_prim.h"
#include "zcrypto.h"
#include "zerr.h"

int
zsrtp_init(void)
{
	if (srtp_init() != srtp_err_status_ok)
		return ZE_CRYPTO;
	return zsrtp_prim_register();
}

/*
 * §4.5.3 + RFC 3711/6188: AES-CM with HMAC-SHA1, 32 or 80-bit tags. SRTCP
 * always takes the 80-bit tag (RFC 3711 §5.2).
 */
static int
zsrtp_profile(const struct zs_srtp_keys *k, int rtcp, srtp_crypto_policy_t *p)
{
	int hs80 = rtcp || k->auth == ZALGO('H', 'S', '8', '0');

	if (k->auth != ZALGO('H', 'S', '3', '2') && !hs80)
		return ZE_UNSUPPORTED;
	switch (k->key_len) {
	case 16:
		if (hs80)
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(p);
		else
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(p);
		return 0;
	case 24:
		if (hs80)
			srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(p);
		else
			srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32(p);
		return 0;
	case 32:
		if (hs80)
			srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(p);
		else
			srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(p);
		return 0;
	default:
		return ZE_UNSUPPORTED;
	}
}

static int
zsrtp_session(srtp_t *s, const struct zs_srtp_keys *k, const uint8_t *key,
    const uint8_t *salt, srtp_ssrc_type_t dir)
{
	uint8_t master[ZCIPHER_KEY_MAX + ZRTP_SRTP_SALT_LEN];
	srtp_policy_t pol;
	int r;

	/* Twofish SRTP is not in libsrtp2: those ciphers key Confirm only. */
	if (k->cipher != ZALGO('A', 'E', 'S', '1') &&
	    k->cipher != ZALGO('A', 'E', 'S', '2') &&
	    k->cipher != ZALGO('A', 'E', 'S', '3'))
		return ZE_UNSUPPORTED;
	memset(&pol, 0, sizeof(pol));
	if ((r = zsrtp_profile(k, 0, &pol.rtp)) != 0 ||
	    (r = zsrtp_profile(k, 1, &pol.rtcp)) != 0)
		return r;
	memcpy(master, key, k->key_len);
	memcpy(master + k->key_len, salt, ZRTP_SRTP_SALT_LEN);
	pol.key = master;
	pol.ssrc.type = dir;
	pol.window_size = 1024;
	pol.allow_repeat_tx = 1;
	r = srtp_create(s, &pol) == srtp_err_status_ok ? 0 : ZE_CRYPTO;
	zwipe(master, sizeof(master));
	return r;
}

int
zsrtp_open(struct zsrtp *z, const struct zs_srtp_keys *k)
{
	int r;

	memset(z, 0, sizeof(*z));
	if ((r = zsrtp_session(&z->tx, k, k->tx_key, k->tx_salt,
	    ssrc_any_outbound)) != 0)
		return r;
	if ((r = zsrtp_session(&z->rx, k, k->rx_key, k->rx_salt,
	    ssrc_any_inbound)) != 0) {
		zsrtp_close(z);
		return r;
	}
	return 0;
}

/* The SSRC of an RTP (bytes 8..11) or RTCP (bytes 4..7) header. */
static int
zsrtp_ssrc_of(const uint8_t *p, size_t len, int rtcp, uint32_t *ssrc)
{
	size_t off = rtcp ? 4 : 8;

	if (len < off + 4)
		return ZE_TRUNCATED;
	*ssrc = (uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 |
	    (uint32_t)p[off + 2] << 8 | p[off + 3];
	return 0;
}

/* 1 if ssrc has a stream already, 0 if there is room for it, else full. */
static int
zsrtp_ssrc_known(const struct zsrtp_ssrcs *t, uint32_t ssrc)
{
	unsigned i;

	for (i = 0; i < t->n; i++)
		if (t->ssrc[i] == ssrc)
			return 1;
	return t->n < ZSRTP_SSRC_MAX ? 0 : ZE_BAD_COUNT;
}

static void
zsrtp_ssrc_add(struct zsrtp_ssrcs *t, uint32_t ssrc)
{
	if (zsrtp_ssrc_known(t, ssrc) == 0)
		t->ssrc[t->n++] = ssrc;
}

/*
 * Send: libsrtp2 makes the stream before it protects, so the SSRC counts
 * from the first attempt.
 */
static int
zsrtp_tx_admit(struct zsrtp *z, const uint8_t *p, size_t len, int rtcp)
{
	uint32_t ssrc;
	int r;

	if ((r = zsrtp_ssrc_of(p, len, rtcp, &ssrc)) != 0 ||
	    (r = zsrtp_ssrc_known(&z->tx_ssrcs, ssrc)) < 0)
		return r;
	zsrtp_ssrc_add(&z->tx_ssrcs, ssrc);
	return 0;
}

int
zsrtp_protect(struct zsrtp *z, uint8_t *rtp, size_t *len, size_t cap)
{
	int n = (int)*len, r;

	if (*len > cap || cap - *len < SRTP_MAX_TRAILER_LEN)
		return ZE_NOSPACE;
	if ((r = zsrtp_tx_admit(z, rtp, *len, 0)) != 0)
		return r;
	if (srtp_protect(z->tx, rtp, &n) != srtp_err_status_ok)
		return ZE_CRYPTO;
	*len = (size_t)n;
	return 0;
}

/*
 * Receive: libsrtp2 makes the stream only once a packet authenticates, so
 * the SSRC counts from its first authentic packet.
 */
static int
zsrtp_rx(struct zsrtp *z, uint8_t *p, size_t *len, int rtcp)
{
	uint32_t ssrc;
	int n = (int)*len, r;

	if (*len > INT32_MAX)
		return ZE_INVAL;
	if ((r = zsrtp_ssrc_of(p, *len, rtcp, &ssrc)) != 0 ||
	    (r = zsrtp_ssrc_known(&z->rx_ssrcs, ssrc)) < 0)
		return r;
	if ((rtcp ? srtp_unprotect_rtcp(z->rx, p, &n) :
	    srtp_unprotect(z->rx, p, &n)) != srtp_err_status_ok)
		return ZE_BAD_MAC;
	zsrtp_ssrc_add(&z->rx_ssrcs, ssrc);
	*len = (size_t)n;
	return 0;
}

int
zsrtp_unprotect(struct zsrtp *z, uint8_t *srtp, size_t *len)
{
	return zsrtp_rx(z, srtp, len, 0);
}

int
zsrtp_protect_rtcp(struct zsrtp *z, uint8_t *rtcp, size_t *len, size_t cap)
{
	int n = (int)*len, r;

	if (*len > cap || cap - *len < SRTP_MAX_TRAILER_LEN + 4)
		return ZE_NOSPACE;
	if ((r = zsrtp_tx_admit(z, rtcp, *len, 1)) != 0)
		return r;
	if (srtp_protect_rtcp(z->tx, rtcp, &n) != srtp_err_status_ok)
		return ZE_CRYPTO;
	*len = (size_t)n;
	return 0;
}

int
zsrtp_unprotect_rtcp(struct zsrtp *z, uint8_t *srtcp, size_t *len)
{
	return zsrtp_rx(z, srtcp, len, 1);
}

void
zsrtp_close(struct zsrtp *z)
{
	if (z->tx != NULL)
		srtp_dealloc(z->tx);
	if (z->rx != NULL)
		srtp_dealloc(z->rx);
	z->tx = z->rx = NULL;
}
