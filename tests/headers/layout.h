/* SPDX-License-Identifier: GPL-2.0 */
/* Offsets and sizes of the public structures, measured by the C compiler (layout.c). */
#ifndef GMAP_TESTS_HEADERS_LAYOUT_H
#define GMAP_TESTS_HEADERS_LAYOUT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gmap_layout {
	size_t size, align;
	size_t mm, guest_table_lock, ref_count, ref_count_size, table, asce, private_;
	size_t pfault_enabled, shadow_lock, parent, initialized;
	size_t pte_size, spinlock_size, dat_result_size, vcpu_stats_size;
};

extern const struct gmap_layout gmap_layout_c;

#ifdef __cplusplus
}
#endif

#endif /* GMAP_TESTS_HEADERS_LAYOUT_H */
