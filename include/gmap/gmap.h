/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest address spaces (gmaps): the API of the kernel's arch/s390/mm/gmap.c.
 *
 * A gmap translates guest absolute addresses with its own region and segment
 * tables whose segment entries point at the page tables of the host mm: the PTE
 * level is shared, so the host mapping granularity is 1 MiB and guest and host
 * addresses agree in their low 20 bits. Population is fault driven. Functions
 * that the kernel documents as called with a lock held are in <gmap/gmap_locked.h>.
 */
#ifndef GMAP_GMAP_H
#define GMAP_GMAP_H

#include <errno.h>
#ifndef __cplusplus
#include <stdatomic.h>
#endif
#include <stdbool.h>
#include <stdio.h>

#include <urcu/list.h>

#include <gmap/dat.h>
#include <gmap/lock.h>
#include <gmap/mm.h>
#include <gmap/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ulmap;
struct rangemap;
struct link_cache;

/**
 * struct gmap - a guest address space
 * @list:             node in mm's gmap list (or in the parent's children for shadows)
 * @mm:               the host address space
 * @guest_to_host:    guest address ranges -> host address ranges, one per mapping
 * @host_to_guest:    host segment number -> gmap segment entry
 * @guest_table_lock: protects the gmap's own table entries and host_to_guest
 * @ref_count:        references; the last gmap_put() frees (a std::atomic<int> in C++)
 * @table:            top-level region or segment table
 * @asce:             ASCE of the top-level table
 * @asce_end:         highest guest address the gmap can map
 * @private:          for the embedder (KVM keeps its struct kvm here); private_ in C++
 * @pfault_enabled:   asynchronous page faults allowed
 * @host_to_rmap:     shadows: host page number -> reverse mappings
 * @children:         shadow gmaps of this gmap
 * @shadow_lock:      protects @children
 * @parent:           the parent of a shadow gmap, NULL otherwise
 * @orig_asce:        shadows: the guest ASCE this shadow represents
 * @edat_level:       shadows: 0, 1 or 2
 * @removed:          shadows: torn down; gmaps: gmap_remove() was called
 * @initialized:      shadows: ready for use
 * @seqno:            creation sequence number, unique for the life of the process:
 *                    unlike the address, never reused by a later gmap
 * @mm_ref:           the gmap holds a reference on @mm (gmap_create())
 */
struct gmap {
	struct cds_list_head list;
	struct mm_struct *mm;
	struct rangemap *guest_to_host;
	struct ulmap *host_to_guest;
	gmap_spinlock_t guest_table_lock;
	GMAP_ATOMIC(int) ref_count;
	unsigned long *table;
	unsigned long asce;
	unsigned long asce_end;
#ifdef __cplusplus
	void *private_; /* "private" is a C++ keyword */
#else
	void *private;
#endif
	bool pfault_enabled;
	struct ulmap *host_to_rmap;
	struct cds_list_head children;
	gmap_spinlock_t shadow_lock;
	struct gmap *parent;
	unsigned long orig_asce;
	int edat_level;
	bool removed;
	bool initialized;
	unsigned long seqno;
	bool mm_ref;
	struct link_cache *link_cache; /* linked segments, for gmap_fault(); made on first link */
};

/**
 * struct gmap_notifier - a pte invalidation callback
 * @list:          list linkage (owned by the registry)
 * @notifier_call: called with the gmap and the inclusive guest range whose
 *                 armed PTEs are about to change; runs with locks held and
 *                 must neither block nor call back into libgmap
 */
struct gmap_notifier {
	struct cds_list_head list;
	void (*notifier_call)(struct gmap *gmap, unsigned long start, unsigned long end);
};

/** struct gmap_rmap - reverse mapping from a host page to a shadow table entry */
struct gmap_rmap {
	struct gmap_rmap *next;
	unsigned long raddr;
};

/*
 * The notifications the gmap layer arms on pages (its gmap_protect_range() takes
 * these, as the kernel's does): GMAP_NOTIFY_MPROT is what gmap_mprotect_notify()
 * arms, reported to the gmap_notifiers; GMAP_NOTIFY_SHADOW protects the source
 * of shadow tables. The mm stores them as PGSTE_IN_BIT and PGSTE_VSIE_BIT.
 */
