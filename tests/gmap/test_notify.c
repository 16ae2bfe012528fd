// SPDX-License-Identifier: GPL-2.0
/*
 * Notifiers and protection through a gmap: gmap_mprotect_notify() arms pages
 * (establishing missing mappings), a later host change of an armed page calls
 * every notifier once with [gaddr, gaddr + 4095]; PROT_NONE/READ/WRITE;
 * gmap_read_table(); the pte_op helpers; registration while notifying.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>

#include <cmocka.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>

#include "gmap/ulmap.h"
#include "mm/mm_internal.h"

#define SEG   _SEGMENT_SIZE
#define HBASE 0x100000000UL
#define GBASE 0x80000000UL

struct fixture {
	struct mm_struct *mm;
	struct gmap *gmap;
};

struct calls {
	struct gmap_notifier nb;
	int n;
	struct gmap *gmap;
	unsigned long start, end;
};

static struct calls first, second;

static void record(struct calls *c, struct gmap *gmap, unsigned long start, unsigned long end)
{
	c->n++;
	c->gmap = gmap;
	c->start = start;
	c->end = end;
}

static void first_call(struct gmap *gmap, unsigned long start, unsigned long end)
{
	record(&first, gmap, start, end);
}

static void second_call(struct gmap *gmap, unsigned long start, unsigned long end)
{
	record(&second, gmap, start, end);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->mm = mm_create();
	if (!f->mm || mm_mmap(f->mm, HBASE, 4 * SEG, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED) != HBASE)
		return -1;
	f->gmap = gmap_create(f->mm, (1UL << 42) - 1);
	if (!f->gmap || gmap_map_segment(f->gmap, HBASE, GBASE, 4 * SEG))
		return -1;
	memset(&first, 0, sizeof(first));
	memset(&second, 0, sizeof(second));
	first.nb.notifier_call = first_call;
	second.nb.notifier_call = second_call;
	gmap_register_pte_notifier(&first.nb);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	gmap_unregister_pte_notifier(&first.nb);
	gmap_remove(f->gmap);
	mm_destroy(f->mm);
	free(f);
	gm_quiesce();
	return 0;
}

static void test_arm_then_host_change_notifies_once(void **state)
{
	struct fixture *f = *state;
	unsigned long gaddr = GBASE + SEG + 0x3000;

	/* Nothing is mapped in the host yet: arming establishes the mapping. */
	assert_int_equal(gmap_mprotect_notify(f->gmap, gaddr, 2 * PAGE_SIZE, PROT_WRITE), 0);
	assert_true(mm_lookup_pte(f->mm, HBASE + SEG + 0x3000) & _PAGE_PRESENT);
	assert_int_equal(first.n, 0);
	assert_int_equal(mm_migrate_page(f->mm, HBASE + SEG + 0x4000), 0);
	assert_int_equal(first.n, 1);
	assert_ptr_equal(first.gmap, f->gmap);
	assert_int_equal(first.start, gaddr + PAGE_SIZE);
	assert_int_equal(first.end, gaddr + 2 * PAGE_SIZE - 1);
	/* One-shot. */
	assert_int_equal(mm_migrate_page(f->mm, HBASE + SEG + 0x4000), 0);
	assert_int_equal(first.n, 1);
	assert_int_equal(mm_page_out(f->mm, HBASE + SEG + 0x3000), 0);
	assert_int_equal(first.n, 2);
	assert_int_equal(first.start, gaddr);
	/* Every registered notifier is called. */
	gmap_register_pte_notifier(&second.nb);
	assert_int_equal(gmap_mprotect_notify(f->gmap, gaddr, PAGE_SIZE, PROT_WRITE), 0);
	assert_int_equal(mm_discard(f->mm, HBASE + SEG + 0x3000, PAGE_SIZE), 0);
	assert_int_equal(first.n, 3);
	assert_int_equal(second.n, 1);
	assert_int_equal(second.start, gaddr);
	gmap_unregister_pte_notifier(&second.nb);
	assert_int_equal(gmap_mprotect_notify(f->gmap, gaddr, PAGE_SIZE, PROT_WRITE), 0);
	assert_int_equal(mm_munmap(f->mm, HBASE + SEG + 0x3000, PAGE_SIZE), 0);
	assert_int_equal(first.n, 4);
	assert_int_equal(second.n, 1);
}

