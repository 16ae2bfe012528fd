// SPDX-License-Identifier: GPL-2.0
/*
 * The seed's gmap API without shadows: lifecycle, ASCE selection at every
 * boundary, segment mapping and its errors, translation, linking, faults, table
 * walks at every level and ASCE type, unlinking when the host frees a page
 * table, discard, and the DAT unit agreeing with the mm across host events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>

#include "gmap/ulmap.h"
#include "mm/mm_internal.h"

#define SEG   _SEGMENT_SIZE
#define HBASE 0x100000000UL /* host mapping */
#define NSEG  8

struct fixture {
	struct mm_struct *mm;
	struct gmap *gmap;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->mm = mm_create();
	if (!f->mm || mm_mmap(f->mm, HBASE, NSEG * SEG, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED) != HBASE)
		return -1;
	f->gmap = gmap_create(f->mm, (1UL << 40) - 1);
	if (!f->gmap)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	gmap_remove(f->gmap);
	mm_destroy(f->mm);
	free(f);
	gm_quiesce();
	return 0;
}

static void test_alloc_asce_types(void **state)
{
	static const struct {
		unsigned long limit, type, end, empty;
	} cases[] = {
		{ 0, _ASCE_TYPE_SEGMENT, (1UL << 31) - 1, _SEGMENT_ENTRY_EMPTY },
		{ (1UL << 31) - 1, _ASCE_TYPE_SEGMENT, (1UL << 31) - 1, _SEGMENT_ENTRY_EMPTY },
		{ 1UL << 31, _ASCE_TYPE_REGION3, (1UL << 42) - 1, _REGION3_ENTRY_EMPTY },
		{ (1UL << 42) - 1, _ASCE_TYPE_REGION3, (1UL << 42) - 1, _REGION3_ENTRY_EMPTY },
		{ 1UL << 42, _ASCE_TYPE_REGION2, (1UL << 53) - 1, _REGION2_ENTRY_EMPTY },
		{ (1UL << 53) - 1, _ASCE_TYPE_REGION2, (1UL << 53) - 1, _REGION2_ENTRY_EMPTY },
		{ 1UL << 53, _ASCE_TYPE_REGION1, -1UL, _REGION1_ENTRY_EMPTY },
		{ -1UL, _ASCE_TYPE_REGION1, -1UL, _REGION1_ENTRY_EMPTY },
	};
	long live = gm_alloc_live();

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gmap *g = gmap_alloc(cases[i].limit);

		assert_non_null(g);
		assert_int_equal(g->asce & _ASCE_TYPE_MASK, cases[i].type);
		assert_int_equal(g->asce & _ASCE_TABLE_LENGTH, _ASCE_TABLE_LENGTH);
		assert_int_equal(g->asce & _ASCE_USER_BITS, _ASCE_USER_BITS);
		assert_ptr_equal((void *)(g->asce & _ASCE_ORIGIN), g->table);
		assert_int_equal(g->asce_end, cases[i].end);
		assert_int_equal(g->table[0], cases[i].empty);
		assert_int_equal(g->table[_CRST_ENTRIES - 1], cases[i].empty);
		assert_int_equal(atomic_load(&g->ref_count), 1);
		assert_null(g->mm);
		assert_null(g->parent);
		gmap_put(g);
	}
	gm_quiesce();
	assert_int_equal(gm_alloc_live(), live);
	/* Allocation failure at every step of gmap_alloc. */
	for (unsigned long n = 1;; n++) {
		struct gmap *g;

		gm_alloc_fail_nth(n);
		g = gmap_alloc(-1UL);
		if (!gm_alloc_fault_injected()) {
			assert_non_null(g);
			gmap_put(g);
			break;
		}
		assert_null(g);
	}
	gm_alloc_fail_nth(0);
	gm_quiesce();
	assert_int_equal(gm_alloc_live(), live);
}

/* Walk the mm's gmap list as the lock-free readers do; @want lists what it must hold, in order. */
static void expect_gmap_list(struct mm_struct *mm, struct gmap **want, int n)
{
	struct gmap *g;
	int i = 0;

	gm_rcu_read_lock();
	gm_list_for_each_entry_rcu(g, mm_gmap_list(mm), list)
	{
		assert_true(i < n);
		assert_ptr_equal(g, want[i++]);
	}
	gm_rcu_read_unlock();
	assert_int_equal(i, n);
}

