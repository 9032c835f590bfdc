/*
 * output.c - the region table of 'svmtool list' through libsmartcols:
 * columns, table, raw, KEY="value" export and JSON
 */
#include "svmtool-cmd.h"

#include <ctype.h>
#include <grp.h>
#include <inttypes.h>
#include <libsmartcols/libsmartcols.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum col_id {
	COL_NAME, COL_BASE, COL_SIZE, COL_DATA, COL_CLIENTS, COL_GHOSTS,
	COL_PIDS, COL_LOCK, COL_STATE, COL_FLAGS, COL_PERMS, COL_OWNER,
	COL_GROUP, COL_CTIME, COL_GEN, COL_HEAP_SIZE, COL_HEAP_USED,
	COL_HEAP_FREE, COL_FILE, NCOLS
};

/* Column names and JSON keys (lower case) are a stable interface. */
static const struct {
	const char *name;
	double whint;
	int flags;
	int json;
	const char *help;
} cols[NCOLS] = {
	[COL_NAME] = { "NAME", 10, 0, SCOLS_JSON_STRING, "region name" },
	[COL_BASE] = { "BASE", 12, SCOLS_FL_RIGHT, SCOLS_JSON_STRING,
		       "first address of the region" },
	[COL_SIZE] = { "SIZE", 6, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		       "size of the region, header included" },
	[COL_DATA] = { "DATA", 6, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		       "size of the data area" },
	[COL_CLIENTS] = { "CLIENTS", 3, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			  "registered clients" },
	[COL_GHOSTS] = { "GHOSTS", 3, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			 "registered clients that are dead" },
	[COL_PIDS] = { "PIDS", 10, 0, SCOLS_JSON_ARRAY_NUMBER,
		       "process ids of the clients" },
	[COL_LOCK] = { "LOCK", 6, 0, SCOLS_JSON_STRING,
		       "free, or PID(tag) of the holder, PID(dead)" },
	[COL_STATE] = { "STATE", 6, 0, SCOLS_JSON_STRING,
			"ready, init, corrupt, missing, orphan or newer" },
	[COL_FLAGS] = { "FLAGS", 6, 0, SCOLS_JSON_STRING,
			"persistent, heap, file" },
	[COL_PERMS] = { "PERMS", 9, 0, SCOLS_JSON_STRING, "permissions" },
	[COL_OWNER] = { "OWNER", 6, 0, SCOLS_JSON_STRING, "owner" },
	[COL_GROUP] = { "GROUP", 6, 0, SCOLS_JSON_STRING, "group" },
	[COL_CTIME] = { "CTIME", 20, 0, SCOLS_JSON_STRING,
			"creation time (ISO 8601)" },
	[COL_GEN] = { "GEN", 3, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		      "generation" },
	[COL_HEAP_SIZE] = { "HEAP-SIZE", 6, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			    "size of the heap (regions made with --heap)" },
	[COL_HEAP_USED] = { "HEAP-USED", 6, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			    "heap bytes in use, its header included" },
	[COL_HEAP_FREE] = { "HEAP-FREE", 6, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			    "heap bytes free" },
	[COL_FILE] = { "FILE", 20, 0, SCOLS_JSON_STRING,
		       "file holding the data area (create --file)" },
};

static const enum col_id default_cols[] = {
	COL_NAME, COL_BASE, COL_SIZE, COL_CLIENTS, COL_GHOSTS, COL_LOCK,
	COL_STATE, COL_PERMS, COL_OWNER,
};

/* ---------------------------------------------------------- region lines */

const char *cli_size_str(uint64_t v, int bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	unsigned i = 0;
	uint64_t frac;

	if (bytes || v < 1024) {
		snprintf(buf, len, bytes ? "%" PRIu64 : "%" PRIu64 "B", v);
		return buf;
	}
	/* v = whole * 1024^(i+1) + rest; one decimal digit, rounded. */
	while (i + 1 < sizeof(units) - 1 && v >= (1024ULL << (10 * (i + 1))))
		i++;
	frac = v & ((1ULL << (10 * (i + 1))) - 1);
	v >>= 10 * (i + 1);
	frac = (frac * 10 + (1ULL << (10 * (i + 1) - 1))) >> (10 * (i + 1));
	if (frac >= 10) {
		v++;
		frac = 0;
	}
	if (frac)
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "%c", v, frac,
			 units[i]);
	else
		snprintf(buf, len, "%" PRIu64 "%c", v, units[i]);
	return buf;
}

int cli_print_region_line(const struct svmt_region_info *ri)
{
	char *s;
	int err = svmt_format_region(ri, 0, &s);

	if (err < 0)
		return err;
	s[strcspn(s, "\n")] = '\0';
	printf("%s\n", s);
	free(s);
	return 0;
}

