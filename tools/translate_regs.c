// SPDX-License-Identifier: GPL-2.0
/*
 * `gmap translate` and the registers of an ELF core: which CPU and which address
 * space the ASCE, EDAT, IEP and prefix come from, and `--info`, which shows what
 * the core's notes hold per CPU.
 */
#include <stdio.h>
#include <string.h>

#include "translate.h"

/* CR0 bits (IBM numbering): 40 EDAT-1 control, 43 instruction-execution-protection control. */
#define CR0_EDAT (1UL << (63 - 40))
#define CR0_IEP	 (1UL << (63 - 43))
/* PSW bit 5 DAT mode, bits 16-17 address-space control. */
#define PSW_DAT	      (1UL << (63 - 5))
#define PSW_ASC_SHIFT (63 - 17)
#define PSW_ASC_AR    1UL
#define PSW_ASC_SEC   2UL
#define PSW_ASC_HOME  3UL

static const char *const asce_types[] = { "segment", "region-third", "region-second",
					  "region-first" };

const char *translate_space_name(enum dat_space space)
{
	switch (space) {
	case DAT_SPACE_SECONDARY:
		return "secondary";
	case DAT_SPACE_HOME:
		return "home";
	default:
		return "primary";
	}
}

int translate_space_cr(enum dat_space space)
{
	return space == DAT_SPACE_SECONDARY ? 7 : space == DAT_SPACE_HOME ? 13 : 1;
}

/* The space the PSW's address-space control selects; access-register mode counts as primary. */
enum dat_space translate_psw_space(unsigned long psw_mask)
{
	switch ((psw_mask >> PSW_ASC_SHIFT) & 3) {
	case PSW_ASC_SEC:
		return DAT_SPACE_SECONDARY;
	case PSW_ASC_HOME:
		return DAT_SPACE_HOME;
	default:
		return DAT_SPACE_PRIMARY;
	}
}

unsigned int translate_cr0_edat(unsigned long cr0)
{
	/*
	 * A core does not record the facility list: with EDAT-1 on, EDAT-2 is assumed
	 * (Linux sets the large-region bit only where EDAT-2 is installed).
	 */
	return cr0 & CR0_EDAT ? 2 : 0;
}

bool translate_cr0_iep(unsigned long cr0)
{
	return cr0 & CR0_IEP;
}

void translate_asce_desc(char *buf, size_t len, unsigned long asce)
{
	if (asce & _ASCE_REAL_SPACE)
		snprintf(buf, len, "real-space designation");
	else
		snprintf(buf, len, "%s table at 0x%lx, %lu units",
			 asce_types[(asce & _ASCE_TYPE_MASK) >> 2], asce & _ASCE_ORIGIN,
			 (asce & _ASCE_TABLE_LENGTH) + 1);
}

const char *translate_no_regs(const struct image *img)
{
	if (img->format != IMAGE_ELF)
		return "a raw image holds no CPU registers";
	if (img->note_err[0])
		return img->note_err;
	return "the core holds no NT_PRSTATUS note";
}

/* ---- --info ------------------------------------------------------------------------------ */

static const char *asc_name(unsigned long psw_mask)
{
	static const char *const names[] = { "primary", "access-register", "secondary", "home" };

	return names[(psw_mask >> PSW_ASC_SHIFT) & 3];
}

static void info_text_cpu(FILE *out, const struct image_cpu *c, unsigned int i)
{
	static const enum dat_space spaces[] = { DAT_SPACE_PRIMARY, DAT_SPACE_SECONDARY,
						 DAT_SPACE_HOME };
	char desc[96];

	fprintf(out, "cpu %u: psw 0x%016lx 0x%016lx (dat %s, %s space)\n", i, c->psw_mask,
		c->psw_addr, c->psw_mask & PSW_DAT ? "on" : "off", asc_name(c->psw_mask));
	if (c->have & IMAGE_CPU_PREFIX)
		fprintf(out, "  prefix 0x%lx\n", c->prefix);
	else
		fprintf(out, "  prefix: no NT_S390_PREFIX note\n");
	if (!(c->have & IMAGE_CPU_CRS)) {
		fprintf(out, "  control registers: no NT_S390_CTRS note\n");
		return;
	}
	fprintf(out, "  cr0  0x%016lx (edat %s, iep %s)\n", c->cr[0],
		c->cr[0] & CR0_EDAT ? "on" : "off", c->cr[0] & CR0_IEP ? "on" : "off");
	for (unsigned int s = 0; s < 3; s++) {
		int cr = translate_space_cr(spaces[s]);

		translate_asce_desc(desc, sizeof(desc), c->cr[cr]);
		fprintf(out, "  cr%-2d 0x%016lx %s asce: %s\n", cr, c->cr[cr],
			translate_space_name(spaces[s]), desc);
	}
	for (unsigned int r = 0; r < 16; r += 4) {
		char label[8];

		snprintf(label, sizeof(label), "cr%u-%u", r, r + 3);
		fprintf(out, "  %-7s %016lx %016lx %016lx %016lx\n", label, c->cr[r], c->cr[r + 1],
			c->cr[r + 2], c->cr[r + 3]);
	}
}

