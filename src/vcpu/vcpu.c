// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: guest memory access through the enabled gmap, with a software TLB.
 *
 * Coherence protocol. A translation is looked up (TLB) or walked (lock-free DAT
 * walk of the gmap tables under RCU) after reading the vCPU's generation; the
 * copy then happens inside an access window (seq odd) that first re-checks the
 * generation. A purger (host PTE change, gmap unlink, ...) bumps the generation
 * and waits for a window that is open to close. So either the copy sees the new
 * generation and starts over, or the purger waits until the copy into the old
 * frame is done before it goes on to copy, free or reuse that frame. Nothing in
 * a window takes a lock, so a purger holding page-table locks cannot deadlock
 * with it. Both sides use sequentially consistent atomics (a Dekker pattern).
 *
 * The first access to an mm has a second Dekker pairing, with the IPTE: the vCPU
 * publishes its TLB listener and then walks; the IPTE stores the invalid PTE and
 * then reads the listeners. Registration ends with a seq_cst fence and the IPTE
 * has one between its store and its read (src/mm/pgtable.c), so by the C11 fence
 * rules either the walk sees the invalid PTE or the IPTE calls the listener.
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>
#include <gmap/vcpu.h>

#include "core/alloc_internal.h"
#include "core/rcu.h"
#include "vcpu_internal.h"

static const struct tlb_space absolute_space = { false, 0 };

void (*vcpu_test_hook)(struct vcpu *vcpu, enum vcpu_hook_point point);

static void test_hook(struct vcpu *v, enum vcpu_hook_point point)
{
	if (vcpu_test_hook)
		vcpu_test_hook(v, point);
}

static CDS_LIST_HEAD(all_vcpus);
static DEFINE_SPINLOCK(all_vcpus_lock);
static pthread_once_t notifier_once = PTHREAD_ONCE_INIT;
static struct gmap_notifier prefix_notifier;

/* ---- purges ---------------------------------------------------------------------------- */

/* Invalidate everything the vCPU cached and wait for an open copy window to close. */
static void vcpu_purge_wait(struct vcpu *v)
{
	unsigned long s;

	atomic_fetch_add(&v->gen, 1);
	atomic_fetch_add_explicit(&v->purges, 1, memory_order_relaxed);
	s = atomic_load(&v->seq);
	if (s & 1)
		while (atomic_load(&v->seq) == s)
			sched_yield();
}

static struct vcpu *listener_vcpu(struct mm_tlb_listener *l)
{
	return caa_container_of(l, struct vcpu, listener);
}

static void vcpu_ipte(struct mm_tlb_listener *l, struct mm_struct *mm, unsigned long addr,
		      pte_t *ptep)
{
	(void)mm;
	(void)addr;
	(void)ptep;
	vcpu_purge_wait(listener_vcpu(l));
}

static void vcpu_flush_all(struct mm_tlb_listener *l, struct mm_struct *mm, unsigned long asce)
{
	(void)mm;
	(void)asce;
	vcpu_purge_wait(listener_vcpu(l));
}

void vcpu_purge_tlb(struct vcpu *vcpu)
{
	if (vcpu)
		vcpu_purge_wait(vcpu);
}

/* ---- prefix notifier ------------------------------------------------------------------- */

/* Flag the vCPUs whose prefix pages on @gmap are about to change (KVM's kvm_gmap_notifier). */
static void prefix_notify(struct gmap *gmap, unsigned long start, unsigned long end)
{
	unsigned long prefix;
	struct vcpu *v;

	if (!gmap_is_shadow(gmap) && start >= 1UL << 31)
		return;
	gm_rcu_read_lock();
	gm_list_for_each_entry_rcu(v, &all_vcpus, node)
	{
		if (gmap_is_shadow(gmap)) {
			vsie_prefix_notify(v, gmap, start, end);
			continue;
		}
		prefix = __atomic_load_n(&v->prefix, __ATOMIC_RELAXED);
		if (atomic_load(&v->gmap_seqno) == gmap->seqno && prefix <= end &&
		    start <= prefix + 2 * PAGE_SIZE - 1)
			atomic_store(&v->prefix_stale, true);
	}
	gm_rcu_read_unlock();
}

static void register_prefix_notifier(void)
{
	prefix_notifier.notifier_call = prefix_notify;
	gmap_register_pte_notifier(&prefix_notifier);
}

/* ---- lifecycle ------------------------------------------------------------------------- */

struct vcpu *vcpu_create(void)
{
	struct vcpu *v = gm_zalloc_at(GM_SITE_VCPU_STRUCT, sizeof(*v));

