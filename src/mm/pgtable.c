// SPDX-License-Identifier: GPL-2.0
/*
 * Host DAT tables and the PTE primitives.
 *
 * The host tables are a region-third table (the mm's ASCE; a region-second table
 * above it once a mapping reached beyond 4 TiB), segment tables and 4 KiB page
 * tables from the page pool whose second half holds the PGSTEs.
 * Upper levels are populated under mm->page_table_lock with tables allocated
 * before taking it; they are published with release stores so that lock-free
 * walkers (the DAT unit) see initialised tables.
 *
 * Every PTE change goes through ptep_xchg_notify(): PGSTE lock bit, one-shot
 * notification of armed IN/VSIE bits, invalidation of a valid old PTE with a
 * purge of every TLB listener, then the store of the new value.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include <gmap/alloc.h>

#include "mm_internal.h"

static void entry_publish(unsigned long *entry, unsigned long val)
{
	__atomic_store_n(entry, val, __ATOMIC_RELEASE);
}

static unsigned long entry_load(const unsigned long *entry)
{
	return __atomic_load_n(entry, __ATOMIC_ACQUIRE);
}

static bool mm_grown(const struct mm_struct *mm)
{
	return (mm->asce & _ASCE_TYPE_MASK) == _ASCE_TYPE_REGION2;
}

/* The end of the address space the mm's tables reach now. */
unsigned long mm_table_limit(const struct mm_struct *mm)
{
	return mm_grown(mm) ? _REGION1_SIZE : _REGION2_SIZE;
}

/* The region-third table for @addr, or NULL if there is none. */
static unsigned long *region3_table(struct mm_struct *mm, unsigned long addr)
{
	unsigned long r2e;

	if (addr >= mm_table_limit(mm))
		return NULL;
	if (!mm_grown(mm))
		return mm->pgd;
	r2e = entry_load(&mm->pgd[dat_rsx(addr)]);
	if (r2e & _REGION_ENTRY_INVALID)
		return NULL;
	return (unsigned long *)(r2e & _REGION_ENTRY_ORIGIN);
}

/* Context: mmap_lock held. */
unsigned long *mm_segment_table_next(struct mm_struct *mm, unsigned long addr, unsigned long *next)
{
	unsigned long *r3t = region3_table(mm, addr), r3e;

	if (!r3t) {
		*next = addr >= mm_table_limit(mm) ? 0 : (addr & _REGION2_MASK) + _REGION2_SIZE;
		return NULL;
	}
	r3e = entry_load(&r3t[dat_rtx(addr)]);
	if (r3e & _REGION_ENTRY_INVALID) {
		*next = (addr & _REGION3_MASK) + _REGION3_SIZE;
		return NULL;
	}
	return (unsigned long *)(r3e & _REGION_ENTRY_ORIGIN);
}

static unsigned long *segment_table(struct mm_struct *mm, unsigned long addr)
{
	unsigned long next;

	return mm_segment_table_next(mm, addr, &next);
}

/* Context: mmap_lock held for writing; @upper is a region-second table (consumed). */
void mm_grow_tables(struct mm_struct *mm, unsigned long *upper)
{
	entry_publish(&upper[0], (unsigned long)mm->pgd | _REGION2_ENTRY);
	spin_lock(&mm->page_table_lock);
	mm->pgd = upper;
	__atomic_store_n(&mm->asce, (unsigned long)upper | _ASCE_TYPE_REGION2 | _ASCE_TABLE_LENGTH,
			 __ATOMIC_RELEASE);
	spin_unlock(&mm->page_table_lock);
	mm_count(&mm->count.crst_tables, 1);
}

/* Context: mmap_lock held. */
unsigned long *mm_segment_entry(struct mm_struct *mm, unsigned long addr)
{
	unsigned long *sgt;

	if (addr >= TASK_SIZE)
		return NULL;
	sgt = segment_table(mm, addr);
	return sgt ? &sgt[dat_sx(addr)] : NULL;
}

