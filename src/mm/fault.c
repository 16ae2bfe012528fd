// SPDX-License-Identifier: GPL-2.0
/*
 * Host faults: first touch, swap-in, and making a clean page writable.
 *
 * Frames are allocated before the page-table lock is taken; if the PTE changed
 * meanwhile the fault starts over and gives back what it did not use.
 */
#include <errno.h>
#include <string.h>

#include "mm_internal.h"

/* A swap slot read with mmap_lock dropped, waiting to be installed. */
struct prefetch {
	void *frame;
	unsigned long slot, gen;
};

static bool vma_permits(const struct vm_area_struct *vma, bool write)
{
	return write ? (vma->prot & PROT_WRITE) : prot_readable(vma->prot);
}

/*
 * A fault on a present page changes only what the access needs, the way the
 * kernel's pte_mkyoung()/pte_mkdirty() do: a readable page becomes valid, and
 * only a write (already checked against the VMA) drops the protection. Every
 * other bit stays, above all a _PAGE_PROTECT that ptep_force_prot() set for a
 * gmap: rebuilding the PTE from the VMA would silently undo it.
 */
static unsigned long present_pte_faulted(unsigned long pte, bool write)
{
	if (pte & _PAGE_READ)
		pte = (pte & ~_PAGE_INVALID) | _PAGE_YOUNG;
	if (write)
		pte = (pte & ~(_PAGE_PROTECT | _PAGE_INVALID)) | _PAGE_WRITE | _PAGE_DIRTY |
		      _PAGE_YOUNG;
	return pte;
}

/* The PTE a fault installs over @pte, or 0 if it needs a frame it was not given. */
static unsigned long faulted_pte(unsigned long pte, const struct vm_area_struct *vma, bool write,
				 void *frame)
{
	if (pte_present(__pte(pte)))
		return present_pte_faulted(pte, write);
	if (!frame)
		return 0;
	return mk_pte((unsigned long)frame, vma->prot, write);
}

/*
 * Read the swap slot of *@ptep with the page-table lock dropped, and mmap_lock
 * too if @drop; the caller starts over. Slot and generation are taken under the
 * page-table lock while the PTE still names the slot: a generation read after a
 * concurrent swap-in freed the slot would also match a later page-out into the
 * same slot, and the stale contents read here would then be installed. Returns
 * 0, -EAGAIN if the PTE no longer names a slot (nothing was dropped), -ENOMEM
 * or -EIO.
 */
static int prefetch_swap(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
			 struct prefetch *pre, bool drop)
{
	spinlock_t *ptl = pte_lockptr(mm, ptep);
	unsigned long pte;
	int rc;

	if (!pre->frame) {
		pre->frame = page_alloc_at(GM_SITE_MM_SWAPIN_FRAME, false);
		if (!pre->frame)
			return -ENOMEM;
	}
	spin_lock(ptl);
	pte = ptep->pte;
	if (pte_swap(__pte(pte))) {
		pre->slot = pte_swap_slot(pte);
		pre->gen = swap_slot_gen(&mm->swap, pre->slot);
	}
	spin_unlock(ptl);
	if (!pte_swap(__pte(pte)))
		return -EAGAIN;
	if (drop)
		mmap_read_unlock(mm);
	swap_hook(mm, SWAP_HOOK_READ, addr);
	rc = swap_read(&mm->swap, pre->slot, pre->frame);
	if (drop) {
		mmap_read_lock(mm);
		mm_count(&mm->count.lock_drops, 1);
	}
	return rc;
}

static bool prefetch_matches(struct mm_struct *mm, const struct prefetch *pre, unsigned long pte)
{
	return pre->frame && pte_swap(__pte(pte)) && pte_swap_slot(pte) == pre->slot &&
	       swap_slot_gen(&mm->swap, pre->slot) == pre->gen;
}

/*
 * Install the faulted PTE under the page-table lock; a swapped-out page only
 * with the data prefetched from its slot. Returns 0, or -EAGAIN if the PTE
 * changed so that the frame situation no longer fits (a page-out in flight
 * included).
 */
