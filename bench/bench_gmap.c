// SPDX-License-Identifier: GPL-2.0
/*
 * bench_gmap - cost of the guest address space's own operations.
 *
 * - translate: gmap_translate() (which takes mmap_lock for reading) and
 *   __gmap_translate() (lock held by the caller) with 1, 64 and 4,096 mapped
 *   segments; the guest address of each call depends on the result of the
 *   previous one (result & a zero the compiler cannot see), so this is latency.
 *   One address per segment (16 in the one-segment case), shuffled, cycled.
 * - fault, populated: gmap_fault() on pages that are present in the host and
 *   whose segment is linked: the steady-state cost of a fault the guest takes on
 *   a page the gmap already reaches (e.g. after a PROT_READ arm), read and write.
 * - fault, unlinked: the host page is present, the guest segment is mapped but
 *   not linked: gmap_fault() only links (one call per segment, a fresh gmap on
 *   the same mm every repetition).
 * - fault, first touch: nothing exists below the guest mapping: the host page
 *   table, the frame and the link are made by the fault ("segment"); and the
 *   same with every guest segment in a region-third entry of its own, so that
 *   each fault also allocates a gmap segment table ("region"). A fresh mm and
 *   gmap every repetition.
 * - notify: gmap_mprotect_notify(PROT_READ) of one present, linked page (arm);
 *   then a host change of it that fires the notifier (a counter), against the
 *   same change unarmed: ptep_xchg_direct() of the PTE with its own value (the
 *   primitive every host change goes through; dispatch = armed - unarmed), and
 *   mm_migrate_page() (round trip = arm + armed migration; overhead = armed -
 *   unarmed migration, which drowns in the migration's own noise).
 *
 * Every case reports ns per operation over its timed runs (median, min, max),
 * the kernel's minor faults per operation (the pool maps 2 MiB chunks on first
 * use) and how many runs were preempted. Deferred frees are waited for outside
 * the timed loops. Results are checked; a wrong one exits 1.
 *
 * Output: one JSON document on stdout.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>

#define BENCH_NOINLINE __attribute__((noinline))

#define SEG	    _SEGMENT_SIZE
#define R3_SIZE	    (1UL << 31) /* one region-third entry */
#define MAX_REPS    64U
#define MAX_SAMPLES (2 * MAX_REPS)  /* the arm is timed twice per repetition */
#define HBASE	    0x10000000000UL /* host mappings, 1 TiB */
#define HOT_FAULTS  256UL	    /* populated pages the hot fault loop cycles through */
/*
 * Few enough that the migrations' new frames come from the pool chunk that keeps the
 * page table alive: no chunk is returned to the system and mapped again, which would
 * add kernel faults to one series and not the other.
 */
#define NOTIFY_PGS  128UL
#define RW	    (PROT_READ | PROT_WRITE)
#define MAP_ANON_PV (MAP_PRIVATE | MAP_ANONYMOUS)

/* Read once at run time; the compiler cannot prove it is zero. */
static volatile unsigned long bench_zero;
/* Results are stored here so that no measured call can be dropped. */
static volatile unsigned long bench_sink;

struct params {
	bool quick;
	unsigned int reps;
	unsigned long translate_n; /* calls per timed translate run */
	unsigned long fault_n;	   /* calls per timed populated-fault run */
	unsigned long segs;	   /* segments per unlinked / first-touch run */
};

struct machine {
	char cpu_model[128];
	long cpus;
	bool virtualized;
	char load_start[64], load_end[64];
	unsigned long peak_rss;
};

/* ---- small helpers -------------------------------------------------------------------------- */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct stats {
	double median, min, max;
};

static struct stats stats_of(const double *v, unsigned int n)
{
	double s[MAX_SAMPLES];
	struct stats st;

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	st.min = s[0];
	st.max = s[n - 1];
	st.median = n & 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	return st;
}

static void die(const char *what, long rc)
{
	fprintf(stderr, "bench_gmap: %s failed (%ld)\n", what, rc);
	exit(1);
}

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench_gmap: check failed: %s\n", what);
		exit(1);
	}
}

static void *xalloc(size_t size)
{
	void *p = malloc(size);

	if (!p)
		die("malloc", (long)size);
	return p;
}

static unsigned long rng_state = 0x5eed0fda7UL;