#define GMAP_NOTIFY_MPROT  0x1
#define GMAP_NOTIFY_SHADOW 0x2

/** gmap_is_shadow() - true for shadow gmaps */
static inline bool gmap_is_shadow(const struct gmap *gmap)
{
	return gmap->parent != NULL;
}

/**
 * gmap_alloc() - allocate and initialize a guest address space
 * @limit: maximum address of the gmap address space
 *
 * The ASCE type follows from @limit: a segment table up to 2 GiB - 1, a
 * region-third table up to 4 TiB - 1, region-second up to 8 PiB - 1, else
 * region-first; asce_end is the type's highest address.
 *
 * Return: a guest address space structure, or NULL on allocation failure.
 */
struct gmap *gmap_alloc(unsigned long limit);

/**
 * gmap_create() - create a guest address space
 * @mm:    pointer to the parent mm_struct
 * @limit: maximum size of the gmap address space
 *
 * The gmap holds a reference on @mm until it is freed (see mm_destroy()).
 *
 * Return: a guest address space structure added to @mm's gmaps, or NULL (also
 * for a NULL @mm).
 */
struct gmap *gmap_create(struct mm_struct *mm, unsigned long limit);

/**
 * gmap_free() - free a guest address space
 * @gmap: pointer to the guest address space structure
 *
 * No locks required. There are no references to this gmap anymore.
 */
void gmap_free(struct gmap *gmap);

/**
 * gmap_get() - increase reference counter for guest address space
 * @gmap: pointer to the guest address space structure
 *
 * Return: the gmap pointer.
 */
struct gmap *gmap_get(struct gmap *gmap);

/**
 * gmap_put() - decrease reference counter for guest address space
 * @gmap: pointer to the guest address space structure
 *
 * If the reference counter reaches zero the guest address space is freed.
 */
void gmap_put(struct gmap *gmap);

/**
 * gmap_remove() - remove a guest address space but do not free it yet
 * @gmap: pointer to the guest address space structure
 *
 * Drops the gmap's shadows, unmaps every segment, unlinks the gmap from its mm,
 * waits until no lock-free reader of the mm's gmap list can still see it, and
 * drops the owner's reference.
 *
 * Other references keep the structure alive, not its mappings: a thread that
 * still has the gmap enabled (gmap_enable() holds a reference) and a holder of
 * gmap_get() may go on calling into it, but it maps nothing any more —
 * gmap_fault() and gmap_translate() give -EFAULT, vCPU accesses
 * PGM_ADDRESSING, gmap_map_segment() -EINVAL. The memory goes with the last
 * reference (gmap_disable() on that thread, or gmap_put()).
 *
 * Context: waits for an RCU grace period, so the caller holds no libgmap lock. Not from a
 *          notifier or TLB-listener callback.
 */
void gmap_remove(struct gmap *gmap);

/**
 * gmap_enable() - switch primary space to the guest address space
 * @gmap: pointer to the guest address space structure
 *
 * Per thread: the calling thread (a vCPU) now runs @gmap. The thread holds a
 * reference on @gmap until it enables another one or calls gmap_disable(),
 * which it does before it exits; gmap_remove() on another thread therefore
 * never frees a gmap under a running vCPU (see gmap_remove()).
 */
void gmap_enable(struct gmap *gmap);

/**
 * gmap_disable() - switch back to the standard primary address space
 * @gmap: pointer to the guest address space structure (unused: the calling
 *        thread's enabled gmap is disabled and its reference dropped)
 */
void gmap_disable(struct gmap *gmap);

/**
 * gmap_get_enabled() - get a pointer to the currently enabled gmap
 *
 * Return: the gmap enabled on the calling thread, NULL if none is enabled.
 */
struct gmap *gmap_get_enabled(void);