pte_t *mm_pte_lookup(struct mm_struct *mm, unsigned long addr)
{
	unsigned long *ste = mm_segment_entry(mm, addr), e;

	if (!ste)
		return NULL;
	e = entry_load(ste);
	if (e & _SEGMENT_ENTRY_INVALID)
		return NULL;
	return (pte_t *)((unsigned long *)(e & _SEGMENT_ENTRY_ORIGIN) + dat_px(addr));
}

/* Context: mmap_lock held, so that no page table is freed during the walk. */
unsigned long mm_lookup_pte(struct mm_struct *mm, unsigned long addr)
{
	pte_t *ptep = mm ? mm_pte_lookup(mm, addr) : NULL;

	return ptep ? pte_load(ptep) : _PAGE_INVALID;
}

/* Context: mmap_lock held, so that no page table is freed during the walk. */
unsigned long mm_lookup_pgste(struct mm_struct *mm, unsigned long addr)
{
	pte_t *ptep = mm ? mm_pte_lookup(mm, addr) : NULL;

	return ptep ? __atomic_load_n(pgste_of(&ptep->pte), __ATOMIC_ACQUIRE) : 0;
}

/* Make sure the region-second entry for @addr (grown mm) points at a region-third table. */
static int region3_table_alloc(struct mm_struct *mm, unsigned long addr)
{
	unsigned long *r3t, *r2e = &mm->pgd[dat_rsx(addr)];

	if (!mm_grown(mm) || !(entry_load(r2e) & _REGION_ENTRY_INVALID))
		return 0;
	r3t = crst_table_alloc_at(GM_SITE_MM_R3T, _REGION3_ENTRY_EMPTY);
	if (!r3t)
		return -ENOMEM;
	spin_lock(&mm->page_table_lock);
	if (*r2e & _REGION_ENTRY_INVALID) {
		entry_publish(r2e, (unsigned long)r3t | _REGION2_ENTRY);
		mm_count(&mm->count.crst_tables, 1);
		r3t = NULL;
	}
	spin_unlock(&mm->page_table_lock);
	crst_table_free(r3t);
	return 0;
}

/* Make sure the region-third entry for @addr points at a segment table. */
static int segment_table_alloc(struct mm_struct *mm, unsigned long addr)
{
	unsigned long *sgt, *r3e;

	if (addr >= mm_table_limit(mm) || region3_table_alloc(mm, addr))
		return -ENOMEM;
	r3e = &region3_table(mm, addr)[dat_rtx(addr)];
	if (!(entry_load(r3e) & _REGION_ENTRY_INVALID))
		return 0;
	sgt = crst_table_alloc_at(GM_SITE_MM_SGT, _SEGMENT_ENTRY_EMPTY);
	if (!sgt)
		return -ENOMEM;
	spin_lock(&mm->page_table_lock);
	if (*r3e & _REGION_ENTRY_INVALID) {
		entry_publish(r3e, (unsigned long)sgt | _REGION3_ENTRY);
		mm_count(&mm->count.crst_tables, 1);
		sgt = NULL;
	}
	spin_unlock(&mm->page_table_lock);
	crst_table_free(sgt);
	return 0;
}

/* What mm_pte_table_hint() named on this thread. */
static __thread struct {
	struct mm_struct *mm;
	unsigned long *pt;
	unsigned long unlinks; /* mm->count.unlinks then: no page table freed since */
} pt_hint;

/* Context: mmap_lock held; @pt designated by a valid segment entry of @mm. */
void mm_pte_table_hint(struct mm_struct *mm, unsigned long *pt)
{
	pt_hint.mm = pt ? mm : NULL;
	pt_hint.pt = pt;
	if (pt)
		pt_hint.unlinks = atomic_load_explicit(&mm->count.unlinks, memory_order_relaxed);
}

