/* SPDX-License-Identifier: GPL-2.0 */
/*
 * z/Architecture dynamic address translation: the constants with the names the
 * kernel gives them, table allocation, and the architecture-exact walker.
 *
 * Bit values follow the z/Architecture formats (IBM bit 0 is the MSB). Tables
 * owned by libgmap hold native-endian values; guest tables in guest memory are
 * big-endian and are read through a dat_read_fn that swaps them.
 */
#ifndef GMAP_DAT_H
#define GMAP_DAT_H

#include <stdbool.h>
#include <stddef.h>

#include <gmap/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ---- libgmap's names, always defined ------------------------------------------------------
 * What a caller needs for the arguments and results of the API without the kernel's
 * names (see <gmap/types.h>): geometry, ASCE types, the PTE bits of mm_lookup_pte(),
 * the notify bits and the program-interruption codes. Each has the value of its
 * kernel twin below (GMAP_PAGE_SIZE is PAGE_SIZE, GMAP_PAGE_INVALID is _PAGE_INVALID).
 */
#define GMAP_PAGE_SHIFT	   12
#define GMAP_PAGE_SIZE	   (1UL << GMAP_PAGE_SHIFT)
#define GMAP_PAGE_MASK	   (~(GMAP_PAGE_SIZE - 1))
#define GMAP_SEGMENT_SHIFT 20
#define GMAP_SEGMENT_SIZE  (1UL << GMAP_SEGMENT_SHIFT)
#define GMAP_SEGMENT_MASK  (~(GMAP_SEGMENT_SIZE - 1))
#define GMAP_REGION3_SHIFT 31
#define GMAP_REGION3_SIZE  (1UL << GMAP_REGION3_SHIFT)
#define GMAP_REGION2_SHIFT 42
#define GMAP_REGION2_SIZE  (1UL << GMAP_REGION2_SHIFT)
#define GMAP_REGION1_SHIFT 53
#define GMAP_REGION1_SIZE  (1UL << GMAP_REGION1_SHIFT)
#define GMAP_CRST_ENTRIES  2048UL
#define GMAP_PAGE_ENTRIES  256UL

#define GMAP_ASCE_ORIGIN       (~0xfffUL)
#define GMAP_ASCE_TYPE_MASK    0x0cUL
#define GMAP_ASCE_TYPE_REGION1 0x0cUL
#define GMAP_ASCE_TYPE_REGION2 0x08UL
#define GMAP_ASCE_TYPE_REGION3 0x04UL
#define GMAP_ASCE_TYPE_SEGMENT 0x00UL
#define GMAP_ASCE_TABLE_LENGTH 0x03UL

#define GMAP_PAGE_PROTECT   0x200UL
#define GMAP_PAGE_INVALID   0x400UL
#define GMAP_PAGE_PRESENT   0x001UL
#define GMAP_PGSTE_IN_BIT   0x0000000000004000UL
#define GMAP_PGSTE_VSIE_BIT 0x0000000000002000UL

#define GMAP_PGM_PROTECTION	     0x04
#define GMAP_PGM_ADDRESSING	     0x05
#define GMAP_PGM_SEGMENT_TRANSLATION 0x10
#define GMAP_PGM_PAGE_TRANSLATION    0x11
#define GMAP_PGM_TRANSLATION_SPEC    0x12
#define GMAP_PGM_ASCE_TYPE	     0x38
#define GMAP_PGM_REGION_FIRST_TRANS  0x39
#define GMAP_PGM_REGION_SECOND_TRANS 0x3a
#define GMAP_PGM_REGION_THIRD_TRANS  0x3b

#ifndef GMAP_NO_KERNEL_NAMES
/* ---- geometry ---------------------------------------------------------------------------- */

/*
 * Spelled exactly as glibc's <sys/user.h> spells them, so that either header
 * may come first: an identical redefinition is no redefinition in C.
 */
/* clang-format off */
#ifndef PAGE_SHIFT
#define PAGE_SHIFT 12
#endif
#ifndef PAGE_SIZE
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#endif
#ifndef PAGE_MASK
#define PAGE_MASK (~(PAGE_SIZE-1))
#endif
/* clang-format on */
GMAP_STATIC_ASSERT(
	PAGE_SHIFT == GMAP_PAGE_SHIFT && PAGE_SIZE == GMAP_PAGE_SIZE && PAGE_MASK == GMAP_PAGE_MASK,
	"PAGE_SIZE defined elsewhere differs from libgmap's: define GMAP_NO_KERNEL_NAMES");

#define _CRST_ENTRIES	 2048UL
#define _PAGE_ENTRIES	 256UL
#define _CRST_TABLE_SIZE (_CRST_ENTRIES * 8)
#define _PAGE_TABLE_SIZE (_PAGE_ENTRIES * 8)
#define CRST_ALLOC_ORDER 2
#ifndef PTRS_PER_PTE
#define PTRS_PER_PTE _PAGE_ENTRIES
#endif
#ifndef PTRS_PER_PMD
#define PTRS_PER_PMD _CRST_ENTRIES
#endif
#ifndef PTRS_PER_PUD
#define PTRS_PER_PUD _CRST_ENTRIES
#endif
#ifndef PTRS_PER_P4D
#define PTRS_PER_P4D _CRST_ENTRIES
#endif
#ifndef PTRS_PER_PGD
#define PTRS_PER_PGD _CRST_ENTRIES
#endif

