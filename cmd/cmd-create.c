/*
 * cmd-create.c - svmtool create: make a persistent region
 */
#include "svmtool-cmd.h"

#include <argtable2.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"svmtool create NAME -s SIZE [--heap | --file PATH] [-m MODE] "
	"[--owner USER]\n                      [--group GROUP] "
	"[--exist-ok] [--base ADDR] [--span SIZE] [--capacity N]";
static const char what[] =
	"Create a persistent region of SIZE bytes and print its name, base and "
	"size.\nThe region stays until 'svmtool unmap' removes it.  Sizes are "
	"decimal or 0x\nhex, with K, M, G, T (or KiB, MiB, GiB, TiB) for powers "
	"of 1024.  With --heap\nthe data area is a heap for svmt_heap_alloc(3); "
	"with --file it is kept in a regular\nfile that outlives the region.  "
	"The mode defaults to 0600\nless the umask.  --base, --span "
	"and --capacity (and -m and\n--group) also apply to the namespace when "
	"this creates it.";

struct create_args {
	char file[4096];        /* --file, made absolute */
	const char *name;
	const char *size_arg;
	struct svmt_ns_opts nso;
	struct svmt_region_opts ro;
};

/* --file PATH: made absolute (the library wants it so); 0 or a status. */
static int file_arg(struct create_args *a, const char *path, int heap)
{
	char cwd[4096];
	int n;

	if (heap)
		return cli_usage("create", "options --heap and --file exclude "
				 "each other");
	if (!path[0])
		return cli_usage("create", "invalid file ''");
	if (path[0] == '/')
		n = snprintf(a->file, sizeof(a->file), "%s", path);
	else if (getcwd(cwd, sizeof(cwd)))
		n = snprintf(a->file, sizeof(a->file), "%s/%s", cwd, path);
	else
		return cli_fail(-errno, "create", a->name);
	if (n < 0 || (size_t)n >= sizeof(a->file) || n > 255)
		return cli_usage("create", "invalid file '%s': the path is "
				 "longer than 255 bytes", path);
	a->ro.file = a->file;
	return 0;
}

/* Fill @a from the options; 0 or a usage status. */
static int get_args(struct create_args *a, struct arg_str *size,
		    struct arg_str *mode, struct arg_str *owner,
		    struct arg_str *group, struct arg_str *base,
		    struct arg_str *span, struct arg_str *capacity)
{
	uint64_t v;
	unsigned id;
	char *end;

	if (cli_parse_size("create", "size", size->sval[0], &a->ro.size) < 0)
		return CLI_EXIT_USAGE;
	if (mode->count) {
		unsigned long m = strtoul(mode->sval[0], &end, 8);

		/* Permission bits only: no setuid, setgid or sticky. */
		if (mode->sval[0][0] < '0' || mode->sval[0][0] > '7' || *end ||
		    m > 0777)
			return cli_usage("create", "invalid mode '%s': expected "
					 "octal permissions, e.g. 0660",
					 mode->sval[0]);
		a->ro.mode = a->nso.mode = (mode_t)m;
		a->ro.flags |= SVMT_REGION_EXACT_MODE;
	}
	if (owner->count) {
		if (cli_parse_id(owner->sval[0], 0, &id) < 0)
			return cli_usage("create", "unknown user '%s'",
					 owner->sval[0]);
		a->ro.owner = id;
	}
	if (group->count) {
		if (cli_parse_id(group->sval[0], 1, &id) < 0)
			return cli_usage("create", "unknown group '%s'",
					 group->sval[0]);
		a->ro.group = a->nso.group = id;
	}
	if (base->count) {
		if (cli_parse_size("create", "base address", base->sval[0],
				   &v) < 0)
			return CLI_EXIT_USAGE;
		if (v % 4096)
			return cli_usage("create", "invalid base address '%s': "
					 "not page aligned", base->sval[0]);
		a->nso.base = v;
	}
	if (span->count) {
		if (cli_parse_size("create", "span", span->sval[0], &v) < 0)
			return CLI_EXIT_USAGE;
		if (v % 4096)
			return cli_usage("create", "invalid span '%s': not a "
					 "multiple of the page size", span->sval[0]);
		a->nso.span = v;
	}
	if (capacity->count) {
		unsigned long c = strtoul(capacity->sval[0], &end, 10);

		if (capacity->sval[0][0] < '1' || capacity->sval[0][0] > '9' ||
		    *end || c > SVMT_MAX_CAPACITY)
			return cli_usage("create", "invalid capacity '%s': "
					 "expected 1 to %u", capacity->sval[0],
					 SVMT_MAX_CAPACITY);
		a->nso.capacity = (uint32_t)c;
	}
	return 0;
}

