// SPDX-License-Identifier: GPL-2.0
/*
 * The page pool. Pages come from 2 MiB chunks mapped from the system; the first
 * page of a chunk holds a pointer to the chunk's header, so that the descriptor
 * of any page is found from its address alone. A chunk whose pages are all free
 * goes back to the system as a whole (one spare is kept to avoid thrashing).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <gmap/dat.h>

#include "core/alloc_internal.h"
#include "pages.h"

#define CHUNK_SHIFT 21
#define CHUNK_SIZE  (1UL << CHUNK_SHIFT)
#define CHUNK_PAGES (CHUNK_SIZE >> PAGE_SHIFT)
/* Page 0 of a chunk holds the header pointer. */
#define CHUNK_USABLE (CHUNK_PAGES - 1)

struct chunk {
	unsigned char *base;
	struct chunk *next, *prev; /* on the list of chunks with free pages */
	void *free_list;	   /* freed pages, linked through their first word */
	unsigned long untouched;   /* pages [untouched, CHUNK_PAGES) were never handed out */
	unsigned long nfree;
	struct page_desc desc[CHUNK_PAGES];
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct chunk *partial; /* chunks with at least one free page */
static struct chunk *spare;   /* one completely free chunk kept back */
static unsigned long nr_chunks, nr_used;

static struct chunk *chunk_of(const void *addr)
{
	return *(struct chunk **)((uintptr_t)addr & ~(CHUNK_SIZE - 1));
}

struct page_desc *page_desc(const void *addr)
{
	struct chunk *c = chunk_of(addr);

	return &c->desc[((uintptr_t)addr & (CHUNK_SIZE - 1)) >> PAGE_SHIFT];
}

/* Map a 2 MiB-aligned chunk: map twice the size and trim the ends. */
static unsigned char *map_aligned_chunk(void)
{
	unsigned char *raw, *base;
	uintptr_t lead;

	raw = mmap(NULL, 2 * CHUNK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	if (raw == MAP_FAILED)
		return NULL;
	base = (unsigned char *)(((uintptr_t)raw + CHUNK_SIZE - 1) & ~(CHUNK_SIZE - 1));
	lead = (uintptr_t)(base - raw);
	if (lead)
		munmap(raw, lead);
	munmap(base + CHUNK_SIZE, CHUNK_SIZE - lead);
	return base;
}

static struct chunk *chunk_create(void)
{
	struct chunk *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->base = map_aligned_chunk();
	if (!c->base) {
		free(c);
		return NULL;
	}
	*(struct chunk **)c->base = c;
	c->untouched = 1;
	c->nfree = CHUNK_USABLE;
	for (unsigned long i = 0; i < CHUNK_PAGES; i++) {
		spin_lock_init(&c->desc[i].ptl);
		c->desc[i].page = c->base + (i << PAGE_SHIFT);
	}
	nr_chunks++;
	return c;
}

static void chunk_destroy(struct chunk *c)
{
	for (unsigned long i = 0; i < CHUNK_PAGES; i++)
		spin_lock_destroy(&c->desc[i].ptl);
	munmap(c->base, CHUNK_SIZE);
	free(c);
	nr_chunks--;
}

static void partial_add(struct chunk *c)
{
	c->prev = NULL;
	c->next = partial;
	if (partial)
		partial->prev = c;
	partial = c;
}

static void partial_del(struct chunk *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		partial = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
}

static void *chunk_take(struct chunk *c)
{
	void *page;

	if (c->free_list) {
		page = c->free_list;
		c->free_list = *(void **)page;
	} else {
		page = c->base + (c->untouched++ << PAGE_SHIFT);
	}
	if (--c->nfree == 0)
		partial_del(c);
	return page;
}

void *page_alloc(bool zero)
{
	struct chunk *c;
	void *page;

	if (gm_alloc_inject())
		return NULL;
	pthread_mutex_lock(&pool_lock);
	c = partial;
	if (!c) {
		c = spare ? spare : chunk_create();
		spare = NULL;
		if (!c) {
			pthread_mutex_unlock(&pool_lock);
			return NULL;
		}
		partial_add(c);
	}
	page = chunk_take(c);
	nr_used++;
	pthread_mutex_unlock(&pool_lock);
	gm_alloc_account(1);
	if (zero)
		memset(page, 0, PAGE_SIZE);
	return page;
}

void page_free(void *page)
{
	struct chunk *c;

	if (!page)
		return;
	c = chunk_of(page);
	pthread_mutex_lock(&pool_lock);
	*(void **)page = c->free_list;
	c->free_list = page;
	if (c->nfree++ == 0)
		partial_add(c);
	nr_used--;
	if (c->nfree == CHUNK_USABLE) {
		/* The whole chunk is free: keep one spare, return the rest. */
		partial_del(c);
		if (spare)
			chunk_destroy(spare);
		spare = c;
		c->free_list = NULL;
		c->untouched = 1;
	}
	pthread_mutex_unlock(&pool_lock);
	gm_alloc_account(-1);
}

static void page_free_cb(struct rcu_head *head)
{
	struct page_desc *d = caa_container_of(head, struct page_desc, rcu);

	page_free(d->page);
}

void page_free_rcu(void *page)
{
	if (page)
		call_rcu(&page_desc(page)->rcu, page_free_cb);
}

void page_pool_stats(struct page_pool_stats *stats)
{
	pthread_mutex_lock(&pool_lock);
	stats->chunks = nr_chunks;
	stats->pages_used = nr_used;
	stats->pages_free = nr_chunks * CHUNK_USABLE - nr_used;
	pthread_mutex_unlock(&pool_lock);
}
