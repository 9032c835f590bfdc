/*
 * region.c - regions: create, attach, detach, remove
 *
 * Creation claims a directory entry (state INIT, creator identity, extent)
 * under the namespace lock, then builds the object outside the lock in an
 * unnamed file: final mode and owner, posix_fallocate, header, lock, the
 * creator's init callback; the header is published READY with a release
 * store, the file linked into place, and the entry set READY.  Openers that
 * find an INIT entry wait (bounded) while its creator lives and take it over
 * when it is dead.  Any failure rolls the claim back.
 */
#include "svmtool-private.h"
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

void svmt_region_opts_init_size(struct svmt_region_opts *o, size_t size)
{
	struct svmt_region_opts d;

	memset(&d, 0, sizeof(d));
	d.mode = 0600;
	d.owner = (uid_t)-1;
	d.group = (gid_t)-1;
	/* A newer caller's fields past ours stay zero: their defaults. */
	memset(o, 0, size);
	memcpy(o, &d, size < sizeof(d) ? size : sizeof(d));
	o->struct_size = (uint32_t)size;
}

int svmt_region_repair(void *rctx)
{
	struct svmt_rctx *c = rctx;
	struct svmt_ident *cl = (struct svmt_ident *)((char *)c->h +
						      c->clients_off);
	uint32_t i, j, k = 0, n = c->h->nclients;

	if (n > c->max_clients)
		n = c->max_clients;
	/* A death mid-update can leave a hole or a duplicate: compact. */
	for (i = 0; i < n; i++) {
		bool dup = cl[i].pid <= 0;

		for (j = 0; j < k && !dup; j++)
			dup = svmt_ident_same(&cl[j], &cl[i]);
		if (!dup)
			cl[k++] = cl[i];
	}
	memset(&cl[k], 0, (size_t)(c->max_clients - k) * sizeof(*cl));
	c->h->nclients = k;
	return 0;
}

static int rlock(const struct svmt_rctx *c, uint32_t tag, int timeout,
		 pid_t *recovered)
{
	struct svmt_rctx ctx = *c;
	int rc = svmt_lock_acquire(&c->h->meta, tag, timeout,
				   svmt_region_repair, &ctx, recovered);

	/* Truncated under us, with the SIGBUS guard: zeros, not a lock. */
	if (svmt_sigbus_hit(c->h, sizeof(*c->h))) {
		if (!rc)
			svmt_lock_release(&c->h->meta);
		return svmt_fail(SVMT_ECORRUPT, "region object truncated "
				 "while in use");
	}
	return rc;
}

void svmt_dir_remove_entry(struct svmt_ns *ns, struct svmt_dirent *e)
{
	struct svmt_dir d = svmt_ns_dir(ns);
	int rc = svmt_space_free(&d, e->base, e->size);

	svmt_dir_delete(&d, e);
	if (rc) /* the free list disagreed: derive it again */
		svmt_dir_rebuild(&d, NULL, NULL);
}

/* Under the namespace lock: an attach of entry @e begins. */
static void attaches_begin(struct svmt_dirent *e)
{
	if (e->attaches != SVMT_ATTACHES_UNKNOWN)
		e->attaches++; /* at UINT32_MAX - 1 too: then unknown */
}

/* Under the namespace lock: an attach of generation @gen of @name ended
 * (it is no longer registered, or never was). */
static void attaches_end(struct svmt_ns *ns, const char *name, uint64_t gen)
{
	struct svmt_dir d = svmt_ns_dir(ns);
	struct svmt_dirent *e = svmt_dir_find(&d, name);

	if (e && e->generation == gen && e->attaches &&
	    e->attaches != SVMT_ATTACHES_UNKNOWN)
		e->attaches--;
}

/* An attach that failed ends, its error detail kept.  Bounded like every
 * wait: when the lock stays busy, the count stays high, which only costs a
 * removal its fast path. */
static void attach_abandon(struct svmt_ns *ns, const char *name, uint64_t gen)
{
	char why[256];

	snprintf(why, sizeof(why), "%s", svmt_errdetail());
	if (!svmt_ns_lock(ns, SVMT_TAG_OPEN, NULL)) {
		attaches_end(ns, name, gen);
		svmt_ns_unlock(ns);
	}
	svmt_fail(0, "%s", why);
}

/*
 * Under the namespace lock: may region @e, whose validated header @hdr was
 * read after the lock was taken, go without taking its own lock?  Only when
 * no client can be registered nor registering: every registration happens
 * between an attaches_begin() and its attaches_end(), and begins under this
 * lock; and none is left in the table (dead clients, an entry recover
 * made).  Its lock must be free, and sound as the lock path checks it: 1,
 * 0 (take the lock), or SVMT_ECORRUPT.
 */
static int unattached(const struct svmt_ns *ns, const struct svmt_dirent *e,
		      const struct svmt_rhdr *hdr)
{
	struct svmt_lock_view v;
	int rc;

	if (!(ns->g.feat.ro_compat & SVMT_ROOT_RO_COMPAT_ATTACHES) ||
	    e->attaches != 0 || hdr->nclients != 0)
		return 0;
	rc = svmt_lock_inspect(&hdr->meta, &v);
	if (rc)
		return rc;
	return !v.tid && !v.owner_died && !v.unrecoverable;
}

static struct svmt_region *find_local(struct svmt_ns *ns, const char *name)
{
	struct svmt_region *r;

	for (r = ns->regions; r; r = r->next)
		if (!r->inherited && !r->stale && !strcmp(r->name, name))
			return r;
	return NULL;
}

/*
 * Is handle @r no longer the region its name leads to?  A forced removal,
 * perhaps followed by a re-creation, since it was opened: handles are the
 * object's, not the name's.
 */
