/*
 * zrtpd's settings from one table: every entry is a long option and a
 * configuration-file key. The file is `key = value` lines, `#` comments;
 * an unknown key or a bad value stops the daemon with its source (file:line
 * or --option), as does a value judged once both sources are read. Values
 * are judged here, once; nothing is opened but the file.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algo.h"
#include "config.h"
#include "log.h"

enum zd_opt_type {
	OPT_STR, OPT_UINT, OPT_BOOL, OPT_MODE, OPT_POLICY, OPT_LEVEL,
	OPT_LOG, OPT_ALGO, OPT_RANGE, OPT_CMDLINE
};

struct zd_opt {
	const char	*name;
	enum zd_opt_type type;
	size_t		 off;	/* into struct zd_config */
	size_t		 size;	/* OPT_STR: buffer; OPT_ALGO: kind */
	unsigned long	 min, max;
	const char	*help;
};

#define S(f)	offsetof(struct zd_config, f), sizeof(((struct zd_config *)0)->f)
#define U(f)	offsetof(struct zd_config, f), 0

static const struct zd_opt zd_opts[] = {
	{ "config", OPT_CMDLINE, 0, 0, 0, 0, "FILE: read settings from FILE" },
	{ "check_config", OPT_CMDLINE, 0, 0, 0, 0,
	    "check the settings and exit" },
	{ "state_dir", OPT_STR, S(state_dir), 0, 0,
	    "DIR: private state (the cache), default /var/lib/zrtpd" },
	{ "control_socket", OPT_STR, S(control_socket), 0, 0,
	    "PATH: control socket, default /run/zrtpd/control.sock" },
	{ "control_mode", OPT_MODE, U(socket_mode), 0, 0777,
	    "OCTAL: control socket mode, default 0660" },
	{ "control_group", OPT_STR, S(socket_group), 0, 0,
	    "GROUP: control socket group" },
	{ "control_hello_timeout", OPT_UINT, U(control_hello_timeout), 1, 3600,
	    "SEC: a connection without hello by then is closed, default 10" },
	{ "keys_group", OPT_STR, S(key_group), 0, 0,
	    "GROUP: may receive SRTP keys (besides root and our uid)" },
	{ "user", OPT_STR, S(user), 0, 0, "USER: drop to USER when started as root" },
	{ "pid_file", OPT_STR, S(pid_file), 0, 0,
	    "FILE: write our pid there once ready" },
	{ "media_addr", OPT_STR, S(media_address), 0, 0,
	    "ADDR: media bind address when a client names none, default 0.0.0.0" },
	{ "media_ports", OPT_RANGE, U(port_min), 1024, 65535,
	    "LO-HI: media port range, even ports taken (default: any)" },
	{ "app_addr", OPT_STR, S(app_address), 0, 0,
	    "ADDR: loopback address of sessions' application ports, default 127.0.0.1" },
	{ "max_sessions", OPT_UINT, U(max_sessions), 1, 100000,
	    "N: session limit, default 1024" },
	{ "max_relay_sessions", OPT_UINT, U(max_relay), 0, 100000,
	    "N: of those, relay-mode ones (2 descriptors; keys mode 1), default all" },
	{ "workers", OPT_UINT, U(workers), 1, 64,
	    "N: key-agreement threads, default 2" },
	{ "policy", OPT_POLICY, U(policy), 0, 0,
	    "require|best-effort: default media policy before secure" },
	{ "log_level", OPT_LEVEL, U(log_level), 0, 0,
	    "err|warning|notice|info|debug, default notice" },
	{ "log", OPT_LOG, U(use_syslog), 0, 0,
	    "stderr|syslog, default stderr in the foreground, syslog otherwise" },
	{ "foreground", OPT_BOOL, U(foreground), 0, 0,
	    "stay in the foreground" },
	{ "latch", OPT_BOOL, U(latch), 0, 0,
	    "symmetric RTP: follow the remote's authenticated source address" },
	{ "handshake_timeout", OPT_UINT, U(handshake_timeout), 1, 3600,
	    "SEC: a session not secure by then fails, default 60" },
	{ "cache_expiry", OPT_UINT, U(cache_expiry), 0, 0xffffffffUL,
	    "SEC: retained-secret lifetime we offer, default forever" },
	{ "pbx_enrollment", OPT_BOOL, U(pbx_enrollment), 0, 0,
	    "yes|no: pass a PBX's enrollment request to clients, default yes" },
	{ "hash", OPT_ALGO, offsetof(struct zd_config, algos), ZALGO_HASH, 0, 0,
	    "LIST: hash preference, e.g. S384,S256" },
	{ "cipher", OPT_ALGO, offsetof(struct zd_config, algos), ZALGO_CIPHER,
	    0, 0, "LIST: cipher preference, e.g. AES3,AES1" },
	{ "auth", OPT_ALGO, offsetof(struct zd_config, algos), ZALGO_AUTH, 0, 0,
	    "LIST: SRTP tag preference, e.g. HS80,HS32" },
	{ "kex", OPT_ALGO, offsetof(struct zd_config, algos), ZALGO_KEX, 0, 0,
	    "LIST: key agreement preference, e.g. X255,DH3k" },
	{ "sas", OPT_ALGO, offsetof(struct zd_config, algos), ZALGO_SAS, 0, 0,
	    "LIST: SAS rendering preference, e.g. B32,B256" },
};
#define ZD_NOPTS	(sizeof(zd_opts) / sizeof(zd_opts[0]))
_Static_assert(ZD_NOPTS <= ZD_OPT_SLOTS, "zd_config.from[] too small");

