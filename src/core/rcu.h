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

static inline void rcu_takeover(struct rcu_head *head)
{
#ifdef GM_TSAN
	__tsan_acquire(head);
#else
	(void)head;
#endif
}

#endif /* GMAP_SRC_CORE_RCU_H */
