/*
 * shell.c - svmtool shell: an interactive readline console and a batch
 * mode, both running each line through the one dispatcher (cli_run)
 *
 * A line is split into words with sh quoting ('...', "...", \) and run
 * exactly as "svmtool WORDS" would be, in one process: the namespace stays
 * open between lines and regions the shell holds stay attached until they
 * are released or the shell ends.
 */
#include "svmtool-cmd.h"

#include <argtable2.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readline.h"

#define HISTORY_LINES 1000

/* A region the shell holds attached. */
struct cli_held {
	struct cli_held *next;
	svmt_ns *ns;      /* its own reference to the attached namespace */
	svmt_region *r;
	char root[SVMT_NAME_MAX + 1];
	char name[SVMT_NAME_MAX + 1];
};

/* ---------------------------------------------------------------- words */

/*
 * Split @line into words as sh quotes them: '...' keeps everything, "..."
 * keeps everything but \" \\ \$ \` (escaped), \ outside quotes escapes the
 * next character; '#' at the start of a word begins a comment.  The words
 * are written into @buf (at least strlen(line) + 1 bytes) and pointed to
 * from @argv[1..]; @argv[0] is "svmtool".  Returns the argument count
 * (1 for a blank line), or -1 with *@err set.
 */
static int split_words(const char *line, char *buf, char **argv,
		       const char **err)
{
	const char *p = line;
	char *o = buf;
	int argc = 1;

	argv[0] = (char *)"svmtool";
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			break;
		argv[argc++] = o;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' &&
		       *p != '\r') {
			if (*p == '\'') {
				const char *q = strchr(p + 1, '\'');

				if (!q) {
					*err = "unterminated quote (')";
					return -1;
				}
				memcpy(o, p + 1, (size_t)(q - p - 1));
				o += q - p - 1;
				p = q + 1;
			} else if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && p[1] &&
					    strchr("\"\\$`", p[1]))
						p++;
					*o++ = *p;
				}
				if (!*p) {
					*err = "unterminated quote (\")";
					return -1;
				}
				p++;
			} else if (*p == '\\') {
				if (!p[1]) {
					*err = "nothing after '\\'";
					return -1;
				}
				*o++ = p[1];
				p += 2;
			} else {
				*o++ = *p++;
			}
		}
		*o++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}

/* Run one line; blank lines and comments do nothing (-1). */
static int run_line(struct cli_ctx *ctx, const char *line)
{
	size_t len = strlen(line);
	char *buf = malloc(len + 1);
	char **argv = calloc(len / 2 + 3, sizeof(*argv));
	const char *err = NULL;
	int argc, ret = -1;

	if (!buf || !argv) {
		cli_warn("out of memory");
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	argc = split_words(line, buf, argv, &err);
	if (argc < 0)
		ret = cli_usage(NULL, "%s", err);
	else if (argc > 1)
		ret = cli_run(ctx, argc, argv);
out:
	free(argv);
	free(buf);
	if (ret >= 0)
		ctx->status = ret;
	return ret;
}

/* ---------------------------------------------------------------- batch */

/*
 * Lines of @fp (named @file in messages) until the end or, unless @force,
 * the first failing line.  Returns the status of the first failing line,
 * or 0.
 */
static int run_batch(struct cli_ctx *ctx, FILE *fp, const char *file,
		     int force)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	int first = CLI_EXIT_OK, ret;

	while (!ctx->quit && getline(&line, &cap, fp) >= 0) {
		lineno++;
		cli_set_origin(file, lineno);
		ret = run_line(ctx, line);
		if (ret > 0 && first == CLI_EXIT_OK)
			first = ret;
		if (ret > 0 && !force)
			break;
	}
	cli_set_origin(NULL, 0);
	if (ferror(fp)) {
		char buf[128];

		cli_warn("cannot read '%s': %s", file,
			 cli_syserr(errno, buf, sizeof(buf)));
		if (first == CLI_EXIT_OK)
			first = CLI_EXIT_FAIL;
	}
	free(line);
	return first;
}

