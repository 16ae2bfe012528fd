// SPDX-License-Identifier: GPL-2.0
/*
 * DAT-on accesses through guest tables in guest memory: every exception the
 * guest's own tables can cause must reach the guest as the right program-
 * interruption code with the right TEID, and every translation must agree with
 * dat_translate() run over the same tables read from the host side (mm_read).
 * Also the places where the host and the guest meet: guest tables the host has
 * paged out, migrated or made inaccessible, guest tables outside guest memory,
 * prefixing of DAT results, and the TLB entry that combines the guest's and the
 * host's protection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>
#include <gmap/vcpu.h>

#include "guest.h"

/* One chain of guest tables, each table in its own pages. */
#define R1T  0x400000UL
#define R2T  0x404000UL
#define R3T  0x408000UL
#define SGT  0x40c000UL
#define PGT  0x410000UL
#define DATA 0x500000UL /* the frame the chain maps */

/* Index values with the upper two bits set where the TF/TL checks look at them. */
#define RFX 0x201UL /* >> 9 = 1 */
#define RSX 0x402UL /* >> 9 = 2 */
#define RTX 0x603UL /* >> 9 = 3 */
#define SX  0x504UL /* >> 9 = 2 */
#define PX  0x05UL

#define VA(rfx, rsx, rtx, sx, px)                                                              \
	(((unsigned long)(rfx) << _REGION1_SHIFT) | ((unsigned long)(rsx) << _REGION2_SHIFT) | \
	 ((unsigned long)(rtx) << _REGION3_SHIFT) | ((unsigned long)(sx) << _SEGMENT_SHIFT) |  \
	 ((unsigned long)(px) << PAGE_SHIFT))

#define V VA(RFX, RSX, RTX, SX, PX)

#define ASCE_R1 (R1T | _ASCE_TYPE_REGION1 | 3)
#define ASCE_R2 (R2T | _ASCE_TYPE_REGION2 | 3)
#define ASCE_R3 (R3T | _ASCE_TYPE_REGION3 | 3)
#define ASCE_SG (SGT | _ASCE_TYPE_SEGMENT | 3)

/* The addresses each ASCE type reaches the same page through. */
#define V_R2 VA(0, RSX, RTX, SX, PX)
#define V_R3 VA(0, 0, RTX, SX, PX)
#define V_SG VA(0, 0, 0, SX, PX)

/* The valid entries of the chain, TF = 0 and TL = 3 (full tables). */
#define R1E (R2T | _REGION_ENTRY_TYPE_R1 | 3)
#define R2E (R3T | _REGION_ENTRY_TYPE_R2 | 3)
#define R3E (SGT | _REGION_ENTRY_TYPE_R3 | 3)
#define STE (PGT)
#define PTE (DATA)

struct fixture {
	struct mm_struct *mm;
	struct gmap *gmap;
	struct vcpu *vcpu;
	unsigned int edat;    /* what the vCPU was told, for the reference walk */
	unsigned long prefix; /* likewise */
};

/* ---- guest storage seen from the host ---------------------------------------------------- */

static void put_entry(struct fixture *f, unsigned long gaddr, unsigned long val)
{
	unsigned long be = htobe64(val);

	assert_int_equal(mm_write(f->mm, HBASE + gaddr, &be, sizeof(be)), 0);
}

static unsigned long host_u64(struct fixture *f, unsigned long gaddr)
{
	unsigned long v = 0;

	assert_int_equal(mm_read(f->mm, HBASE + gaddr, &v, sizeof(v)), 0);
	return v;
}

static void fill_table(struct fixture *f, unsigned long origin, unsigned long n, unsigned long val)
{
	unsigned long *t = malloc(n * 8);

	assert_non_null(t);
	for (unsigned long i = 0; i < n; i++)
		t[i] = htobe64(val);
	assert_int_equal(mm_write(f->mm, HBASE + origin, t, n * 8), 0);
	free(t);
}

/* Change one guest table entry and purge the TLB, as the guest does (IPTE/PTLB). */
static void set_entry(struct fixture *f, unsigned long gaddr, unsigned long val)
{
	put_entry(f, gaddr, val);
	vcpu_purge_tlb(f->vcpu);
}

/* Addresses of the chain's entries for V. */
#define R1E_AT (R1T + RFX * 8)
#define R2E_AT (R2T + RSX * 8)
#define R3E_AT (R3T + RTX * 8)
#define STE_AT (SGT + SX * 8)
#define PTE_AT (PGT + PX * 8)

static void build_chain(struct fixture *f)
{
	fill_table(f, R1T, _CRST_ENTRIES, _REGION1_ENTRY_EMPTY);
	fill_table(f, R2T, _CRST_ENTRIES, _REGION2_ENTRY_EMPTY);
	fill_table(f, R3T, _CRST_ENTRIES, _REGION3_ENTRY_EMPTY);
	fill_table(f, SGT, _CRST_ENTRIES, _SEGMENT_ENTRY_EMPTY);
	fill_table(f, PGT, _PAGE_ENTRIES, _PAGE_INVALID);
	put_entry(f, R1E_AT, R1E);
	put_entry(f, R2E_AT, R2E);
	put_entry(f, R3E_AT, R3E);
	put_entry(f, STE_AT, STE);
	put_entry(f, PTE_AT, PTE);
	vcpu_purge_tlb(f->vcpu);
}

