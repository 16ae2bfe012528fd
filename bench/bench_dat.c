// SPDX-License-Identifier: GPL-2.0
/*
 * bench_dat - latency of the DAT walkers: the lean one (dat_lean_walk()) and the exact one
 * (dat_translate_native(), dat_translate() with a big-endian reader), over native tables and over
 * big-endian tables in flat storage (guest memory, a dump image).
 *
 * What is measured is latency, not throughput: the virtual address of every
 * translation depends on the result of the previous one (result & a zero the
 * compiler cannot see), so walks cannot overlap in the out-of-order window and
 * the time per translation is the length of its chain of dependent loads plus
 * whatever the walker adds on that chain.
 *
 * The floor ("chain") fetches the same entries at the same addresses in the same
 * order with nothing but the loads and the address arithmetic a radix walk cannot
 * avoid (entry & origin mask, + index * 8; for big-endian tables the byte swap),
 * and ends, as a translation must, with the address: leaf & frame mask | byte
 * offset. N dependent loads, no checks, no result bookkeeping. ratio = lean / chain is
 * what the lean walker costs on top of the memory latency every walk pays,
 * inline_ratio and exact_ratio the same for the inlined lean and the exact walker.
 *
 * Tables: one pool of tables per level. Native tables come from
 * crst_table_alloc() and page_table_alloc(); big-endian ones are carved from one
 * flat block that stands for absolute storage. Every entry is valid and points
 * at a random table of the next pool (an entry may share a lower table with
 * other entries, which DAT allows), so a random (ASCE, address) pair touches a
 * random line in every level's pool. Cold: the pools of a case hold 8 x the
 * last-level cache in all, split evenly over the levels, the ASCEs are spread
 * over the top pool (many address spaces, each with its lean configuration
 * prepared once) so that even the top level misses, and every timed run uses a
 * fresh random slice of requests, so each level misses about as often as the
 * cache-to-working-set ratio allows. Hot: one table per level (one small address
 * space) and 16 addresses in it, cycled; every fetched line stays in L1.
 *
 * "inline" is the same lean walk inlined into the loop (src/dat/walk_lean.h), as
 * libgmap's own callers (TLB fills) get it; "lean" pays the call through
 * dat_lean_walk(). The "_indep" series time the same translations without the dependency
 * (throughput), with their own floor: the chain's loads without the dependency.
 *
 * Instructions per translation are reported beside the times (bench_instr.h):
 * from the CPU's counter where perf_event_open() offers one, else from a
 * second run of this program under callgrind (--count-instructions, hot tables,
 * the same loops); a cold walk takes the same path, so its count is the hot one.
 *
 * Output: one JSON document on stdout. Exit 1 if a walk gives a wrong result.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <endian.h>
#include <stdint.h>
#include <unistd.h>

#include <gmap/dat.h>

#include "bench_instr.h"
#include "bench_util.h"
#include "dat/walk_lean.h"

#define BENCH_INLINE inline __attribute__((always_inline))

#define LINE_SIZE     64UL
#define HOT_ADDRESSES 16UL /* a power of two: the hot loop indexes with i & (HOT_ADDRESSES - 1) */
#define VERIFY_MAX    4096UL
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif
#define COUNT_N 8192UL /* translations per loop in the callgrind run */

/* ---- parameters ----------------------------------------------------------------------------- */

