// SPDX-License-Identifier: GPL-2.0
/*
 * Randomized differential test between the two DAT walkers: the lean one
 * (dat_lean_walk() over native and big-endian tables, dat_translate_lean()) and the
 * exact one (dat_translate()). Random table hierarchies, mostly made of the
 * plain entries the lean walker is for and sprinkled with every bit that can
 * make an entry differ from them, are walked by both for random machine states
 * and addresses, once as native tables in process memory and once as the same
 * tables in big-endian storage.
 *
 * What must hold for every address and access:
 *  - where the lean walker translates, the exact one translates too, to the
 *    same absolute address, with the same protection, IEP bit and leaf level;
 *  - dat_translate_lean() gives exactly what dat_translate() gives (steps and
 *    the leaf's entry address excepted when the lean walk translated);
 *  - where the lean walker names the exception (dat_lean_exception()), the exact
 *    one gives the same program-interruption code, TEID and level;
 *  - where every entry on the way is plain (full tables, no reserved bit that
 *    counts, no exception), the lean walker translates by itself, and where the
 *    walk ends in a common exception after plain entries (an invalid entry, the
 *    ASCE's reach, store protection, IEP) it names that
 *    exception by itself: a walker that always fell back would pass the first
 *    rules and prove nothing.
 *
 * The same holds for the batched walker (dat_lean_walk_batch(), any number of walks
 * in flight, answers in input order: each equals the single walk of its address) and
 * for the walker over storage in spans (dat_lean_init_spans(): the big-endian storage
 * cut into pieces copied apart, as an ELF core's segments, sometimes with a hole or
 * bounds inside a granule; the exact walker reads the same pieces). Without holes and
 * with granule-aligned pieces, the spans walker must translate wherever the flat one
 * does.
 *
 * DAT_LEAN_DIFF_SEED=<n> repeats a run; the seed is printed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gmap/alloc.h>

#include "bemem.h"
#include "rng.h"

#define ARENA_SIZE  (4UL << 20)
#define ARENA_BASE  0x100000UL /* absolute address of the arena in the big-endian storage */
#define ROUNDS	    600
#define VAS	    24
#define MAX_REPORTS 10

/*
 * The tables of one round: bump-allocated from an arena that is either process
 * memory (native: entries hold pointers) or big-endian storage (entries hold
 * absolute addresses).
 */
struct arena {
	bool be;
	unsigned char *mem;   /* native: the arena itself; be: storage from absolute 0 */
	unsigned long origin; /* what an entry holds for the arena's first byte */
	unsigned long used;
};

static struct rng rng;
static unsigned long seed, nwalks, nlean, nplain, nfail, nexc, ncommon;
static unsigned long nbatch, nspans, nspans_lean;

static unsigned long entry_get(const struct arena *a, unsigned long origin)
{
	if (a->be)
		return bemem_get(&(struct bemem){ a->mem, ARENA_BASE + ARENA_SIZE }, origin);
	return *(const unsigned long *)origin;
}

static void entry_put(struct arena *a, unsigned long origin, unsigned long val)
{
	if (a->be)
		bemem_put(&(struct bemem){ a->mem, ARENA_BASE + ARENA_SIZE }, origin, val);
	else
		*(unsigned long *)origin = val;
}

/* A new table filled with @empty, or 0 if the arena is full. */
static unsigned long table_new(struct arena *a, bool page_table, unsigned long empty)
{
	unsigned long size = page_table ? _PAGE_TABLE_SIZE : _CRST_TABLE_SIZE;
	unsigned long entries = page_table ? _PAGE_ENTRIES : _CRST_ENTRIES, t;

	a->used = (a->used + size - 1) & ~(size - 1);
	if (a->used + size > ARENA_SIZE)
		return 0;
	t = a->origin + a->used;
	a->used += size;
	for (unsigned long i = 0; i < entries; i++)
		entry_put(a, t + 8 * i, empty);
	return t;
}

