// SPDX-License-Identifier: GPL-2.0
/*
 * Threads against one host address space, with every byte checked.
 *
 * Writers own disjoint ranges of the DATA mapping and keep a reference copy of
 * them: they write, read back (checking at once) and discard their own pages.
 * A faulter resolves faults on random pages under mmap_read_lock with
 * &unlocked, which drives swap-in with the lock dropped. A host-event thread
 * pages out and migrates random pages, flips ranges of DATA between read-only
 * and read-write (writers retry a write that met a read-only page), and unmaps
 * and maps again a SCRATCH mapping whose contents it owns. The work is bounded
 * by operation counts; at the end every byte of DATA and SCRATCH must equal
 * its reference, the counters must match the PTEs, and nothing may leak.
 *
 * GMAP_STRESS_OPS scales the operation counts (default 1.0) for manual runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rng.h"
#include "stress.h"

#include "mmtest.h"

/* DATA straddles a segment boundary: two page tables, few pages, many collisions. */
#define DATA	    (0x40100000UL - 24 * PAGE_SIZE)
#define NWRITERS    3
#define PER_WRITER  16
#define DATA_PAGES  (NWRITERS * PER_WRITER)
#define SCRATCH	    0x60000000UL
#define SCRATCH_PGS 32
#define MAX_COPY    (PAGE_SIZE + 512)
#define RW	    (PROT_READ | PROT_WRITE)
#define WRITER_OPS  200000UL
#define FAULTER_OPS 200000UL
#define EVENT_OPS   200000UL
/*
 * The threads meet at a barrier every round so that they stay in step: each
 * kind of operation then runs against every other one for the whole test
 * instead of one thread finishing its share while another has barely begun.
 */
#define ROUNDS 100

static struct mm_struct *mm;
static pthread_barrier_t round_barrier;

static void fill_random(struct rng *r, unsigned char *buf, size_t len)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len; i++) {
		if (!(i & 7))
			v = rnd(r);
		buf[i] = (unsigned char)(v >> ((i & 7) * 8));
	}
}

/* Operations per round for a thread whose share is @ops. */

/* ---- writers ------------------------------------------------------------------------------- */

struct writer {
	pthread_t tid;
	unsigned int id;
	unsigned long base; /* first byte of the owned range */
	unsigned char *ref; /* what the owned range must contain */
	unsigned char buf[MAX_COPY];
	unsigned long writes, reads, discards, write_retries;
	struct rng rng;
};

/* A random range [*off, *off + *len) inside the owner's pages. */
static void pick_range(struct writer *w, unsigned long *off, size_t *len)
{
	const unsigned long size = PER_WRITER * PAGE_SIZE;

	*off = below(&w->rng, size);
	*len = 1 + below(&w->rng, MAX_COPY);
	if (*off + *len > size)
		*len = size - *off;
}

/* A write that met a read-only page is retried until the event thread lifts it. */
static void writer_write(struct writer *w)
{
	unsigned long off;
	size_t len;
	int rc;

	pick_range(w, &off, &len);
	fill_random(&w->rng, w->buf, len);
	while ((rc = mm_write(mm, w->base + off, w->buf, len)) == -EFAULT) {
		w->write_retries++;
		sched_yield();
	}
	check_eq(rc, 0);
	memcpy(w->ref + off, w->buf, len);
	w->writes++;
}

static void writer_read(struct writer *w)
{
	unsigned long off;
	size_t len;

	pick_range(w, &off, &len);
	check_eq(mm_read(mm, w->base + off, w->buf, len), 0);
	if (memcmp(w->buf, w->ref + off, len))
		die("writer %u: bytes at %#lx+%zu differ from the reference", w->id, w->base + off,
		    len);
	w->reads++;
}

static void writer_discard(struct writer *w)
{
	unsigned long page = below(&w->rng, PER_WRITER), n = 1 + below(&w->rng, 3);

	if (page + n > PER_WRITER)
		n = PER_WRITER - page;
	check_eq(mm_discard(mm, w->base + page * PAGE_SIZE, n * PAGE_SIZE), 0);
	memset(w->ref + page * PAGE_SIZE, 0, n * PAGE_SIZE);
	w->discards++;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	unsigned long r;

	for (unsigned long i = 0; i < ROUNDS * stress_per_round(WRITER_OPS, ROUNDS); i++) {
		if (i % stress_per_round(WRITER_OPS, ROUNDS) == 0)
			pthread_barrier_wait(&round_barrier);
		r = below(&w->rng, 100);
		if (r < 48)
			writer_write(w);
		else if (r < 96)
			writer_read(w);
		else
			writer_discard(w);
	}
	return NULL;
}

/* ---- faulter ------------------------------------------------------------------------------- */

struct faulter {
	pthread_t tid;
	unsigned long faults, efaults, unlocked;
	struct rng rng;
};

static unsigned long random_page(struct rng *r)
{
	unsigned long n = below(r, DATA_PAGES + SCRATCH_PGS);

	if (n < DATA_PAGES)
		return DATA + n * PAGE_SIZE;
	return SCRATCH + (n - DATA_PAGES) * PAGE_SIZE;
}

