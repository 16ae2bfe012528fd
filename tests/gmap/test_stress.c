// SPDX-License-Identifier: GPL-2.0
/*
 * Threads against one gmap and its host address space.
 *
 * Guest segment i of the gmap may map host segment i or i ^ 8, nothing else;
 * word 0 and word 0x800 of every host page hold their own host address, every
 * other word is zero. At the same time:
 * - two faulters call gmap_fault() on random guest addresses and then, under
 *   mmap_read_lock, check that a linked segment entry points at the page table
 *   of the host segment guest_to_host names and that gmap_table_walk() gives
 *   the mm's PTE, and read a word with gmap_read_table(): zero or its tag;
 * - a walker translates random guest addresses with the DAT unit without any
 *   lock, in an RCU read-side section as a vCPU does: it may fail only with a
 *   translation exception, and a successful walk must end in a page table of
 *   an allowed host segment and in a pool frame;
 * - a mapper maps guest segments to one of their two host segments and unmaps
 *   them;
 * - a churner creates extra gmaps of every ASCE type on the same mm, maps,
 *   faults, arms, reads and discards (gmap_discard()) through them, and removes
 *   them;
 * - a host-event thread pages out, migrates and discards host pages (writing the
 *   tags back after a discard) and unmaps and maps again one host segment,
 *   which frees its page table under the gmaps;
 * - a protector arms random pages with gmap_mprotect_notify() (PROT_NONE, READ
 *   and WRITE) while a registered notifier counts the calls.
 * The work is bounded by operation counts and the threads meet at a barrier
 * every round. At the end every guest segment is mapped home again and checked
 * page by page: DAT walk against the mm, host_to_guest against the linked
 * entries, every tag intact; one armed page notifies exactly once; nothing
 * leaks.
 *
 * GMAP_STRESS_OPS scales the operation counts (default 1.0) for manual runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <endian.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rng.h"
#include "stress.h"

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>

#include "core/rcu.h"
#include "gmap/rangemap.h"
#include "gmap/ulmap.h"
#include "mm/mm_internal.h"

#define SEG	    _SEGMENT_SIZE
#define HBASE	    0x100000000UL
#define NSEG	    16		    /* host segments, and guest segments of the main gmap */
#define SCRATCH	    15		    /* the host segment that is unmapped and mapped again */
#define GLOW	    0x40000000UL    /* guest segments 0..7 */
#define GHIGH	    0x20000000000UL /* guest segments 8..15, another region-third entry */
#define TAG_OFF2    0x800UL
#define RW	    (PROT_READ | PROT_WRITE)
#define ROUNDS	    50
#define FAULT_OPS   160000UL
#define WALK_OPS    400000UL
#define MAP_OPS	    40000UL
#define CHURN_OPS   1500UL
#define EVENT_OPS   60000UL
#define PROTECT_OPS 60000UL

static struct mm_struct *mm;
static struct gmap *gmap;
static pthread_barrier_t round_barrier;

static atomic_long notified, armed_pages;
static struct gmap_notifier counter;

/* Run @op stress_per_round(@ops) times per round, meeting the other threads between rounds. */
static void run_rounds(unsigned long ops, void (*op)(struct rng *r), struct rng *r)
{
	for (unsigned int round = 0; round < ROUNDS; round++) {
		pthread_barrier_wait(&round_barrier);
		for (unsigned long i = 0; i < stress_per_round(ops, ROUNDS); i++)
			op(r);
	}
}

static unsigned long host_seg(unsigned long h)
{
	return HBASE + h * SEG;
}

static unsigned long guest_seg(unsigned long i)
{
	return i < 8 ? GLOW + i * SEG : GHIGH + (i - 8) * SEG;
}

/* The guest segment of the main gmap that @gaddr lies in. */
static unsigned long guest_index(unsigned long gaddr)
{
	return gaddr >= GHIGH ? 8 + (gaddr - GHIGH) / SEG : (gaddr - GLOW) / SEG;
}

