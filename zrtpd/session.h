/*
 * One media stream: its media UDP socket facing the remote endpoint, its
 * loopback socket facing the application, its ZRTP engine, and (relay
 * mode) its SRTP contexts. The API the control commands use; what happens
 * inside (sockets and demux, engine actions, relay) is session_io.c,
 * session_zrtp.c, relay.c, cachejob.c.
 */
#ifndef ZRTPD_SESSION_H
#define ZRTPD_SESSION_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <stdint.h>

#include <event2/event.h>
#include <jansson.h>

#include "cache.h"
#include "config.h"
#include "daemon.h"
#include "engine.h"
#include "hashchain.h"
#include "srtp.h"
#include "control.h"

enum zd_mode {
	ZD_MODE_RELAY,	/* plain RTP on the loopback port, SRTP on the wire */
	ZD_MODE_KEYS	/* the application carries media; keys handed out */
};

/* Security states of the ZRTP user-interface guidelines (protocol doc). */
enum zd_state {
	ZD_ST_NOT_SECURE,	/* no ZRTP yet, failed, or gone clear */
	ZD_ST_GOING_SECURE,	/* ZRTP exchange running */
	ZD_ST_SECURE,		/* keys in use, SAS not verified */
	ZD_ST_VERIFIED,		/* keys in use, SAS verified */
	ZD_ST_CACHE_MISMATCH,	/* keys in use, earlier secret not proven */
	ZD_ST_SAS_MISMATCH,	/* the user said the SAS differs */
	ZD_ST_COUNT_
};

/* §7.3.1: a PBX's enrollment request on this session (enroll.c). */
enum zd_enroll {
	ZD_ENROLL_NONE,		/* none asked */
	ZD_ENROLL_PENDING,	/* asked; the person has not answered */
	ZD_ENROLL_STORING,	/* accepted; pbxsecret not yet on disk */
	ZD_ENROLL_ACCEPTED,	/* pbxsecret stored */
	ZD_ENROLL_DECLINED,	/* by the person, the close, or config */
	ZD_ENROLL_FAILED	/* accepted, but the cache write failed */
};

struct zd_counters {
	uint64_t	zrtp_in, zrtp_out;
	uint64_t	zrtp_bad_crc;	/* ZRTP in whose CRC failed (§5) */
	uint64_t	srtp_in, srtp_out;	/* SRTP on the media port */
	uint64_t	srtcp_in, srtcp_out;	/* SRTCP on the media port */
	uint64_t	rtp_in, rtp_out;	/* plain, application port */
	uint64_t	clear_in, clear_out;	/* best-effort, in clear */
	uint64_t	rejected;	/* SRTP refused: forged or replayed */
	uint64_t	clear_dropped;	/* media held back before secure */
	uint64_t	stun, dtls, other;	/* RFC 7983 demux, left alone */
	uint64_t	foreign;	/* from an address not the remote's */
	uint64_t	alerts_repeated;	/* alerts of a kind already told */
	/* Datagrams the kernel dropped, its receive buffer full. */
	uint64_t	media_rx_dropped, app_rx_dropped;
};

/* What "session_create" asks for; zero means the configured default. */
struct zd_session_params {
	enum zd_mode		 mode;
	int			 policy;	/* -1: configured policy */
	struct sockaddr_storage	 bind;		/* media; family 0: default */
	socklen_t		 bind_len;
	struct sockaddr_storage	 app;		/* family 0: learn */
	socklen_t		 app_len;
	const char		*call;		/* NULL: a new call */
	const char		*label;
	enum zs_role_pref	 role;
	struct zd_algos		 algos;		/* count 0: configured */
	struct zd_conn		*owner;		/* closes with it */
};

#define ZD_CHALLENGE_MAX	8
#define ZD_CHALLENGE_TRIES	2	/* wrong picks before challenges end */

