/*
 * Relay mode's media path: plain RTP/RTCP from the application's loopback
 * port becomes SRTP/SRTCP on the wire and back, with libsrtp2 (replay
 * protection on; any SSRC, so a new one after a re-INVITE just works).
 * Before secure, the policy decides: `require` holds media back,
 * `best-effort` lets it pass in clear and says so.
 */
#include <string.h>

#include "events.h"
#include "log.h"
#include "session.h"

/* RFC 5761 §4: RTCP packet types 192..223 sit where RTP's PT+M would. */
int
zd_relay_is_rtcp(const uint8_t *p, size_t len)
{
	return len >= 2 && p[1] >= 192 && p[1] <= 223;
}

int
zd_relay_open(struct zd_session *s, const struct zs_srtp_keys *k)
{
	int r;

	zd_relay_close(s);
	if ((r = zsrtp_open(&s->srtp, k)) != 0)
		return r;
	s->srtp_open = 1;
	return 0;
}

void
zd_relay_close(struct zd_session *s)
{
	if (!s->srtp_open)
		return;
	zsrtp_close(&s->srtp);
	s->srtp_open = s->srtp_rx_only = 0;
}

/* Best-effort media in clear: counted, and said once, loudly. */
static void
zd_relay_clear_noted(struct zd_session *s)
{
	if (s->media_clear)
		return;
	s->media_clear = 1;
	zlog(LOG_WARNING, "%s: media passing in clear: NOT SECURE", s->id);
	/* The state is already not_secure; this says media flows so. */
	zd_event_simple(s, "security", json_pack("{s:s, s:s, s:b, s:s}",
	    "security", zd_state_name(s->state), "previous",
	    zd_state_name(s->state), "media_clear", 1, "message",
	    "Not secure: media is passing in clear."));
}

void
zd_relay_from_app(struct zd_session *s, uint8_t *p, size_t len, size_t cap)
{
	int rtcp = zd_relay_is_rtcp(p, len), r;

	if (len < (rtcp ? 8u : 12u)) {
		s->n.other++;
		return;
	}
	s->n.rtp_in++;
	/* Keyed media flows at once; only the report waits for the disk. */
	if (!s->srtp_open || s->srtp_rx_only) {
		if (zd_session_effective_require(s) || s->keys_ready ||
		    s->srtp_rx_only || !s->started) {
			s->n.clear_dropped++;
			return;
		}
		zd_relay_clear_noted(s);
		if ((rtcp ? zd_session_send_wire_rtcp(s, p, len) :
		    zd_session_send_wire(s, p, len)) > 0)
			s->n.clear_out++;
		return;
	}
	r = rtcp ? zsrtp_protect_rtcp(&s->srtp, p, &len, cap) :
	    zsrtp_protect(&s->srtp, p, &len, cap);
	if (r != 0) {
		s->n.other++;
		return;
	}
	if ((rtcp ? zd_session_send_wire_rtcp(s, p, len) :
	    zd_session_send_wire(s, p, len)) > 0) {
		if (rtcp)
			s->n.srtcp_out++;
		else
			s->n.srtp_out++;
	}
}

int
zd_relay_from_wire(struct zd_session *s, uint8_t *p, size_t len)
{
	int rtcp = zd_relay_is_rtcp(p, len), r;

	if (s->mode != ZD_MODE_RELAY)
		return 0;
	if (!s->srtp_open) {
		if (zd_session_effective_require(s) || s->keys_ready) {
			s->n.clear_dropped++;
			return 0;
		}
		zd_relay_clear_noted(s);
		s->n.clear_in++;
		if (zd_session_send_app(s, p, len) > 0)
			s->n.rtp_out++;
		return 0;
	}
	r = rtcp ? zsrtp_unprotect_rtcp(&s->srtp, p, &len) :
	    zsrtp_unprotect(&s->srtp, p, &len);
	if (r != 0) {
		/* Forged, replayed, clear, or keyed otherwise: never passed. */
		s->n.rejected++;
		return 0;
	}
	if (rtcp)
		s->n.srtcp_in++;
	else
		s->n.srtp_in++;
	/* §4.6: the responder's first authentic SRTP stands for Conf2ACK. */
	if (!s->srtp_confirmed && s->zs != NULL) {
		s->srtp_confirmed = 1;
		zs_srtp_ok(s->zs, zd_now_ms());
		zd_session_drain(s);
	}
	if (zd_session_send_app(s, p, len) > 0)
		s->n.rtp_out++;
	return 1;
}
