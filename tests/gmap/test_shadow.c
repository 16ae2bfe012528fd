// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow gmaps: creation and reuse, every shadow level built by the shadow
 * fault (with its program-interruption codes), EDAT and real-space fake
 * tables, protection propagation, exact unshadowing through the reverse maps,
 * and the kernel's bug classes as regression tests. Every test ends with the
 * audit and with everything freed (ASan's leak check).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "shadowfix.h"
#include "gmap/shadow_internal.h"

#define SADDR_R2  ((2UL << 42) | (3UL << 31) | (4UL << 20) | (5UL << 12))
#define SADDR_R3  ((3UL << 31) | (4UL << 20) | (5UL << 12))
#define SADDR_SEG ((4UL << 20) | (5UL << 12))

static int setup(void **state)
{
	shadow_build_hook = NULL;
	return g2_fixture_setup(state);
}

static int teardown(void **state)
{
	shadow_build_hook = NULL;
	return g2_fixture_teardown(state);
}

static void assert_maps(struct g2 *g, struct gmap *sg, unsigned long saddr, unsigned long paddr,
			bool prot)
{
	unsigned long pte = shadow_pte_of(sg, saddr);

	assert_false(pte & _PAGE_INVALID);
	assert_int_equal(pte & PAGE_MASK, g2_frame(g, paddr));
	assert_int_equal(!!(pte & _PAGE_PROTECT), prot);
}

static void assert_audit_clean(struct gmap *sg)
{
	assert_int_equal(gmap_shadow_audit(sg, stderr), 0);
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

static void test_create_reuse_and_references(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg, *again;
	int priv;

	g->parent->private = &priv;
	sg = shadow_ok(g, ASCE_R1, 0);
	assert_ptr_equal(sg->parent, g->parent);
	assert_ptr_equal(sg->private, &priv);
	assert_true(sg->initialized);
	assert_false(sg->removed);
	assert_int_equal(sg->orig_asce, ASCE_R1);
	assert_int_equal(sg->asce & _ASCE_TYPE_MASK, _ASCE_TYPE_REGION1);
	/* The children list's reference and the caller's. */
	assert_int_equal(atomic_load(&sg->ref_count), 2);
	assert_ptr_equal(cds_list_first_entry(&g->parent->children, struct gmap, list), sg);
	/* Top-level source pages: read-only in the parent, armed for VSIE. */
	for (unsigned long p = 0; p < 4; p++) {
		assert_true(mm_lookup_pte(g->mm, G2_HOST + G2_R1T + p * PAGE_SIZE) & _PAGE_PROTECT);
		assert_true(g2_pgste(g, G2_R1T + p * PAGE_SIZE) & PGSTE_VSIE_BIT);
	}
	again = gmap_shadow(g->parent, ASCE_R1, 0);
	assert_ptr_equal(again, sg);
	assert_int_equal(atomic_load(&sg->ref_count), 3);
	assert_true(gmap_shadow_valid(sg, ASCE_R1, 0));
	assert_false(gmap_shadow_valid(sg, ASCE_R1, 1));
	assert_false(gmap_shadow_valid(sg, ASCE_R1 ^ _ASCE_TABLE_LENGTH, 0));
	assert_false(gmap_shadow_valid(g->parent, ASCE_R1, 0));
	assert_false(gmap_shadow_valid(NULL, ASCE_R1, 0));
	/* Another EDAT level is another shadow. */
	again = shadow_ok(g, ASCE_R1, 2);
	assert_ptr_not_equal(again, sg);
	gmap_put(again);
	gmap_put(sg);
	gmap_put(sg);
	assert_int_equal(atomic_load(&sg->ref_count), 1);
}

static void test_find_shadow_while_being_created(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);

	spin_lock(&g->parent->shadow_lock);
	sg->initialized = false; /* as while another thread protects its top level */
	assert_ptr_equal(gmap_find_shadow(g->parent, ASCE_R1, 0), ERR_PTR(-EAGAIN));
	sg->initialized = true;
	assert_ptr_equal(gmap_find_shadow(g->parent, ASCE_R1, 0), sg);
	assert_null(gmap_find_shadow(g->parent, ASCE_R1, 1));
	spin_unlock(&g->parent->shadow_lock);
	assert_ptr_equal(gmap_shadow(g->parent, ASCE_R1, 0), sg);
	gmap_put(sg);
	gmap_put(sg);
	gmap_put(sg);
}

static void test_shadow_errors(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);

	assert_ptr_equal(gmap_shadow(NULL, ASCE_R1, 0), ERR_PTR(-EINVAL));
	assert_ptr_equal(gmap_shadow(sg, ASCE_R1, 0), ERR_PTR(-EINVAL));
	assert_ptr_equal(gmap_shadow(g->parent, ASCE_R1, 3), ERR_PTR(-EINVAL));
	assert_ptr_equal(gmap_shadow(g->parent, ASCE_R1, -1), ERR_PTR(-EINVAL));
	/* A top-level table beyond guest-2 memory cannot be protected. */
	assert_ptr_equal(gmap_shadow(g->parent, (G2_SIZE + 0x10000) | _ASCE_TYPE_REGION1, 0),
			 ERR_PTR(-EFAULT));
	assert_int_equal(gmap_shadow_r2t(g->parent, 0, G2_R2T, 0), -EINVAL);
	assert_int_equal(gmap_shadow_page(NULL, 0, __pte(0)), -EINVAL);
	assert_int_equal(gmap_protect_rmap(sg, 0, 0x123, PAGE_SIZE, PROT_READ), -EINVAL);
	assert_int_equal(gmap_protect_rmap(sg, 0, 0, PAGE_SIZE, 7), -EINVAL);
	assert_int_equal(gmap_protect_rmap(sg, 0, G2_SIZE, PAGE_SIZE, PROT_READ), -EFAULT);
	assert_int_equal(vsie_shadow_fault(g->parent, 0, NULL), -EINVAL);
	gmap_put(sg);
	/* vSIE is refused when the host may use 1 MiB segments. */
	mm_allow_gmap_hpage_1m(g->mm);
	assert_ptr_equal(gmap_shadow(g->parent, ASCE_R1 ^ 1, 0), ERR_PTR(-EFAULT));
}

