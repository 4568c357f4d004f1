/*
 * Internal to proto/: the per-message body codecs that msg.c dispatches
 * to. A body decoder reads exactly the bytes after the 12-octet message
 * header; msg.c checks that nothing is left.
 */
#ifndef ZRTPD_MSG_CODEC_H
#define ZRTPD_MSG_CODEC_H

#include "msg.h"
#include "zbuf.h"

int	zhello_decode(struct zbuf *b, struct zmsg *m);
int	zhello_encode(const struct zmsg *m, struct zwbuf *w);
int	zcommit_decode(struct zbuf *b, struct zmsg *m);
int	zcommit_encode(const struct zmsg *m, struct zwbuf *w);
int	zdhpart_decode(struct zbuf *b, struct zmsg *m);
int	zdhpart_encode(const struct zmsg *m, struct zwbuf *w);
int	zsealed_decode(struct zbuf *b, struct zmsg *m);
int	zsealed_encode(const struct zmsg *m, struct zwbuf *w);

#endif
