/*
 * list.c - the read-only view of a namespace
 *
 * Everything here reads with pread into private memory and validates before
 * use: nothing is mapped, locked, created or written, so hostile bytes or a
 * file truncated under our feet cannot crash the caller.
 */
#include "svmtool-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Internal: an object whose removal began; never left in a result. */
#define SVMT_STATE_REMOVING (-1)

int svmt_root_snapshot(struct svmt_ns *ns, struct svmt_root **out)
{
	struct svmt_root *copy;
	struct svmt_geom g;
	ssize_t n;
	int rc;

	copy = malloc(ns->g.file_size);
	if (!copy)
		return -ENOMEM;
	n = pread(ns->rootfd, copy, ns->g.file_size, 0);
	rc = n == (ssize_t)ns->g.file_size
		     ? svmt_root_validate(copy, ns->g.file_size, ns->root_name, &g)
		     : svmt_fail(SVMT_ECORRUPT, "namespace object truncated");
	if (rc) {
		free(copy);
		return rc;
	}
	*out = copy;
	return 0;
}

/*
 * One region's description with everything it points to, in one block:
 * handed out as &box->ri and freed by svmt_region_info_free().
 */
struct info_box {
	struct svmt_region_info ri;
	struct svmt_lock_info lock;
	const struct svmt_client_info **cptr;
	struct svmt_client_info *cl;
};

struct svmt_region_list {
	size_t n, cap;
	struct svmt_region_info **v;
};

static struct svmt_region_info *info_new(const char *name)
{
	struct info_box *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->ri.struct_size = sizeof(b->ri);
	b->lock.struct_size = sizeof(b->lock);
	b->ri.lock = &b->lock;
	b->ri.uid = (uid_t)-1;
	b->ri.gid = (gid_t)-1;
	snprintf(b->ri.name, sizeof(b->ri.name), "%s", name);
	return &b->ri;
}

static struct info_box *box_of(const struct svmt_region_info *ri)
{
	return (struct info_box *)(void *)((char *)ri -
					   offsetof(struct info_box, ri));
}

void svmt_region_info_free(struct svmt_region_info *ri)
{
	struct info_box *b;

	if (!ri)
		return;
	b = box_of(ri);
	free(b->cptr);
	free(b->cl);
	free(b);
}

static void set_corrupt(struct svmt_region_info *ri, int err)
{
	ri->state = err == SVMT_EFEATURE ? SVMT_STATE_NEWER : SVMT_STATE_CORRUPT;
	ri->error = err;
	snprintf(ri->detail, sizeof(ri->detail), "%s",
		 svmt_errdetail()[0] ? svmt_errdetail() : svmt_strerror(err));
}

/* The clients of a region header copy @buf (validated, @hdr). */
static int read_clients(struct svmt_region_info *ri, const char *buf,
			const struct svmt_rhdr *hdr)
{
	struct info_box *b = box_of(ri);
	const struct svmt_ident *cl =
		(const struct svmt_ident *)(buf + hdr->clients_off);
	uint32_t i, n = hdr->nclients;

	if (!n)
		return 0;
	b->cl = calloc(n, sizeof(*b->cl));
	b->cptr = calloc(n, sizeof(*b->cptr));
	if (!b->cl || !b->cptr)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		b->cl[i].struct_size = sizeof(b->cl[i]);
		b->cl[i].pid = cl[i].pid;
		b->cl[i].start_time = cl[i].start;
		b->cl[i].alive = svmt_client_alive(&cl[i], hdr->base);
		b->cptr[i] = &b->cl[i];
		ri->nghosts += !b->cl[i].alive;
	}
	ri->clients = b->cptr;
	ri->nclients = n;
	return 0;
}

/* Where the clients of validated header @h end in the object. */
static uint64_t clients_end(const struct svmt_rhdr *h)
{
	return h->clients_off + (uint64_t)h->nclients * sizeof(struct svmt_ident);
}

