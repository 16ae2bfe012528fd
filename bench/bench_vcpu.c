// SPDX-License-Identifier: GPL-2.0
/*
 * bench_vcpu - what a vCPU access to guest memory costs, next to memcpy().
 *
 * Every case times vcpu_read()/vcpu_write() (or the DAT-on variants) of 8 bytes
 * or 4 KiB per call over a set of guest pages and reports ns per access (median
 * over repetitions). In the same repetition the same bytes are copied with
 * memcpy() to or from the same host frames (looked up beforehand), or, for the
 * fault case, to or from fresh anonymous memory of the kernel: the floor.
 *
 * - hit: 64 pages, all in the TLB (direct-mapped, 512 entries, no collision).
 * - miss: 4096 pages in sequence, so every access finds its TLB slot taken by
 *   the page 512 before it and walks the gmap tables (hot: 4096 PTEs, 32 KiB).
 * - fault: pages discarded before each repetition (untimed): the walk fails,
 *   gmap_fault() gives the page a zeroed frame, the walk is redone.
 * - virt_hit / virt_miss: DAT on, through a segment table and page tables in
 *   guest memory; a miss walks the guest tables (two entries, each read through
 *   the gmap) and then the gmap for the result.
 * - inline: the hit pages through the inline fast path of <gmap/vcpu.h>
 *   (vcpu_access_begin(), vcpu_tlb_probe(), an 8-byte load or store through the
 *   pointer, vcpu_access_end()), one window per access.
 * - scaling: the hit and miss cases on 1 and 2 threads at once, each thread with
 *   its own vCPU on the same gmap and its own pages, pinned to a CPU of its own,
 *   started by a spinning barrier and timed over one interval for all: aggregate
 *   accesses per second, against memcpy() on as many threads. --scaling runs
 *   only these; --no-pin leaves the threads to the scheduler, which often runs
 *   both on one CPU for a whole repetition (counted: shared_cpu_runs).
 * - purge: vcpu_purge_tlb() on a vCPU whose thread waits, what every purge of a
 *   vCPU costs the purging side (a membarrier() with the asymmetric window).
 *
 * The 8-byte cases have a second floor, "plain": the same loop with a plain
 * 8-byte load or store of the same frame (a constant-size copy, no call).
 * Instructions per access are reported beside the ns for the vCPU and both
 * floors: from perf_event_open() where the machine counts them, else from a
 * second run of this program under callgrind (--count-instructions).
 *
 * The vCPU counters are checked after every case (hits, misses, faults per
 * access), and so are the bytes read; a wrong result exits 1. --quick runs
 * every case with few repetitions (the meson smoke test).
 *
 * Output: one JSON document on stdout.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <sys/mman.h>
#include <time.h>

#include <gmap/alloc.h>
#include <gmap/vcpu.h>

#include "bench_instr.h"
#include "bench_util.h"
#include "vcpu/vcpu_hooks.h"

#define HBASE	    0x100000000UL
#define GMEM	    (64 * MIB)
#define HIT_PAGES   64UL
#define MISS_PAGES  4096UL
#define FAULT_PAGES 2048UL
#define MAX_THREADS 2
/*
 * Guest layout: per thread a hit area and a miss area, the fault area, the guest
 * tables. The hit areas start 256 KiB into their segment: the TLB slots of their
 * absolute pages (64-127 or 320-383), of their virtual pages and of the guest
 * tables (0-27) are then all different, so the hit cases hit on every access.
 */
#define HIT_BASE(t)  ((1 + (unsigned long)(t)) * MIB + 256 * 1024)
#define MISS_BASE(t) ((16 + 16 * (unsigned long)(t)) * MIB)
#define FAULT_BASE   (48 * MIB)
#define GSTO	     (56 * MIB)
#define GPTO	     (GSTO + _CRST_TABLE_SIZE)
#define VOFF	     0x40000000UL /* virtual VOFF + x is absolute x, for x below 48 MiB */
#define GASCE	     (GSTO | _ASCE_TYPE_SEGMENT | 3)
#define MAPPED_SEGS  48UL

/* ---- the guest ------------------------------------------------------------------------------ */

static struct mm_struct *mm;
static struct gmap *gmap;

static void put_entry(unsigned long gaddr, unsigned long val)
{
	unsigned long be = htobe64(val);
	int rc = mm_write(mm, HBASE + gaddr, &be, sizeof(be));

	if (rc)
		bench_die("mm_write (guest table)", rc);
}

