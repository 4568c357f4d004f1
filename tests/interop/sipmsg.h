/*
 * SIP messages and SDP offers as the test user agent (sipua.c) reads
 * them: one UDP datagram copied into a bounded, NUL-terminated buffer and
 * cut into lines. Only what sipua needs is kept; nothing here sends.
 */
#ifndef SIPMSG_H
#define SIPMSG_H

#include <stddef.h>

#define SIPMSG_MAX	8192	/* a larger datagram is refused */
#define SIPMSG_VIAS	8

struct sipmsg {
	char		 buf[SIPMSG_MAX + 1];
	int		 request;		/* 1: request, 0: response */
	char		 method[16];		/* request: method */
	int		 status;		/* response: status code */
	const char	*via[SIPMSG_VIAS];	/* values, in order */
	int		 nvia;
	const char	*from, *to, *call_id, *contact;
	unsigned long	 cseq;
	char		 cseq_method[16];
	const char	*body;
	size_t		 body_len;
};

/* The first audio stream of an SDP offer (RFC 4566, RFC 3264). */
struct sdp_audio {
	char		 addr[64];	/* c= of the stream, else the session */
	int		 ipv6;		/* IP6 address type */
	int		 port;		/* 0: no audio stream (or refused) */
	int		 pcmu;		/* payload type 0 offered */
	int		 rtcp_mux;	/* a=rtcp-mux (RFC 5761) */
	int		 rtcp_port;	/* a=rtcp (RFC 3605), or 0 */
	char		 zrtp_hash[160];	/* a=zrtp-hash value, or "" */
};

int	sipmsg_parse(struct sipmsg *, const void *, size_t);
int	sdp_parse_audio(const char *, size_t, struct sdp_audio *);
int	sip_uri_hostport(const char *, char *, size_t, int *);
const char *sip_param(const char *, const char *, char *, size_t);

#endif
