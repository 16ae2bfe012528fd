/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host address space: what the kernel's gmap gets from the rest of Linux.
 *
 * A struct mm_struct is one host process's memory: anonymous private VMAs, host
 * DAT tables in z/Architecture format rooted in a region-third ASCE (4 TiB),
 * page tables of 4 KiB whose second half holds the PGSTEs, demand faults, and
 * the host events that change PTEs: munmap, mprotect, page-out to a real swap
 * file, migration to another frame and discard. Every PTE change goes through
 * one exchange primitive that takes the PGSTE lock bit and fires the one-shot
 * notification for armed PGSTE_IN_BIT / PGSTE_VSIE_BIT before the change.
 *
 * Addresses are host virtual addresses ("vmaddr"); a frame is 4 KiB of process
 * memory and PTEs hold its pointer value.
 */
#ifndef GMAP_MM_H
#define GMAP_MM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/mman.h>

#include <gmap/dat.h>
#include <gmap/lock.h>
#include <gmap/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mm_struct;

/*
 * The host address space ends here: 8 PiB, what a region-second ASCE reaches.
 * An mm starts with a region-third table (4 TiB) and grows a region-second
 * table on top when a mapping first reaches beyond, as s390 Linux does.
 */
#define GMAP_TASK_SIZE_MAX (1UL << 53)
#define GMAP_TASK_SIZE	   GMAP_TASK_SIZE_MAX
/* mm_mmap() never picks an address below this one. */
#define GMAP_MMAP_MIN_ADDR 0x10000UL

/* fault_flags of fixup_user_fault() */
#define GMAP_FAULT_FLAG_WRITE 0x01U

/** gmap_pte_none() - the PTE was never used (no frame, no swap slot); pte_none() */
static inline bool gmap_pte_none(gmap_pte_t pte)
{
	return gmap_pte_val(pte) == GMAP_PAGE_INVALID;
}

/** gmap_pte_present() - the PTE maps a frame (valid or not); pte_present() */
static inline bool gmap_pte_present(gmap_pte_t pte)
{
	return gmap_pte_val(pte) & GMAP_PAGE_PRESENT;
}

/** gmap_pte_swap() - the PTE holds a swap entry; pte_swap() */
static inline bool gmap_pte_swap(gmap_pte_t pte)
{
	return (gmap_pte_val(pte) & (GMAP_PAGE_PROTECT | GMAP_PAGE_PRESENT)) == GMAP_PAGE_PROTECT;
}

#ifndef GMAP_NO_KERNEL_NAMES
/* The kernel's names (see <gmap/types.h> on names). */
#ifndef TASK_SIZE_MAX
#define TASK_SIZE_MAX GMAP_TASK_SIZE_MAX
#endif
#ifndef TASK_SIZE
#define TASK_SIZE TASK_SIZE_MAX
#endif
#ifndef MMAP_MIN_ADDR
#define MMAP_MIN_ADDR GMAP_MMAP_MIN_ADDR
#endif
#ifndef FAULT_FLAG_WRITE
#define FAULT_FLAG_WRITE GMAP_FAULT_FLAG_WRITE
#endif
GMAP_STATIC_ASSERT(
	TASK_SIZE_MAX == GMAP_TASK_SIZE_MAX && TASK_SIZE == GMAP_TASK_SIZE &&
		MMAP_MIN_ADDR == GMAP_MMAP_MIN_ADDR && FAULT_FLAG_WRITE == GMAP_FAULT_FLAG_WRITE,
	"a kernel name defined elsewhere differs from libgmap's: define GMAP_NO_KERNEL_NAMES");

/* The swap entry encoding of a PTE: slot in the offset field, I and P set, not present. */
#define _PAGE_SWP_SHIFT PAGE_SHIFT

static inline bool pte_none(pte_t pte)
{
	return gmap_pte_none(pte);
}

static inline bool pte_present(pte_t pte)
{
	return gmap_pte_present(pte);
}

