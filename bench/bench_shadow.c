// SPDX-License-Identifier: GPL-2.0
/*
 * bench_shadow - cost of shadow gmaps (vSIE), each case next to a floor timed
 * in the same run.
 *
 * Guest-2 memory, the parent gmap and guest-2's DAT tables come from the test
 * fixture tests/gmap/shadowtest.h; the benchmark adds more guest-2 tables
 * beside the fixture's chain (layout below), all written before any shadow
 * exists. Shadows use region-first ASCEs, EDAT off.
 *
 * - pte: the shadow page table exists, only the shadow PTEs are missing (each
 *   repetition first takes them away as a host event does: an exchange of the
 *   guest-2 data page's host PTE, whose VSIE notification removes the shadow
 *   PTE and its rmap). gmap_shadow_page() for the 256 pages of one segment
 *   (mmap_lock held around the loop), and the whole vsie_shadow_fault() for
 *   them. Floor: the lookups any implementation needs (the parent's
 *   __gmap_translate() and locked PTE, the shadow's PTE slot under its lock),
 *   without rmap, allocation or PGSTE work.
 * - build4: vsie_shadow_fault() that builds all four levels below the
 *   region-first table and the PTE, for guest-3 pages whose guest-2 tables are
 *   separate chains: in a new shadow ("fresh": every rmap new), and again after
 *   guest-2 rewrote an entry of each region-second table, which unshadowed
 *   each shadow region-second table and everything below it ("after unshadow":
 *   the rmaps of the lower source pages are still listed, as in the kernel).
 *   64 pages per run (3.3 MiB of new tables: cold) and 4 pages per run right
 *   after the same on 4 other pages (warm). Floor: reading the five guest-2
 *   entries through the parent and allocating (and so initialising) the four
 *   shadow tables.
 * - unshadow: gmap_unshadow_pgt() of 64 page tables with 256 valid PTEs each,
 *   and gmap_unshadow_sgt() of a segment table with 2,048 valid entries (each
 *   with a page table of one valid PTE), sg->guest_table_lock held, as the
 *   rmap dispatch calls them; ns per removed PTE and per removed segment
 *   entry. Floors: the stores that invalidate the same number of entries in
 *   tables of the same sizes.
 * - reuse: gmap_shadow() + gmap_put() of an existing shadow (gmap_find_shadow
 *   hit) with 1 and with 16 shadows on the parent (the wanted one the oldest,
 *   last in the list); gmap_shadow_valid(). Floor: the parent's shadow_lock
 *   taken and released and a reference taken and dropped.
 * - growth: the pte fault (vsie_shadow_fault, 256 pages) in two shadows of the
 *   same guest-2 pages, alternating, before and after one of them ("big") got
 *   10^5 further page tables under other segments (400 MB); "small" is the
 *   baseline of the same moment. Three timed runs per repetition each.
 *
 * Every timed loop is a function loop_<series>, so that a callgrind run can
 * count its instructions (--toggle-collect=loop_*); "loop_ops" in the JSON
 * gives the operations each executed over the whole run, warm-ups included
 * (scripts/callgrind_per_op.py divides). Results are checked (return codes,
 * the shadow counters); a wrong one exits 1.
 *
 * Output: one JSON document on stdout.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "shadowtest.h"

#define SEG		   _SEGMENT_SIZE
#define ASCE_R1_AT(origin) ((origin) | _ASCE_TYPE_REGION1 | _ASCE_TABLE_LENGTH)

/*
 * Guest-2 layout besides the fixture's chain (0x100000..0x141000) and its data
 * pages (G2_DATA + 0..255 pages). The data pool is 1,024 pages from G2_DATA.
 */
#define DATA_PAGES 1024UL
#define R1T_BUILD  0x180000UL /* top table of the build4 shadows */
#define R1T_UNSH   0x1c0000UL /* top table of the unshadow shadow */
#define R1T_BIG	   0x200000UL /* top table of the growth "big" shadow */
#define R1T_SMALL  0x240000UL /* top table of the growth "small" shadow */
#define R1T_EXTRA  0x300000UL /* 15 more top tables for the reuse case, 16 KiB apart */
#define CHAINS	   0x800000UL /* build4: one R2T, R3T, SGT, PGT per page, 64 KiB each */
#define CHAIN_SIZE 0x10000UL
#define U_R2T	   0xc00000UL /* unshadow: R2T, R3T, SGT */
#define U_R3T	   0xc10000UL
#define U_SGT	   0xc20000UL
#define U_PGTS	   0x1000000UL /* 2,048 page tables of 2 KiB, all entries valid */
#define G_R2T	   0x1400000UL /* growth: R2T, R3T, SGT */
#define G_R3T	   0x1410000UL
#define G_SGT	   0x1420000UL
#define G_PGTS	   0x1800000UL /* 2,048 page tables of 2 KiB, all entries invalid */

#define MAX_CHAINS  64UL
#define PTE_PAGES   256UL
#define REUSE_EXTRA 15UL
#define BUILD4_WARM 4UL /* build4 pages per warm run (and per primer before it) */
#define R1_ENTRY(t) ((t) | _REGION_ENTRY_TYPE_R1 | _REGION_ENTRY_LENGTH)
#define R2_ENTRY(t) ((t) | _REGION_ENTRY_TYPE_R2 | _REGION_ENTRY_LENGTH)
#define R3_ENTRY(t) ((t) | _REGION_ENTRY_TYPE_R3 | _REGION_ENTRY_LENGTH)

struct params {
	bool quick;
	unsigned int reps;
	unsigned long chains;	     /* build4 pages per run */
	unsigned long unshadow_pgts; /* full page tables per unshadow run */
	unsigned long sgt_entries;   /* valid entries of the unshadowed segment table */
	unsigned long reuse_n;	     /* calls per reuse run */
	unsigned long growth_tables; /* page tables added to the big shadow */
};

