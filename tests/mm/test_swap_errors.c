// SPDX-License-Identifier: GPL-2.0
/*
 * Swap-file I/O errors, injected with mm_swap_inject(): a page-out that cannot
 * write keeps the page resident with its bytes and PTE; a swap-in that cannot
 * read gives -EIO and keeps the slot and its data, so a retry succeeds; short
 * transfers and EINTR are resumed; a full swap file (ENOSPC) is survived; and
 * nothing leaks on any of these paths.
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
#define PAGES 32

static int setup(void **state)
{
	*state = mm_fixture_create(BASE, PAGES);
	return *state ? 0 : -1;
}

/* Every path above gave back what it took: nothing is left once the mm is gone. */
static int teardown(void **state)
{
	mm_fixture_destroy(*state);
	return 0;
}

/* The bytes of a resident page, straight from its frame (no fault, no swap-in). */
static void expect_frame(struct mm_struct *mm, unsigned long addr, unsigned int seed)
{
	unsigned char want[PAGE_SIZE];
	unsigned long frame = mm_frame_of(mm, addr);

	assert_int_not_equal(frame, 0);
	mm_fill_page(want, seed);
	assert_memory_equal((void *)frame, want, PAGE_SIZE);
}

static void inject_nth(struct mm_struct *mm, unsigned int calls, unsigned long nth,
		       unsigned long count, enum mm_swap_fault fault)
{
	struct mm_swap_inject in = { .calls = calls, .nth = nth, .count = count, .fault = fault };

	assert_int_equal(mm_swap_inject(mm, &in), 0);
}

/* A page-out whose write fails with @fault: @want back, the page exactly as it was. */
static void page_out_fails(struct mm_struct *mm, enum mm_swap_fault fault, int want)
{
	unsigned long addr = BASE + 3 * PAGE_SIZE, pte, pgste, frame;
	struct mm_stats before, after;

	mm_write_page(mm, addr, 3);
	pte = mm_pte_at(mm, addr);
	pgste = mm_pgste_at(mm, addr);
	frame = mm_frame_of(mm, addr);
	mm_get_stats(mm, &before);
	inject_nth(mm, MM_SWAP_INJECT_WRITE, 1, 1, fault);
	assert_int_equal(mm_page_out(mm, addr), want);
	mm_get_stats(mm, &after);
	/* Resident in the same frame, the same PTE and PGSTE, its bytes intact. */
	assert_int_equal(mm_pte_at(mm, addr), pte);
	assert_int_equal(mm_pgste_at(mm, addr), pgste);
	assert_int_equal(mm_frame_of(mm, addr), frame);
	expect_frame(mm, addr, 3);
	/* The slot went back, nothing was counted as swapped out, the error was. */
	assert_int_equal(after.swap_slots, before.swap_slots);
	assert_int_equal(after.swap_outs, before.swap_outs);
	assert_int_equal(after.frames, before.frames);
	assert_int_equal(after.swap_write_errors, before.swap_write_errors + 1);
	/* The injection was for one call: the retry writes, and the page comes back. */
	assert_int_equal(mm_page_out(mm, addr), 0);
	assert_int_equal(mm_frame_of(mm, addr), 0);
	mm_expect_page(mm, addr, 3);
	/* Still writable, still dirty where it was. */
	mm_write_page(mm, addr, 4);
	mm_expect_page(mm, addr, 4);
}

static void test_page_out_eio(void **state)
{
	struct mm_fixture *f = *state;

	page_out_fails(f->mm, MM_SWAP_FAULT_EIO, -EIO);
}

static void test_page_out_enospc(void **state)
{
	struct mm_fixture *f = *state;

	page_out_fails(f->mm, MM_SWAP_FAULT_ENOSPC, -ENOSPC);
}

/* pwrite() reporting 0 bytes makes no progress: an I/O error, not a loop. */
static void test_page_out_no_progress(void **state)
{
	struct mm_fixture *f = *state;

	page_out_fails(f->mm, MM_SWAP_FAULT_ZERO, -EIO);
}

