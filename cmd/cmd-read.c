/*
 * cmd-read.c - svmtool read: a region's data to stdout
 */
#include "svmtool-cmd.h"

#include <argtable2.h>
#include <errno.h>
#include <stdlib.h>

static const char usage[] =
	"svmtool read NAME [--offset N] [--length N] [--lock]";
static const char what[] =
	"Write the data area of region NAME (all of it, or LENGTH bytes from "
	"OFFSET)\nto stdout, without attaching to it.  With --lock, hold the "
	"region's data\nlock while reading.  Sizes are read as -s reads them.";

/* Pieces read without the lock; with it, one piece (one critical section). */
#define PIECE (1u << 20)

static int do_read(struct cli_ctx *ctx, const char *name, uint64_t off,
		   const uint64_t *length, int lock)
{
	struct svmt_region_info *ri;
	uint64_t len, done = 0;
	char *buf = NULL;
	size_t piece;
	svmt_ns *ns;
	int err;

	err = cli_ns_open(ctx, lock ? CLI_NS_WRITE : 0, "read", name, &ns);
	if (err)
		return err;
	err = svmt_region_stat(ns, name, &ri);
	if (err < 0)
		return cli_fail(err, "read", name);
	err = cli_check_state(ri, "read", name);
	if (err) {
		svmt_region_info_free(ri);
		return err;
	}
	if (off > ri->data_size || (length && *length > ri->data_size - off)) {
		cli_warn("cannot read '%s': %llu bytes at offset %llu do not "
			 "fit in its %llu bytes", name,
			 (unsigned long long)(length ? *length : 0),
			 (unsigned long long)off,
			 (unsigned long long)ri->data_size);
		svmt_region_info_free(ri);
		return CLI_EXIT_USAGE;
	}
	len = length ? *length : ri->data_size - off;
	svmt_region_info_free(ri);
	piece = lock || len < PIECE ? (size_t)len : PIECE;
	if (len && !(buf = malloc(piece)))
		return cli_fail(-ENOMEM, "read", name);
	while (done < len) {
		size_t n = len - done < piece ? (size_t)(len - done) : piece;
		ssize_t got = svmt_region_pread(ns, name, buf, n, off + done,
						lock ? SVMT_IO_LOCK : 0);

		if (got < 0) {
			free(buf);
			return cli_fail((int)got, "read", name);
		}
		if (fwrite(buf, 1, n, stdout) != n)
			break; /* the dispatcher reports stdout's error */
		done += n;
	}
	free(buf);
	return CLI_EXIT_OK;
}

int cmd_read(struct cli_ctx *ctx, int argc, char **argv)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_str *offset = arg_str0(NULL, "offset", "N",
					  "first byte of the data area to read");
	struct arg_str *length = arg_str0(NULL, "length", "N",
					  "bytes to read (default: to the end)");
	struct arg_lit *lock = arg_lit0(NULL, "lock",
					"hold the region's data lock");
	struct arg_str *name = arg_str1(NULL, NULL, "NAME", "the region's name");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, offset, length, lock, name, end };
	const int n = (int)(sizeof(table) / sizeof(table[0]));
	uint64_t off = 0, len = 0;
	int ret;

	ret = cli_parse(argc, argv, table, n, usage, what);
	if (ret >= 0)
		goto out;
	ret = cli_check_name("read", name->sval[0]);
	if (!ret && offset->count &&
	    cli_parse_offset("read", "offset", offset->sval[0], &off) < 0)
		ret = CLI_EXIT_USAGE;
	if (!ret && length->count &&
	    cli_parse_offset("read", "length", length->sval[0], &len) < 0)
		ret = CLI_EXIT_USAGE;
	if (!ret)
		ret = do_read(ctx, name->sval[0], off,
			      length->count ? &len : NULL, lock->count > 0);
out:
	arg_freetable(table, (size_t)n);
	return ret;
}
