// SPDX-License-Identifier: GPL-2.0
/*
 * `gmap run` end to end: the built command runs a short scenario with a fixed
 * seed and a fixed number of accesses, and its JSON must say that every access
 * was done, every kind of host event happened, nothing unexpected was seen and
 * every page was verified. Two runs with one seed must do the same accesses and
 * the same events; with --deterministic, the same everything. The verifier's self-test
 * (--inject-corruption) must make the run fail and name the changed byte. --nested runs guest-3
 * through shadow gmaps with every exit predicted; its self-test (--inject-stale-shadow) must fail.
 * Bad options give one line and exit 2.
 *
 * argv[1] is the path of the gmap executable (meson passes it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define OPS "100000"

static const char *gmap_path;
/* Seconds after which a run's child is killed (0: never): a hang must fail, not stall. */
static unsigned int child_alarm;

struct output {
	int status;
	char *out, *err;
	long maxrss_kib; /* the child's peak resident set */
};

static char *slurp(FILE *f)
{
	long len;
	char *buf;

	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return buf;
}

/* Run `gmap run ARGS...` (NULL-terminated) with its output in anonymous files. */
static struct output gmap_run(const char *arg, ...)
{
	const char *argv[40] = { gmap_path, "run" };
	FILE *out = tmpfile(), *err = tmpfile();
	struct output o;
	struct rusage ru;
	int argc = 2, status;
	va_list ap;
	pid_t pid;

	assert_non_null(out);
	assert_non_null(err);
	va_start(ap, arg);
	for (const char *a = arg; a; a = va_arg(ap, const char *)) {
		assert_true(argc < 39); /* room for the NULL that ends argv */
		argv[argc++] = a;
	}
	va_end(ap);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		if (dup2(fileno(out), 1) < 0 || dup2(fileno(err), 2) < 0)
			_exit(126);
		alarm(child_alarm);
		execv(gmap_path, (char **)argv);
		_exit(127);
	}
	assert_int_equal(wait4(pid, &status, 0, &ru), pid);
	assert_true(WIFEXITED(status));
	o.status = WEXITSTATUS(status);
	o.maxrss_kib = ru.ru_maxrss;
	o.out = slurp(out);
	o.err = slurp(err);
	return o;
}

static void output_free(struct output *o)
{
	free(o->out);
	free(o->err);
}

/*
 * The number after "key": in @json, looked for inside the object "section":{...}
 * when @section is given. Enough JSON for the command's flat output.
 */
static unsigned long json_num(const char *json, const char *section, const char *key)
{
	char pat[64];
	const char *p = json;
	char *end;
	unsigned long v;

	if (section) {
		snprintf(pat, sizeof(pat), "\"%s\":{", section);
		p = strstr(p, pat);
		assert_non_null(p);
	}
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(p, pat);
	if (!p)
		fail_msg("no \"%s\" in %s", key, json);
	v = strtoul(p + strlen(pat), &end, 10);
	assert_true(end > p + strlen(pat));
	return v;
}

static const char *const events[] = { "pageout", "migrate", "mprotect", "remap", "discard" };

