// SPDX-License-Identifier: GPL-2.0
/*
 * `gmap run`: runs a whole guest on the library and proves that nothing was
 * lost. This file parses the options and drives the scenario: set up (see
 * run_setup.c), start the vCPU threads (run_vcpu.c) and the host-event thread
 * (run_host.c), stop them after --duration or --ops, then compare every page
 * (run_verify.c) and print the summary (run_report.c).
 *
 * Determinism: every choice comes from --seed (per vCPU streams and one for
 * the host thread), and with --ops the host events are paced by accesses, so
 * a run with the same seed and --ops does the same accesses and the same events;
 * only their interleaving differs. With --deterministic the interleaving comes
 * from the seed too (run_sched.c), so the whole run repeats. Correctness never
 * depends on the interleaving: each vCPU checks only the pages it alone writes.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "run.h"

#define DEFAULT_DURATION    12.0
#define DEFAULT_MEM	    (1UL << 30)
#define MAX_DURATION	    86400.0
#define MAX_RATE	    1000.0
#define MAX_SWAP_ERROR_RATE 500.0 /* half the calls: beyond, retries stop making progress */
#define DEFAULT_PROGRESS    5.0	  /* seconds between progress lines when not on a terminal */

static const double default_rate[NR_EVENTS] = { 1.0, 1.0, 0.02, 0.02, 0.5 };
#define DEFAULT_G2_CHANGE_RATE 0.1 /* --nested: a table change per 10,000 guest-3 accesses */

