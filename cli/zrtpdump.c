/*
 * zrtpdump: decode ZRTP packets from capture files and, with --verify,
 * check as a passive observer what the wire lets a third party check.
 * Reads files only; never sends a packet.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algo.h"
#include "capture.h"
#include "escape.h"
#include "observe.h"
#include "packet.h"
#include "selftest.h"
#include "zcrypto.h"
#include "zerr.h"

static void
print_hex(const char *label, const uint8_t *p, size_t len, size_t max)
{
	size_t i;

	printf(" %s=", label);
	for (i = 0; i < len && i < max; i++)
		printf("%02x", p[i]);
	if (len > max)
		printf("..");
}

static void
print_algo(uint32_t block)
{
	char name[ZALGO_NAME_LEN];

	zalgo_name(block, name);
	printf("%s", name);
}

static void
print_hello(const struct zmsg_hello *h)
{
	static const char *kinds[] = { "hash", "cipher", "auth", "kex", "sas" };
	char ver[ZESC_LEN(ZRTP_VERSION_LEN)], cid[ZESC_LEN(ZRTP_CID_LEN)];
	int k, i;

	/* The peer wrote these: escaped (issue 6 item 6). */
	printf(" ver=%s cid=\"%s\"", zesc(ver, sizeof(ver), h->version,
	    ZRTP_VERSION_LEN, ZESC_TEXT), zesc(cid, sizeof(cid), h->client_id,
	    ZRTP_CID_LEN, ZESC_TEXT));
	print_hex("zid", h->zid, sizeof(h->zid), 12);
	printf(" flags=%s%s%s", h->flags & ZHELLO_FLAG_S ? "S" : "",
	    h->flags & ZHELLO_FLAG_M ? "M" : "",
	    h->flags & ZHELLO_FLAG_P ? "P" : "");
	for (k = 0; k < ZALGO_KIND_COUNT; k++) {
		printf(" %s=[", kinds[k]);
		for (i = 0; i < h->count[k]; i++) {
			if (i > 0)
				putchar(',');
			print_algo(h->algo[k][i]);
		}
		putchar(']');
	}
}

static void
print_commit(const struct zmsg_commit *c)
{
	int k;

	print_hex("zid", c->zid, sizeof(c->zid), 12);
	printf(" algos=");
	for (k = 0; k < ZALGO_KIND_COUNT; k++) {
		if (k > 0)
			putchar('/');
		print_algo(c->algo[k]);
	}
	if (c->algo[ZALGO_KEX] == ZKEX_BLOCK_MULT)
		print_hex("nonce", c->nonce, sizeof(c->nonce), 16);
	else if (c->algo[ZALGO_KEX] == ZKEX_BLOCK_PRSH)
		print_hex("keyID", c->key_id, sizeof(c->key_id), 8);
	else
		print_hex("hvi", c->hvi, sizeof(c->hvi), 8);
}

static void
print_msg(const struct zmsg *m)
{
	printf(" %-8s", zmsg_type_name(m->type));
	switch (m->type) {
	case ZMSG_HELLO:
		print_hello(&m->u.hello);
		break;
	case ZMSG_COMMIT:
		print_commit(&m->u.commit);
		break;
	case ZMSG_DHPART1:
	case ZMSG_DHPART2:
		printf(" pv=%zu bytes", m->u.dhpart.pv.len);
		print_hex("rs1ID", m->u.dhpart.rs1_id, ZRTP_SECRET_ID_LEN, 8);
		print_hex("rs2ID", m->u.dhpart.rs2_id, ZRTP_SECRET_ID_LEN, 8);
		break;
	case ZMSG_CONFIRM1:
	case ZMSG_CONFIRM2:
	case ZMSG_SASRELAY:
		printf(" encrypted=%zu bytes", m->u.confirm.sealed.len);
		break;
	case ZMSG_ERROR:
		printf(" code=0x%x", m->u.error.code);
		break;
	case ZMSG_PING:
		print_hex("endpoint", m->u.ping.ep_hash, ZRTP_EPHASH_LEN, 8);
		break;
	case ZMSG_PINGACK:
		printf(" ping_ssrc=%08x", m->u.pingack.ping_ssrc);
		break;
	default:
		break;
	}
	putchar('\n');
}

static void
report_check(void *arg, uint32_t ssrc, const char *check, int ok)
{
	(void)arg;
	printf("  %-4s ssrc %08x: %s\n", ok ? "ok" : "FAIL", ssrc, check);
}

/* Decode every packet of one file; returns the number of failures. */
static int
dump_file(const char *path, int verify)
{
	struct capture cap;
	struct observer obs;
	struct zpkt pkt;
	char err[256], dir[ZESC_LEN(CAPTURE_DIR_LEN)];
	size_t i;
	int r, bad = 0;

	if (capture_load(path, &cap, err, sizeof(err)) != 0) {
		fprintf(stderr, "zrtpdump: %s\n", err);
		return 1;
	}
	observe_init(&obs);
	printf("%s: %zu packets\n", path, cap.n);
	for (i = 0; i < cap.n; i++) {
		printf("#%-3zu %-4s", i + 1, zesc(dir, sizeof(dir),
		    (const uint8_t *)cap.pkts[i].dir, strlen(cap.pkts[i].dir),
		    ZESC_TEXT));
		if ((r = zpkt_decode(cap.pkts[i].bytes, cap.pkts[i].len,
		    &pkt)) != 0) {
			printf(" undecodable: %s\n", zerr_str(r));
			bad++;
			continue;
		}
		printf(" seq=%-5u ssrc=%08x", pkt.seq, pkt.ssrc);
		print_msg(&pkt.msg);
		if (observe_packet(&obs, pkt.ssrc, &pkt.raw_msg,
		    pkt.msg.type) != 0)
			bad++;
	}
	if (verify) {
		printf("passive checks:\n");
		bad += observe_verify(&obs, report_check, NULL);
	}
	observe_free(&obs);
	capture_free(&cap);
	return bad;
}

static void
usage(void)
{
	fprintf(stderr, "usage: zrtpdump [--verify] [--selftest] file ...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verify", no_argument, NULL, 'v' },
		{ "selftest", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, verify = 0, selftest = 0, bad = 0, r;

	while ((c = getopt_long(argc, argv, "vsh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			verify = 1;
			break;
		case 's':
			selftest = 1;
			break;
		default:
			usage();
		}
	}
	if (optind == argc && !selftest)
		usage();
	if ((r = zcrypto_init(0)) != 0) {
		fprintf(stderr, "zrtpdump: %s\n", zerr_str(r));
		return 1;
	}
	if (selftest) {
		r = zcrypto_selftest();
		printf("crypto self-test: %s\n", r == 0 ? "all known answers "
		    "match" : zerr_str(r));
		bad += r != 0;
	}
	for (; optind < argc; optind++)
		bad += dump_file(argv[optind], verify);
	if (bad > 0)
		printf("%d problem(s)\n", bad);
	return bad == 0 ? 0 : 1;
}
