/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cmocka fixture of the shadow tests (include <cmocka.h> first): guest-2
 * with its table chain for guest-3, and a teardown that proves that destroying
 * everything freed every shadow table and reverse map.
 */
#ifndef GMAP_TESTS_SHADOWFIX_H
#define GMAP_TESTS_SHADOWFIX_H

#include "shadowtest.h"

static inline int g2_fixture_setup(void **state)
{
	struct g2 *g = calloc(1, sizeof(*g));

	if (!g || g2_create(g))
		return -1;
	g2_build_chain(g);
	*state = g;
	return 0;
}

static inline int g2_fixture_teardown(void **state)
{
	struct g2 *g = *state;
	struct gmap_shadow_stats st;

	gm_alloc_fail_nth(0);
	g2_destroy(g);
	free(g);
	gmap_shadow_get_stats(&st);
	/* Everything a shadow held is gone with it. */
	assert_int_equal(st.tables_live, 0);
	assert_int_equal(st.rmaps_live, 0);
	return 0;
}

/* gmap_shadow() that must give a shadow. */
static inline struct gmap *shadow_ok(struct g2 *g, unsigned long asce, int edat)
{
	struct gmap *sg = gmap_shadow(g->parent, asce, edat);

	assert_false(IS_ERR_OR_NULL(sg));
	return sg;
}

#endif /* GMAP_TESTS_SHADOWFIX_H */
