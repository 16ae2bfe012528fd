// SPDX-License-Identifier: GPL-2.0
/*
 * A host swap-file read that fails is the host's problem, never the guest's:
 * the vCPU access returns -EIO to its caller (the VMM) and delivers no program
 * interruption; the page stays swapped out with its data, and the retry gets
 * every byte. Covered: absolute and real accesses, stores, the prefix pages'
 * re-arming, and the guest's own DAT tables in a swapped-out page.
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gmap/alloc.h>
#include <gmap/vcpu.h>

#include "guest.h"

/* Fail the next swap-file read. */
static void fail_next_read(struct guest_fixture *f)
{
	struct mm_swap_inject in = { .calls = MM_SWAP_INJECT_READ,
				     .nth = 1,
				     .fault = MM_SWAP_FAULT_EIO };

	assert_int_equal(mm_swap_inject(f->mm, &in), 0);
}

static unsigned long pics(struct guest_fixture *f)
{
	struct vcpu_stats st;

	vcpu_get_stats(f->vcpu, &st);
	return st.pics;
}

static unsigned long read_errors(struct guest_fixture *f)
{
	struct mm_stats st;

	mm_get_stats(f->mm, &st);
	return st.swap_read_errors;
}

static void test_read_of_swapped_page(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long v = 0x0123456789abcdefUL, r = 0;

	assert_int_equal(vcpu_write(f->vcpu, 0x5008, &v, sizeof(v)), 0);
	assert_int_equal(mm_page_out(f->mm, HBASE + 0x5000), 0);
	fail_next_read(f);
	/* Before the fix: PGM_ADDRESSING (0x05) for the guest. */
	assert_int_equal(vcpu_read(f->vcpu, 0x5008, &r, sizeof(r)), -EIO);
	assert_int_equal(pics(f), 0);
	assert_int_equal(read_errors(f), 1);
	assert_int_equal(r, 0); /* nothing copied */
	assert_int_equal(vcpu_read(f->vcpu, 0x5008, &r, sizeof(r)), 0);
	assert_int_equal(r, v);
}

static void test_write_to_swapped_page(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long v = 0x42, w = 0x43, r = 0;

	assert_int_equal(vcpu_write(f->vcpu, 0x7000, &v, sizeof(v)), 0);
	assert_int_equal(vcpu_write(f->vcpu, 0x7ff8, &v, sizeof(v)), 0);
	assert_int_equal(mm_page_out(f->mm, HBASE + 0x7000), 0);
	fail_next_read(f);
	assert_int_equal(vcpu_write(f->vcpu, 0x7000, &w, sizeof(w)), -EIO);
	assert_int_equal(pics(f), 0);
	/* The store did not happen, the rest of the page is intact. */
	assert_int_equal(mm_read(f->mm, HBASE + 0x7000, &r, sizeof(r)), 0);
	assert_int_equal(r, v);
	assert_int_equal(vcpu_write(f->vcpu, 0x7000, &w, sizeof(w)), 0);
	assert_int_equal(vcpu_read(f->vcpu, 0x7000, &r, sizeof(r)), 0);
	assert_int_equal(r, w);
	assert_int_equal(vcpu_read(f->vcpu, 0x7ff8, &r, sizeof(r)), 0);
	assert_int_equal(r, v);
}

/*
 * A store to a clean (read-only mapped) page whose host PTE went to swap in
 * between: the refused-store check faults it in under mmap_lock, without
 * @unlocked, and its swap-in fails there.
 */
static void test_refused_store_check_fails(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long v = 0x99, r = 0;

	/* A read maps the page clean: the vCPU's TLB holds it read-only. */
	assert_int_equal(vcpu_read(f->vcpu, 0x9000, &r, sizeof(r)), 0);
	assert_int_equal(mm_page_out(f->mm, HBASE + 0x9000), 0);
	fail_next_read(f);
	assert_true(vcpu_write(f->vcpu, 0x9000, &v, sizeof(v)) == -EIO);
	assert_int_equal(pics(f), 0);
	assert_int_equal(vcpu_write(f->vcpu, 0x9000, &v, sizeof(v)), 0);
	assert_int_equal(vcpu_read(f->vcpu, 0x9000, &r, sizeof(r)), 0);
	assert_int_equal(r, v);
}