#define _REGION1_SHIFT 53
#define _REGION2_SHIFT 42
#define _REGION3_SHIFT 31
#define _SEGMENT_SHIFT 20

#define _REGION1_INDEX (0x7ffUL << _REGION1_SHIFT)
#define _REGION2_INDEX (0x7ffUL << _REGION2_SHIFT)
#define _REGION3_INDEX (0x7ffUL << _REGION3_SHIFT)
#define _SEGMENT_INDEX (0x7ffUL << _SEGMENT_SHIFT)
#define _PAGE_INDEX    (0xffUL << PAGE_SHIFT)

#define _REGION1_SIZE (1UL << _REGION1_SHIFT)
#define _REGION2_SIZE (1UL << _REGION2_SHIFT)
#define _REGION3_SIZE (1UL << _REGION3_SHIFT)
#define _SEGMENT_SIZE (1UL << _SEGMENT_SHIFT)

#define _REGION1_MASK (~(_REGION1_SIZE - 1))
#define _REGION2_MASK (~(_REGION2_SIZE - 1))
#define _REGION3_MASK (~(_REGION3_SIZE - 1))
#define _SEGMENT_MASK (~(_SEGMENT_SIZE - 1))

#ifndef PMD_SHIFT
#define PMD_SHIFT _SEGMENT_SHIFT
#endif
#ifndef PUD_SHIFT
#define PUD_SHIFT _REGION3_SHIFT
#endif
#ifndef P4D_SHIFT
#define P4D_SHIFT _REGION2_SHIFT
#endif
#ifndef PGDIR_SHIFT
#define PGDIR_SHIFT _REGION1_SHIFT
#endif
#ifndef PMD_SIZE
#define PMD_SIZE _SEGMENT_SIZE
#endif
#ifndef PMD_MASK
#define PMD_MASK _SEGMENT_MASK
#endif
#ifndef PUD_SIZE
#define PUD_SIZE _REGION3_SIZE
#endif
#ifndef PUD_MASK
#define PUD_MASK _REGION3_MASK
#endif
#ifndef HPAGE_SHIFT
#define HPAGE_SHIFT _SEGMENT_SHIFT
#endif
#ifndef HPAGE_SIZE
#define HPAGE_SIZE _SEGMENT_SIZE
#endif
#ifndef HPAGE_MASK
#define HPAGE_MASK _SEGMENT_MASK
#endif
/* Generic Linux names that other headers may define first: they must agree. */
GMAP_STATIC_ASSERT(PTRS_PER_PTE == GMAP_PAGE_ENTRIES && PTRS_PER_PMD == GMAP_CRST_ENTRIES &&
			   PTRS_PER_PUD == GMAP_CRST_ENTRIES && PTRS_PER_P4D == GMAP_CRST_ENTRIES &&
			   PTRS_PER_PGD == GMAP_CRST_ENTRIES && PMD_SHIFT == GMAP_SEGMENT_SHIFT &&
			   PUD_SHIFT == GMAP_REGION3_SHIFT && P4D_SHIFT == GMAP_REGION2_SHIFT &&
			   PGDIR_SHIFT == GMAP_REGION1_SHIFT && PMD_SIZE == GMAP_SEGMENT_SIZE &&
			   PMD_MASK == GMAP_SEGMENT_MASK && PUD_SIZE == GMAP_REGION3_SIZE &&
			   PUD_MASK == ~(GMAP_REGION3_SIZE - 1) &&
			   HPAGE_SHIFT == GMAP_SEGMENT_SHIFT && HPAGE_SIZE == GMAP_SEGMENT_SIZE &&
			   HPAGE_MASK == GMAP_SEGMENT_MASK,
		   "a page-table name defined elsewhere differs from libgmap's: define "
		   "GMAP_NO_KERNEL_NAMES");

/* ---- ASCE -------------------------------------------------------------------------------- */

#define _ASCE_ORIGIN	    (~0xfffUL)
#define _ASCE_PRIVATE_SPACE 0x100UL
#define _ASCE_ALT_EVENT	    0x80UL
#define _ASCE_SPACE_SWITCH  0x40UL
#define _ASCE_REAL_SPACE    0x20UL
#define _ASCE_TYPE_MASK	    0x0cUL
#define _ASCE_TYPE_REGION1  0x0cUL
#define _ASCE_TYPE_REGION2  0x08UL
#define _ASCE_TYPE_REGION3  0x04UL
#define _ASCE_TYPE_SEGMENT  0x00UL
#define _ASCE_TABLE_LENGTH  0x03UL
#define _ASCE_USER_BITS	    (_ASCE_SPACE_SWITCH | _ASCE_PRIVATE_SPACE | _ASCE_ALT_EVENT)

/* ---- region-table entries ---------------------------------------------------------------- */

