// SPDX-License-Identifier: GPL-2.0
/*
 * Differential test of the DAT walker against an independent implementation:
 * the s390x CPU of unicorn (QEMU 5.0 TCG). Random table hierarchies are built in
 * big-endian storage that both sides see; unicorn translates every address with
 * LRAG (translation of a fetch) and TPROT (store, then fetch), our walker with
 * dat_translate(), and the outcomes must agree. The lean walker, through
 * dat_translate_lean() over the same storage, is compared with unicorn as well.
 *
 * What unicorn reports, and therefore what is compared:
 *  - LRAG: the absolute address (QEMU applies prefixing to the LRA result; the
 *    architecture returns the real one, which is why we compare with res.abs)
 *    or the program-interruption code of a translation exception, a
 *    translation-specification exception or a table-entry addressing exception.
 *    It checks neither protection nor the final frame.
 *  - TPROT: cc 0 (store allowed), cc 1 (store protected, fetch allowed), cc 3
 *    (translation exception), or a program interruption (addressing,
 *    translation specification) that we catch with UC_HOOK_INTR. It leaves
 *    the TEID of the failing store (or retried fetch) translation in the
 *    lowcore, which we read back and compare with res.teid.
 * QEMU's TPROT helper first translates for a store and, only after a
 * protection exception, retries as a fetch; predict_tprot() derives what it
 * must then report from the walker's store and fetch results.
 *
 * Covered: all four ASCE types with random TL, region entries with random
 * TF/TL, invalid bits, wrong TT, zero and garbage entries, private-space ASCEs
 * with common-segment bits, PTE bit 52, segment and page protection, real-space
 * ASCEs, addresses that pass and fail the ASCE-type and ASCE-TL checks, tables
 * and frames beyond (and straddling) the end of storage, prefixing (frames in
 * both 8 KiB windows), low-address protection, and primary, secondary and
 * home space. Bits that are ignored without EDAT (STE FC, region P, RTTE FC and
 * CR, PTE bit 55 with IEP installed but off) are set at random, so the test
 * checks that both sides ignore them.
 *
 * Not covered here, because unicorn 2.0.1 cannot check it (no CPU model enables
 * EDAT-1/-2, it does not check PTE bit 55 or other reserved bits, it has no
 * key-controlled protection, and access-register mode aborts): EDAT-1 segment
 * frames, EDAT-2 region frames, region P bits with EDAT-1, the RTTE CR bit with
 * EDAT-2, IEP on instruction fetch, PTE bit 55 without EDAT-1 and IEP, and AR
 * mode. Those are covered by the permutation test (tests/dat/test_permutation.c).
 * The walker therefore runs with edat = 0 and iep_installed = true here.
 *
 * The seed is printed; DAT_UNICORN_SEED=<n> repeats a run and
 * DAT_UNICORN_BATCHES=<n> changes the number of table sets per address space.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <unicorn/unicorn.h>

#include "bemem.h"

/* ---- storage layout (absolute = real everywhere the harness itself looks) ---------------- */

/* Not a power of two, so the storage boundary is not where tables line up by chance. */
#define STORAGE_SIZE 0x3fb000UL
#define CODE_ADDR    0x2000UL /* setup at +0, the loop at +LOOP_OFF; one page */
#define LOOP_OFF     0x100UL
#define CR_BLOCK     0x3000UL /* 16 control registers for LCTLG */
#define PREFIX_WORD  0x3100UL /* operand of SPX */
#define PREFIX_LO    0x4000UL /* prefix values are drawn from [PREFIX_LO, PREFIX_HI) */
#define PREFIX_HI    0x80000UL
#define LIST_ADDR    0x80000UL /* the addresses under test */
#define RESULT_ADDR  0x88000UL /* REC_WORDS doublewords per address */
#define TABLE_LO     0x100000UL
#define TABLE_HI     (STORAGE_SIZE - 0x10000UL) /* the last 64 KiB is for "edge" tables */
#define TEC_ADDR     0xa8UL			/* real address of the TEID in the lowcore */
#define TEC_SENTINEL 0x5a5a5a5a5a5a5a5aUL

#define MAX_ADDRS  1024
#define REC_WORDS  5 /* LRAG result, cc; TEID before TPROT, cc; TEID after TPROT */
#define MAX_TABLES 256

#define PSW_DAT	      0x0400000000000000UL
#define PSW_ASC_SHIFT 46
#define PSW_64	      0x0000000180000000UL
#define CR0_LAP	      0x0000000010000000UL

/* TPROT outcomes; TP_INTR is a program interruption. */
enum { TP_CC0 = 0, TP_CC1 = 1, TP_CC3 = 3, TP_INTR = 4 };

/* ---- random numbers ------------------------------------------------------------------------ */

static unsigned long master_seed;
static unsigned long rng_state;