/*
 * The PTE of @addr through the hinted page table, or NULL. Every page table is
 * freed through mm_free_page_table(), which counts it: with the count unchanged
 * the hinted table is still installed, at the segment its index names.
 * Context: mmap_lock held.
 */
static pte_t *hinted_pte(struct mm_struct *mm, unsigned long addr)
{
	if (pt_hint.mm != mm ||
	    atomic_load_explicit(&mm->count.unlinks, memory_order_relaxed) != pt_hint.unlinks ||
	    page_desc(pt_hint.pt)->index != (addr & _SEGMENT_MASK))
		return NULL;
	return (pte_t *)(pt_hint.pt + dat_px(addr));
}

pte_t *mm_pte_alloc(struct mm_struct *mm, unsigned long addr)
{
	unsigned long *ste, *pt;
	pte_t *ptep;

	if (addr >= TASK_SIZE)
		return NULL;
	/* The page table exists, the common case: one walk, or none with a hint. */
	ptep = hinted_pte(mm, addr);
	if (!ptep)
		ptep = mm_pte_lookup(mm, addr);
	if (ptep)
		return ptep;
	if (segment_table_alloc(mm, addr))
		return NULL;
	ste = mm_segment_entry(mm, addr);
	if (entry_load(ste) & _SEGMENT_ENTRY_INVALID) {
		pt = page_table_alloc_pgste_at(GM_SITE_MM_PGT);
		if (!pt)
			return NULL;
		page_desc(pt)->index = addr & _SEGMENT_MASK;
		spin_lock(&mm->page_table_lock);
		if (*ste & _SEGMENT_ENTRY_INVALID) {
			entry_publish(ste, (unsigned long)pt | _SEGMENT_ENTRY);
			mm_count(&mm->count.page_tables, 1);
			pt = NULL;
		}
		spin_unlock(&mm->page_table_lock);
		if (pt)
			page_table_free_pgste(pt);
	}
	return mm_pte_lookup(mm, addr);
}

void mm_free_page_table(struct mm_struct *mm, unsigned long *ste, unsigned long vmaddr)
{
	unsigned long *table = (unsigned long *)(*ste & _SEGMENT_ENTRY_ORIGIN);
	const struct mm_gmap_ops *ops = atomic_load(&mm->gmap_ops);

	/* The gmaps forget the table before it goes, as pte_free_tlb() tells them. */
	if (ops && ops->unlink)
		ops->unlink(mm, table, vmaddr & _SEGMENT_MASK);
	mm_count(&mm->count.unlinks, 1);
	spin_lock(&mm->page_table_lock);
	entry_publish(ste, _SEGMENT_ENTRY_EMPTY);
	spin_unlock(&mm->page_table_lock);
	mm_count(&mm->count.page_tables, -1);
	page_table_free_pgste_rcu(table);
}

/* Free the segment and page tables below region-third table @r3t, which maps from @base. */
static void free_region3(struct mm_struct *mm, unsigned long *r3t, unsigned long base)
{
	unsigned long *sgt;

	for (unsigned long r = 0; r < _CRST_ENTRIES; r++) {
		if (r3t[r] & _REGION_ENTRY_INVALID)
			continue;
		sgt = (unsigned long *)(r3t[r] & _REGION_ENTRY_ORIGIN);
		for (unsigned long s = 0; s < _CRST_ENTRIES; s++)
			if (!(sgt[s] & _SEGMENT_ENTRY_INVALID))
				mm_free_page_table(mm, &sgt[s],
						   base | (r << _REGION3_SHIFT) |
							   (s << _SEGMENT_SHIFT));
		r3t[r] = _REGION3_ENTRY_EMPTY;
		crst_table_free(sgt);
		mm_count(&mm->count.crst_tables, -1);
	}
}

