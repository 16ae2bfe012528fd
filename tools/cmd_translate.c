// SPDX-License-Identifier: GPL-2.0
/*
 * `gmap translate`: the DAT unit as a command. It reads the tables from a storage
 * image (raw or an s390x ELF core) through dat_translate(), the same walker the
 * library uses, so an answer here is the answer the library's vCPUs would get.
 *
 * Addresses come from the arguments or stream through standard input (one per
 * line), so the per-address path avoids stdio formatting: a million addresses
 * should cost about a second, not a minute.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "translate.h"

#define DEFAULT_MAX_ENTRIES (1UL << 28)
#define MAX_MAX_ENTRIES	    (1UL << 32)

/* Where a value of the configuration came from, for --verbose. */
struct source {
	char asce[80], edat[80], iep[64], prefix[64];
};

struct xlate {
	struct dat_config cfg;
	enum dat_access access;
	struct image img;
	const char *image_path;
	bool prefixed;
	bool verbose;
	bool json;
	unsigned int threads;	     /* for standard input from a file */
	unsigned int inflight;	     /* lean walks a bulk worker keeps in flight */
	const struct image_cpu *cpu; /* the CPU whose registers fill in what options do not */
	unsigned int cpu_index;
	struct source src;
	struct dat_lean lean; /* the walker for answers without --verbose (set_lean()) */
};

/* clang-format off: the help text is laid out as it prints. */
static const char help_text[] =
	"usage: gmap translate --image FILE --asce ASCE [options] [ADDR...]\n"
	"       gmap translate --image CORE [--cpu N] [--space SPACE] [options] [ADDR...]\n"
	"       gmap translate --image FILE --asce ASCE --tree [options]\n"
	"       gmap translate --image FILE --asce ASCE --reverse [options] [ABS...]\n"
	"       gmap translate --image CORE --all-spaces --reverse [options] [ABS...]\n"
	"       gmap translate --image CORE --info\n"
	"       gmap translate --example [options] [ADDR...]\n"
	"\n"
	"Translate virtual addresses as the s390x DAT unit does, reading the tables from a\n"
	"storage image. ADDRs come from the arguments; an ADDR '-' (once) reads addresses\n"
	"from standard input at that point, one per line, and so does no ADDR at all\n"
	"(--example without ADDRs translates a built-in list). Addresses and values are\n"
	"hexadecimal, with or without 0x. The answers so far are written out before the\n"
	"command waits for more input, so a program can write an address and read its\n"
	"answer.\n"
	"One line per address:\n"
	"  0x<vaddr> -> 0x<real>                 translated\n"
	"  0x<vaddr> -> 0x<abs> (absolute)       translated, with --prefix\n"
	"  0x<vaddr> -> pic 0x<code> (<name>)    translation, protection or addressing\n"
	"                                        exception (a normal answer, exit status 0)\n"
	"\n"
	"options:\n"
	"  -i, --image FILE      raw image of absolute storage (QEMU pmemsave) or big-endian\n"
	"                        ELF64 s390x core (QEMU dump-guest-memory); detected\n"
	"  -a, --asce ASCE       address-space-control element (e.g. the contents of CR1);\n"
	"                        for an ELF core the default is the chosen CPU's CR1, CR7\n"
	"                        or CR13 (see --space); a raw image needs it\n"
	"  -e, --edat 0|1|2      EDAT in effect: 0 none (default), 1 EDAT-1 (1 MiB segment\n"
	"                        frames, region-entry protection), 2 EDAT-1 and EDAT-2\n"
	"                        (2 GiB region frames); for an ELF core the default is 2\n"
	"                        if the CPU's CR0 bit 40 is on (the facility list is not\n"
	"                        in the dump: EDAT-2 is assumed), else 0\n"
	"      --iep, --no-iep   instruction-execution protection enabled (CR0 bit 43) or\n"
	"                        not; default off, for an ELF core the CPU's CR0 bit 43\n"
	"  -p, --prefix P        prefix register (8 KiB aligned, below 2 GiB); results are\n"
	"                        then absolute addresses, marked (absolute); for an ELF\n"
	"                        core the default is the CPU's NT_S390_PREFIX note\n"
	"      --cpu N           the CPU of an ELF core whose registers (NT_PRSTATUS,\n"
	"                        NT_S390_CTRS, NT_S390_PREFIX notes) stand in for the\n"
	"                        options not given, counted from 0 (default 0)\n"
	"      --space SPACE     primary (CR1), secondary (CR7) or home (CR13): the space\n"
	"                        whose ASCE the core gives and the TEID names; default the\n"
	"                        one the CPU's PSW selects (access-register mode: primary)\n"
	"      --info            print what the core's notes hold per CPU: PSW, prefix,\n"
	"                        control registers and the ASCEs they designate\n"
	"  -s, --storage-size N  storage size: table entries and frames at or beyond it are\n"
	"                        addressing exceptions (default: the end of the image;\n"
	"                        0: no limit)\n"
	"  -A, --access KIND     fetch (default), store or ifetch\n"
	"  -v, --verbose         after each result, one line per table entry read:\n"
	"                          '  <level> entry 0x<addr> = 0x<value>'\n"
	"                        then, where they apply, '  <level> entry 0x<addr> not in\n"
	"                        storage', '  frame 0x<abs> not in storage', '  asce 0x<asce>'\n"
	"                        (refused by the ASCE checks), '  real 0x<real>' (with\n"
	"                        --prefix) and '  teid 0x<teid>'; lines starting with '#'\n"
	"                        describe the image and configuration first (for an ELF\n"
	"                        core with registers, where each value came from)\n"
	"  -t, --tree            instead of translating, summarise the tables reachable from\n"
	"                        the ASCE: tables, valid entries, large frames and bad entries\n"
	"                        (marked valid but refused by a translation) per level, the\n"
	"                        mapped bytes and the coalesced virtual ranges (first-last)\n"
	"  -r, --reverse         the ADDRs are absolute addresses (real ones without a\n"
	"                        prefix): print every virtual address that maps each, as\n"
	"                        its forward answer line, in address order, found from the\n"
	"                        table tree as --tree walks it (large frames and prefixing\n"
	"                        included; protection is not an access check here), or\n"
	"                        '0x<abs> <- not mapped'; without ABS, the absolute\n"
	"                        addresses come from standard input, one per line\n"
	"      --all-spaces      with --reverse: look in the primary, secondary and home\n"
	"                        spaces of every CPU of the core (each distinct one once,\n"
	"                        control registers of 0 skipped), each with its CPU's EDAT,\n"
	"                        IEP and prefix; the lines end in ' (cpu N SPACE)'\n"
	"      --json            JSON instead of text, addresses and values as hex strings:\n"
	"                        per address one line {\"vaddr\", \"real\", \"abs\" (with a\n"
	"                        prefix), \"frame\" (\"1M\"/\"2G\"), \"protected\"} or "
	"{\"vaddr\",\n"
	"                        \"pic\", \"pic_name\", \"teid\"}; --verbose adds the \"steps\"\n"
	"                        ({\"level\", \"entry\", \"value\"}) and the refusing \"level\",\n"
	"                        and first a line with the configuration and, for a core,\n"
	"                        where each value came from; --reverse: {\"target\",\n"
	"                        \"vaddr\" (null: not mapped), \"absolute\", \"cpu\", \"space\"};\n"
	"                        --tree and --info: one object\n"
	"      --threads N       when standard input is a file (nobody waits for each\n"
	"                        answer), answer it with N threads over chunks, written in\n"
	"                        input order (default: one per online CPU; not with\n"
	"                        --verbose)\n"
	"      --inflight N      with --threads: each thread walks N addresses together,\n"
	"                        level by level, so that their memory misses overlap\n"
	"                        (1 to 64, default 16; the answers do not change)\n"
	"      --max-entries N   --tree and --reverse examine at most N entries, decimal,\n"
	"                        0 to 2^32 (default %lu)\n"
	"      --example         use a built-in image instead of --image: the worked example\n"
	"                        of the DAT reference (0x123456789abcdef -> 0xabcdef) plus a\n"
	"                        1 MiB frame, a protected page, invalid entries and a frame\n"
	"                        beyond storage; --asce defaults to 0x%lx and --edat to %u\n"
	"  -h, --help            this text\n"
	"\n"
	"Exit status: 0 when every address was answered, 2 for bad usage, an unreadable or\n"
	"malformed image (or one that is not a regular file), a bad ASCE, an input line\n"
	"that is not a hexadecimal address (or holds a NUL byte), output that cannot be\n"
	"written, or an image file that shrinks while it is read (the answers given\n"
	"until then are kept).\n";
/* clang-format on */

static void usage(FILE *out)
{
	fprintf(out, help_text, DEFAULT_MAX_ENTRIES, EXAMPLE_ASCE, EXAMPLE_EDAT);
}

