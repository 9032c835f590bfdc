/*
 * space.c - the region directory and the namespace's address space
 *
 * The directory is an open-addressing hash table (linear probing, backward
 * shift deletion, no tombstones) in the namespace object; the entries are
 * the truth.  The allocator is a sorted array of free extents, first fit,
 * coalescing on free.  Both can be rebuilt from the entries, which is how a
 * lock whose owner died mid-update is repaired.
 *
 * In each process the whole span is reserved PROT_NONE with
 * MAP_FIXED_NOREPLACE; later mappings replace parts of that reservation
 * only, and detaching puts the reservation back.
 */
#include "svmtool-private.h"
#include "strbuf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

uint64_t svmt_name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i <= SVMT_NAME_MAX && s[i]; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * Slots change so that a process killed between any two stores leaves every
 * entry whole in at least one slot: a slot is emptied before its body is
 * written and its state is published last.  Repair may then find an entry
 * twice, never torn, never lost.
 */
static void slot_clear(struct svmt_dirent *e)
{
	atomic_store_explicit(&e->state, SVMT_ENT_EMPTY, memory_order_release);
	memset((char *)e + sizeof(e->state), 0, sizeof(*e) - sizeof(e->state));
}

static void slot_copy(struct svmt_dirent *dst, const struct svmt_dirent *src)
{
	uint32_t st = atomic_load_explicit(&src->state, memory_order_acquire);

	atomic_store_explicit(&dst->state, SVMT_ENT_EMPTY, memory_order_release);
	memcpy((char *)dst + sizeof(dst->state), (const char *)src + sizeof(src->state),
	       sizeof(*dst) - sizeof(dst->state));
	atomic_store_explicit(&dst->state, st, memory_order_release);
}

static uint32_t ent_state(const struct svmt_dirent *e)
{
	return atomic_load_explicit(&e->state, memory_order_acquire);
}

static bool ent_name_is(const struct svmt_dirent *e, const char *name)
{
	return strncmp(e->name, name, sizeof(e->name)) == 0;
}

struct svmt_dirent *svmt_dir_find(const struct svmt_dir *d, const char *name)
{
	struct svmt_dirent *s = svmt_dir_slots(d);
	uint32_t mask = d->g->slots - 1;
	uint32_t i = (uint32_t)svmt_name_hash(name) & mask, k;

	for (k = 0; k < d->g->slots; k++) {
		struct svmt_dirent *e = &s[(i + k) & mask];

		if (ent_state(e) == SVMT_ENT_EMPTY)
			return NULL;
		if (ent_name_is(e, name))
			return e;
	}
	return NULL;
}

int svmt_dir_lookup_fd(int fd, const struct svmt_geom *g, const char *name,
		       struct svmt_dirent *out)
{
	uint32_t mask = g->slots - 1;
	uint32_t i = (uint32_t)svmt_name_hash(name) & mask, k;

	for (k = 0; k < g->slots; k++) {
		off_t off = (off_t)(g->dir_off + (uint64_t)((i + k) & mask) *
				    sizeof(*out));

		if (pread(fd, out, sizeof(*out), off) != (ssize_t)sizeof(*out))
			return svmt_fail(SVMT_ECORRUPT, "namespace object "
					 "truncated");
		if (ent_state(out) == SVMT_ENT_EMPTY)
			return 0;
		if (ent_name_is(out, name))
			return 1;
	}
	return 0;
}

struct svmt_dirent *svmt_dir_insert(const struct svmt_dir *d, const char *name)
{
	struct svmt_dirent *s = svmt_dir_slots(d);
	uint32_t mask = d->g->slots - 1;
	uint32_t i = (uint32_t)svmt_name_hash(name) & mask, k;

	if (d->r->count >= d->g->capacity)
		return NULL;
	for (k = 0; k < d->g->slots; k++) {
		struct svmt_dirent *e = &s[(i + k) & mask];

		if (ent_state(e) != SVMT_ENT_EMPTY)
			continue;
		memset((char *)e + sizeof(e->state), 0,
		       sizeof(*e) - sizeof(e->state));
		svmt_str_put(e->name, sizeof(e->name), name);
		SVMT_CRASH("dir-insert-named");
		d->r->count++;
		return e; /* the caller fills it and publishes its state */
	}
	return NULL;
}

