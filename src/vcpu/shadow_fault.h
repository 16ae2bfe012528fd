/* SPDX-License-Identifier: GPL-2.0 */
/* Internal to the shadow fault, shared with its tests. */
#ifndef GMAP_SRC_VCPU_SHADOW_FAULT_H
#define GMAP_SRC_VCPU_SHADOW_FAULT_H

struct gmap;

/*
 * Test hook: called (with mmap_lock held for reading, no spinlock) after the
 * shadow fault read and checked guest-2's entry of @level for @saddr (0: the
 * PTE) and before it shadows what the entry designates, so that tests replay
 * a store racing with that window deterministically. NULL outside tests.
 */
extern void (*vsie_walk_hook)(struct gmap *sg, unsigned long saddr, int level);

#endif /* GMAP_SRC_VCPU_SHADOW_FAULT_H */
