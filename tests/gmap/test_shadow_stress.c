// SPDX-License-Identifier: GPL-2.0
/*
 * Threads against shadow gmaps: guest-3 faults while guest-2 rewrites its DAT
 * tables, the parent's segments are unmapped and mapped again, and the host
 * pages, migrates, write-protects and discards guest-2 memory, table pages
 * included. At the same time:
 * - two faulters take shadows of eleven (ASCE, EDAT level) pairs: region-first,
 *   -second, -third and segment ASCEs over guest-2's tables, and two real-space
 *   ASCEs that replace each other, and call vsie_shadow_fault() on random
 *   guest-3 addresses, retrying -EAGAIN a bounded number of times; a shadow
 *   that was removed is put and taken again;
 * - a writer stores random entries of every level (valid, invalid, DAT
 *   protected, EDAT frames, pointing at table pages) into guest-2's tables with
 *   mm_write(), as guest-2's stores land, and now and then the initial chain
 *   again so that faults keep reaching the lower levels;
 * - a remapper unmaps and maps parent segments, the table segments onto the
 *   same host memory and the data segments onto the same or other host memory;
 * - a host-event thread pages out, migrates, write-protects (and gives write
 *   access back) and discards guest-2 pages, table pages included;
 * - an auditor calls gmap_shadow_audit() on every listed shadow.
 *
 * Why the auditor may audit while the others run: the audit holds mmap_lock
 * for reading and the shadow's guest_table_lock. Unmapping or mapping a parent
 * segment takes mmap_lock for writing and unshadows before it drops it, so it
 * is never half done under the audit. Every other change of a parent page that
 * a valid shadow entry depends on (a store by guest-2 to a write-protected
 * table page, a page-out, a migration, an mprotect, a discard, a protection
 * taken by another shadow) goes through the parent PTE's exchange, which
 * notifies first; the notification takes the shadow's guest_table_lock, so the
 * page cannot change while the audit holds it, and once the audit has the
 * lock, what was changed before has been unshadowed. Entries being built are
 * invalid until their source is protected, and become valid only under that
 * lock. So at any moment the audit finds nothing to report; at the end of each
 * round (all threads at a barrier) and at the end it audits again, quiescent.
 *
 * At the end everything is destroyed: no shadow table and no rmap is left
 * (tables_live, rmaps_live), nor any allocation (gm_alloc_live(), ASan).
 *
 * GMAP_STRESS_SEED replays a seed (every failure prints it); GMAP_STRESS_OPS
 * scales the operation counts (default 1.0). A seed fixes each thread's
 * choices, not the interleaving.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "rng.h"
#include "shadowtest.h"
#include "gmap/shadow_internal.h"
#include "vcpu/shadow_fault.h"

#define SEG	   _SEGMENT_SIZE
#define ALT_HOST   (G2_HOST + G2_SIZE) /* other host memory for data segments */
#define TSEG	   1UL		       /* guest-2 segment of region and segment tables */
#define PSEG	   2UL		       /* guest-2 segment of page tables */
#define DSEG	   8UL		       /* first of NDSEG data segments */
#define NDSEG	   8UL
#define R1T	   (TSEG * SEG)
#define R2T(i)	   (R1T + 0x4000UL * (1 + (i))) /* two of each level below the top */
#define R3T(i)	   (R1T + 0x4000UL * (3 + (i)))
#define SGT(i)	   (R1T + 0x4000UL * (5 + (i)))
#define TSEG_PAGES 28UL /* pages the region and segment tables use */
#define NPGT	   16UL
#define PGT(k)	   (PSEG * SEG + 0x800UL * (k))
#define RW	   (PROT_READ | PROT_WRITE)
#define RETRIES	   32
#define ROUNDS	   20
#define FAULT_OPS  3000UL
#define WRITE_OPS  2000UL
#define REMAP_OPS  200UL
#define EVENT_OPS  2000UL
#define AUDIT_OPS  250UL
#define MAX_AUDIT  32

/* A shadow the faulters take: the top-level table type decides the guest-3 addresses. */
struct key {
	unsigned long asce;
	int edat;
};

