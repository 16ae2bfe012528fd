// SPDX-License-Identifier: GPL-2.0
/*
 * The host address space grows its tables on demand: a region-third table (4 TiB)
 * until a mapping reaches beyond, then a region-second table on top (8 PiB), as
 * s390 Linux's crst_table_upgrade() does.
 *
 * - pages below 4 TiB keep their contents and frames across the growth; pages
 *   far above are faulted, read and written; the DAT unit over mm_asce() agrees;
 * - munmap, mprotect and mm_destroy of huge untouched ranges are exact (the
 *   range walks skip absent region-second and region-third entries);
 * - an allocation failure of the new top table leaves the mm as it was, and
 *   nothing leaks;
 * - a gmap maps 64 TiB from one 64 TiB host range and faults at both ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <gmap/alloc.h>
#include <gmap/gmap.h>

#define RW	 (PROT_READ | PROT_WRITE)
#define ANON	 (MAP_PRIVATE | MAP_ANONYMOUS)
#define TIB	 (1UL << 40)
#define LOW	 0x100000000UL
#define HIGH	 (1UL << 50) /* 1 PiB */
#define TYPE(mm) (mm_asce(mm) & _ASCE_TYPE_MASK)

static void put(struct mm_struct *mm, unsigned long addr, unsigned long v)
{
	assert_int_equal(mm_write(mm, addr, &v, sizeof(v)), 0);
}

static unsigned long get(struct mm_struct *mm, unsigned long addr)
{
	unsigned long v = 0;

	assert_int_equal(mm_read(mm, addr, &v, sizeof(v)), 0);
	return v;
}

static void check_dat(struct mm_struct *mm, unsigned long addr, unsigned long want)
{
	struct dat_config cfg = { .asce = mm_asce(mm) };
	struct dat_result res;
	unsigned long v;

	assert_int_equal(dat_translate_native(&cfg, addr, DAT_FETCH, &res), 0);
	memcpy(&v, (void *)res.real, sizeof(v));
	assert_int_equal(v, want);
}

static void test_grow_keeps_low_pages(void **state)
{
	struct mm_struct *mm = mm_create();

	(void)state;
	assert_non_null(mm);
	assert_int_equal(TYPE(mm), _ASCE_TYPE_REGION3);
	assert_int_equal(mm_mmap(mm, LOW, 4 * PAGE_SIZE, RW, ANON | MAP_FIXED), LOW);
	put(mm, LOW + 8, 0x1111);
	check_dat(mm, LOW + 8, 0x1111);
	/* Beyond 4 TiB: the tables grow. */
	assert_int_equal(mm_mmap(mm, HIGH, 64 * TIB, RW, ANON | MAP_FIXED), HIGH);
	assert_int_equal(TYPE(mm), _ASCE_TYPE_REGION2);
	assert_int_equal(get(mm, LOW + 8), 0x1111);
	check_dat(mm, LOW + 8, 0x1111);
	put(mm, HIGH + 16, 0x2222);
	put(mm, HIGH + 64 * TIB - 8, 0x3333);
	check_dat(mm, HIGH + 16, 0x2222);
	check_dat(mm, HIGH + 64 * TIB - 8, 0x3333);
	assert_int_equal(mm_page_out(mm, HIGH), 0);
	assert_int_equal(get(mm, HIGH + 16), 0x2222);
	/* Whole-range operations over 64 TiB with two pages touched. */
	assert_int_equal(mm_mprotect(mm, HIGH, 64 * TIB, PROT_READ), 0);
	assert_int_equal(mm_write(mm, HIGH + 16, &(unsigned long){ 1 }, 8), -EFAULT);
	assert_int_equal(mm_munmap(mm, HIGH + TIB, 63 * TIB), 0);
	assert_int_equal(get(mm, HIGH + 16), 0x2222);
	assert_int_equal(mm_read(mm, HIGH + 64 * TIB - 8, &(unsigned long){ 0 }, 8), -EFAULT);
	/* The top of the space is reachable, no further. */
	assert_int_equal(mm_mmap(mm, TASK_SIZE - PAGE_SIZE, PAGE_SIZE, RW, ANON | MAP_FIXED),
			 TASK_SIZE - PAGE_SIZE);
	put(mm, TASK_SIZE - 8, 0x4444);
	assert_int_equal(get(mm, TASK_SIZE - 8), 0x4444);
	assert_int_equal((long)mm_mmap(mm, TASK_SIZE, PAGE_SIZE, RW, ANON | MAP_FIXED), -ENOMEM);
	mm_destroy(mm);
}

static void test_grow_alloc_failure(void **state)
{
	long live;

	(void)state;
	gm_quiesce();
	live = gm_alloc_live();
	for (unsigned long n = 1;; n++) {
		struct mm_struct *mm = mm_create();
		unsigned long rc;
		bool injected;

		assert_non_null(mm);
		assert_int_equal(mm_mmap(mm, LOW, PAGE_SIZE, RW, ANON | MAP_FIXED), LOW);
		put(mm, LOW, 7);
		gm_alloc_fail_nth(n);
		rc = mm_mmap(mm, HIGH, PAGE_SIZE, RW, ANON | MAP_FIXED);
		injected = gm_alloc_fault_injected();
		gm_alloc_fail_nth(0);
		if (injected) {
			assert_int_equal((long)rc, -ENOMEM);
			assert_int_equal(mm_read(mm, HIGH, &rc, 8), -EFAULT);
		} else {
			assert_int_equal(rc, HIGH);
			put(mm, HIGH, 8);
		}
		assert_int_equal(get(mm, LOW), 7);
		mm_destroy(mm);
		gm_quiesce();
		assert_int_equal(gm_alloc_live(), live);
		if (!injected) {
			assert_true(n > 2); /* the VMA and the region-second table at least */
			break;
		}
	}
}

static void test_gmap_64tib(void **state)
{
	struct mm_struct *mm = mm_create();
	struct gmap *g;
	unsigned long v = 0x5555;

	(void)state;
	assert_non_null(mm);
	assert_int_equal(mm_mmap(mm, HIGH, 64 * TIB, RW, ANON | MAP_FIXED), HIGH);
	g = gmap_create(mm, 64 * TIB - 1);
	assert_non_null(g);
	assert_int_equal(gmap_map_segment(g, HIGH, 0, 64 * TIB), 0);
	assert_int_equal(gmap_translate(g, 64 * TIB - 8), HIGH + 64 * TIB - 8);
	assert_int_equal(gmap_fault(g, 64 * TIB - 8, FAULT_FLAG_WRITE), 0);
	assert_int_equal(gmap_fault(g, 0, 0), 0);
	put(mm, HIGH + 64 * TIB - 8, v);
	assert_int_equal(get(mm, HIGH + 64 * TIB - 8), v);
	assert_int_equal(gmap_unmap_segment(g, 0, 64 * TIB), 0);
	assert_int_equal(gmap_translate(g, 0), (unsigned long)-EFAULT);
	gmap_remove(g);
	mm_destroy(mm);
	gm_quiesce();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_keeps_low_pages),
		cmocka_unit_test(test_grow_alloc_failure),
		cmocka_unit_test(test_gmap_64tib),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
