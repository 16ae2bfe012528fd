/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GMAP_SRC_GMAP_ENABLED_H
#define GMAP_SRC_GMAP_ENABLED_H

struct gmap;

/*
 * The gmap enabled on this thread (gmap_enable(), gmap_get_enabled()). Hidden
 * and initial-exec so that the vCPU hit path (src/vcpu/vcpu.c) reads it with one
 * load, without a call through the PLT and __tls_get_addr(). Only gmap.c writes it.
 */
extern __thread struct gmap *enabled_gmap
	__attribute__((visibility("hidden"), tls_model("initial-exec")));

#endif /* GMAP_SRC_GMAP_ENABLED_H */
