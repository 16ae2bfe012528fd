// SPDX-License-Identifier: GPL-2.0
/*
 * vSIE on a vCPU: guest-3 accesses (absolute, real, DAT on) through shadow
 * gmaps, exits to guest-2 with their PICs and TEIDs, TLB isolation between
 * guest-2 and guest-3, purges on unshadow, the vSIE prefix notifier, and a
 * shadow replaced when guest-2 changes its top-level table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../gmap/shadowtest.h"

#define ASCE_SEG (G2_SGT | _ASCE_TYPE_SEGMENT | _ASCE_TABLE_LENGTH)
#define G3_SEG	 ((4UL << 20) | (5UL << 12)) /* px 5 of segment 4 */
#define PREFIX3	 0x404000UL		     /* guest-3's prefix below 2 GiB, once map_low() ran */

struct fixture {
	struct g2 g;
	struct vcpu *cpu;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || g2_create(&f->g))
		return -1;
	g2_build_chain(&f->g);
	f->cpu = vcpu_create();
	if (!f->cpu)
		return -1;
	gmap_enable(f->g.parent);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	gmap_disable(f->g.parent);
	vcpu_destroy(f->cpu);
	g2_destroy(&f->g);
	free(f);
	return 0;
}

/*
 * Let guest-2's region-first chain also map guest-3's low 2 GiB (through the
 * same segment table), so that a prefix can live there. Before the shadow is
 * taken: these are stores to the top-level table.
 */
static void map_low(struct fixture *f)
{
	assert_int_equal(g2_put(&f->g, G2_R1T, G2_R2T | _REGION_ENTRY_TYPE_R1 | 3), 0);
	assert_int_equal(g2_put(&f->g, G2_R2T, G2_R3T | _REGION_ENTRY_TYPE_R2 | 3), 0);
	assert_int_equal(g2_put(&f->g, G2_R3T, G2_SGT | _REGION_ENTRY_TYPE_R3 | 3), 0);
}

/* The host bytes of guest-2 absolute @paddr, as stored. */
static unsigned long g2_raw(struct fixture *f, unsigned long paddr)
{
	unsigned long v = 0;

	assert_int_equal(mm_read(f->g.mm, G2_HOST + paddr, &v, sizeof(v)), 0);
	return v;
}

static unsigned long g3_read(struct fixture *f, unsigned long addr, int want_rc)
{
	unsigned long v = 0;

	assert_int_equal(vcpu_sie_read(f->cpu, addr, &v, sizeof(v)), want_rc);
	return v;
}

static void g3_write(struct fixture *f, unsigned long addr, unsigned long v)
{
	assert_int_equal(vcpu_sie_write(f->cpu, addr, &v, sizeof(v)), 0);
}

static void test_absolute_access_lands_in_guest2_memory(void **state)
{
	struct fixture *f = *state;
	struct vsie_stats st;

	assert_int_equal(vcpu_sie_enter(f->cpu, ASCE_R1, 0, 0x10000), 0);
	/* guest-3's prefix pages must be mapped by guest-2's tables: they are not. */
	assert_int_equal(g3_read(f, G3_ADDR, VSIE_EXIT_VALIDITY), 0);
	vcpu_sie_exit(f->cpu);
	/* A segment-table ASCE whose segment 0 maps guest-3 0 .. 1 MiB to guest-2 8 MiB. */
	for (unsigned long i = 0; i < 256; i++)
		assert_int_equal(g2_put(&f->g, G2_PGT + 0x800 + 8 * i, 0x800000 + i * PAGE_SIZE),
				 0);
	assert_int_equal(g2_put(&f->g, G2_SGT, G2_PGT + 0x800), 0);
	assert_int_equal(vcpu_sie_enter(f->cpu, ASCE_SEG, 0, 0x6000), 0);
	g3_write(f, G3_SEG + 8, 0x1122334455667788UL);
	assert_int_equal(g3_read(f, G3_SEG + 8, 0), 0x1122334455667788UL);
	assert_int_equal(g2_raw(f, G2_DATA + 5 * PAGE_SIZE + 8), 0x1122334455667788UL);
	/* Real accesses swap guest-3's prefix area with its first 8 KiB. */
	assert_int_equal(vcpu_sie_write_real(f->cpu, 0x10, &(unsigned long){ 42 }, 8), 0);
	assert_int_equal(g2_raw(f, 0x800000 + 0x6010), 42);
	vcpu_get_vsie_stats(f->cpu, &st);
	assert_int_equal(st.exits_validity, 1);
	assert_true(st.shadow_faults >= 3);
	assert_int_equal(st.prefix_remaps, 2);
	vcpu_sie_exit(f->cpu);
	assert_int_equal(vcpu_sie_read(f->cpu, 0, &st, 8), -EINVAL);
}