#define _REGION_ENTRY_ORIGIN	(~0xfffUL)
#define _REGION_ENTRY_PROTECT	0x200UL
#define _REGION_ENTRY_NOEXEC	0x100UL
#define _REGION_ENTRY_OFFSET	0xc0UL
#define _REGION_ENTRY_INVALID	0x20UL
#define _REGION_ENTRY_TYPE_MASK 0x0cUL
#define _REGION_ENTRY_TYPE_R1	0x0cUL
#define _REGION_ENTRY_TYPE_R2	0x08UL
#define _REGION_ENTRY_TYPE_R3	0x04UL
#define _REGION_ENTRY_LENGTH	0x03UL

#define _REGION1_ENTRY	     (_REGION_ENTRY_TYPE_R1 | _REGION_ENTRY_LENGTH)
#define _REGION1_ENTRY_EMPTY (_REGION_ENTRY_TYPE_R1 | _REGION_ENTRY_INVALID)
#define _REGION2_ENTRY	     (_REGION_ENTRY_TYPE_R2 | _REGION_ENTRY_LENGTH)
#define _REGION2_ENTRY_EMPTY (_REGION_ENTRY_TYPE_R2 | _REGION_ENTRY_INVALID)
#define _REGION3_ENTRY	     (_REGION_ENTRY_TYPE_R3 | _REGION_ENTRY_LENGTH)
#define _REGION3_ENTRY_EMPTY (_REGION_ENTRY_TYPE_R3 | _REGION_ENTRY_INVALID)

#define _REGION3_ENTRY_ORIGIN_LARGE (~0x7fffffffUL)
#define _REGION3_ENTRY_LARGE	    0x0400UL
#define _REGION3_ENTRY_COMM	    0x0010UL
#define _REGION_ENTRY_BITS	    0xfffffffffffff22fUL
#define _REGION3_ENTRY_HARDWARE_BITS	   0xfffffffffffff6ffUL
#define _REGION3_ENTRY_HARDWARE_BITS_LARGE 0xffffffff8001073cUL

/* ---- segment-table entries --------------------------------------------------------------- */

#define _SEGMENT_ENTRY_ORIGIN_LARGE (~0xfffffUL)
#define _SEGMENT_ENTRY_ORIGIN	    (~0x7ffUL)
#define _SEGMENT_ENTRY_PROTECT	    0x200UL
#define _SEGMENT_ENTRY_NOEXEC	    0x100UL
#define _SEGMENT_ENTRY_INVALID	    0x20UL
#define _SEGMENT_ENTRY_TYPE_MASK    0x0cUL
#define _SEGMENT_ENTRY_LARGE	    0x400UL
#define _SEGMENT_ENTRY_COMM	    0x10UL
#define _SEGMENT_ENTRY_PRESENT	    0x0001UL
#define _SEGMENT_ENTRY		    _SEGMENT_ENTRY_PRESENT
#define _SEGMENT_ENTRY_EMPTY	    _SEGMENT_ENTRY_INVALID
#define _SEGMENT_ENTRY_BITS	    0xfffffffffffffe3fUL
#define _SEGMENT_ENTRY_HARDWARE_BITS	    0xfffffffffffffe3cUL
#define _SEGMENT_ENTRY_HARDWARE_BITS_LARGE 0xfffffffffff1073cUL

/* ---- page-table entries ------------------------------------------------------------------ */

#define _PAGE_NOEXEC  0x100UL
#define _PAGE_PROTECT 0x200UL
#define _PAGE_INVALID 0x400UL
#define _PAGE_LARGE   0x800UL /* bit 52: must be zero in a valid PTE */

#define _PAGE_PRESENT	0x001UL
#define _PAGE_YOUNG	0x004UL
#define _PAGE_DIRTY	0x008UL
#define _PAGE_READ	0x010UL
#define _PAGE_WRITE	0x020UL
#define _PAGE_SPECIAL	0x040UL
#define _PAGE_UNUSED	0x080UL
#define _PAGE_SW_BITS	0x0ffUL

/* ---- PGSTE (the second half of a host page table) ---------------------------------------- */

#define PGSTE_ACC_BITS	       0xf000000000000000UL
#define PGSTE_FP_BIT	       0x0800000000000000UL
#define PGSTE_PCL_BIT	       0x0080000000000000UL
#define PGSTE_HR_BIT	       0x0040000000000000UL
#define PGSTE_HC_BIT	       0x0020000000000000UL
#define PGSTE_GR_BIT	       0x0004000000000000UL
#define PGSTE_GC_BIT	       0x0002000000000000UL
#define PGSTE_ST2_MASK	       0x0000ffff00000000UL
#define _PGSTE_GPS_ZERO	       0x0000000080000000UL
#define _PGSTE_GPS_NODAT       0x0000000040000000UL
#define _PGSTE_GPS_USAGE_MASK  0x0000000003000000UL
#define _PGSTE_GPS_USAGE_STABLE	       0x0000000000000000UL
#define _PGSTE_GPS_USAGE_UNUSED	       0x0000000001000000UL
#define _PGSTE_GPS_USAGE_POT_VOLATILE 0x0000000002000000UL
#define _PGSTE_GPS_USAGE_VOLATILE      _PGSTE_GPS_USAGE_MASK
#define PGSTE_UC_BIT	       0x0000000000008000UL
#define PGSTE_IN_BIT	       0x0000000000004000UL
#define PGSTE_VSIE_BIT	       0x0000000000002000UL