/* Bits that make an entry of @level other than plain, each chosen now and then. */
static unsigned long oddity(int level)
{
	static const unsigned long region[] = {
		_REGION_ENTRY_INVALID, 0x04,  0x08, 0x40, 0x80, 0x01, 0x02, _REGION3_ENTRY_LARGE,
		_REGION3_ENTRY_COMM,   0x100, 0x800
	};
	static const unsigned long segment[] = {
		_SEGMENT_ENTRY_INVALID, 0x04,  0x08, _SEGMENT_ENTRY_LARGE,
		_SEGMENT_ENTRY_COMM,	0x100, 0xc0, 0x03
	};
	static const unsigned long page[] = { _PAGE_INVALID, _PAGE_LARGE, _PAGE_NOEXEC };

	if (below(&rng, 6))
		return 0;
	if (level == DAT_LEVEL_PTE)
		return page[below(&rng, 3)];
	if (level == DAT_LEVEL_SEGMENT)
		return segment[below(&rng, 8)];
	return region[below(&rng, 11)];
}

static unsigned long empty_entry(int level)
{
	static const unsigned long empty[] = { _PAGE_INVALID, _SEGMENT_ENTRY_EMPTY,
					       _REGION3_ENTRY_EMPTY, _REGION2_ENTRY_EMPTY,
					       _REGION1_ENTRY_EMPTY };
	return empty[level];
}

/* A leaf for @level: a page frame, or (when asked) a 1 MiB or 2 GiB frame. */
static unsigned long leaf_entry(int level)
{
	/* Pages in and next to the two 8 KiB blocks that prefixing swaps, for every prefix. */
	static const unsigned long swapped[] = { 0,	  0x1000,  0x2000,  0x3000,
						 0x7e000, 0x7f000, 0x10000, 0x11000 };
	unsigned long frame = rnd(&rng) & ((1UL << 40) - 1);
	unsigned long p = below(&rng, 4) ? 0 : _PAGE_PROTECT;

	if (level == DAT_LEVEL_PTE && !below(&rng, 4))
		frame = swapped[below(&rng, 8)];

	if (level == DAT_LEVEL_PTE)
		return (frame & PAGE_MASK) | p | (rnd(&rng) & _PAGE_SW_BITS) | oddity(level);
	if (level == DAT_LEVEL_SEGMENT)
		return (frame & _SEGMENT_ENTRY_ORIGIN_LARGE) | _SEGMENT_ENTRY_LARGE | p |
		       (rnd(&rng) & 0xf000) | oddity(level);
	return (frame & _REGION3_ENTRY_ORIGIN_LARGE) | _REGION3_ENTRY_LARGE |
	       _REGION_ENTRY_TYPE_R3 | p | oddity(level);
}

/* Whether an entry read on the way is one the lean walker must take by itself. */
static bool plain_link(int level, unsigned long e)
{
	if (level == DAT_LEVEL_SEGMENT)
		return !(e & (_SEGMENT_ENTRY_INVALID | _SEGMENT_ENTRY_TYPE_MASK |
			      _SEGMENT_ENTRY_LARGE | _SEGMENT_ENTRY_COMM));
	return (e & 0xff) == (((unsigned long)(level - 1) << 2) | _REGION_ENTRY_LENGTH) &&
	       !(e & (_REGION3_ENTRY_LARGE | _REGION3_ENTRY_COMM));
}

/*
 * Make sure @va has a path from the table at @origin of @level down to a leaf,
 * creating plain tables where the entry is empty. Some entries become leaves
 * early (large frames, only where @edat makes them frames: a native walk
 * would otherwise follow a frame address as a table) or get an oddity.
 */
static void build_path(struct arena *a, unsigned long origin, int level, unsigned long va,
		       unsigned int edat)
{
	for (; level >= DAT_LEVEL_PTE; level--) {
		unsigned long idx = level == DAT_LEVEL_PTE
					    ? dat_px(va)
					    : (va >> (_SEGMENT_SHIFT + 11 * (level - 1))) & 0x7ff;
		unsigned long ea = origin + idx * 8, e = entry_get(a, ea), next;

		if (e != empty_entry(level)) {
			if (level == DAT_LEVEL_PTE || !plain_link(level, e))
				return;
			origin = e & (level == DAT_LEVEL_SEGMENT ? _SEGMENT_ENTRY_ORIGIN
								 : _REGION_ENTRY_ORIGIN);
			continue;
		}
		if (level == DAT_LEVEL_PTE ||
		    (level == DAT_LEVEL_SEGMENT && edat >= 1 && !below(&rng, 5)) ||
		    (level == DAT_LEVEL_REGION3 && edat >= 2 && !below(&rng, 5))) {
			entry_put(a, ea, leaf_entry(level));
			return;
		}
		next = table_new(a, level == DAT_LEVEL_SEGMENT, empty_entry(level - 1));
		if (!next)
			return;
		e = next | (below(&rng, 6) ? 0 : _REGION_ENTRY_PROTECT) | oddity(level);
		if (level > DAT_LEVEL_SEGMENT)
			e |= ((unsigned long)(level - 1) << 2) | _REGION_ENTRY_LENGTH;
		entry_put(a, ea, e);
		origin = next;
	}
}

