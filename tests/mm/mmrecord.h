/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helper for the mm tests: a recorder of what the mm tells its gmap (the
 * notification of armed PGSTE bits, the unlink of a page table) and its TLB
 * listeners (IPTE, flush), in the one global `rec`: the gmap callbacks carry no
 * context.
 */
#ifndef GMAP_TESTS_MMRECORD_H
#define GMAP_TESTS_MMRECORD_H

#include <string.h>

#include "mmtest.h"

struct record {
	int notifies;
	unsigned long vmaddr, bits;
	pte_t *ptep;
	int unlinks;
	unsigned long *unlink_table;
	unsigned long unlink_vmaddr;
	int iptes, flushes;
	unsigned long ipte_addr, flush_asce;
	struct mm_tlb_listener tlb;
};

static struct record rec;

static inline void rec_notify(struct mm_struct *mm, unsigned long vmaddr, pte_t *ptep,
			      unsigned long bits)
{
	(void)mm;
	rec.notifies++;
	rec.vmaddr = vmaddr;
	rec.bits = bits;
	rec.ptep = ptep;
}

static inline void rec_unlink(struct mm_struct *mm, unsigned long *table, unsigned long vmaddr)
{
	(void)mm;
	rec.unlinks++;
	rec.unlink_table = table;
	rec.unlink_vmaddr = vmaddr;
}

static inline void rec_ipte(struct mm_tlb_listener *l, struct mm_struct *mm, unsigned long addr,
			    pte_t *ptep)
{
	(void)l;
	(void)mm;
	(void)ptep;
	rec.iptes++;
	rec.ipte_addr = addr;
}

static inline void rec_flush(struct mm_tlb_listener *l, struct mm_struct *mm, unsigned long asce)
{
	(void)l;
	(void)mm;
	rec.flushes++;
	rec.flush_asce = asce;
}

static const struct mm_gmap_ops rec_ops = { rec_notify, rec_unlink };

/* Clear `rec` and record what @mm does from now on; 0 or -ENOMEM. */
static inline int rec_attach(struct mm_struct *mm)
{
	memset(&rec, 0, sizeof(rec));
	rec.tlb.ipte = rec_ipte;
	rec.tlb.flush_all = rec_flush;
	mm_set_gmap_ops(mm, &rec_ops);
	return mm_register_tlb_listener(mm, &rec.tlb);
}

/* Stop, and destroy @mm. */
static inline void rec_detach_destroy(struct mm_struct *mm)
{
	mm_unregister_tlb_listener(mm, &rec.tlb);
	mm_destroy(mm);
	gm_quiesce();
}

#endif /* GMAP_TESTS_MMRECORD_H */