static void set_owner(struct svmt_region_info *ri, const struct stat *st)
{
	ri->mode = st->st_mode & 07777;
	ri->uid = st->st_uid;
	ri->gid = st->st_gid;
	ri->obj_dev = st->st_dev;
	ri->obj_ino = st->st_ino;
}

/* Fill @ri from the object of region ri->name; returns 0 or the error. */
static int read_object(struct svmt_ns *ns, struct svmt_region_info *ri,
		       uid_t owner)
{
	struct svmt_lock_info *lk = &box_of(ri)->lock;
	struct svmt_features feat;
	struct svmt_heap_view hv;
	struct svmt_rhdr hdr;
	struct stat st;
	char *buf = NULL;
	bool heap = false;
	/* The header and the first clients of its table. */
	size_t len = SVMT_CLIENTS_OFF + 8 * sizeof(struct svmt_ident);
	ssize_t n;
	int fd, rc;

	fd = svmt_obj_open(ns, ri->name, O_RDONLY, owner, &st);
	/* What the file system says, trusted or not. */
	if (fd < 0) {
		char objname[sizeof(SVMT_FILE_PREFIX) + 2 * SVMT_NAME_MAX + 2];

		svmt_objname(objname, sizeof(objname), ns->root_name, ri->name);
		if (fstatat(ns->dirfd, objname, &st, AT_SYMLINK_NOFOLLOW) == 0)
			set_owner(ri, &st);
		return fd;
	}
	set_owner(ri, &st);
	/* One read, unless the region has more clients than it holds. */
	buf = malloc(len);
	n = buf ? pread(fd, buf, len, 0) : 0;
	rc = !buf ? -ENOMEM : n < 0 ? -errno
	     : svmt_rhdr_parse(ns, buf, (size_t)n, &st, ri->name, false, &hdr);
	if (!rc && clients_end(&hdr) > (uint64_t)n) {
		size_t need = (size_t)clients_end(&hdr);
		char *nb = realloc(buf, need > len ? need : len);

		if (nb)
			buf = nb;
		n = nb ? pread(fd, buf, need, 0) : 0;
		if (!nb)
			rc = -ENOMEM;
		else if (n != (ssize_t)need)
			rc = svmt_fail(SVMT_ECORRUPT, "region object truncated");
	}
	/* A heap it cannot read leaves the region listed, its counts 0. */
	if (!rc && hdr.flags & SVMT_RF_HEAP)
		heap = svmt_heap_view_fd(fd, hdr.data_off, hdr.data_size,
					 &hv) == 0;
	close(fd);
	if (rc) {
		free(buf);
		return rc;
	}
	/* Re-validate the copy we will read clients from. */
	rc = svmt_rhdr_validate((struct svmt_rhdr *)buf, (uint64_t)n,
				(uint64_t)st.st_size, ns->g.page, ns->root_name,
				ri->name, false);
	if (!rc && memcmp(buf, &hdr, offsetof(struct svmt_rhdr, nclients)))
		rc = svmt_fail(SVMT_ECORRUPT, "region header changed while read");
	if (rc) {
		free(buf);
		return rc;
	}
	memcpy(&hdr, buf, hdr.hdr_size < sizeof(hdr) ? hdr.hdr_size : sizeof(hdr));
	ri->base = hdr.base;
	ri->size = hdr.size;
	ri->data_base = hdr.base + hdr.data_off;
	ri->data_size = hdr.data_size;
	ri->user_ctx = hdr.user_ctx;
	ri->generation = hdr.generation;
	ri->flags = hdr.flags;
	ri->ctime = hdr.ctime;
	ri->creator = hdr.creator.pid;
	if (SVMT_RHDR_FILE(&hdr))
		snprintf(ri->file, sizeof(ri->file), "%s", hdr.file_path);
	svmt_rhdr_features(&hdr, &feat);
	ri->compat = feat.compat;
	ri->ro_compat = feat.ro_compat;
	ri->incompat = feat.incompat;
	if (hdr.flags & SVMT_RF_HEAP) {
		ri->data_heap = ri->data_base;
		if (heap) {
			ri->heap_total = hv.total;
			ri->heap_used = hv.used;
			ri->heap_free = hv.free;
			ri->heap_largest_free = hv.largest_free;
			ri->heap_objects = hv.objects;
		}
	}
	/* The user's lock; when it is free, whoever holds the bookkeeping.
	 * Their words were checked before use, like every other field. */
	{
		struct svmt_lock_info meta;

		rc = svmt_lock_describe(&hdr.lock, lk);
		if (!rc)
			rc = svmt_lock_describe(&hdr.meta, &meta);
		if (rc) {
			free(buf);
			return rc;
		}
		if (!lk->owner) {
			meta.recoveries += lk->recoveries;
			*lk = meta;
		} else {
			lk->recoveries += meta.recoveries;
		}
	}
	if (atomic_load(&hdr.state) != SVMT_RS_READY)
		ri->state = SVMT_STATE_REMOVING; /* published objects are READY */
	rc = read_clients(ri, buf, &hdr);
	free(buf);
	return rc;
}

