// SPDX-License-Identifier: GPL-2.0
/*
 * bench_mm - cost per page of the host address space's operations.
 *
 * Every case runs an operation over many pages of one mapping in a loop and
 * reports the wall time per page (median over repetitions), next to the number
 * of the real kernel's minor page faults per page that happened meanwhile: the
 * library's frames come from a pool of 2 MiB chunks mapped from the system, and
 * the first use of a chunk page costs a kernel fault of its own.
 *
 * - first touch: fixup_user_fault(FAULT_FLAG_WRITE) or mm_write() of one byte on
 *   every untouched page of a fresh mapping, a page table allocated every 256
 *   pages included; once more with the page tables already there; and, as the
 *   floor, the kernel's own first touch of fresh anonymous memory. After each run,
 *   mm_destroy() of the mapping, against munmap() of the floor's memory.
 * - page-out (mm_page_out(), a pwrite() to the swap file) and page-in (a read
 *   fault, with or without dropping mmap_lock, or mm_read()), and the sum of the
 *   two in the same repetition: the round trip.
 * - migration: mm_migrate_page().
 * - discard (mm_discard(), the whole range in one call or one call per page) and
 *   the write fault that brings a zero page back.
 * - copies: mm_read()/mm_write() of 64 MiB in one call and of 4 KiB at a time
 *   from 64 hot pages, against memcpy() of the same bytes between the same
 *   buffers and the frames themselves (page by page, looked up beforehand).
 *
 * - beside a slow write: while another thread pages one page out again and again
 *   through a swap file made slow on purpose (mm_swap_inject()'s delay_ns, 1 ms
 *   per pwrite), the latency of single operations on the other pages of the same
 *   page table: mm_read() of 8 bytes of a resident page, and a discard with the
 *   write fault that brings the page back, one every 20 us so that they sample the
 *   whole time. The floor is the same operations with no page-out running;
 *   "waited" counts the operations that took more than half the delay, i.e.
 *   that waited for the disk.
 *
 * Deferred frees (RCU) are waited for outside the timed loops with gm_quiesce().
 * Results are checked (return codes, counters, contents); a wrong one exits 1.
 *
 * Output: one JSON document on stdout.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <time.h>

#include <gmap/alloc.h>
#include <gmap/mm.h>

#include "bench_util.h"

#define PAGES_PER_PT  (_SEGMENT_SIZE / PAGE_SIZE) /* pages one host page table maps */
#define HOT_PAGES     64UL /* a power of two: the 4 KiB copies cycle with i & (HOT_PAGES - 1) */
#define PATTERN(page) (0x9a6e000000000000UL | (page))

/* ---- parameters ----------------------------------------------------------------------------- */

struct params {
	bool quick;
	unsigned int reps;
	unsigned long fault_pages; /* first touch, migration, discard */
	unsigned long swap_pages;  /* page-out and page-in */
	unsigned long copy_bytes;  /* the large copies */
	unsigned long small_n;	   /* 4 KiB copies per repetition */
	const char *only;	   /* run one group of cases, for profiling; NULL runs all */
	unsigned long slow_ops;	   /* operations timed one by one beside the slow write */
	char swap_dir[256];
	char swap_fs[32];
};

/* ---- small helpers -------------------------------------------------------------------------- */

/*
 * Page-aligned, like the frames: with source and destination at different offsets
 * in their pages, glibc's memcpy() of 4 KiB was three times slower on the machine of
 * docs/PERFORMANCE.md, which would measure the buffer, not the mm.
 */
static void *xalloc(size_t size)
{
	void *p = aligned_alloc(PAGE_SIZE, (size + PAGE_SIZE - 1) & PAGE_MASK);

	if (!p)
		bench_die("malloc", (long)size);
	memset(p, 0, size); /* fault the buffer in before anything is timed */
	return p;
}

/* ---- machine description -------------------------------------------------------------------- */

/* The directory the library puts its swap file in (same order as src/mm/swap.c) and its type. */
static void describe_swap_dir(struct params *p)
{
	static const struct {
		unsigned long magic;
		const char *name;
	} fs[] = { { 0xef53, "ext4" },
		   { 0x01021994, "tmpfs" },
		   { 0x58465342, "xfs" },
		   { 0x9123683e, "btrfs" },
		   { 0x794c7630, "overlay" } };
	const char *dir = getenv("GMAP_SWAP_DIR");
	struct statfs sfs;

	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(p->swap_dir, sizeof(p->swap_dir), "%s", dir);
	snprintf(p->swap_fs, sizeof(p->swap_fs), "unknown");
	if (statfs(dir, &sfs))
		return;
	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++)
		if ((unsigned long)sfs.f_type == fs[i].magic)
			snprintf(p->swap_fs, sizeof(p->swap_fs), "%s", fs[i].name);
}

/* ---- mappings -------------------------------------------------------------------------------- */

static struct mm_struct *new_mm(void)
{
	struct mm_struct *mm = mm_create();

	if (!mm)
		bench_die("mm_create", 0);
	return mm;
}

static unsigned long map_pages(struct mm_struct *mm, unsigned long pages)
{
	unsigned long base = mm_mmap(mm, 0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS);

	if (base >= TASK_SIZE)
		bench_die("mm_mmap", (long)base);
	/* Mappings of 1 MiB or more are 1 MiB aligned: a page table every PAGES_PER_PT pages. */
	bench_check(!(base & ~_SEGMENT_MASK), "mapping is 1 MiB aligned");
	return base;
}