static void info_json_asce(FILE *out, const char *space, unsigned long asce, bool last)
{
	fprintf(out, "\"%s\":{\"asce\":\"0x%lx\",", space, asce);
	if (asce & _ASCE_REAL_SPACE)
		fprintf(out, "\"type\":\"real-space\"}");
	else
		fprintf(out, "\"type\":\"%s\",\"origin\":\"0x%lx\",\"units\":%lu}",
			asce_types[(asce & _ASCE_TYPE_MASK) >> 2], asce & _ASCE_ORIGIN,
			(asce & _ASCE_TABLE_LENGTH) + 1);
	fputs(last ? "}" : ",", out);
}

static void info_json_cpu(FILE *out, const struct image_cpu *c, unsigned int i)
{
	fprintf(out,
		"{\"cpu\":%u,\"psw\":{\"mask\":\"0x%lx\",\"addr\":\"0x%lx\"},\"dat\":%s,"
		"\"space\":\"%s\"",
		i, c->psw_mask, c->psw_addr, c->psw_mask & PSW_DAT ? "true" : "false",
		asc_name(c->psw_mask));
	if (c->have & IMAGE_CPU_PREFIX)
		fprintf(out, ",\"prefix\":\"0x%lx\"", c->prefix);
	if (c->have & IMAGE_CPU_CRS) {
		fprintf(out, ",\"edat\":%s,\"iep\":%s,\"crs\":[",
			c->cr[0] & CR0_EDAT ? "true" : "false",
			c->cr[0] & CR0_IEP ? "true" : "false");
		for (unsigned int r = 0; r < 16; r++)
			fprintf(out, "\"0x%lx\"%s", c->cr[r], r == 15 ? "]" : ",");
		fputs(",\"asces\":{", out);
		info_json_asce(out, "primary", c->cr[1], false);
		info_json_asce(out, "secondary", c->cr[7], false);
		info_json_asce(out, "home", c->cr[13], true);
	}
	fputs("}", out);
}

int translate_info(FILE *out, const struct image *img, const char *path, bool json)
{
	if (!img->ncpus) {
		fprintf(stderr, "gmap translate: %s: --info: %s\n", path, translate_no_regs(img));
		return -1;
	}
	if (json) {
		fprintf(out,
			"{\"image\":\"%s\",\"format\":\"%s\",\"storage_end\":\"0x%lx\",\"cpus\":[",
			translate_json_safe(path), image_format_name(img->format), img->end);
		for (unsigned int i = 0; i < img->ncpus; i++) {
			info_json_cpu(out, &img->cpus[i], i);
			fputs(i + 1 < img->ncpus ? "," : "", out);
		}
		fputs("]}\n", out);
		return 0;
	}
	fprintf(out, "image %s: %s, %u segment%s, storage ends at 0x%lx, %u cpu%s\n", path,
		image_format_name(img->format), img->nseg, img->nseg == 1 ? "" : "s", img->end,
		img->ncpus, img->ncpus == 1 ? "" : "s");
	for (unsigned int i = 0; i < img->ncpus; i++)
		info_text_cpu(out, &img->cpus[i], i);
	return 0;
}

/* A path as a JSON string body: quotes, backslashes and control characters become '?'. */
const char *translate_json_safe(const char *s)
{
	static char buf[512];
	size_t n = 0;

	for (; *s && n + 1 < sizeof(buf); s++)
		buf[n++] = (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20) ? '?' : *s;
	buf[n] = 0;
	return buf;
}
