// SPDX-License-Identifier: GPL-2.0
/*
 * `gmap run --nested`, the checks: what a guest-3 access did against what the
 * composition of guest-3's and guest-2's tables predicts (success with the
 * model's bytes, an exit to guest-2 with its PIC and TEID or one the host
 * explains, a program interruption for guest-3 itself), and the audits of every
 * shadow against guest-2's tables.
 */
#include <stdlib.h>
#include <string.h>

#include <gmap/gmap_locked.h>

#include "run_nested.h"

#define AUDIT_MAX (4 * RUN_MAX_VCPUS + 4)

const char *const g3_space_names[NR_G3_SPACES] = { "segment", "region-3", "region-1", "real" };

/* ---- checking an access -------------------------------------------------------------------- */

static const char *const kind_names[NR_G3_KINDS] = { "absolute", "real", "virtual" };

static void describe(const struct run_vcpu *v, const struct g3_access *a, char *buf, size_t size)
{
	int n = snprintf(buf, size, "vcpu %u: guest-3 (%s ASCE) %s %s of %zu bytes at 0x%lx", v->id,
			 g3_space_names[v->space], kind_names[a->kind], a->write ? "write" : "read",
			 a->len, a->addr);

	if (a->kind != G3K_ABS && !a->pic3 && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " (absolute 0x%lx)", a->va);
}

static enum g3_exit exit_kind(unsigned int pic)
{
	switch (pic) {
	case PGM_PROTECTION:
		return G3X_PROTECTION;
	case PGM_PAGE_TRANSLATION:
		return G3X_PAGE;
	case PGM_SEGMENT_TRANSLATION:
		return G3X_SEGMENT;
	default:
		return G3X_REGION;
	}
}

/*
 * An exit the host explains: the guest-2 page was being moved, or was
 * read-only. A read-only host page that guest-2 grants write cannot be
 * shadowed at all, reads included: gmap_shadow_page() faults it in for writing,
 * as the kernel's does, and the failed fault is an addressing exception.
 */
static bool host_explains(struct run_vcpu *v, const struct g3_access *a, unsigned int pic)
{
	bool moving = (a->seg_before & 1) || a->seg_before != a->seg_after;
	bool read_only = run_host_read_only(v->run, a->g2, a->prot_before, a->prot_after);

	if (a->pic3 || (a->pic && a->pic != PGM_PROTECTION))
		return false; /* a translation exception comes before the frame */
	if (pic == PGM_ADDRESSING)
		return moving || read_only;
	return pic == PGM_PROTECTION && a->write && read_only;
}

/** g3_unexpected() - a guest-3 access went where nothing predicts: a failure of the run */
void g3_unexpected(struct run_vcpu *v, const struct g3_access *a, const char *what)
{
	char desc[160];

	v->c.unexpected++;
	describe(v, a, desc, sizeof(desc));
	run_fail(v->run, a->addr, "%s: %s", desc, what);
}

static bool teid_ok(struct run_vcpu *v, const struct g3_access *a, unsigned int pic,
		    const char *whose)
{
	char what[112];

	if (vcpu_last_teid(v->vcpu) == a->teid)
		return true;
	snprintf(what, sizeof(what), "%s 0x%02x with TEID 0x%lx, expected 0x%lx", whose, pic,
		 vcpu_last_teid(v->vcpu), a->teid);
	g3_unexpected(v, a, what);
	return false;
}

/** g3_check_exit() - guest-2 got the exit @pic: the predicted one, or one the host explains */
void g3_check_exit(struct run_vcpu *v, const struct g3_access *a, unsigned int pic)
{
	char what[112];

	if (!a->pic3 && pic == a->pic) {
		if (!teid_ok(v, a, pic, "exit"))
			return;
		v->c.g3_exits[exit_kind(pic)]++;
	} else if (host_explains(v, a, pic)) {
		v->c.g3_exits[G3X_HOST]++;
	} else {
		snprintf(what, sizeof(what), "exit to guest-2 with PIC 0x%02x (%s), expected %s%s",
			 pic, dat_pic_name(pic), a->pic3 ? "guest-3's " : "",
			 a->pic3  ? dat_pic_name(a->pic3)
			 : a->pic ? dat_pic_name(a->pic)
				  : "success");
		g3_unexpected(v, a, what);
		return;
	}
	v->c.g3_failed_writes += a->write;
}