static bool local_stale(struct svmt_ns *ns, struct svmt_region *r)
{
	struct svmt_dir d = svmt_ns_dir(ns);
	struct svmt_dirent *e;
	bool stale;

	if (atomic_load_explicit(&r->h->state, memory_order_acquire) !=
	    SVMT_RS_READY)
		return true;
	if (svmt_ns_lock(ns, SVMT_TAG_OPEN, NULL))
		return false; /* cannot tell: the handle stays */
	e = svmt_dir_find(&d, r->name);
	stale = !e || e->generation != r->generation ||
		atomic_load_explicit(&e->state, memory_order_acquire) !=
			SVMT_ENT_READY;
	svmt_ns_unlock(ns);
	return stale;
}

static bool overlaps_local(struct svmt_ns *ns, uint64_t base, uint64_t size)
{
	struct svmt_region *r;

	for (r = ns->regions; r; r = r->next)
		if (!r->inherited && base < r->base + r->size &&
		    r->base < base + size)
			return true;
	return false;
}

/* An opener that asks for a size (0: any) must get that size. */
static int size_check(const struct svmt_ns *ns, const char *name,
		      uint64_t have, uint64_t want)
{
	if (!want || svmt_page_up(want, ns->g.page) == have)
		return 0;
	return svmt_fail(SVMT_ESIZE, "region '%s' has %" PRIu64 " bytes, not %"
			 PRIu64, name, have, svmt_page_up(want, ns->g.page));
}

/* What a creation claimed in the directory. */
struct claim {
	uint64_t base, size, gen, data_off, data_size;
	uint32_t max_clients, clients_off;
};

/*
 * Allocate c->size bytes of the span (namespace locked), never where this
 * process still maps a region removed under it: MAP_FIXED there would
 * replace that mapping.
 */
static int claim_extent(struct svmt_ns *ns, struct claim *c)
{
	struct svmt_dir d = svmt_ns_dir(ns);
	struct svmt_extent aside[8];
	int n = 0, rc;

	for (;;) {
		rc = svmt_space_alloc(&d, c->size, &c->base);
		if (rc || !overlaps_local(ns, c->base, c->size))
			break;
		if (n == (int)(sizeof(aside) / sizeof(aside[0]))) {
			svmt_space_free(&d, c->base, c->size);
			rc = svmt_fail(SVMT_ENOVA, "free address space is still "
				       "mapped by this process");
			break;
		}
		aside[n++] = (struct svmt_extent){ c->base, c->size };
	}
	while (n--)
		svmt_space_free(&d, aside[n].start, aside[n].len);
	return rc;
}

static void claim_rollback(struct svmt_ns *ns, const char *name,
			   const struct claim *c)
{
	struct svmt_dirent *e;
	struct svmt_dir d = svmt_ns_dir(ns);

	/* Bounded like every wait: when the lock stays busy, the claim stays
	 * ours until we exit, and is then a dead creator's, taken over by
	 * the next creator or by recover. */
	if (svmt_lock_acquire(&ns->r->lock, SVMT_TAG_CREATE, ns->timeout_ms,
			      svmt_ns_repair, ns, NULL))
		return;
	e = svmt_dir_find(&d, name);
	if (e && e->generation == c->gen)
		svmt_dir_remove_entry(ns, e);
	svmt_ns_unlock(ns);
}

/* The flags a region records for the creation flags @f. */
static uint32_t region_rflags(const struct svmt_region_opts *o)
{
	return ((o->flags & SVMT_REGION_PERSISTENT) ? SVMT_RF_PERSISTENT : 0) |
	       ((o->flags & SVMT_REGION_HEAP) ? SVMT_RF_HEAP : 0) |
	       (o->file ? SVMT_RF_FILE : 0);
}

static int new_handle(struct svmt_ns *ns, const char *name, void *p,
		      const struct claim *c, uint32_t rflags,
		      struct svmt_region **out)
{
	struct svmt_region *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->ns = ns;
	r->refs = 1;
	svmt_str_put(r->name, sizeof(r->name), name);
	r->h = p;
	r->base = c->base;
	r->size = c->size;
	r->data_off = c->data_off;
	r->data_size = c->data_size;
	r->generation = c->gen;
	r->max_clients = c->max_clients;
	r->clients_off = c->clients_off;
	r->persistent = rflags & SVMT_RF_PERSISTENT;
	if (rflags & SVMT_RF_HEAP) {
		const struct svmt_heap_hdr *hh =
			(const void *)((char *)p + c->data_off);

		r->has_heap = true;
		/* Geometry copied once, validated: ops never re-read it. */
		if (!svmt_heap_validate(hh, c->data_size)) {
			r->heap_arena = hh->arena_off;
			svmt_heap_cache_new(r);
		}
	}
	r->next = ns->regions;
	ns->regions = r;
	*out = r;
	return 0;
}

/* A file-backed region's data file while it is being created. */
struct data_file {
	int fd;
	bool created;             /* made here: removed again on failure */
	const char *path;
	uint64_t dev, ino;
};

/*
 * Open (or create, with the region's mode and owner) the data file
 * @o->file for @size bytes: never through a symlink, never truncated; a
 * shorter file is extended with posix_fallocate (a full disk is -ENOSPC
 * now, never SIGBUS later).
 */
static int data_file_open(const struct svmt_region_opts *o, uint64_t size,
			  struct data_file *df)
{
	mode_t mode = o->mode & 07777;
	struct stat st;
	int fd, rc;

