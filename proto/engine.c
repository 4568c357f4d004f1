/*
 * Engine core: the action queue, the one state table and fsm_step, packet
 * intake, retransmission timers and failure. Protocol steps live in
 * engine_hello.c, engine_kex.c and engine_confirm.c; keys in engine_keys.c.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "algo.h"
#include "engine_int.h"
#include "zcrypto.h"
#include "zerr.h"

static void	zs_timer_sync(struct zsession *);
static enum zs_state zs_timeout(struct zsession *, const char *);

static const struct {
	const char	*name;
	int		 handshake;	/* deadline armed, refusals kept */
} zs_states[ZS_STATE_COUNT] = {
	[ZS_INIT] = { "init", 0 },
	[ZS_DISCOVERY] = { "discovery", 1 },
	[ZS_COMMIT_SENT] = { "commit-sent", 1 },
	[ZS_WAIT_AGREE_I] = { "agreeing-initiator", 1 },
	[ZS_DHPART2_SENT] = { "dhpart2-sent", 1 },
	[ZS_CONFIRM2_SENT] = { "confirm2-sent", 1 },
	[ZS_DHPART1_SENT] = { "dhpart1-sent", 1 },
	[ZS_WAIT_AGREE_R] = { "agreeing-responder", 1 },
	[ZS_CONFIRM1_SENT] = { "confirm1-sent", 1 },
	[ZS_SECURE] = { "secure", 0 },
	[ZS_CLEAR] = { "clear", 0 },
	[ZS_ERROR_SENT] = { "error-sent", 0 },
	[ZS_FAILED] = { "failed", 0 },
};

/* Every state: a user call's actions settle the state (overflow). */
#define ZS_ALWAYS \
	[ZEV_SYNC] = zs_ignore

/* Answered in every state of the exchange: Error, Ping, timer. */
#define ZS_EXCHANGE \
	ZS_ALWAYS, \
	[ZMSG_ERROR] = zs_on_error, \
	[ZMSG_PING] = zs_on_ping, \
	[ZEV_TIMER] = zs_on_timer

/* After discovery a Hello is only acknowledged (§5.3). */
#define ZS_HANDSHAKE \
	ZS_EXCHANGE, \
	[ZMSG_HELLO] = zs_on_hello_again

/* Once over: Errors acknowledged, Pings answered, late jobs discarded. */
#define ZS_OVER \
	ZS_ALWAYS, \
	[ZMSG_ERROR] = zs_on_error_again, \
	[ZMSG_PING] = zs_on_ping, \
	[ZEV_KEX_DONE] = zs_on_kex_late

/*
 * The happy paths (DH mode; Multistream and Preshared skip the DHParts and
 * the agreeing states, Confirm1 answering the Commit):
 *
 * initiator: INIT -start-> DISCOVERY (Hello; HelloACK, peer's Hello,
 *   retained secrets and key pair in) -> COMMIT_SENT -DHPart1->
 *   WAIT_AGREE_I -DHResult-> DHPART2_SENT -Confirm1-> CONFIRM2_SENT
 *   -Conf2ACK or SRTP-> SECURE
 * responder: INIT -start-> DISCOVERY -Commit, inputs in-> DHPART1_SENT
 *   -DHPart2-> WAIT_AGREE_R -DHResult-> CONFIRM1_SENT -Confirm2-> SECURE
 *
 * From SECURE an accepted GoClear leads to CLEAR. A failure goes to
 * ERROR_SENT (our Error, until ErrorACK) or FAILED. Each cell returns the
 * next state; zs_fsm_step() alone assigns it.
 */
static const zs_fsm_fn zs_fsm[ZS_STATE_COUNT][ZEV_COUNT] = {
	[ZS_INIT] = {
		ZS_ALWAYS,
		[ZEV_START] = zs_on_start,
	},
	[ZS_DISCOVERY] = {
		ZS_EXCHANGE,
		[ZMSG_HELLO] = zs_on_hello,
		[ZMSG_HELLOACK] = zs_on_helloack,
		[ZMSG_COMMIT] = zs_on_commit,
		[ZEV_KEX_DONE] = zs_on_keygen,
		[ZEV_READY] = zs_on_cache,
	},
	[ZS_COMMIT_SENT] = {
		ZS_HANDSHAKE,
		[ZMSG_COMMIT] = zs_on_commit_contention,	/* §4.2 */
		[ZMSG_DHPART1] = zs_on_dhpart1,
		[ZMSG_CONFIRM1] = zs_on_confirm1_early,		/* Mult, Prsh */
	},
	[ZS_WAIT_AGREE_I] = {
		ZS_HANDSHAKE,
		[ZMSG_DHPART1] = zs_ignore,	/* retransmission, in hand */
		[ZEV_KEX_DONE] = zs_on_agree_i,
	},
	[ZS_DHPART2_SENT] = {
		ZS_HANDSHAKE,
		[ZMSG_DHPART1] = zs_ignore,
		[ZMSG_CONFIRM1] = zs_on_confirm1,
	},
	[ZS_CONFIRM2_SENT] = {
		ZS_HANDSHAKE,
		[ZMSG_CONFIRM1] = zs_ignore,
		[ZMSG_CONF2ACK] = zs_on_conf2ack,
		[ZEV_SRTP_OK] = zs_on_conf2ack,		/* §4.6 */
	},
	[ZS_DHPART1_SENT] = {
		ZS_HANDSHAKE,
		[ZMSG_COMMIT] = zs_on_commit_again,
		[ZMSG_DHPART2] = zs_on_dhpart2,
	},
	[ZS_WAIT_AGREE_R] = {
		ZS_HANDSHAKE,
		[ZMSG_COMMIT] = zs_ignore,
		[ZMSG_DHPART2] = zs_ignore,
		[ZEV_KEX_DONE] = zs_on_agree_r,
	},
	[ZS_CONFIRM1_SENT] = {
		ZS_HANDSHAKE,
		[ZMSG_COMMIT] = zs_on_dhpart2_again,	/* Mult: resend */
		[ZMSG_DHPART2] = zs_on_dhpart2_again,
		[ZMSG_CONFIRM2] = zs_on_confirm2,
	},
	[ZS_SECURE] = {
		ZS_ALWAYS,
		[ZMSG_HELLO] = zs_on_hello_again,
		[ZMSG_ERROR] = zs_on_error_secure,
		[ZMSG_PING] = zs_on_ping,
		[ZEV_TIMER] = zs_on_timer_secure,
		[ZMSG_CONFIRM2] = zs_on_confirm2_again,
		[ZMSG_CONFIRM1] = zs_ignore,
		[ZMSG_CONF2ACK] = zs_ignore,
		[ZMSG_COMMIT] = zs_ignore,
		[ZMSG_DHPART1] = zs_ignore,
		[ZMSG_DHPART2] = zs_ignore,
		[ZMSG_GOCLEAR] = zs_on_goclear,
		[ZMSG_CLEARACK] = zs_on_clearack,
		[ZMSG_SASRELAY] = zs_on_sasrelay,
		[ZMSG_RELAYACK] = zs_on_relayack,
	},
	[ZS_CLEAR] = {
		ZS_ALWAYS,
		[ZEV_TIMER] = zs_on_timer_secure,
		[ZMSG_HELLO] = zs_ignore,
		[ZMSG_ERROR] = zs_on_error_clear,
		[ZMSG_PING] = zs_on_ping,
		[ZMSG_GOCLEAR] = zs_on_goclear_again,
	},
	[ZS_ERROR_SENT] = {
		ZS_OVER,
		[ZMSG_ERRORACK] = zs_on_erroracks,
		[ZEV_TIMER] = zs_on_timer_error,
	},
	[ZS_FAILED] = {
		ZS_OVER,
	},
};

