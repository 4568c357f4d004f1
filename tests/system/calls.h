/*
 * Many calls between two zrtpd daemons, driven through their control
 * sockets (libzrtpc) by one program: the scale test and the relay
 * benchmark share it. Each call is one session on each daemon; the
 * application end of every session on one daemon is one UDP socket of
 * ours, so thousands of calls cost two descriptors here. In relay mode
 * (the default) frames carry their call, direction, sequence and send
 * time, and are checked whole. In keys mode (lc.keys) the daemons have no
 * media sockets: we are the "media relay" of both ends, forwarding each
 * ZRTP packet from one daemon's session to its call's session on the
 * other, and once both ends are secure we check that the keys each was
 * handed mirror (A's tx = B's rx and the reverse).
 */
#ifndef TESTS_CALLS_H
#define TESTS_CALLS_H

#include <stddef.h>
#include <stdint.h>

#include "zrtpc.h"

#define LC_PAYLOAD	160	/* bytes after the RTP header: 20 ms G.711 */
#define LC_FRAME	(12 + LC_PAYLOAD)

enum lc_state { LC_NONE, LC_CREATED, LC_STARTED, LC_SECURE, LC_FAILED,
	LC_CLOSED };

struct lc_call {
	char		 sid[2][24];	/* session ids on daemon 0 and 1 */
	int		 media_port[2], app_port[2];
	char		 hash[2][80];	/* our a=zrtp-hash, per daemon */
	enum lc_state	 st[2];
	char		 cache[2][12];	/* sas_ready's cache: new/matched/... */
	uint16_t	 seq[2];	/* next to send, from side s */
	uint32_t	 sent[2];	/* frames sent from side s */
	uint32_t	 rx[2];		/* frames side s received */
	uint32_t	 bad;		/* damaged or misdirected */
	/* Keys mode: suite, then tx and rx as "key/salt" hex, per side. */
	char		 suite[2][32];
	char		 keys[2][2][100];
	char		 failure[160];
};

struct lc {
	struct zrtpc	*c[2];
	int		 udp[2];	/* our application end per daemon */
	int		 udp_port[2];
	struct lc_call	*call;
	size_t		 ncalls;
	size_t		*by_sid[2];	/* session number -> call + 1 */
	size_t		 nby[2];
	size_t		 nsecure;	/* calls secure on both sides */
	size_t		 nfailed;
	int		 timeout_ms;	/* per request, 0: 10 s; after lc_open */
	/* Keys mode: set after lc_open, before lc_create. */
	int		 keys;
	size_t		*by_port[2];	/* app port on daemon s -> call + 1 */
	uint64_t	 zrtp_fwd;	/* ZRTP packets forwarded */
	size_t		 keys_ok;	/* calls whose keys mirror */
	size_t		 keys_bad;	/* secure, but not mirrored */
	size_t		 nmismatch;	/* sessions whose sas_ready said mismatch */
	uint64_t	 frames_rx, frames_bad;
	/* Delay samples (ns), when kept: kernel arrival - send time. */
	int64_t		*delay;
	size_t		 ndelay, delay_cap;
	const char	*kex;		/* NULL: the daemons' default */
	/* Per daemon, NULL: 127.0.0.1. Other loopback addresses give each
	 * daemon its own ports when thousands of calls would exhaust one
	 * address's ephemeral range. */
	const char	*media_host[2];	/* bind_addr of its sessions */
	const char	*app_host[2];	/* the daemon's app_addr */
	char		 err[1024];
};

/* Connect to both daemons, subscribe; room for ncalls calls. */
int	lc_open(struct lc *l, const char *sock0, const char *sock1,
	    size_t ncalls);
void	lc_close(struct lc *l);
/* One session on each daemon for call i (keys mode if l->keys). */
int	lc_create(struct lc *l, size_t i);
/* session_start on both with the other's hash (relay: and media port). */
int	lc_start(struct lc *l, size_t i);
/* session_close on both. */
int	lc_hangup(struct lc *l, size_t i);
/* Take events and frames for up to timeout_ms (0: what is there). */
int	lc_pump(struct lc *l, int timeout_ms);
/* One frame of call i from side s (its application to its daemon). */
int	lc_send(struct lc *l, size_t i, int s);
/* Pump until every call in [from, to) is secure or failed. */
int	lc_wait_secure(struct lc *l, size_t from, size_t to, int timeout_ms);
/* Send n frames each way on calls [from, to), at most window in flight,
 * and wait for all of them; -1 with l->err at the deadline. */
int	lc_media(struct lc *l, size_t from, size_t to, unsigned n,
	    unsigned window, int timeout_ms);
uint64_t lc_now_ns(void);	/* CLOCK_REALTIME, as SO_TIMESTAMPNS */

#endif
