// SPDX-License-Identifier: GPL-2.0
/*
 * `gmap run` setup and teardown: a host mm whose one anonymous mapping is the
 * guest's memory (as QEMU's RAM block is), a gmap that maps it one 1 MiB
 * segment at a time, and the guest's own DAT tables, big-endian in the reserved
 * area at the start of guest memory.
 *
 * Reserved area (guest absolute, from 0):
 *   0 .. 8 KiB                   unused (no vCPU has prefix 0, where prefixing
 *                                would be the identity)
 *   (k + 1) * 8 KiB              prefix area of vCPU k
 *   tables                       region-third table (16 KiB), then the segment
 *                                tables, then one page table per window segment
 *   .. reserved (1 MiB aligned)  zero
 * Data pages follow. The guest's ASCE maps the window at RUN_VBASE: window page
 * i is data page (i * stride + shift) % ndata, a permutation, so that DAT-on
 * and absolute accesses to a page take different paths to the same frame. A
 * data page's PTE is DAT-protected for about 1 page in 32 and invalid for about
 * 1 in 32 (chosen from the seed): stores through DAT to the first and any DAT
 * access to the second must give PGM_PROTECTION and PGM_PAGE_TRANSLATION.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gmap/alloc.h>
#include <gmap/gmap_locked.h>

#include "run.h"

#define SEG_SIZE _SEGMENT_SIZE

static unsigned long round_up(unsigned long x, unsigned long align)
{
	return (x + align - 1) & ~(align - 1);
}

static unsigned long div_round_up(unsigned long x, unsigned long d)
{
	return (x + d - 1) / d;
}

static unsigned long gcd(unsigned long a, unsigned long b)
{
	while (b) {
		unsigned long t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* Place the tables; they are sized for the whole of guest memory, a bound on the window. */
static void plan_layout(struct run_layout *l, unsigned int nvcpus, unsigned long guest_mem,
			bool nested)
{
	unsigned long nws = div_round_up(guest_mem >> PAGE_SHIFT, _PAGE_ENTRIES);
	unsigned long nst = div_round_up(nws, _CRST_ENTRIES);

	l->guest_mem = guest_mem;
	l->tables = round_up(run_prefix(nvcpus), _CRST_TABLE_SIZE);
	l->sto = l->tables + _CRST_TABLE_SIZE;
	l->pto = l->sto + nst * _CRST_TABLE_SIZE;
	l->tables_end = l->pto + nws * _PAGE_TABLE_SIZE;
	if (nested)
		run_nested_plan(l, nvcpus);
	l->reserved = round_up(l->tables_end, SEG_SIZE);
	l->ndata = (guest_mem - l->reserved) >> PAGE_SHIFT;
	l->asce = l->tables | _ASCE_TYPE_REGION3 | _ASCE_TABLE_LENGTH;
}

/* The window's permutation and the pages' attributes, both from the seed. */
static int plan_window(struct run_layout *l, unsigned long seed)
{
	unsigned long d, i, h;

	l->window_of = calloc(l->ndata, sizeof(*l->window_of));
	l->attr = calloc(l->ndata, sizeof(*l->attr));
	if (!l->window_of || !l->attr)
		return -ENOMEM;
	/* An odd stride near ndata / golden ratio that is coprime to ndata. */
	l->stride = (l->ndata * 5 / 8) | 1;
	while (gcd(l->stride, l->ndata) != 1)
		l->stride += 2;
	l->shift = run_seed_mix(seed) % l->ndata;
	for (i = 0, d = l->shift; i < l->ndata; i++, d = (d + l->stride) % l->ndata)
		l->window_of[d] = (uint32_t)i;
	for (d = 0; d < l->ndata; d++) {
		h = run_seed_mix(seed ^ (d * 0x9e3779b97f4a7c15UL)) & 31;
		l->attr[d] = h == 0 ? ATTR_RO : h == 1 ? ATTR_INVALID : ATTR_RW;
	}
	return 0;
}

