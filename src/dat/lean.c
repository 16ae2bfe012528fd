// SPDX-License-Identifier: GPL-2.0
/*
 * The lean walker's configuration, its out-of-line instances (native,
 * big-endian flat and big-endian in spans, one walk or a batch) and the
 * lean-then-exact translation for callers that need only the result. See
 * walk_lean.h for the walk itself.
 */
#include <errno.h>
#include <stdint.h>

#include <gmap/alloc.h>
#include <gmap/dat.h>

#include "core/alloc_internal.h"
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
	/*
	 * The last whole doubleword; entries are 8-byte aligned. The walk checks that a
	 * whole table lies below it (walk_lean.h): storage smaller than a region table
	 * goes to the fallback.
	 */
	if (bytes < LEAN_CRST_OFF_MAX + 8)
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

	if (!r.info) {
		if (dat_lean_exception(l, va, access, r, res))
			return res->pic;
		return dat_translate(&l->cfg, va, access, read ? read : dat_read_native, ctx, res);
	}
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

unsigned int dat_lean_exception(const struct dat_lean *l, unsigned long va, enum dat_access access,
				struct dat_lean_result r, struct dat_result *res)
{
	unsigned int pic = (unsigned int)(r.abs & 0xff);

	if (r.info || !pic)
		return 0;
	*res = (struct dat_result){
		.pic = pic,
		.level = (int)((r.abs >> LEAN_EXC_LEVEL_SHIFT) & 15) - 1,
	};
	if (r.abs & LEAN_EXC_TEID)
		res->teid = (va & TEID_ADDR_MASK) | dat_fs_bits(access) |
			    ((r.abs >> LEAN_EXC_EXTRA_SHIFT) & 0xff) | (l->cfg.space & 3);
	return pic;
}

/* ---- storage in spans -------------------------------------------------------------------- */

/* Map entries at most: 32 MiB of pointers; the granule grows beyond 1 MiB to stay below. */
#define SPAN_MAP_MAX   (1UL << 22)
#define SPAN_SHIFT_MIN 12
#define SPAN_SHIFT_MAX 20

/* One instance per ASCE type and access type over spans. */
#define LEAN_SPAN_INSTANCE(name, top, access)                                          \
	static struct dat_lean_result name(const struct dat_lean *l, unsigned long va) \
	{                                                                              \
		return lean_walk_mode(l, va, access, top, LEAN_SPANS);                 \
	}