/* Give every page a frame, written with its pattern (so dirty and writable). */
static void populate(struct mm_struct *mm, unsigned long base, unsigned long pages)
{
	for (unsigned long i = 0; i < pages; i++) {
		unsigned long word = PATTERN(i);
		int rc = mm_write(mm, base + i * PAGE_SIZE, &word, sizeof(word));

		if (rc)
			bench_die("mm_write (populate)", rc);
	}
}

static unsigned long first_word(struct mm_struct *mm, unsigned long addr)
{
	unsigned long word;
	int rc = mm_read(mm, addr, &word, sizeof(word));

	if (rc)
		bench_die("mm_read (check)", rc);
	return word;
}

static void check_pattern(struct mm_struct *mm, unsigned long base, unsigned long pages, bool zero,
			  const char *what)
{
	for (unsigned long i = 0; i < pages; i++)
		bench_check(first_word(mm, base + i * PAGE_SIZE) == (zero ? 0 : PATTERN(i)), what);
}

static void destroy_mm(struct mm_struct *mm)
{
	mm_destroy(mm);
	gm_quiesce();
}

/* ---- the timed loops ------------------------------------------------------------------------ */

static BENCH_NOINLINE void fault_loop(struct mm_struct *mm, unsigned long base, unsigned long pages,
				      unsigned int flags, bool *unlocked, unsigned long skip_mask)
{
	mmap_read_lock(mm);
	for (unsigned long i = 0; i < pages; i++) {
		int rc;

		if (skip_mask && !(i & skip_mask))
			continue;
		rc = fixup_user_fault(mm, base + i * PAGE_SIZE, flags, unlocked);
		if (rc)
			bench_die("fixup_user_fault", rc);
	}
	mmap_read_unlock(mm);
}

static BENCH_NOINLINE void write_byte_loop(struct mm_struct *mm, unsigned long base,
					   unsigned long pages)
{
	const unsigned char one = 1;

	for (unsigned long i = 0; i < pages; i++) {
		int rc = mm_write(mm, base + i * PAGE_SIZE, &one, 1);

		if (rc)
			bench_die("mm_write", rc);
	}
}

static BENCH_NOINLINE void read_word_loop(struct mm_struct *mm, unsigned long base,
					  unsigned long pages)
{
	for (unsigned long i = 0; i < pages; i++)
		bench_check(first_word(mm, base + i * PAGE_SIZE) == PATTERN(i),
			    "page-in by mm_read");
}

static BENCH_NOINLINE void page_out_loop(struct mm_struct *mm, unsigned long base,
					 unsigned long pages)
{
	for (unsigned long i = 0; i < pages; i++) {
		int rc = mm_page_out(mm, base + i * PAGE_SIZE);

		if (rc)
			bench_die("mm_page_out", rc);
	}
}

static BENCH_NOINLINE void migrate_loop(struct mm_struct *mm, unsigned long base,
					unsigned long pages)
{
	for (unsigned long i = 0; i < pages; i++) {
		int rc = mm_migrate_page(mm, base + i * PAGE_SIZE);

		if (rc)
			bench_die("mm_migrate_page", rc);
	}
}

static BENCH_NOINLINE void discard_pages_loop(struct mm_struct *mm, unsigned long base,
					      unsigned long pages)
{
	for (unsigned long i = 0; i < pages; i++) {
		int rc = mm_discard(mm, base + i * PAGE_SIZE, PAGE_SIZE);

		if (rc)
			bench_die("mm_discard", rc);
	}
}

/* The kernel's own first touch: one byte, or a whole page written as the pool's zero fill does. */
static BENCH_NOINLINE void os_touch_loop(unsigned char *mem, unsigned long pages, bool fill)
{
	for (unsigned long i = 0; i < pages; i++) {
		if (fill)
			memset(mem + i * PAGE_SIZE, 0, PAGE_SIZE);
		else
			mem[i * PAGE_SIZE] = 1;
	}
	bench_clobber(mem);
}

/* ---- first touch ---------------------------------------------------------------------------- */

enum first_touch {
	FT_FIXUP,
	FT_MM_WRITE,
	FT_FIXUP_PT_PRESENT,
	FT_OS_TOUCH,
	FT_OS_FILL,
	NR_FT,
	/* Not kinds of first touch: what the runs of the kinds are followed by. */
	FT_DESTROY = NR_FT, /* mm_destroy() after the mm kinds */
	FT_OS_UNMAP,	    /* munmap() after the floors */
	NR_FT_SERIES,
};

static void check_first_touch(struct mm_struct *mm, unsigned long pages)
{
	struct mm_stats st;

	mm_get_stats(mm, &st);
	bench_check(st.zero_fills == pages && st.frames == pages, "one zero fill per page");
	bench_check(st.page_tables == (pages + PAGES_PER_PT - 1) / PAGES_PER_PT,
		    "one page table per 256 pages");
}