void
zd_config_defaults(struct zd_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/zrtpd");
	snprintf(c->control_socket, sizeof(c->control_socket),
	    "/run/zrtpd/control.sock");
	c->socket_mode = 0660;
	snprintf(c->media_address, sizeof(c->media_address), "0.0.0.0");
	snprintf(c->app_address, sizeof(c->app_address), "127.0.0.1");
	c->max_sessions = 1024;
	c->max_relay = ZD_RELAY_ALL;
	c->workers = 2;
	c->policy = ZD_POLICY_REQUIRE;
	c->log_level = LOG_NOTICE;
	c->use_syslog = -1;
	c->handshake_timeout = 60;
	c->control_hello_timeout = 10;
	c->cache_expiry = 0xffffffff;
	c->pbx_enrollment = 1;
}

unsigned
zd_relay_limit(const struct zd_config *c)
{
	return c->max_relay < c->max_sessions ? c->max_relay : c->max_sessions;
}

const char *
zd_policy_name(enum zd_policy p)
{
	return p == ZD_POLICY_BEST_EFFORT ? "best-effort" : "require";
}

int
zd_policy_parse(const char *s, enum zd_policy *out)
{
	if (strcmp(s, "require") == 0)
		*out = ZD_POLICY_REQUIRE;
	else if (strcmp(s, "best-effort") == 0)
		*out = ZD_POLICY_BEST_EFFORT;
	else
		return -1;
	return 0;
}

/* proto/'s one parser of configured lists (names, what we run). */
int
zd_algos_parse(struct zd_algos *a, int kind, const char *list, char *err,
    size_t err_len)
{
	return zalgo_parse_list(kind, list, a->algo[kind], &a->count[kind], err,
	    err_len) == 0 ? 0 : -1;
}

static int
zd_bool_parse(const char *v, int *out)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
	    strcmp(v, "1") == 0 || strcmp(v, "on") == 0)
		*out = 1;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 ||
	    strcmp(v, "0") == 0 || strcmp(v, "off") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

/* "40000-49999": both in [min, max], lo <= hi. */
static int
zd_range_parse(struct zd_config *c, const struct zd_opt *o, const char *v,
    char *err, size_t err_len)
{
	unsigned long lo, hi;
	char *end;

	errno = 0;
	lo = strtoul(v, &end, 10);
	if (end == v || *end != '-')
		goto bad;
	v = end + 1;
	hi = strtoul(v, &end, 10);
	if (end == v || *end != '\0' || errno != 0 || lo < o->min ||
	    hi > o->max || lo > hi)
		goto bad;
	c->port_min = (unsigned)lo;
	c->port_max = (unsigned)hi;
	return 0;
bad:
	snprintf(err, err_len, "LO-HI with %lu <= LO <= HI <= %lu", o->min,
	    o->max);
	return -1;
}