/* splitmix64 */
static unsigned long rnd(void)
{
	unsigned long z = (rng_state += 0x9e3779b97f4a7c15UL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	return z ^ (z >> 31);
}

/* ---- machine description -------------------------------------------------------------------- */

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = 0;
}

static void read_cpuinfo(struct machine *m)
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

/* The three load averages of /proc/loadavg. */
static void read_loadavg(char *buf, size_t size)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double a = 0, b = 0, c = 0;

	if (!f || fscanf(f, "%lf %lf %lf", &a, &b, &c) != 3)
		a = b = c = -1;
	if (f)
		fclose(f);
	snprintf(buf, size, "%.2f %.2f %.2f", a, b, c);
}

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

/* ---- series of timed runs ------------------------------------------------------------------- */

/* One measured quantity: ns per operation of every timed run. */
struct series {
	const char *name;
	const char *what;
	unsigned long ops; /* operations per timed run */
	unsigned int n;
	double v[MAX_SAMPLES];
	double minflt[MAX_SAMPLES]; /* kernel minor faults per operation */
	unsigned long preempted;    /* timed runs that lost the CPU */
};

struct probe {
	double t0;
	long minflt, nivcsw;
};

static void usage_now(long *minflt, long *nivcsw)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*minflt = ru.ru_minflt;
	getrusage(RUSAGE_THREAD, &ru);
	*nivcsw = ru.ru_nivcsw;
}

static void probe_start(struct probe *pr)
{
	usage_now(&pr->minflt, &pr->nivcsw);
	pr->t0 = now_ns();
}

static void probe_end(const struct probe *pr, struct series *s)
{
	double ns = now_ns() - pr->t0;
	long minflt, nivcsw;

	usage_now(&minflt, &nivcsw);
	if (s->n >= MAX_SAMPLES)
		die("too many samples", s->n);
	s->v[s->n] = ns / (double)s->ops;
	s->minflt[s->n] = (double)(minflt - pr->minflt) / (double)s->ops;
	s->n++;
	if (nivcsw != pr->nivcsw)
		s->preempted++;
}

/* A run made of the last runs of @a and @b (+1) or of @a minus @b (-1). */
static void series_combine(struct series *s, const struct series *a, const struct series *b,
			   int sign)
{
	s->v[s->n] = a->v[a->n - 1] + sign * b->v[b->n - 1];
	s->minflt[s->n] = a->minflt[a->n - 1] + sign * b->minflt[b->n - 1];
	s->n++;
}

/* The measured series, in the order of the JSON. */
enum {
	S_XLATE_1,
	S_XLATE_64,
	S_XLATE_4096,
	S_XLATE_LOCKED_1,
	S_XLATE_LOCKED_64,
	S_XLATE_LOCKED_4096,
	S_FAULT_READ,
	S_FAULT_WRITE,
	S_FAULT_UNLINKED,
	S_FAULT_FIRST_SEG,
	S_FAULT_FIRST_REGION,
	S_KERNEL_FIRST_TOUCH,
	S_ARM,
	S_XCHG_ARMED,
	S_XCHG_PLAIN,
	S_DISPATCH,
	S_MIGRATE_ARMED,
	S_MIGRATE_PLAIN,
	S_ROUND_TRIP,
	S_NOTIFY_OVERHEAD,
	NSERIES
};

/* ---- address spaces ------------------------------------------------------------------------- */

static struct mm_struct *new_mm(void)
{
	struct mm_struct *mm = mm_create();

	if (!mm)
		die("mm_create", 0);
	return mm;
}

static struct gmap *new_gmap(struct mm_struct *mm, unsigned long limit)
{
	struct gmap *g = gmap_create(mm, limit);

	if (!g)
		die("gmap_create", 0);
	return g;
}

static void host_map(struct mm_struct *mm, unsigned long addr, unsigned long len)
{
	unsigned long rc = mm_mmap(mm, addr, len, RW, MAP_ANON_PV | MAP_FIXED);

	if (rc != addr)
		die("mm_mmap", (long)rc);
}

static void map_segments(struct gmap *g, unsigned long from, unsigned long to, unsigned long len)
{
	int rc = gmap_map_segment(g, from, to, len);

	if (rc)
		die("gmap_map_segment", rc);
}

