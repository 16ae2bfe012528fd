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
 * with it. The pairing is a Dekker pattern, in one of two forms chosen once by
 * the first vcpu_create(): asymmetric, where the vCPU opens and closes a window
 * with plain stores and a compiler barrier and the purger, which is rare, runs
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) between its bump and its look at
 * the window; or, where membarrier is missing, fails, is refused by
 * GMAP_VCPU_FENCE=rmw or cannot be seen by ThreadSanitizer, sequentially
 * consistent read-modify-writes on both sides. docs/architecture.md §9 has the
 * argument for both.
 *
 * An IPTE purges precisely: it drops only the entries that can hold the page
 * (vcpu_purge_frame()), between a bump of pstart and one of pseq, which fills
 * and copy windows check; the listeners of one purge share one process barrier
 * in their sync callbacks, and skip it when no vCPU held the page (§9, "Precise
 * purges").
 *
 * The first access to an mm has a second Dekker pairing, with the IPTE: the vCPU
 * publishes its TLB listener and then walks; the IPTE stores the invalid PTE and
 * then reads the listeners. Registration ends with a seq_cst fence and the IPTE
 * has one between its store and its read (src/mm/pgtable.c), so by the C11 fence
 * rules either the walk sees the invalid PTE or the IPTE calls the listener.
 */
#include <endian.h>
#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

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

/* Aligned so that the vCPU pointer a list walk makes of the head is aligned too. */
static struct cds_list_head all_vcpus __attribute__((aligned(VCPU_LINE))) =
	CDS_LIST_HEAD_INIT(all_vcpus);
static DEFINE_SPINLOCK(all_vcpus_lock);
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static struct gmap_notifier prefix_notifier;

/* The window protocol, chosen once by the first vcpu_create(): see the top of the file. */
static bool window_rmw;

static long membarrier(int cmd)
{
	return syscall(__NR_membarrier, cmd, 0, 0);
}

/* Whether membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) is there, registered and works. */
static bool membarrier_ready(void)
{
	long cmds = membarrier(MEMBARRIER_CMD_QUERY);

	return cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
	       (cmds & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) &&
	       !membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) &&
	       !membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
}

static void choose_window_protocol(void)
{
	const char *env = getenv("GMAP_VCPU_FENCE");
	bool tsan = false;

#ifdef GM_TSAN
	/* TSan sees neither a compiler barrier nor membarrier() as ordering anything. */
	tsan = true;
#endif
	window_rmw = tsan || (env && !strcmp(env, "rmw")) || !membarrier_ready();
}

bool vcpu_window_rmw(void)
{
	return window_rmw;
}

/*
 * The purging half of the asymmetric protocol: a full barrier on every thread
 * of the process that runs now (a thread that does not run is between two
 * context switches, which are barriers). Registration and a trial call worked,
 * and the kernel documents no other failure; if one came anyway, the global
 * command (slow, but registration-free) gives the same guarantee.
 */
static atomic_ulong process_barriers;

unsigned long vcpu_process_barriers(void)
{
	return atomic_load_explicit(&process_barriers, memory_order_relaxed);
}

static void process_barrier(void)
{
	atomic_fetch_add_explicit(&process_barriers, 1, memory_order_relaxed);
	if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) && membarrier(MEMBARRIER_CMD_GLOBAL))
		abort(); /* cannot happen once membarrier_ready() said yes */
}

/* ---- purges ---------------------------------------------------------------------------- */

/* Wait until the window @v has open now (if any) has closed. */
static void wait_for_window(struct vcpu *v)
{
	unsigned long s = __atomic_load_n(&v->fast.seq, __ATOMIC_SEQ_CST);

	if (!(s & 1))
		return;
	test_hook(v, VCPU_HOOK_PURGE_WAIT);
	while (__atomic_load_n(&v->fast.seq, __ATOMIC_ACQUIRE) == s)
		sched_yield();
}

/* Invalidate everything the vCPU cached and wait for an open copy window to close. */
static void vcpu_purge_wait(struct vcpu *v)
{
	__atomic_fetch_add(&v->fast.gen, 1, __ATOMIC_SEQ_CST);
	atomic_fetch_add_explicit(&v->purges, 1, memory_order_relaxed);
	if (!window_rmw)
		process_barrier();
	wait_for_window(v);
}

