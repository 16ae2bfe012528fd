/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small kernel-flavoured types shared by every libgmap header: pte_t and the
 * ERR_PTR() convention used by the seed's pointer-returning functions.
 *
 * Names. Every type, constant and inline helper of the public headers exists
 * under a libgmap name (gmap_pte_t, GMAP_PAGE_SIZE, gmap_spin_lock(),
 * gmap_is_err(), ...). The kernel's names (pte_t, PAGE_SIZE, spin_lock(),
 * IS_ERR(), _SEGMENT_ENTRY_INVALID, ...) are defined beside them, as the same
 * types and values, unless the includer defines GMAP_NO_KERNEL_NAMES before the
 * first libgmap header: an emulator with its own PAGE_SIZE or spin_lock() then
 * sees only the prefixed names. Kernel-named macros that system headers may also
 * define (PAGE_SIZE in <sys/user.h>, ...) are spelled as glibc spells them, are
 * only defined if not yet defined, and are checked to have libgmap's value.
 * Function names of the seed's API (gmap_*, ptep_*, fixup_user_fault(), ...) are
 * the library's symbols and are always declared.
 *
 * C++. The headers compile as C++17 and later. Two members of struct gmap
 * differ for C++ callers: "private" is a keyword there, so the member is
 * spelled private_; the _Atomic int ref_count is a std::atomic<int>, which has
 * the same size, alignment and lock-free representation (checked below, and the
 * equivalence C++23 makes official with _Atomic(T) in <stdatomic.h>).
 */
#ifndef GMAP_TYPES_H
#define GMAP_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
#include <atomic>
#define GMAP_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
/* GMAP_ATOMIC(T) - a member shared by C and C++ code that both access atomically. */
#define GMAP_ATOMIC(T) std::atomic<T>
static_assert(sizeof(std::atomic<int>) == sizeof(int) &&
		      alignof(std::atomic<int>) == alignof(int) &&
		      std::atomic<int>::is_always_lock_free,
	      "std::atomic<int> must have the layout of C's _Atomic int");
#else
#define GMAP_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#define GMAP_ATOMIC(T)		      _Atomic(T)
GMAP_STATIC_ASSERT(sizeof(_Atomic(int)) == sizeof(int) && _Alignof(_Atomic(int)) == _Alignof(int),
		   "_Atomic int must have the layout of int (C++ sees a std::atomic<int>)");
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* DAT entries are 64-bit doublewords; the API uses unsigned long as the kernel does. */
GMAP_STATIC_ASSERT(sizeof(unsigned long) == 8, "libgmap needs a 64-bit unsigned long");
GMAP_STATIC_ASSERT(sizeof(void *) == 8, "libgmap needs 64-bit pointers");

/**
 * typedef gmap_pte_t - one page-table entry, a struct so that it cannot be mixed
 * up with integers; the kernel's pte_t
 */
typedef struct {
	unsigned long pte;
} gmap_pte_t;

/** gmap_pte() - make a gmap_pte_t from its value; the kernel's __pte(). */
static inline gmap_pte_t gmap_pte(unsigned long v)
{
	gmap_pte_t p = { v };
	return p;
}

/** gmap_pte_val() - the value of a gmap_pte_t; the kernel's pte_val(). */
static inline unsigned long gmap_pte_val(gmap_pte_t p)
{
	return p.pte;
}

/* The largest errno an ERR_PTR() may encode, as in the kernel. */
#define GMAP_MAX_ERRNO 4095

/** GMAP_IS_ERR_VALUE() - true if @x is a negative errno stored in an unsigned long. */
#define GMAP_IS_ERR_VALUE(x) ((unsigned long)(x) >= (unsigned long)-GMAP_MAX_ERRNO)

/** gmap_err_ptr() - encode the negative errno @error as a pointer; ERR_PTR(). */
static inline void *gmap_err_ptr(long error)
{
	return (void *)error;
}

/** gmap_ptr_err() - the negative errno encoded in @ptr; PTR_ERR(). */
static inline long gmap_ptr_err(const void *ptr)
{
	return (long)ptr;
}

/** gmap_is_err() - true if @ptr encodes an errno rather than an object; IS_ERR(). */
static inline bool gmap_is_err(const void *ptr)
{
	return GMAP_IS_ERR_VALUE((unsigned long)ptr);
}

/** gmap_is_err_or_null() - true if @ptr is NULL or encodes an errno; IS_ERR_OR_NULL(). */
static inline bool gmap_is_err_or_null(const void *ptr)
{
	return !ptr || gmap_is_err(ptr);
}

#ifndef GMAP_NO_KERNEL_NAMES
/* The kernel's names for the above. */
typedef gmap_pte_t pte_t;

static inline pte_t __pte(unsigned long v)
{
	return gmap_pte(v);
}

static inline unsigned long pte_val(pte_t p)
{
	return gmap_pte_val(p);
}

#ifndef MAX_ERRNO
#define MAX_ERRNO GMAP_MAX_ERRNO
#endif
GMAP_STATIC_ASSERT(MAX_ERRNO == GMAP_MAX_ERRNO, "MAX_ERRNO defined elsewhere differs");

#ifndef IS_ERR_VALUE
#define IS_ERR_VALUE(x) GMAP_IS_ERR_VALUE(x)
#endif

static inline void *ERR_PTR(long error)
{
	return gmap_err_ptr(error);
}

static inline long PTR_ERR(const void *ptr)
{
	return gmap_ptr_err(ptr);
}

static inline bool IS_ERR(const void *ptr)
{
	return gmap_is_err(ptr);
}

static inline bool IS_ERR_OR_NULL(const void *ptr)
{
	return gmap_is_err_or_null(ptr);
}
#endif /* GMAP_NO_KERNEL_NAMES */

#ifdef __cplusplus
}
#endif

#endif /* GMAP_TYPES_H */
