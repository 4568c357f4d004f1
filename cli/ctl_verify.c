/*
 * zrtpctl verify: the one security decision ZRTP asks of a person. The
 * three answers (match, mismatch, later), asked on a terminal or given as
 * an argument; a mismatch is always the guidelines' alarm; the challenge
 * mode makes the person pick the SAS the peer read out, so a habitual
 * "yes" cannot verify.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static const char compare_text[] =
    "Please compare the SAS on your screen with the one the other caller "
    "sees.\nRead it aloud to each other and check that you both have the "
    "same.\n";

static void
print_alarm(struct ctl *x)
{
	const struct ctl_state_words *w = ctl_state_words("sas_mismatch");

	printf("\n%s!!! %s !!!%s\n\n", ctl_style(x, CTL_ALARM), w->title,
	    ctl_style(x, CTL_RESET));
	printf("%s", ctl_style(x, CTL_RED));
	ctl_wrap("", 0, ctl_sas_mismatch_alarm);
	printf("%s\nNext:     ", ctl_style(x, CTL_RESET));
	ctl_wrap("          ", 10, w->next);
}

/* The outcome of a verdict the daemon accepted. Takes res. */
static int
report_verdict(struct ctl *x, const char *verdict, json_t *res)
{
	const char *security = ctl_str(res, "security");
	const char *session = ctl_str(res, "session");
	int ex;

	if (strcmp(verdict, "mismatch") == 0)
		ex = CTL_EXIT_SAS_MISMATCH;
	else
		ex = ctl_state_words(security)->exit;
	if (x->json)
		return ctl_json_ok(x, ex, res);
	if (strcmp(verdict, "mismatch") == 0)
		print_alarm(x);
	else if (strcmp(verdict, "match") == 0) {
		printf("%sVerified.%s The other caller must answer \"they "
		    "match\" on their side too;\nthen later calls with this "
		    "peer are verified from the start.\n",
		    ctl_style(x, CTL_GREEN), ctl_style(x, CTL_RESET));
		ctl_print_state(x, security, session, "");
	} else {
		printf("Not verified yet. When you have compared the SAS: "
		    "zrtpctl verify ");
		ctl_put(stdout, session);
		putchar('\n');
		ctl_print_state(x, security, session, "");
	}
	json_decref(res);
	return ex;
}

/* Send a verdict; challenge_failed gets its own words. */
static int
send_verdict(struct ctl *x, const char *session, const char *verdict,
    const char *challenge, int pick, json_t **res)
{
	struct zrtpc_error err;
	json_t *args;
	int r;

	args = json_pack("{ssss}", "session", session, "verdict", verdict);
	if (challenge != NULL) {
		json_object_set_new(args, "challenge", json_string(challenge));
		json_object_set_new(args, "pick", json_integer(pick));
	}
	r = zrtpc_request(x->c, "sas_verdict", args, CTL_TIMEOUT_MS, res, &err);
	json_decref(args);
	if (r == ZRTPC_E_DAEMON && strcmp(err.code, "challenge_failed") == 0) {
		if (!x->json) {
			printf("\n%sThat is not this call's SAS.%s Nothing was "
			    "recorded.\nEither you picked the wrong one, or the "
			    "other caller read out a different SAS:\nthen the "
			    "SAS do not match and someone may be intercepting "
			    "the call.\n", ctl_style(x, CTL_RED),
			    ctl_style(x, CTL_RESET));
		}
		return ctl_fail(x, CTL_EXIT_CHALLENGE_FAILED, err.code,
		    "Compare again: zrtpctl verify SESSION --challenge",
		    "the daemon says: %s", err.message);
	}
	return r == 0 ? 0 : ctl_report(x, r, &err);
}

/* After "they match" on a terminal: the guidelines' cache name prompt. */
static void
ask_name(struct ctl *x, const char *session, json_t *peer)
{
	const char *cur = ctl_str(peer, "name");
	struct zrtpc_error err;
	json_t *args, *res;
	char buf[160];

	printf("\nWho is the other party? Their name is shown on every call "
	    "with them.\n");
	if (cur != NULL && cur[0] != '\0') {
		printf("Name (Enter keeps ");
		ctl_put_quoted(stdout, cur);
		printf("): ");
	} else
		printf("Name (Enter leaves it empty): ");
	if (ctl_ask("", buf, sizeof(buf)) != 0 || buf[0] == '\0')
		return;
	args = json_pack("{ssss}", "session", session, "name", buf);
	if (zrtpc_request(x->c, "session_name", args, CTL_TIMEOUT_MS, &res,
	    &err) != 0) {
		fprintf(stderr, "zrtpctl: the name was not set: ");
		ctl_put(stderr, err.message);
		fputc('\n', stderr);
	} else
		json_decref(res);
	json_decref(args);
}

