// SPDX-License-Identifier: GPL-2.0
/*
 * bench_2d - the same guest-3 workload served two ways: through shadow gmaps
 * (vcpu_sie_read(), today's vSIE path) and through a two-dimensional walk
 * without shadows (tests/common/twod.h: guest-2's tables walked in guest-2
 * memory on every TLB miss, each entry translated through the parent, a
 * tagged TLB of the same size in front), and where each wins.
 *
 * Two identical worlds, one per method, so that neither pays for the other's
 * state (the shadow's write-protected guest-2 table pages): guest-2 has 64
 * MiB; its tables for guest-3 are one chain of region-first, region-second,
 * region-third and segment tables with 16 page tables, mapping guest-3 0 ..
 * 16 MiB onto guest-2 16 .. 32 MiB; guest-2 32 .. 48 MiB holds a copy of the
 * same pages (the first word of each is its guest-3 page number).
 *
 * The workload: 8-byte reads at offset 0 of W guest-3 pages (a random
 * selection of the 4,096, visited in a random order), R reads of each page in
 * a row before the next, and every C reads guest-2 remaps one of the W pages
 * (its PTE flips between the page and its copy, under the IPTE interlock,
 * followed by an IPTE for the 2D TLB; for the shadow the store itself
 * unshadows the page's two shadow page tables). Every read is checked.
 * Pages are picked at random, so some share a slot of the direct-mapped TLBs
 * and miss even when W is small; the "hit" point (8 neighbouring pages, no
 * changes) gives each method's cost of a TLB hit, which the vCPU path and the
 * lean 2D code of twod.h do not share.
 * Swept: W against the TLB (512 entries), C (no changes .. one per 10 reads),
 * the ASCE type (segment, region-third, region-first: 2, 3 or 5 guest-2
 * entries per walk) and R. Each point: median (min, max) ns per read over the
 * repetitions, after a warm-up pass, beside a floor timed in the same
 * repetitions (the same reads straight from the host frames, no translation).
 *
 * Instructions per read: perf_event_open() where the machine has a counter,
 * else a second run of this program under callgrind (--count-instructions).
 *
 * Output: one JSON document on stdout.
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
#include "twod.h"

#define G3_COPY 0x2000000UL /* each guest-3 page's copy in guest-2 */

enum method { M_SHADOW, M_2D, M_FLOOR, NMETHODS };
static const char *const method_name[NMETHODS] = { "shadow", "2d", "floor" };

enum depth { D_SEG, D_R3, D_R1, NDEPTHS };
static const char *const depth_name[NDEPTHS] = { "segment", "region3", "region1" };

struct world {
	struct g2 g;
	bool copy[G3_PAGES]; /* the page's PTE points at its copy */
};

struct point {
	const char *sweep;
	enum depth depth;
	unsigned long ws;     /* pages touched */
	unsigned long change; /* reads per guest-2 remap; 0: none */
	unsigned long reuse;  /* reads of a page in a row */
	double ns[NMETHODS][BENCH_MAX_REPS];
	double instr[NMETHODS];
	unsigned int n;
	double shadow_faults, twod_misses, twod_entry_reads; /* per read, last repetition */
};

struct params {
	bool quick, count_only;
	unsigned int reps;
	unsigned long reads; /* per timed run */
};

static struct world worlds[2];
static struct vcpu *cpu;
static struct twod t2d;
static enum depth cur_depth = NDEPTHS;
static unsigned long pages[G3_PAGES];  /* the current selection, in visiting order */
static unsigned long frames[G3_PAGES]; /* host frames of pages[], for the floor */

/* ---- the worlds ----------------------------------------------------------------------------- */

/* Guest-2 and its tables; each data page's first word is its guest-3 page number. */
static void build_world(struct world *w)
{
	static unsigned long data[PAGE_SIZE / 8];
	int rc;

	g2_build(&w->g);
	for (unsigned long p = 0; p < G3_PAGES; p++) {
		data[0] = p;
		rc = mm_write(w->g.mm, G2_HOST + G3_DATA + p * PAGE_SIZE, data, PAGE_SIZE);
		if (!rc)
			rc = mm_write(w->g.mm, G2_HOST + G3_COPY + p * PAGE_SIZE, data, PAGE_SIZE);
		if (rc)
			bench_die("mm_write (populate)", rc);
	}
}

