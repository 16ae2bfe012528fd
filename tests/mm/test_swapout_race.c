// SPDX-License-Identifier: GPL-2.0
/*
 * Swap I/O runs without the page-table lock. The interleavings that this opens
 * are replayed deterministically: a test hook (swap_test_hook) parks the
 * page-out's write, or a swap-in's read, at the point where the lock is
 * dropped, and the test runs the other event then:
 * - faults, swap-ins and first touches on other pages of the same page table
 *   go through (the lock is free: nothing waits for the disk);
 * - a fault on the page itself waits for the write and then swaps the page in
 *   again (or, when the write failed, finds it resident);
 * - discard empties the PTE, and the page-out frees the frame it kept;
 * - migration and a second page-out find no frame; munmap waits (mmap_lock);
 * - a discard while a swap-in reads makes the swap-in give zeroes.
 * Semaphores order the threads; nothing sleeps.
 */
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mmtest.h"

#define BASE	0x40000000UL
#define PAGES	8
#define PAGE(i) (BASE + (unsigned long)(i)*PAGE_SIZE)

static struct {
	sem_t parked, resume, waiting;
	atomic_int park_at; /* the swap_hook_point to park at once, or -1 */
	unsigned long addr; /* ... for this page */
} h;

static void hook(struct mm_struct *mm, enum swap_hook_point point, unsigned long addr)
{
	int want = (int)point;

	(void)mm;
	if (point == SWAP_HOOK_WAIT) {
		sem_post(&h.waiting); /* with swapout_lock held: only signal */
		return;
	}
	if ((addr & PAGE_MASK) == h.addr && atomic_compare_exchange_strong(&h.park_at, &want, -1)) {
		sem_post(&h.parked);
		sem_wait(&h.resume);
	}
}

static int setup(void **state)
{
	struct mm_fixture *f = mm_fixture_create(BASE, PAGES);

	if (!f)
		return -1;
	sem_init(&h.parked, 0, 0);
	sem_init(&h.resume, 0, 0);
	sem_init(&h.waiting, 0, 0);
	atomic_store(&h.park_at, -1);
	atomic_store(&swap_test_hook, hook);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	atomic_store(&swap_test_hook, NULL);
	mm_fixture_destroy(*state);
	sem_destroy(&h.parked);
	sem_destroy(&h.resume);
	sem_destroy(&h.waiting);
	return 0;
}

/* The page-table lock of @addr is free now (taken and given back at once). */
static void assert_ptl_free(struct mm_struct *mm, unsigned long addr)
{
	spinlock_t *ptl;

	mmap_read_lock(mm);
	ptl = pte_lockptr(mm, mm_pte_lookup(mm, addr));
	assert_true(spin_trylock(ptl));
	spin_unlock(ptl);
	mmap_read_unlock(mm);
}

/* ---- threads ------------------------------------------------------------------------------- */

struct job {
	pthread_t thread;
	struct mm_struct *mm;
	unsigned long addr;
	int rc;
	atomic_bool done;
	unsigned char buf[PAGE_SIZE];
};

static void *page_out_job(void *arg)
{
	struct job *j = arg;

	j->rc = mm_page_out(j->mm, j->addr);
	atomic_store(&j->done, true);
	return NULL;
}

static void *read_job(void *arg)
{
	struct job *j = arg;

	j->rc = mm_read(j->mm, j->addr, j->buf, PAGE_SIZE);
	atomic_store(&j->done, true);
	return NULL;
}

static void *munmap_job(void *arg)
{
	struct job *j = arg;

	j->rc = mm_munmap(j->mm, BASE, PAGES * PAGE_SIZE);
	atomic_store(&j->done, true);
	return NULL;
}

/* Start @fn on @j and return once it is parked at @point for @addr. */
static void start_parked(struct job *j, struct mm_struct *mm, unsigned long addr,
			 void *(*fn)(void *), enum swap_hook_point point)
{
	j->mm = mm;
	j->addr = addr;
	atomic_init(&j->done, false);
	h.addr = addr;
	atomic_store(&h.park_at, (int)point);
	assert_int_equal(pthread_create(&j->thread, NULL, fn, j), 0);
	assert_int_equal(sem_wait(&h.parked), 0);
}

static void start(struct job *j, struct mm_struct *mm, unsigned long addr, void *(*fn)(void *))
{
	j->mm = mm;
	j->addr = addr;
	atomic_init(&j->done, false);
	assert_int_equal(pthread_create(&j->thread, NULL, fn, j), 0);
}

static void resume(void)
{
	sem_post(&h.resume);
}

static void join(struct job *j)
{
	assert_int_equal(pthread_join(j->thread, NULL), 0);
	assert_true(atomic_load(&j->done));
}

/* ---- the write in flight ------------------------------------------------------------------- */