/* The measured series, in the order of the JSON. */
enum {
	S_PTE_SHADOW_PAGE,
	S_PTE_FAULT,
	S_PTE_FLOOR,
	S_BUILD4_FRESH,
	S_BUILD4_REBUILD,
	S_BUILD4_FLOOR,
	S_BUILD4_WARM_FRESH,
	S_BUILD4_WARM_REBUILD,
	S_BUILD4_WARM_FLOOR,
	S_UNSHADOW_PGT,
	S_UNSHADOW_PGT_FLOOR,
	S_UNSHADOW_SGT,
	S_UNSHADOW_SGT_FLOOR,
	S_REUSE_1,
	S_REUSE_16,
	S_REUSE_FLOOR,
	S_SHADOW_VALID,
	S_GROWTH_SMALL_BEFORE,
	S_GROWTH_BIG_BEFORE,
	S_GROWTH_SMALL_AFTER,
	S_GROWTH_BIG_AFTER,
	NSERIES
};

static struct bench_series series[NSERIES];
/* Operations executed by each series' loop function in the whole run (for callgrind). */
static unsigned long loop_ops[NSERIES];

static struct g2 g;

/* ---- guest-2 tables -------------------------------------------------------------------------- */

/* Write @n big-endian entries of a guest-2 table in one copy. */
static void g2_write(unsigned long origin, const unsigned long *val, unsigned long n)
{
	unsigned long be[2048];

	for (unsigned long i = 0; i < n; i++)
		be[i] = htobe64(val[i]);
	if (mm_write(g.mm, G2_HOST + origin, be, n * sizeof(be[0])))
		bench_die("mm_write", 0);
}

static void g2_table(unsigned long origin, unsigned long n, unsigned long empty)
{
	unsigned long v[2048];

	for (unsigned long i = 0; i < n; i++)
		v[i] = empty;
	g2_write(origin, v, n);
}

static void g2_entry(unsigned long addr, unsigned long val)
{
	if (g2_put(&g, addr, val))
		bench_die("g2_put", 0);
}

static unsigned long data_page(unsigned long i)
{
	return G2_DATA + (i % DATA_PAGES) * PAGE_SIZE;
}

/* build4 chain @k: guest-3 rfx k, rsx 2, rtx 3, sx 4, px 5 -> data page 256 + k. */
static unsigned long chain_addr(unsigned long k)
{
	return (k << 53) | (2UL << 42) | (3UL << 31) | (4UL << 20) | (5UL << 12);
}

static void build_chains(const struct params *p)
{
	g2_table(R1T_BUILD, 2048, _REGION1_ENTRY_EMPTY);
	for (unsigned long k = 0; k < p->chains; k++) {
		unsigned long c = CHAINS + k * CHAIN_SIZE;

		g2_table(c, 2048, _REGION2_ENTRY_EMPTY);
		g2_table(c + 0x4000, 2048, _REGION3_ENTRY_EMPTY);
		g2_table(c + 0x8000, 2048, _SEGMENT_ENTRY_EMPTY);
		g2_table(c + 0xc000, 256, _PAGE_INVALID);
		g2_entry(R1T_BUILD + 8 * k, R1_ENTRY(c));
		g2_entry(c + 2 * 8, R2_ENTRY(c + 0x4000));
		g2_entry(c + 0x4000 + 3 * 8, R3_ENTRY(c + 0x8000));
		g2_entry(c + 0x8000 + 4 * 8, c + 0xc000);
		g2_entry(c + 0xc000 + 5 * 8, data_page(256 + k));
	}
}

/* Unshadow: rfx = rsx = rtx = 0, segment j -> page table j, page i -> data page 512 + .. */
static void build_unshadow_tables(void)
{
	unsigned long v[256];

	g2_table(R1T_UNSH, 2048, _REGION1_ENTRY_EMPTY);
	g2_table(U_R2T, 2048, _REGION2_ENTRY_EMPTY);
	g2_table(U_R3T, 2048, _REGION3_ENTRY_EMPTY);
	g2_entry(R1T_UNSH, R1_ENTRY(U_R2T));
	g2_entry(U_R2T, R2_ENTRY(U_R3T));
	g2_entry(U_R3T, R3_ENTRY(U_SGT));
	for (unsigned long j = 0; j < 2048; j++) {
		for (unsigned long i = 0; i < 256; i++)
			v[i] = data_page(512 + (j * 256 + i) % 512);
		g2_write(U_PGTS + j * 2048, v, 256);
	}
	for (unsigned long j = 0; j < 2048; j++)
		g2_entry(U_SGT + 8 * j, U_PGTS + j * 2048);
}

/*
 * Growth: the big shadow's rfx 1 is the fixture's chain (the fault pages);
 * rfx 0 leads to region-third entries that all designate one segment table whose
 * 2,048 entries designate 2,048 empty page tables. Table t is at rtx t / 2048,
 * sx t % 2048.
 */
static void build_growth_tables(const struct params *p)
{
	unsigned long nr3 = (p->growth_tables + 2047) / 2048;

	g2_table(R1T_BIG, 2048, _REGION1_ENTRY_EMPTY);
	g2_table(R1T_SMALL, 2048, _REGION1_ENTRY_EMPTY);
	g2_table(G_R2T, 2048, _REGION2_ENTRY_EMPTY);
	g2_table(G_R3T, 2048, _REGION3_ENTRY_EMPTY);
	for (unsigned long j = 0; j < 1024; j++)
		g2_table(G_PGTS + j * PAGE_SIZE, 512, _PAGE_INVALID);
	for (unsigned long j = 0; j < 2048; j++)
		g2_entry(G_SGT + 8 * j, G_PGTS + j * 2048);
	for (unsigned long r = 0; r < nr3; r++)
		g2_entry(G_R3T + 8 * r, R3_ENTRY(G_SGT));
	g2_entry(G_R2T, R2_ENTRY(G_R3T));
	g2_entry(R1T_BIG, R1_ENTRY(G_R2T));
	g2_entry(R1T_BIG + 8, R1_ENTRY(G2_R2T));
	g2_entry(R1T_SMALL + 8, R1_ENTRY(G2_R2T));
}

