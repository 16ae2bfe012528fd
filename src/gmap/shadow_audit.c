// SPDX-License-Identifier: GPL-2.0
/*
 * gmap_shadow_audit(): prove that a shadow gmap grants guest-3 nothing that
 * guest-2's tables and the parent gmap do not grant now.
 *
 * The audit walks every valid shadow entry under mmap_lock and the shadow's
 * guest_table_lock and recomposes it from guest-2's tables read now, through
 * the parent, without faulting anything in. Holding the shadow's lock is what
 * makes the comparison exact: a change of a watched parent page notifies (and
 * so waits for this lock) before the page changes, so every source page a
 * valid entry depends on must still be present, write-protected and armed.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>

#include "shadow_internal.h"

struct audit {
	struct gmap *sg;
	FILE *out;
	long violations;
};

/* What a shadow table at some level stands for. */
struct source {
	unsigned long origin; /* guest-2 table, or the first address of the block if fake */
	bool fake;
	unsigned long tf, tl; /* index range (top two index bits) of a region/segment table */
	bool prot;	      /* accumulated DAT protection above this table */
};

static void violation(struct audit *a, const char *fmt, ...)
{
	va_list ap;

	a->violations++;
	if (!a->out)
		return;
	fprintf(a->out, "shadow audit: sg asce 0x%lx: ", a->sg->orig_asce);
	va_start(ap, fmt);
	vfprintf(a->out, fmt, ap);
	va_end(ap);
	fputc('\n', a->out);
}

static unsigned long level_shift(int level)
{
	return level == DAT_LEVEL_PTE ? PAGE_SHIFT
				      : _SEGMENT_SHIFT + 11 * (unsigned int)(level - 1);
}

/* The parent's host PTE for guest-2 address @paddr, or 0 if the parent maps nothing there. */
static unsigned long parent_pte(struct audit *a, unsigned long paddr, unsigned long *vmaddr)
{
	*vmaddr = __gmap_translate(a->sg->parent, paddr);
	if (IS_ERR_VALUE(*vmaddr))
		return 0;
	return mm_lookup_pte(a->sg->mm, *vmaddr);
}

/* Read a guest-2 table entry now; false if its page is not present in the parent. */
static bool read_guest2(struct audit *a, unsigned long paddr, unsigned long *val)
{
	unsigned long vmaddr, pte = parent_pte(a, paddr, &vmaddr);

	if (!(pte & _PAGE_PRESENT) || !(pte & _PAGE_READ))
		return false;
	*val = be64toh(__atomic_load_n((unsigned long *)((pte & PAGE_MASK) | (paddr & ~PAGE_MASK)),
				       __ATOMIC_RELAXED));
	return true;
}

static bool rmap_present(struct gmap *sg, unsigned long vmaddr, unsigned long raddr)
{
	unsigned long head;

	if (!ulmap_lookup(sg->host_to_rmap, vmaddr >> PAGE_SHIFT, &head))
		return false;
	for (struct gmap_rmap *r = (struct gmap_rmap *)head; r; r = r->next)
		if (r->raddr == raddr)
			return true;
	return false;
}

/*
 * Each source page in [paddr, paddr + len) is present, closed to stores, armed (and has
 * @raddr). Closed means write-protected, or invalid: a PROT_NONE arm of
 * gmap_mprotect_notify() on a watched page protects it more, not less.
 */
static void check_watched(struct audit *a, unsigned long paddr, unsigned long len,
			  unsigned long raddr, bool need_rmap)
{
	unsigned long vmaddr, pte, pgste;

	for (; len; paddr += PAGE_SIZE, len -= PAGE_SIZE) {
		pte = parent_pte(a, paddr, &vmaddr);
		pgste = IS_ERR_VALUE(vmaddr) ? 0 : mm_lookup_pgste(a->sg->mm, vmaddr);
		if (!(pte & _PAGE_PRESENT) || !(pte & (_PAGE_INVALID | _PAGE_PROTECT)) ||
		    !(pgste & PGSTE_VSIE_BIT))
			violation(a,
				  "source page 0x%lx (raddr 0x%lx) not write-protected and armed "
				  "(pte 0x%lx pgste 0x%lx)",
				  paddr, raddr, pte, pgste);
		else if (need_rmap && !rmap_present(a->sg, vmaddr, raddr))
			violation(a, "source page 0x%lx has no rmap 0x%lx", paddr, raddr);
	}
}

