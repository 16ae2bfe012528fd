// SPDX-License-Identifier: GPL-2.0
/*
 * Object identity and lifetimes: a gmap created at the address of a freed one,
 * gmap_remove() while another thread has the gmap enabled, mm_destroy() with
 * live gmaps and vCPUs, gmap_put() after gmap_remove(), NULL arguments, and the
 * TLB-listener set under allocation pressure and racing registrations.
 *
 * This executable is linked with --wrap=gm_zalloc_at, --wrap=gm_free and
 * --wrap=gm_malloc_at: the hooks below keep a freed gmap's memory and hand it to
 * the next gmap (address reuse without depending on the allocator, which under
 * AddressSanitizer quarantines freed memory), and register other listeners in
 * the middle of a registration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>
#include <gmap/vcpu.h>

#include "core/alloc_internal.h"
#include "guest.h"

#define HBASE2 0x200000000UL /* a second host range of GMEM bytes */
#define PREFIX 0x40000UL

void *__real_gm_zalloc_at(enum gm_alloc_site site, size_t size);
void *__wrap_gm_zalloc_at(enum gm_alloc_site site, size_t size);
void __real_gm_free(void *ptr);
void __wrap_gm_free(void *ptr);
void *__real_gm_malloc_at(enum gm_alloc_site site, size_t size);
void *__wrap_gm_malloc_at(enum gm_alloc_site site, size_t size);

#define NEXTRA 3

struct counting_listener {
	struct mm_tlb_listener l;
	unsigned long iptes;
};

static struct {
	void *victim; /* gm_free() of this keeps the memory in @stash */
	void *stash;  /* handed out by the next gm_zalloc() of a struct gmap */
	struct mm_struct *mm;
	unsigned int registrations; /* gm_malloc() calls that still register a listener first */
	struct counting_listener extra[NEXTRA];
	bool in_hook;
} hook;

void *__wrap_gm_zalloc_at(enum gm_alloc_site site, size_t size)
{
	void *p = hook.stash;

	if (p && site == GM_SITE_GMAP_STRUCT) {
		hook.stash = NULL;
		memset(p, 0, size);
		return p;
	}
	return __real_gm_zalloc_at(site, size);
}

void __wrap_gm_free(void *ptr)
{
	if (ptr && ptr == hook.victim) {
		hook.victim = NULL;
		hook.stash = ptr;
		return;
	}
	__real_gm_free(ptr);
}

/* A registration racing with the one that allocates: the set grows meanwhile. */
void *__wrap_gm_malloc_at(enum gm_alloc_site site, size_t size)
{
	if (hook.registrations && !hook.in_hook) {
		struct counting_listener *x = &hook.extra[--hook.registrations];

		hook.in_hook = true;
		assert_int_equal(mm_register_tlb_listener(hook.mm, &x->l), 0);
		hook.in_hook = false;
	}
	return __real_gm_malloc_at(site, size);
}

static void count_ipte(struct mm_tlb_listener *l, struct mm_struct *mm, unsigned long addr,
		       pte_t *ptep)
{
	(void)mm;
	(void)addr;
	(void)ptep;
	caa_container_of(l, struct counting_listener, l)->iptes++;
}

static void count_flush(struct mm_tlb_listener *l, struct mm_struct *mm, unsigned long asce)
{
	(void)l;
	(void)mm;
	(void)asce;
}

static unsigned long refreshes(struct vcpu *v)
{
	struct vcpu_stats st;

	vcpu_get_stats(v, &st);
	return st.prefix_refreshes;
}