/* Other pages of the same page table do not wait for the disk. */
static void test_other_pages_go_through(void **state)
{
	struct mm_fixture *f = *state;
	struct job a;
	bool unlocked = false;
	struct mm_stats st;

	for (unsigned int i = 0; i < 3; i++)
		mm_write_page(f->mm, PAGE(i), 10 + i);
	assert_int_equal(mm_page_out(f->mm, PAGE(2)), 0);
	start_parked(&a, f->mm, PAGE(0), page_out_job, SWAP_HOOK_WRITE);
	/* In flight: in transit, not present, not a swap entry, and the lock is free. */
	assert_true(pte_swapout(mm_pte_at(f->mm, PAGE(0))));
	assert_ptl_free(f->mm, PAGE(0));
	mm_expect_page(f->mm, PAGE(1), 11);		  /* a resident page */
	mm_expect_page(f->mm, PAGE(2), 12);		  /* a swap-in */
	mm_write_page(f->mm, PAGE(3), 13);		  /* a first touch */
	assert_int_equal(mm_page_out(f->mm, PAGE(3)), 0); /* another page-out */
	mmap_read_lock(f->mm);
	assert_int_equal(fixup_user_fault(f->mm, PAGE(3), 0, &unlocked), 0);
	mmap_read_unlock(f->mm);
	assert_false(atomic_load(&a.done));
	resume();
	join(&a);
	assert_int_equal(a.rc, 0);
	assert_true(pte_swap(__pte(mm_pte_at(f->mm, PAGE(0)))));
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.swap_outs, 3);
	assert_int_equal(st.swap_slots, 1);
	mm_expect_page(f->mm, PAGE(0), 10);
	mm_expect_page(f->mm, PAGE(3), 13);
}

/* A fault on the page itself waits for the write, then swaps the page in. */
static void test_fault_waits_for_write(void **state)
{
	struct mm_fixture *f = *state;
	unsigned char want[PAGE_SIZE];
	struct job a, c;
	struct mm_stats st;

	mm_write_page(f->mm, PAGE(0), 20);
	start_parked(&a, f->mm, PAGE(0), page_out_job, SWAP_HOOK_WRITE);
	start(&c, f->mm, PAGE(0), read_job);
	assert_int_equal(sem_wait(&h.waiting), 0); /* c found the page in transit */
	assert_false(atomic_load(&c.done));
	resume();
	join(&a);
	join(&c);
	assert_int_equal(a.rc, 0);
	assert_int_equal(c.rc, 0);
	mm_fill_page(want, 20);
	assert_memory_equal(c.buf, want, PAGE_SIZE);
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.swap_outs, 1);
	assert_int_equal(st.swap_ins, 1); /* c read it back after the write */
	assert_int_equal(st.swap_slots, 0);
}

/* The write fails while a fault waits: the page stays, the fault finds it resident. */
static void test_fault_waits_for_failed_write(void **state)
{
	struct mm_fixture *f = *state;
	struct mm_swap_inject in = { .calls = MM_SWAP_INJECT_WRITE,
				     .nth = 1,
				     .fault = MM_SWAP_FAULT_EIO };
	unsigned long pte;
	unsigned char want[PAGE_SIZE];
	struct job a, c;
	struct mm_stats st;

	mm_write_page(f->mm, PAGE(0), 30);
	pte = mm_pte_at(f->mm, PAGE(0));
	assert_int_equal(mm_swap_inject(f->mm, &in), 0);
	start_parked(&a, f->mm, PAGE(0), page_out_job, SWAP_HOOK_WRITE);
	start(&c, f->mm, PAGE(0), read_job);
	assert_int_equal(sem_wait(&h.waiting), 0);
	resume();
	join(&a);
	join(&c);
	assert_int_equal(a.rc, -EIO);
	assert_int_equal(c.rc, 0);
	mm_fill_page(want, 30);
	assert_memory_equal(c.buf, want, PAGE_SIZE);
	assert_int_equal(mm_pte_at(f->mm, PAGE(0)), pte);
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.swap_outs, 0);
	assert_int_equal(st.swap_ins, 0);
	assert_int_equal(st.swap_slots, 0);
	assert_int_equal(st.frames, 1);
}

/* Discard during the write: the PTE is emptied, the page-out frees the frame it kept. */
static void test_discard_during_write(void **state)
{
	struct mm_fixture *f = *state;
	struct job a;
	struct mm_stats st;

	mm_write_page(f->mm, PAGE(0), 40);
	mm_write_page(f->mm, PAGE(1), 41);
	start_parked(&a, f->mm, PAGE(0), page_out_job, SWAP_HOOK_WRITE);
	assert_int_equal(mm_discard(f->mm, PAGE(0), PAGE_SIZE), 0);
	assert_true(pte_none(__pte(mm_pte_at(f->mm, PAGE(0)))));
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.frames, 2); /* the frame in flight is still counted, and alive */
	resume();
	join(&a);
	assert_int_equal(a.rc, -ENOENT);
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.frames, 1);
	assert_int_equal(st.swap_slots, 0);
	assert_int_equal(st.swap_outs, 0);
	mm_expect_zero(f->mm, PAGE(0));
	mm_expect_page(f->mm, PAGE(1), 41);
}

