/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_util - what every benchmark in bench/ needs besides the thing it measures:
 * failing loudly, the clock, a reproducible random sequence, median/min/max of
 * repetitions, timed runs with the kernel's fault and preemption counts, a
 * description of the machine, and a JSON emitter.
 *
 * Only code that stays out of the timed loops lives here (bench_clobber() is
 * inline for that reason): a call into another object file must not change what
 * a benchmark measures.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define BENCH_NOINLINE __attribute__((noinline))

#define MIB (1UL << 20)

/* Repetitions a benchmark may be asked for; sample buffers are sized by it. */
#define BENCH_MAX_REPS 64U
/* Timed runs one series may hold: a few per repetition. */
#define BENCH_MAX_SAMPLES (3 * BENCH_MAX_REPS)

/* Read at run time; the compiler cannot prove it is zero. */
extern volatile unsigned long bench_zero;
/* Results are stored here so that no measured call can be dropped. */
extern volatile unsigned long bench_sink;

/**
 * bench_clobber() - make the compiler assume that memory at @p was read and written
 * @p: the buffer a measured copy wrote or read
 *
 * Keeps the compiler from dropping or merging copies whose result nobody reads.
 */
static inline void bench_clobber(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* ---- failing -------------------------------------------------------------------------------- */

/**
 * bench_set_name() - name the benchmark in its error messages
 * @name: e.g. "bench_mm"; must outlive the program's messages (a literal)
 */
void bench_set_name(const char *name);

/**
 * bench_fail() - print "<name>: <message>" on stderr and exit 1
 * @fmt: printf format of the message, without the newline
 */
__attribute__((format(printf, 1, 2), noreturn)) void bench_fail(const char *fmt, ...);

/**
 * bench_die() - report a failed call and exit 1
 * @what: the call, e.g. "mm_write"
 * @rc:   what it returned
 */
__attribute__((noreturn)) void bench_die(const char *what, long rc);

/**
 * bench_check() - exit 1 unless a result is right
 * @ok:   the condition
 * @what: what was checked, for the message
 */
void bench_check(bool ok, const char *what);

/**
 * bench_malloc() - malloc() that exits 1 instead of returning NULL
 * @size: bytes
 *
 * Return: the memory.
 */
void *bench_malloc(size_t size);

/**
 * bench_parse_num() - the value of a numeric option, or exit 2
 * @opt: the option, for the message
 * @arg: its value (NULL if the command line ended)
 * @lo:  smallest value accepted
 * @hi:  largest value accepted
 *
 * Return: @arg as a decimal number from @lo to @hi.
 */
unsigned long bench_parse_num(const char *opt, const char *arg, unsigned long lo, unsigned long hi);

/**
 * bench_common_option() - handle an option that every benchmark takes
 * @argv:  the command line, NULL after the last argument
 * @i:     index of the option in @argv; moved on to its value if it has one
 * @usage: prints the benchmark's usage on the stream it is given
 * @quick: set by --quick
 * @reps:  set by --reps N (1 to BENCH_MAX_REPS); left alone otherwise
 *
 * --help and -h print the usage on stdout and exit 0.
 *
 * Return: true if argv[*i] was --help, -h, --quick or --reps.
 */
bool bench_common_option(char **argv, int *i, void (*usage)(FILE *f), bool *quick,
			 unsigned long *reps);

/* ---- time and randomness -------------------------------------------------------------------- */

/**
 * bench_now_ns() - CLOCK_MONOTONIC in nanoseconds
 *
 * Return: the time; only differences mean anything.
 */
double bench_now_ns(void);

/**
 * bench_preemptions() - involuntary context switches of the calling thread so far
 *
 * Return: the count; a timed run during which it grew lost the CPU at least once.
 */
long bench_preemptions(void);

/**
 * bench_seed() - restart the random sequence of bench_rnd()
 * @seed: any value; the default sequence is that of seed 0x5eed0fda7
 */
void bench_seed(unsigned long seed);

/**
 * bench_rnd() - next number of a splitmix64 sequence
 *
 * Fast and good enough to scatter addresses and table choices; the same seed
 * gives the same sequence on every run.
 *
 * Return: 64 random bits.
 */
unsigned long bench_rnd(void);

/**
 * bench_rnd_below() - a random number below @n
 * @n: the bound, at least 1
 *
 * Scales 64 random bits by multiplication, which needs no division and, unlike
 * a modulo, draws on the high bits.
 *
 * Return: a number from 0 to @n - 1.
 */
unsigned long bench_rnd_below(unsigned long n);

/* ---- statistics ----------------------------------------------------------------------------- */

struct stats {
	double median, min, max;
};

/**
 * bench_sort() - sort doubles in place, smallest first
 * @v: the values
 * @n: how many
 */
void bench_sort(double *v, unsigned int n);

/**
 * stats_of() - median, minimum and maximum of the timed runs of a measurement
 * @v: the values (left as they are)
 * @n: how many, 1 to BENCH_MAX_SAMPLES
 *
 * Return: the statistics; an even @n has the mean of the middle two as median.
 */
struct stats stats_of(const double *v, unsigned int n);

/* ---- series of timed runs ------------------------------------------------------------------- */

/* One measured quantity: ns per unit of every timed run, and what the kernel did meanwhile. */
struct bench_series {
	const char *name;
	const char *what;
	unsigned long per_run; /* units (pages, operations) one timed run handles */
	unsigned int n;
	double v[BENCH_MAX_SAMPLES];
	double minflt[BENCH_MAX_SAMPLES]; /* kernel minor faults per unit */
	unsigned long preempted;	  /* timed runs that lost the CPU */
};

/* The state of the process when a timed run started. */
struct bench_probe {
	double t0;
	long minflt, nivcsw;
};

/**
 * bench_probe_start() - start a timed run
 * @pr: where to remember the clock and the kernel's counters
 */
void bench_probe_start(struct bench_probe *pr);

/**
 * bench_probe_end() - end the timed run started at @pr and record it in @s
 * @pr: from bench_probe_start()
 * @s:  the series; exits 1 if it already holds BENCH_MAX_SAMPLES runs
 *
 * Return: the run's ns per unit.
 */
double bench_probe_end(const struct bench_probe *pr, struct bench_series *s);

/**
 * bench_series_combine() - add a run made of the last runs of two other series
 * @s:    the series to add it to
 * @a:    first series, with at least one run
 * @b:    second series, with at least one run
 * @sign: 1 for a + b (e.g. a page-out and the page-in after it), -1 for a - b
 */
void bench_series_combine(struct bench_series *s, const struct bench_series *a,
			  const struct bench_series *b, int sign);

/* ---- the machine ---------------------------------------------------------------------------- */

struct bench_machine {
	char cpu_model[128];
	long cpus;
	bool virtualized;
	char thp[64];
	char load_start[64], load_end[64];
	unsigned long peak_rss;
};

/**
 * bench_read_line() - first line of a small file, without trailing blanks
 * @path: the file
 * @buf:  where to put the line; "" if the file cannot be read
 * @size: size of @buf
 */
void bench_read_line(const char *path, char *buf, size_t size);

/**
 * bench_describe_machine() - what a benchmark's result depends on, before it runs
 * @m: filled in: CPU model, online CPUs, whether under a hypervisor, the
 *     transparent huge page setting and the load averages now
 */
void bench_describe_machine(struct bench_machine *m);

/**
 * bench_machine_done() - complete @m once the measurements are over
 * @m: gets the load averages now and the peak resident set size
 */
void bench_machine_done(struct bench_machine *m);

/* ---- JSON ----------------------------------------------------------------------------------- */

/* A minimal emitter on stdout: it tracks nesting, so every separator is right by construction. */
struct json {
	int depth;
	bool first[8];
};

/**
 * json_open() - start an object or an array
 * @j:     the emitter
 * @key:   its key in the enclosing object, NULL in an array or at the top
 * @brace: '{' or '['
 */
void json_open(struct json *j, const char *key, char brace);

/**
 * json_close() - end the innermost object or array
 * @j:     the emitter
 * @brace: '}' or ']'
 */
void json_close(struct json *j, char brace);

/**
 * json_str() - emit a string member
 * @j:   the emitter
 * @key: its key, NULL in an array
 * @val: the string, escaped as JSON needs
 */
void json_str(struct json *j, const char *key, const char *val);

/**
 * json_ulong() - emit an unsigned integer member
 * @j:   the emitter
 * @key: its key, NULL in an array
 * @val: the number
 */
void json_ulong(struct json *j, const char *key, unsigned long val);

/**
 * json_double() - emit a number with a fixed number of decimals
 * @j:        the emitter
 * @key:      its key, NULL in an array
 * @val:      the number
 * @decimals: digits after the point
 */
void json_double(struct json *j, const char *key, double val, int decimals);

/**
 * json_bool() - emit true or false
 * @j:   the emitter
 * @key: its key, NULL in an array
 * @val: the value
 */
void json_bool(struct json *j, const char *key, bool val);

/**
 * json_stats() - emit <prefix>_median, <prefix>_min and <prefix>_max
 * @j:        the emitter
 * @prefix:   e.g. "walk_ns"
 * @s:        the statistics
 * @decimals: digits after the point
 */
void json_stats(struct json *j, const char *prefix, const struct stats *s, int decimals);

/**
 * json_build() - emit the "build" object: compiler, optimized, sanitized
 * @j: the emitter
 *
 * bench_util.c is compiled with the benchmarks' flags, so this describes them.
 */
void json_build(struct json *j);

/**
 * json_params_open() - start the "params" object with the members every benchmark has
 * @j:     the emitter
 * @quick: whether --quick was given
 * @reps:  repetitions per measurement
 *
 * The benchmark emits its own parameters after these and closes the object.
 */
void json_params_open(struct json *j, bool quick, unsigned int reps);

/**
 * json_machine_open() - start the "machine" object with the CPU members
 * @j: the emitter
 * @m: the machine
 *
 * A benchmark emits its own members of "machine" (caches, huge pages) between
 * this and json_machine_close().
 */
void json_machine_open(struct json *j, const struct bench_machine *m);

/**
 * json_machine_close() - emit the load averages and peak RSS, end "machine"
 * @j: the emitter
 * @m: the machine, completed by bench_machine_done()
 */
void json_machine_close(struct json *j, const struct bench_machine *m);

#endif /* BENCH_UTIL_H */
