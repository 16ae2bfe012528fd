// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow-gmap bugs found by the stress test, replayed deterministically.
 *
 * Restricting a parent page that a shadow PTE maps: when a guest-2 page that
 * guest-2 maps writable into guest-3 later becomes the source of a shadow table
 * (gmap_protect_rmap(), or a top-level table protected by gmap_shadow()), the
 * parent write-protects it. The shadow PTE that maps it writable must go then,
 * as it goes on every other change of the parent PTE: otherwise guest-3 keeps
 * writing, straight into the frame, a page whose stores are supposed to
 * unshadow what was built from it, and the shadow translates with tables
 * guest-2 no longer has.
 *
 * The region-third FC bit without EDAT-2: the architecture ignores it (the
 * entry designates a segment table as usual), but the shadow fault passed it
 * on to gmap_shadow_sgt(), which refuses a large entry (-EINVAL).
 *
 * Unmapping the parent segment that holds a shadow's top-level table, when
 * only the children list holds the shadow: gmap_shadow_segment_gone() notified
 * the shadow once per page of the segment, and the first notification removed
 * it and dropped the list's reference, which freed it under the loop
 * (use-after-free).
 *
 * A shadow whose top-level table could not be protected: gmap_shadow() took it
 * off the children list and answered -EFAULT, but left it valid (not removed).
 * Whoever had found it on the list meanwhile (a notification, an audit) held a
 * shadow that gmap_shadow_valid() accepted while nothing watched its tables.
 *
 * A guest-2 entry that changes between the shadow fault's read of it and the
 * shadow entry built from it: the store unshadows the level above (its table
 * page is watched), another fault builds that level again at once, and the
 * first fault then fills the new, empty table from the value it read before
 * the store. The shadow translated guest-3 with an entry guest-2 no longer had,
 * and no later store would have removed it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "shadowfix.h"
#include "gmap/shadow_internal.h"
#include "vcpu/shadow_fault.h"

/* A second guest-2 page table, in a page of its own, for guest-3 segment sx 5. */
#define G2_PGT2 0x150000UL
#define G3_SEG5 (G3_ADDR - (5UL << 12) + (1UL << 20))
/* Guest-3 page px 6 of the chain: guest-2 maps G2_PGT2's page there, writable. */
#define G3_ONTO_PGT2 (G3_ADDR + PAGE_SIZE)

/* The shadow PTE of @saddr does not let guest-3 store: invalid or protected. */
static void assert_no_store(struct gmap *sg, unsigned long saddr)
{
	unsigned long pte = shadow_pte_of(sg, saddr);

	assert_true((pte & _PAGE_INVALID) || (pte & _PAGE_PROTECT));
}

/* Guest-2: G3_SEG5 -> G2_PGT2 (all invalid), and guest-3 page G3_ONTO_PGT2 -> G2_PGT2. */
static void map_pgt2_writable(struct g2 *g)
{
	g2_fill(g, G2_PGT2, 256, _PAGE_INVALID);
	assert_int_equal(g2_put(g, G2_PGT2 + 7 * 8, G2_DATA + 7 * PAGE_SIZE), 0);
	assert_int_equal(g2_put(g, G2_SGT + 5 * 8, G2_PGT2), 0);
	assert_int_equal(g2_put(g, G2_PGT + 6 * 8, G2_PGT2), 0);
}

/* The same shadow: its page table for segment 5 is a page it maps writable elsewhere. */
static void test_table_source_mapped_writable_by_the_same_shadow(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg;

	map_pgt2_writable(g);
	sg = shadow_ok(g, ASCE_R1, 0);
	assert_int_equal(shadow_fault_retry(sg, G3_ONTO_PGT2), 0);
	assert_int_equal(shadow_pte_of(sg, G3_ONTO_PGT2), g2_frame(g, G2_PGT2));
	/* Shadowing segment 5 write-protects G2_PGT2 in the parent. */
	assert_int_equal(shadow_fault_retry(sg, G3_SEG5 + 7 * PAGE_SIZE), 0);
	assert_true(mm_lookup_pte(g->mm, G2_HOST + G2_PGT2) & _PAGE_PROTECT);
	assert_no_store(sg, G3_ONTO_PGT2);
	assert_int_equal(gmap_shadow_audit(sg, stderr), 0);
	/* Guest-2 still lets guest-3 store there: faulting it again unshadows segment 5. */
	assert_int_equal(shadow_fault_retry(sg, G3_ONTO_PGT2), 0);
	assert_int_equal(shadow_pte_of(sg, G3_SEG5 + 7 * PAGE_SIZE), _PAGE_INVALID);
	assert_int_equal(gmap_shadow_audit(sg, stderr), 0);
	gmap_put(sg);
}

