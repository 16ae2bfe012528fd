// SPDX-License-Identifier: GPL-2.0
/*
 * Replays fuzz inputs without libFuzzer: every file named on the command line, and
 * every file inside every directory named there (in name order), is fed to the
 * target's LLVMFuzzerTestOneInput(). The targets abort on any disagreement, so a
 * normal test run (gcc, ASan/UBSan or TSan) proves that the seed corpus and every
 * input that once crashed still pass. A target rejects an input it cannot decode
 * (an unknown format version) by returning -1. With --strict (the corpora of the
 * repository, in `make check`) a file whose name starts with "reject-" must be
 * rejected and every other file accepted; a libFuzzer corpus may hold rejected
 * inputs, which are only counted.
 */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long replayed, rejected;
static bool strict;

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	const char *base = strrchr(path, '/');
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (len == cap) {
			unsigned char *nb;

			cap = cap ? 2 * cap : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	fclose(f);
	rc = LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	replayed++;
	base = base ? base + 1 : path;
	if (rc)
		rejected++;
	if (strict && (rc == -1) != !strncmp(base, "reject-", 7)) {
		fprintf(stderr, "replay: %s: %s\n", path,
			rc ? "rejected, but not named reject-*" : "named reject-* but accepted");
		return -1;
	}
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name), rc = 0;

	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && !stat(path, &st) && S_ISREG(st.st_mode) &&
		    replay_file(path))
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (!strcmp(argv[i], "--strict")) {
			strict = true;
			continue;
		}
		if (stat(argv[i], &st)) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			rc = 1;
		} else if ((S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i])))
			rc = 1;
	}
	printf("replayed %lu inputs (%lu rejected)\n", replayed, rejected);
	return rc || !replayed;
}
