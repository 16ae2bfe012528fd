// SPDX-License-Identifier: GPL-2.0
/*
 * The block pool. Blocks come from 2 MiB chunks mapped from the system, one
 * block size per chunk; the first block of a chunk holds a pointer to the
 * chunk's header, so that the descriptor of any block is found from its address
 * alone. A chunk whose blocks are all free goes back to the system as a whole
 * (one spare per size is kept to avoid thrashing).
 *
 * Unlike posix_memalign(), which leaves alignment gaps around every 16 KiB table,
 * the pool packs blocks of one size back to back.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <gmap/dat.h>

#include "core/alloc_internal.h"
#include "core/pool.h"

#define CHUNK_SHIFT 21
#define CHUNK_SIZE  (1UL << CHUNK_SHIFT)
#define NR_ORDERS   (POOL_ORDER_CRST + 1)

struct chunk {
	unsigned char *base;
	unsigned int order;
	unsigned long nblocks;	   /* blocks in the chunk, block 0 holds the header pointer */
	struct chunk *next, *prev; /* on the list of chunks with free blocks */
	void *free_list;	   /* freed blocks, linked through their first word */
	unsigned long untouched;   /* blocks [untouched, nblocks) were never handed out */
	unsigned long nfree;
	struct page_desc desc[];
};

struct size_class {
	struct chunk *partial; /* chunks with at least one free block */
	struct chunk *spare;   /* one completely free chunk kept back */
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct size_class classes[NR_ORDERS];
static unsigned long nr_chunks, nr_used, bytes_used;

static unsigned long block_size(unsigned int order)
{
	return PAGE_SIZE << order;
}

static struct chunk *chunk_of(const void *addr)
{
	return *(struct chunk **)((uintptr_t)addr & ~(CHUNK_SIZE - 1));
}

struct page_desc *page_desc(const void *addr)
{
	struct chunk *c = chunk_of(addr);

	return &c->desc[((uintptr_t)addr & (CHUNK_SIZE - 1)) >> (PAGE_SHIFT + c->order)];
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

static struct chunk *chunk_create(unsigned int order)
{
	unsigned long n = CHUNK_SIZE / block_size(order);
	struct chunk *c = calloc(1, sizeof(*c) + n * sizeof(c->desc[0]));

	if (!c)
		return NULL;
	c->base = map_aligned_chunk();
	if (!c->base) {
		free(c);
		return NULL;
	}
	*(struct chunk **)c->base = c;
	c->order = order;
	c->nblocks = n;
	c->untouched = 1;
	c->nfree = n - 1;
	for (unsigned long i = 0; i < n; i++) {
		spin_lock_init(&c->desc[i].ptl);
		c->desc[i].page = c->base + i * block_size(order);
	}
	nr_chunks++;
	return c;
}

static void chunk_destroy(struct chunk *c)
{
	for (unsigned long i = 0; i < c->nblocks; i++)
		spin_lock_destroy(&c->desc[i].ptl);
	munmap(c->base, CHUNK_SIZE);
	free(c);
	nr_chunks--;
}

static void partial_add(struct size_class *sc, struct chunk *c)
{
	c->prev = NULL;
	c->next = sc->partial;
	if (sc->partial)
		sc->partial->prev = c;
	sc->partial = c;
}

static void partial_del(struct size_class *sc, struct chunk *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		sc->partial = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
}

static void *chunk_take(struct size_class *sc, struct chunk *c)
{
	void *block;

	if (c->free_list) {
		block = c->free_list;
		c->free_list = *(void **)block;
	} else {
		block = c->base + c->untouched++ * block_size(c->order);
	}
	if (--c->nfree == 0)
		partial_del(sc, c);
	return block;
}

void *pool_alloc_at(enum gm_alloc_site site, unsigned int order, bool zero)
{
	struct size_class *sc;
	struct chunk *c;
	void *block;

	if (order >= NR_ORDERS || gm_alloc_inject(site))
		return NULL;
	sc = &classes[order];
	pthread_mutex_lock(&pool_lock);
	c = sc->partial;
	if (!c) {
		c = sc->spare ? sc->spare : chunk_create(order);
		sc->spare = NULL;
		if (!c) {
			pthread_mutex_unlock(&pool_lock);
			return NULL;
		}
		partial_add(sc, c);
	}
	block = chunk_take(sc, c);
	nr_used++;
	bytes_used += block_size(order);
	pthread_mutex_unlock(&pool_lock);
	gm_alloc_account(1);
	if (zero)
		memset(block, 0, block_size(order));
	return block;
}

void pool_free(void *block)
{
	struct size_class *sc;
	struct chunk *c;

	if (!block)
		return;
	c = chunk_of(block);
	sc = &classes[c->order];
	pthread_mutex_lock(&pool_lock);
	*(void **)block = c->free_list;
	c->free_list = block;
	if (c->nfree++ == 0)
		partial_add(sc, c);
	nr_used--;
	bytes_used -= block_size(c->order);
	if (c->nfree == c->nblocks - 1) {
		/* The whole chunk is free: keep one spare, return the rest. */
		partial_del(sc, c);
		if (sc->spare)
			chunk_destroy(sc->spare);
		sc->spare = c;
		c->free_list = NULL;
		c->untouched = 1;
	}
	pthread_mutex_unlock(&pool_lock);
	gm_alloc_account(-1);
}

static void pool_free_cb(struct rcu_head *head)
{
	struct page_desc *d = caa_container_of(head, struct page_desc, rcu);

	rcu_takeover(head);
	pool_free(d->page);
}

void pool_free_rcu(void *block)
{
	if (block) {
		rcu_handoff(&page_desc(block)->rcu);
		call_rcu(&page_desc(block)->rcu, pool_free_cb);
	}
}

void pool_get_stats(struct pool_stats *stats)
{
	pthread_mutex_lock(&pool_lock);
	stats->chunks = nr_chunks;
	stats->blocks_used = nr_used;
	stats->bytes_used = bytes_used;
	pthread_mutex_unlock(&pool_lock);
}
