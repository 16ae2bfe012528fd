// SPDX-License-Identifier: GPL-2.0
/*
 * bench_vsie - what running guest-3 through shadow gmaps costs, next to guest-2.
 *
 * Guest-2 (a gmap over 64 MiB) holds DAT tables for guest-3: one chain of
 * region-first, region-second, region-third and segment tables and a page
 * table per segment, mapping guest-3 0 .. 16 MiB onto guest-2 16 .. 32 MiB,
 * every data page present in the host.
 *
 * - access hit: vcpu_read() of 8 bytes by guest-2 and vcpu_sie_read() of the
 *   same 8 bytes by guest-3, cycling over 64 pages the TLB holds: the steady
 *   state of a nested access against a single-level one (their ratio is the
 *   "nested / single-level" figure).
 * - shadow fault, PTE only: every shadow table exists, the shadow PTE does not
 *   (the guest-2 page was migrated, which unshadows exactly that PTE):
 *   vsie_shadow_fault() for each of 256 pages.
 * - shadow fault by depth: a fresh shadow (guest-2 stored to its top-level
 *   table, which removes the old one) and the first vsie_shadow_fault() in it,
 *   which builds every level below the ASCE: a segment-table ASCE (page table
 *   and PTE), a region-third ASCE (+ segment table), a region-first ASCE
 *   (+ region-second and region-third tables), and real space (fake tables,
 *   no source pages to protect).
 *
 * Migrations and shadow creation are outside the timed parts. Each case gives
 * ns per operation over its timed runs (median, min, max) and instructions per
 * operation: the program runs itself again under callgrind
 * (--count-instructions), which brackets the same operations (one run each;
 * the depth cases fault after fault) with bench_cg_start()/bench_cg_stop(). Results are
 * checked; a wrong one exits 1. Output: one JSON document on stdout.
 */
#include <endian.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>
#include <gmap/vcpu.h>

#include "bench_instr.h"
#include "bench_g2.h"
#include "bench_util.h"

#define HOT	    64UL
#define PTE_RUN	    256UL	  /* pages of segment 1 faulted per PTE-only run */
#define QUICK_HIT_N 20000UL	  /* accesses per hit run with --quick (and under callgrind) */

struct params {
	bool quick, count_only, no_instructions;
	unsigned int reps;
	unsigned long hit_n;   /* accesses per timed hit run */
	unsigned long depth_n; /* fresh shadows per timed depth run */
};

enum {
	S_G2_HIT,
	S_G3_HIT,
	S_FAULT_PTE,
	S_DEPTH_SEG,
	S_DEPTH_R3,
	S_DEPTH_R1,
	S_DEPTH_REAL,
	NSERIES
};

static struct bench_series series[NSERIES] = {
	[S_G2_HIT] = { "guest2_read_hit", "vcpu_read() of 8 bytes, TLB hit (single level)" },
	[S_G3_HIT] = { "guest3_read_hit", "vcpu_sie_read() of 8 bytes, TLB hit (nested)" },
	[S_FAULT_PTE] = { "shadow_fault_pte_only",
			  "vsie_shadow_fault(), every shadow table present, the PTE not" },
	[S_DEPTH_SEG] = { "shadow_fault_segment_asce",
			  "first vsie_shadow_fault() in a fresh shadow: page table + PTE" },
	[S_DEPTH_R3] = { "shadow_fault_region3_asce", "as segment_asce + a segment table" },
	[S_DEPTH_R1] = { "shadow_fault_region1_asce",
			 "as region3_asce + region-second and region-third tables" },
	[S_DEPTH_REAL] = { "shadow_fault_real_space",
			   "first fault in a fresh real-space shadow (fake tables)" },
};

static double instr[NSERIES]; /* instructions per operation, from the callgrind run */
static const char *instr_source = "none";
static struct g2 guest2;
static struct vcpu *cpu;

/* ---- guest-2 and its tables for guest-3 ----------------------------------------------------- */

/* Guest-2 and its tables; each data page holds one word. */
static void build_guest2(void)
{
	unsigned long page = 0x5a;
	int rc;

	g2_build(&guest2);
	for (unsigned long p = 0; p < G3_PAGES; p++) {
		rc = mm_write(guest2.mm, G2_HOST + G3_DATA + p * PAGE_SIZE, &page, sizeof(page));
		if (rc)
			bench_die("mm_write (populate)", rc);
	}
	cpu = vcpu_create();
	bench_check(cpu != NULL, "vcpu_create");
	gmap_enable(guest2.parent);
}

static unsigned long asce_of(int s)
{
	switch (s) {
	case S_DEPTH_SEG:
		return g2_asce(_ASCE_TYPE_SEGMENT);
	case S_DEPTH_R3:
		return g2_asce(_ASCE_TYPE_REGION3);
	case S_DEPTH_R1:
		return g2_asce(_ASCE_TYPE_REGION1);
	default:
		return _ASCE_REAL_SPACE;
	}
}