static void test_json_ops(void **state)
{
	struct output o = gmap_run("--ops", OPS, "--seed", "1", "--json", "--progress", "0", NULL);
	unsigned long pages;

	(void)state;
	if (o.status)
		fail_msg("exit %d: %s%s", o.status, o.out, o.err);
	assert_string_equal(o.err, "");
	/* One JSON object on one line. */
	assert_int_equal(o.out[0], '{');
	assert_ptr_equal(strchr(o.out, '\n'), o.out + strlen(o.out) - 1);
	assert_non_null(strstr(o.out, "\"integrity\":\"OK\"}"));
	assert_int_equal(json_num(o.out, NULL, "accesses"), strtoul(OPS, NULL, 10));
	assert_int_equal(json_num(o.out, NULL, "failures"), 0);
	assert_int_equal(json_num(o.out, "pics", "unexpected"), 0);
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (!json_num(o.out, "events", events[i]))
			fail_msg("no %s event: %s", events[i], o.out);
	/* The scenario provokes each expected kind of program interruption. */
	assert_true(json_num(o.out, "pics", "protection") > 0);
	assert_true(json_num(o.out, "pics", "page_translation") > 0);
	assert_true(json_num(o.out, "modes", "dat") > 0);
	assert_true(json_num(o.out, "modes", "real") > 0);
	assert_true(json_num(o.out, NULL, "reads_checked") > 0);
	/* 1 GiB by default: every page of it compared at the end. */
	pages = json_num(o.out, NULL, "guest_mem") / 4096;
	assert_int_equal(pages, 262144);
	assert_int_equal(json_num(o.out, NULL, "pages_verified"), pages);
	assert_true(json_num(o.out, NULL, "notifier_calls") > 0);
	assert_true(json_num(o.out, NULL, "unlinks") > 0);
	output_free(&o);
}

/* Accesses and events depend on the seed and --ops only, not on the interleaving. */
static void test_same_seed_same_work(void **state)
{
	static const char *const counts[] = { "reads", "writes", "absolute", "dat", "real" };
	struct output a =
		gmap_run("--ops", "40000", "--seed", "7", "--guest-mem", "32M", "--json", NULL);
	struct output b =
		gmap_run("--ops", "40000", "--seed", "7", "--guest-mem", "32M", "--json", NULL);

	(void)state;
	assert_int_equal(a.status, 0);
	assert_int_equal(b.status, 0);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		const char *section = i < 2 ? NULL : "modes";

		assert_int_equal(json_num(a.out, section, counts[i]),
				 json_num(b.out, section, counts[i]));
	}
	/* Done plus skipped (no frame to page out, segment busy) is what was due. */
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		assert_int_equal(json_num(a.out, "events", events[i]) +
					 json_num(a.out, "events_skipped", events[i]),
				 json_num(b.out, "events", events[i]) +
					 json_num(b.out, "events_skipped", events[i]));
	output_free(&a);
	output_free(&b);
}

/* Remove "key":<number>, from @json in place: the fields that measure time. */
static void drop_field(char *json, const char *key)
{
	char pat[64], *p, *end;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	assert_non_null(p);
	end = strchr(p, ',');
	assert_non_null(end);
	memmove(p, end + 1, strlen(end + 1) + 1);
}

static void drop_time(struct output *o)
{
	drop_field(o->out, "seconds");
	drop_field(o->out, "accesses_per_s");
}

/* Run the command line @cmd ("gmap run ARGS..."), with --json added. */
static struct output run_command_line(const char *cmd)
{
	const char *a[24] = { 0 };
	char *copy = strdup(cmd), *save = NULL, *w;
	struct output o;
	int n = 0;

	assert_non_null(copy);
	assert_string_equal(strtok_r(copy, " ", &save), "gmap");
	assert_string_equal(strtok_r(NULL, " ", &save), "run");
	while ((w = strtok_r(NULL, " ", &save)) && n < 20)
		a[n++] = w;
	a[n] = "--json";
	o = gmap_run(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11],
		     a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19], a[20], NULL);
	free(copy);
	return o;
}

/*
 * --deterministic: the threads take turns drawn from the seed, so the whole run
 * repeats: every counter (faults, purges, PICs, notifier calls, memory) but the
 * time. Without it the same seed gave the same accesses but other event counts.
 * Host events many times more often than by default, so that every kind
 * happens, mprotect intervals included.
 */
