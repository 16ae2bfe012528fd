/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every allocation the library makes, by name: the registry of allocation sites.
 *
 * Each allocating call in src/ passes one GM_SITE_* constant (gm_malloc_at(),
 * pool_alloc_at(), crst_table_alloc_at(), ...), and each constant is used by
 * exactly one call, in the file named here. scripts/check-alloc-sites.py (test
 * core_alloc_sites) keeps this list and the code in step; the fault injector
 * tells which site the failed allocation came from (gm_alloc_fault_site()), and
 * tests/integration/test_fault_table.c proves that a failure at every site is
 * reached by some public operation and handled (docs/RELIABILITY.md has its table).
 *
 * X(name, file under src/, what is allocated)
 */
#ifndef GMAP_SRC_CORE_ALLOC_SITES_H
#define GMAP_SRC_CORE_ALLOC_SITES_H

#define GM_ALLOC_SITES(X)                                                                         \
	X(DAT_CRST_API, "dat/table.c", "crst_table_alloc(): a region or segment table")           \
	X(DAT_PGT_API, "dat/table.c", "page_table_alloc(): a 2 KiB page table")                   \
	X(DAT_PGSTE_API, "dat/table.c", "page_table_alloc_pgste(): a page table with PGSTEs")     \
	X(DAT_LEAN_SPANS, "dat/lean.c", "dat_lean_init_spans(): the granule map")                 \
	X(MM_STRUCT, "mm/mm.c", "mm_create(): struct mm_struct")                                  \
	X(MM_PGD, "mm/mm.c", "mm_create(): the region-third table")                               \
	X(MM_MMAP_VMA, "mm/mmap.c", "mm_mmap(): the new VMA")                                     \
	X(MM_MMAP_UPPER, "mm/mmap.c", "mm_mmap() beyond 4 TiB: the region-second table")          \
	X(MM_VMA_UNMAP_SPLIT, "mm/vma.c", "munmap inside a VMA: the split-off VMA")               \
	X(MM_VMA_PROT_SPLIT_START, "mm/vma.c", "mprotect from inside a VMA: the split-off VMA")   \
	X(MM_VMA_PROT_SPLIT_END, "mm/vma.c", "mprotect up to inside a VMA: the split-off VMA")    \
	X(MM_R3T, "mm/pgtable.c", "a host region-third table (grown mm)")                         \
	X(MM_SGT, "mm/pgtable.c", "a host segment table")                                         \
	X(MM_PGT, "mm/pgtable.c", "a host page table with PGSTEs")                                \
	X(MM_TLB_LISTENERS, "mm/pgtable.c", "mm_register_tlb_listener(): the listener set")       \
	X(MM_SWAP_USED, "mm/swap.c", "swap file growth: the slot bitmap")                         \
	X(MM_SWAP_GEN, "mm/swap.c", "swap file growth: the slot generations")                     \
	X(MM_MIGRATE_FRAME, "mm/events.c", "mm_migrate_page(): the new frame")                    \
	X(MM_SWAPIN_FRAME, "mm/fault.c", "a fault on a swapped page: the frame read unlocked")    \
	X(MM_FAULT_FRAME, "mm/fault.c", "a fault: the new (or copied-in) frame")                  \
	X(GMAP_LINK_CACHE, "gmap/linkcache.c", "the link cache of a gmap (and its growth)")       \
	X(GMAP_ULMAP, "gmap/gmap.c", "gmap_alloc(): a hash map (host_to_guest, host_to_rmap)")    \
	X(GMAP_RANGEMAP, "gmap/gmap.c", "gmap_alloc(): the range map guest_to_host")              \
	X(GMAP_STRUCT, "gmap/gmap.c", "gmap_alloc(): struct gmap")                                \
	X(GMAP_TOP_TABLE, "gmap/gmap.c", "gmap_alloc(): the top-level table")                     \
	X(GMAP_LINK_TABLE, "gmap/gmap.c", "__gmap_link(): a region or segment table of the gmap") \
	X(ULMAP_BUCKETS, "gmap/ulmap.c", "ulmap_init(): the first bucket array")                  \
	X(ULMAP_NODE, "gmap/ulmap.c", "ulmap_preload(): the node of an insert")                   \
	X(ULMAP_GROW, "gmap/ulmap.c", "ulmap_preload(): a doubled bucket array")                  \
	X(RANGEMAP_SPARE_INIT, "gmap/rangemap.c", "rangemap_init(): the spare node")              \
	X(RANGEMAP_SPARE, "gmap/rangemap.c", "rangemap_preload(): a missing spare node")          \
	X(RANGEMAP_NODE, "gmap/rangemap.c", "rangemap_preload(): a node of an insert")            \
	X(RANGEMAP_REFILL, "gmap/rangemap.c", "rangemap_preload_end(): the spare a split used")   \
	X(SHADOW_PROTECT_RMAP, "gmap/shadow.c", "gmap_protect_rmap(): an rmap per page")          \
	X(SHADOW_CRST, "gmap/shadow.c", "a shadow region or segment table")                       \
	X(SHADOW_PGT, "gmap/shadow.c", "a shadow page table")                                     \
	X(SHADOW_PAGE_RMAP, "gmap/shadow.c", "gmap_shadow_page(): the rmap of the page")          \
	X(VCPU_STRUCT, "vcpu/vcpu.c", "vcpu_create(): struct vcpu")

/* Where an allocation comes from; GM_SITE_NONE: no failure was delivered. */
enum gm_alloc_site {
	GM_SITE_NONE,
	GM_SITE_EXTERN, /* a caller outside the library: gm_malloc() and friends */
#define GM_SITE_ENUM(name, file, what) GM_SITE_##name,
	GM_ALLOC_SITES(GM_SITE_ENUM)
#undef GM_SITE_ENUM
		GM_NR_SITES
};

/* The registry entry of a site: its name (without GM_SITE_), file and what it allocates. */
struct gm_alloc_site_info {
	const char *name;
	const char *file;
	const char *what;
};

extern const struct gm_alloc_site_info gm_alloc_sites[GM_NR_SITES];

#endif /* GMAP_SRC_CORE_ALLOC_SITES_H */