int cli_batch(struct cli_ctx *ctx, const char *file, int force)
{
	FILE *fp = strcmp(file, "-") ? fopen(file, "re") : stdin;
	int ret;

	if (!fp) {
		char buf[128];
		int e = errno;

		cli_warn("cannot open batch file '%s': %s", file,
			 cli_syserr(e, buf, sizeof(buf)));
		return e == ENOENT ? CLI_EXIT_NOTFOUND
		       : e == EACCES ? CLI_EXIT_PERM : CLI_EXIT_FAIL;
	}
	ctx->in_shell = 1;
	ctx->lines_on_stdin = fp == stdin;
	ret = run_batch(ctx, fp, file, force);
	if (fp != stdin)
		fclose(fp);
	return ret;
}

/* ------------------------------------------------------------ held regions */

static struct cli_held **find_held(struct cli_ctx *ctx, const char *name)
{
	struct cli_held **h;

	name = cli_bare_name(name);
	for (h = &ctx->held; *h; h = &(*h)->next)
		if (!strcmp((*h)->name, name) &&
		    !strcmp((*h)->root, cli_root_name(ctx)))
			return h;
	return NULL;
}

int cli_hold(struct cli_ctx *ctx, const char *name)
{
	struct svmt_region_opts ro;
	struct svmt_ns_opts nso;
	struct cli_held *h;
	int err;

	if (find_held(ctx, name)) {
		cli_warn("cannot hold '%s': held already", name);
		return CLI_EXIT_BUSY;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return cli_fail(-ENOMEM, "hold", name);
	/* Its own reference: the kept handle may change with the root. */
	cli_ns_opts(ctx, &nso, 0);
	err = svmt_ns_open(&nso, &h->ns);
	if (err < 0) {
		free(h);
		return cli_fail(err, "map", name);
	}
	svmt_region_opts_init(&ro);
	err = svmt_region_open(h->ns, name, &ro, &h->r);
	if (err < 0) {
		svmt_ns_close(h->ns);
		free(h);
		return cli_fail(err, "map", name);
	}
	snprintf(h->root, sizeof(h->root), "%s", cli_root_name(ctx));
	snprintf(h->name, sizeof(h->name), "%s", svmt_region_name(h->r));
	h->next = ctx->held;
	ctx->held = h;
	err = cli_print_region_line(h->ns, h->name);
	if (err < 0)
		return cli_fail(err, "map", name);
	printf("%s: held by this shell (pid %d) until 'release %s'\n",
	       h->name, (int)getpid(), h->name);
	return CLI_EXIT_OK;
}

static int release_one(struct cli_held **hp)
{
	struct cli_held *h = *hp;
	int err = svmt_region_close(h->r);

	svmt_ns_close(h->ns);
	*hp = h->next;
	if (err < 0)
		cli_fail(err, "detach from", h->name);
	free(h);
	return err < 0 ? cli_exit_code(err) : CLI_EXIT_OK;
}

void cli_release_all(struct cli_ctx *ctx)
{
	while (ctx->held)
		release_one(&ctx->held);
}

/* ---------------------------------------------------------- shell words */

/* Parse a shell word's options; -1 to go on, or the status. */
#define PARSE(argc, argv, table, usage, what) \
	cli_parse(argc, argv, table, (int)(sizeof(table) / sizeof(table[0])), \
		  usage, what)
#define FREE(table) arg_freetable(table, sizeof(table) / sizeof(table[0]))

int cmd_hold(struct cli_ctx *ctx, int argc, char **argv)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_str *name = arg_str1(NULL, NULL, "NAME", "the region's name");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, name, end };
	int ret = PARSE(argc, argv, table, "hold NAME",
			"Attach region NAME and keep it attached in this shell "
			"until 'release NAME'\nor the end of the shell; "
			"'svmtool list' shows the shell as a client.");

	if (ret < 0) {
		ret = cli_check_name("hold", name->sval[0]);
		if (ret == 0)
			ret = cli_hold(ctx, name->sval[0]);
	}
	FREE(table);
	return ret;
}

