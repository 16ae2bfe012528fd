// SPDX-License-Identifier: GPL-2.0
/*
 * The bit-exact worked example of the DAT reference (tables at R1T 0x10000,
 * R2T 0x14000, R3T 0x18000, ST 0x1C000, PT 0x20800; VA 0x0123456789ABCDEF) and
 * every variant listed with it, walked over big-endian storage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bemem.h"

#define VA	  0x0123456789ABCDEFUL
#define RFTE_ADDR 0x10048UL
#define RSTE_ADDR 0x14688UL
#define RTTE_ADDR 0x19678UL
#define STE_ADDR  0x1C4D0UL
#define PTE_ADDR  0x20DE0UL

static struct bemem mem;

static void build_tables(void)
{
	memset(mem.mem, 0, mem.size);
	bemem_fill(&mem, 0x10000, _CRST_ENTRIES, _REGION1_ENTRY_EMPTY);
	bemem_fill(&mem, 0x14000, _CRST_ENTRIES, _REGION2_ENTRY_EMPTY);
	bemem_fill(&mem, 0x18000, _CRST_ENTRIES, _REGION3_ENTRY_EMPTY);
	bemem_fill(&mem, 0x1C000, _CRST_ENTRIES, _SEGMENT_ENTRY_EMPTY);
	bemem_fill(&mem, 0x20800, _PAGE_ENTRIES, _PAGE_INVALID);
	bemem_put(&mem, RFTE_ADDR, 0x1400F);
	bemem_put(&mem, RSTE_ADDR, 0x1800B);
	bemem_put(&mem, RTTE_ADDR, 0x1C007);
	bemem_put(&mem, STE_ADDR, 0x20800);
	bemem_put(&mem, PTE_ADDR, 0xABC000);
}

static int setup(void **state)
{
	(void)state;
	bemem_init(&mem, 0x200000);
	if (!mem.mem)
		return -1;
	build_tables();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bemem_destroy(&mem);
	return 0;
}

static int reset(void **state)
{
	(void)state;
	build_tables();
	return 0;
}

static struct dat_config example_config(void)
{
	struct dat_config cfg = {
		.asce = 0x1000F,
		.edat = 2,
		.iep = true,
		.prefix = 0,
		.storage_size = 16UL << 30,
	};
	return cfg;
}

static unsigned int walk(const struct dat_config *cfg, unsigned long va, enum dat_access acc,
			 struct dat_result *res)
{
	unsigned int pic = dat_translate(cfg, va, acc, bemem_read, &mem, res);

	assert_int_equal(pic, res->pic);
	return pic;
}

static void expect_abs(const struct dat_config *cfg, unsigned long va, enum dat_access acc,
		       unsigned long abs)
{
	struct dat_result res;

	assert_int_equal(walk(cfg, va, acc, &res), 0);
	assert_int_equal(res.abs, abs);
}

static void expect_pic(const struct dat_config *cfg, unsigned long va, enum dat_access acc,
		       unsigned int pic, unsigned long teid)
{
	struct dat_result res;

	assert_int_equal(walk(cfg, va, acc, &res), pic);
	assert_int_equal(res.teid, teid);
}

static void test_indices(void **state)
{
	(void)state;
	assert_int_equal(dat_rfx(VA), 0x009);
	assert_int_equal(dat_rsx(VA), 0x0D1);
	assert_int_equal(dat_rtx(VA), 0x2CF);
	assert_int_equal(dat_sx(VA), 0x09A);
	assert_int_equal(dat_px(VA), 0xBC);
	assert_int_equal(VA & ~PAGE_MASK, 0xDEF);
}

static void test_base_walk(void **state)
{
	struct dat_config cfg = example_config();
	struct dat_result res;
	static const unsigned long addrs[] = { RFTE_ADDR, RSTE_ADDR, RTTE_ADDR, STE_ADDR, PTE_ADDR };
	static const unsigned long vals[] = { 0x1400F, 0x1800B, 0x1C007, 0x20800, 0xABC000 };

	(void)state;
	assert_int_equal(walk(&cfg, VA, DAT_FETCH, &res), 0);
	assert_int_equal(res.real, 0xABCDEF);
	assert_int_equal(res.abs, 0xABCDEF);
	assert_false(res.prot);
	assert_false(res.large);
	assert_int_equal(res.level, DAT_LEVEL_PTE);
	assert_int_equal(res.entry_addr, PTE_ADDR);
	assert_int_equal(res.nsteps, 5);
	for (unsigned int i = 0; i < 5; i++) {
		assert_int_equal(res.steps[i].addr, addrs[i]);
		assert_int_equal(res.steps[i].val, vals[i]);
		assert_int_equal(res.steps[i].level, DAT_LEVEL_REGION1 - (int)i);
	}
	expect_abs(&cfg, VA, DAT_STORE, 0xABCDEF);
	expect_abs(&cfg, VA, DAT_IFETCH, 0xABCDEF);
}

static void test_prefixing(void **state)
{
	struct dat_config cfg = example_config();

	(void)state;
	cfg.prefix = 0x7E000;
	bemem_put(&mem, PTE_ADDR, 0x1000);
	expect_abs(&cfg, VA, DAT_FETCH, 0x7FDEF);
	bemem_put(&mem, PTE_ADDR, 0x7F000);
	expect_abs(&cfg, VA, DAT_FETCH, 0x1DEF);
}

static void test_page_protection(void **state)
{
	struct dat_config cfg = example_config();

	(void)state;
	bemem_put(&mem, PTE_ADDR, 0xABC200);
	expect_pic(&cfg, VA, DAT_STORE, PGM_PROTECTION, 0x0123456789ABC404);
	expect_abs(&cfg, VA, DAT_FETCH, 0xABCDEF);
}

static void test_region_protection_needs_edat1(void **state)
{
	struct dat_config cfg = example_config();

	(void)state;
	bemem_put(&mem, RSTE_ADDR, 0x1820B);
	expect_pic(&cfg, VA, DAT_STORE, PGM_PROTECTION, 0x0123456789ABC404);
	cfg.edat = 1;
	expect_pic(&cfg, VA, DAT_STORE, PGM_PROTECTION, 0x0123456789ABC404);
	cfg.edat = 0;
	expect_abs(&cfg, VA, DAT_STORE, 0xABCDEF);
}

static void test_iep(void **state)
{
	struct dat_config cfg = example_config();

	(void)state;
	bemem_put(&mem, PTE_ADDR, 0xABC100);
	expect_pic(&cfg, VA, DAT_IFETCH, PGM_PROTECTION, 0x0123456789ABC884);
	expect_abs(&cfg, VA, DAT_FETCH, 0xABCDEF);
	expect_abs(&cfg, VA, DAT_STORE, 0xABCDEF);
}

static void test_page_invalid(void **state)
{
	struct dat_config cfg = example_config();
	struct dat_result res;

	(void)state;
	bemem_put(&mem, PTE_ADDR, 0xABC400);
	expect_pic(&cfg, VA, DAT_FETCH, PGM_PAGE_TRANSLATION, 0x0123456789ABC800);
	cfg.space = DAT_SPACE_SECONDARY;
	expect_pic(&cfg, VA, DAT_STORE, PGM_PAGE_TRANSLATION, 0x0123456789ABC402);
	walk(&cfg, VA, DAT_FETCH, &res);
	assert_int_equal(res.level, DAT_LEVEL_PTE);
	assert_int_equal(res.entry_addr, PTE_ADDR);
}

static void test_translation_specification(void **state)
{
	struct dat_config cfg = example_config();
	struct dat_result res;

	(void)state;
	bemem_put(&mem, PTE_ADDR, 0xABC800);
	expect_pic(&cfg, VA, DAT_FETCH, PGM_TRANSLATION_SPEC, 0);
	build_tables();
	bemem_put(&mem, STE_ADDR, 0x20804);
	expect_pic(&cfg, VA, DAT_FETCH, PGM_TRANSLATION_SPEC, 0);
	walk(&cfg, VA, DAT_FETCH, &res);
	assert_int_equal(res.level, DAT_LEVEL_SEGMENT);
	assert_int_equal(res.entry_addr, STE_ADDR);
}

static void test_table_length_and_offset(void **state)
{
	struct dat_config cfg = example_config();
	struct dat_result res;

	(void)state;
	bemem_put(&mem, RSTE_ADDR, 0x18008);
	expect_pic(&cfg, VA, DAT_FETCH, PGM_REGION_THIRD_TRANS, 0x0123456789ABC800);
	walk(&cfg, VA, DAT_FETCH, &res);
	assert_int_equal(res.level, DAT_LEVEL_REGION2);
	assert_int_equal(res.entry_addr, RSTE_ADDR);
	bemem_put(&mem, RSTE_ADDR, 0x1808B);
	expect_pic(&cfg, VA, DAT_FETCH, PGM_REGION_THIRD_TRANS, 0x0123456789ABC800);
	build_tables();
	bemem_put(&mem, RFTE_ADDR, 0x1404F);
	expect_pic(&cfg, VA, DAT_FETCH, PGM_REGION_SECOND_TRANS, 0x0123456789ABC800);
}

static void test_asce_checks(void **state)
{
	struct dat_config cfg = example_config();
	struct dat_result res;

	(void)state;
	cfg.asce = 0x18007;
	expect_pic(&cfg, VA, DAT_FETCH, PGM_ASCE_TYPE, 0x0123456789ABC800);
	walk(&cfg, VA, DAT_FETCH, &res);
	assert_int_equal(res.level, DAT_LEVEL_ASCE);
	assert_int_equal(res.nsteps, 0);
	cfg.asce = 0x1000C;
	expect_pic(&cfg, 0x8000000000000000UL, DAT_FETCH, PGM_REGION_FIRST_TRANS,
		   0x8000000000000800UL);
}

static void test_edat1_segment_frame(void **state)
{
	struct dat_config cfg = example_config();
	struct dat_result res;

	(void)state;
	bemem_put(&mem, STE_ADDR, 0x100400);
	assert_int_equal(walk(&cfg, VA, DAT_FETCH, &res), 0);
	assert_int_equal(res.abs, 0x1BCDEF);
	assert_true(res.large);
	assert_int_equal(res.level, DAT_LEVEL_SEGMENT);
	/* A large frame is absolute: the prefix does not apply. */
	cfg.prefix = 0x1BC000;
	expect_abs(&cfg, VA, DAT_FETCH, 0x1BCDEF);
	cfg.prefix = 0;
	cfg.edat = 0;
	expect_abs(&cfg, VA, DAT_FETCH, 0xDEF);
}

