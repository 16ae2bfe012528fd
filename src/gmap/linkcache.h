/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A cache of a gmap's linked guest segments: guest segment number -> the host
 * page table its segment entry designates. gmap_fault() on a populated page
 * asks it instead of walking the gmap's region and segment tables and the host's:
 * for a large guest those walks end in a different segment table, one cache and
 * TLB miss apart, for nearly every touched segment, while the cache keeps every
 * touched segment in one small array (issue 15, docs/architecture.md §6).
 *
 * An entry is only ever a fact: "guest segment G is linked to page table P". A
 * link is made under mmap_lock for reading and undone only under mmap_lock for
 * writing, so an entry filled by a thread that holds mmap_lock stays true until
 * someone holds it for writing; every unlink drops the entry of its segment
 * (link_cache_drop()) or all of them (link_cache_clear()) with the lock held for
 * writing. Readers and fillers share the lock for reading and work lock-free:
 * each slot's key doubles as its sequence (LINK_CACHE_BUSY while a filler writes
 * the value), so a reader never takes a value of another key.
 *
 * Two ways of 16 bytes per set, one cache line for two sets: a lookup reads one
 * line. The cache starts with 256 sets (8 KiB, so that a small gmap's first
 * link does not pay for a large zeroed block) and is replaced by one four times
 * larger whenever the gmap has as many links as sets, up to 4,096 sets
 * (128 KiB): 1,024 segments touched at random then meet few conflicts, and a
 * conflict costs a walk, never a wrong answer. A replaced cache stays allocated
 * (chained to its successor) until the gmap is freed: threads holding mmap_lock
 * may still read it, and geometric growth keeps the chain under a third of the
 * total.
 */
#ifndef GMAP_SRC_GMAP_LINKCACHE_H
#define GMAP_SRC_GMAP_LINKCACHE_H

#include <stdbool.h>

#define LINK_CACHE_MIN_SHIFT 8U	 /* 256 sets */
#define LINK_CACHE_MAX_SHIFT 12U /* 4,096 sets */
#define LINK_CACHE_WAYS	     2

struct link_slot {
	unsigned long key; /* guest segment number + 1; 0: empty; LINK_CACHE_BUSY: being written */
	unsigned long pt;  /* the host page table */
};

struct link_cache {
	unsigned int shift;	    /* 1 << shift sets */
	struct link_cache *retired; /* the cache this one replaced */
	_Alignas(64) struct link_slot set[][LINK_CACHE_WAYS];
};

/* The set of a cache of 1 << @shift sets that holds @gseg's entry (tests pick conflicts with it).
 */
unsigned long link_cache_set(unsigned long gseg, unsigned int shift);
/* A new, empty cache of 1 << @shift sets whose predecessor is @retired, or NULL. */
struct link_cache *link_cache_alloc(unsigned int shift, struct link_cache *retired);
/* Free @c and the caches it replaced. */
void link_cache_free(struct link_cache *c);
/* Whether @c is too small for @links links: the caller replaces it (link_cache_alloc()). */
bool link_cache_wants_growth(const struct link_cache *c, unsigned long links);
/* The page table linked to guest segment @gseg, or NULL. Context: mmap_lock held. */
unsigned long *link_cache_lookup(const struct link_cache *c, unsigned long gseg);
/* Remember that @gseg is linked to @pt; may forget another entry. Context: mmap_lock held. */
void link_cache_fill(struct link_cache *c, unsigned long gseg, unsigned long *pt);
/* @gseg is being unlinked. Context: mmap_lock held for writing. */
void link_cache_drop(struct link_cache *c, unsigned long gseg);
/* Everything is being unlinked. Context: mmap_lock held for writing. */
void link_cache_clear(struct link_cache *c);

#endif /* GMAP_SRC_GMAP_LINKCACHE_H */
