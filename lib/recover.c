/*
 * recover.c - scan (dead clients) and recover (everything else)
 *
 * Dry runs work from the read-only view (svmt_list and a private copy of
 * the namespace object) and change nothing.  Real runs take the locks in
 * the usual order, namespace then region, and report every repair.
 */
#include "svmtool-private.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct emitter {
	svmt_event_fn fn;
	void *arg;
};

static void __attribute__((format(printf, 8, 9)))
emit(const struct emitter *em, int kind, const char *region, pid_t pid,
     uint64_t start, int fixed, int error, const char *fmt, ...)
{
	char detail[256];
	struct svmt_event ev = {
		.struct_size = sizeof(ev),
		.kind = kind, .region = region, .pid = pid, .start_time = start,
		.fixed = fixed, .error = error, .detail = detail,
	};
	va_list ap;

	if (!em->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	em->fn(&ev, em->arg);
}

static void emit_space(const struct emitter *em, int kind,
		       const struct svmt_extent *x, int fixed, int error)
{
	char detail[160];
	struct svmt_event ev = {
		.struct_size = sizeof(ev),
		.kind = kind, .region = "", .addr = x->start, .len = x->len,
		.fixed = fixed, .error = error, .detail = detail,
	};

	if (!em->fn)
		return;
	snprintf(detail, sizeof(detail), "%s (0x%" PRIx64 "+0x%" PRIx64 ")%s",
		 kind == SVMT_EV_SPACE_LEAK ? "address space lost or given twice"
					    : "directory index inconsistent",
		 x->start, x->len, fixed ? ": rebuilt from the entries" : "");
	em->fn(&ev, em->arg);
}

/* Is @name among @names (all when nnames is 0)?  Marks it seen. */
static bool wanted(const char *name, const char *const *names, size_t nnames,
		   bool *seen)
{
	size_t i;
	bool hit = nnames == 0;

	for (i = 0; i < nnames; i++) {
		const char *n = names[i][0] == '/' ? names[i] + 1 : names[i];

		if (!strcmp(n, name)) {
			seen[i] = true;
			hit = true;
		}
	}
	return hit;
}

static int check_names(const char *const *names, size_t nnames, bool **seen)
{
	size_t i;

	*seen = NULL;
	for (i = 0; i < nnames; i++)
		if (svmt_name_check(names[i]))
			return svmt_fail(SVMT_ENAME, "invalid region name '%s'",
					 names[i]);
	*seen = calloc(nnames + 1, sizeof(**seen));
	return *seen ? 0 : -ENOMEM;
}

static int unseen(const char *const *names, size_t nnames, const bool *seen)
{
	size_t i;

	for (i = 0; i < nnames; i++)
		if (!seen[i])
			return svmt_fail(-ENOENT, "no such region '%s'", names[i]);
	return 0;
}

static const char *lock_what(const char *region)
{
	return region[0] ? "region lock" : "namespace lock";
}

static void emit_lock(const struct emitter *em, const char *region, pid_t pid,
		      int fixed)
{
	const char *what = lock_what(region);

	if (pid > 0)
		emit(em, SVMT_EV_DEAD_LOCK_OWNER, region, pid, 0, fixed, 0,
		     "%s held by dead pid %d%s", what, (int)pid,
		     fixed ? " recovered" : "");
	else
		emit(em, SVMT_EV_DEAD_LOCK_OWNER, region, 0, 0, fixed, 0,
		     "%s of a dead process recovered", what);
}

/* A dry run's finding about a lock, from its read-only description. */
static void emit_lock_found(const struct emitter *em, const char *region,
			    const struct svmt_lock_info *li)
{
	const char *what = lock_what(region);

	if (li->owner > 0)
		emit_lock(em, region, li->owner, 0);
	else if (!strcmp(li->tag_name, "unrecoverable"))
		emit(em, SVMT_EV_DEAD_LOCK_OWNER, region, 0, 0, 0, 0,
		     "%s not recoverable (abandoned unrepaired)", what);
	else
		emit(em, SVMT_EV_DEAD_LOCK_OWNER, region, 0, 0, 0, 0,
		     "%s abandoned by a process that died before recording "
		     "itself", what);
}

/* The object's file was shortened under our mapping (the guard caught it). */
static void emit_truncated(const struct emitter *em, const char *region)
{
	emit(em, SVMT_EV_CORRUPT, region, 0, 0, 0, SVMT_ECORRUPT,
	     "%s object truncated while in use", region[0] ? "region"
							   : "namespace");
}

/*
 * A lock that is corrupt (@why SVMT_ECORRUPT) or not recoverable is built
 * again when no live process holds it.  @died: the data it guards is the
 * user's and nobody repaired it (the sticky flag tells the next holders).
 */
static bool reinit_lock(const struct emitter *em, const char *region,
			struct svmt_shlock *l, int why, bool died)
{
	const char *how = why == SVMT_ECORRUPT ? "corrupt" : "not recoverable";
	int kind = why == SVMT_ECORRUPT ? SVMT_EV_CORRUPT
					: SVMT_EV_DEAD_LOCK_OWNER;
	char detail[128];

	snprintf(detail, sizeof(detail), "%s", svmt_errdetail());
	if (svmt_sigbus_hit(l, sizeof(*l))) { /* zeros, not a broken lock */
		emit_truncated(em, region);
		return false;
	}
	if (svmt_lock_held_live(l)) {
		if (region[0])
			emit(em, kind, region, 0, 0, 0, -EBUSY, "%s %s, held by "
			     "a live process: left alone", lock_what(region),
			     how);
		return false;
	}
	if (svmt_lock_reinit(l, died))
		return false;
	emit(em, kind, region, 0, 0, 1, 0, "%s was %s%s%s%s: reinitialised",
	     lock_what(region), how, why == SVMT_ECORRUPT ? " (" : "",
	     why == SVMT_ECORRUPT ? detail : "",
	     why == SVMT_ECORRUPT ? ")" : "");
	return true;
}

/* Open, validate and map the header of a region for bookkeeping. */
static int map_header(struct svmt_ns *ns, const char *name,
		      struct svmt_rhdr *hdr, struct svmt_rhdr **h)
{
	struct stat st;
	void *p;
	int fd = svmt_obj_open(ns, name, O_RDWR,
			       svmt_dir_owner(ns, ns->r, name), &st), rc;

	if (fd < 0)
		return fd;
	rc = svmt_rhdr_read(ns, fd, &st, name, true, hdr);
	if (!rc) {
		p = mmap(NULL, hdr->data_off, PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			rc = -errno;
		else
			*h = p;
	}
	close(fd);
	return rc;
}

/* What the read-only view found wrong with an object (dry runs). */
static void emit_info_corrupt(const struct emitter *em,
			      const struct svmt_region_info *ri)
{
	if (ri->state == SVMT_STATE_NEWER)
		emit(em, SVMT_EV_CORRUPT, ri->name, 0, 0, 0, ri->error,
		     "%s", ri->detail);
	else
		emit(em, SVMT_EV_CORRUPT, ri->name, 0, 0, 0, ri->error,
		     "corrupt object: %s", ri->detail);
}

static void emit_corrupt(const struct emitter *em, const char *name, int rc)
{
	emit(em, SVMT_EV_CORRUPT, name, 0, 0, 0, rc, "%s left alone: %s",
	     rc == SVMT_EFEATURE ? "object" : "corrupt object",
	     svmt_errdetail()[0] ? svmt_errdetail() : svmt_strerror(rc));
}

/*
 * Region @name's object belongs to a user this process does not trust: it
 * is read, not changed.  Only a problem the read-only view sees is
 * reported, as left alone for that reason (exit 4 from the command).
 */
static void emit_untrusted(struct svmt_ns *ns, const char *name,
			   const struct emitter *em)
{
	struct svmt_region_info *ri;
	char detail[128];
	int rc;

	snprintf(detail, sizeof(detail), "%s", svmt_errdetail());
	rc = svmt_region_peek(ns, name, &ri);
	if (rc)
		emit_corrupt(em, name, rc);
	else if (ri->nghosts || (ri->lock->owner && !ri->lock->owner_alive))
		emit(em, ri->nghosts ? SVMT_EV_GHOST : SVMT_EV_DEAD_LOCK_OWNER,
		     name, 0, 0, 0, SVMT_EUNTRUSTED, "left alone: %s, a "
		     "user not trusted here", detail);
	svmt_region_info_free(ri);
}

static void scan_one(struct svmt_ns *ns, const char *name, uint64_t gen,
		     unsigned flags, const struct emitter *em)
{
	struct svmt_rhdr hdr, *h;
	struct svmt_rctx ctx;
	uint32_t left;
	bool persistent, destroyed;
	pid_t rec;
	int rc = map_header(ns, name, &hdr, &h);

	if (rc == -ENOENT)
		return; /* recover's business */
	if (rc == SVMT_EUNTRUSTED) {
		emit_untrusted(ns, name, em);
		return;
	}
	if (rc) {
		emit_corrupt(em, name, rc);
		return;
	}
	ctx = svmt_rctx_of(h, &hdr);
	rc = svmt_lock_acquire(&h->meta, SVMT_TAG_SCAN, ns->timeout_ms,
			       svmt_region_repair, &ctx, &rec);
	if (!rc) {
		if (rec)
			emit_lock(em, name, rec, 1);
		svmt_clients_purge(&ctx, em->fn, em->arg, name);
		left = h->nclients;
		persistent = hdr.flags & SVMT_RF_PERSISTENT;
		svmt_lock_release(&h->meta);
		if ((flags & SVMT_SCAN_DESTROY_EMPTY) && !persistent && !left &&
		    !svmt_region_destroy_unused(ns, name, gen, &ctx,
						&destroyed) &&
		    destroyed)
			emit(em, SVMT_EV_DESTROYED, name, 0, 0, 1, 0,
			     "destroyed: no clients left");
	} else {
		emit(em, SVMT_EV_CORRUPT, name, 0, 0, 0, rc, "not scanned: %s",
		     svmt_errdetail()[0] ? svmt_errdetail() : svmt_strerror(rc));
	}
	if (svmt_sigbus_hit(h, hdr.data_off))
		emit_truncated(em, name);
	munmap(h, hdr.data_off);
}

static int scan_dry(struct svmt_ns *ns, const char *const *names,
		    size_t nnames, unsigned flags, const struct emitter *em,
		    bool *seen)
{
	svmt_region_list *v;
	size_t i;
	uint32_t c;
	int rc = svmt_list(ns, &v);

	if (rc)
		return rc;
	for (i = 0; i < svmt_list_count(v); i++) {
		const struct svmt_region_info *ri = svmt_list_get(v, i);

		if (!wanted(ri->name, names, nnames, seen))
			continue;
		if ((ri->state == SVMT_STATE_CORRUPT ||
		     ri->state == SVMT_STATE_NEWER) && ri->in_directory) {
			emit_info_corrupt(em, ri);
			continue;
		}
		if (ri->state != SVMT_STATE_READY)
			continue;
		for (c = 0; c < ri->nclients; c++)
			if (!ri->clients[c]->alive)
				emit(em, SVMT_EV_GHOST, ri->name,
				     ri->clients[c]->pid,
				     ri->clients[c]->start_time, 0, 0,
				     "dead client %d", (int)ri->clients[c]->pid);
		if ((flags & SVMT_SCAN_DESTROY_EMPTY) &&
		    !(ri->flags & SVMT_RF_PERSISTENT) && ri->nclients == ri->nghosts)
			emit(em, SVMT_EV_DESTROYED, ri->name, 0, 0, 0, 0,
			     "would be destroyed: no live clients");
	}
	svmt_list_free(v);
	return 0;
}

/* Names and generations of the directory's entries (ns locked or copy). */
struct entref {
	char name[SVMT_NAME_MAX + 1];
	uint64_t gen;
	uint32_t state;
};

static int cmp_entref(const void *a, const void *b)
{
	return strcmp(((const struct entref *)a)->name,
		      ((const struct entref *)b)->name);
}

static int entries(const struct svmt_dir *d, struct entref **out, size_t *n)
{
	struct svmt_dirent *s = svmt_dir_slots(d);
	struct entref *v = calloc(d->g->slots + 1u, sizeof(*v));
	uint32_t i;
	size_t k = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < d->g->slots; i++) {
		uint32_t st = atomic_load(&s[i].state);

		if (st == SVMT_ENT_EMPTY || !memchr(s[i].name, 0, sizeof(s[i].name)))
			continue;
		memcpy(v[k].name, s[i].name, sizeof(v[k].name));
		v[k].gen = s[i].generation;
		v[k].state = st;
		k++;
	}
	if (k)
		qsort(v, k, sizeof(*v), cmp_entref);
	*out = v;
	*n = k;
	return 0;
}

int svmt_scan(svmt_ns *ns, const char *const *names, size_t nnames,
	      unsigned flags, svmt_event_fn fn, void *arg)
{
	struct emitter em = { fn, arg };
	struct entref *v = NULL;
	struct svmt_dir d = svmt_ns_dir(ns);
	bool *seen;
	size_t n = 0, i;
	int rc;

	svmt_clear_detail();
	rc = check_names(names, nnames, &seen);
	if (rc)
		return rc;
	if (flags & SVMT_DRY_RUN) {
		rc = scan_dry(ns, names, nnames, flags, &em, seen);
		goto out;
	}
	if (ns->flags & SVMT_NS_RDONLY) {
		rc = SVMT_ERDONLY;
		goto out;
	}
	rc = svmt_ns_lock(ns, SVMT_TAG_SCAN, NULL);
	if (rc)
		goto out;
	rc = entries(&d, &v, &n);
	svmt_ns_unlock(ns);
	if (rc)
		goto out;
	for (i = 0; i < n; i++)
		if (v[i].state == SVMT_ENT_READY &&
		    wanted(v[i].name, names, nnames, seen))
			scan_one(ns, v[i].name, v[i].gen, flags, &em);
out:
	if (!rc)
		rc = unseen(names, nnames, seen);
	free(v);
	free(seen);
	return rc;
}

/*
 * Objects a creator without O_TMPFILE was building under a temporary name
 * when it died: full-size files no directory entry leads to.
 */
static int recover_temps(struct svmt_ns *ns, const char *const *names,
			 size_t nnames, bool *seen, bool dry,
			 const struct emitter *em)
{
	struct svmt_tempobj *t = NULL;
	size_t nt = 0, i;
	int rc = svmt_obj_temps(ns, &t, &nt);

	for (i = 0; !rc && i < nt; i++) {
		struct svmt_ident cr = { .pid = t[i].pid };
		char file[SVMT_TMPNAME_MAX];
		int err = 0;

		if ((t[i].name[0] && !wanted(t[i].name, names, nnames, seen)) ||
		    svmt_ident_alive(&cr))
			continue;
		svmt_tempname(ns, &t[i], file);
		if (!dry && unlinkat(ns->dirfd, file, 0) < 0)
			err = errno == ENOENT ? 0 : -errno;
		emit(em, SVMT_EV_HALF_CREATED, t[i].name, cr.pid, 0,
		     !dry && !err, err, "%s%s left by dead pid %d%s%s",
		     dry || err ? "temporary object " : "removed temporary "
							"object ",
		     file, (int)cr.pid, err ? ": " : "",
		     err ? svmt_errno_text(-err) : "");
	}
	free(t);
	return rc;
}

static void recover_heap(struct svmt_ns *ns, const char *name,
			 const struct svmt_rhdr *hdr, bool dry,
			 const struct emitter *em);

/* A dry run's look at the heap of a region the view read whole. */
static void heap_dry(struct svmt_ns *ns, const struct svmt_region_info *ri,
		     const struct emitter *em)
{
	struct svmt_rhdr hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.data_off = ri->data_base - ri->base;
	hdr.data_size = ri->data_size;
	recover_heap(ns, ri->name, &hdr, true, em);
}

static int recover_dry(struct svmt_ns *ns, const char *const *names,
		       size_t nnames, const struct emitter *em, bool *seen)
{
	svmt_region_list *v;
	struct svmt_lock_info li;
	struct svmt_root *copy;
	struct svmt_extent bad;
	struct svmt_dir d;
	size_t i;
	int kind, rc = svmt_root_snapshot(ns, &copy);

	if (rc)
		return rc;
	if (svmt_lock_describe(&copy->lock, &li))
		emit(em, SVMT_EV_CORRUPT, "", 0, 0, 0, SVMT_ECORRUPT,
		     "namespace lock corrupt (%s)", svmt_errdetail());
	else if (li.owner && !li.owner_alive)
		emit_lock_found(em, "", &li);
	d.r = copy;
	d.g = &ns->g;
	kind = svmt_dir_check(&d, &bad);
	if (kind)
		emit_space(em, kind, &bad, 0, 0);
	free(copy);
	rc = svmt_list(ns, &v);
	if (rc)
		return rc;
	for (i = 0; i < svmt_list_count(v); i++) {
		const struct svmt_region_info *ri = svmt_list_get(v, i);

		if (!wanted(ri->name, names, nnames, seen))
			continue;
		switch (ri->state) {
		case SVMT_STATE_INIT: /* temporary objects: recover_temps */
			if (ri->in_directory && !ri->creator_alive)
				emit(em, SVMT_EV_HALF_CREATED, ri->name,
				     ri->creator, 0, 0, 0, "half-created by "
				     "dead pid %d", (int)ri->creator);
			break;
		case SVMT_STATE_MISSING:
			emit(em, SVMT_EV_MISSING, ri->name, 0, 0, 0, 0,
			     "directory entry without an object%s%s",
			     ri->detail[0] ? ": " : "", ri->detail);
			break;
		case SVMT_STATE_ORPHAN:
			emit(em, SVMT_EV_ORPHAN, ri->name, 0, 0, 0, 0,
			     "object not in the directory");
			break;
		case SVMT_STATE_CORRUPT:
		case SVMT_STATE_NEWER:
			emit_info_corrupt(em, ri);
			break;
		default:
			if (ri->lock->owner && !ri->lock->owner_alive)
				emit_lock_found(em, ri->name, ri->lock);
			if (ri->flags & SVMT_RF_HEAP)
				heap_dry(ns, ri, em);
			break;
		}
	}
	svmt_list_free(v);
	return recover_temps(ns, names, nnames, seen, true, em);
}

static void dropped_entry(const struct svmt_dirent *e, void *arg)
{
	const struct emitter *em = arg;
	char nm[SVMT_NAME_MAX + 1];

	snprintf(nm, sizeof(nm), "%.*s", (int)sizeof(nm) - 1, e->name);
	emit(em, SVMT_EV_DIRECTORY, nm, 0, 0, 1, 0,
	     "invalid directory entry dropped");
}

/*
 * Take and release a region lock so that a dead owner's is recovered, or a
 * lock left not recoverable or corrupt is rebuilt.  The user's lock is only
 * tried: a live holder is left alone.
 */
static void recover_lock(struct svmt_ns *ns, const char *name,
			 struct svmt_shlock *l, struct svmt_rctx *meta,
			 const struct emitter *em)
{
	pid_t rec;
	int rc = svmt_lock_acquire(l, SVMT_TAG_RECOVER,
				   meta ? ns->timeout_ms : 0,
				   meta ? svmt_region_repair : NULL, meta, &rec);

	if (rc == SVMT_ENOTRECOVERABLE || rc == SVMT_ECORRUPT) {
		if (reinit_lock(em, name, l, rc, !meta) && meta &&
		    !svmt_lock_acquire(l, SVMT_TAG_RECOVER, ns->timeout_ms,
				       NULL, NULL, NULL)) {
			svmt_region_repair(meta);
			svmt_lock_release(l);
		}
		return;
	}
	if (rc)
		return; /* held by a live process */
	if (rec) /* either lock is "the region lock" to the operator */
		emit_lock(em, name, rec, 1);
	svmt_lock_release(l);
}

/* Unlink region @name's object, checked first: 0 (gone), or the error,
 * reported with @kind as left alone. */
static int remove_object(struct svmt_ns *ns, const char *name, int kind,
			 const struct emitter *em)
{
	int rc = svmt_obj_can_unlink(ns, name);

	if (!rc)
		rc = svmt_obj_unlink(ns, name);
	if (!rc || rc == -ENOENT)
		return 0;
	emit(em, kind, name, 0, 0, 0, rc, "left alone: %s",
	     svmt_errdetail()[0] ? svmt_errdetail() : svmt_strerror(rc));
	return rc;
}

/*
 * The heap of region @name (validated header @hdr): take its lock (a dead
 * owner's is recovered by rebuilding the heap), check every block and
 * rebuild what disagrees.  With @dry, only read: a dead lock owner and a
 * header that does not validate are reported.
 */
static void recover_heap(struct svmt_ns *ns, const char *name,
			 const struct svmt_rhdr *hdr, bool dry,
			 const struct emitter *em)
{
	struct svmt_heap_ctx hc;
	struct svmt_heap_hdr *hh;
	struct stat st;
	pid_t rec = 0;
	int fd = svmt_obj_open(ns, name, dry ? O_RDONLY : O_RDWR,
			       svmt_dir_owner(ns, ns->r, name), &st), rc;
	void *p;

	if (fd < 0)
		return;
	if (dry) { /* what the real run would find, from pread */
		struct svmt_heap_view v;
		uint64_t dead = 0;

		rc = svmt_heap_view_fd(fd, hdr->data_off, hdr->data_size, &v);
		if (!rc && v.lock_owner && !v.lock_owner_alive)
			emit(em, SVMT_EV_DEAD_LOCK_OWNER, name, v.lock_owner, 0,
			     0, 0, "heap lock held by dead pid %d",
			     (int)v.lock_owner);
		if (!rc)
			rc = svmt_heap_scan_fd(fd, hdr->data_off,
					       hdr->data_size, &dead);
		close(fd);
		if (rc)
			emit(em, SVMT_EV_HEAP, name, 0, 0, 0, rc, "heap: %s",
			     svmt_errdetail());
		else if (dead && (!v.lock_owner || v.lock_owner_alive))
			emit(em, SVMT_EV_HEAP, name, 0, 0, 0, 0, "heap: %" PRIu64
			     " block%s cached by dead processes", dead,
			     dead == 1 ? "" : "s");
		return;
	}
	p = mmap(NULL, hdr->data_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)hdr->data_off);
	close(fd);
	if (p == MAP_FAILED)
		return;
	hh = p;
	rc = svmt_heap_validate(hh, hdr->data_size);
	if (rc) {
		emit(em, SVMT_EV_HEAP, name, 0, 0, 0, rc, "heap left alone: %s",
		     svmt_errdetail());
		goto out;
	}
	hc = (struct svmt_heap_ctx){ p, hdr->data_size, hh->arena_off, 0 };
	rc = svmt_lock_acquire(&hh->lock, SVMT_TAG_RECOVER, ns->timeout_ms,
			       svmt_heap_repair, &hc, &rec);
	if ((rc == SVMT_ENOTRECOVERABLE || rc == SVMT_ECORRUPT) &&
	    reinit_lock(em, name, &hh->lock, rc, false)) {
		rc = svmt_lock_acquire(&hh->lock, SVMT_TAG_RECOVER,
				       ns->timeout_ms, svmt_heap_repair, &hc,
				       &rec);
		rec = rec ? rec : -1;
	}
	if (rc) {
		emit(em, SVMT_EV_HEAP, name, 0, 0, 0, rc, "heap not checked: %s",
		     svmt_errdetail()[0] ? svmt_errdetail() : svmt_strerror(rc));
		goto out;
	}
	if (rec > 0)
		emit(em, SVMT_EV_DEAD_LOCK_OWNER, name, rec, 0, 1, 0,
		     "heap lock held by dead pid %d recovered: heap rebuilt",
		     (int)rec);
	rc = svmt_heap_check(p, hdr->data_size);
	if (rc) {
		char why[160];

		snprintf(why, sizeof(why), "%s", svmt_errdetail());
		rc = svmt_heap_repair(&hc);
		emit(em, SVMT_EV_HEAP, name, 0, 0, !rc, rc, "heap %s: %s",
		     rc ? "damaged, left unusable" : "rebuilt", why);
	} else if (rec <= 0) {
		/* blocks cached by processes that died outside the lock */
		hc.reclaimed = 0;
		if (!svmt_heap_repair(&hc) && hc.reclaimed)
			emit(em, SVMT_EV_HEAP, name, 0, 0, 1, 0, "heap: returned "
			     "%" PRIu64 " block%s cached by dead processes",
			     hc.reclaimed, hc.reclaimed == 1 ? "" : "s");
	}
	svmt_lock_release(&hh->lock);
out:
	munmap(p, hdr->data_size);
}