	df->path = o->file;
	fd = open(o->file, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  mode);
	df->created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(o->file, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return svmt_fail(-errno, "cannot open data file '%s': %s",
				 o->file, errno == ELOOP ? "it is a symbolic link"
				 : svmt_errno_text(errno));
	df->fd = fd;
	rc = 0;
	if (df->created && (o->owner != (uid_t)-1 || o->group != (gid_t)-1) &&
	    fchown(fd, o->owner, o->group) < 0)
		rc = svmt_fail(-errno, "cannot set the owner of data file '%s': "
			       "%s", o->file, svmt_errno_text(errno));
	if (!rc && df->created && (o->flags & SVMT_REGION_EXACT_MODE) &&
	    fchmod(fd, mode) < 0)
		rc = -errno;
	if (!rc && fstat(fd, &st) < 0)
		rc = -errno;
	if (!rc && !S_ISREG(st.st_mode))
		rc = svmt_fail(-EINVAL, "data file '%s' is not a regular file",
			       o->file);
	if (!rc && (uint64_t)st.st_size > size)
		rc = svmt_fail(-EINVAL, "data file '%s' has %llu bytes, more than "
			       "the region's %llu: it is never truncated",
			       o->file, (unsigned long long)st.st_size,
			       (unsigned long long)size);
	if (!rc && (uint64_t)st.st_size < size)
		rc = svmt_fallocate(fd, size);
	df->dev = (uint64_t)st.st_dev;
	df->ino = (uint64_t)st.st_ino;
	return rc;
}

static void data_file_close(struct data_file *df, int failed)
{
	if (df->fd < 0)
		return;
	if (failed && df->created)
		unlink(df->path);
	close(df->fd);
	df->fd = -1;
}

/* Under the namespace lock: no other region of @ns keeps its data in the
 * same file.  0 or -EBUSY. */
static int data_file_unused(struct svmt_ns *ns, const char *name,
			    const struct data_file *df)
{
	struct svmt_dir d = svmt_ns_dir(ns);
	struct svmt_dirent *slots = svmt_dir_slots(&d);

	for (uint32_t s = 0; s < ns->g.slots; s++) {
		char nm[SVMT_NAME_MAX + 1];
		struct svmt_rhdr hdr;
		struct stat st;
		int fd;

		if (atomic_load(&slots[s].state) != SVMT_ENT_READY ||
		    !(slots[s].flags & SVMT_RF_FILE) ||
		    svmt_name_norm(slots[s].name, nm) || !strcmp(nm, name))
			continue;
		fd = svmt_obj_open(ns, nm, O_RDONLY, SVMT_ANY_OWNER, &st);
		if (fd < 0)
			continue;
		if (!svmt_rhdr_read(ns, fd, &st, nm, false, &hdr) &&
		    SVMT_RHDR_FILE(&hdr) && hdr.file_dev == df->dev &&
		    hdr.file_ino == df->ino) {
			close(fd);
			return svmt_fail(-EBUSY, "data file '%s' already holds "
					 "region '%s'", df->path, nm);
		}
		close(fd);
	}
	return 0;
}

static int region_build(struct svmt_ns *ns, const char *name,
			const struct claim *c,
			const struct svmt_region_opts *o, struct svmt_region **out)
{
	char objname[sizeof(SVMT_FILE_PREFIX) + 2 * SVMT_NAME_MAX + 2];
	struct svmt_dir d = svmt_ns_dir(ns);
	struct svmt_rhdr *h = MAP_FAILED, built;
	bool heap = o->flags & SVMT_REGION_HEAP;
	/* Nothing to attach, no heap or init to run in the data: the header
	 * is built here and written with one pwrite, nothing is mapped. */
	bool direct = !out && !heap && !o->file;
	struct data_file df = { .fd = -1 };
	/* The object holds the data area unless a file does. */
	uint64_t objlen = o->file ? c->data_off : c->size;
	/* Without attaching, the header; the data area too for its heap. */
	uint64_t maplen = o->file ? c->data_off
				  : out || heap ? c->size : c->data_off;
	void *data = NULL;
	struct svmt_dirent *e;
	struct timespec now;
	char tmpname[SVMT_TMPNAME_MAX];
	int fd, rc;

	svmt_objname(objname, sizeof(objname), ns->root_name, name);
	fd = svmt_create_file(ns->dirfd, objname, o->mode, tmpname);
	if (fd < 0) {
		rc = fd;
		goto fail;
	}
	rc = 0;
	if ((o->owner != (uid_t)-1 || o->group != (gid_t)-1) &&
	    fchown(fd, o->owner, o->group) < 0)
		rc = svmt_fail(-errno, "cannot set owner: %s", svmt_errno_text(errno));
	if (!rc && (o->flags & SVMT_REGION_EXACT_MODE) &&
	    fchmod(fd, o->mode & 07777) < 0)
		rc = -errno;
	if (!rc)
		rc = svmt_fallocate(fd, objlen);
	if (!rc && o->file)
		rc = data_file_open(o, c->data_size, &df);
	if (rc)
		goto fail;
	SVMT_CRASH("create-allocated");
	if (direct) {
		memset(&built, 0, sizeof(built));
		h = &built;
	} else {
		h = mmap(out ? (void *)(uintptr_t)c->base : NULL, maplen,
			 PROT_READ | PROT_WRITE,
			 MAP_SHARED | (out ? MAP_FIXED : 0), fd, 0);
		if (h == MAP_FAILED) {
			rc = -errno;
			goto fail;
		}
	}
	if (direct) {
		; /* no data area in hand */
	} else if (!o->file) {
		data = (char *)h + c->data_off;
	} else if (out || o->init) {
		data = mmap(out ? (void *)(uintptr_t)(c->base + c->data_off) : NULL,
			    c->data_size, PROT_READ | PROT_WRITE,
			    MAP_SHARED | (out ? MAP_FIXED : 0), df.fd, 0);
		if (data == MAP_FAILED) {
			data = NULL;
			rc = -errno;
			goto fail;
		}
	}
	memcpy(h->magic, SVMT_RGN_MAGIC, sizeof(h->magic));
	h->version = SVMT_LAYOUT_VERSION;
	h->hdr_size = sizeof(*h);
	h->flags = region_rflags(o);
	h->compat = heap ? SVMT_RFEAT_COMPAT_HEAP : 0;
	if (o->file) {
		h->incompat = SVMT_RFEAT_INCOMPAT_FILE;
		h->file_dev = df.dev;
		h->file_ino = df.ino;
		snprintf(h->file_path, sizeof(h->file_path), "%s", o->file);
	}
	h->generation = c->gen;
	h->base = c->base;
	h->size = c->size;
	h->data_off = c->data_off;
	h->data_size = c->data_size;
	h->clients_off = c->clients_off;
	h->max_clients = c->max_clients;
	h->user_ctx = o->user_ctx;
	h->creator_uid = (uint32_t)geteuid();
	clock_gettime(CLOCK_REALTIME, &now);
	h->ctime = now.tv_sec;
	h->creator = *svmt_self();
	svmt_str_put(h->root, sizeof(h->root), ns->root_name);
	svmt_str_put(h->name, sizeof(h->name), name);
	rc = svmt_lock_init(&h->meta);
	if (!rc)
		rc = svmt_lock_init(&h->lock);
	if (!rc && heap)
		rc = svmt_heap_init(data, c->data_size);
	if (!rc && out) {
		struct svmt_rctx ctx = { h, c->max_clients, c->clients_off };

		rc = svmt_clients_add(&ctx, svmt_self());
	}
	if (!rc && o->init && o->init(data, c->data_size, o->init_arg))
		rc = svmt_fail(SVMT_EINITFN, "init callback of '%s' failed",
			       name);
	if (rc)
		goto fail;
	SVMT_CRASH("create-header-written");
	atomic_store_explicit(&h->state, SVMT_RS_READY, memory_order_release);
	if (direct) { /* not at its name before the link below */
		ssize_t n = pwrite(fd, h, sizeof(*h), 0);

		if (n != (ssize_t)sizeof(*h)) {
			rc = n < 0 ? -errno : -EIO;
			goto fail;
		}
	}
	SVMT_CRASH("create-ready-unpublished");
	/*
	 * Publish under the namespace lock, and only while the claim is still
	 * ours: then a file already at the name can only be a dead creator's.
	 */
	rc = svmt_ns_lock(ns, SVMT_TAG_CREATE, NULL);
	if (rc)
		goto fail;
	e = svmt_dir_find(&d, name);
	if (!e || e->generation != c->gen ||
	    !svmt_ident_same(&e->creator, svmt_self())) {
		svmt_ns_unlock(ns);
		rc = svmt_fail(-EAGAIN, "region '%s' was taken over", name);
		goto fail_nolock;
	}
	if (o->file && (rc = data_file_unused(ns, name, &df))) {
		svmt_dir_remove_entry(ns, e);
		svmt_ns_unlock(ns);
		goto fail_nolock;
	}
	rc = svmt_publish_file(fd, ns->dirfd, tmpname, objname);
	if (rc == -EEXIST) {
		unlinkat(ns->dirfd, objname, 0);
		rc = svmt_publish_file(fd, ns->dirfd, tmpname, objname);
	}
	if (rc) {
		svmt_dir_remove_entry(ns, e);
		svmt_ns_unlock(ns);
		goto fail_nolock;
	}
	SVMT_CRASH("create-linked");
	atomic_store_explicit(&e->state, SVMT_ENT_READY, memory_order_release);
	svmt_ns_unlock(ns);
	close(fd);
	if (df.fd >= 0)
		close(df.fd);
	if (!out) {
		if (o->file && data)
			munmap(data, c->data_size);
		if (!direct)
			munmap(h, maplen);
		return 0;
	}
	rc = new_handle(ns, name, h, c, region_rflags(o), out);
	if (rc) /* keep it consistent: detach as a client */
		svmt_space_unmap(c->base, c->size);
	return rc;
fail:
	claim_rollback(ns, name, c);
fail_nolock:
	if (h != MAP_FAILED && !direct) {
		if (out)
			svmt_space_unmap(c->base, c->size);
		else
			munmap(h, maplen);
	}
	if (o->file && data && !out)
		munmap(data, c->data_size);
	data_file_close(&df, rc);
	svmt_discard_file(fd, ns->dirfd, tmpname);
	return rc;
}

/*
 * Map object @fd of region @name at the extent the directory gave it,
 * @seen, and validate a copy of the header taken from the mapping: the
 * geometry is read from that copy only.  The mapping covers the object as
 * far as it reaches into the extent (a file-backed region's object ends at
 * its data); the caller gives the extent back to the reservation.
 */
static int attach_header(struct svmt_ns *ns, const char *name, int fd,
			 const struct stat *st, const struct svmt_dirent *seen,
			 struct svmt_rhdr *hdr, struct svmt_rhdr **h)
{
	uint64_t fsize = (uint64_t)st->st_size, page = ns->g.page;
	uint64_t len = svmt_page_up(fsize, page), avail;
	void *p;
	int rc;