struct params {
	bool quick;
	bool count_only;   /* --count-instructions: the callgrind run, hot loops only */
	bool instructions; /* count instructions at all (--no-instructions turns it off) */
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

/*
 * Big-endian tables live in one flat block standing for absolute storage from 0;
 * an entry holds the offset of the table it designates. The first 64 KiB stay
 * unused, clear of both prefix areas of a zero prefix.
 */
struct flat {
	unsigned char *base;
	unsigned long size, used;
};

#define FLAT_START 0x10000UL

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

static void pool_free(struct pool *p, bool be)
{
	for (unsigned long i = 0; i < p->n && !be; i++) {
		if (p->level == DAT_LEVEL_PTE)
			page_table_free(p->tables[i]);
		else
			crst_table_free(p->tables[i]);
	}
	free(p->tables);
	p->tables = NULL;
	p->n = 0;
}

static void pool_alloc(struct pool *p, int level, unsigned long n, struct flat *f)
{
	p->level = level;
	p->n = n;
	p->tables = bench_malloc(n * sizeof(*p->tables));
	for (unsigned long i = 0; i < n; i++) {
		if (f) {
			/* Tables are aligned to their size; the sizes are allocated largest first.
			 */
			p->tables[i] = (unsigned long *)(f->base + f->used);
			f->used += table_bytes(level);
			continue;
		}
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
	/* Frames beyond the first 8 KiB, so that a zero prefix leaves them alone either way. */
	unsigned long frame = (bench_rnd() & ((1UL << 52) - 1)) | (1UL << 40);

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

/* What an entry holds for a table: its address, or for big-endian tables its offset. */
static unsigned long table_addr(const unsigned long *table, const struct flat *f)
{
	return f ? (unsigned long)((const unsigned char *)table - f->base) : (unsigned long)table;
}

static void pool_fill(struct pool *p, const struct pool *below, const struct flat *f)
{
	unsigned long per = entries_of(p->level);

	for (unsigned long t = 0; t < p->n; t++) {
		for (unsigned long i = 0; i < per; i++) {
			unsigned long e;

			if (below)
				e = link_entry(
					p->level,
					table_addr(below->tables[bench_rnd_below(below->n)], f));
			else
				e = leaf_entry(p->level);
			p->tables[t][i] = f ? htobe64(e) : e;
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
/* Every kind over native tables, then over big-endian ones. */
#define NCASES (2 * NKINDS)

enum series {
	SERIES_LEAN,	     /* lean walker through dat_lean_walk(), dependent: latency */
	SERIES_INLINE,	     /* the same walker inlined, as libgmap's own callers get it */
	SERIES_EXACT,	     /* exact walker, dependent */
	SERIES_CHAIN,	     /* dependent bare loads: the floor */
	SERIES_LEAN_INDEP,   /* lean walker, independent translations: throughput */
	SERIES_INLINE_INDEP, /* inlined lean walker, independent */
	SERIES_EXACT_INDEP,  /* exact walker, independent */
	SERIES_CHAIN_INDEP,  /* independent bare loads: the throughput floor */
	NSERIES,
};

static const char *const series_name[NSERIES] = {
	"lean",	      "inline",	      "exact",	     "chain",
	"lean_indep", "inline_indep", "exact_indep", "chain_indep",
};

struct case_result {
	const struct case_kind *kind;
	bool hot, be;
	unsigned int fetches;
	unsigned long spaces;
	unsigned long addresses;
	unsigned long table_bytes;
	unsigned long n;
	struct stats t[NSERIES];
	double instr[NSERIES];	 /* per translation; < 0: not counted */
	unsigned long preempted; /* timed runs that lost the CPU */
};

/* One translation request, with the lean configuration of its address space. */
struct xlat {
	unsigned long asce;
	unsigned long va;
	const struct dat_lean *lean;
};

/* All tables of one case, top level first, and a lean configuration per address space. */
struct tree {
	struct pool pools[5];
	int top, leaf;
	bool be;
	struct flat flat;
	struct dat_lean *leans;
};

static unsigned long asce_of(int top, unsigned long table)
{
	return table | ((unsigned long)(top - 1) << 2) | _ASCE_TABLE_LENGTH;
}

static void tree_build(struct tree *t, const struct case_kind *k, unsigned long bytes, bool be,
		       unsigned int edat)
{
	unsigned long per_level = bytes / (unsigned long)(k->top - k->leaf + 1), n[5], total;
	struct flat *f = be ? &t->flat : NULL;
	const struct pool *top;

	*t = (struct tree){ .top = k->top, .leaf = k->leaf, .be = be };
	total = FLAT_START;
	for (int l = k->top; l >= k->leaf; l--) {
		n[l] = per_level / table_bytes(l);
		n[l] = n[l] ? n[l] : 1;
		total += n[l] * table_bytes(l);
	}
	if (be) {
		/* aligned_alloc() wants a multiple of the alignment. */
		total = (total + _CRST_TABLE_SIZE - 1) & ~(_CRST_TABLE_SIZE - 1);
		t->flat.size = total;
		t->flat.used = FLAT_START;
		t->flat.base = aligned_alloc(_CRST_TABLE_SIZE, total);
		if (!t->flat.base)
			bench_fail("out of memory");
	}
	/* Region and segment tables first: in the flat block each stays 16 KiB aligned. */
	for (int l = k->top; l >= k->leaf; l--)
		pool_alloc(&t->pools[l], l, n[l], f);
	for (int l = k->leaf; l <= k->top; l++)
		pool_fill(&t->pools[l], l == k->leaf ? NULL : &t->pools[l - 1], f);

	top = &t->pools[k->top];
	t->leans = bench_malloc(top->n * sizeof(*t->leans));
	for (unsigned long i = 0; i < top->n; i++) {
		struct dat_config cfg = { .asce = asce_of(k->top, table_addr(top->tables[i], f)),
					  .edat = edat };
		int rc = be ? dat_lean_init_be(&t->leans[i], &cfg, t->flat.base, t->flat.size)
			    : dat_lean_init(&t->leans[i], &cfg);

		if (rc)
			bench_die("dat_lean_init", rc);
	}
}

static void tree_free(struct tree *t)
{
	for (int l = t->leaf; l <= t->top; l++)
		pool_free(&t->pools[l], t->be);
	free(t->flat.base);
	free(t->leans);
}

static unsigned long tree_bytes(const struct tree *t)
{
	unsigned long sum = 0;

	for (int l = t->leaf; l <= t->top; l++)
		sum += t->pools[l].n * table_bytes(l);
	return sum;
}

/* Addresses the ASCE type can reach: indices above its table must be zero. */
static unsigned long va_mask(int top)
{
	return top == DAT_LEVEL_REGION1 ? ~0UL : (1UL << (_SEGMENT_SHIFT + 11 * top)) - 1;
}

static void make_sequence(struct xlat *seq, unsigned long n, const struct tree *t, bool one_space)
{
	const struct pool *top = &t->pools[t->top];
	const struct flat *f = t->be ? &t->flat : NULL;
	unsigned long fixed = bench_rnd_below(top->n);

	for (unsigned long i = 0; i < n; i++) {
		unsigned long s = one_space ? fixed : bench_rnd_below(top->n);

		seq[i].asce = asce_of(t->top, table_addr(top->tables[s], f));
		seq[i].lean = &t->leans[s];
		seq[i].va = bench_rnd() & va_mask(t->top);
	}
}

/* The exact walker's reader for the flat block: bounds, load, byte swap. */
static int flat_read(void *ctx, unsigned long addr, unsigned long *val)
{
	const struct flat *f = ctx;
	uint64_t be;

	if (addr > f->size - 8)
		return -1;
	memcpy(&be, f->base + addr, 8);
	*val = be64toh(be);
	return 0;
}

/* ---- the measured loops ----------------------------------------------------------------- */

static BENCH_INLINE unsigned long index_of(unsigned long va, int level)
{
	if (level == DAT_LEVEL_PTE)
		return dat_px(va);
	return (va >> (_SEGMENT_SHIFT + 11 * (level - 1))) & 0x7ff;
}

/* The walk's loads and address arithmetic (and byte swap), nothing else: the leaf entry. */
static BENCH_INLINE unsigned long chain_entry(unsigned long asce, unsigned long va, int top,
					      int leaf, const unsigned char *base)
{
	unsigned long origin = asce & _ASCE_ORIGIN, e = 0;

#pragma GCC unroll 5
	for (int l = top; l >= leaf; l--) {
		if (base)
			e = __builtin_bswap64(
				*(const uint64_t *)(base + origin + index_of(va, l) * 8));
		else
			e = ((const unsigned long *)origin)[index_of(va, l)];
		/* Region origins are 4 KiB aligned, so one mask serves every level. */
		origin = e & _SEGMENT_ENTRY_ORIGIN;
	}
	return e;
}

static BENCH_INLINE unsigned long frame_mask(int leaf)
{
	if (leaf == DAT_LEVEL_PTE)
		return PAGE_MASK;
	return leaf == DAT_LEVEL_SEGMENT ? _SEGMENT_MASK : _REGION3_MASK;
}

/*
 * The floor: the chain of loads and, as every translation must end, the address
 * it translates to: the leaf's frame with the byte offset of @va.
 */
static BENCH_INLINE unsigned long chain_one(unsigned long asce, unsigned long va, int top, int leaf,
					    const unsigned char *base)
{
	unsigned long e = chain_entry(asce, va, top, leaf, base);

	return (e & frame_mask(leaf)) | (va & ~frame_mask(leaf));
}

static BENCH_INLINE unsigned long chain_loop(const struct xlat *seq, unsigned long n,
					     unsigned long mask, unsigned long zero, int top,
					     int leaf, const unsigned char *base, bool dep)
{
	unsigned long acc = 0;

	for (unsigned long i = 0; i < n; i++) {
		const struct xlat *x = &seq[i & mask];

		if (dep)
			acc = chain_one(x->asce, x->va | (acc & zero), top, leaf, base);
		else
			acc += chain_one(x->asce, x->va, top, leaf, base);
	}
	return acc;
}

#define CHAIN_CASE(t, l)                                                                \
	case (t)*8 + (l):                                                               \
		if (base)                                                               \
			return dep ? chain_loop(seq, n, mask, zero, t, l, base, true)   \
				   : chain_loop(seq, n, mask, zero, t, l, base, false); \
		return dep ? chain_loop(seq, n, mask, zero, t, l, NULL, true)           \
			   : chain_loop(seq, n, mask, zero, t, l, NULL, false)

/* Dispatch to a copy of the loop unrolled for the case's levels, endianness and dependency. */
static BENCH_NOINLINE unsigned long run_chain(const struct xlat *seq, unsigned long n,
					      unsigned long mask, unsigned long zero, int top,
					      int leaf, const unsigned char *base, bool dep)
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
		return chain_loop(seq, n, mask, zero, top, leaf, base, dep);
	}
}

static BENCH_INLINE struct dat_lean_result lean_one(const struct dat_lean *l, unsigned long va,
						    bool be)
{
	(void)be; /* chosen by dat_lean_init() or dat_lean_init_be() */
	return dat_lean_walk(l, va, DAT_FETCH);
}

static BENCH_INLINE unsigned long lean_loop(const struct xlat *seq, unsigned long n,
					    unsigned long mask, unsigned long zero, bool be,
					    bool dep, unsigned long *failures)
{
	unsigned long acc = 0, bad = 0;

	for (unsigned long i = 0; i < n; i++) {
		const struct xlat *x = &seq[i & mask];
		struct dat_lean_result r =
			lean_one(x->lean, dep ? x->va | (acc & zero) : x->va, be);

		bad += !r.info;
		if (dep)
			acc = r.abs;
		else
			acc += r.abs;
	}
	*failures += bad;
	return acc;
}

static BENCH_NOINLINE unsigned long run_lean(const struct xlat *seq, unsigned long n,
					     unsigned long mask, unsigned long zero, bool be,
					     bool dep, unsigned long *failures)
{
	if (be)
		return dep ? lean_loop(seq, n, mask, zero, true, true, failures)
			   : lean_loop(seq, n, mask, zero, true, false, failures);
	return dep ? lean_loop(seq, n, mask, zero, false, true, failures)
		   : lean_loop(seq, n, mask, zero, false, false, failures);
}

/* The lean walker inlined into the loop, for the case's ASCE type (what src/ callers get). */
static BENCH_INLINE unsigned long inline_loop(const struct xlat *seq, unsigned long n,
					      unsigned long mask, unsigned long zero, int top,
					      bool be, bool dep, unsigned long *failures)
{
	unsigned long acc = 0, bad = 0;

	for (unsigned long i = 0; i < n; i++) {
		const struct xlat *x = &seq[i & mask];
		struct dat_lean_result r = dat_lean_walk_inline(
			x->lean, dep ? x->va | (acc & zero) : x->va, DAT_FETCH, top, be);

		bad += !r.info;
		if (dep)
			acc = r.abs;
		else
			acc += r.abs;
	}
	*failures += bad;
	return acc;
}

#define INLINE_CASE(t)                                                                          \
	case t:                                                                                 \
		if (be)                                                                         \
			return dep ? inline_loop(seq, n, mask, zero, t, true, true, failures)   \
				   : inline_loop(seq, n, mask, zero, t, true, false, failures); \
		return dep ? inline_loop(seq, n, mask, zero, t, false, true, failures)          \
			   : inline_loop(seq, n, mask, zero, t, false, false, failures)

static BENCH_NOINLINE unsigned long run_inline(const struct xlat *seq, unsigned long n,
					       unsigned long mask, unsigned long zero, int top,
					       bool be, bool dep, unsigned long *failures)
{
	switch (top) {
		INLINE_CASE(DAT_LEVEL_REGION1);
		INLINE_CASE(DAT_LEVEL_REGION2);
		INLINE_CASE(DAT_LEVEL_REGION3);
	default:
		INLINE_CASE(DAT_LEVEL_SEGMENT);
	}
}

static BENCH_NOINLINE unsigned long run_exact(const struct xlat *seq, unsigned long n,
					      unsigned long mask, unsigned long zero,
					      unsigned int edat, struct flat *f, bool dep,
					      unsigned long *failures)
{
	struct dat_config cfg = { .edat = edat, .space = DAT_SPACE_PRIMARY };
	struct dat_result res;
	unsigned long acc = 0, bad = 0;

	for (unsigned long i = 0; i < n; i++) {
		const struct xlat *x = &seq[i & mask];
		unsigned long va = dep ? x->va | (acc & zero) : x->va;

		cfg.asce = x->asce;
		if (f)
			bad += dat_translate(&cfg, va, DAT_FETCH, flat_read, f, &res) != 0;
		else
			bad += dat_translate_native(&cfg, va, DAT_FETCH, &res) != 0;
		if (dep)
			acc = res.abs;
		else
			acc += res.abs;
	}
	*failures += bad;
	return acc;
}

/* ---- verification ----------------------------------------------------------------------- */

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
 * Both walkers must translate every request, the exact one fetching exactly the
 * chain's entries, and land on the frame the chain's leaf entry maps; otherwise
 * the timings are of some exception or fallback path and mean nothing. With
 * @touched, also the bytes of the distinct table lines the requests fetch (n *
 * DAT_MAX_STEPS must stay small).
 */
static int verify(const struct xlat *seq, unsigned long n, struct tree *t, unsigned int edat,
		  unsigned int *fetches, unsigned long *touched)
{
	struct dat_config cfg = { .edat = edat, .space = DAT_SPACE_PRIMARY };
	unsigned long lines[HOT_ADDRESSES * DAT_MAX_STEPS], nlines = 0;
	const unsigned char *base = t->be ? t->flat.base : NULL;
	struct dat_result res;

	for (unsigned long i = 0; i < n; i++) {
		unsigned long leaf = chain_entry(seq[i].asce, seq[i].va, t->top, t->leaf, base);
		unsigned long want = chain_one(seq[i].asce, seq[i].va, t->top, t->leaf, base);
		struct dat_lean_result r = lean_one(seq[i].lean, seq[i].va, t->be);
		unsigned int pic;

		cfg.asce = seq[i].asce;
		pic = t->be ? dat_translate(&cfg, seq[i].va, DAT_FETCH, flat_read, &t->flat, &res)
			    : dat_translate_native(&cfg, seq[i].va, DAT_FETCH, &res);
		if (pic || res.abs != want || res.nsteps != (unsigned int)(t->top - t->leaf + 1) ||
		    res.large != (t->leaf != DAT_LEVEL_PTE) ||
		    res.steps[res.nsteps - 1].val != leaf || !r.info || r.abs != want) {
			fprintf(stderr,
				"bench_dat: asce %#lx va %#lx: pic %u (%s) abs %#lx want %#lx "
				"steps %u, lean %#lx info %#lx\n",
				seq[i].asce, seq[i].va, pic, dat_pic_name(pic), res.abs, want,
				res.nsteps, r.abs, r.info);
			return -1;
		}
		*fetches = res.nsteps;
		for (unsigned int s = 0; touched && s < res.nsteps; s++)
			if (nlines < sizeof(lines) / sizeof(lines[0]))
				lines[nlines++] =
					(res.steps[s].addr + (unsigned long)base) / LINE_SIZE;
	}
	if (touched)
		*touched = distinct_line_bytes(lines, nlines);
	return 0;
}

/* ---- measuring one case ----------------------------------------------------------------- */

static unsigned long run_series(enum series which, const struct xlat *seq, unsigned long n,
				unsigned long mask, unsigned long zero, struct tree *t,
				const struct params *p, unsigned long *failures)
{
	const unsigned char *base = t->be ? t->flat.base : NULL;
	struct flat *f = t->be ? &t->flat : NULL;

	switch (which) {
	case SERIES_LEAN:
	case SERIES_LEAN_INDEP:
		return run_lean(seq, n, mask, zero, t->be, which == SERIES_LEAN, failures);
	case SERIES_INLINE:
	case SERIES_INLINE_INDEP:
		return run_inline(seq, n, mask, zero, t->top, t->be, which == SERIES_INLINE,
				  failures);
	case SERIES_EXACT:
	case SERIES_EXACT_INDEP:
		return run_exact(seq, n, mask, zero, p->edat, f, which == SERIES_EXACT, failures);
	default:
		return run_chain(seq, n, mask, zero, t->top, t->leaf, base, which == SERIES_CHAIN);
	}
}

/* One case being measured: its tables, its requests and the times so far. */
struct run {
	struct case_result *r;
	struct tree t;
	struct xlat *seq;
	unsigned long mask; /* hot: the requests are cycled */
	bool slices;	    /* cold: every timed run gets fresh requests */
	double v[NSERIES][BENCH_MAX_REPS];
	double ins[NSERIES][BENCH_MAX_REPS]; /* instructions per translation (perf) */
	unsigned long failures;
};

/* Whether perf_event_open() counts instructions in this process. */
static bool have_perf;

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
			unsigned long i0;
			long before;
			double t0;

			if (!u->slices)
				bench_sink = run_series(s, slice, n / 16 + 1, u->mask, zero, &u->t,
							p, &u->failures);
			before = bench_preemptions();
			i0 = bench_instr_read();
			t0 = bench_now_ns();
			bench_sink = run_series(s, slice, n, u->mask, zero, &u->t, p, &u->failures);
			u->v[s][rep] = (bench_now_ns() - t0) / (double)n;
			u->ins[s][rep] = (double)(bench_instr_read() - i0) / (double)n;
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
	for (int s = 0; s < NSERIES; s++) {
		r->t[s] = stats_of(u->v[s], p->reps);
		r->instr[s] = have_perf ? stats_of(u->ins[s], p->reps).median : -1;
	}
}

static void run_setup_hot(struct run *u, struct case_result *r, unsigned long k, bool be,
			  const struct params *p)
{
	*r = (struct case_result){ .kind = &kinds[k],
				   .hot = true,
				   .be = be,
				   .spaces = 1,
				   .addresses = HOT_ADDRESSES,
				   .n = p->hot_n };
	*u = (struct run){ .r = r, .mask = HOT_ADDRESSES - 1 };
	u->seq = bench_malloc(HOT_ADDRESSES * sizeof(*u->seq));
	tree_build(&u->t, &kinds[k], 0, be, p->edat);
	make_sequence(u->seq, HOT_ADDRESSES, &u->t, true);
	if (verify(u->seq, HOT_ADDRESSES, &u->t, p->edat, &r->fetches, &r->table_bytes))
		exit(1);
}

/*
 * Hot: one table per level (one small address space) and 16 addresses in it.
 * The cases take turns repetition by repetition, so that a burst of load from
 * elsewhere on the machine costs each case one repetition, not a whole median.
 */
static void run_hot(const struct params *p, struct case_result *results)
{
	static struct run runs[NCASES];

	for (unsigned long c = 0; c < NCASES; c++)
		run_setup_hot(&runs[c], &results[c], c % NKINDS, c >= NKINDS, p);
	for (unsigned int rep = 0; rep < p->reps; rep++)
		for (unsigned long c = 0; c < NCASES; c++)
			run_rep(&runs[c], rep, p);
	for (unsigned long c = 0; c < NCASES; c++) {
		run_finish(&runs[c], p);
		tree_free(&runs[c].t);
		free(runs[c].seq);
	}
}

/* Cold: one case at a time, as each has hundreds of MiB of tables. */
static void run_cold(unsigned long c, const struct params *p, struct case_result *r)
{
	unsigned long len = NSERIES * p->reps * p->cold_n;
	const struct case_kind *k = &kinds[c % NKINDS];
	struct run u;

	u = (struct run){ .r = r, .mask = ~0UL, .slices = true };
	u.seq = bench_malloc(len * sizeof(*u.seq));
	tree_build(&u.t, k, p->cold_bytes, c >= NKINDS, p->edat);
	make_sequence(u.seq, len, &u.t, false);
	*r = (struct case_result){ .kind = k,
				   .be = c >= NKINDS,
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

/* ---- instructions under callgrind ------------------------------------------------------- */

/* The name of a count in the callgrind run: "<case index>/<series>". */
static void count_name(char *buf, size_t size, unsigned long c, int s)
{
	snprintf(buf, size, "%lu/%s", c, series_name[s]);
}

/*
 * --count-instructions: under callgrind, run each hot loop once between
 * bench_cg_start() and bench_cg_stop(); the parent reads the counts back.
 */
static void count_instructions(const struct params *p)
{
	for (unsigned long c = 0; c < NCASES; c++) {
		struct case_result r;
		struct run u;

		run_setup_hot(&u, &r, c % NKINDS, c >= NKINDS, p);
		for (int s = 0; s < NSERIES; s++) {
			char name[64];

			bench_sink = run_series(s, u.seq, COUNT_N / 16 + 1, u.mask, bench_zero,
						&u.t, p, &u.failures);
			count_name(name, sizeof(name), c, s);
			bench_cg_start();
			bench_sink = run_series(s, u.seq, COUNT_N, u.mask, bench_zero, &u.t, p,
						&u.failures);
			bench_cg_stop(name);
		}
		tree_free(&u.t);
		free(u.seq);
	}
}

struct cg_results {
	struct case_result *results;
	unsigned long n;
	bool any;
};

static void cg_found(void *ctx, const char *name, unsigned long ir)
{
	struct cg_results *cg = ctx;
	char want[64];

	for (unsigned long c = 0; c < NCASES; c++) {
		for (int s = 0; s < NSERIES; s++) {
			count_name(want, sizeof(want), c, s);
			if (strcmp(name, want))
				continue;
			/* The hot case and the cold one of the same kind take the same path. */
			cg->results[c].instr[s] = (double)ir / (double)cg->n;
			cg->results[NCASES + c].instr[s] = (double)ir / (double)cg->n;
			cg->any = true;
		}
	}
}

/* Run this program again under callgrind for the instruction counts. */
static const char *instructions_by_callgrind(const char *self, const struct params *p,
					     struct case_result *results)
{
	char seed[32], edat[8];
	char *argv[] = {
		(char *)self, "--count-instructions", "--seed", seed, "--edat", edat, NULL
	};
	struct cg_results cg = { .results = results, .n = COUNT_N };

	snprintf(seed, sizeof(seed), "%lu", p->seed);
	snprintf(edat, sizeof(edat), "%u", p->edat);
	if (!bench_cg_run(argv, cg_found, &cg) || !cg.any)
		return "none";
	return "callgrind";
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

static void print_params(struct json *j, const struct params *p, const char *instr_source)
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
	json_str(j, "lean",
		 "dat_lean_walk() after dat_lean_init() / dat_lean_init_be(), DAT_FETCH");
	json_str(j, "exact",
		 "dat_translate_native() / dat_translate() with a flat big-endian "
		 "reader, DAT_FETCH");
	json_str(j, "chain",
		 "same entries, same order: load (+ byte swap), & origin mask, "
		 "+ index * 8; then leaf & frame mask | byte offset");
	json_str(j, "indep", "the *_indep series: the same without the dependency (throughput)");
	json_str(j, "instructions", instr_source);
	json_str(j, "instructions_note",
		 instr_source[0] == 'c'
			 ? "callgrind, hot tables, per translation; cold cases take the same path"
			 : "retired user-space instructions per translation, median of the runs");
	json_close(j, '}');
}

static void print_case(struct json *j, const struct case_result *r)
{
	const struct case_kind *k = r->kind;
	char key[48];

	json_open(j, NULL, '{');
	json_str(j, "name", k->name);
	json_str(j, "tables", r->be ? "big-endian" : "native");
	json_str(j, "asce", k->asce_name);
	json_str(j, "frame", k->frame);
	json_ulong(j, "levels", (unsigned long)(k->top - k->leaf + 1));
	json_ulong(j, "fetches", r->fetches);
	json_str(j, "cache", r->hot ? "hot" : "cold");
	json_ulong(j, "address_spaces", r->spaces);
	json_ulong(j, "addresses", r->addresses);
	json_ulong(j, "working_set_bytes", r->table_bytes);
	json_ulong(j, "translations_per_rep", r->n);
	for (int s = 0; s < NSERIES; s++) {
		snprintf(key, sizeof(key), "%s_ns", series_name[s]);
		json_stats(j, key, &r->t[s], 2);
	}
	json_double(j, "ratio", r->t[SERIES_LEAN].median / r->t[SERIES_CHAIN].median, 3);
	json_double(j, "inline_ratio", r->t[SERIES_INLINE].median / r->t[SERIES_CHAIN].median, 3);
	json_double(j, "exact_ratio", r->t[SERIES_EXACT].median / r->t[SERIES_CHAIN].median, 3);
	json_double(j, "indep_ratio",
		    r->t[SERIES_LEAN_INDEP].median / r->t[SERIES_CHAIN_INDEP].median, 3);
	json_double(j, "inline_indep_ratio",
		    r->t[SERIES_INLINE_INDEP].median / r->t[SERIES_CHAIN_INDEP].median, 3);
	json_double(j, "exact_indep_ratio",
		    r->t[SERIES_EXACT_INDEP].median / r->t[SERIES_CHAIN_INDEP].median, 3);
	for (int s = 0; s < NSERIES && r->instr[s] >= 0; s++) {
		snprintf(key, sizeof(key), "%s_instructions", series_name[s]);
		json_double(j, key, r->instr[s], 1);
	}
	json_ulong(j, "preempted_runs", r->preempted);
	json_close(j, '}');
}

/* ---- main ------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_dat [--quick] [--reps N] [--cold-mib N] [--seed N] [--edat N]\n"
		"                 [--no-instructions] [--help]\n"
		"\n"
		"Latency of the lean DAT walker (dat_lean_walk()) and\n"
		"of the exact one (dat_translate_native(), dat_translate()) for 5- to 2-level\n"
		"walks with 4 KiB pages and for EDAT-1 1 MiB and EDAT-2 2 GiB frames, over native\n"
		"and big-endian tables, hot and cold, next to the floor: the same dependent\n"
		"loads with no checks. With instructions per translation from perf_event_open()\n"
		"or, where that has no counter, from a run under callgrind. Prints one JSON\n"
		"document.\n"
		"\n"
		"  --quick            few repetitions and a small cold set (smoke test)\n"
		"  --reps N           repetitions per measurement (default 11, at most 64)\n"
		"  --cold-mib N       table memory per case for the cold runs (default 8 x LLC)\n"
		"  --seed N           seed of the random tables and addresses (default fixed)\n"
		"  --edat N           EDAT level of the walks, 2 by default (the 1M and 2G cases\n"
		"                     need it)\n"
		"  --no-instructions  do not count instructions\n"
		"  --help             this text\n");
}

static void parse_args(int argc, char **argv, struct params *p, const struct caches *c)
{
	unsigned long cold_mib = 0, reps = 0, seed = 0;

	p->edat = 2;
	p->instructions = true;
	for (int i = 1; i < argc; i++) {
		if (bench_common_option(argv, &i, usage, &p->quick, &reps))
			continue;
		if (!strcmp(argv[i], "--seed")) {
			seed = bench_parse_num(argv[i], argv[i + 1], 1, ~0UL);
			i++;
		} else if (!strcmp(argv[i], "--cold-mib")) {
			cold_mib = bench_parse_num(argv[i], argv[i + 1], 1, 1024);
			i++;
		} else if (!strcmp(argv[i], "--edat")) {
			p->edat = (unsigned int)bench_parse_num(argv[i], argv[i + 1], 2, 2);
			i++;
		} else if (!strcmp(argv[i], "--no-instructions")) {
			p->instructions = false;
		} else if (!strcmp(argv[i], "--count-instructions")) {
			/* Internal: the callgrind run of instructions_by_callgrind(). */
			p->count_only = true;
		} else {
			fprintf(stderr, "bench_dat: unknown option %s\n", argv[i]);
			usage(stderr);
			exit(2);
		}
	}
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
	static struct case_result results[2 * NCASES];
	const char *instr_source = "none";
	struct bench_machine m;
	struct caches c = { 0 };
	struct params p = { 0 };
	struct stats l1, mem;
	struct json j = { 0 };

	bench_set_name("bench_dat");
	read_caches(&c);
	parse_args(argc, argv, &p, &c);
	bench_seed(p.seed);
	if (p.count_only) {
		count_instructions(&p);
		return 0;
	}
	bench_describe_machine(&m);
	have_perf = p.instructions && bench_instr_open();
	if (have_perf)
		instr_source = "perf_event_open";

	l1 = chase_ns(4096, p.l1_n, p.reps);
	mem = chase_ns(p.mem_bytes, p.mem_n, p.reps);
	run_hot(&p, results);
	for (unsigned long k = 0; k < NCASES; k++)
		run_cold(k, &p, &results[NCASES + k]);
	bench_machine_done(&m);
	/* valgrind cannot run a sanitized build, whose counts would mean little anyway. */
	if (p.instructions && !have_perf && !bench_on_valgrind() && !SANITIZED) {
		/* Resolved here: under valgrind, /proc/self/exe would be valgrind. */
		char self[4096];
		ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

		if (len > 0) {
			self[len] = 0;
			instr_source = instructions_by_callgrind(self, &p, results);
		}
	}

	json_open(&j, NULL, '{');
	json_str(&j, "benchmark", "bench_dat");
	print_machine(&j, &m, &c);
	json_build(&j);
	print_params(&j, &p, instr_source);
	json_open(&j, "dep_load", '{');
	json_stats(&j, "l1_ns", &l1, 2);
	json_stats(&j, "mem_ns", &mem, 2);
	json_ulong(&j, "mem_bytes", p.mem_bytes);
	json_close(&j, '}');
	json_open(&j, "cases", '[');
	for (unsigned long i = 0; i < 2 * NCASES; i++)
		print_case(&j, &results[i]);
	json_close(&j, ']');
	json_close(&j, '}');
	return fflush(stdout) ? 1 : 0;
}