/* Describe a region the directory has (entry @e): 0, or -ENOMEM. */
static int describe_entry(struct svmt_ns *ns, const struct svmt_dirent *e,
			  struct svmt_region_info *ri)
{
	uint32_t st = atomic_load(&e->state);
	int rc;

	ri->in_directory = 1;
	ri->base = e->base;
	ri->size = e->size;
	ri->generation = e->generation;
	ri->flags = e->flags;
	if (st == SVMT_ENT_INIT) {
		ri->state = SVMT_STATE_INIT;
		ri->creator = e->creator.pid;
		ri->creator_alive = svmt_ident_alive(&e->creator);
		return 0; /* its object is not published yet */
	}
	rc = read_object(ns, ri, SVMT_ANY_OWNER);
	if (rc == -ENOENT) {
		ri->state = SVMT_STATE_MISSING;
	} else if (rc == -ENOMEM) {
		return rc;
	} else if (rc) {
		set_corrupt(ri, rc);
	} else if (ri->base != e->base || ri->size != e->size) {
		svmt_fail(SVMT_ECORRUPT, "object disagrees with the directory");
		set_corrupt(ri, SVMT_ECORRUPT);
	} else if (ri->generation != e->generation ||
		   ri->state == SVMT_STATE_REMOVING) {
		/* An interrupted remove: the entry outlived it. */
		ri->state = SVMT_STATE_MISSING;
		snprintf(ri->detail, sizeof(ri->detail),
			 "object left by an interrupted removal");
	}
	return 0;
}

/* Describe an object the directory does not have: 0, -ENOENT (removed
 * meanwhile) or -ENOMEM. */
static int describe_orphan(struct svmt_ns *ns, struct svmt_region_info *ri)
{
	int rc = read_object(ns, ri, SVMT_ANY_OWNER);

	if (rc == -ENOMEM || rc == -ENOENT)
		return rc;
	if (rc)
		set_corrupt(ri, rc);
	else
		ri->state = SVMT_STATE_ORPHAN;
	return 0;
}

int svmt_region_peek(struct svmt_ns *ns, const char *name,
		     struct svmt_region_info **out)
{
	struct svmt_region_info *ri = info_new(name);
	int rc;

	*out = NULL;
	if (!ri)
		return -ENOMEM;
	rc = read_object(ns, ri, SVMT_ANY_OWNER);
	if (rc) {
		svmt_region_info_free(ri);
		return rc;
	}
	*out = ri;
	return 0;
}

static int cmp_info(const void *a, const void *b)
{
	return strcmp((*(struct svmt_region_info *const *)a)->name,
		      (*(struct svmt_region_info *const *)b)->name);
}

/* A region to sort: the first 8 bytes of its name as a big-endian
 * number (zero after the end), which orders names as strcmp does. */
struct sort_key {
	uint64_t pre;
	struct svmt_region_info *ri;
};