static void build_guest(void)
{
	int rc;

	mm = mm_create();
	bench_check(mm != NULL, "mm_create");
	if (mm_mmap(mm, HBASE, GMEM, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED) != HBASE)
		bench_die("mm_mmap", 0);
	gmap = gmap_create(mm, GMEM - 1);
	bench_check(gmap != NULL, "gmap_create");
	rc = gmap_map_segment(gmap, HBASE, 0, GMEM);
	if (rc)
		bench_die("gmap_map_segment", rc);
	/* Guest DAT tables: segment table + one page table per mapped segment. */
	for (unsigned long sx = 0; sx < _CRST_ENTRIES; sx++)
		put_entry(GSTO + sx * 8, _SEGMENT_ENTRY_EMPTY);
	for (unsigned long seg = 0; seg < MAPPED_SEGS; seg++) {
		unsigned long pto = GPTO + seg * _PAGE_TABLE_SIZE;

		for (unsigned long px = 0; px < _PAGE_ENTRIES; px++)
			put_entry(pto + px * 8, seg * MIB + px * PAGE_SIZE);
		put_entry(GSTO + ((VOFF >> _SEGMENT_SHIFT) + seg) * 8, pto);
	}
	/* Every data page present and dirty, with a recognisable first word. */
	for (unsigned long g = 0; g < FAULT_BASE; g += PAGE_SIZE) {
		unsigned long word = g;

		rc = mm_write(mm, HBASE + g, &word, sizeof(word));
		if (rc)
			bench_die("mm_write (populate)", rc);
	}
}

/* The host frame behind guest absolute @g (present). */
static unsigned char *frame_of(unsigned long g)
{
	unsigned long pte = mm_lookup_pte(mm, HBASE + g);

	bench_check(!(pte & _PAGE_INVALID), "data page present");
	return (unsigned char *)(pte & PAGE_MASK);
}

/* ---- cases ---------------------------------------------------------------------------------- */

enum area { HIT, MISS, FAULT };

struct kase {
	const char *name;
	enum area area;
	bool virt;
	bool write;
	unsigned long len; /* 8 or PAGE_SIZE */
	bool inl;	   /* the inline fast path (8 bytes, absolute) */
};

/* The floor of a plain load or store: 8-byte cases that access resident frames. */
static bool has_plain(const struct kase *k)
{
	return k->len == 8 && k->area != FAULT;
}

static unsigned long area_pages(enum area a)
{
	return a == HIT ? HIT_PAGES : a == MISS ? MISS_PAGES : FAULT_PAGES;
}

static unsigned long area_base(enum area a, unsigned int thread)
{
	return a == HIT ? HIT_BASE(thread) : a == MISS ? MISS_BASE(thread) : FAULT_BASE;
}

/* What one thread runs: its vCPU, its pages, and the frames for memcpy(). */
struct runner {
	struct vcpu *vcpu;
	unsigned long base;  /* guest absolute */
	unsigned long pages; /* a power of two */
	unsigned char **frames;
	unsigned char *os_mem; /* the fault case's floor: fresh kernel memory */
	unsigned char *buf;
};

/* Offset of access @i in its page: 8-byte accesses walk through the page's lines. */
static unsigned long offset_of(const struct kase *k, unsigned long i, unsigned long pages)
{
	return k->len == PAGE_SIZE ? 0 : ((i / pages) * 64 + 8 * (i & 7)) & (PAGE_SIZE - 8);
}

static BENCH_NOINLINE void vcpu_loop(const struct kase *k, struct runner *r, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		unsigned long g =
			r->base + (i & (r->pages - 1)) * PAGE_SIZE + offset_of(k, i, r->pages);
		int rc;

		if (k->virt)
			rc = k->write ? vcpu_write_virt(r->vcpu, GASCE, VOFF + g, r->buf, k->len)
				      : vcpu_read_virt(r->vcpu, GASCE, VOFF + g, r->buf, k->len);
		else
			rc = k->write ? vcpu_write(r->vcpu, g, r->buf, k->len)
				      : vcpu_read(r->vcpu, g, r->buf, k->len);
		if (rc)
			bench_die(k->name, rc);
		bench_clobber(r->buf);
	}
}

/* 8 bytes through the inline fast path, the full path when the probe does not serve. */
static BENCH_NOINLINE void inline_loop(const struct kase *k, struct runner *r, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		unsigned long g =
			r->base + (i & (r->pages - 1)) * PAGE_SIZE + offset_of(k, i, r->pages);
		void *p = NULL;
		int rc = 0;

		if (vcpu_access_begin(r->vcpu)) {
			p = vcpu_tlb_probe(r->vcpu, g, 8, k->write);
			if (p && k->write)
				memcpy(p, r->buf, 8);
			else if (p)
				memcpy(r->buf, p, 8);
			vcpu_access_end(r->vcpu);
		}
		if (!p)
			rc = k->write ? vcpu_write(r->vcpu, g, r->buf, 8)
				      : vcpu_read(r->vcpu, g, r->buf, 8);
		if (rc)
			bench_die(k->name, rc);
		bench_clobber(r->buf);
	}
}

/* The plain floor: an 8-byte load or store of the same frame, in the same loop. */
static BENCH_NOINLINE void plain_loop(const struct kase *k, struct runner *r, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		unsigned long p = i & (r->pages - 1), off = offset_of(k, i, r->pages);
		unsigned char *mem = r->frames[p];

		if (k->write)
			memcpy(mem + off, r->buf, 8);
		else
			memcpy(r->buf, mem + off, 8);
		bench_clobber(r->buf);
	}
}

