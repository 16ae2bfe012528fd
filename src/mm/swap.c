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
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gmap/alloc.h>

#include "mm_internal.h"

#define BITS_PER_LONG 64

void swap_init(struct swap_file *sf)
{
	pthread_mutex_init(&sf->lock, NULL);
	sf->fd = -1;
	sf->used = NULL;
	sf->gen = NULL;
	sf->nslots = 0;
	sf->nused = 0;
	sf->first_free = 0;
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

int swap_write(struct swap_file *sf, unsigned long slot, const void *page)
{
	off_t off = (off_t)(slot * PAGE_SIZE);

	return pwrite(sf->fd, page, PAGE_SIZE, off) == (ssize_t)PAGE_SIZE ? 0 : -EIO;
}

int swap_read(struct swap_file *sf, unsigned long slot, void *page)
{
	off_t off = (off_t)(slot * PAGE_SIZE);

	return pread(sf->fd, page, PAGE_SIZE, off) == (ssize_t)PAGE_SIZE ? 0 : -EIO;
}
