// SPDX-License-Identifier: GPL-2.0
/* Disjoint ranges in a treap, with preloading and a spare node; see rangemap.h. */
#include <errno.h>
#include <stddef.h>

#include <gmap/alloc.h>

#include "core/alloc_internal.h"
#include "rangemap.h"

void (*rangemap_cache_hook)(const struct rangemap *m, unsigned long addr);

bool rangemap_lookup_cached_hooked(const struct rangemap *m, unsigned long addr, unsigned long *val)
{
	return __rangemap_lookup_cached(m, addr, val, rangemap_cache_hook != NULL);
}

int rangemap_init(struct rangemap *m)
{
	for (unsigned int i = 0; i < RANGEMAP_CACHE_SLOTS; i++)
		m->cache[i] = (struct rangemap_slot){ 0 };
	m->root = NULL;
	m->nranges = 0;
	m->length = 0;
	m->rnd = 0x9e3779b97f4a7c15UL ^ (unsigned long)m;
	m->spare = gm_malloc_at(GM_SITE_RANGEMAP_SPARE_INIT, sizeof(*m->spare));
	return m->spare ? 0 : -ENOMEM;
}

void rangemap_destroy(struct rangemap *m)
{
	rangemap_clear(m, NULL, NULL);
	gm_free(m->spare);
	m->spare = NULL;
}

unsigned long rangemap_length(const struct rangemap *m)
{
	return m->length;
}

unsigned long rangemap_count(const struct rangemap *m)
{
	return m->nranges;
}

int rangemap_preload(struct rangemap *m, struct rangemap_preload *pre, unsigned int n)
{
	int rc = 0;

	for (unsigned int i = 0; i < RANGEMAP_PRELOAD_MAX; i++)
		pre->node[i] = NULL;
	if (!m->spare) {
		m->spare = gm_malloc_at(GM_SITE_RANGEMAP_SPARE, sizeof(*m->spare));
		if (!m->spare)
			return -ENOMEM;
	}
	for (unsigned int i = 0; i < n && i < RANGEMAP_PRELOAD_MAX && !rc; i++) {
		pre->node[i] = gm_malloc_at(GM_SITE_RANGEMAP_NODE, sizeof(*pre->node[i]));
		if (!pre->node[i])
			rc = -ENOMEM;
	}
	return rc;
}

void rangemap_preload_end(struct rangemap *m, struct rangemap_preload *pre)
{
	for (unsigned int i = 0; i < RANGEMAP_PRELOAD_MAX; i++) {
		if (pre->node[i] && !m->spare)
			m->spare = pre->node[i];
		else
			gm_free(pre->node[i]);
		pre->node[i] = NULL;
	}
	/* A removal fell back on the spare: try to have one again for the next. */
	if (!m->spare)
		m->spare = gm_malloc_at(GM_SITE_RANGEMAP_REFILL, sizeof(*m->spare));
}

/* A preloaded node, or (for a removal's split only) the spare. */
static struct range_node *take_node(struct rangemap *m, struct rangemap_preload *pre, bool spare_ok)
{
	struct range_node *n;

	for (unsigned int i = 0; pre && i < RANGEMAP_PRELOAD_MAX; i++) {
		n = pre->node[i];
		if (n) {
			pre->node[i] = NULL;
			return n;
		}
	}
	if (!spare_ok)
		return NULL;
	n = m->spare;
	m->spare = NULL;
	return n;
}

/* Keep a freed node as the spare if that is gone. */
static void put_node(struct rangemap *m, struct range_node *n)
{
	m->nranges--;
	m->length -= n->end - n->start;
	if (!m->spare)
		m->spare = n;
	else
		gm_free(n);
}

static struct range_node *node_init(struct rangemap *m, struct range_node *n, unsigned long start,
				    unsigned long end, unsigned long val)
{
	/* xorshift64: priorities only need to be independent of the keys. */
	m->rnd ^= m->rnd << 13;
	m->rnd ^= m->rnd >> 7;
	m->rnd ^= m->rnd << 17;
	n->left = n->right = NULL;
	n->start = start;
	n->end = end;
	n->val = val;
	n->prio = m->rnd;
	m->nranges++;
	m->length += end - start;
	return n;
}

/* Split @t into the ranges that start below @key (*@l) and the others (*@r). */
static void split(struct range_node *t, unsigned long key, struct range_node **l,
		  struct range_node **r)
{
	if (!t) {
		*l = *r = NULL;
	} else if (t->start < key) {
		split(t->right, key, &t->right, r);
		*l = t;
	} else {
		split(t->left, key, l, &t->left);
		*r = t;
	}
}

/* Join two treaps, every range of @l below every range of @r. */
static struct range_node *merge(struct range_node *l, struct range_node *r)
{
	if (!l)
		return r;
	if (!r)
		return l;
	if (l->prio > r->prio) {
		l->right = merge(l->right, r);
		return l;
	}
	r->left = merge(l, r->left);
	return r;
}

static struct range_node *last(struct range_node *t)
{
	while (t && t->right)
		t = t->right;
	return t;
}

static struct range_node *first(struct range_node *t)
{
	while (t && t->left)
		t = t->left;
	return t;
}

bool rangemap_lookup(const struct rangemap *m, unsigned long addr, unsigned long *val)
{
	const struct range_node *t = m->root;

	while (t) {
		if (addr < t->start) {
			t = t->left;
		} else if (addr >= t->end) {
			t = t->right;
		} else {
			*val = t->val + (addr - t->start);
			return true;
		}
	}
	return false;
}

