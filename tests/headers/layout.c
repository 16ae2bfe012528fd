// SPDX-License-Identifier: GPL-2.0
/*
 * The layout of the public structures as the C compiler sees it, for
 * test_cxx.cc to compare with what the C++ compiler sees: a C++ embedder shares
 * struct gmap with the library, so both must agree on every offset.
 */
#include <stddef.h>

#include "layout.h"

#include <gmap/gmap.h>
#include <gmap/vcpu.h>

#define OFFSET(m) offsetof(struct gmap, m),

const struct gmap_layout gmap_layout_c = {
	.size = sizeof(struct gmap),
	.align = _Alignof(struct gmap),
	.offsets = { GMAP_LAYOUT_MEMBERS(OFFSET) },
	.private_ = offsetof(struct gmap, private),
	.ref_count_size = sizeof(((struct gmap *)0)->ref_count),
	.pte_size = sizeof(pte_t),
	.spinlock_size = sizeof(spinlock_t),
	.dat_result_size = sizeof(struct dat_result),
	.vcpu_stats_size = sizeof(struct vcpu_stats),
};