	/* The extent is checked before anything is mapped at it. */
	if (seen->base & (page - 1) || seen->size & (page - 1) ||
	    !seen->size || seen->base < ns->g.area_start ||
	    seen->base >= ns->g.base + ns->g.span ||
	    seen->size > ns->g.base + ns->g.span - seen->base)
		return svmt_fail(SVMT_ECORRUPT, "directory entry of '%s' is "
				 "outside the namespace's span", name);
	if (overlaps_local(ns, seen->base, seen->size))
		return svmt_fail(-EBUSY, "this process still maps a removed "
				 "region at 0x%" PRIx64, seen->base);
	if (fsize < SVMT_RHDR_MIN)
		return svmt_fail(SVMT_ECORRUPT, "region object truncated "
				 "(%" PRIu64 " bytes)", fsize);
	if (len > seen->size)
		len = seen->size; /* larger than its extent: refused below */
	p = mmap((void *)(uintptr_t)seen->base, len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*h = p;
	avail = fsize < sizeof(*hdr) ? fsize : sizeof(*hdr);
	memset(hdr, 0, sizeof(*hdr));
	memcpy(hdr, p, avail);
	/* Truncated since the fstat, with the SIGBUS guard: zeros were read. */
	if (svmt_sigbus_hit(p, avail))
		return svmt_fail(SVMT_ECORRUPT, "region object truncated "
				 "while read");
	rc = svmt_rhdr_validate(hdr, avail, fsize, page, ns->root_name, name,
				true);
	if (!rc && hdr->hdr_size < sizeof(*hdr))
		memset((char *)hdr + hdr->hdr_size, 0,
		       sizeof(*hdr) - hdr->hdr_size);
	return rc;
}

/* Attach an existing READY region; -EAGAIN when it changed under us. */
static int region_attach(struct svmt_ns *ns, const char *name,
			 const struct svmt_dirent *seen,
			 const struct svmt_region_opts *o,
			 struct svmt_region **out)
{
	struct svmt_rhdr hdr, *h = MAP_FAILED;
	struct svmt_rctx ctx;
	struct claim c;
	struct stat st;
	void *p;
	int fd, rc;