/* Digit value + 1 of each byte, 0 for a byte that is no hexadecimal digit: one load per digit. */
static const unsigned char hex_digit[256] = {
	['0'] = 1,  ['1'] = 2,	['2'] = 3,  ['3'] = 4,	['4'] = 5,  ['5'] = 6,
	['6'] = 7,  ['7'] = 8,	['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
	['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int hexval(int c)
{
	return (int)hex_digit[(unsigned char)c] - 1;
}

/* Parse a 64-bit hexadecimal number, with or without 0x; the whole string must be used. */
static bool parse_hex(const char *s, unsigned long *out)
{
	unsigned long v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!*s)
		return false;
	for (; *s; s++) {
		int d = hexval((unsigned char)*s);

		if (d < 0 || (v >> 60))
			return false;
		v = v << 4 | (unsigned long)d;
	}
	*out = v;
	return true;
}

static bool parse_dec(const char *s, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	*out = strtoul(s, &end, 10);
	return !*end;
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("gmap translate: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (try 'gmap translate --help')\n", stderr);
	return EXIT_USAGE;
}

/* ---- output ------------------------------------------------------------------------------ */

/* Inlined: the strings are mostly constants, whose copy becomes a few stores. */
static inline char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

#define BYTES(b) (0x0101010101010101UL * (b))

/* The 8 nibbles of @x as 8 lowercase hex digits, the most significant first in memory. */
static inline __attribute__((always_inline)) uint64_t hex8(uint32_t x)
{
	uint64_t v = x;

	/* Nibble i to byte i, then each to its digit: '0' + n, and 39 more from 10 on. */
	v = (v | v << 16) & 0x0000ffff0000ffffUL;
	v = (v | v << 8) & 0x00ff00ff00ff00ffUL;
	v = (v | v << 4) & BYTES(0x0f);
	v += BYTES('0') + (((v + BYTES(6)) >> 4) & BYTES(1)) * 39;
	return __builtin_bswap64(v);
}

/*
 * "0x" and lowercase hex without leading zeros. The 16 digits are formed in two
 * registers and stored whole: it writes up to 18 bytes at @p whatever the length
 * (every buffer it writes to has that room beyond its answer).
 */
static char *put_hex(char *p, unsigned long v)
{
	/* The number of digits from the highest set bit. */
	int n = v ? (67 - __builtin_clzl(v)) / 4 : 1;
	unsigned __int128 d;

	memcpy(p, "0x", 2);
	if (!(v >> 32)) {
		/* Most frames: one word of digits, the leading zeros dropped. */
		uint64_t w = hex8((uint32_t)v) >> 8 * (8 - n);

		memcpy(p + 2, &w, 8);
		return p + 2 + n;
	}
	d = (unsigned __int128)hex8((uint32_t)v) << 64 | hex8((uint32_t)(v >> 32));
	d >>= 8 * (16 - n); /* drop the leading zeros (the first bytes in memory) */
	memcpy(p + 2, &d, 16);
	return p + 2 + n;
}

/* "pic 0x<code> (<name>)" */
static char *put_pic(char *p, unsigned int pic)
{
	p = put_str(p, "pic 0x");
	*p++ = "0123456789abcdef"[(pic >> 4) & 15];
	*p++ = "0123456789abcdef"[pic & 15];
	p = put_str(p, " (");
	p = put_str(p, dat_pic_name(pic));
	*p++ = ')';
	return p;
}

/* Built by hand: this runs per streamed address, where printf costs about a walk. */
static char *format_result(const struct xlate *x, unsigned long va, const struct dat_result *res,
			   char *p)
{
	p = put_hex(p, va);
	p = put_str(p, " -> ");
	if (res->pic) {
		p = put_pic(p, res->pic);
	} else if (x->prefixed) {
		p = put_hex(p, res->abs);
		p = put_str(p, " (absolute)");
	} else {
		p = put_hex(p, res->real);
	}
	*p++ = '\n';
	return p;
}

/* ,"key":"0x<v>" */
static char *put_json_hex(char *p, const char *key, unsigned long v)
{
	p = put_str(p, ",\"");
	p = put_str(p, key);
	p = put_str(p, "\":\"");
	p = put_hex(p, v);
	*p++ = '"';
	return p;
}

static char *put_json_str(char *p, const char *key, const char *v)
{
	p = put_str(p, ",\"");
	p = put_str(p, key);
	p = put_str(p, "\":\"");
	p = put_str(p, v);
	*p++ = '"';
	return p;
}

/* With --verbose: the entries read, and the level that refused the address. */
static char *put_json_steps(char *p, const struct dat_result *res)
{
	p = put_str(p, ",\"steps\":[");
	for (unsigned int i = 0; i < res->nsteps; i++) {
		p = put_str(p, i ? ",{\"level\":\"" : "{\"level\":\"");
		p = put_str(p, dat_level_name(res->steps[i].level));
		*p++ = '"';
		p = put_json_hex(p, "entry", res->steps[i].addr);
		p = put_json_hex(p, "value", res->steps[i].val);
		*p++ = '}';
	}
	*p++ = ']';
	if (res->pic && res->level >= 0)
		p = put_json_str(p, "level", dat_level_name(res->level));
	return p;
}

/* --json: one object per address, hexadecimal values as strings (they exceed 2^53). */
static char *format_json(const struct xlate *x, unsigned long va, const struct dat_result *res,
			 char *p)
{
	p = put_str(p, "{\"vaddr\":\"");
	p = put_hex(p, va);
	*p++ = '"';
	if (res->pic) {
		p = put_str(p, ",\"pic\":\"0x");
		*p++ = "0123456789abcdef"[(res->pic >> 4) & 15];
		*p++ = "0123456789abcdef"[res->pic & 15];
		*p++ = '"';
		p = put_json_str(p, "pic_name", dat_pic_name(res->pic));
		if (res->teid)
			p = put_json_hex(p, "teid", res->teid);
	} else {
		p = put_json_hex(p, "real", res->real);
		if (x->prefixed)
			p = put_json_hex(p, "abs", res->abs);
		if (res->large)
			p = put_json_str(p, "frame", res->level == DAT_LEVEL_SEGMENT ? "1M" : "2G");
		if (res->prot)
			p = put_str(p, ",\"protected\":true");
	}
	if (x->verbose)
		p = put_json_steps(p, res);
	return put_str(p, "}\n");
}

/* Longest answer format_answer() writes (a JSON object with five steps). */
#define MAX_ANSWER 1024

static char *format_answer(const struct xlate *x, unsigned long va, const struct dat_result *res,
			   char *p)
{
	return x->json ? format_json(x, va, res, p) : format_result(x, va, res, p);
}

static const char *frame_note(const struct dat_result *res, unsigned int i)
{
	if (!res->large || i + 1 != res->nsteps)
		return "";
	return res->steps[i].level == DAT_LEVEL_SEGMENT ? " (1 MiB frame)" : " (2 GiB frame)";
}

static void print_steps(const struct xlate *x, const struct dat_result *res)
{
	for (unsigned int i = 0; i < res->nsteps; i++)
		printf("  %-13s entry 0x%lx = 0x%lx%s\n", dat_level_name(res->steps[i].level),
		       res->steps[i].addr, res->steps[i].val, frame_note(res, i));
	if (res->pic == PGM_ADDRESSING && res->level >= 0 && res->level < DAT_LEVEL_ASCE)
		printf("  %-13s entry 0x%lx not in storage\n", dat_level_name(res->level),
		       res->entry_addr);
	else if (res->pic == PGM_ADDRESSING)
		printf("  %-13s 0x%lx not in storage\n", "frame", res->abs);
	if (res->pic && res->level == DAT_LEVEL_ASCE)
		printf("  %-13s 0x%lx\n", "asce", x->cfg.asce);
	if (!res->pic && x->prefixed && !res->large)
		printf("  %-13s 0x%lx\n", "real", res->real);
	if (res->teid)
		printf("  %-13s 0x%lx\n", "teid", res->teid);
}

/* ---- an image that shrinks under its mapping ------------------------------------------- */

/*
 * The image is mapped; if another program truncates the file, a read beyond its
 * new end raises SIGBUS. The handler jumps back to cmd_translate(), which keeps
 * the answers given so far (they are flushed), names the address that could not
 * be answered and exits 2.
 */
static sigjmp_buf bus_jump;
static volatile sig_atomic_t bus_armed;
static volatile bool answering;	      /* translate_one() is walking ... */
static volatile unsigned long asking; /* ... this address */

/* A bulk worker's own landing place (translate_bulk.c's threads); NULL elsewhere. */
static __thread sigjmp_buf *bus_target;

static void on_sigbus(int sig)
{
	if (bus_target && bus_armed)
		siglongjmp(*bus_target, 1);
	if (!bus_armed) {
		/* Not a read of the image: die of it, as without the handler. */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	bus_armed = 0;
	siglongjmp(bus_jump, 1);
}

static int image_shrank(const struct xlate *x, const char *path)
{
	struct stat st;

	fprintf(stderr, "gmap translate: %s: the file shrank while it was read", path);
	if (!stat(path, &st))
		fprintf(stderr, " (%lld bytes now, %zu before)", (long long)st.st_size,
			x->img.size);
	if (answering)
		fprintf(stderr, "; no answer for 0x%lx and what follows", asking);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static void translate_one(const struct xlate *x, unsigned long va)
{
	struct dat_result res;

	asking = va;
	answering = true;
	/* The lean walker reads the image's first segment in place; steps need the exact one. */
	if (x->verbose)
		dat_translate(&x->cfg, va, x->access, image_read_entry, (void *)&x->img, &res);
	else
		dat_translate_lean(&x->lean, va, x->access, image_read_entry, (void *)&x->img,
				   &res);
	answering = false;
	char line[MAX_ANSWER];

	fwrite_unlocked(line, 1, (size_t)(format_answer(x, va, &res, line) - line), stdout);
	if (x->verbose && !x->json)
		print_steps(x, &res);
}

static const char *access_name(enum dat_access a)
{
	return a == DAT_STORE ? "store" : a == DAT_IFETCH ? "ifetch" : "fetch";
}

/* With a core's registers at hand, say where each value came from. */
static void print_sources(const struct xlate *x)
{
	const struct image_cpu *cpu = x->cpu;

	printf("# cpu %u of %u: psw 0x%016lx 0x%016lx\n", x->cpu_index, x->img.ncpus, cpu->psw_mask,
	       cpu->psw_addr);
	printf("# asce 0x%lx from %s\n", x->cfg.asce, x->src.asce);
	printf("# edat %u from %s\n", x->cfg.edat, x->src.edat);
	printf("# iep %s from %s\n", x->cfg.iep ? "on" : "off", x->src.iep);
	if (x->prefixed)
		printf("# prefix 0x%lx from %s\n", x->cfg.prefix, x->src.prefix);
	else
		printf("# prefix %s\n", x->src.prefix);
}

static void print_header(const struct xlate *x)
{
	const struct dat_config *c = &x->cfg;
	static const char *const types[] = { "segment", "region-third", "region-second",
					     "region-first" };

	printf("# image %s: %s, %u segment%s, storage ends at 0x%lx\n",
	       x->image_path ? x->image_path : translate_example_desc,
	       image_format_name(x->img.format), x->img.nseg, x->img.nseg == 1 ? "" : "s",
	       x->img.end);
	if (c->asce & _ASCE_REAL_SPACE)
		printf("# asce 0x%lx: real-space designation", c->asce);
	else
		printf("# asce 0x%lx: %s table at 0x%lx, %lu units", c->asce,
		       types[(c->asce & _ASCE_TYPE_MASK) >> 2], c->asce & _ASCE_ORIGIN,
		       (c->asce & _ASCE_TABLE_LENGTH) + 1);
	printf("; edat %u%s; %s", c->edat, c->iep ? "; iep" : "", access_name(x->access));
	if (x->prefixed)
		printf("; prefix 0x%lx", c->prefix);
	printf("; storage size 0x%lx\n", c->storage_size);
	if (x->cpu)
		print_sources(x);
}

/* --json --verbose: the configuration and where each value came from, as the first object. */
static void print_json_header(const struct xlate *x)
{
	const struct dat_config *c = &x->cfg;

	printf("{\"image\":\"%s\",\"format\":\"%s\",\"asce\":\"0x%lx\",\"edat\":%u,"
	       "\"iep\":%s,\"access\":\"%s\",\"storage_size\":\"0x%lx\"",
	       translate_json_safe(x->image_path ? x->image_path : "example"),
	       image_format_name(x->img.format), c->asce, c->edat, c->iep ? "true" : "false",
	       access_name(x->access), c->storage_size);
	if (x->prefixed)
		printf(",\"prefix\":\"0x%lx\"", c->prefix);
	if (x->cpu)
		printf(",\"cpu\":%u,\"from\":{\"asce\":\"%s\",\"edat\":\"%s\",\"iep\":\"%s\","
		       "\"prefix\":\"%s\"}",
		       x->cpu_index, x->src.asce, x->src.edat, x->src.iep, x->src.prefix);
	printf("}\n");
}

/* ---- input ------------------------------------------------------------------------------- */

static int bad_address(const char *where, const char *s)
{
	fprintf(stderr, "gmap translate: %s'%.40s%s' is not a 64-bit hexadecimal address\n", where,
		s, strlen(s) > 40 ? "..." : "");
	return EXIT_USAGE;
}

/*
 * Standard input, read with read(2) into one buffer: the lines' lengths are
 * known (a NUL byte cannot end a line early), and the answers so far are
 * flushed before every read that may block, so that a program that writes an
 * address and waits for its answer (a coprocess) gets it.
 */
#define LINE_BUF (1 << 16)

struct line_reader {
	char buf[LINE_BUF + 1]; /* + 1: room to terminate a last line without '\n' */
	size_t start, end;
	bool eof;
	int err; /* errno of a failed read, or EFBIG for a line too long */
};

/* Read more; returns false at the end of input or with in->err set. */
static bool refill(struct line_reader *in)
{
	ssize_t n;

	if (in->eof)
		return false;
	if (in->start) {
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->end -= in->start;
		in->start = 0;
	}
	if (in->end == LINE_BUF) {
		in->err = EFBIG;
		return false;
	}
	fflush(stdout);
	do
		n = read(STDIN_FILENO, in->buf + in->end, LINE_BUF - in->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		in->err = errno;
		return false;
	}
	in->eof = !n;
	in->end += (size_t)n;
	return n > 0;
}

/*
 * The next line without its '\n', NUL-terminated, with its length in *len;
 * NULL at the end of input, or on an error with in->err set.
 */
static char *next_line(struct line_reader *in, size_t *len)
{
	char *line, *nl;

	for (;;) {
		line = in->buf + in->start;
		nl = memchr(line, '\n', in->end - in->start);
		if (nl) {
			*len = (size_t)(nl - line);
			in->start += *len + 1;
			break;
		}
		if (!refill(in)) {
			if (in->err || in->start == in->end)
				return NULL;
			line = in->buf + in->start;
			*len = in->end - in->start; /* the last line has no '\n' */
			in->start = in->end;
			break;
		}
	}
	line[*len] = 0;
	return line;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Strip the line's surrounding white space in place. */
static char *trim(char *s, size_t *len)
{
	while (*len && blank(s[*len - 1]))
		s[--*len] = 0;
	while (*len && blank(*s)) {
		s++;
		--*len;
	}
	return s;
}

/* ---- standard input from a file: threads over chunks, answers in input order --------------- */

/*
 * A file on standard input never makes a read wait, so nobody is waiting for an
 * answer: it is read in windows of BULK_WINDOW bytes, each window split at line
 * boundaries into one chunk per thread, every thread parses, translates and
 * formats its chunk into its own buffer, and the buffers are written in input
 * order. A bad line stops its chunk; what precedes it is written, as when reading
 * line by line, and the message names the same line.
 */
#define BULK_WINDOW	 (4UL << 20)
#define BULK_MAX_THREADS 64
#define BULK_BATCH	 256 /* lines parsed, then walked together, then formatted */

enum bulk_err { BULK_OK, BULK_BAD, BULK_NUL, BULK_LONG, BULK_OOM, BULK_SHRANK };

struct bulk_chunk {
	const struct xlate *x;
	const char *begin, *end; /* whole lines */
	char *out;		 /* the answers */
	size_t len, cap;
	unsigned long lines; /* lines read, the failing one included */
	enum bulk_err err;
	const char *bad; /* the failing line, trimmed */
	size_t bad_len;
	volatile unsigned long va; /* the address being answered */
	pthread_t thread;
};

/* The high bit of each byte of @x that lies strictly between @m and @n (m, n <= 128). */
static inline __attribute__((always_inline)) uint64_t bytes_between(uint64_t x, unsigned int m,
								    unsigned int n)
{
	uint64_t low = x & BYTES(127);

	return (BYTES(127 + n) - low) & ~x & (low + BYTES(127 - m)) & BYTES(128);
}

/*
 * Eight hexadecimal digits (the first in the lowest byte) as a number, or false;
 * *@upper is set if any is an upper-case letter.
 */
static inline __attribute__((always_inline)) bool unhex8(uint64_t x, uint32_t *out, bool *upper)
{
	uint64_t ok = bytes_between(x, '0' - 1, '9' + 1) |
		      bytes_between(x | BYTES(0x20), 'a' - 1, 'f' + 1);
	/* Digits are 0x30-0x39; letters have bit 6 and their value - 9 in the low nibble. */
	uint64_t v = (x & BYTES(0x0f)) + ((x >> 6) & BYTES(1)) * 9;

	v = __builtin_bswap64(v);
	v = (v | v >> 4) & 0x00ff00ff00ff00ffUL;
	v = (v | v >> 8) & 0x0000ffff0000ffffUL;
	v = (v | v >> 16) & 0xffffffffUL;
	*out = (uint32_t)v;
	/* Of the digits, only the upper-case letters lack bit 5 (0x20). */
	*upper |= (~x & BYTES(0x20)) != 0;
	return ok == BYTES(128);
}

/*
 * Like parse_hex() on @len bytes that need not be terminated, and that are followed
 * by at least 16 readable bytes (the window has them): up to 16 digits are read in two
 * 8-byte words, right-aligned with '0's in front, checked and converted without a loop.
 * *@canon says whether the text is already spelled as put_hex() would write it
 * ("0x", lower case, no leading zero), so that an answer can copy it.
 */
static bool parse_hex_n(const char *s, size_t len, unsigned long *out, bool *canon)
{
	unsigned __int128 d;
	uint32_t hi, lo;
	bool upper = false;

	*canon = len >= 3 && s[0] == '0' && s[1] == 'x' && (s[2] != '0' || len == 3);
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
	}
	while (len > 16 && *s == '0') {
		s++;
		len--;
	}
	if (!len || len > 16)
		return false;
	memcpy(&d, s, 16);
	/* The digits to the end of the 16 bytes, '0's before them. */
	if (len < 16)
		d = d << 8 * (16 - len) |
		    (((unsigned __int128)BYTES('0') << 64 | BYTES('0')) >> 8 * len);
	if (!unhex8((uint64_t)d, &hi, &upper) || !unhex8((uint64_t)(d >> 64), &lo, &upper))
		return false;
	*out = (unsigned long)hi << 32 | lo;
	*canon &= !upper;
	return true;
}

/* Answer buffers grow in huge-page units: a page fault per 2 MiB where the kernel allows. */
#define OUT_UNIT (2UL << 20)

static bool bulk_room(struct bulk_chunk *c)
{
	size_t cap;
	void *out;

	if (c->cap - c->len >= MAX_ANSWER)
		return true;
	cap = c->cap ? 2 * c->cap : OUT_UNIT;
	if (posix_memalign(&out, OUT_UNIT, cap))
		return false;
	madvise(out, cap, MADV_HUGEPAGE); /* only advice: without it, small pages */
	if (c->len)
		memcpy(out, c->out, c->len);
	free(c->out);
	c->out = out;
	c->cap = cap;
	return true;
}

/* An address of a batch: its value, and its text if that is spelled as put_hex() writes. */
struct bulk_addr {
	const char *echo; /* NULL: format the value */
	size_t echo_len;
};

/* Parse one line of a chunk: *@va, or *@blank for an empty line, or the error. */
static enum bulk_err bulk_parse(struct bulk_chunk *c, const char *s, size_t len, unsigned long *va,
				struct bulk_addr *a, bool *blank_line)
{
	bool canon;

	while (len && blank(s[len - 1]))
		len--;
	while (len && blank(*s)) {
		s++;
		len--;
	}
	c->bad = s;
	c->bad_len = len;
	*blank_line = !len;
	if (!len)
		return BULK_OK;
	if (parse_hex_n(s, len, va, &canon)) {
		a->echo = canon ? s : NULL;
		a->echo_len = len;
		return BULK_OK;
	}
	return memchr(s, 0, len) ? BULK_NUL : BULK_BAD;
}

/*
 * The answer line of a lean walk that translated or named the exception
 * (dat_lean_exception()), without a struct dat_result for the text.
 */
static char *format_lean(const struct xlate *x, unsigned long va, const struct bulk_addr *a,
			 struct dat_lean_result r, char *p)
{
	struct dat_result res;

	if (x->json || !r.info) {
		if (r.info)
			dat_lean_expand(&x->lean, r, &res);
		else
			dat_lean_exception(&x->lean, va, x->access, r, &res);
		if (x->json)
			return format_json(x, va, &res, p);
	}
	if (a->echo) {
		/* "0x" and at most 16 digits, with the window's slack behind them. */
		memcpy(p, a->echo, 18);
		p += a->echo_len;
	} else {
		p = put_hex(p, va);
	}
	p = put_str(p, " -> ");
	if (!r.info) {
		p = put_pic(p, res.pic);
		*p++ = '\n';
		return p;
	}
	if (x->prefixed)
		return put_str(put_hex(p, r.abs), " (absolute)\n");
	/* Without a prefix (0) the real address is the absolute one. */
	p = put_hex(p, r.abs);
	*p++ = '\n';
	return p;
}

/*
 * Answer @n parsed addresses: their lean walks in one batch (misses overlapped), the
 * exact walker for those it leaves, the answers formatted in input order.
 */
static bool bulk_answer(struct bulk_chunk *c, const struct xlate *x, const unsigned long *va,
			const struct bulk_addr *a, unsigned int n)
{
	struct dat_lean_result r[BULK_BATCH];
	struct dat_result res;

	if (!n)
		return true;
	c->va = va[0]; /* no answer of this batch is written yet */
	dat_lean_walk_batch(&x->lean, va, n, x->access, x->inflight, r);
	for (unsigned int i = 0; i < n; i++) {
		if (!bulk_room(c))
			return false;
		if (r[i].info || r[i].abs) {
			c->len = (size_t)(format_lean(x, va[i], &a[i], r[i], c->out + c->len) -
					  c->out);
			continue;
		}
		c->va = va[i];
		dat_translate(&x->cfg, va[i], x->access, image_read_entry, (void *)&x->img, &res);
		c->len = (size_t)(format_answer(x, va[i], &res, c->out + c->len) - c->out);
	}
	return true;
}

/*
 * The next '\n' in [@p, @end), or NULL: the first 32 bytes a word at a time (an address
 * line is short, and a call to memchr() costs more than the search), then memchr().
 */
static const char *find_newline(const char *p, const char *end)
{
	for (int i = 0; i < 4 && end - p >= 8; i++, p += 8) {
		uint64_t x, t;

		memcpy(&x, p, 8);
		x ^= BYTES('\n');
		t = (x - BYTES(1)) & ~x & BYTES(0x80); /* the high bit of each zero byte */
		if (t)
			return p + (__builtin_ctzl(t) >> 3);
	}
	return memchr(p, '\n', (size_t)(end - p));
}

/* The digits of a word as 8 nibbles, the first byte the most significant (any byte). */
static inline __attribute__((always_inline)) uint32_t nibbles8(uint64_t x)
{
	uint64_t v = (x & BYTES(0x0f)) + ((x >> 6) & BYTES(1)) * 9;

	v = __builtin_bswap64(v);
	v = (v | v >> 4) & 0x00ff00ff00ff00ffUL;
	v = (v | v >> 8) & 0x0000ffff0000ffffUL;
	v = (v | v >> 16) & 0xffffffffUL;
	return (uint32_t)v;
}

/* The high bit of each byte of @x that is a hexadecimal digit. */
static inline __attribute__((always_inline)) uint64_t hex_bytes(uint64_t x)
{
	return bytes_between(x, '0' - 1, '9' + 1) |
	       bytes_between(x | BYTES(0x20), 'a' - 1, 'f' + 1);
}

/*
 * The common line, "0x", 1 to 16 hexadecimal digits and '\n' ending before @end, in
 * one pass without searching for the newline first: the digits of the two words after
 * "0x" are found and converted together, and the first byte that is not a digit must
 * be the newline. *@len is the line's length without it; anything else (blanks, upper-
 * case "0X", a bad line) is false, for the general path. Reads 18 bytes from @p: the
 * window's slack covers them.
 */
static inline __attribute__((always_inline)) bool
fast_line(const char *p, const char *end, unsigned long *va, size_t *len, bool *canon)
{
	uint64_t lo, hi, bad_lo, bad_hi, mask_lo, mask_hi, upper, v;
	unsigned int n;

	if (p[0] != '0' || p[1] != 'x')
		return false;
	memcpy(&lo, p + 2, 8);
	memcpy(&hi, p + 10, 8);
	bad_lo = ~hex_bytes(lo) & BYTES(128);
	bad_hi = ~hex_bytes(hi) & BYTES(128);
	n = bad_lo   ? (unsigned int)__builtin_ctzl(bad_lo) >> 3
	    : bad_hi ? 8 + ((unsigned int)__builtin_ctzl(bad_hi) >> 3)
		     : 16;
	if (!n || p + 2 + n >= end || p[2 + n] != '\n')
		return false;
	v = (uint64_t)nibbles8(lo) << 32 | nibbles8(hi);
	*va = n == 16 ? v : v >> 4 * (16 - n);
	*len = 2 + n;
	/* Of the digits, only the upper-case letters lack bit 5 (0x20). */
	mask_lo = n >= 8 ? ~0UL : (1UL << 8 * n) - 1;
	mask_hi = n <= 8 ? 0 : n == 16 ? ~0UL : (1UL << 8 * (n - 8)) - 1;
	upper = ((~lo & mask_lo) | (~hi & mask_hi)) & BYTES(0x20);
	*canon = !upper && (p[2] != '0' || n == 1);
	return true;
}

/* Parse the chunk a batch of lines at a time and answer each batch; stop at a bad line. */
static void bulk_lines(struct bulk_chunk *c, const struct xlate *x)
{
	unsigned long va[BULK_BATCH];
	struct bulk_addr a[BULK_BATCH];
	const char *p = c->begin, *nl;
	unsigned int n;
	size_t len;
	bool empty, canon;

	while (p < c->end && !c->err) {
		for (n = 0; n < BULK_BATCH && p < c->end && !c->err;) {
			if (fast_line(p, c->end, &va[n], &len, &canon)) {
				a[n].echo = canon ? p : NULL;
				a[n].echo_len = len;
				c->lines++;
				n++;
				p += len + 1;
				continue;
			}
			nl = find_newline(p, c->end);
			len = nl ? (size_t)(nl - p) : (size_t)(c->end - p);
			c->lines++;
			c->err = len >= LINE_BUF ? BULK_LONG
						 : bulk_parse(c, p, len, &va[n], &a[n], &empty);
			if (!c->err && !empty)
				n++;
			p = nl ? nl + 1 : c->end;
		}
		/* The lines before a bad one are answered, as line by line. */
		if (!bulk_answer(c, x, va, a, n))
			c->err = BULK_OOM;
	}
}

static void *bulk_worker(void *arg)
{
	struct bulk_chunk *c = arg;
	struct xlate local = *c->x; /* its own image: the reader keeps a segment hint */
	sigjmp_buf jump;

	if (sigsetjmp(jump, 1)) {
		bus_target = NULL;
		c->err = BULK_SHRANK;
		return NULL;
	}
	bus_target = &jump;
	bulk_lines(c, &local);
	bus_target = NULL;
	return NULL;
}

/* Split [begin, end) (whole lines) into @n chunks at line boundaries. */
static void bulk_split(struct bulk_chunk *c, unsigned int n, const char *begin, const char *end)
{
	size_t step = (size_t)(end - begin) / n;
	const char *p = begin;

	for (unsigned int i = 0; i < n; i++) {
		/* Not beyond @end: the lines of a short window may all be taken already. */
		const char *e = i + 1 == n || (size_t)(end - p) < step ? end : p + step;

		if (e < end && e > p) {
			const char *nl = memchr(e - 1, '\n', (size_t)(end - (e - 1)));

			e = nl ? nl + 1 : end;
		}
		if (e < p)
			e = p;
		c[i].begin = p;
		c[i].end = e;
		p = e;
	}
}

/* Report a chunk's failure as the line-by-line reader would. Returns the exit status. */
static int bulk_failure(const struct xlate *x, const struct bulk_chunk *c, unsigned long lineno)
{
	char where[48], line[48] = "";
	size_t n = c->bad_len < 41 ? c->bad_len : 41;

	snprintf(where, sizeof(where), "standard input line %lu: ", lineno);
	/* Only a bad line's parse left it in c->bad; the common lines do not pass there. */
	if (c->err == BULK_NUL || c->err == BULK_BAD) {
		memcpy(line, c->bad, n);
		line[n] = 0;
	}
	switch (c->err) {
	case BULK_NUL:
		fprintf(stderr, "gmap translate: %sa NUL byte in '%.40s'\n", where, line);
		return EXIT_USAGE;
	case BULK_BAD:
		return bad_address(where, line);
	case BULK_LONG:
		fprintf(stderr, "gmap translate: %slonger than 64 KiB\n", where);
		return EXIT_USAGE;
	case BULK_SHRANK:
		answering = true;
		asking = c->va;
		return image_shrank(x, x->image_path);
	default:
		fprintf(stderr, "gmap translate: out of memory for the answers\n");
		return EXIT_USAGE;
	}
}

/* Translate one window's chunks and write them in order; *lineno counts the lines. */
static int bulk_window(const struct xlate *x, struct bulk_chunk *c, unsigned int n,
		       const char *begin, const char *end, unsigned long *lineno)
{
	int rc = 0;

	bulk_split(c, n, begin, end);
	bool started[BULK_MAX_THREADS];

	for (unsigned int i = 0; i < n; i++) {
		c[i].x = x;
		c[i].len = 0;
		c[i].lines = 0;
		c[i].err = BULK_OK;
		started[i] = !pthread_create(&c[i].thread, NULL, bulk_worker, &c[i]);
		if (!started[i])
			bulk_worker(&c[i]); /* no thread to be had: answer it here */
	}
	for (unsigned int i = 0; i < n; i++)
		if (started[i])
			pthread_join(c[i].thread, NULL);
	for (unsigned int i = 0; i < n && !rc; i++) {
		fwrite_unlocked(c[i].out, 1, c[i].len, stdout);
		*lineno += c[i].lines;
		if (c[i].err)
			rc = bulk_failure(x, &c[i], *lineno);
	}
	return rc;
}

/* The last newline of the window, or NULL. */
static const char *last_newline(const char *buf, size_t len)
{
	return memrchr(buf, '\n', len);
}

static int bulk_read(char *buf, size_t *fill, bool *eof, unsigned long lineno)
{
	ssize_t r;

	do
		r = read(STDIN_FILENO, buf + *fill, BULK_WINDOW - *fill);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		fprintf(stderr, "gmap translate: standard input line %lu: %s\n", lineno + 1,
			strerror(errno));
		return EXIT_USAGE;
	}
	*eof = !r;
	*fill += (size_t)r;
	return 0;
}

/* Read standard input in windows and answer each with the threads. */
static int bulk_reads(const struct xlate *x, struct bulk_chunk *c, char *buf,
		      unsigned long *plineno)
{
	unsigned long lineno = *plineno;
	size_t fill = 0, used;
	bool eof = false;
	const char *end;
	int rc = 0;

	while (!rc && !eof) {
		rc = bulk_read(buf, &fill, &eof, lineno);
		if (rc || (fill < BULK_WINDOW && !eof))
			continue;
		end = eof ? buf + fill : last_newline(buf, fill);
		if (!end) {
			fprintf(stderr,
				"gmap translate: standard input line %lu: longer than 64 KiB\n",
				lineno + 1);
			rc = EXIT_USAGE;
			break;
		}
		used = (size_t)(end - buf) + (eof ? 0 : 1);
		rc = bulk_window(x, c, x->threads, buf, buf + used, &lineno);
		memmove(buf, buf + used, fill - used);
		fill -= used;
	}
	*plineno = lineno;
	return rc;
}

/*
 * Bytes a window's last answered line must end before the end of the mapping:
 * parse_hex_n() and the echo of format_lean() read up to 18 bytes beyond a line.
 */
#define BULK_SLACK 32
#define BULK_NOMAP (-1)

/*
 * Standard input is a regular file: map it a window at a time, populated in one go,
 * instead of copying it with read(2). The last line or so, which the parse could
 * read beyond, is read into @buf (with its slack) and answered last. BULK_NOMAP if
 * the file cannot be mapped at all (bulk_reads() answers it then).
 */
static int bulk_mapped(const struct xlate *x, struct bulk_chunk *c, char *buf,
		       unsigned long *lineno)
{
	struct stat st;
	off_t pos = lseek(STDIN_FILENO, 0, SEEK_CUR), page = sysconf(_SC_PAGESIZE), off;
	ssize_t n;
	size_t len, avail, fill = 0;
	const char *begin, *end;
	char *map;
	int rc = 0;

	if (pos < 0 || fstat(STDIN_FILENO, &st) || page <= 0)
		return BULK_NOMAP;
	while (!rc && pos < st.st_size) {
		off = pos & ~(page - 1);
		/* A window as bulk_reads() reads it, with the slack behind it where there is. */
		len = (size_t)(st.st_size - off);
		if (len > BULK_WINDOW + BULK_SLACK + (size_t)(pos - off))
			len = BULK_WINDOW + BULK_SLACK + (size_t)(pos - off);
		map = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, STDIN_FILENO, off);
		if (map == MAP_FAILED)
			return *lineno ? EXIT_USAGE : BULK_NOMAP;
		begin = map + (pos - off);
		avail = len - (size_t)(pos - off);
		avail = avail < BULK_WINDOW + BULK_SLACK ? avail : BULK_WINDOW + BULK_SLACK;
		end = avail > BULK_SLACK ? memrchr(begin, '\n', avail - BULK_SLACK) : NULL;
		if (end) {
			rc = bulk_window(x, c, x->threads, begin, end + 1, lineno);
			pos += end + 1 - begin;
		}
		munmap(map, len);
		if (!end && off + (off_t)len < st.st_size) {
			fprintf(stderr,
				"gmap translate: standard input line %lu: longer than 64 KiB\n",
				*lineno + 1);
			return EXIT_USAGE;
		}
		if (!end)
			break; /* the tail */
	}
	while (!rc && pos + (off_t)fill < st.st_size && fill < BULK_WINDOW) {
		n = pread(STDIN_FILENO, buf + fill, BULK_WINDOW - fill, pos + (off_t)fill);
		if (n <= 0 && !(n < 0 && errno == EINTR))
			break;
		fill += n > 0 ? (size_t)n : 0;
	}
	if (!rc && fill == BULK_WINDOW && pos + (off_t)fill < st.st_size) {
		fprintf(stderr, "gmap translate: standard input line %lu: longer than 64 KiB\n",
			*lineno + 1);
		return EXIT_USAGE;
	}
	if (!rc && fill)
		rc = bulk_window(x, c, x->threads, buf, buf + fill, lineno);
	/* Where read(2) would have left it. */
	lseek(STDIN_FILENO, pos + (off_t)fill, SEEK_SET);
	return rc;
}

/* Standard input is a file: answer it in windows, each with the threads. */
static int translate_bulk(const struct xlate *x)
{
	struct bulk_chunk *c = calloc(x->threads, sizeof(*c));
	/* + 32: parse_hex_n() and the echo read up to 18 bytes beyond a line. */
	char *buf = calloc(1, BULK_WINDOW + BULK_SLACK);
	unsigned long lineno = 0;
	int rc = !c || !buf ? EXIT_USAGE : bulk_mapped(x, c, buf, &lineno);

	if (rc == BULK_NOMAP)
		rc = bulk_reads(x, c, buf, &lineno);
	for (unsigned int i = 0; c && i < x->threads; i++)
		free(c[i].out);
	free(c);
	free(buf);
	return rc;
}

/*
 * The next address on standard input, line by line (blank lines skipped): 1 with
 * *@va, 0 at the end, or EXIT_USAGE after saying what is wrong with which line.
 */
static int next_address(struct line_reader *in, unsigned long *lineno, unsigned long *va)
{
	char *s, where[48];
	size_t len;

	while ((s = next_line(in, &len))) {
		++*lineno;
		s = trim(s, &len);
		if (!len)
			continue;
		snprintf(where, sizeof(where), "standard input line %lu: ", *lineno);
		if (memchr(s, 0, len)) {
			fprintf(stderr, "gmap translate: %sa NUL byte in '%.40s'\n", where, s);
			return EXIT_USAGE;
		}
		if (!parse_hex(s, va))
			return bad_address(where, s);
		return 1;
	}
	if (in->err) {
		fprintf(stderr, "gmap translate: standard input line %lu: %s\n", *lineno + 1,
			in->err == EFBIG ? "longer than 64 KiB" : strerror(in->err));
		return EXIT_USAGE;
	}
	return 0;
}

static int translate_stdin(const struct xlate *x)
{
	static struct line_reader in;
	unsigned long lineno = 0, va;
	struct stat st;
	int rc;

	/* Steps are printed as they come: --verbose stays line by line. */
	if (!x->verbose && !fstat(STDIN_FILENO, &st) && S_ISREG(st.st_mode))
		return translate_bulk(x);
	while ((rc = next_address(&in, &lineno, &va)) == 1)
		translate_one(x, va);
	return rc;
}

/* ADDRs, where '-' (once) reads standard input at that point. */
static int translate_args(const struct xlate *x, int n, char **args)
{
	unsigned long va = 0;
	int dashes = 0, rc;

	/* Check them all first: no partial answer for a mistyped list. */
	for (int i = 0; i < n; i++) {
		if (!strcmp(args[i], "-"))
			dashes++;
		else if (!parse_hex(args[i], &va))
			return bad_address("", args[i]);
	}
	if (dashes > 1)
		return usage_error("%s", "'-' (standard input) can be given only once");
	for (int i = 0; i < n; i++) {
		if (!strcmp(args[i], "-")) {
			rc = translate_stdin(x);
			if (rc)
				return rc;
			continue;
		}
		parse_hex(args[i], &va);
		translate_one(x, va);
	}
	return 0;
}

/* ---- options ----------------------------------------------------------------------------- */

struct opts {
	const char *image, *asce, *edat, *prefix, *storage, *access, *max_entries, *cpu, *space,
		*threads, *inflight;
	bool iep, no_iep, verbose, tree, example, info, reverse, all_spaces, json;
};

enum {
	OPT_IEP = 256,
	OPT_NO_IEP,
	OPT_MAX_ENTRIES,
	OPT_EXAMPLE,
	OPT_CPU,
	OPT_SPACE,
	OPT_INFO,
	OPT_ALL_SPACES,
	OPT_JSON,
	OPT_THREADS,
	OPT_INFLIGHT,
};

static const struct option long_opts[] = {
	{ "image", required_argument, NULL, 'i' },
	{ "asce", required_argument, NULL, 'a' },
	{ "edat", required_argument, NULL, 'e' },
	{ "iep", no_argument, NULL, OPT_IEP },
	{ "no-iep", no_argument, NULL, OPT_NO_IEP },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "space", required_argument, NULL, OPT_SPACE },
	{ "info", no_argument, NULL, OPT_INFO },
	{ "reverse", no_argument, NULL, 'r' },
	{ "all-spaces", no_argument, NULL, OPT_ALL_SPACES },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "inflight", required_argument, NULL, OPT_INFLIGHT },
	{ "prefix", required_argument, NULL, 'p' },
	{ "storage-size", required_argument, NULL, 's' },
	{ "access", required_argument, NULL, 'A' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "tree", no_argument, NULL, 't' },
	{ "max-entries", required_argument, NULL, OPT_MAX_ENTRIES },
	{ "example", no_argument, NULL, OPT_EXAMPLE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Returns -1 to go on, else an exit status. */
static int get_opts(int argc, char **argv, struct opts *o)
{
	char name[3];
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":i:a:e:p:s:A:vtrh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->image = optarg;
			break;
		case 'a':
			o->asce = optarg;
			break;
		case 'e':
			o->edat = optarg;
			break;
		case OPT_IEP:
			o->iep = true;
			break;
		case OPT_NO_IEP:
			o->no_iep = true;
			break;
		case OPT_CPU:
			o->cpu = optarg;
			break;
		case OPT_SPACE:
			o->space = optarg;
			break;
		case OPT_INFO:
			o->info = true;
			break;
		case 'r':
			o->reverse = true;
			break;
		case OPT_ALL_SPACES:
			o->all_spaces = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_THREADS:
			o->threads = optarg;
			break;
		case OPT_INFLIGHT:
			o->inflight = optarg;
			break;
		case 'p':
			o->prefix = optarg;
			break;
		case 's':
			o->storage = optarg;
			break;
		case 'A':
			o->access = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 't':
			o->tree = true;
			break;
		case OPT_MAX_ENTRIES:
			o->max_entries = optarg;
			break;
		case OPT_EXAMPLE:
			o->example = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			return usage_error("option '%s' needs a value",
					   bad_option_name(argv, true, name));
		default:
			return usage_error("unknown option '%s'",
					   bad_option_name(argv, false, name));
		}
	}
	return -1;
}