struct zd_session {
	TAILQ_ENTRY(zd_session)	 link;		/* d->sessions */
	TAILQ_ENTRY(zd_session)	 orphan_link;	/* d->orphans, if orphaned */
	int			 orphaned;	/* its client is gone */
	struct zd_session	*id_next;	/* d->by_id bucket */
	TAILQ_ENTRY(zd_session)	 call_link;	/* call->streams */
	struct zd		*d;
	struct zd_call		*call;
	struct zd_conn		*owner;
	char			 id[24];
	char			 label[65];
	enum zd_mode		 mode;
	enum zd_policy		 policy;
	int			 latch, latched;
	enum zd_state		 state;
	int			 started, closing, ended, jobs, multistream;
	int			 engine_started;
	int			 media_fd, app_fd;
	struct event		*media_ev, *app_ev, *timer, *end_timer;
	struct sockaddr_storage	 media_addr, app_local, remote, app;
	socklen_t		 media_len, app_local_len, remote_len, app_len;
	int			 have_remote, have_app;
	/*
	 * The peer's RTCP port when it does not multiplex (RFC 3550: its own
	 * socket), network order; 0: RTCP on the RTP port (RFC 5761).
	 */
	uint16_t		 remote_rtcp_port;
	struct zsession		*zs;
	/* The peer's a=zrtp-hash, 64 hex digits, or "". */
	char			 peer_hash[ZRTP_HELLO_HASH_HEX];
	/* What the exchange told us. */
	int			 have_peer, have_sas, sas_verified, sas_relayed;
	int			 cache_mismatch;
	const char		*hash_state;	/* none/pending/matched/mismatch */
	int			 hash_reported;	/* zrtp_hash_mismatch sent */
	uint64_t		 alerts_seen;	/* bit per zcode already told */
	char			 peer_hello_hex[ZRTP_HELLO_HASH_HEX];
	const uint8_t		*rx_pkt;	/* the datagram being fed */
	size_t			 rx_len;
	uint8_t			 peer_zid[ZRTP_ZID_LEN];
	char			 peer_cid[ZRTP_CID_LEN + 1];
	char			 peer_version[ZRTP_VERSION_LEN + 1];
	char			*peer_name;	/* the cache's, or NULL */
	const char		*cache_state;	/* NULL, new, matched, mismatch */
	int			 cache_held;	/* rs1 loaded for the peer */
	char			 sas[ZSAS_TEXT_MAX];
	uint32_t		 sas_scheme;
	int			 verdict_later;
	uint32_t		 algo[ZALGO_KIND_COUNT];
	int			 keys_ready, secure_reported, srtp_open;
	int			 cache_writes;	/* queued, not yet durable */
	struct zd_pend_peer	*pend_peer;	/* read the cache, not yet stored */
	uint32_t		 pend_gen;	/* the row it read (cachepend.h) */
	int			 verified_out;	/* a V flag write is queued */
	int			 verified_next;	/* -1, or the flag to write
						 * after it (cachejob.c) */
	enum zd_enroll		 enroll;
	const char		*enroll_reason;	/* user, closed, forbidden */
	int			 enroll_announced, enroll_tell_engine;
	struct zd_conn		*enroll_cn;	/* its accept, answered when */
	json_t			*enroll_id;	/* the secret is on disk */
	int			 enroll_held;
	struct zs_srtp_keys	*keys;		/* keys mode, secure memory */
	struct zsrtp		 srtp;
	int			 srtp_confirmed;	/* zs_srtp_ok() sent */
	int			 srtp_rx_only;	/* ZSA_SRTP_RX: check, send none */
	int			 media_clear;	/* clear media passed */
	/*
	 * sas_challenge: the open challenge's id and right pick, answered
	 * once. The decoys are drawn once per session, so that asking again
	 * shows the same candidates (the real SAS is not the one that stays);
	 * after ZD_CHALLENGE_TRIES wrong picks no challenge is given.
	 */
	char			 challenge[16];
	int			 challenge_pick;
	int			 challenge_wrong;
	/* ZD_CHALLENGE_MAX - 1, allocated at the first challenge. */
	char			(*decoys)[ZSAS_TEXT_MAX];
	/* The failure that ended the exchange, if any. */
	int			 failed, fail_from_peer, fail_error;
	char			*failure;	/* or NULL (zd_session_text) */
	const char		*fail_code;
	uint32_t		 fail_wire;
	struct zd_counters	 n;
};

/* err_code gets the protocol's error code (limit, bind, unknown_call). */
int	zd_session_create(struct zd *d, const struct zd_session_params *p,
	    struct zd_session **out, const char **err_code, char *err,
	    size_t err_len);
/*
 * Start ZRTP towards remote (NULL: learn it from the first ZRTP packet,
 * which needs latching). peer_hash may be NULL. 0 or -1 with err.
 */
int	zd_session_start(struct zd_session *s, const struct sockaddr *remote,
	    socklen_t remote_len, const char *peer_hash, int latch, char *err,
	    size_t err_len);
/* The peer's a=zrtp-hash arriving after start; checked at its Hello. */
int	zd_session_set_peer_hash(struct zd_session *s, const char *hash,
	    char *err, size_t err_len);
/* 1 match, 0 mismatch, -1 later, 2 clear the V flag. */
int	zd_session_verdict(struct zd_session *s, int verdict, char *err,
	    size_t err_len);
/* why: "request", "client_gone", "shutdown", "ended". */
void	zd_session_close(struct zd_session *s, const char *why);
/* The connection that created sessions is gone: they close, a slice per
 * pass of the loop. */