/* Judge one value and store it; -1 with a reason in err (the caller
 * names the setting and its source). */
static int
zd_opt_set(struct zd_config *c, const struct zd_opt *o, const char *v,
    char *err, size_t err_len)
{
	char *base = (char *)c, *end, why[256];
	unsigned long n;
	int i;

	switch (o->type) {
	case OPT_STR:
		if (strlen(v) >= o->size) {
			snprintf(err, err_len, "value too long");
			return -1;
		}
		snprintf(base + o->off, o->size, "%s", v);
		return 0;
	case OPT_UINT:
	case OPT_MODE:
		errno = 0;
		n = strtoul(v, &end, o->type == OPT_MODE ? 8 : 10);
		if (*v == '\0' || *v == '-' || *end != '\0' || errno != 0 ||
		    n < o->min || n > o->max) {
			snprintf(err, err_len, "'%s' is not a number in "
			    "%lu..%lu", v, o->min, o->max);
			return -1;
		}
		if (o->off == offsetof(struct zd_config, cache_expiry))
			c->cache_expiry = (uint32_t)n;
		else
			*(unsigned *)(void *)(base + o->off) = (unsigned)n;
		return 0;
	case OPT_BOOL:
		if (zd_bool_parse(v, &i) != 0)
			goto bad;
		*(int *)(void *)(base + o->off) = i;
		return 0;
	case OPT_POLICY:
		return zd_policy_parse(v, &c->policy) == 0 ? 0 : (snprintf(err,
		    err_len, "'%s' is not require or best-effort", v), -1);
	case OPT_LEVEL:
		if ((i = zlog_level_parse(v)) < 0)
			goto bad;
		c->log_level = i;
		return 0;
	case OPT_LOG:
		if (strcmp(v, "stderr") != 0 && strcmp(v, "syslog") != 0)
			goto bad;
		c->use_syslog = strcmp(v, "syslog") == 0;
		return 0;
	case OPT_ALGO:
		if (zd_algos_parse(&c->algos, (int)o->size, v, why,
		    sizeof(why)) != 0) {
			/* proto's reason names the kind: the caller does. */
			i = (int)strlen(o->name);
			snprintf(err, err_len, "%s", strncmp(why, o->name,
			    (size_t)i) == 0 && strncmp(why + i, ": ", 2) == 0 ?
			    why + i + 2 : why);
			return -1;
		}
		return 0;
	case OPT_RANGE:
		return zd_range_parse(c, o, v, err, err_len);
	case OPT_CMDLINE:
		break;
	}
bad:
	snprintf(err, err_len, "bad value '%s'", v);
	return -1;
}

/* Where option o was set: "FILE:LINE: name", "--dashed-name", or the
 * name alone for its default. */
static const char *
zd_from(const struct zd_config *c, const struct zd_opt *o, char *buf,
    size_t len)
{
	int from = c->from[o - zd_opts];
	size_t i;

	if (from > 0)
		snprintf(buf, len, "%s:%d: %s", c->config_file, from, o->name);
	else if (from == ZD_FROM_CMDLINE) {
		snprintf(buf, len, "--%s", o->name);
		for (i = 2; buf[i] != '\0'; i++)
			if (buf[i] == '_')
				buf[i] = '-';
	} else
		snprintf(buf, len, "%s", o->name);
	return buf;
}

/* Set o to v from its source (ZD_FROM_CMDLINE or a file line). */
static int
zd_opt_set_from(struct zd_config *c, const struct zd_opt *o, const char *v,
    int from, char *err, size_t err_len)
{
	char why[256], where[ZD_STR_MAX + 64];

	c->from[o - zd_opts] = from;
	if (zd_opt_set(c, o, v, why, sizeof(why)) == 0)
		return 0;
	snprintf(err, err_len, "%s: %s", zd_from(c, o, where, sizeof(where)),
	    why);
	return -1;
}

