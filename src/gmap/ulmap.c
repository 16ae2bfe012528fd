// SPDX-License-Identifier: GPL-2.0
/* Chained hash map with preloading; see ulmap.h. */
#include <errno.h>
#include <stddef.h>

#include <gmap/alloc.h>

#include "core/alloc_internal.h"
#include "ulmap.h"

#define ULMAP_MIN_BUCKETS 16UL

static unsigned long bucket_of(unsigned long key, unsigned long nbuckets)
{
	/* Fibonacci hashing: keys are often consecutive segment or page numbers. */
	return (key * 0x9e3779b97f4a7c15UL) >> (64 - __builtin_ctzl(nbuckets));
}

int ulmap_init(struct ulmap *m)
{
	m->buckets = gm_zalloc_at(GM_SITE_ULMAP_BUCKETS, ULMAP_MIN_BUCKETS * sizeof(*m->buckets));
	m->nbuckets = m->buckets ? ULMAP_MIN_BUCKETS : 0;
	m->count = 0;
	return m->buckets ? 0 : -ENOMEM;
}

void ulmap_destroy(struct ulmap *m)
{
	ulmap_clear(m, NULL, NULL);
	gm_free(m->buckets);
	m->buckets = NULL;
	m->nbuckets = 0;
}

unsigned long ulmap_count(const struct ulmap *m)
{
	return __atomic_load_n(&m->count, __ATOMIC_RELAXED);
}

int ulmap_preload(struct ulmap *m, struct ulmap_preload *pre)
{
	unsigned long n = __atomic_load_n(&m->nbuckets, __ATOMIC_RELAXED);

	pre->buckets = NULL;
	pre->nbuckets = 0;
	pre->node = gm_malloc_at(GM_SITE_ULMAP_NODE, sizeof(*pre->node));
	if (!pre->node)
		return -ENOMEM;
	/* Grow at a load factor of 2; the insert re-checks under the lock. */
	if (ulmap_count(m) + 1 > 2 * n) {
		pre->buckets = gm_zalloc_at(GM_SITE_ULMAP_GROW, 2 * n * sizeof(*pre->buckets));
		if (!pre->buckets) {
			gm_free(pre->node);
			pre->node = NULL;
			return -ENOMEM;
		}
		pre->nbuckets = 2 * n;
	}
	return 0;
}

void ulmap_preload_end(struct ulmap_preload *pre)
{
	gm_free(pre->node);
	gm_free(pre->buckets);
	pre->node = NULL;
	pre->buckets = NULL;
}

static void rehash(struct ulmap *m, struct ulmap_preload *pre)
{
	struct ulmap_node **old = m->buckets, *n, *next;

	for (unsigned long b = 0; b < m->nbuckets; b++) {
		for (n = old[b]; n; n = next) {
			unsigned long nb = bucket_of(n->key, pre->nbuckets);

			next = n->next;
			n->next = pre->buckets[nb];
			pre->buckets[nb] = n;
		}
	}
	m->buckets = pre->buckets;
	__atomic_store_n(&m->nbuckets, pre->nbuckets, __ATOMIC_RELAXED);
	pre->buckets = old; /* freed by ulmap_preload_end() */
	pre->nbuckets = 0;
}

static struct ulmap_node **find(const struct ulmap *m, unsigned long key)
{
	struct ulmap_node **link = &m->buckets[bucket_of(key, m->nbuckets)];

	while (*link && (*link)->key != key)
		link = &(*link)->next;
	return link;
}

int ulmap_insert(struct ulmap *m, unsigned long key, unsigned long val, struct ulmap_preload *pre)
{
	struct ulmap_node **link, *n = pre->node;

	if (*find(m, key))
		return -EEXIST;
	if (pre->nbuckets > m->nbuckets)
		rehash(m, pre);
	link = &m->buckets[bucket_of(key, m->nbuckets)];
	n->key = key;
	n->val = val;
	n->next = *link;
	*link = n;
	pre->node = NULL;
	__atomic_store_n(&m->count, m->count + 1, __ATOMIC_RELAXED);
	return 0;
}

bool ulmap_lookup(const struct ulmap *m, unsigned long key, unsigned long *val)
{
	struct ulmap_node *n = *find(m, key);

	if (n && val)
		*val = n->val;
	return n;
}

unsigned long *ulmap_slot(struct ulmap *m, unsigned long key)
{
	struct ulmap_node *n = *find(m, key);

	return n ? &n->val : NULL;
}

bool ulmap_delete(struct ulmap *m, unsigned long key, unsigned long *val)
{
	struct ulmap_node **link = find(m, key), *n = *link;

	if (!n)
		return false;
	if (val)
		*val = n->val;
	*link = n->next;
	gm_free(n);
	__atomic_store_n(&m->count, m->count - 1, __ATOMIC_RELAXED);
	return true;
}

void ulmap_clear(struct ulmap *m, void (*fn)(unsigned long key, unsigned long val, void *arg),
		 void *arg)
{
	struct ulmap_node *n, *next;

	for (unsigned long b = 0; b < m->nbuckets; b++) {
		for (n = m->buckets[b]; n; n = next) {
			next = n->next;
			if (fn)
				fn(n->key, n->val, arg);
			gm_free(n);
		}
		m->buckets[b] = NULL;
	}
	__atomic_store_n(&m->count, 0, __ATOMIC_RELAXED);
}

struct ulmap_node *ulmap_extract(struct ulmap *m, unsigned long lo, unsigned long hi)
{
	struct ulmap_node *out = NULL, **link, *n;
	unsigned long taken = 0;

	for (unsigned long b = 0; b < m->nbuckets; b++) {
		for (link = &m->buckets[b]; (n = *link);) {
			if (n->key < lo || n->key >= hi) {
				link = &n->next;
				continue;
			}
			*link = n->next;
			n->next = out;
			out = n;
			taken++;
		}
	}
	__atomic_store_n(&m->count, m->count - taken, __ATOMIC_RELAXED);
	return out;
}