static int set_access(struct xlate *x, const char *s)
{
	if (!s || !strcmp(s, "fetch"))
		x->access = DAT_FETCH;
	else if (!strcmp(s, "store"))
		x->access = DAT_STORE;
	else if (!strcmp(s, "ifetch"))
		x->access = DAT_IFETCH;
	else
		return usage_error("--access '%s' is not fetch, store or ifetch", s);
	return 0;
}

static int no_registers(const struct xlate *x, const char *what)
{
	fprintf(stderr, "gmap translate: %s: %s is required: %s\n", x->image_path, what,
		translate_no_regs(&x->img));
	return EXIT_USAGE;
}

/* The CPU whose registers fill in what the options leave open: --cpu N, else the first. */
static int pick_cpu(struct xlate *x, const struct opts *o)
{
	unsigned long n = 0;

	if (o->cpu && (!parse_dec(o->cpu, &n) || n > 1000000))
		return usage_error("--cpu '%s' is not a decimal CPU number", o->cpu);
	if (o->cpu && o->example)
		return usage_error("%s", "--cpu needs a core (--image), not --example");
	if (o->cpu && !x->img.ncpus)
		return no_registers(x, "registers for --cpu");
	if (o->cpu && n >= x->img.ncpus) {
		fprintf(stderr, "gmap translate: %s: --cpu %lu: the core holds %u CPU%s (0-%u)\n",
			x->image_path, n, x->img.ncpus, x->img.ncpus == 1 ? "" : "s",
			x->img.ncpus - 1);
		return EXIT_USAGE;
	}
	if (x->img.ncpus) {
		x->cpu = &x->img.cpus[n];
		x->cpu_index = (unsigned int)n;
	}
	return 0;
}

