// SPDX-License-Identifier: GPL-2.0
/*
 * `gmap run --nested`: guest-2 runs guest-3 (vSIE). Each even vCPU is a guest-2
 * hypervisor CPU: it builds DAT tables for its guest-3 in guest-2 memory,
 * enters SIE with one of four ASCEs over them, runs guest-3's accesses through
 * the shadow gmap (vcpu_sie_read/write) and, between them, changes the tables
 * as a hypervisor does: remaps a page, protects or unprotects a page or a
 * segment, unmaps a segment, maps an EDAT-1 1 MiB frame or splits one into
 * 4 KiB pages, switches to another ASCE (another shadow). Each change is one
 * store by guest-2 (vcpu_write through the parent gmap) under the IPTE
 * interlock, as guest-2's IPTE/IDTE would be.
 *
 * The guest-3 block of each nested vCPU (its layout: run_nested.h) holds one
 * chain of region-first, region-second, region-third and segment tables. The
 * four ASCEs designate the region-first, region-third and segment tables of
 * that one chain, or real space (guest-3 absolute = guest-2 absolute), so all
 * translate guest-3 0 .. 8 MiB alike. Guest-3 addresses storage absolute, real
 * and with its own DAT on (run_nested_g3.c).
 *
 * The reference model is guest-2's own copy of what it stored: the image of
 * the reserved area (lay.image), which the final comparison also checks
 * against guest-2 memory. A guest-3 access is predicted by walking that copy:
 * an exit to guest-2 with the PIC of its tables, or the guest-2 address, whose
 * bytes the owner's model of guest-2 data pages holds. A vCPU lets guest-3
 * reach only its own data pages, so its models stay single-writer; a guest-3
 * access that succeeds where guest-2's tables refuse it is an isolation failure.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gmap/gmap_locked.h>

#include "run_nested.h"

#define G3_EDAT	      2 /* guest-2's EDAT level for guest-3: 1 MiB and 2 GiB frames */
#define G3_R3_FRAME   (1UL << _REGION3_SHIFT) /* guest-3 2 .. 4 GiB: region-third entry 1 */
#define G3_SWEEP_R3   256		      /* own pages read back through it at the end */
#define G3_PICK_TRIES 8

/* ---- guest-2's copy of its tables ---------------------------------------------------------- */

/** g3_entry() - the table entry guest-2 stored at @g2 (its copy: the image) */
unsigned long g3_entry(const struct run *r, unsigned long g2)
{
	uint64_t be;

	memcpy(&be, r->lay.image + g2, sizeof(be));
	return be64toh(be);
}

static unsigned long sgt_entry(const struct run_vcpu *v, unsigned long s)
{
	return g3_entry(v->run, v->g3 + G3_SGT + 8 * s);
}

static unsigned long pte_addr(const struct run_vcpu *v, unsigned long s, unsigned long j)
{
	return v->g3 + G3_PGT + s * _PAGE_TABLE_SIZE + 8 * j;
}

static bool seg_is_frame(unsigned long ste)
{
	return !(ste & _SEGMENT_ENTRY_INVALID) && (ste & _SEGMENT_ENTRY_LARGE);
}

/* Segment 0's PTEs for guest-3's prefix pages and its own tables: never changed. */
static bool is_fixed_pte(unsigned long s, unsigned long j)
{
	return s == 0 && j >= G3_FIXED_FIRST && j < G3_FIXED_FIRST + 4;
}

/** g3_random_pte() - a fresh PTE: one of @v's own data pages, DAT-protected 1 in 16, invalid 1 in
 * 16 */
unsigned long g3_random_pte(struct run_vcpu *v)
{
	uint64_t x = run_rand(&v->rng);
	unsigned long d = run_own_page(v, (x >> 8) % v->nown);
	unsigned long pte = v->run->lay.reserved + (d << PAGE_SHIFT);

	return (x & 15) == 0 ? pte | _PAGE_PROTECT : (x & 15) == 1 ? pte | _PAGE_INVALID : pte;
}

/* A 1 MiB frame: a guest-2 data segment; DAT-protected 1 in 8. */
static unsigned long random_frame(struct run_vcpu *v)
{
	struct run *r = v->run;
	unsigned long first = r->lay.reserved >> _SEGMENT_SHIFT;
	unsigned long nseg = r->cfg.guest_mem >> _SEGMENT_SHIFT;
	uint64_t x = run_rand(&v->rng);
	unsigned long ste =
		((first + (x >> 8) % (nseg - first)) << _SEGMENT_SHIFT) | _SEGMENT_ENTRY_LARGE;

	return (x & 7) ? ste : ste | _SEGMENT_ENTRY_PROTECT;
}

static unsigned long space_asce(const struct run_vcpu *v, enum g3_space s)
{
	switch (s) {
	case G3_SEGMENT:
		return (v->g3 + G3_SGT) | _ASCE_TYPE_SEGMENT | _ASCE_TABLE_LENGTH;
	case G3_REGION3:
		return (v->g3 + G3_R3T) | _ASCE_TYPE_REGION3 | _ASCE_TABLE_LENGTH;
	case G3_REGION1:
		return (v->g3 + G3_R1T) | _ASCE_TYPE_REGION1 | _ASCE_TABLE_LENGTH;
	default:
		return _ASCE_REAL_SPACE;
	}
}

