/*
 * svmtool-cmd.h - what the svmtool subcommands share
 *
 * Every subcommand is one function int cmd_NAME(int argc, char **argv) in
 * cmd/cmd-NAME.c.  argv[0] is the command's name; the function parses its
 * own options, prints data on stdout and diagnostics on stderr, and returns
 * an exit status (enum svmt_exit).  It never calls exit(): the same
 * functions run inside the interactive shell.
 */
#ifndef SVMTOOL_CMD_H
#define SVMTOOL_CMD_H

#include <stdint.h>
#include <stdio.h>

#include "svmtool.h"

/* Exit statuses, the stable contract of svmtool(1). */
enum svmt_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_NOTFOUND = 3,
	CLI_EXIT_PERM = 4,
	CLI_EXIT_BUSY = 5,
	CLI_EXIT_PROBLEMS = 6,
};

/*
 * Room for parse errors in every argtable: even, because arg_end() lays its
 * pointer arrays out right after this many ints (an odd count misaligns
 * them).
 */
#define CLI_MAX_ERRORS 6

/* Region names one command takes: as many as a namespace can hold. */
#define CLI_MAX_NAMES ((int)SVMT_MAX_CAPACITY)

/* Global options, set by main() (from the command line or environment). */
struct cli_globals {
	const char *root;    /* NULL: the library default */
	const char *shm_dir; /* NULL: the library default */
	int timeout_ms;      /* -T, default 10 s */
};
extern struct cli_globals cli;

/* The command table (main.c). */
struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};
extern const struct cli_command cli_commands[];
const struct cli_command *cli_find_command(const char *name);

/* cmd-help.c: the synopsis line and svmtool --help. */
extern const char cli_synopsis[];
void cli_print_help(FILE *fp);

int cmd_create(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_unmap(int argc, char **argv);
int cmd_recover(int argc, char **argv);
int cmd_help(int argc, char **argv);

/* ------------------------------------------------------------ common.c */

/* "svmtool: " + message + newline on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* svmt_strerror(@err) in lower case, into @buf. */
const char *cli_strerror(int err, char *buf, size_t len);

/* Exit status for a library error code. */
int cli_exit_code(int err);

/*
 * Report a failed library call as "svmtool: cannot VERB 'WHAT': REASON"
 * (with the library's details) and return the exit status for @err.
 */
int cli_fail(int err, const char *verb, const char *what);
/* The same with the details given (saved from svmt_errdetail()). */
int cli_fail_detail(int err, const char *verb, const char *what,
		    const char *detail);

/* "svmtool: cannot VERB 'WHAT': no such region"; returns 3. */
int cli_not_found(const char *verb, const char *what);

/* "see 'svmtool CMD --help'" on stderr (CMD NULL: svmtool); returns 2. */
int cli_see_help(const char *cmd);

/* A usage error: the message, the pointer to CMD's help; returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Parse @argc/@argv with the argtable @table of @n entries (the last one
 * the struct arg_end).  Returns -1 when parsing succeeded and the command
 * should run, otherwise the status to return: 0 after printing the help
 * (when @help was given), 2 after reporting the first error, 1 when the
 * table could not be allocated.  @usage is the
 * synopsis printed by --help, @what the one-line description.
 */
int cli_parse(int argc, char **argv, void **table, int n,
	      const char *usage, const char *what);

/*
 * Parse a size: decimal or 0x hex, optional K M G T or KiB MiB GiB TiB
 * suffix (powers of 1024).  Rejects 0, signs, garbage and overflow.
 * Returns 0, or -1 after reporting a usage error for option @opt of @cmd.
 */
int cli_parse_size(const char *cmd, const char *opt, const char *s,
		   uint64_t *out);

/* Check a region name; reports a usage error (returns 2) or returns 0. */
int cli_check_name(const char *cmd, const char *name);

/* The name without its optional leading '/'. */
const char *cli_bare_name(const char *name);

/* Namespace options from the global options, with @flags. */
void cli_ns_opts(struct svmt_ns_opts *o, unsigned flags);

/*
 * Does @err from svmt_ns_open() mean that the namespace does not exist?
 * Then there is nothing to list or check.
 */
int cli_no_namespace(int err);

/* The root's name for messages. */
const char *cli_root_name(void);

/* "16M", "1.5G", "512B" into @buf; with @bytes the plain number. */
const char *cli_size_str(uint64_t v, int bytes, char *buf, size_t len);

/*
 * The one-line description of a region printed by create and map: the
 * first line of svmt_format_region().  Returns 0 or a negative error code.
 */
int cli_print_region_line(const struct svmt_region_info *ri);

/* Print one scan/recover event on stdout. */
void cli_print_event(const struct svmt_event *ev);

typedef int (*cli_check_fn)(svmt_ns *ns, const char *const *names,
			    size_t nnames, unsigned flags, svmt_event_fn fn,
			    void *arg);

/* A command that checks and repairs: scan and recover. */
struct cli_check {
	const char *name;       /* "scan" */
	const char *usage, *what, *names_help;
	unsigned flags;         /* passed to fn with SVMT_DRY_RUN as asked */
	cli_check_fn fn;        /* svmt_scan or svmt_recover */
};

/*
 * The whole of such a command: parse [NAME...] [--dry-run], run @c->fn
 * over the named regions (all when none), printing one line per event.
 * Returns 0; 6 when a dry run found something; when something found could
 * not be fixed, the status for the reason (5 for a lock held, 1 for a
 * corrupt object); 3 when a named region does not exist (after the others).
 */
int cli_check_command(int argc, char **argv, const struct cli_check *c);

/* ------------------------------------------------------------ output.c */

struct list_opts {
	const char *columns; /* -o: "A,B" replaces, "+A,B" appends; NULL */
	int json, raw, export, noheadings, bytes;
};

/*
 * Print @n regions as a table (or JSON, raw, export) as @lo says.
 * Returns 0, or 2 after reporting an unknown column, or 1.
 */
int cli_print_regions(const struct svmt_region_info *const *ri, size_t n,
		      const struct list_opts *lo);

/* Write the help text for the list columns. */
void cli_print_columns_help(FILE *fp);

#endif /* SVMTOOL_CMD_H */
