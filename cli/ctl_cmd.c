/*
 * zrtpctl's session commands: status, sessions, show, name, unverify and
 * watch (enroll is ctl_enroll.c). Each asks the daemon through libzrtpc and prints for a person or,
 * with --json, one object whose "result" is the daemon's own.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

int
cmd_status(struct ctl *x)
{
	json_t *res, *sess, *by, *cnt, *v;
	const char *k;
	int r;

	if ((r = ctl_call(x, "status", NULL, &res)) != 0)
		return r;
	if (x->json)
		return ctl_json_ok(x, CTL_EXIT_OK, res);
	sess = json_object_get(res, "sessions");
	printf("Daemon:   ");
	ctl_put(stdout, ctl_str(res, "daemon"));
	printf(" (pid %lld, up %llds, protocol %lld)\n",
	    (long long)ctl_int(res, "pid"), (long long)ctl_int(res, "uptime_s"),
	    (long long)ctl_int(res, "version"));
	printf("Our ZID:  ");
	ctl_put_id(stdout, ctl_str(res, "zid"));
	printf("\nAccess:   ");
	ctl_put(stdout, ctl_str(res, "access"));
	printf("\nSessions: %lld of at most %lld\n",
	    (long long)ctl_int(sess, "count"), (long long)ctl_int(sess, "limit"));
	by = json_object_get(sess, "by_security");
	json_object_foreach(by, k, v) {
		const struct ctl_state_words *w = ctl_state_words(k);

		printf("          %lld %s%s%s\n", (long long)json_integer_value(v),
		    ctl_style(x, ctl_level_style(w->level)), w->title,
		    ctl_style(x, CTL_RESET));
	}
	cnt = json_object_get(res, "counters");
	printf("Dropped:  %lld on media ports, %lld on application ports "
	    "(receive buffers full)\n",
	    (long long)ctl_int(cnt, "media_rx_dropped"),
	    (long long)ctl_int(cnt, "app_rx_dropped"));
	printf("Cache:    %lld peer(s), file ",
	    (long long)ctl_int(json_object_get(res, "cache"), "peers"));
	ctl_put(stdout, ctl_str(json_object_get(res, "cache"), "path"));
	putchar('\n');
	json_decref(res);
	return CTL_EXIT_OK;
}

static json_t *
session_items(json_t *res)
{
	return json_is_array(res) ? res : json_object_get(res, "sessions");
}

int
cmd_sessions(struct ctl *x)
{
	json_t *res, *list, *s, *peer;
	const struct ctl_state_words *w;
	size_t i;
	int r;

	if ((r = ctl_call(x, "session_list", NULL, &res)) != 0)
		return r;
	if (x->json)
		return ctl_json_ok(x, CTL_EXIT_OK, res);
	list = session_items(res);
	if (json_array_size(list) == 0)
		printf("No sessions. A softphone creates them; zrtpctl "
		    "watch shows them as they come.\n");
	else
		printf("%s%-8s %-6s %-10s %-26s %-8s %-6s %s%s\n",
		    ctl_style(x, CTL_BOLD), "SESSION", "CALL", "LABEL",
		    "SECURITY", "SAS", "STATE", "PEER",
		    ctl_style(x, CTL_RESET));
	json_array_foreach(list, i, s) {
		char id[64], call[64], label[96], sas[64];

		peer = json_object_get(s, "peer");
		w = ctl_state_words(ctl_str(s, "security"));
		/* The SAS text (an object with "text" is taken too). */
		ctl_esc(sas, sizeof(sas), ctl_str(s, "sas") != NULL ?
		    ctl_str(s, "sas") : ctl_str(json_object_get(s, "sas"),
		    "text"));
		printf("%-8s %-6s %-10s %s%-26s%s %-8s %-6s ",
		    ctl_esc(id, sizeof(id), ctl_str(s, "session")),
		    ctl_esc(call, sizeof(call), ctl_str(s, "call")),
		    ctl_esc(label, sizeof(label), ctl_str(s, "label")),
		    ctl_style(x, ctl_level_style(w->level)), w->title,
		    ctl_style(x, CTL_RESET), sas,
		    ctl_bool(s, "ended") ? "ended" : "live");
		if (json_is_object(peer)) {
			if (ctl_str(peer, "name") != NULL) {
				ctl_put_quoted(stdout, ctl_str(peer, "name"));
				printf(" ");
			}
			ctl_put_id(stdout, ctl_str(peer, "zid"));
		} else
			printf("-");
		if (ctl_str(s, "enrollment") != NULL &&
		    strcmp(ctl_str(s, "enrollment"), "pending") == 0)
			printf("  %sPBX asks to enroll: zrtpctl enroll %s%s",
			    ctl_style(x, CTL_YELLOW), id,
			    ctl_style(x, CTL_RESET));
		putchar('\n');
	}
	json_decref(res);
	return CTL_EXIT_OK;
}