static int cmp_key(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;

	if (x->pre != y->pre)
		return x->pre < y->pre ? -1 : 1;
	return strcmp(x->ri->name, y->ri->name);
}

/*
 * Sort @l by name.  Comparing the names' prefixes held beside the
 * pointers, not the names behind them, keeps 10,000 descriptions out of
 * the cache while they are sorted.  Without memory for the keys, plain
 * pointers are sorted.
 */
static void sort_by_name(struct svmt_region_list *l)
{
	struct sort_key *k = malloc(l->n * sizeof(*k));

	if (!k) {
		qsort(l->v, l->n, sizeof(*l->v), cmp_info);
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		const unsigned char *p = (const unsigned char *)l->v[i]->name;
		uint64_t pre = 0;
		int j = 0;

		for (; j < 8 && p[j]; j++)
			pre = pre << 8 | p[j];
		for (; j < 8; j++) /* a shorter name: zero after its end */
			pre <<= 8;
		k[i].pre = pre;
		k[i].ri = l->v[i];
	}
	qsort(k, l->n, sizeof(*k), cmp_key);
	for (size_t i = 0; i < l->n; i++)
		l->v[i] = k[i].ri;
	free(k);
}

/* Is @l sorted by name already (the whole directory read, no orphan)? */
static bool sorted(const struct svmt_region_list *l)
{
	for (size_t i = 1; i < l->n; i++)
		if (strcmp(l->v[i - 1]->name, l->v[i]->name) > 0)
			return false;
	return true;
}

/* A new entry called @name at the end of @l, or NULL. */
static struct svmt_region_info *list_add(struct svmt_region_list *l,
					 const char *name)
{
	struct svmt_region_info *ri;

	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		struct svmt_region_info **nv = realloc(l->v, nc * sizeof(*nv));

		if (!nv)
			return NULL;
		l->v = nv;
		l->cap = nc;
	}
	ri = info_new(name);
	if (ri)
		l->v[l->n++] = ri;
	return ri;
}

/* Call @fn with every name in the shm directory after "svmt:ROOT"; it
 * returns 0 to go on, or an error to stop with. */
static int each_object(struct svmt_ns *ns,
		       int (*fn)(const char *rest, void *arg), void *arg)
{
	char prefix[sizeof(SVMT_FILE_PREFIX) + SVMT_NAME_MAX + 1];
	size_t plen;
	struct dirent *de;
	DIR *dir;
	int fd, rc = 0;

	snprintf(prefix, sizeof(prefix), SVMT_FILE_PREFIX "%s", ns->root_name);
	plen = strlen(prefix);
	fd = openat(ns->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	while (!rc && (de = readdir(dir)))
		if (!strncmp(de->d_name, prefix, plen))
			rc = fn(de->d_name + plen, arg);
	closedir(dir);
	return rc;
}

struct name_list {
	char (*v)[SVMT_NAME_MAX + 1];
	size_t n, cap;
};

static int add_region_name(const char *rest, void *arg)
{
	struct name_list *l = arg;
	char nm[SVMT_NAME_MAX + 1];

	if (rest[0] != ':' || svmt_name_norm(rest + 1, nm) ||
	    strcmp(nm, rest + 1))
		return 0;
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		void *nv = realloc(l->v, nc * sizeof(*l->v));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = nc;
	}
	memcpy(l->v[l->n++], nm, sizeof(nm));
	return 0;
}

/* Region names of objects in the shm directory that belong to @ns. */
int svmt_obj_names(struct svmt_ns *ns, char (**names)[SVMT_NAME_MAX + 1],
		   size_t *count)
{
	struct name_list l = { NULL, 0, 0 };
	int rc = each_object(ns, add_region_name, &l);

	if (rc) {
		free(l.v);
		return rc;
	}
	*names = l.v;
	*count = l.n;
	return 0;
}

struct temp_list {
	struct svmt_tempobj *v;
	size_t n, cap;
};

/* "~PID" after ":NAME" (a region) or right after the root (the
 * namespace): what svmt_create_file names an object it builds. */
