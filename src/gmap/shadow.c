// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow gmaps (vSIE): creation and reuse, the shadow tables level by level,
 * and the reverse maps that tie each shadow entry to the guest-2 page it was
 * built from.
 *
 * A shadow entry is published in two steps under sg->guest_table_lock: first
 * "origin set + INVALID" (being built; walkers treat it as invalid, other
 * builders answer -EAGAIN), then, after the guest-2 source table was
 * write-protected in the parent with PGSTE_VSIE_BIT and an rmap, valid. Every
 * step re-walks the shadow under the lock and answers -EAGAIN when the world
 * moved (the entry was torn down or rebuilt by someone else meanwhile).
 *
 * Lock order (docs/architecture.md, "Shadow gmaps: locking"): parent PTE
 * table lock -> sg->guest_table_lock -> parent PGSTE -> shadow PGSTE.
 */
#include <errno.h>

#include <gmap/alloc.h>

#include "core/alloc_internal.h"
#include "dat/table_internal.h"
#include "shadow_internal.h"

struct shadow_counters shadow_count;
void (*shadow_build_hook)(struct gmap *sg, unsigned long saddr, int level);

#define LOAD(field) atomic_load_explicit(&shadow_count.field, memory_order_relaxed)

void gmap_shadow_get_stats(struct gmap_shadow_stats *st)
{
	if (!st)
		return;
	st->created = LOAD(created);
	st->reused = LOAD(reused);
	st->removed = LOAD(removed);
	st->r1_entries = LOAD(r1_entries);
	st->r2_entries = LOAD(r2_entries);
	st->r3_entries = LOAD(r3_entries);
	st->sg_entries = LOAD(sg_entries);
	st->pg_entries = LOAD(pg_entries);
	st->unshadow_r2t = LOAD(unshadow_r2t);
	st->unshadow_r3t = LOAD(unshadow_r3t);
	st->unshadow_sgt = LOAD(unshadow_sgt);
	st->unshadow_pgt = LOAD(unshadow_pgt);
	st->unshadow_page = LOAD(unshadow_page);
	st->notifications = LOAD(notifications);
	st->rmaps_live = LOAD(rmaps_live);
	st->rmap_duplicates = LOAD(rmap_duplicates);
	st->tables_live = LOAD(tables_live);
}

/* ---- lifecycle --------------------------------------------------------------------------- */

int gmap_shadow_valid(struct gmap *sg, unsigned long asce, int edat_level)
{
	if (!sg || !gmap_is_shadow(sg) || __atomic_load_n(&sg->removed, __ATOMIC_ACQUIRE))
		return 0;
	return sg->orig_asce == asce && sg->edat_level == edat_level;
}

/* Context: @parent->shadow_lock held. */
struct gmap *gmap_find_shadow(struct gmap *parent, unsigned long asce, int edat_level)
{
	struct gmap *sg;

	if (!parent)
		return NULL;
	cds_list_for_each_entry(sg, &parent->children, list)
	{
		if (!gmap_shadow_valid(sg, asce, edat_level))
			continue;
		if (!sg->initialized)
			return ERR_PTR(-EAGAIN);
		return gmap_get(sg);
	}
	return NULL;
}

/* The highest address a shadow of @asce translates (the kernel's formula). */
static unsigned long shadow_limit(unsigned long asce)
{
	if (asce & _ASCE_REAL_SPACE)
		return -1UL;
	return -1UL >> (33 - ((asce & _ASCE_TYPE_MASK) >> 2) * 11);
}

static struct gmap *shadow_alloc(struct gmap *parent, unsigned long asce, int edat_level)
{
	struct gmap *sg = gmap_alloc(shadow_limit(asce));

	if (!sg)
		return NULL;
	sg->mm = parent->mm;
	sg->parent = gmap_get(parent);
	/* Before the shadow is published: a notifier may look at it at once (CVE-2023-52639). */
	sg->private = parent->private;
	sg->orig_asce = asce;
	sg->edat_level = edat_level;
	sg->initialized = false;
	shadow_table_set_origin(sg->table, sg,
				(asce & _ASCE_REAL_SPACE) ? GMAP_SHADOW_FAKE_TABLE
							  : asce & _ASCE_ORIGIN);
	return sg;
}

