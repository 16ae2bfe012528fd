/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The DAT walker, as an always-inline function parameterised by how an entry is
 * read. Callers that pass a constant reader (the native one for tables libgmap
 * owns) get a walk that compiles to a chain of dependent loads; dat_translate()
 * instantiates it once with an indirect reader for guest memory and dump images.
 *
 * The order of the checks is the architecture's: low-address protection, the ASCE
 * checks before any fetch, then per entry addressing -> I bit -> TT -> CR/CS with a
 * private space -> P accumulation -> FC -> TF/TL of the next level; protection and
 * IEP before the final addressing check.
 */
#ifndef GMAP_SRC_DAT_WALK_INLINE_H
#define GMAP_SRC_DAT_WALK_INLINE_H

#include <gmap/dat.h>

#define DAT_ALWAYS_INLINE inline __attribute__((always_inline))

static DAT_ALWAYS_INLINE int dat_read_native_inline(void *ctx, unsigned long addr,
						    unsigned long *val)
{
	(void)ctx;
	/* Acquire pairs with the release store that publishes a new lower table. */
	*val = __atomic_load_n((const unsigned long *)addr, __ATOMIC_ACQUIRE);
	return 0;
}

/* Shift of the index of a region/segment level (4 = region first ... 1 = segment). */
static DAT_ALWAYS_INLINE unsigned int dat_level_shift(int level)
{
	return _SEGMENT_SHIFT + 11 * (unsigned int)(level - 1);
}

/* The translation exception that belongs to a level whose entry is invalid or out of range. */
static DAT_ALWAYS_INLINE unsigned int dat_level_pic(int level)
{
	static const unsigned char pic[] = {
		PGM_PAGE_TRANSLATION,	 PGM_SEGMENT_TRANSLATION, PGM_REGION_THIRD_TRANS,
		PGM_REGION_SECOND_TRANS, PGM_REGION_FIRST_TRANS,
	};
	return pic[level];
}

static DAT_ALWAYS_INLINE unsigned long dat_fs_bits(enum dat_access access)
{
	return access == DAT_STORE ? TEID_STORE : TEID_FETCH;
}

/* Report a translation or protection exception with a TEID. */
static DAT_ALWAYS_INLINE unsigned int dat_fail_teid(struct dat_result *res, unsigned int pic,
						    const struct dat_config *cfg, unsigned long va,
						    enum dat_access access, unsigned long extra)
{
	res->pic = pic;
	res->teid = (va & TEID_ADDR_MASK) | dat_fs_bits(access) | extra | (cfg->space & 3);
	return pic;
}

/* Report an exception that stores no TEID (translation specification, addressing). */
static DAT_ALWAYS_INLINE unsigned int dat_fail(struct dat_result *res, unsigned int pic)
{
	res->pic = pic;
	res->teid = 0;
	return pic;
}

static DAT_ALWAYS_INLINE bool dat_entry_beyond_storage(const struct dat_config *cfg,
						       unsigned long ea)
{
	return cfg->storage_size && (cfg->storage_size < 8 || ea > cfg->storage_size - 8);
}

/* Fetch one entry; false means an addressing exception was reported. */
static DAT_ALWAYS_INLINE bool dat_fetch(const struct dat_config *cfg, dat_read_fn read, void *ctx,
					struct dat_result *res, unsigned long ea, int level,
					unsigned long *e)
{
	res->level = level;
	res->entry_addr = ea;
	if (dat_entry_beyond_storage(cfg, ea) || read(ctx, ea, e)) {
		dat_fail(res, PGM_ADDRESSING);
		return false;
	}
	res->steps[res->nsteps].addr = ea;
	res->steps[res->nsteps].val = *e;
	res->steps[res->nsteps].level = level;
	res->nsteps++;
	return true;
}

/* ASCE-type and ASCE table-length checks; no table is fetched before they pass. */
static DAT_ALWAYS_INLINE unsigned int dat_check_asce(const struct dat_config *cfg,
						     unsigned long va, enum dat_access access,
						     struct dat_result *res)
{
	unsigned long asce = cfg->asce;
	int top = (int)((asce & _ASCE_TYPE_MASK) >> 2) + 1;

