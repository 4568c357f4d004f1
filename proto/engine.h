/*
 * The ZRTP engine (RFC 6189), sans-I/O: one struct zsession per media
 * stream, fed events (a datagram, a timer, a key-agreement result, the
 * retained secrets, the user's SAS verdict) with the current time, and
 * answering with actions the caller drains. It never reads a clock, a
 * socket or a file, and draws randomness only from the callback it is given.
 */
#ifndef ZRTPD_ENGINE_H
#define ZRTPD_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "kex.h"
#include "keys.h"
#include "msg.h"
#include "sas.h"
#include "wire_err.h"
#include "zcode.h"

/* RFC 6189 §6 retransmission schedules, as data. */
struct zs_timers {
	uint32_t	t1_ms;		/* first Hello interval: 50 */
	uint32_t	t1_cap_ms;	/* Hello interval cap: 200 */
	uint32_t	t1_tries;	/* Hello retransmissions: 20 */
	uint32_t	t1_tries_known;	/* when the peer speaks ZRTP: >= 12 s */
	uint32_t	t2_ms;		/* other messages: 150 */
	uint32_t	t2_cap_ms;	/* cap: 1200 */
	uint32_t	t2_tries;	/* retransmissions: 10 */
	uint32_t	handshake_ms;	/* give up if not secure by then; 0: never */
};

/*
 * One call (§4.4.3): what its media streams share, seen live by every
 * stream. The first stream that goes secure with DH or Preshared fills it
 * with ZRTPSess, its algorithms and the peer's ZID; a stream whose peer
 * Hello arrives after that runs Multistream from it (no DH, no SAS, no
 * cache update), and must come from the same peer ZID. The nonce of every
 * Multistream Commit, sent or accepted, is recorded at once; a Commit
 * reusing one ends that stream with 0x80 (§4.4.3.1). When the first stream
 * goes clear, the call's ZRTPSess is the replaced one (§4.7.2.1). The aux
 * secret (§4.3) is copied into locked memory. Reference-counted: the
 * creator holds one reference, each stream (zs_config.call) another; the
 * call lives until the last is dropped. A call and its streams are used
 * from one thread.
 */
struct zcall;

#define ZCALL_AUX_MAX		64	/* bytes of aux secret */
#define ZCALL_NONCES_MAX	32	/* Multistream Commits per call */

/* NULL when out of memory or aux_len > ZCALL_AUX_MAX. */
struct zcall	*zcall_new(const uint8_t *aux_secret, size_t aux_len);
void		 zcall_unref(struct zcall *c);	/* accepts NULL */
/* 1 once a stream filled it: later streams run Multistream. */
int		 zcall_secure(const struct zcall *c);
/*
 * Fill a call from a first stream run elsewhere (its ZRTPSess, negotiated
 * algorithm blocks and peer ZID); ZE_INVAL if already filled. Tests use it.
 */
int		 zcall_fill(struct zcall *c, const uint8_t *zrtp_sess,
		    size_t len, const uint32_t algo[ZALGO_KIND_COUNT],
		    const uint8_t peer_zid[ZRTP_ZID_LEN]);

/* Our side of a session: identity, preferences and policy. */
struct zs_config {
	uint8_t		zid[ZRTP_ZID_LEN];
	uint8_t		client_id[ZRTP_CID_LEN];
	uint32_t	ssrc;
	/*
	 * Hello lists in preference order; mandatory ones are implied.
	 * zs_config_defaults() fills the documented defaults; zs_new()
	 * refuses a block the engine does not run, Mult or Prsh (it adds
	 * them), and adds S384 and AES3 for EC38, EC52, X448 (§5.1.5).
	 */
	uint8_t		count[ZALGO_KIND_COUNT];
	uint32_t	algo[ZALGO_KIND_COUNT][ZRTP_ALGO_MAX];
	enum zs_role_pref {
		ZS_PREFER_ANY,		/* Commit when ready; contention decides */
		ZS_PREFER_INITIATOR,	/* answer the peer's Hello with Commit */
		ZS_PREFER_RESPONDER	/* never Commit: Hello's P flag (§5.2) */
	}		role_pref;
	int		allow_clear;	/* A flag: accept GoClear (§4.7.2) */
	int		preshared;	/* offer and use Prsh mode (§4.4.2) */
	/*
	 * §7.3: act as a trusted-MiTM PBX (Hello M flag; may send SASrelay)
	 * and, with pbx_enroll, offer enrollment (Confirm E flag). The PBX
	 * side exists to exercise the phone side; a real PBX needs more.
	 */
	int		pbx, pbx_enroll;
	uint32_t	cache_expiry;	/* seconds; 0xffffffff: forever */
	struct zs_timers timers;
	/*
	 * §8.1: the peer's Hello hash from signalling, 64 hex digits with or
	 * without the "1.10 " version prefix; "" when none.
	 */
	char		 peer_hello_hash[5 + 64 + 1];
	/*
	 * The call this stream belongs to (§4.4.3), or NULL for a call of
	 * its own. zs_new() takes a reference. The aux secret is the call's.
	 */
	struct zcall	*call;
};

