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
 * if out of memory and -EFAULT if anything goes wrong while fixing up or
 * connecting the gmap page table.
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

#ifdef __cplusplus
}
#endif

#endif /* GMAP_GMAP_LOCKED_H */