/* The level functions called directly: what each refuses, and a missing upper level. */
static void test_level_functions_refuse(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 2);
	unsigned long r1e = G2_R2T | _REGION_ENTRY_TYPE_R1 | _REGION_ENTRY_LENGTH;

	mmap_read_lock(g->mm);
	/* No shadow gmap. */
	assert_int_equal(gmap_shadow_r3t(g->parent, G3_ADDR, G2_R3T, 0), -EINVAL);
	assert_int_equal(gmap_shadow_sgt(NULL, G3_ADDR, G2_SGT, 0), -EINVAL);
	assert_int_equal(gmap_shadow_pgt(g->parent, G3_ADDR, G2_PGT, 0), -EINVAL);
	/* Large entries are shadowed as fake tables, never as tables. */
	assert_int_equal(gmap_shadow_sgt(sg, G3_ADDR, _REGION3_ENTRY_LARGE, 0), -EINVAL);
	assert_int_equal(gmap_shadow_pgt(sg, G3_ADDR, _SEGMENT_ENTRY_LARGE, 0), -EINVAL);
	/* A table offset beyond its length designates nothing. */
	assert_int_equal(gmap_shadow_r2t(sg, G3_ADDR, (r1e & ~_REGION_ENTRY_LENGTH) | 0xc0, 0),
			 -EINVAL);
	/* The level above is not there yet: -EAGAIN, nothing built. */
	assert_int_equal(gmap_shadow_r3t(sg, G3_ADDR, G2_R3T | _REGION_ENTRY_TYPE_R2 | 3, 0),
			 -EAGAIN);
	assert_int_equal(gmap_shadow_pgt(sg, G3_ADDR, G2_PGT, 0), -EAGAIN);
	/* Built top down, each level is there once; again it is 0. */
	assert_int_equal(gmap_shadow_r2t(sg, G3_ADDR, r1e, 0), 0);
	assert_int_equal(gmap_shadow_r2t(sg, G3_ADDR, r1e, 0), 0);
	mmap_read_unlock(g->mm);
	assert_audit_clean(sg);
	gmap_put(sg);
}

static void test_one_real_space_shadow_per_parent(void **state)
{
	struct g2 *g = *state;
	unsigned long real1 = _ASCE_REAL_SPACE, real2 = _ASCE_REAL_SPACE | 0x1000;
	struct gmap *a = shadow_ok(g, real1, 0), *b;

	assert_int_equal(shadow_fault_retry(a, 0x5000), 0);
	assert_maps(g, a, 0x5000, 0x5000, false);
	b = shadow_ok(g, real2, 0);
	/* The first one was removed and its tables torn down. */
	assert_true(a->removed);
	assert_int_equal(shadow_pte_of(a, 0x5000), _PAGE_INVALID);
	assert_false(gmap_shadow_valid(a, real1, 0));
	assert_ptr_equal(cds_list_first_entry(&g->parent->children, struct gmap, list), b);
	assert_ptr_equal(b->list.next, &g->parent->children);
	assert_int_equal(atomic_load(&a->ref_count), 1);
	gmap_put(a);
	gmap_put(b);
}

static struct g2 *store_race_g2;
static bool store_race_listed;

static void store_during_creation(struct gmap *sg, unsigned long saddr, int level)
{
	struct gmap *child;

	(void)saddr;
	if (level != DAT_LEVEL_ASCE)
		return;
	spin_lock(&sg->parent->shadow_lock);
	cds_list_for_each_entry(child, &sg->parent->children, list) store_race_listed |=
		child == sg;
	spin_unlock(&sg->parent->shadow_lock);
	assert_int_equal(g2_put(store_race_g2, G2_R1T + 0x100, 0), 0);
}

/*
 * The top-level source is protected after the shadow is listed: a store that
 * lands right after the protection finds the shadow and removes it.
 */
static void test_store_while_creating_removes_the_new_shadow(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg;

	store_race_g2 = g;
	store_race_listed = false;
	shadow_build_hook = store_during_creation;
	sg = shadow_ok(g, ASCE_R1, 0);
	shadow_build_hook = NULL;
	assert_true(store_race_listed);
	assert_true(sg->removed);
	assert_false(gmap_shadow_valid(sg, ASCE_R1, 0));
	assert_true(cds_list_empty(&g->parent->children));
	gmap_put(sg);
	/* The next request builds a new one from the new contents. */
	sg = shadow_ok(g, ASCE_R1, 0);
	assert_false(sg->removed);
	gmap_put(sg);
}