/* ---- building the tables (setup, from the host side) --------------------------------------- */

static void fill_table(unsigned char *image, unsigned long origin, unsigned long n,
		       unsigned long val)
{
	for (unsigned long i = 0; i < n; i++)
		run_put_entry(image, origin + 8 * i, val);
}

static unsigned long r3_entry(const struct run_vcpu *v)
{
	return g3_entry(v->run, v->g3 + G3_R3T + 8);
}

static bool r3_is_frame(unsigned long r3e)
{
	return !(r3e & _REGION_ENTRY_INVALID) && (r3e & _REGION3_ENTRY_LARGE);
}

/* An EDAT-2 2 GiB frame over guest-2 storage (the start of it, mostly); DAT-protected 1 in 8. */
static unsigned long random_r3_frame(struct run_vcpu *v)
{
	uint64_t x = run_rand(&v->rng);
	unsigned long n = (v->run->cfg.guest_mem + _REGION3_SIZE - 1) >> _REGION3_SHIFT;
	unsigned long e =
		(((x >> 8) % n) << _REGION3_SHIFT) | _REGION_ENTRY_TYPE_R3 | _REGION3_ENTRY_LARGE;

	return (x & 7) ? e : e | _REGION_ENTRY_PROTECT;
}

/* Entry @i of the second segment table when the frame @r3e is split: its 1 MiB @i. */
static unsigned long r3_split_entry(unsigned long r3e, unsigned long i)
{
	return ((r3e & _REGION3_ENTRY_ORIGIN_LARGE) + (i << _SEGMENT_SHIFT)) |
	       _SEGMENT_ENTRY_LARGE | (r3e & _REGION_ENTRY_PROTECT ? _SEGMENT_ENTRY_PROTECT : 0);
}

/* Where guest-3 2 GiB starts in guest-2 storage while entry 1 is a frame or split. */
static unsigned long r3_origin(const struct run_vcpu *v)
{
	unsigned long r3e = r3_entry(v);

	if (r3_is_frame(r3e))
		return r3e & _REGION3_ENTRY_ORIGIN_LARGE;
	return g3_entry(v->run, v->g3 + G3_SGT2) & _REGION3_MASK;
}

static void build_block(struct run_vcpu *v)
{
	unsigned char *img = v->run->lay.image;
	unsigned long b = v->g3, s, x;

	fill_table(img, b + G3_R1T, _CRST_ENTRIES, _REGION1_ENTRY_EMPTY);
	fill_table(img, b + G3_R2T, _CRST_ENTRIES, _REGION2_ENTRY_EMPTY);
	fill_table(img, b + G3_R3T, _CRST_ENTRIES, _REGION3_ENTRY_EMPTY);
	fill_table(img, b + G3_SGT, _CRST_ENTRIES, _SEGMENT_ENTRY_EMPTY);
	run_put_entry(img, b + G3_R1T, (b + G3_R2T) | _REGION1_ENTRY);
	run_put_entry(img, b + G3_R2T, (b + G3_R3T) | _REGION2_ENTRY);
	run_put_entry(img, b + G3_R3T, (b + G3_SGT) | _REGION3_ENTRY);
	for (s = 0; s < G3_NSEG; s++) {
		for (unsigned long j = 0; j < _PAGE_ENTRIES; j++)
			run_put_entry(img, pte_addr(v, s, j),
				      is_fixed_pte(s, j)
					      ? b + G3_PREFIX + (j - G3_FIXED_FIRST) * PAGE_SIZE
					      : g3_random_pte(v));
		x = run_rand(&v->rng) & 7;
		if (s && x == 0)
			run_put_entry(img, b + G3_SGT + 8 * s, _SEGMENT_ENTRY_EMPTY);
		else if (s && x < 3)
			run_put_entry(img, b + G3_SGT + 8 * s, random_frame(v));
		else
			run_put_entry(img, b + G3_SGT + 8 * s, b + G3_PGT + s * _PAGE_TABLE_SIZE);
	}
	g3_build_own_tables(v);
	fill_table(img, b + G3_SGT2, _CRST_ENTRIES, _SEGMENT_ENTRY_EMPTY);
	x = run_rand(&v->rng) & 3;
	if (x == 0)
		return; /* region-third entry 1 stays invalid */
	run_put_entry(img, b + G3_R3T + 8, random_r3_frame(v));
	if (x == 1) { /* split */
		for (s = 0; s < _CRST_ENTRIES; s++)
			run_put_entry(img, b + G3_SGT2 + 8 * s, r3_split_entry(r3_entry(v), s));
		run_put_entry(img, b + G3_R3T + 8, (b + G3_SGT2) | _REGION3_ENTRY);
	}
}

