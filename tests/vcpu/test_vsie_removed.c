// SPDX-License-Identifier: GPL-2.0
/*
 * Regression test of a library bug, fixed in access_virt_page() (src/vcpu/vcpu.c):
 * through a shadow, -EAGAIN now goes up to sie_access() instead of being retried.
 *
 * A guest-3 DAT-on access (vcpu_sie_read_virt()) reads guest-3's own table
 * entries through the shadow. If the shadow is removed meanwhile (a host
 * page-out of guest-2's top-level table page does it, gmap_shadow_notify()),
 * vsie_shadow_fault() answers -EAGAIN for good: "take a new shadow". The DAT
 * walk handed it up (read_guest_entry() -> xlate_virt()), but access_virt_page()
 * retried xlate_virt() on -EAGAIN with the same removed shadow, forever,
 * instead of returning to sie_access(), whose bounded retry takes a new one.
 * `gmap run --nested` hit it under load (gdb: sg->removed, eagain_retries 0,
 * 6.5e8 shadow faults in one access).
 *
 * Replay: the walk hook removes the shadow during the shadow fault of the
 * access's first table read. The access must then succeed through a new
 * shadow; a SIGALRM after ALARM_S seconds ends the livelock with exit 1.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../gmap/shadowtest.h"
#include "vcpu/shadow_fault.h"

#define ALARM_S 10
#define PREFIX3 0x404000UL /* guest-3's prefix: guest-3 0x400000 on is G2_DATA on */
#define STO3	0x400000UL /* guest-3's own segment table (guest-3 absolute) */
#define PTO3	0x401000UL /* its page table */
#define DATA3	0x402000UL /* the page its PTE 0 maps */

static int removals;

static void remove_shadow(struct gmap *sg, unsigned long saddr, int level)
{
	/* The shadow fault of guest-3's first table read, not the prefix's. */
	if ((saddr & PAGE_MASK) != STO3 || level != DAT_LEVEL_PTE || removals++)
		return;
	spin_lock(&sg->guest_table_lock);
	gmap_unshadow(sg);
	spin_unlock(&sg->guest_table_lock);
}

static void livelocked(int sig)
{
	static const char msg[] = "vcpu_sie_read_virt() did not return: livelock on -EAGAIN\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static void test_dat_on_access_survives_shadow_removal(void **state)
{
	struct g2 g = { 0 };
	struct vcpu *cpu;
	struct vsie_stats st;
	unsigned long v = 0;

	(void)state;
	assert_int_equal(g2_create(&g), 0);
	g2_build_chain(&g);
	/* Guest-2's region-first chain maps guest-3's low 2 GiB too: G3 0x400000 = G2_DATA. */
	g2_put(&g, G2_R1T, G2_R2T | _REGION_ENTRY_TYPE_R1 | _REGION_ENTRY_LENGTH);
	g2_put(&g, G2_R2T, G2_R3T | _REGION_ENTRY_TYPE_R2 | _REGION_ENTRY_LENGTH);
	g2_put(&g, G2_R3T, G2_SGT | _REGION_ENTRY_TYPE_R3 | _REGION_ENTRY_LENGTH);
	/* Guest-3's own tables: segment 0 -> PTO3, page 0 -> DATA3. */
	g2_fill(&g, G2_DATA, 512, _SEGMENT_ENTRY_EMPTY);
	g2_put(&g, G2_DATA, PTO3);
	g2_fill(&g, G2_DATA + PAGE_SIZE, 256, _PAGE_INVALID);
	g2_put(&g, G2_DATA + PAGE_SIZE, DATA3);
	g2_put(&g, G2_DATA + 2 * PAGE_SIZE, 0x1122334455667788UL);

	cpu = vcpu_create();
	assert_non_null(cpu);
	gmap_enable(g.parent);
	assert_int_equal(vcpu_sie_enter(cpu, ASCE_R1, 0, PREFIX3), 0);
	/* The prefix and the shadow's tables down to segment 4 are there now. */
	assert_int_equal(vcpu_sie_read(cpu, DATA3, &v, sizeof(v)), 0);
	signal(SIGALRM, livelocked);
	alarm(ALARM_S);
	vsie_walk_hook = remove_shadow;
	assert_int_equal(vcpu_sie_read_virt(cpu, STO3 | _ASCE_TYPE_SEGMENT, 0, &v, sizeof(v)), 0);
	vsie_walk_hook = NULL;
	alarm(0);
	assert_int_equal(removals > 0, 1);
	assert_int_equal(be64toh(v), 0x1122334455667788UL);
	vcpu_get_vsie_stats(cpu, &st);
	assert_true(st.eagain_retries > 0);
	assert_true(st.shadow_acquires >= 2);
	vcpu_sie_exit(cpu);
	gmap_disable(g.parent);
	vcpu_destroy(cpu);
	g2_destroy(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dat_on_access_survives_shadow_removal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
