/*
 * zrtp-probe: run one ZRTP session over UDP against a peer and report what
 * happened (the ZRTP counterpart of `openssl s_client`). One socket, one
 * engine, optionally a retained-secret cache file and a few SRTP packets
 * each way to prove the keys. SRTP keys are printed only when asked.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "algo.h"
#include "cache.h"
#include "engine.h"
#include "packet.h"
#include "probe_out.h"
#include "selftest.h"
#include "srtp.h"
#include "zcrypto.h"
#include "zerr.h"

#define PROBE_DGRAM_MAX		2048
#define PROBE_RTP_PAYLOAD	160
#define PROBE_SRTP_GAP_MS	20
#define PROBE_LINGER_MS		600
/* Our Hello's client id; a peer with this prefix is another probe. */
#define PROBE_CLIENT_ID		"zrtpd-probe 0.1 "
#define PROBE_CLIENT_PREFIX	"zrtpd-probe"

struct probe {
	int			 fd;
	struct sockaddr_storage	 peer;
	socklen_t		 peer_len;
	int			 have_peer_addr;
	struct zsession		*s;
	struct zcache		*cache;
	int			 verify_sas, json, loss_pct, trust_pbx;
	int			 drop_conf2ack;	/* testing aid: lose these */
	int			 go_clear, asked_clear;	/* --go-clear */
	int			 enroll_offered;
	/* PBX side (§7.3): --relay-sas, and the --forge-enroll testing aid. */
	int			 relay_sas, relay_sent, forge_enroll;
	uint8_t			 relay_hash[ZRTP_SASHASH_LEN];
	uint64_t		 timer_at, deadline, linger_until;
	uint64_t		 next_rtp_at;
	uint64_t		 t2_schedule_ms;	/* a peer's Confirm2 resends */
	uint64_t		 confirm2_until;	/* responder: stay till */
	int			 srtp_authentic;	/* peer's SRTP authenticated */
	uint16_t		 rtp_seq;
	uint32_t		 rtp_ssrc;
	struct zsrtp		 srtp;
	int			 srtp_open;
	struct probe_result	 res;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
random_bytes(void *arg, void *buf, size_t len)
{
	zrand_pool_take(arg, buf, len);
}

/* STYLE.md: no core dump may carry a key. */
static void
no_core_dumps(void)
{
	struct rlimit rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static void __attribute__((noreturn))
usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f,
"usage: zrtp-probe --local ADDR:PORT [--peer ADDR:PORT] [options]\n"
"  --local ADDR:PORT   UDP address to bind (port 0: any; printed first)\n"
"  --peer ADDR:PORT    the ZRTP peer; without it, wait for its first packet\n"
"  --role R            initiator, responder or any (default any)\n"
"  --hash L --cipher L --auth L --kex L --sas L\n"
"                      preference lists, e.g. --kex X255,DH3k --sas B256\n"
"                      (default: docs/engine.md; a wrong name lists the\n"
"                      supported ones)\n"
"  --cache FILE        retained-secret cache (SQLite); default: none\n"
"  --verify-sas        record the SAS as verified in the cache\n"
"  --preshared         offer Preshared mode; use it when a secret is cached\n"
"  --allow-clear       accept the peer's GoClear (default: refuse)\n"
"  --go-clear          once secure (and the peer's first SRTP is in), go clear\n"
"  --trust-pbx         with --verify-sas: accept a PBX's enrollment offer\n"
"  --pbx               act as a trusted-MiTM PBX (Hello M flag)\n"
"  --pbx-enroll        as --pbx, and offer enrollment (Confirm E flag)\n"
"  --relay-sas HEX     as --pbx, once secure relay this sashash (SASrelay)\n"
"  --forge-enroll      testing aid: before each Confirm we send, a copy\n"
"                      with the E flag flipped (its MAC no longer holds)\n"
"  --hello-hash H      the peer's a=zrtp-hash value from signalling\n"
"  --ssrc HEX          our SSRC (default random)\n"
"  --timeout SEC       give up after SEC seconds (default 20)\n"
"  --srtp N            after going secure, send N SRTP packets and expect N\n"
"  --show-keys         print the SRTP master keys and salts (secret!)\n"
"  --loss PCT          testing aid: drop PCT%% of our outgoing ZRTP packets\n"
"  --drop-conf2ack N   testing aid: drop our first N Conf2ACK packets\n"
"  --json              one JSON object instead of text\n");
	exit(status);
}

