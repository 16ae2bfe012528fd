// SPDX-License-Identifier: GPL-2.0
/*
 * `gmap run --nested`, guest-3's own side: its prefix, its real accesses (its
 * lowcore at real 0 .. 8 KiB, the rest of storage with the prefix swap) and its
 * DAT-on accesses through its own DAT tables, which live in guest-3 storage and
 * are read through the shadow like any guest-3 byte.
 *
 * Guest-3's prefix is 0x4000 under guest-2's tables (segment 0's fixed PTEs map
 * it to the block's prefix pages) and, under the real-space ASCE, the block's
 * prefix pages themselves: either way its lowcore is the same two guest-2 pages,
 * whose model is the image of the reserved area.
 *
 * Guest-3's tables: a segment-table ASCE with table length 0 (512 entries),
 * segment 0 through a page table, segment 1 (DAT set) an EDAT-1 1 MiB frame over
 * guest-3 segment G3V_FRAME_SEG, which guest-2's tables map page by page, as a
 * frame or not at all. The PTEs point at guest-3 real pages: its lowcore (real
 * 0 and 0x1000, so prefixing applies after translation), pages anywhere in
 * guest-3's 8 MiB (DAT set) or the vCPU's own data pages (real-space set);
 * DAT-protected 1 in 16, invalid 1 in 16. Guest-3 never changes them. The two
 * sets differ because the real-space ASCE gives guest-3 other absolute
 * addresses for the same guest-2 pages.
 *
 * The prediction composes: guest-3's walk over its tables (each entry read at a
 * guest-3 absolute address, which guest-2's tables translate), its exceptions
 * (for guest-3: a PIC below VSIE_EXIT_PGM), prefixing of the real result, then
 * guest-2's tables for the guest-3 absolute address (exits to guest-2).
 */
#include "run_nested.h"

static bool real_space(const struct run_vcpu *v)
{
	return v->space == G3_REAL;
}

/* Where guest-3's own tables are, as guest-3 absolute addresses. */
static unsigned long own_origin(const struct run_vcpu *v)
{
	return real_space(v) ? v->g3 + G3_OWN_REAL : G3_FIXED_FIRST * PAGE_SIZE + PREFIX_AREA_SIZE;
}

/**
 * g3_prefix() - guest-3's prefix register for the ASCE @v enters SIE with
 * @v: a nested vCPU, v->space set
 *
 * Return: 0x4000 under guest-2's tables, the block's prefix pages in real space.
 */
unsigned long g3_prefix(const struct run_vcpu *v)
{
	return real_space(v) ? v->g3 + G3_PREFIX : G3_PREFIX_DAT;
}

/** g3_own_asce() - guest-3's own ASCE (segment table, TL 0) for @v's current space */
unsigned long g3_own_asce(const struct run_vcpu *v)
{
	return own_origin(v) | _ASCE_TYPE_SEGMENT;
}

/* A guest-3 real page for the DAT set: anywhere in its 8 MiB but its own tables. */
static unsigned long random_real_page(struct run_vcpu *v)
{
	unsigned long s, j;

	do {
		s = run_rand(&v->rng) % G3_NSEG;
		j = run_rand(&v->rng) % _PAGE_ENTRIES;
	} while (s == 0 && (j == G3_FIXED_FIRST + 2 || j == G3_FIXED_FIRST + 3));
	return (s << _SEGMENT_SHIFT) | (j << PAGE_SHIFT);
}

static void build_set(struct run_vcpu *v, unsigned long g2, unsigned long g3abs, bool dat)
{
	unsigned char *img = v->run->lay.image;
	unsigned long pto = g2 + PAGE_SIZE, pte, x;

	for (unsigned long i = 0; i < PAGE_SIZE / 8; i++)
		run_put_entry(img, g2 + 8 * i, _SEGMENT_ENTRY_EMPTY);
	run_put_entry(img, g2, g3abs + PAGE_SIZE);
	run_put_entry(img, g2 + 8,
		      dat ? (G3V_FRAME_SEG << _SEGMENT_SHIFT) | _SEGMENT_ENTRY_LARGE
			  : g3abs + PAGE_SIZE + _PAGE_TABLE_SIZE);
	for (unsigned long j = 0; j < 2 * _PAGE_ENTRIES; j++) {
		if (j < 2) {
			pte = j << PAGE_SHIFT; /* real 0 and 0x1000: the lowcore */
		} else if (!dat) {
			pte = g3_random_pte(v);
		} else {
			x = run_rand(&v->rng) & 15;
			pte = random_real_page(v) | (x == 0   ? _PAGE_PROTECT
						     : x == 1 ? _PAGE_INVALID
							      : 0);
		}
		run_put_entry(img, pto + 8 * j, pte);
	}
}

/**
 * g3_build_own_tables() - guest-3's own DAT tables, both sets, into the image
 * @v: a nested vCPU, its block placed
 */
void g3_build_own_tables(struct run_vcpu *v)
{
	build_set(v, v->g3 + G3_OWN_DAT, G3_FIXED_FIRST * PAGE_SIZE + PREFIX_AREA_SIZE, true);
	build_set(v, v->g3 + G3_OWN_REAL, v->g3 + G3_OWN_REAL, false);
}

