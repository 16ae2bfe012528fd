// SPDX-License-Identifier: GPL-2.0
/*
 * Guest address spaces: lifecycle, segment mapping, translation, linking and
 * fault resolution.
 *
 * The gmap's own region and segment tables come from the block pool; the index
 * of each table's descriptor records the first guest address it maps, which is
 * how __gmap_segment_gaddr() turns a segment-entry pointer back into an address.
 * Segment entries point at the host mm's page tables: the PTE level is shared.
 */
#include <errno.h>

#include <gmap/alloc.h>

#include "core/alloc_internal.h"
#include "dat/table_internal.h"
#include "enabled.h"
#include "shadow_internal.h"

/* Declared, with why it is initial-exec, in enabled.h (the model must be repeated here). */
__thread struct gmap *enabled_gmap __attribute__((visibility("hidden"), tls_model("initial-exec")));
/* The last gmap sequence number handed out. */
static atomic_ulong last_seqno;

static const struct mm_gmap_ops gmap_mm_ops = {
	.ptep_notify = ptep_notify,
	.unlink = gmap_unlink,
};

static struct ulmap *ulmap_new(void)
{
	struct ulmap *m = gm_malloc_at(GM_SITE_GMAP_ULMAP, sizeof(*m));

	if (m && ulmap_init(m)) {
		gm_free(m);
		m = NULL;
	}
	return m;
}

static void ulmap_free(struct ulmap *m)
{
	if (m) {
		ulmap_destroy(m);
		gm_free(m);
	}
}

static struct rangemap *rangemap_new(void)
{
	/* Aligned so that each line holds two whole cache slots (rangemap.h). */
	struct rangemap *m = gm_aligned_alloc_at(GM_SITE_GMAP_RANGEMAP, 64, sizeof(*m));

	if (m && rangemap_init(m)) {
		gm_free(m);
		m = NULL;
	}
	return m;
}

static void rangemap_free(struct rangemap *m)
{
	if (m) {
		rangemap_destroy(m);
		gm_free(m);
	}
}

/* ASCE type and highest address for a limit, as the kernel chooses them. */
static void asce_for_limit(unsigned long limit, unsigned long *atype, unsigned long *etype,
			   unsigned long *end)
{
	if (limit < _REGION3_SIZE) {
		*end = _REGION3_SIZE - 1;
		*atype = _ASCE_TYPE_SEGMENT;
		*etype = _SEGMENT_ENTRY_EMPTY;
	} else if (limit < _REGION2_SIZE) {
		*end = _REGION2_SIZE - 1;
		*atype = _ASCE_TYPE_REGION3;
		*etype = _REGION3_ENTRY_EMPTY;
	} else if (limit < _REGION1_SIZE) {
		*end = _REGION1_SIZE - 1;
		*atype = _ASCE_TYPE_REGION2;
		*etype = _REGION2_ENTRY_EMPTY;
	} else {
		*end = -1UL;
		*atype = _ASCE_TYPE_REGION1;
		*etype = _REGION1_ENTRY_EMPTY;
	}
}

struct gmap *gmap_alloc(unsigned long limit)
{
	unsigned long atype, etype, end;
	struct gmap *gmap = gm_zalloc_at(GM_SITE_GMAP_STRUCT, sizeof(*gmap));

	if (!gmap)
		return NULL;
	asce_for_limit(limit, &atype, &etype, &end);
	CDS_INIT_LIST_HEAD(&gmap->list);
	CDS_INIT_LIST_HEAD(&gmap->children);
	spin_lock_init(&gmap->guest_table_lock);
	spin_lock_init(&gmap->shadow_lock);
	atomic_init(&gmap->ref_count, 1);
	gmap->guest_to_host = rangemap_new();
	gmap->host_to_guest = ulmap_new();
	gmap->host_to_rmap = ulmap_new();
	gmap->table = crst_table_alloc_at(GM_SITE_GMAP_TOP_TABLE, etype);
	if (!gmap->guest_to_host || !gmap->host_to_guest || !gmap->host_to_rmap || !gmap->table) {
		gmap_free(gmap);
		return NULL;
	}
	page_desc(gmap->table)->index = 0;
	gmap->asce = atype | _ASCE_TABLE_LENGTH | _ASCE_USER_BITS | (unsigned long)gmap->table;
	gmap->asce_end = end;
	gmap->seqno = atomic_fetch_add_explicit(&last_seqno, 1, memory_order_relaxed) + 1;
	return gmap;
}

