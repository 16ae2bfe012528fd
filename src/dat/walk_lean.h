/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lean DAT walker, as an always-inline function instantiated per ASCE type
 * (constant shifts, no level loop) and per entry format (native or big-endian).
 *
 * It handles the plain case only and says "not translated" for anything else,
 * leaving the rare valid case it does not handle (TF > 0 or TL < 3, low-address
 * stores, real space) and the rare exceptions to the exact walker of
 * walk_inline.h. The common exceptions it names itself, in the result's @abs
 * (info still 0, see lean_exc()): an invalid entry at any level, the ASCE's
 * reach, DAT protection on a store and IEP on an instruction fetch; each is
 * the first check the exact walker would fail there. Every entry costs one load, one
 * mask-and-compare against a constant prepared by dat_lean_init() and the origin mask, so that its
 * checks run beside the chain of dependent loads instead of on it. Protection is the OR of the
 * entries, masked once at the end: bit 54 is P at every level.
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

/*
 * An exception the lean walk recognised: info 0 (not translated, as for the fallback),
 * and in @abs the PIC (bits 0-7, never 0), the TEID's bits besides the address, the
 * access and the space (bits 8-15, DAT_LEAN_EXC_TEID when there is a TEID) and the
 * level + 1 (bits 20-23). dat_lean_exception() decodes it.
 */
#define LEAN_EXC_EXTRA_SHIFT 8
#define LEAN_EXC_LEVEL_SHIFT 20
#define LEAN_EXC_TEID	     (1UL << 16)

static DAT_ALWAYS_INLINE struct dat_lean_result lean_exc(unsigned int pic, int level,
							 unsigned long teid)
{
	return (struct dat_lean_result){
		.abs = pic | teid | ((unsigned long)(level + 1) << LEAN_EXC_LEVEL_SHIFT),
	};
}

/* A translation exception for @level, with a TEID. */
static DAT_ALWAYS_INLINE struct dat_lean_result lean_exc_level(int level)
{
	return lean_exc(dat_level_pic(level), level, LEAN_EXC_TEID);
}

/*
 * Read the entry at absolute @origin + @off (@origin from the entry before, @off the
 * index times 8, at most @off_max); false sends the walk to the fallback.
 *
 * Big-endian: the entry's host address is formed as (base + @off) + @origin, the
 * sum in brackets beside the chain (it depends on the address only), so that the
 * chain of dependent loads is load, byte swap, mask, load, as in the floor. The
 * bound is checked on the origin alone: the whole table (@off_max + 8 bytes) lies
 * in the storage. A table that reaches beyond the end, and an origin + offset that
 * wraps around 2^64, go to the fallback (which reads the entry if it is there).
 * Checked as origin + @off, the compiler shared that sum with the address and put
 * one more addition on the chain at every level (about 10 % of a hot walk). The
 * empty asm keeps it from forming base + (origin + @off) again.
 */
static DAT_ALWAYS_INLINE bool lean_fetch(const struct dat_lean *l, unsigned long origin,
					 unsigned long off, unsigned long off_max, bool be,
					 unsigned long *e)
{
	if (be) {
		uintptr_t p = (uintptr_t)l->base + off;

		__asm__("" : "+r"(p));
		/* dat_lean_init_be() leaves storage below 16 KiB to the fallback: no wrap here. */
		if (origin > l->ea_last - off_max)
			return false;
		*e = __builtin_bswap64(
			__atomic_load_n((const uint64_t *)(p + origin), __ATOMIC_RELAXED));
		return true;
	}
	/* Acquire pairs with the release store that publishes a new lower table. */
	*e = __atomic_load_n((const unsigned long *)(origin + off), __ATOMIC_ACQUIRE);
	return true;
}

/* The largest index times 8 of a region or segment table, and of a page table. */
#define LEAN_CRST_OFF_MAX (2047UL * 8)
#define LEAN_PT_OFF_MAX	  (255UL * 8)

/*
 * Where a walk reads its entries: native tables (entries hold pointers), big-endian
 * flat storage from absolute 0 (struct dat_lean.base), or big-endian storage in
 * several spans found through the granule map of dat_lean_init_spans().
 */
enum lean_mode {
	LEAN_NATIVE,
	LEAN_FLAT,
	LEAN_SPANS,
};

