// SPDX-License-Identifier: GPL-2.0
/*
 * `gmap run` output: the progress line (a terminal only), the summary table and
 * the same numbers as one JSON object. Both are computed from one struct
 * summary so that they cannot disagree.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

#define CRST_BYTES     (4 * PAGE_SIZE)
#define HOST_PT_BYTES  PAGE_SIZE /* 256 PTEs and 256 PGSTEs */
#define MIB	       (1024.0 * 1024.0)
#define RUN_REPLAY_MAX 512

struct summary {
	struct run_counts c;
	struct vcpu_stats s;
	struct vsie_stats v;
	double g3_per_s, g2_per_s; /* --nested: guest-3 accesses, and guest-2's own */
	/*
	 * --nested, per CPU-second of a vCPU thread (so the load of the machine and the
	 * threads' share of the CPUs drop out): single-level accesses of the vCPUs that
	 * run no guest-3; guest-3 accesses of the nested vCPUs, whose guest-2 steps are
	 * charged at the single-level cost. 0: not measured (no vCPU of that kind).
	 */
	double g3_cpu_rate, g2_cpu_rate;
	unsigned long links, unlinks;
	double per_s, hit_rate;
	unsigned long model_bytes;
};

static const char *const json_event[NR_EVENTS] = { "pageout", "migrate", "mprotect", "remap",
						   "discard" };

static void add_counts(struct run_counts *t, const struct run_counts *c)
{
	t->reads += c->reads;
	t->writes += c->writes;
	for (int m = 0; m < NR_MODES; m++)
		t->mode[m] += c->mode[m];
	t->checked += c->checked;
	t->failed_writes += c->failed_writes;
	for (int p = 0; p < NR_RUN_PICS; p++)
		t->pics[p] += c->pics[p];
	t->unexpected += c->unexpected;
	t->discards += c->discards;
	t->discards_deferred += c->discards_deferred;
	t->g3_accesses += c->g3_accesses;
	t->g3_checked += c->g3_checked;
	t->g3_failed_writes += c->g3_failed_writes;
	for (int x = 0; x < NR_G3_EXITS; x++)
		t->g3_exits[x] += c->g3_exits[x];
	for (int h = 0; h < NR_HYP; h++)
		t->hyp[h] += c->hyp[h];
	t->g3_swept += c->g3_swept;
	for (int k = 0; k < NR_G3_KINDS; k++)
		t->g3_kind[k] += c->g3_kind[k];
	t->g3_own_pics += c->g3_own_pics;
}

static void add_vsie(struct vsie_stats *t, const struct vsie_stats *s)
{
	t->entries += s->entries;
	t->accesses += s->accesses;
	t->shadow_acquires += s->shadow_acquires;
	t->shadow_reuses += s->shadow_reuses;
	t->shadow_faults += s->shadow_faults;
	t->exits_pgm += s->exits_pgm;
	t->exits_validity += s->exits_validity;
	t->pics += s->pics;
	t->eagain_retries += s->eagain_retries;
	t->prefix_remaps += s->prefix_remaps;
}

static void add_stats(struct vcpu_stats *t, const struct vcpu_stats *s)
{
	t->accesses += s->accesses;
	t->tlb_hits += s->tlb_hits;
	t->tlb_misses += s->tlb_misses;
	t->faults += s->faults;
	t->purges += s->purges;
	t->prefix_refreshes += s->prefix_refreshes;
	t->pics += s->pics;
	t->retries += s->retries;
	t->precise_purges += s->precise_purges;
}

/*
 * Nested against single-level accesses per CPU-second of a vCPU thread. A nested
 * vCPU's CPU time is C = n3 * t3 + n2 * t2 (its guest-3 and guest-2 steps); t2
 * comes from the single-level vCPUs, which do nothing else; so t3 needs no clock
 * read per access, and time the thread spent off the CPU is in neither.
 */
