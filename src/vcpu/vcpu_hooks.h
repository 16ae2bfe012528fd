/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test hooks of the vCPU: points inside an access where a test runs "another
 * CPU's" host events, to replay an interleaving deterministically. NULL (and
 * one predictable branch off the TLB-hit path) outside tests.
 */
#ifndef GMAP_SRC_VCPU_HOOKS_H
#define GMAP_SRC_VCPU_HOOKS_H

struct vcpu;

enum vcpu_hook_point {
	/* Subscribed to the mm's purges (registration fence done), nothing walked yet. */
	VCPU_HOOK_SUBSCRIBED,
	/* A gmap walk found a frame; the copy window has not opened yet. */
	VCPU_HOOK_WALKED,
};

/* Set by a test before it starts the vCPU; called on the vCPU's thread. */
extern void (*vcpu_test_hook)(struct vcpu *vcpu, enum vcpu_hook_point point);

#endif /* GMAP_SRC_VCPU_HOOKS_H */
