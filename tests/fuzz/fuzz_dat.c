// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the DAT walker against the architecture oracle of the permutation
 * test (tests/common/dat_oracle.h).
 *
 * Input: a 32-byte machine state (ASCE, address, EDAT level, IEP, LAP, space,
 * access, prefix, storage size), then 10-byte records, each storing one doubleword
 * (2-byte slot, 8-byte value) into 256 KiB of big-endian storage that starts out
 * zero. With the "fold" flag, the ASCE origin and the origins of stored entries
 * are reduced into that storage, so that walks reach every level instead of
 * stopping at the first addressing exception.
 *
 * The walk runs twice, through a big-endian reader over the storage and through a
 * native-endian reader over a byte-swapped copy; both outcomes must be identical
 * (entries fetched included) and agree with dat_oracle(). Anything else aborts.
 */
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dat_oracle.h"

#define MEM_SIZE 0x40000UL
#define HDR_SIZE 32
#define REC_SIZE 10

struct native_mem {
	unsigned long *words;
	unsigned long size;
};

static int native_read(void *ctx, unsigned long addr, unsigned long *val)
{
	const struct native_mem *m = ctx;

	if (addr > m->size - 8)
		return -1;
	*val = m->words[addr / 8];
	return 0;
}

static unsigned long get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

/* Keep the bits that are not an origin, and the origin modulo the storage. */
static unsigned long fold(unsigned long v, unsigned long origin_mask)
{
	return (v & ~origin_mask) | (v & origin_mask & (MEM_SIZE - 1));
}

static void report(const struct dat_config *cfg, unsigned long va, int acc,
		   const struct dat_expect *x, const struct dat_result *r)
{
	fprintf(stderr,
		"fuzz_dat: asce %016lx va %016lx acc %d edat %u iep %d/%d lap %d space %d "
		"prefix %lx storage %lx\n",
		cfg->asce, va, acc, cfg->edat, cfg->iep, cfg->iep_installed, cfg->lap, cfg->space,
		cfg->prefix, cfg->storage_size);
	fprintf(stderr,
		"  oracle: pic %02x teid %016lx level %d entry %lx real %lx abs %lx large %d "
		"prot %d iep %d\n",
		x->pic, x->teid, x->level, x->entry_addr, x->real, x->abs, x->large, x->prot,
		x->iep);
	fprintf(stderr,
		"  walker: pic %02x teid %016lx level %d entry %lx real %lx abs %lx large %d "
		"prot %d iep %d\n",
		r->pic, r->teid, r->level, r->entry_addr, r->real, r->abs, r->large, r->prot,
		r->iep);
}

static bool same_result(const struct dat_result *a, const struct dat_result *b)
{
	if (a->pic != b->pic || a->teid != b->teid || a->level != b->level ||
	    a->entry_addr != b->entry_addr || a->nsteps != b->nsteps)
		return false;
	for (unsigned int i = 0; i < a->nsteps; i++)
		if (a->steps[i].addr != b->steps[i].addr || a->steps[i].val != b->steps[i].val ||
		    a->steps[i].level != b->steps[i].level)
			return false;
	return a->pic || (a->real == b->real && a->abs == b->abs && a->large == b->large &&
			  a->prot == b->prot && a->iep == b->iep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bemem be;
	static struct native_mem nat;
	static const unsigned long storage[4] = { 0, MEM_SIZE, 0x20000, 1UL << 44 };
	struct dat_config cfg;
	struct dat_result rb, rn;
	struct dat_expect x;
	unsigned long va;
	unsigned int flags, rc;
	enum dat_access acc;
	bool folded;

	if (size < HDR_SIZE)
		return 0;
	if (!be.mem) {
		bemem_init(&be, MEM_SIZE);
		nat.words = calloc(MEM_SIZE / 8, 8);
		nat.size = MEM_SIZE;
		if (!be.mem || !nat.words)
			abort();
	}
	memset(be.mem, 0, MEM_SIZE);
	memset(nat.words, 0, MEM_SIZE);
	flags = get64(data + 16) & 0xffffffff;
	folded = flags & 1;
	cfg = (struct dat_config){
		.asce = get64(data),
		.edat = (flags >> 1) % 3,
		.iep = flags & 0x10,
		.iep_installed = flags & 0x30,
		.lap = flags & 0x40,
		.space = (enum dat_space)((flags >> 7) & 3),
		.prefix = (get64(data + 24) & 0xffffe000UL) % (2 * MEM_SIZE),
		.storage_size = storage[(flags >> 9) & 3],
	};
	acc = (enum dat_access)((flags >> 11) % 3);
	va = get64(data + 8);
	if (folded)
		cfg.asce = fold(cfg.asce, _ASCE_ORIGIN);
	for (size_t off = HDR_SIZE; off + REC_SIZE <= size; off += REC_SIZE) {
		unsigned long slot = (data[off] | (unsigned long)data[off + 1] << 8) * 8 % MEM_SIZE;
		unsigned long v = get64(data + off + 2);

		if (folded)
			v = fold(v, _REGION_ENTRY_ORIGIN);
		bemem_put(&be, slot, v);
		nat.words[slot / 8] = v;
	}

	rc = dat_translate(&cfg, va, acc, bemem_read, &be, &rb);
	dat_translate(&cfg, va, acc, native_read, &nat, &rn);
	dat_oracle(&cfg, acc, &be, va, &x);
	if (!dat_oracle_agrees(&x, &rb, rc) || !same_result(&rb, &rn)) {
		report(&cfg, va, acc, &x, &rb);
		abort();
	}
	return 0;
}