/* Names match with '-' and '_' alike: --state-dir is state_dir. */
static int
zd_name_eq(const char *a, const char *b, size_t blen)
{
	size_t i;

	for (i = 0; i < blen; i++, a++)
		if (*a == '\0' || (*a != b[i] && !(*a == '_' && b[i] == '-')))
			return 0;
	return *a == '\0';
}

static const struct zd_opt *
zd_opt_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ZD_NOPTS; i++)
		if (zd_name_eq(zd_opts[i].name, name, len))
			return &zd_opts[i];
	return NULL;
}

static char *
zd_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
zd_config_load_file(struct zd_config *c, const char *path, char *err,
    size_t err_len)
{
	char line[1024], *key, *val, *eq;
	const struct zd_opt *o;
	FILE *f;
	int lineno = 0, r = -1;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, err_len, "%s:%d: line too long", path,
			    lineno);
			goto out;
		}
		line[strcspn(line, "#\n")] = '\0';
		key = zd_trim(line);
		if (*key == '\0')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, err_len, "%s:%d: expected 'key = value'",
			    path, lineno);
			goto out;
		}
		*eq = '\0';
		key = zd_trim(key);
		val = zd_trim(eq + 1);
		if ((o = zd_opt_find(key, strlen(key))) == NULL ||
		    o->type == OPT_CMDLINE) {
			snprintf(err, err_len, "%s:%d: unknown setting '%s'",
			    path, lineno, key);
			goto out;
		}
		if (zd_opt_set_from(c, o, val, lineno, err, err_len) != 0)
			goto out;
	}
	r = 0;
out:
	fclose(f);
	return r;
}

void
zd_config_usage(void)
{
	size_t i;

	/* On stdout, as asked: a person pipes it to less or grep. */
	printf("usage: zrtpd [--option value ...]\n");
	for (i = 0; i < ZD_NOPTS; i++)
		printf("  --%-18s %s\n", zd_opts[i].name, zd_opts[i].help);
	printf("  --help, --version\n");
	printf("Every option but config, check-config, help and version is "
	    "also valid as\n'name = value' in the file, with '-' and '_' "
	    "alike (zrtpd.conf(5)).\n");
}

/* 1 if a is a numeric loopback address (127.0.0.0/8, ::1). */
static int
zd_loopback(const char *a)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, a, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, a, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* 1 if a is a numeric IPv4 or IPv6 address. */
static int
zd_numeric(const char *a)
{
	struct in6_addr a6;
	struct in_addr a4;

	return inet_pton(AF_INET, a, &a4) == 1 ||
	    inet_pton(AF_INET6, a, &a6) == 1;
}

