/*
 * Internal to the engine: the session struct, its states and events, and
 * the helpers the handler files share. Nothing outside proto/engine*.c
 * includes this file.
 */
#ifndef ZRTPD_ENGINE_INT_H
#define ZRTPD_ENGINE_INT_H

#include "engine.h"
#include "hashchain.h"
#include "packet.h"

enum zs_state {
	ZS_INIT,
	ZS_DISCOVERY,		/* Hello / HelloACK */
	ZS_COMMIT_SENT,		/* initiator candidate */
	ZS_WAIT_AGREE_I,	/* initiator: DHResult being computed */
	ZS_DHPART2_SENT,
	ZS_CONFIRM2_SENT,
	ZS_DHPART1_SENT,	/* responder */
	ZS_WAIT_AGREE_R,
	ZS_CONFIRM1_SENT,
	ZS_SECURE,
	ZS_CLEAR,		/* peer's GoClear accepted (§4.7.2) */
	ZS_ERROR_SENT,		/* waiting for ErrorACK */
	ZS_FAILED,
	ZS_STATE_COUNT
};

/* Message events share enum zmsg_type's values; the rest follow. */
enum zs_event {
	ZEV_TIMER = ZMSG_COUNT,
	ZEV_KEX_DONE,
	ZEV_READY,		/* the retained secrets are in */
	ZEV_SRTP_OK,		/* peer's SRTP authenticated (§4.6) */
	ZEV_START,		/* zs_start(): our first Hello */
	ZEV_SYNC,		/* a user call queued actions: settle state */
	ZEV_COUNT
};

/* Largest message we keep: a DHPart carrying a DH3k public value. */
#define ZS_MSG_MAX	(84 + ZKEX_PV_MAX)
/* §5.2: a Hello with seven of each of its five kinds of algorithm. */
#define ZS_HELLO_MAX	(88 + 4 * 5 * ZRTP_ALGO_MAX)
/* §5.4: a DH Commit (hvi); Multistream and Preshared ones are shorter. */
#define ZS_COMMIT_MAX	(ZRTP_MSG_HDR_LEN + ZRTP_HASH_IMAGE_LEN + \
	ZRTP_ZID_LEN + 5 * 4 + ZRTP_HVI_LEN + ZRTP_MAC_LEN)
/*
 * What s->confirm holds, all without a signature (we sign nothing): our
 * Confirm (§5.7) or SASrelay (§5.13), both 76 bytes, or an Error or
 * GoClear we resend. An encoder that needs more fails with ZE_NOSPACE.
 */
#define ZS_CONFIRM_MAX	(ZRTP_MSG_HDR_LEN + ZRTP_MAC_LEN + ZRTP_IV_LEN + \
	ZRTP_HASH_IMAGE_LEN + 8)
#define ZS_QUEUE_MAX	16
#define ZS_OUTBOX	4
#define ZS_OWED_ACK_PATIENCE	6	/* Hello resends before paying */
#define ZS_DROPPED	1	/* a check dropped the message: not an error */

/*
 * A message kept for retransmission, hashing and MAC checks: cap bytes at
 * b, the session's storage sized for its type (zs_msgbufs_init) or a
 * caller's buffer, so that a session does not hold seven DHPart-sized
 * buffers (docs/performance.md, "Scale"). b is NULL, cap and len 0, once
 * the exchange's storage is released.
 */
struct zs_msgbuf {
	uint8_t	*b;
	size_t	 cap;
	size_t	 len;
};

/*
 * Everything secret a session holds, in its own small block of libgcrypt
 * secure (locked) memory; the rest of struct zsession is ordinary memory
 * (docs/engine.md, "Secrets and resources"). The action queue is here
 * because ZSA_SECURE, ZSA_CACHE_STORE and ZSA_CACHE_PBX carry keys.
 */
struct zs_secrets {
	struct zhash_chain	 chain;		/* H0 is secret until Confirm */
	struct zkeys		 keys;
	struct zs_cache_entry	 cache;
	uint8_t			 psk[ZHASH_MAX_LEN];	/* preshared_key */
	struct zs_action	 last_store;	/* for a later SAS verdict */
	struct zs_action	 q[ZS_QUEUE_MAX];
};

/*
 * One key-agreement job: a separate object that owns every buffer it
 * works on, so a worker thread never touches a session. sid and gen say
 * which session, and which of its jobs, it answers (zs_kex_done()).
 * The struct is ordinary memory; kp.sv and sec are secure memory.
 */