/* Every data page present, dirty and linked in the parent. */
static void touch_data_pages(void)
{
	unsigned long one = 1;

	for (unsigned long i = 0; i < DATA_PAGES; i++) {
		if (mm_write(g.mm, G2_HOST + data_page(i), &one, sizeof(one)))
			bench_die("mm_write", 0);
		if (gmap_fault(g.parent, data_page(i), FAULT_FLAG_WRITE))
			bench_die("gmap_fault", 0);
	}
}

/* ---- shadows --------------------------------------------------------------------------------- */

static struct gmap *new_shadow(unsigned long asce)
{
	struct gmap *sg = gmap_shadow(g.parent, asce, 0);

	if (IS_ERR_OR_NULL(sg))
		bench_die("gmap_shadow", PTR_ERR(sg));
	return sg;
}

/* Drop the caller's reference and remove the shadow as guest-2 does: a store to its top table. */
static void remove_shadow(struct gmap *sg, unsigned long top)
{
	gmap_put(sg);
	g2_entry(top, g2_get(&g, top));
	gm_quiesce();
}

static void fault_ok(struct gmap *sg, unsigned long saddr, int want)
{
	int rc = vsie_shadow_fault(sg, saddr, NULL);

	if (rc != want)
		bench_fail("vsie_shadow_fault(%#lx) = %d, expected %d", saddr, rc, want);
}

static struct gmap_shadow_stats stats(void)
{
	struct gmap_shadow_stats st;

	gmap_shadow_get_stats(&st);
	return st;
}

static void time_run(struct bench_series *s, unsigned int id, void (*loop)(void *), void *arg)
{
	struct bench_probe pr;

	bench_probe_start(&pr);
	loop(arg);
	bench_probe_end(&pr, s);
	loop_ops[id] += s->per_run;
}

/* ---- pte: only the shadow PTE is missing ----------------------------------------------------- */

#define PTE_SEG (G3_ADDR & ~(SEG - 1))

/* Exchange the host PTEs of the fault pages' data pages: the VSIE notification unshadows them. */
static void pte_reset(void)
{
	spinlock_t *ptl;
	pte_t *ptep;

	mmap_read_lock(g.mm);
	for (unsigned long i = 0; i < PTE_PAGES; i++) {
		ptep = get_locked_pte(g.mm, G2_HOST + data_page(i), &ptl);
		if (!ptep)
			bench_die("get_locked_pte", 0);
		ptep_xchg_direct(g.mm, G2_HOST + data_page(i), ptep, *ptep);
		pte_unmap_unlock(ptep, ptl);
	}
	mmap_read_unlock(g.mm);
}

static inline void shadow_pages(struct gmap *sg)
{
	mmap_read_lock(g.mm);
	for (unsigned long i = 0; i < PTE_PAGES; i++) {
		int rc = gmap_shadow_page(sg, PTE_SEG + i * PAGE_SIZE, __pte(data_page(i)));

		if (rc)
			bench_die("gmap_shadow_page", rc);
	}
	mmap_read_unlock(g.mm);
}

static inline void fault_pages(struct gmap *sg)
{
	for (unsigned long i = 0; i < PTE_PAGES; i++)
		fault_ok(sg, PTE_SEG + i * PAGE_SIZE, 0);
}

/* The lookups of a shadow PTE fill, nothing else. */
static inline void lookup_pages(struct gmap *sg)
{
	unsigned long v = 0, *slot;
	spinlock_t *ptl;
	pte_t *ptep;

	mmap_read_lock(g.mm);
	for (unsigned long i = 0; i < PTE_PAGES; i++) {
		v += __gmap_translate(g.parent, data_page(i));
		ptep = gmap_pte_op_walk(g.parent, data_page(i), &ptl);
		if (!ptep)
			bench_die("gmap_pte_op_walk", 0);
		spin_lock(&sg->guest_table_lock);
		slot = gmap_table_walk(sg, PTE_SEG + i * PAGE_SIZE, DAT_LEVEL_PTE);
		v += slot ? *slot : 0;
		spin_unlock(&sg->guest_table_lock);
		v += pte_val(*ptep);
		gmap_pte_op_end(ptl);
	}
	mmap_read_unlock(g.mm);
	bench_sink = v;
}

static BENCH_NOINLINE void loop_pte_shadow_page(void *sg)
{
	shadow_pages(sg);
}

static BENCH_NOINLINE void loop_pte_fault(void *sg)
{
	fault_pages(sg);
}

static BENCH_NOINLINE void loop_pte_floor(void *sg)
{
	lookup_pages(sg);
}

/* One reset and timed fill; the fill must have made exactly the missing PTEs. */
static void time_pte(unsigned int id, void (*loop)(void *), struct gmap *sg)
{
	unsigned long before;

	pte_reset();
	before = stats().pg_entries;
	time_run(&series[id], id, loop, sg);
	bench_check(stats().pg_entries - before == PTE_PAGES, "one shadow PTE per page");
}

static void run_pte(const struct params *p, struct gmap *sg)
{
	for (unsigned int id = S_PTE_SHADOW_PAGE; id <= S_PTE_FLOOR; id++)
		series[id].per_run = PTE_PAGES;
	fault_pages(sg); /* the tables, and warm caches */
	for (unsigned int r = 0; r < p->reps; r++) {
		time_pte(S_PTE_SHADOW_PAGE, loop_pte_shadow_page, sg);
		time_run(&series[S_PTE_FLOOR], S_PTE_FLOOR, loop_pte_floor, sg);
		time_pte(S_PTE_FAULT, loop_pte_fault, sg);
	}
}

/* ---- build4: all four levels below the region-first table ------------------------------------ */

/* Chains @first .. @first + @n - 1. */
struct build_arg {
	struct gmap *sg;
	unsigned long first, n;
	unsigned long *tables; /* floor: 4 per page */
};

