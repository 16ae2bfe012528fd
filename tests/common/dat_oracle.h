/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helper: what the CPU does for one DAT translation, written from the
 * architecture description (dat-formats.md §3-§9) in IBM bit numbering,
 * independently of the walker in src/dat. The exhaustive permutation test
 * (tests/dat/test_permutation.c) and the DAT fuzz target (tests/fuzz/fuzz_dat.c)
 * both compare dat_translate() with dat_oracle().
 *
 * The oracle reads the tables byte by byte from big-endian storage starting at
 * absolute 0 (struct bemem), so it also checks where the walker looks for an
 * entry. Storage beyond the block is not installed (an addressing exception).
 */
#ifndef GMAP_TESTS_DAT_ORACLE_H
#define GMAP_TESTS_DAT_ORACLE_H

#include <stdbool.h>

#include <gmap/dat.h>

#include "bemem.h"

/* ---- IBM bit numbering: bit 0 is the most significant bit of a doubleword ---------------- */

#define BIT(n)		   (1UL << (63 - (n)))
#define BITS(from, to)	   ((~0UL >> (from)) & (~0UL << (63 - (to))))
#define FIELD(x, from, to) (((x)&BITS(from, to)) >> (63 - (to)))
#define PUT(v, from, to)   (((unsigned long)(v) << (63 - (to))) & BITS(from, to))

/* The outcome the architecture prescribes, compared field by field with struct dat_result. */
struct dat_expect {
	unsigned int pic;
	unsigned long teid;
	int level;
	unsigned long entry_addr;
	unsigned long real, abs;
	bool large, prot, iep;
};

/* Table types as the ASCE DT and entry TT fields encode them (§2, §3). */
enum { TT_SEGMENT = 0, TT_REGION3 = 1, TT_REGION2 = 2, TT_REGION1 = 3 };

/* First IBM bit of the 11-bit index that selects an entry of a table of each type (§1.1). */
static const unsigned int index_bit[4] = { 33, 22, 11, 0 };

/* Exception for an invalid entry of, or an index beyond the length of, each table type (§6). */
static const unsigned int trans_pic[4] = { 0x10, 0x3b, 0x3a, 0x39 };

static inline unsigned long va_index(unsigned long va, int tt)
{
	return FIELD(va, index_bit[tt], index_bit[tt] + 10);
}

/* The leftmost two bits of the index: what TL and TF are compared with. */
static inline unsigned long va_index_top(unsigned long va, int tt)
{
	return FIELD(va, index_bit[tt], index_bit[tt] + 1);
}

/* A doubleword of storage, most significant byte first. */
static inline unsigned long model_load(const struct bemem *mem, unsigned long addr)
{
	unsigned long v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | mem->mem[addr + i];
	return v;
}

static inline bool model_entry_in_storage(const struct dat_config *t, const struct bemem *mem,
					  unsigned long ea)
{
	/* Written without ea + 8, which wraps for an entry at the top of the address space. */
	return ea <= mem->size - 8 &&
	       (!t->storage_size || (t->storage_size >= 8 && ea <= t->storage_size - 8));
}

/* §9: the first 8 KiB and the prefix area trade places. */
static inline unsigned long model_prefix(unsigned long real, unsigned long prefix)
{
	if (real < 0x2000)
		return real + prefix;
	if (real >= prefix && real < prefix + 0x2000)
		return real - prefix;
	return real;
}

static inline void model_exception(struct dat_expect *x, unsigned int pic, unsigned long teid,
				   int level, unsigned long entry_addr)
{
	x->pic = pic;
	x->teid = teid;
	x->level = level;
	x->entry_addr = entry_addr;
}

/*
 * §6 steps 2-8: the ASCE checks and the table walk. Returns false with the
 * exception in @x, or true with the leaf's frame, level, entry, P and IEP.
 */
static inline bool model_tables(const struct dat_config *t, const struct bemem *mem,
				unsigned long va, unsigned long asce, unsigned long teid,
				struct dat_expect *x)
{
	bool priv = asce & BIT(55);
	int dt = (int)FIELD(asce, 60, 61), tt;
	unsigned long origin = asce & BITS(0, 51), ea, e;

