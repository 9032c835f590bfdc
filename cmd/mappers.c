/*
 * mappers.c - which processes map an object right now, registered or not:
 * one pass over /proc/PID/maps matching the device and inode of the shared
 * mappings (MAP_SHARED, as the library and python's mmap map; a private
 * copy-on-write mapping shares nothing), asked with the PROCMAP_QUERY ioctl
 * where the kernel has it (Linux 6.11+: the kernel filters, no text is
 * made), read as text otherwise
 */
#include "svmtool-cmd.h"
#include "procmap.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Cleared at the first ENOTTY: the text it is, from then on. */
static int have_query = 1;

static int add_pid(struct cli_mappers *m, pid_t pid)
{
	pid_t *v;

	/* One process maps an object many times: count it once. */
	if (m->n && m->pids[m->n - 1] == pid)
		return 0;
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 4;

		v = realloc(m->pids, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		m->pids = v;
		m->cap = cap;
	}
	m->pids[m->n++] = pid;
	return 0;
}

/*
 * "00:1a 1234" of a maps line of a shared mapping: the mapped file's
 * device and inode; -1 for a private mapping or a line it cannot read.
 */
static int parse_line(const char *line, unsigned *maj, unsigned *mnr,
		      unsigned long long *ino)
{
	char perms[8];

	/* address perms offset dev inode [path] */
	if (sscanf(line, "%*s %7s %*s %x:%x %llu", perms, maj, mnr, ino) != 4)
		return -1;
	return perms[3] == 's' ? 0 : -1;
}

static int match(pid_t pid, struct cli_mapobj *objs, size_t n,
		 unsigned maj, unsigned mnr, unsigned long long ino)
{
	for (size_t i = 0; i < n; i++)
		if (objs[i].ino && objs[i].ino == ino &&
		    major(objs[i].dev) == maj &&
		    minor(objs[i].dev) == mnr)
			return add_pid(&objs[i].m, pid);
	return 0;
}

/*
 * The file-backed mappings of @fd (/proc/PID/maps) one ioctl each.  Returns
 * 0, a negative errno, or 1 when the kernel has no PROCMAP_QUERY.
 */
static int query_pid(int fd, pid_t pid, struct cli_mapobj *objs, size_t n)
{
	struct svmt_procmap_query q;
	int err = 0;

	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.query_flags = SVMT_PROCMAP_COVERING_OR_NEXT_VMA |
			SVMT_PROCMAP_FILE_BACKED_VMA | SVMT_PROCMAP_VMA_SHARED;
	while (!err) {
		q.vma_name_size = 0;
		q.build_id_size = 0;
		if (ioctl(fd, SVMT_PROCMAP_QUERY, &q) < 0)
			break;
		err = match(pid, objs, n, q.dev_major, q.dev_minor, q.inode);
		q.query_addr = q.vma_end;
	}
	if (err)
		return err;
	if (errno == ENOTTY || errno == EINVAL)
		return 1;
	return errno == ENOENT || errno == ESRCH ? 0 : -errno;
}

/* Match the mappings of process @pid against @objs. */
static int scan_pid(pid_t pid, struct cli_mapobj *objs, size_t n,
		    char **line, size_t *cap)
{
	char path[64];
	unsigned maj, mnr;
	unsigned long long ino;
	FILE *fp;
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? 0 : -EACCES;
	if (have_query) {
		err = query_pid(fd, pid, objs, n);
		if (err <= 0) {
			close(fd);
			return err;
		}
		have_query = 0;
		err = 0;
	}
	fp = fdopen(fd, "re");
	if (!fp) {
		close(fd);
		return -errno;
	}
	while (getline(line, cap, fp) > 0 && !err) {
		if (parse_line(*line, &maj, &mnr, &ino) == 0 && ino)
			err = match(pid, objs, n, maj, mnr, ino);
	}
	/* A process that cannot be read gives an empty file, not EACCES. */
	if (ferror(fp) && !err)
		err = -EACCES;
	fclose(fp);
	return err;
}

/*
 * Does nobody but us have @fd's file open or mapped?  The kernel grants a
 * write lease only then: it counts every open file, and a mapping keeps
 * its file open after the descriptor is closed.  One fcntl then spares the
 * walk over /proc.  The lease is held for two system calls; an opener in
 * that window waits for its release (or, with O_NONBLOCK, gets EAGAIN and
 * retries: svmt_obj_open() does), and the SIGIO its break would send us is
 * ignored meanwhile (by the caller).  Not the owner and no CAP_LEASE,
 * leases disabled, a file system without them: "cannot tell", and the
 * walk decides.
 */
static bool alone(int fd)
{
	if (fcntl(fd, F_SETLEASE, F_WRLCK))
		return false;
	fcntl(fd, F_SETLEASE, F_UNLCK);
	return true;
}