/* A shadow that outlives its parent's removal translates nothing and keeps the parent. */
static void test_parent_removed_under_a_held_shadow(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);

	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	gmap_remove(g->parent);
	assert_true(sg->removed);
	assert_int_equal(shadow_pte_of(sg, G3_ADDR), _PAGE_INVALID);
	assert_int_equal(vsie_shadow_fault(sg, G3_ADDR, NULL), -EAGAIN);
	assert_int_equal(gmap_shadow_audit(sg, NULL), 0);
	gmap_put(sg); /* the last reference: frees the shadow and drops the parent's */
	/* The fixture's teardown removes a parent of its own. */
	g->parent = gmap_create(g->mm, (1UL << 42) - 1);
	assert_non_null(g->parent);
}

/* ---- the shadow fault at every level ------------------------------------------------------ */

static void test_every_asce_type(void **state)
{
	static const struct {
		unsigned long asce, saddr;
	} cases[] = {
		{ ASCE_R1, G3_ADDR },
		{ G2_R2T | _ASCE_TYPE_REGION2 | _ASCE_TABLE_LENGTH, SADDR_R2 },
		{ G2_R3T | _ASCE_TYPE_REGION3 | _ASCE_TABLE_LENGTH, SADDR_R3 },
		{ G2_SGT | _ASCE_TYPE_SEGMENT | _ASCE_TABLE_LENGTH, SADDR_SEG },
	};
	struct g2 *g = *state;
	struct gmap_shadow_stats before, after;

	for (unsigned int i = 0; i < 4; i++) {
		struct gmap *sg = shadow_ok(g, cases[i].asce, 0);
		unsigned long datptr = 0;

		gmap_shadow_get_stats(&before);
		assert_int_equal(vsie_shadow_fault(sg, cases[i].saddr, &datptr), 0);
		assert_int_equal(datptr, G2_PGT + 5 * 8);
		assert_maps(g, sg, cases[i].saddr, G2_DATA + 5 * PAGE_SIZE, false);
		gmap_shadow_get_stats(&after);
		assert_int_equal(after.pg_entries - before.pg_entries, 1);
		assert_int_equal(after.sg_entries - before.sg_entries, 1);
		assert_int_equal(after.r3_entries - before.r3_entries, i < 3);
		assert_int_equal(after.r2_entries - before.r2_entries, i < 2);
		assert_int_equal(after.r1_entries - before.r1_entries, i < 1);
		/* The fast path: only the last level is walked; nothing new is built. */
		assert_int_equal(vsie_shadow_fault(sg, cases[i].saddr + PAGE_SIZE, NULL), 0);
		assert_maps(g, sg, cases[i].saddr + PAGE_SIZE, G2_DATA + 6 * PAGE_SIZE, false);
		gmap_shadow_get_stats(&before);
		assert_int_equal(before.sg_entries, after.sg_entries);
		assert_audit_clean(sg);
		gmap_put(sg);
	}
}

/* Only the pages of a source table between its TF and TL are protected. */
static void test_table_offset_and_length_bound_the_protection(void **state)
{
	struct g2 *g = *state;
	unsigned long saddr =
		(1UL << 53) | (0x202UL << 42) | (3UL << 31) | (4UL << 20) | (5UL << 12);
	struct gmap *sg;

	assert_int_equal(g2_put(g, G2_R1T + 8, G2_R2T | _REGION_ENTRY_TYPE_R1 | 0x40 | 2), 0);
	assert_int_equal(g2_put(g, G2_R2T + 0x202 * 8, G2_R3T | _REGION_ENTRY_TYPE_R2 | 3), 0);
	sg = shadow_ok(g, ASCE_R1, 0);
	assert_int_equal(shadow_fault_retry(sg, saddr), 0);
	assert_maps(g, sg, saddr, G2_DATA + 5 * PAGE_SIZE, false);
	for (unsigned long p = 0; p < 4; p++) {
		bool watched = p == 1 || p == 2;

		assert_int_equal(!!(g2_pgste(g, G2_R2T + p * PAGE_SIZE) & PGSTE_VSIE_BIT), watched);
		assert_int_equal(
			!!(mm_lookup_pte(g->mm, G2_HOST + G2_R2T + p * PAGE_SIZE) & _PAGE_PROTECT),
			watched);
	}
	/* rsx top bits 0 lie before TF: region-second translation. */
	assert_int_equal(vsie_shadow_fault(sg, G3_ADDR, NULL), PGM_REGION_SECOND_TRANS);
	/* A store outside TF..TL leaves the shadow alone; inside, the r3t goes. */
	assert_int_equal(g2_put(g, G2_R2T + 8, 0), 0);
	assert_false(shadow_pte_of(sg, saddr) & _PAGE_INVALID);
	assert_int_equal(g2_put(g, G2_R2T + PAGE_SIZE + 8, 0), 0);
	assert_int_equal(shadow_pte_of(sg, saddr), _PAGE_INVALID);
	assert_audit_clean(sg);
	gmap_put(sg);
}

static void test_lookup_fast_path(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);
	unsigned long pgt;
	int prot, fake;

	assert_int_equal(gmap_shadow_pgt_lookup(sg, G3_ADDR, &pgt, &prot, &fake), -EAGAIN);
	assert_int_equal(vsie_shadow_fault(sg, G3_ADDR, NULL), 0);
	assert_int_equal(gmap_shadow_pgt_lookup(sg, G3_ADDR, &pgt, &prot, &fake), 0);
	assert_int_equal(pgt, G2_PGT);
	assert_int_equal(prot, 0);
	assert_int_equal(fake, 0);
	assert_int_equal(gmap_shadow_pgt_lookup(sg, G3_ADDR, NULL, &prot, &fake), -EINVAL);
	gmap_put(sg);
}