static void test_exits_to_guest2(void **state)
{
	struct fixture *f = *state;
	unsigned long v = 7;

	assert_int_equal(vcpu_sie_enter(f->cpu, _ASCE_REAL_SPACE, 0, 0), 0);
	/* Beyond guest-2 memory: an addressing exception for guest-2 (kernel bug B2). */
	assert_int_equal(g3_read(f, G2_SIZE + 0x1234, VSIE_EXIT_PGM | PGM_ADDRESSING), 0);
	vcpu_sie_exit(f->cpu);
	map_low(f);
	assert_int_equal(vcpu_sie_enter(f->cpu, ASCE_R1, 0, PREFIX3), 0);
	assert_int_equal(vcpu_sie_read(f->cpu, G3_ADDR + 2 * _SEGMENT_SIZE, &v, 8),
			 VSIE_EXIT_PGM | PGM_SEGMENT_TRANSLATION);
	assert_int_equal(vcpu_last_teid(f->cpu), (G3_ADDR + 2 * _SEGMENT_SIZE) | TEID_FETCH);
	/* A page guest-2 protects: the store exits with a protection exception. */
	vsie_ipte_lock();
	assert_int_equal(g2_put(&f->g, G2_PGT + 6 * 8, (G2_DATA + 6 * PAGE_SIZE) | _PAGE_PROTECT),
			 0);
	vsie_ipte_unlock();
	assert_int_equal(vcpu_sie_read(f->cpu, G3_ADDR + PAGE_SIZE, &v, 8), 0);
	assert_int_equal(vcpu_sie_write(f->cpu, G3_ADDR + PAGE_SIZE, &v, 8),
			 VSIE_EXIT_PGM | PGM_PROTECTION);
	assert_int_equal(vcpu_last_teid(f->cpu),
			 (G3_ADDR + PAGE_SIZE) | TEID_STORE | TEID_PROT_DAT);
	vcpu_sie_exit(f->cpu);
}

/* The same absolute address means different storage to guest-2 and guest-3. */
static void test_tlb_isolation(void **state)
{
	struct fixture *f = *state;
	unsigned long a = 0xa, b = 0xb, r;

	assert_int_equal(g2_put(&f->g, G2_PGT + 5 * 8, G2_DATA + 0x100000 + 5 * PAGE_SIZE), 0);
	assert_int_equal(vcpu_sie_enter(f->cpu, ASCE_SEG, 0, PREFIX3), 0);
	assert_int_equal(vcpu_write(f->cpu, G3_SEG, &a, 8), 0);	    /* guest-2 at 0x405000 */
	assert_int_equal(vcpu_sie_write(f->cpu, G3_SEG, &b, 8), 0); /* guest-3 at 0x405000 */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(vcpu_read(f->cpu, G3_SEG, &r, 8), 0);
		assert_int_equal(r, a);
		assert_int_equal(vcpu_sie_read(f->cpu, G3_SEG, &r, 8), 0);
		assert_int_equal(r, b);
	}
	assert_int_equal(g2_raw(f, G2_DATA + 0x100000 + 5 * PAGE_SIZE), b);
	assert_int_equal(g2_raw(f, G3_SEG), a);
	vcpu_sie_exit(f->cpu);
}

/* Guest-2 remaps a guest-3 page: the unshadow purges the vCPU, the next read sees the new page. */
static void test_remap_by_guest2_is_seen(void **state)
{
	struct fixture *f = *state;
	unsigned long one = 1, two = 2, r, pte = G2_DATA + 9 * PAGE_SIZE;
	struct gmap *sg;

	map_low(f);
	assert_int_equal(vcpu_sie_enter(f->cpu, ASCE_R1, 0, PREFIX3), 0);
	assert_int_equal(vcpu_write(f->cpu, G2_DATA + 5 * PAGE_SIZE, &one, 8), 0);
	assert_int_equal(vcpu_write(f->cpu, G2_DATA + 9 * PAGE_SIZE, &two, 8), 0);
	assert_int_equal(vcpu_sie_read(f->cpu, G3_ADDR, &r, 8), 0);
	assert_int_equal(r, one);
	/* Guest-2's IPTE equivalent: the interlock, then its store to its own page table. */
	vsie_ipte_lock();
	pte = htobe64(pte);
	assert_int_equal(vcpu_write(f->cpu, G2_PGT + 5 * 8, &pte, 8), 0);
	vsie_ipte_unlock();
	assert_int_equal(vcpu_sie_read(f->cpu, G3_ADDR, &r, 8), 0);
	assert_int_equal(r, two);
	sg = gmap_shadow(f->g.parent, ASCE_R1, 0);
	assert_false(IS_ERR_OR_NULL(sg));
	assert_int_equal(gmap_shadow_audit(sg, stderr), 0);
	gmap_put(sg);
	vcpu_sie_exit(f->cpu);
}