static void map_host(struct mm_struct *mm, unsigned long addr)
{
	assert_int_equal(mm_mmap(mm, addr, GMEM, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
			 addr);
}

/*
 * A vCPU recognised its gmap by address: a new gmap at a freed gmap's address
 * looked like the old one, so its prefix pages were neither refreshed nor armed,
 * and a host change of them went unnoticed. B maps other host memory than A, so
 * that no notify bit A armed can stand in for B's.
 */
static void test_gmap_address_reuse(void **state)
{
	struct mm_struct *mm = NULL;
	struct gmap *a = NULL, *b;
	struct vcpu *v = NULL;
	unsigned long r;

	(void)state;
	assert_int_equal(guest_setup(&mm, &a, &v), 0);
	map_host(mm, HBASE2);
	assert_int_equal(vcpu_set_prefix(v, PREFIX), 0);
	assert_int_equal(vcpu_read_real(v, 0, &r, sizeof(r)), 0);
	assert_int_equal(refreshes(v), 1);

	hook.victim = a;
	gmap_disable(a);
	gmap_remove(a);
	assert_non_null(hook.stash);
	b = gmap_create(mm, GMEM - 1);
	assert_ptr_equal(b, a);
	assert_int_equal(gmap_map_segment(b, HBASE2, 0, GMEM), 0);
	gmap_enable(b);

	assert_int_equal(vcpu_read_real(v, 0, &r, sizeof(r)), 0);
	assert_int_equal(refreshes(v), 2);
	assert_int_equal(mm_lookup_pte(mm, HBASE2 + PREFIX + PAGE_SIZE) &
				 (_PAGE_INVALID | _PAGE_PROTECT),
			 0);
	/* Armed: the host taking the page away makes the next access re-arm it. */
	assert_int_equal(mm_page_out(mm, HBASE2 + PREFIX + PAGE_SIZE), 0);
	assert_int_equal(vcpu_read_real(v, 0, &r, sizeof(r)), 0);
	assert_int_equal(refreshes(v), 3);
	guest_teardown(mm, b, v);
}

struct remote {
	struct gmap *gmap;
	struct vcpu *vcpu;
	pthread_barrier_t enabled, removed;
};

/* The other thread: enable, access, wait for the removal, find nothing mapped. */
static void *remote_vcpu(void *arg)
{
	struct remote *rt = arg;
	unsigned long v = 0x5a5a, r = 0;

	gmap_enable(rt->gmap);
	assert_int_equal(vcpu_write(rt->vcpu, 0x3000, &v, sizeof(v)), 0);
	pthread_barrier_wait(&rt->enabled);
	pthread_barrier_wait(&rt->removed);
	/* Still enabled, still a valid structure, but it maps nothing any more. */
	assert_ptr_equal(gmap_get_enabled(), rt->gmap);
	assert_int_equal(vcpu_read(rt->vcpu, 0x3000, &r, sizeof(r)), PGM_ADDRESSING);
	assert_int_equal(gmap_fault(rt->gmap, 0x3000, 0), -EFAULT);
	assert_true(IS_ERR_VALUE(gmap_translate(rt->gmap, 0x3000)));
	assert_int_equal(gmap_map_segment(rt->gmap, HBASE, 0, SEG), -EINVAL);
	/* The last reference: the gmap goes here. */
	gmap_disable(rt->gmap);
	return NULL;
}

static void test_remove_while_enabled_elsewhere(void **state)
{
	long live = gm_alloc_live();
	struct mm_struct *mm = NULL;
	struct remote rt;
	pthread_t t;

	(void)state;
	assert_int_equal(guest_setup(&mm, &rt.gmap, &rt.vcpu), 0);
	gmap_disable(rt.gmap); /* this thread's; the other one enables its own */
	pthread_barrier_init(&rt.enabled, NULL, 2);
	pthread_barrier_init(&rt.removed, NULL, 2);
	assert_int_equal(pthread_create(&t, NULL, remote_vcpu, &rt), 0);
	pthread_barrier_wait(&rt.enabled);
	gmap_remove(rt.gmap);
	pthread_barrier_wait(&rt.removed);
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_barrier_destroy(&rt.enabled);
	pthread_barrier_destroy(&rt.removed);
	vcpu_destroy(rt.vcpu);
	mm_destroy(mm);
	gm_quiesce();
	assert_int_equal(gm_alloc_live(), live);
}

/* mm_destroy() first: the gmap and the vCPU keep the mm until the last of them goes. */
static void test_mm_destroy_with_live_gmap_and_vcpu(void **state)
{
	long live = gm_alloc_live();
	unsigned long v = 0x1234, r = 0;
	struct mm_struct *mm = NULL;
	struct gmap *g = NULL;
	struct vcpu *vcpu = NULL;

	(void)state;
	for (int vcpu_last = 0; vcpu_last < 2; vcpu_last++) {
		assert_int_equal(guest_setup(&mm, &g, &vcpu), 0);
		assert_int_equal(vcpu_write(vcpu, 0x8000, &v, sizeof(v)), 0);
		mm_destroy(mm);
		/* Deferred: the guest keeps running on it. */
		assert_int_equal(vcpu_read(vcpu, 0x8000, &r, sizeof(r)), 0);
		assert_int_equal(r, v);
		gmap_disable(g);
		if (vcpu_last) {
			gmap_remove(g);
			vcpu_destroy(vcpu);
		} else {
			vcpu_destroy(vcpu);
			gmap_remove(g);
		}
		gm_quiesce();
		assert_int_equal(gm_alloc_live(), live);
	}
}

/* A gmap_get() reference outlives gmap_remove(); the last gmap_put() frees. */
static void test_put_after_remove(void **state)
{
	long live = gm_alloc_live();
	struct mm_struct *mm = NULL;
	struct gmap *g = NULL;
	struct vcpu *vcpu = NULL;

	(void)state;
	assert_int_equal(guest_setup(&mm, &g, &vcpu), 0);
	gmap_disable(g);
	vcpu_destroy(vcpu);
	assert_int_equal(gmap_fault(g, 0x2000, FAULT_FLAG_WRITE), 0);
	assert_ptr_equal(gmap_get(g), g);
	gmap_remove(g);
	assert_true(g->removed);
	assert_true(IS_ERR_VALUE(gmap_translate(g, 0x2000)));
	assert_null(gmap_table_walk(g, 0x2000, 0));
	mm_destroy(mm);
	gmap_put(g);
	gm_quiesce();
	assert_int_equal(gm_alloc_live(), live);
}

static void test_null_arguments(void **state)
{
	struct vcpu_stats vst;
	struct mm_stats mst;
	struct mm_struct *mm = mm_create();

	(void)state;
	memset(&vst, 0xff, sizeof(vst));
	vcpu_get_stats(NULL, &vst);
	assert_int_equal(vst.accesses, 0);
	assert_int_equal(vst.prefix_refreshes, 0);
	memset(&mst, 0xff, sizeof(mst));
	mm_get_stats(NULL, &mst);
	assert_int_equal(mst.frames, 0);
	assert_int_equal(mst.vmas, 0);
	mm_get_stats(mm, NULL);
	assert_int_equal(mm_asce(NULL), 0);
	assert_int_equal(mm_lookup_pte(NULL, HBASE), _PAGE_INVALID);
	mm_flush_asce(NULL, 0);
	mm_unregister_tlb_listener(NULL, NULL);
	assert_int_equal(mm_register_tlb_listener(NULL, NULL), -EINVAL);
	assert_int_equal(mm_register_tlb_listener(mm, NULL), -EINVAL);
	/* flags 0 names no mapping type; Linux wants MAP_PRIVATE, the mm anonymous memory too. */
	assert_int_equal((long)mm_mmap(mm, 0, PAGE_SIZE, PROT_READ, 0), -EINVAL);
	assert_int_equal((long)mm_mmap(mm, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE), -EINVAL);
	assert_int_equal((long)mm_mmap(mm, 0, PAGE_SIZE, PROT_READ, MAP_ANONYMOUS), -EINVAL);
	mm_destroy(mm);
}

/*
 * Registrations that race with one that allocates make it allocate again, in a
 * loop (it used to recurse, once per lost race). Every listener ends up in the
 * set; the IPTE reaches each.
 */
static void test_listener_registration_races(void **state)
{
	long live = gm_alloc_live();
	struct counting_listener main_l = { { count_ipte, count_flush, NULL }, 0 };
	unsigned long one = 1;

	(void)state;
	hook.mm = mm_create();
	assert_non_null(hook.mm);
	assert_int_equal(mm_mmap(hook.mm, HBASE, PAGE_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
			 HBASE);
	assert_int_equal(mm_write(hook.mm, HBASE, &one, sizeof(one)), 0);
	for (int i = 0; i < NEXTRA; i++)
		hook.extra[i] = (struct counting_listener){ { count_ipte, count_flush, NULL }, 0 };
	hook.registrations = NEXTRA;
	assert_int_equal(mm_register_tlb_listener(hook.mm, &main_l.l), 0);
	assert_int_equal(hook.registrations, 0);
	assert_int_equal(mm_migrate_page(hook.mm, HBASE), 0);
	assert_int_equal(main_l.iptes, 1);
	for (int i = 0; i < NEXTRA; i++)
		assert_int_equal(hook.extra[i].iptes, 1);
	/* Unregistering all but one, then that one too, without allocating. */
	gm_alloc_fail_nth(1);
	for (int i = 0; i < NEXTRA; i++)
		mm_unregister_tlb_listener(hook.mm, &hook.extra[i].l);
	assert_false(gm_alloc_fault_injected());
	gm_alloc_fail_nth(0);
	assert_int_equal(mm_migrate_page(hook.mm, HBASE), 0);
	assert_int_equal(main_l.iptes, 2);
	assert_int_equal(hook.extra[0].iptes, 1);
	gm_alloc_fail_nth(1);
	mm_unregister_tlb_listener(hook.mm, &main_l.l);
	assert_false(gm_alloc_fault_injected());
	gm_alloc_fail_nth(0);
	assert_int_equal(mm_migrate_page(hook.mm, HBASE), 0);
	assert_int_equal(main_l.iptes, 2);
	mm_destroy(hook.mm);
	hook.mm = NULL;
	gm_quiesce();
	assert_int_equal(gm_alloc_live(), live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gmap_address_reuse),
		cmocka_unit_test(test_remove_while_enabled_elsewhere),
		cmocka_unit_test(test_mm_destroy_with_live_gmap_and_vcpu),
		cmocka_unit_test(test_put_after_remove),
		cmocka_unit_test(test_null_arguments),
		cmocka_unit_test(test_listener_registration_races),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
