/* SPDX-License-Identifier: GPL-2.0 */
/* Subcommands of the `gmap` command. Each returns the process exit status. */
#ifndef GMAP_TOOLS_COMMANDS_H
#define GMAP_TOOLS_COMMANDS_H

/* Exit status for bad usage: wrong options, unreadable input. */
#define EXIT_USAGE 2

#include <stdbool.h>

struct gmap_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

/* The option getopt_long() just refused ('?', or ':' with @missing_value), as typed. */
const char *bad_option_name(char **argv, bool missing_value, char buf[3]);

/* gmap translate: DAT walks over a storage image (tools/cmd_translate.c). */
int cmd_translate(int argc, char **argv);

/* gmap run: a whole guest with host events, every byte verified (tools/cmd_run.c). */
int cmd_run(int argc, char **argv);

#endif /* GMAP_TOOLS_COMMANDS_H */
