// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection, counted: every allocation site of the library (the registry
 * of src/core/alloc_sites.h) x every public operation that reaches it.
 *
 * Each operation runs in a world built for it (a host mm with guest-2 memory,
 * its gmap, guest-2's DAT tables for guest-3, and whatever the operation needs:
 * a shadow with some levels built, a page paged out, a vCPU in SIE, ...). For
 * n = 1, 2, ... the world is built again, the nth allocation of the operation
 * is made to fail, and the operation runs. The injector says which site the
 * failed allocation came from. Then, for every failure:
 *   - the operation answered its documented error (-ENOMEM, NULL or ERR_PTR;
 *     -EAGAIN where a shadow was dropped to stay consistent; 0 where a failed
 *     allocation is absorbed by design, and then the operation is complete);
 *   - the world is consistent: every guest-2 page holds its bytes, every host
 *     PTE of the tracked ranges is empty, a swap entry or a pool frame, every
 *     linked segment of the gmap designates the host page table of its host
 *     segment and host_to_guest agrees, the DAT unit over the gmap's ASCE
 *     reaches the host's frames, gmap_shadow_audit() finds nothing in any shadow;
 *     where an operation changes structure, what its failure leaves (a failed
 *     gmap_map_segment() unmaps its target, as the seed documents);
 *   - the same operation without injection succeeds and has its effect;
 *   - after tearing the world down, gm_alloc_live() is what it was before it
 *     was built, and no shadow table or rmap is left.
 * The loop ends at the first n that the operation completes without reaching.
 *
 * Every (site, operation) pair whose failure was injected is counted, and
 * counted again as checked once all of the above passed. The test fails if a
 * registered site is reached by no operation, if an injected failure was not
 * checked, or if a failure came from outside the registry. With
 * GMAP_FAULT_TABLE=path it writes the table (markdown) that docs/RELIABILITY.md shows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>
#include <gmap/vcpu.h>

#include "core/alloc_internal.h"
#include "gmap/shadow_internal.h"
#include "gmap/ulmap.h"
#include "mm/mm_internal.h"

#define G2_SIZE (64UL << 20)  /* guest-2 memory: absolute 0 .. 64 MiB */
#define G2_HOST 0x200000000UL /* where it lives in the host */
#define COLD	0x300000000UL /* 4 MiB of host memory in a region-third entry of its own */
#define COLD_SZ (4UL << 20)
#define FAR	(1UL << 43) /* beyond the 4 TiB the host tables cover at first */

/* Guest-2's tables for guest-3: one chain for G3_ADDR. */
#define G2_R1T	    0x100000UL
#define G2_R2T	    0x110000UL
#define G2_R3T	    0x120000UL
#define G2_SGT	    0x130000UL
#define G2_PGT	    0x140000UL
#define G2_DATA	    0x400000UL
#define G3_ADDR	    ((1UL << 53) | (2UL << 42) | (3UL << 31) | (4UL << 20) | (5UL << 12))
#define R1E	    (G2_R2T | _REGION_ENTRY_TYPE_R1 | _REGION_ENTRY_LENGTH)
#define R2E	    (G2_R3T | _REGION_ENTRY_TYPE_R2 | _REGION_ENTRY_LENGTH)
#define R3E	    (G2_SGT | _REGION_ENTRY_TYPE_R3 | _REGION_ENTRY_LENGTH)
#define SGE	    G2_PGT
#define PGE	    (G2_DATA + 5 * PAGE_SIZE) /* the guest-2 page G3_ADDR translates to */
#define ASCE_R1	    (G2_R1T | _ASCE_TYPE_REGION1 | _ASCE_TABLE_LENGTH)
#define EDAT1_FRAME 0x1000000UL /* a 1 MiB frame of guest-2 */

/* Guest-2 pages with known contents (PGE among them); the checks read them all. */
static const unsigned long pattern_pages[] = { G2_DATA, PGE, G2_DATA + 9 * PAGE_SIZE, 0x2000000UL,
					       0x3f00000UL };
#define NPATTERN (sizeof(pattern_pages) / sizeof(pattern_pages[0]))

struct world {
	struct mm_struct *mm;
	struct gmap *gmap; /* guest-2's gmap, the parent of the shadows */
	struct gmap *sg;   /* the shadow the operation works on */
	unsigned long asce;
	int edat, built;
	struct gmap *made; /* what gmap_create/gmap_alloc/gmap_shadow made */
	struct mm_struct *made_mm;
	unsigned long *table;
	void (*table_free)(unsigned long *);
	struct vcpu *cpu;
	bool enabled;
	struct mm_tlb_listener listener;
	bool listening;
	struct gmap_notifier nb;
	bool notifier;
};

static struct world w;

/*
 * A guest-2 segment that gmap_map_segment() maps again: a failure leaves it
 * unmapped, as the seed documents (1 + its address; 0: none).
 */
static unsigned long remapped;

/* A pattern word an operation stores to: old or new bytes, never others. */
static struct {
	unsigned long paddr, val;
	bool set;
} patch;

/* ---- guest-2 memory ------------------------------------------------------------------------- */

static unsigned long pattern_word(unsigned long paddr, unsigned long i)
{
	return (paddr + 8 * i) * 0x9e3779b97f4a7c15UL;
}

/* What an operation that read a word answers: its error, or -EIO if the word is wrong. */
static int word_is(int rc, unsigned long got, unsigned long want)
{
	return rc ? rc : got == want ? 0 : -EIO;
}

static void g2_write_table(unsigned long paddr, unsigned long n, unsigned long fill)
{
	static unsigned long buf[_CRST_ENTRIES];

	for (unsigned long i = 0; i < n; i++)
		buf[i] = htobe64(fill);
	assert_int_equal(mm_write(w.mm, G2_HOST + paddr, buf, n * 8), 0);
}

static void g2_put(unsigned long paddr, unsigned long val)
{
	unsigned long be = htobe64(val);

	assert_int_equal(mm_write(w.mm, G2_HOST + paddr, &be, sizeof(be)), 0);
}

static unsigned long g2_frame(unsigned long paddr)
{
	unsigned long pte = mm_lookup_pte(w.mm, G2_HOST + paddr);

	return (pte & _PAGE_PRESENT) ? (pte & PAGE_MASK) : 0;
}

static void build_chain(void)
{
	static unsigned long pgt[_PAGE_ENTRIES];

	g2_write_table(G2_R1T, _CRST_ENTRIES, _REGION1_ENTRY_EMPTY);
	g2_write_table(G2_R2T, _CRST_ENTRIES, _REGION2_ENTRY_EMPTY);
	g2_write_table(G2_R3T, _CRST_ENTRIES, _REGION3_ENTRY_EMPTY);
	g2_write_table(G2_SGT, _CRST_ENTRIES, _SEGMENT_ENTRY_EMPTY);
	for (unsigned long i = 0; i < _PAGE_ENTRIES; i++)
		pgt[i] = htobe64(G2_DATA + i * PAGE_SIZE);
	assert_int_equal(mm_write(w.mm, G2_HOST + G2_PGT, pgt, sizeof(pgt)), 0);
	g2_put(G2_R1T + 1 * 8, R1E);
	g2_put(G2_R2T + 2 * 8, R2E);
	g2_put(G2_R3T + 3 * 8, R3E);
	g2_put(G2_SGT + 4 * 8, SGE);
	/* Guest-3's first megabyte (its prefix pages) through the same tables: -> G2_DATA. */
	g2_put(G2_R1T, R1E);
	g2_put(G2_R2T, R2E);
	g2_put(G2_R3T, R3E);
	g2_put(G2_SGT, SGE);
}

