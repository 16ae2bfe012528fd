// SPDX-License-Identifier: GPL-2.0
/*
 * Table walks, pte operations, invalidation notifiers and protection.
 *
 * A notifier is armed on a host PTE through its PGSTE (PGSTE_IN_BIT). When the
 * host changes that PTE, the mm's exchange primitive clears the bit and calls
 * ptep_notify(), which maps the host address back to every gmap that links it
 * and calls the registered notifiers with the guest page.
 */
#include <endian.h>
#include <errno.h>

#include "shadow_internal.h"

static CDS_LIST_HEAD(gmap_notifier_list);
static DEFINE_SPINLOCK(gmap_notifier_lock);

void gmap_register_pte_notifier(struct gmap_notifier *nb)
{
	spin_lock(&gmap_notifier_lock);
	gm_list_add_rcu(&nb->list, &gmap_notifier_list);
	spin_unlock(&gmap_notifier_lock);
}

void gmap_unregister_pte_notifier(struct gmap_notifier *nb)
{
	spin_lock(&gmap_notifier_lock);
	gm_list_del_rcu(&nb->list);
	spin_unlock(&gmap_notifier_lock);
	gm_synchronize_rcu();
}

/* Context: any; the callbacks run with the caller's locks held. */
void gmap_call_notifier(struct gmap *gmap, unsigned long start, unsigned long end)
{
	struct gmap_notifier *nb;

	gm_rcu_read_lock();
	gm_list_for_each_entry_rcu(nb, &gmap_notifier_list, list)
		nb->notifier_call(gmap, start, end);
	gm_rcu_read_unlock();
}

/* Context: mmap_lock held (level 0 is in a host page table); shadows: guest_table_lock. */
unsigned long *gmap_table_walk(struct gmap *gmap, unsigned long gaddr, int level)
{
	const unsigned long asce_type = gmap->asce & _ASCE_TYPE_MASK;
	int top = (int)(asce_type >> 2) + 1, l;
	unsigned long *table = gmap->table, e;

	if (gmap_is_shadow(gmap) && gmap->removed)
		return NULL;
	if (level < DAT_LEVEL_PTE || level > top)
		return NULL;
	/* Beyond the reach of the ASCE; a region-first ASCE reaches everything. */
	if (asce_type != _ASCE_TYPE_REGION1 && (gaddr >> (31 + (asce_type >> 2) * 11)))
		return NULL;
	for (l = top; l > DAT_LEVEL_SEGMENT; l--) {
		table += (gaddr >> (_SEGMENT_SHIFT + 11 * (unsigned int)(l - 1))) & 0x7ff;
		if (l == level)
			return table;
		e = gmap_entry_load(table);
		if (e & _REGION_ENTRY_INVALID)
			return NULL;
		table = (unsigned long *)(e & _REGION_ENTRY_ORIGIN);
	}
	table += dat_sx(gaddr);
	if (level == DAT_LEVEL_SEGMENT)
		return table;
	e = gmap_entry_load(table);
	if (e & _SEGMENT_ENTRY_INVALID)
		return NULL;
	return (unsigned long *)(e & _SEGMENT_ENTRY_ORIGIN) + dat_px(gaddr);
}

/* Context: mmap_lock held; returns with *@ptl held. */
pte_t *gmap_pte_op_walk(struct gmap *gmap, unsigned long gaddr, spinlock_t **ptl)
{
	unsigned long *table;
	pte_t *ptep;

	if (gmap_is_shadow(gmap))
		spin_lock(&gmap->guest_table_lock);
	table = gmap_table_walk(gmap, gaddr, DAT_LEVEL_SEGMENT);
	if (!table || (gmap_entry_load(table) & _SEGMENT_ENTRY_INVALID)) {
		if (gmap_is_shadow(gmap))
			spin_unlock(&gmap->guest_table_lock);
		return NULL;
	}
	ptep = (pte_t *)((unsigned long *)(*table & _SEGMENT_ENTRY_ORIGIN) + dat_px(gaddr));
	if (gmap_is_shadow(gmap)) {
		*ptl = &gmap->guest_table_lock;
		return ptep;
	}
	/* The segment entry points at a host page table: take its lock. */
	*ptl = pte_lockptr(gmap->mm, ptep);
	spin_lock(*ptl);
	return ptep;
}

