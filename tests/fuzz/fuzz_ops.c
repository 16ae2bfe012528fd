// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: sequences of operations across the public API, applied to the
 * library and to a reference model, compared after every operation.
 *
 * The world: one mm with a window of host memory (8 segments at HOST_BASE), one
 * parent gmap over guest absolute 0 .. 32 MiB, one vCPU on this thread, up to
 * four shadow gmaps built from guest-2 tables that the input writes into guest
 * memory. Host segment 0 stays mapped read-write at guest segment 0: it holds
 * the vCPU's prefix pages, which every vCPU access re-arms when they are stale.
 *
 * The model is deliberately plain: per host page whether it is mapped, its
 * protection, whether it has a frame (yes, no, or unknown after operations whose
 * side effects the model does not follow, such as shadow building), and its bytes;
 * per guest segment the host segment it maps; per host segment the guest segment
 * linked to it (or unknown). From that it predicts the return code of every mm,
 * gmap and vCPU operation and the bytes every read returns. Where it cannot
 * know (an unknown link or frame, an injected allocation failure), it accepts
 * each possible answer and learns the state from the one it got. Shadow
 * operations are checked by gmap_shadow_audit() after every operation, for every
 * live shadow, and by their return codes being among the documented ones.
 *
 * Input: byte 0 is the format version (FORMAT_V*), byte 1 picks the parent's
 * limit; then each operation is an opcode byte and a fixed number of argument
 * bytes (missing bytes read as zero). An ALLOC_FAIL operation makes the Nth
 * allocation of the next operation fail. A version decodes the opcodes it knows
 * (the opcode byte modulo their number) and nothing else, so that an input keeps
 * its meaning when operations are added; an input of an unknown version is
 * rejected (not run, and kept out of libFuzzer's corpus).
 */
#include <endian.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>
#include <gmap/mm.h>
#include <gmap/vcpu.h>

#define HOST_BASE   0x40000000UL
#define HOST_SEGS   8
#define HOST_PAGES  (HOST_SEGS * 256)
#define MAP_SEGS    12 /* host segments a guest segment may map: 4 beyond the window */
#define GUEST_SEGS  32
#define MAX_SHADOWS 4
#define MAX_OPS	    96
#define SEG	    (1UL << 20)

/* Guest-2 tables for guest-3, in guest segment 1 (16 KiB each, page tables 2 KiB). */
static const unsigned long g2_table[5] = { 0x110000, 0x108000, 0x104000, 0x100000, 0x10c000 };
/* index by level: 0 page table, 1 segment, 2 region third, 3 region second, 4 region first */

enum { NO = 0, YES = 1, MAYBE = 2 };
#define LINK_NONE    (-1)
#define LINK_UNKNOWN (-2)

struct mpage {
	unsigned char mapped, prot, present;
	unsigned char *data; /* NULL: all zero */
};

struct model {
	struct mpage page[HOST_PAGES];
	int g2h[GUEST_SEGS]; /* host segment mapped at each guest segment, or -1 */
	int hlink[MAP_SEGS]; /* guest segment linked to each host segment, or LINK_* */
	unsigned long nops;
	unsigned long prefix; /* the vCPU's prefix register (within host segment 0) */
	unsigned int edat;    /* the vCPU's DAT features (CR0) */
	bool iep;
	bool tables_dirty; /* guest memory was stored to since the last TLB purge */
	bool in_sie;	   /* vcpu_sie_enter() succeeded, no exit since */
	unsigned long sie_asce, sie_prefix;
	int sie_edat;
	unsigned int g3_edat; /* guest-3's own DAT features */
	bool g3_iep;
};

struct world {
	struct mm_struct *mm;
	struct gmap *parent;
	struct vcpu *vcpu;
	struct gmap *shadow[MAX_SHADOWS];
	bool armed; /* an allocation failure is armed for this operation */
};

static struct model m;
static struct world w;
static const unsigned char zero_page[4096];

/*
 * Input format versions (byte 0). Never change what a released version decodes:
 * add operations after the last one and a new version that knows them.
 */
enum format {
	FORMAT_V1 = 1, /* the first: mm, gmap, absolute vCPU accesses, shadows */
	FORMAT_V2 = 2, /* + guest-1 DAT-on accesses, vSIE (enter, guest-3 accesses, exit) */
	FORMAT_LAST = FORMAT_V2,
};

static unsigned int fmt;	 /* the input's format version (enum format) */
static const char *trace;	 /* FUZZ_OPS_TRACE set: say what each operation did */
static const char *inject_stale; /* FUZZ_OPS_INJECT_STALE=n: see LLVMFuzzerTestOneInput() */
static const uint8_t *in;
static size_t in_len, in_pos;

static unsigned int u8(void)
{
	return in_pos < in_len ? in[in_pos++] : 0;
}

static unsigned int u16(void)
{
	return u8() | u8() << 8;
}

static unsigned long u64(void)
{
	unsigned long v = 0;

	for (int i = 0; i < 8; i++)
		v |= (unsigned long)u8() << (8 * i);
	return v;
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_ops: op %lu: ", m.nops);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void expect_rc(const char *op, long got, long want)
{
	if (got != want)
		fail("%s returned %ld, the model expects %ld", op, got, want);
}

/* An allocation failure was delivered during this operation; disarms the rest. */
static bool injected(void)
{
	bool hit = w.armed && gm_alloc_fault_injected();

	gm_alloc_fail_nth(0);
	return hit;
}

/* ---- the model --------------------------------------------------------------------------------
 */

static const unsigned char *mdata(unsigned long hp)
{
	return hp < HOST_PAGES && m.page[hp].data ? m.page[hp].data : zero_page;
}

static void mzero(unsigned long hp)
{
	free(m.page[hp].data);
	m.page[hp].data = NULL;
}

static void mstore(unsigned long hp, unsigned int off, const unsigned char *buf, size_t n)
{
	if (!m.page[hp].data) {
		m.page[hp].data = calloc(1, 4096);
		if (!m.page[hp].data)
			abort();
	}
	memcpy(m.page[hp].data + off, buf, n);
	m.tables_dirty = true; /* the guest's DAT tables may have changed */
}

static bool readable(unsigned long hp)
{
	return hp < HOST_PAGES && m.page[hp].mapped && m.page[hp].prot;
}

static bool writable(unsigned long hp)
{
	return hp < HOST_PAGES && m.page[hp].mapped && (m.page[hp].prot & PROT_WRITE);
}

static bool seg_has_mapping(unsigned int hseg)
{
	for (unsigned long p = hseg * 256UL; p < (hseg + 1) * 256UL; p++)
		if (m.page[p].mapped)
			return true;
	return false;
}

/* After VMAs went away from [first, last] pages: the host frees unused page tables. */
static void unmap_pages(unsigned long first, unsigned long n)
{
	for (unsigned long p = first; p < first + n; p++) {
		m.page[p].mapped = 0;
		m.page[p].present = NO;
		mzero(p);
	}
	for (unsigned long s = first / 256; s <= (first + n - 1) / 256; s++)
		if (!seg_has_mapping((unsigned int)s))
			m.hlink[s] = LINK_NONE;
}

static void unlink_guest(unsigned int g)
{
	int h = m.g2h[g];

	if (h >= 0 && m.hlink[h] == (int)g)
		m.hlink[h] = LINK_NONE;
}

/* Host page behind guest page @gp, or -1. */
static long guest_hp(unsigned long gp)
{
	unsigned long g = gp >> 8;

	if (g >= GUEST_SEGS || m.g2h[g] < 0)
		return -1;
	return (long)(m.g2h[g] * 256UL + (gp & 0xff));
}

/*
 * Can guest segment @g link its host segment? 1 yes, 0 no (linked to another
 * guest segment), -1 unknown.
 */
static int link_ok(unsigned int g)
{
	int l = m.hlink[m.g2h[g]];

	if (l == LINK_UNKNOWN)
		return -1;
	return l == LINK_NONE || l == (int)g;
}

/*
 * What resolving a guest page for an access needs: 1 it works, 0 it fails, -1
 * unknown (the link state). With @write, a page that is readable only fails too.
 */
static int guest_page_ok(unsigned long gp, bool write)
{
	long hp = guest_hp(gp);

	if (hp < 0 || !(write ? writable((unsigned long)hp) : readable((unsigned long)hp)))
		return 0;
	return link_ok((unsigned int)(gp >> 8));
}

/* The library answered for guest page @gp: learn the link and the frame. */
static void learn_guest_page(unsigned long gp, bool ok)
{
	long hp = guest_hp(gp);

	if (hp < 0)
		return;
	if (ok) {
		m.hlink[m.g2h[gp >> 8]] = (int)(gp >> 8);
		if (hp < HOST_PAGES)
			m.page[hp].present = YES;
	} else if (hp < HOST_PAGES && m.page[hp].present == NO) {
		/* a fault may have brought the frame in before the link failed */
		m.page[hp].present = MAYBE;
	}
}

/*
 * Which guest segment is linked to which host segment is bookkeeping, not what is
 * tested: after operations whose links the model does not follow, read them from
 * the parent's segment table. A host segment linked twice breaks the one-to-one
 * host_to_guest map.
 */
static void resync_links(void)
{
	for (unsigned int s = 0; s < MAP_SEGS; s++)
		m.hlink[s] = LINK_NONE;
	mmap_read_lock(w.mm);
	spin_lock(&w.parent->guest_table_lock);
	for (unsigned int g = 0; g < GUEST_SEGS; g++) {
		unsigned long *ste = gmap_table_walk(w.parent, g * SEG, 1), *hste;
		int h = m.g2h[g];

		if (!ste || (*ste & _SEGMENT_ENTRY_INVALID))
			continue;
		/* A linked entry designates the page table of the host segment mapped there. */
		hste = h >= 0 ? mm_segment_entry(w.mm, HOST_BASE + (unsigned long)h * SEG) : NULL;
		if (!hste || (*hste & _SEGMENT_ENTRY_INVALID) ||
		    ((*hste ^ *ste) & _SEGMENT_ENTRY_ORIGIN))
			fail("guest segment %u is linked to %lx, not to host segment %d's page "
			     "table",
			     g, *ste, h);
		if (m.hlink[h] != LINK_NONE)
			fail("host segment %d linked to guest segments %d and %u", h, m.hlink[h],
			     g);
		m.hlink[h] = (int)g;
	}
	spin_unlock(&w.parent->guest_table_lock);
	mmap_read_unlock(w.mm);
}

/* Side effects the model does not follow: frames and links of guest memory. */
static void forget_guest_state(void)
{
	resync_links();
	for (unsigned long p = 0; p < HOST_PAGES; p++)
		if (m.page[p].present == NO)
			m.page[p].present = MAYBE;
}

/* ---- checks against the library ------------------------------------------------------------- */

/* Compare host page @hp's bytes with the model (reading it with injection off). */
static void check_page(unsigned long hp)
{
	unsigned char buf[4096];
	int rc;

	if (!readable(hp))
		return;
	gm_alloc_fail_nth(0);
	rc = mm_read(w.mm, HOST_BASE + hp * 4096, buf, sizeof(buf));
	expect_rc("mm_read (check)", rc, 0);
	m.page[hp].present = YES;
	if (memcmp(buf, mdata(hp), 4096))
		fail("host page %lu differs from the model", hp);
}

/*
 * An operation that writes [first, last] pages failed with an injected -ENOMEM part
 * way: each page holds either its old or its new bytes. @expect gives the new
 * bytes of a page (written over the model's copy); the library's answer is taken.
 */
static void resync_partial_write(long *hps, unsigned int n, const unsigned char (*newpg)[4096])
{
	unsigned char buf[4096];

	gm_alloc_fail_nth(0);
	for (unsigned int i = 0; i < n; i++) {
		unsigned long hp;

		if (hps[i] < 0 || !readable((unsigned long)hps[i]))
			continue;
		hp = (unsigned long)hps[i];
		expect_rc("mm_read (resync)", mm_read(w.mm, HOST_BASE + hp * 4096, buf, 4096), 0);
		m.page[hp].present = YES;
		if (!memcmp(buf, newpg[i], 4096))
			mstore(hp, 0, buf, 4096);
		else if (memcmp(buf, mdata(hp), 4096))
			fail("host page %lu is neither its old nor its new content", hp);
	}
}

/* Audit every shadow of the parent: those the input holds and the vCPU's in SIE. */
static void audit_shadows(void)
{
	struct gmap *sg[32], *s;
	int n = 0;

	spin_lock(&w.parent->shadow_lock);
	cds_list_for_each_entry(s, &w.parent->children, list) if (n < 32) sg[n++] = gmap_get(s);
	spin_unlock(&w.parent->shadow_lock);
	for (int i = 0; i < n; i++) {
		unsigned long asce = sg[i]->orig_asce;
		long v = gmap_shadow_audit(sg[i], stderr);

		gmap_put(sg[i]);
		if (v)
			fail("gmap_shadow_audit of the shadow of %lx: %ld violations", asce, v);
	}
	for (int i = 0; i < MAX_SHADOWS; i++) {
		long v;

		if (!w.shadow[i])
			continue;
		v = gmap_shadow_audit(w.shadow[i], stderr);
		if (v)
			fail("gmap_shadow_audit of shadow %d: %ld violations", i, v);
	}
}

/* ---- host operations ---------------------------------------------------------------------- */

static int decode_prot(unsigned int b)
{
	static const int prot[8] = { PROT_NONE,
				     PROT_READ,
				     PROT_READ | PROT_WRITE,
				     PROT_WRITE,
				     PROT_EXEC,
				     PROT_READ | PROT_EXEC,
				     PROT_READ | PROT_WRITE,
				     PROT_READ };

	return prot[b & 7];
}

/* A range of host pages of the window, never in segment 0 when @keep0. */
static void decode_range(unsigned long *first, unsigned long *n, bool keep0)
{
	unsigned long lo = keep0 ? 256 : 0;

	*first = lo + u16() % (HOST_PAGES - lo);
	*n = 1 + u8() % 64;
	if (*n > HOST_PAGES - *first)
		*n = HOST_PAGES - *first;
}

static void op_mmap(void)
{
	unsigned long first, n, rc;
	int prot = decode_prot(u8());
	bool any = false;

	decode_range(&first, &n, true);
	rc = mm_mmap(w.mm, HOST_BASE + first * 4096, n * 4096, prot,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	if (injected() && rc == (unsigned long)-ENOMEM)
		return;
	expect_rc("mm_mmap", (long)rc, (long)(HOST_BASE + first * 4096));
	for (unsigned long p = first; p < first + n; p++)
		any |= m.page[p].mapped;
	if (any)
		unmap_pages(first, n);
	for (unsigned long p = first; p < first + n; p++) {
		m.page[p].mapped = 1;
		m.page[p].prot = (unsigned char)prot;
		m.page[p].present = NO;
		mzero(p);
	}
}

static void op_munmap(void)
{
	unsigned long first, n;
	int rc;

	decode_range(&first, &n, true);
	rc = mm_munmap(w.mm, HOST_BASE + first * 4096, n * 4096);
	if (injected() && rc == -ENOMEM)
		return;
	expect_rc("mm_munmap", rc, 0);
	unmap_pages(first, n);
}

static void op_mprotect(void)
{
	unsigned long first, n;
	int prot = decode_prot(u8()), rc, want = 0;

	decode_range(&first, &n, true);
	for (unsigned long p = first; p < first + n; p++)
		if (!m.page[p].mapped)
			want = -ENOMEM;
	rc = mm_mprotect(w.mm, HOST_BASE + first * 4096, n * 4096, prot);
	if (injected() && rc == -ENOMEM)
		return;
	expect_rc("mm_mprotect", rc, want);
	if (!rc)
		for (unsigned long p = first; p < first + n; p++)
			m.page[p].prot = (unsigned char)prot;
}

static void fill_pattern(unsigned char *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed + i * 0x9d);
}

/* A host range of up to 3 pages for a copy: first page, offset, length. */
static void decode_copy(unsigned long *hp, unsigned int *off, size_t *len)
{
	*hp = u16() % HOST_PAGES;
	*off = u16() & 0xfff;
	*len = 1 + u16() % 9000;
	if (*hp * 4096 + *off + *len > HOST_PAGES * 4096)
		*len = HOST_PAGES * 4096 - *hp * 4096 - *off;
}

static void op_mm_read(void)
{
	unsigned char buf[9000];
	unsigned long hp, addr;
	unsigned int off;
	size_t len;
	int rc, want = 0;

	decode_copy(&hp, &off, &len);
	addr = HOST_BASE + hp * 4096 + off;
	for (unsigned long p = hp; p <= (addr + len - 1 - HOST_BASE) / 4096; p++)
		if (!readable(p)) {
			want = -EFAULT;
			break;
		}
	rc = mm_read(w.mm, addr, buf, len);
	if (injected() && rc == -ENOMEM) {
		forget_guest_state();
		return;
	}
	expect_rc("mm_read", rc, want);
	if (rc)
		return;
	for (size_t i = 0; i < len; i++) {
		unsigned long a = addr - HOST_BASE + i;

		if (buf[i] != mdata(a / 4096)[a % 4096])
			fail("mm_read at host page %lu offset %lu: %02x, the model has %02x",
			     a / 4096, a % 4096, buf[i], mdata(a / 4096)[a % 4096]);
	}
	for (unsigned long p = hp; p <= (addr + len - 1 - HOST_BASE) / 4096; p++)
		m.page[p].present = YES;
}

/*
 * Apply a write of @buf at host window offset @a (bytes) to the model page by page,
 * stopping at the first page @ok refuses; returns the number of pages written.
 */
static void model_write(unsigned long a, const unsigned char *buf, size_t len)
{
	while (len) {
		size_t n = 4096 - a % 4096 < len ? 4096 - a % 4096 : len;

		mstore(a / 4096, (unsigned int)(a % 4096), buf, n);
		m.page[a / 4096].present = YES;
		a += n;
		buf += n;
		len -= n;
	}
}

/* The new contents of the (up to 3) pages a write of @buf at window offset @a touches. */
static unsigned int new_pages(unsigned long a, const unsigned char *buf, size_t len, long *hps,
			      unsigned char (*pg)[4096])
{
	unsigned int k = 0;

	while (len) {
		size_t n = 4096 - a % 4096 < len ? 4096 - a % 4096 : len;

		hps[k] = (long)(a / 4096);
		memcpy(pg[k], mdata(a / 4096), 4096);
		memcpy(pg[k] + a % 4096, buf, n);
		k++;
		a += n;
		buf += n;
		len -= n;
	}
	return k;
}

static void op_mm_write(void)
{
	static unsigned char pg[4][4096];
	unsigned char buf[9000];
	unsigned long hp, addr, p, last;
	unsigned int off, k;
	size_t len, done = 0;
	long hps[4];
	int rc, want = 0;

	decode_copy(&hp, &off, &len);
	fill_pattern(buf, len, u8());
	addr = HOST_BASE + hp * 4096 + off;
	last = (addr + len - 1 - HOST_BASE) / 4096;
	for (p = hp; p <= last; p++) {
		if (!writable(p)) {
			want = -EFAULT;
			break;
		}
	}
	/* the pages before the refused one are written */
	if (want && p > hp)
		done = p * 4096 - (addr - HOST_BASE);
	k = new_pages(addr - HOST_BASE, buf, len, hps, pg);
	rc = mm_write(w.mm, addr, buf, len);
	if (injected() && rc == -ENOMEM) {
		resync_partial_write(hps, k, (const unsigned char(*)[4096])pg);
		forget_guest_state();
		return;
	}
	expect_rc("mm_write", rc, want);
	model_write(addr - HOST_BASE, buf, rc ? done : len);
}

static void op_page_out(void)
{
	unsigned long hp = u16() % HOST_PAGES;
	int rc = mm_page_out(w.mm, HOST_BASE + hp * 4096 + (u8() << 4));
	struct mpage *pg = &m.page[hp];

	if (injected() && rc == -ENOMEM)
		return;
	if (!pg->mapped)
		expect_rc("mm_page_out", rc, -EFAULT);
	else if (pg->present == YES || (pg->present == MAYBE && rc == 0))
		expect_rc("mm_page_out", rc, 0);
	else
		expect_rc("mm_page_out", rc, -ENOENT);
	if (pg->mapped)
		pg->present = NO;
}

static void op_migrate(void)
{
	unsigned long hp = u16() % HOST_PAGES;
	int rc = mm_migrate_page(w.mm, HOST_BASE + hp * 4096);
	struct mpage *pg = &m.page[hp];

	if (injected() && rc == -ENOMEM)
		return;
	if (!pg->mapped)
		expect_rc("mm_migrate_page", rc, -EFAULT);
	else if (pg->present == YES || (pg->present == MAYBE && rc == 0))
		expect_rc("mm_migrate_page", rc, 0);
	else
		expect_rc("mm_migrate_page", rc, -ENOENT);
	if (pg->mapped)
		pg->present = rc ? NO : YES;
}

static void op_discard(void)
{
	unsigned long first, n;
	int rc, want = 0;

	decode_range(&first, &n, false);
	for (unsigned long p = first; p < first + n; p++)
		if (!m.page[p].mapped)
			want = -ENOMEM;
	rc = mm_discard(w.mm, HOST_BASE + first * 4096, n * 4096);
	expect_rc("mm_discard", rc, want);
	if (!rc)
		for (unsigned long p = first; p < first + n; p++) {
			mzero(p);
			m.page[p].present = NO;
		}
}

static void op_fixup(void)
{
	unsigned long hp = u16() % HOST_PAGES;
	bool write = u8() & 1, unlocked = false;
	int rc;

	mmap_read_lock(w.mm);
	rc = fixup_user_fault(w.mm, HOST_BASE + hp * 4096, write ? FAULT_FLAG_WRITE : 0,
			      u8() & 1 ? &unlocked : NULL);
	mmap_read_unlock(w.mm);
	if (injected() && rc == -ENOMEM)
		return;
	expect_rc("fixup_user_fault", rc, (write ? writable(hp) : readable(hp)) ? 0 : -EFAULT);
	if (!rc)
		m.page[hp].present = YES;
}

/* ---- gmap operations ------------------------------------------------------------------------ */

static void op_map_segment(void)
{
	unsigned int from = 1 + u8() % (MAP_SEGS - 1), to = 1 + u8() % (GUEST_SEGS - 1);
	unsigned int n = 1 + u8() % 4, flags = u8();
	unsigned long off = flags & 1 ? 4096 : 0;
	int rc;

	if (from + n > MAP_SEGS)
		n = MAP_SEGS - from;
	if (to + n > GUEST_SEGS)
		n = GUEST_SEGS - to;
	rc = gmap_map_segment(w.parent, HOST_BASE + from * SEG + off, to * SEG, n * SEG);
	if (off) {
		expect_rc("gmap_map_segment (unaligned)", rc, -EINVAL);
		return;
	}
	if (injected() && rc == -ENOMEM) {
		for (unsigned int i = 0; i < n; i++) {
			unlink_guest(to + i);
			m.g2h[to + i] = -1;
		}
		return;
	}
	expect_rc("gmap_map_segment", rc, 0);
	for (unsigned int i = 0; i < n; i++) {
		unlink_guest(to + i);
		m.g2h[to + i] = (int)(from + i);
	}
}

static void op_unmap_segment(void)
{
	unsigned int to = 1 + u8() % (GUEST_SEGS - 1), n = 1 + u8() % 4;

	if (to + n > GUEST_SEGS)
		n = GUEST_SEGS - to;
	expect_rc("gmap_unmap_segment", gmap_unmap_segment(w.parent, to * SEG, n * SEG), 0);
	for (unsigned int i = 0; i < n; i++) {
		unlink_guest(to + i);
		m.g2h[to + i] = -1;
	}
}

/* Accept the library's answer for guest page @gp when the model says @ok (1, 0, -1). */
static void check_guest_rc(const char *op, unsigned long gp, int ok, int rc, int fail_rc)
{
	if (injected() && rc == -ENOMEM) {
		learn_guest_page(gp, false);
		return;
	}
	if (ok < 0) {
		if (rc != 0 && rc != fail_rc)
			fail("%s returned %d (guest page %lx, link unknown)", op, rc, gp);
	} else {
		expect_rc(op, rc, ok ? 0 : fail_rc);
	}
	learn_guest_page(gp, rc == 0);
}

static void op_gmap_fault(void)
{
	unsigned long gp = u16() % (GUEST_SEGS * 256);
	bool write = u8() & 1;
	int rc = gmap_fault(w.parent, gp * 4096 + (u8() << 4), write ? FAULT_FLAG_WRITE : 0);

	check_guest_rc("gmap_fault", gp, guest_page_ok(gp, write), rc, -EFAULT);
}

static void op_gmap_discard(void)
{
	unsigned long gp = u16() % (GUEST_SEGS * 256), n = 1 + u8() % 300;

	expect_rc("gmap_discard", gmap_discard(w.parent, gp * 4096, (gp + n) * 4096), 0);
	for (unsigned long p = gp; p < gp + n; p++) {
		long hp = guest_hp(p);

		if (hp >= 0 && hp < HOST_PAGES && m.page[hp].mapped) {
			mzero((unsigned long)hp);
			m.page[hp].present = NO;
		}
	}
}

static void op_mprotect_notify(void)
{
	static const int prot[3] = { PROT_NONE, PROT_READ, PROT_WRITE };
	unsigned long gp = u16() % (GUEST_SEGS * 256), n = 1 + u8() % 8, p;
	long hp;
	int pr = prot[u8() % 3], rc, ok = 1;

	rc = gmap_mprotect_notify(w.parent, gp * 4096, n * 4096, pr);
	if (injected() && rc == -ENOMEM) {
		for (p = gp; p < gp + n; p++)
			learn_guest_page(p, false);
		forget_guest_state();
		return;
	}
	/* Page by page, in order, up to the first that fails. */
	for (p = gp; p < gp + n && ok == 1; p++) {
		ok = guest_page_ok(p, pr == PROT_WRITE);
		/*
		 * PROT_NONE arms an empty PTE without a fault (the kernel's protection
		 * matrix): it needs no readable page, and gives the page no frame.
		 */
		if (pr == PROT_NONE && guest_hp(p) >= 0 && ok != 1)
			ok = -1;
		if (ok < 0) {
			/* unknown link: the library's answer decides */
			if (rc != 0 && rc != -EFAULT)
				fail("gmap_mprotect_notify returned %d", rc);
			forget_guest_state();
			return;
		}
		learn_guest_page(p, ok);
		hp = guest_hp(p);
		if (ok && pr == PROT_NONE && hp >= 0 && m.page[hp].present == YES)
			m.page[hp].present = MAYBE;
	}
	expect_rc("gmap_mprotect_notify", rc, ok ? 0 : -EFAULT);
}

static void op_read_table(void)
{
	unsigned long gp = u16() % (GUEST_SEGS * 256), off = (u16() & 0xfff) & ~7UL, val = 0, be;
	long hp = guest_hp(gp);
	int rc;

	mmap_read_lock(w.mm);
	rc = gmap_read_table(w.parent, gp * 4096 + off, &val);
	mmap_read_unlock(w.mm);
	check_guest_rc("gmap_read_table", gp, guest_page_ok(gp, false), rc, -EFAULT);
	if (rc)
		return;
	memcpy(&be, mdata((unsigned long)hp) + off, 8);
	if (val != be64toh(be))
		fail("gmap_read_table(%lx) = %lx, the model has %lx", gp * 4096 + off, val,
		     be64toh(be));
}

/* ---- vCPU accesses -------------------------------------------------------------------------- */

/* Prefix page @p (0 or 1) of the vCPU was re-armed (and so faulted in) if it was stale. */
static void prefix_rearmed(int p)
{
	struct mpage *pg = &m.page[m.prefix / 4096 + (unsigned long)p];

	pg->present = pg->present == YES ? YES : MAYBE;
}

/* PIC the model expects for guest page @gp: 0, PGM_PROTECTION, PGM_ADDRESSING, or -1. */
static int vcpu_page_pic(unsigned long gp, bool write)
{
	long hp = guest_hp(gp);
	int l;

	if (hp < 0 || !readable((unsigned long)hp))
		return PGM_ADDRESSING;
	l = link_ok((unsigned int)(gp >> 8));
	if (l <= 0)
		return l < 0 ? -1 : PGM_ADDRESSING;
	if (write && !writable((unsigned long)hp))
		return PGM_PROTECTION;
	return 0;
}

/* The new contents of the pages a vCPU store of @buf at guest @ga touches (-1: none). */
static unsigned int vcpu_new_pages(unsigned long ga, const unsigned char *buf, size_t len,
				   long *hps, unsigned char (*pg)[4096])
{
	unsigned int k = 0;

	while (len) {
		size_t n = 4096 - ga % 4096 < len ? 4096 - ga % 4096 : len;
		long hp = guest_hp(ga / 4096);

		hps[k] = hp >= 0 && hp < HOST_PAGES ? hp : -1;
		if (hps[k] >= 0) {
			memcpy(pg[k], mdata((unsigned long)hp), 4096);
			memcpy(pg[k] + ga % 4096, buf, n);
		}
		k++;
		ga += n;
		buf += n;
		len -= n;
	}
	return k;
}

static void op_vcpu(bool write)
{
	static unsigned char pg[4][4096];
	unsigned char buf[9000];
	unsigned long ga = (u16() % (GUEST_SEGS * 256)) * 4096 + (u16() & 0xfff), a;
	size_t len = 1 + u16() % 9000, done = 0;
	long hps[4];
	unsigned int k;
	int rc, want = 0;
	bool enomem;

	if (ga + len > GUEST_SEGS * SEG)
		len = GUEST_SEGS * SEG - ga;
	fill_pattern(buf, len, u8());
	/* Page by page, as the vCPU copies: the first refused page ends the access. */
	for (a = ga; done < len;) {
		size_t n = 4096 - a % 4096 < len - done ? 4096 - a % 4096 : len - done;

		want = vcpu_page_pic(a / 4096, write);
		if (want)
			break;
		a += n;
		done += n;
	}
	k = write ? vcpu_new_pages(ga, buf, len, hps, pg) : 0;
	rc = write ? vcpu_write(w.vcpu, ga, buf, len) : vcpu_read(w.vcpu, ga, buf, len);
	/* The prefix pages were re-armed (and so faulted in) if they were stale. */
	for (int p = 0; p < 2; p++)
		prefix_rearmed(p);
	enomem = injected() && rc == -ENOMEM;
	if (enomem || want < 0) {
		/* A failure part way, or a link the model does not know: learn what happened. */
		if (!enomem && rc != 0 && rc != PGM_ADDRESSING && !(write && rc == PGM_PROTECTION))
			fail("vcpu access of guest %lx returned %d (link unknown)", ga, rc);
		if (write)
			resync_partial_write(hps, k, (const unsigned char(*)[4096])pg);
		forget_guest_state();
		return;
	}
	expect_rc(write ? "vcpu_write" : "vcpu_read", rc, want);
	if (rc)
		learn_guest_page(a / 4096, false);
	a = ga;
	for (size_t d = 0; d < done;) {
		size_t n = 4096 - a % 4096 < done - d ? 4096 - a % 4096 : done - d;
		long hp = guest_hp(a / 4096);

		learn_guest_page(a / 4096, true);
		if (write)
			mstore((unsigned long)hp, (unsigned int)(a % 4096), buf + d, n);
		else if (memcmp(buf + d, mdata((unsigned long)hp) + a % 4096, n))
			fail("vcpu_read of guest %lx: bytes differ from the model", a);
		a += n;
		d += n;
	}
}

/* ---- shadows and guest-2 tables ---------------------------------------------------------------
 */

/* A guest-2 store of a table entry (through the host mapping, as guest-2's stores land). */
static void g2_store(unsigned long gaddr, unsigned long val)
{
	long hp = guest_hp(gaddr / 4096);
	unsigned long be = htobe64(val);

	unsigned char pg[1][4096];
	int rc;

	if (hp < 0 || hp >= HOST_PAGES || !writable((unsigned long)hp))
		return;
	rc = mm_write(w.mm, HOST_BASE + (unsigned long)hp * 4096 + gaddr % 4096, &be, 8);
	if (rc == -ENOMEM && injected()) {
		memcpy(pg[0], mdata((unsigned long)hp), 4096);
		memcpy(pg[0] + gaddr % 4096, &be, 8);
		resync_partial_write(&hp, 1, (const unsigned char(*)[4096])pg);
		return;
	}
	expect_rc("mm_write (guest-2 table)", rc, 0);
	mstore((unsigned long)hp, (unsigned int)(gaddr % 4096), (unsigned char *)&be, 8);
	m.page[hp].present = YES;
}

/*
 * The table-type bits of a region entry of @level (2 region third, 3 second, 4
 * first). Format 1 wrote them one level too low (0 for a region-third entry), so
 * that no region entry it wrote was ever valid; it keeps doing so, as a released
 * format must.
 */
static unsigned long region_tt(unsigned int level)
{
	return (unsigned long)(level - (fmt >= FORMAT_V2 ? 1 : 2)) << 2;
}

/* Write one entry of guest-2's tables: mostly a valid link to the next level. */
static void op_g2_entry(void)
{
	unsigned int level = u8() % 5, idx = u16() % (level ? 2048 : 256), kind = u8();
	unsigned long e = g2_table[level] + idx * 8, v;

	switch (kind & 3) {
	case 0: /* raw bits */
		v = u64();
		break;
	case 1: /* invalid */
		v = level ? (level == 1 ? _SEGMENT_ENTRY_EMPTY
					: _REGION_ENTRY_INVALID | region_tt(level))
			  : _PAGE_INVALID;
		break;
	default: /* valid: the next level, or a page frame; P, FC, TF/TL from the input */
		if (level == 0)
			v = (0x200000UL + (u16() % 0x600) * 4096) | (kind & 4 ? _PAGE_PROTECT : 0);
		else if (level == 1)
			v = (kind & 8 ? (0x200000UL + (u8() % 6) * SEG) | _SEGMENT_ENTRY_LARGE
				      : g2_table[0] + (kind & 16 ? 0x800 : 0)) |
			    (kind & 4 ? _SEGMENT_ENTRY_PROTECT : 0);
		else if (level == 2 && (kind & 8) && fmt >= FORMAT_V2)
			/* an EDAT-2 frame of 2 GiB at guest-2 absolute 0 */
			v = region_tt(level) | _REGION3_ENTRY_LARGE |
			    (kind & 4 ? _REGION_ENTRY_PROTECT : 0);
		else
			v = g2_table[level - 1] | region_tt(level) | ((kind >> 4) & 3) << 6 |
			    (3 - ((kind >> 6) & 3)) | (kind & 4 ? _REGION_ENTRY_PROTECT : 0) |
			    (level == 2 && (kind & 8) ? _REGION3_ENTRY_LARGE : 0);
		break;
	}
	g2_store(e, v);
}

/* Fill a guest-2 table with empty entries (one 16 KiB or 2 KiB store). */
static void op_g2_fill(void)
{
	unsigned int level = u8() % 5;
	unsigned long n = level ? 2048 : 256;

	for (unsigned long i = 0; i < n; i++)
		g2_store(g2_table[level] + i * 8,
			 level ? (level == 1 ? _SEGMENT_ENTRY_EMPTY
					     : _REGION_ENTRY_INVALID | region_tt(level))
			       : _PAGE_INVALID);
}

static void put_shadow(int i)
{
	if (w.shadow[i])
		gmap_put(w.shadow[i]);
	w.shadow[i] = NULL;
}

/* An ASCE from one input byte (and 8 more for an arbitrary origin): guest-2's tables. */
static unsigned long decode_asce(unsigned int b)
{
	unsigned int dt = b & 3;
	unsigned long asce = g2_table[dt + 1] | dt << 2 | (b >> 2 & 3);

	if (b & 0x10)
		asce |= _ASCE_REAL_SPACE;
	if (b & 0x20)
		asce |= _ASCE_PRIVATE_SPACE;
	if (b & 0x40)
		asce = u64() & ~0xfffUL & ((1UL << 25) - 1); /* any origin in guest memory */
	return asce;
}

static void op_shadow_create(void)
{
	unsigned int slot = u8() % MAX_SHADOWS, b = u8(), edat = u8() % 3;
	unsigned long asce = decode_asce(b);
	struct gmap *sg;

	put_shadow((int)slot);
	sg = gmap_shadow(w.parent, asce, (int)edat);
	forget_guest_state();
	if (IS_ERR(sg)) {
		long rc = PTR_ERR(sg);

		if (rc != -EFAULT && rc != -EAGAIN && !(injected() && rc == -ENOMEM))
			fail("gmap_shadow(%lx, %u) returned %ld", asce, edat, rc);
		return;
	}
	if (!gmap_is_shadow(sg) || sg->orig_asce != asce || sg->edat_level != (int)edat)
		fail("gmap_shadow(%lx, %u) gave a gmap for %lx, %d", asce, edat, sg->orig_asce,
		     sg->edat_level);
	w.shadow[slot] = sg;
}

/*
 * What the prediction of one access looked at: host pages of DAT-table entries
 * (guest-1's or guest-3's own tables), of guest-2's tables for guest-3 (the
 * shadow's sources), of data (guest-3's prefix pages included), and the host
 * pages this access writes, in order.
 */
#define REC_MAX 256
static struct {
	long thp[REC_MAX], g2hp[REC_MAX], dhp[REC_MAX], whp[8];
	unsigned int nthp, ng2hp, ndhp, nwhp;
	bool on;
} rec;

static void rec_add(long *set, unsigned int *n, long hp)
{
	for (unsigned int i = 0; i < *n; i++)
		if (set[i] == hp)
			return;
	if (*n < REC_MAX)
		set[(*n)++] = hp;
}

static bool rec_has(const long *set, unsigned int n, long hp)
{
	for (unsigned int i = 0; i < n; i++)
		if (set[i] == hp)
			return true;
	return false;
}

/* A guest-2 table entry was read by a prediction at guest @addr, host page @hp. */
static void rec_g2_entry(unsigned long addr, long hp)
{
	if (!rec.on)
		return;
	rec_add(rec.g2hp, &rec.ng2hp, hp);
	/* gmap_read_table() faults the page in and links its segment, as the library does */
	learn_guest_page(addr / 4096, true);
}

/*
 * dat_read_fn over the model's guest-2 memory: what guest-2's tables say now.
 * Sets *ctx when a read depends on a link the model does not know.
 */
static int model_read_entry(void *ctx, unsigned long addr, unsigned long *val)
{
	long hp = addr < GUEST_SEGS * SEG ? guest_hp(addr / 4096) : -1;
	unsigned long be;
	int l;

	if (hp < 0 || !readable((unsigned long)hp))
		return -1;
	l = link_ok((unsigned int)(addr >> 20));
	if (l == 0)
		return -1;
	if (l < 0)
		*(bool *)ctx = true;
	else
		rec_g2_entry(addr, hp);
	memcpy(&be, mdata((unsigned long)hp) + addr % 4096, 8);
	*val = be64toh(be);
	return 0;
}

/*
 * The shadow fault shadows a region level (as KVM's gmap_shadow_r2t/r3t/sgt do)
 * by protecting the whole next table, the pages between its entry's TF and TL,
 * before it reads the next entry: a page of that range guest-2 memory does not
 * hold fails it with -EFAULT although the walk may not need that page. For
 * every region entry walk @r went past: 1 all held, 0 not, -1 unknown.
 */
static int shadowed_tables_ok(const struct dat_result *r)
{
	for (unsigned int i = 0; i + 1 < r->nsteps; i++) {
		unsigned long e = r->steps[i].val, start, end;

		if (r->steps[i].level < DAT_LEVEL_REGION3)
			continue;
		start = (e & _REGION_ENTRY_ORIGIN) + ((e & _REGION_ENTRY_OFFSET) >> 6) * 4096;
		end = (e & _REGION_ENTRY_ORIGIN) + ((e & _REGION_ENTRY_LENGTH) + 1) * 4096;
		for (unsigned long a = start; a < end; a += 4096) {
			int ok = a < GUEST_SEGS * SEG ? guest_page_ok(a / 4096, false) : 0;

			if (ok <= 0)
				return ok;
			if (rec.on) {
				rec_add(rec.g2hp, &rec.ng2hp, guest_hp(a / 4096));
				learn_guest_page(a / 4096, true);
			}
		}
	}
	return 1;
}

/*
 * What vsie_shadow_fault(@sg, @saddr) must answer, from guest-2's tables in the
 * model walked by the DAT unit (which fuzz_dat checks against the oracle): the
 * walk's translation exception, -EFAULT for a table or page outside guest-2
 * memory, else 0 with the guest-2 absolute address in *g2abs. -1: unknown.
 */
static int expect_shadow_fault(struct gmap *sg, unsigned long saddr, unsigned long *g2abs)
{
	/*
	 * As the kernel's shadow fault, on a machine with the IEP facility (every one
	 * since z14): PTE bit 55 is then no translation-specification exception.
	 */
	struct dat_config cfg = {
		.asce = sg->orig_asce,
		.edat = (unsigned int)sg->edat_level,
		.iep_installed = true,
	};
	struct dat_result r;
	bool unknown = false;
	unsigned long gp;
	long hp;
	int ok;

	dat_translate(&cfg, saddr, DAT_FETCH, model_read_entry, &unknown, &r);
	if (unknown)
		return -1;
	ok = shadowed_tables_ok(&r);
	if (ok <= 0)
		return ok < 0 ? -1 : -EFAULT;
	if (r.pic)
		return r.pic == PGM_ADDRESSING ? -EFAULT : (int)r.pic;
	*g2abs = r.abs;
	gp = r.abs / 4096;
	if (r.abs >= GUEST_SEGS * SEG)
		return -EFAULT;
	ok = guest_page_ok(gp, false);
	hp = guest_hp(gp);
	/* a store guest-2 allows on a page the host maps read-only: not modelled */
	if (ok == 1 && !r.prot && !writable((unsigned long)hp))
		return -1;
	return ok < 0 ? -1 : ok ? 0 : -EFAULT;
}

/* The shadow PTE of @saddr maps a frame holding guest-2 absolute @g2abs's bytes. */
static void check_shadow_data(struct gmap *sg, unsigned long saddr, unsigned long g2abs)
{
	const unsigned char *want = mdata((unsigned long)guest_hp(g2abs / 4096)) + g2abs % 4096;
	unsigned long *ptep, pte = _PAGE_INVALID;
	unsigned char got[8];

	spin_lock(&sg->guest_table_lock);
	ptep = gmap_table_walk(sg, saddr, 0);
	if (ptep)
		pte = *ptep;
	if (!(pte & _PAGE_INVALID))
		memcpy(got, (void *)((pte & PAGE_MASK) | (saddr & ~PAGE_MASK & ~7UL)), 8);
	spin_unlock(&sg->guest_table_lock);
	if (pte & _PAGE_INVALID)
		fail("vsie_shadow_fault(%lx) succeeded but the shadow PTE is %lx", saddr, pte);
	if (memcmp(got, want - (g2abs % 8), 8))
		fail("shadow of %lx maps a frame without guest-2 %lx's bytes", saddr, g2abs);
}

static void op_shadow_fault(void)
{
	unsigned int slot = u8() % MAX_SHADOWS, b = u8();
	unsigned long saddr, datptr = 0, g2abs = 0;
	struct gmap *sg = w.shadow[slot];
	int rc = -EAGAIN, want;

	/* Mostly addresses whose indices are small (within the tables written), else any. */
	if (b & 1)
		saddr = u64();
	else
		saddr = (unsigned long)(u8() & 3) << 53 | (unsigned long)(u8() & 3) << 42 |
			(unsigned long)(u8() & 3) << 31 | (unsigned long)(u8() & 7) << 20 |
			(unsigned long)u8() << 12;
	if (!sg)
		return;
	want = sg->removed ? -1 : expect_shadow_fault(sg, saddr, &g2abs);
	/* -EAGAIN: the shadow changed meanwhile (its own protection faults may do that) */
	for (int i = 0; i < 8 && rc == -EAGAIN; i++)
		rc = vsie_shadow_fault(sg, saddr, b & 2 ? &datptr : NULL);
	if (rc == -ENOMEM && injected()) {
		forget_guest_state();
		return;
	}
	if (want != -1 && rc != -EAGAIN && !sg->removed)
		expect_rc("vsie_shadow_fault", rc, want);
	forget_guest_state();
	switch (rc) {
	case 0:
		if (want == 0 && !sg->removed)
			check_shadow_data(sg, saddr, g2abs);
		break;
	case -EAGAIN:
	case -EFAULT:
	case PGM_ASCE_TYPE:
	case PGM_REGION_FIRST_TRANS:
	case PGM_REGION_SECOND_TRANS:
	case PGM_REGION_THIRD_TRANS:
	case PGM_SEGMENT_TRANSLATION:
	case PGM_PAGE_TRANSLATION:
	case PGM_TRANSLATION_SPEC:
		break;
	default:
		fail("vsie_shadow_fault(%lx) returned %d", saddr, rc);
	}
}

static void op_shadow_put(void)
{
	put_shadow((int)(u8() % MAX_SHADOWS));
}

/* ---- DAT on and vSIE: accesses predicted page by page ----------------------------------------
 */

/* The walk state of a predicted guest-1 or guest-3 DAT walk. */
struct mwalk {
	bool unknown; /* depends on something the model does not know */
	bool stale;   /* read a table this access wrote: the TLB may hold either translation */
	int err;      /* guest-3: the exit a table read raised */
	unsigned long err_teid;
};

static void mwalk_entry(struct mwalk *c, long hp, unsigned long addr, unsigned long *val)
{
	unsigned long be;

	if (rec_has(rec.whp, rec.nwhp, hp))
		c->stale = true;
	rec_add(rec.thp, &rec.nthp, hp);
	memcpy(&be, mdata((unsigned long)hp) + addr % 4096, 8);
	*val = be64toh(be);
}

/* dat_read_fn over guest-1's own tables in guest absolute storage (the vCPU's view). */
static int g1_entry(void *ctx, unsigned long addr, unsigned long *val)
{
	struct mwalk *c = ctx;
	int pic = vcpu_page_pic(addr / 4096, false);

	if (pic < 0)
		c->unknown = true;
	if (pic)
		return -1;
	learn_guest_page(addr / 4096, true);
	mwalk_entry(c, guest_hp(addr / 4096), addr, val);
	return 0;
}

/*
 * One page of a guest-1 DAT-on access at @va: 0 with *hp, a PIC with *teid, or
 * -1 unknown. The walk is the DAT unit's (fuzz_dat checks it against the oracle)
 * over the model's bytes; each entry and the data page must be reachable through
 * the gmap, as the absolute accesses predict it.
 */
static int predict_g1_virt(unsigned long asce, unsigned long va, bool write, long *hp,
			   unsigned long *teid, bool *stale)
{
	struct dat_config cfg = { .asce = asce, .edat = m.edat, .iep = m.iep, .prefix = m.prefix };
	struct mwalk c = { 0 };
	struct dat_result r;
	int pic;

	dat_translate(&cfg, va & PAGE_MASK, write ? DAT_STORE : DAT_FETCH, g1_entry, &c, &r);
	*stale |= c.stale;
	if (c.unknown)
		return -1;
	if (r.pic) {
		*teid = r.teid;
		return (int)r.pic;
	}
	pic = vcpu_page_pic(r.abs / 4096, write);
	if (pic < 0)
		return -1;
	if (pic) {
		/* a refused store names the virtual page (the address the guest used) */
		*teid = pic == PGM_PROTECTION ? (va & PAGE_MASK) | TEID_STORE | TEID_PROT_DAT : 0;
		learn_guest_page(r.abs / 4096, false);
		return pic;
	}
	learn_guest_page(r.abs / 4096, true);
	*hp = guest_hp(r.abs / 4096);
	return 0;
}

/*
 * A guest-3 absolute page through guest-2's tables (those of the vCPU's shadow):
 * 0 with *hpo, VSIE_EXIT_PGM | pic with *teid (guest-2's exception about guest-3
 * address @a), or -1 unknown.
 */
static int g3_abs(unsigned long a, bool write, long *hpo, unsigned long *teid)
{
	struct dat_config cfg = {
		.asce = m.sie_asce,
		.edat = (unsigned int)m.sie_edat,
		.iep_installed = true,
	};
	struct dat_result r;
	bool unknown = false;
	unsigned int pic;
	long hp;
	int ok;

	*teid = (a & PAGE_MASK) | (write ? TEID_STORE : TEID_FETCH);
	pic = dat_translate(&cfg, a & PAGE_MASK, DAT_FETCH, model_read_entry, &unknown, &r);
	if (unknown)
		return -1;
	ok = shadowed_tables_ok(&r);
	if (ok < 0)
		return -1;
	if (!ok)
		return VSIE_EXIT_PGM | PGM_ADDRESSING;
	if (pic)
		return VSIE_EXIT_PGM |
		       (int)pic; /* PGM_ADDRESSING: a table outside guest-2 memory */
	if (r.abs >= GUEST_SEGS * SEG)
		return VSIE_EXIT_PGM | PGM_ADDRESSING;
	ok = guest_page_ok(r.abs / 4096, false);
	if (ok < 0)
		return -1;
	hp = guest_hp(r.abs / 4096);
	/*
	 * Not there, or guest-2 grants a store that the host refuses: the shadow
	 * fault's fixup of the parent page fails (-EFAULT), an addressing exit.
	 */
	if (!ok || (!r.prot && !writable((unsigned long)hp))) {
		if (rec.on)
			learn_guest_page(r.abs / 4096, false);
		return VSIE_EXIT_PGM | PGM_ADDRESSING;
	}
	if (rec.on)
		learn_guest_page(r.abs / 4096, true);
	if (write && r.prot) {
		*teid |= TEID_PROT_DAT;
		return VSIE_EXIT_PGM | PGM_PROTECTION;
	}
	*hpo = hp;
	return 0;
}

/* dat_read_fn over guest-3's own tables, in guest-3 absolute storage (through the shadow). */
static int g3_entry(void *ctx, unsigned long addr, unsigned long *val)
{
	struct mwalk *c = ctx;
	unsigned long teid;
	long hp = -1;
	int rc = g3_abs(addr, false, &hp, &teid);

	if (rc < 0)
		c->unknown = true;
	if (rc > 0) {
		c->err = rc;
		c->err_teid = teid;
	}
	if (rc)
		return -1;
	rec_add(rec.dhp, &rec.ndhp, hp);
	mwalk_entry(c, hp, addr, val);
	return 0;
}

static int predict_g3_virt(unsigned long asce, unsigned long va, bool write, long *hp,
			   unsigned long *teid, bool *stale)
{
	struct dat_config cfg = {
		.asce = asce, .edat = m.g3_edat, .iep = m.g3_iep, .prefix = m.sie_prefix
	};
	struct mwalk c = { 0 };
	struct dat_result r;

	dat_translate(&cfg, va & PAGE_MASK, write ? DAT_STORE : DAT_FETCH, g3_entry, &c, &r);
	*stale |= c.stale;
	if (c.unknown)
		return -1;
	if (c.err) {
		*teid = c.err_teid;
		return c.err;
	}
	if (r.pic) {
		*teid = r.teid;
		return (int)r.pic;
	}
	return g3_abs(r.abs, write, hp, teid);
}

/* Real address @ra as absolute under prefix @p: the first 8 KiB and the prefix area swap. */
static unsigned long real_to_abs(unsigned long ra, unsigned long p)
{
	return ra < 8192 ? ra + p : ra - p < 8192 ? ra - p : ra;
}

/* One page of a guest-1 real access at @ra. */
static int predict_g1_real(unsigned long ra, bool write, long *hp, unsigned long *teid)
{
	unsigned long gp = real_to_abs(ra, m.prefix) / 4096;
	int pic = vcpu_page_pic(gp, write);

	if (pic < 0)
		return -1;
	learn_guest_page(gp, !pic);
	*teid = pic == PGM_PROTECTION ? (ra & PAGE_MASK) | TEID_STORE | TEID_PROT_DAT : 0;
	*hp = guest_hp(gp);
	return pic;
}

/*
 * Before a guest-3 access: the shadow (its top-level table must lie in guest-2
 * memory) and, unless @enter, guest-3's two prefix pages. 0, VSIE_EXIT_PGM |
 * PGM_ADDRESSING with *teid, VSIE_EXIT_VALIDITY, or -1 unknown.
 */
static int predict_sie_start(bool enter, unsigned long *teid)
{
	if (!(m.sie_asce & _ASCE_REAL_SPACE)) {
		unsigned long o = m.sie_asce & _ASCE_ORIGIN;

		*teid = o | TEID_FETCH;
		for (unsigned long i = 0; i <= (m.sie_asce & _ASCE_TABLE_LENGTH); i++) {
			unsigned long a = o + i * 4096;
			int ok = a < GUEST_SEGS * SEG ? guest_page_ok(a / 4096, false) : 0;

			if (ok < 0)
				return -1;
			if (!ok)
				return VSIE_EXIT_PGM | PGM_ADDRESSING;
			rec_add(rec.g2hp, &rec.ng2hp, guest_hp(a / 4096));
			learn_guest_page(a / 4096, true);
		}
	}
	if (enter)
		return 0;
	for (unsigned long p = 0; p < 2; p++) {
		unsigned long t;
		long hp = -1;
		int rc = g3_abs(m.sie_prefix + p * 4096, false, &hp, &t);

		if (rc < 0)
			return -1;
		if (rc)
			return VSIE_EXIT_VALIDITY;
		rec_add(rec.dhp, &rec.ndhp, hp);
	}
	return 0;
}

/* An address: any, within guest memory, or with small indices at every DAT level. */
static unsigned long decode_addr(void)
{
	unsigned int b = u8();

	if (b & 1)
		return u64();
	if (b & 2)
		return (unsigned long)(u16() % (GUEST_SEGS * 256)) << 12;
	return (unsigned long)(u8() & 3) << 53 | (unsigned long)(u8() & 3) << 42 |
	       (unsigned long)(u8() & 3) << 31 | (unsigned long)(u8() & 7) << 20 |
	       (unsigned long)u8() << 12;
}

/*
 * Guest-3 reaches (with write access granted) a page that guest-2's tables for it
 * lie in: each try's shadow fault faults the page in writable, which unshadows
 * what the walk built, and the access gives up with -EAGAIN after its retries.
 */
static bool data_is_g2_table(void)
{
	for (unsigned int i = 0; i < rec.ndhp; i++)
		if (rec_has(rec.g2hp, rec.ng2hp, rec.dhp[i]))
			return true;
	return false;
}

enum acc_kind { ACC_G1_VIRT, ACC_G3_ABS, ACC_G3_REAL, ACC_G3_VIRT, ACC_G1_REAL };

static const char *const acc_name[5][2] = {
	{ "vcpu_read_virt", "vcpu_write_virt" },
	{ "vcpu_sie_read", "vcpu_sie_write" },
	{ "vcpu_sie_read_real", "vcpu_sie_write_real" },
	{ "vcpu_sie_read_virt", "vcpu_sie_write_virt" },
	{ "vcpu_read_real", "vcpu_write_real" },
};

static int predict_page(enum acc_kind kind, unsigned long asce, unsigned long a, bool write,
			long *hp, unsigned long *teid, bool *stale)
{
	switch (kind) {
	case ACC_G1_VIRT:
		return predict_g1_virt(asce, a, write, hp, teid, stale);
	case ACC_G3_ABS:
		return g3_abs(a, write, hp, teid);
	case ACC_G3_REAL:
		return g3_abs(real_to_abs(a, m.sie_prefix), write, hp, teid);
	case ACC_G1_REAL:
		return predict_g1_real(a, write, hp, teid);
	default:
		return predict_g3_virt(asce, a, write, hp, teid, stale);
	}
}

static int do_access(enum acc_kind kind, unsigned long asce, unsigned long a, void *buf, size_t len,
		     bool write)
{
	switch (kind) {
	case ACC_G1_VIRT:
		return write ? vcpu_write_virt(w.vcpu, asce, a, buf, len)
			     : vcpu_read_virt(w.vcpu, asce, a, buf, len);
	case ACC_G3_ABS:
		return write ? vcpu_sie_write(w.vcpu, a, buf, len)
			     : vcpu_sie_read(w.vcpu, a, buf, len);
	case ACC_G3_REAL:
		return write ? vcpu_sie_write_real(w.vcpu, a, buf, len)
			     : vcpu_sie_read_real(w.vcpu, a, buf, len);
	case ACC_G1_REAL:
		return write ? vcpu_write_real(w.vcpu, a, buf, len)
			     : vcpu_read_real(w.vcpu, a, buf, len);
	default:
		return write ? vcpu_sie_write_virt(w.vcpu, asce, a, buf, len)
			     : vcpu_sie_read_virt(w.vcpu, asce, a, buf, len);
	}
}

/*
 * A write that stopped part way (an injected -ENOMEM, or -EAGAIN): each page it
 * was to write holds its old or its new bytes (a page written twice through two
 * aliases: whatever it holds).
 */
static void resync_written(unsigned char (*old)[4096], const unsigned int *nwrites)
{
	unsigned char buf[4096];

	gm_alloc_fail_nth(0);
	for (unsigned int i = 0; i < rec.nwhp; i++) {
		unsigned long hp = (unsigned long)rec.whp[i];

		if (!readable(hp))
			continue;
		expect_rc("mm_read (resync)", mm_read(w.mm, HOST_BASE + hp * 4096, buf, 4096), 0);
		if (!memcmp(buf, mdata(hp), 4096))
			continue;
		if (memcmp(buf, old[i], 4096) && nwrites[i] < 2)
			fail("host page %lu is neither its old nor its new content", hp);
		mstore(hp, 0, buf, 4096);
	}
}

/*
 * A DAT-on access of guest-1, or a guest-3 access in SIE: predicted page by page
 * (the first page refused ends it), the bytes read compared, the bytes written
 * applied to the model, the PIC or exit and its TEID compared.
 */
static void op_access(enum acc_kind kind, bool write)
{
	static unsigned char old[8][4096];
	unsigned int nwrites[8] = { 0 };
	unsigned char buf[9000];
	unsigned long asce = 0, addr, a, teid = 0;
	size_t len, done = 0;
	bool virt = kind == ACC_G1_VIRT || kind == ACC_G3_VIRT, stale = false, purge;
	bool sie = kind != ACC_G1_VIRT && kind != ACC_G1_REAL;
	long hps[4];
	unsigned int np = 0;
	int want = 0, rc;

	if (virt)
		asce = decode_asce(u8());
	addr = (decode_addr() & PAGE_MASK) | (u16() & 0xfff);
	len = 1 + u16() % 9000;
	fill_pattern(buf, len, u8());

	/* The guest changed tables since the last purge: it purges (PTLB) before a DAT-on access.
	 */
	purge = virt && m.tables_dirty;
	if (purge)
		m.tables_dirty = false;
	memset(&rec, 0, sizeof(rec));
	rec.on = true;
	if (sie)
		want = m.in_sie ? predict_sie_start(false, &teid) : -EINVAL;
	for (a = addr; !want && done < len;) {
		size_t n = 4096 - a % 4096 < len - done ? 4096 - a % 4096 : len - done;
		long hp = -1;

		want = predict_page(kind, asce, a, write, &hp, &teid, &stale);
		if (want)
			break;
		rec_add(rec.dhp, &rec.ndhp, hp);
		hps[np++] = hp;
		if (write) {
			unsigned int i;

			for (i = 0; i < rec.nwhp && rec.whp[i] != hp; i++)
				;
			if (i == rec.nwhp) {
				rec.whp[rec.nwhp++] = hp;
				memcpy(old[i], mdata((unsigned long)hp), 4096);
			}
			nwrites[i]++;
			mstore((unsigned long)hp, (unsigned int)(a % 4096), buf + done, n);
			m.page[hp].present = YES;
		}
		a += n;
		done += n;
		if (done < len && !a) { /* wrapped around the address space */
			want = PGM_ADDRESSING;
			teid = 0;
		}
	}
	rec.on = false;
	if (want < 0 && want != -EINVAL)
		fail("%s at %lx: the model cannot predict it", acc_name[kind][write], addr);
	/*
	 * Within this access a page's walk reads a table an earlier page wrote: the
	 * TLB may still hold the old translation, which the guest would purge.
	 */
	if (purge || stale)
		vcpu_purge_tlb(w.vcpu);

	rc = do_access(kind, asce, addr, buf, len, write);
	if (trace)
		fprintf(stderr, "  %s(%lx, %zu bytes) = %x, %zu bytes before\n",
			acc_name[kind][write], addr, len, rc, done);
	if (!sie)
		for (int p = 0; p < 2; p++) /* the prefix re-arm */
			prefix_rearmed(p);
	if ((injected() && rc == -ENOMEM) ||
	    (sie && rc == -EAGAIN && want != -EINVAL && data_is_g2_table())) {
		if (write)
			resync_written(old, nwrites);
		forget_guest_state();
		return;
	}
	expect_rc(acc_name[kind][write], rc, want);
	if (rc > 0 && rc != VSIE_EXIT_VALIDITY && vcpu_last_teid(w.vcpu) != teid)
		fail("%s at %lx: PIC %x with TEID %lx, the model expects %lx",
		     acc_name[kind][write], addr, rc, vcpu_last_teid(w.vcpu), teid);
	if (!write) {
		a = addr;
		for (size_t d = 0, i = 0; d < done; i++) {
			size_t n = 4096 - a % 4096 < done - d ? 4096 - a % 4096 : done - d;

			if (memcmp(buf + d, mdata((unsigned long)hps[i]) + a % 4096, n))
				fail("%s of %lx: bytes at %lx differ from the model (host page "
				     "%ld)",
				     acc_name[kind][write], addr, a, hps[i]);
			a += n;
			d += n;
		}
	}
	if (sie)
		forget_guest_state();
}

static void op_set_dat_features(bool sie)
{
	unsigned int b = u8(), edat = b & 3;
	bool iep = b & 4;
	int rc = sie ? vcpu_sie_set_dat_features(w.vcpu, edat, iep)
		     : vcpu_set_dat_features(w.vcpu, edat, iep);

	expect_rc(sie ? "vcpu_sie_set_dat_features" : "vcpu_set_dat_features", rc,
		  edat > 2 ? -EINVAL : 0);
	if (rc)
		return;
	if (sie) {
		m.g3_edat = edat;
		m.g3_iep = iep;
	} else {
		m.edat = edat;
		m.iep = iep;
	}
}

static void op_sie_enter(void)
{
	unsigned int b = u8(), edat = u8() % 3, p = u8();
	unsigned long asce = decode_asce(b), prefix = (unsigned long)(p & 0x7f) << 13, teid = 0;
	int rc, want;

	if ((p & 0xc0) == 0xc0) {
		/* not 8 KiB aligned: refused, and the vCPU's SIE state stays as it was */
		expect_rc("vcpu_sie_enter (bad prefix)",
			  vcpu_sie_enter(w.vcpu, asce, (int)edat, prefix | 0x1000), -EINVAL);
		return;
	}
	m.in_sie = false;
	m.sie_asce = asce;
	m.sie_edat = (int)edat;
	m.sie_prefix = prefix;
	memset(&rec, 0, sizeof(rec));
	rec.on = true;
	want = predict_sie_start(true, &teid);
	rec.on = false;
	rc = vcpu_sie_enter(w.vcpu, asce, (int)edat, prefix);
	if (injected() && rc == -ENOMEM) {
		forget_guest_state();
		return;
	}
	if (want < 0)
		fail("vcpu_sie_enter(%lx): the model cannot predict it", asce);
	if (trace)
		fprintf(stderr, "  vcpu_sie_enter(%lx, %u, %lx) = %x\n", asce, edat, prefix, rc);
	expect_rc("vcpu_sie_enter", rc, want);
	if (rc > 0 && vcpu_last_teid(w.vcpu) != teid)
		fail("vcpu_sie_enter(%lx): TEID %lx, the model expects %lx", asce,
		     vcpu_last_teid(w.vcpu), teid);
	m.in_sie = rc == 0;
	forget_guest_state();
}

/* The prefix moves within guest segment 0, which stays mapped and writable. */
static void op_set_prefix(void)
{
	unsigned int b = u8();
	unsigned long prefix = (unsigned long)(b & 0x7f) << 13;

	if ((b & 0xc0) == 0xc0) {
		expect_rc("vcpu_set_prefix (unaligned)", vcpu_set_prefix(w.vcpu, prefix | 0x1000),
			  -EINVAL);
		return;
	}
	expect_rc("vcpu_set_prefix", vcpu_set_prefix(w.vcpu, prefix), 0);
	if (vcpu_get_prefix(w.vcpu) != prefix)
		fail("vcpu_get_prefix() = %lx after setting %lx", vcpu_get_prefix(w.vcpu), prefix);
	m.prefix = prefix;
}

static void op_sie_exit(void)
{
	vcpu_sie_exit(w.vcpu);
	m.in_sie = false;
}

/* ---- the world --------------------------------------------------------------------------------
 */

static int setup_parent(unsigned long limit)
{
	w.parent = gmap_create(w.mm, limit);
	if (!w.parent)
		return -1;
	gmap_enable(w.parent);
	for (int g = 0; g < GUEST_SEGS; g++)
		m.g2h[g] = -1;
	for (int s = 0; s < MAP_SEGS; s++)
		m.hlink[s] = LINK_NONE;
	/* guest segments 0..7 on the window, identity */
	if (gmap_map_segment(w.parent, HOST_BASE, 0, HOST_SEGS * SEG))
		return -1;
	for (int g = 0; g < HOST_SEGS; g++)
		m.g2h[g] = g;
	return 0;
}

static void op_gmap_recreate(void)
{
	static const unsigned long limit[3] = { (1UL << 31) - 1, (1UL << 42) - 1, ~0UL };
	unsigned long l = limit[u8() % 3];

	gm_alloc_fail_nth(0); /* the model needs the parent */
	for (int i = 0; i < MAX_SHADOWS; i++)
		put_shadow(i);
	gmap_disable(w.parent);
	gmap_remove(w.parent);
	if (setup_parent(l))
		abort();
	for (unsigned long p = 0; p < HOST_PAGES; p++)
		if (m.page[p].present == NO)
			m.page[p].present = MAYBE; /* the old prefix arm */
}

static void setup(void)
{
	static const unsigned long limit[4] = { (1UL << 31) - 1, (1UL << 42) - 1, (1UL << 53) - 1,
						~0UL };

	memset(&m, 0, sizeof(m));
	memset(&w, 0, sizeof(w));
	w.mm = mm_create();
	w.vcpu = vcpu_create();
	if (!w.mm || !w.vcpu ||
	    mm_mmap(w.mm, HOST_BASE, HOST_SEGS * SEG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED) != HOST_BASE ||
	    setup_parent(limit[u8() % 4]))
		abort();
	for (unsigned long p = 0; p < HOST_PAGES; p++) {
		m.page[p].mapped = 1;
		m.page[p].prot = PROT_READ | PROT_WRITE;
	}
}

static void teardown(void)
{
	for (int i = 0; i < MAX_SHADOWS; i++)
		put_shadow(i);
	gmap_disable(w.parent);
	vcpu_destroy(w.vcpu);
	gmap_remove(w.parent);
	mm_destroy(w.mm);
	for (unsigned long p = 0; p < HOST_PAGES; p++)
		mzero(p);
}

enum op {
	OP_MMAP,
	OP_MUNMAP,
	OP_MPROTECT,
	OP_MM_READ,
	OP_MM_WRITE,
	OP_PAGE_OUT,
	OP_MIGRATE,
	OP_DISCARD,
	OP_FIXUP,
	OP_MAP_SEGMENT,
	OP_UNMAP_SEGMENT,
	OP_GMAP_FAULT,
	OP_GMAP_DISCARD,
	OP_MPROTECT_NOTIFY,
	OP_READ_TABLE,
	OP_VCPU_READ,
	OP_VCPU_WRITE,
	OP_G2_ENTRY,
	OP_G2_FILL,
	OP_SHADOW_CREATE,
	OP_SHADOW_FAULT,
	OP_SHADOW_PUT,
	OP_GMAP_RECREATE,
	OP_CHECK_PAGE,
	OP_ALLOC_FAIL,
	NR_OPS_V1, /* the operations of FORMAT_V1 end here */
	OP_VCPU_READ_VIRT = NR_OPS_V1,
	OP_VCPU_WRITE_VIRT,
	OP_SET_DAT_FEATURES,
	OP_SIE_ENTER,
	OP_SIE_EXIT,
	OP_SIE_READ,
	OP_SIE_WRITE,
	OP_SIE_READ_REAL,
	OP_SIE_WRITE_REAL,
	OP_SIE_READ_VIRT,
	OP_SIE_WRITE_VIRT,
	OP_SIE_SET_DAT_FEATURES,
	OP_SET_PREFIX,
	OP_VCPU_READ_REAL,
	OP_VCPU_WRITE_REAL,
	NR_OPS_V2, /* FORMAT_V2 */
	NR_OPS = NR_OPS_V2
};

/* Opcodes each version knows, indexed by version. */
static const unsigned int format_ops[FORMAT_LAST + 1] = {
	[FORMAT_V1] = NR_OPS_V1,
	[FORMAT_V2] = NR_OPS_V2,
};

static void run_op(unsigned int op)
{
	switch (op) {
	case OP_MMAP:
		op_mmap();
		break;
	case OP_MUNMAP:
		op_munmap();
		break;
	case OP_MPROTECT:
		op_mprotect();
		break;
	case OP_MM_READ:
		op_mm_read();
		break;
	case OP_MM_WRITE:
		op_mm_write();
		break;
	case OP_PAGE_OUT:
		op_page_out();
		break;
	case OP_MIGRATE:
		op_migrate();
		break;
	case OP_DISCARD:
		op_discard();
		break;
	case OP_FIXUP:
		op_fixup();
		break;
	case OP_MAP_SEGMENT:
		op_map_segment();
		break;
	case OP_UNMAP_SEGMENT:
		op_unmap_segment();
		break;
	case OP_GMAP_FAULT:
		op_gmap_fault();
		break;
	case OP_GMAP_DISCARD:
		op_gmap_discard();
		break;
	case OP_MPROTECT_NOTIFY:
		op_mprotect_notify();
		break;
	case OP_READ_TABLE:
		op_read_table();
		break;
	case OP_VCPU_READ:
		op_vcpu(false);
		break;
	case OP_VCPU_WRITE:
		op_vcpu(true);
		break;
	case OP_G2_ENTRY:
		op_g2_entry();
		break;
	case OP_G2_FILL:
		op_g2_fill();
		break;
	case OP_SHADOW_CREATE:
		op_shadow_create();
		break;
	case OP_SHADOW_FAULT:
		op_shadow_fault();
		break;
	case OP_SHADOW_PUT:
		op_shadow_put();
		break;
	case OP_GMAP_RECREATE:
		op_gmap_recreate();
		break;
	case OP_CHECK_PAGE:
		check_page(u16() % HOST_PAGES);
		break;
	case OP_VCPU_READ_VIRT:
	case OP_VCPU_WRITE_VIRT:
		op_access(ACC_G1_VIRT, op == OP_VCPU_WRITE_VIRT);
		break;
	case OP_SET_DAT_FEATURES:
	case OP_SIE_SET_DAT_FEATURES:
		op_set_dat_features(op == OP_SIE_SET_DAT_FEATURES);
		break;
	case OP_SET_PREFIX:
		op_set_prefix();
		break;
	case OP_VCPU_READ_REAL:
	case OP_VCPU_WRITE_REAL:
		op_access(ACC_G1_REAL, op == OP_VCPU_WRITE_REAL);
		break;
	case OP_SIE_ENTER:
		op_sie_enter();
		break;
	case OP_SIE_EXIT:
		op_sie_exit();
		break;
	case OP_SIE_READ:
	case OP_SIE_WRITE:
		op_access(ACC_G3_ABS, op == OP_SIE_WRITE);
		break;
	case OP_SIE_READ_REAL:
	case OP_SIE_WRITE_REAL:
		op_access(ACC_G3_REAL, op == OP_SIE_WRITE_REAL);
		break;
	case OP_SIE_READ_VIRT:
	case OP_SIE_WRITE_VIRT:
		op_access(ACC_G3_VIRT, op == OP_SIE_WRITE_VIRT);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static long baseline = -1;
	unsigned long fail_nth = 0;
	unsigned int nr_ops;

	if (baseline < 0) {
		trace = getenv("FUZZ_OPS_TRACE");
		inject_stale = getenv("FUZZ_OPS_INJECT_STALE");
		gm_quiesce();
		baseline = gm_alloc_live();
	}
	if (!size || data[0] < FORMAT_V1 || data[0] > FORMAT_LAST)
		return -1; /* an unknown format: rejected, never added to a corpus */
	fmt = data[0];
	nr_ops = format_ops[fmt];
	in = data + 1;
	in_len = size - 1;
	in_pos = 0;
	setup();
	/* Self-test of the checks: leave that many unshadows undone in every input. */
	if (inject_stale)
		gmap_shadow_inject_stale((unsigned int)atoi(inject_stale));
	while (in_pos < in_len && m.nops < MAX_OPS) {
		unsigned int op = u8() % nr_ops;

		if (op == OP_ALLOC_FAIL) {
			fail_nth = 1 + u8() % 48;
			continue;
		}
		if (trace)
			fprintf(stderr, "op %lu: %u (fail_nth %lu) at input byte %zu\n", m.nops, op,
				fail_nth, in_pos);
		w.armed = fail_nth != 0;
		gm_alloc_fail_nth(fail_nth);
		run_op(op);
		gm_alloc_fail_nth(0);
		w.armed = false;
		fail_nth = 0;
		m.nops++;
		resync_links();
		audit_shadows();
	}
	gmap_shadow_inject_stale(0);
	/* Every page the model knows is checked at the end. */
	for (unsigned long p = 0; p < HOST_PAGES; p++)
		if (m.page[p].data)
			check_page(p);
	teardown();
#ifndef FUZZ_LIBFUZZER
	/* Exact, but waits for deferred frees: libFuzzer runs rely on LeakSanitizer. */
	gm_quiesce();
	if (gm_alloc_live() != baseline)
		fail("%ld allocations leaked", gm_alloc_live() - baseline);
#else
	(void)baseline;
#endif
	return 0;
}
