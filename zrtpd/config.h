/*
 * The daemon's settings: one table of options, each valid both as a long
 * command-line option (--name value) and as a `name = value` line of the
 * configuration file. Parsing only: nothing here opens a socket or a file
 * other than the configuration file itself.
 */
#ifndef ZRTPD_CONFIG_H
#define ZRTPD_CONFIG_H

#include <sys/types.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

enum zd_policy {
	ZD_POLICY_REQUIRE,	/* no media in clear before secure */
	ZD_POLICY_BEST_EFFORT	/* media in clear, loudly not secure */
};

/* Algorithm preference lists, in the engine's zs_config layout. */
struct zd_algos {
	uint8_t		count[ZALGO_KIND_COUNT];
	uint32_t	algo[ZALGO_KIND_COUNT][ZRTP_ALGO_MAX];
};

#define ZD_STR_MAX	256
#define ZD_OPT_SLOTS	48	/* at least config.c's table of options */
#define ZD_FROM_DEFAULT	0	/* zd_config.from[]: not set */
#define ZD_FROM_CMDLINE	(-1)	/* set on the command line; > 0: file line */
#define ZD_RELAY_ALL	UINT_MAX	/* max_relay unset: max_sessions */

struct zd_config {
	char		config_file[ZD_STR_MAX];
	char		state_dir[ZD_STR_MAX];
	char		control_socket[108];	/* sun_path */
	unsigned	socket_mode;
	char		socket_group[64];
	char		key_group[64];	/* may receive SRTP keys */
	char		user[64];	/* drop to this user when root */
	char		pid_file[ZD_STR_MAX];
	char		media_address[64];	/* default media bind address */
	unsigned	port_min, port_max;	/* media port range; 0: any */
	char		app_address[64];	/* loopback side of sessions */
	unsigned	max_sessions;
	unsigned	max_relay;	/* relay-mode sessions, of max_sessions */
	unsigned	workers;
	enum zd_policy	policy;
	int		log_level;
	int		use_syslog;	/* -1: syslog in the background */
	int		foreground;
	int		latch;		/* symmetric RTP: learn the remote */
	unsigned	handshake_timeout;	/* seconds */
	unsigned	control_hello_timeout;	/* seconds */
	uint32_t	cache_expiry;	/* seconds; 0xffffffff forever */
	int		pbx_enrollment;	/* §7.3.1: ask the person (1) or refuse */
	struct zd_algos	algos;
	int		check_only;	/* --check-config */
	/* Where each option (config.c's table order) was set last, so that
	 * an error found once both sources are read names its source. */
	int		from[ZD_OPT_SLOTS];
};

void	zd_config_defaults(struct zd_config *c);
/*
 * Command line, with --config FILE read first (wherever it appears) so the
 * command line overrides the file. 0, or -1 with a message in err.
 */
int	zd_config_parse(struct zd_config *c, int argc, char **argv, char *err,
	    size_t err_len);
/* Re-read the file for SIGHUP into a copy; the caller applies what it can. */
int	zd_config_load_file(struct zd_config *c, const char *path, char *err,
	    size_t err_len);
/* "DH3k,X255" into the kind's list; -1 with the reason in err. */
int	zd_algos_parse(struct zd_algos *a, int kind, const char *list,
	    char *err, size_t err_len);
/* How many sessions may be relay mode: max_relay_sessions, at most all. */
unsigned zd_relay_limit(const struct zd_config *c);
const char *zd_policy_name(enum zd_policy p);
int	zd_policy_parse(const char *s, enum zd_policy *out);
void	zd_config_usage(void);
/* Settings that only make sense together (also after a SIGHUP's reload). */
int	zd_config_judge(const struct zd_config *c, char *err, size_t err_len);

#endif
