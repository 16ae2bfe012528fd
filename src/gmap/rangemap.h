/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A map of disjoint address ranges, each mapping linearly to a base value: the
 * gmap's guest_to_host, which gmap_map_segment() fills one call (one range) at
 * a time. Kept in a treap (a binary search tree by range start, heap-ordered by
 * random priorities, so expected O(log n) deep whatever the order of calls);
 * see docs/architecture.md §6 for why this and not a radix tree.
 *
 * The map is protected by the caller's lock (mmap_lock: read for lookups, write
 * for changes). Removing a part of a range strictly inside it splits the range
 * and needs one node: rangemap_preload() allocates the nodes an operation may
 * need beforehand, and the map keeps one spare node that a removal falls back
 * on when the allocator refused, so that an unmap succeeds even then.
 *
 * Lookups without the lock: a small direct-mapped cache of ranges that
 * rangemap_lookup_cached() reads with no lock at all (gmap_translate()'s hot
 * path). Slot (addr >> RANGEMAP_CACHE_GRAIN) % RANGEMAP_CACHE_SLOTS holds one
 * whole range that a locked lookup of such an address found
 * (rangemap_lookup_fill(), under the lock for reading), so one large range
 * serves every address in it from every slot it was filled into. Each slot is
 * a sequence lock of its own: a filler (several may hold the lock for reading
 * at once) claims the slot by making its sequence odd with a compare-and-
 * exchange and stores the fields with release stores; a reader takes the
 * fields only if the sequence was even and unchanged around its acquire loads
 * of them. A removal or a clear (under the lock for writing, so with no filler
 * running) empties every slot before it returns, so a reader that starts after
 * it cannot find a removed range; one that overlaps it may still return the
 * old translation, as if it had run just before. An insert empties nothing: a
 * cached range stays mapped (an insert only merges it into a larger one) and
 * misses are not cached.
 */
#ifndef GMAP_SRC_GMAP_RANGEMAP_H
#define GMAP_SRC_GMAP_RANGEMAP_H

#include <stdbool.h>

struct range_node {
	struct range_node *left, *right;
	unsigned long start, end; /* [start, end) */
	unsigned long val;	  /* the value of start; start + k maps to val + k */
	unsigned long prio;
};

#define RANGEMAP_CACHE_SLOTS 64U
#define RANGEMAP_CACHE_GRAIN 20U /* a slot per 1 MiB segment, modulo the slots */

struct rangemap_slot {
	unsigned long seq;   /* odd while a filler or a removal writes the slot */
	unsigned long start; /* the cached range: [start, start + len) -> val.. */
	unsigned long len;   /* 0: empty */
	unsigned long val;
};

struct rangemap {
	/* First, so that the 64-byte aligned allocation aligns it: two slots per line. */
	struct rangemap_slot cache[RANGEMAP_CACHE_SLOTS];
	struct range_node *root;
	struct range_node *spare; /* reserve for a split when the allocator refuses */
	unsigned long nranges;
	unsigned long length; /* sum of the ranges' lengths */
	unsigned long rnd;    /* priority generator state */
};

#define RANGEMAP_PRELOAD_MAX 2

struct rangemap_preload {
	struct range_node *node[RANGEMAP_PRELOAD_MAX];
};

/* Called with each removed piece: [start, end) mapped to val.. */
typedef void (*rangemap_fn)(unsigned long start, unsigned long end, unsigned long val, void *arg);

int rangemap_init(struct rangemap *m);
void rangemap_destroy(struct rangemap *m);
/* Allocates @n (<= RANGEMAP_PRELOAD_MAX) nodes and the spare if it is gone: 0 or -ENOMEM. */
int rangemap_preload(struct rangemap *m, struct rangemap_preload *pre, unsigned int n);
/* Refills the spare from what was not used, frees the rest. */
void rangemap_preload_end(struct rangemap *m, struct rangemap_preload *pre);
bool rangemap_lookup(const struct rangemap *m, unsigned long addr, unsigned long *val);