static int
set_name(struct ctl *x, const char *session)
{
	json_t *args, *res;
	int r;

	args = json_pack("{ssss}", "session", session, "name", x->name);
	r = ctl_call(x, "session_name", args, &res);
	json_decref(args);
	json_decref(res);
	return r;
}

static void
print_candidates(json_t *cands, const char *scheme)
{
	char spoken[128];
	json_t *c;
	size_t i;

	json_array_foreach(cands, i, c) {
		printf("  %zu)  ", i + 1);
		ctl_put(stdout, json_string_value(c));
		if (ctl_sas_spell(scheme, json_string_value(c), spoken,
		    sizeof(spoken)) == 0) {
			printf("    ");
			ctl_put(stdout, spoken);
		}
		putchar('\n');
	}
}

static int
challenge(struct ctl *x, const char *session, json_t *show)
{
	const char *scheme = ctl_str(json_object_get(show, "sas"), "scheme");
	json_t *args, *res, *cands, *vres;
	const char *id;
	char buf[32], prompt[64];
	int r, pick = 0;
	size_t n;

	args = json_pack("{sssi}", "session", session, "count",
	    x->count ? x->count : 4);
	r = ctl_call(x, "sas_challenge", args, &res);
	json_decref(args);
	if (r != 0)
		return r;
	cands = json_object_get(res, "candidates");
	id = ctl_str(res, "challenge");
	n = json_array_size(cands);
	if (id == NULL || n < 2) {
		json_decref(res);
		return ctl_fail(x, CTL_EXIT_FAIL, "protocol", NULL,
		    "the daemon's challenge has no id or candidates");
	}
	if (!x->interactive) {
		if (x->json)
			return ctl_json_ok(x, CTL_EXIT_OK, res);
		printf("Ask the other caller to read their SAS aloud. It is one "
		    "of these:\n");
		print_candidates(cands, scheme);
		printf("Answer with: zrtpctl verify ");
		ctl_put(stdout, session);
		printf(" --challenge-id ");
		ctl_put(stdout, id);
		printf(" --pick N\nIf it is none of them, the SAS do not match: "
		    "zrtpctl verify ");
		ctl_put(stdout, session);
		printf(" mismatch\n");
		json_decref(res);
		return CTL_EXIT_OK;
	}
	printf("Ask the other caller to read their SAS aloud.\nWhich of these "
	    "did they read out?\n");
	print_candidates(cands, scheme);
	for (;;) {
		snprintf(prompt, sizeof(prompt), "Number (1-%zu), n = none of "
		    "these, l = later: ", n);
		if (ctl_ask(prompt, buf, sizeof(buf)) != 0) {
			json_decref(res);
			return ctl_fail(x, CTL_EXIT_USAGE, "usage", NULL,
			    "no answer given");
		}
		if (strcmp(buf, "n") == 0 || strcmp(buf, "l") == 0)
			break;
		if (buf[0] >= '1' && buf[0] <= '8' && buf[1] == '\0' &&
		    (size_t)(buf[0] - '0') <= n) {
			pick = buf[0] - '0';
			break;
		}
	}
	if (pick == 0) {
		json_decref(res);
		r = send_verdict(x, session, buf[0] == 'n' ? "mismatch" :
		    "later", NULL, 0, &vres);
		return r != 0 ? r : report_verdict(x, buf[0] == 'n' ?
		    "mismatch" : "later", vres);
	}
	r = send_verdict(x, session, "match", id, pick - 1, &vres);
	json_decref(res);
	if (r != 0)
		return r;
	ask_name(x, session, json_object_get(show, "peer"));
	return report_verdict(x, "match", vres);
}

