// SPDX-License-Identifier: GPL-2.0
/*
 * The API tour of README.md, run as written (with its results checked), so that
 * the README stays true.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <gmap/alloc.h>
#include <gmap/gmap.h>
#include <gmap/vcpu.h>

static void test_readme_tour(void **state)
{
	(void)state;
	struct mm_struct *mm = mm_create();
	unsigned long host =
		mm_mmap(mm, 0, 1UL << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	struct gmap *gmap = gmap_create(mm, (1UL << 30) - 1);

	assert_false(IS_ERR_VALUE(host));
	assert_int_equal(host & ~PMD_MASK, 0);
	assert_non_null(gmap);
	assert_int_equal(gmap->asce & _ASCE_TYPE_MASK, _ASCE_TYPE_SEGMENT);
	assert_int_equal(gmap_map_segment(gmap, host, 0, 1UL << 30), 0);

	assert_int_equal(gmap_fault(gmap, 0x5000, FAULT_FLAG_WRITE), 0);
	unsigned long vmaddr = gmap_translate(gmap, 0x5000);
	assert_int_equal(vmaddr, host + 0x5000);

	struct vcpu *cpu = vcpu_create();
	assert_non_null(cpu);
	gmap_enable(gmap);
	unsigned long v = 42;
	int pic = vcpu_write(cpu, 0x123456, &v, sizeof(v));
	assert_int_equal(pic, 0);

	assert_int_equal(mm_page_out(mm, host + 0x123000), 0);
	assert_int_equal(mm_lookup_pte(mm, host + 0x123000) & _PAGE_PRESENT, 0);
	v = 0;
	assert_int_equal(vcpu_read(cpu, 0x123456, &v, sizeof(v)), 0);
	assert_int_equal(v, 42);
	assert_int_not_equal(mm_lookup_pte(mm, host + 0x123000) & _PAGE_PRESENT, 0);

	gmap_disable(gmap);
	vcpu_destroy(cpu);
	gmap_remove(gmap);
	mm_destroy(mm);
	gm_quiesce();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readme_tour),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
