/*
 * A call groups the streams of one conversation (audio, video, ...): the
 * first stream runs a DH exchange, the second and later ones Multistream
 * (RFC 6189 §4.4.3) keyed from the first once it is secure.
 */
#ifndef ZRTPD_CALL_H
#define ZRTPD_CALL_H

#include <jansson.h>

struct zd_session;
struct zd;

/* NULL: a new call; else join one (-1: none such). Later streams are
 * Multistream. */
int	zd_call_join(struct zd_session *s, const char *call_id);
void	zd_call_leave(struct zd_session *s);
const char *zd_call_id(const struct zd_session *s);
/* The first stream is secure: start the waiting Multistream streams. */
void	zd_call_stream_secure(struct zd_session *s);
/* The first stream failed before secure: so do the waiting streams. */
void	zd_call_stream_failed(struct zd_session *s);
/* The engine's call object for the session's zs_config. */
struct zcall *zd_call_engine(const struct zd_session *s);
/* 1 when the session's engine may start now (see call.c). */
int	zd_call_may_start(const struct zd_session *s);

#endif
