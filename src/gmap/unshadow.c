// SPDX-License-Identifier: GPL-2.0
/*
 * Tearing shadow tables down: per entry (through the reverse maps, when the
 * guest-2 page they were built from changes), per subtree, and whole.
 *
 * Everything here runs with sg->guest_table_lock held. Entries are recognised
 * by their origin, not by their invalid bit, so that entries still being built
 * ("origin set + INVALID") are torn down too; their builder then finds the
 * entry changed and answers -EAGAIN. Tables are unhooked, the TLBs purged, and
 * only then freed, after an RCU grace period, because vCPUs walk shadow tables
 * without locks.
 */
#include <gmap/alloc.h>

#include "shadow_internal.h"

/* Table levels: the size of what one entry of @level maps. */
static unsigned long level_size(int level)
{
	return level == DAT_LEVEL_PTE ? PAGE_SIZE
				      : 1UL << (_SEGMENT_SHIFT + 11 * (unsigned int)(level - 1));
}

/* Context: the owning sg->guest_table_lock held. */
void gmap_idte_one(unsigned long asce, unsigned long vaddr)
{
	unsigned long *table = (unsigned long *)(asce & _ASCE_ORIGIN);
	int level = asce_top_level(asce);
	struct gmap *sg;

	if (!table)
		return;
	__atomic_fetch_or(table + ((vaddr / level_size(level)) & (_CRST_ENTRIES - 1)),
			  _REGION_ENTRY_INVALID, __ATOMIC_SEQ_CST);
	sg = page_desc(table)->owner;
	if (sg)
		gmap_flush_tlb(sg);
}

/* Context: sg->guest_table_lock held. */
void gmap_unshadow_page(struct gmap *sg, unsigned long raddr)
{
	pte_t *ptep;

	if (!sg || !gmap_is_shadow(sg))
		return;
	ptep = (pte_t *)gmap_table_walk(sg, raddr, DAT_LEVEL_PTE);
	if (!ptep || (__atomic_load_n(&ptep->pte, __ATOMIC_ACQUIRE) & _PAGE_INVALID))
		return;
	gmap_call_notifier(sg, raddr & PAGE_MASK, (raddr & PAGE_MASK) + PAGE_SIZE - 1);
	ptep_unshadow_pte(sg->mm, raddr & PAGE_MASK, ptep);
	shadow_count_add(&shadow_count.unshadow_page, 1);
}

/* Context: sg->guest_table_lock held. */
void __gmap_unshadow_pgt(struct gmap *sg, unsigned long raddr, unsigned long *pgt)
{
	(void)sg;
	(void)raddr;
	for (unsigned long i = 0; i < _PAGE_ENTRIES; i++)
		__atomic_store_n(&pgt[i], _PAGE_INVALID, __ATOMIC_RELEASE);
}

/*
 * Free a shadow page table that no entry points at any more and whose TLBs were
 * purged (IDTE, or the whole shadow's purge). Its 256 PTEs are not invalidated
 * one by one as __gmap_unshadow_pgt() would: a walker that reached the table
 * before it was unhooked started from a purge state that the purge changed, so
 * its access starts over whatever it reads here (the vCPU's copy window), and
 * nothing else can reach the table. That store loop was 85 % of unshadowing a
 * segment table (bench_shadow).
 */
static void shadow_pgt_free(struct gmap *sg, unsigned long raddr, unsigned long *pgt)
{
	(void)raddr;
	(void)sg;
	page_table_free_pgste_rcu(pgt);
	shadow_count_add(&shadow_count.tables_live, -1);
	shadow_count_add(&shadow_count.unshadow_pgt, 1);
}

/*
 * Unhook the table below the entry of @raddr at @level (walk, notify, IDTE,
 * empty the entry). Returns the table, or NULL if there is none.
 */
