// SPDX-License-Identifier: GPL-2.0
/*
 * The library-wide allocator with fault injection (DESIGN §5).
 *
 * The countdown is a process-wide atomic so that an operation that spreads its
 * allocations over helper functions is covered no matter where they happen.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <gmap/alloc.h>

#include "alloc_internal.h"
#include "rcu.h"

#ifdef GM_TSAN
char gm_rcu_readers; /* see rcu.h */
#endif

static atomic_ulong fail_countdown;
static atomic_bool fault_delivered;
static atomic_long live_blocks;

void gm_alloc_fail_nth(unsigned long n)
{
	atomic_store(&fault_delivered, false);
	atomic_store(&fail_countdown, n);
}

bool gm_alloc_fault_injected(void)
{
	return atomic_load(&fault_delivered);
}

long gm_alloc_live(void)
{
	return atomic_load(&live_blocks);
}

/* True if this allocation is the one a test asked to fail. */
bool gm_alloc_inject(void)
{
	unsigned long cur = atomic_load_explicit(&fail_countdown, memory_order_relaxed);

	while (cur) {
		if (atomic_compare_exchange_weak(&fail_countdown, &cur, cur - 1)) {
			if (cur != 1)
				return false;
			atomic_store(&fault_delivered, true);
			return true;
		}
	}
	return false;
}

void gm_alloc_account(long delta)
{
	atomic_fetch_add_explicit(&live_blocks, delta, memory_order_relaxed);
}

void gm_quiesce(void)
{
	/* Deferred frees are RCU callbacks; wait until all queued ones ran. */
	rcu_barrier();
}

static void *account(void *p)
{
	if (p)
		atomic_fetch_add_explicit(&live_blocks, 1, memory_order_relaxed);
	return p;
}

void *gm_malloc(size_t size)
{
	if (gm_alloc_inject())
		return NULL;
	return account(malloc(size ? size : 1));
}

void *gm_zalloc(size_t size)
{
	if (gm_alloc_inject())
		return NULL;
	return account(calloc(1, size ? size : 1));
}

void *gm_aligned_alloc(size_t align, size_t size)
{
	void *p;

	if (!align || (align & (align - 1)) || align < sizeof(void *))
		return NULL;
	if (gm_alloc_inject())
		return NULL;
	if (posix_memalign(&p, align, size ? size : 1))
		return NULL;
	return account(p);
}

void gm_free(void *ptr)
{
	if (!ptr)
		return;
	atomic_fetch_sub_explicit(&live_blocks, 1, memory_order_relaxed);
	free(ptr);
}
