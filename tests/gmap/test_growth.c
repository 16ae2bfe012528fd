// SPDX-License-Identifier: GPL-2.0
/*
 * guest_to_host as ranges: the seed's per-segment semantics against a model.
 *
 * - random gmap_map_segment()/gmap_unmap_segment()/gmap_fault() calls over 64
 *   guest segments from 16 host segments (so mappings overlap, split, alias and
 *   merge), checked after each call against an array of one host segment per
 *   guest segment: gmap_translate() of every segment, which segments are linked
 *   (an unmap unlinks the host segments it unmapped, whichever guest segment
 *   they were linked to), and that the ranges stay merged;
 * - the same with host_to_guest larger than the unmapped range and smaller
 *   (the two unlink strategies);
 * - a 64 TiB gmap mapped in 1 TiB calls, unmapped in the middle of a range, and
 *   removed: ranges, not segments;
 * - an unmap that splits a range succeeds when its allocation fails, and leaks
 *   nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>

#include "gmap/rangemap.h"
#include "gmap/ulmap.h"

#define SEG   _SEGMENT_SIZE
#define TIB   (1UL << 40)
#define HBASE 0x100000000UL
#define NH    16
#define NG    64
#define GBASE 0x40000000UL

static struct mm_struct *mm;
static struct gmap *g;
/* The model: host segment index + 1 mapped at each guest segment, 0 for none. */
static unsigned long model[NG];
static unsigned int seed = 1;

static unsigned int rnd(unsigned int n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 8) % n;
}

