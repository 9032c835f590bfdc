/*
 * dispatch.c - the command context: global options, running one command
 * line through the table, and the namespace a command works on
 */
#include "svmtool-cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

void cli_ctx_init(struct cli_ctx *ctx)
{
	const char *env;

	memset(ctx, 0, sizeof(*ctx));
	ctx->base.timeout_ms = 10000;
	ctx->base.trusted_uid = (uid_t)-1;
	/* The environment first; options override it, line by line. */
	env = getenv("SVMTOOL_ROOT");
	if (env && env[0]) {
		ctx->base.root = env;
		ctx->base.root_from_env = 1;
	}
	env = getenv("SVMTOOL_SHM_DIR");
	if (env && env[0])
		ctx->base.shm_dir = env;
	ctx->g = ctx->base;
}

static void ns_drop_cache(struct cli_ctx *ctx)
{
	if (ctx->ns)
		svmt_ns_close(ctx->ns);
	free(ctx->ns_shm_dir);
	ctx->ns = NULL;
	ctx->ns_shm_dir = NULL;
}

static void ns_drop_line(struct cli_ctx *ctx)
{
	if (ctx->ns_line)
		svmt_ns_close(ctx->ns_line);
	ctx->ns_line = NULL;
}

void cli_ctx_release(struct cli_ctx *ctx)
{
	cli_release_all(ctx);
	ns_drop_line(ctx);
	ns_drop_cache(ctx);
}

/* ------------------------------------------------------------ namespace */

const char *cli_root_name(const struct cli_ctx *ctx)
{
	return ctx->g.root ? cli_bare_name(ctx->g.root) : SVMT_DEFAULT_ROOT;
}

void cli_object_path(const struct cli_ctx *ctx, const char *name, char *buf,
		     size_t len)
{
	const char *dir = ctx->g.shm_dir ? ctx->g.shm_dir : SVMT_DEFAULT_SHM_DIR;

	snprintf(buf, len, "%s/%s%s%s%s", dir, SVMT_FILE_PREFIX,
		 cli_root_name(ctx), name ? ":" : "",
		 name ? cli_bare_name(name) : "");
}

void cli_ns_opts(const struct cli_ctx *ctx, struct svmt_ns_opts *o,
		 unsigned flags)
{
	svmt_ns_opts_init(o);
	o->root = ctx->g.root;
	o->shm_dir = ctx->g.shm_dir;
	o->timeout_ms = ctx->g.timeout_ms;
	o->trusted_uid = ctx->g.trusted_uid;
	o->flags = flags;
}