	res->level = DAT_LEVEL_ASCE;
	/* Index bits above the designated table must be zero. */
	if (top < DAT_LEVEL_REGION1 && (va >> dat_level_shift(top + 1)))
		return dat_fail_teid(res, PGM_ASCE_TYPE, cfg, va, access, 0);
	if (((va >> dat_level_shift(top)) & 0x7ff) >> 9 > (asce & _ASCE_TABLE_LENGTH))
		return dat_fail_teid(res, dat_level_pic(top), cfg, va, access, 0);
	return 0;
}

/* The final checks on a translated address: DAT protection, IEP, addressing. */
static DAT_ALWAYS_INLINE unsigned int dat_finish(const struct dat_config *cfg, unsigned long va,
						 enum dat_access access, struct dat_result *res)
{
	if (access == DAT_STORE && res->prot)
		return dat_fail_teid(res, PGM_PROTECTION, cfg, va, access, TEID_PROT_DAT);
	if (access == DAT_IFETCH && cfg->iep && res->iep)
		return dat_fail_teid(res, PGM_PROTECTION, cfg, va, access, TEID_PROT_IEP);
	if (cfg->storage_size && res->abs >= cfg->storage_size) {
		res->level = -1;
		res->entry_addr = 0;
		return dat_fail(res, PGM_ADDRESSING);
	}
	return 0;
}

static DAT_ALWAYS_INLINE bool dat_is_low_address(unsigned long va)
{
	return va < 512 || (va >= 4096 && va < 4096 + 512);
}

/*
 * Region levels, from the designated one down to region third. Returns 0 with
 * *origin set to the segment table, 1 with a large frame in @res, or a PIC.
 */
static DAT_ALWAYS_INLINE unsigned int dat_walk_regions(const struct dat_config *cfg,
						       unsigned long va, enum dat_access access,
						       dat_read_fn read, void *ctx,
						       struct dat_result *res,
						       unsigned long *origin)
{
	unsigned long asce = cfg->asce, e, next;
	int level = (int)((asce & _ASCE_TYPE_MASK) >> 2) + 1;

	for (; level >= DAT_LEVEL_REGION3; level--) {
		if (!dat_fetch(cfg, read, ctx, res, *origin + ((va >> dat_level_shift(level)) & 0x7ff) * 8,
			       level, &e))
			return PGM_ADDRESSING;
		if (e & _REGION_ENTRY_INVALID)
			return dat_fail_teid(res, dat_level_pic(level), cfg, va, access, 0);
		if (((e & _REGION_ENTRY_TYPE_MASK) >> 2) != (unsigned long)(level - 1))
			return dat_fail(res, PGM_TRANSLATION_SPEC);
		if (level == DAT_LEVEL_REGION3 && cfg->edat >= 2 && (e & _REGION3_ENTRY_COMM) &&
		    (asce & _ASCE_PRIVATE_SPACE))
			return dat_fail(res, PGM_TRANSLATION_SPEC);
		if (cfg->edat >= 1 && (e & _REGION_ENTRY_PROTECT))
			res->prot = true;
		if (level == DAT_LEVEL_REGION3 && cfg->edat >= 2 && (e & _REGION3_ENTRY_LARGE)) {
			res->iep = e & _REGION_ENTRY_NOEXEC;
			res->large = true;
			res->abs = (e & _REGION3_ENTRY_ORIGIN_LARGE) | (va & ~_REGION3_MASK);
			res->real = res->abs;
			return 1;
		}
		next = ((va >> dat_level_shift(level - 1)) & 0x7ff) >> 9;
		if (next < ((e & _REGION_ENTRY_OFFSET) >> 6) || next > (e & _REGION_ENTRY_LENGTH))
			return dat_fail_teid(res, dat_level_pic(level - 1), cfg, va, access, 0);
		*origin = e & _REGION_ENTRY_ORIGIN;
	}
	return 0;
}

/*
 * Segment and page levels. Returns 0 with the result in @res or a PIC.
 */