/* ---- the reference: dat_translate() over the same tables read by the host ----------------- */

static int host_read_entry(void *ctx, unsigned long addr, unsigned long *val)
{
	struct fixture *f = ctx;
	unsigned long be;

	if (addr >= GMEM || mm_read(f->mm, HBASE + addr, &be, sizeof(be)))
		return -1;
	*val = be64toh(be);
	return 0;
}

static unsigned int reference(struct fixture *f, unsigned long asce, unsigned long va, bool write,
			      struct dat_result *res)
{
	struct dat_config cfg = {
		.asce = asce, .edat = f->edat, .prefix = f->prefix, .storage_size = GMEM
	};

	return dat_translate(&cfg, va, write ? DAT_STORE : DAT_FETCH, host_read_entry, f, res);
}

/*
 * Access @va with DAT on, fetch or store. The vCPU and the reference must both
 * give @pic; with a PIC the vCPU's TEID must be @teid, without one the bytes
 * must land in (or come from) the absolute address the reference computed,
 * which must be @abs. Returns nothing: every disagreement fails the test.
 */
static void expect(struct fixture *f, unsigned long asce, unsigned long va, bool write,
		   unsigned int pic, unsigned long teid, unsigned long abs)
{
	static unsigned long stamp = 0x0123456789abcdefUL;
	unsigned long val = ++stamp, got = 0, before = 0;
	struct dat_result res;
	int rc;

	assert_int_equal(reference(f, asce, va, write, &res), pic);
	if (!pic) {
		assert_int_equal(res.abs, abs + (va & ~PAGE_MASK));
		before = host_u64(f, res.abs);
	} else if (pic != PGM_TRANSLATION_SPEC) {
		assert_int_equal(res.teid, teid);
	}
	if (write)
		rc = vcpu_write_virt(f->vcpu, asce, va, &val, sizeof(val));
	else
		rc = vcpu_read_virt(f->vcpu, asce, va, &got, sizeof(got));
	assert_int_equal(rc, pic);
	if (pic) {
		assert_int_equal(vcpu_last_teid(f->vcpu), teid);
		return;
	}
	if (write)
		assert_int_equal(host_u64(f, res.abs), val);
	else
		assert_int_equal(got, before);
}

static void expect_ok(struct fixture *f, unsigned long asce, unsigned long va, unsigned long abs)
{
	expect(f, asce, va, false, 0, 0, abs);
	expect(f, asce, va, true, 0, 0, abs);
}

/* A translation exception: stored TEID = page of @va, fetch/store bit, primary space. */
static void expect_trans(struct fixture *f, unsigned long asce, unsigned long va, unsigned int pic)
{
	expect(f, asce, va, false, pic, (va & PAGE_MASK) | TEID_FETCH, 0);
	expect(f, asce, va, true, pic, (va & PAGE_MASK) | TEID_STORE, 0);
}

/* An exception that stores no TEID: translation specification, addressing. */
static void expect_no_teid(struct fixture *f, unsigned long asce, unsigned long va,
			   unsigned int pic)
{
	expect(f, asce, va, false, pic, 0, 0);
	expect(f, asce, va, true, pic, 0, 0);
}

/* DAT protection: fetches work, stores get PIC 4 with the DAT code in the TEID. */
static void expect_dat_prot(struct fixture *f, unsigned long asce, unsigned long va,
			    unsigned long abs)
{
	expect(f, asce, va, false, 0, 0, abs);
	expect(f, asce, va, true, PGM_PROTECTION, (va & PAGE_MASK) | TEID_STORE | TEID_PROT_DAT, 0);
}

static void set_features(struct fixture *f, unsigned int edat)
{
	assert_int_equal(vcpu_set_dat_features(f->vcpu, edat, false), 0);
	f->edat = edat;
}

static void set_prefix(struct fixture *f, unsigned long prefix)
{
	assert_int_equal(vcpu_set_prefix(f->vcpu, prefix), 0);
	f->prefix = prefix;
}

/* ---- fixture ------------------------------------------------------------------------------ */

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (guest_setup(&f->mm, &f->gmap, &f->vcpu))
		return -1;
	*state = f;
	build_chain(f);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	guest_teardown(f->mm, f->gmap, f->vcpu);
	free(f);
	return 0;
}

/* ---- translations that work ---------------------------------------------------------------- */

static void test_every_asce_type_reaches_the_frame(void **state)
{
	struct fixture *f = *state;
	unsigned long a = 0, b = 0;

	expect_ok(f, ASCE_R1, V, DATA);
	expect_ok(f, ASCE_R2, V_R2, DATA);
	expect_ok(f, ASCE_R3, V_R3, DATA);
	expect_ok(f, ASCE_SG, V_SG, DATA);
	/* The same bytes through all four, and through the absolute address. */
	assert_int_equal(vcpu_read_virt(f->vcpu, ASCE_R1, V + 0x80, &a, sizeof(a)), 0);
	assert_int_equal(vcpu_read(f->vcpu, DATA + 0x80, &b, sizeof(b)), 0);
	assert_int_equal(a, b);
	assert_int_equal(vcpu_read_virt(f->vcpu, ASCE_SG, V_SG + 0x80, &b, sizeof(b)), 0);
	assert_int_equal(a, b);
}