static void fault(struct gmap *g, unsigned long gaddr, unsigned int flags)
{
	int rc = gmap_fault(g, gaddr, flags);

	if (rc)
		die("gmap_fault", rc);
}

static void teardown(struct mm_struct *mm, struct gmap *g)
{
	gmap_remove(g);
	mm_destroy(mm);
	gm_quiesce();
}

/* ---- translate ------------------------------------------------------------------------------ */

static BENCH_NOINLINE unsigned long translate_loop(struct gmap *g, const unsigned long *seq,
						   unsigned long mask, unsigned long n)
{
	unsigned long zero = bench_zero, v = 0;

	for (unsigned long i = 0; i < n; i++)
		v = gmap_translate(g, seq[i & mask] | (v & zero));
	return v;
}

static BENCH_NOINLINE unsigned long translate_locked_loop(struct gmap *g, const unsigned long *seq,
							  unsigned long mask, unsigned long n)
{
	unsigned long zero = bench_zero, v = 0;

	for (unsigned long i = 0; i < n; i++)
		v = __gmap_translate(g, seq[i & mask] | (v & zero));
	return v;
}

/* One guest address per segment (at least 16), in random order; the host is the guest + HBASE. */
static unsigned long *translate_addresses(unsigned long nseg, unsigned long *count)
{
	unsigned long n = nseg < 16 ? 16 : nseg, *seq = xalloc(n * sizeof(*seq)), j, t;

	for (unsigned long i = 0; i < n; i++)
		seq[i] = (i % nseg) * SEG + (rnd() & (SEG - 8));
	for (unsigned long i = n - 1; i > 0; i--) {
		j = rnd() % (i + 1);
		t = seq[i];
		seq[i] = seq[j];
		seq[j] = t;
	}
	*count = n;
	return seq;
}

static void run_translate(const struct params *p, unsigned long nseg, struct series *s,
			  struct series *locked)
{
	struct mm_struct *mm = new_mm();
	struct gmap *g = new_gmap(mm, (1UL << 42) - 1);
	unsigned long count, *seq = translate_addresses(nseg, &count);
	struct probe pr;

	map_segments(g, HBASE, 0, nseg * SEG);
	for (unsigned long i = 0; i < count; i++)
		check(gmap_translate(g, seq[i]) == HBASE + seq[i], "gmap_translate result");
	s->ops = locked->ops = p->translate_n;
	for (unsigned int r = 0; r < p->reps; r++) {
		bench_sink = translate_loop(g, seq, count - 1, p->translate_n / 16);
		probe_start(&pr);
		bench_sink = translate_loop(g, seq, count - 1, p->translate_n);
		probe_end(&pr, s);
		mmap_read_lock(mm);
		probe_start(&pr);
		bench_sink = translate_locked_loop(g, seq, count - 1, p->translate_n);
		probe_end(&pr, locked);
		mmap_read_unlock(mm);
	}
	free(seq);
	teardown(mm, g);
}

/* ---- faults --------------------------------------------------------------------------------- */

static BENCH_NOINLINE void fault_loop(struct gmap *g, const unsigned long *seq, unsigned long mask,
				      unsigned long n, unsigned int flags)
{
	for (unsigned long i = 0; i < n; i++)
		fault(g, seq[i & mask], flags);
}

/* Populated and linked: 256 pages over 64 segments, written (dirty) so no fault changes a PTE. */
static void run_fault_populated(const struct params *p, struct series *rd, struct series *wr)
{
	struct mm_struct *mm = new_mm();
	struct gmap *g = new_gmap(mm, (1UL << 42) - 1);
	unsigned long seq[HOT_FAULTS];
	struct mm_stats before, after;
	struct probe pr;

	host_map(mm, HBASE, 64 * SEG);
	map_segments(g, HBASE, 0, 64 * SEG);
	for (unsigned long i = 0; i < HOT_FAULTS; i++) {
		seq[i] = (i % 64) * SEG + (rnd() % 256) * PAGE_SIZE + (rnd() & (PAGE_SIZE - 8));
		fault(g, seq[i], FAULT_FLAG_WRITE);
	}
	mm_get_stats(mm, &before);
	rd->ops = wr->ops = p->fault_n;
	for (unsigned int r = 0; r < p->reps; r++) {
		fault_loop(g, seq, HOT_FAULTS - 1, p->fault_n / 16, 0);
		probe_start(&pr);
		fault_loop(g, seq, HOT_FAULTS - 1, p->fault_n, 0);
		probe_end(&pr, rd);
		probe_start(&pr);
		fault_loop(g, seq, HOT_FAULTS - 1, p->fault_n, FAULT_FLAG_WRITE);
		probe_end(&pr, wr);
	}
	mm_get_stats(mm, &after);
	check(after.faults == before.faults, "populated faults changed no PTE");
	teardown(mm, g);
}