/*
 * Break one entry of the chain, expect @pic from a shadow of ASCE_R1, restore
 * it. A shadow is taken after each store: a store to the top-level table
 * removes the one before.
 */
static void expect_pic(struct g2 *g, unsigned long paddr, unsigned long val, int pic)
{
	unsigned long old = g2_get(g, paddr);
	struct gmap *sg;

	assert_int_equal(g2_put(g, paddr, val), 0);
	sg = shadow_ok(g, ASCE_R1, 0);
	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), pic);
	assert_audit_clean(sg);
	gmap_put(sg);
	assert_int_equal(g2_put(g, paddr, old), 0);
}

static void test_program_interruption_codes(void **state)
{
	struct g2 *g = *state;
	unsigned long r1e = G2_R2T | _REGION_ENTRY_TYPE_R1 | _REGION_ENTRY_LENGTH;
	struct gmap *sg;

	expect_pic(g, G2_R1T + 8, _REGION1_ENTRY_EMPTY, PGM_REGION_FIRST_TRANS);
	expect_pic(g, G2_R1T + 8, G2_R2T | _REGION_ENTRY_TYPE_R2 | 3, PGM_TRANSLATION_SPEC);
	/* rsx 2 has top bits 0: a table offset of 1 excludes it. */
	expect_pic(g, G2_R1T + 8, r1e | 0x40, PGM_REGION_SECOND_TRANS);
	expect_pic(g, G2_R2T + 16, _REGION2_ENTRY_EMPTY, PGM_REGION_SECOND_TRANS);
	expect_pic(g, G2_R3T + 24, _REGION3_ENTRY_EMPTY, PGM_REGION_THIRD_TRANS);
	expect_pic(g, G2_SGT + 32, _SEGMENT_ENTRY_EMPTY, PGM_SEGMENT_TRANSLATION);
	expect_pic(g, G2_SGT + 32, G2_PGT | _REGION_ENTRY_TYPE_R3, PGM_TRANSLATION_SPEC);
	expect_pic(g, G2_PGT + 40, _PAGE_INVALID, PGM_PAGE_TRANSLATION);
	expect_pic(g, G2_PGT + 40, G2_DATA | _PAGE_LARGE, PGM_TRANSLATION_SPEC);
	/* A table outside guest-2 memory: -EFAULT (vSIE turns it into an addressing exception). */
	expect_pic(g, G2_PGT + 40, G2_SIZE + PAGE_SIZE, -EFAULT);
	expect_pic(g, G2_SGT + 32, G2_SIZE, -EFAULT);
	/* Beyond the ASCE's table length: rfx 0x600 has top bits 3 > TL 2. */
	sg = shadow_ok(g, ASCE_R1 - 1, 0);
	assert_int_equal(vsie_shadow_fault(sg, 0x600UL << 53, NULL), PGM_REGION_FIRST_TRANS);
	gmap_put(sg);
	/* A segment-table ASCE cannot translate an address of 2 GiB or more. */
	sg = shadow_ok(g, G2_SGT | _ASCE_TYPE_SEGMENT | 3, 0);
	assert_int_equal(vsie_shadow_fault(sg, 1UL << 31, NULL), PGM_ASCE_TYPE);
	gmap_put(sg);
}

static void test_datptr_names_the_failing_entry(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);
	unsigned long datptr = 0;

	assert_int_equal(g2_put(g, G2_SGT + 32, _SEGMENT_ENTRY_EMPTY | _SEGMENT_ENTRY_PROTECT), 0);
	assert_int_equal(vsie_shadow_fault(sg, G3_ADDR, &datptr), PGM_SEGMENT_TRANSLATION);
	assert_int_equal(datptr, (G2_SGT + 32) | VSIE_PEI_NOT_PTE);
	assert_int_equal(g2_put(g, G2_SGT + 32, G2_PGT | _SEGMENT_ENTRY_PROTECT), 0);
	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	assert_int_equal(vsie_shadow_fault(sg, G3_ADDR, &datptr), 0);
	assert_int_equal(datptr, (G2_PGT + 40) | VSIE_PEI_DAT_PROT);
	gmap_put(sg);
}

/* ---- protection and fake tables ----------------------------------------------------------- */

static void test_dat_protection_propagates(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg;

	/* Page P. */
	assert_int_equal(g2_put(g, G2_PGT + 40, (G2_DATA + 5 * PAGE_SIZE) | _PAGE_PROTECT), 0);
	sg = shadow_ok(g, ASCE_R1, 0);
	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	assert_maps(g, sg, G3_ADDR, G2_DATA + 5 * PAGE_SIZE, true);
	assert_maps(g, sg, G3_ADDR, G2_DATA + 5 * PAGE_SIZE, true);
	gmap_put(sg);
	/* Region P counts only with EDAT-1. */
	assert_int_equal(
		g2_put(g, G2_R2T + 16, G2_R3T | _REGION_ENTRY_TYPE_R2 | 3 | _REGION_ENTRY_PROTECT),
		0);
	for (int edat = 0; edat <= 1; edat++) {
		sg = shadow_ok(g, ASCE_R1, edat);
		assert_int_equal(shadow_fault_retry(sg, G3_ADDR + PAGE_SIZE), 0);
		assert_maps(g, sg, G3_ADDR + PAGE_SIZE, G2_DATA + 6 * PAGE_SIZE, edat == 1);
		assert_audit_clean(sg);
		gmap_put(sg);
	}
	/* Segment P always. */
	assert_int_equal(g2_put(g, G2_SGT + 32, G2_PGT | _SEGMENT_ENTRY_PROTECT), 0);
	sg = shadow_ok(g, ASCE_R1, 0);
	assert_int_equal(shadow_fault_retry(sg, G3_ADDR + 2 * PAGE_SIZE), 0);
	assert_maps(g, sg, G3_ADDR + 2 * PAGE_SIZE, G2_DATA + 7 * PAGE_SIZE, true);
	assert_audit_clean(sg);
	gmap_put(sg);
}

