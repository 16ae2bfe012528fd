// SPDX-License-Identifier: GPL-2.0
/* VMA arithmetic of mm_mmap/mm_munmap/mm_mprotect and every error path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mmtest.h"

#define BASE 0x10000000UL
#define P    PAGE_SIZE

static int setup(void **state)
{
	*state = mm_create();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	mm_destroy(*state);
	gm_quiesce();
	return 0;
}

static void expect_vmas(struct mm_struct *mm, const unsigned long (*want)[3], int n)
{
	unsigned long got[16][3];
	int count = mm_vmas(mm, got, 16);

	assert_int_equal(count, n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(got[i][0], want[i][0]);
		assert_int_equal(got[i][1], want[i][1]);
		assert_int_equal(got[i][2], want[i][2]);
	}
}

static void test_mmap_fixed_and_chosen(void **state)
{
	struct mm_struct *mm = *state;
	unsigned long a, b;

	assert_int_equal(mm_mmap(mm, BASE, 4 * P, PROT_READ, MAP_ANON_PRIVATE | MAP_FIXED), BASE);
	a = mm_mmap(mm, 0, 3 * _SEGMENT_SIZE, PROT_READ | PROT_WRITE, MAP_ANON_PRIVATE);
	assert_false(IS_ERR_VALUE(a));
	assert_int_equal(a & ~_SEGMENT_MASK, 0);
	assert_true(a + 3 * _SEGMENT_SIZE <= TASK_SIZE);
	b = mm_mmap(mm, 0, 5, PROT_READ, MAP_ANON_PRIVATE);
	assert_false(IS_ERR_VALUE(b));
	assert_int_equal(b & ~PAGE_MASK, 0);
	assert_true(b >= MMAP_MIN_ADDR);
	/* A free hint is honoured. */
	assert_int_equal(mm_mmap(mm, BASE + 64 * P, P, PROT_READ, MAP_ANON_PRIVATE), BASE + 64 * P);
	/* An occupied hint is not. */
	assert_int_not_equal(mm_mmap(mm, BASE, P, PROT_READ, MAP_ANON_PRIVATE), BASE);
}

static void test_mmap_errors(void **state)
{
	struct mm_struct *mm = *state;

	assert_int_equal((long)mm_mmap(mm, 0, 0, PROT_READ, MAP_ANON_PRIVATE), -EINVAL);
	assert_int_equal((long)mm_mmap(mm, BASE + 1, P, PROT_READ, MAP_ANON_PRIVATE | MAP_FIXED),
			 -EINVAL);
	assert_int_equal((long)mm_mmap(mm, BASE, P, 0x100, MAP_ANON_PRIVATE), -EINVAL);
	assert_int_equal((long)mm_mmap(mm, BASE, P, PROT_READ, MAP_SHARED | MAP_ANONYMOUS),
			 -EINVAL);
	assert_int_equal((long)mm_mmap(mm, BASE, P, PROT_READ, MAP_ANON_PRIVATE | MAP_GROWSDOWN),
			 -EINVAL);
	assert_int_equal(
		(long)mm_mmap(mm, TASK_SIZE - P, 2 * P, PROT_READ, MAP_ANON_PRIVATE | MAP_FIXED),
		-ENOMEM);
	assert_int_equal((long)mm_mmap(mm, 0, TASK_SIZE + P, PROT_READ, MAP_ANON_PRIVATE), -ENOMEM);
	assert_int_equal((long)mm_mmap(NULL, 0, P, PROT_READ, MAP_ANON_PRIVATE), -EINVAL);
	/* Address space exhausted. */
	assert_int_equal(mm_mmap(mm, MMAP_MIN_ADDR, TASK_SIZE - MMAP_MIN_ADDR, PROT_NONE,
				 MAP_ANON_PRIVATE | MAP_FIXED),
			 MMAP_MIN_ADDR);
	assert_int_equal((long)mm_mmap(mm, 0, P, PROT_READ, MAP_ANON_PRIVATE), -ENOMEM);
	assert_int_equal(
		(long)mm_mmap(mm, BASE, P, PROT_READ, MAP_ANON_PRIVATE | MAP_FIXED_NOREPLACE),
		-EEXIST);
}

static void test_munmap_splits(void **state)
{
	struct mm_struct *mm = *state;
	const unsigned long want[][3] = { { BASE, BASE + 2 * P, PROT_READ },
					  { BASE + 3 * P, BASE + 5 * P, PROT_READ },
					  { BASE + 6 * P, BASE + 8 * P, PROT_READ } };

	mm_mmap(mm, BASE, 8 * P, PROT_READ, MAP_ANON_PRIVATE | MAP_FIXED);
	assert_int_equal(mm_munmap(mm, BASE + 2 * P, P), 0);
	assert_int_equal(mm_munmap(mm, BASE + 5 * P, 1), 0); /* length rounds up */
	expect_vmas(mm, want, 3);
	/* Unmapping a hole and across several areas is fine. */
	assert_int_equal(mm_munmap(mm, BASE + P, 6 * P), 0);
	{
		const unsigned long left[][3] = { { BASE, BASE + P, PROT_READ },
						  { BASE + 7 * P, BASE + 8 * P, PROT_READ } };
		expect_vmas(mm, left, 2);
	}
	assert_int_equal(mm_munmap(mm, 0x7000000000UL, P), 0);
}

