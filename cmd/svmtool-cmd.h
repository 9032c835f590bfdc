/*
 * svmtool-cmd.h - what the svmtool subcommands share
 *
 * Every subcommand is one function
 *	int cmd_NAME(struct cli_ctx *ctx, int argc, char **argv)
 * in cmd/cmd-NAME.c.  argv[0] is the command's name; the function parses its
 * own options, asks the context for the namespace (cli_ns_open()), prints
 * data on stdout and diagnostics on stderr, and returns an exit status
 * (enum svmt_exit).  It never calls exit(): the same functions run one per
 * process from main(), and one per line inside the shell and batch mode.
 *
 * Who does what:
 *   commands.c  the command table
 *   dispatch.c  the context, global options, one command line, the namespace
 *   messages.c  messages on stderr and the error -> exit status mapping
 *   parse.c     argtable2 parsing, sizes, names
 *   output.c    region lines, tables and JSON (libsmartcols)
 *   check.c     scan and recover: one diagnosis command
 *   shell.c     the interactive shell and batch mode
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

/*
 * Room for the region names of a command line of @argc words: no more can
 * come.  (Room for a namespace's worth, 64 Ki, is half a megabyte that
 * argtable allocates and clears on every line.)
 */
#define CLI_MAX_NAMES(argc) ((argc) > 1 ? (argc) - 1 : 1)

/* ----------------------------------------------------------- the context */

/* Global options: from the environment, then the line's own options. */
struct cli_globals {
	const char *root;    /* NULL: the library default */
	const char *shm_dir; /* NULL: the library default */
	int timeout_ms;      /* -T, default 10 s */
	uid_t trusted_uid;   /* --trust, (uid_t)-1: nobody extra */
	int root_from_env;   /* root came from SVMTOOL_ROOT */
};

struct cli_command;
struct cli_held;

/*
 * What a command runs in.  main() makes one for one command; the shell
 * keeps one for its whole life, so that the namespace stays open and held
 * regions stay attached between lines.
 */
struct cli_ctx {
	struct cli_globals g;         /* for the line being run */
	struct cli_globals base;      /* each line starts from these */
	char base_root[SVMT_NAME_MAX + 1]; /* storage for base.root */
	const struct cli_command *cmd; /* the command being run */

	/* The namespace handle kept between lines (see dispatch.c). */
	svmt_ns *ns;
	unsigned ns_mode;             /* CLI_NS_READ, _WRITE or _ATTACH */
	char ns_root[SVMT_NAME_MAX + 1];
	char *ns_shm_dir;             /* NULL: the default */
	int ns_timeout_ms;
	uid_t ns_trusted_uid;
	svmt_ns *ns_line;             /* opened for this line only */

	struct cli_held *held;        /* regions the shell holds attached */
	int in_shell;                 /* running lines of the shell or a batch */
	int lines_on_stdin;           /* ...read from stdin: no data there */
	int interactive;              /* reading from a terminal */
	int quit;                     /* a line asked the shell to end */
	int status;                   /* exit status of the last command */
};

void cli_ctx_init(struct cli_ctx *ctx);
/* Close what the context holds: held regions, the namespace. */
void cli_ctx_release(struct cli_ctx *ctx);

/*
 * Run one command line: argv[0] is the program's name, then global options,
 * then the command and its arguments.  Returns the exit status, also kept
 * in ctx->status.  Checks that stdout took everything written.
 */
int cli_run(struct cli_ctx *ctx, int argc, char **argv);

/* How a command uses the namespace (the low bits of cli_command.flags). */
enum cli_cmd_flags {
	CLI_NS_NONE = 0,      /* not at all */
	CLI_NS_READ = 1,      /* reads it: a read-only snapshot is enough */
	CLI_NS_WRITE = 2,     /* changes it: opened without reserving the span */
	CLI_NS_ATTACH = 3,    /* maps regions: the span reserved */
	CLI_NS_MASK = 3,
	CLI_NOT_IN_SHELL = 1u << 2, /* not a line of the shell or a batch */
	CLI_SHELL_ONLY = 1u << 3,   /* a word of the shell only */
};

/* Flags of cli_ns_open() beyond the modes above. */
#define CLI_NS_OPTIONAL (1u << 4) /* a missing namespace is not an error */
#define CLI_NS_MISSING (-1)       /* ...then cli_ns_open() returns this */

/*
 * The namespace for the running command, opened the way its table row says
 * (or as @flags says when it has a mode, e.g. CLI_NS_READ for a dry run),
 * or the handle the context keeps when it serves.  The handle belongs to
 * the context: never close it.  Returns 0 with *@out; CLI_NS_MISSING when
 * the namespace does not exist and @flags has CLI_NS_OPTIONAL; otherwise
 * reports "cannot VERB 'WHAT': ..." and returns the exit status.
 */
