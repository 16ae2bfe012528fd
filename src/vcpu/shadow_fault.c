// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow fault (KVM's kvm_s390_shadow_fault()): for a guest-3 address,
 * walk guest-2's own DAT tables (big-endian, in guest-2 memory, read through
 * the parent gmap) level by level, check each entry as the architecture
 * checks it, build the missing shadow levels, and finally the shadow PTE.
 *
 * The answer is 0, a program-interruption code that belongs to guest-2 (its
 * tables do not translate the address), or a negative errno of the host side.
 */
#include <errno.h>
#include <pthread.h>

#include <gmap/gmap_locked.h>
#include <gmap/vcpu.h>

#include "shadow_fault.h"

#define _REGION3_ENTRY_CR 0x10UL      /* common region */
#define _SEGMENT_ENTRY_CS 0x10UL      /* common segment */
#define _PAGE_ZERO_BIT	  _PAGE_LARGE /* bit 52 of a PTE must be zero */

void (*vsie_walk_hook)(struct gmap *sg, unsigned long saddr, int level);

/* The index of @va in a table whose entries are of @level, and its top two bits. */
static unsigned long level_index(unsigned long va, int level)
{
	return (va >> (_SEGMENT_SHIFT + 11 * (unsigned int)(level - 1))) & 0x7ff;
}

static unsigned long level_size(int level)
{
	return 1UL << (_SEGMENT_SHIFT + 11 * (unsigned int)(level - 1));
}

/* The exception for an address beyond the tables of @level (index out of range or entry invalid).
 */
static unsigned int translation_pic(int level)
{
	static const unsigned int pic[] = { PGM_PAGE_TRANSLATION, PGM_SEGMENT_TRANSLATION,
					    PGM_REGION_THIRD_TRANS, PGM_REGION_SECOND_TRANS,
					    PGM_REGION_FIRST_TRANS };

	return pic[level];
}

/* The ASCE checks: designation type against the address, and the top table's length. */
static unsigned int check_asce(unsigned long asce, unsigned long va, int top, bool fake)
{
	/* Index bits above the reach of the designation type must be zero. */
	if (top < DAT_LEVEL_REGION1 && (va >> (_SEGMENT_SHIFT + 11 * (unsigned int)top)))
		return PGM_ASCE_TYPE;
	if (!fake && (level_index(va, top) >> 9) > (asce & _ASCE_TABLE_LENGTH))
		return translation_pic(top);
	return 0;
}

/* The walk's state between levels. */
struct walk {
	struct gmap *sg;
	unsigned long saddr;
	unsigned long ptr; /* next table (guest-2 absolute), or block base if fake */
	int dat_protection;
	int fake;
	unsigned long *pgt; /* the address of the last entry read, for the caller */
};

/*
 * Check guest-2's entry @e of @level for the walk and advance ptr. Returns 0
 * or a PIC; may turn the walk into a fake one (EDAT large frames). @e is
 * rewritten into what the shadow function of the level takes.
 */
static unsigned int check_region(struct walk *w, int level, unsigned long *e)
{
	unsigned long v = *e, asce = w->sg->orig_asce, next;
	int edat = w->sg->edat_level;

	if (v & _REGION_ENTRY_INVALID)
		return translation_pic(level);
	if ((v & _REGION_ENTRY_TYPE_MASK) != (unsigned long)(level - 1) << 2)
		return PGM_TRANSLATION_SPEC;
	if (level == DAT_LEVEL_REGION3) {
		if ((v & _REGION3_ENTRY_CR) && (asce & _ASCE_PRIVATE_SPACE) && edat >= 2)
			return PGM_TRANSLATION_SPEC;
		if ((v & _REGION3_ENTRY_LARGE) && edat >= 2) {
			/* An EDAT-2 2 GiB frame: shadowed with fake tables. */
			w->dat_protection |= !!(v & _REGION_ENTRY_PROTECT);
			w->fake = 1;
			w->ptr = v & _REGION3_ENTRY_ORIGIN_LARGE;
			*e = w->ptr;
			return 0;
		}
		/* Without EDAT-2 the FC bit is ignored: a segment table as usual. */
		*e = v & ~_REGION3_ENTRY_LARGE;
	}
	next = level_index(w->saddr, level - 1) >> 9;
	if (next < ((v & _REGION_ENTRY_OFFSET) >> 6) || next > (v & _REGION_ENTRY_LENGTH))
		return translation_pic(level - 1);
	if (edat >= 1)
		w->dat_protection |= !!(v & _REGION_ENTRY_PROTECT);
	w->ptr = v & _REGION_ENTRY_ORIGIN;
	return 0;
}