/* ---- the cases ------------------------------------------------------------------------------ */

static BENCH_NOINLINE void read_loop(bool nested, unsigned long n)
{
	unsigned long v, base = nested ? 0 : G3_DATA;
	int rc;

	for (unsigned long i = 0; i < n; i++) {
		rc = nested ? vcpu_sie_read(cpu, base + (i % HOT) * PAGE_SIZE, &v, sizeof(v))
			    : vcpu_read(cpu, base + (i % HOT) * PAGE_SIZE, &v, sizeof(v));
		if (rc)
			bench_die(nested ? "vcpu_sie_read" : "vcpu_read", rc);
		bench_sink = v;
	}
	bench_check(bench_sink == 0x5a, "the data page's byte");
}

static void run_hits(const struct params *p)
{
	struct bench_probe pr;
	int rc = vcpu_sie_enter(cpu, asce_of(S_DEPTH_R1), 1, 0);

	if (rc)
		bench_die("vcpu_sie_enter", rc);
	for (unsigned int r = 0; r < p->reps; r++)
		for (int nested = 0; nested < 2; nested++) {
			read_loop(nested, HOT); /* warm the TLB */
			series[S_G2_HIT + nested].per_run = p->hit_n;
			if (p->count_only) {
				bench_cg_start();
				read_loop(nested, p->hit_n);
				bench_cg_stop(series[S_G2_HIT + nested].name);
				continue;
			}
			bench_probe_start(&pr);
			read_loop(nested, p->hit_n);
			bench_probe_end(&pr, &series[S_G2_HIT + nested]);
		}
	vcpu_sie_exit(cpu);
}

static struct gmap *take_shadow(unsigned long asce, int edat_level)
{
	struct gmap *sg;

	for (int i = 0; i < 100; i++) {
		sg = gmap_shadow(guest2.parent, asce, edat_level);
		if (!IS_ERR(sg))
			return sg;
		if (PTR_ERR(sg) != -EAGAIN)
			bench_die("gmap_shadow", PTR_ERR(sg));
	}
	bench_die("gmap_shadow", -EAGAIN);
}

static void fault(struct gmap *sg, unsigned long saddr)
{
	int rc = vsie_shadow_fault(sg, saddr, NULL);

	if (rc)
		bench_die("vsie_shadow_fault", rc);
}

static void run_fault_pte(const struct params *p)
{
	struct gmap *sg = take_shadow(asce_of(S_DEPTH_R1), 1);
	unsigned long seg1 = 1UL << _SEGMENT_SHIFT;
	struct bench_probe pr;
	int rc;

	fault(sg, seg1); /* the tables down to segment 1's page table */
	series[S_FAULT_PTE].per_run = PTE_RUN;
	for (unsigned int r = 0; r < p->reps; r++) {
		for (unsigned long j = 0; j < PTE_RUN; j++) {
			rc = mm_migrate_page(guest2.mm, G2_HOST + G3_DATA + seg1 + j * PAGE_SIZE);
			if (rc)
				bench_die("mm_migrate_page", rc);
		}
		if (p->count_only) {
			bench_cg_start();
			for (unsigned long j = 0; j < PTE_RUN; j++)
				fault(sg, seg1 + j * PAGE_SIZE);
			bench_cg_stop(series[S_FAULT_PTE].name);
			continue;
		}
		bench_probe_start(&pr);
		for (unsigned long j = 0; j < PTE_RUN; j++)
			fault(sg, seg1 + j * PAGE_SIZE);
		bench_probe_end(&pr, &series[S_FAULT_PTE]);
	}
	gmap_put(sg);
}

static void run_depth(const struct params *p, int s)
{
	struct bench_series *ser = &series[s];
	struct gmap *sg;
	double t, total;

	ser->per_run = p->depth_n;
	for (unsigned int r = 0; r < p->reps; r++) {
		total = 0;
		for (unsigned long i = 0; i < p->depth_n; i++) {
			/*
			 * Frees of the last shadow's tables done first, so that every
			 * fault allocates alike. A real-space shadow has no source
			 * table to store to: the other EDAT level replaces it.
			 */
			g2_drop_shadows(&guest2); /* every shadow built on them goes */
			gm_quiesce();
			sg = take_shadow(asce_of(s), s == S_DEPTH_REAL ? (int)(i & 1) : 1);
			if (p->count_only)
				bench_cg_start();
			t = bench_now_ns();
			fault(sg, 5 * PAGE_SIZE);
			total += bench_now_ns() - t;
			if (p->count_only)
				bench_cg_stop(ser->name);
			gmap_put(sg);
		}
		if (p->count_only)
			continue;
		bench_check(ser->n < BENCH_MAX_SAMPLES, "samples");
		ser->v[ser->n++] = total / (double)p->depth_n;
	}
}

/* ---- JSON and main -------------------------------------------------------------------------- */

/* ---- instructions under callgrind ---------------------------------------------------------- */