/* clang-format off: the help text is laid out as it prints. */
static const char help_text[] =
	"usage: gmap run [options]\n"
	"\n"
	"Run a guest on libgmap and prove that nothing was lost. A host mm holds the\n"
	"guest's memory, mapped into a gmap in 1 MiB segments. One thread per vCPU reads\n"
	"and writes it (absolute, through the guest's own DAT tables, which the run builds\n"
	"in guest memory, and its own prefix area through real addresses 0-8 KiB) while\n"
	"a host thread pages out, migrates, mprotects and moves (munmap and mmap\n"
	"elsewhere) host memory, unmapping and remapping guest segments, and the vCPUs\n"
	"discard pages (DIAG 10). Each vCPU owns every nth data page and keeps a reference\n"
	"model of it: every write goes into the model, every read is checked at once,\n"
	"and at the end every page of guest memory is compared with what it must hold.\n"
	"The first MiB or more of guest memory holds the vCPUs' prefix areas and the\n"
	"guest's tables; data pages follow.\n"
	"Program interruptions the scenario causes on purpose (stores to pages the guest\n"
	"or, at that moment, the host protects; accesses while the host moves the\n"
	"segment; DAT accesses to pages the guest's PTE invalidates) are expected, the\n"
	"refused store did not happen; any other is a failure.\n"
	"\n"
	"options:\n"
	"  -d, --duration SECONDS  run this long (default %.0f; decimals allowed)\n"
	"  -n, --ops N             instead, do exactly N accesses in all\n"
	"  -c, --vcpus N           vCPU threads, 1 to %d (default: online CPUs, here %u)\n"
	"  -m, --guest-mem SIZE    guest memory, a multiple of 1 MiB from 16M to 16G;\n"
	"                          suffix K, M or G (default 1G). Frames are allocated\n"
	"                          as the guest touches pages; the reference model costs\n"
	"                          8 bytes per guest page (a 16G guest: 32 MiB) plus\n"
	"                          4 KiB per page written\n"
	"  -s, --seed N            seed of every random choice (default: from the clock;\n"
	"                          the summary shows it). The same seed and --ops give the\n"
	"                          same accesses and events, in another interleaving\n"
	"                          unless --deterministic; a failed run prints the\n"
	"                          command that replays it\n"
	"  host events per 1000 accesses, each rate from 0 (none) to 1000, decimals\n"
	"  allowed (the vCPUs wait when the host thread falls behind, so the ratios hold\n"
	"  on any machine):\n"
	"      --pageout-rate R    page-out of a host page to the swap file (default %g)\n"
	"      --migrate-rate R    migration of a host page to another frame (default %g)\n"
	"      --mprotect-rate R   PROT_READ on up to 64 pages of a segment, read-write\n"
	"                          again ~2000 accesses later (default %g)\n"
	"      --remap-rate R      moving a 1 MiB segment to a new host address: guest\n"
	"                          unmap, copy out, mmap, copy in, munmap, map (default %g)\n"
	"      --discard-rate R    discard of a page by the vCPU that owns it, which then\n"
	"                          reads zeroes (default %g)\n"
	"      --deterministic     the vCPU threads and the host thread take turns, one\n"
	"                          at a time, in an order drawn from the seed: the same\n"
	"                          --seed, --ops and options give the same run, every\n"
	"                          counter of the summary but the time included, so a\n"
	"                          failure can be replayed exactly (needs --ops; slower,\n"
	"                          the threads never run at once)\n"
	"      --nested            guest-2 runs guest-3 (vSIE): every other vCPU builds\n"
	"                          DAT tables for a guest-3 in guest-2 memory (segment,\n"
	"                          region-3, region-1 and real-space ASCEs, 1 MiB and\n"
	"                          2 GiB frames, protected ranges), runs guest-3's\n"
	"                          absolute, real and DAT-on accesses (its own prefix and\n"
	"                          tables) through shadow gmaps and changes the tables\n"
	"                          meanwhile (remap, protect, unmap, split, join, switch\n"
	"                          ASCE); every guest-3 byte and exit is predicted, and\n"
	"                          the shadows are audited against guest-2's tables\n"
	"      --g2-change-rate R  --nested: guest-2's changes of guest-3's tables per 1000\n"
	"                          guest-3 accesses, from 0 to 1000 (default %g); each\n"
	"                          unshadows what guest-3 then faults in again\n"
	"  -j, --json              print the summary as one JSON object instead\n"
	"      --inject-corruption self-test of the verifier: after the run, flip one byte\n"
	"                          of guest memory behind the vCPUs' back (mm_write); the\n"
	"                          run must then report it and exit 1\n"
	"      --inject-stale-shadow  self-test of the nested checks (implies --nested):\n"
	"                          one unshadow is skipped on purpose when guest-2 remaps\n"
	"                          a page; the audit must catch it and the run exit 1\n"
	"      --swap-error-rate R make R of every 1000 reads and writes of the host's\n"
	"                          swap file misbehave (0 to 500, decimals allowed; drawn\n"
	"                          from the seed): EIO, ENOSPC, short transfers, EINTR.\n"
	"                          A host I/O error is the host's problem: an access that\n"
	"                          gets -EIO is done again (the guest sees no PIC), a\n"
	"                          page-out that cannot write is tried again up to %d\n"
	"                          times, then the page stays resident. The run must\n"
	"                          still end with integrity OK; the summary counts the\n"
	"                          errors and how they were retried\n"
	"      --progress SECONDS  a progress line on standard error every SECONDS\n"
	"                          (decimals allowed, 0 for none); by default one is\n"
	"                          redrawn in place on a terminal, and written every %.0f s\n"
	"                          when standard error is not a terminal (a log, a CI job)\n"
	"  -h, --help              this text\n"
	"\n"
	"The summary gives accesses per second, the TLB hit rate, faults, links and\n"
	"unlinks, notifier calls, prefix refreshes, host events by kind, guest program\n"
	"interruptions, the memory used by frames and tables, and 'integrity: OK', or\n"
	"'integrity: FAILED' with the first failures: address, what happened, expected\n"
	"and actual bytes.\n"
	"Ctrl-C (SIGINT) or SIGTERM stops the vCPUs; what they did is verified and the\n"
	"summary is printed, marked interrupted; a second signal ends the command at once.\n"
	"\n"
	"Exit status: 0 integrity OK, 1 integrity failure or no memory to set up the\n"
	"guest, 2 bad usage or a summary that cannot be written, 128 + the signal's\n"
	"number (130 for SIGINT, 143 for SIGTERM) when a signal stopped a run whose\n"
	"integrity is OK.\n";