static bool host_allowed(unsigned long i, unsigned long vmaddr)
{
	unsigned long h = (vmaddr - HBASE) / SEG;

	return vmaddr >= HBASE && (h == i || h == (i ^ 8));
}

/* What the word at host address @vmaddr (8-byte aligned) holds: its tag or zero. */
static unsigned long tag_of(unsigned long vmaddr)
{
	unsigned long off = vmaddr & ~PAGE_MASK;

	return off == 0 || off == TAG_OFF2 ? vmaddr : 0;
}

/* Returns mm_write()'s answer: -EFAULT while SCRATCH is unmapped (its remap tags it again). */
static int write_tags(unsigned long page)
{
	unsigned long buf[TAG_OFF2 / 8 + 1] = { 0 };

	buf[0] = htobe64(page);
	buf[TAG_OFF2 / 8] = htobe64(page + TAG_OFF2);
	return mm_write(mm, page, buf, sizeof(buf));
}

static void count_call(struct gmap *g, unsigned long start, unsigned long end)
{
	(void)g;
	if ((start & ~PAGE_MASK) || end != start + PAGE_SIZE - 1)
		die("notified for [%#lx, %#lx]", start, end);
	atomic_fetch_add(&notified, 1);
}

/* ---- checks under mmap_read_lock --------------------------------------------------------------
 */

/* A linked segment entry points at the host page table of what guest_to_host names. */
static void check_link_locked(struct gmap *g, unsigned long gaddr, bool main_gmap)
{
	unsigned long *ste = gmap_table_walk(g, gaddr, DAT_LEVEL_SEGMENT), e, vmaddr, *pmd;

	if (!ste)
		return;
	e = __atomic_load_n(ste, __ATOMIC_ACQUIRE);
	if (e == _SEGMENT_ENTRY_EMPTY)
		return;
	vmaddr = __gmap_translate(g, gaddr);
	if (IS_ERR_VALUE(vmaddr))
		die("guest %#lx is linked but not mapped", gaddr);
	if (main_gmap && !host_allowed(guest_index(gaddr), vmaddr))
		die("guest %#lx maps host %#lx", gaddr, vmaddr);
	pmd = mm_segment_entry(mm, vmaddr);
	check_true(pmd);
	if ((e & _SEGMENT_ENTRY_ORIGIN) !=
	    (__atomic_load_n(pmd, __ATOMIC_ACQUIRE) & _SEGMENT_ENTRY_ORIGIN))
		die("guest %#lx is linked to another page table than host %#lx", gaddr, vmaddr);
	check_true((void *)gmap_table_walk(g, gaddr, DAT_LEVEL_PTE) ==
		   (void *)mm_pte_lookup(mm, vmaddr));
}

/* gmap_read_table() gives what the mapped host word holds: its tag, or zero after a discard. */
static void check_read_locked(struct gmap *g, unsigned long gaddr)
{
	unsigned long val = 0, vmaddr;
	int rc = gmap_read_table(g, gaddr, &val);

	check_rc(rc, 0, -EFAULT);
	if (rc)
		return;
	/* The lock may have been dropped inside, but not since the last successful walk. */
	vmaddr = __gmap_translate(g, gaddr);
	check_true(!IS_ERR_VALUE(vmaddr));
	if (val && val != tag_of(vmaddr))
		die("guest %#lx (host %#lx) reads %#lx", gaddr, vmaddr, val);
}

/* ---- the threads ------------------------------------------------------------------------------
 */

static unsigned long random_gaddr(struct rng *r)
{
	return guest_seg(below(r, NSEG)) + below(r, SEG / 8) * 8;
}

static void fault_op(struct rng *r)
{
	unsigned long gaddr = random_gaddr(r);

	check_rc(gmap_fault(gmap, gaddr, below(r, 2) ? FAULT_FLAG_WRITE : 0), 0, -EFAULT);
	mmap_read_lock(mm);
	check_link_locked(gmap, gaddr, true);
	check_read_locked(gmap, below(r, 4) ? gaddr & PAGE_MASK : gaddr);
	mmap_read_unlock(mm);
}

