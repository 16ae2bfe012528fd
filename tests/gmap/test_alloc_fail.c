// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failure at every allocation of the gmap operations that allocate:
 * gmap_create, gmap_map_segment (fresh and over existing mappings), __gmap_link,
 * gmap_fault, gmap_mprotect_notify and gmap_read_table.
 *
 * Each case builds the same state again for n = 1, 2, ..., makes the nth
 * allocation of the operation fail and runs it. When no failure was delivered,
 * the operation needed fewer than n allocations: it must have succeeded and the
 * loop ends. Otherwise it must have answered -ENOMEM (NULL for gmap_create) and
 * left a consistent state: guest_to_host as before, or for gmap_map_segment the
 * whole target range unmapped (it unmaps on failure, as the kernel does); every
 * linked guest segment entry pointing at the host page table of the host segment
 * it maps, with host_to_guest saying the same; gmap_table_walk() and the DAT
 * unit over the gmap's ASCE reaching exactly the PTEs and frames the mm has.
 * Then the same operation without injection must succeed. After gmap_remove(),
 * mm_destroy() and gm_quiesce() no allocation may be left.
 *
 * The cases use enough segments that host_to_guest grows its bucket array
 * during the operation, a remap inside one range of guest_to_host (a split),
 * a region-first gmap whose target lies in a region-first entry of its own (three gmap tables to
 * allocate), and a host address in a region-third entry of its own (a host segment table to
 * allocate).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>

#include "gmap/rangemap.h"
#include "gmap/ulmap.h"
#include "mm/mm_internal.h"

#define SEG   _SEGMENT_SIZE
#define HBASE 0x100000000UL /* NHOST host segments, region-third index 2 */
#define NHOST 64
#define HFAR  0x280000000UL /* 2 host segments in region-third entry 5 */
#define GBASE 0x40000000UL  /* guest segments in the first region-first entry */
#define GFAR  (1UL << 60)   /* a region-first entry of its own */

/* Linked segments before the operation: the next link grows host_to_guest (load factor 2). */
#define NLINKED 32

#define MAX_TRACKED 128

/* Guest segments whose state the checks compare: the guest address and the host one (0: none). */
struct tracked {
	unsigned long gaddr, vmaddr;
};

static struct env {
	struct mm_struct *mm;
	struct gmap *gmap;
	struct gmap *extra; /* what the gmap_create case made */
	struct tracked seg[MAX_TRACKED];
	int nseg;
	long notified;
	unsigned long last_start, last_end;
} env;

static struct gmap_notifier counter;

static void count_call(struct gmap *gmap, unsigned long start, unsigned long end)
{
	if (gmap != env.gmap)
		return;
	env.notified++;
	env.last_start = start;
	env.last_end = end;
}

/* ---- building and tracking state ----------------------------------------------------------- */

static struct tracked *track(unsigned long gaddr)
{
	for (int i = 0; i < env.nseg; i++)
		if (env.seg[i].gaddr == gaddr)
			return &env.seg[i];
	assert_true(env.nseg < MAX_TRACKED);
	env.seg[env.nseg] = (struct tracked){ .gaddr = gaddr };
	return &env.seg[env.nseg++];
}

/* What guest_to_host must say from now on for [gaddr, gaddr + n * SEG). */
static void expect_mapped(unsigned long gaddr, unsigned long vmaddr, int n)
{
	for (int i = 0; i < n; i++)
		track(gaddr + (unsigned long)i * SEG)->vmaddr =
			vmaddr ? vmaddr + (unsigned long)i * SEG : 0;
}

static void map(unsigned long vmaddr, unsigned long gaddr, int n)
{
	assert_int_equal(gmap_map_segment(env.gmap, vmaddr, gaddr, (unsigned long)n * SEG), 0);
	expect_mapped(gaddr, vmaddr, n);
}

