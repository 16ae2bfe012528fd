// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs hammer guest memory while the host changes it under them.
 *
 * Two vCPU threads (each enables the gmap and creates its vCPU itself) make
 * absolute, real and DAT-on accesses of random sizes, and absolute ones through
 * the inline fast path (a window, vcpu_tlb_probe(), the copy through its
 * pointer; the full path when it gives none), to the pages each owns
 * (even or odd pages: interleaved, so their TLB entries and host page tables
 * are shared) and keep a reference copy of them: every successful read must
 * equal the reference, every successful write updates it. A host thread pages
 * out and migrates random pages (guest tables included), makes segments
 * read-only or inaccessible for a while, and moves whole segments: gmap unmap,
 * copy out, munmap, mmap, copy back, gmap map. Writes that get a protection
 * exception did not happen; accesses that get an addressing exception (the
 * segment was away) are retried when the host is idle between rounds and must
 * then succeed. Nothing else may come back. At the end guest memory, read by
 * the host, must equal the references.
 *
 * The threads meet at a barrier every round so that host events hit the whole
 * run. GMAP_VCPU_STRESS_ACCESSES sets the total access count (meson lowers it
 * under ThreadSanitizer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <endian.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rng.h"
#include "stress.h"

#include <gmap/alloc.h>
#include <gmap/vcpu.h>

#define SEG	     _SEGMENT_SIZE
#define HBASE	     0x100000000UL
#define NSEG	     16
#define GMEM	     (NSEG * SEG)
#define DATA_PAGES   ((NSEG - 1) * (SEG / PAGE_SIZE)) /* segment 15 holds the guest tables */
#define NVCPUS	     2
#define ROUNDS	     100
#define ACCESSES     1000000UL
#define MIN_HOST_OPS 8	  /* per round, even if the vCPUs are done */
#define MAX_HOST_OPS 4000 /* per round */
#define MAX_MOVES    3	  /* segment moves per round: each copies 2 MiB */
#define MAX_PENDING  4096
#define RW	     (PROT_READ | PROT_WRITE)

/*
 * Guest tables: one segment table for virtual VOFF..VOFF + 16 MiB. Odd segments
 * are EDAT-1 frames (absolute, no prefixing); even ones have page tables whose
 * PTEs name real pages, so prefixing applies to them.
 */
#define GSTO (15 * SEG)
#define GPTO (GSTO + _CRST_TABLE_SIZE)
#define VOFF 0x40000000UL
#define ASCE (GSTO | _ASCE_TYPE_SEGMENT | 3)

static struct mm_struct *mm;
static struct gmap *gmap;
static pthread_barrier_t barrier;
static atomic_uint vcpus_done; /* vCPUs through with this round's accesses */
static unsigned long total_accesses = ACCESSES;

/* ---- vCPUs ---------------------------------------------------------------------------------- */

enum kind { ABSOLUTE, REAL, VIRTUAL, INLINE, NKINDS };

struct access {
	enum kind kind;
	bool write;
	unsigned long abs; /* absolute address of the first byte */
	unsigned int len;  /* within one page */
};

struct worker {
	pthread_t tid;
	unsigned int id;
	unsigned long prefix;
	struct vcpu *vcpu;
	unsigned char *ref; /* GMEM bytes; only the owned pages matter */
	unsigned char buf[PAGE_SIZE];
	struct rng rng;
	struct access pending[MAX_PENDING];
	unsigned int npending;
	unsigned long accesses, reads, writes, prot, addressing, retried, dropped;
	unsigned long inline_hits; /* INLINE accesses that the probe served */
	unsigned long by_kind[NKINDS];
	struct vcpu_stats stats;
};

static unsigned long swap_prefix(unsigned long a, unsigned long prefix)
{
	return dat_real_to_abs(a, prefix); /* its own inverse */
}

/* The address the vCPU uses for absolute @abs with @kind. */
static unsigned long address_of(const struct worker *w, enum kind kind, unsigned long abs)
{
	switch (kind) {
	case REAL:
		return swap_prefix(abs, w->prefix);
	case VIRTUAL:
		if ((abs >> _SEGMENT_SHIFT) & 1)
			return VOFF + abs; /* EDAT-1 frame: absolute */
		return VOFF + swap_prefix(abs, w->prefix);
	default:
		return abs;
	}
}

/* The inline fast path: true if the probe served the access. */
static bool inline_access(struct worker *w, const struct access *a)
{
	unsigned char *p;

	if (!vcpu_access_begin(w->vcpu))
		return false;
	p = vcpu_tlb_probe(w->vcpu, a->abs, a->len, a->write);
	if (p && a->write)
		memcpy(p, w->buf, a->len);
	else if (p)
		memcpy(w->buf, p, a->len);
	vcpu_access_end(w->vcpu);
	w->inline_hits += p != NULL;
	return p != NULL;
}

static int do_access(struct worker *w, const struct access *a)
{
	unsigned long addr = address_of(w, a->kind, a->abs);

	w->accesses++;
	w->by_kind[a->kind]++;
	if (a->kind == INLINE && inline_access(w, a))
		return 0;
	if (a->write) {
		switch (a->kind) {
		case REAL:
			return vcpu_write_real(w->vcpu, addr, w->buf, a->len);
		case VIRTUAL:
			return vcpu_write_virt(w->vcpu, ASCE, addr, w->buf, a->len);
		default:
			return vcpu_write(w->vcpu, addr, w->buf, a->len);
		}
	}
	switch (a->kind) {
	case REAL:
		return vcpu_read_real(w->vcpu, addr, w->buf, a->len);
	case VIRTUAL:
		return vcpu_read_virt(w->vcpu, ASCE, addr, w->buf, a->len);
	default:
		return vcpu_read(w->vcpu, addr, w->buf, a->len);
	}
}

/* Perform @a and check it; false if it must be retried (addressing exception). */
static bool run_access(struct worker *w, const struct access *a)
{
	int rc;

	if (a->write)
		for (unsigned int i = 0; i < a->len; i++)
			w->buf[i] = (unsigned char)rnd(&w->rng);
	rc = do_access(w, a);
	if (rc == PGM_ADDRESSING) {
		w->addressing++;
		return false;
	}
	if (a->write && rc == PGM_PROTECTION) {
		/* A read-only segment: the store did not happen. */
		w->prot++;
		return true;
	}
	if (rc)
		die("vCPU %u: %s of %u bytes at absolute %#lx (kind %d) gave %d", w->id,
		    a->write ? "write" : "read", a->len, a->abs, a->kind, rc);
	if (a->write) {
		memcpy(w->ref + a->abs, w->buf, a->len);
		w->writes++;
	} else {
		if (memcmp(w->ref + a->abs, w->buf, a->len))
			die("vCPU %u: read of %u bytes at absolute %#lx (kind %d) differs", w->id,
			    a->len, a->abs, a->kind);
		w->reads++;
	}
	return true;
}

/* A random access inside a random page the worker owns. */
static void pick_access(struct worker *w, struct access *a)
{
	unsigned long page = below(&w->rng, DATA_PAGES / NVCPUS) * NVCPUS + w->id;
	unsigned long shape = below(&w->rng, 10), off;

	if (shape < 6) { /* an aligned doubleword */
		a->len = 8;
		off = below(&w->rng, PAGE_SIZE / 8) * 8;
	} else if (shape < 9) { /* a short unaligned operand */
		a->len = 1 + (unsigned int)below(&w->rng, 300);
		off = below(&w->rng, PAGE_SIZE - a->len + 1);
	} else { /* the whole page */
		a->len = PAGE_SIZE;
		off = 0;
	}
	a->abs = page * PAGE_SIZE + off;
	a->kind = (enum kind)below(&w->rng, NKINDS);
	a->write = rnd(&w->rng) & 1;
}

static void vcpu_round(struct worker *w, unsigned long n)
{
	struct access a;

	for (unsigned long i = 0; i < n; i++) {
		pick_access(w, &a);
		if (run_access(w, &a))
			continue;
		if (w->npending < MAX_PENDING)
			w->pending[w->npending++] = a;
		else
			w->dropped++;
	}
}

/* Between rounds the host is idle and everything is mapped: every retry must work. */
static void retry_pending(struct worker *w)
{
	for (unsigned int i = 0; i < w->npending; i++) {
		if (!run_access(w, &w->pending[i]))
			die("vCPU %u: addressing exception with the host idle", w->id);
		w->retried++;
	}
	w->npending = 0;
}

static void *vcpu_thread(void *arg)
{
	struct worker *w = arg;
	unsigned long per_round = total_accesses / NVCPUS / ROUNDS;

	gmap_enable(gmap);
	w->vcpu = vcpu_create();
	check_true(w->vcpu);
	check_true(!vcpu_set_prefix(w->vcpu, w->prefix));
	check_true(!vcpu_set_dat_features(w->vcpu, 1, false));
	for (unsigned int round = 0; round < ROUNDS; round++) {
		vcpu_round(w, per_round);
		atomic_fetch_add(&vcpus_done, 1);
		pthread_barrier_wait(&barrier); /* the host stops */
		retry_pending(w);
		pthread_barrier_wait(&barrier); /* the host starts again */
	}
	vcpu_get_stats(w->vcpu, &w->stats);
	vcpu_destroy(w->vcpu);
	gmap_disable(gmap);
	return NULL;
}

/* ---- the host ------------------------------------------------------------------------------- */

struct host {
	pthread_t tid;
	struct rng rng;
	unsigned char *seg_copy;
	long protected_seg; /* -1 if none */
	unsigned long page_outs, migrations, protects, moves, ops;
	unsigned int round_moves;
};

static void unprotect(struct host *h)
{
	if (h->protected_seg < 0)
		return;
	check_true(!mm_mprotect(mm, HBASE + (unsigned long)h->protected_seg * SEG, SEG, RW));
	h->protected_seg = -1;
}

/* Read-only most of the time, sometimes no access at all. */
static void protect(struct host *h)
{
	unsigned long seg = below(&h->rng, NSEG);

	check_true(!mm_mprotect(mm, HBASE + seg * SEG, SEG,
				below(&h->rng, 4) ? PROT_READ : PROT_NONE));
	h->protected_seg = (long)seg;
	h->protects++;
}

/* Take a segment out of the guest, give it new host memory with the same bytes, map it back. */
static void move_segment(struct host *h)
{
	unsigned long seg = below(&h->rng, NSEG), haddr = HBASE + seg * SEG;

	if ((long)seg == h->protected_seg)
		unprotect(h);
	check_true(!gmap_unmap_segment(gmap, seg * SEG, SEG));
	check_true(!mm_read(mm, haddr, h->seg_copy, SEG));
	check_true(!mm_munmap(mm, haddr, SEG));
	check_true(mm_mmap(mm, haddr, SEG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED) == haddr);
	check_true(!mm_write(mm, haddr, h->seg_copy, SEG));
	check_true(!gmap_map_segment(gmap, haddr, seg * SEG, SEG));
	h->moves++;
}

static void host_op(struct host *h)
{
	unsigned long what = below(&h->rng, 20);
	unsigned long haddr = HBASE + below(&h->rng, GMEM / PAGE_SIZE) * PAGE_SIZE;
	int rc;

	if (what < 8) {
		rc = mm_page_out(mm, haddr);
		check_true(!rc || rc == -ENOENT || (rc == -EFAULT && h->protected_seg >= 0));
		h->page_outs += !rc;
	} else if (what < 16) {
		rc = mm_migrate_page(mm, haddr);
		check_true(!rc || rc == -ENOENT);
		h->migrations += !rc;
	} else if (what < 18) {
		if (h->protected_seg >= 0)
			unprotect(h);
		else
			protect(h);
	} else if (h->round_moves < MAX_MOVES) {
		move_segment(h);
		h->round_moves++;
	}
	h->ops++;
}

static void *host_thread(void *arg)
{
	struct host *h = arg;

	for (unsigned int round = 0; round < ROUNDS; round++) {
		h->round_moves = 0;
		for (unsigned int op = 0; op < MAX_HOST_OPS; op++) {
			if (op >= MIN_HOST_OPS && atomic_load(&vcpus_done) == NVCPUS)
				break;
			host_op(h);
		}
		unprotect(h);
		pthread_barrier_wait(&barrier);
		atomic_store(&vcpus_done, 0); /* the vCPUs only retry until the next barrier */
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

/* ---- setup and the test --------------------------------------------------------------------- */

static void put_entry(unsigned long gaddr, unsigned long val)
{
	unsigned long be = htobe64(val);

	assert_int_equal(mm_write(mm, HBASE + gaddr, &be, sizeof(be)), 0);
}

static void build_guest_tables(void)
{
	for (unsigned long sx = 0; sx < _CRST_ENTRIES; sx++)
		put_entry(GSTO + sx * 8, _SEGMENT_ENTRY_EMPTY);
	for (unsigned long seg = 0; seg < NSEG - 1; seg++) {
		unsigned long ste_at = GSTO + ((VOFF >> _SEGMENT_SHIFT) + seg) * 8;
		unsigned long pto = GPTO + seg * _PAGE_TABLE_SIZE;

		if (seg & 1) {
			put_entry(ste_at, (seg * SEG) | _SEGMENT_ENTRY_LARGE);
			continue;
		}
		for (unsigned long px = 0; px < _PAGE_ENTRIES; px++)
			put_entry(pto + px * 8, seg * SEG + px * PAGE_SIZE);
		put_entry(ste_at, pto);
	}
}

static void test_vcpus_against_host_events(void **state)
{
	static struct worker w[NVCPUS];
	static struct host h;
	unsigned char *page = malloc(PAGE_SIZE);
	unsigned long accesses = 0;
	const char *env = getenv("GMAP_VCPU_STRESS_ACCESSES");

	(void)state;
	if (env)
		total_accesses = strtoul(env, NULL, 0);
	assert_true(total_accesses >= NVCPUS * ROUNDS);
	assert_non_null(page);
	mm = mm_create();
	assert_non_null(mm);
	assert_int_equal(mm_mmap(mm, HBASE, GMEM, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
			 HBASE);
	gmap = gmap_create(mm, GMEM - 1);
	assert_non_null(gmap);
	assert_int_equal(gmap_map_segment(gmap, HBASE, 0, GMEM), 0);
	build_guest_tables();
	assert_int_equal(pthread_barrier_init(&barrier, NULL, NVCPUS + 1), 0);

	h.rng.s = 0x9e3779b97f4a7c15ULL;
	h.protected_seg = -1;
	h.seg_copy = malloc(SEG);
	assert_non_null(h.seg_copy);
	for (unsigned int i = 0; i < NVCPUS; i++) {
		w[i].id = i;
		w[i].prefix = 0x10000UL * (i + 1);
		w[i].rng.s = 0x1234567887654321ULL * (i + 3);
		w[i].ref = calloc(1, GMEM);
		assert_non_null(w[i].ref);
		assert_int_equal(pthread_create(&w[i].tid, NULL, vcpu_thread, &w[i]), 0);
	}
	assert_int_equal(pthread_create(&h.tid, NULL, host_thread, &h), 0);
	assert_int_equal(pthread_join(h.tid, NULL), 0);
	for (unsigned int i = 0; i < NVCPUS; i++)
		assert_int_equal(pthread_join(w[i].tid, NULL), 0);

	/* Every owned byte, read by the host, is what its vCPU last wrote. */
	for (unsigned long p = 0; p < DATA_PAGES; p++) {
		assert_int_equal(mm_read(mm, HBASE + p * PAGE_SIZE, page, PAGE_SIZE), 0);
		assert_memory_equal(page, w[p % NVCPUS].ref + p * PAGE_SIZE, PAGE_SIZE);
	}
	for (unsigned int i = 0; i < NVCPUS; i++) {
		printf("vCPU %u: %lu accesses (abs %lu, real %lu, virt %lu, inline %lu of which "
		       "%lu served by the probe), %lu reads checked, "
		       "%lu writes, %lu protection, %lu addressing (%lu retried), %lu TLB hits, "
		       "%lu misses, %lu faults, %lu purges, %lu copy retries, %lu prefix "
		       "refreshes\n",
		       i, w[i].accesses, w[i].by_kind[ABSOLUTE], w[i].by_kind[REAL],
		       w[i].by_kind[VIRTUAL], w[i].by_kind[INLINE], w[i].inline_hits, w[i].reads,
		       w[i].writes, w[i].prot, w[i].addressing, w[i].retried, w[i].stats.tlb_hits,
		       w[i].stats.tlb_misses, w[i].stats.faults, w[i].stats.purges,
		       w[i].stats.retries, w[i].stats.prefix_refreshes);
		/* The vCPU counted what the test did; nothing was left unretried. */
		/* (The inline fast path counts nothing.) */
		assert_int_equal(w[i].stats.accesses, w[i].accesses - w[i].inline_hits);
		assert_true(w[i].inline_hits > 0);
		assert_int_equal(w[i].retried + w[i].dropped, w[i].addressing);
		assert_true(w[i].stats.purges > 0);
		/* Each access was checked and had one of the four outcomes. */
		assert_int_equal(w[i].reads + w[i].writes + w[i].prot + w[i].addressing,
				 w[i].accesses);
		accesses += w[i].accesses - w[i].retried;
		free(w[i].ref);
	}
	printf("host: %lu ops: %lu page-outs, %lu migrations, %lu protections, %lu segment "
	       "moves\n",
	       h.ops, h.page_outs, h.migrations, h.protects, h.moves);
	assert_int_equal(accesses, total_accesses / NVCPUS / ROUNDS * NVCPUS * ROUNDS);
	assert_true(h.moves > 0 && h.page_outs > 0 && h.migrations > 0 && h.protects > 0);

	pthread_barrier_destroy(&barrier);
	free(h.seg_copy);
	free(page);
	gmap_remove(gmap);
	mm_destroy(mm);
	gm_quiesce();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vcpus_against_host_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
