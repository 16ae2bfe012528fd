// SPDX-License-Identifier: GPL-2.0
/*
 * `gmap run --deterministic`: the vCPU threads and the host thread take turns,
 * one at a time, in an order drawn from the seed. Whoever holds the turn runs a
 * quantum (a vCPU: 1 to RUN_QUANTUM accesses; the host thread: the events due),
 * then draws the next holder and its quantum from the scheduler's own stream
 * and hands the turn over. As the threads never run at once, every access sees
 * the state the previous turns left, and the same seed gives the same run:
 * the same accesses, events, faults, purges and program interruptions.
 *
 * Participants 0 .. nvcpus - 1 are the vCPUs, nvcpus is the host thread. Each
 * waits on its own condition variable, so a handover wakes one thread.
 */
#include "run.h"

#define RUN_QUANTUM 64

/* The next holder among those still taking part, and its quantum. Lock held. */
static void pick(struct run_sched *s)
{
	uint64_t x = run_rand(&s->rng);
	unsigned int k = (unsigned int)(x % s->nalive), id;

	for (id = 0; !s->alive[id] || k--; id++)
		;
	s->turn = id;
	s->quantum = 1 + (unsigned int)((x >> 32) % RUN_QUANTUM);
	pthread_cond_signal(&s->cond[id]);
}

/**
 * run_sched_init() - set up the turns for @n participants
 * @s:    the scheduler (zeroed)
 * @seed: the run's seed
 * @n:    participants: the vCPUs and then the host thread
 */
void run_sched_init(struct run_sched *s, unsigned long seed, unsigned int n)
{
	pthread_mutex_init(&s->lock, NULL);
	for (unsigned int i = 0; i < n; i++) {
		pthread_cond_init(&s->cond[i], NULL);
		s->alive[i] = true;
	}
	s->n = s->nalive = n;
	s->rng = run_seed_mix(seed ^ 0x7475726eUL) | 1;
	pick(s);
}

/** run_sched_destroy() - release what run_sched_init() set up */
void run_sched_destroy(struct run_sched *s)
{
	for (unsigned int i = 0; i < s->n; i++)
		pthread_cond_destroy(&s->cond[i]);
	pthread_mutex_destroy(&s->lock);
}

/**
 * run_sched_wait() - wait for participant @id's turn
 * @s:  the scheduler
 * @id: the participant
 *
 * Return: the quantum of this turn.
 */
unsigned int run_sched_wait(struct run_sched *s, unsigned int id)
{
	unsigned int q;

	pthread_mutex_lock(&s->lock);
	while (s->turn != id)
		pthread_cond_wait(&s->cond[id], &s->lock);
	q = s->quantum;
	pthread_mutex_unlock(&s->lock);
	return q;
}

/**
 * run_sched_yield() - end @id's turn and wait for its next one
 * @s:  the scheduler
 * @id: the participant holding the turn
 *
 * Return: the quantum of the next turn.
 */
unsigned int run_sched_yield(struct run_sched *s, unsigned int id)
{
	pthread_mutex_lock(&s->lock);
	pick(s);
	pthread_mutex_unlock(&s->lock);
	return run_sched_wait(s, id);
}

/**
 * run_sched_leave() - participant @id takes no more turns
 * @s:  the scheduler
 * @id: the participant: it holds the turn, or it never started
 */
void run_sched_leave(struct run_sched *s, unsigned int id)
{
	pthread_mutex_lock(&s->lock);
	if (s->alive[id]) {
		s->alive[id] = false;
		s->nalive--;
		if (s->nalive && s->turn == id)
			pick(s);
	}
	pthread_mutex_unlock(&s->lock);
}

/**
 * run_sched_only() - whether @id is the last participant taking turns
 * @s:  the scheduler
 * @id: the participant holding the turn
 */
bool run_sched_only(struct run_sched *s, unsigned int id)
{
	bool only;

	pthread_mutex_lock(&s->lock);
	only = s->nalive == 1 && s->alive[id];
	pthread_mutex_unlock(&s->lock);
	return only;
}
