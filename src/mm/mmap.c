// SPDX-License-Identifier: GPL-2.0
/*
 * The host address space's mappings: mmap, munmap, mprotect.
 */
#include <errno.h>

#include <gmap/alloc.h>

#include "mm_internal.h"

static bool prot_valid(int prot)
{
	return !(prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC));
}

/*
 * Free the page tables of segments in [start, end) that no mapping overlaps any
 * more; a region without a segment table is skipped whole.
 */
static void free_unused_page_tables(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	unsigned long seg, next, *sgt, *ste;

	for (seg = start & _SEGMENT_MASK; seg < end; seg = next) {
		sgt = mm_segment_table_next(mm, seg, &next);
		if (!sgt && !next)
			break;
		if (!sgt)
			continue;
		next = seg + _SEGMENT_SIZE;
		ste = &sgt[dat_sx(seg)];
		if (*ste & _SEGMENT_ENTRY_INVALID)
			continue;
		if (!vma_overlaps(mm, seg, seg + _SEGMENT_SIZE))
			mm_free_page_table(mm, ste, seg);
	}
}

/* Unmap [addr, addr + len) with mmap_lock held for writing. */
static int do_munmap(struct mm_struct *mm, unsigned long addr, unsigned long len)
{
	int rc = vma_remove_range(mm, addr, addr + len);

	if (rc)
		return rc;
	zap_pte_range(mm, addr, addr + len);
	free_unused_page_tables(mm, addr, addr + len);
	return 0;
}

/* Private anonymous memory is all there is: both flags are required, as Linux requires one type. */
static bool flags_valid(int flags)
{
	const int known =
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_NORESERVE;
	const int required = MAP_PRIVATE | MAP_ANONYMOUS;

	return !(flags & ~known) && (flags & required) == required;
}

static unsigned long choose_address(struct mm_struct *mm, unsigned long hint, unsigned long len)
{
	unsigned long align = len >= _SEGMENT_SIZE ? _SEGMENT_SIZE : PAGE_SIZE;

	if (hint && !(hint & ~PAGE_MASK) && hint >= MMAP_MIN_ADDR && hint <= TASK_SIZE - len &&
	    !vma_overlaps(mm, hint, hint + len))
		return hint;
	return vma_find_gap(mm, len, align);
}

unsigned long mm_mmap(struct mm_struct *mm, unsigned long addr, unsigned long len, int prot,
		      int flags)
{
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	unsigned long *upper = NULL;
	struct vm_area_struct *vma;
	long rc = 0;

	if (!mm || !len || !prot_valid(prot) || !flags_valid(flags))
		return (unsigned long)-EINVAL;
	if (len > TASK_SIZE)
		return (unsigned long)-ENOMEM;
	len = page_align(len);
	if (fixed && (addr & ~PAGE_MASK))
		return (unsigned long)-EINVAL;
	if (fixed && addr > TASK_SIZE - len)
		return (unsigned long)-ENOMEM;
	/* Allocated first: once MAP_FIXED has unmapped the old pages, nothing may fail. */
	vma = vma_alloc(GM_SITE_MM_MMAP_VMA);
	if (!vma)
		return (unsigned long)-ENOMEM;
again:
	mmap_write_lock(mm);
	if (!fixed)
		addr = choose_address(mm, addr, len);
	if (!addr && !fixed) {
		rc = -ENOMEM;
	} else if (addr + len > mm_table_limit(mm)) {
		/* Beyond 4 TiB: grow the tables first, with a table allocated unlocked. */
		if (!upper) {
			mmap_write_unlock(mm);
			upper = crst_table_alloc_at(GM_SITE_MM_MMAP_UPPER, _REGION2_ENTRY_EMPTY);
			if (upper)
				goto again;
			gm_free(vma);
			return (unsigned long)-ENOMEM;
		}
		mm_grow_tables(mm, upper);
		upper = NULL;
	}
	if (!rc && (flags & MAP_FIXED_NOREPLACE) && vma_overlaps(mm, addr, addr + len))
		rc = -EEXIST;
	else if (!rc && fixed && vma_overlaps(mm, addr, addr + len))
		rc = do_munmap(mm, addr, len);
	if (!rc) {
		vma_link(mm, vma, addr, addr + len, prot);
		vma = NULL;
	}
	mmap_write_unlock(mm);
	gm_free(vma);
	crst_table_free(upper);
	return rc ? (unsigned long)rc : addr;
}

int mm_munmap(struct mm_struct *mm, unsigned long addr, unsigned long len)
{
	int rc;

	rc = check_range(mm, addr, &len);
	if (rc)
		return rc;
	mmap_write_lock(mm);
	rc = do_munmap(mm, addr, len);
	mmap_write_unlock(mm);
	return rc;
}

static void protect_pte(struct mm_struct *mm, unsigned long addr, pte_t *ptep, void *arg)
{
	unsigned long pte = ptep->pte, new;

	if (!pte_present(__pte(pte)))
		return;
	new = mk_pte(pte_frame(pte), *(int *)arg, pte & _PAGE_DIRTY);
	if (new != pte)
		ptep_xchg_notify(mm, addr, ptep, __pte(new), true);
}

/* Give present PTEs in [start, end) the protection @prot. */
static void change_protection(struct mm_struct *mm, unsigned long start, unsigned long end,
			      int prot)
{
	mm_for_each_pte_locked(mm, start, end, protect_pte, &prot);
}

int mm_mprotect(struct mm_struct *mm, unsigned long addr, unsigned long len, int prot)
{
	int rc;

	if (!prot_valid(prot))
		return -EINVAL;
	rc = check_range(mm, addr, &len);
	if (rc)
		return rc;
	mmap_write_lock(mm);
	if (!vma_range_mapped(mm, addr, addr + len))
		rc = -ENOMEM;
	else
		rc = vma_protect_range(mm, addr, addr + len, prot);
	if (!rc)
		change_protection(mm, addr, addr + len, prot);
	mmap_write_unlock(mm);
	return rc;
}
