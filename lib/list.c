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

static void set_corrupt(struct svmt_region_info *ri, int err)
{
	ri->state = SVMT_STATE_CORRUPT;
	ri->error = err;
	snprintf(ri->detail, sizeof(ri->detail), "%s",
		 svmt_errdetail()[0] ? svmt_errdetail() : svmt_strerror(err));
}

/* Fill @ri from the object of region ri->name; returns 0 or the error. */
static int read_object(struct svmt_ns *ns, struct svmt_region_info *ri,
		       uid_t owner)
{
	struct svmt_rhdr hdr;
	struct svmt_ident *cl;
	struct stat st;
	char *buf = NULL;
	uint32_t i, n;
	int fd, rc;

	{	/* What the file system says, trusted or not. */
		char objname[sizeof(SVMT_FILE_PREFIX) + 2 * SVMT_NAME_MAX + 2];

		svmt_objname(objname, sizeof(objname), ns->root_name, ri->name);
		if (fstatat(ns->dirfd, objname, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			ri->mode = st.st_mode & 07777;
			ri->uid = st.st_uid;
			ri->gid = st.st_gid;
		}
	}
	fd = svmt_obj_open(ns, ri->name, O_RDONLY, owner, &st);
	if (fd < 0)
		return fd;
	rc = svmt_rhdr_read(fd, &st, ns->root_name, ri->name, &hdr);
	if (!rc) {
		buf = malloc(hdr.data_off);
		if (!buf)
			rc = -ENOMEM;
		else if (pread(fd, buf, hdr.data_off, 0) != (ssize_t)hdr.data_off)
			rc = svmt_fail(SVMT_ECORRUPT, "region object truncated");
	}
	close(fd);
	if (rc) {
		free(buf);
		return rc;
	}
	/* Re-validate the copy we will read clients from. */
	rc = svmt_rhdr_validate((struct svmt_rhdr *)buf, hdr.data_off,
				(uint64_t)st.st_size, ns->root_name, ri->name);
	if (!rc && memcmp(buf, &hdr, offsetof(struct svmt_rhdr, nclients)))
		rc = svmt_fail(SVMT_ECORRUPT, "region header changed while read");
	if (rc) {
		free(buf);
		return rc;
	}
	memcpy(&hdr, buf, sizeof(hdr));
	ri->base = hdr.base;
	ri->size = hdr.size;
	ri->data_base = hdr.base + hdr.data_off;
	ri->data_size = hdr.data_size;
	ri->user_ctx = hdr.user_ctx;
	ri->generation = hdr.generation;
	ri->flags = hdr.flags;
	ri->ctime = hdr.ctime;
	ri->creator = hdr.creator.pid;
	/* The user's lock; when it is free, whoever holds the bookkeeping.
	 * Their words were checked before use, like every other field. */
	{
		struct svmt_lock_info meta;

		rc = svmt_lock_describe(&hdr.lock, &ri->lock);
		if (!rc)
			rc = svmt_lock_describe(&hdr.meta, &meta);
		if (rc) {
			free(buf);
			return rc;
		}
		if (!ri->lock.owner) {
			meta.recoveries += ri->lock.recoveries;
			ri->lock = meta;
		} else {
			ri->lock.recoveries += meta.recoveries;
		}
	}
	if (atomic_load(&hdr.state) != SVMT_RS_READY)
		ri->state = SVMT_STATE_REMOVING; /* published objects are READY */
	n = hdr.nclients;
	cl = (struct svmt_ident *)(buf + SVMT_CLIENTS_OFF);
	ri->clients = n ? calloc(n, sizeof(*ri->clients)) : NULL;
	if (n && !ri->clients) {
		free(buf);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		ri->clients[i].pid = cl[i].pid;
		ri->clients[i].start_time = cl[i].start;
		ri->clients[i].alive = svmt_client_alive(&cl[i], hdr.base);
		ri->nghosts += !ri->clients[i].alive;
	}
	ri->nclients = n;
	free(buf);
	return 0;
}

int svmt_region_peek(struct svmt_ns *ns, const char *name,
		     struct svmt_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->uid = (uid_t)-1;
	ri->gid = (gid_t)-1;
	snprintf(ri->name, sizeof(ri->name), "%s", name);
	return read_object(ns, ri, SVMT_ANY_OWNER);
}

static int cmp_info(const void *a, const void *b)
{
	return strcmp(((const struct svmt_region_info *)a)->name,
		      ((const struct svmt_region_info *)b)->name);
}

static int grow(struct svmt_region_info **v, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct svmt_region_info *nv = realloc(*v, nc * sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	memset(&(*v)[*n], 0, sizeof(**v));
	(*v)[*n].uid = (uid_t)-1;
	(*v)[*n].gid = (gid_t)-1;
	return 0;
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

/* Objects still under a creator's temporary name: INIT, outside the
 * directory, with the creator's pid. */
static int list_temps(struct svmt_ns *ns, struct svmt_region_info **v,
		      size_t *n, size_t *cap)
{
	struct svmt_tempobj *t = NULL;
	size_t nt = 0, i;
	int rc = svmt_obj_temps(ns, &t, &nt);

	for (i = 0; !rc && i < nt; i++) {
		struct svmt_ident cr = { .pid = t[i].pid };
		char file[SVMT_TMPNAME_MAX];
		struct svmt_region_info *ri;
		struct stat st;

		if (!t[i].name[0])
			continue; /* the namespace's own: recover's business */
		rc = grow(v, n, cap);
		if (rc)
			break;
		ri = &(*v)[(*n)++];
		memcpy(ri->name, t[i].name, sizeof(ri->name));
		ri->state = SVMT_STATE_INIT;
		ri->creator = cr.pid;
		ri->creator_alive = svmt_ident_alive(&cr);
		svmt_tempname(ns, &t[i], file);
		snprintf(ri->detail, sizeof(ri->detail), "not yet linked: %.*s",
			 (int)sizeof(ri->detail) - 17, file);
		if (fstatat(ns->dirfd, file, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			ri->mode = st.st_mode & 07777;
			ri->uid = st.st_uid;
			ri->gid = st.st_gid;
		}
	}
	free(t);
	return rc;
}

int svmt_list(svmt_ns *ns, struct svmt_region_info **out, size_t *count)
{
	struct svmt_root *copy;
	struct svmt_region_info *v = NULL;
	char (*objs)[SVMT_NAME_MAX + 1] = NULL;
	size_t n = 0, cap = 0, nobjs = 0, i;
	struct svmt_dir d;
	uint32_t s;
	int rc;

	svmt_clear_detail();
	*out = NULL;
	*count = 0;
	rc = svmt_root_snapshot(ns, &copy);
	if (rc)
		return rc;
	d.r = copy;
	d.g = &ns->g;
	for (s = 0; s < ns->g.slots; s++) {
		struct svmt_dirent *e = &svmt_dir_slots(&d)[s];
		struct svmt_region_info *ri;
		uint32_t st = atomic_load(&e->state);
		char nm[SVMT_NAME_MAX + 1];

		if (st == SVMT_ENT_EMPTY ||
		    !memchr(e->name, '\0', sizeof(e->name)) ||
		    svmt_name_norm(e->name, nm))
			continue;
		rc = grow(&v, &n, &cap);
		if (rc)
			goto fail;
		ri = &v[n++];
		memcpy(ri->name, nm, sizeof(nm));
		ri->in_directory = 1;
		ri->base = e->base;
		ri->size = e->size;
		ri->generation = e->generation;
		ri->flags = e->flags;
		if (st == SVMT_ENT_INIT) {
			ri->state = SVMT_STATE_INIT;
			ri->creator = e->creator.pid;
			ri->creator_alive = svmt_ident_alive(&e->creator);
			continue; /* its object is not published yet */
		}
		rc = read_object(ns, ri, SVMT_ANY_OWNER);
		if (rc == -ENOENT) {
			ri->state = SVMT_STATE_MISSING;
		} else if (rc == -ENOMEM) {
			goto fail;
		} else if (rc) {
			set_corrupt(ri, rc);
		} else if (ri->base != e->base || ri->size != e->size) {
			svmt_fail(SVMT_ECORRUPT, "object disagrees with the "
				  "directory");
			set_corrupt(ri, SVMT_ECORRUPT);
		} else if (ri->generation != e->generation ||
			   ri->state == SVMT_STATE_REMOVING) {
			/* An interrupted remove: the entry outlived it. */
			ri->state = SVMT_STATE_MISSING;
			snprintf(ri->detail, sizeof(ri->detail),
				 "object left by an interrupted removal");
		}
	}
	rc = svmt_obj_names(ns, &objs, &nobjs);
	if (rc)
		goto fail;
	for (i = 0; i < nobjs; i++) {
		struct svmt_region_info *ri;

		if (svmt_dir_find(&d, objs[i]))
			continue;
		rc = grow(&v, &n, &cap);
		if (rc)
			goto fail;
		ri = &v[n++];
		memcpy(ri->name, objs[i], sizeof(ri->name));
		rc = read_object(ns, ri, SVMT_ANY_OWNER);
		if (rc == -ENOMEM)
			goto fail;
		if (rc == -ENOENT) { /* removed meanwhile */
			n--;
			continue;
		}
		if (rc)
			set_corrupt(ri, rc);
		else
			ri->state = SVMT_STATE_ORPHAN;
	}
	rc = list_temps(ns, &v, &n, &cap);
	if (rc)
		goto fail;
	if (n)
		qsort(v, n, sizeof(*v), cmp_info);
	*out = v;
	*count = n;
	v = NULL;
	n = 0;
fail:
	svmt_list_free(v, n);
	free(objs);
	free(copy);
	return rc;
}

void svmt_list_free(struct svmt_region_info *ri, size_t count)
{
	size_t i;

	if (!ri)
		return;
	for (i = 0; i < count; i++)
		free(ri[i].clients);
	free(ri);
}
