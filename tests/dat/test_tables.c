// SPDX-License-Identifier: GPL-2.0
/*
 * Table allocation and the native walker over tables in process memory:
 * every ASCE type, a 4 KiB page and both large-frame sizes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <gmap/alloc.h>
#include <gmap/dat.h>

static void test_crst_alloc_and_init(void **state)
{
	unsigned long *t = crst_table_alloc(_REGION2_ENTRY_EMPTY);

	(void)state;
	assert_non_null(t);
	assert_int_equal((unsigned long)t & (_CRST_TABLE_SIZE - 1), 0);
	for (unsigned long i = 0; i < _CRST_ENTRIES; i++)
		assert_int_equal(t[i], _REGION2_ENTRY_EMPTY);
	crst_table_init(t, _SEGMENT_ENTRY_EMPTY);
	assert_int_equal(t[0], _SEGMENT_ENTRY_EMPTY);
	assert_int_equal(t[_CRST_ENTRIES - 1], _SEGMENT_ENTRY_EMPTY);
	crst_table_free(t);
}

static void test_page_tables(void **state)
{
	unsigned long *pt = page_table_alloc();
	unsigned long *hpt = page_table_alloc_pgste();

	(void)state;
	assert_non_null(pt);
	assert_non_null(hpt);
	assert_int_equal((unsigned long)pt & (_PAGE_TABLE_SIZE - 1), 0);
	assert_int_equal((unsigned long)hpt & (PAGE_SIZE - 1), 0);
	for (unsigned long i = 0; i < _PAGE_ENTRIES; i++) {
		assert_int_equal(pt[i], _PAGE_INVALID);
		assert_int_equal(hpt[i], _PAGE_INVALID);
		assert_int_equal(*pgste_of(&hpt[i]), 0);
	}
	assert_ptr_equal(pgste_of(hpt), hpt + 256);
	page_table_free(pt);
	page_table_free_pgste(hpt);
	crst_table_free(NULL);
	page_table_free(NULL);
}

static void test_alloc_failure_is_reported(void **state)
{
	long live = gm_alloc_live();

	(void)state;
	gm_alloc_fail_nth(1);
	assert_null(crst_table_alloc(_REGION1_ENTRY_EMPTY));
	assert_true(gm_alloc_fault_injected());
	gm_alloc_fail_nth(1);
	assert_null(page_table_alloc());
	gm_alloc_fail_nth(1);
	assert_null(page_table_alloc_pgste());
	gm_alloc_fail_nth(0);
	assert_int_equal(gm_alloc_live(), live);
}

/* A native hierarchy for one address, with every intermediate level present. */
struct native_space {
	unsigned long *tables[4];
	unsigned long *pt;
	unsigned long asce;
};

static const unsigned long empty_of_level[] = { 0, _SEGMENT_ENTRY_EMPTY, _REGION3_ENTRY_EMPTY,
						_REGION2_ENTRY_EMPTY, _REGION1_ENTRY_EMPTY };
static const unsigned long entry_of_level[] = { 0, 0, _REGION3_ENTRY, _REGION2_ENTRY,
						_REGION1_ENTRY };

static void build_native(struct native_space *s, int top, unsigned long va, unsigned long frame)
{
	unsigned long *table;

	memset(s, 0, sizeof(*s));
	for (int level = top; level >= 1; level--) {
		s->tables[level - 1] = crst_table_alloc(empty_of_level[level]);
		assert_non_null(s->tables[level - 1]);
	}
	s->pt = page_table_alloc();
	assert_non_null(s->pt);
	for (int level = top; level >= 2; level--) {
		table = s->tables[level - 1];
		table[(va >> (20 + 11 * (level - 1))) & 0x7ff] =
			(unsigned long)s->tables[level - 2] | entry_of_level[level];
	}
	s->tables[0][dat_sx(va)] = (unsigned long)s->pt;
	s->pt[dat_px(va)] = frame;
	s->asce = (unsigned long)s->tables[top - 1] | ((unsigned long)(top - 1) << 2) |
		  _ASCE_TABLE_LENGTH;
}

static void free_native(struct native_space *s)
{
	for (int i = 0; i < 4; i++)
		crst_table_free(s->tables[i]);
	page_table_free(s->pt);
}

static void test_native_walk_every_asce_type(void **state)
{
	static const unsigned long vas[] = { 0x0000000012345678UL, 0x0000012345678000UL,
					     0x0012345678000123UL, 0x1234567800000456UL };
	struct native_space s;
	struct dat_result res;

	(void)state;
	for (int top = 1; top <= 4; top++) {
		unsigned long va = vas[top - 1];
		struct dat_config cfg = { 0 };

		build_native(&s, top, va, 0x55000);
		cfg.asce = s.asce;
		assert_int_equal(dat_translate_native(&cfg, va, DAT_STORE, &res), 0);
		assert_int_equal(res.abs, 0x55000 | (va & 0xfff));
		assert_int_equal(res.nsteps, (unsigned int)top + 1);
		/* The generic walker with the native reader agrees. */
		assert_int_equal(dat_translate(&cfg, va, DAT_STORE, dat_read_native, NULL, &res), 0);
		assert_int_equal(res.abs, 0x55000 | (va & 0xfff));
		/* The neighbouring page is not mapped. */
		assert_int_equal(dat_translate_native(&cfg, va ^ 0x1000, DAT_FETCH, &res),
				 PGM_PAGE_TRANSLATION);
		free_native(&s);
	}
}

static void test_native_large_frames(void **state)
{
	struct native_space s;
	struct dat_result res;
	struct dat_config cfg = { .edat = 2 };
	unsigned long va = 0x0000012345678000UL;

	(void)state;
	build_native(&s, 3, va, 0);
	cfg.asce = s.asce;
	s.tables[0][dat_sx(va)] = 0x7700000UL | _SEGMENT_ENTRY_LARGE | _SEGMENT_ENTRY_PROTECT;
	assert_int_equal(dat_translate_native(&cfg, va, DAT_FETCH, &res), 0);
	assert_int_equal(res.abs, 0x7700000UL | (va & 0xfffff));
	assert_true(res.large);
	assert_int_equal(dat_translate_native(&cfg, va, DAT_STORE, &res), PGM_PROTECTION);
	s.tables[1][dat_rtx(va)] = 0x180000000UL | _REGION3_ENTRY_LARGE | _REGION_ENTRY_TYPE_R3;
	assert_int_equal(dat_translate_native(&cfg, va, DAT_STORE, &res), 0);
	assert_int_equal(res.abs, 0x180000000UL | (va & 0x7fffffff));
	free_native(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crst_alloc_and_init),
		cmocka_unit_test(test_page_tables),
		cmocka_unit_test(test_alloc_failure_is_reported),
		cmocka_unit_test(test_native_walk_every_asce_type),
		cmocka_unit_test(test_native_large_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