static unsigned long rnd(void)
{
	unsigned long z = (rng_state += 0x9e3779b97f4a7c15UL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	return z ^ (z >> 31);
}

static unsigned long below(unsigned long n)
{
	return rnd() % n;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* ---- the emulator -------------------------------------------------------------------------- */

static uc_engine *uc;
static uc_hook intr_hook;
static bool intr_seen;
static unsigned int intr_no;
static unsigned long intr_pc;

static void on_interrupt(uc_engine *u, uint32_t intno, void *user)
{
	(void)user;
	intr_seen = true;
	intr_no = intno;
	uc_reg_read(u, UC_S390X_REG_PC, &intr_pc);
	uc_emu_stop(u);
}

static void reg_write(int reg, unsigned long val)
{
	uint64_t v = val;

	assert_int_equal(uc_reg_write(uc, reg, &v), UC_ERR_OK);
}

static unsigned long reg_read(int reg)
{
	uint64_t v = 0;

	assert_int_equal(uc_reg_read(uc, reg, &v), UC_ERR_OK);
	return v;
}

static unsigned long uc_get64(unsigned long addr)
{
	uint64_t be;

	assert_int_equal(uc_mem_read(uc, addr, &be, 8), UC_ERR_OK);
	return be64toh(be);
}

/* ---- guest code ---------------------------------------------------------------------------- */

/* Appends instruction bytes to a buffer. */
struct code {
	unsigned char b[512]; /* setup at 0, the loop at LOOP_OFF */
	unsigned int n;
};

static void emit(struct code *c, unsigned int len, unsigned long insn)
{
	for (unsigned int i = 0; i < len; i++)
		c->b[c->n++] = (unsigned char)(insn >> (8 * (len - 1 - i)));
}

/* STURG rX,r7 then advance r7 to the next result doubleword. */
static void emit_store_result(struct code *c, unsigned int reg)
{
	emit(c, 4, 0xb9250007UL | reg << 4); /* STURG reg,r7 */
	emit(c, 4, 0x41707008UL);	     /* LA r7,8(r7) */
}

/*
 * Setup (DAT off): LCTLG 0,15,0(r10); SPX 0(r11).
 * Loop, once per address (r6 list, r7 results, r8 count, r9 sentinel, r11 TEC address):
 *   LURAG r1,r6; LRAG r2,0(r1); IPM r5; store r2, r5;
 *   [STURG r9,r11 to clear the TEID; left out with LAP, which would refuse it]
 *   LURAG r3,r11; store r3; TPROT 0(r1),0; IPM r5; store r5;
 *   LURAG r3,r11; store r3; LA r6,8(r6); BRCTG r8,loop
 * Real-address loads and stores (LURAG/STURG) never touch the tables under test.
 */
struct guest {
	struct code c;
	unsigned int loop, tprot, end;
};

static void build_guest(struct guest *g, bool clear_tec)
{
	struct code *c = &g->c;
	unsigned int brctg;

	c->n = 0;
	emit(c, 6, 0xeb0fa000002fUL); /* LCTLG 0,15,0(r10) */
	emit(c, 4, 0xb210b000UL);     /* SPX 0(r11) */
	c->n = LOOP_OFF;
	g->loop = c->n;
	emit(c, 4, 0xb9050016UL);     /* LURAG r1,r6 */
	emit(c, 6, 0xe32010000003UL); /* LRAG r2,0(r1) */
	emit(c, 4, 0xb2220050UL);     /* IPM r5 */
	emit_store_result(c, 2);
	emit_store_result(c, 5);
	if (clear_tec)
		emit(c, 4, 0xb925009bUL); /* STURG r9,r11 */
	emit(c, 4, 0xb905003bUL);	  /* LURAG r3,r11 */
	emit_store_result(c, 3);
	g->tprot = c->n;
	emit(c, 6, 0xe50110000000UL); /* TPROT 0(r1),0 */
	emit(c, 4, 0xb2220050UL);     /* IPM r5 */
	emit_store_result(c, 5);
	emit(c, 4, 0xb905003bUL); /* LURAG r3,r11 */
	emit_store_result(c, 3);
	emit(c, 4, 0x41606008UL); /* LA r6,8(r6) */
	brctg = c->n;
	emit(c, 4, 0xa7870000UL | (((g->loop - brctg) / 2) & 0xffff)); /* BRCTG r8,loop */
	g->end = c->n;
}

/* ---- one table set ------------------------------------------------------------------------- */

struct batch {
	struct dat_config cfg;
	unsigned long psw_asc;
	unsigned long code_va; /* virtual address of the code page in primary/home space */
	unsigned long next_free;
	unsigned long tables[5][MAX_TABLES]; /* by level; 0 = page tables */
	unsigned int ntables[5];
	unsigned long va[MAX_ADDRS];
	unsigned int n;
};

static struct bemem mem;
static unsigned char *assigned; /* one byte per doubleword: the entry was generated */
static struct batch b;

/* Statistics, for the coverage check at the end. */
enum {
	ST_OK,
	ST_PROT_DAT,
	ST_PROT_LAP,
	ST_ADDR_TABLE,
	ST_ADDR_FRAME,
	ST_SEG,
	ST_PAGE,
	ST_SPEC,
	ST_SPEC_COMMON,
	ST_ASCE_TYPE,
	ST_ASCE_TL,
	ST_R1,
	ST_R2,
	ST_R3,
	ST_PREFIXED,
	ST_REAL_SPACE,
	ST_TPROT_INTR,
	ST_TPROT_CC1,
	ST_TPROT_CC3,
	ST_TEID_FETCH,
	ST_NR
};
static const char *const st_name[ST_NR] = {
	[ST_OK] = "translated",
	[ST_PROT_DAT] = "DAT protection",
	[ST_PROT_LAP] = "low-address prot",
	[ST_ADDR_TABLE] = "table addressing",
	[ST_ADDR_FRAME] = "frame addressing",
	[ST_SEG] = "segment-trans",
	[ST_PAGE] = "page-trans",
	[ST_SPEC] = "trans-spec",
	[ST_SPEC_COMMON] = "CS in private",
	[ST_ASCE_TYPE] = "ASCE-type",
	[ST_ASCE_TL] = "ASCE table length",
	[ST_R1] = "region-first",
	[ST_R2] = "region-second",
	[ST_R3] = "region-third",
	[ST_PREFIXED] = "prefix swapped",
	[ST_REAL_SPACE] = "real space",
	[ST_TPROT_INTR] = "TPROT interrupt",
	[ST_TPROT_CC1] = "TPROT cc 1",
	[ST_TPROT_CC3] = "TPROT cc 3",
	[ST_TEID_FETCH] = "fetch TEID",
};
static unsigned long stats[ST_NR];
static unsigned long total_addrs, total_checks, skipped, lean_hits;

static bool in_storage(unsigned long addr, unsigned long len)
{
	return addr < STORAGE_SIZE && len <= STORAGE_SIZE - addr;
}

static bool is_assigned(unsigned long ea)
{
	return assigned[ea / 8];
}

/* Store an entry where it lies in storage; the parts beyond storage do not exist. */
static void put_entry(unsigned long ea, unsigned long val)
{
	if (!in_storage(ea, 8))
		return;
	bemem_put(&mem, ea, val);
	assigned[ea / 8] = 1;
}

static unsigned long empty_entry(int level)
{
	if (level == DAT_LEVEL_PTE)
		return _PAGE_INVALID;
	if (level == DAT_LEVEL_SEGMENT)
		return _SEGMENT_ENTRY_EMPTY;
	return ((unsigned long)(level - 1) << 2) | _REGION_ENTRY_INVALID;
}

/* Fill a new table: mostly invalid entries, sometimes zeros or garbage. */
static void fill_table(unsigned long origin, int level)
{
	unsigned long n = level == DAT_LEVEL_PTE ? _PAGE_ENTRIES : _CRST_ENTRIES;
	unsigned long inv = level == DAT_LEVEL_PTE ? _PAGE_INVALID : _REGION_ENTRY_INVALID;
	unsigned int kind = (unsigned int)below(10);

	for (unsigned long i = 0; i < n; i++) {
		unsigned long ea = origin + 8 * i, v;

		if (!in_storage(ea, 8))
			break;
		if (kind < 5)
			v = empty_entry(level);
		else if (kind < 8)
			v = rnd() | inv; /* invalid, whatever else is set */
		else if (kind < 9)
			v = 0;
		else
			v = rnd();
		bemem_put(&mem, ea, v);
	}
}

/* A new table of @level in storage, or an existing one when storage runs out. */
static unsigned long new_table(int level)
{
	unsigned long size = level == DAT_LEVEL_PTE ? _PAGE_TABLE_SIZE : _CRST_TABLE_SIZE;
	unsigned long align = level == DAT_LEVEL_PTE ? _PAGE_TABLE_SIZE : PAGE_SIZE;
	unsigned long origin = (b.next_free + align - 1) & ~(align - 1);

	if (origin + size > TABLE_HI || b.ntables[level] == MAX_TABLES) {
		if (b.ntables[level])
			return b.tables[level][below(b.ntables[level])];
		return TABLE_LO;
	}
	b.next_free = origin + size;
	b.tables[level][b.ntables[level]++] = origin;
	fill_table(origin, level);
	return origin;
}

static unsigned long existing_table(int level)
{
	if (!b.ntables[level])
		return new_table(level);
	return b.tables[level][below(b.ntables[level])];
}

/*
 * Keep random tables out of the result area, which the guest writes during the
 * run; entries there would not be what the walker reads afterwards.
 */
static unsigned long random_origin(unsigned long addr, unsigned long align)
{
	if (addr + _CRST_TABLE_SIZE > RESULT_ADDR && addr < TABLE_LO)
		addr += TABLE_LO - RESULT_ADDR + _CRST_TABLE_SIZE;
	return addr & ~(align - 1);
}

/* Origin of a table that is partly or wholly beyond the end of storage. */
static unsigned long edge_origin(int level)
{
	unsigned long unit = level == DAT_LEVEL_PTE ? _PAGE_TABLE_SIZE : PAGE_SIZE;

	switch (below(4)) {
	case 0:
		return STORAGE_SIZE - unit * (1 + below(4)); /* straddles the end */
	case 1:
		return STORAGE_SIZE + unit * below(16);
	case 2:
		return random_origin(rnd() >> below(52), unit); /* anywhere, mostly far beyond */
	default:
		return STORAGE_SIZE & ~(unit - 1);
	}
}

/* Where a pointer entry to a table of @level points. */
static unsigned long pick_origin(int level, bool force_valid)
{
	unsigned int r = force_valid ? 0 : (unsigned int)below(100);
	unsigned long align = level == DAT_LEVEL_PTE ? _PAGE_TABLE_SIZE : PAGE_SIZE;

	if (r < 55)
		return new_table(level);
	if (r < 83)
		return existing_table(level);
	if (r < 88)
		return existing_table((int)below(5)) & ~(align - 1); /* a table of another level */
	if (r < 92)
		return random_origin(below(STORAGE_SIZE), align);
	return edge_origin(level);
}

/* Ignored without EDAT: bit 52 (0x800), FC (0x400), P (0x200), 55 (0x100), CR (0x10). */
static unsigned long region_ignored_bits(void)
{
	static const unsigned long bits[] = { 0x800, 0x400, 0x200, 0x100, 0x10 };
	unsigned long v = 0;

	for (unsigned int i = 0; i < 5; i++)
		if (chance(15))
			v |= bits[i];
	return v;
}

static unsigned long gen_region_entry(int level, bool force_valid)
{
	unsigned long tt = (unsigned long)(level - 1) << 2;
	unsigned long tf = below(4), tl = chance(85) ? tf + below(4 - tf) : below(4);
	unsigned int r = force_valid ? 0 : (unsigned int)below(100);
	unsigned long e;

	if (force_valid)
		return pick_origin(level - 1, true) | tl | tt | (region_ignored_bits() & ~0x10UL);
	e = pick_origin(level - 1, false) | tf << 6 | tl | region_ignored_bits();
	if (r < 72)
		return e | tt;
	if (r < 84)
		return e | tt | _REGION_ENTRY_INVALID | (chance(30) ? rnd() : 0);
	if (r < 92)
		return e | (((tt >> 2) + 1 + below(3)) % 4) << 2; /* wrong TT */
	if (r < 95)
		return 0;
	return rnd();
}

static unsigned long gen_segment_entry(bool force_valid)
{
	unsigned int r = force_valid ? 0 : (unsigned int)below(100);
	unsigned long e = pick_origin(DAT_LEVEL_PTE, force_valid);

	if (chance(30))
		e |= _SEGMENT_ENTRY_PROTECT;
	if (chance(10))
		e |= _SEGMENT_ENTRY_LARGE; /* FC, ignored without EDAT-1 */
	if (chance(10))
		e |= 0x100;
	if (chance(10))
		e |= rnd() & 0xc0;
	if (chance(30))
		e |= rnd() & 0x3;
	if (force_valid)
		return e;
	if (chance(20))
		e |= _SEGMENT_ENTRY_COMM;
	if (r < 70)
		return e;
	if (r < 82)
		return e | _SEGMENT_ENTRY_INVALID | (chance(30) ? rnd() : 0);
	if (r < 90)
		return e | (1 + below(3)) << 2; /* wrong TT */
	if (r < 94)
		return 0;
	return rnd();
}

static unsigned long pick_frame(void)
{
	unsigned int r = (unsigned int)below(100);

	if (r < 55)
		return below(STORAGE_SIZE) & PAGE_MASK;
	if (r < 65)
		return below(PREFIX_AREA_SIZE) & PAGE_MASK;
	if (r < 75)
		return b.cfg.prefix + (below(PREFIX_AREA_SIZE) & PAGE_MASK);
	if (r < 80)
		return STORAGE_SIZE - PAGE_SIZE;
	if (r < 90)
		return STORAGE_SIZE + below(16) * PAGE_SIZE;
	return rnd() & PAGE_MASK;
}

static unsigned long gen_pte(void)
{
	unsigned int r = (unsigned int)below(100);
	unsigned long e = pick_frame();

	if (chance(30))
		e |= _PAGE_PROTECT;
	if (chance(10))
		e |= _PAGE_NOEXEC; /* bit 55: IEP is installed, so it is only checked on ifetch */
	if (chance(50))
		e |= rnd() & _PAGE_SW_BITS;
	if (r < 72)
		return e;
	if (r < 86)
		return e | _PAGE_INVALID | (chance(30) ? rnd() : 0);
	if (r < 94)
		return e | _PAGE_LARGE; /* bit 52 */
	return rnd();
}

/* An index for the table a walk enters, mostly inside the TF..TL range of its entry. */
static unsigned long pick_index(unsigned long tf, unsigned long tl)
{
	unsigned long lo = tf * 512, hi = tl * 512 + 511;

	if (tf > tl || chance(12))
		return below(_CRST_ENTRIES);
	switch (below(8)) {
	case 0:
		return lo;
	case 1:
		return hi;
	default:
		return lo + below(hi - lo + 1);
	}
}

/*
 * Build a path from the ASCE down, generating every entry it meets for the first
 * time, and return a virtual address that follows it. The index for each level
 * is chosen after the entry above is known, so most addresses respect the
 * TF/TL ranges they meet and walks get deep.
 * @low:   all region and segment indices 0, page index 0 or 1 (low-address protection)
 * @force: every entry valid, TF 0, ending in the code frame (primary/home code page)
 */
static unsigned long gen_path(bool low, bool force)
{
	unsigned long asce = b.cfg.asce, origin = asce & _ASCE_ORIGIN, e, va;
	int top = (int)((asce & _ASCE_TYPE_MASK) >> 2) + 1, level;
	unsigned long idx[DAT_LEVEL_ASCE];

	for (level = 0; level < DAT_LEVEL_ASCE; level++)
		idx[level] = level > top ? 0 : below(level ? _CRST_ENTRIES : _PAGE_ENTRIES);
	if (low)
		idx[0] = below(2);
	idx[top] = pick_index(0, asce & _ASCE_TABLE_LENGTH);
	for (level = top; level >= DAT_LEVEL_SEGMENT; level--) {
		unsigned long ea;

		if (low || force)
			idx[level] =
				force && level == DAT_LEVEL_SEGMENT ? below(STORAGE_SIZE >> 20) : 0;
		ea = origin + idx[level] * 8;
		if (!in_storage(ea, 8))
			break;
		if (!is_assigned(ea))
			put_entry(ea, level == DAT_LEVEL_SEGMENT ? gen_segment_entry(force)
								 : gen_region_entry(level, force));
		e = bemem_get(&mem, ea);
		if (level == DAT_LEVEL_SEGMENT) {
			if ((e & (_SEGMENT_ENTRY_INVALID | _SEGMENT_ENTRY_TYPE_MASK)))
				break;
			origin = e & _SEGMENT_ENTRY_ORIGIN;
			ea = origin + idx[0] * 8;
			if (force)
				put_entry(ea,
					  CODE_ADDR | (rnd() & (_PAGE_PROTECT | _PAGE_SW_BITS)));
			else if (in_storage(ea, 8) && !is_assigned(ea))
				put_entry(ea, gen_pte());
			break;
		}
		if ((e & _REGION_ENTRY_INVALID) ||
		    ((e & _REGION_ENTRY_TYPE_MASK) >> 2) != (unsigned long)(level - 1))
			break;
		idx[level - 1] =
			pick_index((e & _REGION_ENTRY_OFFSET) >> 6, e & _REGION_ENTRY_LENGTH);
		origin = e & _REGION_ENTRY_ORIGIN;
	}
	va = idx[0] << PAGE_SHIFT;
	for (level = DAT_LEVEL_SEGMENT; level < DAT_LEVEL_ASCE; level++)
		va |= idx[level] << (_SEGMENT_SHIFT + 11 * (level - 1));
	if (force)
		return va;
	va |= low && chance(50) ? below(512) : below(PAGE_SIZE);
	/* Now and then an address the ASCE type cannot reach. */
	if (top < DAT_LEVEL_REGION1 && chance(4))
		va |= 1UL << (_SEGMENT_SHIFT + 11 * top + below(64 - _SEGMENT_SHIFT - 11 * top));
	return va;
}

static unsigned long gen_real_space_va(void)
{
	switch (below(6)) {
	case 0:
		return below(PREFIX_AREA_SIZE);
	case 1:
		return b.cfg.prefix + below(PREFIX_AREA_SIZE);
	case 2:
		return STORAGE_SIZE - PAGE_SIZE + below(2 * PAGE_SIZE);
	case 3:
		return rnd() >> below(64);
	default:
		return below(STORAGE_SIZE);
	}
}

static void gen_asce(bool code_in_space)
{
	unsigned long dt = below(4), asce = dt << 2 | below(4);
	int top = (int)dt + 1;

	if (chance(25))
		asce |= _ASCE_PRIVATE_SPACE;
	if (chance(30))
		asce |= rnd() & 0xed0; /* G, S, X and the reserved bits: ignored */
	if (chance(8)) {
		b.cfg.asce = (rnd() & _ASCE_ORIGIN) | asce | _ASCE_REAL_SPACE;
		return;
	}
	/* The code page must be reachable in primary/home space, so no bad origin there. */
	if (!code_in_space && chance(4))
		asce |= edge_origin(top) & _ASCE_ORIGIN;
	else
		asce |= new_table(top);
	b.cfg.asce = asce;
}

/* Draw the machine state, build the tables and the list of addresses. */
static void gen_batch(enum dat_space space)
{
	bool code_in_space = space != DAT_SPACE_SECONDARY;

	memset(mem.mem, 0, mem.size);
	memset(assigned, 0, STORAGE_SIZE / 8);
	memset(&b, 0, sizeof(b));
	b.next_free = TABLE_LO;
	b.cfg.edat = 0;
	b.cfg.iep = false;
	b.cfg.iep_installed = true;
	b.cfg.lap = chance(35);
	b.cfg.space = space;
	b.cfg.prefix = chance(50) ? 0 : PREFIX_LO + (below(PREFIX_HI - PREFIX_LO) & PREFIX_MASK);
	b.cfg.storage_size = STORAGE_SIZE;
	b.psw_asc = (unsigned long)space << PSW_ASC_SHIFT;
	gen_asce(code_in_space);

	b.code_va = CODE_ADDR;
	if (code_in_space && !(b.cfg.asce & _ASCE_REAL_SPACE))
		b.code_va = gen_path(false, true);

	for (b.n = 0; b.n < MAX_ADDRS;) {
		unsigned long va;

		if (b.cfg.asce & _ASCE_REAL_SPACE)
			va = gen_real_space_va();
		else if (chance(8))
			va = rnd() >> below(64);
		else
			va = gen_path(chance(b.cfg.lap ? 20 : 4), false);
		b.va[b.n++] = va;
		/* Neighbours in the same page and the same page table. */
		if (b.n < MAX_ADDRS && chance(30))
			b.va[b.n++] = (va & PAGE_MASK) | below(PAGE_SIZE);
		if (b.n < MAX_ADDRS && chance(20))
			b.va[b.n++] = va ^ (below(_PAGE_ENTRIES) << PAGE_SHIFT);
	}
}

/* ---- running a batch on unicorn ------------------------------------------------------------ */

struct obs {
	unsigned long w[REC_WORDS];
	bool intr;
	unsigned long intr_tec;
};

static struct obs obs[MAX_ADDRS];

static void write_control_block(void)
{
	unsigned long crs[16] = { 0 };

	crs[0] = b.cfg.lap ? CR0_LAP : 0;
	crs[1] = _ASCE_REAL_SPACE;
	crs[7] = _ASCE_REAL_SPACE;
	crs[13] = _ASCE_REAL_SPACE;
	crs[b.cfg.space == DAT_SPACE_PRIMARY ? 1
	    : b.cfg.space == DAT_SPACE_HOME  ? 13
					     : 7] = b.cfg.asce;
	for (unsigned int i = 0; i < 16; i++)
		bemem_put(&mem, CR_BLOCK + 8 * i, crs[i]);
	bemem_put(&mem, PREFIX_WORD, b.cfg.prefix << 32); /* SPX takes a word */
}

static void run_batch(void)
{
	struct guest g;
	unsigned long loop_va, end_va, pc;

	build_guest(&g, !b.cfg.lap);
	loop_va = (b.code_va & PAGE_MASK) + g.loop;
	end_va = (b.code_va & PAGE_MASK) + g.end;
	memcpy(mem.mem + CODE_ADDR, g.c.b, g.end);
	write_control_block();
	for (unsigned int i = 0; i < b.n; i++)
		bemem_put(&mem, LIST_ADDR + 8 * i, b.va[i]);
	assert_int_equal(uc_mem_write(uc, 0, mem.mem, STORAGE_SIZE), UC_ERR_OK);

	/* DAT off: load the control registers (which also purges the TLB) and the prefix. */
	reg_write(UC_S390X_REG_PSWM, PSW_64);
	reg_write(UC_S390X_REG_R10, CR_BLOCK);
	reg_write(UC_S390X_REG_R11, PREFIX_WORD);
	intr_seen = false;
	assert_int_equal(uc_emu_start(uc, CODE_ADDR, CODE_ADDR + 10, 0, 0), UC_ERR_OK);
	assert_false(intr_seen);

	reg_write(UC_S390X_REG_PSWM, PSW_64 | PSW_DAT | b.psw_asc);
	reg_write(UC_S390X_REG_R6, LIST_ADDR);
	reg_write(UC_S390X_REG_R7, RESULT_ADDR);
	reg_write(UC_S390X_REG_R8, b.n);
	reg_write(UC_S390X_REG_R9, TEC_SENTINEL);
	reg_write(UC_S390X_REG_R11, TEC_ADDR);
	memset(obs, 0, sizeof(obs));
	pc = loop_va;
	for (;;) {
		unsigned long i, left;

		intr_seen = false;
		assert_int_equal(uc_emu_start(uc, pc, end_va, 0, 0), UC_ERR_OK);
		if (!intr_seen)
			break;
		/* Only TPROT may be interrupted (addressing, translation specification). */
		if (intr_no != 3 || intr_pc != loop_va - g.loop + g.tprot)
			fail_msg("unexpected interruption %u at %#lx (seed %#lx)", intr_no, intr_pc,
				 master_seed);
		i = (reg_read(UC_S390X_REG_R6) - LIST_ADDR) / 8;
		assert_true(i < b.n);
		obs[i].intr = true;
		obs[i].intr_tec = uc_get64(b.cfg.prefix + TEC_ADDR);
		left = reg_read(UC_S390X_REG_R8) - 1;
		if (!left)
			break;
		reg_write(UC_S390X_REG_R6, LIST_ADDR + 8 * (i + 1));
		reg_write(UC_S390X_REG_R7, RESULT_ADDR + 8 * REC_WORDS * (i + 1));
		reg_write(UC_S390X_REG_R8, left);
		pc = loop_va;
	}
	reg_write(UC_S390X_REG_PSWM, PSW_64);

	{
		static uint64_t raw[MAX_ADDRS * REC_WORDS];

		assert_int_equal(uc_mem_read(uc, RESULT_ADDR, raw, 8 * REC_WORDS * b.n), UC_ERR_OK);
		for (unsigned int i = 0; i < b.n; i++)
			for (unsigned int w = 0; w < REC_WORDS; w++)
				obs[i].w[w] = be64toh(raw[i * REC_WORDS + w]);
	}
}

/* ---- prediction and comparison ------------------------------------------------------------- */

struct expect {
	unsigned int lrag_cc;
	unsigned long lrag;
	int tprot;
	bool tec_stored;
	unsigned long tec;
};

/* QEMU also stores a TEID for a translation-specification exception (not architected). */
static unsigned long spec_tec(unsigned long va, bool store)
{
	return (va & PAGE_MASK) | (store ? TEID_STORE : TEID_FETCH) | (unsigned long)b.cfg.space;
}

static void predict_tprot(unsigned long va, const struct dat_result *f, const struct dat_result *s,
			  struct expect *x)
{
	x->tec_stored = true;
	switch (s->pic) {
	case 0:
		x->tprot = TP_CC0;
		x->tec_stored = false;
		return;
	case PGM_ADDRESSING:
		x->tprot = TP_INTR;
		x->tec_stored = false;
		return;
	case PGM_TRANSLATION_SPEC:
		x->tprot = TP_INTR;
		x->tec = spec_tec(va, true);
		return;
	case PGM_PROTECTION:
		break;
	default:
		x->tprot = TP_CC3;
		x->tec = s->teid;
		return;
	}
	/* Store refused for protection: TPROT retries the translation as a fetch. */
	x->tec = s->teid;
	switch (f->pic) {
	case 0:
		x->tprot = TP_CC1;
		break;
	case PGM_ADDRESSING:
		x->tprot = TP_INTR;
		break;
	case PGM_TRANSLATION_SPEC:
		x->tprot = TP_INTR;
		x->tec = spec_tec(va, false);
		break;
	default:
		x->tprot = TP_CC3;
		x->tec = f->teid;
		break;
	}
}

static void predict(unsigned long va, const struct dat_result *f, const struct dat_result *s,
		    struct expect *x)
{
	/* LRAG checks neither protection nor whether the frame exists. */
	if (!f->pic || (f->pic == PGM_ADDRESSING && f->level < 0)) {
		x->lrag_cc = 0;
		x->lrag = f->abs;
	} else {
		x->lrag_cc = 3;
		x->lrag = 0x80000000UL | f->pic;
	}
	predict_tprot(va, f, s, x);
}

static const char *space_name(enum dat_space s)
{
	static const char *const names[] = { "primary", "AR", "secondary", "home" };

	return names[s & 3];
}

static void print_result(const char *what, const struct dat_result *r)
{
	print_error("  walker %s: pic %#x (%s) teid %016lx real %016lx abs %016lx prot %d level %d "
		    "(%s) entry %#lx\n",
		    what, r->pic, r->pic ? dat_pic_name(r->pic) : "none", r->teid, r->real, r->abs,
		    r->prot, r->level, dat_level_name(r->level), r->entry_addr);
	for (unsigned int i = 0; i < r->nsteps; i++)
		print_error("    %-13s @%010lx = %016lx\n", dat_level_name(r->steps[i].level),
			    r->steps[i].addr, r->steps[i].val);
}

static void report(unsigned int batch_no, unsigned long va, const struct dat_result *f,
		   const struct dat_result *s, const struct expect *x, const struct obs *o,
		   const char *what)
{
	print_error("MISMATCH (%s): seed %#lx batch %u, %s space, asce %016lx prefix %#lx lap %d "
		    "storage %#lx\n  va %016lx\n",
		    what, master_seed, batch_no, space_name(b.cfg.space), b.cfg.asce, b.cfg.prefix,
		    b.cfg.lap, STORAGE_SIZE, va);
	print_result("fetch", f);
	print_result("store", s);
	print_error("  expected: LRAG cc %u r2 %016lx; TPROT %d, TEID %s %016lx\n", x->lrag_cc,
		    x->lrag, x->tprot, x->tec_stored ? "stored" : "unchanged", x->tec);
	print_error("  unicorn:  LRAG cc %lu r2 %016lx; TPROT %d, TEID before %016lx after "
		    "%016lx\n",
		    (o->w[1] >> 28) & 3, o->w[0], o->intr ? TP_INTR : (int)((o->w[3] >> 28) & 3),
		    o->w[2], o->intr ? o->intr_tec : o->w[4]);
	fail_msg("walker and unicorn disagree (%s); rerun with DAT_UNICORN_SEED=%#lx", what,
		 master_seed);
}

static void count(const struct dat_result *f, const struct dat_result *s, const struct expect *x)
{
	const struct dat_result *r[2] = { f, s };

	for (unsigned int k = 0; k < 2; k++) {
		switch (r[k]->pic) {
		case 0:
			stats[ST_OK]++;
			if (r[k]->real != r[k]->abs)
				stats[ST_PREFIXED]++;
			break;
		case PGM_PROTECTION:
			stats[(r[k]->teid & TEID_PROT_LAP) ? ST_PROT_LAP : ST_PROT_DAT]++;
			break;
		case PGM_ADDRESSING:
			stats[r[k]->level < 0 ? ST_ADDR_FRAME : ST_ADDR_TABLE]++;
			break;
		case PGM_SEGMENT_TRANSLATION:
			stats[ST_SEG]++;
			break;
		case PGM_PAGE_TRANSLATION:
			stats[ST_PAGE]++;
			break;
		case PGM_TRANSLATION_SPEC:
			stats[ST_SPEC]++;
			if (r[k]->level == DAT_LEVEL_SEGMENT && r[k]->nsteps &&
			    (r[k]->steps[r[k]->nsteps - 1].val & _SEGMENT_ENTRY_COMM) &&
			    !(r[k]->steps[r[k]->nsteps - 1].val & _SEGMENT_ENTRY_TYPE_MASK))
				stats[ST_SPEC_COMMON]++;
			break;
		case PGM_ASCE_TYPE:
			stats[ST_ASCE_TYPE]++;
			break;
		case PGM_REGION_FIRST_TRANS:
			stats[ST_R1]++;
			break;
		case PGM_REGION_SECOND_TRANS:
			stats[ST_R2]++;
			break;
		case PGM_REGION_THIRD_TRANS:
			stats[ST_R3]++;
			break;
		}
	}
	if (s->level == DAT_LEVEL_ASCE && s->pic != PGM_ASCE_TYPE)
		stats[ST_ASCE_TL]++;
	if (x->tec_stored && (x->tec & TEID_FETCH))
		stats[ST_TEID_FETCH]++;
	if (b.cfg.asce & _ASCE_REAL_SPACE)
		stats[ST_REAL_SPACE]++;
	if (x->tprot == TP_INTR)
		stats[ST_TPROT_INTR]++;
	else if (x->tprot == TP_CC1)
		stats[ST_TPROT_CC1]++;
	else if (x->tprot == TP_CC3)
		stats[ST_TPROT_CC3]++;
}

/*
 * Whether a walk read a doubleword that the guest changes while it runs: a
 * result slot, or the TEID in the lowcore (an STE of zero designates a page
 * table at 0). Such an address is not comparable and is skipped.
 */
static bool read_volatile(const struct dat_result *r)
{
	for (unsigned int i = 0; i < r->nsteps; i++) {
		unsigned long a = r->steps[i].addr;

		if ((a >= RESULT_ADDR && a < RESULT_ADDR + 8 * REC_WORDS * MAX_ADDRS) ||
		    a == b.cfg.prefix + TEC_ADDR)
			return true;
	}
	return false;
}

/* What unicorn observed for @va against what a walker's fetch and store results predict. */
static void compare_one(unsigned int batch_no, unsigned long va, const struct obs *o,
			const struct dat_result *f, const struct dat_result *s, const char *walker)
{
	unsigned long tec_after;
	struct expect x;
	char what[32];
	int tprot;

	predict(va, f, s, &x);
	if (((o->w[1] >> 28) & 3) != x.lrag_cc || o->w[0] != x.lrag) {
		snprintf(what, sizeof(what), "%s LRAG", walker);
		report(batch_no, va, f, s, &x, o, what);
	}
	tprot = o->intr ? TP_INTR : (int)((o->w[3] >> 28) & 3);
	if (tprot != x.tprot) {
		snprintf(what, sizeof(what), "%s TPROT", walker);
		report(batch_no, va, f, s, &x, o, what);
	}
	/* Without LAP the harness clears the TEID before TPROT. */
	if (!b.cfg.lap && o->w[2] != TEC_SENTINEL)
		report(batch_no, va, f, s, &x, o, "TEID clear");
	tec_after = o->intr ? o->intr_tec : o->w[4];
	if (tec_after != (x.tec_stored ? x.tec : o->w[2])) {
		snprintf(what, sizeof(what), "%s TEID", walker);
		report(batch_no, va, f, s, &x, o, what);
	}
	total_checks += 2;
}

/*
 * Both walkers against unicorn: the exact one (dat_translate()) and the lean one
 * with its fallback (dat_translate_lean() over the same storage).
 */
static void compare_batch(unsigned int batch_no)
{
	struct dat_lean lean;

	assert_int_equal(dat_lean_init_be(&lean, &b.cfg, mem.mem, mem.size), 0);
	for (unsigned int i = 0; i < b.n; i++) {
		unsigned long va = b.va[i];
		struct dat_result f, s, lf, ls;
		struct expect x;

		dat_translate(&b.cfg, va, DAT_FETCH, bemem_read, &mem, &f);
		dat_translate(&b.cfg, va, DAT_STORE, bemem_read, &mem, &s);
		if (read_volatile(&f) || read_volatile(&s)) {
			skipped++;
			continue;
		}
		predict(va, &f, &s, &x);
		count(&f, &s, &x);
		compare_one(batch_no, va, &obs[i], &f, &s, "exact");

		lean_hits += dat_lean_walk(&lean, va, DAT_FETCH).info != 0;
		lean_hits += dat_lean_walk(&lean, va, DAT_STORE).info != 0;
		dat_translate_lean(&lean, va, DAT_FETCH, bemem_read, &mem, &lf);
		dat_translate_lean(&lean, va, DAT_STORE, bemem_read, &mem, &ls);
		compare_one(batch_no, va, &obs[i], &lf, &ls, "lean");
		total_addrs++;
	}
}

/* ---- tests --------------------------------------------------------------------------------- */

static unsigned int batches = 40;
static unsigned int batch_counter;

static void run_space(enum dat_space space)
{
	for (unsigned int i = 0; i < batches; i++) {
		unsigned int batch_no = batch_counter++;

		rng_state = master_seed ^ (0x9e3779b97f4a7c15UL * (batch_no + 1));
		gen_batch(space);
		run_batch();
		compare_batch(batch_no);
	}
}

static void test_secondary_space(void **state)
{
	(void)state;
	run_space(DAT_SPACE_SECONDARY);
}

static void test_primary_space(void **state)
{
	(void)state;
	run_space(DAT_SPACE_PRIMARY);
}

static void test_home_space(void **state)
{
	(void)state;
	run_space(DAT_SPACE_HOME);
}

/*
 * The harness itself, against hand-written expectations rather than the walker:
 * a segment-table ASCE with one page table, prefix 0x8000, secondary space.
 */
static void test_harness(void **state)
{
	static const struct {
		unsigned long va, lrag;
		int tprot;
	} cases[] = {
		{ 0x1010, 0x5010, TP_CC0 },	    /* page 1 -> 0x5000 */
		{ 0x2000, 0x6000, TP_CC1 },	    /* page 2 -> 0x6000, P */
		{ 0x3000, 0x7ffff000, TP_INTR },    /* frame beyond storage */
		{ 0x4000, 0x80000012, TP_INTR },    /* PTE bit 52 */
		{ 0x5000, 0x8000, TP_CC0 },	    /* real 0 -> prefix */
		{ 0x6000, 0x80000011, TP_CC3 },	    /* invalid PTE */
		{ 0x100000, 0x80000005, TP_INTR },  /* page table beyond storage */
		{ 0x80000000, 0x80000038, TP_CC3 }, /* ASCE type */
	};
	unsigned int i;

	(void)state;
	memset(mem.mem, 0, mem.size);
	memset(&b, 0, sizeof(b));
	bemem_fill(&mem, 0x100000, _CRST_ENTRIES, _SEGMENT_ENTRY_EMPTY);
	bemem_fill(&mem, 0x104000, _PAGE_ENTRIES, _PAGE_INVALID);
	bemem_put(&mem, 0x100000, 0x104000);
	bemem_put(&mem, 0x100008, 0x7fff0000);
	bemem_put(&mem, 0x104008, 0x5000);
	bemem_put(&mem, 0x104010, 0x6200);
	bemem_put(&mem, 0x104018, 0x7ffff000);
	bemem_put(&mem, 0x104020, 0x6800);
	bemem_put(&mem, 0x104028, 0x0);
	b.cfg.asce = 0x100000;
	b.cfg.space = DAT_SPACE_SECONDARY;
	b.cfg.prefix = 0x8000;
	b.cfg.iep_installed = true;
	b.cfg.storage_size = STORAGE_SIZE;
	b.psw_asc = (unsigned long)DAT_SPACE_SECONDARY << PSW_ASC_SHIFT;
	b.code_va = CODE_ADDR;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		b.va[i] = cases[i].va;
	b.n = i;
	run_batch();
	for (i = 0; i < b.n; i++) {
		assert_int_equal(obs[i].w[0], cases[i].lrag);
		assert_int_equal(obs[i].intr ? TP_INTR : (int)((obs[i].w[3] >> 28) & 3),
				 cases[i].tprot);
	}
	/* Store into a protected page: DAT protection, store, secondary space. */
	assert_int_equal(obs[1].w[4], 0x2000 | TEID_STORE | TEID_PROT_DAT | DAT_SPACE_SECONDARY);
	assert_int_equal(obs[5].w[4], 0x6000 | TEID_STORE | DAT_SPACE_SECONDARY);
	compare_batch(0);
}

static void test_coverage(void **state)
{
	(void)state;
	print_message("dat_unicorn: seed %#lx, %lu addresses, %lu checks, %lu skipped\n",
		      master_seed, total_addrs, total_checks, skipped);
	for (unsigned int i = 0; i < ST_NR; i++)
		print_message("  %-18s %lu\n", st_name[i], stats[i]);
	for (unsigned int i = 0; i < ST_NR; i++)
		if (!stats[i])
			fail_msg("no case reached '%s' (seed %#lx)", st_name[i], master_seed);
	/* The lean walker must have translated some itself, not only passed them on. */
	print_message("  %-18s %lu\n", "lean translated", lean_hits);
	if (!lean_hits)
		fail_msg("the lean walker translated nothing itself (seed %#lx)", master_seed);
}

static int group_setup(void **state)
{
	(void)state;
	bemem_init(&mem, STORAGE_SIZE);
	assigned = calloc(1, STORAGE_SIZE / 8);
	if (!mem.mem || !assigned)
		return -1;
	if (uc_open(UC_ARCH_S390X, UC_MODE_BIG_ENDIAN, &uc) != UC_ERR_OK)
		return -1;
	if (uc_mem_map(uc, 0, STORAGE_SIZE, UC_PROT_ALL) != UC_ERR_OK)
		return -1;
	if (uc_hook_add(uc, &intr_hook, UC_HOOK_INTR, (void *)on_interrupt, NULL, 1, 0) !=
	    UC_ERR_OK)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	uc_close(uc);
	free(assigned);
	bemem_destroy(&mem);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_harness),	      cmocka_unit_test(test_secondary_space),
		cmocka_unit_test(test_primary_space), cmocka_unit_test(test_home_space),
		cmocka_unit_test(test_coverage),
	};
	const char *env = getenv("DAT_UNICORN_SEED");

	master_seed = env ? strtoul(env, NULL, 0)
			  : (unsigned long)time(NULL) ^ ((unsigned long)getpid() << 32);
	env = getenv("DAT_UNICORN_BATCHES");
	if (env)
		batches = (unsigned int)strtoul(env, NULL, 0);
	printf("dat_unicorn: DAT_UNICORN_SEED=%#lx\n", master_seed);
	fflush(stdout);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