/** run_put_entry() - store table entry @val big-endian at guest address @gaddr of @image */
void run_put_entry(unsigned char *image, unsigned long gaddr, unsigned long val)
{
	unsigned long be = htobe64(val);

	memcpy(image + gaddr, &be, sizeof(be));
}

static unsigned long window_pte(const struct run_layout *l, unsigned long i)
{
	unsigned long d, pte;

	if (i >= l->ndata)
		return _PAGE_INVALID;
	d = (i * l->stride + l->shift) % l->ndata;
	pte = l->reserved + (d << PAGE_SHIFT);
	if (l->attr[d] == ATTR_INVALID)
		return pte | _PAGE_INVALID;
	return l->attr[d] == ATTR_RO ? pte | _PAGE_PROTECT : pte;
}

/* Build the tables in the image of the reserved area. */
static int build_tables(struct run_layout *l)
{
	unsigned long nws = div_round_up(l->ndata, _PAGE_ENTRIES), w, i;
	unsigned long rtx0 = RUN_VBASE >> _REGION3_SHIFT;

	l->image = calloc(1, l->reserved);
	if (!l->image)
		return -ENOMEM;
	for (i = 0; i < _CRST_ENTRIES; i++)
		run_put_entry(l->image, l->tables + 8 * i, _REGION3_ENTRY_EMPTY);
	for (i = 0; i < div_round_up(nws, _CRST_ENTRIES); i++)
		run_put_entry(l->image, l->tables + 8 * (rtx0 + i),
			      (l->sto + i * _CRST_TABLE_SIZE) | _REGION3_ENTRY);
	for (w = 0; w < (l->pto - l->sto) / 8; w++)
		run_put_entry(l->image, l->sto + 8 * w,
			      w < nws ? l->pto + w * _PAGE_TABLE_SIZE : _SEGMENT_ENTRY_EMPTY);
	for (i = 0; i < nws * _PAGE_ENTRIES; i++)
		run_put_entry(l->image, l->pto + 8 * i, window_pte(l, i));
	return 0;
}

/* Store the tables into guest memory from the host side, a segment at a time. */
static int write_tables(struct run *r)
{
	const struct run_layout *l = &r->lay;
	unsigned long g = l->tables, n;
	int rc;

	for (; g < l->tables_end; g += n) {
		n = SEG_SIZE - (g & ~_SEGMENT_MASK);
		if (n > l->tables_end - g)
			n = l->tables_end - g;
		rc = mm_write(r->mm, run_host_addr(r, g), l->image + g, n);
		if (rc)
			return rc;
	}
	return 0;
}

static int map_guest(struct run *r)
{
	unsigned long host, s;
	int rc;

	r->nseg = r->cfg.guest_mem >> _SEGMENT_SHIFT;
	r->seg_host = calloc(r->nseg, sizeof(*r->seg_host));
	r->seg_seq = calloc(r->nseg, sizeof(*r->seg_seq));
	r->seg_discard = calloc(r->nseg, sizeof(*r->seg_discard));
	if (!r->seg_host || !r->seg_seq || !r->seg_discard)
		return -ENOMEM;
	r->mm = mm_create();
	if (!r->mm)
		return -ENOMEM;
	host = mm_mmap(r->mm, 0, r->cfg.guest_mem, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS);
	if (IS_ERR_VALUE(host))
		return (int)host;
	r->gmap = gmap_create(r->mm, r->cfg.guest_mem - 1);
	if (!r->gmap)
		return -ENOMEM;
	for (s = 0; s < r->nseg; s++) {
		r->seg_host[s] = host + (s << _SEGMENT_SHIFT);
		rc = gmap_map_segment(r->gmap, r->seg_host[s], s << _SEGMENT_SHIFT, SEG_SIZE);
		if (rc)
			return rc;
	}
	return 0;
}

