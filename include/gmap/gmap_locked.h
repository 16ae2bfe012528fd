/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The parts of the gmap API that the kernel calls with a lock held (mostly the
 * mm's mmap_lock, see each function), for tests and for embedders that hold
 * those locks: mmap_read_lock()/mmap_write_lock() in <gmap/mm.h>, spin_lock()
 * in <gmap/lock.h>.
 */
#ifndef GMAP_GMAP_LOCKED_H
#define GMAP_GMAP_LOCKED_H

#include <gmap/gmap.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * __gmap_segment_gaddr() - find virtual address from segment pointer
 * @entry: pointer to a segment table entry in the guest address space
 *
 * Context: any; @entry is in a table of a gmap the caller holds a reference on (the kernel
 *          looks it up under guest_table_lock).
 *
 * Return: the virtual address in the guest address space for the segment.
 */
unsigned long __gmap_segment_gaddr(unsigned long *entry);

/**
 * __gmap_unlink_by_vmaddr() - unlink a single segment via a host address
 * @gmap:   pointer to the guest address space structure
 * @vmaddr: address in the host process address space
 *
 * Context: mmap_lock held for writing (an unmap, or the host freeing the page table), so
 *          that nothing relinks the segment meanwhile; takes gmap->guest_table_lock.
 *
 * Return: 1 if a TLB flush is required.
 */
int __gmap_unlink_by_vmaddr(struct gmap *gmap, unsigned long vmaddr);

/**
 * __gmap_unmap_by_gaddr() - unmap a single segment via a guest address
 * @gmap:  pointer to the guest address space structure
 * @gaddr: address in the guest address space
 *
 * Splitting a mapping around the segment needs memory; if the allocator and the
 * gmap's spare both fail (see gmap_unmap_segment()), nothing is unmapped.
 *
 * Context: mmap_lock held for writing; takes gmap->guest_table_lock.
 *
 * Return: 1 if a TLB flush is required.
 */
int __gmap_unmap_by_gaddr(struct gmap *gmap, unsigned long gaddr);

/**
 * __gmap_translate() - translate a guest address to a user space address
 * @gmap:  pointer to guest mapping meta data structure
 * @gaddr: guest address
 *
 * Can also be called for shadow gmaps (which map nothing this way).
 *
 * Context: mmap_lock held (for reading is enough).
 *
 * Return: user space address which corresponds to the guest address or -EFAULT.
 */
unsigned long __gmap_translate(struct gmap *gmap, unsigned long gaddr);

/**
 * gmap_unlink() - disconnect a page table from the gmap shadow tables
 * @mm:     the host address space
 * @table:  pointer to the host page table
 * @vmaddr: vm address associated with the host page table
 *
 * The host mm calls this (through its hooks) before it frees a page table.
 *
 * Context: mmap_lock held for writing: the host mm calls it from mm_munmap() and
 *          mm_destroy(); takes each gmap's guest_table_lock.
 */
void gmap_unlink(struct mm_struct *mm, unsigned long *table, unsigned long vmaddr);

/**
 * __gmap_link() - set up shadow page tables to connect a host to a guest address
 * @gmap:   pointer to guest mapping meta data structure
 * @gaddr:  guest address
 * @vmaddr: vm address, already faulted in (its host page table exists)
 *
 * Context: mmap_lock held (for reading is enough); allocates, then takes
 *          mm->page_table_lock and gmap->guest_table_lock, so the caller holds no spinlock.
 *
 * Return: 0 on success, -ENOMEM for out of memory conditions, -EFAULT if the vm
 * address is already mapped to a different guest segment or has no host page
 * table, -EINVAL for a shadow gmap.
 */
int __gmap_link(struct gmap *gmap, unsigned long gaddr, unsigned long vmaddr);

/**
 * gmap_call_notifier() - call all registered invalidation callbacks
 * @gmap:  pointer to guest mapping meta data structure
 * @start: start virtual address in the guest address space
 * @end:   end virtual address in the guest address space (inclusive)
 *
 * Context: any; the callbacks run on the calling thread with the caller's locks held.
 */
void gmap_call_notifier(struct gmap *gmap, unsigned long start, unsigned long end);

/**
 * gmap_table_walk() - walk the gmap page tables
 * @gmap:  pointer to guest mapping meta data structure
 * @gaddr: virtual address in the guest address space
 * @level: 0 page-table entry, 1 segment, 2 region-third, 3 region-second,
 *         4 region-first entry
 *
 * Can also be called for shadow gmaps.
 *
 * Context: a non-shadow gmap's caller holds gmap->mm's mmap_lock (for reading is enough)
 *          and a reference on the gmap, and uses the pointer only while it holds the lock:
 *          at level 0 it points into a host page table, which mm_munmap() frees under
 *          mmap_lock held for writing; at levels 1 to 4 into the gmap's own tables, freed
 *          by gmap_free(). A shadow gmap's caller holds sg->guest_table_lock, as in the
 *          kernel. Entries change under the caller: read them with atomic loads.
 *
 * Return: a table entry pointer for the given guest address and @level, or NULL
 * if the gmap page tables could not be walked to the requested level (invalid
 * entry on the way, @level above the top table, address beyond the ASCE's reach,
 * removed shadow).
 */
unsigned long *gmap_table_walk(struct gmap *gmap, unsigned long gaddr, int level);

/**
 * gmap_pte_op_walk() - walk the gmap page table, get the page table lock and
 * return the pte pointer
 * @gmap:  pointer to guest mapping meta data structure
 * @gaddr: virtual address in the guest address space
 * @ptl:   receives the lock to pass to gmap_pte_op_end()
 *
 * Can also be called for shadow gmaps.
 *
 * Context: mmap_lock held; on success returns with *@ptl held (the host page table's lock,
 *          or a shadow's guest_table_lock); release it with gmap_pte_op_end().
 *
 * Return: a pointer to the locked pte for a guest address, or NULL.
 */
gmap_pte_t *gmap_pte_op_walk(struct gmap *gmap, unsigned long gaddr, gmap_spinlock_t **ptl);

/**
 * gmap_pte_op_fixup() - force a page in and connect the gmap page table
 * @gmap:   pointer to guest mapping meta data structure
 * @gaddr:  virtual address in the guest address space
 * @vmaddr: address in the host process address space
 * @prot:   indicates access rights: PROT_NONE, PROT_READ or PROT_WRITE
 *
 * Context: mmap_lock held for reading, no spinlock held; a swap-in drops and retakes the
 *          lock (then 0 is returned and the caller looks up again).
 *
 * Return: 0 if the caller can retry __gmap_translate (might fail again), -ENOMEM
 * if out of memory, -EIO if the host could not read the page back from its swap
 * file, and -EFAULT if anything else goes wrong while fixing up or connecting
 * the gmap page table.
 */
int gmap_pte_op_fixup(struct gmap *gmap, unsigned long gaddr, unsigned long vmaddr, int prot);

/**
 * gmap_pte_op_end() - release the page table lock
 * @ptl: the lock from gmap_pte_op_walk()
 *
 * Context: @ptl held, from gmap_pte_op_walk().
 */
void gmap_pte_op_end(gmap_spinlock_t *ptl);

/**
 * ptep_notify() - call all invalidation callbacks for a specific pte
 * @mm:     pointer to the process mm_struct
 * @vmaddr: virtual address in the process address space
 * @pte:    pointer to the page table entry
 * @bits:   bits from the pgste that caused the notify call
 *
 * The host mm calls this, with the page-table lock and the PGSTE lock held,
 * before it changes a PTE whose notify bits were armed.
 *
 * Context: mmap_lock, @pte's page-table lock and its PGSTE lock held; takes each gmap's
 *          guest_table_lock and runs the notifiers.
 */
void ptep_notify(struct mm_struct *mm, unsigned long vmaddr, gmap_pte_t *pte, unsigned long bits);


/* ---- shadow gmaps (vSIE) ------------------------------------------------------------------ */

/*
 * Reverse-map addresses: the shadow address aligned to the level whose entry
 * the rmap names, with the kind of entry in the low three bits.
 */
#define _SHADOW_RMAP_MASK    0x7UL
#define _SHADOW_RMAP_REGION1 0x5UL /* a region-first entry: unshadow its r2t */
#define _SHADOW_RMAP_REGION2 0x4UL /* a region-second entry: unshadow its r3t */
#define _SHADOW_RMAP_REGION3 0x3UL /* a region-third entry: unshadow its sgt */
#define _SHADOW_RMAP_SEGMENT 0x2UL /* a segment entry: unshadow its page table */
#define _SHADOW_RMAP_PGTABLE 0x1UL /* a page-table entry: unshadow the page */

/* Tag of a shadow table's recorded origin: it maps a block, it shadows no table. */
#define GMAP_SHADOW_FAKE_TABLE 1UL

/**
 * gmap_find_shadow() - find a specific asce in the list of shadow tables
 * @parent:     pointer to the parent gmap
 * @asce:       ASCE for which the shadow table is created
 * @edat_level: edat level to be used for the shadow translation
 *
 * Called with @parent->shadow_lock held. A shadow that is found gets a
 * reference for the caller.
 *
 * Return: the pointer to a gmap if a shadow table with the given asce is
 * already available, ERR_PTR(-EAGAIN) if another one is just being created,
 * otherwise NULL.
 *
 * Context: @parent->shadow_lock held.
 */
struct gmap *gmap_find_shadow(struct gmap *parent, unsigned long asce, int edat_level);

/**
 * gmap_shadow_r2t() - create an empty shadow region 2 table
 * @sg:    pointer to the shadow guest address space structure
 * @saddr: faulting address in the shadow gmap
 * @r2t:   parent gmap address of the region 2 table to get shadowed (the
 *         guest-2 region-first entry value: origin, P, TF, TL)
 * @fake:  r2t references contiguous guest memory block, not a r2t
 *
 * The r2t parameter specifies the address of the source table. The pages of
 * the source table within its TF..TL range are made read-only in the parent
 * gmap address space, each with a reverse mapping, before the shadow entry
 * becomes valid. A write to the source table area @r2t will automatically
 * remove the shadow r2 table and all of its descendants.
 * Called with sg->mm's mmap_lock held for reading.
 *
 * Return: 0 if successfully shadowed or already shadowed, -EAGAIN if the shadow
 * table structure is incomplete (or another thread is shadowing the same entry,
 * or the shadow was removed meanwhile), -ENOMEM if out of memory, -EFAULT if an
 * address in the parent gmap could not be resolved, -EINVAL if @sg is no shadow.
 *
 * Context: sg->mm's mmap_lock held for reading; takes sg->guest_table_lock and parent page-table
 * locks.
 */
int gmap_shadow_r2t(struct gmap *sg, unsigned long saddr, unsigned long r2t, int fake);

/**
 * gmap_shadow_r3t() - create a shadow region 3 table
 * @sg:    pointer to the shadow guest address space structure
 * @saddr: faulting address in the shadow gmap
 * @r3t:   parent gmap address of the region 3 table to get shadowed
 * @fake:  r3t references contiguous guest memory block, not a r3t
 *
 * As gmap_shadow_r2t(), one level lower. Called with sg->mm's mmap_lock held
 * for reading.
 *
 * Return: 0 if successfully shadowed or already shadowed, -EAGAIN if the shadow
 * table structure is incomplete, -ENOMEM if out of memory, -EFAULT if an
 * address in the parent gmap could not be resolved, -EIO if the parent page
 * could not be read back from the host's swap file, -EINVAL if @sg is no shadow.
 *
 * Context: sg->mm's mmap_lock held for reading; takes sg->guest_table_lock and parent page-table
 * locks.
 */
int gmap_shadow_r3t(struct gmap *sg, unsigned long saddr, unsigned long r3t, int fake);

/**
 * gmap_shadow_sgt() - create a shadow segment table
 * @sg:    pointer to the shadow guest address space structure
 * @saddr: faulting address in the shadow gmap
 * @sgt:   parent gmap address of the segment table to get shadowed
 * @fake:  sgt references contiguous guest memory block, not a sgt
 *
 * Called with sg->mm's mmap_lock held for reading.
 *
 * Return: 0 if successfully shadowed or already shadowed, -EAGAIN if the shadow
 * table structure is incomplete, -ENOMEM if out of memory, -EFAULT if an
 * address in the parent gmap could not be resolved, -EINVAL if @sg is no shadow
 * or @sgt is a large (EDAT-2) region-third entry, which the caller shadows
 * with @fake instead.
 *
 * Context: sg->mm's mmap_lock held for reading; takes sg->guest_table_lock and parent page-table
 * locks.
 */
int gmap_shadow_sgt(struct gmap *sg, unsigned long saddr, unsigned long sgt, int fake);

/**
 * gmap_shadow_pgt_lookup() - find a shadow page table
 * @sg:             pointer to the shadow guest address space structure
 * @saddr:          the address in the shadow guest address space
 * @pgt:            parent gmap address of the page table to get shadowed
 * @dat_protection: if the pgtable is marked as protected by dat
 * @fake:           pgt references contiguous guest memory block, not a pgtable
 *
 * Called with sg->mm's mmap_lock held for reading.
 *
 * Return: 0 if the shadow page table was found and -EAGAIN if the page table
 * was not found (-EINVAL for a gmap that is no shadow).
 *
 * Context: sg->mm's mmap_lock held for reading; takes sg->guest_table_lock.
 */
int gmap_shadow_pgt_lookup(struct gmap *sg, unsigned long saddr, unsigned long *pgt,
			   int *dat_protection, int *fake);

/**
 * gmap_shadow_pgt() - instantiate a shadow page table
 * @sg:    pointer to the shadow guest address space structure
 * @saddr: faulting address in the shadow gmap
 * @pgt:   parent gmap address of the page table to get shadowed (the guest-2
 *         segment entry value: origin and P)
 * @fake:  pgt references contiguous guest memory block, not a pgtable
 *
 * The 4 KiB page that holds the 2 KiB source table is write-protected in the
 * parent with a reverse mapping before the shadow segment entry is valid.
 * Called with sg->mm's mmap_lock held for reading.
 *
 * Return: 0 if successfully shadowed or already shadowed, -EAGAIN if the shadow
 * table structure is incomplete, -ENOMEM if out of memory, -EFAULT if an
 * address in the parent gmap could not be resolved, -EINVAL if @sg is no shadow
 * or @pgt is a large (EDAT-1) segment entry.
 *
 * Context: sg->mm's mmap_lock held for reading; takes sg->guest_table_lock and parent page-table
 * locks.
 */
int gmap_shadow_pgt(struct gmap *sg, unsigned long saddr, unsigned long pgt, int fake);

/**
 * gmap_shadow_page() - create a shadow page mapping
 * @sg:    pointer to the shadow guest address space structure
 * @saddr: faulting address in the shadow gmap
 * @pte:   pte in parent gmap address space to get shadowed (guest-2's PTE
 *         value with the accumulated DAT protection OR'ed in)
 *
 * The parent page is faulted in (writable if @pte grants write access) and
 * armed with PGSTE_VSIE_BIT, so that any change of it removes the shadow PTE.
 * Called with sg->mm's mmap_lock held for reading.
 *
 * Return: 0 if successfully shadowed or already shadowed, -EAGAIN if the shadow
 * table structure is incomplete, -ENOMEM if out of memory, -EFAULT if an
 * address in the parent gmap could not be resolved, -EIO if the parent page
 * could not be read back from the host's swap file, -EINVAL if @sg is no shadow.
 *
 * Context: sg->mm's mmap_lock held for reading; takes sg->guest_table_lock and parent page-table
 * locks.
 */
int gmap_shadow_page(struct gmap *sg, unsigned long saddr, gmap_pte_t pte);

/**
 * gmap_protect_rmap() - modify access rights to memory and create an rmap
 * @sg:    pointer to the shadow guest address space structure
 * @raddr: rmap address in the shadow gmap
 * @paddr: address in the parent guest address space
 * @len:   length of the memory area to protect
 * @prot:  indicates access rights: PROT_NONE, PROT_READ or PROT_WRITE
 *
 * Each page gets @prot and PGSTE_VSIE_BIT in the parent, and a reverse mapping
 * @raddr keyed by its host address. Called with sg->mm's mmap_lock held for
 * reading.
 *
 * Return: 0 if successfully protected and the rmap was created, -ENOMEM if out
 * of memory, -EIO if a page could not be read back from the host's swap file,
 * and -EFAULT if paddr is invalid; -EINVAL for a gmap that is no
 * shadow, an unaligned @paddr or @len, or another @prot.
 *
 * Context: sg->mm's mmap_lock held for reading; takes sg->guest_table_lock and parent page-table
 * locks.
 */
int gmap_protect_rmap(struct gmap *sg, unsigned long raddr, unsigned long paddr,
		      unsigned long len, int prot);

/**
 * gmap_rmap_preload() - make sure gmap_insert_rmap() on @sg needs no allocation
 * @sg: the shadow gmap whose host_to_rmap the next insert goes to
 *
 * The analogue of radix_tree_preload(): allocates, outside any lock, what one
 * insert may need and keeps it for the calling thread until
 * gmap_rmap_preload_end(). gmap_protect_rmap() and gmap_shadow_page() do this
 * themselves; callers of gmap_insert_rmap() outside libgmap do it around their
 * locked section.
 *
 * Return: 0 or -ENOMEM.
 *
 * Context: process context, it allocates: call it before taking sg->guest_table_lock.
 */
int gmap_rmap_preload(struct gmap *sg);

/** gmap_rmap_preload_end() - give back what gmap_rmap_preload() kept and did not use */
void gmap_rmap_preload_end(void);

/**
 * gmap_insert_rmap() - add a rmap to the host_to_rmap radix tree
 * @sg:     pointer to the shadow guest address space structure
 * @vmaddr: vm address associated with the rmap
 * @rmap:   pointer to the rmap structure (from gm_malloc()); owned by @sg after
 *          the call
 *
 * Called with the sg->guest_table_lock. An rmap identical to one already listed
 * for @vmaddr is freed instead of inserted (the duplicate growth the kernel
 * fixed in 2022). A new key needs a node from gmap_rmap_preload(); without one
 * the shadow is removed whole (gmap_unshadow()), which is always safe, rather
 * than keep an entry that no rmap would tear down. Nothing happens (and @rmap
 * stays the caller's) for a NULL @rmap or a gmap that is no shadow.
 *
 * Context: sg->guest_table_lock held.
 */
void gmap_insert_rmap(struct gmap *sg, unsigned long vmaddr, struct gmap_rmap *rmap);

/**
 * gmap_idte_one() - invalidate a single region or segment table entry
 * @asce:  region or segment table *origin* + table-type bits
 * @vaddr: virtual address to identify the table entry to flush
 *
 * The invalid bit of a single region or segment table entry is set and the
 * associated TLB entries depending on the entry are flushed. The table-type of
 * the @asce identifies the portion of the @vaddr that is used as the
 * invalidation index. The table must be a shadow table (the TLBs that can hold
 * translations through it are those of its shadow gmap's mm). Called with the
 * owning sg->guest_table_lock.
 *
 * Context: the owning sg->guest_table_lock held.
 */
void gmap_idte_one(unsigned long asce, unsigned long vaddr);

/**
 * gmap_unshadow_page() - remove a page from a shadow page table
 * @sg:    pointer to the shadow guest address space structure
 * @raddr: rmap address in the shadow guest address space
 *
 * Called with the sg->guest_table_lock.
 *
 * Context: sg->guest_table_lock held.
 */
void gmap_unshadow_page(struct gmap *sg, unsigned long raddr);

/**
 * __gmap_unshadow_pgt() - remove all entries from a shadow page table
 * @sg:    pointer to the shadow guest address space structure
 * @raddr: rmap address in the shadow guest address space
 * @pgt:   pointer to the start of a shadow page table
 *
 * Called with the sg->guest_table_lock, after the segment entry that pointed
 * at @pgt was invalidated and flushed.
 *
 * Context: sg->guest_table_lock held.
 */
void __gmap_unshadow_pgt(struct gmap *sg, unsigned long raddr, unsigned long *pgt);

/**
 * gmap_unshadow_pgt() - remove a shadow page table from a segment entry
 * @sg:    pointer to the shadow guest address space structure
 * @raddr: address in the shadow guest address space
 *
 * Called with the sg->guest_table_lock. The table is freed after an RCU grace
 * period, when no lock-free walker can still be reading it.
 *
 * Context: sg->guest_table_lock held.
 */
void gmap_unshadow_pgt(struct gmap *sg, unsigned long raddr);

/**
 * __gmap_unshadow_sgt() - remove all entries from a shadow segment table
 * @sg:    pointer to the shadow guest address space structure
 * @raddr: rmap address in the shadow guest address space
 * @sgt:   pointer to the start of a shadow segment table
 *
 * Called with the sg->guest_table_lock.
 *
 * Context: sg->guest_table_lock held.
 */
void __gmap_unshadow_sgt(struct gmap *sg, unsigned long raddr, unsigned long *sgt);

/**
 * gmap_unshadow_sgt() - remove a shadow segment table from a region-3 entry
 * @sg:    pointer to the shadow guest address space structure
 * @raddr: rmap address in the shadow guest address space
 *
 * Called with the shadow->guest_table_lock.
 *
 * Context: sg->guest_table_lock held.
 */
void gmap_unshadow_sgt(struct gmap *sg, unsigned long raddr);

/**
 * __gmap_unshadow_r3t() - remove all entries from a shadow region-3 table
 * @sg:    pointer to the shadow guest address space structure
 * @raddr: address in the shadow guest address space
 * @r3t:   pointer to the start of a shadow region-3 table
 *
 * Called with the sg->guest_table_lock.
 *
 * Context: sg->guest_table_lock held.
 */
void __gmap_unshadow_r3t(struct gmap *sg, unsigned long raddr, unsigned long *r3t);

/**
 * gmap_unshadow_r3t() - remove a shadow region-3 table from a region-2 entry
 * @sg:    pointer to the shadow guest address space structure
 * @raddr: rmap address in the shadow guest address space
 *
 * Called with the sg->guest_table_lock.
 *
 * Context: sg->guest_table_lock held.
 */
void gmap_unshadow_r3t(struct gmap *sg, unsigned long raddr);

/**
 * __gmap_unshadow_r2t() - remove all entries from a shadow region-2 table
 * @sg:    pointer to the shadow guest address space structure
 * @raddr: rmap address in the shadow guest address space
 * @r2t:   pointer to the start of a shadow region-2 table
 *
 * Called with the sg->guest_table_lock.
 *
 * Context: sg->guest_table_lock held.
 */
void __gmap_unshadow_r2t(struct gmap *sg, unsigned long raddr, unsigned long *r2t);

/**
 * gmap_unshadow_r2t() - remove a shadow region-2 table from a region-1 entry
 * @sg:    pointer to the shadow guest address space structure
 * @raddr: rmap address in the shadow guest address space
 *
 * Called with the sg->guest_table_lock.
 *
 * Context: sg->guest_table_lock held.
 */
void gmap_unshadow_r2t(struct gmap *sg, unsigned long raddr);

/**
 * __gmap_unshadow_r1t() - remove all entries from a shadow region-1 table
 * @sg:    pointer to the shadow guest address space structure
 * @raddr: rmap address in the shadow guest address space
 * @r1t:   pointer to the start of a shadow region-1 table
 *
 * Called with the shadow->guest_table_lock.
 *
 * Context: sg->guest_table_lock held.
 */
void __gmap_unshadow_r1t(struct gmap *sg, unsigned long raddr, unsigned long *r1t);

/**
 * gmap_unshadow() - remove a shadow page table completely
 * @sg: pointer to the shadow guest address space structure
 *
 * Marks the shadow removed, tells the notifiers that [0, -1] is gone, purges
 * the TLBs and tears down every table below the top-level one (entries in the
 * "being created" state included). Called with sg->guest_table_lock.
 *
 * Context: sg->guest_table_lock held.
 */
void gmap_unshadow(struct gmap *sg);

/**
 * gmap_shadow_notify() - handle notifications for shadow gmap
 * @sg:     the shadow gmap
 * @vmaddr: host address of the parent page that is about to change
 * @gaddr:  the parent (guest-2) address of that page
 * @pte:    the parent's host PTE
 *
 * A change of a page of the top-level source table removes the whole shadow
 * (off the children list, the list's reference dropped); otherwise every
 * shadow entry whose reverse mapping names the page is unshadowed and the
 * rmaps are freed. Called with sg->parent->shadow_lock.
 *
 * Context: sg->parent->shadow_lock held (from ptep_notify(): also the parent PTE's page-table lock
 * and PGSTE lock); takes sg->guest_table_lock.
 */
void gmap_shadow_notify(struct gmap *sg, unsigned long vmaddr, unsigned long gaddr,
			gmap_pte_t *pte);

#ifdef __cplusplus
}
#endif

#endif /* GMAP_GMAP_LOCKED_H */