int cmd_release(struct cli_ctx *ctx, int argc, char **argv)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_lit *all = arg_lit0("a", "all", "every region held");
	struct arg_str *names = arg_strn(NULL, NULL, "NAME", 0,
					 CLI_MAX_NAMES(argc),
					 "the regions to release");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, all, names, end };
	int ret = PARSE(argc, argv, table, "release NAME... | release --all",
			"Detach regions this shell holds (see 'hold').");

	if (ret >= 0)
		goto out;
	ret = CLI_EXIT_OK;
	if (!names->count && !all->count) {
		ret = cli_usage("release", "name a region, or --all");
		goto out;
	}
	if (all->count)
		cli_release_all(ctx);
	for (int i = 0; i < names->count; i++) {
		struct cli_held **h = find_held(ctx, names->sval[i]);
		int r = h ? release_one(h) : CLI_EXIT_NOTFOUND;

		if (!h)
			cli_warn("cannot release '%s': not held by this shell",
				 names->sval[i]);
		if (ret == CLI_EXIT_OK)
			ret = r;
	}
out:
	FREE(table);
	return ret;
}

/* Does @text, of @nlines lines, need a pager on this terminal? */
static int needs_pager(size_t nlines)
{
	struct winsize ws;

	return isatty(STDOUT_FILENO) &&
	       ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	       nlines >= ws.ws_row;
}

/* Write @text to stdout, through $PAGER when it is taller than the screen. */
static void page(const char *text, size_t len)
{
	const char *pager = getenv("PAGER");
	size_t nlines = 0;
	FILE *p;

	for (size_t i = 0; i < len; i++)
		nlines += text[i] == '\n';
	if (!needs_pager(nlines) || (pager && !pager[0]) ||
	    (pager && !strcmp(pager, "cat"))) {
		fwrite(text, 1, len, stdout);
		return;
	}
	fflush(stdout);
	/* As git does: quit at the end of a short text, keep colours. */
	setenv("LESS", getenv("LESS") ? getenv("LESS") : "FRX", 1);
	p = popen(pager ? pager : "less", "w");
	if (!p) {
		fwrite(text, 1, len, stdout);
		return;
	}
	signal(SIGPIPE, SIG_IGN); /* the reader may quit early */
	fwrite(text, 1, len, p);
	pclose(p);
	signal(SIGPIPE, SIG_DFL);
}

int cmd_show(struct cli_ctx *ctx, int argc, char **argv)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_lit *verbose = arg_lit0("v", "verbose",
					   "flags, data and VM lines too");
	struct arg_str *names = arg_strn(NULL, NULL, "NAME", 0,
					 CLI_MAX_NAMES(argc),
					 "only these regions");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, verbose, names, end };
	svmt_region_list *all = NULL;
	const struct svmt_region_info **sel = NULL;
	size_t n = 0, nsel = 0, len = 0;
	char *text = NULL;
	FILE *mem = NULL;
	svmt_ns *ns;
	int ret = PARSE(argc, argv, table, "show [-v] [NAME...]",
			"Describe regions (all, or the ones named) in the words "
			"of the 2009\nformat_svm_region, as 'list -v' does.  "
			"Long dumps page through $PAGER.");

	if (ret >= 0)
		goto out;
	for (int i = 0; i < names->count; i++)
		if ((ret = cli_check_name("show", names->sval[i])) != 0)
			goto out;
	ret = cli_ns_open(ctx, CLI_NS_OPTIONAL, "show namespace",
			  cli_root_name(ctx), &ns);
	if (ret > 0)
		goto out;
	if (ret == 0 && (ret = svmt_list(ns, &all)) < 0) {
		ret = cli_fail(ret, "show namespace", cli_root_name(ctx));
		goto out;
	}
	/* The ones named, in the order given (all when none is named). */
	n = names->count ? (size_t)names->count : svmt_list_count(all);
	sel = calloc(n + 1, sizeof(*sel));
	mem = sel ? open_memstream(&text, &len) : NULL;
	if (!mem) {
		ret = cli_fail(-ENOMEM, "show namespace", cli_root_name(ctx));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct svmt_region_info *ri = names->count
			? svmt_list_find(all, names->sval[i])
			: svmt_list_get(all, i);

		if (ri)
			sel[nsel++] = ri;
	}
	ret = cli_print_dumps(mem, verbose->count ? SVMT_FORMAT_VERBOSE : 0,
			      sel, nsel, NULL, 0);
	fclose(mem);
	page(text, len);
	for (int k = 0; k < names->count && ret == CLI_EXIT_OK; k++)
		if (!svmt_list_find(all, names->sval[k]))
			ret = cli_not_found("show", names->sval[k]);
