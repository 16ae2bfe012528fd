// SPDX-License-Identifier: GPL-2.0
/*
 * Precise purges: an IPTE drops only the TLB entries that can hold its page (its
 * frame, or a guest DAT table page the entry's walk read), and costs at most one
 * process barrier however many vCPUs it reaches, none when no vCPU holds the page.
 *
 * The races of a precise purge are replayed deterministically with the hooks of
 * src/vcpu/vcpu_hooks.h: a purge that scans while a fill is about to write its
 * entry (the fill must notice and drop it), and a purge that has started (its
 * first bump of the vCPU's purge sequence) when an access reads its purge state
 * and finds its entry still there, before the purge drops it. The second is what
 * made the first attempt at precise purges (ce2905c, reverted) fail `gmap run
 * --seed 6 --guest-mem 16M ...`: the access's window found the purge sequence as
 * it had read it and copied from the page's old frame, which page-out had freed.
 *
 * meson runs this program with the machine's window protocol and with
 * GMAP_VCPU_FENCE=rmw.
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>
#include <gmap/vcpu.h>

#include "guest.h"
#include "vcpu/vcpu_hooks.h"

/* The guest of guest.h; a test's hook must not outlive it. */
static int teardown(void **state)
{
	vcpu_test_hook = NULL;
	return guest_fixture_teardown(state);
}

#define PURGE_TEST(fn) cmocka_unit_test_setup_teardown(fn, guest_fixture_setup, teardown)

static struct vcpu_stats stats(struct vcpu *v)
{
	struct vcpu_stats st;

	vcpu_get_stats(v, &st);
	return st;
}

/* What a process barrier a purge makes costs: none with the RMW protocol. */
static unsigned long one_barrier(void)
{
	return vcpu_window_rmw() ? 0 : 1;
}

/* ---- precision ----------------------------------------------------------------------------- */

/* Page-out and migration of one page leave the entries of the other pages alone. */
static void test_ipte_keeps_the_other_pages(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long a = 0x234000, b = 0x235000, c = 0x777000, va = 1, vb = 2, vc = 3, r;
	struct vcpu_stats st0, st1;

	assert_int_equal(vcpu_write(f->vcpu, a, &va, sizeof(va)), 0);
	assert_int_equal(vcpu_write(f->vcpu, b, &vb, sizeof(vb)), 0);
	assert_int_equal(vcpu_write(f->vcpu, c, &vc, sizeof(vc)), 0);
	for (int i = 0; i < 2; i++) {
		st0 = stats(f->vcpu);
		if (i)
			assert_int_equal(mm_migrate_page(f->mm, HBASE + a), 0);
		else
			assert_int_equal(mm_page_out(f->mm, HBASE + a), 0);
		st1 = stats(f->vcpu);
		assert_int_equal(st1.purges - st0.purges, 1);
		assert_int_equal(st1.precise_purges - st0.precise_purges, 1);
		assert_int_equal(vcpu_read(f->vcpu, b, &r, sizeof(r)), 0);
		assert_int_equal(r, vb);
		assert_int_equal(vcpu_read(f->vcpu, c, &r, sizeof(r)), 0);
		assert_int_equal(r, vc);
		st0 = stats(f->vcpu);
		assert_int_equal(st0.tlb_hits - st1.tlb_hits, 2);
		assert_int_equal(st0.tlb_misses - st1.tlb_misses, 0);
		/* The page itself was dropped: a walk finds its new frame. */
		assert_int_equal(vcpu_read(f->vcpu, a, &r, sizeof(r)), 0);
		assert_int_equal(r, va);
		st1 = stats(f->vcpu);
		assert_true(st1.tlb_misses > st0.tlb_misses);
	}
}

