/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The locks the seed names: spinlock_t and the spin_lock()/spin_unlock() pair
 * (gmap_spinlock_t and gmap_spin_lock()/gmap_spin_unlock() under libgmap's names).
 *
 * In user space a lock holder can be preempted, so a spinlock_t is a mutex: a
 * waiter sleeps instead of burning the other core. The kernel's rules still hold:
 * nothing that can block for long (allocation, I/O) happens under one.
 */
#ifndef GMAP_LOCK_H
#define GMAP_LOCK_H

#include <pthread.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/** typedef gmap_spinlock_t - a short-held lock; the kernel's spinlock_t */
typedef struct {
	pthread_mutex_t mutex;
} gmap_spinlock_t;

#define GMAP_SPIN_LOCK_UNLOCKED           \
	{                                 \
		PTHREAD_MUTEX_INITIALIZER \
	}

/** gmap_spin_lock_init() - initialise @lock (unlocked) */
static inline void gmap_spin_lock_init(gmap_spinlock_t *lock)
{
	pthread_mutex_init(&lock->mutex, NULL);
}

/** gmap_spin_lock_destroy() - release what @lock holds; it must be unlocked and unused */
static inline void gmap_spin_lock_destroy(gmap_spinlock_t *lock)
{
	pthread_mutex_destroy(&lock->mutex);
}

/** gmap_spin_lock() - take @lock */
static inline void gmap_spin_lock(gmap_spinlock_t *lock)
{
	pthread_mutex_lock(&lock->mutex);
}

/** gmap_spin_trylock() - take @lock if it is free; true if taken */
static inline bool gmap_spin_trylock(gmap_spinlock_t *lock)
{
	return pthread_mutex_trylock(&lock->mutex) == 0;
}

/** gmap_spin_unlock() - release @lock */
static inline void gmap_spin_unlock(gmap_spinlock_t *lock)
{
	pthread_mutex_unlock(&lock->mutex);
}

#ifndef GMAP_NO_KERNEL_NAMES
/* The kernel's names (see <gmap/types.h> on names). */
typedef gmap_spinlock_t spinlock_t;

#define __SPIN_LOCK_UNLOCKED  GMAP_SPIN_LOCK_UNLOCKED
#define DEFINE_SPINLOCK(name) spinlock_t name = __SPIN_LOCK_UNLOCKED

static inline void spin_lock_init(spinlock_t *lock)
{
	gmap_spin_lock_init(lock);
}

static inline void spin_lock_destroy(spinlock_t *lock)
{
	gmap_spin_lock_destroy(lock);
}

static inline void spin_lock(spinlock_t *lock)
{
	gmap_spin_lock(lock);
}

static inline bool spin_trylock(spinlock_t *lock)
{
	return gmap_spin_trylock(lock);
}

static inline void spin_unlock(spinlock_t *lock)
{
	gmap_spin_unlock(lock);
}
#endif /* GMAP_NO_KERNEL_NAMES */

#ifdef __cplusplus
}
#endif

#endif /* GMAP_LOCK_H */
