// SPDX-License-Identifier: GPL-2.0
/*
 * The host events that change PTEs behind the guest's back: page-out to the
 * swap file, migration to another frame, discard.
 */
#include <errno.h>
#include <string.h>

#include <gmap/alloc.h>

#include "mm_internal.h"

/*
 * Find the locked PTE of a present page for a host event. Returns the PTE with
 * *ptl held, or NULL with *rc = -EFAULT (no mapping) or -ENOENT (no frame).
 */
static pte_t *lock_present_pte(struct mm_struct *mm, unsigned long addr, spinlock_t **ptl, int *rc)
{
	pte_t *ptep;

	*rc = -EFAULT;
	if (!find_vma(mm, addr))
		return NULL;
	*rc = -ENOENT;
	ptep = mm_pte_lookup(mm, addr);
	if (!ptep)
		return NULL;
	*ptl = pte_lockptr(mm, ptep);
	spin_lock(*ptl);
	if (!pte_present(*ptep)) {
		spin_unlock(*ptl);
		return NULL;
	}
	*rc = 0;
	return ptep;
}

swap_hook_fn _Atomic swap_test_hook;

/**
 * swapout_wait() - wait until a page-out in flight has changed *@ptep from @pte
 * @mm:   the address space
 * @ptep: the PTE, which named the page-out (pte_swapout())
 * @pte:  its value then
 *
 * Context: mmap_lock held for reading (so the page table stays), no spinlock.
 */
void swapout_wait(struct mm_struct *mm, pte_t *ptep, unsigned long pte)
{
	pthread_mutex_lock(&mm->swapout_lock);
	while (pte_load(ptep) == pte) {
		swap_hook(mm, SWAP_HOOK_WAIT, 0);
		pthread_cond_wait(&mm->swapout_done, &mm->swapout_lock);
	}
	pthread_mutex_unlock(&mm->swapout_lock);
}

/*
 * Wake the faults that wait for a page-out; the PTE was changed before. Under
 * the mutex, so that a waiter that saw the old value is already waiting.
 */
void swapout_wake(struct mm_struct *mm)
{
	pthread_mutex_lock(&mm->swapout_lock);
	pthread_cond_broadcast(&mm->swapout_done);
	pthread_mutex_unlock(&mm->swapout_lock);
}

/*
 * Write the page of *@ptep to @slot with the page-table lock dropped. The PTE
 * is invalidated (users notified, TLBs purged) and marked in transit, so that
 * no store slips past the copy and nobody takes the frame; after the write the
 * lock is taken again and the PTE revalidated: still in transit, it becomes the
 * swap entry (or, if the write failed, the PTE it was); changed, a zap emptied
 * it meanwhile and the frame is freed here. Returns 0, -EIO or -ENOSPC (the
 * page stays), or -ENOENT (zapped meanwhile); the caller frees the slot unless 0.
 *
 * Context: mmap_lock held for reading, @ptl held; returns with @ptl released.
 */
static int page_out_unlock(struct mm_struct *mm, unsigned long addr, pte_t *ptep, spinlock_t *ptl,
			   unsigned long slot)
{
	unsigned long pte = ptep->pte, frame = pte_frame(pte), transit = mk_swapout_pte(frame);
	int rc;

	ptep_xchg_notify(mm, addr, ptep, __pte(transit), true);
	spin_unlock(ptl);
	swap_hook(mm, SWAP_HOOK_WRITE, addr);
	rc = swap_write(&mm->swap, slot, (void *)frame);
	spin_lock(ptl);
	if (ptep->pte != transit) {
		rc = -ENOENT;
	} else if (rc) {
		ptep_xchg_notify(mm, addr, ptep, __pte(pte), true);
		frame = 0; /* the page stays, as it was */
	} else {
		ptep_xchg_notify(mm, addr, ptep, __pte(mk_swap_pte(slot)), true);
		mm_count(&mm->count.swap_outs, 1);
	}
	spin_unlock(ptl);
	swapout_wake(mm);
	if (frame) {
		page_free_rcu((void *)frame);
		mm_count(&mm->count.frames, -1);
	}
	return rc;
}

int mm_page_out(struct mm_struct *mm, unsigned long addr)
{
	unsigned long slot;
	spinlock_t *ptl;
	pte_t *ptep;
	int rc;

	if (!mm || addr >= TASK_SIZE)
		return -EINVAL;
	mmap_read_lock(mm);
	rc = swap_slot_alloc(&mm->swap, &slot);
	if (!rc) {
		ptep = lock_present_pte(mm, addr, &ptl, &rc);
		if (ptep)
			rc = page_out_unlock(mm, addr & PAGE_MASK, ptep, ptl, slot);
		if (rc)
			swap_slot_free(&mm->swap, slot);
	}
	mmap_read_unlock(mm);
	return rc;
}

int mm_migrate_page(struct mm_struct *mm, unsigned long addr)
{
	void *frame;
	unsigned long pte;
	spinlock_t *ptl;
	pte_t *ptep;
	int rc;

	if (!mm || addr >= TASK_SIZE)
		return -EINVAL;
	frame = page_alloc_at(GM_SITE_MM_MIGRATE_FRAME, false);
	if (!frame)
		return -ENOMEM;
	addr &= PAGE_MASK;
	mmap_read_lock(mm);
	ptep = lock_present_pte(mm, addr, &ptl, &rc);
	if (ptep) {
		pte = ptep->pte;
		ptep_xchg_notify(mm, addr, ptep, __pte(pte | _PAGE_INVALID), true);
		memcpy(frame, (void *)pte_frame(pte), PAGE_SIZE);
		ptep_xchg_notify(mm, addr, ptep, __pte((pte & ~PAGE_MASK) | (unsigned long)frame),
				 true);
		spin_unlock(ptl);
		page_free_rcu((void *)pte_frame(pte));
		mm_count(&mm->count.migrations, 1);
		frame = NULL;
	}
	mmap_read_unlock(mm);
	page_free(frame);
	return rc;
}

void mm_discard_mapped(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	unsigned long s, e;

	for (struct vm_area_struct *v = mm->mmap; v && v->vm_start < end; v = v->next) {
		s = start > v->vm_start ? start : v->vm_start;
		e = end < v->vm_end ? end : v->vm_end;
		if (s < e) {
			zap_pte_range(mm, s, e);
			mm_count(&mm->count.discards, (long)((e - s) >> PAGE_SHIFT));
		}
	}
}

int mm_discard(struct mm_struct *mm, unsigned long addr, unsigned long len)
{
	int rc;

	rc = check_range(mm, addr, &len);
	if (rc)
		return rc;
	mmap_read_lock(mm);
	if (!vma_range_mapped(mm, addr, addr + len))
		rc = -ENOMEM;
	else
		mm_discard_mapped(mm, addr, addr + len);
	mmap_read_unlock(mm);
	return rc;
}
