// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failure at every allocation of every host mm operation.
 *
 * Each case builds the same state again for n = 1, 2, ..., makes the nth
 * allocation of the operation fail and runs it. When no failure was delivered
 * the operation needed fewer than n allocations: it must have succeeded, and the
 * loop ends. Otherwise it must have answered -ENOMEM and left the address space
 * as it was: the same VMAs, PTEs and PGSTEs (armed notification bits included),
 * the same counters, every page's contents. In both cases every live allocation
 * must be one the mm's counters account for, and after mm_destroy() and
 * gm_quiesce() none may be left.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mmtest.h"

#define BASE	 0x40000000UL /* 16 pages, written, some swapped, some armed */
#define NBASE	 16
#define FAR	 0x20000000000UL /* 4 pages in a region-third entry of their own */
#define NFAR	 4
#define BIG	 0x80000000UL /* optional: fills the first 1024 swap slots */
#define NBIG	 1024
#define NEWADDR	 0x50000000UL
#define MAX_VMAS 16
#define MAX_PAGE (NBASE + NFAR + NBIG)

#define PAGE(i) (BASE + (unsigned long)(i)*PAGE_SIZE)

/* Fixture flags. */
#define F_SWAP	   0x1U /* pages 4 and 5 of BASE are swapped out */
#define F_LISTENER 0x2U /* listener A is registered */
#define F_BIG	   0x4U /* BIG mapped, written and swapped out: the slot arrays are full */

/* Written pages of BASE; pages 12..15 were never touched. */
#define NWRITTEN 12

struct region {
	unsigned long start, npages;
	unsigned char *ref; /* what every page must contain */
};

struct snap {
	unsigned long vmas[MAX_VMAS][3];
	int nvmas;
	unsigned long pte[MAX_PAGE], pgste[MAX_PAGE];
	struct mm_stats st;
};

struct counting_listener {
	struct mm_tlb_listener l;
	int iptes;
};

static struct fixture {
	struct mm_struct *mm;
	long base_live;
	int nregions;
	struct region reg[3];
	struct snap before, after;
	struct counting_listener la, lb;
	bool lb_registered;
} fx;

/* One operation under test; on_success and on_failure check its outcome. */
struct fail_case {
	unsigned int flags;
	int (*op)(void);
	void (*on_success)(void);
	void (*on_failure)(void); /* NULL: nothing may have changed */
	unsigned long min_allocs; /* the operation allocates at least this often */
};

static void fill_page(unsigned char *buf, unsigned int seed)
{
	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		buf[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 9));
}

static unsigned char *ref_page(unsigned long addr)
{
	for (int r = 0; r < fx.nregions; r++) {
		struct region *g = &fx.reg[r];

		if (addr >= g->start && addr < g->start + g->npages * PAGE_SIZE)
			return g->ref + (addr - g->start);
	}
	fail_msg("address %#lx is in no region", addr);
	return NULL;
}

static void count_ipte(struct mm_tlb_listener *l, struct mm_struct *mm, unsigned long addr,
		       pte_t *ptep)
{
	(void)mm;
	(void)addr;
	(void)ptep;
	((struct counting_listener *)l)->iptes++;
}

static void count_flush(struct mm_tlb_listener *l, struct mm_struct *mm, unsigned long asce)
{
	(void)l;
	(void)mm;
	(void)asce;
}

static void write_ref_page(unsigned long addr, unsigned int seed)
{
	unsigned char *ref = ref_page(addr);

	fill_page(ref, seed);
	assert_int_equal(mm_write(fx.mm, addr, ref, PAGE_SIZE), 0);
}

static void arm_page(unsigned long addr)
{
	pte_t *ptep = mm_pte_lookup(fx.mm, addr);
	spinlock_t *ptl;

	assert_non_null(ptep);
	ptl = pte_lockptr(fx.mm, ptep);
	spin_lock(ptl);
	ptep_set_notify(fx.mm, addr, ptep);
	spin_unlock(ptl);
}

