// SPDX-License-Identifier: GPL-2.0
/*
 * The `gmap` command as a new user meets it: --version, option errors that name
 * the right argument, input that is not what the command expects (a FIFO for an
 * image, a NUL byte in a line, an image that shrinks while it is read), output
 * that cannot be written. Each test runs the built command in a child with an
 * alarm, so that a hang fails instead of stalling the suite.
 *
 * argv[1] is the path of the gmap executable, argv[2] the project version
 * (meson passes both).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmap/dat.h>

#define CHILD_ALARM 120 /* seconds */

static const char *gmap_path, *version;
static char dir[64];

struct result {
	int status; /* exit status, or 128 + signal */
	char *out, *err;
};

static char *path_of(const char *name)
{
	static char buf[4][128];
	static int n;
	char *p = buf[n++ % 4];

	snprintf(p, 128, "%s/%s", dir, name);
	return p;
}

static char *slurp_fd(int fd)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	ssize_t n;

	assert_non_null(buf);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	buf[len] = 0;
	close(fd);
	return buf;
}

static int temp_fd(void)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	return dup(fileno(f)); /* the FILE leaks its descriptor until exit; fine for a test */
}

/*
 * Run gmap with @argv (NULL-terminated, without the program name); standard
 * input from @in (a path, or NULL for /dev/null), standard output to @out_path
 * (a path such as /dev/full) or a temporary file.
 */
static struct result run_argv(const char *in, const char *out_path, const char *const *args)
{
	const char *argv[32] = { gmap_path };
	int out = out_path ? -1 : temp_fd(), err = temp_fd(), status, argc = 1;
	struct result r = { 0 };
	pid_t pid;

	while (args[argc - 1]) {
		argv[argc] = args[argc - 1];
		argc++;
	}
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		int i = open(in ? in : "/dev/null", O_RDONLY);

		if (out_path)
			out = open(out_path, O_WRONLY);
		if (i < 0 || out < 0 || dup2(i, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		alarm(CHILD_ALARM);
		execv(gmap_path, (char **)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r.out = out_path ? strdup("") : slurp_fd(out);
	r.err = slurp_fd(err);
	return r;
}

#define RUN(in, out, ...) run_argv(in, out, (const char *const[]){ __VA_ARGS__, NULL })

static void result_free(struct result *r)
{
	free(r->out);
	free(r->err);
}

/* Exit 2, nothing on stdout, one line on stderr that contains @what. */
static void assert_usage_error(struct result *r, const char *what)
{
	if (r->status != 2)
		fail_msg("exit %d, stderr '%s'", r->status, r->err);
	assert_string_equal(r->out, "");
	if (!strstr(r->err, what))
		fail_msg("stderr '%s' does not mention '%s'", r->err, what);
	assert_non_null(strchr(r->err, '\n'));
	assert_int_equal(strchr(r->err, '\n')[1], 0);
	result_free(r);
}

static void write_file(const char *name, const void *data, size_t len)
{
	FILE *f = fopen(path_of(name), "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* ---- tests ------------------------------------------------------------------------------- */

/* The version is the project's, the one the pkg-config file reports. */
static void test_version(void **state)
{
	char want[64];
	struct result r;

	(void)state;
	snprintf(want, sizeof(want), "gmap (libgmap) %s\n", version);
	r = RUN(NULL, NULL, "--version");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, want);
	result_free(&r);
	r = RUN(NULL, NULL, "-V");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, want);
	result_free(&r);
	r = RUN(NULL, NULL, "--help");
	assert_non_null(strstr(r.out, "--version"));
	result_free(&r);
}

/* The message names the letter getopt refused, not the argument before it. */
static void test_unknown_option_in_cluster(void **state)
{
	struct result r;

	(void)state;
	r = RUN(NULL, NULL, "run", "--json", "-9z");
	assert_usage_error(&r, "unknown option '-9'");
	r = RUN(NULL, NULL, "run", "-jz");
	assert_usage_error(&r, "unknown option '-z'");
	r = RUN(NULL, NULL, "run", "--frobnicate");
	assert_usage_error(&r, "unknown option '--frobnicate'");
	r = RUN(NULL, NULL, "run", "-jd");
	assert_usage_error(&r, "option '-d' needs a value");
	r = RUN(NULL, NULL, "run", "--duration");
	assert_usage_error(&r, "option '--duration' needs a value");
	r = RUN(NULL, NULL, "translate", "--example", "-0x1");
	assert_usage_error(&r, "unknown option '-0'");
	r = RUN(NULL, NULL, "translate", "-v", "-0x1");
	assert_usage_error(&r, "unknown option '-0'");
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/gmap-cli-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	static const char *const names[] = { "image", "fifo", "in" };

	(void)state;
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(path_of(names[i]));
	rmdir(dir);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_unknown_option_in_cluster),
	};

	if (argc < 3) {
		fprintf(stderr, "usage: %s PATH-OF-GMAP VERSION\n", argv[0]);
		return 1;
	}
	gmap_path = argv[1];
	version = argv[2];
	(void)write_file;
	return cmocka_run_group_tests(tests, setup, teardown);
}