/** g3_check_own_pic() - a program interruption for guest-3 itself: its own tables refused */
void g3_check_own_pic(struct run_vcpu *v, const struct g3_access *a, unsigned int pic)
{
	char what[112];

	if (pic != a->pic3) {
		snprintf(what, sizeof(what), "guest-3 PIC 0x%02x (%s), expected %s%s", pic,
			 dat_pic_name(pic), a->pic3 || !a->pic ? "" : "exit ",
			 a->pic3  ? dat_pic_name(a->pic3)
			 : a->pic ? dat_pic_name(a->pic)
				  : "success");
		g3_unexpected(v, a, what);
		return;
	}
	if (!teid_ok(v, a, pic, "guest-3 PIC"))
		return;
	v->c.g3_own_pics++;
	v->c.g3_failed_writes += a->write;
}

/** g3_check_success() - the access succeeded: allowed, and a read gave the model's bytes */
void g3_check_success(struct run_vcpu *v, const struct g3_access *a, unsigned char *model,
		      const unsigned char *buf)
{
	char what[160];
	size_t i;

	if (a->pic3 || a->pic) {
		snprintf(what, sizeof(what), "succeeded where %s tables give %s (isolation)",
			 a->pic3 ? "guest-3's" : "guest-2's",
			 dat_pic_name(a->pic3 ? a->pic3 : a->pic));
		g3_unexpected(v, a, what);
		return;
	}
	if (a->write) {
		memcpy(model, buf, a->len);
		return;
	}
	v->c.g3_checked++;
	if (!memcmp(model, buf, a->len))
		return;
	for (i = 0; model[i] == buf[i]; i++)
		;
	describe(v, a, what, sizeof(what));
	run_mismatch(v->run, a->g2 + i, model + i, buf + i,
		     a->len - i < RUN_SHOW_BYTES ? a->len - i : RUN_SHOW_BYTES,
		     "%s (guest-2 0x%lx)", what, a->g2);
}

/* ---- the audit ----------------------------------------------------------------------------- */

/* The first line of @text, at most @size - 1 bytes, into @buf. */
static void first_line(const char *text, char *buf, size_t size)
{
	size_t n = text ? strcspn(text, "\n") : 0;

	if (n >= size)
		n = size - 1;
	memcpy(buf, text ? text : "", n);
	buf[n] = '\0';
}

/**
 * run_audit_shadows() - gmap_shadow_audit() every shadow of the run's gmap
 * @r:    the run
 * @when: for the failure message
 *
 * Every violation is a failure of the run (a stale shadow entry is a guest-3
 * access that guest-2's tables no longer grant).
 *
 * Context: no libgmap lock held.
 * Return: the number of violations.
 */
long run_audit_shadows(struct run *r, const char *when)
{
	struct gmap *list[AUDIT_MAX], *sg;
	unsigned int n = 0;
	char *text = NULL, line[100];
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	long bad = 0, rc;

	spin_lock(&r->gmap->shadow_lock);
	cds_list_for_each_entry(sg, &r->gmap->children, list) if (n < AUDIT_MAX) list[n++] =
		gmap_get(sg);
	spin_unlock(&r->gmap->shadow_lock);
	for (unsigned int i = 0; i < n; i++) {
		rc = gmap_shadow_audit(list[i], out);
		bad += rc > 0 ? rc : 0;
		gmap_put(list[i]);
	}
	if (out)
		fclose(out);
	atomic_fetch_add(&r->audits, 1);
	if (bad) {
		atomic_fetch_add(&r->audit_violations, (unsigned long)bad);
		first_line(text, line, sizeof(line));
		run_fail(r, 0, "shadow audit %s: %ld entr%s with guest-2's tables: %s", when, bad,
			 bad == 1 ? "y disagrees" : "ies disagree", line);
	}
	free(text);
	return bad;
}