static int fault_install(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
			 const struct vm_area_struct *vma, bool write, void **frame,
			 struct prefetch *pre)
{
	spinlock_t *ptl = pte_lockptr(mm, ptep);
	unsigned long pte, new;
	void *spare;
	int rc = 0;

	spin_lock(ptl);
	pte = ptep->pte;
	if (pte_swapout(pte) || (pte_swap(__pte(pte)) && !prefetch_matches(mm, pre, pte))) {
		rc = -EAGAIN;
		goto out;
	}
	if (pte_swap(__pte(pte))) {
		/* A zero frame taken on an earlier round is not needed: freed with @pre's. */
		spare = *frame;
		*frame = pre->frame;
		pre->frame = spare;
		swap_slot_free(&mm->swap, pte_swap_slot(pte));
		mm_count(&mm->count.swap_ins, 1);
	} else if (pte_none(__pte(pte)) && *frame) {
		memset(*frame, 0, PAGE_SIZE);
		mm_count(&mm->count.zero_fills, 1);
	}
	new = faulted_pte(pte, vma, write, *frame);
	if (!new) {
		rc = -EAGAIN;
		goto out;
	}
	if (!pte_present(__pte(pte))) {
		*frame = NULL; /* now owned by the PTE */
		mm_count(&mm->count.frames, 1);
	}
	if (new != pte) {
		ptep_xchg_notify(mm, addr, ptep, __pte(new), true);
		mm_count(&mm->count.faults, 1);
	}
out:
	spin_unlock(ptl);
	return rc;
}

/*
 * Swap I/O runs without the page-table lock: a swap-in reads into a frame of its
 * own first (prefetch_swap()), and a page-out in flight is waited for.
 *
 * Context: mmap_lock held for reading; dropped and retaken for a swap-in if @unlocked.
 */
int fixup_user_fault(struct mm_struct *mm, unsigned long addr, unsigned int fault_flags,
		     bool *unlocked)
{
	bool write = fault_flags & FAULT_FLAG_WRITE;
	struct prefetch pre = { NULL, 0, 0 };
	struct vm_area_struct *vma;
	void *frame = NULL;
	unsigned long pte;
	pte_t *ptep;
	int rc;

	if (!mm || (fault_flags & ~FAULT_FLAG_WRITE))
		return -EINVAL;
	for (;;) {
		vma = find_vma(mm, addr);
		rc = -EFAULT;
		if (!vma || !vma_permits(vma, write))
			break;
		rc = -ENOMEM;
		ptep = mm_pte_alloc(mm, addr);
		if (!ptep)
			break;
		pte = pte_load(ptep);
		if (pte_swapout(pte)) {
			swapout_wait(mm, ptep, pte);
			continue;
		}
		if (pte_swap(__pte(pte)) && !prefetch_matches(mm, &pre, pte)) {
			rc = prefetch_swap(mm, addr, ptep, &pre, unlocked != NULL);
			if (rc == -EAGAIN)
				continue;
			if (unlocked)
				*unlocked = true;
			if (rc)
				break;
			continue; /* the world may have changed: look again */
		}
		if (!frame && pte_none(__pte(pte))) {
			frame = page_alloc_at(GM_SITE_MM_FAULT_FRAME, false);
			if (!frame)
				break;
		}
		rc = fault_install(mm, addr, ptep, vma, write, &frame, &pre);
		if (rc != -EAGAIN)
			break;
	}
	page_free(frame);
	page_free(pre.frame);
	return rc;
}

static void zap_pte(struct mm_struct *mm, unsigned long addr, pte_t *ptep, void *arg)
{
	unsigned long pte = ptep->pte;

	(void)arg;
	if (pte_none(__pte(pte)))
		return;
	ptep_xchg_notify(mm, addr, ptep, __pte(_PAGE_INVALID), true);
	if (pte_present(__pte(pte))) {
		page_free_rcu((void *)pte_frame(pte));
		mm_count(&mm->count.frames, -1);
	} else if (pte_swap(__pte(pte))) {
		swap_slot_free(&mm->swap, pte_swap_slot(pte));
	}
}

/* Drop every page in [start, end): frames and swap slots are freed. */
void zap_pte_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	mm_for_each_pte_locked(mm, start, end, zap_pte, NULL);
}