static void test_edat2_region_frame(void **state)
{
	struct dat_config cfg = example_config();
	struct dat_result res;

	(void)state;
	bemem_put(&mem, RTTE_ADDR, 0x180000404UL);
	assert_int_equal(walk(&cfg, VA, DAT_FETCH, &res), 0);
	assert_int_equal(res.abs, 0x189ABCDEFUL);
	assert_true(res.large);
	assert_int_equal(res.level, DAT_LEVEL_REGION3);
	assert_int_equal(res.nsteps, 3);
}

static void test_common_segment_in_private_space(void **state)
{
	struct dat_config cfg = example_config();

	(void)state;
	cfg.asce = 0x1010F;
	bemem_put(&mem, STE_ADDR, 0x20810);
	expect_pic(&cfg, VA, DAT_FETCH, PGM_TRANSLATION_SPEC, 0);
	/* The same common segment is fine in a non-private space. */
	cfg.asce = 0x1000F;
	expect_abs(&cfg, VA, DAT_FETCH, 0xABCDEF);
}

static void test_three_level_walk(void **state)
{
	struct dat_config cfg = example_config();
	struct dat_result res;

	(void)state;
	cfg.asce = 0x18007;
	assert_int_equal(walk(&cfg, 0x0000016789ABCDEFUL, DAT_FETCH, &res), 0);
	assert_int_equal(res.abs, 0xABCDEF);
	assert_int_equal(res.nsteps, 3);
	assert_int_equal(res.steps[0].addr, RTTE_ADDR);
}

