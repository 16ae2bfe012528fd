// SPDX-License-Identifier: GPL-2.0
/*
 * The storage-image reader of `gmap translate`: raw images, ELF cores with several
 * PT_LOAD segments and holes, every malformed header the reader must refuse, and
 * random damage to a valid header (which must never make it read out of bounds).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfbuild.h"
#include "image.h"

static char err[256];

static void put_be(unsigned char *p, unsigned long v)
{
	eb_put64(p, v);
}

static void test_raw(void **state)
{
	unsigned char *buf = calloc(1, 0x10000);
	struct image img;
	unsigned long v;
	unsigned char b[16];

	(void)state;
	assert_non_null(buf);
	put_be(buf + 0x1000, 0x0123456789abcdefUL);
	put_be(buf + 0xfff8, 0x1122334455667788UL);
	assert_int_equal(image_from_buffer(&img, buf, 0x10000, err, sizeof(err)), 0);
	assert_int_equal(img.format, IMAGE_RAW);
	assert_int_equal(img.nseg, 1);
	assert_int_equal(img.end, 0x10000);
	assert_int_equal(image_read_entry(&img, 0x1000, &v), 0);
	assert_int_equal(v, 0x0123456789abcdefUL);
	assert_int_equal(image_read_entry(&img, 0xfff8, &v), 0);
	assert_int_equal(v, 0x1122334455667788UL);
	assert_int_equal(image_read_entry(&img, 0x10000, &v), -1);
	assert_int_equal(image_read_entry(&img, 0xfffc, &v), -1);
	assert_int_equal(image_read_entry(&img, ~7UL, &v), -1);
	assert_int_equal(image_read(&img, 0xfff0, b, 16), 0);
	assert_int_equal(image_read(&img, 0xfff1, b, 16), -1);
	image_close(&img);
	free(buf);
}

static void test_raw_empty(void **state)
{
	struct image img;
	unsigned char byte = 0;

	(void)state;
	assert_int_equal(image_from_buffer(&img, &byte, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));
}

/* A raw image that merely starts with something like the ELF magic stays raw. */
static void test_bad_magic_is_raw(void **state)
{
	unsigned char buf[4096] = { 0x7f, 'E', 'L', 'G' };
	struct image img;

	(void)state;
	assert_int_equal(image_from_buffer(&img, buf, sizeof(buf), err, sizeof(err)), 0);
	assert_int_equal(img.format, IMAGE_RAW);
	assert_int_equal(img.end, sizeof(buf));
	image_close(&img);
}

/*
 * Three PT_LOADs written out of address order, one with memsz > filesz, a hole
 * between them, two that touch, and a PT_NOTE that must be ignored.
 */
static unsigned char *multi_elf(size_t *size)
{
	static unsigned char a[0x4000], b[0x2000], c[0x1000], d[0x1000], note[64];
	struct eb_seg segs[] = {
		{ PT_NOTE, 0, sizeof(note), 0, note },
		{ PT_LOAD, 0x100000, sizeof(c), sizeof(c), c },
		{ PT_LOAD, 0x0, sizeof(a), sizeof(a), a },
		{ PT_LOAD, 0x10000, sizeof(b), 0x8000, b },
		{ PT_LOAD, 0x4000, sizeof(d), sizeof(d), d },
	};

	memset(a, 0, sizeof(a));
	put_be(a + 0x3ff8, 0xa0a0a0a0a0a0a0a0UL);
	memset(a + 0x3ffc, 0xa1, 4);
	memset(d, 0xd0, 4);
	put_be(b + 0x8, 0xb0b0UL);
	put_be(b + 0x1ff8, 0xb1b1UL);
	put_be(c + 0xff8, 0xc0c0UL);
	return eb_build(segs, 5, size);
}