static void test_edat1_segment_frame(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 1);
	struct gmap_shadow_stats st;
	unsigned long rmaps;

	assert_int_equal(g2_put(g, G2_SGT + 32, 0x1000000UL | _SEGMENT_ENTRY_LARGE), 0);
	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	assert_maps(g, sg, G3_ADDR, 0x1000000UL + 5 * PAGE_SIZE, false);
	gmap_shadow_get_stats(&st);
	rmaps = st.rmaps_live;
	/* The fake page table needs no source protection: one more page, one more rmap only. */
	assert_int_equal(shadow_fault_retry(sg, G3_ADDR + 0x80000), 0);
	assert_maps(g, sg, G3_ADDR + 0x80000, 0x1080000UL + 5 * PAGE_SIZE, false);
	gmap_shadow_get_stats(&st);
	assert_int_equal(st.rmaps_live, rmaps + 1);
	assert_audit_clean(sg);
	gmap_put(sg);
	/* Without EDAT-1 the bit is not a frame: the origin is a page table again. */
	sg = shadow_ok(g, ASCE_R1, 0);
	assert_int_equal(g2_put(g, G2_SGT + 32, G2_PGT | _SEGMENT_ENTRY_LARGE), 0);
	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	assert_maps(g, sg, G3_ADDR, G2_DATA + 5 * PAGE_SIZE, false);
	gmap_put(sg);
}

static void test_edat2_region_frame(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 2);

	/* A 2 GiB frame at 0 (guest-2 memory is its first 64 MiB), protected. */
	assert_int_equal(
		g2_put(g, G2_R3T + 24,
		       _REGION_ENTRY_TYPE_R3 | _REGION3_ENTRY_LARGE | _REGION_ENTRY_PROTECT),
		0);
	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	assert_maps(g, sg, G3_ADDR, (4UL << 20) + 5 * PAGE_SIZE, true);
	assert_audit_clean(sg);
	gmap_put(sg);
}

static void test_real_space_maps_everything_one_to_one(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, _ASCE_REAL_SPACE, 0);
	unsigned long pgt;
	int prot, fake;

	assert_int_equal(shadow_fault_retry(sg, 0x3456000), 0);
	assert_maps(g, sg, 0x3456000, 0x3456000, false);
	assert_int_equal(gmap_shadow_pgt_lookup(sg, 0x3456000, &pgt, &prot, &fake), 0);
	assert_int_equal(pgt, 0x3400000);
	assert_int_equal(fake, 1);
	/* Beyond guest-2 memory. */
	assert_int_equal(shadow_fault_retry(sg, G2_SIZE), -EFAULT);
	assert_audit_clean(sg);
	gmap_put(sg);
}

/* ---- invalidation ------------------------------------------------------------------------- */

static void test_store_to_top_level_removes_the_shadow(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);
	struct gmap_shadow_stats st;

	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	/* A store to an unrelated entry of the top-level table's last page. */
	assert_int_equal(g2_put(g, G2_R1T + 3 * PAGE_SIZE + 8, _REGION1_ENTRY_EMPTY), 0);
	assert_true(sg->removed);
	assert_false(gmap_shadow_valid(sg, ASCE_R1, 0));
	assert_true(cds_list_empty(&g->parent->children));
	assert_int_equal(atomic_load(&sg->ref_count), 1);
	assert_int_equal(shadow_pte_of(sg, G3_ADDR), _PAGE_INVALID);
	assert_int_equal(vsie_shadow_fault(sg, G3_ADDR, NULL), -EAGAIN);
	assert_int_equal(gmap_shadow_audit(sg, NULL), 0);
	gmap_shadow_get_stats(&st);
	assert_int_equal(st.tables_live, 0);
	gmap_put(sg);
	/* Beyond the ASCE's table length the page is not watched. */
	sg = shadow_ok(g, ASCE_R1 & ~_ASCE_TABLE_LENGTH, 0);
	assert_int_equal(g2_put(g, G2_R1T + PAGE_SIZE, 0), 0);
	assert_false(sg->removed);
	gmap_put(sg);
}

/*
 * Two guest-3 pages in different segments under the same region-third entry:
 * a store to one page table removes exactly that segment's shadow.
 */
