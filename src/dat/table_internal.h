/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Table allocation inside the library: the allocation site of each table is
 * named by the caller (core/alloc_sites.h); crst_table_alloc() and
 * page_table_alloc_pgste() are these with the sites of outside callers.
 */
#ifndef GMAP_SRC_DAT_TABLE_INTERNAL_H
#define GMAP_SRC_DAT_TABLE_INTERNAL_H

#include "core/alloc_sites.h"

/* crst_table_alloc() for an allocation made at @site. */
unsigned long *crst_table_alloc_at(enum gm_alloc_site site, unsigned long entry);

/* page_table_alloc_pgste() for an allocation made at @site. */
unsigned long *page_table_alloc_pgste_at(enum gm_alloc_site site);

#endif /* GMAP_SRC_DAT_TABLE_INTERNAL_H */
