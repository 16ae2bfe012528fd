// SPDX-License-Identifier: GPL-2.0
/*
 * An emulator that has its own PAGE_SIZE, pte_t, spin_lock(), IS_ERR() and
 * s390x constants includes the API with GMAP_NO_KERNEL_NAMES and uses the
 * prefixed names; its own definitions stay as they are (built with -Werror).
 */
#include <stdbool.h>
#include <stdio.h>

/* The emulator's own names, some before the gmap headers... */
#define PAGE_SHIFT     16
#define PAGE_SIZE      (1 << PAGE_SHIFT)
#define _PAGE_INVALID  0x400ULL /* QEMU spells the s390x constants with ULL */
#define PGM_PROTECTION 0x0004
typedef struct {
	int frame;
} pte_t;

static int emulator_lock_depth;

static void spin_lock(int *depth)
{
	++*depth;
}

#define GMAP_NO_KERNEL_NAMES
#include <gmap/alloc.h>
#include <gmap/dat.h>
#include <gmap/gmap.h>
#include <gmap/gmap_locked.h>
#include <gmap/lock.h>
#include <gmap/mm.h>
#include <gmap/types.h>
#include <gmap/vcpu.h>

/* ...and some after them. */
#define PAGE_MASK	       (~(PAGE_SIZE - 1))
#define TASK_SIZE	       0x1000UL
#define IS_ERR(p)	       ((p) == 0)
#define _SEGMENT_ENTRY_INVALID 0x20ULL
typedef int spinlock_t;

static void spin_unlock(spinlock_t *depth)
{
	--*depth;
}

_Static_assert(PAGE_SIZE == 65536, "the emulator's PAGE_SIZE stays");
_Static_assert(sizeof(pte_t) == sizeof(int), "the emulator's pte_t stays");
_Static_assert(GMAP_PAGE_SIZE == 4096, "libgmap's page size under its own name");

static int failures;

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                \
		}                                                                  \
	} while (0)

int main(void)
{
	struct mm_struct *mm = mm_create();
	unsigned long host = mm_mmap(mm, 0, GMAP_SEGMENT_SIZE, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS);
	struct gmap *gmap = gmap_create(mm, GMAP_SEGMENT_SIZE - 1);
	gmap_spinlock_t *ptl = NULL;
	gmap_pte_t *ptep;
	unsigned long v = 42, *pte;
	struct vcpu *cpu;
	pte_t own = { 3 };

	CHECK(mm && gmap && !GMAP_IS_ERR_VALUE(host));
	CHECK((gmap->asce & GMAP_ASCE_TYPE_MASK) == GMAP_ASCE_TYPE_SEGMENT);
	CHECK(gmap_map_segment(gmap, host, 0, GMAP_SEGMENT_SIZE) == 0);
	CHECK(gmap_fault(gmap, GMAP_PAGE_SIZE, GMAP_FAULT_FLAG_WRITE) == 0);
	CHECK(gmap_translate(gmap, GMAP_PAGE_SIZE) == host + GMAP_PAGE_SIZE);
	CHECK(mm_lookup_pte(mm, host + GMAP_PAGE_SIZE) & GMAP_PAGE_PRESENT);
	CHECK(host + GMAP_SEGMENT_SIZE <= GMAP_TASK_SIZE && host >= GMAP_MMAP_MIN_ADDR);

	mmap_read_lock(mm);
	pte = gmap_table_walk(gmap, GMAP_PAGE_SIZE, DAT_LEVEL_PTE);
	CHECK(pte && !(*pte & GMAP_PAGE_INVALID));
	ptep = gmap_pte_op_walk(gmap, GMAP_PAGE_SIZE, &ptl);
	CHECK(ptep && gmap_pte_present(*ptep) && !gmap_pte_none(*ptep) && !gmap_pte_swap(*ptep));
	if (ptep)
		gmap_pte_op_end(ptl);
	mmap_read_unlock(mm);

	gmap_spin_lock(&gmap->guest_table_lock);
	CHECK(!gmap_spin_trylock(&gmap->guest_table_lock));
	gmap_spin_unlock(&gmap->guest_table_lock);

	cpu = vcpu_create();
	gmap_enable(gmap);
	CHECK(vcpu_write(cpu, 0x2345, &v, sizeof(v)) == 0);
	CHECK(mm_page_out(mm, host + 0x2000) == 0);
	v = 0;
	CHECK(vcpu_read(cpu, 0x2345, &v, sizeof(v)) == 0 && v == 42);
	CHECK(vcpu_read(cpu, GMAP_SEGMENT_SIZE, &v, sizeof(v)) == GMAP_PGM_ADDRESSING);
	gmap_disable(gmap);
	vcpu_destroy(cpu);

	CHECK(gmap_is_err(gmap_err_ptr(-ENOMEM)) && gmap_ptr_err(gmap_err_ptr(-EIO)) == -EIO);
	CHECK(gmap_is_err_or_null(NULL) && !gmap_is_err(gmap));
	CHECK(gmap_pte_val(gmap_pte(GMAP_PAGE_INVALID)) == GMAP_PAGE_INVALID);

	/* The emulator's own names still mean what it defined. */
	spin_lock(&emulator_lock_depth);
	CHECK(emulator_lock_depth == 1);
	spin_unlock(&emulator_lock_depth);
	CHECK(IS_ERR(0) && !IS_ERR(1) && own.frame == 3 && TASK_SIZE == 0x1000UL);
	CHECK(PAGE_MASK == ~0xffff && _PAGE_INVALID == 0x400 && PGM_PROTECTION == 4);
	CHECK(_SEGMENT_ENTRY_INVALID == 0x20);

	gmap_remove(gmap);
	mm_destroy(mm);
	gm_quiesce();
	return failures ? 1 : 0;
}
