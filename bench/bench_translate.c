// SPDX-License-Identifier: GPL-2.0
/*
 * bench_translate - addresses per second through `gmap translate` over a large image,
 * against the number of walks kept in flight.
 *
 * The image is a sparse 1 GiB file in $TMPDIR (or /tmp) holding five levels of
 * tables (region-first ASCE, as a worst case for the walk) that map 1 GiB of
 * virtual storage page by page to random frames; the page tables are spread over
 * the whole image, one per MiB, as a guest's would be. A stream of addresses
 * (90% mapped, 10% in the unmapped gigabyte below: segment-translation exceptions) is
 * written to a file, then, each the median of several repetitions:
 *
 *   walks in this process, no text, over all the addresses:
 *     exact:    dat_translate() with the image reader;
 *     lean:     dat_translate_lean(), one walk after the other (the command's path
 *               before batches);
 *     inflight: dat_lean_walk_batch() with K = 1, 2, 4, 8, 16, 32 walks advanced
 *               together, dat_translate() for what it leaves (the command's path now);
 *     floor:    the page-table entries alone, loaded independently of each other
 *               (their addresses computed, not walked): what any walker must wait for;
 *   the command: `gmap translate --image F --asce A < addresses > /dev/null`, wall and
 *     CPU time of the whole process, with --threads 1 --inflight K for each K, with
 *     the defaults (a thread per CPU), and with --baseline PATH another gmap binary
 *     (e.g. the one before a change), interleaved in the same repetitions so that all
 *     see the same load.
 *
 * Both for a raw image and for the same storage as an ELF core of 16 PT_LOAD segments
 * stored in the file in reverse order (so the segments do not continue each other in
 * the file and the lean walker reads them through its granule map). Instructions per
 * address come from callgrind (no hardware counters on the development machine): the
 * in-process loops in a run of this program under callgrind, the command as the
 * difference between a run over COUNT_N addresses and one over a single address. The
 * results are checked against the frames the tables were built with (exit 1 if wrong).
 *
 * Usage: bench_translate [--quick] [--gmap PATH] [--baseline PATH] [--reps N]
 * [--no-instructions] [--keep]; PATH defaults to ../gmap relative to this executable;
 * --quick (64 MiB, 20,000 addresses, one repetition, no instruction counts) is the
 * smoke test; --keep leaves the images and the addresses in the directory for a profiler.
 * Output: one JSON document on stdout.
 */
#include <endian.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gmap/dat.h>

#include "bench_instr.h"
#include "bench_util.h"
#include "image.h"

extern char **environ;

#define GIB	  (1UL << 30)
#define R1T	  0x0UL
#define R2T	  0x4000UL
#define R3T	  0x8000UL
#define STO	  0xc000UL
#define PT_OFFSET 0x10000UL /* page table i lives at i MiB + this */
#define VA_BASE	  0x0123456740000000UL
#define ASCE	  (R1T | _ASCE_TYPE_REGION1 | _ASCE_TABLE_LENGTH)
#define ELF_HDR	  0x1000UL /* file offset of storage in the ELF variant */
#define ELF_SEGS  16U
#define MAX_REPS  9
#define BATCH	  256 /* addresses per dat_lean_walk_batch() call, as the command */
#define NK	  6
#define COUNT_N	  50000UL /* addresses of the callgrind runs */

static const unsigned int ks[NK] = { 1, 2, 4, 8, 16, 32 };

struct params {
	unsigned long storage;	 /* image size = mapped virtual size */
	unsigned long naddrs;	 /* addresses in the stream */
	int reps;		 /* repetitions per measurement */
	bool instructions;	 /* count them with callgrind */
	bool count_only;	 /* --count-instructions: the callgrind run of this program */
	bool keep;		 /* leave the files for a profiler */
	char gmap[PATH_MAX];	 /* the command */
	char baseline[PATH_MAX]; /* the command to compare with ("" for none) */
	char dir[PATH_MAX - 64]; /* where the files go */
};

struct files {
	char image[PATH_MAX];
	char addrs[PATH_MAX + 16];
	char count[PATH_MAX + 16]; /* the first COUNT_N addresses */
	char one[PATH_MAX + 16];   /* the first address */
};

