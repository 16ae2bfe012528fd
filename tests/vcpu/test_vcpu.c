// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU access semantics: absolute and real (prefixed) accesses, faults resolved
 * on the way, page-crossing copies, PICs for addresses outside the gmap and for
 * host read-only memory, TLB behaviour across host events, the prefix notifier,
 * and DAT-on accesses through guest tables in guest memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>
#include <gmap/vcpu.h>

#include "guest.h"
#include "vcpu/vcpu_hooks.h"
#include "vcpu/vcpu_internal.h"

static void test_read_write_absolute(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long v = 0xfeedfacecafebeefUL, r = 0, h = 0;
	struct vcpu_stats st;

	assert_int_equal(vcpu_write(f->vcpu, 0x123458, &v, sizeof(v)), 0);
	assert_int_equal(vcpu_read(f->vcpu, 0x123458, &r, sizeof(r)), 0);
	assert_int_equal(r, v);
	/* The host sees the same bytes at the mapped host address. */
	assert_int_equal(mm_read(f->mm, HBASE + 0x123458, &h, sizeof(h)), 0);
	assert_int_equal(h, v);
	vcpu_get_stats(f->vcpu, &st);
	assert_int_equal(st.accesses, 2);
	assert_true(st.faults >= 1);
	assert_true(st.tlb_hits >= 1);
}