/* The region exists with another size: say both. */
static int report_size_clash(svmt_ns *ns, const struct create_args *a)
{
	struct svmt_region_info *r;
	char buf[32];

	if (svmt_region_stat(ns, a->name, &r) < 0)
		return cli_fail(SVMT_ESIZE, "create", a->name);
	cli_warn("cannot create '%s': region exists with size %s, not %s",
		 a->name, cli_size_str(r->data_size, 0, buf, sizeof(buf)),
		 a->size_arg);
	svmt_region_info_free(r);
	return CLI_EXIT_FAIL;
}

/* Print what exists now under the name. */
static int print_created(svmt_ns *ns, const char *name)
{
	int err = cli_print_region_line(ns, name);

	if (err == -ENOENT) /* removed already */
		return cli_not_found("list", name);
	return err < 0 ? cli_fail(err, "list", name) : CLI_EXIT_OK;
}

static int span_error(const struct create_args *a, uint64_t span)
{
	char buf[32];

	return cli_usage("create", "invalid size '%s': larger than the "
			 "namespace's address span (%s)", a->size_arg,
			 cli_size_str(span, 0, buf, sizeof(buf)));
}

/* -m applies exactly to a namespace made here too: no umask then. */
static int open_new_ns(const struct create_args *a, svmt_ns **ns)
{
	int exact = (a->ro.flags & SVMT_REGION_EXACT_MODE) != 0;
	mode_t old = exact ? umask(0) : 0;
	int err = svmt_ns_open(&a->nso, ns);

	if (exact)
		umask(old);
	return err;
}

/* A new namespace for the region: the context keeps it. */
static int create_ns(struct cli_ctx *ctx, struct create_args *a,
		     svmt_ns **ns)
{
	uint64_t span = a->nso.span ? a->nso.span : SVMT_DEFAULT_SPAN;
	int err;

	/* Check the size against the span before making the namespace. */
	if (a->ro.size >= span)
		return span_error(a, span);
	err = open_new_ns(a, ns);
	if (err == -EINVAL) { /* --base, --span or --capacity */
		cli_fail(err, "create", a->name);
		return cli_see_help("create");
	}
	if (err < 0)
		return cli_fail(err, "create", a->name);
	cli_ns_adopt(ctx, *ns, CLI_NS_WRITE);
	return 0;
}

/*
 * --base, --span and --capacity shape a new namespace; given for one that
 * exists, they must say what it is (never silently ignored).
 */
static int check_shape(const struct cli_ctx *ctx, const struct create_args *a,
		       const struct svmt_ns_info *in)
{
	char want[32], have[32];
	const char *opt = NULL;

	if (a->nso.base && a->nso.base != in->base) {
		opt = "--base";
		snprintf(want, sizeof(want), "0x%" PRIx64, a->nso.base);
		snprintf(have, sizeof(have), "0x%" PRIx64, in->base);
	} else if (a->nso.span && a->nso.span != in->span) {
		opt = "--span";
		cli_size_str(a->nso.span, 0, want, sizeof(want));
		cli_size_str(in->span, 0, have, sizeof(have));
	} else if (a->nso.capacity && a->nso.capacity != in->capacity) {
		opt = "--capacity";
		snprintf(want, sizeof(want), "%" PRIu32, a->nso.capacity);
		snprintf(have, sizeof(have), "%" PRIu32, in->capacity);
	}
	if (!opt)
		return CLI_EXIT_OK;
	cli_warn("cannot create '%s': namespace '%s' exists with %s %s, not "
		 "%s (%s shapes a new namespace only)", a->name,
		 cli_root_name(ctx), opt + 2, have, want, opt);
	return CLI_EXIT_FAIL;
}

