/*
 * A session as the control protocol shows it (session_show, session_list,
 * the keys of a keys-mode session), and the minute an ended session stays
 * listed. Never a key but in zd_session_keys_json, which only key-holders
 * are given.
 */
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "algo.h"
#include "call.h"
#include "session.h"
#include "zcrypto.h"

#define ZD_ENDED_MS	60000
#define ZD_ENDED_MIN	64	/* ended sessions kept, at least */

/* "B32 " -> "B32"; a few rotating buffers for one json_pack. */
const char *
zd_algo_str(uint32_t block)
{
	static char buf[8][ZALGO_NAME_LEN];
	static unsigned next;
	char *b = buf[next++ % 8];
	size_t n;

	if (block == 0)
		return "";
	zalgo_name(block, b);
	n = strlen(b);
	while (n > 0 && b[n - 1] == ' ')
		b[--n] = '\0';
	return b;
}

static json_t *
zd_addr_json(const struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN];
	int port;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
	} else
		return json_null();
	return json_pack("{s:s, s:i}", "addr", host, "port", port);
}

static json_t *
zd_peer_json(const struct zd_session *s)
{
	char hex[2 * ZRTP_ZID_LEN + 1];

	if (!s->have_peer)
		return json_null();
	zd_hex(s->peer_zid, ZRTP_ZID_LEN, hex);
	return json_pack("{s:s, s:s, s:s, s:o}", "zid", hex, "client_id",
	    s->peer_cid, "version", s->peer_version, "name",
	    s->peer_name != NULL ? json_string(s->peer_name) : json_null());
}

static json_t *
zd_sas_json(const struct zd_session *s)
{
	if (!s->have_sas && !s->sas_relayed)
		return json_null();
	return json_pack("{s:s, s:s, s:b, s:b}", "text", s->sas, "scheme",
	    zd_algo_str(s->sas_scheme), "verified", s->sas_verified,
	    "relayed", s->sas_relayed);
}

static json_t *
zd_counters_json(const struct zd_counters *n)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
	    " s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "zrtp_in", (json_int_t)n->zrtp_in, "zrtp_out", (json_int_t)n->zrtp_out,
	    "zrtp_bad_crc", (json_int_t)n->zrtp_bad_crc,
	    "srtp_in", (json_int_t)n->srtp_in, "srtp_out", (json_int_t)n->srtp_out,
	    "srtcp_in", (json_int_t)n->srtcp_in,
	    "srtcp_out", (json_int_t)n->srtcp_out,
	    "rtp_in", (json_int_t)n->rtp_in, "rtp_out", (json_int_t)n->rtp_out,
	    "clear_in", (json_int_t)n->clear_in,
	    "clear_out", (json_int_t)n->clear_out,
	    "rejected", (json_int_t)n->rejected,
	    "clear_dropped", (json_int_t)n->clear_dropped,
	    "stun", (json_int_t)n->stun, "dtls", (json_int_t)n->dtls,
	    "other", (json_int_t)n->other, "foreign", (json_int_t)n->foreign,
	    "alerts_repeated", (json_int_t)n->alerts_repeated,
	    "media_rx_dropped", (json_int_t)n->media_rx_dropped,
	    "app_rx_dropped", (json_int_t)n->app_rx_dropped);
}

static json_t *
zd_algos_json(const struct zd_session *s)
{
	if (s->algo[ZALGO_HASH] == 0)
		return json_null();
	return json_pack("{s:s, s:s, s:s, s:s, s:s}",
	    "hash", zd_algo_str(s->algo[ZALGO_HASH]),
	    "cipher", zd_algo_str(s->algo[ZALGO_CIPHER]),
	    "auth", zd_algo_str(s->algo[ZALGO_AUTH]),
	    "kex", zd_algo_str(s->algo[ZALGO_KEX]),
	    "sas", zd_algo_str(s->algo[ZALGO_SAS]));
}

json_t *
zd_session_algorithms_json(const struct zd_session *s)
{
	return zd_algos_json(s);
}

static json_t *
zd_error_json(const struct zd_session *s)
{
	if (!s->failed)
		return json_null();
	return json_pack("{s:s, s:i, s:b, s:s}", "code", s->fail_code,
	    "wire_code", (int)s->fail_wire, "from_peer", s->fail_from_peer,
	    "message", s->failure != NULL ? s->failure : "");
}

