// SPDX-License-Identifier: GPL-2.0
/*
 * Unshadowing purges the TLBs before the tables go: every teardown of a shadow
 * level, of a whole shadow (gmap_unshadow(), a store to its top-level table,
 * the real-space shadow that is replaced) and the removal of a shadow nobody
 * references any more calls flush_all with the shadow's ASCE, and does so while
 * the tables being torn down are still live (not yet handed to the deferred
 * free). A TLB purged only after the tables were freed could have refilled from
 * them, or kept what they translated, while their memory was being reused.
 *
 * "Handed to the deferred free" is what the test can observe deterministically:
 * the shadow code counts a table as gone (tables_live) when it queues it for
 * freeing after an RCU grace period, and nothing orders that grace period after
 * a purge that comes later.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "shadowtest.h"
#include "gmap/shadow_internal.h"

/* A TLB that records the purges of one ASCE. */
struct tlb_probe {
	struct mm_tlb_listener l;
	unsigned long asce;	  /* the shadow's ASCE */
	int flushes;		  /* flush_all calls for it */
	unsigned long live_first; /* tables_live at the first of them */
	int other_flushes;	  /* flush_all calls for other ASCEs */
	pte_t *ipte_ptep;	  /* the last PTE purged with an IPTE */
	unsigned long ipte_pte;	  /* its value then */
};

static unsigned long tables_live(void)
{
	struct gmap_shadow_stats st;

	gmap_shadow_get_stats(&st);
	return st.tables_live;
}

static void probe_ipte(struct mm_tlb_listener *l, struct mm_struct *mm, unsigned long addr,
		       pte_t *ptep)
{
	struct tlb_probe *p = caa_container_of(l, struct tlb_probe, l);

	(void)mm;
	(void)addr;
	p->ipte_ptep = ptep;
	p->ipte_pte = __atomic_load_n(&ptep->pte, __ATOMIC_RELAXED);
}

static void probe_flush_all(struct mm_tlb_listener *l, struct mm_struct *mm, unsigned long asce)
{
	struct tlb_probe *p = caa_container_of(l, struct tlb_probe, l);

	(void)mm;
	if (asce != p->asce) {
		p->other_flushes++;
		return;
	}
	if (!p->flushes++)
		p->live_first = tables_live();
}

static struct tlb_probe probe;

static void probe_start(struct g2 *g, struct gmap *sg)
{
	memset(&probe, 0, sizeof(probe));
	probe.l.ipte = probe_ipte;
	probe.l.flush_all = probe_flush_all;
	probe.asce = sg->asce;
	assert_int_equal(mm_register_tlb_listener(g->mm, &probe.l), 0);
}

static void probe_stop(struct g2 *g)
{
	mm_unregister_tlb_listener(g->mm, &probe.l);
}

/*
 * The probe saw a purge of the shadow's ASCE while @live tables were still
 * live, and afterwards @freed of them are gone.
 */
static void assert_purged_before_freed(unsigned long live, unsigned long freed)
{
	assert_true(probe.flushes >= 1);
	assert_int_equal(probe.live_first, live);
	assert_int_equal(tables_live(), live - freed);
}

static int setup(void **state)
{
	struct g2 *g = calloc(1, sizeof(*g));

	if (!g || g2_create(g))
		return -1;
	g2_build_chain(g);
	*state = g;
	return 0;
}

static int teardown(void **state)
{
	struct g2 *g = *state;

	g2_destroy(g);
	free(g);
	assert_int_equal(tables_live(), 0);
	return 0;
}

/* A shadow of ASCE_R1 with all four levels below the top built for G3_ADDR. */
static struct gmap *full_shadow(struct g2 *g)
{
	struct gmap *sg = gmap_shadow(g->parent, ASCE_R1, 0);

	assert_false(IS_ERR_OR_NULL(sg));
	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	assert_int_equal(tables_live(), 4);
	return sg;
}