static int same_dir(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Is the kept handle one for this line's root, directory and timeout? */
static int cache_serves(const struct cli_ctx *ctx, unsigned mode)
{
	return ctx->ns && ctx->ns_mode >= mode &&
	       !strcmp(ctx->ns_root, cli_root_name(ctx)) &&
	       same_dir(ctx->ns_shm_dir, ctx->g.shm_dir) &&
	       ctx->ns_timeout_ms == ctx->g.timeout_ms &&
	       ctx->ns_trusted_uid == ctx->g.trusted_uid;
}

void cli_ns_forget(struct cli_ctx *ctx)
{
	ns_drop_line(ctx);
	ns_drop_cache(ctx);
}

void cli_ns_adopt(struct cli_ctx *ctx, svmt_ns *ns, unsigned mode)
{
	ns_drop_cache(ctx);
	ctx->ns = ns;
	ctx->ns_mode = mode;
	snprintf(ctx->ns_root, sizeof(ctx->ns_root), "%s", cli_root_name(ctx));
	ctx->ns_shm_dir = ctx->g.shm_dir ? strdup(ctx->g.shm_dir) : NULL;
	ctx->ns_timeout_ms = ctx->g.timeout_ms;
	ctx->ns_trusted_uid = ctx->g.trusted_uid;
	if (ctx->g.shm_dir && !ctx->ns_shm_dir)
		ctx->ns_timeout_ms = -2; /* out of memory: never matches */
}

/*
 * A read-only snapshot is taken per line (it is a copy: kept, it would go
 * stale); a handle that changes or maps the namespace is kept by the
 * context, so that a shell or a batch opens its namespace once.
 */
int cli_ns_open(struct cli_ctx *ctx, unsigned flags, const char *verb,
		const char *what, svmt_ns **out)
{
	static const unsigned libflags[] = {
		[CLI_NS_READ] = SVMT_NS_RDONLY,
		[CLI_NS_WRITE] = SVMT_NS_NOATTACH,
		[CLI_NS_ATTACH] = 0,
	};
	unsigned mode = flags & CLI_NS_MASK;
	bool as_table = !mode; /* not a mode the command chose (dry runs do) */
	struct svmt_ns_opts o;
	svmt_ns *ns;
	int err;

	if (!mode)
		mode = ctx->cmd ? ctx->cmd->flags & CLI_NS_MASK : CLI_NS_ATTACH;
	if (!mode)
		mode = CLI_NS_ATTACH;
	*out = NULL;
	/*
	 * A command that only reads (list, show) may use the kept handle: it
	 * reads everything afresh with pread.  A dry run asks for CLI_NS_READ
	 * itself and gets a snapshot of its own.
	 */
	if ((mode != CLI_NS_READ || as_table) && cache_serves(ctx, mode)) {
		*out = ctx->ns;
		return 0;
	}
	/* Let go of the kept one first: another namespace's span may be the
	 * same addresses. */
	if (mode != CLI_NS_READ)
		ns_drop_cache(ctx);
	cli_ns_opts(ctx, &o, libflags[mode]);
	err = svmt_ns_open(&o, &ns);
	if (err == SVMT_ENONS && (flags & CLI_NS_OPTIONAL))
		return CLI_NS_MISSING;
	if ((err == -EACCES || err == -EPERM) && !svmt_errdetail()[0]) {
		char path[PATH_MAX];

		cli_object_path(ctx, NULL, path, sizeof(path));
		return cli_denied(err, verb, what, path,
				  mode == CLI_NS_READ ? "no read access to"
						      : "no read and write "
							"access to");
	}
	if (err < 0)
		return cli_fail(err, verb, what);
	if (mode == CLI_NS_READ) {
		ns_drop_line(ctx);
		ctx->ns_line = ns;
	} else {
		cli_ns_adopt(ctx, ns, mode);
	}
	*out = ns;
	return 0;
}

int cli_no_namespace(const struct cli_ctx *ctx, const char *verb)
{
	cli_warn("cannot %s: no such namespace '%s'", verb, cli_root_name(ctx));
	return CLI_EXIT_NOTFOUND;
}

/* ------------------------------------------------------- global options */

/*
 * Parse the global options into ctx->g.  Returns -1 to go on with the
 * command at argv[*next], or an exit status.
 */
static int parse_globals(struct cli_ctx *ctx, int argc, char **argv,
			 int *next)
{
	enum { OPT_SHM_DIR = 256, OPT_TRUST };
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'R' },
		{ "shm-dir", required_argument, NULL, OPT_SHM_DIR },
		{ "timeout", required_argument, NULL, 'T' },
		{ "trust", required_argument, NULL, OPT_TRUST },
		{ "batch", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *word, *batch = NULL;
	unsigned id;
	int ch;

	/*
	 * Global options end at the command ('+'): what follows belongs to
	 * the command, which parses it with argtable2.  optind 0 starts
	 * getopt afresh: the shell parses line after line.
	 */
	opterr = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+:R:T:b:hV", opts, NULL)) != -1) {
		word = argv[optind - 1];
		switch (ch) {
		case 'R':
			if (svmt_name_check(optarg) < 0)
				return cli_usage(NULL, "invalid root '%s': use 1 "
						 "to 63 of A-Z a-z 0-9 . _ -",
						 optarg);
			ctx->g.root = optarg;
			ctx->g.root_from_env = 0;
			break;
		case OPT_SHM_DIR:
			if (!optarg[0])
				return cli_usage(NULL, "invalid shm directory ''");
			ctx->g.shm_dir = optarg;
			break;
		case 'T':
			ctx->g.timeout_ms = cli_parse_timeout(optarg);
			if (ctx->g.timeout_ms < 0)
				return cli_usage(NULL, "invalid timeout '%s': "
						 "expected seconds, e.g. 0.5",
						 optarg);
			break;
		case OPT_TRUST:
			if (cli_parse_id(optarg, 0, &id) < 0)
				return cli_usage(NULL, "invalid user '%s' for "
						 "--trust", optarg);
			ctx->g.trusted_uid = (uid_t)id;
			break;
		case 'b':
			if (ctx->in_shell)
				return cli_usage(NULL, "option -b is not for a "
						 "line of a batch or the shell");
			batch = optarg;
			break;
		case 'h':
			cli_print_help(ctx, stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("svmtool %s\n", svmt_version());
			return CLI_EXIT_OK;
		case ':':
			return cli_usage(NULL, "option '%.*s' requires an argument",
					 (int)strcspn(word, "="), word);
		default:
			if (!strncmp(word, "--", 2) && !optopt)
				return cli_usage(NULL, "unknown option '%s'", word);
			/* --help=x, --version=x */
			if (!strncmp(word, "--", 2) && strchr(word, '=') &&
			    (optopt == 'h' || optopt == 'V'))
				return cli_usage(NULL, "option '%.*s' takes no "
						 "value", (int)strcspn(word, "="),
						 word);
			return cli_usage(NULL, "unknown option '-%c'", optopt);
		}
	}
	*next = optind;
	if (batch && optind < argc)
		return cli_usage(NULL, "unexpected command '%s' after -b FILE",
				 argv[optind]);
	if (batch) {
		ctx->base = ctx->g;
		return cli_batch(ctx, batch, 0);
	}
	if (optind >= argc) {
		fputs(cli_synopsis, stderr);
		return cli_see_help(NULL);
	}
	if (ctx->g.root_from_env && svmt_name_check(ctx->g.root) < 0 &&
	    strcmp(argv[optind], "help"))
		return cli_usage(NULL, "invalid root '%s' (from SVMTOOL_ROOT)",
				 ctx->g.root);
	return -1;
}

/* ------------------------------------------------------------- one line */

int cli_unknown_command(const struct cli_ctx *ctx, const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++) {
		if (strcmp(c->name, name))
			continue;
		if (ctx->in_shell)
			return cli_usage(NULL, "'%s' does not run inside the "
					 "shell", name);
		return cli_usage(NULL, "'%s' is a word of the shell "
				 "(svmtool shell)", name);
	}
	return cli_usage(NULL, "unknown command '%s'", name);
}

