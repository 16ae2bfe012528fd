// SPDX-License-Identifier: GPL-2.0
/*
 * The `gmap` command: a front end to libgmap. Each subcommand lives in its own
 * file; this one only dispatches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static const struct gmap_command commands[] = {
	{ "translate", "translate virtual addresses with the DAT tables of a storage image",
	  cmd_translate },
	{ "run", "run a guest with host events and verify every byte it wrote", cmd_run },
	{ NULL, NULL, NULL },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: gmap <command> [options]\n\ncommands:\n");
	for (const struct gmap_command *c = commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "\n'gmap <command> --help' describes the options of a command.\n");
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
	for (const struct gmap_command *c = commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "gmap: unknown command '%s' (try 'gmap --help')\n", argv[1]);
	return EXIT_USAGE;
}
