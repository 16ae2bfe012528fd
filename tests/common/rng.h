/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helper: a small seeded pseudo-random generator (xorshift64*), one state
 * per thread, so that threaded tests repeat their choices for a given seed.
 */
#ifndef GMAP_TESTS_RNG_H
#define GMAP_TESTS_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s; /* never 0 */
};

static inline uint64_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

/* A number in [0, n), n > 0. */
static inline unsigned long below(struct rng *r, unsigned long n)
{
	return (unsigned long)(rnd(r) % n);
}

#endif /* GMAP_TESTS_RNG_H */
