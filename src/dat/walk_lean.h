/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lean DAT walker, as an always-inline function instantiated per ASCE type
 * (constant shifts, no level loop) and per entry format (native or big-endian).
 *
 * It handles the plain case only and says "not translated" for anything else,
 * leaving the exception, or the rare valid case it does not handle (TF > 0 or
 * TL < 3, low-address stores, real space), to the exact walker of
 * walk_inline.h. Every entry costs one load, one mask-and-compare against a
 * constant prepared by dat_lean_init() and the origin mask, so that its checks
 * run beside the chain of dependent loads instead of on it. Protection is the
 * OR of the entries, masked once at the end: bit 54 is P at every level.
 */
#ifndef GMAP_SRC_DAT_WALK_LEAN_H
#define GMAP_SRC_DAT_WALK_LEAN_H

#include <stdint.h>

#include <gmap/dat.h>

#include "walk_inline.h"

/* A region entry that designates a full next table: valid, its own type, TF 0, TL 3. */
#define LEAN_REGION_CHECK                                                         \
	(_REGION_ENTRY_INVALID | _REGION_ENTRY_TYPE_MASK | _REGION_ENTRY_OFFSET | \
	 _REGION_ENTRY_LENGTH)

static const struct dat_lean_result dat_lean_slow;

/* Read one entry; false sends the walk to the fallback (beyond the flat storage). */
static DAT_ALWAYS_INLINE bool lean_fetch(const struct dat_lean *l, unsigned long ea, bool be,
					 unsigned long *e)
{
	if (be) {
		if (ea > l->ea_last)
			return false;
		*e = __builtin_bswap64(
			__atomic_load_n((const uint64_t *)(l->base + ea), __ATOMIC_RELAXED));
		return true;
	}
	/* Acquire pairs with the release store that publishes a new lower table. */
	*e = __atomic_load_n((const unsigned long *)ea, __ATOMIC_ACQUIRE);
	return true;
}

/* Prefixing as an XOR: both swapped 8 KiB blocks are prefix-aligned. */
static DAT_ALWAYS_INLINE unsigned long lean_prefix(unsigned long real, unsigned long prefix)
{
	unsigned long block = real & ~(PREFIX_AREA_SIZE - 1);

	return block == 0 || block == prefix ? real ^ prefix : real;
}

/* The checks every leaf passes: protection on a store, IEP on an instruction fetch, storage. */
static DAT_ALWAYS_INLINE struct dat_lean_result lean_leaf(const struct dat_lean *l,
							  enum dat_access access, unsigned long abs,
							  unsigned long leaf, unsigned long prot,
							  int level)
{
	prot &= DAT_LEAN_PROT;
	if (access == DAT_STORE && prot)
		return dat_lean_slow;
	if (access == DAT_IFETCH && (leaf & l->iep_check))
		return dat_lean_slow;
	if (abs > l->frame_last)
		return dat_lean_slow;
	return (struct dat_lean_result){
		.abs = abs,
		.info = DAT_LEAN_OK | prot | (leaf & DAT_LEAN_IEP) |
			((unsigned long)level << DAT_LEAN_LEVEL_SHIFT),
	};
}

/* One region entry above region third: valid, type @tt, full next table. */
static DAT_ALWAYS_INLINE bool lean_region(const struct dat_lean *l, unsigned long va, int level,
					  bool be, unsigned long *origin, unsigned long *rprot)
{
	unsigned long e, want = ((unsigned long)(level - 1) << 2) | _REGION_ENTRY_LENGTH;

	if (!lean_fetch(l, *origin + ((va >> dat_level_shift(level)) & 0x7ff) * 8, be, &e) ||
	    (e & LEAN_REGION_CHECK) != want)
		return false;
	*rprot |= e;
	*origin = e & _REGION_ENTRY_ORIGIN;
	return true;
}

/**
 * dat_lean_walk_inline() - the lean walk for ASCE type @top; see dat_lean_walk()
 */
static DAT_ALWAYS_INLINE struct dat_lean_result dat_lean_walk_inline(const struct dat_lean *l,
								     unsigned long va,
								     enum dat_access access,
								     int top, bool be)
{
	unsigned long origin = l->origin, rprot = 0, prot, e;

	if (va > l->va_last || (access == DAT_STORE && va < l->lap_end))
		return dat_lean_slow;
	if (top >= DAT_LEVEL_REGION1 && !lean_region(l, va, DAT_LEVEL_REGION1, be, &origin, &rprot))
		return dat_lean_slow;
	if (top >= DAT_LEVEL_REGION2 && !lean_region(l, va, DAT_LEVEL_REGION2, be, &origin, &rprot))
		return dat_lean_slow;
	if (top >= DAT_LEVEL_REGION3) {
		if (!lean_fetch(l, origin + dat_rtx(va) * 8, be, &e))
			return dat_lean_slow;
		if ((e & l->r3_check) != _REGION3_ENTRY) {
			if ((e & l->r3_large_check) != l->r3_large_want)
				return dat_lean_slow;
			return lean_leaf(l, access,
					 (e & _REGION3_ENTRY_ORIGIN_LARGE) | (va & ~_REGION3_MASK),
					 e, (rprot | e) & l->region_pmask, DAT_LEVEL_REGION3);
		}
		rprot |= e;
		origin = e & _REGION_ENTRY_ORIGIN;
	}
	prot = rprot & l->region_pmask;
	if (!lean_fetch(l, origin + dat_sx(va) * 8, be, &e))
		return dat_lean_slow;
	prot |= e;
	if (e & l->ste_check) {
		if ((e & l->ste_large_check) != _SEGMENT_ENTRY_LARGE)
			return dat_lean_slow;
		return lean_leaf(l, access,
				 (e & _SEGMENT_ENTRY_ORIGIN_LARGE) | (va & ~_SEGMENT_MASK), e, prot,
				 DAT_LEVEL_SEGMENT);
	}
	if (!lean_fetch(l, (e & _SEGMENT_ENTRY_ORIGIN) + dat_px(va) * 8, be, &e) ||
	    (e & l->pte_check))
		return dat_lean_slow;
	prot |= e;
	if (l->prefix)
		return lean_leaf(l, access,
				 lean_prefix((e & PAGE_MASK) | (va & ~PAGE_MASK), l->prefix), e,
				 prot, DAT_LEVEL_PTE);
	return lean_leaf(l, access, (e & PAGE_MASK) | (va & ~PAGE_MASK), e, prot, DAT_LEVEL_PTE);
}

#endif /* GMAP_SRC_DAT_WALK_LEAN_H */
