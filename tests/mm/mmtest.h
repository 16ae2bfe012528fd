/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers for the host address space tests. */
#ifndef GMAP_TESTS_MMTEST_H
#define GMAP_TESTS_MMTEST_H

#include <errno.h>

#include <gmap/alloc.h>
#include <gmap/mm.h>

#include "mm/mm_internal.h"

#define MAP_ANON_PRIVATE (MAP_PRIVATE | MAP_ANONYMOUS)

/* The VMAs of @mm as a flat array of {start, end, prot}; returns the count. */
static inline int mm_vmas(struct mm_struct *mm, unsigned long (*out)[3], int max)
{
	int n = 0;

	for (struct vm_area_struct *v = mm->mmap; v && n < max; v = v->next, n++) {
		out[n][0] = v->vm_start;
		out[n][1] = v->vm_end;
		out[n][2] = (unsigned long)v->prot;
	}
	return n;
}

/* The frame that backs @addr, or 0. */
static inline unsigned long mm_frame_of(struct mm_struct *mm, unsigned long addr)
{
	unsigned long pte = mm_lookup_pte(mm, addr);

	return (pte & _PAGE_PRESENT) ? (pte & PAGE_MASK) : 0;
}

#endif /* GMAP_TESTS_MMTEST_H */