static void write_patterns(void)
{
	static unsigned long page[PAGE_SIZE / 8];

	for (size_t p = 0; p < NPATTERN; p++) {
		for (unsigned long i = 0; i < PAGE_SIZE / 8; i++)
			page[i] = pattern_word(pattern_pages[p], i);
		assert_int_equal(mm_write(w.mm, G2_HOST + pattern_pages[p], page, PAGE_SIZE), 0);
	}
}

/* ---- the world ------------------------------------------------------------------------------ */

static void host_map(unsigned long addr, unsigned long len)
{
	assert_int_equal(mm_mmap(w.mm, addr, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
			 addr);
}

/* mm, guest-2 memory and its gmap, guest-2's tables, the pattern pages; an untouched COLD range. */
static void world_build(void)
{
	memset(&w, 0, sizeof(w));
	w.mm = mm_create();
	assert_non_null(w.mm);
	host_map(G2_HOST, G2_SIZE);
	host_map(COLD, COLD_SZ);
	w.gmap = gmap_create(w.mm, (1UL << 42) - 1);
	assert_non_null(w.gmap);
	assert_int_equal(gmap_map_segment(w.gmap, G2_HOST, 0, G2_SIZE), 0);
	build_chain();
	write_patterns();
	w.asce = ASCE_R1;
}

static void take_shadow(void)
{
	w.sg = gmap_shadow(w.gmap, w.asce, w.edat);
	assert_false(IS_ERR_OR_NULL(w.sg));
}

static int shadow_level(int level)
{
	static const unsigned long entry[] = { R1E, R2E, R3E, SGE };
	static int (*const shadow[])(struct gmap *, unsigned long, unsigned long,
				     int) = { gmap_shadow_r2t, gmap_shadow_r3t, gmap_shadow_sgt,
					      gmap_shadow_pgt };
	int rc;

	mmap_read_lock(w.mm);
	rc = shadow[level](w.sg, G3_ADDR, entry[level], 0);
	mmap_read_unlock(w.mm);
	return rc;
}

/* A shadow of ASCE_R1 with the first @levels levels below its top built. */
static void shadow_built(int levels)
{
	w.built = levels;
	take_shadow();
	for (int l = 0; l < levels; l++)
		assert_int_equal(shadow_level(l), 0);
}

static struct dat_lean lean_spans; /* dat_lean_init_spans(): its granule map */

static void world_teardown(void)
{
	struct gmap *sg, *next;

	dat_lean_destroy(&lean_spans);
	memset(&lean_spans, 0, sizeof(lean_spans));

	if (w.cpu) {
		vcpu_sie_exit(w.cpu);
		vcpu_destroy(w.cpu);
	}
	if (w.enabled)
		gmap_disable(w.gmap);
	if (w.listening)
		mm_unregister_tlb_listener(w.mm, &w.listener);
	if (w.notifier)
		gmap_unregister_pte_notifier(&w.nb);
	if (w.table)
		w.table_free(w.table);
	if (w.made && !IS_ERR(w.made)) {
		if (gmap_is_shadow(w.made))
			gmap_put(w.made);
		else if (w.made->mm)
			gmap_remove(w.made);
		else
			gmap_free(w.made);
	}
	if (w.made_mm)
		mm_destroy(w.made_mm);
	if (w.sg && !IS_ERR(w.sg))
		gmap_put(w.sg);
	spin_lock(&w.gmap->shadow_lock);
	cds_list_for_each_entry_safe(sg, next, &w.gmap->children, list)
	{
		cds_list_del_init(&sg->list);
		gmap_put(sg);
	}
	spin_unlock(&w.gmap->shadow_lock);
	gmap_remove(w.gmap);
	mm_destroy(w.mm);
	gm_quiesce();
	memset(&w, 0, sizeof(w));
	patch.set = false;
	remapped = 0;
}

/* ---- consistency ---------------------------------------------------------------------------- */

static void check_bytes(void)
{
	static unsigned long page[PAGE_SIZE / 8];

	for (size_t p = 0; p < NPATTERN; p++) {
		assert_int_equal(mm_read(w.mm, G2_HOST + pattern_pages[p], page, PAGE_SIZE), 0);
		for (unsigned long i = 0; i < PAGE_SIZE / 8; i++)
			if (page[i] != pattern_word(pattern_pages[p], i) &&
			    !(patch.set && patch.paddr == pattern_pages[p] + 8 * i &&
			      page[i] == patch.val))
				fail_msg("guest-2 page %#lx word %lu lost", pattern_pages[p], i);
	}
}

/* Host PTEs of a range: empty, a swap entry, or a pool frame; none half-made. */
static void check_host_range(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	for (unsigned long a = start; a < start + len; a += PAGE_SIZE) {
		unsigned long pte = mm_lookup_pte(mm, a);

		if (pte_present(__pte(pte)))
			assert_ptr_equal(page_desc((void *)(pte & PAGE_MASK))->page,
					 (void *)(pte & PAGE_MASK));
		else
			assert_true(pte_none(__pte(pte)) || pte_swap(__pte(pte)));
	}
}

#define REMAP_G 0x8000000UL /* guest addresses beyond guest-2 memory for remaps of COLD */

/* A guest segment: unlinked, or linked to the host page table of its host segment, DAT agreeing. */
static bool check_segment(unsigned long g)
{
	struct dat_config cfg = { .asce = w.gmap->asce };
	unsigned long *ste, *pmd, h2g, vmaddr = gmap_translate(w.gmap, g);
	struct dat_result res;

	ste = gmap_table_walk(w.gmap, g, DAT_LEVEL_SEGMENT);
	if (!ste || *ste == _SEGMENT_ENTRY_EMPTY) {
		assert_true(dat_translate_native(&cfg, g, DAT_FETCH, &res) != 0);
		return false;
	}
	assert_false(IS_ERR_VALUE(vmaddr)); /* linked implies mapped */
	pmd = mm_segment_entry(w.mm, vmaddr);
	assert_non_null(pmd);
	assert_int_equal(*ste & _SEGMENT_ENTRY_ORIGIN, *pmd & _SEGMENT_ENTRY_ORIGIN);
	assert_true(ulmap_lookup(w.gmap->host_to_guest, vmaddr >> PMD_SHIFT, &h2g));
	assert_ptr_equal((unsigned long *)h2g, ste);
	for (unsigned long p = 0; p < _PAGE_ENTRIES; p += 51) {
		unsigned long off = p * PAGE_SIZE + 0x18;
		unsigned long pte = mm_lookup_pte(w.mm, vmaddr + off);
		unsigned int pic = dat_translate_native(&cfg, g + off, DAT_FETCH, &res);

		if (pte & _PAGE_INVALID) {
			assert_int_equal(pic, PGM_PAGE_TRANSLATION);
		} else {
			assert_int_equal(pic, 0);
			assert_int_equal(res.real, (pte & PAGE_MASK) | (off & ~PAGE_MASK));
		}
	}
	return true;
}

/* Guest-2 memory mapped where it was; every segment of it and of the REMAP_G range sound. */
static void check_gmap(void)
{
	unsigned long linked = 0;

	for (unsigned long g = 0; g < G2_SIZE; g += _SEGMENT_SIZE)
		if (remapped != g + 1 || gmap_translate(w.gmap, g) != (unsigned long)-EFAULT)
			assert_int_equal(gmap_translate(w.gmap, g + 0x1234), G2_HOST + g + 0x1234);
	mmap_read_lock(w.mm);
	for (unsigned long g = 0; g < G2_SIZE; g += _SEGMENT_SIZE)
		linked += check_segment(g);
	for (unsigned long g = REMAP_G; g < REMAP_G + COLD_SZ; g += _SEGMENT_SIZE)
		linked += check_segment(g);
	mmap_read_unlock(w.mm);
	assert_int_equal(ulmap_count(w.gmap->host_to_guest), linked);
}

/* The audit of every shadow of the parent (taken out of the list's lock first). */
static void check_shadows(void)
{
	struct gmap *sg, *list[8];
	int n = 0;

	spin_lock(&w.gmap->shadow_lock);
	cds_list_for_each_entry(sg, &w.gmap->children, list)
	{
		if (n < 8)
			list[n++] = gmap_get(sg);
	}
	spin_unlock(&w.gmap->shadow_lock);
	for (int i = 0; i < n; i++) {
		long bad = gmap_shadow_audit(list[i], stderr);

		gmap_put(list[i]);
		if (bad)
			fail_msg("shadow audit: %ld violations", bad);
	}
	if (w.sg && !IS_ERR(w.sg) && !w.sg->removed)
		assert_int_equal(gmap_shadow_audit(w.sg, stderr), 0);
}

static void check_world(void)
{
	check_bytes();
	check_host_range(w.mm, G2_HOST, G2_SIZE);
	check_host_range(w.mm, COLD, COLD_SZ);
	check_gmap();
	check_shadows();
}

/* ---- the operations ------------------------------------------------------------------------- */

/* The shadow's entry for @saddr at @level, or _PAGE_INVALID where the walk stops above. */
static unsigned long shadow_entry_at(unsigned long saddr, int level)
{
	unsigned long *e, v = _PAGE_INVALID;

	spin_lock(&w.sg->guest_table_lock);
	e = gmap_table_walk(w.sg, saddr, level);
	if (e)
		v = *e;
	spin_unlock(&w.sg->guest_table_lock);
	return v;
}

static unsigned long shadow_pte(void)
{
	return shadow_entry_at(G3_ADDR, 0);
}

static int rc_of_ptr(void *p)
{
	if (!p)
		return -ENOMEM;
	return IS_ERR(p) ? (int)PTR_ERR(p) : 0;
}

/* -- dat -- */
static int run_crst_alloc(void)
{
	w.table = crst_table_alloc(_SEGMENT_ENTRY_EMPTY);
	w.table_free = crst_table_free;
	return w.table ? 0 : -ENOMEM;
}

static int run_pgt_alloc(void)
{
	w.table = page_table_alloc();
	w.table_free = page_table_free;
	return w.table ? 0 : -ENOMEM;
}

static int run_pgste_alloc(void)
{
	w.table = page_table_alloc_pgste();
	w.table_free = page_table_free_pgste;
	return w.table ? 0 : -ENOMEM;
}

/* Two pieces of storage with a hole between them: the lean walker needs its granule map. */
static int run_lean_spans(void)
{
	static unsigned char bytes[2][64 << 10] __attribute__((aligned(4096)));
	const struct dat_lean_span spans[2] = { { 0, sizeof(bytes[0]), bytes[0] },
						{ 2 * sizeof(bytes[0]), sizeof(bytes[1]),
						  bytes[1] } };
	struct dat_config cfg = { .storage_size = 4 * sizeof(bytes[0]) };

	return dat_lean_init_spans(&lean_spans, &cfg, spans, 2);
}

static void post_lean_spans(void)
{
	assert_non_null(lean_spans.span_map);
}

static void post_table(void)
{
	assert_non_null(w.table);
	assert_true(w.table[0] & (_PAGE_INVALID | _SEGMENT_ENTRY_INVALID));
}

/* -- mm -- */
static int run_mm_create(void)
{
	w.made_mm = mm_create();
	return w.made_mm ? 0 : -ENOMEM;
}

static void post_mm_create(void)
{
	unsigned long v = 0x5a5a;

	assert_int_equal(mm_mmap(w.made_mm, COLD, PAGE_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
			 COLD);
	assert_int_equal(mm_write(w.made_mm, COLD, &v, sizeof(v)), 0);
}

static int mmap_rc(unsigned long addr, unsigned long len)
{
	unsigned long a = mm_mmap(w.mm, addr, len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);

	return IS_ERR_VALUE(a) ? (int)(long)a : (a == addr ? 0 : -EIO);
}

static int run_mmap(void)
{
	return mmap_rc(COLD + COLD_SZ + _SEGMENT_SIZE, COLD_SZ);
}

static void post_mmap(void)
{
	unsigned long v = 1;

	assert_int_equal(mm_write(w.mm, COLD + COLD_SZ + _SEGMENT_SIZE, &v, sizeof(v)), 0);
}

static int run_mmap_far(void)
{
	return mmap_rc(FAR, COLD_SZ);
}

static void post_mmap_far(void)
{
	unsigned long v = 1;

	assert_int_equal(mm_write(w.mm, FAR + COLD_SZ - 8, &v, sizeof(v)), 0);
}

static int run_munmap(void)
{
	return mm_munmap(w.mm, COLD + _SEGMENT_SIZE, _SEGMENT_SIZE);
}

static void post_munmap(void)
{
	unsigned long v = 0;

	assert_int_equal(mm_read(w.mm, COLD, &v, sizeof(v)), 0);
	assert_int_equal(mm_read(w.mm, COLD + _SEGMENT_SIZE, &v, sizeof(v)), -EFAULT);
	assert_int_equal(mm_read(w.mm, COLD + 2 * _SEGMENT_SIZE, &v, sizeof(v)), 0);
}

static int run_mprotect(void)
{
	return mm_mprotect(w.mm, COLD + _SEGMENT_SIZE, _SEGMENT_SIZE, PROT_READ);
}

static void post_mprotect(void)
{
	unsigned long v = 0;

	assert_int_equal(mm_write(w.mm, COLD, &v, sizeof(v)), 0);
	assert_int_equal(mm_write(w.mm, COLD + _SEGMENT_SIZE, &v, sizeof(v)), -EFAULT);
	assert_int_equal(mm_read(w.mm, COLD + _SEGMENT_SIZE, &v, sizeof(v)), 0);
	assert_int_equal(mm_write(w.mm, COLD + 2 * _SEGMENT_SIZE, &v, sizeof(v)), 0);
}

static bool unlocked;

static int fault_at(unsigned long addr, unsigned int flags, bool *unl)
{
	int rc;

	mmap_read_lock(w.mm);
	rc = fixup_user_fault(w.mm, addr, flags, unl);
	mmap_read_unlock(w.mm);
	return rc;
}

static int run_fault_cold(void)
{
	return fault_at(COLD + 0x3000, FAULT_FLAG_WRITE, NULL);
}

static void post_fault_cold(void)
{
	assert_true(pte_present(__pte(mm_lookup_pte(w.mm, COLD + 0x3000))));
}

static void prep_far(void)
{
	assert_int_equal(run_mmap_far(), 0);
}

static int run_fault_far(void)
{
	return fault_at(FAR + 0x3000, FAULT_FLAG_WRITE, NULL);
}

static void post_fault_far(void)
{
	assert_true(pte_present(__pte(mm_lookup_pte(w.mm, FAR + 0x3000))));
}

static void prep_swapped(void)
{
	assert_int_equal(mm_page_out(w.mm, G2_HOST + PGE), 0);
	assert_true(pte_swap(__pte(mm_lookup_pte(w.mm, G2_HOST + PGE))));
}

static int run_fault_swapped(void)
{
	unlocked = false;
	return fault_at(G2_HOST + PGE, 0, &unlocked);
}

static int run_fault_swapped_locked(void)
{
	return fault_at(G2_HOST + PGE, FAULT_FLAG_WRITE, NULL);
}

static void post_swapped_in(void)
{
	assert_true(pte_present(__pte(mm_lookup_pte(w.mm, G2_HOST + PGE))));
}

static int run_read_cold(void)
{
	unsigned long v[2] = { 1, 1 };
	int rc = mm_read(w.mm, COLD + PAGE_SIZE - 8, v, sizeof(v));

	return rc ? rc : (v[0] || v[1]) ? -EIO : 0;
}

static int run_read_swapped(void)
{
	unsigned long v = 0;
	int rc = mm_read(w.mm, G2_HOST + PGE + 16, &v, sizeof(v));

	return word_is(rc, v, pattern_word(PGE, 2));
}

static const unsigned long wval[2] = { 0x1122334455667788UL, 0x99aabbccddeeff00UL };

static int run_write_cold(void)
{
	return mm_write(w.mm, COLD + PAGE_SIZE - 8, wval, sizeof(wval));
}

/* The host reads wval at @host. */
static void expect_wval(unsigned long host)
{
	unsigned long v[2];

	assert_int_equal(mm_read(w.mm, host, v, sizeof(v)), 0);
	assert_memory_equal(v, wval, sizeof(v));
}

/* mm_write and vcpu_write (at REMAP_G, which maps COLD) store wval there. */
static void post_write_cold(void)
{
	expect_wval(COLD + PAGE_SIZE - 8);
}

static int run_page_out(void)
{
	return mm_page_out(w.mm, G2_HOST + PGE);
}

static void post_page_out(void)
{
	assert_true(pte_swap(__pte(mm_lookup_pte(w.mm, G2_HOST + PGE))));
}

/* The swap file's first 1024 slots all used by COLD's pages: the next page-out doubles it. */
static void prep_swap_full(void)
{
	static unsigned long page[PAGE_SIZE / 8];

	for (unsigned long a = COLD; a < COLD + COLD_SZ; a += PAGE_SIZE) {
		page[0] = a;
		assert_int_equal(mm_write(w.mm, a, page, PAGE_SIZE), 0);
		assert_int_equal(mm_page_out(w.mm, a), 0);
	}
	assert_int_equal(w.mm->swap.nslots, 1024);
	assert_int_equal(w.mm->swap.nused, 1024);
}

/* Every paged-out COLD page still reads back its own address (swap-in from its slot). */
static void post_page_out_grown(void)
{
	unsigned long v;

	post_page_out();
	for (unsigned long a = COLD; a < COLD + COLD_SZ; a += 17 * PAGE_SIZE) {
		assert_int_equal(mm_read(w.mm, a, &v, sizeof(v)), 0);
		assert_int_equal(v, a);
	}
}

static unsigned long frame_before;

static void prep_migrate(void)
{
	frame_before = g2_frame(PGE);
}

static int run_migrate(void)
{
	return mm_migrate_page(w.mm, G2_HOST + PGE);
}

static void post_migrate(void)
{
	assert_int_not_equal(g2_frame(PGE), 0);
	assert_int_not_equal(g2_frame(PGE), frame_before);
}

static int run_discard(void)
{
	return mm_discard(w.mm, G2_HOST + G2_DATA + 20 * PAGE_SIZE, PAGE_SIZE);
}

static void noop_ipte(struct mm_tlb_listener *l, struct mm_struct *mm, unsigned long addr,
		      pte_t *ptep)
{
	(void)l;
	(void)mm;
	(void)addr;
	(void)ptep;
}

static void noop_flush(struct mm_tlb_listener *l, struct mm_struct *mm, unsigned long asce)
{
	(void)l;
	(void)mm;
	(void)asce;
}

static int run_tlb_listener(void)
{
	int rc;

	w.listener.ipte = noop_ipte;
	w.listener.flush_all = noop_flush;
	rc = mm_register_tlb_listener(w.mm, &w.listener);
	w.listening = !rc;
	return rc;
}

/* -- gmap -- */
static int run_gmap_create(void)
{
	w.made = gmap_create(w.mm, (1UL << 53) - 1);
	return rc_of_ptr(w.made);
}

static int run_gmap_alloc(void)
{
	w.made = gmap_alloc((1UL << 31) - 1);
	return rc_of_ptr(w.made);
}

static void post_made(void)
{
	assert_false(IS_ERR_OR_NULL(w.made));
	assert_int_equal(gmap_translate(w.made, 0), (unsigned long)-EFAULT);
}

static void post_made_mapped(void)
{
	post_made();
	assert_int_equal(gmap_map_segment(w.made, COLD, 0, _SEGMENT_SIZE), 0);
	assert_int_equal(gmap_fault(w.made, 0x1000, FAULT_FLAG_WRITE), 0);
}

static int run_map_segment(void)
{
	return gmap_map_segment(w.gmap, COLD, REMAP_G, COLD_SZ);
}

static void post_map_segment(void)
{
	assert_int_equal(gmap_translate(w.gmap, REMAP_G + 0x1234), COLD + 0x1234);
}

static int run_unmap_split(void)
{
	return gmap_unmap_segment(w.gmap, REMAP_G + _SEGMENT_SIZE, _SEGMENT_SIZE);
}

static void prep_mapped_cold(void)
{
	assert_int_equal(run_map_segment(), 0);
}

static void post_unmap_split(void)
{
	assert_int_equal(gmap_translate(w.gmap, REMAP_G), COLD);
	assert_int_equal(gmap_translate(w.gmap, REMAP_G + _SEGMENT_SIZE), (unsigned long)-EFAULT);
	assert_int_equal(gmap_translate(w.gmap, REMAP_G + 2 * _SEGMENT_SIZE),
			 COLD + 2 * _SEGMENT_SIZE);
}

/* A split whose node was refused used the spare, and the spare could not be had again. */
static void prep_no_spare(void)
{
	prep_mapped_cold();
	gm_alloc_fail_nth(2);
	gm_alloc_fail_also(1);
	assert_int_equal(run_unmap_split(), 0);
	assert_true(gm_alloc_fault_injected());
	assert_int_equal(gm_alloc_fault_site(), GM_SITE_RANGEMAP_REFILL);
	gm_alloc_fail_nth(0);
	assert_null(w.gmap->guest_to_host->spare);
}

static int run_map_after_split(void)
{
	return gmap_map_segment(w.gmap, COLD + _SEGMENT_SIZE, REMAP_G + _SEGMENT_SIZE,
				_SEGMENT_SIZE);
}

static void post_map_after_split(void)
{
	assert_int_equal(gmap_translate(w.gmap, REMAP_G + _SEGMENT_SIZE), COLD + _SEGMENT_SIZE);
}

/* The middle segment of the REMAP_G range mapped to another host segment: a split. */
static int run_map_inside(void)
{
	return gmap_map_segment(w.gmap, COLD + 3 * _SEGMENT_SIZE, REMAP_G + _SEGMENT_SIZE,
				_SEGMENT_SIZE);
}

static void post_map_inside(void)
{
	assert_int_equal(gmap_translate(w.gmap, REMAP_G), COLD);
	assert_int_equal(gmap_translate(w.gmap, REMAP_G + _SEGMENT_SIZE), COLD + 3 * _SEGMENT_SIZE);
	assert_int_equal(gmap_translate(w.gmap, REMAP_G + 2 * _SEGMENT_SIZE),
			 COLD + 2 * _SEGMENT_SIZE);
}

/* A failed gmap_map_segment() leaves its whole target unmapped (the seed's rule), nothing else. */
static void failed_map_inside(void)
{
	assert_int_equal(gmap_translate(w.gmap, REMAP_G), COLD);
	assert_int_equal(gmap_translate(w.gmap, REMAP_G + _SEGMENT_SIZE), (unsigned long)-EFAULT);
	assert_int_equal(gmap_translate(w.gmap, REMAP_G + 2 * _SEGMENT_SIZE),
			 COLD + 2 * _SEGMENT_SIZE);
}

static void failed_map_segment(void)
{
	assert_int_equal(gmap_translate(w.gmap, REMAP_G), (unsigned long)-EFAULT);
}

/* The VMAs as before: the whole COLD range mapped and writable. */
static void failed_vma_change(void)
{
	unsigned long v = 0;

	for (unsigned long a = COLD; a < COLD + COLD_SZ; a += _SEGMENT_SIZE / 2)
		assert_int_equal(mm_write(w.mm, a, &v, sizeof(v)), 0);
}

static int run_gmap_fault_cold(void)
{
	return gmap_fault(w.gmap, REMAP_G + 0x5000, FAULT_FLAG_WRITE);
}

static void post_gmap_fault_cold(void)
{
	pte_t *ptep;

	mmap_read_lock(w.mm);
	ptep = (pte_t *)gmap_table_walk(w.gmap, REMAP_G + 0x5000, 0);
	assert_ptr_equal(ptep, mm_pte_lookup(w.mm, COLD + 0x5000));
	mmap_read_unlock(w.mm);
	assert_true(pte_present(*ptep));
}

/* 32 linked segments: the 33rd link doubles host_to_guest's buckets. */
static void prep_linked_32(void)
{
	for (unsigned long i = 0; i < 32; i++)
		assert_int_equal(gmap_fault(w.gmap, i * _SEGMENT_SIZE + 0x7000, 0), 0);
	assert_int_equal(ulmap_count(w.gmap->host_to_guest), 32);
}

static int run_gmap_fault_grow(void)
{
	return gmap_fault(w.gmap, 40 * _SEGMENT_SIZE, FAULT_FLAG_WRITE);
}

static void post_gmap_fault_grow(void)
{
	assert_int_equal(ulmap_count(w.gmap->host_to_guest), 33);
}

static void prep_cold_faulted(void)
{
	prep_mapped_cold();
	assert_int_equal(fault_at(COLD + 0x5000, FAULT_FLAG_WRITE, NULL), 0);
}

static int run_gmap_link(void)
{
	int rc;

	mmap_read_lock(w.mm);
	rc = __gmap_link(w.gmap, REMAP_G + 0x5000, COLD + 0x5000);
	mmap_read_unlock(w.mm);
	return rc;
}

static int run_gmap_discard(void)
{
	return gmap_discard(w.gmap, G2_DATA + 20 * PAGE_SIZE, G2_DATA + 22 * PAGE_SIZE);
}

static int run_mprotect_notify(void)
{
	return gmap_mprotect_notify(w.gmap, REMAP_G + 0x8000, 2 * PAGE_SIZE, PROT_READ);
}

static void post_mprotect_notify(void)
{
	unsigned long pgste = mm_lookup_pgste(w.mm, COLD + 0x8000);

	assert_true(pgste & PGSTE_IN_BIT);
	assert_true(mm_lookup_pte(w.mm, COLD + 0x9000) & _PAGE_PROTECT);
}

static void noop_notifier(struct gmap *gmap, unsigned long start, unsigned long end)
{
	(void)gmap;
	(void)start;
	(void)end;
}

static int run_register_notifier(void)
{
	w.nb.notifier_call = noop_notifier;
	gmap_register_pte_notifier(&w.nb);
	w.notifier = true;
	return 0;
}

static int run_read_table(void)
{
	unsigned long v = 0;
	int rc = gmap_read_table(w.gmap, G2_R1T + 8, &v);

	return word_is(rc, v, R1E);
}

/* -- shadows -- */
static int run_gmap_shadow(void)
{
	w.made = gmap_shadow(w.gmap, w.asce, w.edat);
	return rc_of_ptr(w.made);
}

static void prep_real(void)
{
	w.asce = _ASCE_REAL_SPACE;
}

static void post_gmap_shadow(void)
{
	assert_true(gmap_shadow_valid(w.made, w.asce, w.edat));
	w.sg = gmap_get(w.made);
	assert_int_equal(vsie_shadow_fault(w.sg, w.asce == ASCE_R1 ? G3_ADDR : PGE, NULL), 0);
}

static void prep_shadow_0(void)
{
	shadow_built(0);
}
static void prep_shadow_1(void)
{
	shadow_built(1);
}
static void prep_shadow_2(void)
{
	shadow_built(2);
}
static void prep_shadow_3(void)
{
	shadow_built(3);
}
static void prep_shadow_4(void)
{
	shadow_built(4);
}

static int run_level(void)
{
	return shadow_level(w.built);
}

static unsigned long shadow_entry(int level)
{
	return shadow_entry_at(G3_ADDR, level);
}

static void post_level(void)
{
	assert_false(shadow_entry(DAT_LEVEL_REGION1 - w.built) & _REGION_ENTRY_INVALID);
}

static int run_shadow_page(void)
{
	return gmap_shadow_page(w.sg, G3_ADDR, __pte(PGE));
}

static void post_shadow_fault(void)
{
	assert_int_equal(shadow_pte() & PAGE_MASK, g2_frame(PGE));
}

static int run_protect_rmap(void)
{
	int rc;

	mmap_read_lock(w.mm);
	rc = gmap_protect_rmap(w.sg, (G3_ADDR & _SEGMENT_MASK) | _SHADOW_RMAP_SEGMENT, G2_PGT,
			       PAGE_SIZE, PROT_READ);
	mmap_read_unlock(w.mm);
	return rc;
}

static void post_protect_rmap(void)
{
	assert_true(mm_lookup_pte(w.mm, G2_HOST + G2_PGT) & _PAGE_PROTECT);
	assert_true(mm_lookup_pgste(w.mm, G2_HOST + G2_PGT) & PGSTE_VSIE_BIT);
}

static int run_rmap_preload(void)
{
	int rc = gmap_rmap_preload(w.sg);

	if (!rc)
		gmap_rmap_preload_end();
	return rc;
}

static int run_shadow_fault(void)
{
	return vsie_shadow_fault(w.sg, G3_ADDR, NULL);
}

static void prep_edat1(void)
{
	g2_put(G2_SGT + 4 * 8, EDAT1_FRAME | _SEGMENT_ENTRY_LARGE);
	w.edat = 1;
	shadow_built(0);
}

static void post_edat1(void)
{
	assert_int_equal(shadow_pte() & PAGE_MASK, g2_frame(EDAT1_FRAME + 5 * PAGE_SIZE));
}

static void prep_real_shadow(void)
{
	w.asce = _ASCE_REAL_SPACE;
	take_shadow();
}

static int run_shadow_fault_real(void)
{
	return vsie_shadow_fault(w.sg, PGE, NULL);
}

static void post_shadow_fault_real(void)
{
	assert_int_equal(shadow_entry_at(PGE, 0) & PAGE_MASK, g2_frame(PGE));
}

static void prep_shadow_faulted(void)
{
	shadow_built(0);
	assert_int_equal(vsie_shadow_fault(w.sg, G3_ADDR, NULL), 0);
}

static int run_unshadow(void)
{
	spin_lock(&w.sg->guest_table_lock);
	gmap_unshadow(w.sg);
	spin_unlock(&w.sg->guest_table_lock);
	return 0;
}

static void post_unshadow(void)
{
	assert_true(w.sg->removed);
}

/* Guest-2 changes a segment entry its shadow uses: the store notifies and unshadows. */
static int run_g2_store(void)
{
	unsigned long be = htobe64(_SEGMENT_ENTRY_EMPTY);

	return mm_write(w.mm, G2_HOST + G2_SGT + 4 * 8, &be, sizeof(be));
}

/* The shadow segment table went, the region-second entry above it stayed. */
static void post_g2_store(void)
{
	assert_int_equal(shadow_entry(DAT_LEVEL_REGION3), _REGION3_ENTRY_EMPTY);
	assert_false(shadow_entry(DAT_LEVEL_REGION2) & _REGION_ENTRY_INVALID);
}

/* -- vCPU -- */
static int run_vcpu_create(void)
{
	w.cpu = vcpu_create();
	return w.cpu ? 0 : -ENOMEM;
}

static void post_vcpu_create(void)
{
	unsigned long v = 0;

	assert_non_null(w.cpu);
	gmap_enable(w.gmap);
	w.enabled = true;
	assert_int_equal(vcpu_read(w.cpu, PGE, &v, sizeof(v)), 0);
	assert_int_equal(v, pattern_word(PGE, 0));
}

static void prep_vcpu(void)
{
	w.cpu = vcpu_create();
	assert_non_null(w.cpu);
	gmap_enable(w.gmap);
	w.enabled = true;
}

static int run_vcpu_read(void)
{
	unsigned long v[2] = { 0, 0 };
	int rc = vcpu_read(w.cpu, PGE + PAGE_SIZE - 8, v, sizeof(v));

	return word_is(rc, v[0], pattern_word(PGE, PAGE_SIZE / 8 - 1));
}

static int run_vcpu_write(void)
{
	return vcpu_write(w.cpu, REMAP_G + PAGE_SIZE - 8, wval, sizeof(wval));
}

static void prep_vcpu_cold(void)
{
	prep_mapped_cold();
	prep_vcpu();
}

static void prep_vcpu_warm(void)
{
	unsigned long v;

	prep_vcpu();
	assert_int_equal(vcpu_read(w.cpu, PGE, &v, sizeof(v)), 0);
}

/*
 * The two ways guest-3 runs: with a real-space ASCE (guest-3 absolute is guest-2
 * absolute, shadowed page by page; prefix 0x10000), and with guest-2's DAT tables
 * for guest-3 (ASCE_R1: G3_ADDR -> PGE; the prefix pages are G2_DATA). @pge is where
 * guest-3 finds PGE.
 */
struct sie_mode {
	unsigned long asce, prefix, pge;
};
static const struct sie_mode sie_real = { _ASCE_REAL_SPACE, 0x10000, PGE };
static const struct sie_mode sie_dat = { ASCE_R1, 0, G3_ADDR };

static int sie_enter(const struct sie_mode *m)
{
	return vcpu_sie_enter(w.cpu, m->asce, 0, m->prefix);
}

/* In SIE, guest-3 reads PGE's first word. */
static void expect_sie_entered(const struct sie_mode *m)
{
	unsigned long v = 0;

	assert_int_equal(vcpu_sie_read(w.cpu, m->pge, &v, sizeof(v)), 0);
	assert_int_equal(v, pattern_word(PGE, 0));
}

static void prep_sie(const struct sie_mode *m)
{
	prep_vcpu_warm();
	assert_int_equal(sie_enter(m), 0);
}

/* Guest-3 reads PGE's second word. */
static int sie_read_word(const struct sie_mode *m)
{
	unsigned long v = 0;
	int rc = vcpu_sie_read(w.cpu, m->pge + 8, &v, sizeof(v));

	return word_is(rc, v, pattern_word(PGE, 1));
}

static int run_sie_enter(void)
{
	return sie_enter(&sie_real);
}

static void post_sie_enter(void)
{
	expect_sie_entered(&sie_real);
}

static void prep_in_sie(void)
{
	prep_sie(&sie_real);
}

static int run_sie_read(void)
{
	return sie_read_word(&sie_real);
}

static int run_sie_write(void)
{
	patch.paddr = PGE + 8;
	patch.val = ~pattern_word(PGE, 1);
	patch.set = true;
	return vcpu_sie_write(w.cpu, PGE + 8, &patch.val, 8);
}

static void post_sie_write(void)
{
	unsigned long v = 0;

	assert_int_equal(mm_read(w.mm, G2_HOST + PGE + 8, &v, sizeof(v)), 0);
	assert_int_equal(v, patch.val);
}

/* -- more states: events on shadowed memory, swapped pages, prefix, DAT on -- */
static void post_shadow_refault(void)
{
	assert_int_equal(vsie_shadow_fault(w.sg, G3_ADDR, NULL), 0);
	post_shadow_fault();
}

static void prep_shadowed_migrate(void)
{
	prep_shadow_faulted();
	prep_migrate();
}

static void post_shadowed_migrate(void)
{
	post_migrate();
	post_shadow_refault();
}

static int run_page_out_pgt(void)
{
	return mm_page_out(w.mm, G2_HOST + G2_PGT);
}

static void post_page_out_pgt(void)
{
	assert_true(pte_swap(__pte(mm_lookup_pte(w.mm, G2_HOST + G2_PGT))));
	assert_int_equal(shadow_entry(DAT_LEVEL_SEGMENT), _SEGMENT_ENTRY_EMPTY);
	post_shadow_refault();
}

/* Guest-2 memory's data segment mapped again (same place): unlinks, unshadows. */
static int run_remap_data(void)
{
	unsigned long seg = PGE & _SEGMENT_MASK;

	remapped = seg + 1;
	return gmap_map_segment(w.gmap, G2_HOST + seg, seg, _SEGMENT_SIZE);
}

static int run_gmap_fault_swapped(void)
{
	return gmap_fault(w.gmap, PGE, 0);
}

#define PREFIX (G2_DATA + 10 * PAGE_SIZE) /* 8 KiB aligned, no pattern page */

static void prep_vcpu_prefix(void)
{
	prep_vcpu();
	assert_int_equal(vcpu_set_prefix(w.cpu, PREFIX), 0);
}

static int run_write_real(void)
{
	return vcpu_write_real(w.cpu, 0x10, wval, sizeof(wval));
}

static void post_write_real(void)
{
	expect_wval(G2_HOST + PREFIX + 0x10);
}

/* Guest-2's own DAT on, through the tables in its memory (ASCE_R1): G3_ADDR -> PGE. */
static int run_read_virt(void)
{
	unsigned long v = 0;
	int rc = vcpu_read_virt(w.cpu, ASCE_R1, G3_ADDR + 16, &v, sizeof(v));

	return word_is(rc, v, pattern_word(PGE, 2));
}

/* In real-space SIE guest-3's memory is guest-2's: guest-3's DAT on with the same tables. */
static int run_sie_read_virt(void)
{
	unsigned long v = 0;
	int rc = vcpu_sie_read_virt(w.cpu, ASCE_R1, G3_ADDR + 24, &v, sizeof(v));

	return word_is(rc, v, pattern_word(PGE, 3));
}

static int run_sie_enter_dat(void)
{
	return sie_enter(&sie_dat);
}

static void post_sie_enter_dat(void)
{
	expect_sie_entered(&sie_dat);
}

static void prep_in_sie_dat(void)
{
	prep_sie(&sie_dat);
}

static int run_sie_read_dat(void)
{
	return sie_read_word(&sie_dat);
}

/* ---- the table of operations ---------------------------------------------------------------- */

/* Answers to a failed allocation that an operation may give besides -ENOMEM. */
enum { RC_EAGAIN = 2, RC_ZERO = 4 };

struct op {
	const char *name;
	void (*prep)(void); /* the state the operation runs in (after world_build()) */
	int (*run)(void);
	void (*post)(void); /* after success: the operation had its effect */
	unsigned int may;   /* RC_*: what a failed allocation may answer besides -ENOMEM */
	unsigned long also; /* fail this allocation too (gm_alloc_fail_also()) */
	/* After an error: what the operation left, where that is not the world as before. */
	void (*failed)(void);
};

#define OP(n, p, r, c, m)                                           \
	{                                                           \
		.name = n, .prep = p, .run = r, .post = c, .may = m \
	}

static const struct op ops[] = {
	OP("crst_table_alloc", NULL, run_crst_alloc, post_table, 0),
	OP("page_table_alloc", NULL, run_pgt_alloc, post_table, 0),
	OP("page_table_alloc_pgste", NULL, run_pgste_alloc, post_table, 0),
	OP("dat_lean_init_spans", NULL, run_lean_spans, post_lean_spans, 0),
	OP("mm_create", NULL, run_mm_create, post_mm_create, 0),
	OP("mm_mmap", NULL, run_mmap, post_mmap, 0),
	OP("mm_mmap beyond 4 TiB", NULL, run_mmap_far, post_mmap_far, 0),
	{ .name = "mm_munmap inside a VMA",
	  .run = run_munmap,
	  .post = post_munmap,
	  .failed = failed_vma_change },
	{ .name = "mm_mprotect inside a VMA",
	  .run = run_mprotect,
	  .post = post_mprotect,
	  .failed = failed_vma_change },
	OP("fixup_user_fault cold", NULL, run_fault_cold, post_fault_cold, 0),
	OP("fixup_user_fault beyond 4 TiB", prep_far, run_fault_far, post_fault_far, 0),
	OP("fixup_user_fault swapped, unlocked", prep_swapped, run_fault_swapped, post_swapped_in,
	   0),
	OP("fixup_user_fault swapped, locked", prep_swapped, run_fault_swapped_locked,
	   post_swapped_in, 0),
	OP("mm_read cold", NULL, run_read_cold, NULL, 0),
	OP("mm_write cold", NULL, run_write_cold, post_write_cold, 0),
	OP("mm_read swapped", prep_swapped, run_read_swapped, NULL, 0),
	OP("mm_page_out first", NULL, run_page_out, post_page_out, 0),
	OP("mm_page_out, swap file full", prep_swap_full, run_page_out, post_page_out_grown, 0),
	OP("mm_migrate_page", prep_migrate, run_migrate, post_migrate, 0),
	OP("mm_discard", NULL, run_discard, NULL, 0),
	OP("mm_register_tlb_listener", NULL, run_tlb_listener, NULL, 0),
	OP("gmap_create", NULL, run_gmap_create, post_made_mapped, 0),
	OP("gmap_alloc", NULL, run_gmap_alloc, post_made, 0),
	{ .name = "gmap_map_segment",
	  .run = run_map_segment,
	  .post = post_map_segment,
	  .failed = failed_map_segment },
	OP("gmap_unmap_segment split", prep_mapped_cold, run_unmap_split, post_unmap_split,
	   RC_ZERO),
	{ .name = "gmap_unmap_segment split, node refused",
	  .prep = prep_mapped_cold,
	  .run = run_unmap_split,
	  .post = post_unmap_split,
	  .may = RC_ZERO,
	  .also = 1 },
	OP("gmap_map_segment, spare missing", prep_no_spare, run_map_after_split,
	   post_map_after_split, 0),
	{ .name = "gmap_map_segment inside a mapping",
	  .prep = prep_mapped_cold,
	  .run = run_map_inside,
	  .post = post_map_inside,
	  .failed = failed_map_inside },
	OP("gmap_fault cold", prep_mapped_cold, run_gmap_fault_cold, post_gmap_fault_cold, 0),
	OP("gmap_fault, host_to_guest full", prep_linked_32, run_gmap_fault_grow,
	   post_gmap_fault_grow, 0),
	OP("__gmap_link", prep_cold_faulted, run_gmap_link, post_gmap_fault_cold, 0),
	OP("gmap_discard", NULL, run_gmap_discard, NULL, 0),
	OP("gmap_mprotect_notify cold", prep_mapped_cold, run_mprotect_notify, post_mprotect_notify,
	   0),
	OP("gmap_register_pte_notifier", NULL, run_register_notifier, NULL, 0),
	OP("gmap_read_table", NULL, run_read_table, NULL, 0),
	OP("gmap_shadow", NULL, run_gmap_shadow, post_gmap_shadow, 0),
	OP("gmap_shadow real space", prep_real, run_gmap_shadow, post_gmap_shadow, 0),
	OP("gmap_shadow_r2t", prep_shadow_0, run_level, post_level, RC_EAGAIN),
	OP("gmap_shadow_r3t", prep_shadow_1, run_level, post_level, RC_EAGAIN),
	OP("gmap_shadow_sgt", prep_shadow_2, run_level, post_level, RC_EAGAIN),
	OP("gmap_shadow_pgt", prep_shadow_3, run_level, post_level, RC_EAGAIN),
	OP("gmap_shadow_page", prep_shadow_4, run_shadow_page, post_shadow_fault, RC_EAGAIN),
	OP("gmap_protect_rmap", prep_shadow_0, run_protect_rmap, post_protect_rmap, RC_EAGAIN),
	OP("gmap_rmap_preload", prep_shadow_0, run_rmap_preload, NULL, 0),
	OP("vsie_shadow_fault cold", prep_shadow_0, run_shadow_fault, post_shadow_fault, RC_EAGAIN),
	OP("vsie_shadow_fault, page missing", prep_shadow_4, run_shadow_fault, post_shadow_fault,
	   RC_EAGAIN),
	OP("vsie_shadow_fault EDAT-1", prep_edat1, run_shadow_fault, post_edat1, RC_EAGAIN),
	OP("vsie_shadow_fault real space", prep_real_shadow, run_shadow_fault_real,
	   post_shadow_fault_real, RC_EAGAIN),
	OP("gmap_unshadow", prep_shadow_faulted, run_unshadow, post_unshadow, 0),
	OP("guest-2 store to a shadowed table", prep_shadow_faulted, run_g2_store, post_g2_store,
	   0),
	OP("mm_migrate_page of a shadowed page", prep_shadowed_migrate, run_migrate,
	   post_shadowed_migrate, 0),
	OP("mm_page_out of a shadowed page table", prep_shadow_faulted, run_page_out_pgt,
	   post_page_out_pgt, 0),
	OP("gmap_map_segment over a shadowed segment", prep_shadow_faulted, run_remap_data,
	   post_shadow_refault, 0),
	OP("gmap_fault swapped", prep_swapped, run_gmap_fault_swapped, post_swapped_in, 0),
	OP("vcpu_create", NULL, run_vcpu_create, post_vcpu_create, 0),
	OP("vcpu_read first access", prep_vcpu, run_vcpu_read, NULL, 0),
	OP("vcpu_write cold", prep_vcpu_cold, run_vcpu_write, post_write_cold, 0),
	OP("vcpu_read warm, into a cold page", prep_vcpu_warm, run_vcpu_read, NULL, 0),
	OP("vcpu_write_real, prefix set", prep_vcpu_prefix, run_write_real, post_write_real, 0),
	OP("vcpu_read_virt cold", prep_vcpu, run_read_virt, NULL, 0),
	OP("vcpu_sie_enter", prep_vcpu_warm, run_sie_enter, post_sie_enter, RC_EAGAIN),
	OP("vcpu_sie_read cold", prep_in_sie, run_sie_read, NULL, RC_EAGAIN),
	OP("vcpu_sie_write cold", prep_in_sie, run_sie_write, post_sie_write, RC_EAGAIN),
	OP("vcpu_sie_read_virt cold", prep_in_sie, run_sie_read_virt, NULL, RC_EAGAIN),
	OP("vcpu_sie_enter, DAT", prep_vcpu_warm, run_sie_enter_dat, post_sie_enter_dat, RC_EAGAIN),
	OP("vcpu_sie_read, DAT, cold", prep_in_sie_dat, run_sie_read_dat, NULL, RC_EAGAIN),
};
#undef OP

#define NOPS (sizeof(ops) / sizeof(ops[0]))

static unsigned long reached[GM_NR_SITES][NOPS], checked[GM_NR_SITES][NOPS];
static unsigned long allocations[NOPS];
static unsigned long answered[NOPS][3]; /* -ENOMEM, -EAGAIN, 0 (absorbed) */

/* ---- the driver ----------------------------------------------------------------------------- */

static void prepare(const struct op *o)
{
	world_build();
	if (o->prep)
		o->prep();
}

/* The operation without injection: it succeeds (a dropped shadow is taken again first). */
static void redo(const struct op *o)
{
	int rc = -EAGAIN;

	for (int i = 0; i < 4 && rc == -EAGAIN; i++) {
		if (w.sg && !IS_ERR(w.sg) && w.sg->removed && o->run != run_unshadow) {
			gmap_put(w.sg);
			w.sg = NULL;
			shadow_built(w.built);
		}
		rc = o->run();
	}
	if (rc)
		fail_msg("%s: again without injection: %d", o->name, rc);
	if (o->post)
		o->post();
}

static void check_freed(const struct op *o, unsigned long n, long live)
{
	struct gmap_shadow_stats st;

	gmap_shadow_get_stats(&st);
	assert_int_equal(st.tables_live, 0);
	assert_int_equal(st.rmaps_live, 0);
	if (gm_alloc_live() != live)
		fail_msg("%s: allocation %lu failed: %ld blocks leaked", o->name, n,
			 gm_alloc_live() - live);
}

static void fail_every_allocation(size_t k)
{
	const struct op *o = &ops[k];
	enum gm_alloc_site site;
	bool injected;
	unsigned long n;
	long live;
	int rc;

	/* Warm-up: what the process allocates once is there before the count. */
	prepare(o);
	redo(o);
	world_teardown();
	live = gm_alloc_live();
	for (n = 1;; n++) {
		prepare(o);
		gm_alloc_fail_nth(n);
		if (o->also)
			gm_alloc_fail_also(o->also);
		rc = o->run();
		injected = gm_alloc_fault_injected();
		site = gm_alloc_fault_site();
		gm_alloc_fail_nth(0);
		if (!injected) {
			if (rc)
				fail_msg("%s: %d without a failure", o->name, rc);
			if (o->post)
				o->post();
			check_world();
			world_teardown();
			check_freed(o, n, live);
			break;
		}
		if (site <= GM_SITE_EXTERN)
			fail_msg("%s: allocation %lu came from outside the registry", o->name, n);
		reached[site][k]++;
		if (!(rc == -ENOMEM || (rc == -EAGAIN && (o->may & RC_EAGAIN)) ||
		      (rc == 0 && (o->may & RC_ZERO))))
			fail_msg("%s: allocation %lu (%s) failed: answered %d", o->name, n,
				 gm_alloc_sites[site].name, rc);
		answered[k][rc == -ENOMEM ? 0 : rc == -EAGAIN ? 1 : 2]++;
		if (rc == 0 && o->post)
			o->post();
		if (rc && o->failed)
			o->failed();
		check_world();
		if (rc)
			redo(o);
		check_world();
		world_teardown();
		check_freed(o, n, live);
		checked[site][k]++;
	}
	allocations[k] = n - 1;
}

/* ---- the table ------------------------------------------------------------------------------ */

static void write_table(const char *path)
{
	FILE *f = fopen(path, "w");
	unsigned long total_r = 0, total_c = 0;

	assert_non_null(f);
	fprintf(f, "| site | file | allocates | reached by (failures injected / checked) |\n");
	fprintf(f, "|---|---|---|---|\n");
	for (int s = GM_SITE_EXTERN + 1; s < GM_NR_SITES; s++) {
		bool first = true;

		fprintf(f, "| `%s` | %s | %s | ", gm_alloc_sites[s].name, gm_alloc_sites[s].file,
			gm_alloc_sites[s].what);
		for (size_t k = 0; k < NOPS; k++) {
			if (!reached[s][k])
				continue;
			fprintf(f, "%s%s %lu/%lu", first ? "" : ", ", ops[k].name, reached[s][k],
				checked[s][k]);
			first = false;
			total_r += reached[s][k];
			total_c += checked[s][k];
		}
		fprintf(f, "%s |\n", first ? "**none**" : "");
	}
	fprintf(f, "\n%lu failures injected, %lu checked, over %d sites and %zu operations.\n\n",
		total_r, total_c, GM_NR_SITES - GM_SITE_EXTERN - 1, NOPS);
	fprintf(f,
		"| operation | allocations | answers: -ENOMEM / -EAGAIN / 0 | sites reached |\n");
	fprintf(f, "|---|---:|---|---|\n");
	for (size_t k = 0; k < NOPS; k++) {
		bool first = true;

		fprintf(f, "| %s | %lu | %lu / %lu / %lu | ", ops[k].name, allocations[k],
			answered[k][0], answered[k][1], answered[k][2]);
		for (int s = GM_SITE_EXTERN + 1; s < GM_NR_SITES; s++) {
			if (!reached[s][k])
				continue;
			fprintf(f, "%s`%s`", first ? "" : ", ", gm_alloc_sites[s].name);
			first = false;
		}
		fprintf(f, "%s |\n", first ? "(none)" : "");
	}
	fclose(f);
}

static void test_fault_table(void **state)
{
	const char *path = getenv("GMAP_FAULT_TABLE");
	int unreached = 0;

	(void)state;
	for (size_t k = 0; k < NOPS; k++)
		fail_every_allocation(k);
	if (path)
		write_table(path);
	for (int s = GM_SITE_EXTERN + 1; s < GM_NR_SITES; s++) {
		unsigned long r = 0;

		for (size_t k = 0; k < NOPS; k++) {
			r += reached[s][k];
			if (reached[s][k] != checked[s][k])
				fail_msg("site %s, %s: %lu failures injected, %lu checked",
					 gm_alloc_sites[s].name, ops[k].name, reached[s][k],
					 checked[s][k]);
		}
		if (!r) {
			print_error("site %s (%s) is reached by no operation\n",
				    gm_alloc_sites[s].name, gm_alloc_sites[s].file);
			unreached++;
		}
	}
	assert_int_equal(unreached, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
