/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The locks the seed names: spinlock_t and the spin_lock()/spin_unlock() pair.
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

/** typedef spinlock_t - a short-held lock */
typedef struct {
	pthread_mutex_t mutex;
} spinlock_t;

#define __SPIN_LOCK_UNLOCKED              \
	{                                 \
		PTHREAD_MUTEX_INITIALIZER \
	}
#define DEFINE_SPINLOCK(name) spinlock_t name = __SPIN_LOCK_UNLOCKED

/** spin_lock_init() - initialise @lock (unlocked) */
static inline void spin_lock_init(spinlock_t *lock)
{
	pthread_mutex_init(&lock->mutex, NULL);
}

/** spin_lock_destroy() - release what @lock holds; it must be unlocked and unused */
static inline void spin_lock_destroy(spinlock_t *lock)
{
	pthread_mutex_destroy(&lock->mutex);
}

/** spin_lock() - take @lock */
static inline void spin_lock(spinlock_t *lock)
{
	pthread_mutex_lock(&lock->mutex);
}

/** spin_trylock() - take @lock if it is free; true if taken */
static inline bool spin_trylock(spinlock_t *lock)
{
	return pthread_mutex_trylock(&lock->mutex) == 0;
}

/** spin_unlock() - release @lock */
static inline void spin_unlock(spinlock_t *lock)
{
	pthread_mutex_unlock(&lock->mutex);
}

#ifdef __cplusplus
}
#endif

#endif /* GMAP_LOCK_H */
