// SPDX-License-Identifier: GPL-2.0
/*
 * The PGSTE side of the host mm: one-shot notification of armed bits with the
 * right address and bits, every cell of the ptep_force_prot() matrix, shadow
 * PTEs, the unlink hook when a page table is freed, and the TLB listeners.
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
	if (mm_mmap(mm, BASE, 16 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_ANON_PRIVATE | MAP_FIXED) != BASE)
		return -1;
	*state = mm;
	return 0;
}

static int teardown(void **state)
{
	rec_detach_destroy(*state);
	return 0;
}

/* Fault @addr in (writable if @write) and return its locked PTE. */
static pte_t *faulted_pte(struct mm_struct *mm, unsigned long addr, bool write, spinlock_t **ptl)
{
	pte_t *ptep;

	mmap_read_lock(mm);
	assert_int_equal(fixup_user_fault(mm, addr, write ? FAULT_FLAG_WRITE : 0, NULL), 0);
	ptep = get_locked_pte(mm, addr, ptl);
	mmap_read_unlock(mm);
	assert_non_null(ptep);
	return ptep;
}

static void arm(struct mm_struct *mm, unsigned long addr, unsigned long bits)
{
	spinlock_t *ptl;
	pte_t *ptep = faulted_pte(mm, addr, true, &ptl);

	assert_int_equal(ptep_force_prot(mm, addr, ptep, PROT_WRITE, bits), 0);
	pte_unmap_unlock(ptep, ptl);
}