static int
parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	const char *colon = strrchr(s, ':');
	struct addrinfo hints, *ai;
	size_t hl;

	if (colon == NULL || (hl = (size_t)(colon - s)) >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (host[0] == '[' && hl > 1 && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* --relay-sas: up to 64 hex digits, the rest of the sashash zeros. */
static int
parse_sashash(const char *hex, uint8_t out[ZRTP_SASHASH_LEN])
{
	static const char digits[] = "0123456789abcdef";
	size_t i, n = strlen(hex);
	const char *hi, *lo;

	memset(out, 0, ZRTP_SASHASH_LEN);
	if (n == 0 || n > 2 * ZRTP_SASHASH_LEN || n % 2 != 0)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if ((hi = strchr(digits, hex[2 * i])) == NULL || *hi == '\0' ||
		    (lo = strchr(digits, hex[2 * i + 1])) == NULL ||
		    *lo == '\0')
			return -1;
		out[i] = (uint8_t)((hi - digits) << 4 | (lo - digits));
	}
	return 0;
}

/*
 * "X255,DH3k" into one preference list (proto/algo.c, shared with the
 * daemon): an unknown name is refused with the supported ones listed.
 */
static void
parse_list(struct zs_config *c, int kind, const char *arg)
{
	char err[256];

	if (zalgo_parse_list(kind, arg, c->algo[kind], &c->count[kind], err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "zrtp-probe: %s\n", err);
		exit(2);
	}
}

static void
note_alert(struct probe *pr, int code, const char *what)
{
	probe_alert(&pr->res, code, what);
}

static void
send_dgram(struct probe *pr, const uint8_t *p, size_t len)
{
	if (!pr->have_peer_addr)
		return;
	if (sendto(pr->fd, p, len, 0, (struct sockaddr *)&pr->peer,
	    pr->peer_len) < 0)
		fprintf(stderr, "zrtp-probe: send: %s\n", strerror(errno));
}

static void
on_cache_lookup(struct probe *pr, const uint8_t *zid)
{
	struct zs_cache_entry e;

	memset(&e, 0, sizeof(e));
	/* An unreadable cache fails the session (e.error): no stranger. */
	if (pr->cache != NULL)
		zcache_load(pr->cache, zid, time(NULL), &e);
	pr->res.cache = pr->cache == NULL ? "none" : e.error != 0 ?
	    "UNREADABLE" : !e.found ? "new peer" : e.rs1_valid ? "rs1 held" :
	    "expired";
	zs_cache_loaded(pr->s, now_ms(), &e);
	zwipe(&e, sizeof(e));
}

static void
on_secure(struct probe *pr, const struct zs_action *a)
{
	int r;

	pr->res.secure = 1;
	/* Kept only to be printed on request. */
	if (pr->res.show_keys)
		pr->res.keys = a->u.secure;
	pr->res.role = zs_role(pr->s) == ZS_ROLE_INITIATOR ? "initiator" :
	    "responder";
	/*
	 * §4.6, §6: if our Conf2ACK is lost the initiator resends Confirm2
	 * on the T2 schedule. A responder answers until the initiator's
	 * SRTP shows it got one, or until that schedule would be over.
	 */
	if (zs_role(pr->s) == ZS_ROLE_RESPONDER)
		pr->confirm2_until = now_ms() + pr->t2_schedule_ms;
	/* Opened without --srtp too: the peer's SRTP is that evidence. */
	if ((r = zsrtp_open(&pr->srtp, &a->u.secure)) != 0) {
		if (pr->res.srtp_wanted)
			note_alert(pr, ZC_SRTP_UNSUPPORTED,
			    zcode_text(ZC_SRTP_UNSUPPORTED));
		return;
	}
	pr->srtp_open = 1;
	pr->next_rtp_at = now_ms();
}

static void
on_failed(struct probe *pr, const struct zs_action *a)
{
	pr->res.failed = 1;
	pr->res.code = a->u.failed.code;
	pr->res.wire_code = a->u.failed.wire_code;
	pr->res.from_peer = a->u.failed.from_peer;
	pr->res.what = a->u.failed.what;
	pr->linger_until = now_ms() + PROBE_LINGER_MS;
}

static void
on_store(struct probe *pr, const struct zs_action *a)
{
	if (pr->cache != NULL && zcache_store(pr->cache, &a->u.store, time(NULL)) != 0)
		note_alert(pr, ZC_IO,
		    "cache write failed: retained secret lost");
}

/*
 * §4.7.2: the keys are gone. No SRTP is sent or accepted from now on, and
 * the result says clear, not secure; a resent GoClear is still answered.
 */
static void
on_clear(struct probe *pr)
{
	pr->res.clear = 1;
	if (pr->srtp_open) {
		zsrtp_close(&pr->srtp);
		pr->srtp_open = 0;
	}
	note_alert(pr, ZC_WENT_CLEAR, pr->asked_clear ?
	    "we went clear (--go-clear): SRTP stopped" :
	    "peer went clear (GoClear): SRTP stopped");
	pr->linger_until = now_ms() + PROBE_LINGER_MS;
}

/* Testing aids: --loss drops at random, --drop-conf2ack the first N. */
static int
lose(struct probe *pr, const uint8_t *p, size_t len)
{
	/* The message type block follows the 12-byte header and preamble. */
	if (pr->drop_conf2ack > 0 && len >= 24 &&
	    memcmp(p + 16, "Conf2ACK", 8) == 0) {
		pr->drop_conf2ack--;
		return 1;
	}
	return pr->loss_pct != 0 && (int)(random() % 100) < pr->loss_pct;
}

/*
 * --forge-enroll: what an attacker on the path can do to a Confirm. CFB
 * lets one flip a plaintext bit by flipping the ciphertext bit: the flags
 * byte (§5.7: after the 12-byte packet header, preamble, length, type,
 * confirm_mac, CFB IV and H0) with E set, the CRC made whole again. Only
 * the confirm_mac, over the ciphertext, tells the copy from the genuine.
 */
#define PROBE_CONFIRM_FLAGS_AT	(ZRTP_PKT_HDR_LEN + 4 + ZRTP_TYPE_LEN + \
	    ZRTP_MAC_LEN + 16 + ZRTP_HASH_IMAGE_LEN + 3)