static void audit_table(struct audit *a, const unsigned long *table, int level, unsigned long base,
			const struct source *src);

/* A valid shadow PTE of @saddr against the page guest-2 and the parent give now. */
static void audit_pte(struct audit *a, unsigned long spte, unsigned long saddr,
		      const struct source *src, unsigned long idx)
{
	unsigned long gpte, paddr, vmaddr, hpte;
	bool prot = src->prot;

	if (src->fake) {
		paddr = src->origin + (idx << PAGE_SHIFT);
	} else {
		if (!read_guest2(a, src->origin + idx * 8, &gpte)) {
			violation(a, "saddr 0x%lx: guest-2 page table 0x%lx unreadable", saddr,
				  src->origin);
			return;
		}
		if (gpte & (_PAGE_INVALID | _PAGE_LARGE)) {
			violation(a, "saddr 0x%lx: valid shadow PTE, guest-2 PTE 0x%lx invalid",
				  saddr, gpte);
			return;
		}
		paddr = gpte & PAGE_MASK;
		prot |= gpte & _PAGE_PROTECT;
	}
	hpte = parent_pte(a, paddr, &vmaddr);
	if (!(hpte & _PAGE_PRESENT) || (hpte & _PAGE_INVALID) ||
	    (hpte & PAGE_MASK) != (spte & PAGE_MASK))
		violation(a, "saddr 0x%lx: shadow frame 0x%lx, parent gives 0x%lx (pte 0x%lx)",
			  saddr, spte & PAGE_MASK, paddr, hpte);
	else if (prot && !(spte & _PAGE_PROTECT))
		violation(a, "saddr 0x%lx: writable, guest-2 protects it", saddr);
	else if (!(spte & _PAGE_PROTECT) && !(hpte & _PAGE_WRITE))
		violation(a, "saddr 0x%lx: writable, the host maps it read-only", saddr);
	else if (!rmap_present(a->sg, vmaddr, saddr | _SHADOW_RMAP_PGTABLE))
		violation(a, "saddr 0x%lx: no rmap for its parent page 0x%lx", saddr, paddr);
}

/* rmap type of an entry of @level, i.e. of the table it points at */
static unsigned long rmap_type(int level)
{
	return (unsigned long)level + 1;
}

/* What the child of a valid shadow entry (level @level, index @idx) must shadow now. */
static bool expected_child(struct audit *a, const struct source *src, int level, unsigned long idx,
			   unsigned long saddr, struct source *child)
{
	unsigned long g, tt = (unsigned long)(level - 1) << 2;
	unsigned int edat = (unsigned int)a->sg->edat_level;

	*child = (struct source){ 0, false, 0, 3, src->prot };
	if (src->fake) {
		child->origin = src->origin + (idx << level_shift(level));
		child->fake = true;
		return true;
	}
	if (!read_guest2(a, src->origin + idx * 8, &g)) {
		violation(a, "saddr 0x%lx: guest-2 table 0x%lx unreadable", saddr, src->origin);
		return false;
	}
	if ((g & _REGION_ENTRY_INVALID) || (g & _REGION_ENTRY_TYPE_MASK) != tt) {
		violation(a, "saddr 0x%lx level %d: valid shadow entry, guest-2 entry 0x%lx", saddr,
			  level, g);
		return false;
	}
	if (level == DAT_LEVEL_SEGMENT) {
		child->prot |= g & _SEGMENT_ENTRY_PROTECT;
		child->fake = edat >= 1 && (g & _SEGMENT_ENTRY_LARGE);
		child->origin =
			g & (child->fake ? _SEGMENT_ENTRY_ORIGIN_LARGE : _SEGMENT_ENTRY_ORIGIN);
		return true;
	}
	if (edat >= 1)
		child->prot |= g & _REGION_ENTRY_PROTECT;
	child->fake = level == DAT_LEVEL_REGION3 && edat >= 2 && (g & _REGION3_ENTRY_LARGE);
	child->origin = g & (child->fake ? _REGION3_ENTRY_ORIGIN_LARGE : _REGION_ENTRY_ORIGIN);
	if (!child->fake) {
		child->tf = (g & _REGION_ENTRY_OFFSET) >> 6;
		child->tl = g & _REGION_ENTRY_LENGTH;
		check_watched(a, child->origin + child->tf * PAGE_SIZE,
			      (child->tl + 1 - child->tf) * PAGE_SIZE,
			      (saddr & ~((1UL << level_shift(level)) - 1)) | rmap_type(level),
			      true);
	}
	return true;
}

