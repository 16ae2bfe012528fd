// SPDX-License-Identifier: GPL-2.0
/*
 * `gmap run` vCPU threads: the guest's workload and its reference model.
 *
 * vCPU k owns the data pages d with d % nvcpus == k, so neighbouring pages
 * belong to different vCPUs and all vCPUs share every segment and host page
 * table, while each page has one writer and the model needs no locking. Each
 * access reads or writes 1 to 4096 bytes inside one page, through absolute
 * addressing, through the guest's DAT window, or (for the vCPU's own prefix area)
 * through real addresses 0..8 KiB. Pages come from a hot set of 32 pages, a
 * sequential cursor or anywhere, each as likely as in the code below.
 *
 * Every successful write goes into the model; every successful read is compared
 * with it at once. A program interruption is fine only where the scenario
 * explains it: a store through DAT to a page the guest's PTE protects, any DAT
 * access to a page whose guest PTE is invalid, a store while the host thread
 * holds the page read-only (mprotect), any access while the host thread has the
 * page's segment unmapped (moving it). A refused store did not happen: the model
 * stays as it was and the vCPU goes on. The host thread publishes its intervals
 * as sequence counts that are odd while they last; a PIC is explained if the
 * count was odd before the access or changed during it.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "run.h"

/* An access as the vCPU issued it, with the host's sequence counts around it. */
struct access {
	enum run_mode mode;
	bool write;
	unsigned long d; /* data page (not for MODE_REAL) */
	unsigned long gaddr, va;
	size_t len;
	unsigned long seg_before, seg_after, prot_before, prot_after;
};

static const char *const mode_names[NR_MODES] = { "absolute", "dat", "real" };

/* ---- choosing what to access -------------------------------------------------------------- */

/* ---- explaining program interruptions ------------------------------------------------------ */

static bool seg_moving(const struct access *a)
{
	return (a->seg_before & 1) || a->seg_before != a->seg_after;
}

/* The kind of an explained PIC, or -1. */
static int explain(struct run_vcpu *v, const struct access *a, int pic)
{
	struct run *r = v->run;
	bool dat = a->mode == MODE_DAT;
	enum run_attr attr = a->mode == MODE_REAL ? ATTR_RW : r->lay.attr[a->d];

	if (a->mode == MODE_REAL)
		return -1; /* the prefix area is never unmapped or protected */
	switch (pic) {
	case PGM_PROTECTION:
		if (a->write && ((dat && attr == ATTR_RO) ||
				 run_host_read_only(r, a->gaddr, a->prot_before, a->prot_after)))
			return PIC_PROTECTION;
		return -1;
	case PGM_ADDRESSING:
		return seg_moving(a) ? PIC_ADDRESSING : -1;
	case PGM_PAGE_TRANSLATION:
		return dat && attr == ATTR_INVALID ? PIC_PAGE_TRANSLATION : -1;
	default:
		return -1;
	}
}

static void describe(const struct run_vcpu *v, const struct access *a, char *buf, size_t size)
{
	int n = snprintf(buf, size, "vcpu %u: %s %s of %zu bytes at 0x%lx", v->id,
			 mode_names[a->mode], a->write ? "write" : "read", a->len, a->gaddr);

	if (a->mode == MODE_DAT && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " (va 0x%lx)", a->va);
	else if (a->mode == MODE_REAL && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " (real 0x%lx)", a->va);
}

static void refused(struct run_vcpu *v, const struct access *a, int rc)
{
	char what[128];
	int kind = rc > 0 ? explain(v, a, rc) : -1;

	if (kind >= 0) {
		v->c.pics[kind]++;
		v->c.failed_writes += a->write;
		return;
	}
	v->c.unexpected++;
	describe(v, a, what, sizeof(what));
	if (rc > 0)
		run_fail(v->run, a->gaddr, "%s: unexpected PIC 0x%02x (%s)", what, (unsigned int)rc,
			 dat_pic_name((unsigned int)rc));
	else
		run_fail(v->run, a->gaddr, "%s: %s", what, strerror(-rc));
}

/*
 * The guest's PTE forbids what just succeeded: an isolation failure. A write that
 * happened anyway is in memory now, so the caller still puts it into the model.
 */
static void dat_must_refuse(struct run_vcpu *v, const struct access *a)
{
	enum run_attr attr = v->run->lay.attr[a->d];
	char what[128];

	if (attr == ATTR_RW || (attr == ATTR_RO && !a->write))
		return;
	v->c.unexpected++;
	describe(v, a, what, sizeof(what));
	run_fail(v->run, a->gaddr, "%s: succeeded through a guest PTE that is %s", what,
		 attr == ATTR_RO ? "DAT-protected" : "invalid");
}

