/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The allocator inside the library: every call names its site (alloc_sites.h),
 * and allocators built on top of the core allocator (the page pool) consult the
 * same fault injector and account their blocks in the same count.
 */
#ifndef GMAP_SRC_CORE_ALLOC_INTERNAL_H
#define GMAP_SRC_CORE_ALLOC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/alloc_sites.h"

/* gm_malloc(), gm_zalloc(), gm_aligned_alloc() for an allocation made at @site. */
void *gm_malloc_at(enum gm_alloc_site site, size_t size);
void *gm_zalloc_at(enum gm_alloc_site site, size_t size);
void *gm_aligned_alloc_at(enum gm_alloc_site site, size_t align, size_t size);

/*
 * True if the allocation about to be made at @site must fail (fault injection);
 * the site is then what gm_alloc_fault_site() reports.
 */
bool gm_alloc_inject(enum gm_alloc_site site);

/*
 * For tests of paths that only a second failure reaches: after
 * gm_alloc_fail_nth(n), make the kth allocation from now fail too (k may equal
 * n). It is not what gm_alloc_fault_injected()/gm_alloc_fault_site() report.
 * gm_alloc_fail_nth() disarms it.
 */
void gm_alloc_fail_also(unsigned long k);

/*
 * The site of the failure delivered since the last gm_alloc_fail_nth(), or
 * GM_SITE_NONE if none was (for tests: which allocation did the Nth one hit).
 */
enum gm_alloc_site gm_alloc_fault_site(void);

/* Add @delta to the count of live blocks that gm_alloc_live() reports. */
void gm_alloc_account(long delta);

#endif /* GMAP_SRC_CORE_ALLOC_INTERNAL_H */
