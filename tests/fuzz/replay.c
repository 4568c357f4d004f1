/*
 * Runs a libFuzzer target without libFuzzer, so that `make check` replays
 * the stored corpus with any compiler: each file named on the command line,
 * and each regular file in a directory named there, is read into a buffer
 * of exactly its size and handed to LLVMFuzzerTestOneInput.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
replay_file(const char *path, size_t *count)
{
	struct stat st;
	uint8_t *buf;
	size_t len;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) != 0 || st.st_size < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		fclose(f);
		return -1;
	}
	len = (size_t)st.st_size;
	/* Exactly len bytes, so a sanitizer sees a read one past the end. */
	if ((buf = malloc(len > 0 ? len : 1)) == NULL ||
	    (len > 0 && fread(buf, 1, len, f) != len)) {
		fprintf(stderr, "replay: %s: read failed\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	(*count)++;
	return 0;
}

/* Regular files only, in name order; no recursion. */
static int
replay_dir(const char *dir, size_t *count)
{
	struct dirent **names;
	struct stat st;
	char path[4096];
	int i, n, rc = 0;

	if ((n = scandir(dir, &names, NULL, alphasort)) < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]->d_name) >= (int)sizeof(path)) {
			fprintf(stderr, "replay: %s: name too long\n", dir);
			rc = -1;
		} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    replay_file(path, count) != 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	struct stat st;
	size_t count = 0;
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s file-or-directory ...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) != 0)
				rc = 1;
		} else if (replay_file(argv[i], &count) != 0)
			rc = 1;
	}
	printf("replayed %zu inputs\n", count);
	return rc;
}