/* Take @sg off its parent's children list (parent->shadow_lock held) and drop the list's ref. */
static void shadow_unlist(struct gmap *sg)
{
	if (cds_list_empty(&sg->list))
		return;
	cds_list_del_init(&sg->list);
	gmap_put(sg);
}

/*
 * Before a new shadow of @asce is listed (parent->shadow_lock held): drop the
 * children that were removed (they would otherwise stay listed until the parent
 * goes) and, for a real-space ASCE, the one real-space shadow there may be.
 */
static void shadow_prune_children(struct gmap *parent, unsigned long asce)
{
	struct gmap *sg, *next;

	cds_list_for_each_entry_safe(sg, next, &parent->children, list)
	{
		if ((asce & _ASCE_REAL_SPACE) && (sg->orig_asce & _ASCE_REAL_SPACE) &&
		    !__atomic_load_n(&sg->removed, __ATOMIC_ACQUIRE)) {
			spin_lock(&sg->guest_table_lock);
			gmap_unshadow(sg);
			spin_unlock(&sg->guest_table_lock);
			shadow_count_add(&shadow_count.removed, 1);
		}
		if (__atomic_load_n(&sg->removed, __ATOMIC_ACQUIRE) && sg->initialized)
			shadow_unlist(sg);
	}
}

/* Write-protect the top-level guest-2 table pages of @sg in its parent, armed for VSIE. */
static int shadow_protect_top(struct gmap *sg)
{
	struct gmap *parent = sg->parent;
	unsigned long asce = sg->orig_asce;
	int rc;

	mmap_read_lock(parent->mm);
	rc = gmap_protect_range(parent, asce & _ASCE_ORIGIN,
				((asce & _ASCE_TABLE_LENGTH) + 1) * PAGE_SIZE, PROT_READ,
				GMAP_NOTIFY_SHADOW);
	mmap_read_unlock(parent->mm);
	return rc == -ENOMEM || rc == -EIO ? rc : rc ? -EFAULT : 0;
}

/* The shadow of (@asce, @edat_level) is listed or being built: take it, or -EAGAIN. */
static struct gmap *shadow_lookup(struct gmap *parent, unsigned long asce, int edat_level)
{
	struct gmap *sg;

	spin_lock(&parent->shadow_lock);
	sg = gmap_find_shadow(parent, asce, edat_level);
	spin_unlock(&parent->shadow_lock);
	if (sg && !IS_ERR(sg))
		shadow_count_add(&shadow_count.reused, 1);
	return sg;
}

struct gmap *gmap_shadow(struct gmap *parent, unsigned long asce, int edat_level)
{
	struct gmap *sg, *new;
	int rc;

	if (!parent || gmap_is_shadow(parent) || !parent->mm || edat_level < 0 || edat_level > 2)
		return ERR_PTR(-EINVAL);
	/* vSIE over 1 MiB host segments is refused, as KVM_BUG_ON does. */
	if (mm_gmap_hpage_1m(parent->mm))
		return ERR_PTR(-EFAULT);
	sg = shadow_lookup(parent, asce, edat_level);
	if (sg)
		return sg;
	new = shadow_alloc(parent, asce, edat_level);
	if (!new)
		return ERR_PTR(-ENOMEM);
	spin_lock(&parent->shadow_lock);
	sg = gmap_find_shadow(parent, asce, edat_level);
	if (sg) {
		/* Another thread created it meanwhile. */
		spin_unlock(&parent->shadow_lock);
		gmap_free(new);
		if (!IS_ERR(sg))
			shadow_count_add(&shadow_count.reused, 1);
		return sg;
	}
	shadow_prune_children(parent, asce);
	atomic_store(&new->ref_count, 2); /* the children list's and the caller's */
	cds_list_add(&new->list, &parent->children);
	shadow_count_add(&shadow_count.created, 1);
	if (asce & _ASCE_REAL_SPACE) {
		/* Only fake tables: nothing in guest-2 memory to protect. */
		__atomic_store_n(&new->initialized, true, __ATOMIC_RELEASE);
		spin_unlock(&parent->shadow_lock);
		return new;
	}
	spin_unlock(&parent->shadow_lock);
	/* Protect after insertion, so that a concurrent change is seen and removes it. */
	rc = shadow_protect_top(new);
	if (shadow_build_hook)
		shadow_build_hook(new, 0, DAT_LEVEL_ASCE);
	spin_lock(&parent->shadow_lock);
	if (rc) {
		/*
		 * Whoever found it on the list meanwhile must see it invalid, and
		 * removed before it is initialized: never unprotected and valid.
		 */
		spin_lock(&new->guest_table_lock);
		gmap_unshadow(new);
		spin_unlock(&new->guest_table_lock);
	}
	__atomic_store_n(&new->initialized, true, __ATOMIC_RELEASE);
	if (rc)
		shadow_unlist(new);
	spin_unlock(&parent->shadow_lock);
	if (rc) {
		gmap_put(new);
		return ERR_PTR(rc);
	}
	return new;
}