void	zs_config_defaults(struct zs_config *c);

/* Randomness, supplied by the caller (a fixed seed in tests). */
struct zs_env {
	void	(*random)(void *arg, void *buf, size_t len);
	void	*random_arg;
};

/*
 * Retained secrets for the peer's ZID, answered to ZSA_CACHE_LOOKUP.
 * error != 0 (ZE_CACHE): the cache could not be read; the session fails,
 * for an unreadable cache is not a new peer, and nothing is stored.
 */
struct zs_cache_entry {
	int	error;
	int	found;
	int	rs1_valid, rs2_valid;	/* present and not expired */
	uint8_t	rs1[ZRTP_RS_LEN];
	uint8_t	rs2[ZRTP_RS_LEN];
	int64_t	rs1_expires, rs2_expires;	/* unix seconds; -1: never */
	int64_t	now;		/* unix seconds when read: new expiries count
				 * from here */
	int	verified;		/* V flag stored from earlier calls */
	/*
	 * The row is a first contact's, stored on this side so recently
	 * that the peer may still have read no secret for a call that
	 * overlapped it, and not verified since (docs/engine.md, "First
	 * contacts that overlap"). A call whose peer proves none of it is
	 * then a first contact, not a cache mismatch. Set by the caller.
	 */
	int	tentative;
	int	pbx_valid;		/* §7.3.1: enrolled with this PBX */
	uint8_t	pbxsecret[ZRTP_RS_LEN];
};

/*
 * Key-agreement work (ZSA_KEX), run off the event loop. A job is its own
 * object and owns every buffer it works on (the key pair, the peer's
 * value, the result); it names its session by zs_id() and a generation,
 * never by pointer. Once drained from zs_next_action() it belongs to the
 * caller, who runs zs_kex_run() on any thread and hands it back on the
 * session's thread with zs_kex_done(), which always consumes it, or frees
 * it with zs_kex_job_free() when the session is gone. A session may fail
 * or be freed while its job runs.
 */
struct zs_kex_job;

void	 zs_kex_run(struct zs_kex_job *job);
void	 zs_kex_job_free(struct zs_kex_job *job);	/* accepts NULL */
uint64_t zs_kex_job_session(const struct zs_kex_job *job);

/*
 * Locked memory for max_sessions sessions computed on up to threads
 * threads at once (event loops and workers): initialises libgcrypt
 * (zcrypto_init_arena) with the arena of zsecure_alloc() sized for
 * max_sessions sessions' secrets (zs_secure_bytes() each: the engine's
 * blocks and one small and one middle slot for its caller's) and
 * libgcrypt's own pool for threads computing, and from then on zs_new()
 * refuses a session beyond max_sessions (NULL), so that no session's
 * secrets land in unlocked memory. ZE_MEMLOCK when RLIMIT_MEMLOCK is too
 * small. Without zs_init() (zcrypto_init() alone) sessions are not
 * counted, and the arena holds a few.
 */
int	zs_init(size_t max_sessions, size_t threads);
/* One session's share of the arena: secrets, call, key pair, job, caller. */
size_t	zs_secure_bytes(void);
/*
 * The bytes zs_init() locks, the arena, libgcrypt's pool and OpenSSL's
 * heap together: what RLIMIT_MEMLOCK must allow. 0 when the arguments are
 * out of range.
 */
size_t	zs_locked_bytes(size_t max_sessions, size_t threads);

enum zs_action_type {
	ZSA_SEND,		/* datagram to the peer */
	ZSA_TIMER,		/* (re)arm the one timer; ms == 0 cancels */
	ZSA_KEX,		/* run job, then zs_kex_done() */
	ZSA_CACHE_LOOKUP,	/* load secrets for zid, zs_cache_loaded() */
	ZSA_PEER,		/* peer's Hello: client id, version, ZID */
	ZSA_SAS,		/* SAS ready for the user */
	ZSA_SECURE,		/* SRTP keys ready (both directions) */
	ZSA_CACHE_STORE,	/* write rs1/rs2 for zid */
	ZSA_CACHE_VERIFIED,	/* set only the V flag for zid */
	ZSA_CACHE_EXPIRE,	/* §4.9: interval 0, expire zid's rs1 now */
	ZSA_ALERT,		/* security event the user must see */
	ZSA_CLEAR,		/* peer went clear: stop SRTP, keys wiped */
	ZSA_ENROLL,		/* PBX offers enrollment: ask the user */
	ZSA_CACHE_PBX,		/* store pbxsecret for zid (§7.3.1) */
	ZSA_FAILED,		/* session over: error, with codes */
	/*
	 * §4.6, initiator, Confirm2 sent: the keys ZSA_SECURE will carry, to
	 * authenticate the responder's SRTP with (zs_srtp_ok(), which counts
	 * as its Conf2ACK). Nothing may be sent with them before ZSA_SECURE.
	 */
	ZSA_SRTP_RX
};

