// SPDX-License-Identifier: GPL-2.0
/*
 * bench_util - the helpers every benchmark in bench/ shares; see bench_util.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "bench_util.h"

#define DEFAULT_SEED 0x5eed0fda7UL

volatile unsigned long bench_zero;
volatile unsigned long bench_sink;

static const char *bench_name = "bench";
static unsigned long rng_state = DEFAULT_SEED;

/* ---- failing -------------------------------------------------------------------------------- */

void bench_set_name(const char *name)
{
	bench_name = name;
}

void bench_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", bench_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void bench_die(const char *what, long rc)
{
	bench_fail("%s failed (%ld)", what, rc);
}

void bench_check(bool ok, const char *what)
{
	if (!ok)
		bench_fail("check failed: %s", what);
}

void *bench_malloc(size_t size)
{
	void *p = malloc(size);

	if (!p)
		bench_die("malloc", (long)size);
	return p;
}

unsigned long bench_parse_num(const char *opt, const char *arg, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	if (!arg) {
		fprintf(stderr, "%s: %s needs a value\n", bench_name, opt);
		exit(2);
	}
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || end == arg || v < lo || v > hi) {
		fprintf(stderr, "%s: %s: expected a number from %lu to %lu\n", bench_name, opt, lo,
			hi);
		exit(2);
	}
	return v;
}

bool bench_common_option(char **argv, int *i, void (*usage)(FILE *f), bool *quick,
			 unsigned long *reps)
{
	const char *opt = argv[*i];

	if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
		usage(stdout);
		exit(0);
	}
	if (!strcmp(opt, "--quick")) {
		*quick = true;
		return true;
	}
	if (strcmp(opt, "--reps"))
		return false;
	*reps = bench_parse_num(opt, argv[*i + 1], 1, BENCH_MAX_REPS);
	++*i;
	return true;
}

/* ---- time and randomness -------------------------------------------------------------------- */

double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

long bench_preemptions(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		return 0;
	return ru.ru_nivcsw;
}

void bench_seed(unsigned long seed)
{
	rng_state = seed;
}

unsigned long bench_rnd(void)
{
	unsigned long z = (rng_state += 0x9e3779b97f4a7c15UL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	return z ^ (z >> 31);
}

unsigned long bench_rnd_below(unsigned long n)
{
	return (unsigned long)(((unsigned __int128)bench_rnd() * n) >> 64);
}

/* ---- statistics ----------------------------------------------------------------------------- */

/**
 * cmp_double() - qsort() order of two doubles, smallest first
 * @a: first double
 * @b: second double
 *
 * Return: negative, 0 or positive as *@a is below, equal to or above *@b.
 */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void bench_sort(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
}

struct stats stats_of(const double *v, unsigned int n)
{
	double s[BENCH_MAX_SAMPLES];
	struct stats st;

	if (!n || n > BENCH_MAX_SAMPLES)
		bench_fail("statistics of %u values", n);
	memcpy(s, v, n * sizeof(*v));
	bench_sort(s, n);
	st.min = s[0];
	st.max = s[n - 1];
	st.median = n & 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	return st;
}

/* ---- series of timed runs ------------------------------------------------------------------- */

/**
 * minor_faults() - minor page faults of the whole process so far
 *
 * The whole process, not the thread: the frees of the RCU thread fault too.
 *
 * Return: the count.
 */
static long minor_faults(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return ru.ru_minflt;
}

void bench_probe_start(struct bench_probe *pr)
{
	pr->minflt = minor_faults();
	pr->nivcsw = bench_preemptions();
	pr->t0 = bench_now_ns();
}

double bench_probe_end(const struct bench_probe *pr, struct bench_series *s)
{
	double ns = bench_now_ns() - pr->t0;
	long minflt = minor_faults(), nivcsw = bench_preemptions();

	if (s->n >= BENCH_MAX_SAMPLES)
		bench_die("too many samples", s->n);
	s->v[s->n] = ns / (double)s->per_run;
	s->minflt[s->n] = (double)(minflt - pr->minflt) / (double)s->per_run;
	s->n++;
	if (nivcsw != pr->nivcsw)
		s->preempted++;
	return s->v[s->n - 1];
}

void bench_series_combine(struct bench_series *s, const struct bench_series *a,
			  const struct bench_series *b, int sign)
{
	if (s->n >= BENCH_MAX_SAMPLES)
		bench_die("too many samples", s->n);
	s->v[s->n] = a->v[a->n - 1] + sign * b->v[b->n - 1];
	s->minflt[s->n] = a->minflt[a->n - 1] + sign * b->minflt[b->n - 1];
	s->n++;
}

/* ---- the machine ---------------------------------------------------------------------------- */

/**
 * trim() - drop trailing newlines, spaces and tabs
 * @s: the string, changed in place
 */
static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = 0;
}

void bench_read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = 0;
	fclose(f);
	trim(buf);
}

/**
 * read_cpuinfo() - CPU model and hypervisor flag from /proc/cpuinfo
 * @m: gets cpu_model ("unknown" if there is none) and virtualized
 */