/* One first touch of kind @kind into s[kind], then the mm's destruction into s[FT_DESTROY]. */
static void first_touch_mm(enum first_touch kind, const struct params *p, struct bench_series *s)
{
	struct mm_struct *mm = new_mm();
	unsigned long base = map_pages(mm, p->fault_pages);
	struct bench_probe pr;

	/* Page 0 of every segment first, untimed: its fault allocates the page table. */
	if (kind == FT_FIXUP_PT_PRESENT)
		for (unsigned long i = 0; i < p->fault_pages; i += PAGES_PER_PT)
			fault_loop(mm, base + i * PAGE_SIZE, 1, FAULT_FLAG_WRITE, NULL, 0);
	bench_probe_start(&pr);
	if (kind == FT_MM_WRITE)
		write_byte_loop(mm, base, p->fault_pages);
	else
		fault_loop(mm, base, p->fault_pages, FAULT_FLAG_WRITE, NULL,
			   kind == FT_FIXUP_PT_PRESENT ? PAGES_PER_PT - 1 : 0);
	bench_probe_end(&pr, &s[kind]);
	check_first_touch(mm, p->fault_pages);
	bench_probe_start(&pr);
	destroy_mm(mm);
	bench_probe_end(&pr, &s[FT_DESTROY]);
}

/* One floor run into s[FT_OS_TOUCH or FT_OS_FILL], then its munmap() into s[FT_OS_UNMAP]. */
static void first_touch_os(bool fill, const struct params *p, struct bench_series *s)
{
	size_t len = p->fault_pages * PAGE_SIZE;
	unsigned char *mem =
		mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct bench_probe pr;

	if (mem == MAP_FAILED)
		bench_die("mmap", errno);
	bench_probe_start(&pr);
	os_touch_loop(mem, p->fault_pages, fill);
	bench_probe_end(&pr, &s[fill ? FT_OS_FILL : FT_OS_TOUCH]);
	bench_probe_start(&pr);
	munmap(mem, len);
	bench_probe_end(&pr, &s[FT_OS_UNMAP]);
}

static void run_first_touch(const struct params *p, struct bench_series *s)
{
	static const char *const names[NR_FT_SERIES][2] = {
		{ "first_touch_fixup", "fixup_user_fault(FAULT_FLAG_WRITE), untouched pages" },
		{ "first_touch_mm_write", "mm_write() of 1 byte per untouched page" },
		{ "first_touch_fixup_pt_present",
		  "fixup_user_fault(FAULT_FLAG_WRITE), page tables already allocated" },
		{ "os_first_touch", "floor: store 1 byte per page of fresh mmap() memory" },
		{ "os_first_touch_fill", "floor: memset() each page of fresh mmap() memory" },
		{ "destroy",
		  "mm_destroy() + gm_quiesce() of a mapping whose pages are all present" },
		{ "os_munmap", "floor: munmap() of fresh mmap() memory with every page touched" },
	};

	for (int k = 0; k < NR_FT_SERIES; k++)
		s[k] = (struct bench_series){ .name = names[k][0],
					      .what = names[k][1],
					      .per_run = p->fault_pages };
	/* The page tables exist for all but one page in PAGES_PER_PT. */
	s[FT_FIXUP_PT_PRESENT].per_run = p->fault_pages - p->fault_pages / PAGES_PER_PT;
	for (unsigned int rep = 0; rep < p->reps; rep++) {
		/* Rotate the order so that drift on a shared machine hits the kinds alike. */
		for (int i = 0; i < NR_FT; i++) {
			enum first_touch k = (rep + (unsigned int)i) % NR_FT;

			if (k == FT_OS_TOUCH || k == FT_OS_FILL)
				first_touch_os(k == FT_OS_FILL, p, s);
			else
				first_touch_mm(k, p, s);
		}
	}
}

/* ---- page-out and page-in ------------------------------------------------------------------- */

enum swap_series {
	SW_OUT,
	SW_IN_FIXUP,
	SW_IN_UNLOCKED,
	SW_IN_MM_READ,
	SW_RT_FIXUP,
	SW_RT_UNLOCKED,
	SW_RT_MM_READ,
	NR_SW,
};

static void run_swap(const struct params *p, struct bench_series *s)
{
	static const char *const names[NR_SW][2] = {
		{ "page_out", "mm_page_out() of a present dirty page" },
		{ "page_in_fixup", "fixup_user_fault(read) of a swapped page, unlocked = NULL" },
		{ "page_in_fixup_unlocked",
		  "fixup_user_fault(read, &unlocked): swap read with mmap_lock dropped" },
		{ "page_in_mm_read", "mm_read() of 8 bytes of a swapped page" },
		{ "swap_round_trip_fixup", "page_out + page_in_fixup of the same repetition" },
		{ "swap_round_trip_fixup_unlocked",
		  "page_out + page_in_fixup_unlocked of the same repetition" },
		{ "swap_round_trip_mm_read", "page_out + page_in_mm_read of the same repetition" },
	};
	struct mm_struct *mm = new_mm();
	unsigned long base = map_pages(mm, p->swap_pages);
	struct mm_stats st;

	for (int k = 0; k < NR_SW; k++)
		s[k] = (struct bench_series){ .name = names[k][0],
					      .what = names[k][1],
					      .per_run = p->swap_pages };
	populate(mm, base, p->swap_pages);
	for (unsigned int rep = 0; rep < p->reps; rep++) {
		for (int i = 0; i < 3; i++) {
			int in = SW_IN_FIXUP + (int)((rep + (unsigned int)i) % 3);
			bool unlocked = false;
			struct bench_probe pr;

			bench_probe_start(&pr);
			page_out_loop(mm, base, p->swap_pages);
			bench_probe_end(&pr, &s[SW_OUT]);
			gm_quiesce();
			mm_get_stats(mm, &st);
			bench_check(st.swap_slots == p->swap_pages && st.frames == 0,
				    "all pages swapped");
			bench_probe_start(&pr);
			if (in == SW_IN_MM_READ)
				read_word_loop(mm, base, p->swap_pages);
			else
				fault_loop(mm, base, p->swap_pages, 0,
					   in == SW_IN_UNLOCKED ? &unlocked : NULL, 0);
			bench_probe_end(&pr, &s[in]);
			bench_series_combine(&s[in + SW_RT_FIXUP - SW_IN_FIXUP], &s[SW_OUT], &s[in],
					     1);
			bench_check(in != SW_IN_UNLOCKED || unlocked, "swap-in dropped mmap_lock");
			mm_get_stats(mm, &st);
			bench_check(st.swap_slots == 0 && st.frames == p->swap_pages,
				    "all pages back");
			check_pattern(mm, base, p->swap_pages, false, "contents survive swap");
		}
	}
	destroy_mm(mm);
}