	fd = svmt_obj_open(ns, name, O_RDWR, (uid_t)seen->owner_uid, &st);
	if (fd == -ENOENT)
		return svmt_fail(-ENOENT, "object of region '%s' is missing; "
				 "run recover", name);
	if (fd < 0)
		return fd;
	/* Attaching maps the header anyway: it is validated there. */
	rc = out ? attach_header(ns, name, fd, &st, seen, &hdr, &h)
		 : svmt_rhdr_read(ns, fd, &st, name, true, &hdr);
	if (!rc && hdr.generation != seen->generation)
		rc = -EAGAIN; /* replaced since we looked */
	else if (!rc && (hdr.base != seen->base || hdr.size != seen->size ||
			 hdr.base < ns->g.area_start ||
			 hdr.base >= ns->g.base + ns->g.span ||
			 hdr.size > ns->g.base + ns->g.span - hdr.base))
		rc = svmt_fail(SVMT_ECORRUPT, "object of '%s' disagrees with "
			       "the directory", name);
	else if (!rc && atomic_load(&hdr.state) != SVMT_RS_READY)
		rc = svmt_fail(-ENOENT, "region '%s' was being removed; run "
			       "recover", name);
	if (!rc && o)
		rc = size_check(ns, name, hdr.data_size, o->size);
	/* asked to create a heap: an existing region must have one */
	if (!rc && o && (o->flags & SVMT_REGION_CREATE) &&
	    (o->flags & SVMT_REGION_HEAP) && !(hdr.flags & SVMT_RF_HEAP))
		rc = svmt_fail(SVMT_ENOHEAP, "region '%s' exists without a heap",
			       name);
	if (rc || !out) {
		close(fd);
		if (h != MAP_FAILED)
			svmt_space_unmap(seen->base, seen->size);
		return rc;
	}
	/* A file-backed region: the header from the object, the data from
	 * its file, which must still be the one the header names. */
	if (SVMT_RHDR_FILE(&hdr)) {
		int dfd = svmt_rhdr_open_file(&hdr, O_RDWR);

		if (dfd < 0) {
			rc = dfd;
			goto fail_fd;
		}
		p = mmap((void *)(uintptr_t)(hdr.base + hdr.data_off),
			 hdr.data_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, dfd, 0);
		close(dfd);
		if (p == MAP_FAILED) {
			rc = -errno;
			goto fail_fd;
		}
	}
	close(fd);
	/* Geometry is taken from the validated copy, never re-read. */
	c = (struct claim){ hdr.base, hdr.size, hdr.generation, hdr.data_off,
			    hdr.data_size, hdr.max_clients,
			    (uint32_t)hdr.clients_off };
	ctx = svmt_rctx_of(h, &hdr);
	rc = rlock(&ctx, SVMT_TAG_OPEN, ns->timeout_ms, NULL);
	if (rc)
		goto fail;
	if (atomic_load_explicit(&h->state, memory_order_acquire) != SVMT_RS_READY ||
	    h->generation != c.gen)
		rc = -EAGAIN;
	else
		rc = svmt_clients_add(&ctx, svmt_self());
	svmt_lock_release(&h->meta);
	if (rc)
		goto fail;
	rc = new_handle(ns, name, h, &c, hdr.flags, out);
	if (!rc)
		return 0;
fail:
	svmt_space_unmap(c.base, hdr.size);
	return rc;
fail_fd:
	close(fd);
	svmt_space_unmap(hdr.base, hdr.size);
	return rc;
}

static int region_open(struct svmt_ns *ns, const char *name,
		       const struct svmt_region_opts *o,
		       struct svmt_region **out)
{
	struct svmt_dir d = svmt_ns_dir(ns);
	bool create = o->flags & SVMT_REGION_CREATE;
	uint32_t max_clients = o->max_clients ? o->max_clients
					      : SVMT_DEFAULT_MAX_CLIENTS;
	struct claim c = { 0 };
	int waited = 0, tries = 0, rc;

