/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Read-only access to s390x storage images: a raw image of absolute storage (QEMU
 * `pmemsave`) or a big-endian ELF64 core of an s390x machine (QEMU
 * `dump-guest-memory`). The file is mapped, never read whole, and every header
 * field is checked against the file size so that a damaged dump is refused with a
 * message instead of being trusted.
 */
#ifndef GMAP_TOOLS_IMAGE_H
#define GMAP_TOOLS_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

enum image_format {
	IMAGE_RAW,
	IMAGE_ELF,
};

/**
 * struct image_segment - a range of absolute storage held by the image
 * @paddr:  first absolute address
 * @memsz:  bytes of storage the segment covers
 * @filesz: bytes of it present in the file; the rest reads as zero
 * @offset: file offset of @paddr
 */
struct image_segment {
	unsigned long paddr;
	unsigned long memsz;
	unsigned long filesz;
	unsigned long offset;
};

/* What the notes of one CPU held (struct image_cpu.have). */
#define IMAGE_CPU_PSW	 0x1 /* NT_PRSTATUS */
#define IMAGE_CPU_CRS	 0x2 /* NT_S390_CTRS */
#define IMAGE_CPU_PREFIX 0x4 /* NT_S390_PREFIX */

/**
 * struct image_cpu - the registers of one CPU from an ELF core's notes
 * @psw_mask: PSW bits 0-63 (from NT_PRSTATUS)
 * @psw_addr: PSW bits 64-127
 * @cr:       control registers 0-15 (from NT_S390_CTRS)
 * @prefix:   prefix register (from NT_S390_PREFIX)
 * @have:     IMAGE_CPU_* bits: which of the above the core held
 *
 * A CPU's notes start with its NT_PRSTATUS, as QEMU and the kernel write them.
 */
struct image_cpu {
	unsigned long psw_mask;
	unsigned long psw_addr;
	unsigned long cr[16];
	unsigned long prefix;
	unsigned int have;
};

/**
 * struct image - an opened storage image
 * @data:   the file's bytes
 * @size:   length of @data
 * @format: raw or ELF
 * @seg:    covered ranges, sorted by address, not overlapping
 * @nseg:   number of entries in @seg
 * @end:    highest covered address + 1: the storage size the image describes
 * @hint:   segment of the last successful read (walks stay in one segment)
 * @mapped: @data is a mapping to undo on close
 * @owned:  a buffer to free on close (in-memory images)
 * @cpus:   the CPUs' registers from an ELF core's notes, in note order
 * @ncpus:  number of entries in @cpus (0 for raw images and cores without registers)
 * @note_err: why the notes could not be read ("" if they could); the image itself is
 *          usable, only the registers are not, so the error is reported when they are
 *          needed
 */
struct image {
	const unsigned char *data;
	size_t size;
	enum image_format format;
	struct image_segment *seg;
	unsigned int nseg;
	unsigned long end;
	const struct image_segment *hint;
	bool mapped;
	void *owned;
	struct image_cpu *cpus;
	unsigned int ncpus;
	char note_err[160];
};

/**
 * image_open() - map a file and recognise its format
 * @img:    receives the image
 * @path:   file name
 * @err:    receives a one-line reason on failure
 * @errlen: size of @err
 *
 * Return: 0, or -1 with @err set (unreadable file, empty file, malformed ELF).
 */
int image_open(struct image *img, const char *path, char *err, size_t errlen);

/**
 * image_from_buffer() - recognise an image held in memory
 * @img:    receives the image; it refers to @data, which must outlive it
 * @data:   the bytes of a raw image or an ELF core
 * @size:   their length
 * @err:    receives a one-line reason on failure
 * @errlen: size of @err
 *
 * Return: 0, or -1 with @err set.
 */
int image_from_buffer(struct image *img, const void *data, size_t size, char *err, size_t errlen);

/** image_close() - release what image_open() or image_from_buffer() acquired. */
void image_close(struct image *img);

/**
 * image_read() - copy storage out of the image
 * @img:  the image
 * @addr: absolute address
 * @buf:  receives @len bytes
 * @len:  number of bytes
 *
 * Bytes inside a segment but beyond its file data read as zero.
 *
 * Return: 0, or -1 if any byte of the range is not covered by a segment.
 */
int image_read(struct image *img, unsigned long addr, void *buf, size_t len);

/**
 * image_read_entry() - a dat_read_fn over an image
 * @ctx:  the struct image
 * @addr: absolute address of an 8-byte table entry
 * @val:  receives the big-endian doubleword converted to host order
 *
 * Return: 0, or -1 for storage the image does not hold (an addressing exception).
 */
int image_read_entry(void *ctx, unsigned long addr, unsigned long *val);

/**
 * image_parse_notes() - read the CPUs' registers from the PT_NOTE segments (image.c's part)
 * @img:   an ELF image whose program headers were checked
 * @phoff: file offset of the program headers
 * @phnum: their number
 *
 * Fills @img->cpus, or @img->note_err with the reason naming the damaged note.
 */
void image_parse_notes(struct image *img, unsigned long phoff, unsigned long phnum);

/** image_format_name() - "raw" or "elf". */
const char *image_format_name(enum image_format format);

#endif /* GMAP_TOOLS_IMAGE_H */