/* ---- program-interruption codes ---------------------------------------------------------- */

#define PGM_PROTECTION		0x04
#define PGM_ADDRESSING		0x05
#define PGM_SEGMENT_TRANSLATION 0x10
#define PGM_PAGE_TRANSLATION	0x11
#define PGM_TRANSLATION_SPEC	0x12
#define PGM_ASCE_TYPE		0x38
#define PGM_REGION_FIRST_TRANS	0x39
#define PGM_REGION_SECOND_TRANS 0x3a
#define PGM_REGION_THIRD_TRANS	0x3b
#endif /* GMAP_NO_KERNEL_NAMES */

/* ---- translation-exception identification ------------------------------------------------ */

#define TEID_ADDR_MASK	 GMAP_PAGE_MASK
#define TEID_FETCH	 0x800UL /* bits 52-53 = 10 */
#define TEID_STORE	 0x400UL /* bits 52-53 = 01 */
#define TEID_PROT_LAP	 0x080UL /* bit 56, ESOP-2 code 4 (with bit 61 clear) */
#define TEID_PROT_DAT	 0x004UL /* bit 61, ESOP-2 code 1 */
#define TEID_PROT_IEP	 (TEID_PROT_LAP | TEID_PROT_DAT) /* ESOP-2 code 5 */
#define TEID_AS_MASK	 0x003UL

/* ---- prefixing --------------------------------------------------------------------------- */

#define PREFIX_AREA_SIZE 0x2000UL
#define PREFIX_MASK	 0x7fffe000UL

/**
 * dat_real_to_abs() - apply prefixing to a real address
 * @real:   real address
 * @prefix: prefix register (8 KiB aligned, below 2 GiB)
 *
 * Return: the absolute address; the first 8 KiB and the prefix area swap places.
 */
static inline unsigned long dat_real_to_abs(unsigned long real, unsigned long prefix)
{
	if (real < PREFIX_AREA_SIZE)
		return real + prefix;
	if (real >= prefix && real < prefix + PREFIX_AREA_SIZE)
		return real - prefix;
	return real;
}

/* ---- index helpers ----------------------------------------------------------------------- */

static inline unsigned long dat_rfx(unsigned long va)
{
	return (va >> GMAP_REGION1_SHIFT) & 0x7ff;
}

static inline unsigned long dat_rsx(unsigned long va)
{
	return (va >> GMAP_REGION2_SHIFT) & 0x7ff;
}

static inline unsigned long dat_rtx(unsigned long va)
{
	return (va >> GMAP_REGION3_SHIFT) & 0x7ff;
}

static inline unsigned long dat_sx(unsigned long va)
{
	return (va >> GMAP_SEGMENT_SHIFT) & 0x7ff;
}

static inline unsigned long dat_px(unsigned long va)
{
	return (va >> GMAP_PAGE_SHIFT) & 0xff;
}

/**
 * asce_end() - first address beyond what an ASCE of this type can reach
 * @asce: the ASCE (only the designation type is used)
 *
 * Return: 2^31, 2^42 or 2^53, or 0 for a region-first ASCE (which reaches 2^64).
 */
static inline unsigned long asce_end(unsigned long asce)
{
	unsigned int dt = (asce & GMAP_ASCE_TYPE_MASK) >> 2;

	return dt == 3 ? 0 : 1UL << (31 + 11 * dt);
}

/* ---- table allocation -------------------------------------------------------------------- */

/**
 * crst_table_init() - fill a region or segment table with one value
 * @crst:  table of _CRST_ENTRIES entries
 * @entry: value for every entry, e.g. _REGION3_ENTRY_EMPTY
 */
void crst_table_init(unsigned long *crst, unsigned long entry);

/**
 * crst_table_alloc() - allocate a region or segment table
 * @entry: initial value of every entry (the level's _..._ENTRY_EMPTY)
 *
 * Return: a 16 KiB-aligned table of 2048 entries, or NULL on allocation failure.
 */
unsigned long *crst_table_alloc(unsigned long entry);

/** crst_table_free() - free a table from crst_table_alloc(); NULL is ignored. */
void crst_table_free(unsigned long *crst);

/**
 * crst_table_free_rcu() - free a table after an RCU grace period
 * @crst: table from crst_table_alloc(), no longer reachable from any valid entry
 *
 * For tables that lock-free walkers may still be reading.
 */
void crst_table_free_rcu(unsigned long *crst);

/**
 * page_table_alloc() - allocate a plain page table
 *
 * Return: a 2 KiB-aligned table of 256 entries set to _PAGE_INVALID, or NULL.
 */
unsigned long *page_table_alloc(void);

/** page_table_free() - free a table from page_table_alloc(); NULL is ignored. */
void page_table_free(unsigned long *table);

/**
 * page_table_alloc_pgste() - allocate a host page table with PGSTEs
 *
 * Return: a 4 KiB-aligned block: 256 PTEs set to _PAGE_INVALID followed by
 * 256 zero PGSTEs, or NULL on allocation failure.
 */
unsigned long *page_table_alloc_pgste(void);

/** page_table_free_pgste() - free a table from page_table_alloc_pgste(); NULL is ignored. */
void page_table_free_pgste(unsigned long *table);

