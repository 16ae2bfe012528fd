// SPDX-License-Identifier: GPL-2.0
/*
 * `gmap run` host thread: what the rest of Linux does to the guest's memory
 * while the vCPUs run, all of it content-preserving:
 *   page-out   mm_page_out() of a host page (to the swap file)
 *   migrate    mm_migrate_page() of a host page (to another frame)
 *   mprotect   a run of up to 64 pages of one data segment made PROT_READ, held
 *              for about HOLD_ACCESSES accesses, then PROT_READ | PROT_WRITE again
 *   remap      a data segment moved to a new host address: gmap_unmap_segment(),
 *              its pages copied out with mm_read(), a fresh mm_mmap() (always at
 *              another address: the old one is still mapped), the pages written
 *              there with mm_write(), mm_munmap() of the old one (its page table
 *              goes, gmap_unlink() is called), gmap_map_segment() of the new one
 * Page-out and migration pick a prefix page (1/8), a page of the guest's DAT
 * tables (1/16), the page a vCPU touched last (7/16) or any data page. Pages
 * that never had a frame are counted as skipped. mprotect and remap take data
 * segments only: the reserved area must stay writable for the prefix pages.
 *
 * Events are paced by the vCPUs' accesses: by the time they have done t
 * accesses the host thread has done t * rate / 1000 events of each kind, and
 * the vCPUs wait when it falls RUN_PACE_SLACK accesses behind. So a run with --ops
 * does the same number of events each time, whatever the machine's speed.
 */
#include <errno.h>
#include <string.h>

#include <gmap/gmap_locked.h>

#include "run.h"

#define HOLD_ACCESSES  2000
#define HOLD_MAX_NS    5000000L /* but not longer than 5 ms */
#define MAX_PROT_PAGES 64
#define AUDIT_EVERY    (1UL << 15) /* --nested: accesses between two audits of the shadows */

static const char *const event_names[NR_EVENTS] = { "page-out", "migrate", "mprotect", "remap",
						    "discard" };

/* ---- counting notifier calls --------------------------------------------------------------- */

static atomic_ulong notifier_calls;
static struct gmap *_Atomic watched_gmap;

static void count_notification(struct gmap *gmap, unsigned long start, unsigned long end)
{
	(void)start;
	(void)end;
	if (gmap == atomic_load_explicit(&watched_gmap, memory_order_relaxed))
		atomic_fetch_add_explicit(&notifier_calls, 1, memory_order_relaxed);
}

static struct gmap_notifier run_notifier = { .notifier_call = count_notification };

/** run_notifier_start() - count the pte notifier calls for @r's gmap from now on */
void run_notifier_start(struct run *r)
{
	atomic_store(&watched_gmap, r->gmap);
	gmap_register_pte_notifier(&run_notifier);
}

/** run_notifier_stop() - stop counting; returns when no call can still be running */
void run_notifier_stop(void)
{
	gmap_unregister_pte_notifier(&run_notifier);
	atomic_store(&watched_gmap, NULL);
}

/** run_notifier_calls() - the notifier calls counted so far */
unsigned long run_notifier_calls(void)
{
	return atomic_load(&notifier_calls);
}

/* ---- helpers ------------------------------------------------------------------------------- */

/* Let the vCPUs run up to @t + RUN_PACE_SLACK; never backwards. */
static void publish_covered(struct run *r, unsigned long t)
{
	if (t > atomic_load(&r->covered))
		atomic_store(&r->covered, t);
}

static unsigned long first_data_seg(const struct run *r)
{
	return r->lay.reserved >> _SEGMENT_SHIFT;
}

static unsigned long pick_data_seg(struct run *r, uint64_t *rng)
{
	unsigned long first = first_data_seg(r);

	return first + run_rand(rng) % (r->nseg - first);
}

/* A guest page for page-out and migration. */
static unsigned long pick_target(struct run *r, uint64_t *rng)
{
	const struct run_layout *l = &r->lay;
	uint64_t x = run_rand(rng);
	unsigned long y = x >> 8, d;
	unsigned int kind = x & 15;

	if (kind < 2)
		return run_prefix((unsigned int)(y % r->cfg.nvcpus)) + ((y >> 8) & 1) * PAGE_SIZE;
	if (kind == 2)
		return l->tables +
		       ((y % ((l->tables_end - l->tables) >> PAGE_SHIFT)) << PAGE_SHIFT);
	if (kind < 10)
		d = atomic_load_explicit(&r->vcpus[y % r->cfg.nvcpus].last, memory_order_relaxed);
	else
		d = y % l->ndata;
	return l->reserved + (d << PAGE_SHIFT);
}

static void host_error(struct run *r, enum run_event e, unsigned long gaddr, const char *call,
		       int rc)
{
	run_fail(r, gaddr, "host %s of guest 0x%lx: %s: %s", event_names[e], gaddr, call,
		 strerror(-rc));
}

/* ---- the events ---------------------------------------------------------------------------- */