static int parse_space(const char *s, enum dat_space *space)
{
	if (!strcmp(s, "primary"))
		*space = DAT_SPACE_PRIMARY;
	else if (!strcmp(s, "secondary"))
		*space = DAT_SPACE_SECONDARY;
	else if (!strcmp(s, "home"))
		*space = DAT_SPACE_HOME;
	else
		return usage_error("--space '%s' is not primary, secondary or home", s);
	return 0;
}

/* The ASCE: --asce, else the chosen CPU's CR1, CR7 or CR13 by --space or the PSW. */
static int set_asce(struct xlate *x, const struct opts *o)
{
	struct dat_config *c = &x->cfg;
	const struct image_cpu *cpu = x->cpu;
	int cr;

	if (o->space && parse_space(o->space, &c->space))
		return EXIT_USAGE;
	if (!o->space && cpu)
		c->space = translate_psw_space(cpu->psw_mask);
	if (o->asce) {
		if (!parse_hex(o->asce, &c->asce))
			return usage_error("--asce '%s' is not a 64-bit hexadecimal value",
					   o->asce);
		snprintf(x->src.asce, sizeof(x->src.asce), "--asce");
		return 0;
	}
	if (o->example) {
		c->asce = EXAMPLE_ASCE;
		snprintf(x->src.asce, sizeof(x->src.asce), "the example's default");
		return 0;
	}
	if (!cpu)
		return no_registers(x, "--asce ASCE");
	if (!(cpu->have & IMAGE_CPU_CRS)) {
		fprintf(stderr,
			"gmap translate: %s: --asce ASCE is required: cpu %u has no NT_S390_CTRS "
			"note\n",
			x->image_path, x->cpu_index);
		return EXIT_USAGE;
	}
	cr = translate_space_cr(c->space);
	c->asce = cpu->cr[cr];
	snprintf(x->src.asce, sizeof(x->src.asce), "cpu %u cr%d (%s space%s)", x->cpu_index, cr,
		 translate_space_name(c->space), o->space ? ", --space" : ", as the PSW selects");
	return 0;
}

