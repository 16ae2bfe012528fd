// SPDX-License-Identifier: GPL-2.0
/*
 * bench_growth - how the gmap's costs grow with the size S of the guest.
 *
 * For each S (1 GiB, 64 GiB, 1 TiB, 4 TiB, 64 TiB; --max-gib caps it) a gmap of
 * limit S is mapped whole from a host window of min(S, --window-gib) (S / window
 * gmap_map_segment() calls, all of that window: the guest-to-host map may
 * alias; the default window is S, one call), and measured:
 *
 * - map: the gmap_map_segment() calls of the whole S; heap: what they took
 *   (glibc's in-use bytes before and after, blind to blocks its per-thread
 *   cache recycles, and the number of gm_* blocks);
 * - remove: gmap_remove() of such a gmap with nothing touched;
 * - translate hot: gmap_translate() of 1,024 segments at random across S,
 *   64 pages each (65,536 addresses, shuffled, each depending on the previous
 *   result: latency);
 * - translate spread: the same with 65,536 pages uniformly over S, beside its
 *   floor: a dependent random load at the same segment numbers in an array of
 *   S / 1 MiB entries (written where read, so every line is real memory);
 * - fault: gmap_fault() on the 65,536 hot pages once they are populated and
 *   linked;
 * - unmap: gmap_unmap_segment() of the whole S with those 1,024 segments
 *   linked;
 * - mm_destroy: of a host mm with one VMA of the window's size, nothing touched.
 *
 * Every timed quantity is the median over the repetitions of ns per operation,
 * beside the user-space instructions per operation: perf_event where the kernel
 * gives a counter, else (unless --no-instructions or --quick) from a second run
 * of the same measurements, once per size, under callgrind (bench_instr.h);
 * -1 where neither counted. A wrong result exits 1.
 *
 * Output: one JSON document on stdout.
 */
#include <linux/perf_event.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>

#include "bench_instr.h"
#include "bench_util.h"

#define SEG	    _SEGMENT_SIZE
#define GIB	    (1UL << 30)
#define TIB	    (1UL << 40)
#define HB	    TIB /* the host window starts here */
#define HOT_SEGS    1024UL
#define HOT_PAGES   64UL
#define NADDR	    (HOT_SEGS * HOT_PAGES)
#define RW	    (PROT_READ | PROT_WRITE)
#define MAP_ANON_PV (MAP_PRIVATE | MAP_ANONYMOUS)

static const unsigned long sizes[] = { GIB, 64 * GIB, TIB, 4 * TIB, 64 * TIB };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

enum { Q_MAP, Q_REMOVE, Q_XLATE_HOT, Q_XLATE_SPREAD, Q_FLOOR, Q_FAULT, Q_UNMAP, Q_MM_DESTROY, NQ };

static const char *const qname[NQ] = { "map_ms",	   "remove_ms",
				       "translate_hot_ns", "translate_spread_ns",
				       "floor_ns",	   "fault_ns",
				       "unmap_ms",	   "mm_destroy_ms" };
/* Time unit of each quantity in ns (ms for whole operations). */
static const double qunit[NQ] = { 1e6, 1e6, 1, 1, 1, 1, 1e6, 1e6 };

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

struct params {
	bool quick;
	bool count_only;   /* --count-instructions: the run under callgrind */
	bool instructions; /* count by callgrind when perf_event gives no counter */
	unsigned int reps;
	unsigned long max;
	unsigned long window; /* largest host range one call maps */
};

static unsigned long max_window;

struct result {
	double t[NQ][BENCH_MAX_REPS], ins[NQ][BENCH_MAX_REPS];
	double cg_ins[NQ]; /* from the callgrind run; -1 if none */
	unsigned long heap_bytes;
	long heap_blocks;
	unsigned long calls;
};

static int perf_fd = -1;
/* Under callgrind (--count-instructions): the size being measured, for the dump names. */
static bool cg_mode;
static unsigned long cg_size;

