/*
 * cmd-list.c - svmtool list: show regions, strictly read-only
 */
#include "svmtool-cmd.h"

#include <argtable2.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"svmtool list [NAME...] [-v] [-J | -r | -e] [-n] [-o COLS|+COLS] [-b]";
static const char what[] =
	"List the regions of the namespace (all, or the ones named) with their "
	"clients,\nlocks and state.  It only reads: nothing is attached, "
	"locked or changed.";

static int do_list(struct cli_ctx *ctx, const char **names, int nnames,
		   int verbose, const struct list_opts *lo)
{
	struct svmt_region_info *all = NULL, *sel;
	svmt_ns *ns;
	size_t n = 0, nsel = 0;
	int err, printed, ret;

	err = cli_ns_open(ctx, CLI_NS_OPTIONAL, "list namespace",
			  cli_root_name(ctx), &ns);
	if (err > 0)
		return err;
	if (err == 0) {
		err = svmt_list(ns, &all, &n);
		if (err < 0)
			return cli_fail(err, "list namespace",
					cli_root_name(ctx));
	}
	/* The named regions, in the order given (all when none is named). */
	sel = nnames ? calloc((size_t)nnames, sizeof(*sel)) : all;
	if (nnames && !sel) {
		svmt_list_free(all, n);
		cli_warn("cannot list: out of memory");
		return CLI_EXIT_FAIL;
	}
	for (int i = 0; i < nnames; i++) {
		const struct svmt_region_info *r = cli_find_info(all, n, names[i]);

		if (r)
			sel[nsel++] = *r; /* shallow: all still owns clients */
	}
	if (!nnames)
		nsel = n;
	if (verbose)
		ret = cli_print_verbose(stdout, sel, nsel);
	else
		ret = cli_print_regions(sel, nsel, lo);
	printed = ret;
	/* Then what was not found (after listing the found ones). */
	for (int i = 0; i < nnames && !printed; i++)
		if (!cli_find_info(all, n, names[i]))
			ret = cli_not_found("list", names[i]);
	if (nnames)
		free(sel);
	svmt_list_free(all, n);
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
	struct arg_str *names = arg_strn(NULL, NULL, "NAME", 0, CLI_MAX_NAMES,
					 "only these regions");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, verbose, json, raw, export, noheadings, output,
			  bytes, names, end };
	const int n = (int)(sizeof(table) / sizeof(table[0]));
	struct list_opts lo;
	int ret;

	ret = cli_parse(argc, argv, table, n, usage, what);
	if (ret == CLI_EXIT_OK && help->count)
		cli_print_columns_help(stdout);
	if (ret >= 0)
		goto out;
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
	ret = do_list(ctx, names->sval, names->count, verbose->count > 0, &lo);
out:
	arg_freetable(table, (size_t)n);
	return ret;
}