static unsigned long *shadow_unhook(struct gmap *sg, unsigned long raddr, int level,
				    unsigned long empty)
{
	unsigned long *entry, *table, size = level_size(level);

	if (!sg || !gmap_is_shadow(sg))
		return NULL;
	raddr &= ~(size - 1);
	entry = gmap_table_walk(sg, raddr, level);
	if (!entry || !(gmap_entry_load(entry) & _REGION_ENTRY_ORIGIN))
		return NULL;
	gmap_call_notifier(sg, raddr, raddr + size - 1);
	table = entry - ((raddr / size) & (_CRST_ENTRIES - 1));
	gmap_idte_one((unsigned long)table | ((unsigned long)(level - 1) << 2), raddr);
	table = (unsigned long *)(gmap_entry_load(entry) & _REGION_ENTRY_ORIGIN);
	gmap_entry_publish(entry, empty);
	return table;
}

/* Context: sg->guest_table_lock held. */
void gmap_unshadow_pgt(struct gmap *sg, unsigned long raddr)
{
	unsigned long *pgt = shadow_unhook(sg, raddr, DAT_LEVEL_SEGMENT, _SEGMENT_ENTRY_EMPTY);

	if (pgt)
		shadow_pgt_free(sg, raddr & _SEGMENT_MASK, pgt);
}

/* Context: sg->guest_table_lock held. */
void __gmap_unshadow_sgt(struct gmap *sg, unsigned long raddr, unsigned long *sgt)
{
	unsigned long e;

	raddr &= _REGION3_MASK;
	for (unsigned long i = 0; i < _CRST_ENTRIES; i++, raddr += _SEGMENT_SIZE) {
		e = gmap_entry_load(&sgt[i]);
		if (!(e & _SEGMENT_ENTRY_ORIGIN))
			continue;
		gmap_entry_publish(&sgt[i], _SEGMENT_ENTRY_EMPTY);
		shadow_pgt_free(sg, raddr, (unsigned long *)(e & _SEGMENT_ENTRY_ORIGIN));
	}
}

/* Empty @table (of the entries of @level) with @inner, then free it after a grace period. */
static void shadow_crst_free(struct gmap *sg, unsigned long raddr, unsigned long *table,
			     void (*inner)(struct gmap *, unsigned long, unsigned long *),
			     atomic_ulong *counter)
{
	inner(sg, raddr, table);
	crst_table_free_rcu(table);
	shadow_count_add(&shadow_count.tables_live, -1);
	shadow_count_add(counter, 1);
}

/* Context: sg->guest_table_lock held. */
void gmap_unshadow_sgt(struct gmap *sg, unsigned long raddr)
{
	unsigned long *sgt = shadow_unhook(sg, raddr, DAT_LEVEL_REGION3, _REGION3_ENTRY_EMPTY);

	if (sgt)
		shadow_crst_free(sg, raddr, sgt, __gmap_unshadow_sgt, &shadow_count.unshadow_sgt);
}

/* Empty every entry of a region table of @level whose subtree @inner empties. */
static void unshadow_region_entries(struct gmap *sg, unsigned long raddr, unsigned long *table,
				    int level, unsigned long empty,
				    void (*inner)(struct gmap *, unsigned long, unsigned long *),
				    atomic_ulong *counter)
{
	unsigned long size = level_size(level), e;

	raddr &= ~(size * _CRST_ENTRIES - 1);
	for (unsigned long i = 0; i < _CRST_ENTRIES; i++, raddr += size) {
		e = gmap_entry_load(&table[i]);
		if (!(e & _REGION_ENTRY_ORIGIN))
			continue;
		gmap_entry_publish(&table[i], empty);
		shadow_crst_free(sg, raddr, (unsigned long *)(e & _REGION_ENTRY_ORIGIN), inner,
				 counter);
	}
}

/* Context: sg->guest_table_lock held. */
void __gmap_unshadow_r3t(struct gmap *sg, unsigned long raddr, unsigned long *r3t)
{
	unshadow_region_entries(sg, raddr, r3t, DAT_LEVEL_REGION3, _REGION3_ENTRY_EMPTY,
				__gmap_unshadow_sgt, &shadow_count.unshadow_sgt);
}

/* Context: sg->guest_table_lock held. */
void gmap_unshadow_r3t(struct gmap *sg, unsigned long raddr)
{
	unsigned long *r3t = shadow_unhook(sg, raddr, DAT_LEVEL_REGION2, _REGION2_ENTRY_EMPTY);

	if (r3t)
		shadow_crst_free(sg, raddr, r3t, __gmap_unshadow_r3t, &shadow_count.unshadow_r3t);
}