static void test_create_and_gmap_list(void **state)
{
	struct fixture *f = *state;
	struct gmap *second, *both[2];

	assert_ptr_equal(f->gmap->mm, f->mm);
	expect_gmap_list(f->mm, &f->gmap, 1);
	second = gmap_create(f->mm, -1UL);
	assert_non_null(second);
	both[0] = second; /* added at the head */
	both[1] = f->gmap;
	expect_gmap_list(f->mm, both, 2);
	assert_true(second->seqno > f->gmap->seqno);
	gmap_remove(second);
	expect_gmap_list(f->mm, &f->gmap, 1);
	assert_null(gmap_create(NULL, 0));
}

static void test_refcount(void **state)
{
	struct fixture *f = *state;

	assert_ptr_equal(gmap_get(f->gmap), f->gmap);
	assert_int_equal(atomic_load(&f->gmap->ref_count), 2);
	gmap_put(f->gmap);
	assert_int_equal(atomic_load(&f->gmap->ref_count), 1);
	assert_null(gmap_get(NULL));
	gmap_put(NULL);
}

static void *enable_in_thread(void *arg)
{
	/* Another thread starts with nothing enabled. */
	return gmap_get_enabled() == NULL ? arg : NULL;
}

static void test_enable_is_per_thread(void **state)
{
	struct fixture *f = *state;
	pthread_t t;
	void *ret;

	assert_null(gmap_get_enabled());
	gmap_enable(f->gmap);
	assert_ptr_equal(gmap_get_enabled(), f->gmap);
	assert_int_equal(pthread_create(&t, NULL, enable_in_thread, f), 0);
	pthread_join(t, &ret);
	assert_ptr_equal(ret, f);
	gmap_disable(f->gmap);
	assert_null(gmap_get_enabled());
}

static void test_map_segment_errors(void **state)
{
	struct fixture *f = *state;
	struct gmap *g = f->gmap;

	assert_int_equal(gmap_map_segment(g, HBASE + 1, 0, SEG), -EINVAL);
	assert_int_equal(gmap_map_segment(g, HBASE, 4096, SEG), -EINVAL);
	assert_int_equal(gmap_map_segment(g, HBASE, 0, SEG + 1), -EINVAL);
	assert_int_equal(gmap_map_segment(g, HBASE, 0, 0), -EINVAL);
	assert_int_equal(gmap_map_segment(g, -SEG, 0, 2 * SEG), -EINVAL);
	assert_int_equal(gmap_map_segment(g, HBASE, -SEG, 2 * SEG), -EINVAL);
	assert_int_equal(gmap_map_segment(g, TASK_SIZE_MAX - SEG, 0, 2 * SEG), -EINVAL);
	/* The last guest segment maps; one more does not. */
	assert_int_equal(gmap_map_segment(g, HBASE, g->asce_end + 1 - SEG, SEG), 0);
	assert_int_equal(gmap_map_segment(g, HBASE, g->asce_end + 1 - SEG, 2 * SEG), -EINVAL);
	assert_int_equal(gmap_map_segment(NULL, HBASE, 0, SEG), -EINVAL);
	assert_int_equal(gmap_unmap_segment(g, 4096, SEG), -EINVAL);
	assert_int_equal(gmap_unmap_segment(g, 0, 0), -EINVAL);
	assert_int_equal(gmap_unmap_segment(g, -SEG, 2 * SEG), -EINVAL);
	assert_int_equal(gmap_unmap_segment(NULL, 0, SEG), -EINVAL);
	/* Unmapping what is not mapped is fine. */
	assert_int_equal(gmap_unmap_segment(g, 0x40000000UL, SEG), 0);
}

/* A gmap from gmap_alloc() has no mm: the calls that need one refuse it. */
static void test_gmap_without_mm_refused(void **state)
{
	struct gmap *g = gmap_alloc(-1UL);
	unsigned long val;

	(void)state;
	assert_non_null(g);
	assert_int_equal(gmap_map_segment(g, HBASE, 0, SEG), -EINVAL);
	assert_int_equal(gmap_unmap_segment(g, 0, SEG), -EINVAL);
	assert_int_equal(gmap_fault(g, 0, 0), -EINVAL);
	assert_int_equal(gmap_discard(g, 0, 4096), -EINVAL);
	assert_int_equal(gmap_mprotect_notify(g, 0, 4096, PROT_READ), -EINVAL);
	assert_int_equal(gmap_read_table(g, 0, &val), -EINVAL);
	assert_true(IS_ERR_VALUE(gmap_translate(g, 0)));
	gmap_put(g);
	gm_quiesce();
}

