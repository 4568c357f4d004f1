/*
 * zrtpctl enroll: a person's answer to a PBX that asks to be trusted as a
 * man in the middle (RFC 6189 §7.3.1), and how show and watch tell of the
 * request. Never answered for the person: without a decision on the
 * command line it asks on a terminal, and elsewhere it only tells.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static const char enroll_text[] =
    "A PBX asks to be trusted as a man in the middle for your future calls "
    "through it. It could then show you the SAS of the caller it connects "
    "you to, and it can listen to those calls. Accept only if this is your "
    "own organization's PBX, and only after you compared this call's SAS "
    "aloud and it matched.";

/* One state of a request, as the daemon names it, in a person's words. */
static const char *
state_words(const char *state, const char *reason)
{
	if (state == NULL)
		return "unknown";
	if (strcmp(state, "pending") == 0)
		return "ASKED: waiting for your answer";
	if (strcmp(state, "storing") == 0)
		return "accepted, being stored";
	if (strcmp(state, "accepted") == 0)
		return "ACCEPTED: this PBX is trusted to relay the SAS";
	if (strcmp(state, "failed") == 0)
		return "FAILED: accepted, but the cache could not store it";
	if (strcmp(state, "declined") != 0)
		return "unknown";
	if (reason != NULL && strcmp(reason, "closed") == 0)
		return "declined: the call ended unanswered";
	if (reason != NULL && strcmp(reason, "forbidden") == 0)
		return "declined: zrtpd's configuration forbids enrollment";
	return "declined";
}

/*
 * The request as session_show or an `enrollment` event has it: e holds
 * "state" and "reason" (the show's object or the event itself).
 */
void
ctl_print_enrollment(struct ctl *x, json_t *e, const char *session,
    const char *indent)
{
	const char *state = ctl_str(e, "state");
	int pending = state != NULL && strcmp(state, "pending") == 0;
	char more[32];

	printf("%sPBX enrollment: %s", indent, pending ?
	    ctl_style(x, CTL_YELLOW) : "");
	ctl_put(stdout, state_words(state, ctl_str(e, "reason")));
	printf("%s\n", pending ? ctl_style(x, CTL_RESET) : "");
	if (!pending)
		return;
	snprintf(more, sizeof(more), "%s          ", indent);
	printf("%s", more);
	ctl_wrap(more, strlen(more), enroll_text);
	printf("%sNext:     zrtpctl verify ", indent);
	ctl_put(stdout, session);
	printf(", then zrtpctl enroll ");
	ctl_put(stdout, session);
	printf(" accept|decline\n");
}

static int
report(struct ctl *x, int accept, json_t *res)
{
	if (x->json)
		return ctl_json_ok(x, CTL_EXIT_OK, res);
	if (accept) {
		printf("%sEnrolled.%s The PBX ", ctl_style(x, CTL_GREEN),
		    ctl_style(x, CTL_RESET));
		ctl_put_id(stdout, ctl_str(res, "zid"));
		printf(" is trusted from now on: its relayed SAS is shown in "
		    "later calls.\nTo withdraw that trust: zrtpctl cache "
		    "forget ");
		ctl_put_id(stdout, ctl_str(res, "zid"));
		putchar('\n');
	} else
		printf("Declined. Nothing is stored: a SAS this PBX relays "
		    "will not be shown.\n");
	json_decref(res);
	return CTL_EXIT_OK;
}

/* No decision given: show the request, and ask on a terminal. */
static int
ask(struct ctl *x, const char **decision)
{
	json_t *args, *res, *e;
	char buf[32];
	int r;

	args = json_pack("{ss}", "session", x->argv[0]);
	r = ctl_call(x, "session_show", args, &res);
	json_decref(args);
	if (r != 0)
		return r;
	e = json_object_get(res, "enrollment");
	if (x->json || !json_is_object(e) || !x->interactive ||
	    ctl_str(e, "state") == NULL ||
	    strcmp(ctl_str(e, "state"), "pending") != 0) {
		if (x->json)
			return ctl_json_ok(x, CTL_EXIT_OK, json_pack("{sO}",
			    "enrollment", e != NULL ? e : json_null()));
		if (json_is_object(e))
			ctl_print_enrollment(x, e, x->argv[0], "");
		else
			printf("No PBX asked to enroll on this session.\n");
		json_decref(res);
		return CTL_EXIT_OK;
	}
	ctl_print_sas(x, json_object_get(res, "sas"), json_object_get(res,
	    "peer"), "");
	ctl_print_enrollment(x, e, x->argv[0], "");
	json_decref(res);
	if (ctl_ask("Type accept or decline (Enter: decide later): ", buf,
	    sizeof(buf)) != 0 || buf[0] == '\0')
		return CTL_EXIT_OK;
	if (strcmp(buf, "accept") == 0 || strcmp(buf, "decline") == 0) {
		*decision = strcmp(buf, "accept") == 0 ? "accept" : "decline";
		return -1;
	}
	return ctl_fail(x, CTL_EXIT_USAGE, "usage", NULL, "answer accept or "
	    "decline; nothing was sent");
}

int
cmd_enroll(struct ctl *x)
{
	const char *decision = x->argc > 1 ? x->argv[1] : NULL;
	json_t *args, *res;
	int r;

	if (decision == NULL && (r = ask(x, &decision)) != -1)
		return r;
	if (strcmp(decision, "accept") != 0 && strcmp(decision, "decline") != 0)
		return ctl_fail(x, CTL_EXIT_USAGE, "usage", "See: zrtpctl "
		    "--help", "enroll takes accept or decline, not \"%s\"",
		    decision);
	args = json_pack("{ssss}", "session", x->argv[0], "decision",
	    decision);
	r = ctl_call(x, "session_enroll", args, &res);
	json_decref(args);
	if (r != 0)
		return r;
	return report(x, strcmp(decision, "accept") == 0, res);
}
