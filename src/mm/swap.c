// SPDX-License-Identifier: GPL-2.0
/*
 * The swap file of an mm: a real file (unlinked, in $GMAP_SWAP_DIR, $TMPDIR or
 * /tmp) of 4 KiB slots. Page-out writes a frame to a slot and page-in reads it
 * back into a new frame, so contents survive while frame addresses change.
 *
 * Each slot has a generation that changes when the slot is freed: a fault that
 * read a slot with mmap_lock dropped installs the data only if the PTE still
 * names the slot and the generation is the one it read.
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gmap/alloc.h>

#include "mm_internal.h"

#define BITS_PER_LONG 64

void swap_init(struct swap_file *sf)
{
	memset(sf, 0, sizeof(*sf));
	pthread_mutex_init(&sf->lock, NULL);
	sf->fd = -1;
	atomic_init(&sf->inject.on, false);
	atomic_init(&sf->read_errors, 0);
	atomic_init(&sf->write_errors, 0);
	atomic_init(&sf->resumed, 0);
	atomic_init(&sf->injected, 0);
}

void swap_destroy(struct swap_file *sf)
{
	if (sf->fd >= 0)
		close(sf->fd);
	gm_free(sf->used);
	gm_free(sf->gen);
	pthread_mutex_destroy(&sf->lock);
}

static int swap_open(struct swap_file *sf)
{
	const char *dir = getenv("GMAP_SWAP_DIR");
	char path[4096];
	int fd;

	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		/* Filesystems without O_TMPFILE: create and unlink at once. */
		snprintf(path, sizeof(path), "%s/gmap-swap-XXXXXX", dir);
		fd = mkstemp(path);
		if (fd < 0)
			return -EIO;
		unlink(path);
	}
	sf->fd = fd;
	return 0;
}

/* Double the slot arrays; the new ones are allocated before the old are dropped. */
static int swap_grow(struct swap_file *sf)
{
	unsigned long n = sf->nslots ? 2 * sf->nslots : 1024;
	unsigned long *used = gm_zalloc_at(GM_SITE_MM_SWAP_USED, n / 8),
		      *gen = gm_zalloc_at(GM_SITE_MM_SWAP_GEN, n * sizeof(*gen));

	if (!used || !gen) {
		gm_free(used);
		gm_free(gen);
		return -ENOMEM;
	}
	if (sf->nslots) {
		memcpy(used, sf->used, sf->nslots / 8);
		memcpy(gen, sf->gen, sf->nslots * sizeof(*gen));
	}
	gm_free(sf->used);
	gm_free(sf->gen);
	sf->used = used;
	sf->gen = gen;
	sf->nslots = n;
	return 0;
}

/*
 * The lowest free slot. Every word below sf->first_free is full, so the search
 * starts there: page-outs stay O(1) amortised instead of rescanning from slot 0.
 */
static long find_free_slot(struct swap_file *sf)
{
	for (unsigned long w = sf->first_free; w < sf->nslots / BITS_PER_LONG; w++) {
		if (~sf->used[w]) {
			sf->first_free = w;
			return (long)(w * BITS_PER_LONG +
				      (unsigned long)__builtin_ctzl(~sf->used[w]));
		}
	}
	return -1;
}

int swap_slot_alloc(struct swap_file *sf, unsigned long *slot)
{
	long free_slot;
	int rc = 0;

	pthread_mutex_lock(&sf->lock);
	if (sf->fd < 0)
		rc = swap_open(sf);
	if (!rc && sf->nused == sf->nslots)
		rc = swap_grow(sf);
	if (!rc) {
		free_slot = find_free_slot(sf);
		*slot = (unsigned long)free_slot;
		sf->used[*slot / BITS_PER_LONG] |= 1UL << (*slot % BITS_PER_LONG);
		sf->nused++;
	}
	pthread_mutex_unlock(&sf->lock);
	return rc;
}

void swap_slot_free(struct swap_file *sf, unsigned long slot)
{
	pthread_mutex_lock(&sf->lock);
	sf->used[slot / BITS_PER_LONG] &= ~(1UL << (slot % BITS_PER_LONG));
	if (slot / BITS_PER_LONG < sf->first_free)
		sf->first_free = slot / BITS_PER_LONG;
	sf->gen[slot]++;
	sf->nused--;
	pthread_mutex_unlock(&sf->lock);
}

unsigned long swap_slot_gen(struct swap_file *sf, unsigned long slot)
{
	unsigned long gen;

	pthread_mutex_lock(&sf->lock);
	gen = sf->gen[slot];
	pthread_mutex_unlock(&sf->lock);
	return gen;
}

/* ---- I/O, with the injection hook ---------------------------------------------------------- */