/**
 * run_nested_plan() - place the guest-3 blocks after guest-2's own tables
 * @l:      the layout, guest-2's tables placed
 * @nvcpus: one block per vCPU (the odd ones leave theirs unused)
 */
void run_nested_plan(struct run_layout *l, unsigned int nvcpus)
{
	l->g3_tables = (l->tables_end + _CRST_TABLE_SIZE - 1) & ~(_CRST_TABLE_SIZE - 1UL);
	l->tables_end = l->g3_tables + nvcpus * G3_BLOCK;
}

/**
 * run_nested_build() - choose the nested vCPUs and build their guest-3 tables
 * @r: the run: layout, image and vCPUs set up, guest memory not yet written
 */
void run_nested_build(struct run *r)
{
	double below = r->cfg.g2_change_rate / 1000.0 * (double)(G3_CHANGE_BITS + 1);

	r->g2_change_below =
		below >= (double)(G3_CHANGE_BITS + 1) ? G3_CHANGE_BITS + 1 : (unsigned long)below;
	for (unsigned int k = 0; k < r->cfg.nvcpus; k += 2) {
		struct run_vcpu *v = &r->vcpus[k];

		v->nested = true;
		v->g3 = r->lay.g3_tables + k * G3_BLOCK;
		v->space = (enum g3_space)(run_rand(&v->rng) % NR_G3_SPACES);
		build_block(v);
	}
}

/* ---- predicting an access from guest-2's tables -------------------------------------------- */

/* The region and ASCE-type checks: 0 if @va reaches the segment table. */
static unsigned int region_pic(enum g3_space space, unsigned long va)
{
	unsigned long rfx = va >> 53, rsx = (va >> 42) & 0x7ff, rtx = (va >> 31) & 0x7ff;

	switch (space) {
	case G3_SEGMENT:
		return va >> 31 ? PGM_ASCE_TYPE : 0;
	case G3_REGION3:
		return va >> 42 ? PGM_ASCE_TYPE : rtx > 1 ? PGM_REGION_THIRD_TRANS : 0;
	default:
		return rfx	 ? PGM_REGION_FIRST_TRANS
		       : rsx	 ? PGM_REGION_SECOND_TRANS
		       : rtx > 1 ? PGM_REGION_THIRD_TRANS
				 : 0;
	}
}

/*
 * Guest-3 2 .. 4 GiB, region-third entry 1 (EDAT-2): a 2 GiB frame, the second
 * segment table (1 MiB frames or invalid entries), or invalid. Region
 * protection counts with EDAT-1 and up.
 */
static unsigned int walk_r3_frame(const struct run_vcpu *v, struct g3_access *a)
{
	unsigned long r3e = r3_entry(v), ste;
	bool prot;

	if (r3e & _REGION_ENTRY_INVALID)
		return PGM_REGION_THIRD_TRANS;
	prot = r3e & _REGION_ENTRY_PROTECT;
	if (r3e & _REGION3_ENTRY_LARGE) {
		a->g2 = (r3e & _REGION3_ENTRY_ORIGIN_LARGE) | (a->va & ~_REGION3_MASK);
	} else {
		ste = g3_entry(v->run, (r3e & _REGION_ENTRY_ORIGIN) + 8 * dat_sx(a->va));
		if (ste & _SEGMENT_ENTRY_INVALID)
			return PGM_SEGMENT_TRANSLATION;
		prot |= ste & _SEGMENT_ENTRY_PROTECT;
		a->g2 = (ste & _SEGMENT_ENTRY_ORIGIN_LARGE) | (a->va & ~_SEGMENT_MASK);
	}
	return a->write && prot ? PGM_PROTECTION : 0;
}

/* Walk guest-2's copy of its tables: the exit for guest-3 absolute a->va, or 0 with a->g2. */
static unsigned int walk_g2(const struct run_vcpu *v, struct g3_access *a)
{
	unsigned long sx = (a->va >> _SEGMENT_SHIFT) & 0x7ff, px = (a->va >> PAGE_SHIFT) & 0xff;
	unsigned long ste, pte;
	unsigned int pic;
	bool prot;

	a->g2 = a->va;
	if (v->space == G3_REAL)
		return 0;
	pic = region_pic(v->space, a->va);
	if (pic)
		return pic;
	if (dat_rtx(a->va))
		return walk_r3_frame(v, a);
	ste = sx < G3_NSEG ? sgt_entry(v, sx) : _SEGMENT_ENTRY_EMPTY;
	if (ste & _SEGMENT_ENTRY_INVALID)
		return PGM_SEGMENT_TRANSLATION;
	prot = ste & _SEGMENT_ENTRY_PROTECT;
	if (ste & _SEGMENT_ENTRY_LARGE) {
		a->g2 = (ste & _SEGMENT_ENTRY_ORIGIN_LARGE) | (a->va & ~_SEGMENT_MASK);
	} else {
		pte = g3_entry(v->run, pte_addr(v, sx, px));
		if (pte & _PAGE_INVALID)
			return PGM_PAGE_TRANSLATION;
		prot |= pte & _PAGE_PROTECT;
		a->g2 = (pte & PAGE_MASK) | (a->va & ~PAGE_MASK);
	}
	return a->write && prot ? PGM_PROTECTION : 0;
}

