/* SPDX-License-Identifier: GPL-2.0 */
/* Shared inside the gmap layer. */
#ifndef GMAP_SRC_GMAP_INTERNAL_H
#define GMAP_SRC_GMAP_INTERNAL_H

#include <gmap/gmap_locked.h>

#include "core/pool.h"
#include "core/rcu.h"
#include "linkcache.h"
#include "rangemap.h"
#include "ulmap.h"

/* Purge every TLB entry derived from the gmap (IDTE clearing-by-ASCE). */
static inline void gmap_flush_tlb(struct gmap *gmap)
{
	if (gmap->mm)
		mm_flush_asce(gmap->mm, gmap->asce);
}

/* Store a table entry that lock-free walkers may read. */
static inline void gmap_entry_publish(unsigned long *entry, unsigned long val)
{
	__atomic_store_n(entry, val, __ATOMIC_RELEASE);
}

static inline unsigned long gmap_entry_load(const unsigned long *entry)
{
	return __atomic_load_n(entry, __ATOMIC_ACQUIRE);
}

#endif /* GMAP_SRC_GMAP_INTERNAL_H */