/* Every table below the top one; the top one stays (mm_free() frees it). */
void mm_free_tables(struct mm_struct *mm)
{
	unsigned long *r3t;

	if (!mm_grown(mm)) {
		free_region3(mm, mm->pgd, 0);
		return;
	}
	for (unsigned long r = 0; r < _CRST_ENTRIES; r++) {
		if (mm->pgd[r] & _REGION_ENTRY_INVALID)
			continue;
		r3t = (unsigned long *)(mm->pgd[r] & _REGION_ENTRY_ORIGIN);
		free_region3(mm, r3t, r << _REGION2_SHIFT);
		mm->pgd[r] = _REGION2_ENTRY_EMPTY;
		crst_table_free(r3t);
		mm_count(&mm->count.crst_tables, -1);
	}
}

void mm_for_each_pte_locked(struct mm_struct *mm, unsigned long start, unsigned long end, pte_fn fn,
			    void *arg)
{
	unsigned long addr = start, next, *sgt, ste;
	spinlock_t *ptl;
	pte_t *ptep;

	if (end > TASK_SIZE)
		end = TASK_SIZE;
	while (addr < end) {
		/* Absent tables are skipped whole: the walk follows what exists, not the range. */
		sgt = mm_segment_table_next(mm, addr, &next);
		if (sgt) {
			next = (addr & _SEGMENT_MASK) + _SEGMENT_SIZE;
			ste = entry_load(&sgt[dat_sx(addr)]);
			if (!(ste & _SEGMENT_ENTRY_INVALID)) {
				if (next > end)
					next = end;
				ptep = (pte_t *)((unsigned long *)(ste & _SEGMENT_ENTRY_ORIGIN) +
						 dat_px(addr));
				/* One lock round per page table, not per PTE. */
				ptl = pte_lockptr(mm, ptep);
				spin_lock(ptl);
				for (; addr < next; addr += PAGE_SIZE, ptep++)
					fn(mm, addr, ptep, arg);
				spin_unlock(ptl);
			}
		}
		if (next > end || !next)
			next = end;
		addr = next;
	}
}

spinlock_t *pmd_lock(struct mm_struct *mm, unsigned long *pmd)
{
	/* One lock for every host segment and region-third entry, as populating them needs. */
	(void)pmd;
	spin_lock(&mm->page_table_lock);
	return &mm->page_table_lock;
}

/* Context: mmap_lock held, so that @ptep's table stays. */
spinlock_t *pte_lockptr(struct mm_struct *mm, pte_t *ptep)
{
	(void)mm;
	return &page_desc(ptep)->ptl;
}

/* Context: mmap_lock held, so that @ptep's table stays. */
unsigned long pte_table_vmaddr(pte_t *ptep)
{
	return page_desc(ptep)->index;
}

/* Context: mmap_lock held, no spinlock; returns with *@ptl held. */
pte_t *get_locked_pte(struct mm_struct *mm, unsigned long addr, spinlock_t **ptl)
{
	pte_t *ptep = mm_pte_alloc(mm, addr);

	if (!ptep)
		return NULL;
	*ptl = pte_lockptr(mm, ptep);
	spin_lock(*ptl);
	return ptep;
}

/* Context: @ptl held, from get_locked_pte(). */
void pte_unmap_unlock(pte_t *ptep, spinlock_t *ptl)
{
	(void)ptep;
	spin_unlock(ptl);
}

/* ---- PGSTE lock ---------------------------------------------------------------------------- */

/* Context: the page-table lock of @ptep's table held (a shadow's guest_table_lock). */
unsigned long pgste_get_lock(pte_t *ptep)
{
	unsigned long *pgste = pgste_of(&ptep->pte), old;

	for (;;) {
		old = __atomic_fetch_or(pgste, PGSTE_PCL_BIT, __ATOMIC_ACQUIRE);
		if (!(old & PGSTE_PCL_BIT))
			return old | PGSTE_PCL_BIT;
		/* The holder may be preempted: give it the core. */
		while (__atomic_load_n(pgste, __ATOMIC_RELAXED) & PGSTE_PCL_BIT)
			sched_yield();
	}
}

