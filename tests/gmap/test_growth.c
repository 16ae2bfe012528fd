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
 *   nothing;
 * - the link cache (gmap_fault()'s shortcut past both table walks) only ever
 *   names the page table a segment is linked to: checked in every model step
 *   above, with segments that share a set of the cache, across a host segment
 *   freed and made again under a linked guest segment, and for __gmap_link()
 *   called with a host address other than the one the segment is linked to;
 * - gmap_discard() over 2^64 with a few segments mapped, and windows that cut
 *   ranges.
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

#include "gmap/linkcache.h"
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

/*
 * Every entry of the link cache for the @n segments from @base is the page table
 * its segment entry designates; a segment that is not linked has none.
 * Context: mmap_lock held.
 */
static void check_link_cache(unsigned long base, unsigned long n)
{
	unsigned long *ste, *pt;

	if (!g->link_cache)
		return;
	for (unsigned long i = 0; i < n; i++) {
		pt = link_cache_lookup(g->link_cache, (base >> _SEGMENT_SHIFT) + i);
		if (!pt)
			continue;
		ste = gmap_table_walk(g, base + i * SEG, DAT_LEVEL_SEGMENT);
		assert_non_null(ste);
		assert_int_not_equal(*ste, _SEGMENT_ENTRY_EMPTY);
		assert_ptr_equal(pt, (unsigned long *)(*ste & _SEGMENT_ENTRY_ORIGIN));
	}
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
	check_link_cache(GBASE, NG);
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
			int rc = gmap_fault(g, GBASE + gi * SEG + rnd(256) * PAGE_SIZE,
					    rnd(2) ? FAULT_FLAG_WRITE : 0);

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

/*
 * A range much longer than what is linked in it is unlinked by one scan of
 * host_to_guest: its segments leave the link cache too, and mapped again, fault
 * and link again.
 */
static void test_unmap_scan_drops_cache(void **state)
{
	(void)state;
	setup_env(-1UL);
	assert_int_equal(gmap_map_segment(g, HBASE, GBASE, NG * SEG), 0);
	for (int i = 0; i < NG; i++)
		model[i] = (unsigned long)i + 1;
	for (unsigned long i = 0; i < 2; i++)
		assert_int_equal(gmap_fault(g, GBASE + i * SEG, FAULT_FLAG_WRITE), 0);
	check_model();
	/* 64 segments against 2 linked: the scan. */
	assert_int_equal(gmap_unmap_segment(g, GBASE, NG * SEG), 0);
	memset(model, 0, sizeof(model));
	check_model();
	assert_int_equal(gmap_map_segment(g, HBASE, GBASE, 2 * SEG), 0);
	model[0] = 1;
	model[1] = 2;
	for (unsigned long i = 0; i < 2; i++)
		assert_int_equal(gmap_fault(g, GBASE + i * SEG, 0), 0);
	assert_int_equal(ulmap_count(g->host_to_guest), 2);
	check_model();
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

/* The word at @gaddr through the gmap's own tables (the DAT unit), or -1 if the walk fails. */
static unsigned long guest_word(unsigned long gaddr)
{
	struct dat_config cfg = { .asce = g->asce };
	struct dat_result res;

	if (dat_translate_native(&cfg, gaddr, DAT_FETCH, &res))
		return -1UL;
	return *(unsigned long *)res.real;
}

static void put_host_word(unsigned long vmaddr, unsigned long val)
{
	assert_int_equal(mm_write(mm, vmaddr, &val, sizeof(val)), 0);
}

/* The page table the host segment entry of @vmaddr designates. */
static unsigned long *host_page_table(unsigned long vmaddr)
{
	unsigned long *ste;

	mmap_read_lock(mm);
	ste = mm_segment_entry(mm, vmaddr);
	mmap_read_unlock(mm);
	assert_non_null(ste);
	assert_false(*ste & _SEGMENT_ENTRY_INVALID);
	return (unsigned long *)(*ste & _SEGMENT_ENTRY_ORIGIN);
}

#define NCONFLICT 5

/* More linked segments in one set of the link cache than it has ways: each finds its own. */
static void test_link_cache_set_conflicts(void **state)
{
	unsigned long gs[NCONFLICT], first = GBASE >> _SEGMENT_SHIFT, n = 0, cached, *pt;
	unsigned long off = 3 * PAGE_SIZE + 8;

	(void)state;
	setup_env(-1UL);
	for (unsigned long k = first; n < NCONFLICT; k++)
		if (link_cache_set(k, LINK_CACHE_MIN_SHIFT) ==
		    link_cache_set(first, LINK_CACHE_MIN_SHIFT))
			gs[n++] = k;
	for (unsigned long i = 0; i < NCONFLICT; i++) {
		put_host_word(HBASE + i * SEG + off, 0x1000 + i);
		assert_int_equal(gmap_map_segment(g, HBASE + i * SEG, gs[i] * SEG, SEG), 0);
	}
	for (int round = 0; round < 4; round++) {
		for (unsigned long j = 0; j < NCONFLICT; j++) {
			unsigned long i = round & 1 ? NCONFLICT - 1 - j : j;

			assert_int_equal(
				gmap_fault(g, gs[i] * SEG + off, round & 2 ? FAULT_FLAG_WRITE : 0),
				0);
			assert_int_equal(guest_word(gs[i] * SEG + off), 0x1000 + i);
		}
		cached = 0;
		for (unsigned long i = 0; i < NCONFLICT; i++) {
			pt = link_cache_lookup(g->link_cache, gs[i]);
			if (pt)
				assert_ptr_equal(pt, host_page_table(HBASE + i * SEG));
			cached += !!pt;
			mmap_read_lock(mm);
			check_link_cache(gs[i] * SEG, 1);
			mmap_read_unlock(mm);
		}
		assert_in_range(cached, 1, LINK_CACHE_WAYS);
	}
	assert_int_equal(g->link_cache->shift, LINK_CACHE_MIN_SHIFT);
	/* Unlinked by the unmap: gone from the cache, the others still right. */
	assert_int_equal(gmap_unmap_segment(g, gs[0] * SEG, SEG), 0);
	assert_null(link_cache_lookup(g->link_cache, gs[0]));
	assert_int_equal(gmap_fault(g, gs[0] * SEG + off, 0), -EFAULT);
	assert_int_equal(guest_word(gs[0] * SEG + off), -1UL);
	for (unsigned long i = 1; i < NCONFLICT; i++) {
		assert_int_equal(gmap_fault(g, gs[i] * SEG + off, FAULT_FLAG_WRITE), 0);
		assert_int_equal(guest_word(gs[i] * SEG + off), 0x1000 + i);
	}
	teardown_env();
}

/*
 * The host segment under a linked guest segment is unmapped (its page table
 * freed, the link undone) and mapped again: the next fault must link the new
 * page table, not take the old one from the cache.
 */
static void test_link_cache_host_remade(void **state)
{
	unsigned long gaddr = GBASE + 0x5008;

	(void)state;
	setup_env(-1UL);
	put_host_word(HBASE + 0x5008, 0xaaaa);
	assert_int_equal(gmap_map_segment(g, HBASE, GBASE, SEG), 0);
	assert_int_equal(gmap_fault(g, gaddr, FAULT_FLAG_WRITE), 0);
	assert_int_equal(guest_word(gaddr), 0xaaaa);
	assert_ptr_equal(link_cache_lookup(g->link_cache, GBASE >> _SEGMENT_SHIFT),
			 host_page_table(HBASE));
	assert_int_equal(mm_munmap(mm, HBASE, SEG), 0);
	assert_null(link_cache_lookup(g->link_cache, GBASE >> _SEGMENT_SHIFT));
	assert_int_equal(guest_word(gaddr), -1UL);
	assert_int_equal(mm_mmap(mm, HBASE, SEG, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
			 HBASE);
	put_host_word(HBASE + 0x5008, 0xbbbb);
	assert_int_equal(gmap_fault(g, gaddr, 0), 0);
	assert_int_equal(guest_word(gaddr), 0xbbbb);
	assert_ptr_equal(link_cache_lookup(g->link_cache, GBASE >> _SEGMENT_SHIFT),
			 host_page_table(HBASE));
	model[0] = 1;
	check_model();
	teardown_env();
}

/*
 * __gmap_link() of a linked segment with another host address answers as it
 * did before the cache: 0 if that host segment has a page table (nothing
 * changes), -EFAULT if not.
 */
static void test_link_other_host_address(void **state)
{
	unsigned long entry;

	(void)state;
	setup_env(-1UL);
	put_host_word(HBASE + SEG, 1);
	assert_int_equal(gmap_map_segment(g, HBASE, GBASE, SEG), 0);
	assert_int_equal(gmap_fault(g, GBASE, FAULT_FLAG_WRITE), 0);
	mmap_read_lock(mm);
	assert_int_equal(__gmap_link(g, GBASE, HBASE + 0x3000), 0);
	assert_int_equal(__gmap_link(g, GBASE, HBASE + SEG + 0x3000), 0);
	assert_int_equal(__gmap_link(g, GBASE, HBASE + 5 * SEG), -EFAULT);
	assert_int_equal(ulmap_count(g->host_to_guest), 1);
	assert_false(ulmap_lookup(g->host_to_guest, (HBASE + SEG) >> PMD_SHIFT, &entry));
	mmap_read_unlock(mm);
	assert_ptr_equal(link_cache_lookup(g->link_cache, GBASE >> _SEGMENT_SHIFT),
			 host_page_table(HBASE));
	teardown_env();
}

static unsigned long host_word(unsigned long vmaddr)
{
	unsigned long val;

	assert_int_equal(mm_read(mm, vmaddr, &val, sizeof(val)), 0);
	return val;
}

/*
 * gmap_discard() goes from mapped range to mapped range: over all of 2^64 with
 * three segments mapped it returns at once (stepping through the gaps a segment
 * at a time would take 2^44 steps), and it discards exactly the mapped pages
 * inside [from, to).
 */
static void test_discard_skips_gaps(void **state)
{
	const unsigned long far = 1UL << 60, farther = (1UL << 62) + SEG;

	(void)state;
	setup_env(-1UL);
	assert_int_equal(gmap_map_segment(g, HBASE, GBASE, SEG), 0);
	assert_int_equal(gmap_map_segment(g, HBASE + SEG, far, SEG), 0);
	assert_int_equal(gmap_map_segment(g, HBASE + 2 * SEG, farther, SEG), 0);
	for (unsigned long i = 0; i < 4; i++)
		put_host_word(HBASE + i * SEG + 0x1000 * (i + 1), 0x100 + i);
	assert_int_equal(gmap_discard(g, 0, -PAGE_SIZE), 0);
	for (unsigned long i = 0; i < 3; i++)
		assert_int_equal(host_word(HBASE + i * SEG + 0x1000 * (i + 1)), 0);
	/* Host segment 3 is not in the gmap. */
	assert_int_equal(host_word(HBASE + 3 * SEG + 0x4000), 0x103);

	/* A window that starts inside one range and ends inside the next. */
	put_host_word(HBASE + 0x1000, 1);
	put_host_word(HBASE + 0x5000, 2);
	put_host_word(HBASE + SEG, 3);
	put_host_word(HBASE + SEG + 0x2000, 4);
	put_host_word(HBASE + 2 * SEG, 5);
	assert_int_equal(gmap_discard(g, GBASE + 0x2000, far + 0x1000), 0);
	assert_int_equal(host_word(HBASE + 0x1000), 1);
	assert_int_equal(host_word(HBASE + 0x5000), 0);
	assert_int_equal(host_word(HBASE + SEG), 0);
	assert_int_equal(host_word(HBASE + SEG + 0x2000), 4);
	assert_int_equal(host_word(HBASE + 2 * SEG), 5);
	/* Empty and gap-only windows do nothing; bad ones are refused. */
	assert_int_equal(gmap_discard(g, GBASE + 0x1000, GBASE + 0x1000), 0);
	assert_int_equal(gmap_discard(g, GBASE + SEG, far), 0);
	assert_int_equal(host_word(HBASE + 0x1000), 1);
	assert_int_equal(host_word(HBASE + SEG + 0x2000), 4);
	assert_int_equal(gmap_discard(g, far, GBASE), -EINVAL);
	assert_int_equal(gmap_discard(g, GBASE + 8, far), -EINVAL);
	teardown_env();
}

#define NGROW 300UL
#define GROWH 0x200000000UL /* NGROW host segments */

/*
 * The cache grows with the links (256 links: 1,024 sets) and keeps the one it
 * replaced; entries are right before and after, and all of it is freed.
 */
static void test_link_cache_grows(void **state)
{
	long live;

	(void)state;
	gm_quiesce();
	live = gm_alloc_live();
	setup_env(-1UL);
	assert_int_equal(mm_mmap(mm, GROWH, NGROW * SEG, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
			 GROWH);
	assert_int_equal(gmap_map_segment(g, GROWH, GBASE, NGROW * SEG), 0);
	for (unsigned long i = 0; i < NGROW; i++) {
		put_host_word(GROWH + i * SEG + 0x2000, i);
		assert_int_equal(gmap_fault(g, GBASE + i * SEG + 0x2000, 0), 0);
		assert_int_equal(g->link_cache->shift, i + 1 >= 1UL << LINK_CACHE_MIN_SHIFT
							       ? LINK_CACHE_MIN_SHIFT + 2
							       : LINK_CACHE_MIN_SHIFT);
	}
	assert_non_null(g->link_cache->retired);
	assert_int_equal(g->link_cache->retired->shift, LINK_CACHE_MIN_SHIFT);
	for (unsigned long i = 0; i < NGROW; i++) {
		assert_int_equal(gmap_fault(g, GBASE + i * SEG + 0x2008, FAULT_FLAG_WRITE), 0);
		assert_int_equal(guest_word(GBASE + i * SEG + 0x2000), i);
	}
	mmap_read_lock(mm);
	check_link_cache(GBASE, NGROW);
	mmap_read_unlock(mm);
	assert_int_equal(ulmap_count(g->host_to_guest), NGROW);
	teardown_env();
	assert_int_equal(gm_alloc_live(), live);
}

/* The cache itself: a set keeps its last fills, forgets what it drops, and clears. */
static void test_link_cache_unit(void **state)
{
	struct link_cache *c = link_cache_alloc(LINK_CACHE_MIN_SHIFT, NULL);
	unsigned long k[3], n = 0, pt[3] = { 0x10000, 0x20000, 0x30000 };

	(void)state;
	assert_non_null(c);
	for (unsigned long s = 7; n < 3; s++)
		if (link_cache_set(s, c->shift) == link_cache_set(7, c->shift))
			k[n++] = s;
	for (int i = 0; i < 3; i++)
		link_cache_fill(c, k[i], (unsigned long *)pt[i]);
	/* The latest is there; an evicted one answers NULL, never another's table. */
	assert_ptr_equal(link_cache_lookup(c, k[2]), (unsigned long *)pt[2]);
	n = 0;
	for (int i = 0; i < 3; i++) {
		unsigned long *p = link_cache_lookup(c, k[i]);

		assert_true(!p || p == (unsigned long *)pt[i]);
		n += !!p;
	}
	assert_int_equal(n, LINK_CACHE_WAYS);
	assert_null(link_cache_lookup(c, k[2] + 1));
	link_cache_drop(c, k[2]);
	assert_null(link_cache_lookup(c, k[2]));
	link_cache_fill(c, k[2], (unsigned long *)pt[2]);
	link_cache_fill(c, k[2], (unsigned long *)pt[2]);
	assert_ptr_equal(link_cache_lookup(c, k[2]), (unsigned long *)pt[2]);
	link_cache_clear(c);
	for (int i = 0; i < 3; i++)
		assert_null(link_cache_lookup(c, k[i]));
	link_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_short_ranges),
		cmocka_unit_test(test_model_long_ranges),
		cmocka_unit_test(test_unmap_scans_links),
		cmocka_unit_test(test_unmap_scan_drops_cache),
		cmocka_unit_test(test_huge_guest),
		cmocka_unit_test(test_split_survives_alloc_failure),
		cmocka_unit_test(test_discard_skips_gaps),
		cmocka_unit_test(test_link_cache_unit),
		cmocka_unit_test(test_link_cache_set_conflicts),
		cmocka_unit_test(test_link_cache_grows),
		cmocka_unit_test(test_link_cache_host_remade),
		cmocka_unit_test(test_link_other_host_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