/*
 * A page-out that could not write (-EIO, -ENOSPC) left its page resident: tried
 * again a few times, then the page simply stays, as a kernel keeps a page whose
 * write-back failed. Neither is a failure of the run.
 */
static void page_event(struct run *r, uint64_t *rng, enum run_event e)
{
	unsigned long gaddr = pick_target(r, rng), host = run_host_addr(r, gaddr);
	unsigned int tries = 0;
	int rc;

	if (e == EV_PAGEOUT) {
		do {
			rc = mm_page_out(r->mm, host);
		} while (run_io_retry(r, IO_PAGEOUT, rc, &tries));
		run_io_done(r, IO_PAGEOUT, rc, tries);
	} else {
		rc = mm_migrate_page(r->mm, host);
	}
	if (!rc)
		r->events[e]++;
	else if (rc == -ENOENT)
		r->skipped[e]++;
	else if (e != EV_PAGEOUT || (rc != -EIO && rc != -ENOSPC))
		host_error(r, e, gaddr, e == EV_PAGEOUT ? "mm_page_out" : "mm_migrate_page", rc);
}

/* mm_read() or mm_write() of one page, tried again after host I/O errors. */
static int host_copy(struct run *r, unsigned long addr, bool write)
{
	unsigned int tries = 0;
	int rc;

	do {
		rc = write ? mm_write(r->mm, addr, r->move_buf, PAGE_SIZE)
			   : mm_read(r->mm, addr, r->move_buf, PAGE_SIZE);
	} while (run_io_retry(r, IO_HOST_COPY, rc, &tries));
	run_io_done(r, IO_HOST_COPY, rc, tries);
	return rc;
}

/*
 * Let the vCPUs run into the read-only range for a while: HOLD_ACCESSES, or
 * until they wait for this thread (pacing), or HOLD_MAX_NS.
 */
static void hold(struct run *r)
{
	unsigned long t0 = run_total_accesses(r), t;
	double deadline = run_now() + HOLD_MAX_NS * 1e-9;
	unsigned int me = r->cfg.nvcpus;

	if (r->cfg.deterministic) {
		/* Counted in accesses only: the vCPUs run in the turns given away here. */
		while (!run_sched_only(&r->sched, me) && run_total_accesses(r) < t0 + HOLD_ACCESSES)
			run_sched_yield(&r->sched, me);
		return;
	}

	do {
		run_nap(20000);
		t = run_total_accesses(r);
	} while (!atomic_load(&r->vcpus_done) && t < t0 + HOLD_ACCESSES &&
		 t < atomic_load(&r->covered) + RUN_PACE_SLACK && run_now() < deadline);
}

static void mprotect_event(struct run *r, uint64_t *rng)
{
	unsigned long seg = pick_data_seg(r, rng), x = run_rand(rng);
	unsigned long page = x % _PAGE_ENTRIES, n = 1 + (x >> 8) % MAX_PROT_PAGES;
	unsigned long gaddr = (seg << _SEGMENT_SHIFT) + (page << PAGE_SHIFT), len, host;
	int rc;

	if (page + n > _PAGE_ENTRIES)
		n = _PAGE_ENTRIES - page;
	len = n << PAGE_SHIFT;
	host = run_host_addr(r, gaddr);
	atomic_store(&r->prot_start, gaddr);
	atomic_store(&r->prot_end, gaddr + len);
	atomic_fetch_add(&r->prot_seq, 1);
	rc = mm_mprotect(r->mm, host, len, PROT_READ);
	if (rc)
		host_error(r, EV_MPROTECT, gaddr, "mm_mprotect(PROT_READ)", rc);
	hold(r);
	rc = mm_mprotect(r->mm, host, len, PROT_READ | PROT_WRITE);
	if (rc)
		host_error(r, EV_MPROTECT, gaddr, "mm_mprotect(PROT_READ | PROT_WRITE)", rc);
	atomic_fetch_add(&r->prot_seq, 1);
	r->events[EV_MPROTECT]++;
}

/* Keep the vCPUs' discards out of the segment (see run_vcpu.c). */
static void seg_move_lock(struct run *r, unsigned long seg)
{
	int free = 0;

	while (!atomic_compare_exchange_weak(&r->seg_discard[seg], &free, -1)) {
		free = 0;
		run_nap(1000);
	}
}

/*
 * Whether the guest segment is linked to a host page table, for the links and
 * unlinks of the summary: a vCPU can still link it between this look and the
 * unmap, so the count can be one short for such a remap.
 */
static bool seg_linked(struct run *r, unsigned long gaddr)
{
	unsigned long *e;
	bool linked;

	mmap_read_lock(r->mm);
	e = gmap_table_walk(r->gmap, gaddr, DAT_LEVEL_SEGMENT);
	linked = e && !(__atomic_load_n(e, __ATOMIC_ACQUIRE) & _SEGMENT_ENTRY_INVALID);
	mmap_read_unlock(r->mm);
	return linked;
}

/*
 * Copy the segment at @from to @to (both host addresses), page by page. A page
 * that never had a frame (or was discarded) reads as zeroes and is skipped, as a
 * migrating VMM skips zero pages, so moving does not populate the guest.
 */