void	zd_sessions_conn_gone(struct zd *d, struct zd_conn *cn);
/* The timer that closes those slices: -1 if no memory. */
int	zd_sessions_reaper(struct zd *d);
/* session_show of a session closed less than a minute ago, or NULL. */
json_t	*zd_session_ended_json(struct zd *d, const char *id);
json_t	*zd_session_ended_list(struct zd *d);
/* The short form of session_list. */
json_t	*zd_session_brief(const struct zd_session *s);
struct zd_session *zd_session_find(struct zd *d, const char *id);
/* The index zd_session_find() uses, sized for max_sessions: -1 if no memory. */
int	zd_sessions_index(struct zd *d);
const char *zd_state_name(enum zd_state st);
/* The session as the control protocol shows it (never a key). */
json_t	*zd_session_json(const struct zd_session *s);
/* Keys mode: the SRTP keys as JSON (hex and RFC 4568 inline:). */
json_t	*zd_session_keys_json(const struct zd_session *s);

void	zd_session_remember(struct zd_session *s);
/*
 * *slot becomes a copy of text, NULL when text is empty (or memory is
 * short: these texts only inform). Names and failure texts are
 * allocated for their length, since most sessions have neither.
 */
void	zd_session_text(char **slot, const char *text);
json_t	*zd_session_algorithms_json(const struct zd_session *s);
const char *zd_algo_str(uint32_t block);
void	zd_hex(const uint8_t *p, size_t len, char *out);

/* Inside zrtpd/: session.c, relay.c, cachejob.c, call.c. */
void	zd_session_drain(struct zd_session *s);
void	zd_session_set_state(struct zd_session *s, enum zd_state st,
	    const char *why);
void	zd_session_job_done(struct zd_session *s);
void	zd_session_maybe_secure(struct zd_session *s);
/* Not secure, reported as failed with code (zcode.h) and why. */
void	zd_session_fail(struct zd_session *s, int code, uint32_t wire,
	    int from_peer, int error, const char *why);
int	zd_session_engine_start(struct zd_session *s);
ssize_t	zd_session_send_wire(struct zd_session *s, const uint8_t *p,
	    size_t len);
/* RTCP: to the peer's RTCP port if it has one, else as above. */
ssize_t	zd_session_send_wire_rtcp(struct zd_session *s, const uint8_t *p,
	    size_t len);
ssize_t	zd_session_send_app(struct zd_session *s, const uint8_t *p,
	    size_t len);
int	zd_session_effective_require(const struct zd_session *s);

/* session_io.c: the sockets, bound and watched; -1 and err on failure. */
int	zd_media_open(struct zd_session *s, const struct zd_session_params *p,
	    char *err, size_t err_len);
int	zd_app_open(struct zd_session *s, char *err, size_t err_len);
int	zd_session_events(struct zd_session *s);

/* enroll.c: a PBX's enrollment request (§7.3.1). */
void	zd_enroll_offered(struct zd_session *s);
void	zd_enroll_settle(struct zd_session *s);
void	zd_enroll_announce(struct zd_session *s);
void	zd_enroll_stored(struct zd_session *s, int ok);
void	zd_enroll_closing(struct zd_session *s);
json_t	*zd_enroll_json(const struct zd_session *s);
json_t	*zd_enroll_brief(const struct zd_session *s);
/*
 * The person's answer (accept 1 or 0); -1 with err when nothing is open or
 * the engine refused. An accept is answered on cn, id only once the
 * pbxsecret is on disk (or its write failed): zd_session_enroll_wait()
 * holds the connection's later requests until then.
 */
int	zd_session_enroll(struct zd_session *s, int accept, struct zd_conn *cn,
	    json_t *id, char *err, size_t err_len);
void	zd_session_enroll_wait(struct zd_session *s);

/* relay.c */
int	zd_relay_open(struct zd_session *s, const struct zs_srtp_keys *k);
void	zd_relay_close(struct zd_session *s);
void	zd_relay_from_app(struct zd_session *s, uint8_t *p, size_t len,
	    size_t cap);
/* 1 if the packet authenticated (latching may follow its source). */
int	zd_relay_from_wire(struct zd_session *s, uint8_t *p, size_t len);
/* RFC 5761 §4: 1 if an RTP-range datagram is RTCP. */
int	zd_relay_is_rtcp(const uint8_t *p, size_t len);

/* cachejob.c: on the cache thread, answers come back to the session. */
void	zd_cache_lookup(struct zd_session *s, const uint8_t *zid);
/* Many stores at once become one transaction (one fsync). */
void	zd_cache_batching(struct zd *d);
void	zd_cache_write(struct zd_session *s, const struct zs_action *a);
/* The exchange is past its cache store, or will make none. */
void	zd_cache_release(struct zd_session *s);
/* The peer is past its store of this exchange (or it is over). */
int	zd_cache_peer_done(struct zd_session *s);

#endif