static void test_crossing_pages_with_dat(void **state)
{
	struct fixture *f = *state;
	unsigned char in[2 * 4096], out[sizeof(in)], host[sizeof(in)];
	unsigned long first;

	/* The next virtual page maps a frame that is not the next absolute page. */
	put_entry(f, PTE_AT + 8, DATA + 7 * PAGE_SIZE);
	vcpu_purge_tlb(f->vcpu);
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + 3);
	assert_int_equal(vcpu_write_virt(f->vcpu, ASCE_R1, V + 2048, in, 4096), 0);
	assert_int_equal(vcpu_read_virt(f->vcpu, ASCE_R1, V + 2048, out, 4096), 0);
	assert_memory_equal(in, out, 4096);
	assert_int_equal(mm_read(f->mm, HBASE + DATA + 2048, host, 2048), 0);
	assert_memory_equal(in, host, 2048);
	assert_int_equal(mm_read(f->mm, HBASE + DATA + 7 * PAGE_SIZE, host, 2048), 0);
	assert_memory_equal(in + 2048, host, 2048);
	/* Crossing into an invalid page: the first part is done, then the exception. */
	assert_int_equal(vcpu_write_virt(f->vcpu, ASCE_R1, V + 2 * PAGE_SIZE - 8, in, 16),
			 PGM_PAGE_TRANSLATION);
	assert_int_equal(vcpu_last_teid(f->vcpu), (V + 2 * PAGE_SIZE) | TEID_STORE);
	first = host_u64(f, DATA + 8 * PAGE_SIZE - 8);
	assert_memory_equal(in, &first, sizeof(first));
}

/* ---- translation exceptions ---------------------------------------------------------------- */

static void test_asce_type(void **state)
{
	struct fixture *f = *state;

	/* Index bits above the designated table must be zero; no table is read. */
	expect_trans(f, ASCE_SG, V_R3, PGM_ASCE_TYPE);
	expect_trans(f, ASCE_SG, 1UL << 31, PGM_ASCE_TYPE);
	expect_trans(f, ASCE_R3, V_R2, PGM_ASCE_TYPE);
	expect_trans(f, ASCE_R3, 1UL << 42, PGM_ASCE_TYPE);
	expect_trans(f, ASCE_R2, V, PGM_ASCE_TYPE);
	expect_trans(f, ASCE_R2, 1UL << 53, PGM_ASCE_TYPE);
	/* Even when the ASCE's table is outside guest memory. */
	expect_trans(f, (GMEM + 0x4000) | _ASCE_TYPE_SEGMENT | 3, 1UL << 31, PGM_ASCE_TYPE);
}

static void test_asce_table_length(void **state)
{
	struct fixture *f = *state;

	/* The first index's two upper bits must not exceed the ASCE's TL. */
	expect_trans(f, R1T | _ASCE_TYPE_REGION1 | 0, V, PGM_REGION_FIRST_TRANS);
	expect_ok(f, R1T | _ASCE_TYPE_REGION1 | 1, V, DATA);
	expect_trans(f, R2T | _ASCE_TYPE_REGION2 | 1, V_R2, PGM_REGION_SECOND_TRANS);
	expect_ok(f, R2T | _ASCE_TYPE_REGION2 | 2, V_R2, DATA);
	expect_trans(f, R3T | _ASCE_TYPE_REGION3 | 2, V_R3, PGM_REGION_THIRD_TRANS);
	expect_trans(f, SGT | _ASCE_TYPE_SEGMENT | 1, V_SG, PGM_SEGMENT_TRANSLATION);
	expect_ok(f, SGT | _ASCE_TYPE_SEGMENT | 2, V_SG, DATA);
}

static void test_invalid_entries(void **state)
{
	struct fixture *f = *state;

	/* Each level's I bit gives that level's translation exception. */
	set_entry(f, PTE_AT, PTE | _PAGE_INVALID);
	expect_trans(f, ASCE_R1, V, PGM_PAGE_TRANSLATION);
	set_entry(f, STE_AT, STE | _SEGMENT_ENTRY_INVALID);
	expect_trans(f, ASCE_R1, V, PGM_SEGMENT_TRANSLATION);
	expect_trans(f, ASCE_SG, V_SG, PGM_SEGMENT_TRANSLATION);
	set_entry(f, R3E_AT, R3E | _REGION_ENTRY_INVALID);
	expect_trans(f, ASCE_R1, V, PGM_REGION_THIRD_TRANS);
	expect_trans(f, ASCE_R3, V_R3, PGM_REGION_THIRD_TRANS);
	set_entry(f, R2E_AT, R2E | _REGION_ENTRY_INVALID);
	expect_trans(f, ASCE_R1, V, PGM_REGION_SECOND_TRANS);
	expect_trans(f, ASCE_R2, V_R2, PGM_REGION_SECOND_TRANS);
	set_entry(f, R1E_AT, R1E | _REGION_ENTRY_INVALID);
	expect_trans(f, ASCE_R1, V, PGM_REGION_FIRST_TRANS);
	/* Valid again, level by level from the top. */
	set_entry(f, R1E_AT, R1E);
	expect_trans(f, ASCE_R1, V, PGM_REGION_SECOND_TRANS);
	set_entry(f, R2E_AT, R2E);
	set_entry(f, R3E_AT, R3E);
	set_entry(f, STE_AT, STE);
	set_entry(f, PTE_AT, PTE);
	expect_ok(f, ASCE_R1, V, DATA);
}