static const char *
zd_role_name(const struct zd_session *s)
{
	switch (s->zs != NULL ? zs_role(s->zs) : ZS_ROLE_NONE) {
	case ZS_ROLE_INITIATOR:
		return "initiator";
	case ZS_ROLE_RESPONDER:
		return "responder";
	default:
		return "none";
	}
}

json_t *
zd_session_json(const struct zd_session *s)
{
	json_t *j, *remote;

	remote = s->have_remote ? zd_addr_json(&s->remote) : json_null();
	if (json_is_object(remote)) {
		json_object_set_new(remote, "latched", json_boolean(s->latched));
		json_object_set_new(remote, "rtcp_port", s->remote_rtcp_port ?
		    json_integer(ntohs(s->remote_rtcp_port)) : json_null());
	}
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:b, s:s, s:s, s:b}",
	    "session", s->id, "call", zd_call_id(s), "label", s->label,
	    "mode", s->mode == ZD_MODE_RELAY ? "relay" : "keys",
	    "policy", zd_policy_name(s->policy), "ended", s->ended,
	    "security", zd_state_name(s->state), "media_clear", s->media_clear,
	    "engine_state", s->zs != NULL ? zs_state_name(s->zs) : "waiting",
	    "role", zd_role_name(s), "multistream", s->multistream);
	json_object_set_new(j, "media", s->mode == ZD_MODE_RELAY ?
	    zd_addr_json(&s->media_addr) : json_null());
	json_object_set_new(j, "app", zd_addr_json(&s->app_local));
	json_object_set_new(j, "remote", remote);
	json_object_set_new(j, "peer", zd_peer_json(s));
	json_object_set_new(j, "algorithms", zd_algos_json(s));
	json_object_set_new(j, "sas", zd_sas_json(s));
	json_object_set_new(j, "cache", s->cache_state != NULL ?
	    json_string(s->cache_state) : json_null());
	json_object_set_new(j, "zrtp_hash", json_pack("{s:o, s:o, s:s}",
	    "ours", s->zs != NULL ? json_string(zs_hello_hash(s->zs)) :
	    json_null(),
	    "peer", s->peer_hash[0] ?
	    json_sprintf("1.10 %s", s->peer_hash) : json_null(),
	    "state", s->hash_state));
	json_object_set_new(j, "enrollment", zd_enroll_json(s));
	json_object_set_new(j, "counters", zd_counters_json(&s->n));
	json_object_set_new(j, "error", zd_error_json(s));
	return j;
}

json_t *
zd_session_brief(const struct zd_session *s)
{
	json_t *peer = json_null();
	char hex[2 * ZRTP_ZID_LEN + 1];

	if (s->have_peer) {
		zd_hex(s->peer_zid, ZRTP_ZID_LEN, hex);
		peer = json_pack("{s:s, s:o}", "zid", hex, "name",
		    s->peer_name != NULL ? json_string(s->peer_name) : json_null());
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b, "
	    "s:o}", "session", s->id, "call", zd_call_id(s), "label",
	    s->label, "mode", s->mode == ZD_MODE_RELAY ? "relay" : "keys",
	    "security", zd_state_name(s->state), "sas",
	    s->have_sas || s->sas_relayed ? json_string(s->sas) : json_null(),
	    "peer", peer, "cache", s->cache_state != NULL ?
	    json_string(s->cache_state) : json_null(), "ended", s->ended,
	    "enrollment", zd_enroll_brief(s));
}

