// SPDX-License-Identifier: GPL-2.0
/*
 * gmap_translate() without a lock: guest_to_host's cache of ranges (rangemap.h).
 *
 * - the cache answers what the map says: hits, conflicts between ranges in one
 *   slot, a range that serves every slot it covers, unmaps and remaps;
 * - deterministic replays of the two races of a lock-free reader, through
 *   rangemap_cache_hook at the point between reading a slot and re-checking its
 *   sequence: an unmap of the address (the reader must not return the removed
 *   translation) and a filler that takes the slot for another range (the reader
 *   must not combine the two ranges, and answers through the locked path);
 * - readers on threads against a mapper that maps, splits and unmaps the same
 *   segments: every answer is one the map gave at some time (run under TSan by
 *   the tsan suite).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>

#include "gmap/rangemap.h"

#define SEG   _SEGMENT_SIZE
#define HA    0x100000000UL /* one host range */
#define HB    0x200000000UL /* another */
#define SLOTS RANGEMAP_CACHE_SLOTS

struct fixture {
	struct mm_struct *mm;
	struct gmap *gmap;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->mm = mm_create();
	f->gmap = f->mm ? gmap_create(f->mm, (1UL << 42) - 1) : NULL;
	if (!f->gmap)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rangemap_cache_hook = NULL;
	gmap_remove(f->gmap);
	mm_destroy(f->mm);
	free(f);
	gm_quiesce();
	return 0;
}

static const struct rangemap_slot *slot_of(struct gmap *g, unsigned long gaddr)
{
	return &g->guest_to_host->cache[(gaddr >> RANGEMAP_CACHE_GRAIN) % SLOTS];
}

/* The cache is filled by a locked lookup and answers like the map afterwards. */
static void test_fill_and_hit(void **state)
{
	struct fixture *f = *state;
	struct gmap *g = f->gmap;
	unsigned long big = 4 * SLOTS * SEG; /* one range over every slot, four times */

	assert_int_equal(gmap_map_segment(g, HA, 0, big), 0);
	assert_int_equal(slot_of(g, 0x1234)->len, 0);
	assert_int_equal(gmap_translate(g, 0x1234), HA + 0x1234);
	/* The slot holds the whole range: every address of it in that slot hits. */
	assert_int_equal(slot_of(g, 0x1234)->start, 0);
	assert_int_equal(slot_of(g, 0x1234)->len, big);
	for (unsigned long k = 0; k < 4; k++) {
		unsigned long a = k * SLOTS * SEG + 0x5678, v;

		assert_true(rangemap_lookup_cached(g->guest_to_host, a, &v));
		assert_int_equal(v, HA + a);
	}
	/* Beyond the range: a miss, and not cached. */
	assert_int_equal((long)gmap_translate(g, big), -EFAULT);
	assert_int_equal((long)gmap_translate(g, big), -EFAULT);
}

/* Two ranges in one slot take turns; each answer is its own range's. */
static void test_conflicts(void **state)
{
	struct fixture *f = *state;
	struct gmap *g = f->gmap;
	unsigned long a = 3 * SEG, b = (3 + SLOTS) * SEG; /* same slot */

	assert_int_equal(gmap_map_segment(g, HA, a, SEG), 0);
	assert_int_equal(gmap_map_segment(g, HB, b, SEG), 0);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(gmap_translate(g, a + 8 * i), HA + 8 * i);
		assert_int_equal(gmap_translate(g, b + 8 * i), HB + 8 * i);
	}
	assert_int_equal(slot_of(g, a)->start, b);
}

/* Unmap and remap empty the cache: no answer of a removed mapping afterwards. */
static void test_unmap_remap(void **state)
{
	struct fixture *f = *state;
	struct gmap *g = f->gmap;

	assert_int_equal(gmap_map_segment(g, HA, 0, 8 * SEG), 0);
	assert_int_equal(gmap_translate(g, 5 * SEG + 1), HA + 5 * SEG + 1);
	assert_int_equal(gmap_unmap_segment(g, 5 * SEG, SEG), 0);
	assert_int_equal((long)gmap_translate(g, 5 * SEG + 1), -EFAULT);
	assert_int_equal(gmap_translate(g, 4 * SEG + 1), HA + 4 * SEG + 1);
	/* A new mapping over a cached one replaces it. */
	assert_int_equal(gmap_translate(g, 6 * SEG), HA + 6 * SEG);
	assert_int_equal(gmap_map_segment(g, HB, 6 * SEG, SEG), 0);
	assert_int_equal(gmap_translate(g, 6 * SEG + 2), HB + 2);
	assert_int_equal(gmap_translate(g, 7 * SEG), HA + 7 * SEG);
	/* gmap_remove()'s unmap empties it too (the fixture's teardown checks the rest). */
}

