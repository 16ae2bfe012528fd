/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The RCU flavour of libgmap: liburcu's "bulletproof" flavour, because a
 * library cannot ask every thread that calls it to register first.
 *
 * Not _LGPL_SOURCE: the inlined read-side fast path dereferences liburcu's
 * reader records, which the library does not allocate with the alignment their
 * type declares, and UBSan rightly objects. The out-of-line calls are cheap.
 */
#ifndef GMAP_SRC_CORE_RCU_H
#define GMAP_SRC_CORE_RCU_H

#include <urcu-bp.h>
#include <urcu/list.h>
#include <urcu/rculist.h>

#if defined(__SANITIZE_THREAD__)
#define GM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GM_TSAN 1
#endif
#endif

#ifdef GM_TSAN
#include <sanitizer/tsan_interface.h>
#endif

/*
 * liburcu is not built with ThreadSanitizer, so TSan cannot see that a
 * call_rcu() callback runs after call_rcu() was called: freeing the object in
 * the callback looks like a race with its last uses before the call.
 * rcu_handoff() just before call_rcu() and rcu_takeover() first thing in the
 * callback show TSan that order; without TSan they compile to nothing.
 */
static inline void rcu_handoff(struct rcu_head *head)
{
#ifdef GM_TSAN
	__tsan_release(head);
#else
	(void)head;
#endif
}

/*
 * Read-side sections: TSan cannot see either that a grace period ends only after
 * every section that began before it, so a lock-free reader's last look at a
 * table or a list element and the free after the grace period look like a race.
 * A reader leaves its section with gm_rcu_read_unlock(), which releases
 * gm_rcu_readers; gm_synchronize_rcu() and rcu_takeover() acquire it. (This
 * orders every earlier section, not only the ones RCU waits for: TSan then
 * misses a reader that found an object after it was unpublished, which no
 * grace period could protect anyway.)
 */
#ifdef GM_TSAN
extern char gm_rcu_readers;
#endif

/*
 * libgmap's read-side pair: gm_rcu_read_lock() ... gm_rcu_read_unlock(). The
 * lock half adds nothing to liburcu's; it exists so that a section opens and
 * closes with names of one family (and has one place to grow an annotation).
 */
static inline void gm_rcu_read_lock(void)
{
	rcu_read_lock();
}

static inline void gm_rcu_read_unlock(void)
{
#ifdef GM_TSAN
	__tsan_release(&gm_rcu_readers);
#endif
	rcu_read_unlock();
}

static inline void gm_synchronize_rcu(void)
{
	synchronize_rcu();
#ifdef GM_TSAN
	__tsan_acquire(&gm_rcu_readers);
#endif
}

static inline void rcu_takeover(struct rcu_head *head)
{
#ifdef GM_TSAN
	__tsan_acquire(head);
	__tsan_acquire(&gm_rcu_readers);
#else
	(void)head;
#endif
}

/*
 * RCU lists. liburcu's cds_list_*_rcu() publish through plain and volatile
 * accesses and, without _LGPL_SOURCE, through a store inside the uninstrumented
 * library: to TSan every initialisation of a new element then races with the
 * readers that find it. These do the same with a release store and acquire
 * loads. Updates are serialised by the caller's lock, as for liburcu's.
 */
static inline void gm_list_add_rcu(struct cds_list_head *newp, struct cds_list_head *head)
{
	newp->next = head->next;
	newp->prev = head;
	head->next->prev = newp;
	__atomic_store_n(&head->next, newp, __ATOMIC_RELEASE);
}

/* Readers on @elem may still follow elem->next, which is left intact. */
static inline void gm_list_del_rcu(struct cds_list_head *elem)
{
	elem->next->prev = elem->prev;
	__atomic_store_n(&elem->prev->next, elem->next, __ATOMIC_RELEASE);
}

/* Iterate in a read-side section; like cds_list_for_each_entry_rcu(). */
#define gm_list_for_each_entry_rcu(pos, head, member)                                     \
	for (pos = cds_list_entry(__atomic_load_n(&(head)->next, __ATOMIC_ACQUIRE),       \
				  __typeof__(*(pos)), member);                            \
	     &(pos)->member != (head);                                                    \
	     pos = cds_list_entry(__atomic_load_n(&(pos)->member.next, __ATOMIC_ACQUIRE), \
				  __typeof__(*(pos)), member))

#endif /* GMAP_SRC_CORE_RCU_H */