static void test_deterministic_runs_repeat(void **state)
{
	struct output a, b;

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct output *o = i ? &b : &a;

		*o = gmap_run("--deterministic", "--ops", "60000", "--seed", "11", "--guest-mem",
			      "32M", "--vcpus", "3", "--pageout-rate", "20", "--migrate-rate", "20",
			      "--mprotect-rate", "1", "--remap-rate", "1", "--discard-rate", "10",
			      "--json", "--progress", "0", NULL);
		if (o->status)
			fail_msg("exit %d: %s%s", o->status, o->out, o->err);
		drop_time(o);
	}
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (!json_num(a.out, "events", events[i]))
			fail_msg("no %s event: %s", events[i], a.out);
	assert_true(json_num(a.out, "pics", "protection") > 0);
	assert_string_equal(a.out, b.out);
	output_free(&a);
	output_free(&b);
}

/*
 * The swap errors are drawn from the seed too: with --deterministic the same
 * calls fail, the same retries happen, and the whole summary repeats.
 */
static void test_deterministic_swap_errors_repeat(void **state)
{
	struct output a, b;

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct output *o = i ? &b : &a;

		*o = gmap_run("--deterministic", "--ops", "20000", "--seed", "13", "--guest-mem",
			      "16M", "--vcpus", "2", "--pageout-rate", "50", "--swap-error-rate",
			      "200", "--json", "--progress", "0", NULL);
		if (o->status)
			fail_msg("exit %d: %s%s", o->status, o->out, o->err);
		drop_time(o);
	}
	assert_true(json_num(a.out, "swap_io", "injected") > 0);
	assert_true(json_num(a.out, "accesses", "errors") > 0);
	assert_string_equal(a.out, b.out);
	output_free(&a);
	output_free(&b);
}

/* A failed run prints the command that replays it; that command gives the same run. */
static void test_failure_prints_replay(void **state)
{
	struct output a =
		gmap_run("--deterministic", "--ops", "20000", "--seed", "3", "--guest-mem", "16M",
			 "--vcpus", "2", "--json", "--inject-corruption", NULL);
	struct output b, t;
	char cmd[512];
	const char *p;

	(void)state;
	assert_int_equal(a.status, 1);
	p = strstr(a.out, "\"replay\":\"");
	assert_non_null(p);
	assert_int_equal(sscanf(p, "\"replay\":\"%511[^\"]\"", cmd), 1);
	assert_non_null(strstr(cmd, "--deterministic --seed 3 --ops 20000 --vcpus 2"));
	b = run_command_line(cmd);
	assert_int_equal(b.status, 1);
	drop_time(&a);
	drop_time(&b);
	assert_string_equal(a.out, b.out);
	/* The text summary says it too, and for a run that was not deterministic. */
	t = gmap_run("--ops", "20000", "--seed", "3", "--guest-mem", "16M", "--inject-corruption",
		     NULL);
	assert_int_equal(t.status, 1);
	assert_non_null(strstr(t.out, "\nreplay: gmap run --deterministic --seed 3 --ops 20000"));
	output_free(&a);
	output_free(&b);
	output_free(&t);
}

/*
 * With fewer --ops than vCPUs some vCPUs have no access to do. They must not take
 * a quota of 0 for "until stopped": with --ops nothing stops them, and the run hung.
 */
static void test_fewer_ops_than_vcpus(void **state)
{
	struct output o;

	(void)state;
	child_alarm = 120;
	o = gmap_run("--ops", "1", "--vcpus", "2", "--seed", "1", "--guest-mem", "16M", "--json",
		     NULL);
	child_alarm = 0;
	if (o.status)
		fail_msg("exit %d: %s%s", o.status, o.out, o.err);
	assert_int_equal(json_num(o.out, NULL, "accesses"), 1);
	output_free(&o);
}