/*
 * lean_fetch() for every mode. In LEAN_SPANS the granule of the entry gives its host
 * pointer in one load from a small array (no search): an entry is 8-byte aligned and a
 * granule at least 4 KiB, so an entry never straddles two granules; a granule the map
 * leaves NULL (a hole, a segment's zero tail, storage beyond the limit) sends the walk
 * to the fallback.
 */
static DAT_ALWAYS_INLINE bool lean_fetch_mode(const struct dat_lean *l, unsigned long origin,
					      unsigned long off, unsigned long off_max, int mode,
					      unsigned long *e)
{
	if (mode == LEAN_SPANS) {
		unsigned long ea = origin + off, g = ea >> l->span_shift;
		const unsigned char *p;

		if (g > l->span_last)
			return false;
		p = l->span_map[g];
		if (!p)
			return false;
		*e = __builtin_bswap64(__atomic_load_n((const uint64_t *)(p + (ea & l->span_mask)),
						       __ATOMIC_RELAXED));
		return true;
	}
	return lean_fetch(l, origin, off, off_max, mode == LEAN_FLAT, e);
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
		return lean_exc(PGM_PROTECTION, level,
				LEAN_EXC_TEID | TEID_PROT_DAT << LEAN_EXC_EXTRA_SHIFT);
	if (access == DAT_IFETCH && (leaf & l->iep_check))
		return lean_exc(PGM_PROTECTION, level,
				LEAN_EXC_TEID | TEID_PROT_IEP << LEAN_EXC_EXTRA_SHIFT);
	/* Addressing: dat_translate() gives the frame's address beside it (LRA's answer). */
	if (abs > l->frame_last)
		return dat_lean_slow;
	return (struct dat_lean_result){
		.abs = abs,
		.info = DAT_LEAN_OK | prot | (leaf & DAT_LEAN_IEP) |
			((unsigned long)level << DAT_LEAN_LEVEL_SHIFT),
	};
}

/*
 * One region entry above region third: valid, type @tt, full next table; false with
 * *@r the exception or the fallback when it is not.
 */
static DAT_ALWAYS_INLINE bool lean_region_mode(const struct dat_lean *l, unsigned long va,
					       int level, int mode, unsigned long *origin,
					       unsigned long *rprot, struct dat_lean_result *r)
{
	unsigned long e, want = ((unsigned long)(level - 1) << 2) | _REGION_ENTRY_LENGTH;

	if (!lean_fetch_mode(l, *origin, ((va >> dat_level_shift(level)) & 0x7ff) * 8,
			     LEAN_CRST_OFF_MAX, mode, &e)) {
		*r = dat_lean_slow;
		return false;
	}
	if ((e & LEAN_REGION_CHECK) != want) {
		*r = e & _REGION_ENTRY_INVALID ? lean_exc_level(level) : dat_lean_slow;
		return false;
	}
	*rprot |= e;
	*origin = e & _REGION_ENTRY_ORIGIN;
	return true;
}

/* The address checks before the first entry: the ASCE's reach, low-address protection. */
static DAT_ALWAYS_INLINE bool lean_va_ok(const struct dat_lean *l, unsigned long va,
					 enum dat_access access)
{
	return va <= l->va_last && !(access == DAT_STORE && va < l->lap_end);
}

/*
 * Why lean_va_ok() refused @va: beyond the reach of an ASCE of type @top, the
 * ASCE-type or the top level's translation exception (never a low address, which
 * every ASCE reaches); else a low-address store, the fallback's.
 */
static DAT_ALWAYS_INLINE struct dat_lean_result lean_va_fail(const struct dat_lean *l,
							     unsigned long va, int top)
{
	if (va <= l->va_last)
		return dat_lean_slow;
	if (top < DAT_LEVEL_REGION1 && (va >> dat_level_shift(top + 1)))
		return lean_exc(PGM_ASCE_TYPE, DAT_LEVEL_ASCE, LEAN_EXC_TEID);
	return lean_exc(dat_level_pic(top), DAT_LEVEL_ASCE, LEAN_EXC_TEID);
}

/*
 * The region-third entry: true to go on to the segment table (*@origin, *@rprot
 * updated); false when the walk ends here, with *@r a 2 GiB frame or the fallback.
 */