static void test_store_to_page_table_removes_only_its_subtree(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);
	unsigned long other = G3_ADDR + _SEGMENT_SIZE; /* sx 5 */

	assert_int_equal(g2_put(g, G2_SGT + 40, G2_PGT + 0x800), 0);
	for (unsigned long i = 0; i < 256; i++)
		assert_int_equal(g2_put(g, G2_PGT + 0x800 + 8 * i, G2_DATA + 0x100000 + i * 4096),
				 0);
	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	assert_int_equal(shadow_fault_retry(sg, other), 0);
	/* The two 2 KiB tables share a 4 KiB page: a store to it takes both segments. */
	assert_int_equal(g2_put(g, G2_PGT + 0x800 + 6 * 8, G2_DATA), 0);
	assert_int_equal(shadow_pte_of(sg, G3_ADDR), _PAGE_INVALID);
	assert_int_equal(shadow_pte_of(sg, other), _PAGE_INVALID);
	/* The segment table above them survives. */
	spin_lock(&sg->guest_table_lock);
	assert_non_null(gmap_table_walk(sg, G3_ADDR, DAT_LEVEL_SEGMENT));
	assert_false(*gmap_table_walk(sg, G3_ADDR, DAT_LEVEL_REGION3) & _REGION_ENTRY_INVALID);
	assert_int_equal(*gmap_table_walk(sg, G3_ADDR, DAT_LEVEL_SEGMENT), _SEGMENT_ENTRY_EMPTY);
	spin_unlock(&sg->guest_table_lock);
	assert_audit_clean(sg);
	/* Built again from the new contents. */
	assert_int_equal(shadow_fault_retry(sg, other + PAGE_SIZE), 0);
	assert_maps(g, sg, other + PAGE_SIZE, G2_DATA, false);
	assert_audit_clean(sg);
	gmap_put(sg);
}

static void test_store_to_segment_table_keeps_region_levels(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);
	struct gmap_shadow_stats before, after;

	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	gmap_shadow_get_stats(&before);
	/* An unrelated entry of the same segment table (its first page). */
	assert_int_equal(g2_put(g, G2_SGT + 8, _SEGMENT_ENTRY_EMPTY), 0);
	gmap_shadow_get_stats(&after);
	assert_int_equal(after.unshadow_sgt - before.unshadow_sgt, 1);
	assert_int_equal(after.unshadow_pgt - before.unshadow_pgt, 1);
	assert_int_equal(after.unshadow_r3t, before.unshadow_r3t);
	spin_lock(&sg->guest_table_lock);
	assert_int_equal(*gmap_table_walk(sg, G3_ADDR, DAT_LEVEL_REGION3), _REGION3_ENTRY_EMPTY);
	assert_false(*gmap_table_walk(sg, G3_ADDR, DAT_LEVEL_REGION2) & _REGION_ENTRY_INVALID);
	spin_unlock(&sg->guest_table_lock);
	assert_audit_clean(sg);
	gmap_put(sg);
}

static void test_host_events_on_data_pages(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);
	unsigned long a = G3_ADDR, b = G3_ADDR + PAGE_SIZE;

	assert_int_equal(shadow_fault_retry(sg, a), 0);
	assert_int_equal(shadow_fault_retry(sg, b), 0);
	assert_int_equal(mm_migrate_page(g->mm, G2_HOST + G2_DATA + 5 * PAGE_SIZE), 0);
	assert_int_equal(shadow_pte_of(sg, a), _PAGE_INVALID);
	assert_false(shadow_pte_of(sg, b) & _PAGE_INVALID);
	assert_int_equal(mm_page_out(g->mm, G2_HOST + G2_DATA + 6 * PAGE_SIZE), 0);
	assert_int_equal(shadow_pte_of(sg, b), _PAGE_INVALID);
	assert_int_equal(shadow_fault_retry(sg, a), 0);
	assert_maps(g, sg, a, G2_DATA + 5 * PAGE_SIZE, false);
	/* A read-only host mapping: a writable shadow PTE must go. */
	assert_int_equal(
		mm_mprotect(g->mm, G2_HOST + G2_DATA + 5 * PAGE_SIZE, PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(shadow_pte_of(sg, a), _PAGE_INVALID);
	/* Guest-2 writable, host read-only: the fault cannot give write access. */
	assert_int_equal(vsie_shadow_fault(sg, a, NULL), -EFAULT);
	assert_audit_clean(sg);
	gmap_put(sg);
}

static void test_parent_unmap_segment_unshadows(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);

	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	/* Remap guest-2's data segment elsewhere in the host. */
	assert_int_equal(mm_mmap(g->mm, G2_HOST + G2_SIZE, _SEGMENT_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
			 G2_HOST + G2_SIZE);
	assert_int_equal(gmap_map_segment(g->parent, G2_HOST + G2_SIZE, G2_DATA, _SEGMENT_SIZE), 0);
	assert_int_equal(shadow_pte_of(sg, G3_ADDR), _PAGE_INVALID);
	assert_audit_clean(sg);
	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	assert_int_equal(shadow_pte_of(sg, G3_ADDR) & PAGE_MASK,
			 mm_lookup_pte(g->mm, G2_HOST + G2_SIZE + 5 * PAGE_SIZE) & PAGE_MASK);
	/* Unmapping the segment that holds guest-2's tables removes the whole shadow. */
	assert_int_equal(gmap_unmap_segment(g->parent, G2_R1T & _SEGMENT_MASK, _SEGMENT_SIZE), 0);
	assert_true(sg->removed);
	gmap_put(sg);
}

/* The self-test fault: a skipped unshadow leaves exactly what the audit reports. */
static void test_injected_stale_entry_is_caught(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);

	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	assert_audit_clean(sg);
	gmap_shadow_inject_stale(1);
	assert_int_equal(mm_migrate_page(g->mm, G2_HOST + G2_DATA + 5 * PAGE_SIZE), 0);
	assert_int_equal(gmap_shadow_audit(sg, NULL), 1);
	gmap_shadow_inject_stale(0);
	gmap_put(sg);
}

/* ---- reverse maps ------------------------------------------------------------------------- */

static unsigned long rmaps_of(struct gmap *sg, unsigned long vmaddr)
{
	unsigned long head, n = 0;

	spin_lock(&sg->guest_table_lock);
	if (ulmap_lookup(sg->host_to_rmap, vmaddr >> PAGE_SHIFT, &head))
		for (struct gmap_rmap *r = (struct gmap_rmap *)head; r; r = r->next)
			n++;
	spin_unlock(&sg->guest_table_lock);
	return n;
}