struct gmap *gmap_create(struct mm_struct *mm, unsigned long limit)
{
	struct gmap *gmap;

	if (!mm)
		return NULL;
	gmap = gmap_alloc(limit);
	if (!gmap)
		return NULL;
	gmap->mm = mm;
	gmap->mm_ref = true;
	mmgrab(mm);
	mm_set_gmap_ops(mm, &gmap_mm_ops);
	mm_gmap_list_add(mm, &gmap->list);
	return gmap;
}

/*
 * Free the region and segment tables below @table (of level @level). Page tables
 * belong to the host mm and are never freed here.
 */
static void gmap_free_crst(unsigned long *table, int level)
{
	unsigned long e;

	if (level > DAT_LEVEL_SEGMENT) {
		for (unsigned long i = 0; i < _CRST_ENTRIES; i++) {
			e = table[i];
			if (!(e & _REGION_ENTRY_INVALID))
				gmap_free_crst((unsigned long *)(e & _REGION_ENTRY_ORIGIN),
					       level - 1);
		}
	}
	/* vCPUs walk gmap tables without locks: free after a grace period. */
	crst_table_free_rcu(table);
}

void gmap_free(struct gmap *gmap)
{
	struct gmap *parent;

	if (!gmap)
		return;
	parent = gmap->parent;
	if (parent && gmap->host_to_rmap)
		gmap_shadow_free(gmap);
	if (gmap->table) {
		if (!(gmap_is_shadow(gmap) && gmap->removed))
			gmap_flush_tlb(gmap);
		gmap_free_crst(gmap->table, (int)((gmap->asce & _ASCE_TYPE_MASK) >> 2) + 1);
	}
	rangemap_free(gmap->guest_to_host);
	link_cache_free(gmap->link_cache);
	ulmap_free(gmap->host_to_guest);
	ulmap_free(gmap->host_to_rmap);
	spin_lock_destroy(&gmap->guest_table_lock);
	spin_lock_destroy(&gmap->shadow_lock);
	if (gmap->mm_ref)
		mmdrop(gmap->mm);
	gm_free(gmap);
	/* A shadow held a reference to its parent. */
	gmap_put(parent);
}

struct gmap *gmap_get(struct gmap *gmap)
{
	if (gmap)
		atomic_fetch_add_explicit(&gmap->ref_count, 1, memory_order_relaxed);
	return gmap;
}

void gmap_put(struct gmap *gmap)
{
	if (gmap && atomic_fetch_sub_explicit(&gmap->ref_count, 1, memory_order_acq_rel) == 1)
		gmap_free(gmap);
}

static void clear_segment_entry(unsigned long key, unsigned long entry, void *arg)
{
	(void)key;
	(void)arg;
	gmap_entry_publish((unsigned long *)entry, _SEGMENT_ENTRY_EMPTY);
}

/*
 * Unmap every segment of a gmap that is being removed and refuse new mappings:
 * threads that still have it enabled and gmap_get() holders keep a valid
 * structure but reach no host memory through it, which the host (no longer
 * telling this gmap about its changes) could take away under them.
 */
static void gmap_unmap_all(struct gmap *gmap)
{
	mmap_write_lock(gmap->mm);
	gmap->removed = true;
	rangemap_clear(gmap->guest_to_host, NULL, NULL);
	spin_lock(&gmap->guest_table_lock);
	ulmap_clear(gmap->host_to_guest, clear_segment_entry, NULL);
	if (gmap->link_cache)
		link_cache_clear(gmap->link_cache);
	spin_unlock(&gmap->guest_table_lock);
	mmap_write_unlock(gmap->mm);
	gmap_flush_tlb(gmap);
}