/**
 * g3_predict() - what guest-2's tables make of guest-3 absolute a->va
 * @v: the vCPU
 * @a: va, len and write set; receives pic (0: a->g2 is the guest-2 address) and
 *     the TEID that comes with the exit: the guest-3 absolute page (the address
 *     guest-2's translation failed for, whatever guest-3 addressed)
 *
 * Return: a->pic.
 */
unsigned int g3_predict(const struct run_vcpu *v, struct g3_access *a)
{
	a->pic = walk_g2(v, a);
	if (a->pic)
		a->teid = (a->va & PAGE_MASK) | (a->write ? TEID_STORE : TEID_FETCH) |
			  (a->pic == PGM_PROTECTION ? TEID_PROT_DAT : 0);
	return a->pic;
}

/* The data page guest-2 address @g2 lies in, if @v owns it; else ~0UL. */
static unsigned long own_data_page(const struct run_vcpu *v, unsigned long g2)
{
	const struct run *r = v->run;
	unsigned long d;

	if (g2 < r->lay.reserved || g2 >= r->cfg.guest_mem)
		return ~0UL;
	d = (g2 - r->lay.reserved) >> PAGE_SHIFT;
	return d % r->cfg.nvcpus == v->id ? d : ~0UL;
}

/* ---- choosing what guest-3 accesses -------------------------------------------------------- */

/* Beyond what guest-2's tables map: an exit whatever the tables hold (reads only). */
static unsigned long probe_va(uint64_t x)
{
	static const unsigned long probes[] = { (unsigned long)G3_NSEG << _SEGMENT_SHIFT, 2UL << 31,
						1UL << 42, 1UL << 53 };

	return probes[x % 4] + (((x >> 8) & 0xff) << PAGE_SHIFT);
}

/* A page of the 1 MiB frame @ste whose guest-2 page @v owns. */
static unsigned long frame_page(struct run_vcpu *v, unsigned long ste)
{
	unsigned long nv = v->run->cfg.nvcpus;
	unsigned long d0 =
		((ste & _SEGMENT_ENTRY_ORIGIN_LARGE) - v->run->lay.reserved) >> PAGE_SHIFT;
	unsigned long first = (v->id + nv - d0 % nv) % nv;

	return first + nv * (run_rand(&v->rng) % ((_PAGE_ENTRIES - first + nv - 1) / nv));
}

/* A page of segment @s through a page table: own target or invalid PTE. */
static bool table_page(struct run_vcpu *v, unsigned long s, unsigned long *j)
{
	unsigned long pte;

	for (int i = 0; i < G3_PICK_TRIES; i++) {
		*j = run_rand(&v->rng) % _PAGE_ENTRIES;
		if (is_fixed_pte(s, *j))
			continue;
		pte = g3_entry(v->run, pte_addr(v, s, *j));
		if ((pte & _PAGE_INVALID) || own_data_page(v, pte & PAGE_MASK) != ~0UL)
			return true;
	}
	return false;
}

/*
 * A page of guest-3 2 .. 4 GiB (region-third entry 1): one of @v's own pages
 * while it maps guest-2 storage, any while it is invalid (an exit).
 */
static bool r3_page(struct run_vcpu *v, struct g3_access *a, uint64_t x)
{
	unsigned long origin, g2;

	a->va = G3_R3_FRAME + ((x & 0x7ffff) << PAGE_SHIFT);
	if (!(r3_entry(v) & _REGION_ENTRY_INVALID)) {
		origin = r3_origin(v);
		for (int i = 0;; i++) {
			if (i == G3_PICK_TRIES)
				return false;
			g2 = v->run->lay.reserved + (run_pick_page(v) << PAGE_SHIFT);
			if (g2 >= origin && g2 - origin < _REGION3_SIZE)
				break;
		}
		a->va = G3_R3_FRAME + (g2 - origin);
	}
	a->addr = a->va;
	return true;
}

/**
 * g3_pick_abs() - a page of guest-3 absolute storage to access
 * @v: the vCPU
 * @a: receives kind, va and addr (page-aligned; write may be cleared)
 *
 * Return: false if none was found this time.
 */