/* ---- beside a slow write -------------------------------------------------------------------- */

#define SLOW_WRITE_NS 1000000UL /* each pwrite() of the swap file takes 1 ms more */
#define SLOW_PACE_NS  20000L	/* a pause of 20 us before each timed operation */

enum { SL_READ, SL_FAULT, NR_SL };

struct slow_result {
	const char *name, *op;
	unsigned long ops, waited, floor_waited, page_outs;
	double p50, p99, max, floor_p50, floor_p99, floor_max;
};

struct slow_writer {
	struct mm_struct *mm;
	unsigned long addr;
	atomic_bool stop;
	atomic_ulong page_outs;
};

/* Page the victim out (slow) and back in (fast), until told to stop. */
static void *slow_writer_thread(void *arg)
{
	struct slow_writer *w = arg;
	unsigned long word;
	int rc;

	while (!atomic_load(&w->stop)) {
		rc = mm_page_out(w->mm, w->addr);
		if (rc)
			bench_die("mm_page_out (slow)", rc);
		atomic_fetch_add(&w->page_outs, 1);
		rc = mm_read(w->mm, w->addr, &word, sizeof(word));
		if (rc)
			bench_die("mm_read (slow)", rc);
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One operation on page @i of the table (1 .. PAGES_PER_PT - 1), timed alone. */
static double slow_op(struct mm_struct *mm, unsigned long base, int kind, unsigned long i)
{
	unsigned long addr = base + i * PAGE_SIZE, word;
	double t0, t;
	int rc;

	if (kind == SL_FAULT) {
		t0 = bench_now_ns();
		rc = mm_discard(mm, addr, PAGE_SIZE);
		if (rc)
			bench_die("mm_discard", rc);
		mmap_read_lock(mm);
		rc = fixup_user_fault(mm, addr, FAULT_FLAG_WRITE, NULL);
		mmap_read_unlock(mm);
		t = bench_now_ns() - t0;
		if (rc)
			bench_die("fixup_user_fault", rc);
		return t;
	}
	t0 = bench_now_ns();
	rc = mm_read(mm, addr, &word, sizeof(word));
	t = bench_now_ns() - t0;
	if (rc)
		bench_die("mm_read", rc);
	bench_check(word == PATTERN(i), "contents beside the slow write");
	return t;
}

/* Time @n operations of @kind; sorted latencies in @v; how many took over half the delay. */
static unsigned long slow_series(struct mm_struct *mm, unsigned long base, int kind, double *v,
				 unsigned long n)
{
	struct timespec pace = { 0, (long)SLOW_PACE_NS };
	unsigned long waited = 0;

	for (unsigned long k = 0; k < n; k++) {
		nanosleep(&pace,
			  NULL); /* pacing, outside the timed part; leaves the writer a CPU */
		v[k] = slow_op(mm, base, kind, 1 + k % (PAGES_PER_PT - 1));
		if (kind == SL_FAULT) { /* the page had its pattern: give it back */
			unsigned long word = PATTERN(1 + k % (PAGES_PER_PT - 1));
			int rc = mm_write(mm, base + (1 + k % (PAGES_PER_PT - 1)) * PAGE_SIZE,
					  &word, sizeof(word));

			if (rc)
				bench_die("mm_write", rc);
		}
		waited += v[k] > SLOW_WRITE_NS / 2;
	}
	qsort(v, n, sizeof(*v), cmp_double);
	return waited;
}

static void run_slow_write(const struct params *p, struct slow_result *r)
{
	static const char *const names[NR_SL][2] = {
		{ "read_beside_slow_write", "mm_read() of 8 bytes of a resident page" },
		{ "discard_fault_beside_slow_write",
		  "mm_discard() of a page and fixup_user_fault(WRITE) bringing it back" },
	};
	struct mm_swap_inject in = { .calls = MM_SWAP_INJECT_WRITE, .delay_ns = SLOW_WRITE_NS };
	struct mm_struct *mm = new_mm();
	unsigned long base = map_pages(mm, PAGES_PER_PT), n = p->slow_ops;
	struct slow_writer w = { .mm = mm, .addr = base };
	double *v = bench_malloc(n * sizeof(*v));
	pthread_t t;

	populate(mm, base, PAGES_PER_PT);
	for (int kind = 0; kind < NR_SL; kind++) {
		r[kind].name = names[kind][0];
		r[kind].op = names[kind][1];
		r[kind].ops = n;
		r[kind].floor_waited = slow_series(mm, base, kind, v, n);
		r[kind].floor_p50 = v[n / 2];
		r[kind].floor_p99 = v[n * 99 / 100];
		r[kind].floor_max = v[n - 1];
	}
	if (mm_swap_inject(mm, &in))
		bench_die("mm_swap_inject", -EINVAL);
	atomic_init(&w.stop, false);
	atomic_init(&w.page_outs, 0);
	if (pthread_create(&t, NULL, slow_writer_thread, &w))
		bench_die("pthread_create", 0);
	for (int kind = 0; kind < NR_SL; kind++) {
		unsigned long outs = atomic_load(&w.page_outs);

		r[kind].waited = slow_series(mm, base, kind, v, n);
		r[kind].page_outs = atomic_load(&w.page_outs) - outs;
		r[kind].p50 = v[n / 2];
		r[kind].p99 = v[n * 99 / 100];
		r[kind].max = v[n - 1];
	}
	atomic_store(&w.stop, true);
	pthread_join(t, NULL);
	bench_check(atomic_load(&w.page_outs) > 0, "the slow writer paged out");
	mm_swap_inject(mm, NULL);
	free(v);
	destroy_mm(mm);
}

/* ---- migration and discard ------------------------------------------------------------------ */

static void run_migrate(const struct params *p, struct bench_series *s)
{
	struct mm_struct *mm = new_mm();
	unsigned long base = map_pages(mm, p->fault_pages);
	unsigned long before;
	struct bench_probe pr;

	*s = (struct bench_series){ .name = "migrate",
				    .what = "mm_migrate_page() of a present dirty page",
				    .per_run = p->fault_pages };
	populate(mm, base, p->fault_pages);
	for (unsigned int rep = 0; rep < p->reps; rep++) {
		before = mm_lookup_pte(mm, base);
		bench_probe_start(&pr);
		migrate_loop(mm, base, p->fault_pages);
		bench_probe_end(&pr, s);
		gm_quiesce();
		bench_check((mm_lookup_pte(mm, base) & PAGE_MASK) != (before & PAGE_MASK),
			    "migration moved the frame");
	}
	check_pattern(mm, base, p->fault_pages, false, "contents survive migration");
	destroy_mm(mm);
}

enum discard_series {
	DI_RANGE,
	DI_PAGES,
	DI_REFAULT,
	DI_RT_RANGE,
	NR_DI,
};

static void run_discard(const struct params *p, struct bench_series *s)
{
	static const char *const names[NR_DI][2] = {
		{ "discard_range", "mm_discard() of the whole mapping in one call" },
		{ "discard_page", "mm_discard() of one page per call" },
		{ "refault_after_discard", "fixup_user_fault(FAULT_FLAG_WRITE) of a discarded "
					   "page, frames back in the pool" },
		{ "discard_round_trip", "discard_range + refault_after_discard of the same rep" },
	};
	struct mm_struct *mm = new_mm();
	unsigned long base = map_pages(mm, p->fault_pages);

	for (int k = 0; k < NR_DI; k++)
		s[k] = (struct bench_series){ .name = names[k][0],
					      .what = names[k][1],
					      .per_run = p->fault_pages };
	for (unsigned int rep = 0; rep < p->reps; rep++) {
		for (int i = 0; i < 2; i++) {
			int kind = (rep + (unsigned int)i) % 2 ? DI_PAGES : DI_RANGE;
			struct bench_probe pr;
			int rc = 0;

			populate(mm, base, p->fault_pages);
			bench_probe_start(&pr);
			if (kind == DI_RANGE)
				rc = mm_discard(mm, base, p->fault_pages * PAGE_SIZE);
			else
				discard_pages_loop(mm, base, p->fault_pages);
			bench_probe_end(&pr, &s[kind]);
			if (rc)
				bench_die("mm_discard", rc);
			gm_quiesce();
			bench_probe_start(&pr);
			fault_loop(mm, base, p->fault_pages, FAULT_FLAG_WRITE, NULL, 0);
			bench_probe_end(&pr, &s[DI_REFAULT]);
			if (kind == DI_RANGE)
				bench_series_combine(&s[DI_RT_RANGE], &s[DI_RANGE], &s[DI_REFAULT],
						     1);
			check_pattern(mm, base, p->fault_pages, true, "discarded pages read zero");
		}
	}
	destroy_mm(mm);
}

/* ---- copies --------------------------------------------------------------------------------- */

enum copy_kind {
	CP_READ_LARGE,
	CP_WRITE_LARGE,
	CP_READ_4K,
	CP_WRITE_4K,
	NR_CP,
};

struct copy_result {
	const char *name;
	const char *op;
	unsigned long bytes; /* per timed run */
	unsigned long calls; /* mm_read/mm_write calls per timed run */
	struct bench_series mm, frames, flat;
	struct stats mm_gbps, frames_gbps, flat_gbps;
	double ratio;
};

struct copy_setup {
	struct mm_struct *mm;
	unsigned long base, pages;
	unsigned char **frame; /* frame of every page, for the memcpy baseline */
	unsigned char *buf;    /* destination of reads, source of writes: copy_bytes */
	unsigned char *flat;   /* a plain buffer as large as the mapping */
};

static BENCH_NOINLINE void mm_copy_large(const struct copy_setup *c, bool write, size_t len)
{
	int rc = write ? mm_write(c->mm, c->base, c->buf, len)
		       : mm_read(c->mm, c->base, c->buf, len);

	if (rc)
		bench_die(write ? "mm_write" : "mm_read", rc);
}

static BENCH_NOINLINE void frames_copy_large(const struct copy_setup *c, bool write)
{
	for (unsigned long i = 0; i < c->pages; i++) {
		if (write)
			memcpy(c->frame[i], c->buf + i * PAGE_SIZE, PAGE_SIZE);
		else
			memcpy(c->buf + i * PAGE_SIZE, c->frame[i], PAGE_SIZE);
	}
}

static BENCH_NOINLINE void flat_copy(void *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
	bench_clobber(dst);
}

static BENCH_NOINLINE void mm_copy_4k(const struct copy_setup *c, bool write, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		unsigned long addr = c->base + (i & (HOT_PAGES - 1)) * PAGE_SIZE;
		int rc = write ? mm_write(c->mm, addr, c->buf, PAGE_SIZE)
			       : mm_read(c->mm, addr, c->buf, PAGE_SIZE);

		if (rc)
			bench_die(write ? "mm_write" : "mm_read", rc);
	}
}

static BENCH_NOINLINE void frames_copy_4k(const struct copy_setup *c, bool write, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		unsigned char *f = c->frame[i & (HOT_PAGES - 1)];

		if (write)
			memcpy(f, c->buf, PAGE_SIZE);
		else
			memcpy(c->buf, f, PAGE_SIZE);
		bench_clobber(f);
	}
}

