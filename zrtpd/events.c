/*
 * Builds the event objects and hands them to the control socket for every
 * subscriber. What a session reports is decided in session_zrtp.c; how a
 * line reaches a slow client (or does not) is control.c's business.
 */
#include <string.h>

#include "call.h"
#include "control.h"
#include "events.h"
#include "session.h"

static json_t *
zd_event_new(const char *name, const char *session)
{
	json_t *ev = json_object();

	json_object_set_new(ev, "event", json_string(name));
	if (session != NULL)
		json_object_set_new(ev, "session", json_string(session));
	return ev;
}

void
zd_event_simple(struct zd_session *s, const char *name, json_t *fields)
{
	json_t *ev = zd_event_new(name, s->id);

	if (fields != NULL) {
		json_object_update(ev, fields);
		json_decref(fields);
	}
	if (s->call != NULL)
		json_object_set_new(ev, "call", json_string(zd_call_id(s)));
	zd_control_broadcast(s->d->control, ev, NULL);
	json_decref(ev);
}

void
zd_event_secure(struct zd_session *s)
{
	json_t *ev = zd_event_new("secure", s->id), *keyed = NULL;

	json_object_set_new(ev, "algorithms", zd_session_algorithms_json(s));
	json_object_set_new(ev, "multistream", json_boolean(s->multistream));
	if (s->call != NULL)
		json_object_set_new(ev, "call", json_string(zd_call_id(s)));
	if (s->mode == ZD_MODE_KEYS && s->keys != NULL) {
		keyed = json_deep_copy(ev);
		json_object_set_new(keyed, "keys", zd_session_keys_json(s));
	}
	zd_control_broadcast(s->d->control, ev, keyed);
	json_decref(ev);
	if (keyed != NULL) {
		/* Wipe the key strings before jansson frees them. */
		zd_json_wipe(keyed);
		json_decref(keyed);
	}
}

void
zd_event_daemon(struct zd *d, const char *name, json_t *fields)
{
	json_t *ev = zd_event_new(name, NULL);

	if (fields != NULL) {
		json_object_update(ev, fields);
		json_decref(fields);
	}
	zd_control_broadcast(d->control, ev, NULL);
	json_decref(ev);
}