/* A short write, then a full filesystem for the rest: what a filling disk does. */
static void test_page_out_short_then_full(void **state)
{
	struct mm_fixture *f = *state;
	struct mm_stats st;

	page_out_fails(f->mm, MM_SWAP_FAULT_FILLS_UP, -ENOSPC);
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.swap_io_resumed, 1);
	assert_int_equal(st.swap_io_injected, 2);
}

/* Short writes and EINTR are resumed: the page-out succeeds with every byte. */
static void test_page_out_resumed(void **state)
{
	struct mm_fixture *f = *state;
	static const enum mm_swap_fault faults[] = { MM_SWAP_FAULT_SHORT, MM_SWAP_FAULT_EINTR };
	struct mm_stats st;

	for (unsigned int i = 0; i < 2; i++) {
		unsigned long addr = BASE + i * PAGE_SIZE;

		mm_write_page(f->mm, addr, 20 + i);
		/* Three in a row: half, a quarter, an eighth, then the rest. */
		inject_nth(f->mm, MM_SWAP_INJECT_WRITE, 1, 3, faults[i]);
		assert_int_equal(mm_page_out(f->mm, addr), 0);
		assert_int_equal(mm_frame_of(f->mm, addr), 0);
		mm_expect_page(f->mm, addr, 20 + i);
	}
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.swap_io_resumed, 6);
	assert_int_equal(st.swap_write_errors, 0);
	assert_int_equal(st.swap_io_injected, 6);
}

/* Swap @addr out and arm the next read with @fault. */
static unsigned long swapped_with_read_fault(struct mm_struct *mm, unsigned long addr,
					     unsigned int seed, enum mm_swap_fault fault)
{
	unsigned long pte;

	mm_write_page(mm, addr, seed);
	assert_int_equal(mm_page_out(mm, addr), 0);
	pte = mm_pte_at(mm, addr);
	assert_true(pte_swap(__pte(pte)));
	inject_nth(mm, MM_SWAP_INJECT_READ, 1, 1, fault);
	return pte;
}

/* The swap-in under the page-table lock (mm_read(): no @unlocked). */
static void page_in_locked_fails(struct mm_struct *mm, enum mm_swap_fault fault)
{
	unsigned long addr = BASE + 5 * PAGE_SIZE, pte;
	unsigned char buf[PAGE_SIZE];
	struct mm_stats before, after;
	long live;

	pte = swapped_with_read_fault(mm, addr, 5, fault);
	mm_get_stats(mm, &before);
	gm_quiesce();
	live = gm_alloc_live();
	assert_int_equal(mm_read(mm, addr, buf, sizeof(buf)), -EIO);
	gm_quiesce();
	assert_int_equal(gm_alloc_live(), live); /* the frame it read into went back */
	mm_get_stats(mm, &after);
	/* Still swapped out, in the same slot, which still holds the data. */
	assert_int_equal(mm_pte_at(mm, addr), pte);
	assert_int_equal(after.swap_slots, before.swap_slots);
	assert_int_equal(after.frames, before.frames);
	assert_int_equal(after.swap_ins, before.swap_ins);
	assert_int_equal(after.swap_read_errors, before.swap_read_errors + 1);
	mm_expect_page(mm, addr, 5);
	mm_get_stats(mm, &after);
	assert_int_equal(after.swap_ins, before.swap_ins + 1);
	assert_int_equal(after.swap_slots, before.swap_slots - 1);
}

static void test_page_in_eio(void **state)
{
	struct mm_fixture *f = *state;

	page_in_locked_fails(f->mm, MM_SWAP_FAULT_EIO);
}

/* A read that reports end of file (0 bytes) is an error, not a page of zeroes. */
static void test_page_in_eof(void **state)
{
	struct mm_fixture *f = *state;

	page_in_locked_fails(f->mm, MM_SWAP_FAULT_ZERO);
}

