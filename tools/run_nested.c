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
 * Guest-3 block of vCPU k, at g3_tables + k * G3_BLOCK (guest-2 absolute, in
 * the reserved area, which the host never moves or protects):
 *   +0x00000  region-first table   entry 0 -> the region-second table
 *   +0x04000  region-second table  entry 0 -> the region-third table
 *   +0x08000  region-third table   entry 0 -> the segment table
 *   +0x0c000  segment table        entries 0 .. G3_NSEG - 1: a page table, a
 *                                  1 MiB frame (a guest-2 data segment), or invalid
 *   +0x10000  page tables          2 KiB per segment, kept while the segment is a
 *                                  frame or invalid
 *   +0x14000  guest-3's prefix pages (guest-3 prefix 0 maps them: segment 0's
 *                                  PTEs 0 and 1, never changed)
 * Every other entry is invalid. The four ASCEs designate the region-first,
 * region-third and segment tables of that one chain, or real space (guest-3
 * absolute = guest-2 absolute), so all translate guest-3 0 .. 8 MiB alike.
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

#include "run.h"

#define G3_R1T	  0x00000UL
#define G3_R2T	  0x04000UL
#define G3_R3T	  0x08000UL
#define G3_SGT	  0x0c000UL
#define G3_PGT	  0x10000UL
#define G3_PREFIX 0x14000UL

#define G3_EDAT	       1    /* guest-2's EDAT level for guest-3: 1 MiB frames */
#define G3_CHANGE_MASK 1023 /* a table change per 1024 guest-3 accesses */
#define G3_PICK_TRIES  8
#define AUDIT_MAX      (4 * RUN_MAX_VCPUS + 4)

static const char *const space_names[NR_G3_SPACES] = { "segment", "region-3", "region-1", "real" };

/* An access of guest-3 and what guest-2's tables (as guest-2 wrote them) make of it. */
struct g3_access {
	unsigned long va; /* guest-3 absolute */
	size_t len;
	bool write;
	unsigned int pic; /* the exit guest-2's tables give, or 0 */
	unsigned long g2; /* the guest-2 address, when the tables translate it */
	unsigned long seg_before, seg_after, prot_before, prot_after;
};

/* ---- guest-2's copy of its tables ---------------------------------------------------------- */

static unsigned long entry(const struct run *r, unsigned long g2)
{
	uint64_t be;

	memcpy(&be, r->lay.image + g2, sizeof(be));
	return be64toh(be);
}

static unsigned long sgt_entry(const struct run_vcpu *v, unsigned long s)
{
	return entry(v->run, v->g3 + G3_SGT + 8 * s);
}

static unsigned long pte_addr(const struct run_vcpu *v, unsigned long s, unsigned long j)
{
	return v->g3 + G3_PGT + s * _PAGE_TABLE_SIZE + 8 * j;
}

static bool seg_is_frame(unsigned long ste)
{
	return !(ste & _SEGMENT_ENTRY_INVALID) && (ste & _SEGMENT_ENTRY_LARGE);
}

/* Guest-3's prefix pages: segment 0, pages 0 and 1. Guest-2 never changes them. */
static bool is_prefix_pte(unsigned long s, unsigned long j)
{
	return s == 0 && j < 2;
}

/* A fresh PTE: one of @v's own data pages, DAT-protected 1 in 16, invalid 1 in 16. */
static unsigned long random_pte(struct run_vcpu *v)
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
				      is_prefix_pte(s, j) ? b + G3_PREFIX + j * PAGE_SIZE
							  : random_pte(v));
		x = run_rand(&v->rng) & 7;
		if (s && x == 0)
			run_put_entry(img, b + G3_SGT + 8 * s, _SEGMENT_ENTRY_EMPTY);
		else if (s && x < 3)
			run_put_entry(img, b + G3_SGT + 8 * s, random_frame(v));
		else
			run_put_entry(img, b + G3_SGT + 8 * s, b + G3_PGT + s * _PAGE_TABLE_SIZE);
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
		return va >> 42 ? PGM_ASCE_TYPE : rtx ? PGM_REGION_THIRD_TRANS : 0;
	default:
		return rfx   ? PGM_REGION_FIRST_TRANS
		       : rsx ? PGM_REGION_SECOND_TRANS
		       : rtx ? PGM_REGION_THIRD_TRANS
			     : 0;
	}
}