static BENCH_NOINLINE void flat_copy_4k(const struct copy_setup *c, bool write, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		unsigned char *f = c->flat + (i & (HOT_PAGES - 1)) * PAGE_SIZE;

		if (write)
			memcpy(f, c->buf, PAGE_SIZE);
		else
			memcpy(c->buf, f, PAGE_SIZE);
		bench_clobber(f);
	}
}

/* After a large mm_read() or mm_write(), buf and the frames must hold the same bytes. */
static void copy_check(const struct copy_setup *c)
{
	for (unsigned long i = 0; i < c->pages; i++)
		bench_check(!memcmp(c->buf + i * PAGE_SIZE, c->frame[i], PAGE_SIZE), "large copy");
}

/* Time one run of @variant (0 mm, 1 frames, 2 flat) of copy @k into its series. */
static void time_copy(struct copy_result *r, enum copy_kind k, int variant,
		      const struct copy_setup *c)
{
	bool write = k == CP_WRITE_LARGE || k == CP_WRITE_4K;
	bool large = k == CP_READ_LARGE || k == CP_WRITE_LARGE;
	struct bench_series *s = variant == 0 ? &r->mm : variant == 1 ? &r->frames : &r->flat;
	struct bench_probe pr;

	bench_probe_start(&pr);
	if (large && variant == 0)
		mm_copy_large(c, write, r->bytes);
	else if (large && variant == 1)
		frames_copy_large(c, write);
	else if (large)
		flat_copy(write ? c->flat : c->buf, write ? c->buf : c->flat, r->bytes);
	else if (variant == 0)
		mm_copy_4k(c, write, r->calls);
	else if (variant == 1)
		frames_copy_4k(c, write, r->calls);
	else
		flat_copy_4k(c, write, r->calls);
	bench_probe_end(&pr, s);
	if (large && variant == 0)
		copy_check(c);
}

