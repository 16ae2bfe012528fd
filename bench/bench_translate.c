// SPDX-License-Identifier: GPL-2.0
/*
 * bench_translate - addresses per second through `gmap translate` over a large image.
 *
 * The image is a sparse 1 GiB file in $TMPDIR (or /tmp) holding five levels of
 * tables (region-first ASCE, as a worst case for the walk) that map 1 GiB of
 * virtual storage page by page to random frames; the page tables are spread over
 * the whole image, one per MiB, as a guest's would be. A stream of addresses
 * (90% mapped, 10% in the unmapped gigabyte below: segment-translation exceptions) is
 * written to a file, then:
 *
 *   command: `gmap translate --image F --asce A < addresses > /dev/null`, wall
 *            time of the whole process (map, parse, walk, format, write);
 *   walk:    the same addresses through dat_translate() with the image reader
 *            in this process, no text: what the walk itself costs.
 *
 * Both for a raw image and for the same storage as an ELF core split into 16
 * PT_LOAD segments (the walk then moves between segments all the time). Each is
 * the median of several repetitions; the page cache holds the image after the
 * first run, so the figures are for a warm cache. Results of a sample of walks
 * are checked against the frames the tables were built with (exit 1 if wrong).
 *
 * The command is also timed with --threads 1 (the threads over chunks of standard
 * input off) and, with --baseline PATH, another gmap binary (e.g. the one before a
 * change) in the same repetitions, interleaved, so that both see the same load.
 *
 * Usage: bench_translate [--quick] [--gmap PATH] [--baseline PATH] [--reps N]; PATH
 * defaults to ../gmap relative to this executable. Output: one JSON document on stdout.
 */
#include <endian.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmap/dat.h>

#include "bench_util.h"
#include "image.h"

#define GIB	    (1UL << 30)
#define R1T	    0x0UL
#define R2T	    0x4000UL
#define R3T	    0x8000UL
#define STO	    0xc000UL
#define PT_OFFSET   0x10000UL /* page table i lives at i MiB + this */
#define VA_BASE	    0x0123456740000000UL
#define ASCE	    (R1T | _ASCE_TYPE_REGION1 | _ASCE_TABLE_LENGTH)
#define ELF_HDR	    0x1000UL /* file offset of storage in the ELF variant */
#define ELF_SEGS    16U
#define MAX_REPS    9
#define CHECK_EVERY 97UL

struct params {
	unsigned long storage;	 /* image size = mapped virtual size */
	unsigned long naddrs;	 /* addresses in the stream */
	int reps;		 /* repetitions per measurement */
	char gmap[PATH_MAX];	 /* the command */
	char baseline[PATH_MAX]; /* the command to compare with ("" for none) */
	char dir[PATH_MAX - 64]; /* where the files go */
};

struct files {
	char image[PATH_MAX];
	char addrs[PATH_MAX + 16];
};

static unsigned int *frames; /* frame number of each virtual page */
static unsigned long *addrs;

