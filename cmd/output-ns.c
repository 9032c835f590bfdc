/*
 * output-ns.c - namespaces in 'svmtool list': the --namespaces table and
 * the namespace's own dump that starts 'list -v'
 */
#include "svmtool-cmd.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <libsmartcols/libsmartcols.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum ns_col {
	NC_ROOT, NC_STATE, NC_BASE, NC_SPAN, NC_USED, NC_FREE, NC_LARGEST,
	NC_REGIONS, NC_CAPACITY, NC_CLIENTS, NC_GHOSTS, NC_LOCK, NC_OWNER,
	NC_GROUP, NC_PERMS, NC_CTIME, NC_PATH, NNC
};

/* Column names and JSON keys (lower case) are a stable interface. */
static const struct cli_col ns_cols[NNC] = {
	[NC_ROOT] = { "ROOT", 10, 0, SCOLS_JSON_STRING, "namespace root" },
	[NC_STATE] = { "STATE", 6, 0, SCOLS_JSON_STRING,
		       "ready, corrupt, version, denied, bad-name or error" },
	[NC_BASE] = { "BASE", 12, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		      "first address of the span" },
	[NC_SPAN] = { "SPAN", 6, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		      "size of the address span" },
	[NC_USED] = { "USED", 6, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		      "address space in use, the namespace object included" },
	[NC_FREE] = { "FREE", 6, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		      "free address space" },
	[NC_LARGEST] = { "LARGEST-FREE", 6, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			 "largest free extent: the largest region that fits" },
	[NC_REGIONS] = { "REGIONS", 3, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			 "regions in the directory" },
	[NC_CAPACITY] = { "CAPACITY", 3, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			  "regions the directory can hold" },
	[NC_CLIENTS] = { "CLIENTS", 3, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			 "registered clients of all its regions" },
	[NC_GHOSTS] = { "GHOSTS", 3, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			"registered clients that are dead" },
	[NC_LOCK] = { "LOCK", 6, 0, SCOLS_JSON_STRING,
		      "the namespace lock: free, PID(tag) or PID(dead)" },
	[NC_OWNER] = { "OWNER", 6, 0, SCOLS_JSON_STRING, "owner" },
	[NC_GROUP] = { "GROUP", 6, 0, SCOLS_JSON_STRING, "group" },
	[NC_PERMS] = { "PERMS", 9, 0, SCOLS_JSON_STRING, "permissions" },
	[NC_CTIME] = { "CTIME", 20, 0, SCOLS_JSON_STRING,
		       "creation time (ISO 8601)" },
	[NC_PATH] = { "PATH", 20, 0, SCOLS_JSON_STRING,
		      "the namespace object" },
};

static const int ns_default_cols[] = {
	NC_ROOT, NC_BASE, NC_SPAN, NC_USED, NC_FREE, NC_REGIONS, NC_CAPACITY,
	NC_CLIENTS, NC_GHOSTS, NC_LOCK, NC_STATE, NC_OWNER, NC_PERMS,
};

#define NS_NDEFAULT (sizeof(ns_default_cols) / sizeof(ns_default_cols[0]))

void cli_print_ns_columns_help(FILE *fp)
{
	cli_columns_help(fp, ns_cols, NNC, ns_default_cols, NS_NDEFAULT);
}

const char *cli_ns_column_name(size_t i)
{
	return i < NNC ? ns_cols[i].name : NULL;
}

/* What one namespace object says about itself. */
struct ns_row {
	char root[SVMT_NAME_MAX + 1]; /* printable */
	char path[PATH_MAX];
	const char *state;
	int have_stat, have_info;
	struct stat st;
	struct svmt_ns_info info;
	struct svmt_lock_info lock;
	uint32_t clients, ghosts;
};

static const char *state_of(int err)
{
	switch (err) {
	case 0: return "ready";
	case SVMT_ECORRUPT: return "corrupt";
	case SVMT_EVERSION: return "version";
	case SVMT_ENAME: return "bad-name";
	case -EACCES:
	case -EPERM: return "denied";
	default: return "error";
	}
}

