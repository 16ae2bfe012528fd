/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one allocator of libgmap. Every allocation the library makes goes through
 * it, so that a test can make the Nth allocation fail and then prove that the
 * operation returned -ENOMEM, left every structure consistent and leaked nothing.
 */
#ifndef GMAP_ALLOC_H
#define GMAP_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * gm_malloc() - allocate @size bytes
 * @size: number of bytes, may be 0
 *
 * Return: the memory, or NULL if the system or the fault injector refused.
 */
void *gm_malloc(size_t size);

/**
 * gm_zalloc() - allocate @size zeroed bytes
 * @size: number of bytes
 *
 * Return: zeroed memory, or NULL on failure.
 */
void *gm_zalloc(size_t size);

/**
 * gm_aligned_alloc() - allocate @size bytes aligned to @align
 * @align: a power of two, at least sizeof(void *)
 * @size:  number of bytes
 *
 * Return: the memory, or NULL on failure or if @align is not a power of two.
 */
void *gm_aligned_alloc(size_t align, size_t size);

/**
 * gm_free() - give back memory from any gm_*alloc() function
 * @ptr: the memory, or NULL
 */
void gm_free(void *ptr);

/**
 * gm_alloc_fail_nth() - make an allocation fail, for tests
 * @n: 0 disables injection; n >= 1 makes the nth allocation from now fail
 *     (once), counting every gm_*alloc() call in the process
 */
void gm_alloc_fail_nth(unsigned long n);

/**
 * gm_alloc_fault_injected() - whether the armed failure has happened
 *
 * Return: true once the failure armed by gm_alloc_fail_nth() was delivered.
 * A test that arms failure n and sees false knows the operation needs fewer
 * than n allocations.
 */
bool gm_alloc_fault_injected(void);

/**
 * gm_alloc_live() - number of allocations not yet freed
 *
 * Return: the count of live gm_*alloc() blocks in the process; leak tests
 * compare it before and after an operation that must not keep memory.
 */
long gm_alloc_live(void);

/**
 * gm_quiesce() - wait until every deferred free has happened
 *
 * Frames and tables are freed after an RCU grace period; call this before
 * comparing gm_alloc_live() counts. Must not be called inside an RCU read-side
 * section or from a library callback.
 */
void gm_quiesce(void);

#ifdef __cplusplus
}
#endif

#endif /* GMAP_ALLOC_H */
