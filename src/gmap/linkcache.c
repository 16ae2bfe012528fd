// SPDX-License-Identifier: GPL-2.0
/* The cache of linked guest segments; see linkcache.h. */
#include <stdatomic.h>
#include <string.h>

#include <gmap/alloc.h>

#include "core/alloc_internal.h"
#include "linkcache.h"

#define LINK_CACHE_BUSY (~0UL)

static size_t cache_bytes(unsigned int shift)
{
	return sizeof(struct link_cache) + (sizeof(struct link_slot) << shift) * LINK_CACHE_WAYS;
}

struct link_cache *link_cache_alloc(unsigned int shift, struct link_cache *retired)
{
	/* Sets aligned to their size: a lookup reads one cache line. */
	struct link_cache *c = gm_aligned_alloc_at(GM_SITE_GMAP_LINK_CACHE, 64, cache_bytes(shift));

	if (c) {
		memset(c, 0, cache_bytes(shift));
		c->shift = shift;
		c->retired = retired;
	}
	return c;
}

void link_cache_free(struct link_cache *c)
{
	struct link_cache *next;

	for (; c; c = next) {
		next = c->retired;
		gm_free(c);
	}
}

bool link_cache_wants_growth(const struct link_cache *c, unsigned long links)
{
	return c->shift < LINK_CACHE_MAX_SHIFT && links >= 1UL << c->shift;
}

unsigned long link_cache_set(unsigned long gseg, unsigned int shift)
{
	/* Fibonacci hashing: touched segments are often neighbours. */
	return (gseg * 0x9e3779b97f4a7c15UL) >> (64 - shift);
}

static struct link_slot *set_of(const struct link_cache *c, unsigned long gseg)
{
	return (struct link_slot *)c->set[link_cache_set(gseg, c->shift)];
}

static unsigned long key_load(const unsigned long *key, int order)
{
	return __atomic_load_n(key, order);
}

unsigned long *link_cache_lookup(const struct link_cache *c, unsigned long gseg)
{
	struct link_slot *s = set_of(c, gseg);
	unsigned long key = gseg + 1, pt;

	for (int w = 0; w < LINK_CACHE_WAYS; w++) {
		if (key_load(&s[w].key, __ATOMIC_ACQUIRE) != key)
			continue;
		pt = __atomic_load_n(&s[w].pt, __ATOMIC_RELAXED);
		/* A filler that took the slot meanwhile changed the key first. */
		atomic_thread_fence(memory_order_acquire);
		if (key_load(&s[w].key, __ATOMIC_RELAXED) == key)
			return (unsigned long *)pt;
	}
	return NULL;
}

void link_cache_fill(struct link_cache *c, unsigned long gseg, unsigned long *pt)
{
	struct link_slot *s = set_of(c, gseg), *victim;
	unsigned long key = gseg + 1, old;

	if (key_load(&s[0].key, __ATOMIC_RELAXED) == key ||
	    key_load(&s[1].key, __ATOMIC_RELAXED) == key)
		return;
	/* An empty way, else the one this segment's bit picks. */
	victim = !key_load(&s[0].key, __ATOMIC_RELAXED)	  ? &s[0]
		 : !key_load(&s[1].key, __ATOMIC_RELAXED) ? &s[1]
							  : &s[gseg & 1];
	old = key_load(&victim->key, __ATOMIC_RELAXED);
	/* Another filler has the slot: this entry is only a hint, let it go. */
	if (old == LINK_CACHE_BUSY ||
	    !__atomic_compare_exchange_n(&victim->key, &old, LINK_CACHE_BUSY, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	atomic_thread_fence(memory_order_release);
	__atomic_store_n(&victim->pt, (unsigned long)pt, __ATOMIC_RELAXED);
	__atomic_store_n(&victim->key, key, __ATOMIC_RELEASE);
}

void link_cache_drop(struct link_cache *c, unsigned long gseg)
{
	struct link_slot *s = set_of(c, gseg);

	for (int w = 0; w < LINK_CACHE_WAYS; w++)
		if (key_load(&s[w].key, __ATOMIC_RELAXED) == gseg + 1)
			__atomic_store_n(&s[w].key, 0, __ATOMIC_RELAXED);
}

void link_cache_clear(struct link_cache *c)
{
	/* Nobody reads or fills with mmap_lock held for writing. */
	memset(c->set, 0, cache_bytes(c->shift) - sizeof(*c));
}
