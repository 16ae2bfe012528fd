/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces between the parts of `gmap translate`. */
#ifndef GMAP_TOOLS_TRANSLATE_H
#define GMAP_TOOLS_TRANSLATE_H

#include <stdio.h>

#include <gmap/dat.h>

#include "image.h"

/* The ASCE of the worked example: region-first table at 0x10000, TL=3. */
#define EXAMPLE_ASCE 0x1000fUL
/* EDAT level the example is built for (it holds a 1 MiB segment frame). */
#define EXAMPLE_EDAT 2U

/**
 * translate_example_image() - build the example storage image in memory
 * @img:    receives the image (image_close() frees it)
 * @err:    receives a reason on failure
 * @errlen: size of @err
 *
 * Return: 0, or -1 if the memory cannot be allocated.
 */
int translate_example_image(struct image *img, char *err, size_t errlen);

/* Addresses translated when --example is given without any. */
extern const unsigned long translate_example_addrs[];
extern const unsigned int translate_example_naddrs;

/* Description of the example for --verbose headers. */
extern const char translate_example_desc[];

/**
 * translate_tree() - print the summary of the tables reachable from an ASCE
 * @out:         where to print
 * @cfg:         ASCE, EDAT level, prefix and storage size
 * @img:         storage image holding the tables
 * @max_entries: bound on the entries examined (the walk stops there)
 * @json:        one JSON object instead of the text summary
 *
 * Return: 0, or -1 if memory for the bookkeeping ran out (a message was printed to stderr).
 */
int translate_tree(FILE *out, const struct dat_config *cfg, struct image *img,
		   unsigned long max_entries, bool json);

/** struct translate_hits - the virtual addresses found for one absolute address */
struct translate_hits {
	unsigned long *va;
	unsigned long n, cap;
};

/**
 * translate_reverse() - every virtual address that maps given absolute addresses
 * @cfg:         ASCE, EDAT level, prefix and storage size
 * @img:         storage image holding the tables
 * @max_entries: bound on the entries examined, as for translate_tree()
 * @targets:     the absolute (with a prefix) or real addresses looked for
 * @n:           their number
 * @hits:        @n lists, filled in ascending virtual order (the caller frees .va)
 * @stopped:     set if the bound stopped the walk (mappings may be missing)
 *
 * Walks the table tree as translate_tree() does, with large frames and prefixing,
 * so that each address found translates forward to its target.
 *
 * Return: 0, or -1 if memory ran out.
 */
int translate_reverse(const struct dat_config *cfg, struct image *img, unsigned long max_entries,
		      const unsigned long *targets, unsigned int n, struct translate_hits *hits,
		      bool *stopped);

/* ---- registers from an ELF core (translate_regs.c) ----------------------------------------- */

/** translate_space_name() - "primary", "secondary" or "home". */
const char *translate_space_name(enum dat_space space);

/** translate_space_cr() - the control register holding the space's ASCE: 1, 7 or 13. */
int translate_space_cr(enum dat_space space);

/** translate_psw_space() - the space the PSW's address-space control selects (AR mode: primary). */
enum dat_space translate_psw_space(unsigned long psw_mask);

/** translate_cr0_edat() - EDAT level CR0 enables: 0, or 2 with bit 40 (EDAT-2 assumed). */
unsigned int translate_cr0_edat(unsigned long cr0);

/** translate_cr0_iep() - CR0 bit 43, instruction-execution protection. */
bool translate_cr0_iep(unsigned long cr0);

/** translate_asce_desc() - "region-third table at 0x10000, 4 units" or "real-space designation". */
void translate_asce_desc(char *buf, size_t len, unsigned long asce);

/** translate_no_regs() - why @img offers no CPU registers (raw image, damaged note, none). */
const char *translate_no_regs(const struct image *img);

/** translate_json_safe() - @s with characters that need escaping in JSON replaced (static buffer).
 */
const char *translate_json_safe(const char *s);

/**
 * translate_info() - print the registers the core's notes hold, per CPU
 * @out:  where to print
 * @img:  the image
 * @path: its file name
 * @json: one JSON object instead of text
 *
 * Return: 0, or -1 (message on stderr) if the image holds no registers.
 */
int translate_info(FILE *out, const struct image *img, const char *path, bool json);

#endif /* GMAP_TOOLS_TRANSLATE_H */
