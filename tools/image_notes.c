// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU registers of an s390x ELF core: QEMU's dump-guest-memory (and the
 * kernel's own dumps) write, per CPU, an NT_PRSTATUS note named "CORE" that holds
 * the PSW, followed by notes named "LINUX" such as NT_S390_CTRS (the 16 control
 * registers, 8 bytes each) and NT_S390_PREFIX (the 4-byte prefix register). So a
 * CPU's registers are the NT_PRSTATUS and the s390 notes that follow it.
 *
 * A damaged note does not make the image unusable (its storage may be fine and
 * the user may give the registers as options): the reason is kept in
 * img->note_err, naming the note and its file offset, and reported by the caller
 * when it needs the registers.
 */
#include <elf.h>
#include <endian.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

#ifndef NT_S390_CTRS
#define NT_S390_CTRS 0x304
#endif
#ifndef NT_S390_PREFIX
#define NT_S390_PREFIX 0x305
#endif

#define NOTE_HDR_SIZE 12UL
#define PHDR_SIZE     56UL
#define PRSTATUS_PSW  112UL /* offset of the PSW in the s390x struct elf_prstatus */
#define PRSTATUS_MIN  (PRSTATUS_PSW + 16)
#define CTRS_SIZE     128UL /* 16 control registers of 8 bytes */
#define PREFIX_SIZE   4UL
#define PREFIX_VALID  0x7fffe000UL /* 8 KiB aligned, below 2 GiB */

/* One note, located in the file. */
struct note {
	unsigned int type;
	unsigned long off; /* file offset of its header */
	const unsigned char *name;
	unsigned long namesz;
	const unsigned char *desc;
	unsigned long descsz;
};

static unsigned int get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return be32toh(v);
}

static unsigned long get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

