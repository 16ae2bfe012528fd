// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failure at every allocation of every shadow operation:
 * gmap_shadow() (tables, real space), gmap_shadow_r2t/r3t/sgt/pgt/page(),
 * gmap_protect_rmap(), vsie_shadow_fault() with each level missing and with
 * fake tables (real space, EDAT-1 and EDAT-2 frames), and the paths that notify
 * and unshadow: a store to a lower guest-2 table and to the top-level one, a
 * migration, a page-out of a table page, remapping the parent segment,
 * gmap_unshadow().
 *
 * Each case builds the same state for n = 1, 2, ..., makes the nth allocation
 * of the operation fail and runs it. When no failure was delivered the
 * operation needed fewer than n allocations: it must have succeeded, and the
 * loop ends. Otherwise it answered -ENOMEM (or -EAGAIN, where a shadow was
 * unshadowed to stay consistent), the audit finds nothing wrong with the
 * shadow, an entry that was being built is not left half-built, and the same
 * operation without injection (with the shadow taken again if it was removed)
 * succeeds and gives the shadow it should. Then everything is put: no table,
 * rmap or allocation may be left over from the round (gm_alloc_live() as after
 * a warm-up run of the same case).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "shadowfix.h"
#include "gmap/shadow_internal.h"

/* Guest-2's entries of the chain for G3_ADDR (g2_build_chain()). */
#define R1E (G2_R2T | _REGION_ENTRY_TYPE_R1 | _REGION_ENTRY_LENGTH)
#define R2E (G2_R3T | _REGION_ENTRY_TYPE_R2 | _REGION_ENTRY_LENGTH)
#define R3E (G2_SGT | _REGION_ENTRY_TYPE_R3 | _REGION_ENTRY_LENGTH)
#define SGE G2_PGT
#define PGE (G2_DATA + 5 * PAGE_SIZE)

struct ctx {
	struct g2 *g;
	struct gmap *sg;
	unsigned long asce;
	unsigned long saddr;
	int built; /* shadow levels below the top built before the operation */
	int edat;
	unsigned long target;		/* the guest-2 page c->saddr translates to */
	unsigned long g2_paddr, g2_old; /* a guest-2 entry changed for the case, its old value */
};

struct op {
	const char *name;
	unsigned long asce;
	unsigned long saddr;
	int built;
	int edat;
	unsigned long target;			 /* guest-2 page of saddr, if not PGE */
	unsigned long g2_paddr, g2_val;		 /* a guest-2 entry for the case (EDAT frames) */
	bool take;				 /* take the shadow before the operation */
	bool fault;				 /* and fault saddr in completely */
	int (*run)(struct ctx *c);		 /* the operation */
	void (*check)(struct ctx *c, bool done); /* after it: done or not at all/half */
};

/* ---- state ---------------------------------------------------------------------------------- */

static void take(struct ctx *c)
{
	c->sg = gmap_shadow(c->g->parent, c->asce, c->edat);
	assert_false(IS_ERR_OR_NULL(c->sg));
}

/* Build the first @levels shadow levels below the top for c->saddr. */
static void build(struct ctx *c, int levels)
{
	static const unsigned long entry[] = { R1E, R2E, R3E, SGE };
	static int (*const shadow[])(struct gmap *, unsigned long, unsigned long,
				     int) = { gmap_shadow_r2t, gmap_shadow_r3t, gmap_shadow_sgt,
					      gmap_shadow_pgt };

	mmap_read_lock(c->g->mm);
	for (int l = 0; l < levels; l++)
		assert_int_equal(shadow[l](c->sg, c->saddr, entry[l], 0), 0);
	mmap_read_unlock(c->g->mm);
}

/* Put the shadow, drop every shadow of the parent, wait for the deferred frees. */
static void finish(struct ctx *c)
{
	struct gmap *sg, *next;

	gmap_put(c->sg);
	c->sg = NULL;
	spin_lock(&c->g->parent->shadow_lock);
	cds_list_for_each_entry_safe(sg, next, &c->g->parent->children, list)
	{
		cds_list_del_init(&sg->list);
		gmap_put(sg);
	}
	spin_unlock(&c->g->parent->shadow_lock);
	if (c->g2_paddr)
		assert_int_equal(g2_put(c->g, c->g2_paddr, c->g2_old), 0);
	/* Pages a case paged out or migrated come back before the count. */
	g2_get(c->g, G2_PGT);
	g2_get(c->g, PGE);
	gm_quiesce();
}