static void recover_entry(struct svmt_ns *ns, const struct entref *ref,
			  const struct emitter *em)
{
	struct svmt_dir d = svmt_ns_dir(ns);
	struct svmt_dirent *e = svmt_dir_find(&d, ref->name);
	struct svmt_rhdr hdr, *h;
	int rc;

	if (!e)
		return;
	if (atomic_load(&e->state) == SVMT_ENT_INIT) {
		pid_t pid = e->creator.pid;

		if (svmt_ident_alive(&e->creator) ||
		    remove_object(ns, ref->name, SVMT_EV_HALF_CREATED, em))
			return;
		SVMT_CRASH("recover-half-unlinked");
		svmt_dir_remove_entry(ns, e);
		emit(em, SVMT_EV_HALF_CREATED, ref->name, pid, 0, 1, 0,
		     "removed region half-created by dead pid %d", (int)pid);
		return;
	}
	rc = map_header(ns, ref->name, &hdr, &h);
	if (rc == -ENOENT) {
		svmt_dir_remove_entry(ns, e);
		emit(em, SVMT_EV_MISSING, ref->name, 0, 0, 1, 0,
		     "removed directory entry without an object");
		return;
	}
	if (rc == SVMT_EUNTRUSTED) {
		emit_untrusted(ns, ref->name, em);
		return;
	}
	if (rc) {
		emit_corrupt(em, ref->name, rc);
		return;
	}
	if (hdr.base != e->base || hdr.size != e->size) {
		svmt_fail(SVMT_ECORRUPT, "object disagrees with the directory");
		emit_corrupt(em, ref->name, SVMT_ECORRUPT);
	} else if (hdr.generation != e->generation ||
		   atomic_load(&h->state) != SVMT_RS_READY) {
		/* A removal was interrupted between its steps: finish it. */
		if (!remove_object(ns, ref->name, SVMT_EV_MISSING, em)) {
			SVMT_CRASH("recover-removal-unlinked");
			svmt_dir_remove_entry(ns, e);
			emit(em, SVMT_EV_MISSING, ref->name, 0, 0, 1, 0,
			     "finished an interrupted removal");
		}
	} else {
		struct svmt_rctx rc_ctx = svmt_rctx_of(h, &hdr);

		recover_lock(ns, ref->name, &h->meta, &rc_ctx, em);
		recover_lock(ns, ref->name, &h->lock, NULL, em);
		if (hdr.flags & SVMT_RF_HEAP)
			recover_heap(ns, ref->name, &hdr, false, em);
	}
	if (svmt_sigbus_hit(h, hdr.data_off))
		emit_truncated(em, ref->name);
	munmap(h, hdr.data_off);
}