static void *faulter_main(void *arg)
{
	run_rounds(FAULT_OPS, fault_op, arg);
	return NULL;
}

static void walk_op(struct rng *r)
{
	struct dat_config cfg = { .asce = gmap->asce };
	unsigned long gaddr = random_gaddr(r), ptep, frame;
	struct dat_result res;
	unsigned int pic;

	gm_rcu_read_lock();
	pic = dat_translate_native(&cfg, gaddr, below(r, 2) ? DAT_STORE : DAT_FETCH, &res);
	switch (pic) {
	case 0:
		/* The PTE is in a host page table of an allowed host segment. */
		ptep = res.steps[res.nsteps - 1].addr;
		check_true(res.steps[res.nsteps - 1].level == DAT_LEVEL_PTE);
		if (!host_allowed(guest_index(gaddr), pte_table_vmaddr((pte_t *)ptep)))
			die("guest %#lx walks to a page table of host %#lx", gaddr,
			    pte_table_vmaddr((pte_t *)ptep));
		frame = res.real & PAGE_MASK;
		check_true(page_desc((void *)frame)->page == (void *)frame);
		check_true((res.real & ~PAGE_MASK) == (gaddr & ~PAGE_MASK));
		break;
	case PGM_PAGE_TRANSLATION:
	case PGM_SEGMENT_TRANSLATION:
	case PGM_REGION_THIRD_TRANS:
	case PGM_PROTECTION:
		break;
	default:
		die("guest %#lx: program interruption %#x", gaddr, pic);
	}
	gm_rcu_read_unlock();
}

static void *walker_main(void *arg)
{
	run_rounds(WALK_OPS, walk_op, arg);
	return NULL;
}

static void map_op(struct rng *r)
{
	unsigned long i = below(r, NSEG), h = below(r, 2) ? i : i ^ 8, choice = below(r, 10);

	if (choice < 6) {
		check_rc(gmap_map_segment(gmap, host_seg(h), guest_seg(i), SEG), 0);
	} else if (choice < 8) {
		check_rc(gmap_unmap_segment(gmap, guest_seg(i), SEG), 0);
	} else if ((i & 7) != 7) {
		/* Two segments at once: i, i + 1 to h, h + 1 (both allowed). */
		check_rc(gmap_map_segment(gmap, host_seg(h), guest_seg(i), 2 * SEG), 0);
	}
}

static void *mapper_main(void *arg)
{
	run_rounds(MAP_OPS, map_op, arg);
	return NULL;
}

/* An extra gmap of a random ASCE type: map, fault, arm, read and discard, then remove it. */
static void churn_op(struct rng *r)
{
	static const unsigned long limits[] = { (1UL << 31) - 1, (1UL << 42) - 1, (1UL << 53) - 1,
						-1UL };
	struct gmap *g = gmap_create(mm, limits[below(r, 4)]);
	unsigned long gaddr, host[4];

	check_true(g);
	for (unsigned long k = 0; k < 4; k++) {
		host[k] = host_seg(below(r, NSEG));
		check_rc(gmap_map_segment(g, host[k], k * SEG, SEG), 0);
	}
	/* A guest page dropped through this gmap: the host page it maps reads zero, then its tags.
	 */
	gaddr = below(r, 4 * SEG / PAGE_SIZE) * PAGE_SIZE;
	check_rc(gmap_discard(g, gaddr, gaddr + PAGE_SIZE), 0);
	check_rc(write_tags(host[gaddr / SEG] + (gaddr & ~PMD_MASK)), 0, -EFAULT);
	for (int k = 0; k < 8; k++) {
		gaddr = below(r, 4 * SEG / 8) * 8;
		check_rc(gmap_fault(g, gaddr, below(r, 2) ? FAULT_FLAG_WRITE : 0), 0, -EFAULT);
		if (!gmap_mprotect_notify(g, gaddr & PAGE_MASK, PAGE_SIZE, PROT_READ))
			atomic_fetch_add(&armed_pages, 1);
		mmap_read_lock(mm);
		check_link_locked(g, gaddr, false);
		check_read_locked(g, gaddr);
		mmap_read_unlock(mm);
	}
	gmap_remove(g);
}

