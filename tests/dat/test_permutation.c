// SPDX-License-Identifier: GPL-2.0
/*
 * Exhaustive permutation test of the DAT walker, in the spirit of the x86
 * access test of kvm-unit-tests: enumerate the bits that matter at every table
 * level together with the machine state (ASCE type and length, private and
 * real space, EDAT level, IEP, access type), build the tables in big-endian
 * storage, walk them with dat_translate() and compare the outcome with an
 * expectation. The lean walker (dat_lean_walk(), dat_translate_lean())
 * is held to the same expectation for every case.
 *
 * The expectation comes from dat_oracle() (tests/common/dat_oracle.h, shared
 * with the DAT fuzz target), written from the architecture description
 * (dat-formats.md §3-§7) in IBM bit numbering, independently of the walker. It
 * reads the tables byte by byte, so it also checks where the walker looks for an
 * entry.
 *
 * A full product over all levels would be far too large. Instead:
 *  - each level gets its own phase in which every combination of that
 *    level's bits is enumerated against the full machine-state product,
 *    while the other levels are drawn at random from valid variants;
 *  - the cross-level interactions (protection accumulation, IEP of the leaf,
 *    large frames, TF/TL of one level against the next, ASCE checks,
 *    low-address protection, prefixing, storage size) get full products of
 *    their own.
 * Random choices come from a fixed-seed generator, so a run is repeatable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bemem.h"
#include "dat_oracle.h"

/* ---- the tables of every case: fixed places in big-endian storage ------------------------- */

#define NLEVELS	 5 /* indexed by enum dat_level: 0 page table ... 4 region-first table */
#define MEM_SIZE 0x40000UL

/* Absolute origins; all outside the first 8 KiB and every prefix area used. */
static const unsigned long table_origin[NLEVELS] = { 0x20800, 0x1c000, 0x18000, 0x14000, 0x10000 };
static const unsigned long table_fill[NLEVELS] = { _PAGE_INVALID, _SEGMENT_ENTRY_EMPTY,
						   _REGION3_ENTRY_EMPTY, _REGION2_ENTRY_EMPTY,
						   _REGION1_ENTRY_EMPTY };
static const unsigned int index_shift[NLEVELS] = { 12, 20, 31, 42, 53 };

/* Entry bits by IBM position (§3-§5). */
#define E_B52 BIT(52) /* region/segment: reserved or F; PTE: must be zero */
#define E_FC  BIT(53) /* region third / segment: format control; PTE: invalid */
#define E_P   BIT(54)
#define E_B55 BIT(55) /* IEP in a leaf, reserved elsewhere */
#define E_I   BIT(58) /* region / segment invalid */
#define E_CR  BIT(59) /* common region / common segment */

/* ASCE bits that do not influence translation: 52-53, G, S, X, 59. */
#define ASCE_IGNORED (BIT(52) | BIT(53) | BIT(54) | BIT(56) | BIT(57) | BIT(59))

static struct bemem mem;

/* ---- bookkeeping ---------------------------------------------------------------------------- */

#define MAX_REPORTS 12

static unsigned long ncases, nfail, pic_count[64], lean_hits;

/* ---- deterministic pseudo-random choices ---------------------------------------------------- */

static unsigned long rng_state = 0x5eed2d47c0ffee11UL;