static inline bool pte_swap(pte_t pte)
{
	return gmap_pte_swap(pte);
}
#endif /* GMAP_NO_KERNEL_NAMES */

/**
 * mm_create() - create an empty host address space
 *
 * Return: the mm, or NULL on allocation failure.
 */
struct mm_struct *mm_create(void);

/**
 * mm_destroy() - unmap everything and free the address space
 * @mm: the mm, or NULL (ignored)
 *
 * Drops the creator's reference. Every gmap created on @mm and every vCPU that
 * accessed a gmap of @mm holds a reference too, so with gmaps or vCPUs still
 * alive the teardown is deferred: it happens when the last of them lets go
 * (the last gmap_put() of a gmap, vcpu_destroy(), or the vCPU moving to a gmap
 * of another mm). Until then @mm keeps working for them; the caller must not
 * use it any more.
 *
 * Context: the caller holds none of @mm's locks and does not use @mm afterwards.
 */
void mm_destroy(struct mm_struct *mm);

/**
 * mmgrab() - take a reference that keeps @mm from being freed
 * @mm: the address space, or NULL (ignored)
 */
void mmgrab(struct mm_struct *mm);

/**
 * mmdrop() - drop a reference taken with mmgrab()
 * @mm: the address space, or NULL (ignored)
 *
 * The last reference (mm_destroy() included) unmaps everything and frees @mm:
 * the caller holds no lock of @mm and is not in an RCU read-side section.
 */
void mmdrop(struct mm_struct *mm);

/**
 * mm_mmap() - map anonymous private memory
 * @mm:    the address space
 * @addr:  0 to let the mm choose, a hint, or with MAP_FIXED the exact page-aligned address
 * @len:   length in bytes, rounded up to whole pages
 * @prot:  PROT_NONE or a combination of PROT_READ, PROT_WRITE, PROT_EXEC
 * @flags: MAP_PRIVATE | MAP_ANONYMOUS (both required), optionally MAP_FIXED,
 *         MAP_FIXED_NOREPLACE, MAP_NORESERVE
 *
 * MAP_FIXED replaces what was mapped there. Chosen addresses of mappings of 1 MiB
 * or more are 1 MiB aligned, as gmap_map_segment() needs.
 *
 * Context: takes @mm's mmap_lock for writing; the caller must not hold it.
 *
 * Return: the address, or a negative errno as unsigned long (IS_ERR_VALUE()):
 * -EINVAL for a zero length, an unaligned MAP_FIXED address, unknown prot or
 * flags, MAP_SHARED, or flags without MAP_PRIVATE or MAP_ANONYMOUS (0 among
 * them); -ENOMEM when the address space or memory is exhausted; -EEXIST for
 * MAP_FIXED_NOREPLACE over an existing mapping.
 */
unsigned long mm_mmap(struct mm_struct *mm, unsigned long addr, unsigned long len, int prot,
		      int flags);

/**
 * mm_munmap() - unmap a range
 * @mm:   the address space
 * @addr: page-aligned start
 * @len:  length, rounded up to whole pages
 *
 * Frames and swap slots are freed; page tables whose 1 MiB segment no longer
 * overlaps any mapping are freed after gmap_unlink() was told.
 *
 * Context: takes @mm's mmap_lock for writing; the caller must not hold it. Notifier and
 *          TLB-listener callbacks run on the calling thread.
 *
 * Return: 0, -EINVAL for an unaligned address, a zero length or a range beyond
 * TASK_SIZE, -ENOMEM if splitting a mapping failed to allocate.
 */
int mm_munmap(struct mm_struct *mm, unsigned long addr, unsigned long len);

/**
 * mm_mprotect() - change the protection of a mapped range
 * @mm:   the address space
 * @addr: page-aligned start
 * @len:  length, rounded up to whole pages
 * @prot: new protection
 *
 * Context: takes @mm's mmap_lock for writing; the caller must not hold it. Notifier and
 *          TLB-listener callbacks run on the calling thread.
 *
 * Return: 0, -EINVAL for bad arguments, -ENOMEM if part of the range is not
 * mapped or splitting a mapping failed to allocate (nothing changed then).
 */
