/*
 * cmd-write.c - svmtool write: stdin into a region's data, bounded
 */
#include "svmtool-cmd.h"

#include <argtable2.h>
#include <errno.h>
#include <stdlib.h>

static const char usage[] =
	"svmtool write NAME [--offset N] [--lock] [-f | --force]";
static const char what[] =
	"Copy stdin into the data area of region NAME at OFFSET (default 0), "
	"without\nattaching to it.  Input that does not fit is refused and "
	"nothing is written.\nWith --lock, hold the region's data lock while "
	"writing.  A region with a heap is\nrefused (its bookkeeping is in the "
	"data) unless --force is given.  Sizes are\nread as -s reads them.";

/*
 * All of stdin, up to @room bytes: 0 with *@buf and *@len, 1 when there is
 * more than @room, or a negated errno.
 */
static int slurp(uint64_t room, char **buf, size_t *len)
{
	size_t cap = 0, n = 0;
	char *b = NULL;

	for (;;) {
		size_t got;

		if (n == cap) {
			size_t nc = cap ? cap * 2 : 65536;
			char *nb;

			if (nc > room + 1)
				nc = (size_t)room + 1; /* one more: "too much" */
			if (nc <= cap)
				nc = cap + 1;
			nb = realloc(b, nc);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			cap = nc;
		}
		got = fread(b + n, 1, cap - n, stdin);
		n += got;
		if (n > room) {
			free(b);
			return 1;
		}
		if (got == 0)
			break;
	}
	if (ferror(stdin)) {
		free(b);
		return -EIO;
	}
	clearerr(stdin); /* a terminal's end of input: the shell reads on */
	*buf = b;
	*len = n;
	return 0;
}

static int do_write(struct cli_ctx *ctx, const char *name, uint64_t off,
		    int lock, int force)
{
	struct svmt_region_info *ri;
	uint64_t size;
	char *buf = NULL;
	size_t len = 0;
	ssize_t put;
	svmt_ns *ns;
	int err;

	if (ctx->lines_on_stdin) {
		cli_warn("cannot write '%s': stdin holds the batch, not data; "
			 "run the batch from a file (-b FILE)", name);
		return CLI_EXIT_USAGE;
	}
	err = cli_ns_open(ctx, 0, "write", name, &ns);
	if (err)
		return err;
	err = svmt_region_stat(ns, name, &ri);
	if (err < 0)
		return cli_fail(err, "write", name);
	err = cli_check_state(ri, "write", name);
	if (err) {
		svmt_region_info_free(ri);
		return err;
	}
	size = ri->data_size;
	if ((ri->flags & SVMT_RF_HEAP) && !force) {
		svmt_region_info_free(ri);
		cli_warn("cannot write '%s': its data area is a heap, whose "
			 "bookkeeping raw bytes would damage; use --force", name);
		return CLI_EXIT_FAIL;
	}
	svmt_region_info_free(ri);
	if (off > size) {
		cli_warn("cannot write '%s': offset %llu is past its %llu bytes",
			 name, (unsigned long long)off,
			 (unsigned long long)size);
		return CLI_EXIT_USAGE;
	}
	err = slurp(size - off, &buf, &len);
	if (err == 1) {
		cli_warn("cannot write '%s': the input is longer than the %llu "
			 "bytes from offset %llu to its end; nothing written",
			 name, (unsigned long long)(size - off),
			 (unsigned long long)off);
		return CLI_EXIT_FAIL;
	}
	if (err < 0)
		return cli_fail(err, "read the input for", name);
	put = svmt_region_pwrite(ns, name, buf, len, off,
				 lock ? SVMT_IO_LOCK : 0);
	free(buf);
	return put < 0 ? cli_fail((int)put, "write", name) : CLI_EXIT_OK;
}

int cmd_write(struct cli_ctx *ctx, int argc, char **argv)
{
	struct arg_lit *help = arg_lit0("h", "help", "show this help");
	struct arg_str *offset = arg_str0(NULL, "offset", "N",
					  "first byte of the data area to write");
	struct arg_lit *lock = arg_lit0(NULL, "lock",
					"hold the region's data lock");
	struct arg_lit *force = arg_lit0("f", "force",
					 "write into a heap region too");
	struct arg_str *name = arg_str1(NULL, NULL, "NAME", "the region's name");
	struct arg_end *end = arg_end(CLI_MAX_ERRORS);
	void *table[] = { help, offset, lock, force, name, end };
	const int n = (int)(sizeof(table) / sizeof(table[0]));
	uint64_t off = 0;
	int ret;

	ret = cli_parse(argc, argv, table, n, usage, what);
	if (ret >= 0)
		goto out;
	ret = cli_check_name("write", name->sval[0]);
	if (!ret && offset->count &&
	    cli_parse_offset("write", "offset", offset->sval[0], &off) < 0)
		ret = CLI_EXIT_USAGE;
	if (!ret)
		ret = do_write(ctx, name->sval[0], off, lock->count > 0,
			       force->count > 0);
out:
	arg_freetable(table, (size_t)n);
	return ret;
}