static inline void build_faults(const struct build_arg *a)
{
	for (unsigned long k = a->first; k < a->first + a->n; k++)
		fault_ok(a->sg, chain_addr(k), 0);
}

static BENCH_NOINLINE void loop_build4(void *arg)
{
	build_faults(arg);
}

static BENCH_NOINLINE void loop_build4_rebuild(void *arg)
{
	build_faults(arg);
}

static BENCH_NOINLINE void loop_build4_warm(void *arg)
{
	build_faults(arg);
}

static BENCH_NOINLINE void loop_build4_warm_rebuild(void *arg)
{
	build_faults(arg);
}

static unsigned long read_entry(unsigned long addr)
{
	unsigned long v;
	int rc = gmap_read_table(g.parent, addr, &v);

	if (rc)
		bench_die("gmap_read_table", rc);
	return v;
}

/* The five guest-2 entries of each page read through the parent, four tables allocated. */
static inline void build_floor(struct build_arg *a)
{
	unsigned long v = 0, *t;

	mmap_read_lock(g.mm);
	for (unsigned long i = 0; i < a->n; i++) {
		unsigned long k = a->first + i, c = CHAINS + k * CHAIN_SIZE;

		v += read_entry(R1T_BUILD + 8 * k) + read_entry(c + 2 * 8) +
		     read_entry(c + 0x4000 + 3 * 8) + read_entry(c + 0x8000 + 4 * 8) +
		     read_entry(c + 0xc000 + 5 * 8);
		t = &a->tables[4 * i];
		t[0] = (unsigned long)crst_table_alloc(_REGION2_ENTRY_EMPTY);
		t[1] = (unsigned long)crst_table_alloc(_REGION3_ENTRY_EMPTY);
		t[2] = (unsigned long)crst_table_alloc(_SEGMENT_ENTRY_EMPTY);
		t[3] = (unsigned long)page_table_alloc_pgste();
	}
	mmap_read_unlock(g.mm);
	bench_sink = v;
}

static BENCH_NOINLINE void loop_build4_floor(void *arg)
{
	build_floor(arg);
}

static BENCH_NOINLINE void loop_build4_warm_floor(void *arg)
{
	build_floor(arg);
}

static void free_floor_tables(const struct build_arg *a)
{
	for (unsigned long i = 0; i < a->n; i++) {
		unsigned long *t = &a->tables[4 * i];

		bench_check(t[0] && t[1] && t[2] && t[3], "floor tables allocated");
		crst_table_free((unsigned long *)t[0]);
		crst_table_free((unsigned long *)t[1]);
		crst_table_free((unsigned long *)t[2]);
		page_table_free_pgste((unsigned long *)t[3]);
	}
}

/* The build made one entry per level and one PTE per page. */
static void check_built(const struct gmap_shadow_stats *b, unsigned long n)
{
	struct gmap_shadow_stats a = stats();

	bench_check(a.r1_entries - b->r1_entries == n && a.r2_entries - b->r2_entries == n &&
			    a.r3_entries - b->r3_entries == n &&
			    a.sg_entries - b->sg_entries == n && a.pg_entries - b->pg_entries == n,
		    "four levels and a PTE per build4 fault");
}

/* Guest-2 rewrites an entry of each R2T of @a: the shadow R2T and all below it go. */
static void unshadow_chains(const struct build_arg *a)
{
	for (unsigned long k = a->first; k < a->first + a->n; k++)
		g2_entry(CHAINS + k * CHAIN_SIZE + 2 * 8,
			 g2_get(&g, CHAINS + k * CHAIN_SIZE + 2 * 8));
}

static void prime_floor(struct build_arg *primer)
{
	build_floor(primer);
	free_floor_tables(primer);
}

/*
 * One repetition of a build4 variant: @id, @id + 1 and @id + 2 are its fresh,
 * rebuild and floor series, @loop their loops; @warmup sends the runs to a
 * scratch series. With a @primer, the same operation on the primer's chains
 * runs untimed right before each timed run.
 */
static void build4_once(struct build_arg *a, struct build_arg *primer, unsigned int id,
			void (*const loop[3])(void *), bool warmup)
{
	struct bench_series scratch = { .per_run = a->n };
	struct gmap_shadow_stats before;

	a->sg = new_shadow(ASCE_R1_AT(R1T_BUILD));
	if (primer) {
		primer->sg = a->sg;
		build_faults(primer);
	}
	before = stats();
	time_run(warmup ? &scratch : &series[id], id, loop[0], a);
	check_built(&before, a->n);
	unshadow_chains(a);
	if (primer)
		unshadow_chains(primer);
	gm_quiesce();
	if (primer)
		build_faults(primer);
	before = stats();
	time_run(warmup ? &scratch : &series[id + 1], id + 1, loop[1], a);
	check_built(&before, a->n);
	remove_shadow(a->sg, R1T_BUILD);
	if (primer)
		prime_floor(primer);
	time_run(warmup ? &scratch : &series[id + 2], id + 2, loop[2], a);
	free_floor_tables(a);
	gm_quiesce();
}

/*
 * Cold: p->chains pages per run, 52 KiB of new tables each (3.3 MiB for 64):
 * more than this machine's caches hold, and each run starts after a sleep in
 * gm_quiesce() during which other processes used the core. Warm: 4 pages per
 * run right after the same operation on 4 other pages, so that code, allocator
 * and pool are hot and the tables come from blocks just freed.
 */