static void add_region(unsigned long start, unsigned long npages)
{
	struct region *g = &fx.reg[fx.nregions++];

	g->start = start;
	g->npages = npages;
	g->ref = calloc(npages, PAGE_SIZE);
	assert_non_null(g->ref);
	assert_int_equal(mm_mmap(fx.mm, start, npages * PAGE_SIZE, PROT_READ | PROT_WRITE,
				 MAP_ANON_PRIVATE | MAP_FIXED),
			 start);
}

static void setup_big(void)
{
	add_region(BIG, NBIG);
	for (unsigned long i = 0; i < NBIG; i++)
		fill_page(ref_page(BIG + i * PAGE_SIZE), (unsigned int)(1000 + i));
	assert_int_equal(mm_write(fx.mm, BIG, ref_page(BIG), NBIG * PAGE_SIZE), 0);
	for (unsigned long i = 0; i < NBIG; i++)
		assert_int_equal(mm_page_out(fx.mm, BIG + i * PAGE_SIZE), 0);
	assert_int_equal(fx.mm->swap.nused, fx.mm->swap.nslots);
}

/* The same starting state for every n. */
static void fixture_init(unsigned int flags)
{
	gm_quiesce();
	memset(&fx, 0, sizeof(fx));
	fx.base_live = gm_alloc_live();
	fx.mm = mm_create();
	assert_non_null(fx.mm);
	add_region(BASE, NBASE);
	add_region(FAR, NFAR);
	for (unsigned int i = 0; i < NWRITTEN; i++)
		write_ref_page(PAGE(i), i + 1);
	if (flags & F_SWAP) {
		assert_int_equal(mm_page_out(fx.mm, PAGE(4)), 0);
		assert_int_equal(mm_page_out(fx.mm, PAGE(5)), 0);
	}
	/* A clean page: read but never written. */
	assert_int_equal(mm_read(fx.mm, PAGE(12), ref_page(PAGE(12)), PAGE_SIZE), 0);
	for (unsigned int i = 0; i < NWRITTEN; i++)
		if (i < 4 || i > 5)
			arm_page(PAGE(i));
	if (flags & F_BIG)
		setup_big();
	fx.la.l.ipte = fx.lb.l.ipte = count_ipte;
	fx.la.l.flush_all = fx.lb.l.flush_all = count_flush;
	if (flags & F_LISTENER)
		assert_int_equal(mm_register_tlb_listener(fx.mm, &fx.la.l), 0);
}

static void take_snapshot(struct snap *s)
{
	unsigned long addr;
	pte_t *ptep;
	int k = 0;

	s->nvmas = mm_vmas(fx.mm, s->vmas, MAX_VMAS);
	for (int r = 0; r < fx.nregions; r++) {
		for (unsigned long i = 0; i < fx.reg[r].npages; i++, k++) {
			addr = fx.reg[r].start + i * PAGE_SIZE;
			ptep = mm_pte_lookup(fx.mm, addr);
			s->pte[k] = ptep ? pte_load(ptep) : _PAGE_INVALID;
			s->pgste[k] = ptep ? *pgste_of(&ptep->pte) : 0;
		}
	}
	mm_get_stats(fx.mm, &s->st);
}

static void expect_same_stats(const struct mm_stats *a, const struct mm_stats *b)
{
	assert_int_equal(a->vmas, b->vmas);
	assert_int_equal(a->mapped_bytes, b->mapped_bytes);
	assert_int_equal(a->frames, b->frames);
	assert_int_equal(a->swap_slots, b->swap_slots);
	assert_int_equal(a->faults, b->faults);
	assert_int_equal(a->zero_fills, b->zero_fills);
	assert_int_equal(a->swap_ins, b->swap_ins);
	assert_int_equal(a->swap_outs, b->swap_outs);
	assert_int_equal(a->migrations, b->migrations);
	assert_int_equal(a->discards, b->discards);
	assert_int_equal(a->iptes, b->iptes);
	assert_int_equal(a->notifications, b->notifications);
	assert_int_equal(a->unlinks, b->unlinks);
	assert_int_equal(a->lock_drops, b->lock_drops);
	/* A failed fault may keep the tables it built on the way down, as Linux does. */
	assert_true(b->page_tables >= a->page_tables);
	assert_true(b->crst_tables >= a->crst_tables);
}