static DAT_ALWAYS_INLINE bool lean_r3(const struct dat_lean *l, unsigned long va,
				      enum dat_access access, int mode, unsigned long *origin,
				      unsigned long *rprot, struct dat_lean_result *r)
{
	unsigned long e;

	if (!lean_fetch_mode(l, *origin, dat_rtx(va) * 8, LEAN_CRST_OFF_MAX, mode, &e)) {
		*r = dat_lean_slow;
		return false;
	}
	if ((e & l->r3_check) != _REGION3_ENTRY) {
		if ((e & l->r3_large_check) != l->r3_large_want)
			*r = e & _REGION_ENTRY_INVALID ? lean_exc_level(DAT_LEVEL_REGION3)
						       : dat_lean_slow;
		else
			*r = lean_leaf(l, access,
				       (e & _REGION3_ENTRY_ORIGIN_LARGE) | (va & ~_REGION3_MASK), e,
				       (*rprot | e) & l->region_pmask, DAT_LEVEL_REGION3);
		return false;
	}
	*rprot |= e;
	*origin = e & _REGION_ENTRY_ORIGIN;
	return true;
}

/*
 * The segment entry, with *@prot the region protection so far: true to go on to the
 * page table at *@origin; false when the walk ends here (*@r a 1 MiB frame or the
 * fallback).
 */
static DAT_ALWAYS_INLINE bool lean_seg(const struct dat_lean *l, unsigned long va,
				       enum dat_access access, int mode, unsigned long *origin,
				       unsigned long *prot, struct dat_lean_result *r)
{
	unsigned long e;

	if (!lean_fetch_mode(l, *origin, dat_sx(va) * 8, LEAN_CRST_OFF_MAX, mode, &e)) {
		*r = dat_lean_slow;
		return false;
	}
	*prot |= e;
	if (e & l->ste_check) {
		if ((e & l->ste_large_check) != _SEGMENT_ENTRY_LARGE)
			*r = e & _SEGMENT_ENTRY_INVALID ? lean_exc_level(DAT_LEVEL_SEGMENT)
							: dat_lean_slow;
		else
			*r = lean_leaf(l, access,
				       (e & _SEGMENT_ENTRY_ORIGIN_LARGE) | (va & ~_SEGMENT_MASK), e,
				       *prot, DAT_LEVEL_SEGMENT);
		return false;
	}
	*origin = e & _SEGMENT_ENTRY_ORIGIN;
	return true;
}

/* The page-table entry and the page frame, prefixed. */
static DAT_ALWAYS_INLINE struct dat_lean_result lean_pte(const struct dat_lean *l, unsigned long va,
							 enum dat_access access, int mode,
							 unsigned long origin, unsigned long prot)
{
	unsigned long e;

	if (!lean_fetch_mode(l, origin, dat_px(va) * 8, LEAN_PT_OFF_MAX, mode, &e))
		return dat_lean_slow;
	if (e & l->pte_check)
		return e & _PAGE_INVALID ? lean_exc_level(DAT_LEVEL_PTE) : dat_lean_slow;
	prot |= e;
	if (l->prefix)
		return lean_leaf(l, access,
				 lean_prefix((e & PAGE_MASK) | (va & ~PAGE_MASK), l->prefix), e,
				 prot, DAT_LEVEL_PTE);
	return lean_leaf(l, access, (e & PAGE_MASK) | (va & ~PAGE_MASK), e, prot, DAT_LEVEL_PTE);
}

/**
 * lean_walk_mode() - the lean walk for ASCE type @top reading entries as @mode says
 */
static DAT_ALWAYS_INLINE struct dat_lean_result lean_walk_mode(const struct dat_lean *l,
							       unsigned long va,
							       enum dat_access access, int top,
							       int mode)
{
	unsigned long origin = l->origin, rprot = 0, prot;
	struct dat_lean_result r;

	if (!lean_va_ok(l, va, access))
		return lean_va_fail(l, va, top);
	if (top >= DAT_LEVEL_REGION1 &&
	    !lean_region_mode(l, va, DAT_LEVEL_REGION1, mode, &origin, &rprot, &r))
		return r;
	if (top >= DAT_LEVEL_REGION2 &&
	    !lean_region_mode(l, va, DAT_LEVEL_REGION2, mode, &origin, &rprot, &r))
		return r;
	if (top >= DAT_LEVEL_REGION3 && !lean_r3(l, va, access, mode, &origin, &rprot, &r))
		return r;
	prot = rprot & l->region_pmask;
	if (!lean_seg(l, va, access, mode, &origin, &prot, &r))
		return r;
	return lean_pte(l, va, access, mode, origin, prot);
}

/**
 * dat_lean_walk_inline() - the lean walk for ASCE type @top; see dat_lean_walk()
 */
