// SPDX-License-Identifier: GPL-2.0
/*
 * A read fault through a gmap keeps the protection a gmap armed: the two ways a
 * read fault used to make an armed page writable behind the notifier's back.
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
#include <gmap/vcpu.h>

#define SEG   _SEGMENT_SIZE
#define HBASE 0x100000000UL
#define GBASE 0x0UL
#define PAGE  (GBASE + 0x5000)

struct fixture {
	struct mm_struct *mm;
	struct gmap *gmap;
};

static struct {
	struct gmap_notifier nb;
	int n;
	unsigned long start, end;
} calls;

static void record(struct gmap *gmap, unsigned long start, unsigned long end)
{
	(void)gmap;
	calls.n++;
	calls.start = start;
	calls.end = end;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->mm = mm_create();
	if (!f->mm || mm_mmap(f->mm, HBASE, 2 * SEG, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED) != HBASE)
		return -1;
	f->gmap = gmap_create(f->mm, (1UL << 31) - 1);
	if (!f->gmap || gmap_map_segment(f->gmap, HBASE, GBASE, 2 * SEG))
		return -1;
	memset(&calls, 0, sizeof(calls));
	calls.nb.notifier_call = record;
	gmap_register_pte_notifier(&calls.nb);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	gmap_unregister_pte_notifier(&calls.nb);
	gmap_remove(f->gmap);
	mm_destroy(f->mm);
	free(f);
	gm_quiesce();
	return 0;
}

static unsigned long host_pte(struct fixture *f)
{
	return mm_lookup_pte(f->mm, HBASE + (PAGE - GBASE));
}

/* Make the page dirty in the host, then write-protect it for the notifier. */
static void dirty_and_arm(struct fixture *f)
{
	assert_int_equal(gmap_fault(f->gmap, PAGE, FAULT_FLAG_WRITE), 0);
	assert_true(host_pte(f) & _PAGE_DIRTY);
	assert_int_equal(gmap_mprotect_notify(f->gmap, PAGE, PAGE_SIZE, PROT_READ), 0);
	assert_true(host_pte(f) & _PAGE_PROTECT);
}

/* Segment linked: a read gmap_fault() neither unprotects nor notifies. */
static void test_read_fault_keeps_protection(void **state)
{
	struct fixture *f = *state;
	unsigned long pte;

	dirty_and_arm(f);
	pte = host_pte(f);
	assert_int_equal(gmap_fault(f->gmap, PAGE, 0), 0);
	assert_int_equal(host_pte(f), pte);
	assert_int_equal(calls.n, 0);
	/* The first store is what tells the notifier. */
	assert_int_equal(gmap_fault(f->gmap, PAGE, FAULT_FLAG_WRITE), 0);
	assert_false(host_pte(f) & _PAGE_PROTECT);
	assert_int_equal(calls.n, 1);
	assert_int_equal(calls.start, PAGE);
	assert_int_equal(calls.end, PAGE + PAGE_SIZE - 1);
}

/*
 * Segment unlinked by a remap onto the same backing: a vCPU fetch faults the
 * segment in again; the armed bit must survive it, so that the vCPU's store
 * afterwards is still seen by the notifier.
 */
static void test_fetch_after_remap_keeps_notification(void **state)
{
	struct fixture *f = *state;
	struct vcpu *cpu = vcpu_create();
	unsigned long v = 0x1122334455667788UL, r = 0;

	assert_non_null(cpu);
	/* The prefix pages live in the other segment, so that only the fetch links this one. */
	assert_int_equal(vcpu_set_prefix(cpu, GBASE + SEG), 0);
	dirty_and_arm(f);
	assert_int_equal(gmap_unmap_segment(f->gmap, GBASE, SEG), 0);
	assert_int_equal(gmap_map_segment(f->gmap, HBASE, GBASE, SEG), 0);
	gmap_enable(f->gmap);
	assert_int_equal(vcpu_read(cpu, PAGE + 8, &r, sizeof(r)), 0);
	assert_true(host_pte(f) & _PAGE_PROTECT);
	assert_int_equal(calls.n, 0);
	assert_int_equal(vcpu_write(cpu, PAGE + 8, &v, sizeof(v)), 0);
	assert_int_equal(calls.n, 1);
	assert_int_equal(calls.start, PAGE);
	assert_int_equal(vcpu_read(cpu, PAGE + 8, &r, sizeof(r)), 0);
	assert_int_equal(r, v);
	gmap_disable(f->gmap);
	vcpu_destroy(cpu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_fault_keeps_protection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_after_remap_keeps_notification, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
