/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inside of a vCPU, shared by vcpu.c (guest-2 accesses, the TLB and its
 * purges) and vsie.c (guest-3 accesses through shadow gmaps).
 */
#ifndef GMAP_SRC_VCPU_INTERNAL_H
#define GMAP_SRC_VCPU_INTERNAL_H

#include <stdatomic.h>

#include <gmap/gmap_locked.h>
#include <gmap/vcpu.h>

#include "gmap/enabled.h"
#include "vcpu_hooks.h"

/* A vCPU in SIE: guest-3 as guest-2 described it, and the shadow that runs it. */
struct vsie_state {
	struct gmap *sg;	     /* the shadow in use (a reference), kept after SIE exits */
	bool asce_set;		     /* in SIE: vcpu_sie_enter() succeeded, no exit since */
	unsigned long asce;	     /* guest-2's CR1 for guest-3: the ASCE that is shadowed */
	int edat_level;		     /* EDAT level of the shadow translation */
	unsigned long prefix;	     /* guest-3's prefix */
	atomic_ulong sg_seqno;	     /* sg->seqno while in SIE, for the vSIE prefix notifier */
	atomic_bool prefix_unmapped; /* the prefix pages must be shadowed again */
	unsigned int edat;	     /* guest-3's own DAT features (its CR0) */
	bool iep;
	struct vsie_stats stats;
};

#define TLB_ENTRIES VCPU_TLB_ENTRIES

/* Where a TLB entry's page address lives. */
struct tlb_space {
	bool virt;	    /* a guest virtual page (DAT on), else guest absolute */
	unsigned long asce; /* for virtual pages: the guest ASCE */
};

/*
 * What two threads must not both write within: 128 bytes, the pair of 64-byte
 * lines that x86's adjacent-line prefetcher fetches together (liburcu's
 * CAA_CACHE_LINE_SIZE for x86 too).
 */
#define VCPU_LINE 128

/*
 * A vCPU starts and ends on a VCPU_LINE boundary (vcpu_create() allocates it so):
 * no line of it is shared with another vCPU or other heap data, so a vCPU's
 * accesses write only lines of its own. Of what other threads write, the purge
 * count and the list links that other vCPUs' creation and destruction change
 * sit at the end, away from the lines the vCPU writes on every access (the
 * window in fast, its TLB, stats); the generation must stay in fast, which the
 * vCPU reads on every access anyway, and purges are rare next to accesses.
 */
struct vcpu {
	struct vcpu_fast fast; /* first: the inline fast path of <gmap/vcpu.h> casts to it */
	unsigned long prefix;
	struct mm_struct *listener_mm; /* subscribed to its purges, holding a reference */
	struct mm_tlb_listener listener;
	unsigned int edat;
	bool iep;
	unsigned long last_teid;
	struct dat_lean lean;	 /* the lean walker prepared for gmap (or shadow) ASCE lean_asce */
	unsigned long lean_asce; /* 0: not prepared */
	struct vcpu_stats stats;
	struct vsie_state sie;
	/*
	 * DAT-on entries: the host frames of the guest table entries their walk read
	 * (written by this vCPU's fills, read by purgers' scans).
	 */
	unsigned long tlb_tables[TLB_ENTRIES][DAT_MAX_STEPS];
	/*
	 * Written by other threads. node starts the line: the walk of all_vcpus makes
	 * a struct vcpu pointer of the list head too, which is aligned to match.
	 */
	struct cds_list_head node __attribute__((aligned(VCPU_LINE))); /* on all_vcpus */
	atomic_ulong purges;
	/*
	 * Precise purges (vcpu.c): a purger bumps pstart before it scans the TLB and
	 * pseq after its drops, so pstart != pseq while a scan runs; a fill publishes
	 * its entry with an RMW of pstart.
	 */
	atomic_ulong pstart;
	atomic_ulong pseq;
	atomic_ulong precise_purges;
} __attribute__((aligned(VCPU_LINE)));

/* What a translation gives: the host frame and whether stores may go there. */
struct xlate {
	unsigned long frame;
	bool writable;
};

/* The CPU state an access runs with: guest-2's own, or guest-3's in SIE. */
struct run_ctx {
	struct gmap *g;	      /* guest-2's gmap, or guest-3's shadow */
	unsigned long prefix; /* the running guest's prefix */
	unsigned int edat;    /* the running guest's DAT features */
	bool iep;
};

/* How the addresses of an access are to be understood. */
enum addr_kind { ABSOLUTE, REAL, VIRTUAL };

/* vcpu.c */
int vcpu_deliver_pic(struct vcpu *v, unsigned int pic, unsigned long teid);
struct gmap *vcpu_gmap(struct vcpu *v, int *rc);
int vcpu_access(struct vcpu *v, const struct run_ctx *c, enum addr_kind kind, unsigned long asce,
		unsigned long addr, void *buf, size_t len, bool write);

/*
 * vsie.c: a shadow's DAT exception for guest-3 absolute @saddr: the shadow
 * fault. Returns 0 to retry, VSIE_EXIT_PGM | pic for guest-2, or -errno.
 */
int vsie_resolve_exception(struct vcpu *v, struct gmap *sg, unsigned long saddr, bool write,
			   unsigned int pic);

/* vsie.c: the vSIE prefix notifier (kvm_s390_vsie_gmap_notifier) for one vCPU. */
void vsie_prefix_notify(struct vcpu *v, struct gmap *sg, unsigned long start, unsigned long end);

/* vsie.c: leave SIE for good (vcpu_destroy()). */
void vsie_release(struct vcpu *v);

#endif /* GMAP_SRC_VCPU_INTERNAL_H */