out:
	free(sel);
	free(text);
	svmt_list_free(all);
	FREE(table);
	return ret;
}

int cmd_root(struct cli_ctx *ctx, int argc, char **argv)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_str *root = arg_str0(NULL, NULL, "ROOT", "the namespace");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, root, end };
	int ret = PARSE(argc, argv, table, "root [ROOT]",
			"Work in namespace ROOT from now on (as -R ROOT does "
			"for one line);\nwithout ROOT, print the current one.");

	if (ret >= 0)
		goto out;
	ret = CLI_EXIT_OK;
	if (!root->count) {
		printf("%s\n", cli_root_name(ctx));
	} else if (svmt_name_check(root->sval[0]) < 0) {
		ret = cli_usage("root", "invalid root '%s': use 1 to 63 of "
				"A-Z a-z 0-9 . _ -", root->sval[0]);
	} else {
		snprintf(ctx->base_root, sizeof(ctx->base_root), "%s",
			 cli_bare_name(root->sval[0]));
		ctx->base.root = ctx->base_root;
		ctx->base.root_from_env = 0;
	}
out:
	FREE(table);
	return ret;
}

int cmd_status(struct cli_ctx *ctx, int argc, char **argv)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, end };
	int ret = PARSE(argc, argv, table, "status",
			"Print the exit status of the last command, as $? does.");

	if (ret < 0) {
		printf("%d\n", ctx->status);
		ret = CLI_EXIT_OK;
	}
	FREE(table);
	return ret;
}

int cmd_quit(struct cli_ctx *ctx, int argc, char **argv)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, end };
	int ret = PARSE(argc, argv, table, "quit | exit",
			"Leave the shell, releasing every region it holds; the "
			"exit status is\nthat of the last command.");

	if (ret < 0) {
		ctx->quit = 1;
		ret = ctx->status;
	}
	FREE(table);
	return ret;
}

/* ---------------------------------------------------------------- history */

/* The history file: $SVMTOOL_HISTFILE ("" = none), else under XDG state. */
static char *history_path(void)
{
	const char *env = getenv("SVMTOOL_HISTFILE");
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char *path = NULL, *dir;

	if (env)
		return env[0] ? strdup(env) : NULL;
	if (state && state[0] == '/') {
		if (asprintf(&path, "%s/svmtool/history", state) < 0)
			return NULL;
	} else if (home && home[0]) {
		if (asprintf(&path, "%s/.local/state/svmtool/history", home) < 0)
			return NULL;
	} else {
		return NULL;
	}
	/* mkdir -p of its directory, private. */
	dir = strdup(path);
	for (char *s = dir ? strchr(dir + 1, '/') : NULL; s;
	     s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(dir, 0700);
		*s = '/';
	}
	free(dir);
	return path;
}

/*
 * Append this session's lines and cut the file to HISTORY_LINES, under a
 * lock: two shells ending at once lose nothing.
 */
static void history_save(const char *path, int added)
{
	char *dir, *slash;
	int fd, lock;

	if (!path || added <= 0)
		return;
	/* The lock is on the directory: cutting the file replaces it. */
	dir = strdup(path);
	slash = dir ? strrchr(dir, '/') : NULL;
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	lock = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (lock < 0)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0 && flock(lock, LOCK_EX) == 0) {
		int n = *cli_rl.history_length;

		cli_rl.append_history(added < n ? added : n, path);
		cli_rl.history_truncate_file(path, HISTORY_LINES);
	}
	if (fd >= 0)
		close(fd);
	close(lock);
}