	if (!v)
		return NULL;
	pthread_once(&notifier_once, register_prefix_notifier);
	atomic_init(&v->gen, 1); /* zeroed TLB entries have generation 0: invalid */
	atomic_init(&v->seq, 0);
	atomic_init(&v->prefix_stale, false);
	atomic_init(&v->gmap_seqno, 0);
	atomic_init(&v->purges, 0);
	v->listener.ipte = vcpu_ipte;
	v->listener.flush_all = vcpu_flush_all;
	spin_lock(&all_vcpus_lock);
	gm_list_add_rcu(&v->node, &all_vcpus);
	spin_unlock(&all_vcpus_lock);
	return v;
}

/* Stop following the purges of the mm last accessed, and let go of it. */
static void vcpu_unsubscribe(struct vcpu *v)
{
	if (!v->listener_mm)
		return;
	mm_unregister_tlb_listener(v->listener_mm, &v->listener);
	mmdrop(v->listener_mm);
	v->listener_mm = NULL;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (!vcpu)
		return;
	vsie_release(vcpu);
	vcpu_unsubscribe(vcpu);
	spin_lock(&all_vcpus_lock);
	gm_list_del_rcu(&vcpu->node);
	spin_unlock(&all_vcpus_lock);
	gm_synchronize_rcu();
	gm_free(vcpu);
}

/*
 * The gmap of the calling thread, with this vCPU subscribed to the purges of its
 * mm. Returns NULL with *rc set when there is none or subscribing failed.
 *
 * The subscription holds a reference on the mm, so v->listener_mm cannot be
 * freed and its address reused by another mm while it is set. The gmap is
 * recognised by its sequence number, not its address: a gmap created where a
 * freed one was must still get its prefix pages armed.
 */
struct gmap *vcpu_gmap(struct vcpu *v, int *rc)
{
	struct gmap *g = gmap_get_enabled();

	*rc = -EINVAL;
	if (!g || !g->mm)
		return NULL;
	if (v->listener_mm != g->mm) {
		vcpu_unsubscribe(v);
		*rc = mm_register_tlb_listener(g->mm, &v->listener);
		if (*rc)
			return NULL;
		mmgrab(g->mm);
		v->listener_mm = g->mm;
		vcpu_purge_wait(v);
		test_hook(v, VCPU_HOOK_SUBSCRIBED);
	}
	if (atomic_load(&v->gmap_seqno) != g->seqno) {
		atomic_store(&v->gmap_seqno, g->seqno);
		atomic_store(&v->prefix_stale, true);
		vcpu_purge_wait(v);
	}
	*rc = 0;
	return g;
}

/* ---- absolute translation -------------------------------------------------------------- */

/*
 * Virtual pages are indexed half the TLB away from absolute ones. A DAT-on miss
 * fills an entry for the virtual page and one for its absolute page; when the
 * guest maps one to one, the two slots differed only by the low bits of the table
 * origin and the space bit, so pages a few apart evicted each other's entries on
 * every access (neighbours did, with a 2 MiB aligned table).
 */
static struct tlb_entry *tlb_slot(struct vcpu *v, unsigned long page, struct tlb_space space)
{
	unsigned long half = space.virt ? TLB_ENTRIES / 2 : 0;

	return &v->tlb[((page >> PAGE_SHIFT) ^ (space.asce >> 12) ^ half) & (TLB_ENTRIES - 1)];
}

static bool tlb_hit(const struct tlb_entry *e, unsigned long page, struct tlb_space space,
		    struct gmap *g, unsigned long gen, bool write)
{
	return e->gen == gen && e->page == page && e->space.virt == space.virt &&
	       e->space.asce == space.asce && e->gmap_seqno == g->seqno && (!write || e->writable);
}

/*
 * Record the TEID of a PIC. Counted once per access by the access functions: a
 * failing guest-table read records its PIC too, but the guest takes only the
 * one the walk turns it into.
 */
int vcpu_deliver_pic(struct vcpu *v, unsigned int pic, unsigned long teid)
{
	v->last_teid = teid;
	return (int)pic;
}

static int count_pic(struct vcpu *v, int rc)
{
	if (rc > 0)
		v->stats.pics++;
	return rc;
}

/*
 * gmap_fault() refused a store to @gaddr. Whether the host maps the page
 * read-only (PGM_PROTECTION), not at all (PGM_ADDRESSING) or writable after all
 * (the mapping changed meanwhile: link it, 0 to retry) is decided under one
 * mmap_lock, as gmap_fault() does. A second gmap_fault() for a fetch could find
 * the segment unmapped and mapped again in between, and would turn a store to
 * writable memory into a protection exception.
 */
