// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow gmaps against the two-dimensional walk (tests/common/twod.h): guest-2
 * writes random DAT tables for guest-3 (every ASCE type and real space, EDAT
 * 0-2, private space, invalid entries, wrong table types, table offsets and
 * lengths that cut the address off, DAT protection, 1 MiB and 2 GiB frames,
 * common-segment/region bits, frames outside guest-2 memory) and changes them
 * while guest-3 runs; every guest-3 access is made through the shadow
 * (vcpu_sie_read()/vcpu_sie_write()) and through the 2D walk, and both must
 * answer the same: the same exit (VSIE_EXIT_PGM | pic) or 0, and the same
 * bytes. Seeds are fixed: 1 .. GMAP_TWOD_SEEDS (default 6); GMAP_TWOD_SEED=n runs seed n alone.
 *
 * A guest-3 store can land on what guest-2's tables use (a segment entry whose
 * large bit counts only with EDAT-1 names a page table in the data frames; a
 * region-third entry likewise a segment table at 0): a table change without
 * IPTE, after which the architecture lets a TLB go on with the old entry while
 * the shadow unshadows at once, both right and different. So the 2D TLB is
 * purged after every guest-3 store, which keeps both exact. The prefix (guest-3 pages 0 and 1)
 * always translates, or every shadowed access would be a validity exit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../common/rng.h"
#include "../common/twod.h"
#include "../gmap/shadowtest.h"

/* Tables: four of each CRST level (16 KiB), eight 2 KiB page tables; table 0 of each is fixed. */
#define T_R1T	0x400000UL
#define T_R2T	0x500000UL
#define T_R3T	0x600000UL
#define T_SGT	0x700000UL
#define T_PGT	0x800000UL
#define N_CRST	4UL
#define N_PGT	8UL
#define DATA	0x1000000UL /* data frames: 16 .. 24 MiB */
#define DATA_SZ (8UL << 20)
#define PX_USED 16UL /* page indexes the generator fills and the accesses use */

static const unsigned long idx_used[] = { 0, 1, 2, 0x600 }; /* 0x600: beyond TL 2 */

struct ctx {
	struct g2 g;
	struct vcpu *cpu;
	struct twod t;
	struct rng r;
	unsigned long seed;
	unsigned long asce;
	int edat;
	unsigned long compared, exits, changes, kvm_vs_arch;
};

static unsigned long crst_at(unsigned long base, unsigned long i)
{
	return base + i * 0x10000UL;
}

static unsigned long pgt_at(unsigned long i)
{
	return T_PGT + i * _PAGE_TABLE_SIZE;
}

static bool chance(struct rng *r, unsigned long one_in)
{
	return below(r, one_in) == 0;
}

/* A frame (or 1 MiB / 2 GiB frame origin) for guest-3 data: in the data area, or beyond. */
static unsigned long rnd_frame(struct rng *r, unsigned long align)
{
	if (chance(r, 16) || align > DATA_SZ)
		return ((G2_SIZE + align - 1) & ~(align - 1)) + below(r, 4) * align; /* outside */
	return (DATA + below(r, DATA_SZ / align) * align) & ~(align - 1);
}

/* A random entry of region level @level (1 = region-first ... 3 = region-third). */
static unsigned long rnd_region(struct rng *r, int level)
{
	static const unsigned long next[] = { 0, T_R2T, T_R3T, T_SGT };
	unsigned long tt = (unsigned long)(3 - level + 1) << 2, e, tf, tl;

	if (chance(r, 5))
		return tt | _REGION_ENTRY_INVALID;
	if (level == 3 && chance(r, 5)) /* a 2 GiB frame under EDAT-2, a table without */
		return rnd_frame(r, 1UL << 31) | tt | _REGION3_ENTRY_LARGE |
		       (chance(r, 3) ? _REGION_ENTRY_PROTECT : 0);
	tf = chance(r, 6) ? 1 + below(r, 3) : 0;
	tl = chance(r, 6) ? below(r, 4) : 3;
	e = crst_at(next[level], below(r, N_CRST)) | tt | (tf << 6) | tl;
	if (chance(r, 4))
		e |= _REGION_ENTRY_PROTECT;
	if (chance(r, 12))
		e ^= 0x4UL << below(r, 2); /* a wrong table type */
	if (level == 3 && chance(r, 8))
		e |= _REGION3_ENTRY_COMM;
	return e;
}

