/*
 * format.c - region dumps in the words of the 2009 format_svm_region
 *
 * Same first line and order of lines; 64-bit addresses; the VM range ends
 * at base+size-1 and its size in k is exact; the last range is printed.
 */
#include "svmtool-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A listing formats thousands of regions: each line below is one fprintf
 * (a call costs more than its directives), the common ones merged.
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

static void put_lock(FILE *f, const struct svmt_lock_info *l)
{
	if (!l->owner && !l->recoveries) {
		fputs("  lock: free\n", f); /* nearly every region */
		return;
	}
	if (!l->owner)
		fputs("  lock: free", f);
	else if (l->owner < 0)
		fprintf(f, "  lock: %s", l->tag_name[0] == 'u'
			? "not recoverable (abandoned unrepaired)"
			: "held by a dead process that left no record");
	else
		fprintf(f, "  lock: held by %spid %d (%s)",
			l->owner_alive ? "" : "dead ", (int)l->owner,
			l->tag_name[0] ? l->tag_name : svmt_tag_name(l->tag));
	if (l->recoveries)
		fprintf(f, ", recovered %u time%s", l->recoveries,
			l->recoveries == 1 ? "" : "s");
	fputc('\n', f);
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
	char *buf = NULL;
	size_t len = 0;
	uint32_t i, nclients;
	FILE *f;

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
	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	{
		const char *unit;
		uint64_t v = size_in(ri->size, &unit);

		fprintf(f, "%s: base va 0x%016" PRIx64 " size 0x%" PRIx64
			" (%" PRIu64 " %s)\n", ri->name, ri->base, ri->size, v,
			unit);
	}
	switch (ri->state) {
	case SVMT_STATE_CORRUPT:
		fprintf(f, "  corrupt: %s\n", ri->detail);
		goto done;
	case SVMT_STATE_MISSING:
		fputs("  missing: directory entry without an object\n", f);
		goto done;
	case SVMT_STATE_INIT:
		fprintf(f, "  init: being created by %spid %d\n",
			ri->creator_alive ? "" : "dead ", (int)ri->creator);
		goto done;
	case SVMT_STATE_NEWER:
		fprintf(f, "  newer: %s\n", ri->detail);
		goto done;
	case SVMT_STATE_ORPHAN:
		fputs("  orphan: object not in the directory\n", f);
		break;
	default:
		break;
	}
	if (!verbose)
		fprintf(f, "  user_ctx 0x%" PRIx64 ", generation %" PRIu64 "\n",
			ri->user_ctx, ri->generation);
	if (verbose) {
		fprintf(f, "  user_ctx 0x%" PRIx64 ", generation %" PRIu64 "\n"
			"  flags: 0x%x%s%s%s\n"
			"  data_base 0x%016" PRIx64 " data_size 0x%" PRIx64,
			ri->user_ctx, ri->generation, ri->flags,
			ri->flags & SVMT_RF_PERSISTENT ? " PERSISTENT" : "",
			ri->flags & SVMT_RF_HEAP ? " HEAP" : "",
			ri->flags & SVMT_RF_FILE ? " FILE" : "", ri->data_base,
			ri->data_size);
		if (ri->flags & SVMT_RF_HEAP)
			fprintf(f, " data_heap 0x%016" PRIx64, ri->data_heap);
		fputc('\n', f);
		if (ri->flags & SVMT_RF_FILE && ri->file[0]) {
			/* bytes from the object: no control character */
			fputs("  file ", f);
			for (const char *p = ri->file; *p && p < ri->file +
				     sizeof(ri->file); p++)
				fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?'
									  : *p, f);
			fputc('\n', f);
		}
	}
	fprintf(f, "  %u client%s, pids:", nclients, nclients == 1 ? "" : "s");
	for (i = 0; i < nclients; i++)
		fprintf(f, " %d%s", (int)ri->clients[i]->pid,
			ri->clients[i]->alive ? "" : "(dead)");
	fputc('\n', f);
	put_lock(f, lock);
	if (verbose && ri->size)
		fprintf(f, "  VM in use:\n    0x%016" PRIx64 " - 0x%016" PRIx64
			" (%" PRIu64 "k)\n", ri->base, ri->base + ri->size - 1,
			ri->size >> 10);
	if (verbose && ri->flags & SVMT_RF_HEAP && !ri->heap_total)
		fputs("  heap: unreadable\n", f); /* a damaged header */
	else if (verbose && ri->flags & SVMT_RF_HEAP)
		fprintf(f, "  heap: total %" PRIu64 ", used %" PRIu64 ", free %"
			PRIu64 ", largest free %" PRIu64 ", %" PRIu64 " object%s\n",
			ri->heap_total, ri->heap_used, ri->heap_free,
			ri->heap_largest_free, ri->heap_objects,
			ri->heap_objects == 1 ? "" : "s");
done:
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}