static int
ask_verdict(struct ctl *x, json_t *show, const char **verdict)
{
	char buf[16];

	if (strcmp(ctl_str(show, "security") ? ctl_str(show, "security") : "",
	    "cache_mismatch") == 0)
		printf("%s%s%s\n\n", ctl_style(x, CTL_RED),
		    ctl_state_words("cache_mismatch")->text,
		    ctl_style(x, CTL_RESET));
	printf("%s\n", compare_text);
	ctl_print_sas(x, json_object_get(show, "sas"),
	    json_object_get(show, "peer"), "  ");
	putchar('\n');
	for (;;) {
		if (ctl_ask("Do they match?  y = they match, n = NOT a match, "
		    "l = later: ", buf, sizeof(buf)) != 0)
			return ctl_fail(x, CTL_EXIT_USAGE, "usage", NULL,
			    "no answer given");
		*verdict = strcmp(buf, "y") == 0 ? "match" :
		    strcmp(buf, "n") == 0 ? "mismatch" :
		    strcmp(buf, "l") == 0 ? "later" : NULL;
		if (*verdict != NULL)
			return 0;
	}
}

int
cmd_verify(struct ctl *x)
{
	const char *session = x->argv[0];
	const char *verdict = x->argc > 1 ? x->argv[1] : NULL;
	json_t *args, *show = NULL, *res;
	int r;

	if (verdict != NULL && strcmp(verdict, "match") != 0 &&
	    strcmp(verdict, "mismatch") != 0 && strcmp(verdict, "later") != 0)
		return ctl_fail(x, CTL_EXIT_USAGE, "usage",
		    "The answers: match, mismatch, later.",
		    "unknown answer \"%s\"", verdict);
	if (((x->opts & CTL_OPT_CHALLENGE_ID) != 0) !=
	    ((x->opts & CTL_OPT_PICK) != 0) || ((x->opts & CTL_OPT_PICK) &&
	    (verdict != NULL || (x->opts & CTL_OPT_CHALLENGE))) ||
	    ((x->opts & CTL_OPT_CHALLENGE) && verdict != NULL) ||
	    ((x->opts & CTL_OPT_COUNT) && !(x->opts & CTL_OPT_CHALLENGE)))
		return ctl_fail(x, CTL_EXIT_USAGE, "usage",
		    "See: zrtpctl --help",
		    "--challenge asks; --challenge-id with --pick answers; "
		    "neither goes with an answer");
	if ((x->opts & CTL_OPT_PICK) != 0) {
		if ((r = ctl_connect(x)) != 0 || (r = send_verdict(x, session,
		    "match", x->challenge_id, x->pick - 1, &res)) != 0)
			return r;
		if (x->name != NULL && (r = set_name(x, session)) != 0) {
			json_decref(res);
			return r;
		}
		return report_verdict(x, "match", res);
	}
	args = json_pack("{ss}", "session", session);
	r = ctl_call(x, "session_show", args, &show);
	json_decref(args);
	if (r != 0)
		return r;
	if (ctl_bool(show, "multistream")) {
		json_decref(show);
		return ctl_fail(x, CTL_EXIT_USAGE, "state",
		    "Verify the call's first session (zrtpctl sessions: the "
		    "same CALL).",
		    "session %s is a Multistream session: its call has one SAS",
		    session);
	}
	if (!json_is_string(json_object_get(json_object_get(show, "sas"),
	    "text"))) {
		json_decref(show);
		return ctl_fail(x, CTL_EXIT_NOT_SECURE, "state",
		    "Wait for it: zrtpctl watch SESSION --until sas_ready",
		    "session %s has no SAS yet", session);
	}
	if (x->opts & CTL_OPT_CHALLENGE) {
		r = challenge(x, session, show);
		json_decref(show);
		return r;
	}
	if (verdict == NULL && !x->interactive) {
		json_decref(show);
		return ctl_fail(x, CTL_EXIT_USAGE, "usage",
		    "Give the answer: zrtpctl verify SESSION "
		    "match|mismatch|later",
		    "not on a terminal, and no answer given");
	}
	if (verdict == NULL && (r = ask_verdict(x, show, &verdict)) != 0) {
		json_decref(show);
		return r;
	}
	if ((r = send_verdict(x, session, verdict, NULL, 0, &res)) != 0) {
		json_decref(show);
		return r;
	}
	if (strcmp(verdict, "match") == 0) {
		if (x->name != NULL)
			r = set_name(x, session);
		else if (x->interactive)
			ask_name(x, session, json_object_get(show, "peer"));
	}
	json_decref(show);
	if (r != 0) {
		json_decref(res);
		return r;
	}
	return report_verdict(x, verdict, res);
}