/* Compare a read with the model; report the first differing bytes. */
static void check(struct run_vcpu *v, const struct access *a, const unsigned char *model,
		  const unsigned char *got)
{
	char what[128];
	size_t i;

	v->c.checked++;
	if (!memcmp(model, got, a->len))
		return;
	for (i = 0; model[i] == got[i]; i++)
		;
	describe(v, a, what, sizeof(what));
	run_mismatch(v->run, a->gaddr + i, model + i, got + i,
		     a->len - i < RUN_SHOW_BYTES ? a->len - i : RUN_SHOW_BYTES, "%s", what);
}

/* ---- accesses ------------------------------------------------------------------------------ */

static int issue(struct run_vcpu *v, struct access *a, unsigned char *buf)
{
	struct run *r = v->run;
	unsigned long asce = r->lay.asce;

	a->seg_before = atomic_load(&r->seg_seq[a->gaddr >> _SEGMENT_SHIFT]);
	a->prot_before = atomic_load(&r->prot_seq);
	switch (a->mode * 2 + a->write) {
	case MODE_ABS * 2:
		return vcpu_read(v->vcpu, a->gaddr, buf, a->len);
	case MODE_ABS * 2 + 1:
		return vcpu_write(v->vcpu, a->gaddr, buf, a->len);
	case MODE_DAT * 2:
		return vcpu_read_virt(v->vcpu, asce, a->va, buf, a->len);
	case MODE_DAT * 2 + 1:
		return vcpu_write_virt(v->vcpu, asce, a->va, buf, a->len);
	case MODE_REAL * 2:
		return vcpu_read_real(v->vcpu, a->va, buf, a->len);
	default:
		return vcpu_write_real(v->vcpu, a->va, buf, a->len);
	}
}

/* Issue @a against @model; the model follows successful writes. */
static void access_checked(struct run_vcpu *v, struct access *a, unsigned char *model)
{
	struct run *r = v->run;
	unsigned char buf[PAGE_SIZE];
	unsigned int tries = 0;
	int rc;

	if (a->write) {
		v->c.writes++;
		run_fill(v, buf, a->len);
	} else {
		v->c.reads++;
	}
	v->c.mode[a->mode]++;
	/* A host I/O error is no answer for the guest: the VMM does the access again. */
	do {
		rc = issue(v, a, buf);
	} while (run_io_retry(r, IO_ACCESS, rc, &tries));
	run_io_done(r, IO_ACCESS, rc, tries);
	if (rc) {
		a->seg_after = atomic_load(&r->seg_seq[a->gaddr >> _SEGMENT_SHIFT]);
		a->prot_after = atomic_load(&r->prot_seq);
		refused(v, a, rc);
		return;
	}
	if (a->mode == MODE_DAT)
		dat_must_refuse(v, a);
	if (a->write)
		memcpy(model, buf, a->len);
	else
		check(v, a, model, buf);
}

static void data_access(struct run_vcpu *v, enum run_mode mode, bool write)
{
	struct run *r = v->run;
	struct access a = { .mode = mode, .write = write, .d = run_pick_page(v) };
	unsigned char *model;
	unsigned long off;

	run_pick_span(v, PAGE_SIZE, &off, &a.len);
	a.gaddr = r->lay.reserved + (a.d << PAGE_SHIFT) + off;
	a.va = RUN_VBASE + ((unsigned long)r->lay.window_of[a.d] << PAGE_SHIFT) + off;
	/* A read compares with the model and never changes it: zeroes need no page. */
	model = write ? run_model_for_write(v, a.d) : (unsigned char *)run_model(r, a.d);
	if (!model) {
		run_fail(r, a.gaddr, "vcpu %u: no memory left for the model", v->id);
		atomic_store(&r->stop, true);
		return;
	}
	access_checked(v, &a, model + off);
	atomic_store_explicit(&v->last, a.d, memory_order_relaxed);
}

/* Real 0..8 KiB: this vCPU's prefix area, its lowcore. */
static void lowcore_access(struct run_vcpu *v, bool write)
{
	struct access a = { .mode = MODE_REAL, .write = write };
	unsigned long off;

	run_pick_span(v, PREFIX_AREA_SIZE, &off, &a.len);
	a.va = off;
	a.gaddr = run_prefix(v->id) + off;
	access_checked(v, &a, v->lowcore + off);
}

/* ---- discard (DIAG 10) --------------------------------------------------------------------- */

/* Keep the host thread from moving the segment while a discard runs in it. */
static bool seg_discard_lock(struct run *r, unsigned long seg)
{
	int s = atomic_load(&r->seg_discard[seg]);

	do {
		if (s < 0)
			return false;
	} while (!atomic_compare_exchange_weak(&r->seg_discard[seg], &s, s + 1));
	return true;
}

/*
 * The guest releases one of its pages. Done by the owner, as the guest would,
 * because it changes the contents: the model becomes zeroes. While the host
 * thread moves the segment the discard would miss the copy it takes, so the
 * guest tries again another time.
 */