/*
 * §5.9 and STYLE.md: one place decides what an unexpected message gets.
 * Messages out of order are dropped: a late or forged packet changes
 * nothing, and the retransmission timers recover from genuine loss.
 */
static enum zs_state
zs_fsm_unexpected(struct zsession *s, int ev, const struct zpkt *pkt)
{
	(void)ev;
	(void)pkt;
	return s->state;
}

/*
 * The only assignment of s->state; the caller's timer follows it. An
 * ended exchange's block goes here, after its last handler returned:
 * the error-sent and failed states' cells read none of it (our Error is
 * resent from s->confirm).
 */
static void
zs_set_state(struct zsession *s, enum zs_state st)
{
	if (st == ZS_ERROR_SENT || st == ZS_FAILED)
		zs_release_exchange(s);
	s->state = st;
	zs_timer_sync(s);	/* secure or over: no handshake deadline */
}

int
zs_fsm_step(struct zsession *s, int ev, const struct zpkt *pkt)
{
	enum zs_state next;
	zs_fsm_fn fn;

	if (ev < 0 || ev >= ZEV_COUNT)
		return ZE_INVAL;
	fn = zs_fsm[s->state][ev];
	next = fn != NULL ? fn(s, pkt) : zs_fsm_unexpected(s, ev, pkt);
	/* A failure wins over whatever its handler went on to return. */
	if (s->ending != ZS_INIT && next != ZS_ERROR_SENT && next != ZS_FAILED)
		next = s->ending;
	zs_set_state(s, next);
	return 0;
}

enum zs_state
zs_stop(const struct zsession *s)
{
	return s->ending != ZS_INIT ? s->ending : s->state;
}

enum zs_state
zs_sent(struct zsession *s, int r, enum zs_state next)
{
	if (r == 0)
		return next;
	if (s->ending != ZS_INIT)
		return s->ending;
	return zs_fail(s, ZC_INTERNAL, r, NULL);
}

/*
 * After a user call (verdict, enrollment, GoClear, SASrelay) that queued
 * actions: an overflow among them ends the session, and only
 * zs_fsm_step() may say so.
 */
int
zs_settle(struct zsession *s, int r)
{
	if (s->ending != ZS_INIT && s->ending != s->state)
		(void)zs_fsm_step(s, ZEV_SYNC, NULL);
	return r;
}

int
zs_in_handshake(enum zs_state st)
{
	return zs_states[st].handshake;
}

void
zs_config_defaults(struct zs_config *c)
{
	static const struct zs_timers t = {
		50, 200, 20, 60, 150, 1200, 10, 60000
	};

	memset(c, 0, sizeof(*c));
	zalgo_defaults(c->count, c->algo);
	memcpy(c->client_id, "zrtpd 0.1       ", ZRTP_CID_LEN);
	c->cache_expiry = 0xffffffff;
	c->timers = t;
}

/*
 * Process-wide: session ids (a job names its session by id, never by
 * pointer) and the admission bound zs_init() sets, so that sessions never
 * outgrow the locked pool. Atomic: loops on several threads may create
 * and free sessions.
 */
static atomic_uint_fast64_t	zs_next_id = 1;
static atomic_size_t		zs_live, zs_max;

/*
 * The arena's classes (crypto/arena.h) per session: its secrets; small
 * slots for its call's secrets, its key pair's secret and two of its
 * caller's (the daemon's SRTP keys in keys mode, the store it keeps for
 * the session's peer while calls with it overlap); middle slots for one
 * job's secret buffer and one of its caller's (a cache job). A slot
 * request that finds its class full takes a larger class's slot.
 */