struct cg_sum {
	double ir[NSERIES];
	unsigned long dumps[NSERIES];
};

static void cg_found(void *ctx, const char *name, unsigned long ir)
{
	struct cg_sum *cg = ctx;

	for (int i = 0; i < NSERIES; i++)
		if (!strcmp(name, series[i].name)) {
			cg->ir[i] += (double)ir;
			cg->dumps[i]++;
		}
}

/*
 * Run this program again under callgrind (one repetition of the quick counts:
 * the counts per operation do not need more) and divide by the operations.
 */
static void instructions_by_callgrind(const char *self)
{
	char *argv[] = { (char *)self, "--count-instructions", "--reps", "1", "--quick", NULL };
	struct cg_sum cg = { { 0 }, { 0 } };
	double ops;

	if (!bench_cg_run(argv, cg_found, &cg))
		return;
	for (int i = 0; i < NSERIES; i++) {
		/* A dump per loop of per_run operations; the depth cases dump per fault. */
		ops = i >= S_DEPTH_SEG	 ? 1.0
		      : i == S_FAULT_PTE ? (double)PTE_RUN
					 : (double)QUICK_HIT_N;
		if (cg.dumps[i])
			instr[i] = cg.ir[i] / ((double)cg.dumps[i] * ops);
	}
	instr_source = "callgrind";
}

static void print_series(struct json *j, const struct bench_series *s)
{
	struct stats st = stats_of(s->v, s->n);

	json_open(j, NULL, '{');
	json_str(j, "name", s->name);
	json_str(j, "what", s->what);
	json_ulong(j, "ops_per_rep", s->per_run);
	json_stats(j, "ns", &st, 1);
	json_double(j, "instructions", instr[s - series], 1);
	json_ulong(j, "preempted_runs", s->preempted);
	json_close(j, '}');
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_vsie [--quick] [--reps N] [--no-instructions] [--help]\n"
		   "\n"
		   "Cost of guest-3 accesses through shadow gmaps next to guest-2's own, and of\n"
		   "the shadow fault by the depth it builds. Prints one JSON document.\n"
		   "\n"
		   "  --quick   few repetitions and small counts (smoke test)\n"
		   "  --reps N  repetitions per measurement (default 11, at most 64)\n"
		   "  --no-instructions  skip the instruction counts (a run under callgrind)\n"
		   "  --help    this text\n");
}

static void parse_args(int argc, char **argv, struct params *p)
{
	unsigned long reps = 0;

	for (int i = 1; i < argc; i++) {
		if (bench_common_option(argv, &i, usage, &p->quick, &reps))
			continue;
		if (!strcmp(argv[i], "--count-instructions")) {
			p->count_only = true;
		} else if (!strcmp(argv[i], "--no-instructions")) {
			p->no_instructions = true;
		} else {
			fprintf(stderr, "bench_vsie: unknown option %s\n", argv[i]);
			usage(stderr);
			exit(2);
		}
	}
	p->reps = p->quick ? 3 : 11;
	p->hit_n = p->quick ? QUICK_HIT_N : 2000000;
	p->depth_n = p->quick ? 5 : 40;
	if (reps)
		p->reps = (unsigned int)reps;
}

int main(int argc, char **argv)
{
	struct params p = { 0 };
	struct bench_machine m;
	struct json j = { 0 };
	double g2, g3;

	bench_set_name("bench_vsie");
	parse_args(argc, argv, &p);
	bench_describe_machine(&m);
	build_guest2();
	run_hits(&p);
	run_fault_pte(&p);
	for (int s = S_DEPTH_SEG; s <= S_DEPTH_REAL; s++)
		run_depth(&p, s);
	bench_machine_done(&m);
	if (p.count_only)
		goto out;
	if (!p.no_instructions && !bench_on_valgrind())
		instructions_by_callgrind(argv[0]);

	json_open(&j, NULL, '{');
	json_str(&j, "benchmark", "bench_vsie");
	json_machine_open(&j, &m);
	json_machine_close(&j, &m);
	json_build(&j);
	json_params_open(&j, p.quick, p.reps);
	json_ulong(&j, "hit_accesses_per_rep", p.hit_n);
	json_ulong(&j, "fresh_shadows_per_rep", p.depth_n);
	json_str(&j, "instructions_from", instr_source);
	json_close(&j, '}');
	json_open(&j, "cases", '[');
	for (unsigned int i = 0; i < NSERIES; i++)
		print_series(&j, &series[i]);
	json_close(&j, ']');
	g2 = stats_of(series[S_G2_HIT].v, series[S_G2_HIT].n).median;
	g3 = stats_of(series[S_G3_HIT].v, series[S_G3_HIT].n).median;
	json_double(&j, "nested_over_single_level_ns", g3 / g2, 2);
	json_close(&j, '}');
out:
	gmap_disable(guest2.parent);
	vcpu_destroy(cpu);
	g2_destroy(&guest2);
	return fflush(stdout) ? 1 : 0;
}
