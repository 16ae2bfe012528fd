// SPDX-License-Identifier: GPL-2.0
/*
 * bench_dat - latency of the native DAT walk, dat_translate_native().
 *
 * What is measured is latency, not throughput: the virtual address of every
 * translation depends on the result of the previous one (result & a zero the
 * compiler cannot see), so walks cannot overlap in the out-of-order window and
 * the time per translation is the length of its chain of dependent loads plus
 * whatever the walker adds on that chain.
 *
 * The floor ("chain") fetches the same entries at the same addresses in the same
 * order with nothing but the loads and the address arithmetic a radix walk cannot
 * avoid (entry & origin mask, + index * 8): N dependent loads, no checks, no
 * result bookkeeping. ratio = walk / chain is what the architecture-exact walker
 * costs on top of the memory latency every walk pays.
 *
 * Tables: one pool of tables per level, allocated with crst_table_alloc() and
 * page_table_alloc(). Every entry is valid and points at a random table of the
 * next pool (an entry may share a lower table with other entries, which DAT
 * allows), so a random (ASCE, address) pair touches a random line in every
 * level's pool. Cold: the pools of a case hold 8 x the last-level cache in all,
 * split evenly over the levels, the ASCEs are spread over the top pool (many
 * address spaces) so that even the top level misses, and every timed run uses
 * a fresh random slice of requests, so each level misses about as often as the
 * cache-to-working-set ratio allows. Hot: one table per level (one small address
 * space) and 16 addresses in it, cycled; every fetched line stays in L1.
 *
 * For contrast, "walk_indep" times the same translations without the dependency
 * (throughput). If it is no faster than the dependent walk, the walk is bound by
 * the work it does, not by the latency of its loads.
 *
 * Output: one JSON document on stdout. Exit 1 if a walk gives a wrong result.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmap/dat.h>

#include "bench_util.h"

#define BENCH_INLINE inline __attribute__((always_inline))

#define LINE_SIZE     64UL
#define HOT_ADDRESSES 16UL /* a power of two: the hot loop indexes with i & (HOT_ADDRESSES - 1) */
#define VERIFY_MAX    4096UL

/* ---- parameters ----------------------------------------------------------------------------- */

struct params {
	bool quick;
	unsigned int reps;
	unsigned long cold_bytes; /* table memory per case for the cold runs, all levels */
	unsigned long hot_n;	  /* translations per repetition, hot */
	unsigned long cold_n;	  /* translations per repetition, cold */
	unsigned long mem_bytes;  /* working set of the plain dependent-load calibration */
	unsigned long l1_n;
	unsigned long mem_n;
	unsigned int edat;
	unsigned long seed;
};

/* The data caches of CPU 0: the cold working set is sized by the last level. */
struct caches {
	unsigned long l1d, l2, llc;
};

/* ---- machine description ---------------------------------------------------------------- */

/* Sizes like "32K" or "32768K" from sysfs. */
static unsigned long parse_size(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end == 'K')
		v <<= 10;
	else if (*end == 'M')
		v <<= 20;
	return v;
}

static void read_caches(struct caches *c)
{
	for (int i = 0; i < 8; i++) {
		char path[128], level[16], type[32], size[32];

		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
		bench_read_line(path, level, sizeof(level));
		if (!level[0])
			break;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
		bench_read_line(path, type, sizeof(type));
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		bench_read_line(path, size, sizeof(size));
		if (!strcmp(type, "Instruction"))
			continue;
		if (level[0] == '1')
			c->l1d = parse_size(size);
		else if (level[0] == '2')
			c->l2 = parse_size(size);
		if (parse_size(size) > c->llc)
			c->llc = parse_size(size);
	}
	if (!c->llc)
		c->llc = 32 * MIB; /* unknown: assume a large one so the cold set stays cold */
}

/* ---- table pools ------------------------------------------------------------------------ */