static unsigned long rnd_segment(struct rng *r)
{
	unsigned long e;

	if (chance(r, 5))
		return _SEGMENT_ENTRY_EMPTY;
	if (chance(r, 5))
		e = rnd_frame(r, _SEGMENT_SIZE) | _SEGMENT_ENTRY_LARGE;
	else
		e = pgt_at(below(r, N_PGT));
	if (chance(r, 4))
		e |= _SEGMENT_ENTRY_PROTECT;
	if (chance(r, 10))
		e |= _SEGMENT_ENTRY_COMM;
	if (chance(r, 12))
		e |= 0x4UL << below(r, 2);
	return e;
}

static unsigned long rnd_pte(struct rng *r)
{
	unsigned long e;

	if (chance(r, 6))
		return _PAGE_INVALID;
	e = rnd_frame(r, PAGE_SIZE);
	if (chance(r, 4))
		e |= _PAGE_PROTECT;
	if (chance(r, 16))
		e |= _PAGE_LARGE; /* bit 52: translation specification */
	return e;
}

/* Index 0 of table 0 at every level, and page indexes 0 and 1 of page table 0: the prefix. */
static bool fixed(unsigned long table_base, unsigned long table, unsigned long idx)
{
	if (table_base == T_PGT)
		return table == 0 && idx < 2;
	return table == 0 && idx == 0;
}

/* Guest-2 stores an entry as it would: under the IPTE interlock, then purges (IDTE). */
static void store(struct ctx *c, unsigned long paddr, unsigned long val)
{
	vsie_ipte_lock();
	assert_int_equal(g2_put(&c->g, paddr, val), 0);
	vsie_ipte_unlock();
	twod_purge(&c->t);
}

static unsigned long rnd_entry_of(struct ctx *c, unsigned long base)
{
	switch (base) {
	case T_R1T:
		return rnd_region(&c->r, 1);
	case T_R2T:
		return rnd_region(&c->r, 2);
	case T_R3T:
		return rnd_region(&c->r, 3);
	case T_SGT:
		return rnd_segment(&c->r);
	default:
		return rnd_pte(&c->r);
	}
}

/* Rewrite one random non-fixed entry that accesses can reach. */
static void change_one(struct ctx *c)
{
	static const unsigned long bases[] = { T_R1T, T_R2T, T_R3T, T_SGT, T_PGT };
	unsigned long base = bases[below(&c->r, 5)], table, idx, paddr;

	do {
		if (base == T_PGT) {
			table = below(&c->r, N_PGT);
			idx = below(&c->r, PX_USED);
			paddr = pgt_at(table) + 8 * idx;
		} else {
			table = below(&c->r, N_CRST);
			idx = idx_used[below(&c->r, 4)];
			paddr = crst_at(base, table) + 8 * idx;
		}
	} while (fixed(base, table, idx));
	store(c, paddr, rnd_entry_of(c, base));
	c->changes++;
}

