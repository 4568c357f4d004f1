/*
 * Stands in for systemd in tests: binds the AF_UNIX datagram socket PATH
 * that $NOTIFY_SOCKET names, prints "listening", then each notification
 * as one line, until one holds STOPPING=1 (exit 0) or SECONDS pass (1).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct pollfd pfd;
	char buf[4096];
	long deadline;
	ssize_t n, i;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: notifyrecv PATH SECONDS\n");
		return 2;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		perror(argv[1]);
		return 2;
	}
	printf("listening\n");
	fflush(stdout);
	deadline = now_ms() + atol(argv[2]) * 1000L;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (now_ms() < deadline) {
		if (poll(&pfd, 1, (int)(deadline - now_ms())) <= 0)
			continue;
		if ((n = recv(fd, buf, sizeof(buf) - 1, 0)) < 0)
			return 2;
		for (i = 0; i < n; i++)
			if (buf[i] == '\n' || buf[i] == '\0')
				buf[i] = ' ';
		buf[n] = '\0';
		printf("%s\n", buf);
		fflush(stdout);
		if (strstr(buf, "STOPPING=1") != NULL)
			return 0;
	}
	fprintf(stderr, "notifyrecv: no STOPPING=1 within %s s\n", argv[2]);
	return 1;
}
