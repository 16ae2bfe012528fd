/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The RCU flavour of libgmap: liburcu's "bulletproof" flavour, because a
 * library cannot ask every thread that calls it to register first.
 *
 * Not _LGPL_SOURCE: the inlined read-side fast path dereferences liburcu's
 * reader records, which the library does not allocate with the alignment their
 * type declares, and UBSan rightly objects. The out-of-line calls are cheap.
 */
#ifndef GMAP_SRC_CORE_RCU_H
#define GMAP_SRC_CORE_RCU_H

#include <urcu-bp.h>
#include <urcu/list.h>
#include <urcu/rculist.h>

#endif /* GMAP_SRC_CORE_RCU_H */