static unsigned long asce_of(enum depth d)
{
	static const unsigned long type[NDEPTHS] = {
		[D_SEG] = _ASCE_TYPE_SEGMENT,
		[D_R3] = _ASCE_TYPE_REGION3,
		[D_R1] = _ASCE_TYPE_REGION1,
	};

	return g2_asce(type[d]);
}

/*
 * Switch guest-3 to the ASCE type of @d. The shadow world drops the old
 * shadows first (stores to their top-level tables), so that a store by
 * guest-2 never has to tear down shadows the workload no longer uses.
 */
static void set_depth(enum depth d)
{
	struct world *w = &worlds[M_SHADOW];
	int rc;

	if (d == cur_depth)
		return;
	vcpu_sie_exit(cpu);
	g2_drop_shadows(&w->g);
	gm_quiesce();
	rc = vcpu_sie_enter(cpu, asce_of(d), 0, 0);
	if (rc)
		bench_die("vcpu_sie_enter", rc);
	twod_set_asce(&t2d, asce_of(d), 0);
	cur_depth = d;
}

/* Guest-2 remaps guest-3 page @page: its PTE flips to the other copy of the same data. */
static void remap(enum method m, unsigned long page)
{
	struct world *w = &worlds[m];

	w->copy[page] = !w->copy[page];
	vsie_ipte_lock();
	g2_put(&w->g, g2_pte_addr(page), (w->copy[page] ? G3_COPY : G3_DATA) + page * PAGE_SIZE);
	vsie_ipte_unlock();
	if (m == M_2D)
		twod_ipte(&t2d, page * PAGE_SIZE);
}

/* ---- the workload --------------------------------------------------------------------------- */

static void select_pages(unsigned long ws, bool consecutive)
{
	static unsigned long all[G3_PAGES];

	if (consecutive) {
		for (unsigned long i = 0; i < ws; i++)
			pages[i] = i;
		return;
	}

	for (unsigned long i = 0; i < G3_PAGES; i++)
		all[i] = i;
	for (unsigned long i = 0; i < ws; i++) {
		unsigned long j = i + bench_rnd_below(G3_PAGES - i), tmp = all[i];

		all[i] = all[j];
		all[j] = tmp;
		pages[i] = all[i];
	}
}

static unsigned long read_one(enum method m, unsigned long page)
{
	unsigned long v = ~0UL;
	int rc;

	switch (m) {
	case M_SHADOW:
		rc = vcpu_sie_read(cpu, page * PAGE_SIZE, &v, sizeof(v));
		break;
	case M_2D:
		rc = twod_access(&t2d, page * PAGE_SIZE, &v, sizeof(v), false);
		break;
	default:
		return 0;
	}
	if (rc)
		bench_die(m == M_SHADOW ? "vcpu_sie_read" : "twod_access", rc);
	return v;
}

/* The timed loop of one method: @n reads of the selection, remaps every @p->change reads. */
static BENCH_NOINLINE void loop_reads(enum method m, const struct point *p, unsigned long n)
{
	unsigned long change = p->change, next = change ? change : ~0UL, page, v, bad = 0;

	for (unsigned long i = 0; i < n; i++) {
		page = pages[(i / p->reuse) % p->ws];
		if (i == next) {
			remap(m, pages[bench_rnd_below(p->ws)]);
			next += change;
		}
		v = read_one(m, page);
		bad |= v ^ page;
	}
	bench_check(!bad, "every read gives the page's number");
}