/* The shadow entry of c->saddr at @level (_PAGE_INVALID if the walk fails). */
static unsigned long entry_at(struct ctx *c, int level)
{
	unsigned long *e, v = _PAGE_INVALID;

	spin_lock(&c->sg->guest_table_lock);
	e = gmap_table_walk(c->sg, c->saddr, level);
	if (e)
		v = *e;
	spin_unlock(&c->sg->guest_table_lock);
	return v;
}

static void assert_audit_clean(struct ctx *c)
{
	if (c->sg && !IS_ERR(c->sg))
		assert_int_equal(gmap_shadow_audit(c->sg, stderr), 0);
}

/* ---- the driver ----------------------------------------------------------------------------- */

static void prepare(struct ctx *c, const struct op *o)
{
	c->asce = o->asce;
	c->saddr = o->saddr;
	c->built = o->built;
	c->edat = o->edat;
	c->target = o->target ? o->target : (o->asce & _ASCE_REAL_SPACE) ? o->saddr : PGE;
	c->g2_paddr = o->g2_paddr;
	c->sg = NULL;
	if (c->g2_paddr) {
		c->g2_old = g2_get(c->g, c->g2_paddr);
		assert_int_equal(g2_put(c->g, c->g2_paddr, o->g2_val), 0);
	}
	if (!o->take)
		return;
	take(c);
	build(c, o->built);
	if (o->fault)
		assert_int_equal(shadow_fault_retry(c->sg, c->saddr), 0);
}

/* The operation again, without injection; a removed shadow is taken again first. */
static void retry(struct ctx *c, const struct op *o)
{
	int rc = -EAGAIN;

	for (int i = 0; i < 4 && rc == -EAGAIN; i++) {
		if (c->sg && !gmap_shadow_valid(c->sg, c->asce, c->edat)) {
			gmap_put(c->sg);
			c->sg = NULL;
			take(c);
			build(c, o->built);
			if (o->fault)
				assert_int_equal(shadow_fault_retry(c->sg, c->saddr), 0);
		}
		rc = o->run(c);
	}
	assert_int_equal(rc, 0);
}

static void fail_every_allocation(struct g2 *g, const struct op *o)
{
	struct ctx c = { .g = g };
	struct gmap_shadow_stats st;
	unsigned long n;
	bool injected;
	long live;
	int rc;

	/* Warm-up: whatever the parent and the mm allocate once is there before the count. */
	prepare(&c, o);
	assert_int_equal(o->run(&c), 0);
	o->check(&c, true);
	finish(&c);
	live = gm_alloc_live();
	for (n = 1;; n++) {
		prepare(&c, o);
		gm_alloc_fail_nth(n);
		rc = o->run(&c);
		injected = gm_alloc_fault_injected(); /* disarming forgets it */
		gm_alloc_fail_nth(0);
		if (!injected) {
			assert_int_equal(rc, 0);
			o->check(&c, true);
			assert_audit_clean(&c);
			finish(&c);
			break;
		}
		if (rc != -ENOMEM && rc != -EAGAIN && rc != 0)
			fail_msg("%s: allocation %lu failed: %d", o->name, n, rc);
		assert_audit_clean(&c);
		if (rc)
			o->check(&c, false);
		retry(&c, o);
		o->check(&c, true);
		assert_audit_clean(&c);
		finish(&c);
		gmap_shadow_get_stats(&st);
		assert_int_equal(st.tables_live, 0);
		assert_int_equal(st.rmaps_live, 0);
		if (gm_alloc_live() != live)
			fail_msg("%s: allocation %lu failed: %ld blocks leaked", o->name, n,
				 gm_alloc_live() - live);
	}
	print_message("%s: %lu allocations\n", o->name, n - 1);
}

/* ---- gmap_shadow ---------------------------------------------------------------------------- */

static int run_shadow(struct ctx *c)
{
	gmap_put(c->sg);
	c->sg = gmap_shadow(c->g->parent, c->asce, 0);
	if (IS_ERR(c->sg)) {
		int rc = (int)PTR_ERR(c->sg);

		c->sg = NULL;
		return rc;
	}
	return 0;
}

static void check_shadow(struct ctx *c, bool done)
{
	if (!done) {
		/* Nothing half-made stays listed. */
		assert_null(c->sg);
		assert_true(cds_list_empty(&c->g->parent->children));
		return;
	}
	assert_true(gmap_shadow_valid(c->sg, c->asce, c->edat));
	assert_int_equal(shadow_fault_retry(c->sg, c->saddr), 0);
}

/* ---- one shadow level ----------------------------------------------------------------------- */

