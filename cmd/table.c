/*
 * table.c - what every table of 'svmtool list' shares: -o column choice,
 * a libsmartcols table in the format asked for, and cells common to them
 */
#include "svmtool-cmd.h"

#include <ctype.h>
#include <grp.h>
#include <libsmartcols/libsmartcols.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void cli_columns_help(FILE *fp, const struct cli_col *cols, int ncols,
		      const int *dflt, size_t ndflt)
{
	fputs("\nColumns (-o NAME,... replaces the default, -o +NAME,... "
	      "adds):\n", fp);
	for (int i = 0; i < ncols; i++)
		fprintf(fp, "  %-12s %s\n", cols[i].name, cols[i].help);
	fputs("Default:", fp);
	for (size_t i = 0; i < ndflt; i++)
		fprintf(fp, " %s", cols[dflt[i]].name);
	fputc('\n', fp);
}

int cli_parse_columns(const char *spec, const struct cli_col *cols, int ncols,
		      const int *dflt, size_t ndflt, int *ids, int max)
{
	int n = 0;
	const char *p;

	if (spec && spec[0] == '+')
		spec++;
	else if (spec)
		goto list;
	for (size_t i = 0; i < ndflt && n < max; i++)
		ids[n++] = dflt[i];
	if (!spec)
		return n;
list:
	for (p = spec;; p++) {
		size_t len = strcspn(p, ",");
		int i;

		for (i = 0; i < ncols; i++)
			if (strlen(cols[i].name) == len &&
			    !strncasecmp(cols[i].name, p, len))
				break;
		if (i == ncols) {
			cli_usage("list", "unknown column '%.*s'", (int)len, p);
			return -1;
		}
		if (n == max) {
			cli_usage("list", "too many columns");
			return -1;
		}
		ids[n++] = i;
		p += len;
		if (!*p)
			break;
	}
	return n;
}

struct libscols_table *cli_table_new(const char *name,
				     const struct cli_col *cols,
				     const int *ids, int n,
				     const struct list_opts *lo)
{
	struct libscols_table *tb = scols_new_table();

	if (!tb)
		return NULL;
	scols_table_set_name(tb, name);
	scols_table_enable_json(tb, lo->json);
	scols_table_enable_raw(tb, lo->raw);
	scols_table_enable_export(tb, lo->export);
	scols_table_enable_noheadings(tb, lo->noheadings);
	for (int c = 0; c < n; c++) {
		const struct cli_col *col = &cols[ids[c]];
		struct libscols_column *cl;

		cl = scols_table_new_column(tb, col->name, col->whint,
					    col->flags);
		if (!cl)
			goto fail;
		if (!lo->json)
			continue;
		scols_column_set_json_type(cl, col->json);
		if (col->json == SCOLS_JSON_ARRAY_NUMBER ||
		    col->json == SCOLS_JSON_ARRAY_STRING) {
			/* One array element per line of the cell. */
			scols_column_set_flags(cl, SCOLS_FL_WRAP);
			scols_column_set_wrapfunc(cl, scols_wrapnl_chunksize,
						  scols_wrapnl_nextchunk, NULL);
		}
	}
	return tb;
fail:
	scols_unref_table(tb);
	return NULL;
}

/*
 * libsmartcols before 2.39 prints an empty JSON array as [null]: make it
 * [] (an empty array cell is the only place "[", "null", "]" follow each
 * other on three lines).
 */
static void fix_empty_arrays(char *s)
{
	char *p = s, *q;

	while ((p = strchr(p, '['))) {
		q = p + 1;
		while (isspace((unsigned char)*q))
			q++;
		if (strncmp(q, "null", 4) != 0) {
			p++;
			continue;
		}
		q += 4;
		while (isspace((unsigned char)*q))
			q++;
		if (*q != ']') {
			p++;
			continue;
		}
		memmove(p + 1, q, strlen(q) + 1);
		p++;
	}
}

int cli_table_print(struct libscols_table *tb, int json)
{
	char *s = NULL;

	if (!json)
		return scols_print_table(tb);
	if (scols_print_table_to_string(tb, &s) < 0 || !s)
		return -1;
	fix_empty_arrays(s);
	fputs(s, stdout);
	free(s);
	return 0;
}

void cli_lock_str(const struct svmt_lock_info *l, char *buf, size_t len)
{
	if (!l->owner && len >= sizeof("free"))
		memcpy(buf, "free", sizeof("free")); /* most rows: no snprintf */
	else if (!l->owner && len)
		buf[0] = '\0';
	else if (l->owner < 0) /* no pid: "dead", "unrecoverable" */
		snprintf(buf, len, "%s", l->tag_name);
	else if (!l->owner_alive)
		snprintf(buf, len, "%d(dead)", (int)l->owner);
	else
		snprintf(buf, len, "%d(%s)", (int)l->owner, l->tag_name);
}

/*
 * Names of owners and groups, looked up once per id and listing: every
 * lookup reads /etc/passwd or /etc/group again (or asks a daemon), and a
 * listing shows the same few owners on every row.  cli_names_forget()
 * starts afresh: each listing calls it, so a shell session sees a user
 * renamed meanwhile.
 */
struct id_name {
	unsigned id;
	bool group;
	bool known;          /* the id has a name */
	char name[256];
};

static struct id_name id_names[8];
static unsigned n_id_names;

void cli_names_forget(void)
{
	n_id_names = 0;
}

static const struct id_name *id_name(unsigned id, bool group)
{
	struct id_name *e;
	struct passwd *pw;
	struct group *gr;
	unsigned i;

	for (i = 0; i < n_id_names && i < 8; i++)
		if (id_names[i].id == id && id_names[i].group == group)
			return &id_names[i];
	e = &id_names[n_id_names++ % 8];
	e->id = id;
	e->group = group;
	e->name[0] = '\0';
	if (group) {
		gr = getgrgid((gid_t)id);
		if (gr)
			snprintf(e->name, sizeof(e->name), "%s", gr->gr_name);
		e->known = gr != NULL;
	} else {
		pw = getpwuid((uid_t)id);
		if (pw)
			snprintf(e->name, sizeof(e->name), "%s", pw->pw_name);
		e->known = pw != NULL;
	}
	return e;
}

static void id_str(unsigned id, bool group, char *buf, size_t len)
{
	const struct id_name *e = id_name(id, group);
	size_t n = strlen(e->name);

	if (e->known && n < len)
		memcpy(buf, e->name, n + 1); /* no snprintf: one a row */
	else if (e->known)
		snprintf(buf, len, "%s", e->name);
	else
		snprintf(buf, len, "%u", id);
}

void cli_owner_str(uid_t uid, char *buf, size_t len)
{
	id_str((unsigned)uid, false, buf, len);
}

void cli_group_str(gid_t gid, char *buf, size_t len)
{
	id_str((unsigned)gid, true, buf, len);
}

void cli_perms_str(mode_t m, char *buf)
{
	static const char rwx[] = "rwxrwxrwx";

	for (int i = 0; i < 9; i++)
		buf[i] = (m & (1u << (8 - i))) ? rwx[i] : '-';
	buf[9] = '\0';
}

void cli_time_str(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	size_t n;

	buf[0] = '\0';
	if (t <= 0 || !localtime_r(&tt, &tm))
		return;
	/* ISO 8601 with the offset as +HH:MM. */
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm);
	if (n >= 5 && n + 2 <= len) {
		memmove(buf + n - 1, buf + n - 2, 3);
		buf[n - 2] = ':';
	}
}