int mm_mprotect(struct mm_struct *mm, unsigned long addr, unsigned long len, int prot);

/**
 * mm_read() - copy from the address space, faulting pages in
 * @mm:   the address space
 * @addr: source address
 * @buf:  destination buffer
 * @len:  byte count
 *
 * Context: takes @mm's mmap_lock for reading; the caller must not hold it.
 *
 * Return: 0, -EFAULT if part of the range is not mapped readable, -ENOMEM, -EIO.
 */
int mm_read(struct mm_struct *mm, unsigned long addr, void *buf, size_t len);

/**
 * mm_write() - copy into the address space, faulting pages in writable
 * @mm:   the address space
 * @addr: destination address
 * @buf:  source buffer
 * @len:  byte count
 *
 * Context: takes @mm's mmap_lock for reading; the caller must not hold it.
 *
 * Return: 0, -EFAULT if part of the range is not mapped writable, -ENOMEM, -EIO.
 */
int mm_write(struct mm_struct *mm, unsigned long addr, const void *buf, size_t len);

/**
 * mm_page_out() - write a page to the swap file and free its frame
 * @mm:   the address space
 * @addr: address in the page
 *
 * Context: takes @mm's mmap_lock for reading; the caller must not hold it.
 *
 * Return: 0, -EFAULT outside a mapping, -ENOENT if the page has no frame,
 * -ENOMEM, -EIO or -ENOSPC (its filesystem is full) if the swap file could not
 * be written: then the page stays resident with its contents and PTE, the slot
 * is given back, and a later page-out may succeed.
 */
int mm_page_out(struct mm_struct *mm, unsigned long addr);

/**
 * mm_migrate_page() - move a page's contents to a new frame
 * @mm:   the address space
 * @addr: address in the page
 *
 * Context: takes @mm's mmap_lock for reading; the caller must not hold it.
 *
 * Return: 0, -EFAULT outside a mapping, -ENOENT if the page has no frame, -ENOMEM.
 */
int mm_migrate_page(struct mm_struct *mm, unsigned long addr);

/**
 * mm_discard() - drop the contents of a range (MADV_DONTNEED)
 * @mm:   the address space
 * @addr: page-aligned start
 * @len:  length, rounded up to whole pages
 *
 * The next touch of a discarded page gives zeroes.
 *
 * Context: takes @mm's mmap_lock for reading; the caller must not hold it.
 *
 * Return: 0, -EINVAL for bad arguments, -ENOMEM if part of the range is not mapped.
 */
int mm_discard(struct mm_struct *mm, unsigned long addr, unsigned long len);

/**
 * fixup_user_fault() - resolve a host fault as Linux would
 * @mm:          the address space; the caller holds mmap_read_lock()
 * @addr:        faulting address
 * @fault_flags: FAULT_FLAG_WRITE for a write fault
 * @unlocked:    NULL, or where to report that mmap_lock was dropped and retaken
 *
 * Maps a zeroed frame on first touch, reads a swapped-out page back into a new
 * frame, makes a read-only PTE writable on a write fault. With @unlocked given,
 * swap-in drops mmap_lock while it reads the swap file and then sets *@unlocked:
 * whatever the caller looked up under the lock may have changed.
 *
 * Context: mmap_lock held for reading; with @unlocked given it may be dropped and retaken.
 *          Takes the page-table lock, so the caller holds no spinlock.
 *
 * Return: 0, -EFAULT outside a mapping or against its protection, -ENOMEM, -EIO
 * if the swap file could not be read (the page stays swapped out, its slot and
 * data kept: a retry may succeed).
 */
int fixup_user_fault(struct mm_struct *mm, unsigned long addr, unsigned int fault_flags,
		     bool *unlocked);