static void read_row(const struct cli_ctx *ctx, const char *dir,
		     const char *file, struct ns_row *row)
{
	const char *root = file + strlen(SVMT_FILE_PREFIX);
	svmt_region_list *l = NULL;
	struct svmt_ns_opts o;
	svmt_ns *ns;
	size_t n = 0;
	int err;

	memset(row, 0, sizeof(*row));
	/* A name a hostile user chose: never let it drive the terminal. */
	snprintf(row->root, sizeof(row->root), "%s", root);
	for (char *p = row->root; *p; p++)
		if (!isprint((unsigned char)*p))
			*p = '?';
	snprintf(row->path, sizeof(row->path), "%s/%s", dir, file);
	row->have_stat = lstat(row->path, &row->st) == 0;
	snprintf(row->path, sizeof(row->path), "%s/%s%s", dir,
		 SVMT_FILE_PREFIX, row->root);
	cli_ns_opts(ctx, &o, SVMT_NS_RDONLY);
	o.root = root;
	err = svmt_name_check(root);
	if (!err)
		err = svmt_ns_open(&o, &ns);
	row->state = state_of(err);
	if (err < 0)
		return;
	if (svmt_ns_info(ns, &row->info) == 0)
		row->have_info = 1;
	row->lock.owner = row->info.lock_owner;
	row->lock.owner_alive = row->info.lock_owner_alive;
	row->lock.tag = row->info.lock_tag;
	memcpy(row->lock.tag_name, row->info.lock_tag_name,
	       sizeof(row->lock.tag_name));
	if (svmt_list(ns, &l) == 0) {
		n = svmt_list_count(l);
		for (size_t i = 0; i < n; i++) {
			row->clients += svmt_list_get(l, i)->nclients;
			row->ghosts += svmt_list_get(l, i)->nghosts;
		}
		svmt_list_free(l);
	}
	svmt_ns_close(ns);
}

static void size_cell(uint64_t v, const struct list_opts *lo, char *buf,
		      size_t len)
{
	cli_size_str(v, lo->bytes || lo->json, buf, len);
}

static void ns_cell(const struct ns_row *r, enum ns_col id,
		    const struct list_opts *lo, char *buf, size_t len)
{
	const struct svmt_ns_info *in = &r->info;

	buf[0] = '\0';
	switch (id) {
	case NC_ROOT:
		snprintf(buf, len, "%s", r->root);
		return;
	case NC_STATE:
		snprintf(buf, len, "%s", r->state);
		return;
	case NC_PATH:
		snprintf(buf, len, "%s", r->path);
		return;
	case NC_OWNER:
	case NC_GROUP:
	case NC_PERMS:
	case NC_CTIME:
		break;
	default:
		if (!r->have_info)
			return;
	}
	switch (id) {
	case NC_BASE:
		snprintf(buf, len, lo->json ? "%" PRIu64 : "0x%016" PRIx64,
			 in->base);
		break;
	case NC_SPAN:
		size_cell(in->span, lo, buf, len);
		break;
	case NC_USED:
		size_cell(in->span - in->free_bytes, lo, buf, len);
		break;
	case NC_FREE:
		size_cell(in->free_bytes, lo, buf, len);
		break;
	case NC_LARGEST:
		size_cell(in->largest_free, lo, buf, len);
		break;
	case NC_REGIONS:
		snprintf(buf, len, "%" PRIu32, in->count);
		break;
	case NC_CAPACITY:
		snprintf(buf, len, "%" PRIu32, in->capacity);
		break;
	case NC_CLIENTS:
		snprintf(buf, len, "%" PRIu32, r->clients);
		break;
	case NC_GHOSTS:
		snprintf(buf, len, "%" PRIu32, r->ghosts);
		break;
	case NC_LOCK:
		cli_lock_str(&r->lock, buf, len);
		break;
	/* What the file system says, whatever the object holds. */
	case NC_OWNER:
		if (r->have_stat)
			cli_owner_str(r->st.st_uid, buf, len);
		break;
	case NC_GROUP:
		if (r->have_stat)
			cli_group_str(r->st.st_gid, buf, len);
		break;
	case NC_PERMS:
		if (r->have_stat && len > 9)
			cli_perms_str(r->st.st_mode, buf);
		break;
	case NC_CTIME:
		if (r->have_info)
			cli_time_str(in->ctime, buf, len);
		break;
	default:
		break;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names "svmt:ROOT" in @dir, sorted; *@n of them.  0 or -errno. */
static int ns_files(const char *dir, char ***out, size_t *n)
{
	size_t plen = strlen(SVMT_FILE_PREFIX), cap = 0;
	char **v = NULL, **nv;
	struct dirent *de;
	DIR *d = opendir(dir);
	int err = 0;

	*n = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, SVMT_FILE_PREFIX, plen) ||
		    strchr(de->d_name + plen, ':') || !de->d_name[plen])
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				err = -ENOMEM;
				break;
			}
			v = nv;
		}
		v[*n] = strdup(de->d_name);
		if (!v[*n]) {
			err = -ENOMEM;
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_str);
	*out = v;
	return err;
}

