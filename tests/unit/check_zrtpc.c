/*
 * libzrtpc against a scripted peer on a real Unix socket: the hello, ids
 * and replies, events queued between replies, descriptor passing, and the
 * hostile lines a correct daemon never sends (too long, not JSON, not an
 * object, duplicate keys, unknown ids, seq gaps), each refused without
 * losing the connection. The system tests drive the real daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zrtpc.h"
#include "unit.h"

#define HELLO_OK "{\"id\":1,\"ok\":true,\"result\":{\"version\":1," \
	"\"daemon\":\"zrtpd test\",\"zid\":\"3c6a9d0e7b51f2a48e0c1d29\"," \
	"\"access\":\"control\"}}"

static char sock_path[108];
static pid_t server;

/* Read one line from fd (byte at a time: the script is tiny). */
static int
read_line(int fd, char *buf, size_t len, int *passed)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *h;
	size_t n = 0;
	char ch;

	for (;;) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = &ch;
		iov.iov_len = 1;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		if (recvmsg(fd, &msg, 0) != 1)
			return -1;
		h = CMSG_FIRSTHDR(&msg);
		if (h != NULL && h->cmsg_type == SCM_RIGHTS && passed != NULL)
			memcpy(passed, CMSG_DATA(h), sizeof(int));
		if (ch == '\n')
			break;
		if (n + 1 < len)
			buf[n++] = ch;
	}
	buf[n] = '\0';
	return 0;
}

/*
 * The scripted daemon, in a child: "<TEXT" reads a line that must contain
 * TEXT, ">LINE" sends LINE and a newline, "F" writes "cache image" to the
 * descriptor passed with the last line read, "L" sends a line longer than
 * the library takes, "W" waits for the client to close.
 */
static void
serve_child(int lfd, const char *const *script)
{
	char line[70000], *big;
	int fd, passed = -1, ok = 1;

	if ((fd = accept(lfd, NULL, NULL)) < 0)
		_exit(2);
	for (; *script != NULL && ok; script++) {
		switch ((*script)[0]) {
		case '<':
			ok = read_line(fd, line, sizeof(line), &passed) == 0 &&
			    strstr(line, *script + 1) != NULL;
			if (!ok)
				fprintf(stderr, "server wanted %s, got %s\n",
				    *script + 1, line);
			break;
		case '>':
			ok = write(fd, *script + 1, strlen(*script + 1)) > 0 &&
			    write(fd, "\n", 1) == 1;
			break;
		case 'F':
			ok = passed >= 0 && write(passed, "cache image", 11) ==
			    11;
			close(passed);
			break;
		case 'L':
			big = malloc(ZRTPC_LINE_MAX + 10);
			memset(big, 'a', ZRTPC_LINE_MAX + 9);
			big[ZRTPC_LINE_MAX + 9] = '\n';
			ok = write(fd, big, ZRTPC_LINE_MAX + 10) ==
			    ZRTPC_LINE_MAX + 10;
			free(big);
			break;
		case 'W':
			while (read(fd, line, sizeof(line)) > 0)
				;
			break;
		}
	}
	_exit(ok ? 0 : 1);
}

static void
serve(const char *const *script)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd;

	snprintf(sock_path, sizeof(sock_path), "/tmp/zrtpc-test-%d.sock",
	    (int)getpid());
	unlink(sock_path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	server = fork();
	ck_assert_int_ge(server, 0);
	if (server == 0)
		serve_child(lfd, script);
	close(lfd);
}

/* The script ran to its end: every line it expected came. */
static void
served(void)
{
	int st;

	ck_assert_int_eq(waitpid(server, &st, 0), server);
	unlink(sock_path);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
}

static struct zrtpc *
open_ok(void)
{
	struct zrtpc_error err;
	struct zrtpc *c;

	ck_assert_int_eq(zrtpc_open(sock_path, "check", 5000, &c, &err), 0);
	return c;
}

START_TEST(hello_request_events)
{
	static const char *const script[] = {
		"<\"cmd\":\"hello\"", ">" HELLO_OK,
		"<{\"id\":2,\"cmd\":\"session_show\",\"session\":\"s1\"}",
		">{\"event\":\"peer\",\"seq\":1,\"time\":1,\"session\":\"s1\"}",
		">{\"event\":\"sas_ready\",\"seq\":2,\"time\":2,"
		"\"session\":\"s1\"}",
		">{\"id\":2,\"ok\":true,\"result\":{\"session\":\"s1\"}}",
		"W", NULL };
	struct zrtpc_error err;
	struct zrtpc *c;
	json_t *args, *res, *ev;

	serve(script);
	c = open_ok();
	ck_assert_int_eq(zrtpc_version(c), 1);
	ck_assert_str_eq(zrtpc_daemon(c), "zrtpd test");
	ck_assert_str_eq(zrtpc_zid(c), "3c6a9d0e7b51f2a48e0c1d29");
	ck_assert_str_eq(zrtpc_access(c), "control");
	args = json_pack("{ss}", "session", "s1");
	ck_assert_int_eq(zrtpc_request(c, "session_show", args, 5000, &res,
	    &err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(res, "session")),
	    "s1");
	json_decref(res);
	json_decref(args);
	/* Both events came before the reply: queued, in order. */
	ck_assert_uint_eq(zrtpc_events_pending(c), 2);
	ck_assert_int_eq(zrtpc_event(c, 0, &ev, &err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(ev, "event")),
	    "peer");
	json_decref(ev);
	ck_assert_int_eq(zrtpc_event(c, 0, &ev, &err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(ev, "event")),
	    "sas_ready");
	json_decref(ev);
	ck_assert_int_eq(zrtpc_event(c, 0, &ev, &err), ZRTPC_E_TIMEOUT);
	ck_assert_str_eq(err.code, "timeout");
	zrtpc_close(c);
	served();
}
END_TEST

