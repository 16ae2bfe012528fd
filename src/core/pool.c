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
	struct chunk *all_next, *all_prev; /* on all_chunks */
	void *free_list;		   /* freed blocks, linked through their first word */
	unsigned long untouched;	   /* blocks [untouched, nblocks) were never handed out */
	unsigned long nfree;
	struct page_desc desc[];
};

struct size_class {
	struct chunk *partial; /* chunks with at least one free block */
	struct chunk *spare;   /* one completely free chunk kept back */
};

/*
 * Pre-filled blocks (pool_alloc_filled_at()): a stack per pattern, a few patterns
 * (the empty entries of the four CRST levels, and page tables with PGSTEs). A cached block is taken
 * from its chunk as a used one would be, but not counted as used or live.
 */
#define FILL_SLOTS 6
#define FILL_DEPTH 64 /* blocks per pattern: 1 MiB of CRST tables */

struct fill_cache {
	bool used;
	unsigned int order;
	unsigned long lo, hi; /* the words of the first and of the second half */
	unsigned int n;
	void *blocks[FILL_DEPTH];
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct size_class classes[NR_ORDERS];
static struct fill_cache fill_caches[FILL_SLOTS];
/*
 * Every chunk, so that a chunk whose blocks are all in use or cached stays
 * reachable (leak checkers do not look into the chunks, where block 0 points
 * at the header).
 */
static struct chunk *all_chunks;
static unsigned long nr_chunks, nr_used, bytes_used, nr_cached;

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
	c->all_next = all_chunks;
	if (all_chunks)
		all_chunks->all_prev = c;
	all_chunks = c;
	nr_chunks++;
	return c;
}

static void chunk_destroy(struct chunk *c)
{
	for (unsigned long i = 0; i < c->nblocks; i++)
		spin_lock_destroy(&c->desc[i].ptl);
	if (c->all_prev)
		c->all_prev->all_next = c->all_next;
	else
		all_chunks = c->all_next;
	if (c->all_next)
		c->all_next->all_prev = c->all_prev;
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

/* A block of @order from the chunks (pool_lock held); NULL if the system has no memory. */
static void *take_block(unsigned int order)
{
	struct size_class *sc = &classes[order];
	struct chunk *c = sc->partial;

	if (!c) {
		c = sc->spare ? sc->spare : chunk_create(order);
		sc->spare = NULL;
		if (!c)
			return NULL;
		partial_add(sc, c);
	}
	return chunk_take(sc, c);
}

void *pool_alloc_at(enum gm_alloc_site site, unsigned int order, bool zero)
{
	void *block;

	if (order >= NR_ORDERS || gm_alloc_inject(site))
		return NULL;
	pthread_mutex_lock(&pool_lock);
	block = take_block(order);
	if (block) {
		nr_used++;
		bytes_used += block_size(order);
	}
	pthread_mutex_unlock(&pool_lock);
	if (!block)
		return NULL;
	gm_alloc_account(1);
	if (zero)
		memset(block, 0, block_size(order));
	return block;
}

/* Words of @w[0 .. @n) := @v: stores of 32 bytes, which the compiler keeps as a loop. */
static void fill_words(unsigned long *w, unsigned long n, unsigned long v)
{
	for (unsigned long i = 0; i < n; i += 4) {
		w[i] = v;
		w[i + 1] = v;
		w[i + 2] = v;
		w[i + 3] = v;
	}
}

/* The first half of @block := @lo, the second := @hi. */
static void fill_block(void *block, unsigned int order, unsigned long lo, unsigned long hi)
{
	unsigned long n = block_size(order) / sizeof(unsigned long) / 2;

	fill_words(block, n, lo);
	fill_words((unsigned long *)block + n, n, hi);
}

/* The cache of (@order, @lo, @hi), or a free slot for it, or NULL (pool_lock held). */
static struct fill_cache *fill_cache_of(unsigned int order, unsigned long lo, unsigned long hi,
					bool create)
{
	struct fill_cache *unused = NULL;

	for (int i = 0; i < FILL_SLOTS; i++) {
		struct fill_cache *fc = &fill_caches[i];

		if (fc->used && fc->lo == lo && fc->hi == hi && fc->order == order)
			return fc;
		if (!fc->used && !unused)
			unused = fc;
	}
	if (!create || !unused)
		return NULL;
	unused->used = true;
	unused->order = order;
	unused->lo = lo;
	unused->hi = hi;
	return unused;
}

void *pool_alloc_halves_at(enum gm_alloc_site site, unsigned int order, unsigned long lo,
			   unsigned long hi)
{
	struct fill_cache *fc;
	void *block = NULL;
	bool filled = false;

	if (order >= NR_ORDERS || gm_alloc_inject(site))
		return NULL;
	pthread_mutex_lock(&pool_lock);
	fc = fill_cache_of(order, lo, hi, true);
	if (fc && fc->n) {
		block = fc->blocks[--fc->n];
		nr_cached--;
		filled = true;
	} else {
		block = take_block(order);
	}
	if (block) {
		nr_used++;
		bytes_used += block_size(order);
	}
	pthread_mutex_unlock(&pool_lock);
	if (!block)
		return NULL;
	gm_alloc_account(1);
	if (!filled)
		fill_block(block, order, lo, hi);
	page_desc(block)->fill = lo;
	page_desc(block)->fill_hi = hi;
	page_desc(block)->filled = true;
	return block;
}

void *pool_alloc_filled_at(enum gm_alloc_site site, unsigned int order, unsigned long pattern)
{
	return pool_alloc_halves_at(site, order, pattern, pattern);
}

/*
 * Refill a block from pool_alloc_filled_at() and keep it, if its cache has room:
 * the freeing thread pays the fill instead of the next allocation. Returns
 * false if the block goes back to its chunk.
 */
static bool fill_cache_put(void *block, unsigned int order)
{
	struct page_desc *d = page_desc(block);
	unsigned long lo = d->fill, hi = d->fill_hi;
	struct fill_cache *fc;
	bool kept = false;

	if (!d->filled)
		return false;
	d->filled = false;
	pthread_mutex_lock(&pool_lock);
	fc = fill_cache_of(order, lo, hi, false);
	if (!fc || fc->n == FILL_DEPTH) {
		pthread_mutex_unlock(&pool_lock);
		return false;
	}
	pthread_mutex_unlock(&pool_lock);
	fill_block(block, order, lo, hi);
	pthread_mutex_lock(&pool_lock);
	if (fc->n < FILL_DEPTH) {
		fc->blocks[fc->n++] = block;
		nr_cached++;
		nr_used--;
		bytes_used -= block_size(order);
		kept = true;
	}
	pthread_mutex_unlock(&pool_lock);
	if (kept)
		gm_alloc_account(-1);
	return kept;
}

void pool_free(void *block)
{
	struct size_class *sc;
	struct chunk *c;

	if (!block)
		return;
	c = chunk_of(block);
	if (fill_cache_put(block, c->order))
		return;
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
	stats->cached = nr_cached;
	pthread_mutex_unlock(&pool_lock);
}
