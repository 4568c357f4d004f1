/*
 * zrtpctl: what a person types to see zrtpd's sessions, read and verify the
 * SAS, and look after the retained-secret cache. It speaks only the control
 * protocol, through libzrtpc, like any softphone (docs/zrtpctl.1).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

static const char usage_text[] =
"usage: zrtpctl [--json] [--socket PATH] [--color WHEN] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  status                      the daemon, our ZID, sessions by state\n"
"  sessions                    every session: security, SAS, peer\n"
"  show SESSION                one session in full, and what to do next\n"
"  verify SESSION [match|mismatch|later] [--name NAME]\n"
"                              compare the SAS and give your answer\n"
"  verify SESSION --challenge [--count N]\n"
"                              pick the SAS the other caller read out\n"
"  verify SESSION --challenge-id ID --pick N\n"
"                              answer a challenge without a terminal\n"
"  unverify SESSION            clear the verified flag of the peer\n"
"  enroll SESSION [accept|decline]\n"
"                              answer a PBX that asks to be trusted\n"
"                              (accept needs this call's SAS verified)\n"
"  name SESSION [NAME]         show or set the peer's name (\"\" removes)\n"
"  watch [SESSION...] [--until EVENT]\n"
"                              live events; the SAS as soon as it is ready\n"
"  cache list                  the peers we keep secrets for (never shown)\n"
"  cache show ZID              one peer\n"
"  cache rename ZID NAME       name a peer\n"
"  cache unverify ZID          clear a peer's verified flag\n"
"  cache forget ZID [--yes]    delete every secret of a peer\n"
"  cache backup FILE           write the cache to a new file (mode 0600)\n"
"  cache restore FILE [--yes]  replace the cache from a backup\n"
"\n"
"Options:\n"
"  --json          one JSON object per command (per event for watch)\n"
"  --socket PATH   the control socket (else $ZRTPD_SOCKET, else\n"
"                  " ZRTPC_DEFAULT_SOCKET ")\n"
"  --color WHEN    auto (default: only on a terminal, not with NO_COLOR),\n"
"                  always or never\n"
"  --help, --version\n"
"\n"
"Exit status: 0 ok, 1 failed, 2 usage, 3 not secure, 4 cache mismatch,\n"
"5 SAS mismatch, 6 daemon unreachable, 7 permission, 8 not found,\n"
"9 challenge failed. See zrtpctl(1).\n";

enum { O_JSON = 256, O_SOCKET, O_COLOR, O_CHALLENGE, O_COUNT,
	O_CHALLENGE_ID, O_PICK, O_NAME, O_YES, O_UNTIL, O_HELP, O_VERSION };

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, O_JSON },
	{ "socket", required_argument, NULL, O_SOCKET },
	{ "color", required_argument, NULL, O_COLOR },
	{ "colour", required_argument, NULL, O_COLOR },
	{ "challenge", no_argument, NULL, O_CHALLENGE },
	{ "count", required_argument, NULL, O_COUNT },
	{ "challenge-id", required_argument, NULL, O_CHALLENGE_ID },
	{ "pick", required_argument, NULL, O_PICK },
	{ "name", required_argument, NULL, O_NAME },
	{ "yes", no_argument, NULL, O_YES },
	{ "until", required_argument, NULL, O_UNTIL },
	{ "help", no_argument, NULL, O_HELP },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 }
};

static const struct {
	const char	*name;
	int		(*fn)(struct ctl *);
	int		 min_args, max_args;	/* -1: any number */
	int		 opts;
} commands[] = {
	{ "status", cmd_status, 0, 0, 0 },
	{ "sessions", cmd_sessions, 0, 0, 0 },
	{ "show", cmd_show, 1, 1, 0 },
	{ "verify", cmd_verify, 1, 2, CTL_OPT_CHALLENGE | CTL_OPT_COUNT |
	    CTL_OPT_CHALLENGE_ID | CTL_OPT_PICK | CTL_OPT_NAME },
	{ "unverify", cmd_unverify, 1, 1, 0 },
	{ "enroll", cmd_enroll, 1, 2, 0 },
	{ "name", cmd_name, 1, 2, 0 },
	{ "watch", cmd_watch, 0, -1, CTL_OPT_UNTIL },
	{ "cache", cmd_cache, 1, 3, CTL_OPT_YES },
};