static int alloc_vcpus(struct run *r)
{
	unsigned int nv = r->cfg.nvcpus;

	r->vcpus = calloc(nv, sizeof(*r->vcpus));
	if (!r->vcpus)
		return -ENOMEM;
	for (unsigned int k = 0; k < nv; k++) {
		struct run_vcpu *v = &r->vcpus[k];

		v->run = r;
		v->id = k;
		v->nown = (r->lay.ndata - k + nv - 1) / nv;
		/* Pointers only: a model page is allocated when the vCPU writes it. */
		v->ref = calloc(v->nown, sizeof(*v->ref));
		if (!v->ref)
			return -ENOMEM;
		v->rng = run_seed_mix(r->cfg.seed * 0x100 + k + 1) | 1;
		if (r->cfg.ops)
			v->quota = r->cfg.ops / nv + (k < r->cfg.ops % nv);
	}
	return 0;
}

/**
 * run_setup() - build everything the scenario runs on
 * @r: the run, with its configuration set
 *
 * Return: 0, or a negative errno; run_teardown() cleans up either way.
 */
int run_setup(struct run *r)
{
	int rc;

	pthread_mutex_init(&r->fail_lock, NULL);
	plan_layout(&r->lay, r->cfg.nvcpus, r->cfg.guest_mem, r->cfg.nested);
	if (r->lay.reserved + (r->cfg.nvcpus << PAGE_SHIFT) > r->cfg.guest_mem)
		return -EINVAL;
	rc = plan_window(&r->lay, r->cfg.seed);
	if (!rc)
		rc = build_tables(&r->lay);
	if (!rc)
		rc = alloc_vcpus(r);
	if (!rc && r->cfg.nested)
		run_nested_build(r);
	if (!rc)
		rc = map_guest(r);
	if (!rc)
		rc = write_tables(r);
	if (!rc)
		r->move_buf = malloc(SEG_SIZE);
	if (!rc && !r->move_buf)
		rc = -ENOMEM;
	return rc;
}

static unsigned long count_crst(const unsigned long *table, int level, unsigned long *linked)
{
	unsigned long n = 1, e;

	for (unsigned long i = 0; i < _CRST_ENTRIES; i++) {
		e = __atomic_load_n(&table[i], __ATOMIC_ACQUIRE);
		if (level == DAT_LEVEL_SEGMENT)
			*linked += !(e & _SEGMENT_ENTRY_INVALID);
		else if (!(e & _REGION_ENTRY_INVALID))
			n += count_crst((const unsigned long *)(e & _REGION_ENTRY_ORIGIN),
					level - 1, linked);
	}
	return n;
}

/**
 * run_gmap_tables() - count the gmap's region and segment tables
 * @r:      the run; no thread changes the gmap any more
 * @linked: receives the number of valid segment entries (linked host page tables)
 *
 * Return: the number of CRST tables (16 KiB each).
 */
unsigned long run_gmap_tables(const struct run *r, unsigned long *linked)
{
	int top = (int)((r->gmap->asce & _ASCE_TYPE_MASK) >> 2) + 1;
	unsigned long n;

	*linked = 0;
	mmap_read_lock(r->mm);
	n = count_crst(r->gmap->table, top, linked);
	mmap_read_unlock(r->mm);
	return n;
}

/* vCPUs go before the mm they used, the gmap before its mm. */
void run_teardown(struct run *r)
{
	if (r->vcpus)
		for (unsigned int k = 0; k < r->cfg.nvcpus; k++) {
			vcpu_destroy(r->vcpus[k].vcpu);
			for (unsigned long i = 0; r->vcpus[k].ref && i < r->vcpus[k].nown; i++)
				free(r->vcpus[k].ref[i]);
			free(r->vcpus[k].ref);
		}
	if (r->gmap)
		gmap_remove(r->gmap);
	mm_destroy(r->mm);
	gm_quiesce();
	free(r->vcpus);
	free(r->seg_host);
	free(r->seg_seq);
	free(r->seg_discard);
	free(r->lay.window_of);
	free(r->lay.attr);
	free(r->lay.image);
	free(r->move_buf);
	pthread_mutex_destroy(&r->fail_lock);
}
