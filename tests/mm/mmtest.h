/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers for the host address space tests. */
#ifndef GMAP_TESTS_MMTEST_H
#define GMAP_TESTS_MMTEST_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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

/* ---- a fixture: one mm with an anonymous mapping, and nothing leaked at the end ------------ */

struct mm_fixture {
	struct mm_struct *mm;
	long live0; /* gm_alloc_live() before the mm existed */
};

/* An mm with @pages read-write anonymous pages at @base; NULL if anything failed. */
static inline struct mm_fixture *mm_fixture_create(unsigned long base, unsigned long pages)
{
	struct mm_fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	gm_quiesce();
	f->live0 = gm_alloc_live();
	f->mm = mm_create();
	if (!f->mm || mm_mmap(f->mm, base, pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
			      MAP_ANON_PRIVATE | MAP_FIXED) != base) {
		if (f->mm)
			mm_destroy(f->mm);
		free(f);
		return NULL;
	}
	return f;
}

/* Destroy the mm and check that every path gave back what it took. */
static inline void mm_fixture_destroy(struct mm_fixture *f)
{
	mm_destroy(f->mm);
	gm_quiesce();
	assert_int_equal(gm_alloc_live(), f->live0);
	free(f);
}

/* ---- page contents: a pattern per seed, written and checked through the mm ----------------- */

/* The pattern of @seed; it differs between seeds and between the 256-byte runs of a page. */
static inline void mm_fill_page(unsigned char *buf, unsigned int seed)
{
	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		buf[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 8));
}

static inline void mm_write_page(struct mm_struct *mm, unsigned long addr, unsigned int seed)
{
	unsigned char buf[PAGE_SIZE];

	mm_fill_page(buf, seed);
	assert_int_equal(mm_write(mm, addr, buf, PAGE_SIZE), 0);
}

/* The page at @addr reads back as @want (faulting or swapping it in as needed). */
static inline void mm_expect_bytes(struct mm_struct *mm, unsigned long addr,
				   const unsigned char *want)
{
	unsigned char got[PAGE_SIZE];

	assert_int_equal(mm_read(mm, addr, got, PAGE_SIZE), 0);
	assert_memory_equal(got, want, PAGE_SIZE);
}

static inline void mm_expect_page(struct mm_struct *mm, unsigned long addr, unsigned int seed)
{
	unsigned char want[PAGE_SIZE];

	mm_fill_page(want, seed);
	mm_expect_bytes(mm, addr, want);
}

/* The page at @addr reads back as zeroes (a first touch, or after a discard). */
static inline void mm_expect_zero(struct mm_struct *mm, unsigned long addr)
{
	static const unsigned char zero[PAGE_SIZE];

	mm_expect_bytes(mm, addr, zero);
}

/* ---- page-table entries, read under mmap_lock ---------------------------------------------- */

static inline unsigned long mm_locked_lookup(struct mm_struct *mm, unsigned long addr,
					     unsigned long (*lookup)(struct mm_struct *,
								     unsigned long))
{
	unsigned long v;

	mmap_read_lock(mm);
	v = lookup(mm, addr);
	mmap_read_unlock(mm);
	return v;
}

static inline unsigned long mm_pte_at(struct mm_struct *mm, unsigned long addr)
{
	return mm_locked_lookup(mm, addr, mm_lookup_pte);
}

static inline unsigned long mm_pgste_at(struct mm_struct *mm, unsigned long addr)
{
	return mm_locked_lookup(mm, addr, mm_lookup_pgste);
}

#endif /* GMAP_TESTS_MMTEST_H */