/*
 * What the cache writes for a peer (ZSA_CACHE_STORE), every value decided
 * by the engine (§4.6.1 rotation, §4.9 expiry): the cache applies it as
 * it is.
 */
struct zs_cache_record {
	uint8_t	zid[ZRTP_ZID_LEN];
	uint8_t	rs1[ZRTP_RS_LEN];
	int64_t	rs1_expires;		/* unix seconds; -1: never */
	int	rs2_valid;		/* 0: the peer keeps no rs2 */
	uint8_t	rs2[ZRTP_RS_LEN];
	int64_t	rs2_expires;		/* unix seconds; -1: never */
	int	verified;		/* the V flag, unless matched */
	/*
	 * matched: the exchange matched a stored secret (s1, or the keyID),
	 * so the V flag on disk is kept as it is then (a verdict given
	 * meanwhile survives); otherwise verified is written.
	 */
	int	matched;
	int	fresh;			/* nothing was live: a first contact */
	/*
	 * Which of several stores for one peer wins when exchanges with it
	 * overlapped (docs/engine.md, "Concurrent calls"): public bytes,
	 * the same on both ends; compare with zs_cache_record_cmp().
	 */
	uint8_t	rank[1 + ZRTP_SECRET_ID_LEN];
};

/*
 * > 0 when a should be kept rather than b (both ZSA_CACHE_STORE records
 * of exchanges with one peer that overlapped), < 0 for b, 0 for equal.
 */
int	zs_cache_record_cmp(const struct zs_cache_record *a,
	    const struct zs_cache_record *b);

/*
 * How long a first contact's row stays tentative on the side that stored
 * it (docs/engine.md, "Concurrent calls"): the longest time after that
 * store the peer may still read no secret for a call, from the
 * retransmission schedules of t (§6's: zs_config_defaults()).
 */
uint32_t zs_overlap_window_ms(const struct zs_timers *t);

struct zs_srtp_keys {
	uint32_t	cipher;		/* AES1/AES3 block */
	uint32_t	auth;		/* HS32/HS80 block */
	size_t		key_len;
	uint8_t		tx_key[ZCIPHER_KEY_MAX], tx_salt[ZRTP_SRTP_SALT_LEN];
	uint8_t		rx_key[ZCIPHER_KEY_MAX], rx_salt[ZRTP_SRTP_SALT_LEN];
};

struct zs_action {
	enum zs_action_type	type;
	union {
		struct {
			const uint8_t	*p;	/* valid until the next call
						 * into the engine */
			size_t		 len;
		} send;
		uint32_t		 timer_ms;
		struct zs_kex_job	*kex;	/* now the caller's */
		uint8_t			 zid[ZRTP_ZID_LEN];	/* lookup */
		struct {
			uint8_t		zid[ZRTP_ZID_LEN];
			uint8_t		client_id[ZRTP_CID_LEN];
			uint8_t		version[ZRTP_VERSION_LEN];
			uint8_t		flags;
		} peer;
		struct {
			char		text[ZSAS_TEXT_MAX];
			uint32_t	scheme;
			int		verified;	/* both V flags set */
			int		cache_mismatch;
			/*
			 * A tentative row the peer did not prove: a
			 * first contact, no mismatch (zs_cache_entry).
			 */
			int		overlap;
			int		relayed;	/* from a trusted PBX */
		} sas;
		struct zs_srtp_keys	 secure;	/* and srtp_rx */
		struct zs_cache_record	 store;
		struct {
			int		code;		/* enum zcode, never 0 */
			int		error;		/* enum zerr, never 0 */
			uint32_t	wire_code;	/* §5.9, 0 if none */
			int		from_peer;	/* peer sent Error */
			const char	*what;		/* static text */
		} failed;
		struct {
			int		code;		/* enum zcode, never 0 */
			const char	*text;		/* static text */
		} alert;
		struct {
			uint8_t		zid[ZRTP_ZID_LEN];
			int		verified;
			/*
			 * bound: this call was a first contact, or read
			 * a tentative row, so nothing proves the row is
			 * still its peer's; the flag is set only on a
			 * row whose rs1 or rs2 is rs1, the secret this
			 * call stored, or rs2 when rs2_valid (the
			 * tentative secret the call matched).
			 */
			int		bound;
			uint8_t		rs1[ZRTP_RS_LEN];
			int		rs2_valid;
			uint8_t		rs2[ZRTP_RS_LEN];
		} verified;
		struct {
			uint8_t		zid[ZRTP_ZID_LEN];
			uint8_t		pbxsecret[ZRTP_RS_LEN];
		} pbx;
	} u;
};

