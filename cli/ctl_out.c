/*
 * zrtpctl's output and errors: colour only on a terminal, untrusted text
 * escaped before it is printed, every failure turned into a stable code,
 * an exit status and the command a person should run next.
 */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "escape.h"

static const char *const styles[] = {
	[CTL_RESET] = "\033[0m",
	[CTL_BOLD] = "\033[1m",
	[CTL_DIM] = "\033[2m",
	[CTL_GREEN] = "\033[1;32m",
	[CTL_YELLOW] = "\033[1;33m",
	[CTL_RED] = "\033[1;31m",
	[CTL_ALARM] = "\033[1;97;41m",
};

const char *
ctl_style(const struct ctl *x, enum ctl_style s)
{
	return x->color ? styles[s] : "";
}

enum ctl_style
ctl_level_style(int level)
{
	static const enum ctl_style by_level[] = { CTL_GREEN, CTL_YELLOW,
		CTL_RED, CTL_ALARM };

	return level >= 0 && level <= 3 ? by_level[level] : CTL_RED;
}

/* Untrusted text through the tools' one escaping (escape.h): printable
 * ASCII kept, every other byte as \xNN. A '"' is kept when quote_ok (our
 * own messages quote what they name; the quoted parts are escaped). */
static void
put_escaped(FILE *f, const char *s, int quote_ok)
{
	const char *q;
	size_t n, sp;
	char *out;

	for (;;) {
		q = quote_ok ? strchr(s, '"') : NULL;
		n = q != NULL ? (size_t)(q - s) : strlen(s);
		/* zesc() drops trailing spaces (a fixed field's padding):
		 * here they are text, so they are put back. */
		for (sp = 0; sp < n && s[n - 1 - sp] == ' '; sp++)
			;
		if ((out = malloc(ZESC_LEN(n))) == NULL)
			return;
		fputs(zesc(out, ZESC_LEN(n), (const uint8_t *)s, n - sp,
		    ZESC_TEXT), f);
		free(out);
		for (; sp > 0; sp--)
			fputc(' ', f);
		if (q == NULL)
			return;
		fputc('"', f);
		s = q + 1;
	}
}

void
ctl_put(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("-", f);
		return;
	}
	put_escaped(f, s, 0);
}

void
ctl_put_quoted(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("-", f);
		return;
	}
	fputc('"', f);
	put_escaped(f, s, 0);
	fputc('"', f);
}

