/*
 * The wire between two zrtpd daemons, made visible: a UDP relay on
 * 127.0.0.1 that forwards every datagram between daemon A's and daemon
 * B's media ports and looks at each one: ZRTP (its message type), SRTP,
 * anything else, and whether a known plaintext marker appears in it. A
 * test or the demo reads its verdict; it can also drop or corrupt.
 *
 * usage: wiretap --a PORT --b PORT --marker TEXT [--show N]
 *                [--corrupt-srtp N] [--forge-unknown N]
 * prints "ports PA PB" (daemon A sends to PA, daemon B to PB), a line per
 * shown datagram, and "wire JSON" when stdin closes or says "quit".
 * --forge-unknown N: after each ZRTP datagram from A, N forged ones go to
 * B with A's header and a valid CRC but a message type no one defines
 * (what an attacker without the keys can send at packet rate).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "packet.h"

struct tap {
	int		fd[2];		/* [0] faces A, [1] faces B */
	struct sockaddr_in dst[2];	/* A's and B's media ports */
	const char	*marker;
	int		show, shown, corrupt, forge;
	unsigned long	zrtp, srtp, srtcp, other, marker_hits, bytes, forged;
	char		types[512];
};

static int
udp_bind(void)
{
	struct sockaddr_in a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("wiretap");
		exit(2);
	}
	return fd;
}

static int
port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	getsockname(fd, (struct sockaddr *)&a, &len);
	return ntohs(a.sin_port);
}

/* Note a ZRTP message type once, in the order first seen. */
static void
note_type(struct tap *t, const uint8_t *p, size_t n)
{
	char ty[9];
	int i;

	if (n < 24)
		return;
	for (i = 0; i < 8; i++)
		ty[i] = p[16 + i] >= 0x20 && p[16 + i] < 0x7f ? (char)p[16 + i] :
		    '?';
	ty[8] = '\0';
	while (i > 0 && ty[i - 1] == ' ')
		ty[--i] = '\0';
	if (strstr(t->types, ty) == NULL &&
	    strlen(t->types) + strlen(ty) + 2 < sizeof(t->types)) {
		if (t->types[0] != '\0')
			strcat(t->types, " ");
		strcat(t->types, ty);
	}
}

static void
show(struct tap *t, int from, const uint8_t *p, size_t n, const char *what)
{
	size_t i;

	if (t->shown >= t->show)
		return;
	t->shown++;
	printf("  %s %-5s %4zu bytes:", from == 0 ? "A->B" : "B->A", what, n);
	if (strcmp(what, "ZRTP") == 0 && n >= 24) {
		/* The message type, as RFC 6189 §5 spells it. */
		printf(" %.8s", (const char *)p + 16);
	}
	printf(" |");
	for (i = 0; i < n && i < 28; i++)
		putchar(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.');
	printf("%s|\n", n > 28 ? "..." : "");
	fflush(stdout);
}

/* An unknown message type in A's header, CRC sealed (RFC 6189 §5). */
static void
forge_unknown(struct tap *t, const uint8_t *hdr)
{
	uint8_t f[12 + 12 + 4];
	int i;

	memcpy(f, hdr, 12);
	f[12] = 0x50;
	f[13] = 0x5a;
	f[14] = 0;
	f[15] = 3;	/* words: preamble, length, type */
	memcpy(f + 16, "Bogus   ", 8);
	if (zpkt_seal_crc(f, sizeof(f)) != 0)
		return;
	for (i = 0; i < t->forge; i++)
		if (sendto(t->fd[1], f, sizeof(f), 0,
		    (struct sockaddr *)&t->dst[1], sizeof(t->dst[1])) > 0)
			t->forged++;
}

static void
relay(struct tap *t, int from)
{
	uint8_t p[4096];
	ssize_t n;
	const char *what;

	if ((n = recv(t->fd[from], p, sizeof(p), 0)) <= 0)
		return;
	t->bytes += (unsigned long)n;
	if (memmem(p, (size_t)n, t->marker, strlen(t->marker)) != NULL)
		t->marker_hits++;
	if (n >= 12 && p[0] == 0x10 && memcmp(p + 4, "ZRTP", 4) == 0) {
		t->zrtp++;
		note_type(t, p, (size_t)n);
		what = "ZRTP";
	} else if (n >= 12 && (p[0] & 0xc0) == 0x80) {
		if (p[1] >= 192 && p[1] <= 223) {
			t->srtcp++;
			what = "SRTCP";
		} else {
			t->srtp++;
			what = "SRTP";
			/* A tampering path: flip a payload bit. */
			if (t->corrupt > 0 && n > 20) {
				t->corrupt--;
				p[20] ^= 0x01;
			}
		}
	} else {
		t->other++;
		what = "other";
	}
	show(t, from, p, (size_t)n, what);
	sendto(t->fd[1 - from], p, (size_t)n, 0,
	    (struct sockaddr *)&t->dst[1 - from], sizeof(t->dst[0]));
	if (from == 0 && t->forge > 0 && strcmp(what, "ZRTP") == 0)
		forge_unknown(t, p);
}

int
main(int argc, char **argv)
{
	static struct tap t;
	struct pollfd pfd[3];
	char line[64];
	int i;

	t.marker = "";
	for (i = 1; i + 1 < argc; i += 2) {
		int which = strcmp(argv[i], "--a") == 0 ? 0 :
		    strcmp(argv[i], "--b") == 0 ? 1 : -1;

		if (which >= 0) {
			t.dst[which].sin_family = AF_INET;
			t.dst[which].sin_port = htons((uint16_t)atoi(argv[i + 1]));
			t.dst[which].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		} else if (strcmp(argv[i], "--marker") == 0)
			t.marker = argv[i + 1];
		else if (strcmp(argv[i], "--show") == 0)
			t.show = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--corrupt-srtp") == 0)
			t.corrupt = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--forge-unknown") == 0)
			t.forge = atoi(argv[i + 1]);
		else {
			fprintf(stderr, "wiretap: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (t.dst[0].sin_port == 0 || t.dst[1].sin_port == 0 ||
	    t.marker[0] == '\0') {
		fprintf(stderr, "usage: wiretap --a PORT --b PORT --marker "
		    "TEXT [--show N] [--corrupt-srtp N] [--forge-unknown N]\n");
		return 2;
	}
	t.fd[0] = udp_bind();
	t.fd[1] = udp_bind();
	printf("ports %d %d\n", port_of(t.fd[0]), port_of(t.fd[1]));
	fflush(stdout);
	for (;;) {
		pfd[0] = (struct pollfd){ 0, POLLIN, 0 };
		pfd[1] = (struct pollfd){ t.fd[0], POLLIN, 0 };
		pfd[2] = (struct pollfd){ t.fd[1], POLLIN, 0 };
		if (poll(pfd, 3, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN)
			relay(&t, 0);
		if (pfd[2].revents & POLLIN)
			relay(&t, 1);
		if (pfd[0].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(0, line, sizeof(line));

			if (n <= 0 || memmem(line, (size_t)n, "quit", 4) != NULL)
				break;
		}
	}
	printf("wire {\"zrtp\":%lu,\"zrtp_types\":\"%s\",\"srtp\":%lu,"
	    "\"srtcp\":%lu,\"other\":%lu,\"bytes\":%lu,\"marker_hits\":%lu,"
	    "\"forged\":%lu}\n", t.zrtp, t.types, t.srtp, t.srtcp, t.other,
	    t.bytes, t.marker_hits, t.forged);
	return 0;
}