static int run_level(struct ctx *c)
{
	static const unsigned long entry[] = { R1E, R2E, R3E, SGE };
	static int (*const shadow[])(struct gmap *, unsigned long, unsigned long,
				     int) = { gmap_shadow_r2t, gmap_shadow_r3t, gmap_shadow_sgt,
					      gmap_shadow_pgt };
	int rc;

	mmap_read_lock(c->g->mm);
	rc = shadow[c->built](c->sg, c->saddr, entry[c->built], 0);
	mmap_read_unlock(c->g->mm);
	return rc;
}

/* The entry the level fills (top: region-first entry, level 4). */
static void check_level(struct ctx *c, bool done)
{
	unsigned long e = entry_at(c, DAT_LEVEL_REGION1 - c->built);

	if (done)
		assert_false(e & _REGION_ENTRY_INVALID);
	else if (!c->sg->removed)
		/* Not left "being built": empty again. */
		assert_false(e & _REGION_ENTRY_ORIGIN);
}

static int run_page(struct ctx *c)
{
	return gmap_shadow_page(c->sg, c->saddr, __pte(PGE));
}

static void check_page(struct ctx *c, bool done)
{
	unsigned long pte = entry_at(c, DAT_LEVEL_PTE);

	if (done)
		assert_int_equal(pte, g2_frame(c->g, PGE));
	else
		assert_true(pte & _PAGE_INVALID);
}

static int run_protect_rmap(struct ctx *c)
{
	int rc;

	mmap_read_lock(c->g->mm);
	rc = gmap_protect_rmap(c->sg, (c->saddr & _SEGMENT_MASK) | _SHADOW_RMAP_SEGMENT, G2_PGT,
			       PAGE_SIZE, PROT_READ);
	mmap_read_unlock(c->g->mm);
	return rc;
}

static void check_protected(struct ctx *c, bool done)
{
	if (done) {
		assert_true(mm_lookup_pte(c->g->mm, G2_HOST + G2_PGT) & _PAGE_PROTECT);
		assert_true(g2_pgste(c->g, G2_PGT) & PGSTE_VSIE_BIT);
	}
}

/* ---- the shadow fault ----------------------------------------------------------------------- */

static int run_fault(struct ctx *c)
{
	return vsie_shadow_fault(c->sg, c->saddr, NULL);
}

static void check_fault(struct ctx *c, bool done)
{
	unsigned long pte = entry_at(c, DAT_LEVEL_PTE);

	if (done)
		assert_int_equal(pte, g2_frame(c->g, c->target));
	else
		assert_true(pte & _PAGE_INVALID);
}

/* ---- notifications and unshadowing ---------------------------------------------------------- */

static int run_store_lower(struct ctx *c)
{
	return g2_put(c->g, G2_SGT + 8, _SEGMENT_ENTRY_EMPTY);
}

/* The segment table went, the region-second entry above it stayed. */
static void check_store_lower(struct ctx *c, bool done)
{
	if (done) {
		assert_int_equal(entry_at(c, DAT_LEVEL_REGION3), _REGION3_ENTRY_EMPTY);
		assert_false(entry_at(c, DAT_LEVEL_REGION2) & _REGION_ENTRY_INVALID);
	}
}

static int run_store_top(struct ctx *c)
{
	return g2_put(c->g, G2_R1T + 8 * 7, _REGION1_ENTRY_EMPTY);
}

static void check_removed(struct ctx *c, bool done)
{
	if (done) {
		assert_true(c->sg->removed);
		assert_true(cds_list_empty(&c->g->parent->children));
	}
}

static int run_migrate(struct ctx *c)
{
	return mm_migrate_page(c->g->mm, G2_HOST + PGE);
}

static void check_page_gone(struct ctx *c, bool done)
{
	if (!done)
		return;
	assert_int_equal(entry_at(c, DAT_LEVEL_PTE), _PAGE_INVALID);
	/* Shadowed again from the new frame. */
	assert_int_equal(shadow_fault_retry(c->sg, c->saddr), 0);
	assert_int_equal(entry_at(c, DAT_LEVEL_PTE), g2_frame(c->g, PGE));
}

static int run_page_out_table(struct ctx *c)
{
	return mm_page_out(c->g->mm, G2_HOST + G2_PGT);
}

static void check_pgt_gone(struct ctx *c, bool done)
{
	if (!done)
		return;
	assert_int_equal(entry_at(c, DAT_LEVEL_SEGMENT), _SEGMENT_ENTRY_EMPTY);
	assert_int_equal(shadow_fault_retry(c->sg, c->saddr), 0);
	assert_int_equal(entry_at(c, DAT_LEVEL_PTE), g2_frame(c->g, PGE));
}

static int run_remap_data(struct ctx *c)
{
	unsigned long seg = PGE & _SEGMENT_MASK;

	return gmap_map_segment(c->g->parent, G2_HOST + seg, seg, _SEGMENT_SIZE);
}