/* Context: @ptep's PGSTE lock held. */
void pgste_set_unlock(pte_t *ptep, unsigned long pgste)
{
	__atomic_store_n(pgste_of(&ptep->pte), pgste & ~PGSTE_PCL_BIT, __ATOMIC_RELEASE);
}

/* ---- TLB listeners ------------------------------------------------------------------------- */

/*
 * The listener set is RCU-published and copied to add a listener. Removal never
 * allocates: it clears the listener's slot in place (readers skip empty slots),
 * and the next registration's copy leaves the empty slots out.
 */

static void call_listeners(struct tlb_listener_set *set, struct mm_struct *mm, unsigned long addr,
			   pte_t *ptep, unsigned long asce, bool ipte)
{
	struct mm_tlb_listener *l;

	for (unsigned int i = 0; set && i < set->n; i++) {
		l = atomic_load_explicit(&set->l[i], memory_order_acquire);
		if (l && ipte)
			l->ipte(l, mm, addr, ptep);
		else if (l)
			l->flush_all(l, mm, asce);
	}
	/* Slots only empty in place: these are some of the listeners called above. */
	for (unsigned int i = 0; set && i < set->n; i++) {
		l = atomic_load_explicit(&set->l[i], memory_order_acquire);
		if (l && l->sync)
			l->sync(l, mm);
	}
}

void mm_tlb_ipte(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	mm_count(&mm->count.iptes, 1);
	/*
	 * The IPTE half of the Dekker pairing with mm_register_tlb_listener(): the
	 * invalid PTE was stored before this fence, the listeners are read after it.
	 */
	atomic_thread_fence(memory_order_seq_cst);
	/* No listener: skip the read-side section (a TLS lookup in liburcu-bp). */
	if (!atomic_load_explicit(&mm->tlb, memory_order_relaxed))
		return;
	gm_rcu_read_lock();
	call_listeners(atomic_load_explicit(&mm->tlb, memory_order_acquire), mm, addr, ptep, 0,
		       true);
	gm_rcu_read_unlock();
}

void mm_flush_asce(struct mm_struct *mm, unsigned long asce)
{
	if (!mm)
		return;
	gm_rcu_read_lock();
	call_listeners(atomic_load_explicit(&mm->tlb, memory_order_acquire), mm, 0, NULL, asce,
		       false);
	gm_rcu_read_unlock();
}

static void free_listener_set(struct rcu_head *head)
{
	rcu_takeover(head);
	gm_free(caa_container_of(head, struct tlb_listener_set, rcu));
}

/* Free @set after a grace period; NULL is ignored. */
static void retire_listener_set(struct tlb_listener_set *set)
{
	if (set) {
		rcu_handoff(&set->rcu);
		call_rcu(&set->rcu, free_listener_set);
	}
}

/* Listeners in the slots of @set; called with mm->tlb_lock held. */
static unsigned int live_listeners(struct tlb_listener_set *set)
{
	unsigned int n = 0;

	for (unsigned int i = 0; set && i < set->n; i++)
		n += atomic_load_explicit(&set->l[i], memory_order_relaxed) != NULL;
	return n;
}

/*
 * Lock mm->tlb_lock with a set of room for the current listeners and one more in
 * *@fresh. Allocates outside the lock and tries again (a loop, bounded by the
 * registrations that race with it) if the set grew meanwhile. 0 or -ENOMEM.
 */
static int lock_with_room(struct mm_struct *mm, struct tlb_listener_set **fresh)
{
	unsigned int room = 0, need;

	*fresh = NULL;
	for (;;) {
		spin_lock(&mm->tlb_lock);
		need = live_listeners(mm->tlb) + 1;
		if (*fresh && need <= room)
			return 0;
		spin_unlock(&mm->tlb_lock);
		gm_free(*fresh);
		*fresh = gm_malloc_at(GM_SITE_MM_TLB_LISTENERS,
				      sizeof(**fresh) + need * sizeof((*fresh)->l[0]));
		if (!*fresh)
			return -ENOMEM;
		room = need;
	}
}