static unsigned long rng_next(unsigned long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* ---- the image ------------------------------------------------------------------------------ */

static void put_table(int fd, unsigned long file_off, const unsigned long *ent, unsigned long n)
{
	uint64_t buf[_CRST_ENTRIES];

	for (unsigned long i = 0; i < n; i++)
		buf[i] = htobe64(ent[i]);
	if (pwrite(fd, buf, n * 8, (off_t)file_off) != (ssize_t)(n * 8))
		die("pwrite");
}

static void fill(unsigned long *t, unsigned long n, unsigned long v)
{
	for (unsigned long i = 0; i < n; i++)
		t[i] = v;
}

/* Write the tables at file offset @base + absolute address. */
static void write_tables(int fd, unsigned long base, const struct params *p)
{
	static unsigned long t[_CRST_ENTRIES];
	unsigned long nseg = p->storage / MIB;

	fill(t, _CRST_ENTRIES, _REGION1_ENTRY_EMPTY);
	t[dat_rfx(VA_BASE)] = R2T | _REGION1_ENTRY;
	put_table(fd, base + R1T, t, _CRST_ENTRIES);
	fill(t, _CRST_ENTRIES, _REGION2_ENTRY_EMPTY);
	t[dat_rsx(VA_BASE)] = R3T | _REGION2_ENTRY;
	put_table(fd, base + R2T, t, _CRST_ENTRIES);
	fill(t, _CRST_ENTRIES, _REGION3_ENTRY_EMPTY);
	t[dat_rtx(VA_BASE)] = STO | _REGION3_ENTRY;
	put_table(fd, base + R3T, t, _CRST_ENTRIES);
	fill(t, _CRST_ENTRIES, _SEGMENT_ENTRY_EMPTY);
	for (unsigned long s = 0; s < nseg; s++)
		t[dat_sx(VA_BASE) + s] = s * MIB + PT_OFFSET;
	put_table(fd, base + STO, t, _CRST_ENTRIES);
	for (unsigned long s = 0; s < nseg; s++) {
		for (unsigned long i = 0; i < _PAGE_ENTRIES; i++)
			t[i] = (unsigned long)frames[s * 256 + i] << PAGE_SHIFT;
		put_table(fd, base + s * MIB + PT_OFFSET, t, _PAGE_ENTRIES);
	}
}

static void put64(unsigned char *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
}

static void put16(unsigned char *p, unsigned int v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* An s390x ELF core header: ELF_SEGS PT_LOADs covering storage contiguously. */
static void write_elf_header(int fd, const struct params *p)
{
	unsigned char h[ELF_HDR] = { 0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 2 /* MSB */, 1 };
	unsigned long seg = p->storage / ELF_SEGS;

	put16(h + 16, 4 /* ET_CORE */);
	put16(h + 18, 22 /* EM_S390 */);
	put32(h + 20, 1);
	put64(h + 32, 64);
	put16(h + 52, 64);
	put16(h + 54, 56);
	put16(h + 56, ELF_SEGS);
	for (unsigned int i = 0; i < ELF_SEGS; i++) {
		unsigned char *ph = h + 64 + 56 * i;

		put32(ph, 1 /* PT_LOAD */);
		put64(ph + 8, ELF_HDR + i * seg);
		put64(ph + 16, i * seg);
		put64(ph + 24, i * seg);
		put64(ph + 32, seg);
		put64(ph + 40, seg);
	}
	if (pwrite(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
		die("pwrite");
}

static void make_image(const char *path, bool elf, const struct params *p)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	unsigned long base = elf ? ELF_HDR : 0;

	if (fd < 0)
		die(path);
	if (ftruncate(fd, (off_t)(base + p->storage)))
		die("ftruncate");
	if (elf)
		write_elf_header(fd, p);
	write_tables(fd, base, p);
	close(fd);
}

/* ---- the address stream --------------------------------------------------------------------- */

static void make_addresses(const char *path, const struct params *p)
{
	unsigned long seed = 0x2545f4914f6cdd1dUL;
	FILE *f = fopen(path, "w");

	if (!f)
		die(path);
	for (unsigned long i = 0; i < p->naddrs; i++) {
		unsigned long r = rng_next(&seed);
		unsigned long off = rng_next(&seed) % p->storage;

		/* One in ten lands in the gigabyte below, whose segment entries are invalid. */
		addrs[i] = VA_BASE + off - (r % 10 == 0 ? GIB : 0);
		fprintf(f, "0x%lx\n", addrs[i]);
	}
	if (fclose(f))
		die(path);
}

/* ---- measurements --------------------------------------------------------------------------- */

/*
 * Wall time of @gmap over the address file, its CPU time (user + system) in *@cpu;
 * @threads adds --threads (not for a baseline). On a loaded machine the CPU time
 * says more about the work than the wall time.
 */
static double run_command(const struct files *fl, const char *gmap, const char *threads,
			  double *cpu)
{
	struct rusage ru;
	char asce[32];
	double t0;
	pid_t pid;
	int status;

	snprintf(asce, sizeof(asce), "0x%lx", ASCE);
	t0 = bench_now_ns();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		int in = open(fl->addrs, O_RDONLY), out = open("/dev/null", O_WRONLY);

		if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0)
			_exit(126);
		if (threads)
			execl(gmap, gmap, "translate", "--image", fl->image, "--asce", asce,
			      "--threads", threads, (char *)NULL);
		else
			execl(gmap, gmap, "translate", "--image", fl->image, "--asce", asce,
			      (char *)NULL);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		bench_fail("%s failed (status 0x%x)", gmap, status);
	*cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	return (bench_now_ns() - t0) / 1e9;
}

static bool check(unsigned long va, const struct dat_result *res, const struct params *p)
{
	unsigned long off = va - VA_BASE;

	if (off >= p->storage)
		return res->pic == PGM_SEGMENT_TRANSLATION;
	return !res->pic && res->real == (((unsigned long)frames[off >> PAGE_SHIFT] << PAGE_SHIFT) |
					  (va & 0xfff));
}

static double run_walk(struct image *img, const struct params *p)
{
	struct dat_config cfg = { .asce = ASCE, .storage_size = img->end };
	struct dat_result res;
	unsigned long sum = 0;
	double t0 = bench_now_ns();

	for (unsigned long i = 0; i < p->naddrs; i++) {
		dat_translate(&cfg, addrs[i], DAT_FETCH, image_read_entry, img, &res);
		sum += res.real + res.pic;
	}
	t0 = (bench_now_ns() - t0) / 1e9;
	bench_sink = sum;
	for (unsigned long i = 0; i < p->naddrs; i += CHECK_EVERY) {
		dat_translate(&cfg, addrs[i], DAT_FETCH, image_read_entry, img, &res);
		if (!check(addrs[i], &res, p))
			bench_fail("wrong result for 0x%lx (pic 0x%x)", addrs[i], res.pic);
	}
	return t0;
}

static void bench_case(const char *name, bool elf, const struct files *fl, const struct params *p,
		       bool last)
{
	double cmd[MAX_REPS], walk[MAX_REPS], one[MAX_REPS], base[MAX_REPS], cmd_med, walk_med;
	double one_med, base_med = 0, cmd_cpu[MAX_REPS], one_cpu[MAX_REPS], base_cpu[MAX_REPS];
	char err[256];
	struct image img;

	make_image(fl->image, elf, p);
	if (image_open(&img, fl->image, err, sizeof(err)))
		bench_fail("%s: %s", fl->image, err);
	/* Interleaved, so that a change of load hits every variant alike. */
	for (int r = 0; r < p->reps; r++) {
		cmd[r] = run_command(fl, p->gmap, NULL, &cmd_cpu[r]);
		one[r] = run_command(fl, p->gmap, "1", &one_cpu[r]);
		if (*p->baseline)
			base[r] = run_command(fl, p->baseline, NULL, &base_cpu[r]);
		walk[r] = run_walk(&img, p);
	}
	image_close(&img);
	unlink(fl->image);
	cmd_med = stats_of(cmd, (unsigned int)p->reps).median;
	walk_med = stats_of(walk, (unsigned int)p->reps).median;
	one_med = stats_of(one, (unsigned int)p->reps).median;
	if (*p->baseline)
		base_med = stats_of(base, (unsigned int)p->reps).median;
	bench_sort(cmd, (unsigned int)p->reps); /* command_s lists the runs fastest first */
	printf("    {\"image\": \"%s\", \"segments\": %u,\n"
	       "     \"command_s_median\": %.4f, \"command_addresses_per_s\": %.0f,\n"
	       "     \"walk_ns_per_address\": %.1f, \"walk_addresses_per_s\": %.0f,\n"
	       "     \"command_s\": [",
	       name, elf ? ELF_SEGS : 1, cmd_med, (double)p->naddrs / cmd_med,
	       walk_med * 1e9 / (double)p->naddrs, (double)p->naddrs / walk_med);
	for (int r = 0; r < p->reps; r++)
		printf("%s%.4f", r ? ", " : "", cmd[r]);
	printf("],\n     \"command_1_thread_s_median\": %.4f, "
	       "\"command_1_thread_addresses_per_s\": %.0f,\n"
	       "     \"command_cpu_s_median\": %.4f, \"command_1_thread_cpu_s_median\": %.4f",
	       one_med, (double)p->naddrs / one_med,
	       stats_of(cmd_cpu, (unsigned int)p->reps).median,
	       stats_of(one_cpu, (unsigned int)p->reps).median);
	if (*p->baseline)
		printf(",\n     \"baseline_s_median\": %.4f, \"baseline_addresses_per_s\": %.0f, "
		       "\"speedup_vs_baseline\": %.2f, \"baseline_cpu_s_median\": %.4f",
		       base_med, (double)p->naddrs / base_med, base_med / cmd_med,
		       stats_of(base_cpu, (unsigned int)p->reps).median);
	printf("}%s\n", last ? "" : ",");
}

static void default_gmap(struct params *p)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0) {
		snprintf(p->gmap, sizeof(p->gmap), "build/gmap");
		return;
	}
	exe[n] = 0;
	/* The benchmark lives in <build>/bench/, the command in <build>/. */
	snprintf(p->gmap, sizeof(p->gmap), "%s/../gmap", dirname(exe));
}