/* RFC 4648 base64 of len bytes into out (4 * ceil(len / 3) + 1). */
static void
zd_base64(const uint8_t *in, size_t len, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	uint32_t v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*out++ = t[v >> 18];
		*out++ = t[(v >> 12) & 63];
		*out++ = t[(v >> 6) & 63];
		*out++ = t[v & 63];
	}
	if (i < len) {
		v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
		*out++ = t[v >> 18];
		*out++ = t[(v >> 12) & 63];
		*out++ = i + 1 < len ? t[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

/* RFC 4568 §6.2 / RFC 6188 suite names. */
static const char *
zd_suite(const struct zs_srtp_keys *k)
{
	int hs80 = k->auth == ZALGO('H', 'S', '8', '0');

	switch (k->key_len) {
	case 16:
		return hs80 ? "AES_CM_128_HMAC_SHA1_80" : "AES_CM_128_HMAC_SHA1_32";
	case 24:
		return hs80 ? "AES_192_CM_HMAC_SHA1_80" : "AES_192_CM_HMAC_SHA1_32";
	default:
		return hs80 ? "AES_256_CM_HMAC_SHA1_80" : "AES_256_CM_HMAC_SHA1_32";
	}
}

static json_t *
zd_dir_json(const struct zs_srtp_keys *k, const uint8_t *key,
    const uint8_t *salt)
{
	uint8_t both[ZCIPHER_KEY_MAX + ZRTP_SRTP_SALT_LEN];
	char khex[2 * ZCIPHER_KEY_MAX + 1], shex[2 * ZRTP_SRTP_SALT_LEN + 1];
	char b64[8 + 4 * ((sizeof(both) + 2) / 3) + 1];
	json_t *j;

	zd_hex(key, k->key_len, khex);
	zd_hex(salt, ZRTP_SRTP_SALT_LEN, shex);
	memcpy(both, key, k->key_len);
	memcpy(both + k->key_len, salt, ZRTP_SRTP_SALT_LEN);
	memcpy(b64, "inline:", 7);
	zd_base64(both, k->key_len + ZRTP_SRTP_SALT_LEN, b64 + 7);
	j = json_pack("{s:s, s:s, s:s}", "key", khex, "salt", shex,
	    "inline", b64);
	zwipe(both, sizeof(both));
	zwipe(khex, sizeof(khex));
	zwipe(shex, sizeof(shex));
	zwipe(b64, sizeof(b64));
	return j;
}

json_t *
zd_session_keys_json(const struct zd_session *s)
{
	const struct zs_srtp_keys *k = s->keys;

	if (k == NULL)
		return json_null();
	return json_pack("{s:s, s:o, s:o}", "suite", zd_suite(k),
	    "tx", zd_dir_json(k, k->tx_key, k->tx_salt),
	    "rx", zd_dir_json(k, k->rx_key, k->rx_salt));
}

/*
 * jansson keeps insertion order, which is expiry order: drop from the
 * front while expired, or while past the cap, and stop at the first kept
 * (a client closing sessions in a loop costs O(1) each, never a list that
 * grows with it).
 */
static void
zd_ended_purge(struct zd *d, size_t room)
{
	size_t cap = d->cfg.max_sessions < ZD_ENDED_MIN ? ZD_ENDED_MIN :
	    d->cfg.max_sessions;
	uint64_t now = zd_now_ms();
	const char *id;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(d->ended, tmp, id, v) {
		if ((uint64_t)json_integer_value(json_array_get(v, 0)) > now &&
		    json_object_size(d->ended) + room <= cap)
			break;
		json_object_del(d->ended, id);
	}
}

void
zd_session_remember(struct zd_session *s)
{
	zd_ended_purge(s->d, 1);
	json_object_set_new(s->d->ended, s->id, json_pack("[I, o]",
	    (json_int_t)(zd_now_ms() + ZD_ENDED_MS), zd_session_json(s)));
}

json_t *
zd_session_ended_json(struct zd *d, const char *id)
{
	json_t *v;

	zd_ended_purge(d, 0);
	if ((v = json_object_get(d->ended, id)) == NULL)
		return NULL;
	return json_incref(json_array_get(v, 1));
}

json_t *
zd_session_ended_list(struct zd *d)
{
	json_t *list = json_array(), *v, *show;
	const char *id;

	zd_ended_purge(d, 0);
	json_object_foreach(d->ended, id, v) {
		show = json_array_get(v, 1);
		json_array_append_new(list, json_pack("{s:O, s:O, s:O, s:O,"
		    " s:O, s:O, s:O, s:O, s:b, s:O}", "session",
		    json_object_get(show, "session"), "call",
		    json_object_get(show, "call"), "label",
		    json_object_get(show, "label"), "mode",
		    json_object_get(show, "mode"), "security",
		    json_object_get(show, "security"), "sas",
		    json_object_get(json_object_get(show, "sas"), "text") ?
		    json_object_get(json_object_get(show, "sas"), "text") :
		    json_null(), "peer", json_object_get(show, "peer"),
		    "cache", json_object_get(show, "cache"), "ended", 1,
		    "enrollment", json_object_get(json_object_get(show,
		    "enrollment"), "state") != NULL ? json_object_get(
		    json_object_get(show, "enrollment"), "state") :
		    json_null()));
	}
	return list;
}
