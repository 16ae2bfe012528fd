// SPDX-License-Identifier: GPL-2.0
/*
 * The lean walker's configuration, its out-of-line instances (native and
 * big-endian) and the lean-then-exact translation for callers that need only
 * the result. See walk_lean.h for the walk itself.
 */
#include <errno.h>
#include <stdint.h>

#include <gmap/dat.h>

#include "walk_lean.h"

static void lean_set_walkers(struct dat_lean *l);

/* Highest address the ASCE's type and table length admit (the ASCE-type and length checks). */
static unsigned long lean_va_last(unsigned long asce)
{
	int top = (int)((asce & _ASCE_TYPE_MASK) >> 2) + 1;
	unsigned long units = (asce & _ASCE_TABLE_LENGTH) + 1;
	unsigned int shift = dat_level_shift(top) + 9; /* a table-length unit: 512 entries */

	if (shift + 2 >= 64 && units == 4)
		return ~0UL;
	return (units << shift) - 1;
}

/* The comparisons of struct dat_lean, from the rules of dat-formats.md §6 for @cfg. */
static void lean_rules(struct dat_lean *l, const struct dat_config *cfg)
{
	bool private = cfg->asce & _ASCE_PRIVATE_SPACE;
	bool edat1 = cfg->edat >= 1, edat2 = cfg->edat >= 2;
	unsigned long cr = edat2 && private ? _REGION3_ENTRY_COMM : 0;
	unsigned long cs = private ? _SEGMENT_ENTRY_COMM : 0;

	l->region_pmask = edat1 ? _REGION_ENTRY_PROTECT : 0;
	l->r3_check = LEAN_REGION_CHECK | cr | (edat2 ? _REGION3_ENTRY_LARGE : 0);
	l->r3_large_check = 0;
	l->r3_large_want = 1; /* never matches: no 2 GiB frames without EDAT-2 */
	if (edat2) {
		l->r3_large_check =
			_REGION_ENTRY_INVALID | _REGION_ENTRY_TYPE_MASK | _REGION3_ENTRY_LARGE | cr;
		l->r3_large_want = _REGION_ENTRY_TYPE_R3 | _REGION3_ENTRY_LARGE;
	}
	l->ste_check = _SEGMENT_ENTRY_INVALID | _SEGMENT_ENTRY_TYPE_MASK | cs |
		       (edat1 ? _SEGMENT_ENTRY_LARGE : 0);
	l->ste_large_check = edat1 ? _SEGMENT_ENTRY_INVALID | _SEGMENT_ENTRY_TYPE_MASK | cs |
					     _SEGMENT_ENTRY_LARGE
				   : 0;
	/* Bit 55 is reserved unless EDAT-1 applies or IEP is installed. */
	l->pte_check = _PAGE_INVALID | _PAGE_LARGE |
		       (!edat1 && !cfg->iep && !cfg->iep_installed ? _PAGE_NOEXEC : 0);
	l->iep_check = cfg->iep ? _PAGE_NOEXEC : 0;
	l->lap_end = cfg->lap && !private ? 4096 + 512 : 0;
	l->prefix = cfg->prefix;
	l->frame_last = cfg->storage_size ? cfg->storage_size - 1 : ~0UL;
}

static void lean_common(struct dat_lean *l, const struct dat_config *cfg)
{
	*l = (struct dat_lean){ .cfg = *cfg, .ea_last = ~0UL };
	l->origin = cfg->asce & _ASCE_ORIGIN;
	l->va_last = lean_va_last(cfg->asce);
	lean_rules(l, cfg);
	/* Real space, and a prefix the XOR of lean_prefix() cannot apply, are left to the fallback.
	 */
	if ((cfg->asce & _ASCE_REAL_SPACE) || (cfg->prefix & (PREFIX_AREA_SIZE - 1)))
		l->kind = DAT_LEAN_SLOW;
	else
		l->kind = (enum dat_lean_kind)(((cfg->asce & _ASCE_TYPE_MASK) >> 2) + 1);
}

int dat_lean_init(struct dat_lean *l, const struct dat_config *cfg)
{
	if (!l || !cfg)
		return -EINVAL;
	lean_common(l, cfg);
	/* Native entries are not bound-checked: a storage limit is the exact walker's. */
	if (cfg->storage_size)
		l->kind = DAT_LEAN_SLOW;
	lean_set_walkers(l);
	return 0;
}