/*
 * A purge that reaches every listener of an mm marks each vCPU in its ipte or
 * flush_all callback, then finishes in the sync callbacks (on the same thread):
 * one process barrier for all the vCPUs, then a wait for each open window. The
 * state of the purge in progress on this thread; the first mark after a sync
 * starts a new purge.
 */
static _Thread_local struct {
	bool synced;	   /* a sync ran: the next mark starts a new purge */
	bool need_wait;	   /* a vCPU had something to drop: barrier and wait */
	bool barrier_done; /* the process barrier of this purge is behind us */
} batch;

/*
 * The vCPU whose full-path access this thread is running, if any. A purge it
 * causes itself (a fault that changes a PTE, a discard) finds no window of it
 * open and its later lookups come after the drop in program order: it needs no
 * barrier and no wait for that vCPU.
 */
static _Thread_local struct vcpu *running_vcpu;

static void batch_mark(bool need_wait)
{
	if (batch.synced)
		batch.synced = batch.need_wait = batch.barrier_done = false;
	batch.need_wait |= need_wait;
}

/*
 * The asymmetric protocol's barrier, once per purge. With the read-modify-write
 * protocol, an RMW of the vCPU's generation that leaves it as it is: the
 * window's seq_cst load of the generation then synchronizes with it (see
 * docs/architecture.md, section 9).
 */
static void batch_barrier(struct vcpu *v)
{
	if (window_rmw)
		__atomic_fetch_add(&v->fast.gen, 0, __ATOMIC_SEQ_CST);
	else if (!batch.barrier_done)
		process_barrier();
	batch.barrier_done = true;
}

static void vcpu_purge_sync(struct mm_tlb_listener *l, struct mm_struct *mm)
{
	struct vcpu *v = caa_container_of(l, struct vcpu, listener);

	(void)mm;
	batch.synced = true;
	if (!batch.need_wait)
		return;
	batch_barrier(v);
	wait_for_window(v);
}

/*
 * Could @e hold host frame @frame: its frame, or for a DAT-on entry the frame of
 * a guest table entry its walk read. Entries of every generation count, those
 * already dropped too (they keep their frame): an access may still be copying
 * through one in a window it opened before the drop.
 */
static bool entry_uses_frame(struct vcpu *v, unsigned long i, unsigned long frame)
{
	const struct vcpu_tlb_entry *e = &v->fast.tlb[i];

	if (__atomic_load_n(&e->frame, __ATOMIC_RELAXED) == frame)
		return true;
	if (!(__atomic_load_n(&e->tag, __ATOMIC_RELAXED) & VCPU_TLB_VIRT))
		return false;
	for (unsigned int k = 0; k < DAT_MAX_STEPS; k++)
		if (__atomic_load_n(&v->tlb_tables[i][k], __ATOMIC_RELAXED) == frame)
			return true;
	return false;
}

/*
 * IPTE, precisely: drop the entries that can hold @frame. The bump of pstart
 * orders this scan after every fill published before it (tlb_fill()); a fill
 * published after it, or whose purge state was read while a scan ran, drops its
 * own entry. The bump of pseq, after the drops, is what an access that looked
 * an entry up outside its window checks inside it. Returns whether an entry used
 * the frame: if none did, no window of this vCPU can be using it
 * (docs/architecture.md, section 9).
 */
static bool vcpu_purge_frame(struct vcpu *v, unsigned long frame)
{
	bool found = false;

	atomic_fetch_add(&v->pstart, 1);
	test_hook(v, VCPU_HOOK_PURGE_SCAN);
	for (unsigned long i = 0; i < TLB_ENTRIES; i++) {
		if (entry_uses_frame(v, i, frame)) {
			/* Through the tag, which every lookup loads anyway. */
			__atomic_store_n(&v->fast.tlb[i].tag, VCPU_TLB_DROPPED, __ATOMIC_RELAXED);
			found = true;
			test_hook(v, VCPU_HOOK_PURGE_DROP);
		}
	}
	atomic_fetch_add(&v->pseq, 1);
	atomic_fetch_add_explicit(&v->purges, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&v->precise_purges, 1, memory_order_relaxed);
	return found;
}

