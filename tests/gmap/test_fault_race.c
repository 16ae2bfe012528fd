// SPDX-License-Identifier: GPL-2.0
/*
 * gmap_fault() against a remap of the guest segment while fixup_user_fault()
 * has dropped mmap_lock for a swap read, made deterministic: this executable
 * is linked with --wrap=swap_read, and the hook remaps the segment at exactly
 * that point. gmap_fault() must see `unlocked`, translate again and link the
 * segment the guest address maps now, not the one it looked up first. A
 * second case frees the host page table that gmap_fault() named to the host
 * fault as a hint (mm_pte_table_hint()) at that point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include <cmocka.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>

#include "gmap/ulmap.h"
#include "mm/mm_internal.h"

#define SEG   _SEGMENT_SIZE
#define HOSTA 0x100000000UL /* guest segment 0 first maps here */
#define HOSTB 0x100400000UL /* and is remapped here during the swap read */
#define OFF   0x7000UL

int __real_swap_read(struct swap_file *sf, unsigned long slot, void *page);
int __wrap_swap_read(struct swap_file *sf, unsigned long slot, void *page);

/* Anonymous read-write host memory at exactly @addr. */
static void map_host(struct mm_struct *mm, unsigned long addr, unsigned long len)
{
	assert_int_equal(mm_mmap(mm, addr, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
			 addr);
}

/* Remove @g and its mm: everything allocated since @live is given back. */
static void remove_all(struct gmap *g, struct mm_struct *mm, long live)
{
	gmap_remove(g);
	mm_destroy(mm);
	gm_quiesce();
	assert_int_equal(gm_alloc_live(), live);
}

static struct {
	struct gmap *gmap;
	bool armed;
	bool remake_host; /* instead of the remap: HOSTA's segment is unmapped and mapped again */
	int reads;
} hook;

int __wrap_swap_read(struct swap_file *sf, unsigned long slot, void *page)
{
	hook.reads++;
	if (hook.armed && hook.remake_host) {
		hook.armed = false;
		/* mmap_lock is dropped: HOSTA's page table goes, and the segment comes back empty.
		 */
		assert_int_equal(mm_munmap(hook.gmap->mm, HOSTA, SEG), 0);
		map_host(hook.gmap->mm, HOSTA, SEG);
	} else if (hook.armed) {
		hook.armed = false;
		/* mmap_lock is dropped: another thread moves guest segment 0 to HOSTB. */
		assert_int_equal(gmap_map_segment(hook.gmap, HOSTB, 0, SEG), 0);
	}
	return __real_swap_read(sf, slot, page);
}

static unsigned long guest_word(struct gmap *g, unsigned long gaddr)
{
	struct dat_config cfg = { .asce = g->asce };
	struct dat_result res;

	assert_int_equal(dat_translate_native(&cfg, gaddr, DAT_FETCH, &res), 0);
	return *(unsigned long *)res.real;
}

static void test_fault_retries_after_unlocked(void **state)
{
	long live = gm_alloc_live();
	unsigned long a = 0xaaaa, b = 0xbbbb, entry;
	struct mm_struct *mm = mm_create();
	struct gmap *g;

	(void)state;
	assert_non_null(mm);
	map_host(mm, HOSTA, 2 * SEG);
	map_host(mm, HOSTB, SEG);
	assert_int_equal(mm_write(mm, HOSTA + OFF, &a, sizeof(a)), 0);
	assert_int_equal(mm_write(mm, HOSTB + OFF, &b, sizeof(b)), 0);
	assert_int_equal(mm_page_out(mm, HOSTA + OFF), 0);
	g = gmap_create(mm, SEG - 1);
	assert_non_null(g);
	assert_int_equal(gmap_map_segment(g, HOSTA, 0, SEG), 0);

	hook.gmap = g;
	hook.armed = true;
	assert_int_equal(gmap_fault(g, OFF, 0), 0);
	assert_false(hook.armed);
	assert_int_equal(hook.reads, 1);

	/* Linked to HOSTB's page table, and host_to_guest knows only HOSTB. */
	assert_int_equal(gmap_translate(g, OFF), HOSTB + OFF);
	assert_ptr_equal(gmap_table_walk(g, OFF, DAT_LEVEL_PTE),
			 (unsigned long *)mm_pte_lookup(mm, HOSTB + OFF));
	assert_true(ulmap_lookup(g->host_to_guest, HOSTB >> PMD_SHIFT, &entry));
	assert_false(ulmap_lookup(g->host_to_guest, HOSTA >> PMD_SHIFT, &entry));
	assert_int_equal(guest_word(g, OFF), b);

	remove_all(g, mm, live);
}

/*
 * The segment is linked, so gmap_fault() hands the host fault its page table
 * (mm_pte_table_hint()). While the swap read has mmap_lock dropped, that page
 * table is freed and the segment mapped again: the hint must not outlive it.
 * The fault installs a zero page in a new page table and links that one; a
 * frame put into the freed table would leak.
 */
static void test_hint_dropped_with_page_table(void **state)
{
	long live = gm_alloc_live();
	unsigned long a = 0xaaaa, zero = 0;
	struct mm_struct *mm = mm_create();
	struct gmap *g;

	(void)state;
	assert_non_null(mm);
	map_host(mm, HOSTA, 2 * SEG);
	assert_int_equal(mm_write(mm, HOSTA, &a, sizeof(a)), 0);
	assert_int_equal(mm_write(mm, HOSTA + OFF, &a, sizeof(a)), 0);
	g = gmap_create(mm, SEG - 1);
	assert_non_null(g);
	assert_int_equal(gmap_map_segment(g, HOSTA, 0, SEG), 0);
	assert_int_equal(gmap_fault(g, 0, 0), 0); /* linked: the next fault has a hint */
	assert_int_equal(mm_page_out(mm, HOSTA + OFF), 0);

	hook.gmap = g;
	hook.armed = true;
	hook.remake_host = true;
	hook.reads = 0;
	assert_int_equal(gmap_fault(g, OFF, FAULT_FLAG_WRITE), 0);
	assert_false(hook.armed);
	assert_int_equal(hook.reads, 1);

	/* Linked to the new page table, whose PTE has the (zero) page. */
	mmap_read_lock(mm);
	assert_ptr_equal(gmap_table_walk(g, OFF, DAT_LEVEL_PTE),
			 (unsigned long *)mm_pte_lookup(mm, HOSTA + OFF));
	assert_true(pte_present(__pte(mm_lookup_pte(mm, HOSTA + OFF))));
	mmap_read_unlock(mm);
	assert_int_equal(guest_word(g, OFF), zero);

	remove_all(g, mm, live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_retries_after_unlocked),
		cmocka_unit_test(test_hint_dropped_with_page_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