static int add_temp(const char *rest, void *arg)
{
	struct temp_list *l = arg;
	const char *tilde = strrchr(rest, '~');
	struct svmt_tempobj t = { .pid = 0 };
	char *end;
	long pid;

	if (!tilde || (rest[0] != ':' && rest != tilde) ||
	    (size_t)(tilde - rest) > SVMT_NAME_MAX + 1)
		return 0;
	errno = 0;
	pid = strtol(tilde + 1, &end, 10);
	if (errno || *end || end == tilde + 1 || pid <= 0 || pid > INT32_MAX)
		return 0;
	if (rest[0] == ':') {
		snprintf(t.name, sizeof(t.name), "%.*s",
			 (int)(tilde - rest - 1), rest + 1);
		if (svmt_name_check(t.name) || t.name[0] == '/')
			return 0;
	}
	t.pid = (pid_t)pid;
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 8;
		void *nv = realloc(l->v, nc * sizeof(*l->v));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n++] = t;
	return 0;
}

int svmt_obj_temps(struct svmt_ns *ns, struct svmt_tempobj **out,
		   size_t *count)
{
	struct temp_list l = { NULL, 0, 0 };
	int rc = each_object(ns, add_temp, &l);

	if (rc) {
		free(l.v);
		return rc;
	}
	*out = l.v;
	*count = l.n;
	return 0;
}

void svmt_tempname(struct svmt_ns *ns, const struct svmt_tempobj *t,
		   char buf[SVMT_TMPNAME_MAX])
{
	if (t->name[0])
		snprintf(buf, SVMT_TMPNAME_MAX, SVMT_FILE_PREFIX "%s:%s~%d",
			 ns->root_name, t->name, (int)t->pid);
	else
		snprintf(buf, SVMT_TMPNAME_MAX, SVMT_FILE_PREFIX "%s~%d",
			 ns->root_name, (int)t->pid);
}

/* Objects still under a creator's temporary name (@t, @nt of them):
 * INIT, outside the directory, with the creator's pid. */
static int list_temps(struct svmt_ns *ns, const struct svmt_tempobj *t,
		      size_t nt, struct svmt_region_list *l)
{
	for (size_t i = 0; i < nt; i++) {
		struct svmt_ident cr = { .pid = t[i].pid };
		char file[SVMT_TMPNAME_MAX];
		struct svmt_region_info *ri;
		struct stat st;

		if (!t[i].name[0])
			continue; /* the namespace's own: recover's business */
		ri = list_add(l, t[i].name);
		if (!ri)
			return -ENOMEM;
		ri->state = SVMT_STATE_INIT;
		ri->creator = cr.pid;
		ri->creator_alive = svmt_ident_alive(&cr);
		svmt_tempname(ns, &t[i], file);
		snprintf(ri->detail, sizeof(ri->detail), "not yet linked: %.*s",
			 (int)sizeof(ri->detail) - 17, file);
		if (fstatat(ns->dirfd, file, &st, AT_SYMLINK_NOFOLLOW) == 0)
			set_owner(ri, &st);
	}
	return 0;
}

/* What one pass over the shm directory finds of a namespace. */
struct objects {
	struct name_list names;   /* region objects */
	struct temp_list temps;   /* objects under a temporary name */
};

static int add_object(const char *rest, void *arg)
{
	struct objects *o = arg;
	int rc = add_region_name(rest, &o->names);

	return rc ? rc : add_temp(rest, &o->temps);
}

/* Add the entry @e (not empty) of the directory to @l. */
static int list_entry(struct svmt_ns *ns, const struct svmt_dirent *e,
		      struct svmt_region_list *l)
{
	struct svmt_region_info *ri;
	char nm[SVMT_NAME_MAX + 1];

	if (!memchr(e->name, '\0', sizeof(e->name)) ||
	    svmt_name_norm(e->name, nm))
		return 0;
	ri = list_add(l, nm);
	return ri ? describe_entry(ns, e, ri) : -ENOMEM;
}

