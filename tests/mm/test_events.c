// SPDX-License-Identifier: GPL-2.0
/*
 * Faults and host events: contents survive page-out/page-in and migration while
 * frame addresses change, discard gives zeroes, the host DAT tables translate as
 * the mm's own lookup does, and every error path of the fault and event calls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mmtest.h"

#define BASE  0x40000000UL
#define PAGES 64

static int setup(void **state)
{
	struct mm_struct *mm = mm_create();

	if (!mm)
		return -1;
	if (mm_mmap(mm, BASE, PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_ANON_PRIVATE | MAP_FIXED) != BASE)
		return -1;
	*state = mm;
	return 0;
}

static int teardown(void **state)
{
	mm_destroy(*state);
	gm_quiesce();
	return 0;
}

static void test_first_touch_is_zero(void **state)
{
	struct mm_struct *mm = *state;
	unsigned char buf[PAGE_SIZE], zero[PAGE_SIZE] = { 0 };
	struct mm_stats st;

	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(mm_frame_of(mm, BASE), 0);
	assert_int_equal(mm_read(mm, BASE, buf, PAGE_SIZE), 0);
	assert_memory_equal(buf, zero, PAGE_SIZE);
	assert_int_not_equal(mm_frame_of(mm, BASE), 0);
	/* A read maps the page clean: protected until the first store. */
	assert_true(mm_lookup_pte(mm, BASE) & _PAGE_PROTECT);
	mm_write_page(mm, BASE, 1);
	assert_false(mm_lookup_pte(mm, BASE) & _PAGE_PROTECT);
	mm_get_stats(mm, &st);
	assert_int_equal(st.zero_fills, 1);
	assert_int_equal(st.frames, 1);
	assert_int_equal(st.page_tables, 1);
}

static void test_contents_survive_page_out_and_migration(void **state)
{
	struct mm_struct *mm = *state;
	unsigned long frame, addr;
	struct mm_stats st;

	for (unsigned int i = 0; i < PAGES; i++)
		mm_write_page(mm, BASE + i * PAGE_SIZE, i);
	for (int round = 0; round < 3; round++) {
		for (unsigned int i = 0; i < PAGES; i++) {
			addr = BASE + i * PAGE_SIZE;
			frame = mm_frame_of(mm, addr);
			if ((i + round) % 3 == 0) {
				assert_int_equal(mm_page_out(mm, addr), 0);
				assert_int_equal(mm_frame_of(mm, addr), 0);
				assert_true(pte_swap(__pte(mm_lookup_pte(mm, addr))));
			} else if ((i + round) % 3 == 1) {
				assert_int_equal(mm_migrate_page(mm, addr + 123), 0);
				assert_int_not_equal(mm_frame_of(mm, addr), frame);
				assert_int_not_equal(mm_frame_of(mm, addr), 0);
			}
		}
		for (unsigned int i = 0; i < PAGES; i++)
			mm_expect_page(mm, BASE + i * PAGE_SIZE, i);
	}
	mm_get_stats(mm, &st);
	assert_int_equal(st.swap_outs, st.swap_ins);
	assert_true(st.swap_outs >= PAGES);
	assert_true(st.migrations >= PAGES / 2);
	assert_int_equal(st.swap_slots, 0);
}

static void test_discard_gives_zeroes(void **state)
{
	struct mm_struct *mm = *state;
	unsigned char buf[PAGE_SIZE], zero[PAGE_SIZE] = { 0 };

	mm_write_page(mm, BASE, 7);
	mm_write_page(mm, BASE + PAGE_SIZE, 8);
	assert_int_equal(mm_page_out(mm, BASE + PAGE_SIZE), 0);
	assert_int_equal(mm_discard(mm, BASE, 2 * PAGE_SIZE), 0);
	assert_int_equal(mm_frame_of(mm, BASE), 0);
	assert_true(pte_none(__pte(mm_lookup_pte(mm, BASE + PAGE_SIZE))));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(mm_read(mm, BASE + i * PAGE_SIZE, buf, PAGE_SIZE), 0);
		assert_memory_equal(buf, zero, PAGE_SIZE);
	}
	/* The mapping stays. */
	mm_write_page(mm, BASE, 9);
	mm_expect_page(mm, BASE, 9);
}

