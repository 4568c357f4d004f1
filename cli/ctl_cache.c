/*
 * zrtpctl cache: list, show, rename, unverify and forget peers, back the
 * cache up to a file only its owner can read and restore it. Never a
 * secret value: ZIDs as short prefixes, flags, dates, names. A backup
 * travels as a descriptor zrtpctl opened itself, never as JSON.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

/* A date of the protocol (Unix seconds) for people; null is "never". */
static const char *
date_of(json_t *o, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(o, key);
	struct tm tm;
	time_t t;

	if (!json_is_integer(v))
		return json_is_null(v) ? "never" : "-";
	t = (time_t)json_integer_value(v);
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

static int
cache_list(struct ctl *x)
{
	json_t *res, *peers, *p;
	char date[32];
	size_t i;
	int r;

	if ((r = ctl_call(x, "cache_list", NULL, &res)) != 0)
		return r;
	if (x->json)
		return ctl_json_ok(x, CTL_EXIT_OK, res);
	peers = json_object_get(res, "peers");
	if (json_array_size(peers) == 0)
		printf("No peers in the cache yet: the first call with a peer "
		    "adds it.\n");
	else
		printf("%s%-8s  %-8s  %-3s  %-16s  %s%s\n",
		    ctl_style(x, CTL_BOLD), "ZID", "VERIFIED", "RS1",
		    "LAST SEEN", "NAME", ctl_style(x, CTL_RESET));
	json_array_foreach(peers, i, p) {
		ctl_put_id(stdout, ctl_str(p, "zid"));
		printf("  %s%-8s%s  %-3s  ", ctl_style(x, ctl_bool(p,
		    "verified") ? CTL_GREEN : CTL_YELLOW), ctl_bool(p,
		    "verified") ? "yes" : "no", ctl_style(x, CTL_RESET),
		    ctl_bool(p, "rs1") ? "yes" : "no");
		printf("%-16s  ", date_of(p, "last_seen", date, sizeof(date)));
		ctl_put_quoted(stdout, ctl_str(p, "name"));
		putchar('\n');
	}
	json_decref(res);
	return CTL_EXIT_OK;
}

static json_t *
zid_args(const char *zid)
{
	return json_pack("{ss}", "zid", zid);
}

static void
print_peer(struct ctl *x, json_t *p)
{
	char date[32];
	json_t *s;
	size_t i;

	printf("Peer:        ");
	ctl_put_id(stdout, ctl_str(p, "zid"));
	printf("\nName:        ");
	if (ctl_str(p, "name") != NULL && ctl_str(p, "name")[0] != '\0')
		ctl_put_quoted(stdout, ctl_str(p, "name"));
	else
		printf("none (give one: zrtpctl cache rename ZID NAME)");
	printf("\nVerified:    %s%s%s\n", ctl_style(x, ctl_bool(p, "verified") ?
	    CTL_GREEN : CTL_YELLOW), ctl_bool(p, "verified") ? "yes: the SAS "
	    "was compared and confirmed on a call with this peer" : "no: "
	    "compare the SAS on a call with this peer", ctl_style(x,
	    CTL_RESET));
	printf("Secrets:     rs1 %s, rs2 %s, PBX %s (values never shown)\n",
	    ctl_bool(p, "rs1") ? "yes" : "no", ctl_bool(p, "rs2") ? "yes" :
	    "no", ctl_bool(p, "pbx") ? "yes" : "no");
	printf("rs1 expires: %s\n", date_of(p, "rs1_expires", date,
	    sizeof(date)));
	printf("First seen:  %s\n", date_of(p, "first_seen", date,
	    sizeof(date)));
	printf("Last seen:   %s\n", date_of(p, "last_seen", date,
	    sizeof(date)));
	if (json_array_size(json_object_get(p, "sessions")) > 0) {
		printf("Live sessions:");
		json_array_foreach(json_object_get(p, "sessions"), i, s) {
			putchar(' ');
			ctl_put(stdout, json_string_value(s));
		}
		putchar('\n');
	}
}

static int
cache_show(struct ctl *x, const char *zid)
{
	json_t *args = zid_args(zid), *res;
	int r;

	r = ctl_call(x, "cache_show", args, &res);
	json_decref(args);
	if (r != 0)
		return r;
	if (x->json)
		return ctl_json_ok(x, CTL_EXIT_OK, res);
	print_peer(x, res);
	json_decref(res);
	return CTL_EXIT_OK;
}

/* rename, unverify: one request, a one-line answer. */
static int
cache_simple(struct ctl *x, const char *cmd, json_t *args, const char *done)
{
	json_t *res;
	int r;

	r = ctl_call(x, cmd, args, &res);
	json_decref(args);
	if (r != 0)
		return r;
	if (x->json)
		return ctl_json_ok(x, CTL_EXIT_OK, res);
	printf("%s\n", done);
	json_decref(res);
	return CTL_EXIT_OK;
}

/* Ask "yes" on a terminal unless --yes; 0 to go on, or an exit status. */
static int
confirm(struct ctl *x, const char *question)
{
	char buf[16];

	if (x->opts & CTL_OPT_YES)
		return 0;
	if (!x->interactive)
		return ctl_fail(x, CTL_EXIT_USAGE, "usage",
		    "Add --yes to confirm without a terminal.",
		    "this cannot be undone: not done without --yes");
	printf("%s\nType yes to go on: ", question);
	if (ctl_ask("", buf, sizeof(buf)) != 0 || strcmp(buf, "yes") != 0)
		return ctl_fail(x, CTL_EXIT_FAIL, "cancelled", NULL,
		    "cancelled: nothing changed");
	return 0;
}

static int
cache_forget(struct ctl *x, const char *zid)
{
	int r;

	if ((r = confirm(x, "Forget every secret of this peer? The next call "
	    "with it is a first call,\nwith nothing to prove it is the same "
	    "peer, and its SAS must be compared again.")) != 0)
		return r;
	return cache_simple(x, "cache_forget", zid_args(zid),
	    "Forgotten: the next call with this peer is a first call.");
}

static int
cache_backup(struct ctl *x, const char *file)
{
	json_t *res;
	int fd, r;

	if ((r = ctl_connect(x)) != 0)
		return r;
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return ctl_fail(x, CTL_EXIT_FAIL, "file", errno == EEXIST ?
		    "zrtpctl never overwrites a file: name a new one." : NULL,
		    "cannot create %s: %s", file, strerror(errno));
	if (fchmod(fd, 0600) != 0) {
		r = ctl_fail(x, CTL_EXIT_FAIL, "file", NULL, "chmod %s: %s",
		    file, strerror(errno));
		goto fail;
	}
	if ((r = ctl_call_fd(x, "cache_backup", NULL, fd, &res)) != 0)
		goto fail;
	if (fsync(fd) != 0 || close(fd) != 0) {
		json_decref(res);
		r = ctl_fail(x, CTL_EXIT_FAIL, "file", NULL, "writing %s: %s",
		    file, strerror(errno));
		unlink(file);
		return r;
	}
	if (x->json)
		return ctl_json_ok(x, CTL_EXIT_OK, res);
	printf("Wrote %lld bytes, %lld peers, to ", (long long)ctl_int(res,
	    "bytes"), (long long)ctl_int(res, "peers"));
	ctl_put(stdout, file);
	printf(" (mode 0600).\nIt holds every retained secret: keep it as "
	    "safe as the cache itself.\n");
	json_decref(res);
	return CTL_EXIT_OK;
fail:
	close(fd);
	unlink(file);
	return r;
}

static int
cache_restore(struct ctl *x, const char *file)
{
	struct stat st;
	json_t *res;
	int fd, r;

	fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ctl_fail(x, CTL_EXIT_FAIL, "file", NULL,
		    "cannot open %s: %s", file, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ctl_fail(x, CTL_EXIT_FAIL, "file", NULL,
		    "%s is not a regular file", file);
	}
	if ((r = confirm(x, "Replace the whole cache with this backup? Every "
	    "secret learnt since it was\nmade is lost.")) != 0 ||
	    (r = ctl_call_fd(x, "cache_restore", NULL, fd, &res)) != 0) {
		close(fd);
		return r;
	}
	close(fd);
	if (x->json)
		return ctl_json_ok(x, CTL_EXIT_OK, res);
	printf("Restored the cache from ");
	ctl_put(stdout, file);
	printf(".\n");
	json_decref(res);
	return CTL_EXIT_OK;
}

int
cmd_cache(struct ctl *x)
{
	static const struct {
		const char	*sub;
		int		 args;
		int		 yes;
	} subs[] = { { "list", 0, 0 }, { "show", 1, 0 }, { "rename", 2, 0 },
		{ "unverify", 1, 0 }, { "forget", 1, 1 }, { "backup", 1, 0 },
		{ "restore", 1, 1 } };
	const char *sub = x->argv[0], *a = x->argv[1];
	size_t i;

	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(subs[i].sub, sub) == 0)
			break;
	if (i == sizeof(subs) / sizeof(subs[0]) ||
	    x->argc - 1 != subs[i].args || ((x->opts & CTL_OPT_YES) &&
	    !subs[i].yes))
		return ctl_fail(x, CTL_EXIT_USAGE, "usage",
		    "cache list | show ZID | rename ZID NAME | unverify ZID | "
		    "forget ZID [--yes] | backup FILE | restore FILE [--yes]",
		    "bad cache command");
	switch (i) {
	case 0:
		return cache_list(x);
	case 1:
		return cache_show(x, a);
	case 2:
		return cache_simple(x, "cache_rename", json_pack("{ssss}",
		    "zid", a, "name", x->argv[2]), "Renamed.");
	case 3:
		return cache_simple(x, "sas_clear", zid_args(a),
		    "The peer's verified flag is cleared: its calls are not "
		    "verified until the SAS is compared and confirmed again.");
	case 4:
		return cache_forget(x, a);
	case 5:
		return cache_backup(x, a);
	default:
		return cache_restore(x, a);
	}
}
