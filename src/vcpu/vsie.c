// SPDX-License-Identifier: GPL-2.0
/*
 * vSIE on a vCPU: guest-3 runs through a shadow gmap, the way KVM's vsie.c runs
 * it (acquire the shadow, map the prefix, run; on a host DAT fault the shadow
 * fault; what guest-2's tables do not grant exits to guest-2).
 *
 * Guest-3 accesses use the same TLB and access driver as guest-2's, with the
 * shadow in place of the gmap: entries are tagged with the shadow's sequence
 * number, so a guest-3 translation is never served to guest-2 or to another
 * shadow, and every unshadow purges (gmap_idte_one() and ptep_unshadow_pte()
 * reach the vCPU's TLB listener).
 */
#include <errno.h>

#include "vcpu_internal.h"

/* -EAGAIN from a changing shadow: how often an access starts over before it gives up. */
#define VSIE_MAX_RETRIES 1000

void vsie_prefix_notify(struct vcpu *v, struct gmap *sg, unsigned long start, unsigned long end)
{
	unsigned long prefix = __atomic_load_n(&v->sie.prefix, __ATOMIC_RELAXED);

	if (atomic_load(&v->sie.sg_seqno) == sg->seqno && prefix <= end &&
	    start <= prefix + 2 * PAGE_SIZE - 1)
		atomic_store(&v->sie.prefix_unmapped, true);
}

void vsie_release(struct vcpu *v)
{
	struct gmap *sg = v->sie.sg;

	if (!sg)
		return;
	atomic_store(&v->sie.sg_seqno, 0);
	v->sie.sg = NULL;
	gmap_put(sg);
}

/* A program interruption for guest-2 about guest-3 address @saddr. */
static int exit_pgm(struct vcpu *v, unsigned int pic, unsigned long saddr, bool write)
{
	unsigned long teid = (saddr & PAGE_MASK) | (write ? TEID_STORE : TEID_FETCH);

	if (pic == PGM_PROTECTION)
		teid |= TEID_PROT_DAT;
	v->sie.stats.exits_pgm++;
	return vcpu_deliver_pic(v, VSIE_EXIT_PGM | pic, teid);
}

int vsie_resolve_exception(struct vcpu *v, struct gmap *sg, unsigned long saddr, bool write,
			   unsigned int pic)
{
	int rc;

	/* The shadow PTE carries guest-2's DAT protection: the exception is guest-2's. */
	if (pic == PGM_PROTECTION)
		return exit_pgm(v, PGM_PROTECTION, saddr, write);
	v->sie.stats.shadow_faults++;
	rc = vsie_shadow_fault(sg, saddr, NULL);
	if (rc > 0)
		return exit_pgm(v, (unsigned int)rc, saddr, write);
	if (rc == -EFAULT) /* a guest-2 table or page outside its memory (kernel bug B2) */
		return exit_pgm(v, PGM_ADDRESSING, saddr, write);
	return rc;
}

/* Keep the shadow while it is valid for what guest-2 asked, else take one. */
static int sie_acquire(struct vcpu *v, struct gmap *parent)
{
	struct gmap *sg = v->sie.sg;

	if (sg && sg->parent == parent && gmap_shadow_valid(sg, v->sie.asce, v->sie.edat_level)) {
		v->sie.stats.shadow_reuses++;
		return 0;
	}
	vsie_release(v);
	sg = gmap_shadow(parent, v->sie.asce, v->sie.edat_level);
	if (IS_ERR(sg)) {
		if (PTR_ERR(sg) == -EFAULT)
			return exit_pgm(v, PGM_ADDRESSING, v->sie.asce & _ASCE_ORIGIN, false);
		return (int)PTR_ERR(sg);
	}
	v->sie.sg = sg;
	atomic_store(&v->sie.sg_seqno, sg->seqno);
	atomic_store(&v->sie.prefix_unmapped, true);
	v->sie.stats.shadow_acquires++;
	return 0;
}

/* Shadow guest-3's two prefix pages if a notification (or a new shadow) unmapped them. */
static int sie_map_prefix(struct vcpu *v)
{
	unsigned long prefix = v->sie.prefix;
	int rc;

	if (!atomic_load(&v->sie.prefix_unmapped))
		return 0;
	/* Mapped from now on, so that an unmapper racing with us is seen. */
	atomic_store(&v->sie.prefix_unmapped, false);
	v->sie.stats.prefix_remaps++;
	v->sie.stats.shadow_faults++;
	rc = vsie_shadow_fault(v->sie.sg, prefix, NULL);
	if (!rc) {
		v->sie.stats.shadow_faults++;
		rc = vsie_shadow_fault(v->sie.sg, prefix + PAGE_SIZE, NULL);
	}
	if (!rc)
		return 0;
	atomic_store(&v->sie.prefix_unmapped, true);
	if (rc > 0 || rc == -EFAULT) {
		v->sie.stats.exits_validity++;
		return VSIE_EXIT_VALIDITY;
	}
	return rc;
}

