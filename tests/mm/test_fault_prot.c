// SPDX-License-Identifier: GPL-2.0
/*
 * A host fault on a present page changes only what the access needs: a read
 * fault on a readable page changes nothing (no PTE change, no IPTE, no
 * notification, armed bits kept), a write fault to a writable mapping drops the
 * protection and nothing else. Every combination of {read, write} fault x
 * {armed IN, armed VSIE, not armed} x {VMA RW, RO} x {clean, dirty}.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mmrecord.h"

#define BASE 0x40000000UL

static int setup(void **state)
{
	struct mm_struct *mm = mm_create();

	if (!mm || rec_attach(mm))
		return -1;
	*state = mm;
	return 0;
}

static int teardown(void **state)
{
	rec_detach_destroy(*state);
	return 0;
}

static int fault(struct mm_struct *mm, unsigned long addr, bool write)
{
	int rc;

	mmap_read_lock(mm);
	rc = fixup_user_fault(mm, addr, write ? FAULT_FLAG_WRITE : 0, NULL);
	mmap_read_unlock(mm);
	return rc;
}

static unsigned long pgste_bits(struct mm_struct *mm, unsigned long addr)
{
	pte_t *ptep = mm_pte_lookup(mm, addr);

	return *pgste_of(&ptep->pte) & (PGSTE_IN_BIT | PGSTE_VSIE_BIT);
}

/* Write-protect the present page at @addr in the host and arm @bits. */
static void arm(struct mm_struct *mm, unsigned long addr, unsigned long bits)
{
	spinlock_t *ptl;
	pte_t *ptep;

	mmap_read_lock(mm);
	ptep = get_locked_pte(mm, addr, &ptl);
	mmap_read_unlock(mm);
	assert_non_null(ptep);
	assert_int_equal(ptep_force_prot(mm, addr, ptep, PROT_READ, bits), 0);
	pte_unmap_unlock(ptep, ptl);
}

struct fault_case {
	bool write, vma_rw, dirty;
	unsigned long armed; /* 0, PGSTE_IN_BIT or PGSTE_VSIE_BIT */
};

/* Bring the page at @addr into the state the case describes. */
static void prepare(struct mm_struct *mm, unsigned long addr, const struct fault_case *c)
{
	assert_int_equal(
		mm_mmap(mm, addr, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_ANON_PRIVATE | MAP_FIXED),
		addr);
	assert_int_equal(fault(mm, addr, c->dirty), 0);
	assert_int_equal(!!(mm_lookup_pte(mm, addr) & _PAGE_DIRTY), c->dirty);
	if (!c->vma_rw)
		assert_int_equal(mm_mprotect(mm, addr, PAGE_SIZE, PROT_READ), 0);
	if (c->armed)
		arm(mm, addr, c->armed);
}

static void check_case(struct mm_struct *mm, unsigned long addr, const struct fault_case *c)
{
	unsigned long before, after;
	int notifies, iptes, rc;
	bool changes;

	prepare(mm, addr, c);
	before = mm_lookup_pte(mm, addr);
	notifies = rec.notifies;
	iptes = rec.iptes;
	rc = fault(mm, addr, c->write);
	after = mm_lookup_pte(mm, addr);
	if (c->write && !c->vma_rw) {
		assert_int_equal(rc, -EFAULT);
	} else {
		assert_int_equal(rc, 0);
	}
	/* Only a write fault to a writable mapping of a protected page changes it. */
	changes = c->write && c->vma_rw && (before & _PAGE_PROTECT);
	if (!changes) {
		assert_int_equal(after, before);
		assert_int_equal(rec.iptes, iptes);
		assert_int_equal(rec.notifies, notifies);
		assert_int_equal(pgste_bits(mm, addr), c->armed);
		return;
	}
	assert_int_equal(after & ~(_PAGE_PROTECT | _PAGE_DIRTY),
			 before & ~(_PAGE_PROTECT | _PAGE_DIRTY));
	assert_true(after & _PAGE_DIRTY);
	assert_false(after & (_PAGE_PROTECT | _PAGE_INVALID));
	/* The change notifies exactly the armed bits, once, and consumes them. */
	assert_int_equal(rec.notifies - notifies, c->armed ? 1 : 0);
	if (c->armed)
		assert_int_equal(rec.bits, c->armed);
	assert_int_equal(pgste_bits(mm, addr), 0);
}

static void test_fault_matrix(void **state)
{
	static const unsigned long arms[] = { 0, PGSTE_IN_BIT, PGSTE_VSIE_BIT };
	struct mm_struct *mm = *state;
	unsigned long addr = BASE;

	for (int write = 0; write < 2; write++)
		for (int a = 0; a < 3; a++)
			for (int rw = 0; rw < 2; rw++)
				for (int dirty = 0; dirty < 2; dirty++, addr += PAGE_SIZE) {
					struct fault_case c = { write, rw, dirty, arms[a] };

					check_case(mm, addr, &c);
				}
}

/* A page made invalid for notification becomes valid again on a read fault. */
static void test_read_fault_revalidates_invalid_page(void **state)
{
	struct mm_struct *mm = *state;
	unsigned long before, after;
	spinlock_t *ptl;
	pte_t *ptep;

	assert_int_equal(
		mm_mmap(mm, BASE, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_ANON_PRIVATE | MAP_FIXED),
		BASE);
	assert_int_equal(fault(mm, BASE, true), 0);
	mmap_read_lock(mm);
	ptep = get_locked_pte(mm, BASE, &ptl);
	mmap_read_unlock(mm);
	assert_int_equal(ptep_force_prot(mm, BASE, ptep, PROT_NONE, PGSTE_IN_BIT), 0);
	pte_unmap_unlock(ptep, ptl);
	before = mm_lookup_pte(mm, BASE);
	assert_true(before & _PAGE_INVALID);
	assert_int_equal(fault(mm, BASE, false), 0);
	after = mm_lookup_pte(mm, BASE);
	/* Valid again, still as writable as it was, and the armed bit fired once. */
	assert_int_equal(after, before & ~_PAGE_INVALID);
	assert_int_equal(rec.notifies, 1);
	assert_int_equal(rec.bits, PGSTE_IN_BIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fault_matrix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_fault_revalidates_invalid_page, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