static void test_table_offset_and_length(void **state)
{
	struct fixture *f = *state;

	/* A region entry's TF/TL bound the next level's index: that level's exception. */
	set_entry(f, R1E_AT, (R1E & ~3UL) | 1); /* RSX >> 9 = 2 > TL 1 */
	expect_trans(f, ASCE_R1, V, PGM_REGION_SECOND_TRANS);
	set_entry(f, R1E_AT, (R1E & ~3UL) | 0xc0 | 3); /* 2 < TF 3 */
	expect_trans(f, ASCE_R1, V, PGM_REGION_SECOND_TRANS);
	set_entry(f, R1E_AT, (R1E & ~3UL) | 0x80 | 2); /* TF 2 <= 2 <= TL 2 */
	expect_ok(f, ASCE_R1, V, DATA);
	set_entry(f, R2E_AT, (R2E & ~3UL) | 2); /* RTX >> 9 = 3 > TL 2 */
	expect_trans(f, ASCE_R1, V, PGM_REGION_THIRD_TRANS);
	expect_trans(f, ASCE_R2, V_R2, PGM_REGION_THIRD_TRANS);
	set_entry(f, R2E_AT, R2E | 0xc0); /* TF 3 <= 3 */
	expect_ok(f, ASCE_R2, V_R2, DATA);
	set_entry(f, R3E_AT, (R3E & ~3UL) | 1); /* SX >> 9 = 2 > TL 1 */
	expect_trans(f, ASCE_R1, V, PGM_SEGMENT_TRANSLATION);
	expect_trans(f, ASCE_R3, V_R3, PGM_SEGMENT_TRANSLATION);
	set_entry(f, R3E_AT, R3E | 0xc0); /* 2 < TF 3 */
	expect_trans(f, ASCE_R3, V_R3, PGM_SEGMENT_TRANSLATION);
}

static void test_translation_specification(void **state)
{
	struct fixture *f = *state;

	/* Wrong table type in a region entry. */
	set_entry(f, R1E_AT, (R1E & ~_REGION_ENTRY_TYPE_MASK) | _REGION_ENTRY_TYPE_R2);
	expect_no_teid(f, ASCE_R1, V, PGM_TRANSLATION_SPEC);
	set_entry(f, R1E_AT, R1E);
	set_entry(f, R2E_AT, (R2E & ~_REGION_ENTRY_TYPE_MASK) | _REGION_ENTRY_TYPE_R3);
	expect_no_teid(f, ASCE_R1, V, PGM_TRANSLATION_SPEC);
	set_entry(f, R2E_AT, R2E);
	set_entry(f, R3E_AT, (R3E & ~_REGION_ENTRY_TYPE_MASK) | _REGION_ENTRY_TYPE_R1);
	expect_no_teid(f, ASCE_R3, V_R3, PGM_TRANSLATION_SPEC);
	set_entry(f, R3E_AT, R3E);
	/* A segment entry's TT must be 00. */
	set_entry(f, STE_AT, STE | _REGION_ENTRY_TYPE_R3);
	expect_no_teid(f, ASCE_SG, V_SG, PGM_TRANSLATION_SPEC);
	/* A common segment in a private space. */
	set_entry(f, STE_AT, STE | _SEGMENT_ENTRY_COMM);
	expect_ok(f, ASCE_SG, V_SG, DATA);
	expect_no_teid(f, ASCE_SG | _ASCE_PRIVATE_SPACE, V_SG, PGM_TRANSLATION_SPEC);
	set_entry(f, STE_AT, STE);
	expect_ok(f, ASCE_SG | _ASCE_PRIVATE_SPACE, V_SG, DATA);
	/* PTE bit 52 must be zero. */
	set_entry(f, PTE_AT, PTE | _PAGE_LARGE);
	expect_no_teid(f, ASCE_R1, V, PGM_TRANSLATION_SPEC);
	/* PTE bit 55 is reserved without EDAT-1 (and without IEP). */
	set_entry(f, PTE_AT, PTE | _PAGE_NOEXEC);
	expect_no_teid(f, ASCE_R1, V, PGM_TRANSLATION_SPEC);
	set_features(f, 1);
	expect_ok(f, ASCE_R1, V, DATA);
	/* The region-third CR bit in a private space matters with EDAT-2 only. */
	set_entry(f, PTE_AT, PTE);
	set_entry(f, R3E_AT, R3E | _REGION3_ENTRY_COMM);
	expect_ok(f, ASCE_R3 | _ASCE_PRIVATE_SPACE, V_R3, DATA);
	set_features(f, 2);
	expect_ok(f, ASCE_R3, V_R3, DATA);
	expect_no_teid(f, ASCE_R3 | _ASCE_PRIVATE_SPACE, V_R3, PGM_TRANSLATION_SPEC);
}

