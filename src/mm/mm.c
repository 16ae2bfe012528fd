// SPDX-License-Identifier: GPL-2.0
/*
 * The host address space: lifecycle and references, the mmap_lock, getters
 * and counters. Mappings are in mmap.c, host-side copies in access.c, the host
 * events in events.c.
 */
#include <errno.h>
#include <string.h>

#include <gmap/alloc.h>

#include "mm_internal.h"

struct mm_struct *mm_create(void)
{
	struct mm_struct *mm = gm_zalloc_at(GM_SITE_MM_STRUCT, sizeof(*mm));
	pthread_rwlockattr_t attr;

	if (!mm)
		return NULL;
	atomic_init(&mm->users, 1);
	mm->pgd = crst_table_alloc_at(GM_SITE_MM_PGD, _REGION3_ENTRY_EMPTY);
	if (!mm->pgd) {
		gm_free(mm);
		return NULL;
	}
	mm->asce = (unsigned long)mm->pgd | _ASCE_TYPE_REGION3 | _ASCE_TABLE_LENGTH;
	/* Host events must not starve behind a stream of faulting readers. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&mm->mmap_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	spin_lock_init(&mm->page_table_lock);
	spin_lock_init(&mm->tlb_lock);
	spin_lock_init(&mm->context.lock);
	CDS_INIT_LIST_HEAD(&mm->context.gmap_list);
	swap_init(&mm->swap);
	pthread_mutex_init(&mm->swapout_lock, NULL);
	pthread_cond_init(&mm->swapout_done, NULL);
	return mm;
}

/* The last reference is gone: unmap everything and free the address space. */
static void mm_free(struct mm_struct *mm)
{
	struct tlb_listener_set *set;

	mmap_write_lock(mm);
	for (struct vm_area_struct *v = mm->mmap; v; v = v->next)
		zap_pte_range(mm, v->vm_start, v->vm_end);
	vma_free_all(mm);
	mm_free_tables(mm);
	mmap_write_unlock(mm);
	set = mm->tlb;
	gm_synchronize_rcu();
	gm_free(set);
	crst_table_free(mm->pgd);
	swap_destroy(&mm->swap);
	pthread_cond_destroy(&mm->swapout_done);
	pthread_mutex_destroy(&mm->swapout_lock);
	spin_lock_destroy(&mm->page_table_lock);
	spin_lock_destroy(&mm->tlb_lock);
	spin_lock_destroy(&mm->context.lock);
	pthread_rwlock_destroy(&mm->mmap_lock);
	gm_free(mm);
}

struct cds_list_head *mm_gmap_list(struct mm_struct *mm)
{
	return &mm->context.gmap_list;
}

void mm_gmap_list_add(struct mm_struct *mm, struct cds_list_head *node)
{
	spin_lock(&mm->context.lock);
	gm_list_add_rcu(node, &mm->context.gmap_list);
	spin_unlock(&mm->context.lock);
}

void mm_gmap_list_del(struct mm_struct *mm, struct cds_list_head *node)
{
	spin_lock(&mm->context.lock);
	gm_list_del_rcu(node);
	spin_unlock(&mm->context.lock);
}

void mmgrab(struct mm_struct *mm)
{
	if (mm)
		atomic_fetch_add_explicit(&mm->users, 1, memory_order_relaxed);
}

void mmdrop(struct mm_struct *mm)
{
	if (mm && atomic_fetch_sub_explicit(&mm->users, 1, memory_order_acq_rel) == 1)
		mm_free(mm);
}

void mm_destroy(struct mm_struct *mm)
{
	mmdrop(mm);
}

void mmap_read_lock(struct mm_struct *mm)
{
	pthread_rwlock_rdlock(&mm->mmap_lock);
}

void mmap_read_unlock(struct mm_struct *mm)
{
	pthread_rwlock_unlock(&mm->mmap_lock);
}

void mmap_write_lock(struct mm_struct *mm)
{
	pthread_rwlock_wrlock(&mm->mmap_lock);
}

void mmap_write_unlock(struct mm_struct *mm)
{
	pthread_rwlock_unlock(&mm->mmap_lock);
}

unsigned long mm_asce(struct mm_struct *mm)
{
	/* Changes once, when the tables grow (under mmap_lock); callers may not hold it. */
	return mm ? __atomic_load_n(&mm->asce, __ATOMIC_ACQUIRE) : 0;
}

static unsigned long counter(atomic_ulong *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

void mm_get_stats(struct mm_struct *mm, struct mm_stats *s)
{
	if (!s)
		return;
	memset(s, 0, sizeof(*s));
	if (!mm)
		return;
	mmap_read_lock(mm);
	for (struct vm_area_struct *v = mm->mmap; v; v = v->next) {
		s->vmas++;
		s->mapped_bytes += v->vm_end - v->vm_start;
	}
	pthread_mutex_lock(&mm->swap.lock);
	s->swap_slots = mm->swap.nused;
	pthread_mutex_unlock(&mm->swap.lock);
	mmap_read_unlock(mm);
	s->frames = counter(&mm->count.frames);
	s->page_tables = counter(&mm->count.page_tables);
	s->crst_tables = counter(&mm->count.crst_tables) + 1;
	s->faults = counter(&mm->count.faults);
	s->zero_fills = counter(&mm->count.zero_fills);
	s->swap_ins = counter(&mm->count.swap_ins);
	s->swap_outs = counter(&mm->count.swap_outs);
	s->migrations = counter(&mm->count.migrations);
	s->discards = counter(&mm->count.discards);
	s->iptes = counter(&mm->count.iptes);
	s->notifications = counter(&mm->count.notifications);
	s->unlinks = counter(&mm->count.unlinks);
	s->lock_drops = counter(&mm->count.lock_drops);
	s->swap_write_errors = counter(&mm->swap.write_errors);
	s->swap_read_errors = counter(&mm->swap.read_errors);
	s->swap_io_resumed = counter(&mm->swap.resumed);
	s->swap_io_injected = counter(&mm->swap.injected);
}

int mm_swap_inject(struct mm_struct *mm, const struct mm_swap_inject *inj)
{
	return mm ? swap_inject(&mm->swap, inj) : -EINVAL;
}