void gmap_remove(struct gmap *gmap)
{
	struct gmap *sg, *next;
	struct mm_struct *mm;

	if (!gmap)
		return;
	/*
	 * Drop the shadows of this gmap. One that a vCPU still holds must not
	 * keep translating: nothing will tell it about host changes any more.
	 */
	spin_lock(&gmap->shadow_lock);
	cds_list_for_each_entry_safe(sg, next, &gmap->children, list)
	{
		spin_lock(&sg->guest_table_lock);
		gmap_unshadow(sg);
		spin_unlock(&sg->guest_table_lock);
		cds_list_del_init(&sg->list);
		gmap_put(sg);
	}
	spin_unlock(&gmap->shadow_lock);
	mm = gmap->mm;
	if (mm) {
		gmap_unmap_all(gmap);
		mm_gmap_list_del(mm, &gmap->list);
		/* No lock-free walker of the gmap list may still see it. */
		gm_synchronize_rcu();
	}
	gmap_put(gmap);
}

void gmap_enable(struct gmap *gmap)
{
	struct gmap *old = enabled_gmap;

	enabled_gmap = gmap_get(gmap);
	gmap_put(old);
}

void gmap_disable(struct gmap *gmap)
{
	struct gmap *old = enabled_gmap;

	(void)gmap;
	enabled_gmap = NULL;
	gmap_put(old);
}

struct gmap *gmap_get_enabled(void)
{
	return enabled_gmap;
}

/* Context: any; @entry is in a table of a gmap the caller holds a reference on. */
unsigned long __gmap_segment_gaddr(unsigned long *entry)
{
	unsigned long offset = (((unsigned long)entry / sizeof(*entry)) & (_CRST_ENTRIES - 1));

	return page_desc(entry)->index + offset * _SEGMENT_SIZE;
}

/* The guest segment of @gaddr is being unlinked. Context: mmap_lock held for writing. */
static void forget_link(struct gmap *gmap, unsigned long gaddr)
{
	if (gmap->link_cache)
		link_cache_drop(gmap->link_cache, gaddr >> _SEGMENT_SHIFT);
}

/* Context: mmap_lock held for writing; takes gmap->guest_table_lock. */
int __gmap_unlink_by_vmaddr(struct gmap *gmap, unsigned long vmaddr)
{
	unsigned long entry, gaddr = 0;
	int flush = 0;

	spin_lock(&gmap->guest_table_lock);
	if (ulmap_delete(gmap->host_to_guest, vmaddr >> PMD_SHIFT, &entry)) {
		flush = *(unsigned long *)entry != _SEGMENT_ENTRY_EMPTY;
		gaddr = __gmap_segment_gaddr((unsigned long *)entry);
		forget_link(gmap, gaddr);
		gmap_entry_publish((unsigned long *)entry, _SEGMENT_ENTRY_EMPTY);
	}
	spin_unlock(&gmap->guest_table_lock);
	/* Shadow entries built through this segment must not outlive the link. */
	if (flush)
		gmap_shadow_segment_gone(gmap, vmaddr & PMD_MASK, gaddr);
	return flush;
}

/*
 * Unlink the linked host segments of [vmaddr, vmaddr + len) by scanning
 * host_to_guest once: O(linked segments), for ranges larger than that.
 */
static int unlink_host_scan(struct gmap *gmap, unsigned long vmaddr, unsigned long len)
{
	struct ulmap_node *list, *n, *next;
	unsigned long *entry;
	int flush = 0;

	spin_lock(&gmap->guest_table_lock);
	list = ulmap_extract(gmap->host_to_guest, vmaddr >> PMD_SHIFT, (vmaddr + len) >> PMD_SHIFT);
	for (n = list; n; n = n->next) {
		entry = (unsigned long *)n->val;
		/* Remember the guest segment (bit 0: it was linked) for after the lock. */
		n->val = *entry != _SEGMENT_ENTRY_EMPTY ? __gmap_segment_gaddr(entry) | 1 : 0;
		forget_link(gmap, __gmap_segment_gaddr(entry));
		gmap_entry_publish(entry, _SEGMENT_ENTRY_EMPTY);
	}
	spin_unlock(&gmap->guest_table_lock);
	for (n = list; n; n = next) {
		next = n->next;
		if (n->val & 1) {
			flush = 1;
			gmap_shadow_segment_gone(gmap, n->key << PMD_SHIFT, n->val & ~1UL);
		}
		gm_free(n);
	}
	return flush;
}

