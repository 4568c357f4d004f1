/*
 * A seeded network impairment for one direction of the wiretap: drop,
 * duplicate, hold back (reorder) and tamper with datagrams, and count
 * what it did so a test can reckon what each end must have accepted. It
 * decides from its own PRNG only: the same seed and the same packets give
 * the same faults.
 */
#ifndef ZRTPD_IMPAIR_H
#define ZRTPD_IMPAIR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define IMPAIR_HELD_MAX	16
#define IMPAIR_PKT_MAX	4096

/* Percentages (0..100) and the reorder depth. */
struct impair_opts {
	int		drop, dup, reorder, tamper_zrtp, tamper_srtp;
	int		hold_pkts;	/* a held copy goes after 1..N later ones */
	int		hold_ms;	/* ... or after this long, whichever first */
	int		reseal;		/* re-seal a tampered ZRTP packet's CRC */
	const char	*zrtp_type;	/* tamper only this message type */
};

struct impair_held {
	uint8_t		p[IMPAIR_PKT_MAX];
	size_t		n;
	int		after;		/* later datagrams still to pass it */
	uint64_t	deadline;
};

struct impair_counts {
	unsigned long	in, dropped, duplicated, held, tampered_zrtp,
			tampered_srtp, sent;
	/* SRTP/SRTCP: distinct packets with a clean copy sent, other copies */
	unsigned long	srtp_good, srtp_bad;
};

typedef void (*impair_send_fn)(void *arg, const uint8_t *p, size_t n);

struct impair {
	struct impair_opts	o;
	uint64_t		rng;
	struct impair_held	q[IMPAIR_HELD_MAX];
	int			nq;
	struct impair_counts	c;
	impair_send_fn		send;
	void			*arg;
};

void	impair_init(struct impair *im, const struct impair_opts *o,
	    uint64_t seed, impair_send_fn send, void *arg);
/* What impair_packet() did to a datagram, for the wiretap's lines. */
#define IMPAIR_DROPPED		0x01
#define IMPAIR_DUPLICATED	0x02
#define IMPAIR_HELD		0x04	/* a copy of it */
#define IMPAIR_TAMPERED		0x08	/* a copy of it */

/* One datagram that arrived for this direction; p is not kept. */
int	impair_packet(struct impair *im, const uint8_t *p, size_t n,
	    uint64_t now_ms);
/* Held copies whose time is up go out; all of them with flush. */
void	impair_expire(struct impair *im, uint64_t now_ms, int flush);
/* Milliseconds until the next held copy is due, -1 if none is held. */
int	impair_next_ms(const struct impair *im, uint64_t now_ms);
/* The counts as JSON members, each name prefixed ("ab_dropped":N,...). */
void	impair_json(const struct impair *im, const char *prefix, FILE *f);

#endif
