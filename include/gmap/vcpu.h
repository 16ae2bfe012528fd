/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vCPUs: the hardware that runs a guest on a gmap.
 *
 * A vCPU accesses guest memory through the gmap enabled on the calling thread
 * (gmap_enable()). Translations are cached in a per-vCPU software TLB tagged
 * with a generation, so that a purge of everything is one increment. A host PTE
 * change (IPTE) drops only the entries that can hold that page, gmap changes
 * purge everything; either waits until no access of any vCPU of the mm that
 * began before the purge is still copying, the way IPTE waits for other CPUs.
 *
 * Access functions return 0, a positive program-interruption code for the guest
 * (PGM_ADDRESSING for an address outside the gmap, PGM_PROTECTION, or any DAT
 * exception of the guest's own tables), or a negative errno for host failures.
 */
#ifndef GMAP_VCPU_H
#define GMAP_VCPU_H

#include <stdbool.h>
#include <stddef.h>

#include <gmap/gmap.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vcpu;

/** struct vcpu_stats - what a vCPU did */
struct vcpu_stats {
	unsigned long accesses;		/* vcpu_read/write calls of every kind */
	unsigned long tlb_hits;		/* pages found in the TLB */
	unsigned long tlb_misses;	/* pages that needed a walk */
	unsigned long faults;		/* gmap_fault() calls */
	unsigned long purges;		/* purges of this vCPU's TLB (host, gmap or guest) */
	unsigned long prefix_refreshes; /* prefix pages re-armed after a notification */
	unsigned long pics;		/* program interruptions delivered to the guest */
	unsigned long retries;		/* accesses restarted because a purge raced them */
	unsigned long precise_purges;	/* of those, host IPTEs: one page's entries dropped */
};

/**
 * vcpu_create() - create a vCPU
 *
 * Return: the vCPU, or NULL on allocation failure.
 */
struct vcpu *vcpu_create(void);

/**
 * vcpu_destroy() - destroy a vCPU
 * @vcpu: the vCPU, or NULL
 *
 * A vCPU holds a reference on the mm of the gmap it last accessed (to follow
 * its TLB purges); destroying the vCPU drops it, which may be what finally
 * frees an mm already passed to mm_destroy().
 *
 * Context: no access of @vcpu is running; waits for an RCU grace period, so the caller
 *          holds no libgmap lock. Not from a notifier or TLB-listener callback.
 */
void vcpu_destroy(struct vcpu *vcpu);

/**
 * vcpu_read() - read guest absolute storage
 * @vcpu: the vCPU; its thread has a gmap enabled
 * @gaddr: guest absolute address
 * @buf: destination
 * @len: byte count; the range may cross pages
 *
 * Context: the thread that enabled the gmap; gmap->mm's mmap_lock not held (a fault takes
 *          it for reading). Not from a notifier or TLB-listener callback.
 *
 * A host I/O error is the host's problem, never the guest's: if a page could
 * not be read back from the host's swap file, the access returns -EIO to its
 * caller (the VMM), which may retry it; the guest sees no program interruption.
 * A multi-page write may have stored the pages before the failing one: a
 * retry stores the same bytes again.
 *
 * Return: 0, a positive PIC, or -EINVAL (no gmap enabled, bad arguments),
 * -ENOMEM, -EIO.
 */
int vcpu_read(struct vcpu *vcpu, unsigned long gaddr, void *buf, size_t len);

/**
 * vcpu_write() - write guest absolute storage; see vcpu_read()
 *
 * Context: as vcpu_read().
 */
int vcpu_write(struct vcpu *vcpu, unsigned long gaddr, const void *buf, size_t len);

/**
 * vcpu_set_prefix() - set the prefix register
 * @vcpu:   the vCPU
 * @prefix: 8 KiB aligned, below 2 GiB
 *
 * The two prefix pages are kept mapped and writable the way KVM does it: armed
 * with gmap_mprotect_notify(), re-armed before the next access whenever a host
 * change notified them. Purges the TLB, whose DAT-on entries hold prefixed frames.
 *
 * Return: 0, or -EINVAL.
 */
int vcpu_set_prefix(struct vcpu *vcpu, unsigned long prefix);

/** vcpu_get_prefix() - the prefix register */
unsigned long vcpu_get_prefix(struct vcpu *vcpu);

/**
 * vcpu_read_real() - read guest real storage (prefixing applied); see vcpu_read()
 *
 * Context: as vcpu_read().
 */
int vcpu_read_real(struct vcpu *vcpu, unsigned long raddr, void *buf, size_t len);

/**
 * vcpu_write_real() - write guest real storage (prefixing applied); see vcpu_read()
 *
 * Context: as vcpu_read().
 */
int vcpu_write_real(struct vcpu *vcpu, unsigned long raddr, const void *buf, size_t len);

/**
 * vcpu_set_dat_features() - the guest's CR0 DAT controls
 * @vcpu: the vCPU
 * @edat: 0, 1 (EDAT-1) or 2 (EDAT-1 and EDAT-2)
 * @iep:  instruction-execution protection enabled
 *
 * Purges the TLB, as changing these controls requires.
 *
 * Return: 0, or -EINVAL for an EDAT level above 2.
 */
int vcpu_set_dat_features(struct vcpu *vcpu, unsigned int edat, bool iep);

/**
 * vcpu_read_virt() - read with DAT on, through the guest's own tables
 * @vcpu: the vCPU
 * @asce: the guest's ASCE; its tables are big-endian in guest storage
 * @va:   guest virtual address
 * @buf:  destination
 * @len:  byte count
 *
 * A two-dimensional walk: every guest table entry is read through the gmap.
 * The result is cached in the TLB with the guest's and the host's protection
 * combined. After changing its tables the guest purges with vcpu_purge_tlb().
 *
 * Context: the thread that enabled the gmap; gmap->mm's mmap_lock not held (a fault takes
 *          it for reading). Not from a notifier or TLB-listener callback.
 *
 * Return: 0, a positive PIC (the guest's DAT exceptions included), or a
 * negative errno.
 */
int vcpu_read_virt(struct vcpu *vcpu, unsigned long asce, unsigned long va, void *buf, size_t len);

/**
 * vcpu_write_virt() - write with DAT on; see vcpu_read_virt()
 *
 * Context: as vcpu_read().
 */
int vcpu_write_virt(struct vcpu *vcpu, unsigned long asce, unsigned long va, const void *buf,
		    size_t len);

/** vcpu_purge_tlb() - purge this vCPU's TLB (PTLB) */
void vcpu_purge_tlb(struct vcpu *vcpu);

/**
 * vcpu_last_teid() - translation-exception identification of the last PIC
 * @vcpu: the vCPU
 *
 * Return: the TEID stored with the last program interruption (0 where the
 * architecture stores none).
 */
unsigned long vcpu_last_teid(struct vcpu *vcpu);

/**
 * vcpu_get_stats() - the counters of @vcpu
 * @vcpu:  the vCPU; NULL gives all-zero counters
 * @stats: where to store them; NULL is ignored
 */
void vcpu_get_stats(struct vcpu *vcpu, struct vcpu_stats *stats);


/* ---- vSIE: running guest-3 through shadow gmaps ------------------------------------------- */

/* Bits of the shadow fault's @datptr (the MVPG partial-execution identification). */
#define VSIE_PEI_DAT_PROT 0x2UL /* DAT protection applied above the page */
#define VSIE_PEI_NOT_PTE  0x4UL /* the address names a region or segment entry, not a PTE */

/**
 * vsie_shadow_fault() - resolve a guest-3 access through a shadow gmap
 * @sg:     the shadow gmap (from gmap_shadow())
 * @saddr:  the guest-3 address
 * @datptr: if not NULL, receives the guest-2 absolute address of the last DAT
 *          entry looked at (the PTE, or with VSIE_PEI_NOT_PTE the region or
 *          segment entry that raised the exception), with VSIE_PEI_DAT_PROT
 *          if DAT protection applied above the page
 *
 * KVM's kvm_s390_shadow_fault(): the fast path finds the shadow page table
 * (gmap_shadow_pgt_lookup()); otherwise guest-2's tables for guest-3 are walked
 * through the parent (gmap_read_table(), big-endian) from sg->orig_asce with
 * the ASCE-type, table-offset/length, invalid, table-type, common-segment/
 * region and EDAT checks, and the missing shadow levels are built
 * (gmap_shadow_r2t() ... gmap_shadow_pgt()); then the shadow PTE
 * (gmap_shadow_page()) with guest-2's DAT protection. Takes the mm's
 * mmap_lock for reading.
 *
 * Return: 0 if the shadow now maps @saddr; a positive program-interruption
 * code for guest-2 (PGM_ASCE_TYPE, PGM_REGION_FIRST/SECOND/THIRD_TRANS,
 * PGM_SEGMENT_TRANSLATION, PGM_PAGE_TRANSLATION, PGM_TRANSLATION_SPEC);
 * -EAGAIN to retry (the shadow changed meanwhile, or was removed: then take a new one
 * with gmap_shadow()); -EFAULT if a guest-2 table
 * or page lies outside guest-2 memory (vSIE makes that an addressing exception
 * for guest-2); -ENOMEM; -EIO if a guest-2 page could not be read back from
 * the host's swap file (the host's problem: no exit for guest-2, retry);
 * -EINVAL if @sg is not a shadow gmap.
 *
 * Context: takes mmap_lock for reading and the shadow's locks; the caller must not hold them.
 */
int vsie_shadow_fault(struct gmap *sg, unsigned long saddr, unsigned long *datptr);


/* What a guest-3 access returns besides 0, a PIC for guest-3, or -errno. */
#define VSIE_EXIT_PGM	   0x10000 /* | pic: SIE exits, guest-2 takes this program interruption */
#define VSIE_EXIT_VALIDITY 0x20037 /* SIE exits with validity intercept 0x37: no prefix */

/** struct vsie_stats - what a vCPU did in SIE */
struct vsie_stats {
	unsigned long entries;	       /* vcpu_sie_enter() calls */
	unsigned long accesses;	       /* guest-3 accesses of every kind */
	unsigned long shadow_acquires; /* shadows taken with gmap_shadow() */
	unsigned long shadow_reuses;   /* entries and accesses that kept a valid shadow */
	unsigned long shadow_faults;   /* vsie_shadow_fault() calls */
	unsigned long exits_pgm;       /* exits with a program interruption for guest-2 */
	unsigned long exits_validity;  /* exits because the prefix could not be mapped */
	unsigned long pics;	       /* program interruptions for guest-3 */
	unsigned long eagain_retries;  /* accesses started over after -EAGAIN */
	unsigned long prefix_remaps;   /* prefix pages shadowed (again) */
};

/**
 * vcpu_sie_enter() - start running guest-3 for guest-2 (SIE)
 * @vcpu:       the vCPU; the gmap enabled on the calling thread is guest-2's (the parent)
 * @asce:       guest-2's CR1 for guest-3: the ASCE whose tables (in guest-2 memory)
 *              describe guest-3's absolute storage; a real-space ASCE maps it one to one
 * @edat_level: EDAT level of guest-2 for the translation (0, 1 or 2)
 * @prefix:     guest-3's prefix register
 *
 * Takes the shadow for (@asce, @edat_level) with gmap_shadow(), reusing the one
 * the vCPU holds while gmap_shadow_valid() says so, and shadows guest-3's prefix
 * pages before its first access. The vCPU stays in SIE until vcpu_sie_exit();
 * the guest-3 accesses below work only then. A shadow that is removed meanwhile
 * (guest-2 changed its top-level table) is replaced at the next access.
 *
 * Context: takes mmap_lock and the shadow's locks; the caller must not hold them.
 *
 * Return: 0, VSIE_EXIT_PGM | PGM_ADDRESSING if guest-2's top-level table cannot
 * be protected (it lies outside guest-2 memory), -EAGAIN if the shadow could not
 * be had after bounded retries, -ENOMEM, -EIO (a host swap-file read failed:
 * retry), or -EINVAL (no gmap enabled, a bad argument).
 */
int vcpu_sie_enter(struct vcpu *vcpu, unsigned long asce, int edat_level, unsigned long prefix);

/**
 * vcpu_sie_exit() - leave SIE
 * @vcpu: the vCPU (NULL is ignored)
 *
 * The vCPU keeps its shadow for a later vcpu_sie_enter() with the same ASCE, as
 * KVM keeps a vsie page's shadow; vcpu_destroy() drops it.
 */
void vcpu_sie_exit(struct vcpu *vcpu);

/** vcpu_sie_set_dat_features() - guest-3's own EDAT level and IEP for its DAT-on accesses */
int vcpu_sie_set_dat_features(struct vcpu *vcpu, unsigned int edat, bool iep);

/**
 * vcpu_sie_read() - read guest-3 absolute storage
 * @vcpu:  a vCPU in SIE
 * @gaddr: guest-3 absolute address
 * @buf:   destination
 * @len:   bytes
 *
 * Translates through the shadow (TLB entries tagged with it, so never served to
 * guest-2 or to another shadow); a missing shadow entry is built by
 * vsie_shadow_fault(). -EAGAIN from a changing shadow is retried a bounded
 * number of times (counted).
 *
 * Context: takes mmap_lock and the shadow's locks; the caller must not hold them.
 *
 * Return: 0; VSIE_EXIT_PGM | pic when guest-2's tables do not grant the access
 * (its DAT exception, PGM_PROTECTION for a store to a page guest-2 protects,
 * PGM_ADDRESSING where guest-2's tables point outside its memory), with the
 * TEID in vcpu_last_teid(); VSIE_EXIT_VALIDITY if guest-3's prefix cannot be
 * mapped; -EAGAIN, -ENOMEM, -EIO (a host swap-file read failed: no exit for
 * guest-2, the VMM may retry; see vcpu_read()), or -EINVAL outside SIE.
 */
int vcpu_sie_read(struct vcpu *vcpu, unsigned long gaddr, void *buf, size_t len);

/** vcpu_sie_write() - write guest-3 absolute storage; see vcpu_sie_read() */
int vcpu_sie_write(struct vcpu *vcpu, unsigned long gaddr, const void *buf, size_t len);

/** vcpu_sie_read_real() - read guest-3 real storage (guest-3's prefix applied) */
int vcpu_sie_read_real(struct vcpu *vcpu, unsigned long raddr, void *buf, size_t len);

/** vcpu_sie_write_real() - write guest-3 real storage */
int vcpu_sie_write_real(struct vcpu *vcpu, unsigned long raddr, const void *buf, size_t len);

/**
 * vcpu_sie_read_virt() - read with guest-3's DAT on
 * @vcpu: a vCPU in SIE
 * @asce: guest-3's own ASCE (its tables in guest-3 memory, read through the shadow)
 * @va:   guest-3 virtual address
 * @buf:  destination
 * @len:  bytes
 *
 * Return: as vcpu_sie_read(), and also a PIC below VSIE_EXIT_PGM for guest-3's
 * own DAT exceptions (its TEID in vcpu_last_teid()).
 */
int vcpu_sie_read_virt(struct vcpu *vcpu, unsigned long asce, unsigned long va, void *buf,
		       size_t len);

/** vcpu_sie_write_virt() - write with guest-3's DAT on; see vcpu_sie_read_virt() */
int vcpu_sie_write_virt(struct vcpu *vcpu, unsigned long asce, unsigned long va, const void *buf,
			size_t len);

/** vcpu_get_vsie_stats() - the SIE counters of @vcpu (zeroes for NULL) */
void vcpu_get_vsie_stats(struct vcpu *vcpu, struct vsie_stats *stats);

/**
 * vsie_ipte_lock() - take the guest-visible IPTE interlock for a guest-2 table change
 *
 * Guest-2 changes a valid entry of its DAT tables only under this interlock
 * (its IPTE/IDTE/CSP equivalents), as the machine blocks those instructions
 * while KVM's shadow fault holds the interlock: a shadow fault never reads a
 * guest-2 table that changes before its source page is protected.
 *
 * Context: sleeps; takes no other lock. Call vsie_ipte_unlock() after the store.
 */
void vsie_ipte_lock(void);

/** vsie_ipte_unlock() - release the interlock taken by vsie_ipte_lock() */
void vsie_ipte_unlock(void);

/* ---- the inline fast path: a host pointer for a TLB hit ------------------------------------ */

/*
 * What the inline functions below read of a vCPU. Not an API of its own: the
 * layout may change with any release, like the inline functions that use it.
 */
#define VCPU_TLB_ENTRIES 512UL
#define VCPU_TLB_VIRT	 1UL /* tag bit: a guest virtual page (DAT on) */
#define VCPU_TLB_RO	 2UL /* tag bit: stores take the full path */
#define VCPU_TLB_DROPPED 4UL /* the whole tag of an entry a precise purge dropped */

/** struct vcpu_tlb_entry - one TLB entry, as the inline fast path probes it */
struct vcpu_tlb_entry {
	unsigned long tag;	  /* page | VCPU_TLB_VIRT | VCPU_TLB_RO, or VCPU_TLB_DROPPED */
	unsigned long gen;	  /* valid while equal to the vCPU's generation */
	unsigned long gmap_seqno; /* the gmap (or shadow) it was made through */
	unsigned long frame;	  /* host frame */
	unsigned long asce;	  /* virtual entries: the guest ASCE; else 0 */
};

/** struct vcpu_fast - the head of every struct vcpu: what the inline fast path touches */
struct vcpu_fast {
	unsigned long seq;	  /* odd while an access window is open; only the vCPU writes it */
	unsigned long gen;	  /* bumped by every purge */
	unsigned long win_gen;	  /* the generation read when the open window opened */
	unsigned long gmap_seqno; /* seqno of the gmap the vCPU is bound to, 0 if none */
	unsigned char prefix_stale; /* the prefix pages must be re-armed first */
	unsigned char rmw;	    /* the window protocol: 1 seq_cst RMWs, 0 asymmetric fences */
	struct vcpu_tlb_entry tlb[VCPU_TLB_ENTRIES];
};

/*
 * The tag of a TLB entry, which a purger on another thread may overwrite with
 * VCPU_TLB_DROPPED. Atomic (relaxed) where ThreadSanitizer checks the races; else
 * a plain load of an aligned word, single-copy atomic on every target, which the
 * compiler may fold into the compare: an atomic load costs the hit path extra
 * instructions.
 */
static inline unsigned long __vcpu_tlb_tag(const struct vcpu_tlb_entry *e)
{
#if defined(__SANITIZE_THREAD__)
	return __atomic_load_n(&e->tag, __ATOMIC_RELAXED);
#else
	return e->tag;
#endif
}

/*
 * Open an access window with the window protocol @rmw (f->rmw, which a caller
 * may have read already): the vCPU side of the purge handshake. Returns the
 * generation.
 */
static inline unsigned long __vcpu_window_open_as(struct vcpu_fast *f, bool rmw)
{
	if (rmw) {
		__atomic_fetch_add(&f->seq, 1, __ATOMIC_SEQ_CST);
		return __atomic_load_n(&f->gen, __ATOMIC_SEQ_CST);
	}
	/* A plain store and a compiler barrier; purgers pay with membarrier(). */
	__atomic_store_n(&f->seq, __atomic_load_n(&f->seq, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&f->gen, __ATOMIC_ACQUIRE);
}

/* Close the window: every access inside it comes before a waiting purger goes on. */
static inline void __vcpu_window_close_as(struct vcpu_fast *f, bool rmw)
{
	if (rmw)
		__atomic_fetch_add(&f->seq, 1, __ATOMIC_SEQ_CST);
	else
		__atomic_store_n(&f->seq, __atomic_load_n(&f->seq, __ATOMIC_RELAXED) + 1,
				 __ATOMIC_RELEASE);
}

/* Open an access window: the vCPU side of the purge handshake. Returns the generation. */
static inline unsigned long __vcpu_window_open(struct vcpu_fast *f)
{
	return __vcpu_window_open_as(f, f->rmw);
}

/* Close the window: every access inside it comes before a waiting purger goes on. */
static inline void __vcpu_window_close(struct vcpu_fast *f)
{
	__vcpu_window_close_as(f, f->rmw);
}

/**
 * vcpu_access_begin() - open an access window for vcpu_tlb_probe()
 * @vcpu: the vCPU; its thread has a gmap enabled
 *
 * The window belongs to the gmap enabled on the calling thread, and only if
 * the vCPU's last full access (vcpu_read() and the rest) was made through that
 * gmap and left no prefix pages to re-arm: otherwise nothing is opened and the
 * caller uses the full path, which binds the vCPU to the gmap for the next
 * window. While the window is open, the caller may:
 *  - probe with vcpu_tlb_probe() any number of times;
 *  - load and store through the pointers it returned, within their pages.
 * It may not call any other libgmap function, block, sleep, take a lock that a
 * host-side thread may hold, or keep the window open for long: every purge of
 * this vCPU's TLB (page-out, migration, mprotect, unmap of the frames) waits,
 * holding host page-table locks, until the window closes. Keep it to the
 * accesses of one instruction or a short burst, then vcpu_access_end(). A
 * window is not nested and belongs to the thread that opened it.
 *
 * Context: the thread that enabled the gmap; it holds no libgmap lock.
 *
 * Return: true if the window is open (close it with vcpu_access_end()), false
 * if the caller must use the full path (nothing to close).
 */
static inline bool vcpu_access_begin(struct vcpu *vcpu)
{
	struct vcpu_fast *f = (struct vcpu_fast *)vcpu;
	struct gmap *g = gmap_get_enabled();

	if (!g || g->seqno != __atomic_load_n(&f->gmap_seqno, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&f->prefix_stale, __ATOMIC_RELAXED))
		return false;
	f->win_gen = __vcpu_window_open(f);
	return true;
}

/**
 * vcpu_tlb_probe() - the host address of guest absolute storage, for a TLB hit
 * @vcpu:  the vCPU, with a window open by vcpu_access_begin()
 * @gaddr: guest absolute address
 * @len:   bytes the caller will access from @gaddr on, 1 up to the end of the page
 * @write: the caller will store (else only load)
 *
 * The fast path in the spirit of a soft-TLB probe: no walk, no fault, no count
 * in vcpu_get_stats(). NULL for anything it does not serve: a TLB miss, a range
 * crossing the page, a store to a page the entry does not let the guest write
 * (protection, or a clean page whose first store the host must see), or a purge
 * pending since the window opened (it waits for the window: close it soon).
 * On NULL, close the window with vcpu_access_end() and make the access with
 * vcpu_read()/vcpu_write(), which walk, fault and deliver exceptions.
 *
 * Context: inside the window, on its thread.
 *
 * Return: the host address of @gaddr, valid for @len bytes (loads, and stores if
 * @write) until vcpu_access_end(); or NULL.
 */
static inline void *vcpu_tlb_probe(struct vcpu *vcpu, unsigned long gaddr, size_t len, bool write)
{
	struct vcpu_fast *f = (struct vcpu_fast *)vcpu;
	const struct vcpu_tlb_entry *e =
		&f->tlb[(gaddr >> GMAP_PAGE_SHIFT) & (VCPU_TLB_ENTRIES - 1)];
	unsigned long tag = __vcpu_tlb_tag(e);

	tag = write ? tag : tag & ~VCPU_TLB_RO;
	if (tag != (gaddr & GMAP_PAGE_MASK) || e->gen != f->win_gen ||
	    e->gmap_seqno != f->gmap_seqno || len - 1 > (~gaddr & ~GMAP_PAGE_MASK) ||
	    __atomic_load_n(&f->gen, __ATOMIC_RELAXED) != f->win_gen)
		return NULL;
	return (void *)(e->frame + (gaddr & ~GMAP_PAGE_MASK));
}

/**
 * vcpu_access_end() - close the window of vcpu_access_begin()
 * @vcpu: the vCPU
 *
 * The pointers vcpu_tlb_probe() returned are no longer valid.
 *
 * Context: the thread that opened the window.
 */
static inline void vcpu_access_end(struct vcpu *vcpu)
{
	__vcpu_window_close((struct vcpu_fast *)vcpu);
}

#ifdef __cplusplus
}
#endif

#endif /* GMAP_VCPU_H */
