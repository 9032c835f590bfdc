/*
 * format.c - region dumps in the words of the 2009 format_svm_region
 *
 * Same first line and order of lines; 64-bit addresses; the VM range ends
 * at base+size-1 and its size in k is exact; the last range is printed.
 */
#include "svmtool-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A listing formats thousands of regions: the lines are built in a buffer
 * of our own, the common numbers converted here (vfprintf parsing its
 * format for each was the largest user-space cost of list -v), the rare
 * lines with vsnprintf.
 */
struct sb {
	char *p;
	size_t len, cap;
	bool failed;
};

static bool sb_room(struct sb *b, size_t n)
{
	char *p;
	size_t cap;

	if (b->failed)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static void sb_mem(struct sb *b, const char *s, size_t n)
{
	if (!sb_room(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sb *b, const char *s)
{
	sb_mem(b, s, strlen(s));
}

static void sb_char(struct sb *b, char c)
{
	sb_mem(b, &c, 1);
}

/* @v in hex, at least @width digits (zero-padded), no prefix. */
static void sb_hex(struct sb *b, uint64_t v, int width)
{
	char d[16];
	int n = 0;

	do {
		d[15 - n++] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	while (n < width)
		d[15 - n++] = '0';
	sb_mem(b, d + 16 - n, (size_t)n);
}

static void sb_udec(struct sb *b, uint64_t v)
{
	char d[20];
	int n = 0;

	do {
		d[19 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sb_mem(b, d + 20 - n, (size_t)n);
}

static void sb_dec(struct sb *b, int64_t v)
{
	if (v < 0) {
		sb_char(b, '-');
		sb_udec(b, (uint64_t)0 - (uint64_t)v);
	} else {
		sb_udec(b, (uint64_t)v);
	}
}

static void sb_printf(struct sb *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_room(b, (size_t)n)) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

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

static void put_lock(struct sb *f, const struct svmt_lock_info *l)
{
	if (!l->owner && !l->recoveries) {
		sb_str(f, "  lock: free\n"); /* nearly every region */
		return;
	}
	if (!l->owner)
		sb_str(f, "  lock: free");
	else if (l->owner < 0)
		sb_printf(f, "  lock: %s", l->tag_name[0] == 'u'
			  ? "not recoverable (abandoned unrepaired)"
			  : "held by a dead process that left no record");
	else
		sb_printf(f, "  lock: held by %spid %d (%s)",
			  l->owner_alive ? "" : "dead ", (int)l->owner,
			  l->tag_name[0] ? l->tag_name : svmt_tag_name(l->tag));
	if (l->recoveries)
		sb_printf(f, ", recovered %u time%s", l->recoveries,
			  l->recoveries == 1 ? "" : "s");
	sb_char(f, '\n');
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
	struct sb sb = { 0 }, *f = &sb;
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
		sb_room(f, 200);
		sb_str(f, ri->name);
		sb_str(f, ": base va 0x");
		sb_hex(f, ri->base, 16);
		sb_str(f, " size 0x");
		sb_hex(f, ri->size, 1);
		sb_str(f, " (");
		sb_udec(f, v);
		sb_char(f, ' ');
		sb_str(f, unit);
		sb_str(f, ")\n");
	}
	switch (ri->state) {
	case SVMT_STATE_CORRUPT:
		sb_printf(f, "  corrupt: %s\n", ri->detail);
		goto done;
	case SVMT_STATE_MISSING:
		sb_str(f, "  missing: directory entry without an object\n");
		goto done;
	case SVMT_STATE_INIT:
		sb_printf(f, "  init: being created by %spid %d\n",
			  ri->creator_alive ? "" : "dead ", (int)ri->creator);
		goto done;
	case SVMT_STATE_NEWER:
		sb_printf(f, "  newer: %s\n", ri->detail);
		goto done;
	case SVMT_STATE_ORPHAN:
		sb_str(f, "  orphan: object not in the directory\n");
		break;
	default:
		break;
	}
	sb_str(f, "  user_ctx 0x");
	sb_hex(f, ri->user_ctx, 1);
	sb_str(f, ", generation ");
	sb_udec(f, ri->generation);
	sb_char(f, '\n');
	if (verbose) {
		sb_str(f, "  flags: 0x");
		sb_hex(f, ri->flags, 1);
		if (ri->flags & SVMT_RF_PERSISTENT)
			sb_str(f, " PERSISTENT");
		if (ri->flags & SVMT_RF_HEAP)
			sb_str(f, " HEAP");
		if (ri->flags & SVMT_RF_FILE)
			sb_str(f, " FILE");
		sb_str(f, "\n  data_base 0x");
		sb_hex(f, ri->data_base, 16);
		sb_str(f, " data_size 0x");
		sb_hex(f, ri->data_size, 1);
		if (ri->flags & SVMT_RF_HEAP) {
			sb_str(f, " data_heap 0x");
			sb_hex(f, ri->data_heap, 16);
		}
		sb_char(f, '\n');
		if (ri->flags & SVMT_RF_FILE && ri->file[0]) {
			/* bytes from the object: no control character */
			sb_str(f, "  file ");
			for (const char *p = ri->file; *p && p < ri->file +
				     sizeof(ri->file); p++)
				sb_char(f, (unsigned char)*p < 0x20 || *p == 0x7f
						   ? '?' : *p);
			sb_char(f, '\n');
		}
	}
	sb_str(f, "  ");
	sb_udec(f, nclients);
	sb_str(f, nclients == 1 ? " client, pids:" : " clients, pids:");
	for (i = 0; i < nclients; i++) {
		sb_char(f, ' ');
		sb_dec(f, (int)ri->clients[i]->pid);
		if (!ri->clients[i]->alive)
			sb_str(f, "(dead)");
	}
	sb_char(f, '\n');
	put_lock(f, lock);
	if (verbose && ri->size) {
		sb_str(f, "  VM in use:\n    0x");
		sb_hex(f, ri->base, 16);
		sb_str(f, " - 0x");
		sb_hex(f, ri->base + ri->size - 1, 16);
		sb_str(f, " (");
		sb_udec(f, ri->size >> 10);
		sb_str(f, "k)\n");
	}
	if (verbose && ri->flags & SVMT_RF_HEAP && !ri->heap_total)
		sb_str(f, "  heap: unreadable\n"); /* a damaged header */
	else if (verbose && ri->flags & SVMT_RF_HEAP)
		sb_printf(f, "  heap: total %" PRIu64 ", used %" PRIu64
			  ", free %" PRIu64 ", largest free %" PRIu64 ", %"
			  PRIu64 " object%s\n",
			  ri->heap_total, ri->heap_used, ri->heap_free,
			  ri->heap_largest_free, ri->heap_objects,
			  ri->heap_objects == 1 ? "" : "s");
done:
	if (sb.failed) {
		free(sb.p);
		return -ENOMEM;
	}
	*out = sb.p;
	return 0;
}