static DAT_ALWAYS_INLINE struct dat_lean_result dat_lean_walk_inline(const struct dat_lean *l,
								     unsigned long va,
								     enum dat_access access,
								     int top, bool be)
{
	return lean_walk_mode(l, va, access, top, be ? LEAN_FLAT : LEAN_NATIVE);
}

/* A prefetch of the entry at absolute @ea, where the walk will read it next. */
static DAT_ALWAYS_INLINE void lean_prefetch(const struct dat_lean *l, unsigned long ea, int mode)
{
	const unsigned char *p;

	if (mode == LEAN_NATIVE) {
		p = (const unsigned char *)ea;
	} else if (mode == LEAN_FLAT) {
		if (ea > l->ea_last)
			return;
		p = l->base + ea;
	} else {
		if ((ea >> l->span_shift) > l->span_last || !l->span_map[ea >> l->span_shift])
			return;
		p = l->span_map[ea >> l->span_shift] + (ea & l->span_mask);
	}
	__builtin_prefetch(p, 0, 3);
}

/*
 * lean_batch_mode() - @n lean walks into @out[], @k at a time, advanced level by level
 *
 * The walks of a group are independent: each level's entries are fetched one walk
 * after the other, and as a walk goes on from its region-third or segment entry, the
 * entry it reads next is prefetched (the upper tables are few and stay cached; the
 * segment and page tables are many), so the group's cache and TLB misses overlap
 * instead of following each other, even when the loop bodies of the whole group do
 * not fit in the processor's reorder window. A walk that leaves the plain case drops out of
 * the group with its result already stored (a frame, an exception, or the fallback);
 * the others go on. @k is 1 to DAT_LEAN_MAX_INFLIGHT.
 */
static DAT_ALWAYS_INLINE void lean_batch_mode(const struct dat_lean *l, const unsigned long *va,
					      unsigned int n, unsigned int k,
					      struct dat_lean_result *out, enum dat_access access,
					      int top, int mode)
{
	unsigned long origin[DAT_LEAN_MAX_INFLIGHT], prot[DAT_LEAN_MAX_INFLIGHT];

	for (unsigned int b = 0; b < n; b += k) {
		unsigned int m = n - b < k ? n - b : k, i;
		const unsigned long *v = va + b;
		struct dat_lean_result *o = out + b;
		unsigned long live = 0, w;

		for (i = 0; i < m; i++) {
			bool ok = lean_va_ok(l, v[i], access);

			o[i] = ok ? dat_lean_slow : lean_va_fail(l, v[i], top);
			origin[i] = l->origin;
			prot[i] = 0;
			live |= (unsigned long)ok << i;
		}
		if (top >= DAT_LEVEL_REGION1)
			for (w = live; w; w &= w - 1) {
				i = (unsigned int)__builtin_ctzl(w);
				if (!lean_region_mode(l, v[i], DAT_LEVEL_REGION1, mode, &origin[i],
						      &prot[i], &o[i]))
					live &= ~(1UL << i);
			}
		if (top >= DAT_LEVEL_REGION2)
			for (w = live; w; w &= w - 1) {
				i = (unsigned int)__builtin_ctzl(w);
				if (!lean_region_mode(l, v[i], DAT_LEVEL_REGION2, mode, &origin[i],
						      &prot[i], &o[i]))
					live &= ~(1UL << i);
			}
		if (top >= DAT_LEVEL_REGION3)
			for (w = live; w; w &= w - 1) {
				i = (unsigned int)__builtin_ctzl(w);
				if (!lean_r3(l, v[i], access, mode, &origin[i], &prot[i], &o[i]))
					live &= ~(1UL << i);
				else
					lean_prefetch(l, origin[i] + dat_sx(v[i]) * 8, mode);
			}
		for (w = live; w; w &= w - 1) {
			i = (unsigned int)__builtin_ctzl(w);
			prot[i] &= l->region_pmask;
			if (!lean_seg(l, v[i], access, mode, &origin[i], &prot[i], &o[i]))
				live &= ~(1UL << i);
			else
				lean_prefetch(l, origin[i] + dat_px(v[i]) * 8, mode);
		}
		for (w = live; w; w &= w - 1) {
			i = (unsigned int)__builtin_ctzl(w);
			o[i] = lean_pte(l, v[i], access, mode, origin[i], prot[i]);
		}
	}
}
#endif /* GMAP_SRC_DAT_WALK_LEAN_H */