/* ------------------------------------------------------------- completion */

static struct cli_ctx *comp_ctx;
static char **comp_words;   /* the candidates of the word being completed */
static size_t comp_n;

static void comp_reset(void)
{
	for (size_t i = 0; i < comp_n; i++)
		free(comp_words[i]);
	free(comp_words);
	comp_words = NULL;
	comp_n = 0;
}

static void comp_add(const char *prefix, const char *text, const char *w)
{
	char **v;
	char *s;

	if (strncmp(w, text, strlen(text)))
		return;
	v = realloc(comp_words, (comp_n + 1) * sizeof(*v));
	if (!v)
		return;
	comp_words = v;
	if (asprintf(&s, "%s%s", prefix, w) >= 0)
		comp_words[comp_n++] = s;
}

static char *comp_next(const char *text, int state)
{
	static size_t i;

	(void)text;
	if (!state)
		i = 0;
	return i < comp_n ? strdup(comp_words[i++]) : NULL;
}

static void comp_commands(const char *text)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (cli_find_command(comp_ctx, c->name) == c)
			comp_add("", text, c->name);
}

/* The options of @c, read from its own --help (the one source). */
static void comp_options(const struct cli_command *c, const char *text)
{
	char *args[] = { (char *)c->name, (char *)"--help", NULL };
	const struct cli_command *saved = comp_ctx->cmd;
	char buf[8192];
	ssize_t len;
	int fd = memfd_create("svmtool-help", MFD_CLOEXEC), out;

	if (fd < 0)
		return;
	fflush(stdout);
	out = dup(STDOUT_FILENO);
	if (out < 0 || dup2(fd, STDOUT_FILENO) < 0) {
		close(fd);
		if (out >= 0)
			close(out);
		return;
	}
	comp_ctx->cmd = c;
	c->fn(comp_ctx, 2, args);
	comp_ctx->cmd = saved;
	fflush(stdout);
	dup2(out, STDOUT_FILENO);
	close(out);
	len = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (len <= 0)
		return;
	buf[len] = '\0';
	/* Glossary lines: "  -s, --size=SIZE  ..." */
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *p = line;

		if (strncmp(p, "  -", 3))
			continue;
		while (*p == ' ' || *p == ',')
			p++;
		while (*p == '-') {
			size_t n = strcspn(p, " ,=");
			char w[64];

			snprintf(w, sizeof(w), "%.*s", (int)n, p);
			comp_add("", text, w);
			p += n;
			p += strcspn(p, " ,");
			while (*p == ',' || (*p == ' ' && p[1] == '-'))
				p++;
		}
	}
}

/* Column names after -o (of list --namespaces with @ns), continuing a
 * comma list. */
static void comp_columns(const char *text, int ns)
{
	const char *(*name)(size_t) = ns ? cli_ns_column_name : cli_column_name;
	const char *last = strrchr(text, ',');
	char prefix[256];
	size_t plen = last ? (size_t)(last - text + 1)
			   : (text[0] == '+' ? 1u : 0u);

	snprintf(prefix, sizeof(prefix), "%.*s", (int)plen, text);
	for (size_t i = 0; name(i); i++)
		comp_add(prefix, text + plen, name(i));
	*cli_rl.rl_completion_suppress_append = 1; /* a comma may follow */
}

static int has_word(int argc, char **argv, const char *w)
{
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], w))
			return 1;
	return 0;
}

/* Namespaces: objects "svmt:ROOT" of the shm directory. */
static void comp_roots(const char *text)
{
	const char *dir = comp_ctx->g.shm_dir ? comp_ctx->g.shm_dir
					      : SVMT_DEFAULT_SHM_DIR;
	const size_t plen = sizeof(SVMT_FILE_PREFIX) - 1;
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, SVMT_FILE_PREFIX, plen) &&
		    !strchr(e->d_name + plen, ':') &&
		    svmt_name_check(e->d_name + plen) == 0)
			comp_add("", text, e->d_name + plen);
	closedir(d);
}