static int note_fail(struct image *img, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int note_fail(struct image *img, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(img->note_err, sizeof(img->note_err), fmt, ap);
	va_end(ap);
	return -1;
}

/* Names of the notes QEMU writes per s390x CPU, for messages. */
static const char *type_name(unsigned int type)
{
	static const struct {
		unsigned int type;
		const char *name;
	} names[] = {
		{ NT_PRSTATUS, "NT_PRSTATUS" },	      { NT_FPREGSET, "NT_FPREGSET" },
		{ 0x301, "NT_S390_TIMER" },	      { 0x302, "NT_S390_TODCMP" },
		{ 0x303, "NT_S390_TODPREG" },	      { NT_S390_CTRS, "NT_S390_CTRS" },
		{ NT_S390_PREFIX, "NT_S390_PREFIX" }, { 0x309, "NT_S390_VXRS_LOW" },
		{ 0x30a, "NT_S390_VXRS_HIGH" },	      { 0x30b, "NT_S390_GS_CB" },
		{ 0x30e, "NT_S390_PV_CPU_DATA" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == type)
			return names[i].name;
	return "unknown";
}

/* Trailing zero bytes shorter than a note header are padding, not a note. */
static bool zero_padding(const unsigned char *p, unsigned long len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

static unsigned long pad4(unsigned long n)
{
	return (n + 3) & ~3UL;
}

/*
 * The note at file offset *pos of a PT_NOTE segment that ends at @end; 1 with
 * @n filled and *pos moved past it, 0 at the segment's end, -1 if truncated.
 */
static int next_note(struct image *img, unsigned long *pos, unsigned long end, struct note *n)
{
	unsigned long off = *pos, left = end - off, name_len;

	if (!left || (left < NOTE_HDR_SIZE && zero_padding(img->data + off, left)))
		return 0;
	if (left < NOTE_HDR_SIZE)
		return note_fail(img,
				 "note at file offset 0x%lx: header truncated (%lu of 12 bytes)",
				 off, left);
	n->off = off;
	n->namesz = get32(img->data + off);
	n->descsz = get32(img->data + off + 4);
	n->type = get32(img->data + off + 8);
	name_len = pad4(n->namesz);
	left -= NOTE_HDR_SIZE;
	if (name_len > left || n->descsz > left - name_len)
		return note_fail(img,
				 "%s note (type 0x%x) at file offset 0x%lx: name and descriptor "
				 "(%lu + %lu bytes) extend beyond its PT_NOTE segment",
				 type_name(n->type), n->type, off, n->namesz, n->descsz);
	n->name = img->data + off + NOTE_HDR_SIZE;
	n->desc = n->name + name_len;
	/* The last note's descriptor padding may be cut off at the segment's end. */
	*pos = off + NOTE_HDR_SIZE + name_len + pad4(n->descsz);
	if (*pos > end)
		*pos = end;
	return 1;
}

/* The note's owner is @want ("CORE", "LINUX"), with or without its NUL in namesz. */
static bool owner_is(const struct note *n, const char *want)
{
	size_t len = strlen(want);

	return (n->namesz == len || (n->namesz == len + 1 && !n->name[len])) &&
	       !memcmp(n->name, want, len);
}

static int add_cpu(struct image *img, const struct note *n, unsigned int *cap)
{
	struct image_cpu *cpu;

	if (n->descsz < PRSTATUS_MIN)
		return note_fail(img,
				 "NT_PRSTATUS note of CPU %u at file offset 0x%lx: %lu bytes, too "
				 "short to hold the PSW (%lu)",
				 img->ncpus, n->off, n->descsz, PRSTATUS_MIN);
	if (img->ncpus == *cap) {
		unsigned int c = *cap ? *cap * 2 : 8;
		struct image_cpu *cpus = realloc(img->cpus, c * sizeof(*cpus));

		if (!cpus)
			return note_fail(img, "out of memory for %u CPUs' registers", c);
		img->cpus = cpus;
		*cap = c;
	}
	cpu = &img->cpus[img->ncpus++];
	memset(cpu, 0, sizeof(*cpu));
	cpu->psw_mask = get64(n->desc + PRSTATUS_PSW);
	cpu->psw_addr = get64(n->desc + PRSTATUS_PSW + 8);
	cpu->have = IMAGE_CPU_PSW;
	return 0;
}

/* An s390 register note: it belongs to the CPU of the last NT_PRSTATUS, once. */
static int s390_note_cpu(struct image *img, const struct note *n, unsigned long size,
			 unsigned int bit, struct image_cpu **cpu)
{
	const char *name = type_name(n->type);

	if (!img->ncpus)
		return note_fail(
			img,
			"%s note at file offset 0x%lx comes before any NT_PRSTATUS: no CPU "
			"to give it to",
			name, n->off);
	*cpu = &img->cpus[img->ncpus - 1];
	if (n->descsz != size)
		return note_fail(img, "%s note of CPU %u at file offset 0x%lx: %lu bytes, not %lu",
				 name, img->ncpus - 1, n->off, n->descsz, size);
	if ((*cpu)->have & bit)
		return note_fail(img, "%s note of CPU %u at file offset 0x%lx: a second one", name,
				 img->ncpus - 1, n->off);
	(*cpu)->have |= bit;
	return 0;
}

static int take_note(struct image *img, const struct note *n, unsigned int *cap)
{
	struct image_cpu *cpu;

	if (n->type == NT_PRSTATUS && owner_is(n, "CORE"))
		return add_cpu(img, n, cap);
	if (!owner_is(n, "LINUX"))
		return 0;
	if (n->type == NT_S390_CTRS) {
		if (s390_note_cpu(img, n, CTRS_SIZE, IMAGE_CPU_CRS, &cpu))
			return -1;
		for (unsigned int i = 0; i < 16; i++)
			cpu->cr[i] = get64(n->desc + 8 * i);
	} else if (n->type == NT_S390_PREFIX) {
		if (s390_note_cpu(img, n, PREFIX_SIZE, IMAGE_CPU_PREFIX, &cpu))
			return -1;
		cpu->prefix = get32(n->desc);
		if (cpu->prefix & ~PREFIX_VALID)
			return note_fail(
				img,
				"NT_S390_PREFIX note of CPU %u at file offset 0x%lx: 0x%lx "
				"is not 8 KiB aligned below 2 GiB",
				img->ncpus - 1, n->off, cpu->prefix);
	}
	return 0;
}

static int parse_segment(struct image *img, unsigned long off, unsigned long len, unsigned int *cap)
{
	unsigned long pos = off;
	struct note n;
	int rc;

	while ((rc = next_note(img, &pos, off + len, &n)) > 0)
		if (take_note(img, &n, cap))
			return -1;
	return rc;
}

void image_parse_notes(struct image *img, unsigned long phoff, unsigned long phnum)
{
	unsigned int cap = 0;

	img->note_err[0] = 0;
	for (unsigned long i = 0; i < phnum; i++) {
		const unsigned char *ph = img->data + phoff + i * PHDR_SIZE;
		unsigned long off = get64(ph + 8), len = get64(ph + 32);

		if (get32(ph) != PT_NOTE)
			continue;
		if (off > img->size || len > img->size - off) {
			note_fail(img, "PT_NOTE program header %lu extends beyond the file", i);
			break;
		}
		if (parse_segment(img, off, len, &cap))
			break;
	}
	if (img->note_err[0]) {
		free(img->cpus);
		img->cpus = NULL;
		img->ncpus = 0;
	}
}