enum zs_role {
	ZS_ROLE_NONE,
	ZS_ROLE_INITIATOR,
	ZS_ROLE_RESPONDER
};

struct zsession;

/* NULL when out of memory or past zs_init()'s max_sessions. */
struct zsession	*zs_new(const struct zs_config *cfg, const struct zs_env *env);
/* Safe while a job of s runs: the job answers to zs_kex_job_free(). */
void		 zs_free(struct zsession *s);
/* Unique in the process for its lifetime: what zs_kex_job_session() says. */
uint64_t	 zs_id(const struct zsession *s);

/* Events. Each returns 0, or an error for a caller mistake. */
int	zs_start(struct zsession *s, uint64_t now_ms);
int	zs_receive(struct zsession *s, uint64_t now_ms, const uint8_t *pkt,
	    size_t len);
int	zs_timer(struct zsession *s, uint64_t now_ms);
/* Consumes job; ZE_INVAL if it is not s's outstanding job. */
int	zs_kex_done(struct zsession *s, uint64_t now_ms, struct zs_kex_job *job);
int	zs_cache_loaded(struct zsession *s, uint64_t now_ms,
	    const struct zs_cache_entry *e);
int	zs_sas_verdict(struct zsession *s, uint64_t now_ms, int verified);
/*
 * The first SRTP packet from the peer authenticated: for an initiator
 * waiting for Conf2ACK it counts as one (§4.6).
 */
int	zs_srtp_ok(struct zsession *s, uint64_t now_ms);
/*
 * §7.3.1: the user's answer to ZSA_ENROLL. Accepting derives pbxsecret and
 * asks for it to be stored (ZSA_CACHE_PBX); only an explicit yes does.
 */
int	zs_enroll(struct zsession *s, uint64_t now_ms, int accept);
/* PBX side (§7.3): relay sashash rendered with scheme, until RelayACK. */
int	zs_send_sasrelay(struct zsession *s, uint64_t now_ms, uint32_t scheme,
	    const uint8_t sashash[ZRTP_SASHASH_LEN]);
/* The user asks to go clear (§4.7.2); ZE_INVAL unless secure and the
 * peer's Confirm allowed it (A flag). ZSA_CLEAR follows its ClearACK. */
int	zs_go_clear(struct zsession *s, uint64_t now_ms);

/*
 * §8.1: the peer's a=zrtp-hash arriving from signalling after zs_new().
 * Before the peer's Hello it is checked there (a Hello that differs is
 * dropped with an alert); after, the kept Hello is checked now and a
 * mismatch ends the session (ZSA_FAILED, ZC_HELLO_HASH, Error 0x40).
 * ZE_INVAL for a value that is no hash.
 */
int	zs_set_peer_hello_hash(struct zsession *s, uint64_t now_ms,
	    const char *hash);

/* Next pending action: 1 and *a filled, or 0 when none is left. */
int	zs_next_action(struct zsession *s, struct zs_action *a);

/* Inspection, for the probe and the daemon. */
enum zs_role	 zs_role(const struct zsession *s);
const char	*zs_state_name(const struct zsession *s);
int		 zs_is_secure(const struct zsession *s);
/* Negotiated blocks (hash, cipher, auth, kex, sas), 0 before Commit. */
uint32_t	 zs_algo(const struct zsession *s, enum zalgo_kind kind);
/* This stream's ZRTPSess and ExportedKey once secure (DH/Prsh only). */
const uint8_t	*zs_zrtp_sess(const struct zsession *s, size_t *len);
const uint8_t	*zs_exported_key(const struct zsession *s, size_t *len);
/* The nonce of this stream's surviving Multistream/Preshared Commit. */
const uint8_t	*zs_commit_nonce(const struct zsession *s);
/*
 * Our Hello's a=zrtp-hash value ("1.10 <hex>"), from zs_new() on: the SDP
 * carries it before any ZRTP packet flows (§8.1).
 */
const char	*zs_hello_hash(const struct zsession *s);
size_t		 zs_memory(const struct zsession *s);
/*
 * 1 when the last zs_receive()'s packet was accepted as the peer's by a
 * check a stranger cannot pass: a first Hello matching the a=zrtp-hash
 * given (§8.1), a message whose hash image chains to the peer's earlier
 * one (Commit, DHPart1, DHPart2), a Confirm whose H0 closes the chain.
 * Never for a repeat the engine answers without checking, nor a drop.
 * What a latching caller may move the remote on (symmetric RTP).
 */
int		 zs_received_proven(const struct zsession *s);

#endif