/* EDAT and IEP: the options, else the chosen CPU's CR0, else off. */
static int set_edat_iep(struct xlate *x, const struct opts *o)
{
	struct dat_config *c = &x->cfg;
	bool crs = x->cpu && (x->cpu->have & IMAGE_CPU_CRS);

	if (o->iep && o->no_iep)
		return usage_error("%s", "--iep and --no-iep exclude each other");
	c->edat = o->example ? EXAMPLE_EDAT : 0;
	snprintf(x->src.edat, sizeof(x->src.edat), "default");
	if (o->edat) {
		if (strlen(o->edat) != 1 || o->edat[0] < '0' || o->edat[0] > '2')
			return usage_error("--edat '%s' is not 0, 1 or 2", o->edat);
		c->edat = (unsigned int)(o->edat[0] - '0');
		snprintf(x->src.edat, sizeof(x->src.edat), "--edat");
	} else if (crs) {
		c->edat = translate_cr0_edat(x->cpu->cr[0]);
		snprintf(x->src.edat, sizeof(x->src.edat), "cpu %u cr0 bit 40%s", x->cpu_index,
			 c->edat ? " (EDAT-2 assumed with EDAT-1; --edat 1 to exclude it)" : "");
	}
	c->iep = o->iep;
	snprintf(x->src.iep, sizeof(x->src.iep), o->iep || o->no_iep ? "%s" : "default",
		 o->iep ? "--iep" : "--no-iep");
	if (!o->iep && !o->no_iep && crs) {
		c->iep = translate_cr0_iep(x->cpu->cr[0]);
		snprintf(x->src.iep, sizeof(x->src.iep), "cpu %u cr0 bit 43", x->cpu_index);
	}
	c->iep_installed = c->iep;
	return 0;
}