/* Slots of the directory read by one pread of the whole scan. */
#define SCAN_SLOTS 256

/* Every entry of the directory, read a chunk at a time. */
static int list_all_entries(struct svmt_ns *ns, struct svmt_region_list *l)
{
	struct svmt_dirent *buf = malloc(SCAN_SLOTS * sizeof(*buf));
	uint32_t s, k, j;
	int rc = buf ? 0 : -ENOMEM;

	for (s = 0; !rc && s < ns->g.slots; s += k) {
		size_t len;

		k = ns->g.slots - s < SCAN_SLOTS ? ns->g.slots - s : SCAN_SLOTS;
		len = k * sizeof(*buf);
		if (pread(ns->rootfd, buf, len, (off_t)(ns->g.dir_off + (uint64_t)s *
						 sizeof(*buf))) != (ssize_t)len) {
			rc = svmt_fail(SVMT_ECORRUPT, "namespace object truncated");
			break;
		}
		for (j = 0; !rc && j < k; j++)
			if (atomic_load(&buf[j].state) != SVMT_ENT_EMPTY)
				rc = list_entry(ns, &buf[j], l);
	}
	free(buf);
	return rc;
}

/* Describe the object @name, which the directory does not have. */
static int list_orphan(struct svmt_ns *ns, struct svmt_region_list *l,
		       const char *name)
{
	struct svmt_region_info *ri = list_add(l, name);
	int rc = ri ? describe_orphan(ns, ri) : -ENOMEM;

	if (rc == -ENOENT) { /* removed meanwhile */
		svmt_region_info_free(l->v[--l->n]);
		rc = 0;
	}
	return rc;
}

/*
 * The directory entries and orphans, the directory read whole: every slot
 * (in chunks), then each object not among the entries, found with a hash
 * set of their names (one probe an object, where a search of the sorted
 * entries took log2(n) comparisons and a sort of its own).
 */
static int list_dense(struct svmt_ns *ns, const struct objects *o,
		      struct svmt_region_list *l)
{
	int rc = list_all_entries(ns, l);
	size_t ndir = l->n, mask = 1;
	uint32_t *set;

	if (rc)
		return rc;
	while (mask < 2 * ndir)
		mask <<= 1;
	set = calloc(mask, sizeof(*set));
	if (!set)
		return -ENOMEM;
	mask--;
	for (size_t i = 0; i < ndir; i++) {
		size_t h = svmt_name_hash(l->v[i]->name) & mask;

		while (set[h])
			h = (h + 1) & mask;
		set[h] = (uint32_t)i + 1;
	}
	for (size_t i = 0; !rc && i < o->names.n; i++) {
		const char *nm = o->names.v[i];
		size_t h = svmt_name_hash(nm) & mask;

		while (set[h] && strcmp(l->v[set[h] - 1]->name, nm))
			h = (h + 1) & mask;
		if (!set[h])
			rc = list_orphan(ns, l, nm);
	}
	free(set);
	return rc;
}

/*
 * The same, a lookup in the directory per object present: when the
 * objects are few against the slots.  Complete only if every entry the
 * header counts was found (none is without its object, none is being
 * created), which holds while the namespace lock is free: 1 when it is
 * not, and the caller reads the directory whole.
 */
static int list_sparse(struct svmt_ns *ns, const struct objects *o,
		       uint32_t count, struct svmt_region_list *l)
{
	uint32_t found = 0;
	int rc = 0;

	for (size_t i = 0; !rc && i < o->names.n; i++) {
		struct svmt_dirent e;

		rc = svmt_dir_lookup_fd(ns->rootfd, &ns->g, o->names.v[i], &e);
		if (rc == 1) {
			found++;
			rc = list_entry(ns, &e, l);
		} else if (rc == 0) {
			rc = list_orphan(ns, l, o->names.v[i]);
		}
	}
	return rc ? rc : found != count;
}

/* Reading the directory whole costs this many slots per region looked up
 * alone: one pread of a slot (0.45 us) costs what copying 16 slots does
 * (measured on tmpfs: 1,000 lookups against a 32,768-slot copy). */
