/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The block pool: 4 KiB pages (frames, page tables) and 16 KiB blocks (region
 * and segment tables) of process memory, each with a descriptor that plays the
 * role of the kernel's struct page: the page-table lock, the address the table
 * maps (page->index), and an RCU head for deferred freeing.
 */
#ifndef GMAP_SRC_CORE_POOL_H
#define GMAP_SRC_CORE_POOL_H

#include <stdbool.h>

#include <gmap/lock.h>

#include "core/alloc_sites.h"
#include "core/rcu.h"

struct page_desc {
	spinlock_t ptl;	       /* page tables: the page-table lock */
	unsigned long index;   /* tables: first address the table maps (shadows: the source) */
	void *owner;	       /* shadow tables: the shadow gmap they belong to */
	struct rcu_head rcu;   /* deferred free */
	void *page;	       /* the block this descriptor describes */
	unsigned long fill;    /* from pool_alloc_filled_at(): the pattern to refill with */
	unsigned long fill_hi; /* from pool_alloc_halves_at(): the second half's */
	bool filled;	       /* from pool_alloc_filled_at(): refill and cache it when freed */
};

/* Block sizes: order 0 is 4 KiB, order 2 is 16 KiB (a CRST table). */
#define POOL_ORDER_PAGE 0U
#define POOL_ORDER_CRST 2U

/**
 * pool_alloc_at() - take a block of 4 KiB << @order from the pool
 * @site:  the allocation site (alloc_sites.h)
 * @order: POOL_ORDER_PAGE or POOL_ORDER_CRST
 * @zero:  fill it with zeroes
 *
 * The block is aligned to its size. Counts as one allocation for fault
 * injection and leak accounting.
 *
 * Return: the block, or NULL.
 */
void *pool_alloc_at(enum gm_alloc_site site, unsigned int order, bool zero);

/**
 * pool_alloc_filled_at() - take a block whose 8-byte words all hold @pattern
 * @site:    the allocation site (alloc_sites.h)
 * @order:   POOL_ORDER_PAGE or POOL_ORDER_CRST
 * @pattern: the value of every word (a DAT table's empty entry)
 *
 * Blocks come pre-filled from a small cache per pattern when one is there:
 * a block from here is filled again when it is freed (by the freeing thread,
 * or for pool_free_rcu() by the RCU callback thread) and kept for the next
 * allocation of its pattern, so that a new table costs no fill on the path
 * that needs it. Otherwise the block is filled here. Counts as one allocation
 * for fault injection and leak accounting, cached or not.
 *
 * Return: the block, or NULL.
 */
void *pool_alloc_filled_at(enum gm_alloc_site site, unsigned int order, unsigned long pattern);

/**
 * pool_alloc_halves_at() - pool_alloc_filled_at() with one pattern per half of the block
 * @site:  the allocation site (alloc_sites.h)
 * @order: POOL_ORDER_PAGE or POOL_ORDER_CRST
 * @lo:    every word of the first half (a host page table's invalid PTEs)
 * @hi:    every word of the second half (its PGSTEs, 0)
 *
 * Return: the block, or NULL.
 */
void *pool_alloc_halves_at(enum gm_alloc_site site, unsigned int order, unsigned long lo,
			   unsigned long hi);

/** pool_free() - give a block back at once (nobody can still be reading it) */
void pool_free(void *block);

/** pool_free_rcu() - give a block back after the current RCU grace period */
void pool_free_rcu(void *block);

/** page_desc() - the descriptor of a pool block (any address inside it) */
struct page_desc *page_desc(const void *addr);

static inline void *page_alloc_at(enum gm_alloc_site site, bool zero)
{
	return pool_alloc_at(site, POOL_ORDER_PAGE, zero);
}

static inline void page_free(void *page)
{
	pool_free(page);
}

static inline void page_free_rcu(void *page)
{
	pool_free_rcu(page);
}

/** struct pool_stats - what the pool holds */
struct pool_stats {
	unsigned long chunks;	   /* 2 MiB chunks taken from the system */
	unsigned long blocks_used; /* blocks handed out, all sizes */
	unsigned long bytes_used;  /* bytes handed out */
	unsigned long cached;	   /* pre-filled blocks kept for pool_alloc_filled_at() */
};

void pool_get_stats(struct pool_stats *stats);

#endif /* GMAP_SRC_CORE_POOL_H */