static void
forge_enroll(struct probe *pr, const uint8_t *p, size_t len)
{
	uint8_t f[PROBE_DGRAM_MAX];

	if (!pr->forge_enroll || len > sizeof(f) ||
	    len < PROBE_CONFIRM_FLAGS_AT + 1 + ZRTP_CRC_LEN ||
	    (memcmp(p + 16, "Confirm1", 8) != 0 &&
	    memcmp(p + 16, "Confirm2", 8) != 0))
		return;
	memcpy(f, p, len);
	f[PROBE_CONFIRM_FLAGS_AT] ^= ZCONFIRM_FLAG_E;
	if (zpkt_seal_crc(f, len) == 0)
		send_dgram(pr, f, len);
}

static void
drain(struct probe *pr)
{
	struct zs_action a;
	int set;

	while (zs_next_action(pr->s, &a)) {
		switch (a.type) {
		case ZSA_SEND:
			if (lose(pr, a.u.send.p, a.u.send.len))
				break;
			forge_enroll(pr, a.u.send.p, a.u.send.len);
			send_dgram(pr, a.u.send.p, a.u.send.len);
			break;
		case ZSA_TIMER:
			pr->timer_at = a.u.timer_ms ? now_ms() + a.u.timer_ms :
			    0;
			break;
		case ZSA_KEX:
			zs_kex_run(a.u.kex);
			zs_kex_done(pr->s, now_ms(), a.u.kex);
			break;
		case ZSA_CACHE_LOOKUP:
			on_cache_lookup(pr, a.u.zid);
			break;
		case ZSA_CLEAR:
			on_clear(pr);
			break;
		case ZSA_ENROLL:
			pr->enroll_offered = 1;	/* answered after the verdict */
			break;
		case ZSA_CACHE_PBX:
			if (pr->cache == NULL || zcache_set_pbx(pr->cache,
			    a.u.pbx.zid, a.u.pbx.pbxsecret) != 0)
				note_alert(pr, pr->cache == NULL ?
				    ZC_PBX_ENROLLMENT : ZC_IO,
				    pr->cache == NULL ?
				    "no cache: PBX secret not kept" :
				    "cache write failed: PBX secret lost");
			zwipe(&a.u.pbx, sizeof(a.u.pbx));
			break;
		case ZSA_CACHE_EXPIRE:
			if (pr->cache != NULL && zcache_expire(pr->cache,
			    a.u.zid, time(NULL)) != 0)
				note_alert(pr, ZC_IO,
				    "cache write failed: expiry lost");
			break;
		case ZSA_CACHE_VERIFIED:
			if (pr->cache != NULL && zcache_verdict(pr->cache,
			    a.u.verified.zid, a.u.verified.verified,
			    a.u.verified.bound, a.u.verified.rs1,
			    a.u.verified.rs2_valid ? a.u.verified.rs2 : NULL,
			    &set) != 0)
				note_alert(pr, ZC_IO,
				    "cache write failed: V flag lost");
			break;
		case ZSA_PEER:
			pr->res.have_peer = 1;
			memcpy(pr->res.peer_zid, a.u.peer.zid, ZRTP_ZID_LEN);
			memcpy(pr->res.peer_cid, a.u.peer.client_id,
			    ZRTP_CID_LEN);
			memcpy(pr->res.peer_version, a.u.peer.version,
			    ZRTP_VERSION_LEN);
			pr->res.peer_flags = a.u.peer.flags;
			pr->res.srtp_pattern = memcmp(a.u.peer.client_id,
			    PROBE_CLIENT_PREFIX,
			    sizeof(PROBE_CLIENT_PREFIX) - 1) == 0;
			break;
		case ZSA_SAS:
			if (a.u.sas.relayed) {
				memcpy(pr->res.relayed_sas, a.u.sas.text,
				    sizeof(pr->res.relayed_sas));
				break;
			}
			pr->res.have_sas = 1;
			memcpy(pr->res.sas, a.u.sas.text, sizeof(pr->res.sas));
			pr->res.sas_verified = a.u.sas.verified;
			pr->res.cache_mismatch = a.u.sas.cache_mismatch;
			if (a.u.sas.cache_mismatch)
				pr->res.cache = "MISMATCH";
			else if (strcmp(pr->res.cache, "rs1 held") == 0)
				pr->res.cache = "matched";
			break;
		case ZSA_SECURE:
			on_secure(pr, &a);
			break;
		case ZSA_CACHE_STORE:
			on_store(pr, &a);
			break;
		case ZSA_ALERT:
			note_alert(pr, a.u.alert.code, a.u.alert.text);
			break;
		case ZSA_FAILED:
			on_failed(pr, &a);
			break;
		case ZSA_SRTP_RX:
			/* The probe's media starts at ZSA_SECURE (Conf2ACK). */
			break;
		}
	}
	zwipe(&a, sizeof(a));	/* keys and secrets pass through it */
}

