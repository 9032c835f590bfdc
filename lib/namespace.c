/*
 * namespace.c - namespaces: the root object, its validation, attaching
 *
 * A namespace object is built complete where nobody can see it (an unnamed
 * O_TMPFILE, or a temporary name) and then linked into place, exclusively:
 * racing creators make one, and no opener ever sees it half made, so a
 * namespace object that does not validate is corrupt, never "in progress".
 */
#include "svmtool-private.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t attached_mu = PTHREAD_MUTEX_INITIALIZER;
static struct svmt_ns *attached; /* namespaces with a reservation */

void svmt_ns_opts_init_size(struct svmt_ns_opts *o, size_t size)
{
	struct svmt_ns_opts d;

	memset(&d, 0, sizeof(d));
	d.struct_size = (uint32_t)(size < sizeof(d) ? size : sizeof(d));
	d.timeout_ms = -1;
	d.mode = 0600;
	d.owner = (uid_t)-1;
	d.group = (gid_t)-1;
	d.trusted_uid = (uid_t)-1;
	/* A newer caller's fields past ours stay zero: their defaults. */
	memset(o, 0, size);
	memcpy(o, &d, d.struct_size);
	o->struct_size = (uint32_t)size;
}

bool svmt_wait_step(int *waited_ms, int timeout_ms)
{
	int step = *waited_ms < 20 ? 1 : *waited_ms < 200 ? 5 : 20;
	struct timespec ts = { 0, step * 1000000L };

	if ((timeout_ms >= 0 && *waited_ms >= timeout_ms) ||
	    svmt_interrupted())
		return false;
	nanosleep(&ts, NULL);
	*waited_ms += step;
	return true;
}

bool svmt_uid_trusted(const struct svmt_ns *ns, uid_t uid)
{
	return uid == 0 || uid == geteuid() || uid == ns->trusted_uid ||
	       uid == ns->root_uid;
}

static size_t align64(size_t v)
{
	return (v + 63) & ~(size_t)63;
}

static bool geom_equal(const struct svmt_geom *a, const struct svmt_geom *b)
{
	return a->base == b->base && a->span == b->span &&
	       a->file_size == b->file_size && a->page == b->page &&
	       !memcmp(&a->feat, &b->feat, sizeof(a->feat)) &&
	       a->capacity == b->capacity &&
	       a->slots == b->slots && a->free_cap == b->free_cap &&
	       a->dir_off == b->dir_off && a->free_off == b->free_off;
}

/*
 * Objects are built where nobody can see them and then linked into place:
 * an unnamed O_TMPFILE, or where the file system has none, a temporary name
 * "OBJ~PID" (never a valid object name: '~' is not a name character).
 */
int svmt_create_file(int dirfd, const char *objname, mode_t mode,
		     char tmpname[SVMT_TMPNAME_MAX])
{
	int fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, mode);

	tmpname[0] = '\0';
	if (fd >= 0)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -errno;
	snprintf(tmpname, SVMT_TMPNAME_MAX, "%s~%d", objname, (int)getpid());
	unlinkat(dirfd, tmpname, 0); /* left by an earlier process of this pid */
	fd = openat(dirfd, tmpname, O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW |
		    O_CLOEXEC, mode);
	if (fd < 0) {
		tmpname[0] = '\0';
		return -errno;
	}
	return fd;
}