/* The prefix pages are re-armed before the next access: that swap-in fails. */
static void test_prefix_refresh_fails(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long v = 0x5555, r = 0;

	assert_int_equal(vcpu_set_prefix(f->vcpu, 0x10000), 0);
	assert_int_equal(vcpu_write_real(f->vcpu, 0x100, &v, sizeof(v)), 0);
	assert_int_equal(mm_page_out(f->mm, HBASE + 0x10000), 0);
	fail_next_read(f);
	assert_int_equal(vcpu_read_real(f->vcpu, 0x100, &r, sizeof(r)), -EIO);
	assert_int_equal(pics(f), 0);
	assert_int_equal(vcpu_read_real(f->vcpu, 0x100, &r, sizeof(r)), 0);
	assert_int_equal(r, v);
}

static void put_be64(struct guest_fixture *f, unsigned long gaddr, unsigned long val)
{
	unsigned long be = htobe64(val);

	assert_int_equal(vcpu_write(f->vcpu, gaddr, &be, sizeof(be)), 0);
}

#define GST 0x200000UL /* the guest's segment table */
#define GPT 0x208000UL /* its page table: swapped out below */

/* DAT on: the guest's page table is in a page the host swapped out. */
static void test_guest_table_in_swapped_page(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long asce = GST | _ASCE_TYPE_SEGMENT | 3, v = 0x77, r = 0;

	for (unsigned long i = 0; i < _CRST_ENTRIES; i++)
		put_be64(f, GST + 8 * i, _SEGMENT_ENTRY_EMPTY);
	for (unsigned long i = 0; i < _PAGE_ENTRIES; i++)
		put_be64(f, GPT + 8 * i, _PAGE_INVALID);
	put_be64(f, GST + 8 * 1, GPT);
	put_be64(f, GPT, 0x300000);
	assert_int_equal(vcpu_write_virt(f->vcpu, asce, 0x100008, &v, sizeof(v)), 0);
	assert_int_equal(mm_page_out(f->mm, HBASE + GPT), 0);
	vcpu_purge_tlb(f->vcpu);
	fail_next_read(f);
	assert_int_equal(vcpu_read_virt(f->vcpu, asce, 0x100008, &r, sizeof(r)), -EIO);
	assert_int_equal(pics(f), 0);
	assert_int_equal(vcpu_read_virt(f->vcpu, asce, 0x100008, &r, sizeof(r)), 0);
	assert_int_equal(r, v);
}

/* Random read errors on a fifth of the swap-ins: retried, never a PIC, every byte right. */
static void test_random_errors_retried(void **state)
{
	struct guest_fixture *f = *state;
	struct mm_swap_inject in = { .calls = MM_SWAP_INJECT_READ | MM_SWAP_INJECT_WRITE,
				     .per_million = 200000,
				     .seed = 7 };
	unsigned long v, r, eio = 0;
	int rc;

	for (unsigned long p = 0; p < 64; p++) {
		v = p * 0x1001;
		assert_int_equal(vcpu_write(f->vcpu, SEG + p * PAGE_SIZE, &v, sizeof(v)), 0);
	}
	assert_int_equal(mm_swap_inject(f->mm, &in), 0);
	for (unsigned int round = 0; round < 3; round++) {
		for (unsigned long p = 0; p < 64; p++) {
			do {
				rc = mm_page_out(f->mm, HBASE + SEG + p * PAGE_SIZE);
			} while (rc == -EIO || rc == -ENOSPC);
			assert_int_equal(rc, 0);
		}
		for (unsigned long p = 0; p < 64; p++) {
			while ((rc = vcpu_read(f->vcpu, SEG + p * PAGE_SIZE, &r, sizeof(r))) ==
			       -EIO)
				eio++;
			assert_int_equal(rc, 0);
			assert_int_equal(r, p * 0x1001);
		}
	}
	assert_int_equal(mm_swap_inject(f->mm, NULL), 0);
	assert_true(eio > 0);
	assert_int_equal(pics(f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		GUEST_TEST(test_read_of_swapped_page),
		GUEST_TEST(test_write_to_swapped_page),
		GUEST_TEST(test_refused_store_check_fails),
		GUEST_TEST(test_prefix_refresh_fails),
		GUEST_TEST(test_guest_table_in_swapped_page),
		GUEST_TEST(test_random_errors_retried),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
