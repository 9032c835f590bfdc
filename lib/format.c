/*
 * format.c - region dumps in the words of the 2009 format_svm_region
 *
 * Same first line and order of lines; 64-bit addresses; the VM range ends
 * at base+size-1 and its size in k is exact; the last range is printed.
 */
#include "svmtool-private.h"
#include "strbuf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A listing formats thousands of regions: the lines are built in a
 * growing string (strbuf.h), the common numbers converted there (vfprintf
 * parsing its format for each was the largest user-space cost of list
 * -v), the rare lines with its printf.
 */
/* "(16 mb)": @size in the unit *@unit names. */
static uint64_t size_in(uint64_t size, const char **unit)
{
	if (size >= (1ULL << 20)) {
		*unit = "mb";
		return size >> 20;
	}
	if (size >= (1ULL << 10)) {
		*unit = "kb";
		return size >> 10;
	}
	*unit = "bytes";
	return size;
}

static void put_lock(struct svmt_buf *f, const struct svmt_lock_info *l)
{
	if (!l->owner && !l->recoveries) {
		svmt_buf_str(f, "  lock: free\n"); /* nearly every region */
		return;
	}
	if (!l->owner)
		svmt_buf_str(f, "  lock: free");
	else if (l->owner < 0)
		svmt_buf_printf(f, "  lock: %s", l->tag_name[0] == 'u'
				? "not recoverable (abandoned unrepaired)"
				: "held by a dead process that left no record");
	else
		svmt_buf_printf(f, "  lock: held by %spid %d (%s)",
				l->owner_alive ? "" : "dead ", (int)l->owner,
				l->tag_name[0] ? l->tag_name
					       : svmt_tag_name(l->tag));
	if (l->recoveries)
		svmt_buf_printf(f, ", recovered %u time%s", l->recoveries,
				l->recoveries == 1 ? "" : "s");
	svmt_buf_char(f, '\n');
}

