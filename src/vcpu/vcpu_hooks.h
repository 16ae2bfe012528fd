/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test hooks of the vCPU: points inside an access where a test runs "another
 * CPU's" host events, to replay an interleaving deterministically. NULL (and
 * one predictable branch off the TLB-hit path) outside tests.
 */
#ifndef GMAP_SRC_VCPU_HOOKS_H
#define GMAP_SRC_VCPU_HOOKS_H

#include <stdbool.h>

struct vcpu;

enum vcpu_hook_point {
	/* Subscribed to the mm's purges (registration fence done), nothing walked yet. */
	VCPU_HOOK_SUBSCRIBED,
	/*
	 * A walk (gmap, or DAT on: guest tables and gmap) found a frame; its TLB entry is
	 * not written yet, so a precise purge now cannot find it and the fill must notice.
	 */
	VCPU_HOOK_FILL,
	/* The entry of VCPU_HOOK_FILL is written and published, or dropped again. */
	VCPU_HOOK_FILLED,
	/* A gmap walk found a frame; the copy window has not opened yet. */
	VCPU_HOOK_WALKED,
	/* The full path found the page in the TLB; the copy window has not opened yet. */
	VCPU_HOOK_HIT,
	/* A copy window is open and its generation checked; nothing copied yet. */
	VCPU_HOOK_WINDOW,
	/*
	 * Called on a purger's thread (not the vCPU's): the purge is marked (the
	 * generation bumped, or the entries of the page dropped) and the purger found a
	 * window open; it now waits for it to close.
	 */
	VCPU_HOOK_PURGE_WAIT,
	/*
	 * On a purger's thread: a precise purge (IPTE) bumped the vCPU's purge sequence
	 * and has not looked at its TLB entries yet.
	 */
	VCPU_HOOK_PURGE_SCAN,
	/* On a purger's thread: a precise purge has just dropped an entry; its scan goes on. */
	VCPU_HOOK_PURGE_DROP,
};

/* Set by a test before it starts the vCPU; called on the vCPU's thread. */
extern void (*vcpu_test_hook)(struct vcpu *vcpu, enum vcpu_hook_point point);

/*
 * The window protocol chosen at the first vcpu_create(): true for the
 * sequentially consistent read-modify-writes (the fallback; forced with the
 * environment variable GMAP_VCPU_FENCE=rmw and under ThreadSanitizer), false
 * for the plain stores paid for by membarrier() on the purging side.
 */
bool vcpu_window_rmw(void);

/* Process-wide barriers (membarrier()) that purges made so far, all vCPUs together. */
unsigned long vcpu_process_barriers(void);

#endif /* GMAP_SRC_VCPU_HOOKS_H */