/* One attempt: the shadow, the prefix, the access. */
static int sie_try(struct vcpu *v, struct gmap *parent, enum addr_kind kind, unsigned long asce,
		   unsigned long addr, void *buf, size_t len, bool write)
{
	struct run_ctx c;
	int rc = sie_acquire(v, parent);

	if (!rc)
		rc = sie_map_prefix(v);
	if (rc)
		return rc;
	c = (struct run_ctx){ v->sie.sg, v->sie.prefix, v->sie.edat, v->sie.iep };
	return vcpu_access(v, &c, kind, asce, addr, buf, len, write);
}

static int sie_access(struct vcpu *v, enum addr_kind kind, unsigned long asce, unsigned long addr,
		      void *buf, size_t len, bool write)
{
	struct gmap *parent;
	int rc;

	if (!v || (!buf && len) || !v->sie.asce_set)
		return -EINVAL;
	parent = vcpu_gmap(v, &rc);
	if (!parent)
		return rc;
	v->sie.stats.accesses++;
	for (int tries = 0;; tries++) {
		rc = sie_try(v, parent, kind, asce, addr, buf, len, write);
		if (rc != -EAGAIN || tries == VSIE_MAX_RETRIES)
			break;
		v->sie.stats.eagain_retries++;
	}
	if (rc > 0 && rc < VSIE_EXIT_PGM)
		v->sie.stats.pics++;
	return rc;
}

int vcpu_sie_enter(struct vcpu *vcpu, unsigned long asce, int edat_level, unsigned long prefix)
{
	struct gmap *parent;
	int rc;

	if (!vcpu || edat_level < 0 || edat_level > 2 || (prefix & ~PREFIX_MASK))
		return -EINVAL;
	parent = vcpu_gmap(vcpu, &rc);
	if (!parent)
		return rc;
	if (gmap_is_shadow(parent))
		return -EINVAL;
	vcpu->sie.asce = asce;
	vcpu->sie.edat_level = edat_level;
	__atomic_store_n(&vcpu->sie.prefix, prefix, __ATOMIC_RELAXED);
	atomic_store(&vcpu->sie.prefix_unmapped, true);
	vcpu->sie.asce_set = true;
	vcpu->sie.stats.entries++;
	for (int tries = 0;; tries++) {
		rc = sie_acquire(vcpu, parent);
		if (rc != -EAGAIN || tries == VSIE_MAX_RETRIES)
			break;
		vcpu->sie.stats.eagain_retries++;
	}
	if (rc)
		vcpu->sie.asce_set = false;
	return rc;
}

void vcpu_sie_exit(struct vcpu *vcpu)
{
	if (vcpu)
		vcpu->sie.asce_set = false;
}

int vcpu_sie_set_dat_features(struct vcpu *vcpu, unsigned int edat, bool iep)
{
	if (!vcpu || edat > 2)
		return -EINVAL;
	vcpu->sie.edat = edat;
	vcpu->sie.iep = iep;
	vcpu_purge_tlb(vcpu);
	return 0;
}

int vcpu_sie_read(struct vcpu *vcpu, unsigned long gaddr, void *buf, size_t len)
{
	return sie_access(vcpu, ABSOLUTE, 0, gaddr, buf, len, false);
}

int vcpu_sie_write(struct vcpu *vcpu, unsigned long gaddr, const void *buf, size_t len)
{
	return sie_access(vcpu, ABSOLUTE, 0, gaddr, (void *)buf, len, true);
}

int vcpu_sie_read_real(struct vcpu *vcpu, unsigned long raddr, void *buf, size_t len)
{
	return sie_access(vcpu, REAL, 0, raddr, buf, len, false);
}

int vcpu_sie_write_real(struct vcpu *vcpu, unsigned long raddr, const void *buf, size_t len)
{
	return sie_access(vcpu, REAL, 0, raddr, (void *)buf, len, true);
}

int vcpu_sie_read_virt(struct vcpu *vcpu, unsigned long asce, unsigned long va, void *buf,
		       size_t len)
{
	return sie_access(vcpu, VIRTUAL, asce, va, buf, len, false);
}

int vcpu_sie_write_virt(struct vcpu *vcpu, unsigned long asce, unsigned long va, const void *buf,
			size_t len)
{
	return sie_access(vcpu, VIRTUAL, asce, va, (void *)buf, len, true);
}

void vcpu_get_vsie_stats(struct vcpu *vcpu, struct vsie_stats *stats)
{
	if (!stats)
		return;
	*stats = vcpu ? vcpu->sie.stats : (struct vsie_stats){ 0 };
}