/**
 * gmap_unmap_segment() - unmap segment from the guest address space
 * @gmap: pointer to the guest address space structure
 * @to:   address in the guest address space
 * @len:  length of the memory area to unmap
 *
 * Context: takes gmap->mm's mmap_lock for writing; the caller must not hold it.
 *
 * Unmapping the middle of an earlier mapping splits it, which takes a small
 * allocation; the gmap keeps a spare for when the allocator refuses, so this
 * succeeds unless the allocator refused twice in a row.
 *
 * Return: 0 if the unmap succeeded, -EINVAL if not (unaligned or empty range,
 * wrap-around, shadow gmap, a gmap without an mm), -ENOMEM (nothing changed)
 * if a split found neither memory nor the spare.
 */
int gmap_unmap_segment(struct gmap *gmap, unsigned long to, unsigned long len);

/**
 * gmap_map_segment() - map a segment to the guest address space
 * @gmap: pointer to the guest address space structure
 * @from: source address in the parent address space
 * @to:   target address in the guest address space
 * @len:  length of the memory area to map
 *
 * All three must be 1 MiB aligned. A mapping already at @to is replaced. If an
 * allocation fails, the whole target range is left unmapped (mappings that were
 * there before included), as the kernel does. The cost follows the mappings the
 * call replaces and the segments linked there, not @len.
 *
 * Context: takes gmap->mm's mmap_lock for writing; the caller must not hold it.
 *
 * Return: 0 if the mmap succeeded, -EINVAL (bad arguments, a shadow gmap, a
 * gmap gmap_remove() was called for) or -ENOMEM if not.
 */
int gmap_map_segment(struct gmap *gmap, unsigned long from, unsigned long to, unsigned long len);

/**
 * gmap_translate() - translate a guest address to a user space address
 * @gmap:  pointer to guest mapping meta data structure
 * @gaddr: guest address
 *
 * This function does not establish potentially missing page table entries.
 * A translation whose mapping it has seen before comes from a small cache
 * without any lock; a concurrent gmap_map_segment() or gmap_unmap_segment()
 * of that address gives either the old or the new translation, and once one
 * of them has returned (and the caller synchronises with it) only the new.
 *
 * Context: may take gmap->mm's mmap_lock for reading (on a cache miss); the caller must
 *          not hold it. Under the lock, use __gmap_translate().
 *
 * Return: the host address which corresponds to the guest address or -EFAULT
 * (as unsigned long, see IS_ERR_VALUE()) if no such mapping exists.
 */
unsigned long gmap_translate(struct gmap *gmap, unsigned long gaddr);

/**
 * gmap_fault() - resolve a fault on a guest address
 * @gmap:        pointer to guest mapping meta data structure
 * @gaddr:       guest address
 * @fault_flags: flags to pass down to the host fault handler (FAULT_FLAG_WRITE)
 *
 * Context: takes gmap->mm's mmap_lock for reading; the caller must not hold it. Under the
 *          lock, use fixup_user_fault() and __gmap_link().
 *
 * Return: 0 on success, -ENOMEM for out of memory conditions, and -EFAULT if the
 * guest address is not mapped, the host refuses the access, or the vm address is
 * already mapped to a different guest segment. libgmap adds -EIO: the host
 * could not read the page back from its swap file (the page stays swapped out
 * and a later call may succeed); a VMM retries or gives up, the guest is not told.
 */
int gmap_fault(struct gmap *gmap, unsigned long gaddr, unsigned int fault_flags);

/**
 * gmap_discard() - discard the guest pages of a range (DIAG 10 release)
 * @gmap: pointer to guest mapping meta data structure
 * @from: first guest address, page aligned
 * @to:   end of the range (exclusive), page aligned
 *
 * Host pages that back the range are dropped; the next access gives zeroes.
 * Unmapped parts of the range are skipped.
 *
 * Context: takes gmap->mm's mmap_lock for reading; the caller must not hold it.
 *
 * Return: 0, or -EINVAL for unaligned bounds, @from > @to, or a shadow gmap.
 */
int gmap_discard(struct gmap *gmap, unsigned long from, unsigned long to);

/**
 * gmap_register_pte_notifier() - register a pte invalidation callback
 * @nb: pointer to the gmap notifier block
 *
 * Safe while notifications run on other threads.
 */
