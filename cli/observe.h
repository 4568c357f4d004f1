/*
 * A passive observer of one ZRTP exchange: given the packets on the wire,
 * it checks what a third party can check without keys (RFC 6189 §9 hash
 * chain links, the Hello and Commit MACs once their keys are revealed, hvi
 * against DHPart2 and the responder's Hello, identical retransmissions).
 */
#ifndef ZRTPD_OBSERVE_H
#define ZRTPD_OBSERVE_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

#define OBS_ENDPOINTS_MAX	8

struct obs_msg {
	uint8_t		*raw;		/* first copy seen, owned */
	size_t		 len;
	struct zmsg	 m;		/* views point into raw */
	int		 seen;
	int		 differ;	/* a later copy was not identical */
};

struct obs_endpoint {
	uint32_t	ssrc;
	struct obs_msg	hello, commit, dhpart1, dhpart2;
};

struct observer {
	struct obs_endpoint	ep[OBS_ENDPOINTS_MAX];
	size_t			n;
};

typedef void (*obs_report_fn)(void *arg, uint32_t ssrc, const char *check,
    int ok);

void	observe_init(struct observer *o);
/* Record one decoded packet; 0, or an error when out of room. */
int	observe_packet(struct observer *o, uint32_t ssrc,
	    const struct zview *raw_msg, enum zmsg_type type);
/* Run every check the recorded packets allow; returns how many failed. */
int	observe_verify(const struct observer *o, obs_report_fn report,
	    void *arg);
void	observe_free(struct observer *o);

#endif
