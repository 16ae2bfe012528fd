/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `gmap run --nested`, inside: what run_nested.c (guest-2's tables for guest-3,
 * its changes, the checks) and run_nested_g3.c (guest-3's own side: its prefix,
 * its real and DAT-on accesses, its own DAT tables) share.
 *
 * Guest-3 block of vCPU k, at g3_tables + k * G3_BLOCK (guest-2 absolute, in
 * the reserved area, which the host never moves or protects):
 *   +0x00000  region-first table   entry 0 -> the region-second table
 *   +0x04000  region-second table  entry 0 -> the region-third table
 *   +0x08000  region-third table   entry 0 -> the segment table; entry 1 (guest-3
 *                                  2 .. 4 GiB) an EDAT-2 2 GiB frame over guest-2 0,
 *                                  the second segment table, or invalid
 *   +0x0c000  segment table        entries 0 .. G3_NSEG - 1: a page table, a
 *                                  1 MiB frame (a guest-2 data segment), or invalid
 *   +0x10000  page tables          2 KiB per segment, kept while the segment is a
 *                                  frame or invalid
 *   +0x14000  guest-3's prefix pages (its lowcore)
 *   +0x16000  guest-3's own segment table (TL 0: 512 entries) and
 *   +0x17000  its two page tables, for the ASCEs with guest-2 tables
 *   +0x18000  the same for the real-space ASCE (other guest-3 addresses)
 *   +0x19000
 *   +0x1c000  second segment table: the 2 GiB frame split into 1 MiB frames
 * Segment 0's PTEs G3_FIXED_FIRST .. G3_FIXED_FIRST + 3 map guest-3 0x4000 ..
 * 0x8000 to +0x14000 .. +0x18000 and are never changed: guest-3's prefix (0x4000
 * under guest-2's tables) and its own tables stay where guest-3 put them.
 */
#ifndef GMAP_TOOLS_RUN_NESTED_H
#define GMAP_TOOLS_RUN_NESTED_H

#include "run.h"

#define G3_R1T	       0x00000UL
#define G3_R2T	       0x04000UL
#define G3_R3T	       0x08000UL
#define G3_SGT	       0x0c000UL
#define G3_PGT	       0x10000UL
#define G3_PREFIX      0x14000UL
#define G3_OWN_DAT     0x16000UL /* guest-3's tables, guest-2 ASCEs */
#define G3_OWN_REAL    0x18000UL /* guest-3's tables, the real-space ASCE */
#define G3_SGT2	       0x1c000UL
#define G3_FIXED_FIRST 4UL	/* segment 0's PTEs 4 .. 7: the prefix and guest-3's tables */
#define G3_PREFIX_DAT  0x4000UL /* guest-3's prefix under guest-2's tables */
#define G3V_NSEG       2	/* guest-3 virtual segments its tables map */
#define G3V_FRAME_SEG  3	/* guest-3 virtual segment 1: a 1 MiB frame over this one */

/* An access of guest-3 and what guest-2's tables (as guest-2 wrote them) make of it. */
struct g3_access {
	enum g3_kind kind;
	unsigned long addr; /* as issued: guest-3 absolute, real or virtual */
	unsigned long va;   /* guest-3 absolute: what guest-2's tables translate */
	size_t len;
	bool write;
	bool swept;	    /* the read-back at the end, not the workload */
	unsigned int pic3;  /* guest-3's own DAT exception (its tables), or 0 */
	unsigned int pic;   /* the exit guest-2's tables give, or 0 */
	unsigned long teid; /* what comes with pic3 or pic */
	unsigned long g2;   /* the guest-2 address, when the tables translate it */
	unsigned long seg_before, seg_after, prot_before, prot_after;
};

/* run_nested.c */
unsigned long g3_entry(const struct run *r, unsigned long g2);
unsigned int g3_predict(const struct run_vcpu *v, struct g3_access *a);
bool g3_pick_abs(struct run_vcpu *v, struct g3_access *a);
unsigned long g3_random_pte(struct run_vcpu *v);
bool g3_checkable(const struct run_vcpu *v, const struct g3_access *a);

/* run_nested_check.c */
extern const char *const g3_space_names[NR_G3_SPACES];
void g3_unexpected(struct run_vcpu *v, const struct g3_access *a, const char *what);
void g3_check_exit(struct run_vcpu *v, const struct g3_access *a, unsigned int pic);
void g3_check_own_pic(struct run_vcpu *v, const struct g3_access *a, unsigned int pic);
void g3_check_success(struct run_vcpu *v, const struct g3_access *a, unsigned char *model,
		      const unsigned char *buf);

/* run_nested_g3.c */
unsigned long g3_prefix(const struct run_vcpu *v);
unsigned long g3_own_asce(const struct run_vcpu *v);
void g3_build_own_tables(struct run_vcpu *v);
bool g3_pick_real(struct run_vcpu *v, struct g3_access *a, uint64_t x);
void g3_pick_virt(struct run_vcpu *v, struct g3_access *a, uint64_t x);
unsigned int g3_predict_virt(const struct run_vcpu *v, struct g3_access *a);

#endif /* GMAP_TOOLS_RUN_NESTED_H */