static int refused_store(struct gmap *g, unsigned long gaddr)
{
	unsigned long vmaddr;
	int rc = -EFAULT;

	mmap_read_lock(g->mm);
	vmaddr = __gmap_translate(g, gaddr);
	if (!IS_ERR_VALUE(vmaddr))
		rc = fixup_user_fault(g->mm, vmaddr, FAULT_FLAG_WRITE, NULL);
	if (!rc) {
		rc = __gmap_link(g, gaddr, vmaddr);
	} else if (rc == -EFAULT && !IS_ERR_VALUE(vmaddr)) {
		rc = fixup_user_fault(g->mm, vmaddr, 0, NULL);
		if (!rc)
			rc = PGM_PROTECTION;
	}
	mmap_read_unlock(g->mm);
	return rc == -EFAULT ? PGM_ADDRESSING : rc;
}

/*
 * Resolve a gmap-level exception with gmap_fault(). Returns 0 to retry, a PIC
 * for the guest, or a negative errno. @laddr is the address the guest used
 * (virtual, real or absolute): a TEID names that one, not @gaddr.
 */
static int resolve_gmap_exception(struct vcpu *v, struct gmap *g, unsigned long gaddr,
				  unsigned long laddr, bool write, unsigned int pic)
{
	int rc;

	if (pic == PGM_ASCE_TYPE || pic == PGM_ADDRESSING || pic == PGM_TRANSLATION_SPEC)
		return vcpu_deliver_pic(v, PGM_ADDRESSING, 0);
	v->stats.faults++;
	rc = gmap_fault(g, gaddr, write ? FAULT_FLAG_WRITE : 0);
	if (rc != -EFAULT)
		return rc;
	if (write) {
		v->stats.faults++;
		rc = refused_store(g, gaddr);
		if (rc == PGM_PROTECTION)
			return vcpu_deliver_pic(v, PGM_PROTECTION,
						(laddr & PAGE_MASK) | TEID_STORE | TEID_PROT_DAT);
		if (rc <= 0)
			return rc;
	}
	return vcpu_deliver_pic(v, PGM_ADDRESSING, 0);
}

/*
 * Translate the guest absolute @gaddr (which the guest addressed as @laddr)
 * through @g. On success *x holds the frame and *gen the generation the
 * translation is valid for.
 */
static int xlate_abs(struct vcpu *v, struct gmap *g, unsigned long gaddr, unsigned long laddr,
		     bool write, struct xlate *x, unsigned long *gen)
{
	unsigned long page = gaddr & PAGE_MASK;
	struct dat_config cfg = { .asce = g->asce };
	struct dat_result res;
	struct tlb_entry *e;
	unsigned int pic;
	int rc;

	for (;;) {
		*gen = atomic_load(&v->gen);
		e = tlb_slot(v, page, absolute_space);
		if (tlb_hit(e, page, absolute_space, g, *gen, write)) {
			v->stats.tlb_hits++;
			x->frame = e->frame;
			x->writable = e->writable;
			return 0;
		}
		v->stats.tlb_misses++;
		gm_rcu_read_lock();
		pic = dat_translate_native(&cfg, page, write ? DAT_STORE : DAT_FETCH, &res);
		gm_rcu_read_unlock();
		if (!pic) {
			x->frame = res.real & PAGE_MASK;
			x->writable = !res.prot;
			*e = (struct tlb_entry){ page, absolute_space, x->frame,
						 *gen, g->seqno,       x->writable };
			test_hook(v, VCPU_HOOK_WALKED);
			return 0;
		}
		if (gmap_is_shadow(g))
			rc = vsie_resolve_exception(v, g, gaddr, write, pic);
		else
			rc = resolve_gmap_exception(v, g, gaddr, laddr, write, pic);
		if (rc)
			return rc;
	}
}

/*
 * Copy between @buf and the frame inside an access window. Returns false if a
 * purge happened since @gen was read: the caller translates again.
 */
static bool copy_in_window(struct vcpu *v, unsigned long gen, unsigned long frame,
			   unsigned long off, void *buf, size_t n, bool write)
{
	bool valid;

	atomic_fetch_add(&v->seq, 1);
	valid = atomic_load(&v->gen) == gen;
	if (valid) {
		if (write)
			memcpy((void *)(frame + off), buf, n);
		else
			memcpy(buf, (void *)(frame + off), n);
	}
	atomic_fetch_add(&v->seq, 1);
	if (!valid)
		v->stats.retries++;
	return valid;
}

