/*
 * Capture files: one ZRTP datagram per line as hex, optionally preceded by
 * a direction tag ("A>B"); '#' starts a comment line. Used by zrtpdump and
 * by the tests that decode packets recorded from bzrtp.
 */
#ifndef ZRTPD_CAPTURE_H
#define ZRTPD_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#define CAPTURE_PKT_MAX	4096
#define CAPTURE_DIR_LEN	8

struct capture_pkt {
	char	 dir[CAPTURE_DIR_LEN];	/* "" when the line had no tag */
	uint8_t	*bytes;
	size_t	 len;
	int	 line;
};

struct capture {
	struct capture_pkt	*pkts;
	size_t			 n;
};

/* 0, or -1 with a message in err naming the file and line. */
int	capture_load(const char *path, struct capture *c, char *err,
	    size_t err_len);
void	capture_free(struct capture *c);

#endif