/*
 * Unlink every host segment of [vmaddr, vmaddr + len) that host_to_guest holds,
 * as __gmap_unlink_by_vmaddr() each would: one lookup per segment when the range
 * is small against what is linked, one scan of what is linked otherwise, so the
 * cost follows min(segments, linked segments) and not the size of the mapping.
 * Context: mmap_lock held for writing (nothing links meanwhile).
 */
static int unlink_host_range(struct gmap *gmap, unsigned long vmaddr, unsigned long len)
{
	unsigned long linked = ulmap_count(gmap->host_to_guest);
	int flush = 0;

	if (!linked)
		return 0;
	if ((len >> PMD_SHIFT) > 2 * linked + 16)
		return unlink_host_scan(gmap, vmaddr, len);
	for (unsigned long off = 0; off < len; off += PMD_SIZE)
		flush |= __gmap_unlink_by_vmaddr(gmap, vmaddr + off);
	return flush;
}

struct unmap_ctx {
	struct gmap *gmap;
	int flush;
};

/* A piece of guest_to_host went: its host segments lose their links. */
static void unlink_piece(unsigned long start, unsigned long end, unsigned long vmaddr, void *arg)
{
	struct unmap_ctx *c = arg;

	c->flush |= unlink_host_range(c->gmap, vmaddr, end - start);
}

/*
 * Unmap [to, to + len), using @pre's nodes or the spare to split a mapping that
 * covers more. Context: mmap_lock held for writing. Returns 0, or -ENOMEM with
 * nothing changed when a split found neither (the allocator refused twice).
 */
static int unmap_range(struct gmap *gmap, unsigned long to, unsigned long len,
		       struct rangemap_preload *pre, int *flush)
{
	struct unmap_ctx c = { .gmap = gmap };
	int rc = rangemap_remove(gmap->guest_to_host, to, to + len, unlink_piece, &c, pre);

	*flush |= c.flush;
	return rc;
}

static int unmap_range_preload(struct gmap *gmap, unsigned long to, unsigned long len, int *flush)
{
	struct rangemap_preload pre;
	int rc;

	/* A refusal here is covered by the spare node. */
	rangemap_preload(gmap->guest_to_host, &pre, 1);
	rc = unmap_range(gmap, to, len, &pre, flush);
	rangemap_preload_end(gmap->guest_to_host, &pre);
	return rc;
}

/* Context: mmap_lock held for writing. */
int __gmap_unmap_by_gaddr(struct gmap *gmap, unsigned long gaddr)
{
	int flush = 0;

	gaddr &= PMD_MASK;
	if (gaddr + PMD_SIZE) /* the last segment of 2^64 is never mapped */
		unmap_range_preload(gmap, gaddr, PMD_SIZE, &flush);
	return flush;
}

/* Common checks of map/unmap: 1 MiB aligned, not empty, no wrap-around. */
static bool segment_range_ok(unsigned long addr, unsigned long len)
{
	return !((addr | len) & ~PMD_MASK) && len && addr + len > addr;
}

int gmap_unmap_segment(struct gmap *gmap, unsigned long to, unsigned long len)
{
	int flush = 0, rc;

	if (!gmap || gmap_is_shadow(gmap) || !gmap->mm || !segment_range_ok(to, len))
		return -EINVAL;
	mmap_write_lock(gmap->mm);
	rc = unmap_range_preload(gmap, to, len, &flush);
	mmap_write_unlock(gmap->mm);
	if (flush)
		gmap_flush_tlb(gmap);
	return rc;
}

