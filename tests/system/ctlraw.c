/*
 * A raw control-socket client for system tests: sends the lines it reads
 * on stdin exactly as given (malformed ones included) and prints the one
 * reply to each, skipping events. "@long N" sends a request line of N
 * bytes. --as-user drops to that user first (root only), to test access
 * levels. --wait-exit PID waits for a process to end (pidfd, no polling).
 */
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	struct sockaddr_un sun;
	const char *path = NULL;
	char line[4096], *big;
	size_t n;
	int fd, i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--wait-exit") == 0)
			return wait_exit((pid_t)atoi(argv[i + 1]), 10);
		if (strcmp(argv[i], "--socket") == 0)
			path = argv[i + 1];
		else if (strcmp(argv[i], "--as-user") == 0)
			drop_to(argv[i + 1]);
	}
	if (path == NULL) {
		fprintf(stderr, "usage: ctlraw --socket PATH [--as-user USER] "
		    "< lines | ctlraw --wait-exit PID\n");
		return 2;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		printf("connect: %s\n", strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (strncmp(line, "@long ", 6) == 0) {
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