/* Walk guest-2's copy of its tables: the exit for @a, or 0 with a->g2 set. */
static unsigned int predict(const struct run_vcpu *v, struct g3_access *a)
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
	ste = sx < G3_NSEG ? sgt_entry(v, sx) : _SEGMENT_ENTRY_EMPTY;
	if (ste & _SEGMENT_ENTRY_INVALID)
		return PGM_SEGMENT_TRANSLATION;
	prot = ste & _SEGMENT_ENTRY_PROTECT;
	if (ste & _SEGMENT_ENTRY_LARGE) {
		a->g2 = (ste & _SEGMENT_ENTRY_ORIGIN_LARGE) | (a->va & ~_SEGMENT_MASK);
	} else {
		pte = entry(v->run, pte_addr(v, sx, px));
		if (pte & _PAGE_INVALID)
			return PGM_PAGE_TRANSLATION;
		prot |= pte & _PAGE_PROTECT;
		a->g2 = (pte & PAGE_MASK) | (a->va & ~PAGE_MASK);
	}
	return a->write && prot ? PGM_PROTECTION : 0;
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
	static const unsigned long probes[] = { (unsigned long)G3_NSEG << _SEGMENT_SHIFT, 1UL << 31,
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
		if (is_prefix_pte(s, *j))
			continue;
		pte = entry(v->run, pte_addr(v, s, *j));
		if ((pte & _PAGE_INVALID) || own_data_page(v, pte & PAGE_MASK) != ~0UL)
			return true;
	}
	return false;
}

/* The page of guest-3 to access; false if none was found this time. */
static bool pick_va(struct run_vcpu *v, struct g3_access *a)
{
	uint64_t x = run_rand(&v->rng);
	unsigned long s = (x >> 8) % G3_NSEG, ste = sgt_entry(v, s), j;

	/* Real space: guest-3 goes where guest-2 itself would, its hot set included. */
	if (v->space == G3_REAL) {
		a->va = v->run->lay.reserved + (run_pick_page(v) << PAGE_SHIFT);
		return true;
	}
	if ((x & 31) == 0) {
		a->write = false;
		a->va = probe_va(x >> 5);
		return true;
	}
	if (seg_is_frame(ste))
		j = frame_page(v, ste);
	else if (ste & _SEGMENT_ENTRY_INVALID)
		j = 2 + (x >> 16) % (_PAGE_ENTRIES - 2);
	else if (!table_page(v, s, &j))
		return false;
	a->va = (s << _SEGMENT_SHIFT) | (j << PAGE_SHIFT);
	return true;
}

/* ---- checking an access -------------------------------------------------------------------- */

static void describe(const struct run_vcpu *v, const struct g3_access *a, char *buf, size_t size)
{
	snprintf(buf, size, "vcpu %u: guest-3 (%s ASCE) %s of %zu bytes at 0x%lx", v->id,
		 space_names[v->space], a->write ? "write" : "read", a->len, a->va);
}

static unsigned long seg_seq(const struct run *r, unsigned long g2)
{
	return g2 < r->cfg.guest_mem ? atomic_load(&r->seg_seq[g2 >> _SEGMENT_SHIFT]) : 0;
}

static enum g3_exit exit_kind(unsigned int pic)
{
	switch (pic) {
	case PGM_PROTECTION:
		return G3X_PROTECTION;
	case PGM_PAGE_TRANSLATION:
		return G3X_PAGE;
	case PGM_SEGMENT_TRANSLATION:
		return G3X_SEGMENT;
	default:
		return G3X_REGION;
	}
}

/*
 * An exit the host explains: the guest-2 page was being moved, or was
 * read-only. A read-only host page that guest-2 grants write cannot be
 * shadowed at all, reads included: gmap_shadow_page() faults it in for writing,
 * as the kernel's does, and the failed fault is an addressing exception.
 */