static void test_each_level_purges_before_freeing(void **state)
{
	static void (*const unshadow[])(struct gmap *, unsigned long) = {
		gmap_unshadow_pgt,
		gmap_unshadow_sgt,
		gmap_unshadow_r3t,
		gmap_unshadow_r2t,
	};
	struct g2 *g = *state;

	for (unsigned long lv = 0; lv < 4; lv++) {
		struct gmap *sg = full_shadow(g);

		probe_start(g, sg);
		spin_lock(&sg->guest_table_lock);
		unshadow[lv](sg, G3_ADDR);
		spin_unlock(&sg->guest_table_lock);
		probe_stop(g);
		/* The level and every table below it: 1 .. 4 tables. */
		assert_purged_before_freed(4, lv + 1);
		assert_int_equal(shadow_pte_of(sg, G3_ADDR), _PAGE_INVALID);
		/* Nothing there: no purge. */
		probe_start(g, sg);
		spin_lock(&sg->guest_table_lock);
		unshadow[lv](sg, G3_ADDR);
		spin_unlock(&sg->guest_table_lock);
		probe_stop(g);
		assert_int_equal(probe.flushes, 0);
		assert_int_equal(gmap_shadow_audit(sg, stderr), 0);
		gmap_put(sg);
		/* Start the next round without a shadow. */
		spin_lock(&sg->guest_table_lock);
		gmap_unshadow(sg);
		spin_unlock(&sg->guest_table_lock);
	}
}

static void test_unshadow_page_purges(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = full_shadow(g);
	unsigned long *ptep;

	spin_lock(&sg->guest_table_lock);
	ptep = gmap_table_walk(sg, G3_ADDR, DAT_LEVEL_PTE);
	spin_unlock(&sg->guest_table_lock);
	probe_start(g, sg);
	spin_lock(&sg->guest_table_lock);
	gmap_unshadow_page(sg, G3_ADDR);
	spin_unlock(&sg->guest_table_lock);
	probe_stop(g);
	/* A single PTE is purged with an IPTE, while it still holds the frame; no table goes. */
	assert_ptr_equal(probe.ipte_ptep, ptep);
	assert_int_equal(probe.ipte_pte & PAGE_MASK, g2_frame(g, G2_DATA + 5 * PAGE_SIZE));
	assert_int_equal(shadow_pte_of(sg, G3_ADDR), _PAGE_INVALID);
	assert_int_equal(tables_live(), 4);
	gmap_put(sg);
}

static void test_gmap_unshadow_purges_before_freeing(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = full_shadow(g);

	probe_start(g, sg);
	spin_lock(&sg->guest_table_lock);
	gmap_unshadow(sg);
	spin_unlock(&sg->guest_table_lock);
	probe_stop(g);
	assert_purged_before_freed(4, 4);
	assert_true(sg->removed);
	gmap_put(sg);
}

static void test_store_to_top_level_purges_before_freeing(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = full_shadow(g);

	probe_start(g, sg);
	assert_int_equal(g2_put(g, G2_R1T + 2 * PAGE_SIZE, _REGION1_ENTRY_EMPTY), 0);
	probe_stop(g);
	assert_true(sg->removed);
	assert_purged_before_freed(4, 4);
	gmap_put(sg);
}

static void test_store_to_lower_table_purges_before_freeing(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = full_shadow(g);

	/* An unrelated entry of guest-2's segment table: the sgt and the pgt below it go. */
	probe_start(g, sg);
	assert_int_equal(g2_put(g, G2_SGT + 8, _SEGMENT_ENTRY_EMPTY), 0);
	probe_stop(g);
	assert_false(sg->removed);
	assert_purged_before_freed(4, 2);
	gmap_put(sg);
}

static void test_replaced_real_space_shadow_purges_before_freeing(void **state)
{
	struct g2 *g = *state;
	struct gmap *a = gmap_shadow(g->parent, _ASCE_REAL_SPACE, 0), *b;

	assert_false(IS_ERR_OR_NULL(a));
	assert_int_equal(shadow_fault_retry(a, 0x5000), 0);
	/* Fake r2t, r3t, sgt and pgt. */
	assert_int_equal(tables_live(), 4);
	probe_start(g, a);
	b = gmap_shadow(g->parent, _ASCE_REAL_SPACE | 0x1000, 0);
	probe_stop(g);
	assert_false(IS_ERR_OR_NULL(b));
	assert_true(a->removed);
	assert_purged_before_freed(4, 4);
	gmap_put(a);
	gmap_put(b);
}

static void test_last_reference_purges_before_freeing(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = full_shadow(g);

	/* Off the children list: the caller's reference is the last one. */
	spin_lock(&g->parent->shadow_lock);
	cds_list_del_init(&sg->list);
	spin_unlock(&g->parent->shadow_lock);
	gmap_put(sg);
	probe_start(g, sg);
	gmap_put(sg);
	probe_stop(g);
	assert_purged_before_freed(4, 4);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_each_level_purges_before_freeing),
		T(test_unshadow_page_purges),
		T(test_gmap_unshadow_purges_before_freeing),
		T(test_store_to_top_level_purges_before_freeing),
		T(test_store_to_lower_table_purges_before_freeing),
		T(test_replaced_real_space_shadow_purges_before_freeing),
		T(test_last_reference_purges_before_freeing),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