/* All tables of one level; entries point at random tables of the pool below. */
struct pool {
	unsigned long **tables;
	unsigned long n;
	int level; /* enum dat_level */
};

static unsigned long entries_of(int level)
{
	return level == DAT_LEVEL_PTE ? _PAGE_ENTRIES : _CRST_ENTRIES;
}

static unsigned long table_bytes(int level)
{
	return level == DAT_LEVEL_PTE ? _PAGE_TABLE_SIZE : _CRST_TABLE_SIZE;
}

static unsigned long empty_entry(int level)
{
	static const unsigned long empty[] = { _PAGE_INVALID, _SEGMENT_ENTRY_EMPTY,
					       _REGION3_ENTRY_EMPTY, _REGION2_ENTRY_EMPTY,
					       _REGION1_ENTRY_EMPTY };
	return empty[level];
}

static void pool_free(struct pool *p)
{
	for (unsigned long i = 0; i < p->n; i++) {
		if (p->level == DAT_LEVEL_PTE)
			page_table_free(p->tables[i]);
		else
			crst_table_free(p->tables[i]);
	}
	free(p->tables);
	p->tables = NULL;
	p->n = 0;
}

static void pool_alloc(struct pool *p, int level, unsigned long n)
{
	p->level = level;
	p->n = n;
	p->tables = bench_malloc(n * sizeof(*p->tables));
	for (unsigned long i = 0; i < n; i++) {
		p->tables[i] = level == DAT_LEVEL_PTE ? page_table_alloc()
						      : crst_table_alloc(empty_entry(level));
		if (!p->tables[i])
			bench_fail("table allocation failed");
	}
}

/* An entry of @level that designates the table @origin of the level below. */
static unsigned long link_entry(int level, unsigned long origin)
{
	if (level == DAT_LEVEL_SEGMENT)
		return origin;
	/* The entry's own table type, offset 0, length 3: the whole next table. */
	return origin | ((unsigned long)(level - 1) << 2) | _REGION_ENTRY_LENGTH;
}

/* A valid leaf entry of @level: a 4 KiB page, a 1 MiB segment or a 2 GiB region frame. */
static unsigned long leaf_entry(int level)
{
	unsigned long frame = bench_rnd() & ((1UL << 52) - 1);

	switch (level) {
	case DAT_LEVEL_PTE:
		return frame & PAGE_MASK;
	case DAT_LEVEL_SEGMENT:
		return (frame & _SEGMENT_ENTRY_ORIGIN_LARGE) | _SEGMENT_ENTRY_LARGE;
	default:
		return (frame & _REGION3_ENTRY_ORIGIN_LARGE) | _REGION3_ENTRY_LARGE |
		       _REGION_ENTRY_TYPE_R3 | _REGION_ENTRY_LENGTH;
	}
}

static void pool_fill(struct pool *p, const struct pool *below)
{
	unsigned long per = entries_of(p->level);

	for (unsigned long t = 0; t < p->n; t++) {
		for (unsigned long i = 0; i < per; i++) {
			if (below)
				p->tables[t][i] = link_entry(
					p->level,
					(unsigned long)below->tables[bench_rnd_below(below->n)]);
			else
				p->tables[t][i] = leaf_entry(p->level);
		}
	}
}

/* ---- the cases -------------------------------------------------------------------------- */

struct case_kind {
	const char *name;
	const char *asce_name;
	const char *frame;
	int top;  /* level of the table the ASCE designates */
	int leaf; /* level of the entry that maps the frame */
};