/* One fault per segment at the same page of each; the guest segment j is at j * @stride. */
static BENCH_NOINLINE void fault_segments(struct gmap *g, unsigned long nseg, unsigned long stride,
					  unsigned int flags)
{
	for (unsigned long j = 0; j < nseg; j++)
		fault(g, j * stride + 0x5008, flags);
}

/* The guest segments are mapped to host segments whose pages exist: the fault only links. */
static void run_fault_unlinked(const struct params *p, struct series *s)
{
	struct mm_struct *mm = new_mm();
	unsigned long one = 1;
	struct probe pr;

	host_map(mm, HBASE, p->segs * SEG);
	for (unsigned long j = 0; j < p->segs; j++)
		check(!mm_write(mm, HBASE + j * SEG + 0x5008, &one, sizeof(one)), "mm_write");
	s->ops = p->segs;
	for (unsigned int r = 0; r < p->reps; r++) {
		struct gmap *g = new_gmap(mm, (1UL << 42) - 1);

		map_segments(g, HBASE, 0, p->segs * SEG);
		probe_start(&pr);
		fault_segments(g, p->segs, SEG, 0);
		probe_end(&pr, s);
		gmap_remove(g);
		gm_quiesce();
	}
	mm_destroy(mm);
	gm_quiesce();
}

/*
 * First touch. The guest segments are @stride apart: SEG puts them in one gmap
 * segment table, R3_SIZE gives each a segment table of its own.
 */
static void run_fault_first_touch(const struct params *p, unsigned long stride, struct series *s)
{
	struct probe pr;

	s->ops = p->segs;
	for (unsigned int r = 0; r < p->reps; r++) {
		struct mm_struct *mm = new_mm();
		struct gmap *g = new_gmap(mm, (1UL << 42) - 1);
		struct mm_stats st;

		host_map(mm, HBASE, p->segs * SEG);
		for (unsigned long j = 0; j < p->segs; j++)
			map_segments(g, HBASE + j * SEG, j * stride, SEG);
		probe_start(&pr);
		fault_segments(g, p->segs, stride, FAULT_FLAG_WRITE);
		probe_end(&pr, s);
		mm_get_stats(mm, &st);
		check(st.page_tables == p->segs && st.zero_fills == p->segs, "first touch");
		teardown(mm, g);
	}
}

/*
 * The floor of a first touch in this process: the kernel's own fault on a fresh
 * anonymous page, which the pool's chunks of 2 MiB also pay the first time each
 * of their pages is used (the first-touch cases report how often).
 */
static void run_kernel_first_touch(const struct params *p, struct series *s)
{
	unsigned long len = p->segs * 2 * PAGE_SIZE;
	struct probe pr;

	s->ops = p->segs * 2;
	for (unsigned int r = 0; r < p->reps; r++) {
		unsigned char *mem = mmap(NULL, len, RW, MAP_ANON_PV, -1, 0);

		if (mem == MAP_FAILED)
			die("mmap", errno);
		probe_start(&pr);
		for (unsigned long off = 0; off < len; off += PAGE_SIZE)
			((volatile unsigned char *)mem)[off] = 1;
		probe_end(&pr, s);
		munmap(mem, len);
	}
}

/* ---- notify --------------------------------------------------------------------------------- */

static unsigned long notified;

static void count_call(struct gmap *g, unsigned long start, unsigned long end)
{
	(void)g;
	(void)start;
	(void)end;
	notified++;
}

static BENCH_NOINLINE void arm_loop(struct gmap *g, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		int rc = gmap_mprotect_notify(g, i * PAGE_SIZE, PAGE_SIZE, PROT_READ);

		if (rc)
			die("gmap_mprotect_notify", rc);
	}
}

