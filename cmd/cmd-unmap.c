/*
 * cmd-unmap.c - svmtool unmap: remove regions
 */
#include "svmtool-cmd.h"

#include <argtable2.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "svmtool unmap NAME... [-f | --force]\n"
	"       svmtool unmap --namespace [-f | --force]";
static const char what[] =
	"Remove the regions named: free their directory entries and addresses "
	"and\ndelete their objects.  A region with live clients is kept unless "
	"--force is\ngiven; attached processes keep their mapping until they "
	"detach.  With\n--namespace, remove the namespace -R names: when it "
	"holds no regions, or with\n--force after removing its regions.";

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

/*
 * Who maps the regions of @ns without being their client (python3's mmap,
 * dd, another language): *@ri, *@objs and *@paths for find_foreign(),
 * freed by free_mappers().  Returns 0 or an exit status.
 */
struct mapscan {
	svmt_region_list *l;        /* the whole namespace, or */
	struct svmt_region_info **own; /* the regions named, read one by one */
	const struct svmt_region_info **ri;
	size_t n;
	struct cli_mapobj *objs;
	char *paths;
	unsigned skipped;
};

/*
 * The regions @names (@nnames of them) or, with @names NULL, all of @ns.
 * A name that cannot be read is left out: unmap_one() says why.
 */
static int scan_mappers(struct cli_ctx *ctx, svmt_ns *ns, const char *verb,
			const char **names, int nnames, struct mapscan *s)
{
	int err = 0;

	memset(s, 0, sizeof(*s));
	if (!names) {
		err = svmt_list(ns, &s->l);
		if (err == 0) {
			s->ri = cli_list_items(s->l, &s->n);
			err = s->ri ? 0 : -ENOMEM;
		}
	} else {
		/* O(names), not O(regions): a batch unmaps one at a time. */
		s->own = calloc((size_t)nnames, sizeof(*s->own));
		s->ri = calloc((size_t)nnames, sizeof(*s->ri));
		err = s->own && s->ri ? 0 : -ENOMEM;
		for (int i = 0; i < nnames && !err; i++) {
			if (svmt_region_stat(ns, names[i], &s->own[s->n]) < 0)
				continue;
			s->ri[s->n] = s->own[s->n];
			s->n++;
		}
	}
	if (err < 0)
		return cli_fail(err, verb, cli_root_name(ctx));
	return cli_region_mappers(ctx, s->ri, s->n, &s->objs, &s->paths,
				  &s->skipped);
}

static void free_mappers(struct mapscan *s)
{
	cli_mappers_free(s->objs, s->n);
	free(s->objs);
	free(s->paths);
	free(s->ri);
	for (size_t i = 0; s->own && i < s->n; i++)
		svmt_region_info_free(s->own[i]);
	free(s->own);
	svmt_list_free(s->l);
}

/*
 * Region @name mapped by a process that is not its client: 5, said (as
 * the namespace @root's region when @root is given).
 */
static int foreign_mapper(const struct mapscan *s, const char *root,
			  const char *name)
{
	char comm[32];
	pid_t pid;

	for (size_t i = 0; s->objs && i < s->n; i++) {
		if (strcmp(s->ri[i]->name, cli_bare_name(name)))
			continue;
		pid = cli_foreign_mapper(s->ri[i], &s->objs[i].m);
		if (!pid)
			return CLI_EXIT_OK;
		cli_comm(pid, comm, sizeof(comm));
		if (root)
			cli_warn("cannot unmap namespace '%s': region '%s' is "
				 "mapped by pid %d (%s), not a client; use "
				 "--force", root, s->ri[i]->name, (int)pid, comm);
		else
			cli_warn("cannot unmap '%s': mapped by pid %d (%s), not "
				 "a client; use --force", name, (int)pid, comm);
		return CLI_EXIT_BUSY;
	}
	return CLI_EXIT_OK;
}