static uint64_t inject_rand(struct swap_inject_state *in)
{
	/* splitmix64: small, seedable, good enough to pick calls */
	uint64_t z = (in->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The fault this call is to do, or 0. Context: sf->lock held. */
static enum mm_swap_fault inject_pick(struct swap_inject_state *in, bool write)
{
	static const enum mm_swap_fault read_faults[] = { MM_SWAP_FAULT_EIO, MM_SWAP_FAULT_SHORT,
							  MM_SWAP_FAULT_EINTR };
	static const enum mm_swap_fault write_faults[] = { MM_SWAP_FAULT_EIO, MM_SWAP_FAULT_ENOSPC,
							   MM_SWAP_FAULT_SHORT,
							   MM_SWAP_FAULT_EINTR };
	enum mm_swap_fault f;
	uint64_t x;

	if (in->countdown) {
		if (--in->countdown > 0)
			return 0;
		f = in->fault;
		if (in->repeat > 1) {
			in->repeat--;
			in->countdown = 1;
		} else if (f == MM_SWAP_FAULT_FILLS_UP) {
			/* The rest of the transfer finds the filesystem full. */
			in->fault = MM_SWAP_FAULT_ENOSPC;
			in->countdown = 1;
		} else {
			in->countdown = 0;
			atomic_store(&in->on, in->delay_ns != 0); /* done, unless slowing calls */
		}
		return f == MM_SWAP_FAULT_FILLS_UP ? MM_SWAP_FAULT_SHORT : f;
	}
	if (!in->per_million)
		return 0;
	x = inject_rand(in);
	if (x % 1000000 >= in->per_million)
		return 0;
	x >>= 32;
	return write ? write_faults[x % 4] : read_faults[x % 3];
}

/* pread()/pwrite() of at most @len bytes, or what the injection makes of it. */
static ssize_t swap_pio(struct swap_file *sf, bool write, void *buf, size_t len, off_t off)
{
	struct swap_inject_state *in = &sf->inject;
	struct timespec delay = { 0, 0 };
	enum mm_swap_fault f = 0;

	if (atomic_load_explicit(&in->on, memory_order_acquire)) {
		pthread_mutex_lock(&sf->lock);
		if (atomic_load_explicit(&in->on, memory_order_relaxed) &&
		    (in->calls & (write ? MM_SWAP_INJECT_WRITE : MM_SWAP_INJECT_READ))) {
			delay.tv_nsec = (long)in->delay_ns;
			f = inject_pick(in, write);
		}
		pthread_mutex_unlock(&sf->lock);
	}
	/* A slow disk, for benchmarks: the I/O itself waits, not a lock. */
	while (delay.tv_nsec && nanosleep(&delay, &delay))
		;
	if (f)
		mm_count(&sf->injected, 1);
	switch (f) {
	case MM_SWAP_FAULT_EIO:
		errno = EIO;
		return -1;
	case MM_SWAP_FAULT_ENOSPC:
		errno = ENOSPC;
		return -1;
	case MM_SWAP_FAULT_EINTR:
		errno = EINTR;
		return -1;
	case MM_SWAP_FAULT_ZERO:
		return 0;
	case MM_SWAP_FAULT_SHORT:
		len = len > 1 ? len / 2 : len; /* then the real call, for part of it */
		break;
	default:
		break;
	}
	return write ? pwrite(sf->fd, buf, len, off) : pread(sf->fd, buf, len, off);
}

/*
 * Move one page, resuming after a short transfer or EINTR as any careful
 * caller of pread()/pwrite() must. No progress (0 bytes: end of file on a read)
 * and every other error end it: -ENOSPC for a write to a full filesystem (or
 * quota), -EIO otherwise.
 */
static int swap_io(struct swap_file *sf, bool write, void *page, unsigned long slot)
{
	off_t off = (off_t)(slot * PAGE_SIZE);
	size_t done = 0;
	ssize_t n;
	int err;

	while (done < PAGE_SIZE) {
		n = swap_pio(sf, write, (char *)page + done, PAGE_SIZE - done, off + (off_t)done);
		if (n > 0) {
			done += (size_t)n;
			if (done < PAGE_SIZE)
				mm_count(&sf->resumed, 1);
			continue;
		}
		err = n < 0 ? errno : EIO;
		if (err == EINTR) {
			mm_count(&sf->resumed, 1);
			continue;
		}
		mm_count(write ? &sf->write_errors : &sf->read_errors, 1);
		return write && (err == ENOSPC || err == EDQUOT) ? -ENOSPC : -EIO;
	}
	return 0;
}

int swap_write(struct swap_file *sf, unsigned long slot, const void *page)
{
	return swap_io(sf, true, (void *)page, slot);
}

int swap_read(struct swap_file *sf, unsigned long slot, void *page)
{
	return swap_io(sf, false, page, slot);
}

int swap_inject(struct swap_file *sf, const struct mm_swap_inject *inj)
{
	struct swap_inject_state *in = &sf->inject;

	if (inj &&
	    ((inj->calls & ~(MM_SWAP_INJECT_READ | MM_SWAP_INJECT_WRITE)) ||
	     inj->per_million > 1000000 || inj->delay_ns >= 1000000000UL ||
	     (inj->nth && (inj->fault < MM_SWAP_FAULT_EIO || inj->fault > MM_SWAP_FAULT_FILLS_UP))))
		return -EINVAL;
	pthread_mutex_lock(&sf->lock);
	if (inj) {
		in->calls = inj->calls;
		in->countdown = inj->nth;
		in->repeat = inj->count ? inj->count : 1;
		in->fault = inj->fault;
		in->per_million = inj->nth ? 0 : inj->per_million;
		in->rng = inj->seed;
		in->delay_ns = inj->delay_ns;
	}
	atomic_store_explicit(&in->on,
			      inj && inj->calls && (inj->nth || inj->per_million || inj->delay_ns),
			      memory_order_release);
	pthread_mutex_unlock(&sf->lock);
	return 0;
}