static void recover_orphan(struct svmt_ns *ns, const char *name,
			   const struct emitter *em)
{
	struct svmt_dir d = svmt_ns_dir(ns);
	struct svmt_rhdr hdr;
	struct svmt_dirent *e;
	struct stat st;
	pid_t pid;
	int fd = svmt_obj_open(ns, name, O_RDONLY, (uid_t)-1, &st), rc;

	if (fd == -ENOENT)
		return;
	rc = fd < 0 ? fd : svmt_rhdr_read(ns, fd, &st, name, true, &hdr);
	if (fd >= 0)
		close(fd);
	if (rc == SVMT_EUNTRUSTED) {
		emit(em, SVMT_EV_ORPHAN, name, 0, 0, 0, rc, "object not in the "
		     "directory left alone: %s, a user not trusted here",
		     svmt_errdetail());
		return;
	}
	if (rc) {
		emit_corrupt(em, name, rc);
		return;
	}
	if (atomic_load(&hdr.state) == SVMT_RS_READY &&
	    ns->r->count < ns->g.capacity &&
	    hdr.base >= ns->g.area_start &&
	    hdr.base < ns->g.base + ns->g.span &&
	    hdr.size <= ns->g.base + ns->g.span - hdr.base &&
	    svmt_space_take(&d, hdr.base, hdr.size) == 0) {
		e = svmt_dir_insert(&d, name);
		if (!e) {
			svmt_space_free(&d, hdr.base, hdr.size);
			emit(em, SVMT_EV_ORPHAN, name, 0, 0, 0, SVMT_EDIRFULL,
			     "object not in the directory left alone: "
			     "directory full");
			return;
		}
		e->base = hdr.base;
		e->size = hdr.size;
		e->flags = hdr.flags;
		e->generation = hdr.generation;
		e->creator = hdr.creator;
		e->owner_uid = (uint32_t)-1;
		/* Its clients attached through an entry now gone. */
		e->attaches = SVMT_ATTACHES_UNKNOWN;
		SVMT_CRASH("recover-orphan-entering");
		atomic_store_explicit(&e->state, SVMT_ENT_READY,
				      memory_order_release);
		ns->r->generation++;
		emit(em, SVMT_EV_ORPHAN, name, 0, 0, 1, 0,
		     "object re-entered in the directory");
		return;
	}
	if (svmt_obj_mapped(st.st_dev, st.st_ino, &pid)) {
		emit(em, SVMT_EV_ORPHAN, name, pid, 0, 0, -EBUSY,
		     "object not in the directory left alone: mapped by pid %d",
		     (int)pid);
		return;
	}
	if (remove_object(ns, name, SVMT_EV_ORPHAN, em))
		return;
	emit(em, SVMT_EV_ORPHAN, name, 0, 0, 1, 0,
	     "removed object not in the directory (%s)",
	     atomic_load(&hdr.state) == SVMT_RS_READY ? "its addresses are taken"
						      : "its removal began");
}

