/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the shadow-gmap files of the gmap layer (and the hooks gmap.c calls). */
#ifndef GMAP_SRC_GMAP_SHADOW_INTERNAL_H
#define GMAP_SRC_GMAP_SHADOW_INTERNAL_H

#include <stdatomic.h>

#include "gmap_internal.h"

/* The process-wide counters behind gmap_shadow_get_stats(). */
struct shadow_counters {
	atomic_ulong created, reused, removed;
	atomic_ulong r1_entries, r2_entries, r3_entries, sg_entries, pg_entries;
	atomic_ulong unshadow_r2t, unshadow_r3t, unshadow_sgt, unshadow_pgt, unshadow_page;
	atomic_ulong notifications;
	atomic_ulong rmaps_live, rmap_duplicates;
	atomic_ulong tables_live;
};

extern struct shadow_counters shadow_count;

static inline void shadow_count_add(atomic_ulong *c, long delta)
{
	atomic_fetch_add_explicit(c, (unsigned long)delta, memory_order_relaxed);
}

/*
 * Each shadow table records the guest-2 table it shadows (or, tagged
 * GMAP_SHADOW_FAKE_TABLE, the block it maps) and the shadow it belongs to, in
 * its pool descriptor: what the kernel keeps in page->index.
 */
static inline void shadow_table_set_origin(unsigned long *table, struct gmap *sg,
					   unsigned long origin)
{
	page_desc(table)->index = origin;
	page_desc(table)->owner = sg;
}

static inline unsigned long shadow_table_origin(const unsigned long *table)
{
	return page_desc(table)->index;
}

/* Number of table levels below the ASCE of @asce: 1 (segment) to 4 (region-first). */
static inline int asce_top_level(unsigned long asce)
{
	return (int)((asce & _ASCE_TYPE_MASK) >> 2) + 1;
}

/*
 * Test hook: called (without locks) after a shadow entry of @level was published
 * in its "being built" state and before its source is protected, and with
 * DAT_LEVEL_ASCE after gmap_shadow() protected a new shadow's top-level source
 * but before the shadow is marked initialized, so that tests replay the races
 * of those windows deterministically. NULL outside tests.
 */
extern void (*shadow_build_hook)(struct gmap *sg, unsigned long saddr, int level);

/* notify.c: protect [gaddr, gaddr + len) of a gmap and arm @bits (mmap_lock held). */
int gmap_protect_range(struct gmap *gmap, unsigned long gaddr, unsigned long len, int prot,
		       unsigned long bits);

/*
 * notify.c: @ptep (host @vmaddr, page-table lock held, no shadow's
 * guest_table_lock) is about to be restricted to @prot by ptep_force_prot(),
 * which does not notify. If shadow PTEs may map the page (PGSTE_VSIE_BIT),
 * restrict it through the notifying exchange first, so that they go as on any
 * other change of the page: a shadow PTE must not keep write access to a page
 * whose stores now unshadow what was built from it.
 */
void gmap_pte_restrict_notify(struct mm_struct *mm, unsigned long vmaddr, pte_t *ptep, int prot);

/* unshadow.c: free every table of a shadow that nobody references any more. */
void gmap_shadow_free(struct gmap *sg);

/*
 * unshadow.c: the parent's segment @gaddr (host @vmaddr) is no longer linked:
 * every shadow entry that relied on one of its pages goes, as if each page had
 * changed. Called without locks besides mmap_lock.
 */
void gmap_shadow_segment_gone(struct gmap *parent, unsigned long vmaddr, unsigned long gaddr);

#endif /* GMAP_SRC_GMAP_SHADOW_INTERNAL_H */
