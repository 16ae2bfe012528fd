// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the storage-image reader of `gmap translate` (tools/image.c).
 *
 * The input is a whole file: a raw image or an s390x ELF core with PT_LOAD and
 * PT_NOTE headers. Whatever image_from_buffer() accepts must describe only bytes
 * of the file (sorted, non-overlapping segments, file data inside the file,
 * p_filesz <= p_memsz, no wrap), and every read must agree with a byte-by-byte
 * reading of that description: file data, zeroes beyond p_filesz, -1 outside the
 * segments. image_read_entry() must agree with image_read() in every position, in
 * particular at segment and file-data edges, and the DAT walker is run over the
 * image the way `gmap translate` runs it. Anything else aborts.
 */
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmap/dat.h>

#include "image.h"

#define CHECK(cond)                                                                            \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "fuzz_image: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                               \
		}                                                                              \
	} while (0)

/* The byte at @addr as the segment list describes it: 0..255, or -1 if not covered. */
static int ref_byte(const struct image *img, unsigned long addr)
{
	for (unsigned int i = 0; i < img->nseg; i++) {
		const struct image_segment *s = &img->seg[i];

		if (addr >= s->paddr && addr - s->paddr < s->memsz) {
			unsigned long off = addr - s->paddr;

			return off < s->filesz ? img->data[s->offset + off] : 0;
		}
	}
	return -1;
}

static void check_segments(const struct image *img)
{
	CHECK(img->nseg >= 1 && img->seg);
	for (unsigned int i = 0; i < img->nseg; i++) {
		const struct image_segment *s = &img->seg[i];

		CHECK(s->memsz && s->filesz <= s->memsz && s->memsz - 1 <= ~0UL - s->paddr);
		CHECK(s->offset <= img->size && s->filesz <= img->size - s->offset);
		if (i)
			CHECK(s[-1].paddr + s[-1].memsz <= s->paddr);
	}
	CHECK(img->end == img->seg[img->nseg - 1].paddr + img->seg[img->nseg - 1].memsz);
}

/* image_read() and image_read_entry() of @len (<= 16) bytes at @addr against ref_byte(). */
static void probe(struct image *img, unsigned long addr, size_t len)
{
	unsigned char buf[16];
	int want = 0, rc;

	for (size_t i = 0; i < len; i++)
		if (addr + i < addr || ref_byte(img, addr + i) < 0)
			want = -1;
	rc = image_read(img, addr, buf, len);
	CHECK(rc == want);
	if (!rc)
		for (size_t i = 0; i < len; i++)
			CHECK(buf[i] == ref_byte(img, addr + i));
	if (len == 8) {
		unsigned long val;

		rc = image_read_entry(img, addr, &val);
		CHECK(rc == want);
		if (!rc) {
			uint64_t be;

			memcpy(&be, buf, 8);
			CHECK(val == be64toh(be));
		}
	}
}

/* Addresses around the edges of each segment and of its file data. */
static void probe_edges(struct image *img)
{
	static const long delta[] = { -9, -8, -7, -1, 0, 1, 7, 8 };

	for (unsigned int i = 0; i < img->nseg && i < 16; i++) {
		const struct image_segment s = img->seg[i];
		const unsigned long edge[] = { s.paddr, s.paddr + s.filesz, s.paddr + s.memsz };

		for (unsigned int e = 0; e < 3; e++)
			for (unsigned int d = 0; d < sizeof(delta) / sizeof(delta[0]); d++) {
				probe(img, edge[e] + (unsigned long)delta[d], 8);
				probe(img, edge[e] + (unsigned long)delta[d], 13);
			}
	}
}

/* What `gmap translate` does: a walk with an ASCE taken from the image itself. */
static void walk(struct image *img, unsigned long seed)
{
	struct dat_config cfg = { .edat = (unsigned int)(seed % 3), .storage_size = img->end };
	struct dat_result res;
	unsigned long asce = 0;

	image_read_entry(img, img->seg[0].paddr, &asce);
	cfg.asce = asce;
	for (int i = 0; i < 4; i++) {
		unsigned long va = seed * 0x9e3779b97f4a7c15UL + (unsigned long)i * 0x1000;
		unsigned int pic = dat_translate(&cfg, va, (enum dat_access)(i % 3),
						 image_read_entry, img, &res);

		CHECK(pic == res.pic && res.nsteps <= DAT_MAX_STEPS);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image img;
	char err[256];
	unsigned long seed = 0;

	if (image_from_buffer(&img, data, size, err, sizeof(err))) {
		CHECK(err[0] != '\0' && img.seg == NULL);
		return 0;
	}
	check_segments(&img);
	probe_edges(&img);
	memcpy(&seed, data + (size >= 8 ? size - 8 : 0), size >= 8 ? 8 : 0);
	probe(&img, seed, 8);
	probe(&img, ~0UL - 3, 8);
	walk(&img, seed);
	image_close(&img);
	return 0;
}