static BENCH_NOINLINE void memcpy_loop(const struct kase *k, struct runner *r, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		unsigned long p = i & (r->pages - 1), off = offset_of(k, i, r->pages);
		unsigned char *mem = r->os_mem ? r->os_mem + p * PAGE_SIZE : r->frames[p];

		if (k->write)
			memcpy(mem + off, r->buf, k->len);
		else
			memcpy(r->buf, mem + off, k->len);
		bench_clobber(r->buf);
		bench_clobber(mem);
	}
}

/* Give the fault area's frames back (vCPU turn) or the floor's memory to the kernel. */
static void make_fresh(struct runner *r, bool vcpu_turn)
{
	int rc;

	if (vcpu_turn) {
		rc = gmap_discard(gmap, r->base, r->base + r->pages * PAGE_SIZE);
		if (rc)
			bench_die("gmap_discard", rc);
		gm_quiesce(); /* deferred frees outside the timed loop */
	} else if (madvise(r->os_mem, r->pages * PAGE_SIZE, MADV_DONTNEED)) {
		bench_die("madvise", errno);
	}
}

static void runner_init(struct runner *r, const struct kase *k, unsigned int thread)
{
	memset(r, 0, sizeof(*r));
	r->vcpu = vcpu_create();
	bench_check(r->vcpu != NULL, "vcpu_create");
	r->base = area_base(k->area, thread);
	r->pages = area_pages(k->area);
	r->buf = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	bench_check(r->buf != NULL, "buffer");
	memset(r->buf, 0x5a, PAGE_SIZE);
	if (k->area == FAULT) {
		r->os_mem = mmap(NULL, r->pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		bench_check(r->os_mem != MAP_FAILED, "mmap");
		return;
	}
	r->frames = malloc(r->pages * sizeof(*r->frames));
	bench_check(r->frames != NULL, "frames");
	for (unsigned long p = 0; p < r->pages; p++)
		r->frames[p] = frame_of(r->base + p * PAGE_SIZE);
}

static void runner_destroy(struct runner *r)
{
	vcpu_destroy(r->vcpu);
	if (r->os_mem)
		munmap(r->os_mem, r->pages * PAGE_SIZE);
	free(r->frames);
	free(r->buf);
}

/*
 * Sampled pages: the vCPU reads what the host sees, and the first access of a
 * write case left its bytes there (the first pass of a case touches every page
 * once, at offset_of(k, p)). A fault case's read found a zero page.
 */
static void check_contents(const struct kase *k, struct runner *r)
{
	unsigned char *seen = malloc(2 * PAGE_SIZE), *host = seen + PAGE_SIZE;
	unsigned long word;

	bench_check(seen != NULL, "buffer");
	for (unsigned long p = 0; p < r->pages; p += 97) {
		unsigned long g = r->base + p * PAGE_SIZE;
		int rc = vcpu_read(r->vcpu, g, seen, PAGE_SIZE);

		if (rc)
			bench_die("vcpu_read (check)", rc);
		rc = mm_read(mm, HBASE + g, host, PAGE_SIZE);
		if (rc)
			bench_die("mm_read (check)", rc);
		bench_check(!memcmp(seen, host, PAGE_SIZE), "vCPU and host see the same page");
		memcpy(&word, seen + offset_of(k, p, r->pages), sizeof(word));
		if (k->write)
			bench_check(word == 0x5a5a5a5a5a5a5a5aUL, "written bytes landed");
		else if (k->area == FAULT)
			bench_check(word == 0, "a fresh page reads zero");
	}
	free(seen);
}

/* The three loops a case times: the vCPU, memcpy() of the same bytes, the plain access. */
enum loop { L_VCPU, L_MEMCPY, L_PLAIN, NLOOPS };
static const char *const loop_name[NLOOPS] = { "vcpu", "memcpy", "plain" };

struct result {
	const struct kase *k;
	unsigned long accesses; /* per repetition */
	unsigned int reps;
	double ns[NLOOPS][BENCH_MAX_REPS];
	double ins[NLOOPS][BENCH_MAX_REPS]; /* perf: instructions per access */
	struct stats st[NLOOPS];
	double instr[NLOOPS];	     /* per access; < 0: not counted */
	double hits, misses, faults; /* per access, from the vCPU's counters */
};

struct params {
	bool quick;
	bool count_only;   /* --count-instructions: the callgrind run */
	bool instructions; /* count at all (--no-instructions turns it off) */
	bool scaling_only; /* --scaling: only the scaling runs */
	bool pin;	   /* pin the scaling threads (--no-pin: leave them to the scheduler) */
	unsigned int reps;
	unsigned long hit_n, miss_n; /* accesses per repetition */
};

static bool have_perf;

static void run_loop(enum loop l, const struct kase *k, struct runner *r, unsigned long n)
{
	if (l == L_MEMCPY)
		memcpy_loop(k, r, n);
	else if (l == L_PLAIN)
		plain_loop(k, r, n);
	else if (k->inl)
		inline_loop(k, r, n);
	else
		vcpu_loop(k, r, n);
}

static bool loop_applies(enum loop l, const struct kase *k)
{
	return l != L_PLAIN || has_plain(k);
}

static unsigned long accesses_for(const struct params *p, const struct kase *k)
{
	unsigned long n = k->area == HIT ? p->hit_n : p->miss_n;

	if (k->area == FAULT)
		return FAULT_PAGES; /* one access per fresh page */
	if (k->len == PAGE_SIZE)
		n /= 8;
	/* A miss case must go round all its pages, or they would fit in the TLB. */
	if (k->area == MISS && n < MISS_PAGES)
		n = MISS_PAGES;
	return n;
}

static void run_case(const struct params *p, const struct kase *k, struct result *res)
{
	struct vcpu_stats st0, st1;
	struct runner r;
	unsigned long n = accesses_for(p, k), i0 = 0;
	double t;

	runner_init(&r, k, 0);
	res->k = k;
	res->accesses = n;
	res->reps = p->reps;
	/* Warm up: TLB filled (hit), tables and frames touched, the prefix armed. */
	if (k->area != FAULT) {
		vcpu_loop(k, &r, r.pages);
		memcpy_loop(k, &r, r.pages);
	}
	vcpu_get_stats(r.vcpu, &st0);
	for (unsigned int rep = 0; rep < p->reps; rep++) {
		/* Rotate which goes first so that drift hits all alike. */
		for (unsigned int i = 0; i < NLOOPS; i++) {
			enum loop l = (enum loop)((rep + i) % NLOOPS);

			if (!loop_applies(l, k))
				continue;
			if (k->area == FAULT)
				make_fresh(&r, l == L_VCPU);
			if (have_perf)
				i0 = bench_instr_read();
			t = bench_now_ns();
			run_loop(l, k, &r, n);
			t = (bench_now_ns() - t) / (double)n;
			if (have_perf)
				res->ins[l][rep] = (double)(bench_instr_read() - i0) / (double)n;
			res->ns[l][rep] = t;
		}
	}
	vcpu_get_stats(r.vcpu, &st1);
	n *= p->reps;
	res->hits = (double)(st1.tlb_hits - st0.tlb_hits) / (double)n;
	res->misses = (double)(st1.tlb_misses - st0.tlb_misses) / (double)n;
	res->faults = (double)(st1.faults - st0.faults) / (double)n;
	for (int l = 0; l < NLOOPS; l++) {
		res->instr[l] = -1;
		if (!loop_applies((enum loop)l, k))
			continue;
		res->st[l] = stats_of(res->ns[l], p->reps);
		if (have_perf)
			res->instr[l] = stats_of(res->ins[l], p->reps).median;
	}
	check_contents(k, &r);
	runner_destroy(&r);
}

/* The case measures what its name says: a TLB hit, a walk, a fault per access. */
static void check_case(const struct result *res)
{
	const struct kase *k = res->k;
	double walks = k->virt ? 2.0 : 1.0; /* a DAT-on miss also translates the result */
	bool ok;

	if (k->inl) /* every access served by the probe: none reached the full path */
		ok = res->hits < 0.001 && res->misses < 0.001;
	else if (k->area == HIT)
		ok = res->hits >= 0.999 && res->misses < 0.001;
	else if (k->area == MISS)
		ok = res->misses >= walks - 0.001 && res->faults < 0.001;
	else
		ok = res->faults >= 0.999;
	if (!ok) {
		fprintf(stderr,
			"bench_vcpu: %s: %.3f TLB hits, %.3f misses, %.3f faults per access\n",
			k->name, res->hits, res->misses, res->faults);
		exit(1);
	}
}

/* ---- scaling -------------------------------------------------------------------------------- */

/*
 * Each thread is pinned to its own CPU (thread t on the t-th CPU the process may
 * use) before it creates its vCPU, so that its TLB and stack are allocated and
 * warmed where it runs. Unpinned, the barrier's futex wake-up lets the scheduler
 * wake the second thread on the CPU of the first (wake-affine): for the few
 * milliseconds of a repetition both then share one CPU, and that repetition
 * measures one CPU, not two. --no-pin keeps the old behaviour, to show it.
 *
 * The start is a spinning barrier: a futex wake-up of a thread whose CPU idles
 * is an IPI, in a KVM guest a VM exit and a host wake-up of the halted vCPU,
 * which can take a good part of a millisecond and would start the threads that
 * far apart. All threads are timed over one interval: from the first thread's
 * start to the last thread's end. A thread that starts late or is preempted
 * lengthens the interval of all, rather than leaving its partner to run alone
 * for part of its own interval. A thread that is done waits (asleep) for the
 * others before it destroys its vCPU.
 *
 * Beside that wall-clock figure, each thread's accesses per second of the CPU
 * time it got (CLOCK_THREAD_CPUTIME_ID), summed over the threads: on a machine
 * that other processes load, it leaves out the time a thread was switched out,
 * and keeps what the threads do to each other while they run (a line they
 * both write, a lock, a shared cache), which is what libgmap answers for.
 */
struct worker {
	pthread_t tid;
	const struct kase *k;
	unsigned int thread;
	bool copy; /* memcpy() instead of the vCPU */
	int cpu;   /* the CPU to pin to, -1: not pinned */
	unsigned long n;
	atomic_uint *start;	 /* the spinning barrier: threads that arrived */
	pthread_barrier_t *done; /* all threads stopped timing */
	unsigned int threads;
	double t0, t1;	/* the timed loop's start and end */
	double cpu_ns;	/* CPU time the thread got for its loop */
	int cpu0, cpu1; /* sched_getcpu() at its start and end */
	bool preempted; /* involuntarily switched out during the loop */
};

/* CPU time of the calling thread, in ns. */
static double thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct runner r;
	long before;

	if (w->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
			bench_die("pthread_setaffinity_np", w->cpu);
	}
	gmap_enable(gmap);
	runner_init(&r, w->k, w->thread);
	vcpu_loop(w->k, &r, r.pages);
	memcpy_loop(w->k, &r, r.pages);
	atomic_fetch_add(w->start, 1);
	while (atomic_load(w->start) < w->threads)
		if (w->cpu < 0)
			sched_yield(); /* unpinned: the other thread may need this CPU */
	before = bench_preemptions();
	w->cpu0 = sched_getcpu();
	w->cpu_ns = thread_cpu_ns();
	w->t0 = bench_now_ns();
	run_loop(w->copy ? L_MEMCPY : L_VCPU, w->k, &r, w->n);
	w->t1 = bench_now_ns();
	w->cpu_ns = thread_cpu_ns() - w->cpu_ns;
	w->cpu1 = sched_getcpu();
	w->preempted = bench_preemptions() != before;
	/* Nothing (vcpu_destroy()'s grace period, its IPIs) may slow a thread still timed. */
	pthread_barrier_wait(w->done);
	runner_destroy(&r);
	gmap_disable(gmap);
	return NULL;
}

