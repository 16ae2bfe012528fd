// SPDX-License-Identifier: GPL-2.0
/*
 * Storage images for `gmap translate`: raw images of absolute storage and ELF64
 * big-endian s390x cores. Dumps are as large as the guest, so the file is mapped
 * and only the bytes a walk touches are ever read. Every header field that leads
 * to a file offset is checked against the file size before it is used: a dump
 * may be truncated or damaged, and the tool must answer, not crash.
 */
#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"

#define EHDR_SIZE 64UL
#define PHDR_SIZE 56UL
#define SHDR_SIZE 64UL

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Big-endian field readers; the fields of a dump need not be aligned for the host. */
static unsigned int get16(const unsigned char *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

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

/* True if [off, off + len) lies inside a file of @size bytes, without overflowing. */
static bool in_file(unsigned long off, unsigned long len, size_t size)
{
	return off <= size && len <= size - off;
}

static int by_paddr(const void *a, const void *b)
{
	const struct image_segment *x = a, *y = b;

	return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

/* Number of program headers, which ELF moves to section header 0 when it reaches PN_XNUM. */
static int elf_phnum(const unsigned char *d, size_t size, unsigned long *phnum, char *err,
		     size_t errlen)
{
	unsigned long shoff;

	*phnum = get16(d + 56);
	if (*phnum != PN_XNUM)
		return 0;
	shoff = get64(d + 40);
	if (!shoff || get16(d + 58) != SHDR_SIZE || !in_file(shoff, SHDR_SIZE, size))
		return fail(err, errlen,
			    "e_phnum is PN_XNUM but section header 0 at 0x%lx is missing or "
			    "truncated",
			    shoff);
	*phnum = get32(d + shoff + 44);
	return 0;
}

static int elf_check_header(const unsigned char *d, size_t size, char *err, size_t errlen)
{
	if (size < EHDR_SIZE)
		return fail(err, errlen, "ELF header truncated (file is %zu bytes)", size);
	if (d[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, "ELF class %u is not ELFCLASS64", d[EI_CLASS]);
	if (d[EI_DATA] != ELFDATA2MSB)
		return fail(err, errlen, "ELF data encoding %u is not big-endian", d[EI_DATA]);
	if (d[EI_VERSION] != EV_CURRENT || get32(d + 20) != EV_CURRENT)
		return fail(err, errlen, "ELF version %u is not supported", get32(d + 20));
	if (get16(d + 16) != ET_CORE)
		return fail(err, errlen, "ELF type %u is not a core file", get16(d + 16));
	if (get16(d + 18) != EM_S390)
		return fail(err, errlen, "ELF machine %u is not s390 (%u)", get16(d + 18), EM_S390);
	if (get16(d + 52) < EHDR_SIZE)
		return fail(err, errlen, "ELF header size %u is too small", get16(d + 52));
	return 0;
}

/* Check one program header; a PT_LOAD with storage is appended to @seg. */
static int elf_segment(const unsigned char *ph, unsigned long i, size_t size,
		       struct image_segment *seg, unsigned int *nseg, char *err, size_t errlen)
{
	unsigned int type = get32(ph);
	unsigned long offset = get64(ph + 8), paddr = get64(ph + 24);
	unsigned long filesz = get64(ph + 32), memsz = get64(ph + 40);

	if (type != PT_LOAD && type != PT_NOTE)
		return 0;
	if (!in_file(offset, filesz, size))
		return fail(err, errlen,
			    "program header %lu: file range 0x%lx+0x%lx extends beyond the file "
			    "(0x%zx bytes)",
			    i, offset, filesz, size);
	if (type != PT_LOAD)
		return 0;
	if (filesz > memsz)
		return fail(err, errlen, "program header %lu: p_filesz 0x%lx exceeds p_memsz 0x%lx",
			    i, filesz, memsz);
	if (memsz > ~0UL - paddr)
		return fail(err, errlen,
			    "program header %lu: 0x%lx+0x%lx extends beyond the address space", i,
			    paddr, memsz);
	if (!memsz)
		return 0;
	seg[*nseg] = (struct image_segment){
		.paddr = paddr, .memsz = memsz, .filesz = filesz, .offset = offset
	};
	(*nseg)++;
	return 0;
}

static int elf_parse(struct image *img, char *err, size_t errlen)
{
	const unsigned char *d = img->data;
	unsigned long phoff, phnum;

	if (elf_check_header(d, img->size, err, errlen) ||
	    elf_phnum(d, img->size, &phnum, err, errlen))
		return -1;
	phoff = get64(d + 32);
	if (!phnum)
		return fail(err, errlen, "ELF file has no program headers");
	if (get16(d + 54) != PHDR_SIZE)
		return fail(err, errlen, "e_phentsize %u is not %lu", get16(d + 54), PHDR_SIZE);
	if (phnum > img->size / PHDR_SIZE || !in_file(phoff, phnum * PHDR_SIZE, img->size))
		return fail(err, errlen,
			    "%lu program header%s at 0x%lx extend%s beyond the file (0x%zx bytes)",
			    phnum, phnum == 1 ? "" : "s", phoff, phnum == 1 ? "s" : "", img->size);
	img->seg = calloc(phnum, sizeof(*img->seg));
	if (!img->seg)
		return fail(err, errlen, "out of memory for %lu program headers", phnum);
	for (unsigned long i = 0; i < phnum; i++)
		if (elf_segment(d + phoff + i * PHDR_SIZE, i, img->size, img->seg, &img->nseg, err,
				errlen))
			return -1;
	if (!img->nseg)
		return fail(err, errlen, "ELF file has no PT_LOAD segment with storage");
	qsort(img->seg, img->nseg, sizeof(*img->seg), by_paddr);
	for (unsigned int i = 1; i < img->nseg; i++)
		if (img->seg[i].paddr - img->seg[i - 1].paddr < img->seg[i - 1].memsz)
			return fail(err, errlen, "PT_LOAD segments overlap at 0x%lx",
				    img->seg[i].paddr);
	img->format = IMAGE_ELF;
	image_parse_notes(img, phoff, phnum);
	return 0;
}

static int raw_parse(struct image *img, char *err, size_t errlen)
{
	if (!img->size)
		return fail(err, errlen, "image is empty");
	img->seg = calloc(1, sizeof(*img->seg));
	if (!img->seg)
		return fail(err, errlen, "out of memory");
	img->seg[0] = (struct image_segment){ .memsz = img->size, .filesz = img->size };
	img->nseg = 1;
	img->format = IMAGE_RAW;
	return 0;
}

static int image_parse(struct image *img, char *err, size_t errlen)
{
	const struct image_segment *last;
	int rc;

	if (img->size >= SELFMAG && !memcmp(img->data, ELFMAG, SELFMAG))
		rc = elf_parse(img, err, errlen);
	else
		rc = raw_parse(img, err, errlen);
	if (rc)
		return rc;
	last = &img->seg[img->nseg - 1];
	img->end = last->paddr + last->memsz;
	img->hint = img->seg;
	return 0;
}

int image_from_buffer(struct image *img, const void *data, size_t size, char *err, size_t errlen)
{
	memset(img, 0, sizeof(*img));
	img->data = data;
	img->size = size;
	if (image_parse(img, err, errlen)) {
		image_close(img);
		return -1;
	}
	return 0;
}

static const char *file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device; copy it to a file";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a file";
}

int image_open(struct image *img, const char *path, char *err, size_t errlen)
{
	struct stat st;
	void *map;
	int fd;

	memset(img, 0, sizeof(*img));
	/* O_NONBLOCK: opening a FIFO must not wait for a writer before it is refused. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return fail(err, errlen, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st)) {
		close(fd);
		return fail(err, errlen, "cannot stat: %s", strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, errlen, "not a regular file (%s)", file_kind(st.st_mode));
	}
	if (!st.st_size) {
		close(fd);
		return fail(err, errlen, "image is empty");
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return fail(err, errlen, "cannot map: %s", strerror(errno));
	/* A walk touches a few entries per table: read-ahead would only waste I/O. */
	madvise(map, (size_t)st.st_size, MADV_RANDOM);
	img->data = map;
	img->size = (size_t)st.st_size;
	img->mapped = true;
	if (image_parse(img, err, errlen)) {
		image_close(img);
		return -1;
	}
	return 0;
}

void image_close(struct image *img)
{
	if (img->mapped)
		munmap((void *)img->data, img->size);
	free(img->seg);
	free(img->cpus);
	free(img->owned);
	memset(img, 0, sizeof(*img));
}

/* The segment that holds @addr, or NULL. */
static const struct image_segment *find_segment(struct image *img, unsigned long addr)
{
	const struct image_segment *s = img->hint;
	unsigned int n = img->nseg;

	if (s && addr - s->paddr < s->memsz)
		return s;
	if (!n)
		return NULL;
	/*
	 * The last segment that starts at or below @addr. Without branches on the
	 * comparison (a select): walks hop between segments unpredictably, and a
	 * mispredicted search costs more than the walk's own reads.
	 */
	s = img->seg;
	while (n > 1) {
		unsigned int half = n / 2;

		s = s[half].paddr <= addr ? s + half : s;
		n -= half;
	}
	if (addr - s->paddr >= s->memsz)
		return NULL;
	img->hint = s;
	return s;
}

int image_read(struct image *img, unsigned long addr, void *buf, size_t len)
{
	unsigned char *out = buf;

	while (len) {
		const struct image_segment *s = find_segment(img, addr);
		unsigned long off, n, present;

		if (!s)
			return -1;
		off = addr - s->paddr;
		n = s->memsz - off < len ? s->memsz - off : len;
		present = off < s->filesz ? s->filesz - off : 0;
		if (present > n)
			present = n;
		/* Only form the file pointer for bytes the file holds. */
		if (present)
			memcpy(out, img->data + s->offset + off, present);
		memset(out + present, 0, n - present);
		out += n;
		len -= n;
		addr += n;
	}
	return 0;
}

/* The entry lies wholly inside the file data of @s. */
static bool entry_in_file(const struct image_segment *s, unsigned long off)
{
	return off < s->filesz && s->filesz - off >= 8;
}

int image_read_entry(void *ctx, unsigned long addr, unsigned long *val)
{
	struct image *img = ctx;
	const struct image_segment *s = img->hint;
	unsigned long off = addr - s->paddr;
	uint64_t be;

	/*
	 * Fast path: the segment of the last read (a walk mostly stays in one), else
	 * the segment found by address; the byte-wise copy is only for entries that
	 * straddle segments or reach beyond the file data.
	 */
	if (__builtin_expect(!entry_in_file(s, off), 0)) {
		s = find_segment(img, addr);
		if (!s)
			return -1;
		off = addr - s->paddr;
		if (!entry_in_file(s, off)) {
			if (image_read(img, addr, &be, 8))
				return -1;
			*val = be64toh(be);
			return 0;
		}
	}
	memcpy(&be, img->data + s->offset + off, 8);
	*val = be64toh(be);
	return 0;
}

const char *image_format_name(enum image_format format)
{
	return format == IMAGE_ELF ? "elf" : "raw";
}
