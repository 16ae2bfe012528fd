// SPDX-License-Identifier: GPL-2.0
/*
 * The access window against purges, replayed deterministically, and the inline
 * fast path of <gmap/vcpu.h> (vcpu_access_begin/vcpu_tlb_probe/vcpu_access_end).
 *
 * A test hook stops the vCPU inside an open window (VCPU_HOOK_WINDOW) and starts
 * a host thread that pages out or migrates the very page the vCPU is storing
 * to. That purger must find the window open (VCPU_HOOK_PURGE_WAIT, on its own
 * thread) and wait: the test lets the vCPU go on only once the purger says it
 * waits, and fails if the purger finishes first. The store must then be in what
 * the host reads back: had the purger not waited, page-out would have written
 * the old bytes to swap (migration copied the old bytes) and freed the frame the
 * store went to. Stores go through the lean hit path, the full path after a
 * walk, and the lean path of a DAT-on store. The inline window is stopped the same way by the test
 * itself.
 *
 * meson runs this program twice: with the protocol the machine offers (the
 * asymmetric one, membarrier() on the purging side, where the kernel has it)
 * and with GMAP_VCPU_FENCE=rmw (the sequentially consistent fallback); the
 * first test checks that the one asked for is the one in use.
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>
#include <gmap/vcpu.h>

#include "guest.h"
#include "vcpu/vcpu_hooks.h"

static void test_protocol_is_the_one_asked_for(void **state)
{
	const char *env = getenv("GMAP_VCPU_FENCE");
	long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	bool have = cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED);
	bool tsan = false;

	(void)state;
#if defined(__SANITIZE_THREAD__)
	tsan = true;
#endif
	if ((env && !strcmp(env, "rmw")) || tsan)
		assert_true(vcpu_window_rmw());
	else
		assert_int_equal(vcpu_window_rmw(), !have);
	printf("window protocol: %s\n", vcpu_window_rmw() ? "seq_cst RMWs" : "membarrier");
}

/* ---- a purger against a vCPU stopped inside its window ------------------------------------ */

enum host_event { PAGE_OUT, MIGRATE };

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct guest_fixture *f;
	enum host_event event;
	unsigned long gaddr;
	bool armed, waiting, done;
	int rc;
	pthread_t tid;
} race = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void race_signal(bool *flag)
{
	pthread_mutex_lock(&race.lock);
	*flag = true;
	pthread_cond_broadcast(&race.cond);
	pthread_mutex_unlock(&race.lock);
}

static void *purger(void *arg)
{
	unsigned long haddr = HBASE + race.gaddr;

	(void)arg;
	race.rc = race.event == PAGE_OUT ? mm_page_out(race.f->mm, haddr)
					 : mm_migrate_page(race.f->mm, haddr);
	race_signal(&race.done);
	return NULL;
}

/* Start the purger and return once it waits for the window; false if it finished instead. */
static bool purge_against_open_window(void)
{
	bool waited;

	if (pthread_create(&race.tid, NULL, purger, NULL))
		return false;
	pthread_mutex_lock(&race.lock);
	while (!race.waiting && !race.done)
		pthread_cond_wait(&race.cond, &race.lock);
	waited = race.waiting && !race.done;
	pthread_mutex_unlock(&race.lock);
	return waited;
}

static void window_hook(struct vcpu *v, enum vcpu_hook_point point)
{
	(void)v;
	if (point == VCPU_HOOK_PURGE_WAIT) {
		race_signal(&race.waiting); /* on the purger's thread */
		return;
	}
	if (point != VCPU_HOOK_WINDOW || !race.armed)
		return;
	race.armed = false;
	if (!purge_against_open_window()) {
		fprintf(stderr, "the purger did not wait for the open window\n");
		abort(); /* the hook runs inside the library: no longjmp out of it */
	}
}

static void race_init(struct guest_fixture *f, enum host_event event, unsigned long gaddr)
{
	race.f = f;
	race.event = event;
	race.gaddr = gaddr;
	race.waiting = race.done = false;
	race.rc = -1;
}

static void race_finish(void)
{
	assert_int_equal(pthread_join(race.tid, NULL), 0);
	assert_true(race.done);
	assert_int_equal(race.rc, 0);
}

/*
 * A store stopped in its window while @event purges the page; @hit: the TLB
 * holds a writable entry (the lean path's window), else the full path walks.
 */