/* Context: mmap_lock held for reading, no spinlock. */
int gmap_pte_op_fixup(struct gmap *gmap, unsigned long gaddr, unsigned long vmaddr, int prot)
{
	unsigned int fault_flags = prot == PROT_WRITE ? FAULT_FLAG_WRITE : 0;
	bool unlocked = false;
	int rc;

	if (gmap_is_shadow(gmap))
		return -EINVAL;
	rc = fixup_user_fault(gmap->mm, vmaddr, fault_flags, &unlocked);
	if (rc)
		return rc == -ENOMEM || rc == -EIO ? rc : -EFAULT;
	if (unlocked) /* lost mmap_lock: the caller retries __gmap_translate */
		return 0;
	return __gmap_link(gmap, gaddr, vmaddr);
}

/* Context: @ptl held, from gmap_pte_op_walk(). */
void gmap_pte_op_end(spinlock_t *ptl)
{
	spin_unlock(ptl);
}

/* The host address that @ptep (in a host page table) maps for guest page @gaddr. */
static unsigned long ptep_vmaddr(pte_t *ptep, unsigned long gaddr)
{
	return pte_table_vmaddr(ptep) | (gaddr & ~PMD_MASK & PAGE_MASK);
}

/* The PGSTE bits that stand for the GMAP_NOTIFY_* bits of the gmap API (the mm's language). */
static unsigned long notify_pgste_bits(unsigned long bits)
{
	return (bits & GMAP_NOTIFY_MPROT ? PGSTE_IN_BIT : 0) |
	       (bits & GMAP_NOTIFY_SHADOW ? PGSTE_VSIE_BIT : 0);
}

/* Context: @ptep's page-table lock held, no shadow's guest_table_lock. */
void gmap_pte_restrict_notify(struct mm_struct *mm, unsigned long vmaddr, pte_t *ptep, int prot)
{
	unsigned long pte = __atomic_load_n(&ptep->pte, __ATOMIC_ACQUIRE);
	unsigned long pgste = __atomic_load_n(pgste_of(&ptep->pte), __ATOMIC_ACQUIRE);

	if (!(pgste & PGSTE_VSIE_BIT) || (pte & _PAGE_INVALID))
		return;
	if (prot == PROT_NONE)
		ptep_xchg_direct(mm, vmaddr, ptep, __pte(pte | _PAGE_INVALID));
	else if (prot == PROT_READ && !(pte & _PAGE_PROTECT))
		ptep_xchg_direct(mm, vmaddr, ptep, __pte(pte | _PAGE_PROTECT));
}

/*
 * Give every page of [gaddr, gaddr + len) the protection @prot and arm the
 * notifications @bits (GMAP_NOTIFY_MPROT and/or GMAP_NOTIFY_SHADOW), faulting
 * pages in and linking them as needed. mmap_lock held for reading.
 */
int gmap_protect_range(struct gmap *gmap, unsigned long gaddr, unsigned long len, int prot,
		       unsigned long bits)
{
	unsigned long vmaddr, pbits = notify_pgste_bits(bits);
	spinlock_t *ptl;
	pte_t *ptep;
	int rc;

	while (len) {
		rc = -EAGAIN;
		ptep = gmap_pte_op_walk(gmap, gaddr, &ptl);
		if (ptep) {
			gmap_pte_restrict_notify(gmap->mm, ptep_vmaddr(ptep, gaddr), ptep, prot);
			rc = ptep_force_prot(gmap->mm, ptep_vmaddr(ptep, gaddr), ptep, prot, pbits);
			gmap_pte_op_end(ptl);
		}
		if (rc) {
			vmaddr = __gmap_translate(gmap, gaddr);
			if (IS_ERR_VALUE(vmaddr))
				return (int)(long)vmaddr;
			rc = gmap_pte_op_fixup(gmap, gaddr, vmaddr, prot);
			if (rc)
				return rc;
			continue;
		}
		gaddr += PAGE_SIZE;
		len -= PAGE_SIZE;
	}
	return 0;
}

