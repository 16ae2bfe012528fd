/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_instr - instructions per operation beside the nanoseconds, because a
 * shared, noisy machine moves the time but not the instruction count.
 *
 * Two sources: the CPU's counter through perf_event_open() (user space only,
 * the calling thread), read around each timed run; or, where the kernel or the
 * hypervisor offers no counter (a KVM guest without a virtual PMU), callgrind:
 * the benchmark runs itself under `valgrind --tool=callgrind` in a counting
 * mode that brackets each measured loop with client requests, and reads back
 * the counts of the dumps.
 */
#ifndef BENCH_INSTR_H
#define BENCH_INSTR_H

#include <stdbool.h>

/**
 * bench_instr_open() - open the instruction counter of the calling thread
 *
 * Return: true if perf_event_open() gave a counter of retired user-space instructions.
 */
bool bench_instr_open(void);

/**
 * bench_instr_read() - instructions retired by the calling thread so far
 *
 * Return: the count, or 0 if bench_instr_open() failed.
 */
unsigned long bench_instr_read(void);

/**
 * bench_on_valgrind() - whether the process runs under valgrind
 *
 * Return: true under valgrind (and if libgmap was built with its headers).
 */
bool bench_on_valgrind(void);

/** bench_cg_start() - under callgrind: zero the counts and start collecting. */
void bench_cg_start(void);

/**
 * bench_cg_stop() - under callgrind: stop collecting and dump the counts
 * @name: what was measured; bench_cg_run() hands it back with the count
 */
void bench_cg_stop(const char *name);

/**
 * bench_cg_run() - run a command under callgrind and collect its dumps
 * @argv:  the command (argv[0] an executable path), NULL-terminated; it must call
 *         bench_cg_start()/bench_cg_stop() around what it measures
 * @found: called once per dump with the name given to bench_cg_stop() and the
 *         instructions collected since the matching bench_cg_start()
 * @ctx:   passed to @found
 *
 * Return: true if valgrind ran the command to a zero exit status.
 */
bool bench_cg_run(char *const *argv, void (*found)(void *ctx, const char *name, unsigned long ir),
		  void *ctx);

/* The name bench_cg_run()'s @found gets for the dump at the command's end. */
#define BENCH_CG_TOTAL "(total)"

/**
 * bench_cg_run_whole() - instructions of a whole command under callgrind
 * @argv: the command (argv[0] an executable path), NULL-terminated; any program, no
 *        client requests needed: everything from its start to its end is counted
 * @in:   file for its standard input, or NULL to inherit it
 *
 * The command's standard output and error go to /dev/null.
 *
 * Return: the instructions, or 0 if valgrind did not run it to a zero exit status.
 */
unsigned long bench_cg_run_whole(char *const *argv, const char *in);

#endif /* BENCH_INSTR_H */