static void setup_env(unsigned long limit)
{
	mm = mm_create();
	assert_non_null(mm);
	assert_int_equal(mm_mmap(mm, HBASE, NH * SEG, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
			 HBASE);
	g = gmap_create(mm, limit);
	assert_non_null(g);
	memset(model, 0, sizeof(model));
}

static void teardown_env(void)
{
	gmap_remove(g);
	mm_destroy(mm);
	gm_quiesce();
}

/* Maximal runs of guest segments mapping consecutive host segments: the ranges there must be. */
static unsigned long model_runs(void)
{
	unsigned long runs = 0;

	for (int i = 0; i < NG; i++)
		if (model[i] && !(i && model[i - 1] && model[i - 1] + 1 == model[i]))
			runs++;
	return runs;
}

static void check_model(void)
{
	unsigned long mapped = 0, linked = 0, *ste, h2g;

	for (int i = 0; i < NG; i++) {
		unsigned long gaddr = GBASE + (unsigned long)i * SEG + 0x1234;
		unsigned long want =
			model[i] ? HBASE + (model[i] - 1) * SEG + 0x1234 : (unsigned long)-EFAULT;

		assert_int_equal(gmap_translate(g, gaddr), want);
		mapped += !!model[i];
	}
	mmap_read_lock(mm);
	assert_int_equal(rangemap_length(g->guest_to_host), mapped * SEG);
	assert_int_equal(rangemap_count(g->guest_to_host), model_runs());
	for (int i = 0; i < NG; i++) {
		ste = gmap_table_walk(g, GBASE + (unsigned long)i * SEG, DAT_LEVEL_SEGMENT);
		if (!ste || *ste == _SEGMENT_ENTRY_EMPTY)
			continue;
		/* Linked: mapped, and host_to_guest names this entry for its host segment. */
		assert_int_not_equal(model[i], 0);
		assert_true(
			ulmap_lookup(g->host_to_guest, (HBASE >> PMD_SHIFT) + model[i] - 1, &h2g));
		assert_ptr_equal((unsigned long *)h2g, ste);
		linked++;
	}
	assert_int_equal(ulmap_count(g->host_to_guest), linked);
	mmap_read_unlock(mm);
}

static void random_ops(int nops, int max_len)
{
	for (int op = 0; op < nops; op++) {
		unsigned int k = rnd(10), gi = rnd(NG), len = 1 + rnd((unsigned int)max_len), hi;

		if (gi + len > NG)
			len = NG - gi;
		if (k < 4) {
			hi = rnd(NH);
			if (hi + len > NH)
				len = NH - hi;
			assert_int_equal(
				gmap_map_segment(g, HBASE + hi * SEG, GBASE + gi * SEG, len * SEG),
				0);
			for (unsigned int i = 0; i < len; i++)
				model[gi + i] = hi + i + 1;
		} else if (k < 6) {
			assert_int_equal(gmap_unmap_segment(g, GBASE + gi * SEG, len * SEG), 0);
			/* The unmapped host segments lose their links, wherever they are linked. */
			for (unsigned int i = 0; i < len; i++)
				model[gi + i] = 0;
		} else {
			int rc = gmap_fault(g, GBASE + gi * SEG + rnd(256) * PAGE_SIZE, 0);

			/* -EFAULT: unmapped, or its host segment is linked elsewhere. */
			assert_true(rc == 0 || rc == -EFAULT);
			if (!model[gi])
				assert_int_equal(rc, -EFAULT);
		}
		check_model();
	}
}

static void test_model_short_ranges(void **state)
{
	(void)state;
	setup_env(-1UL);
	random_ops(3000, 4);
	teardown_env();
}

static void test_model_long_ranges(void **state)
{
	(void)state;
	seed = 7;
	setup_env((1UL << 42) - 1);
	random_ops(3000, NG);
	teardown_env();
}

/* Whole-range unmaps with many links: the scan of host_to_guest unlinks the right ones. */
static void test_unmap_scans_links(void **state)
{
	(void)state;
	setup_env(-1UL);
	assert_int_equal(gmap_map_segment(g, HBASE, GBASE, NH * SEG), 0);
	for (int i = 0; i < NH; i++) {
		model[i] = (unsigned long)i + 1;
		assert_int_equal(gmap_fault(g, GBASE + (unsigned long)i * SEG, 0), 0);
	}
	/* A second gmap view of the same hosts further up, mapped not linked. */
	assert_int_equal(gmap_map_segment(g, HBASE, GBASE + 32 * SEG, NH * SEG), 0);
	for (int i = 0; i < NH; i++)
		model[32 + i] = (unsigned long)i + 1;
	check_model();
	/* Unmapping the alias unlinks the host segments linked through the first view. */
	assert_int_equal(gmap_unmap_segment(g, GBASE + 32 * SEG, NH * SEG), 0);
	for (int i = 0; i < NH; i++)
		model[32 + i] = 0;
	check_model();
	assert_int_equal(ulmap_count(g->host_to_guest), 0);
	teardown_env();
}

/* 64 TiB mapped in 64 calls that alias one 1 TiB host window: 64 ranges, then 65 after a split. */
static void test_huge_guest(void **state)
{
	unsigned long limit = 64 * TIB - 1;

	(void)state;
	mm = mm_create();
	assert_non_null(mm);
	g = gmap_create(mm, limit);
	assert_non_null(g);
	for (unsigned long to = 0; to < 64 * TIB; to += TIB)
		assert_int_equal(gmap_map_segment(g, TIB, to, TIB), 0);
	assert_int_equal(rangemap_count(g->guest_to_host), 64);
	assert_int_equal(rangemap_length(g->guest_to_host), 64 * TIB);
	assert_int_equal(gmap_translate(g, 63 * TIB + 0x12345), TIB + 0x12345);
	assert_int_equal(gmap_translate(g, 64 * TIB - 1), 2 * TIB - 1);
	assert_int_equal(gmap_unmap_segment(g, 5 * TIB + SEG, SEG), 0);
	assert_int_equal(rangemap_count(g->guest_to_host), 65);
	assert_int_equal(gmap_translate(g, 5 * TIB + SEG), (unsigned long)-EFAULT);
	assert_int_equal(gmap_translate(g, 5 * TIB + 2 * SEG), TIB + 2 * SEG);
	/* Over everything, in one call: one range. */
	assert_int_equal(gmap_map_segment(g, 0x100000UL, 0, 4 * TIB - 2 * SEG), 0);
	assert_int_equal(gmap_translate(g, 0), 0x100000UL);
	assert_int_equal(gmap_map_segment(g, TASK_SIZE_MAX - SEG, 0, 2 * SEG), -EINVAL);
	gmap_remove(g);
	mm_destroy(mm);
	gm_quiesce();
}

/* Splitting a mapping needs a node: the spare covers a refused allocation. */
static void test_split_survives_alloc_failure(void **state)
{
	long live;

	(void)state;
	gm_quiesce();
	live = gm_alloc_live();
	for (unsigned long n = 1; n <= 4; n++) {
		setup_env(-1UL);
		assert_int_equal(gmap_map_segment(g, HBASE, GBASE, NH * SEG), 0);
		for (int i = 0; i < NH; i++) {
			model[i] = (unsigned long)i + 1;
			assert_int_equal(gmap_fault(g, GBASE + (unsigned long)i * SEG, 0), 0);
		}
		gm_alloc_fail_nth(n);
		assert_int_equal(gmap_unmap_segment(g, GBASE + 4 * SEG, 2 * SEG), 0);
		gm_alloc_fail_nth(0);
		model[4] = model[5] = 0;
		check_model();
		/* The spare is back: the next split works with the allocator refusing once. */
		gm_alloc_fail_nth(1);
		assert_int_equal(gmap_unmap_segment(g, GBASE + 8 * SEG, SEG), 0);
		gm_alloc_fail_nth(0);
		model[8] = 0;
		check_model();
		teardown_env();
		assert_int_equal(gm_alloc_live(), live);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_short_ranges),
		cmocka_unit_test(test_model_long_ranges),
		cmocka_unit_test(test_unmap_scans_links),
		cmocka_unit_test(test_huge_guest),
		cmocka_unit_test(test_split_survives_alloc_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