/* The prefix: --prefix, else the chosen CPU's prefix note; either makes results absolute. */
static int set_prefix(struct xlate *x, const struct opts *o)
{
	struct dat_config *c = &x->cfg;
	unsigned long v;

	snprintf(x->src.prefix, sizeof(x->src.prefix), "none: results are real addresses");
	if (o->prefix) {
		if (!parse_hex(o->prefix, &v) || (v & ~PREFIX_MASK))
			return usage_error("--prefix '%s' is not 8 KiB aligned below 2 GiB",
					   o->prefix);
		c->prefix = v;
		x->prefixed = true;
		snprintf(x->src.prefix, sizeof(x->src.prefix), "--prefix");
	} else if (x->cpu && (x->cpu->have & IMAGE_CPU_PREFIX)) {
		c->prefix = x->cpu->prefix;
		x->prefixed = true;
		snprintf(x->src.prefix, sizeof(x->src.prefix), "cpu %u NT_S390_PREFIX",
			 x->cpu_index);
	}
	return 0;
}

/* Threads for standard input from a file: --threads, else one per online CPU. */
static int set_threads(struct xlate *x, const struct opts *o)
{
	unsigned long n;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	n = cpus < 1 ? 1 : cpus > BULK_MAX_THREADS ? BULK_MAX_THREADS : (unsigned long)cpus;
	if (o->threads && (!parse_dec(o->threads, &n) || !n || n > BULK_MAX_THREADS))
		return usage_error("--threads '%s' is not a number from 1 to 64", o->threads);
	x->threads = (unsigned int)n;
	n = DAT_LEAN_INFLIGHT_DEFAULT;
	if (o->inflight && (!parse_dec(o->inflight, &n) || !n || n > DAT_LEAN_MAX_INFLIGHT))
		return usage_error("--inflight '%s' is not a number from 1 to 64", o->inflight);
	x->inflight = (unsigned int)n;
	return 0;
}