/** page_table_free_pgste_rcu() - free a PGSTE page table after an RCU grace period */
void page_table_free_pgste_rcu(unsigned long *table);

/** pgste_of() - the PGSTE that belongs to the PTE at @ptep in a PGSTE page table. */
static inline unsigned long *pgste_of(unsigned long *ptep)
{
	return ptep + GMAP_PAGE_ENTRIES;
}

/* ---- the walker -------------------------------------------------------------------------- */

/** enum dat_access - what the access that needs the translation does */
enum dat_access {
	DAT_FETCH,  /* operand fetch */
	DAT_STORE,  /* operand store */
	DAT_IFETCH, /* instruction fetch */
};

/*
 * Table levels, numbered as gmap_table_walk() numbers them. DAT_LEVEL_ASCE is
 * where exceptions found by the ASCE checks are reported.
 */
enum dat_level {
	DAT_LEVEL_PTE = 0,
	DAT_LEVEL_SEGMENT = 1,
	DAT_LEVEL_REGION3 = 2,
	DAT_LEVEL_REGION2 = 3,
	DAT_LEVEL_REGION1 = 4,
	DAT_LEVEL_ASCE = 5,
};

/* Address-space identification stored in the low two TEID bits. */
enum dat_space {
	DAT_SPACE_PRIMARY = 0,
	DAT_SPACE_AR = 1,
	DAT_SPACE_SECONDARY = 2,
	DAT_SPACE_HOME = 3,
};

/**
 * typedef dat_read_fn - read one 8-byte table entry
 * @ctx:  the reader's context
 * @addr: absolute address of the entry (8-byte aligned)
 * @val:  receives the entry's architectural value
 *
 * Return: 0, or nonzero if @addr is not backed by storage (addressing exception).
 */
typedef int (*dat_read_fn)(void *ctx, unsigned long addr, unsigned long *val);

/**
 * struct dat_config - the machine state a translation depends on
 * @asce:          the address-space-control element
 * @edat:          0, 1 (EDAT-1 enabled) or 2 (EDAT-1 and EDAT-2 enabled)
 * @iep:           instruction-execution protection enabled (CR0 bit 43)
 * @iep_installed: the IEP facility is installed (implied by @iep); with neither it
 *                 nor EDAT-1, PTE bit 55 must be zero
 * @lap:           low-address protection enabled (CR0 bit 35)
 * @space:         which address space @asce belongs to (TEID bits 62-63)
 * @prefix:        prefix register, applied to real results
 * @storage_size:  first absolute address beyond the configuration, 0 for no limit
 */
struct dat_config {
	unsigned long asce;
	unsigned int edat;
	bool iep;
	bool iep_installed;
	bool lap;
	enum dat_space space;
	unsigned long prefix;
	unsigned long storage_size;
};

/** struct dat_step - one table entry the walk fetched */
struct dat_step {
	unsigned long addr; /* absolute address of the entry */
	unsigned long val;  /* its value */
	int level;	    /* enum dat_level */
};

#define DAT_MAX_STEPS 5

/**
 * struct dat_result - outcome of one translation
 * @pic:        0 if translated, else the program-interruption code
 * @teid:       translation-exception identification (0 where none is stored)
 * @real:       real address (for large frames equal to @abs)
 * @abs:        absolute address (prefixing applied to real results)
 * @large:      the leaf was an EDAT-1 segment frame or EDAT-2 region frame
 * @prot:       accumulated DAT protection
 * @iep:        the leaf entry's instruction-execution-protection bit
 * @level:      leaf level on success; level of the entry that caused an exception,
 *              DAT_LEVEL_ASCE when the ASCE checks refused the address, or -1 for
 *              exceptions not caused by a table entry (low-address protection and
 *              the final-frame addressing check)
 * @entry_addr: absolute address of that entry (the shadow fault needs it)
 * @nsteps:     number of entries fetched
 * @steps:      the entries fetched, top level first
 */
struct dat_result {
	unsigned int pic;
	unsigned long teid;
	unsigned long real;
	unsigned long abs;
	bool large;
	bool prot;
	bool iep;
	int level;
	unsigned long entry_addr;
	unsigned int nsteps;
	struct dat_step steps[DAT_MAX_STEPS];
};

/**
 * dat_translate() - translate a virtual address the way the CPU does
 * @cfg:    machine state
 * @va:     64-bit virtual address
 * @access: fetch, store or instruction fetch
 * @read:   how table entries are read (native, byte-swapped guest memory, dump image)
 * @ctx:    passed to @read
 * @res:    receives the outcome
 *
 * Implements the complete z/Architecture DAT process: low-address protection,
 * real-space designations, ASCE-type and table-length checks, region/segment/
 * page translation exceptions from invalid bits and TF/TL ranges, translation-
 * specification exceptions, DAT protection accumulation (region P with EDAT-1),
 * EDAT-1/EDAT-2 large frames, IEP, prefixing and addressing exceptions.
 *
 * Return: 0 if translated, else the program-interruption code (also in @res->pic).
 */
unsigned int dat_translate(const struct dat_config *cfg, unsigned long va, enum dat_access access,
			   dat_read_fn read, void *ctx, struct dat_result *res);