static const struct case_kind kinds[] = {
	{ "4k-region1", "region-first", "4K", DAT_LEVEL_REGION1, DAT_LEVEL_PTE },
	{ "4k-region2", "region-second", "4K", DAT_LEVEL_REGION2, DAT_LEVEL_PTE },
	{ "4k-region3", "region-third", "4K", DAT_LEVEL_REGION3, DAT_LEVEL_PTE },
	{ "4k-segment", "segment", "4K", DAT_LEVEL_SEGMENT, DAT_LEVEL_PTE },
	{ "1m-region1", "region-first", "1M", DAT_LEVEL_REGION1, DAT_LEVEL_SEGMENT },
	{ "1m-region3", "region-third", "1M", DAT_LEVEL_REGION3, DAT_LEVEL_SEGMENT },
	{ "2g-region1", "region-first", "2G", DAT_LEVEL_REGION1, DAT_LEVEL_REGION3 },
	{ "2g-region3", "region-third", "2G", DAT_LEVEL_REGION3, DAT_LEVEL_REGION3 },
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

struct case_result {
	const struct case_kind *kind;
	bool hot;
	unsigned int fetches;
	unsigned long spaces;
	unsigned long addresses;
	unsigned long table_bytes;
	unsigned long n;
	struct stats walk, chain, indep;
	unsigned long preempted; /* timed runs that lost the CPU */
	double ratio;
};

/* One translation request. */
struct xlat {
	unsigned long asce;
	unsigned long va;
};

/* All tables of one case, top level first. */
struct tree {
	struct pool pools[5];
	int top, leaf;
};

static void tree_build(struct tree *t, const struct case_kind *k, unsigned long bytes)
{
	unsigned long per_level = bytes / (unsigned long)(k->top - k->leaf + 1);

	t->top = k->top;
	t->leaf = k->leaf;
	for (int l = k->top; l >= k->leaf; l--) {
		unsigned long n = per_level / table_bytes(l);

		pool_alloc(&t->pools[l], l, n ? n : 1);
	}
	for (int l = k->leaf; l <= k->top; l++)
		pool_fill(&t->pools[l], l == k->leaf ? NULL : &t->pools[l - 1]);
}

static void tree_free(struct tree *t)
{
	for (int l = t->leaf; l <= t->top; l++)
		pool_free(&t->pools[l]);
}

static unsigned long tree_bytes(const struct tree *t)
{
	unsigned long sum = 0;

	for (int l = t->leaf; l <= t->top; l++)
		sum += t->pools[l].n * table_bytes(l);
	return sum;
}

static unsigned long asce_of(int top, const unsigned long *table)
{
	return (unsigned long)table | ((unsigned long)(top - 1) << 2) | _ASCE_TABLE_LENGTH;
}

/* Addresses the ASCE type can reach: indices above its table must be zero. */
static unsigned long va_mask(int top)
{
	return top == DAT_LEVEL_REGION1 ? ~0UL : (1UL << (_SEGMENT_SHIFT + 11 * top)) - 1;
}

static void make_sequence(struct xlat *seq, unsigned long n, const struct tree *t, bool one_space)
{
	const struct pool *top = &t->pools[t->top];
	unsigned long fixed = asce_of(t->top, top->tables[bench_rnd_below(top->n)]);

	for (unsigned long i = 0; i < n; i++) {
		seq[i].asce =
			one_space ? fixed : asce_of(t->top, top->tables[bench_rnd_below(top->n)]);
		seq[i].va = bench_rnd() & va_mask(t->top);
	}
}

/* ---- the measured loops ----------------------------------------------------------------- */

static BENCH_INLINE unsigned long index_of(unsigned long va, int level)
{
	if (level == DAT_LEVEL_PTE)
		return dat_px(va);
	return (va >> (_SEGMENT_SHIFT + 11 * (level - 1))) & 0x7ff;
}

/* The floor: the walk's loads and address arithmetic, nothing else. */
static BENCH_INLINE unsigned long chain_one(unsigned long asce, unsigned long va, int top, int leaf)
{
	unsigned long origin = asce & _ASCE_ORIGIN, e = 0;

	for (int l = top; l >= leaf; l--) {
		e = ((const unsigned long *)origin)[index_of(va, l)];
		/* Region origins are 4 KiB aligned, so one mask serves every level. */
		origin = e & _SEGMENT_ENTRY_ORIGIN;
	}
	return e;
}

static BENCH_INLINE unsigned long chain_loop(const struct xlat *seq, unsigned long n,
					     unsigned long mask, unsigned long zero, int top,
					     int leaf)
{
	unsigned long dep = 0;

	for (unsigned long i = 0; i < n; i++) {
		const struct xlat *x = &seq[i & mask];

		dep = chain_one(x->asce, x->va | (dep & zero), top, leaf);
	}
	return dep;
}

#define CHAIN_CASE(t, l)  \
	case (t)*8 + (l): \
		return chain_loop(seq, n, mask, zero, t, l)

/* Dispatch to a copy of the loop unrolled for the case's levels. */
static BENCH_NOINLINE unsigned long run_chain(const struct xlat *seq, unsigned long n,
					      unsigned long mask, unsigned long zero, int top,
					      int leaf)
{
	switch (top * 8 + leaf) {
		CHAIN_CASE(4, 0);
		CHAIN_CASE(3, 0);
		CHAIN_CASE(2, 0);
		CHAIN_CASE(1, 0);
		CHAIN_CASE(4, 1);
		CHAIN_CASE(2, 1);
		CHAIN_CASE(4, 2);
		CHAIN_CASE(2, 2);
	default:
		return chain_loop(seq, n, mask, zero, top, leaf);
	}
}

static BENCH_NOINLINE unsigned long run_walk(const struct xlat *seq, unsigned long n,
					     unsigned long mask, unsigned long zero,
					     unsigned int edat, unsigned long *failures)
{
	struct dat_config cfg = { .edat = edat, .space = DAT_SPACE_PRIMARY };
	struct dat_result res;
	unsigned long dep = 0, bad = 0;

	for (unsigned long i = 0; i < n; i++) {
		const struct xlat *x = &seq[i & mask];

		cfg.asce = x->asce;
		bad += dat_translate_native(&cfg, x->va | (dep & zero), DAT_FETCH, &res) != 0;
		dep = res.abs;
	}
	*failures += bad;
	return dep;
}

/* The same translations with no dependency between them: they overlap as far as they can. */
static BENCH_NOINLINE unsigned long run_walk_indep(const struct xlat *seq, unsigned long n,
						   unsigned long mask, unsigned int edat,
						   unsigned long *failures)
{
	struct dat_config cfg = { .edat = edat, .space = DAT_SPACE_PRIMARY };
	struct dat_result res;
	unsigned long sum = 0, bad = 0;

	for (unsigned long i = 0; i < n; i++) {
		const struct xlat *x = &seq[i & mask];

		cfg.asce = x->asce;
		bad += dat_translate_native(&cfg, x->va, DAT_FETCH, &res) != 0;
		sum += res.abs;
	}
	*failures += bad;
	return sum;
}

/* ---- verification ----------------------------------------------------------------------- */

static unsigned long frame_offset_mask(int leaf)
{
	if (leaf == DAT_LEVEL_PTE)
		return ~PAGE_MASK;
	return leaf == DAT_LEVEL_SEGMENT ? ~_SEGMENT_MASK : ~_REGION3_MASK;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return (x > y) - (x < y);
}

/* Bytes of the distinct cache lines in @lines (sorted in place). */
static unsigned long distinct_line_bytes(unsigned long *lines, unsigned long n)
{
	unsigned long distinct = 0;

	qsort(lines, n, sizeof(*lines), cmp_ulong);
	for (unsigned long i = 0; i < n; i++)
		distinct += !i || lines[i] != lines[i - 1];
	return distinct * LINE_SIZE;
}

/*
 * The walk must translate every request, fetch exactly the chain's entries and
 * land on the frame the chain's leaf entry maps; otherwise the timings are of
 * some exception path and mean nothing. With @touched, also the bytes of the
 * distinct table lines the requests fetch (n * DAT_MAX_STEPS must stay small).
 */
static int verify(const struct xlat *seq, unsigned long n, const struct tree *t, unsigned int edat,
		  unsigned int *fetches, unsigned long *touched)
{
	struct dat_config cfg = { .edat = edat, .space = DAT_SPACE_PRIMARY };
	unsigned long off = frame_offset_mask(t->leaf);
	unsigned long lines[HOT_ADDRESSES * DAT_MAX_STEPS], nlines = 0;
	struct dat_result res;

	for (unsigned long i = 0; i < n; i++) {
		unsigned long leaf = chain_one(seq[i].asce, seq[i].va, t->top, t->leaf);
		unsigned long want = (leaf & ~off & ~0xfffUL) | (seq[i].va & off);
		unsigned int pic;

		cfg.asce = seq[i].asce;
		pic = dat_translate_native(&cfg, seq[i].va, DAT_FETCH, &res);
		if (pic || res.abs != want || res.nsteps != (unsigned int)(t->top - t->leaf + 1) ||
		    res.large != (t->leaf != DAT_LEVEL_PTE) ||
		    res.steps[res.nsteps - 1].val != leaf) {
			fprintf(stderr,
				"bench_dat: asce %#lx va %#lx: pic %u (%s) abs %#lx want %#lx "
				"steps %u\n",
				seq[i].asce, seq[i].va, pic, dat_pic_name(pic), res.abs, want,
				res.nsteps);
			return -1;
		}
		*fetches = res.nsteps;
		for (unsigned int s = 0; touched && s < res.nsteps; s++)
			if (nlines < sizeof(lines) / sizeof(lines[0]))
				lines[nlines++] = res.steps[s].addr / LINE_SIZE;
	}
	if (touched)
		*touched = distinct_line_bytes(lines, nlines);
	return 0;
}

/* ---- measuring one case ----------------------------------------------------------------- */

enum series {
	SERIES_WALK,  /* dependent translations: latency */
	SERIES_CHAIN, /* dependent bare loads: the floor */
	SERIES_INDEP, /* independent translations: throughput */
	NSERIES,
};

static double time_series(enum series which, const struct xlat *seq, unsigned long n,
			  unsigned long mask, unsigned long zero, const struct tree *t,
			  const struct params *p, unsigned long *failures)
{
	double t0 = bench_now_ns();

	switch (which) {
	case SERIES_WALK:
		bench_sink = run_walk(seq, n, mask, zero, p->edat, failures);
		break;
	case SERIES_CHAIN:
		bench_sink = run_chain(seq, n, mask, zero, t->top, t->leaf);
		break;
	default:
		bench_sink = run_walk_indep(seq, n, mask, p->edat, failures);
		break;
	}
	return (bench_now_ns() - t0) / (double)n;
}

/* One case being measured: its tables, its requests and the times so far. */
struct run {
	struct case_result *r;
	struct tree t;
	struct xlat *seq;
	unsigned long mask; /* hot: the requests are cycled */
	bool slices;	    /* cold: every timed run gets fresh requests */
	double v[NSERIES][BENCH_MAX_REPS];
	unsigned long failures;
};

/*
 * One repetition of every series. A cold run of series s in repetition r uses
 * slice NSERIES * r + s of the requests, so that no run finds another's lines in
 * the cache; a hot run is preceded by a short warm-up, since the runs of other
 * cases may have displaced its lines. The order of the series rotates so that
 * drift on a shared machine hits them alike.
 */
static void run_rep(struct run *u, unsigned int rep, const struct params *p)
{
	unsigned long zero = bench_zero, n = u->r->n;

	for (unsigned int i = 0; i < NSERIES; i++) {
		enum series s = (rep + i) % NSERIES;
		const struct xlat *slice = u->slices ? u->seq + (NSERIES * rep + s) * n : u->seq;

		/*
		 * On a shared machine a run may lose the CPU for a whole time slice.
		 * A hot run is then timed again (three runs at most); a cold one is
		 * not, as its lines would be warm. The JSON counts preempted runs.
		 */
		for (int attempt = 0;; attempt++) {
			long before;

			if (!u->slices)
				time_series(s, slice, n / 16 + 1, u->mask, zero, &u->t, p,
					    &u->failures);
			before = bench_preemptions();
			u->v[s][rep] =
				time_series(s, slice, n, u->mask, zero, &u->t, p, &u->failures);
			if (bench_preemptions() == before)
				break;
			u->r->preempted++;
			if (u->slices || attempt == 2)
				break;
		}
	}
}

static void run_finish(struct run *u, const struct params *p)
{
	struct case_result *r = u->r;

	if (u->failures)
		bench_fail("%s: %lu translations failed", r->kind->name, u->failures);
	r->walk = stats_of(u->v[SERIES_WALK], p->reps);
	r->chain = stats_of(u->v[SERIES_CHAIN], p->reps);
	r->indep = stats_of(u->v[SERIES_INDEP], p->reps);
	r->ratio = r->walk.median / r->chain.median;
}

/*
 * Hot: one table per level (one small address space) and 16 addresses in it.
 * The cases take turns repetition by repetition, so that a burst of load from
 * elsewhere on the machine costs each case one repetition, not a whole median.
 */
static void run_hot(const struct params *p, struct case_result *results)
{
	static struct run runs[NKINDS];

	for (unsigned long k = 0; k < NKINDS; k++) {
		struct run *u = &runs[k];
		struct case_result *r = &results[k];

		*r = (struct case_result){ .kind = &kinds[k],
					   .hot = true,
					   .spaces = 1,
					   .addresses = HOT_ADDRESSES,
					   .n = p->hot_n };
		*u = (struct run){ .r = r, .mask = HOT_ADDRESSES - 1 };
		u->seq = bench_malloc(HOT_ADDRESSES * sizeof(*u->seq));
		tree_build(&u->t, &kinds[k], 0);
		make_sequence(u->seq, HOT_ADDRESSES, &u->t, true);
		if (verify(u->seq, HOT_ADDRESSES, &u->t, p->edat, &r->fetches, &r->table_bytes))
			exit(1);
	}
	for (unsigned int rep = 0; rep < p->reps; rep++)
		for (unsigned long k = 0; k < NKINDS; k++)
			run_rep(&runs[k], rep, p);
	for (unsigned long k = 0; k < NKINDS; k++) {
		run_finish(&runs[k], p);
		tree_free(&runs[k].t);
		free(runs[k].seq);
	}
}

/* Cold: one case at a time, as each has hundreds of MiB of tables. */
static void run_cold(const struct case_kind *k, const struct params *p, struct case_result *r)
{
	unsigned long len = NSERIES * p->reps * p->cold_n;
	struct run u;

	u = (struct run){ .r = r, .mask = ~0UL, .slices = true };
	u.seq = bench_malloc(len * sizeof(*u.seq));
	tree_build(&u.t, k, p->cold_bytes);
	make_sequence(u.seq, len, &u.t, false);
	*r = (struct case_result){ .kind = k,
				   .spaces = u.t.pools[u.t.top].n,
				   .addresses = len,
				   .table_bytes = tree_bytes(&u.t),
				   .n = p->cold_n };
	if (verify(u.seq, len < VERIFY_MAX ? len : VERIFY_MAX, &u.t, p->edat, &r->fetches, NULL))
		exit(1);
	for (unsigned int rep = 0; rep < p->reps; rep++)
		run_rep(&u, rep, p);
	run_finish(&u, p);
	tree_free(&u.t);
	free(u.seq);
}

/* ---- plain dependent loads, for scale -------------------------------------------------- */

static BENCH_NOINLINE void *chase(void *const *p, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		p = *p;
	return (void *)p;
}

/* A ring of pointers, one per cache line, visiting the lines in random order. */
static void **make_ring(unsigned long bytes)
{
	unsigned long lines = bytes / LINE_SIZE, step = LINE_SIZE / sizeof(void *);
	void **mem = aligned_alloc(LINE_SIZE, bytes);
	unsigned int *order = bench_malloc(lines * sizeof(*order));

	if (!mem)
		bench_fail("out of memory");
	for (unsigned long i = 0; i < lines; i++)
		order[i] = (unsigned int)i;
	for (unsigned long i = lines - 1; i > 0; i--) {
		unsigned long j = bench_rnd_below(i + 1);
		unsigned int tmp = order[i];

		order[i] = order[j];
		order[j] = tmp;
	}
	for (unsigned long i = 0; i < lines; i++)
		mem[order[i] * step] = &mem[order[(i + 1) % lines] * step];
	free(order);
	return mem;
}

/* ns per load of a plain pointer chase through @bytes of lines. */
static struct stats chase_ns(unsigned long bytes, unsigned long n, unsigned int reps)
{
	void **ring = make_ring(bytes);
	void *p = ring;
	double v[BENCH_MAX_REPS];

	p = chase(p, n / 8 + 1);
	for (unsigned int r = 0; r < reps; r++) {
		double t0 = bench_now_ns();

		p = chase(p, n);
		v[r] = (bench_now_ns() - t0) / (double)n;
	}
	bench_sink = (unsigned long)p;
	free(ring);
	return stats_of(v, reps);
}

/* ---- JSON ------------------------------------------------------------------------------- */

static void print_machine(struct json *j, const struct bench_machine *m, const struct caches *c)
{
	json_machine_open(j, m);
	json_ulong(j, "l1d_bytes", c->l1d);
	json_ulong(j, "l2_bytes", c->l2);
	json_ulong(j, "llc_bytes", c->llc);
	json_str(j, "transparent_hugepage", m->thp);
	json_machine_close(j, m);
}

static void print_params(struct json *j, const struct params *p)
{
	json_params_open(j, p->quick, p->reps);
	json_ulong(j, "edat", p->edat);
	json_ulong(j, "hot_addresses", HOT_ADDRESSES);
	json_ulong(j, "hot_translations_per_rep", p->hot_n);
	json_ulong(j, "cold_translations_per_rep", p->cold_n);
	json_ulong(j, "cold_table_bytes_per_case", p->cold_bytes);
	json_ulong(j, "seed", p->seed);
	json_str(j, "clock", "CLOCK_MONOTONIC");
	json_str(j, "measures", "latency: each address depends on the previous result");
	json_str(j, "walk", "dat_translate_native(), DAT_FETCH, static library call");
	json_str(j, "chain", "same entries, same order: load, & origin mask, + index * 8");
	json_str(j, "walk_indep", "the walk without the dependency: throughput, for contrast");
	json_close(j, '}');
}

static void print_case(struct json *j, const struct case_result *r)
{
	const struct case_kind *k = r->kind;

	json_open(j, NULL, '{');
	json_str(j, "name", k->name);
	json_str(j, "asce", k->asce_name);
	json_str(j, "frame", k->frame);
	json_ulong(j, "levels", (unsigned long)(k->top - k->leaf + 1));
	json_ulong(j, "fetches", r->fetches);
	json_str(j, "cache", r->hot ? "hot" : "cold");
	json_ulong(j, "address_spaces", r->spaces);
	json_ulong(j, "addresses", r->addresses);
	json_ulong(j, "working_set_bytes", r->table_bytes);
	json_ulong(j, "translations_per_rep", r->n);
	json_stats(j, "walk_ns", &r->walk, 2);
	json_stats(j, "chain_ns", &r->chain, 2);
	json_double(j, "ratio", r->ratio, 3);
	json_stats(j, "walk_indep_ns", &r->indep, 2);
	json_ulong(j, "preempted_runs", r->preempted);
	json_close(j, '}');
}

/* ---- main ------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_dat [--quick] [--reps N] [--cold-mib N] [--seed N] [--help]\n"
		"\n"
		"Latency of dat_translate_native() for 5- to 2-level walks with 4 KiB pages and\n"
		"for EDAT-1 1 MiB and EDAT-2 2 GiB frames, with hot and cold tables, next to the\n"
		"floor: the same dependent loads with no checks. Prints one JSON document.\n"
		"\n"
		"  --quick       few repetitions and a small cold set (smoke test)\n"
		"  --reps N      repetitions per measurement (default 11, at most 64)\n"
		"  --cold-mib N  table memory per case for the cold runs (default 8 x LLC)\n"
		"  --seed N      seed of the random tables and addresses (default fixed)\n"
		"  --help        this text\n");
}

static void parse_args(int argc, char **argv, struct params *p, const struct caches *c)
{
	unsigned long cold_mib = 0, reps = 0, seed = 0;

	for (int i = 1; i < argc; i++) {
		if (bench_common_option(argv, &i, usage, &p->quick, &reps))
			continue;
		if (!strcmp(argv[i], "--seed")) {
			seed = bench_parse_num(argv[i], argv[i + 1], 1, ~0UL);
			i++;
		} else if (!strcmp(argv[i], "--cold-mib")) {
			cold_mib = bench_parse_num(argv[i], argv[i + 1], 1, 1024);
			i++;
		} else {
			fprintf(stderr, "bench_dat: unknown option %s\n", argv[i]);
			usage(stderr);
			exit(2);
		}
	}
	p->edat = 2;
	p->seed = seed ? seed : 0x5eed0fda7UL;
	if (p->quick) {
		p->reps = 3;
		p->cold_bytes = 2 * MIB;
		p->hot_n = 20000;
		p->cold_n = 2000;
		p->mem_bytes = 4 * MIB;
		p->l1_n = 20000;
		p->mem_n = 5000;
	} else {
		p->reps = 11;
		/* 8 x the LLC: a random line is in the cache about 1 time in 8. */
		p->cold_bytes = 8 * c->llc < 64 * MIB ? 64 * MIB : 8 * c->llc;
		if (p->cold_bytes > 512 * MIB)
			p->cold_bytes = 512 * MIB;
		p->hot_n = 300000;
		p->cold_n = 16000;
		p->mem_bytes = p->cold_bytes;
		p->l1_n = 2000000;
		p->mem_n = 100000;
	}
	if (reps)
		p->reps = (unsigned int)reps;
	if (cold_mib)
		p->cold_bytes = p->mem_bytes = cold_mib * MIB;
}

