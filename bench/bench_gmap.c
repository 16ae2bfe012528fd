// SPDX-License-Identifier: GPL-2.0
/*
 * bench_gmap - cost of the guest address space's own operations.
 *
 * - translate: gmap_translate() (lock-free from guest_to_host's cache of ranges,
 *   mmap_lock for reading on a miss) and __gmap_translate() (lock held by the
 *   caller) with 1, 64 and 4,096 mapped segments in one range, and with 32 and
 *   4,096 one-segment ranges (every other segment mapped: the cache's 64 slots
 *   hold 32 such ranges, and 4,096 miss nearly always); the guest address of
 *   each call depends on the result of the previous one (result & a zero the
 *   compiler cannot see), so this is latency. One address per segment (16 in
 *   the one-segment case), shuffled, cycled.
 * - fault, populated: gmap_fault() on pages that are present in the host and
 *   whose segment is linked: the steady-state cost of a fault the guest takes on
 *   a page the gmap already reaches (e.g. after a PROT_READ arm), read and write.
 * - fault, unlinked: the host page is present, the guest segment is mapped but
 *   not linked: gmap_fault() only links (one call per segment, a fresh gmap on
 *   the same mm every repetition).
 * - fault, first touch: nothing exists below the guest mapping: the host page
 *   table, the frame and the link are made by the fault ("segment"); and the
 *   same with every guest segment in a region-third entry of its own, so that
 *   each fault also allocates a gmap segment table ("region"). A fresh mm and
 *   gmap every repetition.
 * - notify: gmap_mprotect_notify(PROT_READ) of one present, linked page (arm);
 *   then a host change of it that fires the notifier (a counter), against the
 *   same change unarmed: ptep_xchg_direct() of the PTE with its own value (the
 *   primitive every host change goes through; dispatch = armed - unarmed), and
 *   mm_migrate_page() (round trip = arm + armed migration; overhead = armed -
 *   unarmed migration, which drowns in the migration's own noise).
 *
 * Every case reports ns per operation over its timed runs (median, min, max),
 * the kernel's minor faults per operation (the pool maps 2 MiB chunks on first
 * use) and how many runs were preempted. Deferred frees are waited for outside
 * the timed loops. Results are checked; a wrong one exits 1.
 *
 * Output: one JSON document on stdout.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>

#include "bench_util.h"

#define SEG	   _SEGMENT_SIZE
#define R3_SIZE	   (1UL << 31)	   /* one region-third entry */
#define HBASE	   0x10000000000UL /* host mappings, 1 TiB */
#define HOT_FAULTS 256UL	   /* populated pages the hot fault loop cycles through */
/*
 * Few enough that the migrations' new frames come from the pool chunk that keeps the
 * page table alive: no chunk is returned to the system and mapped again, which would
 * add kernel faults to one series and not the other.
 */
#define NOTIFY_PGS  128UL
#define RW	    (PROT_READ | PROT_WRITE)
#define MAP_ANON_PV (MAP_PRIVATE | MAP_ANONYMOUS)

struct params {
	bool quick;
	unsigned int reps;
	unsigned long translate_n; /* calls per timed translate run */
	unsigned long fault_n;	   /* calls per timed populated-fault run */
	unsigned long segs;	   /* segments per unlinked / first-touch run */
};

/* The measured series, in the order of the JSON. */
enum {
	S_XLATE_1,
	S_XLATE_64,
	S_XLATE_4096,
	S_XLATE_LOCKED_1,
	S_XLATE_LOCKED_64,
	S_XLATE_LOCKED_4096,
	S_XLATE_RANGES_32,
	S_XLATE_RANGES_4096,
	S_XLATE_LOCKED_RANGES_32,
	S_XLATE_LOCKED_RANGES_4096,
	S_FAULT_READ,
	S_FAULT_WRITE,
	S_FAULT_UNLINKED,
	S_FAULT_FIRST_SEG,
	S_FAULT_FIRST_REGION,
	S_KERNEL_FIRST_TOUCH,
	S_ARM,
	S_XCHG_ARMED,
	S_XCHG_PLAIN,
	S_DISPATCH,
	S_MIGRATE_ARMED,
	S_MIGRATE_PLAIN,
	S_ROUND_TRIP,
	S_NOTIFY_OVERHEAD,
	NSERIES
};