static void test_elf_segments(void **state)
{
	size_t size;
	unsigned char *elf = multi_elf(&size);
	struct image img;
	unsigned long v;

	(void)state;
	assert_non_null(elf);
	assert_int_equal(image_from_buffer(&img, elf, size, err, sizeof(err)), 0);
	assert_int_equal(img.format, IMAGE_ELF);
	assert_int_equal(img.nseg, 4);
	assert_int_equal(img.end, 0x101000);
	for (unsigned int i = 1; i < img.nseg; i++)
		assert_true(img.seg[i - 1].paddr < img.seg[i].paddr);

	assert_int_equal(image_read_entry(&img, 0x10008, &v), 0);
	assert_int_equal(v, 0xb0b0UL);
	assert_int_equal(image_read_entry(&img, 0x11ff8, &v), 0);
	assert_int_equal(v, 0xb1b1UL);
	/* Beyond p_filesz but inside p_memsz: zero, not an error. */
	v = 1;
	assert_int_equal(image_read_entry(&img, 0x12000, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(image_read_entry(&img, 0x17ff8, &v), 0);
	/* Holes and the end of storage. */
	assert_int_equal(image_read_entry(&img, 0x18000, &v), -1);
	assert_int_equal(image_read_entry(&img, 0x8000, &v), -1);
	assert_int_equal(image_read_entry(&img, 0xfff8, &v), -1);
	assert_int_equal(image_read_entry(&img, 0x101000, &v), -1);
	assert_int_equal(image_read_entry(&img, 0x100ff8, &v), 0);
	assert_int_equal(v, 0xc0c0UL);
	/* Back to the first segment after the hint moved away. */
	assert_int_equal(image_read_entry(&img, 0x3ff0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(image_read_entry(&img, 0x3ff8, &v), 0);
	assert_int_equal(v, 0xa0a0a0a0a1a1a1a1UL);
	/* A doubleword that spans two touching segments. */
	assert_int_equal(image_read_entry(&img, 0x3ffc, &v), 0);
	assert_int_equal(v, 0xa1a1a1a1d0d0d0d0UL);
	image_close(&img);
	free(elf);
}

/* Build a valid two-segment core, damage it with @patch, expect refusal naming @what. */
static void expect_refused(void (*patch)(unsigned char *elf, size_t *size), const char *what)
{
	static unsigned char data[0x2000];
	struct eb_seg segs[] = {
		{ PT_LOAD, 0x0, 0x1000, 0x1000, data },
		{ PT_LOAD, 0x10000, 0x2000, 0x2000, data },
	};
	size_t size;
	unsigned char *elf = eb_build(segs, 2, &size);
	struct image img;

	assert_non_null(elf);
	assert_int_equal(image_from_buffer(&img, elf, size, err, sizeof(err)), 0);
	image_close(&img);
	patch(elf, &size);
	err[0] = 0;
	assert_int_equal(image_from_buffer(&img, elf, size, err, sizeof(err)), -1);
	if (!strstr(err, what))
		fail_msg("error '%s' does not mention '%s'", err, what);
	free(elf);
}

static void p_class(unsigned char *e, size_t *s)
{
	(void)s;
	e[EI_CLASS] = ELFCLASS32;
}

static void p_data(unsigned char *e, size_t *s)
{
	(void)s;
	e[EI_DATA] = ELFDATA2LSB;
}

static void p_machine(unsigned char *e, size_t *s)
{
	(void)s;
	eb_put16(e + EB_E_MACHINE, EM_X86_64);
}

static void p_type(unsigned char *e, size_t *s)
{
	(void)s;
	eb_put16(e + EB_E_TYPE, ET_EXEC);
}

static void p_version(unsigned char *e, size_t *s)
{
	(void)s;
	e[EI_VERSION] = 2;
}

static void p_truncated_header(unsigned char *e, size_t *s)
{
	(void)e;
	*s = 40;
}

static void p_phentsize(unsigned char *e, size_t *s)
{
	(void)s;
	eb_put16(e + EB_E_PHENTSIZE, 32);
}

static void p_no_phdrs(unsigned char *e, size_t *s)
{
	(void)s;
	eb_put16(e + EB_E_PHNUM, 0);
}

static void p_phoff_beyond(unsigned char *e, size_t *s)
{
	eb_put64(e + EB_E_PHOFF, *s - 60);
}

/* One program header that does not fit: the message says "1 program header ... extends". */
static void p_one_phdr_beyond(unsigned char *e, size_t *s)
{
	eb_put16(e + EB_E_PHNUM, 1);
	eb_put64(e + EB_E_PHOFF, *s - 50);
}

static void p_phoff_wraps(unsigned char *e, size_t *s)
{
	(void)s;
	eb_put64(e + EB_E_PHOFF, ~0UL - 8);
}

static void p_phnum_huge(unsigned char *e, size_t *s)
{
	(void)s;
	eb_put16(e + EB_E_PHNUM, 0xfffe);
}

static void p_xnum_no_shdr(unsigned char *e, size_t *s)
{
	(void)s;
	eb_put16(e + EB_E_PHNUM, PN_XNUM);
}

static void p_offset_beyond(unsigned char *e, size_t *s)
{
	eb_put64(eb_phdr(e, 1) + EB_PH_OFFSET, *s - 0x1000);
}

static void p_offset_wraps(unsigned char *e, size_t *s)
{
	(void)s;
	eb_put64(eb_phdr(e, 0) + EB_PH_OFFSET, ~0UL - 0x100);
}

static void p_truncated_file(unsigned char *e, size_t *s)
{
	(void)e;
	*s -= 0x800;
}

static void p_filesz_gt_memsz(unsigned char *e, size_t *s)
{
	(void)s;
	eb_put64(eb_phdr(e, 1) + EB_PH_MEMSZ, 0x1000);
}

static void p_paddr_wraps(unsigned char *e, size_t *s)
{
	(void)s;
	eb_put64(eb_phdr(e, 1) + EB_PH_PADDR, ~0UL - 0x1000);
}

static void p_overlap(unsigned char *e, size_t *s)
{
	(void)s;
	eb_put64(eb_phdr(e, 1) + EB_PH_PADDR, 0x800);
}

static void p_same_start(unsigned char *e, size_t *s)
{
	(void)s;
	eb_put64(eb_phdr(e, 1) + EB_PH_PADDR, 0);
}

static void p_no_load(unsigned char *e, size_t *s)
{
	(void)s;
	eb_put32(eb_phdr(e, 0) + EB_PH_TYPE, PT_NOTE);
	eb_put32(eb_phdr(e, 1) + EB_PH_TYPE, PT_NULL);
}

static void test_malformed(void **state)
{
	(void)state;
	expect_refused(p_class, "class");
	expect_refused(p_data, "big-endian");
	expect_refused(p_machine, "machine 62");
	expect_refused(p_type, "core");
	expect_refused(p_version, "version");
	expect_refused(p_truncated_header, "truncated");
	expect_refused(p_phentsize, "e_phentsize");
	expect_refused(p_no_phdrs, "no program headers");
	expect_refused(p_phoff_beyond, "beyond the file");
	expect_refused(p_one_phdr_beyond, "1 program header at");
	expect_refused(p_one_phdr_beyond, " extends beyond the file");
	expect_refused(p_phoff_wraps, "beyond the file");
	expect_refused(p_phnum_huge, "beyond the file");
	expect_refused(p_xnum_no_shdr, "PN_XNUM");
	expect_refused(p_offset_beyond, "program header 1");
	expect_refused(p_offset_wraps, "program header 0");
	expect_refused(p_truncated_file, "beyond the file");
	expect_refused(p_filesz_gt_memsz, "exceeds p_memsz");
	expect_refused(p_paddr_wraps, "address space");
	expect_refused(p_overlap, "overlap at 0x800");
	expect_refused(p_same_start, "overlap");
	expect_refused(p_no_load, "no PT_LOAD");
}

/* More than 65534 program headers: the count moves to section header 0 (sh_info). */
static void test_pn_xnum(void **state)
{
	struct eb_seg segs[] = { { PT_LOAD, 0x2000, 0x1000, 0x1000, NULL } };
	size_t size, big;
	unsigned char *elf = eb_build(segs, 1, &size), *e2;
	struct image img;
	unsigned long v;

	(void)state;
	assert_non_null(elf);
	big = size + 64;
	e2 = realloc(elf, big);
	assert_non_null(e2);
	memset(e2 + size, 0, 64);
	eb_put16(e2 + EB_E_PHNUM, PN_XNUM);
	eb_put64(e2 + EB_E_SHOFF, size);
	eb_put16(e2 + EB_E_SHENTSIZE, 64);
	eb_put32(e2 + size + 44, 1);
	assert_int_equal(image_from_buffer(&img, e2, big, err, sizeof(err)), 0);
	assert_int_equal(img.nseg, 1);
	assert_int_equal(img.seg[0].paddr, 0x2000);
	/* Below the first segment: not held, whichever segment the hint points at. */
	assert_int_equal(image_read_entry(&img, 0x1ff8, &v), -1);
	assert_int_equal(image_read_entry(&img, 0x2ff8, &v), 0);
	image_close(&img);
	/* sh_info claiming more headers than the file holds. */
	eb_put32(e2 + size + 44, 100000);
	assert_int_equal(image_from_buffer(&img, e2, big, err, sizeof(err)), -1);
	free(e2);
}

/* Cheap deterministic generator for the damage test. */
static unsigned long rng_next(unsigned long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Random damage to the headers: whatever the reader accepts, reading every address
 * it claims to cover (and a few it does not) must stay inside the buffer. ASan
 * checks the "inside"; the exact copy has no slack after it.
 */
static void test_random_damage(void **state)
{
	size_t size;
	unsigned char *orig = multi_elf(&size), *elf;
	unsigned long seed = 0x9e3779b97f4a7c15UL, v;
	unsigned int accepted = 0;

	(void)state;
	assert_non_null(orig);
	for (int iter = 0; iter < 4000; iter++) {
		struct image img;
		size_t len = size;
		int flips = 1 + (int)(rng_next(&seed) % 4);

		elf = malloc(len);
		assert_non_null(elf);
		memcpy(elf, orig, len);
		for (int f = 0; f < flips; f++) {
			unsigned long pos = rng_next(&seed) % (EB_EHDR_SIZE + 5 * EB_PHDR_SIZE);

			elf[pos] = (unsigned char)rng_next(&seed);
		}
		if (rng_next(&seed) % 8 == 0)
			len = rng_next(&seed) % len;
		if (image_from_buffer(&img, elf, len, err, sizeof(err)) == 0) {
			accepted++;
			for (unsigned int s = 0; s < img.nseg; s++) {
				unsigned long a = img.seg[s].paddr;

				image_read_entry(&img, a, &v);
				image_read_entry(&img, a + img.seg[s].memsz - 8, &v);
				image_read_entry(&img, a + img.seg[s].filesz / 2, &v);
			}
			image_read_entry(&img, rng_next(&seed), &v);
			image_close(&img);
		}
		free(elf);
	}
	/* Damage outside the fields that matter leaves the image usable. */
	assert_true(accepted > 0);
	free(orig);
}

static void test_open_files(void **state)
{
	char dir[] = "/tmp/gmap-image-XXXXXX", path[64];
	struct image img;
	size_t size;
	unsigned char *elf = multi_elf(&size);
	unsigned long v;
	FILE *f;

	(void)state;
	assert_non_null(elf);
	assert_non_null(mkdtemp(dir));

	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(image_open(&img, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open"));
	assert_int_equal(image_open(&img, dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));

	snprintf(path, sizeof(path), "%s/empty", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(image_open(&img, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));
	unlink(path);

	snprintf(path, sizeof(path), "%s/core", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(elf, 1, size, f), size);
	fclose(f);
	assert_int_equal(image_open(&img, path, err, sizeof(err)), 0);
	assert_int_equal(img.format, IMAGE_ELF);
	assert_int_equal(image_read_entry(&img, 0x100ff8, &v), 0);
	assert_int_equal(v, 0xc0c0UL);
	image_close(&img);

	/* Cut inside the last segment's data: refused, not trusted. */
	assert_int_equal(truncate(path, (off_t)size - 0x800), 0);
	assert_int_equal(image_open(&img, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "beyond the file"));
	unlink(path);
	rmdir(dir);
	free(elf);
}

/* ---- CPU registers from notes ------------------------------------------------------------- */

#define NOTES_CPUS 3

static void fill_cpu(struct eb_cpu *c, unsigned int i)
{
	memset(c, 0, sizeof(*c));
	c->psw_mask = 0x0704000180000000UL | (unsigned long)i << 46;
	c->psw_addr = 0x1000UL * (i + 1);
	for (unsigned int r = 0; r < 16; r++)
		c->cr[r] = 0x0101010101010101UL * (r + 1) + i;
	c->prefix = 0x7e000U - 0x2000U * i;
}

/* A core whose notes hold NOTES_CPUS CPUs (in two PT_NOTE segments) and 64 KiB of storage. */
static unsigned char *notes_elf(size_t *size, unsigned char *notes, size_t *notes_len)
{
	static unsigned char mem[0x10000];
	unsigned char *p = notes;
	struct eb_cpu c;

	for (unsigned int i = 0; i < NOTES_CPUS; i++) {
		fill_cpu(&c, i);
		p = eb_cpu_notes(p, &c);
	}
	*notes_len = (size_t)(p - notes);
	{
		struct eb_seg segs[] = {
			{ PT_NOTE, 0, EB_CPU_NOTES_SIZE, 0, notes },
			{ PT_LOAD, 0, sizeof(mem), sizeof(mem), mem },
			{ PT_NOTE, 0, *notes_len - EB_CPU_NOTES_SIZE, 0,
			  notes + EB_CPU_NOTES_SIZE },
		};

		return eb_build(segs, 3, size);
	}
}

static void test_notes(void **state)
{
	static unsigned char notes[NOTES_CPUS * EB_CPU_NOTES_SIZE];
	size_t size = 0, len = 0;
	unsigned char *elf = notes_elf(&size, notes, &len);
	struct image img;
	struct eb_cpu c;

	(void)state;
	assert_non_null(elf);
	assert_int_equal(len, sizeof(notes));
	assert_int_equal(image_from_buffer(&img, elf, size, err, sizeof(err)), 0);
	assert_string_equal(img.note_err, "");
	assert_int_equal(img.ncpus, NOTES_CPUS);
	for (unsigned int i = 0; i < NOTES_CPUS; i++) {
		fill_cpu(&c, i);
		assert_int_equal(img.cpus[i].have,
				 IMAGE_CPU_PSW | IMAGE_CPU_CRS | IMAGE_CPU_PREFIX);
		assert_int_equal(img.cpus[i].psw_mask, c.psw_mask);
		assert_int_equal(img.cpus[i].psw_addr, c.psw_addr);
		assert_int_equal(img.cpus[i].prefix, c.prefix);
		assert_memory_equal(img.cpus[i].cr, c.cr, sizeof(c.cr));
	}
	image_close(&img);
	free(elf);
}

/* A raw image and a core without notes have no CPUs, and no error either. */
static void test_no_notes(void **state)
{
	size_t size;
	unsigned char *elf = multi_elf(&size);
	struct image img;

	(void)state;
	assert_int_equal(image_from_buffer(&img, elf, size, err, sizeof(err)), 0);
	assert_int_equal(img.ncpus, 0);
	assert_string_equal(img.note_err, "");
	image_close(&img);
	free(elf);
}

/* Build a core from @notes (one PT_NOTE of @len bytes); expect @what in the note error. */
static void expect_note_error(const unsigned char *notes, size_t len, const char *what)
{
	static unsigned char mem[0x1000];
	struct eb_seg segs[] = {
		{ PT_NOTE, 0, len, 0, notes },
		{ PT_LOAD, 0, sizeof(mem), sizeof(mem), mem },
	};
	size_t size = 0;
	unsigned char *elf = eb_build(segs, 2, &size);
	struct image img;

	assert_non_null(elf);
	/* The storage stays usable: the error waits until the registers are needed. */
	assert_int_equal(image_from_buffer(&img, elf, size, err, sizeof(err)), 0);
	assert_int_equal(img.ncpus, 0);
	if (!strstr(img.note_err, what))
		fail_msg("note error '%s' does not mention '%s'", img.note_err, what);
	image_close(&img);
	free(elf);
}

static void test_notes_malformed(void **state)
{
	unsigned char n[2 * EB_CPU_NOTES_SIZE], *p;
	unsigned char prstatus[EB_PRSTATUS_SIZE] = { 0 }, ctrs[128] = { 0 }, pfx[4];
	struct eb_cpu c;

	(void)state;
	fill_cpu(&c, 0);
	p = eb_cpu_notes(n, &c);
	/* Cut inside the last note's header, then inside its descriptor. */
	expect_note_error(n, (size_t)(p - n) - 8 - 20 + 6, "header truncated");
	expect_note_error(n, (size_t)(p - n) - 4, "NT_S390_TIMER");
	/* The first note's descriptor size beyond the segment. */
	memcpy(n, "\0\0\0\5\x7f\0\0\0", 8);
	expect_note_error(n, (size_t)(p - n), "NT_PRSTATUS note (type 0x1) at file offset");
	/* Registers before any NT_PRSTATUS. */
	p = eb_note(n, "LINUX", EB_NT_S390_CTRS, ctrs, 128);
	expect_note_error(n, (size_t)(p - n), "NT_S390_CTRS note at file offset");
	/* Wrong sizes, a duplicate, an unaligned prefix, a short NT_PRSTATUS. */
	p = eb_note(n, "CORE", NT_PRSTATUS, prstatus, sizeof(prstatus));
	p = eb_note(p, "LINUX", EB_NT_S390_CTRS, ctrs, 64);
	expect_note_error(n, (size_t)(p - n), "NT_S390_CTRS note of CPU 0 at file offset");
	p = eb_note(n, "CORE", NT_PRSTATUS, prstatus, sizeof(prstatus));
	p = eb_note(p, "LINUX", EB_NT_S390_CTRS, ctrs, 128);
	p = eb_note(p, "LINUX", EB_NT_S390_CTRS, ctrs, 128);
	expect_note_error(n, (size_t)(p - n), "a second one");
	eb_put32(pfx, 0x1234);
	p = eb_note(n, "CORE", NT_PRSTATUS, prstatus, sizeof(prstatus));
	p = eb_note(p, "LINUX", EB_NT_S390_PREFIX, pfx, 4);
	expect_note_error(n, (size_t)(p - n), "NT_S390_PREFIX note of CPU 0");
	p = eb_note(n, "CORE", NT_PRSTATUS, prstatus, 120);
	expect_note_error(n, (size_t)(p - n), "too short to hold the PSW");
}

/* Another owner's notes with the same type numbers are not registers. */
static void test_notes_other_owner(void **state)
{
	static unsigned char mem[0x1000];
	unsigned char n[1024], prstatus[EB_PRSTATUS_SIZE] = { 0 }, *p;
	struct eb_seg segs[2] = { { PT_NOTE, 0, 0, 0, n }, { PT_LOAD, 0, 4096, 4096, mem } };
	struct image img;
	size_t size = 0;
	unsigned char *elf;

	(void)state;
	p = eb_note(n, "QEMU", NT_PRSTATUS, prstatus, sizeof(prstatus));
	p = eb_note(p, "CORE", EB_NT_S390_CTRS, prstatus, 8);
	segs[0].filesz = (unsigned long)(p - n);
	elf = eb_build(segs, 2, &size);
	assert_int_equal(image_from_buffer(&img, elf, size, err, sizeof(err)), 0);
	assert_int_equal(img.ncpus, 0);
	assert_string_equal(img.note_err, "");
	image_close(&img);
	free(elf);
}

/* Random damage to the notes: an error or registers, never a read out of bounds. */
static void test_notes_random_damage(void **state)
{
	static unsigned char notes[NOTES_CPUS * EB_CPU_NOTES_SIZE];
	size_t size = 0, len = 0;
	unsigned char *orig = notes_elf(&size, notes, &len), *elf;
	unsigned long seed = 0x2545f4914f6cdd1dUL, note_off = 0x1000;
	unsigned int ok = 0, refused = 0;

	(void)state;
	assert_non_null(orig);
	for (int iter = 0; iter < 3000; iter++) {
		struct image img;

		elf = malloc(size);
		assert_non_null(elf);
		memcpy(elf, orig, size);
		for (int f = 0; f < 1 + iter % 3; f++)
			elf[note_off + rng_next(&seed) % EB_CPU_NOTES_SIZE] =
				(unsigned char)rng_next(&seed);
		assert_int_equal(image_from_buffer(&img, elf, size, err, sizeof(err)), 0);
		if (img.note_err[0])
			refused++;
		else
			ok++;
		image_close(&img);
		free(elf);
	}
	assert_true(ok > 0 && refused > 0);
	free(orig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_raw_empty),
		cmocka_unit_test(test_bad_magic_is_raw),
		cmocka_unit_test(test_elf_segments),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_pn_xnum),
		cmocka_unit_test(test_random_damage),
		cmocka_unit_test(test_open_files),
		cmocka_unit_test(test_notes),
		cmocka_unit_test(test_no_notes),
		cmocka_unit_test(test_notes_malformed),
		cmocka_unit_test(test_notes_other_owner),
		cmocka_unit_test(test_notes_random_damage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