bool g3_pick_abs(struct run_vcpu *v, struct g3_access *a)
{
	uint64_t x = run_rand(&v->rng);
	unsigned long s = (x >> 8) % G3_NSEG, ste = sgt_entry(v, s), j;

	a->kind = G3K_ABS;

	/* Real space: guest-3 goes where guest-2 itself would, its hot set included. */
	if (v->space == G3_REAL) {
		a->va = v->run->lay.reserved + (run_pick_page(v) << PAGE_SHIFT);
		a->addr = a->va;
		return true;
	}
	if ((x & 31) == 0) {
		a->write = false;
		a->va = probe_va(x >> 5);
		a->addr = a->va;
		return true;
	}
	/*
	 * A guest touches what its hypervisor maps: an unmapped segment, or 2 GiB it
	 * cannot reach, gets an eighth of the accesses a mapped one does (each is an
	 * exit, a full walk of guest-2's tables: nothing is shadowed for an invalid
	 * entry).
	 */
	if (((x >> 5) & 7) == 0 &&
	    ((v->space != G3_SEGMENT && !(r3_entry(v) & _REGION_ENTRY_INVALID)) || !(x >> 61)))
		return r3_page(v, a, x >> 16);
	for (int i = 0; (ste & _SEGMENT_ENTRY_INVALID) && (x >> 61) && i < G3_PICK_TRIES; i++) {
		s = run_rand(&v->rng) % G3_NSEG;
		ste = sgt_entry(v, s);
	}
	if (seg_is_frame(ste))
		j = frame_page(v, ste);
	else if (ste & _SEGMENT_ENTRY_INVALID)
		j = 2 + (x >> 16) % (_PAGE_ENTRIES - 2);
	else if (!table_page(v, s, &j))
		return false;
	a->va = (s << _SEGMENT_SHIFT) | (j << PAGE_SHIFT);
	a->addr = a->va;
	return true;
}

static unsigned long seg_seq(const struct run *r, unsigned long g2)
{
	return g2 < r->cfg.guest_mem ? atomic_load(&r->seg_seq[g2 >> _SEGMENT_SHIFT]) : 0;
}

/* Do @a with the host's sequence counts around it; returns the access's result. */
static int issue(struct run_vcpu *v, struct g3_access *a, unsigned char *buf)
{
	struct run *r = v->run;
	int rc;

	a->seg_before = seg_seq(r, a->g2);
	a->prot_before = atomic_load(&r->prot_seq);
	switch (a->kind * 2 + a->write) {
	case G3K_ABS * 2:
		rc = vcpu_sie_read(v->vcpu, a->addr, buf, a->len);
		break;
	case G3K_ABS * 2 + 1:
		rc = vcpu_sie_write(v->vcpu, a->addr, buf, a->len);
		break;
	case G3K_REAL * 2:
		rc = vcpu_sie_read_real(v->vcpu, a->addr, buf, a->len);
		break;
	case G3K_REAL * 2 + 1:
		rc = vcpu_sie_write_real(v->vcpu, a->addr, buf, a->len);
		break;
	default:
		rc = a->write ? vcpu_sie_write_virt(v->vcpu, g3_own_asce(v), a->addr, buf, a->len)
			      : vcpu_sie_read_virt(v->vcpu, g3_own_asce(v), a->addr, buf, a->len);
	}
	a->seg_after = seg_seq(r, a->g2);
	a->prot_after = atomic_load(&r->prot_seq);
	return rc;
}

/* Guest-3's lowcore: the block's prefix pages, whose model is the image. */
static bool in_lowcore(const struct run_vcpu *v, unsigned long g2)
{
	return g2 >= v->g3 + G3_PREFIX && g2 < v->g3 + G3_PREFIX + PREFIX_AREA_SIZE;
}

/**
 * g3_checkable() - whether @v can check @a: an exception, or bytes only @v writes
 * @v: the vCPU
 * @a: predicted
 */
bool g3_checkable(const struct run_vcpu *v, const struct g3_access *a)
{
	if (a->pic3 || (a->pic && a->pic != PGM_PROTECTION))
		return true;
	return in_lowcore(v, a->g2) || own_data_page(v, a->g2) != ~0UL;
}

/* Predict, issue and check @a; what it reaches (if anything) is @v's alone. */
static void g3_access(struct run_vcpu *v, struct g3_access *a)
{
	struct run *r = v->run;
	unsigned char buf[PAGE_SIZE], *model = NULL;
	unsigned int tries = 0;
	unsigned long d;
	char what[64];
	int rc;

	a->pic3 = 0;
	if (a->kind == G3K_VIRT)
		g3_predict_virt(v, a);
	else
		g3_predict(v, a);
	if (!g3_checkable(v, a))
		return; /* another vCPU's page: another one's model */
	if (!a->pic3 && (!a->pic || a->pic == PGM_PROTECTION)) {
		d = own_data_page(v, a->g2);
		if (d == ~0UL) {
			model = r->lay.image + a->g2; /* the lowcore */
		} else {
			model = a->write ? run_model_for_write(v, d)
					 : (unsigned char *)run_model(r, d);
			if (!model)
				return;
			model += a->g2 & ~PAGE_MASK;
			atomic_store_explicit(&v->last, d, memory_order_relaxed);
		}
	}
	if (a->write)
		run_fill(v, buf, a->len);
	v->c.g3_accesses++;
	v->c.g3_kind[a->kind] += !a->swept;
	do {
		rc = issue(v, a, buf);
	} while (run_io_retry(r, IO_ACCESS, rc, &tries));
	run_io_done(r, IO_ACCESS, rc, tries);
	if (!rc) {
		g3_check_success(v, a, model, buf);
	} else if (rc > 0 && rc < VSIE_EXIT_PGM) {
		g3_check_own_pic(v, a, (unsigned int)rc);
	} else if ((rc & ~0xffff) == VSIE_EXIT_PGM) {
		g3_check_exit(v, a, (unsigned int)(rc & 0xffff));
	} else {
		snprintf(what, sizeof(what), "%s %d (0x%x)", rc < 0 ? strerror(-rc) : "result", rc,
			 (unsigned int)rc);
		g3_unexpected(v, a, what);
	}
}