static int do_unmap(struct cli_ctx *ctx, const char **names, int nnames,
		    int force)
{
	struct mapscan s;
	svmt_ns *ns = NULL;
	int err, ret = CLI_EXIT_OK, r;

	err = cli_ns_open(ctx, CLI_NS_OPTIONAL, "unmap", names[0], &ns);
	if (err > 0)
		return err;
	if (err == CLI_NS_MISSING)
		return cli_no_namespace(ctx, "unmap");
	/* Without --force, a process mapping the object keeps it. */
	memset(&s, 0, sizeof(s));
	if (!force) {
		ret = scan_mappers(ctx, ns, "unmap", names, nnames, &s);
		if (ret) {
			free_mappers(&s);
			return ret;
		}
	}
	for (int i = 0; i < nnames; i++) {
		r = force ? CLI_EXIT_OK : foreign_mapper(&s, NULL, names[i]);
		if (r == CLI_EXIT_OK)
			r = unmap_one(ctx, ns, names[i], force);
		if (ret == CLI_EXIT_OK)
			ret = r;
	}
	free_mappers(&s);
	return ret;
}

/* The first region of @ri with a live client, or NULL; *@live of them. */
static const struct svmt_region_info *
first_live(const struct svmt_region_info *const *ri, size_t n, uint32_t *live)
{
	for (size_t i = 0; i < n; i++) {
		*live = ri[i]->nclients - ri[i]->nghosts;
		if (*live)
			return ri[i];
	}
	return NULL;
}

static int unmap_namespace(struct cli_ctx *ctx, int force)
{
	const struct svmt_region_info *busy;
	const char *root = cli_root_name(ctx);
	struct svmt_ns_opts o;
	struct mapscan s;
	svmt_ns *ns = NULL;
	size_t n = 0;
	uint32_t live = 0;
	int err, ret = CLI_EXIT_OK;

	err = cli_ns_open(ctx, CLI_NS_OPTIONAL, "unmap namespace", root, &ns);
	if (err > 0)
		return err;
	if (err == CLI_NS_MISSING)
		return cli_no_namespace(ctx, "unmap namespace");
	ret = scan_mappers(ctx, ns, "unmap namespace", NULL, 0, &s);
	for (size_t i = 0; i < s.n && !ret && !force; i++)
		ret = foreign_mapper(&s, root, s.ri[i]->name);
	if (ret) {
		free_mappers(&s);
		return ret;
	}
	n = s.n;
	busy = first_live(s.ri, n, &live);
	if (busy && !force) {
		cli_warn("cannot unmap namespace '%s': region '%s' has %u live "
			 "client%s; use --force", root, busy->name, live,
			 live == 1 ? "" : "s");
		ret = CLI_EXIT_BUSY;
	} else if (n && !force) {
		cli_warn("cannot unmap namespace '%s': it holds %zu region%s "
			 "(first '%s'); use --force", root, n,
			 n == 1 ? "" : "s", s.ri[0]->name);
		ret = CLI_EXIT_BUSY;
	}
	/* --force: the regions first, as unmap --force would, orphans too. */
	for (size_t i = 0; i < n && ret == CLI_EXIT_OK; i++) {
		err = svmt_region_remove(ns, s.ri[i]->name, SVMT_REMOVE_FORCE);
		if (err < 0 && err != -ENOENT)
			ret = cli_fail(err, "unmap", s.ri[i]->name);
	}
	free_mappers(&s);
	if (ret != CLI_EXIT_OK)
		return ret;
	/* Its handle goes first: the namespace will be gone. */
	cli_ns_forget(ctx);
	cli_ns_opts(ctx, &o, 0);
	err = svmt_ns_remove(&o);
	return err < 0 ? cli_fail(err, "unmap namespace", root) : CLI_EXIT_OK;
}

int cmd_unmap(struct cli_ctx *ctx, int argc, char **argv)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_lit *force = arg_lit0("f", "force",
					 "remove even with live clients, or "
					 "when corrupt");
	struct arg_lit *nsopt = arg_lit0(NULL, "namespace",
					 "remove the namespace itself");
	struct arg_str *names = arg_strn(NULL, NULL, "NAME", 0,
					 CLI_MAX_NAMES(argc),
					 "the regions to remove");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, force, nsopt, names, end };
	const int n = (int)(sizeof(table) / sizeof(table[0]));
	int ret;

	ret = cli_parse(argc, argv, table, n, usage, what);
	if (ret >= 0)
		goto out;
	if (nsopt->count && names->count) {
		ret = cli_usage("unmap", "option --namespace takes no NAME: "
				"-R names the namespace");
		goto out;
	}
	if (nsopt->count) {
		ret = unmap_namespace(ctx, force->count > 0);
		goto out;
	}
	if (!names->count) {
		ret = cli_usage("unmap", "missing NAME");
		goto out;
	}
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
