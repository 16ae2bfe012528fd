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
 *
 * Return: 0, or -1 if memory for the bookkeeping ran out (a message was printed to stderr).
 */
int translate_tree(FILE *out, const struct dat_config *cfg, struct image *img,
		   unsigned long max_entries);

#endif /* GMAP_TOOLS_TRANSLATE_H */