#define ZS_ARENA_SMALL		128
#define ZS_ARENA_MID		512
#define ZS_ARENA_SMALL_PER	4
#define ZS_ARENA_MID_PER	2
#define ZS_ARENA_SPARE		16	/* per class, beyond the sessions' */
_Static_assert(sizeof(struct zcall_secrets) <= ZS_ARENA_SMALL &&
    ZKEX_SV_MAX <= ZS_ARENA_SMALL && ZKEX_RESULT_MAX <= ZS_ARENA_MID,
    "the engine's blocks fit the classes zs_init() sizes");

size_t
zs_secure_bytes(void)
{
	return zarena_slot_bytes(sizeof(struct zs_secrets)) +
	    ZS_ARENA_SMALL_PER * zarena_slot_bytes(ZS_ARENA_SMALL) +
	    ZS_ARENA_MID_PER * zarena_slot_bytes(ZS_ARENA_MID);
}

/*
 * The arena for max_sessions sessions and threads threads (a zrand_pool
 * each, in the largest class); 0 when out of range.
 */
static size_t
zs_arena_classes(size_t max_sessions, size_t threads,
    struct zarena_class c[4])
{
	if (max_sessions == 0 || threads == 0 ||
	    max_sessions > UINT32_MAX / 4 - ZS_ARENA_SPARE ||
	    threads > UINT32_MAX / 4 - ZS_ARENA_SPARE)
		return 0;
	c[0].size = ZS_ARENA_SMALL;
	c[0].count = ZS_ARENA_SMALL_PER * max_sessions + ZS_ARENA_SPARE;
	c[1].size = ZS_ARENA_MID;
	c[1].count = ZS_ARENA_MID_PER * max_sessions + ZS_ARENA_SPARE;
	c[2].size = sizeof(struct zs_secrets);
	c[2].count = max_sessions + ZS_ARENA_SPARE;
	c[3].size = ZCRYPTO_ARENA_PAGE;
	c[3].count = threads + ZS_ARENA_SPARE;
	return 4;
}

/*
 * libgcrypt's own pool: no session's secret is there any more, only what
 * a computing thread holds for a while (ZCRYPTO_SECMEM_THREAD) and
 * libgcrypt's own; 0 when out of range.
 */
static size_t
zs_pool_bytes(size_t threads)
{
	if (threads == 0 || threads > (SIZE_MAX / 4) / ZCRYPTO_SECMEM_THREAD)
		return 0;
	return threads * ZCRYPTO_SECMEM_THREAD + ZCRYPTO_SECMEM_DEFAULT;
}

size_t
zs_locked_bytes(size_t max_sessions, size_t threads)
{
	struct zarena_class c[4];
	size_t n = zs_arena_classes(max_sessions, threads, c);
	size_t pool = zs_pool_bytes(threads);

	return n == 0 || pool == 0 ? 0 : zcrypto_locked_bytes(pool, c, n);
}

int
zs_init(size_t max_sessions, size_t threads)
{
	struct zarena_class c[4];
	size_t n = zs_arena_classes(max_sessions, threads, c);
	size_t pool = zs_pool_bytes(threads);
	int r;

	if (n == 0 || pool == 0)
		return ZE_INVAL;
	if ((r = zcrypto_init_arena(pool, c, n)) != 0)
		return r;
	atomic_store(&zs_max, max_sessions);
	return 0;
}

static void
zs_msgbuf_set(struct zs_msgbuf *mb, uint8_t *b, size_t cap)
{
	mb->b = b;
	mb->cap = cap;
	mb->len = 0;
}

/* Each kept message's buffer, sized for what it may hold. */
static void
zs_msgbufs_init(struct zsession *s)
{
	zs_msgbuf_set(&s->hello, s->ex->hello_b[0], ZS_HELLO_MAX);
	zs_msgbuf_set(&s->peer_hello, s->ex->hello_b[1], ZS_HELLO_MAX);
	zs_msgbuf_set(&s->commit, s->ex->commit_b[0], ZS_COMMIT_MAX);
	zs_msgbuf_set(&s->peer_commit, s->ex->commit_b[1], ZS_COMMIT_MAX);
	zs_msgbuf_set(&s->dhpart, s->ex->dhpart_b[0], ZS_MSG_MAX);
	zs_msgbuf_set(&s->peer_dhpart, s->ex->dhpart_b[1], ZS_MSG_MAX);
	zs_msgbuf_set(&s->confirm, s->confirm_b, ZS_CONFIRM_MAX);
}

/*
 * Secure: the exchange's messages and decoded Hello and Commit go
 * (docs/engine.md, "What a secure session keeps"). In the secure and
 * clear states a retransmitted Hello gets a HelloACK, a Confirm2 a
 * Conf2ACK, and a Commit, DHPart or Confirm1 is dropped, all without
 * them; nothing resends them (s->retx is our Confirm2 until Conf2ACK,
 * then GoClear, SASrelay or Error, all in s->confirm).
 */
void
zs_release_exchange(struct zsession *s)
{
	if (s->ex == NULL)
		return;
	zkex_clear(&s->ex->kp);
	if (s->retx != NULL && s->retx != &s->confirm)
		zs_retransmit_stop(s);	/* never: the handshake stopped it */
	zs_msgbuf_set(&s->hello, NULL, 0);
	zs_msgbuf_set(&s->peer_hello, NULL, 0);
	zs_msgbuf_set(&s->commit, NULL, 0);
	zs_msgbuf_set(&s->peer_commit, NULL, 0);
	zs_msgbuf_set(&s->dhpart, NULL, 0);
	zs_msgbuf_set(&s->peer_dhpart, NULL, 0);
	s->peer_pv.p = NULL;
	s->peer_pv.len = 0;
	free(s->ex);
	s->ex = NULL;
}