void svmt_dir_delete(const struct svmt_dir *d, struct svmt_dirent *e)
{
	struct svmt_dirent *s = svmt_dir_slots(d);
	uint32_t mask = d->g->slots - 1;
	uint32_t i = (uint32_t)(e - s), j = i;

	for (uint32_t k = 0; k < d->g->slots; k++) { /* a full table: stop */
		uint32_t home;

		j = (j + 1) & mask;
		if (ent_state(&s[j]) == SVMT_ENT_EMPTY)
			break;
		home = (uint32_t)svmt_name_hash(s[j].name) & mask;
		/* s[j] stays if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		slot_copy(&s[i], &s[j]);
		SVMT_CRASH("dir-delete-shifting");
		i = j;
	}
	slot_clear(&s[i]);
	if (d->r->count)
	SVMT_CRASH("dir-delete-cleared");
		d->r->count--;
	d->r->generation++;
}

/* Is the entry's extent plausible for this namespace? */
static bool ent_valid(const struct svmt_dir *d, const struct svmt_dirent *e)
{
	char buf[SVMT_NAME_MAX + 1];
	uint64_t end = d->g->base + d->g->span;

	if (memchr(e->name, '\0', sizeof(e->name)) == NULL ||
	    svmt_name_norm(e->name, buf) || strcmp(buf, e->name))
		return false;
	if (e->size == 0 || (e->base | e->size) & (d->g->page - 1))
		return false;
	return e->base >= d->g->area_start && e->base < end &&
	       e->size <= end - e->base;
}

static int cmp_extent(const void *a, const void *b)
{
	const struct svmt_extent *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Sorted, validated, non-overlapping extents of the used entries. */
static int used_extents(const struct svmt_dir *d, struct svmt_extent **out,
			uint32_t *n)
{
	struct svmt_dirent *s = svmt_dir_slots(d);
	struct svmt_extent *x = calloc(d->g->slots + 1u, sizeof(*x));
	uint32_t i, k = 0;

	if (!x)
		return -ENOMEM;
	for (i = 0; i < d->g->slots; i++)
		if (ent_state(&s[i]) != SVMT_ENT_EMPTY && ent_valid(d, &s[i]))
			x[k++] = (struct svmt_extent){ s[i].base, s[i].size };
	qsort(x, k, sizeof(*x), cmp_extent);
	*out = x;
	*n = k;
	return 0;
}

/* The free list the entries imply, into f (room for n+1); returns count. */
static uint32_t implied_free(const struct svmt_dir *d,
			     const struct svmt_extent *used, uint32_t n,
			     struct svmt_extent *f)
{
	uint64_t at = d->g->area_start, end = d->g->base + d->g->span;
	uint32_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (used[i].start > at)
			f[k++] = (struct svmt_extent){ at, used[i].start - at };
		if (used[i].start + used[i].len > at)
			at = used[i].start + used[i].len;
	}
	if (at < end)
		f[k++] = (struct svmt_extent){ at, end - at };
	return k;
}

static int cmp_by_name(const void *a, const void *b, void *slots)
{
	const struct svmt_dirent *s = slots;

	return strncmp(s[*(const uint32_t *)a].name, s[*(const uint32_t *)b].name,
		       SVMT_NAME_MAX + 1);
}

static int cmp_by_base(const void *a, const void *b, void *slots)
{
	const struct svmt_dirent *s = slots;
	uint64_t x = s[*(const uint32_t *)a].base;
	uint64_t y = s[*(const uint32_t *)b].base;

	return x < y ? -1 : x > y;
}

static void drop_slot(struct svmt_dirent *e, bool report,
		      void (*dropped)(const struct svmt_dirent *e, void *arg),
		      void *arg)
{
	if (report && dropped)
		dropped(e, arg);
	slot_clear(e);
}

/* Used slots' indices into *out; returns how many (or -ENOMEM). */
static long used_slots(const struct svmt_dir *d, uint32_t **out)
{
	struct svmt_dirent *s = svmt_dir_slots(d);
	uint32_t *v = malloc((size_t)d->g->slots * sizeof(*v)), i, k = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < d->g->slots; i++)
		if (ent_state(&s[i]) != SVMT_ENT_EMPTY)
			v[k++] = i;
	*out = v;
	return k;
}

/*
 * Rebuild in place, so that a process killed at any point leaves every
 * entry in some slot: drop invalid entries, then copies of one entry (a
 * killed delete leaves two), then entries overlapping an earlier one; then
 * move each entry that its probe sequence cannot reach into the first empty
 * slot from its home (copy first, then clear the old slot).
 */
int svmt_dir_rebuild(const struct svmt_dir *d,
		     void (*dropped)(const struct svmt_dirent *e, void *arg),
		     void *arg)
{
	struct svmt_dirent *s = svmt_dir_slots(d);
	uint32_t mask = d->g->slots - 1, *v, i, n, k;
	struct svmt_extent *used;
	bool moved;
	long got;

	for (i = 0; i < d->g->slots; i++)
		if (ent_state(&s[i]) != SVMT_ENT_EMPTY && !ent_valid(d, &s[i]))
			drop_slot(&s[i], true, dropped, arg);
	got = used_slots(d, &v);
	if (got < 0)
		return (int)got;
	n = (uint32_t)got;
	qsort_r(v, n, sizeof(*v), cmp_by_name, s);
	for (i = 1; i < n; i++) {
		const struct svmt_dirent *a = &s[v[i - 1]], *b = &s[v[i]];

		if (strncmp(a->name, b->name, sizeof(a->name)))
			continue;
		/* An identical copy is silent; a different one is reported. */
		drop_slot(&s[v[i]], a->base != b->base || a->size != b->size ||
				    a->generation != b->generation, dropped, arg);
		v[i] = v[i - 1];
	}
	free(v);
	got = used_slots(d, &v);
	if (got < 0)
		return (int)got;
	n = (uint32_t)got;
	qsort_r(v, n, sizeof(*v), cmp_by_base, s);
	for (i = 1, k = 0; i < n; i++) {
		if (s[v[i]].base < s[v[k]].base + s[v[k]].size)
			drop_slot(&s[v[i]], true, dropped, arg);
		else
			k = i;
	}
	free(v);
	/* More than the capacity can only be corruption: keep what fits (the
	 * free list has room for capacity + 1 gaps, the table needs a hole). */
	got = used_slots(d, &v);
	if (got < 0)
		return (int)got;
	for (i = d->g->capacity; i < (uint32_t)got; i++)
		drop_slot(&s[v[i]], true, dropped, arg);
	free(v);
	do {
		moved = false;
		for (i = 0; i < d->g->slots; i++) {
			uint32_t at;

			if (ent_state(&s[i]) == SVMT_ENT_EMPTY ||
			    svmt_dir_find(d, s[i].name) == &s[i])
				continue;
			at = (uint32_t)svmt_name_hash(s[i].name) & mask;
			while (ent_state(&s[at]) != SVMT_ENT_EMPTY)
				at = (at + 1) & mask;
			slot_copy(&s[at], &s[i]);
			slot_clear(&s[i]);
			moved = true;
		}
	} while (moved);
	/* Derived state: the count and the free list. */
	if (used_extents(d, &used, &n))
		return -ENOMEM;
	d->r->count = n;
	d->r->free_count = implied_free(d, used, n, svmt_dir_free(d));
	SVMT_CRASH("dir-rebuild-counted");
	d->r->generation++;
	free(used);
	return 0;
}

int svmt_dir_check(const struct svmt_dir *d, struct svmt_extent *bad)
{
	struct svmt_dirent *s = svmt_dir_slots(d);
	struct svmt_extent *used, *want, *have = svmt_dir_free(d);
	uint32_t i, n, nwant, nhave = d->r->free_count, inuse = 0;
	int kind = 0;

	memset(bad, 0, sizeof(*bad));
	for (i = 0; i < d->g->slots; i++) {
		if (ent_state(&s[i]) == SVMT_ENT_EMPTY)
			continue;
		inuse++;
		if (!ent_valid(d, &s[i]) || svmt_dir_find(d, s[i].name) != &s[i])
			return SVMT_EV_DIRECTORY;
	}
	if (inuse != d->r->count)
		return SVMT_EV_DIRECTORY;
	if (used_extents(d, &used, &n))
		return 0; /* cannot tell */
	for (i = 1; i < n; i++)
		if (used[i].start < used[i - 1].start + used[i - 1].len) {
			free(used);
			return SVMT_EV_DIRECTORY; /* two regions overlap */
		}
	want = calloc((size_t)n + 1, sizeof(*want));
	if (!want) {
		free(used);
		return 0;
	}
	nwant = implied_free(d, used, n, want);
	if (nhave > d->g->free_cap)
		nhave = d->g->free_cap;
	for (i = 0; i < nwant || i < nhave; i++) {
		if (i < nwant && i < nhave && want[i].start == have[i].start &&
		    want[i].len == have[i].len)
			continue;
		*bad = i < nwant ? want[i] : have[i];
		kind = SVMT_EV_SPACE_LEAK;
		break;
	}
	free(want);
	free(used);
	return kind;
}

int svmt_space_alloc(const struct svmt_dir *d, uint64_t len, uint64_t *addr)
{
	struct svmt_extent *f = svmt_dir_free(d);
	uint32_t i, n = d->r->free_count;

	if (len == 0 || len & (d->g->page - 1))
		return -EINVAL;
	if (n > d->g->free_cap)
		n = d->g->free_cap;
	for (i = 0; i < n; i++) {
		uint64_t end = d->g->base + d->g->span;

		/* Shared bytes: use only an extent inside the area. */
		if (f[i].len < len || f[i].start < d->g->area_start ||
		    f[i].start >= end || f[i].len > end - f[i].start ||
		    f[i].start & (d->g->page - 1))
			continue;
		*addr = f[i].start;
		f[i].start += len;
		SVMT_CRASH("space-alloc-torn");
		f[i].len -= len;
		if (f[i].len == 0) {
			memmove(&f[i], &f[i + 1], (n - i - 1) * sizeof(*f));
			SVMT_CRASH("space-alloc-shifted");
			d->r->free_count = n - 1;
		}
		return 0;
	}
	return svmt_fail(SVMT_ENOVA, "no free extent of %" PRIu64 " bytes", len);
}

int svmt_space_free(const struct svmt_dir *d, uint64_t addr, uint64_t len)
{
	struct svmt_extent *f = svmt_dir_free(d);
	uint32_t p, n = d->r->free_count;
	uint64_t end = d->g->base + d->g->span;
	bool prev, next;

	if (len == 0 || (addr | len) & (d->g->page - 1) ||
	    addr < d->g->area_start || addr >= end || len > end - addr ||
	    n > d->g->free_cap)
		return -EINVAL;
	for (p = 0; p < n && f[p].start < addr; p++)
		;
	if (p > 0 && f[p - 1].start + f[p - 1].len > addr)
		return -EINVAL;
	if (p < n && addr + len > f[p].start)
		return -EINVAL;
	prev = p > 0 && f[p - 1].start + f[p - 1].len == addr;
	next = p < n && addr + len == f[p].start;
	if (prev && next) {
		f[p - 1].len += len + f[p].len;
		SVMT_CRASH("space-free-merged");
		memmove(&f[p], &f[p + 1], (n - p - 1) * sizeof(*f));
		d->r->free_count = n - 1;
	} else if (prev) {
		f[p - 1].len += len;
	} else if (next) {
		f[p].start = addr;
		f[p].len += len;
	} else {
		if (n == d->g->free_cap)
			return -ENOSPC;
		memmove(&f[p + 1], &f[p], (n - p) * sizeof(*f));
		SVMT_CRASH("space-free-shifted");
		f[p] = (struct svmt_extent){ addr, len };
		d->r->free_count = n + 1;
	}
	return 0;
}

void svmt_space_reset(const struct svmt_dir *d)
{
	struct svmt_extent *f = svmt_dir_free(d);

	f[0].start = d->g->area_start;
	f[0].len = d->g->base + d->g->span - d->g->area_start;
	d->r->free_count = 1;
}

void svmt_space_describe(uint64_t lo, uint64_t hi, char *buf, size_t len)
{
	FILE *fp = fopen("/proc/self/maps", "re");
	char line[512];

	snprintf(buf, len, "another mapping");
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		unsigned long long a, b;
		int off = 0;
		char *path;

		if (sscanf(line, "%llx-%llx %*s %*s %*s %*s%n", &a, &b, &off) < 2)
			continue;
		if (b <= lo || a >= hi)
			continue;
		path = line + off;
		path += strspn(path, " \t");
		path[strcspn(path, "\n")] = '\0';
		snprintf(buf, len, "%s (0x%llx-0x%llx)",
			 *path ? path : "[anon]", a, b);
		break;
	}
	fclose(fp);
}