/*
 * Test hook: called by rangemap_lookup_cached() after it read a slot that holds
 * @addr and before it checks the slot's sequence again, so that a test can
 * change the map (or the slot) at exactly that point. NULL outside tests.
 */
extern __attribute__((visibility("hidden"))) void (*rangemap_cache_hook)(const struct rangemap *m,
									 unsigned long addr);

/* rangemap_lookup_cached() with the hook called: out of line, so that the hit calls nothing. */
bool rangemap_lookup_cached_hooked(const struct rangemap *m, unsigned long addr,
				   unsigned long *val);

static inline bool __rangemap_lookup_cached(const struct rangemap *m, unsigned long addr,
					    unsigned long *val, bool hook)
{
	const struct rangemap_slot *s =
		&m->cache[(addr >> RANGEMAP_CACHE_GRAIN) % RANGEMAP_CACHE_SLOTS];
	unsigned long seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
	unsigned long start = __atomic_load_n(&s->start, __ATOMIC_ACQUIRE);
	unsigned long len = __atomic_load_n(&s->len, __ATOMIC_ACQUIRE);
	unsigned long v = __atomic_load_n(&s->val, __ATOMIC_ACQUIRE);

	if (addr - start >= len)
		return false;
	if (hook)
		rangemap_cache_hook(m, addr);
	/* The acquire loads above keep this one after them: an even, unchanged sequence. */
	if ((seq & 1) || __atomic_load_n(&s->seq, __ATOMIC_RELAXED) != seq)
		return false;
	*val = v + (addr - start);
	return true;
}

/*
 * rangemap_lookup_cached() - @addr's value from the cache, without any lock
 *
 * True with *@val when a slot holds a range with @addr that was mapped at some
 * moment during the call; false on a miss (or a slot being written), and the
 * caller takes the lock for reading and calls rangemap_lookup_fill().
 * Context: any; the map must not be freed meanwhile.
 */
static inline bool rangemap_lookup_cached(const struct rangemap *m, unsigned long addr,
					  unsigned long *val)
{
	if (__builtin_expect(rangemap_cache_hook != NULL, 0))
		return rangemap_lookup_cached_hooked(m, addr, val);
	return __rangemap_lookup_cached(m, addr, val, false);
}

/*
 * rangemap_lookup() that also remembers the range it found in @addr's slot (which
 * may have held another). Context: the map's lock held for reading (or writing).
 */
bool rangemap_lookup_fill(struct rangemap *m, unsigned long addr, unsigned long *val);
/*
 * The first range that ends above @addr (the one holding it, or the next one):
 * [*@start, *@end) mapped to *@val..; false if there is none. O(log ranges).
 */
bool rangemap_next(const struct rangemap *m, unsigned long addr, unsigned long *start,
		   unsigned long *end, unsigned long *val);
/*
 * Remove [start, end), calling @fn (may be NULL) for each removed piece once the
 * map no longer holds it. 0, or -ENOMEM (nothing changed) if a range had to be
 * split and neither @pre (may be NULL) nor the spare had a node.
 */
int rangemap_remove(struct rangemap *m, unsigned long start, unsigned long end, rangemap_fn fn,
		    void *arg, struct rangemap_preload *pre);
/* Map the empty [start, end) to @val.., merged with neighbours it continues: 0 or -ENOMEM. */
int rangemap_insert(struct rangemap *m, unsigned long start, unsigned long end, unsigned long val,
		    struct rangemap_preload *pre);
/* Remove everything, calling @fn (may be NULL) for each range. */
void rangemap_clear(struct rangemap *m, rangemap_fn fn, void *arg);
unsigned long rangemap_length(const struct rangemap *m);
unsigned long rangemap_count(const struct rangemap *m);

#endif /* GMAP_SRC_GMAP_RANGEMAP_H */