/* The CPUs the scaling threads are pinned to; ncpus < MAX_THREADS: no pinning. */
static int scaling_cpus[MAX_THREADS];
static unsigned int scaling_ncpus;

static void choose_cpus(bool pin)
{
	cpu_set_t set;

	scaling_ncpus = 0;
	if (!pin || sched_getaffinity(0, sizeof(set), &set))
		return;
	for (int c = 0; c < CPU_SETSIZE && scaling_ncpus < MAX_THREADS; c++)
		if (CPU_ISSET(c, &set))
			scaling_cpus[scaling_ncpus++] = c;
}

static bool scaling_pinned(void)
{
	return scaling_ncpus == MAX_THREADS;
}

/* What one timed run of @threads threads gave. */
struct thread_run {
	double maccess_per_s;	  /* million accesses per second of all threads together */
	double cpu_maccess_per_s; /* the same per second of CPU time each thread got, summed */
	bool shared_cpu;	  /* two threads were seen on the same CPU */
	bool preempted;		  /* a thread was switched out */
};

static struct thread_run run_threads(const struct kase *k, unsigned int threads, bool copy,
				     unsigned long n)
{
	struct worker w[MAX_THREADS];
	struct thread_run out = { 0 };
	atomic_uint start = 0;
	pthread_barrier_t done;
	double t0 = 0, t1 = 0;

	pthread_barrier_init(&done, NULL, threads);
	for (unsigned int t = 0; t < threads; t++) {
		w[t] = (struct worker){ .k = k,
					.thread = t,
					.copy = copy,
					.cpu = scaling_pinned() ? scaling_cpus[t] : -1,
					.n = n,
					.start = &start,
					.threads = threads,
					.done = &done };
		if (pthread_create(&w[t].tid, NULL, worker_main, &w[t]))
			bench_die("pthread_create", t);
	}
	for (unsigned int t = 0; t < threads; t++) {
		pthread_join(w[t].tid, NULL);
		if (!t || w[t].t0 < t0)
			t0 = w[t].t0;
		if (!t || w[t].t1 > t1)
			t1 = w[t].t1;
		out.preempted |= w[t].preempted;
		out.cpu_maccess_per_s += (double)n / w[t].cpu_ns * 1e3;
		for (unsigned int u = 0; u < t; u++)
			out.shared_cpu |= w[u].cpu0 == w[t].cpu0 || w[u].cpu1 == w[t].cpu1;
	}
	pthread_barrier_destroy(&done);
	out.maccess_per_s = (double)(n * threads) / (t1 - t0) * 1e3;
	return out;
}

