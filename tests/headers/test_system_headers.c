// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel-style names of the public headers beside system headers that
 * define some of the same names: <sys/user.h> defines PAGE_SHIFT, PAGE_SIZE and
 * PAGE_MASK on x86-64. Built twice with -Werror (meson.build): with the system
 * header included before the gmap headers and after them.
 */
#ifdef SYSTEM_FIRST
#include <sys/user.h>
#endif

#include <gmap/alloc.h>
#include <gmap/dat.h>
#include <gmap/gmap.h>
#include <gmap/gmap_locked.h>
#include <gmap/lock.h>
#include <gmap/mm.h>
#include <gmap/types.h>
#include <gmap/vcpu.h>

#ifndef SYSTEM_FIRST
#include <sys/user.h>
#endif

#include <stdio.h>

/* Every prefixed name has the value of its kernel twin. */
_Static_assert(GMAP_PAGE_SHIFT == PAGE_SHIFT, "");
_Static_assert(GMAP_PAGE_SIZE == PAGE_SIZE, "");
_Static_assert(GMAP_PAGE_MASK == PAGE_MASK, "");
_Static_assert(GMAP_SEGMENT_SHIFT == _SEGMENT_SHIFT, "");
_Static_assert(GMAP_SEGMENT_SIZE == _SEGMENT_SIZE, "");
_Static_assert(GMAP_SEGMENT_MASK == _SEGMENT_MASK, "");
_Static_assert(GMAP_REGION3_SHIFT == _REGION3_SHIFT, "");
_Static_assert(GMAP_REGION3_SIZE == _REGION3_SIZE, "");
_Static_assert(GMAP_REGION2_SHIFT == _REGION2_SHIFT, "");
_Static_assert(GMAP_REGION2_SIZE == _REGION2_SIZE, "");
_Static_assert(GMAP_REGION1_SHIFT == _REGION1_SHIFT, "");
_Static_assert(GMAP_REGION1_SIZE == _REGION1_SIZE, "");
_Static_assert(GMAP_CRST_ENTRIES == _CRST_ENTRIES, "");
_Static_assert(GMAP_PAGE_ENTRIES == _PAGE_ENTRIES, "");
_Static_assert(GMAP_ASCE_ORIGIN == _ASCE_ORIGIN, "");
_Static_assert(GMAP_ASCE_TYPE_MASK == _ASCE_TYPE_MASK, "");
_Static_assert(GMAP_ASCE_TYPE_REGION1 == _ASCE_TYPE_REGION1, "");
_Static_assert(GMAP_ASCE_TYPE_REGION2 == _ASCE_TYPE_REGION2, "");
_Static_assert(GMAP_ASCE_TYPE_REGION3 == _ASCE_TYPE_REGION3, "");
_Static_assert(GMAP_ASCE_TYPE_SEGMENT == _ASCE_TYPE_SEGMENT, "");
_Static_assert(GMAP_ASCE_TABLE_LENGTH == _ASCE_TABLE_LENGTH, "");
_Static_assert(GMAP_PAGE_INVALID == _PAGE_INVALID, "");
_Static_assert(GMAP_PAGE_PROTECT == _PAGE_PROTECT, "");
_Static_assert(GMAP_PAGE_PRESENT == _PAGE_PRESENT, "");
_Static_assert(GMAP_PGSTE_IN_BIT == PGSTE_IN_BIT, "");
_Static_assert(GMAP_PGSTE_VSIE_BIT == PGSTE_VSIE_BIT, "");
_Static_assert(GMAP_PGM_PROTECTION == PGM_PROTECTION, "");
_Static_assert(GMAP_PGM_ADDRESSING == PGM_ADDRESSING, "");
_Static_assert(GMAP_PGM_SEGMENT_TRANSLATION == PGM_SEGMENT_TRANSLATION, "");
_Static_assert(GMAP_PGM_PAGE_TRANSLATION == PGM_PAGE_TRANSLATION, "");
_Static_assert(GMAP_PGM_TRANSLATION_SPEC == PGM_TRANSLATION_SPEC, "");
_Static_assert(GMAP_PGM_ASCE_TYPE == PGM_ASCE_TYPE, "");
_Static_assert(GMAP_PGM_REGION_FIRST_TRANS == PGM_REGION_FIRST_TRANS, "");
_Static_assert(GMAP_PGM_REGION_SECOND_TRANS == PGM_REGION_SECOND_TRANS, "");
_Static_assert(GMAP_PGM_REGION_THIRD_TRANS == PGM_REGION_THIRD_TRANS, "");
_Static_assert(GMAP_TASK_SIZE == TASK_SIZE, "");
_Static_assert(GMAP_TASK_SIZE_MAX == TASK_SIZE_MAX, "");
_Static_assert(GMAP_MMAP_MIN_ADDR == MMAP_MIN_ADDR, "");
_Static_assert(GMAP_FAULT_FLAG_WRITE == FAULT_FLAG_WRITE, "");
_Static_assert(GMAP_MAX_ERRNO == MAX_ERRNO, "");
_Static_assert(__builtin_types_compatible_p(pte_t, gmap_pte_t), "");
_Static_assert(__builtin_types_compatible_p(spinlock_t, gmap_spinlock_t), "");

int main(void)
{
	struct mm_struct *mm = mm_create();
	unsigned long host =
		mm_mmap(mm, 0, PMD_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	struct gmap *gmap = gmap_create(mm, PMD_SIZE - 1);
	int rc = 0;

	if (!mm || IS_ERR_VALUE(host) || !gmap || gmap_map_segment(gmap, host, 0, PMD_SIZE) ||
	    gmap_fault(gmap, PAGE_SIZE, FAULT_FLAG_WRITE)) {
		fprintf(stderr, "setting up the gmap failed\n");
		rc = 1;
	} else if ((gmap_translate(gmap, PAGE_SIZE + 5) & PAGE_MASK) != host + PAGE_SIZE) {
		fprintf(stderr, "gmap_translate disagrees with PAGE_MASK\n");
		rc = 1;
	}
	gmap_remove(gmap);
	mm_destroy(mm);
	return rc;
}
