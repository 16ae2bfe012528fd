/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inside of struct mm_struct, shared by the files of src/mm only: the gmap
 * layer above uses the accessors of <gmap/mm.h> (mm_gmap_list(), pmd_lock(), ...).
 */
#ifndef GMAP_SRC_MM_INTERNAL_H
#define GMAP_SRC_MM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <gmap/mm.h>

#include "core/alloc_internal.h"
#include "core/rcu.h"
#include "core/pool.h"
#include "dat/table_internal.h"

struct vm_area_struct {
	unsigned long vm_start, vm_end; /* [vm_start, vm_end) */
	int prot;
	struct vm_area_struct *next; /* sorted by address */
};

/* mm_swap_inject() state, under swap_file.lock; @on is read without it. */
struct swap_inject_state {
	atomic_bool on;
	unsigned int calls;	  /* MM_SWAP_INJECT_READ | MM_SWAP_INJECT_WRITE */
	unsigned long countdown;  /* > 0: the countdown-th counted call does @fault */
	unsigned long repeat;	  /* calls from there on that do it */
	enum mm_swap_fault fault; /* for the countdown */
	unsigned int per_million; /* else: each counted call fails with this probability */
	unsigned long delay_ns;	  /* each counted call waits this long first */
	uint64_t rng;
};

struct swap_file {
	pthread_mutex_t lock;
	int fd;		     /* -1 until the first page-out */
	unsigned long *used; /* bitmap of slots in use */
	unsigned long *gen;  /* per slot: bumped when the slot is freed */
	unsigned long nslots, nused;
	unsigned long first_free; /* words below it have no free slot */
	struct swap_inject_state inject;
	/* What the swap file's I/O went through (mm_stats). */
	atomic_ulong read_errors, write_errors, resumed, injected;
};

/* The s390 mm_context_t fields the gmap code uses, through mm_gmap_list() and friends. */
struct mm_context {
	struct cds_list_head gmap_list; /* RCU list of the gmaps of this mm */
	spinlock_t lock;		/* protects gmap_list updates */
	bool allow_gmap_hpage_1m;	/* KVM_CAP_S390_HPAGE_1M: vSIE is refused */
};

struct tlb_listener_set {
	struct rcu_head rcu;
	unsigned int n;			     /* slots; fixed once published */
	struct mm_tlb_listener *_Atomic l[]; /* NULL: unsubscribed */
};

struct mm_counters {
	atomic_ulong frames, page_tables, crst_tables;
	atomic_ulong faults, zero_fills, swap_ins, swap_outs, migrations, discards;
	atomic_ulong iptes, notifications, unlinks, lock_drops;
};

struct mm_struct {
	atomic_long users; /* mm_destroy()'s reference, one per gmap and per subscribed vCPU */
	/* Faults that found a page-out in flight wait here (swapout_wait()). */
	pthread_mutex_t swapout_lock;
	pthread_cond_t swapout_done;
	pthread_rwlock_t mmap_lock;
	spinlock_t page_table_lock; /* populating region-third entries and segment entries */
	unsigned long *pgd;	    /* the top table: region-third, or region-second once grown */
	unsigned long asce;
	struct vm_area_struct *mmap; /* VMAs, sorted; changed under mmap_lock (write) */
	unsigned long map_count;
	struct swap_file swap;
	struct mm_context context;
	const struct mm_gmap_ops *_Atomic gmap_ops;
	struct tlb_listener_set *_Atomic tlb; /* RCU-published */
	spinlock_t tlb_lock;		      /* serialises listener updates */
	struct mm_counters count;
};

static inline void mm_count(atomic_ulong *c, long delta)
{
	atomic_fetch_add_explicit(c, (unsigned long)delta, memory_order_relaxed);
}

/* ---- vma.c ---- */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr);
bool vma_range_mapped(struct mm_struct *mm, unsigned long start, unsigned long end);
bool vma_overlaps(struct mm_struct *mm, unsigned long start, unsigned long end);
unsigned long vma_find_gap(struct mm_struct *mm, unsigned long len, unsigned long align);
/* For callers that must not fail after they changed something: allocate, then link. */
struct vm_area_struct *vma_alloc(enum gm_alloc_site site);
void vma_link(struct mm_struct *mm, struct vm_area_struct *v, unsigned long start,
	      unsigned long end, int prot);
int vma_remove_range(struct mm_struct *mm, unsigned long start, unsigned long end);
int vma_protect_range(struct mm_struct *mm, unsigned long start, unsigned long end, int prot);
void vma_free_all(struct mm_struct *mm);

/* ---- pgtable.c ---- */
pte_t *mm_pte_lookup(struct mm_struct *mm, unsigned long addr);
pte_t *mm_pte_alloc(struct mm_struct *mm, unsigned long addr);
void mm_free_page_table(struct mm_struct *mm, unsigned long *segment_entry, unsigned long vmaddr);
void mm_free_tables(struct mm_struct *mm);
/* The end of what the mm's tables reach: 4 TiB, or TASK_SIZE once grown. */
unsigned long mm_table_limit(const struct mm_struct *mm);
/*
 * The segment table for @addr, or NULL; then *@next is where the next table that
 * may exist starts (the end of the absent region-second or region-third entry; 0
 * beyond the tables).
 */
unsigned long *mm_segment_table_next(struct mm_struct *mm, unsigned long addr, unsigned long *next);
/* Put region-second table @upper on top of the region-third one; mmap_lock held for writing. */
void mm_grow_tables(struct mm_struct *mm, unsigned long *upper);
pte_t ptep_xchg_notify(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t new,
		       bool notify);