/**
 * dat_translate_native() - dat_translate() over tables that libgmap owns
 * @cfg:    machine state (@cfg->asce designates native-endian tables in process memory)
 * @va:     virtual address
 * @access: access type
 * @res:    receives the outcome
 *
 * Entries are plain native loads; this is the fast path used for host and gmap tables.
 *
 * Context: the tables must stay allocated during the walk: for the host tables (mm_asce())
 *          and a gmap's tables the caller holds the mm's mmap_lock, under which no page
 *          table is freed, and a reference on the gmap.
 *
 * Return: 0 or the program-interruption code.
 */
unsigned int dat_translate_native(const struct dat_config *cfg, unsigned long va,
				  enum dat_access access, struct dat_result *res);

/**
 * dat_read_native() - a dat_read_fn for native-endian tables in process memory
 * @ctx:  unused
 * @addr: address of the entry
 * @val:  receives *(unsigned long *)@addr
 *
 * Return: 0.
 */
int dat_read_native(void *ctx, unsigned long addr, unsigned long *val);

/* ---- the lean walker --------------------------------------------------------------------- */

/*
 * What a lean walk that translated reports besides the frame (struct dat_lean_result.info).
 * A walk that did not translate reports 0: the caller then asks dat_translate(), which
 * knows the exception, or whether the configuration is simply one the lean walker leaves
 * to it.
 */
#define DAT_LEAN_OK	     0x001UL /* translated; .abs is the absolute address */
#define DAT_LEAN_LEVEL_SHIFT 4	     /* bits 4-5: leaf level, enum dat_level (0 page ... 2) */
#define DAT_LEAN_LEVEL_MASK  (3UL << DAT_LEAN_LEVEL_SHIFT)
#define DAT_LEAN_IEP	     0x100UL /* the leaf entry's IEP bit (bit 55) */
#define DAT_LEAN_PROT	     0x200UL /* accumulated DAT protection (bit 54 of each entry) */

/**
 * struct dat_lean_result - what a lean walk returns, in two registers
 * @abs:  with DAT_LEAN_OK in @info, the absolute address of the byte (prefixing applied
 *        to page frames); with @info 0, either 0 (the walk left the address to
 *        dat_translate()) or the common exception the walk recognised, encoded for
 *        dat_lean_exception()
 * @info: 0 (not translated: dat_lean_exception(), else fall back to dat_translate()) or
 *        DAT_LEAN_OK with the leaf level, DAT_LEAN_PROT and DAT_LEAN_IEP
 */
struct dat_lean_result {
	unsigned long abs;
	unsigned long info;
};

/* Which code walks a configuration: one per ASCE type, or none (dat_translate() only). */
enum dat_lean_kind {
	DAT_LEAN_SLOW = 0,
	DAT_LEAN_SEGMENT = 1,
	DAT_LEAN_REGION3 = 2,
	DAT_LEAN_REGION2 = 3,
	DAT_LEAN_REGION1 = 4,
};

struct dat_lean;

/*
 * The lean walker of one ASCE type, entry format and access type; see dat_lean_walk().
 * Returns the frame in a register: the two members of the result are returned in two.
 */
typedef struct dat_lean_result (*dat_lean_fn)(const struct dat_lean *l, unsigned long va);

/**
 * struct dat_lean - a struct dat_config turned into what the lean walker compares with
 * @walk:            the walker for each enum dat_access, chosen once by the ASCE type, the
 *                   entry format and the access: no dispatch and no access test per walk
 * @kind:            the ASCE type's walker, or DAT_LEAN_SLOW for configurations the lean
 *                   walker leaves to dat_translate() (real space, a prefix that is not 8 KiB
 *                   aligned, storage limits on native tables, no flat storage to read)
 * @origin:          origin of the table the ASCE designates
 * @va_last:         highest address the ASCE type and table length admit
 * @lap_end:         stores below this address go to dat_translate() (low-address
 *                   protection); 0 when it cannot apply
 * @region_pmask:    _REGION_ENTRY_PROTECT with EDAT-1, else 0 (region P is then ignored)
 * @r3_check:        bits of a region-third entry that must equal _REGION3_ENTRY for it to
 *                   designate a segment table: I, TT, TF, TL, and FC and CR where they count
 * @r3_large_check:  bits that must equal @r3_large_want for an EDAT-2 2 GiB frame (0 and 1
 *                   without EDAT-2: never)
 * @r3_large_want:   see @r3_large_check
 * @ste_check:       bits of a segment entry that must be 0 for it to designate a page table
 * @ste_large_check: bits that must equal _SEGMENT_ENTRY_LARGE for an EDAT-1 1 MiB frame
 * @pte_check:       bits of a page entry that must be 0: I, bit 52, and bit 55 when it is
 *                   reserved
 * @iep_check:       _PAGE_NOEXEC when IEP is enabled (an instruction fetch from a leaf with
 *                   it set goes to dat_translate()), else 0
 * @prefix:          prefix register
 * @frame_last:      highest absolute address in the configuration
 * @ea_last:         big-endian walker: highest address of a table entry it may read
 * @base:            big-endian walker: the storage, absolute address 0; NULL for native
 * @cfg:             the configuration, for the fallback
 * @span_map:        big-endian walker over several spans (dat_lean_init_spans()): the host
 *                   pointer of each granule of absolute storage, NULL where the granule is
 *                   not wholly in one span; NULL otherwise
 * @span_last:       highest granule index of @span_map
 * @span_mask:       granule size - 1
 * @span_shift:      log2 of the granule size (12 to 63)
 *
 * Built once by dat_lean_init() or dat_lean_init_be() whenever the configuration changes,
 * so that a walk compares each entry with a constant instead of re-deriving the rules
 * from EDAT, IEP and the ASCE controls at every level.
 */
