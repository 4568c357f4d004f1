/*
 * Reads capture files into memory. Every line is bounded and every hex
 * digit checked; a bad line is an error naming its number.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

#define CAPTURE_LINE_MAX	(2 * CAPTURE_PKT_MAX + 64)

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parse "[dir ]hex" into p; 0 on success. */
static int
capture_parse_line(char *s, struct capture_pkt *p)
{
	char *hex = s, *sp;
	size_t n, i;
	int hi, lo;

	if ((sp = strchr(s, ' ')) != NULL) {
		if ((size_t)(sp - s) >= CAPTURE_DIR_LEN)
			return -1;
		memcpy(p->dir, s, (size_t)(sp - s));
		p->dir[sp - s] = '\0';
		hex = sp + 1;
	}
	n = strlen(hex);
	if (n == 0 || n % 2 != 0 || n / 2 > CAPTURE_PKT_MAX)
		return -1;
	if ((p->bytes = malloc(n / 2)) == NULL)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if ((hi = hexval(hex[2 * i])) < 0 ||
		    (lo = hexval(hex[2 * i + 1])) < 0) {
			free(p->bytes);
			p->bytes = NULL;
			return -1;
		}
		p->bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	p->len = n / 2;
	return 0;
}

static int
capture_append(struct capture *c, const struct capture_pkt *p)
{
	struct capture_pkt *np;

	np = realloc(c->pkts, (c->n + 1) * sizeof(*np));
	if (np == NULL)
		return -1;
	c->pkts = np;
	c->pkts[c->n++] = *p;
	return 0;
}

int
capture_load(const char *path, struct capture *c, char *err, size_t err_len)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	struct capture_pkt p;
	int lineno = 0, ret = -1;
	FILE *f;

	memset(c, 0, sizeof(*c));
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, err_len, "%s: cannot open", path);
		return -1;
	}
	while ((got = getline(&line, &cap, f)) != -1) {
		lineno++;
		while (got > 0 && isspace((unsigned char)line[got - 1]))
			line[--got] = '\0';
		if (got == 0 || line[0] == '#')
			continue;
		memset(&p, 0, sizeof(p));
		p.line = lineno;
		if (got > CAPTURE_LINE_MAX || capture_parse_line(line, &p) != 0 ||
		    capture_append(c, &p) != 0) {
			free(p.bytes);
			snprintf(err, err_len, "%s:%d: not a capture line",
			    path, lineno);
			goto out;
		}
	}
	ret = 0;
out:
	free(line);
	fclose(f);
	if (ret != 0)
		capture_free(c);
	return ret;
}

void
capture_free(struct capture *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->pkts[i].bytes);
	free(c->pkts);
	c->pkts = NULL;
	c->n = 0;
}
