/*
 * cmd-list.c - svmtool list: show regions, strictly read-only
 */
#include "svmtool-cmd.h"

#include <argtable2.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"svmtool list [NAME...] [-v] [-J | -r | -e] [-n] [-o COLS|+COLS] [-b]\n"
	"       svmtool list --namespaces [-J | -r | -e] [-n] [-o COLS|+COLS] "
	"[-b]";
static const char what[] =
	"List the regions of the namespace (all, or the ones named) with their "
	"clients,\nlocks and state; with --namespaces, the namespaces of the "
	"shm directory.\nIt only reads: nothing is attached, locked or "
	"changed.";

/* Does the output show who maps the regions? */
static int wants_mappers(int verbose, const struct list_opts *lo)
{
	return verbose || (lo->json && !lo->columns) ||
	       (lo->columns && strcasestr(lo->columns, "MAPPER"));
}

/*
 * The regions to show into *sel (*nsel of them): all of them (*all), or
 * the ones named, each read alone, in the order given (one[i], NULL for a
 * name that does not exist).
 */
static int collect(svmt_ns *ns, const char **names, int nnames,
		   svmt_region_list **all, struct svmt_region_info **one,
		   const struct svmt_region_info ***sel, size_t *nsel)
{
	size_t n = (size_t)nnames;
	int err;

	if (!nnames) {
		err = svmt_list(ns, all);
		if (err < 0)
			return err;
		n = svmt_list_count(*all);
	}
	*sel = calloc(n + 1, sizeof(**sel));
	if (!*sel)
		return -ENOMEM;
	for (size_t i = 0; !nnames && i < n; i++)
		(*sel)[(*nsel)++] = svmt_list_get(*all, i);
	for (int i = 0; i < nnames; i++) {
		err = svmt_region_stat(ns, names[i], &one[i]);
		if (err < 0 && err != -ENOENT)
			return err;
		if (!err)
			(*sel)[(*nsel)++] = one[i];
	}
	return 0;
}

static int do_list(struct cli_ctx *ctx, const char **names, int nnames,
		   int verbose, const struct list_opts *lo_in)
{
	struct list_opts lo_maps = *lo_in, *lo = &lo_maps;
	struct cli_mapobj *objs = NULL;
	char *paths = NULL;
	unsigned skipped = 0;
	svmt_region_list *all = NULL;
	struct svmt_region_info **one;
	const struct svmt_region_info **sel = NULL;
	svmt_ns *ns = NULL;
	size_t nsel = 0;
	int err, ret = CLI_EXIT_OK, printed, missing;

	err = cli_ns_open(ctx, CLI_NS_OPTIONAL, "list namespace",
			  cli_root_name(ctx), &ns);
	if (err > 0)
		return err;
	missing = err == CLI_NS_MISSING;
	one = calloc((size_t)nnames + 1, sizeof(*one));
	err = !one ? -ENOMEM
		   : ns ? collect(ns, names, nnames, &all, one, &sel, &nsel) : 0;
	if (err < 0) {
		ret = cli_fail(err, "list namespace", cli_root_name(ctx));
		goto out;
	}
	if (wants_mappers(verbose, lo)) {
		ret = cli_region_mappers(ctx, sel, nsel, &objs, &paths,
					 &skipped);
		if (ret)
			goto out;
		lo->maps = objs;
	}
	/* The whole namespace starts with its own dump; named regions alone
	 * are shown as the 2009 tool showed them. */
	if (verbose && !missing && !nnames) {
		ret = cli_print_ns_verbose(stdout, ctx, ns);
		if (!ret && nsel)
			putchar('\n');
	}
	if (verbose) {
		if (!ret)
			ret = cli_print_dumps(stdout, SVMT_FORMAT_VERBOSE, sel,
					      nsel, objs,
						skipped);
	} else {
		ret = cli_print_regions(sel, nsel, lo);
	}
	printed = ret;
	/* An empty document may go out (-J), then the error. */
	if (!printed && missing)
		ret = cli_no_namespace(ctx, "list");
	/* Then what was not found (after listing the found ones). */
	for (int i = 0; i < nnames && !printed && !missing; i++)
		if (!one[i])
			ret = cli_not_found("list", names[i]);
out:
	cli_mappers_free(objs, nsel);
	free(objs);
	free(paths);
	for (int i = 0; one && i < nnames; i++)
		svmt_region_info_free(one[i]);
	free(one);
	free(sel);
	svmt_list_free(all);
	return ret;
}

int cmd_list(struct cli_ctx *ctx, int argc, char **argv)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_lit *verbose = arg_lit0("v", "verbose",
					   "describe each region in full");
	struct arg_lit *json = arg_lit0("J", "json", "JSON output");
	struct arg_lit *raw = arg_lit0("r", "raw", "raw output");
	struct arg_lit *export = arg_lit0("e", "export",
					  "KEY=\"value\" pairs");
	struct arg_lit *noheadings = arg_lit0("n", "noheadings",
					      "no header line");
	struct arg_str *output = arg_str0("o", "output", "COLS",
					  "columns to show, +COLS to add");
	struct arg_lit *bytes = arg_lit0("b", "bytes", "sizes in bytes");
	struct arg_lit *nsopt = arg_lit0("N", "namespaces",
					 "list the namespaces instead");
	struct arg_str *names = arg_strn(NULL, NULL, "NAME", 0,
					 CLI_MAX_NAMES(argc),
					 "only these regions");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, nsopt, verbose, json, raw, export, noheadings,
			  output, bytes, names, end };
	const int n = (int)(sizeof(table) / sizeof(table[0]));
	char prefix[PATH_MAX];
	struct list_opts lo;
	int ret;

	ret = cli_parse(argc, argv, table, n, usage, what);
	if (ret == CLI_EXIT_OK && help->count) {
		cli_print_columns_help(stdout);
		fputs("\nWith --namespaces:", stdout);
		cli_print_ns_columns_help(stdout);
	}
	if (ret >= 0)
		goto out;
	if (nsopt->count && (verbose->count || names->count)) {
		ret = cli_usage("list", "option --namespaces takes no NAME "
				"and excludes -v");
		goto out;
	}
	if (json->count + raw->count + export->count > 1) {
		ret = cli_usage("list", "options -J, -r and -e exclude each other");
		goto out;
	}
	if (verbose->count && (json->count || raw->count || export->count ||
			       output->count)) {
		ret = cli_usage("list", "option -v excludes -J, -r, -e and -o");
		goto out;
	}
	for (int i = 0; i < names->count; i++) {
		ret = cli_check_name("list", names->sval[i]);
		if (ret)
			goto out;
	}
	memset(&lo, 0, sizeof(lo));
	lo.columns = output->count ? output->sval[0] : NULL;
	lo.json = json->count > 0;
	lo.raw = raw->count > 0;
	lo.export = export->count > 0;
	lo.noheadings = noheadings->count > 0;
	lo.bytes = bytes->count > 0;
	cli_object_path(ctx, "", prefix, sizeof(prefix));
	lo.obj_prefix = prefix;
	if (nsopt->count)
		ret = cli_print_namespaces(ctx, &lo);
	else
		ret = do_list(ctx, names->sval, names->count, verbose->count > 0, &lo);
out:
	arg_freetable(table, (size_t)n);
	return ret;
}
