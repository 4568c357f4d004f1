/*
 * A raw control-socket client for system tests: sends the lines it reads
 * on stdin exactly as given (malformed ones included) and prints the one
 * reply to each, skipping events. "@long N" sends a request line of N
 * bytes (not JSON); "@exact N" a JSON object of exactly N bytes before its
 * newline (a status request with an unknown argument "pad"); "@partial
 * TEXT" sends TEXT without a newline and disconnects at once; "@passfd
 * LINE" sends LINE with the write end of a pipe (SCM_RIGHTS), closes
 * ours (the pipe holds one page), and after the reply prints "passfd
 * closed" if the daemon closed its copy by then (the read end hangs up)
 * or "passfd held"; "@silent"
 * sends nothing and prints what comes until the daemon closes. --as-user
 * drops to that user first (root only), to test access levels.
 * --wait-exit PID waits for a process to end (pidfd, no polling).
 *
 * --many N: N connections open at once, each says hello and asks status
 * while all are open; prints "many OK/N" (a connection the daemon
 * refuses is not OK).
 * --hog: says hello, subscribes to everything, then sends requests and
 * never reads a byte, until the daemon disconnects it (its writes fail)
 * or 8 MiB are sent; then reads what is left with a 5 s deadline (and
 * at most twice the document's 1 MiB queue bound) and prints "hog disconnected sent=S read=R" or "hog still connected ...".
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUTQ_BOUND	(1 << 20)	/* the document's queue bound */

static char	inbuf[1 << 17];
static size_t	inlen;

static int
wait_exit(pid_t pid, int seconds)
{
	struct pollfd pfd;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		return errno == ESRCH ? 0 : 2;	/* already gone */
	pfd.fd = fd;
	pfd.events = POLLIN;
	return poll(&pfd, 1, seconds * 1000) == 1 ? 0 : 1;
}

/* One reply line (events skipped) printed; -1 at the deadline or EOF. */
static int
reply(int fd)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char *nl;
	ssize_t n;

	for (;;) {
		while ((nl = memchr(inbuf, '\n', inlen)) != NULL) {
			size_t len = (size_t)(nl - inbuf) + 1;
			int event = strncmp(inbuf, "{\"event\"", 8) == 0;

			if (!event)
				fwrite(inbuf, 1, len, stdout);
			memmove(inbuf, nl + 1, inlen - len);
			inlen -= len;
			if (!event) {
				fflush(stdout);
				return 0;
			}
		}
		if (poll(&pfd, 1, 10000) != 1)
			return -1;
		if ((n = read(fd, inbuf + inlen, sizeof(inbuf) - inlen)) <= 0)
			return -1;
		inlen += (size_t)n;
	}
}

static void
send_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) <= 0) {
			perror("ctlraw: write");
			exit(2);
		}
		p += n;
		len -= (size_t)n;
	}
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One whole line read from fd within the deadline; 1 if it has want. */
static int
line_has(int fd, const char *want)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char buf[4096];
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(buf) - 1) {
		if (poll(&pfd, 1, 10000) != 1 ||
		    (n = read(fd, buf + len, 1)) != 1)
			return 0;
		if (buf[len++] == '\n')
			break;
	}
	buf[len] = '\0';
	return strstr(buf, want) != NULL;
}