/*
 * The mmap_lock, with the kernel's names. It is not recursive and prefers writers:
 * a thread that holds it, for reading too, must not take it again (with a writer
 * waiting in between, both would wait forever). Functions documented with
 * "takes mmap_lock" are therefore called without it.
 */
void mmap_read_lock(struct mm_struct *mm);
void mmap_read_unlock(struct mm_struct *mm);
void mmap_write_lock(struct mm_struct *mm);
void mmap_write_unlock(struct mm_struct *mm);

/**
 * mm_asce() - the ASCE of the host DAT tables
 * @mm: the address space
 *
 * Return: a region-third ASCE; dat_translate_native() over it translates host
 * virtual addresses to frames. 0 for a NULL @mm.
 */
unsigned long mm_asce(struct mm_struct *mm);

/**
 * mm_lookup_pte() - read the PTE that maps @addr
 * @mm:   the address space
 * @addr: host virtual address
 *
 * Context: the caller holds mmap_lock (for reading is enough), or is the only thread that
 *          unmaps and destroys @mm: the walk reads the host page table without a lock, and
 *          mm_munmap() frees page tables under mmap_lock held for writing. The value is a
 *          snapshot; the PTE may change at once.
 *
 * Return: the PTE value, or _PAGE_INVALID if no page table exists or @mm is NULL.
 */
unsigned long mm_lookup_pte(struct mm_struct *mm, unsigned long addr);

/**
 * mm_lookup_pgste() - read the PGSTE of the PTE that maps @addr
 * @mm:   the address space
 * @addr: host virtual address
 *
 * Context: as mm_lookup_pte(): the caller holds mmap_lock (for reading is enough).
 *
 * Return: the PGSTE value (a snapshot), or 0 if no page table exists or @mm is NULL.
 */
unsigned long mm_lookup_pgste(struct mm_struct *mm, unsigned long addr);

/** struct mm_stats - counters of one address space */
struct mm_stats {
	unsigned long vmas;	    /* current number of mappings */
	unsigned long mapped_bytes; /* bytes covered by mappings */
	unsigned long frames;	    /* frames in use */
	unsigned long page_tables;  /* host page tables in use */
	unsigned long crst_tables;  /* host region and segment tables in use */
	unsigned long swap_slots;   /* pages in the swap file */
	unsigned long faults;	    /* fixup_user_fault() calls that changed a PTE */
	unsigned long zero_fills;   /* first touches */
	unsigned long swap_ins;
	unsigned long swap_outs;
	unsigned long migrations;
	unsigned long discards;		 /* pages discarded */
	unsigned long iptes;		 /* valid PTEs invalidated (TLB purges) */
	unsigned long notifications;	 /* ptep_notify calls */
	unsigned long unlinks;		 /* page tables freed, gmap_unlink calls */
	unsigned long lock_drops;	 /* faults that dropped mmap_lock */
	unsigned long swap_write_errors; /* page-outs that could not write (the page stayed) */
	unsigned long swap_read_errors;	 /* swap-ins that could not read (-EIO, slot kept) */
	unsigned long swap_io_resumed;	 /* short transfers and EINTRs continued */
	unsigned long swap_io_injected;	 /* swap I/O calls mm_swap_inject() made misbehave */
};

/* ---- swap-file fault injection (tests, `gmap run --swap-error-rate`) ------------------------- */

/** enum mm_swap_fault - what an injected swap I/O call does */
enum mm_swap_fault {
	MM_SWAP_FAULT_EIO = 1,	/* fails with EIO */
	MM_SWAP_FAULT_ENOSPC,	/* fails with ENOSPC: the swap file's filesystem is full */
	MM_SWAP_FAULT_SHORT,	/* transfers part of the page and reports it (resumed) */
	MM_SWAP_FAULT_EINTR,	/* fails with EINTR, nothing transferred (resumed) */
	MM_SWAP_FAULT_ZERO,	/* transfers nothing and reports 0 (end of file): an I/O error */
	MM_SWAP_FAULT_FILLS_UP, /* transfers part, and the next call (the rest) gets ENOSPC */
};