static DAT_ALWAYS_INLINE unsigned int dat_walk_segment_page(const struct dat_config *cfg,
							    unsigned long va,
							    enum dat_access access,
							    dat_read_fn read, void *ctx,
							    struct dat_result *res,
							    unsigned long sto)
{
	unsigned long asce = cfg->asce, e;

	if (!dat_fetch(cfg, read, ctx, res, sto + dat_sx(va) * 8, DAT_LEVEL_SEGMENT, &e))
		return PGM_ADDRESSING;
	if (e & _SEGMENT_ENTRY_INVALID)
		return dat_fail_teid(res, PGM_SEGMENT_TRANSLATION, cfg, va, access, 0);
	if (e & _SEGMENT_ENTRY_TYPE_MASK)
		return dat_fail(res, PGM_TRANSLATION_SPEC);
	if ((e & _SEGMENT_ENTRY_COMM) && (asce & _ASCE_PRIVATE_SPACE))
		return dat_fail(res, PGM_TRANSLATION_SPEC);
	if (e & _SEGMENT_ENTRY_PROTECT)
		res->prot = true;
	if (cfg->edat >= 1 && (e & _SEGMENT_ENTRY_LARGE)) {
		res->iep = e & _SEGMENT_ENTRY_NOEXEC;
		res->large = true;
		res->abs = (e & _SEGMENT_ENTRY_ORIGIN_LARGE) | (va & ~_SEGMENT_MASK);
		res->real = res->abs;
		return 0;
	}
	if (!dat_fetch(cfg, read, ctx, res, (e & _SEGMENT_ENTRY_ORIGIN) + dat_px(va) * 8,
		       DAT_LEVEL_PTE, &e))
		return PGM_ADDRESSING;
	if (e & _PAGE_INVALID)
		return dat_fail_teid(res, PGM_PAGE_TRANSLATION, cfg, va, access, 0);
	if (e & _PAGE_LARGE)
		return dat_fail(res, PGM_TRANSLATION_SPEC);
	/* Bit 55 is reserved unless EDAT-1 applies or IEP is installed. */
	if ((e & _PAGE_NOEXEC) && !cfg->edat && !cfg->iep && !cfg->iep_installed)
		return dat_fail(res, PGM_TRANSLATION_SPEC);
	if (e & _PAGE_PROTECT)
		res->prot = true;
	res->iep = e & _PAGE_NOEXEC;
	res->real = (e & PAGE_MASK) | (va & ~PAGE_MASK);
	res->abs = dat_real_to_abs(res->real, cfg->prefix);
	return 0;
}

/**
 * dat_walk() - translate @va; see dat_translate() for the contract
 */
static DAT_ALWAYS_INLINE unsigned int dat_walk(const struct dat_config *cfg, unsigned long va,
					       enum dat_access access, dat_read_fn read,
					       void *ctx, struct dat_result *res)
{
	unsigned long origin = cfg->asce & _ASCE_ORIGIN;
	unsigned int rc;

	res->pic = 0;
	res->teid = 0;
	res->large = false;
	res->prot = false;
	res->iep = false;
	res->level = -1;
	res->entry_addr = 0;
	res->nsteps = 0;

	if (access == DAT_STORE && cfg->lap && dat_is_low_address(va) &&
	    !(cfg->asce & _ASCE_PRIVATE_SPACE))
		return dat_fail_teid(res, PGM_PROTECTION, cfg, va, access, TEID_PROT_LAP);

	if (cfg->asce & _ASCE_REAL_SPACE) {
		res->real = va;
		res->abs = dat_real_to_abs(va, cfg->prefix);
		return dat_finish(cfg, va, access, res);
	}
	rc = dat_check_asce(cfg, va, access, res);
	if (rc)
		return rc;
	rc = dat_walk_regions(cfg, va, access, read, ctx, res, &origin);
	if (rc == 1)
		return dat_finish(cfg, va, access, res);
	if (rc)
		return rc;
	rc = dat_walk_segment_page(cfg, va, access, read, ctx, res, origin);
	if (rc)
		return rc;
	return dat_finish(cfg, va, access, res);
}

#endif /* GMAP_SRC_DAT_WALK_INLINE_H */
