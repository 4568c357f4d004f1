/*
 * Key schedule arithmetic over crypto/. Derived keys go straight into the
 * struct zkeys the engine owns; temporaries are wiped before return.
 */
#include <string.h>

#include "keys.h"
#include "zbuf.h"
#include "zcrypto.h"
#include "zerr.h"

int
zkeys_init(struct zkeys *k, enum zhash_alg hash, size_t key_len,
    const uint8_t zid_i[ZRTP_ZID_LEN], const uint8_t zid_r[ZRTP_ZID_LEN],
    const uint8_t *total_hash)
{
	memset(k, 0, sizeof(*k));
	if ((k->hash_len = zhash_len(hash)) == 0 || key_len == 0 ||
	    key_len > ZCIPHER_KEY_MAX)
		return ZE_INVAL;
	k->hash = hash;
	k->key_len = key_len;
	memcpy(k->kdf_context, zid_i, ZRTP_ZID_LEN);
	memcpy(k->kdf_context + ZRTP_ZID_LEN, zid_r, ZRTP_ZID_LEN);
	memcpy(k->kdf_context + 2 * ZRTP_ZID_LEN, total_hash, k->hash_len);
	k->kdf_context_len = 2 * ZRTP_ZID_LEN + k->hash_len;
	return 0;
}

static void
zlen32(uint8_t out[4], size_t len)
{
	zbe32_put(out, (uint32_t)len);
}

int
zkeys_s0_dh(struct zkeys *k, const uint8_t *dhresult, size_t dh_len,
    const struct zsecret *s1, const struct zsecret *s2,
    const struct zsecret *s3)
{
	static const uint8_t counter[4] = { 0, 0, 0, 1 };
	static const char label[] = "ZRTP-HMAC-KDF";
	uint8_t l1[4], l2[4], l3[4];
	struct ziov iov[] = {
		{ counter, sizeof(counter) },
		{ dhresult, dh_len },
		{ label, sizeof(label) - 1 },
		{ k->kdf_context, k->kdf_context_len },	/* ZIDi ZIDr total */
		{ l1, 4 }, { s1->p, s1->len },
		{ l2, 4 }, { s2->p, s2->len },
		{ l3, 4 }, { s3->p, s3->len },
	};
	uint8_t h[ZHASH_MAX_LEN];
	int r;

	zlen32(l1, s1->len);
	zlen32(l2, s2->len);
	zlen32(l3, s3->len);
	if ((r = zhash_iov(k->hash, iov, sizeof(iov) / sizeof(iov[0]),
	    h)) == 0)
		memcpy(k->s0, h, k->hash_len);
	zwipe(h, sizeof(h));
	return r;
}

/* KDF(ki, label, KDF_Context, len bytes) into out. */
static int
zkeys_kdf(const struct zkeys *k, const uint8_t *ki, const char *label,
    uint8_t *out, size_t len)
{
	return zkdf(k->hash, ki, k->hash_len, label, k->kdf_context,
	    k->kdf_context_len, out, len);
}

int
zkeys_s0_mult(struct zkeys *k, const uint8_t *zrtp_sess)
{
	return zkeys_kdf(k, zrtp_sess, "ZRTP MSK", k->s0, k->hash_len);
}

int
zkeys_s0_prsh(struct zkeys *k, const uint8_t *preshared_key)
{
	return zkeys_kdf(k, preshared_key, "ZRTP PSK", k->s0, k->hash_len);
}

/*
 * §4.5.2, §4.5.3, §4.6.1: every key from s0, one HMAC key state for all
 * (zkdf_many). ZRTPSess, the SAS hash, ExportedKey and the new rs1 only for
 * the stream that ran DH or Prsh.
 */
int
zkeys_derive(struct zkeys *k, enum zmode mode)
{
	const struct zkdf_out outs[] = {
		{ "Initiator SRTP master key", k->srtp_key_i, k->key_len },
		{ "Initiator SRTP master salt", k->srtp_salt_i,
		    ZRTP_SRTP_SALT_LEN },
		{ "Responder SRTP master key", k->srtp_key_r, k->key_len },
		{ "Responder SRTP master salt", k->srtp_salt_r,
		    ZRTP_SRTP_SALT_LEN },
		{ "Initiator HMAC key", k->mackey_i, k->hash_len },
		{ "Responder HMAC key", k->mackey_r, k->hash_len },
		{ "Initiator ZRTP key", k->zrtpkey_i, k->key_len },
		{ "Responder ZRTP key", k->zrtpkey_r, k->key_len },
		{ "ZRTP Session Key", k->zrtp_sess, k->hash_len },
		{ "SAS", k->sashash, 32 },
		{ "Exported key", k->exported_key, k->hash_len },
		{ "retained secret", k->rs1_new, ZRTP_RS_LEN },
	};
	size_t n = sizeof(outs) / sizeof(outs[0]);
	int r;

	r = zkdf_many(k->hash, k->s0, k->hash_len, k->kdf_context,
	    k->kdf_context_len, outs, mode != ZMODE_MULT ? n : n - 4);
	/* §4.6.1: s0 is erased once the stream's keys exist. */
	zwipe(k->s0, sizeof(k->s0));
	return r;
}

void
zkeys_clear(struct zkeys *k)
{
	if (k != NULL)
		zwipe(k, sizeof(*k));
}

int
zsecret_id(enum zhash_alg hash, const struct zsecret *secret,
    const void *label, size_t label_len, uint8_t out[ZRTP_SECRET_ID_LEN])
{
	uint8_t mac[ZHASH_MAX_LEN];
	int r;

	if ((r = zhmac(hash, secret->p, secret->len, label, label_len,
	    mac)) == 0)
		memcpy(out, mac, ZRTP_SECRET_ID_LEN);
	zwipe(mac, sizeof(mac));
	return r;
}

int
zpreshared_key(enum zhash_alg hash, const struct zsecret *rs1,
    const struct zsecret *aux, const struct zsecret *pbx,
    uint8_t out[ZHASH_MAX_LEN])
{
	uint8_t l1[4], l2[4], l3[4];
	struct ziov iov[] = {
		{ l1, 4 }, { rs1->p, rs1->len },
		{ l2, 4 }, { aux->p, aux->len },
		{ l3, 4 }, { pbx->p, pbx->len },
	};

	zlen32(l1, rs1->len);
	zlen32(l2, aux->len);
	zlen32(l3, pbx->len);
	return zhash_iov(hash, iov, sizeof(iov) / sizeof(iov[0]), out);
}

int
zkeys_total_hash(enum zhash_alg hash, const struct zview *msgs, size_t n,
    uint8_t out[ZHASH_MAX_LEN])
{
	struct ziov iov[4];
	size_t i;

	if (n > sizeof(iov) / sizeof(iov[0]))
		return ZE_INVAL;
	for (i = 0; i < n; i++) {
		iov[i].p = msgs[i].p;
		iov[i].len = msgs[i].len;
	}
	return zhash_iov(hash, iov, n, out);
}
