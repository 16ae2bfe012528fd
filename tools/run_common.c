// SPDX-License-Identifier: GPL-2.0
/*
 * `gmap run` common helpers: the PRNG, the prefix layout, the clock, the
 * layout lookups that need the run's state, and what the guest-2 and the
 * guest-3 workloads share (spans, fill bytes, own pages, the host's read-only
 * interval). Nothing here calls another run_*
 * file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

double run_thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
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

/* ---- the reference model: sparse, a page exists once it has been written ---- */

static const unsigned char zero_page[PAGE_SIZE];

/**
 * run_model() - what data page @d must hold, from its owner's model
 * @r: the run
 * @d: data page
 *
 * Return: PAGE_SIZE bytes, zeroes for a page the model does not hold.
 */
const unsigned char *run_model(const struct run *r, unsigned long d)
{
	const unsigned char *p = r->vcpus[d % r->cfg.nvcpus].ref[d / r->cfg.nvcpus];

	return p ? p : zero_page;
}

/**
 * run_model_for_write() - the model page of data page @d, allocated if need be
 * @v: the vCPU that owns @d (only it writes its model)
 * @d: data page
 *
 * Return: PAGE_SIZE bytes to update, or NULL when no memory is left.
 */
unsigned char *run_model_for_write(struct run_vcpu *v, unsigned long d)
{
	unsigned char **p = &v->ref[d / v->run->cfg.nvcpus];

	if (!*p) {
		*p = calloc(1, PAGE_SIZE);
		v->ref_pages += *p != NULL;
	}
	return *p;
}

/**
 * run_model_zero() - data page @d holds zeroes now (discarded): drop its model page
 * @v: the vCPU that owns @d
 * @d: data page
 */
void run_model_zero(struct run_vcpu *v, unsigned long d)
{
	unsigned char **p = &v->ref[d / v->run->cfg.nvcpus];

	v->ref_pages -= *p != NULL;
	free(*p);
	*p = NULL;
}

/* ---- what the guest-2 and the guest-3 workload share ---- */

/** run_own_page() - the data page of @v's @k-th own page */
unsigned long run_own_page(const struct run_vcpu *v, unsigned long k)
{
	return k * v->run->cfg.nvcpus + v->id;
}

/** run_pick_page() - a data page of @v: its hot set 1/2, sequential 1/4, anywhere 1/4 */
unsigned long run_pick_page(struct run_vcpu *v)
{
	uint64_t x = run_rand(&v->rng);

	switch (x & 3) {
	case 0:
	case 1:
		return run_own_page(v, v->hot[(x >> 2) % 32]);
	case 2:
		v->cursor = (v->cursor + 1) % v->nown;
		return run_own_page(v, v->cursor);
	default:
		return run_own_page(v, (x >> 2) % v->nown);
	}
}

/* Length 1-8 (2/5), 1-256 (2/5) or 1-4096 (1/5), placed anywhere inside @span bytes. */
void run_pick_span(struct run_vcpu *v, size_t span, unsigned long *off, size_t *len)
{
	uint64_t x = run_rand(&v->rng);
	unsigned int kind = (unsigned int)(x % 5);

	x /= 5;
	*len = 1 + (x & (kind < 2 ? 7 : kind < 4 ? 255 : 4095));
	x >>= 12;
	*off = x % (span - *len + 1);
}

/** run_fill() - @len bytes from @v's stream: what a write stores */
void run_fill(struct run_vcpu *v, unsigned char *buf, size_t len)
{
	uint64_t x;
	size_t i;

	/* Whole words with a constant-size copy (a store), the tail once: a third of
	 * a nested run's instructions went to a library memcpy() call per word. */
	for (i = 0; i + sizeof(x) <= len; i += sizeof(x)) {
		x = run_rand(&v->rng);
		memcpy(buf + i, &x, sizeof(x));
	}
	if (i < len) {
		x = run_rand(&v->rng);
		memcpy(buf + i, &x, len - i);
	}
}

/**
 * run_host_read_only() - whether the host's read-only interval may have covered @gaddr
 * @r:      the run
 * @gaddr:  guest-2 absolute address
 * @before: r->prot_seq before the access
 * @after:  r->prot_seq after it
 */
bool run_host_read_only(struct run *r, unsigned long gaddr, unsigned long before,
			unsigned long after)
{
	unsigned long start, end;

	if (before != after)
		return true;
	if (!(before & 1))
		return false;
	start = atomic_load(&r->prot_start);
	end = atomic_load(&r->prot_end);
	/* The range belongs to this interval only if the count still says so. */
	if (atomic_load(&r->prot_seq) != before)
		return true;
	return gaddr >= start && gaddr < end;
}

/**
 * run_io_retry() - whether to try a call again after a host I/O error
 * @r:     the run
 * @site:  who made the call, for the summary
 * @rc:    what the call returned
 * @tries: the caller's count of tries so far (start at 0)
 *
 * A host I/O error (-EIO from a swap-in, -ENOSPC or -EIO from a page-out's
 * write) is the host's problem: the VMM tries again. Counts the error.
 *
 * Return: true to try again; false for any other result, or when the error
 * persisted RUN_IO_TRIES times (counted as given up).
 */
bool run_io_retry(struct run *r, enum run_io_site site, int rc, unsigned int *tries)
{
	unsigned int max = site == IO_PAGEOUT ? RUN_PAGEOUT_TRIES : RUN_IO_TRIES;

	if (rc != -EIO && rc != -ENOSPC)
		return false;
	atomic_fetch_add_explicit(&r->io_errors[site], 1, memory_order_relaxed);
	if (++*tries < max)
		return true;
	atomic_fetch_add_explicit(&r->io_gave_up[site], 1, memory_order_relaxed);
	return false;
}

/**
 * run_io_done() - count a call that succeeded (or failed otherwise) after I/O errors
 * @r:     the run
 * @site:  who made the call
 * @rc:    its final result
 * @tries: the tries run_io_retry() counted
 */
void run_io_done(struct run *r, enum run_io_site site, int rc, unsigned int tries)
{
	if (tries && rc != -EIO && rc != -ENOSPC)
		atomic_fetch_add_explicit(&r->io_recovered[site], 1, memory_order_relaxed);
}
