/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A two-dimensional walk for guest-3, without shadow gmaps (the way Hercules,
 * or a machine without SIE shadowing, runs a nested guest): on a TLB miss,
 * guest-2's DAT tables for guest-3 are walked where they are (big-endian, in
 * guest-2 memory), each table entry's guest-2 absolute address translated
 * through the parent gmap, and then the parent translation of the result. A
 * TLB in front, tagged with the guest-3 ASCE and EDAT level as a shadow's
 * entries are tagged with the shadow, and a small TLB of the parent dimension
 * (guest-2 page -> host frame) for the table pages.
 *
 * Used by bench/bench_2d.c (shadow gmaps against this) and by
 * tests/vcpu/test_twod.c (both must give the same bytes and the same exits).
 * Only the public API: dat_translate() with a read callback for guest-2's
 * tables, the lean walker (dat_translate_lean(), native tables) for the
 * parent's, gmap_fault() for what the parent does not map yet, and an mm TLB
 * listener so that host events (migration, page-out) purge both TLBs.
 *
 * Single-threaded: the context belongs to one thread, and no other thread
 * frees tables or frames while it walks (no RCU read-side section here).
 * Guest-2 changing its tables purges with twod_ipte()/twod_purge(), as its
 * IPTE/IDTE would purge a machine's TLB: that is all a change costs here.
 */
#ifndef GMAP_TESTS_COMMON_TWOD_H
#define GMAP_TESTS_COMMON_TWOD_H

#include <endian.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <gmap/gmap.h>
#include <gmap/vcpu.h>

#define TWOD_TLB_ENTRIES  512UL /* as the vCPU's TLB */
#define TWOD_PTLB_ENTRIES 64UL	/* the parent dimension: guest-2 pages of tables and data */

struct twod_tlb_entry {
	unsigned long page;  /* guest-3 page (or guest-2 page in the parent TLB) */
	unsigned long asce;  /* tag: guest-3 ASCE (unused in the parent TLB) */
	unsigned long frame; /* host frame */
	unsigned long gen;   /* valid while equal to the context's generation */
	int edat;	     /* tag: EDAT level of the guest-2 translation */
	bool writable;
};

struct twod_stats {
	unsigned long hits, misses; /* guest-3 TLB */
	unsigned long parent_hits, parent_misses;
	unsigned long entry_reads;   /* guest-2 table entries read */
	unsigned long parent_faults; /* gmap_fault() calls */
	unsigned long ipte, purges;
};

struct twod {
	struct gmap *parent;
	struct dat_lean parent_lean; /* the parent gmap's own tables, native */
	struct dat_config cfg;	     /* guest-3: guest-2's ASCE for it and the EDAT level */
	atomic_ulong gen;	     /* bumped by every purge */
	atomic_ulong seq;	     /* odd while a copy is in progress */
	struct mm_tlb_listener listener;
	struct twod_tlb_entry tlb[TWOD_TLB_ENTRIES];
	struct twod_tlb_entry ptlb[TWOD_PTLB_ENTRIES];
	struct twod_stats st;
};

static inline void twod_purge(struct twod *t)
{
	atomic_fetch_add(&t->gen, 1);
	t->st.purges++;
}

/* Host events: the parent's frames moved. Callbacks hold locks and must not block. */
static inline void twod_listener_ipte(struct mm_tlb_listener *l, struct mm_struct *mm,
				      unsigned long addr, gmap_pte_t *ptep)
{
	(void)mm;
	(void)addr;
	(void)ptep;
	atomic_fetch_add(&((struct twod *)((char *)l - offsetof(struct twod, listener)))->gen, 1);
}

static inline void twod_listener_flush(struct mm_tlb_listener *l, struct mm_struct *mm,
				       unsigned long asce)
{
	twod_listener_ipte(l, mm, asce, NULL);
}

/**
 * twod_init() - a 2D context for guest-3 under @parent
 * Return: 0 or a negative errno (from the listener registration).
 */
static inline int twod_init(struct twod *t, struct gmap *parent, unsigned long asce, int edat)
{
	struct dat_config pcfg = { .asce = parent->asce };

	memset(t, 0, sizeof(*t));
	t->parent = parent;
	/* IEP installed (as on every machine KVM's vSIE runs on): PTE bit 55 is not reserved. */
	t->cfg = (struct dat_config){ .asce = asce,
				      .edat = (unsigned int)edat,
				      .iep_installed = true };
	atomic_init(&t->gen, 1);
	atomic_init(&t->seq, 0);
	if (dat_lean_init(&t->parent_lean, &pcfg))
		return -EINVAL;
	t->listener.ipte = twod_listener_ipte;
	t->listener.flush_all = twod_listener_flush;
	return mm_register_tlb_listener(parent->mm, &t->listener);
}

static inline void twod_fini(struct twod *t)
{
	mm_unregister_tlb_listener(t->parent->mm, &t->listener);
}

/* Switch guest-3's ASCE or EDAT level (SIE with another CR1): no purge, the tags differ. */
static inline void twod_set_asce(struct twod *t, unsigned long asce, int edat)
{
	t->cfg.asce = asce;
	t->cfg.edat = (unsigned int)edat;
}

/* Guest-2's IPTE of the guest-3 page @saddr: its entry goes from the TLB. */
static inline void twod_ipte(struct twod *t, unsigned long saddr)
{
	struct twod_tlb_entry *e = &t->tlb[(saddr >> PAGE_SHIFT) & (TWOD_TLB_ENTRIES - 1)];

	if (e->page == (saddr & PAGE_MASK))
		e->gen = 0;
	t->st.ipte++;
}