void gmap_register_pte_notifier(struct gmap_notifier *nb);

/**
 * gmap_unregister_pte_notifier() - remove a pte invalidation callback
 * @nb: pointer to the gmap notifier block
 *
 * Returns when no call of @nb can still be running.
 *
 * Context: waits for an RCU grace period, so the caller holds no libgmap lock. Not from a
 *          notifier or TLB-listener callback.
 */
void gmap_unregister_pte_notifier(struct gmap_notifier *nb);

/**
 * gmap_mprotect_notify() - change access rights for a range of ptes and call the
 * notifier if any pte changes again
 * @gmap:  pointer to guest mapping meta data structure
 * @gaddr: virtual address in the guest address space
 * @len:   size of area
 * @prot:  indicates access rights: PROT_NONE, PROT_READ or PROT_WRITE
 *
 * This function establishes missing page table entries.
 *
 * Context: takes gmap->mm's mmap_lock for reading; the caller must not hold it. Not from a
 *          notifier or TLB-listener callback.
 *
 * Return: 0 if for each page in the given range a gmap mapping exists, the new
 * access rights could be set and the notifier could be armed. -EFAULT if the
 * gmap mapping is missing for one or more pages, -ENOMEM if no memory could be
 * allocated, -EINVAL for unaligned arguments, another @prot or a shadow gmap,
 * -EIO if a page could not be read back from the host's swap file (retry).
 */
int gmap_mprotect_notify(struct gmap *gmap, unsigned long gaddr, unsigned long len, int prot);

/**
 * gmap_read_table() - get an unsigned long value from a guest page table using
 * absolute addressing, without marking the page referenced
 * @gmap:  pointer to guest mapping meta data structure
 * @gaddr: guest absolute address of the 8-byte, 8-byte aligned entry
 * @val:   receives the big-endian entry as a value
 *
 * Context: gmap->mm's mmap_lock held for reading; a page fault may drop and retake it.
 *
 * Return: 0 if the value was read, -ENOMEM if out of memory, -EFAULT if reading
 * using the address failed, -EINVAL for a shadow gmap or an unaligned @gaddr,
 * -EIO if the page could not be read back from the host's swap file (retry).
 */
int gmap_read_table(struct gmap *gmap, unsigned long gaddr, unsigned long *val);

/* ---- shadow gmaps (vSIE) ------------------------------------------------------------------ */

/**
 * gmap_shadow_valid() - check if a shadow guest address space matches the
 * given properties and is still valid
 * @sg:         pointer to the shadow guest address space structure
 * @asce:       ASCE for which the shadow table is requested
 * @edat_level: edat level to be used for the shadow translation
 *
 * Return: 1 if the gmap shadow is still valid and matches the given properties,
 * the caller can continue using it. 0 otherwise (also for NULL or a gmap that
 * is no shadow): the caller has to request a new shadow gmap in this case.
 */
int gmap_shadow_valid(struct gmap *sg, unsigned long asce, int edat_level);

/**
 * gmap_shadow() - create/find a shadow guest address space
 * @parent:     pointer to the parent gmap
 * @asce:       ASCE for which the shadow table is created (guest-2's view of
 *              guest-3 memory; a real-space ASCE gives a shadow of fake tables)
 * @edat_level: edat level to be used for the shadow translation (0, 1 or 2)
 *
 * The pages of the top level page table referred by the asce parameter will be
 * set to read-only and marked in the PGSTEs of the host process (only after
 * the shadow is on the parent's children list, so that a concurrent change is
 * seen). The shadow table will be removed automatically on any change to the
 * PTE mapping for the source table. The returned shadow carries a reference
 * for the caller (gmap_put() it); the parent's children list holds another.
 * Only one real-space shadow exists per parent: a new one replaces the old.
 *
 * Return: a guest address space structure, ERR_PTR(-ENOMEM) if out of memory,
 * ERR_PTR(-EAGAIN) if the caller has to retry (another thread is creating the
 * same shadow) and ERR_PTR(-EFAULT) if the parent gmap table could not be
 * protected, or if @parent's host uses 1 MiB segments (refused, as the kernel
 * refuses vSIE there); ERR_PTR(-EIO) if a table page could not be read back
 * from the host's swap file (retry). ERR_PTR(-EINVAL) for a NULL or shadow @parent, a parent
 * without an mm, or an @edat_level outside 0..2.
 *
 * Context: takes mmap_lock for reading, @parent->shadow_lock and the shadow's guest_table_lock;
 * the caller must not hold them.
 */