/* ---- guest-2's changes of guest-3's tables ------------------------------------------------- */

/* Guest-2's store of a table entry, under the IPTE interlock, and into its copy. */
static void g2_store(struct run_vcpu *v, unsigned long g2, unsigned long val)
{
	uint64_t be = htobe64(val);
	unsigned int tries = 0;
	int rc;

	do {
		vsie_ipte_lock();
		rc = vcpu_write(v->vcpu, g2, &be, sizeof(be));
		vsie_ipte_unlock();
	} while (run_io_retry(v->run, IO_ACCESS, rc, &tries));
	run_io_done(v->run, IO_ACCESS, rc, tries);
	if (rc)
		run_fail(v->run, g2, "vcpu %u: guest-2 store to its table at 0x%lx: %d", v->id, g2,
			 rc);
	else
		run_put_entry(v->run->lay.image, g2, val);
}

/* Guest-2 writes @n entries of a table that no valid entry designates yet, in one store. */
static void g2_store_table(struct run_vcpu *v, unsigned long g2, const unsigned long *val,
			   unsigned long n)
{
	uint64_t be[_CRST_ENTRIES];
	int rc;

	for (unsigned long i = 0; i < n; i++)
		be[i] = htobe64(val[i]);
	vsie_ipte_lock();
	rc = vcpu_write(v->vcpu, g2, be, n * sizeof(be[0]));
	vsie_ipte_unlock();
	if (rc) {
		run_fail(v->run, g2, "vcpu %u: guest-2 store of a table at 0x%lx: %d", v->id, g2,
			 rc);
		return;
	}
	for (unsigned long i = 0; i < n; i++)
		run_put_entry(v->run->lay.image, g2 + 8 * i, val[i]);
}

static unsigned long random_table_page(struct run_vcpu *v, unsigned long *s)
{
	unsigned long j;

	do {
		*s = run_rand(&v->rng) % G3_NSEG;
		j = run_rand(&v->rng) % _PAGE_ENTRIES;
	} while (is_fixed_pte(*s, j));
	return j;
}

static void change_protection(struct run_vcpu *v)
{
	unsigned long s, j = random_table_page(v, &s), ste;

	if (s && run_rand(&v->rng) & 1) {
		ste = sgt_entry(v, s);
		if (!(ste & _SEGMENT_ENTRY_INVALID))
			g2_store(v, v->g3 + G3_SGT + 8 * s, ste ^ _SEGMENT_ENTRY_PROTECT);
		return;
	}
	g2_store(v, pte_addr(v, s, j), g3_entry(v->run, pte_addr(v, s, j)) ^ _PAGE_PROTECT);
}

/* Split a 1 MiB frame: the page table maps its 256 pages, then the segment entry points at it. */
static void split_frame(struct run_vcpu *v, unsigned long s, unsigned long ste)
{
	unsigned long origin = ste & _SEGMENT_ENTRY_ORIGIN_LARGE, pt[_PAGE_ENTRIES];

	for (unsigned long j = 0; j < _PAGE_ENTRIES; j++)
		pt[j] = origin + j * PAGE_SIZE;
	g2_store_table(v, pte_addr(v, s, 0), pt, _PAGE_ENTRIES);
	g2_store(v, v->g3 + G3_SGT + 8 * s,
		 (v->g3 + G3_PGT + s * _PAGE_TABLE_SIZE) | (ste & _SEGMENT_ENTRY_PROTECT));
}

/*
 * The 1 MiB frame that segment @s's page table maps page by page (a split frame
 * not changed since), as a segment entry, or 0.
 */
static unsigned long joinable(const struct run_vcpu *v, unsigned long s)
{
	unsigned long pte0 = g3_entry(v->run, pte_addr(v, s, 0)), prot = pte0 & _PAGE_PROTECT;
	unsigned long origin = pte0 & PAGE_MASK;

	if ((pte0 & _PAGE_INVALID) || (origin & ~_SEGMENT_MASK))
		return 0;
	for (unsigned long j = 1; j < _PAGE_ENTRIES; j++)
		if (g3_entry(v->run, pte_addr(v, s, j)) != ((origin + j * PAGE_SIZE) | prot))
			return 0;
	return origin | _SEGMENT_ENTRY_LARGE | (prot ? _SEGMENT_ENTRY_PROTECT : 0);
}

/*
 * Unmap a segment (1/8), map a 1 MiB frame (1/4), split a frame, join a split
 * one again, or map the page table again (5/8 for these three).
 */
static enum g3_change change_segment(struct run_vcpu *v)
{
	uint64_t x = run_rand(&v->rng);
	unsigned long s = 1 + (x >> 8) % (G3_NSEG - 1), ste = sgt_entry(v, s), join;
	unsigned long sgte = v->g3 + G3_SGT + 8 * s;