static int run_unshadow(struct ctx *c)
{
	spin_lock(&c->sg->guest_table_lock);
	gmap_unshadow(c->sg);
	spin_unlock(&c->sg->guest_table_lock);
	return 0;
}

static void check_unshadowed(struct ctx *c, bool done)
{
	if (done) {
		assert_true(c->sg->removed);
		assert_int_equal(entry_at(c, DAT_LEVEL_PTE), _PAGE_INVALID);
	}
}

/* ---- the cases ------------------------------------------------------------------------------ */

#define REAL_ADDR   (G2_DATA + 7 * PAGE_SIZE)
#define EDAT1_FRAME 0x1000000UL /* a 1 MiB frame of guest-2 */

#define OP(n, a, sa, b, t, f, r, c)                                                             \
	{                                                                                       \
		.name = n, .asce = a, .saddr = sa, .built = b, .take = t, .fault = f, .run = r, \
		.check = c                                                                      \
	}

static const struct op ops[] = {
	OP("gmap_shadow", ASCE_R1, G3_ADDR, 0, false, false, run_shadow, check_shadow),
	OP("gmap_shadow real space", _ASCE_REAL_SPACE, REAL_ADDR, 0, false, false, run_shadow,
	   check_shadow),
	OP("gmap_shadow_r2t", ASCE_R1, G3_ADDR, 0, true, false, run_level, check_level),
	OP("gmap_shadow_r3t", ASCE_R1, G3_ADDR, 1, true, false, run_level, check_level),
	OP("gmap_shadow_sgt", ASCE_R1, G3_ADDR, 2, true, false, run_level, check_level),
	OP("gmap_shadow_pgt", ASCE_R1, G3_ADDR, 3, true, false, run_level, check_level),
	OP("gmap_shadow_page", ASCE_R1, G3_ADDR, 4, true, false, run_page, check_page),
	OP("gmap_protect_rmap", ASCE_R1, G3_ADDR, 0, true, false, run_protect_rmap,
	   check_protected),
	OP("fault, all levels missing", ASCE_R1, G3_ADDR, 0, true, false, run_fault, check_fault),
	OP("fault, r3t missing", ASCE_R1, G3_ADDR, 1, true, false, run_fault, check_fault),
	OP("fault, sgt missing", ASCE_R1, G3_ADDR, 2, true, false, run_fault, check_fault),
	OP("fault, pgt missing", ASCE_R1, G3_ADDR, 3, true, false, run_fault, check_fault),
	OP("fault, page missing", ASCE_R1, G3_ADDR, 4, true, false, run_fault, check_fault),
	OP("fault, real space", _ASCE_REAL_SPACE, REAL_ADDR, 0, true, false, run_fault,
	   check_fault),
	OP("store to a segment table", ASCE_R1, G3_ADDR, 0, true, true, run_store_lower,
	   check_store_lower),
	OP("store to the top-level table", ASCE_R1, G3_ADDR, 0, true, true, run_store_top,
	   check_removed),
	OP("migrating a data page", ASCE_R1, G3_ADDR, 0, true, true, run_migrate, check_page_gone),
	OP("paging out a page table", ASCE_R1, G3_ADDR, 0, true, true, run_page_out_table,
	   check_pgt_gone),
	OP("remapping the data segment", ASCE_R1, G3_ADDR, 0, true, true, run_remap_data,
	   check_page_gone),
	OP("gmap_unshadow", ASCE_R1, G3_ADDR, 0, true, true, run_unshadow, check_unshadowed),
	{ .name = "fault, EDAT-1 1 MiB frame",
	  .asce = ASCE_R1,
	  .saddr = G3_ADDR,
	  .edat = 1,
	  .target = EDAT1_FRAME + 5 * PAGE_SIZE,
	  .g2_paddr = G2_SGT + 4 * 8,
	  .g2_val = EDAT1_FRAME | _SEGMENT_ENTRY_LARGE,
	  .take = true,
	  .run = run_fault,
	  .check = check_fault },
	{ .name = "fault, EDAT-2 2 GiB frame",
	  .asce = ASCE_R1,
	  .saddr = G3_ADDR,
	  .edat = 2,
	  .target = (4UL << 20) + 5 * PAGE_SIZE,
	  .g2_paddr = G2_R3T + 3 * 8,
	  .g2_val = _REGION_ENTRY_TYPE_R3 | _REGION3_ENTRY_LARGE,
	  .take = true,
	  .run = run_fault,
	  .check = check_fault },
};
#undef OP

static void test_every_shadow_operation(void **state)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		fail_every_allocation(*state, &ops[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_shadow_operation, g2_fixture_setup,
						g2_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
