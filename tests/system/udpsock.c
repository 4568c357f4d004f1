/*
 * A UDP socket for system tests, of the user a test names: binds
 * ADDR:PORT (port 0: the kernel picks), with SO_REUSEADDR if asked, and
 * prints "port N"; with --to PORT it sends one RTP datagram to that port
 * on 127.0.0.1 and prints "sent" (--count N: N datagrams, --size L: of L
 * bytes, an RTP header and zeros); with --hold it keeps the socket until
 * its stdin ends. --as-user drops to that user first (root only), so that
 * the socket is that user's.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
drop_to(const char *user)
{
	struct passwd *pw;

	if ((pw = getpwnam(user)) == NULL)
		return -1;
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	static unsigned char rtp[2048] = { 0x80, 0, 0, 1, 0, 0, 0, 1,
	    0, 0, 0, 1, 'r', 't', 'p', '!' };
	const char *user = NULL, *addr = NULL;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int i, fd, one = 1, reuse = 0, hold = 0, port = -1, to = 0;
	long count = 1, size = 16, k;
	char c;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--reuse") == 0)
			reuse = 1;
		else if (strcmp(argv[i], "--hold") == 0)
			hold = 1;
		else if (strcmp(argv[i], "--as-user") == 0 && i + 1 < argc)
			user = argv[++i];
		else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			to = atoi(argv[++i]);
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = atol(argv[++i]);
		else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
			size = atol(argv[++i]);
		else if (strcmp(argv[i], "--bind") == 0 && i + 2 < argc) {
			addr = argv[++i];
			port = atoi(argv[++i]);
		} else
			break;
	}
	if (i < argc || addr == NULL || port < 0 || port > 65535 || to < 0 ||
	    to > 65535 || count < 1 || size < 12 ||
	    size > (long)sizeof(rtp)) {
		fprintf(stderr, "usage: udpsock [--as-user USER] [--reuse] "
		    "--bind ADDR PORT [--to PORT [--count N] [--size L]] "
		    "[--hold]\n");
		return 2;
	}
	if (user != NULL && drop_to(user) != 0) {
		perror("udpsock: dropping to the user");
		return 1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
	    (fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) != 0) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		perror("udpsock");
		return 1;
	}
	printf("port %u\n", ntohs(sin.sin_port));
	fflush(stdout);
	if (to != 0) {
		sin.sin_port = htons((unsigned short)to);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		for (k = 0; k < count; k++)
			if (sendto(fd, rtp, (size_t)size, 0,
			    (struct sockaddr *)&sin, sizeof(sin)) != size) {
				perror("udpsock: sendto");
				return 1;
			}
		printf("sent\n");
		fflush(stdout);
	}
	while (hold && read(0, &c, 1) > 0)
		;
	close(fd);
	return 0;
}