/* ---- DAT protection ------------------------------------------------------------------------ */

static void test_segment_and_page_protection(void **state)
{
	struct fixture *f = *state;
	unsigned long v = 1, before = host_u64(f, DATA);

	set_entry(f, PTE_AT, PTE | _PAGE_PROTECT);
	expect_dat_prot(f, ASCE_R1, V, DATA);
	assert_int_equal(vcpu_write_virt(f->vcpu, ASCE_R1, V, &v, sizeof(v)), PGM_PROTECTION);
	assert_int_equal(host_u64(f, DATA), before);
	set_entry(f, PTE_AT, PTE);
	set_entry(f, STE_AT, STE | _SEGMENT_ENTRY_PROTECT);
	expect_dat_prot(f, ASCE_SG, V_SG, DATA);
	/* The segment P bit counts without EDAT, unlike the region ones. */
	expect_dat_prot(f, ASCE_R1, V, DATA);
	set_entry(f, STE_AT, STE);
	expect_ok(f, ASCE_R1, V, DATA);
}

static void test_region_protection_needs_edat1(void **state)
{
	static const struct {
		unsigned long at, e;
	} r[] = { { R1E_AT, R1E }, { R2E_AT, R2E }, { R3E_AT, R3E } };
	struct fixture *f = *state;

	for (size_t i = 0; i < 3; i++) {
		set_features(f, 0);
		set_entry(f, r[i].at, r[i].e | _REGION_ENTRY_PROTECT);
		expect_ok(f, ASCE_R1, V, DATA); /* ignored without EDAT-1 */
		set_features(f, 1);
		expect_dat_prot(f, ASCE_R1, V, DATA);
		set_entry(f, r[i].at, r[i].e);
		expect_ok(f, ASCE_R1, V, DATA);
	}
}

/* ---- large frames --------------------------------------------------------------------------- */

static void test_edat1_segment_frames(void **state)
{
	struct fixture *f = *state;
	unsigned long va = VA(RFX, RSX, RTX, SX + 1, 0x37) + 0x128;
	unsigned long ste_at = STE_AT + 8;

	/* A 1 MiB frame at absolute 6 MiB. */
	put_entry(f, ste_at, 0x600000UL | _SEGMENT_ENTRY_LARGE);
	/* Without EDAT-1 the FC bit is ignored: the frame is read as a page table. */
	put_entry(f, 0x600000UL + 0x37 * 8, 0x700000UL);
	vcpu_purge_tlb(f->vcpu);
	expect_ok(f, ASCE_R1, va, 0x700000UL);
	set_features(f, 1);
	expect_ok(f, ASCE_R1, va, 0x637000UL);
	expect_ok(f, ASCE_R1, va + 0x40000, 0x677000UL);
	/* Protection from a large segment entry. */
	set_entry(f, ste_at, 0x600000UL | _SEGMENT_ENTRY_LARGE | _SEGMENT_ENTRY_PROTECT);
	expect_dat_prot(f, ASCE_R1, va, 0x637000UL);
	/* A large frame outside guest memory: addressing, no TEID. */
	set_entry(f, ste_at, (GMEM + SEG) | _SEGMENT_ENTRY_LARGE);
	expect_no_teid(f, ASCE_R1, va, PGM_ADDRESSING);
}

static void test_edat2_region_frames(void **state)
{
	struct fixture *f = *state;
	unsigned long va = VA(RFX, RSX, RTX + 1, 5, 6) + 0x18, r3e_at = R3E_AT + 8;

	/* A 2 GiB frame at absolute 0: va's low 31 bits are the absolute address. */
	put_entry(f, r3e_at, _REGION_ENTRY_TYPE_R3 | _REGION3_ENTRY_LARGE);
	/* Without EDAT-2 the FC bit is ignored: a segment table at 0 whose entry 5 is invalid. */
	put_entry(f, 5 * 8, _SEGMENT_ENTRY_EMPTY);
	vcpu_purge_tlb(f->vcpu);
	set_features(f, 1);
	expect_trans(f, ASCE_R1, va, PGM_SEGMENT_TRANSLATION);
	set_features(f, 2);
	expect_ok(f, ASCE_R1, va, 0x506000UL);
	expect_ok(f, ASCE_R3, va & ~_REGION2_MASK, 0x506000UL);
	/* Region-third P with EDAT-2 frames. */
	set_entry(f, r3e_at, _REGION_ENTRY_TYPE_R3 | _REGION3_ENTRY_LARGE | _REGION_ENTRY_PROTECT);
	expect_dat_prot(f, ASCE_R1, va, 0x506000UL);
	/* Beyond guest memory inside the 2 GiB frame: addressing. */
	set_entry(f, r3e_at, _REGION_ENTRY_TYPE_R3 | _REGION3_ENTRY_LARGE);
	expect_no_teid(f, ASCE_R1, (va & ~0x7fffffffUL) | GMEM, PGM_ADDRESSING);
}