/* Re-arm the prefix pages if a host change notified them (KVM_REQ_REFRESH_GUEST_PREFIX). */
static int refresh_prefix(struct vcpu *v, struct gmap *g)
{
	int rc;

	if (!atomic_load(&v->prefix_stale))
		return 0;
	atomic_store(&v->prefix_stale, false);
	rc = gmap_mprotect_notify(g, v->prefix, 2 * PAGE_SIZE, PROT_WRITE);
	v->stats.prefix_refreshes++;
	if (rc) {
		atomic_store(&v->prefix_stale, true);
		return rc == -EFAULT ? vcpu_deliver_pic(v, PGM_ADDRESSING, 0) : rc;
	}
	return 0;
}

/* Access up to the end of one page at guest absolute @gaddr, addressed as @laddr. */
static int access_abs_page(struct vcpu *v, struct gmap *g, unsigned long gaddr, unsigned long laddr,
			   void *buf, size_t n, bool write)
{
	struct xlate x;
	unsigned long gen;
	int rc;

	do {
		rc = xlate_abs(v, g, gaddr, laddr, write, &x, &gen);
		if (rc)
			return rc;
	} while (!copy_in_window(v, gen, x.frame, gaddr & ~PAGE_MASK, buf, n, write));
	return 0;
}

int vcpu_set_prefix(struct vcpu *vcpu, unsigned long prefix)
{
	if (!vcpu || (prefix & ~PREFIX_MASK))
		return -EINVAL;
	__atomic_store_n(&vcpu->prefix, prefix, __ATOMIC_RELAXED);
	atomic_store(&vcpu->prefix_stale, true);
	/* DAT-on entries cache frames after prefixing, which follows translation. */
	vcpu_purge_wait(vcpu);
	return 0;
}

unsigned long vcpu_get_prefix(struct vcpu *vcpu)
{
	return vcpu ? vcpu->prefix : 0;
}

int vcpu_set_dat_features(struct vcpu *vcpu, unsigned int edat, bool iep)
{
	if (!vcpu || edat > 2)
		return -EINVAL;
	vcpu->edat = edat;
	vcpu->iep = iep;
	vcpu_purge_wait(vcpu);
	return 0;
}

/* ---- DAT on: the two-dimensional walk -------------------------------------------------- */

struct guest_reader {
	struct vcpu *v;
	struct gmap *g;
	int err; /* a host failure (or an exit to guest-2) while reading a guest table */
};

/* dat_read_fn over guest storage: each big-endian entry is read through the gmap. */
static int read_guest_entry(void *ctx, unsigned long addr, unsigned long *val)
{
	struct guest_reader *r = ctx;
	unsigned long be;
	int rc = access_abs_page(r->v, r->g, addr, addr, &be, sizeof(be), false);

	if (rc < 0 || rc >= VSIE_EXIT_PGM)
		r->err = rc;
	if (rc)
		return -1; /* an addressing exception for the table entry */
	*val = be64toh(be);
	return 0;
}

/*
 * Translate guest virtual @va: a TLB hit, or the guest's DAT walk followed by
 * the gmap translation of its result. Returns 0 with *x and *gen, or a PIC/errno.
 */
static int xlate_virt(struct vcpu *v, const struct run_ctx *c, unsigned long asce, unsigned long va,
		      bool write, struct xlate *x, unsigned long *gen)
{
	struct gmap *g = c->g;
	struct guest_reader r = { v, g, 0 };
	struct dat_config cfg = {
		.asce = asce, .edat = c->edat, .iep = c->iep, .prefix = c->prefix
	};
	struct tlb_space space = { true, asce };
	unsigned long page = va & PAGE_MASK, abs_gen;
	struct dat_result res;
	struct tlb_entry *e;
	unsigned int pic;
	int rc;

	*gen = atomic_load(&v->gen);
	e = tlb_slot(v, page, space);
	if (tlb_hit(e, page, space, g, *gen, write)) {
		v->stats.tlb_hits++;
		x->frame = e->frame;
		x->writable = e->writable;
		return 0;
	}
	v->stats.tlb_misses++;
	pic = dat_translate(&cfg, page, write ? DAT_STORE : DAT_FETCH, read_guest_entry, &r, &res);
	if (r.err)
		return r.err;
	if (pic)
		return vcpu_deliver_pic(v, pic, res.teid);
	rc = xlate_abs(v, g, res.abs, va, write, x, &abs_gen);
	if (rc)
		return rc;
	if (abs_gen != *gen)
		return -EAGAIN; /* purged meanwhile: start over */
	x->writable = x->writable && !res.prot;
	*e = (struct tlb_entry){ page, space, x->frame, *gen, g->seqno, x->writable };
	return 0;
}