#define MM_SWAP_INJECT_READ  0x1U /* count the swap file's preads */
#define MM_SWAP_INJECT_WRITE 0x2U /* count its pwrites */

/**
 * struct mm_swap_inject - which swap I/O calls misbehave, and how
 * @calls:       MM_SWAP_INJECT_READ and/or MM_SWAP_INJECT_WRITE: the calls counted
 * @nth:         if > 0, the @nth counted call from now does @fault (once), and then
 *               @nth + 1 ... @nth + @count - 1 do it too
 * @count:       calls that do @fault from the @nth on (0 counts as 1)
 * @fault:       what they do
 * @per_million: if @nth is 0: each counted call misbehaves with this probability
 *               (parts per million, at most 1000000), doing a fault drawn from
 *               EIO, short transfer, EINTR and, for writes, ENOSPC
 * @seed:        seed of the random generator for @per_million
 * @delay_ns:    each counted call first waits this long: a slow disk (alone, or
 *               with the faults above)
 */
struct mm_swap_inject {
	unsigned int calls;
	unsigned long nth, count;
	enum mm_swap_fault fault;
	unsigned int per_million;
	unsigned long seed;
	unsigned long delay_ns;
};

/**
 * mm_swap_inject() - make the swap file's reads and writes fail on purpose
 * @mm:  the address space
 * @inj: what to inject; NULL turns injection off
 *
 * A test hook: the Nth pread()/pwrite() of the swap file (or each with a seeded
 * probability) fails or transfers less. Short transfers and EINTR are resumed
 * by the swap code; the other faults reach the operation: mm_page_out() gives
 * -EIO or -ENOSPC and keeps the page, a swap-in gives -EIO and keeps the slot.
 * The counters of struct mm_stats show what happened.
 *
 * Context: any; it does not wait for I/O in flight, which may or may not see the change.
 *
 * Return: 0, or -EINVAL for a NULL @mm, unknown @calls bits or @fault, a
 * @per_million above 1000000, or a @delay_ns of a second or more.
 */
int mm_swap_inject(struct mm_struct *mm, const struct mm_swap_inject *inj);

/**
 * mm_get_stats() - snapshot the counters of @mm
 * @mm:    the address space; NULL gives all-zero counters
 * @stats: where to store them; NULL is ignored
 *
 * Context: takes @mm's mmap_lock for reading; the caller must not hold it.
 */
void mm_get_stats(struct mm_struct *mm, struct mm_stats *stats);

/* ---- page-table access for the gmap layer -------------------------------------------------- */

struct cds_list_head;

/**
 * mm_gmap_list() - the RCU list of the gmaps of @mm (the kernel's mm->context.gmap_list)
 * @mm: the address space
 *
 * Walk it with gm_list_for_each_entry_rcu() inside an RCU read-side section.
 *
 * Return: the list head.
 */
struct cds_list_head *mm_gmap_list(struct mm_struct *mm);

/**
 * mm_gmap_list_add() - add a gmap's node to mm_gmap_list()
 * @mm:   the address space
 * @node: the gmap's list node, not on any list
 *
 * Takes the list's lock (the kernel's mm->context.lock); no lock held by the caller.
 */
void mm_gmap_list_add(struct mm_struct *mm, struct cds_list_head *node);

/**
 * mm_gmap_list_del() - remove a gmap's node from mm_gmap_list()
 * @mm:   the address space
 * @node: the gmap's list node
 *
 * Lock-free readers may still see the node until a grace period has passed.
 */
void mm_gmap_list_del(struct mm_struct *mm, struct cds_list_head *node);

/**
 * pmd_lock() - lock the host segment entry @pmd against concurrent population
 * @mm:  the address space
 * @pmd: a host segment-table entry (mm_segment_entry())
 *
 * Return: the lock, held; release it with spin_unlock().
 */