/* Shorter than when it was opened: a lock in it reads as zeros, not
 * something to rebuild. */
static bool ns_truncated(struct svmt_ns *ns)
{
	struct stat st;

	return fstat(ns->rootfd, &st) < 0 ||
	       (uint64_t)st.st_size < ns->g.file_size;
}

int svmt_recover(svmt_ns *ns, const char *const *names, size_t nnames,
		 unsigned flags, svmt_event_fn fn, void *arg)
{
	struct emitter em = { fn, arg };
	struct svmt_dir d = svmt_ns_dir(ns);
	char (*objs)[SVMT_NAME_MAX + 1] = NULL;
	struct entref *v = NULL;
	struct svmt_extent bad;
	size_t n = 0, nobjs = 0, i;
	bool *seen;
	pid_t rec;
	int kind, rc;

	svmt_clear_detail();
	rc = check_names(names, nnames, &seen);
	if (rc)
		return rc;
	if (flags & SVMT_DRY_RUN) {
		rc = recover_dry(ns, names, nnames, &em, seen);
		goto out;
	}
	if (ns->flags & SVMT_NS_RDONLY) {
		rc = SVMT_ERDONLY;
		goto out;
	}
	rc = svmt_ns_lock(ns, SVMT_TAG_RECOVER, &rec);
	if (rc == SVMT_ECORRUPT && ns_truncated(ns))
		rc = svmt_fail(SVMT_ECORRUPT, "namespace object truncated");
	else if (rc == SVMT_ENOTRECOVERABLE || rc == SVMT_ECORRUPT) {
		if (!reinit_lock(&em, "", &ns->r->lock, rc, false))
			rc = svmt_fail(-EBUSY, "namespace lock %s and held by "
				       "a live process", rc == SVMT_ECORRUPT ?
				       "corrupt" : "not recoverable");
		else
			rc = svmt_ns_lock(ns, SVMT_TAG_RECOVER, NULL);
		if (!rc) {
			rec = 0;
			rc = svmt_dir_rebuild(&d, dropped_entry, &em);
			if (rc)
				svmt_ns_unlock(ns);
		}
	}
	if (rc)
		goto out;
	if (rec)
		emit_lock(&em, "", rec, 1);
	kind = svmt_dir_check(&d, &bad);
	if (kind) {
		rc = svmt_dir_rebuild(&d, dropped_entry, &em);
		emit_space(&em, kind, &bad, !rc, rc);
	}
	rc = entries(&d, &v, &n);
	if (!rc) {
		for (i = 0; i < n; i++)
			if (wanted(v[i].name, names, nnames, seen))
				recover_entry(ns, &v[i], &em);
		rc = svmt_obj_names(ns, &objs, &nobjs);
	}
	for (i = 0; !rc && i < nobjs; i++)
		if (!svmt_dir_find(&d, objs[i]) &&
		    wanted(objs[i], names, nnames, seen))
			recover_orphan(ns, objs[i], &em);
	if (!rc)
		rc = recover_temps(ns, names, nnames, seen, false, &em);
	svmt_ns_unlock(ns);
out:
	if (!rc)
		rc = unseen(names, nnames, seen);
	free(objs);
	free(v);
	free(seen);
	return rc;
}
