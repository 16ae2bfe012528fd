// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line instances of the DAT walker: one with an indirect entry reader
 * (guest memory, dump images) and one specialised for native tables.
 */
#include <gmap/dat.h>

#include "walk_inline.h"

int dat_read_native(void *ctx, unsigned long addr, unsigned long *val)
{
	return dat_read_native_inline(ctx, addr, val);
}

unsigned int dat_translate(const struct dat_config *cfg, unsigned long va, enum dat_access access,
			   dat_read_fn read, void *ctx, struct dat_result *res)
{
	return dat_walk(cfg, va, access, read, ctx, res);
}

/* Context: the caller keeps the tables allocated (the mm's mmap_lock). */
unsigned int dat_translate_native(const struct dat_config *cfg, unsigned long va,
				  enum dat_access access, struct dat_result *res)
{
	return dat_walk(cfg, va, access, dat_read_native_inline, NULL, res);
}

const char *dat_pic_name(unsigned int pic)
{
	switch (pic) {
	case 0:
		return "none";
	case PGM_PROTECTION:
		return "protection";
	case PGM_ADDRESSING:
		return "addressing";
	case PGM_SEGMENT_TRANSLATION:
		return "segment-translation";
	case PGM_PAGE_TRANSLATION:
		return "page-translation";
	case PGM_TRANSLATION_SPEC:
		return "translation-specification";
	case PGM_ASCE_TYPE:
		return "asce-type";
	case PGM_REGION_FIRST_TRANS:
		return "region-first-translation";
	case PGM_REGION_SECOND_TRANS:
		return "region-second-translation";
	case PGM_REGION_THIRD_TRANS:
		return "region-third-translation";
	default:
		return "unknown";
	}
}

const char *dat_level_name(int level)
{
	static const char *const names[] = { "page", "segment", "region-third", "region-second",
					     "region-first", "asce" };

	if (level < 0 || level > DAT_LEVEL_ASCE)
		return "none";
	return names[level];
}
