/* SPDX-License-Identifier: GPL-2.0 */
/* Subcommands of the `gmap` command. Each returns the process exit status. */
#ifndef GMAP_TOOLS_COMMANDS_H
#define GMAP_TOOLS_COMMANDS_H

/* Exit status for bad usage: wrong options, unreadable input. */
#define EXIT_USAGE 2

struct gmap_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

#endif /* GMAP_TOOLS_COMMANDS_H */
