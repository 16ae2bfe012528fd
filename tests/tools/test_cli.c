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
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmap/dat.h>

#include "cmdtest.h"

#define CHILD_ALARM 120 /* seconds */

static const char *gmap_path, *version;

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

/* ---- gmap translate: input it must refuse or survive ------------------------------------- */

/*
 * A raw image of IMAGE_SIZE bytes: a region-third table at R3T whose entry 0
 * designates the segment table at ST (all its entries invalid), the others
 * invalid. VA_R3 is answered from the region-third table alone; VA_ST reads the
 * segment table too.
 */
#define IMAGE_SIZE 0x20000UL
#define R3T	   0x10000UL
#define ST	   0x14000UL
#define ASCE	   (R3T | _ASCE_TYPE_REGION3 | _ASCE_TABLE_LENGTH)
#define VA_R3	   0x80000000UL
#define VA_ST	   0x1000UL

static void put64(unsigned char *p, unsigned long v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (56 - 8 * i));
}

static void write_image(void)
{
	unsigned char *img = calloc(1, IMAGE_SIZE);

	assert_non_null(img);
	for (unsigned long i = 0; i < _CRST_ENTRIES; i++) {
		put64(img + R3T + 8 * i, i ? _REGION3_ENTRY_EMPTY : ST | _REGION3_ENTRY);
		put64(img + ST + 8 * i, _SEGMENT_ENTRY_EMPTY);
	}
	write_file("image", img, IMAGE_SIZE);
	free(img);
}

static const char *asce_arg(void)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "0x%lx", ASCE);
	return buf;
}

static void pic_line(char *buf, size_t len, unsigned long va, unsigned int pic)
{
	snprintf(buf, len, "0x%lx -> pic 0x%02x (%s)\n", va, pic, dat_pic_name(pic));
}

/* Opening a FIFO waited for a writer for ever; it is refused at once. */
static void test_fifo_image(void **state)
{
	struct result r;

	(void)state;
	unlink(path_of("fifo"));
	assert_int_equal(mkfifo(path_of("fifo"), 0600), 0);
	r = RUN(NULL, NULL, "translate", "-i", path_of("fifo"), "-a", "0x7", "0x1000");
	assert_usage_error(&r, "not a regular file (a FIFO)");
}

/* A NUL byte ended the line silently: "0x1000\0junk" was answered as 0x1000. */
static void test_nul_in_line(void **state)
{
	static const char in[] = "0x1000\n0x2000\0junk\n0x3000\n";
	char want[128];
	struct result r;

	(void)state;
	write_image();
	write_file("in", in, sizeof(in) - 1);
	r = RUN(path_of("in"), NULL, "translate", "-i", path_of("image"), "-a", asce_arg());
	assert_int_equal(r.status, 2);
	pic_line(want, sizeof(want), 0x1000, PGM_SEGMENT_TRANSLATION);
	assert_string_equal(r.out, want);
	if (!strstr(r.err, "standard input line 2: a NUL byte"))
		fail_msg("stderr: %s", r.err);
	result_free(&r);
}

/* '-' among ADDRs reads standard input at that point, as the help says. */
static void test_dash_among_addrs(void **state)
{
	char want[256];
	size_t n;
	struct result r;

	(void)state;
	write_image();
	write_file("in", "80000000\n\n0x1000\n", 17);
	r = RUN(path_of("in"), NULL, "translate", "-i", path_of("image"), "-a", asce_arg(),
		"0x100000000", "-", "0x2000");
	assert_int_equal(r.status, 0);
	pic_line(want, sizeof(want), 0x100000000UL, PGM_REGION_THIRD_TRANS);
	n = strlen(want);
	pic_line(want + n, sizeof(want) - n, VA_R3, PGM_REGION_THIRD_TRANS);
	n = strlen(want);
	pic_line(want + n, sizeof(want) - n, 0x1000, PGM_SEGMENT_TRANSLATION);
	n = strlen(want);
	pic_line(want + n, sizeof(want) - n, 0x2000, PGM_SEGMENT_TRANSLATION);
	assert_string_equal(r.out, want);
	result_free(&r);
	r = RUN(NULL, NULL, "translate", "--example", "-", "0x1000", "-");
	assert_usage_error(&r, "'-' (standard input) can be given only once");
}

/* An --max-entries beyond the limit was clamped without a word; it is refused. */
static void test_max_entries_range(void **state)
{
	struct result r;

	(void)state;
	r = RUN(NULL, NULL, "translate", "--example", "--tree", "--max-entries", "4294967297");
	assert_usage_error(&r, "--max-entries '4294967297' is not a decimal number from 0 to");
	r = RUN(NULL, NULL, "translate", "--example", "--tree", "--max-entries", "4294967296");
	assert_int_equal(r.status, 0);
	result_free(&r);
}

/* Read from @fd until @n lines have come (or the end); returns them. */
static char *read_lines(int fd, int n)
{
	static char buf[4096];
	size_t len = 0;
	ssize_t k;

	while (n && len < sizeof(buf) - 1 && (k = read(fd, buf + len, 1)) == 1)
		n -= buf[len++] == '\n';
	buf[len] = 0;
	return buf;
}