/* Another shadow maps the page writable; this one shadows it as a page table. */
static void test_table_source_mapped_writable_by_another_shadow(void **state)
{
	struct g2 *g = *state;
	struct gmap *a, *b;

	map_pgt2_writable(g);
	a = shadow_ok(g, ASCE_R1, 0);
	b = shadow_ok(g, ASCE_R1, 1);
	assert_int_equal(shadow_fault_retry(a, G3_ONTO_PGT2), 0);
	assert_false(shadow_pte_of(a, G3_ONTO_PGT2) & (_PAGE_INVALID | _PAGE_PROTECT));
	assert_int_equal(shadow_fault_retry(b, G3_SEG5 + 7 * PAGE_SIZE), 0);
	assert_no_store(a, G3_ONTO_PGT2);
	assert_int_equal(gmap_shadow_audit(a, stderr), 0);
	assert_int_equal(gmap_shadow_audit(b, stderr), 0);
	gmap_put(a);
	gmap_put(b);
}

/* Another shadow maps the page writable; a new shadow's top-level table lies there. */
static void test_top_level_source_mapped_writable(void **state)
{
	struct g2 *g = *state;
	unsigned long asce_seg = G2_PGT2 | _ASCE_TYPE_SEGMENT; /* TL 0: one page */
	struct gmap *a, *b;

	map_pgt2_writable(g);
	a = shadow_ok(g, ASCE_R1, 0);
	assert_int_equal(shadow_fault_retry(a, G3_ONTO_PGT2), 0);
	assert_false(shadow_pte_of(a, G3_ONTO_PGT2) & (_PAGE_INVALID | _PAGE_PROTECT));
	/* G2_PGT2's page as a segment table (nothing is faulted through it). */
	b = shadow_ok(g, asce_seg, 0);
	assert_true(mm_lookup_pte(g->mm, G2_HOST + G2_PGT2) & _PAGE_PROTECT);
	assert_no_store(a, G3_ONTO_PGT2);
	assert_int_equal(gmap_shadow_audit(a, stderr), 0);
	assert_int_equal(gmap_shadow_audit(b, stderr), 0);
	gmap_put(a);
	gmap_put(b);
}

static void test_region3_fc_bit_ignored_without_edat2(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg;

	assert_int_equal(g2_put(g, G2_R3T + 3 * 8,
				G2_SGT | _REGION_ENTRY_TYPE_R3 | _REGION_ENTRY_LENGTH |
					_REGION3_ENTRY_LARGE),
			 0);
	for (int edat = 0; edat <= 1; edat++) {
		sg = shadow_ok(g, ASCE_R1, edat);
		assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
		assert_int_equal(shadow_pte_of(sg, G3_ADDR), g2_frame(g, G2_DATA + 5 * PAGE_SIZE));
		assert_int_equal(gmap_shadow_audit(sg, stderr), 0);
		gmap_put(sg);
	}
}

static void test_unmap_top_level_segment_of_an_unheld_shadow(void **state)
{
	struct g2 *g = *state;
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);
	struct gmap_shadow_stats before, after;

	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	gmap_shadow_get_stats(&before);
	gmap_put(sg); /* only the children list holds it now */
	assert_int_equal(gmap_unmap_segment(g->parent, G2_R1T & _SEGMENT_MASK, _SEGMENT_SIZE), 0);
	assert_true(cds_list_empty(&g->parent->children));
	gmap_shadow_get_stats(&after);
	assert_int_equal(after.removed, before.removed + 1);
	assert_int_equal(after.tables_live, 0);
}

static struct {
	struct gmap *parent, *sg;
	unsigned long asce;
} grab;

/* A notifier of the parent that takes the shadow being created (page-table lock held). */
static void grab_child(struct gmap *gmap, unsigned long start, unsigned long end)
{
	struct gmap *sg;

	(void)start;
	(void)end;
	if (gmap != grab.parent || grab.sg)
		return;
	spin_lock(&gmap->shadow_lock);
	cds_list_for_each_entry(sg, &gmap->children, list) if (sg->orig_asce == grab.asce) grab.sg =
		gmap_get(sg);
	spin_unlock(&gmap->shadow_lock);
}

static void test_shadow_whose_top_level_cannot_be_protected_is_removed(void **state)
{
	struct g2 *g = *state;
	struct gmap_notifier nb = { .notifier_call = grab_child };
	unsigned long last = G2_SIZE - PAGE_SIZE;

	/* Two pages of segment table: the last page of guest-2 memory and one beyond. */
	grab.parent = g->parent;
	grab.sg = NULL;
	grab.asce = last | _ASCE_TYPE_SEGMENT | 1;
	g2_fill(g, last, 512, _SEGMENT_ENTRY_EMPTY);
	/* Protecting the first page faults it in again, which notifies: grab_child runs. */
	gmap_register_pte_notifier(&nb);
	assert_int_equal(gmap_mprotect_notify(g->parent, last, PAGE_SIZE, PROT_NONE), 0);
	assert_ptr_equal(gmap_shadow(g->parent, grab.asce, 0), ERR_PTR(-EFAULT));
	gmap_unregister_pte_notifier(&nb);
	assert_non_null(grab.sg);
	assert_true(cds_list_empty(&g->parent->children));
	assert_false(gmap_shadow_valid(grab.sg, grab.asce, 0));
	assert_true(grab.sg->removed);
	assert_int_equal(gmap_shadow_audit(grab.sg, stderr), 0);
	gmap_put(grab.sg);
}