/* A gmap change (unmapping a segment) still purges everything. */
static void test_gmap_flush_purges_everything(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long a = 0x234000, far = 5 * SEG + 0x1000, v = 7, r;
	struct vcpu_stats st0, st1;

	assert_int_equal(vcpu_write(f->vcpu, a, &v, sizeof(v)), 0);
	assert_int_equal(vcpu_write(f->vcpu, far, &v, sizeof(v)), 0);
	st0 = stats(f->vcpu);
	assert_int_equal(gmap_unmap_segment(f->gmap, 5 * SEG, SEG), 0);
	assert_int_equal(vcpu_read(f->vcpu, a, &r, sizeof(r)), 0);
	st1 = stats(f->vcpu);
	assert_int_equal(st1.purges - st0.purges, 1);
	assert_int_equal(st1.precise_purges, st0.precise_purges);
	assert_int_equal(st1.tlb_hits, st0.tlb_hits);
	assert_int_equal(gmap_map_segment(f->gmap, HBASE + 5 * SEG, 5 * SEG, SEG), 0);
	assert_int_equal(vcpu_read(f->vcpu, far, &r, sizeof(r)), 0);
	assert_int_equal(r, v);
}

/*
 * DAT on: guest tables in guest memory map virtual VOFF + x to absolute DATA + x
 * for one segment. The host discards the page that holds the guest's page table:
 * the TLB entry formed by walking it must go, as the IPTE of a PTE the entry was
 * formed with clears it. The guest now finds zeroes there, a valid PTE for real
 * page 0 (its prefix area, prefix 0): what it reads is what lies there.
 */
#define GSTO  (8 * SEG) /* segment table, 16 KiB, then one page table */
#define PTO   (GSTO + _CRST_TABLE_SIZE)
#define VOFF  0x40000000UL
#define DATA  (2 * SEG)
#define GASCE (GSTO | _ASCE_TYPE_SEGMENT | 3)

static void put_entry(struct guest_fixture *f, unsigned long gaddr, unsigned long val)
{
	unsigned long be = htobe64(val);

	assert_int_equal(mm_write(f->mm, HBASE + gaddr, &be, sizeof(be)), 0);
}

static void guest_tables(struct guest_fixture *f)
{
	for (unsigned long sx = 0; sx < _CRST_ENTRIES; sx++)
		put_entry(f, GSTO + sx * 8, _SEGMENT_ENTRY_EMPTY);
	for (unsigned long px = 0; px < _PAGE_ENTRIES; px++)
		put_entry(f, PTO + px * 8, DATA + px * PAGE_SIZE);
	put_entry(f, GSTO + (VOFF >> _SEGMENT_SHIFT) * 8, PTO);
}

static void test_ipte_of_a_guest_table_page(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long va = VOFF + 0x3010, old = 0x1111, low = 0x10e0, r;
	struct vcpu_stats st0, st1;

	guest_tables(f);
	assert_int_equal(vcpu_write(f->vcpu, 0x10, &low, sizeof(low)), 0);
	assert_int_equal(vcpu_write_virt(f->vcpu, GASCE, va, &old, sizeof(old)), 0);
	assert_int_equal(vcpu_read_virt(f->vcpu, GASCE, va, &r, sizeof(r)), 0);
	assert_int_equal(r, old);
	/* Another page's IPTE keeps the DAT-on entry. */
	assert_int_equal(vcpu_write(f->vcpu, 0x567000, &old, sizeof(old)), 0);
	assert_int_equal(mm_page_out(f->mm, HBASE + 0x567000), 0);
	st0 = stats(f->vcpu);
	assert_int_equal(vcpu_read_virt(f->vcpu, GASCE, va, &r, sizeof(r)), 0);
	st1 = stats(f->vcpu);
	assert_int_equal(st1.tlb_hits - st0.tlb_hits, 1);
	assert_int_equal(st1.tlb_misses, st0.tlb_misses);
	assert_int_equal(r, old);
	/* The guest page table's page goes. */
	assert_int_equal(mm_discard(f->mm, HBASE + PTO, PAGE_SIZE), 0);
	assert_int_equal(vcpu_read_virt(f->vcpu, GASCE, va, &r, sizeof(r)), 0);
	assert_int_equal(r, low);
	assert_true(stats(f->vcpu).tlb_misses > st1.tlb_misses);
}

/* ---- barriers ------------------------------------------------------------------------------ */