int cli_ns_open(struct cli_ctx *ctx, unsigned flags, const char *verb,
		const char *what, svmt_ns **out);

/*
 * "svmtool: cannot VERB: no such namespace 'ROOT'" for a command that got
 * CLI_NS_MISSING; returns 3.
 */
int cli_no_namespace(const struct cli_ctx *ctx, const char *verb);

/* Close the handle the context keeps (before removing its namespace). */
void cli_ns_forget(struct cli_ctx *ctx);

/* Give the context a handle opened by the command (create makes one). */
void cli_ns_adopt(struct cli_ctx *ctx, svmt_ns *ns, unsigned mode);

/* Namespace options from the context's global options, with @flags. */
void cli_ns_opts(const struct cli_ctx *ctx, struct svmt_ns_opts *o,
		 unsigned flags);

/* The root's name for messages. */
const char *cli_root_name(const struct cli_ctx *ctx);

/* The path of region @name's object (of the namespace's for NULL). */
void cli_object_path(const struct cli_ctx *ctx, const char *name, char *buf,
		     size_t len);

/* ----------------------------------------------------- the command table */

struct cli_command {
	const char *name;
	int (*fn)(struct cli_ctx *ctx, int argc, char **argv);
	unsigned flags;      /* enum cli_cmd_flags */
	const char *summary;
};
extern const struct cli_command cli_commands[];
/* Report @name as unknown, or as not running here; returns 2. */
int cli_unknown_command(const struct cli_ctx *ctx, const char *name);

/* The command called @name that may run here (in the shell or not). */
const struct cli_command *cli_find_command(const struct cli_ctx *ctx,
					   const char *name);

/* cmd-help.c: the synopsis line and svmtool --help. */
extern const char cli_synopsis[];
void cli_print_help(const struct cli_ctx *ctx, FILE *fp);

int cmd_create(struct cli_ctx *ctx, int argc, char **argv);
int cmd_map(struct cli_ctx *ctx, int argc, char **argv);
int cmd_list(struct cli_ctx *ctx, int argc, char **argv);
int cmd_scan(struct cli_ctx *ctx, int argc, char **argv);
int cmd_unmap(struct cli_ctx *ctx, int argc, char **argv);
int cmd_recover(struct cli_ctx *ctx, int argc, char **argv);
int cmd_help(struct cli_ctx *ctx, int argc, char **argv);
int cmd_read(struct cli_ctx *ctx, int argc, char **argv);
int cmd_write(struct cli_ctx *ctx, int argc, char **argv);
int cmd_shell(struct cli_ctx *ctx, int argc, char **argv);
/* Words of the shell only (shell.c). */
int cmd_show(struct cli_ctx *ctx, int argc, char **argv);
int cmd_root(struct cli_ctx *ctx, int argc, char **argv);
int cmd_hold(struct cli_ctx *ctx, int argc, char **argv);
int cmd_release(struct cli_ctx *ctx, int argc, char **argv);
int cmd_status(struct cli_ctx *ctx, int argc, char **argv);
int cmd_quit(struct cli_ctx *ctx, int argc, char **argv);

/* ------------------------------------------------------------ messages.c */

/* "svmtool: " + message + newline on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Where the line being run came from ("FILE", LINE), put before every
 * message as "FILE:LINE: svmtool: ..."; NULL for none.
 */
void cli_set_origin(const char *file, unsigned long line);

/* svmt_strerror(@err) in lower case, into @buf. */
const char *cli_strerror(int err, char *buf, size_t len);

/* strerror(@errnum) in lower case, into @buf: for system calls' errors. */
const char *cli_syserr(int errnum, char *buf, size_t len);

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

/*
 * Permission denied on the object at @path: "cannot VERB 'WHAT':
 * permission denied: MISSING 'PATH' (owner USER, mode rw-------)", where
 * @missing says what access was lacking ("no read access to").  Without a
 * look at @path, as cli_fail().  Returns 4.
 */
int cli_denied(int err, const char *verb, const char *what, const char *path,
	       const char *missing);

/* "alice (uid 1001)", or "uid 1001" for a user without a name. */
const char *cli_user_str(uid_t uid, char *buf, size_t len);

/*
 * 0 when region @ri (from svmt_region_stat()) is ready to use; otherwise
 * reports why not ("cannot VERB 'WHAT': ...") and returns the status.
 */
int cli_check_state(const struct svmt_region_info *ri, const char *verb,
		    const char *what);

/* "svmtool: cannot VERB 'WHAT': no such region"; returns 3. */
int cli_not_found(const char *verb, const char *what);

