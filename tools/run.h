/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `gmap run`: the state shared by the scenario's parts. cmd_run.c parses the
 * options and drives; run_setup.c builds the host mm, the gmap and the guest's
 * tables; run_vcpu.c is the vCPU threads' workload with its reference model;
 * run_nested.c is guest-3 for --nested (guest-2's tables for it, its accesses
 * and guest-2's changes; guest-3's own prefix and DAT tables in run_nested_g3.c,
 * the checks and the shadow audits in run_nested_check.c); run_host.c is the host-event thread;
 * run_verify.c records failures and does the final comparison; run_report.c
 * prints the progress line and the summary; run_sched.c makes the threads take
 * turns for --deterministic; run_common.c holds the PRNG, the layout lookups
 * and the clock they all use.
 */
#ifndef GMAP_TOOLS_RUN_H
#define GMAP_TOOLS_RUN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <gmap/vcpu.h>

#include "run_common.h"

#define RUN_MAX_VCPUS	 64
#define RUN_MIN_MEM	 (16UL << 20)
#define RUN_MAX_MEM	 (16UL << 30)
#define RUN_MAX_FAILURES 16 /* failures kept for the report; all are counted */
#define RUN_SHOW_BYTES	 8  /* bytes shown of a mismatch */

/*
 * --swap-error-rate: a call that failed with a host I/O error (-EIO, -ENOSPC) is
 * tried again up to RUN_IO_TRIES times in all; a page-out only RUN_PAGEOUT_TRIES
 * times, after which its page simply stays resident, as a kernel keeps a page
 * whose write-back failed.
 */
#define RUN_IO_TRIES	  1000
#define RUN_PAGEOUT_TRIES 4

/* Who saw a host I/O error, for the summary. */
enum run_io_site {
	IO_ACCESS,    /* vCPU accesses: guest-2, guest-3, guest-2's table stores, SIE entry */
	IO_PAGEOUT,   /* the host thread's page-outs */
	IO_HOST_COPY, /* mm_read()/mm_write() of the host thread (remap) and the final check */
	NR_IO_SITES
};

/* How far (in accesses) the vCPUs may run ahead of the host thread's events. */
#define RUN_PACE_SLACK (1UL << 16)

/* Where the guest's DAT window starts: region-third index 512 of a 4 TiB space. */
#define RUN_VBASE (1UL << 40)

/*
 * --nested: guest-3's absolute storage as guest-2's tables describe it, per
 * nested vCPU: G3_NSEG segments from guest-3 address 0, through one chain of
 * region-first, region-second, region-third and segment tables and a page table
 * per segment, all in guest-2's reserved area (G3_BLOCK bytes per vCPU, see
 * run_nested.h), which also holds guest-3's prefix pages, its own DAT tables and
 * the second segment table of the EDAT-2 region-third entry.
 */
#define G3_NSEG	 8
#define G3_BLOCK (0x20000UL)
/* A guest-2 table change when 20 bits of a guest-3 step fall below r->g2_change_below. */
#define G3_CHANGE_BITS 0xfffffUL

/* How guest-2 hands guest-3 its storage: the ASCE it enters SIE with. */
enum g3_space { G3_SEGMENT, G3_REGION3, G3_REGION1, G3_REAL, NR_G3_SPACES };

/* How guest-3 addresses storage: absolute, real (its prefix applied), virtual (its own DAT). */
enum g3_kind { G3K_ABS, G3K_REAL, G3K_VIRT, NR_G3_KINDS };

/* Guest-2's changes of guest-3's tables while guest-3 runs (its IPTE/IDTE work). */
enum g3_change {
	HYP_REMAP,   /* a PTE: another page, invalid or protected */
	HYP_PROTECT, /* a PTE's or segment entry's protection toggled */
	HYP_SEGMENT, /* a segment unmapped, mapped as a 1 MiB frame or through its page table */
	HYP_SPLIT,   /* a large frame split: 1 MiB into 4 KiB pages, 2 GiB into 1 MiB frames */
	HYP_JOIN,    /* the reverse: a page table or segment table replaced by its large frame */
	HYP_REGION3, /* the EDAT-2 region-third entry unmapped or mapped as a 2 GiB frame */
	HYP_SWITCH,  /* another ASCE: SIE entry with another shadow */
	NR_HYP
};