/* Random machine state; the ASCE is set by the caller. */
static struct dat_config random_config(void)
{
	static const unsigned long prefixes[] = { 0, 0, 0x2000, 0x7e000, 0x10000 };
	struct dat_config cfg = {
		.edat = (unsigned int)below(&rng, 3),
		.iep_installed = below(&rng, 2),
		.lap = below(&rng, 2),
		.space = (enum dat_space)below(&rng, 4),
		.prefix = prefixes[below(&rng, 5)],
	};

	cfg.iep = cfg.iep_installed && below(&rng, 2);
	return cfg;
}

/* An address near the built ones, or one of the edges the lean walker must leave alone. */
static unsigned long pick_va(const unsigned long *vas, unsigned long va_mask)
{
	switch (below(&rng, 8)) {
	case 0:
		return rnd(&rng) & va_mask;
	case 1:
		return rnd(&rng) & 0x1fff; /* low-address protection, prefix area */
	case 2:
		return rnd(&rng); /* beyond the ASCE's reach, mostly */
	default:
		return vas[below(&rng, VAS)] ^ (rnd(&rng) & 0xfff);
	}
}

static void report(const char *what, const struct dat_config *cfg, unsigned long va,
		   enum dat_access acc, const struct dat_result *x, struct dat_lean_result r,
		   bool be)
{
	if (++nfail > MAX_REPORTS)
		return;
	print_error("%s (%s, seed %#lx): asce %016lx edat %u iep %d/%d lap %d prefix %#lx "
		    "va %016lx access %d\n  exact: pic %#x abs %#lx real %#lx prot %d iep %d "
		    "level %d; lean: abs %#lx info %#lx\n",
		    what, be ? "big-endian" : "native", seed, cfg->asce, cfg->edat, cfg->iep,
		    cfg->iep_installed, cfg->lap, cfg->prefix, va, acc, x->pic, x->abs, x->real,
		    x->prot, x->iep, x->level, r.abs, r.info);
}

/* Whether every entry the exact walk fetched is one the lean walker takes as it is. */
static bool plain_walk(const struct dat_result *x)
{
	for (unsigned int i = 0; i + 1 < x->nsteps; i++)
		if (x->steps[i].level > DAT_LEVEL_PTE &&
		    !plain_link(x->steps[i].level, x->steps[i].val))
			return false;
	return true;
}

/* The translation exception of an invalid entry at @level. */
static unsigned int level_pic(int level)
{
	static const unsigned int pic[] = { PGM_PAGE_TRANSLATION, PGM_SEGMENT_TRANSLATION,
					    PGM_REGION_THIRD_TRANS, PGM_REGION_SECOND_TRANS,
					    PGM_REGION_FIRST_TRANS };

	return pic[level];
}

/* A lean result that names an exception the exact walker (@x) does not give. */
static bool exc_differs(const struct dat_lean *l, unsigned long va, enum dat_access acc,
			struct dat_lean_result r, const struct dat_result *x)
{
	struct dat_result e;

	if (r.info || !r.abs)
		return false;
	memset(&e, 0x5a, sizeof(e));
	if (!dat_lean_exception(l, va, acc, r, &e))
		return true; /* @abs set without an exception */
	return !x->pic || e.pic != x->pic || e.teid != x->teid || e.level != x->level || e.nsteps ||
	       e.entry_addr || e.abs || e.prot;
}

/*
 * Whether the exact answer @x is a common exception reached over plain entries, which
 * the lean walker must name by itself (where it walks at all).
 */