int gmap_map_segment(struct gmap *gmap, unsigned long from, unsigned long to, unsigned long len)
{
	struct rangemap_preload pre;
	int flush = 0, rc;

	if (!gmap || gmap_is_shadow(gmap) || !gmap->mm)
		return -EINVAL;
	if (!segment_range_ok(from, len) || !segment_range_ok(to, len))
		return -EINVAL;
	if (from + len > TASK_SIZE_MAX || to + len - 1 > gmap->asce_end)
		return -EINVAL;
	mmap_write_lock(gmap->mm);
	if (gmap->removed) {
		mmap_write_unlock(gmap->mm);
		return -EINVAL;
	}
	/* Two nodes: one to split an old mapping around the new one, one for the new. */
	rc = rangemap_preload(gmap->guest_to_host, &pre, 2);
	/* The old mappings go first; on -ENOMEM that is all, as the seed documents. */
	unmap_range(gmap, to, len, &pre, &flush);
	if (!rc)
		rc = rangemap_insert(gmap->guest_to_host, to, to + len, from, &pre);
	rangemap_preload_end(gmap->guest_to_host, &pre);
	mmap_write_unlock(gmap->mm);
	if (flush)
		gmap_flush_tlb(gmap);
	return rc;
}

/* Context: mmap_lock held (for reading is enough). */
unsigned long __gmap_translate(struct gmap *gmap, unsigned long gaddr)
{
	unsigned long vmaddr;

	if (!rangemap_lookup(gmap->guest_to_host, gaddr, &vmaddr))
		return (unsigned long)-EFAULT;
	return vmaddr;
}

/*
 * The miss: under mmap_lock for reading, filling guest_to_host's cache; and the
 * lock-free lookup with rangemap_cache_hook called, for the tests.
 */
static __attribute__((noinline)) unsigned long gmap_translate_slow(struct gmap *gmap,
								   unsigned long gaddr)
{
	unsigned long rc;

	if (rangemap_cache_hook && rangemap_lookup_cached_hooked(gmap->guest_to_host, gaddr, &rc))
		return rc;
	mmap_read_lock(gmap->mm);
	if (!rangemap_lookup_fill(gmap->guest_to_host, gaddr, &rc))
		rc = (unsigned long)-EFAULT;
	mmap_read_unlock(gmap->mm);
	return rc;
}

/*
 * Without a lock when guest_to_host's cache holds the range (rangemap.h: each of
 * its slots is a sequence lock, emptied by every unmap under mmap_lock for
 * writing). Everything else is a function of its own, so that a hit saves no
 * registers and makes no call.
 */
unsigned long gmap_translate(struct gmap *gmap, unsigned long gaddr)
{
	unsigned long rc;

	if (!gmap || !gmap->mm)
		return (unsigned long)-EFAULT;
	if (__builtin_expect(!rangemap_cache_hook, 1) &&
	    __rangemap_lookup_cached(gmap->guest_to_host, gaddr, &rc, false))
		return rc;
	return gmap_translate_slow(gmap, gaddr);
}

/* Context: mmap_lock held for writing (the host frees @table). */
void gmap_unlink(struct mm_struct *mm, unsigned long *table, unsigned long vmaddr)
{
	struct gmap *gmap;

	(void)table;
	gm_rcu_read_lock();
	gm_list_for_each_entry_rcu(gmap, mm_gmap_list(mm), list)
	{
		if (__gmap_unlink_by_vmaddr(gmap, vmaddr))
			gmap_flush_tlb(gmap);
	}
	gm_rcu_read_unlock();
}

/* Make *@table (invalid) point at a new table of @init entries that maps from @gaddr. */
static int gmap_alloc_table(struct gmap *gmap, unsigned long *table, unsigned long init,
			    unsigned long gaddr)
{
	unsigned long *new = crst_table_alloc_at(GM_SITE_GMAP_LINK_TABLE, init);

	if (!new)
		return -ENOMEM;
	page_desc(new)->index = gaddr;
	spin_lock(&gmap->guest_table_lock);
	if (*table & _REGION_ENTRY_INVALID) {
		gmap_entry_publish(table, (unsigned long)new | _REGION_ENTRY_LENGTH |
						  (*table & _REGION_ENTRY_TYPE_MASK));
		new = NULL;
	}
	spin_unlock(&gmap->guest_table_lock);
	crst_table_free(new);
	return 0;
}