/* Exits to guest-2 (VSIE_EXIT_PGM | pic) that guest-3 accesses provoke, by cause. */
enum g3_exit {
	G3X_PROTECTION, /* guest-2's DAT protection */
	G3X_PAGE,	/* guest-2's PTE invalid */
	G3X_SEGMENT,	/* guest-2's segment entry invalid, or beyond the segment table */
	G3X_REGION,	/* beyond guest-2's region tables, or the ASCE type's reach */
	G3X_HOST,	/* the host moves or protects the guest-2 page (addressing, protection) */
	NR_G3_EXITS
};

/* Host events. Discards are done by the vCPUs (DIAG 10), the others by the host thread. */
enum run_event { EV_PAGEOUT, EV_MIGRATE, EV_MPROTECT, EV_REMAP, EV_DISCARD, NR_EVENTS };

/* How a vCPU addresses storage. */
enum run_mode { MODE_ABS, MODE_DAT, MODE_REAL, NR_MODES };

/* Program interruptions that the scenario provokes on purpose. */
enum run_pic { PIC_PROTECTION, PIC_ADDRESSING, PIC_PAGE_TRANSLATION, NR_RUN_PICS };

/* Guest PTE attribute of a data page in the DAT window. */
enum run_attr { ATTR_RW, ATTR_RO, ATTR_INVALID };

struct run_config {
	unsigned long seed;
	double duration;   /* seconds, when ops is 0 */
	unsigned long ops; /* total accesses, or 0 */
	unsigned int nvcpus;
	unsigned long guest_mem; /* bytes, a multiple of 1 MiB */
	double rate[NR_EVENTS];	 /* events per 1000 accesses */
	bool json;
	bool inject_corruption;
	bool deterministic;	/* the threads take turns in an order drawn from the seed */
	bool nested;		/* even vCPUs run guest-3 through shadow gmaps (run_nested.c) */
	bool inject_stale;	/* --inject-stale-shadow: skip one unshadow on purpose */
	double g2_change_rate;	/* --nested: guest-2 table changes per 1000 guest-3 accesses */
	double swap_error_rate; /* --swap-error-rate: swap I/O calls misbehaving per 1000 */
	double progress; /* seconds between progress lines, 0: none, < 0: redraw (a terminal) */
};

/*
 * Guest absolute storage: [0, reserved) holds the prefix areas and the guest's
 * DAT tables and is never a data page; [reserved, guest_mem) is data page 0 on.
 */
struct run_layout {
	unsigned long guest_mem;
	unsigned long reserved;
	unsigned long tables;	  /* first table: the region-third table */
	unsigned long tables_end; /* guest-3's tables (--nested) included */
	unsigned long g3_tables;  /* --nested: vCPU k's guest-3 block at g3_tables + k * G3_BLOCK */
	unsigned long sto;	  /* first segment table */
	unsigned long pto;	  /* first page table */
	unsigned long asce;	  /* the guest's region-third ASCE */
	unsigned long ndata;	  /* data pages */
	unsigned long stride;	  /* window page i maps data page (i * stride + shift) % ndata */
	unsigned long shift;
	uint32_t *window_of;  /* data page -> window page */
	uint8_t *attr;	      /* data page -> enum run_attr */
	unsigned char *image; /* what the reserved area must hold: tables, lowcores */
};

struct run_counts {
	unsigned long reads, writes, mode[NR_MODES];
	unsigned long checked;	     /* successful reads compared with the model */
	unsigned long failed_writes; /* writes refused with an expected PIC: not applied */
	unsigned long pics[NR_RUN_PICS];
	unsigned long unexpected; /* PICs or errors nothing explains, successes that must fail */
	unsigned long discards, discards_deferred;
	/* --nested */
	unsigned long g3_accesses, g3_checked, g3_failed_writes;
	unsigned long g3_kind[NR_G3_KINDS]; /* guest-3 accesses by how it addressed storage */
	unsigned long g3_own_pics;	    /* guest-3's own DAT exceptions, as predicted */
	unsigned long g3_exits[NR_G3_EXITS];
	unsigned long hyp[NR_HYP];
	unsigned long g3_swept;	       /* guest-3 pages read back at the end */
	unsigned long steps, g3_steps; /* workload steps; of them guest-3's (nested vCPUs) */
};