/* The datagrams handed out are the caller's until it calls again. */
static void
zs_outbox_release(struct zsession *s)
{
	size_t i;

	for (i = 0; i < ZS_OUTBOX; i++) {
		free(s->outbox[i]);
		s->outbox[i] = NULL;
		s->outbox_len[i] = 0;
	}
}

struct zsession *
zs_new(const struct zs_config *cfg, const struct zs_env *env)
{
	uint8_t h0[ZRTP_HASH_IMAGE_LEN];
	struct zsession *s;
	struct zs_config c;
	size_t max = atomic_load(&zs_max);
	int r;

	if (cfg == NULL || env == NULL || env->random == NULL)
		return NULL;
	/*
	 * The Hello offers only what we run, with what §5.1.5 couples to it:
	 * a list the configuration parser would refuse is refused here too.
	 */
	c = *cfg;
	if (zalgo_complete(c.count, c.algo, c.preshared, NULL, 0) != 0)
		return NULL;
	if (atomic_fetch_add(&zs_live, 1) >= max && max != 0) {
		atomic_fetch_sub(&zs_live, 1);
		return NULL;
	}
	/* The session in ordinary memory, its secrets in locked memory. */
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->ex = calloc(1, sizeof(*s->ex))) == NULL ||
	    (s->sec = zsecure_alloc(sizeof(*s->sec))) == NULL ||
	    (s->call = cfg->call != NULL ? zcall_ref(cfg->call) :
	    zcall_new(NULL, 0)) == NULL) {
		if (s != NULL) {
			zsecure_free(s->sec, sizeof(*s->sec));
			free(s->ex);
		}
		free(s);
		atomic_fetch_sub(&zs_live, 1);
		return NULL;
	}
	memset(s->sec, 0, sizeof(*s->sec));
	zs_msgbufs_init(s);
	s->id = atomic_fetch_add(&zs_next_id, 1);
	s->cfg = c;
	s->cfg.call = s->call;
	s->env = *env;
	/* The hash chain and Hello now: zs_hello_hash() before zs_start(). */
	zs_random(s, &s->seq, sizeof(s->seq));
	zs_random(s, h0, sizeof(h0));
	r = zchain_from_h0(&s->sec->chain, h0);
	zwipe(h0, sizeof(h0));
	if (r != 0 || zs_build_hello(s) != 0) {
		zs_free(s);
		return NULL;
	}
	return s;
}

/*
 * A job still in the queue is ours; one the caller drained is the
 * caller's, and comes back through zs_kex_done() or zs_kex_job_free().
 */
void
zs_free(struct zsession *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->q_len; i++) {
		struct zs_action *a = &s->sec->q[(s->q_head + i) %
		    ZS_QUEUE_MAX];

		if (a->type == ZSA_KEX)
			zs_kex_job_free(a->u.kex);
	}
	zcall_unref(s->call);
	zsecure_free(s->sec, sizeof(*s->sec));
	zs_release_exchange(s);
	zs_outbox_release(s);
	zwipe(s, sizeof(*s));
	free(s);
	atomic_fetch_sub(&zs_live, 1);
}

uint64_t
zs_id(const struct zsession *s)
{
	return s->id;
}

void
zs_random(struct zsession *s, void *buf, size_t len)
{
	s->env.random(s->env.random_arg, buf, len);
}

/*
 * The action queue or outbox overflowed: an engine bug, never a peer's
 * doing (one event queues a handful of actions). The session fails
 * rather than silently lose a packet or a timer.
 */
static void
zs_overflow(struct zsession *s)
{
	struct zs_action *a;

	if (s->ending != ZS_INIT)
		return;		/* every ended session has one */
	s->ending = ZS_FAILED;	/* zs_fsm_step() takes it there */
	s->retx = NULL;
	zs_wipe_secrets(s);
	if ((a = zs_push(s, ZSA_FAILED)) != NULL) {
		a->u.failed.code = ZC_QUEUE_FULL;
		a->u.failed.error = zcode_err(ZC_QUEUE_FULL);
		a->u.failed.what = zcode_text(ZC_QUEUE_FULL);
	}
}

struct zs_action *
zs_push(struct zsession *s, enum zs_action_type t)
{
	struct zs_action *a;

	/* The last slot is kept for the failure an overflow turns into. */
	if (s->q_len >= ZS_QUEUE_MAX - 1 && t != ZSA_FAILED) {
		zs_overflow(s);
		return NULL;
	}
	if (s->q_len == ZS_QUEUE_MAX)
		return NULL;
	a = &s->sec->q[(s->q_head + s->q_len++) % ZS_QUEUE_MAX];
	memset(a, 0, sizeof(*a));
	a->type = t;
	return a;
}

int
zs_next_action(struct zsession *s, struct zs_action *a)
{
	if (s->sends_queued == 0)
		zs_outbox_release(s);
	if (s->q_len == 0)
		return 0;
	*a = s->sec->q[s->q_head];
	if (a->type == ZSA_SEND)
		s->sends_queued--;
	zwipe(&s->sec->q[s->q_head], sizeof(s->sec->q[0]));
	s->q_head = (s->q_head + 1) % ZS_QUEUE_MAX;
	s->q_len--;
	return 1;
}