	if ((x & 7) == 0) {
		g2_store(v, sgte, _SEGMENT_ENTRY_EMPTY);
	} else if ((x & 7) < 3) {
		g2_store(v, sgte, random_frame(v));
	} else if (seg_is_frame(ste)) {
		split_frame(v, s, ste);
		return HYP_SPLIT;
	} else if ((join = joinable(v, s)) != 0) {
		g2_store(v, sgte, join | (ste & _SEGMENT_ENTRY_PROTECT));
		return HYP_JOIN;
	} else {
		g2_store(v, sgte, v->g3 + G3_PGT + s * _PAGE_TABLE_SIZE);
	}
	return HYP_SEGMENT;
}

/*
 * The EDAT-2 region-third entry 1: a 2 GiB frame is split into 1 MiB frames
 * (the second segment table, then the entry) or unmapped (1/4); a split one is
 * joined into its frame again; an invalid one gets a new frame.
 */
static enum g3_change change_region3(struct run_vcpu *v)
{
	unsigned long r3e = r3_entry(v), r3te = v->g3 + G3_R3T + 8, sgt[_CRST_ENTRIES];
	uint64_t x = run_rand(&v->rng);

	if (r3_is_frame(r3e) && (x & 3)) {
		for (unsigned long i = 0; i < _CRST_ENTRIES; i++)
			sgt[i] = r3_split_entry(r3e, i);
		g2_store_table(v, v->g3 + G3_SGT2, sgt, _CRST_ENTRIES);
		g2_store(v, r3te, (v->g3 + G3_SGT2) | _REGION3_ENTRY);
		return HYP_SPLIT;
	}
	if (r3_is_frame(r3e)) {
		g2_store(v, r3te, _REGION3_ENTRY_EMPTY);
	} else if (!(r3e & _REGION_ENTRY_INVALID)) {
		sgt[0] = g3_entry(v->run, v->g3 + G3_SGT2);
		g2_store(v, r3te,
			 (sgt[0] & _REGION3_MASK) | _REGION_ENTRY_TYPE_R3 | _REGION3_ENTRY_LARGE |
				 (sgt[0] & _SEGMENT_ENTRY_PROTECT ? _REGION_ENTRY_PROTECT : 0));
		return HYP_JOIN;
	} else {
		g2_store(v, r3te, random_r3_frame(v));
	}
	return HYP_REGION3;
}

/* Leave SIE and enter it again with the ASCE of @to: another shadow (new or reused). */
static void enter_space(struct run_vcpu *v, enum g3_space to)
{
	unsigned int tries = 0;
	int rc;

	enum g3_space from = v->space;

	vcpu_sie_exit(v->vcpu);
	v->space = to; /* guest-3's prefix depends on it */
	do {
		rc = vcpu_sie_enter(v->vcpu, space_asce(v, to), G3_EDAT, g3_prefix(v));
	} while (run_io_retry(v->run, IO_ACCESS, rc, &tries));
	run_io_done(v->run, IO_ACCESS, rc, tries);
	if (rc) {
		v->space = from;
		run_fail(v->run, 0, "vcpu %u: SIE entry with the %s ASCE: %d", v->id,
			 g3_space_names[to], rc);
	}
}

static void switch_space(struct run_vcpu *v)
{
	enter_space(v, (enum g3_space)((v->space + 1 + run_rand(&v->rng) % (NR_G3_SPACES - 1)) %
				       NR_G3_SPACES));
}

/*
 * --inject-stale-shadow: guest-2 remaps a page that the shadow maps, with one
 * unshadow skipped on purpose; the audit (and the next read) must see it.
 */
static bool inject_stale(struct run_vcpu *v, unsigned long s, unsigned long j)
{
	struct run *r = v->run;
	unsigned long va = (s << _SEGMENT_SHIFT) | (j << PAGE_SHIFT);
	struct g3_access a = { .va = va, .addr = va, .len = 8 };
	unsigned char buf[8];

	if (v->space == G3_REAL)
		enter_space(v, G3_REGION1); /* the skipped unshadow must be one of a page table */
	if (g3_predict(v, &a) || seg_is_frame(sgt_entry(v, s)) || own_data_page(v, a.g2) == ~0UL ||
	    vcpu_sie_read(v->vcpu, a.va, buf, 8))
		return false;
	gmap_shadow_inject_stale(1);
	g2_store(v, pte_addr(v, s, j), g3_random_pte(v) & ~(_PAGE_INVALID | _PAGE_PROTECT));
	gmap_shadow_inject_stale(0);
	atomic_store(&r->stale_injected, a.va + 1);
	run_audit_shadows(r, "after --inject-stale-shadow");
	return true;
}

static void remap_page(struct run_vcpu *v)
{
	unsigned long s, j = random_table_page(v, &s);

	g2_store(v, pte_addr(v, s, j), g3_random_pte(v));
}