gmap_spinlock_t *pmd_lock(struct mm_struct *mm, unsigned long *pmd);

/**
 * mm_discard_mapped() - discard the pages of [@start, @end) that lie in mappings
 * @mm:    the address space; the caller holds mmap_lock
 * @start: page-aligned start
 * @end:   page-aligned end (exclusive)
 *
 * Like mm_discard() without its checks, for a range that may have holes.
 */
void mm_discard_mapped(struct mm_struct *mm, unsigned long start, unsigned long end);

/**
 * mm_segment_entry() - the host segment-table entry for @addr
 * @mm:   the address space; caller holds mmap_lock
 * @addr: host virtual address
 *
 * Context: mmap_lock held; the entry may change under it (host faults populate it under the
 *          mm's page-table lock), the table it is in stays.
 *
 * Return: pointer to the entry, or NULL if the region-third entry is invalid.
 */
unsigned long *mm_segment_entry(struct mm_struct *mm, unsigned long addr);

/**
 * mm_pte_table_hint() - name the host page table the next host walks of this thread will want
 * @mm: the address space
 * @pt: a host page table of @mm (a linked gmap segment entry's origin), or NULL to forget
 *
 * A fault on a populated page walks the host tables to the PTE; for a large
 * address space each touched segment's walk ends in a segment table of its own,
 * a cache and TLB miss away. A caller that already knows the page table (the
 * gmap from its linked segments) names it here, and the walks of
 * fixup_user_fault() on this thread take it instead, for an address of the
 * segment that @pt maps, as long as no page table of @mm was freed meanwhile
 * (mmap_lock dropped and taken again). The result is the walk's, only cheaper.
 * Forget the hint (@pt NULL) before dropping mmap_lock for good.
 *
 * Context: mmap_lock held; @pt designated by a valid segment entry of @mm.
 */
void mm_pte_table_hint(struct mm_struct *mm, unsigned long *pt);

/**
 * pte_lockptr() - the lock of the host page table that holds @ptep
 * @mm:   the address space
 * @ptep: any entry of a host page table
 *
 * Context: mmap_lock held, so that @ptep's page table stays.
 *
 * Return: the page table's lock.
 */
gmap_spinlock_t *pte_lockptr(struct mm_struct *mm, gmap_pte_t *ptep);

/**
 * pte_table_vmaddr() - first host address mapped by the page table holding @ptep
 * @ptep: any entry of a host page table
 *
 * Context: mmap_lock held, so that @ptep's page table stays.
 *
 * Return: the 1 MiB aligned host address the table maps.
 */
unsigned long pte_table_vmaddr(gmap_pte_t *ptep);

/**
 * get_locked_pte() - find or create the PTE for @addr and lock its table
 * @mm:   the address space; caller holds mmap_lock
 * @addr: host virtual address
 * @ptl:  receives the page-table lock, held on success
 *
 * Context: mmap_lock held; may allocate, so no spinlock held. Returns with *@ptl held.
 *
 * Return: the PTE, or NULL on allocation failure.
 */
gmap_pte_t *get_locked_pte(struct mm_struct *mm, unsigned long addr, gmap_spinlock_t **ptl);

/**
 * pte_unmap_unlock() - release the page-table lock taken by get_locked_pte()
 *
 * Context: @ptl held, from get_locked_pte().
 */
void pte_unmap_unlock(gmap_pte_t *ptep, gmap_spinlock_t *ptl);

/**
 * pgste_get_lock() - take the PGSTE lock bit of @ptep's PGSTE
 * @ptep: entry of a page table with PGSTEs
 *
 * Context: the caller holds the page-table lock of @ptep's table (for a shadow PTE, its
 *          shadow's guest_table_lock); the PGSTE lock is the innermost lock.
 *
 * Return: the PGSTE value (with PGSTE_PCL_BIT set).
 */
unsigned long pgste_get_lock(gmap_pte_t *ptep);

