// SPDX-License-Identifier: GPL-2.0
/*
 * `gmap run` common helpers: the PRNG, the prefix layout, the clock, and the
 * layout lookups that need the run's state. Nothing here calls another run_*
 * file.
 */
#include <time.h>

#include "run.h"

uint64_t run_seed_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t run_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

unsigned long run_prefix(unsigned int id)
{
	return (id + 1UL) * PREFIX_AREA_SIZE;
}

double run_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void run_nap(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

/**
 * run_host_addr() - the host address that guest absolute @gaddr is mapped to now
 * @r:     the run
 * @gaddr: guest absolute address
 *
 * Return: the segment's current host address plus the offset in the segment.
 */
unsigned long run_host_addr(const struct run *r, unsigned long gaddr)
{
	return r->seg_host[gaddr >> _SEGMENT_SHIFT] + (gaddr & ~_SEGMENT_MASK);
}

/**
 * run_total_accesses() - accesses all vCPUs have done so far
 * @r: the run
 *
 * Return: the sum of the vCPUs' counters (relaxed loads: a progress figure).
 */
unsigned long run_total_accesses(struct run *r)
{
	unsigned long t = 0;

	for (unsigned int k = 0; k < r->cfg.nvcpus; k++)
		t += atomic_load_explicit(&r->vcpus[k].done, memory_order_relaxed);
	return t;
}