/* gmap_mprotect_notify() arms GMAP_NOTIFY_MPROT, which the mm keeps as the IN bit only. */
static void test_mprotect_notify_arms_in_bit(void **state)
{
	struct fixture *f = *state;
	pte_t *ptep;

	assert_int_equal(gmap_mprotect_notify(f->gmap, GBASE, PAGE_SIZE, PROT_READ), 0);
	ptep = mm_pte_lookup(f->mm, HBASE);
	assert_non_null(ptep);
	assert_int_equal(*pgste_of(&ptep->pte) & (PGSTE_IN_BIT | PGSTE_VSIE_BIT), PGSTE_IN_BIT);
}

static void test_prot_semantics(void **state)
{
	struct fixture *f = *state;
	struct dat_config cfg = { .asce = f->gmap->asce };
	struct dat_result res;

	/* PROT_READ: valid but protected to the guest. */
	assert_int_equal(gmap_mprotect_notify(f->gmap, GBASE, PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(dat_translate_native(&cfg, GBASE, DAT_FETCH, &res), 0);
	assert_int_equal(dat_translate_native(&cfg, GBASE, DAT_STORE, &res), PGM_PROTECTION);
	/* A guest write fault makes it writable again, and that notifies. */
	assert_int_equal(gmap_fault(f->gmap, GBASE, FAULT_FLAG_WRITE), 0);
	assert_int_equal(first.n, 1);
	assert_int_equal(dat_translate_native(&cfg, GBASE, DAT_STORE, &res), 0);
	/* PROT_NONE: invalid to the guest. */
	assert_int_equal(gmap_mprotect_notify(f->gmap, GBASE, PAGE_SIZE, PROT_NONE), 0);
	assert_int_equal(dat_translate_native(&cfg, GBASE, DAT_FETCH, &res), PGM_PAGE_TRANSLATION);
	assert_int_equal(gmap_fault(f->gmap, GBASE, 0), 0);
	assert_int_equal(first.n, 2);
	assert_int_equal(dat_translate_native(&cfg, GBASE, DAT_FETCH, &res), 0);
	/* PROT_WRITE on a host read-only page needs a write fault, which the host refuses. */
	assert_int_equal(mm_mprotect(f->mm, HBASE + 2 * SEG, SEG, PROT_READ), 0);
	assert_int_equal(gmap_mprotect_notify(f->gmap, GBASE + 2 * SEG, PAGE_SIZE, PROT_WRITE),
			 -EFAULT);
	assert_int_equal(gmap_mprotect_notify(f->gmap, GBASE + 2 * SEG, PAGE_SIZE, PROT_READ), 0);
}

static void test_mprotect_notify_errors(void **state)
{
	struct fixture *f = *state;
	struct gmap *g = f->gmap;

	assert_int_equal(gmap_mprotect_notify(g, GBASE + 1, PAGE_SIZE, PROT_READ), -EINVAL);
	assert_int_equal(gmap_mprotect_notify(g, GBASE, 100, PROT_READ), -EINVAL);
	assert_int_equal(gmap_mprotect_notify(g, GBASE, PAGE_SIZE, PROT_EXEC), -EINVAL);
	assert_int_equal(gmap_mprotect_notify(g, GBASE, PAGE_SIZE, PROT_READ | PROT_WRITE),
			 -EINVAL);
	assert_int_equal(gmap_mprotect_notify(g, -PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ), -EINVAL);
	assert_int_equal(gmap_mprotect_notify(NULL, GBASE, PAGE_SIZE, PROT_READ), -EINVAL);
	/* Missing guest mapping for part of the range. */
	assert_int_equal(
		gmap_mprotect_notify(g, GBASE + 4 * SEG - PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ),
		-EFAULT);
	assert_int_equal(gmap_mprotect_notify(g, 0, PAGE_SIZE, PROT_READ), -EFAULT);
	/* Zero length arms nothing and succeeds. */
	assert_int_equal(gmap_mprotect_notify(g, GBASE, 0, PROT_READ), 0);
}

static void put_be64(struct mm_struct *mm, unsigned long addr, unsigned long v)
{
	unsigned long be = htobe64(v);

	assert_int_equal(mm_write(mm, addr, &be, sizeof(be)), 0);
}

static void test_read_table(void **state)
{
	struct fixture *f = *state;
	unsigned long val = 0;

	put_be64(f->mm, HBASE + 0x1008, 0x0123456789abcdefUL);
	assert_int_equal(mm_page_out(f->mm, HBASE + 0x1000), 0);
	mmap_read_lock(f->mm);
	/* Faulted back in and linked on the way. */
	assert_int_equal(gmap_read_table(f->gmap, GBASE + 0x1008, &val), 0);
	assert_int_equal(val, 0x0123456789abcdefUL);
	/* An untouched page reads as zero. */
	assert_int_equal(gmap_read_table(f->gmap, GBASE + SEG, &val), 0);
	assert_int_equal(val, 0);
	assert_int_equal(gmap_read_table(f->gmap, GBASE + 4 * SEG, &val), -EFAULT);
	assert_int_equal(gmap_read_table(f->gmap, GBASE + 4, &val), -EINVAL);
	assert_int_equal(gmap_read_table(f->gmap, GBASE, NULL), -EINVAL);
	mmap_read_unlock(f->mm);
	/* Host PROT_NONE: not readable. */
	assert_int_equal(mm_mprotect(f->mm, HBASE + 3 * SEG, SEG, PROT_NONE), 0);
	mmap_read_lock(f->mm);
	assert_int_equal(gmap_read_table(f->gmap, GBASE + 3 * SEG, &val), -EFAULT);
	mmap_read_unlock(f->mm);
	/* A guest-protected (invalid) page is still readable by the host. */
	assert_int_equal(gmap_mprotect_notify(f->gmap, GBASE + 0x1000, PAGE_SIZE, PROT_NONE), 0);
	mmap_read_lock(f->mm);
	assert_int_equal(gmap_read_table(f->gmap, GBASE + 0x1008, &val), 0);
	assert_int_equal(val, 0x0123456789abcdefUL);
	mmap_read_unlock(f->mm);
	assert_int_equal(first.n, 0);
}

static void test_pte_op_helpers(void **state)
{
	struct fixture *f = *state;
	spinlock_t *ptl;
	pte_t *ptep;
	unsigned long vmaddr;

	mmap_read_lock(f->mm);
	assert_null(gmap_pte_op_walk(f->gmap, GBASE, &ptl));
	vmaddr = __gmap_translate(f->gmap, GBASE);
	assert_int_equal(vmaddr, HBASE);
	assert_int_equal(gmap_pte_op_fixup(f->gmap, GBASE, vmaddr, PROT_WRITE), 0);
	ptep = gmap_pte_op_walk(f->gmap, GBASE, &ptl);
	assert_non_null(ptep);
	assert_ptr_equal(ptep, mm_pte_lookup(f->mm, HBASE));
	assert_ptr_equal(ptl, pte_lockptr(f->mm, ptep));
	assert_false(spin_trylock(ptl));
	gmap_pte_op_end(ptl);
	assert_true(spin_trylock(ptl));
	spin_unlock(ptl);
	assert_int_equal(gmap_pte_op_fixup(f->gmap, GBASE, HBASE + 4 * SEG, PROT_READ), -EFAULT);
	mmap_read_unlock(f->mm);
	/* Read-only host: a write fixup fails. */
	assert_int_equal(mm_mprotect(f->mm, HBASE + SEG, SEG, PROT_READ), 0);
	mmap_read_lock(f->mm);
	assert_int_equal(gmap_pte_op_fixup(f->gmap, GBASE + SEG, HBASE + SEG, PROT_WRITE), -EFAULT);
	assert_int_equal(gmap_pte_op_fixup(f->gmap, GBASE + SEG, HBASE + SEG, PROT_READ), 0);
	mmap_read_unlock(f->mm);
}

static void test_call_notifier_direct(void **state)
{
	struct fixture *f = *state;

	gmap_call_notifier(f->gmap, 0x1000, 0x1fff);
	assert_int_equal(first.n, 1);
	assert_int_equal(first.start, 0x1000);
	assert_int_equal(first.end, 0x1fff);
}

/*
 * Several gmaps on one mm (the ucontrol pattern) linked to the same host
 * segment: each is told about a PTE change with its own guest address, the
 * host freeing the page table unlinks both, and a VSIE-only bit reaches no
 * gmap_notifier (shadows are told about it, not the MPROT notifiers).
 */
#define G2BASE 0x40000000UL /* where the second gmap maps host segment HBASE + SEG */
#define NLOG   8

static struct {
	struct gmap_notifier nb;
	int n;
	struct gmap *gmap[NLOG];
	unsigned long start[NLOG];
} nlog;

static void log_call(struct gmap *gmap, unsigned long start, unsigned long end)
{
	(void)end;
	if (nlog.n < NLOG) {
		nlog.gmap[nlog.n] = gmap;
		nlog.start[nlog.n] = start;
	}
	nlog.n++;
}

/* The guest address @gmap was notified about, or 0 if it was not (exactly once). */
static unsigned long logged_for(struct gmap *gmap)
{
	unsigned long start = 0;
	int seen = 0;

	for (int i = 0; i < nlog.n && i < NLOG; i++)
		if (nlog.gmap[i] == gmap) {
			start = nlog.start[i];
			seen++;
		}
	return seen == 1 ? start : 0;
}

static bool segment_linked(struct gmap *g, unsigned long gaddr, unsigned long vmaddr)
{
	unsigned long *ste = gmap_table_walk(g, gaddr, DAT_LEVEL_SEGMENT), entry;
	bool linked;

	spin_lock(&g->guest_table_lock);
	linked = ulmap_lookup(g->host_to_guest, vmaddr >> PMD_SHIFT, &entry);
	spin_unlock(&g->guest_table_lock);
	assert_true(!linked || entry == (unsigned long)ste);
	return linked && ste && !(*ste & _SEGMENT_ENTRY_INVALID);
}

static void test_two_gmaps_one_segment(void **state)
{
	struct fixture *f = *state;
	struct gmap *g1 = f->gmap, *g2 = gmap_create(f->mm, (1UL << 42) - 1);
	const unsigned long host = HBASE + SEG, off = 0x5000;
	unsigned long one = 1;
	spinlock_t *ptl;
	pte_t *ptep;

	assert_non_null(g2);
	assert_int_equal(gmap_map_segment(g2, host, G2BASE, SEG), 0);
	memset(&nlog, 0, sizeof(nlog));
	nlog.nb.notifier_call = log_call;
	gmap_register_pte_notifier(&nlog.nb);

	/* Both arm the same host page, each at its own guest address. */
	assert_int_equal(gmap_mprotect_notify(g1, GBASE + SEG + off, PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(gmap_mprotect_notify(g2, G2BASE + off, PAGE_SIZE, PROT_READ), 0);
	assert_true(segment_linked(g1, GBASE + SEG, host));
	assert_true(segment_linked(g2, G2BASE, host));
	assert_int_equal(mm_migrate_page(f->mm, host + off), 0);
	assert_int_equal(nlog.n, 2);
	assert_int_equal(logged_for(g1), GBASE + SEG + off);
	assert_int_equal(logged_for(g2), G2BASE + off);

	/* A VSIE-only bit: the PTE changes, no MPROT notifier is called. */
	assert_int_equal(mm_write(f->mm, host + off + PAGE_SIZE, &one, sizeof(one)), 0);
	mmap_read_lock(f->mm);
	ptep = get_locked_pte(f->mm, host + off + PAGE_SIZE, &ptl);
	assert_non_null(ptep);
	assert_int_equal(
		ptep_force_prot(f->mm, host + off + PAGE_SIZE, ptep, PROT_READ, PGSTE_VSIE_BIT), 0);
	pte_unmap_unlock(ptep, ptl);
	mmap_read_unlock(f->mm);
	nlog.n = 0;
	assert_int_equal(mm_migrate_page(f->mm, host + off + PAGE_SIZE), 0);
	assert_int_equal(nlog.n, 0);
	assert_false(*pgste_of(&mm_pte_lookup(f->mm, host + off + PAGE_SIZE)->pte) &
		     PGSTE_VSIE_BIT);

	/* The host frees the page table: gmap_unlink() clears both links. */
	assert_int_equal(mm_munmap(f->mm, host, SEG), 0);
	assert_false(segment_linked(g1, GBASE + SEG, host));
	assert_false(segment_linked(g2, G2BASE, host));
	assert_int_equal(*gmap_table_walk(g1, GBASE + SEG, DAT_LEVEL_SEGMENT),
			 _SEGMENT_ENTRY_EMPTY);
	assert_int_equal(*gmap_table_walk(g2, G2BASE, DAT_LEVEL_SEGMENT), _SEGMENT_ENTRY_EMPTY);
	/* The other segments of g1 are untouched. */
	assert_int_equal(gmap_fault(g1, GBASE, 0), 0);
	assert_true(segment_linked(g1, GBASE, HBASE));

	gmap_unregister_pte_notifier(&nlog.nb);
	gmap_remove(g2);
}

/* Registration while another thread keeps notifying. */
struct churn {
	struct fixture *f;
	atomic_int stop;
	atomic_long notified;
};

static void *notify_loop(void *arg)
{
	struct churn *c = arg;

	while (!atomic_load(&c->stop)) {
		gmap_call_notifier(c->f->gmap, 0, 4095);
		atomic_fetch_add(&c->notified, 1);
	}
	return NULL;
}

static void test_register_while_notifying(void **state)
{
	struct churn c = { .f = *state };
	pthread_t t;

	long mark;

	atomic_init(&c.stop, 0);
	atomic_init(&c.notified, 0);
	assert_int_equal(pthread_create(&t, NULL, notify_loop, &c), 0);
	/* Churn only while notifications are running: wait for them on both sides. */
	while (atomic_load(&c.notified) == 0)
		sched_yield();
	for (int i = 0; i < 200; i++) {
		gmap_register_pte_notifier(&second.nb);
		gmap_unregister_pte_notifier(&second.nb);
	}
	mark = atomic_load(&c.notified);
	while (atomic_load(&c.notified) == mark)
		sched_yield();
	atomic_store(&c.stop, 1);
	pthread_join(t, NULL);
	assert_int_equal(first.n, atomic_load(&c.notified));
	/* The second notifier saw calls only while registered, never after. */
	mark = second.n;
	gmap_call_notifier(c.f->gmap, 0, 4095);
	assert_int_equal(second.n, mark);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_arm_then_host_change_notifies_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_prot_semantics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mprotect_notify_arms_in_bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mprotect_notify_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pte_op_helpers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_call_notifier_direct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_while_notifying, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_gmaps_one_segment, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