START_TEST(daemon_error)
{
	static const char *const script[] = {
		"<hello", ">" HELLO_OK, "<\"id\":2",
		">{\"id\":2,\"ok\":false,\"error\":{\"code\":\"unknown_session\","
		"\"message\":\"no session \\\"s9\\\"\"}}", "W", NULL };
	struct zrtpc_error err;
	struct zrtpc *c;
	json_t *res;

	serve(script);
	c = open_ok();
	ck_assert_int_eq(zrtpc_request(c, "session_show", NULL, 5000, &res,
	    &err), ZRTPC_E_DAEMON);
	ck_assert_ptr_null(res);
	ck_assert_str_eq(err.code, "unknown_session");
	ck_assert_str_eq(err.message, "no session \"s9\"");
	zrtpc_close(c);
	served();
}
END_TEST

/* Each hostile line fails its request, and the next request still works:
 * the answer to a failed request, arriving late, is skipped by its id. */
START_TEST(hostile_lines)
{
	static const char *const script[] = {
		"<hello", ">" HELLO_OK,
		"<\"id\":2", "L", ">{\"id\":2,\"ok\":true,\"result\":{}}",
		"<\"id\":3", ">{\"id\":3,\"ok\":true,\"result\":{}",
		">{\"id\":3,\"ok\":true,\"result\":{}}",
		"<\"id\":4", ">[1,2]", ">{\"id\":4,\"ok\":true,\"result\":{}}",
		"<\"id\":5", ">{\"id\":5,\"id\":5,\"ok\":true,\"result\":{}}",
		">{\"id\":5,\"ok\":true,\"result\":{}}",
		"<\"id\":6", ">{\"id\":9,\"ok\":true,\"result\":{}}",
		"<\"id\":7", ">{\"id\":7,\"ok\":true}",
		"<\"id\":8", ">{\"id\":8,\"ok\":true,\"result\":\"a\\u0000b\"}",
		"<\"id\":9", ">{\"event\":\"x\",\"time\":1}",
		"<\"id\":10", ">{\"id\":10,\"ok\":true,\"result\":{\"fine\":1}}",
		"W", NULL };
	struct zrtpc_error err;
	struct zrtpc *c;
	json_t *res;
	int i;

	serve(script);
	c = open_ok();
	for (i = 2; i <= 9; i++) {
		ck_assert_int_eq(zrtpc_request(c, "status", NULL, 5000, &res,
		    &err), ZRTPC_E_PROTOCOL);
		ck_assert_str_eq(err.code, "protocol");
		ck_assert_ptr_null(res);
	}
	ck_assert_int_eq(zrtpc_request(c, "status", NULL, 5000, &res, &err),
	    0);
	ck_assert_int_eq(json_integer_value(json_object_get(res, "fine")), 1);
	json_decref(res);
	zrtpc_close(c);
	served();
}
END_TEST

START_TEST(events_lost_reported)
{
	static const char *const script[] = {
		"<hello", ">" HELLO_OK, "<subscribe",
		">{\"id\":2,\"ok\":true,\"result\":{\"subscribed\":true}}",
		">{\"event\":\"peer\",\"seq\":1,\"time\":1}",
		">{\"event\":\"peer\",\"seq\":3,\"time\":1}", "W", NULL };
	struct zrtpc_error err;
	struct zrtpc *c;
	json_t *res, *ev;

	serve(script);
	c = open_ok();
	ck_assert_int_eq(zrtpc_request(c, "subscribe", NULL, 5000, &res, &err),
	    0);
	json_decref(res);
	ck_assert_int_eq(zrtpc_event(c, 5000, &ev, &err), 0);
	json_decref(ev);
	ck_assert_int_eq(zrtpc_event(c, 5000, &ev, &err), ZRTPC_E_OVERFLOW);
	ck_assert_int_eq(zrtpc_event(c, 5000, &ev, &err), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(ev, "seq")), 3);
	json_decref(ev);
	zrtpc_close(c);
	served();
}
END_TEST

