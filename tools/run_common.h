/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `gmap run`: the helpers every part of the scenario uses and that depend on
 * no part of it: the PRNG, where a vCPU's prefix area lies, the clock. The
 * run_* files form a downward graph: cmd_run.c drives run_setup.c,
 * run_vcpu.c, run_host.c, run_verify.c and run_report.c; the vCPU and host
 * threads record failures in run_verify.c; all of them stand on run_common.c.
 */
#ifndef GMAP_TOOLS_RUN_COMMON_H
#define GMAP_TOOLS_RUN_COMMON_H

#include <stdint.h>

/* splitmix64: turns a seed (or a seed and an index) into a well-mixed value. */
uint64_t run_seed_mix(uint64_t x);

/* xorshift64*: the next value of the stream @state (never 0). */
uint64_t run_rand(uint64_t *state);

/* Guest absolute address of vCPU @id's prefix area: (id + 1) * 8 KiB. */
unsigned long run_prefix(unsigned int id);

/* CLOCK_MONOTONIC in seconds. */
double run_now(void);

/* CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID) in seconds: no time off the CPU. */
double run_thread_cpu(void);

/* Sleep @ns nanoseconds (less than a second); used for polling, never for ordering. */
void run_nap(long ns);

#endif /* GMAP_TOOLS_RUN_COMMON_H */