static void build_tables(struct ctx *c)
{
	static const unsigned long bases[] = { T_R1T, T_R2T, T_R3T, T_SGT };
	static const unsigned long empty[] = { _REGION1_ENTRY_EMPTY, _REGION2_ENTRY_EMPTY,
					       _REGION3_ENTRY_EMPTY, _SEGMENT_ENTRY_EMPTY };
	unsigned long fill[2048];

	for (int l = 0; l < 4; l++)
		for (unsigned long t = 0; t < N_CRST; t++) {
			for (unsigned long i = 0; i < 2048; i++)
				fill[i] = htobe64(empty[l]);
			for (unsigned long i = 0; i < 4; i++)
				fill[idx_used[i]] = htobe64(rnd_entry_of(c, bases[l]));
			assert_int_equal(mm_write(c->g.mm, G2_HOST + crst_at(bases[l], t), fill,
						  sizeof(fill)),
					 0);
		}
	for (unsigned long t = 0; t < N_PGT; t++) {
		for (unsigned long i = 0; i < 256; i++)
			fill[i] = htobe64(i < PX_USED ? rnd_pte(&c->r) : _PAGE_INVALID);
		assert_int_equal(mm_write(c->g.mm, G2_HOST + pgt_at(t), fill, 256 * 8), 0);
	}
	/* The prefix chain: index 0 of each table 0 to the next table 0, pages 0 and 1 valid. */
	g2_put(&c->g, T_R1T, T_R2T | _REGION_ENTRY_TYPE_R1 | _REGION_ENTRY_LENGTH);
	g2_put(&c->g, T_R2T, T_R3T | _REGION_ENTRY_TYPE_R2 | _REGION_ENTRY_LENGTH);
	g2_put(&c->g, T_R3T, T_SGT | _REGION_ENTRY_TYPE_R3 | _REGION_ENTRY_LENGTH);
	g2_put(&c->g, T_SGT, T_PGT);
	g2_put(&c->g, T_PGT, DATA);
	g2_put(&c->g, T_PGT + 8, DATA + PAGE_SIZE);
}

static void fill_data(struct ctx *c)
{
	static unsigned long page[PAGE_SIZE / 8];

	for (unsigned long p = 0; p < DATA_SZ; p += PAGE_SIZE) {
		for (unsigned long i = 0; i < PAGE_SIZE / 8; i++)
			page[i] = (DATA + p) ^ (i * 0x9e3779b97f4a7c15UL);
		assert_int_equal(mm_write(c->g.mm, G2_HOST + DATA + p, page, PAGE_SIZE), 0);
	}
}

/* A guest-3 ASCE: a type, its top table 0 (or real space), a table length, private or not. */
static void switch_asce(struct ctx *c)
{
	static const unsigned long top[] = { T_SGT, T_R3T, T_R2T, T_R1T };
	unsigned long type = below(&c->r, 5);

	if (type == 4)
		c->asce = _ASCE_REAL_SPACE;
	else
		c->asce = top[type] | (type << 2) | (chance(&c->r, 4) ? below(&c->r, 3) : 3);
	if (chance(&c->r, 3))
		c->asce |= _ASCE_PRIVATE_SPACE;
	c->edat = (int)below(&c->r, 3);
	vcpu_sie_exit(c->cpu);
	assert_int_equal(vcpu_sie_enter(c->cpu, c->asce, c->edat, 0), 0);
	twod_set_asce(&c->t, c->asce, c->edat);
}

/* A guest-3 address from the indexes the tables fill (real space: below 64 MiB mostly). */
static unsigned long rnd_saddr(struct ctx *c)
{
	unsigned long a = below(&c->r, PAGE_SIZE);

	a |= below(&c->r, PX_USED) << PAGE_SHIFT;
	a |= idx_used[below(&c->r, 4)] << 20;
	if (chance(&c->r, 2)) {
		a |= idx_used[below(&c->r, 4)] << 31;
		a |= idx_used[below(&c->r, 4)] << 42;
		a |= (unsigned long)idx_used[below(&c->r, 4)] << 53;
	}
	if ((c->asce & _ASCE_REAL_SPACE) && chance(&c->r, 2))
		a = DATA + below(&c->r, DATA_SZ); /* real space: guest-2's data directly */
	return a;
}

/* On a mismatch: the entries the 2D walk used, for the failure message's reader. */
static void print_walk(struct ctx *c, unsigned long saddr, bool write)
{
	struct twod_reader rd = { &c->t, atomic_load(&c->t.gen), 0 };
	struct dat_result res;
	unsigned int pic = dat_translate(&c->t.cfg, saddr, write ? DAT_STORE : DAT_FETCH,
					 twod_read_entry, &rd, &res);

	printf("# 2D walk of %#lx: pic %#x, abs %#lx\n", saddr, pic, res.abs);
	for (unsigned int i = 0; i < res.nsteps; i++)
		printf("#  level %d entry at %#lx: %#lx\n", res.steps[i].level, res.steps[i].addr,
		       res.steps[i].val);
}