int svmt_publish_file(int fd, int dirfd, char *tmpname, const char *objname)
{
	char path[64];

	if (tmpname[0]) {
		if (linkat(dirfd, tmpname, dirfd, objname, 0))
			return -errno; /* the temporary name stays */
		unlinkat(dirfd, tmpname, 0);
		tmpname[0] = '\0';
		return 0;
	}
	if (linkat(fd, "", dirfd, objname, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOENT && errno != EPERM)
		return -errno;
	/* Without CAP_DAC_READ_SEARCH: link through /proc. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, path, dirfd, objname, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	return -errno;
}

void svmt_discard_file(int fd, int dirfd, const char *tmpname)
{
	if (tmpname[0])
		unlinkat(dirfd, tmpname, 0);
	if (fd >= 0)
		close(fd);
}

int svmt_fallocate(int fd, uint64_t size)
{
	int rc = posix_fallocate(fd, 0, (off_t)size);

	if (rc == ENOSPC)
		return svmt_fail(-ENOSPC, "no space for %" PRIu64 " bytes in the "
				 "shm directory", size);
	return -rc;
}

static int root_create(int dirfd, const char *objname, const char *root,
		       const struct svmt_ns_opts *o)
{
	uint64_t base = o->base ? o->base : SVMT_DEFAULT_BASE;
	uint64_t span = o->span ? o->span : SVMT_DEFAULT_SPAN;
	uint32_t cap = o->capacity ? o->capacity : SVMT_DEFAULT_CAPACITY;
	uint32_t slots = svmt_slots_for(cap);
	uint64_t page = svmt_sys_page();
	uint64_t dir_off = align64(sizeof(struct svmt_root));
	uint64_t free_off = dir_off + (uint64_t)slots * sizeof(struct svmt_dirent);
	uint64_t size = svmt_page_up(free_off + (cap + 1ULL) *
				     sizeof(struct svmt_extent), page);
	char tmpname[SVMT_TMPNAME_MAX];
	struct svmt_root *r;
	struct svmt_dir d;
	struct svmt_geom g;
	struct timespec now;
	int fd, rc;

	if (cap > SVMT_MAX_CAPACITY)
		return svmt_fail(-EINVAL, "capacity %u above %u", cap,
				 SVMT_MAX_CAPACITY);
	if ((base | span) & (page - 1) || base >= SVMT_ADDR_LIMIT ||
	    span > SVMT_ADDR_LIMIT - base)
		return svmt_fail(-EINVAL, "bad span 0x%" PRIx64 "+0x%" PRIx64
				 " (page aligned, below 0x%llx)", base, span,
				 SVMT_ADDR_LIMIT);
	if (span < size + page * 2)
		return svmt_fail(-EINVAL, "span 0x%" PRIx64 " too small", span);
	fd = svmt_create_file(dirfd, objname, o->mode, tmpname);
	if (fd < 0)
		return fd;
	rc = 0;
	if ((o->owner != (uid_t)-1 || o->group != (gid_t)-1) &&
	    fchown(fd, o->owner, o->group) < 0)
		rc = -errno;
	if (!rc)
		rc = svmt_fallocate(fd, size);
	r = rc ? MAP_FAILED : mmap(NULL, size, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, 0);
	if (!rc && r == MAP_FAILED)
		rc = -errno;
	if (rc)
		goto fail;
	memcpy(r->magic, SVMT_ROOT_MAGIC, sizeof(r->magic));
	r->version = SVMT_LAYOUT_VERSION;
	r->hdr_size = sizeof(*r);
	r->file_size = size;
	r->base = base;
	r->span = span;
	r->capacity = cap;
	r->slots = slots;
	r->dir_off = dir_off;
	r->free_off = free_off;
	r->free_cap = cap + 1;
	r->page_size = (uint32_t)page;
	r->ro_compat = SVMT_ROOT_RO_COMPAT_ATTACHES;
	r->creator_uid = (uint32_t)geteuid();
	clock_gettime(CLOCK_REALTIME, &now);
	r->ctime = now.tv_sec;
	r->creator = *svmt_self();
	snprintf(r->root, sizeof(r->root), "%s", root);
	rc = svmt_lock_init(&r->lock);
	if (!rc)
		rc = svmt_root_validate(r, size, root, &g);
	if (!rc) {
		d.r = r;
		d.g = &g;
		svmt_space_reset(&d);
		SVMT_CRASH("ns-create-reset");
		atomic_store_explicit(&r->state, SVMT_RS_READY,
				      memory_order_release);
	}
	munmap(r, size);
	if (!rc)
		rc = svmt_publish_file(fd, dirfd, tmpname, objname);
fail:
	svmt_discard_file(fd, dirfd, tmpname);
	return rc;
}

/*
 * May this process use a validated root header as @flags asks?  Its
 * features must be known (for changing it, the read-only compatible ones
 * too), and to map regions its page size must suit this system's.
 */
static int root_usable(const struct svmt_root *hdr, uint64_t file_size,
		       unsigned flags)
{
	static const struct svmt_features known = {
		SVMT_ROOT_COMPAT_KNOWN, SVMT_ROOT_RO_COMPAT_KNOWN,
		SVMT_ROOT_INCOMPAT_KNOWN,
	};
	struct svmt_geom g;
	int rc = svmt_root_validate(hdr, file_size, NULL, &g);

	if (!rc)
		rc = svmt_features_check(&g.feat, &known,
					 !(flags & SVMT_NS_RDONLY),
					 "namespace object");
	if (!rc && !(flags & SVMT_NS_NOATTACH) && g.page % svmt_sys_page())
		rc = svmt_fail(-EINVAL, "laid out for %" PRIu64 "-byte pages, "
			       "this system has %" PRIu64 "-byte pages",
			       g.page, svmt_sys_page());
	return rc;
}

/* Open the root object; create it when asked.  Returns an fd. */
static int root_open(int dirfd, const char *objname, const char *root,
		     const struct svmt_ns_opts *o, const struct svmt_ns *ns,
		     struct stat *st, struct svmt_root *hdr)
{
	bool rdonly = o->flags & SVMT_NS_RDONLY, created = false;

	for (;;) {
		/* O_NONBLOCK: a FIFO planted under our name must not hang us. */
		int fd = openat(dirfd, objname, (rdonly ? O_RDONLY : O_RDWR) |
				O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		ssize_t n;
		int rc;

		if (fd < 0 && errno == ENOENT && !rdonly &&
		    (o->flags & SVMT_NS_CREATE)) {
			rc = root_create(dirfd, objname, root, o);
			if (rc && rc != -EEXIST)
				return rc;
			created = !rc;
			continue;
		}
		if (fd < 0 && errno == ENOENT)
			return svmt_fail(SVMT_ENONS, "no namespace '%s'", root);
		if (fd < 0 && errno == ELOOP)
			return svmt_fail(SVMT_ECORRUPT, "%s is a symbolic link",
					 objname);
		if (fd < 0)
			return -errno;
		if ((o->flags & SVMT_NS_EXCL) && (o->flags & SVMT_NS_CREATE) &&
		    !created) {
			close(fd);
			return svmt_fail(-EEXIST, "namespace '%s' exists", root);
		}
		rc = fstat(fd, st) ? -errno : 0;
		if (!rc && !S_ISREG(st->st_mode))
			rc = svmt_fail(SVMT_ECORRUPT, "%s is not a regular file",
				       objname);
		/* A snapshot validates a private copy: it needs no trust. */
		if (!rc && !rdonly && !svmt_uid_trusted(ns, st->st_uid))
			rc = svmt_fail(SVMT_EUNTRUSTED, "%s is owned by uid %u",
				       objname, (unsigned)st->st_uid);
		if (!rc) {
			/* Objects appear complete: anything else is corrupt. */
			memset(hdr, 0, sizeof(*hdr));
			n = pread(fd, hdr, sizeof(*hdr), 0);
			rc = n < 0 ? -errno
				   : svmt_root_validate(hdr, (uint64_t)st->st_size,
							root, NULL);
		}
		if (!rc && atomic_load_explicit(&hdr->state, memory_order_acquire) !=
				   SVMT_RS_READY)
			rc = svmt_fail(SVMT_ECORRUPT, "namespace object not ready");
		if (!rc)
			rc = root_usable(hdr, (uint64_t)st->st_size, o->flags);
		/* Name the file: it is the operator's to look at or remove. */
		if (rc == SVMT_ECORRUPT || rc == SVMT_EVERSION ||
		    rc == SVMT_EFEATURE) {
			char why[200];

			snprintf(why, sizeof(why), "%s", svmt_errdetail());
			svmt_fail(rc, "%s: %s", objname, why);
		}
		if (!rc)
			return fd;
		close(fd);
		return rc;
	}
}

static struct svmt_ns *find_attached(dev_t dev, ino_t ino)
{
	struct svmt_ns *ns;

	for (ns = attached; ns; ns = ns->next)
		if (ns->dev == dev && ns->ino == ino)
			return ns;
	return NULL;
}

static int ns_map(struct svmt_ns *ns)
{
	struct svmt_geom g;
	void *p;
	int rc;

	if (ns->flags & SVMT_NS_RDONLY) {
		/* The header and the free extents; not the directory. */
		ns->r = malloc(sizeof(*ns->r));
		if (!ns->r)
			return -ENOMEM;
		if (pread(ns->rootfd, ns->r, sizeof(*ns->r), 0) !=
		    (ssize_t)sizeof(*ns->r))
			return svmt_fail(SVMT_ECORRUPT, "namespace object "
					 "changed while read");
		ns->rfree_n = ns->r->free_count < ns->g.free_cap
				      ? ns->r->free_count : ns->g.free_cap;
		ns->rfree = malloc(ns->rfree_n * sizeof(*ns->rfree) + 1);
		if (!ns->rfree)
			return -ENOMEM;
		if (pread(ns->rootfd, ns->rfree,
			  ns->rfree_n * sizeof(*ns->rfree),
			  (off_t)ns->g.free_off) !=
		    (ssize_t)(ns->rfree_n * sizeof(*ns->rfree)))
			return svmt_fail(SVMT_ECORRUPT, "namespace object "
					 "changed while read");
	} else if (ns->flags & SVMT_NS_NOATTACH) {
		p = mmap(NULL, ns->g.file_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, ns->rootfd, 0);
		if (p == MAP_FAILED)
			return -errno;
		ns->r = p;
		ns->mapped = true;
	} else {
		rc = svmt_space_reserve(ns->g.base, ns->g.span);
		if (rc)
			return rc;
		ns->attached = true;
		p = mmap((void *)(uintptr_t)ns->g.base, ns->g.file_size,
			 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 ns->rootfd, 0);
		if (p == MAP_FAILED)
			return -errno;
		ns->r = p;
		ns->mapped = true;
	}
	/* The geometry must not have changed between the read and the map. */
	rc = svmt_root_validate(ns->r, ns->g.file_size, ns->root_name, &g);
	if (!rc && !geom_equal(&g, &ns->g))
		rc = svmt_fail(SVMT_ECORRUPT, "namespace object changed");
	return rc;
}

/*
 * The child of a fork() inherits the parent's mappings but is nobody's
 * client: its copies of the region handles are marked, so that opening one
 * again registers the child and closing one leaves the parent registered.
 */
void svmt_ns_atfork_child(void)
{
	struct svmt_ns *ns;
	struct svmt_region *r;

	pthread_mutex_init(&attached_mu, NULL);
	for (ns = attached; ns; ns = ns->next) {
		pthread_mutex_init(&ns->mu, NULL);
		for (r = ns->regions; r; r = r->next) {
			r->inherited = true;
			/* the parent's cached blocks are the parent's */
			svmt_heap_cache_forget(r);
		}
	}
}

static void ns_free(struct svmt_ns *ns)
{
	if (ns->attached)
		munmap((void *)(uintptr_t)ns->g.base, ns->g.span);
	else if (ns->mapped)
		munmap(ns->r, ns->g.file_size);
	else
		free(ns->r);
	free(ns->rfree);
	if (ns->rootfd >= 0)
		close(ns->rootfd);
	if (ns->dirfd >= 0)
		close(ns->dirfd);
	pthread_mutex_destroy(&ns->mu);
	free(ns);
}

int svmt_ns_open(const struct svmt_ns_opts *caller, svmt_ns **out)
{
	struct svmt_ns_opts opts, *o = &opts;
	struct svmt_ns *ns, *old;
	struct svmt_root hdr;
	char objname[sizeof(SVMT_FILE_PREFIX) + SVMT_NAME_MAX];
	struct stat st;
	int rc;

	svmt_clear_detail();
	*out = NULL;
	if (!caller)
		svmt_ns_opts_init(o);
	else if ((rc = svmt_struct_in(o, sizeof(*o), caller,
				      caller->struct_size)))
		return rc;
	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	pthread_mutex_init(&ns->mu, NULL);
	ns->refs = 1;
	ns->rootfd = -1;
	ns->flags = o->flags;
	if (ns->flags & SVMT_NS_RDONLY)
		ns->flags |= SVMT_NS_NOATTACH;
	ns->timeout_ms = o->timeout_ms;
	ns->trusted_uid = o->trusted_uid;
	ns->root_uid = (uid_t)-1;
	rc = svmt_name_norm(o->root ? o->root : SVMT_DEFAULT_ROOT, ns->root_name);
	if (rc) {
		rc = svmt_fail(rc, "invalid root name '%s'", o->root);
		goto fail;
	}
	ns->dirfd = open(o->shm_dir ? o->shm_dir : SVMT_DEFAULT_SHM_DIR,
			 O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ns->dirfd < 0) {
		const char *dir = o->shm_dir ? o->shm_dir : SVMT_DEFAULT_SHM_DIR;

		rc = errno == ENOENT
			     ? svmt_fail(-ENOENT, "shm directory '%s' does not "
					 "exist", dir)
			     : svmt_fail(-errno, "shm directory '%s': %s", dir,
					 svmt_errno_text(errno));
		goto fail;
	}
	svmt_objname(objname, sizeof(objname), ns->root_name, NULL);
	rc = root_open(ns->dirfd, objname, ns->root_name, o, ns, &st, &hdr);
	if (rc < 0)
		goto fail;
	ns->rootfd = rc;
	ns->dev = st.st_dev;
	ns->ino = st.st_ino;
	ns->root_uid = st.st_uid;
	rc = svmt_root_validate(&hdr, (uint64_t)st.st_size, ns->root_name,
				&ns->g);
	if (rc)
		goto fail;
	if (!(ns->flags & SVMT_NS_NOATTACH)) {
		pthread_mutex_lock(&attached_mu);
		old = find_attached(ns->dev, ns->ino);
		if (old) {
			pthread_mutex_lock(&old->mu);
			old->refs++;
			pthread_mutex_unlock(&old->mu);
			pthread_mutex_unlock(&attached_mu);
			ns_free(ns);
			*out = old;
			return 0;
		}
		rc = ns_map(ns);
		if (!rc) {
			ns->next = attached;
			attached = ns;
		}
		pthread_mutex_unlock(&attached_mu);
	} else {
		rc = ns_map(ns);
	}
	if (rc)
		goto fail;
	*out = ns;
	return 0;
fail:
	/*
	 * A namespace this call created stays even if attaching failed: from
	 * the moment it was linked, others may have opened it.  Empty, it is
	 * harmless; svmt_ns_remove() takes it away.
	 */
	ns_free(ns);
	return rc;
}

void svmt_ns_close(svmt_ns *ns)
{
	struct svmt_ns **pp;

	if (!ns)
		return;
	if (ns->attached) {
		pthread_mutex_lock(&attached_mu);
		pthread_mutex_lock(&ns->mu);
		if (--ns->refs > 0) {
			pthread_mutex_unlock(&ns->mu);
			pthread_mutex_unlock(&attached_mu);
			return;
		}
		pthread_mutex_unlock(&ns->mu);
		for (pp = &attached; *pp; pp = &(*pp)->next)
			if (*pp == ns) {
				*pp = ns->next;
				break;
			}
		pthread_mutex_unlock(&attached_mu);
	}
	svmt_region_forget_all(ns);
	ns_free(ns);
}

int svmt_ns_repair(void *ctx)
{
	struct svmt_ns *ns = ctx;
	struct svmt_dir d = svmt_ns_dir(ns);

	return svmt_dir_rebuild(&d, NULL, NULL);
}

int svmt_ns_lock(struct svmt_ns *ns, uint32_t tag, pid_t *recovered)
{
	int rc;

	if (ns->flags & SVMT_NS_RDONLY)
		return SVMT_ERDONLY;
	rc = svmt_lock_acquire(&ns->r->lock, tag, ns->timeout_ms, svmt_ns_repair,
			       ns, recovered);
	if (svmt_sigbus_hit(ns->r, ns->g.file_size)) {
		if (!rc)
			svmt_lock_release(&ns->r->lock);
		return svmt_fail(SVMT_ECORRUPT, "namespace object truncated "
				 "while in use");
	}
	if (!rc && atomic_load_explicit(&ns->r->state, memory_order_acquire) ==
			   SVMT_RS_REMOVED) {
		svmt_lock_release(&ns->r->lock);
		rc = svmt_fail(-ESTALE, "namespace '%s' was removed; open it "
			       "again", ns->root_name);
	}
	return rc;
}

void svmt_ns_unlock(struct svmt_ns *ns)
{
	svmt_lock_release(&ns->r->lock);
}

int svmt_ns_info_size(svmt_ns *ns, struct svmt_ns_info *caller, size_t size)
{
	struct svmt_dir d = svmt_ns_dir(ns);
	const struct svmt_extent *f;
	struct svmt_ns_info info, *out = &info;
	struct stat st;
	uint32_t i, n;
	int rc = 0;

	svmt_clear_detail();
	if (size < sizeof(uint32_t))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!(ns->flags & SVMT_NS_RDONLY)) {
		rc = svmt_ns_lock(ns, SVMT_TAG_INFO, NULL);
		if (rc)
			return rc;
	}
	snprintf(out->root, sizeof(out->root), "%s", ns->root_name);
	out->base = ns->g.base;
	out->span = ns->g.span;
	out->root_size = ns->g.file_size;
	out->capacity = ns->g.capacity;
	out->count = ns->r->count;
	out->ctime = ns->r->ctime;
	if (ns->flags & SVMT_NS_RDONLY) {
		f = ns->rfree;
		n = ns->rfree_n;
	} else {
		f = svmt_dir_free(&d);
		n = ns->r->free_count < ns->g.free_cap ? ns->r->free_count
						       : ns->g.free_cap;
	}
	out->free_extents = n;
	for (i = 0; i < n; i++) {
		out->free_bytes += f[i].len;
		if (f[i].len > out->largest_free)
			out->largest_free = f[i].len;
	}
	if (!(ns->flags & SVMT_NS_RDONLY))
		svmt_ns_unlock(ns);
	if (fstat(ns->rootfd, &st) == 0) {
		out->uid = st.st_uid;
		out->gid = st.st_gid;
		out->mode = st.st_mode & 07777;
	}
	out->attached = ns->attached;
	out->page_size = (uint32_t)ns->g.page;
	{	/* The namespace's own lock, read without taking it. */
		struct svmt_lock_info li;

		if (svmt_lock_describe(&ns->r->lock, &li) == 0) {
			out->lock_owner = li.owner;
			out->lock_owner_alive = li.owner_alive;
			out->lock_tag = li.tag;
			memcpy(out->lock_tag_name, li.tag_name,
			       sizeof(out->lock_tag_name));
		}
	}
	/* The caller's struct: ours as far as it reaches, zero past ours. */
	memset(caller, 0, size);
	out->struct_size = (uint32_t)(size < sizeof(*out) ? size : sizeof(*out));
	memcpy(caller, out, out->struct_size);
	return rc;
}

int svmt_ns_remove(const struct svmt_ns_opts *o)
{
	struct svmt_ns_opts ro;
	char objname[sizeof(SVMT_FILE_PREFIX) + SVMT_NAME_MAX];
	struct svmt_ns *ns;
	struct stat st;
	int rc;

	rc = svmt_struct_in(&ro, sizeof(ro), o, o->struct_size);
	if (rc)
		return rc;
	ro.struct_size = sizeof(ro);
	ro.flags = SVMT_NS_NOATTACH;
	rc = svmt_ns_open(&ro, &ns);
	if (rc)
		return rc;
	rc = svmt_ns_lock(ns, SVMT_TAG_REMOVE, NULL);
	if (rc)
		goto out;
	svmt_objname(objname, sizeof(objname), ns->root_name, NULL);
	if (ns->r->count) {
		rc = svmt_fail(-EBUSY, "namespace '%s' holds %u regions",
			       ns->root_name, ns->r->count);
	} else {
		/* Marked first: open handles see -ESTALE even if we die here. */
		atomic_store_explicit(&ns->r->state, SVMT_RS_REMOVED,
				      memory_order_release);
		if (fstatat(ns->dirfd, objname, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_dev == ns->dev && st.st_ino == ns->ino &&
		    unlinkat(ns->dirfd, objname, 0) < 0) {
			rc = -errno;
			atomic_store_explicit(&ns->r->state, SVMT_RS_READY,
					      memory_order_release);
		}
	}
	svmt_ns_unlock(ns);
out:
	svmt_ns_close(ns);
	return rc;
}

int svmt_obj_unlink(struct svmt_ns *ns, const char *name)
{
	char objname[sizeof(SVMT_FILE_PREFIX) + 2 * SVMT_NAME_MAX + 2];

	svmt_objname(objname, sizeof(objname), ns->root_name, name);
	return unlinkat(ns->dirfd, objname, 0) ? -errno : 0;
}

int svmt_obj_can_unlink_st(struct svmt_ns *ns, const char *name,
			   const struct stat *st)
{
	struct stat dir;
	uid_t me = geteuid();

	if (faccessat(ns->dirfd, ".", W_OK | X_OK, AT_EACCESS) < 0)
		return svmt_fail(-errno, "cannot remove objects from the shm "
				 "directory: %s", svmt_errno_text(errno));
	/* The sticky bit: only the owner of the file or of the directory
	 * (or root) may remove it. */
	if (me == 0 || me == st->st_uid)
		return 0;
	if (fstat(ns->dirfd, &dir) < 0)
		return -errno;
	if ((dir.st_mode & S_ISVTX) && me != dir.st_uid)
		return svmt_fail(-EPERM, "the object of '%s' belongs to uid %u "
				 "in a sticky shm directory: only its owner or "
				 "root can remove it", name, (unsigned)st->st_uid);
	return 0;
}

int svmt_obj_can_unlink(struct svmt_ns *ns, const char *name)
{
	char objname[sizeof(SVMT_FILE_PREFIX) + 2 * SVMT_NAME_MAX + 2];
	struct stat st;

	svmt_objname(objname, sizeof(objname), ns->root_name, name);
	if (fstatat(ns->dirfd, objname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return svmt_obj_can_unlink_st(ns, name, &st);
}

int svmt_obj_open(struct svmt_ns *ns, const char *name, int oflags,
		  uid_t owner, struct stat *st)
{
	char objname[sizeof(SVMT_FILE_PREFIX) + 2 * SVMT_NAME_MAX + 2];
	int fd;

	svmt_objname(objname, sizeof(objname), ns->root_name, name);
	/*
	 * EWOULDBLOCK: somebody holds a lease on the object (unmap's test
	 * for other mappers holds one for two system calls): try again, a
	 * bounded number of times.
	 */
	for (int waited = 0;;) {
		fd = openat(ns->dirfd, objname, oflags | O_NOFOLLOW |
			    O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0 || errno != EWOULDBLOCK ||
		    !svmt_wait_step(&waited, 100))
			break;
	}
	if (fd < 0 && errno == ELOOP)
		return svmt_fail(SVMT_ECORRUPT, "'%s' is a symbolic link", name);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return svmt_fail(SVMT_ECORRUPT, "'%s' is not a regular file",
				 name);
	}
	if (owner != SVMT_ANY_OWNER && st->st_uid != owner &&
	    !svmt_uid_trusted(ns, st->st_uid)) {
		close(fd);
		return svmt_fail(SVMT_EUNTRUSTED, "'%s' is owned by uid %u",
				 name, (unsigned)st->st_uid);
	}
	return fd;
}