/* Walk down from the top table to the segment entry of @gaddr, allocating tables. */
static unsigned long *gmap_segment_entry_alloc(struct gmap *gmap, unsigned long gaddr)
{
	static const unsigned long empty_below[] = { 0, 0, _SEGMENT_ENTRY_EMPTY,
						     _REGION3_ENTRY_EMPTY, _REGION2_ENTRY_EMPTY };
	int level = (int)((gmap->asce & _ASCE_TYPE_MASK) >> 2) + 1;
	unsigned long *table = gmap->table;
	unsigned int shift;

	for (; level > DAT_LEVEL_SEGMENT; level--) {
		shift = _SEGMENT_SHIFT + 11 * (unsigned int)(level - 1);
		table += (gaddr >> shift) & 0x7ff;
		if ((gmap_entry_load(table) & _REGION_ENTRY_INVALID) &&
		    gmap_alloc_table(gmap, table, empty_below[level],
				     gaddr & ~((1UL << shift) - 1)))
			return NULL;
		table = (unsigned long *)(gmap_entry_load(table) & _REGION_ENTRY_ORIGIN);
	}
	return table + dat_sx(gaddr);
}

/* The gmap's current link cache, or NULL before its first link. */
static struct link_cache *link_cache_of(struct gmap *gmap)
{
	return __atomic_load_n(&gmap->link_cache, __ATOMIC_ACQUIRE);
}

/*
 * The gmap's link cache, made now if it has none yet or replaced by a larger one
 * if it is too small for @links links; NULL if that failed. Context: mmap_lock held.
 */