static void cpu_rates(const struct run *r, struct summary *sum)
{
	double cpu1 = 0, cpu3 = 0, t2, g3_cpu;
	unsigned long steps1 = 0, acc1 = 0, g2_steps3 = 0, acc3 = 0;

	for (unsigned int k = 0; k < r->cfg.nvcpus; k++) {
		const struct run_vcpu *v = &r->vcpus[k];

		if (v->nested) {
			cpu3 += v->cpu_s;
			g2_steps3 += v->c.steps - v->c.g3_steps;
			acc3 += v->c.g3_accesses - v->c.g3_swept;
		} else {
			cpu1 += v->cpu_s;
			steps1 += v->c.steps;
			acc1 += v->c.reads + v->c.writes;
		}
	}
	if (cpu1 <= 0 || !steps1)
		return;
	sum->g2_cpu_rate = (double)acc1 / cpu1;
	t2 = cpu1 / (double)steps1;
	g3_cpu = cpu3 - (double)g2_steps3 * t2;
	if (g3_cpu > 0 && acc3)
		sum->g3_cpu_rate = (double)acc3 / g3_cpu;
}

static void summarize(const struct run *r, struct summary *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned int k = 0; k < r->cfg.nvcpus; k++) {
		add_counts(&sum->c, &r->vcpus[k].c);
		add_stats(&sum->s, &r->vcpus[k].stats);
		add_vsie(&sum->v, &r->vcpus[k].vsie);
	}
	/* Every link made is still there or was removed by an unmap of the segment. */
	sum->unlinks = r->unmapped_linked;
	sum->links = r->linked + sum->unlinks;
	sum->per_s = r->elapsed > 0 ? (double)r->accesses / r->elapsed : 0;
	/* The sweep at the end is not part of the timed workload. */
	if (r->elapsed > 0) {
		sum->g3_per_s = (double)(sum->c.g3_accesses - sum->c.g3_swept) / r->elapsed;
		sum->g2_per_s = sum->per_s - sum->g3_per_s;
	}
	cpu_rates(r, sum);
	if (sum->s.tlb_hits + sum->s.tlb_misses)
		sum->hit_rate =
			(double)sum->s.tlb_hits / (double)(sum->s.tlb_hits + sum->s.tlb_misses);
	/* The sparse model: a pointer per data page, the pages written, the lowcores. */
	sum->model_bytes =
		r->lay.ndata * sizeof(unsigned char *) + r->cfg.nvcpus * PREFIX_AREA_SIZE;
	for (unsigned int k = 0; k < r->cfg.nvcpus; k++)
		sum->model_bytes += r->vcpus[k].ref_pages * PAGE_SIZE;
}

static unsigned long events(const struct run *r, const struct summary *sum, int e)
{
	return e == EV_DISCARD ? sum->c.discards : r->events[e];
}

static unsigned long skipped(const struct run *r, const struct summary *sum, int e)
{
	return e == EV_DISCARD ? sum->c.discards_deferred : r->skipped[e];
}

/**
 * run_progress() - show how far the run is on standard error
 * @r:       the run
 * @elapsed: seconds since the vCPUs started
 * @style:   redraw the line of a terminal, print a whole line (a log), or erase
 *           the terminal's line
 */
void run_progress(struct run *r, double elapsed, enum run_progress_style style)
{
	unsigned long t = run_total_accesses(r), nfail;
	double rate = elapsed > 0 ? t / elapsed / 1e6 : 0.0;

	if (style == PROGRESS_ERASE) {
		fputs("\r\033[K", stderr);
		return;
	}
	pthread_mutex_lock(&r->fail_lock);
	nfail = r->nfailures;
	pthread_mutex_unlock(&r->fail_lock);
	/* A terminal's line keeps its columns still; a log's line has no padding. */
	if (style == PROGRESS_REDRAW && r->cfg.ops)
		fprintf(stderr, "\r  %6.1f s  %12lu of %lu accesses", elapsed, t, r->cfg.ops);
	else if (style == PROGRESS_REDRAW)
		fprintf(stderr, "\r  %6.1f of %.1f s  %12lu accesses", elapsed, r->cfg.duration, t);
	else if (r->cfg.ops)
		fprintf(stderr, "gmap run: progress: %.1f s, %lu of %lu accesses", elapsed, t,
			r->cfg.ops);
	else
		fprintf(stderr, "gmap run: progress: %.1f of %.1f s, %lu accesses", elapsed,
			r->cfg.duration, t);
	if (style == PROGRESS_REDRAW)
		fprintf(stderr, "  %6.2f M/s  failures %lu\033[K", rate, nfail);
	else
		fprintf(stderr, ", %.2f M/s, failures %lu\n", rate, nfail);
	fflush(stderr);
}