/* RTP v2, PT 0, 160-byte payload: byte i = (seq + i) & 0xff. */
static void
send_rtp(struct probe *pr)
{
	uint8_t pkt[12 + PROBE_RTP_PAYLOAD + SRTP_MAX_TRAILER_LEN];
	size_t len = 12 + PROBE_RTP_PAYLOAD, i;
	uint16_t seq = ++pr->rtp_seq;
	uint32_t ts = (uint32_t)seq * 160;

	pkt[0] = 0x80;
	pkt[1] = 0;
	zbe16_put(pkt + 2, seq);
	zbe32_put(pkt + 4, ts);
	zbe32_put(pkt + 8, pr->rtp_ssrc);
	for (i = 0; i < PROBE_RTP_PAYLOAD; i++)
		pkt[12 + i] = (uint8_t)(seq + i);
	if (zsrtp_protect(&pr->srtp, pkt, &len, sizeof(pkt)) != 0) {
		pr->res.srtp_bad++;
		return;
	}
	send_dgram(pr, pkt, len);
	pr->res.srtp_sent++;
}

static void
recv_srtp(struct probe *pr, uint8_t *p, size_t len)
{
	uint16_t seq;
	size_t i;

	if (!pr->srtp_open) {
		/* After GoClear the peer must have stopped: count what not. */
		if (pr->res.clear)
			pr->res.srtp_after_clear++;
		return;		/* media before our keys: not ours to judge */
	}
	/* Tampered, replayed (a relay's duplicate) or foreign: refused. */
	if (zsrtp_unprotect(&pr->srtp, p, &len) != 0) {
		pr->res.srtp_rejected++;
		return;
	}
	pr->srtp_authentic++;
	/*
	 * Authenticated and decrypted: media, whatever it carries (a
	 * softphone sends speech). Only another probe's payload is known.
	 */
	if (!pr->res.srtp_pattern) {
		pr->res.srtp_received++;
		return;
	}
	/* Authentic but not what the peer sent: the keys disagree. */
	if (len != 12 + PROBE_RTP_PAYLOAD) {
		pr->res.srtp_bad++;
		return;
	}
	seq = zbe16_get(p + 2);
	for (i = 0; i < PROBE_RTP_PAYLOAD; i++) {
		if (p[12 + i] != (uint8_t)(seq + i)) {
			pr->res.srtp_bad++;
			return;
		}
	}
	pr->res.srtp_received++;
}

