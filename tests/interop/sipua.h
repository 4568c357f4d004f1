/*
 * The test SIP user agent's parts (sipua.c: main loop and zrtpd; sipdlg.c:
 * SIP dialogs both ways; sipmedia.c: RTP and RTCP on the session's
 * application port). Shared state only; nothing here does I/O.
 */
#ifndef SIPUA_H
#define SIPUA_H

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#include "sipmsg.h"
#include "zrtpc.h"

#define UA_T1		500	/* RFC 3261 §17: T1, ms */
#define UA_T2		4000	/* T2 */
#define UA_TX_END	(64 * UA_T1)	/* timers B, F, H */
#define UA_FRAME_MS	20
#define UA_PAYLOAD	160	/* 20 ms of PCMU */
#define UA_SR_MS	500	/* our sender reports, until answered */
#define UA_SR_MAX	128

enum ua_state { UA_WAIT, UA_CALLING, UA_ANSWERED, UA_CONFIRMED, UA_BYE_SENT,
	UA_ENDED };

struct ua {
	struct zrtpc	*c;
	int		 ctl, sip, app, sip_port, media_port, app_port;
	char		 sid[32], hash[160];
	enum ua_state	 state;
	/*
	 * The dialog (RFC 3261 §12): local and remote as this side's From and
	 * To of its own requests, each with its tag.
	 */
	char		 call_id[256], local[512], remote[512], tag[32];
	unsigned long	 local_cseq;
	int		 uac;		/* 1: we sent the INVITE (--call) */
	char		 invite[SIPMSG_MAX];	/* ours, for timer A */
	size_t		 invite_len;
	char		 invite_branch[17], ack[2048];
	size_t		 ack_len;
	char		 target[64];	/* their Contact: host */
	int		 target_port;
	unsigned long	 invite_cseq, bye_cseq;
	struct sockaddr_in src;		/* where their INVITE came from */
	char		 resp[SIPMSG_MAX];	/* the INVITE's last response */
	size_t		 resp_len;
	char		 bye[2048];
	size_t		 bye_len;
	struct sockaddr_in bye_to;
	uint64_t	 rtx_at, rtx_end;	/* 200 or BYE retransmission */
	int		 rtx_ms;
	char		 sdp[1024];
	/* Media and security. */
	int		 secure, frames, sent, received, bad, rtcp, media_said;
	int		 nsr, peer_got;	/* their RR: all ours, an SR of ours */
	uint32_t	 peer_highest, peer_lost, lsr[UA_SR_MAX];
	uint64_t	 next_sr;
	uint16_t	 seq;
	uint32_t	 ts, ssrc;
	const char	*role;
	uint64_t	 next_frame, deadline;
	char		 sas[64], cache[16];
};

uint64_t	ua_now_ms(void);
void		ua_die(const char *, ...)
		    __attribute__((noreturn, format(printf, 1, 2)));
void		ua_say(const char *, ...) __attribute__((format(printf, 1, 2)));
void		ua_rand_hex(char *, size_t);
void		ua_start_session(struct ua *, const struct sdp_audio *);

void		dlg_on_sip(struct ua *);
void		dlg_retransmit(struct ua *, uint64_t);
void		dlg_send_invite(struct ua *, const char *);
void		dlg_send_bye(struct ua *);

void		rtp_recv(struct ua *);
void		rtp_media(struct ua *, uint64_t);

#endif