static void host_map(unsigned long addr, unsigned long len)
{
	assert_int_equal(mm_mmap(env.mm, addr, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
			 addr);
}

static void env_setup(void)
{
	memset(&env, 0, sizeof(env));
	env.mm = mm_create();
	assert_non_null(env.mm);
	host_map(HBASE, NHOST * SEG);
	host_map(HFAR, 2 * SEG);
	env.gmap = gmap_create(env.mm, -1UL);
	assert_non_null(env.gmap);
}

static void env_teardown(void)
{
	if (env.extra)
		gmap_remove(env.extra);
	gmap_remove(env.gmap);
	mm_destroy(env.mm);
	env.mm = NULL;
	env.gmap = env.extra = NULL;
}

/* NLINKED guest segments at GBASE mapped to HBASE and faulted in: host_to_guest is full. */
static void prepare_linked(void)
{
	map(HBASE, GBASE, NLINKED);
	for (int i = 0; i < NLINKED; i++)
		assert_int_equal(gmap_fault(env.gmap, GBASE + (unsigned long)i * SEG, 0), 0);
	assert_int_equal(ulmap_count(env.gmap->host_to_guest), NLINKED);
}

/* ---- consistency ---------------------------------------------------------------------------- */

/* Pages of a segment the checks look at: both ends and the pages the cases touch. */
static const unsigned long sample_pages[] = { 0, 1, 2, 3, 5, 254, 255 };

#define SAMPLE_OFFSET 0x18UL

static bool dat_is_translation_exception(unsigned int pic)
{
	return pic == PGM_SEGMENT_TRANSLATION || pic == PGM_REGION_FIRST_TRANS ||
	       pic == PGM_REGION_SECOND_TRANS || pic == PGM_REGION_THIRD_TRANS;
}

/* One linked segment: the gmap shares the host page table and reaches the mm's frames. */
static void check_linked_segment(const struct tracked *t, unsigned long *ste)
{
	struct dat_config cfg = { .asce = env.gmap->asce };
	unsigned long *pmd = mm_segment_entry(env.mm, t->vmaddr), h2g = 0;
	struct dat_result res;

	assert_int_not_equal(t->vmaddr, 0); /* linked implies mapped */
	assert_non_null(pmd);
	assert_false(*pmd & _SEGMENT_ENTRY_INVALID);
	assert_int_equal(*ste & _SEGMENT_ENTRY_ORIGIN, *pmd & _SEGMENT_ENTRY_ORIGIN);
	assert_true(ulmap_lookup(env.gmap->host_to_guest, t->vmaddr >> PMD_SHIFT, &h2g));
	assert_ptr_equal((unsigned long *)h2g, ste);
	assert_int_equal(__gmap_segment_gaddr(ste), t->gaddr);
	for (size_t i = 0; i < sizeof(sample_pages) / sizeof(sample_pages[0]); i++) {
		unsigned long off = sample_pages[i] * PAGE_SIZE + SAMPLE_OFFSET;
		pte_t *ptep = mm_pte_lookup(env.mm, t->vmaddr + off);
		unsigned long pte = ptep->pte;
		unsigned int pic = dat_translate_native(&cfg, t->gaddr + off, DAT_FETCH, &res);

		assert_ptr_equal(gmap_table_walk(env.gmap, t->gaddr + off, 0), ptep);
		if (pte & _PAGE_INVALID) {
			assert_int_equal(pic, PGM_PAGE_TRANSLATION);
		} else {
			assert_int_equal(pic, 0);
			assert_true(pte & _PAGE_PRESENT);
			assert_int_equal(res.real, (pte & PAGE_MASK) | (off & ~PAGE_MASK));
		}
	}
}

/* One segment that is not linked: nothing below its segment entry is reachable. */
static void check_unlinked_segment(const struct tracked *t)
{
	struct dat_config cfg = { .asce = env.gmap->asce };
	struct dat_result res;
	unsigned long h2g;

	for (size_t i = 0; i < sizeof(sample_pages) / sizeof(sample_pages[0]); i++) {
		unsigned long gaddr = t->gaddr + sample_pages[i] * PAGE_SIZE + SAMPLE_OFFSET;

		assert_null(gmap_table_walk(env.gmap, gaddr, 0));
		assert_true(dat_is_translation_exception(
			dat_translate_native(&cfg, gaddr, DAT_FETCH, &res)));
	}
	/* A host segment this guest segment maps may be linked, but only to another one. */
	if (t->vmaddr && ulmap_lookup(env.gmap->host_to_guest, t->vmaddr >> PMD_SHIFT, &h2g))
		assert_int_not_equal(__gmap_segment_gaddr((unsigned long *)h2g), t->gaddr);
}

/*
 * Present host pages of a host range agree with the frame counter; no PTE is in a
 * half state (present frames are pool pages, others are empty or swap entries).
 */
static unsigned long count_present(unsigned long start, unsigned long npages)
{
	unsigned long n = 0, pte;

	for (unsigned long p = 0; p < npages; p++) {
		pte = mm_lookup_pte(env.mm, start + p * PAGE_SIZE);
		if (pte_present(__pte(pte))) {
			assert_ptr_equal(page_desc((void *)(pte & PAGE_MASK))->page,
					 (void *)(pte & PAGE_MASK));
			n++;
		} else {
			assert_true(pte_none(__pte(pte)));
		}
	}
	return n;
}

static void check_consistent(void)
{
	struct mm_stats st;
	unsigned long *ste, frames;
	int linked = 0;

	for (int i = 0; i < env.nseg; i++) {
		const struct tracked *t = &env.seg[i];
		unsigned long want = t->vmaddr ? t->vmaddr + 0x12345 : (unsigned long)-EFAULT;

		assert_int_equal(gmap_translate(env.gmap, t->gaddr + 0x12345), want);
	}
	mmap_read_lock(env.mm);
	for (int i = 0; i < env.nseg; i++) {
		const struct tracked *t = &env.seg[i];

		ste = gmap_table_walk(env.gmap, t->gaddr, DAT_LEVEL_SEGMENT);
		if (ste && *ste != _SEGMENT_ENTRY_EMPTY) {
			check_linked_segment(t, ste);
			linked++;
		} else {
			check_unlinked_segment(t);
		}
	}
	/* Every host_to_guest entry belongs to a linked segment that was checked. */
	assert_int_equal(ulmap_count(env.gmap->host_to_guest), linked);
	frames = count_present(HBASE, NHOST * _PAGE_ENTRIES) +
		 count_present(HFAR, 2 * _PAGE_ENTRIES);
	mmap_read_unlock(env.mm);
	mm_get_stats(env.mm, &st);
	assert_int_equal(st.frames, frames);
}

/* ---- the driver ----------------------------------------------------------------------------- */

struct fail_case {
	const char *name;
	void (*prepare)(void);
	int (*op)(void);	  /* 0 or a negative errno */
	void (*on_failure)(void); /* after the failed attempt: expectations, checks; or NULL */
	void (*on_success)(void); /* after success: expectations, checks */
	unsigned long min_allocs; /* the operation allocates at least this often */
};

static void run_case(const struct fail_case *c)
{
	long live;
	unsigned long n;
	bool injected;
	int rc;

	gm_quiesce();
	live = gm_alloc_live();
	for (n = 1;; n++) {
		env_setup();
		if (c->prepare)
			c->prepare();
		gm_alloc_fail_nth(n);
		rc = c->op();
		injected = gm_alloc_fault_injected();
		gm_alloc_fail_nth(0);
		if (injected) {
			if (rc != -ENOMEM)
				fail_msg("%s: allocation %lu failed, rc %d", c->name, n, rc);
			/* on_failure first: it may say what the failure rolled back. */
			if (c->on_failure)
				c->on_failure();
			check_consistent();
			/* The same operation without injection succeeds. */
			rc = c->op();
		}
		if (rc)
			fail_msg("%s: n %lu: rc %d", c->name, n, rc);
		c->on_success();
		check_consistent();
		env_teardown();
		gm_quiesce();
		if (gm_alloc_live() != live)
			fail_msg("%s: n %lu: %ld allocations leaked", c->name, n,
				 gm_alloc_live() - live);
		if (!injected)
			break;
	}
	/* The loop reached every allocation the operation makes. */
	if (n - 1 < c->min_allocs)
		fail_msg("%s: only %lu allocations", c->name, n - 1);
}

/* ---- gmap_create ---------------------------------------------------------------------------- */

static int op_create(void)
{
	env.extra = gmap_create(env.mm, (1UL << 31) - 1);
	return env.extra ? 0 : -ENOMEM;
}

static void create_failed(void)
{
	struct cds_list_head *head = mm_gmap_list(env.mm);

	/* Only the fixture's gmap is on the mm's list. */
	assert_ptr_equal(head->next, &env.gmap->list);
	assert_ptr_equal(head->next->next, head);
}

static void create_done(void)
{
	assert_ptr_equal(env.extra->mm, env.mm);
	assert_ptr_equal(mm_gmap_list(env.mm)->next, &env.extra->list);
	assert_int_equal(env.extra->asce & _ASCE_TYPE_MASK, _ASCE_TYPE_SEGMENT);
}

/* ---- gmap_map_segment ----------------------------------------------------------------------- */

#define MAP_FIRST  20 /* mapped before */
#define MAP_SECOND 20 /* mapped by the operation, next to the first: one range after */

static void prepare_map_fresh(void)
{
	map(HBASE, GBASE, MAP_FIRST);
	/* Tracked so that the checks see them stay unmapped. */
	expect_mapped(GBASE + MAP_FIRST * SEG, 0, MAP_SECOND);
}

static int op_map_fresh(void)
{
	return gmap_map_segment(env.gmap, HBASE + MAP_FIRST * SEG, GBASE + MAP_FIRST * SEG,
				MAP_SECOND * SEG);
}

/* gmap_map_segment() unmaps the whole target range when it fails. */
static void map_fresh_failed(void)
{
	assert_int_equal((rangemap_length(env.gmap->guest_to_host) >> PMD_SHIFT), MAP_FIRST);
}

static void map_fresh_done(void)
{
	expect_mapped(GBASE + MAP_FIRST * SEG, HBASE + MAP_FIRST * SEG, MAP_SECOND);
	assert_int_equal((rangemap_length(env.gmap->guest_to_host) >> PMD_SHIFT),
			 MAP_FIRST + MAP_SECOND);
}

/* Over existing, linked mappings: guest segments 8..23 of NLINKED move to other host segments. */
#define REMAP_FIRST 8
#define REMAP_N	    16
#define REMAP_HOST  (HBASE + NLINKED * SEG)

static void prepare_map_over(void)
{
	prepare_linked();
}

static int op_map_over(void)
{
	return gmap_map_segment(env.gmap, REMAP_HOST, GBASE + REMAP_FIRST * SEG, REMAP_N * SEG);
}

static void map_over_failed(void)
{
	/* Rolled back as documented by the code: the target range is unmapped and unlinked. */
	expect_mapped(GBASE + REMAP_FIRST * SEG, 0, REMAP_N);
	assert_int_equal((rangemap_length(env.gmap->guest_to_host) >> PMD_SHIFT),
			 NLINKED - REMAP_N);
	assert_int_equal(ulmap_count(env.gmap->host_to_guest), NLINKED - REMAP_N);
}

static void map_over_done(void)
{
	expect_mapped(GBASE + REMAP_FIRST * SEG, REMAP_HOST, REMAP_N);
	check_consistent();
	/* The old links went with the old mappings; faulting links the new host segments. */
	assert_int_equal(ulmap_count(env.gmap->host_to_guest), NLINKED - REMAP_N);
	assert_int_equal(gmap_fault(env.gmap, GBASE + REMAP_FIRST * SEG, FAULT_FLAG_WRITE), 0);
	check_consistent();
	assert_int_equal(ulmap_count(env.gmap->host_to_guest), NLINKED - REMAP_N + 1);
}

/* ---- __gmap_link ---------------------------------------------------------------------------- */

/* The target page of the link, fault, protect and read cases. */
#define FAR_PAGE 0x3000UL

static void prepare_link(void)
{
	unsigned long one = 1;

	prepare_linked();
	map(HFAR, GFAR, 2);
	/* The host page table must exist for __gmap_link(). */
	assert_int_equal(mm_write(env.mm, HFAR + FAR_PAGE, &one, sizeof(one)), 0);
}

static int op_link(void)
{
	int rc;

	mmap_read_lock(env.mm);
	rc = __gmap_link(env.gmap, GFAR + FAR_PAGE, HFAR + FAR_PAGE);
	mmap_read_unlock(env.mm);
	return rc;
}

static void link_done(void)
{
	struct dat_config cfg = { .asce = env.gmap->asce };
	struct dat_result res;

	assert_int_equal(ulmap_count(env.gmap->host_to_guest), NLINKED + 1);
	assert_int_equal(dat_translate_native(&cfg, GFAR + FAR_PAGE + 8, DAT_FETCH, &res), 0);
	assert_int_equal(res.real, (mm_lookup_pte(env.mm, HFAR + FAR_PAGE) & PAGE_MASK) + 8);
	/* Linking again is a no-op that allocates nothing it keeps. */
	assert_int_equal(op_link(), 0);
	assert_int_equal(ulmap_count(env.gmap->host_to_guest), NLINKED + 1);
}

/* ---- gmap_fault ----------------------------------------------------------------------------- */

static void prepare_fault(void)
{
	prepare_linked();
	map(HFAR, GFAR, 2);
}

static int op_fault(void)
{
	return gmap_fault(env.gmap, GFAR + FAR_PAGE, FAULT_FLAG_WRITE);
}

static void fault_done(void)
{
	struct dat_config cfg = { .asce = env.gmap->asce };
	struct dat_result res;
	unsigned long pte = mm_lookup_pte(env.mm, HFAR + FAR_PAGE);

	assert_true(pte_present(__pte(pte)));
	assert_false(pte & (_PAGE_INVALID | _PAGE_PROTECT)); /* a write fault: writable */
	assert_int_equal(dat_translate_native(&cfg, GFAR + FAR_PAGE, DAT_STORE, &res), 0);
	assert_int_equal(res.real, pte & PAGE_MASK);
	assert_int_equal(ulmap_count(env.gmap->host_to_guest), NLINKED + 1);
}

/* ---- gmap_mprotect_notify ------------------------------------------------------------------- */

/* Four untouched pages across the boundary of the two far segments. */
#define PROT_START (GFAR + SEG - 2 * PAGE_SIZE)
#define PROT_PAGES 4UL

static int op_protect(int prot)
{
	return gmap_mprotect_notify(env.gmap, PROT_START, PROT_PAGES * PAGE_SIZE, prot);
}

static int op_protect_read(void)
{
	return op_protect(PROT_READ);
}

static int op_protect_write(void)
{
	return op_protect(PROT_WRITE);
}

/* Every page is armed once: a host change of each notifies exactly once, with its page. */
static void protect_done(int prot)
{
	struct dat_config cfg = { .asce = env.gmap->asce };
	struct dat_result res;

	assert_int_equal(env.notified, 0);
	assert_int_equal(ulmap_count(env.gmap->host_to_guest), NLINKED + 2);
	for (unsigned long i = 0; i < PROT_PAGES; i++) {
		unsigned long gaddr = PROT_START + i * PAGE_SIZE, vmaddr = HFAR + (gaddr - GFAR);
		pte_t *ptep = mm_pte_lookup(env.mm, vmaddr);

		assert_non_null(ptep);
		assert_true(*pgste_of(&ptep->pte) & PGSTE_IN_BIT);
		assert_int_equal(dat_translate_native(&cfg, gaddr, DAT_STORE, &res),
				 prot == PROT_READ ? PGM_PROTECTION : 0);
		assert_int_equal(mm_migrate_page(env.mm, vmaddr), 0);
		assert_int_equal(env.notified, (long)i + 1);
		assert_int_equal(env.last_start, gaddr);
		assert_int_equal(env.last_end, gaddr + PAGE_SIZE - 1);
	}
	/* One-shot: a second change does not notify. */
	assert_int_equal(mm_migrate_page(env.mm, HFAR + SEG - PAGE_SIZE), 0);
	assert_int_equal(env.notified, (long)PROT_PAGES);
}

static void protect_read_done(void)
{
	protect_done(PROT_READ);
}

static void protect_write_done(void)
{
	protect_done(PROT_WRITE);
}

/* ---- gmap_read_table ------------------------------------------------------------------------ */

#define TABLE_VALUE 0x0123456789abcdefUL

static unsigned long table_val;

static void prepare_read_table_written(void)
{
	unsigned long be = htobe64(TABLE_VALUE);

	prepare_linked();
	map(HFAR, GFAR, 2);
	assert_int_equal(mm_write(env.mm, HFAR + FAR_PAGE + 8, &be, sizeof(be)), 0);
}

static void prepare_read_table_untouched(void)
{
	prepare_linked();
	map(HFAR, GFAR, 2);
}

static int op_read_table(void)
{
	int rc;

	table_val = 0xdeadUL;
	mmap_read_lock(env.mm);
	rc = gmap_read_table(env.gmap, GFAR + FAR_PAGE + 8, &table_val);
	mmap_read_unlock(env.mm);
	return rc;
}

static void read_table_written_done(void)
{
	assert_int_equal(table_val, TABLE_VALUE);
	assert_int_equal(ulmap_count(env.gmap->host_to_guest), NLINKED + 1);
}

static void read_table_untouched_done(void)
{
	assert_int_equal(table_val, 0);
	assert_true(pte_present(__pte(mm_lookup_pte(env.mm, HFAR + FAR_PAGE))));
	assert_int_equal(ulmap_count(env.gmap->host_to_guest), NLINKED + 1);
}

/* ---- the tests ------------------------------------------------------------------------------ */

/*
 * The minimum allocation counts name what each operation must allocate, so that
 * a case that stops reaching an allocation is noticed:
 *   create:          gmap, the range map with its spare node, 2 ulmaps with their
 *                    buckets, the top table
 *   map fresh:       two range nodes (one may split an old mapping), whatever the length
 *   map over:        the same
 *   link:            region-second, region-third and segment table, node, buckets
 *   fault:           + host segment table, host page table, frame
 *   protect (4 pages over 2 segments): fault's 8 for the first page; a frame for
 *                    each other page; a host page table and a node for the second
 *                    segment
 *   read (written):  link's 5; read (untouched): fault's 8
 */
static const struct fail_case cases[] = {
	{ "gmap_create", NULL, op_create, create_failed, create_done, 8 },
	{ "map_segment_fresh", prepare_map_fresh, op_map_fresh, map_fresh_failed, map_fresh_done,
	  2 },
	{ "map_segment_over", prepare_map_over, op_map_over, map_over_failed, map_over_done, 2 },
	{ "__gmap_link", prepare_link, op_link, NULL, link_done, 5 },
	{ "gmap_fault", prepare_fault, op_fault, NULL, fault_done, 8 },
	{ "mprotect_notify_read", prepare_fault, op_protect_read, NULL, protect_read_done, 13 },
	{ "mprotect_notify_write", prepare_fault, op_protect_write, NULL, protect_write_done, 13 },
	{ "read_table_written", prepare_read_table_written, op_read_table, NULL,
	  read_table_written_done, 5 },
	{ "read_table_untouched", prepare_read_table_untouched, op_read_table, NULL,
	  read_table_untouched_done, 8 },
};

static void test_case(void **state)
{
	run_case(*state);
}

/*
 * A fault on a page whose segment is already linked has nothing to allocate, so
 * it cannot fail for want of memory. NLINKED is at the growth boundary of
 * host_to_guest (count = 2 x buckets): preloading there also allocates a bucket
 * array that no insert will use.
 */
static void test_linked_fault_allocates_nothing(void **state)
{
	long live;

	(void)state;
	gm_quiesce();
	live = gm_alloc_live();
	env_setup();
	prepare_linked();
	for (int i = 0; i < NLINKED; i++) {
		unsigned long gaddr = GBASE + (unsigned long)i * SEG + 8; /* page 0 is present */

		gm_alloc_fail_nth(1);
		assert_int_equal(gmap_fault(env.gmap, gaddr, FAULT_FLAG_WRITE), 0);
		assert_int_equal(gmap_fault(env.gmap, gaddr, 0), 0);
		assert_false(gm_alloc_fault_injected());
	}
	gm_alloc_fail_nth(0);
	check_consistent();
	env_teardown();
	gm_quiesce();
	assert_int_equal(gm_alloc_live(), live);
}

static int group_setup(void **state)
{
	(void)state;
	counter.notifier_call = count_call;
	gmap_register_pte_notifier(&counter);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	gmap_unregister_pte_notifier(&counter);
	return 0;
}

int main(void)
{
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 1];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tests[i] =
			(struct CMUnitTest)cmocka_unit_test_prestate(test_case, (void *)&cases[i]);
		tests[i].name = cases[i].name;
	}
	tests[i] = (struct CMUnitTest)cmocka_unit_test(test_linked_fault_allocates_nothing);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