/*
 * A purge on the vCPU's own thread during one of its accesses (a new gmap or mm):
 * no window of it can be open, so the bump is all it takes.
 */
static void vcpu_purge_own(struct vcpu *v)
{
	__atomic_fetch_add(&v->fast.gen, 1, __ATOMIC_SEQ_CST);
	atomic_fetch_add_explicit(&v->purges, 1, memory_order_relaxed);
}

static struct vcpu *listener_vcpu(struct mm_tlb_listener *l)
{
	return caa_container_of(l, struct vcpu, listener);
}

static void vcpu_ipte(struct mm_tlb_listener *l, struct mm_struct *mm, unsigned long addr,
		      pte_t *ptep)
{
	/* The invalidated PTE still names its frame: IPTE only sets the invalid bit. */
	unsigned long frame = __atomic_load_n(&ptep->pte, __ATOMIC_RELAXED) & PAGE_MASK;

	struct vcpu *v = listener_vcpu(l);

	(void)mm;
	(void)addr;
	batch_mark(vcpu_purge_frame(v, frame) && v != running_vcpu);
}

static void vcpu_flush_all(struct mm_tlb_listener *l, struct mm_struct *mm, unsigned long asce)
{
	struct vcpu *v = listener_vcpu(l);

	(void)mm;
	(void)asce;
	__atomic_fetch_add(&v->fast.gen, 1, __ATOMIC_SEQ_CST);
	atomic_fetch_add_explicit(&v->purges, 1, memory_order_relaxed);
	batch_mark(v != running_vcpu);
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
		if (__atomic_load_n(&v->fast.gmap_seqno, __ATOMIC_SEQ_CST) == gmap->seqno &&
		    prefix <= end && start <= prefix + 2 * PAGE_SIZE - 1)
			__atomic_store_n(&v->fast.prefix_stale, 1, __ATOMIC_SEQ_CST);
	}
	gm_rcu_read_unlock();
}

static void vcpu_init(void)
{
	choose_window_protocol();
	prefix_notifier.notifier_call = prefix_notify;
	gmap_register_pte_notifier(&prefix_notifier);
}

/* ---- lifecycle ------------------------------------------------------------------------- */

struct vcpu *vcpu_create(void)
{
	struct vcpu *v =
		gm_aligned_alloc_at(GM_SITE_VCPU_STRUCT, _Alignof(struct vcpu), sizeof(*v));

	if (!v)
		return NULL;
	memset(v, 0, sizeof(*v));
	pthread_once(&init_once, vcpu_init);
	v->fast.gen = 1; /* zeroed TLB entries have generation 0: invalid */
	v->fast.rmw = window_rmw;
	atomic_init(&v->purges, 0);
	atomic_init(&v->pstart, 0);
	atomic_init(&v->pseq, 0);
	atomic_init(&v->precise_purges, 0);
	v->listener.ipte = vcpu_ipte;
	v->listener.flush_all = vcpu_flush_all;
	v->listener.sync = vcpu_purge_sync;
	spin_lock(&all_vcpus_lock);
	gm_list_add_rcu(&v->node, &all_vcpus);
	spin_unlock(&all_vcpus_lock);
	return v;
}

