/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For allocators built on top of the core allocator (the page pool): they
 * consult the same fault injector and account their blocks in the same count.
 */
#ifndef GMAP_SRC_CORE_ALLOC_INTERNAL_H
#define GMAP_SRC_CORE_ALLOC_INTERNAL_H

#include <stdbool.h>

/* True if the allocation about to be made must fail (fault injection). */
bool gm_alloc_inject(void);

/* Add @delta to the count of live blocks that gm_alloc_live() reports. */
void gm_alloc_account(long delta);

#endif /* GMAP_SRC_CORE_ALLOC_INTERNAL_H */