int mm_register_tlb_listener(struct mm_struct *mm, struct mm_tlb_listener *l)
{
	struct tlb_listener_set *old, *fresh;
	struct mm_tlb_listener *o;

	if (!mm || !l)
		return -EINVAL;
	if (lock_with_room(mm, &fresh))
		return -ENOMEM;
	old = mm->tlb;
	fresh->n = 0;
	for (unsigned int i = 0; old && i < old->n; i++) {
		o = atomic_load_explicit(&old->l[i], memory_order_relaxed);
		if (o)
			atomic_init(&fresh->l[fresh->n++], o);
	}
	atomic_init(&fresh->l[fresh->n++], l);
	/*
	 * A release store of our own: rcu_assign_pointer() stores inside liburcu,
	 * where TSan cannot see that the set was filled in before it was published.
	 */
	atomic_store_explicit(&mm->tlb, fresh, memory_order_release);
	spin_unlock(&mm->tlb_lock);
	retire_listener_set(old);
	/* The registering half of the Dekker pairing with mm_tlb_ipte(). */
	atomic_thread_fence(memory_order_seq_cst);
	return 0;
}

void mm_unregister_tlb_listener(struct mm_struct *mm, struct mm_tlb_listener *l)
{
	struct tlb_listener_set *set, *retired = NULL;

	if (!mm)
		return;
	spin_lock(&mm->tlb_lock);
	set = mm->tlb;
	for (unsigned int i = 0; set && i < set->n; i++)
		if (atomic_load_explicit(&set->l[i], memory_order_relaxed) == l)
			atomic_store_explicit(&set->l[i], NULL, memory_order_relaxed);
	if (set && !live_listeners(set)) {
		atomic_store_explicit(&mm->tlb, NULL, memory_order_release);
		retired = set;
	}
	spin_unlock(&mm->tlb_lock);
	retire_listener_set(retired);
	/* A purge that read @l from its slot before it was cleared has finished. */
	gm_synchronize_rcu();
}

void mm_set_gmap_ops(struct mm_struct *mm, const struct mm_gmap_ops *ops)
{
	if (mm)
		atomic_store(&mm->gmap_ops, ops);
}

void mm_allow_gmap_hpage_1m(struct mm_struct *mm)
{
	if (mm)
		__atomic_store_n(&mm->context.allow_gmap_hpage_1m, true, __ATOMIC_RELAXED);
}

bool mm_gmap_hpage_1m(struct mm_struct *mm)
{
	return mm && __atomic_load_n(&mm->context.allow_gmap_hpage_1m, __ATOMIC_RELAXED);
}

/* ---- the exchange primitive ---------------------------------------------------------------- */

/* Clear armed notify bits and tell the gmaps, before the PTE changes. */
static unsigned long pgste_pte_notify(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
				      unsigned long pgste)
{
	unsigned long bits = pgste & (PGSTE_IN_BIT | PGSTE_VSIE_BIT);
	const struct mm_gmap_ops *ops;

	if (!bits)
		return pgste;
	pgste ^= bits;
	ops = atomic_load(&mm->gmap_ops);
	mm_count(&mm->count.notifications, 1);
	if (ops && ops->ptep_notify)
		ops->ptep_notify(mm, addr & PAGE_MASK, ptep, bits);
	return pgste;
}

/* Invalidate a valid PTE and purge it from every TLB (IPTE). */
static void ptep_flush_direct(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	unsigned long old = ptep->pte;

	if (old & _PAGE_INVALID)
		return;
	__atomic_store_n(&ptep->pte, old | _PAGE_INVALID, __ATOMIC_SEQ_CST);
	mm_tlb_ipte(mm, addr & PAGE_MASK, ptep);
}

