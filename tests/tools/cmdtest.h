/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helper for the tests that run the built gmap command (test_cli.c,
 * test_translate.c): files in the test's temporary directory, and what a run
 * gave back. Each test makes `dir` in its group setup and runs the command its
 * own way.
 */
#ifndef GMAP_TESTS_CMDTEST_H
#define GMAP_TESTS_CMDTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static char dir[64]; /* the test's temporary directory */

/* What a run of the command gave back. */
struct result {
	int status; /* exit status, or 128 + signal */
	char *out, *err;
};

/* @name in the test's directory (the last four answers stay valid). */
static inline char *path_of(const char *name)
{
	static char buf[4][128];
	static int n;
	char *p = buf[n++ % 4];

	snprintf(p, 128, "%s/%s", dir, name);
	return p;
}

static inline void write_file(const char *name, const void *data, size_t len)
{
	FILE *f = fopen(path_of(name), "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static inline void result_free(struct result *r)
{
	free(r->out);
	free(r->err);
}

/* A usage error: exit 2, nothing on stdout, one line naming @what on stderr. Frees @r. */
static inline void assert_usage_error(struct result *r, const char *what)
{
	if (r->status != 2)
		print_error("stderr '%s'\n", r->err);
	assert_int_equal(r->status, 2);
	assert_string_equal(r->out, "");
	if (!strstr(r->err, what))
		fail_msg("stderr '%s' does not mention '%s'", r->err, what);
	assert_non_null(strchr(r->err, '\n'));
	assert_int_equal(strchr(r->err, '\n')[1], 0);
	result_free(r);
}

#endif /* GMAP_TESTS_CMDTEST_H */
