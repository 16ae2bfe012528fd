/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_g2 - the guest-2 that bench_2d and bench_vsie run guest-3 on.
 *
 * Guest-2 is a gmap over 64 MiB of host memory at G2_HOST. Its DAT tables for
 * guest-3, big-endian in its own memory, are one chain of region-first,
 * region-second, region-third and segment tables and a page table per segment,
 * mapping guest-3 0 .. 16 MiB (G3_PAGES pages) onto guest-2 G3_DATA .. +16 MiB;
 * every other entry is invalid. What the data pages hold is each benchmark's.
 *
 * Setup only: nothing here runs inside a timed loop. Failures exit 1
 * (bench_die()).
 */
#ifndef BENCH_G2_H
#define BENCH_G2_H

#include <endian.h>

#include <gmap/gmap.h>

#include "bench_util.h"

#define G2_SIZE	 (64UL << 20)
#define G2_HOST	 0x200000000UL
#define R1T	 0x100000UL
#define R2T	 0x110000UL
#define R3T	 0x120000UL
#define SGT	 0x130000UL
#define PGT	 0x140000UL  /* 2 KiB per segment */
#define G3_DATA	 0x1000000UL /* guest-3 0 maps here */
#define G3_NSEG	 16UL
#define G3_PAGES (G3_NSEG << 8)
#define TOP_LAST (8 * 0x7ffUL) /* an unused top-level entry: storing to it removes a shadow */

struct g2 {
	struct mm_struct *mm;
	struct gmap *parent; /* guest-2's gmap, the parent of guest-3's shadows */
};

/* Store one big-endian doubleword at guest-2 absolute @paddr. */
static inline void g2_put(struct g2 *g, unsigned long paddr, unsigned long val)
{
	unsigned long be = htobe64(val);
	int rc = mm_write(g->mm, G2_HOST + paddr, &be, sizeof(be));

	if (rc)
		bench_die("mm_write (guest-2)", rc);
}

/* Fill the region or segment table at @origin with @val, in one write. */
static inline void g2_fill(struct g2 *g, unsigned long origin, unsigned long val)
{
	static unsigned long table[_CRST_ENTRIES];
	int rc;

	for (unsigned long i = 0; i < _CRST_ENTRIES; i++)
		table[i] = htobe64(val);
	rc = mm_write(g->mm, G2_HOST + origin, table, sizeof(table));
	if (rc)
		bench_die("mm_write (guest-2 table)", rc);
}

/* Guest-2 absolute address of the PTE of guest-3 page number @page. */
static inline unsigned long g2_pte_addr(unsigned long page)
{
	return PGT + (page >> 8) * _PAGE_TABLE_SIZE + (page & 0xff) * 8;
}

/* The mm, guest-2's gmap over all of it, and the tables for guest-3. */
static inline void g2_build(struct g2 *g)
{
	int rc;

	g->mm = mm_create();
	bench_check(g->mm != NULL, "mm_create");
	if (mm_mmap(g->mm, G2_HOST, G2_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED) != G2_HOST)
		bench_die("mm_mmap", 0);
	g->parent = gmap_create(g->mm, (1UL << 42) - 1);
	bench_check(g->parent != NULL, "gmap_create");
	rc = gmap_map_segment(g->parent, G2_HOST, 0, G2_SIZE);
	if (rc)
		bench_die("gmap_map_segment", rc);
	g2_fill(g, R1T, _REGION1_ENTRY_EMPTY);
	g2_fill(g, R2T, _REGION2_ENTRY_EMPTY);
	g2_fill(g, R3T, _REGION3_ENTRY_EMPTY);
	g2_fill(g, SGT, _SEGMENT_ENTRY_EMPTY);
	g2_put(g, R1T, R2T | _REGION1_ENTRY);
	g2_put(g, R2T, R3T | _REGION2_ENTRY);
	g2_put(g, R3T, SGT | _REGION3_ENTRY);
	for (unsigned long s = 0; s < G3_NSEG; s++)
		g2_put(g, SGT + 8 * s, PGT + s * _PAGE_TABLE_SIZE);
	for (unsigned long p = 0; p < G3_PAGES; p++)
		g2_put(g, g2_pte_addr(p), G3_DATA + p * PAGE_SIZE);
}

static inline void g2_destroy(struct g2 *g)
{
	gmap_remove(g->parent);
	mm_destroy(g->mm);
}

/* The ASCE of guest-3 with a top-level table of @asce_type (_ASCE_TYPE_*). */
static inline unsigned long g2_asce(unsigned long asce_type)
{
	switch (asce_type) {
	case _ASCE_TYPE_SEGMENT:
		return SGT | _ASCE_TYPE_SEGMENT | _ASCE_TABLE_LENGTH;
	case _ASCE_TYPE_REGION3:
		return R3T | _ASCE_TYPE_REGION3 | _ASCE_TABLE_LENGTH;
	case _ASCE_TYPE_REGION2:
		return R2T | _ASCE_TYPE_REGION2 | _ASCE_TABLE_LENGTH;
	default:
		return R1T | _ASCE_TYPE_REGION1 | _ASCE_TABLE_LENGTH;
	}
}

/*
 * A store by guest-2 to each top-level table guest-3 may use: every shadow
 * built on them is removed.
 */
static inline void g2_drop_shadows(struct g2 *g)
{
	g2_put(g, R1T + TOP_LAST, _REGION1_ENTRY_EMPTY);
	g2_put(g, R3T + TOP_LAST, _REGION3_ENTRY_EMPTY);
	g2_put(g, SGT + TOP_LAST, _SEGMENT_ENTRY_EMPTY);
}

#endif /* BENCH_G2_H */