static void test_inject_corruption_fails(void **state)
{
	struct output o = gmap_run("--ops", "20000", "--seed", "3", "--guest-mem", "16M", "--json",
				   "--inject-corruption", NULL);
	const char *inj, *item;
	char addr[40];

	(void)state;
	assert_int_equal(o.status, 1);
	assert_non_null(strstr(o.out, "\"integrity\":\"FAILED\"}"));
	assert_int_equal(json_num(o.out, NULL, "failures"), 1);
	/* The one failure is a mismatch at the byte that was flipped. */
	inj = strstr(o.out, "\"injected\":\"");
	assert_non_null(inj);
	assert_int_equal(sscanf(inj, "\"injected\":\"%39[0-9a-fx]\"", addr), 1);
	item = strstr(o.out, "\"failure_list\":[{\"addr\":\"");
	assert_non_null(item);
	assert_int_equal(
		strncmp(item + strlen("\"failure_list\":[{\"addr\":\""), addr, strlen(addr)), 0);
	assert_non_null(strstr(item, "\"expected\":\""));
	assert_non_null(strstr(item, "\"actual\":\""));
	output_free(&o);
}

/*
 * --nested: guest-3 runs through shadow gmaps while guest-2 changes its tables;
 * every kind of table change and of predicted exit happens, the shadows were
 * audited during the run and at the end, and nothing was unexpected.
 */
static void test_nested_json(void **state)
{
	static const char *const changes[] = { "remap", "protect", "segment",	 "split",
					       "join",	"region3", "asce_switch" };
	static const char *const exits[] = { "protection", "page_translation",
					     "segment_translation", "region_or_asce" };
	static const char *const kinds[] = { "absolute", "real", "virtual", "guest3_pics" };
	struct output o = gmap_run("--nested", "--ops", "60000", "--seed", "4", "--guest-mem",
				   "32M", "--vcpus", "2", "--g2-change-rate", "5", "--json",
				   "--progress", "0", NULL);

	(void)state;
	if (o.status)
		fail_msg("exit %d: %s%s", o.status, o.out, o.err);
	assert_non_null(strstr(o.out, "\"integrity\":\"OK\"}"));
	assert_int_equal(json_num(o.out, "pics", "unexpected"), 0);
	assert_true(json_num(o.out, "nested", "accesses") > 10000);
	assert_true(json_num(o.out, "nested", "accesses_per_s") > 0);
	assert_true(json_num(o.out, "nested", "reads_checked") > 0);
	assert_true(json_num(o.out, "nested", "swept_pages") > 0);
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
		if (!json_num(o.out, "table_changes", changes[i]))
			fail_msg("no %s change: %s", changes[i], o.out);
	for (size_t i = 0; i < sizeof(exits) / sizeof(exits[0]); i++)
		if (!json_num(o.out, "exits", exits[i]))
			fail_msg("no %s exit: %s", exits[i], o.out);
	/* Guest-3 real (its prefix) and DAT-on (its own tables) accesses, its own PICs. */
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!json_num(o.out, "nested", kinds[i]))
			fail_msg("no guest-3 %s: %s", kinds[i], o.out);
	/* One single-level vCPU beside the nested one: the two rates are compared. */
	assert_true(json_num(o.out, "nested", "cpu_accesses_per_s") > 0);
	assert_true(json_num(o.out, "nested", "single_level_cpu_accesses_per_s") > 0);
	assert_true(json_num(o.out, "sie", "shadow_faults") > 0);
	assert_true(json_num(o.out, "shadows", "created") > 1);
	assert_true(json_num(o.out, "shadows", "pg_entries") > 0);
	assert_true(json_num(o.out, "unshadows", "pgt") > 0);
	assert_true(json_num(o.out, "nested", "audits") >= 2); /* during the run and at the end */
	assert_int_equal(json_num(o.out, "nested", "audit_violations"), 0);
	output_free(&o);
}

/*
 * --swap-error-rate: a fifth of the swap file's reads and writes misbehave. Every
 * host I/O error is retried (accesses, page-outs, host copies), the guest sees
 * no PIC for one, and the run ends with integrity OK and the errors counted.
 */