static void
print_counters(json_t *c)
{
	static const char *const keys[] = { "zrtp_in", "zrtp_out", "srtp_in",
		"srtp_out", "srtcp_in", "srtcp_out", "rtp_in", "rtp_out",
		"rejected", "clear_dropped", "media_rx_dropped",
		"app_rx_dropped" };
	size_t i;

	printf("Counters:");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		printf(" %s %lld", keys[i], (long long)ctl_int(c, keys[i]));
	putchar('\n');
}

static void
print_addr(const char *what, json_t *a)
{
	if (!json_is_object(a))
		return;
	printf("%s", what);
	ctl_put(stdout, ctl_str(a, "addr"));
	printf(" port %lld", (long long)ctl_int(a, "port"));
	if (json_is_integer(json_object_get(a, "rtcp_port")))
		printf(", RTCP port %lld",
		    (long long)ctl_int(a, "rtcp_port"));
	printf("%s\n", ctl_bool(a, "latched") ? " (latched)" : "");
}

static void
print_session(struct ctl *x, json_t *s)
{
	json_t *peer = json_object_get(s, "peer");
	json_t *alg = json_object_get(s, "algorithms");
	json_t *e = json_object_get(s, "error");
	const char *cache = ctl_str(s, "cache");

	printf("%sSession ", ctl_style(x, CTL_BOLD));
	ctl_put(stdout, ctl_str(s, "session"));
	printf("%s (call ", ctl_style(x, CTL_RESET));
	ctl_put(stdout, ctl_str(s, "call"));
	printf(", label ");
	ctl_put_quoted(stdout, ctl_str(s, "label"));
	printf(", mode ");
	ctl_put(stdout, ctl_str(s, "mode"));
	printf(", policy ");
	ctl_put(stdout, ctl_str(s, "policy"));
	printf(")%s\n", ctl_bool(s, "ended") ? ": ENDED" : "");
	/* The details are printed below: never "see zrtpctl show". */
	ctl_print_state_next(x, ctl_str(s, "security"), ctl_str(s, "session"),
	    "", ctl_show_next(ctl_str(s, "security"), ctl_str(e, "code"),
	    ctl_bool(s, "ended")));
	if (ctl_bool(s, "media_clear"))
		printf("          %sMedia is passing in clear.%s\n",
		    ctl_style(x, CTL_RED), ctl_style(x, CTL_RESET));
	ctl_print_sas(x, json_object_get(s, "sas"), peer, "");
	if (json_is_object(peer)) {
		printf("Client:   ");
		ctl_put_field(stdout, ctl_str(peer, "client_id"));
		printf(", ZRTP ");
		ctl_put(stdout, ctl_str(peer, "version"));
		putchar('\n');
	}
	printf("Cache:    %s\n", cache == NULL ? "not known yet" :
	    strcmp(cache, "new") == 0 ? "new: first call with this peer" :
	    strcmp(cache, "matched") == 0 ? "matched: the peer proved the "
	    "secret of earlier calls" : strcmp(cache, "mismatch") == 0 ?
	    "MISMATCH: the peer did not prove the secret of earlier calls" :
	    "unknown");
	if (json_is_object(alg)) {
		printf("Algorithms: hash ");
		ctl_put(stdout, ctl_str(alg, "hash"));
		printf(", cipher ");
		ctl_put(stdout, ctl_str(alg, "cipher"));
		printf(", auth ");
		ctl_put(stdout, ctl_str(alg, "auth"));
		printf(", key agreement ");
		ctl_put(stdout, ctl_str(alg, "kex"));
		printf(", SAS ");
		ctl_put(stdout, ctl_str(alg, "sas"));
		printf("%s\n", ctl_bool(s, "multistream") ? " (Multistream)" :
		    "");
	}
	print_addr("Media:    ", json_object_get(s, "media"));
	print_addr("App:      ", json_object_get(s, "app"));
	print_addr("Remote:   ", json_object_get(s, "remote"));
	printf("a=zrtp-hash: ");
	ctl_put(stdout, ctl_str(json_object_get(s, "zrtp_hash"), "state"));
	putchar('\n');
	if (json_is_object(json_object_get(s, "enrollment")))
		ctl_print_enrollment(x, json_object_get(s, "enrollment"),
		    ctl_str(s, "session"), "");
	if (json_is_object(e)) {
		printf("%sFailure:  ", ctl_style(x, CTL_RED));
		ctl_put(stdout, ctl_str(e, "code"));
		printf("%s (", ctl_bool(e, "from_peer") ? " from the peer" : "");
		ctl_put(stdout, ctl_str(e, "message"));
		printf(")%s\n", ctl_style(x, CTL_RESET));
	}
	print_counters(json_object_get(s, "counters"));
}