/* The floor: the same reads straight from the host frames. */
static BENCH_NOINLINE void loop_floor(const struct point *p, unsigned long n)
{
	unsigned long bad = 0, idx, v;

	for (unsigned long i = 0; i < n; i++) {
		idx = (i / p->reuse) % p->ws;
		memcpy(&v, (const void *)frames[idx], sizeof(v));
		bad |= v ^ pages[idx];
	}
	bench_check(!bad, "every floor read gives the page's number");
}

static void run_method(enum method m, const struct point *p, unsigned long n)
{
	if (m == M_FLOOR)
		loop_floor(p, n);
	else
		loop_reads(m, p, n);
}

/* Host frames of the selection, for the floor (through the 2D world, which maps the same data). */
static void find_frames(const struct point *p)
{
	unsigned long gen;
	int rc;

	for (unsigned long i = 0; i < p->ws; i++) {
		rc = twod_xlate(&t2d, pages[i] * PAGE_SIZE, false, &frames[i], &gen);
		if (rc)
			bench_die("twod_xlate", rc);
	}
}

static void prepare(struct point *p)
{
	set_depth(p->depth);
	select_pages(p->ws, !strcmp(p->sweep, "hit"));
	find_frames(p);
}

static void warm_up(const struct point *p)
{
	unsigned long n = p->ws * p->reuse * 2;

	for (int m = 0; m < NMETHODS; m++)
		run_method(m, p, n < 4096 ? 4096 : n);
}

static void time_point(struct point *p, const struct params *par)
{
	struct vsie_stats before, after;
	struct twod_stats tb;
	double t0;

	prepare(p);
	warm_up(p);
	for (unsigned int r = 0; r < par->reps; r++) {
		for (int m = 0; m < NMETHODS; m++) {
			vcpu_get_vsie_stats(cpu, &before);
			tb = t2d.st;
			t0 = bench_now_ns();
			run_method(m, p, par->reads);
			p->ns[m][r] = (bench_now_ns() - t0) / (double)par->reads;
			vcpu_get_vsie_stats(cpu, &after);
			if (m == M_SHADOW)
				p->shadow_faults =
					(double)(after.shadow_faults - before.shadow_faults) /
					(double)par->reads;
			if (m == M_2D) {
				p->twod_misses =
					(double)(t2d.st.misses - tb.misses) / (double)par->reads;
				p->twod_entry_reads =
					(double)(t2d.st.entry_reads - tb.entry_reads) /
					(double)par->reads;
			}
		}
	}
	p->n = par->reps;
}

/* ---- the sweeps ----------------------------------------------------------------------------- */

#define MAX_POINTS 64

static struct point points[MAX_POINTS];
static unsigned int npoints;

static void add(const char *sweep, enum depth d, unsigned long ws, unsigned long change,
		unsigned long reuse)
{
	bench_check(npoints < MAX_POINTS, "points");
	points[npoints++] = (struct point){
		.sweep = sweep, .depth = d, .ws = ws, .change = change, .reuse = reuse
	};
}

static void plan(bool quick)
{
	static const unsigned long ws_full[] = { 16, 64, 256, 512, 1024, 4096 };
	static const unsigned long ch_full[] = { 0, 10000, 1000, 100, 10 };
	static const unsigned long ws_quick[] = { 64, 4096 };
	static const unsigned long ch_quick[] = { 0, 100 };
	const unsigned long *ws = quick ? ws_quick : ws_full, *ch = quick ? ch_quick : ch_full;
	unsigned int nws = quick ? 2 : 6, nch = quick ? 2 : 5;

	/* The TLB-hit cost of each method: 8 neighbouring pages, which no TLB slot shares. */
	add("hit", D_R3, 8, 0, 1);
	/* Working set against the table-change rate, region-third ASCE, no reuse. */
	for (unsigned int c = 0; c < nch; c++)
		for (unsigned int w = 0; w < nws; w++)
			add("ws_change", D_R3, ws[w], ch[c], 1);
	/* ASCE type: segment and region-first beside region-third's points above. */
	for (int d = D_SEG; d <= D_R1; d += 2)
		for (unsigned int c = 0; c < 2; c++)
			for (unsigned int w = 0; w < 2; w++)
				add("depth", d, w ? 4096 : 64, c ? 100 : 0, 1);
	if (quick)
		return;
	/* Reuse: reads of a page in a row, a working set beyond the TLB. */
	for (unsigned long r = 4; r <= 64; r *= 4)
		for (unsigned int c = 0; c < 2; c++)
			add("reuse", D_R3, 4096, c ? 100 : 0, r);
}