/* ---- address spaces ------------------------------------------------------------------------- */

static struct mm_struct *new_mm(void)
{
	struct mm_struct *mm = mm_create();

	if (!mm)
		bench_die("mm_create", 0);
	return mm;
}

static struct gmap *new_gmap(struct mm_struct *mm, unsigned long limit)
{
	struct gmap *g = gmap_create(mm, limit);

	if (!g)
		bench_die("gmap_create", 0);
	return g;
}

static void host_map(struct mm_struct *mm, unsigned long addr, unsigned long len)
{
	unsigned long rc = mm_mmap(mm, addr, len, RW, MAP_ANON_PV | MAP_FIXED);

	if (rc != addr)
		bench_die("mm_mmap", (long)rc);
}

static void map_segments(struct gmap *g, unsigned long from, unsigned long to, unsigned long len)
{
	int rc = gmap_map_segment(g, from, to, len);

	if (rc)
		bench_die("gmap_map_segment", rc);
}

static void fault(struct gmap *g, unsigned long gaddr, unsigned int flags)
{
	int rc = gmap_fault(g, gaddr, flags);

	if (rc)
		bench_die("gmap_fault", rc);
}

static void teardown(struct mm_struct *mm, struct gmap *g)
{
	gmap_remove(g);
	mm_destroy(mm);
	gm_quiesce();
}

/* ---- translate ------------------------------------------------------------------------------ */

static BENCH_NOINLINE unsigned long translate_loop(struct gmap *g, const unsigned long *seq,
						   unsigned long mask, unsigned long n)
{
	unsigned long zero = bench_zero, v = 0;

	for (unsigned long i = 0; i < n; i++)
		v = gmap_translate(g, seq[i & mask] | (v & zero));
	return v;
}

static BENCH_NOINLINE unsigned long translate_locked_loop(struct gmap *g, const unsigned long *seq,
							  unsigned long mask, unsigned long n)
{
	unsigned long zero = bench_zero, v = 0;

	for (unsigned long i = 0; i < n; i++)
		v = __gmap_translate(g, seq[i & mask] | (v & zero));
	return v;
}

/*
 * One guest address per mapped segment (at least 16), in random order; the host is the
 * guest + HBASE. @stride 1: segments 0..@nseg-1, one range; 2: every other segment of
 * 0..2 @nseg - 1, each a range of its own.
 */
static unsigned long *translate_addresses(unsigned long nseg, unsigned long stride,
					  unsigned long *count)
{
	unsigned long n = nseg < 16 ? 16 : nseg, *seq = bench_malloc(n * sizeof(*seq)), j, t;

	for (unsigned long i = 0; i < n; i++)
		seq[i] = (i % nseg) * stride * SEG + (bench_rnd() & (SEG - 8));
	for (unsigned long i = n - 1; i > 0; i--) {
		j = bench_rnd() % (i + 1);
		t = seq[i];
		seq[i] = seq[j];
		seq[j] = t;
	}
	*count = n;
	return seq;
}

static void run_translate(const struct params *p, unsigned long nseg, unsigned long stride,
			  struct bench_series *s, struct bench_series *locked)
{
	struct mm_struct *mm = new_mm();
	struct gmap *g = new_gmap(mm, (1UL << 42) - 1);
	unsigned long count, *seq = translate_addresses(nseg, stride, &count);
	struct bench_probe pr;

	if (stride == 1)
		map_segments(g, HBASE, 0, nseg * SEG);
	else
		for (unsigned long i = 0; i < nseg; i++)
			map_segments(g, HBASE + i * stride * SEG, i * stride * SEG, SEG);
	for (unsigned long i = 0; i < count; i++)
		bench_check(gmap_translate(g, seq[i]) == HBASE + seq[i], "gmap_translate result");
	s->per_run = locked->per_run = p->translate_n;
	for (unsigned int r = 0; r < p->reps; r++) {
		bench_sink = translate_loop(g, seq, count - 1, p->translate_n / 16);
		bench_probe_start(&pr);
		bench_sink = translate_loop(g, seq, count - 1, p->translate_n);
		bench_probe_end(&pr, s);
		mmap_read_lock(mm);
		bench_probe_start(&pr);
		bench_sink = translate_locked_loop(g, seq, count - 1, p->translate_n);
		bench_probe_end(&pr, locked);
		mmap_read_unlock(mm);
	}
	free(seq);
	teardown(mm, g);
}