/* The default failure check: nothing changed at all. */
static void expect_unchanged(void)
{
	take_snapshot(&fx.after);
	assert_int_equal(fx.after.nvmas, fx.before.nvmas);
	assert_memory_equal(fx.after.vmas, fx.before.vmas, sizeof(fx.before.vmas));
	for (int k = 0; k < MAX_PAGE; k++) {
		assert_int_equal(fx.after.pte[k], fx.before.pte[k]);
		assert_int_equal(fx.after.pgste[k], fx.before.pgste[k]);
	}
	expect_same_stats(&fx.before.st, &fx.after.st);
}

static bool vma_readable_at(unsigned long addr)
{
	struct vm_area_struct *v = find_vma(fx.mm, addr);

	return v && prot_readable(v->prot);
}

/*
 * Every allocation the mm holds is one its counters explain, and the frames
 * and swap slots counted are those the PTEs name.
 */
static void expect_accounted(void)
{
	unsigned long present = 0, swapped = 0, pte;
	long held;
	struct mm_stats st;

	gm_quiesce();
	mm_get_stats(fx.mm, &st);
	for (struct vm_area_struct *v = fx.mm->mmap; v; v = v->next) {
		for (unsigned long a = v->vm_start; a < v->vm_end; a += PAGE_SIZE) {
			pte = mm_lookup_pte(fx.mm, a);
			present += pte_present(__pte(pte));
			swapped += pte_swap(__pte(pte));
		}
	}
	assert_int_equal(st.frames, present);
	assert_int_equal(st.swap_slots, swapped);
	assert_int_equal(st.vmas, fx.mm->map_count);
	held = 1 + (long)(st.crst_tables + st.page_tables + st.frames + st.vmas);
	held += fx.mm->swap.nslots ? 2 : 0;
	held += fx.mm->tlb ? 1 : 0;
	assert_int_equal(gm_alloc_live() - fx.base_live, held);
}

/* Read back every page: mapped readable pages hold their reference, others fault. */
static void expect_contents(void)
{
	unsigned char *got = malloc(PAGE_SIZE);
	unsigned long addr;

	assert_non_null(got);
	for (int r = 0; r < fx.nregions; r++) {
		for (unsigned long i = 0; i < fx.reg[r].npages; i++) {
			addr = fx.reg[r].start + i * PAGE_SIZE;
			if (!vma_readable_at(addr)) {
				assert_int_equal(mm_read(fx.mm, addr, got, PAGE_SIZE), -EFAULT);
				continue;
			}
			assert_int_equal(mm_read(fx.mm, addr, got, PAGE_SIZE), 0);
			assert_memory_equal(got, ref_page(addr), PAGE_SIZE);
		}
	}
	free(got);
}

static void fixture_fini(void)
{
	if (fx.lb_registered)
		mm_unregister_tlb_listener(fx.mm, &fx.lb.l);
	mm_destroy(fx.mm);
	gm_quiesce();
	assert_int_equal(gm_alloc_live(), fx.base_live);
	for (int r = 0; r < fx.nregions; r++)
		free(fx.reg[r].ref);
}

static void run_case(const struct fail_case *c)
{
	unsigned long n;
	bool injected;
	int rc;

	for (n = 1;; n++) {
		fixture_init(c->flags);
		take_snapshot(&fx.before);
		gm_alloc_fail_nth(n);
		rc = c->op();
		injected = gm_alloc_fault_injected();
		gm_alloc_fail_nth(0);
		if (injected) {
			assert_int_equal(rc, -ENOMEM);
			(c->on_failure ? c->on_failure : expect_unchanged)();
		} else {
			assert_int_equal(rc, 0);
			c->on_success();
		}
		expect_accounted();
		expect_contents();
		fixture_fini();
		if (!injected)
			break;
	}
	/* Every allocation point was exercised. */
	assert_true(n > c->min_allocs);
}

