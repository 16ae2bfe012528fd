// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation of DAT tables. Region and segment tables ("CRST" tables) are 16 KiB,
 * page tables 2 KiB; host page tables carry their 256 PGSTEs in a second 2 KiB
 * half, which is why they are allocated as one 4 KiB block. CRST and PGSTE
 * tables come from the block pool, so that each has a descriptor (lock, index).
 */

#include <gmap/alloc.h>
#include <gmap/dat.h>

#include "core/alloc_internal.h"
#include "core/pool.h"
#include "dat/table_internal.h"

void crst_table_init(unsigned long *crst, unsigned long entry)
{
	for (unsigned long i = 0; i < _CRST_ENTRIES; i++)
		crst[i] = entry;
}

/* Tables come pre-filled with @entry from the pool when it has them (refilled on free). */
unsigned long *crst_table_alloc_at(enum gm_alloc_site site, unsigned long entry)
{
	return pool_alloc_filled_at(site, POOL_ORDER_CRST, entry);
}

unsigned long *crst_table_alloc(unsigned long entry)
{
	return crst_table_alloc_at(GM_SITE_DAT_CRST_API, entry);
}

void crst_table_free(unsigned long *crst)
{
	pool_free(crst);
}

void crst_table_free_rcu(unsigned long *crst)
{
	pool_free_rcu(crst);
}

static void fill_invalid_ptes(unsigned long *table)
{
	for (unsigned long i = 0; i < _PAGE_ENTRIES; i++)
		table[i] = _PAGE_INVALID;
}

unsigned long *page_table_alloc(void)
{
	unsigned long *table =
		gm_aligned_alloc_at(GM_SITE_DAT_PGT_API, _PAGE_TABLE_SIZE, _PAGE_TABLE_SIZE);

	if (table)
		fill_invalid_ptes(table);
	return table;
}

void page_table_free(unsigned long *table)
{
	gm_free(table);
}

/* 256 invalid PTEs and 256 zero PGSTEs, pre-filled by the pool when it has one. */
unsigned long *page_table_alloc_pgste_at(enum gm_alloc_site site)
{
	return pool_alloc_halves_at(site, POOL_ORDER_PAGE, _PAGE_INVALID, 0);
}

unsigned long *page_table_alloc_pgste(void)
{
	return page_table_alloc_pgste_at(GM_SITE_DAT_PGSTE_API);
}

void page_table_free_pgste(unsigned long *table)
{
	pool_free(table);
}

void page_table_free_pgste_rcu(unsigned long *table)
{
	pool_free_rcu(table);
}