static const struct key keys[] = {
	{ R1T | _ASCE_TYPE_REGION1 | _ASCE_TABLE_LENGTH, 0 },
	{ R1T | _ASCE_TYPE_REGION1 | _ASCE_TABLE_LENGTH, 1 },
	{ R1T | _ASCE_TYPE_REGION1 | _ASCE_TABLE_LENGTH, 2 },
	{ R2T(0) | _ASCE_TYPE_REGION2 | _ASCE_TABLE_LENGTH, 0 },
	{ R2T(1) | _ASCE_TYPE_REGION2 | _ASCE_TABLE_LENGTH, 2 },
	{ R3T(0) | _ASCE_TYPE_REGION3 | _ASCE_TABLE_LENGTH, 1 },
	{ R3T(1) | _ASCE_TYPE_REGION3 | _ASCE_TABLE_LENGTH, 2 },
	{ SGT(0) | _ASCE_TYPE_SEGMENT | _ASCE_TABLE_LENGTH, 0 },
	{ SGT(1) | _ASCE_TYPE_SEGMENT | _ASCE_TABLE_LENGTH, 1 },
	{ _ASCE_REAL_SPACE, 0 },
	{ _ASCE_REAL_SPACE | 0x1000, 0 },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/*
 * The hot spot: half of the faults go through keys[HOT] (region-third table
 * R3T(0), whose entry 0 designates SGT(0)) to segments 0 and 1, and half of
 * the stores flip SGT(0)'s entry 0 between two page tables. A store between a
 * fault's read of that entry and the shadow entry it builds, with the segment
 * table rebuilt meanwhile by a fault of segment 1, is the race that needs the
 * second read in the shadow fault; a faulter audits its shadow right after some
 * of those faults, before the next flip removes what a stale build would have
 * made.
 */
#define HOT	  5
#define HOT_ENTRY SGT(0)

/*
 * cmocka's assertions must not be used off the main thread (they longjmp into
 * it): the worker threads report with the seed and abort.
 */
static unsigned long seed;

#define die(...)                                                                             \
	do {                                                                                 \
		fprintf(stderr, "%s:%d (GMAP_STRESS_SEED=%lu): ", __FILE__, __LINE__, seed); \
		fprintf(stderr, __VA_ARGS__);                                                \
		fputc('\n', stderr);                                                         \
		abort();                                                                     \
	} while (0)
#include "stress.h" /* its checks, with this die() */

static struct g2 g;
static pthread_barrier_t round_barrier;
static atomic_ulong faults_ok, faults_pic, faults_again, faults_efault, audits;

/* ---- guest-2's tables ----------------------------------------------------------------------- */

static int put(unsigned long paddr, unsigned long val)
{
	return g2_put(&g, paddr, val);
}

/* The chain every fault can walk: two tables per level, four page tables per segment table. */
static void put_chain(void)
{
	for (unsigned long i = 0; i < 2; i++) {
		put(R1T + 8 * i, R2T(i) | _REGION_ENTRY_TYPE_R1 | _REGION_ENTRY_LENGTH);
		for (unsigned long j = 0; j < 2; j++) {
			put(R2T(i) + 8 * j, R3T(j) | _REGION_ENTRY_TYPE_R2 | _REGION_ENTRY_LENGTH);
			put(R3T(i) + 8 * j, SGT(j) | _REGION_ENTRY_TYPE_R3 | _REGION_ENTRY_LENGTH);
		}
		for (unsigned long s = 0; s < 4; s++)
			put(SGT(i) + 8 * s, PGT(4 * i + s));
	}
}

static void build_tables(void)
{
	g2_fill(&g, R1T, 2048, _REGION1_ENTRY_EMPTY);
	for (unsigned long i = 0; i < 2; i++) {
		g2_fill(&g, R2T(i), 2048, _REGION2_ENTRY_EMPTY);
		g2_fill(&g, R3T(i), 2048, _REGION3_ENTRY_EMPTY);
		g2_fill(&g, SGT(i), 2048, _SEGMENT_ENTRY_EMPTY);
	}
	for (unsigned long k = 0; k < NPGT; k++)
		for (unsigned long i = 0; i < 256; i++)
			put(PGT(k) + 8 * i, (DSEG + k % NDSEG) * SEG + i * PAGE_SIZE);
	put_chain();
}

static unsigned long maybe_prot(struct rng *r, unsigned long bit)
{
	return below(r, 5) ? 0 : bit;
}

/* A region entry of a table at @level (3: R1T, 2: R2T, 1: R3T entries), valid or not. */
static unsigned long random_region_entry(struct rng *r, int level)
{
	static const unsigned long type[] = { 0, _REGION_ENTRY_TYPE_R3, _REGION_ENTRY_TYPE_R2,
					      _REGION_ENTRY_TYPE_R1 };
	unsigned long i = below(r, 2), next, tf = below(r, 10) ? 0 : 0x40;

	if (!below(r, 7))
		return type[level] | _REGION_ENTRY_INVALID;
	if (level == 1 && !below(r, 6))
		/* An EDAT-2 2 GiB frame at 0: its first 64 MiB are guest-2 memory. */
		return _REGION_ENTRY_TYPE_R3 | _REGION3_ENTRY_LARGE |
		       maybe_prot(r, _REGION_ENTRY_PROTECT);
	next = level == 3 ? R2T(i) : level == 2 ? R3T(i) : SGT(i);
	return next | type[level] | tf | _REGION_ENTRY_LENGTH |
	       maybe_prot(r, _REGION_ENTRY_PROTECT);
}

static unsigned long random_segment_entry(struct rng *r)
{
	switch (below(r, 7)) {
	case 0:
		return _SEGMENT_ENTRY_EMPTY;
	case 1:
		/* An EDAT-1 1 MiB frame (a page table origin without EDAT-1). */
		return (DSEG + below(r, NDSEG)) * SEG | _SEGMENT_ENTRY_LARGE |
		       maybe_prot(r, _SEGMENT_ENTRY_PROTECT);
	default:
		return PGT(below(r, NPGT)) | maybe_prot(r, _SEGMENT_ENTRY_PROTECT);
	}
}

static unsigned long random_pte(struct rng *r)
{
	switch (below(r, 10)) {
	case 0:
		return _PAGE_INVALID;
	case 1:
		/* One of guest-2's table pages, writable for guest-3. */
		return below(r, 2) ? R1T + below(r, TSEG_PAGES) * PAGE_SIZE
				   : PSEG * SEG + below(r, NPGT / 2) * PAGE_SIZE;
	default:
		return ((DSEG + below(r, NDSEG)) * SEG + below(r, 256) * PAGE_SIZE) |
		       maybe_prot(r, _PAGE_PROTECT);
	}
}

static void write_op(struct rng *r)
{
	unsigned long t = below(r, 20), paddr, val;

	if (below(r, 2)) {
		check_rc(put(HOT_ENTRY, PGT(below(r, 2))), 0, -EFAULT);
		return;
	}
	if (!t) {
		put_chain();
		return;
	}
	if (t < 2) {
		paddr = R1T + 8 * (below(r, 8) ? below(r, 2) : 100 + below(r, 1500));
		val = random_region_entry(r, 3);
	} else if (t < 4) {
		paddr = R2T(below(r, 2)) + 8 * below(r, 2);
		val = random_region_entry(r, 2);
	} else if (t < 7) {
		paddr = R3T(below(r, 2)) + 8 * below(r, 2);
		val = random_region_entry(r, 1);
	} else if (t < 11) {
		paddr = SGT(below(r, 2)) + 8 * below(r, 4);
		val = random_segment_entry(r);
	} else {
		paddr = PGT(below(r, NPGT)) + 8 * below(r, 256);
		val = random_pte(r);
	}
	/* -EFAULT while the host event thread has the page read-only. */
	check_rc(put(paddr, val), 0, -EFAULT);
}

/* ---- guest-3 faults ------------------------------------------------------------------------- */

static unsigned long random_saddr(struct rng *r, const struct key *k)
{
	unsigned long px = below(r, 256) << 12, sx = below(r, 4) << 20;
	unsigned long rtx = below(r, 2) << 31, rsx = below(r, 2) << 42, rfx = below(r, 2) << 53;

	if (!below(r, 50))
		/* An index no table covers: a translation exception. */
		sx = 0x7ffUL << 20;
	if (k->asce & _ASCE_REAL_SPACE)
		return below(r, 4 * NDSEG) * SEG / 2 + px;
	switch (k->asce & _ASCE_TYPE_MASK) {
	case _ASCE_TYPE_REGION1:
		return rfx | rsx | rtx | sx | px;
	case _ASCE_TYPE_REGION2:
		return rsx | rtx | sx | px;
	case _ASCE_TYPE_REGION3:
		return rtx | sx | px;
	default:
		return sx | px;
	}
}

/*
 * Between reading a guest-2 entry and shadowing it, a faulter now and then lets
 * the others run, so that stores and rebuilds land in that window more often
 * than a preemption would make them (a perturbation, not synchronization).
 */
static void widen_window(struct gmap *sg, unsigned long saddr, int level)
{
	static __thread unsigned long calls;

	(void)sg;
	(void)saddr;
	(void)level;
	if (!(++calls & 3))
		sched_yield();
}

/* The shadow of @k this thread holds, taken again if it was removed; NULL if it cannot be. */
static struct gmap *get_shadow(struct gmap **held, const struct key *k)
{
	struct gmap *sg = *held;

	if (sg && gmap_shadow_valid(sg, k->asce, k->edat))
		return sg;
	gmap_put(sg);
	*held = NULL;
	for (int i = 0; i < RETRIES; i++) {
		sg = gmap_shadow(g.parent, k->asce, k->edat);
		if (!IS_ERR(sg)) {
			*held = sg;
			return sg;
		}
		/* -EFAULT: the top-level table's segment is unmapped right now. */
		check_rc((int)PTR_ERR(sg), -EAGAIN, -EFAULT);
		if (PTR_ERR(sg) == -EFAULT)
			return NULL;
		sched_yield();
	}
	return NULL;
}

struct faulter {
	struct rng r;
	struct gmap *held[NKEYS];
};

static void fault_op(struct faulter *f)
{
	bool hot = below(&f->r, 2);
	unsigned long ki = hot ? HOT : below(&f->r, NKEYS), saddr;
	const struct key *k = &keys[ki];
	struct gmap *sg;
	long bad;
	int rc = -EAGAIN;

	if (!below(&f->r, 64)) {
		/* Let go of a shadow now and then: the last put frees it. */
		gmap_put(f->held[ki]);
		f->held[ki] = NULL;
		return;
	}
	sg = get_shadow(&f->held[ki], k);
	if (!sg)
		return;
	saddr = hot ? (below(&f->r, 2) << 20) | (below(&f->r, 256) << 12) : random_saddr(&f->r, k);
	for (int i = 0; i < RETRIES && rc == -EAGAIN; i++)
		rc = vsie_shadow_fault(sg, saddr, NULL);
	if (hot && !rc && !below(&f->r, 4)) {
		bad = gmap_shadow_audit(sg, stderr);
		if (bad)
			die("%ld audit violations after a fault of %#lx", bad, saddr);
	}
	if (rc > 0) {
		atomic_fetch_add_explicit(&faults_pic, 1, memory_order_relaxed);
		return;
	}
	/* -EFAULT: a guest-2 table or page outside guest-2 memory, unmapped, or read-only. */
	check_rc(rc, 0, -EAGAIN, -EFAULT);
	atomic_fetch_add_explicit(!rc		  ? &faults_ok
				  : rc == -EAGAIN ? &faults_again
						  : &faults_efault,
				  1, memory_order_relaxed);
}

/* ---- the parent and the host ---------------------------------------------------------------- */

static void remap_op(struct rng *r)
{
	unsigned long t = below(r, 10), s, host;

	if (t < 2) {
		s = TSEG;
		host = G2_HOST + s * SEG;
	} else if (t < 3) {
		s = PSEG;
		host = G2_HOST + s * SEG;
	} else {
		s = DSEG + below(r, NDSEG);
		host = below(r, 2) ? G2_HOST + s * SEG : ALT_HOST + (s - DSEG) * SEG;
	}
	if (below(r, 2))
		check_rc(gmap_unmap_segment(g.parent, s * SEG, SEG), 0);
	check_rc(gmap_map_segment(g.parent, host, s * SEG, SEG), 0);
}

static unsigned long random_g2_page(struct rng *r)
{
	switch (below(r, 4)) {
	case 0:
		return R1T + below(r, TSEG_PAGES) * PAGE_SIZE;
	case 1:
		return PSEG * SEG + below(r, NPGT / 2) * PAGE_SIZE;
	default:
		return (DSEG + below(r, NDSEG)) * SEG + below(r, 256) * PAGE_SIZE;
	}
}

static void event_op(struct rng *r)
{
	unsigned long page = random_g2_page(r), host = G2_HOST + page;

	switch (below(r, 8)) {
	case 0:
	case 1:
	case 2:
		check_rc(mm_page_out(g.mm, host), 0, -ENOENT);
		break;
	case 3:
	case 4:
		check_rc(mm_migrate_page(g.mm, host), 0, -ENOENT);
		break;
	case 5:
	case 6:
		check_rc(mm_mprotect(g.mm, host, PAGE_SIZE, PROT_READ), 0);
		check_rc(mm_mprotect(g.mm, host, PAGE_SIZE, RW), 0);
		break;
	default:
		/* Discarded table pages read as zeroes: entries that still translate. */
		check_rc(mm_discard(g.mm, host, PAGE_SIZE), 0);
		break;
	}
}

/* ---- audits --------------------------------------------------------------------------------- */

/* Audit every shadow on the parent's children list; the number of violations. */
static long audit_all(void)
{
	struct gmap *sg, *list[MAX_AUDIT];
	unsigned int n = 0;
	long bad = 0;

	spin_lock(&g.parent->shadow_lock);
	cds_list_for_each_entry(sg, &g.parent->children, list) if (n < MAX_AUDIT) list[n++] =
		gmap_get(sg);
	spin_unlock(&g.parent->shadow_lock);
	for (unsigned int i = 0; i < n; i++) {
		bad += gmap_shadow_audit(list[i], stderr);
		gmap_put(list[i]);
	}
	atomic_fetch_add_explicit(&audits, n, memory_order_relaxed);
	return bad;
}

static void audit_op(struct rng *r)
{
	long bad;

	(void)r;
	bad = audit_all();
	if (bad)
		die("%ld audit violations while the threads ran", bad);
}

/* ---- the threads ---------------------------------------------------------------------------- */

enum role { FAULTER, WRITER, REMAPPER, EVENTS, AUDITOR };

struct worker {
	enum role role;
	struct faulter f; /* its rng serves every role */
	pthread_t tid;
};

/* One round of @w's operations. */
static void run_round(struct worker *w)
{
	static const unsigned long ops[] = { FAULT_OPS, WRITE_OPS, REMAP_OPS, EVENT_OPS,
					     AUDIT_OPS };
	struct rng *r = &w->f.r;

	for (unsigned long i = 0; i < stress_per_round(ops[w->role], ROUNDS); i++) {
		switch (w->role) {
		case FAULTER:
			fault_op(&w->f);
			break;
		case WRITER:
			write_op(r);
			break;
		case REMAPPER:
			remap_op(r);
			break;
		case EVENTS:
			event_op(r);
			break;
		case AUDITOR:
			audit_op(r);
			break;
		}
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	long bad;

	for (unsigned int round = 0; round < ROUNDS; round++) {
		pthread_barrier_wait(&round_barrier);
		run_round(w);
		/* Everybody between operations: one thread audits, quiescent. */
		if (pthread_barrier_wait(&round_barrier) == PTHREAD_BARRIER_SERIAL_THREAD) {
			bad = audit_all();
			if (bad)
				die("%ld audit violations at the end of round %u", bad, round);
		}
	}
	for (unsigned long k = 0; k < NKEYS; k++)
		gmap_put(w->f.held[k]);
	return NULL;
}

/* ---- the test ------------------------------------------------------------------------------- */

static void setup_guest2(void)
{
	assert_int_equal(g2_create(&g), 0);
	assert_int_equal(
		mm_mmap(g.mm, ALT_HOST, NDSEG * SEG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
		ALT_HOST);
	build_tables();
}

/* Undo what the threads left: home mappings, writable pages, the initial tables. */
static void restore_guest2(void)
{
	for (unsigned long s = 0; s < G2_SIZE / SEG; s++)
		assert_int_equal(gmap_map_segment(g.parent, G2_HOST + s * SEG, s * SEG, SEG), 0);
	assert_int_equal(mm_mprotect(g.mm, G2_HOST, G2_SIZE, RW), 0);
	build_tables();
}

/*
 * Take the shadow of @k and fault @saddr through it, as vSIE does: a shadow
 * that is no longer valid when the fault answers -EAGAIN is taken again. (Its
 * creation itself may remove it: write-protecting its top-level table notifies
 * when shadow PTEs map that page writable.)
 */
static struct gmap *shadow_and_fault(const struct key *k, unsigned long saddr)
{
	struct gmap *sg = NULL;
	int rc = -EAGAIN;

	for (int i = 0; i < 4 && rc == -EAGAIN; i++) {
		gmap_put(sg);
		sg = gmap_shadow(g.parent, k->asce, k->edat);
		assert_false(IS_ERR_OR_NULL(sg));
		rc = shadow_fault_retry(sg, saddr);
		if (rc == -EAGAIN)
			assert_false(gmap_shadow_valid(sg, k->asce, k->edat));
	}
	assert_int_equal(rc, 0);
	return sg;
}

/* After the storm, quiescent: every kind of shadow still works and audits clean. */
static void check_shadows_work(void)
{
	static const unsigned long saddr[] = {
		(3UL << 20) | (5UL << 12),
		(1UL << 31) | (3UL << 20) | (5UL << 12),
		(1UL << 42) | (1UL << 31) | (3UL << 20) | (5UL << 12),
		(1UL << 53) | (1UL << 42) | (1UL << 31) | (3UL << 20) | (5UL << 12),
	};

	for (unsigned long i = 0; i < NKEYS; i++) {
		unsigned long type = (keys[i].asce & _ASCE_TYPE_MASK) >> 2;
		unsigned long sa = (keys[i].asce & _ASCE_REAL_SPACE) ? DSEG * SEG : saddr[type];
		struct gmap *sg = shadow_and_fault(&keys[i], sa);

		assert_false(shadow_pte_of(sg, sa) & _PAGE_INVALID);
		assert_int_equal(gmap_shadow_audit(sg, stderr), 0);
		gmap_put(sg);
	}
	assert_int_equal(audit_all(), 0);
}

static void test_shadow_stress(void **state)
{
	static const enum role roles[] = { FAULTER, FAULTER, WRITER, REMAPPER, EVENTS, AUDITOR };
	enum { NTHREADS = sizeof(roles) / sizeof(roles[0]) };
	struct worker w[NTHREADS];
	const char *env = getenv("GMAP_STRESS_SEED");
	struct gmap_shadow_stats st;
	long live;

	(void)state;
	seed = env ? strtoul(env, NULL, 0) : (unsigned long)time(NULL) ^ (unsigned long)getpid();
	if (!seed)
		seed = 1;
	stress_read_ops_scale();
	print_message("GMAP_STRESS_SEED=%lu\n", seed);
	gm_quiesce();
	live = gm_alloc_live();
	setup_guest2();

	memset(w, 0, sizeof(w));
	vsie_walk_hook = widen_window;
	assert_int_equal(pthread_barrier_init(&round_barrier, NULL, NTHREADS), 0);
	for (int t = 0; t < NTHREADS; t++) {
		w[t].role = roles[t];
		w[t].f.r.s = seed * 0x9e3779b97f4a7c15ULL + (unsigned long)t + 1;
		assert_int_equal(pthread_create(&w[t].tid, NULL, worker_main, &w[t]), 0);
	}
	for (int t = 0; t < NTHREADS; t++)
		pthread_join(w[t].tid, NULL);
	pthread_barrier_destroy(&round_barrier);
	vsie_walk_hook = NULL;

	gmap_shadow_get_stats(&st);
	print_message("faults: %lu ok, %lu PIC, %lu -EAGAIN, %lu -EFAULT; %lu audits; shadows "
		      "%lu created, %lu removed; entries r1 %lu r2 %lu r3 %lu sg %lu pg %lu; "
		      "unshadowed r2t %lu r3t %lu sgt %lu pgt %lu page %lu; %lu notifications\n",
		      atomic_load(&faults_ok), atomic_load(&faults_pic), atomic_load(&faults_again),
		      atomic_load(&faults_efault), atomic_load(&audits), st.created, st.removed,
		      st.r1_entries, st.r2_entries, st.r3_entries, st.sg_entries, st.pg_entries,
		      st.unshadow_r2t, st.unshadow_r3t, st.unshadow_sgt, st.unshadow_pgt,
		      st.unshadow_page, st.notifications);
	/* The storm reached every level, and tore every level down again. */
	assert_true(atomic_load(&faults_ok) > 0);
	assert_true(st.r1_entries && st.r2_entries && st.r3_entries && st.sg_entries &&
		    st.pg_entries);
	assert_true(st.unshadow_r2t && st.unshadow_r3t && st.unshadow_sgt && st.unshadow_pgt &&
		    st.unshadow_page && st.removed);

	restore_guest2();
	assert_int_equal(audit_all(), 0);
	check_shadows_work();

	g2_destroy(&g);
	gm_quiesce();
	gmap_shadow_get_stats(&st);
	assert_int_equal(st.tables_live, 0);
	assert_int_equal(st.rmaps_live, 0);
	assert_int_equal(gm_alloc_live(), live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shadow_stress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