/*
 * The lean walker reads the image's file data in place: a raw image is one block
 * from absolute 0; an ELF core's PT_LOAD segments are joined where they continue
 * each other in the file, else found through dat_lean_init_spans()'s granule map
 * (a segment's zero tail is the exact walker's). Without it (no memory for the map)
 * every walk goes to the exact walker, which gives the same answers.
 */
static void set_lean(struct xlate *x)
{
	struct dat_lean_span *spans = calloc(x->img.nseg ? x->img.nseg : 1, sizeof(*spans));
	unsigned int n = 0;

	for (unsigned int i = 0; spans && i < x->img.nseg; i++) {
		const struct image_segment *s = &x->img.seg[i];

		spans[n++] = (struct dat_lean_span){
			.addr = s->paddr,
			.size = s->filesz < s->memsz ? s->filesz : s->memsz,
			.data = x->img.data + s->offset,
		};
	}
	if (!spans || dat_lean_init_spans(&x->lean, &x->cfg, spans, n))
		dat_lean_init_be(&x->lean, &x->cfg, NULL, 0);
	free(spans);
}

/* Machine state from the options and the core's registers; options win. */
static int set_config(struct xlate *x, const struct opts *o)
{
	struct dat_config *c = &x->cfg;
	int rc = pick_cpu(x, o);

	if (!rc)
		rc = set_asce(x, o);
	if (!rc)
		rc = set_edat_iep(x, o);
	if (!rc)
		rc = set_prefix(x, o);
	if (rc)
		return rc;
	c->storage_size = x->img.end;
	if (o->storage && !parse_hex(o->storage, &c->storage_size))
		return usage_error("--storage-size '%s' is not a hexadecimal size", o->storage);
	if (set_threads(x, o))
		return EXIT_USAGE;
	return set_access(x, o->access);
}

/* An ASCE whose top table is not in the image cannot translate anything: say so. */
static int check_asce(struct xlate *x)
{
	unsigned long origin = x->cfg.asce & _ASCE_ORIGIN, e;

	if (x->cfg.asce & _ASCE_REAL_SPACE)
		return 0;
	if (image_read_entry(&x->img, origin, &e)) {
		fprintf(stderr,
			"gmap translate: asce 0x%lx: its table at 0x%lx is not in the image "
			"(storage ends at 0x%lx)\n",
			x->cfg.asce, origin, x->img.end);
		return EXIT_USAGE;
	}
	return 0;
}

static int open_image(struct xlate *x, const struct opts *o)
{
	char err[256];

	if (o->example && o->image)
		return usage_error("%s", "--example and --image exclude each other");
	if (!o->example && !o->image)
		return usage_error("%s", "--image FILE (or --example) is required");
	if (o->example ? translate_example_image(&x->img, err, sizeof(err))
		       : image_open(&x->img, o->image, err, sizeof(err))) {
		fprintf(stderr, "gmap translate: %s: %s\n", o->image ? o->image : "example", err);
		return EXIT_USAGE;
	}
	x->image_path = o->image;
	return 0;
}

static int get_max_entries(const struct opts *o, unsigned long *max_entries)
{
	*max_entries = DEFAULT_MAX_ENTRIES;
	if (o->max_entries &&
	    (!parse_dec(o->max_entries, max_entries) || *max_entries > MAX_MAX_ENTRIES))
		return usage_error("--max-entries '%s' is not a decimal number from 0 to "
				   "4294967296",
				   o->max_entries);
	return 0;
}

/* ---- --reverse --------------------------------------------------------------------------- */

/* One address space --reverse walks, with the label its answers carry. */
struct rev_space {
	struct xlate x;
	char label[48];
	struct translate_hits *hits;
};

static bool same_config(const struct xlate *a, const struct xlate *b)
{
	return a->cfg.asce == b->cfg.asce && a->cfg.edat == b->cfg.edat &&
	       a->cfg.iep == b->cfg.iep && a->cfg.prefix == b->cfg.prefix &&
	       a->prefixed == b->prefixed;
}

/* The configuration of cpu @i's @space, as --cpu and --space would give it. */
static int space_config(const struct xlate *x, const struct opts *o, unsigned int i,
			enum dat_space space, struct xlate *out)
{
	struct opts o2 = *o;
	char num[16];

	snprintf(num, sizeof(num), "%u", i);
	o2.cpu = num;
	o2.space = translate_space_name(space);
	*out = *x;
	memset(&out->cfg, 0, sizeof(out->cfg));
	out->prefixed = false;
	out->cpu = NULL;
	return set_config(out, &o2);
}

/* --all-spaces: every CPU's primary, secondary and home space, each distinct one once. */
static int all_spaces(const struct xlate *x, const struct opts *o, struct rev_space *sp,
		      unsigned int *n)
{
	static const enum dat_space spaces[] = { DAT_SPACE_PRIMARY, DAT_SPACE_SECONDARY,
						 DAT_SPACE_HOME };
	struct xlate c;

	if (o->asce || o->cpu || o->space)
		return usage_error("%s", "--all-spaces takes the ASCEs from the core: no --asce, "
					 "--cpu or --space");
	for (unsigned int i = 0; i < x->img.ncpus; i++) {
		if (!(x->img.cpus[i].have & IMAGE_CPU_CRS))
			continue;
		for (unsigned int k = 0; k < 3; k++) {
			bool dup = false;

			if (space_config(x, o, i, spaces[k], &c))
				return EXIT_USAGE;
			for (unsigned int j = 0; j < *n && !dup; j++)
				dup = same_config(&sp[j].x, &c);
			/* A control register of 0 designates nothing the guest set up. */
			if (dup || !c.cfg.asce)
				continue;
			sp[*n].x = c;
			snprintf(sp[*n].label, sizeof(sp[*n].label), " (cpu %u %s)", i,
				 translate_space_name(spaces[k]));
			(*n)++;
		}
	}
	return 0;
}