static unsigned int check_segment(struct walk *w, unsigned long *e)
{
	unsigned long v = *e;

	if (v & _SEGMENT_ENTRY_INVALID)
		return PGM_SEGMENT_TRANSLATION;
	if ((v & _SEGMENT_ENTRY_TYPE_MASK) != 0)
		return PGM_TRANSLATION_SPEC;
	if ((v & _SEGMENT_ENTRY_CS) && (w->sg->orig_asce & _ASCE_PRIVATE_SPACE))
		return PGM_TRANSLATION_SPEC;
	/* Segment protection counts without EDAT. */
	w->dat_protection |= !!(v & _SEGMENT_ENTRY_PROTECT);
	if ((v & _SEGMENT_ENTRY_LARGE) && w->sg->edat_level >= 1) {
		/* An EDAT-1 1 MiB frame. */
		w->fake = 1;
		w->ptr = v & _SEGMENT_ENTRY_ORIGIN_LARGE;
		*e = w->ptr;
		return 0;
	}
	w->ptr = v & _SEGMENT_ENTRY_ORIGIN; /* page tables are 2 KiB aligned */
	*e = v & ~_SEGMENT_ENTRY_LARGE;
	return 0;
}

/* Build the shadow level below the entry of @level from @e. */
static int shadow_level(struct walk *w, int level, unsigned long e)
{
	unsigned long p = w->dat_protection ? _REGION_ENTRY_PROTECT : 0;

	switch (level) {
	case DAT_LEVEL_REGION1:
		return gmap_shadow_r2t(w->sg, w->saddr, e, w->fake);
	case DAT_LEVEL_REGION2:
		return gmap_shadow_r3t(w->sg, w->saddr, e | p, w->fake);
	case DAT_LEVEL_REGION3:
		return gmap_shadow_sgt(w->sg, w->saddr, e | p, w->fake);
	default:
		return gmap_shadow_pgt(w->sg, w->saddr, e | p, w->fake);
	}
}

/* Tear down what the shadow entry of @level for @saddr designates (0: the shadow PTE). */
static void unshadow_level(struct gmap *sg, unsigned long saddr, int level)
{
	static void (*const unshadow[])(struct gmap *, unsigned long) = {
		gmap_unshadow_page, gmap_unshadow_pgt, gmap_unshadow_sgt,
		gmap_unshadow_r3t,  gmap_unshadow_r2t,
	};

	spin_lock(&sg->guest_table_lock);
	unshadow[level](sg, saddr);
	spin_unlock(&sg->guest_table_lock);
}

/*
 * The shadow entry of @level was just built (or found) from guest-2's entry
 * @val at @paddr: is that still what guest-2 has? The shadow table holding the
 * entry existed when the entry was claimed, so the guest-2 page of @paddr was
 * write-protected and armed since before: a store after the claim unshadowed
 * the entry. A store between the read and the claim did not (it unshadowed the
 * level above, which another fault may have built again at once); reading the
 * entry again finds it. Then the entry goes and the fault answers -EAGAIN.
 */
static int entry_still(struct walk *w, int level, unsigned long paddr, unsigned long val)
{
	unsigned long now;

	if (!gmap_read_table(w->sg->parent, paddr, &now) && now == val)
		return 0;
	unshadow_level(w->sg, w->saddr, level);
	return -EAGAIN;
}

/* One level of the walk: read (or synthesize) the entry, check it, shadow below it. */
static int walk_level(struct walk *w, int level)
{
	unsigned long idx = level_index(w->saddr, level), e, val;
	unsigned int pic;
	int rc;

	if (w->fake) {
		w->ptr += idx * level_size(level);
		return shadow_level(w, level, w->ptr);
	}
	*w->pgt = w->ptr + idx * 8;
	rc = gmap_read_table(w->sg->parent, *w->pgt, &val);
	if (rc)
		return rc;
	e = val;
	pic = level == DAT_LEVEL_SEGMENT ? check_segment(w, &e) : check_region(w, level, &e);
	if (pic)
		return (int)pic;
	if (vsie_walk_hook)
		vsie_walk_hook(w->sg, w->saddr, level);
	rc = shadow_level(w, level, e);
	return rc ? rc : entry_still(w, level, *w->pgt, val);
}