#define SLOTS_PER_LOOKUP 16

int svmt_list(svmt_ns *ns, svmt_region_list **out)
{
	struct objects o = { { NULL, 0, 0 }, { NULL, 0, 0 } };
	struct svmt_region_list *l;
	struct svmt_lock_info li;
	struct svmt_root hdr;
	struct svmt_geom g;
	int rc;

	svmt_clear_detail();
	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	/* The header as it is now: its count and lock. */
	rc = pread(ns->rootfd, &hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr)
		     ? svmt_root_validate(&hdr, ns->g.file_size, ns->root_name, &g)
		     : svmt_fail(SVMT_ECORRUPT, "namespace object truncated");
	if (!rc && (g.slots != ns->g.slots || g.dir_off != ns->g.dir_off))
		rc = svmt_fail(SVMT_ECORRUPT, "namespace object changed");
	if (!rc)
		rc = each_object(ns, add_object, &o);
	if (rc)
		goto fail;
	rc = 1;
	if ((uint64_t)o.names.n * SLOTS_PER_LOOKUP < ns->g.slots &&
	    svmt_lock_describe(&hdr.lock, &li) == 0 && !li.owner)
		rc = list_sparse(ns, &o, hdr.count, l);
	if (rc == 1) { /* read the directory whole */
		while (l->n)
			svmt_region_info_free(l->v[--l->n]);
		svmt_clear_detail();
		rc = list_dense(ns, &o, l);
	}
	if (!rc)
		rc = list_temps(ns, o.temps.v, o.temps.n, l);
	if (rc)
		goto fail;
	if (!sorted(l))
		sort_by_name(l);
	*out = l;
	l = NULL;
fail:
	svmt_list_free(l);
	free(o.names.v);
	free(o.temps.v);
	return rc;
}

size_t svmt_list_count(const svmt_region_list *l)
{
	return l ? l->n : 0;
}

const struct svmt_region_info *svmt_list_get(const svmt_region_list *l,
					     size_t i)
{
	return l && i < l->n ? l->v[i] : NULL;
}

const struct svmt_region_info *svmt_list_find(const svmt_region_list *l,
					      const char *name)
{
	size_t lo = 0, hi = svmt_list_count(l);

	if (!name)
		return NULL;
	if (name[0] == '/')
		name++;
	while (lo < hi) { /* sorted by name */
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->v[mid]->name, name);

		if (!c)
			return l->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void svmt_list_free(svmt_region_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		svmt_region_info_free(l->v[i]);
	free(l->v);
	free(l);
}

int svmt_region_stat(svmt_ns *ns, const char *name,
		     struct svmt_region_info **out)
{
	char nm[SVMT_NAME_MAX + 1];
	struct svmt_region_info *ri;
	struct svmt_dirent e;
	int rc;

	svmt_clear_detail();
	*out = NULL;
	if (svmt_name_norm(name, nm))
		return svmt_fail(SVMT_ENAME, "invalid region name '%s'",
				 name ? name : "(null)");
	ri = info_new(nm);
	if (!ri)
		return -ENOMEM;
	/* One probe of the directory as it is now, not as it was at open. */
	rc = svmt_dir_lookup_fd(ns->rootfd, &ns->g, nm, &e);
	if (rc == 1 && (!memchr(e.name, '\0', sizeof(e.name)) ||
			atomic_load(&e.state) > SVMT_ENT_READY))
		rc = svmt_fail(SVMT_ECORRUPT, "directory entry of '%s' is "
			       "damaged; run recover", nm);
	if (rc == 1)
		rc = describe_entry(ns, &e, ri);
	else if (rc == 0)
		rc = describe_orphan(ns, ri);
	if (rc == -ENOENT)
		rc = svmt_fail(-ENOENT, "no such region '%s'", nm);
	if (rc) {
		svmt_region_info_free(ri);
		return rc;
	}
	*out = ri;
	return 0;
}