int dat_lean_init_be(struct dat_lean *l, const struct dat_config *cfg, const void *storage,
		     unsigned long size)
{
	unsigned long bytes = size;

	if (!l || !cfg || (!storage && size) || ((uintptr_t)storage & 7))
		return -EINVAL;
	lean_common(l, cfg);
	l->base = storage;
	if (cfg->storage_size && cfg->storage_size < bytes)
		bytes = cfg->storage_size;
	/* The last whole doubleword; entries are 8-byte aligned. */
	if (bytes < 8)
		l->kind = DAT_LEAN_SLOW;
	else
		l->ea_last = (bytes & ~7UL) - 8;
	lean_set_walkers(l);
	return 0;
}

/* One instance per ASCE type, entry format and access type. */
#define LEAN_INSTANCE(name, top, be, access)                                           \
	static struct dat_lean_result name(const struct dat_lean *l, unsigned long va) \
	{                                                                              \
		return dat_lean_walk_inline(l, va, access, top, be);                   \
	}

#define LEAN_INSTANCES(prefix, top)                                   \
	LEAN_INSTANCE(prefix##_native_fetch, top, false, DAT_FETCH)   \
	LEAN_INSTANCE(prefix##_native_store, top, false, DAT_STORE)   \
	LEAN_INSTANCE(prefix##_native_ifetch, top, false, DAT_IFETCH) \
	LEAN_INSTANCE(prefix##_be_fetch, top, true, DAT_FETCH)        \
	LEAN_INSTANCE(prefix##_be_store, top, true, DAT_STORE)        \
	LEAN_INSTANCE(prefix##_be_ifetch, top, true, DAT_IFETCH)

LEAN_INSTANCES(lean_segment, DAT_LEVEL_SEGMENT)
LEAN_INSTANCES(lean_region3, DAT_LEVEL_REGION3)
LEAN_INSTANCES(lean_region2, DAT_LEVEL_REGION2)
LEAN_INSTANCES(lean_region1, DAT_LEVEL_REGION1)

/* For configurations the lean walker leaves to the exact one. */
static struct dat_lean_result lean_slow(const struct dat_lean *l, unsigned long va)
{
	(void)l;
	(void)va;
	return dat_lean_slow;
}

#define LEAN_ROW(prefix)                                                                  \
	{                                                                                 \
		{ prefix##_native_fetch, prefix##_native_store, prefix##_native_ifetch }, \
		{                                                                         \
			prefix##_be_fetch, prefix##_be_store, prefix##_be_ifetch          \
		}                                                                         \
	}

/* [kind][big-endian][access] */
static const dat_lean_fn lean_fns[5][2][3] = {
	{ { lean_slow, lean_slow, lean_slow }, { lean_slow, lean_slow, lean_slow } },
	LEAN_ROW(lean_segment),
	LEAN_ROW(lean_region3),
	LEAN_ROW(lean_region2),
	LEAN_ROW(lean_region1),
};

static void lean_set_walkers(struct dat_lean *l)
{
	for (int a = DAT_FETCH; a <= DAT_IFETCH; a++)
		l->walk[a] = lean_fns[l->kind][l->base != NULL][a];
}

unsigned int dat_translate_lean(const struct dat_lean *l, unsigned long va, enum dat_access access,
				dat_read_fn read, void *ctx, struct dat_result *res)
{
	struct dat_lean_result r = dat_lean_walk(l, va, access);
	int level = (int)((r.info & DAT_LEAN_LEVEL_MASK) >> DAT_LEAN_LEVEL_SHIFT);

	if (!r.info)
		return dat_translate(&l->cfg, va, access, read ? read : dat_read_native, ctx, res);
	*res = (struct dat_result){
		.abs = r.abs,
		/* Prefixing swaps two blocks, so it is its own inverse. */
		.real = level == DAT_LEVEL_PTE ? dat_real_to_abs(r.abs, l->prefix) : r.abs,
		.large = level != DAT_LEVEL_PTE,
		.prot = r.info & DAT_LEAN_PROT,
		.iep = r.info & DAT_LEAN_IEP,
		.level = level,
	};
	return 0;
}
