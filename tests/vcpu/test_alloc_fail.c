// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU paths with allocation failing at every allocation: vcpu_create(), the
 * first access (subscription to the mm's purges, prefix refresh, faults and
 * links), real and DAT-on accesses with guest tables in guest memory. For
 * each n the nth allocation of the path fails: the path stops with -ENOMEM
 * (NULL from vcpu_create()), running it again without failure succeeds with
 * the right data, and after teardown nothing is left allocated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <endian.h>

#include <cmocka.h>

#include <gmap/alloc.h>
#include <gmap/vcpu.h>

#include "guest.h"

#define PREFIX 0x40000UL
#define GST    0x200000UL /* guest segment table, big-endian in guest memory */
#define GPT    0x208000UL /* guest page table */
#define ASCE   (GST | _ASCE_TYPE_SEGMENT | 3)
#define VA     0x100000UL /* -> absolute 0x300000 */

struct env {
	struct mm_struct *mm;
	struct gmap *gmap;
	struct vcpu *vcpu;
};

static void put_host_be64(struct mm_struct *mm, unsigned long gaddr, unsigned long val)
{
	unsigned long be = htobe64(val);

	assert_int_equal(mm_write(mm, HBASE + gaddr, &be, sizeof(be)), 0);
}

/* mm, gmap and guest tables, written by the host; no vCPU yet. */
static void env_setup(struct env *e)
{
	e->mm = mm_create();
	assert_non_null(e->mm);
	assert_int_equal(mm_mmap(e->mm, HBASE, GMEM, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
			 HBASE);
	e->gmap = gmap_create(e->mm, GMEM - 1);
	assert_non_null(e->gmap);
	assert_int_equal(gmap_map_segment(e->gmap, HBASE, 0, GMEM), 0);
	for (unsigned long i = 0; i < _CRST_ENTRIES; i++)
		put_host_be64(e->mm, GST + 8 * i, _SEGMENT_ENTRY_EMPTY);
	for (unsigned long i = 0; i < _PAGE_ENTRIES; i++)
		put_host_be64(e->mm, GPT + 8 * i, _PAGE_INVALID);
	put_host_be64(e->mm, GST + 8 * (VA >> _SEGMENT_SHIFT), GPT);
	put_host_be64(e->mm, GPT, 0x300000);
	e->vcpu = NULL;
	gmap_enable(e->gmap);
}

static void env_teardown(struct env *e)
{
	gmap_disable(e->gmap);
	vcpu_destroy(e->vcpu);
	gmap_remove(e->gmap);
	mm_destroy(e->mm);
	gm_quiesce();
}

/* The path; stops at the first failure and returns it. */
static int vcpu_path(struct env *e)
{
	unsigned long v = 0x1111, r = 0;
	int rc;

	if (!e->vcpu)
		e->vcpu = vcpu_create();
	if (!e->vcpu)
		return -ENOMEM;
	rc = vcpu_set_prefix(e->vcpu, PREFIX);
	if (!rc)
		rc = vcpu_write(e->vcpu, 0x5000, &v, sizeof(v));
	if (!rc)
		rc = vcpu_write_real(e->vcpu, 0x10, &v, sizeof(v));
	if (!rc)
		rc = vcpu_read(e->vcpu, PREFIX + 0x10, &r, sizeof(r));
	if (!rc && r != v)
		rc = -EIO;
	v = 0x2222;
	if (!rc)
		rc = vcpu_write_virt(e->vcpu, ASCE, VA + 8, &v, sizeof(v));
	if (!rc)
		rc = vcpu_read(e->vcpu, 0x300008, &r, sizeof(r));
	if (!rc && r != v)
		rc = -EIO;
	return rc;
}

static void test_vcpu_paths(void **state)
{
	long live = gm_alloc_live();
	struct env e;
	bool injected;
	int rc;

	(void)state;
	for (unsigned long n = 1;; n++) {
		env_setup(&e);
		gm_alloc_fail_nth(n);
		rc = vcpu_path(&e);
		injected = gm_alloc_fault_injected();
		gm_alloc_fail_nth(0);
		if (!injected) {
			assert_int_equal(rc, 0);
			env_teardown(&e);
			assert_true(n > 3); /* the path allocates */
			break;
		}
		assert_int_equal(rc, -ENOMEM);
		/* Consistent: the same path without failure goes through. */
		assert_int_equal(vcpu_path(&e), 0);
		env_teardown(&e);
		assert_int_equal(gm_alloc_live(), live);
	}
	assert_int_equal(gm_alloc_live(), live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vcpu_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
