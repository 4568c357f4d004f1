/*
 * Rendering of a probe result. Bytes from the peer (its client id and
 * version) are printed only through zesc() (escape.h).
 */
#include <stdio.h>
#include <string.h>

#include "algo.h"
#include "escape.h"
#include "probe_out.h"

static const char *const kinds[ZALGO_KIND_COUNT] = {
	"hash", "cipher", "auth", "key_agreement", "sas"
};

static void
hex(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
}

/* Peer text (client id, version): nothing raw reaches a terminal. */
static void
print_cid(const uint8_t *p, size_t n, int json)
{
	char buf[ZESC_LEN(ZRTP_CID_LEN)];

	fputs(zesc(buf, sizeof(buf), p, n < ZRTP_CID_LEN ? n : ZRTP_CID_LEN,
	    json ? ZESC_JSON : ZESC_TEXT), stdout);
}

static void
algo_name(uint32_t b, char out[ZALGO_NAME_LEN])
{
	zalgo_name(b, out);
	if (out[3] == ' ')
		out[3] = '\0';
}

void
probe_alert(struct probe_result *r, int code, const char *text)
{
	if (r->nalerts == PROBE_ALERTS_MAX) {
		r->alerts_dropped++;
		return;
	}
	r->alerts[r->nalerts].code = code;
	r->alerts[r->nalerts++].text = text;
}

void
probe_print_text(const struct probe_result *r)
{
	char name[ZALGO_NAME_LEN];
	int k, i;

	printf("our ZID:     ");
	hex(r->our_zid, ZRTP_ZID_LEN);
	printf("\nour Hello:   a=zrtp-hash:%s\n", r->hello_hash);
	if (r->have_peer) {
		printf("peer:        client \"");
		print_cid(r->peer_cid, ZRTP_CID_LEN, 0);
		printf("\", version ");
		print_cid(r->peer_version, ZRTP_VERSION_LEN, 0);
		printf(", ZID ");
		hex(r->peer_zid, ZRTP_ZID_LEN);
		printf("%s\n", r->peer_flags & ZHELLO_FLAG_P ? " (passive)" :
		    "");
	}
	if (r->algo[ZALGO_KEX] != 0) {
		printf("role:        %s\nalgorithms: ", r->role);
		for (k = 0; k < ZALGO_KIND_COUNT; k++) {
			algo_name(r->algo[k], name);
			printf(" %s %s", kinds[k], name);
		}
		putchar('\n');
	}
	if (r->have_sas)
		printf("SAS:         \"%s\" (%s)\n", r->sas, r->sas_verified ?
		    "verified by both sides earlier" : "compare it aloud");
	if (r->relayed_sas[0] != '\0')
		printf("relayed SAS: \"%s\" (from the enrolled PBX: compare "
		    "this one)\n", r->relayed_sas);
	if (r->relay_sent[0] != '\0')
		printf("we relayed:  \"%s\" (SASrelay, as a PBX)\n",
		    r->relay_sent);
	printf("cache:       %s\n", r->cache);
	if (r->show_keys && r->secure) {
		printf("SRTP keys:   send key ");
		hex(r->keys.tx_key, r->keys.key_len);
		printf(" salt ");
		hex(r->keys.tx_salt, ZRTP_SRTP_SALT_LEN);
		printf("\n             receive key ");
		hex(r->keys.rx_key, r->keys.key_len);
		printf(" salt ");
		hex(r->keys.rx_salt, ZRTP_SRTP_SALT_LEN);
		putchar('\n');
	}
	if (r->srtp_wanted)
		printf("SRTP:        sent %d, received %d, rejected %d "
		    "(tampered or replayed), bad %d (%s)\n", r->srtp_sent,
		    r->srtp_received, r->srtp_rejected, r->srtp_bad,
		    r->srtp_pattern ? "payloads checked: the peer is a probe" :
		    "payloads not checked: any authentic packet counts");
	for (i = 0; i < r->nalerts; i++)
		printf("ALERT:       %s [%s]\n", r->alerts[i].text,
		    zcode_name(r->alerts[i].code));
	if (r->alerts_dropped > 0)
		printf("ALERT:       %d more alert(s) not shown: only the first "
		    "%d are kept\n", r->alerts_dropped, PROBE_ALERTS_MAX);
	if (r->srtp_after_clear > 0)
		printf("SRTP:        %d packet(s) arrived after going clear\n",
		    r->srtp_after_clear);
	if (r->failed && r->wire_code != 0)
		printf("result:      FAILED: %s [%s] (error 0x%x: %s%s)\n",
		    r->what, zcode_name(r->code), r->wire_code,
		    zwire_err_str(r->wire_code),
		    r->from_peer ? ", sent by the peer" : "");
	else if (r->failed)
		printf("result:      FAILED: %s [%s]\n", r->what,
		    zcode_name(r->code));
	else if (r->clear)
		printf("result:      clear: secure, then GoClear; media is no "
		    "longer protected\n");
	else
		printf("result:      %s\n", r->secure ? "secure" : "not secure");
}