static void read_cpuinfo(struct bench_machine *m)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];

	snprintf(m->cpu_model, sizeof(m->cpu_model), "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		if (!strncmp(line, "model name", 10) && !strcmp(m->cpu_model, "unknown")) {
			snprintf(m->cpu_model, sizeof(m->cpu_model), "%s", colon + 2);
			trim(m->cpu_model);
		} else if (!strncmp(line, "flags", 5) && strstr(colon, " hypervisor")) {
			m->virtualized = true;
		}
	}
	fclose(f);
}

/**
 * read_loadavg() - the three load averages of /proc/loadavg
 * @buf:  gets them as the kernel prints them, "" if unreadable
 * @size: size of @buf
 */
static void read_loadavg(char *buf, size_t size)
{
	int spaces = 0;

	bench_read_line("/proc/loadavg", buf, size);
	/* Keep the three averages, drop the run-queue and pid fields. */
	for (char *p = buf; *p; p++) {
		if (*p == ' ' && ++spaces == 3) {
			*p = 0;
			break;
		}
	}
}

/**
 * read_peak_rss() - the process's peak resident set size
 *
 * Return: bytes (VmHWM of /proc/self/status), 0 if unknown.
 */
static unsigned long read_peak_rss(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long kib = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			kib = strtoul(line + 6, NULL, 10);
	fclose(f);
	return kib << 10;
}

void bench_describe_machine(struct bench_machine *m)
{
	char thp[sizeof(m->thp)];

	memset(m, 0, sizeof(*m));
	read_cpuinfo(m);
	m->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	bench_read_line("/sys/kernel/mm/transparent_hugepage/enabled", thp, sizeof(thp));
	snprintf(m->thp, sizeof(m->thp), "%s", thp[0] ? thp : "unknown");
	read_loadavg(m->load_start, sizeof(m->load_start));
}

void bench_machine_done(struct bench_machine *m)
{
	read_loadavg(m->load_end, sizeof(m->load_end));
	m->peak_rss = read_peak_rss();
}

/* ---- JSON ----------------------------------------------------------------------------------- */

/**
 * json_string() - print @s as a JSON string literal
 * @s: the string; quotes, backslashes and control characters are escaped
 */
static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/**
 * json_indent() - start a new line at the depth of @j
 * @j: the emitter
 */
static void json_indent(const struct json *j)
{
	putchar('\n');
	for (int i = 0; i < j->depth; i++)
		fputs("  ", stdout);
}

/**
 * json_key() - the separator before a value and, in an object, its key
 * @j:   the emitter
 * @key: the key, NULL in an array or at the top
 */
static void json_key(struct json *j, const char *key)
{
	if (j->depth) {
		if (!j->first[j->depth])
			putchar(',');
		json_indent(j);
	}
	j->first[j->depth] = false;
	if (key) {
		json_string(key);
		fputs(": ", stdout);
	}
}

void json_open(struct json *j, const char *key, char brace)
{
	json_key(j, key);
	putchar(brace);
	j->first[++j->depth] = true;
}

void json_close(struct json *j, char brace)
{
	bool empty = j->first[j->depth];

	j->depth--;
	if (!empty)
		json_indent(j);
	putchar(brace);
	if (!j->depth)
		putchar('\n');
}

void json_str(struct json *j, const char *key, const char *val)
{
	json_key(j, key);
	json_string(val);
}

void json_ulong(struct json *j, const char *key, unsigned long val)
{
	json_key(j, key);
	printf("%lu", val);
}

void json_double(struct json *j, const char *key, double val, int decimals)
{
	json_key(j, key);
	printf("%.*f", decimals, val);
}

void json_bool(struct json *j, const char *key, bool val)
{
	json_key(j, key);
	fputs(val ? "true" : "false", stdout);
}

void json_stats(struct json *j, const char *prefix, const struct stats *s, int decimals)
{
	char key[64];

	snprintf(key, sizeof(key), "%s_median", prefix);
	json_double(j, key, s->median, decimals);
	snprintf(key, sizeof(key), "%s_min", prefix);
	json_double(j, key, s->min, decimals);
	snprintf(key, sizeof(key), "%s_max", prefix);
	json_double(j, key, s->max, decimals);
}

void json_build(struct json *j)
{
	json_open(j, "build", '{');
	json_str(j, "compiler", __VERSION__);
#ifdef __OPTIMIZE__
	json_bool(j, "optimized", true);
#else
	json_bool(j, "optimized", false);
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	json_bool(j, "sanitized", true);
#else
	json_bool(j, "sanitized", false);
#endif
	json_close(j, '}');
}

void json_params_open(struct json *j, bool quick, unsigned int reps)
{
	json_open(j, "params", '{');
	json_bool(j, "quick", quick);
	json_ulong(j, "reps", reps);
}

void json_machine_open(struct json *j, const struct bench_machine *m)
{
	json_open(j, "machine", '{');
	json_str(j, "cpu_model", m->cpu_model);
	json_ulong(j, "cpus_online", (unsigned long)m->cpus);
	json_bool(j, "virtualized", m->virtualized);
}

void json_machine_close(struct json *j, const struct bench_machine *m)
{
	json_str(j, "loadavg_start", m->load_start);
	json_str(j, "loadavg_end", m->load_end);
	json_ulong(j, "peak_rss_bytes", m->peak_rss);
	json_close(j, '}');
}
