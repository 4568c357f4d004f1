/*
 * Asynchronous events to subscribed control clients: one JSON object per
 * line, {"event": NAME, "session": ID, ...}. Keys appear only in the
 * keys-mode "secure" event and only on connections allowed to have them.
 */
#ifndef ZRTPD_EVENTS_H
#define ZRTPD_EVENTS_H

#include <jansson.h>

struct zd;
struct zd_session;

/* fields (may be NULL) is consumed. */
void	zd_event_simple(struct zd_session *s, const char *name, json_t *fields);
/* With keys for key-holders, without for everyone else. */
void	zd_event_secure(struct zd_session *s);
/* A daemon-wide event (no session). */
void	zd_event_daemon(struct zd *d, const char *name, json_t *fields);

#endif