/**
 * pgste_set_unlock() - store @pgste (lock bit cleared) and release the lock
 *
 * Context: @ptep's PGSTE lock held, from pgste_get_lock().
 */
void pgste_set_unlock(gmap_pte_t *ptep, unsigned long pgste);

/**
 * ptep_xchg_direct() - replace a host PTE, notifying and purging first
 * @mm:   the address space
 * @addr: host address the PTE maps
 * @ptep: the PTE; the caller holds its page-table lock
 * @new_pte: the new value (@new in the kernel, a keyword in C++)
 *
 * The one primitive through which host PTEs change: armed notify bits are
 * cleared and reported through the gmap hooks, a valid old PTE is invalidated
 * and the TLB listeners purge it, then @new_pte is stored.
 *
 * Context: mmap_lock and @ptep's page-table lock held; takes the PGSTE lock. Notifier and
 *          TLB-listener callbacks run inside, with these locks held.
 *
 * Return: the old value.
 */
gmap_pte_t ptep_xchg_direct(struct mm_struct *mm, unsigned long addr, gmap_pte_t *ptep,
			    gmap_pte_t new_pte);

/**
 * ptep_force_prot() - restrict a PTE and arm notification bits
 * @mm:   the address space
 * @addr: address (only the page index is used for the purge)
 * @ptep: the PTE; the caller holds its page-table lock
 * @prot: PROT_NONE (invalidate), PROT_READ (write-protect) or PROT_WRITE (arm only)
 * @bit:  PGSTE_IN_BIT and/or PGSTE_VSIE_BIT to arm
 *
 * Context: mmap_lock and @ptep's page-table lock held; takes the PGSTE lock.
 *
 * Return: 0, or -EAGAIN if the PTE is invalid and @prot is not PROT_NONE, or
 * protected and @prot asks for write access: fault the page in first.
 */
int ptep_force_prot(struct mm_struct *mm, unsigned long addr, gmap_pte_t *ptep, int prot,
		    unsigned long bit);

/**
 * ptep_shadow_pte() - fill a shadow PTE from the parent's PTE
 * @mm:    the address space
 * @saddr: the shadow address
 * @sptep: the source (parent) PTE; caller holds its page-table lock
 * @tptep: the target shadow PTE
 * @pte:   guest-2's PTE value (with the accumulated DAT protection)
 *
 * Arms PGSTE_VSIE_BIT of the source so that any change of it unshadows.
 *
 * Context: mmap_lock, @sptep's page-table lock and the shadow's guest_table_lock held, as
 *          gmap_shadow_page() holds them; takes both PGSTE locks.
 *
 * Return: 1 if the shadow PTE was filled, 0 if it was already valid, -EAGAIN if
 * the source is invalid, or read-only while guest-2 grants write access.
 */
int ptep_shadow_pte(struct mm_struct *mm, unsigned long saddr, gmap_pte_t *sptep, gmap_pte_t *tptep,
		    gmap_pte_t pte);

/**
 * ptep_unshadow_pte() - invalidate a shadow PTE and purge it from TLBs
 * @mm:    the address space
 * @saddr: the shadow address
 * @ptep:  the shadow PTE
 *
 * Context: the shadow's guest_table_lock held; takes the PGSTE lock.
 */
void ptep_unshadow_pte(struct mm_struct *mm, unsigned long saddr, gmap_pte_t *ptep);

/**
 * ptep_set_notify() - arm PGSTE_IN_BIT for @ptep
 * @mm:   the address space
 * @addr: host address
 * @ptep: the PTE; the caller holds its page-table lock
 *
 * Context: mmap_lock and @ptep's page-table lock held; takes the PGSTE lock.
 */
void ptep_set_notify(struct mm_struct *mm, unsigned long addr, gmap_pte_t *ptep);

/**
 * struct mm_gmap_ops - the upward calls of the host mm, installed by the gmap layer
 * @ptep_notify: an armed PTE is about to change; @bits are the notify bits that were set
 * @unlink:      the host page table @table that maps @vmaddr is about to be freed
 */