/*
 * Guest-2 absolute @gaddr to a host frame through the parent: the parent TLB,
 * else the lean walk of the parent's tables, else gmap_fault(). Returns 0,
 * -EFAULT outside guest-2 memory, or another negative errno.
 */
static inline int twod_parent(struct twod *t, unsigned long gaddr, bool write, unsigned long gen,
			      unsigned long *frame, bool *writable)
{
	unsigned long page = gaddr & PAGE_MASK;
	struct twod_tlb_entry *e = &t->ptlb[(page >> PAGE_SHIFT) & (TWOD_PTLB_ENTRIES - 1)];
	struct dat_result res;
	unsigned int pic;
	int rc;

	if (e->gen == gen && e->page == page && (!write || e->writable)) {
		t->st.parent_hits++;
		*frame = e->frame;
		*writable = e->writable;
		return 0;
	}
	t->st.parent_misses++;
	for (;;) {
		pic = dat_translate_lean(&t->parent_lean, page, write ? DAT_STORE : DAT_FETCH, NULL,
					 NULL, &res);
		if (!pic)
			break;
		if (pic == PGM_ASCE_TYPE || pic == PGM_ADDRESSING || pic == PGM_TRANSLATION_SPEC)
			return -EFAULT;
		t->st.parent_faults++;
		rc = gmap_fault(t->parent, page, write ? FAULT_FLAG_WRITE : 0);
		if (rc)
			return rc;
	}
	*frame = res.real & PAGE_MASK;
	*writable = !res.prot;
	*e = (struct twod_tlb_entry){
		.page = page, .frame = *frame, .gen = gen, .writable = *writable
	};
	return 0;
}

struct twod_reader {
	struct twod *t;
	unsigned long gen;
	int err; /* a host failure other than "outside guest-2 memory" */
};

/* dat_read_fn: one big-endian entry of guest-2's tables, read through the parent. */
static inline int twod_read_entry(void *ctx, unsigned long addr, unsigned long *val)
{
	struct twod_reader *r = ctx;
	unsigned long frame;
	bool writable;
	int rc = twod_parent(r->t, addr, false, r->gen, &frame, &writable);

	if (rc) {
		if (rc != -EFAULT)
			r->err = rc;
		return -1; /* an addressing exception for guest-2 */
	}
	r->t->st.entry_reads++;
	*val = be64toh(
		__atomic_load_n((const uint64_t *)(frame + (addr & ~PAGE_MASK)), __ATOMIC_RELAXED));
	return 0;
}

/* An exit to guest-2, as vcpu_sie_read() reports it. */
static inline int twod_exit(unsigned int pic)
{
	return (int)(VSIE_EXIT_PGM | pic);
}

/* Guest-3 absolute @saddr to a host frame: the TLB, else the two-dimensional walk. */
static inline int twod_xlate(struct twod *t, unsigned long saddr, bool write, unsigned long *frame,
			     unsigned long *gen)
{
	unsigned long page = saddr & PAGE_MASK;
	struct twod_tlb_entry *e = &t->tlb[(page >> PAGE_SHIFT) & (TWOD_TLB_ENTRIES - 1)];
	struct twod_reader r = { t, 0, 0 };
	struct dat_result res;
	unsigned int pic;
	bool writable;
	int rc;

	*gen = atomic_load(&t->gen);
	if (e->gen == *gen && e->page == page && e->asce == t->cfg.asce &&
	    e->edat == (int)t->cfg.edat && (!write || e->writable)) {
		t->st.hits++;
		*frame = e->frame;
		return 0;
	}
	t->st.misses++;
	r.gen = *gen;
	pic = dat_translate(&t->cfg, page, write ? DAT_STORE : DAT_FETCH, twod_read_entry, &r,
			    &res);
	if (r.err)
		return r.err;
	if (pic)
		return twod_exit(pic);
	rc = twod_parent(t, res.abs, write, *gen, frame, &writable);
	if (rc)
		return rc == -EFAULT ? twod_exit(PGM_ADDRESSING) : rc;
	*e = (struct twod_tlb_entry){ .page = page,
				      .asce = t->cfg.asce,
				      .frame = *frame,
				      .gen = *gen,
				      .edat = (int)t->cfg.edat,
				      .writable = writable && !res.prot };
	return 0;
}

/* Copy inside a window that a purge would make the copy start over (the vCPU's protocol). */
static inline bool twod_copy(struct twod *t, unsigned long gen, unsigned long frame,
			     unsigned long off, void *buf, size_t n, bool write)
{
	bool valid;

	atomic_fetch_add(&t->seq, 1);
	valid = atomic_load(&t->gen) == gen;
	if (valid) {
		if (write)
			memcpy((void *)(frame + off), buf, n);
		else
			memcpy(buf, (void *)(frame + off), n);
	}
	atomic_fetch_add(&t->seq, 1);
	return valid;
}

/**
 * twod_access() - read or write guest-3 absolute storage by the 2D walk
 * Return: 0, VSIE_EXIT_PGM | pic as vcpu_sie_read() returns it, or a negative errno.
 */
static inline int twod_access(struct twod *t, unsigned long saddr, void *buf, size_t len,
			      bool write)
{
	unsigned long frame, gen, n;
	int rc;

	while (len) {
		n = PAGE_SIZE - (saddr & ~PAGE_MASK);
		if (n > len)
			n = len;
		do {
			rc = twod_xlate(t, saddr, write, &frame, &gen);
			if (rc)
				return rc;
		} while (!twod_copy(t, gen, frame, saddr & ~PAGE_MASK, buf, n, write));
		saddr += n;
		buf = (char *)buf + n;
		len -= n;
	}
	return 0;
}

#endif /* GMAP_TESTS_COMMON_TWOD_H */