static void audit_entry(struct audit *a, unsigned long e, int level, unsigned long saddr,
			const struct source *src, unsigned long idx)
{
	unsigned long *child = (unsigned long *)(e & _REGION_ENTRY_ORIGIN), rec;
	struct source want;

	if (!src->fake && ((idx >> 9) < src->tf || (idx >> 9) > src->tl))
		violation(a, "saddr 0x%lx level %d: valid outside guest-2's TF/TL", saddr, level);
	if (!expected_child(a, src, level, idx, saddr, &want))
		return;
	if (want.prot && !(e & _REGION_ENTRY_PROTECT) &&
	    (level == DAT_LEVEL_SEGMENT || a->sg->edat_level >= 1))
		violation(a, "saddr 0x%lx level %d: DAT protection lost", saddr, level);
	if (level == DAT_LEVEL_SEGMENT) {
		child = (unsigned long *)(e & _SEGMENT_ENTRY_ORIGIN);
		if (!want.fake)
			check_watched(a, want.origin & PAGE_MASK, PAGE_SIZE,
				      saddr | _SHADOW_RMAP_SEGMENT, true);
	}
	rec = shadow_table_origin(child);
	if (rec != (want.origin | (want.fake ? GMAP_SHADOW_FAKE_TABLE : 0))) {
		violation(a, "saddr 0x%lx level %d: shadows 0x%lx, guest-2 now gives 0x%lx%s",
			  saddr, level, rec, want.origin, want.fake ? " (block)" : "");
		return;
	}
	audit_table(a, child, level - 1, saddr, &want);
}

static void audit_table(struct audit *a, const unsigned long *table, int level, unsigned long base,
			const struct source *src)
{
	unsigned long n = level == DAT_LEVEL_PTE ? _PAGE_ENTRIES : _CRST_ENTRIES, e, saddr;

	for (unsigned long i = 0; i < n; i++) {
		e = __atomic_load_n(&table[i], __ATOMIC_ACQUIRE);
		saddr = base + (i << level_shift(level));
		if (level == DAT_LEVEL_PTE) {
			if (!(e & _PAGE_INVALID))
				audit_pte(a, e, saddr, src, i);
		} else if (!(e & _REGION_ENTRY_INVALID)) {
			audit_entry(a, e, level, saddr, src, i);
		}
	}
}

long gmap_shadow_audit(struct gmap *sg, FILE *out)
{
	struct audit a = { sg, out, 0 };
	struct source top = { 0, true, 0, 3, false };
	unsigned long asce;

	if (!sg || !gmap_is_shadow(sg))
		return -EINVAL;
	asce = sg->orig_asce;
	mmap_read_lock(sg->mm);
	spin_lock(&sg->guest_table_lock);
	if (!sg->removed) {
		if (!(asce & _ASCE_REAL_SPACE)) {
			top = (struct source){ asce & _ASCE_ORIGIN, false, 0,
					       asce & _ASCE_TABLE_LENGTH, false };
			if (__atomic_load_n(&sg->initialized, __ATOMIC_ACQUIRE))
				check_watched(&a, top.origin, (top.tl + 1) * PAGE_SIZE, 0, false);
		}
		audit_table(&a, sg->table, asce_top_level(sg->asce), 0, &top);
	}
	spin_unlock(&sg->guest_table_lock);
	mmap_read_unlock(sg->mm);
	return a.violations;
}