static void
on_datagram(struct probe *pr)
{
	uint8_t buf[PROBE_DGRAM_MAX];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	struct zpkt pkt;
	ssize_t n;

	n = recvfrom(pr->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
	    &flen);
	if (n <= 0)
		return;
	if (!pr->have_peer_addr) {
		/* Learn the peer from its first whole ZRTP packet (good CRC). */
		if (zpkt_decode(buf, (size_t)n, &pkt) != 0)
			return;
		pr->peer = from;
		pr->peer_len = flen;
		pr->have_peer_addr = 1;
		zs_start(pr->s, now_ms());
		drain(pr);
	} else if (flen != pr->peer_len || memcmp(&from, &pr->peer,
	    flen) != 0)
		return;		/* only the peer we talk to */
	if (zpkt_is_zrtp(buf, (size_t)n))
		zs_receive(pr->s, now_ms(), buf, (size_t)n);
	else if ((buf[0] & 0xc0) == 0x80)
		recv_srtp(pr, buf, (size_t)n);
	drain(pr);
}

static int
probe_done(const struct probe *pr, uint64_t now)
{
	if (now >= pr->deadline)
		return 1;
	if (pr->res.failed)
		return now >= pr->linger_until;
	if (!pr->res.secure)
		return 0;
	if (pr->res.clear)
		return now >= pr->linger_until;
	if (pr->asked_clear)
		return 0;	/* until the peer's ClearACK */
	if (pr->srtp_authentic == 0 && now < pr->confirm2_until)
		return 0;	/* the initiator may still need a Conf2ACK */
	/* N proven each way: all sent, N received and authenticated. */
	if (pr->res.srtp_wanted && pr->srtp_open)
		return pr->res.srtp_sent >= pr->res.srtp_wanted &&
		    pr->res.srtp_received >= pr->res.srtp_wanted &&
		    now >= pr->linger_until;
	return now >= pr->linger_until;
}

static void
probe_step(struct probe *pr)
{
	uint64_t now = now_ms(), next = pr->deadline;
	struct pollfd pfd = { pr->fd, POLLIN, 0 };

	if (pr->timer_at != 0 && pr->timer_at < next)
		next = pr->timer_at;
	if (pr->srtp_open && pr->res.srtp_sent < pr->res.srtp_wanted &&
	    pr->next_rtp_at < next)
		next = pr->next_rtp_at;
	if (pr->linger_until != 0 && pr->linger_until < next)
		next = pr->linger_until;
	if (pr->confirm2_until > now && pr->confirm2_until < next)
		next = pr->confirm2_until;
	if (poll(&pfd, 1, next > now ? (int)(next - now) : 0) > 0)
		on_datagram(pr);
	now = now_ms();
	if (pr->timer_at != 0 && now >= pr->timer_at) {
		pr->timer_at = 0;
		zs_timer(pr->s, now);
		drain(pr);
	}
	if (pr->srtp_open && pr->res.srtp_sent < pr->res.srtp_wanted &&
	    now >= pr->next_rtp_at) {
		send_rtp(pr);
		pr->next_rtp_at = now + PROBE_SRTP_GAP_MS;
	}
}

/*
 * --relay-sas, PBX side (§7.3): the sashash of "the other call", in the
 * SAS scheme this call negotiated, sealed in a SASrelay until RelayACK.
 * The phone shows it only if it enrolled us (our pbxsecret matched).
 */
