// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual memory areas: a sorted list of [start, end) ranges with a protection.
 * Changes happen under mmap_lock held for writing; every operation allocates
 * what it needs before it changes anything, so -ENOMEM leaves the list intact.
 */
#include <errno.h>

#include <gmap/alloc.h>

#include "mm_internal.h"

struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr)
{
	for (struct vm_area_struct *v = mm->mmap; v; v = v->next)
		if (addr < v->vm_end)
			return addr >= v->vm_start ? v : NULL;
	return NULL;
}

bool vma_range_mapped(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	unsigned long cursor = start;

	for (struct vm_area_struct *v = mm->mmap; v; v = v->next) {
		if (v->vm_end <= cursor)
			continue;
		if (v->vm_start > cursor)
			return false;
		cursor = v->vm_end;
		if (cursor >= end)
			return true;
	}
	return false;
}

bool vma_overlaps(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	for (struct vm_area_struct *v = mm->mmap; v && v->vm_start < end; v = v->next)
		if (v->vm_end > start)
			return true;
	return false;
}

/* The highest address of a free range [lo, hi) that fits @len aligned to @align, or 0. */
static unsigned long gap_fit(unsigned long lo, unsigned long hi, unsigned long len,
			     unsigned long align)
{
	unsigned long start;

	if (lo < MMAP_MIN_ADDR)
		lo = MMAP_MIN_ADDR;
	if (hi < len || hi <= lo)
		return 0;
	start = (hi - len) & ~(align - 1);
	return start >= lo ? start : 0;
}

/* The highest gap below @limit that fits, or 0. */
static unsigned long find_gap_below(struct mm_struct *mm, unsigned long len, unsigned long align,
				    unsigned long limit)
{
	unsigned long prev_end = 0, best = 0, fit;

	for (struct vm_area_struct *v = mm->mmap; v && v->vm_start < limit; v = v->next) {
		fit = gap_fit(prev_end, v->vm_start, len, align);
		if (fit > best)
			best = fit;
		prev_end = v->vm_end;
	}
	fit = prev_end < limit ? gap_fit(prev_end, limit, len, align) : 0;
	return fit > best ? fit : best;
}

unsigned long vma_find_gap(struct mm_struct *mm, unsigned long len, unsigned long align)
{
	/*
	 * Top-down, as Linux lays out mmap: the highest gap that fits wins, below
	 * what the tables reach now (4 TiB until they grew), so that only a
	 * mapping that needs it grows them, as on s390.
	 */
	unsigned long addr = find_gap_below(mm, len, align, mm_table_limit(mm));

	return addr ? addr : find_gap_below(mm, len, align, TASK_SIZE);
}

struct vm_area_struct *vma_alloc(enum gm_alloc_site site)
{
	struct vm_area_struct *v = gm_malloc_at(site, sizeof(*v));

	if (v) {
		v->vm_start = 0;
		v->vm_end = 0;
		v->prot = 0;
		v->next = NULL;
	}
	return v;
}

/* Join neighbours that touch and have the same protection. */
static void vma_merge_all(struct mm_struct *mm)
{
	struct vm_area_struct *v = mm->mmap, *n;

	while (v && (n = v->next)) {
		if (v->vm_end == n->vm_start && v->prot == n->prot) {
			v->vm_end = n->vm_end;
			v->next = n->next;
			gm_free(n);
			mm->map_count--;
		} else {
			v = n;
		}
	}
}

void vma_link(struct mm_struct *mm, struct vm_area_struct *v, unsigned long start,
	      unsigned long end, int prot)
{
	struct vm_area_struct **link = &mm->mmap;

	v->vm_start = start;
	v->vm_end = end;
	v->prot = prot;
	while (*link && (*link)->vm_start < start)
		link = &(*link)->next;
	v->next = *link;
	*link = v;
	mm->map_count++;
	vma_merge_all(mm);
}

/* Split @v at @addr (strictly inside it) using the preallocated @spare. */
static void vma_split(struct mm_struct *mm, struct vm_area_struct *v, unsigned long addr,
		      struct vm_area_struct *spare)
{
	spare->vm_start = addr;
	spare->vm_end = v->vm_end;
	spare->prot = v->prot;
	spare->next = v->next;
	v->vm_end = addr;
	v->next = spare;
	mm->map_count++;
}

static bool strictly_inside(const struct vm_area_struct *v, unsigned long addr)
{
	return v && v->vm_start < addr && addr < v->vm_end;
}

int vma_remove_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct vm_area_struct *v = find_vma(mm, start), **link, *spare = NULL;

	if (strictly_inside(v, start) && v->vm_end > end) {
		spare = vma_alloc(GM_SITE_MM_VMA_UNMAP_SPLIT);
		if (!spare)
			return -ENOMEM;
		vma_split(mm, v, end, spare);
	}
	link = &mm->mmap;
	while ((v = *link) && v->vm_start < end) {
		if (v->vm_end <= start) {
			link = &v->next;
		} else if (v->vm_start < start) {
			v->vm_end = start;
			link = &v->next;
		} else if (v->vm_end > end) {
			v->vm_start = end;
			link = &v->next;
		} else {
			*link = v->next;
			gm_free(v);
			mm->map_count--;
		}
	}
	return 0;
}

int vma_protect_range(struct mm_struct *mm, unsigned long start, unsigned long end, int prot)
{
	struct vm_area_struct *first = find_vma(mm, start), *last = find_vma(mm, end - 1);
	struct vm_area_struct *spare[2] = { NULL, NULL };
	bool split_start = strictly_inside(first, start) && first->prot != prot;
	bool split_end = last && last->vm_end > end && last->prot != prot;

	if ((split_start && !(spare[0] = vma_alloc(GM_SITE_MM_VMA_PROT_SPLIT_START))) ||
	    (split_end && !(spare[1] = vma_alloc(GM_SITE_MM_VMA_PROT_SPLIT_END)))) {
		gm_free(spare[0]);
		return -ENOMEM;
	}
	if (split_end)
		vma_split(mm, last, end, spare[1]);
	if (split_start)
		vma_split(mm, first, start, spare[0]);
	for (struct vm_area_struct *v = find_vma(mm, start); v && v->vm_start < end; v = v->next)
		v->prot = prot;
	vma_merge_all(mm);
	return 0;
}

void vma_free_all(struct mm_struct *mm)
{
	struct vm_area_struct *v = mm->mmap, *n;

	for (; v; v = n) {
		n = v->next;
		gm_free(v);
	}
	mm->mmap = NULL;
	mm->map_count = 0;
}