static void test_event_errors(void **state)
{
	struct mm_struct *mm = *state;

	assert_int_equal(mm_page_out(mm, BASE), -ENOENT);
	assert_int_equal(mm_migrate_page(mm, BASE), -ENOENT);
	assert_int_equal(mm_page_out(mm, BASE - PAGE_SIZE), -EFAULT);
	assert_int_equal(mm_migrate_page(mm, BASE - PAGE_SIZE), -EFAULT);
	assert_int_equal(mm_page_out(mm, TASK_SIZE), -EINVAL);
	assert_int_equal(mm_migrate_page(NULL, BASE), -EINVAL);
	assert_int_equal(mm_discard(mm, BASE + 1, PAGE_SIZE), -EINVAL);
	assert_int_equal(mm_discard(mm, BASE, 0), -EINVAL);
	assert_int_equal(mm_discard(mm, BASE, (PAGES + 1) * PAGE_SIZE), -ENOMEM);
	mm_write_page(mm, BASE, 3);
	assert_int_equal(mm_page_out(mm, BASE), 0);
	assert_int_equal(mm_page_out(mm, BASE), -ENOENT);
	mm_expect_page(mm, BASE, 3);
}

static void test_fault_errors(void **state)
{
	struct mm_struct *mm = *state;
	unsigned char byte = 1;

	mmap_read_lock(mm);
	assert_int_equal(fixup_user_fault(mm, BASE - 1, 0, NULL), -EFAULT);
	assert_int_equal(fixup_user_fault(mm, BASE + PAGES * PAGE_SIZE, 0, NULL), -EFAULT);
	assert_int_equal(fixup_user_fault(mm, BASE, 0x80, NULL), -EINVAL);
	assert_int_equal(fixup_user_fault(mm, BASE, 0, NULL), 0);
	mmap_read_unlock(mm);
	assert_int_equal(mm_mprotect(mm, BASE, PAGE_SIZE, PROT_READ), 0);
	mmap_read_lock(mm);
	assert_int_equal(fixup_user_fault(mm, BASE, FAULT_FLAG_WRITE, NULL), -EFAULT);
	assert_int_equal(fixup_user_fault(mm, BASE, 0, NULL), 0);
	mmap_read_unlock(mm);
	assert_int_equal(mm_write(mm, BASE, &byte, 1), -EFAULT);
	assert_int_equal(mm_read(mm, BASE, &byte, 1), 0);
	assert_int_equal(mm_mprotect(mm, BASE, PAGE_SIZE, PROT_NONE), 0);
	assert_int_equal(mm_read(mm, BASE, &byte, 1), -EFAULT);
	assert_int_equal(mm_read(mm, BASE - 4096, &byte, 1), -EFAULT);
	assert_int_equal(mm_read(mm, TASK_SIZE, &byte, 1), -EINVAL);
	assert_int_equal(mm_write(mm, BASE + PAGE_SIZE, NULL, 1), -EINVAL);
}