static bool common_exception(const struct dat_config *cfg, unsigned long va, enum dat_access acc,
			     const struct dat_result *x)
{
	const struct dat_step *last = x->nsteps ? &x->steps[x->nsteps - 1] : NULL;

	if (!x->pic || (cfg->asce & _ASCE_REAL_SPACE) ||
	    (acc == DAT_STORE && cfg->lap && va < 4608))
		return false;
	if (x->level == DAT_LEVEL_ASCE)
		return true;
	if (!last || !plain_walk(x))
		return false;
	if (x->pic == PGM_PROTECTION)
		return true;
	/* An invalid entry (not a table offset or length that leaves the index out). */
	return x->level == last->level && x->pic == level_pic(x->level) &&
	       (last->val & (x->level == DAT_LEVEL_PTE ? _PAGE_INVALID : _REGION_ENTRY_INVALID));
}

static bool same_result(const struct dat_result *a, const struct dat_result *b, bool lean)
{
	if (a->pic != b->pic || a->teid != b->teid || a->level != b->level)
		return false;
	if (!lean && (a->entry_addr != b->entry_addr || a->nsteps != b->nsteps))
		return false;
	if (a->pic)
		return true;
	return a->abs == b->abs && a->real == b->real && a->large == b->large &&
	       a->prot == b->prot && a->iep == b->iep;
}

static void check_one(const struct dat_config *cfg, const struct dat_lean *l, struct bemem *m,
		      unsigned long va, enum dat_access acc)
{
	bool be = l->base != NULL;
	struct dat_result x, y;
	struct dat_lean_result r;
	int level;

	if (be)
		dat_translate(cfg, va, acc, bemem_read, m, &x);
	else
		dat_translate_native(cfg, va, acc, &x);
	r = dat_lean_walk(l, va, acc);
	dat_translate_lean(l, va, acc, be ? bemem_read : NULL, m, &y);
	nwalks++;
	level = (int)((r.info & DAT_LEAN_LEVEL_MASK) >> DAT_LEAN_LEVEL_SHIFT);
	if (r.info) {
		nlean++;
		if (x.pic || r.abs != x.abs || !!(r.info & DAT_LEAN_PROT) != x.prot ||
		    !!(r.info & DAT_LEAN_IEP) != x.iep || level != x.level ||
		    !(r.info & DAT_LEAN_OK))
			report("lean walk differs", cfg, va, acc, &x, r, be);
	}
	if (exc_differs(l, va, acc, r, &x))
		report("lean exception differs", cfg, va, acc, &x, r, be);
	nexc += !r.info && r.abs;
	if (!same_result(&x, &y, r.info || r.abs))
		report("dat_translate_lean() differs", cfg, va, acc, &x, r, be);
	if (l->kind != DAT_LEAN_SLOW && common_exception(cfg, va, acc, &x)) {
		ncommon++;
		if (!r.abs || r.info)
			report("lean walk fell back on a common exception", cfg, va, acc, &x, r,
			       be);
	}
	/*
	 * The common case must not fall back: a translation over plain entries with no
	 * low-address store, store protection or IEP refusal, and a prefix XOR can apply.
	 */
	if (!x.pic && plain_walk(&x) && !(cfg->asce & _ASCE_REAL_SPACE) &&
	    !(acc == DAT_STORE && cfg->lap && va < 4608) &&
	    !(acc == DAT_IFETCH && cfg->iep && x.iep) && !(acc == DAT_STORE && x.prot)) {
		nplain++;
		if (!r.info)
			report("lean walk fell back on a plain translation", cfg, va, acc, &x, r,
			       be);
	}
}

/* ---- batches and spans --------------------------------------------------------------- */

#define MAX_SPANS 12
#define BATCH_N	  200

/* The big-endian storage cut into pieces copied apart; a dat_read_fn over them. */
struct spans {
	struct dat_lean_span s[MAX_SPANS];
	unsigned char *copy[MAX_SPANS];
	unsigned int n;
	bool aligned; /* no hole, every bound 4 KiB aligned, every copy 8-byte aligned */
};

static int spans_read(void *ctx, unsigned long addr, unsigned long *val)
{
	const struct spans *sp = ctx;
	uint64_t be;

	for (unsigned int i = 0; i < sp->n; i++) {
		const struct dat_lean_span *s = &sp->s[i];

		if (addr - s->addr < s->size && s->size - (addr - s->addr) >= 8) {
			memcpy(&be, (const unsigned char *)s->data + (addr - s->addr), 8);
			*val = be64toh(be);
			return 0;
		}
	}
	return -1; /* a hole, or an entry across two pieces: not storage here */
}

