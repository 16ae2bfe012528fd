// SPDX-License-Identifier: GPL-2.0
/*
 * A store to memory the host maps writable must never give the guest
 * PGM_PROTECTION, also while another thread unmaps the guest segment and maps
 * it again. A vCPU once classified a refused store with a second fault for a
 * fetch; when the segment came back in between, the store became a protection
 * exception (gmap run found it while moving segments). Stores to a segment
 * that is unmapped at that moment may give PGM_ADDRESSING, or succeed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include <gmap/alloc.h>
#include <gmap/vcpu.h>

#define SEG    _SEGMENT_SIZE
#define STORES 400000UL

struct remapper {
	struct gmap *gmap;
	unsigned long host; /* host address of guest segment 1 */
	atomic_bool stop;
	int errors; /* failed unmaps or maps, checked after the join */
};

static void *remap_loop(void *arg)
{
	struct remapper *rm = arg;

	while (!atomic_load(&rm->stop)) {
		rm->errors += gmap_unmap_segment(rm->gmap, SEG, SEG) != 0;
		rm->errors += gmap_map_segment(rm->gmap, rm->host, SEG, SEG) != 0;
	}
	return NULL;
}

static void test_store_during_remap(void **state)
{
	struct mm_struct *mm = mm_create();
	unsigned long host, v = 1, ok = 0, addressing = 0, other = 0;
	struct remapper rm;
	struct vcpu *vcpu;
	pthread_t t;
	int rc;

	(void)state;
	assert_non_null(mm);
	host = mm_mmap(mm, 0, 2 * SEG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	assert_false(IS_ERR_VALUE(host));
	rm.gmap = gmap_create(mm, 2 * SEG - 1);
	assert_non_null(rm.gmap);
	assert_int_equal(gmap_map_segment(rm.gmap, host, 0, 2 * SEG), 0);
	rm.host = host + SEG;
	atomic_init(&rm.stop, false);
	rm.errors = 0;
	gmap_enable(rm.gmap);
	vcpu = vcpu_create();
	assert_non_null(vcpu);
	assert_int_equal(pthread_create(&t, NULL, remap_loop, &rm), 0);
	for (unsigned long i = 0; i < STORES; i++) {
		/* Discarding each page after its store makes every store fault. */
		rc = vcpu_write(vcpu, SEG + (i % 256) * PAGE_SIZE, &v, sizeof(v));
		ok += rc == 0;
		addressing += rc == PGM_ADDRESSING;
		if (rc && rc != PGM_ADDRESSING && !other++)
			fprintf(stderr, "store %lu: %d (%s)\n", i, rc,
				rc > 0 ? dat_pic_name((unsigned int)rc) : "errno");
		if (!rc)
			assert_int_equal(mm_discard(mm, rm.host + (i % 256) * PAGE_SIZE, PAGE_SIZE),
					 0);
	}
	atomic_store(&rm.stop, true);
	assert_int_equal(pthread_join(t, NULL), 0);
	printf("# %lu stores done, %lu addressing exceptions\n", ok, addressing);
	assert_int_equal(rm.errors, 0);
	assert_int_equal(other, 0);
	vcpu_destroy(vcpu);
	gmap_disable(rm.gmap);
	gmap_remove(rm.gmap);
	mm_destroy(mm);
	gm_quiesce();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_during_remap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