/* ---- faults --------------------------------------------------------------------------------- */

static BENCH_NOINLINE void fault_loop(struct gmap *g, const unsigned long *seq, unsigned long mask,
				      unsigned long n, unsigned int flags)
{
	for (unsigned long i = 0; i < n; i++)
		fault(g, seq[i & mask], flags);
}

/* Populated and linked: 256 pages over 64 segments, written (dirty) so no fault changes a PTE. */
static void run_fault_populated(const struct params *p, struct bench_series *rd,
				struct bench_series *wr)
{
	struct mm_struct *mm = new_mm();
	struct gmap *g = new_gmap(mm, (1UL << 42) - 1);
	unsigned long seq[HOT_FAULTS];
	struct mm_stats before, after;
	struct bench_probe pr;

	host_map(mm, HBASE, 64 * SEG);
	map_segments(g, HBASE, 0, 64 * SEG);
	for (unsigned long i = 0; i < HOT_FAULTS; i++) {
		seq[i] = (i % 64) * SEG + (bench_rnd() % 256) * PAGE_SIZE +
			 (bench_rnd() & (PAGE_SIZE - 8));
		fault(g, seq[i], FAULT_FLAG_WRITE);
	}
	mm_get_stats(mm, &before);
	rd->per_run = wr->per_run = p->fault_n;
	for (unsigned int r = 0; r < p->reps; r++) {
		fault_loop(g, seq, HOT_FAULTS - 1, p->fault_n / 16, 0);
		bench_probe_start(&pr);
		fault_loop(g, seq, HOT_FAULTS - 1, p->fault_n, 0);
		bench_probe_end(&pr, rd);
		bench_probe_start(&pr);
		fault_loop(g, seq, HOT_FAULTS - 1, p->fault_n, FAULT_FLAG_WRITE);
		bench_probe_end(&pr, wr);
	}
	mm_get_stats(mm, &after);
	bench_check(after.faults == before.faults, "populated faults changed no PTE");
	teardown(mm, g);
}

/* One fault per segment at the same page of each; the guest segment j is at j * @stride. */
static BENCH_NOINLINE void fault_segments(struct gmap *g, unsigned long nseg, unsigned long stride,
					  unsigned int flags)
{
	for (unsigned long j = 0; j < nseg; j++)
		fault(g, j * stride + 0x5008, flags);
}

/* The guest segments are mapped to host segments whose pages exist: the fault only links. */
static void run_fault_unlinked(const struct params *p, struct bench_series *s)
{
	struct mm_struct *mm = new_mm();
	unsigned long one = 1;
	struct bench_probe pr;

	host_map(mm, HBASE, p->segs * SEG);
	for (unsigned long j = 0; j < p->segs; j++)
		bench_check(!mm_write(mm, HBASE + j * SEG + 0x5008, &one, sizeof(one)), "mm_write");
	s->per_run = p->segs;
	for (unsigned int r = 0; r < p->reps; r++) {
		struct gmap *g = new_gmap(mm, (1UL << 42) - 1);

		map_segments(g, HBASE, 0, p->segs * SEG);
		bench_probe_start(&pr);
		fault_segments(g, p->segs, SEG, 0);
		bench_probe_end(&pr, s);
		gmap_remove(g);
		gm_quiesce();
	}
	mm_destroy(mm);
	gm_quiesce();
}

/*
 * First touch. The guest segments are @stride apart: SEG puts them in one gmap
 * segment table, R3_SIZE gives each a segment table of its own.
 */
static void run_fault_first_touch(const struct params *p, unsigned long stride,
				  struct bench_series *s)
{
	struct bench_probe pr;

	s->per_run = p->segs;
	for (unsigned int r = 0; r < p->reps; r++) {
		struct mm_struct *mm = new_mm();
		struct gmap *g = new_gmap(mm, (1UL << 42) - 1);
		struct mm_stats st;

		host_map(mm, HBASE, p->segs * SEG);
		for (unsigned long j = 0; j < p->segs; j++)
			map_segments(g, HBASE + j * SEG, j * stride, SEG);
		bench_probe_start(&pr);
		fault_segments(g, p->segs, stride, FAULT_FLAG_WRITE);
		bench_probe_end(&pr, s);
		mm_get_stats(mm, &st);
		bench_check(st.page_tables == p->segs && st.zero_fills == p->segs, "first touch");
		teardown(mm, g);
	}
}

