// SPDX-License-Identifier: GPL-2.0
/*
 * Interleavings of a swap-in that drops mmap_lock with other host events, made
 * deterministic: this executable is linked with --wrap=pool_alloc_at and
 * --wrap=swap_read, so the hooks below run "another thread's" events at exact
 * points inside fixup_user_fault().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include <cmocka.h>

#include "mmtest.h"

#define BASE 0x40000000UL

void *__real_pool_alloc_at(enum gm_alloc_site site, unsigned int order, bool zero);
void *__wrap_pool_alloc_at(enum gm_alloc_site site, unsigned int order, bool zero);
int __real_swap_read(struct swap_file *sf, unsigned long slot, void *page);
int __wrap_swap_read(struct swap_file *sf, unsigned long slot, void *page);

static struct {
	struct mm_struct *mm;
	bool armed_alloc; /* next pool_alloc: swap the page in behind the faulter's back */
	bool armed_read;  /* next swap_read: store new contents and page them out again */
	bool in_hook;
	unsigned long reused_slot;
} hook;

static unsigned char c1[PAGE_SIZE], c2[PAGE_SIZE], buf[PAGE_SIZE];

void *__wrap_pool_alloc_at(enum gm_alloc_site site, unsigned int order, bool zero)
{
	if (hook.armed_alloc && !hook.in_hook) {
		hook.armed_alloc = false;
		hook.in_hook = true;
		/* The faulter holds mmap_lock for reading; so does a concurrent fault. */
		assert_int_equal(fixup_user_fault(hook.mm, BASE, 0, NULL), 0);
		assert_true(pte_present(__pte(mm_lookup_pte(hook.mm, BASE))));
		hook.in_hook = false;
	}
	return __real_pool_alloc_at(site, order, zero);
}

int __wrap_swap_read(struct swap_file *sf, unsigned long slot, void *page)
{
	int rc = __real_swap_read(sf, slot, page);

	if (hook.armed_read && !hook.in_hook) {
		hook.armed_read = false;
		hook.in_hook = true;
		/* mmap_lock is dropped here: a write and a page-out reusing the slot. */
		assert_int_equal(mm_write(hook.mm, BASE, c2, PAGE_SIZE), 0);
		assert_int_equal(mm_page_out(hook.mm, BASE), 0);
		hook.reused_slot = pte_swap_slot(mm_lookup_pte(hook.mm, BASE));
		hook.in_hook = false;
	}
	return rc;
}

static int setup(void **state)
{
	struct mm_struct *mm = mm_create();

	if (!mm || mm_mmap(mm, BASE, PAGE_SIZE, PROT_READ | PROT_WRITE,
			   MAP_ANON_PRIVATE | MAP_FIXED) != BASE)
		return -1;
	memset(c1, 0xc1, sizeof(c1));
	memset(c2, 0xc2, sizeof(c2));
	*state = mm;
	return 0;
}

static int teardown(void **state)
{
	mm_destroy(*state);
	gm_quiesce();
	return 0;
}

/*
 * The faulter reads swap PTE S, then (before it notes the slot's generation) a
 * concurrent fault swaps the page in and frees S. While the faulter reads S with
 * mmap_lock dropped, the page is written and paged out again into the same free
 * slot S. The faulter must not install what it read: that is the old contents.
 */
static void test_prefetch_of_a_reused_slot_is_not_installed(void **state)
{
	struct mm_struct *mm = *state;
	const unsigned char *want;
	bool unlocked = false;
	unsigned long slot;

	assert_int_equal(mm_write(mm, BASE, c1, PAGE_SIZE), 0);
	assert_int_equal(mm_page_out(mm, BASE), 0);
	slot = pte_swap_slot(mm_lookup_pte(mm, BASE));
	hook.mm = mm;
	hook.armed_alloc = true;
	hook.armed_read = true;
	mmap_read_lock(mm);
	assert_int_equal(fixup_user_fault(mm, BASE, 0, &unlocked), 0);
	mmap_read_unlock(mm);
	assert_false(hook.armed_alloc);
	/* A faulter that notices the swap-in reads nothing; else the write came last. */
	if (!hook.armed_read)
		assert_int_equal(hook.reused_slot, slot);
	want = hook.armed_read ? c1 : c2;
	hook.armed_read = false;
	assert_int_equal(mm_read(mm, BASE, buf, PAGE_SIZE), 0);
	assert_memory_equal(buf, want, PAGE_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_prefetch_of_a_reused_slot_is_not_installed,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