static void write_str(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/*
 * The image is truncated while the command streams answers: a walk then reads
 * beyond the file's new end. It killed the command with SIGBUS and lost the
 * answers still buffered. The order is fixed by the pipes: the first answer is
 * read back (the command flushes before it waits for input), then the file is
 * cut, then two more addresses come: one answered from the region-third table
 * (still in the file) and buffered, one that needs the segment table (gone).
 */
static void test_image_shrinks(void **state)
{
	char want[256], line[96];
	int in[2], out[2], err = temp_fd(), status;
	char *stderr_text;
	size_t n;
	pid_t pid;

	(void)state;
	write_image();
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		close(in[1]);
		close(out[0]);
		alarm(CHILD_ALARM);
		execl(gmap_path, gmap_path, "translate", "-i", path_of("image"), "-a", asce_arg(),
		      (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	write_str(in[1], "0x80000000\n");
	pic_line(want, sizeof(want), VA_R3, PGM_REGION_THIRD_TRANS);
	assert_string_equal(read_lines(out[0], 1), want);
	assert_int_equal(truncate(path_of("image"), ST - 0x2000), 0);
	write_str(in[1], "0x100000000\n0x1000\n0x2000\n");
	close(in[1]);
	pic_line(line, sizeof(line), 0x100000000UL, PGM_REGION_THIRD_TRANS);
	assert_string_equal(read_lines(out[0], 10), line);
	close(out[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	stderr_text = slurp_fd(err);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 2)
		fail_msg("status 0x%x, stderr: %s", status, stderr_text);
	n = strlen(stderr_text);
	if (!strstr(stderr_text, "the file shrank while it was read") ||
	    !strstr(stderr_text, "no answer for 0x1000") || n < 1 || stderr_text[n - 1] != '\n')
		fail_msg("stderr: %s", stderr_text);
	free(stderr_text);
}

/*
 * The same with standard input from a file, answered by threads over 4 MiB
 * windows: the walk that meets the new end runs in a worker thread, which must
 * land in its own handler. The order is fixed by the pipe: the first window's
 * answers (24 MB) fill it and the command waits to write them; once some can be
 * read, the image is cut; the second window's walks then need the segment table
 * that is gone. Every answer of the first window arrives, then the message.
 */
static void test_image_shrinks_threads(void **state)
{
	enum { LINES = 600000, FIRST_WINDOW = (4 << 20) / 7 }; /* "0x1000\n" is 7 bytes */
	int out[2], err = temp_fd(), status;
	char want[96], *stderr_text, buf[1 << 16];
	struct pollfd pfd;
	unsigned long lines = 0, bytes = 0;
	FILE *in;
	ssize_t n;
	pid_t pid;

	(void)state;
	write_image();
	in = fopen(path_of("in"), "w");
	assert_non_null(in);
	for (int i = 0; i < LINES; i++)
		fputs("0x1000\n", in);
	assert_int_equal(fclose(in), 0);
	assert_int_equal(pipe(out), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		int fd = open(path_of("in"), O_RDONLY);

		if (fd < 0 || dup2(fd, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		close(out[0]);
		alarm(CHILD_ALARM);
		execl(gmap_path, gmap_path, "translate", "-i", path_of("image"), "-a", asce_arg(),
		      "--threads", "2", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	pfd = (struct pollfd){ .fd = out[0], .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, CHILD_ALARM * 1000), 1);
	assert_int_equal(truncate(path_of("image"), ST - 0x2000), 0);
	pic_line(want, sizeof(want), VA_ST, PGM_SEGMENT_TRANSLATION);
	while ((n = read(out[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
		if (!bytes)
			assert_memory_equal(buf, want, strlen(want));
		bytes += (unsigned long)n;
	}
	close(out[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	stderr_text = slurp_fd(err);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 2)
		fail_msg("status 0x%x, stderr: %s", status, stderr_text);
	assert_int_equal(lines, FIRST_WINDOW);
	assert_int_equal(bytes, lines * strlen(want));
	if (!strstr(stderr_text, "the file shrank while it was read") ||
	    !strstr(stderr_text, "no answer for 0x1000"))
		fail_msg("stderr: %s", stderr_text);
	free(stderr_text);
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
		cmocka_unit_test(test_fifo_image),
		cmocka_unit_test(test_nul_in_line),
		cmocka_unit_test(test_dash_among_addrs),
		cmocka_unit_test(test_max_entries_range),
		cmocka_unit_test(test_image_shrinks),
		cmocka_unit_test(test_image_shrinks_threads),
	};

	if (argc < 3) {
		fprintf(stderr, "usage: %s PATH-OF-GMAP VERSION\n", argv[0]);
		return 1;
	}
	gmap_path = argv[1];
	version = argv[2];
	signal(SIGPIPE, SIG_IGN); /* a command that died must fail a test, not kill it */
	return cmocka_run_group_tests(tests, setup, teardown);
}
