/*
 * What zrtp-probe learned about one session, and its two renderings:
 * lines for a person, one JSON object for a script.
 */
#ifndef ZRTPD_PROBE_OUT_H
#define ZRTPD_PROBE_OUT_H

#include <stdint.h>

#include "engine.h"

#define PROBE_ALERTS_MAX	8

struct probe_result {
	int			 have_peer;
	uint8_t			 peer_zid[ZRTP_ZID_LEN];
	uint8_t			 peer_cid[ZRTP_CID_LEN];
	uint8_t			 peer_version[ZRTP_VERSION_LEN];
	uint8_t			 peer_flags;
	uint8_t			 our_zid[ZRTP_ZID_LEN];
	char			 hello_hash[80];
	const char		*role;
	uint32_t		 algo[ZALGO_KIND_COUNT];
	int			 secure;
	int			 have_sas;
	char			 sas[ZSAS_TEXT_MAX];
	char			 relayed_sas[ZSAS_TEXT_MAX];	/* from a PBX */
	char			 relay_sent[ZSAS_TEXT_MAX];	/* as a PBX */
	int			 sas_verified, cache_mismatch;
	const char		*cache;		/* none, new, matched, ... */
	int			 show_keys;
	struct zs_srtp_keys	 keys;
	int			 srtp_wanted, srtp_sent, srtp_received;
	int			 srtp_pattern;	/* peer is a probe: payload checked */
	int			 srtp_bad;	/* authentic, wrong payload */
	int			 srtp_rejected;	/* tampered or replayed */
	int			 failed;
	int			 code;		/* enum zcode */
	uint32_t		 wire_code;
	int			 from_peer;
	const char		*what;
	int			 clear;		/* went clear after secure */
	int			 srtp_after_clear; /* RTP-like, arrived after */
	struct {
		int		 code;		/* enum zcode */
		const char	*text;
	}			 alerts[PROBE_ALERTS_MAX];
	int			 nalerts;
	int			 alerts_dropped;	/* beyond the cap, counted */
};

/* Keep an alert; past PROBE_ALERTS_MAX count it, and say so when printed. */
void	probe_alert(struct probe_result *r, int code, const char *text);
void	probe_print_text(const struct probe_result *r);
void	probe_print_json(const struct probe_result *r);

#endif