/* After a command's --help: where to read more. */
static void print_man_page(const char *name)
{
	const char *page = name;

	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (!strcmp(c->name, name) && (c->flags & CLI_SHELL_ONLY))
			page = "shell";
	printf("\nSee svmtool-%s(1).\n", page);
}

int cli_run(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_command *c;
	const char *help;
	int ret, next = 0;

	ctx->g = ctx->base;
	ctx->cmd = NULL;
	ret = parse_globals(ctx, argc, argv, &next);
	if (ret < 0) {
		c = cli_find_command(ctx, argv[next]);
		if (c) {
			ctx->cmd = c;
			ret = c->fn(ctx, argc - next, argv + next);
		} else {
			ret = cli_unknown_command(ctx, argv[next]);
		}
	}
	help = cli_help_shown();
	if (help)
		print_man_page(help);
	ns_drop_line(ctx);
	if (!ctx->in_shell)
		ns_drop_cache(ctx);
	ctx->cmd = NULL;
	/* Data that never reached stdout is a failure (e.g. a full disk). */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		char buf[128];

		cli_warn("cannot write to stdout: %s",
			 cli_strerror(errno ? -errno : -EIO, buf, sizeof(buf)));
		clearerr(stdout);
		if (ret == CLI_EXIT_OK)
			ret = CLI_EXIT_FAIL;
	}
	ctx->status = ret;
	return ret;
}