static void test_real_space(void **state)
{
	struct dat_config cfg = example_config();
	struct dat_result res;

	(void)state;
	cfg.asce = 0x20;
	assert_int_equal(walk(&cfg, 0xABCDEF, DAT_STORE, &res), 0);
	assert_int_equal(res.abs, 0xABCDEF);
	assert_int_equal(res.nsteps, 0);
}

static void test_storage_size(void **state)
{
	struct dat_config cfg = example_config();
	struct dat_result res;

	(void)state;
	cfg.storage_size = 0xABC000;
	expect_pic(&cfg, VA, DAT_FETCH, PGM_ADDRESSING, 0);
	walk(&cfg, VA, DAT_FETCH, &res);
	assert_int_equal(res.level, -1);
	/* A table beyond the configuration is an addressing exception at its level. */
	cfg.storage_size = 0x20000;
	walk(&cfg, VA, DAT_FETCH, &res);
	assert_int_equal(res.pic, PGM_ADDRESSING);
	assert_int_equal(res.level, DAT_LEVEL_PTE);
	assert_int_equal(res.entry_addr, PTE_ADDR);
	/* DAT protection is reported before the final addressing check. */
	bemem_put(&mem, PTE_ADDR, 0xFFFFF200);
	cfg.storage_size = 0x200000;
	expect_pic(&cfg, VA, DAT_STORE, PGM_PROTECTION, 0x0123456789ABC404);
}