static void discard(struct run_vcpu *v, unsigned long d)
{
	struct run *r = v->run;
	unsigned long gaddr = r->lay.reserved + (d << PAGE_SHIFT);
	unsigned long seg = gaddr >> _SEGMENT_SHIFT;
	int rc;

	if (!seg_discard_lock(r, seg)) {
		v->c.discards_deferred++;
		return;
	}
	rc = gmap_discard(r->gmap, gaddr, gaddr + PAGE_SIZE);
	if (rc) {
		run_fail(r, gaddr, "vcpu %u: gmap_discard(0x%lx): %s", v->id, gaddr, strerror(-rc));
	} else {
		run_model_zero(v, d);
		v->c.discards++;
	}
	atomic_fetch_sub(&r->seg_discard[seg], 1);
}

/* ---- the loop ------------------------------------------------------------------------------ */

static bool host_events_on(const struct run *r)
{
	for (int e = 0; e < EV_DISCARD; e++)
		if (r->cfg.rate[e] > 0)
			return true;
	return false;
}

/* Wait while the host thread is more than RUN_PACE_SLACK accesses behind. */
static void pace(struct run_vcpu *v)
{
	struct run *r = v->run;

	while (run_total_accesses(r) > atomic_load(&r->covered) + RUN_PACE_SLACK &&
	       !atomic_load_explicit(&r->stop, memory_order_relaxed))
		run_nap(50000);
}

/* --deterministic: one access of the turn's quantum; at its end the next thread runs. */
static void take_turns(struct run_vcpu *v)
{
	if (!v->turn_left)
		v->turn_left = run_sched_yield(&v->run->sched, v->id);
	v->turn_left--;
}

static void step(struct run_vcpu *v, uint32_t discard_below)
{
	uint64_t x = run_rand(&v->rng);
	unsigned int sel = (unsigned int)(x % 20);

	if ((uint32_t)(x >> 32) < discard_below)
		discard(v, run_pick_page(v));
	/* A nested vCPU runs guest-3 but for one step in 8, which is guest-2's own work. */
	v->c.steps++;
	if (v->nested && (x >> 40) & 7) {
		v->c.g3_steps++;
		run_nested_step(v, x);
	} else if (sel < 2)
		lowcore_access(v, (x >> 8) & 1);
	else
		data_access(v, sel & 1 ? MODE_DAT : MODE_ABS, (x >> 8) & 1);
	/* Now and then a new page joins the hot set. */
	if (!(x >> 54))
		v->hot[(x >> 16) % 32] = (x >> 21) % v->nown;
}

static void workload(struct run_vcpu *v)
{
	struct run *r = v->run;
	bool paced = host_events_on(r);
	double p = r->cfg.rate[EV_DISCARD] / 1000.0;
	uint32_t discard_below = p >= 1.0 ? UINT32_MAX : (uint32_t)(p * 4294967296.0);
	unsigned long n = 0;

	for (unsigned int i = 0; i < 32; i++)
		v->hot[i] = run_rand(&v->rng) % v->nown;
	v->cursor = run_rand(&v->rng) % v->nown;
	/* With --ops, a quota of 0 (fewer ops than vCPUs) means nothing to do. */
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed) &&
	       (!r->cfg.ops || n < v->quota)) {
		if (r->cfg.deterministic)
			take_turns(v);
		else if (paced && !(n & 63))
			pace(v);
		step(v, discard_below);
		atomic_store_explicit(&v->done, ++n, memory_order_relaxed);
	}
}

/**
 * run_vcpu_thread() - body of a vCPU thread
 * @arg: its struct run_vcpu
 *
 * The vCPU is created here, on the thread that enables the gmap, and left for
 * run_teardown() to destroy after the counters have been read. With
 * --deterministic it runs only in its turns (run_sched.c).
 *
 * Return: NULL.
 */
void *run_vcpu_thread(void *arg)
{
	struct run_vcpu *v = arg;
	struct run *r = v->run;

	/* Deterministic: everything the thread does to shared state is done in turns. */
	if (r->cfg.deterministic)
		v->turn_left = run_sched_wait(&r->sched, v->id);
	gmap_enable(r->gmap);
	v->vcpu = vcpu_create();
	v->rc = v->vcpu ? vcpu_set_prefix(v->vcpu, run_prefix(v->id)) : -ENOMEM;
	if (!v->rc && v->nested)
		v->rc = run_nested_start(v);
	if (v->rc) {
		run_fail(r, 0, "vcpu %u: cannot start: %s", v->id, strerror(-v->rc));
	} else {
		double cpu = run_thread_cpu();

		workload(v);
		v->cpu_s = run_thread_cpu() - cpu;
		if (v->nested)
			run_nested_sweep(v);
	}
	if (v->vcpu) {
		vcpu_get_stats(v->vcpu, &v->stats);
		vcpu_get_vsie_stats(v->vcpu, &v->vsie);
	}
	gmap_disable(r->gmap);
	if (r->cfg.deterministic)
		run_sched_leave(&r->sched, v->id);
	atomic_fetch_sub(&r->running, 1);
	return NULL;
}