static void test_map_translate_unmap(void **state)
{
	struct fixture *f = *state;
	struct gmap *g = f->gmap;

	assert_int_equal(gmap_map_segment(g, HBASE, 0x40000000UL, 4 * SEG), 0);
	assert_int_equal(gmap_translate(g, 0x40000000UL), HBASE);
	assert_int_equal(gmap_translate(g, 0x40312345UL), HBASE + 0x312345UL);
	assert_int_equal((long)gmap_translate(g, 0x40400000UL), -EFAULT);
	assert_int_equal((long)gmap_translate(g, 0x3fffffffUL), -EFAULT);
	assert_true(IS_ERR_VALUE(gmap_translate(g, 0)));
	assert_int_equal(gmap_unmap_segment(g, 0x40100000UL, SEG), 0);
	assert_int_equal((long)gmap_translate(g, 0x40100000UL), -EFAULT);
	assert_int_equal(gmap_translate(g, 0x40200000UL), HBASE + 2 * SEG);
	/* Host address 0 is a mapping, not "no mapping" (the kernel's VALID_GADDR_FLAG lesson). */
	assert_int_equal(gmap_map_segment(g, 0, 0x50000000UL, SEG), 0);
	assert_int_equal(gmap_translate(g, 0x50000123UL), 0x123);
	/* Remap over an existing mapping. */
	assert_int_equal(gmap_map_segment(g, HBASE + 7 * SEG, 0x40200000UL, SEG), 0);
	assert_int_equal(gmap_translate(g, 0x40200010UL), HBASE + 7 * SEG + 0x10);
}

static void test_fault_links_to_host_page_table(void **state)
{
	struct fixture *f = *state;
	struct gmap *g = f->gmap;
	unsigned long gaddr = 0x40000000UL + 0x5000, *ste, *pmd, addr;

	assert_int_equal(gmap_map_segment(g, HBASE, 0x40000000UL, 2 * SEG), 0);
	mmap_read_lock(f->mm);
	assert_null(gmap_table_walk(g, gaddr, 0));
	mmap_read_unlock(f->mm);
	assert_int_equal(gmap_fault(g, gaddr, 0), 0);
	mmap_read_lock(f->mm);
	ste = gmap_table_walk(g, gaddr, 1);
	pmd = mm_segment_entry(f->mm, HBASE);
	assert_non_null(ste);
	/* The gmap segment entry points at the host's page table. */
	assert_int_equal(*ste & _SEGMENT_ENTRY_ORIGIN, *pmd & _SEGMENT_ENTRY_ORIGIN);
	assert_int_equal(__gmap_segment_gaddr(ste), 0x40000000UL);
	assert_ptr_equal(gmap_table_walk(g, gaddr, 0), mm_pte_lookup(f->mm, HBASE + 0x5000));
	/* Linking again is a no-op; a second guest segment for the host segment fails. */
	assert_int_equal(__gmap_link(g, gaddr, HBASE + 0x5000), 0);
	assert_int_equal(__gmap_link(g, 0x80000000UL, HBASE), -EFAULT);
	/* No host page table yet: -EFAULT. */
	assert_int_equal(__gmap_link(g, 0x40100000UL, HBASE + SEG), -EFAULT);
	mmap_read_unlock(f->mm);
	/* The DAT unit over the gmap reaches the frame behind the host address. */
	{
		struct dat_config cfg = { .asce = g->asce };
		struct dat_result res;

		mm_read(f->mm, HBASE + 0x5000, &addr, sizeof(addr));
		assert_int_equal(dat_translate_native(&cfg, gaddr + 8, DAT_FETCH, &res), 0);
		assert_int_equal(res.real, (mm_lookup_pte(f->mm, HBASE + 0x5000) & PAGE_MASK) + 8);
	}
}

