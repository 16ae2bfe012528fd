// SPDX-License-Identifier: GPL-2.0
/*
 * `gmap translate` end to end: the test builds storage images with known tables
 * (raw and ELF, with holes and truncated tables), runs the built command on them
 * and compares the exact output lines, the streamed answers for 200,000 addresses
 * on standard input included. The expected answers are computed from how the
 * tables were built, not by a second walker.
 *
 * argv[1] is the path of the gmap executable (meson passes it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmap/dat.h>

#include "cmdtest.h"
#include "elfbuild.h"

/*
 * The test image: 8 MiB - 1 KiB of storage (so that a page table can straddle its
 * end), region-third ASCE (TL 3, origin 0x10000).
 *   R3T 0x10000: entry 0 -> ST 0x14000; entry 1 -> ST 0x900000 (beyond storage)
 *   ST  0x14000: entries 0x00-0x3f -> PT 0x20000 + sx * 0x800, 256 pages each
 *                entry 0x40 -> 1 MiB frame at 0x600000 (FC, EDAT-1)
 *                entry 0x41 -> PT 0x900000 (beyond storage)
 *                entry 0x42 -> PT 0x7ff800 (its upper half is beyond storage)
 *                entry 0x43 -> PT 0x180000 (a hole in the ELF variant)
 *   Page g = sx * 256 + px: invalid if g % 13 == 5, else frame frame_of(g),
 *   DAT-protected if g % 97 == 3.
 */
#define STORAGE	   0x7ffc00UL
#define R3T	   0x10000UL
#define ST	   0x14000UL
#define PT_BASE	   0x20000UL
#define NSEG_PAGED 0x40UL
#define ASCE	   (R3T | _ASCE_TYPE_REGION3 | _ASCE_TABLE_LENGTH)

static const char *gmap_path;
static unsigned char *storage;

static unsigned long frame_of(unsigned long g)
{
	return ((g * 7919) % 1536 + 256) << PAGE_SHIFT;
}

static bool page_invalid(unsigned long g)
{
	return g % 13 == 5;
}

static void put(unsigned long addr, unsigned long val)
{
	eb_put64(storage + addr, val);
}

static void build_storage(void)
{
	storage = calloc(1, STORAGE);
	assert_non_null(storage);
	for (unsigned long i = 0; i < _CRST_ENTRIES; i++) {
		put(R3T + 8 * i, _REGION3_ENTRY_EMPTY);
		put(ST + 8 * i, _SEGMENT_ENTRY_EMPTY);
	}
	put(R3T, ST | _REGION3_ENTRY);
	put(R3T + 8, 0x900000UL | _REGION3_ENTRY);
	for (unsigned long sx = 0; sx < NSEG_PAGED; sx++) {
		unsigned long pt = PT_BASE + sx * 0x800;

		put(ST + 8 * sx, pt);
		for (unsigned long px = 0; px < 256; px++) {
			unsigned long g = sx * 256 + px, pte = frame_of(g);

			if (page_invalid(g))
				pte = _PAGE_INVALID;
			else if (g % 97 == 3)
				pte |= _PAGE_PROTECT;
			put(pt + 8 * px, pte);
		}
	}
	put(ST + 8 * 0x40, 0x600000UL | _SEGMENT_ENTRY_LARGE);
	put(ST + 8 * 0x41, 0x900000UL);
	put(ST + 8 * 0x42, 0x7ff800UL);
	put(ST + 8 * 0x43, 0x180000UL);
}

/* The expected line for @va under EDAT @edat, for the raw image or the ELF one. */
static void expect_line(char *buf, size_t len, unsigned long va, unsigned int edat, bool elf)
{
	unsigned long rtx = (va >> _REGION3_SHIFT) & 0x7ff, sx = dat_sx(va), px = dat_px(va);
	unsigned long g = sx * 256 + px, real;
	unsigned int pic = 0;

	if (va >> 42)
		pic = PGM_ASCE_TYPE;
	else if (rtx == 1)
		pic = PGM_ADDRESSING;
	else if (rtx > 1)
		pic = PGM_REGION_THIRD_TRANS;
	else if (sx < NSEG_PAGED)
		pic = page_invalid(g) ? PGM_PAGE_TRANSLATION : 0;
	else if (sx == 0x40 || (sx == 0x43 && !elf))
		pic = 0;
	else if (sx == 0x41 || sx == 0x43)
		pic = PGM_ADDRESSING;
	else if (sx == 0x42)
		pic = px < 128 ? 0 : PGM_ADDRESSING;
	else
		pic = PGM_SEGMENT_TRANSLATION;

	if (pic) {
		snprintf(buf, len, "0x%lx -> pic 0x%02x (%s)\n", va, pic, dat_pic_name(pic));
		return;
	}
	if (sx < NSEG_PAGED)
		real = frame_of(g) | (va & 0xfff);
	else if (sx == 0x40 && edat)
		real = 0x600000UL | (va & 0xfffff);
	else
		real = va & 0xfff; /* a page table of zeros maps every page to frame 0 */
	snprintf(buf, len, "0x%lx -> 0x%lx\n", va, real);
}