/*
 * Cut the first @total bytes of @m (the tables: a multiple of 32 KiB) into pieces:
 * mostly 4 KiB multiples, sometimes odd bounds, holes, misalignment.
 */
static void spans_make(struct spans *sp, const struct bemem *m, unsigned long total)
{
	unsigned long addr = 0, size;
	unsigned int odd = (unsigned int)below(&rng, 3);

	memset(sp, 0, sizeof(*sp));
	sp->aligned = !odd;
	while (addr < total && sp->n < MAX_SPANS) {
		size = (below(&rng, 4) + 1) * (total / 8);
		if (odd == 1 && below(&rng, 2))
			size = size - 4096 + 8 * below(&rng, 512);
		if (sp->n + 1 == MAX_SPANS || size > total - addr)
			size = total - addr;
		/* odd == 2: a hole instead of this piece now and then, or misaligned bytes */
		if (odd == 2 && !below(&rng, 4)) {
			addr += size;
			continue;
		}
		sp->copy[sp->n] = malloc(size + 8);
		assert_non_null(sp->copy[sp->n]);
		unsigned int mis = odd == 2 && !below(&rng, 4) ? 4 : 0;

		memcpy(sp->copy[sp->n] + mis, m->mem + addr, size);
		sp->s[sp->n] = (struct dat_lean_span){ addr, size, sp->copy[sp->n] + mis };
		sp->n++;
		addr += size;
	}
}

static void spans_free(struct spans *sp)
{
	for (unsigned int i = 0; i < sp->n; i++)
		free(sp->copy[i]);
}

static bool same_lean(struct dat_lean_result a, struct dat_lean_result b)
{
	return a.info == b.info && a.abs == b.abs;
}

/* A lean result against the exact walker's answer for the same address. */
static void check_against_exact(const char *what, const struct dat_config *cfg,
				const struct dat_lean *l, unsigned long va, enum dat_access acc,
				struct dat_lean_result r, const struct dat_result *x)
{
	int level = (int)((r.info & DAT_LEAN_LEVEL_MASK) >> DAT_LEAN_LEVEL_SHIFT);

	if (r.info &&
	    (x->pic || r.abs != x->abs || !!(r.info & DAT_LEAN_PROT) != x->prot ||
	     !!(r.info & DAT_LEAN_IEP) != x->iep || level != x->level || !(r.info & DAT_LEAN_OK)))
		report(what, cfg, va, acc, x, r, true);
	if (exc_differs(l, va, acc, r, x))
		report(what, cfg, va, acc, x, r, true);
}

/*
 * A batch of addresses through dat_lean_walk_batch() with a random number in flight:
 * each answer, in input order, is the single walk's, and agrees with the exact one.
 */
static void check_batch(const struct dat_config *cfg, const struct dat_lean *l, struct bemem *m,
			const unsigned long *vas, unsigned long va_mask)
{
	unsigned long va[BATCH_N];
	struct dat_lean_result out[BATCH_N];
	unsigned int n = (unsigned int)below(&rng, BATCH_N) + 1;
	unsigned int k = below(&rng, 4) ? (unsigned int)below(&rng, 33) : 1U << below(&rng, 8);
	enum dat_access acc = (enum dat_access)below(&rng, 3);
	bool be = l->base != NULL;
	struct dat_result x;

	for (unsigned int i = 0; i < n; i++)
		va[i] = pick_va(vas, va_mask);
	/* Poison: every slot must be written. */
	memset(out, 0x5a, sizeof(out));
	assert_int_equal(dat_lean_walk_batch(l, va, n, acc, k, out), 0);
	for (unsigned int i = 0; i < n; i++) {
		struct dat_lean_result one = dat_lean_walk(l, va[i], acc);

		nbatch++;
		if (be)
			dat_translate(cfg, va[i], acc, bemem_read, m, &x);
		else
			dat_translate_native(cfg, va[i], acc, &x);
		if (!same_lean(out[i], one))
			report("batch differs from the single walk", cfg, va[i], acc, &x, out[i],
			       be);
		check_against_exact("batch walk differs", cfg, l, va[i], acc, out[i], &x);
	}
}

/*
 * The same storage cut into spans: single and batched walks over them against the
 * exact walker over the same pieces, and, where the pieces leave nothing out, against
 * the flat walker @flat.
 */