/* Write a slot whose sequence the caller made odd (@seq + 1), then release it. */
static void slot_write(struct rangemap_slot *s, unsigned long seq, unsigned long start,
		       unsigned long len, unsigned long val)
{
	/* Release stores: a reader that sees one of them sees the odd sequence on its re-check. */
	__atomic_store_n(&s->start, start, __ATOMIC_RELEASE);
	__atomic_store_n(&s->len, len, __ATOMIC_RELEASE);
	__atomic_store_n(&s->val, val, __ATOMIC_RELEASE);
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
}

bool rangemap_lookup_fill(struct rangemap *m, unsigned long addr, unsigned long *val)
{
	struct rangemap_slot *s = &m->cache[(addr >> RANGEMAP_CACHE_GRAIN) % RANGEMAP_CACHE_SLOTS];
	const struct range_node *t = m->root;
	unsigned long seq;

	while (t && (addr < t->start || addr >= t->end))
		t = addr < t->start ? t->left : t->right;
	if (!t)
		return false;
	*val = t->val + (addr - t->start);
	seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
	/* Another filler holds the slot, or takes it first: leave it the slot. */
	if ((seq & 1) || !__atomic_compare_exchange_n(&s->seq, &seq, seq + 1, false,
						      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return true;
	slot_write(s, seq, t->start, t->end - t->start, t->val);
	return true;
}

/*
 * Empty every slot. Context: the lock held for writing, so no filler runs; lock-free
 * readers see each slot's sequence change (or the slot empty) from here on.
 */
static void cache_empty(struct rangemap *m)
{
	for (unsigned int i = 0; i < RANGEMAP_CACHE_SLOTS; i++) {
		struct rangemap_slot *s = &m->cache[i];
		unsigned long seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);

		if (!__atomic_load_n(&s->len, __ATOMIC_RELAXED))
			continue;
		__atomic_store_n(&s->seq, seq + 1, __ATOMIC_RELAXED);
		slot_write(s, seq, 0, 0, 0);
	}
}

bool rangemap_next(const struct rangemap *m, unsigned long addr, unsigned long *start,
		   unsigned long *end, unsigned long *val)
{
	const struct range_node *t = m->root, *best = NULL;

	/* Disjoint ranges ordered by start are ordered by end too. */
	while (t) {
		if (addr < t->end) {
			best = t;
			t = t->left;
		} else {
			t = t->right;
		}
	}
	if (!best)
		return false;
	*start = best->start;
	*end = best->end;
	*val = best->val;
	return true;
}

/* Free every range of @t in address order, telling @fn. */
static void drain(struct rangemap *m, struct range_node *t, rangemap_fn fn, void *arg)
{
	struct range_node *r;

	if (!t)
		return;
	drain(m, t->left, fn, arg);
	r = t->right;
	if (fn)
		fn(t->start, t->end, t->val, arg);
	put_node(m, t);
	drain(m, r, fn, arg);
}

struct piece {
	unsigned long start, end, val;
};

static void tell(rangemap_fn fn, void *arg, const struct piece *p)
{
	if (fn && p->end > p->start)
		fn(p->start, p->end, p->val, arg);
}

int rangemap_remove(struct rangemap *m, unsigned long start, unsigned long end, rangemap_fn fn,
		    void *arg, struct rangemap_preload *pre)
{
	struct range_node *l, *mid, *r, *p, *q, *n;
	struct piece head = { 0 }, tail = { 0 };

	cache_empty(m);
	split(m->root, start, &l, &mid);
	split(mid, end, &mid, &r);
	/* The range that starts below @start may reach into [start, end), or beyond. */
	p = last(l);
	if (p && p->end > end) {
		n = take_node(m, pre, true);
		if (!n) {
			m->root = merge(l, r); /* mid is empty: p covers [start, end) */
			return -ENOMEM;
		}
		r = merge(node_init(m, n, end, p->end, p->val + (end - p->start)), r);
		m->length -= p->end - end;
	}
	if (p && p->end > start) {
		head = (struct piece){ start, p->end < end ? p->end : end,
				       p->val + (start - p->start) };
		m->length -= head.end - head.start;
		p->end = start;
	}
	/* The last range that starts inside may reach beyond @end: keep its tail. */
	q = last(mid);
	if (q && q->end > end) {
		split(mid, q->start, &mid, &n); /* n == q */
		tail = (struct piece){ q->start, end, q->val };
		m->length -= end - q->start;
		q->val += end - q->start;
		q->start = end;
		r = merge(q, r);
	}
	m->root = merge(l, r);
	tell(fn, arg, &head);
	drain(m, mid, fn, arg);
	tell(fn, arg, &tail);
	return 0;
}

int rangemap_insert(struct rangemap *m, unsigned long start, unsigned long end, unsigned long val,
		    struct rangemap_preload *pre)
{
	struct range_node *l, *r, *p, *q, *n;
	bool left, right;

	split(m->root, start, &l, &r);
	p = last(l);
	q = first(r);
	left = p && p->end == start && p->val + (start - p->start) == val;
	right = q && q->start == end && q->val == val + (end - start);
	if (left && right) {
		split(r, q->start + 1, &n, &r); /* n == q */
		p->end = q->end;
		m->length += q->end - q->start; /* moved to p: put_node() takes it off */
		put_node(m, q);
		m->length += end - start;
	} else if (left) {
		p->end = end;
		m->length += end - start;
	} else if (right) {
		q->start = start;
		q->val = val;
		m->length += end - start;
	} else {
		n = take_node(m, pre, false);
		if (!n) {
			m->root = merge(l, r);
			return -ENOMEM;
		}
		r = merge(node_init(m, n, start, end, val), r);
	}
	m->root = merge(l, r);
	return 0;
}

void rangemap_clear(struct rangemap *m, rangemap_fn fn, void *arg)
{
	struct range_node *t = m->root;

	cache_empty(m);
	m->root = NULL;
	drain(m, t, fn, arg);
}