static void test_mprotect_keeps_contents(void **state)
{
	struct mm_struct *mm = *state;

	mm_write_page(mm, BASE, 11);
	assert_int_equal(mm_mprotect(mm, BASE, PAGE_SIZE, PROT_NONE), 0);
	/* PROT_NONE: the PTE keeps the frame but is invalid to the hardware. */
	assert_true(mm_lookup_pte(mm, BASE) & _PAGE_INVALID);
	assert_true(mm_lookup_pte(mm, BASE) & _PAGE_PRESENT);
	assert_int_equal(mm_mprotect(mm, BASE, PAGE_SIZE, PROT_READ), 0);
	assert_true(mm_lookup_pte(mm, BASE) & _PAGE_PROTECT);
	mm_expect_page(mm, BASE, 11);
	assert_int_equal(mm_mprotect(mm, BASE, PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	mm_write_page(mm, BASE, 12);
	mm_expect_page(mm, BASE, 12);
}

static void test_swap_in_drops_lock_when_allowed(void **state)
{
	struct mm_struct *mm = *state;
	bool unlocked = false;
	struct mm_stats st;

	mm_write_page(mm, BASE, 21);
	assert_int_equal(mm_page_out(mm, BASE), 0);
	mmap_read_lock(mm);
	assert_int_equal(fixup_user_fault(mm, BASE, 0, &unlocked), 0);
	mmap_read_unlock(mm);
	assert_true(unlocked);
	assert_int_not_equal(mm_frame_of(mm, BASE), 0);
	mm_get_stats(mm, &st);
	assert_int_equal(st.lock_drops, 1);
	mm_expect_page(mm, BASE, 21);
	/* A first touch needs no I/O and keeps the lock. */
	unlocked = false;
	mmap_read_lock(mm);
	assert_int_equal(fixup_user_fault(mm, BASE + PAGE_SIZE, FAULT_FLAG_WRITE, &unlocked), 0);
	mmap_read_unlock(mm);
	assert_false(unlocked);
}

static void test_dat_walk_matches_lookup(void **state)
{
	struct mm_struct *mm = *state;
	struct dat_config cfg = { .asce = mm_asce(mm) };
	struct dat_result res;
	unsigned long addr;

	for (unsigned int i = 0; i < PAGES; i += 3)
		mm_write_page(mm, BASE + i * PAGE_SIZE, i);
	assert_int_equal(mm_page_out(mm, BASE + 3 * PAGE_SIZE), 0);
	for (unsigned int i = 0; i < PAGES; i++) {
		addr = BASE + i * PAGE_SIZE + 0x123;
		if (mm_frame_of(mm, addr)) {
			assert_int_equal(dat_translate_native(&cfg, addr, DAT_STORE, &res), 0);
			assert_int_equal(res.real, mm_frame_of(mm, addr) | 0x123);
		} else {
			assert_int_equal(dat_translate_native(&cfg, addr, DAT_FETCH, &res),
					 PGM_PAGE_TRANSLATION);
		}
	}
	/* A clean page is protected to the hardware. */
	mm_read(mm, BASE + PAGE_SIZE, &addr, sizeof(addr));
	assert_int_equal(dat_translate_native(&cfg, BASE + PAGE_SIZE, DAT_STORE, &res),
			 PGM_PROTECTION);
	/* No page table for a far address: segment translation. */
	assert_int_equal(dat_translate_native(&cfg, 0x20000000000UL, DAT_FETCH, &res),
			 PGM_REGION_THIRD_TRANS);
}

static void test_munmap_frees_page_tables(void **state)
{
	struct mm_struct *mm = *state;
	struct mm_stats st;

	mm_write_page(mm, BASE, 1);
	assert_int_equal(mm_page_out(mm, BASE), 0);
	mm_write_page(mm, BASE + PAGE_SIZE, 2);
	mm_get_stats(mm, &st);
	assert_int_equal(st.page_tables, 1);
	assert_int_equal(st.swap_slots, 1);
	/* Part of the segment is still mapped: the table stays. */
	assert_int_equal(mm_munmap(mm, BASE, PAGE_SIZE), 0);
	mm_get_stats(mm, &st);
	assert_int_equal(st.page_tables, 1);
	assert_int_equal(st.swap_slots, 0);
	assert_int_equal(mm_munmap(mm, BASE, PAGES * PAGE_SIZE), 0);
	mm_get_stats(mm, &st);
	assert_int_equal(st.page_tables, 0);
	assert_int_equal(st.frames, 0);
	assert_int_equal(st.unlinks, 1);
	assert_int_equal(mm_segment_entry(mm, BASE)[0], _SEGMENT_ENTRY_EMPTY);
}

static void test_cross_page_copies(void **state)
{
	struct mm_struct *mm = *state;
	unsigned char *in = malloc(3 * PAGE_SIZE), *out = malloc(3 * PAGE_SIZE);

	assert_non_null(in);
	assert_non_null(out);
	for (unsigned int i = 0; i < 3 * PAGE_SIZE; i++)
		in[i] = (unsigned char)(i ^ (i >> 8));
	assert_int_equal(mm_write(mm, BASE + 100, in, 3 * PAGE_SIZE - 200), 0);
	assert_int_equal(mm_page_out(mm, BASE + PAGE_SIZE), 0);
	assert_int_equal(mm_read(mm, BASE + 100, out, 3 * PAGE_SIZE - 200), 0);
	assert_memory_equal(in, out, 3 * PAGE_SIZE - 200);
	/* Partly outside the mapping. */
	assert_int_equal(mm_read(mm, BASE + (PAGES - 1) * PAGE_SIZE, out, 2 * PAGE_SIZE), -EFAULT);
	free(in);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_touch_is_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contents_survive_page_out_and_migration, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_discard_gives_zeroes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mprotect_keeps_contents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swap_in_drops_lock_when_allowed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dat_walk_matches_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_munmap_frees_page_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cross_page_copies, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