static void check_spans(const struct dat_config *cfg, const struct dat_lean *flat, struct bemem *m,
			unsigned long used, const unsigned long *vas, unsigned long va_mask)
{
	unsigned long va[BATCH_N];
	struct dat_lean_result out[BATCH_N];
	struct spans sp;
	struct dat_lean l;
	struct dat_result x;
	enum dat_access acc = (enum dat_access)below(&rng, 3);
	unsigned int k = (unsigned int)below(&rng, 64) + 1;

	/* Only the tables are read: the pieces need not cover the rest of the storage. */
	spans_make(&sp, m, ARENA_BASE + ((used + 0x7fff) & ~0x7fffUL));
	assert_int_equal(dat_lean_init_spans(&l, cfg, sp.s, sp.n), 0);
	for (unsigned int i = 0; i < BATCH_N; i++)
		va[i] = pick_va(vas, va_mask);
	assert_int_equal(dat_lean_walk_batch(&l, va, BATCH_N, acc, k, out), 0);
	for (unsigned int i = 0; i < BATCH_N; i++) {
		struct dat_lean_result one = dat_lean_walk(&l, va[i], acc);
		struct dat_lean_result f = dat_lean_walk(flat, va[i], acc);
		struct dat_result y;

		nspans++;
		nspans_lean += out[i].info != 0;
		dat_translate(cfg, va[i], acc, spans_read, &sp, &x);
		if (!same_lean(out[i], one))
			report("spans: batch differs from the single walk", cfg, va[i], acc, &x,
			       out[i], true);
		check_against_exact("spans: walk differs", cfg, &l, va[i], acc, out[i], &x);
		dat_translate_lean(&l, va[i], acc, spans_read, &sp, &y);
		if (!same_result(&x, &y, out[i].info || out[i].abs))
			report("spans: dat_translate_lean() differs", cfg, va[i], acc, &x, out[i],
			       true);
		if (sp.aligned && !cfg->storage_size && !same_lean(out[i], f))
			report("spans: differs from the flat walk", cfg, va[i], acc, &x, out[i],
			       true);
	}
	dat_lean_destroy(&l);
	spans_free(&sp);
}

/* One round: a random configuration, tables along VAS addresses, then many walks. */
static void round_once(struct arena *a, struct bemem *m)
{
	struct dat_config cfg = random_config();
	int top = (int)below(&rng, 4) + 1;
	unsigned long tl = below(&rng, 4) ? 3 : below(&rng, 4), vas[VAS], asce_origin;
	unsigned long va_mask = top == DAT_LEVEL_REGION1 ? ~0UL : (1UL << (20 + 11 * top)) - 1;
	struct dat_lean l;

	a->used = 0;
	asce_origin = table_new(a, false, empty_entry(top));
	assert_true(asce_origin != 0);
	for (unsigned int i = 0; i < VAS; i++) {
		/* Half the addresses share the upper levels of the one before. */
		vas[i] = rnd(&rng) & va_mask;
		if (i && below(&rng, 2))
			vas[i] = (vas[i - 1] & ~0x7fffffUL) | (vas[i] & 0x7fffffUL);
		build_path(a, asce_origin, top, vas[i], cfg.edat);
	}
	cfg.asce = asce_origin | ((unsigned long)(top - 1) << 2) | tl |
		   (below(&rng, 4) ? 0 : _ASCE_PRIVATE_SPACE) |
		   (below(&rng, 20) ? 0 : _ASCE_REAL_SPACE);
	if (a->be) {
		cfg.storage_size = below(&rng, 4) ? 0 : ARENA_BASE + a->used + below(&rng, 2) * 8;
		assert_int_equal(dat_lean_init_be(&l, &cfg, m->mem, m->size), 0);
	} else {
		assert_int_equal(dat_lean_init(&l, &cfg), 0);
	}
	for (unsigned int i = 0; i < 40 * VAS; i++) {
		unsigned long va = pick_va(vas, va_mask);

		for (int acc = DAT_FETCH; acc <= DAT_IFETCH; acc++)
			check_one(&cfg, &l, m, va, (enum dat_access)acc);
	}
	check_batch(&cfg, &l, m, vas, va_mask);
	if (a->be)
		check_spans(&cfg, &l, m, a->used, vas, va_mask);
}