struct scaling {
	const struct kase *k;
	double vcpu[MAX_THREADS][BENCH_MAX_REPS], copy[MAX_THREADS][BENCH_MAX_REPS];
	double vcpu_cpu[MAX_THREADS][BENCH_MAX_REPS], copy_cpu[MAX_THREADS][BENCH_MAX_REPS];
	struct stats vs[MAX_THREADS], cs[MAX_THREADS], vcs[MAX_THREADS], ccs[MAX_THREADS];
	/* Repetitions (vCPU and memcpy() runs) with threads sharing a CPU, or preempted. */
	unsigned int shared_cpu[MAX_THREADS], preempted[MAX_THREADS];
};

static void run_scaling(const struct params *p, const struct kase *k, struct scaling *s)
{
	unsigned long n = accesses_for(p, k);
	struct thread_run r;

	s->k = k;
	for (unsigned int rep = 0; rep < p->reps; rep++) {
		for (unsigned int t = 1; t <= MAX_THREADS; t++) {
			for (int copy = 0; copy < 2; copy++) {
				r = run_threads(k, t, copy, n);
				(copy ? s->copy : s->vcpu)[t - 1][rep] = r.maccess_per_s;
				(copy ? s->copy_cpu : s->vcpu_cpu)[t - 1][rep] =
					r.cpu_maccess_per_s;
				s->shared_cpu[t - 1] += r.shared_cpu;
				s->preempted[t - 1] += r.preempted;
			}
		}
	}
	for (unsigned int t = 0; t < MAX_THREADS; t++) {
		s->vs[t] = stats_of(s->vcpu[t], p->reps);
		s->cs[t] = stats_of(s->copy[t], p->reps);
		s->vcs[t] = stats_of(s->vcpu_cpu[t], p->reps);
		s->ccs[t] = stats_of(s->copy_cpu[t], p->reps);
	}
}