static void test_swap_errors_survived(void **state)
{
	struct output o = gmap_run("--ops", "40000", "--seed", "6", "--guest-mem", "16M", "--vcpus",
				   "2", "--pageout-rate", "50", "--swap-error-rate", "200",
				   "--json", "--progress", "0", NULL);

	(void)state;
	if (o.status)
		fail_msg("exit %d: %s%s", o.status, o.out, o.err);
	assert_non_null(strstr(o.out, "\"integrity\":\"OK\"}"));
	assert_int_equal(json_num(o.out, "pics", "unexpected"), 0);
	assert_int_equal(json_num(o.out, NULL, "error_rate"), 200);
	assert_true(json_num(o.out, "swap_io", "injected") > 0);
	assert_true(json_num(o.out, "swap_io", "read_errors") > 0);
	assert_true(json_num(o.out, "swap_io", "write_errors") > 0);
	assert_true(json_num(o.out, "swap_io", "resumed") > 0);
	assert_true(json_num(o.out, "accesses", "errors") > 0);
	assert_true(json_num(o.out, "accesses", "recovered") > 0);
	assert_int_equal(json_num(o.out, "accesses", "gave_up"), 0);
	assert_true(json_num(o.out, "page_outs", "errors") > 0);
	assert_true(json_num(o.out, "page_outs", "recovered") > 0);
	assert_int_equal(json_num(o.out, "host_copies", "gave_up"), 0);
	/* The write errors the library counted are the page-out errors the run retried. */
	assert_int_equal(json_num(o.out, "swap_io", "write_errors"),
			 json_num(o.out, "page_outs", "errors"));
	output_free(&o);

	/* Nested too, and the text summary shows the errors and their retries. */
	o = gmap_run("--nested", "--ops", "20000", "--seed", "8", "--guest-mem", "16M", "--vcpus",
		     "2", "--pageout-rate", "50", "--swap-error-rate", "250.5", "--progress", "0",
		     NULL);
	if (o.status)
		fail_msg("exit %d: %s%s", o.status, o.out, o.err);
	assert_non_null(strstr(o.out, "swap I/O "));
	assert_non_null(strstr(o.out, "(rate 250.5 per 1000 calls)"));
	assert_non_null(strstr(o.out, "retried              accesses"));
	assert_non_null(strstr(o.out, "integrity: OK\n"));
	output_free(&o);
}

/* --nested --deterministic repeats too: shadow counters, exits and table changes included. */
static void test_nested_deterministic_repeats(void **state)
{
	struct output a, b;

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct output *o = i ? &b : &a;

		*o = gmap_run("--nested", "--deterministic", "--ops", "40000", "--seed", "11",
			      "--guest-mem", "32M", "--vcpus", "3", "--pageout-rate", "20",
			      "--migrate-rate", "20", "--mprotect-rate", "1", "--remap-rate", "1",
			      "--json", "--progress", "0", NULL);
		if (o->status)
			fail_msg("exit %d: %s%s", o->status, o->out, o->err);
		drop_time(o);
		drop_field(o->out, "accesses_per_s"); /* the nested one */
		drop_field(o->out, "guest2_accesses_per_s");
		drop_field(o->out, "cpu_accesses_per_s"); /* CPU time: the machine's */
		drop_field(o->out, "single_level_cpu_accesses_per_s");
		drop_field(o->out, "nested_vs_single");
	}
	assert_true(json_num(a.out, "exits", "host") > 0);
	assert_string_equal(a.out, b.out);
	output_free(&a);
	output_free(&b);
}

/*
 * The nested checks' self-test: one unshadow skipped on purpose when guest-2
 * remaps a page. The audit must find the stale entry and the run exit 1 with
 * the command that replays it.
 */
static void test_inject_stale_shadow_fails(void **state)
{
	struct output o =
		gmap_run("--inject-stale-shadow", "--ops", "20000", "--seed", "3", "--guest-mem",
			 "16M", "--vcpus", "2", "--json", "--progress", "0", NULL);

	(void)state;
	if (o.status != 1)
		fail_msg("exit %d: %s%s", o.status, o.out, o.err);
	assert_non_null(strstr(o.out, "\"stale_injected\":\"0x"));
	assert_non_null(strstr(o.out, "shadow audit after --inject-stale-shadow: "));
	assert_true(json_num(o.out, "nested", "audit_violations") > 0);
	assert_non_null(strstr(o.out, " --inject-stale-shadow\""));
	assert_non_null(strstr(o.out, "\"integrity\":\"FAILED\"}"));
	output_free(&o);
}