static void expect_vmas(const unsigned long (*want)[3], int n)
{
	unsigned long got[MAX_VMAS][3];

	assert_int_equal(mm_vmas(fx.mm, got, MAX_VMAS), n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(got[i][0], want[i][0]);
		assert_int_equal(got[i][1], want[i][1]);
		assert_int_equal(got[i][2], want[i][2]);
	}
}

static unsigned long pgste_at(unsigned long addr)
{
	pte_t *ptep = mm_pte_lookup(fx.mm, addr);

	assert_non_null(ptep);
	return *pgste_of(&ptep->pte);
}

#define RW (PROT_READ | PROT_WRITE)

/* ---- mm_create ----------------------------------------------------------------------------- */

static void test_create(void **state)
{
	struct mm_struct *mm;
	unsigned long n;
	long base;
	bool injected;

	(void)state;
	for (n = 1;; n++) {
		gm_quiesce();
		base = gm_alloc_live();
		gm_alloc_fail_nth(n);
		mm = mm_create();
		injected = gm_alloc_fault_injected();
		gm_alloc_fail_nth(0);
		if (injected) {
			assert_null(mm);
		} else {
			assert_non_null(mm);
			assert_int_equal(mm_mmap(mm, BASE, PAGE_SIZE, RW, MAP_ANON_PRIVATE), BASE);
			mm_destroy(mm);
		}
		gm_quiesce();
		assert_int_equal(gm_alloc_live(), base);
		if (!injected)
			break;
	}
	assert_true(n > 2);
}

/* ---- mm_mmap ------------------------------------------------------------------------------- */

static unsigned long chosen;

static int op_mmap_chosen(void)
{
	chosen = mm_mmap(fx.mm, 0, 3 * PAGE_SIZE, PROT_READ, MAP_ANON_PRIVATE);
	return IS_ERR_VALUE(chosen) ? (int)(long)chosen : 0;
}

static void mmap_chosen_ok(void)
{
	unsigned char *zero = calloc(1, PAGE_SIZE), got[PAGE_SIZE];

	assert_non_null(zero);
	assert_int_equal(chosen & ~PAGE_MASK, 0);
	assert_true(chosen >= MMAP_MIN_ADDR && chosen + 3 * PAGE_SIZE <= TASK_SIZE);
	assert_int_equal(fx.mm->map_count, fx.before.st.vmas + 1);
	assert_non_null(find_vma(fx.mm, chosen));
	assert_int_equal(find_vma(fx.mm, chosen)->vm_end, chosen + 3 * PAGE_SIZE);
	assert_int_equal(mm_read(fx.mm, chosen + 2 * PAGE_SIZE, got, PAGE_SIZE), 0);
	assert_memory_equal(got, zero, PAGE_SIZE);
	free(zero);
}

static void test_mmap_chosen(void **state)
{
	const struct fail_case c = { F_SWAP, op_mmap_chosen, mmap_chosen_ok, NULL, 1 };

	(void)state;
	run_case(&c);
}

static int op_mmap_fixed(void)
{
	unsigned long a = mm_mmap(fx.mm, NEWADDR, 2 * PAGE_SIZE, RW, MAP_ANON_PRIVATE | MAP_FIXED);

	return IS_ERR_VALUE(a) ? (int)(long)a : (assert_int_equal(a, NEWADDR), 0);
}

static void mmap_fixed_ok(void)
{
	const unsigned long want[][3] = {
		{ BASE, PAGE(NBASE), RW },
		{ NEWADDR, NEWADDR + 2 * PAGE_SIZE, RW },
		{ FAR, FAR + NFAR * PAGE_SIZE, RW },
	};

	expect_vmas(want, 3);
}