int gmap_mprotect_notify(struct gmap *gmap, unsigned long gaddr, unsigned long len, int prot)
{
	int rc;

	if (!gmap || gmap_is_shadow(gmap) || !gmap->mm || ((gaddr | len) & ~PAGE_MASK))
		return -EINVAL;
	if (prot != PROT_NONE && prot != PROT_READ && prot != PROT_WRITE)
		return -EINVAL;
	if (gaddr + len < gaddr)
		return -EINVAL;
	mmap_read_lock(gmap->mm);
	rc = gmap_protect_range(gmap, gaddr, len, prot, GMAP_NOTIFY_MPROT);
	mmap_read_unlock(gmap->mm);
	return rc;
}

/* Context: mmap_lock held for reading. */
int gmap_read_table(struct gmap *gmap, unsigned long gaddr, unsigned long *val)
{
	unsigned long vmaddr, pte;
	spinlock_t *ptl;
	pte_t *ptep;
	int rc;

	if (!gmap || gmap_is_shadow(gmap) || !gmap->mm || !val || (gaddr & 7))
		return -EINVAL;
	for (;;) {
		rc = -EAGAIN;
		ptep = gmap_pte_op_walk(gmap, gaddr, &ptl);
		if (ptep) {
			pte = ptep->pte;
			/* Software bits only: the hardware may see the page invalid. */
			if ((pte & _PAGE_PRESENT) && (pte & _PAGE_READ)) {
				*val = be64toh(__atomic_load_n(
					(unsigned long *)((pte & PAGE_MASK) | (gaddr & ~PAGE_MASK)),
					__ATOMIC_RELAXED));
				rc = 0;
			}
			gmap_pte_op_end(ptl);
		}
		if (!rc)
			return 0;
		vmaddr = __gmap_translate(gmap, gaddr);
		if (IS_ERR_VALUE(vmaddr))
			return (int)(long)vmaddr;
		rc = gmap_pte_op_fixup(gmap, gaddr, vmaddr, PROT_READ);
		if (rc)
			return rc;
	}
}

/* A page of @gmap that shadows were built from is about to change. */
static void notify_shadows(struct gmap *gmap, unsigned long vmaddr, unsigned long gaddr, pte_t *pte)
{
	struct gmap *sg, *next;

	spin_lock(&gmap->shadow_lock);
	cds_list_for_each_entry_safe(sg, next, &gmap->children, list)
		gmap_shadow_notify(sg, vmaddr, gaddr, pte);
	spin_unlock(&gmap->shadow_lock);
}

/* Context: mmap_lock, @pte's page-table lock and PGSTE lock held. */
void ptep_notify(struct mm_struct *mm, unsigned long vmaddr, pte_t *pte, unsigned long bits)
{
	/* The page's offset in its 1 MiB segment, from the PTE's index in its table. */
	unsigned long offset = (((unsigned long)pte / sizeof(pte_t)) & (_PAGE_ENTRIES - 1))
			       << PAGE_SHIFT;
	unsigned long entry, gaddr;
	struct gmap *gmap;
	bool linked;

	gm_rcu_read_lock();
	gm_list_for_each_entry_rcu(gmap, mm_gmap_list(mm), list)
	{
		spin_lock(&gmap->guest_table_lock);
		linked = ulmap_lookup(gmap->host_to_guest, vmaddr >> PMD_SHIFT, &entry);
		if (linked)
			gaddr = __gmap_segment_gaddr((unsigned long *)entry) + offset;
		spin_unlock(&gmap->guest_table_lock);
		if (!linked)
			continue;
		if (bits & PGSTE_VSIE_BIT)
			notify_shadows(gmap, vmaddr, gaddr, pte);
		if (bits & PGSTE_IN_BIT)
			gmap_call_notifier(gmap, gaddr, gaddr + PAGE_SIZE - 1);
	}
	gm_rcu_read_unlock();
}
