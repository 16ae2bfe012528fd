// SPDX-License-Identifier: GPL-2.0
/*
 * `gmap run` verification: the failure log (every failure counted, the first
 * RUN_MAX_FAILURES kept with their bytes) and the final comparison of every page
 * of guest memory with what it must hold.
 *
 * The final pass reads from the host side, not through a vCPU: gmap_translate()
 * must give the host address the host thread last mapped the segment to, and
 * mm_read() there must give the model's bytes. A page whose host PTE is none
 * never had a frame or was discarded; it reads as zeroes by definition and is
 * compared as zeroes without faulting a frame in for it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

static struct run_failure *new_failure(struct run *r, unsigned long addr)
{
	struct run_failure *f = NULL;

	pthread_mutex_lock(&r->fail_lock);
	if (r->nfailures < RUN_MAX_FAILURES)
		f = &r->failures[r->nfailures];
	r->nfailures++;
	if (f) {
		memset(f, 0, sizeof(*f));
		f->addr = addr;
	}
	return f; /* with the lock held */
}

/**
 * run_fail() - record a failure
 * @r:    the run
 * @addr: guest address it concerns
 * @fmt:  what happened
 */
void run_fail(struct run *r, unsigned long addr, const char *fmt, ...)
{
	struct run_failure *f = new_failure(r, addr);
	va_list ap;

	if (f) {
		va_start(ap, fmt);
		vsnprintf(f->what, sizeof(f->what), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&r->fail_lock);
}

/**
 * run_mismatch() - record bytes that differ from the model
 * @r:        the run
 * @addr:     guest absolute address of the first differing byte
 * @expected: the model's bytes from there
 * @actual:   the bytes read
 * @len:      how many to show, at most RUN_SHOW_BYTES
 * @fmt:      how they were read
 */
void run_mismatch(struct run *r, unsigned long addr, const unsigned char *expected,
		  const unsigned char *actual, size_t len, const char *fmt, ...)
{
	struct run_failure *f = new_failure(r, addr);
	va_list ap;

	if (f) {
		va_start(ap, fmt);
		vsnprintf(f->what, sizeof(f->what), fmt, ap);
		va_end(ap);
		f->nbytes = (unsigned int)len;
		memcpy(f->expected, expected, len);
		memcpy(f->actual, actual, len);
	}
	pthread_mutex_unlock(&r->fail_lock);
}

/* What guest page @p must hold. */
static const unsigned char *expected_page(const struct run *r, unsigned long p)
{
	unsigned long gaddr = p << PAGE_SHIFT, d;

	if (gaddr < r->lay.reserved)
		return r->lay.image + gaddr;
	d = (gaddr - r->lay.reserved) >> PAGE_SHIFT;
	return run_model(r, d);
}

/* Read guest page @gaddr from the host side into @buf; false after recording a failure. */
static bool read_page(struct run *r, unsigned long gaddr, unsigned char *buf)
{
	unsigned long host = run_host_addr(r, gaddr), t = gmap_translate(r->gmap, gaddr);
	unsigned int tries = 0;
	int rc;

	if (t != host) {
		run_fail(r, gaddr, "final: gmap_translate(0x%lx) = 0x%lx, the segment is at 0x%lx",
			 gaddr, t, host);
		return false;
	}
	if (pte_none(__pte(mm_lookup_pte(r->mm, host)))) {
		memset(buf, 0, PAGE_SIZE);
		return true;
	}
	do {
		rc = mm_read(r->mm, host, buf, PAGE_SIZE);
	} while (run_io_retry(r, IO_HOST_COPY, rc, &tries));
	run_io_done(r, IO_HOST_COPY, rc, tries);
	if (rc)
		run_fail(r, gaddr, "final: mm_read(0x%lx): %s", host, strerror(-rc));
	return !rc;
}

static void verify_page(struct run *r, unsigned long p, unsigned char *buf)
{
	const unsigned char *want = expected_page(r, p);
	unsigned long gaddr = p << PAGE_SHIFT;
	size_t i, n;

	r->pages_verified++;
	if (!read_page(r, gaddr, buf) || !memcmp(buf, want, PAGE_SIZE))
		return;
	for (i = 0; want[i] == buf[i]; i++)
		;
	n = PAGE_SIZE - i < RUN_SHOW_BYTES ? PAGE_SIZE - i : RUN_SHOW_BYTES;
	run_mismatch(r, gaddr + i, want + i, buf + i, n, "final: page 0x%lx (%s)", gaddr,
		     gaddr < r->lay.reserved ? "reserved area" : "data page");
}

/**
 * run_verify_all() - compare every page of guest memory with what it must hold
 * @r: the run; every thread has stopped
 *
 * Data pages against their owners' models, the reserved area against the tables
 * as built and the vCPUs' lowcore models.
 */
void run_verify_all(struct run *r)
{
	unsigned char buf[PAGE_SIZE];

	for (unsigned int k = 0; k < r->cfg.nvcpus; k++)
		memcpy(r->lay.image + run_prefix(k), r->vcpus[k].lowcore, PREFIX_AREA_SIZE);
	for (unsigned long p = 0; p < r->cfg.guest_mem >> PAGE_SHIFT; p++)
		verify_page(r, p, buf);
}

/**
 * run_inject_corruption() - the verifier's self-test: change guest memory behind
 * the vCPUs' back
 * @r: the run; every thread has stopped
 *
 * Flips one byte of a page in vCPU 0's hot set with mm_write(), as a buggy host
 * would; the final comparison must find it.
 */
void run_inject_corruption(struct run *r)
{
	unsigned long d = r->vcpus[0].hot[0] * r->cfg.nvcpus;
	unsigned long gaddr = r->lay.reserved + (d << PAGE_SHIFT) + r->cfg.seed % PAGE_SIZE;
	unsigned long host = run_host_addr(r, gaddr);
	unsigned char b = 0;
	int rc = -EIO;

	/* Off the record: a swap error here would only add a retry to the counts. */
	for (unsigned int i = 0; i < RUN_IO_TRIES && (rc == -EIO || rc == -ENOSPC); i++)
		rc = mm_read(r->mm, host, &b, 1);
	if (!rc) {
		b ^= 0x5a;
		rc = -EIO;
		for (unsigned int i = 0; i < RUN_IO_TRIES && (rc == -EIO || rc == -ENOSPC); i++)
			rc = mm_write(r->mm, host, &b, 1);
	}
	if (!rc)
		r->injected = gaddr;
	if (!r->injected)
		run_fail(r, gaddr, "--inject-corruption: cannot write guest 0x%lx", gaddr);
}