/* ---- reverse maps ------------------------------------------------------------------------- */

/* What gmap_rmap_preload() set aside for the calling thread (radix_tree_preload). */
static __thread struct {
	struct ulmap_preload pre;
	struct gmap *sg;
} rmap_preload;

int gmap_rmap_preload(struct gmap *sg)
{
	int rc;

	if (!sg || !gmap_is_shadow(sg))
		return -EINVAL;
	gmap_rmap_preload_end();
	rc = ulmap_preload(sg->host_to_rmap, &rmap_preload.pre);
	if (!rc)
		rmap_preload.sg = sg;
	return rc;
}

void gmap_rmap_preload_end(void)
{
	if (!rmap_preload.sg)
		return;
	ulmap_preload_end(&rmap_preload.pre);
	rmap_preload.sg = NULL;
}

/* A preload for @sg that still has its node, or a new one. */
static int rmap_preload_kept(struct gmap *sg)
{
	if (rmap_preload.sg == sg && rmap_preload.pre.node)
		return 0;
	return gmap_rmap_preload(sg);
}

static bool rmap_listed(const struct gmap_rmap *head, unsigned long raddr)
{
	for (; head; head = head->next)
		if (head->raddr == raddr)
			return true;
	return false;
}

/*
 * Insert @rmap for the host page of @vmaddr unless the same raddr is listed
 * there already. Returns true if @rmap was taken (inserted, or freed after an
 * unshadow because the map could not grow), false for a duplicate: the caller
 * still owns it. Context: sg->guest_table_lock held.
 */
static bool rmap_insert(struct gmap *sg, unsigned long vmaddr, struct gmap_rmap *rmap)
{
	unsigned long key = vmaddr >> PAGE_SHIFT, *slot;

	slot = ulmap_slot(sg->host_to_rmap, key);
	if (slot) {
		if (rmap_listed((struct gmap_rmap *)*slot, rmap->raddr)) {
			shadow_count_add(&shadow_count.rmap_duplicates, 1);
			return false;
		}
		rmap->next = (struct gmap_rmap *)*slot;
		*slot = (unsigned long)rmap;
		shadow_count_add(&shadow_count.rmaps_live, 1);
		return true;
	}
	rmap->next = NULL;
	if (rmap_preload.sg == sg && rmap_preload.pre.node &&
	    !ulmap_insert(sg->host_to_rmap, key, (unsigned long)rmap, &rmap_preload.pre)) {
		shadow_count_add(&shadow_count.rmaps_live, 1);
		return true;
	}
	/* No node to grow the map with: no entry may stay without its rmap. */
	gm_free(rmap);
	gmap_unshadow(sg);
	return true;
}

/* Context: sg->guest_table_lock held. */
void gmap_insert_rmap(struct gmap *sg, unsigned long vmaddr, struct gmap_rmap *rmap)
{
	if (!sg || !rmap || !gmap_is_shadow(sg))
		return;
	if (!rmap_insert(sg, vmaddr, rmap))
		gm_free(rmap);
}