static void *faulter_main(void *arg)
{
	struct faulter *f = arg;
	unsigned long addr;
	bool write, unlocked;
	int rc;

	for (unsigned long i = 0; i < ROUNDS * stress_per_round(FAULTER_OPS, ROUNDS); i++) {
		if (i % stress_per_round(FAULTER_OPS, ROUNDS) == 0)
			pthread_barrier_wait(&round_barrier);
		addr = random_page(&f->rng) + below(&f->rng, PAGE_SIZE);
		write = below(&f->rng, 4) == 0;
		/* Now and then make sure the fault will need the swap file. */
		if (!(i & 15)) {
			rc = mm_page_out(mm, addr);
			check_true(rc == 0 || rc == -ENOENT || (rc == -EFAULT && addr >= SCRATCH));
		}
		unlocked = false;
		mmap_read_lock(mm);
		rc = fixup_user_fault(mm, addr, write ? FAULT_FLAG_WRITE : 0,
				      (i & 7) != 3 ? &unlocked : NULL);
		mmap_read_unlock(mm);
		/* DATA is always readable; writes may meet read-only, SCRATCH may be unmapped. */
		if (rc == -EFAULT && (write || addr >= SCRATCH))
			f->efaults++;
		else
			check_eq(rc, 0);
		f->faults++;
		f->unlocked += unlocked;
	}
	return NULL;
}

/* ---- host events --------------------------------------------------------------------------- */

struct events {
	pthread_t tid;
	bool scratch_mapped;
	unsigned char scratch[SCRATCH_PGS * PAGE_SIZE]; /* SCRATCH's reference */
	unsigned char buf[PAGE_SIZE];
	unsigned long ops, page_outs, migrations, mprotects, remaps;
	struct rng rng;
};

static void event_page(struct events *e, bool migrate)
{
	unsigned long addr = DATA + below(&e->rng, DATA_PAGES) * PAGE_SIZE + below(&e->rng, 4096);
	int rc = migrate ? mm_migrate_page(mm, addr) : mm_page_out(mm, addr);

	if (rc == -ENOENT)
		return;
	check_eq(rc, 0);
	if (migrate)
		e->migrations++;
	else
		e->page_outs++;
}

static void event_mprotect(struct events *e)
{
	unsigned long first = below(&e->rng, DATA_PAGES), n = 1 + below(&e->rng, 24);
	int prot = below(&e->rng, 2) ? PROT_READ : RW;

	if (first + n > DATA_PAGES)
		n = DATA_PAGES - first;
	check_eq(mm_mprotect(mm, DATA + first * PAGE_SIZE, n * PAGE_SIZE, prot), 0);
	e->mprotects++;
}

/* Unmap SCRATCH, or map it again (over itself half of the time): it reads as zeroes. */
static void event_remap(struct events *e)
{
	unsigned long a;

	if (e->scratch_mapped && below(&e->rng, 2)) {
		check_eq(mm_munmap(mm, SCRATCH, SCRATCH_PGS * PAGE_SIZE), 0);
		e->scratch_mapped = false;
		return;
	}
	a = mm_mmap(mm, SCRATCH, SCRATCH_PGS * PAGE_SIZE, RW, MAP_ANON_PRIVATE | MAP_FIXED);
	check_eq(a, SCRATCH);
	memset(e->scratch, 0, sizeof(e->scratch));
	e->scratch_mapped = true;
	e->remaps++;
}

/* Write, read back, page out or discard a SCRATCH page; unmapped SCRATCH faults. */
static void event_scratch(struct events *e)
{
	unsigned long page = below(&e->rng, SCRATCH_PGS), addr = SCRATCH + page * PAGE_SIZE;
	unsigned char *ref = e->scratch + page * PAGE_SIZE;
	unsigned long r = below(&e->rng, 4);
	int rc;

	if (!e->scratch_mapped) {
		check_eq(mm_read(mm, addr, e->buf, 1), -EFAULT);
		check_eq(mm_page_out(mm, addr), -EFAULT);
		return;
	}
	if (r == 0) {
		fill_random(&e->rng, ref, PAGE_SIZE);
		check_eq(mm_write(mm, addr, ref, PAGE_SIZE), 0);
	} else if (r == 1) {
		check_eq(mm_read(mm, addr, e->buf, PAGE_SIZE), 0);
		check_true(!memcmp(e->buf, ref, PAGE_SIZE));
	} else if (r == 2) {
		rc = mm_page_out(mm, addr);
		check_true(rc == 0 || rc == -ENOENT);
	} else {
		check_eq(mm_discard(mm, addr, PAGE_SIZE), 0);
		memset(ref, 0, PAGE_SIZE);
	}
}