static void test_notify_fires_once_per_arming(void **state)
{
	struct mm_struct *mm = *state;
	unsigned long addr = BASE + 5 * PAGE_SIZE;

	arm(mm, addr, PGSTE_IN_BIT);
	assert_int_equal(rec.notifies, 0);
	assert_int_equal(mm_migrate_page(mm, addr + 17), 0);
	assert_int_equal(rec.notifies, 1);
	assert_int_equal(rec.vmaddr, addr);
	assert_int_equal(rec.bits, PGSTE_IN_BIT);
	assert_ptr_equal(rec.ptep, mm_pte_lookup(mm, addr));
	/* One-shot: the next change is silent until re-armed. */
	assert_int_equal(mm_migrate_page(mm, addr), 0);
	assert_int_equal(rec.notifies, 1);
	arm(mm, addr, PGSTE_IN_BIT | PGSTE_VSIE_BIT);
	assert_int_equal(mm_page_out(mm, addr), 0);
	assert_int_equal(rec.notifies, 2);
	assert_int_equal(rec.bits, PGSTE_IN_BIT | PGSTE_VSIE_BIT);
	/* Every kind of host change notifies an armed page. */
	arm(mm, addr, PGSTE_VSIE_BIT);
	assert_int_equal(mm_mprotect(mm, addr, PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(rec.notifies, 3);
	assert_int_equal(rec.bits, PGSTE_VSIE_BIT);
	assert_int_equal(mm_mprotect(mm, addr, PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	arm(mm, addr, PGSTE_IN_BIT);
	assert_int_equal(mm_discard(mm, addr, PAGE_SIZE), 0);
	assert_int_equal(rec.notifies, 4);
	arm(mm, addr, PGSTE_IN_BIT);
	assert_int_equal(mm_munmap(mm, addr, PAGE_SIZE), 0);
	assert_int_equal(rec.notifies, 5);
	/* Unarmed neighbours never notify. */
	assert_int_equal(mm_migrate_page(mm, BASE), -ENOENT);
	arm(mm, BASE, 0);
	assert_int_equal(mm_migrate_page(mm, BASE), 0);
	assert_int_equal(rec.notifies, 5);
}

static void test_set_notify(void **state)
{
	struct mm_struct *mm = *state;
	spinlock_t *ptl;
	pte_t *ptep = faulted_pte(mm, BASE, false, &ptl);

	ptep_set_notify(mm, BASE, ptep);
	assert_true(*pgste_of(&ptep->pte) & PGSTE_IN_BIT);
	pte_unmap_unlock(ptep, ptl);
	assert_int_equal(mm_page_out(mm, BASE), 0);
	assert_int_equal(rec.notifies, 1);
	assert_false(*pgste_of(&ptep->pte) & PGSTE_IN_BIT);
}

enum pte_state { INVALID_PTE, READ_ONLY_PTE, WRITABLE_PTE };

/* Put the PTE of @addr into @st and return it locked. */
static pte_t *pte_in_state(struct mm_struct *mm, unsigned long addr, enum pte_state st,
			   spinlock_t **ptl)
{
	pte_t *ptep = faulted_pte(mm, addr, st != READ_ONLY_PTE, ptl);

	if (st == INVALID_PTE)
		assert_int_equal(ptep_force_prot(mm, addr, ptep, PROT_NONE, 0), 0);
	return ptep;
}

static void test_force_prot_matrix(void **state)
{
	static const int prots[] = { PROT_NONE, PROT_READ, PROT_WRITE };
	/* Expected: -EAGAIN, or the I and P bits after the call. */
	static const struct {
		int rc;
		bool i, p;
	} want[3][3] = {
		[INVALID_PTE] = { { 0, true, false }, { -EAGAIN }, { -EAGAIN } },
		[READ_ONLY_PTE] = { { 0, true, true }, { 0, false, true }, { -EAGAIN } },
		[WRITABLE_PTE] = { { 0, true, false }, { 0, false, true }, { 0, false, false } },
	};
	struct mm_struct *mm = *state;
	unsigned long addr = BASE, pte;
	spinlock_t *ptl;
	pte_t *ptep;
	int rc, iptes;

	for (int st = INVALID_PTE; st <= WRITABLE_PTE; st++) {
		for (int p = 0; p < 3; p++, addr += PAGE_SIZE) {
			ptep = pte_in_state(mm, addr, (enum pte_state)st, &ptl);
			iptes = rec.iptes;
			pte = ptep->pte;
			rc = ptep_force_prot(mm, addr, ptep, prots[p], PGSTE_IN_BIT);
			assert_int_equal(rc, want[st][p].rc);
			if (rc) {
				assert_int_equal(ptep->pte, pte);
				assert_false(*pgste_of(&ptep->pte) & PGSTE_IN_BIT);
			} else {
				assert_int_equal(!!(ptep->pte & _PAGE_INVALID), want[st][p].i);
				assert_int_equal(!!(ptep->pte & _PAGE_PROTECT), want[st][p].p);
				assert_true(*pgste_of(&ptep->pte) & PGSTE_IN_BIT);
				/* A valid PTE that loses access is purged from TLBs. */
				assert_int_equal(rec.iptes - iptes,
						 ptep->pte != pte && !(pte & _PAGE_INVALID));
			}
			/* The frame and the software bits stay. */
			assert_int_equal(ptep->pte & (PAGE_MASK | _PAGE_SW_BITS),
					 pte & (PAGE_MASK | _PAGE_SW_BITS));
			assert_false(*pgste_of(&ptep->pte) & PGSTE_PCL_BIT);
			pte_unmap_unlock(ptep, ptl);
		}
	}
	assert_int_equal(rec.notifies, 0);
}

static void test_force_prot_then_fault_restores(void **state)
{
	struct mm_struct *mm = *state;
	spinlock_t *ptl;
	pte_t *ptep = pte_in_state(mm, BASE, WRITABLE_PTE, &ptl);

	assert_int_equal(ptep_force_prot(mm, BASE, ptep, PROT_READ, PGSTE_IN_BIT), 0);
	pte_unmap_unlock(ptep, ptl);
	/* A write fault makes it writable again and that change notifies. */
	mmap_read_lock(mm);
	assert_int_equal(fixup_user_fault(mm, BASE, FAULT_FLAG_WRITE, NULL), 0);
	mmap_read_unlock(mm);
	assert_false(ptep->pte & (_PAGE_PROTECT | _PAGE_INVALID));
	assert_int_equal(rec.notifies, 1);
}

static void test_shadow_pte(void **state)
{
	struct mm_struct *mm = *state;
	unsigned long *shadow = page_table_alloc_pgste();
	pte_t *tptep = (pte_t *)&shadow[7], *sptep;
	spinlock_t *ptl;

	assert_non_null(shadow);
	/* Source invalid: -EAGAIN. */
	sptep = pte_in_state(mm, BASE, INVALID_PTE, &ptl);
	assert_int_equal(ptep_shadow_pte(mm, 0x7000, sptep, tptep, __pte(0x1234000)), -EAGAIN);
	pte_unmap_unlock(sptep, ptl);
	/* Source read-only, guest-2 wants write: -EAGAIN; read-only guest PTE is fine. */
	sptep = pte_in_state(mm, BASE + PAGE_SIZE, READ_ONLY_PTE, &ptl);
	assert_int_equal(ptep_shadow_pte(mm, 0x7000, sptep, tptep, __pte(0x1234000)), -EAGAIN);
	assert_int_equal(
		ptep_shadow_pte(mm, 0x7000, sptep, tptep, __pte(0x1234000 | _PAGE_PROTECT)), 1);
	assert_int_equal(tptep->pte, (sptep->pte & PAGE_MASK) | _PAGE_PROTECT);
	assert_true(*pgste_of(&sptep->pte) & PGSTE_VSIE_BIT);
	/* Already shadowed: 0. */
	assert_int_equal(ptep_shadow_pte(mm, 0x7000, sptep, tptep, __pte(0x1234000)), 0);
	pte_unmap_unlock(sptep, ptl);
	rec.iptes = 0;
	ptep_unshadow_pte(mm, 0x7000, tptep);
	assert_int_equal(tptep->pte, _PAGE_INVALID);
	assert_int_equal(rec.iptes, 1);
	assert_int_equal(rec.ipte_addr, 0x7000);
	/* Unshadowing an invalid PTE needs no purge. */
	ptep_unshadow_pte(mm, 0x7000, tptep);
	assert_int_equal(rec.iptes, 1);
	/* The armed source notifies when the host changes it. */
	assert_int_equal(mm_page_out(mm, BASE + PAGE_SIZE), 0);
	assert_int_equal(rec.notifies, 1);
	assert_int_equal(rec.bits, PGSTE_VSIE_BIT);
	page_table_free_pgste(shadow);
}

static void test_unlink_hook_on_table_free(void **state)
{
	struct mm_struct *mm = *state;
	unsigned long *table;
	spinlock_t *ptl;
	pte_t *ptep = faulted_pte(mm, BASE, true, &ptl);

	pte_unmap_unlock(ptep, ptl);
	table = (unsigned long *)((unsigned long)ptep & PAGE_MASK);
	assert_int_equal(pte_table_vmaddr(ptep), BASE);
	assert_ptr_equal(pte_lockptr(mm, ptep + 100), ptl);
	assert_int_equal(mm_munmap(mm, BASE, 16 * PAGE_SIZE), 0);
	assert_int_equal(rec.unlinks, 1);
	assert_ptr_equal(rec.unlink_table, table);
	assert_int_equal(rec.unlink_vmaddr, BASE);
}

static void test_tlb_listeners(void **state)
{
	struct mm_struct *mm = *state;
	struct record other = { 0 };
	unsigned long addr = BASE + 3 * PAGE_SIZE;

	mm_write(mm, addr, &addr, sizeof(addr));
	rec.iptes = 0;
	assert_int_equal(mm_migrate_page(mm, addr), 0);
	assert_int_equal(rec.iptes, 1);
	assert_int_equal(rec.ipte_addr, addr);
	mm_flush_asce(mm, 0xabc000);
	assert_int_equal(rec.flushes, 1);
	assert_int_equal(rec.flush_asce, 0xabc000);
	/* A second listener, then removal: only the remaining one is called. */
	other.tlb.ipte = rec_ipte;
	other.tlb.flush_all = rec_flush;
	assert_int_equal(mm_register_tlb_listener(mm, &other.tlb), 0);
	mm_flush_asce(mm, 1);
	assert_int_equal(rec.flushes, 3);
	mm_unregister_tlb_listener(mm, &other.tlb);
	mm_flush_asce(mm, 1);
	assert_int_equal(rec.flushes, 4);
	gm_alloc_fail_nth(1);
	assert_int_equal(mm_register_tlb_listener(mm, &other.tlb), -ENOMEM);
	gm_alloc_fail_nth(0);
	mm_flush_asce(mm, 1);
	assert_int_equal(rec.flushes, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_notify_fires_once_per_arming, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_force_prot_matrix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_force_prot_then_fault_restores, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shadow_pte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlink_hook_on_table_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tlb_listeners, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