pte_t ptep_xchg_notify(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t new,
		       bool notify)
{
	unsigned long pgste = pgste_get_lock(ptep);
	pte_t old = *ptep;

	if (notify)
		pgste = pgste_pte_notify(mm, addr, ptep, pgste);
	ptep_flush_direct(mm, addr, ptep);
	__atomic_store_n(&ptep->pte, pte_val(new), __ATOMIC_RELEASE);
	pgste_set_unlock(ptep, pgste);
	return old;
}

/* Context: mmap_lock and @ptep's page-table lock held. */
pte_t ptep_xchg_direct(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t new)
{
	return ptep_xchg_notify(mm, addr, ptep, new, true);
}

/* Context: mmap_lock and @ptep's page-table lock held. */
int ptep_force_prot(struct mm_struct *mm, unsigned long addr, pte_t *ptep, int prot,
		    unsigned long bit)
{
	unsigned long pgste = pgste_get_lock(ptep), pte = ptep->pte;
	bool invalid = pte & _PAGE_INVALID, protected = pte & _PAGE_PROTECT;

	if ((invalid && prot != PROT_NONE) || (protected && (prot & PROT_WRITE))) {
		pgste_set_unlock(ptep, pgste);
		return -EAGAIN;
	}
	if (prot == PROT_NONE && !invalid) {
		ptep_flush_direct(mm, addr, ptep);
	} else if (prot == PROT_READ && !protected) {
		ptep_flush_direct(mm, addr, ptep);
		__atomic_store_n(&ptep->pte, (pte & ~_PAGE_INVALID) | _PAGE_PROTECT,
				 __ATOMIC_RELEASE);
	}
	pgste |= bit & (PGSTE_IN_BIT | PGSTE_VSIE_BIT);
	pgste_set_unlock(ptep, pgste);
	return 0;
}

/* Context: @sptep's page-table lock and the shadow's guest_table_lock held. */
int ptep_shadow_pte(struct mm_struct *mm, unsigned long saddr, pte_t *sptep, pte_t *tptep,
		    pte_t pte)
{
	unsigned long spgste, tpgste, spte, tpte;
	int rc = -EAGAIN;

	(void)mm;
	(void)saddr;
	if (!(pte_load(tptep) & _PAGE_INVALID))
		return 0;
	spgste = pgste_get_lock(sptep);
	spte = sptep->pte;
	if (!(spte & _PAGE_INVALID) &&
	    !((spte & _PAGE_PROTECT) && !(pte_val(pte) & _PAGE_PROTECT))) {
		spgste |= PGSTE_VSIE_BIT;
		tpgste = pgste_get_lock(tptep);
		tpte = (spte & PAGE_MASK) | (pte_val(pte) & _PAGE_PROTECT);
		__atomic_store_n(&tptep->pte, tpte, __ATOMIC_RELEASE);
		pgste_set_unlock(tptep, tpgste);
		rc = 1;
	}
	pgste_set_unlock(sptep, spgste);
	return rc;
}

/* Context: the shadow's guest_table_lock held. */
void ptep_unshadow_pte(struct mm_struct *mm, unsigned long saddr, pte_t *ptep)
{
	unsigned long pgste = pgste_get_lock(ptep);

	ptep_flush_direct(mm, saddr, ptep);
	__atomic_store_n(&ptep->pte, _PAGE_INVALID, __ATOMIC_RELEASE);
	pgste_set_unlock(ptep, pgste);
}

/* Context: mmap_lock and @ptep's page-table lock held. */
void ptep_set_notify(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	unsigned long pgste = pgste_get_lock(ptep);

	(void)mm;
	(void)addr;
	pgste_set_unlock(ptep, pgste | PGSTE_IN_BIT);
}