static void run_build4(const struct params *p)
{
	static void (*const cold[3])(void *) = { loop_build4, loop_build4_rebuild,
						 loop_build4_floor };
	static void (*const warm[3])(void *) = { loop_build4_warm, loop_build4_warm_rebuild,
						 loop_build4_warm_floor };
	struct build_arg c = { .n = p->chains }, w = { .n = BUILD4_WARM };
	struct build_arg wp = { .first = BUILD4_WARM, .n = BUILD4_WARM };

	c.tables = bench_malloc(4 * c.n * sizeof(*c.tables));
	w.tables = bench_malloc(4 * w.n * sizeof(*w.tables));
	wp.tables = bench_malloc(4 * wp.n * sizeof(*wp.tables));
	for (unsigned int i = 0; i < 3; i++) {
		series[S_BUILD4_FRESH + i].per_run = c.n;
		series[S_BUILD4_WARM_FRESH + i].per_run = w.n;
	}
	for (unsigned int r = 0; r < p->reps + 1; r++) {
		build4_once(&c, NULL, S_BUILD4_FRESH, cold, r == 0);
		build4_once(&w, &wp, S_BUILD4_WARM_FRESH, warm, r == 0);
	}
	free(c.tables);
	free(w.tables);
	free(wp.tables);
}

/* ---- unshadow -------------------------------------------------------------------------------- */

struct unshadow_arg {
	struct gmap *sg;
	unsigned long npgt, nseg;
	unsigned long *floor_sgt, **floor_pgt; /* nseg page tables */
};

static BENCH_NOINLINE void loop_unshadow_pgt(void *arg)
{
	struct unshadow_arg *a = arg;

	spin_lock(&a->sg->guest_table_lock);
	for (unsigned long j = 0; j < a->npgt; j++)
		gmap_unshadow_pgt(a->sg, j * SEG);
	spin_unlock(&a->sg->guest_table_lock);
}

static BENCH_NOINLINE void loop_unshadow_sgt(void *arg)
{
	struct unshadow_arg *a = arg;

	spin_lock(&a->sg->guest_table_lock);
	gmap_unshadow_sgt(a->sg, 0);
	spin_unlock(&a->sg->guest_table_lock);
}

static inline void invalidate_pgt(unsigned long *pgt)
{
	for (unsigned long i = 0; i < _PAGE_ENTRIES; i++)
		__atomic_store_n(&pgt[i], _PAGE_INVALID, __ATOMIC_RELEASE);
}

static BENCH_NOINLINE void loop_unshadow_pgt_floor(void *arg)
{
	struct unshadow_arg *a = arg;

	for (unsigned long j = 0; j < a->npgt; j++)
		invalidate_pgt(a->floor_pgt[j]);
}

static BENCH_NOINLINE void loop_unshadow_sgt_floor(void *arg)
{
	struct unshadow_arg *a = arg;

	for (unsigned long j = 0; j < a->nseg; j++) {
		__atomic_store_n(&a->floor_sgt[j], _SEGMENT_ENTRY_EMPTY, __ATOMIC_RELEASE);
		invalidate_pgt(a->floor_pgt[j]);
	}
}

/* Page 0 of segments @from..@to-1, and every page of the first @full segments. */
static void unshadow_build(const struct unshadow_arg *a, unsigned long from, unsigned long to,
			   unsigned long full)
{
	for (unsigned long j = from; j < to; j++)
		fault_ok(a->sg, j * SEG, 0);
	for (unsigned long j = 0; j < full; j++)
		for (unsigned long i = 1; i < 256; i++)
			fault_ok(a->sg, j * SEG + i * PAGE_SIZE, 0);
}

static void unshadow_floor_tables(struct unshadow_arg *a, bool alloc)
{
	if (alloc) {
		a->floor_sgt = crst_table_alloc(_SEGMENT_ENTRY_EMPTY);
		a->floor_pgt = bench_malloc(a->nseg * sizeof(*a->floor_pgt));
	}
	for (unsigned long j = 0; j < a->nseg; j++) {
		if (alloc)
			a->floor_pgt[j] = page_table_alloc_pgste();
		else
			page_table_free_pgste(a->floor_pgt[j]);
	}
	if (!alloc) {
		crst_table_free(a->floor_sgt);
		free(a->floor_pgt);
		return;
	}
	bench_check(a->floor_sgt != NULL, "floor tables allocated");
	for (unsigned long j = 0; j < a->nseg; j++)
		bench_check(a->floor_pgt[j] != NULL, "floor tables allocated");
}

static void run_unshadow(const struct params *p)
{
	struct unshadow_arg a = { .npgt = p->unshadow_pgts, .nseg = p->sgt_entries };
	struct gmap_shadow_stats b;

	a.sg = new_shadow(ASCE_R1_AT(R1T_UNSH));
	unshadow_floor_tables(&a, true);
	series[S_UNSHADOW_PGT].per_run = series[S_UNSHADOW_PGT_FLOOR].per_run = a.npgt * 256;
	series[S_UNSHADOW_SGT].per_run = series[S_UNSHADOW_SGT_FLOOR].per_run = a.nseg;
	for (unsigned int r = 0; r < p->reps; r++) {
		unshadow_build(&a, 0, a.nseg, a.npgt);
		b = stats();
		time_run(&series[S_UNSHADOW_PGT], S_UNSHADOW_PGT, loop_unshadow_pgt, &a);
		bench_check(stats().unshadow_pgt - b.unshadow_pgt == a.npgt,
			    "page tables unshadowed");
		gm_quiesce();
		time_run(&series[S_UNSHADOW_PGT_FLOOR], S_UNSHADOW_PGT_FLOOR,
			 loop_unshadow_pgt_floor, &a);
		unshadow_build(&a, 0, a.npgt, 0);
		b = stats();
		time_run(&series[S_UNSHADOW_SGT], S_UNSHADOW_SGT, loop_unshadow_sgt, &a);
		bench_check(stats().unshadow_pgt - b.unshadow_pgt == a.nseg &&
				    stats().unshadow_sgt - b.unshadow_sgt == 1,
			    "segment table unshadowed with its page tables");
		gm_quiesce();
		time_run(&series[S_UNSHADOW_SGT_FLOOR], S_UNSHADOW_SGT_FLOOR,
			 loop_unshadow_sgt_floor, &a);
	}
	unshadow_floor_tables(&a, false);
	remove_shadow(a.sg, R1T_UNSH);
}

/* ---- reuse ----------------------------------------------------------------------------------- */

struct reuse_arg {
	struct gmap *sg;
	unsigned long n;
};