/* ---- real space and prefixing ---------------------------------------------------------------- */

static void test_real_space_designation(void **state)
{
	struct fixture *f = *state;
	unsigned long asce = _ASCE_REAL_SPACE | 0xfff000UL; /* the origin is not used */

	set_prefix(f, 0x40000);
	/* Virtual = real; real 0..8K and the prefix area swap. */
	expect_ok(f, asce, 0x10, 0x40000);
	expect_ok(f, asce, 0x1ff0, 0x41000);
	expect_ok(f, asce, 0x40010, 0);
	expect_ok(f, asce, 0x300000, 0x300000);
	/* No DAT protection and no table checks, but addressing beyond storage. */
	expect_no_teid(f, asce, GMEM, PGM_ADDRESSING);
	expect_no_teid(f, asce | _ASCE_TYPE_REGION1, 1UL << 60, PGM_ADDRESSING);
}

static void test_prefixing_of_dat_results(void **state)
{
	struct fixture *f = *state;
	unsigned long a = 0, b = 0;

	set_prefix(f, 0x40000);
	/* A PTE gives a real address: real 0 is the prefix area, and back. */
	set_entry(f, PTE_AT, 0);
	expect_ok(f, ASCE_R1, V, 0x40000);
	set_entry(f, PTE_AT, 0x1000);
	expect_ok(f, ASCE_R1, V, 0x41000);
	set_entry(f, PTE_AT, 0x40000);
	expect_ok(f, ASCE_R1, V, 0);
	/* The vCPU and the real access agree. */
	assert_int_equal(vcpu_read_virt(f->vcpu, ASCE_R1, V + 0x40, &a, sizeof(a)), 0);
	assert_int_equal(vcpu_read_real(f->vcpu, 0x40040, &b, sizeof(b)), 0);
	assert_int_equal(a, b);
	/* An EDAT-1 frame address is absolute: no prefixing. */
	set_features(f, 1);
	set_entry(f, STE_AT, 0 | _SEGMENT_ENTRY_LARGE);
	expect_ok(f, ASCE_R1, V & ~0xff000UL, 0);
	expect_ok(f, ASCE_R1, (V & ~0xff000UL) + 0x40000, 0x40000);
	/*
	 * Prefixing applies after translation: a new prefix is used by the next
	 * access without a guest purge, even where the host has nothing to change
	 * when the new prefix pages are armed (they are mapped and dirty already).
	 */
	set_entry(f, STE_AT, STE);
	set_entry(f, PTE_AT, 0);
	assert_int_equal(vcpu_write(f->vcpu, 0x80000, &a, sizeof(a)), 0);
	assert_int_equal(vcpu_write(f->vcpu, 0x81000, &a, sizeof(a)), 0);
	expect_ok(f, ASCE_R1, V, 0x40000);
	set_prefix(f, 0x80000);
	expect_ok(f, ASCE_R1, V, 0x80000);
	set_prefix(f, 0x40000);
	expect_ok(f, ASCE_R1, V, 0x40000);
}

/* ---- guest tables and the host --------------------------------------------------------------- */

static void test_tables_paged_out_or_migrated(void **state)
{
	/* The page of every entry the walk reads, and the frame. */
	static const unsigned long pages[] = { R1E_AT, R2E_AT, R3E_AT, STE_AT, PTE_AT, DATA };
	struct fixture *f = *state;

	expect_ok(f, ASCE_R1, V, DATA);
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
			if (round)
				assert_int_equal(mm_migrate_page(f->mm, HBASE + pages[i]), 0);
			else
				assert_int_equal(mm_page_out(f->mm, HBASE + pages[i]), 0);
		}
		/* Host events purge the TLB: the walk reads (and faults in) every table again. */
		expect_ok(f, ASCE_R1, V, DATA);
	}
}

static void test_table_behind_host_prot_none(void **state)
{
	struct fixture *f = *state;
	struct vcpu_stats st0, st1;
	unsigned long v = 0;

	expect_ok(f, ASCE_R1, V, DATA);
	/*
	 * The host makes the segment table's page inaccessible. Reading the entry
	 * needs a host fault that the host refuses, exactly as for an absolute
	 * access to that page: the guest gets an addressing exception (no TEID),
	 * not a host error, and the reference (mm_read refused) agrees.
	 */
	assert_int_equal(mm_mprotect(f->mm, HBASE + (STE_AT & PAGE_MASK), PAGE_SIZE, PROT_NONE), 0);
	assert_int_equal(vcpu_read(f->vcpu, STE_AT, &v, sizeof(v)), PGM_ADDRESSING);
	vcpu_get_stats(f->vcpu, &st0);
	expect_no_teid(f, ASCE_R1, V, PGM_ADDRESSING);
	expect_no_teid(f, ASCE_SG, V_SG, PGM_ADDRESSING);
	/* One program interruption per access, however deep the failing table read was. */
	vcpu_get_stats(f->vcpu, &st1);
	assert_int_equal(st1.pics - st0.pics, 4);
	/* Read-only tables are fine: the walk only fetches. */
	assert_int_equal(mm_mprotect(f->mm, HBASE + (STE_AT & PAGE_MASK), PAGE_SIZE, PROT_READ), 0);
	expect_ok(f, ASCE_R1, V, DATA);
	assert_int_equal(
		mm_mprotect(f->mm, HBASE + (STE_AT & PAGE_MASK), PAGE_SIZE, PROT_READ | PROT_WRITE),
		0);
	expect_ok(f, ASCE_R1, V, DATA);
	/* Unmapped from the gmap (the host still has it): addressing as well, and back. */
	assert_int_equal(gmap_unmap_segment(f->gmap, PGT & _SEGMENT_MASK, SEG), 0);
	assert_int_equal(vcpu_write_virt(f->vcpu, ASCE_R1, V, &v, sizeof(v)), PGM_ADDRESSING);
	assert_int_equal(vcpu_last_teid(f->vcpu), 0);
	assert_int_equal(
		gmap_map_segment(f->gmap, HBASE + (PGT & _SEGMENT_MASK), PGT & _SEGMENT_MASK, SEG),
		0);
	expect_ok(f, ASCE_R1, V, DATA);
}