/* Context: sg->guest_table_lock held. */
void __gmap_unshadow_r2t(struct gmap *sg, unsigned long raddr, unsigned long *r2t)
{
	unshadow_region_entries(sg, raddr, r2t, DAT_LEVEL_REGION2, _REGION2_ENTRY_EMPTY,
				__gmap_unshadow_r3t, &shadow_count.unshadow_r3t);
}

/* Context: sg->guest_table_lock held. */
void gmap_unshadow_r2t(struct gmap *sg, unsigned long raddr)
{
	unsigned long *r2t = shadow_unhook(sg, raddr, DAT_LEVEL_REGION1, _REGION1_ENTRY_EMPTY);

	if (r2t)
		shadow_crst_free(sg, raddr, r2t, __gmap_unshadow_r2t, &shadow_count.unshadow_r2t);
}

/* Context: sg->guest_table_lock held. */
void __gmap_unshadow_r1t(struct gmap *sg, unsigned long raddr, unsigned long *r1t)
{
	unshadow_region_entries(sg, raddr, r1t, DAT_LEVEL_REGION1, _REGION1_ENTRY_EMPTY,
				__gmap_unshadow_r2t, &shadow_count.unshadow_r2t);
}

/* Empty the top-level table of @sg, whatever its type. */
static void unshadow_top(struct gmap *sg)
{
	switch (sg->asce & _ASCE_TYPE_MASK) {
	case _ASCE_TYPE_REGION1:
		__gmap_unshadow_r1t(sg, 0, sg->table);
		break;
	case _ASCE_TYPE_REGION2:
		__gmap_unshadow_r2t(sg, 0, sg->table);
		break;
	case _ASCE_TYPE_REGION3:
		__gmap_unshadow_r3t(sg, 0, sg->table);
		break;
	default:
		__gmap_unshadow_sgt(sg, 0, sg->table);
		break;
	}
}

/*
 * Tear down everything below the top-level table of @sg, purging the TLBs
 * before a table is handed to the deferred free (as the per-level unshadows do
 * with IDTE): invalidate every top-level entry first, so that no walk can reach
 * the tables below and refill a TLB after the purge; purge; then empty the
 * entries and free the tables.
 */
static void unshadow_all(struct gmap *sg)
{
	for (unsigned long i = 0; i < _CRST_ENTRIES; i++)
		if (gmap_entry_load(&sg->table[i]) & _REGION_ENTRY_ORIGIN)
			__atomic_fetch_or(&sg->table[i], _REGION_ENTRY_INVALID, __ATOMIC_SEQ_CST);
	gmap_flush_tlb(sg);
	unshadow_top(sg);
}