/* §5: each packet sent, retransmissions included, takes the next seq. */
int
zs_send(struct zsession *s, const struct zs_msgbuf *m)
{
	size_t cap = m->len + ZRTP_PKT_OVERHEAD, i = s->outbox_next;
	struct zs_action *a;
	uint8_t *out;
	size_t len;
	int r;

	/* A slot is reused only once its earlier send was drained. */
	if (s->sends_queued == ZS_OUTBOX) {
		zs_overflow(s);
		return ZE_NOSPACE;
	}
	if (m->b == NULL || m->len > ZS_MSG_MAX)
		return ZE_INVAL;
	if (s->outbox_len[i] < cap) {
		free(s->outbox[i]);
		s->outbox_len[i] = 0;
		if ((s->outbox[i] = malloc(cap)) == NULL)
			return ZE_NOMEM;
		s->outbox_len[i] = cap;
	}
	out = s->outbox[i];
	if ((r = zpkt_wrap(s->seq++, s->cfg.ssrc, m->b, m->len, out,
	    s->outbox_len[i], &len)) != 0)
		return r;
	if ((a = zs_push(s, ZSA_SEND)) == NULL)
		return ZE_NOSPACE;
	s->outbox_next = (s->outbox_next + 1) % ZS_OUTBOX;
	s->sends_queued++;
	a->u.send.p = out;
	a->u.send.len = len;
	return 0;
}

/*
 * The caller's one timer: the earlier of the next retransmission and,
 * until secure, the handshake deadline. Re-armed only when that changes.
 */
static void
zs_timer_sync(struct zsession *s)
{
	uint64_t due = s->retx != NULL ? s->retx_due : 0;
	struct zs_action *a;

	if (s->deadline != 0 && zs_in_handshake(s->state) &&
	    (due == 0 || s->deadline < due))
		due = s->deadline;
	if (due == s->armed_at)
		return;
	s->armed_at = due;
	if ((a = zs_push(s, ZSA_TIMER)) != NULL)
		a->u.timer_ms = due == 0 ? 0 : due > s->now ?
		    (uint32_t)(due - s->now) : 1;
}

static void
zs_arm(struct zsession *s, uint32_t ms)
{
	s->retx_due = ms != 0 ? s->now + ms : 0;
	zs_timer_sync(s);
}

/* Send m now and resend it on the T1 (Hello) or T2 schedule (§6). */
void
zs_retransmit_start(struct zsession *s, const struct zs_msgbuf *m,
    int hello_schedule)
{
	const struct zs_timers *t = &s->cfg.timers;

	s->retx = m;
	s->retx_ms = hello_schedule ? t->t1_ms : t->t2_ms;
	s->retx_cap_ms = hello_schedule ? t->t1_cap_ms : t->t2_cap_ms;
	s->retx_left = hello_schedule ? t->t1_tries : t->t2_tries;
	zs_arm(s, s->retx_ms);
}

void
zs_retransmit_stop(struct zsession *s)
{
	s->pending = ZS_PENDING_NONE;
	if (s->retx == NULL)
		return;
	s->retx = NULL;
	zs_timer_sync(s);
}

enum zs_retx { ZS_RETX_IDLE, ZS_RETX_SENT, ZS_RETX_EXHAUSTED };

/* The retransmission due now, if any (§6), doubling up to the cap. */
static enum zs_retx
zs_retransmit_due(struct zsession *s, int *r)
{
	*r = 0;
	if (s->retx == NULL || s->now < s->retx_due)
		return ZS_RETX_IDLE;
	if (s->retx_left == 0) {
		s->retx = NULL;
		return ZS_RETX_EXHAUSTED;
	}
	s->retx_left--;
	s->retx_ms = s->retx_ms * 2 > s->retx_cap_ms ? s->retx_cap_ms :
	    s->retx_ms * 2;
	zs_arm(s, s->retx_ms);
	*r = zs_send(s, s->retx);
	return ZS_RETX_SENT;
}

/* During the exchange: the deadline, then the message being resent. */
enum zs_state
zs_on_timer(struct zsession *s, const struct zpkt *pkt)
{
	int r;

	(void)pkt;
	/* No exchange may run forever, whatever the peer does or omits. */
	if (s->deadline != 0 && s->now >= s->deadline)
		return zs_timeout(s, "handshake did not complete in time");
	switch (zs_retransmit_due(s, &r)) {
	case ZS_RETX_EXHAUSTED:
		return zs_timeout(s,
		    "retransmissions exhausted without an answer");
	case ZS_RETX_SENT:
		if (r == 0 && s->retx == &s->hello)
			r = zs_hello_resent(s);
		return zs_sent(s, r, s->state);
	default:
		return s->state;
	}
}

/* Secure or clear: our GoClear or SASrelay, until acknowledged. */
enum zs_state
zs_on_timer_secure(struct zsession *s, const struct zpkt *pkt)
{
	int r, what = s->pending;

	(void)pkt;
	switch (zs_retransmit_due(s, &r)) {
	case ZS_RETX_EXHAUSTED:
		s->pending = ZS_PENDING_NONE;
		if (what == ZS_PENDING_SASRELAY)
			zs_alert(s, ZC_SASRELAY_UNANSWERED, NULL);
		if (what != ZS_PENDING_GOCLEAR)
			return s->state;
		/* §4.7.2: an unanswered GoClear still destroys keys. */
		zs_alert(s, ZC_GOCLEAR_UNANSWERED, NULL);
		zs_go_clear_keys(s);
		return zs_push(s, ZSA_CLEAR) != NULL ? ZS_CLEAR : zs_stop(s);
	case ZS_RETX_SENT:
		return zs_sent(s, r, s->state);
	default:
		return s->state;
	}
}

/* Our Error, until ErrorACK or the schedule's end (§6). */
enum zs_state
zs_on_timer_error(struct zsession *s, const struct zpkt *pkt)
{
	int r;

	(void)pkt;
	switch (zs_retransmit_due(s, &r)) {
	case ZS_RETX_EXHAUSTED:
		return ZS_FAILED;
	default:
		return s->state;	/* a send failure changes nothing now */
	}
}