/* Stop following the purges of the mm last accessed, and let go of it. */
static void vcpu_unsubscribe(struct vcpu *v)
{
	/* No purge reaches the TLB from here on: the fast paths must not use it. */
	__atomic_store_n(&v->fast.gmap_seqno, 0, __ATOMIC_SEQ_CST);
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
		vcpu_purge_own(v);
		test_hook(v, VCPU_HOOK_SUBSCRIBED);
	}
	if (__atomic_load_n(&v->fast.gmap_seqno, __ATOMIC_SEQ_CST) != g->seqno) {
		__atomic_store_n(&v->fast.prefix_stale, 1, __ATOMIC_SEQ_CST);
		vcpu_purge_own(v);
		__atomic_store_n(&v->fast.gmap_seqno, g->seqno, __ATOMIC_SEQ_CST);
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
static struct vcpu_tlb_entry *tlb_slot(struct vcpu *v, unsigned long page, struct tlb_space space)
{
	unsigned long half = space.virt ? TLB_ENTRIES / 2 : 0;

	return &v->fast.tlb[((page >> PAGE_SHIFT) ^ (space.asce >> 12) ^ half) & (TLB_ENTRIES - 1)];
}

/* The tag of @page in @space: what a fetch compares; a store also needs VCPU_TLB_RO clear. */
static unsigned long tlb_tag(unsigned long page, struct tlb_space space)
{
	return page | (space.virt ? VCPU_TLB_VIRT : 0);
}

/*
 * Does @e translate @page of @space for @g in generation @gen? On a hit, the
 * frame and whether stores may go there are in *@x. The tag is atomic: a precise
 * purge on another thread drops the entry by storing VCPU_TLB_DROPPED there.
 */
static bool tlb_hit(const struct vcpu_tlb_entry *e, unsigned long page, struct tlb_space space,
		    struct gmap *g, unsigned long gen, bool write, struct xlate *x)
{
	unsigned long tag = __vcpu_tlb_tag(e);

	if ((write ? tag : tag & ~VCPU_TLB_RO) != tlb_tag(page, space) || e->gen != gen ||
	    e->asce != space.asce || e->gmap_seqno != g->seqno)
		return false;
	x->frame = e->frame;
	x->writable = !(tag & VCPU_TLB_RO);
	return true;
}

/*
 * The purge state a translation starts from: its copy is good only while gen and
 * pseq hold; it may fill an entry only if no precise purge was scanning (pstart
 * == pseq: pseq is read first, and every purge bumps pstart before pseq).
 */
struct tlb_token {
	unsigned long gen;
	unsigned long pseq;
	unsigned long pstart;
};

static void tlb_token_read(struct vcpu *v, struct tlb_token *tok)
{
	tok->gen = __atomic_load_n(&v->fast.gen, __ATOMIC_SEQ_CST);
	tok->pseq = atomic_load(&v->pseq);
	tok->pstart = atomic_load(&v->pstart);
}

static bool tlb_token_equal(const struct tlb_token *a, const struct tlb_token *b)
{
	return a->gen == b->gen && a->pseq == b->pseq && a->pstart == b->pstart;
}

/*
 * Write entry @e for a translation made since @tok was read, and publish it:
 * the fields a purger scans are atomic, and a read-modify-write of pstart comes
 * after them. RMWs of one variable are totally ordered: either this one comes
 * before a precise purge's bump of pstart, which then synchronizes with it and
 * its scan sees the entry, or it reads that bump and the entry is dropped again
 * here (the purge may have scanned before the entry was written). A token read
 * while a scan ran is refused too: the translation may come from an entry the
 * scan has yet to drop, and the entry made from it go to a slot the scan has
 * passed (a DAT-on entry made from an absolute hit). Returns false then:
 * translate again. @tables: for a DAT-on entry, the frames of the guest table
 * entries read, else NULL.
 */
static bool tlb_fill(struct vcpu *v, struct vcpu_tlb_entry *e, unsigned long page,
		     struct tlb_space space, const struct xlate *x, const struct tlb_token *tok,
		     struct gmap *g, const unsigned long *tables)
{
	unsigned long i = (unsigned long)(e - v->fast.tlb);

	__atomic_store_n(&e->gen, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&e->tag, tlb_tag(page, space) | (x->writable ? 0 : VCPU_TLB_RO),
			 __ATOMIC_RELAXED);
	e->gmap_seqno = g->seqno;
	e->asce = space.asce;
	__atomic_store_n(&e->frame, x->frame, __ATOMIC_RELAXED);
	if (tables)
		for (unsigned int k = 0; k < DAT_MAX_STEPS; k++)
			__atomic_store_n(&v->tlb_tables[i][k], tables[k], __ATOMIC_RELAXED);
	__atomic_store_n(&e->gen, tok->gen, __ATOMIC_RELAXED);
	if (atomic_fetch_add(&v->pstart, 0) == tok->pstart && tok->pstart == tok->pseq)
		return true;
	__atomic_store_n(&e->gen, 0, __ATOMIC_RELAXED);
	v->stats.retries++;
	if (tok->pstart != tok->pseq)
		sched_yield(); /* a purger is scanning: let it finish */
	return false;
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
 * Walk @g's tables for @page: the lean walker, prepared once per gmap ASCE (its
 * configuration depends on nothing else), and where it does not translate (any
 * exception, anything unusual) the exact walker, whose answer that then is.
 * Returns 0 with *x filled in, or the PIC.
 */
static unsigned int gmap_walk(struct vcpu *v, struct gmap *g, unsigned long page, bool write,
			      struct xlate *x)
{
	struct dat_config cfg = { .asce = g->asce };
	struct dat_lean_result r;
	struct dat_result res;
	unsigned int pic;

	if (v->lean_asce != g->asce) {
		dat_lean_init(&v->lean, &cfg);
		v->lean_asce = g->asce;
	}
	/* No prefixing in a gmap walk: the absolute address is the real one. */
	r = dat_lean_walk(&v->lean, page, write ? DAT_STORE : DAT_FETCH);
	if (r.info) {
		x->frame = r.abs & PAGE_MASK;
		x->writable = !(r.info & DAT_LEAN_PROT);
		return 0;
	}
	pic = dat_translate_native(&cfg, page, write ? DAT_STORE : DAT_FETCH, &res);
	x->frame = res.real & PAGE_MASK;
	x->writable = !res.prot;
	return pic;
}

/*
 * Translate the guest absolute @gaddr (which the guest addressed as @laddr)
 * through @g. On success *x holds the frame and *tok the purge state the
 * translation is valid for.
 */
static int xlate_abs(struct vcpu *v, struct gmap *g, unsigned long gaddr, unsigned long laddr,
		     bool write, struct xlate *x, struct tlb_token *tok)
{
	unsigned long page = gaddr & PAGE_MASK;
	struct vcpu_tlb_entry *e;
	unsigned int pic;
	bool filled;
	int rc;

	for (;;) {
		tlb_token_read(v, tok);
		e = tlb_slot(v, page, absolute_space);
		if (tlb_hit(e, page, absolute_space, g, tok->gen, write, x)) {
			v->stats.tlb_hits++;
			test_hook(v, VCPU_HOOK_HIT);
			return 0;
		}
		v->stats.tlb_misses++;
		gm_rcu_read_lock();
		pic = gmap_walk(v, g, page, write, x);
		gm_rcu_read_unlock();
		if (!pic) {
			test_hook(v, VCPU_HOOK_FILL);
			filled = tlb_fill(v, e, page, absolute_space, x, tok, g, NULL);
			test_hook(v, VCPU_HOOK_FILLED);
			if (!filled)
				continue; /* a precise purge raced the fill: walk again */
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
 * purge happened since @tok was read: the caller translates again. A whole purge
 * bumped the generation; a precise one may have dropped the entry the frame
 * came from, and bumped pseq after it did.
 */
static bool copy_in_window(struct vcpu *v, const struct tlb_token *tok, unsigned long frame,
			   unsigned long off, void *buf, size_t n, bool write)
{
	bool valid =
		__vcpu_window_open(&v->fast) == tok->gen &&
		atomic_load_explicit(&v->pseq, v->fast.rmw ? memory_order_seq_cst
							   : memory_order_acquire) == tok->pseq;

	if (valid) {
		test_hook(v, VCPU_HOOK_WINDOW);
		if (write)
			memcpy((void *)(frame + off), buf, n);
		else
			memcpy(buf, (void *)(frame + off), n);
	}
	__vcpu_window_close(&v->fast);
	if (!valid)
		v->stats.retries++;
	return valid;
}

/* Re-arm the prefix pages if a host change notified them (KVM_REQ_REFRESH_GUEST_PREFIX). */
static int refresh_prefix(struct vcpu *v, struct gmap *g)
{
	int rc;

	if (!__atomic_load_n(&v->fast.prefix_stale, __ATOMIC_SEQ_CST))
		return 0;
	__atomic_store_n(&v->fast.prefix_stale, 0, __ATOMIC_SEQ_CST);
	rc = gmap_mprotect_notify(g, v->prefix, 2 * PAGE_SIZE, PROT_WRITE);
	v->stats.prefix_refreshes++;
	if (rc) {
		__atomic_store_n(&v->fast.prefix_stale, 1, __ATOMIC_SEQ_CST);
		return rc == -EFAULT ? vcpu_deliver_pic(v, PGM_ADDRESSING, 0) : rc;
	}
	return 0;
}

/*
 * Access up to the end of one page at guest absolute @gaddr, addressed as @laddr.
 * *@frame (if not NULL) receives the host frame the copy went to.
 */
static int access_abs_page_frame(struct vcpu *v, struct gmap *g, unsigned long gaddr,
				 unsigned long laddr, void *buf, size_t n, bool write,
				 unsigned long *frame)
{
	struct tlb_token tok;
	struct xlate x;
	int rc;

	do {
		rc = xlate_abs(v, g, gaddr, laddr, write, &x, &tok);
		if (rc)
			return rc;
	} while (!copy_in_window(v, &tok, x.frame, gaddr & ~PAGE_MASK, buf, n, write));
	if (frame)
		*frame = x.frame;
	return 0;
}

static int access_abs_page(struct vcpu *v, struct gmap *g, unsigned long gaddr, unsigned long laddr,
			   void *buf, size_t n, bool write)
{
	return access_abs_page_frame(v, g, gaddr, laddr, buf, n, write, NULL);
}

int vcpu_set_prefix(struct vcpu *vcpu, unsigned long prefix)
{
	if (!vcpu || (prefix & ~PREFIX_MASK))
		return -EINVAL;
	__atomic_store_n(&vcpu->prefix, prefix, __ATOMIC_RELAXED);
	__atomic_store_n(&vcpu->fast.prefix_stale, 1, __ATOMIC_SEQ_CST);
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
	unsigned int ntables;
	unsigned long tables[DAT_MAX_STEPS]; /* the host frames of the entries read */
};

/*
 * dat_read_fn over guest storage: each big-endian entry is read through the
 * gmap, and the host frame it lies in noted for the entry the walk forms (an
 * IPTE of that frame drops it).
 */
static int read_guest_entry(void *ctx, unsigned long addr, unsigned long *val)
{
	struct guest_reader *r = ctx;
	unsigned long be, frame;
	int rc = access_abs_page_frame(r->v, r->g, addr, addr, &be, sizeof(be), false, &frame);

	if (rc < 0 || rc >= VSIE_EXIT_PGM)
		r->err = rc;
	if (rc)
		return -1; /* an addressing exception for the table entry */
	if (r->ntables < DAT_MAX_STEPS)
		r->tables[r->ntables++] = frame;
	*val = be64toh(be);
	return 0;
}

/*
 * Translate guest virtual @va: a TLB hit, or the guest's DAT walk followed by
 * the gmap translation of its result. Returns 0 with *x and *tok, or a PIC/errno.
 */
static int xlate_virt(struct vcpu *v, const struct run_ctx *c, unsigned long asce, unsigned long va,
		      bool write, struct xlate *x, struct tlb_token *tok)
{
	struct gmap *g = c->g;
	struct guest_reader r = { .v = v, .g = g };
	struct dat_config cfg = {
		.asce = asce, .edat = c->edat, .iep = c->iep, .prefix = c->prefix
	};
	struct tlb_space space = { true, asce };
	unsigned long page = va & PAGE_MASK;
	struct tlb_token abs_tok;
	struct dat_result res;
	struct vcpu_tlb_entry *e;
	unsigned int pic;
	bool filled;
	int rc;

	tlb_token_read(v, tok);
	e = tlb_slot(v, page, space);
	if (tlb_hit(e, page, space, g, tok->gen, write, x)) {
		v->stats.tlb_hits++;
		test_hook(v, VCPU_HOOK_HIT);
		return 0;
	}
	v->stats.tlb_misses++;
	pic = dat_translate(&cfg, page, write ? DAT_STORE : DAT_FETCH, read_guest_entry, &r, &res);
	if (r.err)
		return r.err;
	if (pic)
		return vcpu_deliver_pic(v, pic, res.teid);
	rc = xlate_abs(v, g, res.abs, va, write, x, &abs_tok);
	if (rc)
		return rc;
	if (!tlb_token_equal(&abs_tok, tok))
		return -EAGAIN; /* purged meanwhile: start over */
	x->writable = x->writable && !res.prot;
	test_hook(v, VCPU_HOOK_FILL);
	filled = tlb_fill(v, e, page, space, x, tok, g, r.tables);
	test_hook(v, VCPU_HOOK_FILLED);
	return filled ? 0 : -EAGAIN;
}

/* Access up to the end of one page at guest virtual @va (DAT on with @asce). */
static int access_virt_page(struct vcpu *v, const struct run_ctx *c, unsigned long asce,
			    unsigned long va, void *buf, size_t n, bool write)
{
	struct tlb_token tok;
	struct xlate x;
	int rc;

	/*
	 * Through a shadow (guest-3), -EAGAIN goes up to sie_access(), whose retries are
	 * bounded and which takes a new shadow when this one was removed: retried here, a
	 * removed shadow, or a guest-3 table in a page its own shadow is built from (each
	 * table read's shadow fault purges again), would livelock the access.
	 */
	bool shadow = gmap_is_shadow(c->g);

	do {
		do {
			rc = xlate_virt(v, c, asce, va, write, &x, &tok);
		} while (rc == -EAGAIN && !shadow);
	} while (!rc && !copy_in_window(v, &tok, x.frame, va & ~PAGE_MASK, buf, n, write));
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

/* guest_access() @how: an enum addr_kind, ORed with this for a store. */
#define ACCESS_WRITE 0x100u

/*
 * Every access: check, find the gmap, re-arm the prefix pages, then page by page.
 * Out of line, so that the lean hit path in front of it saves no registers; six
 * arguments (the kind and the direction in one), so that its callers reach it
 * with a tail call, in registers.
 */
static __attribute__((noinline)) int guest_access(struct vcpu *v, unsigned int how,
						  unsigned long asce, unsigned long addr, void *buf,
						  size_t len)
{
	struct vcpu *outer = running_vcpu;
	struct run_ctx c;
	int rc;

	enum addr_kind kind = how & ~ACCESS_WRITE;
	bool write = how & ACCESS_WRITE;

	if (!v || (!buf && len))
		return -EINVAL;
	c.g = vcpu_gmap(v, &rc);
	if (!c.g)
		return rc;
	c.prefix = v->prefix;
	c.edat = v->edat;
	c.iep = v->iep;
	v->stats.accesses++;
	running_vcpu = v;
	rc = refresh_prefix(v, c.g);
	if (!rc)
		rc = vcpu_access(v, &c, kind, asce, addr, buf, len, write);
	running_vcpu = outer;
	return count_pic(v, rc);
}

/*
 * The end of a hit that lean_access() does not make inline: any size but 8
 * bytes, or a test hook to call inside the window. Out of line so that the
 * calls here cost the 8-byte hit no register saves. Returns 0.
 */
static __attribute__((noinline)) int lean_copy(struct vcpu *v, bool rmw, void *p, void *buf,
					       size_t len, bool write)
{
	test_hook(v, VCPU_HOOK_WINDOW);
	memcpy(write ? p : buf, write ? buf : p, len);
	__vcpu_window_close_as(&v->fast, rmw);
	v->stats.accesses++;
	v->stats.tlb_hits++;
	return 0;
}

/*
 * Every guest-2 access: the hit path, or guest_access(). The hit path is one
 * page, the TLB probed inside the window, the copy, nothing else. Everything the
 * full path decides (no gmap or another one, prefix pages to re-arm, a page
 * crossing, a miss, a store to an entry that does not allow it) leaves the hit
 * path with nothing done or counted, for guest_access(@v, @how, @asce, @addr,
 * @buf, @len). @gaddr is @addr in @space (absolute, or virtual with the guest
 * ASCE). Every call is a tail call: an 8-byte hit saves no registers.
 */
static inline __attribute__((always_inline)) int
lean_access(struct vcpu *v, unsigned long gaddr, struct tlb_space space, unsigned int how,
	    unsigned long asce, unsigned long addr, void *buf, size_t len)
{
	bool write = how & ACCESS_WRITE;
	struct vcpu_fast *f = &v->fast;
	const struct vcpu_tlb_entry *e;
	unsigned long gen, tag, seqno;
	struct gmap *g;
	bool rmw;
	void *p;

	if (!buf || len - 1 > (~gaddr & ~PAGE_MASK))
		goto full;
	g = enabled_gmap;
	if (!g)
		goto full;
	seqno = g->seqno; /* once: the window's fence would make the compiler load it again */
	if (seqno != __atomic_load_n(&f->gmap_seqno, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&f->prefix_stale, __ATOMIC_RELAXED))
		goto full;
	rmw = f->rmw; /* once: both ends of the window use it */
	gen = __vcpu_window_open_as(f, rmw);
	e = tlb_slot(v, gaddr & PAGE_MASK, space);
	tag = __vcpu_tlb_tag(e); /* a purger may drop the entry */
	tag = write ? tag : tag & ~VCPU_TLB_RO;
	if (tag != tlb_tag(gaddr & PAGE_MASK, space) || e->asce != space.asce || e->gen != gen ||
	    e->gmap_seqno != seqno) {
		__vcpu_window_close_as(f, rmw);
		goto full;
	}
	p = (void *)(e->frame + (gaddr & ~PAGE_MASK));
	/* The common operand, 8 bytes with no test hook set: a move, not a call. */
	if (__builtin_expect(len != 8 || vcpu_test_hook != NULL, 0))
		return lean_copy(v, rmw, p, buf, len, write);
	memcpy(write ? p : buf, write ? buf : p, 8);
	__vcpu_window_close_as(f, rmw);
	v->stats.accesses++;
	v->stats.tlb_hits++;
	return 0;
full:
	return guest_access(v, how, asce, addr, buf, len);
}

int vcpu_read(struct vcpu *vcpu, unsigned long gaddr, void *buf, size_t len)
{
	if (!vcpu)
		return -EINVAL;
	return lean_access(vcpu, gaddr, absolute_space, ABSOLUTE, 0, gaddr, buf, len);
}

int vcpu_write(struct vcpu *vcpu, unsigned long gaddr, const void *buf, size_t len)
{
	if (!vcpu)
		return -EINVAL;
	return lean_access(vcpu, gaddr, absolute_space, ABSOLUTE | ACCESS_WRITE, 0, gaddr,
			   (void *)buf, len);
}

int vcpu_read_real(struct vcpu *vcpu, unsigned long raddr, void *buf, size_t len)
{
	if (!vcpu)
		return -EINVAL;
	return lean_access(vcpu, dat_real_to_abs(raddr, vcpu->prefix), absolute_space, REAL, 0,
			   raddr, buf, len);
}

int vcpu_write_real(struct vcpu *vcpu, unsigned long raddr, const void *buf, size_t len)
{
	if (!vcpu)
		return -EINVAL;
	return lean_access(vcpu, dat_real_to_abs(raddr, vcpu->prefix), absolute_space,
			   REAL | ACCESS_WRITE, 0, raddr, (void *)buf, len);
}

int vcpu_read_virt(struct vcpu *vcpu, unsigned long asce, unsigned long va, void *buf, size_t len)
{
	struct tlb_space space = { true, asce };

	if (!vcpu)
		return -EINVAL;
	return lean_access(vcpu, va, space, VIRTUAL, asce, va, buf, len);
}

int vcpu_write_virt(struct vcpu *vcpu, unsigned long asce, unsigned long va, const void *buf,
		    size_t len)
{
	struct tlb_space space = { true, asce };

	if (!vcpu)
		return -EINVAL;
	return lean_access(vcpu, va, space, VIRTUAL | ACCESS_WRITE, asce, va, (void *)buf, len);
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
	stats->precise_purges = atomic_load_explicit(&vcpu->precise_purges, memory_order_relaxed);
}