void mm_tlb_ipte(struct mm_struct *mm, unsigned long addr, pte_t *ptep);
/* Called for each PTE of a range with its page-table lock held. */
typedef void (*pte_fn)(struct mm_struct *mm, unsigned long addr, pte_t *ptep, void *arg);
/* Run @fn on every PTE of [start, end) (page aligned) that has a page table. */
void mm_for_each_pte_locked(struct mm_struct *mm, unsigned long start, unsigned long end, pte_fn fn,
			    void *arg);

/* PTE encodings of the host. */
static inline bool prot_readable(int prot)
{
	return prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
}

/*
 * A present PTE with the hardware bits derived from the software ones: invalid
 * unless readable, protected unless writable and dirty (so the first store of a
 * clean page faults, as Linux tracks dirtiness on s390).
 */
static inline unsigned long mk_pte(unsigned long frame, int prot, bool dirty)
{
	unsigned long pte = frame | _PAGE_PRESENT | _PAGE_YOUNG;

	if (prot_readable(prot))
		pte |= _PAGE_READ;
	else
		pte |= _PAGE_INVALID;
	if (prot & PROT_WRITE)
		pte |= _PAGE_WRITE;
	if (dirty)
		pte |= _PAGE_DIRTY;
	if (!((prot & PROT_WRITE) && dirty))
		pte |= _PAGE_PROTECT;
	return pte;
}

static inline unsigned long pte_frame(unsigned long pte)
{
	return pte & PAGE_MASK;
}

static inline unsigned long mk_swap_pte(unsigned long slot)
{
	return (slot << _PAGE_SWP_SHIFT) | _PAGE_INVALID | _PAGE_PROTECT;
}

static inline unsigned long pte_swap_slot(unsigned long pte)
{
	return pte >> _PAGE_SWP_SHIFT;
}

/*
 * A page whose frame a page-out is writing to the swap file, with the
 * page-table lock dropped: frame | _PAGE_INVALID | _PAGE_SWAPOUT. Not present,
 * not a swap entry, not none. The frame belongs to the page-out until it takes
 * the lock again: a fault waits for it (swapout_wait()), migration and another
 * page-out find no frame, a zap only empties the PTE and leaves the frame to
 * the page-out, which sees the change and frees it. munmap and mprotect need
 * mmap_lock for writing, which the page-out holds for reading.
 */
#define _PAGE_SWAPOUT _PAGE_UNUSED

static inline unsigned long mk_swapout_pte(unsigned long frame)
{
	return frame | _PAGE_INVALID | _PAGE_SWAPOUT;
}

static inline bool pte_swapout(unsigned long pte)
{
	return (pte & (_PAGE_PRESENT | _PAGE_PROTECT | _PAGE_SWAPOUT)) == _PAGE_SWAPOUT;
}

static inline unsigned long page_align(unsigned long len)
{
	return (len + PAGE_SIZE - 1) & PAGE_MASK;
}

/* Validate the mm and a range, page-aligning its length; 0 or -EINVAL. */
static inline int check_range(struct mm_struct *mm, unsigned long addr, unsigned long *len)
{
	if (!mm || addr & ~PAGE_MASK || !*len || *len > TASK_SIZE)
		return -EINVAL;
	*len = page_align(*len);
	if (addr > TASK_SIZE - *len)
		return -EINVAL;
	return 0;
}

static inline unsigned long pte_load(pte_t *ptep)
{
	return __atomic_load_n(&ptep->pte, __ATOMIC_ACQUIRE);
}

/* ---- swap.c ---- */
void swap_init(struct swap_file *sf);
void swap_destroy(struct swap_file *sf);
int swap_slot_alloc(struct swap_file *sf, unsigned long *slot);
void swap_slot_free(struct swap_file *sf, unsigned long slot);
unsigned long swap_slot_gen(struct swap_file *sf, unsigned long slot);
/* 0, or -EIO / -ENOSPC (write) and -EIO (read); short transfers and EINTR are resumed. */
int swap_write(struct swap_file *sf, unsigned long slot, const void *page);
int swap_read(struct swap_file *sf, unsigned long slot, void *page);
int swap_inject(struct swap_file *sf, const struct mm_swap_inject *inj);

/* ---- fault.c / events.c ---- */
void zap_pte_range(struct mm_struct *mm, unsigned long start, unsigned long end);
void swapout_wait(struct mm_struct *mm, pte_t *ptep, unsigned long pte);
void swapout_wake(struct mm_struct *mm);

/*
 * Test hooks at the points where swap I/O runs without the page-table lock
 * (tests/mm/test_swapout_race.c). SWAP_HOOK_WRITE: a page-out marked the PTE
 * of @addr in transit and is about to write, holding mmap_lock for reading and
 * no spinlock. SWAP_HOOK_WAIT: a fault found @addr in transit and is about to
 * wait, with mm->swapout_lock held (the hook may only signal). SWAP_HOOK_READ:
 * a swap-in is about to read with the page-table lock dropped (mmap_lock held
 * unless the fault was allowed to drop it).
 */
enum swap_hook_point { SWAP_HOOK_WRITE, SWAP_HOOK_WAIT, SWAP_HOOK_READ };
typedef void (*swap_hook_fn)(struct mm_struct *mm, enum swap_hook_point point, unsigned long addr);
extern swap_hook_fn _Atomic swap_test_hook;

static inline void swap_hook(struct mm_struct *mm, enum swap_hook_point point, unsigned long addr)
{
	swap_hook_fn fn = atomic_load_explicit(&swap_test_hook, memory_order_acquire);

	if (fn)
		fn(mm, point, addr);
}

#endif /* GMAP_SRC_MM_INTERNAL_H */