/* Failure or clear: no key, retained secret or preshared key survives. */
void
zs_wipe_secrets(struct zsession *s)
{
	zs_drop_key_pair(s);
	zkeys_clear(&s->sec->keys);
	zwipe(&s->sec->cache, sizeof(s->sec->cache));
	zwipe(s->sec->psk, sizeof(s->sec->psk));
	zwipe(&s->sec->last_store, sizeof(s->sec->last_store));
	s->stored = s->store_deferred = s->pbx_deferred = 0;
}

/* The key pair goes now; one an AGREE job holds goes with the job. */
void
zs_drop_key_pair(struct zsession *s)
{
	if (s->ex != NULL)
		zkex_clear(&s->ex->kp);
}

/*
 * A job of op for this session, named by its id and a new generation;
 * sec_len bytes of secure memory for its secret input or output.
 */
struct zs_kex_job *
zs_job_new(struct zsession *s, int op, size_t sec_len)
{
	struct zs_kex_job *job;

	if ((job = calloc(1, sizeof(*job))) == NULL)
		return NULL;
	if ((job->sec = zsecure_alloc(sec_len)) == NULL) {
		free(job);
		return NULL;
	}
	memset(job->sec, 0, sec_len);
	job->sec_len = sec_len;
	job->sid = s->id;
	job->gen = ++s->job_gen;
	job->op = op;
	job->alg = s->kex;
	return job;
}

/* One key-agreement job out at a time; the queue owns it until drained. */
int
zs_push_job(struct zsession *s, struct zs_kex_job *job)
{
	struct zs_action *a;

	if (job == NULL)
		return ZE_NOMEM;
	if (s->job_pending || (a = zs_push(s, ZSA_KEX)) == NULL) {
		zs_kex_job_free(job);
		return ZE_INVAL;
	}
	a->u.kex = job;
	s->job_pending = 1;
	s->job_bytes = sizeof(*job) + job->sec_len + job->kp.sv_len;
	return 0;
}

void
zs_kex_job_free(struct zs_kex_job *job)
{
	if (job == NULL)
		return;
	zkex_clear(&job->kp);
	zsecure_free(job->sec, job->sec_len);
	zwipe(job, sizeof(*job));
	free(job);
}

uint64_t
zs_kex_job_session(const struct zs_kex_job *job)
{
	return job->sid;
}

void
zs_alert(struct zsession *s, int code, const char *what)
{
	struct zs_action *a;

	if ((a = zs_push(s, ZSA_ALERT)) != NULL) {
		a->u.alert.code = code;
		a->u.alert.text = what != NULL ? what : zcode_text(code);
	}
}

/*
 * An unauthenticated packet that would end the exchange (docs/engine.md):
 * dropped with an alert, so a forgery costs only itself, and kept as the
 * reason should the exchange time out (the peer then gets this code).
 */
void
zs_refuse(struct zsession *s, int code, const char *what)
{
	zs_alert(s, code, what);
	if (zs_in_handshake(s->state)) {
		s->refused_code = code;
		s->refused_what = what;
	}
}

/* No answer in time: the last refused packet's reason, if any (§6). */
static enum zs_state
zs_timeout(struct zsession *s, const char *what)
{
	if (s->refused_code != ZC_NONE)
		return zs_fail(s, s->refused_code, 0, s->refused_what);
	return zs_fail(s, ZC_TIMEOUT, 0, what);
}

/*
 * End the session: report code (with cause, the local error behind it,
 * when there is one), wipe keys, and when the code has a §5.9 value send
 * an Error with it, resent until ErrorACK (§6). Returns the state the
 * session goes to, which zs_fsm_step() also holds it to.
 */
enum zs_state
zs_fail(struct zsession *s, int code, int cause, const char *what)
{
	uint32_t wire = zcode_wire(code);
	struct zs_action *a;
	struct zmsg m;

	if (s->ending != ZS_INIT)
		return s->ending;	/* reported once */
	zs_retransmit_stop(s);
	if ((a = zs_push(s, ZSA_FAILED)) != NULL) {
		a->u.failed.code = code;
		a->u.failed.error = cause != 0 ? cause : zcode_err(code);
		a->u.failed.wire_code = wire;
		a->u.failed.what = what != NULL ? what : zcode_text(code);
	}
	zs_wipe_secrets(s);
	s->ending = wire == 0 ? ZS_FAILED : ZS_ERROR_SENT;
	if (wire == 0)
		return s->ending;
	memset(&m, 0, sizeof(m));
	m.type = ZMSG_ERROR;
	m.u.error.code = wire;
	if (zs_build(s, &m, &s->confirm, NULL) == 0) {
		zs_retransmit_start(s, &s->confirm, 0);
		(void)zs_send(s, &s->confirm);
	}
	return s->ending;
}

int
zs_build(struct zsession *s, const struct zmsg *m, struct zs_msgbuf *mb,
    const uint8_t *mac_key)
{
	struct zwbuf w;
	int r;

	(void)s;
	zwbuf_init(&w, mb->b, mb->cap);
	if ((r = zmsg_encode(m, &w)) != 0)
		return r;
	mb->len = w.len;
	if (mac_key != NULL)
		return zmsg_mac_seal(mb->b, mb->len, mac_key);
	return 0;
}

int
zs_keep(struct zs_msgbuf *mb, const struct zview *raw)
{
	if (raw->len > mb->cap)
		return ZE_BAD_LENGTH;
	memcpy(mb->b, raw->p, raw->len);
	mb->len = raw->len;
	return 0;
}

enum zs_state
zs_ignore(struct zsession *s, const struct zpkt *pkt)
{
	(void)pkt;
	return s->state;
}

/*
 * HelloACK, Conf2ACK, ErrorACK, ClearACK, RelayACK: a type block and no
 * body, encoded by the message layer like every other message.
 */
