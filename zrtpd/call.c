/*
 * Calls: a named group of sessions sharing one engine call object (struct
 * zcall, RFC 6189 §4.4.3). The first stream runs DH; the others are held
 * back at start until the first reports secure, then run Multistream from
 * the call's ZRTPSess (engine.md). A first stream that fails leaves its
 * waiting streams not secure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "events.h"
#include "log.h"
#include "session.h"

struct zd_call {
	TAILQ_ENTRY(zd_call)	 link;
	char			 id[24];
	struct zcall		*zc;
	struct zd_session	*first;
	TAILQ_HEAD(, zd_session) streams;
	unsigned		 nstreams;
	int			 first_failed;
};

int
zd_call_join(struct zd_session *s, const char *call_id)
{
	struct zd_call *c = NULL;

	if (call_id != NULL) {
		TAILQ_FOREACH(c, &s->d->calls, link)
			if (strcmp(c->id, call_id) == 0)
				break;
		if (c == NULL)
			return -1;	/* unknown_call */
	} else {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			return -1;
		if ((c->zc = zcall_new(NULL, 0)) == NULL) {
			free(c);
			return -1;
		}
		snprintf(c->id, sizeof(c->id), "c%llu",
		    (unsigned long long)++s->d->next_call);
		TAILQ_INIT(&c->streams);
		TAILQ_INSERT_TAIL(&s->d->calls, c, link);
	}
	s->call = c;
	TAILQ_INSERT_TAIL(&c->streams, s, call_link);
	c->nstreams++;
	if (c->first == NULL && !zcall_secure(c->zc))
		c->first = s;
	else
		s->multistream = 1;
	return 0;
}

void
zd_call_leave(struct zd_session *s)
{
	struct zd_call *c = s->call;

	if (c == NULL)
		return;
	TAILQ_REMOVE(&c->streams, s, call_link);
	s->call = NULL;
	if (c->first == s)
		c->first = NULL;	/* the zcall keeps ZRTPSess */
	if (--c->nstreams == 0) {
		TAILQ_REMOVE(&s->d->calls, c, link);
		zcall_unref(c->zc);
		free(c);
	}
}

const char *
zd_call_id(const struct zd_session *s)
{
	return s->call != NULL ? s->call->id : "";
}

struct zcall *
zd_call_engine(const struct zd_session *s)
{
	return s->call != NULL ? s->call->zc : NULL;
}

/* The first stream starts at once; the others when the call is keyed. */
int
zd_call_may_start(const struct zd_session *s)
{
	return s->call == NULL || !s->multistream || zcall_secure(s->call->zc);
}

void
zd_call_stream_secure(struct zd_session *s)
{
	struct zd_session *o, *next;

	if (s->call == NULL || s->multistream)
		return;
	TAILQ_FOREACH_SAFE(o, &s->call->streams, call_link, next)
		if (o != s && o->started && !o->engine_started &&
		    zd_session_engine_start(o) != 0)
			zlog(LOG_ERR, "%s: cannot start Multistream", o->id);
}

void
zd_call_stream_failed(struct zd_session *s)
{
	struct zd_session *o;

	if (s->call == NULL || s->multistream || s->secure_reported)
		return;
	TAILQ_FOREACH(o, &s->call->streams, call_link)
		if (o != s && !o->engine_started)
			zd_session_set_state(o, ZD_ST_NOT_SECURE,
			    "the call's first stream failed");
}
