// SPDX-License-Identifier: GPL-2.0
/*
 * The host address space: lifecycle, mmap/munmap/mprotect, host-side copies
 * and the host events (page-out, migration, discard).
 */
#include <errno.h>
#include <string.h>

#include <gmap/alloc.h>

#include "mm_internal.h"

struct mm_struct *mm_create(void)
{
	struct mm_struct *mm = gm_zalloc(sizeof(*mm));
	pthread_rwlockattr_t attr;

	if (!mm)
		return NULL;
	atomic_init(&mm->users, 1);
	mm->pgd = crst_table_alloc(_REGION3_ENTRY_EMPTY);
	if (!mm->pgd) {
		gm_free(mm);
		return NULL;
	}
	mm->asce = (unsigned long)mm->pgd | _ASCE_TYPE_REGION3 | _ASCE_TABLE_LENGTH;
	/* Host events must not starve behind a stream of faulting readers. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&mm->mmap_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	spin_lock_init(&mm->page_table_lock);
	spin_lock_init(&mm->tlb_lock);
	spin_lock_init(&mm->context.lock);
	CDS_INIT_LIST_HEAD(&mm->context.gmap_list);
	swap_init(&mm->swap);
	return mm;
}

/* The last reference is gone: unmap everything and free the address space. */
static void mm_free(struct mm_struct *mm)
{
	struct tlb_listener_set *set;

	mmap_write_lock(mm);
	for (struct vm_area_struct *v = mm->mmap; v; v = v->next)
		zap_pte_range(mm, v->vm_start, v->vm_end);
	vma_free_all(mm);
	mm_free_tables(mm);
	mmap_write_unlock(mm);
	set = mm->tlb;
	synchronize_rcu();
	gm_free(set);
	crst_table_free(mm->pgd);
	swap_destroy(&mm->swap);
	spin_lock_destroy(&mm->page_table_lock);
	spin_lock_destroy(&mm->tlb_lock);
	spin_lock_destroy(&mm->context.lock);
	pthread_rwlock_destroy(&mm->mmap_lock);
	gm_free(mm);
}

void mmgrab(struct mm_struct *mm)
{
	if (mm)
		atomic_fetch_add_explicit(&mm->users, 1, memory_order_relaxed);
}

void mmdrop(struct mm_struct *mm)
{
	if (mm && atomic_fetch_sub_explicit(&mm->users, 1, memory_order_acq_rel) == 1)
		mm_free(mm);
}

void mm_destroy(struct mm_struct *mm)
{
	mmdrop(mm);
}

void mmap_read_lock(struct mm_struct *mm)
{
	pthread_rwlock_rdlock(&mm->mmap_lock);
}

void mmap_read_unlock(struct mm_struct *mm)
{
	pthread_rwlock_unlock(&mm->mmap_lock);
}

void mmap_write_lock(struct mm_struct *mm)
{
	pthread_rwlock_wrlock(&mm->mmap_lock);
}

void mmap_write_unlock(struct mm_struct *mm)
{
	pthread_rwlock_unlock(&mm->mmap_lock);
}

unsigned long mm_asce(struct mm_struct *mm)
{
	return mm ? mm->asce : 0;
}

static unsigned long page_align(unsigned long len)
{
	return (len + PAGE_SIZE - 1) & PAGE_MASK;
}

static bool prot_valid(int prot)
{
	return !(prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC));
}

/* Validate the mm and a range, page-aligning its length; 0 or -EINVAL. */
static int check_range(struct mm_struct *mm, unsigned long addr, unsigned long *len)
{
	if (!mm || addr & ~PAGE_MASK || !*len || *len > TASK_SIZE)
		return -EINVAL;
	*len = page_align(*len);
	if (addr > TASK_SIZE - *len)
		return -EINVAL;
	return 0;
}

/* Free the page tables of segments in [start, end) that no mapping overlaps any more. */
static void free_unused_page_tables(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	unsigned long seg, *ste;

	for (seg = start & _SEGMENT_MASK; seg < end; seg += _SEGMENT_SIZE) {
		ste = mm_segment_entry(mm, seg);
		if (!ste || (*ste & _SEGMENT_ENTRY_INVALID))
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
	vma = vma_alloc();
	if (!vma)
		return (unsigned long)-ENOMEM;
	mmap_write_lock(mm);
	if (!fixed)
		addr = choose_address(mm, addr, len);
	if (!addr && !fixed)
		rc = -ENOMEM;
	else if ((flags & MAP_FIXED_NOREPLACE) && vma_overlaps(mm, addr, addr + len))
		rc = -EEXIST;
	else if (fixed && vma_overlaps(mm, addr, addr + len))
		rc = do_munmap(mm, addr, len);
	if (!rc) {
		vma_link(mm, vma, addr, addr + len, prot);
		vma = NULL;
	}
	mmap_write_unlock(mm);
	gm_free(vma);
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

	/* Take the page away from every user first, so no store can slip past the copy. */
	ptep_xchg_notify(mm, addr, ptep, __pte(pte | _PAGE_INVALID), true);
	if (swap_write(&mm->swap, slot, (void *)pte_frame(pte))) {
		ptep_xchg_notify(mm, addr, ptep, __pte(pte), true);
		return -EIO;
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

static unsigned long counter(atomic_ulong *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

void mm_get_stats(struct mm_struct *mm, struct mm_stats *s)
{
	if (!s)
		return;
	memset(s, 0, sizeof(*s));
	if (!mm)
		return;
	mmap_read_lock(mm);
	for (struct vm_area_struct *v = mm->mmap; v; v = v->next) {
		s->vmas++;
		s->mapped_bytes += v->vm_end - v->vm_start;
	}
	pthread_mutex_lock(&mm->swap.lock);
	s->swap_slots = mm->swap.nused;
	pthread_mutex_unlock(&mm->swap.lock);
	mmap_read_unlock(mm);
	s->frames = counter(&mm->count.frames);
	s->page_tables = counter(&mm->count.page_tables);
	s->crst_tables = counter(&mm->count.crst_tables) + 1;
	s->faults = counter(&mm->count.faults);
	s->zero_fills = counter(&mm->count.zero_fills);
	s->swap_ins = counter(&mm->count.swap_ins);
	s->swap_outs = counter(&mm->count.swap_outs);
	s->migrations = counter(&mm->count.migrations);
	s->discards = counter(&mm->count.discards);
	s->iptes = counter(&mm->count.iptes);
	s->notifications = counter(&mm->count.notifications);
	s->unlinks = counter(&mm->count.unlinks);
	s->lock_drops = counter(&mm->count.lock_drops);
}
