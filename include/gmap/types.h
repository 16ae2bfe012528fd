/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small kernel-flavoured types shared by every libgmap header: pte_t and the
 * ERR_PTR() convention used by the seed's pointer-returning functions.
 */
#ifndef GMAP_TYPES_H
#define GMAP_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* DAT entries are 64-bit doublewords; the API uses unsigned long as the kernel does. */
_Static_assert(sizeof(unsigned long) == 8, "libgmap needs a 64-bit unsigned long");
_Static_assert(sizeof(void *) == 8, "libgmap needs 64-bit pointers");

/** typedef pte_t - one page-table entry, a struct so that it cannot be mixed up with integers. */
typedef struct {
	unsigned long pte;
} pte_t;

/** __pte() - make a pte_t from its value. */
static inline pte_t __pte(unsigned long v)
{
	pte_t p = { v };
	return p;
}

/** pte_val() - the value of a pte_t. */
static inline unsigned long pte_val(pte_t p)
{
	return p.pte;
}

/* The largest errno an ERR_PTR() may encode, as in the kernel. */
#define MAX_ERRNO 4095

/** IS_ERR_VALUE() - true if @x is a negative errno stored in an unsigned long. */
#define IS_ERR_VALUE(x) ((unsigned long)(x) >= (unsigned long)-MAX_ERRNO)

/** ERR_PTR() - encode the negative errno @error as a pointer. */
static inline void *ERR_PTR(long error)
{
	return (void *)error;
}

/** PTR_ERR() - the negative errno encoded in @ptr. */
static inline long PTR_ERR(const void *ptr)
{
	return (long)ptr;
}

/** IS_ERR() - true if @ptr encodes an errno rather than an object. */
static inline bool IS_ERR(const void *ptr)
{
	return IS_ERR_VALUE((unsigned long)ptr);
}

/** IS_ERR_OR_NULL() - true if @ptr is NULL or encodes an errno. */
static inline bool IS_ERR_OR_NULL(const void *ptr)
{
	return !ptr || IS_ERR(ptr);
}

#ifdef __cplusplus
}
#endif

#endif /* GMAP_TYPES_H */
