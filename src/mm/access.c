// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side copies into and out of the address space, faulting pages in.
 */
#include <errno.h>
#include <string.h>

#include "mm_internal.h"

/*
 * Copy within one page with the page-table lock held, so that no host event can
 * take the frame away in the middle. Returns 0, or -EAGAIN if the page must be
 * faulted in first.
 */
static int copy_page_locked(struct mm_struct *mm, unsigned long addr, void *buf, size_t n,
			    bool write)
{
	pte_t *ptep = mm_pte_lookup(mm, addr);
	unsigned long pte, need = _PAGE_INVALID | (write ? _PAGE_PROTECT : 0);
	spinlock_t *ptl;
	void *p;
	int rc = -EAGAIN;

	if (!ptep)
		return rc;
	ptl = pte_lockptr(mm, ptep);
	spin_lock(ptl);
	pte = ptep->pte;
	if (pte_present(__pte(pte)) && !(pte & need)) {
		p = (void *)(pte_frame(pte) | (addr & ~PAGE_MASK));
		if (write)
			memcpy(p, buf, n);
		else
			memcpy(buf, p, n);
		rc = 0;
	}
	spin_unlock(ptl);
	return rc;
}

static int access_mm(struct mm_struct *mm, unsigned long addr, void *buf, size_t len, bool write)
{
	unsigned long n;
	int rc = 0;

	if (!mm || (!buf && len) || addr >= TASK_SIZE || len > TASK_SIZE - addr)
		return -EINVAL;
	mmap_read_lock(mm);
	while (len && !rc) {
		n = PAGE_SIZE - (addr & ~PAGE_MASK);
		if (n > len)
			n = len;
		rc = copy_page_locked(mm, addr, buf, n, write);
		if (rc == -EAGAIN) {
			rc = fixup_user_fault(mm, addr, write ? FAULT_FLAG_WRITE : 0, NULL);
			continue;
		}
		addr += n;
		buf = (char *)buf + n;
		len -= n;
	}
	mmap_read_unlock(mm);
	return rc;
}

int mm_read(struct mm_struct *mm, unsigned long addr, void *buf, size_t len)
{
	return access_mm(mm, addr, buf, len, false);
}

int mm_write(struct mm_struct *mm, unsigned long addr, const void *buf, size_t len)
{
	return access_mm(mm, addr, (void *)buf, len, true);
}