static unsigned long rng_next(unsigned long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Addresses of every kind the image answers, mostly mapped pages. */
static unsigned long random_va(unsigned long *seed)
{
	unsigned long r = rng_next(seed), off = rng_next(seed);

	switch (r % 16) {
	case 0:
		return off; /* mostly beyond the ASCE's reach */
	case 1:
		return (1UL << 31) | (off & 0x7fffffff); /* R3 entry 1 */
	case 2:
		return ((2 + off % 2046) << 31) | (off & 0x7fffffff); /* invalid R3 entries */
	case 3:
		return ((0x40 + off % 4) << 20) | (off & 0xfffff); /* odd segments */
	case 4:
		return ((0x44 + off % 0x7bc) << 20) | (off & 0xfffff); /* invalid segments */
	default:
		return off % (NSEG_PAGED << 20);
	}
}

/* ---- files and running the command ------------------------------------------------------- */

static char *read_file(const char *name)
{
	FILE *f = fopen(path_of(name), "r");
	char *buf;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = 0;
	fclose(f);
	return buf;
}

static void redirect(const char *name, int fd, int flags)
{
	int f = open(path_of(name), flags, 0600);

	if (f < 0 || dup2(f, fd) < 0)
		_exit(126);
	close(f);
}

/* run(): standard input through a pipe (answered line by line) instead of the file. */
static bool pipe_input;

/* In the child: the file @name on standard input through a pipe, written by a grandchild. */
static void redirect_pipe(const char *name)
{
	int p[2], f;
	char buf[4096];
	ssize_t n;

	if (pipe(p))
		_exit(126);
	if (!fork()) {
		close(p[0]);
		f = open(path_of(name), O_RDONLY);
		while (f >= 0 && (n = read(f, buf, sizeof(buf))) > 0)
			if (write(p[1], buf, (size_t)n) != n)
				_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (dup2(p[0], 0) < 0)
		_exit(126);
	close(p[0]);
}

/* Run `gmap translate ARGS...` with standard input from the file @in (or /dev/null). */
static struct result run(const char *in, ...)
{
	const char *argv[32] = { gmap_path, "translate" };
	struct result r;
	int argc = 2, status;
	va_list ap;
	pid_t pid;

	va_start(ap, in);
	while ((argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		if (in && pipe_input)
			redirect_pipe(in);
		else if (in)
			redirect(in, 0, O_RDONLY);
		else
			dup2(open("/dev/null", O_RDONLY), 0);
		redirect("out", 1, O_WRONLY | O_CREAT | O_TRUNC);
		redirect("err", 2, O_WRONLY | O_CREAT | O_TRUNC);
		execv(gmap_path, (char **)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	r.status = WEXITSTATUS(status);
	r.out = read_file("out");
	r.err = read_file("err");
	return r;
}

/* Report the first differing line, not just "strings differ". */
static void assert_text(const char *got, const char *want)
{
	unsigned long line = 1;
	const char *g = got, *w = want;

	while (*g && *g == *w) {
		if (*g == '\n')
			line++;
		g++;
		w++;
	}
	if (*g || *w)
		fail_msg("output differs at line %lu:\n got: %.120s\nwant: %.120s", line, g, w);
}

/* ---- images ------------------------------------------------------------------------------ */

static void write_raw(void)
{
	write_file("image.raw", storage, STORAGE);
}

/*
 * The same storage as an ELF core: tables in a segment whose file data stops before
 * its end, a hole where ST entry 0x43 points, and the frames' segment without data.
 */
static void write_elf(void)
{
	struct eb_seg segs[] = {
		{ PT_LOAD, 0x200000, 0x1000, STORAGE - 0x200000, storage + 0x200000 },
		{ PT_NOTE, 0, 16, 0, storage },
		{ PT_LOAD, 0, PT_BASE + NSEG_PAGED * 0x800, 0x100000, storage },
	};
	size_t size = 0;
	unsigned char *elf = eb_build(segs, 3, &size);

	assert_non_null(elf);
	write_file("image.elf", elf, size);
	free(elf);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/gmap-translate-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	build_storage();
	write_raw();
	write_elf();
	return 0;
}

static int teardown(void **state)
{
	static const char *const names[] = { "image.raw", "image.elf",	 "in",		 "out",
					     "err",	  "bad.elf",	 "shared",	 "empty",
					     "core.elf",  "badnote.elf", "scattered.elf" };

	(void)state;
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(path_of(names[i]));
	rmdir(dir);
	free(storage);
	return 0;
}

static char asce_arg[32];

static const char *asce_str(void)
{
	snprintf(asce_arg, sizeof(asce_arg), "0x%lx", ASCE);
	return asce_arg;
}

/* ---- tests ------------------------------------------------------------------------------- */

/* Write @n addresses to "in" and return the expected output for them. */
static char *stream(unsigned long n, unsigned long seed, unsigned int edat, bool elf)
{
	FILE *in = fopen(path_of("in"), "w");
	size_t cap = n * 80 + 1, len = 0;
	char *want = malloc(cap), line[96];

	assert_non_null(in);
	assert_non_null(want);
	for (unsigned long i = 0; i < n; i++) {
		unsigned long va = random_va(&seed);

		/* Vary the spelling: 0x, 0X, none, upper case, surrounding blanks. */
		switch (i % 4) {
		case 0:
			fprintf(in, "0x%lx\n", va);
			break;
		case 1:
			fprintf(in, "%lX\n", va);
			break;
		case 2:
			fprintf(in, "  0X%016lx\r\n", va);
			break;
		default:
			fprintf(in, "%lx\n\n", va);
		}
		expect_line(line, sizeof(line), va, edat, elf);
		len += (size_t)snprintf(want + len, cap - len, "%s", line);
	}
	assert_int_equal(fclose(in), 0);
	return want;
}

static void test_stream_raw(void **state)
{
	char *want = stream(200000, 0x1234567UL, 0, false);
	struct result r = run("in", "--image", path_of("image.raw"), "--asce", asce_str(), NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_text(r.out, want);
	result_free(&r);
	free(want);
}

static void test_stream_elf(void **state)
{
	char *want = stream(30000, 0x7654321UL, 1, true);
	struct result r =
		run("in", "-i", path_of("image.elf"), "-a", asce_str(), "--edat", "1", "-", NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_text(r.out, want);
	result_free(&r);
	free(want);
}

static void test_args(void **state)
{
	struct result r;
	char want[512], line[96];
	static const unsigned long vas[] = { 0x1234, 0x40123UL << 8, 0x4012345, 0x4212345,
					     0x42ff000 };

	(void)state;
	r = run(NULL, "--image", path_of("image.raw"), "--asce", asce_str(), "0x1234", "4012300",
		"0X4012345", "0x4212345", "42FF000", NULL);
	want[0] = 0;
	for (unsigned int i = 0; i < 5; i++) {
		expect_line(line, sizeof(line), vas[i], 0, false);
		strcat(want, line);
	}
	assert_int_equal(r.status, 0);
	assert_text(r.out, want);
	result_free(&r);
}

static void test_verbose(void **state)
{
	struct result r;
	char want[2048];
	unsigned long va = (0x3UL << 20) | (0x46UL << 12) | 0x678, g = 3 * 256 + 0x46;

	(void)state;
	r = run(NULL, "--image", path_of("image.raw"), "--asce", asce_str(), "-v", "0x346678",
		"0x4280000", "0x4100000", "0x5000000", "0x40000000000", NULL);
	snprintf(want, sizeof(want),
		 "# image %s: raw, 1 segment, storage ends at 0x7ffc00\n"
		 "# asce 0x10007: region-third table at 0x10000, 4 units; edat 0; fetch; "
		 "storage size 0x7ffc00\n"
		 "0x%lx -> 0x%lx\n"
		 "  region-third  entry 0x10000 = 0x14007\n"
		 "  segment       entry 0x14018 = 0x21800\n"
		 "  page          entry 0x%lx = 0x%lx\n"
		 "0x4280000 -> pic 0x05 (addressing)\n"
		 "  region-third  entry 0x10000 = 0x14007\n"
		 "  segment       entry 0x14210 = 0x7ff800\n"
		 "  page          entry 0x7ffc00 not in storage\n"
		 "0x4100000 -> pic 0x05 (addressing)\n"
		 "  region-third  entry 0x10000 = 0x14007\n"
		 "  segment       entry 0x14208 = 0x900000\n"
		 "  page          entry 0x900000 not in storage\n"
		 "0x5000000 -> pic 0x10 (segment-translation)\n"
		 "  region-third  entry 0x10000 = 0x14007\n"
		 "  segment       entry 0x14280 = 0x20\n"
		 "  teid          0x5000800\n"
		 "0x40000000000 -> pic 0x38 (asce-type)\n"
		 "  asce          0x10007\n"
		 "  teid          0x40000000800\n",
		 path_of("image.raw"), va, frame_of(g) | 0x678, PT_BASE + 3 * 0x800 + 0x46 * 8,
		 frame_of(g));
	assert_int_equal(r.status, 0);
	assert_text(r.out, want);
	result_free(&r);
}

static void test_large_frame_and_edat(void **state)
{
	struct result r;

	(void)state;
	r = run(NULL, "-i", path_of("image.raw"), "-a", asce_str(), "-e", "1", "-v", "0x40abcde",
		NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "0x40abcde -> 0x6abcde\n"
				      "  region-third  entry 0x10000 = 0x14007\n"
				      "  segment       entry 0x14200 = 0x600400 (1 MiB frame)\n"));
	result_free(&r);
	/* Without EDAT-1 the FC bit is ignored: the "page table" at 0x600000 is zeros. */
	r = run(NULL, "-i", path_of("image.raw"), "-a", asce_str(), "0x40abcde", NULL);
	assert_string_equal(r.out, "0x40abcde -> 0xcde\n");
	result_free(&r);
}

static void test_access_prefix_storage(void **state)
{
	struct result r;
	unsigned long g = 3, va = (g << 12) | 0x10; /* g % 97 == 3: protected */
	char arg[32], want[128];

	(void)state;
	snprintf(arg, sizeof(arg), "%lx", va);
	r = run(NULL, "-i", path_of("image.raw"), "-a", asce_str(), "--access", "store", arg, NULL);
	snprintf(want, sizeof(want), "0x%lx -> pic 0x04 (protection)\n", va);
	assert_string_equal(r.out, want);
	result_free(&r);
	r = run(NULL, "-i", path_of("image.raw"), "-a", asce_str(), "--access", "ifetch", arg,
		NULL);
	snprintf(want, sizeof(want), "0x%lx -> 0x%lx\n", va, frame_of(g) | 0x10);
	assert_string_equal(r.out, want);
	result_free(&r);

	/* Prefixing moves page-table results only; large frames are already absolute. */
	r = run(NULL, "--example", "--prefix", "0x7e000", "-v", "0x123456789ac0123",
		"0x123456789abcdef", "0x123456789b00000", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "0x123456789ac0123 -> 0x7f123 (absolute)\n"));
	assert_non_null(strstr(r.out, "  real          0x1123\n"));
	assert_non_null(strstr(r.out, "0x123456789abcdef -> 0xabcdef (absolute)\n"));
	assert_non_null(strstr(r.out, "0x123456789b00000 -> 0x900000 (absolute)\n"));
	result_free(&r);

	/* A smaller storage size makes the frames beyond it addressing exceptions. */
	r = run(NULL, "--example", "--storage-size", "0xa00000", "0x123456789abcdef",
		"0x123456789b00000", NULL);
	assert_string_equal(r.out, "0x123456789abcdef -> pic 0x05 (addressing)\n"
				   "0x123456789b00000 -> 0x900000\n");
	result_free(&r);
}

static void test_example(void **state)
{
	struct result r = run(NULL, "--example", NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "0x123456789abcdef -> 0xabcdef\n"
				   "0x123456789b12345 -> 0x912345\n"
				   "0x123456789abe000 -> pic 0x11 (page-translation)\n"
				   "0x123456789abf000 -> pic 0x05 (addressing)\n"
				   "0x123456789c00000 -> pic 0x10 (segment-translation)\n"
				   "0x3ff80000000 -> pic 0x39 (region-first-translation)\n");
	result_free(&r);

	/* The worked example, entry by entry, as the reference lists it. */
	r = run(NULL, "--example", "--verbose", "0x0123456789ABCDEF", NULL);
	assert_non_null(strstr(r.out, "0x123456789abcdef -> 0xabcdef\n"
				      "  region-first  entry 0x10048 = 0x1400f\n"
				      "  region-second entry 0x14688 = 0x1800b\n"
				      "  region-third  entry 0x19678 = 0x1c007\n"
				      "  segment       entry 0x1c4d0 = 0x20800\n"
				      "  page          entry 0x20de0 = 0xabc000\n"));
	result_free(&r);
}

static void test_tree_example(void **state)
{
	struct result r = run(NULL, "--example", "--tree", NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_text(r.out,
		    "asce 0x1000f: region-first table at 0x10000, 4 units; edat 2; storage size "
		    "0x1000000\n"
		    "level             tables      valid      large        bad\n"
		    "region-first           1          1          -          0\n"
		    "region-second          1          1          -          0\n"
		    "region-third           1          1          0          0\n"
		    "segment                1          2          1          0\n"
		    "page                   1          3          -          1\n"
		    "mapped 0x103000 bytes: 3 x 4 KiB pages, 1 x 1 MiB frames, 0 x 2 GiB frames\n"
		    "ranges 3:\n"
		    "  0x123456789abc000-0x123456789abdfff\n"
		    "  0x123456789ac0000-0x123456789ac0fff\n"
		    "  0x123456789b00000-0x123456789bfffff\n");
	result_free(&r);
}

static size_t row(char *buf, size_t len, const char *level, unsigned long tables,
		  unsigned long valid, const char *large, unsigned long bad)
{
	return (size_t)snprintf(buf, len, "%-13s %10lu %10lu %10s %10lu\n", level, tables, valid,
				large, bad);
}

/* Whether page @vpn of the test image translates with EDAT-1 (raw image). */
static bool vpn_mapped(unsigned long vpn)
{
	if (vpn < NSEG_PAGED * 256)
		return !page_invalid(vpn);
	return (vpn >= 0x4000 && vpn < 0x4100) || /* the 1 MiB frame */
	       (vpn >= 0x4200 && vpn < 0x4280) || /* the half page table */
	       (vpn >= 0x4300 && vpn < 0x4400);	  /* the page table of zeros */
}

/* The test image: every count and range derived from how build_storage() filled it. */
static void test_tree_image(void **state)
{
	size_t cap = 1 << 17, len = 0;
	char *want = malloc(cap);
	unsigned long pages = 0, nranges = 0, first = 0;
	struct result r;

	(void)state;
	assert_non_null(want);
	for (unsigned long vpn = 0; vpn <= 0x4400; vpn++) {
		bool m = vpn < 0x4400 && vpn_mapped(vpn);
		bool prev = vpn && vpn_mapped(vpn - 1);

		pages += m && (vpn < 0x4000 || vpn >= 0x4100);
		if (m && !prev)
			first = vpn;
		if (!m && prev)
			nranges++;
	}
	len += (size_t)snprintf(want + len, cap - len,
				"asce 0x10007: region-third table at 0x10000, 4 units; edat 1; "
				"storage size 0x7ffc00\n"
				"level             tables      valid      large        bad\n");
	/* R3 entry 1 points beyond storage; so do ST entry 0x41 and half of 0x42's table. */
	len += row(want + len, cap - len, "region-third", 1, 1, "0", 1);
	len += row(want + len, cap - len, "segment", 1, NSEG_PAGED + 3, "1", 1);
	len += row(want + len, cap - len, "page", NSEG_PAGED + 2, pages, "-", 1);
	len += (size_t)snprintf(
		want + len, cap - len,
		"mapped 0x%lx bytes: %lu x 4 KiB pages, 1 x 1 MiB frames, 0 x 2 GiB "
		"frames\nranges %lu:\n",
		pages * 4096 + 0x100000, pages, nranges);
	for (unsigned long vpn = 0; vpn <= 0x4400; vpn++) {
		bool m = vpn < 0x4400 && vpn_mapped(vpn);
		bool prev = vpn && vpn_mapped(vpn - 1);

		if (m && !prev)
			first = vpn;
		if (!m && prev)
			len += (size_t)snprintf(want + len, cap - len, "  0x%lx-0x%lx\n",
						first << 12, (vpn << 12) - 1);
	}
	assert_true(len < cap);
	r = run(NULL, "--image", path_of("image.raw"), "--asce", asce_str(), "--tree", "--edat",
		"1", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_text(r.out, want);
	result_free(&r);
	free(want);
}

/*
 * Tables that all point at one another: the walk must stop at its budget, count
 * each table once and report that it stopped.
 */
static void test_tree_shared_tables(void **state)
{
	unsigned char *mem = calloc(1, 0x40000);
	unsigned long full, pages;
	struct result r;
	char want[512];
	size_t len;

	(void)state;
	assert_non_null(mem);
	for (unsigned long i = 0; i < _CRST_ENTRIES; i++) {
		eb_put64(mem + 0x10000 + 8 * i, 0x14000 | _REGION3_ENTRY); /* R3T -> ST */
		eb_put64(mem + 0x14000 + 8 * i, 0x18000);		   /* ST -> PT */
		/* A second region-third table whose entries point at itself. */
		eb_put64(mem + 0x1c000 + 8 * i, 0x1c000 | _REGION3_ENTRY);
	}
	for (unsigned long i = 0; i < _PAGE_ENTRIES; i++)
		eb_put64(mem + 0x18000 + 8 * i, 0x30000);
	write_file("shared", mem, 0x40000);
	free(mem);

	/*
	 * 100000 entries: R3 entry 0, then 257 per segment entry (itself and its page
	 * table): 389 complete ones, and the 390th with 25 of its pages.
	 */
	full = (100000 - 1) / 257;
	pages = full * 256 + (100000 - 1 - full * 257 - 1);
	r = run(NULL, "-i", path_of("shared"), "-a", "0x10007", "--tree", "--max-entries", "100000",
		NULL);
	assert_int_equal(r.status, 0);
	len = row(want, sizeof(want), "region-third", 1, 1, "0", 0);
	len += row(want + len, sizeof(want) - len, "segment", 1, full + 1, "0", 0);
	row(want + len, sizeof(want) - len, "page", 1, pages, "-", 0);
	assert_non_null(strstr(r.out, want));
	assert_non_null(strstr(r.out, "walk stopped after 100000 entries"));
	snprintf(want, sizeof(want), "ranges 1:\n  0x0-0x%lx\n", pages * 4096 - 1);
	assert_non_null(strstr(r.out, want));
	result_free(&r);

	/* Self-reference: each entry leads to a "segment table" of region entries: bad. */
	r = run(NULL, "-i", path_of("shared"), "-a", "0x1c007", "--tree", NULL);
	assert_int_equal(r.status, 0);
	len = row(want, sizeof(want), "region-third", 1, 2048, "0", 0);
	len += row(want + len, sizeof(want) - len, "segment", 1, 0, "0", 2048 * 2048);
	row(want + len, sizeof(want) - len, "page", 0, 0, "-", 0);
	assert_non_null(strstr(r.out, want));
	assert_non_null(strstr(r.out, "ranges 0:\n"));
	assert_null(strstr(r.out, "stopped"));
	result_free(&r);
}

/* ---- --tree against translation on random tables ---------------------------------------- */

#define RND_STORAGE 0x40000UL

/* An entry for storage full of random tables: mostly invalid at every level. */
static unsigned long random_entry(unsigned long *seed, unsigned int valid_pct)
{
	unsigned long r = rng_next(seed), e;

	if (r % 100 >= valid_pct)
		return _REGION_ENTRY_INVALID | _PAGE_INVALID | (r & 0xc0000);
	/* Some origins beyond storage; the rest anywhere in it. */
	e = (rng_next(seed) % (RND_STORAGE + RND_STORAGE / 8)) & ~0x7ffUL;
	e |= (r >> 8) & 0xfdf; /* TT, TF, TL, CR/CS, P, IEP, FC, bit 52; I clear */
	if ((r >> 20) % 4)
		e &= ~0xc0UL; /* mostly TF 0, */
	if ((r >> 22) % 4)
		e |= 3; /* TL 3, */
	if ((r >> 24) % 4)
		e &= ~_SEGMENT_ENTRY_LARGE; /* no large frame, */
	if ((r >> 26) % 8)
		e &= ~(_PAGE_LARGE | _SEGMENT_ENTRY_COMM); /* no reserved bits */
	return e;
}

struct ranges {
	unsigned long (*r)[2];
	unsigned long n;
};

/*
 * Outputs are megabytes long: every scan below is bounded by the end of the
 * output, because strchr() and sscanf() measure the whole rest of the string
 * on each call (glibc, and ASan's strict_string_checks), which is quadratic.
 */
static struct ranges parse_ranges(const char *out)
{
	const char *end = out + strlen(out), *p = strstr(out, "\nranges ");
	struct ranges rs = { 0 };
	char *q;

	assert_non_null(p);
	rs.n = strtoul(p + 8, NULL, 10);
	rs.r = calloc(rs.n + 1, sizeof(*rs.r));
	assert_non_null(rs.r);
	p = memchr(p + 1, '\n', (size_t)(end - p - 1));
	for (unsigned long i = 0; i < rs.n; i++) {
		assert_non_null(p);
		assert_int_equal(strncmp(p, "\n  0x", 5), 0);
		rs.r[i][0] = strtoul(p + 5, &q, 16);
		assert_int_equal(strncmp(q, "-0x", 3), 0);
		rs.r[i][1] = strtoul(q + 3, &q, 16);
		assert_true(rs.r[i][0] <= rs.r[i][1]);
		assert_true(!i || rs.r[i][0] > rs.r[i - 1][1] + 1); /* coalesced, sorted */
		p = memchr(q, '\n', (size_t)(end - q));
	}
	return rs;
}

static bool in_ranges(const struct ranges *rs, unsigned long va)
{
	unsigned long lo = 0, hi = rs->n;

	while (lo < hi) {
		unsigned long mid = lo + (hi - lo) / 2;

		if (va < rs->r[mid][0])
			hi = mid;
		else if (va > rs->r[mid][1])
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/*
 * Storage full of random tables that point at each other, at random levels and
 * beyond storage: every range --tree reports must translate, and every address
 * outside them must not. Checks the tree walk against dat_translate(), and that
 * neither falls over on garbage.
 */
static void tree_vs_translate(unsigned long seed, const char *asce, const char *edat, bool elf,
			      unsigned long all_pages)
{
	unsigned long nvas = all_pages ? all_pages : 60000, n = 0, checked = 0, sampled = 0;
	unsigned long *vas = malloc(nvas * sizeof(*vas));
	unsigned char *mem = malloc(RND_STORAGE);
	struct result r;
	struct ranges rs;
	FILE *in;
	char *line, *out_end;

	assert_non_null(vas);
	assert_non_null(mem);
	for (unsigned long a = 0; a < RND_STORAGE; a += 8)
		eb_put64(mem + a, random_entry(&seed, all_pages ? 30 : 8));
	if (elf) {
		/* Holes that cut tables, and file data that stops inside a segment. */
		struct eb_seg segs[] = {
			{ PT_LOAD, 0x21000, 0x8000, 0x1f000, mem + 0x21000 },
			{ PT_LOAD, 0x0, 0x11800, 0x11800, mem },
			{ PT_LOAD, 0x14400, 0x9c00, 0x9c00, mem + 0x14400 },
		};
		size_t size = 0;
		unsigned char *file = eb_build(segs, 3, &size);

		assert_non_null(file);
		write_file("shared", file, size);
		free(file);
	} else {
		write_file("shared", mem, RND_STORAGE);
	}
	free(mem);

	r = run(NULL, "-i", path_of("shared"), "-a", asce, "-e", edat, "--tree", NULL);
	assert_int_equal(r.status, 0);
	assert_null(strstr(r.out, "stopped"));
	assert_null(strstr(r.out, "not listed"));
	rs = parse_ranges(r.out);
	result_free(&r);
	print_message("%s edat %s: %lu ranges\n", asce, edat, rs.n);
	assert_true(rs.n > 100); /* the distribution must produce something to check */

	/* Exhaustive: every page of a small space, both directions exactly. */
	for (; n < all_pages; n++)
		vas[n] = n << PAGE_SHIFT;
	for (unsigned long i = 0; i < rs.n && n < 30000; i += 1 + rs.n / 8000) {
		sampled++;
		vas[n++] = rs.r[i][0];
		vas[n++] = rs.r[i][1];
		vas[n++] = rs.r[i][0] - 1;
		vas[n++] = rs.r[i][1] + 1;
	}
	/* Neighbours of mapped ranges: other entries of the same tables. */
	while (n < 45000 && !all_pages) {
		static const unsigned int shifts[] = { PAGE_SHIFT, _SEGMENT_SHIFT, _REGION3_SHIFT };
		unsigned long i = rng_next(&seed) % rs.n, k = rng_next(&seed) % 129;

		vas[n++] = (rs.r[i][0] + ((k - 64) << shifts[k % 3])) & ((1UL << 42) - 1);
	}
	while (n < 60000 && !all_pages)
		vas[n++] = rng_next(&seed) & ((1UL << 42) - 1) & ~((rng_next(&seed) & 1) << 41);
	in = fopen(path_of("in"), "w");
	assert_non_null(in);
	for (unsigned long i = 0; i < n; i++)
		fprintf(in, "%lx\n", vas[i]);
	assert_int_equal(fclose(in), 0);

	r = run("in", "-i", path_of("shared"), "-a", asce, "-e", edat, NULL);
	assert_int_equal(r.status, 0);
	line = r.out;
	out_end = line + strlen(line);
	for (unsigned long i = 0; i < n; i++) {
		char *end = memchr(line, '\n', (size_t)(out_end - line));
		bool ok;

		assert_non_null(end);
		*end = 0;
		ok = !strstr(line, " pic ");
		if (ok != in_ranges(&rs, vas[i]))
			fail_msg("0x%lx: '%s' but --tree says %s", vas[i], line,
				 in_ranges(&rs, vas[i]) ? "mapped" : "unmapped");
		checked += ok;
		line = end + 1;
	}
	assert_string_equal(line, "");
	assert_true(checked >= (all_pages ? 1000 : 2 * sampled));
	result_free(&r);
	free(rs.r);
	free(vas);
}

static void test_tree_matches_translate(void **state)
{
	(void)state;
	/* Region-third ASCE, private space (common segments are refused), EDAT-2. */
	tree_vs_translate(0x1111, "0x10107", "2", false, 0);
	/* Segment-table ASCE: a 2 GiB space, no EDAT (FC bits ignored, bit 55 reserved). */
	tree_vs_translate(0x2222, "0x20003", "0", false, 0);
	/* Region-third again with EDAT-1 only: RTTE FC ignored, STE FC honoured. */
	tree_vs_translate(0x3333, "0x8007", "1", false, 0);
	/* The same kind of storage as an ELF core with holes in the middle of tables. */
	tree_vs_translate(0x4444, "0x10007", "2", true, 0);
	/*
	 * Segment-table ASCEs over 1 GiB (TL 1), every page translated: the ranges must
	 * be exactly the translatable pages. The ELF's top table straddles a hole.
	 */
	tree_vs_translate(0x5555, "0x11001", "1", true, 1UL << 18);
	tree_vs_translate(0x6666, "0x3001", "0", false, 1UL << 18);
}

/* Truncated images: a table or frame beyond the image is an addressing exception. */
static void test_truncated(void **state)
{
	struct result r;
	char want[128];

	(void)state;
	assert_int_equal(truncate(path_of("image.raw"), 0x21000), 0);
	r = run(NULL, "-i", path_of("image.raw"), "-a", asce_str(), "0x1000", "0x2000", "0x10000",
		"0x300000", NULL);
	/* Page 1's frame is beyond 0x21000; page 0x10 (sx 0) too; sx 3's table is gone. */
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "0x1000 -> pic 0x05 (addressing)\n"
				   "0x2000 -> pic 0x05 (addressing)\n"
				   "0x10000 -> pic 0x05 (addressing)\n"
				   "0x300000 -> pic 0x05 (addressing)\n");
	result_free(&r);
	/* Without a storage limit the frames pass; the missing table still does not. */
	r = run(NULL, "-i", path_of("image.raw"), "-a", asce_str(), "--storage-size", "0", "0x1000",
		"0x300000", NULL);
	snprintf(want, sizeof(want), "0x1000 -> 0x%lx\n0x300000 -> pic 0x05 (addressing)\n",
		 frame_of(1));
	assert_string_equal(r.out, want);
	result_free(&r);
	/* The top table itself cut off: the ASCE cannot be used at all. */
	assert_int_equal(truncate(path_of("image.raw"), 0x10000), 0);
	r = run(NULL, "-i", path_of("image.raw"), "-a", asce_str(), "0x1000", NULL);
	assert_usage_error(&r, "its table at 0x10000 is not in the image");
	write_raw();
}

static void test_errors(void **state)
{
	struct result r;
	unsigned char *elf;
	size_t size = 0;
	struct eb_seg seg = { PT_LOAD, 0, 0x1000, 0x1000, NULL };
	char want[128];
	FILE *f;

	(void)state;
	r = run(NULL, "--image", path_of("missing"), "--asce", "0x10007", "1", NULL);
	assert_usage_error(&r, "cannot open");
	r = run(NULL, "--image", path_of("image.raw"), "--asce", "0x1g007", "1", NULL);
	assert_usage_error(&r, "--asce '0x1g007'");
	r = run(NULL, "--image", path_of("image.raw"), "--asce", "0x10000000000000000", NULL);
	assert_usage_error(&r, "--asce");
	r = run(NULL, "--image", path_of("image.raw"), "--asce", "0x900007", "1", NULL);
	assert_usage_error(&r, "not in the image");
	r = run(NULL, "--image", path_of("image.raw"), "--asce", asce_str(), "0x1000", "0xZ", NULL);
	assert_usage_error(&r, "'0xZ' is not a 64-bit hexadecimal address");
	r = run(NULL, "--image", path_of("image.raw"), "--asce", asce_str(), "0x", NULL);
	assert_usage_error(&r, "'0x'");

	/* A bad line in a stream: the lines before it are answered, then exit 2. */
	write_file("in", "0x1000\n2000\nnot-hex\n0x3000\n", 27);
	r = run("in", "--image", path_of("image.raw"), "--asce", asce_str(), NULL);
	assert_int_equal(r.status, 2);
	expect_line(want, sizeof(want), 0x1000, 0, false);
	expect_line(want + strlen(want), sizeof(want) - strlen(want), 0x2000, 0, false);
	assert_string_equal(r.out, want);
	assert_non_null(strstr(r.err, "standard input line 3: 'not-hex'"));
	result_free(&r);

	/* A malformed ELF core is refused with the reason. */
	elf = eb_build(&seg, 1, &size);
	assert_non_null(elf);
	eb_put16(elf + EB_E_MACHINE, EM_X86_64);
	write_file("bad.elf", elf, size);
	free(elf);
	r = run(NULL, "--image", path_of("bad.elf"), "--asce", "0x7", "0", NULL);
	assert_usage_error(&r, "machine 62");
	f = fopen(path_of("empty"), "w");
	assert_non_null(f);
	fclose(f);
	r = run(NULL, "--image", path_of("empty"), "--asce", "0x7", "0", NULL);
	assert_usage_error(&r, "empty");

	r = run(NULL, "--asce", "0x7", "0", NULL);
	assert_usage_error(&r, "--image");
	r = run(NULL, "--image", path_of("image.raw"), "0", NULL);
	assert_usage_error(&r, "--asce");
	r = run(NULL, "--example", "--edat", "3", NULL);
	assert_usage_error(&r, "--edat");
	r = run(NULL, "--example", "--prefix", "0x1000", NULL);
	assert_usage_error(&r, "--prefix");
	r = run(NULL, "--example", "--access", "write", NULL);
	assert_usage_error(&r, "--access");
	r = run(NULL, "--example", "--frobnicate", NULL);
	assert_usage_error(&r, "--frobnicate");
	r = run(NULL, "--example", "--tree", "0x1000", NULL);
	assert_usage_error(&r, "--tree");
	r = run(NULL, "--example", "--image", path_of("image.raw"), NULL);
	assert_usage_error(&r, "--example");
}

/* ---- registers from the core's notes ----------------------------------------------------- */

#define PSW_PRIMARY 0x0704000180000000UL
#define PSW_HOME    0x0704c00180000000UL
#define CR0_EDAT    0x800000UL
#define CR0_IEP	    0x100000UL

/*
 * The test storage as a core with two CPUs: cpu 0 in the primary space with EDAT
 * and prefix 0, cpu 1 in the home space (CR13) without EDAT, with IEP, prefix
 * 0x7e000 and a real-space ASCE in CR7. With @bad_ctrs, cpu 1's NT_S390_CTRS is
 * 64 bytes, as a 31-bit dump would have it.
 */
static void write_core(const char *name, bool bad_ctrs)
{
	struct eb_cpu cpus[2] = {
		{ .psw_mask = PSW_PRIMARY, .psw_addr = 0x1000, .cr = { CR0_EDAT, ASCE } },
		{ .psw_mask = PSW_HOME,
		  .psw_addr = 0x2000,
		  .cr = { CR0_IEP, ASCE },
		  .prefix = 0x7e000 },
	};
	static unsigned char notes[2 * EB_CPU_NOTES_SIZE];
	unsigned char *p = notes;
	size_t size = 0;
	unsigned char *elf;

	cpus[1].cr[7] = _ASCE_REAL_SPACE;
	cpus[1].cr[13] = ASCE;
	for (unsigned int i = 0; i < 2; i++)
		p = eb_cpu_notes(p, &cpus[i]);
	if (bad_ctrs)
		eb_put32(notes + EB_CPU_NOTES_SIZE + EB_CPU_NOTES_SIZE - 128 - 20 - 8 - 20 + 4, 64);
	{
		struct eb_seg segs[] = {
			{ PT_NOTE, 0, (unsigned long)(p - notes), 0, notes },
			{ PT_LOAD, 0, STORAGE, STORAGE, storage },
		};

		elf = eb_build(segs, 2, &size);
	}
	assert_non_null(elf);
	write_file(name, elf, size);
	free(elf);
}

/* " (absolute)" before the end of every line that is not an exception. */
static char *absolute_lines(const char *in)
{
	char *out = malloc(strlen(in) * 2 + 1), *o = out;

	assert_non_null(out);
	for (const char *line = in; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = (size_t)(nl - line);

		memcpy(o, line, len);
		o += len;
		if (!memmem(line, len, " pic ", 5))
			o += sprintf(o, " (absolute)");
		*o++ = '\n';
		line = nl + 1;
	}
	*o = 0;
	return out;
}

static void assert_has(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("output\n%s\ndoes not hold '%s'", text, want);
}

/* Without --asce, --edat or --prefix, the first CPU's registers answer, as the options would. */
static void test_core_stream(void **state)
{
	char *want, *abs;
	struct result r;

	(void)state;
	write_core("core.elf", false);
	want = stream(20000, 0x31337UL, 2, false);
	abs = absolute_lines(want);
	r = run("in", "--image", path_of("core.elf"), NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_text(r.out, abs);
	result_free(&r);
	free(want);
	free(abs);
}

static void test_core_cpu_and_space(void **state)
{
	struct result r;

	(void)state;
	write_core("core.elf", false);
	/* cpu 1: the home space by its PSW, no EDAT (a page table of zeros), prefix 0x7e000. */
	r = run(NULL, "-i", path_of("core.elf"), "--cpu", "1", "-v", "0x40abcde", NULL);
	assert_int_equal(r.status, 0);
	assert_has(r.out, "# cpu 1 of 2: psw 0x0704c00180000000 0x0000000000002000\n");
	assert_has(r.out, "# asce 0x10007 from cpu 1 cr13 (home space, as the PSW selects)\n");
	assert_has(r.out, "# edat 0 from cpu 1 cr0 bit 40\n");
	assert_has(r.out, "# iep on from cpu 1 cr0 bit 43\n");
	assert_has(r.out, "# prefix 0x7e000 from cpu 1 NT_S390_PREFIX\n");
	assert_has(r.out, "0x40abcde -> 0x7ecde (absolute)\n");
	result_free(&r);
	/* --space picks the control register: CR7 of cpu 1 is a real-space designation. */
	r = run(NULL, "-i", path_of("core.elf"), "--cpu", "1", "--space", "secondary", "-v",
		"0x1234", NULL);
	assert_int_equal(r.status, 0);
	assert_has(r.out, "# asce 0x20 from cpu 1 cr7 (secondary space, --space)\n");
	assert_has(r.out, "0x1234 -> 0x7f234 (absolute)\n");
	result_free(&r);
	/* cpu 0 by default: EDAT-2 assumed from CR0 bit 40, the 1 MiB frame. */
	r = run(NULL, "-i", path_of("core.elf"), "-v", "0x40abcde", NULL);
	assert_int_equal(r.status, 0);
	assert_has(r.out, "# asce 0x10007 from cpu 0 cr1 (primary space, as the PSW selects)\n");
	assert_has(r.out, "# edat 2 from cpu 0 cr0 bit 40 (EDAT-2 assumed");
	assert_has(r.out, "# iep off from cpu 0 cr0 bit 43\n");
	assert_has(r.out, "0x40abcde -> 0x6abcde (absolute)\n");
	result_free(&r);
}

/* Options given always win over the core's registers. */
static void test_core_options_win(void **state)
{
	struct result r;

	(void)state;
	write_core("core.elf", false);
	r = run(NULL, "-i", path_of("core.elf"), "--cpu", "1", "--space", "primary", "--asce",
		asce_str(), "--edat", "1", "--no-iep", "--prefix", "0", "-v", "0x40abcde", NULL);
	assert_int_equal(r.status, 0);
	assert_has(r.out, "# asce 0x10007 from --asce\n");
	assert_has(r.out, "# edat 1 from --edat\n");
	assert_has(r.out, "# iep off from --no-iep\n");
	assert_has(r.out, "# prefix 0x0 from --prefix\n");
	assert_has(r.out, "0x40abcde -> 0x6abcde (absolute)\n");
	result_free(&r);
}

static void test_core_errors(void **state)
{
	struct result r;

	(void)state;
	write_core("core.elf", false);
	r = run(NULL, "-i", path_of("core.elf"), "--cpu", "2", "0", NULL);
	assert_usage_error(&r, "--cpu 2: the core holds 2 CPUs (0-1)");
	r = run(NULL, "-i", path_of("core.elf"), "--space", "access", "0", NULL);
	assert_usage_error(&r, "--space 'access' is not primary, secondary or home");
	r = run(NULL, "-i", path_of("core.elf"), "--iep", "--no-iep", "0", NULL);
	assert_usage_error(&r, "--iep and --no-iep exclude each other");
	r = run(NULL, "-i", path_of("image.raw"), "0", NULL);
	assert_usage_error(&r, "--asce ASCE is required: a raw image holds no CPU registers");
	r = run(NULL, "-i", path_of("image.raw"), "--cpu", "0", "-a", asce_str(), "0", NULL);
	assert_usage_error(&r, "a raw image holds no CPU registers");
	r = run(NULL, "-i", path_of("image.elf"), "0", NULL);
	assert_usage_error(&r, "--asce ASCE is required: the core holds no NT_PRSTATUS note");
	/* A damaged note: an error naming it, unless the options say it all. */
	write_core("badnote.elf", true);
	r = run(NULL, "-i", path_of("badnote.elf"), "0x1234", NULL);
	assert_usage_error(&r, "NT_S390_CTRS note of CPU 1 at file offset");
	r = run(NULL, "-i", path_of("badnote.elf"), "--info", NULL);
	assert_usage_error(&r, "NT_S390_CTRS note of CPU 1");
	r = run(NULL, "-i", path_of("badnote.elf"), "-a", asce_str(), "0x4012345", NULL);
	assert_int_equal(r.status, 0);
	assert_has(r.out, "0x4012345 -> 0x");
	result_free(&r);
}

static void test_core_info(void **state)
{
	struct result r;

	(void)state;
	write_core("core.elf", false);
	r = run(NULL, "-i", path_of("core.elf"), "--info", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_has(r.out, ": elf, 1 segment, storage ends at 0x7ffc00, 2 cpus\n");
	assert_has(r.out, "cpu 0: psw 0x0704000180000000 0x0000000000001000 (dat on, primary "
			  "space)\n  prefix 0x0\n  cr0  0x0000000000800000 (edat on, iep off)\n"
			  "  cr1  0x0000000000010007 primary asce: region-third table at 0x10000, "
			  "4 units\n");
	assert_has(r.out, "cpu 1: psw 0x0704c00180000000 0x0000000000002000 (dat on, home "
			  "space)\n  prefix 0x7e000\n");
	assert_has(r.out, "  cr7  0x0000000000000020 secondary asce: real-space designation\n"
			  "  cr13 0x0000000000010007 home asce: region-third table at 0x10000, 4 "
			  "units\n");
	result_free(&r);
	r = run(NULL, "-i", path_of("image.raw"), "--info", NULL);
	assert_usage_error(&r, "--info: a raw image holds no CPU registers");
}

/* ---- --reverse ---------------------------------------------------------------------------- */

static void test_reverse_example(void **state)
{
	struct result r;

	(void)state;
	r = run(NULL, "--example", "--reverse", "0xabcdef", "0x912345", "abd123", "0x1234567",
		NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_text(r.out, "0x123456789abcdef -> 0xabcdef\n"
			   "0x123456789b12345 -> 0x912345\n"
			   "0x123456789abd123 -> 0xabd123\n"
			   "0x1234567 <- not mapped\n");
	result_free(&r);
	/* Prefixing: real 0x1000 (PTE 0xc0) is absolute 0x7f000 with prefix 0x7e000. */
	r = run(NULL, "--example", "--prefix", "0x7e000", "--reverse", "0x7f123", "0x1123", NULL);
	assert_int_equal(r.status, 0);
	assert_text(r.out, "0x123456789ac0123 -> 0x7f123 (absolute)\n0x1123 <- not mapped\n");
	result_free(&r);
	r = run(NULL, "--example", "--reverse", NULL);
	assert_usage_error(&r, "--reverse needs the absolute addresses");
	r = run(NULL, "--example", "--reverse", "0xq", NULL);
	assert_usage_error(&r, "'0xq' is not a 64-bit hexadecimal address");
	r = run(NULL, "--example", "--all-spaces", "0x1", NULL);
	assert_usage_error(&r, "--all-spaces goes with --reverse");
}

/* Every page the tree lists, translated forward: page -> frame, or ~0 for an exception. */
static unsigned long *forward_pages(const struct ranges *rs, unsigned long *npages,
				    unsigned long **frames)
{
	FILE *in = fopen(path_of("in"), "w");
	unsigned long *pages = NULL, n = 0, cap = 0;
	struct result r;
	const char *p;

	assert_non_null(in);
	for (unsigned long i = 0; i < rs->n; i++)
		for (unsigned long va = rs->r[i][0]; va - rs->r[i][0] <= rs->r[i][1] - rs->r[i][0];
		     va += PAGE_SIZE) {
			if (n == cap) {
				cap = cap ? 2 * cap : 4096;
				pages = realloc(pages, cap * sizeof(*pages));
				assert_non_null(pages);
			}
			pages[n++] = va;
			fprintf(in, "0x%lx\n", va);
		}
	assert_int_equal(fclose(in), 0);
	r = run("in", "-i", path_of("image.raw"), "-a", asce_str(), "-e", "1", NULL);
	assert_int_equal(r.status, 0);
	*frames = calloc(n, sizeof(**frames));
	assert_non_null(*frames);
	p = r.out;
	for (unsigned long i = 0; i < n; i++) {
		const char *arrow = strstr(p, " -> ");

		assert_non_null(arrow);
		(*frames)[i] = strncmp(arrow + 4, "pic", 3) ? strtoul(arrow + 4, NULL, 16) : ~0UL;
		p = strchr(arrow, '\n') + 1;
	}
	result_free(&r);
	*npages = n;
	return pages;
}

/*
 * --reverse against --tree and forward translation: the tree's ranges, translated
 * page by page, give every virtual address of each target; --reverse must list
 * exactly those, in address order, each with the line forward translation prints.
 */
static void test_reverse_matches_forward(void **state)
{
	static const unsigned long targets[] = { 0x100123, 0x6ab456, 0x123, 0x3f0ff8, 0x7ffff0 };
	unsigned long npages, *frames, *pages;
	char args[5][24], *want = malloc(1 << 20);
	size_t len = 0;
	struct result r;
	struct ranges rs;

	(void)state;
	assert_non_null(want);
	r = run(NULL, "-i", path_of("image.raw"), "-a", asce_str(), "--tree", "-e", "1", NULL);
	assert_int_equal(r.status, 0);
	rs = parse_ranges(r.out);
	result_free(&r);
	pages = forward_pages(&rs, &npages, &frames);
	for (unsigned int t = 0; t < 5; t++) {
		size_t before = len;

		snprintf(args[t], sizeof(args[t]), "0x%lx", targets[t]);
		for (unsigned long i = 0; i < npages; i++)
			if (frames[i] == (targets[t] & PAGE_MASK))
				len += (size_t)sprintf(want + len, "0x%lx -> 0x%lx\n",
						       pages[i] | (targets[t] & 0xfff), targets[t]);
		if (len == before)
			len += (size_t)sprintf(want + len, "0x%lx <- not mapped\n", targets[t]);
	}
	r = run(NULL, "-i", path_of("image.raw"), "-a", asce_str(), "-e", "1", "--reverse", args[0],
		args[1], args[2], args[3], args[4], NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_text(r.out, want);
	/* The test means something: targets with several mappings, and one with none. */
	assert_true(strstr(r.out, "0x7ffff0 <- not mapped") && strlen(r.out) > 40 * 12);
	result_free(&r);
	free(rs.r);
	free(pages);
	free(frames);
	free(want);
}

/* --all-spaces: each CPU's distinct spaces, labelled; real space maps an address to itself. */
static void test_reverse_all_spaces(void **state)
{
	struct result r;

	(void)state;
	write_core("core.elf", false);
	r = run(NULL, "-i", path_of("core.elf"), "--all-spaces", "--reverse", "0x6ab456", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	/* cpu 0 (EDAT: the 1 MiB frame at 0x600000) and cpu 1 (no EDAT, prefix 0x7e000). */
	assert_has(r.out, "0x40ab456 -> 0x6ab456 (absolute) (cpu 0 primary)\n");
	assert_has(r.out, "0x6ab456 -> 0x6ab456 (absolute) (cpu 1 secondary)\n");
	assert_true(strstr(r.out, "(cpu 1 primary)") != NULL);
	assert_null(strstr(r.out, "(cpu 1 home)"));    /* the same space as cpu 1 primary */
	assert_null(strstr(r.out, "cpu 0 secondary")); /* CR7 0: nothing set up */
	result_free(&r);
	r = run(NULL, "-i", path_of("core.elf"), "--all-spaces", "--cpu", "1", "--reverse", "0",
		NULL);
	assert_usage_error(&r, "--all-spaces takes the ASCEs from the core");
	r = run(NULL, "-i", path_of("image.raw"), "-a", asce_str(), "--all-spaces", "--reverse",
		"0", NULL);
	assert_usage_error(&r, "registers for --all-spaces is required: a raw image");
}

/* ---- --json ------------------------------------------------------------------------------- */

/* Every line of @text is a JSON value (python3's parser decides; skipped without python3). */
static void assert_json_lines(const char *text)
{
	char cmd[256];
	int rc;

	write_file("json", text, strlen(text));
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys\nfor l in open(sys.argv[1]): json.loads(l)' %s "
		 "2>/dev/null",
		 path_of("json"));
	rc = system(cmd);
	unlink(path_of("json"));
	if (WIFEXITED(rc) && WEXITSTATUS(rc) == 127)
		return;
	if (!WIFEXITED(rc) || WEXITSTATUS(rc))
		fail_msg("not JSON lines:\n%.2000s", text);
}

static void test_json_example(void **state)
{
	struct result r;

	(void)state;
	r = run(NULL, "--example", "--json", NULL);
	assert_int_equal(r.status, 0);
	assert_text(
		r.out,
		"{\"vaddr\":\"0x123456789abcdef\",\"real\":\"0xabcdef\"}\n"
		"{\"vaddr\":\"0x123456789b12345\",\"real\":\"0x912345\",\"frame\":\"1M\"}\n"
		"{\"vaddr\":\"0x123456789abe000\",\"pic\":\"0x11\",\"pic_name\":\"page-"
		"translation\",\"teid\":\"0x123456789abe800\"}\n"
		"{\"vaddr\":\"0x123456789abf000\",\"pic\":\"0x05\",\"pic_name\":\"addressing\"}\n"
		"{\"vaddr\":\"0x123456789c00000\",\"pic\":\"0x10\",\"pic_name\":\"segment-"
		"translation\",\"teid\":\"0x123456789c00800\"}\n"
		"{\"vaddr\":\"0x3ff80000000\",\"pic\":\"0x39\",\"pic_name\":\"region-first-"
		"translation\",\"teid\":\"0x3ff80000800\"}\n");
	assert_json_lines(r.out);
	result_free(&r);
	r = run(NULL, "--example", "--json", "-v", "--prefix", "0x7e000", "--access", "store",
		"0x123456789abd000", NULL);
	assert_int_equal(r.status, 0);
	assert_text(r.out,
		    "{\"image\":\"example\",\"format\":\"raw\",\"asce\":\"0x1000f\",\"edat\":2,"
		    "\"iep\":false,\"access\":\"store\",\"storage_size\":\"0x1000000\","
		    "\"prefix\":\"0x7e000\"}\n"
		    "{\"vaddr\":\"0x123456789abd000\",\"pic\":\"0x04\",\"pic_name\":\"protection\","
		    "\"teid\":\"0x123456789abd404\",\"steps\":[{\"level\":\"region-first\","
		    "\"entry\":\"0x10048\",\"value\":\"0x1400f\"},{\"level\":\"region-second\","
		    "\"entry\":\"0x14688\",\"value\":\"0x1800b\"},{\"level\":\"region-third\","
		    "\"entry\":\"0x19678\",\"value\":\"0x1c007\"},{\"level\":\"segment\","
		    "\"entry\":\"0x1c4d0\",\"value\":\"0x20800\"},{\"level\":\"page\","
		    "\"entry\":\"0x20de8\",\"value\":\"0xabd200\"}],\"level\":\"page\"}\n");
	assert_json_lines(r.out);
	result_free(&r);
}

static void test_json_tree_reverse_info(void **state)
{
	struct result r;

	(void)state;
	r = run(NULL, "--example", "--json", "--tree", NULL);
	assert_int_equal(r.status, 0);
	assert_text(r.out,
		    "{\"asce\":\"0x1000f\",\"type\":\"region-first\",\"origin\":\"0x10000\","
		    "\"units\":4,\"edat\":2,\"storage_size\":\"0x1000000\",\"levels\":["
		    "{\"level\":\"region-first\",\"tables\":1,\"valid\":1,\"bad\":0},"
		    "{\"level\":\"region-second\",\"tables\":1,\"valid\":1,\"bad\":0},"
		    "{\"level\":\"region-third\",\"tables\":1,\"valid\":1,\"large\":0,\"bad\":0},"
		    "{\"level\":\"segment\",\"tables\":1,\"valid\":2,\"large\":1,\"bad\":0},"
		    "{\"level\":\"page\",\"tables\":1,\"valid\":3,\"bad\":1}],"
		    "\"mapped\":\"0x103000\",\"pages\":3,\"segment_frames\":1,\"region_frames\":0,"
		    "\"stopped\":false,\"ranges_total\":3,\"ranges\":["
		    "[\"0x123456789abc000\",\"0x123456789abdfff\"],"
		    "[\"0x123456789ac0000\",\"0x123456789ac0fff\"],"
		    "[\"0x123456789b00000\",\"0x123456789bfffff\"]]}\n");
	assert_json_lines(r.out);
	result_free(&r);
	r = run(NULL, "--example", "--json", "--reverse", "0xabcdef", "0x1", NULL);
	assert_int_equal(r.status, 0);
	assert_text(r.out, "{\"target\":\"0xabcdef\",\"vaddr\":\"0x123456789abcdef\","
			   "\"absolute\":false}\n{\"target\":\"0x1\",\"vaddr\":null}\n");
	result_free(&r);
	write_core("core.elf", false);
	r = run(NULL, "-i", path_of("core.elf"), "--json", "--info", NULL);
	assert_int_equal(r.status, 0);
	assert_has(r.out, "\"cpus\":[{\"cpu\":0,\"psw\":{\"mask\":\"0x704000180000000\","
			  "\"addr\":\"0x1000\"},\"dat\":true,\"space\":\"primary\",\"prefix\":"
			  "\"0x0\",\"edat\":true,\"iep\":false,\"crs\":[\"0x800000\",\"0x10007\",");
	assert_has(r.out, "\"home\":{\"asce\":\"0x10007\",\"type\":\"region-third\","
			  "\"origin\":\"0x10000\",\"units\":4}}}]}\n");
	assert_json_lines(r.out);
	result_free(&r);
	r = run(NULL, "-i", path_of("core.elf"), "--json", "--all-spaces", "--reverse", "0x6ab456",
		NULL);
	assert_int_equal(r.status, 0);
	assert_has(r.out, "{\"target\":\"0x6ab456\",\"vaddr\":\"0x40ab456\",\"absolute\":"
			  "true,\"cpu\":0,\"space\":\"primary\"}\n");
	assert_json_lines(r.out);
	result_free(&r);
}

/* The JSON answers are the text answers: same addresses, same results, same order. */
static void test_json_matches_text(void **state)
{
	char *text = stream(5000, 0xabcdefUL, 1, false);
	struct result r =
		run("in", "-i", path_of("image.raw"), "-a", asce_str(), "-e", "1", "--json", NULL);
	const char *t = text, *j = r.out;
	unsigned long n = 0;

	(void)state;
	assert_int_equal(r.status, 0);
	for (; *t; n++) {
		unsigned long va = strtoul(t, NULL, 16), jva;
		const char *arrow = strstr(t, " -> ") + 4;

		assert_int_equal(strncmp(j, "{\"vaddr\":\"", 10), 0);
		jva = strtoul(j + 10, NULL, 16);
		assert_int_equal(va, jva);
		if (!strncmp(arrow, "pic 0x", 6)) {
			char want[32];

			snprintf(want, sizeof(want), "\"pic\":\"0x%.2s\"", arrow + 6);
			assert_non_null(strstr(j, want));
		} else {
			char want[48];

			snprintf(want, sizeof(want), "\"real\":\"0x%lx\"",
				 strtoul(arrow, NULL, 16));
			assert_non_null(strstr(j, want));
		}
		t = strchr(t, '\n') + 1;
		j = strchr(j, '\n') + 1;
	}
	assert_int_equal(n, 5000);
	assert_string_equal(j, "");
	assert_json_lines(r.out);
	result_free(&r);
	free(text);
}

/* ---- standard input from a file: threads over chunks ------------------------------------- */

/*
 * A file on standard input is answered by threads over chunks of 4 MiB windows:
 * more than one window, chunks of uneven lines, any number of threads, the same
 * answers in the same order as line by line.
 */
static void test_threads_in_order(void **state)
{
	char *want = stream(320000, 0x5eed5UL, 0, false);
	static const char *const threads[] = { "1", "3", "7" };

	(void)state;
	for (unsigned int i = 0; i < 3; i++) {
		struct result r = run("in", "--image", path_of("image.raw"), "--asce", asce_str(),
				      "--threads", threads[i], NULL);

		assert_int_equal(r.status, 0);
		assert_string_equal(r.err, "");
		assert_text(r.out, want);
		result_free(&r);
	}
	free(want);
}

/*
 * The bulk path (a file: lean walks in batches that name the common exceptions, the
 * parse and echo of the common line shape, threads) writes the same bytes as the line-
 * by-line path (a pipe: dat_translate_lean() per line), text and JSON, for a stream with
 * every kind of answer: page frames, a 1 MiB frame, a protected page (a protection
 * exception on a store), a frame beyond storage, and the translation exceptions of
 * every level, the ASCE type and a translation specification, found through ASCEs of
 * each type over the example's tables; spelled in every way a line may be.
 */
static void test_bulk_matches_lines(void **state)
{
	static const char *const asces[] = {
		"0x1000f", /* the example's region-first table */
		"0x1400b", /* region-second at its region-second table */
		"0x18007", /* region-third */
		"0x1c003", /* segment table: ASCE-type beyond 2 GiB */
		"0x1400f", /* region-first type at the region-second table: TT mismatch */
	};
	static const char *const access[] = { "fetch", "store", "ifetch" };
	static const char *const pics[] = { "(page-translation)",
					    "(segment-translation)",
					    "(region-first-translation)",
					    "(region-second-translation)",
					    "(region-third-translation)",
					    "(asce-type)",
					    "(translation-specification)",
					    "(protection)",
					    "(addressing)" };
	static const unsigned long vas[] = {
		0x0123456789abcdefUL, 0x0123456789b12345UL, 0x0123456789abe000UL,
		0x0123456789abf000UL, 0x0123456789c00000UL, 0x000003ff80000000UL,
		0x0123456789abd010UL, 0x0123456789abc000UL, 0x1a20000000000000UL,
		0x0000000000001000UL, 0x00000000f1234567UL, 0xffffffffffffffffUL,
		0x000000000009c123UL, 0x0000000000000000UL, 0x0000000080000000UL,
	};
	FILE *in = fopen(path_of("in"), "w");
	bool seen[sizeof(pics) / sizeof(pics[0])] = { false };
	unsigned long lines = 0;

	(void)state;
	assert_non_null(in);
	for (unsigned int rep = 0; rep < 40; rep++)
		for (unsigned int i = 0; i < sizeof(vas) / sizeof(vas[0]); i++, lines++) {
			unsigned long va = vas[i] ^ (rep * 0x10UL & 0xff0);

			switch ((i + rep) % 5) {
			case 0:
				fprintf(in, "0x%lx\n", va);
				break;
			case 1:
				fprintf(in, "0x%016lx\n", va);
				break;
			case 2:
				fprintf(in, "%lX\n", va);
				break;
			case 3:
				fprintf(in, " 0X%lx\t\r\n\n", va);
				break;
			default:
				fprintf(in, "0x%lX\n", va);
			}
		}
	fprintf(in, "0x1000"); /* a last line without its newline */
	assert_int_equal(fclose(in), 0);
	for (unsigned int a = 0; a < 5; a++)
		for (unsigned int k = 0; k < 3; k++)
			for (unsigned int json = 0; json < 2; json++) {
				const char *opt[2] = { json ? "--json" : "--threads",
						       json ? "--threads" : "1" };
				struct result lines_r, bulk_r, bulk3_r;

				pipe_input = true;
				lines_r = run("in", "--example", "--asce", asces[a], "--access",
					      access[k], "-", opt[0], opt[1], json ? "1" : NULL,
					      NULL);
				pipe_input = false;
				bulk_r = run("in", "--example", "--asce", asces[a], "--access",
					     access[k], "-", opt[0], opt[1], json ? "1" : NULL,
					     NULL);
				bulk3_r = run("in", "--example", "--asce", asces[a], "--access",
					      access[k], "-", "--threads", "3",
					      json ? "--json" : NULL, NULL);
				assert_int_equal(lines_r.status, 0);
				assert_string_equal(lines_r.err, "");
				assert_int_equal(bulk_r.status, 0);
				assert_int_equal(bulk3_r.status, 0);
				assert_text(bulk_r.out, lines_r.out);
				assert_text(bulk3_r.out, lines_r.out);
				for (unsigned int p = 0; p < sizeof(pics) / sizeof(pics[0]); p++)
					seen[p] |= strstr(lines_r.out, pics[p]) != NULL;
				result_free(&lines_r);
				result_free(&bulk_r);
				result_free(&bulk3_r);
			}
	for (unsigned int p = 0; p < sizeof(pics) / sizeof(pics[0]); p++)
		if (!seen[p])
			fail_msg("no answer was a %s", pics[p]);
	assert_true(lines > 500);
}

/* A bad line deep in the second window: the answers before it, then its line number. */
static void test_threads_bad_line(void **state)
{
	FILE *in = fopen(path_of("in"), "w");
	unsigned long n = 300000, bad = 290001;
	size_t len = 0;
	char *want = malloc(n * 40), line[96];
	struct result r;

	(void)state;
	assert_non_null(in);
	assert_non_null(want);
	for (unsigned long i = 1; i < bad; i++) {
		unsigned long va = (i * 4096) % (NSEG_PAGED << 20);

		fprintf(in, "0x%016lx\n", va);
		expect_line(line, sizeof(line), va, 0, false);
		len += (size_t)sprintf(want + len, "%s", line);
	}
	fprintf(in, "0x12345678901234567\n0x1000\n");
	assert_int_equal(fclose(in), 0);
	r = run("in", "--image", path_of("image.raw"), "--asce", asce_str(), "--threads", "2",
		NULL);
	assert_int_equal(r.status, 2);
	assert_text(r.out, want);
	assert_string_equal(r.err, "gmap translate: standard input line 290001: "
				   "'0x12345678901234567' is not a 64-bit hexadecimal address\n");
	result_free(&r);
	/* A NUL byte, and a line longer than 64 KiB, in a file too. */
	in = fopen(path_of("in"), "w");
	assert_non_null(in);
	fprintf(in, "0x1000\n0x2%c00\n", 0);
	assert_int_equal(fclose(in), 0);
	r = run("in", "--image", path_of("image.raw"), "--asce", asce_str(), NULL);
	assert_int_equal(r.status, 2);
	expect_line(line, sizeof(line), 0x1000, 0, false);
	assert_text(r.out, line);
	assert_string_equal(r.err, "gmap translate: standard input line 2: a NUL byte in '0x2'\n");
	result_free(&r);
	in = fopen(path_of("in"), "w");
	assert_non_null(in);
	fprintf(in, "0x1000\n");
	for (int i = 0; i < 70000; i++)
		fputc(' ', in);
	fprintf(in, "1\n");
	assert_int_equal(fclose(in), 0);
	r = run("in", "--image", path_of("image.raw"), "--asce", asce_str(), NULL);
	assert_int_equal(r.status, 2);
	assert_text(r.out, line);
	assert_string_equal(r.err, "gmap translate: standard input line 2: longer than 64 KiB\n");
	result_free(&r);
	r = run(NULL, "--example", "--threads", "0", NULL);
	assert_usage_error(&r, "--threads '0' is not a number from 1 to 64");
	free(want);
}

static void test_help(void **state)
{
	static const char *const opts[] = { "--image",	 "--asce",	   "--edat",	"--iep",
					    "--prefix",	 "--storage-size", "--access",	"--verbose",
					    "--tree",	 "--max-entries",  "--example", "--help",
					    "--threads", "--inflight" };
	struct result r = run(NULL, "--help", NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	for (unsigned int i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (!strstr(r.out, opts[i]))
			fail_msg("--help does not document %s", opts[i]);
	assert_non_null(strstr(r.out, "0 none (default)"));
	result_free(&r);
}

/* ---- batched walks against the exact walker --------------------------------------------- */

/* The answer lines of @out: what is not a step ('  ...') or a header ('#...') line. */
static char *answers_only(const char *out)
{
	size_t size = strlen(out);
	char *buf = malloc(size + 1), *w = buf;
	const char *end = out + size;

	assert_non_null(buf);
	/* memchr, not strchr: ASan's strict_string_checks makes each strchr() read to the end. */
	for (const char *p = out; *p;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		if (*p != ' ' && *p != '#') {
			memcpy(w, p, len);
			w += len;
		}
		p += len;
	}
	*w = 0;
	return buf;
}

/*
 * The test storage as an ELF core cut into pieces at random bounds (4 KiB multiples
 * or any 8-byte multiple), stored in the file in a shuffled order, some left out
 * (holes) and some with their file data cut short: the lean walker reads the pieces
 * through its granule map and falls back where a granule is not wholly in one.
 */
static void write_scattered_elf(unsigned long *seed)
{
	struct eb_seg segs[24];
	unsigned int n = 0;
	size_t size = 0;
	unsigned char *elf;

	for (unsigned long addr = 0; addr < STORAGE && n < 24;) {
		unsigned long len = (rng_next(seed) % 64 + 1) << 14;

		if (rng_next(seed) % 3 == 0)
			len += (rng_next(seed) % 2048) * 8;
		if (len > STORAGE - addr || n == 23)
			len = STORAGE - addr;
		/* A hole now and then, not where the ASCE's tables are. */
		if (addr >= 0x20000 && rng_next(seed) % 8 == 0) {
			addr += len;
			continue;
		}
		segs[n] = (struct eb_seg){ PT_LOAD, addr, len, len, storage + addr };
		if (rng_next(seed) % 8 == 0)
			segs[n].filesz = len / 2 & ~7UL; /* the rest reads as zeros */
		n++;
		addr += len;
	}
	for (unsigned int i = n - 1; i > 0; i--) { /* shuffle the file order */
		unsigned int j = (unsigned int)(rng_next(seed) % (i + 1));
		struct eb_seg t = segs[i];

		segs[i] = segs[j];
		segs[j] = t;
	}
	elf = eb_build(segs, n, &size);
	assert_non_null(elf);
	write_file("scattered.elf", elf, size);
	free(elf);
}

/*
 * The bulk path (standard input a file: batches of lean walks, --inflight K, two
 * threads) answers exactly as the exact walker does (--verbose, line by line), in
 * input order, for the raw image and for scattered ELF cores, with EDAT, a prefix, a
 * storage limit and stores.
 */
static void test_batches_match_exact(void **state)
{
	static const char *const opts[][2] = {
		{ "--edat", "1" }, { "--prefix", "0x2000" },	     { "--access", "store" },
		{ "--edat", "0" }, { "--storage-size", "0x500000" }, { "--access", "ifetch" },
	};
	static const char *const inflight[] = { "1", "3", "16", "64" };
	unsigned long seed = 0xba7c4e5UL;
	char *want;
	struct result r, v;

	(void)state;
	for (unsigned int round = 0; round < 6; round++) {
		const char *img = round % 3 == 0 ? "image.raw" : "scattered.elf";
		char path[128];

		snprintf(path, sizeof(path), "%s", path_of(img));
		if (round % 3)
			write_scattered_elf(&seed);
		want = stream(20000, seed + round, 0, false);
		free(want);
		r = run("in", "-i", path, "-a", asce_str(), opts[round][0], opts[round][1],
			"--threads", "2", "--inflight", inflight[round % 4], NULL);
		v = run("in", "-i", path, "-a", asce_str(), opts[round][0], opts[round][1], "-v",
			NULL);
		assert_int_equal(r.status, 0);
		assert_int_equal(v.status, 0);
		assert_string_equal(r.err, "");
		want = answers_only(v.out);
		assert_text(r.out, want);
		/* Enough translations and exceptions both to mean something. */
		assert_true(strstr(r.out, "pic 0x") && strstr(r.out, " -> 0x"));
		free(want);
		result_free(&r);
		result_free(&v);
	}
	r = run(NULL, "-i", path_of("image.raw"), "-a", asce_str(), "--inflight", "0", NULL);
	assert_usage_error(&r, "--inflight '0' is not a number from 1 to 64");
	r = run(NULL, "-i", path_of("image.raw"), "-a", asce_str(), "--inflight", "65", NULL);
	assert_usage_error(&r, "--inflight '65' is not a number from 1 to 64");
}

/* --reverse without ABS reads them from standard input, and answers as with arguments. */
static void test_reverse_stdin(void **state)
{
	FILE *in = fopen(path_of("in"), "w");
	struct result r, a;

	(void)state;
	assert_non_null(in);
	fprintf(in, "0xabcdef\n\n  0x912345 \nabd123\r\n0x1234567");
	assert_int_equal(fclose(in), 0);
	r = run("in", "--example", "--reverse", NULL);
	a = run(NULL, "--example", "--reverse", "0xabcdef", "0x912345", "abd123", "0x1234567",
		NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_text(r.out, a.out);
	assert_non_null(strstr(r.out, "0x123456789abcdef -> 0xabcdef\n"));
	result_free(&r);
	result_free(&a);
	/* JSON too. */
	r = run("in", "--example", "--reverse", "--json", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "{\"target\":\"0x1234567\",\"vaddr\":null}\n"));
	result_free(&r);
	/* A bad line is named; an empty input has nothing to look for. */
	in = fopen(path_of("in"), "w");
	assert_non_null(in);
	fprintf(in, "0x1000\n0xzz\n");
	assert_int_equal(fclose(in), 0);
	r = run("in", "--example", "--reverse", NULL);
	assert_usage_error(&r, "standard input line 2: '0xzz' is not a 64-bit hexadecimal address");
	r = run(NULL, "--example", "--reverse", NULL);
	assert_usage_error(&r, "--reverse needs the absolute addresses");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_raw),
		cmocka_unit_test(test_stream_elf),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_verbose),
		cmocka_unit_test(test_large_frame_and_edat),
		cmocka_unit_test(test_access_prefix_storage),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_tree_example),
		cmocka_unit_test(test_tree_image),
		cmocka_unit_test(test_tree_shared_tables),
		cmocka_unit_test(test_tree_matches_translate),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_core_stream),
		cmocka_unit_test(test_core_cpu_and_space),
		cmocka_unit_test(test_core_options_win),
		cmocka_unit_test(test_core_errors),
		cmocka_unit_test(test_core_info),
		cmocka_unit_test(test_reverse_example),
		cmocka_unit_test(test_reverse_matches_forward),
		cmocka_unit_test(test_reverse_all_spaces),
		cmocka_unit_test(test_json_example),
		cmocka_unit_test(test_json_tree_reverse_info),
		cmocka_unit_test(test_json_matches_text),
		cmocka_unit_test(test_threads_in_order),
		cmocka_unit_test(test_threads_bad_line),
		cmocka_unit_test(test_bulk_matches_lines),
		cmocka_unit_test(test_batches_match_exact),
		cmocka_unit_test(test_reverse_stdin),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH-OF-GMAP\n", argv[0]);
		return 1;
	}
	gmap_path = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