/* The table ends with the verdict; no progress line with --progress 0. */
static void test_text_summary(void **state)
{
	struct output o = gmap_run("--ops", "20000", "--seed", "2", "--guest-mem", "16M", "--vcpus",
				   "3", "--progress", "0", NULL);
	size_t n = strlen(o.out);

	(void)state;
	assert_int_equal(o.status, 0);
	assert_string_equal(o.err, "");
	assert_true(n > 14);
	assert_string_equal(o.out + n - 14, "integrity: OK\n");
	assert_non_null(strstr(o.out, "gmap run: 3 vCPUs, 16 MiB guest memory"));
	assert_non_null(strstr(o.out, "TLB hit rate"));
	assert_non_null(strstr(o.out, "prefix refreshes"));
	output_free(&o);
}

/*
 * The reference model grows with the pages written: a 4 GiB guest with a few
 * thousand accesses stays far below its size. It was allocated whole (and the
 * final comparison touched all of it): 4 GiB resident and 20 s for 1000 accesses.
 */
static void test_sparse_model(void **state)
{
	struct output o = gmap_run("--ops", "2000", "--seed", "4", "--guest-mem", "4G", "--vcpus",
				   "2", "--json", NULL);

	(void)state;
	if (o.status)
		fail_msg("exit %d: %s%s", o.status, o.out, o.err);
	assert_int_equal(json_num(o.out, NULL, "pages_verified"), (4UL << 30) / 4096);
	if (json_num(o.out, "memory", "model_bytes") > (64UL << 20))
		fail_msg("model of %lu bytes for 2000 accesses",
			 json_num(o.out, "memory", "model_bytes"));
	if (o.maxrss_kib > (1L << 20))
		fail_msg("peak resident set %ld KiB for a 4 GiB guest and 2000 accesses",
			 o.maxrss_kib);
	output_free(&o);
}

/* Append what @fd gives until its end to @buf (@len bytes, allocated); returns the string. */
static char *drain(int fd, char *buf, size_t len)
{
	size_t cap = len + 4096;
	ssize_t n;

	buf = realloc(buf, cap);
	assert_non_null(buf);
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	buf[len] = 0;
	return buf;
}

/*
 * Start `gmap run ARGS... --progress 0.05` with standard error on a pipe, wait
 * for its first progress line (so the vCPUs are running: a line, not a sleep,
 * orders the test), send @sig, and collect what it printed.
 */
static struct output interrupt_run(int sig, const char *const *args)
{
	const char *argv[24] = { gmap_path, "run", "--progress", "0.05" };
	FILE *out = tmpfile();
	struct output o = { 0 };
	int argc = 4, err[2], status;
	size_t len = 0;
	char c, *line = calloc(1, 256);
	pid_t pid;

	assert_non_null(out);
	assert_non_null(line);
	while (*args)
		argv[argc++] = *args++;
	assert_int_equal(pipe(err), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		if (dup2(fileno(out), 1) < 0 || dup2(err[1], 2) < 0)
			_exit(126);
		close(err[0]);
		alarm(300);
		execv(gmap_path, (char **)argv);
		_exit(127);
	}
	close(err[1]);
	while (len < 255 && read(err[0], &c, 1) == 1 && (line[len++] = c) != '\n')
		;
	if (strncmp(line, "gmap run: progress:", 19))
		fail_msg("first line on stderr: '%s'", line);
	assert_int_equal(kill(pid, sig), 0);
	/* Keep the rest of standard error (a sanitizer's report); the child never blocks on it. */
	line = drain(err[0], line, len);
	close(err[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status))
		fail_msg("the run died of signal %d", WTERMSIG(status));
	o.status = WEXITSTATUS(status);
	o.out = slurp(out);
	o.err = line;
	return o;
}