static void test_mmap_fixed(void **state)
{
	const struct fail_case c = { F_SWAP, op_mmap_fixed, mmap_fixed_ok, NULL, 1 };

	(void)state;
	run_case(&c);
}

/* MAP_FIXED over pages 6 and 7, present and armed, splits the BASE mapping. */
static int op_mmap_over(void)
{
	unsigned long a =
		mm_mmap(fx.mm, PAGE(6), 2 * PAGE_SIZE, PROT_READ, MAP_ANON_PRIVATE | MAP_FIXED);

	return IS_ERR_VALUE(a) ? (int)(long)a : (assert_int_equal(a, PAGE(6)), 0);
}

static void mmap_over_ok(void)
{
	const unsigned long want[][3] = {
		{ BASE, PAGE(6), RW },
		{ PAGE(6), PAGE(8), PROT_READ },
		{ PAGE(8), PAGE(NBASE), RW },
		{ FAR, FAR + NFAR * PAGE_SIZE, RW },
	};
	struct mm_stats st;

	expect_vmas(want, 4);
	/* The old pages are gone, after their armed bits were reported. */
	mm_get_stats(fx.mm, &st);
	assert_int_equal(st.notifications, fx.before.st.notifications + 2);
	memset(ref_page(PAGE(6)), 0, 2 * PAGE_SIZE);
}

static void test_mmap_fixed_over_split(void **state)
{
	const struct fail_case c = { F_SWAP, op_mmap_over, mmap_over_ok, NULL, 2 };

	(void)state;
	run_case(&c);
}

/* MAP_FIXED exactly over the BASE mapping: no split, only the new VMA is allocated. */
static int op_mmap_replace(void)
{
	unsigned long a =
		mm_mmap(fx.mm, BASE, NBASE * PAGE_SIZE, PROT_READ, MAP_ANON_PRIVATE | MAP_FIXED);

	return IS_ERR_VALUE(a) ? (int)(long)a : 0;
}

static void mmap_replace_ok(void)
{
	const unsigned long want[][3] = {
		{ BASE, PAGE(NBASE), PROT_READ },
		{ FAR, FAR + NFAR * PAGE_SIZE, RW },
	};

	expect_vmas(want, 2);
	memset(ref_page(BASE), 0, NBASE * PAGE_SIZE);
}

static void test_mmap_fixed_replace(void **state)
{
	const struct fail_case c = { F_SWAP, op_mmap_replace, mmap_replace_ok, NULL, 1 };

	(void)state;
	run_case(&c);
}

/* ---- mm_munmap ----------------------------------------------------------------------------- */

static int op_munmap_middle(void)
{
	return mm_munmap(fx.mm, PAGE(5), 2 * PAGE_SIZE);
}

static void munmap_middle_ok(void)
{
	const unsigned long want[][3] = {
		{ BASE, PAGE(5), RW },
		{ PAGE(7), PAGE(NBASE), RW },
		{ FAR, FAR + NFAR * PAGE_SIZE, RW },
	};
	struct mm_stats st;

	expect_vmas(want, 3);
	mm_get_stats(fx.mm, &st);
	/* Page 5 was swapped: its slot is free again. */
	assert_int_equal(st.swap_slots, fx.before.st.swap_slots - 1);
	assert_true(pte_none(__pte(mm_lookup_pte(fx.mm, PAGE(6)))));
}

static void test_munmap_split(void **state)
{
	const struct fail_case c = { F_SWAP, op_munmap_middle, munmap_middle_ok, NULL, 1 };

	(void)state;
	run_case(&c);
}

/* ---- mm_mprotect --------------------------------------------------------------------------- */

static int op_mprotect_middle(void)
{
	return mm_mprotect(fx.mm, PAGE(3), 5 * PAGE_SIZE, PROT_READ);
}