static void
probe_relay_sas(struct probe *pr)
{
	uint32_t scheme = zs_algo(pr->s, ZALGO_SAS);

	if (!pr->relay_sas || pr->res.failed)
		return;
	if (zs_send_sasrelay(pr->s, now_ms(), scheme, pr->relay_hash) != 0) {
		note_alert(pr, ZC_SASRELAY_UNANSWERED, "--relay-sas: the "
		    "engine refused to send the SASrelay");
		return;
	}
	zsas_render(scheme, pr->relay_hash, pr->res.relay_sent,
	    sizeof(pr->res.relay_sent));
	drain(pr);
}

/* After secure: record the verdict, keep answering for a short while. */
static void
probe_secure_tail(struct probe *pr, int *tail_started)
{
	if (!pr->res.secure || *tail_started)
		return;
	*tail_started = 1;
	if (pr->verify_sas && zs_sas_verdict(pr->s, now_ms(), 1) == 0)
		drain(pr);
	if (pr->enroll_offered) {
		/* §7.3.1: trust a PBX only with the SAS vouched for. */
		int yes = pr->trust_pbx && pr->verify_sas;

		note_alert(pr, ZC_PBX_ENROLLMENT, yes ?
		    "PBX enrollment offered: accepted" :
		    "PBX enrollment offered: declined (needs --trust-pbx "
		    "and --verify-sas)");
		if (zs_enroll(pr->s, now_ms(), yes) != 0)
			note_alert(pr, ZC_PBX_ENROLLMENT,
			    "enrollment refused by the engine");
		drain(pr);
	}
	probe_relay_sas(pr);
	pr->linger_until = now_ms() + PROBE_LINGER_MS;
}

/* --go-clear: once secure and media proven to flow, ask to go clear. */
static void
probe_go_clear(struct probe *pr)
{
	if (!pr->go_clear || pr->asked_clear || !pr->res.secure ||
	    pr->res.clear || pr->res.failed ||
	    (pr->res.srtp_wanted && pr->srtp_authentic == 0))
		return;
	pr->asked_clear = 1;
	if (zs_go_clear(pr->s, now_ms()) != 0) {
		pr->asked_clear = 0;
		pr->go_clear = 0;
		note_alert(pr, ZC_GOCLEAR_DENIED, "--go-clear: the peer's "
		    "Confirm did not allow it (no A flag)");
		return;
	}
	drain(pr);
}

static int
open_socket(const char *local, struct probe *pr)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (parse_addr(local, &ss, &len) != 0)
		return -1;
	if ((pr->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(pr->fd, (struct sockaddr *)&ss, len) != 0) {
		fprintf(stderr, "zrtp-probe: %s: %s\n", local, strerror(errno));
		exit(1);
	}
	len = sizeof(ss);
	getsockname(pr->fd, (struct sockaddr *)&ss, &len);
	return ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
}

/*
 * One case per option, next to the option table: over 100 lines because
 * splitting it would only scatter the options a reader looks for.
 */