/* Live region names of the current namespace, read through the library. */
static void comp_regions(const char *text)
{
	svmt_region_list *l;
	struct svmt_ns_opts o;
	svmt_ns *ns;

	cli_ns_opts(comp_ctx, &o, SVMT_NS_RDONLY);
	o.timeout_ms = 0;
	if (svmt_ns_open(&o, &ns) < 0)
		return;
	if (svmt_list(ns, &l) == 0) {
		for (size_t i = 0; i < svmt_list_count(l); i++)
			comp_add("", text, svmt_list_get(l, i)->name);
		svmt_list_free(l);
	}
	svmt_ns_close(ns);
}

static void comp_held(const char *text)
{
	for (struct cli_held *h = comp_ctx->held; h; h = h->next)
		comp_add("", text, h->name);
}

static char **complete(const char *text, int start, int end)
{
	char *line = strndup(*cli_rl.rl_line_buffer, (size_t)start);
	char **argv = calloc((size_t)start / 2 + 3, sizeof(*argv));
	char *buf = malloc((size_t)start + 1);
	const struct cli_command *c = NULL;
	const char *err, *prev;
	int argc, i;

	(void)end;
	*cli_rl.rl_attempted_completion_over = 1; /* never file names */
	comp_reset();
	if (!line || !argv || !buf)
		goto out;
	argc = split_words(line, buf, argv, &err);
	if (argc < 0)
		goto out;
	/* The global options before the command: -R and --shm-dir count. */
	comp_ctx->g = comp_ctx->base;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "-R") || !strcmp(argv[i], "--root")) {
			if (val && svmt_name_check(val) == 0)
				comp_ctx->g.root = val;
		} else if (!strcmp(argv[i], "--shm-dir")) {
			if (val)
				comp_ctx->g.shm_dir = val;
		} else if (strcmp(argv[i], "-T") &&
			   strcmp(argv[i], "--timeout") &&
			   strcmp(argv[i], "--trust")) {
			continue;
		}
		i++;
	}
	prev = argc > 1 ? argv[argc - 1] : "";
	if (!strcmp(prev, "-R") || !strcmp(prev, "--root")) {
		comp_roots(text);
		goto out;
	}
	if (i >= argc) {
		if (text[0] == '-')
			goto out;
		comp_commands(text);
		goto out;
	}
	c = cli_find_command(comp_ctx, argv[i]);
	if (!c)
		goto out;
	if (!strcmp(prev, "-o") || !strcmp(prev, "--output"))
		comp_columns(text, has_word(argc, argv, "-N") ||
			     has_word(argc, argv, "--namespaces"));
	else if (text[0] == '-')
		comp_options(c, text);
	else if (c->fn == cmd_root)
		comp_roots(text);
	else if (c->fn == cmd_help)
		comp_commands(text);
	else if (c->fn == cmd_release)
		comp_held(text);
	else if (c->flags & CLI_NS_MASK && c->fn != cmd_create)
		comp_regions(text);
out:
	comp_ctx->g = comp_ctx->base; /* argv dies here */
	free(buf);
	free(argv);
	free(line);
	return comp_n ? cli_rl.rl_completion_matches(text, comp_next) : NULL;
}

/* ------------------------------------------------------------ interactive */

/* sig_atomic_t, as svmt_set_interrupt() reads it */
static volatile int interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static char *got_line;
static int got;

static void on_line(char *line)
{
	got_line = line;
	got = 1;
	/* no second prompt after the line */
	cli_rl.rl_callback_handler_remove();
}

/*
 * One line through readline's callback interface, so that Ctrl-C (which
 * interrupts the wait for input) drops the half-typed line at once.
 * Returns the line, or NULL at the end of input or after Ctrl-C
 * (*@intr set).
 */