static void test_munmap_errors(void **state)
{
	struct mm_struct *mm = *state;

	assert_int_equal(mm_munmap(mm, BASE + 1, P), -EINVAL);
	assert_int_equal(mm_munmap(mm, BASE, 0), -EINVAL);
	assert_int_equal(mm_munmap(mm, TASK_SIZE - P, 2 * P), -EINVAL);
	assert_int_equal(mm_munmap(NULL, BASE, P), -EINVAL);
}

static void test_mprotect_split_and_merge(void **state)
{
	struct mm_struct *mm = *state;
	const int rw = PROT_READ | PROT_WRITE;
	const unsigned long split[][3] = { { BASE, BASE + 2 * P, rw },
					   { BASE + 2 * P, BASE + 3 * P, PROT_READ },
					   { BASE + 3 * P, BASE + 6 * P, rw } };
	const unsigned long merged[][3] = { { BASE, BASE + 6 * P, rw } };

	mm_mmap(mm, BASE, 6 * P, rw, MAP_ANON_PRIVATE | MAP_FIXED);
	assert_int_equal(mm_mprotect(mm, BASE + 2 * P, P, PROT_READ), 0);
	expect_vmas(mm, split, 3);
	assert_int_equal(mm_mprotect(mm, BASE + 2 * P, P, rw), 0);
	expect_vmas(mm, merged, 1);
	/* Adjacent mappings with the same protection merge too. */
	mm_mmap(mm, BASE + 6 * P, 2 * P, rw, MAP_ANON_PRIVATE | MAP_FIXED);
	{
		const unsigned long joined[][3] = { { BASE, BASE + 8 * P, rw } };
		expect_vmas(mm, joined, 1);
	}
}

static void test_mprotect_errors(void **state)
{
	struct mm_struct *mm = *state;
	const unsigned long want[][3] = { { BASE, BASE + 2 * P, PROT_READ },
					  { BASE + 3 * P, BASE + 4 * P, PROT_READ } };

	mm_mmap(mm, BASE, 2 * P, PROT_READ, MAP_ANON_PRIVATE | MAP_FIXED);
	mm_mmap(mm, BASE + 3 * P, P, PROT_READ, MAP_ANON_PRIVATE | MAP_FIXED);
	/* A hole in the range: nothing changes. */
	assert_int_equal(mm_mprotect(mm, BASE, 4 * P, PROT_NONE), -ENOMEM);
	expect_vmas(mm, want, 2);
	assert_int_equal(mm_mprotect(mm, BASE + 1, P, PROT_READ), -EINVAL);
	assert_int_equal(mm_mprotect(mm, BASE, 0, PROT_READ), -EINVAL);
	assert_int_equal(mm_mprotect(mm, BASE, P, 0x40), -EINVAL);
}

static void test_map_fixed_replaces(void **state)
{
	struct mm_struct *mm = *state;
	unsigned char byte = 0x5a;
	const unsigned long want[][3] = { { BASE, BASE + P, PROT_READ | PROT_WRITE },
					  { BASE + P, BASE + 2 * P, PROT_READ },
					  { BASE + 2 * P, BASE + 4 * P, PROT_READ | PROT_WRITE } };

	mm_mmap(mm, BASE, 4 * P, PROT_READ | PROT_WRITE, MAP_ANON_PRIVATE | MAP_FIXED);
	assert_int_equal(mm_write(mm, BASE + P + 7, &byte, 1), 0);
	assert_int_equal(mm_mmap(mm, BASE + P, P, PROT_READ, MAP_ANON_PRIVATE | MAP_FIXED),
			 BASE + P);
	expect_vmas(mm, want, 3);
	/* The new mapping is fresh memory. */
	byte = 1;
	assert_int_equal(mm_read(mm, BASE + P + 7, &byte, 1), 0);
	assert_int_equal(byte, 0);
}

enum vma_op { VMA_MPROTECT_NONE, VMA_MUNMAP };

/* The pages 2 .. 3 made PROT_NONE, or page 2 unmapped. */
static int vma_op(struct mm_struct *mm, enum vma_op op)
{
	if (op == VMA_MPROTECT_NONE)
		return mm_mprotect(mm, BASE + 2 * P, 2 * P, PROT_NONE);
	return mm_munmap(mm, BASE + 2 * P, P);
}

/* Fail @op's first, second, ... allocation until it succeeds: each failure left @want. */
static void fail_each_allocation(struct mm_struct *mm, enum vma_op op,
				 const unsigned long (*want)[3])
{
	int rc;

	for (unsigned long n = 1;; n++) {
		gm_alloc_fail_nth(n);
		rc = vma_op(mm, op);
		if (!gm_alloc_fault_injected()) {
			assert_int_equal(rc, 0);
			break;
		}
		assert_int_equal(rc, -ENOMEM);
		expect_vmas(mm, want, 1);
	}
	gm_alloc_fail_nth(0);
}

static void test_alloc_failure_leaves_vmas_intact(void **state)
{
	struct mm_struct *mm = *state;
	const unsigned long want[][3] = { { BASE, BASE + 8 * P, PROT_READ } };

	mm_mmap(mm, BASE, 8 * P, PROT_READ, MAP_ANON_PRIVATE | MAP_FIXED);
	fail_each_allocation(mm, VMA_MPROTECT_NONE, want);
	assert_int_equal(mm_mprotect(mm, BASE + 2 * P, 2 * P, PROT_READ), 0);
	expect_vmas(mm, want, 1);
	fail_each_allocation(mm, VMA_MUNMAP, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mmap_fixed_and_chosen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmap_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_munmap_splits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_munmap_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mprotect_split_and_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mprotect_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_fixed_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failure_leaves_vmas_intact, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