static void
parse_args(int argc, char **argv, struct probe *pr, struct zs_config *c,
    const char **local, const char **cache_path)
{
	static const struct option opts[] = {
		{ "local", required_argument, NULL, 'l' },
		{ "peer", required_argument, NULL, 'p' },
		{ "role", required_argument, NULL, 'r' },
		{ "hash", required_argument, NULL, 'H' },
		{ "cipher", required_argument, NULL, 'c' },
		{ "auth", required_argument, NULL, 'a' },
		{ "kex", required_argument, NULL, 'k' },
		{ "sas", required_argument, NULL, 's' },
		{ "cache", required_argument, NULL, 'C' },
		{ "verify-sas", no_argument, NULL, 'V' },
		{ "preshared", no_argument, NULL, 'P' },
		{ "allow-clear", no_argument, NULL, 'A' },
		{ "trust-pbx", no_argument, NULL, 'T' },
		{ "pbx", no_argument, NULL, 'X' },
		{ "pbx-enroll", no_argument, NULL, 'E' },
		{ "relay-sas", required_argument, NULL, 'R' },
		{ "forge-enroll", no_argument, NULL, 'F' },
		{ "hello-hash", required_argument, NULL, 'z' },
		{ "ssrc", required_argument, NULL, 'S' },
		{ "timeout", required_argument, NULL, 't' },
		{ "srtp", required_argument, NULL, 'n' },
		{ "show-keys", no_argument, NULL, 'K' },
		{ "json", no_argument, NULL, 'j' },
		{ "loss", required_argument, NULL, 'L' },
		{ "drop-conf2ack", required_argument, NULL, 'D' },
		{ "go-clear", no_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char kind_opts[] = "Hcaks";
	char err[256];
	unsigned long v;
	char *end;
	int ch, timeout = 20;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			*local = optarg;
			break;
		case 'p':
			if (parse_addr(optarg, &pr->peer, &pr->peer_len) != 0)
				usage(2);
			pr->have_peer_addr = 1;
			break;
		case 'r':
			if (strcmp(optarg, "initiator") == 0)
				c->role_pref = ZS_PREFER_INITIATOR;
			else if (strcmp(optarg, "responder") == 0)
				c->role_pref = ZS_PREFER_RESPONDER;
			else if (strcmp(optarg, "any") != 0)
				usage(2);
			break;
		case 'H': case 'c': case 'a': case 'k': case 's':
			parse_list(c, (int)(strchr(kind_opts, ch) - kind_opts),
			    optarg);
			break;
		case 'C':
			*cache_path = optarg;
			break;
		case 'V':
			pr->verify_sas = 1;
			break;
		case 'P':
			c->preshared = 1;
			break;
		case 'A':
			c->allow_clear = 1;
			break;
		case 'G':
			pr->go_clear = 1;
			break;
		case 'T':
			pr->trust_pbx = 1;
			break;
		case 'E':
			c->pbx_enroll = 1;
			/* FALLTHROUGH */
		case 'X':
			c->pbx = 1;
			break;
		case 'R':
			if (parse_sashash(optarg, pr->relay_hash) != 0)
				usage(2);
			pr->relay_sas = c->pbx = 1;
			break;
		case 'F':
			pr->forge_enroll = 1;
			break;
		case 'z':
			snprintf(c->peer_hello_hash, sizeof(c->peer_hello_hash),
			    "%s", strncmp(optarg, "1.10 ", 5) == 0 ?
			    optarg + 5 : optarg);
			break;
		case 'S':
			v = strtoul(optarg, &end, 16);
			if (*end != '\0' || v > 0xffffffffUL)
				usage(2);
			c->ssrc = (uint32_t)v;
			break;
		case 't':
			timeout = atoi(optarg);
			if (timeout <= 0 || timeout > 3600)
				usage(2);
			break;
		case 'n':
			pr->res.srtp_wanted = atoi(optarg);
			if (pr->res.srtp_wanted < 0 ||
			    pr->res.srtp_wanted > 100000)
				usage(2);
			break;
		case 'K':
			pr->res.show_keys = 1;
			break;
		case 'j':
			pr->json = 1;
			break;
		case 'L':
			pr->loss_pct = atoi(optarg);
			if (pr->loss_pct < 0 || pr->loss_pct > 100)
				usage(2);
			break;
		case 'D':
			pr->drop_conf2ack = atoi(optarg);
			if (pr->drop_conf2ack < 0 || pr->drop_conf2ack > 100)
				usage(2);
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (*local == NULL || optind != argc)
		usage(2);
	/* The lists together: room for Mult, Prsh and what EC38 brings. */
	if (zalgo_complete(c->count, c->algo, c->preshared, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "zrtp-probe: %s\n", err);
		exit(2);
	}
	pr->deadline = now_ms() + (uint64_t)timeout * 1000;
}

/*
 * §6: how long an initiator keeps resending Confirm2 (T2 doubling to its
 * cap, then the last wait): ours is taken as the peer's, 10.65 s by default.
 */
static uint64_t
t2_schedule_ms(const struct zs_timers *t)
{
	uint64_t total = 0, iv = t->t2_ms;
	uint32_t i;

	for (i = 0; i <= t->t2_tries; i++) {
		total += iv;
		iv = iv * 2 > t->t2_cap_ms ? t->t2_cap_ms : iv * 2;
	}
	return total;
}

static void
setup_identity(struct probe *pr, struct zs_config *c, const char *cache_path)
{
	char err[256];

	if (cache_path != NULL) {
		if (zcache_open(cache_path, &pr->cache, err, sizeof(err)) != 0) {
			fprintf(stderr, "zrtp-probe: cache: %s\n", err);
			exit(1);
		}
		memcpy(c->zid, zcache_zid(pr->cache), ZRTP_ZID_LEN);
	} else
		zrand_bytes(c->zid, ZRTP_ZID_LEN);
	memcpy(pr->res.our_zid, c->zid, ZRTP_ZID_LEN);
	memcpy(c->client_id, PROBE_CLIENT_ID, ZRTP_CID_LEN);
	if (c->ssrc == 0)
		zrand_bytes(&c->ssrc, sizeof(c->ssrc));
	pr->rtp_ssrc = c->ssrc;
}

int
main(int argc, char **argv)
{
	struct zs_env env = { random_bytes, NULL };
	const char *local = NULL, *cache_path = NULL;
	struct zs_config cfg;
	struct probe pr;
	int port, tail = 0, ok, r;

	memset(&pr, 0, sizeof(pr));
	pr.res.cache = "none";
	no_core_dumps();
	zs_config_defaults(&cfg);
	parse_args(argc, argv, &pr, &cfg, &local, &cache_path);
	pr.t2_schedule_ms = t2_schedule_ms(&cfg.timers);
	/* Bound first: a peer's packets sent meanwhile wait in the socket. */
	if ((port = open_socket(local, &pr)) < 0)
		usage(2);
	/* One session; its secrets in locked memory, or no run at all. */
	if ((r = zs_init(1, 1)) != 0) {
		fprintf(stderr, "zrtp-probe: %s (RLIMIT_MEMLOCK is %zu "
		    "bytes; raise it with ulimit -l)\n", zerr_str(r),
		    zcrypto_memlock_limit());
		return 1;
	}
	if (zcrypto_selftest() != 0 || zsrtp_init() != 0) {
		fprintf(stderr, "zrtp-probe: crypto self-test failed\n");
		return 1;
	}
	if ((env.random_arg = zrand_pool_new()) == NULL)
		return 1;
	setup_identity(&pr, &cfg, cache_path);
	if ((pr.s = zs_new(&cfg, &env)) == NULL)
		return 1;
	/* §8.1: the SDP needs our a=zrtp-hash before any packet flows. */
	if (pr.json)
		printf("{\"event\":\"bound\",\"port\":%d,\"hello_hash\":"
		    "\"%s\"}\n", port, zs_hello_hash(pr.s));
	else
		printf("listening on UDP port %d\nour Hello:   "
		    "a=zrtp-hash:%s\n", port, zs_hello_hash(pr.s));
	fflush(stdout);
	if (pr.have_peer_addr) {
		zs_start(pr.s, now_ms());
		drain(&pr);
	}
	while (!probe_done(&pr, now_ms())) {
		probe_step(&pr);
		probe_secure_tail(&pr, &tail);
		probe_go_clear(&pr);
	}
	snprintf(pr.res.hello_hash, sizeof(pr.res.hello_hash), "%s",
	    zs_hello_hash(pr.s));
	for (int k = 0; k < ZALGO_KIND_COUNT; k++)
		pr.res.algo[k] = zs_algo(pr.s, (enum zalgo_kind)k);
	if (pr.res.role == NULL)
		pr.res.role = zs_role(pr.s) == ZS_ROLE_INITIATOR ?
		    "initiator" : zs_role(pr.s) == ZS_ROLE_RESPONDER ?
		    "responder" : "none";
	if (!pr.res.secure && !pr.res.failed) {
		/* --timeout passed: ours, no Error sent, still a name. */
		pr.res.failed = 1;
		pr.res.code = ZC_TIMEOUT;
		pr.res.what = "gave up after --timeout seconds";
	}
	if (pr.json)
		probe_print_json(&pr.res);
	else
		probe_print_text(&pr.res);
	/* Keys proven: some SRTP came through and none decrypted wrongly. */
	ok = pr.res.secure && !pr.res.failed && !pr.res.clear &&
	    (!pr.res.srtp_wanted ||
	    (pr.res.srtp_received > 0 && pr.res.srtp_bad == 0));
	if (pr.srtp_open)
		zsrtp_close(&pr.srtp);
	zs_free(pr.s);
	zrand_pool_free(env.random_arg);
	zcache_close(pr.cache);
	zwipe(&pr.res.keys, sizeof(pr.res.keys));
	return ok ? 0 : 1;
}
