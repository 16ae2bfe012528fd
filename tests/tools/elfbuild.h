/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helper: write s390x ELF64 core files the way QEMU's dump-guest-memory lays
 * them out (ELF header, program headers, then the segment data), so that the tests
 * can build dumps with known contents and then damage individual fields.
 */
#ifndef GMAP_TESTS_ELFBUILD_H
#define GMAP_TESTS_ELFBUILD_H

#include <elf.h>
#include <endian.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Offsets of the fields the tests patch. */
#define EB_E_TYPE      16
#define EB_E_MACHINE   18
#define EB_E_PHOFF     32
#define EB_E_SHOFF     40
#define EB_E_PHENTSIZE 54
#define EB_E_PHNUM     56
#define EB_E_SHENTSIZE 58
#define EB_PH_TYPE     0
#define EB_PH_OFFSET   8
#define EB_PH_PADDR    24
#define EB_PH_FILESZ   32
#define EB_PH_MEMSZ    40
#define EB_EHDR_SIZE   64UL
#define EB_PHDR_SIZE   56UL

/**
 * struct eb_seg - one program header to write
 * @type:   PT_LOAD or PT_NOTE
 * @paddr:  physical (absolute) address
 * @filesz: bytes in the file
 * @memsz:  bytes of storage
 * @data:   @filesz bytes, or NULL for zeros
 */
struct eb_seg {
	unsigned int type;
	unsigned long paddr;
	unsigned long filesz;
	unsigned long memsz;
	const void *data;
};

static inline void eb_put16(unsigned char *p, unsigned int v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static inline void eb_put32(unsigned char *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
}

static inline void eb_put64(unsigned char *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
}

/* Address of program header @i in an image built by eb_build(). */
static inline unsigned char *eb_phdr(unsigned char *elf, unsigned int i)
{
	return elf + EB_EHDR_SIZE + i * EB_PHDR_SIZE;
}

/**
 * eb_build() - lay out an s390x ELF core
 * @segs:  program headers in file order
 * @n:     number of them
 * @size:  receives the file size
 *
 * Segment data starts 4 KiB aligned after the headers, in the order given.
 *
 * Return: a malloc()ed file image, or NULL.
 */
static inline unsigned char *eb_build(const struct eb_seg *segs, unsigned int n, size_t *size)
{
	unsigned long off = (EB_EHDR_SIZE + n * EB_PHDR_SIZE + 4095) & ~4095UL;
	unsigned long total = off;
	unsigned char *elf;

	for (unsigned int i = 0; i < n; i++)
		total += (segs[i].filesz + 4095) & ~4095UL;
	elf = calloc(1, total);
	if (!elf)
		return NULL;
	memcpy(elf, ELFMAG, SELFMAG);
	elf[EI_CLASS] = ELFCLASS64;
	elf[EI_DATA] = ELFDATA2MSB;
	elf[EI_VERSION] = EV_CURRENT;
	eb_put16(elf + EB_E_TYPE, ET_CORE);
	eb_put16(elf + EB_E_MACHINE, EM_S390);
	eb_put32(elf + 20, EV_CURRENT);
	eb_put64(elf + EB_E_PHOFF, EB_EHDR_SIZE);
	eb_put16(elf + 52, EB_EHDR_SIZE);
	eb_put16(elf + EB_E_PHENTSIZE, EB_PHDR_SIZE);
	eb_put16(elf + EB_E_PHNUM, n);
	for (unsigned int i = 0; i < n; i++) {
		unsigned char *ph = eb_phdr(elf, i);

		eb_put32(ph + EB_PH_TYPE, segs[i].type);
		eb_put32(ph + 4, PF_R | PF_W | PF_X);
		eb_put64(ph + EB_PH_OFFSET, off);
		eb_put64(ph + 16, segs[i].paddr);
		eb_put64(ph + EB_PH_PADDR, segs[i].paddr);
		eb_put64(ph + EB_PH_FILESZ, segs[i].filesz);
		eb_put64(ph + EB_PH_MEMSZ, segs[i].memsz);
		if (segs[i].data)
			memcpy(elf + off, segs[i].data, segs[i].filesz);
		off += (segs[i].filesz + 4095) & ~4095UL;
	}
	*size = total;
	return elf;
}

/* ---- CPU notes, laid out as QEMU's dump-guest-memory writes them for s390x ---------------- */

#define EB_NT_S390_TIMER  0x301
#define EB_NT_S390_CTRS	  0x304
#define EB_NT_S390_PREFIX 0x305
#define EB_PRSTATUS_SIZE  336U /* struct elf_prstatus of s390x; the PSW at offset 112 */
#define EB_FPREGSET_SIZE  136U
/* Bytes of notes per CPU written by eb_cpu_notes(). */
#define EB_CPU_NOTES_SIZE \
	(20 + EB_PRSTATUS_SIZE + 20 + EB_FPREGSET_SIZE + 20 + 4 + 20 + 128 + 20 + 8)

/**
 * struct eb_cpu - the registers of one CPU to write as notes
 * @psw_mask: PSW bits 0-63
 * @psw_addr: PSW bits 64-127
 * @cr:       control registers
 * @prefix:   prefix register
 */
struct eb_cpu {
	unsigned long psw_mask;
	unsigned long psw_addr;
	unsigned long cr[16];
	uint32_t prefix;
};

/* One note: header, NUL-terminated name padded to 4, descriptor padded to 4. */
static inline unsigned char *eb_note(unsigned char *p, const char *name, unsigned int type,
				     const void *desc, unsigned int descsz)
{
	unsigned int namesz = (unsigned int)strlen(name) + 1;

	eb_put32(p, namesz);
	eb_put32(p + 4, descsz);
	eb_put32(p + 8, type);
	memset(p + 12, 0, (namesz + 3) & ~3U);
	memcpy(p + 12, name, namesz);
	p += 12 + ((namesz + 3) & ~3U);
	memcpy(p, desc, descsz);
	return p + ((descsz + 3) & ~3U);
}

/**
 * eb_cpu_notes() - write one CPU's notes in QEMU's order
 * @p:   where; EB_CPU_NOTES_SIZE bytes
 * @cpu: the registers
 *
 * NT_PRSTATUS and NT_FPREGSET named "CORE", then NT_S390_PREFIX, NT_S390_CTRS and
 * NT_S390_TIMER named "LINUX".
 *
 * Return: the end of what was written.
 */
static inline unsigned char *eb_cpu_notes(unsigned char *p, const struct eb_cpu *cpu)
{
	unsigned char prstatus[EB_PRSTATUS_SIZE] = { 0 }, fpregs[EB_FPREGSET_SIZE] = { 0 };
	unsigned char prefix[4], ctrs[128], timer[8] = { 0 };

	eb_put64(prstatus + 112, cpu->psw_mask);
	eb_put64(prstatus + 120, cpu->psw_addr);
	eb_put32(prefix, cpu->prefix);
	for (unsigned int i = 0; i < 16; i++)
		eb_put64(ctrs + 8 * i, cpu->cr[i]);
	p = eb_note(p, "CORE", NT_PRSTATUS, prstatus, sizeof(prstatus));
	p = eb_note(p, "CORE", NT_FPREGSET, fpregs, sizeof(fpregs));
	p = eb_note(p, "LINUX", EB_NT_S390_PREFIX, prefix, sizeof(prefix));
	p = eb_note(p, "LINUX", EB_NT_S390_CTRS, ctrs, sizeof(ctrs));
	return eb_note(p, "LINUX", EB_NT_S390_TIMER, timer, sizeof(timer));
}

#endif /* GMAP_TESTS_ELFBUILD_H */