/* A store to guest-2's top-level table removes the shadow; the next access takes a new one. */
static void test_new_shadow_after_top_level_change(void **state)
{
	struct fixture *f = *state;
	unsigned long r;
	struct vsie_stats st;

	map_low(f);
	assert_int_equal(vcpu_sie_enter(f->cpu, ASCE_R1, 0, PREFIX3), 0);
	assert_int_equal(vcpu_sie_read(f->cpu, G3_ADDR, &r, 8), 0);
	vsie_ipte_lock();
	assert_int_equal(g2_put(&f->g, G2_R1T + 0x7ff * 8, _REGION1_ENTRY_EMPTY), 0);
	vsie_ipte_unlock();
	assert_int_equal(vcpu_sie_read(f->cpu, G3_ADDR, &r, 8), 0);
	vcpu_get_vsie_stats(f->cpu, &st);
	assert_int_equal(st.shadow_acquires, 2);
	assert_true(st.prefix_remaps >= 2);
	vcpu_sie_exit(f->cpu);
	/* Entering again with the same ASCE keeps the shadow. */
	assert_int_equal(vcpu_sie_enter(f->cpu, ASCE_R1, 0, PREFIX3), 0);
	vcpu_get_vsie_stats(f->cpu, &st);
	assert_int_equal(st.shadow_acquires, 2);
	assert_int_equal(st.entries, 2);
	vcpu_sie_exit(f->cpu);
}

/* The vSIE prefix notifier: an unshadowed prefix page is shadowed again before the next access. */
static void test_prefix_is_remapped(void **state)
{
	struct fixture *f = *state;
	unsigned long prefix = PREFIX3, r;
	struct vsie_stats before, after;

	map_low(f);
	assert_int_equal(vcpu_sie_enter(f->cpu, ASCE_R1, 0, prefix), 0);
	assert_int_equal(vcpu_sie_read(f->cpu, G3_ADDR, &r, 8), 0);
	vcpu_get_vsie_stats(f->cpu, &before);
	/* A host event on the page behind guest-3's prefix unshadows it. */
	assert_int_equal(
		mm_migrate_page(f->g.mm, G2_HOST + G2_DATA + ((prefix >> 12) & 0xff) * PAGE_SIZE),
		0);
	assert_int_equal(vcpu_sie_read(f->cpu, G3_ADDR + 3 * PAGE_SIZE, &r, 8), 0);
	vcpu_get_vsie_stats(f->cpu, &after);
	assert_int_equal(after.prefix_remaps, before.prefix_remaps + 1);
	vcpu_sie_exit(f->cpu);
}

/* Guest-3 with DAT on: its own tables in its memory, walked through the shadow. */
static void test_guest3_dat_on(void **state)
{
	struct fixture *f = *state;
	unsigned long sto = 0x600000, pto = 0x604000, asce3 = sto | _ASCE_TYPE_SEGMENT, v = 99, r;

	assert_int_equal(vcpu_sie_enter(f->cpu, _ASCE_REAL_SPACE, 0, 0x20000), 0);
	for (unsigned long i = 0; i < 2048; i++)
		assert_int_equal(vcpu_sie_write(f->cpu, sto + 8 * i,
						&(unsigned long){ htobe64(_SEGMENT_ENTRY_EMPTY) },
						8),
				 0);
	for (unsigned long i = 0; i < 256; i++)
		assert_int_equal(vcpu_sie_write(f->cpu, pto + 8 * i,
						&(unsigned long){ htobe64(_PAGE_INVALID) }, 8),
				 0);
	assert_int_equal(vcpu_sie_write(f->cpu, sto, &(unsigned long){ htobe64(pto) }, 8), 0);
	assert_int_equal(vcpu_sie_write(f->cpu, pto + 8, &(unsigned long){ htobe64(0x700000) }, 8),
			 0);
	assert_int_equal(vcpu_sie_write_virt(f->cpu, asce3, 0x1010, &v, 8), 0);
	assert_int_equal(g2_raw(f, 0x700010), 99);
	assert_int_equal(vcpu_sie_read_virt(f->cpu, asce3, 0x1010, &r, 8), 0);
	assert_int_equal(r, 99);
	/* Guest-3's own page-translation exception is guest-3's, not an exit. */
	assert_int_equal(vcpu_sie_read_virt(f->cpu, asce3, 0x2000, &r, 8), PGM_PAGE_TRANSLATION);
	vcpu_sie_exit(f->cpu);
}