/* Kernel bug B4: shadowing the same page again and again grew the rmap list. */
static void test_duplicate_rmaps_are_suppressed(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);
	unsigned long raddr = (G3_ADDR & _SEGMENT_MASK) | _SHADOW_RMAP_SEGMENT;

	mmap_read_lock(g->mm);
	for (int i = 0; i < 100; i++)
		assert_int_equal(gmap_protect_rmap(sg, raddr, G2_PGT, PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(gmap_protect_rmap(sg, raddr ^ 3, G2_PGT, PAGE_SIZE, PROT_READ), 0);
	mmap_read_unlock(g->mm);
	assert_int_equal(rmaps_of(sg, G2_HOST + G2_PGT), 2);
	assert_true(mm_lookup_pte(g->mm, G2_HOST + G2_PGT) & _PAGE_PROTECT);
	/* A change of the page consumes them all at once. */
	assert_int_equal(g2_put(g, G2_PGT, 0), 0);
	assert_int_equal(rmaps_of(sg, G2_HOST + G2_PGT), 0);
	gmap_put(sg);
}

/* A range whose pages have the rmap listed in part: each page ends with one, nothing leaks. */
static void test_protect_rmap_range_with_some_duplicates(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);
	unsigned long raddr = (G3_ADDR & _SEGMENT_MASK) | _SHADOW_RMAP_SEGMENT;
	struct gmap_shadow_stats a, b;
	long live;

	mmap_read_lock(g->mm);
	assert_int_equal(gmap_protect_rmap(sg, raddr, G2_DATA + PAGE_SIZE, PAGE_SIZE, PROT_READ),
			 0);
	assert_int_equal(
		gmap_protect_rmap(sg, raddr, G2_DATA + 3 * PAGE_SIZE, PAGE_SIZE, PROT_READ), 0);
	gmap_shadow_get_stats(&a);
	assert_int_equal(gmap_protect_rmap(sg, raddr, G2_DATA, 4 * PAGE_SIZE, PROT_READ), 0);
	gmap_shadow_get_stats(&b);
	assert_int_equal(b.rmap_duplicates - a.rmap_duplicates, 2);
	assert_int_equal(b.rmaps_live - a.rmaps_live, 2);
	for (unsigned long i = 0; i < 4; i++)
		assert_int_equal(rmaps_of(sg, G2_HOST + G2_DATA + i * PAGE_SIZE), 1);
	/* All duplicates: the one rmap allocated is given back. */
	live = gm_alloc_live();
	assert_int_equal(gmap_protect_rmap(sg, raddr, G2_DATA, 4 * PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(gm_alloc_live(), live);
	mmap_read_unlock(g->mm);
	gmap_put(sg);
}

static void test_insert_rmap_without_preload_removes_the_shadow(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);
	struct gmap_rmap *rmap = gm_malloc(sizeof(*rmap));

	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	rmap->raddr = 0x1234000 | _SHADOW_RMAP_PGTABLE;
	spin_lock(&sg->guest_table_lock);
	gmap_insert_rmap(sg, 0x777000, rmap);
	spin_unlock(&sg->guest_table_lock);
	assert_true(sg->removed);
	assert_int_equal(shadow_pte_of(sg, G3_ADDR), _PAGE_INVALID);
	gmap_put(sg);
	/* With a preload it is inserted. */
	sg = shadow_ok(g, ASCE_R1, 1);
	rmap = gm_malloc(sizeof(*rmap));
	rmap->raddr = 0x1234000 | _SHADOW_RMAP_PGTABLE;
	assert_int_equal(gmap_rmap_preload(sg), 0);
	spin_lock(&sg->guest_table_lock);
	gmap_insert_rmap(sg, 0x777000, rmap);
	spin_unlock(&sg->guest_table_lock);
	gmap_rmap_preload_end();
	assert_false(sg->removed);
	assert_int_equal(rmaps_of(sg, 0x777000), 1);
	gmap_put(sg);
}

/* ---- races, replayed deterministically ---------------------------------------------------- */

static struct {
	struct gmap *sg;
	int level, calls, rc;
	enum { RACE_BUILD_SAME, RACE_UNSHADOW, RACE_STORE_TOP } kind;
	struct g2 *g;
} race;

static void race_hook(struct gmap *sg, unsigned long saddr, int level)
{
	if (level != race.level || race.calls++)
		return;
	switch (race.kind) {
	case RACE_BUILD_SAME:
		/* Another builder of the same entry. */
		race.rc = gmap_shadow_r3t(sg, saddr, G2_R3T | _REGION_ENTRY_TYPE_R2 | 3, 0);
		break;
	case RACE_UNSHADOW:
		spin_lock(&sg->guest_table_lock);
		gmap_unshadow_r3t(sg, saddr & _REGION2_MASK);
		spin_unlock(&sg->guest_table_lock);
		break;
	case RACE_STORE_TOP:
		race.rc = g2_put(race.g, G2_R1T, _REGION1_ENTRY_EMPTY);
		break;
	}
}

static void run_race(struct g2 *g, int kind, int level)
{
	memset(&race, 0, sizeof(race));
	race.kind = kind;
	race.level = level;
	race.g = g;
	race.rc = 1;
	shadow_build_hook = race_hook;
}

/* Kernel bug B3: two threads shadowing the same region-second entry. */
static void test_race_building_the_same_entry(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);

	run_race(g, RACE_BUILD_SAME, DAT_LEVEL_REGION2);
	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	assert_int_equal(race.calls, 1);
	/* The second builder saw "origin + INVALID" and backed off without touching it. */
	assert_int_equal(race.rc, -EAGAIN);
	assert_maps(g, sg, G3_ADDR, G2_DATA + 5 * PAGE_SIZE, false);
	assert_audit_clean(sg);
	gmap_put(sg);
}