static bool host_explains(struct run_vcpu *v, const struct g3_access *a, unsigned int pic)
{
	bool moving = (a->seg_before & 1) || a->seg_before != a->seg_after;
	bool read_only = run_host_read_only(v->run, a->g2, a->prot_before, a->prot_after);

	if (a->pic && a->pic != PGM_PROTECTION)
		return false; /* a translation exception comes before the frame */
	if (pic == PGM_ADDRESSING)
		return moving || read_only;
	return pic == PGM_PROTECTION && a->write && read_only;
}

static void unexpected(struct run_vcpu *v, const struct g3_access *a, const char *what)
{
	char desc[128];

	v->c.unexpected++;
	describe(v, a, desc, sizeof(desc));
	run_fail(v->run, a->va, "%s: %s", desc, what);
}

static void check_exit(struct run_vcpu *v, const struct g3_access *a, unsigned int pic)
{
	unsigned long teid = (a->va & PAGE_MASK) | (a->write ? TEID_STORE : TEID_FETCH);
	char what[96];

	if (pic == a->pic) {
		teid |= pic == PGM_PROTECTION ? TEID_PROT_DAT : 0;
		if (vcpu_last_teid(v->vcpu) != teid) {
			snprintf(what, sizeof(what), "exit 0x%02x with TEID 0x%lx, expected 0x%lx",
				 pic, vcpu_last_teid(v->vcpu), teid);
			unexpected(v, a, what);
			return;
		}
		v->c.g3_exits[exit_kind(pic)]++;
	} else if (host_explains(v, a, pic)) {
		v->c.g3_exits[G3X_HOST]++;
	} else {
		snprintf(what, sizeof(what), "exit to guest-2 with PIC 0x%02x (%s), expected %s",
			 pic, dat_pic_name(pic), a->pic ? dat_pic_name(a->pic) : "success");
		unexpected(v, a, what);
		return;
	}
	v->c.g3_failed_writes += a->write;
}

static void check_success(struct run_vcpu *v, const struct g3_access *a, unsigned char *model,
			  const unsigned char *buf)
{
	char what[128];
	size_t i;

	if (a->pic) {
		snprintf(what, sizeof(what), "succeeded where guest-2's tables give %s (isolation)",
			 dat_pic_name(a->pic));
		unexpected(v, a, what);
		return;
	}
	if (a->write) {
		memcpy(model, buf, a->len);
		return;
	}
	v->c.g3_checked++;
	if (!memcmp(model, buf, a->len))
		return;
	for (i = 0; model[i] == buf[i]; i++)
		;
	describe(v, a, what, sizeof(what));
	run_mismatch(v->run, a->g2 + i, model + i, buf + i,
		     a->len - i < RUN_SHOW_BYTES ? a->len - i : RUN_SHOW_BYTES,
		     "%s (guest-2 0x%lx)", what, a->g2);
}

/* Do @a with the host's sequence counts around it; returns the access's result. */
static int issue(struct run_vcpu *v, struct g3_access *a, unsigned char *buf)
{
	struct run *r = v->run;
	int rc;

	a->seg_before = seg_seq(r, a->g2);
	a->prot_before = atomic_load(&r->prot_seq);
	rc = a->write ? vcpu_sie_write(v->vcpu, a->va, buf, a->len)
		      : vcpu_sie_read(v->vcpu, a->va, buf, a->len);
	a->seg_after = seg_seq(r, a->g2);
	a->prot_after = atomic_load(&r->prot_seq);
	return rc;
}