/* ---- instructions --------------------------------------------------------------------------- */

static void count_name(char *buf, size_t size, unsigned int i, int m)
{
	snprintf(buf, size, "%u/%s", i, method_name[m]);
}

/* --count-instructions, under callgrind: each point's loops once, bracketed. */
static void count_instructions(const struct params *par)
{
	char name[64];

	for (unsigned int i = 0; i < npoints; i++) {
		prepare(&points[i]);
		warm_up(&points[i]);
		for (int m = 0; m < NMETHODS; m++) {
			count_name(name, sizeof(name), i, m);
			bench_cg_start();
			run_method(m, &points[i], par->reads);
			bench_cg_stop(name);
		}
	}
}

struct cg_ctx {
	unsigned long reads;
	bool any;
};

static void cg_found(void *ctx, const char *name, unsigned long ir)
{
	struct cg_ctx *cg = ctx;
	char want[64];

	for (unsigned int i = 0; i < npoints; i++)
		for (int m = 0; m < NMETHODS; m++) {
			count_name(want, sizeof(want), i, m);
			if (!strcmp(name, want)) {
				points[i].instr[m] = (double)ir / (double)cg->reads;
				cg->any = true;
			}
		}
}

static const char *instructions_by_callgrind(const char *self, bool quick, unsigned long reads)
{
	char n[32];
	char *argv[] = {
		(char *)self, "--count-instructions", "--reads", n, quick ? "--quick" : NULL, NULL
	};
	struct cg_ctx cg = { reads, false };

	snprintf(n, sizeof(n), "%lu", reads);
	if (!bench_cg_run(argv, cg_found, &cg) || !cg.any)
		return "none";
	return "callgrind";
}

/* With a hardware counter: each point's loops once more, counted. */
static void instructions_by_perf(const struct params *par)
{
	unsigned long i0;

	for (unsigned int i = 0; i < npoints; i++) {
		prepare(&points[i]);
		for (int m = 0; m < NMETHODS; m++) {
			i0 = bench_instr_read();
			run_method(m, &points[i], par->reads);
			points[i].instr[m] = (double)(bench_instr_read() - i0) / (double)par->reads;
		}
	}
}

/* ---- JSON and main -------------------------------------------------------------------------- */

static void print_point(struct json *j, const struct point *p)
{
	struct stats st[NMETHODS];

	for (int m = 0; m < NMETHODS; m++)
		st[m] = stats_of(p->ns[m], p->n);
	json_open(j, NULL, '{');
	json_str(j, "sweep", p->sweep);
	json_str(j, "asce", depth_name[p->depth]);
	json_ulong(j, "working_set_pages", p->ws);
	json_ulong(j, "reads_per_change", p->change);
	json_ulong(j, "reuse", p->reuse);
	for (int m = 0; m < NMETHODS; m++) {
		char key[32];

		snprintf(key, sizeof(key), "%s_ns", method_name[m]);
		json_stats(j, key, &st[m], 1);
		snprintf(key, sizeof(key), "%s_instructions", method_name[m]);
		json_double(j, key, p->instr[m], 1);
	}
	json_double(j, "shadow_over_2d", st[M_SHADOW].median / st[M_2D].median, 2);
	json_str(j, "winner", st[M_SHADOW].median <= st[M_2D].median ? "shadow" : "2d");
	json_double(j, "shadow_faults_per_read", p->shadow_faults, 4);
	json_double(j, "twod_misses_per_read", p->twod_misses, 4);
	json_double(j, "twod_entry_reads_per_read", p->twod_entry_reads, 3);
	json_close(j, '}');
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_2d [--quick] [--reps N] [--reads N] [--no-instructions] [--help]\n"
		   "\n"
		   "Guest-3 reads through shadow gmaps against a two-dimensional walk without\n"
		   "shadows, over working set, guest-2 table-change rate, ASCE type and reuse.\n"
		   "Prints one JSON document.\n"
		   "\n"
		   "  --quick            few points, repetitions and reads (smoke test)\n"
		   "  --reps N           repetitions per point (default 5, at most 64)\n"
		   "  --reads N          reads per timed run (default 20000)\n"
		   "  --no-instructions  skip the instruction counts (the callgrind run)\n"
		   "  --help             this text\n");
}