/* One access both ways; a store stores the same bytes both ways, then both read them back. */
static void compare_one(struct ctx *c)
{
	unsigned char a[64], b[64], data[64];
	unsigned long saddr = rnd_saddr(c);
	size_t len = 1 + below(&c->r, sizeof(a));
	bool real_low = (c->asce & _ASCE_REAL_SPACE) && saddr < DATA;
	int rs, rt;

	if (chance(&c->r, 3) && !real_low) {
		for (size_t i = 0; i < len; i++)
			data[i] = (unsigned char)rnd(&c->r);
		rs = vcpu_sie_write(c->cpu, saddr, data, len);
		rt = twod_access(&c->t, saddr, data, len, true);
		/* Guest-3 may have stored into what guest-2's tables use (see the top). */
		twod_purge(&c->t);
		if (rs == (int)(VSIE_EXIT_PGM | PGM_ADDRESSING) &&
		    rt == (int)(VSIE_EXIT_PGM | PGM_PROTECTION)) {
			c->kvm_vs_arch++; /* see the top */
			rs = rt;
		}
		if (rs != rt)
			print_walk(c, saddr, true);
		if (rs != rt)
			fail_msg("seed %lu: store to %#lx (asce %#lx edat %d): shadow %#x, 2D %#x",
				 c->seed, saddr, c->asce, c->edat, rs, rt);
	}
	memset(a, 0xaa, sizeof(a));
	memset(b, 0x55, sizeof(b));
	rs = vcpu_sie_read(c->cpu, saddr, a, len);
	rt = twod_access(&c->t, saddr, b, len, false);
	if (rs != rt || (!rs && memcmp(a, b, len)))
		print_walk(c, saddr, false);
	if (rs != rt)
		fail_msg("seed %lu: fetch from %#lx (asce %#lx edat %d): shadow %#x, 2D %#x",
			 c->seed, saddr, c->asce, c->edat, rs, rt);
	if (!rs && memcmp(a, b, len))
		fail_msg("seed %lu: fetch from %#lx: the bytes differ", c->seed, saddr);
	assert_true(rs == 0 || (rs & VSIE_EXIT_PGM));
	c->compared++;
	c->exits += rs != 0;
}

/* Guest-2 with its data and random tables, the random sequence starting at @rng. */
static struct ctx *ctx_create(unsigned long rng)
{
	struct ctx *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->r.s = rng;
	assert_int_equal(g2_create(&c->g), 0);
	fill_data(c);
	build_tables(c);
	return c;
}

/* A vCPU on guest-2's gmap, and the 2D walker with @asce for guest-3. */
static void ctx_add_vcpu(struct ctx *c, unsigned long asce)
{
	c->cpu = vcpu_create();
	assert_non_null(c->cpu);
	gmap_enable(c->g.parent);
	assert_int_equal(twod_init(&c->t, c->g.parent, asce, 0), 0);
}

/* Undo both; the vCPU, if there is one, is in SIE. */
static void ctx_destroy(struct ctx *c)
{
	if (c->cpu)
		vcpu_sie_exit(c->cpu);
	twod_fini(&c->t);
	if (c->cpu) {
		gmap_disable(c->g.parent);
		vcpu_destroy(c->cpu);
	}
	g2_destroy(&c->g);
	free(c);
}

static void run_seed(unsigned long seed)
{
	struct ctx *c = ctx_create(seed * 0x9e3779b97f4a7c15UL | 1);

	c->seed = seed;
	ctx_add_vcpu(c, 0);
	for (int round = 0; round < 40; round++) {
		switch_asce(c);
		for (int op = 0; op < 150; op++) {
			if (chance(&c->r, 8))
				change_one(c);
			compare_one(c);
		}
	}
	printf("# seed %lu: %lu accesses compared, %lu exits, %lu table changes, %lu KVM-vs-PoP\n",
	       seed, c->compared, c->exits, c->changes, c->kvm_vs_arch);
	/* Both answered, and not only with exits. */
	assert_true(c->exits > 0 && c->exits < c->compared);
	ctx_destroy(c);
}