/* Context: sg->mm's mmap_lock held for reading; takes the shadow's and parent's locks. */
int gmap_protect_rmap(struct gmap *sg, unsigned long raddr, unsigned long paddr, unsigned long len,
		      int prot)
{
	struct gmap_rmap *rmap;
	unsigned long vmaddr;
	struct gmap *parent;
	spinlock_t *ptl;
	pte_t *ptep;
	int rc = 0;

	if (!sg || !gmap_is_shadow(sg) || ((paddr | len) & ~PAGE_MASK))
		return -EINVAL;
	if (prot != PROT_NONE && prot != PROT_READ && prot != PROT_WRITE)
		return -EINVAL;
	parent = sg->parent;
	rmap = NULL;
	while (len) {
		vmaddr = __gmap_translate(parent, paddr);
		if (IS_ERR_VALUE(vmaddr)) {
			rc = (int)(long)vmaddr;
			break;
		}
		/* A duplicate (a rebuild: the page's rmap is listed still) leaves it for the next
		 * page. */
		if (!rmap)
			rmap = gm_malloc_at(GM_SITE_SHADOW_PROTECT_RMAP, sizeof(*rmap));
		if (!rmap) {
			rc = -ENOMEM;
			break;
		}
		rmap->raddr = raddr;
		/* One map node serves the pages whose host page has rmaps already. */
		rc = rmap_preload_kept(sg);
		if (rc)
			break;
		rc = -EAGAIN;
		ptep = gmap_pte_op_walk(parent, paddr, &ptl);
		if (ptep) {
			gmap_pte_restrict_notify(parent->mm, vmaddr, ptep, prot);
			spin_lock(&sg->guest_table_lock);
			rc = ptep_force_prot(parent->mm, vmaddr, ptep, prot, PGSTE_VSIE_BIT);
			if (!rc && rmap_insert(sg, vmaddr, rmap))
				rmap = NULL;
			spin_unlock(&sg->guest_table_lock);
			gmap_pte_op_end(ptl);
		}
		if (rc) {
			rc = gmap_pte_op_fixup(parent, paddr, vmaddr, prot);
			if (rc)
				break;
			continue; /* the same page again */
		}
		paddr += PAGE_SIZE;
		len -= PAGE_SIZE;
	}
	gm_free(rmap);
	gmap_rmap_preload_end();
	return rc;
}

/* ---- shadow tables ------------------------------------------------------------------------ */

/*
 * May the caller build the entry at @table (sg->guest_table_lock held)?
 * 1: yes; 0: it is valid already; -EAGAIN: the walk failed (the shadow or an
 * upper level went away) or someone else is building it (origin + INVALID).
 */
static int shadow_entry_claim(const unsigned long *table)
{
	unsigned long e;

	if (!table)
		return -EAGAIN;
	e = gmap_entry_load(table);
	if (!(e & _REGION_ENTRY_INVALID))
		return 0;
	return (e & _REGION_ENTRY_ORIGIN) ? -EAGAIN : 1;
}

/* Make the in-progress entry of @saddr at @level valid if it still holds @child. */
static int shadow_entry_validate(struct gmap *sg, unsigned long saddr, int level,
				 const unsigned long *child)
{
	unsigned long *table = gmap_table_walk(sg, saddr, level), e;

	if (!table)
		return -EAGAIN;
	e = gmap_entry_load(table);
	if ((e & _REGION_ENTRY_ORIGIN) != (unsigned long)child || !(e & _REGION_ENTRY_INVALID))
		return -EAGAIN;
	gmap_entry_publish(table, e & ~_REGION_ENTRY_INVALID);
	return 0;
}

/* How one region level is shadowed: the entry of @level gets a table of the level below. */
struct shadow_level {
	int level;		  /* level of the shadow entry that is filled */
	unsigned long entry_type; /* its _REGION_ENTRY_TYPE_* */
	unsigned long empty;	  /* initial entries of the new table */
	unsigned long mask;	  /* alignment of the rmap address */
	unsigned long rmap_type;  /* _SHADOW_RMAP_* */
	atomic_ulong *counter;
	void (*unshadow)(struct gmap *sg, unsigned long raddr);
};

