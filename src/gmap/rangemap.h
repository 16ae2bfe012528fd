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

struct rangemap {
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
