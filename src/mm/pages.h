/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page pool: 4 KiB pages of process memory for frames and host page tables,
 * each with a descriptor (the role of the kernel's struct page): the page-table
 * lock, the address a page table maps, and an RCU head for deferred freeing.
 */
#ifndef GMAP_SRC_MM_PAGES_H
#define GMAP_SRC_MM_PAGES_H

#include <stdbool.h>

#include <gmap/lock.h>

#include "core/rcu.h"

struct page_desc {
	spinlock_t ptl;	     /* page tables: the page-table lock */
	unsigned long index; /* page tables: first host address the table maps */
	struct rcu_head rcu; /* deferred free */
	void *page;	     /* the page this descriptor describes */
};

/**
 * page_alloc() - take a 4 KiB page from the pool
 * @zero: fill it with zeroes
 *
 * Counts as one allocation for fault injection and leak accounting.
 *
 * Return: the page, or NULL.
 */
void *page_alloc(bool zero);

/** page_free() - give a page back at once (nobody can still be reading it) */
void page_free(void *page);

/** page_free_rcu() - give a page back after the current RCU grace period */
void page_free_rcu(void *page);

/** page_desc() - the descriptor of a pool page (any address inside it) */
struct page_desc *page_desc(const void *addr);

/** struct page_pool_stats - what the pool holds */
struct page_pool_stats {
	unsigned long chunks;	  /* 2 MiB chunks taken from the system */
	unsigned long pages_used; /* pages handed out */
	unsigned long pages_free; /* pages cached in the chunks */
};

void page_pool_stats(struct page_pool_stats *stats);

#endif /* GMAP_SRC_MM_PAGES_H */