int
zs_send_ack(struct zsession *s, enum zmsg_type type)
{
	uint8_t b[ZS_MSG_MAX];
	struct zs_msgbuf mb = { b, sizeof(b), 0 };
	struct zmsg m;
	int r;

	memset(&m, 0, sizeof(m));
	m.type = type;
	if ((r = zs_build(s, &m, &mb, NULL)) != 0)
		return r;
	return zs_send(s, &mb);
}

enum zs_state
zs_on_ping(struct zsession *s, const struct zpkt *pkt)
{
	uint8_t b[ZS_MSG_MAX];
	struct zs_msgbuf mb = { b, sizeof(b), 0 };
	struct zmsg m;
	int r;

	/* §5.16: answer every Ping; our EndpointHash is the truncated ZID. */
	memset(&m, 0, sizeof(m));
	m.type = ZMSG_PINGACK;
	memcpy(m.u.pingack.version, "1.10", ZRTP_VERSION_LEN);
	memcpy(m.u.pingack.ep_hash, s->cfg.zid, ZRTP_EPHASH_LEN);
	memcpy(m.u.pingack.ping_ep_hash, pkt->msg.u.ping.ep_hash,
	    ZRTP_EPHASH_LEN);
	m.u.pingack.ping_ssrc = pkt->ssrc;
	if ((r = zs_build(s, &m, &mb, NULL)) == 0)
		r = zs_send(s, &mb);
	return zs_sent(s, r, s->state);
}

/* §5.10: every Error is acknowledged. */
static int
zs_ack_error(struct zsession *s)
{
	return zs_send_ack(s, ZMSG_ERRORACK);
}

/*
 * §4.7.1: an Error ends the exchange in progress. Before the peer's Hello
 * no source is the peer's yet: refused like any forgery (and reported if
 * nothing follows), so one from another SSRC cannot end the set-up.
 */
enum zs_state
zs_on_error(struct zsession *s, const struct zpkt *pkt)
{
	struct zs_action *a;
	int r;

	if ((r = zs_ack_error(s)) != 0)
		return zs_sent(s, r, s->state);
	if (!s->have_peer_ssrc) {
		zs_refuse(s, ZC_PEER_ERROR,
		    "an Error before any Hello from the peer: refused");
		return s->state;
	}
	zs_retransmit_stop(s);
	if ((a = zs_push(s, ZSA_FAILED)) != NULL) {
		a->u.failed.code = ZC_PEER_ERROR;
		a->u.failed.error = zcode_err(ZC_PEER_ERROR);
		a->u.failed.wire_code = pkt->msg.u.error.code;
		a->u.failed.from_peer = 1;
		a->u.failed.what = zcode_text(ZC_PEER_ERROR);
	}
	zs_wipe_secrets(s);
	return s->ending = ZS_FAILED;
}

/*
 * Secure: it carries no MAC, so after both sides confirmed an Error is
 * only reported (§4.7.1), unless it refuses our GoClear (§4.7.2).
 */
enum zs_state
zs_on_error_secure(struct zsession *s, const struct zpkt *pkt)
{
	int r;

	if ((r = zs_ack_error(s)) != 0)
		return zs_sent(s, r, s->state);
	if (pkt->msg.u.error.code == ZWE_GOCLEAR &&
	    s->pending == ZS_PENDING_GOCLEAR) {
		zs_retransmit_stop(s);
		zs_alert(s, ZC_GOCLEAR_DENIED, NULL);
	} else
		zs_alert(s, ZC_ERROR_AFTER_SECURE, NULL);
	return s->state;
}

enum zs_state
zs_on_error_clear(struct zsession *s, const struct zpkt *pkt)
{
	int r;

	(void)pkt;
	if ((r = zs_ack_error(s)) != 0)
		return zs_sent(s, r, s->state);
	zs_alert(s, ZC_ERROR_AFTER_SECURE, NULL);
	return s->state;
}

/* Over: acknowledged, reported once already. */
enum zs_state
zs_on_error_again(struct zsession *s, const struct zpkt *pkt)
{
	(void)pkt;
	(void)zs_ack_error(s);
	return s->state;
}

enum zs_state
zs_on_erroracks(struct zsession *s, const struct zpkt *pkt)
{
	(void)pkt;
	zs_retransmit_stop(s);
	return ZS_FAILED;
}

/* A job that comes back after the session ended: its work is dropped. */
enum zs_state
zs_on_kex_late(struct zsession *s, const struct zpkt *pkt)
{
	(void)pkt;
	return s->state;
}

enum zs_state
zs_on_start(struct zsession *s, const struct zpkt *pkt)
{
	(void)pkt;
	if (s->cfg.timers.handshake_ms != 0)
		s->deadline = s->now + s->cfg.timers.handshake_ms;
	return zs_sent(s, zs_send_hello(s), ZS_DISCOVERY);
}

int
zs_start(struct zsession *s, uint64_t now_ms)
{
	if (s->state != ZS_INIT)
		return ZE_INVAL;
	s->now = now_ms;
	return zs_fsm_step(s, ZEV_START, NULL);
}