static BENCH_NOINLINE void migrate_loop(struct mm_struct *mm, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		int rc = mm_migrate_page(mm, HBASE + i * PAGE_SIZE);

		if (rc)
			die("mm_migrate_page", rc);
	}
}

/* Exchange every PTE for its own value: the primitive every host change goes through. */
static BENCH_NOINLINE void xchg_loop(struct mm_struct *mm, unsigned long n)
{
	spinlock_t *ptl;
	pte_t *ptep;

	mmap_read_lock(mm);
	for (unsigned long i = 0; i < n; i++) {
		ptep = get_locked_pte(mm, HBASE + i * PAGE_SIZE, &ptl);
		if (!ptep)
			die("get_locked_pte", 0);
		ptep_xchg_direct(mm, HBASE + i * PAGE_SIZE, ptep, *ptep);
		pte_unmap_unlock(ptep, ptl);
	}
	mmap_read_unlock(mm);
}

/* Time @fn over the notify pages into @s; the notifier must then have run @want_notified times. */
static void time_host_change(struct mm_struct *mm, void (*fn)(struct mm_struct *, unsigned long),
			     struct series *s, unsigned long want_notified)
{
	struct probe pr;

	/* Each run starts with the frames of the last migration back in the pool. */
	gm_quiesce();
	probe_start(&pr);
	fn(mm, NOTIFY_PGS);
	probe_end(&pr, s);
	check(notified == want_notified, "one notification per armed page, none unarmed");
}

static void time_arm(struct gmap *g, struct series *s)
{
	struct probe pr;

	probe_start(&pr);
	arm_loop(g, NOTIFY_PGS);
	probe_end(&pr, s);
}

