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

const struct gmap_layout gmap_layout_c = {
	.size = sizeof(struct gmap),
	.align = _Alignof(struct gmap),
	.mm = offsetof(struct gmap, mm),
	.guest_table_lock = offsetof(struct gmap, guest_table_lock),
	.ref_count = offsetof(struct gmap, ref_count),
	.ref_count_size = sizeof(((struct gmap *)0)->ref_count),
	.table = offsetof(struct gmap, table),
	.asce = offsetof(struct gmap, asce),
	.private_ = offsetof(struct gmap, private),
	.pfault_enabled = offsetof(struct gmap, pfault_enabled),
	.shadow_lock = offsetof(struct gmap, shadow_lock),
	.parent = offsetof(struct gmap, parent),
	.initialized = offsetof(struct gmap, initialized),
	.pte_size = sizeof(pte_t),
	.spinlock_size = sizeof(spinlock_t),
	.dat_result_size = sizeof(struct dat_result),
	.vcpu_stats_size = sizeof(struct vcpu_stats),
};