struct zs_kex_job {
	uint64_t		 sid, gen;
	enum { ZS_KEX_GENERATE, ZS_KEX_AGREE } op;
	enum zkex_alg		 alg;
	struct zkex		 kp;	/* GENERATE: made here; AGREE: moved in */
	uint8_t			*sec;	/* GENERATE: random bytes; AGREE: result */
	size_t			 sec_len;
	uint8_t			 peer_pv[ZKEX_PV_MAX];
	size_t			 peer_pv_len;
	int			 status;	/* filled by zs_kex_run() */
};

/*
 * What only the key exchange reads: our key pair (its secret in a small
 * locked slot), both sides' Hello, Commit and DHPart and the peer's
 * decoded Hello and Commit. Allocated with the session,
 * released when it goes secure (zs_release_exchange(); docs/engine.md,
 * "What a secure session keeps"): no handler of the secure or clear state
 * reads them.
 */
struct zs_exchange {
	struct zkex		 kp;	/* ours; empty while an AGREE job
					 * holds it */
	struct zmsg_hello	 peer_hello_m;
	struct zmsg_commit	 peer_commit_m;
	uint8_t			 hello_b[2][ZS_HELLO_MAX];
	uint8_t			 commit_b[2][ZS_COMMIT_MAX];
	uint8_t			 dhpart_b[2][ZS_MSG_MAX];
};

/* A call's secrets, in locked memory. */
struct zcall_secrets {
	uint8_t		zrtp_sess[ZHASH_MAX_LEN];
	size_t		sess_len;
	uint8_t		aux[ZCALL_AUX_MAX];
	size_t		aux_len;
};

struct zcall {
	unsigned		 refs;
	int			 filled;	/* by a DH/Prsh stream */
	uint64_t		 filler;	/* zs_id() of that stream */
	uint32_t		 algo[ZALGO_KIND_COUNT];
	uint8_t			 peer_zid[ZRTP_ZID_LEN];
	uint8_t			 nonces[ZCALL_NONCES_MAX][ZRTP_NONCE_LEN];
	size_t			 nnonces;
	struct zcall_secrets	*sec;
};

struct zsession {
	struct zs_secrets	*sec;		/* secure memory */
	struct zcall		*call;		/* shared with the call's streams */
	uint64_t		 id;		/* unique in the process */
	struct zs_config	 cfg;
	struct zs_env		 env;
	/*
	 * The packet in zs_receive() passed a check a stranger cannot: the
	 * a=zrtp-hash of a first Hello, a hash-chain link, a Confirm's H0.
	 */
	int			 rx_proven;
	enum zs_state		 state;		/* zs_fsm_step() assigns */
	enum zs_state		 ending;	/* ZS_INIT, or where a failure
						 * takes the session */
	enum zs_role		 role;
	enum zmode		 mode;
	uint16_t		 seq;
	char			 hello_hash[5 + ZRTP_HELLO_HASH_HEX];

	struct zs_msgbuf	 hello, commit, dhpart, confirm;
	const struct zs_msgbuf	*retx;		/* message being resent */
	uint64_t		 now;		/* time of the current event */
	uint64_t		 retx_due;	/* next resend, absolute */
	uint64_t		 deadline;	/* handshake must end by */
	uint64_t		 armed_at;	/* what the caller's timer holds */
	uint32_t		 retx_ms, retx_left, retx_cap_ms;

	uint32_t		 peer_ssrc;
	int			 have_peer_ssrc;
	struct zs_msgbuf	 peer_hello, peer_commit, peer_dhpart;
	struct zs_exchange	*ex;		/* NULL once secure */
	/* Of the peer's Hello, what a secure session still needs. */
	uint8_t			 peer_zid[ZRTP_ZID_LEN];
	uint8_t			 peer_flags;	/* ZHELLO_FLAG_* */
	char			 peer_hello_hex[ZRTP_HELLO_HASH_HEX];
	uint8_t			 peer_h1[ZRTP_HASH_IMAGE_LEN];	/* DHPart */
	uint8_t			 peer_ids[4][ZRTP_SECRET_ID_LEN];
	struct zview		 peer_pv;	/* into peer_dhpart */