static int do_create(struct cli_ctx *ctx, struct create_args *a)
{
	struct svmt_ns_info info;
	svmt_ns *ns;
	bool made;
	int err;

	err = cli_ns_open(ctx, CLI_NS_OPTIONAL, "create", a->name, &ns);
	made = err == CLI_NS_MISSING;
	if (made)
		err = create_ns(ctx, a, &ns);
	if (err)
		return err;
	err = svmt_ns_info(ns, &info);
	if (err < 0)
		return cli_fail(err, "create", a->name);
	err = check_shape(ctx, a, &info);
	if (err)
		return err;
	if (a->ro.size >= info.span)
		return span_error(a, info.span);
	err = svmt_region_open(ns, a->name, &a->ro, NULL);
	if (err == SVMT_ESIZE)
		return report_size_clash(ns, a);
	if (err == -EFBIG) { /* as the check above: what -s asks is wrong */
		err = cli_usage("create", "invalid size '%s': %s", a->size_arg,
				svmt_errdetail());
		if (made) /* and no namespace is left made for it */
			svmt_ns_remove(&a->nso);
		return err;
	}
	if (err == SVMT_ENOHEAP) {
		cli_warn("cannot create '%s': it exists without a heap", a->name);
		return CLI_EXIT_FAIL;
	}
	if (err < 0)
		return cli_fail(err, "create", a->name);
	return print_created(ns, a->name);
}

int cmd_create(struct cli_ctx *ctx, int argc, char **argv)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_str *size = arg_str1("s", "size", "SIZE",
					"size of the data area");
	struct arg_lit *heap = arg_lit0(NULL, "heap",
					"make the data area a heap");
	struct arg_str *file = arg_str0(NULL, "file", "PATH",
					"keep the data area in this regular file");
	struct arg_str *mode = arg_str0("m", "mode", "MODE",
					"octal permissions, applied exactly");
	struct arg_str *owner = arg_str0(NULL, "owner", "USER",
					 "owner (default: you)");
	struct arg_str *group = arg_str0(NULL, "group", "GROUP",
					 "group (default: yours)");
	struct arg_lit *exist_ok = arg_lit0(NULL, "exist-ok",
					    "succeed if it exists with this size");
	struct arg_str *base = arg_str0(NULL, "base", "ADDR",
					"new namespace: first address of its span");
	struct arg_str *span = arg_str0(NULL, "span", "SIZE",
					"new namespace: size of its address span");
	struct arg_str *capacity = arg_str0(NULL, "capacity", "N",
					    "new namespace: how many regions it holds");
	struct arg_str *name = arg_str1(NULL, NULL, "NAME", "the region's name");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, size, heap, file, mode, owner, group, exist_ok,
			  base, span, capacity, name, end };
	const int n = (int)(sizeof(table) / sizeof(table[0]));
	struct create_args a;
	int ret;

	ret = cli_parse(argc, argv, table, n, usage, what);
	if (ret >= 0)
		goto out;
	memset(&a, 0, sizeof(a));
	a.name = name->sval[0];
	a.size_arg = size->sval[0];
	ret = cli_check_name("create", a.name);
	if (ret)
		goto out;
	cli_ns_opts(ctx, &a.nso, SVMT_NS_CREATE | SVMT_NS_NOATTACH);
	svmt_region_opts_init(&a.ro);
	a.ro.flags = SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT;
	if (!exist_ok->count)
		a.ro.flags |= SVMT_REGION_EXCL;
	if (heap->count)
		a.ro.flags |= SVMT_REGION_HEAP;
	ret = file->count ? file_arg(&a, file->sval[0], heap->count > 0) : 0;
	if (!ret)
		ret = get_args(&a, size, mode, owner, group, base, span,
			       capacity);
	if (ret)
		goto out;
	ret = do_create(ctx, &a);
out:
	arg_freetable(table, (size_t)n);
	return ret;
}