static void run(bool be)
{
	struct bemem m = { 0 };
	struct arena a = { .be = be };
	unsigned long first = nwalks, lean0 = nlean, plain0 = nplain, exc0 = nexc,
		      common0 = ncommon;

	nfail = 0;
	if (be) {
		bemem_init(&m, ARENA_BASE + ARENA_SIZE);
		assert_non_null(m.mem);
		a.mem = m.mem;
		a.origin = ARENA_BASE;
	} else {
		a.mem = aligned_alloc(_CRST_TABLE_SIZE, ARENA_SIZE);
		assert_non_null(a.mem);
		a.origin = (unsigned long)a.mem;
	}
	for (unsigned int i = 0; i < ROUNDS; i++)
		round_once(&a, &m);
	print_message("dat_lean_diff %s: %lu walks, %lu translated by the lean walker, %lu of "
		      "them plain; %lu exceptions named by it, of %lu common ones; %lu in batches; "
		      "%lu over spans, %lu of them lean\n",
		      be ? "big-endian" : "native", nwalks - first, nlean - lean0, nplain - plain0,
		      nexc - exc0, ncommon - common0, nbatch, nspans, nspans_lean);
	if (be)
		bemem_destroy(&m);
	else
		free(a.mem);
	if (nfail > MAX_REPORTS)
		print_error("... %lu differences in all\n", nfail);
	assert_int_equal(nfail, 0);
	/* Enough of the common case to mean something. */
	assert_true(nplain - plain0 > (nwalks - first) / 20);
	assert_true(ncommon - common0 > (nwalks - first) / 20);
	assert_true(nbatch > ROUNDS * 50);
	if (be)
		assert_true(nspans_lean > nspans / 20);
}

/*
 * The big-endian bound is checked per table (walk_lean.h): a page table that ends
 * exactly at the end of the storage is walked by the lean walker; one that reaches
 * beyond it by a doubleword goes to the fallback even for an entry inside the
 * storage, and dat_translate_lean() still gives the exact answer; storage smaller
 * than a region table goes to the fallback.
 */
static void test_be_storage_end(void **state)
{
	const unsigned long sto = 0x4000, pto = 0x8000, frame = 0x1000;
	struct dat_config cfg = { .asce = sto | _ASCE_TYPE_SEGMENT };
	struct bemem m;
	struct dat_lean l;
	struct dat_lean_result r;
	struct dat_result x, y;

	(void)state;
	bemem_init(&m, pto + 256 * 8);
	assert_non_null(m.mem);
	bemem_fill(&m, sto, 2048, _SEGMENT_ENTRY_EMPTY);
	bemem_fill(&m, pto, 256, _PAGE_INVALID);
	bemem_put(&m, sto, pto);
	bemem_put(&m, pto + 5 * 8, frame);

	/* The page table's last doubleword is the storage's last: lean. */
	assert_int_equal(dat_lean_init_be(&l, &cfg, m.mem, m.size), 0);
	r = dat_lean_walk(&l, 5 * PAGE_SIZE + 0x10, DAT_FETCH);
	assert_true(r.info);
	assert_int_equal(r.abs, frame + 0x10);

	/* One doubleword less: entry 5 is still in the storage, the table is not. */
	assert_int_equal(dat_lean_init_be(&l, &cfg, m.mem, m.size - 8), 0);
	r = dat_lean_walk(&l, 5 * PAGE_SIZE + 0x10, DAT_FETCH);
	assert_int_equal(r.info, 0);
	cfg.storage_size = m.size - 8;
	assert_int_equal(dat_lean_init_be(&l, &cfg, m.mem, m.size), 0);
	assert_int_equal(dat_translate(&cfg, 5 * PAGE_SIZE + 0x10, DAT_FETCH, bemem_read, &m, &x),
			 0);
	assert_int_equal(
		dat_translate_lean(&l, 5 * PAGE_SIZE + 0x10, DAT_FETCH, bemem_read, &m, &y), 0);
	assert_int_equal(y.abs, frame + 0x10);
	assert_int_equal(x.abs, y.abs);

	/* Storage below 16 KiB: every walk falls back. */
	cfg.storage_size = 0;
	assert_int_equal(dat_lean_init_be(&l, &cfg, m.mem, 0x3ff8), 0);
	assert_int_equal(l.kind, DAT_LEAN_SLOW);
	bemem_destroy(&m);
}