	if (create) {
		if (o->size == 0 || o->size >= SVMT_ADDR_LIMIT)
			return svmt_fail(-EINVAL, "bad region size %" PRIu64,
					 o->size);
		if (max_clients > SVMT_MAX_CLIENTS)
			return svmt_fail(-EINVAL, "max_clients above %u",
					 SVMT_MAX_CLIENTS);
		if (o->init && !out)
			return svmt_fail(-EINVAL, "init needs an attached region");
		c.max_clients = max_clients;
		c.clients_off = SVMT_CLIENTS_OFF;
		c.data_off = svmt_rhdr_data_off(max_clients, ns->g.page);
		c.data_size = svmt_page_up(o->size, ns->g.page);
		c.size = c.data_off + c.data_size;
		if (c.size > ns->g.span - ns->g.file_size)
			return svmt_fail(-EFBIG, "region of %" PRIu64 " bytes "
					 "(%" PRIu64 " of data and its %" PRIu64
					 "-byte header) does not fit in the %"
					 PRIu64 " bytes of the span left for "
					 "regions", c.size, c.data_size,
					 c.data_off, ns->g.span - ns->g.file_size);
	}
	for (;;) {
		struct svmt_dirent *e, seen;

		rc = svmt_ns_lock(ns, create ? SVMT_TAG_CREATE : SVMT_TAG_OPEN,
				  NULL);
		if (rc)
			return rc;
		e = svmt_dir_find(&d, name);
		if (e && atomic_load_explicit(&e->state, memory_order_acquire) ==
				 SVMT_ENT_INIT) {
			struct svmt_ident cr = e->creator;

			if (svmt_ident_alive(&cr)) {
				svmt_ns_unlock(ns);
				if (!svmt_wait_step(&waited, ns->timeout_ms))
					return svmt_fail(svmt_interrupted()
							 ? -EINTR : -ETIMEDOUT,
							 "region '%s' is being "
							 "created by pid %d",
							 name, cr.pid);
				continue;
			}
			if (!create) {
				svmt_ns_unlock(ns);
				return svmt_fail(-ENOENT, "region '%s' was left "
						 "half-created by pid %d; run "
						 "recover", name, cr.pid);
			}
			svmt_dir_remove_entry(ns, e); /* take it over */
			e = NULL;
		}
		if (!e) {
			if (!create) {
				svmt_ns_unlock(ns);
				return svmt_fail(-ENOENT, "no such region '%s'",
						 name);
			}
			if (ns->r->count >= ns->g.capacity) {
				svmt_ns_unlock(ns);
				return svmt_fail(SVMT_EDIRFULL, "directory full "
						 "(%u region%s)", ns->g.capacity,
						 ns->g.capacity == 1 ? "" : "s");
			}
			rc = claim_extent(ns, &c);
			if (rc) {
				svmt_ns_unlock(ns);
				return rc;
			}
			e = svmt_dir_insert(&d, name);
			if (!e) { /* count disagrees with the slots */
				svmt_space_free(&d, c.base, c.size);
				svmt_ns_unlock(ns);
				return svmt_fail(SVMT_EDIRFULL, "directory full; "
						 "run recover");
			}
			e->base = c.base;
			e->size = c.size;
			e->flags = region_rflags(o);
			e->generation = c.gen = ++ns->r->generation;
			e->creator = *svmt_self();
			e->owner_uid = (uint32_t)o->owner;
			e->attaches = out ? 1 : 0; /* the creator registers */
			SVMT_CRASH("create-claim-filled");
			atomic_store_explicit(&e->state, SVMT_ENT_INIT,
					      memory_order_release);
			svmt_ns_unlock(ns);
			return region_build(ns, name, &c, o, out);
		}
		memcpy(&seen, e, sizeof(seen));
		if (create && (o->flags & SVMT_REGION_EXCL)) {
			svmt_ns_unlock(ns);
			return svmt_fail(-EEXIST, "region '%s' exists", name);
		}
		if (out)
			attaches_begin(e);
		svmt_ns_unlock(ns);
		rc = region_attach(ns, name, &seen, o, out);
		if (rc && out)
			attach_abandon(ns, name, seen.generation);
		if (rc != -EAGAIN || ++tries > 8)
			return rc == -EAGAIN ? svmt_fail(-EBUSY, "region '%s' "
							 "keeps changing", name)
					     : rc;
	}
}

int svmt_region_open(svmt_ns *ns, const char *name,
		     const struct svmt_region_opts *caller, svmt_region **out)
{
	struct svmt_region_opts opts, *o = &opts;
	char nm[SVMT_NAME_MAX + 1];
	struct svmt_region *r;
	int rc;

	svmt_clear_detail();
	if (out)
		*out = NULL;
	if (!caller)
		svmt_region_opts_init(o);
	else if ((rc = svmt_struct_in(o, sizeof(*o), caller,
				      caller->struct_size)))
		return rc;
	if (svmt_name_norm(name, nm))
		return svmt_fail(SVMT_ENAME, "invalid region name '%s'",
				 name ? name : "(null)");
	if (ns->flags & SVMT_NS_RDONLY)
		return SVMT_ERDONLY;
	if (o->file && (o->file[0] != '/' || strlen(o->file) >= SVMT_PATH_MAX))
		return svmt_fail(-EINVAL, "data file '%s': an absolute path of "
				 "at most %d bytes is needed", o->file,
				 SVMT_PATH_MAX - 1);
	if (o->file && (o->flags & SVMT_REGION_HEAP))
		return svmt_fail(-EINVAL, "a heap in a file-backed region is not "
				 "supported");
	if (!out)
		return (o->flags & SVMT_REGION_CREATE) ? region_open(ns, nm, o, NULL)
						       : -EINVAL;
	if (!ns->attached)
		return svmt_fail(SVMT_ENOTATTACHED, "namespace '%s' was opened "
				 "without its address reservation",
				 ns->root_name);
	pthread_mutex_lock(&ns->mu);
	r = find_local(ns, nm);
	if (r && local_stale(ns, r)) {
		r->stale = true;
		r = NULL;
	}
	if (!r) {
		rc = region_open(ns, nm, o, out);
	} else if ((o->flags & SVMT_REGION_EXCL) &&
		   (o->flags & SVMT_REGION_CREATE)) {
		rc = svmt_fail(-EEXIST, "region '%s' exists", nm);
	} else {
		rc = size_check(ns, nm, r->data_size, o->size);
		if (!rc && (o->flags & SVMT_REGION_CREATE) &&
		    (o->flags & SVMT_REGION_HEAP) && !r->has_heap)
			rc = svmt_fail(SVMT_ENOHEAP, "region '%s' exists without "
				       "a heap", nm);
		if (!rc) { /* open here already: one more reference */
			r->refs++;
			*out = r;
		}
	}
	pthread_mutex_unlock(&ns->mu);
	return rc;
}

/* svmt_region_destroy_unused(), the namespace lock held. */
static int destroy_unused_locked(struct svmt_ns *ns, const char *name,
				 uint64_t gen, const struct svmt_rctx *c,
				 bool *destroyed)
{
	struct svmt_rhdr *h = c->h;
	struct svmt_dir d = svmt_ns_dir(ns);
	struct svmt_dirent *e;
	int rc;

	*destroyed = false;
	e = svmt_dir_find(&d, name);
	if (!e || e->generation != gen ||
	    atomic_load_explicit(&e->state, memory_order_acquire) != SVMT_ENT_READY)
		return 0;
	rc = rlock(c, SVMT_TAG_REMOVE, ns->timeout_ms, NULL);
	if (rc)
		return rc;
	/* Only what can go entirely: an object this process may not unlink
	 * stays, with its entry. */
	rc = svmt_obj_can_unlink(ns, name);
	if (rc == -ENOENT)
		rc = 0;
	if (!rc && svmt_clients_live(c, NULL) == 0 &&
	    atomic_load_explicit(&h->state, memory_order_acquire) == SVMT_RS_READY) {
		atomic_store_explicit(&h->state, SVMT_RS_REMOVED,
				      memory_order_release);
		SVMT_CRASH("destroy-marked");
		svmt_obj_unlink(ns, name);
		SVMT_CRASH("destroy-unlinked");
		svmt_dir_remove_entry(ns, e);
		*destroyed = true;
	}
	svmt_lock_release(&h->meta);
	return rc;
}

int svmt_region_destroy_unused(struct svmt_ns *ns, const char *name,
			       uint64_t gen, const struct svmt_rctx *c,
			       bool *destroyed)
{
	int rc;

	*destroyed = false;
	rc = svmt_ns_lock(ns, SVMT_TAG_REMOVE, NULL);
	if (rc)
		return rc;
	rc = destroy_unused_locked(ns, name, gen, c, destroyed);
	svmt_ns_unlock(ns);
	return rc;
}

static int region_detach(struct svmt_region *r)
{
	struct svmt_ns *ns = r->ns;
	struct svmt_rctx c = { r->h, r->max_clients, r->clients_off };
	uint32_t left = 0;
	bool destroyed;
	int rc = 0, lrc;

	if (r->inherited) { /* the parent's registration is not ours */
		if (!overlaps_local(ns, r->base, r->size))
			svmt_space_unmap(r->base, r->size);
		return 0;
	}
	/* Never unmap a lock we hold: the kernel's robust list would break.
	 * (Only the holding thread can release it; svmt_region_unlock checks.) */
	svmt_region_unlock(r);
	svmt_heap_cache_flush(r);
	rc = rlock(&c, SVMT_TAG_CLOSE, ns->timeout_ms, NULL);
	if (!rc) {
		svmt_clients_del(&c, svmt_self());
		SVMT_CRASH("close-unregistered");
		left = r->h->nclients;
		svmt_lock_release(&r->h->meta);
		/* Unregistered: the attach ends (still registered, it would
		 * stay counted).  The last client out of a region that is not
		 * persistent destroys it.  Without the namespace lock the
		 * count only stays high: no error for that alone. */
		lrc = svmt_ns_lock(ns, SVMT_TAG_CLOSE, NULL);
		if (!lrc) {
			attaches_end(ns, r->name, r->generation);
			if (!r->persistent && left == 0)
				rc = destroy_unused_locked(ns, r->name,
							   r->generation, &c,
							   &destroyed);
			svmt_ns_unlock(ns);
		} else if (!r->persistent && left == 0) {
			rc = lrc; /* not destroyed: say why */
		}
	}
	svmt_space_unmap(r->base, r->size);
	return rc;
}

int svmt_region_close(svmt_region *r)
{
	struct svmt_ns *ns;
	struct svmt_region **pp;
	int rc;

	if (!r)
		return 0;
	svmt_clear_detail();
	ns = r->ns;
	pthread_mutex_lock(&ns->mu);
	if (--r->refs > 0) {
		pthread_mutex_unlock(&ns->mu);
		return 0;
	}
	for (pp = &ns->regions; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	rc = region_detach(r);
	pthread_mutex_unlock(&ns->mu);
	free(r->hcache);
	free(r);
	return rc;
}

void svmt_region_forget_all(struct svmt_ns *ns)
{
	while (ns->regions) {
		struct svmt_region *r = ns->regions;

		ns->regions = r->next;
		region_detach(r);
		free(r->hcache);
		free(r);
	}
}

void *svmt_region_data(const svmt_region *r)
{
	return (char *)r->h + r->data_off;
}

uint64_t svmt_region_data_size(const svmt_region *r)
{
	return r->data_size;
}

uint64_t svmt_region_base(const svmt_region *r)
{
	return r->base;
}

uint64_t svmt_region_size(const svmt_region *r)
{
	return r->size;
}

const char *svmt_region_name(const svmt_region *r)
{
	return r->name;
}

int svmt_region_lock(svmt_region *r, uint32_t tag, int timeout_ms)
{
	pid_t dead = 0;
	bool rec;
	int rc;

	svmt_clear_detail();
	/* The data is the caller's: no bookkeeping to repair here, but the
	 * caller learns of the death through svmt_region_lock_recovered(). */
	rc = svmt_lock_acquire(&r->h->lock, tag | SVMT_TAG_USER, timeout_ms,
			       NULL, NULL, &dead);
	/* Sticky: also when recover took the dead one's lock, and until a
	 * holder acknowledges.  Stored only when it changes: one store
	 * less on the uncontended path. */
	rec = !rc && (dead != 0 ||
		(atomic_load_explicit(&r->h->lock.flags, memory_order_relaxed) &
		 SVMT_LOCKF_DIED));
	if (r->lock_recovered != rec)
		r->lock_recovered = rec;
	return rc;
}

int svmt_region_set_root(svmt_region *r, void *p)
{
	__atomic_store_n(&r->h->user_ctx, (uint64_t)(uintptr_t)p,
			 __ATOMIC_RELEASE);
	return 0;
}

void *svmt_region_get_root(const svmt_region *r)
{
	return (void *)(uintptr_t)__atomic_load_n(&r->h->user_ctx,
						  __ATOMIC_ACQUIRE);
}

int svmt_region_lock_recovered(const svmt_region *r)
{
	return r->lock_recovered;
}

int svmt_region_lock_ack(svmt_region *r)
{
	struct svmt_shlock *l = &r->h->lock;

	svmt_clear_detail();
	if (atomic_load_explicit(&l->owner_pid, memory_order_relaxed) !=
	    svmt_self()->pid)
		return svmt_fail(-EPERM, "region '%s' is not locked by this "
				 "process", r->name);
	atomic_fetch_and_explicit(&l->flags, ~SVMT_LOCKF_DIED,
				  memory_order_relaxed);
	r->lock_recovered = false;
	return 0;
}

int svmt_region_unlock(svmt_region *r)
{
	struct svmt_shlock *l = &r->h->lock;
	pid_t me = svmt_self()->pid;
	int rc;

	if (atomic_load_explicit(&l->owner_pid, memory_order_relaxed) != me)
		return -EPERM;
	/* Another thread of this process is not the owner: the mutex says.
	 * The record is void once its pid is 0 (tag and start stay). */
	atomic_store_explicit(&l->owner_pid, 0, memory_order_relaxed);
	rc = svmt_lock_unlock(l);
	if (rc) {
		atomic_store_explicit(&l->owner_pid, me, memory_order_relaxed);
		return -rc;
	}
	return 0;
}

int svmt_region_remove(svmt_ns *ns, const char *name, unsigned flags)
{
	struct svmt_dir d = svmt_ns_dir(ns);
	char nm[SVMT_NAME_MAX + 1];
	bool force = flags & SVMT_REMOVE_FORCE;
	struct svmt_rhdr hdr, *h = MAP_FAILED;
	struct svmt_dirent *e;
	struct svmt_rctx ctx;
	struct stat st;
	uint32_t live;
	pid_t first = 0;
	int fd = -1, rc;

	svmt_clear_detail();
	if (svmt_name_norm(name, nm))
		return svmt_fail(SVMT_ENAME, "invalid region name '%s'",
				 name ? name : "(null)");
	if (ns->flags & SVMT_NS_RDONLY)
		return SVMT_ERDONLY;
	rc = svmt_ns_lock(ns, SVMT_TAG_REMOVE, NULL);
	if (rc)
		return rc;
	e = svmt_dir_find(&d, nm);
	if (!e) {
		char objname[sizeof(SVMT_FILE_PREFIX) + 2 * SVMT_NAME_MAX + 2];

		/* An object outside the directory goes only when forced. */
		svmt_objname(objname, sizeof(objname), ns->root_name, nm);
		rc = force ? svmt_obj_can_unlink(ns, nm) : -ENOENT;
		if (!rc)
			rc = svmt_obj_unlink(ns, nm);
		if (rc != -ENOENT)
			; /* removed, or the reason it was not */
		else if (!force && faccessat(ns->dirfd, objname, F_OK,
					     AT_SYMLINK_NOFOLLOW) == 0)
			rc = svmt_fail(-ENOENT, "region '%s' is not in the "
				       "directory; only its object is left", nm);
		else
			rc = svmt_fail(-ENOENT, "no such region '%s'", nm);
		goto out;
	}
	/* Check first, change after: all of it goes, or nothing does. */
	if (atomic_load_explicit(&e->state, memory_order_acquire) == SVMT_ENT_INIT) {
		rc = svmt_obj_can_unlink(ns, nm);
		if (rc && rc != -ENOENT)
			goto out;
		if (svmt_ident_alive(&e->creator)) { /* even when forced */
			rc = svmt_fail(-EBUSY, "region '%s' is being created by "
				       "pid %d", nm, e->creator.pid);
			goto out;
		}
		goto drop;
	}
	fd = svmt_obj_open(ns, nm, O_RDWR, (uid_t)e->owner_uid, &st);
	/* The object opened is the one at the name: its own stat will do. */
	rc = fd >= 0 ? svmt_obj_can_unlink_st(ns, nm, &st)
		     : svmt_obj_can_unlink(ns, nm);
	if (rc && rc != -ENOENT)
		goto out;
	if (fd == -ENOENT)
		goto drop; /* the object is gone already */
	rc = fd < 0 ? fd : svmt_rhdr_read(ns, fd, &st, nm, true, &hdr);
	if (!rc && (hdr.base != e->base || hdr.size != e->size))
		rc = svmt_fail(SVMT_ECORRUPT, "object disagrees with the "
			       "directory");
	if (rc) {
		if (!force)
			goto out;
		goto drop;
	}
	/* Nobody attached, nobody attaching (that needs this lock): nothing
	 * to check or mark under the region's own lock, nobody to tell. */
	rc = unattached(ns, e, &hdr);
	if (rc == SVMT_ECORRUPT && force)
		goto drop; /* a corrupt lock is a corrupt object */
	if (rc < 0)
		goto out;
	if (rc)
		goto drop;
	h = mmap(NULL, hdr.data_off, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED) {
		rc = -errno;
		goto out;
	}
	ctx = svmt_rctx_of(h, &hdr);
	rc = rlock(&ctx, SVMT_TAG_REMOVE, ns->timeout_ms, NULL);
	if (rc == SVMT_ECORRUPT && force)
		goto drop; /* a corrupt lock is a corrupt object */
	if (rc)
		goto out;
	live = svmt_clients_live(&ctx, &first);
	if (live && !force) {
		svmt_lock_release(&h->meta);
		rc = svmt_fail(-EBUSY, "%u live client%s (pid %d)", live,
			       live == 1 ? "" : "s", (int)first);
		goto out;
	}
	atomic_store_explicit(&h->state, SVMT_RS_REMOVED, memory_order_release);
	svmt_lock_release(&h->meta);
drop:
	SVMT_CRASH("remove-marked");
	/* The object first: an entry left by a failure here is recover's. */
	rc = svmt_obj_unlink(ns, nm);
	if (rc == -ENOENT)
		rc = 0;
	SVMT_CRASH("remove-unlinked");
	if (!rc)
		svmt_dir_remove_entry(ns, e);
out:
	svmt_ns_unlock(ns);
	if (h != MAP_FAILED)
		munmap(h, hdr.data_off);
	if (fd >= 0)
		close(fd);
	return rc;
}