static void test_tables_outside_guest_memory(void **state)
{
	struct fixture *f = *state;

	/* The ASCE's table, then each level's origin beyond the end of guest storage. */
	expect_no_teid(f, GMEM | _ASCE_TYPE_REGION1 | 3, V, PGM_ADDRESSING);
	expect_no_teid(f, (1UL << 40) | _ASCE_TYPE_SEGMENT | 3, V_SG, PGM_ADDRESSING);
	set_entry(f, R1E_AT, (R1E & ~_REGION_ENTRY_ORIGIN) | GMEM);
	expect_no_teid(f, ASCE_R1, V, PGM_ADDRESSING);
	set_entry(f, R1E_AT, R1E);
	set_entry(f, R3E_AT, (R3E & ~_REGION_ENTRY_ORIGIN) | (GMEM + 0x10000));
	expect_no_teid(f, ASCE_R3, V_R3, PGM_ADDRESSING);
	set_entry(f, R3E_AT, R3E);
	set_entry(f, STE_AT, GMEM + 0x800);
	expect_no_teid(f, ASCE_SG, V_SG, PGM_ADDRESSING);
	/* The frame itself outside. */
	set_entry(f, STE_AT, STE);
	set_entry(f, PTE_AT, GMEM);
	expect_no_teid(f, ASCE_R1, V, PGM_ADDRESSING);
	/* Protection is recognised before the frame's addressing exception. */
	set_entry(f, PTE_AT, GMEM | _PAGE_PROTECT);
	expect(f, ASCE_R1, V, false, PGM_ADDRESSING, 0, 0);
	expect(f, ASCE_R1, V, true, PGM_PROTECTION, V | TEID_STORE | TEID_PROT_DAT, 0);
}

/* ---- the TLB entry combines the guest's and the host's protection -----------------------------
 */

static void test_guest_ro_host_rw(void **state)
{
	struct fixture *f = *state;
	unsigned long v = 5, r = 0, before;

	set_entry(f, PTE_AT, PTE | _PAGE_PROTECT);
	assert_int_equal(vcpu_write(f->vcpu, DATA, &v, sizeof(v)), 0); /* host page dirty, RW */
	assert_int_equal(vcpu_read_virt(f->vcpu, ASCE_R1, V, &r, sizeof(r)), 0);
	assert_int_equal(r, v);
	/* The TLB entry the fetch left must not allow the store. */
	v = 6;
	assert_int_equal(vcpu_write_virt(f->vcpu, ASCE_R1, V, &v, sizeof(v)), PGM_PROTECTION);
	assert_int_equal(vcpu_last_teid(f->vcpu), V | TEID_STORE | TEID_PROT_DAT);
	before = host_u64(f, DATA);
	assert_int_equal(before, 5);
	/* The absolute address of the same frame stays writable. */
	assert_int_equal(vcpu_write(f->vcpu, DATA, &v, sizeof(v)), 0);
	assert_int_equal(host_u64(f, DATA), 6);
}

static void test_guest_rw_host_clean(void **state)
{
	struct fixture *f = *state;
	struct vcpu_stats st0, st1;
	unsigned long v = 0x1234, r = 0;

	/* Swapped out and read back in: present, clean, write-protected by the host. */
	assert_int_equal(vcpu_write(f->vcpu, DATA, &v, sizeof(v)), 0);
	assert_int_equal(mm_page_out(f->mm, HBASE + DATA), 0);
	assert_int_equal(vcpu_read_virt(f->vcpu, ASCE_R1, V, &r, sizeof(r)), 0);
	assert_int_equal(r, v);
	assert_true(mm_lookup_pte(f->mm, HBASE + DATA) & _PAGE_PROTECT);
	/* The store misses the read-only TLB entry, faults the page dirty and is done. */
	vcpu_get_stats(f->vcpu, &st0);
	v = 0x5678;
	assert_int_equal(vcpu_write_virt(f->vcpu, ASCE_R1, V, &v, sizeof(v)), 0);
	vcpu_get_stats(f->vcpu, &st1);
	assert_true(st1.faults > st0.faults);
	assert_int_equal(st1.pics, st0.pics);
	assert_false(mm_lookup_pte(f->mm, HBASE + DATA) & _PAGE_PROTECT);
	assert_int_equal(host_u64(f, DATA), v);
	/* Now the entry is writable: the next store hits. */
	vcpu_get_stats(f->vcpu, &st0);
	assert_int_equal(vcpu_write_virt(f->vcpu, ASCE_R1, V + 8, &v, sizeof(v)), 0);
	vcpu_get_stats(f->vcpu, &st1);
	assert_int_equal(st1.tlb_hits - st0.tlb_hits, 1);
	assert_int_equal(st1.faults, st0.faults);
}