/* Two vCPUs hold the page: one IPTE, one barrier. Nobody holds it: none. */
static void test_one_barrier_per_purge(void **state)
{
	struct guest_fixture *f = *state;
	struct vcpu *second = vcpu_create();
	unsigned long a = 0x345000, other = 0x9ab000, v = 0x77, r, b0;

	assert_non_null(second);
	assert_int_equal(vcpu_write(f->vcpu, a, &v, sizeof(v)), 0);
	assert_int_equal(vcpu_read(second, a, &r, sizeof(r)), 0);
	/* A page only the host touched: no vCPU's TLB has its frame. */
	assert_int_equal(mm_write(f->mm, HBASE + other, &v, sizeof(v)), 0);

	b0 = vcpu_process_barriers();
	assert_int_equal(mm_page_out(f->mm, HBASE + other), 0);
	assert_int_equal(vcpu_process_barriers() - b0, 0);
	assert_int_equal(stats(f->vcpu).precise_purges, 1);
	assert_int_equal(stats(second).precise_purges, 1);

	b0 = vcpu_process_barriers();
	assert_int_equal(mm_migrate_page(f->mm, HBASE + a), 0);
	assert_int_equal(vcpu_process_barriers() - b0, one_barrier());

	/* A gmap flush (a linked segment unmapped) too. */
	assert_int_equal(vcpu_read(second, 5 * SEG, &r, sizeof(r)), 0);
	b0 = vcpu_process_barriers();
	assert_int_equal(gmap_unmap_segment(f->gmap, 5 * SEG, SEG), 0);
	assert_int_equal(vcpu_process_barriers() - b0, one_barrier());
	assert_int_equal(gmap_map_segment(f->gmap, HBASE + 5 * SEG, 5 * SEG, SEG), 0);

	v = 0x88;
	assert_int_equal(vcpu_write(second, a, &v, sizeof(v)), 0);
	assert_int_equal(vcpu_read(f->vcpu, a, &r, sizeof(r)), 0);
	assert_int_equal(r, v);
	vcpu_destroy(second);
}

/* ---- races, replayed ----------------------------------------------------------------------- */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct guest_fixture *f;
	unsigned long gaddr, fresh;
	int stage; /* 1: the purger is at its scan, 2: the vCPU found its entry, 3: purged */
	bool arm_scan, arm_hit, arm_fill, arm_drop, arm_filled, waited;
	int rc;
	unsigned long barriers; /* process barriers of the host change in the FILL hook */
} race = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void set_stage(int stage)
{
	pthread_mutex_lock(&race.lock);
	race.stage = stage;
	pthread_cond_broadcast(&race.cond);
	pthread_mutex_unlock(&race.lock);
}

static void wait_stage(int stage)
{
	pthread_mutex_lock(&race.lock);
	while (race.stage < stage)
		pthread_cond_wait(&race.cond, &race.lock);
	pthread_mutex_unlock(&race.lock);
}

/* The host: page the page out, then write new contents (into a new frame). */
static int host_change(void)
{
	int rc = mm_page_out(race.f->mm, HBASE + race.gaddr);

	if (!rc)
		rc = mm_write(race.f->mm, HBASE + race.gaddr, &race.fresh, sizeof(race.fresh));
	return rc;
}

static void *purger(void *arg)
{
	(void)arg;
	race.rc = host_change();
	set_stage(3);
	return NULL;
}

static void race_hook(struct vcpu *v, enum vcpu_hook_point point)
{
	(void)v;
	switch (point) {
	case VCPU_HOOK_PURGE_SCAN: /* the purger's thread */
		if (!race.arm_scan)
			return;
		race.arm_scan = false;
		set_stage(1);
		wait_stage(2);
		return;
	case VCPU_HOOK_HIT: /* the vCPU's */
		if (!race.arm_hit || race.stage != 1)
			return;
		race.arm_hit = false;
		set_stage(2);
		wait_stage(3);
		return;
	case VCPU_HOOK_FILL: /* the vCPU's: the purge runs on its own thread */
		if (!race.arm_fill)
			return;
		race.arm_fill = false;
		race.barriers = vcpu_process_barriers();
		race.rc = host_change();
		race.barriers = vcpu_process_barriers() - race.barriers;
		return;
	case VCPU_HOOK_PURGE_DROP: /* the purger's thread */
		if (!race.arm_drop)
			return;
		race.arm_drop = false;
		set_stage(1);
		wait_stage(2);
		return;
	case VCPU_HOOK_FILLED: /* the vCPU's */
		if (!race.arm_filled || race.stage != 1)
			return;
		race.arm_filled = false;
		set_stage(2);
		wait_stage(3);
		return;
	case VCPU_HOOK_PURGE_WAIT:
		race.waited = true;
		return;
	default:
		return;
	}
}