int svmt_space_reserve(uint64_t base, uint64_t span)
{
	void *want = (void *)(uintptr_t)base;
	void *p = mmap(want, span, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			       MAP_FIXED_NOREPLACE, -1, 0);
	char what[320];

	if (p == MAP_FAILED && errno == EINVAL) /* e.g. valgrind: a plain hint */
		p = mmap(want, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
			 MAP_NORESERVE, -1, 0);
	if (p == want)
		return 0;
	if (p == MAP_FAILED && errno != EEXIST)
		return svmt_fail(-errno, "cannot reserve 0x%" PRIx64 "-0x%" PRIx64
				 ": %s", base, base + span, svmt_errno_text(errno));
	if (p != MAP_FAILED) /* a kernel without MAP_FIXED_NOREPLACE */
		munmap(p, span);
	svmt_space_describe(base, base + span, what, sizeof(what));
	return svmt_fail(SVMT_ECLASH, "address range 0x%" PRIx64 "-0x%" PRIx64
			 " in use by %s", base, base + span, what);
}

int svmt_space_unmap(uint64_t addr, uint64_t len)
{
	void *at = (void *)(uintptr_t)addr;

	if (mmap(at, len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
		 0) == MAP_FAILED)
		return -errno;
	return 0;
}

int svmt_space_take(const struct svmt_dir *d, uint64_t addr, uint64_t len)
{
	struct svmt_extent *f = svmt_dir_free(d);
	uint32_t i, n = d->r->free_count;

	if (n > d->g->free_cap)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		uint64_t end = f[i].start + f[i].len;

		if (addr < f[i].start || addr + len > end)
			continue;
		if (addr == f[i].start) {
			f[i].start += len;
			f[i].len -= len;
			if (!f[i].len) {
				memmove(&f[i], &f[i + 1], (n - i - 1) * sizeof(*f));
				d->r->free_count = n - 1;
			}
		} else if (addr + len == end) {
			f[i].len -= len;
		} else {
			if (n == d->g->free_cap)
				return -ENOSPC;
			memmove(&f[i + 2], &f[i + 1], (n - i - 1) * sizeof(*f));
			f[i].len = addr - f[i].start;
			f[i + 1] = (struct svmt_extent){ addr + len, end - addr - len };
			d->r->free_count = n + 1;
		}
		return 0;
	}
	return -EBUSY;
}

uid_t svmt_dir_owner(struct svmt_ns *ns, const struct svmt_root *r,
		     const char *name)
{
	struct svmt_dir d = { (struct svmt_root *)r, &ns->g };
	const struct svmt_dirent *e;
	struct svmt_dirent copy;

	if (r == ns->r && (ns->flags & SVMT_NS_RDONLY)) {
		/* A read-only handle holds no copy of the directory. */
		e = svmt_dir_lookup_fd(ns->rootfd, &ns->g, name, &copy) == 1
			    ? &copy : NULL;
	} else {
		e = svmt_dir_find(&d, name);
	}
	return e && e->owner_uid != (uint32_t)-1 ? (uid_t)e->owner_uid
						 : (uid_t)-1;
}