struct mm_gmap_ops {
	void (*ptep_notify)(struct mm_struct *mm, unsigned long vmaddr, gmap_pte_t *ptep,
			    unsigned long bits);
	void (*unlink)(struct mm_struct *mm, unsigned long *table, unsigned long vmaddr);
};

/** mm_set_gmap_ops() - install the gmap hooks of @mm (NULL removes them) */
void mm_set_gmap_ops(struct mm_struct *mm, const struct mm_gmap_ops *ops);

/**
 * mm_allow_gmap_hpage_1m() - record that @mm's gmaps may use 1 MiB host segments
 * @mm: the address space (NULL is ignored)
 *
 * The capability KVM_CAP_S390_HPAGE_1M enables. libgmap's host still maps
 * 4 KiB pages; what the flag changes is what the kernel changes for vSIE:
 * gmap_shadow() refuses to shadow a gmap of such an mm (-EFAULT). It cannot be
 * withdrawn, as in KVM.
 */
void mm_allow_gmap_hpage_1m(struct mm_struct *mm);

/** mm_gmap_hpage_1m() - true if mm_allow_gmap_hpage_1m() was called for @mm */
bool mm_gmap_hpage_1m(struct mm_struct *mm);

/**
 * struct mm_tlb_listener - a TLB that must forget translations when they change
 * @ipte:      a PTE that was valid has been invalidated (IPTE); @ptep identifies it
 *             and still holds the old frame, with the invalid bit set
 * @flush_all: everything derived from @asce must go (IDTE clearing-by-ASCE)
 * @sync:      optional (NULL: none); called for every listener after the @ipte or
 *             @flush_all callbacks of one purge have run for all of them, on the
 *             same thread: where a TLB waits for its users, so that work shared by
 *             the listeners of one purge (one process-wide barrier) is done once
 *
 * Callbacks run with the page-table lock and PGSTE lock held and must not block.
 * Embed the listener in the TLB's own structure.
 */
struct mm_tlb_listener {
	void (*ipte)(struct mm_tlb_listener *l, struct mm_struct *mm, unsigned long addr,
		     gmap_pte_t *ptep);
	void (*flush_all)(struct mm_tlb_listener *l, struct mm_struct *mm, unsigned long asce);
	void (*sync)(struct mm_tlb_listener *l, struct mm_struct *mm);
};

/**
 * mm_register_tlb_listener() - subscribe @l to the purges of @mm
 * @mm: the address space
 * @l:  the listener, not yet subscribed
 *
 * Ends with a sequentially consistent fence, the registering half of a Dekker
 * pairing with the IPTE: a PTE that the caller reads after this returns is
 * either the one an IPTE replaced, or that IPTE calls @l.
 *
 * Context: allocates; not from a TLB-listener callback.
 *
 * Return: 0, -EINVAL for a NULL argument, or -ENOMEM.
 */
int mm_register_tlb_listener(struct mm_struct *mm, struct mm_tlb_listener *l);

/**
 * mm_unregister_tlb_listener() - unsubscribe @l
 * @mm: the address space (NULL is ignored)
 * @l:  a subscribed listener
 *
 * Never allocates, so it cannot fail or wait for memory. Returns after no
 * callback runs on @l any more.
 *
 * Context: waits for an RCU grace period, so the caller holds no libgmap lock. Not from a
 *          notifier or TLB-listener callback, nor in an RCU read-side section.
 */
void mm_unregister_tlb_listener(struct mm_struct *mm, struct mm_tlb_listener *l);

/**
 * mm_flush_asce() - tell every TLB listener to drop what it derived from @asce
 *
 * A NULL @mm has no listeners.
 *
 * Context: any; the listeners' callbacks run on the calling thread.
 */
void mm_flush_asce(struct mm_struct *mm, unsigned long asce);

#ifdef __cplusplus
}
#endif

#endif /* GMAP_MM_H */