#define LEAN_SPAN_INSTANCES(prefix, top)                         \
	LEAN_SPAN_INSTANCE(prefix##_spans_fetch, top, DAT_FETCH) \
	LEAN_SPAN_INSTANCE(prefix##_spans_store, top, DAT_STORE) \
	LEAN_SPAN_INSTANCE(prefix##_spans_ifetch, top, DAT_IFETCH)

LEAN_SPAN_INSTANCES(lean_segment, DAT_LEVEL_SEGMENT)
LEAN_SPAN_INSTANCES(lean_region3, DAT_LEVEL_REGION3)
LEAN_SPAN_INSTANCES(lean_region2, DAT_LEVEL_REGION2)
LEAN_SPAN_INSTANCES(lean_region1, DAT_LEVEL_REGION1)

#define LEAN_SPAN_ROW(prefix)                                                     \
	{                                                                         \
		prefix##_spans_fetch, prefix##_spans_store, prefix##_spans_ifetch \
	}

/* [kind][access] */
static const dat_lean_fn lean_span_fns[5][3] = {
	{ lean_slow, lean_slow, lean_slow }, LEAN_SPAN_ROW(lean_segment),
	LEAN_SPAN_ROW(lean_region3),	     LEAN_SPAN_ROW(lean_region2),
	LEAN_SPAN_ROW(lean_region1),
};

static void lean_set_span_walkers(struct dat_lean *l)
{
	for (int a = DAT_FETCH; a <= DAT_IFETCH; a++)
		l->walk[a] = lean_span_fns[l->kind][a];
}

static int spans_check(const struct dat_lean_span *spans, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if ((!spans[i].data && spans[i].size) || spans[i].size > ~0UL - spans[i].addr)
			return -EINVAL;
		if (i && spans[i].addr - spans[i - 1].addr < spans[i - 1].size)
			return -EINVAL;
		if (i && spans[i].addr < spans[i - 1].addr)
			return -EINVAL;
	}
	return 0;
}

/* Span @i clipped to [0, @limit): its size there. */
static unsigned long span_size(const struct dat_lean_span *s, unsigned long limit)
{
	if (s->addr >= limit)
		return 0;
	return s->size < limit - s->addr ? s->size : limit - s->addr;
}

/* Whether span @b continues span @a in storage and in memory. */
static bool span_continues(const struct dat_lean_span *a, unsigned long asize,
			   const struct dat_lean_span *b)
{
	return b->addr == a->addr + asize &&
	       (const unsigned char *)b->data == (const unsigned char *)a->data + asize;
}

/*
 * The granule: the largest power of two up to 1 MiB that every bound of a joined
 * run is a multiple of (no partial granule is lost), at least 4 KiB, and large
 * enough for the map of storage up to @end to stay below SPAN_MAP_MAX entries.
 */
static unsigned int span_granule(unsigned long bounds, unsigned long end)
{
	unsigned int shift = bounds ? (unsigned int)__builtin_ctzl(bounds) : SPAN_SHIFT_MAX;

	if (shift > SPAN_SHIFT_MAX)
		shift = SPAN_SHIFT_MAX;
	if (shift < SPAN_SHIFT_MIN)
		shift = SPAN_SHIFT_MIN;
	while (shift < 63 && ((end - 1) >> shift) >= SPAN_MAP_MAX)
		shift++;
	return shift;
}

/* Fill the map with the granules wholly inside the run [addr, addr + size) at @data. */
static void span_map_run(struct dat_lean *l, unsigned long addr, unsigned long size,
			 const unsigned char *data)
{
	unsigned long g = (addr + l->span_mask) >> l->span_shift;

	if (addr + l->span_mask < addr)
		return;
	for (; g <= l->span_last && ((g << l->span_shift) - addr) <= size &&
	       size - ((g << l->span_shift) - addr) > l->span_mask;
	     g++) {
		const unsigned char *p = data + ((g << l->span_shift) - addr);

		/* An entry is read as one aligned doubleword. */
		if (!((uintptr_t)p & 7))
			l->span_map[g] = p;
	}
}

/* The spans clipped to the storage limit, joined where they continue each other. */
static int lean_map_spans(struct dat_lean *l, const struct dat_lean_span *spans, unsigned int n,
			  unsigned long limit)
{
	unsigned long bounds = 0, end = 0, run_addr = 0, run_size = 0, size;
	const struct dat_lean_span *run = NULL;
	unsigned int pass;

	/* Pass 0 finds the bounds of the joined runs, pass 1 fills the map. */
	for (pass = 0; pass < 2; pass++) {
		run = NULL;
		for (unsigned int i = 0; i <= n; i++) {
			size = i < n ? span_size(&spans[i], limit) : 0;
			if (i < n && !size)
				continue;
			if (i < n && run && span_continues(run, run_size, &spans[i])) {
				run_size += size;
				continue;
			}
			if (run && pass == 0) {
				bounds |= run_addr | (run_addr + run_size);
				end = run_addr + run_size;
			} else if (run) {
				span_map_run(l, run_addr, run_size, run->data);
			}
			if (i < n) {
				run = &spans[i];
				run_addr = run->addr;
				run_size = size;
			}
		}
		if (pass == 0) {
			if (!end)
				return 0;
			l->span_shift = span_granule(bounds, end);
			l->span_mask = (1UL << l->span_shift) - 1;
			l->span_last = (end - 1) >> l->span_shift;
			l->span_map = gm_zalloc_at(GM_SITE_DAT_LEAN_SPANS,
						   (l->span_last + 1) * sizeof(*l->span_map));
			if (!l->span_map)
				return -ENOMEM;
		}
	}
	return 0;
}

/* The spans joined: one block from absolute 0 (*@data, *@size), or false. */
static bool spans_flat(const struct dat_lean_span *spans, unsigned int n, unsigned long limit,
		       const void **data, unsigned long *size)
{
	unsigned long total = 0, s;
	unsigned int i = 0;

	while (i < n && !span_size(&spans[i], limit))
		i++;
	if (i == n || spans[i].addr)
		return false;
	*data = spans[i].data;
	total = span_size(&spans[i], limit);
	for (unsigned int j = i + 1; j < n; j++) {
		s = span_size(&spans[j], limit);
		if (!s)
			continue;
		if (!span_continues(&(struct dat_lean_span){ 0, 0, *data }, total, &spans[j]))
			return false;
		total += s;
	}
	*size = total;
	return true;
}

int dat_lean_init_spans(struct dat_lean *l, const struct dat_config *cfg,
			const struct dat_lean_span *spans, unsigned int n)
{
	unsigned long limit, size;
	const void *data;
	int rc;

	if (!l || !cfg)
		return -EINVAL;
	rc = (!spans && n) ? -EINVAL : spans_check(spans, n);
	if (rc) {
		dat_lean_init_be(l, cfg, NULL, 0);
		return rc;
	}
	limit = cfg->storage_size ? cfg->storage_size : ~0UL;
	if (spans_flat(spans, n, limit, &data, &size) && !((uintptr_t)data & 7))
		return dat_lean_init_be(l, cfg, data, size);
	lean_common(l, cfg);
	rc = lean_map_spans(l, spans, n, limit);
	if (rc || !l->span_map) {
		dat_lean_init_be(l, cfg, NULL, 0);
		return rc;
	}
	lean_set_span_walkers(l);
	return 0;
}

void dat_lean_destroy(struct dat_lean *l)
{
	if (!l)
		return;
	gm_free(l->span_map);
	l->span_map = NULL;
	l->span_last = 0;
	l->kind = DAT_LEAN_SLOW;
	for (int a = DAT_FETCH; a <= DAT_IFETCH; a++)
		l->walk[a] = lean_slow;
}

/* ---- batches ------------------------------------------------------------------------------- */

typedef void (*lean_batch_fn)(const struct dat_lean *l, const unsigned long *va, unsigned int n,
			      unsigned int k, struct dat_lean_result *out);

#define LEAN_BATCH_INSTANCE(name, top, mode, access)                                        \
	static void name(const struct dat_lean *l, const unsigned long *va, unsigned int n, \
			 unsigned int k, struct dat_lean_result *out)                       \
	{                                                                                   \
		lean_batch_mode(l, va, n, k, out, access, top, mode);                       \
	}

#define LEAN_BATCH_ACCESSES(prefix, top, mode)                    \
	LEAN_BATCH_INSTANCE(prefix##_fetch, top, mode, DAT_FETCH) \
	LEAN_BATCH_INSTANCE(prefix##_store, top, mode, DAT_STORE) \
	LEAN_BATCH_INSTANCE(prefix##_ifetch, top, mode, DAT_IFETCH)

#define LEAN_BATCH_MODES(prefix, top)                          \
	LEAN_BATCH_ACCESSES(prefix##_native, top, LEAN_NATIVE) \
	LEAN_BATCH_ACCESSES(prefix##_flat, top, LEAN_FLAT)     \
	LEAN_BATCH_ACCESSES(prefix##_spans, top, LEAN_SPANS)

LEAN_BATCH_MODES(batch_segment, DAT_LEVEL_SEGMENT)
LEAN_BATCH_MODES(batch_region3, DAT_LEVEL_REGION3)
LEAN_BATCH_MODES(batch_region2, DAT_LEVEL_REGION2)
LEAN_BATCH_MODES(batch_region1, DAT_LEVEL_REGION1)

/* For configurations the lean walker leaves to the exact one. */
static void batch_slow(const struct dat_lean *l, const unsigned long *va, unsigned int n,
		       unsigned int k, struct dat_lean_result *out)
{
	(void)l;
	(void)va;
	(void)k;
	for (unsigned int i = 0; i < n; i++)
		out[i] = dat_lean_slow;
}

#define BATCH_ACC(prefix)                                       \
	{                                                       \
		prefix##_fetch, prefix##_store, prefix##_ifetch \
	}
#define BATCH_ROW(prefix)                                                                       \
	{                                                                                       \
		BATCH_ACC(prefix##_native), BATCH_ACC(prefix##_flat), BATCH_ACC(prefix##_spans) \
	}
#define BATCH_SLOW_ACC                             \
	{                                          \
		batch_slow, batch_slow, batch_slow \
	}

/* [kind][mode][access] */
static const lean_batch_fn lean_batch_fns[5][3][3] = {
	{ BATCH_SLOW_ACC, BATCH_SLOW_ACC, BATCH_SLOW_ACC },
	BATCH_ROW(batch_segment),
	BATCH_ROW(batch_region3),
	BATCH_ROW(batch_region2),
	BATCH_ROW(batch_region1),
};

int dat_lean_walk_batch(const struct dat_lean *l, const unsigned long *va, unsigned int n,
			enum dat_access access, unsigned int inflight, struct dat_lean_result *out)
{
	int mode;

	if (!l || ((!va || !out) && n) || (unsigned int)access > DAT_IFETCH)
		return -EINVAL;
	if (!n)
		return 0;
	if (!inflight)
		inflight = DAT_LEAN_INFLIGHT_DEFAULT;
	if (inflight > DAT_LEAN_MAX_INFLIGHT)
		inflight = DAT_LEAN_MAX_INFLIGHT;
	mode = l->span_map ? LEAN_SPANS : l->base ? LEAN_FLAT : LEAN_NATIVE;
	lean_batch_fns[l->kind][mode][access](l, va, n, inflight, out);
	return 0;
}

void dat_lean_expand(const struct dat_lean *l, struct dat_lean_result r, struct dat_result *res)
{
	int level = (int)((r.info & DAT_LEAN_LEVEL_MASK) >> DAT_LEAN_LEVEL_SHIFT);

	*res = (struct dat_result){
		.abs = r.abs,
		/* Prefixing swaps two blocks, so it is its own inverse. */
		.real = level == DAT_LEVEL_PTE ? dat_real_to_abs(r.abs, l->prefix) : r.abs,
		.large = level != DAT_LEVEL_PTE,
		.prot = r.info & DAT_LEAN_PROT,
		.iep = r.info & DAT_LEAN_IEP,
		.level = level,
	};
}