static void test_pte_bit55_reserved(void **state)
{
	struct dat_config cfg = example_config();

	(void)state;
	bemem_put(&mem, PTE_ADDR, 0xABC100);
	cfg.edat = 0;
	cfg.iep = false;
	expect_pic(&cfg, VA, DAT_FETCH, PGM_TRANSLATION_SPEC, 0);
	cfg.iep_installed = true;
	expect_abs(&cfg, VA, DAT_IFETCH, 0xABCDEF);
	cfg.iep_installed = false;
	cfg.edat = 1;
	expect_abs(&cfg, VA, DAT_IFETCH, 0xABCDEF);
}

static void test_low_address_protection(void **state)
{
	struct dat_config cfg = example_config();

	(void)state;
	cfg.asce = 0x20;
	cfg.lap = true;
	expect_pic(&cfg, 0x1FF, DAT_STORE, PGM_PROTECTION, 0x480);
	expect_pic(&cfg, 0x1000, DAT_STORE, PGM_PROTECTION, 0x1480);
	expect_abs(&cfg, 0x200, DAT_STORE, 0x200);
	expect_abs(&cfg, 0x1200, DAT_STORE, 0x1200);
	expect_abs(&cfg, 0x1FF, DAT_FETCH, 0x1FF);
	cfg.asce |= _ASCE_PRIVATE_SPACE;
	expect_abs(&cfg, 0x1FF, DAT_STORE, 0x1FF);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(dat_pic_name(PGM_SEGMENT_TRANSLATION), "segment-translation");
	assert_string_equal(dat_pic_name(PGM_REGION_THIRD_TRANS), "region-third-translation");
	assert_string_equal(dat_pic_name(0x99), "unknown");
	assert_string_equal(dat_level_name(DAT_LEVEL_REGION1), "region-first");
	assert_string_equal(dat_level_name(-1), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_indices),
		cmocka_unit_test_setup(test_base_walk, reset),
		cmocka_unit_test_setup(test_prefixing, reset),
		cmocka_unit_test_setup(test_page_protection, reset),
		cmocka_unit_test_setup(test_region_protection_needs_edat1, reset),
		cmocka_unit_test_setup(test_iep, reset),
		cmocka_unit_test_setup(test_page_invalid, reset),
		cmocka_unit_test_setup(test_translation_specification, reset),
		cmocka_unit_test_setup(test_table_length_and_offset, reset),
		cmocka_unit_test_setup(test_asce_checks, reset),
		cmocka_unit_test_setup(test_edat1_segment_frame, reset),
		cmocka_unit_test_setup(test_edat2_region_frame, reset),
		cmocka_unit_test_setup(test_common_segment_in_private_space, reset),
		cmocka_unit_test_setup(test_three_level_walk, reset),
		cmocka_unit_test_setup(test_real_space, reset),
		cmocka_unit_test_setup(test_storage_size, reset),
		cmocka_unit_test_setup(test_pte_bit55_reserved, reset),
		cmocka_unit_test_setup(test_low_address_protection, reset),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