static void mprotect_middle_ok(void)
{
	const unsigned long want[][3] = {
		{ BASE, PAGE(3), RW },
		{ PAGE(3), PAGE(8), PROT_READ },
		{ PAGE(8), PAGE(NBASE), RW },
		{ FAR, FAR + NFAR * PAGE_SIZE, RW },
	};
	unsigned char byte = 0;

	expect_vmas(want, 4);
	assert_true(mm_lookup_pte(fx.mm, PAGE(6)) & _PAGE_PROTECT);
	assert_int_equal(mm_write(fx.mm, PAGE(7), &byte, 1), -EFAULT);
	assert_int_equal(mm_write(fx.mm, PAGE(8) - 1, &byte, 1), -EFAULT);
	/* Pages that kept their protection kept their armed bits too. */
	assert_true(pgste_at(PAGE(2)) & PGSTE_IN_BIT);
	assert_true(pgste_at(PAGE(8)) & PGSTE_IN_BIT);
	assert_false(pgste_at(PAGE(6)) & PGSTE_IN_BIT);
}

static void test_mprotect_split(void **state)
{
	const struct fail_case c = { F_SWAP, op_mprotect_middle, mprotect_middle_ok, NULL, 2 };

	(void)state;
	run_case(&c);
}

/* ---- fixup_user_fault ---------------------------------------------------------------------- */

static bool unlocked;

static int fault_at(unsigned long addr, unsigned int flags, bool *unl)
{
	int rc;

	unlocked = false;
	mmap_read_lock(fx.mm);
	rc = fixup_user_fault(fx.mm, addr, flags, unl);
	mmap_read_unlock(fx.mm);
	return rc;
}

static int op_first_touch(void)
{
	return fault_at(FAR + PAGE_SIZE, FAULT_FLAG_WRITE, NULL);
}

static int op_first_touch_unlocked(void)
{
	return fault_at(FAR + PAGE_SIZE, 0, &unlocked);
}

static void first_touch_ok(void)
{
	struct mm_stats st;

	mm_get_stats(fx.mm, &st);
	assert_int_equal(st.crst_tables, fx.before.st.crst_tables + 1);
	assert_int_equal(st.page_tables, fx.before.st.page_tables + 1);
	assert_int_equal(st.zero_fills, fx.before.st.zero_fills + 1);
	assert_true(pte_present(__pte(mm_lookup_pte(fx.mm, FAR + PAGE_SIZE))));
	/* No I/O was needed: the lock stayed. */
	assert_false(unlocked);
}

static void test_fault_first_touch(void **state)
{
	const struct fail_case c = { F_SWAP, op_first_touch, first_touch_ok, NULL, 3 };
	const struct fail_case u = { F_SWAP, op_first_touch_unlocked, first_touch_ok, NULL, 3 };

	(void)state;
	run_case(&c);
	run_case(&u);
}

static int op_swap_in(void)
{
	return fault_at(PAGE(4), FAULT_FLAG_WRITE, NULL);
}

static int op_swap_in_unlocked(void)
{
	return fault_at(PAGE(5), 0, &unlocked);
}

static void swap_in_ok(void)
{
	struct mm_stats st;

	mm_get_stats(fx.mm, &st);
	assert_int_equal(st.swap_ins, fx.before.st.swap_ins + 1);
	assert_int_equal(st.swap_slots, fx.before.st.swap_slots - 1);
}

static void swap_in_unlocked_ok(void)
{
	swap_in_ok();
	assert_true(unlocked);
	assert_true(pte_present(__pte(mm_lookup_pte(fx.mm, PAGE(5)))));
}

static void test_fault_swap_in(void **state)
{
	const struct fail_case c = { F_SWAP, op_swap_in, swap_in_ok, NULL, 1 };
	const struct fail_case u = { F_SWAP, op_swap_in_unlocked, swap_in_unlocked_ok, NULL, 1 };

	(void)state;
	run_case(&c);
	run_case(&u);
}