int cli_print_verbose(FILE *fp, const struct svmt_region_info *const *ri,
		      size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *s;
		int err = svmt_format_region(ri[i], SVMT_FORMAT_VERBOSE, &s);

		if (err < 0)
			return cli_fail(err, "format", ri[i]->name);
		fprintf(fp, "%s%s", i ? "\n" : "", s);
		free(s);
	}
	return CLI_EXIT_OK;
}

const char *cli_column_name(size_t i)
{
	return i < NCOLS ? cols[i].name : NULL;
}

/* ---------------------------------------------------------------- tables */

void cli_print_columns_help(FILE *fp)
{
	fputs("\nColumns (-o NAME,... replaces the default, -o +NAME,... "
	      "adds):\n", fp);
	for (int i = 0; i < NCOLS; i++)
		fprintf(fp, "  %-9s %s\n", cols[i].name, cols[i].help);
	fputs("Default:", fp);
	for (size_t i = 0; i < sizeof(default_cols) / sizeof(default_cols[0]); i++)
		fprintf(fp, " %s", cols[default_cols[i]].name);
	fputc('\n', fp);
}

/* Parse -o into @ids; returns the count, or -1 after a usage error. */
static int parse_columns(const char *spec, enum col_id *ids, int max)
{
	int n = 0;
	const char *p;

	if (spec && spec[0] == '+')
		spec++;
	else if (spec)
		goto list;
	for (size_t i = 0; i < sizeof(default_cols) / sizeof(default_cols[0]); i++)
		ids[n++] = default_cols[i];
	if (!spec)
		return n;
list:
	for (p = spec;; p++) {
		size_t len = strcspn(p, ",");
		int i;

		for (i = 0; i < NCOLS; i++)
			if (strlen(cols[i].name) == len &&
			    !strncasecmp(cols[i].name, p, len))
				break;
		if (i == NCOLS) {
			cli_usage("list", "unknown column '%.*s'", (int)len, p);
			return -1;
		}
		if (n == max) {
			cli_usage("list", "too many columns");
			return -1;
		}
		ids[n++] = (enum col_id)i;
		p += len;
		if (!*p)
			break;
	}
	return n;
}

static const char *state_name(int state)
{
	switch (state) {
	case SVMT_STATE_READY: return "ready";
	case SVMT_STATE_INIT: return "init";
	case SVMT_STATE_CORRUPT: return "corrupt";
	case SVMT_STATE_MISSING: return "missing";
	case SVMT_STATE_ORPHAN: return "orphan";
	case SVMT_STATE_NEWER: return "newer";
	default: return "unknown";
	}
}

static void perms_str(mode_t m, char *buf)
{
	static const char rwx[] = "rwxrwxrwx";

	for (int i = 0; i < 9; i++)
		buf[i] = (m & (1u << (8 - i))) ? rwx[i] : '-';
	buf[9] = '\0';
}

static void time_str(int64_t t, char *buf, size_t len)
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