/* Region and segment source tables: the pages between TF and TL. */
static void crst_source_range(unsigned long entry, unsigned long *start, unsigned long *len)
{
	unsigned long offset = ((entry & _REGION_ENTRY_OFFSET) >> 6) * PAGE_SIZE;

	*start = (entry & _REGION_ENTRY_ORIGIN) + offset;
	*len = ((entry & _REGION_ENTRY_LENGTH) + 1) * PAGE_SIZE - offset;
}

/* Protect the source, then publish; roll back if the protection failed. */
static int shadow_finish(struct gmap *sg, unsigned long saddr, const struct shadow_level *lv,
			 const unsigned long *child, unsigned long src, unsigned long len)
{
	unsigned long raddr = (saddr & lv->mask) | lv->rmap_type;
	int rc;

	if (shadow_build_hook)
		shadow_build_hook(sg, saddr, lv->level);
	rc = gmap_protect_rmap(sg, raddr, src, len, PROT_READ);
	spin_lock(&sg->guest_table_lock);
	if (!rc)
		rc = shadow_entry_validate(sg, saddr, lv->level, child);
	else
		lv->unshadow(sg, raddr);
	spin_unlock(&sg->guest_table_lock);
	return rc;
}

static int shadow_crst(struct gmap *sg, unsigned long saddr, unsigned long src, int fake,
		       const struct shadow_level *lv)
{
	unsigned long *table, *child, entry, start, len;
	int rc;

	if (!sg || !gmap_is_shadow(sg))
		return -EINVAL;
	crst_source_range(src, &start, &len);
	if (!fake && (long)len <= 0) /* TF beyond TL: nothing could be translated */
		return -EINVAL;
	child = crst_table_alloc_at(GM_SITE_SHADOW_CRST, lv->empty);
	if (!child)
		return -ENOMEM;
	shadow_table_set_origin(child, sg,
				(src & _REGION_ENTRY_ORIGIN) | (fake ? GMAP_SHADOW_FAKE_TABLE : 0));
	spin_lock(&sg->guest_table_lock);
	table = gmap_table_walk(sg, saddr, lv->level);
	rc = shadow_entry_claim(table);
	if (rc <= 0) {
		spin_unlock(&sg->guest_table_lock);
		crst_table_free(child);
		return rc;
	}
	entry = (unsigned long)child | _REGION_ENTRY_LENGTH | lv->entry_type |
		_REGION_ENTRY_INVALID;
	if (sg->edat_level >= 1)
		entry |= src & _REGION_ENTRY_PROTECT;
	shadow_count_add(&shadow_count.tables_live, 1);
	shadow_count_add(lv->counter, 1);
	if (fake) {
		/* A block of guest-2 memory, no table: nothing to watch. */
		gmap_entry_publish(table, entry & ~_REGION_ENTRY_INVALID);
		spin_unlock(&sg->guest_table_lock);
		return 0;
	}
	gmap_entry_publish(table, entry); /* origin + INVALID: being built */
	spin_unlock(&sg->guest_table_lock);
	return shadow_finish(sg, saddr, lv, child, start, len);
}

/* Context: sg->mm's mmap_lock held for reading; takes the shadow's and parent's locks. */
int gmap_shadow_r2t(struct gmap *sg, unsigned long saddr, unsigned long r2t, int fake)
{
	static const struct shadow_level lv = {
		.level = DAT_LEVEL_REGION1,
		.entry_type = _REGION_ENTRY_TYPE_R1,
		.empty = _REGION2_ENTRY_EMPTY,
		.mask = _REGION1_MASK,
		.rmap_type = _SHADOW_RMAP_REGION1,
		.counter = &shadow_count.r1_entries,
		.unshadow = gmap_unshadow_r2t,
	};

	return shadow_crst(sg, saddr, r2t, fake, &lv);
}