/* ---- the cases ------------------------------------------------------------------------------ */

static const struct kase cases[] = {
	{ "hit_read_8", HIT, false, false, 8, false },
	{ "hit_write_8", HIT, false, true, 8, false },
	{ "hit_read_4k", HIT, false, false, PAGE_SIZE, false },
	{ "hit_write_4k", HIT, false, true, PAGE_SIZE, false },
	{ "miss_read_8", MISS, false, false, 8, false },
	{ "miss_write_8", MISS, false, true, 8, false },
	{ "miss_read_4k", MISS, false, false, PAGE_SIZE, false },
	{ "miss_write_4k", MISS, false, true, PAGE_SIZE, false },
	{ "fault_read_8", FAULT, false, false, 8, false },
	{ "fault_write_8", FAULT, false, true, 8, false },
	{ "fault_read_4k", FAULT, false, false, PAGE_SIZE, false },
	{ "fault_write_4k", FAULT, false, true, PAGE_SIZE, false },
	{ "virt_hit_read_8", HIT, true, false, 8, false },
	{ "virt_hit_write_8", HIT, true, true, 8, false },
	{ "virt_hit_read_4k", HIT, true, false, PAGE_SIZE, false },
	{ "virt_miss_read_8", MISS, true, false, 8, false },
	{ "virt_miss_write_8", MISS, true, true, 8, false },
	{ "virt_miss_read_4k", MISS, true, false, PAGE_SIZE, false },
	{ "inline_read_8", HIT, false, false, 8, true },
	{ "inline_write_8", HIT, false, true, 8, true },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* Indices into cases[] of what the scaling runs. */
static const unsigned int scaled[] = { 0, 1, 4, 12, 15, 18 };
#define NSCALED (sizeof(scaled) / sizeof(scaled[0]))

/* ---- purges --------------------------------------------------------------------------------- */

/* ns per vcpu_purge_tlb() of a vCPU that is not in a window: the purging side's cost. */
static struct stats run_purges(const struct params *p, double *ns)
{
	struct vcpu *v = vcpu_create();
	unsigned long n = p->quick ? 200 : 2000;
	double t;

	bench_check(v != NULL, "vcpu_create");
	for (unsigned int rep = 0; rep < p->reps; rep++) {
		t = bench_now_ns();
		for (unsigned long i = 0; i < n; i++)
			vcpu_purge_tlb(v);
		ns[rep] = (bench_now_ns() - t) / (double)n;
	}
	vcpu_destroy(v);
	return stats_of(ns, p->reps);
}

/* ---- instructions under callgrind -------------------------------------------------------------
 */

/* --count-instructions: each loop once between bench_cg_start() and bench_cg_stop(). */
static void count_instructions(const struct params *p, unsigned int ncases)
{
	char name[64];

	/* The protocol of this run (valgrind may not offer membarrier()). */
	bench_cg_start();
	bench_cg_stop(vcpu_window_rmw() ? "protocol/rmw" : "protocol/membarrier");
	for (unsigned int c = 0; c < ncases; c++) {
		const struct kase *k = &cases[c];
		unsigned long n = accesses_for(p, k);
		struct runner r;

		runner_init(&r, k, 0);
		if (k->area != FAULT) {
			vcpu_loop(k, &r, r.pages);
			memcpy_loop(k, &r, r.pages);
			plain_loop(k, &r, k->len == 8 ? r.pages : 0);
		}
		for (int l = 0; l < NLOOPS; l++) {
			if (!loop_applies((enum loop)l, k))
				continue;
			if (k->area == FAULT)
				make_fresh(&r, l == L_VCPU);
			snprintf(name, sizeof(name), "%u/%s/%lu", c, loop_name[l], n);
			bench_cg_start();
			run_loop((enum loop)l, k, &r, n);
			bench_cg_stop(name);
		}
		runner_destroy(&r);
	}
}

struct cg_results {
	struct result *res;
	unsigned int ncases;
	char protocol[16];
	bool any;
};

static void cg_found(void *ctx, const char *name, unsigned long ir)
{
	struct cg_results *cg = ctx;
	unsigned int c;
	unsigned long n;
	char loop[16];

	if (!strncmp(name, "protocol/", 9)) {
		snprintf(cg->protocol, sizeof(cg->protocol), "%s", name + 9);
		return;
	}
	if (sscanf(name, "%u/%15[a-z]/%lu", &c, loop, &n) != 3 || c >= cg->ncases || !n)
		return;
	for (int l = 0; l < NLOOPS; l++) {
		if (!strcmp(loop, loop_name[l])) {
			cg->res[c].instr[l] = (double)ir / (double)n;
			cg->any = true;
		}
	}
}

/* ---- output --------------------------------------------------------------------------------- */

static const char *op_of(const struct kase *k)
{
	if (k->inl)
		return k->write ? "vcpu_tlb_probe+store" : "vcpu_tlb_probe+load";
	if (k->virt)
		return k->write ? "vcpu_write_virt" : "vcpu_read_virt";
	return k->write ? "vcpu_write" : "vcpu_read";
}

static void print_result(const struct result *r, bool last)
{
	const struct kase *k = r->k;

	printf("    {\"name\": \"%s\", \"op\": \"%s\", \"bytes\": %lu, \"pages\": %lu, "
	       "\"accesses_per_rep\": %lu,\n",
	       k->name, op_of(k), k->len, area_pages(k->area), r->accesses);
	for (int l = 0; l < NLOOPS; l++) {
		if (!loop_applies((enum loop)l, k))
			continue;
		printf("     \"%s_ns_median\": %.2f, \"%s_ns_min\": %.2f, \"%s_ns_max\": %.2f,",
		       loop_name[l], r->st[l].median, loop_name[l], r->st[l].min, loop_name[l],
		       r->st[l].max);
		if (r->instr[l] >= 0)
			printf(" \"%s_instructions\": %.1f,", loop_name[l], r->instr[l]);
		printf("\n");
	}
	if (has_plain(k))
		printf("     \"ratio_plain\": %.2f,", r->st[L_VCPU].median / r->st[L_PLAIN].median);
	printf("     \"ratio\": %.2f, \"tlb_hits_per_access\": %.3f, "
	       "\"tlb_misses_per_access\": %.3f, \"faults_per_access\": %.3f}%s\n",
	       r->st[L_VCPU].median / r->st[L_MEMCPY].median, r->hits, r->misses, r->faults,
	       last ? "" : ",");
}

static void print_scaling(const struct scaling *s, bool last)
{
	for (unsigned int t = 0; t < MAX_THREADS; t++)
		printf("    {\"name\": \"%s\", \"threads\": %u, "
		       "\"vcpu_maccess_per_s_median\": %.2f, \"vcpu_maccess_per_s_min\": %.2f, "
		       "\"vcpu_maccess_per_s_max\": %.2f,\n"
		       "     \"memcpy_maccess_per_s_median\": %.2f, \"memcpy_maccess_per_s_min\": "
		       "%.2f, "
		       "\"memcpy_maccess_per_s_max\": %.2f,\n"
		       "     \"speedup_vs_1_thread\": %.2f, \"memcpy_speedup_vs_1_thread\": %.2f, "
		       "\"shared_cpu_runs\": %u, \"preempted_runs\": %u,\n"
		       "     \"vcpu_cpu_maccess_per_s_median\": %.2f, "
		       "\"memcpy_cpu_maccess_per_s_median\": %.2f, \"cpu_speedup_vs_1_thread\": "
		       "%.2f, "
		       "\"memcpy_cpu_speedup_vs_1_thread\": %.2f}%s\n",
		       s->k->name, t + 1, s->vs[t].median, s->vs[t].min, s->vs[t].max,
		       s->cs[t].median, s->cs[t].min, s->cs[t].max,
		       s->vs[t].median / s->vs[0].median, s->cs[t].median / s->cs[0].median,
		       s->shared_cpu[t], s->preempted[t], s->vcs[t].median, s->ccs[t].median,
		       s->vcs[t].median / s->vcs[0].median, s->ccs[t].median / s->ccs[0].median,
		       last && t == MAX_THREADS - 1 ? "" : ",");
}

/* ---- main ----------------------------------------------------------------------------------- */

static void parse_args(int argc, char **argv, struct params *p)
{
	*p = (struct params){
		.reps = 11,
		.hit_n = 1000000,
		.miss_n = 8 * MISS_PAGES,
		.instructions = true,
		.pin = true,
	};
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-instructions")) {
			p->instructions = false;
		} else if (!strcmp(argv[i], "--count-instructions")) {
			/* Internal: the callgrind run; few accesses, each loop once. */
			p->count_only = true;
			p->hit_n = 20000;
			p->miss_n = MISS_PAGES;
		} else if (!strcmp(argv[i], "--quick")) {
			p->quick = true;
			p->reps = 3;
			p->hit_n = 20000;
			p->miss_n = MISS_PAGES;
		} else if (!strcmp(argv[i], "--scaling")) {
			p->scaling_only = true;
		} else if (!strcmp(argv[i], "--no-pin")) {
			p->pin = false;
		} else if (!strcmp(argv[i], "--reps")) {
			p->reps = (unsigned int)bench_parse_num(argv[i], argv[i + 1], 1,
								BENCH_MAX_REPS);
			i++;
		} else {
			fprintf(stderr,
				"usage: %s [--quick] [--reps N] [--no-instructions] [--scaling] "
				"[--no-pin]\n",
				argv[0]);
			exit(2);
		}
	}
}