static void test_cross_page_and_segment(void **state)
{
	struct guest_fixture *f = *state;
	unsigned char in[3 * 4096], out[3 * 4096];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 13 + 1);
	assert_int_equal(vcpu_write(f->vcpu, SEG - 4096 - 100, in, sizeof(in)), 0);
	assert_int_equal(vcpu_read(f->vcpu, SEG - 4096 - 100, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
}

static void test_addressing_exception(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long v = 0;

	assert_int_equal(vcpu_read(f->vcpu, GMEM, &v, sizeof(v)), PGM_ADDRESSING);
	assert_int_equal(vcpu_write(f->vcpu, 1UL << 40, &v, sizeof(v)), PGM_ADDRESSING);
	/* Partly inside: the part inside is done, then the exception. */
	assert_int_equal(vcpu_read(f->vcpu, GMEM - 4, &v, sizeof(v)), PGM_ADDRESSING);
	assert_int_equal(vcpu_read(NULL, 0, &v, 1), -EINVAL);
	assert_int_equal(vcpu_read(f->vcpu, 0, NULL, 1), -EINVAL);
}

static void test_host_read_only_gives_protection(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long v = 7;

	assert_int_equal(vcpu_write(f->vcpu, 2 * SEG, &v, sizeof(v)), 0);
	assert_int_equal(mm_mprotect(f->mm, HBASE + 2 * SEG, SEG, PROT_READ), 0);
	v = 8;
	assert_int_equal(vcpu_write(f->vcpu, 2 * SEG, &v, sizeof(v)), PGM_PROTECTION);
	assert_int_equal(vcpu_last_teid(f->vcpu) & PAGE_MASK, 2 * SEG);
	assert_int_equal(vcpu_read(f->vcpu, 2 * SEG, &v, sizeof(v)), 0);
	assert_int_equal(v, 7);
	assert_int_equal(mm_mprotect(f->mm, HBASE + 2 * SEG, SEG, PROT_NONE), 0);
	assert_int_equal(vcpu_read(f->vcpu, 2 * SEG, &v, sizeof(v)), PGM_ADDRESSING);
}

static void test_tlb_sees_host_events(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long v = 0x1111, r;
	struct vcpu_stats st;

	assert_int_equal(vcpu_write(f->vcpu, 0x5000, &v, sizeof(v)), 0);
	for (int i = 0; i < 20; i++) {
		switch (i % 4) {
		case 0:
			assert_int_equal(mm_page_out(f->mm, HBASE + 0x5000), 0);
			break;
		case 1:
			assert_int_equal(mm_migrate_page(f->mm, HBASE + 0x5000), 0);
			break;
		case 2:
			assert_int_equal(gmap_unmap_segment(f->gmap, 0, SEG), 0);
			assert_int_equal(vcpu_read(f->vcpu, 0x5000, &r, sizeof(r)), PGM_ADDRESSING);
			assert_int_equal(gmap_map_segment(f->gmap, HBASE, 0, SEG), 0);
			break;
		default:
			break;
		}
		assert_int_equal(vcpu_read(f->vcpu, 0x5000, &r, sizeof(r)), 0);
		assert_int_equal(r, v);
		v++;
		assert_int_equal(vcpu_write(f->vcpu, 0x5000, &v, sizeof(v)), 0);
		assert_int_equal(mm_read(f->mm, HBASE + 0x5000, &r, sizeof(r)), 0);
		assert_int_equal(r, v);
	}
	vcpu_get_stats(f->vcpu, &st);
	assert_true(st.purges >= 10);
}

static void test_prefix(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long v = 0xabcd, r = 0;
	struct vcpu_stats st;

	assert_int_equal(vcpu_set_prefix(f->vcpu, 0x1000), -EINVAL);
	assert_int_equal(vcpu_set_prefix(f->vcpu, 1UL << 31), -EINVAL);
	assert_int_equal(vcpu_set_prefix(f->vcpu, 0x40000), 0);
	assert_int_equal(vcpu_get_prefix(f->vcpu), 0x40000);
	/* Real 0..8K is absolute prefix..prefix+8K, and the other way round. */
	assert_int_equal(vcpu_write_real(f->vcpu, 0x10, &v, sizeof(v)), 0);
	assert_int_equal(vcpu_read(f->vcpu, 0x40010, &r, sizeof(r)), 0);
	assert_int_equal(r, v);
	assert_int_equal(vcpu_write(f->vcpu, 0x1ff8, &v, sizeof(v)), 0);
	assert_int_equal(vcpu_read_real(f->vcpu, 0x41ff8, &r, sizeof(r)), 0);
	assert_int_equal(r, v);
	vcpu_get_stats(f->vcpu, &st);
	assert_int_equal(st.prefix_refreshes, 1);
	/* The prefix pages are armed: a host change flags a refresh before the next access. */
	assert_int_equal(mm_page_out(f->mm, HBASE + 0x41000), 0);
	assert_int_equal(vcpu_read_real(f->vcpu, 0, &r, sizeof(r)), 0);
	vcpu_get_stats(f->vcpu, &st);
	assert_int_equal(st.prefix_refreshes, 2);
	/* A change elsewhere does not. */
	assert_int_equal(vcpu_write(f->vcpu, 0x5000, &v, sizeof(v)), 0);
	assert_int_equal(mm_page_out(f->mm, HBASE + 0x5000), 0);
	assert_int_equal(vcpu_read_real(f->vcpu, 0, &r, sizeof(r)), 0);
	vcpu_get_stats(f->vcpu, &st);
	assert_int_equal(st.prefix_refreshes, 2);
	/* After the refresh the prefix pages are mapped and writable. */
	assert_int_equal(mm_lookup_pte(f->mm, HBASE + 0x41000) & (_PAGE_INVALID | _PAGE_PROTECT),
			 0);
}

static void put_be64(struct guest_fixture *f, unsigned long gaddr, unsigned long val)
{
	unsigned long be = htobe64(val);

	assert_int_equal(vcpu_write(f->vcpu, gaddr, &be, sizeof(be)), 0);
}

/* Guest tables in guest memory: a segment-table ASCE mapping virtual 0x100000+ */
#define GST 0x200000UL /* segment table (16 KiB) */
#define GPT 0x208000UL /* page table */

static void build_guest_tables(struct guest_fixture *f)
{
	for (unsigned long i = 0; i < _CRST_ENTRIES; i++)
		put_be64(f, GST + 8 * i, _SEGMENT_ENTRY_EMPTY);
	for (unsigned long i = 0; i < _PAGE_ENTRIES; i++)
		put_be64(f, GPT + 8 * i, _PAGE_INVALID);
	put_be64(f, GST + 8 * 1, GPT);			    /* segment 1 -> page table */
	put_be64(f, GPT + 8 * 0, 0x300000);		    /* va 0x100000 -> abs 0x300000 */
	put_be64(f, GPT + 8 * 1, 0x301000 | _PAGE_PROTECT); /* read-only */
	put_be64(f, GPT + 8 * 2, 0xf000000UL);		    /* outside guest memory */
}

static void test_dat_on(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long asce = GST | _ASCE_TYPE_SEGMENT | 3, v = 0x77, r = 0;

	build_guest_tables(f);
	assert_int_equal(vcpu_write_virt(f->vcpu, asce, 0x100008, &v, sizeof(v)), 0);
	assert_int_equal(vcpu_read(f->vcpu, 0x300008, &r, sizeof(r)), 0);
	assert_int_equal(r, v);
	assert_int_equal(vcpu_read_virt(f->vcpu, asce, 0x101000, &r, sizeof(r)), 0);
	assert_int_equal(vcpu_write_virt(f->vcpu, asce, 0x101000, &v, sizeof(v)), PGM_PROTECTION);
	assert_int_equal(vcpu_last_teid(f->vcpu), 0x101000 | TEID_STORE | TEID_PROT_DAT);
	assert_int_equal(vcpu_read_virt(f->vcpu, asce, 0x103000, &r, sizeof(r)),
			 PGM_PAGE_TRANSLATION);
	assert_int_equal(vcpu_last_teid(f->vcpu), 0x103000 | TEID_FETCH);
	assert_int_equal(vcpu_read_virt(f->vcpu, asce, 0x200000, &r, sizeof(r)),
			 PGM_SEGMENT_TRANSLATION);
	assert_int_equal(vcpu_read_virt(f->vcpu, asce, 0x80000000UL, &r, sizeof(r)), PGM_ASCE_TYPE);
	assert_int_equal(vcpu_read_virt(f->vcpu, asce, 0x102000, &r, sizeof(r)), PGM_ADDRESSING);
	/* Guest changes a valid entry: stale until the guest purges. */
	put_be64(f, GPT + 8 * 0, 0x304000);
	vcpu_purge_tlb(f->vcpu);
	assert_int_equal(vcpu_read_virt(f->vcpu, asce, 0x100008, &r, sizeof(r)), 0);
	assert_int_equal(r, 0);
	/* Host page-out of a guest table page is invisible to the guest. */
	assert_int_equal(mm_page_out(f->mm, HBASE + GPT), 0);
	vcpu_purge_tlb(f->vcpu);
	assert_int_equal(vcpu_write_virt(f->vcpu, asce, 0x100010, &v, sizeof(v)), 0);
	assert_int_equal(vcpu_read(f->vcpu, 0x304010, &r, sizeof(r)), 0);
	assert_int_equal(r, v);
	/* The guest table itself outside guest memory: addressing for the table entry. */
	assert_int_equal(vcpu_read_virt(f->vcpu, 0xf000000UL, 0, &r, sizeof(r)), PGM_ADDRESSING);
	assert_int_equal(vcpu_set_dat_features(f->vcpu, 3, false), -EINVAL);
	assert_int_equal(vcpu_set_dat_features(f->vcpu, 1, true), 0);
}

static void test_no_gmap_enabled(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long v;

	gmap_disable(f->gmap);
	assert_int_equal(vcpu_read(f->vcpu, 0, &v, sizeof(v)), -EINVAL);
	gmap_enable(f->gmap);
	assert_int_equal(vcpu_read(f->vcpu, 0, &v, sizeof(v)), 0);
}

/*
 * The first access of a vCPU to an mm against an IPTE of the page it accesses,
 * at the two points that matter, replayed deterministically on the vCPU's own
 * thread: the host pages the page out and writes new contents (into a new
 * frame). Either way the vCPU must read the new contents, never the old frame.
 */
static struct {
	struct guest_fixture *f;
	enum vcpu_hook_point at;
	unsigned long purges_before, purges_after; /* this vCPU's, around the IPTE */
	bool fired;
} ipte_hook;

static unsigned long purges(struct vcpu *v)
{
	struct vcpu_stats st;

	vcpu_get_stats(v, &st);
	return st.purges;
}

static void ipte_at_hook(struct vcpu *v, enum vcpu_hook_point point)
{
	unsigned long fresh = 0x2222;

	if (point != ipte_hook.at || ipte_hook.fired)
		return;
	ipte_hook.fired = true;
	ipte_hook.purges_before = purges(v);
	assert_int_equal(mm_page_out(ipte_hook.f->mm, HBASE + 0x6000), 0);
	assert_int_equal(mm_write(ipte_hook.f->mm, HBASE + 0x6000, &fresh, sizeof(fresh)), 0);
	ipte_hook.purges_after = purges(v);
}

static void first_access_against_ipte(struct guest_fixture *f, enum vcpu_hook_point at)
{
	unsigned long old = 0x1111, r = 0;
	struct vcpu_stats st;

	/* Linked and present before the vCPU's first access, written by the host. */
	assert_int_equal(mm_write(f->mm, HBASE + 0x6000, &old, sizeof(old)), 0);
	assert_int_equal(gmap_fault(f->gmap, 0x6000, 0), 0);
	ipte_hook = (__typeof__(ipte_hook)){ f, at, 0, 0, false };
	vcpu_test_hook = ipte_at_hook;
	assert_int_equal(vcpu_read(f->vcpu, 0x6000, &r, sizeof(r)), 0);
	vcpu_test_hook = NULL;
	assert_true(ipte_hook.fired);
	/* Subscribed before the IPTE: the IPTE purged this vCPU. */
	assert_true(ipte_hook.purges_after > ipte_hook.purges_before);
	assert_int_equal(r, 0x2222);
	vcpu_get_stats(f->vcpu, &st);
	/* A walk that found the old frame is thrown away by the copy window. */
	if (at == VCPU_HOOK_WALKED)
		assert_true(st.retries >= 1);
}

static void test_ipte_between_subscription_and_walk(void **state)
{
	first_access_against_ipte(*state, VCPU_HOOK_SUBSCRIBED);
}

static void test_ipte_between_walk_and_copy(void **state)
{
	first_access_against_ipte(*state, VCPU_HOOK_WALKED);
}

/* The last byte of member @m of struct vcpu, as an offset. */
#define VCPU_END(m) (offsetof(struct vcpu, m) + sizeof(((struct vcpu *)0)->m) - 1)

/*
 * vCPUs created one after another on one thread, as a VMM creates its vCPUs at
 * start-up, share no VCPU_LINE block: what one vCPU writes on every access never
 * evicts a line another vCPU's accesses use (each would otherwise slow the other
 * down on every hit). Inside a vCPU, the purge count that purgers write and the
 * list links that other vCPUs' creation changes are on lines of their own, away
 * from the counters the vCPU writes on every access.
 */
static void test_vcpus_share_no_line(void **state)
{
	struct vcpu *v[4];
	size_t others = offsetof(struct vcpu, node) / VCPU_LINE;

	(void)state;
	assert_int_equal(sizeof(struct vcpu) % VCPU_LINE, 0);
	for (int i = 0; i < 4; i++) {
		v[i] = vcpu_create();
		assert_non_null(v[i]);
		assert_int_equal((uintptr_t)v[i] % VCPU_LINE, 0);
	}
	assert_true(VCPU_END(stats) / VCPU_LINE < others);
	assert_true(VCPU_END(sie) / VCPU_LINE < others);
	assert_true(VCPU_END(fast) / VCPU_LINE < others);
	assert_int_equal(offsetof(struct vcpu, node) % VCPU_LINE, 0);
	assert_int_equal(VCPU_END(purges) / VCPU_LINE, others);
	for (int i = 0; i < 4; i++)
		vcpu_destroy(v[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		GUEST_TEST(test_read_write_absolute),
		GUEST_TEST(test_cross_page_and_segment),
		GUEST_TEST(test_addressing_exception),
		GUEST_TEST(test_host_read_only_gives_protection),
		GUEST_TEST(test_tlb_sees_host_events),
		GUEST_TEST(test_prefix),
		GUEST_TEST(test_dat_on),
		GUEST_TEST(test_no_gmap_enabled),
		GUEST_TEST(test_ipte_between_subscription_and_walk),
		GUEST_TEST(test_ipte_between_walk_and_copy),
		cmocka_unit_test(test_vcpus_share_no_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