static void parse_args(int argc, char **argv, struct params *p)
{
	const char *tmp = getenv("TMPDIR");

	p->storage = GIB;
	p->naddrs = 1000000;
	p->reps = 5;
	p->baseline[0] = 0;
	default_gmap(p);
	snprintf(p->dir, sizeof(p->dir), "%s", tmp && *tmp ? tmp : "/tmp");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			p->storage = 64 * MIB;
			p->naddrs = 20000;
			p->reps = 1;
		} else if (!strcmp(argv[i], "--gmap") && i + 1 < argc) {
			snprintf(p->gmap, sizeof(p->gmap), "%s", argv[++i]);
		} else if (!strcmp(argv[i], "--baseline") && i + 1 < argc) {
			snprintf(p->baseline, sizeof(p->baseline), "%s", argv[++i]);
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			p->reps = atoi(argv[++i]);
			if (p->reps < 1 || p->reps > MAX_REPS)
				p->reps = 5;
		} else {
			fprintf(stderr, "usage: bench_translate [--quick] [--gmap PATH] "
					"[--baseline PATH] [--reps N]\n");
			exit(2);
		}
	}
}

int main(int argc, char **argv)
{
	struct params p;
	struct files fl;
	unsigned long seed = 0x9e3779b97f4a7c15UL, npages;
	int fd;

	bench_set_name("bench_translate");
	parse_args(argc, argv, &p);
	if (access(p.gmap, X_OK)) {
		fprintf(stderr, "bench_translate: no gmap command at %s (use --gmap)\n", p.gmap);
		return 2;
	}
	if (*p.baseline && access(p.baseline, X_OK)) {
		fprintf(stderr, "bench_translate: no baseline command at %s\n", p.baseline);
		return 2;
	}
	npages = p.storage >> PAGE_SHIFT;
	frames = malloc(npages * sizeof(*frames));
	addrs = malloc(p.naddrs * sizeof(*addrs));
	if (!frames || !addrs)
		die("malloc");
	for (unsigned long i = 0; i < npages; i++)
		frames[i] = (unsigned int)(rng_next(&seed) % npages);

	snprintf(fl.image, sizeof(fl.image), "%s/bench_translate-XXXXXX", p.dir);
	fd = mkstemp(fl.image);
	if (fd < 0)
		die(fl.image);
	close(fd);
	snprintf(fl.addrs, sizeof(fl.addrs), "%s.addrs", fl.image);
	make_addresses(fl.addrs, &p);

	printf("{\n  \"benchmark\": \"translate\",\n  \"image_bytes\": %lu,\n"
	       "  \"levels\": 5,\n  \"addresses\": %lu,\n  \"mapped_fraction\": 0.9,\n"
	       "  \"repetitions\": %d,\n  \"threads\": %ld,\n  \"baseline\": \"%s\",\n"
	       "  \"cases\": [\n",
	       p.storage, p.naddrs, p.reps, sysconf(_SC_NPROCESSORS_ONLN), p.baseline);
	bench_case("raw", false, &fl, &p, false);
	bench_case("elf", true, &fl, &p, true);
	printf("  ]\n}\n");
	unlink(fl.addrs);
	free(frames);
	free(addrs);
	return 0;
}