static int
many(const char *path, int n)
{
	static const char hello[] = "{\"id\":1,\"cmd\":\"hello\","
	    "\"versions\":[1]}\n";
	static const char status[] = "{\"id\":2,\"cmd\":\"status\"}\n";
	int *fds, i, ok = 0;

	if ((fds = calloc((size_t)n, sizeof(*fds))) == NULL)
		return 2;
	for (i = 0; i < n; i++)
		if ((fds[i] = connect_to(path)) < 0) {
			printf("many: connection %d: %s\n", i, strerror(errno));
			free(fds);
			return 1;
		}
	/*
	 * Every connection open before the first request. One the daemon
	 * refused (its limit) may be closed already: it just fails.
	 */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < n; i++)
		if (write(fds[i], hello, sizeof(hello) - 1) !=
		    (ssize_t)sizeof(hello) - 1)
			fds[i] = -fds[i] - 2;
	for (i = 0; i < n; i++)
		if (fds[i] >= 0 && !line_has(fds[i], "\"id\":1,\"ok\":true"))
			fds[i] = -fds[i] - 2;
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			send_all(fds[i], status, sizeof(status) - 1);
	for (i = 0; i < n; i++)
		if (fds[i] >= 0 && line_has(fds[i], "\"id\":2,\"ok\":true"))
			ok++;
	printf("many %d/%d\n", ok, n);
	free(fds);
	return ok == n ? 0 : 1;
}

static int
hog(const char *path)
{
	static const char first[] = "{\"id\":1,\"cmd\":\"hello\","
	    "\"versions\":[1]}\n{\"id\":2,\"cmd\":\"subscribe\"}\n";
	static const char req[] = "{\"id\":3,\"cmd\":\"session_list\"}\n"
	    "{\"id\":4,\"cmd\":\"status\"}\n";
	struct pollfd pfd;
	size_t sent = 0, got = 0, cap = (size_t)8 << 20;
	ssize_t n;
	char buf[65536];
	int fd, gone = 0;

	signal(SIGPIPE, SIG_IGN);
	if ((fd = connect_to(path)) < 0) {
		printf("hog: connect: %s\n", strerror(errno));
		return 1;
	}
	send_all(fd, first, sizeof(first) - 1);
	/* Write, never read: a blocked write waits for the daemon to read. */
	while (sent < cap) {
		pfd = (struct pollfd){ fd, POLLOUT, 0 };
		if (poll(&pfd, 1, 10000) != 1)
			break;		/* the daemon stopped reading us */
		if ((n = write(fd, req, sizeof(req) - 1)) < 0) {
			gone = 1;	/* EPIPE, ECONNRESET: dropped */
			break;
		}
		sent += (size_t)n;
	}
	/* Whatever the daemon queued before it let go, then its end. */
	pfd = (struct pollfd){ fd, POLLIN, 0 };
	while (got < 2 * OUTQ_BOUND && poll(&pfd, 1, 5000) == 1 &&
	    (n = read(fd, buf, sizeof(buf))) > 0)
		got += (size_t)n;
	if (got >= 2 * OUTQ_BOUND)
		gone = 0;	/* far more than the bound was kept for us */
	if (poll(&pfd, 1, 0) == 1 && read(fd, buf, sizeof(buf)) <= 0)
		gone = 1;
	printf("hog %s sent=%zu read=%zu\n", gone ? "disconnected" :
	    "still connected", sent, got);
	return gone ? 0 : 1;
}

/*
 * A request without its newline, then our end closed: prints what the
 * daemon sent before it closed its end ("closed: " and the bytes).
 */
static int
partial(int fd, const char *text)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	ssize_t n;

	send_all(fd, text, strcspn(text, "\n"));
	shutdown(fd, SHUT_WR);
	inlen = 0;
	while (poll(&pfd, 1, 10000) == 1 &&
	    (n = read(fd, inbuf + inlen, sizeof(inbuf) - 1 - inlen)) > 0)
		inlen += (size_t)n;
	inbuf[inlen] = '\0';
	printf("closed: %s\n", inbuf);
	return 0;
}