/* Access up to the end of one page at guest virtual @va (DAT on with @asce). */
static int access_virt_page(struct vcpu *v, const struct run_ctx *c, unsigned long asce,
			    unsigned long va, void *buf, size_t n, bool write)
{
	unsigned long gen;
	struct xlate x;
	int rc;

	do {
		do {
			rc = xlate_virt(v, c, asce, va, write, &x, &gen);
		} while (rc == -EAGAIN);
	} while (!rc && !copy_in_window(v, gen, x.frame, va & ~PAGE_MASK, buf, n, write));
	return rc;
}

/* One page of an access, dispatched by the kind of address. */
static int access_page(struct vcpu *v, const struct run_ctx *c, enum addr_kind kind,
		       unsigned long asce, unsigned long addr, void *buf, size_t n, bool write)
{
	switch (kind) {
	case VIRTUAL:
		return access_virt_page(v, c, asce, addr, buf, n, write);
	case REAL:
		return access_abs_page(v, c->g, dat_real_to_abs(addr, c->prefix), addr, buf, n,
				       write);
	default:
		return access_abs_page(v, c->g, addr, addr, buf, n, write);
	}
}

/* The pages of an access, one by one, with the CPU state of @c. */
int vcpu_access(struct vcpu *v, const struct run_ctx *c, enum addr_kind kind, unsigned long asce,
		unsigned long addr, void *buf, size_t len, bool write)
{
	unsigned long n;
	int rc = 0;

	while (!rc && len) {
		n = PAGE_SIZE - (addr & ~PAGE_MASK);
		if (n > len)
			n = len;
		rc = access_page(v, c, kind, asce, addr, buf, n, write);
		addr += n;
		buf = (char *)buf + n;
		len -= n;
		if (!rc && len && !addr) /* wrapped around the address space */
			rc = vcpu_deliver_pic(v, PGM_ADDRESSING, 0);
	}
	return rc;
}

/* Every access: check, find the gmap, re-arm the prefix pages, then page by page. */
static int guest_access(struct vcpu *v, enum addr_kind kind, unsigned long asce, unsigned long addr,
			void *buf, size_t len, bool write)
{
	struct run_ctx c;
	int rc;

	if (!v || (!buf && len))
		return -EINVAL;
	c.g = vcpu_gmap(v, &rc);
	if (!c.g)
		return rc;
	c.prefix = v->prefix;
	c.edat = v->edat;
	c.iep = v->iep;
	v->stats.accesses++;
	rc = refresh_prefix(v, c.g);
	if (!rc)
		rc = vcpu_access(v, &c, kind, asce, addr, buf, len, write);
	return count_pic(v, rc);
}

int vcpu_read(struct vcpu *vcpu, unsigned long gaddr, void *buf, size_t len)
{
	return guest_access(vcpu, ABSOLUTE, 0, gaddr, buf, len, false);
}

int vcpu_write(struct vcpu *vcpu, unsigned long gaddr, const void *buf, size_t len)
{
	return guest_access(vcpu, ABSOLUTE, 0, gaddr, (void *)buf, len, true);
}

int vcpu_read_real(struct vcpu *vcpu, unsigned long raddr, void *buf, size_t len)
{
	return guest_access(vcpu, REAL, 0, raddr, buf, len, false);
}

int vcpu_write_real(struct vcpu *vcpu, unsigned long raddr, const void *buf, size_t len)
{
	return guest_access(vcpu, REAL, 0, raddr, (void *)buf, len, true);
}

int vcpu_read_virt(struct vcpu *vcpu, unsigned long asce, unsigned long va, void *buf, size_t len)
{
	return guest_access(vcpu, VIRTUAL, asce, va, buf, len, false);
}

int vcpu_write_virt(struct vcpu *vcpu, unsigned long asce, unsigned long va, const void *buf,
		    size_t len)
{
	return guest_access(vcpu, VIRTUAL, asce, va, (void *)buf, len, true);
}

unsigned long vcpu_last_teid(struct vcpu *vcpu)
{
	return vcpu ? vcpu->last_teid : 0;
}

void vcpu_get_stats(struct vcpu *vcpu, struct vcpu_stats *stats)
{
	if (!stats)
		return;
	if (!vcpu) {
		*stats = (struct vcpu_stats){ 0 };
		return;
	}
	*stats = vcpu->stats;
	stats->purges = atomic_load_explicit(&vcpu->purges, memory_order_relaxed);
}