/*
 * @o's device and inode; with @lease, whether nobody else can map it.
 * 1 alone, 0 not or cannot tell, -1 gone (or no object).
 */
static int identify(struct cli_mapobj *o, bool lease)
{
	struct stat st;
	int fd, ret = -1;

	if (!o->path) /* given by its identity (dev, ino), or none */
		return o->ino ? 0 : -1;
	o->ino = 0;
	fd = open(o->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT && lstat(o->path, &st) == 0) {
		o->dev = st.st_dev; /* not ours to read: the walk decides */
		o->ino = st.st_ino;
		return 0;
	}
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		o->dev = st.st_dev;
		o->ino = st.st_ino;
		ret = lease && alone(fd);
	}
	close(fd);
	return ret;
}

/*
 * Up to this many objects, a lease each is cheaper than the walk (about
 * three system calls per process) it may spare.
 */
#define LEASE_MAX 32

int cli_find_mappers(struct cli_mapobj *objs, size_t n, unsigned *skipped)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	bool lease = n <= LEASE_MAX && !sigaction(SIGIO, &ign, &old);
	pid_t self = getpid();
	struct dirent *de;
	char *line = NULL;
	size_t cap = 0, pending = 0;
	DIR *d;
	int err = 0;

	*skipped = 0;
	for (size_t i = 0; i < n; i++) {
		int r = identify(&objs[i], lease && !pending);

		objs[i].m.n = 0;
		/* Gone or alone: nobody to find, and ino 0 matches none. */
		if (r == 0 && objs[i].ino)
			pending++;
		else
			objs[i].ino = 0;
	}
	if (lease)
		sigaction(SIGIO, &old, NULL);
	if (!pending)
		return 0;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d)) && !err) {
		char *end;
		long pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid == self)
			continue;
		err = scan_pid((pid_t)pid, objs, n, &line, &cap);
		if (err == -EACCES) {
			(*skipped)++;
			err = 0;
		}
	}
	closedir(d);
	free(line);
	return err;
}

void cli_mappers_free(struct cli_mapobj *objs, size_t n)
{
	for (size_t i = 0; objs && i < n; i++)
		free(objs[i].m.pids);
}

const char *cli_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	buf[0] = '\0';
	fp = fopen(path, "re");
	if (fp) {
		if (fgets(buf, (int)len, fp))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(fp);
	}
	for (char *p = buf; *p; p++)
		if (!isprint((unsigned char)*p))
			*p = '?';
	if (!buf[0])
		snprintf(buf, len, "?");
	return buf;
}

int cli_region_mappers(const struct cli_ctx *ctx,
		       const struct svmt_region_info *const *ri, size_t n,
		       struct cli_mapobj **objs, char **paths, unsigned *skipped)
{
	char buf[PATH_MAX];
	size_t plen;
	int err;

	/* Room for "DIR/svmt:ROOT:" and the longest name. */
	cli_object_path(ctx, "", buf, sizeof(buf));
	plen = strlen(buf) + SVMT_NAME_MAX + 1;
	*objs = calloc(n ? n : 1, sizeof(**objs));
	*paths = malloc((n ? n : 1) * plen);
	if (!*objs || !*paths) {
		cli_warn("cannot find who maps the regions: out of memory");
		return CLI_EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++) {
		/* Too many for leases: the identity the listing read is all
		 * the walk needs, no second look by path. */
		if (n > LEASE_MAX && SVMT_HAS_FIELD(ri[i], obj_ino) &&
		    ri[i]->obj_ino) {
			(*objs)[i].dev = (dev_t)ri[i]->obj_dev;
			(*objs)[i].ino = (ino_t)ri[i]->obj_ino;
			continue;
		}
		cli_object_path(ctx, ri[i]->name, *paths + i * plen, plen);
		(*objs)[i].path = *paths + i * plen;
	}
	err = cli_find_mappers(*objs, n, skipped);
	if (err < 0) {
		cli_warn("cannot find who maps the regions: %s",
			 cli_syserr(-err, buf, sizeof(buf)));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

const struct svmt_region_info **cli_list_items(const svmt_region_list *l,
					      size_t *n)
{
	const struct svmt_region_info **v;

	*n = svmt_list_count(l);
	v = calloc(*n + 1, sizeof(*v));
	for (size_t i = 0; v && i < *n; i++)
		v[i] = svmt_list_get(l, i);
	return v;
}

pid_t cli_foreign_mapper(const struct svmt_region_info *ri,
			 const struct cli_mappers *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (!cli_is_client(ri, m->pids[i]))
			return m->pids[i];
	return 0;
}

int cli_is_client(const struct svmt_region_info *ri, pid_t pid)
{
	for (uint32_t i = 0; i < ri->nclients; i++)
		if (ri->clients[i]->pid == pid && ri->clients[i]->alive)
			return 1;
	return 0;
}