/* Context: sg->guest_table_lock held. */
void gmap_unshadow(struct gmap *sg)
{
	if (!sg || !gmap_is_shadow(sg) || __atomic_load_n(&sg->removed, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&sg->removed, true, __ATOMIC_RELEASE);
	gmap_call_notifier(sg, 0, -1UL);
	unshadow_all(sg);
}

static void free_rmap_list(unsigned long key, unsigned long head, void *arg)
{
	struct gmap_rmap *rmap = (struct gmap_rmap *)head, *next;

	(void)key;
	(void)arg;
	for (; rmap; rmap = next) {
		next = rmap->next;
		gm_free(rmap);
		shadow_count_add(&shadow_count.rmaps_live, -1);
	}
}

/* Self-test faults: rmaps whose unshadow is skipped on purpose (gmap_shadow_inject_stale()). */
static atomic_uint stale_to_inject;

void gmap_shadow_inject_stale(unsigned int n)
{
	atomic_store(&stale_to_inject, n);
}

static bool inject_stale(void)
{
	unsigned int n = atomic_load_explicit(&stale_to_inject, memory_order_relaxed);

	while (n && !atomic_compare_exchange_weak(&stale_to_inject, &n, n - 1))
		;
	return n != 0;
}

/* Undo the reverse maps of the page of host @vmaddr: each names an entry to tear down. */
static void unshadow_rmaps(struct gmap *sg, unsigned long vmaddr)
{
	struct gmap_rmap *rmap, *next;
	unsigned long head, bits, raddr;

	if (!ulmap_delete(sg->host_to_rmap, vmaddr >> PAGE_SHIFT, &head))
		return;
	for (rmap = (struct gmap_rmap *)head; rmap; rmap = next) {
		next = rmap->next;
		bits = rmap->raddr & _SHADOW_RMAP_MASK;
		raddr = rmap->raddr ^ bits;
		if (inject_stale())
			bits = 0; /* leave the entry stale: the audit must find it */
		switch (bits) {
		case _SHADOW_RMAP_REGION1:
			gmap_unshadow_r2t(sg, raddr);
			break;
		case _SHADOW_RMAP_REGION2:
			gmap_unshadow_r3t(sg, raddr);
			break;
		case _SHADOW_RMAP_REGION3:
			gmap_unshadow_sgt(sg, raddr);
			break;
		case _SHADOW_RMAP_SEGMENT:
			gmap_unshadow_pgt(sg, raddr);
			break;
		case _SHADOW_RMAP_PGTABLE:
			gmap_unshadow_page(sg, raddr);
			break;
		}
		gm_free(rmap);
		shadow_count_add(&shadow_count.rmaps_live, -1);
	}
}

/* Does the page of parent address @gaddr belong to the top-level source table of @sg? */
static bool in_top_level_source(const struct gmap *sg, unsigned long gaddr)
{
	unsigned long start = sg->orig_asce & _ASCE_ORIGIN;
	unsigned long end = start + ((sg->orig_asce & _ASCE_TABLE_LENGTH) + 1) * PAGE_SIZE;

	return !(sg->orig_asce & _ASCE_REAL_SPACE) && gaddr >= start && gaddr < end;
}

/*
 * Context: sg->parent->shadow_lock held (from ptep_notify(): also the parent PTE's
 * page-table lock and PGSTE lock); takes sg->guest_table_lock.
 */
void gmap_shadow_notify(struct gmap *sg, unsigned long vmaddr, unsigned long gaddr, pte_t *pte)
{
	(void)pte;
	if (!sg || !gmap_is_shadow(sg))
		return;
	shadow_count_add(&shadow_count.notifications, 1);
	spin_lock(&sg->guest_table_lock);
	if (sg->removed) {
		spin_unlock(&sg->guest_table_lock);
		return;
	}
	if (in_top_level_source(sg, gaddr)) {
		/* The complete shadow has to go. */
		gmap_unshadow(sg);
		spin_unlock(&sg->guest_table_lock);
		shadow_count_add(&shadow_count.removed, 1);
		if (!cds_list_empty(&sg->list)) {
			cds_list_del_init(&sg->list);
			gmap_put(sg);
		}
		return;
	}
	unshadow_rmaps(sg, vmaddr);
	spin_unlock(&sg->guest_table_lock);
}

void gmap_shadow_segment_gone(struct gmap *parent, unsigned long vmaddr, unsigned long gaddr)
{
	struct gmap *sg, *next;

	spin_lock(&parent->shadow_lock);
	cds_list_for_each_entry_safe(sg, next, &parent->children, list)
	{
		/*
		 * A page of its top-level table removes the shadow and puts the list's
		 * reference, which may be the last: hold one for the remaining pages.
		 */
		gmap_get(sg);
		for (unsigned long off = 0;
		     off < _SEGMENT_SIZE && !__atomic_load_n(&sg->removed, __ATOMIC_ACQUIRE);
		     off += PAGE_SIZE)
			gmap_shadow_notify(sg, vmaddr + off, gaddr + off, NULL);
		gmap_put(sg);
	}
	spin_unlock(&parent->shadow_lock);
}

void gmap_shadow_free(struct gmap *sg)
{
	spin_lock(&sg->guest_table_lock);
	if (!sg->removed) {
		/* Nobody can use it any more: tear down without telling the notifiers. */
		__atomic_store_n(&sg->removed, true, __ATOMIC_RELEASE);
		/* Its ASCE may come back with the next shadow: no TLB may keep it. */
		unshadow_all(sg);
	}
	ulmap_clear(sg->host_to_rmap, free_rmap_list, NULL);
	spin_unlock(&sg->guest_table_lock);
}