/* Convert ns per page into GB/s: bytes per ns. */
static struct stats gbps_of(const struct bench_series *s)
{
	struct stats ns = stats_of(s->v, s->n), g;

	g.median = (double)PAGE_SIZE / ns.median;
	g.min = (double)PAGE_SIZE / ns.max;
	g.max = (double)PAGE_SIZE / ns.min;
	return g;
}

static void run_copies(const struct params *p, struct copy_result *r)
{
	static const char *const names[NR_CP][2] = {
		{ "read_large", "one mm_read() of the whole mapping, pages present" },
		{ "write_large", "one mm_write() of the whole mapping, pages present and dirty" },
		{ "read_4k", "mm_read() of 4 KiB, page-aligned, cycling over 64 present pages" },
		{ "write_4k", "mm_write() of 4 KiB, page-aligned, cycling over 64 present pages" },
	};
	struct copy_setup c;

	c.pages = p->copy_bytes / PAGE_SIZE;
	c.mm = new_mm();
	c.base = map_pages(c.mm, c.pages);
	c.buf = xalloc(p->copy_bytes);
	c.flat = xalloc(p->copy_bytes);
	c.frame = bench_malloc(c.pages * sizeof(*c.frame));
	populate(c.mm, c.base, c.pages);
	for (unsigned long i = 0; i < c.pages; i++)
		c.frame[i] =
			(unsigned char *)(mm_lookup_pte(c.mm, c.base + i * PAGE_SIZE) & PAGE_MASK);
	for (int k = 0; k < NR_CP; k++) {
		bool large = k == CP_READ_LARGE || k == CP_WRITE_LARGE;

		r[k] = (struct copy_result){ .name = names[k][0], .op = names[k][1] };
		r[k].bytes = large ? p->copy_bytes : p->small_n * PAGE_SIZE;
		r[k].calls = large ? 1 : p->small_n;
		r[k].mm.per_run = r[k].frames.per_run = r[k].flat.per_run = r[k].bytes / PAGE_SIZE;
	}
	for (unsigned int rep = 0; rep < p->reps; rep++) {
		for (int k = 0; k < NR_CP; k++) {
			/* Warm up the 4 KiB set, then rotate the three variants. */
			if (k >= CP_READ_4K)
				mm_copy_4k(&c, k == CP_WRITE_4K, HOT_PAGES);
			for (int i = 0; i < 3; i++)
				time_copy(&r[k], k, (int)((rep + (unsigned int)i) % 3), &c);
		}
	}
	for (int k = 0; k < NR_CP; k++) {
		r[k].mm_gbps = gbps_of(&r[k].mm);
		r[k].frames_gbps = gbps_of(&r[k].frames);
		r[k].flat_gbps = gbps_of(&r[k].flat);
		r[k].ratio = r[k].mm_gbps.median / r[k].frames_gbps.median;
	}
	free(c.frame);
	free(c.flat);
	free(c.buf);
	destroy_mm(c.mm);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void print_params(struct json *j, const struct params *p, double seconds)
{
	json_params_open(j, p->quick, p->reps);
	json_ulong(j, "fault_pages", p->fault_pages);
	json_ulong(j, "swap_pages", p->swap_pages);
	json_ulong(j, "copy_bytes", p->copy_bytes);
	json_ulong(j, "copies_4k_per_rep", p->small_n);
	json_str(j, "swap_dir", p->swap_dir);
	json_str(j, "swap_fs", p->swap_fs);
	json_str(j, "clock", "CLOCK_MONOTONIC");
	json_str(j, "ns_per_page", "wall time of a timed run / pages it handled");
	json_str(j, "os_minor_faults_per_page",
		 "kernel minor faults of the process during the run / pages (median)");
	json_str(j, "ratio", "mm GB/s / memcpy GB/s of the same bytes from/to the frames");
	json_double(j, "run_seconds", seconds, 1);
	json_close(j, '}');
}

static void print_series(struct json *j, const struct bench_series *s)
{
	struct stats ns, flt;

	if (!s->n)
		return; /* its group was not selected */
	ns = stats_of(s->v, s->n);
	flt = stats_of(s->minflt, s->n);
	json_open(j, NULL, '{');
	json_str(j, "name", s->name);
	json_str(j, "op", s->what);
	json_ulong(j, "pages_per_run", s->per_run);
	json_ulong(j, "runs", s->n);
	json_stats(j, "ns_per_page", &ns, 1);
	json_double(j, "os_minor_faults_per_page", flt.median, 3);
	json_ulong(j, "preempted_runs", s->preempted);
	json_close(j, '}');
}

static void print_slow(struct json *j, const struct slow_result *r)
{
	json_open(j, NULL, '{');
	json_str(j, "name", r->name);
	json_str(j, "op", r->op);
	json_ulong(j, "write_delay_ns", SLOW_WRITE_NS);
	json_ulong(j, "ops", r->ops);
	json_double(j, "ns_p50", r->p50, 0);
	json_double(j, "ns_p99", r->p99, 0);
	json_double(j, "ns_max", r->max, 0);
	json_ulong(j, "waited_ops", r->waited);
	json_ulong(j, "slow_page_outs_meanwhile", r->page_outs);
	json_double(j, "floor_ns_p50", r->floor_p50, 0);
	json_double(j, "floor_ns_p99", r->floor_p99, 0);
	json_double(j, "floor_ns_max", r->floor_max, 0);
	json_ulong(j, "floor_waited_ops", r->floor_waited);
	json_close(j, '}');
}

static void print_copy(struct json *j, const struct copy_result *r)
{
	json_open(j, NULL, '{');
	json_str(j, "name", r->name);
	json_str(j, "op", r->op);
	json_ulong(j, "bytes_per_run", r->bytes);
	json_ulong(j, "calls_per_run", r->calls);
	json_ulong(j, "runs", r->mm.n);
	json_stats(j, "mm_gbps", &r->mm_gbps, 2);
	json_stats(j, "memcpy_frames_gbps", &r->frames_gbps, 2);
	json_double(j, "ratio", r->ratio, 3);
	json_stats(j, "memcpy_flat_gbps", &r->flat_gbps, 2);
	json_ulong(j, "preempted_runs", r->mm.preempted + r->frames.preempted + r->flat.preempted);
	json_close(j, '}');
}

/* ---- main ----------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_mm [--quick] [--reps N] [--fault-mib N] [--swap-mib N]\n"
		   "                [--copy-mib N] [--swap-dir DIR] [--only GROUP] [--help]\n"
		   "\n"
		   "Cost per page of the host address space: first-touch faults, page-out and\n"
		   "page-in through the swap file, migration, discard and refault, and the\n"
		   "bandwidth of mm_read()/mm_write() against memcpy(). Prints one JSON document.\n"
		   "\n"
		   "  --quick         few repetitions and small mappings (smoke test)\n"
		   "  --reps N        repetitions per measurement (default 11, at most 64)\n"
		   "  --fault-mib N   mapping for first touch, migration, discard (default 256)\n"
		   "  --swap-mib N    mapping paged out and in (default 64)\n"
		   "  --copy-mib N    size of the large copies (default 64)\n"
		   "  --swap-dir DIR  where the swap file goes (sets GMAP_SWAP_DIR)\n"
		   "  --only GROUP    run one group: first_touch, swap, migrate, discard, copies,\n"
		   "                  slow_write\n"
		   "                  (for a profiler; the other groups print no entries)\n"
		   "  --help          this text\n");
}

static void parse_args(int argc, char **argv, struct params *p)
{
	unsigned long reps = 0, fault_mib = 0, swap_mib = 0, copy_mib = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (bench_common_option(argv, &i, usage, &p->quick, &reps))
			continue;
		if (!strcmp(a, "--fault-mib")) {
			fault_mib = bench_parse_num(a, argv[++i], 1, 1024);
		} else if (!strcmp(a, "--swap-mib")) {
			swap_mib = bench_parse_num(a, argv[++i], 1, 1024);
		} else if (!strcmp(a, "--copy-mib")) {
			copy_mib = bench_parse_num(a, argv[++i], 1, 512);
		} else if (!strcmp(a, "--only") && argv[i + 1]) {
			p->only = argv[++i];
		} else if (!strcmp(a, "--swap-dir") && argv[i + 1]) {
			setenv("GMAP_SWAP_DIR", argv[++i], 1);
		} else {
			fprintf(stderr, "bench_mm: unknown option or missing value: %s\n", a);
			usage(stderr);
			exit(2);
		}
	}
	if (p->quick) {
		p->reps = 3;
		p->fault_pages = 2 * MIB / PAGE_SIZE;
		p->swap_pages = MIB / PAGE_SIZE;
		p->copy_bytes = 2 * MIB;
		p->small_n = 1024;
		p->slow_ops = 200;
	} else {
		p->reps = 11;
		p->fault_pages = 256 * MIB / PAGE_SIZE;
		p->swap_pages = 64 * MIB / PAGE_SIZE;
		p->copy_bytes = 64 * MIB;
		p->small_n = 16384;
		p->slow_ops = 5000;
	}
	if (reps)
		p->reps = (unsigned int)reps;
	if (fault_mib)
		p->fault_pages = fault_mib * MIB / PAGE_SIZE;
	if (swap_mib)
		p->swap_pages = swap_mib * MIB / PAGE_SIZE;
	if (copy_mib)
		p->copy_bytes = copy_mib * MIB;
	describe_swap_dir(p);
	if (p->only && strcmp(p->only, "first_touch") && strcmp(p->only, "swap") &&
	    strcmp(p->only, "migrate") && strcmp(p->only, "discard") && strcmp(p->only, "copies") &&
	    strcmp(p->only, "slow_write")) {
		fprintf(stderr, "bench_mm: unknown group %s\n", p->only);
		exit(2);
	}
}

static bool selected(const struct params *p, const char *group)
{
	return !p->only || !strcmp(p->only, group);
}

int main(int argc, char **argv)
{
	static struct bench_series ft[NR_FT_SERIES], sw[NR_SW], mig, di[NR_DI];
	static struct copy_result cp[NR_CP];
	static struct slow_result sl[NR_SL];
	struct params p = { 0 };
	struct json j = { 0 };
	struct bench_machine m;
	double t0;

	bench_set_name("bench_mm");
	bench_describe_machine(&m);
	parse_args(argc, argv, &p);
	t0 = bench_now_ns();
	if (selected(&p, "first_touch"))
		run_first_touch(&p, ft);
	if (selected(&p, "swap"))
		run_swap(&p, sw);
	if (selected(&p, "migrate"))
		run_migrate(&p, &mig);
	if (selected(&p, "discard"))
		run_discard(&p, di);
	if (selected(&p, "copies"))
		run_copies(&p, cp);
	if (selected(&p, "slow_write"))
		run_slow_write(&p, sl);
	bench_machine_done(&m);

	json_open(&j, NULL, '{');
	json_str(&j, "benchmark", "bench_mm");
	json_machine_open(&j, &m);
	json_str(&j, "transparent_hugepage", m.thp);
	json_machine_close(&j, &m);
	json_build(&j);
	print_params(&j, &p, (bench_now_ns() - t0) / 1e9);
	json_open(&j, "cases", '[');
	for (int k = 0; k < NR_FT_SERIES; k++)
		print_series(&j, &ft[k]);
	for (int k = 0; k < NR_SW; k++)
		print_series(&j, &sw[k]);
	print_series(&j, &mig);
	for (int k = 0; k < NR_DI; k++)
		print_series(&j, &di[k]);
	json_close(&j, ']');
	json_open(&j, "copies", '[');
	for (int k = 0; k < NR_CP; k++)
		if (cp[k].mm.n)
			print_copy(&j, &cp[k]);
	json_close(&j, ']');
	json_open(&j, "beside_slow_write", '[');
	for (int k = 0; k < NR_SL; k++)
		if (sl[k].ops)
			print_slow(&j, &sl[k]);
	json_close(&j, ']');
	json_close(&j, '}');
	return fflush(stdout) ? 1 : 0;
}