int
cmd_show(struct ctl *x)
{
	json_t *args, *res;
	int r, ex;

	args = json_pack("{ss}", "session", x->argv[0]);
	r = ctl_call(x, "session_show", args, &res);
	json_decref(args);
	if (r != 0)
		return r;
	ex = ctl_state_words(ctl_str(res, "security"))->exit;
	if (x->json)
		return ctl_json_ok(x, ex, res);
	print_session(x, res);
	json_decref(res);
	return ex;
}

int
cmd_name(struct ctl *x)
{
	json_t *args, *res;
	const char *name;
	int r;

	args = json_pack("{ss}", "session", x->argv[0]);
	if (x->argc > 1)
		json_object_set_new(args, "name", json_string(x->argv[1]));
	r = ctl_call(x, "session_name", args, &res);
	json_decref(args);
	if (r != 0)
		return r;
	if (x->json)
		return ctl_json_ok(x, CTL_EXIT_OK, res);
	name = ctl_str(res, "name");
	printf("Peer ");
	ctl_put_id(stdout, ctl_str(res, "zid"));
	if (name == NULL || name[0] == '\0') {
		printf(" has no name. Give it one: zrtpctl name ");
		ctl_put(stdout, x->argv[0]);
		printf(" NAME\n");
	} else {
		printf(" is named %s", ctl_style(x, CTL_BOLD));
		ctl_put_quoted(stdout, name);
		printf("%s\n", ctl_style(x, CTL_RESET));
	}
	json_decref(res);
	return CTL_EXIT_OK;
}

int
cmd_unverify(struct ctl *x)
{
	json_t *args, *res;
	int r;

	args = json_pack("{ss}", "session", x->argv[0]);
	r = ctl_call(x, "sas_clear", args, &res);
	json_decref(args);
	if (r != 0)
		return r;
	if (x->json)
		return ctl_json_ok(x, CTL_EXIT_OK, res);
	printf("The peer's verified flag is cleared: its calls are not "
	    "verified until the SAS\nis compared and confirmed again.\n");
	if (ctl_str(res, "security") != NULL)
		ctl_print_state(x, ctl_str(res, "security"), x->argv[0], "");
	json_decref(res);
	return CTL_EXIT_OK;
}

/* ---- watch ---- */