static void *churner_main(void *arg)
{
	run_rounds(CHURN_OPS, churn_op, arg);
	return NULL;
}

static void remap_scratch(void)
{
	check_rc(mm_munmap(mm, host_seg(SCRATCH), SEG), 0);
	check_true(mm_mmap(mm, host_seg(SCRATCH), SEG, RW,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED) == host_seg(SCRATCH));
	for (unsigned long p = 0; p < SEG; p += PAGE_SIZE)
		check_rc(write_tags(host_seg(SCRATCH) + p), 0);
}

static void event_op(struct rng *r)
{
	unsigned long page = host_seg(below(r, NSEG)) + below(r, SEG / PAGE_SIZE) * PAGE_SIZE;
	unsigned long choice = below(r, 1000);

	if (choice < 350) {
		check_rc(mm_page_out(mm, page), 0, -ENOENT);
	} else if (choice < 700) {
		check_rc(mm_migrate_page(mm, page), 0, -ENOENT);
	} else if (choice < 995) {
		check_rc(mm_discard(mm, page, PAGE_SIZE), 0);
		check_rc(write_tags(page), 0);
	} else {
		remap_scratch();
	}
}

static void *event_main(void *arg)
{
	run_rounds(EVENT_OPS, event_op, arg);
	return NULL;
}

static void protect_op(struct rng *r)
{
	static const int prots[] = { PROT_NONE, PROT_READ, PROT_WRITE };
	unsigned long n = 1 + below(r, 3);
	unsigned long gaddr = guest_seg(below(r, NSEG)) + below(r, 256 - n) * PAGE_SIZE;

	/* Counted before: a failed call may have armed part of the range. */
	atomic_fetch_add(&armed_pages, (long)n);
	check_rc(gmap_mprotect_notify(gmap, gaddr, n * PAGE_SIZE, prots[below(r, 3)]), 0, -EFAULT);
}

static void *protector_main(void *arg)
{
	run_rounds(PROTECT_OPS, protect_op, arg);
	return NULL;
}

/* ---- the test ---------------------------------------------------------------------------------
 */

/* After the threads: every page of every guest segment, mapped home again. */
static void check_final_state(void)
{
	struct dat_config cfg = { .asce = gmap->asce };
	struct dat_result res;
	unsigned long *ste, gaddr, vmaddr, pte, val;
	unsigned int pic;
	long linked = 0;

	for (unsigned long i = 0; i < NSEG; i++)
		assert_int_equal(gmap_map_segment(gmap, host_seg(i), guest_seg(i), SEG), 0);
	mmap_read_lock(mm);
	for (unsigned long i = 0; i < NSEG; i++) {
		for (unsigned long p = 0; p < SEG; p += PAGE_SIZE) {
			gaddr = guest_seg(i) + p;
			vmaddr = host_seg(i) + p;
			assert_int_equal(gmap_read_table(gmap, gaddr, &val), 0);
			assert_int_equal(val, vmaddr);
			assert_int_equal(gmap_read_table(gmap, gaddr + TAG_OFF2, &val), 0);
			assert_int_equal(val, vmaddr + TAG_OFF2);
			assert_int_equal(gmap_read_table(gmap, gaddr + 0x408, &val), 0);
			assert_int_equal(val, 0);
			/* Linked by the reads: the DAT unit reaches the mm's frame. */
			check_link_locked(gmap, gaddr, true);
			pte = mm_lookup_pte(mm, vmaddr);
			pic = dat_translate_native(&cfg, gaddr + 8, DAT_FETCH, &res);
			if (pte & _PAGE_INVALID) {
				assert_int_equal(pic, PGM_PAGE_TRANSLATION);
			} else {
				assert_int_equal(pic, 0);
				assert_int_equal(res.real, (pte & PAGE_MASK) + 8);
			}
		}
		ste = gmap_table_walk(gmap, guest_seg(i), DAT_LEVEL_SEGMENT);
		assert_non_null(ste);
		assert_int_not_equal(*ste, _SEGMENT_ENTRY_EMPTY);
		linked++;
	}
	assert_int_equal(ulmap_count(gmap->host_to_guest), linked);
	assert_int_equal((rangemap_length(gmap->guest_to_host) >> PMD_SHIFT), NSEG);
	mmap_read_unlock(mm);
}