/* The forward answer line of @va, which translates to @target, with the space's label. */
static void print_hit(const struct xlate *x, unsigned long va, unsigned long target,
		      const char *label)
{
	char line[192], *p = line;

	if (x->json) {
		p = put_str(p, "{\"target\":\"");
		p = put_hex(p, target);
		*p++ = '"';
		p = put_json_hex(p, "vaddr", va);
		p = put_str(p, x->prefixed ? ",\"absolute\":true" : ",\"absolute\":false");
		if (*label)
			p += sprintf(p, ",\"cpu\":%u,\"space\":\"%s\"", x->cpu_index,
				     translate_space_name(x->cfg.space));
		p = put_str(p, "}\n");
		fwrite_unlocked(line, 1, (size_t)(p - line), stdout);
		return;
	}
	p = put_hex(p, va);
	p = put_str(p, " -> ");
	p = put_hex(p, target);
	if (x->prefixed)
		p = put_str(p, " (absolute)");
	p = put_str(p, label);
	*p++ = '\n';
	fwrite_unlocked(line, 1, (size_t)(p - line), stdout);
}

static int reverse_walk(struct rev_space *sp, const struct opts *o, const unsigned long *targets,
			unsigned int n)
{
	unsigned long max_entries;
	bool stopped = false;

	if (get_max_entries(o, &max_entries))
		return EXIT_USAGE;
	sp->hits = calloc(n, sizeof(*sp->hits));
	if (!sp->hits || translate_reverse(&sp->x.cfg, &sp->x.img, max_entries, targets, n,
					   sp->hits, &stopped)) {
		fprintf(stderr, "gmap translate: out of memory while walking the tables\n");
		return EXIT_USAGE;
	}
	if (stopped)
		fprintf(stderr,
			"gmap translate: --reverse: the walk of asce 0x%lx stopped after %lu "
			"entries (--max-entries): addresses may be missing\n",
			sp->x.cfg.asce, max_entries);
	return 0;
}

static void print_reverse(const struct rev_space *sp, unsigned int nsp,
			  const unsigned long *targets, unsigned int n)
{
	for (unsigned int t = 0; t < n; t++) {
		bool any = false;

		for (unsigned int s = 0; s < nsp; s++)
			for (unsigned long h = 0; sp[s].hits && h < sp[s].hits[t].n; h++) {
				print_hit(&sp[s].x, sp[s].hits[t].va[h], targets[t], sp[s].label);
				any = true;
			}
		if (!any && sp->x.json)
			printf("{\"target\":\"0x%lx\",\"vaddr\":null}\n", targets[t]);
		else if (!any)
			printf("0x%lx <- not mapped\n", targets[t]);
	}
}

static int reverse_spaces(struct xlate *x, const struct opts *o, struct rev_space *sp,
			  const unsigned long *targets, unsigned int n)
{
	unsigned int nsp = 0;
	int rc = 0;

	if (o->all_spaces)
		rc = all_spaces(x, o, sp, &nsp);
	else
		sp[nsp++].x = *x;
	for (unsigned int s = 0; s < nsp && !rc; s++)
		rc = reverse_walk(&sp[s], o, targets, n);
	if (!rc)
		print_reverse(sp, nsp, targets, n);
	for (unsigned int s = 0; s < nsp; s++) {
		for (unsigned int t = 0; sp[s].hits && t < n; t++)
			free(sp[s].hits[t].va);
		free(sp[s].hits);
	}
	return rc;
}

/* Append @v to the growing *@t (*@n entries, room for *@cap). */
static bool push_target(unsigned long **t, unsigned int *n, unsigned int *cap, unsigned long v)
{
	unsigned long *more;

	if (*n == *cap) {
		if (*cap >= (1U << 30))
			return false;
		*cap = *cap ? 2 * *cap : 256;
		more = realloc(*t, *cap * sizeof(**t));
		if (!more)
			return false;
		*t = more;
	}
	(*t)[(*n)++] = v;
	return true;
}

/* --reverse without ABS: the absolute addresses from standard input, one per line. */
static int reverse_stdin(unsigned long **targets, unsigned int *n)
{
	static struct line_reader in;
	unsigned long lineno = 0, v;
	unsigned int cap = 0;
	int rc;

	while ((rc = next_address(&in, &lineno, &v)) == 1) {
		if (!push_target(targets, n, &cap, v)) {
			fprintf(stderr, "gmap translate: out of memory for the addresses\n");
			return EXIT_USAGE;
		}
	}
	return rc;
}

/*
 * --reverse ABS...: the virtual addresses that map each absolute (or real) address;
 * without ABS, the addresses come from standard input, one per line.
 */
static int run_reverse(struct xlate *x, const struct opts *o, int nargs, char **args)
{
	unsigned long *targets = NULL;
	unsigned int n = 0;
	struct rev_space *sp = NULL;
	int rc = 0;

	if (o->all_spaces && !x->img.ncpus)
		return no_registers(x, "registers for --all-spaces");
	if (nargs) {
		targets = calloc((size_t)nargs, sizeof(*targets));
		rc = targets ? 0 : EXIT_USAGE;
		for (int i = 0; i < nargs && !rc; i++)
			if (!parse_hex(args[i], &targets[i]))
				rc = bad_address("", args[i]);
		n = (unsigned int)nargs;
	} else {
		rc = reverse_stdin(&targets, &n);
	}
	if (!rc && !n)
		rc = usage_error("%s", "--reverse needs the absolute addresses to look for "
				       "(arguments, or lines on standard input)");
	if (!rc) {
		sp = calloc(o->all_spaces ? 3 * x->img.ncpus : 1, sizeof(*sp));
		rc = sp ? reverse_spaces(x, o, sp, targets, n) : EXIT_USAGE;
	}
	free(targets);
	free(sp);
	return rc;
}

/* Not inlined into open_and_run(): its locals must not live in the frame of sigsetjmp(). */
static __attribute__((noinline)) int run(struct xlate *x, const struct opts *o, int nargs,
					 char **args)
{
	unsigned long max_entries;

	if (o->tree && o->reverse)
		return usage_error("%s", "--tree and --reverse exclude each other");
	if (o->all_spaces && !o->reverse)
		return usage_error("%s", "--all-spaces goes with --reverse");
	if (o->reverse)
		return run_reverse(x, o, nargs, args);
	if (o->tree) {
		if (nargs)
			return usage_error("%s", "--tree takes no addresses");
		if (get_max_entries(o, &max_entries))
			return EXIT_USAGE;
		return translate_tree(stdout, &x->cfg, &x->img, max_entries, x->json) ? EXIT_USAGE
										      : 0;
	}
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	set_lean(x);
	if (x->verbose && x->json)
		print_json_header(x);
	else if (x->verbose)
		print_header(x);
	if (nargs)
		return translate_args(x, nargs, args);
	if (o->example)
		for (unsigned int i = 0; i < translate_example_naddrs; i++)
			translate_one(x, translate_example_addrs[i]);
	else
		return translate_stdin(x);
	return 0;
}

/* --info: what the core's notes hold; no configuration is needed. */
static int run_info(const struct xlate *x, const struct opts *o, int nargs)
{
	if (nargs || o->tree)
		return usage_error("%s", "--info takes no addresses and no --tree");
	return translate_info(stdout, &x->img, x->image_path ? x->image_path : "example", o->json)
		       ? EXIT_USAGE
		       : 0;
}

/* Open the image and answer; SIGBUS from a shrinking image comes back here. */
static int open_and_run(struct xlate *x, const struct opts *o, int nargs, char **args)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int rc;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jump, 1)) {
		rc = image_shrank(x, o->image);
	} else {
		bus_armed = 1;
		rc = open_image(x, o);
		if (!rc && o->info)
			rc = run_info(x, o, nargs);
		else if (!rc)
			rc = set_config(x, o);
		if (!rc && !o->info)
			rc = check_asce(x);
		if (!rc && !o->info)
			rc = run(x, o, nargs, args);
		bus_armed = 0;
	}
	sigaction(SIGBUS, &old, NULL);
	return rc;
}

int cmd_translate(int argc, char **argv)
{
	struct opts o = { 0 };
	struct xlate x = { 0 };
	int rc = get_opts(argc, argv, &o);

	if (rc >= 0)
		return rc;
	x.verbose = o.verbose;
	x.json = o.json;
	rc = open_and_run(&x, &o, argc - optind, argv + optind);
	if (fflush(stdout) && !rc) {
		fprintf(stderr, "gmap translate: cannot write the output\n");
		rc = EXIT_USAGE;
	}
	dat_lean_destroy(&x.lean);
	image_close(&x.img);
	return rc;
}