static void test_guest_rw_host_ro(void **state)
{
	struct fixture *f = *state;
	unsigned long v = 9;

	expect_ok(f, ASCE_R1, V, DATA);
	/*
	 * The host maps the frame read-only: stores get a protection exception
	 * whose TEID names the address the guest used (the virtual one), as for
	 * any exception of a logical access.
	 */
	assert_int_equal(mm_mprotect(f->mm, HBASE + DATA, PAGE_SIZE, PROT_READ), 0);
	expect(f, ASCE_R1, V + 0x10, false, 0, 0, DATA);
	assert_int_equal(vcpu_write_virt(f->vcpu, ASCE_R1, V + 0x10, &v, sizeof(v)),
			 PGM_PROTECTION);
	assert_int_equal(vcpu_last_teid(f->vcpu), V | TEID_STORE | TEID_PROT_DAT);
	assert_int_equal(vcpu_write(f->vcpu, DATA + 0x10, &v, sizeof(v)), PGM_PROTECTION);
	assert_int_equal(vcpu_last_teid(f->vcpu), DATA | TEID_STORE | TEID_PROT_DAT);
	/* A real access names the real address, not the absolute one prefixing gave. */
	assert_int_equal(mm_mprotect(f->mm, HBASE, PAGE_SIZE, PROT_READ), 0);
	set_prefix(f, 0x40000);
	assert_int_equal(vcpu_write_real(f->vcpu, 0x40010, &v, sizeof(v)), PGM_PROTECTION);
	assert_int_equal(vcpu_last_teid(f->vcpu), 0x40000 | TEID_STORE | TEID_PROT_DAT);
	/* And a DAT-on access whose PTE names that real page, the virtual one. */
	set_entry(f, PTE_AT, 0x40000);
	expect(f, ASCE_R1, V, false, 0, 0, 0);
	assert_int_equal(vcpu_write_virt(f->vcpu, ASCE_R1, V, &v, sizeof(v)), PGM_PROTECTION);
	assert_int_equal(vcpu_last_teid(f->vcpu), V | TEID_STORE | TEID_PROT_DAT);
	/* Writable again: the stores go through. */
	assert_int_equal(mm_mprotect(f->mm, HBASE, PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(mm_mprotect(f->mm, HBASE + DATA, PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	expect_ok(f, ASCE_R1, V, 0);
	set_entry(f, PTE_AT, PTE);
	expect_ok(f, ASCE_R1, V, DATA);
}

/*
 * A small working set of DAT-on pages stays in the TLB, also when the guest maps
 * virtual to absolute one to one (as kernels map themselves): the entry of a
 * virtual page and the entry the walk fills for its absolute page must not keep
 * evicting each other.
 */
static void test_dat_on_working_set_stays_in_tlb(void **state)
{
	struct fixture *f = *state;
	const unsigned long base = 0x200000UL, pages = 64;
	struct vcpu_stats st0, st1;
	unsigned long v;

	/* Segment 2 of the segment-table space, page for page onto absolute segment 2. */
	for (unsigned long i = 0; i < pages; i++)
		put_entry(f, PGT + 8 * i, base + i * PAGE_SIZE);
	put_entry(f, SGT + 8 * (base >> _SEGMENT_SHIFT), PGT);
	vcpu_purge_tlb(f->vcpu);
	for (int pass = 0; pass < 2; pass++) {
		vcpu_get_stats(f->vcpu, &st0);
		for (unsigned long i = 0; i < pages; i++)
			assert_int_equal(vcpu_read_virt(f->vcpu, ASCE_SG, base + i * PAGE_SIZE, &v,
							sizeof(v)),
					 0);
		vcpu_get_stats(f->vcpu, &st1);
	}
	/* The second pass: one hit per access, no walk. */
	assert_int_equal(st1.tlb_misses - st0.tlb_misses, 0);
	assert_int_equal(st1.tlb_hits - st0.tlb_hits, pages);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_asce_type_reaches_the_frame, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_crossing_pages_with_dat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_asce_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_asce_table_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_offset_and_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_translation_specification, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segment_and_page_protection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region_protection_needs_edat1, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_edat1_segment_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edat2_region_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_space_designation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefixing_of_dat_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tables_paged_out_or_migrated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_behind_host_prot_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tables_outside_guest_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_ro_host_rw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_rw_host_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_rw_host_ro, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dat_on_working_set_stays_in_tlb, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
