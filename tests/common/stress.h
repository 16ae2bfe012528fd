/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helper for the stress tests: checks that worker threads can make, and the
 * operation counts that GMAP_STRESS_OPS scales.
 *
 * cmocka's assertions must not be used off the main thread (they longjmp into
 * it): the worker threads report and abort, which fails the test just as well.
 * A test that wants more in each message (a seed to replay) defines die()
 * before it includes this header.
 */
#ifndef GMAP_TESTS_STRESS_H
#define GMAP_TESTS_STRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef die
#define die(...)                                                \
	do {                                                    \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                   \
		fputc('\n', stderr);                            \
		abort();                                        \
	} while (0)
#endif

#define check_true(c)                           \
	do {                                    \
		if (!(c))                       \
			die("%s is false", #c); \
	} while (0)

#define check_eq(a, b)                                                \
	do {                                                          \
		long long a_ = (long long)(a), b_ = (long long)(b);   \
		if (a_ != b_)                                         \
			die("%s is %lld, expected %lld", #a, a_, b_); \
	} while (0)

/* @rc must be one of the values that follow it. */
#define check_rc(rc, ...)                                                    \
	do {                                                                 \
		int rc_ = (rc), ok_[] = { __VA_ARGS__ };                     \
		bool found_ = false;                                         \
		for (size_t k_ = 0; k_ < sizeof(ok_) / sizeof(ok_[0]); k_++) \
			found_ |= rc_ == ok_[k_];                            \
		if (!found_)                                                 \
			die("%s returned %d", #rc, rc_);                     \
	} while (0)

/* Operation counts are multiplied by this / 100 (GMAP_STRESS_OPS, default 1.0). */
static inline unsigned long *stress_ops_scale(void)
{
	static unsigned long scale = 100;

	return &scale;
}

/* Read GMAP_STRESS_OPS, which scales the operation counts for manual runs. */
static inline void stress_read_ops_scale(void)
{
	const char *scale = getenv("GMAP_STRESS_OPS");

	if (scale && atof(scale) > 0)
		*stress_ops_scale() = (unsigned long)(atof(scale) * 100);
}

/* @ops operations, scaled, spread over @rounds rounds: how many per round (at least 1). */
static inline unsigned long stress_per_round(unsigned long ops, unsigned long rounds)
{
	unsigned long n = ops * *stress_ops_scale() / 100 / rounds;

	return n ? n : 1;
}

#endif /* GMAP_TESTS_STRESS_H */