/* clang-format on */

static unsigned int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > RUN_MAX_VCPUS ? RUN_MAX_VCPUS : (unsigned int)n;
}

static void usage(FILE *out)
{
	fprintf(out, help_text, DEFAULT_DURATION, RUN_MAX_VCPUS, online_cpus(),
		default_rate[EV_PAGEOUT], default_rate[EV_MIGRATE], default_rate[EV_MPROTECT],
		default_rate[EV_REMAP], default_rate[EV_DISCARD], DEFAULT_G2_CHANGE_RATE,
		RUN_PAGEOUT_TRIES, DEFAULT_PROGRESS);
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("gmap run: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (try 'gmap run --help')\n", stderr);
	return EXIT_USAGE;
}

/* ---- option values ------------------------------------------------------------------------- */

static bool parse_ulong(const char *s, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !*end && !errno;
}

static bool parse_double(const char *s, double max, double *out)
{
	char *end;

	if ((*s < '0' || *s > '9') && *s != '.')
		return false;
	*out = strtod(s, &end);
	return !*end && isfinite(*out) && *out <= max;
}

/* Bytes with an optional K, M or G (binary) suffix. */
static bool parse_size(const char *s, unsigned long *out)
{
	static const char units[] = "KMG";
	const char *u;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno)
		return false;
	if (!*end)
		return true;
	/* A space would fold to NUL, which strchr() finds: the T of "KMG". */
	u = end[0] & ~0x20 ? strchr(units, end[0] & ~0x20) : NULL;
	/* The shift must not wrap a huge count around to a size in range. */
	if (!u || end[1] || *out > (~0UL >> (10 * (u - units + 1))))
		return false;
	*out <<= 10 * (u - units + 1);
	return true;
}

/* ---- options ------------------------------------------------------------------------------- */

enum {
	OPT_RATE = 256, /* + enum run_event */
	OPT_INJECT = OPT_RATE + NR_EVENTS,
	OPT_PROGRESS,
	OPT_DETERMINISTIC,
	OPT_NESTED,
	OPT_INJECT_STALE,
	OPT_G2_CHANGE_RATE,
	OPT_SWAP_ERROR_RATE,
};