static inline void reuse(const struct reuse_arg *a)
{
	for (unsigned long i = 0; i < a->n; i++) {
		struct gmap *sg = gmap_shadow(g.parent, ASCE_R1, 0);

		if (sg != a->sg)
			bench_fail("gmap_shadow did not reuse the shadow");
		gmap_put(sg);
	}
}

static BENCH_NOINLINE void loop_reuse_1(void *arg)
{
	reuse(arg);
}

static BENCH_NOINLINE void loop_reuse_16(void *arg)
{
	reuse(arg);
}

static BENCH_NOINLINE void loop_reuse_floor(void *arg)
{
	struct reuse_arg *a = arg;

	for (unsigned long i = 0; i < a->n; i++) {
		spin_lock(&g.parent->shadow_lock);
		gmap_get(a->sg);
		spin_unlock(&g.parent->shadow_lock);
		gmap_put(a->sg);
	}
}

static BENCH_NOINLINE void loop_shadow_valid(void *arg)
{
	struct reuse_arg *a = arg;
	unsigned long v = 0;

	for (unsigned long i = 0; i < a->n; i++)
		v += (unsigned long)gmap_shadow_valid(a->sg, ASCE_R1 | (v & bench_zero), 0);
	bench_sink = v;
}

/* One repetition: a sixteenth of the calls as warm-up, then the timed runs. */
static void time_reuse(struct reuse_arg *a, bool many)
{
	unsigned long n = a->n;

	a->n = n / 16;
	many ? loop_reuse_16(a) : loop_reuse_1(a);
	a->n = n;
	if (many) {
		time_run(&series[S_REUSE_16], S_REUSE_16, loop_reuse_16, a);
		loop_ops[S_REUSE_16] += n / 16;
		return;
	}
	time_run(&series[S_REUSE_1], S_REUSE_1, loop_reuse_1, a);
	time_run(&series[S_REUSE_FLOOR], S_REUSE_FLOOR, loop_reuse_floor, a);
	time_run(&series[S_SHADOW_VALID], S_SHADOW_VALID, loop_shadow_valid, a);
	loop_ops[S_REUSE_1] += n / 16;
}

/* @sg is the parent's only shadow when this starts. */
static void run_reuse(const struct params *p, struct gmap *sg)
{
	struct reuse_arg a = { sg, p->reuse_n };
	struct gmap *extra[REUSE_EXTRA];

	for (unsigned int id = S_REUSE_1; id <= S_SHADOW_VALID; id++)
		series[id].per_run = p->reuse_n;
	for (unsigned int r = 0; r < p->reps; r++)
		time_reuse(&a, false);
	/* Newer shadows go first in the list: @sg is now the last of 16. */
	for (unsigned long i = 0; i < REUSE_EXTRA; i++)
		extra[i] = new_shadow(ASCE_R1_AT(R1T_EXTRA + i * 0x4000));
	for (unsigned int r = 0; r < p->reps; r++)
		time_reuse(&a, true);
	for (unsigned long i = 0; i < REUSE_EXTRA; i++)
		remove_shadow(extra[i], R1T_EXTRA + i * 0x4000);
}

/* ---- growth ---------------------------------------------------------------------------------- */

static BENCH_NOINLINE void loop_growth_small_before(void *sg)
{
	fault_pages(sg);
}

static BENCH_NOINLINE void loop_growth_big_before(void *sg)
{
	fault_pages(sg);
}

static BENCH_NOINLINE void loop_growth_small_after(void *sg)
{
	fault_pages(sg);
}

static BENCH_NOINLINE void loop_growth_big_after(void *sg)
{
	fault_pages(sg);
}

/* Fault the 256 pages into both shadows, alternating which goes first. */
static void time_growth(const struct params *p, struct gmap *small, struct gmap *big, bool after)
{
	unsigned int s_id = after ? S_GROWTH_SMALL_AFTER : S_GROWTH_SMALL_BEFORE;
	unsigned int b_id = after ? S_GROWTH_BIG_AFTER : S_GROWTH_BIG_BEFORE;
	void (*s_loop)(void *) = after ? loop_growth_small_after : loop_growth_small_before;
	void (*b_loop)(void *) = after ? loop_growth_big_after : loop_growth_big_before;

	series[s_id].per_run = series[b_id].per_run = PTE_PAGES;
	for (unsigned int r = 0; r < 3 * p->reps; r++) {
		if (r & 1) {
			time_pte(b_id, b_loop, big);
			time_pte(s_id, s_loop, small);
		} else {
			time_pte(s_id, s_loop, small);
			time_pte(b_id, b_loop, big);
		}
	}
}

static unsigned long growth_addr(unsigned long t)
{
	return ((t / 2048) << 31) | ((t % 2048) << 20);
}

