// SPDX-License-Identifier: GPL-2.0
/* The library allocator: accounting, alignment, and nth-call fault injection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <gmap/alloc.h>

#include "core/alloc_internal.h"
#include "core/pool.h"

static void test_accounting(void **state)
{
	long live = gm_alloc_live();
	void *a = gm_malloc(10), *b = gm_zalloc(100), *c = gm_aligned_alloc(16384, 16384);

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal((unsigned long)c & 16383, 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(((unsigned char *)b)[i], 0);
	assert_int_equal(gm_alloc_live(), live + 3);
	gm_free(a);
	gm_free(b);
	gm_free(c);
	gm_free(NULL);
	assert_int_equal(gm_alloc_live(), live);
}

static void test_bad_alignment(void **state)
{
	(void)state;
	assert_null(gm_aligned_alloc(24, 64));
	assert_null(gm_aligned_alloc(0, 64));
	assert_null(gm_aligned_alloc(2, 64));
}

static void test_fail_nth(void **state)
{
	void *p[3];

	(void)state;
	gm_alloc_fail_nth(3);
	assert_false(gm_alloc_fault_injected());
	p[0] = gm_malloc(8);
	p[1] = gm_malloc(8);
	assert_non_null(p[0]);
	assert_non_null(p[1]);
	assert_false(gm_alloc_fault_injected());
	assert_null(gm_zalloc(8));
	assert_true(gm_alloc_fault_injected());
	/* The failure is delivered once. */
	p[2] = gm_malloc(8);
	assert_non_null(p[2]);
	for (int i = 0; i < 3; i++)
		gm_free(p[i]);
	gm_alloc_fail_nth(0);
	p[0] = gm_malloc(8);
	assert_non_null(p[0]);
	assert_false(gm_alloc_fault_injected());
	gm_free(p[0]);
}

/* The injector names the site of the allocation it failed; outside callers are EXTERN. */
static void test_fault_site(void **state)
{
	void *a, *b;

	(void)state;
	gm_alloc_fail_nth(2);
	assert_int_equal(gm_alloc_fault_site(), GM_SITE_NONE);
	a = gm_malloc_at(GM_SITE_MM_STRUCT, 8);
	assert_non_null(a);
	assert_int_equal(gm_alloc_fault_site(), GM_SITE_NONE);
	assert_null(pool_alloc_at(GM_SITE_SHADOW_PGT, POOL_ORDER_PAGE, false));
	assert_true(gm_alloc_fault_injected());
	assert_int_equal(gm_alloc_fault_site(), GM_SITE_SHADOW_PGT);
	assert_string_equal(gm_alloc_sites[GM_SITE_SHADOW_PGT].name, "SHADOW_PGT");
	assert_string_equal(gm_alloc_sites[GM_SITE_SHADOW_PGT].file, "gmap/shadow.c");
	gm_free(a);
	gm_alloc_fail_nth(1);
	assert_null(gm_zalloc(8));
	assert_int_equal(gm_alloc_fault_site(), GM_SITE_EXTERN);
	/* Re-arming forgets the site. */
	gm_alloc_fail_nth(0);
	assert_int_equal(gm_alloc_fault_site(), GM_SITE_NONE);
	/* A second failure: the kth allocation fails too, the nth is the one reported. */
	gm_alloc_fail_nth(3);
	gm_alloc_fail_also(1);
	assert_null(gm_malloc_at(GM_SITE_ULMAP_NODE, 8));
	assert_false(gm_alloc_fault_injected());
	a = gm_malloc_at(GM_SITE_ULMAP_NODE, 8);
	assert_non_null(a);
	assert_null(gm_malloc_at(GM_SITE_ULMAP_GROW, 8));
	assert_int_equal(gm_alloc_fault_site(), GM_SITE_ULMAP_GROW);
	b = gm_malloc_at(GM_SITE_ULMAP_NODE, 8);
	assert_non_null(b);
	gm_free(a);
	gm_free(b);
	/* Both on the same allocation: one failure. */
	gm_alloc_fail_nth(1);
	gm_alloc_fail_also(1);
	assert_null(gm_malloc_at(GM_SITE_ULMAP_NODE, 8));
	a = gm_malloc_at(GM_SITE_ULMAP_NODE, 8);
	assert_non_null(a);
	gm_free(a);
	gm_alloc_fail_nth(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accounting),
		cmocka_unit_test(test_bad_alignment),
		cmocka_unit_test(test_fail_nth),
		cmocka_unit_test(test_fault_site),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
