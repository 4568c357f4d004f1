/*
 * The crash test's driver (tests/system/crash.sh): daemon A against one
 * peer daemon per --b socket, one call each (tests/system/calls.c). The
 * first --stable peers' calls are secured and carry media; then the other
 * peers' calls are started all at once, and while media still flows A is
 * killed with SIGKILL as soon as the first of them is secure on either
 * side, so that the rest are mid-handshake. --stalled adds one more call
 * that A starts and its peer never does. Every event A delivered before it
 * died is then taken, and one line printed per peer:
 *	peer ZID secure|unsecured STATE_A STATE_B RX_A RX_B
 * "secure": A reported the call secure (its `secure` event: SRTP keyed
 * and the retained secret durable) before it died. Frames are counted as
 * A's and B's applications received them.
 *
 * crash --integrity FILE: PRAGMA integrity_check on an SQLite file,
 * opened read-only; prints its answer, exit 0 only for "ok".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "calls.h"

#define MAXPEERS	16
#define WAIT_MS		15000

static const char *state_names[] = { "none", "created", "started",
	"secure", "failed", "closed" };

static int
integrity(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int ok = 0;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
	    &st, NULL) != SQLITE_OK) {
		printf("integrity: %s: %s\n", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);

		printf("integrity: %s\n", r != NULL ? r : "(null)");
		ok = r != NULL && strcmp(r, "ok") == 0;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok ? 0 : 1;
}

/* session_start on side s only: its peer never answers. */
static int
start_one(struct lc *l, size_t i, int s)
{
	struct lc_call *c = &l->call[i];
	struct zrtpc_error e;
	json_t *a, *res;
	int r;

	a = json_pack("{s:s, s:s, s:i}", "session", c->sid[s], "remote_addr",
	    "127.0.0.1", "remote_port", c->media_port[1 - s]);
	r = zrtpc_request(l->c[s], "session_start", a, 10000, &res, &e);
	json_decref(a);
	if (r != 0) {
		snprintf(l->err, sizeof(l->err), "session_start: %s",
		    e.message);
		return -1;
	}
	json_decref(res);
	c->st[s] = LC_STARTED;
	return 0;
}

static uint64_t
ms(void)
{
	return lc_now_ns() / 1000000;
}

int
main(int argc, char **argv)
{
	static struct lc l[MAXPEERS];
	const char *a = NULL, *b[MAXPEERS];
	char zid[MAXPEERS][32], *list = NULL, *p;
	size_t nb = 0, stable = 0, k, started;
	int stalled = 0, pid = 0, i, hit;
	uint64_t end;

	if (argc == 3 && strcmp(argv[1], "--integrity") == 0)
		return integrity(argv[2]);
	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--a") == 0)
			a = argv[i + 1];
		else if (strcmp(argv[i], "--b") == 0)
			list = argv[i + 1];
		else if (strcmp(argv[i], "--stable") == 0)
			stable = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--stalled") == 0)
			stalled = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--pid") == 0)
			pid = atoi(argv[i + 1]);
		else
			break;
	}
	for (p = list != NULL ? strtok(list, ",") : NULL; p != NULL &&
	    nb < MAXPEERS; p = strtok(NULL, ","))
		b[nb++] = p;
	if (i != argc || a == NULL || nb == 0 || stable > nb || pid <= 0 ||
	    (stalled && stable == nb)) {
		fprintf(stderr, "usage: crash --a SOCK --b SOCK,SOCK... "
		    "--stable N --pid PID_OF_A [--stalled 1] | "
		    "crash --integrity FILE\n");
		return 2;
	}
	for (k = 0; k < nb; k++) {
		if (lc_open(&l[k], a, b[k], 1) != 0 || lc_create(&l[k], 0) != 0) {
			printf("FAIL peer %zu: %s\n", k, l[k].err);
			return 1;
		}
		snprintf(zid[k], sizeof(zid[k]), "%s", zrtpc_zid(l[k].c[1]));
	}
	/* The stable calls: secure, and media checked both ways. */
	for (k = 0; k < stable; k++)
		if (lc_start(&l[k], 0) != 0 ||
		    lc_wait_secure(&l[k], 0, 1, WAIT_MS) != 0 ||
		    lc_media(&l[k], 0, 1, 20, 8, WAIT_MS) != 0) {
			printf("FAIL stable call %zu: %s\n", k, l[k].err);
			return 1;
		}
	printf("ok   %zu calls secure, 20 frames each way on each\n", stable);
	/* The others at once (the last one stalled if asked). */
	for (started = stable; started < nb; started++)
		if ((stalled && started == nb - 1 ?
		    start_one(&l[started], 0, 0) : lc_start(&l[started], 0)) !=
		    0) {
			printf("FAIL start %zu: %s\n", started, l[started].err);
			return 1;
		}
	/* Media on, until one of them is secure on either side: kill A. */
	end = ms() + WAIT_MS;
	for (hit = 0; !hit && ms() < end;) {
		for (k = 0; k < stable; k++)
			if (lc_send(&l[k], 0, 0) != 0 || lc_send(&l[k], 0, 1) != 0)
				return 1;
		for (k = 0; k < nb; k++) {
			if (lc_pump(&l[k], k + 1 == nb ? 5 : 0) != 0) {
				printf("FAIL before the kill: %s\n", l[k].err);
				return 1;
			}
			if (k >= stable && (l[k].call[0].st[0] == LC_SECURE ||
			    l[k].call[0].st[1] == LC_SECURE))
				hit = 1;
		}
	}
	if (kill(pid, SIGKILL) != 0) {
		perror("kill");
		return 1;
	}
	printf("ok   killed A (%s)\n", hit ? "a second-wave call just went "
	    "secure" : "no second-wave call secure in time");
	/* Every event A sent before it died: taken until the socket ends. */
	end = ms() + 3000;
	for (k = 0; k < nb; k++)
		while (lc_pump(&l[k], 100) == 0 && ms() < end)
			;
	for (k = 0; k < nb; k++) {
		struct lc_call *c = &l[k].call[0];

		printf("peer %s %s %s %s %u %u\n", zid[k], c->st[0] ==
		    LC_SECURE ? "secure" : "unsecured", state_names[c->st[0]],
		    state_names[c->st[1]], c->rx[0], c->rx[1]);
	}
	return 0;
}