static unsigned long rnd(void)
{
	/* xorshift64*: fast, repeatable, good enough to pick variants. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dUL;
}

static unsigned long rnd_range(unsigned long lo, unsigned long hi)
{
	return lo + (rnd() >> 11) % (hi - lo + 1);
}

static bool one_in(unsigned long n)
{
	return (rnd() >> 11) % n == 0;
}

/* ---- one test case ----------------------------------------------------------------------------
 */

struct tcase {
	/* machine state */
	unsigned int dt; /* ASCE designation type: 3 region first ... 0 segment */
	unsigned int tl; /* ASCE table length */
	bool p, r;	 /* ASCE private-space and real-space controls */
	unsigned long asce_junk;
	unsigned int edat;
	bool iep, iep_inst, lap;
	unsigned int space;
	unsigned long prefix, storage;
	enum dat_access acc;
	/* the address, as table indices (idx[0] is the page index) and byte index */
	unsigned long idx[NLEVELS], bx;
	/* the entries the address selects, by level */
	unsigned long e[NLEVELS];
};

static unsigned long case_va(const struct tcase *t)
{
	unsigned long va = t->bx;

	for (int l = 0; l < NLEVELS; l++)
		va |= t->idx[l] << index_shift[l];
	return va;
}

static void case_set_va(struct tcase *t, unsigned long va)
{
	t->bx = va & 0xfff;
	t->idx[0] = (va >> index_shift[0]) & 0xff;
	for (int l = 1; l < NLEVELS; l++)
		t->idx[l] = (va >> index_shift[l]) & 0x7ff;
}

static unsigned long case_asce(const struct tcase *t)
{
	return table_origin[t->dt + 1] | t->asce_junk | PUT(t->p, 55, 55) | PUT(t->r, 58, 58) |
	       PUT(t->dt, 60, 61) | PUT(t->tl, 62, 63);
}

/* ---- running a case ----------------------------------------------------------------------- */

static void report(const struct tcase *t, unsigned long va, unsigned long asce,
		   const struct dat_expect *x, const struct dat_result *r)
{
	static const char *const acc_name[] = { "fetch", "store", "ifetch" };

	if (++nfail > MAX_REPORTS)
		return;
	print_error("mismatch #%lu: asce %016lx va %016lx %s edat %u iep %d inst %d lap %d "
		    "space %u prefix %lx storage %lx\n",
		    ncases, asce, va, acc_name[t->acc], t->edat, t->iep, t->iep_inst, t->lap,
		    t->space, t->prefix, t->storage);
	for (int l = (int)t->dt + 1; l >= 0; l--)
		print_error("  %-13s @%06lx = %016lx\n", dat_level_name(l),
			    table_origin[l] + t->idx[l] * 8, t->e[l]);
	print_error("  expected: pic %02x teid %016lx level %d entry %lx real %lx abs %lx large %d "
		    "prot %d iep %d\n",
		    x->pic, x->teid, x->level, x->entry_addr, x->real, x->abs, x->large, x->prot,
		    x->iep);
	print_error("  walker:   pic %02x teid %016lx level %d entry %lx real %lx abs %lx large %d "
		    "prot %d iep %d\n",
		    r->pic, r->teid, r->level, r->entry_addr, r->real, r->abs, r->large, r->prot,
		    r->iep);
}

/*
 * The lean walker against the same expectation: where it translates, every
 * field it reports must be the model's; where it does not, dat_translate_lean()
 * falls back and must give the model's complete answer.
 */
static void run_lean(const struct tcase *t, const struct dat_config *cfg, unsigned long va,
		     const struct dat_expect *x)
{
	struct dat_lean lean;
	struct dat_lean_result r;
	struct dat_result res;
	struct dat_expect want = *x;
	unsigned int rc;

	assert_int_equal(dat_lean_init_be(&lean, cfg, mem.mem, mem.size), 0);
	r = dat_lean_walk(&lean, va, t->acc);
	rc = dat_translate_lean(&lean, va, t->acc, bemem_read, &mem, &res);
	/* A lean walk that named the exception records no entry address either. */
	if (!r.info && r.abs)
		want.entry_addr = 0;
	if (r.info) {
		lean_hits++;
		/* A lean walk records no entry address; all else must match. */
		want.entry_addr = 0;
		if (x->pic || r.abs != x->abs || !!(r.info & DAT_LEAN_PROT) != x->prot ||
		    !!(r.info & DAT_LEAN_IEP) != x->iep ||
		    (int)((r.info & DAT_LEAN_LEVEL_MASK) >> DAT_LEAN_LEVEL_SHIFT) != x->level)
			report(t, va, cfg->asce, x, &res);
	}
	if (!dat_oracle_agrees(&want, &res, rc))
		report(t, va, cfg->asce, &want, &res);
}

static void run_case(const struct tcase *t)
{
	unsigned long va = case_va(t), asce = case_asce(t), ea[NLEVELS];
	struct dat_config cfg = {
		.asce = asce,
		.edat = t->edat,
		.iep = t->iep,
		.iep_installed = t->iep_inst,
		.lap = t->lap,
		.space = (enum dat_space)t->space,
		.prefix = t->prefix,
		.storage_size = t->storage,
	};
	struct dat_result res;
	struct dat_expect x;
	unsigned int rc;
	int l;

	for (l = (int)t->dt + 1; l >= 0; l--) {
		ea[l] = table_origin[l] + t->idx[l] * 8;
		bemem_put(&mem, ea[l], t->e[l]);
	}
	rc = dat_translate(&cfg, va, t->acc, bemem_read, &mem, &res);
	dat_oracle(&cfg, t->acc, &mem, va, &x);
	ncases++;
	pic_count[x.pic & 63]++;
	if (!dat_oracle_agrees(&x, &res, rc))
		report(t, va, asce, &x, &res);
	run_lean(t, &cfg, va, &x);
	/* Put the tables back so that a walk that strays reads invalid entries. */
	for (l = (int)t->dt + 1; l >= 0; l--)
		bemem_put(&mem, ea[l], table_fill[l]);
}

/* ---- building cases ----------------------------------------------------------------------- */

static unsigned long region_entry(unsigned long origin, unsigned int tt, unsigned int tf,
				  unsigned int tl, unsigned long bits)
{
	return origin | bits | PUT(tf, 56, 57) | PUT(tt, 60, 61) | PUT(tl, 62, 63);
}

static unsigned long segment_entry(unsigned long origin, unsigned int tt, unsigned long bits)
{
	return origin | bits | PUT(tt, 60, 61);
}

/* Frames below 2^44, so that the default storage size (0 or 2^44) never refuses them. */
static unsigned long random_page(void)
{
	return rnd() & BITS(25, 51);
}

static unsigned long random_sfaa(void)
{
	return rnd() & BITS(20, 43);
}

static unsigned long random_rfaa(void)
{
	return rnd() & BITS(20, 32);
}

/* 8 KiB aligned, below 2 GiB, clear of the tables. */
static unsigned long random_prefix(void)
{
	unsigned long p;

	do
		p = rnd() & 0x7fffe000UL;
	while (p < MEM_SIZE);
	return p;
}

/* Random machine state and address; the caller then fixes what it enumerates. */
static void case_start(struct tcase *t, unsigned int dt)
{
	*t = (struct tcase){ .dt = dt };
	t->p = one_in(2);
	t->asce_junk = one_in(4) ? rnd() & ASCE_IGNORED : 0;
	t->edat = (unsigned int)rnd_range(0, 2);
	t->iep_inst = one_in(2);
	t->iep = t->iep_inst && one_in(2);
	t->lap = one_in(2);
	t->space = (unsigned int)rnd_range(0, 3);
	t->prefix = one_in(4) ? 0 : random_prefix();
	t->storage = one_in(2) ? 0 : 1UL << 44;
	t->acc = (enum dat_access)rnd_range(0, 2);
	for (unsigned int l = 1; l <= dt + 1; l++)
		t->idx[l] = rnd() & 0x7ff;
	t->idx[0] = rnd() & 0xff;
	t->bx = rnd() & 0xfff;
}

/* Number of machine-state combinations enumerated by the per-level phases. */
#define NCFG (3 * 3 * 4 * 2)

/* Enumerated machine state: access x EDAT x IEP (enabled, installed) x private space. */
static void case_cfg(struct tcase *t, unsigned int k)
{
	t->acc = (enum dat_access)(k % 3);
	k /= 3;
	t->edat = k % 3;
	k /= 3;
	t->iep_inst = k & 1;
	t->iep = k & 2;
	k /= 4;
	t->p = k & 1;
}

/*
 * A valid translation path for the case's address: every TF/TL range and the
 * ASCE length admit it, P and ignored bits vary, no large frame, no common
 * entry in a private space. The page entry may still refuse (bit 55).
 */
static void case_path(struct tcase *t)
{
	unsigned int top = t->dt + 1, l;

	t->tl = (unsigned int)rnd_range(t->idx[top] >> 9, 3);
	for (l = top; l >= 2; l--) {
		unsigned long n = t->idx[l - 1] >> 9;
		unsigned long junk = l == 2 ? E_B52 | E_B55 : E_B52 | E_FC | E_B55 | E_CR;

		t->e[l] = region_entry(table_origin[l - 1], l - 1, (unsigned int)rnd_range(0, n),
				       (unsigned int)rnd_range(n, 3),
				       (one_in(8) ? E_P : 0) | (rnd() & junk));
	}
	t->e[1] = segment_entry(table_origin[0], 0,
				(one_in(8) ? E_P : 0) | (!t->p && one_in(2) ? E_CR : 0) |
					(rnd() & (E_B55 | BITS(56, 57) | BITS(62, 63))));
	t->e[0] = random_page() | (one_in(8) ? E_P : 0) | (one_in(8) ? E_B55 : 0) | (rnd() & 0xff);
}

/* Replace the origin of a region or segment entry, keeping its other bits. */
static void set_origin(unsigned long *e, unsigned long origin)
{
	*e = (*e & ~BITS(0, 51)) | origin;
}

/* Turn the segment entry into an EDAT-1 frame (with the pointer left if EDAT-1 is off). */
static void make_segment_large(struct tcase *t, unsigned long sfaa)
{
	t->e[1] |= E_FC;
	if (t->edat >= 1)
		set_origin(&t->e[1], sfaa);
}

/* Likewise for an EDAT-2 region-third frame; TF/TL admit any segment index. */
static void make_region3_large(struct tcase *t, unsigned long rfaa)
{
	t->e[2] = (t->e[2] & ~(BITS(56, 57) | BITS(62, 63))) | E_FC | PUT(3, 62, 63);
	if (t->edat >= 2)
		set_origin(&t->e[2], rfaa);
}

static void phase_begin(void)
{
	nfail = 0;
}

static void phase_end(const char *name, unsigned long first)
{
	print_message("%-28s %9lu cases\n", name, ncases - first);
	if (nfail > MAX_REPORTS)
		print_error("... %lu mismatches in all\n", nfail);
	assert_int_equal(nfail, 0);
}

/* ---- per-level phases: every combination of one level's bits ----------------------------- */

/* The next digit of a mixed-radix enumeration counter. */
static unsigned int digit(unsigned long *c, unsigned int radix)
{
	unsigned int d = (unsigned int)(*c % radix);

	*c /= radix;
	return d;
}

/* TF, TL and the top two bits of the index they govern: all 64 combinations. */
static void tftl_decode(unsigned int g, unsigned int *tf, unsigned int *tl, unsigned int *n)
{
	*tf = g & 3;
	*tl = (g >> 2) & 3;
	*n = g >> 4;
}

/* The bits of @flag selected by the bits of @f. */
static unsigned long pick_bits(unsigned int f, const unsigned long *flag, unsigned int n)
{
	unsigned long bits = 0;

	for (unsigned int b = 0; b < n; b++)
		if (f >> b & 1)
			bits |= flag[b];
	return bits;
}

/*
 * Region-first and region-second entries: I, P, the reserved bits 52, 53, 55
 * and 59, TT, TF/TL vs index, against every machine state.
 */
static void region_upper_case(int level, unsigned int dt, unsigned int f, unsigned int tt,
			      unsigned int g, unsigned int k)
{
	static const unsigned long flag[] = { E_I, E_P, E_B52, E_FC, E_B55, E_CR };
	struct tcase t;
	unsigned int tf, tl, n;

	case_start(&t, dt);
	case_cfg(&t, k);
	tftl_decode(g, &tf, &tl, &n);
	t.idx[level - 1] = (n << 9) | (rnd() & 0x1ff);
	case_path(&t);
	t.e[level] = region_entry(table_origin[level - 1], tt, tf, tl, pick_bits(f, flag, 6));
	run_case(&t);
}

static void region_upper_phase(int level)
{
	unsigned int dt, f, tt, g, k;

	for (dt = (unsigned int)level - 1; dt <= 3; dt++)
		for (f = 0; f < 64; f++)
			for (tt = 0; tt < 4; tt++)
				for (g = 0; g < 64; g++)
					for (k = 0; k < NCFG; k++)
						region_upper_case(level, dt, f, tt, g, k);
}

static void test_region_first_entry(void **state)
{
	unsigned long first = ncases;

	(void)state;
	phase_begin();
	region_upper_phase(DAT_LEVEL_REGION1);
	phase_end("region-first entry", first);
}

static void test_region_second_entry(void **state)
{
	unsigned long first = ncases;

	(void)state;
	phase_begin();
	region_upper_phase(DAT_LEVEL_REGION2);
	phase_end("region-second entry", first);
}

/* Region-third entries: I, P, FC, CR, bit 55, bit 52, TT, TF/TL vs index. */
static void region_third_case(unsigned int dt, unsigned int f, unsigned int tt, unsigned int g,
			      unsigned int k)
{
	static const unsigned long flag[] = { E_I, E_P, E_FC, E_CR, E_B55, E_B52 };
	struct tcase t;
	unsigned int tf, tl, n;
	unsigned long bits, origin = table_origin[1];

	case_start(&t, dt);
	case_cfg(&t, k);
	tftl_decode(g, &tf, &tl, &n);
	t.idx[1] = (n << 9) | (rnd() & 0x1ff);
	case_path(&t);
	bits = pick_bits(f, flag, 6);
	if ((bits & E_FC) && t.edat >= 2) {
		/* A frame; ACC (bits 48-51) with AV = 0 is ignored. */
		origin = random_rfaa();
		bits |= rnd() & BITS(48, 51);
	}
	t.e[2] = region_entry(origin, tt, tf, tl, bits);
	run_case(&t);
}

static void test_region_third_entry(void **state)
{
	unsigned long first = ncases;
	unsigned int dt, f, tt, g, k;

	(void)state;
	phase_begin();
	for (dt = 1; dt <= 3; dt++)
		for (f = 0; f < 64; f++)
			for (tt = 0; tt < 4; tt++)
				for (g = 0; g < 64; g++)
					for (k = 0; k < NCFG; k++)
						region_third_case(dt, f, tt, g, k);
	phase_end("region-third entry", first);
}

/* Segment entries: I, TT, P, FC, CS, bit 55 and the reserved bits 56-57 and 62-63. */
static void segment_case(unsigned int dt, unsigned int f, unsigned int tt, unsigned int res,
			 unsigned int k)
{
	static const unsigned long flag[] = { E_I, E_P, E_FC, E_CR, E_B55 };
	struct tcase t;
	unsigned long bits, origin = table_origin[0];

	case_start(&t, dt);
	case_cfg(&t, k);
	case_path(&t);
	bits = pick_bits(f, flag, 5);
	bits |= PUT(res & 3, 56, 57) | PUT(res >> 2, 62, 63);
	if ((bits & E_FC) && t.edat >= 1) {
		origin = random_sfaa();
		bits |= rnd() & BITS(48, 52); /* ACC and F, with AV = 0 */
	}
	t.e[1] = segment_entry(origin, tt, bits);
	run_case(&t);
}

static void test_segment_entry(void **state)
{
	unsigned long first = ncases;
	unsigned int dt, f, tt, res, k;

	(void)state;
	phase_begin();
	for (dt = 0; dt <= 3; dt++)
		for (f = 0; f < 32; f++)
			for (tt = 0; tt < 4; tt++)
				for (res = 0; res < 16; res++)
					for (k = 0; k < NCFG; k++)
						segment_case(dt, f, tt, res, k);
	phase_end("segment entry", first);
}

/* The software byte of a PTE: none, all, each bit alone, and a random pattern. */
static unsigned long page_sw_byte(unsigned int sw)
{
	if (sw == 0)
		return 0;
	if (sw == 1)
		return 0xff;
	if (sw < 10)
		return 1UL << (sw - 2);
	return rnd() & 0xff;
}

/* Page entries: I, P, bit 52, bit 55 and the software byte, also under a real-space ASCE. */
static void page_case(unsigned int dt, unsigned int f, unsigned int sw, unsigned int k, bool r)
{
	static const unsigned long flag[] = { BIT(53), E_P, E_B52, E_B55 };
	struct tcase t;

	case_start(&t, dt);
	case_cfg(&t, k);
	t.r = r;
	case_path(&t);
	t.e[0] = random_page() | pick_bits(f, flag, 4) | page_sw_byte(sw);
	run_case(&t);
}

static void test_page_entry(void **state)
{
	unsigned long first = ncases;
	unsigned int dt, f, sw, k, r;

	(void)state;
	phase_begin();
	for (dt = 0; dt <= 3; dt++)
		for (f = 0; f < 16; f++)
			for (sw = 0; sw < 11; sw++)
				for (k = 0; k < NCFG; k++)
					for (r = 0; r < 2; r++)
						page_case(dt, f, sw, k, r);
	phase_end("page entry", first);
}

/* ---- cross-level phases: full products of what interacts ---------------------------------- */

/* What maps the frame: a page, an EDAT-1 segment, an EDAT-2 region, or nothing (real space). */
enum leaf { LEAF_PAGE, LEAF_SEGMENT, LEAF_REGION3, LEAF_REAL, NLEAF };

/*
 * Protection accumulated over every level, IEP taken from the leaf only, and
 * the leaf being a page, an EDAT-1 segment frame or an EDAT-2 region frame:
 * P at every level x bit 55 at R3/STE/PTE x leaf x EDAT x IEP x access.
 */
static void protection_case(unsigned int dt, unsigned int pm, enum leaf leaf, unsigned int im,
			    unsigned int k)
{
	struct tcase t;
	unsigned int l;

	case_start(&t, dt);
	case_cfg(&t, k);
	t.lap = false;
	case_path(&t);
	for (l = 0; l <= dt + 1; l++)
		t.e[l] = (t.e[l] & ~E_P) | ((pm >> l & 1) ? E_P : 0);
	for (l = 0; l <= 2 && l <= dt + 1; l++)
		t.e[l] = (t.e[l] & ~E_B55) | ((im >> l & 1) ? E_B55 : 0);
	if (leaf == LEAF_SEGMENT)
		make_segment_large(&t, random_sfaa());
	if (leaf == LEAF_REGION3)
		make_region3_large(&t, random_rfaa());
	run_case(&t);
}

static void test_protection_iep_large(void **state)
{
	unsigned long first = ncases;
	unsigned int dt, pm, leaf, im, k;

	(void)state;
	phase_begin();
	for (dt = 0; dt <= 3; dt++)
		for (pm = 0; pm < 1u << (dt + 2); pm++)
			for (leaf = 0; leaf <= (dt ? LEAF_REGION3 : LEAF_SEGMENT); leaf++)
				for (im = 0; im < 8; im++)
					for (k = 0; k < NCFG; k++)
						protection_case(dt, pm, (enum leaf)leaf, im, k);
	phase_end("protection/IEP/large", first);
}

/* TF/TL relation of a check to the index it governs. */
enum rel { REL_FULL, REL_AT_TF, REL_AT_TL, REL_BELOW_TF, REL_ABOVE_TL, NREL };

static void rel_pick(enum rel rel, unsigned int *tf, unsigned int *tl, unsigned int *n)
{
	switch (rel) {
	case REL_FULL:
		*tf = 0;
		*tl = 3;
		*n = (unsigned int)rnd_range(0, 3);
		break;
	case REL_AT_TF:
		*tf = *n = (unsigned int)rnd_range(0, 3);
		*tl = (unsigned int)rnd_range(*n, 3);
		break;
	case REL_AT_TL:
		*tl = *n = (unsigned int)rnd_range(0, 3);
		*tf = (unsigned int)rnd_range(0, *n);
		break;
	case REL_BELOW_TF:
		*tf = (unsigned int)rnd_range(1, 3);
		*n = (unsigned int)rnd_range(0, *tf - 1);
		*tl = (unsigned int)rnd_range(0, 3);
		break;
	default:
		*tl = (unsigned int)rnd_range(0, 2);
		*n = (unsigned int)rnd_range(*tl + 1, 3);
		*tf = (unsigned int)rnd_range(0, 3);
		break;
	}
}

/*
 * The chain of length checks: ASCE TL (within, at the edge, beyond) and, for
 * every region entry, its TF/TL relation x its I bit, with the region-third
 * entry a frame or not and the segment entry valid or not.
 */
static void tftl_chain_case(unsigned int dt, unsigned long c)
{
	struct tcase t;
	unsigned int top = dt + 1, l, tf, tl, n, arel;
	bool inv;

	case_start(&t, dt);
	t.acc = digit(&c, 2) ? DAT_STORE : DAT_FETCH;
	t.edat = digit(&c, 2) ? 2 : 0;
	t.lap = false;
	t.p = false;
	case_path(&t);
	if (digit(&c, 2))
		t.e[1] |= E_I;
	if (digit(&c, 2))
		make_region3_large(&t, random_rfaa());
	arel = digit(&c, 3);
	n = (unsigned int)rnd_range(arel == 2 ? 1 : 0, 3);
	if (arel == 0)
		t.tl = (unsigned int)rnd_range(n, 3);
	else if (arel == 1)
		t.tl = n;
	else
		t.tl = (unsigned int)rnd_range(0, n - 1);
	t.idx[top] = (n << 9) | (rnd() & 0x1ff);
	for (l = top; l >= 2; l--) {
		rel_pick((enum rel)digit(&c, NREL), &tf, &tl, &n);
		inv = digit(&c, 2);
		t.idx[l - 1] = (n << 9) | (rnd() & 0x1ff);
		t.e[l] = (t.e[l] & ~(BITS(56, 57) | BITS(62, 63) | E_I)) | PUT(tf, 56, 57) |
			 PUT(tl, 62, 63) | (inv ? E_I : 0);
	}
	run_case(&t);
}

static void test_tftl_chain(void **state)
{
	unsigned long first = ncases, c, total;
	unsigned int dt, l;

	(void)state;
	phase_begin();
	for (dt = 1; dt <= 3; dt++) {
		total = 16 * 3;
		for (l = 0; l < dt; l++)
			total *= 2 * NREL;
		for (c = 0; c < total; c++)
			tftl_chain_case(dt, c);
	}
	phase_end("TF/TL chain", first);
}

/*
 * Make the case translate to @target through @leaf: a page frame (real,
 * prefixed), a large frame (absolute) or a real-space designation.
 */
static void case_target(struct tcase *t, enum leaf leaf, unsigned long target)
{
	switch (leaf) {
	case LEAF_PAGE:
		t->bx = target & 0xfff;
		t->e[0] = (t->e[0] & 0xff) | (target & BITS(0, 51));
		break;
	case LEAF_SEGMENT:
		t->bx = target & 0xfff;
		t->idx[0] = FIELD(target, 44, 51);
		make_segment_large(t, target & BITS(0, 43));
		break;
	case LEAF_REGION3:
		t->bx = target & 0xfff;
		t->idx[0] = FIELD(target, 44, 51);
		t->idx[1] = FIELD(target, 33, 43);
		make_region3_large(t, target & BITS(0, 32));
		break;
	default:
		t->r = true;
		case_set_va(t, target);
		break;
	}
}

/* The level of the entry that maps the frame; for a real space the ignored page entry. */
static unsigned int leaf_level(enum leaf leaf)
{
	return leaf == LEAF_SEGMENT ? 1 : leaf == LEAF_REGION3 ? 2 : 0;
}

/* Prefixing of real results, and none of large-frame results. */
static void prefix_case(unsigned int dt, enum leaf leaf, unsigned long c)
{
	static const unsigned long prefixes[] = { 0, 0x2000, 0x7e000, 0x7fffe000 };
	unsigned long p = prefixes[digit(&c, 4)];
	/* Both ends of the first 8 KiB, of the prefix area, and beyond them. */
	unsigned long targets[] = { 0,		0xfff,	    0x1000,
				    0x1fff,	0x2000,	    p,
				    p + 0x1fff, p + 0x2000, random_page() | (rnd() & 0xfff) };
	unsigned long target = targets[digit(&c, 9)];
	struct tcase t;

	case_start(&t, dt);
	t.edat = digit(&c, 3);
	t.acc = (enum dat_access)digit(&c, 3);
	t.prefix = p;
	t.lap = false;
	t.storage = 0;
	case_path(&t);
	case_target(&t, leaf, target);
	run_case(&t);
}

static void test_prefixing(void **state)
{
	unsigned long first = ncases, c;
	unsigned int dt, leaf;

	(void)state;
	phase_begin();
	for (dt = 0; dt <= 3; dt++)
		for (leaf = 0; leaf < NLEAF; leaf++)
			for (c = 0; c < 4 * 9 * 3 * 3; c++)
				if (leaf != LEAF_REGION3 || dt)
					prefix_case(dt, (enum leaf)leaf, c);
	phase_end("prefixing", first);
}

/* Low-address protection: addresses around 0-511 and 4096-4607, private, real space. */
static void lap_case(unsigned int dt, unsigned long c)
{
	static const unsigned long vas[] = { 0,	     0x1ff,  0x200,  0xfff,  0x1000,
					     0x11ff, 0x1200, 0x1fff, 0x2000, 0x800001ffUL };
	struct tcase t;
	unsigned long va = vas[digit(&c, 10)];

	case_start(&t, dt);
	t.lap = digit(&c, 2);
	t.p = digit(&c, 2);
	t.r = digit(&c, 2);
	t.acc = (enum dat_access)digit(&c, 3);
	t.storage = digit(&c, 2) ? 0x1000 : 0;
	case_set_va(&t, va);
	case_path(&t);
	t.e[0] = (t.e[0] & ~E_P) | (digit(&c, 2) ? E_P : 0);
	run_case(&t);
}

static void test_low_address_protection(void **state)
{
	unsigned long first = ncases, c;
	unsigned int dt;

	(void)state;
	phase_begin();
	for (dt = 0; dt <= 3; dt++)
		for (c = 0; c < 10 * 2 * 2 * 2 * 3 * 2 * 2; c++)
			lap_case(dt, c);
	phase_end("low-address protection", first);
}

/*
 * The storage size: each table entry just beyond and just within it, the
 * final frame beyond and within it, and DAT protection and IEP before the
 * final addressing check.
 */
static void storage_case(unsigned int dt, enum leaf leaf, unsigned int v, unsigned int acc,
			 unsigned int edat)
{
	struct tcase t;
	unsigned long target = rnd_range(0x100000, 1UL << 36), sizes[16];
	unsigned int n = 0, l;

	case_start(&t, dt);
	t.edat = edat;
	t.acc = (enum dat_access)acc;
	t.iep = t.iep_inst = true;
	t.lap = false;
	t.prefix = 0;
	case_path(&t);
	for (l = 0; l <= dt + 1; l++)
		t.e[l] &= ~(E_P | E_B55);
	case_target(&t, leaf, target);
	t.e[leaf_level(leaf)] |= ((v & 1) ? E_P : 0) | ((v & 2) ? E_B55 : 0);
	sizes[n++] = 0;
	for (l = 0; l <= dt + 1; l++) {
		sizes[n++] = table_origin[l] + t.idx[l] * 8;
		sizes[n++] = table_origin[l] + t.idx[l] * 8 + 8;
	}
	sizes[n++] = target & PAGE_MASK;
	sizes[n++] = target;
	sizes[n++] = target + 1;
	sizes[n++] = (target | 0xfff) + 1;
	for (l = 0; l < n; l++) {
		t.storage = sizes[l];
		run_case(&t);
	}
}

static void test_storage_size(void **state)
{
	unsigned long first = ncases;
	unsigned int dt, leaf, v, k;

	(void)state;
	phase_begin();
	/* Twice each, for two random frames. */
	for (dt = 0; dt <= 3; dt++)
		for (leaf = 0; leaf < NLEAF; leaf++)
			for (v = 0; v < 4; v++)
				for (k = 0; k < 3 * 3 * 2; k++)
					if (leaf != LEAF_REGION3 || dt)
						storage_case(dt, (enum leaf)leaf, v, k % 3,
							     k / 3 % 3);
	phase_end("storage size", first);
}

/*
 * ASCE-type and ASCE table-length checks, before any table is fetched: every
 * type x TL x index length x bits above the designated table (none, only the
 * lowest, only bit 0), with the top entry invalid or not, the tables beyond
 * storage or not, private or real space.
 */
static void asce_case(unsigned int dt, unsigned int above, unsigned long c)
{
	struct tcase t;
	unsigned int top = dt + 1, tl = digit(&c, 4), n = digit(&c, 4);

	case_start(&t, dt);
	t.acc = (enum dat_access)digit(&c, 3);
	t.p = digit(&c, 2);
	t.r = digit(&c, 2);
	t.lap = false;
	t.storage = digit(&c, 2) ? 0x1000 : 0;
	t.idx[top] = (n << 9) | (rnd() & 0x1ff);
	if (above == 1)
		t.idx[top + 1] = 1;
	if (above == 2)
		t.idx[4] |= 0x400;
	case_path(&t);
	t.tl = tl;
	if (digit(&c, 2))
		t.e[top] |= E_I;
	run_case(&t);
}

static void test_asce_checks(void **state)
{
	unsigned long first = ncases, c;
	unsigned int dt, above;

	(void)state;
	phase_begin();
	for (dt = 0; dt <= 3; dt++)
		for (above = 0; above < (dt < 3 ? 3u : 1u); above++)
			for (c = 0; c < 4 * 4 * 3 * 2 * 2 * 2 * 2; c++)
				asce_case(dt, above, c);
	phase_end("ASCE checks", first);
}

static void test_total(void **state)
{
	static const unsigned int pics[] = { 0x00, 0x04, 0x05, 0x10, 0x11,
					     0x12, 0x38, 0x39, 0x3a, 0x3b };

	(void)state;
	print_message("dat_permutation: %lu cases in all; outcomes:", ncases);
	for (unsigned int i = 0; i < sizeof(pics) / sizeof(pics[0]); i++)
		print_message(" %02x:%lu", pics[i], pic_count[pics[i]]);
	print_message("\n");
	print_message("dat_permutation: the lean walker translated %lu cases itself\n", lean_hits);
	/*
	 * It must take the common case itself, or it proves nothing about its own code.
	 * Most translations here have TF > 0 or TL < 3 somewhere (left to the fallback);
	 * with this seed about one in seven has full tables all the way.
	 */
	assert_true(lean_hits * 10 > pic_count[0]);
	/* Every outcome must have been reached, or the enumeration has a hole. */
	for (unsigned int i = 0; i < sizeof(pics) / sizeof(pics[0]); i++)
		assert_true(pic_count[pics[i]] > 0);
}

/* ---- setup -------------------------------------------------------------------------------- */

static int setup(void **state)
{
	(void)state;
	bemem_init(&mem, MEM_SIZE);
	if (!mem.mem)
		return -1;
	for (int l = 0; l < NLEVELS; l++)
		bemem_fill(&mem, table_origin[l], l ? _CRST_ENTRIES : _PAGE_ENTRIES, table_fill[l]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bemem_destroy(&mem);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_region_first_entry),
		cmocka_unit_test(test_region_second_entry),
		cmocka_unit_test(test_region_third_entry),
		cmocka_unit_test(test_segment_entry),
		cmocka_unit_test(test_page_entry),
		cmocka_unit_test(test_protection_iep_large),
		cmocka_unit_test(test_tftl_chain),
		cmocka_unit_test(test_prefixing),
		cmocka_unit_test(test_low_address_protection),
		cmocka_unit_test(test_storage_size),
		cmocka_unit_test(test_asce_checks),
		cmocka_unit_test(test_total),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