/*
 * The floor of a first touch in this process: the kernel's own fault on a fresh
 * anonymous page, which the pool's chunks of 2 MiB also pay the first time each
 * of their pages is used (the first-touch cases report how often).
 */
static void run_kernel_first_touch(const struct params *p, struct bench_series *s)
{
	unsigned long len = p->segs * 2 * PAGE_SIZE;
	struct bench_probe pr;

	s->per_run = p->segs * 2;
	for (unsigned int r = 0; r < p->reps; r++) {
		unsigned char *mem = mmap(NULL, len, RW, MAP_ANON_PV, -1, 0);

		if (mem == MAP_FAILED)
			bench_die("mmap", errno);
		bench_probe_start(&pr);
		for (unsigned long off = 0; off < len; off += PAGE_SIZE)
			((volatile unsigned char *)mem)[off] = 1;
		bench_probe_end(&pr, s);
		munmap(mem, len);
	}
}

/* ---- notify --------------------------------------------------------------------------------- */

static unsigned long notified;

static void count_call(struct gmap *g, unsigned long start, unsigned long end)
{
	(void)g;
	(void)start;
	(void)end;
	notified++;
}

static BENCH_NOINLINE void arm_loop(struct gmap *g, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		int rc = gmap_mprotect_notify(g, i * PAGE_SIZE, PAGE_SIZE, PROT_READ);

		if (rc)
			bench_die("gmap_mprotect_notify", rc);
	}
}

static BENCH_NOINLINE void migrate_loop(struct mm_struct *mm, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		int rc = mm_migrate_page(mm, HBASE + i * PAGE_SIZE);

		if (rc)
			bench_die("mm_migrate_page", rc);
	}
}

/* Exchange every PTE for its own value: the primitive every host change goes through. */
static BENCH_NOINLINE void xchg_loop(struct mm_struct *mm, unsigned long n)
{
	spinlock_t *ptl;
	pte_t *ptep;

	mmap_read_lock(mm);
	for (unsigned long i = 0; i < n; i++) {
		ptep = get_locked_pte(mm, HBASE + i * PAGE_SIZE, &ptl);
		if (!ptep)
			bench_die("get_locked_pte", 0);
		ptep_xchg_direct(mm, HBASE + i * PAGE_SIZE, ptep, *ptep);
		pte_unmap_unlock(ptep, ptl);
	}
	mmap_read_unlock(mm);
}

/* Time @fn over the notify pages into @s; the notifier must then have run @want_notified times. */
static void time_host_change(struct mm_struct *mm, void (*fn)(struct mm_struct *, unsigned long),
			     struct bench_series *s, unsigned long want_notified)
{
	struct bench_probe pr;

	/* Each run starts with the frames of the last migration back in the pool. */
	gm_quiesce();
	bench_probe_start(&pr);
	fn(mm, NOTIFY_PGS);
	bench_probe_end(&pr, s);
	bench_check(notified == want_notified, "one notification per armed page, none unarmed");
}

static void time_arm(struct gmap *g, struct bench_series *s)
{
	struct bench_probe pr;

	bench_probe_start(&pr);
	arm_loop(g, NOTIFY_PGS);
	bench_probe_end(&pr, s);
}