/* kvm_s390_shadow_tables(): everything above the PTE. */
static int shadow_tables(struct walk *w)
{
	unsigned long asce = w->sg->orig_asce;
	int top = (int)((asce & _ASCE_TYPE_MASK) >> 2) + 1, rc;
	unsigned int pic;

	w->ptr = asce & _ASCE_ORIGIN;
	if (asce & _ASCE_REAL_SPACE) {
		/* A real space: fake tables for everything. */
		w->fake = 1;
		w->ptr = 0;
		top = DAT_LEVEL_REGION1;
	}
	pic = check_asce(asce, w->saddr, top, w->fake);
	if (pic)
		return (int)pic;
	for (int level = top; level >= DAT_LEVEL_SEGMENT; level--) {
		rc = walk_level(w, level);
		if (rc)
			return rc;
	}
	*w->pgt = w->ptr;
	return 0;
}

static int is_region_or_segment_pic(int rc)
{
	return rc == PGM_SEGMENT_TRANSLATION || rc == PGM_REGION_THIRD_TRANS ||
	       rc == PGM_REGION_SECOND_TRANS || rc == PGM_REGION_FIRST_TRANS;
}

/* The last step: guest-2's PTE (or the fake one), then the shadow PTE. */
static int shadow_pte(struct walk *w, int rc, unsigned long pgt, unsigned long *datptr)
{
	unsigned long pte = 0, val;

	if (w->fake && !rc) {
		pte = pgt + dat_px(w->saddr) * PAGE_SIZE;
	} else {
		if (is_region_or_segment_pic(rc))
			pgt |= VSIE_PEI_NOT_PTE;
		else if (!rc) {
			pgt += dat_px(w->saddr) * 8;
			rc = gmap_read_table(w->sg->parent, pgt, &pte);
		}
		if (datptr)
			*datptr = pgt | (w->dat_protection ? VSIE_PEI_DAT_PROT : 0);
		if (!rc && (pte & _PAGE_INVALID))
			rc = PGM_PAGE_TRANSLATION;
		if (!rc && (pte & _PAGE_ZERO_BIT))
			rc = PGM_TRANSLATION_SPEC;
	}
	val = pte;
	if (w->dat_protection)
		pte |= _PAGE_PROTECT;
	if (rc)
		return rc;
	if (w->fake)
		return gmap_shadow_page(w->sg, w->saddr, __pte(pte));
	if (vsie_walk_hook)
		vsie_walk_hook(w->sg, w->saddr, DAT_LEVEL_PTE);
	rc = gmap_shadow_page(w->sg, w->saddr, __pte(pte));
	return rc ? rc : entry_still(w, DAT_LEVEL_PTE, pgt, val);
}

/*
 * The guest-visible IPTE interlock: shadow faults share it, a guest-2 table
 * change holds it alone. Taken before mmap_lock on both sides (KVM takes it
 * after; here a guest-2 change holding it writes through the host mm, which
 * takes mmap_lock, so only this order is free of deadlock).
 */
static pthread_rwlock_t ipte_interlock = PTHREAD_RWLOCK_INITIALIZER;

void vsie_ipte_lock(void)
{
	pthread_rwlock_wrlock(&ipte_interlock);
}

void vsie_ipte_unlock(void)
{
	pthread_rwlock_unlock(&ipte_interlock);
}

int vsie_shadow_fault(struct gmap *sg, unsigned long saddr, unsigned long *datptr)
{
	unsigned long pgt = 0;
	struct walk w = { sg, saddr, 0, 0, 0, &pgt };
	int rc;

	if (!sg || !gmap_is_shadow(sg))
		return -EINVAL;
	/* A removed shadow builds nothing: the caller takes a new one (gmap_shadow_valid()). */
	if (__atomic_load_n(&sg->removed, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	pthread_rwlock_rdlock(&ipte_interlock);
	mmap_read_lock(sg->mm);
	rc = gmap_shadow_pgt_lookup(sg, saddr, &pgt, &w.dat_protection, &w.fake);
	if (rc)
		rc = shadow_tables(&w);
	rc = shadow_pte(&w, rc, pgt, datptr);
	mmap_read_unlock(sg->mm);
	pthread_rwlock_unlock(&ipte_interlock);
	return rc;
}