/* ---- replays of the races -------------------------------------------------------------- */

static struct gmap *hook_gmap;
static unsigned long hook_calls, hook_other;

/* An unmap of the address lands after the reader read the slot. */
static void hook_unmap(const struct rangemap *m, unsigned long addr)
{
	assert_ptr_equal(m, hook_gmap->guest_to_host);
	rangemap_cache_hook = NULL;
	hook_calls++;
	assert_int_equal(gmap_unmap_segment(hook_gmap, addr & PMD_MASK, SEG), 0);
}

static void test_replay_unmap(void **state)
{
	struct fixture *f = *state;
	struct gmap *g = f->gmap;

	assert_int_equal(gmap_map_segment(g, HA, 0, 4 * SEG), 0);
	assert_int_equal(gmap_translate(g, 2 * SEG + 0x10), HA + 2 * SEG + 0x10);
	hook_gmap = g;
	hook_calls = 0;
	rangemap_cache_hook = hook_unmap;
	/* The slot said HA + ...; the sequence changed under the reader: it must not answer that.
	 */
	assert_int_equal((long)gmap_translate(g, 2 * SEG + 0x20), -EFAULT);
	assert_int_equal(hook_calls, 1);
	assert_int_equal(gmap_translate(g, 3 * SEG), HA + 3 * SEG);
}

/* A filler takes the slot for another range after the reader read it. */
static void hook_refill(const struct rangemap *m, unsigned long addr)
{
	(void)m;
	(void)addr;
	rangemap_cache_hook = NULL;
	hook_calls++;
	assert_int_equal(gmap_translate(hook_gmap, hook_other), HB + 0x40);
}

static void test_replay_refill(void **state)
{
	struct fixture *f = *state;
	struct gmap *g = f->gmap;
	unsigned long a = 9 * SEG, b = (9 + SLOTS) * SEG;

	assert_int_equal(gmap_map_segment(g, HA, a, SEG), 0);
	assert_int_equal(gmap_map_segment(g, HB, b, SEG), 0);
	assert_int_equal(gmap_translate(g, a), HA);
	hook_gmap = g;
	hook_calls = 0;
	hook_other = b + 0x40;
	rangemap_cache_hook = hook_refill;
	assert_int_equal(gmap_translate(g, a + 0x80), HA + 0x80);
	assert_int_equal(hook_calls, 1);
	/* The reader did not answer from the slot it had read: it went through the lock and
	 * filled the slot with its own range again. */
	assert_int_equal(slot_of(g, a)->start, a);
	assert_int_equal(slot_of(g, a)->len, SEG);
}

/* ---- threads --------------------------------------------------------------------------- */

#define NSEG	   4
#define READ_OPS   400000UL
#define MAP_ROUNDS 4000UL

static atomic_bool stop;
static atomic_ulong bad;

/* Guest [0, NSEG segments): mapped to HA, segment 1 to HB, or unmapped, as the mapper goes. */
static bool answer_ok(unsigned long gaddr, unsigned long v)
{
	return v == HA + gaddr || v == HB + (gaddr - SEG) || (long)v == -EFAULT;
}

static void *reader(void *arg)
{
	struct gmap *g = arg;
	unsigned long x = (unsigned long)pthread_self() | 1, n = 0;

	while (!atomic_load(&stop) || n < READ_OPS / 8) {
		unsigned long gaddr;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		gaddr = x % (NSEG * SEG) & ~7UL;
		if (!answer_ok(gaddr, gmap_translate(g, gaddr)))
			atomic_fetch_add(&bad, 1);
		if (++n >= READ_OPS)
			break;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fixture *f = *state;
	struct gmap *g = f->gmap;
	pthread_t t[2];

	atomic_store(&stop, false);
	atomic_store(&bad, 0);
	assert_int_equal(gmap_map_segment(g, HA, 0, NSEG * SEG), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader, g), 0);
	for (unsigned long r = 0; r < MAP_ROUNDS; r++) {
		/* Split the range around segment 1, remap it, unmap it, map it home. */
		assert_int_equal(gmap_map_segment(g, HB, SEG, SEG), 0);
		assert_int_equal(gmap_unmap_segment(g, SEG, SEG), 0);
		assert_int_equal(gmap_map_segment(g, HA + SEG, SEG, SEG), 0);
		if (r % 64 == 0)
			assert_int_equal(gmap_unmap_segment(g, 0, NSEG * SEG), 0);
		assert_int_equal(gmap_map_segment(g, HA, 0, NSEG * SEG), 0);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&bad), 0);
	assert_int_equal(gmap_translate(g, SEG + 8), HA + SEG + 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fill_and_hit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_remap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_unmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_refill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