int cli_print_namespaces(struct cli_ctx *ctx, const struct list_opts *lo)
{
	const char *dir = ctx->g.shm_dir ? ctx->g.shm_dir : SVMT_DEFAULT_SHM_DIR;
	struct libscols_table *tb = NULL;
	struct ns_row *row = NULL;
	char **files = NULL, buf[PATH_MAX + 32];
	int ids[NNC * 2], ncols, err, ret = CLI_EXIT_FAIL;
	size_t n = 0;

	ncols = cli_parse_columns(lo->columns, ns_cols, NNC, ns_default_cols,
				  NS_NDEFAULT, ids, NNC * 2);
	if (ncols < 0)
		return CLI_EXIT_USAGE;
	cli_names_forget();
	err = ns_files(dir, &files, &n);
	if (err == -ENOENT) {
		cli_warn("cannot list namespaces: shm directory '%s' does not "
			 "exist", dir);
		ret = CLI_EXIT_NOTFOUND;
		goto out;
	}
	if (err < 0) {
		ret = cli_exit_code(err);
		cli_warn("cannot list namespaces: shm directory '%s': %s", dir,
			 cli_syserr(-err, buf, sizeof(buf)));
		goto out;
	}
	row = malloc(sizeof(*row));
	tb = cli_table_new("namespaces", ns_cols, ids, ncols, lo);
	if (!row || !tb)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln)
			goto oom;
		read_row(ctx, dir, files[i], row);
		for (int c = 0; c < ncols; c++) {
			ns_cell(row, (enum ns_col)ids[c], lo, buf, sizeof(buf));
			if (scols_line_set_data(ln, (size_t)c, buf) < 0)
				goto oom;
		}
	}
	if (cli_table_print(tb, lo->json) < 0)
		goto oom;
	ret = CLI_EXIT_OK;
	goto out;
oom:
	cli_warn("cannot list namespaces: out of memory");
out:
	scols_unref_table(tb);
	free(row);
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	return ret;
}

/* ------------------------------------------------------- list -v's head */

int cli_print_ns_verbose(FILE *fp, const struct cli_ctx *ctx, svmt_ns *ns)
{
	struct svmt_ns_info in;
	char a[32], b[32], c[32], user[96], path[PATH_MAX], t[40], perms[10];
	struct group *gr;
	int err;

	err = svmt_ns_info(ns, &in);
	if (err < 0)
		return cli_fail(err, "describe namespace", cli_root_name(ctx));
	cli_object_path(ctx, NULL, path, sizeof(path));
	fprintf(fp, "namespace %s: base va 0x%016" PRIx64 " span 0x%" PRIx64
		" (%s)\n", in.root, in.base, in.span,
		cli_size_str(in.span, 0, a, sizeof(a)));
	fprintf(fp, "  used %s, free %s, largest free extent %s "
		"(%" PRIu32 " free extent%s)\n",
		cli_size_str(in.span - in.free_bytes, 0, a, sizeof(a)),
		cli_size_str(in.free_bytes, 0, b, sizeof(b)),
		cli_size_str(in.largest_free, 0, c, sizeof(c)),
		in.free_extents, in.free_extents == 1 ? "" : "s");
	fprintf(fp, "  directory: %" PRIu32 " of %" PRIu32 " regions\n",
		in.count, in.capacity);
	if (!in.lock_owner)
		fputs("  lock: free\n", fp);
	else if (in.lock_owner < 0)
		fprintf(fp, "  lock: %s\n", in.lock_tag_name);
	else
		fprintf(fp, "  lock: held by %spid %d (%s)\n",
			in.lock_owner_alive ? "" : "dead ", (int)in.lock_owner,
			in.lock_tag_name);
	gr = getgrgid(in.gid);
	cli_perms_str(in.mode, perms);
	cli_time_str(in.ctime, t, sizeof(t));
	fprintf(fp, "  owner %s, group %s%s%u%s, perms %s, created %s\n",
		cli_user_str(in.uid, user, sizeof(user)),
		gr ? gr->gr_name : "", gr ? " (gid " : "gid ", (unsigned)in.gid,
		gr ? ")" : "", perms, t[0] ? t : "-");
	fprintf(fp, "  object %s\n", path);
	return CLI_EXIT_OK;
}
