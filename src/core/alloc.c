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

static atomic_ulong fail_countdown, also_countdown;
/* Set with a countdown; the allocation path looks only at this while nothing is armed. */
static atomic_bool armed;
static atomic_bool fault_delivered;
static atomic_int fault_site; /* enum gm_alloc_site of the delivered failure */
static atomic_long live_blocks;

const struct gm_alloc_site_info gm_alloc_sites[GM_NR_SITES] = {
	[GM_SITE_NONE] = { "NONE", "", "no failure delivered" },
	[GM_SITE_EXTERN] = { "EXTERN", "", "a caller outside the library" },
#define GM_SITE_INFO(name, file, what) [GM_SITE_##name] = { #name, file, what },
	GM_ALLOC_SITES(GM_SITE_INFO)
#undef GM_SITE_INFO
};

void gm_alloc_fail_nth(unsigned long n)
{
	atomic_store(&fault_delivered, false);
	atomic_store(&fault_site, GM_SITE_NONE);
	atomic_store(&also_countdown, 0);
	atomic_store(&fail_countdown, n);
	atomic_store(&armed, n != 0);
}

void gm_alloc_fail_also(unsigned long k)
{
	atomic_store(&also_countdown, k);
	if (k)
		atomic_store(&armed, true);
}

/* Count one allocation down on @countdown: true if it reaches the armed one. */
static bool countdown_hits(atomic_ulong *countdown)
{
	unsigned long cur = atomic_load_explicit(countdown, memory_order_relaxed);

	while (cur) {
		if (atomic_compare_exchange_weak(countdown, &cur, cur - 1))
			return cur == 1;
	}
	return false;
}

enum gm_alloc_site gm_alloc_fault_site(void)
{
	return (enum gm_alloc_site)atomic_load(&fault_site);
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
bool gm_alloc_inject(enum gm_alloc_site site)
{
	bool also;

	if (!atomic_load_explicit(&armed, memory_order_acquire))
		return false;
	also = countdown_hits(&also_countdown);
	if (countdown_hits(&fail_countdown)) {
		atomic_store(&fault_site, site);
		atomic_store(&fault_delivered, true);
		return true;
	}
	return also;
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

void *gm_malloc_at(enum gm_alloc_site site, size_t size)
{
	if (gm_alloc_inject(site))
		return NULL;
	return account(malloc(size ? size : 1));
}

void *gm_zalloc_at(enum gm_alloc_site site, size_t size)
{
	if (gm_alloc_inject(site))
		return NULL;
	return account(calloc(1, size ? size : 1));
}

void *gm_aligned_alloc_at(enum gm_alloc_site site, size_t align, size_t size)
{
	void *p;

	if (!align || (align & (align - 1)) || align < sizeof(void *))
		return NULL;
	if (gm_alloc_inject(site))
		return NULL;
	if (posix_memalign(&p, align, size ? size : 1))
		return NULL;
	return account(p);
}

void *gm_malloc(size_t size)
{
	return gm_malloc_at(GM_SITE_EXTERN, size);
}

void *gm_zalloc(size_t size)
{
	return gm_zalloc_at(GM_SITE_EXTERN, size);
}

void *gm_aligned_alloc(size_t align, size_t size)
{
	return gm_aligned_alloc_at(GM_SITE_EXTERN, align, size);
}

void gm_free(void *ptr)
{
	if (!ptr)
		return;
	atomic_fetch_sub_explicit(&live_blocks, 1, memory_order_relaxed);
	free(ptr);
}