/* One armed page notifies exactly once, whatever the threads left armed elsewhere. */
static void check_one_notification(void)
{
	long before;

	assert_int_equal(gmap_mprotect_notify(gmap, guest_seg(3) + 0x5000, PAGE_SIZE, PROT_READ),
			 0);
	before = atomic_load(&notified);
	assert_int_equal(mm_migrate_page(mm, host_seg(3) + 0x5000), 0);
	assert_int_equal(atomic_load(&notified), before + 1);
	assert_int_equal(mm_migrate_page(mm, host_seg(3) + 0x5000), 0);
	assert_int_equal(atomic_load(&notified), before + 1);
}

static void test_stress(void **state)
{
	void *(*const mains[])(void *) = { faulter_main, faulter_main, walker_main,   mapper_main,
					   churner_main, event_main,   protector_main };
	enum { NTHREADS = sizeof(mains) / sizeof(mains[0]) };
	struct rng rngs[NTHREADS];
	pthread_t tids[NTHREADS];
	struct mm_stats st;
	long live;

	(void)state;
	stress_read_ops_scale();
	gm_quiesce();
	live = gm_alloc_live();
	mm = mm_create();
	assert_non_null(mm);
	assert_int_equal(
		mm_mmap(mm, HBASE, NSEG * SEG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), HBASE);
	for (unsigned long p = 0; p < NSEG * SEG; p += PAGE_SIZE)
		assert_int_equal(write_tags(HBASE + p), 0);
	gmap = gmap_create(mm, (1UL << 42) - 1);
	assert_non_null(gmap);
	for (unsigned long i = 0; i < NSEG; i++)
		assert_int_equal(gmap_map_segment(gmap, host_seg(i), guest_seg(i), SEG), 0);
	counter.notifier_call = count_call;
	gmap_register_pte_notifier(&counter);

	assert_int_equal(pthread_barrier_init(&round_barrier, NULL, NTHREADS), 0);
	for (int t = 0; t < NTHREADS; t++) {
		rngs[t].s = 0x9e3779b97f4a7c15ULL * (unsigned long)(t + 1);
		assert_int_equal(pthread_create(&tids[t], NULL, mains[t], &rngs[t]), 0);
	}
	for (int t = 0; t < NTHREADS; t++)
		pthread_join(tids[t], NULL);
	pthread_barrier_destroy(&round_barrier);

	/* The host events reached armed pages; no arm notified more than once per gmap. */
	mm_get_stats(mm, &st);
	print_message("notified %ld of %ld armed pages; %lu swap-outs, %lu swap-ins, %lu "
		      "migrations, %lu unlinks\n",
		      atomic_load(&notified), atomic_load(&armed_pages), st.swap_outs, st.swap_ins,
		      st.migrations, st.unlinks);
	assert_true(atomic_load(&notified) > 0);
	assert_true(atomic_load(&notified) <= 2 * atomic_load(&armed_pages));
	check_final_state();
	check_one_notification();

	gmap_unregister_pte_notifier(&counter);
	gmap_remove(gmap);
	mm_destroy(mm);
	gm_quiesce();
	assert_int_equal(gm_alloc_live(), live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