/* "see 'svmtool CMD --help'" on stderr (CMD NULL: svmtool); returns 2. */
int cli_see_help(const char *cmd);

/* A usage error: the message, the pointer to CMD's help; returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --------------------------------------------------------------- parse.c */

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
 * The name of the command whose --help cli_parse() printed since the last
 * call, or NULL; the dispatcher then names its man page.
 */
const char *cli_help_shown(void);

/*
 * Parse a size, util-linux strtosize style: decimal (with a fraction,
 * "1.5M") or 0x hex, then an optional unit, K M G T P E in either case
 * alone or with "iB" (powers of 1024) or with "B" (powers of 1000), "B"
 * for bytes, one blank allowed before it ("16 mb").  Rejects 0, signs,
 * garbage, a fraction of a byte and overflow.
 * Returns 0, or -1 after reporting a usage error for option @opt of @cmd.
 */
int cli_parse_size(const char *cmd, const char *opt, const char *s,
		   uint64_t *out);

/* An offset or a length: a size (cli_parse_size()) or 0. */
int cli_parse_offset(const char *cmd, const char *opt, const char *s,
		     uint64_t *out);

/* Seconds as a decimal number ("0.5") in ms, 0 = no wait; -1 if invalid. */
int cli_parse_timeout(const char *s);

/*
 * A user (@group 0) or group name, or a numeric id, into *@out.  Returns 0,
 * or -1 when it is neither (the caller reports it).
 */
int cli_parse_id(const char *s, int group, unsigned *out);

/* Check a region name; reports a usage error (returns 2) or returns 0. */
int cli_check_name(const char *cmd, const char *name);

/* The name without its optional leading '/'. */
const char *cli_bare_name(const char *name);

/* -------------------------------------------------------------- output.c */

/* "16M", "1.5G", "512B" into @buf; with @bytes the plain number. */
const char *cli_size_str(uint64_t v, int bytes, char *buf, size_t len);

/*
 * The one-line description of region @name printed by create, map and
 * hold: the first line of svmt_format_region(), read now (one region, not
 * a listing).  Returns 0 or a negative error code (-ENOENT: gone).
 */
int cli_print_region_line(svmt_ns *ns, const char *name);

struct cli_mapobj;

/*
 * The svmt_format_region() dump of each region with @fmt (SVMT_FORMAT_*),
 * a blank line between verbose ones; with @maps (one per region), a
 * "mapped by:" line after each.  list -v and the shell's show.
 */
int cli_print_dumps(FILE *fp, unsigned fmt,
		    const struct svmt_region_info *const *ri,
		      size_t n, const struct cli_mapobj *maps,
		      unsigned skipped);

struct list_opts {
	const char *columns; /* -o: "A,B" replaces, "+A,B" appends; NULL */
	int json, raw, export, noheadings, bytes;
	const char *obj_prefix; /* "DIR/svmt:ROOT:", for the PATH column */
	const struct cli_mapobj *maps; /* one per region, or NULL */
};

/*
 * Print @n regions as a table (or JSON, raw, export) as @lo says.
 * Returns 0, or 2 after reporting an unknown column, or 1.
 */
int cli_print_regions(const struct svmt_region_info *const *ri, size_t n,
		      const struct list_opts *lo);

/* table.c: what the tables of list share. */
struct libscols_table;

struct cli_col {
	const char *name;  /* its JSON key is the name in lower case */
	double whint;
	int flags;         /* SCOLS_FL_* */
	int json;          /* SCOLS_JSON_* */
	const char *help;
};

/* The help text of columns @cols, and the default ones. */
void cli_columns_help(FILE *fp, const struct cli_col *cols, int ncols,
		      const int *dflt, size_t ndflt);

/*
 * Parse -o (@spec; NULL: the default) into at most @max indexes of @cols.
 * Returns their count, or -1 after reporting a usage error.
 */
int cli_parse_columns(const char *spec, const struct cli_col *cols, int ncols,
		      const int *dflt, size_t ndflt, int *ids, int max);

/* A table called @name with the columns @ids, formatted as @lo says. */
struct libscols_table *cli_table_new(const char *name,
				     const struct cli_col *cols,
				     const int *ids, int n,
				     const struct list_opts *lo);

/* Print @tb on stdout (JSON as JSON); 0 or -1. */
int cli_table_print(struct libscols_table *tb, int json);

/* A lock as LOCK shows it: free, PID(tag) or PID(dead). */
void cli_lock_str(const struct svmt_lock_info *l, char *buf, size_t len);

/* A user's or a group's name, or its number when it has none. */
void cli_owner_str(uid_t uid, char *buf, size_t len);
void cli_group_str(gid_t gid, char *buf, size_t len);
/* The two above look each id up once; this forgets what they found. */
void cli_names_forget(void);