/*
 * Ctrl-C killed the run at once and everything was lost. Now the vCPUs stop,
 * what they did is verified and the summary says it was interrupted: exit 130
 * for SIGINT, 143 for SIGTERM, whether the run was one of --duration or --ops.
 */
static void test_interrupted(void **state)
{
	static const char *const json_args[] = { "--duration", "600", "--guest-mem", "16M",
						 "--vcpus",    "2",   "--seed",	     "9",
						 "--json",     NULL };
	static const char *const text_args[] = {
		"--ops", "100000000000", "--guest-mem", "16M", "--vcpus", "2", "--seed", "9", NULL
	};
	struct output o = interrupt_run(SIGINT, json_args);

	(void)state;
	if (o.status != 130)
		fail_msg("exit %d: %s%s", o.status, o.out, o.err);
	assert_non_null(strstr(o.out, "\"interrupted\":true,\"signal\":\"SIGINT\""));
	assert_non_null(strstr(o.out, "\"integrity\":\"OK\"}\n"));
	assert_true(json_num(o.out, NULL, "accesses") > 0);
	assert_int_equal(json_num(o.out, NULL, "pages_verified"), (16UL << 20) / 4096);
	output_free(&o);

	o = interrupt_run(SIGTERM, text_args);
	if (o.status != 143)
		fail_msg("exit %d: %s%s", o.status, o.out, o.err);
	assert_non_null(strstr(o.out, "interrupted: by SIGTERM after "));
	assert_non_null(strstr(o.out, "pages verified         4096\n"));
	assert_non_null(strstr(o.out, "\nintegrity: OK\n"));
	output_free(&o);
}

/*
 * Without a terminal there was no progress at all; a line comes every 5 s. The
 * loop that ends a --duration run prints the line in the same pass, so a 5.5 s
 * run has exactly one, however late the main thread wakes.
 */
static void test_progress_without_terminal(void **state)
{
	struct output o = gmap_run("--duration", "5.5", "--guest-mem", "16M", "--vcpus", "1",
				   "--seed", "6", NULL);
	const char *p;

	(void)state;
	assert_int_equal(o.status, 0);
	p = strstr(o.err, "gmap run: progress:");
	if (!p || p != o.err || strchr(o.err, '\n') != o.err + strlen(o.err) - 1)
		fail_msg("standard error: '%s'", o.err);
	assert_non_null(strstr(o.err, " of 5.5 s, "));
	output_free(&o);
}

/* A run whose summary cannot be written exited 0; like translate, it exits 2. */
static void test_summary_unwritable(void **state)
{
	const char *argv[] = { gmap_path, "run",    "--ops", "1000", "--guest-mem",
			       "16M",	  "--seed", "1",     NULL };
	int status, full = open("/dev/full", O_WRONLY);
	pid_t pid;

	(void)state;
	assert_true(full >= 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		if (dup2(full, 1) < 0)
			_exit(126);
		alarm(120);
		execv(gmap_path, (char **)argv);
		_exit(127);
	}
	close(full);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 2);
}

/*
 * The summary said "1 segments linked". With one vCPU, one access and seed 4
 * (deterministic, no host event is due) exactly one segment is linked.
 */
static void test_singular(void **state)
{
	struct output o = gmap_run("--ops", "1", "--vcpus", "1", "--guest-mem", "16M", "--seed",
				   "4", "--deterministic", "--progress", "0", NULL);

	(void)state;
	assert_int_equal(o.status, 0);
	if (!strstr(o.out, "(16 KiB, 1 segment linked)"))
		fail_msg("%s", o.out);
	assert_non_null(strstr(o.out, "gmap run: 1 vCPU, 16 MiB"));
	output_free(&o);
}