static struct link_cache *link_cache_install(struct gmap *gmap, struct link_cache *cur,
					     unsigned long links)
{
	struct link_cache *c;

	if (cur && !link_cache_wants_growth(cur, links))
		return cur;
	c = link_cache_alloc(cur ? cur->shift + 2 : LINK_CACHE_MIN_SHIFT, cur);
	if (!c)
		return NULL;
	/*
	 * Faults of other threads (mmap_lock for reading) may install one too. The
	 * replaced cache stays, chained to the new one: they may still read it.
	 */
	if (!__atomic_compare_exchange_n(&gmap->link_cache, &cur, c, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		c->retired = NULL;
		link_cache_free(c);
		c = cur;
	}
	return c;
}

/*
 * Whether the cache says that the segment of @gaddr is linked to the host page
 * table of @vmaddr's segment (the page table's index is the segment it maps, and
 * it stays installed while linked): then the host segment entry of @vmaddr is
 * valid and __gmap_link() has nothing to do, without a walk on either side.
 */
static bool linked_here(const struct link_cache *cache, unsigned long gaddr, unsigned long vmaddr)
{
	unsigned long *pt = cache ? link_cache_lookup(cache, gaddr >> _SEGMENT_SHIFT) : NULL;

	return pt && page_desc(pt)->index == (vmaddr & _SEGMENT_MASK);
}

/* Context: mmap_lock held; takes mm->page_table_lock, then gmap->guest_table_lock. */
int __gmap_link(struct gmap *gmap, unsigned long gaddr, unsigned long vmaddr)
{
	unsigned long *table, *pmd, linked;
	struct ulmap_preload pre;
	struct link_cache *cache;
	struct mm_struct *mm;
	spinlock_t *ptl;
	int rc;

	if (!gmap || gmap_is_shadow(gmap) || !gmap->mm)
		return -EINVAL;
	if (gaddr > gmap->asce_end || gmap->removed)
		return -EFAULT;
	/*
	 * Already linked, the common case of a fault on a populated page: nothing to
	 * walk or preload. Only unlinking, under mmap_lock for writing, could change that.
	 */
	cache = link_cache_of(gmap);
	if (linked_here(cache, gaddr, vmaddr))
		return 0;
	mm = gmap->mm;
	table = gmap_segment_entry_alloc(gmap, gaddr);
	if (!table)
		return -ENOMEM;
	pmd = mm_segment_entry(mm, vmaddr);
	if (!pmd || (*pmd & _SEGMENT_ENTRY_INVALID))
		return -EFAULT;
	linked = gmap_entry_load(table);
	if (linked != _SEGMENT_ENTRY_EMPTY) {
		if (cache)
			link_cache_fill(cache, gaddr >> _SEGMENT_SHIFT,
					(unsigned long *)(linked & _SEGMENT_ENTRY_ORIGIN));
		return 0;
	}
	cache = link_cache_install(gmap, cache, ulmap_count(gmap->host_to_guest) + 1);
	if (!cache)
		return -ENOMEM;
	rc = ulmap_preload(gmap->host_to_guest, &pre);
	if (rc)
		return rc;
	/* Lock order: host segment (pmd) lock, then the gmap's table lock. */
	ptl = pmd_lock(mm, pmd);
	spin_lock(&gmap->guest_table_lock);
	if (*table == _SEGMENT_ENTRY_EMPTY) {
		rc = ulmap_insert(gmap->host_to_guest, vmaddr >> PMD_SHIFT, (unsigned long)table,
				  &pre);
		if (!rc) {
			gmap_entry_publish(table, *pmd & _SEGMENT_ENTRY_HARDWARE_BITS);
			link_cache_fill(cache, gaddr >> _SEGMENT_SHIFT,
					(unsigned long *)(*pmd & _SEGMENT_ENTRY_ORIGIN));
		} else
			rc = -EFAULT; /* this host segment is linked to another guest segment */
	}
	spin_unlock(&gmap->guest_table_lock);
	spin_unlock(ptl);
	ulmap_preload_end(&pre);
	return rc;
}

/*
 * A linked segment names the host page table of the segment it maps: let the
 * host fault take it instead of walking the host tables. Context: mmap_lock held.
 */
static void hint_page_table(struct gmap *gmap, unsigned long gaddr)
{
	struct link_cache *cache = link_cache_of(gmap);

	mm_pte_table_hint(gmap->mm,
			  cache ? link_cache_lookup(cache, gaddr >> _SEGMENT_SHIFT) : NULL);
}

int gmap_fault(struct gmap *gmap, unsigned long gaddr, unsigned int fault_flags)
{
	unsigned long vmaddr;
	bool unlocked;
	int rc;

	if (!gmap || gmap_is_shadow(gmap) || !gmap->mm || (fault_flags & ~FAULT_FLAG_WRITE))
		return -EINVAL;
	mmap_read_lock(gmap->mm);
	do {
		unlocked = false;
		vmaddr = __gmap_translate(gmap, gaddr);
		if (IS_ERR_VALUE(vmaddr)) {
			rc = -EFAULT;
			break;
		}
		hint_page_table(gmap, gaddr);
		rc = fixup_user_fault(gmap->mm, vmaddr, fault_flags, &unlocked);
		if (rc) {
			/* A host I/O error is the host's: the caller may retry. */
			rc = rc == -ENOMEM || rc == -EIO ? rc : -EFAULT;
			break;
		}
		/* mmap_lock was dropped: the guest mapping may have changed. */
	} while (unlocked);
	mm_pte_table_hint(gmap->mm, NULL);
	if (!rc)
		rc = __gmap_link(gmap, gaddr, vmaddr);
	mmap_read_unlock(gmap->mm);
	return rc;
}

int gmap_discard(struct gmap *gmap, unsigned long from, unsigned long to)
{
	unsigned long gaddr = from, start, end, vmaddr;

	if (!gmap || gmap_is_shadow(gmap) || !gmap->mm || from > to || ((from | to) & ~PAGE_MASK))
		return -EINVAL;
	mmap_read_lock(gmap->mm);
	/* From mapped range to mapped range: the cost follows the ranges, not to - from. */
	while (gaddr < to && rangemap_next(gmap->guest_to_host, gaddr, &start, &end, &vmaddr) &&
	       start < to) {
		if (gaddr < start)
			gaddr = start;
		if (end > to)
			end = to;
		vmaddr += gaddr - start;
		mm_discard_mapped(gmap->mm, vmaddr, vmaddr + (end - gaddr));
		gaddr = end;
	}
	mmap_read_unlock(gmap->mm);
	return 0;
}
