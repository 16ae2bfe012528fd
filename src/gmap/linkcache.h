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
 * line. 4,096 sets (128 KiB) keep 1,024 segments touched at random with few
 * conflicts; a conflict costs a walk, never a wrong answer.
 */
#ifndef GMAP_SRC_GMAP_LINKCACHE_H
#define GMAP_SRC_GMAP_LINKCACHE_H

#define LINK_CACHE_SETS 4096UL
#define LINK_CACHE_WAYS 2

struct link_slot {
	unsigned long key; /* guest segment number + 1; 0: empty; LINK_CACHE_BUSY: being written */
	unsigned long pt;  /* the host page table */
};

struct link_cache {
	struct link_slot set[LINK_CACHE_SETS][LINK_CACHE_WAYS];
};

/* The set that holds @gseg's entry (tests pick colliding segments with it). */
unsigned long link_cache_set(unsigned long gseg);
/* A new, empty cache, or NULL. */
struct link_cache *link_cache_alloc(void);
void link_cache_free(struct link_cache *c);
/* The page table linked to guest segment @gseg, or NULL. Context: mmap_lock held. */
unsigned long *link_cache_lookup(const struct link_cache *c, unsigned long gseg);
/* Remember that @gseg is linked to @pt; may forget another entry. Context: mmap_lock held. */
void link_cache_fill(struct link_cache *c, unsigned long gseg, unsigned long *pt);
/* @gseg is being unlinked. Context: mmap_lock held for writing. */
void link_cache_drop(struct link_cache *c, unsigned long gseg);
/* Everything is being unlinked. Context: mmap_lock held for writing. */
void link_cache_clear(struct link_cache *c);

#endif /* GMAP_SRC_GMAP_LINKCACHE_H */
