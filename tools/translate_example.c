// SPDX-License-Identifier: GPL-2.0
/*
 * The built-in image of `gmap translate --example`: the bit-exact worked example of
 * the DAT reference (section 10), so that the tool can be tried without a dump, plus
 * a few entries that show the other answers a walk can give.
 *
 *   R1T 0x10000  entry 0x009 -> R2T 0x14000 (TL 3)
 *   R2T 0x14000  entry 0x0d1 -> R3T 0x18000 (TL 3)
 *   R3T 0x18000  entry 0x2cf -> ST  0x1c000 (TL 3)
 *   ST  0x1c000  entry 0x09a -> PT  0x20800
 *                entry 0x09b    1 MiB frame at 0x900000 (EDAT-1)
 *   PT  0x20800  entry 0xbc     page 0xabc000 (the worked example)
 *                entry 0xbd     page 0xabd000, DAT-protected (a store is refused)
 *                entry 0xbf     page 0x4000000, beyond the 16 MiB of storage
 *                entry 0xc0     page 0x1000, moved by prefixing
 *
 * Every other entry is invalid with the table type of its level.
 */
#include <endian.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "translate.h"

#define EXAMPLE_SIZE (16UL << 20)
#define R1T	     0x10000UL
#define R2T	     0x14000UL
#define R3T	     0x18000UL
#define ST	     0x1c000UL
#define PT	     0x20800UL

const char translate_example_desc[] = "built-in example (DAT reference, section 10)";

const unsigned long translate_example_addrs[] = {
	0x0123456789abcdefUL, /* the worked example: 0xabcdef */
	0x0123456789b12345UL, /* 1 MiB segment frame: 0x912345 */
	0x0123456789abe000UL, /* invalid page: page-translation */
	0x0123456789abf000UL, /* frame beyond storage: addressing */
	0x0123456789c00000UL, /* invalid segment: segment-translation */
	0x000003ff80000000UL, /* invalid region-first entry: region-first-translation */
};
const unsigned int translate_example_naddrs =
	sizeof(translate_example_addrs) / sizeof(translate_example_addrs[0]);

static void put(unsigned char *mem, unsigned long addr, unsigned long val)
{
	uint64_t be = htobe64(val);

	memcpy(mem + addr, &be, 8);
}

static void fill(unsigned char *mem, unsigned long origin, unsigned long n, unsigned long val)
{
	for (unsigned long i = 0; i < n; i++)
		put(mem, origin + 8 * i, val);
}

int translate_example_image(struct image *img, char *err, size_t errlen)
{
	unsigned char *mem = calloc(1, EXAMPLE_SIZE);

	if (!mem) {
		snprintf(err, errlen, "out of memory for the example image");
		return -1;
	}
	fill(mem, R1T, _CRST_ENTRIES, _REGION1_ENTRY_EMPTY);
	fill(mem, R2T, _CRST_ENTRIES, _REGION2_ENTRY_EMPTY);
	fill(mem, R3T, _CRST_ENTRIES, _REGION3_ENTRY_EMPTY);
	fill(mem, ST, _CRST_ENTRIES, _SEGMENT_ENTRY_EMPTY);
	fill(mem, PT, _PAGE_ENTRIES, _PAGE_INVALID);
	put(mem, R1T + 0x009 * 8, R2T | _REGION1_ENTRY);
	put(mem, R2T + 0x0d1 * 8, R3T | _REGION2_ENTRY);
	put(mem, R3T + 0x2cf * 8, ST | _REGION3_ENTRY);
	put(mem, ST + 0x09a * 8, PT);
	put(mem, ST + 0x09b * 8, 0x900000UL | _SEGMENT_ENTRY_LARGE);
	put(mem, PT + 0xbc * 8, 0xabc000UL);
	put(mem, PT + 0xbd * 8, 0xabd000UL | _PAGE_PROTECT);
	put(mem, PT + 0xbf * 8, 0x4000000UL);
	put(mem, PT + 0xc0 * 8, 0x1000UL);
	if (image_from_buffer(img, mem, EXAMPLE_SIZE, err, errlen)) {
		free(mem);
		return -1;
	}
	img->owned = mem;
	return 0;
}