static const struct option long_opts[] = {
	{ "duration", required_argument, NULL, 'd' },
	{ "ops", required_argument, NULL, 'n' },
	{ "vcpus", required_argument, NULL, 'c' },
	{ "guest-mem", required_argument, NULL, 'm' },
	{ "seed", required_argument, NULL, 's' },
	{ "pageout-rate", required_argument, NULL, OPT_RATE + EV_PAGEOUT },
	{ "migrate-rate", required_argument, NULL, OPT_RATE + EV_MIGRATE },
	{ "mprotect-rate", required_argument, NULL, OPT_RATE + EV_MPROTECT },
	{ "remap-rate", required_argument, NULL, OPT_RATE + EV_REMAP },
	{ "discard-rate", required_argument, NULL, OPT_RATE + EV_DISCARD },
	{ "json", no_argument, NULL, 'j' },
	{ "inject-corruption", no_argument, NULL, OPT_INJECT },
	{ "progress", required_argument, NULL, OPT_PROGRESS },
	{ "deterministic", no_argument, NULL, OPT_DETERMINISTIC },
	{ "nested", no_argument, NULL, OPT_NESTED },
	{ "inject-stale-shadow", no_argument, NULL, OPT_INJECT_STALE },
	{ "g2-change-rate", required_argument, NULL, OPT_G2_CHANGE_RATE },
	{ "swap-error-rate", required_argument, NULL, OPT_SWAP_ERROR_RATE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	const char *duration, *ops, *vcpus, *mem, *seed, *rate[NR_EVENTS], *progress;
	const char *g2_change_rate;
	const char *swap_error_rate;
};

/* Collect the option strings. Returns -1 to go on, else an exit status. */
static int get_opts(int argc, char **argv, struct opts *o, struct run_config *cfg)
{
	char name[3];
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":d:n:c:m:s:jh", long_opts, NULL)) != -1) {
		if (c >= OPT_RATE && c < OPT_RATE + NR_EVENTS) {
			o->rate[c - OPT_RATE] = optarg;
			continue;
		}
		switch (c) {
		case 'd':
			o->duration = optarg;
			break;
		case 'n':
			o->ops = optarg;
			break;
		case 'c':
			o->vcpus = optarg;
			break;
		case 'm':
			o->mem = optarg;
			break;
		case 's':
			o->seed = optarg;
			break;
		case 'j':
			cfg->json = true;
			break;
		case OPT_INJECT:
			cfg->inject_corruption = true;
			break;
		case OPT_PROGRESS:
			o->progress = optarg;
			break;
		case OPT_DETERMINISTIC:
			cfg->deterministic = true;
			break;
		case OPT_INJECT_STALE: /* the self-test needs a nested run */
			cfg->inject_stale = true;
			cfg->nested = true;
			break;
		case OPT_NESTED:
			cfg->nested = true;
			break;
		case OPT_G2_CHANGE_RATE:
			o->g2_change_rate = optarg;
			break;
		case OPT_SWAP_ERROR_RATE:
			o->swap_error_rate = optarg;
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
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return -1;
}

static unsigned long clock_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return run_seed_mix((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec) %
		       1000000000UL +
	       1;
}

static int set_length(const struct opts *o, struct run_config *cfg)
{
	if (o->duration && o->ops)
		return usage_error("%s", "--duration and --ops exclude each other");
	cfg->duration = DEFAULT_DURATION;
	if (o->duration &&
	    (!parse_double(o->duration, MAX_DURATION, &cfg->duration) || cfg->duration <= 0))
		return usage_error("--duration '%s' is not a number of seconds above 0",
				   o->duration);
	if (o->ops && (!parse_ulong(o->ops, &cfg->ops) || !cfg->ops))
		return usage_error("--ops '%s' is not a positive decimal number", o->ops);
	if (cfg->deterministic && !o->ops)
		return usage_error("%s", "--deterministic needs --ops: a duration depends on the "
					 "machine's speed");
	if (cfg->ops)
		cfg->duration = 0;
	return -1;
}

static int set_machine(const struct opts *o, struct run_config *cfg)
{
	unsigned long v;

	cfg->nvcpus = online_cpus();
	if (o->vcpus) {
		if (!parse_ulong(o->vcpus, &v) || !v || v > RUN_MAX_VCPUS)
			return usage_error("--vcpus '%s' is not a number from 1 to 64", o->vcpus);
		cfg->nvcpus = (unsigned int)v;
	}
	cfg->guest_mem = DEFAULT_MEM;
	if (o->mem && (!parse_size(o->mem, &cfg->guest_mem) || cfg->guest_mem < RUN_MIN_MEM ||
		       cfg->guest_mem > RUN_MAX_MEM || (cfg->guest_mem & ~_SEGMENT_MASK)))
		return usage_error("--guest-mem '%s' is not a multiple of 1M from 16M to 16G",
				   o->mem);
	cfg->seed = clock_seed();
	if (o->seed && !parse_ulong(o->seed, &cfg->seed))
		return usage_error("--seed '%s' is not a decimal number", o->seed);
	return -1;
}

/* A redrawn line on a terminal, else a line every DEFAULT_PROGRESS seconds. */
static int set_progress(const struct opts *o, struct run_config *cfg)
{
	cfg->progress = isatty(STDERR_FILENO) ? -1 : DEFAULT_PROGRESS;
	if (o->progress && !parse_double(o->progress, MAX_DURATION, &cfg->progress))
		return usage_error("--progress '%s' is not a number of seconds", o->progress);
	return -1;
}

static int set_rates(const struct opts *o, struct run_config *cfg)
{
	static const char *const names[NR_EVENTS] = { "--pageout-rate", "--migrate-rate",
						      "--mprotect-rate", "--remap-rate",
						      "--discard-rate" };
	char fmt[96];

	for (int e = 0; e < NR_EVENTS; e++) {
		cfg->rate[e] = default_rate[e];
		if (o->rate[e] && !parse_double(o->rate[e], MAX_RATE, &cfg->rate[e])) {
			snprintf(fmt, sizeof(fmt), "%s '%%s' is not a rate from 0 to 1000",
				 names[e]);
			return usage_error(fmt, o->rate[e]);
		}
	}
	cfg->g2_change_rate = DEFAULT_G2_CHANGE_RATE;
	if (o->g2_change_rate && !parse_double(o->g2_change_rate, MAX_RATE, &cfg->g2_change_rate))
		return usage_error("--g2-change-rate '%s' is not a rate from 0 to 1000",
				   o->g2_change_rate);
	if (o->swap_error_rate &&
	    !parse_double(o->swap_error_rate, MAX_SWAP_ERROR_RATE, &cfg->swap_error_rate))
		return usage_error("--swap-error-rate '%s' is not a rate from 0 to 500",
				   o->swap_error_rate);
	return -1;
}

/* Returns -1 with @cfg filled in, else an exit status. */
static int parse_options(int argc, char **argv, struct run_config *cfg)
{
	struct opts o = { 0 };
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	rc = get_opts(argc, argv, &o, cfg);
	if (rc < 0)
		rc = set_length(&o, cfg);
	if (rc < 0)
		rc = set_machine(&o, cfg);
	if (rc < 0)
		rc = set_rates(&o, cfg);
	if (rc < 0)
		rc = set_progress(&o, cfg);
	return rc;
}

/* ---- the run ------------------------------------------------------------------------------- */

static int start_threads(struct run *r)
{
	unsigned int k;
	int rc;

	atomic_store(&r->running, r->cfg.nvcpus);
	if (r->cfg.deterministic)
		run_sched_init(&r->sched, r->cfg.seed, r->cfg.nvcpus + 1);
	rc = pthread_create(&r->host_thread, NULL, run_host_thread, r);
	r->host_started = !rc;
	for (k = 0; !rc && k < r->cfg.nvcpus; k++) {
		rc = pthread_create(&r->vcpus[k].thread, NULL, run_vcpu_thread, &r->vcpus[k]);
		r->vcpus_started += !rc;
	}
	if (rc) {
		/* The ones that started stop at once; the others never ran. */
		atomic_store(&r->stop, true);
		atomic_fetch_sub(&r->running, r->cfg.nvcpus - r->vcpus_started);
		/* Nobody waits for the turn of a thread that never started. */
		for (k = r->vcpus_started; r->cfg.deterministic && k < r->cfg.nvcpus; k++)
			run_sched_leave(&r->sched, k);
		if (r->cfg.deterministic && !r->host_started)
			run_sched_leave(&r->sched, r->cfg.nvcpus);
	}
	return -rc;
}

/*
 * The signal that asks the run to stop (SIGINT, SIGTERM), or 0. An atomic, not
 * a volatile sig_atomic_t: the handler may run on any thread, and a lock-free
 * atomic is both async-signal-safe and free of a data race with the main thread.
 */
static atomic_int stop_signal;

static void on_stop_signal(int sig)
{
	atomic_store(&stop_signal, sig);
}

/*
 * Ctrl-C or SIGTERM: stop the workload, verify what ran and report it. The
 * handler is reset by the first signal, so a second one ends the process at
 * once, as usual.
 */
static void catch_stop_signals(bool on)
{
	struct sigaction sa = { .sa_handler = on ? on_stop_signal : SIG_DFL,
				.sa_flags = on ? SA_RESETHAND : 0 };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Poll in small steps until the vCPUs are done, the duration is over or a signal came. */
static void wait_for_vcpus(struct run *r, double t0)
{
	struct timespec step = { 0, 10 * 1000 * 1000 };
	double t, every = r->cfg.progress < 0 ? 0.25 : r->cfg.progress, shown = 0;
	enum run_progress_style style = r->cfg.progress < 0 ? PROGRESS_REDRAW : PROGRESS_LINE;

	while (atomic_load(&r->running)) {
		nanosleep(&step, NULL);
		t = run_now() - t0;
		if ((r->cfg.duration && t >= r->cfg.duration) || atomic_load(&stop_signal))
			atomic_store(&r->stop, true);
		if (every && t - shown >= every) {
			run_progress(r, t, style);
			shown = t;
		}
	}
	if (style == PROGRESS_REDRAW)
		run_progress(r, 0, PROGRESS_ERASE);
}

/*
 * Run the threads; returns 0 or the errno of a thread that could not start.
 * The host thread catches up with the vCPUs' last accesses after they stop.
 */
static int run_threads(struct run *r)
{
	double t0 = run_now();
	int rc = start_threads(r);

	if (!rc)
		wait_for_vcpus(r, t0);
	for (unsigned int k = 0; k < r->vcpus_started; k++)
		pthread_join(r->vcpus[k].thread, NULL);
	r->elapsed = run_now() - t0;
	r->accesses = run_total_accesses(r);
	atomic_store(&r->vcpus_done, true);
	if (r->host_started)
		pthread_join(r->host_thread, NULL);
	if (r->cfg.deterministic)
		run_sched_destroy(&r->sched);
	return rc;
}

/*
 * --swap-error-rate: every swap pread/pwrite from now on misbehaves with that
 * probability, drawn from a stream of its own seeded from the run's seed.
 */
static void start_swap_errors(struct run *r)
{
	struct mm_swap_inject in = {
		.calls = MM_SWAP_INJECT_READ | MM_SWAP_INJECT_WRITE,
		.per_million = (unsigned int)(r->cfg.swap_error_rate * 1000.0 + 0.5),
		.seed = run_seed_mix(r->cfg.seed ^ 0x5a9e110UL),
	};

	if (in.per_million)
		mm_swap_inject(r->mm, &in);
}

/* Counters first: the final comparison reads pages back in from swap. */
static void finish(struct run *r)
{
	mm_get_stats(r->mm, &r->mm_stats);
	r->gmap_tables = run_gmap_tables(r, &r->linked);
	r->notifier_calls = run_notifier_calls();
	if (r->cfg.nested) {
		gmap_shadow_get_stats(&r->shadow_stats);
		run_audit_shadows(r, "at the end");
		if (r->cfg.inject_stale && !atomic_load(&r->stale_injected))
			run_fail(r, 0, "--inject-stale-shadow: no page was remapped to inject it");
	}
	if (r->cfg.inject_corruption)
		run_inject_corruption(r);
	run_verify_all(r);
	/* The swap file's counters include the final comparison's retries. */
	mm_get_stats(r->mm, &r->swap_stats);
	mm_swap_inject(r->mm, NULL);
}

/* Print the summary; returns false if it could not be written. */
static bool report(struct run *r)
{
	if (r->cfg.json)
		run_report_json(r, stdout);
	else
		run_report(r, stdout);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "gmap run: cannot write the summary\n");
		return false;
	}
	return true;
}

int cmd_run(int argc, char **argv)
{
	struct run_config cfg;
	struct run *r;
	int rc = parse_options(argc, argv, &cfg);

	if (rc >= 0)
		return rc;
	r = calloc(1, sizeof(*r));
	if (!r)
		return 1;
	r->cfg = cfg;
	catch_stop_signals(true);
	rc = run_setup(r);
	if (!rc) {
		start_swap_errors(r);
		run_notifier_start(r);
		rc = run_threads(r);
		if (rc)
			run_fail(r, 0, "cannot start a thread: %s", strerror(-rc));
		finish(r);
		run_notifier_stop();
		r->interrupted = atomic_load(&stop_signal);
		rc = r->nfailures ? 1 : r->interrupted ? 128 + r->interrupted : 0;
		if (!report(r) && !rc)
			rc = EXIT_USAGE;
	} else {
		fprintf(stderr, "gmap run: cannot set up the guest: %s\n", strerror(-rc));
		rc = 1;
	}
	catch_stop_signals(false);
	run_teardown(r);
	free(r);
	return rc;
}