struct dat_lean {
	dat_lean_fn walk[3];
	enum dat_lean_kind kind;
	unsigned long origin;
	unsigned long va_last;
	unsigned long lap_end;
	unsigned long region_pmask;
	unsigned long r3_check;
	unsigned long r3_large_check;
	unsigned long r3_large_want;
	unsigned long ste_check;
	unsigned long ste_large_check;
	unsigned long pte_check;
	unsigned long iep_check;
	unsigned long prefix;
	unsigned long frame_last;
	unsigned long ea_last;
	const unsigned char *base;
	struct dat_config cfg;
	const unsigned char **span_map;
	unsigned long span_last;
	unsigned long span_mask;
	unsigned int span_shift;
};

/**
 * dat_lean_init() - prepare the lean walker for native tables that libgmap owns
 * @l:   receives the prepared configuration
 * @cfg: machine state, as for dat_translate_native()
 *
 * A configuration with a storage size (table entries would need a bound check), a
 * real-space ASCE or a prefix that is not 8 KiB aligned is accepted and handled entirely
 * by dat_translate_native().
 *
 * Return: 0, or -EINVAL if @l or @cfg is NULL.
 */
int dat_lean_init(struct dat_lean *l, const struct dat_config *cfg);

/**
 * dat_lean_init_be() - prepare the lean walker for big-endian tables in flat storage
 * @l:       receives the prepared configuration
 * @cfg:     machine state
 * @storage: absolute address 0 of the storage, 8-byte aligned; NULL (with @size 0) when
 *           there is no flat storage: every walk is then left to the fallback
 * @size:    bytes of @storage; a table that reaches to or beyond it (even where the
 *           entry read lies below) is left to the fallback (whose reader may know
 *           storage beyond it, as an image's sparse tail), and so is every walk when
 *           @size is below 16 KiB
 *
 * Return: 0, or -EINVAL for a NULL @l or @cfg, a NULL @storage with a size, or
 * misaligned @storage.
 */
int dat_lean_init_be(struct dat_lean *l, const struct dat_config *cfg, const void *storage,
		     unsigned long size);

/**
 * dat_lean_walk() - translate the common case
 * @l:      from dat_lean_init() (native tables) or dat_lean_init_be() (big-endian tables
 *          in flat storage, read with an inlined byte swap)
 * @va:     virtual address
 * @access: access type
 *
 * The lean walker: the code of the configuration's ASCE type, entry format and access,
 * with constant shifts, one mask-and-compare per entry for invalid, type, table offset
 * and length (and FC, CR/CS where they count), protection accumulated with an OR, and
 * the frame returned in a register. Whatever is not the plain case (any exception, an
 * entry with TF > 0 or TL < 3, low-address stores, IEP on an instruction fetch, a table
 * that reaches beyond the flat storage) returns info 0 and is left to dat_translate() (or
 * dat_translate_native()), which gives the exact answer. Where it translates, it gives
 * what the exact walker gives (tests/dat prove it).
 *
 * Context: for native tables as dat_translate_native().
 *
 * Return: the absolute address and DAT_LEAN_* bits, or info 0.
 */
static inline struct dat_lean_result dat_lean_walk(const struct dat_lean *l, unsigned long va,
						   enum dat_access access)
{
	return l->walk[access](l, va);
}

/**
 * dat_translate_lean() - the lean walk with dat_translate() as its fallback
 * @l:      from dat_lean_init() or dat_lean_init_be()
 * @va:     virtual address
 * @access: access type
 * @read:   reader for the fallback (NULL: dat_read_native); for a big-endian @l one
 *          that reads the same storage
 * @ctx:    passed to @read
 * @res:    receives the outcome
 *
 * For callers that need only the result: @res is what dat_translate() gives, except
 * that after a lean walk that translated or recognised the exception
 * (dat_lean_exception()) it records no entries (@res->nsteps 0), @res->entry_addr is
 * 0, and with an exception the members besides @res->pic, @res->teid and @res->level
 * are 0. Use dat_translate() when the steps are wanted.
 *
 * Return: 0 or the program-interruption code.
 */
unsigned int dat_translate_lean(const struct dat_lean *l, unsigned long va, enum dat_access access,
				dat_read_fn read, void *ctx, struct dat_result *res);

