// SPDX-License-Identifier: GPL-2.0
/*
 * The public headers as a C++17 embedder meets them: every header included
 * together, the kernel-style API called through them, and the layout of the
 * shared structures compared with what the C compiler produced (layout.c).
 */
#include <cstddef>
#include <cstdio>
#include <cstring>

#include <gmap/alloc.h>
#include <gmap/dat.h>
#include <gmap/gmap.h>
#include <gmap/gmap_locked.h>
#include <gmap/lock.h>
#include <gmap/mm.h>
#include <gmap/types.h>
#include <gmap/vcpu.h>

#include "layout.h"

static int failures;

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			std::fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                     \
		}                                                                       \
	} while (0)

static void check_layout()
{
	const gmap_layout &c = gmap_layout_c;
#define OFFSET(m) offsetof(struct gmap, m),
	const size_t offsets[] = { GMAP_LAYOUT_MEMBERS(OFFSET) };

	CHECK(sizeof(struct gmap) == c.size);
	CHECK(alignof(struct gmap) == c.align);
	for (size_t i = 0; i < GMAP_LAYOUT_NMEMBERS; i++)
		CHECK(offsets[i] == c.offsets[i]);
	CHECK(offsetof(struct gmap, private_) == c.private_);
	CHECK(sizeof(((struct gmap *)nullptr)->ref_count) == c.ref_count_size);
	CHECK(sizeof(pte_t) == c.pte_size);
	CHECK(sizeof(spinlock_t) == c.spinlock_size);
	CHECK(sizeof(struct dat_result) == c.dat_result_size);
	CHECK(sizeof(struct vcpu_stats) == c.vcpu_stats_size);
}

static unsigned long notified;

static void count_notification(struct gmap *, unsigned long, unsigned long)
{
	notified++;
}

/* The README tour, in C++, plus the C++-specific member names. */
static void check_api()
{
	struct mm_struct *mm = mm_create();
	CHECK(mm);
	unsigned long host =
		mm_mmap(mm, 0, 1UL << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	CHECK(!IS_ERR_VALUE(host));
	CHECK((host & ~PMD_MASK) == 0);

	struct gmap *gmap = gmap_create(mm, (1UL << 30) - 1);
	CHECK(gmap);
	CHECK((gmap->asce & _ASCE_TYPE_MASK) == _ASCE_TYPE_SEGMENT);
	CHECK(gmap->private_ == nullptr);
	int embedder_data = 7;
	gmap->private_ = &embedder_data;

	/* The C library counts references; C++ reads the same atomic. */
	CHECK(gmap->ref_count.load() == 1);
	CHECK(gmap_get(gmap) == gmap);
	CHECK(gmap->ref_count.load() == 2);
	gmap_put(gmap);
	CHECK(gmap->ref_count.load() == 1);

	CHECK(gmap_map_segment(gmap, host, 0, 1UL << 30) == 0);
	CHECK(gmap_fault(gmap, 0x5000, FAULT_FLAG_WRITE) == 0);
	CHECK(gmap_translate(gmap, 0x5000) == host + 0x5000);

	mmap_read_lock(mm);
	unsigned long *pte = gmap_table_walk(gmap, 0x5000, DAT_LEVEL_PTE);
	CHECK(pte && !(*pte & _PAGE_INVALID));
	CHECK(mm_lookup_pte(mm, host + 0x5000) == *pte);
	spinlock_t *ptl = nullptr;
	pte_t *ptep = gmap_pte_op_walk(gmap, 0x5000, &ptl);
	CHECK(ptep && ptl && pte_present(*ptep) && !pte_none(*ptep));
	if (ptep)
		gmap_pte_op_end(ptl);
	mmap_read_unlock(mm);

	spin_lock(&gmap->guest_table_lock);
	CHECK(!spin_trylock(&gmap->guest_table_lock));
	spin_unlock(&gmap->guest_table_lock);

	struct gmap_notifier nb;
	std::memset(&nb, 0, sizeof(nb));
	nb.notifier_call = count_notification;
	gmap_register_pte_notifier(&nb);
	CHECK(gmap_mprotect_notify(gmap, 0x5000, PAGE_SIZE, PROT_READ) == 0);
	CHECK(mm_page_out(mm, host + 0x5000) == 0);
	CHECK(notified == 1);
	gmap_unregister_pte_notifier(&nb);

	struct vcpu *cpu = vcpu_create();
	CHECK(cpu);
	gmap_enable(gmap);
	CHECK(gmap_get_enabled() == gmap);
	unsigned long v = 42;
	CHECK(vcpu_write(cpu, 0x123456, &v, sizeof(v)) == 0);
	CHECK(mm_page_out(mm, host + 0x123000) == 0);
	v = 0;
	CHECK(vcpu_read(cpu, 0x123456, &v, sizeof(v)) == 0);
	CHECK(v == 42);
	CHECK(vcpu_read(cpu, 1UL << 31, &v, sizeof(v)) == PGM_ADDRESSING);
	gmap_disable(gmap);
	vcpu_destroy(cpu);

	void *err = ERR_PTR(-ENOMEM);
	CHECK(IS_ERR(err) && PTR_ERR(err) == -ENOMEM && IS_ERR_OR_NULL(nullptr));
	CHECK(pte_val(__pte(_PAGE_INVALID)) == _PAGE_INVALID);
	CHECK(std::strcmp(dat_pic_name(PGM_SEGMENT_TRANSLATION), "unknown") != 0);

	CHECK(gmap->private_ == &embedder_data);
	gmap_remove(gmap);
	mm_destroy(mm);
	gm_quiesce();
}

int main()
{
	long live = gm_alloc_live();

	check_layout();
	check_api();
	CHECK(gm_alloc_live() == live);
	if (failures)
		std::fprintf(stderr, "%d checks failed\n", failures);
	return failures ? 1 : 0;
}
