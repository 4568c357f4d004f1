/*
 * One log sink for the whole daemon, chosen at start: stderr with a level
 * tag, or syslog (facility daemon). Thread-safe as stdio and syslog are;
 * never given a secret (log.h). A line is one line: every byte outside
 * printable ASCII (newlines, escape sequences, any non-ASCII) is written
 * as \xNN, so that a name a client or a peer chose can neither forge a
 * log line nor drive the terminal that shows it.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const struct {
	const char	*name;
	int		 level;
} zlog_levels[] = {
	{ "err", LOG_ERR },
	{ "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE },
	{ "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
};

static int zlog_syslog;
static int zlog_journal;	/* stderr is systemd's journal */
static int zlog_max = LOG_NOTICE;

/*
 * systemd sets JOURNAL_STREAM to the device and inode of the stream it
 * connected; only if stderr is still that one do lines get the "<N>"
 * level prefix the journal reads (sd-daemon(3)).
 */
static int
zlog_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(2, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
zlog_open(int use_syslog, int level)
{
	zlog_syslog = use_syslog;
	zlog_journal = !use_syslog && zlog_stderr_is_journal();
	zlog_max = level;
	if (use_syslog)
		openlog("zrtpd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
zlog_set_level(int level)
{
	zlog_max = level;
}

int
zlog_level_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(zlog_levels) / sizeof(zlog_levels[0]); i++)
		if (strcmp(name, zlog_levels[i].name) == 0)
			return zlog_levels[i].level;
	return -1;
}

const char *
zlog_level_name(int level)
{
	size_t i;

	for (i = 0; i < sizeof(zlog_levels) / sizeof(zlog_levels[0]); i++)
		if (zlog_levels[i].level == level)
			return zlog_levels[i].name;
	return "?";
}

/* in (NUL-terminated) into out, every byte but printable ASCII as \xNN. */
static void
zlog_escape(const char *in, char *out, size_t out_len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0;

	for (; *p != '\0' && out_len - o > 4; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
			out[o++] = (char)*p;
			continue;
		}
		out[o++] = '\\';
		if (*p == '\\') {
			out[o++] = '\\';
			continue;
		}
		out[o++] = 'x';
		out[o++] = hex[*p >> 4];
		out[o++] = hex[*p & 0xf];
	}
	out[o] = '\0';
}

void
zlog(int level, const char *fmt, ...)
{
	char raw[1024], line[4 * sizeof(raw)];
	va_list ap;

	if (level > zlog_max)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	zlog_escape(raw, line, sizeof(line));
	if (zlog_syslog)
		syslog(level, "%s", line);
	else if (zlog_journal)
		fprintf(stderr, "<%d>zrtpd[%s]: %s\n", level,
		    zlog_level_name(level), line);
	else
		fprintf(stderr, "zrtpd[%s]: %s\n", zlog_level_name(level), line);
}