/* ---- mm_write / mm_read across pages ------------------------------------------------------- */

/* From the middle of page 3 (present) over 4 and 5 (swapped) to 13 (12 clean, 13 untouched). */
#define XSTART (PAGE(3) + 100)
#define XEND   (PAGE(13) + 50)
#define XLEN   (XEND - XSTART)

static unsigned char xdata[XLEN];

static int op_write_across(void)
{
	for (unsigned long i = 0; i < XLEN; i++)
		xdata[i] = (unsigned char)(i * 13 + 5);
	return mm_write(fx.mm, XSTART, xdata, XLEN);
}

static void write_across_ok(void)
{
	memcpy(ref_page(XSTART), xdata, XLEN);
}

/*
 * A failed write stops at a page: the bytes before some page boundary are new,
 * everything after it is as before.
 */
static void write_across_failed(void)
{
	unsigned char *got = malloc(XLEN);
	unsigned long done = 0;

	assert_non_null(got);
	assert_int_equal(mm_read(fx.mm, XSTART, got, XLEN), 0);
	while (done < XLEN && got[done] == xdata[done])
		done++;
	/* The first byte that differs must be at a page boundary... */
	while (done && ((XSTART + done) & ~PAGE_MASK))
		done--;
	assert_true(done < XLEN);
	memcpy(ref_page(XSTART), xdata, done);
	/* ...and everything after it must be old: expect_contents() checks that. */
	free(got);
}

static void test_write_across_pages(void **state)
{
	const struct fail_case c = { F_SWAP, op_write_across, write_across_ok, write_across_failed,
				     3 };

	(void)state;
	run_case(&c);
}

static unsigned char rbuf[XLEN];

static int op_read_across(void)
{
	return mm_read(fx.mm, XSTART, rbuf, XLEN);
}

static void read_across_ok(void)
{
	assert_memory_equal(rbuf, ref_page(XSTART), XLEN);
}

/* A failed read may have faulted earlier pages in; contents are checked afterwards. */
static void read_across_failed(void)
{
	const unsigned long want[][3] = {
		{ BASE, PAGE(NBASE), RW },
		{ FAR, FAR + NFAR * PAGE_SIZE, RW },
	};
	struct mm_stats st;

	expect_vmas(want, 2);
	mm_get_stats(fx.mm, &st);
	assert_int_equal(st.notifications, fx.before.st.notifications);
	for (unsigned int i = 0; i < NWRITTEN; i++)
		if (i < 4 || i > 5)
			assert_true(pgste_at(PAGE(i)) & PGSTE_IN_BIT);
}

static void test_read_across_pages(void **state)
{
	const struct fail_case c = { F_SWAP, op_read_across, read_across_ok, read_across_failed,
				     2 };

	(void)state;
	run_case(&c);
}

/* ---- mm_page_out --------------------------------------------------------------------------- */

static int op_page_out(void)
{
	return mm_page_out(fx.mm, PAGE(2));
}

static void page_out_ok(void)
{
	struct mm_stats st;

	mm_get_stats(fx.mm, &st);
	assert_true(pte_swap(__pte(mm_lookup_pte(fx.mm, PAGE(2)))));
	assert_int_equal(st.swap_slots, fx.before.st.swap_slots + 1);
	assert_int_equal(st.notifications, fx.before.st.notifications + 1);
}

/* The first page-out opens the swap file and allocates the slot arrays. */
static void test_page_out_first(void **state)
{
	const struct fail_case c = { 0, op_page_out, page_out_ok, NULL, 2 };

	(void)state;
	run_case(&c);
}

/* All 1024 slots are in use: the arrays double, keeping the slots they hold. */
static void test_page_out_grow(void **state)
{
	const struct fail_case c = { F_BIG, op_page_out, page_out_ok, NULL, 2 };

	(void)state;
	run_case(&c);
}

/* ---- mm_migrate_page, mm_discard ----------------------------------------------------------- */