int svmt_format_region(const struct svmt_region_info *caller, unsigned flags,
		       char **out)
{
	static const struct svmt_lock_info no_lock = {
		.struct_size = sizeof(no_lock),
	};
	bool verbose = flags & SVMT_FORMAT_VERBOSE;
	const struct svmt_region_info *ri = caller;
	struct svmt_region_info copy;
	const struct svmt_lock_info *lock;
	struct svmt_buf sb = { 0 }, *f = &sb;
	uint32_t i, nclients;

	*out = NULL;
	if (caller->struct_size < sizeof(uint32_t))
		return -EINVAL;
	/* Fields past an older caller's struct_size are absent: zero.  (A
	 * caller's struct of our size is read as it is: a listing formats
	 * thousands, and the copy was a tenth of list -v's user time.) */
	if (caller->struct_size < sizeof(copy)) {
		memset(&copy, 0, sizeof(copy));
		memcpy(&copy, caller, caller->struct_size);
		ri = &copy;
	}
	lock = ri->lock ? ri->lock : &no_lock;
	nclients = ri->clients ? ri->nclients : 0;
	{
		const char *unit;
		uint64_t v = size_in(ri->size, &unit);

		/* "%s: base va 0x%016lx size 0x%lx (%lu %s)\n" */
		svmt_buf_room(f, 200);
		svmt_buf_str(f, ri->name);
		svmt_buf_str(f, ": base va 0x");
		svmt_buf_hex(f, ri->base, 16);
		svmt_buf_str(f, " size 0x");
		svmt_buf_hex(f, ri->size, 1);
		svmt_buf_str(f, " (");
		svmt_buf_udec(f, v);
		svmt_buf_char(f, ' ');
		svmt_buf_str(f, unit);
		svmt_buf_str(f, ")\n");
	}
	switch (ri->state) {
	case SVMT_STATE_CORRUPT:
		svmt_buf_printf(f, "  corrupt: %s\n", ri->detail);
		goto done;
	case SVMT_STATE_MISSING:
		svmt_buf_str(f, "  missing: directory entry without an object\n");
		goto done;
	case SVMT_STATE_INIT:
		svmt_buf_printf(f, "  init: being created by %spid %d\n",
				ri->creator_alive ? "" : "dead ", (int)ri->creator);
		goto done;
	case SVMT_STATE_NEWER:
		svmt_buf_printf(f, "  newer: %s\n", ri->detail);
		goto done;
	case SVMT_STATE_ORPHAN:
		svmt_buf_str(f, "  orphan: object not in the directory\n");
		break;
	default:
		break;
	}
	svmt_buf_str(f, "  user_ctx 0x");
	svmt_buf_hex(f, ri->user_ctx, 1);
	svmt_buf_str(f, ", generation ");
	svmt_buf_udec(f, ri->generation);
	svmt_buf_char(f, '\n');
	if (verbose) {
		svmt_buf_str(f, "  flags: 0x");
		svmt_buf_hex(f, ri->flags, 1);
		if (ri->flags & SVMT_RF_PERSISTENT)
			svmt_buf_str(f, " PERSISTENT");
		if (ri->flags & SVMT_RF_HEAP)
			svmt_buf_str(f, " HEAP");
		if (ri->flags & SVMT_RF_FILE)
			svmt_buf_str(f, " FILE");
		svmt_buf_str(f, "\n  data_base 0x");
		svmt_buf_hex(f, ri->data_base, 16);
		svmt_buf_str(f, " data_size 0x");
		svmt_buf_hex(f, ri->data_size, 1);
		if (ri->flags & SVMT_RF_HEAP) {
			svmt_buf_str(f, " data_heap 0x");
			svmt_buf_hex(f, ri->data_heap, 16);
		}
		svmt_buf_char(f, '\n');
		if (ri->flags & SVMT_RF_FILE && ri->file[0]) {
			/* bytes from the object: no control character */
			svmt_buf_str(f, "  file ");
			for (const char *p = ri->file; *p && p < ri->file +
				     sizeof(ri->file); p++)
				svmt_buf_char(f, (unsigned char)*p < 0x20 || *p == 0x7f
						   ? '?' : *p);
			svmt_buf_char(f, '\n');
		}
	}
	svmt_buf_str(f, "  ");
	svmt_buf_udec(f, nclients);
	svmt_buf_str(f, nclients == 1 ? " client, pids:" : " clients, pids:");
	for (i = 0; i < nclients; i++) {
		svmt_buf_char(f, ' ');
		svmt_buf_dec(f, (int)ri->clients[i]->pid);
		if (!ri->clients[i]->alive)
			svmt_buf_str(f, "(dead)");
	}
	svmt_buf_char(f, '\n');
	put_lock(f, lock);
	if (verbose && ri->size) {
		svmt_buf_str(f, "  VM in use:\n    0x");
		svmt_buf_hex(f, ri->base, 16);
		svmt_buf_str(f, " - 0x");
		svmt_buf_hex(f, ri->base + ri->size - 1, 16);
		svmt_buf_str(f, " (");
		svmt_buf_udec(f, ri->size >> 10);
		svmt_buf_str(f, "k)\n");
	}
	if (verbose && ri->flags & SVMT_RF_HEAP && !ri->heap_total)
		svmt_buf_str(f, "  heap: unreadable\n"); /* a damaged header */
	else if (verbose && ri->flags & SVMT_RF_HEAP)
		svmt_buf_printf(f, "  heap: total %" PRIu64 ", used %" PRIu64
				", free %" PRIu64 ", largest free %" PRIu64 ", %"
				PRIu64 " object%s\n",
				ri->heap_total, ri->heap_used, ri->heap_free,
				ri->heap_largest_free, ri->heap_objects,
				ri->heap_objects == 1 ? "" : "s");
done:
	if (sb.oom) {
		free(sb.s);
		return -ENOMEM;
	}
	*out = sb.s;
	return 0;
}