/* --inject-stale-shadow: vCPU 0 tries from its 1000th access on until it could. */
static bool inject_due(struct run_vcpu *v)
{
	struct run *r = v->run;

	return r->cfg.inject_stale && v->id == 0 && !atomic_load(&r->stale_injected) &&
	       atomic_load(&v->done) >= 1000;
}

/* Remap 8/20, protect 4/20, a segment 4/20, the region-third entry 2/20, switch ASCE 2/20. */
static void change_tables(struct run_vcpu *v, uint64_t x)
{
	unsigned int sel = (unsigned int)(x % 20);
	enum g3_change c = sel < 8 ? HYP_REMAP : sel < 12 ? HYP_PROTECT : HYP_SWITCH;

	if (sel < 8)
		remap_page(v);
	else if (sel < 12)
		change_protection(v);
	else if (sel < 16)
		c = change_segment(v);
	else if (sel < 18)
		c = change_region3(v);
	else
		switch_space(v);
	v->c.hyp[c]++;
}

/* ---- the vCPU's side ----------------------------------------------------------------------- */

/**
 * run_nested_start() - guest-2 enters SIE for guest-3 on @v's thread
 * @v: a nested vCPU, created, its gmap enabled
 *
 * Return: 0 or a negative errno.
 */
int run_nested_start(struct run_vcpu *v)
{
	unsigned int tries = 0;
	/* Guest-3's own DAT: EDAT-1, for the 1 MiB frame in its tables. */
	int rc = vcpu_sie_set_dat_features(v->vcpu, 1, false);

	if (!rc) {
		do {
			rc = vcpu_sie_enter(v->vcpu, space_asce(v, v->space), G3_EDAT,
					    g3_prefix(v));
		} while (run_io_retry(v->run, IO_ACCESS, rc, &tries));
		run_io_done(v->run, IO_ACCESS, rc, tries);
	}
	return rc > 0 ? -EFAULT : rc;
}

/**
 * run_nested_step() - one guest-3 access, now and then a table change by guest-2
 * @v: a nested vCPU in SIE
 * @x: the step's random value
 */
void run_nested_step(struct run_vcpu *v, uint64_t x)
{
	struct g3_access a = { .write = (x >> 8) & 1 };
	unsigned long off, s, j;

	if (inject_due(v)) {
		j = random_table_page(v, &s);
		if (inject_stale(v, s, j)) {
			v->c.hyp[HYP_REMAP]++;
			return;
		}
	}
	if (((x >> 44) & G3_CHANGE_BITS) < v->run->g2_change_below)
		change_tables(v, run_rand(&v->rng));
	/* Guest-3 addresses storage absolute 1/2, real 1/4 (its lowcore 1/16), virtual 1/4. */
	switch ((x >> 9) & 3) {
	case 2:
		if (!g3_pick_real(v, &a, x >> 12))
			return;
		break;
	case 3:
		g3_pick_virt(v, &a, x >> 12);
		break;
	default:
		if (!g3_pick_abs(v, &a))
			return;
	}
	run_pick_span(v, PAGE_SIZE, &off, &a.len);
	a.addr += off;
	a.va += off;
	g3_access(v, &a);
}

/* Read back G3_SWEEP_R3 of @v's own pages through region-third entry 1 (needs a region ASCE). */
static void sweep_r3(struct run_vcpu *v)
{
	unsigned long origin = r3_origin(v), g2;
	struct g3_access a;

	if (v->space == G3_SEGMENT)
		enter_space(v, G3_REGION3);
	for (unsigned long i = 0; i < G3_SWEEP_R3; i++) {
		g2 = v->run->lay.reserved +
		     (run_own_page(v, i * (v->nown / G3_SWEEP_R3)) << PAGE_SHIFT);
		if (g2 < origin || g2 - origin >= _REGION3_SIZE)
			continue;
		a = (struct g3_access){ .va = G3_R3_FRAME + (g2 - origin),
					.len = PAGE_SIZE,
					.swept = true };
		a.addr = a.va;
		v->c.g3_swept++;
		g3_access(v, &a);
	}
}

/**
 * run_nested_sweep() - read back every page of guest-3 that @v's tables map to its own pages
 * @v: a nested vCPU in SIE, its workload done
 *
 * Each page as a whole, through the shadow, against the composition of
 * guest-2's tables and the model; pages the tables do not map must exit.
 */
void run_nested_sweep(struct run_vcpu *v)
{
	unsigned long s, j;

	/* Through the tables: real space would bypass them. */
	if (v->space == G3_REAL)
		enter_space(v, G3_REGION1);
	for (s = 0; s < G3_NSEG; s++)
		for (j = 0; j < _PAGE_ENTRIES; j++) {
			unsigned long va = (s << _SEGMENT_SHIFT) | (j << PAGE_SHIFT);
			struct g3_access a = {
				.va = va, .addr = va, .len = PAGE_SIZE, .swept = true
			};

			if (is_fixed_pte(s, j))
				continue;
			v->c.g3_swept++;
			g3_access(v, &a);
		}
	sweep_r3(v);
}
