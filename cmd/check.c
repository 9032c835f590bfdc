/*
 * check.c - scan and recover: one diagnosis command, run dry or for real
 */
#include "svmtool-cmd.h"

#include <argtable2.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- events */

/* "foo: removed dead client 1234": the library's words for what it found. */
static void print_event(const struct cli_ctx *ctx,
			const struct svmt_event *ev)
{
	if (ev->region[0])
		printf("%s: ", ev->region);
	else
		printf("namespace %s: ", cli_root_name(ctx));
	if (ev->detail[0])
		printf("%s\n", ev->detail);
	else
		printf("problem of kind %d%s\n", ev->kind,
		       ev->fixed ? ", repaired" : "");
}

/* A dry run may look at another user's namespace: say whose it is. */
static void print_owner(const struct cli_ctx *ctx, svmt_ns *ns)
{
	struct svmt_ns_info info;
	char user[96];

	if (svmt_ns_info(ns, &info) < 0 || info.uid == geteuid())
		return;
	printf("namespace %s: owned by %s\n", cli_root_name(ctx),
	       cli_user_str(info.uid, user, sizeof(user)));
}

/* ------------------------------------------------------- scan and recover */

struct check_state {
	const struct cli_ctx *ctx;
	unsigned found;
	unsigned nunfixed;
	int unfixed; /* exit status for the first problem left unfixed */
};

static void on_event(const struct svmt_event *ev, void *arg)
{
	struct check_state *st = arg;

	st->found++;
	st->nunfixed += !ev->fixed;
	/* e.g. -ETIMEDOUT (lock held: busy) or SVMT_ECORRUPT (failure) */
	if (!ev->fixed && !st->unfixed)
		st->unfixed = ev->error ? cli_exit_code(ev->error)
					: CLI_EXIT_FAIL;
	print_event(st->ctx, ev);
}

/*
 * "foo: mapped by pid 4242 (python3), not a client": processes that map a
 * region without the library.  Reported only: neither killed nor
 * registered.
 */
static void report_mappers(struct cli_ctx *ctx, svmt_ns *ns,
			   const char *const *names, size_t nnames)
{
	const struct svmt_region_info **ri;
	svmt_region_list *l = NULL;
	struct cli_mapobj *objs = NULL;
	char *paths = NULL, comm[32];
	unsigned skipped;
	size_t n = 0;

	if (svmt_list(ns, &l) < 0)
		return;
	ri = cli_list_items(l, &n);
	if (ri && cli_region_mappers(ctx, ri, n, &objs, &paths, &skipped) == 0)
		for (size_t i = 0; i < n; i++) {
			const struct cli_mappers *m = &objs[i].m;
			size_t k;

			for (k = 0; k < nnames; k++)
				if (!strcmp(names[k], ri[i]->name))
					break;
			if (nnames && k == nnames)
				continue;
			for (size_t j = 0; j < m->n; j++)
				if (!cli_is_client(ri[i], m->pids[j]))
					printf("%s: mapped by pid %d (%s), not "
					       "a client\n", ri[i]->name,
					       (int)m->pids[j],
					       cli_comm(m->pids[j], comm,
							sizeof(comm)));
		}
	cli_mappers_free(objs, n);
	free(objs);
	free(paths);
	free(ri);
	svmt_list_free(l);
}

static int run_check(struct cli_ctx *ctx, const char *cmd,
		     char const *const *names, int nnames, int dry_run,
		     unsigned flags, cli_check_fn fn, int mappers)
{
	svmt_region_list *ri = NULL;
	struct check_state st = { ctx, 0, 0, 0 };
	const char **found = NULL;
	size_t nfound = 0;
	char verb[32];
	svmt_ns *ns;
	int err, ret = CLI_EXIT_OK;

	snprintf(verb, sizeof(verb), "%s namespace", cmd);

	for (int i = 0; i < nnames; i++)
		if (cli_check_name(cmd, names[i]))
			return CLI_EXIT_USAGE;
	err = cli_ns_open(ctx, (dry_run ? CLI_NS_READ : CLI_NS_WRITE) |
			  CLI_NS_OPTIONAL, verb, cli_root_name(ctx), &ns);
	if (err == CLI_NS_MISSING)
		return cli_no_namespace(ctx, cmd);
	if (err)
		return err;
	if (dry_run)
		print_owner(ctx, ns);
	/* Check only the named regions that exist; report the others. */
	if (nnames) {
		err = svmt_list(ns, &ri);
		found = calloc((size_t)nnames, sizeof(*found));
		if (err < 0 || !found) {
			ret = cli_fail(err < 0 ? err : -ENOMEM, verb,
				       cli_root_name(ctx));
			goto out;
		}
		for (int i = 0; i < nnames; i++)
			if (svmt_list_find(ri, names[i]))
				found[nfound++] = cli_bare_name(names[i]);
	}
	if (!nnames || nfound) {
		if (dry_run)
			flags |= SVMT_DRY_RUN;
		err = fn(ns, found, nfound, flags, on_event, &st);
		if (err < 0)
			ret = cli_fail(err, verb, cli_root_name(ctx));
		else if (mappers)
			report_mappers(ctx, ns, found, nfound);
	}
	for (int i = 0; i < nnames; i++)
		if (!svmt_list_find(ri, names[i])) {
			err = cli_not_found(cmd, names[i]);
			if (ret == CLI_EXIT_OK)
				ret = err;
		}
	if (ret == CLI_EXIT_OK && dry_run && st.found)
		ret = CLI_EXIT_PROBLEMS;
	else if (ret == CLI_EXIT_OK && st.unfixed) {
		cli_warn("%s left %u problem%s unfixed (listed above)", cmd,
			 st.nunfixed, st.nunfixed == 1 ? "" : "s");
		ret = st.unfixed;
	}
out:
	free(found);
	svmt_list_free(ri);
	return ret;
}

int cli_check_command(struct cli_ctx *ctx, int argc, char **argv,
		      const struct cli_check *c)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_lit *dry_run = arg_lit0(NULL, "dry-run",
					   "only report, change nothing");
	struct arg_str *names = arg_strn(NULL, NULL, "NAME", 0,
					 CLI_MAX_NAMES(argc),
					 c->names_help);
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, dry_run, names, end };
	const int n = (int)(sizeof(table) / sizeof(table[0]));
	int ret = cli_parse(argc, argv, table, n, c->usage, c->what);

	if (ret < 0)
		ret = run_check(ctx, c->name, names->sval, names->count,
				dry_run->count > 0, c->flags, c->fn, c->mappers);
	arg_freetable(table, (size_t)n);
	return ret;
}