static void perf_open(void)
{
	struct perf_event_attr a = { 0 };

	a.type = PERF_TYPE_HARDWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_HW_INSTRUCTIONS;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	perf_fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static long perf_read(void)
{
	long v = 0;

	if (perf_fd < 0 || read(perf_fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		return -1;
	return v;
}

struct probe {
	double t0;
	long i0;
};

static void start(struct probe *p)
{
	if (cg_mode)
		bench_cg_start();
	p->i0 = perf_read();
	p->t0 = bench_now_ns();
}

static void stop(const struct probe *p, struct result *r, int q, unsigned int rep, double ops)
{
	double t = bench_now_ns() - p->t0;
	long i = perf_read();

	if (cg_mode) {
		char name[64];

		/* The count of the whole operation; the parent divides by ops. */
		snprintf(name, sizeof(name), "%lu/%s", cg_size / GIB, qname[q]);
		bench_cg_stop(name);
	}

	r->t[q][rep] = t / ops / qunit[q];
	r->ins[q][rep] = (i < 0 || p->i0 < 0) ? -1 : (double)(i - p->i0) / ops;
}

/* Operations in one timed run of quantity @q. */
static double ops_of(int q)
{
	return q == Q_XLATE_HOT || q == Q_XLATE_SPREAD || q == Q_FLOOR || q == Q_FAULT ? NADDR : 1;
}

static unsigned long window(unsigned long s)
{
	return s < max_window ? s : max_window;
}

static struct mm_struct *host(unsigned long len)
{
	struct mm_struct *mm = mm_create();

	if (!mm)
		bench_die("mm_create", 0);
	if (mm_mmap(mm, HB, len, RW, MAP_ANON_PV | MAP_FIXED) != HB)
		bench_die("mm_mmap", 0);
	return mm;
}

/* A gmap of limit @s mapped whole, host address = HB + guest % window. */
static struct gmap *mapped(struct mm_struct *mm, unsigned long s, struct result *r, int rep)
{
	struct gmap *g = gmap_create(mm, s - 1);
	unsigned long w = window(s);
	struct probe p;
	long blocks;
	size_t heap;
	int rc = 0;

	if (!g)
		bench_die("gmap_create", 0);
	heap = mallinfo2().uordblks;
	blocks = gm_alloc_live();
	if (rep >= 0)
		start(&p);
	for (unsigned long to = 0; to < s && !rc; to += w)
		rc = gmap_map_segment(g, HB, to, w);
	if (rep >= 0) {
		stop(&p, r, Q_MAP, (unsigned int)rep, 1);
		r->heap_bytes = mallinfo2().uordblks - heap;
		r->heap_blocks = gm_alloc_live() - blocks;
		r->calls = s / w;
	}
	if (rc)
		bench_die("gmap_map_segment", rc);
	return g;
}

static unsigned long host_of(unsigned long s, unsigned long gaddr)
{
	return HB + gaddr % window(s);
}

/* 1,024 segments at random across S whose host segments differ, 64 pages each, shuffled. */
static void hot_addresses(unsigned long s, unsigned long *a)
{
	unsigned long nseg = s / SEG, seg[HOT_SEGS], n = 0, j, t;

	while (n < HOT_SEGS) {
		unsigned long c = bench_rnd_below(nseg), k;

		for (k = 0; k < n && seg[k] % (window(s) / SEG) != c % (window(s) / SEG); k++)
			;
		if (k == n)
			seg[n++] = c;
	}
	for (unsigned long i = 0; i < NADDR; i++)
		a[i] = seg[i / HOT_PAGES] * SEG + (i % HOT_PAGES) * PAGE_SIZE;
	for (unsigned long i = NADDR - 1; i > 0; i--) {
		j = bench_rnd_below(i + 1);
		t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

static BENCH_NOINLINE unsigned long translate_loop(struct gmap *g, const unsigned long *a)
{
	unsigned long zero = bench_zero, v = 0;

	for (unsigned long i = 0; i < NADDR; i++)
		v = gmap_translate(g, a[i] | (v & zero));
	return v;
}

static BENCH_NOINLINE unsigned long floor_loop(const unsigned long *arr, const unsigned long *a)
{
	unsigned long zero = bench_zero, v = 0;

	for (unsigned long i = 0; i < NADDR; i++)
		v = arr[(a[i] >> _SEGMENT_SHIFT) | (v & zero)];
	return v;
}

static void time_translate(struct gmap *g, unsigned long s, const unsigned long *a,
			   struct result *r, int q, unsigned int rep)
{
	struct probe p;

	for (unsigned long i = 0; i < NADDR; i += 97)
		bench_check(gmap_translate(g, a[i]) == host_of(s, a[i]), "gmap_translate result");
	bench_sink = translate_loop(g, a);
	start(&p);
	bench_sink = translate_loop(g, a);
	stop(&p, r, q, rep, NADDR);
}

/* The floor: one dependent random load per address in an array of S / 1 MiB entries. */
static void time_floor(unsigned long s, const unsigned long *a, struct result *r, unsigned int rep)
{
	size_t len = s / SEG * sizeof(unsigned long);
	unsigned long *arr = mmap(NULL, len, RW, MAP_ANON_PV | MAP_NORESERVE, -1, 0);
	struct probe p;

	if (arr == MAP_FAILED)
		bench_die("mmap floor", 0);
	for (unsigned long i = 0; i < NADDR; i++)
		arr[a[i] >> _SEGMENT_SHIFT] = i;
	bench_sink = floor_loop(arr, a);
	start(&p);
	bench_sink = floor_loop(arr, a);
	stop(&p, r, Q_FLOOR, rep, NADDR);
	munmap(arr, len);
}

static void time_fault(struct gmap *g, const unsigned long *a, struct result *r, unsigned int rep)
{
	struct probe p;
	int rc = 0;

	for (unsigned long i = 0; i < NADDR && !rc; i++)
		rc = gmap_fault(g, a[i], FAULT_FLAG_WRITE);
	if (rc)
		bench_die("gmap_fault (populate)", rc);
	start(&p);
	for (unsigned long i = 0; i < NADDR; i++)
		rc |= gmap_fault(g, a[i], FAULT_FLAG_WRITE);
	stop(&p, r, Q_FAULT, rep, NADDR);
	if (rc)
		bench_die("gmap_fault", rc);
}

static void run_size(const struct params *pa, unsigned long s, struct result *r)
{
	unsigned long *hot = bench_malloc(NADDR * sizeof(*hot));
	unsigned long *spread = bench_malloc(NADDR * sizeof(*spread));
	struct mm_struct *mm;
	struct gmap *g;
	struct probe p;
	int rc;

	for (unsigned int rep = 0; rep < pa->reps; rep++) {
		hot_addresses(s, hot);
		for (unsigned long i = 0; i < NADDR; i++)
			spread[i] = bench_rnd_below(s / PAGE_SIZE) * PAGE_SIZE;
		mm = host(window(s));
		/* Untouched: map, then remove. */
		g = mapped(mm, s, r, (int)rep);
		start(&p);
		gmap_remove(g);
		stop(&p, r, Q_REMOVE, rep, 1);
		gm_quiesce();
		/* Touched: translate, fault, unmap. */
		g = mapped(mm, s, r, -1);
		time_translate(g, s, hot, r, Q_XLATE_HOT, rep);
		time_translate(g, s, spread, r, Q_XLATE_SPREAD, rep);
		time_floor(s, spread, r, rep);
		time_fault(g, hot, r, rep);
		start(&p);
		rc = gmap_unmap_segment(g, 0, s);
		stop(&p, r, Q_UNMAP, rep, 1);
		if (rc)
			bench_die("gmap_unmap_segment", rc);
		gmap_remove(g);
		mm_destroy(mm);
		gm_quiesce();
		/* A host mm with one untouched VMA. */
		mm = host(window(s));
		start(&p);
		mm_destroy(mm);
		stop(&p, r, Q_MM_DESTROY, rep, 1);
		gm_quiesce();
	}
	free(hot);
	free(spread);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_growth [--quick] [--reps N] [--max-gib N] [--window-gib N]\n"
		   "                    [--no-instructions]\n"
		   "  costs of the gmap against the guest size S, as JSON on stdout\n"
		   "  --max-gib N          largest S measured, in GiB (default 65536 = 64 TiB)\n"
		   "  --window-gib N       largest host range one gmap_map_segment() maps (default "
		   "S)\n"
		   "  --no-instructions    no callgrind run for the instruction counts (--quick: "
		   "none)\n"
		   "  --count-instructions (internal) the measurements once, under callgrind\n");
}

static void parse_args(int argc, char **argv, struct params *p)
{
	unsigned long reps = 0, max = 65536, win = 1UL << 24;

	p->instructions = true;

	for (int i = 1; i < argc; i++) {
		if (bench_common_option(argv, &i, usage, &p->quick, &reps))
			continue;
		if (!strcmp(argv[i], "--count-instructions")) {
			p->count_only = true;
			continue;
		}
		if (!strcmp(argv[i], "--no-instructions")) {
			p->instructions = false;
			continue;
		}
		if (!strcmp(argv[i], "--window-gib") && i + 1 < argc) {
			win = bench_parse_num(argv[i], argv[i + 1], 1, 1UL << 24);
			i++;
			continue;
		}
		if (!strcmp(argv[i], "--max-gib") && i + 1 < argc) {
			max = bench_parse_num(argv[i], argv[i + 1], 1, 1UL << 24);
			i++;
			continue;
		}
		usage(stderr);
		exit(2);
	}
	if (p->quick && max > 64)
		max = 64;
	if (p->quick)
		p->instructions = false;
	p->reps = reps ? (unsigned int)reps : (p->quick ? 1 : 5);
	if (p->count_only)
		p->reps = 1;
	p->max = max * GIB;
	p->window = win * GIB;
}

static void print_size(struct json *j, unsigned long s, struct result *r, unsigned int reps)
{
	struct stats st;

	json_open(j, NULL, '{');
	json_ulong(j, "size_gib", s / GIB);
	json_ulong(j, "map_calls", r->calls);
	json_double(j, "heap_mib", (double)r->heap_bytes / (double)MIB, 3);
	json_ulong(j, "heap_bytes", r->heap_bytes);
	json_ulong(j, "heap_blocks", (unsigned long)r->heap_blocks);
	for (int q = 0; q < NQ; q++) {
		char key[64];

		st = stats_of(r->t[q], reps);
		json_double(j, qname[q], st.median, 4);
		snprintf(key, sizeof(key), "%s_min", qname[q]);
		json_double(j, key, st.min, 4);
		snprintf(key, sizeof(key), "%s_ins", qname[q]);
		json_double(j, key, perf_fd >= 0 ? stats_of(r->ins[q], reps).median : r->cg_ins[q],
			    1);
	}
	json_double(j, "spread_over_floor",
		    stats_of(r->t[Q_XLATE_SPREAD], reps).median /
			    stats_of(r->t[Q_FLOOR], reps).median,
		    2);
	json_close(j, '}');
}

static void cg_found(void *ctx, const char *name, unsigned long ir)
{
	struct result *res = ctx;
	unsigned long gib;
	char q_name[48];

	if (sscanf(name, "%lu/%47s", &gib, q_name) != 2)
		return;
	for (unsigned int n = 0; n < NSIZES; n++) {
		if (sizes[n] / GIB != gib)
			continue;
		for (int q = 0; q < NQ; q++)
			if (!strcmp(q_name, qname[q]))
				res[n].cg_ins[q] = (double)ir / ops_of(q);
	}
}

/* Run the measurements again under callgrind, once per size, for the instruction counts. */
static const char *instructions_by_callgrind(const struct params *p, struct result *res)
{
	char self[4096], max[32], win[32];
	char *argv[] = {
		self, "--count-instructions", "--max-gib", max, "--window-gib", win, NULL
	};
	/* Resolved here: under valgrind, /proc/self/exe would be valgrind. */
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (len <= 0)
		return "none";
	self[len] = 0;
	snprintf(max, sizeof(max), "%lu", p->max / GIB);
	snprintf(win, sizeof(win), "%lu", p->window / GIB);
	return bench_cg_run(argv, cg_found, res) ? "callgrind" : "none";
}

int main(int argc, char **argv)
{
	const char *instr_source = "none";
	static struct result res[NSIZES];
	struct params p = { 0 };
	struct bench_machine m;
	struct json j = { 0 };
	unsigned int n = 0;

	bench_set_name("bench_growth");
	parse_args(argc, argv, &p);
	max_window = p.window;
	if (p.count_only) {
		cg_mode = true;
		for (; n < NSIZES && sizes[n] <= p.max; n++) {
			cg_size = sizes[n];
			run_size(&p, sizes[n], &res[n]);
		}
		return 0;
	}
	bench_describe_machine(&m);
	perf_open();
	if (perf_fd >= 0)
		ioctl(perf_fd, PERF_EVENT_IOC_ENABLE, 0);
	for (; n < NSIZES && sizes[n] <= p.max; n++) {
		for (int q = 0; q < NQ; q++)
			res[n].cg_ins[q] = -1;
		run_size(&p, sizes[n], &res[n]);
	}
	bench_machine_done(&m);
	if (perf_fd >= 0)
		instr_source = "perf_event_open";
	else if (p.instructions && !bench_on_valgrind() && !SANITIZED)
		instr_source = instructions_by_callgrind(&p, res);

	json_open(&j, NULL, '{');
	json_str(&j, "benchmark", "bench_growth");
	json_machine_open(&j, &m);
	json_machine_close(&j, &m);
	json_build(&j);
	json_params_open(&j, p.quick, p.reps);
	json_ulong(&j, "addresses", NADDR);
	json_ulong(&j, "window_gib", p.window / GIB);
	json_bool(&j, "instructions_counted", strcmp(instr_source, "none") != 0);
	json_str(&j, "instructions_source", instr_source);
	json_close(&j, '}');
	json_open(&j, "sizes", '[');
	for (unsigned int i = 0; i < n; i++)
		print_size(&j, sizes[i], &res[i], p.reps);
	json_close(&j, ']');
	json_close(&j, '}');
	return fflush(stdout) ? 1 : 0;
}