	/* Step 3: index bits above the designated table must be zero. */
	if (dt != TT_REGION1 && FIELD(va, 0, index_bit[dt] - 1) != 0) {
		model_exception(x, 0x38, teid, DAT_LEVEL_ASCE, 0);
		return false;
	}
	/* Step 4: the designated table's own length. */
	if (va_index_top(va, dt) > FIELD(asce, 62, 63)) {
		model_exception(x, trans_pic[dt], teid, DAT_LEVEL_ASCE, 0);
		return false;
	}
	/* Step 5: region tables. */
	for (tt = dt; tt >= TT_REGION3; tt--) {
		ea = origin + va_index(va, tt) * 8;
		if (!model_entry_in_storage(t, mem, ea)) {
			model_exception(x, 0x05, 0, tt + 1, ea);
			return false;
		}
		e = model_load(mem, ea);
		if (e & BIT(58)) {
			model_exception(x, trans_pic[tt], teid, tt + 1, ea);
			return false;
		}
		if (FIELD(e, 60, 61) != (unsigned long)tt ||
		    (tt == TT_REGION3 && t->edat >= 2 && (e & BIT(59)) && priv)) {
			model_exception(x, 0x12, 0, tt + 1, ea);
			return false;
		}
		if (t->edat >= 1 && (e & BIT(54)))
			x->prot = true;
		if (tt == TT_REGION3 && t->edat >= 2 && (e & BIT(53))) {
			x->abs = (e & BITS(0, 32)) | (va & BITS(33, 63));
			x->real = x->abs;
			x->large = true;
			x->iep = e & BIT(55);
			x->level = tt + 1;
			x->entry_addr = ea;
			return true;
		}
		if (va_index_top(va, tt - 1) < FIELD(e, 56, 57) ||
		    va_index_top(va, tt - 1) > FIELD(e, 62, 63)) {
			model_exception(x, trans_pic[tt - 1], teid, tt + 1, ea);
			return false;
		}
		origin = e & BITS(0, 51);
	}
	/* Step 6: segment table. */
	ea = origin + va_index(va, TT_SEGMENT) * 8;
	if (!model_entry_in_storage(t, mem, ea)) {
		model_exception(x, 0x05, 0, 1, ea);
		return false;
	}
	e = model_load(mem, ea);
	if (e & BIT(58)) {
		model_exception(x, 0x10, teid, 1, ea);
		return false;
	}
	if (FIELD(e, 60, 61) != 0 || ((e & BIT(59)) && priv)) {
		model_exception(x, 0x12, 0, 1, ea);
		return false;
	}
	if (e & BIT(54))
		x->prot = true;
	if (t->edat >= 1 && (e & BIT(53))) {
		x->abs = (e & BITS(0, 43)) | (va & BITS(44, 63));
		x->real = x->abs;
		x->large = true;
		x->iep = e & BIT(55);
		x->level = 1;
		x->entry_addr = ea;
		return true;
	}
	/* Step 7: page table, 2 KiB aligned. */
	ea = (e & BITS(0, 52)) + FIELD(va, 44, 51) * 8;
	if (!model_entry_in_storage(t, mem, ea)) {
		model_exception(x, 0x05, 0, 0, ea);
		return false;
	}
	e = model_load(mem, ea);
	if (e & BIT(53)) {
		model_exception(x, 0x11, teid, 0, ea);
		return false;
	}
	if ((e & BIT(52)) || ((e & BIT(55)) && !t->edat && !t->iep && !t->iep_installed)) {
		model_exception(x, 0x12, 0, 0, ea);
		return false;
	}
	if (e & BIT(54))
		x->prot = true;
	x->iep = e & BIT(55);
	/* Step 8: a page frame is real, so prefixing applies. */
	x->real = (e & BITS(0, 51)) | FIELD(va, 52, 63);
	x->abs = model_prefix(x->real, t->prefix);
	x->level = 0;
	x->entry_addr = ea;
	return true;
}

/* What the CPU does for @t, per §6 (steps 0-11) and §6.1 for the TEID. */
static inline void dat_oracle(const struct dat_config *t, enum dat_access acc,
			      const struct bemem *mem, unsigned long va, struct dat_expect *x)
{
	unsigned long asce = t->asce;
	bool store = acc == DAT_STORE;
	/* TEID: page address, fetch (bit 52) or store (bit 53) indication, the space. */
	unsigned long teid = (va & BITS(0, 51)) | (store ? BIT(53) : BIT(52)) | t->space;

	*x = (struct dat_expect){ .level = -1 };

	/* Step 0: low-address protection, unless the space is private. */
	if (store && t->lap && !(asce & BIT(55)) && (va < 512 || (va >= 4096 && va < 4608))) {
		model_exception(x, 0x04, teid | BIT(56), -1, 0);
		return;
	}
	if (asce & BIT(58)) {
		/* Step 1: a real-space designation; no tables, no DAT protection. */
		x->real = va;
		x->abs = model_prefix(va, t->prefix);
	} else {
		if (!model_tables(t, mem, va, asce, teid, x))
			return;
		/* Step 10: protection, then IEP of the leaf. */
		if (store && x->prot) {
			model_exception(x, 0x04, teid | BIT(61), x->level, x->entry_addr);
			return;
		}
		if (acc == DAT_IFETCH && t->iep && x->iep) {
			model_exception(x, 0x04, teid | BIT(56) | BIT(61), x->level, x->entry_addr);
			return;
		}
	}
	/* Step 11: the frame must be in the configuration. */
	if (t->storage_size && x->abs >= t->storage_size)
		model_exception(x, 0x05, 0, -1, 0);
}

static inline bool dat_oracle_agrees(const struct dat_expect *x, const struct dat_result *r,
				     unsigned int rc)
{
	if (rc != r->pic || r->pic != x->pic || r->teid != x->teid || r->level != x->level ||
	    r->entry_addr != x->entry_addr)
		return false;
	if (x->pic)
		return true;
	return r->real == x->real && r->abs == x->abs && r->large == x->large &&
	       r->prot == x->prot && r->iep == x->iep;
}

#endif /* GMAP_TESTS_DAT_ORACLE_H */