	int			 hello_acked, cache_loaded, kex_ready;
	int			 cache_error;	/* the lookup failed: ZE_* */
	/* A HelloACK that came before any Hello, from this SSRC. */
	int			 early_ack;
	uint32_t		 early_ack_ssrc;
	/*
	 * §9: an unauthenticated packet that would have ended the exchange
	 * is dropped; if the exchange then times out, this is the reason.
	 */
	int			 refused_code;	/* enum zcode */
	const char		*refused_what;
	int			 ack_owed;	/* HelloACK withheld (§5.3) */
	int			 owed_rounds;
	int			 job_pending;	/* ZSA_KEX out, not done */
	uint64_t		 job_gen;	/* of the job out, or the last */
	size_t			 job_bytes;	/* its secure memory, for zs_memory */
	int			 commit_pending;	/* peer Commit waiting */
	uint32_t		 algo[ZALGO_KIND_COUNT];	/* negotiated */
	enum zhash_alg		 hash;
	enum zcipher_alg	 cipher;
	enum zkex_alg		 kex;
	int			 kex_chosen;

	struct zs_kex_job	*done;	/* the job zs_kex_done() hands in */
	uint8_t			 own_ids[4][ZRTP_SECRET_ID_LEN];
	uint8_t			 nonce[ZRTP_NONCE_LEN];	/* Mult/Prsh Commit */
	int			 cache_mismatch, peer_v, peer_a, our_v;
	int			 cache_tentative;	/* read a tentative row */
	int			 cache_overlap;	/* ... and matched none of it */
	int			 peer_e;	/* PBX offered enrollment */
	int			 our_a, our_e;	/* flags our Confirm carried */
	int			 verdict_yes;	/* user verified the SAS now */
	/* What the secure-state retransmission is: one at a time. */
	enum { ZS_PENDING_NONE, ZS_PENDING_GOCLEAR, ZS_PENDING_SASRELAY }
				 pending;
	int			 pbx_matched;	/* s3 = pbxsecret this call */
	int			 s1_slot;	/* s1 is our rs1 (1), rs2 (2) */
	int			 s1_in_step;	/* rs1 on both sides */
	int			 pbx_unmatched;	/* held one, neither matched */
	int			 pbx_deferred;	/* PBX side: until a verdict */
	uint32_t		 peer_expiry;
	int			 store_deferred, stored;

	size_t			 q_head, q_len;
	uint8_t			 confirm_b[ZS_CONFIRM_MAX];
	/*
	 * Datagrams handed out as ZSA_SEND, each allocated for its length
	 * by zs_send() and freed when the outbox is next empty at
	 * zs_next_action() (the caller's pointer is good until then).
	 */
	uint8_t			*outbox[ZS_OUTBOX];
	size_t			 outbox_len[ZS_OUTBOX];
	size_t			 outbox_next;
	size_t			 sends_queued;
};

/* A handler returns the next state; zs_fsm_step() alone assigns it. */
typedef enum zs_state (*zs_fsm_fn)(struct zsession *s,
    const struct zpkt *pkt);

int	zs_fsm_step(struct zsession *s, int ev, const struct zpkt *pkt);
/* Where a handler goes when a helper stopped: the end, or stay. */
enum zs_state zs_stop(const struct zsession *s);
/* r from zs_send(): next when 0, else the session ends. */
enum zs_state zs_sent(struct zsession *s, int r, enum zs_state next);
/* After a user call outside the table: returns r. */
int	zs_settle(struct zsession *s, int r);
/* A state during the exchange: deadline armed, refusals remembered. */
int	zs_in_handshake(enum zs_state st);

/* Actions. */
struct zs_action *zs_push(struct zsession *s, enum zs_action_type t);
int	zs_send(struct zsession *s, const struct zs_msgbuf *m);
int	zs_send_ack(struct zsession *s, enum zmsg_type type);
void	zs_retransmit_start(struct zsession *s, const struct zs_msgbuf *m,
	    int hello_schedule);
void	zs_retransmit_stop(struct zsession *s);
/* Reports carry a stable code (zcode.h); what NULL: the code's text. */
enum zs_state zs_fail(struct zsession *s, int code, int cause,
	    const char *what);
void	zs_alert(struct zsession *s, int code, const char *what);
void	zs_refuse(struct zsession *s, int code, const char *what);
void	zs_drop_key_pair(struct zsession *s);
void	zs_wipe_secrets(struct zsession *s);
void	zs_release_exchange(struct zsession *s);
void	zs_go_clear_keys(struct zsession *s);
struct zs_kex_job *zs_job_new(struct zsession *s, int op, size_t sec_len);
int	zs_push_job(struct zsession *s, struct zs_kex_job *job);
void	zs_random(struct zsession *s, void *buf, size_t len);

