/*
 * output.c - the region table of 'svmtool list' through libsmartcols:
 * columns, table, raw, KEY="value" export and JSON
 */
#include "svmtool-cmd.h"
#include "strbuf.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <libsmartcols/libsmartcols.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum col_id {
	COL_NAME, COL_BASE, COL_SIZE, COL_DATA, COL_CLIENTS, COL_GHOSTS,
	COL_PIDS, COL_LOCK, COL_STATE, COL_FLAGS, COL_PERMS, COL_OWNER,
	COL_GROUP, COL_CTIME, COL_GEN, COL_HEAP_SIZE, COL_HEAP_USED,
	COL_HEAP_FREE, COL_FILE, COL_EXTENT, COL_DATA_BASE, COL_DATA_OFFSET,
	COL_PATH, COL_MAPPERS, COL_MAPPER_PIDS, NCOLS
};

/* Column names and JSON keys (lower case) are a stable interface. */
static const struct cli_col cols[NCOLS] = {
	[COL_NAME] = { "NAME", 10, 0, SCOLS_JSON_STRING, "region name" },
	[COL_BASE] = { "BASE", 12, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		       "first address of the region (its header)" },
	[COL_SIZE] = { "SIZE", 6, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		       "size of the data area, as asked for (in pages)" },
	[COL_DATA] = { "DATA", 6, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		       "the same as SIZE (JSON key data_size)" },
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
	[COL_EXTENT] = { "EXTENT", 6, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			 "size of the whole region, header included" },
	[COL_DATA_BASE] = { "DATA-BASE", 12, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			    "first address of the data area" },
	[COL_DATA_OFFSET] = { "DATA-OFFSET", 6, SCOLS_FL_RIGHT,
			      SCOLS_JSON_NUMBER,
			      "offset of the data area in the object" },
	[COL_PATH] = { "PATH", 20, 0, SCOLS_JSON_STRING, "the region object" },
	[COL_MAPPERS] = { "MAPPERS", 3, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			  "processes mapping the object, clients or not" },
	[COL_MAPPER_PIDS] = { "MAPPER-PIDS", 10, 0, SCOLS_JSON_ARRAY_NUMBER,
			      "their process ids" },
};

/*
 * JSON keys, a stable interface: the column name in lower case, '-' as
 * '_', except where a column says more in JSON (CLIENTS is the list of
 * client objects there).
 */
static const char *const json_keys[NCOLS] = {
	[COL_DATA] = "data_size",
};

static const int default_cols[] = {
	COL_NAME, COL_BASE, COL_SIZE, COL_CLIENTS, COL_GHOSTS, COL_LOCK,
	COL_STATE, COL_PERMS, COL_OWNER,
};

/* ---------------------------------------------------------- region lines */

/* @v in decimal into @buf: snprintf's PRIu64 without its cost (a JSON
 * listing has a dozen numbers a region). */
static void u64_cell(uint64_t v, char *buf, size_t len)
{
	char d[21];

	svmt_str_put(buf, len, svmt_udec(d, v));
}

