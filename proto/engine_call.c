/*
 * The call object (RFC 6189 §4.4.3): what a call's streams share and see
 * live, ZRTPSess, the first stream's algorithms and peer ZID, the aux
 * secret, the Multistream nonces used so far. No protocol step lives here;
 * the handlers ask and record.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "zcrypto.h"
#include "zerr.h"

struct zcall *
zcall_new(const uint8_t *aux_secret, size_t aux_len)
{
	struct zcall *c;

	if (aux_len > ZCALL_AUX_MAX || (aux_len > 0 && aux_secret == NULL))
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->sec = zsecure_alloc(sizeof(*c->sec))) == NULL) {
		free(c);
		return NULL;
	}
	memset(c->sec, 0, sizeof(*c->sec));
	if (aux_len > 0)
		memcpy(c->sec->aux, aux_secret, aux_len);
	c->sec->aux_len = aux_len;
	c->refs = 1;
	return c;
}

struct zcall *
zcall_ref(struct zcall *c)
{
	c->refs++;
	return c;
}

void
zcall_unref(struct zcall *c)
{
	if (c == NULL || --c->refs > 0)
		return;
	zsecure_free(c->sec, sizeof(*c->sec));
	zwipe(c, sizeof(*c));
	free(c);
}

int
zcall_secure(const struct zcall *c)
{
	return c->filled;
}

int
zcall_fill(struct zcall *c, const uint8_t *zrtp_sess, size_t len,
    const uint32_t algo[ZALGO_KIND_COUNT], const uint8_t peer_zid[ZRTP_ZID_LEN])
{
	if (c->filled || len == 0 || len > sizeof(c->sec->zrtp_sess))
		return ZE_INVAL;
	memcpy(c->sec->zrtp_sess, zrtp_sess, len);
	c->sec->sess_len = len;
	memcpy(c->algo, algo, sizeof(c->algo));
	memcpy(c->peer_zid, peer_zid, ZRTP_ZID_LEN);
	c->filled = 1;
	return 0;
}

/* §4.4.3.1: a nonce already used by a stream of this call. */
int
zcall_nonce_used(const struct zcall *c, const uint8_t *nonce)
{
	size_t i;
	int used = 0;

	for (i = 0; i < c->nnonces; i++)
		used |= zct_eq(c->nonces[i], nonce, ZRTP_NONCE_LEN);
	return used;
}

/* Recorded at once, so every other stream sees it. ZE_NOSPACE: full. */
int
zcall_add_nonce(struct zcall *c, const uint8_t *nonce)
{
	if (zcall_nonce_used(c, nonce))
		return 0;
	if (c->nnonces == ZCALL_NONCES_MAX)
		return ZE_NOSPACE;
	memcpy(c->nonces[c->nnonces++], nonce, ZRTP_NONCE_LEN);
	return 0;
}

/* A DH or Preshared stream went secure: the first one fills the call. */
void
zcall_first_stream(struct zsession *s)
{
	struct zcall *c = s->call;

	if (s->mode == ZMODE_MULT || c->filled || s->sec->keys.hash_len == 0)
		return;
	if (zcall_fill(c, s->sec->keys.zrtp_sess, s->sec->keys.hash_len,
	    s->algo, s->peer_zid) == 0)
		c->filler = s->id;
}

/* §4.7.2.1: the stream that filled the call replaced its ZRTPSess. */
void
zcall_sess_replaced(struct zsession *s)
{
	struct zcall *c = s->call;

	if (!c->filled || c->filler != s->id || s->sec->keys.hash_len !=
	    c->sec->sess_len)
		return;
	memcpy(c->sec->zrtp_sess, s->sec->keys.zrtp_sess, c->sec->sess_len);
}
