// SPDX-License-Identifier: GPL-2.0
/*
 * bench_instr - instruction counts for the benchmarks; see bench_instr.h.
 */
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifdef HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#else
#define HAVE_CALLGRIND 0
#endif

#include "bench_instr.h"

extern char **environ;

static int instr_fd = -1;

bool bench_instr_open(void)
{
	struct perf_event_attr a;

	if (instr_fd >= 0)
		return true;
	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_HARDWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_HW_INSTRUCTIONS;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	instr_fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	return instr_fd >= 0;
}

unsigned long bench_instr_read(void)
{
	unsigned long long v = 0;

	if (instr_fd < 0 || read(instr_fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		return 0;
	return (unsigned long)v;
}

bool bench_on_valgrind(void)
{
#ifdef HAVE_CALLGRIND_H
	return RUNNING_ON_VALGRIND;
#else
	return false;
#endif
}

void bench_cg_start(void)
{
#ifdef HAVE_CALLGRIND_H
	CALLGRIND_ZERO_STATS;
	CALLGRIND_TOGGLE_COLLECT;
#endif
}

void bench_cg_stop(const char *name)
{
#ifdef HAVE_CALLGRIND_H
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT(name);
#else
	(void)name;
#endif
}

/*
 * One dump file: "desc: Trigger: Client Request: <name>" (or "Program termination",
 * reported as BENCH_CG_TOTAL for a @whole run) and "totals: <ir>" (or "summary: <ir>").
 */
static void parse_dump(const char *path, void (*found)(void *, const char *, unsigned long),
		       void *ctx, bool whole)
{
	static const char trigger[] = "desc: Trigger: Client Request: ";
	static const char end[] = "desc: Trigger: Program termination";
	char line[512], name[512] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, trigger, sizeof(trigger) - 1))
			memmove(name, line + sizeof(trigger) - 1,
				strlen(line) - sizeof(trigger) + 2);
		else if (whole && !strncmp(line, end, sizeof(end) - 1))
			snprintf(name, sizeof(name), "%s", BENCH_CG_TOTAL);
		else if ((!strncmp(line, "totals: ", 8) || !strncmp(line, "summary: ", 9)) &&
			 name[0] && found)
			found(ctx, name, strtoul(strchr(line, ' ') + 1, NULL, 10));
	}
	fclose(f);
}

/* Read every dump in @dir and remove it, and the directory. */
static void collect_dumps(const char *dir, void (*found)(void *, const char *, unsigned long),
			  void *ctx, bool whole)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[768];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		parse_dump(path, found, ctx, whole);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* bench_cg_run() and bench_cg_run_whole(): @whole counts from the start, without requests. */
static bool cg_run(char *const *argv, const char *in, bool whole,
		   void (*found)(void *ctx, const char *name, unsigned long ir), void *ctx)
{
	char dir[] = "/tmp/bench_cg.XXXXXX", out[64];
	char *args[64] = { "valgrind", "--tool=callgrind",
			   whole ? "--collect-atstart=yes" : "--collect-atstart=no", out, NULL };
	int n = 4, status, devnull;
	posix_spawn_file_actions_t fa;
	pid_t pid;

	/* A whole run needs no client requests: no valgrind headers needed either. */
	if ((!HAVE_CALLGRIND && !whole) || !mkdtemp(dir))
		return false;
	snprintf(out, sizeof(out), "--callgrind-out-file=%s/cg", dir);
	for (int i = 0; argv[i] && n < 63; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	/* valgrind talks on stderr and the command prints its JSON: neither is wanted. */
	devnull = open("/dev/null", O_WRONLY);
	posix_spawn_file_actions_init(&fa);
	if (devnull >= 0) {
		posix_spawn_file_actions_adddup2(&fa, devnull, 1);
		posix_spawn_file_actions_adddup2(&fa, devnull, 2);
	}
	if (in)
		posix_spawn_file_actions_addopen(&fa, 0, in, O_RDONLY, 0);
	status = posix_spawnp(&pid, "valgrind", &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (devnull >= 0)
		close(devnull);
	if (status || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr,
			"bench: no instruction counts: valgrind --tool=callgrind %s failed "
			"(status 0x%x)\n",
			argv[0], status);
		collect_dumps(dir, NULL, NULL, whole);
		return false;
	}
	collect_dumps(dir, found, ctx, whole);
	return true;
}

bool bench_cg_run(char *const *argv, void (*found)(void *ctx, const char *name, unsigned long ir),
		  void *ctx)
{
	return cg_run(argv, NULL, false, found, ctx);
}

/* The count of the termination dump. */
static void whole_found(void *ctx, const char *name, unsigned long ir)
{
	if (!strcmp(name, BENCH_CG_TOTAL))
		*(unsigned long *)ctx = ir;
}

unsigned long bench_cg_run_whole(char *const *argv, const char *in)
{
	unsigned long ir = 0;

	return cg_run(argv, in, true, whole_found, &ir) ? ir : 0;
}