void
ctl_put_field(FILE *f, const char *s)
{
	char buf[128];
	size_t n;

	if (s == NULL) {
		fputs("-", f);
		return;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	for (n = strlen(buf); n > 0 && buf[n - 1] == ' '; n--)
		buf[n - 1] = '\0';
	ctl_put_quoted(f, buf);
}

void
ctl_put_id(FILE *f, const char *hex)
{
	char prefix[9];

	if (hex == NULL) {
		fputs("-", f);
		return;
	}
	snprintf(prefix, sizeof(prefix), "%s", hex);
	put_escaped(f, prefix, 0);
}

const char *
ctl_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

json_int_t
ctl_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

int
ctl_bool(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

static void
json_line(json_t *o)
{
	json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
	fputc('\n', stdout);
	fflush(stdout);
}

int
ctl_json_ok(struct ctl *x, int exit, json_t *result)
{
	json_t *o;

	(void)x;
	o = json_pack("{sbsisO}", "ok", 1, "exit", exit, "result",
	    result != NULL ? result : json_null());
	json_decref(result);
	if (o != NULL)
		json_line(o);
	json_decref(o);
	return exit;
}

static int
vfail(struct ctl *x, int exit, const char *code, const char *hint,
    const char *fmt, va_list ap)
{
	char msg[1024];
	json_t *o;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (x->json) {
		o = json_pack("{sbsis{ssss}}", "ok", 0, "exit", exit, "error",
		    "code", code, "message", msg);
		if (o != NULL && hint != NULL)
			json_object_set_new(json_object_get(o, "error"), "hint",
			    json_string(hint));
		if (o != NULL)
			json_line(o);
		json_decref(o);
		return exit;
	}
	fprintf(stderr, "%szrtpctl: ", ctl_style(x, CTL_RED));
	put_escaped(stderr, msg, 1);
	fprintf(stderr, "%s\n", ctl_style(x, CTL_RESET));
	if (hint != NULL) {
		fputs("  ", stderr);
		put_escaped(stderr, hint, 1);
		fputc('\n', stderr);
	}
	return exit;
}

int
ctl_fail(struct ctl *x, int exit, const char *code, const char *hint,
    const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail(x, exit, code, hint, fmt, ap);
	va_end(ap);
	return r;
}

/* Which group may use the socket: its own group, when we can read it. */
static void
socket_group(const char *path, char *out, size_t len)
{
	struct group *g;
	struct stat st;

	snprintf(out, len, "the socket's group");
	if (stat(path, &st) != 0)
		return;
	if ((g = getgrgid(st.st_gid)) != NULL)
		snprintf(out, len, "%s", g->gr_name);
}

static const struct {
	const char	*code;
	int		 exit;
	const char	*hint;
} daemon_errors[] = {
	{ "unknown_session", CTL_EXIT_NOT_FOUND,
	  "List the sessions with: zrtpctl sessions" },
	{ "unknown_call", CTL_EXIT_NOT_FOUND,
	  "List the sessions and their calls with: zrtpctl sessions" },
	{ "unknown_peer", CTL_EXIT_NOT_FOUND,
	  "List the peers with: zrtpctl cache list" },
	{ "ambiguous", CTL_EXIT_USAGE,
	  "Give more hex digits of the ZID (zrtpctl cache list)." },
	{ "forbidden", CTL_EXIT_PERMISSION,
	  "Join the group the daemon names, log in again, and retry." },
	{ "challenge_failed", CTL_EXIT_CHALLENGE_FAILED,
	  "Nothing was recorded. Compare again: zrtpctl verify SESSION "
	  "--challenge" },
	{ "busy", CTL_EXIT_FAIL,
	  "Wait until the calls end (zrtpctl sessions), then retry." },
	{ "bad_request", CTL_EXIT_USAGE, "See: zrtpctl --help" },
	{ "bad_version", CTL_EXIT_FAIL,
	  "zrtpctl and zrtpd speak different protocol versions: install "
	  "matching versions." },
};

int
ctl_report(struct ctl *x, int r, const struct zrtpc_error *err)
{
	const char *path = zrtpc_socket_path(x->socket);
	char group[64], hint[512];
	size_t i;

	switch (r) {
	case ZRTPC_E_UNREACHABLE:
	case ZRTPC_E_CLOSED:
	case ZRTPC_E_TIMEOUT:
		snprintf(hint, sizeof(hint), "Is zrtpd running? Start it, or "
		    "give its socket with --socket PATH or %s (tried %s).",
		    ZRTPC_SOCKET_ENV, path);
		return ctl_fail(x, CTL_EXIT_UNREACHABLE, err->code, hint,
		    "%s", err->message);
	case ZRTPC_E_PERMISSION:
		socket_group(path, group, sizeof(group));
		if (strcmp(group, "root") == 0)
			snprintf(hint, sizeof(hint), "The socket's group is "
			    "root: run zrtpctl with sudo, or have zrtpd's "
			    "control_group set to a group of yours "
			    "(zrtpd.conf(5)).");
		else
			snprintf(hint, sizeof(hint), "Join the group %s (sudo "
			    "adduser $USER %s), log in again, and retry; or "
			    "run as root.", group, group);
		return ctl_fail(x, CTL_EXIT_PERMISSION, err->code, hint,
		    "%s", err->message);
	case ZRTPC_E_DAEMON:
		for (i = 0; i < sizeof(daemon_errors) /
		    sizeof(daemon_errors[0]); i++)
			if (strcmp(daemon_errors[i].code, err->code) == 0)
				return ctl_fail(x, daemon_errors[i].exit,
				    err->code, daemon_errors[i].hint,
				    "the daemon says: %s", err->message);
		return ctl_fail(x, CTL_EXIT_FAIL, err->code, NULL,
		    "the daemon says: %s", err->message);
	default:
		return ctl_fail(x, CTL_EXIT_FAIL, err->code, NULL, "%s",
		    err->message);
	}
}

int
ctl_connect(struct ctl *x)
{
	struct zrtpc_error err;
	int r;

	if (x->c != NULL)
		return 0;
	r = zrtpc_open(x->socket, "zrtpctl " PACKAGE_VERSION, CTL_TIMEOUT_MS,
	    &x->c, &err);
	return r == 0 ? 0 : ctl_report(x, r, &err);
}

int
ctl_call_fd(struct ctl *x, const char *cmd, json_t *args, int fd,
    json_t **res)
{
	struct zrtpc_error err;
	int r;

	*res = NULL;
	if ((r = ctl_connect(x)) != 0)
		return r;
	if (fd >= 0)
		r = zrtpc_request_fd(x->c, cmd, args, fd, CTL_TIMEOUT_MS, res,
		    &err);
	else
		r = zrtpc_request(x->c, cmd, args, CTL_TIMEOUT_MS, res, &err);
	return r == 0 ? 0 : ctl_report(x, r, &err);
}

int
ctl_call(struct ctl *x, const char *cmd, json_t *args, json_t **res)
{
	return ctl_call_fd(x, cmd, args, -1, res);
}

void
ctl_print_sas(struct ctl *x, json_t *sas, json_t *peer, const char *indent)
{
	const char *text = ctl_str(sas, "text");
	const char *scheme = ctl_str(sas, "scheme");
	char spoken[128];

	if (text == NULL) {
		printf("%sSAS:      not ready yet\n", indent);
	} else {
		printf("%sSAS:      %s", indent, ctl_style(x, CTL_BOLD));
		ctl_put(stdout, text);
		printf("%s", ctl_style(x, CTL_RESET));
		if (ctl_bool(sas, "relayed"))
			printf("  (relayed by a trusted PBX)");
		putchar('\n');
		if (ctl_sas_spell(scheme, text, spoken, sizeof(spoken)) == 0) {
			printf("%sSay:      ", indent);
			ctl_put(stdout, spoken);
			putchar('\n');
		} else if (scheme != NULL && strcmp(scheme, "B32E") == 0)
			printf("%sSay:      describe each of the four pictures\n",
			    indent);
	}
	printf("%sPeer:     ", indent);
	if (!json_is_object(peer)) {
		printf("not known yet\n");
		return;
	}
	if (ctl_str(peer, "name") != NULL && ctl_str(peer, "name")[0]) {
		printf("%s", ctl_style(x, CTL_BOLD));
		ctl_put_quoted(stdout, ctl_str(peer, "name"));
		printf("%s", ctl_style(x, CTL_RESET));
	} else
		printf("%sno name yet%s", ctl_style(x, CTL_YELLOW),
		    ctl_style(x, CTL_RESET));
	if (ctl_str(peer, "zid") != NULL) {
		printf(" (ZID ");
		ctl_put_id(stdout, ctl_str(peer, "zid"));
		printf(")");
	}
	putchar('\n');
}

const char *
ctl_esc(char *out, size_t len, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (s == NULL)
		snprintf(out, len, "-");
	else
		zesc(out, len, (const uint8_t *)s, n, ZESC_TEXT);
	return out;
}

/* Our own text word-wrapped at CTL_WIDTH columns; the first line starts at
 * column col, later ones after indent. A '\n' in text breaks the line. */
void
ctl_wrap(const char *indent, size_t col, const char *text)
{
	const char *p = text, *end;
	size_t w, ind = strlen(indent);

	while (*p != '\0') {
		end = p + strcspn(p, " \n");
		w = (size_t)(end - p);
		if (col > ind && col + 1 + w > CTL_WIDTH) {
			printf("\n%s", indent);
			col = ind;
		} else if (col > ind) {
			putchar(' ');
			col++;
		}
		fwrite(p, 1, w, stdout);
		col += w;
		if (*end == '\n') {
			printf("\n%s", indent);
			col = ind;
		}
		p = *end != '\0' ? end + 1 : end;
		while (*p == ' ')
			p++;
	}
	putchar('\n');
}

/* A next step with the session's id (escaped) in place of its %s. */
static void
next_step(const char *step, const char *session, char *out, size_t len)
{
	char id[64];
	const char *p;

	ctl_esc(id, sizeof(id), session != NULL ? session : "SESSION");
	if ((p = strstr(step, "%s")) == NULL)
		snprintf(out, len, "%s", step);
	else
		snprintf(out, len, "%.*s%s%s", (int)(p - step), step, id,
		    p + 2);
}

void
ctl_print_state_next(struct ctl *x, const char *security,
    const char *session, const char *indent, const char *step)
{
	const struct ctl_state_words *w = ctl_state_words(security);
	char next[512], ind[64];

	snprintf(ind, sizeof(ind), "%s          ", indent);
	printf("%sSecurity: %s%s%s\n%s", indent,
	    ctl_style(x, ctl_level_style(w->level)), w->title,
	    ctl_style(x, CTL_RESET), ind);
	ctl_wrap(ind, strlen(ind), w->text);
	next_step(step != NULL ? step : w->next, session, next, sizeof(next));
	printf("%sNext:     ", indent);
	ctl_wrap(ind, strlen(ind), next);
}

void
ctl_print_state(struct ctl *x, const char *security, const char *session,
    const char *indent)
{
	ctl_print_state_next(x, security, session, indent, NULL);
}

void
ctl_print_state_brief(struct ctl *x, const char *security,
    const char *session)
{
	const struct ctl_state_words *w = ctl_state_words(security);
	char next[512];

	printf("%s%s%s\n    ", ctl_style(x, ctl_level_style(w->level)),
	    w->title, ctl_style(x, CTL_RESET));
	ctl_wrap("    ", 4, w->text);
	next_step(w->next, session, next, sizeof(next));
	printf("    %sNext:%s ", ctl_style(x, CTL_BOLD),
	    ctl_style(x, CTL_RESET));
	ctl_wrap("          ", 10, next);
}

int
ctl_ask(const char *prompt, char *buf, size_t len)
{
	size_t n;

	fputs(prompt, stdout);
	fflush(stdout);
	if (fgets(buf, (int)len, stdin) == NULL)
		return -1;
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == len - 1) {
		/* Too long: drop the rest of the line. */
		int ch;

		while ((ch = getchar()) != EOF && ch != '\n')
			;
	}
	buf[n] = '\0';
	return 0;
}