/* A second segment table for region-third entry rtx 3 (16 KiB aligned). */
#define G2_SGT2 0x160000UL

static struct store_race {
	int level, calls;
	unsigned long paddr, val, other;
	int other_rc;
	struct g2 *g;
} store;

/* Guest-2 stores the entry the fault just read, and another fault rebuilds the level above. */
static void store_after_read(struct gmap *sg, unsigned long saddr, int level)
{
	if (level != store.level || saddr != G3_ADDR || store.calls++)
		return;
	assert_int_equal(g2_put(store.g, store.paddr, store.val), 0);
	store.other_rc = vsie_shadow_fault(sg, store.other, NULL);
}

/*
 * Fault G3_ADDR while the entry of @level at @paddr changes to @val, after which
 * G3_ADDR translates to guest-2 page @now; @other (another guest-3 address
 * under the level above) is faulted right after the store and gives @other_rc.
 */
static void race_store_after_read(struct g2 *g, int level, unsigned long paddr, unsigned long val,
				  unsigned long other, int other_rc, unsigned long now)
{
	struct gmap *sg = shadow_ok(g, ASCE_R1, 0);
	unsigned long pte;
	int rc;

	store = (struct store_race){ level, 0, paddr, val, other, 1, g };
	vsie_walk_hook = store_after_read;
	rc = vsie_shadow_fault(sg, G3_ADDR, NULL);
	vsie_walk_hook = NULL;
	assert_int_equal(store.calls, 1);
	assert_int_equal(store.other_rc, other_rc);
	assert_true(rc == 0 || rc == -EAGAIN);
	/* Nothing from before the store: not mapped, or mapped to what guest-2 says now. */
	pte = shadow_pte_of(sg, G3_ADDR);
	if (!(pte & _PAGE_INVALID))
		assert_int_equal(pte & PAGE_MASK, g2_frame(g, now));
	assert_int_equal(gmap_shadow_audit(sg, stderr), 0);
	assert_int_equal(shadow_fault_retry(sg, G3_ADDR), 0);
	assert_int_equal(shadow_pte_of(sg, G3_ADDR), g2_frame(g, now));
	gmap_put(sg);
}

/* Page table G2_PGT2: page i -> G2_DATA + 1 MiB + i pages. */
static void build_pgt2(struct g2 *g)
{
	for (unsigned long i = 0; i < 256; i++)
		assert_int_equal(
			g2_put(g, G2_PGT2 + 8 * i, G2_DATA + _SEGMENT_SIZE + i * PAGE_SIZE), 0);
}

static void test_region3_entry_stored_after_the_read(void **state)
{
	struct g2 *g = *state;

	build_pgt2(g);
	g2_fill(g, G2_SGT2, 2048, _SEGMENT_ENTRY_EMPTY);
	assert_int_equal(g2_put(g, G2_SGT2 + 4 * 8, G2_PGT2), 0);
	/* rtx 4 is empty: the other fault stops there, after rebuilding the region-second level. */
	race_store_after_read(g, DAT_LEVEL_REGION3, G2_R3T + 3 * 8,
			      G2_SGT2 | _REGION_ENTRY_TYPE_R3 | _REGION_ENTRY_LENGTH,
			      G3_ADDR + (1UL << 31), PGM_REGION_THIRD_TRANS,
			      G2_DATA + _SEGMENT_SIZE + 5 * PAGE_SIZE);
}

static void test_segment_entry_stored_after_the_read(void **state)
{
	struct g2 *g = *state;

	build_pgt2(g);
	/* sx 6 is empty: the other fault stops there, after rebuilding the segment table. */
	race_store_after_read(g, DAT_LEVEL_SEGMENT, G2_SGT + 4 * 8, G2_PGT2,
			      G3_ADDR + 2 * _SEGMENT_SIZE, PGM_SEGMENT_TRANSLATION,
			      G2_DATA + _SEGMENT_SIZE + 5 * PAGE_SIZE);
}

static void test_page_entry_stored_after_the_read(void **state)
{
	struct g2 *g = *state;

	/* The other fault rebuilds the page table and maps px 6. */
	race_store_after_read(g, DAT_LEVEL_PTE, G2_PGT + 5 * 8, G2_DATA + 9 * PAGE_SIZE,
			      G3_ADDR + PAGE_SIZE, 0, G2_DATA + 9 * PAGE_SIZE);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, g2_fixture_setup, g2_fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_table_source_mapped_writable_by_the_same_shadow),
		T(test_table_source_mapped_writable_by_another_shadow),
		T(test_top_level_source_mapped_writable),
		T(test_region3_fc_bit_ignored_without_edat2),
		T(test_unmap_top_level_segment_of_an_unheld_shadow),
		T(test_shadow_whose_top_level_cannot_be_protected_is_removed),
		T(test_region3_entry_stored_after_the_read),
		T(test_segment_entry_stored_after_the_read),
		T(test_page_entry_stored_after_the_read),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