/* Predict, issue and check @a; its guest-2 page (if any) is one of @v's. */
static void g3_access(struct run_vcpu *v, struct g3_access *a)
{
	struct run *r = v->run;
	unsigned char buf[PAGE_SIZE], *model = NULL;
	unsigned int tries = 0;
	unsigned long d;
	char what[64];
	int rc;

	a->pic = predict(v, a);
	d = a->pic && a->pic != PGM_PROTECTION ? ~0UL : own_data_page(v, a->g2);
	if (!a->pic || a->pic == PGM_PROTECTION) {
		if (d == ~0UL)
			return; /* not this vCPU's page: another one's model */
		model = a->write ? run_model_for_write(v, d) : (unsigned char *)run_model(r, d);
		if (!model)
			return;
		model += a->g2 & ~PAGE_MASK;
		atomic_store_explicit(&v->last, d, memory_order_relaxed);
	}
	if (a->write)
		run_fill(v, buf, a->len);
	v->c.g3_accesses++;
	do {
		rc = issue(v, a, buf);
	} while (run_io_retry(r, IO_ACCESS, rc, &tries));
	run_io_done(r, IO_ACCESS, rc, tries);
	if (!rc) {
		check_success(v, a, model, buf);
	} else if ((rc & ~0xffff) == VSIE_EXIT_PGM) {
		check_exit(v, a, (unsigned int)(rc & 0xffff));
	} else {
		snprintf(what, sizeof(what), "%s %d (0x%x)", rc < 0 ? strerror(-rc) : "result", rc,
			 (unsigned int)rc);
		unexpected(v, a, what);
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

static unsigned long random_table_page(struct run_vcpu *v, unsigned long *s)
{
	unsigned long j;

	do {
		*s = run_rand(&v->rng) % G3_NSEG;
		j = run_rand(&v->rng) % _PAGE_ENTRIES;
	} while (is_prefix_pte(*s, j));
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
	g2_store(v, pte_addr(v, s, j), entry(v->run, pte_addr(v, s, j)) ^ _PAGE_PROTECT);
}

/* Split a 1 MiB frame: the page table maps its 256 pages, then the segment entry points at it. */
static void split_frame(struct run_vcpu *v, unsigned long s, unsigned long ste)
{
	unsigned long origin = ste & _SEGMENT_ENTRY_ORIGIN_LARGE;

	for (unsigned long j = 0; j < _PAGE_ENTRIES; j++)
		g2_store(v, pte_addr(v, s, j), origin + j * PAGE_SIZE);
	g2_store(v, v->g3 + G3_SGT + 8 * s,
		 (v->g3 + G3_PGT + s * _PAGE_TABLE_SIZE) | (ste & _SEGMENT_ENTRY_PROTECT));
}

/* Unmap a segment (1/8), map a 1 MiB frame (1/4), or map its page table again (5/8). */
static void change_segment(struct run_vcpu *v)
{
	uint64_t x = run_rand(&v->rng);
	unsigned long s = 1 + (x >> 8) % (G3_NSEG - 1), ste = sgt_entry(v, s);
	unsigned long sgte = v->g3 + G3_SGT + 8 * s;

	if ((x & 7) == 0)
		g2_store(v, sgte, _SEGMENT_ENTRY_EMPTY);
	else if ((x & 7) < 3)
		g2_store(v, sgte, random_frame(v));
	else if (seg_is_frame(ste))
		split_frame(v, s, ste);
	else
		g2_store(v, sgte, v->g3 + G3_PGT + s * _PAGE_TABLE_SIZE);
}

/* Leave SIE and enter it again with the ASCE of @to: another shadow (new or reused). */
static void enter_space(struct run_vcpu *v, enum g3_space to)
{
	unsigned int tries = 0;
	int rc;

	vcpu_sie_exit(v->vcpu);
	do {
		rc = vcpu_sie_enter(v->vcpu, space_asce(v, to), G3_EDAT, 0);
	} while (run_io_retry(v->run, IO_ACCESS, rc, &tries));
	run_io_done(v->run, IO_ACCESS, rc, tries);
	if (rc)
		run_fail(v->run, 0, "vcpu %u: SIE entry with the %s ASCE: %d", v->id,
			 space_names[to], rc);
	else
		v->space = to;
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
	struct g3_access a = { .va = (s << _SEGMENT_SHIFT) | (j << PAGE_SHIFT), .len = 8 };
	unsigned char buf[8];

	if (v->space == G3_REAL)
		enter_space(v, G3_REGION1); /* the skipped unshadow must be one of a page table */
	if (predict(v, &a) || seg_is_frame(sgt_entry(v, s)) || own_data_page(v, a.g2) == ~0UL ||
	    vcpu_sie_read(v->vcpu, a.va, buf, 8))
		return false;
	gmap_shadow_inject_stale(1);
	g2_store(v, pte_addr(v, s, j), random_pte(v) & ~(_PAGE_INVALID | _PAGE_PROTECT));
	gmap_shadow_inject_stale(0);
	atomic_store(&r->stale_injected, a.va + 1);
	run_audit_shadows(r, "after --inject-stale-shadow");
	return true;
}

static void remap_page(struct run_vcpu *v)
{
	unsigned long s, j = random_table_page(v, &s);

	g2_store(v, pte_addr(v, s, j), random_pte(v));
}

/* --inject-stale-shadow: vCPU 0 tries from its 1000th access on until it could. */
static bool inject_due(struct run_vcpu *v)
{
	struct run *r = v->run;

	return r->cfg.inject_stale && v->id == 0 && !atomic_load(&r->stale_injected) &&
	       atomic_load(&v->done) >= 1000;
}

static void change_tables(struct run_vcpu *v, uint64_t x)
{
	unsigned int sel = (unsigned int)(x % 20);
	enum g3_change c = sel < 8    ? HYP_REMAP
			   : sel < 12 ? HYP_PROTECT
			   : sel < 17 ? HYP_SEGMENT
				      : HYP_SWITCH;

	v->c.hyp[c]++;
	switch (c) {
	case HYP_REMAP:
		remap_page(v);
		break;
	case HYP_PROTECT:
		change_protection(v);
		break;
	case HYP_SEGMENT:
		change_segment(v);
		break;
	default:
		switch_space(v);
	}
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
	int rc;

	do {
		rc = vcpu_sie_enter(v->vcpu, space_asce(v, v->space), G3_EDAT, 0);
	} while (run_io_retry(v->run, IO_ACCESS, rc, &tries));
	run_io_done(v->run, IO_ACCESS, rc, tries);

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
	if (!((x >> 44) & G3_CHANGE_MASK))
		change_tables(v, run_rand(&v->rng));
	if (!pick_va(v, &a))
		return;
	run_pick_span(v, PAGE_SIZE, &off, &a.len);
	a.va += off;
	g3_access(v, &a);
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
			struct g3_access a = { .va = (s << _SEGMENT_SHIFT) | (j << PAGE_SHIFT),
					       .len = PAGE_SIZE };

			if (is_prefix_pte(s, j))
				continue;
			v->c.g3_swept++;
			g3_access(v, &a);
		}
}

/* ---- the audit ----------------------------------------------------------------------------- */

/* The first line of @text, at most @size - 1 bytes, into @buf. */
static void first_line(const char *text, char *buf, size_t size)
{
	size_t n = text ? strcspn(text, "\n") : 0;

	if (n >= size)
		n = size - 1;
	memcpy(buf, text ? text : "", n);
	buf[n] = '\0';
}

/**
 * run_audit_shadows() - gmap_shadow_audit() every shadow of the run's gmap
 * @r:    the run
 * @when: for the failure message
 *
 * Every violation is a failure of the run (a stale shadow entry is a guest-3
 * access that guest-2's tables no longer grant).
 *
 * Context: no libgmap lock held.
 * Return: the number of violations.
 */
long run_audit_shadows(struct run *r, const char *when)
{
	struct gmap *list[AUDIT_MAX], *sg;
	unsigned int n = 0;
	char *text = NULL, line[100];
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	long bad = 0, rc;

	spin_lock(&r->gmap->shadow_lock);
	cds_list_for_each_entry(sg, &r->gmap->children, list) if (n < AUDIT_MAX) list[n++] =
		gmap_get(sg);
	spin_unlock(&r->gmap->shadow_lock);
	for (unsigned int i = 0; i < n; i++) {
		rc = gmap_shadow_audit(list[i], out);
		bad += rc > 0 ? rc : 0;
		gmap_put(list[i]);
	}
	if (out)
		fclose(out);
	atomic_fetch_add(&r->audits, 1);
	if (bad) {
		atomic_fetch_add(&r->audit_violations, (unsigned long)bad);
		first_line(text, line, sizeof(line));
		run_fail(r, 0, "shadow audit %s: %ld entr%s with guest-2's tables: %s", when, bad,
			 bad == 1 ? "y disagrees" : "ies disagree", line);
	}
	free(text);
	return bad;
}