static void run_growth(const struct params *p)
{
	struct gmap *small = new_shadow(ASCE_R1_AT(R1T_SMALL));
	struct gmap *big = new_shadow(ASCE_R1_AT(R1T_BIG));
	unsigned long tables;

	fault_pages(small);
	fault_pages(big);
	time_growth(p, small, big, false);
	tables = stats().tables_live;
	/* Guest-2's page tables are empty: each fault builds the page table, then stops. */
	for (unsigned long t = 0; t < p->growth_tables; t++)
		fault_ok(big, growth_addr(t), PGM_PAGE_TRANSLATION);
	bench_check(stats().tables_live - tables >= p->growth_tables, "growth tables live");
	time_growth(p, small, big, true);
	remove_shadow(small, R1T_SMALL);
	remove_shadow(big, R1T_BIG);
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static const char *const loop_names[NSERIES] = {
	[S_PTE_SHADOW_PAGE] = "loop_pte_shadow_page",
	[S_PTE_FAULT] = "loop_pte_fault",
	[S_PTE_FLOOR] = "loop_pte_floor",
	[S_BUILD4_FRESH] = "loop_build4",
	[S_BUILD4_REBUILD] = "loop_build4_rebuild",
	[S_BUILD4_FLOOR] = "loop_build4_floor",
	[S_BUILD4_WARM_FRESH] = "loop_build4_warm",
	[S_BUILD4_WARM_REBUILD] = "loop_build4_warm_rebuild",
	[S_BUILD4_WARM_FLOOR] = "loop_build4_warm_floor",
	[S_UNSHADOW_PGT] = "loop_unshadow_pgt",
	[S_UNSHADOW_PGT_FLOOR] = "loop_unshadow_pgt_floor",
	[S_UNSHADOW_SGT] = "loop_unshadow_sgt",
	[S_UNSHADOW_SGT_FLOOR] = "loop_unshadow_sgt_floor",
	[S_REUSE_1] = "loop_reuse_1",
	[S_REUSE_16] = "loop_reuse_16",
	[S_REUSE_FLOOR] = "loop_reuse_floor",
	[S_SHADOW_VALID] = "loop_shadow_valid",
	[S_GROWTH_SMALL_BEFORE] = "loop_growth_small_before",
	[S_GROWTH_BIG_BEFORE] = "loop_growth_big_before",
	[S_GROWTH_SMALL_AFTER] = "loop_growth_small_after",
	[S_GROWTH_BIG_AFTER] = "loop_growth_big_after",
};

/* A goal of the issue: @id against its floor; a goal in ns per op, or a ratio for growth. */
struct goal {
	const char *name;
	unsigned int id, floor;
	double goal;
	bool ratio;
};

static const struct goal goals[] = {
	{ "gmap_shadow_page, only the PTE missing", S_PTE_SHADOW_PAGE, S_PTE_FLOOR, 150, false },
	{ "vsie_shadow_fault, only the PTE missing", S_PTE_FAULT, S_PTE_FLOOR, 150, false },
	{ "four levels + PTE, new shadow, cold", S_BUILD4_FRESH, S_BUILD4_FLOOR, 1000, false },
	{ "four levels + PTE, after unshadow, cold", S_BUILD4_REBUILD, S_BUILD4_FLOOR, 1000,
	  false },
	{ "four levels + PTE, new shadow, warm", S_BUILD4_WARM_FRESH, S_BUILD4_WARM_FLOOR, 1000,
	  false },
	{ "four levels + PTE, after unshadow, warm", S_BUILD4_WARM_REBUILD, S_BUILD4_WARM_FLOOR,
	  1000, false },
	{ "unshadow, full page table, per PTE", S_UNSHADOW_PGT, S_UNSHADOW_PGT_FLOOR, 20, false },
	{ "unshadow, full segment table, per segment entry", S_UNSHADOW_SGT, S_UNSHADOW_SGT_FLOOR,
	  20, false },
	{ "gmap_shadow reuse, 1 shadow", S_REUSE_1, S_REUSE_FLOOR, 50, false },
	{ "gmap_shadow reuse, oldest of 16 shadows", S_REUSE_16, S_REUSE_FLOOR, 50, false },
	{ "growth: pte fault with 10^5 tables / before", S_GROWTH_BIG_AFTER, S_GROWTH_BIG_BEFORE,
	  1.2, true },
	{ "growth: pte fault with 10^5 tables / small shadow, same time", S_GROWTH_BIG_AFTER,
	  S_GROWTH_SMALL_AFTER, 1.2, true },
};

static void print_params(struct json *j, const struct params *p)
{
	json_params_open(j, p->quick, p->reps);
	json_ulong(j, "build4_pages_per_rep", p->chains);
	json_ulong(j, "unshadow_full_page_tables", p->unshadow_pgts);
	json_ulong(j, "unshadow_segment_entries", p->sgt_entries);
	json_ulong(j, "reuse_calls_per_rep", p->reuse_n);
	json_ulong(j, "growth_tables", p->growth_tables);
	json_str(j, "clock", "CLOCK_MONOTONIC");
	json_close(j, '}');
}

static void print_series(struct json *j, const struct bench_series *s, unsigned int id)
{
	struct stats st = stats_of(s->v, s->n), fl = stats_of(s->minflt, s->n);

	json_open(j, NULL, '{');
	json_str(j, "name", s->name);
	json_str(j, "what", s->what);
	json_str(j, "loop", loop_names[id]);
	json_ulong(j, "ops_per_rep", s->per_run);
	json_stats(j, "ns", &st, 1);
	json_double(j, "kernel_minflt_per_op_median", fl.median, 3);
	json_ulong(j, "preempted_runs", s->preempted);
	json_close(j, '}');
}

static void print_goals(struct json *j)
{
	json_open(j, "goals", '[');
	for (unsigned int i = 0; i < sizeof(goals) / sizeof(goals[0]); i++) {
		const struct goal *gl = &goals[i];
		double ns = stats_of(series[gl->id].v, series[gl->id].n).median;
		double floor = stats_of(series[gl->floor].v, series[gl->floor].n).median;

		json_open(j, NULL, '{');
		json_str(j, "goal", gl->name);
		json_str(j, "series", series[gl->id].name);
		json_str(j, "floor", series[gl->floor].name);
		json_double(j, "ns_median", ns, 1);
		json_double(j, "floor_ns_median", floor, 1);
		json_double(j, "ratio", ns / floor, 2);
		json_double(j, gl->ratio ? "goal_ratio" : "goal_ns", gl->goal, 1);
		json_bool(j, "met", gl->ratio ? ns / floor <= gl->goal : ns <= gl->goal);
		json_close(j, '}');
	}
	json_close(j, ']');
}

static void print_loop_ops(struct json *j)
{
	json_open(j, "loop_ops", '{');
	for (unsigned int i = 0; i < NSERIES; i++)
		json_ulong(j, loop_names[i], loop_ops[i]);
	json_close(j, '}');
}

/* ---- main ------------------------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_shadow [--quick] [--reps N] [--growth-tables N] [--help]\n"
		   "\n"
		   "Cost of shadow gmaps: a missing shadow PTE, building four shadow levels,\n"
		   "unshadowing, gmap_shadow() reuse, and a fault with many live shadow tables,\n"
		   "each next to a floor. Prints one JSON document.\n"
		   "\n"
		   "  --quick            few repetitions and small counts (smoke test)\n"
		   "  --reps N           repetitions per measurement (default 11, at most 64)\n"
		   "  --growth-tables N  page tables added for the growth case (default 100000;\n"
		   "                     4 KiB each)\n"
		   "  --help             this text\n");
}

static void parse_args(int argc, char **argv, struct params *p)
{
	unsigned long reps = 0, tables = 0;

	for (int i = 1; i < argc; i++) {
		if (bench_common_option(argv, &i, usage, &p->quick, &reps))
			continue;
		if (!strcmp(argv[i], "--growth-tables")) {
			tables = bench_parse_num(argv[i], argv[i + 1], 1, 2048 * 2048);
			i++;
			continue;
		}
		fprintf(stderr, "bench_shadow: unknown option %s\n", argv[i]);
		usage(stderr);
		exit(2);
	}
	p->reps = p->quick ? 3 : 11;
	p->chains = p->quick ? 8 : MAX_CHAINS;
	p->unshadow_pgts = p->quick ? 4 : 64;
	p->sgt_entries = p->quick ? 256 : 2048;
	p->reuse_n = p->quick ? 2000 : 20000;
	p->growth_tables = p->quick ? 2000 : 100000;
	if (reps)
		p->reps = (unsigned int)reps;
	if (tables)
		p->growth_tables = tables;
}

static struct bench_series series_init[NSERIES] = {
	[S_PTE_SHADOW_PAGE] = { "pte_shadow_page",
				"gmap_shadow_page(), page table present, PTE missing" },
	[S_PTE_FAULT] = { "pte_fault", "vsie_shadow_fault(), page table present, PTE missing" },
	[S_PTE_FLOOR] = { "pte_floor",
			  "floor: parent translate + locked PTE, shadow PTE slot under its lock" },
	[S_BUILD4_FRESH] = { "build4_fresh",
			     "vsie_shadow_fault() building R2T, R3T, SGT, PGT and PTE, new shadow, "
			     "64 pages per run (cold tables)" },
	[S_BUILD4_REBUILD] = { "build4_after_unshadow",
			       "the same after a guest-2 store to the R2T removed R2T and below" },
	[S_BUILD4_FLOOR] = { "build4_floor", "floor: 5 guest-2 entries read through the parent, 4 "
					     "tables allocated" },
	[S_BUILD4_WARM_FRESH] = { "build4_warm_fresh", "build4_fresh with 4 pages per run" },
	[S_BUILD4_WARM_REBUILD] = { "build4_warm_after_unshadow",
				    "build4_after_unshadow with 4 pages per run" },
	[S_BUILD4_WARM_FLOOR] = { "build4_warm_floor", "build4_floor with 4 pages per run" },
	[S_UNSHADOW_PGT] = { "unshadow_pgt_per_pte",
			     "gmap_unshadow_pgt() of full page tables, per PTE" },
	[S_UNSHADOW_PGT_FLOOR] = { "unshadow_pgt_floor", "floor: storing invalid PTEs, per PTE" },
	[S_UNSHADOW_SGT] = { "unshadow_sgt_per_segment",
			     "gmap_unshadow_sgt() of a full segment table, per segment entry" },
	[S_UNSHADOW_SGT_FLOOR] = { "unshadow_sgt_floor",
				   "floor: invalidating a segment entry and its 256 PTE slots" },
	[S_REUSE_1] = { "reuse_1_shadow", "gmap_shadow() + gmap_put(), the parent's only shadow" },
	[S_REUSE_16] = { "reuse_16_shadows", "gmap_shadow() + gmap_put(), the oldest of 16" },
	[S_REUSE_FLOOR] = { "reuse_floor",
			    "floor: shadow_lock taken and released, reference taken and dropped" },
	[S_SHADOW_VALID] = { "shadow_valid", "gmap_shadow_valid() of a valid shadow" },
	[S_GROWTH_SMALL_BEFORE] = { "growth_small_before", "pte_fault, small shadow, before" },
	[S_GROWTH_BIG_BEFORE] = { "growth_big_before", "pte_fault, big shadow, before growth" },
	[S_GROWTH_SMALL_AFTER] = { "growth_small_after", "pte_fault, small shadow, after growth" },
	[S_GROWTH_BIG_AFTER] = { "growth_big_after",
				 "pte_fault, big shadow with the growth tables live" },
};

int main(int argc, char **argv)
{
	struct params p = { 0 };
	struct bench_machine m;
	struct json j = { 0 };
	struct gmap *sg;

	bench_set_name("bench_shadow");
	parse_args(argc, argv, &p);
	memcpy(series, series_init, sizeof(series));
	bench_describe_machine(&m);

	if (g2_create(&g))
		bench_die("g2_create", 0);
	g2_build_chain(&g);
	build_chains(&p);
	build_unshadow_tables();
	build_growth_tables(&p);
	touch_data_pages();

	sg = new_shadow(ASCE_R1);
	run_reuse(&p, sg);
	run_pte(&p, sg);
	remove_shadow(sg, G2_R1T);
	run_build4(&p);
	run_unshadow(&p);
	run_growth(&p);
	bench_check(stats().tables_live == 0, "every shadow table freed");
	g2_destroy(&g);
	bench_machine_done(&m);

	json_open(&j, NULL, '{');
	json_str(&j, "benchmark", "bench_shadow");
	json_machine_open(&j, &m);
	json_machine_close(&j, &m);
	json_build(&j);
	print_params(&j, &p);
	json_open(&j, "cases", '[');
	for (unsigned int i = 0; i < NSERIES; i++)
		print_series(&j, &series[i], i);
	json_close(&j, ']');
	print_goals(&j);
	print_loop_ops(&j);
	json_close(&j, '}');
	return fflush(stdout) ? 1 : 0;
}
