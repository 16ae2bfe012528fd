/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helper for the vCPU tests: a host mm with 16 MiB of guest memory mapped
 * at guest absolute 0 through a segment-table gmap, and a vCPU whose thread has
 * the gmap enabled.
 */
#ifndef GMAP_TESTS_VCPU_GUEST_H
#define GMAP_TESTS_VCPU_GUEST_H

#include <stdlib.h>

#include <gmap/alloc.h>
#include <gmap/gmap.h>
#include <gmap/vcpu.h>

#define SEG   _SEGMENT_SIZE
#define HBASE 0x100000000UL /* host address of guest absolute 0 */
#define GMEM  (16 * SEG)    /* guest absolute 0 .. 16 MiB */

/* Create the guest; 0, or -1 if anything failed. */
static inline int guest_setup(struct mm_struct **mm, struct gmap **gmap, struct vcpu **vcpu)
{
	*mm = mm_create();
	if (!*mm || mm_mmap(*mm, HBASE, GMEM, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED) != HBASE)
		return -1;
	*gmap = gmap_create(*mm, GMEM - 1);
	if (!*gmap || gmap_map_segment(*gmap, HBASE, 0, GMEM))
		return -1;
	*vcpu = vcpu_create();
	if (!*vcpu)
		return -1;
	gmap_enable(*gmap);
	return 0;
}

/* Destroy it again, vCPU before mm, and wait for deferred frees. */
static inline void guest_teardown(struct mm_struct *mm, struct gmap *gmap, struct vcpu *vcpu)
{
	gmap_disable(gmap);
	vcpu_destroy(vcpu);
	gmap_remove(gmap);
	mm_destroy(mm);
	gm_quiesce();
}

/* The guest as a cmocka fixture: guest_fixture_setup() puts one in *state. */
struct guest_fixture {
	struct mm_struct *mm;
	struct gmap *gmap;
	struct vcpu *vcpu;
};

static inline int guest_fixture_setup(void **state)
{
	struct guest_fixture *f = calloc(1, sizeof(*f));

	if (!f || guest_setup(&f->mm, &f->gmap, &f->vcpu))
		return -1;
	*state = f;
	return 0;
}

static inline int guest_fixture_teardown(void **state)
{
	struct guest_fixture *f = *state;

	guest_teardown(f->mm, f->gmap, f->vcpu);
	free(f);
	return 0;
}

/* A cmocka test that runs on a fresh guest_fixture. */
#define GUEST_TEST(fn) \
	cmocka_unit_test_setup_teardown(fn, guest_fixture_setup, guest_fixture_teardown)

#endif /* GMAP_TESTS_VCPU_GUEST_H */