/* A judged setting's error, named by its source (zd_from). */
static int __attribute__((format(printf, 5, 6)))
zd_judged_bad(const struct zd_config *c, const char *name, char *err,
    size_t err_len, const char *fmt, ...)
{
	char where[ZD_STR_MAX + 64], why[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(err, err_len, "%s: %s", zd_from(c, zd_opt_find(name,
	    strlen(name)), where, sizeof(where)), why);
	return -1;
}

/*
 * An algorithm list refused once all are read: a reason that starts with a
 * kind ("kex: at most 6 names") is that setting's; one about several (the
 * couplings) names every list that was set.
 */
static int
zd_algos_bad(const struct zd_config *c, const char *why, char *err,
    size_t err_len)
{
	char where[ZD_STR_MAX + 64];
	size_t i, k, n = 0;

	for (i = 0; i < ZD_NOPTS; i++) {
		k = strlen(zd_opts[i].name);
		if (zd_opts[i].type == OPT_ALGO && c->from[i] !=
		    ZD_FROM_DEFAULT && strncmp(why, zd_opts[i].name, k) == 0 &&
		    strncmp(why + k, ": ", 2) == 0) {
			snprintf(err, err_len, "%s: %s", zd_from(c, &zd_opts[i],
			    where, sizeof(where)), why + k + 2);
			return -1;
		}
	}
	err[0] = '\0';
	for (i = 0; i < ZD_NOPTS && n < err_len; i++) {
		if (zd_opts[i].type != OPT_ALGO ||
		    c->from[i] == ZD_FROM_DEFAULT)
			continue;
		n += (size_t)snprintf(err + n, err_len - n, "%s%s",
		    n > 0 ? "; " : "", zd_from(c, &zd_opts[i], where,
		    sizeof(where)));
	}
	if (n < err_len)
		snprintf(err + n, err_len - n, "%s%s", n > 0 ? ": " :
		    "algorithms: ", why);
	return -1;
}

/* After both sources: settings that only make sense together. */
int
zd_config_judge(const struct zd_config *c, char *err, size_t err_len)
{
	struct zd_algos a = c->algos;
	char why[256];

	if (zalgo_complete(a.count, a.algo, 0, why, sizeof(why)) != 0)
		return zd_algos_bad(c, why, err, err_len);
	if (c->state_dir[0] != '/')
		return zd_judged_bad(c, "state_dir", err, err_len, "'%s' is "
		    "not an absolute path", c->state_dir);
	if (c->control_socket[0] != '/')
		return zd_judged_bad(c, "control_socket", err, err_len, "'%s' "
		    "is not an absolute path", c->control_socket);
	if (!zd_numeric(c->media_address))
		return zd_judged_bad(c, "media_addr", err, err_len, "'%s' is "
		    "not a numeric IPv4 or IPv6 address", c->media_address);
	if (!zd_loopback(c->app_address))
		return zd_judged_bad(c, "app_addr", err, err_len, "'%s' is not "
		    "a loopback address (127.0.0.0/8 or ::1): the application "
		    "port carries media in clear and must not face the network",
		    c->app_address);
	return 0;
}

/* One command-line option at argv[*i]: "--name value" or "--name=value". */
static int
zd_arg(struct zd_config *c, int argc, char **argv, int *i, int file_pass,
    char *err, size_t err_len)
{
	const char *a = argv[*i], *val = NULL, *eq;
	const struct zd_opt *o;
	size_t len;

	if (strncmp(a, "--", 2) != 0) {
		snprintf(err, err_len, "unexpected argument '%s'", a);
		return -1;
	}
	a += 2;
	len = (eq = strchr(a, '=')) != NULL ? (size_t)(eq - a) : strlen(a);
	if (zd_name_eq("help", a, len)) {
		zd_config_usage();
		exit(0);
	}
	if (zd_name_eq("version", a, len)) {
		printf("zrtpd %s\n", PACKAGE_VERSION);
		exit(0);
	}
	if ((o = zd_opt_find(a, len)) == NULL) {
		snprintf(err, err_len, "unknown option --%.*s (--help lists "
		    "them)", (int)len, a);
		return -1;
	}
	if (o->type == OPT_BOOL || strcmp(o->name, "check_config") == 0)
		val = eq != NULL ? eq + 1 : "yes";
	else if (eq != NULL)
		val = eq + 1;
	else if (*i + 1 < argc)
		val = argv[++*i];
	else {
		snprintf(err, err_len, "--%s needs a value", o->name);
		return -1;
	}
	if (strcmp(o->name, "config") == 0) {
		if (file_pass)
			snprintf(c->config_file, sizeof(c->config_file), "%s",
			    val);
		return 0;
	}
	if (file_pass)
		return 0;
	if (strcmp(o->name, "check_config") == 0) {
		c->check_only = 1;
		return 0;
	}
	return zd_opt_set_from(c, o, val, ZD_FROM_CMDLINE, err, err_len);
}

int
zd_config_parse(struct zd_config *c, int argc, char **argv, char *err,
    size_t err_len)
{
	int i, pass;

	/* Pass 0 finds --config; the file is read; pass 1 overrides it. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 1; i < argc; i++)
			if (zd_arg(c, argc, argv, &i, pass == 0, err,
			    err_len) != 0)
				return -1;
		if (pass == 0 && c->config_file[0] != '\0' &&
		    zd_config_load_file(c, c->config_file, err, err_len) != 0)
			return -1;
	}
	return zd_config_judge(c, err, err_len);
}