/* "@passfd LINE": LINE with a pipe's write end; did the daemon keep it? */
static int
passfd(int fd, const char *text)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { (void *)(uintptr_t)text, strlen(text) };
	struct msghdr msg;
	struct pollfd pfd;
	int p[2];

	/* One page: a daemon writing more into it blocks, as on a full one. */
	if (pipe(p) != 0 || fcntl(p[1], F_SETPIPE_SZ, 4096) < 0)
		return 2;
	memset(&msg, 0, sizeof(msg));
	memset(&cm, 0, sizeof(cm));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	cm.hdr.cmsg_level = SOL_SOCKET;
	cm.hdr.cmsg_type = SCM_RIGHTS;
	cm.hdr.cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(&cm.hdr), &p[1], sizeof(int));
	if (sendmsg(fd, &msg, 0) != (ssize_t)iov.iov_len)
		return 2;
	close(p[1]);
	if (reply(fd) != 0) {
		printf("no reply\n");
		return 1;
	}
	/* The reply came after the daemon's recvmsg: no wait needed. */
	pfd = (struct pollfd){ p[0], POLLIN, 0 };
	printf("passfd %s\n", poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & POLLHUP) != 0 ? "closed" : "held");
	fflush(stdout);
	close(p[0]);
	return 0;
}

/*
 * "@silent": nothing sent; whatever the daemon sends is printed once it
 * closes ("closed: " and the bytes), or "open: " and them if it has not
 * within 10 s of the last byte.
 */
static int
silent(int fd)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	ssize_t n = -1;

	inlen = 0;
	while (poll(&pfd, 1, 10000) == 1 &&
	    (n = read(fd, inbuf + inlen, sizeof(inbuf) - 1 - inlen)) > 0)
		inlen += (size_t)n;
	inbuf[inlen] = '\0';
	printf("%s: %s\n", n == 0 ? "closed" : "open", inbuf);
	return n == 0 ? 0 : 1;
}

static void
drop_to(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL || setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		fprintf(stderr, "ctlraw: cannot become %s\n", user);
		exit(3);
	}
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	char line[4096], *big;
	size_t n;
	int fd, i, nmany = 0, dohog = 0;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--wait-exit") == 0)
			return wait_exit((pid_t)atoi(argv[i + 1]), 10);
		if (strcmp(argv[i], "--many") == 0)
			nmany = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--hog") == 0)
			dohog = atoi(argv[i + 1]);
		if (strcmp(argv[i], "--socket") == 0)
			path = argv[i + 1];
		else if (strcmp(argv[i], "--as-user") == 0)
			drop_to(argv[i + 1]);
	}
	if (path == NULL) {
		fprintf(stderr, "usage: ctlraw --socket PATH [--as-user USER] [--many N | --hog 1] "
		    "< lines | ctlraw --wait-exit PID\n");
		return 2;
	}
	if (nmany > 0)
		return many(path, nmany);
	if (dohog)
		return hog(path);
	if ((fd = connect_to(path)) < 0) {
		printf("connect: %s\n", strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (strncmp(line, "@partial ", 9) == 0)
			return partial(fd, line + 9);
		if (strncmp(line, "@passfd ", 8) == 0) {
			if ((i = passfd(fd, line + 8)) != 0)
				return i;
			continue;
		}
		if (strcmp(line, "@silent\n") == 0)
			return silent(fd);
		if (strncmp(line, "@exact ", 7) == 0) {
			static const char head[] = "{\"id\":9,\"cmd\":"
			    "\"status\",\"pad\":\"";

			n = strtoul(line + 7, NULL, 10);
			if (n < sizeof(head) + 1 || (big = malloc(n + 1)) == NULL)
				return 2;
			memset(big, 'x', n);
			memcpy(big, head, sizeof(head) - 1);
			big[n - 2] = '"';
			big[n - 1] = '}';
			big[n] = '\n';
			send_all(fd, big, n + 1);
			free(big);
		} else if (strncmp(line, "@long ", 6) == 0) {
			n = strtoul(line + 6, NULL, 10);
			if ((big = malloc(n + 1)) == NULL)
				return 2;
			memset(big, 'x', n);
			memcpy(big, "{\"id\":9,\"x\":\"", 13);
			big[n] = '\n';
			send_all(fd, big, n + 1);
			free(big);
		} else
			send_all(fd, line, strlen(line));
		if (reply(fd) != 0) {
			printf("no reply\n");
			return 1;
		}
	}
	return 0;
}