static void run_notify(const struct params *p, struct series *s)
{
	struct gmap_notifier nb = { .notifier_call = count_call };
	struct mm_struct *mm = new_mm();
	struct gmap *g = new_gmap(mm, (1UL << 42) - 1);

	host_map(mm, HBASE, SEG);
	map_segments(g, HBASE, 0, SEG);
	for (unsigned long i = 0; i < NOTIFY_PGS; i++)
		fault(g, i * PAGE_SIZE, FAULT_FLAG_WRITE);
	/* Warm-up: every frame the migrations will use has been touched. */
	for (int i = 0; i < 4; i++) {
		migrate_loop(mm, NOTIFY_PGS);
		gm_quiesce();
	}
	gmap_register_pte_notifier(&nb);
	for (unsigned int i = S_ARM; i <= S_NOTIFY_OVERHEAD; i++)
		s[i].ops = NOTIFY_PGS;
	for (unsigned int r = 0; r < p->reps; r++) {
		notified = 0;
		time_arm(g, &s[S_ARM]);
		time_host_change(mm, xchg_loop, &s[S_XCHG_ARMED], NOTIFY_PGS);
		time_host_change(mm, xchg_loop, &s[S_XCHG_PLAIN], NOTIFY_PGS);
		series_combine(&s[S_DISPATCH], &s[S_XCHG_ARMED], &s[S_XCHG_PLAIN], -1);
		time_arm(g, &s[S_ARM]);
		time_host_change(mm, migrate_loop, &s[S_MIGRATE_ARMED], 2 * NOTIFY_PGS);
		time_host_change(mm, migrate_loop, &s[S_MIGRATE_PLAIN], 2 * NOTIFY_PGS);
		series_combine(&s[S_ROUND_TRIP], &s[S_ARM], &s[S_MIGRATE_ARMED], 1);
		series_combine(&s[S_NOTIFY_OVERHEAD], &s[S_MIGRATE_ARMED], &s[S_MIGRATE_PLAIN], -1);
	}
	gmap_unregister_pte_notifier(&nb);
	teardown(mm, g);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

/* A minimal emitter: it tracks nesting so that every separator is right by construction. */
struct json {
	int depth;
	bool first[8];
};

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

static void json_sep(struct json *j)
{
	if (j->depth) {
		if (!j->first[j->depth])
			putchar(',');
		putchar('\n');
		for (int i = 0; i < j->depth; i++)
			fputs("  ", stdout);
	}
	j->first[j->depth] = false;
}

static void json_key(struct json *j, const char *key)
{
	json_sep(j);
	if (key) {
		json_string(key);
		fputs(": ", stdout);
	}
}

static void json_open(struct json *j, const char *key, char brace)
{
	json_key(j, key);
	putchar(brace);
	j->first[++j->depth] = true;
}

static void json_close(struct json *j, char brace)
{
	bool empty = j->first[j->depth];

	j->depth--;
	if (!empty) {
		putchar('\n');
		for (int i = 0; i < j->depth; i++)
			fputs("  ", stdout);
	}
	putchar(brace);
	if (!j->depth)
		putchar('\n');
}

static void json_str(struct json *j, const char *key, const char *val)
{
	json_key(j, key);
	json_string(val);
}

static void json_ulong(struct json *j, const char *key, unsigned long val)
{
	json_key(j, key);
	printf("%lu", val);
}

static void json_double(struct json *j, const char *key, double val, int decimals)
{
	json_key(j, key);
	printf("%.*f", decimals, val);
}

static void json_bool(struct json *j, const char *key, bool val)
{
	json_key(j, key);
	fputs(val ? "true" : "false", stdout);
}

static void print_machine(struct json *j, const struct machine *m)
{
	json_open(j, "machine", '{');
	json_str(j, "cpu_model", m->cpu_model);
	json_ulong(j, "cpus_online", (unsigned long)m->cpus);
	json_bool(j, "virtualized", m->virtualized);
	json_str(j, "loadavg_start", m->load_start);
	json_str(j, "loadavg_end", m->load_end);
	json_ulong(j, "peak_rss_bytes", m->peak_rss);
	json_close(j, '}');
}

static void print_build(struct json *j)
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

static void print_params(struct json *j, const struct params *p)
{
	json_open(j, "params", '{');
	json_bool(j, "quick", p->quick);
	json_ulong(j, "reps", p->reps);
	json_ulong(j, "translate_calls_per_rep", p->translate_n);
	json_ulong(j, "populated_faults_per_rep", p->fault_n);
	json_ulong(j, "segments_per_rep", p->segs);
	json_str(j, "clock", "CLOCK_MONOTONIC");
	json_close(j, '}');
}

static void print_series(struct json *j, const struct series *s)
{
	struct stats st = stats_of(s->v, s->n), fl = stats_of(s->minflt, s->n);

	json_open(j, NULL, '{');
	json_str(j, "name", s->name);
	json_str(j, "what", s->what);
	json_ulong(j, "ops_per_rep", s->ops);
	json_double(j, "ns_median", st.median, 1);
	json_double(j, "ns_min", st.min, 1);
	json_double(j, "ns_max", st.max, 1);
	json_double(j, "kernel_minflt_per_op_median", fl.median, 3);
	json_ulong(j, "preempted_runs", s->preempted);
	json_close(j, '}');
}

/* ---- main ----------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_gmap [--quick] [--reps N] [--help]\n"
		   "\n"
		   "Cost of gmap_translate(), gmap_fault() on populated, unlinked and untouched\n"
		   "memory, and of a gmap_mprotect_notify() arm with its notification. Prints one\n"
		   "JSON document.\n"
		   "\n"
		   "  --quick   few repetitions and small counts (smoke test)\n"
		   "  --reps N  repetitions per measurement (default 11, at most 64)\n"
		   "  --help    this text\n");
}

static void parse_args(int argc, char **argv, struct params *p)
{
	unsigned long reps = 0;
	char *end;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(argv[i], "--quick")) {
			p->quick = true;
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			reps = strtoul(argv[++i], &end, 10);
			if (*end || !reps || reps > MAX_REPS) {
				fprintf(stderr, "bench_gmap: --reps: expected 1 to %u\n", MAX_REPS);
				exit(2);
			}
		} else {
			fprintf(stderr, "bench_gmap: unknown option %s\n", argv[i]);
			usage(stderr);
			exit(2);
		}
	}
	p->reps = p->quick ? 3 : 11;
	p->translate_n = p->quick ? 20000 : 2000000;
	p->fault_n = p->quick ? 2000 : 200000;
	p->segs = p->quick ? 32 : 512;
	if (reps)
		p->reps = (unsigned int)reps;
}

static struct series series[NSERIES] = {
	[S_XLATE_1] = { "translate_1_segment", "gmap_translate(), 1 mapped segment" },
	[S_XLATE_64] = { "translate_64_segments", "gmap_translate(), 64 mapped segments" },
	[S_XLATE_4096] = { "translate_4096_segments", "gmap_translate(), 4096 mapped segments" },
	[S_XLATE_LOCKED_1] = { "translate_locked_1_segment",
			       "__gmap_translate() under a held mmap_lock, 1 segment" },
	[S_XLATE_LOCKED_64] = { "translate_locked_64_segments",
				"__gmap_translate() under a held mmap_lock, 64 segments" },
	[S_XLATE_LOCKED_4096] = { "translate_locked_4096_segments",
				  "__gmap_translate() under a held mmap_lock, 4096 segments" },
	[S_FAULT_READ] = { "fault_populated_read", "gmap_fault(0), page present and linked" },
	[S_FAULT_WRITE] = { "fault_populated_write",
			    "gmap_fault(FAULT_FLAG_WRITE), page present, dirty and linked" },
	[S_FAULT_UNLINKED] = { "fault_unlinked",
			       "gmap_fault(0), host page present, segment not linked: link" },
	[S_FAULT_FIRST_SEG] = { "fault_first_touch_segment",
				"gmap_fault(WRITE), untouched: host page table, frame, link" },
	[S_FAULT_FIRST_REGION] = { "fault_first_touch_region",
				   "as first_touch_segment + a new gmap segment table" },
	[S_KERNEL_FIRST_TOUCH] = { "kernel_first_touch",
				   "the kernel's fault on a fresh anonymous page (floor)" },
	[S_ARM] = { "notify_arm", "gmap_mprotect_notify(PROT_READ) of one linked page" },
	[S_XCHG_ARMED] = { "notify_xchg_armed",
			   "ptep_xchg_direct() of an armed PTE (same value): notifier included" },
	[S_XCHG_PLAIN] = { "notify_xchg_unarmed", "ptep_xchg_direct() of the same PTE, unarmed" },
	[S_DISPATCH] = { "notify_dispatch",
			 "armed - unarmed exchange: ptep_notify() to the notifier" },
	[S_MIGRATE_ARMED] = { "notify_migrate_armed",
			      "mm_migrate_page() of an armed page, notifier included" },
	[S_MIGRATE_PLAIN] = { "notify_migrate_unarmed", "mm_migrate_page() of the same, unarmed" },
	[S_ROUND_TRIP] = { "notify_round_trip", "arm + armed migration with its notification" },
	[S_NOTIFY_OVERHEAD] = { "notify_migrate_overhead", "armed - unarmed migration" },
};

int main(int argc, char **argv)
{
	static const unsigned long nsegs[] = { 1, 64, 4096 };
	struct params p = { 0 };
	struct machine m = { 0 };
	struct json j = { 0 };

	parse_args(argc, argv, &p);
	read_cpuinfo(&m);
	m.cpus = sysconf(_SC_NPROCESSORS_ONLN);
	read_loadavg(m.load_start, sizeof(m.load_start));

	for (unsigned int i = 0; i < 3; i++)
		run_translate(&p, nsegs[i], &series[S_XLATE_1 + i], &series[S_XLATE_LOCKED_1 + i]);
	run_fault_populated(&p, &series[S_FAULT_READ], &series[S_FAULT_WRITE]);
	run_fault_unlinked(&p, &series[S_FAULT_UNLINKED]);
	run_fault_first_touch(&p, SEG, &series[S_FAULT_FIRST_SEG]);
	run_fault_first_touch(&p, R3_SIZE, &series[S_FAULT_FIRST_REGION]);
	run_kernel_first_touch(&p, &series[S_KERNEL_FIRST_TOUCH]);
	run_notify(&p, series);
	read_loadavg(m.load_end, sizeof(m.load_end));
	m.peak_rss = read_peak_rss();

	json_open(&j, NULL, '{');
	json_str(&j, "benchmark", "bench_gmap");
	print_machine(&j, &m);
	print_build(&j);
	print_params(&j, &p);
	json_open(&j, "cases", '[');
	for (unsigned int i = 0; i < NSERIES; i++)
		print_series(&j, &series[i]);
	json_close(&j, ']');
	json_close(&j, '}');
	return fflush(stdout) ? 1 : 0;
}
