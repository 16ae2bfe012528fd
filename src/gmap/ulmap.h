/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A map from unsigned long keys to unsigned long values: what the kernel's gmap
 * keeps in radix trees (guest_to_host, host_to_guest, host_to_rmap).
 *
 * The kernel inserts into host_to_guest under a spinlock after
 * radix_tree_preload(); here ulmap_preload() allocates, outside any spinlock,
 * the node and (when the table is due to grow) the larger bucket array that an
 * insert may need, and ulmap_preload_end() gives back what was not used. The map
 * itself is protected by the caller's lock.
 */
#ifndef GMAP_SRC_GMAP_ULMAP_H
#define GMAP_SRC_GMAP_ULMAP_H

#include <stdbool.h>

struct ulmap_node {
	struct ulmap_node *next;
	unsigned long key, val;
};

struct ulmap {
	struct ulmap_node **buckets;
	unsigned long nbuckets; /* a power of two */
	unsigned long count;	/* read without the lock by ulmap_preload() */
};

struct ulmap_preload {
	struct ulmap_node *node;
	struct ulmap_node **buckets;
	unsigned long nbuckets;
};

int ulmap_init(struct ulmap *m);
void ulmap_destroy(struct ulmap *m);
int ulmap_preload(struct ulmap *m, struct ulmap_preload *pre);
void ulmap_preload_end(struct ulmap_preload *pre);
/* Returns 0 or -EEXIST; consumes pre->node on success. */
int ulmap_insert(struct ulmap *m, unsigned long key, unsigned long val, struct ulmap_preload *pre);
bool ulmap_lookup(const struct ulmap *m, unsigned long key, unsigned long *val);
/* Looks up a value for update in place; NULL if absent. */
unsigned long *ulmap_slot(struct ulmap *m, unsigned long key);
bool ulmap_delete(struct ulmap *m, unsigned long key, unsigned long *val);
unsigned long ulmap_count(const struct ulmap *m);
/*
 * Take the entries with @lo <= key < @hi out of the map, O(buckets + entries);
 * returns them chained through ->next, for the caller to gm_free().
 */
struct ulmap_node *ulmap_extract(struct ulmap *m, unsigned long lo, unsigned long hi);
/* Remove every entry, calling @fn (may be NULL) with each value. */
void ulmap_clear(struct ulmap *m, void (*fn)(unsigned long key, unsigned long val, void *arg),
		 void *arg);

#endif /* GMAP_SRC_GMAP_ULMAP_H */
