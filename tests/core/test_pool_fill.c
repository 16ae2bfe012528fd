// SPDX-License-Identifier: GPL-2.0
/*
 * Pre-filled blocks of the pool (pool_alloc_filled_at(), which crst_table_alloc()
 * uses, and pool_alloc_halves_at(), page_table_alloc_pgste()'s): every word holds the pattern
 * whether the block was cached or not, a freed block comes back refilled (after a direct free and
 * after an RCU free), the cache is bounded, cached blocks do not count as live allocations, and an
 * injected failure leaves nothing behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <gmap/alloc.h>
#include <gmap/dat.h>

#include "core/pool.h"

#define WORDS (16384 / 8)

static bool all_words(const unsigned long *t, unsigned long v)
{
	for (unsigned long i = 0; i < WORDS; i++)
		if (t[i] != v)
			return false;
	return true;
}

static unsigned long cached(void)
{
	struct pool_stats st;

	pool_get_stats(&st);
	return st.cached;
}

static void test_filled_fresh_and_refilled(void **state)
{
	long live = gm_alloc_live();
	unsigned long *t = pool_alloc_filled_at(GM_SITE_DAT_CRST_API, POOL_ORDER_CRST,
						_REGION3_ENTRY_EMPTY),
		      *u;
	unsigned long before;

	(void)state;
	assert_non_null(t);
	assert_true(all_words(t, _REGION3_ENTRY_EMPTY));
	assert_int_equal(gm_alloc_live(), live + 1);
	/* Used as a table: entries written. A free refills and keeps it. */
	memset(t, 0x5a, 16384);
	before = cached();
	pool_free(t);
	assert_int_equal(cached(), before + 1);
	assert_int_equal(gm_alloc_live(), live);
	u = pool_alloc_filled_at(GM_SITE_DAT_CRST_API, POOL_ORDER_CRST, _REGION3_ENTRY_EMPTY);
	assert_ptr_equal(u, t);
	assert_true(all_words(u, _REGION3_ENTRY_EMPTY));
	assert_int_equal(cached(), before);
	/* Another pattern does not take it. */
	memset(u, 0x33, 16384);
	pool_free(u);
	t = pool_alloc_filled_at(GM_SITE_DAT_CRST_API, POOL_ORDER_CRST, _SEGMENT_ENTRY_EMPTY);
	assert_ptr_not_equal(t, u);
	assert_true(all_words(t, _SEGMENT_ENTRY_EMPTY));
	u = crst_table_alloc(_REGION3_ENTRY_EMPTY);
	assert_true(all_words(u, _REGION3_ENTRY_EMPTY));
	crst_table_free(u);
	crst_table_free(t);
	assert_int_equal(gm_alloc_live(), live);
}

static void test_rcu_free_refills(void **state)
{
	unsigned long *t = crst_table_alloc(_REGION2_ENTRY_EMPTY), *u;
	unsigned long before;

	(void)state;
	assert_non_null(t);
	gm_quiesce();
	before = cached();
	t[7] = 0x1234000;
	crst_table_free_rcu(t);
	gm_quiesce();
	assert_int_equal(cached(), before + 1);
	u = crst_table_alloc(_REGION2_ENTRY_EMPTY);
	assert_ptr_equal(u, t);
	assert_true(all_words(u, _REGION2_ENTRY_EMPTY));
	crst_table_free(u);
}

/* At most 64 blocks per pattern stay cached; the rest go back to their chunks. */
static void test_cache_is_bounded(void **state)
{
	static unsigned long *t[100];
	long live = gm_alloc_live();
	unsigned long before;

	(void)state;
	for (int i = 0; i < 100; i++) {
		t[i] = crst_table_alloc(_REGION1_ENTRY_EMPTY);
		assert_non_null(t[i]);
	}
	before = cached();
	for (int i = 0; i < 100; i++)
		crst_table_free(t[i]);
	assert_true(cached() - before <= 64);
	assert_true(cached() - before >= 1);
	assert_int_equal(gm_alloc_live(), live);
}

/* Host page tables: 256 invalid PTEs, 256 zero PGSTEs, again after a free of a used one. */
static void test_page_table_halves(void **state)
{
	unsigned long *t = page_table_alloc_pgste(), *u;
	long live = gm_alloc_live();

	(void)state;
	assert_non_null(t);
	for (int i = 0; i < 512; i++)
		assert_int_equal(t[i], i < 256 ? _PAGE_INVALID : 0);
	memset(t, 0x77, 4096);
	page_table_free_pgste(t);
	assert_int_equal(gm_alloc_live(), live - 1);
	u = page_table_alloc_pgste();
	assert_ptr_equal(u, t);
	for (int i = 0; i < 512; i++)
		assert_int_equal(u[i], i < 256 ? _PAGE_INVALID : 0);
	/* A plain page of the same size is no table: not taken from there, not refilled. */
	t = pool_alloc_at(GM_SITE_DAT_PGSTE_API, POOL_ORDER_PAGE, true);
	assert_ptr_not_equal(t, u);
	pool_free(t);
	page_table_free_pgste(u);
}

static void test_injected_failure(void **state)
{
	long live = gm_alloc_live();
	unsigned long *t = crst_table_alloc(_SEGMENT_ENTRY_EMPTY);

	(void)state;
	crst_table_free(t); /* one cached, so the failure must hit the cached path too */
	gm_alloc_fail_nth(1);
	assert_null(crst_table_alloc(_SEGMENT_ENTRY_EMPTY));
	assert_int_equal(gm_alloc_live(), live);
	t = crst_table_alloc(_SEGMENT_ENTRY_EMPTY);
	assert_non_null(t);
	assert_true(all_words(t, _SEGMENT_ENTRY_EMPTY));
	crst_table_free(t);
	assert_int_equal(gm_alloc_live(), live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filled_fresh_and_refilled),
		cmocka_unit_test(test_rcu_free_refills),
		cmocka_unit_test(test_cache_is_bounded),
		cmocka_unit_test(test_page_table_halves),
		cmocka_unit_test(test_injected_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