/* Message building: encode m into mb; seal the chain MAC when key != 0. */
int	zs_build(struct zsession *s, const struct zmsg *m,
	    struct zs_msgbuf *mb, const uint8_t *mac_key);
int	zs_keep(struct zs_msgbuf *mb, const struct zview *raw);

/* Handlers, by file. */
int	zs_build_hello(struct zsession *s);
int	zs_send_hello(struct zsession *s);
int	zs_hello_resent(struct zsession *s);
enum zs_state zs_progress(struct zsession *s);
#define ZS_HANDLER(name) \
	enum zs_state name(struct zsession *, const struct zpkt *)
ZS_HANDLER(zs_on_start);
ZS_HANDLER(zs_on_hello);
ZS_HANDLER(zs_on_hello_again);
ZS_HANDLER(zs_on_helloack);
ZS_HANDLER(zs_on_cache);
ZS_HANDLER(zs_on_keygen);
ZS_HANDLER(zs_on_commit);
ZS_HANDLER(zs_on_commit_contention);
ZS_HANDLER(zs_on_commit_again);
ZS_HANDLER(zs_on_dhpart1);
ZS_HANDLER(zs_on_dhpart2);
ZS_HANDLER(zs_on_dhpart2_again);
ZS_HANDLER(zs_on_agree_i);
ZS_HANDLER(zs_on_agree_r);
ZS_HANDLER(zs_on_confirm1_early);
ZS_HANDLER(zs_on_confirm1);
ZS_HANDLER(zs_on_confirm2);
ZS_HANDLER(zs_on_confirm2_again);
ZS_HANDLER(zs_on_conf2ack);
ZS_HANDLER(zs_on_error);
ZS_HANDLER(zs_on_error_secure);
ZS_HANDLER(zs_on_error_clear);
ZS_HANDLER(zs_on_error_again);
ZS_HANDLER(zs_on_erroracks);
ZS_HANDLER(zs_on_ping);
ZS_HANDLER(zs_on_goclear);
ZS_HANDLER(zs_on_goclear_again);
ZS_HANDLER(zs_on_clearack);
ZS_HANDLER(zs_on_sasrelay);
ZS_HANDLER(zs_on_relayack);
ZS_HANDLER(zs_on_timer);
ZS_HANDLER(zs_on_timer_secure);
ZS_HANDLER(zs_on_timer_error);
ZS_HANDLER(zs_on_kex_late);
ZS_HANDLER(zs_ignore);

extern const int zs_unsupported[ZALGO_KIND_COUNT];	/* zcode per kind */
int	zs_supported(int kind, uint32_t block);
uint32_t zs_kex_name(const struct zsession *s, enum zkex_alg alg);
int	zs_offered(const struct zsession *s, int kind, uint32_t block);
int	zs_negotiate(struct zsession *s);
int	zs_apply_algos(struct zsession *s);
int	zs_request_keygen(struct zsession *s);
int	zs_key_pair_fits(const struct zsession *s);
enum zs_state zs_send_commit(struct zsession *s);
enum zs_state zs_respond(struct zsession *s);
enum zs_state zs_send_confirm(struct zsession *s, enum zmsg_type type);
enum zs_state zs_go_secure(struct zsession *s);

/* Shared secrets and keys (engine_keys.c). */
int	zs_secret_ids(struct zsession *s, enum zs_role as,
	    uint8_t out[4][ZRTP_SECRET_ID_LEN]);
int	zs_derive_dh(struct zsession *s, const uint8_t *dhresult,
	    size_t dh_len);
int	zs_derive_mult(struct zsession *s);
int	zs_preshared_usable(const struct zsession *s);
int	zs_prsh_key(struct zsession *s, int with_aux,
	    uint8_t key_id[ZRTP_KEYID_LEN]);
int	zs_prsh_match(struct zsession *s);
int	zs_derive_prsh(struct zsession *s);
int	zs_pbxsecret(struct zsession *s, uint8_t out[ZRTP_RS_LEN]);
int	zs_cache_update(struct zsession *s);

/* The call (engine_call.c). */
struct zcall	*zcall_ref(struct zcall *c);
int	zcall_nonce_used(const struct zcall *c, const uint8_t *nonce);
int	zcall_add_nonce(struct zcall *c, const uint8_t *nonce);
void	zcall_first_stream(struct zsession *s);
void	zcall_sess_replaced(struct zsession *s);
int	zs_emit_store(struct zsession *s);

#endif