static int usage(struct ctl *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
usage(struct ctl *x, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ctl_fail(x, CTL_EXIT_USAGE, "usage",
	    "See: zrtpctl --help, or man zrtpctl", "%s", msg);
}

static int
number(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static int
color_default(void)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (nc != NULL && nc[0] != '\0')
		return 0;
	if (term != NULL && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(STDOUT_FILENO);
}

/* Options; returns -1 to go on, or an exit status. */
static int
parse_options(struct ctl *x, int argc, char **argv)
{
	int ch;

	x->color = color_default();
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (ch) {
		case O_JSON:
			x->json = 1;
			break;
		case O_SOCKET:
			x->socket = optarg;
			break;
		case O_COLOR:
			if (strcmp(optarg, "always") == 0)
				x->color = 1;
			else if (strcmp(optarg, "never") == 0)
				x->color = 0;
			else if (strcmp(optarg, "auto") == 0)
				x->color = color_default();
			else
				return usage(x, "--color takes auto, always "
				    "or never, not \"%s\"", optarg);
			break;
		case O_CHALLENGE:
			x->opts |= CTL_OPT_CHALLENGE;
			break;
		case O_COUNT:
			x->opts |= CTL_OPT_COUNT;
			if (number(optarg, 2, 8, &x->count) != 0)
				return usage(x, "--count takes 2 to 8, not "
				    "\"%s\"", optarg);
			break;
		case O_CHALLENGE_ID:
			x->opts |= CTL_OPT_CHALLENGE_ID;
			x->challenge_id = optarg;
			break;
		case O_PICK:
			x->opts |= CTL_OPT_PICK;
			if (number(optarg, 1, 8, &x->pick) != 0)
				return usage(x, "--pick takes the candidate's "
				    "number, 1 to 8, not \"%s\"", optarg);
			break;
		case O_NAME:
			x->opts |= CTL_OPT_NAME;
			x->name = optarg;
			break;
		case O_YES:
			x->opts |= CTL_OPT_YES;
			break;
		case O_UNTIL:
			x->opts |= CTL_OPT_UNTIL;
			x->until = optarg;
			break;
		case O_HELP:
			fputs(usage_text, stdout);
			return CTL_EXIT_OK;
		case O_VERSION:
			printf("zrtpctl %s (control protocol %d)\n",
			    PACKAGE_VERSION, ZRTPC_PROTOCOL_VERSION);
			return CTL_EXIT_OK;
		default:
			return usage(x, "unknown option %s",
			    argv[optind - 1]);
		}
	}
	return -1;
}

int
main(int argc, char **argv)
{
	struct ctl x;
	size_t i;
	int r;

	memset(&x, 0, sizeof(x));
	if ((r = parse_options(&x, argc, argv)) >= 0)
		return r;
	if (x.json)
		x.color = 0;
	x.interactive = !x.json && isatty(STDIN_FILENO);
	if (optind >= argc)
		return usage(&x, "%s", "no command given");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, argv[optind]) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0]))
		return usage(&x, "unknown command \"%s\"", argv[optind]);
	x.argc = argc - optind - 1;
	x.argv = argv + optind + 1;
	if (x.argc < commands[i].min_args || (commands[i].max_args >= 0 &&
	    x.argc > commands[i].max_args))
		return usage(&x, "wrong number of arguments to %s",
		    commands[i].name);
	if ((x.opts & ~commands[i].opts) != 0)
		return usage(&x, "an option given is not one of %s's",
		    commands[i].name);
	r = commands[i].fn(&x);
	zrtpc_close(x.c);
	if (fflush(stdout) != 0 && r == 0)
		r = CTL_EXIT_FAIL;
	return r;
}