/* What one image kind measured; medians. */
struct result {
	double exact_ns, lean_ns, floor_ns, walk_ns[NK], walk_ins[NK], exact_ins, lean_ins;
	double exact_cpu, lean_cpu, floor_cpu, walk_cpu[NK];
	double floor_ins;
	double cmd_k[NK], cmd_k_cpu[NK], cmd, cmd_cpu, base, base_cpu;
	double cmd_runs[MAX_REPS];
	double cmd_ins, base_ins;
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

/* File offset of absolute address @addr: the ELF variant stores its segments in reverse. */
static unsigned long file_off(bool elf, unsigned long addr, const struct params *p)
{
	unsigned long seg = p->storage / ELF_SEGS;

	if (!elf)
		return addr;
	return ELF_HDR + (ELF_SEGS - 1 - addr / seg) * seg + addr % seg;
}

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

/* Absolute address of the page table of megabyte @s. */
static unsigned long pt_addr(unsigned long s)
{
	return s * MIB + PT_OFFSET;
}

static void write_tables(int fd, bool elf, const struct params *p)
{
	static unsigned long t[_CRST_ENTRIES];
	unsigned long nseg = p->storage / MIB;

	fill(t, _CRST_ENTRIES, _REGION1_ENTRY_EMPTY);
	t[dat_rfx(VA_BASE)] = R2T | _REGION1_ENTRY;
	put_table(fd, file_off(elf, R1T, p), t, _CRST_ENTRIES);
	fill(t, _CRST_ENTRIES, _REGION2_ENTRY_EMPTY);
	t[dat_rsx(VA_BASE)] = R3T | _REGION2_ENTRY;
	put_table(fd, file_off(elf, R2T, p), t, _CRST_ENTRIES);
	fill(t, _CRST_ENTRIES, _REGION3_ENTRY_EMPTY);
	t[dat_rtx(VA_BASE)] = STO | _REGION3_ENTRY;
	put_table(fd, file_off(elf, R3T, p), t, _CRST_ENTRIES);
	fill(t, _CRST_ENTRIES, _SEGMENT_ENTRY_EMPTY);
	for (unsigned long s = 0; s < nseg; s++)
		t[dat_sx(VA_BASE) + s] = pt_addr(s);
	put_table(fd, file_off(elf, STO, p), t, _CRST_ENTRIES);
	for (unsigned long s = 0; s < nseg; s++) {
		for (unsigned long i = 0; i < _PAGE_ENTRIES; i++)
			t[i] = (unsigned long)frames[s * 256 + i] << PAGE_SHIFT;
		put_table(fd, file_off(elf, pt_addr(s), p), t, _PAGE_ENTRIES);
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

/* An s390x ELF core header: ELF_SEGS PT_LOADs covering storage, stored in reverse order. */
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
		put64(ph + 8, file_off(true, i * seg, p));
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

	if (fd < 0)
		die(path);
	if (ftruncate(fd, (off_t)((elf ? ELF_HDR : 0) + p->storage)))
		die("ftruncate");
	if (elf)
		write_elf_header(fd, p);
	write_tables(fd, elf, p);
	close(fd);
}

/* ---- the address stream --------------------------------------------------------------------- */

static void write_addresses(const char *path, unsigned long n)
{
	FILE *f = fopen(path, "w");

	if (!f)
		die(path);
	for (unsigned long i = 0; i < n; i++)
		fprintf(f, "0x%lx\n", addrs[i]);
	if (fclose(f))
		die(path);
}

static void make_addresses(const struct files *fl, const struct params *p)
{
	unsigned long seed = 0x2545f4914f6cdd1dUL;

	for (unsigned long i = 0; i < p->naddrs; i++) {
		unsigned long r = rng_next(&seed);
		unsigned long off = rng_next(&seed) % p->storage;

		/* One in ten lands in the gigabyte below, whose segment entries are invalid. */
		addrs[i] = VA_BASE + off - (r % 10 == 0 ? GIB : 0);
	}
	write_addresses(fl->addrs, p->naddrs);
	write_addresses(fl->count, p->naddrs < COUNT_N ? p->naddrs : COUNT_N);
	write_addresses(fl->one, 1);
}

/* ---- the command ---------------------------------------------------------------------------- */

/*
 * Wall time of @gmap over @in, its CPU time (user + system) in *@cpu; @threads and
 * @inflight add --threads and --inflight (not for a baseline). On a loaded machine the
 * CPU time says more about the work than the wall time.
 */
static double run_command(const struct files *fl, const char *in, const char *gmap,
			  const char *threads, const char *inflight, double *cpu)
{
	const char *argv[16] = { gmap, "translate", "--image", fl->image, "--asce" };
	struct rusage ru;
	char asce[32];
	int argc = 5, status;
	double t0;
	pid_t pid;

	snprintf(asce, sizeof(asce), "0x%lx", ASCE);
	argv[argc++] = asce;
	if (threads) {
		argv[argc++] = "--threads";
		argv[argc++] = threads;
	}
	if (inflight) {
		argv[argc++] = "--inflight";
		argv[argc++] = inflight;
	}
	t0 = bench_now_ns();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		int i = open(in, O_RDONLY), out = open("/dev/null", O_WRONLY);

		if (i < 0 || out < 0 || dup2(i, 0) < 0 || dup2(out, 1) < 0)
			_exit(126);
		execv(gmap, (char **)argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		bench_fail("%s failed (status 0x%x)", gmap, status);
	*cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	return (bench_now_ns() - t0) / 1e9;
}

/* Instructions of the whole command over @in under callgrind (one thread), or 0. */
static unsigned long command_instructions(const struct files *fl, const char *in, const char *gmap,
					  bool ours)
{
	char asce[32];
	const char *argv[16] = { gmap, "translate", "--image", fl->image, "--asce", asce };
	int argc = 6;

	snprintf(asce, sizeof(asce), "0x%lx", ASCE);
	if (ours) {
		argv[argc++] = "--threads";
		argv[argc++] = "1";
	}
	return bench_cg_run_whole((char *const *)argv, in);
}

/* Instructions per address of @gmap: a run over COUNT_N addresses less one over one. */
static double command_per_address(const struct files *fl, const char *gmap, bool ours,
				  const struct params *p)
{
	unsigned long n = p->naddrs < COUNT_N ? p->naddrs : COUNT_N;
	unsigned long big = command_instructions(fl, fl->count, gmap, ours);
	unsigned long one = command_instructions(fl, fl->one, gmap, ours);

	if (!big || !one || big < one || n < 2)
		return -1;
	return (double)(big - one) / (double)(n - 1);
}

/* ---- walks in this process ------------------------------------------------------------------ */

static bool check(unsigned long va, const struct dat_result *res, const struct params *p)
{
	unsigned long off = va - VA_BASE;

	if (off >= p->storage)
		return res->pic == PGM_SEGMENT_TRANSLATION;
	return !res->pic && res->real == (((unsigned long)frames[off >> PAGE_SHIFT] << PAGE_SHIFT) |
					  (va & 0xfff));
}

/* What the walks need: the image, its lean configuration, the exact one. */
struct walker {
	struct image img;
	struct dat_config cfg;
	struct dat_lean lean;
	const unsigned char **pte; /* floor: the page-table entry of each address, or NULL */
};

/* The lean configuration over the image's segments, as the command builds it. */
static void walker_open(struct walker *w, const char *path, const struct params *p)
{
	struct dat_lean_span spans[ELF_SEGS];
	char err[256];

	if (image_open(&w->img, path, err, sizeof(err)))
		bench_fail("%s: %s", path, err);
	w->cfg = (struct dat_config){ .asce = ASCE, .storage_size = w->img.end };
	for (unsigned int i = 0; i < w->img.nseg; i++)
		spans[i] = (struct dat_lean_span){ w->img.seg[i].paddr, w->img.seg[i].filesz,
						   w->img.data + w->img.seg[i].offset };
	if (dat_lean_init_spans(&w->lean, &w->cfg, spans, w->img.nseg))
		bench_fail("dat_lean_init_spans failed");
	w->pte = bench_malloc(p->naddrs * sizeof(*w->pte));
	for (unsigned long i = 0; i < p->naddrs; i++) {
		unsigned long off = addrs[i] - VA_BASE,
			      ea = pt_addr(off / MIB) + dat_px(addrs[i]) * 8;

		w->pte[i] =
			off >= p->storage ? NULL : w->img.data + file_off(w->img.nseg > 1, ea, p);
	}
}

static void walker_close(struct walker *w)
{
	free(w->pte);
	dat_lean_destroy(&w->lean);
	image_close(&w->img);
}

static BENCH_NOINLINE unsigned long loop_exact(struct walker *w, unsigned long n)
{
	struct dat_result res;
	unsigned long sum = 0;

	for (unsigned long i = 0; i < n; i++) {
		dat_translate(&w->cfg, addrs[i], DAT_FETCH, image_read_entry, &w->img, &res);
		sum += res.real + res.pic;
	}
	return sum;
}

static BENCH_NOINLINE unsigned long loop_lean(struct walker *w, unsigned long n)
{
	struct dat_result res;
	unsigned long sum = 0;

	for (unsigned long i = 0; i < n; i++) {
		dat_translate_lean(&w->lean, addrs[i], DAT_FETCH, image_read_entry, &w->img, &res);
		sum += res.real + res.pic;
	}
	return sum;
}

/* The command's path: batches of lean walks, the exact walker for what they leave. */
static BENCH_NOINLINE unsigned long loop_batch(struct walker *w, unsigned long n, unsigned int k,
					       const struct params *p, bool verify)
{
	struct dat_lean_result r[BATCH];
	struct dat_result res;
	unsigned long sum = 0;

	for (unsigned long b = 0; b < n; b += BATCH) {
		unsigned int m = n - b < BATCH ? (unsigned int)(n - b) : BATCH;

		dat_lean_walk_batch(&w->lean, addrs + b, m, DAT_FETCH, k, r);
		for (unsigned int i = 0; i < m; i++) {
			if (r[i].info) {
				sum += r[i].abs;
				if (verify) {
					dat_lean_expand(&w->lean, r[i], &res);
					if (!check(addrs[b + i], &res, p))
						bench_fail("wrong lean result for 0x%lx",
							   addrs[b + i]);
				}
				continue;
			}
			dat_translate(&w->cfg, addrs[b + i], DAT_FETCH, image_read_entry, &w->img,
				      &res);
			sum += res.real + res.pic;
			if (verify && !check(addrs[b + i], &res, p))
				bench_fail("wrong result for 0x%lx (pic 0x%x)", addrs[b + i],
					   res.pic);
		}
	}
	return sum;
}

/* The floor: every mapped address's page-table entry, loaded independently, no walk. */
static BENCH_NOINLINE unsigned long loop_floor(struct walker *w, unsigned long n)
{
	unsigned long sum = 0;
	uint64_t e;

	for (unsigned long i = 0; i < n; i++) {
		if (!w->pte[i])
			continue;
		memcpy(&e, w->pte[i], 8);
		sum += be64toh(e);
	}
	return sum;
}

/* CPU time of this thread in ns: on a loaded machine, what the loop itself took. */
static double cpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Wall ns per address; the CPU ns per address in *@cpu. */
static double timed(unsigned long (*fn)(struct walker *, unsigned long), struct walker *w,
		    unsigned long n, double *cpu)
{
	double t0 = bench_now_ns(), c0 = cpu_now_ns();

	bench_sink = fn(w, n);
	*cpu = (cpu_now_ns() - c0) / (double)n;
	return (bench_now_ns() - t0) / (double)n;
}

static double timed_batch(struct walker *w, unsigned long n, unsigned int k, const struct params *p,
			  double *cpu)
{
	double t0 = bench_now_ns(), c0 = cpu_now_ns();

	bench_sink = loop_batch(w, n, k, p, false);
	*cpu = (cpu_now_ns() - c0) / (double)n;
	return (bench_now_ns() - t0) / (double)n;
}

/* ---- instructions under callgrind --------------------------------------------------------- */

static const char *const image_names[2] = { "raw", "elf" };

/* --count-instructions: each loop once over COUNT_N addresses between start and stop. */
static void count_instructions(const struct files *fl, const struct params *p)
{
	unsigned long n = p->naddrs < COUNT_N ? p->naddrs : COUNT_N;
	char name[64];

	for (int elf = 0; elf < 2; elf++) {
		struct walker w;

		make_image(fl->image, elf, p);
		walker_open(&w, fl->image, p);
		bench_sink = loop_exact(&w, n); /* warm */
		snprintf(name, sizeof(name), "%s/exact", image_names[elf]);
		bench_cg_start();
		bench_sink = loop_exact(&w, n);
		bench_cg_stop(name);
		snprintf(name, sizeof(name), "%s/lean", image_names[elf]);
		bench_cg_start();
		bench_sink = loop_lean(&w, n);
		bench_cg_stop(name);
		snprintf(name, sizeof(name), "%s/floor", image_names[elf]);
		bench_cg_start();
		bench_sink = loop_floor(&w, n);
		bench_cg_stop(name);
		for (int k = 0; k < NK; k++) {
			snprintf(name, sizeof(name), "%s/k%u", image_names[elf], ks[k]);
			bench_cg_start();
			bench_sink = loop_batch(&w, n, ks[k], p, false);
			bench_cg_stop(name);
		}
		walker_close(&w);
	}
}

struct cg_ctx {
	struct result *res; /* [2] */
	unsigned long n;
	bool any;
};

static void cg_found(void *ctx, const char *name, unsigned long ir)
{
	struct cg_ctx *cg = ctx;
	char want[64];

	for (int elf = 0; elf < 2; elf++) {
		struct result *r = &cg->res[elf];
		double v = (double)ir / (double)cg->n;

		snprintf(want, sizeof(want), "%s/exact", image_names[elf]);
		if (!strcmp(name, want))
			r->exact_ins = v, cg->any = true;
		snprintf(want, sizeof(want), "%s/lean", image_names[elf]);
		if (!strcmp(name, want))
			r->lean_ins = v;
		snprintf(want, sizeof(want), "%s/floor", image_names[elf]);
		if (!strcmp(name, want))
			r->floor_ins = v;
		for (int k = 0; k < NK; k++) {
			snprintf(want, sizeof(want), "%s/k%u", image_names[elf], ks[k]);
			if (!strcmp(name, want))
				r->walk_ins[k] = v;
		}
	}
}

static void instructions_by_callgrind(const char *self, const struct params *p, struct result *res)
{
	char *argv[] = { (char *)self, "--count-instructions", p->storage == GIB ? NULL : "--quick",
			 NULL };
	struct cg_ctx cg = { .res = res, .n = p->naddrs < COUNT_N ? p->naddrs : COUNT_N };

	if (!bench_cg_run(argv, cg_found, &cg) || !cg.any)
		fprintf(stderr, "bench_translate: no instruction counts of the walks\n");
}

/* ---- the cases ------------------------------------------------------------------------------ */

static void measure(bool elf, const struct files *fl, const struct params *p, struct result *r)
{
	double exact[MAX_REPS], lean[MAX_REPS], floor_ns[MAX_REPS], walk[NK][MAX_REPS];
	double exact_c[MAX_REPS], lean_c[MAX_REPS], floor_c[MAX_REPS], walk_c[NK][MAX_REPS];
	double ck[NK][MAX_REPS], ck_cpu[NK][MAX_REPS], cmd_cpu[MAX_REPS], base[MAX_REPS];
	double base_cpu[MAX_REPS];
	unsigned int reps = (unsigned int)p->reps;
	char kbuf[NK][8];
	struct walker w;

	make_image(fl->image, elf, p);
	walker_open(&w, fl->image, p);
	if (elf && !w.lean.span_map)
		bench_fail("the ELF image is not read through the granule map");
	for (int k = 0; k < NK; k++) {
		snprintf(kbuf[k], sizeof(kbuf[k]), "%u", ks[k]);
		bench_sink = loop_batch(&w, p->naddrs, ks[k], p, true); /* verify, and warm */
	}
	/* Interleaved, so that a change of load hits every variant alike. */
	for (unsigned int rep = 0; rep < reps; rep++) {
		r->cmd_runs[rep] = run_command(fl, fl->addrs, p->gmap, NULL, NULL, &cmd_cpu[rep]);
		for (int k = 0; k < NK; k++)
			ck[k][rep] =
				run_command(fl, fl->addrs, p->gmap, "1", kbuf[k], &ck_cpu[k][rep]);
		if (*p->baseline)
			base[rep] =
				run_command(fl, fl->addrs, p->baseline, NULL, NULL, &base_cpu[rep]);
		exact[rep] = timed(loop_exact, &w, p->naddrs, &exact_c[rep]);
		lean[rep] = timed(loop_lean, &w, p->naddrs, &lean_c[rep]);
		floor_ns[rep] = timed(loop_floor, &w, p->naddrs, &floor_c[rep]);
		for (int k = 0; k < NK; k++)
			walk[k][rep] = timed_batch(&w, p->naddrs, ks[k], p, &walk_c[k][rep]);
	}
	r->exact_ns = stats_of(exact, reps).median;
	r->lean_ns = stats_of(lean, reps).median;
	r->floor_ns = stats_of(floor_ns, reps).median;
	r->exact_cpu = stats_of(exact_c, reps).median;
	r->lean_cpu = stats_of(lean_c, reps).median;
	r->floor_cpu = stats_of(floor_c, reps).median;
	for (int k = 0; k < NK; k++) {
		r->walk_ns[k] = stats_of(walk[k], reps).median;
		r->walk_cpu[k] = stats_of(walk_c[k], reps).median;
		r->cmd_k[k] = stats_of(ck[k], reps).median;
		r->cmd_k_cpu[k] = stats_of(ck_cpu[k], reps).median;
	}
	r->cmd = stats_of(r->cmd_runs, reps).median;
	r->cmd_cpu = stats_of(cmd_cpu, reps).median;
	if (*p->baseline) {
		r->base = stats_of(base, reps).median;
		r->base_cpu = stats_of(base_cpu, reps).median;
	}
	if (p->instructions) {
		r->cmd_ins = command_per_address(fl, p->gmap, true, p);
		if (*p->baseline)
			r->base_ins = command_per_address(fl, p->baseline, false, p);
	}
	walker_close(&w);
	if (p->keep) {
		char kept[PATH_MAX + 8];

		snprintf(kept, sizeof(kept), "%s.%s", fl->image, image_names[elf]);
		if (!rename(fl->image, kept))
			fprintf(stderr, "bench_translate: kept %s and %s\n", kept, fl->addrs);
	}
	unlink(fl->image);
}

static void print_ins(const char *key, double v)
{
	if (v > 0)
		printf(", \"%s\": %.1f", key, v);
}

static void print_case(bool elf, const struct result *r, const struct params *p, bool last)
{
	double n = (double)p->naddrs;
	double runs[MAX_REPS];

	memcpy(runs, r->cmd_runs, sizeof(runs));
	bench_sort(runs, (unsigned int)p->reps); /* command_s lists the runs fastest first */
	printf("    {\"image\": \"%s\", \"segments\": %u, \"lean_storage\": \"%s\",\n",
	       elf ? "elf" : "raw", elf ? ELF_SEGS : 1, elf ? "granule map" : "flat");
	printf("     \"exact_walk_ns_per_address\": %.1f, \"lean_walk_ns_per_address\": %.1f, "
	       "\"floor_ns_per_address\": %.1f,\n     \"exact_walk_cpu_ns_per_address\": %.1f, "
	       "\"lean_walk_cpu_ns_per_address\": %.1f, \"floor_cpu_ns_per_address\": %.1f",
	       r->exact_ns, r->lean_ns, r->floor_ns, r->exact_cpu, r->lean_cpu, r->floor_cpu);
	print_ins("exact_walk_instructions_per_address", r->exact_ins);
	print_ins("lean_walk_instructions_per_address", r->lean_ins);
	print_ins("floor_instructions_per_address", r->floor_ins);
	printf(",\n     \"inflight\": [\n");
	for (int k = 0; k < NK; k++) {
		printf("       {\"k\": %u, \"walk_ns_per_address\": %.1f, "
		       "\"walk_addresses_per_s\": "
		       "%.0f",
		       ks[k], r->walk_ns[k], 1e9 / r->walk_ns[k]);
		printf(", \"walk_cpu_ns_per_address\": %.1f", r->walk_cpu[k]);
		print_ins("walk_instructions_per_address", r->walk_ins[k]);
		printf(", \"command_s_median\": %.4f, \"command_addresses_per_s\": %.0f, "
		       "\"command_cpu_s_median\": %.4f, \"command_cpu_ns_per_address\": %.1f}%s\n",
		       r->cmd_k[k], n / r->cmd_k[k], r->cmd_k_cpu[k], r->cmd_k_cpu[k] * 1e9 / n,
		       k + 1 < NK ? "," : "");
	}
	printf("     ],\n     \"command_s_median\": %.4f, \"command_addresses_per_s\": %.0f, "
	       "\"command_cpu_s_median\": %.4f, \"command_cpu_ns_per_address\": %.1f",
	       r->cmd, n / r->cmd, r->cmd_cpu, r->cmd_cpu * 1e9 / n);
	print_ins("command_1_thread_instructions_per_address", r->cmd_ins);
	printf(",\n     \"command_s\": [");
	for (int rep = 0; rep < p->reps; rep++)
		printf("%s%.4f", rep ? ", " : "", runs[rep]);
	printf("]");
	if (*p->baseline) {
		printf(",\n     \"baseline_s_median\": %.4f, \"baseline_addresses_per_s\": %.0f, "
		       "\"speedup_vs_baseline\": %.2f, \"baseline_cpu_s_median\": %.4f, "
		       "\"baseline_cpu_ns_per_address\": %.1f",
		       r->base, n / r->base, r->base / r->cmd, r->base_cpu, r->base_cpu * 1e9 / n);
		print_ins("baseline_instructions_per_address", r->base_ins);
	}
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
	p->instructions = true;
	p->baseline[0] = 0;
	default_gmap(p);
	snprintf(p->dir, sizeof(p->dir), "%s", tmp && *tmp ? tmp : "/tmp");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			p->storage = 64 * MIB;
			p->naddrs = 20000;
			p->reps = 1;
			p->instructions = false; /* the smoke test: no runs under callgrind */
		} else if (!strcmp(argv[i], "--gmap") && i + 1 < argc) {
			snprintf(p->gmap, sizeof(p->gmap), "%s", argv[++i]);
		} else if (!strcmp(argv[i], "--baseline") && i + 1 < argc) {
			snprintf(p->baseline, sizeof(p->baseline), "%s", argv[++i]);
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			p->reps = atoi(argv[++i]);
			if (p->reps < 1 || p->reps > MAX_REPS)
				p->reps = 5;
		} else if (!strcmp(argv[i], "--no-instructions")) {
			p->instructions = false;
		} else if (!strcmp(argv[i], "--count-instructions")) {
			p->count_only = true; /* internal: the callgrind run */
		} else if (!strcmp(argv[i], "--keep")) {
			p->keep = true;
		} else {
			fprintf(stderr,
				"usage: bench_translate [--quick] [--gmap PATH] "
				"[--baseline PATH] [--reps N] [--no-instructions] [--keep]\n");
			exit(2);
		}
	}
}

static void loadavg(char *buf, size_t size)
{
	bench_read_line("/proc/loadavg", buf, size);
	buf[strcspn(buf, "\n")] = 0;
}

int main(int argc, char **argv)
{
	struct params p;
	struct files fl;
	struct result res[2];
	unsigned long seed = 0x9e3779b97f4a7c15UL, npages;
	char load0[128], load1[128], date[64];
	time_t now = time(NULL);
	int fd;

	bench_set_name("bench_translate");
	parse_args(argc, argv, &p);
	if (!p.count_only && access(p.gmap, X_OK)) {
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
	snprintf(fl.count, sizeof(fl.count), "%s.count", fl.image);
	snprintf(fl.one, sizeof(fl.one), "%s.one", fl.image);
	make_addresses(&fl, &p);
	if (p.count_only) {
		count_instructions(&fl, &p);
	} else {
		memset(res, 0, sizeof(res));
		loadavg(load0, sizeof(load0));
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
		measure(false, &fl, &p, &res[0]);
		measure(true, &fl, &p, &res[1]);
		if (p.instructions)
			instructions_by_callgrind(argv[0], &p, res);
		loadavg(load1, sizeof(load1));
		printf("{\n  \"benchmark\": \"translate\",\n  \"date\": \"%s\",\n"
		       "  \"loadavg_start\": \"%s\",\n  \"loadavg_end\": \"%s\",\n"
		       "  \"image_bytes\": %lu,\n  \"levels\": 5,\n  \"addresses\": %lu,\n"
		       "  \"mapped_fraction\": 0.9,\n  \"repetitions\": %d,\n  \"threads\": %ld,\n"
		       "  \"batch\": %u,\n  \"instructions\": \"%s\",\n  \"baseline\": \"%s\",\n"
		       "  \"cases\": [\n",
		       date, load0, load1, p.storage, p.naddrs, p.reps,
		       sysconf(_SC_NPROCESSORS_ONLN), BATCH, p.instructions ? "callgrind" : "none",
		       p.baseline);
		print_case(false, &res[0], &p, false);
		print_case(true, &res[1], &p, true);
		printf("  ]\n}\n");
	}
	unlink(fl.image);
	if (!p.keep)
		unlink(fl.addrs);
	unlink(fl.count);
	unlink(fl.one);
	free(frames);
	free(addrs);
	return 0;
}