/* Context: sg->mm's mmap_lock held for reading; takes the shadow's and parent's locks. */
int gmap_shadow_r3t(struct gmap *sg, unsigned long saddr, unsigned long r3t, int fake)
{
	static const struct shadow_level lv = {
		.level = DAT_LEVEL_REGION2,
		.entry_type = _REGION_ENTRY_TYPE_R2,
		.empty = _REGION3_ENTRY_EMPTY,
		.mask = _REGION2_MASK,
		.rmap_type = _SHADOW_RMAP_REGION2,
		.counter = &shadow_count.r2_entries,
		.unshadow = gmap_unshadow_r3t,
	};

	return shadow_crst(sg, saddr, r3t, fake, &lv);
}

/* Context: sg->mm's mmap_lock held for reading; takes the shadow's and parent's locks. */
int gmap_shadow_sgt(struct gmap *sg, unsigned long saddr, unsigned long sgt, int fake)
{
	static const struct shadow_level lv = {
		.level = DAT_LEVEL_REGION3,
		.entry_type = _REGION_ENTRY_TYPE_R3,
		.empty = _SEGMENT_ENTRY_EMPTY,
		.mask = _REGION3_MASK,
		.rmap_type = _SHADOW_RMAP_REGION3,
		.counter = &shadow_count.r3_entries,
		.unshadow = gmap_unshadow_sgt,
	};

	/* A 2 GiB frame is shadowed with a fake segment table, never as a table. */
	if (!fake && (sgt & _REGION3_ENTRY_LARGE))
		return -EINVAL;
	return shadow_crst(sg, saddr, sgt, fake, &lv);
}

/* Context: sg->mm's mmap_lock held for reading; takes sg->guest_table_lock. */
int gmap_shadow_pgt_lookup(struct gmap *sg, unsigned long saddr, unsigned long *pgt,
			   int *dat_protection, int *fake)
{
	unsigned long *table, e, origin;
	int rc = -EAGAIN;

	if (!sg || !gmap_is_shadow(sg) || !pgt || !dat_protection || !fake)
		return -EINVAL;
	spin_lock(&sg->guest_table_lock);
	table = gmap_table_walk(sg, saddr, DAT_LEVEL_SEGMENT);
	if (table) {
		e = gmap_entry_load(table);
		if (!(e & _SEGMENT_ENTRY_INVALID)) {
			origin = shadow_table_origin((unsigned long *)(e & _SEGMENT_ENTRY_ORIGIN));
			*pgt = origin & ~GMAP_SHADOW_FAKE_TABLE;
			*dat_protection = !!(e & _SEGMENT_ENTRY_PROTECT);
			*fake = !!(origin & GMAP_SHADOW_FAKE_TABLE);
			rc = 0;
		}
	}
	spin_unlock(&sg->guest_table_lock);
	return rc;
}

/* Context: sg->mm's mmap_lock held for reading; takes the shadow's and parent's locks. */
int gmap_shadow_pgt(struct gmap *sg, unsigned long saddr, unsigned long pgt, int fake)
{
	static const struct shadow_level lv = {
		.level = DAT_LEVEL_SEGMENT,
		.entry_type = 0,
		.empty = 0,
		.mask = _SEGMENT_MASK,
		.rmap_type = _SHADOW_RMAP_SEGMENT,
		.counter = &shadow_count.sg_entries,
		.unshadow = gmap_unshadow_pgt,
	};
	unsigned long *table, *child, entry;
	int rc;

	if (!sg || !gmap_is_shadow(sg) || (!fake && (pgt & _SEGMENT_ENTRY_LARGE)))
		return -EINVAL;
	child = page_table_alloc_pgste_at(GM_SITE_SHADOW_PGT);
	if (!child)
		return -ENOMEM;
	shadow_table_set_origin(
		child, sg, (pgt & _SEGMENT_ENTRY_ORIGIN) | (fake ? GMAP_SHADOW_FAKE_TABLE : 0));
	spin_lock(&sg->guest_table_lock);
	table = gmap_table_walk(sg, saddr, DAT_LEVEL_SEGMENT);
	rc = shadow_entry_claim(table);
	if (rc <= 0) {
		spin_unlock(&sg->guest_table_lock);
		page_table_free_pgste(child);
		return rc;
	}
	/* Segment protection applies without EDAT: propagate it always. */
	entry = (unsigned long)child | _SEGMENT_ENTRY | (pgt & _SEGMENT_ENTRY_PROTECT) |
		_SEGMENT_ENTRY_INVALID;
	shadow_count_add(&shadow_count.tables_live, 1);
	shadow_count_add(lv.counter, 1);
	if (fake) {
		gmap_entry_publish(table, entry & ~_SEGMENT_ENTRY_INVALID);
		spin_unlock(&sg->guest_table_lock);
		return 0;
	}
	gmap_entry_publish(table, entry);
	spin_unlock(&sg->guest_table_lock);
	/* A 2 KiB guest page table: its whole 4 KiB page is protected. */
	return shadow_finish(sg, saddr, &lv, child, pgt & _SEGMENT_ENTRY_ORIGIN & PAGE_MASK,
			     PAGE_SIZE);
}