static void test_page_in_resumed(void **state)
{
	struct mm_fixture *f = *state;
	struct mm_stats st;

	mm_write_page(f->mm, BASE, 7);
	assert_int_equal(mm_page_out(f->mm, BASE), 0);
	inject_nth(f->mm, MM_SWAP_INJECT_READ, 1, 4, MM_SWAP_FAULT_SHORT);
	mm_expect_page(f->mm, BASE, 7);
	mm_write_page(f->mm, BASE + PAGE_SIZE, 8);
	assert_int_equal(mm_page_out(f->mm, BASE + PAGE_SIZE), 0);
	inject_nth(f->mm, MM_SWAP_INJECT_READ, 1, 2, MM_SWAP_FAULT_EINTR);
	mm_expect_page(f->mm, BASE + PAGE_SIZE, 8);
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.swap_io_resumed, 6);
	assert_int_equal(st.swap_read_errors, 0);
}

/* The swap-in with mmap_lock dropped (fixup_user_fault() with @unlocked, as gmap_fault()). */
static void test_page_in_unlocked_eio(void **state)
{
	struct mm_fixture *f = *state;
	unsigned long addr = BASE + 7 * PAGE_SIZE, pte;
	bool unlocked = false;
	struct mm_stats st;
	long live;

	pte = swapped_with_read_fault(f->mm, addr, 77, MM_SWAP_FAULT_EIO);
	gm_quiesce();
	live = gm_alloc_live();
	mmap_read_lock(f->mm);
	assert_int_equal(fixup_user_fault(f->mm, addr, FAULT_FLAG_WRITE, &unlocked), -EIO);
	assert_true(unlocked);
	assert_int_equal(mm_lookup_pte(f->mm, addr), pte);
	mmap_read_unlock(f->mm);
	gm_quiesce();
	assert_int_equal(gm_alloc_live(), live);
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.swap_slots, 1);
	assert_int_equal(st.swap_read_errors, 1);
	/* The retry reads the slot the failed attempt left. */
	unlocked = false;
	mmap_read_lock(f->mm);
	assert_int_equal(fixup_user_fault(f->mm, addr, FAULT_FLAG_WRITE, &unlocked), 0);
	mmap_read_unlock(f->mm);
	assert_true(unlocked);
	expect_frame(f->mm, addr, 77);
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.swap_slots, 0);
}

/*
 * The disk is full for a while: every page-out fails with -ENOSPC and leaves its
 * page resident; once space is back, every page goes out and comes back intact.
 */
static void test_swap_file_full_survived(void **state)
{
	struct mm_fixture *f = *state;
	struct mm_stats st;

	for (unsigned int i = 0; i < PAGES; i++)
		mm_write_page(f->mm, BASE + i * PAGE_SIZE, 100 + i);
	inject_nth(f->mm, MM_SWAP_INJECT_WRITE, 1, PAGES, MM_SWAP_FAULT_ENOSPC);
	for (unsigned int i = 0; i < PAGES; i++)
		assert_int_equal(mm_page_out(f->mm, BASE + i * PAGE_SIZE), -ENOSPC);
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.swap_slots, 0);
	assert_int_equal(st.frames, PAGES);
	assert_int_equal(st.swap_write_errors, PAGES);
	for (unsigned int i = 0; i < PAGES; i++)
		expect_frame(f->mm, BASE + i * PAGE_SIZE, 100 + i);
	for (unsigned int i = 0; i < PAGES; i++)
		assert_int_equal(mm_page_out(f->mm, BASE + i * PAGE_SIZE), 0);
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.swap_slots, PAGES);
	assert_int_equal(st.frames, 0);
	for (unsigned int i = 0; i < PAGES; i++)
		mm_expect_page(f->mm, BASE + i * PAGE_SIZE, 100 + i);
}