static void store_against_purge(struct guest_fixture *f, enum host_event event, bool hit)
{
	unsigned long gaddr = 0x234560, old = 0x1111, val = 0x5eed5eed5eedUL, back = 0;
	struct vcpu_stats st0, st1;

	assert_int_equal(vcpu_write(f->vcpu, gaddr, &old, sizeof(old)), 0);
	if (!hit)
		vcpu_purge_tlb(f->vcpu);
	vcpu_get_stats(f->vcpu, &st0);
	race_init(f, event, gaddr);
	race.armed = true;
	vcpu_test_hook = window_hook;
	assert_int_equal(vcpu_write(f->vcpu, gaddr, &val, sizeof(val)), 0);
	vcpu_test_hook = NULL;
	assert_false(race.armed);
	race_finish();
	vcpu_get_stats(f->vcpu, &st1);
	assert_int_equal(st1.tlb_hits - st0.tlb_hits, hit ? 1 : 0);
	assert_int_equal(st1.purges - st0.purges, 1);
	/* The host's copy (swap, or the new frame) has the store. */
	assert_int_equal(mm_read(f->mm, HBASE + gaddr, &back, sizeof(back)), 0);
	assert_int_equal(back, val);
	assert_int_equal(vcpu_read(f->vcpu, gaddr, &back, sizeof(back)), 0);
	assert_int_equal(back, val);
}

static void test_hit_store_against_page_out(void **state)
{
	store_against_purge(*state, PAGE_OUT, true);
}

static void test_hit_store_against_migration(void **state)
{
	store_against_purge(*state, MIGRATE, true);
}

static void test_walked_store_against_page_out(void **state)
{
	store_against_purge(*state, PAGE_OUT, false);
}

static void test_walked_store_against_migration(void **state)
{
	store_against_purge(*state, MIGRATE, false);
}

/*
 * The same with DAT on: guest tables in guest memory map virtual VOFF + x to
 * absolute DATA + x for one segment; the store goes through the virtual TLB entry.
 */
#define GSTO  (8 * SEG) /* segment table, 16 KiB, then one page table */
#define VOFF  0x40000000UL
#define DATA  (2 * SEG)
#define GASCE (GSTO | _ASCE_TYPE_SEGMENT | 3)

static void put_entry(struct guest_fixture *f, unsigned long gaddr, unsigned long val)
{
	unsigned long be = htobe64(val);

	assert_int_equal(mm_write(f->mm, HBASE + gaddr, &be, sizeof(be)), 0);
}

static void test_dat_on_store_against_page_out(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long pto = GSTO + _CRST_TABLE_SIZE, va = VOFF + 0x3010, abs = DATA + 0x3010;
	unsigned long old = 0x1111, val = 0xd00dUL, back = 0;

	for (unsigned long sx = 0; sx < _CRST_ENTRIES; sx++)
		put_entry(f, GSTO + sx * 8, _SEGMENT_ENTRY_EMPTY);
	for (unsigned long px = 0; px < _PAGE_ENTRIES; px++)
		put_entry(f, pto + px * 8, DATA + px * PAGE_SIZE);
	put_entry(f, GSTO + (VOFF >> _SEGMENT_SHIFT) * 8, pto);
	assert_int_equal(vcpu_write_virt(f->vcpu, GASCE, va, &old, sizeof(old)), 0);
	race_init(f, PAGE_OUT, abs);
	race.armed = true;
	vcpu_test_hook = window_hook;
	assert_int_equal(vcpu_write_virt(f->vcpu, GASCE, va, &val, sizeof(val)), 0);
	vcpu_test_hook = NULL;
	assert_false(race.armed);
	race_finish();
	assert_int_equal(mm_read(f->mm, HBASE + abs, &back, sizeof(back)), 0);
	assert_int_equal(back, val);
	assert_int_equal(vcpu_read_virt(f->vcpu, GASCE, va, &back, sizeof(back)), 0);
	assert_int_equal(back, val);
}

/* ---- the inline fast path ----------------------------------------------------------------- */

static void inline_store_against_purge(struct guest_fixture *f, enum host_event event)
{
	unsigned long gaddr = 0x345678, val = 0xabcdef0123UL, back = 0;
	unsigned long *p;

	assert_int_equal(vcpu_write(f->vcpu, gaddr, &back, sizeof(back)), 0);
	race_init(f, event, gaddr);
	vcpu_test_hook = window_hook; /* only for the purger's side */
	assert_true(vcpu_access_begin(f->vcpu));
	p = vcpu_tlb_probe(f->vcpu, gaddr, sizeof(*p), true);
	assert_non_null(p);
	assert_true(purge_against_open_window());
	/* Pending purge: no new pointer, but the one we hold stays good until the end. */
	assert_null(vcpu_tlb_probe(f->vcpu, gaddr, sizeof(*p), false));
	*p = val;
	vcpu_access_end(f->vcpu);
	race_finish();
	vcpu_test_hook = NULL;
	assert_int_equal(mm_read(f->mm, HBASE + gaddr, &back, sizeof(back)), 0);
	assert_int_equal(back, val);
	/* The purge emptied the TLB: the next window misses. */
	assert_true(vcpu_access_begin(f->vcpu));
	assert_null(vcpu_tlb_probe(f->vcpu, gaddr, sizeof(*p), false));
	vcpu_access_end(f->vcpu);
}

static void test_inline_store_against_page_out(void **state)
{
	inline_store_against_purge(*state, PAGE_OUT);
}

static void test_inline_store_against_migration(void **state)
{
	inline_store_against_purge(*state, MIGRATE);
}