static void run_notify(const struct params *p, struct bench_series *s)
{
	struct gmap_notifier nb = { .notifier_call = count_call };
	struct mm_struct *mm = new_mm();
	struct gmap *g = new_gmap(mm, (1UL << 42) - 1);

	host_map(mm, HBASE, SEG);
	map_segments(g, HBASE, 0, SEG);
	for (unsigned long i = 0; i < NOTIFY_PGS; i++)
		fault(g, i * PAGE_SIZE, FAULT_FLAG_WRITE);
	/* Warm-up: every frame the migrations will use has been touched. */
	for (int i = 0; i < 4; i++) {
		migrate_loop(mm, NOTIFY_PGS);
		gm_quiesce();
	}
	gmap_register_pte_notifier(&nb);
	for (unsigned int i = S_ARM; i <= S_NOTIFY_OVERHEAD; i++)
		s[i].per_run = NOTIFY_PGS;
	for (unsigned int r = 0; r < p->reps; r++) {
		notified = 0;
		time_arm(g, &s[S_ARM]);
		time_host_change(mm, xchg_loop, &s[S_XCHG_ARMED], NOTIFY_PGS);
		time_host_change(mm, xchg_loop, &s[S_XCHG_PLAIN], NOTIFY_PGS);
		bench_series_combine(&s[S_DISPATCH], &s[S_XCHG_ARMED], &s[S_XCHG_PLAIN], -1);
		time_arm(g, &s[S_ARM]);
		time_host_change(mm, migrate_loop, &s[S_MIGRATE_ARMED], 2 * NOTIFY_PGS);
		time_host_change(mm, migrate_loop, &s[S_MIGRATE_PLAIN], 2 * NOTIFY_PGS);
		bench_series_combine(&s[S_ROUND_TRIP], &s[S_ARM], &s[S_MIGRATE_ARMED], 1);
		bench_series_combine(&s[S_NOTIFY_OVERHEAD], &s[S_MIGRATE_ARMED],
				     &s[S_MIGRATE_PLAIN], -1);
	}
	gmap_unregister_pte_notifier(&nb);
	teardown(mm, g);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void print_params(struct json *j, const struct params *p)
{
	json_params_open(j, p->quick, p->reps);
	json_ulong(j, "translate_calls_per_rep", p->translate_n);
	json_ulong(j, "populated_faults_per_rep", p->fault_n);
	json_ulong(j, "segments_per_rep", p->segs);
	json_str(j, "clock", "CLOCK_MONOTONIC");
	json_close(j, '}');
}

static void print_series(struct json *j, const struct bench_series *s)
{
	struct stats st = stats_of(s->v, s->n), fl = stats_of(s->minflt, s->n);

	json_open(j, NULL, '{');
	json_str(j, "name", s->name);
	json_str(j, "what", s->what);
	json_ulong(j, "ops_per_rep", s->per_run);
	json_stats(j, "ns", &st, 1);
	json_double(j, "kernel_minflt_per_op_median", fl.median, 3);
	json_ulong(j, "preempted_runs", s->preempted);
	json_close(j, '}');
}

/* ---- main ----------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_gmap [--quick] [--reps N] [--help]\n"
		   "\n"
		   "Cost of gmap_translate(), gmap_fault() on populated, unlinked and untouched\n"
		   "memory, and of a gmap_mprotect_notify() arm with its notification. Prints one\n"
		   "JSON document.\n"
		   "\n"
		   "  --quick   few repetitions and small counts (smoke test)\n"
		   "  --reps N  repetitions per measurement (default 11, at most 64)\n"
		   "  --help    this text\n");
}

static void parse_args(int argc, char **argv, struct params *p)
{
	unsigned long reps = 0;

	for (int i = 1; i < argc; i++) {
		if (!bench_common_option(argv, &i, usage, &p->quick, &reps)) {
			fprintf(stderr, "bench_gmap: unknown option %s\n", argv[i]);
			usage(stderr);
			exit(2);
		}
	}
	p->reps = p->quick ? 3 : 11;
	p->translate_n = p->quick ? 20000 : 2000000;
	p->fault_n = p->quick ? 2000 : 200000;
	p->segs = p->quick ? 32 : 512;
	if (reps)
		p->reps = (unsigned int)reps;
}

static struct bench_series series[NSERIES] = {
	[S_XLATE_1] = { "translate_1_segment", "gmap_translate(), 1 mapped segment" },
	[S_XLATE_64] = { "translate_64_segments", "gmap_translate(), 64 mapped segments" },
	[S_XLATE_4096] = { "translate_4096_segments", "gmap_translate(), 4096 mapped segments" },
	[S_XLATE_LOCKED_1] = { "translate_locked_1_segment",
			       "__gmap_translate() under a held mmap_lock, 1 segment" },
	[S_XLATE_LOCKED_64] = { "translate_locked_64_segments",
				"__gmap_translate() under a held mmap_lock, 64 segments" },
	[S_XLATE_LOCKED_4096] = { "translate_locked_4096_segments",
				  "__gmap_translate() under a held mmap_lock, 4096 segments" },
	[S_XLATE_RANGES_32] = { "translate_32_ranges",
				"gmap_translate(), 32 one-segment ranges (one per cache slot)" },
	[S_XLATE_RANGES_4096] = { "translate_4096_ranges",
				  "gmap_translate(), 4096 one-segment ranges (64 per cache slot)" },
	[S_XLATE_LOCKED_RANGES_32] = { "translate_locked_32_ranges",
				       "__gmap_translate() under a held mmap_lock, 32 ranges" },
	[S_XLATE_LOCKED_RANGES_4096] = { "translate_locked_4096_ranges",
					 "__gmap_translate() under a held mmap_lock, 4096 ranges" },
	[S_FAULT_READ] = { "fault_populated_read", "gmap_fault(0), page present and linked" },
	[S_FAULT_WRITE] = { "fault_populated_write",
			    "gmap_fault(FAULT_FLAG_WRITE), page present, dirty and linked" },
	[S_FAULT_UNLINKED] = { "fault_unlinked",
			       "gmap_fault(0), host page present, segment not linked: link" },
	[S_FAULT_FIRST_SEG] = { "fault_first_touch_segment",
				"gmap_fault(WRITE), untouched: host page table, frame, link" },
	[S_FAULT_FIRST_REGION] = { "fault_first_touch_region",
				   "as first_touch_segment + a new gmap segment table" },
	[S_KERNEL_FIRST_TOUCH] = { "kernel_first_touch",
				   "the kernel's fault on a fresh anonymous page (floor)" },
	[S_ARM] = { "notify_arm", "gmap_mprotect_notify(PROT_READ) of one linked page" },
	[S_XCHG_ARMED] = { "notify_xchg_armed",
			   "ptep_xchg_direct() of an armed PTE (same value): notifier included" },
	[S_XCHG_PLAIN] = { "notify_xchg_unarmed", "ptep_xchg_direct() of the same PTE, unarmed" },
	[S_DISPATCH] = { "notify_dispatch",
			 "armed - unarmed exchange: ptep_notify() to the notifier" },
	[S_MIGRATE_ARMED] = { "notify_migrate_armed",
			      "mm_migrate_page() of an armed page, notifier included" },
	[S_MIGRATE_PLAIN] = { "notify_migrate_unarmed", "mm_migrate_page() of the same, unarmed" },
	[S_ROUND_TRIP] = { "notify_round_trip", "arm + armed migration with its notification" },
	[S_NOTIFY_OVERHEAD] = { "notify_migrate_overhead", "armed - unarmed migration" },
};

int main(int argc, char **argv)
{
	static const unsigned long nsegs[] = { 1, 64, 4096 };
	struct params p = { 0 };
	struct bench_machine m;
	struct json j = { 0 };

	bench_set_name("bench_gmap");
	parse_args(argc, argv, &p);
	bench_describe_machine(&m);

	for (unsigned int i = 0; i < 3; i++)
		run_translate(&p, nsegs[i], 1, &series[S_XLATE_1 + i],
			      &series[S_XLATE_LOCKED_1 + i]);
	run_translate(&p, 32, 2, &series[S_XLATE_RANGES_32], &series[S_XLATE_LOCKED_RANGES_32]);
	run_translate(&p, 4096, 2, &series[S_XLATE_RANGES_4096],
		      &series[S_XLATE_LOCKED_RANGES_4096]);
	run_fault_populated(&p, &series[S_FAULT_READ], &series[S_FAULT_WRITE]);
	run_fault_unlinked(&p, &series[S_FAULT_UNLINKED]);
	run_fault_first_touch(&p, SEG, &series[S_FAULT_FIRST_SEG]);
	run_fault_first_touch(&p, R3_SIZE, &series[S_FAULT_FIRST_REGION]);
	run_kernel_first_touch(&p, &series[S_KERNEL_FIRST_TOUCH]);
	run_notify(&p, series);
	bench_machine_done(&m);

	json_open(&j, NULL, '{');
	json_str(&j, "benchmark", "bench_gmap");
	json_machine_open(&j, &m);
	json_machine_close(&j, &m);
	json_build(&j);
	print_params(&j, &p);
	json_open(&j, "cases", '[');
	for (unsigned int i = 0; i < NSERIES; i++)
		print_series(&j, &series[i]);
	json_close(&j, ']');
	json_close(&j, '}');
	return fflush(stdout) ? 1 : 0;
}