static void race_init(struct guest_fixture *f, unsigned long gaddr)
{
	race.f = f;
	race.gaddr = gaddr;
	race.fresh = 0xf4e54f4e5UL;
	race.stage = 0;
	race.arm_scan = race.arm_hit = race.arm_fill = race.waited = false;
	race.arm_drop = race.arm_filled = false;
	race.rc = -1;
}

/*
 * The purge has bumped the purge sequence but not dropped the entry yet when the
 * access (the full path: a read that crosses into the next page) reads its purge
 * state and finds the entry; the purge then drops it, finds no window open, and
 * the host frees the frame and writes new contents elsewhere. The access's window
 * must see that a purge ran since (the second bump) and translate again.
 */
static void test_access_between_bump_and_drop(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long gaddr = 0x456ff8, old = 0x01d01d, r[2];
	struct vcpu_stats st0;
	pthread_t tid;

	race_init(f, gaddr);
	assert_int_equal(vcpu_write(f->vcpu, gaddr, &old, sizeof(old)), 0);
	st0 = stats(f->vcpu);
	race.arm_scan = race.arm_hit = true;
	vcpu_test_hook = race_hook;
	assert_int_equal(pthread_create(&tid, NULL, purger, NULL), 0);
	wait_stage(1);
	assert_int_equal(vcpu_read(f->vcpu, gaddr, r, sizeof(r)), 0);
	vcpu_test_hook = NULL;
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(race.rc, 0);
	assert_false(race.arm_hit);
	assert_false(race.waited); /* no window was open */
	assert_int_equal(r[0], race.fresh);
	assert_true(stats(f->vcpu).retries > st0.retries);
}

/*
 * The walk found the old frame; before the entry is written the purge scans (on
 * the vCPU's own thread, deterministically) and so cannot find it. The fill must
 * see the purge and drop its entry, or the next lookup hits the freed frame.
 */
static void fill_against_purge(struct guest_fixture *f, bool dat)
{
	unsigned long gaddr = dat ? DATA + 0x5008 : 0x567008, va = VOFF + 0x5008, old = 0xaaa, r;
	struct vcpu_stats st0;

	race_init(f, gaddr);
	if (dat)
		guest_tables(f);
	assert_int_equal(vcpu_write(f->vcpu, gaddr, &old, sizeof(old)), 0);
	vcpu_purge_tlb(f->vcpu);
	if (dat) {
		/* The table entries and the data page hit: the DAT-on entry is the one filled. */
		assert_int_equal(vcpu_read(f->vcpu, GSTO + (VOFF >> _SEGMENT_SHIFT) * 8, &r, 8), 0);
		assert_int_equal(vcpu_read(f->vcpu, PTO + 5 * 8, &r, sizeof(r)), 0);
		assert_int_equal(vcpu_read(f->vcpu, gaddr, &r, sizeof(r)), 0);
	}
	st0 = stats(f->vcpu);
	race.arm_fill = true;
	vcpu_test_hook = race_hook;
	if (dat)
		assert_int_equal(vcpu_read_virt(f->vcpu, GASCE, va, &r, sizeof(r)), 0);
	else
		assert_int_equal(vcpu_read(f->vcpu, gaddr, &r, sizeof(r)), 0);
	vcpu_test_hook = NULL;
	assert_false(race.arm_fill);
	assert_int_equal(race.rc, 0);
	assert_int_equal(r, race.fresh);
	assert_true(stats(f->vcpu).retries > st0.retries);
	/* A purge the vCPU's own access caused, on its thread, needs no process barrier. */
	assert_int_equal(race.barriers, 0);
	/* And what the TLB holds now is the new frame. */
	r = 0;
	if (dat)
		assert_int_equal(vcpu_read_virt(f->vcpu, GASCE, va, &r, sizeof(r)), 0);
	else
		assert_int_equal(vcpu_read(f->vcpu, gaddr, &r, sizeof(r)), 0);
	assert_int_equal(r, race.fresh);
}

static void test_fill_against_purge(void **state)
{
	fill_against_purge(*state, false);
}

