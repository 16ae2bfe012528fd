/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helpers for shadow gmaps: a parent gmap over 64 MiB of guest-2 memory,
 * and guest-2's own DAT tables for guest-3 written into that memory
 * (big-endian, through the host mm as guest-2's stores would land).
 */
#ifndef GMAP_TESTS_SHADOWTEST_H
#define GMAP_TESTS_SHADOWTEST_H

#include <endian.h>
#include <stdlib.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>
#include <gmap/vcpu.h>

#include "mm/mm_internal.h"

#define G2_SIZE (64UL << 20)  /* guest-2 memory: absolute 0 .. 64 MiB */
#define G2_HOST 0x200000000UL /* where it lives in the host */

/* Guest-2 tables for guest-3 (a full chain, one table per level). */
#define G2_R1T	0x100000UL
#define G2_R2T	0x110000UL
#define G2_R3T	0x120000UL
#define G2_SGT	0x130000UL
#define G2_PGT	0x140000UL /* 2 KiB; a second one at + 0x800 */
#define G2_DATA 0x400000UL /* data pages of guest-3 from here */

/* The guest-3 address the chain translates: rfx 1, rsx 2, rtx 3, sx 4, px 5. */
#define G3_ADDR ((1UL << 53) | (2UL << 42) | (3UL << 31) | (4UL << 20) | (5UL << 12))

struct g2 {
	struct mm_struct *mm;
	struct gmap *parent;
};

static inline int g2_create(struct g2 *g)
{
	g->mm = mm_create();
	if (!g->mm || mm_mmap(g->mm, G2_HOST, G2_SIZE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED) != G2_HOST)
		return -1;
	g->parent = gmap_create(g->mm, (1UL << 42) - 1);
	if (!g->parent || gmap_map_segment(g->parent, G2_HOST, 0, G2_SIZE))
		return -1;
	return 0;
}

static inline void g2_destroy(struct g2 *g)
{
	gmap_remove(g->parent);
	mm_destroy(g->mm);
	gm_quiesce();
}

/* A store by guest-2 (through the host mm: a write fault on a protected page notifies). */
static inline int g2_put(struct g2 *g, unsigned long paddr, unsigned long val)
{
	unsigned long be = htobe64(val);

	return mm_write(g->mm, G2_HOST + paddr, &be, sizeof(be));
}

static inline unsigned long g2_get(struct g2 *g, unsigned long paddr)
{
	unsigned long be = 0;

	mm_read(g->mm, G2_HOST + paddr, &be, sizeof(be));
	return be64toh(be);
}

static inline void g2_fill(struct g2 *g, unsigned long origin, unsigned long n, unsigned long val)
{
	for (unsigned long i = 0; i < n; i++)
		g2_put(g, origin + 8 * i, val);
}

/* The host frame behind guest-2 address @paddr (0 if none). */
static inline unsigned long g2_frame(struct g2 *g, unsigned long paddr)
{
	unsigned long pte = mm_lookup_pte(g->mm, G2_HOST + paddr);

	return (pte & _PAGE_PRESENT) ? (pte & PAGE_MASK) : 0;
}

static inline unsigned long g2_pgste(struct g2 *g, unsigned long paddr)
{
	pte_t *ptep = mm_pte_lookup(g->mm, G2_HOST + paddr);

	return ptep ? *pgste_of(&ptep->pte) : 0;
}

/* Empty tables, then the chain for G3_ADDR -> G2_DATA + 5 pages' worth of offset 0. */
static inline void g2_build_chain(struct g2 *g)
{
	g2_fill(g, G2_R1T, 2048, _REGION1_ENTRY_EMPTY);
	g2_fill(g, G2_R2T, 2048, _REGION2_ENTRY_EMPTY);
	g2_fill(g, G2_R3T, 2048, _REGION3_ENTRY_EMPTY);
	g2_fill(g, G2_SGT, 2048, _SEGMENT_ENTRY_EMPTY);
	g2_fill(g, G2_PGT, 512, _PAGE_INVALID);
	g2_put(g, G2_R1T + 1 * 8, G2_R2T | _REGION_ENTRY_TYPE_R1 | _REGION_ENTRY_LENGTH);
	g2_put(g, G2_R2T + 2 * 8, G2_R3T | _REGION_ENTRY_TYPE_R2 | _REGION_ENTRY_LENGTH);
	g2_put(g, G2_R3T + 3 * 8, G2_SGT | _REGION_ENTRY_TYPE_R3 | _REGION_ENTRY_LENGTH);
	g2_put(g, G2_SGT + 4 * 8, G2_PGT);
	for (unsigned long i = 0; i < 256; i++)
		g2_put(g, G2_PGT + 8 * i, G2_DATA + i * PAGE_SIZE);
}

#define ASCE_R1 (G2_R1T | _ASCE_TYPE_REGION1 | _ASCE_TABLE_LENGTH)

/* The shadow PTE of @saddr, or _PAGE_INVALID if the shadow has none. */
static inline unsigned long shadow_pte_of(struct gmap *sg, unsigned long saddr)
{
	unsigned long *ptep, v = _PAGE_INVALID;

	spin_lock(&sg->guest_table_lock);
	ptep = gmap_table_walk(sg, saddr, 0);
	if (ptep)
		v = *ptep;
	spin_unlock(&sg->guest_table_lock);
	return v;
}

/* Fault @saddr into @sg, retrying -EAGAIN a bounded number of times. */
static inline int shadow_fault_retry(struct gmap *sg, unsigned long saddr)
{
	int rc = -EAGAIN;

	for (int i = 0; i < 100 && rc == -EAGAIN; i++)
		rc = vsie_shadow_fault(sg, saddr, NULL);
	return rc;
}

#endif /* GMAP_TESTS_SHADOWTEST_H */