/* Random faults on a third of the calls: retried, every page comes back as written. */
static void test_random_errors_retried(void **state)
{
	struct mm_fixture *f = *state;
	struct mm_swap_inject in = { .calls = MM_SWAP_INJECT_READ | MM_SWAP_INJECT_WRITE,
				     .per_million = 333333,
				     .seed = 42 };
	unsigned char buf[PAGE_SIZE], want[PAGE_SIZE];
	unsigned long failed_outs = 0, failed_ins = 0;
	struct mm_stats st;
	int rc;

	for (unsigned int i = 0; i < PAGES; i++)
		mm_write_page(f->mm, BASE + i * PAGE_SIZE, 200 + i);
	assert_int_equal(mm_swap_inject(f->mm, &in), 0);
	for (unsigned int round = 0; round < 4; round++) {
		for (unsigned int i = 0; i < PAGES; i++) {
			while ((rc = mm_page_out(f->mm, BASE + i * PAGE_SIZE)) != 0) {
				assert_true(rc == -EIO || rc == -ENOSPC);
				expect_frame(f->mm, BASE + i * PAGE_SIZE, 200 + i);
				failed_outs++;
			}
		}
		for (unsigned int i = 0; i < PAGES; i++) {
			while ((rc = mm_read(f->mm, BASE + i * PAGE_SIZE, buf, PAGE_SIZE)) != 0) {
				assert_int_equal(rc, -EIO);
				failed_ins++;
			}
			mm_fill_page(want, 200 + i);
			assert_memory_equal(buf, want, PAGE_SIZE);
		}
	}
	assert_int_equal(mm_swap_inject(f->mm, NULL), 0);
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.swap_write_errors, failed_outs);
	assert_int_equal(st.swap_read_errors, failed_ins);
	assert_true(failed_outs > 0 && failed_ins > 0 && st.swap_io_resumed > 0);
	assert_int_equal(st.swap_outs, 4 * PAGES);
	assert_int_equal(st.swap_slots, 0);
}

static void test_inject_bad_arguments(void **state)
{
	struct mm_fixture *f = *state;
	struct mm_swap_inject in = { .calls = MM_SWAP_INJECT_READ,
				     .nth = 1,
				     .fault = MM_SWAP_FAULT_EIO };

	assert_int_equal(mm_swap_inject(NULL, &in), -EINVAL);
	in.calls = 0x10;
	assert_int_equal(mm_swap_inject(f->mm, &in), -EINVAL);
	in.calls = MM_SWAP_INJECT_READ;
	in.fault = 0;
	assert_int_equal(mm_swap_inject(f->mm, &in), -EINVAL);
	in.fault = MM_SWAP_FAULT_FILLS_UP + 1;
	assert_int_equal(mm_swap_inject(f->mm, &in), -EINVAL);
	in.nth = 0;
	in.per_million = 1000001;
	assert_int_equal(mm_swap_inject(f->mm, &in), -EINVAL);
	in.per_million = 0;
	in.delay_ns = 1000000000UL;
	assert_int_equal(mm_swap_inject(f->mm, &in), -EINVAL);
	assert_int_equal(mm_swap_inject(f->mm, NULL), 0);
	/* Reads are not counted when only writes are armed. */
	mm_write_page(f->mm, BASE, 1);
	assert_int_equal(mm_page_out(f->mm, BASE), 0);
	inject_nth(f->mm, MM_SWAP_INJECT_WRITE, 1, 1, MM_SWAP_FAULT_EIO);
	mm_expect_page(f->mm, BASE, 1);
	assert_int_equal(mm_page_out(f->mm, BASE), -EIO);
}

/* A slow disk alone (delay_ns): every call is slowed, none fails. */
static void test_delay_alone(void **state)
{
	struct mm_fixture *f = *state;
	struct mm_swap_inject in = { .calls = MM_SWAP_INJECT_READ | MM_SWAP_INJECT_WRITE,
				     .delay_ns = 1000 };
	struct mm_stats st;

	mm_write_page(f->mm, BASE, 2);
	assert_int_equal(mm_swap_inject(f->mm, &in), 0);
	assert_int_equal(mm_page_out(f->mm, BASE), 0);
	mm_expect_page(f->mm, BASE, 2);
	assert_int_equal(mm_swap_inject(f->mm, NULL), 0);
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.swap_io_injected, 0);
	assert_int_equal(st.swap_write_errors + st.swap_read_errors, 0);
	assert_int_equal(st.swap_ins, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_page_out_eio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_out_enospc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_out_no_progress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_out_short_then_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_out_resumed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_in_eio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_in_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_in_resumed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_in_unlocked_eio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swap_file_full_survived, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_errors_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inject_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delay_alone, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