int
zs_receive(struct zsession *s, uint64_t now_ms, const uint8_t *p, size_t len)
{
	struct zpkt pkt;
	int r;

	s->now = now_ms;
	s->rx_proven = 0;
	if (s->state == ZS_INIT)
		return 0;
	/* §5: a CRC failure is dropped silently; so is non-ZRTP. */
	if ((r = zpkt_decode(p, len, &pkt)) != 0 && (r == ZE_BAD_CRC ||
	    r == ZE_BAD_COOKIE || r == ZE_BAD_HEADER || r == ZE_TRUNCATED))
		return 0;
	/* Once the peer's SSRC is known, other sources are not the peer. */
	if (s->have_peer_ssrc && pkt.ssrc != s->peer_ssrc)
		return 0;
	/*
	 * §9: nothing below is authenticated, so none of it ends the
	 * exchange at once (docs/engine.md): an unknown type may be an
	 * extension's (§5.1.1), a malformed message or our own SSRC
	 * (§4.1) is refused, and reported if nothing valid follows.
	 */
	if (r == ZE_BAD_TYPE) {
		zs_alert(s, ZC_UNKNOWN_MESSAGE, NULL);
		return 0;
	}
	if (r != 0) {
		zs_refuse(s, ZC_MALFORMED, "malformed ZRTP message: dropped");
		return 0;
	}
	if (pkt.ssrc == s->cfg.ssrc) {
		zs_refuse(s, ZC_SSRC_COLLISION,
		    "a ZRTP packet with our own SSRC: dropped");
		return 0;
	}
	return zs_fsm_step(s, (int)pkt.msg.type, &pkt);
}

int
zs_timer(struct zsession *s, uint64_t now_ms)
{
	s->now = now_ms;
	s->armed_at = 0;	/* the caller's timer has fired */
	return zs_fsm_step(s, ZEV_TIMER, NULL);
}

/*
 * Consumes job whatever happens. A job that is not this session's
 * outstanding one (another session's, or an older generation) changes
 * nothing: ZE_INVAL.
 */
int
zs_kex_done(struct zsession *s, uint64_t now_ms, struct zs_kex_job *job)
{
	int r;

	if (job == NULL)
		return ZE_INVAL;
	if (!s->job_pending || job->sid != s->id || job->gen != s->job_gen) {
		zs_kex_job_free(job);
		return ZE_INVAL;
	}
	s->now = now_ms;
	s->job_pending = 0;
	s->job_bytes = 0;
	/* A session that ended meanwhile discards the work (zs_on_kex_late). */
	if (s->ending == ZS_INIT && s->ex != NULL &&
	    job->op == ZS_KEX_GENERATE && job->status == 0) {
		/* The new key pair moves into the session. */
		zkex_clear(&s->ex->kp);
		s->ex->kp = job->kp;
		memset(&job->kp, 0, sizeof(job->kp));
	}
	s->done = job;
	r = zs_fsm_step(s, ZEV_KEX_DONE, NULL);
	s->done = NULL;
	zs_kex_job_free(job);
	return r;
}

int
zs_cache_loaded(struct zsession *s, uint64_t now_ms,
    const struct zs_cache_entry *e)
{
	s->now = now_ms;
	if (s->cache_loaded || s->state == ZS_INIT)
		return ZE_INVAL;
	s->cache_loaded = 1;
	s->cache_error = e->error;
	/* Kept only by a session still running (zs_on_cache()). */
	if (e->error == 0 && s->ending == ZS_INIT)
		s->sec->cache = *e;
	return zs_fsm_step(s, ZEV_READY, NULL);
}

/* Touches nothing but the job: any thread. */
void
zs_kex_run(struct zs_kex_job *job)
{
	if (job->op == ZS_KEX_GENERATE) {
		job->status = zkex_from_random(&job->kp, job->alg, job->sec,
		    job->sec_len);
		zwipe(job->sec, job->sec_len);
	} else {
		job->status = zkex_agree(&job->kp, job->peer_pv,
		    job->peer_pv_len, job->sec);
		zkex_clear(&job->kp);	/* used once */
	}
}

enum zs_role
zs_role(const struct zsession *s)
{
	return s->role;
}

const char *
zs_state_name(const struct zsession *s)
{
	return zs_states[s->state].name;
}

int
zs_is_secure(const struct zsession *s)
{
	return s->state == ZS_SECURE;
}

uint32_t
zs_algo(const struct zsession *s, enum zalgo_kind kind)
{
	return (unsigned)kind < ZALGO_KIND_COUNT ? s->algo[kind] : 0;
}

const uint8_t *
zs_zrtp_sess(const struct zsession *s, size_t *len)
{
	/* After GoClear, the replaced ZRTPSess (§4.7.2.1). */
	if ((s->state != ZS_SECURE && s->state != ZS_CLEAR) ||
	    s->mode == ZMODE_MULT || s->sec->keys.hash_len == 0)
		return NULL;
	*len = s->sec->keys.hash_len;
	return s->sec->keys.zrtp_sess;
}

const uint8_t *
zs_exported_key(const struct zsession *s, size_t *len)
{
	if (s->state != ZS_SECURE || s->mode == ZMODE_MULT)
		return NULL;
	*len = s->sec->keys.hash_len;
	return s->sec->keys.exported_key;
}

const uint8_t *
zs_commit_nonce(const struct zsession *s)
{
	return s->mode != ZMODE_DH && s->role != ZS_ROLE_NONE ? s->nonce :
	    NULL;
}

const char *
zs_hello_hash(const struct zsession *s)
{
	return s->hello_hash;
}

/*
 * Never reads a job: a worker may be using it. The call is counted whole
 * for each of its streams (an upper bound: a session alone has its own).
 */
int
zs_received_proven(const struct zsession *s)
{
	return s->rx_proven;
}

size_t
zs_memory(const struct zsession *s)
{
	size_t i, n = 0;

	for (i = 0; i < ZS_OUTBOX; i++)
		n += s->outbox_len[i];
	return sizeof(*s) + sizeof(*s->sec) + sizeof(*s->call) +
	    sizeof(*s->call->sec) + n +
	    (s->ex != NULL ? sizeof(*s->ex) : 0) +
	    (s->ex != NULL && s->ex->kp.sv != NULL ? s->ex->kp.sv_len : 0) +
	    s->job_bytes;
}