/* "rw-r-----" into @buf (10 bytes). */
void cli_perms_str(mode_t m, char *buf);

/* ISO 8601 local time ("2026-12-01T16:22:37+00:00"); "" for none. */
void cli_time_str(int64_t t, char *buf, size_t len);

/* Write the help text for the list columns. */
void cli_print_columns_help(FILE *fp);

/* The column names, in order, NULL after the last (for completion). */
const char *cli_column_name(size_t i);

/* ------------------------------------------------------------ output-ns.c */

/*
 * list --namespaces: one row per namespace object in the shm directory,
 * each read as a read-only snapshot (corrupt, unreadable or badly named
 * ones are rows with a STATE).  Returns 0, 2 for an unknown column, 3 or 4
 * when the directory cannot be read, 1.
 */
int cli_print_namespaces(struct cli_ctx *ctx, const struct list_opts *lo);

/* The help text for the --namespaces columns. */
void cli_print_ns_columns_help(FILE *fp);

/* The --namespaces column names, NULL after the last (for completion). */
const char *cli_ns_column_name(size_t i);

/* The namespace's own dump that starts list -v; returns an exit status. */
int cli_print_ns_verbose(FILE *fp, const struct cli_ctx *ctx, svmt_ns *ns);

/* ------------------------------------------------------------- mappers.c */

/* The processes that map one object. */
struct cli_mappers {
	pid_t *pids; /* ascending */
	size_t n, cap;
};

struct cli_mapobj {
	const char *path;   /* the object, or NULL: dev and ino say it */
	dev_t dev;          /* filled by cli_find_mappers() from path */
	ino_t ino;          /* 0: none (matches nothing) */
	struct cli_mappers m;
};

/*
 * Find, in one pass over /proc/PID/maps, the processes (this one left out)
 * that map each of the @n objects; *@skipped counts the processes whose
 * maps could not be read.  Returns 0 or a negative errno.
 */
int cli_find_mappers(struct cli_mapobj *objs, size_t n, unsigned *skipped);
void cli_mappers_free(struct cli_mapobj *objs, size_t n);

/* The command name of @pid ("?" when unknown), printable, into @buf. */
const char *cli_comm(pid_t pid, char *buf, size_t len);

/*
 * The mappers of the objects of the @n regions @ri, one pass: *@objs (one
 * per region) and *@paths to free with cli_mappers_free() and free().
 * Returns 0 or an exit status after a message.
 */
int cli_region_mappers(const struct cli_ctx *ctx,
		       const struct svmt_region_info *const *ri, size_t n,
		       struct cli_mapobj **objs, char **paths, unsigned *skipped);

/* The regions of @l as an array (*@n of them; free it, not them), or NULL. */
const struct svmt_region_info **cli_list_items(const svmt_region_list *l,
					      size_t *n);

/* The first process of @m that is not a live client of @ri, or 0. */
pid_t cli_foreign_mapper(const struct svmt_region_info *ri,
			 const struct cli_mappers *m);

/* Is @pid a live registered client of @ri? */
int cli_is_client(const struct svmt_region_info *ri, pid_t pid);

/* ---------------------------------------------------------------- check.c */

typedef int (*cli_check_fn)(svmt_ns *ns, const char *const *names,
			    size_t nnames, unsigned flags, svmt_event_fn fn,
			    void *arg);

/* A command that checks and repairs: scan and recover. */
struct cli_check {
	const char *name;       /* "scan" */
	const char *usage, *what, *names_help;
	unsigned flags;         /* passed to fn with SVMT_DRY_RUN as asked */
	cli_check_fn fn;        /* svmt_scan or svmt_recover */
	int mappers;            /* also report mappers that are not clients */
};

/*
 * The whole of such a command: parse [NAME...] [--dry-run], run @c->fn
 * over the named regions (all when none), printing one line per event.
 * Returns 0; 6 when a dry run found something; when something found could
 * not be fixed, the status for the reason (5 for a lock held, 1 for a
 * corrupt object); 3 when a named region does not exist (after the others).
 */
int cli_check_command(struct cli_ctx *ctx, int argc, char **argv,
		      const struct cli_check *c);

/* ---------------------------------------------------------------- shell.c */

/*
 * Run the lines of @file ("-": stdin) through cli_run(), stopping at the
 * first failing line unless @force.  Returns the status of the first
 * failing line, or 0.
 */
int cli_batch(struct cli_ctx *ctx, const char *file, int force);

/* Attach region @name and keep it attached by the context (the shell). */
int cli_hold(struct cli_ctx *ctx, const char *name);

/* Detach every region the context holds. */
void cli_release_all(struct cli_ctx *ctx);

#endif /* SVMTOOL_CMD_H */