static void test_shadow_and_2d_agree(void **state)
{
	const char *env = getenv("GMAP_TWOD_SEED");

	(void)state;
	if (env) {
		run_seed(strtoul(env, NULL, 0));
		return;
	}
	/* GMAP_TWOD_SEEDS: how many (ThreadSanitizer's build runs fewer). */
	env = getenv("GMAP_TWOD_SEEDS");
	for (unsigned long seed = 1, n = env ? strtoul(env, NULL, 0) : 6; seed <= n; seed++)
		run_seed(seed);
}

/* The 2D TLB: a host migration of a data page purges it (the listener), the bytes follow. */
static void test_2d_follows_host_events(void **state)
{
	struct ctx *c = ctx_create(77);
	unsigned long v = 0, w = 0;

	(void)state;
	assert_int_equal(twod_init(&c->t, c->g.parent, T_SGT | _ASCE_TYPE_SEGMENT | 3, 0), 0);
	assert_int_equal(twod_access(&c->t, PAGE_SIZE + 8, &v, 8, false), 0);
	assert_int_equal(mm_migrate_page(c->g.mm, G2_HOST + DATA + PAGE_SIZE), 0);
	assert_int_equal(g2_put(&c->g, DATA + PAGE_SIZE + 8, 0x1234), 0);
	assert_int_equal(twod_access(&c->t, PAGE_SIZE + 8, &w, 8, false), 0);
	assert_int_equal(be64toh(w), 0x1234);
	assert_true(c->t.st.misses >= 2);
	/* A page guest-2 does not map (page index 300 of page table 0): a PIC for guest-2. */
	assert_int_equal(twod_access(&c->t, 300 * PAGE_SIZE, &v, 8, false),
			 VSIE_EXIT_PGM | PGM_PAGE_TRANSLATION);
	ctx_destroy(c);
}

/*
 * Where the two approaches really differ: guest-2 maps a guest-3 page writable
 * onto the very page that holds guest-2's page table for it. The shadow page
 * table needs that page write-protected, the writable shadow PTE needs it
 * writable: each build unshadows itself, and the access gives up with -EAGAIN
 * after its bounded retries (KVM's vSIE loops the same way, re-entering SIE).
 * The 2D walk reads the page table and translates.
 */
static void test_table_mapped_writable_onto_itself(void **state)
{
	struct ctx *c = ctx_create(99);
	unsigned long asce = T_SGT | _ASCE_TYPE_SEGMENT | _ASCE_TABLE_LENGTH, own = DATA + 0x10000;
	unsigned long saddr = 3 * _SEGMENT_SIZE + 0x10, v = 0, w = 0;
	struct vsie_stats st;

	(void)state;
	assert_int_equal(g2_put(&c->g, T_SGT + 3 * 8, own), 0);
	assert_int_equal(g2_put(&c->g, own, own), 0);
	ctx_add_vcpu(c, asce);
	assert_int_equal(twod_access(&c->t, saddr - 0x10, &w, 8, false), 0);
	assert_int_equal(be64toh(w), own); /* the PTE, read as data through itself */
	assert_int_equal(vcpu_sie_enter(c->cpu, asce, 0, 0), 0);
	assert_int_equal(vcpu_sie_read(c->cpu, saddr, &v, 8), -EAGAIN);
	vcpu_get_vsie_stats(c->cpu, &st);
	assert_true(st.eagain_retries >= 1000);
	/* A read-only mapping of the same page is no conflict. */
	assert_int_equal(g2_put(&c->g, own, own | _PAGE_PROTECT), 0);
	twod_purge(&c->t);
	assert_int_equal(vcpu_sie_read(c->cpu, saddr - 0x10, &v, 8), 0);
	assert_int_equal(twod_access(&c->t, saddr - 0x10, &w, 8, false), 0);
	assert_int_equal(v, w);
	ctx_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shadow_and_2d_agree),
		cmocka_unit_test(test_2d_follows_host_events),
		cmocka_unit_test(test_table_mapped_writable_onto_itself),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
