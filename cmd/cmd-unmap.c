/*
 * cmd-unmap.c - svmtool unmap: remove regions
 */
#include "svmtool-cmd.h"

#include <argtable2.h>
#include <errno.h>
#include <limits.h>
#include <string.h>

static const char usage[] = "svmtool unmap NAME... [-f | --force]";
static const char what[] =
	"Remove the regions named: free their directory entries and addresses "
	"and\ndelete their objects.  A region with live clients is kept unless "
	"--force is\ngiven; attached processes keep their mapping until they "
	"detach.";

/* -EBUSY: say who is attached. */
static int report_busy(svmt_ns *ns, const char *name)
{
	struct svmt_region_info *r;
	char detail[256], pids[256] = "";
	size_t off = 0;
	unsigned live = 0;

	snprintf(detail, sizeof(detail), "%s", svmt_errdetail());
	if (svmt_region_stat(ns, name, &r) < 0)
		return cli_fail_detail(-EBUSY, "unmap", name, detail);
	for (uint32_t i = 0; i < r->nclients; i++) {
		if (!r->clients[i]->alive)
			continue;
		live++;
		if (off < sizeof(pids))
			off += (size_t)snprintf(pids + off, sizeof(pids) - off,
						"%s%d", off ? " " : "",
						(int)r->clients[i]->pid);
	}
	svmt_region_info_free(r);
	if (!live) /* busy for another reason, e.g. being created */
		return cli_fail_detail(-EBUSY, "unmap", name, detail);
	cli_warn("cannot unmap '%s': %u live client%s (pid%s %s); use --force",
		 name, live, live == 1 ? "" : "s", live == 1 ? "" : "s", pids);
	return CLI_EXIT_BUSY;
}

static int unmap_one(struct cli_ctx *ctx, svmt_ns *ns, const char *name,
		     int force)
{
	int err = svmt_region_remove(ns, name, force ? SVMT_REMOVE_FORCE : 0);
	char path[PATH_MAX];

	if (err == -EBUSY && !force)
		return report_busy(ns, name);
	if (err == SVMT_ECORRUPT && !force) {
		err = cli_fail(err, "unmap", name);
		cli_warn("use --force to remove '%s' anyway", name);
		return err;
	}
	/* Deleting a file is the directory's to allow (sticky: the owner). */
	if ((err == -EACCES || err == -EPERM) && !svmt_errdetail()[0]) {
		cli_object_path(ctx, name, path, sizeof(path));
		return cli_denied(err, "unmap", name, path,
				  "no right to delete");
	}
	return err < 0 ? cli_fail(err, "unmap", name) : CLI_EXIT_OK;
}

static int do_unmap(struct cli_ctx *ctx, const char **names, int nnames,
		    int force)
{
	svmt_ns *ns = NULL;
	int err, ret = CLI_EXIT_OK, r;

	err = cli_ns_open(ctx, CLI_NS_OPTIONAL, "unmap", names[0], &ns);
	if (err > 0)
		return err;
	if (err == CLI_NS_MISSING)
		return cli_no_namespace(ctx, "unmap");
	for (int i = 0; i < nnames; i++) {
		r = unmap_one(ctx, ns, names[i], force);
		if (ret == CLI_EXIT_OK)
			ret = r;
	}
	return ret;
}

int cmd_unmap(struct cli_ctx *ctx, int argc, char **argv)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_lit *force = arg_lit0("f", "force",
					 "remove even with live clients, or "
					 "when corrupt");
	struct arg_str *names = arg_strn(NULL, NULL, "NAME", 1, CLI_MAX_NAMES,
					 "the regions to remove");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, force, names, end };
	const int n = (int)(sizeof(table) / sizeof(table[0]));
	int ret;

	ret = cli_parse(argc, argv, table, n, usage, what);
	if (ret >= 0)
		goto out;
	for (int i = 0; i < names->count; i++) {
		ret = cli_check_name("unmap", names->sval[i]);
		if (ret)
			goto out;
	}
	ret = do_unmap(ctx, names->sval, names->count, force->count > 0);
out:
	arg_freetable(table, (size_t)n);
	return ret;
}