/* Unshadow while shadowing: an entry torn down in its "being built" state. */
static void test_unshadow_while_building(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);
	struct gmap_shadow_stats before, after;

	gmap_shadow_get_stats(&before);
	run_race(g, RACE_UNSHADOW, DAT_LEVEL_REGION2);
	assert_int_equal(vsie_shadow_fault(sg, G3_ADDR, NULL), -EAGAIN);
	gmap_shadow_get_stats(&after);
	assert_int_equal(after.unshadow_r3t - before.unshadow_r3t, 1);
	shadow_build_hook = NULL;
	assert_audit_clean(sg);
	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	assert_audit_clean(sg);
	gmap_put(sg);
}

/* CVE-2023-52639's neighbour: the whole shadow goes while one of its levels is being built. */
static void test_shadow_removed_while_building(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);

	run_race(g, RACE_STORE_TOP, DAT_LEVEL_SEGMENT);
	assert_int_equal(vsie_shadow_fault(sg, G3_ADDR, NULL), -EAGAIN);
	assert_int_equal(race.rc, 0);
	assert_true(sg->removed);
	assert_int_equal(gmap_shadow_audit(sg, NULL), 0);
	gmap_put(sg);
}

/* Kernel bug B1: a region-first shadow must walk at the top of the address space. */
static void test_region_first_reaches_the_top(void **state)
{
	struct g2 *g = *state;
	unsigned long top = (0x7ffUL << 53) | (2UL << 42) | (3UL << 31) | (4UL << 20) | (5UL << 12);
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);

	assert_int_equal(g2_put(g, G2_R1T + 0x7ff * 8, G2_R2T | _REGION_ENTRY_TYPE_R1 | 3), 0);
	assert_true(sg->removed); /* that store changed the top-level table */
	gmap_put(sg);
	sg = shadow_ok(g, ASCE_R1, 0);
	assert_int_equal(shadow_fault_retry(sg, top), 0);
	assert_maps(g, sg, top, G2_DATA + 5 * PAGE_SIZE, false);
	spin_lock(&sg->guest_table_lock);
	assert_non_null(gmap_table_walk(sg, -1UL, DAT_LEVEL_REGION1));
	spin_unlock(&sg->guest_table_lock);
	gmap_put(sg);
}

/* ---- allocation failure ------------------------------------------------------------------- */

static void test_allocation_failure_at_every_step(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg;
	int rc, n;

	for (n = 1;; n++) {
		gm_alloc_fail_nth(n);
		sg = gmap_shadow(g->parent, ASCE_R1, 0);
		rc = IS_ERR(sg) ? (int)PTR_ERR(sg) : 0;
		if (!rc)
			rc = vsie_shadow_fault(sg, G3_ADDR, NULL);
		gm_alloc_fail_nth(0);
		if (!IS_ERR(sg)) {
			assert_int_equal(gmap_shadow_audit(sg, stderr), 0);
			/* After the failure everything still works. */
			assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
			assert_audit_clean(sg);
			gmap_put(sg);
			/* Start the next round with no shadow at all. */
			spin_lock(&g->parent->shadow_lock);
			sg = cds_list_first_entry(&g->parent->children, struct gmap, list);
			spin_unlock(&g->parent->shadow_lock);
			spin_lock(&sg->guest_table_lock);
			gmap_unshadow(sg);
			spin_unlock(&sg->guest_table_lock);
		} else {
			assert_int_equal(rc, -ENOMEM);
		}
		if (rc == 0)
			break;
		assert_true(rc == -ENOMEM || rc == -EAGAIN);
	}
	assert_true(n > 10);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_create_reuse_and_references),
		T(test_find_shadow_while_being_created),
		T(test_shadow_errors),
		T(test_level_functions_refuse),
		T(test_one_real_space_shadow_per_parent),
		T(test_store_while_creating_removes_the_new_shadow),
		T(test_parent_removed_under_a_held_shadow),
		T(test_table_offset_and_length_bound_the_protection),
		T(test_every_asce_type),
		T(test_lookup_fast_path),
		T(test_program_interruption_codes),
		T(test_datptr_names_the_failing_entry),
		T(test_dat_protection_propagates),
		T(test_edat1_segment_frame),
		T(test_edat2_region_frame),
		T(test_real_space_maps_everything_one_to_one),
		T(test_store_to_top_level_removes_the_shadow),
		T(test_store_to_page_table_removes_only_its_subtree),
		T(test_store_to_segment_table_keeps_region_levels),
		T(test_host_events_on_data_pages),
		T(test_parent_unmap_segment_unshadows),
		T(test_injected_stale_entry_is_caught),
		T(test_duplicate_rmaps_are_suppressed),
		T(test_protect_rmap_range_with_some_duplicates),
		T(test_insert_rmap_without_preload_removes_the_shadow),
		T(test_race_building_the_same_entry),
		T(test_unshadow_while_building),
		T(test_shadow_removed_while_building),
		T(test_region_first_reaches_the_top),
		T(test_allocation_failure_at_every_step),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