/* Bad arguments are refused; a refused or failed init leaves a walker that falls back. */
static void test_spans_errors(void **state)
{
	static uint64_t mem[1024];
	struct dat_config cfg = { .asce = _ASCE_TYPE_SEGMENT };
	struct dat_lean_span sp[2] = { { 0x10000, 4096, mem }, { 0x0, 4096, mem + 512 } };
	struct dat_lean l;
	struct dat_lean_result r;
	unsigned long va = 0;
	long live;

	(void)state;
	assert_int_equal(dat_lean_init_spans(NULL, &cfg, sp, 1), -EINVAL);
	assert_int_equal(dat_lean_init_spans(&l, NULL, sp, 1), -EINVAL);
	assert_int_equal(dat_lean_init_spans(&l, &cfg, NULL, 1), -EINVAL);
	/* Out of order, overlapping, no bytes, beyond the address space. */
	assert_int_equal(dat_lean_init_spans(&l, &cfg, sp, 2), -EINVAL);
	assert_int_equal(dat_lean_walk(&l, 0, DAT_FETCH).info, 0UL);
	sp[1] = (struct dat_lean_span){ 0x10800, 4096, mem };
	assert_int_equal(dat_lean_init_spans(&l, &cfg, sp, 2), -EINVAL);
	sp[1] = (struct dat_lean_span){ 0x20000, 4096, NULL };
	assert_int_equal(dat_lean_init_spans(&l, &cfg, sp, 2), -EINVAL);
	sp[1] = (struct dat_lean_span){ ~0UL - 100, 4096, mem };
	assert_int_equal(dat_lean_init_spans(&l, &cfg, sp, 2), -EINVAL);
	assert_int_equal(dat_lean_init_spans(&l, &cfg, sp, 0), 0);
	assert_int_equal(dat_lean_walk_batch(&l, &va, 1, DAT_FETCH, 0, &r), 0);
	assert_int_equal(r.info, 0UL);
	assert_int_equal(dat_lean_walk_batch(NULL, &va, 1, DAT_FETCH, 1, &r), -EINVAL);
	assert_int_equal(dat_lean_walk_batch(&l, NULL, 1, DAT_FETCH, 1, &r), -EINVAL);
	assert_int_equal(dat_lean_walk_batch(&l, &va, 1, DAT_FETCH, 1, NULL), -EINVAL);
	assert_int_equal(dat_lean_walk_batch(&l, &va, 1, (enum dat_access)7, 1, &r), -EINVAL);
	assert_int_equal(dat_lean_walk_batch(&l, NULL, 0, DAT_FETCH, 1, NULL), 0);
	dat_lean_destroy(&l);
	dat_lean_destroy(NULL);

	/* The map's allocation fails: -ENOMEM, nothing leaks, every walk falls back. */
	sp[0] = (struct dat_lean_span){ 0x100000, 4096, mem };
	live = gm_alloc_live();
	gm_alloc_fail_nth(1);
	assert_int_equal(dat_lean_init_spans(&l, &cfg, sp, 1), -ENOMEM);
	assert_true(gm_alloc_fault_injected());
	gm_alloc_fail_nth(0);
	assert_int_equal(gm_alloc_live(), live);
	assert_int_equal(dat_lean_walk(&l, 0x100000, DAT_FETCH).info, 0UL);
	dat_lean_destroy(&l);
	assert_int_equal(dat_lean_init_spans(&l, &cfg, sp, 1), 0);
	assert_non_null(l.span_map);
	assert_int_equal(gm_alloc_live(), live + 1);
	dat_lean_destroy(&l);
	assert_int_equal(gm_alloc_live(), live);
}

static void test_native(void **state)
{
	(void)state;
	run(false);
}

static void test_big_endian(void **state)
{
	(void)state;
	run(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_native),
		cmocka_unit_test(test_big_endian),
		cmocka_unit_test(test_spans_errors),
		cmocka_unit_test(test_be_storage_end),
	};
	const char *env = getenv("DAT_LEAN_DIFF_SEED");

	seed = env ? strtoul(env, NULL, 0) : 0x1ea9d1ffUL;
	rng.s = seed ? seed : 1;
	print_message("dat_lean_diff: seed %#lx\n", seed);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