static void
json_algos(const struct probe_result *r)
{
	char name[ZALGO_NAME_LEN];
	int k;

	printf(",\"algorithms\":{");
	for (k = 0; k < ZALGO_KIND_COUNT; k++) {
		algo_name(r->algo[k], name);
		printf("%s\"%s\":\"%s\"", k ? "," : "", kinds[k], name);
	}
	putchar('}');
}

static void
json_keys(const struct probe_result *r)
{
	printf(",\"srtp_keys\":{\"tx_key\":\"");
	hex(r->keys.tx_key, r->keys.key_len);
	printf("\",\"tx_salt\":\"");
	hex(r->keys.tx_salt, ZRTP_SRTP_SALT_LEN);
	printf("\",\"rx_key\":\"");
	hex(r->keys.rx_key, r->keys.key_len);
	printf("\",\"rx_salt\":\"");
	hex(r->keys.rx_salt, ZRTP_SRTP_SALT_LEN);
	printf("\"}");
}

void
probe_print_json(const struct probe_result *r)
{
	int i;

	printf("{\"result\":\"%s\",\"our_zid\":\"", r->failed ? "failed" :
	    r->clear ? "clear" : r->secure ? "secure" : "not-secure");
	hex(r->our_zid, ZRTP_ZID_LEN);
	printf("\",\"hello_hash\":\"%s\"", r->hello_hash);
	if (r->have_peer) {
		printf(",\"peer\":{\"client_id\":\"");
		print_cid(r->peer_cid, ZRTP_CID_LEN, 1);
		printf("\",\"version\":\"");
		print_cid(r->peer_version, ZRTP_VERSION_LEN, 1);
		printf("\",\"zid\":\"");
		hex(r->peer_zid, ZRTP_ZID_LEN);
		printf("\",\"passive\":%s}", r->peer_flags & ZHELLO_FLAG_P ?
		    "true" : "false");
	}
	if (r->algo[ZALGO_KEX] != 0) {
		printf(",\"role\":\"%s\"", r->role);
		json_algos(r);
	}
	if (r->have_sas)
		printf(",\"sas\":\"%s\",\"sas_verified\":%s", r->sas,
		    r->sas_verified ? "true" : "false");
	if (r->relayed_sas[0] != '\0')
		printf(",\"relayed_sas\":\"%s\"", r->relayed_sas);
	if (r->relay_sent[0] != '\0')
		printf(",\"relay_sent\":\"%s\"", r->relay_sent);
	printf(",\"cache\":\"%s\"", r->cache);
	if (r->show_keys && r->secure)
		json_keys(r);
	if (r->srtp_wanted)
		printf(",\"srtp\":{\"sent\":%d,\"received\":%d,"
		    "\"rejected\":%d,\"bad\":%d,\"payload_checked\":%s}",
		    r->srtp_sent, r->srtp_received, r->srtp_rejected,
		    r->srtp_bad, r->srtp_pattern ? "true" : "false");
	printf(",\"alerts\":[");
	for (i = 0; i < r->nalerts; i++)
		printf("%s{\"code\":\"%s\",\"text\":\"%s\"}", i ? "," : "",
		    zcode_name(r->alerts[i].code), r->alerts[i].text);
	printf("],\"alerts_dropped\":%d", r->alerts_dropped);
	if (r->clear)
		printf(",\"srtp_after_clear\":%d", r->srtp_after_clear);
	/*
	 * code: the stable name (zcode.h) of every failure, ours or the
	 * peer's; wire_code: the §5.9 code sent or received, 0 if none.
	 */
	if (r->failed)
		printf(",\"error\":{\"code\":\"%s\",\"wire_code\":%u,"
		    "\"text\":\"%s\",\"what\":\"%s\",\"from_peer\":%s}",
		    zcode_name(r->code), r->wire_code, r->from_peer ?
		    zwire_err_str(r->wire_code) : zcode_text(r->code), r->what,
		    r->from_peer ? "true" : "false");
	printf("}\n");
}