/**
 * g3_pick_real() - a guest-3 real page to access: its lowcore or any page
 * @v: the vCPU
 * @a: receives kind, addr and va (page-aligned)
 * @x: a random value
 *
 * Return: false if no page was found this time.
 */
bool g3_pick_real(struct run_vcpu *v, struct g3_access *a, uint64_t x)
{
	a->kind = G3K_REAL;
	if ((x & 3) == 0) {
		a->addr = ((x >> 2) & 1) << PAGE_SHIFT;
		a->va = dat_real_to_abs(a->addr, g3_prefix(v));
		return true;
	}
	if (!g3_pick_abs(v, a))
		return false;
	a->kind = G3K_REAL;
	a->addr = dat_real_to_abs(a->va, g3_prefix(v)); /* prefixing is its own inverse */
	return true;
}

/**
 * g3_pick_virt() - a guest-3 virtual address to access: through its tables or beyond
 * @v: the vCPU
 * @a: receives kind and addr (page-aligned)
 * @x: a random value
 */
void g3_pick_virt(struct run_vcpu *v, struct g3_access *a, uint64_t x)
{
	static const unsigned long probes[] = { G3V_NSEG << _SEGMENT_SHIFT, 600UL << 20, 1UL << 31,
						1UL << 42 };

	(void)v;
	a->kind = G3K_VIRT;
	if ((x & 31) == 0)
		a->addr = probes[(x >> 5) & 3] + (((x >> 7) & 0xff) << PAGE_SHIFT);
	else
		a->addr = (((x >> 5) % G3V_NSEG) << _SEGMENT_SHIFT) |
			  (((x >> 6) & 0xff) << PAGE_SHIFT);
}

/*
 * Guest-3 reads its table entry at guest-3 absolute @abs: false with the exit
 * in @a when guest-2's tables do not grant it.
 */
static bool fetch_entry(const struct run_vcpu *v, struct g3_access *a, unsigned long abs,
			unsigned long *val)
{
	struct g3_access t = { .kind = G3K_ABS, .addr = abs, .va = abs, .len = 8 };
	const struct run *r = v->run;

	if (g3_predict(v, &t)) {
		a->pic = t.pic;
		a->teid = t.teid;
		return false;
	}
	if (t.g2 >= r->lay.reserved) {
		/* Guest-2's tables keep guest-3's tables in the block: a bug of the scenario. */
		run_fail(v->run, t.g2, "vcpu %u: guest-3 table entry 0x%lx outside its block",
			 v->id, abs);
		a->pic = PGM_ADDRESSING;
		return false;
	}
	*val = g3_entry(r, t.g2);
	return true;
}

static unsigned int fail3(struct g3_access *a, unsigned int pic, unsigned long extra)
{
	a->pic3 = pic;
	a->teid = (a->addr & PAGE_MASK) | (a->write ? TEID_STORE : TEID_FETCH) | extra;
	return pic;
}

/**
 * g3_predict_virt() - what a DAT-on access of guest-3 does
 * @v: the vCPU
 * @a: kind G3K_VIRT with addr, len and write set; receives pic3 or va, then
 *     what g3_predict() gives for va
 *
 * Return: 0 if the access reaches guest-2 storage, else a->pic3 or a->pic.
 */
unsigned int g3_predict_virt(const struct run_vcpu *v, struct g3_access *a)
{
	unsigned long va = a->addr, ste, pte, sto = own_origin(v);
	bool prot;

	a->pic3 = a->pic = 0;
	if (va >> _REGION3_SHIFT)
		return fail3(a, PGM_ASCE_TYPE, 0);
	if (dat_sx(va) >> 9) /* beyond table length 0 */
		return fail3(a, PGM_SEGMENT_TRANSLATION, 0);
	if (!fetch_entry(v, a, sto + 8 * dat_sx(va), &ste))
		return a->pic;
	if (ste & _SEGMENT_ENTRY_INVALID)
		return fail3(a, PGM_SEGMENT_TRANSLATION, 0);
	prot = ste & _SEGMENT_ENTRY_PROTECT;
	if (ste & _SEGMENT_ENTRY_LARGE) {
		a->va = (ste & _SEGMENT_ENTRY_ORIGIN_LARGE) | (va & ~_SEGMENT_MASK);
	} else {
		if (!fetch_entry(v, a, (ste & _SEGMENT_ENTRY_ORIGIN) + 8 * dat_px(va), &pte))
			return a->pic;
		if (pte & _PAGE_INVALID)
			return fail3(a, PGM_PAGE_TRANSLATION, 0);
		prot |= pte & _PAGE_PROTECT;
		a->va = dat_real_to_abs((pte & PAGE_MASK) | (va & ~PAGE_MASK), g3_prefix(v));
	}
	if (a->write && prot)
		return fail3(a, PGM_PROTECTION, TEID_PROT_DAT);
	return g3_predict(v, a);
}
