// SPDX-License-Identifier: GPL-2.0
/*
 * The `gmap` command: a front end to libgmap. Each subcommand lives in its own
 * file; this one dispatches and holds what the subcommands share.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"

static const struct gmap_command commands[] = {
	{ "translate", "translate virtual addresses with the DAT tables of a storage image",
	  cmd_translate },
	{ "run", "run a guest with host events and verify every byte it wrote", cmd_run },
	{ NULL, NULL, NULL },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: gmap <command> [options]\n       gmap --version\n\ncommands:\n");
	for (const struct gmap_command *c = commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "\n'gmap <command> --help' describes the options of a command.\n");
}

/**
 * bad_option_name() - the option getopt_long() just refused, as the user typed it
 * @argv:          the arguments getopt_long() parsed
 * @missing_value: getopt_long() returned ':' (else '?')
 * @buf:           room for a short option ("-x")
 *
 * A short option is named by its own letter: for an unknown one inside a
 * cluster ("-9z", "-0x1") argv[optind - 1] is the previous argument, getopt
 * still being inside the cluster. A long option is named by its argument,
 * which getopt has passed (optopt is 0 for an unknown one).
 *
 * Return: @buf or an element of @argv.
 */
const char *bad_option_name(char **argv, bool missing_value, char buf[3])
{
	const char *arg = argv[optind - 1];

	if (missing_value ? !strncmp(arg, "--", 2) : !optopt)
		return arg;
	buf[0] = '-';
	buf[1] = (char)optopt;
	buf[2] = 0;
	return buf;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("gmap (libgmap) %s\n", GMAP_VERSION);
		return fflush(stdout) ? EXIT_USAGE : 0;
	}
	for (const struct gmap_command *c = commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "gmap: unknown command '%s' (try 'gmap --help')\n", argv[1]);
	return EXIT_USAGE;
}