/* The text of one cell into @buf. */
static void cell(const struct svmt_region_info *ri, enum col_id id,
		 const struct list_opts *lo, char *buf, size_t len)
{
	/* In JSON, sizes are numbers of bytes. */
	int bytes = lo->bytes || lo->json;
	/* Attributes of the object are unknown when it is missing. */
	int noobj = ri->state == SVMT_STATE_MISSING || ri->uid == (uid_t)-1;
	const char *sep = lo->json ? "\n" : ",";
	struct passwd *pw;
	struct group *gr;
	size_t off = 0;

	buf[0] = '\0';
	switch (id) {
	case COL_NAME:
		snprintf(buf, len, "%s", ri->name);
		break;
	case COL_BASE:
		if (ri->base)
			snprintf(buf, len, "0x%016" PRIx64, ri->base);
		break;
	case COL_SIZE:
		if (ri->size)
			cli_size_str(ri->size, bytes, buf, len);
		break;
	case COL_DATA:
		if (ri->data_size)
			cli_size_str(ri->data_size, bytes, buf, len);
		break;
	case COL_CLIENTS:
		snprintf(buf, len, "%" PRIu32, ri->nclients);
		break;
	case COL_GHOSTS:
		snprintf(buf, len, "%" PRIu32, ri->nghosts);
		break;
	case COL_PIDS:
		for (uint32_t i = 0; i < ri->nclients && off < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%d",
						i ? sep : "",
						(int)ri->clients[i]->pid);
		break;
	case COL_LOCK:
		if (noobj || ri->state == SVMT_STATE_CORRUPT ||
		    ri->state == SVMT_STATE_NEWER)
			break;
		if (!ri->lock->owner)
			snprintf(buf, len, "free");
		else if (ri->lock->owner < 0) /* no pid: "dead", "unrecoverable" */
			snprintf(buf, len, "%s", ri->lock->tag_name);
		else if (!ri->lock->owner_alive)
			snprintf(buf, len, "%d(dead)", (int)ri->lock->owner);
		else
			snprintf(buf, len, "%d(%s)", (int)ri->lock->owner,
				 ri->lock->tag_name);
		break;
	case COL_STATE:
		snprintf(buf, len, "%s", state_name(ri->state));
		break;
	case COL_FLAGS:
		snprintf(buf, len, "%s%s%s",
			 ri->flags & SVMT_RF_PERSISTENT ? "persistent," : "",
			 ri->flags & SVMT_RF_HEAP ? "heap," : "",
			 ri->flags & SVMT_RF_FILE ? "file," : "");
		if (buf[0])
			buf[strlen(buf) - 1] = '\0';
		break;
	case COL_PERMS:
		if (!noobj && len > 9)
			perms_str(ri->mode, buf);
		break;
	case COL_OWNER:
		if (noobj)
			break;
		pw = getpwuid(ri->uid);
		if (pw)
			snprintf(buf, len, "%s", pw->pw_name);
		else
			snprintf(buf, len, "%u", (unsigned)ri->uid);
		break;
	case COL_GROUP:
		if (noobj)
			break;
		gr = getgrgid(ri->gid);
		if (gr)
			snprintf(buf, len, "%s", gr->gr_name);
		else
			snprintf(buf, len, "%u", (unsigned)ri->gid);
		break;
	case COL_CTIME:
		if (!noobj)
			time_str(ri->ctime, buf, len);
		break;
	case COL_GEN:
		snprintf(buf, len, "%" PRIu64, ri->generation);
		break;
	case COL_HEAP_SIZE:
	case COL_HEAP_USED:
	case COL_HEAP_FREE:
		if (ri->heap_total)
			cli_size_str(id == COL_HEAP_SIZE ? ri->heap_total
				     : id == COL_HEAP_USED ? ri->heap_used
							   : ri->heap_free,
				     bytes, buf, len);
		break;
	case COL_FILE:
		/* bytes from the object: no control character */
		snprintf(buf, len, "%s", ri->file);
		for (char *p = buf; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		break;
	case NCOLS:
		break;
	}
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

static int print_table(struct libscols_table *tb, int json)
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

int cli_print_regions(const struct svmt_region_info *const *ri, size_t n,
		      const struct list_opts *lo)
{
	enum col_id ids[64];
	struct libscols_table *tb;
	/* Room for every client's pid: the widest cell there is. */
	char buf[SVMT_MAX_CLIENTS * 12 + 64];
	int ncols, ret = CLI_EXIT_FAIL;

	ncols = parse_columns(lo->columns, ids, 64);
	if (ncols < 0)
		return CLI_EXIT_USAGE;
	tb = scols_new_table();
	if (!tb)
		goto oom;
	scols_table_set_name(tb, "regions");
	scols_table_enable_json(tb, lo->json);
	scols_table_enable_raw(tb, lo->raw);
	scols_table_enable_export(tb, lo->export);
	scols_table_enable_noheadings(tb, lo->noheadings);
	for (int c = 0; c < ncols; c++) {
		struct libscols_column *cl;

		cl = scols_table_new_column(tb, cols[ids[c]].name,
					    cols[ids[c]].whint,
					    cols[ids[c]].flags);
		if (!cl)
			goto oom;
		if (!lo->json)
			continue;
		scols_column_set_json_type(cl, cols[ids[c]].json);
		if (cols[ids[c]].json == SCOLS_JSON_ARRAY_NUMBER) {
			/* One array element per line of the cell. */
			scols_column_set_flags(cl, SCOLS_FL_WRAP);
			scols_column_set_wrapfunc(cl, scols_wrapnl_chunksize,
						  scols_wrapnl_nextchunk, NULL);
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln)
			goto oom;
		for (int c = 0; c < ncols; c++) {
			cell(ri[i], ids[c], lo, buf, sizeof(buf));
			if (scols_line_set_data(ln, (size_t)c, buf) < 0)
				goto oom;
		}
	}
	if (print_table(tb, lo->json) < 0)
		goto oom;
	ret = CLI_EXIT_OK;
	goto out;
oom:
	cli_warn("cannot print the table: out of memory");
out:
	scols_unref_table(tb);
	return ret;
}