static void *events_main(void *arg)
{
	struct events *e = arg;
	unsigned long r;

	for (unsigned long i = 0; i < ROUNDS * stress_per_round(EVENT_OPS, ROUNDS); i++) {
		if (i % stress_per_round(EVENT_OPS, ROUNDS) == 0) {
			/* A writer may be retrying on a read-only page: lift before waiting. */
			check_eq(mm_mprotect(mm, DATA, DATA_PAGES * PAGE_SIZE, RW), 0);
			pthread_barrier_wait(&round_barrier);
		}
		e->ops++;
		r = below(&e->rng, 100);
		if (r < 40)
			event_page(e, false);
		else if (r < 65)
			event_page(e, true);
		else if (r < 75)
			event_mprotect(e);
		else if (r < 78)
			event_remap(e);
		else
			event_scratch(e);
	}
	/* Lift every read-only range so that no writer waits for ever. */
	check_eq(mm_mprotect(mm, DATA, DATA_PAGES * PAGE_SIZE, RW), 0);
	return NULL;
}

/* ---- the test ------------------------------------------------------------------------------ */

static void expect_range(unsigned long addr, const unsigned char *ref, unsigned long len)
{
	unsigned char *got = malloc(len);

	assert_non_null(got);
	assert_int_equal(mm_read(mm, addr, got, len), 0);
	for (unsigned long i = 0; i < len; i++)
		if (got[i] != ref[i])
			fail_msg("byte at %#lx is %#x, expected %#x", addr + i, got[i], ref[i]);
	free(got);
}

/* The counters agree with the PTEs. */
static void expect_counters(void)
{
	unsigned long present = 0, swapped = 0, pte;
	struct mm_stats st;

	mm_get_stats(mm, &st);
	for (struct vm_area_struct *v = mm->mmap; v; v = v->next) {
		for (unsigned long a = v->vm_start; a < v->vm_end; a += PAGE_SIZE) {
			pte = mm_lookup_pte(mm, a);
			present += pte_present(__pte(pte));
			swapped += pte_swap(__pte(pte));
		}
	}
	assert_int_equal(st.frames, present);
	assert_int_equal(st.swap_slots, swapped);
	assert_true(st.swap_ins > 0);
	assert_true(st.lock_drops > 0);
	assert_true(st.migrations > 0);
}

static void test_stress(void **state)
{
	static struct writer w[NWRITERS];
	static struct faulter f;
	static struct events e;
	unsigned long ops, retries = 0;
	long base;

	(void)state;
	gm_quiesce();
	base = gm_alloc_live();
	mm = mm_create();
	assert_non_null(mm);
	assert_int_equal(
		mm_mmap(mm, DATA, DATA_PAGES * PAGE_SIZE, RW, MAP_ANON_PRIVATE | MAP_FIXED), DATA);
	assert_int_equal(pthread_barrier_init(&round_barrier, NULL, NWRITERS + 2), 0);
	for (unsigned int i = 0; i < NWRITERS; i++) {
		w[i].id = i;
		w[i].base = DATA + i * PER_WRITER * PAGE_SIZE;
		w[i].ref = calloc(PER_WRITER, PAGE_SIZE);
		w[i].rng.s = 0x9e3779b97f4a7c15ULL * (i + 1);
		assert_non_null(w[i].ref);
		assert_int_equal(pthread_create(&w[i].tid, NULL, writer_main, &w[i]), 0);
	}
	f.rng.s = 0x1234567890abcdefULL;
	e.rng.s = 0xfedcba0987654321ULL;
	assert_int_equal(pthread_create(&f.tid, NULL, faulter_main, &f), 0);
	assert_int_equal(pthread_create(&e.tid, NULL, events_main, &e), 0);
	for (unsigned int i = 0; i < NWRITERS; i++)
		assert_int_equal(pthread_join(w[i].tid, NULL), 0);
	assert_int_equal(pthread_join(f.tid, NULL), 0);
	assert_int_equal(pthread_join(e.tid, NULL), 0);
	pthread_barrier_destroy(&round_barrier);

	ops = f.faults + e.ops;
	for (unsigned int i = 0; i < NWRITERS; i++) {
		expect_range(w[i].base, w[i].ref, PER_WRITER * PAGE_SIZE);
		ops += w[i].writes + w[i].reads + w[i].discards;
		retries += w[i].write_retries;
	}
	if (e.scratch_mapped)
		expect_range(SCRATCH, e.scratch, sizeof(e.scratch));
	expect_counters();
	/* Every range is read-write again, so DATA has merged back into one mapping. */
	assert_non_null(find_vma(mm, DATA));
	assert_int_equal(find_vma(mm, DATA)->vm_start, DATA);
	assert_int_equal(find_vma(mm, DATA)->vm_end, DATA + DATA_PAGES * PAGE_SIZE);
	print_message("stress: %lu ops (%lu faults, %lu dropped the lock, %lu page-outs, "
		      "%lu migrations, %lu mprotects, %lu remaps, %lu writes retried)\n",
		      ops, f.faults, f.unlocked, e.page_outs, e.migrations, e.mprotects, e.remaps,
		      retries);
	mm_destroy(mm);
	gm_quiesce();
	assert_int_equal(gm_alloc_live(), base);
	for (unsigned int i = 0; i < NWRITERS; i++)
		free(w[i].ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress),
	};

	stress_read_ops_scale();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