static void test_fault_errors(void **state)
{
	struct fixture *f = *state;
	struct gmap *g = f->gmap;

	assert_int_equal(gmap_fault(g, 0x40000000UL, 0), -EFAULT);
	assert_int_equal(gmap_fault(g, 0x40000000UL, 0x100), -EINVAL);
	assert_int_equal(gmap_fault(NULL, 0, 0), -EINVAL);
	/* Mapped to a host range without a VMA. */
	assert_int_equal(gmap_map_segment(g, HBASE + NSEG * SEG, 0x40000000UL, SEG), 0);
	assert_int_equal(gmap_fault(g, 0x40000000UL, 0), -EFAULT);
	/* Host read-only: a write fault fails, a read fault works. */
	assert_int_equal(gmap_map_segment(g, HBASE, 0x40100000UL, SEG), 0);
	assert_int_equal(mm_mprotect(f->mm, HBASE, SEG, PROT_READ), 0);
	assert_int_equal(gmap_fault(g, 0x40100000UL, FAULT_FLAG_WRITE), -EFAULT);
	assert_int_equal(gmap_fault(g, 0x40100000UL, 0), 0);
	/* A second guest segment for an already linked host segment. */
	assert_int_equal(gmap_map_segment(g, HBASE, 0x40200000UL, SEG), 0);
	assert_int_equal(gmap_fault(g, 0x40200000UL, 0), -EFAULT);
}

static void test_fault_after_page_out_retries(void **state)
{
	struct fixture *f = *state;
	struct gmap *g = f->gmap;
	unsigned long v = 0x1122334455667788UL, r = 0;
	struct mm_stats st;

	assert_int_equal(gmap_map_segment(g, HBASE, 0, SEG), 0);
	assert_int_equal(mm_write(f->mm, HBASE + 0x3000, &v, sizeof(v)), 0);
	assert_int_equal(mm_page_out(f->mm, HBASE + 0x3000), 0);
	/* Swap-in drops mmap_lock; gmap_fault translates again and succeeds. */
	assert_int_equal(gmap_fault(g, 0x3000, FAULT_FLAG_WRITE), 0);
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.lock_drops, 1);
	assert_int_equal(mm_read(f->mm, HBASE + 0x3000, &r, sizeof(r)), 0);
	assert_int_equal(r, v);
}

static void test_table_walk_levels(void **state)
{
	static const unsigned long limits[] = { (1UL << 31) - 1, (1UL << 42) - 1, (1UL << 53) - 1,
						-1UL };
	static const unsigned long gaddrs[] = { 0x7ff00000UL, 0x3ff00000000UL, 0x1f000000000000UL,
						0xfff0000000000000UL };
	struct fixture *f = *state;

	for (int t = 0; t < 4; t++) {
		struct gmap *g = gmap_create(f->mm, limits[t]);
		unsigned long gaddr = gaddrs[t] + 0x7000, *e;
		int top = t + 1;

		assert_non_null(g);
		assert_int_equal(gmap_map_segment(g, HBASE + 3 * SEG, gaddr & PMD_MASK, SEG), 0);
		mmap_read_lock(f->mm);
		/* Only the top level exists before the first fault. */
		assert_ptr_equal(gmap_table_walk(g, gaddr, top),
				 g->table + ((gaddr >> (20 + 11 * t)) & 0x7ff));
		for (int l = 0; l < top; l++)
			assert_null(gmap_table_walk(g, gaddr, l));
		assert_null(gmap_table_walk(g, gaddr, top + 1));
		assert_null(gmap_table_walk(g, gaddr, -1));
		mmap_read_unlock(f->mm);
		assert_int_equal(gmap_fault(g, gaddr, 0), 0);
		mmap_read_lock(f->mm);
		for (int l = 0; l <= top; l++)
			assert_non_null(gmap_table_walk(g, gaddr, l));
		e = gmap_table_walk(g, gaddr, 1);
		assert_int_equal(__gmap_segment_gaddr(e), gaddr & PMD_MASK);
		/* Beyond the reach of the ASCE (not for region-first: the B1 bug). */
		if (t < 3)
			assert_null(gmap_table_walk(g, 1UL << (31 + 11 * t), 1));
		else
			assert_non_null(gmap_table_walk(g, 0xffffffffffffffffUL, 4));
		mmap_read_unlock(f->mm);
		gmap_remove(g);
	}
}