int main(int argc, char **argv)
{
	static struct result res[NCASES];
	static struct scaling sc[NSCALED];
	static double purge_ns[BENCH_MAX_REPS];
	struct cg_results cg = { .res = res, .ncases = NCASES, .protocol = "" };
	const char *instr_source = "none";
	struct bench_machine m;
	struct stats purge;
	struct params p;

	bench_set_name("bench_vcpu");
	parse_args(argc, argv, &p);
	build_guest();
	gmap_enable(gmap);
	if (p.count_only) {
		count_instructions(&p, NCASES);
		gmap_disable(gmap);
		gmap_remove(gmap);
		mm_destroy(mm);
		return 0;
	}
	bench_describe_machine(&m);
	have_perf = p.instructions && bench_instr_open();
	if (have_perf)
		instr_source = "perf_event_open";
	for (unsigned int i = 0; i < NCASES && !p.scaling_only; i++) {
		run_case(&p, &cases[i], &res[i]);
		check_case(&res[i]);
	}
	choose_cpus(p.pin);
	for (unsigned int i = 0; i < NSCALED; i++)
		run_scaling(&p, &cases[scaled[i]], &sc[i]);
	purge = run_purges(&p, purge_ns);
	gmap_disable(gmap);
	bench_machine_done(&m);
	if (p.instructions && !have_perf && !p.quick && !p.scaling_only && !bench_on_valgrind()) {
		char *argv_cg[] = { argv[0], "--count-instructions", NULL };

		if (bench_cg_run(argv_cg, cg_found, &cg) && cg.any)
			instr_source = "callgrind";
	}

	printf("{\n  \"benchmark\": \"bench_vcpu\",\n");
	printf("  \"machine\": {\"cpu_model\": \"%s\", \"cpus_online\": %ld, "
	       "\"loadavg_start\": \"%s\", \"loadavg_end\": \"%s\"},\n",
	       m.cpu_model, m.cpus, m.load_start, m.load_end);
	printf("  \"params\": {\"quick\": %s, \"reps\": %u, \"tlb_entries\": 512, "
	       "\"hit_pages\": %lu, \"miss_pages\": %lu, \"fault_pages\": %lu},\n",
	       p.quick ? "true" : "false", p.reps, HIT_PAGES, MISS_PAGES, FAULT_PAGES);
	printf("  \"window_protocol\": \"%s\", \"instructions\": \"%s\", "
	       "\"instructions_protocol\": \"%s\",\n",
	       vcpu_window_rmw() ? "rmw" : "membarrier", instr_source,
	       cg.protocol[0] ? cg.protocol
			      : (have_perf ? (vcpu_window_rmw() ? "rmw" : "membarrier") : "none"));
	printf("  \"purge_ns_median\": %.0f, \"purge_ns_min\": %.0f, \"purge_ns_max\": %.0f,\n",
	       purge.median, purge.min, purge.max);
	printf("  \"scaling_threads_pinned\": %s,\n", scaling_pinned() ? "true" : "false");
	printf("  \"cases\": [\n");
	for (unsigned int i = 0; i < NCASES && !p.scaling_only; i++)
		print_result(&res[i], i == NCASES - 1);
	printf("  ],\n  \"scaling\": [\n");
	for (unsigned int i = 0; i < NSCALED; i++)
		print_scaling(&sc[i], i == NSCALED - 1);
	printf("  ]\n}\n");

	gmap_remove(gmap);
	mm_destroy(mm);
	gm_quiesce();
	return 0;
}