const char *cli_size_str(uint64_t v, int bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	unsigned i = 0;
	uint64_t frac;

	if (bytes) {
		u64_cell(v, buf, len);
		return buf;
	}
	if (v < 1024) {
		snprintf(buf, len, "%" PRIu64 "B", v);
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

int cli_print_region_line(svmt_ns *ns, const char *name)
{
	struct svmt_region_info *ri;
	char *s;
	int err = svmt_region_stat(ns, name, &ri);

	if (err < 0)
		return err;
	err = svmt_format_region(ri, 0, &s);
	svmt_region_info_free(ri);
	if (err < 0)
		return err;
	s[strcspn(s, "\n")] = '\0';
	printf("%s\n", s);
	free(s);
	return 0;
}

/* "  mapped by: 4242(svmtool) 5151(python3, not a client)" */
static void print_mapped_by(FILE *fp, const struct svmt_region_info *ri,
			    const struct cli_mappers *m, unsigned skipped)
{
	char comm[32];

	if (!m->n && !skipped) {
		fputs("  mapped by: none\n", fp); /* one call, most regions */
		return;
	}
	fputs("  mapped by:", fp);
	for (size_t i = 0; i < m->n; i++)
		fprintf(fp, " %d(%s%s)", (int)m->pids[i],
			cli_comm(m->pids[i], comm, sizeof(comm)),
			cli_is_client(ri, m->pids[i]) ? "" : ", not a client");
	if (!m->n)
		fputs(" none", fp);
	if (skipped)
		fprintf(fp, " (%u process%s not readable)", skipped,
			skipped == 1 ? "" : "es");
	fputc('\n', fp);
}

int cli_print_dumps(FILE *fp, unsigned fmt,
		    const struct svmt_region_info *const *ri, size_t n,
		    const struct cli_mapobj *maps, unsigned skipped)
{
	for (size_t i = 0; i < n; i++) {
		char *s;
		int err = svmt_format_region(ri[i], fmt, &s);

		if (err < 0)
			return cli_fail(err, "format", ri[i]->name);
		if (i && (fmt & SVMT_FORMAT_VERBOSE))
			fputc('\n', fp);
		fputs(s, fp);
		free(s);
		if (maps)
			print_mapped_by(fp, ri[i], &maps[i].m, skipped);
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
	cli_columns_help(fp, cols, NCOLS, default_cols,
			 sizeof(default_cols) / sizeof(default_cols[0]));
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

/* An address: hexadecimal in tables, a number in JSON; 0 is none. */
static void addr_cell(uint64_t a, const struct list_opts *lo, char *buf,
		      size_t len)
{
	if (a && lo->json)
		u64_cell(a, buf, len);
	else if (a)
		snprintf(buf, len, "0x%016" PRIx64, a);
}

/* The text of one cell into @buf; @m: its mappers, or NULL. */
static void cell(const struct svmt_region_info *ri,
		 const struct cli_mappers *m, enum col_id id,
		 const struct list_opts *lo, char *buf, size_t len)
{
	/* In JSON, sizes are numbers of bytes. */
	int bytes = lo->bytes || lo->json;
	/* Attributes of the object are unknown when it is missing. */
	int noobj = ri->state == SVMT_STATE_MISSING || ri->uid == (uid_t)-1;
	const char *sep = lo->json ? "\n" : ",";
	size_t off = 0;

	buf[0] = '\0';
	switch (id) {
	case COL_NAME:
		svmt_str_put(buf, len, ri->name);
		break;
	case COL_BASE:
		addr_cell(ri->base, lo, buf, len);
		break;
	case COL_DATA_BASE:
		if (ri->data_size)
			addr_cell(ri->data_base, lo, buf, len);
		break;
	case COL_DATA_OFFSET:
		if (ri->data_size && ri->data_base >= ri->base)
			cli_size_str(ri->data_base - ri->base, bytes, buf, len);
		break;
	case COL_EXTENT:
		if (ri->size)
			cli_size_str(ri->size, bytes, buf, len);
		break;
	case COL_SIZE:
	case COL_DATA:
		if (ri->data_size)
			cli_size_str(ri->data_size, bytes, buf, len);
		break;
	case COL_PATH:
		svmt_str_put(buf, len, lo->obj_prefix ? lo->obj_prefix : "");
		off = strlen(buf);
		svmt_str_put(buf + off, len - off, ri->name);
		break;
	case COL_MAPPERS:
		if (m)
			u64_cell(m->n, buf, len);
		break;
	case COL_MAPPER_PIDS:
		for (size_t i = 0; m && i < m->n && off < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%d",
						i ? "," : "", (int)m->pids[i]);
		break;
	case COL_CLIENTS:
		u64_cell(ri->nclients, buf, len);
		break;
	case COL_GHOSTS:
		u64_cell(ri->nghosts, buf, len);
		break;
	case COL_PIDS:
		for (uint32_t i = 0; i < ri->nclients && off < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%d",
						i ? sep : "",
						(int)ri->clients[i]->pid);
		break;
	case COL_LOCK:
		if (!noobj && ri->state != SVMT_STATE_CORRUPT &&
		    ri->state != SVMT_STATE_NEWER)
			cli_lock_str(ri->lock, buf, len);
		break;
	case COL_STATE:
		svmt_str_put(buf, len, state_name(ri->state));
		break;
	case COL_FLAGS:
		if (ri->flags & SVMT_RF_PERSISTENT)
			svmt_str_put(buf, len, "persistent,");
		if (ri->flags & SVMT_RF_HEAP)
			svmt_str_put(buf + strlen(buf), len - strlen(buf),
				     "heap,");
		if (ri->flags & SVMT_RF_FILE)
			svmt_str_put(buf + strlen(buf), len - strlen(buf),
				     "file,");
		if (buf[0])
			buf[strlen(buf) - 1] = '\0';
		break;
	case COL_PERMS:
		if (!noobj && len > 9)
			cli_perms_str(ri->mode, buf);
		break;
	case COL_OWNER:
		if (!noobj)
			cli_owner_str(ri->uid, buf, len);
		break;
	case COL_GROUP:
		if (!noobj)
			cli_group_str(ri->gid, buf, len);
		break;
	case COL_CTIME:
		if (!noobj)
			cli_time_str(ri->ctime, buf, len);
		break;
	case COL_GEN:
		u64_cell(ri->generation, buf, len);
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
		svmt_str_put(buf, len, ri->file);
		for (char *p = buf; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		break;
	case NCOLS:
		break;
	}
}

/* ------------------------------------------------------------------ JSON */

/*
 * The document is made in memory (strbuf.h) a region at a time and
 * written with one fwrite: a stdio call for every key and value cost more
 * than the reads of the listing.
 */

/* @s as a JSON string. */
static void json_str(struct svmt_buf *o, const char *s)
{
	svmt_buf_put(o, "\"", 1);
	for (;;) {
		const char *q = s;
		unsigned char c;

		while ((c = (unsigned char)*q) >= 0x20 && c != '"' &&
		       c != '\\' && c != 0x7f)
			q++;
		svmt_buf_put(o, s, (size_t)(q - s)); /* what needs no escape */
		if (!c)
			break;
		if (c == '"' || c == '\\')
			svmt_buf_printf(o, "\\%c", c);
		else
			svmt_buf_printf(o, "\\u%04x", c);
		s = q + 1;
	}
	svmt_buf_put(o, "\"", 1);
}

/* "KEY": of column @id into @buf. */
static void json_key(char *buf, size_t len, enum col_id id)
{
	char key[32];
	size_t i;

	for (i = 0; cols[id].name[i] && i + 1 < sizeof(key); i++)
		key[i] = cols[id].name[i] == '-'
				 ? '_'
				 : (char)tolower((unsigned char)cols[id].name[i]);
	key[i] = '\0';
	snprintf(buf, len, "\"%s\": ", json_keys[id] ? json_keys[id] : key);
}

static void json_clients(struct svmt_buf *o, const struct svmt_region_info *ri)
{
	svmt_buf_put(o, "[", 1);
	for (uint32_t i = 0; i < ri->nclients; i++)
		svmt_buf_printf(o, "%s\n            {\"pid\": %d, \"alive\": "
				"%s, \"start_time\": %" PRIu64 "}",
				i ? "," : "", (int)ri->clients[i]->pid,
				ri->clients[i]->alive ? "true" : "false",
				ri->clients[i]->start_time);
	svmt_buf_str(o, ri->nclients ? "\n         ]" : "]");
}

static void json_pids(struct svmt_buf *o, const struct svmt_region_info *ri)
{
	svmt_buf_put(o, "[", 1);
	for (uint32_t i = 0; i < ri->nclients; i++) {
		if (i)
			svmt_buf_str(o, ", ");
		svmt_buf_dec(o, ri->clients[i]->pid);
	}
	svmt_buf_put(o, "]", 1);
}

static void json_mapper_pids(struct svmt_buf *o, const struct cli_mappers *m)
{
	if (!m) {
		svmt_buf_str(o, "null");
		return;
	}
	svmt_buf_put(o, "[", 1);
	for (size_t i = 0; i < m->n; i++) {
		if (i)
			svmt_buf_str(o, ", ");
		svmt_buf_dec(o, m->pids[i]);
	}
	svmt_buf_put(o, "]", 1);
}

/*
 * -J: written here rather than by libsmartcols, whose cells cannot hold
 * the client objects.  Numbers are numbers (addresses too: a user-space
 * address is below 2^53, exact in every JSON reader), unknown values null.
 */
static int print_json(FILE *fp, const struct svmt_region_info *const *ri,
		       size_t n,
		       const int *ids, int ncols, const struct list_opts *lo)
{
	char buf[PATH_MAX + SVMT_NAME_MAX + 64];
	/* Each column's ",\n         \"key\": ", made once. */
	char (*keys)[48] = calloc((size_t)ncols + 1, sizeof(*keys));
	struct svmt_buf o = { 0 };

	if (!keys)
		return -1;
	for (int c = 0; c < ncols; c++) {
		snprintf(keys[c], sizeof(keys[c]), ",\n         ");
		json_key(keys[c] + 11, sizeof(keys[c]) - 11, (enum col_id)ids[c]);
	}
	svmt_buf_str(&o, "{\n   \"regions\": [");
	for (size_t i = 0; i < n && !o.oom; i++) {
		const struct cli_mappers *m = lo->maps ? &lo->maps[i].m : NULL;

		svmt_buf_str(&o, i ? ",\n      {" : "\n      {");
		for (int c = 0; c < ncols; c++) {
			enum col_id id = (enum col_id)ids[c];

			svmt_buf_str(&o, keys[c] + !c); /* no comma before the first */
			if (id == COL_CLIENTS) {
				json_clients(&o, ri[i]);
				continue;
			}
			if (id == COL_PIDS) {
				json_pids(&o, ri[i]);
				continue;
			}
			if (id == COL_MAPPER_PIDS) {
				json_mapper_pids(&o, m);
				continue;
			}
			cell(ri[i], m, id, lo, buf, sizeof(buf));
			if (!buf[0])
				svmt_buf_str(&o, "null");
			else if (cols[id].json == SCOLS_JSON_NUMBER)
				svmt_buf_str(&o, buf);
			else
				json_str(&o, buf);
		}
		svmt_buf_str(&o, "\n      }");
		fwrite(o.s, 1, o.n, fp);
		o.n = 0;
	}
	svmt_buf_str(&o, n ? "\n   ]\n}\n" : "]\n}\n");
	if (!o.oom)
		fwrite(o.s, 1, o.n, fp);
	free(o.s);
	free(keys);
	return o.oom ? -1 : 0;
}

int cli_print_regions(const struct svmt_region_info *const *ri, size_t n,
		      const struct list_opts *lo)
{
	int ids[64];
	struct libscols_table *tb = NULL;
	/* Room for every client's pid: the widest cell there is. */
	char buf[SVMT_MAX_CLIENTS * 12 + 64];
	int ncols, ret = CLI_EXIT_FAIL;

	ncols = cli_parse_columns(lo->columns, cols, NCOLS, default_cols,
				  sizeof(default_cols) / sizeof(default_cols[0]),
				  ids, 64);
	if (ncols < 0)
		return CLI_EXIT_USAGE;
	cli_names_forget();
	if (lo->json) {
		/* Without -o, JSON holds every column. */
		if (!lo->columns)
			for (ncols = 0; ncols < NCOLS; ncols++)
				ids[ncols] = ncols;
		if (print_json(stdout, ri, n, ids, ncols, lo) < 0)
			goto oom;
		return CLI_EXIT_OK;
	}
	tb = cli_table_new("regions", cols, ids, ncols, lo);
	if (!tb)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln)
			goto oom;
		for (int c = 0; c < ncols; c++) {
			cell(ri[i], lo->maps ? &lo->maps[i].m : NULL,
			     (enum col_id)ids[c], lo, buf, sizeof(buf));
			if (scols_line_set_data(ln, (size_t)c, buf) < 0)
				goto oom;
		}
	}
	if (cli_table_print(tb, lo->json) < 0)
		goto oom;
	ret = CLI_EXIT_OK;
	goto out;
oom:
	cli_warn("cannot print the table: out of memory");
out:
	scols_unref_table(tb);
	return ret;
}