/*
 * One attempt at filling the shadow PTE of @saddr from the parent page of
 * @paddr (host @vmaddr). Returns 0 (filled or already valid), -EAGAIN if the
 * parent page must be faulted in first, or -ENOENT if the shadow page table is
 * gone (the caller answers -EAGAIN without a fault).
 */
static int shadow_page_once(struct gmap *sg, unsigned long saddr, pte_t pte, unsigned long paddr,
			    unsigned long vmaddr, struct gmap_rmap **rmap)
{
	pte_t *sptep, *tptep;
	spinlock_t *ptl;
	int rc = -EAGAIN;

	sptep = gmap_pte_op_walk(sg->parent, paddr, &ptl);
	if (!sptep)
		return rc;
	spin_lock(&sg->guest_table_lock);
	tptep = (pte_t *)gmap_table_walk(sg, saddr, DAT_LEVEL_PTE);
	if (!tptep) {
		rc = -ENOENT;
	} else {
		rc = ptep_shadow_pte(sg->mm, saddr, sptep, tptep, pte);
		if (rc > 0) {
			gmap_insert_rmap(sg, vmaddr, *rmap);
			*rmap = NULL;
			shadow_count_add(&shadow_count.pg_entries, 1);
			rc = 0;
		}
	}
	spin_unlock(&sg->guest_table_lock);
	gmap_pte_op_end(ptl);
	return rc;
}

/* Context: sg->mm's mmap_lock held for reading; takes the shadow's and parent's locks. */
int gmap_shadow_page(struct gmap *sg, unsigned long saddr, pte_t pte)
{
	unsigned long paddr = pte_val(pte) & PAGE_MASK, vmaddr;
	int prot = (pte_val(pte) & _PAGE_PROTECT) ? PROT_READ : PROT_WRITE;
	struct gmap_rmap *rmap;
	int rc;

	if (!sg || !gmap_is_shadow(sg))
		return -EINVAL;
	rmap = gm_malloc_at(GM_SITE_SHADOW_PAGE_RMAP, sizeof(*rmap));
	if (!rmap)
		return -ENOMEM;
	rmap->raddr = (saddr & PAGE_MASK) | _SHADOW_RMAP_PGTABLE;
	for (;;) {
		vmaddr = __gmap_translate(sg->parent, paddr);
		if (IS_ERR_VALUE(vmaddr)) {
			rc = (int)(long)vmaddr;
			break;
		}
		rc = gmap_rmap_preload(sg);
		if (rc)
			break;
		rc = shadow_page_once(sg, saddr, pte, paddr, vmaddr, &rmap);
		gmap_rmap_preload_end();
		if (rc != -EAGAIN) {
			rc = rc == -ENOENT ? -EAGAIN : rc;
			break;
		}
		/* Fault the parent page in (writable if guest-2 grants writes) and link it. */
		rc = gmap_pte_op_fixup(sg->parent, paddr, vmaddr, prot);
		if (rc)
			break;
	}
	gm_free(rmap);
	return rc;
}