static void test_host_table_free_unlinks(void **state)
{
	struct fixture *f = *state;
	struct gmap *g = f->gmap;
	struct dat_config cfg = { .asce = g->asce };
	struct dat_result res;
	unsigned long *ste;

	assert_int_equal(gmap_map_segment(g, HBASE + SEG, 0x40000000UL, SEG), 0);
	assert_int_equal(gmap_fault(g, 0x40000000UL, FAULT_FLAG_WRITE), 0);
	assert_int_equal(dat_translate_native(&cfg, 0x40000000UL, DAT_STORE, &res), 0);
	mmap_read_lock(f->mm);
	ste = gmap_table_walk(g, 0x40000000UL, 1);
	mmap_read_unlock(f->mm);
	assert_int_not_equal(*ste, _SEGMENT_ENTRY_EMPTY);
	assert_int_equal(mm_munmap(f->mm, HBASE + SEG, SEG), 0);
	/* The host freed the page table: the gmap entry is reset. */
	assert_int_equal(*ste, _SEGMENT_ENTRY_EMPTY);
	assert_int_equal(ulmap_count(g->host_to_guest), 0);
	assert_int_equal(dat_translate_native(&cfg, 0x40000000UL, DAT_FETCH, &res),
			 PGM_SEGMENT_TRANSLATION);
	/* Remapped host memory: the next fault links the new table. */
	assert_int_equal(mm_mmap(f->mm, HBASE + SEG, SEG, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
			 HBASE + SEG);
	assert_int_equal(gmap_fault(g, 0x40000000UL, 0), 0);
	assert_int_equal(dat_translate_native(&cfg, 0x40000000UL, DAT_FETCH, &res), 0);
}

static void test_unlink_and_unmap_by_address(void **state)
{
	struct fixture *f = *state;
	struct gmap *g = f->gmap;

	assert_int_equal(gmap_map_segment(g, HBASE, 0, 2 * SEG), 0);
	assert_int_equal(gmap_fault(g, 0, 0), 0);
	assert_int_equal(__gmap_unlink_by_vmaddr(g, HBASE), 1);
	assert_int_equal(__gmap_unlink_by_vmaddr(g, HBASE), 0);
	assert_int_equal(gmap_fault(g, SEG, 0), 0);
	mmap_write_lock(f->mm);
	assert_int_equal(__gmap_unmap_by_gaddr(g, SEG), 1);
	assert_int_equal(__gmap_unmap_by_gaddr(g, SEG), 0);
	assert_int_equal(__gmap_unmap_by_gaddr(g, 0), 0); /* mapped but not linked */
	mmap_write_unlock(f->mm);
	assert_int_equal((long)gmap_translate(g, 0), -EFAULT);
}

static void test_discard(void **state)
{
	struct fixture *f = *state;
	struct gmap *g = f->gmap;
	unsigned char buf[64], zero[64] = { 0 };

	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(gmap_map_segment(g, HBASE, 0x40000000UL, 2 * SEG), 0);
	assert_int_equal(mm_write(f->mm, HBASE + SEG - 4096, buf, sizeof(buf)), 0);
	assert_int_equal(mm_write(f->mm, HBASE + SEG, buf, sizeof(buf)), 0);
	assert_int_equal(mm_write(f->mm, HBASE + SEG + 4096, buf, sizeof(buf)), 0);
	/* Across the segment boundary, into an unmapped segment. */
	assert_int_equal(gmap_discard(g, 0x40000000UL + SEG - 4096, 0x40000000UL + 3 * SEG), 0);
	mm_read(f->mm, HBASE + SEG - 4096, buf, sizeof(buf));
	assert_memory_equal(buf, zero, sizeof(buf));
	mm_read(f->mm, HBASE + SEG + 4096, buf, sizeof(buf));
	assert_memory_equal(buf, zero, sizeof(buf));
	/* A guest segment whose host range has no VMA is skipped (kernel fix B6). */
	assert_int_equal(gmap_map_segment(g, HBASE + NSEG * SEG, 0x50000000UL, SEG), 0);
	assert_int_equal(gmap_discard(g, 0x50000000UL, 0x50000000UL + SEG), 0);
	assert_int_equal(gmap_discard(g, 1, 4096), -EINVAL);
	assert_int_equal(gmap_discard(g, 8192, 4096), -EINVAL);
	assert_int_equal(gmap_discard(g, -4096UL, 0), -EINVAL);
	assert_int_equal(gmap_discard(g, 0xfffffffffff00000UL, 0xfffffffffffff000UL), 0);
}

/* Property: for random mapped addresses the gmap's DAT walk reaches the mm's frame. */
static void test_dat_walk_matches_mm_across_events(void **state)
{
	struct fixture *f = *state;
	struct gmap *g = f->gmap;
	struct dat_config cfg = { .asce = g->asce };
	struct dat_result res;
	unsigned long gbase = 0x3fe00000000UL, gaddr, vmaddr, pte;
	unsigned int seed = 12345;

	assert_int_equal(gmap_map_segment(g, HBASE, gbase, NSEG * SEG), 0);
	for (int i = 0; i < 3000; i++) {
		gaddr = gbase + ((unsigned long)rand_r(&seed) % (NSEG * SEG) & ~7UL);
		vmaddr = gmap_translate(g, gaddr);
		assert_false(IS_ERR_VALUE(vmaddr));
		switch (rand_r(&seed) % 5) {
		case 0:
			mm_page_out(f->mm, vmaddr);
			break;
		case 1:
			mm_migrate_page(f->mm, vmaddr);
			break;
		case 2:
			assert_int_equal(gmap_fault(g, gaddr, rand_r(&seed) & 1), 0);
			break;
		default:
			break;
		}
		pte = mm_lookup_pte(f->mm, vmaddr);
		if (dat_translate_native(&cfg, gaddr, DAT_FETCH, &res) == 0) {
			assert_true(pte & _PAGE_PRESENT);
			assert_int_equal(res.real, (pte & PAGE_MASK) | (gaddr & ~PAGE_MASK));
		} else {
			assert_true(res.pic == PGM_PAGE_TRANSLATION ||
				    res.pic == PGM_SEGMENT_TRANSLATION);
			assert_true(!(pte & _PAGE_PRESENT) || (pte & _PAGE_INVALID) ||
				    res.pic == PGM_SEGMENT_TRANSLATION);
		}
	}
}

/*
 * Shadow gmaps are refused where the kernel has BUG_ON(gmap_is_shadow()): here
 * with -EINVAL. A gmap is marked as a shadow by giving it a parent, which is all
 * gmap_is_shadow() looks at.
 */
static void test_shadow_refused(void **state)
{
	struct fixture *f = *state;
	struct gmap *g = f->gmap, *sg = gmap_alloc((1UL << 31) - 1);
	unsigned long val;
	spinlock_t *ptl;

	assert_non_null(sg);
	sg->mm = f->mm;
	sg->parent = g;
	assert_int_equal(gmap_map_segment(sg, HBASE, 0, SEG), -EINVAL);
	assert_int_equal(gmap_unmap_segment(sg, 0, SEG), -EINVAL);
	assert_int_equal(gmap_fault(sg, 0, 0), -EINVAL);
	assert_int_equal(gmap_discard(sg, 0, 4096), -EINVAL);
	assert_int_equal(gmap_mprotect_notify(sg, 0, 4096, PROT_READ), -EINVAL);
	mmap_read_lock(f->mm);
	assert_int_equal(__gmap_link(sg, 0, HBASE), -EINVAL);
	assert_int_equal(gmap_read_table(sg, 0, &val), -EINVAL);
	assert_int_equal(gmap_pte_op_fixup(sg, 0, HBASE, PROT_READ), -EINVAL);
	/* Shadows map nothing through guest_to_host. */
	assert_true(IS_ERR_VALUE(__gmap_translate(sg, 0)));
	/* The pte walk of a shadow locks its guest_table_lock and finds nothing here. */
	assert_null(gmap_pte_op_walk(sg, 0, &ptl));
	assert_true(spin_trylock(&sg->guest_table_lock));
	spin_unlock(&sg->guest_table_lock);
	/* A removed shadow cannot be walked at all. */
	assert_non_null(gmap_table_walk(sg, 0, 1));
	sg->removed = true;
	assert_null(gmap_table_walk(sg, 0, 1));
	mmap_read_unlock(f->mm);
	sg->parent = NULL;
	sg->mm = NULL;
	gmap_put(sg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_asce_types),
		cmocka_unit_test_setup_teardown(test_create_and_gmap_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refcount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enable_is_per_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_segment_errors, setup, teardown),
		cmocka_unit_test(test_gmap_without_mm_refused),
		cmocka_unit_test_setup_teardown(test_map_translate_unmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_links_to_host_page_table, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fault_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_after_page_out_retries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_walk_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_table_free_unlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlink_and_unmap_by_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shadow_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dat_walk_matches_mm_across_events, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