static void expect_usage_error(const char *a, const char *b, const char *c)
{
	struct output o = gmap_run(a, b, c, NULL);
	const char *nl = strchr(o.err, '\n');

	if (o.status != 2)
		fail_msg("'%s %s %s': exit %d", a, b ? b : "", c ? c : "", o.status);
	assert_string_equal(o.out, "");
	assert_int_equal(strncmp(o.err, "gmap run: ", 10), 0);
	/* Exactly one line. */
	assert_non_null(nl);
	assert_int_equal(nl[1], 0);
	output_free(&o);
}

static void test_bad_options(void **state)
{
	(void)state;
	expect_usage_error("--vcpus", "0", NULL);
	expect_usage_error("--vcpus", "65", NULL);
	expect_usage_error("--vcpus", NULL, NULL);
	expect_usage_error("--guest-mem", "15M", NULL);
	expect_usage_error("--guest-mem", "1T", NULL);
	expect_usage_error("--guest-mem", "20000000", NULL); /* not a multiple of 1 MiB */
	/* (2^34 + 1) GiB: the shift wraps to 1 GiB, which must not be taken for it. */
	expect_usage_error("--guest-mem", "17179869185G", NULL);
	expect_usage_error("--ops", "0", NULL);
	expect_usage_error("--ops", "10", "--duration");
	expect_usage_error("--ops", "10x", NULL);
	expect_usage_error("--duration", "0", NULL);
	expect_usage_error("--duration", "nan", NULL);
	expect_usage_error("--seed", "-1", NULL);
	expect_usage_error("--remap-rate", "1001", NULL);
	expect_usage_error("--discard-rate", "-1", NULL);
	expect_usage_error("--no-such-option", NULL, NULL);
	expect_usage_error("--json", "surplus", NULL);
	expect_usage_error("--progress", "-1", NULL);
	expect_usage_error("--deterministic", "--duration", "5");
	expect_usage_error("--progress", "soon", NULL);
	expect_usage_error("--g2-change-rate", "1001", NULL);
	expect_usage_error("--g2-change-rate", "often", NULL);
	expect_usage_error("--g2-change-rate", "-0.5", NULL);
	expect_usage_error("--swap-error-rate", "500.1", NULL);
	expect_usage_error("--swap-error-rate", "-1", NULL);
	expect_usage_error("--swap-error-rate", "often", NULL);
}

static void test_help(void **state)
{
	static const char *const options[] = {
		"--duration",	"--ops",	   "--vcpus",	       "--guest-mem",
		"--seed",	"--pageout-rate",  "--migrate-rate",   "--mprotect-rate",
		"--remap-rate", "--discard-rate",  "--json",	       "--inject-corruption",
		"--progress",	"--deterministic", "--g2-change-rate", "--swap-error-rate"
	};
	struct output o = gmap_run("--help", NULL);

	(void)state;
	assert_int_equal(o.status, 0);
	assert_string_equal(o.err, "");
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (!strstr(o.out, options[i]))
			fail_msg("--help does not mention %s", options[i]);
	assert_non_null(strstr(o.out, "Exit status"));
	output_free(&o);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_ops),
		cmocka_unit_test(test_same_seed_same_work),
		cmocka_unit_test(test_deterministic_runs_repeat),
		cmocka_unit_test(test_failure_prints_replay),
		cmocka_unit_test(test_fewer_ops_than_vcpus),
		cmocka_unit_test(test_inject_corruption_fails),
		cmocka_unit_test(test_nested_json),
		cmocka_unit_test(test_swap_errors_survived),
		cmocka_unit_test(test_deterministic_swap_errors_repeat),
		cmocka_unit_test(test_nested_deterministic_repeats),
		cmocka_unit_test(test_inject_stale_shadow_fails),
		cmocka_unit_test(test_text_summary),
		cmocka_unit_test(test_sparse_model),
		cmocka_unit_test(test_interrupted),
		cmocka_unit_test(test_summary_unwritable),
		cmocka_unit_test(test_progress_without_terminal),
		cmocka_unit_test(test_singular),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_help),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH-TO-GMAP\n", argv[0]);
		return 2;
	}
	gmap_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