static void test_bad_arguments(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(vcpu_sie_enter(NULL, ASCE_R1, 0, 0), -EINVAL);
	assert_int_equal(vcpu_sie_enter(f->cpu, ASCE_R1, 3, 0), -EINVAL);
	assert_int_equal(vcpu_sie_enter(f->cpu, ASCE_R1, 0, 0x1000), -EINVAL);
	assert_int_equal(vcpu_sie_set_dat_features(f->cpu, 3, false), -EINVAL);
	/* A top-level table outside guest-2 memory cannot be protected. */
	assert_int_equal(vcpu_sie_enter(f->cpu, G2_SIZE | _ASCE_TYPE_REGION1, 0, 0),
			 VSIE_EXIT_PGM | PGM_ADDRESSING);
	gmap_disable(f->g.parent);
	assert_int_equal(vcpu_sie_enter(f->cpu, ASCE_R1, 0, 0), -EINVAL);
	gmap_enable(f->g.parent);
}

/*
 * A guest-2 page the host swapped out and cannot read back: the guest-3 access
 * returns -EIO to the VMM; guest-2 gets no exit (its tables are fine) and
 * guest-3 no PIC. Both the data page and the guest-2 page table holding the
 * guest-3 PTEs. The retry succeeds.
 */
static void test_host_swap_error_is_no_exit(void **state)
{
	struct fixture *f = *state;
	struct mm_swap_inject in = { .calls = MM_SWAP_INJECT_READ,
				     .nth = 1,
				     .fault = MM_SWAP_FAULT_EIO };
	unsigned long before, v = 0;
	struct vsie_stats st;

	for (unsigned long i = 0; i < 256; i++)
		assert_int_equal(g2_put(&f->g, G2_PGT + 0x800 + 8 * i, 0x800000 + i * PAGE_SIZE),
				 0);
	assert_int_equal(g2_put(&f->g, G2_SGT, G2_PGT + 0x800), 0);
	assert_int_equal(vcpu_sie_enter(f->cpu, ASCE_SEG, 0, 0x6000), 0);
	g3_write(f, 0x9008, 0xabcdef);
	vcpu_get_vsie_stats(f->cpu, &st);
	before = st.exits_pgm + st.exits_validity + st.pics;
	/* The data page (guest-2 0x809000) goes to swap; the shadow PTE goes with it. */
	assert_int_equal(mm_page_out(f->g.mm, G2_HOST + 0x809000), 0);
	assert_int_equal(mm_swap_inject(f->g.mm, &in), 0);
	assert_int_equal(vcpu_sie_read(f->cpu, 0x9008, &v, sizeof(v)), -EIO);
	assert_int_equal(g3_read(f, 0x9008, 0), 0xabcdef);
	/* The guest-2 page table of guest-3's segment 0, read by the shadow fault. */
	assert_int_equal(mm_page_out(f->g.mm, G2_HOST + G2_PGT), 0);
	assert_int_equal(mm_swap_inject(f->g.mm, &in), 0);
	assert_int_equal(vcpu_sie_read(f->cpu, 0xa008, &v, sizeof(v)), -EIO);
	assert_int_equal(g3_read(f, 0xa008, 0), 0);
	vcpu_get_vsie_stats(f->cpu, &st);
	assert_int_equal(st.exits_pgm + st.exits_validity + st.pics, before);
	vcpu_sie_exit(f->cpu);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_absolute_access_lands_in_guest2_memory),
		T(test_exits_to_guest2),
		T(test_tlb_isolation),
		T(test_remap_by_guest2_is_seen),
		T(test_new_shadow_after_top_level_change),
		T(test_prefix_is_remapped),
		T(test_guest3_dat_on),
		T(test_bad_arguments),
		T(test_host_swap_error_is_no_exit),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