struct gmap *gmap_shadow(struct gmap *parent, unsigned long asce, int edat_level);

/**
 * struct gmap_shadow_stats - what the shadow code did, process-wide
 * @created:        shadow gmaps created by gmap_shadow()
 * @reused:         gmap_shadow() calls answered with an existing shadow
 * @removed:        shadows removed whole (top-level table changed, replaced
 *                  real-space shadow)
 * @r1_entries:     region-first entries shadowed (gmap_shadow_r2t())
 * @r2_entries:     region-second entries shadowed (gmap_shadow_r3t())
 * @r3_entries:     region-third entries shadowed (gmap_shadow_sgt())
 * @sg_entries:     segment entries shadowed (gmap_shadow_pgt())
 * @pg_entries:     page entries shadowed (gmap_shadow_page())
 * @unshadow_r2t:   region-second tables unshadowed
 * @unshadow_r3t:   region-third tables unshadowed
 * @unshadow_sgt:   segment tables unshadowed
 * @unshadow_pgt:   page tables unshadowed
 * @unshadow_page:  shadow PTEs unshadowed
 * @notifications:  gmap_shadow_notify() calls
 * @rmaps_live:     reverse mappings currently held by all shadows
 * @rmap_duplicates: rmaps not inserted because an identical one existed
 * @tables_live:    shadow region, segment and page tables currently allocated
 */
struct gmap_shadow_stats {
	unsigned long created, reused, removed;
	unsigned long r1_entries, r2_entries, r3_entries, sg_entries, pg_entries;
	unsigned long unshadow_r2t, unshadow_r3t, unshadow_sgt, unshadow_pgt, unshadow_page;
	unsigned long notifications;
	unsigned long rmaps_live, rmap_duplicates;
	unsigned long tables_live;
};

/** gmap_shadow_get_stats() - snapshot the process-wide shadow counters */
void gmap_shadow_get_stats(struct gmap_shadow_stats *stats);

/**
 * gmap_shadow_audit() - check every valid entry of a shadow against its sources
 * @sg:  the shadow gmap
 * @out: where to describe each violation (one line each), or NULL
 *
 * Beyond the kernel: proves isolation. Every valid shadow region, segment and
 * page entry is compared with a fresh composition of guest-2's tables (read
 * now from guest-2 memory through the parent, without faulting anything in)
 * and the parent gmap: a valid shadow table must shadow the table that
 * guest-2's entry designates now (with its source pages still write-protected
 * and armed in the parent), a valid shadow PTE must map the frame that the
 * composition gives now, at least as protected as guest-2's DAT protection,
 * and writable only if the parent's host PTE is. Takes mmap_lock for reading
 * and sg->guest_table_lock; a removed shadow has nothing to check.
 *
 * Return: the number of violations (0 for a sound shadow), or -EINVAL if @sg
 * is not a shadow gmap.
 *
 * Context: takes mmap_lock for reading and @sg->guest_table_lock; the caller must not hold them.
 */
long gmap_shadow_audit(struct gmap *sg, FILE *out);

/**
 * gmap_shadow_inject_stale() - self-test: skip the next @n unshadows on purpose
 * @n: how many reverse-mapped shadow entries to leave valid although their
 *     guest-2 source changed (0 stops injecting)
 *
 * For proving that the checks above catch a stale shadow (`gmap run
 * --inject-stale-shadow`): the skipped entries are exactly what
 * gmap_shadow_audit() reports and what a nested workload's reference model
 * sees as a wrong byte. Never call it outside such a self-test.
 *
 * Context: any.
 */
void gmap_shadow_inject_stale(unsigned int n);

#ifdef __cplusplus
}
#endif

#endif /* GMAP_GMAP_H */
