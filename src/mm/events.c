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

static int page_out_locked(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
			   unsigned long slot)
{
	unsigned long pte = ptep->pte;
	int rc;

	/* Take the page away from every user first, so no store can slip past the copy. */
	ptep_xchg_notify(mm, addr, ptep, __pte(pte | _PAGE_INVALID), true);
	rc = swap_write(&mm->swap, slot, (void *)pte_frame(pte));
	if (rc) {
		/* The page stays, as it was; the caller gives the slot back. */
		ptep_xchg_notify(mm, addr, ptep, __pte(pte), true);
		return rc;
	}
	ptep_xchg_notify(mm, addr, ptep, __pte(mk_swap_pte(slot)), true);
	page_free_rcu((void *)pte_frame(pte));
	mm_count(&mm->count.frames, -1);
	mm_count(&mm->count.swap_outs, 1);
	return 0;
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
		if (ptep) {
			rc = page_out_locked(mm, addr & PAGE_MASK, ptep, slot);
			spin_unlock(ptl);
		}
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
	frame = page_alloc(false);
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