static int copy_segment(struct run *r, unsigned long from, unsigned long to)
{
	int rc;

	for (unsigned long off = 0; off < _SEGMENT_SIZE; off += PAGE_SIZE) {
		if (pte_none(__pte(mm_lookup_pte(r->mm, from + off))))
			continue;
		rc = host_copy(r, from + off, false);
		if (!rc)
			rc = host_copy(r, to + off, true);
		if (rc)
			return rc;
	}
	return 0;
}

/* Returns the failing call's name with *rc set, or NULL. */
static const char *move_segment(struct run *r, unsigned long seg, int *rc)
{
	unsigned long gaddr = seg << _SEGMENT_SHIFT, old = r->seg_host[seg], new;

	r->unmapped_linked += seg_linked(r, gaddr);
	*rc = gmap_unmap_segment(r->gmap, gaddr, _SEGMENT_SIZE);
	if (*rc)
		return "gmap_unmap_segment";
	new = mm_mmap(r->mm, 0, _SEGMENT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (IS_ERR_VALUE(new)) {
		*rc = (int)new;
		return "mm_mmap";
	}
	*rc = copy_segment(r, old, new);
	if (*rc)
		return "mm_read/mm_write";
	*rc = mm_munmap(r->mm, old, _SEGMENT_SIZE);
	if (*rc)
		return "mm_munmap";
	r->seg_host[seg] = new;
	*rc = gmap_map_segment(r->gmap, new, gaddr, _SEGMENT_SIZE);
	return *rc ? "gmap_map_segment" : NULL;
}

static void remap_event(struct run *r, uint64_t *rng)
{
	unsigned long seg = pick_data_seg(r, rng);
	const char *failed;
	int rc;

	seg_move_lock(r, seg);
	atomic_fetch_add(&r->seg_seq[seg], 1);
	failed = move_segment(r, seg, &rc);
	atomic_fetch_add(&r->seg_seq[seg], 1);
	atomic_store(&r->seg_discard[seg], 0);
	if (failed)
		host_error(r, EV_REMAP, seg << _SEGMENT_SHIFT, failed, rc);
	else
		r->events[EV_REMAP]++;
}

static void host_event(struct run *r, uint64_t *rng, enum run_event e)
{
	switch (e) {
	case EV_PAGEOUT:
	case EV_MIGRATE:
		page_event(r, rng, e);
		break;
	case EV_MPROTECT:
		mprotect_event(r, rng);
		break;
	default:
		remap_event(r, rng);
	}
}

/* Do the events due after @t accesses, kinds interleaved. Returns true if any was due. */
static bool catch_up(struct run *r, uint64_t *rng, unsigned long t)
{
	bool any = false, more;
	unsigned long due;

	do {
		more = false;
		for (int e = 0; e < EV_DISCARD; e++) {
			due = (unsigned long)((double)t * r->cfg.rate[e] / 1000.0);
			if (r->events[e] + r->skipped[e] >= due)
				continue;
			host_event(r, rng, (enum run_event)e);
			more = any = true;
		}
	} while (more);
	return any;
}

/* --nested: audit the shadows every AUDIT_EVERY accesses, from this thread, as guest-3 runs. */
static void audit_due(struct run *r, unsigned long t, unsigned long *next)
{
	if (!r->cfg.nested || t < *next)
		return;
	run_audit_shadows(r, "during the run");
	*next = t + AUDIT_EVERY;
}

/* --deterministic: the events due at each of the host thread's turns. */
static void host_turns(struct run *r, uint64_t *rng)
{
	unsigned int me = r->cfg.nvcpus;
	unsigned long t, next_audit = AUDIT_EVERY;
	bool last;

	run_sched_wait(&r->sched, me);
	do {
		last = run_sched_only(&r->sched, me);
		t = run_total_accesses(r);
		catch_up(r, rng, t);
		audit_due(r, t, &next_audit);
		publish_covered(r, t);
		if (!last)
			run_sched_yield(&r->sched, me);
	} while (!last);
	run_sched_leave(&r->sched, me);
}

/**
 * run_host_thread() - body of the host-event thread
 * @arg: the struct run
 *
 * Runs until the vCPUs are done, then catches up with their last accesses.
 * With --deterministic it runs only in its turns, until no vCPU takes turns.
 *
 * Return: NULL.
 */
void *run_host_thread(void *arg)
{
	struct run *r = arg;
	uint64_t rng = run_seed_mix(r->cfg.seed ^ 0x686f7374UL) | 1;
	unsigned long t, next_audit = AUDIT_EVERY;
	bool last;

	if (r->cfg.deterministic) {
		host_turns(r, &rng);
		return NULL;
	}
	do {
		last = atomic_load(&r->vcpus_done);
		t = run_total_accesses(r);
		audit_due(r, t, &next_audit);
		if (!catch_up(r, &rng, t) && !last)
			run_nap(100000);
		publish_covered(r, t);
	} while (!last);
	return NULL;
}