/* ---- the replay command ------------------------------------------------------------------- */

/* @v as the shortest decimal that reads back as @v. */
static void put_double(char *buf, size_t size, double v)
{
	snprintf(buf, size, "%g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, size, "%.17g", v);
}

/*
 * The command that repeats this run with --deterministic: the same seed, the
 * accesses it did, every option that shapes the run spelled out.
 */
static void replay_command(const struct run *r, char *buf, size_t size)
{
	static const char *const names[NR_EVENTS] = { "pageout", "migrate", "mprotect", "remap",
						      "discard" };
	unsigned long ops = r->cfg.ops ? r->cfg.ops : r->accesses;
	size_t n;
	char rate[32];

	n = (size_t)snprintf(buf, size,
			     "gmap run --deterministic --seed %lu --ops %lu --vcpus %u "
			     "--guest-mem %luM",
			     r->cfg.seed, ops ? ops : 1, r->cfg.nvcpus, r->cfg.guest_mem >> 20);
	for (int e = 0; e < NR_EVENTS && n < size; e++) {
		put_double(rate, sizeof(rate), r->cfg.rate[e]);
		n += (size_t)snprintf(buf + n, size - n, " --%s-rate %s", names[e], rate);
	}
	if (r->cfg.nested && n < size) {
		put_double(rate, sizeof(rate), r->cfg.g2_change_rate);
		n += (size_t)snprintf(buf + n, size - n, " --g2-change-rate %s%s", rate,
				      r->cfg.inject_stale ? " --inject-stale-shadow" : " --nested");
	}
	if (r->cfg.swap_error_rate > 0 && n < size) {
		put_double(rate, sizeof(rate), r->cfg.swap_error_rate);
		n += (size_t)snprintf(buf + n, size - n, " --swap-error-rate %s", rate);
	}
	if (r->cfg.inject_corruption && n < size)
		snprintf(buf + n, size - n, " --inject-corruption");
}

/* ---- the table ----------------------------------------------------------------------------- */

static void print_access_lines(const struct run *r, const struct summary *sum, FILE *out)
{
	fprintf(out, "  %-22s %.2f s\n", "time", r->elapsed);
	fprintf(out, "  %-22s %lu  (%.0f/s)\n", "accesses", r->accesses, sum->per_s);
	fprintf(out, "  %-22s %lu / %lu  (%lu writes refused, not applied)\n", "  reads / writes",
		sum->c.reads, sum->c.writes, sum->c.failed_writes);
	fprintf(out, "  %-22s %lu / %lu / %lu\n", "  absolute / DAT / real", sum->c.mode[MODE_ABS],
		sum->c.mode[MODE_DAT], sum->c.mode[MODE_REAL]);
	fprintf(out, "  %-22s %lu\n", "  reads checked", sum->c.checked);
	fprintf(out, "  %-22s %.2f %%  (hits %lu, misses %lu, purges %lu, retries %lu)\n",
		"TLB hit rate", 100.0 * sum->hit_rate, sum->s.tlb_hits, sum->s.tlb_misses,
		sum->s.purges, sum->s.retries);
	fprintf(out, "  %-22s %lu precise (one page's entries), %lu whole\n", "  purges",
		sum->s.precise_purges, sum->s.purges - sum->s.precise_purges);
	fprintf(out, "  %-22s gmap_fault %lu, host %lu (zero-fill %lu, swap-in %lu)\n", "faults",
		sum->s.faults, r->mm_stats.faults, r->mm_stats.zero_fills, r->mm_stats.swap_ins);
	fprintf(out, "  %-22s %lu / %lu  (gmap_unlink calls for freed host tables: %lu)\n",
		"links / unlinks", sum->links, sum->unlinks, r->mm_stats.unlinks);
	fprintf(out, "  %-22s %lu\n", "notifier calls", r->notifier_calls);
	fprintf(out, "  %-22s %lu\n", "prefix refreshes", sum->s.prefix_refreshes);
}

static void print_event_lines(const struct run *r, const struct summary *sum, FILE *out)
{
	const struct mm_stats *m = &r->mm_stats;

	fprintf(out, "  %-22s page-out %lu (+%lu without frame), migrate %lu (+%lu),\n",
		"host events", events(r, sum, EV_PAGEOUT), skipped(r, sum, EV_PAGEOUT),
		events(r, sum, EV_MIGRATE), skipped(r, sum, EV_MIGRATE));
	fprintf(out, "  %-22s mprotect %lu, remap %lu, discard %lu (+%lu deferred)\n", "",
		events(r, sum, EV_MPROTECT), events(r, sum, EV_REMAP), events(r, sum, EV_DISCARD),
		skipped(r, sum, EV_DISCARD));
	fprintf(out,
		"  %-22s swap-outs %lu, swap-ins %lu, migrations %lu, pages discarded %lu,\n"
		"  %-22s IPTEs %lu, notifications %lu\n",
		"host mm", m->swap_outs, m->swap_ins, m->migrations, m->discards, "", m->iptes,
		m->notifications);
	fprintf(out, "  %-22s protection %lu, addressing %lu, page-translation %lu\n",
		"guest PICs expected", sum->c.pics[PIC_PROTECTION], sum->c.pics[PIC_ADDRESSING],
		sum->c.pics[PIC_PAGE_TRANSLATION]);
	fprintf(out, "  %-22s %lu\n", "guest PICs unexpected", sum->c.unexpected);
}

static void print_nested_lines(const struct run *r, const struct summary *sum, FILE *out)
{
	const struct gmap_shadow_stats *st = &r->shadow_stats;
	const unsigned long *x = sum->c.g3_exits, *h = sum->c.hyp;

	fprintf(out, "  %-22s %lu  (%.0f/s; guest-2's own %.0f/s)\n", "nested accesses",
		sum->c.g3_accesses - sum->c.g3_swept, sum->g3_per_s, sum->g2_per_s);
	fprintf(out, "  %-22s %lu, %lu pages of them read back through the shadows at the end\n",
		"  reads checked", sum->c.g3_checked, sum->c.g3_swept);
	fprintf(out, "  %-22s %lu / %lu / %lu; guest-3's own DAT exceptions %lu\n",
		"  abs / real / virtual", sum->c.g3_kind[G3K_ABS], sum->c.g3_kind[G3K_REAL],
		sum->c.g3_kind[G3K_VIRT], sum->c.g3_own_pics);
	if (sum->g3_cpu_rate > 0)
		fprintf(out, "  %-22s %.0f vs %.0f accesses per CPU-second of a vCPU: %.0f %%\n",
			"  nested/single-level", sum->g3_cpu_rate, sum->g2_cpu_rate,
			100.0 * sum->g3_cpu_rate / sum->g2_cpu_rate);
	fprintf(out,
		"  %-22s remap %lu, protect %lu, segment %lu, split %lu, join %lu,\n"
		"  %-22s region-third %lu, ASCE switch %lu\n",
		"guest-2 table changes", h[HYP_REMAP], h[HYP_PROTECT], h[HYP_SEGMENT], h[HYP_SPLIT],
		h[HYP_JOIN], "", h[HYP_REGION3], h[HYP_SWITCH]);
	fprintf(out, "  %-22s protection %lu, page %lu, segment %lu, region/ASCE %lu, host %lu\n",
		"exits expected", x[G3X_PROTECTION], x[G3X_PAGE], x[G3X_SEGMENT], x[G3X_REGION],
		x[G3X_HOST]);
	fprintf(out,
		"  %-22s entries %lu, shadow faults %lu, -EAGAIN retries %lu, prefix re-maps %lu\n",
		"SIE", sum->v.entries, sum->v.shadow_faults, sum->v.eagain_retries,
		sum->v.prefix_remaps);
	fprintf(out,
		"  %-22s created %lu, reused %lu, removed %lu; shadowed r1 %lu, r2 %lu, r3 %lu,\n",
		"shadows", st->created, st->reused, st->removed, st->r1_entries, st->r2_entries,
		st->r3_entries);
	fprintf(out, "  %-22s segment %lu, page %lu; tables live %lu\n", "", st->sg_entries,
		st->pg_entries, st->tables_live);
	fprintf(out, "  %-22s r2t %lu, r3t %lu, sgt %lu, pgt %lu, page %lu; notifications %lu\n",
		"unshadows", st->unshadow_r2t, st->unshadow_r3t, st->unshadow_sgt, st->unshadow_pgt,
		st->unshadow_page, st->notifications);
	fprintf(out, "  %-22s live %lu, duplicates dropped %lu\n", "rmaps", st->rmaps_live,
		st->rmap_duplicates);
	fprintf(out, "  %-22s %lu, violations %lu\n", "shadow audits", atomic_load(&r->audits),
		atomic_load(&r->audit_violations));
}

static unsigned long io_count(const atomic_ulong *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/*
 * The swap file's I/O errors and what became of them: shown with
 * --swap-error-rate, or whenever the swap file really failed.
 */
static void print_swap_io_lines(const struct run *r, FILE *out)
{
	const struct mm_stats *m = &r->swap_stats;

	if (!(r->cfg.swap_error_rate > 0) && !m->swap_read_errors && !m->swap_write_errors)
		return;
	fprintf(out, "  %-22s %lu injected (rate %g per 1000 calls): read errors %lu,\n",
		"swap I/O", m->swap_io_injected, r->cfg.swap_error_rate, m->swap_read_errors);
	fprintf(out, "  %-22s write errors %lu, short transfers and EINTR resumed %lu\n", "",
		m->swap_write_errors, m->swap_io_resumed);
	fprintf(out, "  %-22s accesses %lu errors, %lu then done, %lu given up\n", "  retried",
		io_count(&r->io_errors[IO_ACCESS]), io_count(&r->io_recovered[IO_ACCESS]),
		io_count(&r->io_gave_up[IO_ACCESS]));
	fprintf(out, "  %-22s page-outs %lu errors, %lu then done, %lu left resident\n", "",
		io_count(&r->io_errors[IO_PAGEOUT]), io_count(&r->io_recovered[IO_PAGEOUT]),
		io_count(&r->io_gave_up[IO_PAGEOUT]));
	fprintf(out, "  %-22s host copies %lu errors, %lu then done, %lu given up\n", "",
		io_count(&r->io_errors[IO_HOST_COPY]), io_count(&r->io_recovered[IO_HOST_COPY]),
		io_count(&r->io_gave_up[IO_HOST_COPY]));
}

static void print_memory_lines(const struct run *r, const struct summary *sum, FILE *out)
{
	const struct mm_stats *m = &r->mm_stats;

	fprintf(out, "  %-22s frames %lu (%.1f MiB), swap slots %lu (%.1f MiB)\n", "memory",
		m->frames, m->frames * PAGE_SIZE / MIB, m->swap_slots,
		m->swap_slots * PAGE_SIZE / MIB);
	fprintf(out, "  %-22s host page tables %lu (%.1f MiB), host CRSTs %lu (%lu KiB)\n", "",
		m->page_tables, m->page_tables * HOST_PT_BYTES / MIB, m->crst_tables,
		m->crst_tables * CRST_BYTES / 1024);
	fprintf(out, "  %-22s gmap CRSTs %lu (%lu KiB, %lu segment%s linked), model %.1f MiB\n", "",
		r->gmap_tables, r->gmap_tables * CRST_BYTES / 1024, r->linked,
		r->linked == 1 ? "" : "s", sum->model_bytes / MIB);
	fprintf(out, "  %-22s %lu\n", "pages verified", r->pages_verified);
}

static void print_failure(const struct run_failure *f, FILE *out)
{
	fprintf(out, "  0x%lx: %s", f->addr, f->what);
	if (f->nbytes) {
		fputs(": expected", out);
		for (unsigned int i = 0; i < f->nbytes; i++)
			fprintf(out, " %02x", f->expected[i]);
		fputs(", actual", out);
		for (unsigned int i = 0; i < f->nbytes; i++)
			fprintf(out, " %02x", f->actual[i]);
	}
	fputc('\n', out);
}

/**
 * run_report() - print the summary table
 * @r:   the run, finished and verified
 * @out: where to
 */
void run_report(struct run *r, FILE *out)
{
	struct summary sum;
	char cmd[RUN_REPLAY_MAX];

	summarize(r, &sum);
	fprintf(out, "gmap run: %u vCPU%s, %lu MiB guest memory (%lu data pages), seed %lu\n",
		r->cfg.nvcpus, r->cfg.nvcpus == 1 ? "" : "s", r->cfg.guest_mem >> 20, r->lay.ndata,
		r->cfg.seed);
	print_access_lines(r, &sum, out);
	print_event_lines(r, &sum, out);
	if (r->cfg.nested)
		print_nested_lines(r, &sum, out);
	print_swap_io_lines(r, out);
	print_memory_lines(r, &sum, out);
	if (r->injected)
		fprintf(out, "  %-22s flipped the byte at 0x%lx\n", "--inject-corruption",
			r->injected);
	if (atomic_load(&r->stale_injected))
		fprintf(out, "  %-22s one unshadow skipped: guest-3 page 0x%lx remapped\n",
			"--inject-stale-shadow", (atomic_load(&r->stale_injected) - 1) & PAGE_MASK);
	if (r->interrupted)
		fprintf(out, "interrupted: by SIG%s after %lu accesses; what ran was verified\n",
			sigabbrev_np(r->interrupted), r->accesses);
	if (!r->nfailures) {
		fputs("integrity: OK\n", out);
		return;
	}
	fprintf(out, "integrity: FAILED, %lu failure%s%s\n", r->nfailures,
		r->nfailures == 1 ? "" : "s",
		r->nfailures > RUN_MAX_FAILURES ? ", the first:" : ":");
	for (unsigned long i = 0; i < r->nfailures && i < RUN_MAX_FAILURES; i++)
		print_failure(&r->failures[i], out);
	replay_command(r, cmd, sizeof(cmd));
	fprintf(out, "replay: %s\n", cmd);
	if (!r->cfg.deterministic)
		fputs("  (the same accesses and events, in turns drawn from the seed: this run's\n"
		      "  own interleaving was not recorded)\n",
		      out);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void json_bytes(FILE *out, const char *key, const unsigned char *b, unsigned int n)
{
	fprintf(out, ",\"%s\":\"", key);
	for (unsigned int i = 0; i < n; i++)
		fprintf(out, "%02x", b[i]);
	fputc('"', out);
}

static void json_failures(const struct run *r, FILE *out)
{
	fprintf(out, ",\"failures\":%lu,\"failure_list\":[", r->nfailures);
	for (unsigned long i = 0; i < r->nfailures && i < RUN_MAX_FAILURES; i++) {
		const struct run_failure *f = &r->failures[i];

		fprintf(out, "%s{\"addr\":\"0x%lx\",\"what\":", i ? "," : "", f->addr);
		json_string(out, f->what);
		if (f->nbytes) {
			json_bytes(out, "expected", f->expected, f->nbytes);
			json_bytes(out, "actual", f->actual, f->nbytes);
		}
		fputc('}', out);
	}
	fputc(']', out);
}

static void json_accesses(const struct run *r, const struct summary *sum, FILE *out)
{
	fprintf(out,
		"{\"seed\":%lu,\"vcpus\":%u,\"guest_mem\":%lu,\"data_pages\":%lu,\"seconds\":%.3f,"
		"\"accesses\":%lu,\"accesses_per_s\":%.0f,\"reads\":%lu,\"writes\":%lu,"
		"\"failed_writes\":%lu,\"reads_checked\":%lu,",
		r->cfg.seed, r->cfg.nvcpus, r->cfg.guest_mem, r->lay.ndata, r->elapsed, r->accesses,
		sum->per_s, sum->c.reads, sum->c.writes, sum->c.failed_writes, sum->c.checked);
	fprintf(out, "\"modes\":{\"absolute\":%lu,\"dat\":%lu,\"real\":%lu},",
		sum->c.mode[MODE_ABS], sum->c.mode[MODE_DAT], sum->c.mode[MODE_REAL]);
	fprintf(out,
		"\"tlb\":{\"hits\":%lu,\"misses\":%lu,\"hit_rate\":%.4f,\"purges\":%lu,"
		"\"precise_purges\":%lu,\"retries\":%lu},",
		sum->s.tlb_hits, sum->s.tlb_misses, sum->hit_rate, sum->s.purges,
		sum->s.precise_purges, sum->s.retries);
	fprintf(out,
		"\"faults\":{\"gmap\":%lu,\"host\":%lu,\"zero_fills\":%lu,\"swap_ins\":%lu},"
		"\"links\":%lu,\"unlinks\":%lu,\"gmap_unlink_calls\":%lu,\"notifier_calls\":%lu,"
		"\"prefix_refreshes\":%lu,",
		sum->s.faults, r->mm_stats.faults, r->mm_stats.zero_fills, r->mm_stats.swap_ins,
		sum->links, sum->unlinks, r->mm_stats.unlinks, r->notifier_calls,
		sum->s.prefix_refreshes);
}

static void json_events(const struct run *r, const struct summary *sum, FILE *out)
{
	const struct mm_stats *m = &r->mm_stats;

	fputs("\"events\":{", out);
	for (int e = 0; e < NR_EVENTS; e++)
		fprintf(out, "%s\"%s\":%lu", e ? "," : "", json_event[e], events(r, sum, e));
	fputs("},\"events_skipped\":{", out);
	for (int e = 0; e < NR_EVENTS; e++)
		fprintf(out, "%s\"%s\":%lu", e ? "," : "", json_event[e], skipped(r, sum, e));
	fprintf(out,
		"},\"host_mm\":{\"swap_outs\":%lu,\"swap_ins\":%lu,\"migrations\":%lu,"
		"\"discarded_pages\":%lu,\"iptes\":%lu,\"notifications\":%lu},",
		m->swap_outs, m->swap_ins, m->migrations, m->discards, m->iptes, m->notifications);
	fprintf(out,
		"\"pics\":{\"protection\":%lu,\"addressing\":%lu,\"page_translation\":%lu,"
		"\"unexpected\":%lu},",
		sum->c.pics[PIC_PROTECTION], sum->c.pics[PIC_ADDRESSING],
		sum->c.pics[PIC_PAGE_TRANSLATION], sum->c.unexpected);
}

static void json_memory(const struct run *r, const struct summary *sum, FILE *out)
{
	const struct mm_stats *m = &r->mm_stats;

	fprintf(out,
		"\"memory\":{\"frames\":%lu,\"frame_bytes\":%lu,\"swap_slots\":%lu,"
		"\"host_page_tables\":%lu,\"host_page_table_bytes\":%lu,\"host_crst_tables\":%lu,"
		"\"host_crst_bytes\":%lu,\"gmap_crst_tables\":%lu,\"gmap_crst_bytes\":%lu,"
		"\"linked_segments\":%lu,\"model_bytes\":%lu},\"pages_verified\":%lu",
		m->frames, m->frames * PAGE_SIZE, m->swap_slots, m->page_tables,
		m->page_tables * HOST_PT_BYTES, m->crst_tables, m->crst_tables * CRST_BYTES,
		r->gmap_tables, r->gmap_tables * CRST_BYTES, r->linked, sum->model_bytes,
		r->pages_verified);
}

static void json_swap_io(const struct run *r, FILE *out)
{
	static const char *const site[NR_IO_SITES] = { "accesses", "page_outs", "host_copies" };
	const struct mm_stats *m = &r->swap_stats;

	fprintf(out,
		",\"swap_io\":{\"error_rate\":%g,\"injected\":%lu,\"read_errors\":%lu,"
		"\"write_errors\":%lu,\"resumed\":%lu,\"retried\":{",
		r->cfg.swap_error_rate, m->swap_io_injected, m->swap_read_errors,
		m->swap_write_errors, m->swap_io_resumed);
	for (int s = 0; s < NR_IO_SITES; s++)
		fprintf(out, "%s\"%s\":{\"errors\":%lu,\"recovered\":%lu,\"gave_up\":%lu}",
			s ? "," : "", site[s], io_count(&r->io_errors[s]),
			io_count(&r->io_recovered[s]), io_count(&r->io_gave_up[s]));
	fputs("}}", out);
}

static void json_nested(const struct run *r, const struct summary *sum, FILE *out)
{
	const struct gmap_shadow_stats *st = &r->shadow_stats;
	const unsigned long *x = sum->c.g3_exits, *h = sum->c.hyp;

	fprintf(out,
		",\"nested\":{\"accesses\":%lu,\"accesses_per_s\":%.0f,"
		"\"guest2_accesses_per_s\":%.0f,\"reads_checked\":%lu,\"failed_writes\":%lu,"
		"\"swept_pages\":%lu,\"absolute\":%lu,\"real\":%lu,\"virtual\":%lu,"
		"\"guest3_pics\":%lu,\"cpu_accesses_per_s\":%.0f,"
		"\"single_level_cpu_accesses_per_s\":%.0f,\"nested_vs_single\":%.3f,",
		sum->c.g3_accesses - sum->c.g3_swept, sum->g3_per_s, sum->g2_per_s,
		sum->c.g3_checked, sum->c.g3_failed_writes, sum->c.g3_swept,
		sum->c.g3_kind[G3K_ABS], sum->c.g3_kind[G3K_REAL], sum->c.g3_kind[G3K_VIRT],
		sum->c.g3_own_pics, sum->g3_cpu_rate, sum->g2_cpu_rate,
		sum->g2_cpu_rate > 0 ? sum->g3_cpu_rate / sum->g2_cpu_rate : 0.0);
	fprintf(out,
		"\"table_changes\":{\"remap\":%lu,\"protect\":%lu,\"segment\":%lu,"
		"\"split\":%lu,\"join\":%lu,\"region3\":%lu,\"asce_switch\":%lu},",
		h[HYP_REMAP], h[HYP_PROTECT], h[HYP_SEGMENT], h[HYP_SPLIT], h[HYP_JOIN],
		h[HYP_REGION3], h[HYP_SWITCH]);
	fprintf(out,
		"\"exits\":{\"protection\":%lu,\"page_translation\":%lu,"
		"\"segment_translation\":%lu,\"region_or_asce\":%lu,\"host\":%lu,"
		"\"pgm\":%lu,\"validity\":%lu},",
		x[G3X_PROTECTION], x[G3X_PAGE], x[G3X_SEGMENT], x[G3X_REGION], x[G3X_HOST],
		sum->v.exits_pgm, sum->v.exits_validity);
	fprintf(out,
		"\"sie\":{\"entries\":%lu,\"shadow_acquires\":%lu,\"shadow_reuses\":%lu,"
		"\"shadow_faults\":%lu,\"eagain_retries\":%lu,\"prefix_remaps\":%lu},",
		sum->v.entries, sum->v.shadow_acquires, sum->v.shadow_reuses, sum->v.shadow_faults,
		sum->v.eagain_retries, sum->v.prefix_remaps);
	fprintf(out,
		"\"shadows\":{\"created\":%lu,\"reused\":%lu,\"removed\":%lu,"
		"\"r1_entries\":%lu,\"r2_entries\":%lu,\"r3_entries\":%lu,\"sg_entries\":%lu,"
		"\"pg_entries\":%lu,\"tables_live\":%lu,\"notifications\":%lu,"
		"\"rmaps_live\":%lu,\"rmap_duplicates\":%lu},",
		st->created, st->reused, st->removed, st->r1_entries, st->r2_entries,
		st->r3_entries, st->sg_entries, st->pg_entries, st->tables_live, st->notifications,
		st->rmaps_live, st->rmap_duplicates);
	fprintf(out,
		"\"unshadows\":{\"r2t\":%lu,\"r3t\":%lu,\"sgt\":%lu,\"pgt\":%lu,\"page\":%lu},"
		"\"audits\":%lu,\"audit_violations\":%lu}",
		st->unshadow_r2t, st->unshadow_r3t, st->unshadow_sgt, st->unshadow_pgt,
		st->unshadow_page, atomic_load(&r->audits), atomic_load(&r->audit_violations));
	if (atomic_load(&r->stale_injected))
		fprintf(out, ",\"stale_injected\":\"0x%lx\"",
			(atomic_load(&r->stale_injected) - 1) & PAGE_MASK);
}

/**
 * run_report_json() - print the summary as one JSON object on one line
 * @r:   the run, finished and verified
 * @out: where to
 */
void run_report_json(struct run *r, FILE *out)
{
	struct summary sum;
	char cmd[RUN_REPLAY_MAX];

	summarize(r, &sum);
	json_accesses(r, &sum, out);
	json_events(r, &sum, out);
	json_memory(r, &sum, out);
	json_swap_io(r, out);
	if (r->cfg.nested)
		json_nested(r, &sum, out);
	if (r->injected)
		fprintf(out, ",\"injected\":\"0x%lx\"", r->injected);
	json_failures(r, out);
	if (r->nfailures) {
		replay_command(r, cmd, sizeof(cmd));
		fputs(",\"replay\":", out);
		json_string(out, cmd);
	}
	if (r->interrupted)
		fprintf(out, ",\"interrupted\":true,\"signal\":\"SIG%s\"",
			sigabbrev_np(r->interrupted));
	else
		fputs(",\"interrupted\":false", out);
	fprintf(out, ",\"integrity\":\"%s\"}\n", r->nfailures ? "FAILED" : "OK");
}
