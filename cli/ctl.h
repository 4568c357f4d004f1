/*
 * zrtpctl's shared state and helpers: the connection, output modes
 * (human or --json, colour), printing of untrusted text, turning a
 * library error into an exit status and advice a person can act on.
 */
#ifndef ZRTPD_CTL_H
#define ZRTPD_CTL_H

#include <stdio.h>

#include <jansson.h>

#include "ctl_say.h"
#include "zrtpc.h"

#define CTL_TIMEOUT_MS	10000
#define CTL_WIDTH	78	/* where text for people is wrapped */

/* Options, one bit each, so a command can say which it takes. */
enum {
	CTL_OPT_CHALLENGE = 1 << 0,
	CTL_OPT_COUNT = 1 << 1,
	CTL_OPT_CHALLENGE_ID = 1 << 2,
	CTL_OPT_PICK = 1 << 3,
	CTL_OPT_NAME = 1 << 4,
	CTL_OPT_YES = 1 << 5,
	CTL_OPT_UNTIL = 1 << 6,
};

struct ctl {
	const char	*socket;	/* as given; NULL: env or default */
	int		 json;
	int		 color;
	int		 interactive;	/* stdin is a terminal, not --json */
	int		 opts;		/* CTL_OPT_* given */
	int		 count;		/* --count */
	const char	*challenge_id;	/* --challenge-id */
	int		 pick;		/* --pick, 1-based */
	const char	*name;		/* --name */
	const char	*until;		/* --until */
	int		 argc;		/* the command's own arguments */
	char		**argv;
	struct zrtpc	*c;
};

/* Colours and styles: empty strings when colour is off. */
enum ctl_style { CTL_RESET, CTL_BOLD, CTL_DIM, CTL_GREEN, CTL_YELLOW,
	CTL_RED, CTL_ALARM };
const char	*ctl_style(const struct ctl *x, enum ctl_style s);
/* The style of a security level (ctl_state_words' level). */
enum ctl_style	 ctl_level_style(int level);

/* Untrusted text (anything a peer, a client or the daemon wrote) made
 * safe for a terminal. NULL prints as "-". */
void	ctl_put(FILE *f, const char *s);
/* The same, quoted. */
void	ctl_put_quoted(FILE *f, const char *s);
/* A peer's fixed-size field (client id): quoted, padding dropped. */
void	ctl_put_field(FILE *f, const char *s);
/* Untrusted text escaped into out (len: ZESC_LEN of it to be whole). */
const char	*ctl_esc(char *out, size_t len, const char *s);
/* Our own text, word-wrapped: see ctl_out.c. */
void	ctl_wrap(const char *indent, size_t col, const char *text);
/* A ZID (or any hex id) as its first 8 characters, escaped. */
void	ctl_put_id(FILE *f, const char *hex);

/* Connect (once). Returns 0 or an exit status, the error printed. */
int	ctl_connect(struct ctl *x);
/* One request; 0 with *res, or an exit status, the error printed. */
int	ctl_call(struct ctl *x, const char *cmd, json_t *args, json_t **res);
int	ctl_call_fd(struct ctl *x, const char *cmd, json_t *args, int fd,
	    json_t **res);
/* Report a library or daemon error: prints it and returns the exit. */
int	ctl_report(struct ctl *x, int r, const struct zrtpc_error *err);
/* Report zrtpctl's own failure: exit, stable code, message, advice. */
int	ctl_fail(struct ctl *x, int exit, const char *code, const char *hint,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* --json success: {"ok": true, "exit": exit, "result": result}. Takes
 * result. Returns exit. */
int	ctl_json_ok(struct ctl *x, int exit, json_t *result);

/* JSON accessors that never fail: NULL or 0 when absent or mistyped. */
const char	*ctl_str(json_t *o, const char *key);
json_int_t	 ctl_int(json_t *o, const char *key);
int		 ctl_bool(json_t *o, const char *key);

/* Print a session's SAS block: the SAS, its spoken form, the peer. */
void	ctl_print_sas(struct ctl *x, json_t *sas, json_t *peer,
	    const char *indent);
/* Print a security state's title, words and next step for session. */
void	ctl_print_state(struct ctl *x, const char *security,
	    const char *session, const char *indent);
/* The same with another next step (step; NULL: the state's own). */
void	ctl_print_state_next(struct ctl *x, const char *security,
	    const char *session, const char *indent, const char *step);

/* The same on one line after a watch event's head. */
void	ctl_print_state_brief(struct ctl *x, const char *security,
	    const char *session);

/* Read one answer line from the terminal into buf; -1 at end of input. */
int	ctl_ask(const char *prompt, char *buf, size_t len);

/* The commands (ctl_cmd.c, ctl_verify.c, ctl_cache.c, ctl_enroll.c). */
int	cmd_status(struct ctl *x);
int	cmd_sessions(struct ctl *x);
int	cmd_show(struct ctl *x);
int	cmd_name(struct ctl *x);
int	cmd_unverify(struct ctl *x);
int	cmd_watch(struct ctl *x);
int	cmd_verify(struct ctl *x);
int	cmd_cache(struct ctl *x);
int	cmd_enroll(struct ctl *x);

/* A PBX's enrollment request (session_show's or an event's), ctl_enroll.c. */
void	ctl_print_enrollment(struct ctl *x, json_t *e, const char *session,
	    const char *indent);

#endif