static char *read_line(const char *prompt, int *intr)
{
	sigset_t block, wait_mask;

	got = 0;
	got_line = NULL;
	*intr = 0;
	interrupted = 0;
	/* SIGINT comes only while waiting (pselect), never between a check
	 * of the flag and the wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	cli_rl.rl_callback_handler_install(prompt, on_line);
	while (!got) {
		fd_set fds;

		FD_ZERO(&fds);
		FD_SET(STDIN_FILENO, &fds);
		if (pselect(STDIN_FILENO + 1, &fds, NULL, NULL, NULL,
			    &wait_mask) < 0) {
			if (errno != EINTR || !interrupted)
				continue;
			/* As sh does: "^C", then a fresh prompt. */
			fputs("^C\n", stdout);
			fflush(stdout);
			cli_rl.rl_free_line_state();
			cli_rl.rl_callback_sigcleanup();
			cli_rl.rl_callback_handler_remove();
			*intr = 1;
			break;
		}
		cli_rl.rl_callback_read_char();
	}
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	return *intr ? NULL : got_line;
}

static int interactive(struct cli_ctx *ctx)
{
	struct sigaction sa = { .sa_handler = on_sigint }, old;
	char prompt[SVMT_NAME_MAX + 16], err[256];
	int added = 0, intr;
	char *hist;

	if (cli_rl_load(err, sizeof(err))) {
		cli_warn("the interactive shell needs GNU readline: %s (a "
			 "batch does not: svmtool -b FILE)", err);
		return CLI_EXIT_FAIL;
	}
	hist = history_path();
	*cli_rl.rl_readline_name = "svmtool";
	*cli_rl.rl_attempted_completion_function = complete;
	/* ours: Ctrl-C drops the line, not the shell */
	*cli_rl.rl_catch_signals = 0;
	comp_ctx = ctx;
	cli_rl.using_history();
	cli_rl.stifle_history(HISTORY_LINES);
	if (hist)
		cli_rl.read_history(hist);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old); /* no SA_RESTART: reads return EINTR */
	/* Ctrl-C while a command waits for a lock abandons the wait. */
	svmt_set_interrupt(&interrupted);
	ctx->interactive = 1;
	while (!ctx->quit) {
		char *line;

		ctx->g = ctx->base;
		snprintf(prompt, sizeof(prompt), "svmtool[%s]> ",
			 cli_root_name(ctx));
		line = read_line(prompt, &intr);
		if (intr)
			continue;
		if (!line) {
			putchar('\n'); /* Ctrl-D */
			break;
		}
		if (line[strspn(line, " \t")]) {
			cli_rl.add_history(line);
			added++;
		}
		interrupted = 0;
		run_line(ctx, line);
		free(line);
	}
	svmt_set_interrupt(NULL);
	sigaction(SIGINT, &old, NULL);
	history_save(hist, added);
	free(hist);
	comp_reset();
	return ctx->status;
}

/* ------------------------------------------------------------- the command */

int cmd_shell(struct cli_ctx *ctx, int argc, char **argv)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_str *batch = arg_str0("b", "batch", "FILE",
					 "run the lines of FILE (- for stdin)");
	struct arg_lit *force = arg_lit0("f", "force",
					 "go on after a failing line");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, batch, force, end };
	int ret = PARSE(argc, argv, table,
			"svmtool shell [--batch FILE] [--force]",
			"An interactive console running svmtool commands, one "
			"per line, with\ncompletion and history; or, with "
			"--batch or when stdin is not a terminal,\nthe lines of "
			"a file.  A batch stops at the first failing line unless "
			"--force\nis given; its exit status is that of the first "
			"failing line.");

	if (ret >= 0)
		goto out;
	ctx->base = ctx->g; /* svmtool -R ROOT shell: every line in ROOT */
	if (batch->count)
		ret = cli_batch(ctx, batch->sval[0], force->count > 0);
	else if (!isatty(STDIN_FILENO))
		ret = cli_batch(ctx, "-", force->count > 0);
	else {
		ctx->in_shell = 1;
		ret = interactive(ctx);
	}
	cli_release_all(ctx);
out:
	FREE(table);
	return ret;
}