static void parse_args(int argc, char **argv, struct params *p, bool *instructions)
{
	unsigned long reps = 0, reads = 0;

	*instructions = true;
	for (int i = 1; i < argc; i++) {
		if (bench_common_option(argv, &i, usage, &p->quick, &reps))
			continue;
		if (!strcmp(argv[i], "--reads") && i + 1 < argc) {
			reads = bench_parse_num(argv[i], argv[i + 1], 100, 100000000);
			i++;
		} else if (!strcmp(argv[i], "--count-instructions")) {
			p->count_only = true;
		} else if (!strcmp(argv[i], "--no-instructions")) {
			*instructions = false;
		} else {
			fprintf(stderr, "bench_2d: unknown option %s\n", argv[i]);
			usage(stderr);
			exit(2);
		}
	}
	p->reps = p->quick ? 2 : 5;
	p->reads = p->quick ? 2000 : 20000;
	if (reps)
		p->reps = (unsigned int)reps;
	if (reads)
		p->reads = reads;
}

int main(int argc, char **argv)
{
	struct params p = { 0 };
	const char *instr_source = "none";
	struct bench_machine m;
	struct json j = { 0 };
	bool instructions;
	int rc;

	bench_set_name("bench_2d");
	parse_args(argc, argv, &p, &instructions);
	bench_seed(42);
	plan(p.quick);
	build_world(&worlds[M_SHADOW]);
	build_world(&worlds[M_2D]);
	cpu = vcpu_create();
	bench_check(cpu != NULL, "vcpu_create");
	gmap_enable(worlds[M_SHADOW].g.parent);
	rc = twod_init(&t2d, worlds[M_2D].g.parent, asce_of(D_R3), 0);
	if (rc)
		bench_die("twod_init", rc);
	if (p.count_only) {
		count_instructions(&p);
	} else {
		bench_describe_machine(&m);
		for (unsigned int i = 0; i < npoints; i++)
			time_point(&points[i], &p);
		bench_machine_done(&m);
		if (instructions && bench_instr_open()) {
			instructions_by_perf(&p);
			instr_source = "perf_event_open";
		} else if (instructions && !bench_on_valgrind()) {
			instr_source =
				instructions_by_callgrind(argv[0], p.quick, p.quick ? 500 : 4000);
		}
		json_open(&j, NULL, '{');
		json_str(&j, "benchmark", "bench_2d");
		json_machine_open(&j, &m);
		json_machine_close(&j, &m);
		json_build(&j);
		json_params_open(&j, p.quick, p.reps);
		json_ulong(&j, "reads_per_rep", p.reads);
		json_ulong(&j, "tlb_entries", TWOD_TLB_ENTRIES);
		json_str(&j, "instructions_from", instr_source);
		json_close(&j, '}');
		json_open(&j, "points", '[');
		for (unsigned int i = 0; i < npoints; i++)
			print_point(&j, &points[i]);
		json_close(&j, ']');
		json_close(&j, '}');
	}

	vcpu_sie_exit(cpu);
	twod_fini(&t2d);
	gmap_disable(worlds[M_SHADOW].g.parent);
	vcpu_destroy(cpu);
	g2_destroy(&worlds[M_SHADOW].g);
	g2_destroy(&worlds[M_2D].g);
	return fflush(stdout) ? 1 : 0;
}