int main(int argc, char **argv)
{
	static struct case_result results[2 * NKINDS];
	struct bench_machine m;
	struct caches c = { 0 };
	struct params p = { 0 };
	struct stats l1, mem;
	struct json j = { 0 };

	bench_set_name("bench_dat");
	bench_describe_machine(&m);
	read_caches(&c);
	parse_args(argc, argv, &p, &c);
	bench_seed(p.seed);

	l1 = chase_ns(4096, p.l1_n, p.reps);
	mem = chase_ns(p.mem_bytes, p.mem_n, p.reps);
	run_hot(&p, results);
	for (unsigned long k = 0; k < NKINDS; k++)
		run_cold(&kinds[k], &p, &results[NKINDS + k]);
	bench_machine_done(&m);

	json_open(&j, NULL, '{');
	json_str(&j, "benchmark", "bench_dat");
	print_machine(&j, &m, &c);
	json_build(&j);
	print_params(&j, &p);
	json_open(&j, "dep_load", '{');
	json_stats(&j, "l1_ns", &l1, 2);
	json_stats(&j, "mem_ns", &mem, 2);
	json_ulong(&j, "mem_bytes", p.mem_bytes);
	json_close(&j, '}');
	json_open(&j, "cases", '[');
	for (unsigned long i = 0; i < 2 * NKINDS; i++)
		print_case(&j, &results[i]);
	json_close(&j, ']');
	json_close(&j, '}');
	return fflush(stdout) ? 1 : 0;
}