/**
 * dat_lean_exception() - the exception a lean walk recognised, as dat_translate() gives it
 * @l:      the walker that returned @r
 * @va:     the address it walked
 * @access: the access it walked for
 * @r:      its result
 * @res:    receives the exception when there is one: @res->pic, @res->teid and
 *          @res->level as dat_translate() sets them, no entries (@res->nsteps 0,
 *          @res->entry_addr 0), the other members 0
 *
 * A lean walk recognises the common exceptions (an invalid region, segment or page
 * entry, an address beyond the ASCE's reach, DAT protection on a store, IEP on an
 * instruction fetch) wherever every entry before is plain,
 * and leaves the others to dat_translate(); tests/dat prove the answers equal.
 *
 * Return: the program-interruption code, or 0 if @r translated or was left to
 * dat_translate() (@res untouched).
 */
unsigned int dat_lean_exception(const struct dat_lean *l, unsigned long va, enum dat_access access,
				struct dat_lean_result r, struct dat_result *res);

/* ---- the lean walker over storage in pieces, and many walks at once ------------------------ */

/**
 * struct dat_lean_span - a piece of big-endian storage for dat_lean_init_spans()
 * @addr: absolute address of its first byte
 * @size: its length in bytes
 * @data: its bytes in this process (e.g. an ELF core's PT_LOAD file data, mapped)
 */
struct dat_lean_span {
	unsigned long addr;
	unsigned long size;
	const void *data;
};

/**
 * dat_lean_init_spans() - prepare the lean walker for big-endian storage in pieces
 * @l:     receives the prepared configuration; release it with dat_lean_destroy()
 * @cfg:   machine state
 * @spans: the pieces, sorted by address and not overlapping
 * @n:     number of @spans (0: every walk is left to the fallback)
 *
 * For storage that is not one flat block from absolute 0, as the PT_LOAD segments of
 * an ELF core: pieces that continue each other in memory too are joined, and if that
 * leaves one block from absolute 0 this is dat_lean_init_be() over it. Otherwise the
 * walker finds each entry through a map from the granule of its address (1 MiB, or
 * smaller where the pieces' bounds need it, larger for storage beyond 4 TiB) to the
 * granule's bytes: one load, no search. Granules not wholly inside one piece (holes,
 * bounds within a granule, storage at or beyond @cfg->storage_size) and misaligned
 * data are left to the fallback, whose reader must read the same storage.
 *
 * Return: 0; -EINVAL for a NULL @l or @cfg, NULL @spans with @n, a NULL @data with a
 * size, spans out of order, overlapping or beyond the address space; -ENOMEM if the map
 * cannot be allocated. On failure @l is still usable and leaves every walk to the
 * fallback.
 */
int dat_lean_init_spans(struct dat_lean *l, const struct dat_config *cfg,
			const struct dat_lean_span *spans, unsigned int n);

/**
 * dat_lean_destroy() - free what dat_lean_init_spans() allocated
 * @l: the lean configuration (of any dat_lean_init*() function, or zeroed)
 *
 * Every walk is then left to the fallback. Copies of @l share the map: destroy one.
 */
void dat_lean_destroy(struct dat_lean *l);

/* Most walks dat_lean_walk_batch() keeps in flight. */
#define DAT_LEAN_MAX_INFLIGHT 64
/* What dat_lean_walk_batch() keeps in flight for @inflight 0. */
#define DAT_LEAN_INFLIGHT_DEFAULT 16

/**
 * dat_lean_walk_batch() - dat_lean_walk() for many addresses, their misses overlapped
 * @l:        from dat_lean_init(), dat_lean_init_be() or dat_lean_init_spans()
 * @va:       @n virtual addresses
 * @n:        how many
 * @access:   access type for all of them
 * @inflight: walks advanced together, 1 to DAT_LEAN_MAX_INFLIGHT (0: the default,
 *            DAT_LEAN_INFLIGHT_DEFAULT; more: the most)
 * @out:      receives @n results, in the order of @va
 *
 * @out[i] is what dat_lean_walk(@l, @va[i], @access) returns, info 0 included (the
 * caller then asks dat_translate() for that address). The walks are advanced a level
 * at a time in groups of @inflight, with the next segment- or page-table entry of each
 * prefetched, so that their cache and TLB misses overlap: a walk over tables that do
 * not fit in the caches costs one memory latency per group rather than per address.
 *
 * Context: for native tables as dat_translate_native().
 *
 * Return: 0, or -EINVAL for a NULL @l, @va or @out with @n, or a bad @access.
 */
int dat_lean_walk_batch(const struct dat_lean *l, const unsigned long *va, unsigned int n,
			enum dat_access access, unsigned int inflight, struct dat_lean_result *out);

/**
 * dat_lean_expand() - the struct dat_result of a lean walk that translated
 * @l:   the configuration the walk used
 * @r:   its result, with DAT_LEAN_OK in @r.info
 * @res: receives what dat_translate_lean() would give for it (no steps)
 */
void dat_lean_expand(const struct dat_lean *l, struct dat_lean_result r, struct dat_result *res);

/**
 * dat_pic_name() - short name of a program-interruption code
 * @pic: the code
 *
 * Return: e.g. "segment-translation", or "unknown".
 */
const char *dat_pic_name(unsigned int pic);

/** dat_level_name() - name of an enum dat_level, e.g. "region-third". */
const char *dat_level_name(int level);

#ifdef __cplusplus
}
#endif

#endif /* GMAP_DAT_H */
