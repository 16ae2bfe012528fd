/* SPDX-License-Identifier: GPL-2.0 */
/* Offsets and sizes of the public structures, measured by the C compiler (layout.c). */
#ifndef GMAP_TESTS_HEADERS_LAYOUT_H
#define GMAP_TESTS_HEADERS_LAYOUT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The members of struct gmap that both languages spell alike (private is apart). */
/* clang-format off */
#define GMAP_LAYOUT_MEMBERS(X)                                                   \
	X(list) X(mm) X(guest_to_host) X(host_to_guest) X(guest_table_lock)      \
	X(ref_count) X(table) X(asce) X(asce_end) X(pfault_enabled)              \
	X(host_to_rmap) X(children) X(shadow_lock) X(parent) X(orig_asce)       \
	X(edat_level) X(removed) X(initialized)
/* clang-format on */

#define GMAP_LAYOUT_COUNT(m) +1
enum { GMAP_LAYOUT_NMEMBERS = 0 GMAP_LAYOUT_MEMBERS(GMAP_LAYOUT_COUNT) };

struct gmap_layout {
	size_t size, align;
	size_t offsets[GMAP_LAYOUT_NMEMBERS];
	size_t private_, ref_count_size;
	size_t pte_size, spinlock_size, dat_result_size, vcpu_stats_size;
};

extern const struct gmap_layout gmap_layout_c;

#ifdef __cplusplus
}
#endif

#endif /* GMAP_TESTS_HEADERS_LAYOUT_H */