static void test_dat_on_fill_against_purge(void **state)
{
	fill_against_purge(*state, true);
}

/*
 * A DAT-on entry made from an absolute hit while a purge scans: the purge has
 * dropped the DAT-on entry of the page (its slot comes first) and not yet the
 * absolute one. The access finds the absolute entry, makes a DAT-on entry from it
 * in the slot the scan has passed, and only then the scan goes on. That entry must
 * not stay: the host then writes new contents into a new frame, and the next
 * DAT-on read must see them. (Found by `gmap run --seed 6 --guest-mem 16M`: a
 * fill whose purge state was read inside the scan, and so did not change until
 * its publication, was kept.)
 */
static void test_dat_on_fill_from_a_hit_inside_a_scan(void **state)
{
	struct guest_fixture *f = *state;
	/* Virtual page 5 maps data page 300: DAT-on slot 5 ^ 256 = 261, absolute slot 300. */
	unsigned long va = VOFF + 0x5008, data = DATA + 300 * PAGE_SIZE, old = 0x0b0e, r;
	pthread_t tid;

	guest_tables(f);
	put_entry(f, PTO + 5 * 8, data);
	race_init(f, data + 8);
	assert_int_equal(vcpu_write(f->vcpu, data + 8, &old, sizeof(old)), 0);
	assert_int_equal(vcpu_read_virt(f->vcpu, GASCE, va, &r, sizeof(r)), 0);
	assert_int_equal(r, old);
	race.arm_drop = race.arm_filled = true;
	vcpu_test_hook = race_hook;
	assert_int_equal(pthread_create(&tid, NULL, purger, NULL), 0);
	wait_stage(1);
	assert_int_equal(vcpu_read_virt(f->vcpu, GASCE, va, &r, sizeof(r)), 0);
	assert_false(race.arm_filled);
	vcpu_test_hook = NULL;
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(race.rc, 0);
	assert_int_equal(r, race.fresh);
	r = 0;
	assert_int_equal(vcpu_read_virt(f->vcpu, GASCE, va, &r, sizeof(r)), 0);
	assert_int_equal(r, race.fresh);
}

/*
 * A vCPU holds a window open on one page (the inline fast path); an IPTE of a page
 * it does not hold finishes without waiting for the window, and without a barrier.
 */
static void *purge_other(void *arg)
{
	(void)arg;
	race.rc = mm_page_out(race.f->mm, HBASE + race.gaddr);
	set_stage(3);
	return NULL;
}

static void test_unrelated_ipte_does_not_wait(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long a = 0x678000, other = 0xabc000, v = 5, b0;
	pthread_t tid;
	void *p;

	race_init(f, other);
	assert_int_equal(mm_write(f->mm, HBASE + other, &v, sizeof(v)), 0);
	assert_int_equal(vcpu_write(f->vcpu, a, &v, sizeof(v)), 0);
	vcpu_test_hook = race_hook;
	b0 = vcpu_process_barriers();
	assert_true(vcpu_access_begin(f->vcpu));
	p = vcpu_tlb_probe(f->vcpu, a, sizeof(v), true);
	assert_non_null(p);
	assert_int_equal(pthread_create(&tid, NULL, purge_other, NULL), 0);
	wait_stage(3); /* had the purger waited for the window, this would hang */
	assert_non_null(vcpu_tlb_probe(f->vcpu, a, sizeof(v), true));
	vcpu_access_end(f->vcpu);
	vcpu_test_hook = NULL;
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(race.rc, 0);
	assert_false(race.waited);
	assert_int_equal(vcpu_process_barriers() - b0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PURGE_TEST(test_ipte_keeps_the_other_pages),
		PURGE_TEST(test_gmap_flush_purges_everything),
		PURGE_TEST(test_ipte_of_a_guest_table_page),
		PURGE_TEST(test_one_barrier_per_purge),
		PURGE_TEST(test_access_between_bump_and_drop),
		PURGE_TEST(test_fill_against_purge),
		PURGE_TEST(test_dat_on_fill_against_purge),
		PURGE_TEST(test_dat_on_fill_from_a_hit_inside_a_scan),
		PURGE_TEST(test_unrelated_ipte_does_not_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
