/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helper: a block of big-endian s390x storage starting at absolute 0,
 * with a dat_read_fn over it. Reads beyond the block report an addressing
 * exception, like storage that is not installed.
 */
#ifndef GMAP_TESTS_BEMEM_H
#define GMAP_TESTS_BEMEM_H

#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include <gmap/dat.h>

struct bemem {
	unsigned char *mem;
	unsigned long size;
};

static inline void bemem_init(struct bemem *m, unsigned long size)
{
	m->mem = calloc(1, size);
	m->size = m->mem ? size : 0;
}

static inline void bemem_destroy(struct bemem *m)
{
	free(m->mem);
	m->mem = NULL;
	m->size = 0;
}

static inline void bemem_put(struct bemem *m, unsigned long addr, unsigned long val)
{
	unsigned long be = htobe64(val);

	memcpy(m->mem + addr, &be, 8);
}

static inline unsigned long bemem_get(const struct bemem *m, unsigned long addr)
{
	unsigned long be;

	memcpy(&be, m->mem + addr, 8);
	return be64toh(be);
}

/* Fill a 16 KiB region/segment table (or 2 KiB page table) with one value. */
static inline void bemem_fill(struct bemem *m, unsigned long origin, unsigned long entries,
			      unsigned long val)
{
	for (unsigned long i = 0; i < entries; i++)
		bemem_put(m, origin + 8 * i, val);
}

static inline int bemem_read(void *ctx, unsigned long addr, unsigned long *val)
{
	struct bemem *m = ctx;

	if (addr > m->size - 8)
		return -1;
	*val = bemem_get(m, addr);
	return 0;
}

#endif /* GMAP_TESTS_BEMEM_H */