/* What the probe serves and what it leaves to the full path. */
static void test_inline_probe_cases(void **state)
{
	struct guest_fixture *f = *state;
	unsigned long gaddr = 0x456000, val = 0x77, back;
	unsigned char *p;
	struct vcpu_stats st0, st1;

	/* Not bound to a gmap yet (fixture's vCPU made no access): the full path first. */
	assert_false(vcpu_access_begin(f->vcpu));
	assert_int_equal(vcpu_write(f->vcpu, gaddr + 8, &val, sizeof(val)), 0);
	vcpu_get_stats(f->vcpu, &st0);
	assert_true(vcpu_access_begin(f->vcpu));
	p = vcpu_tlb_probe(f->vcpu, gaddr + 8, 8, false);
	assert_non_null(p);
	assert_memory_equal(p, &val, sizeof(val));
	assert_ptr_equal(vcpu_tlb_probe(f->vcpu, gaddr, PAGE_SIZE, true), p - 8);
	assert_ptr_equal(vcpu_tlb_probe(f->vcpu, gaddr + PAGE_SIZE - 1, 1, true),
			 p + PAGE_SIZE - 9);
	assert_null(vcpu_tlb_probe(f->vcpu, gaddr + PAGE_SIZE - 4, 8, false)); /* crosses */
	assert_null(vcpu_tlb_probe(f->vcpu, gaddr + 8, 0, false));
	assert_null(vcpu_tlb_probe(f->vcpu, gaddr + PAGE_SIZE, 8, false)); /* not in the TLB */
	vcpu_access_end(f->vcpu);
	vcpu_get_stats(f->vcpu, &st1);
	assert_int_equal(st1.accesses, st0.accesses); /* the inline path counts nothing */

	/* A page the host made read-only: fetches hit, stores go to the full path. */
	assert_int_equal(mm_mprotect(f->mm, HBASE + (gaddr & ~(SEG - 1)), SEG, PROT_READ), 0);
	assert_int_equal(vcpu_read(f->vcpu, gaddr, &back, sizeof(back)), 0);
	assert_true(vcpu_access_begin(f->vcpu));
	assert_non_null(vcpu_tlb_probe(f->vcpu, gaddr, 8, false));
	assert_null(vcpu_tlb_probe(f->vcpu, gaddr, 8, true));
	vcpu_access_end(f->vcpu);
	assert_int_equal(vcpu_write(f->vcpu, gaddr, &val, sizeof(val)), PGM_PROTECTION);

	/* A new prefix must be armed by the full path before a window opens. */
	assert_int_equal(vcpu_set_prefix(f->vcpu, 0x20000), 0);
	assert_false(vcpu_access_begin(f->vcpu));
	assert_int_equal(vcpu_read(f->vcpu, gaddr, &back, sizeof(back)), 0);
	assert_true(vcpu_access_begin(f->vcpu));
	vcpu_access_end(f->vcpu);

	/* No gmap enabled on the thread: no window. */
	gmap_disable(f->gmap);
	assert_false(vcpu_access_begin(f->vcpu));
	gmap_enable(f->gmap);
	assert_true(vcpu_access_begin(f->vcpu));
	vcpu_access_end(f->vcpu);
}

/* Another gmap enabled on the thread: no window for it before a full access binds it. */
static void test_inline_window_follows_the_enabled_gmap(void **state)
{
	struct guest_fixture *f = *state;
	struct gmap *other;
	unsigned long val = 0x99, back = 0;

	assert_int_equal(vcpu_write(f->vcpu, 0x1000, &val, sizeof(val)), 0);
	other = gmap_create(f->mm, GMEM - 1);
	assert_non_null(other);
	assert_int_equal(gmap_map_segment(other, HBASE, 0, GMEM), 0);
	gmap_enable(other);
	assert_false(vcpu_access_begin(f->vcpu));
	assert_int_equal(vcpu_read(f->vcpu, 0x1000, &back, sizeof(back)), 0);
	assert_int_equal(back, val);
	assert_true(vcpu_access_begin(f->vcpu));
	assert_non_null(vcpu_tlb_probe(f->vcpu, 0x1000, 8, false));
	vcpu_access_end(f->vcpu);
	gmap_enable(f->gmap);
	gmap_remove(other);
	assert_false(vcpu_access_begin(f->vcpu));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocol_is_the_one_asked_for),
		GUEST_TEST(test_hit_store_against_page_out),
		GUEST_TEST(test_hit_store_against_migration),
		GUEST_TEST(test_walked_store_against_page_out),
		GUEST_TEST(test_walked_store_against_migration),
		GUEST_TEST(test_dat_on_store_against_page_out),
		GUEST_TEST(test_inline_store_against_page_out),
		GUEST_TEST(test_inline_store_against_migration),
		GUEST_TEST(test_inline_probe_cases),
		GUEST_TEST(test_inline_window_follows_the_enabled_gmap),
	};

	/* The window protocol is chosen by the first vcpu_create(). */
	vcpu_destroy(vcpu_create());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