/* A discard, then a new page at the same address before the write ends: not mistaken for ours. */
static void test_discard_and_refault_during_write(void **state)
{
	struct mm_fixture *f = *state;
	struct job a;
	struct mm_stats st;

	mm_write_page(f->mm, PAGE(0), 50);
	start_parked(&a, f->mm, PAGE(0), page_out_job, SWAP_HOOK_WRITE);
	assert_int_equal(mm_discard(f->mm, PAGE(0), PAGE_SIZE), 0);
	mm_write_page(f->mm, PAGE(0), 51);
	resume();
	join(&a);
	assert_int_equal(a.rc, -ENOENT);
	assert_true(pte_present(__pte(mm_pte_at(f->mm, PAGE(0)))));
	mm_expect_page(f->mm, PAGE(0), 51);
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.frames, 1);
	assert_int_equal(st.swap_slots, 0);
}

/* Migration and a second page-out find no frame to take while the write is in flight. */
static void test_migrate_and_page_out_during_write(void **state)
{
	struct mm_fixture *f = *state;
	struct job a;
	struct mm_stats st;

	mm_write_page(f->mm, PAGE(0), 60);
	start_parked(&a, f->mm, PAGE(0), page_out_job, SWAP_HOOK_WRITE);
	assert_int_equal(mm_migrate_page(f->mm, PAGE(0)), -ENOENT);
	assert_int_equal(mm_page_out(f->mm, PAGE(0)), -ENOENT);
	resume();
	join(&a);
	assert_int_equal(a.rc, 0);
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.swap_slots, 1);
	assert_int_equal(st.migrations, 0);
	mm_expect_page(f->mm, PAGE(0), 60);
}

/*
 * munmap needs mmap_lock for writing, which the page-out holds for reading for
 * the whole write: the order is forced, whatever the scheduler does. The
 * page-out completes, then munmap frees the slot it filled.
 */
static void test_munmap_waits_for_write(void **state)
{
	struct mm_fixture *f = *state;
	struct job a, m;
	struct mm_stats st;

	mm_write_page(f->mm, PAGE(0), 70);
	start_parked(&a, f->mm, PAGE(0), page_out_job, SWAP_HOOK_WRITE);
	start(&m, f->mm, 0, munmap_job);
	resume();
	join(&a);
	join(&m);
	assert_int_equal(a.rc, 0);
	assert_int_equal(m.rc, 0);
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.swap_outs, 1);
	assert_int_equal(st.swap_slots, 0);
	assert_int_equal(st.frames, 0);
	assert_int_equal(st.vmas, 0);
}

/* ---- the read in flight -------------------------------------------------------------------- */

/* mm_read()'s swap-in (no @unlocked) reads with the page-table lock dropped too. */
static void test_swap_in_reads_off_the_lock(void **state)
{
	struct mm_fixture *f = *state;
	unsigned char want[PAGE_SIZE];
	struct job c;
	struct mm_stats st;

	mm_write_page(f->mm, PAGE(0), 80);
	mm_write_page(f->mm, PAGE(1), 81);
	assert_int_equal(mm_page_out(f->mm, PAGE(0)), 0);
	start_parked(&c, f->mm, PAGE(0), read_job, SWAP_HOOK_READ);
	assert_ptl_free(f->mm, PAGE(0));
	mm_expect_page(f->mm, PAGE(1), 81);
	resume();
	join(&c);
	assert_int_equal(c.rc, 0);
	mm_fill_page(want, 80);
	assert_memory_equal(c.buf, want, PAGE_SIZE);
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.swap_ins, 1);
	assert_int_equal(st.swap_slots, 0);
	assert_int_equal(st.lock_drops, 0); /* mmap_lock was kept */
}

/* A discard while the swap-in reads: the slot goes, the fault gives a zero page. */
static void test_discard_during_swap_in(void **state)
{
	struct mm_fixture *f = *state;
	unsigned char zero[PAGE_SIZE] = { 0 };
	struct job c;
	struct mm_stats st;

	mm_write_page(f->mm, PAGE(0), 90);
	assert_int_equal(mm_page_out(f->mm, PAGE(0)), 0);
	start_parked(&c, f->mm, PAGE(0), read_job, SWAP_HOOK_READ);
	assert_int_equal(mm_discard(f->mm, PAGE(0), PAGE_SIZE), 0);
	resume();
	join(&c);
	assert_int_equal(c.rc, 0);
	assert_memory_equal(c.buf, zero, PAGE_SIZE);
	mm_get_stats(f->mm, &st);
	assert_int_equal(st.swap_ins, 0);
	assert_int_equal(st.swap_slots, 0);
	assert_int_equal(st.frames, 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_other_pages_go_through),		  T(test_fault_waits_for_write),
		T(test_fault_waits_for_failed_write),	  T(test_discard_during_write),
		T(test_discard_and_refault_during_write), T(test_migrate_and_page_out_during_write),
		T(test_munmap_waits_for_write),		  T(test_swap_in_reads_off_the_lock),
		T(test_discard_during_swap_in),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