START_TEST(descriptor_passed)
{
	static const char *const script[] = {
		"<hello", ">" HELLO_OK, "<cache_backup", "F",
		">{\"id\":2,\"ok\":true,\"result\":{\"bytes\":11,\"peers\":0}}",
		"W", NULL };
	struct zrtpc_error err;
	struct zrtpc *c;
	json_t *res;
	char path[] = "/tmp/zrtpc-backup-XXXXXX", buf[32];
	int fd;
	ssize_t n;

	serve(script);
	c = open_ok();
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(zrtpc_request_fd(c, "cache_backup", NULL, -1, 5000,
	    &res, &err), ZRTPC_E_INVALID);
	ck_assert_int_eq(zrtpc_request_fd(c, "cache_backup", NULL, fd, 5000,
	    &res, &err), 0);
	json_decref(res);
	n = pread(fd, buf, sizeof(buf), 0);
	ck_assert_int_eq(n, 11);
	ck_assert_int_eq(memcmp(buf, "cache image", 11), 0);
	close(fd);
	unlink(path);
	zrtpc_close(c);
	served();
}
END_TEST

START_TEST(hello_refused)
{
	static const char *const script[] = { "<\"versions\":[1]",
		">{\"id\":1,\"ok\":false,\"error\":{\"code\":\"bad_version\","
		"\"message\":\"versions: [2]\"}}", "W", NULL };
	static const char *const lacking[] = { "<hello",
		">{\"id\":1,\"ok\":true,\"result\":{\"version\":1}}", "W",
		NULL };
	struct zrtpc_error err;
	struct zrtpc *c;

	serve(script);
	ck_assert_int_eq(zrtpc_open(sock_path, NULL, 5000, &c, &err),
	    ZRTPC_E_VERSION);
	ck_assert_ptr_null(c);
	served();
	serve(lacking);
	ck_assert_int_eq(zrtpc_open(sock_path, NULL, 5000, &c, &err),
	    ZRTPC_E_PROTOCOL);
	served();
}
END_TEST

START_TEST(closed_and_timeout)
{
	static const char *const silent[] = { "<hello", "W", NULL };
	static const char *const gone[] = { "<hello", NULL };
	struct zrtpc_error err;
	struct zrtpc *c;

	serve(silent);
	ck_assert_int_eq(zrtpc_open(sock_path, NULL, 50, &c, &err),
	    ZRTPC_E_TIMEOUT);
	served();
	serve(gone);
	ck_assert_int_eq(zrtpc_open(sock_path, NULL, 5000, &c, &err),
	    ZRTPC_E_CLOSED);
	served();
}
END_TEST

START_TEST(request_limits)
{
	static const char *const script[] = { "<hello", ">" HELLO_OK, "W",
		NULL };
	struct zrtpc_error err;
	struct zrtpc *c;
	json_t *args, *res;
	char *big;

	serve(script);
	c = open_ok();
	big = malloc(ZRTPC_REQUEST_MAX + 1);
	memset(big, 'x', ZRTPC_REQUEST_MAX);
	big[ZRTPC_REQUEST_MAX] = '\0';
	args = json_pack("{ss}", "label", big);
	ck_assert_int_eq(zrtpc_request(c, "session_create", args, 5000, &res,
	    &err), ZRTPC_E_INVALID);
	json_decref(args);
	args = json_pack("{si}", "id", 3);
	ck_assert_int_eq(zrtpc_request(c, "status", args, 5000, &res, &err),
	    ZRTPC_E_INVALID);
	json_decref(args);
	free(big);
	zrtpc_close(c);
	served();
}
END_TEST

START_TEST(paths)
{
	struct zrtpc_error err;
	struct zrtpc *c;

	unsetenv(ZRTPC_SOCKET_ENV);
	ck_assert_str_eq(zrtpc_socket_path(NULL), ZRTPC_DEFAULT_SOCKET);
	setenv(ZRTPC_SOCKET_ENV, "", 1);
	ck_assert_str_eq(zrtpc_socket_path(NULL), ZRTPC_DEFAULT_SOCKET);
	setenv(ZRTPC_SOCKET_ENV, "/tmp/e.sock", 1);
	ck_assert_str_eq(zrtpc_socket_path(NULL), "/tmp/e.sock");
	ck_assert_str_eq(zrtpc_socket_path("/tmp/a.sock"), "/tmp/a.sock");
	setenv(ZRTPC_SOCKET_ENV, "/nonexistent/zrtpd.sock", 1);
	ck_assert_int_eq(zrtpc_open(NULL, NULL, 1000, &c, &err),
	    ZRTPC_E_UNREACHABLE);
	ck_assert_str_eq(err.code, "unreachable");
	ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/zrtpd.sock"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("zrtpc");
	TCase *tc = tcase_create("scripted");

	signal(SIGPIPE, SIG_IGN);
	tcase_add_test(tc, hello_request_events);
	tcase_add_test(tc, daemon_error);
	tcase_add_test(tc, hostile_lines);
	tcase_add_test(tc, events_lost_reported);
	tcase_add_test(tc, descriptor_passed);
	tcase_add_test(tc, hello_refused);
	tcase_add_test(tc, closed_and_timeout);
	tcase_add_test(tc, request_limits);
	tcase_add_test(tc, paths);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
