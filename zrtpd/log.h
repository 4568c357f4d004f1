/*
 * Logging for the daemon: stderr or syslog, five levels. Callers pass no
 * secret: keys, retained secrets and SAS never reach a log line (ZIDs only
 * as short hex prefixes).
 */
#ifndef ZRTPD_LOG_H
#define ZRTPD_LOG_H

#include <syslog.h>

/* Levels are syslog's: LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG. */
void	zlog_open(int use_syslog, int level);
void	zlog_set_level(int level);
int	zlog_level_parse(const char *name);	/* -1 if unknown */
const char *zlog_level_name(int level);
void	zlog(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