struct run;

struct run_vcpu {
	struct run *run;
	unsigned int id;
	pthread_t thread;
	struct vcpu *vcpu;
	uint64_t rng;
	/*
	 * The model of its data pages d (d % nvcpus == id): page d / nvcpus, or NULL
	 * while that page holds zeroes (never written, or discarded). Sparse: 8 bytes
	 * per owned page, 4 KiB more per page written.
	 */
	unsigned char **ref;
	unsigned long nown;			 /* data pages it owns */
	unsigned long ref_pages;		 /* pages of @ref allocated */
	unsigned char lowcore[PREFIX_AREA_SIZE]; /* the model of its prefix area */
	unsigned long hot[32];			 /* its hot set (own data pages) */
	unsigned long cursor;			 /* sequential walk over its own pages */
	unsigned long quota;			 /* --ops: accesses to do (may be 0) */
	unsigned int turn_left;			 /* --deterministic: accesses left in this turn */
	bool nested;				 /* runs guest-3 (in SIE) most of the time */
	enum g3_space space;			 /* the ASCE guest-2 gave guest-3 */
	unsigned long g3;			 /* its guest-3 block (guest-2 absolute) */
	struct vsie_stats vsie;
	atomic_ulong done;   /* accesses done, for progress and pacing */
	atomic_ulong last;   /* data page last touched: a target for host events */
	struct run_counts c; /* private until joined */
	double cpu_s;	     /* CPU time of its workload (CLOCK_THREAD_CPUTIME_ID), seconds */
	struct vcpu_stats stats;
	int rc; /* setup failure in the thread */
};

/* A failure for the report: what happened where, and for mismatches the bytes. */
struct run_failure {
	char what[160];
	unsigned long addr;
	unsigned int nbytes; /* 0 unless a mismatch */
	unsigned char expected[RUN_SHOW_BYTES], actual[RUN_SHOW_BYTES];
};

/* Turns for --deterministic (run_sched.c): participants are the vCPUs, then the host thread. */
struct run_sched {
	pthread_mutex_t lock;
	pthread_cond_t cond[RUN_MAX_VCPUS + 1];
	bool alive[RUN_MAX_VCPUS + 1];
	unsigned int n, nalive;
	unsigned int turn;    /* who runs now */
	unsigned int quantum; /* accesses of this turn, for a vCPU */
	uint64_t rng;
};

struct run {
	struct run_config cfg;
	struct run_layout lay;
	struct mm_struct *mm;
	struct gmap *gmap;
	unsigned long nseg;	 /* guest segments */
	unsigned long *seg_host; /* guest segment -> host address (host thread, then main) */
	atomic_ulong *seg_seq;	 /* odd while the guest segment is unmapped */
	atomic_int *seg_discard; /* >0: vCPUs discarding in it, -1: being moved */
	atomic_ulong prot_seq;	 /* odd while a host mprotect(PROT_READ) interval is on */
	atomic_ulong prot_start; /* its guest range */
	atomic_ulong prot_end;
	struct run_vcpu *vcpus;
	atomic_bool stop;	/* vCPUs: stop now */
	atomic_bool vcpus_done; /* host thread: catch up with the accesses, then stop */
	atomic_ulong covered;	/* accesses the host thread has caught up with */
	atomic_uint running;	/* vCPU threads still running */
	unsigned int vcpus_started;
	bool host_started;
	pthread_t host_thread;
	unsigned long events[NR_EVENTS];  /* host thread: done; discards summed from vCPUs */
	unsigned long skipped[NR_EVENTS]; /* page has no frame (page-out, migrate) */
	unsigned long unmapped_linked;	  /* guest segments unmapped while linked */
	unsigned char *move_buf;	  /* host thread: a segment's contents */
	pthread_mutex_t fail_lock;
	unsigned long nfailures;
	struct run_failure failures[RUN_MAX_FAILURES];
	unsigned long pages_verified;
	double elapsed;		  /* seconds the vCPUs ran */
	unsigned long accesses;	  /* what they did */
	struct mm_stats mm_stats; /* snapshots taken when the threads are done */
	unsigned long gmap_tables, linked;
	unsigned long notifier_calls;
	unsigned long injected;	     /* --inject-corruption: the guest address changed */
	atomic_ulong stale_injected; /* --inject-stale-shadow: guest-3 address + 1, or 0 */
	struct gmap_shadow_stats shadow_stats;
	unsigned long g2_change_below; /* cfg.g2_change_rate / 1000 * 2^20 */
	atomic_ulong audits, audit_violations;
	/* Host I/O errors by site: seen, retried with success, given up (see RUN_IO_TRIES). */
	atomic_ulong io_errors[NR_IO_SITES], io_recovered[NR_IO_SITES], io_gave_up[NR_IO_SITES];
	struct mm_stats swap_stats; /* the mm's counters after the final check */
	int interrupted;	    /* the signal (SIGINT, SIGTERM) that stopped the run, or 0 */
	struct run_sched sched;	    /* --deterministic */
};