static void
event_head(struct ctl *x, json_t *ev)
{
	time_t t = (time_t)(ctl_int(ev, "time") / 1000);
	struct tm tm;
	char when[16] = "--:--:--";

	if (localtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	printf("%s%s%s ", ctl_style(x, CTL_DIM), when, ctl_style(x, CTL_RESET));
	ctl_put(stdout, ctl_str(ev, "session"));
	printf("  ");
}

/* One printer per event; text is the table's line for the event. */
typedef void (*ev_print_fn)(struct ctl *, json_t *ev, const char *text);

static void
ev_security(struct ctl *x, json_t *ev, const char *text)
{
	(void)text;
	ctl_print_state_brief(x, ctl_str(ev, "security"),
	    ctl_str(ev, "session"));
}

static void
ev_peer(struct ctl *x, json_t *ev, const char *text)
{
	(void)x;
	(void)text;
	printf("peer ");
	if (ctl_str(ev, "name") != NULL) {
		ctl_put_quoted(stdout, ctl_str(ev, "name"));
		putchar(' ');
	} else
		printf("(no name yet) ");
	printf("ZID ");
	ctl_put_id(stdout, ctl_str(ev, "zid"));
	printf(", client ");
	ctl_put_field(stdout, ctl_str(ev, "client_id"));
	printf(", ZRTP ");
	ctl_put(stdout, ctl_str(ev, "version"));
	putchar('\n');
}

static void
ev_sas_ready(struct ctl *x, json_t *ev, const char *text)
{
	json_t *peer = json_pack("{sO?}", "name", json_object_get(ev, "name"));
	const char *cache = ctl_str(ev, "cache");

	(void)text;
	printf("%sThe SAS is ready%s\n", ctl_style(x, CTL_BOLD),
	    ctl_style(x, CTL_RESET));
	ctl_print_sas(x, json_object_get(ev, "sas"), peer, "    ");
	json_decref(peer);
	if (cache != NULL && strcmp(cache, "mismatch") == 0)
		printf("    %sCACHE MISMATCH: compare the SAS before anything "
		    "else.%s\n", ctl_style(x, CTL_RED),
		    ctl_style(x, CTL_RESET));
	else if (cache != NULL && strcmp(cache, "new") == 0)
		printf("    First call with this peer.\n");
	printf("    Next:     read the SAS aloud to each other, then: "
	    "zrtpctl verify ");
	ctl_put(stdout, ctl_str(ev, "session"));
	putchar('\n');
}

static void
ev_secure(struct ctl *x, json_t *ev, const char *text)
{
	json_t *alg = json_object_get(ev, "algorithms");

	(void)x;
	(void)text;
	printf("SRTP keys in place (cipher ");
	ctl_put(stdout, ctl_str(alg, "cipher"));
	printf(", auth ");
	ctl_put(stdout, ctl_str(alg, "auth"));
	printf(", key agreement ");
	ctl_put(stdout, ctl_str(alg, "kex"));
	printf(")\n");
}

/* The call is not (or no longer) what it seemed: text, in red. */
static void
ev_warning(struct ctl *x, json_t *ev, const char *text)
{
	(void)ev;
	printf("%s%s%s\n", ctl_style(x, CTL_RED), text,
	    ctl_style(x, CTL_RESET));
}

/* alert, failed: text, the code, who sent it, the message. */
static void
ev_failure(struct ctl *x, json_t *ev, const char *text)
{
	printf("%s%s ", ctl_style(x, CTL_RED), text);
	ctl_put(stdout, ctl_str(ev, "code"));
	printf("%s: ", ctl_bool(ev, "from_peer") ? " (from the peer)" : "");
	ctl_put(stdout, ctl_str(ev, "message"));
	printf("%s\n", ctl_style(x, CTL_RESET));
}

static void
ev_enrollment(struct ctl *x, json_t *ev, const char *text)
{
	(void)text;
	printf("PBX ZID ");
	ctl_put_id(stdout, ctl_str(ev, "zid"));
	putchar('\n');
	ctl_print_enrollment(x, ev, ctl_str(ev, "session"), "    ");
}

static void
ev_closed(struct ctl *x, json_t *ev, const char *text)
{
	(void)x;
	(void)text;
	printf("closed (");
	ctl_put(stdout, ctl_str(ev, "reason"));
	printf(")\n");
}

/*
 * The events watch knows (docs/control-protocol.md), in this order in
 * --until's hint; any other is printed by name.
 */
static const struct {
	const char	*name;
	ev_print_fn	 print;
	const char	*text;
} ctl_events[] = {
	{ "security", ev_security, NULL },
	{ "peer", ev_peer, NULL },
	{ "sas_ready", ev_sas_ready, NULL },
	{ "secure", ev_secure, NULL },
	{ "zrtp_hash_mismatch", ev_warning, "The peer's Hello does not match "
	    "the a=zrtp-hash of its SDP: someone may be intercepting the "
	    "call." },
	{ "no_zrtp", ev_warning, "The other side does not speak ZRTP: this "
	    "call is NOT secure." },
	{ "going_clear", ev_warning, "The peer went clear: from now on this "
	    "call is NOT secure." },
	{ "alert", ev_failure, "ALERT" },
	{ "failed", ev_failure, "ZRTP FAILED" },
	{ "closed", ev_closed, NULL },
	{ "enrollment", ev_enrollment, NULL },
};
#define CTL_NEVENTS	(sizeof(ctl_events) / sizeof(ctl_events[0]))

/* The event's row in ctl_events, or -1. */
static int
known_event(const char *name)
{
	size_t i;

	for (i = 0; i < CTL_NEVENTS; i++)
		if (strcmp(ctl_events[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void
print_event(struct ctl *x, json_t *ev)
{
	const char *name = ctl_str(ev, "event");
	int i = name != NULL ? known_event(name) : -1;

	event_head(x, ev);
	if (i >= 0)
		ctl_events[i].print(x, ev, ctl_events[i].text);
	else {
		printf("event ");
		ctl_put(stdout, name);
		putchar('\n');
	}
	fflush(stdout);
}

int
cmd_watch(struct ctl *x)
{
	struct zrtpc_error err;
	json_t *args, *res, *ev, *list;
	int i, r;

	if (x->until != NULL && known_event(x->until) < 0) {
		char hint[256] = "Events:";

		for (i = 0; i < (int)CTL_NEVENTS; i++) {
			strncat(hint, " ", sizeof(hint) - strlen(hint) - 1);
			strncat(hint, ctl_events[i].name,
			    sizeof(hint) - strlen(hint) - 1);
		}
		return ctl_fail(x, CTL_EXIT_USAGE, "usage", hint,
		    "--until takes an event name");
	}
	args = json_object();
	if (x->argc > 0) {
		list = json_array();
		for (i = 0; i < x->argc; i++)
			json_array_append_new(list, json_string(x->argv[i]));
		json_object_set_new(args, "sessions", list);
	}
	r = ctl_call(x, "subscribe", args, &res);
	json_decref(args);
	if (r != 0)
		return r;
	/* --json: the subscription's answer first, so a script knows that
	 * no event from now on is missed; then one event per line. */
	if (x->json)
		ctl_json_ok(x, CTL_EXIT_OK, res);
	else
		json_decref(res);
	if (!x->json) {
		printf("%sWatching ", ctl_style(x, CTL_BOLD));
		ctl_put(stdout, zrtpc_daemon(x->c));
		printf("%s: events appear as they happen (Ctrl-C stops).\n",
		    ctl_style(x, CTL_RESET));
		fflush(stdout);
	}
	for (;;) {
		r = zrtpc_event(x->c, -1, &ev, &err);
		if (r == ZRTPC_E_OVERFLOW) {
			ctl_fail(x, CTL_EXIT_FAIL, err.code, NULL, "%s",
			    err.message);
			continue;
		}
		if (r != 0)
			return ctl_report(x, r, &err);
		if (x->json) {
			json_dumpf(ev, stdout,
			    JSON_COMPACT | JSON_ENSURE_ASCII);
			fputc('\n', stdout);
			fflush(stdout);
		} else
			print_event(x, ev);
		r = x->until != NULL &&
		    strcmp(ctl_str(ev, "event"), x->until) == 0;
		json_decref(ev);
		if (r)
			return CTL_EXIT_OK;
	}
}