static unsigned long old_frame;

static int op_migrate(void)
{
	old_frame = mm_frame_of(fx.mm, PAGE(1));
	return mm_migrate_page(fx.mm, PAGE(1) + 99);
}

static void migrate_ok(void)
{
	assert_int_not_equal(mm_frame_of(fx.mm, PAGE(1)), old_frame);
	assert_int_not_equal(mm_frame_of(fx.mm, PAGE(1)), 0);
	assert_false(pgste_at(PAGE(1)) & PGSTE_IN_BIT);
}

static void test_migrate(void **state)
{
	const struct fail_case c = { F_SWAP, op_migrate, migrate_ok, NULL, 1 };

	(void)state;
	run_case(&c);
}

static int op_discard(void)
{
	return mm_discard(fx.mm, PAGE(3), 4 * PAGE_SIZE);
}

static void discard_ok(void)
{
	struct mm_stats st;

	mm_get_stats(fx.mm, &st);
	assert_int_equal(st.swap_slots, 0);
	assert_int_equal(st.discards, fx.before.st.discards + 4);
	memset(ref_page(PAGE(3)), 0, 4 * PAGE_SIZE);
}

static void test_discard(void **state)
{
	const struct fail_case c = { F_SWAP, op_discard, discard_ok, NULL, 0 };

	(void)state;
	run_case(&c);
}

/* ---- TLB listeners ------------------------------------------------------------------------- */

static int op_register(void)
{
	int rc = mm_register_tlb_listener(fx.mm, &fx.lb.l);

	fx.lb_registered = !rc;
	return rc;
}

/* Drive one IPTE; return whether listener B saw it, after checking that A did. */
static bool ipte_reaches_b(void)
{
	int a = fx.la.iptes, b = fx.lb.iptes;

	assert_int_equal(mm_migrate_page(fx.mm, PAGE(0)), 0);
	assert_int_equal(fx.la.iptes, a + 1);
	return fx.lb.iptes == b + 1;
}

static void register_ok(void)
{
	assert_true(ipte_reaches_b());
}

static void register_failed(void)
{
	expect_unchanged();
	assert_false(ipte_reaches_b());
}

static void test_register_listener(void **state)
{
	const struct fail_case c = { F_LISTENER, op_register, register_ok, register_failed, 1 };

	(void)state;
	run_case(&c);
}

/*
 * Unregistering cannot fail, and does not wait for memory either: it makes no
 * allocation at all (it used to copy the set and retry the copy until an
 * allocation succeeded, which spins for as long as memory stays short).
 */
static void test_unregister_listener(void **state)
{
	(void)state;
	for (unsigned long n = 1; n <= 2; n++) {
		fixture_init(F_LISTENER);
		assert_int_equal(op_register(), 0);
		gm_alloc_fail_nth(n);
		mm_unregister_tlb_listener(fx.mm, &fx.lb.l);
		assert_false(gm_alloc_fault_injected());
		gm_alloc_fail_nth(0);
		fx.lb_registered = false;
		assert_false(ipte_reaches_b());
		expect_accounted();
		fixture_fini();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_mmap_chosen),
		cmocka_unit_test(test_mmap_fixed),
		cmocka_unit_test(test_mmap_fixed_over_split),
		cmocka_unit_test(test_mmap_fixed_replace),
		cmocka_unit_test(test_munmap_split),
		cmocka_unit_test(test_mprotect_split),
		cmocka_unit_test(test_fault_first_touch),
		cmocka_unit_test(test_fault_swap_in),
		cmocka_unit_test(test_write_across_pages),
		cmocka_unit_test(test_read_across_pages),
		cmocka_unit_test(test_page_out_first),
		cmocka_unit_test(test_page_out_grow),
		cmocka_unit_test(test_migrate),
		cmocka_unit_test(test_discard),
		cmocka_unit_test(test_register_listener),
		cmocka_unit_test(test_unregister_listener),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