/* ---- run_setup.c ---- */
int run_setup(struct run *r);
void run_put_entry(unsigned char *image, unsigned long gaddr, unsigned long val);
void run_teardown(struct run *r);
unsigned long run_gmap_tables(const struct run *r, unsigned long *linked);

/* ---- run_vcpu.c ---- */
void *run_vcpu_thread(void *arg);

/* ---- run_sched.c ---- */
void run_sched_init(struct run_sched *s, unsigned long seed, unsigned int n);
void run_sched_destroy(struct run_sched *s);
unsigned int run_sched_wait(struct run_sched *s, unsigned int id);
unsigned int run_sched_yield(struct run_sched *s, unsigned int id);
void run_sched_leave(struct run_sched *s, unsigned int id);
bool run_sched_only(struct run_sched *s, unsigned int id);

/* ---- run_host.c ---- */
void *run_host_thread(void *arg);
void run_notifier_start(struct run *r);
void run_notifier_stop(void);
unsigned long run_notifier_calls(void);

/* ---- run_verify.c ---- */
void run_fail(struct run *r, unsigned long addr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void run_mismatch(struct run *r, unsigned long addr, const unsigned char *expected,
		  const unsigned char *actual, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void run_verify_all(struct run *r);
void run_inject_corruption(struct run *r);

/* ---- run_report.c ---- */
enum run_progress_style { PROGRESS_REDRAW, PROGRESS_LINE, PROGRESS_ERASE };
void run_progress(struct run *r, double elapsed, enum run_progress_style style);
void run_report(struct run *r, FILE *out);
void run_report_json(struct run *r, FILE *out);

/* ---- run_nested.c ---- */
void run_nested_plan(struct run_layout *l, unsigned int nvcpus);
void run_nested_build(struct run *r);
int run_nested_start(struct run_vcpu *v);
void run_nested_step(struct run_vcpu *v, uint64_t x);
void run_nested_sweep(struct run_vcpu *v);
long run_audit_shadows(struct run *r, const char *when);

/* ---- run_common.c (with run_common.h): lookups over the run's state ---- */
bool run_io_retry(struct run *r, enum run_io_site site, int rc, unsigned int *tries);
void run_io_done(struct run *r, enum run_io_site site, int rc, unsigned int tries);
unsigned long run_host_addr(const struct run *r, unsigned long gaddr);
unsigned long run_total_accesses(struct run *r);
const unsigned char *run_model(const struct run *r, unsigned long d);
unsigned char *run_model_for_write(struct run_vcpu *v, unsigned long d);
void run_model_zero(struct run_vcpu *v, unsigned long d);
void run_pick_span(struct run_vcpu *v, size_t span, unsigned long *off, size_t *len);
void run_fill(struct run_vcpu *v, unsigned char *buf, size_t len);
unsigned long run_own_page(const struct run_vcpu *v, unsigned long k);
unsigned long run_pick_page(struct run_vcpu *v);
bool run_host_read_only(struct run *r, unsigned long gaddr, unsigned long before,
			unsigned long after);

#endif /* GMAP_TOOLS_RUN_H */
