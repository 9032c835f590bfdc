/*
 * torture.c - kill at every crash point, and at random; recover; check
 *
 *   torture points               kill a workload at each crash point
 *   torture random [-s SEED] [-t SECONDS] [-w WORKERS]
 *                                 workers at random work (regions, locked
 *                                 writes, heap), a killer at random
 *
 * Built with the library's crash points (-DSVMT_CRASH_POINTS, make torture
 * and make check).  After every kill the namespace is repaired with
 * svmt_recover() in a fresh process, then read back by an independent
 * checker that uses pread only and none of the library's code: the free
 * list and the regions cover the span exactly, nothing overlaps, no entry
 * is left INIT, no lock has a dead or unrecorded owner, every object is in
 * the directory and every entry has its object, no temporary object is
 * left, a second recover finds nothing, and the payload a region's lock
 * guards is whole unless the lock says its holder died (the sticky flag).
 * While they run, a worker attached to a region checks that it is still in
 * the directory unless a forced removal ran meanwhile.
 * Every crash point is listed with what happened there; one the workload
 * never reaches fails the run, so a new path without a workload shows.
 * Each run uses its own shm directory and removes it.  Exit 0 when no
 * violation was found.
 */
#include "svmtool-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROOT "t"
#define SPAN (1ULL << 30)
#define PAYLOAD 4096u
#define OWNER_NOTRECOVERABLE 0x7ffffffe

static char dir[64];
static unsigned violations;
static bool quiet; /* the checker's self-test */

static void violation(const char *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void violation(const char *ctx, const char *fmt, ...)
{
	va_list ap;

	violations++;
	if (quiet)
		return;
	fprintf(stderr, "torture: %s: ", ctx);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "torture: %s: %s (%s)\n", what, svmt_strerror(err),
		svmt_errdetail());
	exit(2);
}

/* ------------------------------------------------------------ shm directory */

static void rm_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	rmdir(dir);
}

static void new_dir(void)
{
	snprintf(dir, sizeof(dir), "/dev/shm/svmt-torture.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("torture: mkdtemp");
		exit(2);
	}
}

static void opts(struct svmt_ns_opts *o, const char *root, unsigned flags)
{
	svmt_ns_opts_init(o);
	o->shm_dir = dir;
	o->root = root;
	o->flags = flags;
	o->span = SPAN;
	o->capacity = 16;
	o->timeout_ms = 2000;
}

static svmt_ns *ns_open(const char *root, unsigned flags)
{
	struct svmt_ns_opts o;
	svmt_ns *ns;
	int rc;

	opts(&o, root, flags);
	rc = svmt_ns_open(&o, &ns);
	if (rc)
		die("open namespace", rc);
	return ns;
}

/* ------------------------------------------------------------------ payload */

/* A region's data: [sum][bytes...]; sum = FNV-1a of the bytes. */
static uint64_t fnv(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--)
		h = (h ^ *p++) * 1099511628211ULL;
	return h;
}

static void payload_write(void *data, unsigned seed)
{
	unsigned char *p = (unsigned char *)data + 8;
	uint64_t sum;

	for (unsigned i = 0; i < PAYLOAD - 8; i++)
		p[i] = (unsigned char)(rand_r(&seed) >> 7);
	sum = fnv(p, PAYLOAD - 8);
	memcpy(data, &sum, sizeof(sum));
}

static bool payload_whole(const unsigned char *data)
{
	uint64_t sum;
	bool zero = true;

	memcpy(&sum, data, sizeof(sum));
	for (unsigned i = 0; i < PAYLOAD && zero; i++)
		zero = !data[i];
	return zero || sum == fnv(data + 8, PAYLOAD - 8);
}

/* Under the region lock: write a payload; after a dead holder, say the
 * data is whole again once rewritten. */
static int locked_write(svmt_region *r, unsigned seed)
{
	int rc = svmt_region_lock(r, 1, 2000);

	if (rc)
		return rc;
	payload_write(svmt_region_data(r), seed);
	if (svmt_region_lock_recovered(r))
		svmt_region_lock_ack(r);
	return svmt_region_unlock(r);
}

/* ------------------------------------------------------------------ checker */

static uint32_t word_at(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A lock as it lies in the file: free, its owner record empty. */
static void check_lock(const char *ctx, const struct svmt_shlock *l)
{
	uint32_t futex = word_at(l->u.bytes);
	uint32_t owner = word_at(l->u.bytes + 8);

	if (futex & FUTEX_TID_MASK)
		violation(ctx, "lock held by tid %u", futex & FUTEX_TID_MASK);
	if (futex & FUTEX_OWNER_DIED)
		violation(ctx, "lock's holder died, not recovered");
	if (owner == OWNER_NOTRECOVERABLE)
		violation(ctx, "lock not recoverable");
	if (word_at(&l->owner_pid))
		violation(ctx, "lock owner record %d left",
			  (int)word_at(&l->owner_pid));
}

static char *slurp(int dfd, const char *name, size_t *len)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && st.st_size > 0 &&
	    (buf = malloc((size_t)st.st_size)) &&
	    pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	*len = buf ? (size_t)st.st_size : 0;
	return buf;
}

struct used {
	uint64_t start, len;
	char name[SVMT_NAME_MAX + 1];
};

static int cmp_used(const void *a, const void *b)
{
	const struct used *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* A region object against its directory entry; its payload. */
static void check_region(int dfd, const char *root, const struct used *u,
			 uint64_t gen, bool payload)
{
	char file[160], ctx[96];
	size_t len;
	char *buf;
	const struct svmt_rhdr *h;

	snprintf(file, sizeof(file), SVMT_FILE_PREFIX "%s:%s", root, u->name);
	snprintf(ctx, sizeof(ctx), "region '%s'", u->name);
	buf = slurp(dfd, file, &len);
	if (!buf) {
		violation(ctx, "entry without an object");
		return;
	}
	h = (const struct svmt_rhdr *)buf;
	if (len < sizeof(*h) || memcmp(h->magic, SVMT_RGN_MAGIC, 8) ||
	    h->base != u->start || h->size != u->len || h->generation != gen ||
	    word_at(&h->state) != SVMT_RS_READY || h->data_off > len ||
	    h->data_size > len - h->data_off) {
		violation(ctx, "object disagrees with its entry");
		free(buf);
		return;
	}
	check_lock(ctx, &h->meta);
	check_lock(ctx, &h->lock);
	if (payload && h->data_size >= PAYLOAD &&
	    !payload_whole((unsigned char *)buf + h->data_off) &&
	    !(word_at(&h->lock.flags) & SVMT_LOCKF_DIED))
		violation(ctx, "payload torn and nobody told");
	free(buf);
}

/* The namespace @root of the shm directory, read with pread only. */
static void check_ns(const char *root)
{
	char file[96], ctx[96];
	const struct svmt_root *r;
	const struct svmt_dirent *s;
	const struct svmt_extent *f;
	struct used *u = NULL;
	uint64_t area, end, total = 0;
	uint32_t i, n = 0, nonempty = 0;
	size_t len;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *buf;
	DIR *d;
	struct dirent *de;

	snprintf(file, sizeof(file), SVMT_FILE_PREFIX "%s", root);
	snprintf(ctx, sizeof(ctx), "namespace '%s'", root);
	buf = slurp(dfd, file, &len);
	if (!buf) { /* none: then no region objects either (below) */
		goto objects;
	}
	r = (const struct svmt_root *)buf;
	if (len < sizeof(*r) || memcmp(r->magic, SVMT_ROOT_MAGIC, 8) ||
	    r->file_size != len || r->span <= len ||
	    r->dir_off + (uint64_t)r->slots * sizeof(*s) > len ||
	    r->free_off + (uint64_t)r->free_cap * sizeof(*f) > len ||
	    r->free_count > r->free_cap) {
		violation(ctx, "header inconsistent");
		goto objects;
	}
	check_lock(ctx, &r->lock);
	area = r->base + len;
	end = r->base + r->span;
	s = (const struct svmt_dirent *)(buf + r->dir_off);
	f = (const struct svmt_extent *)(buf + r->free_off);
	u = calloc(r->slots + r->free_cap + 1u, sizeof(*u));
	for (i = 0; u && i < r->slots; i++) {
		uint32_t st = word_at(&s[i].state);

		if (st == SVMT_ENT_EMPTY)
			continue;
		nonempty++;
		if (st != SVMT_ENT_READY) {
			violation(ctx, "entry '%.63s' left %s", s[i].name,
				  st == SVMT_ENT_INIT ? "INIT" : "in a bad state");
			continue;
		}
		u[n].start = s[i].base;
		u[n].len = s[i].size;
		snprintf(u[n].name, sizeof(u[n].name), "%.63s", s[i].name);
		if (u[n].start < area || u[n].len == 0 || u[n].start >= end ||
		    u[n].len > end - u[n].start)
			violation(ctx, "'%s' outside the span", u[n].name);
		check_region(dfd, root, &u[n], s[i].generation,
			     !strcmp(u[n].name, "keep") ||
				     !strncmp(u[n].name, "w", 1) ||
				     u[n].name[0] == 'r');
		total += u[n].len;
		n++;
	}
	if (nonempty != r->count)
		violation(ctx, "count %u, %u entries", r->count, nonempty);
	for (i = 0; u && i < r->free_count; i++) {
		if (f[i].start < area || f[i].len == 0 || f[i].start >= end ||
		    f[i].len > end - f[i].start)
			violation(ctx, "free extent outside the span");
		u[n + i].start = f[i].start;
		u[n + i].len = f[i].len;
		snprintf(u[n + i].name, sizeof(u[n + i].name), "(free)");
		total += f[i].len;
	}
	if (u) {
		n += r->free_count;
		qsort(u, n, sizeof(*u), cmp_used);
		for (i = 1; i < n; i++)
			if (u[i].start < u[i - 1].start + u[i - 1].len)
				violation(ctx, "'%s' and '%s' overlap",
					  u[i - 1].name, u[i].name);
	}
	if (total != end - area)
		violation(ctx, "free + used = 0x%" PRIx64 ", the area is 0x%"
			  PRIx64, total, end - area);
objects:
	/* Every object of this namespace is in its directory; no temporary
	 * object is left. */
	d = fdopendir(dfd);
	while (d && (de = readdir(d))) {
		size_t plen = strlen(file);
		bool found = false;

		if (strncmp(de->d_name, file, plen) || !de->d_name[plen])
			continue;
		if (strchr(de->d_name + plen, '~')) {
			violation(ctx, "temporary object '%s' left", de->d_name);
			continue;
		}
		if (de->d_name[plen] != ':')
			continue; /* another namespace */
		for (i = 0; u && i < n; i++)
			found |= !strcmp(u[i].name, de->d_name + plen + 1);
		if (!found)
			violation(ctx, "object '%s' not in the directory",
				  de->d_name);
	}
	if (d)
		closedir(d);
	else
		close(dfd);
	free(u);
	free(buf);
}

static void count_event(const struct svmt_event *ev, void *arg)
{
	(void)ev;
	(*(unsigned *)arg)++;
}

/* recover in a fresh process; then a dry run must find nothing. */
static void recover_and_check(const char *ctx)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		const char *roots[] = { ROOT, "t2" };
		unsigned found = 0;

		for (unsigned i = 0; i < 2; i++) {
			struct svmt_ns_opts o;
			svmt_ns *ns;

			opts(&o, roots[i], SVMT_NS_NOATTACH);
			if (svmt_ns_open(&o, &ns))
				continue;
			if (svmt_recover(ns, NULL, 0, 0, NULL, NULL))
				_exit(3);
			if (svmt_recover(ns, NULL, 0, SVMT_DRY_RUN, count_event,
					 &found))
				_exit(3);
			svmt_ns_close(ns);
		}
		_exit(found ? 4 : 0);
	}
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		violation(ctx, "recover %s", !WIFEXITED(st) ? "crashed"
				: WEXITSTATUS(st) == 4 ? "left something a dry run finds"
						       : "failed");
	check_ns(ROOT);
	check_ns("t2");
}

/* ------------------------------------------------------------- crash points */

static int init_block(void *data, uint64_t size, void *arg)
{
	(void)data;
	(void)size;
	(void)arg;
	kill(getpid(), SIGKILL); /* dies INIT: a half-created region */
	return 0;
}

/* Run @fn in a child; wait for it.  Its wait status. */
static int in_child(void (*fn)(void *), void *arg)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	return st;
}

static void region_make(svmt_ns *ns, const char *name, unsigned flags)
{
	struct svmt_region_opts ro;
	int rc;

	svmt_region_opts_init(&ro);
	ro.size = 3 * PAYLOAD;
	ro.flags = SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT | flags;
	rc = svmt_region_open(ns, name, &ro, NULL);
	if (rc)
		die(name, rc);
}

static svmt_region *attach(svmt_ns *ns, const char *name)
{
	svmt_region *r;
	int rc = svmt_region_open(ns, name, NULL, &r);

	if (rc)
		die(name, rc);
	return r;
}

enum setup_step { ST_KEEP, ST_GHOST, ST_DEADLOCK, ST_HALF, ST_NSDEAD };

static void setup_child(void *arg)
{
	enum setup_step step = *(enum setup_step *)arg;
	svmt_ns *ns = ns_open(ROOT, 0);
	struct svmt_region_opts ro;
	svmt_region *r;

	switch (step) {
	case ST_KEEP:
		r = attach(ns, "keep");
		payload_write(svmt_region_data(r), 42);
		svmt_region_close(r);
		break;
	case ST_GHOST: /* attached, then killed: a dead client */
		attach(ns, "keep");
		kill(getpid(), SIGKILL);
		break;
	case ST_DEADLOCK: /* holds the data lock of "dl", then killed */
		r = attach(ns, "dl");
		svmt_region_lock(r, 1, 0);
		kill(getpid(), SIGKILL);
		break;
	case ST_HALF:
		svmt_region_opts_init(&ro);
		ro.size = PAYLOAD;
		ro.flags = SVMT_REGION_CREATE;
		ro.init = init_block;
		svmt_region_open(ns, "half", &ro, &r);
		break;
	case ST_NSDEAD: /* holds the namespace lock, then killed */
		svmt_ns_lock(ns, SVMT_TAG_CREATE, NULL);
		kill(getpid(), SIGKILL);
		break;
	}
	svmt_ns_close(ns);
}

static void step(enum setup_step s)
{
	in_child(setup_child, &s);
}

/* Patch a u32 in an object behind the library's back. */
static void patch_u32(const char *file, uint64_t off, uint32_t v)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || pwrite(fd, &v, sizeof(v), (off_t)off) != sizeof(v)) {
		perror("torture: patch");
		exit(2);
	}
	close(fd);
}

/*
 * A namespace with something for every path to do: regions to keep, to
 * remove (the second between two holes, so that freeing it merges both), a
 * hole a new region fills exactly, a dead
 * client, a dead holder of a data lock, a half-created region, an orphan
 * object, an interrupted removal and a dead holder of the namespace lock.
 */
static void setup(void)
{
	svmt_ns *ns = ns_open(ROOT, SVMT_NS_CREATE | SVMT_NS_NOATTACH);
	char file[96], saved_path[192];
	size_t len;
	char *saved;
	int dfd;

	region_make(ns, "keep", 0);
	step(ST_KEEP);
	step(ST_GHOST);
	step(ST_HALF);                 /* a hole "w" fills exactly */
	region_make(ns, "ga", 0);      /* removed first, then "gb" between */
	region_make(ns, "gb", 0);      /* its hole and the one after it */
	region_make(ns, "hole", 0);
	region_make(ns, "dl", 0);
	region_make(ns, "intr", 0);
	step(ST_DEADLOCK);
	/* an orphan: the directory as it was before "orph" was made */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(file, sizeof(file), SVMT_FILE_PREFIX ROOT);
	saved = slurp(dfd, file, &len);
	region_make(ns, "orph", 0);
	snprintf(saved_path, sizeof(saved_path), "%s/%s", dir, file);
	{
		int fd = open(saved_path, O_WRONLY | O_CLOEXEC);

		if (!saved || fd < 0 ||
		    pwrite(fd, saved, len, 0) != (ssize_t)len) {
			perror("torture: orphan");
			exit(2);
		}
		close(fd);
	}
	free(saved);
	close(dfd);
	if (svmt_region_remove(ns, "hole", 0))
		die("remove hole", -EIO);
	/* an interrupted removal: its object says REMOVED */
	patch_u32(SVMT_FILE_PREFIX ROOT ":intr",
		  offsetof(struct svmt_rhdr, state), SVMT_RS_REMOVED);
	svmt_ns_close(ns);
	step(ST_NSDEAD);
}

/* A heap's paths: split, free alone and beside free neighbours, grow in
 * place, shrink; blocks too large for the per-process cache. */
static void heap_work(svmt_ns *ns)
{
	struct svmt_region_opts ro;
	svmt_region *r;
	void *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
	int rc;

	svmt_region_opts_init(&ro);
	ro.size = 256 * 1024;
	ro.flags = SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT | SVMT_REGION_HEAP;
	if ((rc = svmt_region_open(ns, "hp", &ro, &r)))
		die("create hp", rc);
	if ((rc = svmt_heap_alloc(r, 8192, &a)) || (rc = svmt_heap_alloc(r, 8192, &b)) ||
	    (rc = svmt_heap_alloc(r, 8192, &c)) || (rc = svmt_heap_alloc(r, 8192, &d)))
		die("heap alloc", rc);
	memset(a, 1, 8192);
	if ((rc = svmt_heap_free(r, b)) ||     /* between two in use */
	    (rc = svmt_heap_free(r, c)) ||     /* beside a free one */
	    (rc = svmt_heap_realloc(r, a, 12288, &a)) || /* grows in place */
	    (rc = svmt_heap_free(r, d)) ||     /* merges on both sides */
	    (rc = svmt_heap_calloc(r, 4, 4096, &e)) ||
	    (rc = svmt_heap_realloc(r, e, 8192, &e)) ||  /* shrinks */
	    (rc = svmt_heap_free(r, e)) || (rc = svmt_heap_free(r, a)))
		die("heap", rc);
	if ((rc = svmt_region_close(r)))
		die("close hp", rc);
}

/* What a program and an operator do: every state-changing path. */
static void workload(void *arg)
{
	const char *point = arg;
	struct svmt_region_opts ro;
	struct svmt_ns_opts o;
	svmt_ns *ns, *ns2;
	svmt_region *r;
	int rc;

	if (point && svmt_crash_arm(point, 0))
		_exit(5);
	ns = ns_open(ROOT, 0);
	if ((rc = svmt_scan(ns, NULL, 0, 0, NULL, NULL)))
		die("scan", rc);
	if ((rc = svmt_recover(ns, NULL, 0, 0, NULL, NULL)))
		die("recover", rc);
	svmt_region_opts_init(&ro);
	ro.size = PAYLOAD; /* the size of "half", which recover removed */
	ro.flags = SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT;
	if ((rc = svmt_region_open(ns, "w", &ro, &r)))
		die("create w", rc);
	if ((rc = locked_write(r, 7)))
		die("write w", rc);
	if ((rc = svmt_region_close(r)))
		die("close w", rc);
	ro.flags = SVMT_REGION_CREATE; /* destroyed by its last client */
	if ((rc = svmt_region_open(ns, "tmp", &ro, &r)))
		die("create tmp", rc);
	if ((rc = svmt_region_close(r)))
		die("close tmp", rc);
	heap_work(ns);
	if ((rc = svmt_region_remove(ns, "ga", 0)))
		die("remove ga", rc);
	if ((rc = svmt_region_remove(ns, "gb", 0)))
		die("remove gb", rc);
	svmt_ns_close(ns);
	opts(&o, "t2", SVMT_NS_CREATE | SVMT_NS_NOATTACH);
	if ((rc = svmt_ns_open(&o, &ns2)))
		die("create t2", rc);
	svmt_ns_close(ns2);
	if ((rc = svmt_ns_remove(&o)))
		die("remove t2", rc);
}

static int run_points(void)
{
	const char **names;
	size_t n = svmt_crash_points(&names), i;
	unsigned unreached = 0;
	int st;

	/* the checker sees what the setup broke (or it could not fail), and
	 * the workload runs whole on the setup */
	new_dir();
	setup();
	quiet = true;
	check_ns(ROOT);
	quiet = false;
	if (violations < 5) {
		fprintf(stderr, "torture: the checker found %u of the setup's "
			"problems\n", violations);
		return 1;
	}
	violations = 0;
	st = in_child(workload, NULL);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		violation("workload", "fails without a crash (status 0x%x)", st);
	recover_and_check("workload");
	rm_dir();
	for (i = 0; i < n; i++) {
		unsigned before = violations;

		new_dir();
		setup();
		st = in_child(workload, (void *)names[i]);
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
			recover_and_check(names[i]);
			printf("crash point %-32s killed, recovered, %s\n",
			       names[i], violations == before ? "consistent"
							       : "VIOLATION");
		} else {
			printf("crash point %-32s NOT REACHED (status 0x%x)\n",
			       names[i], st);
			unreached++;
		}
		rm_dir();
	}
	printf("torture: %zu crash points, %u not reached, %u violations\n",
	       n, unreached, violations);
	free(names);
	return violations || unreached || !n;
}

/* ------------------------------------------------------------------ random */

struct shared {
	_Atomic unsigned long ops;
	_Atomic unsigned long forcing; /* forced removals begun, not ended */
	_Atomic unsigned long forced;  /* forced removals begun */
	_Atomic unsigned long taken;   /* regions a plain removal took from
					  under a live client */
};

static struct shared *sh;

/*
 * A worker attached to @r: is it still the region its name leads to?  A
 * plain removal must refuse while we are attached (scan and recover
 * leave a live client's region alone too); only a forced one may take it,
 * and none may have run since @forced0 (none in flight then, @idle).
 */
static void check_still_there(svmt_ns *ns, svmt_region *r, bool idle,
			      unsigned long forced0)
{
	struct svmt_dir d = svmt_ns_dir(ns);
	struct svmt_dirent *e;
	bool there;

	if (svmt_ns_lock(ns, SVMT_TAG_INFO, NULL))
		return; /* cannot tell */
	e = svmt_dir_find(&d, r->name);
	there = e && e->generation == r->generation;
	svmt_ns_unlock(ns);
	if (!there && idle && atomic_load(&sh->forced) == forced0) {
		fprintf(stderr, "torture: random: '%s' was removed while "
			"attached, and nothing forced it\n", r->name);
		atomic_fetch_add(&sh->taken, 1);
	}
}

/* Attach @name (created as @ro says), write under its lock, check that
 * it stayed, detach. */
static void attached_work(svmt_ns *ns, const char *name,
			  const struct svmt_region_opts *ro, unsigned seed)
{
	bool idle = atomic_load(&sh->forcing) == 0;
	unsigned long forced0 = atomic_load(&sh->forced);
	svmt_region *r;

	if (svmt_region_open(ns, name, ro, &r))
		return;
	locked_write(r, seed);
	check_still_there(ns, r, idle, forced0);
	svmt_region_close(r);
}

/* A few heap allocations, reallocations and frees in the heap region. */
static void heap_random(svmt_ns *ns, unsigned *seed)
{
	struct svmt_region_opts ro;
	svmt_region *r;
	void *p[8] = { 0 };

	svmt_region_opts_init(&ro);
	ro.size = 256 * 1024;
	ro.flags = SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT | SVMT_REGION_HEAP;
	if (svmt_region_open(ns, "heap", &ro, &r))
		return;
	for (unsigned i = 0; i < 32; i++) {
		unsigned k = (unsigned)rand_r(seed) % 8;
		size_t n = 16 + (size_t)(rand_r(seed) % 16384);

		if (!p[k])
			svmt_heap_alloc(r, n, &p[k]);
		else if (rand_r(seed) % 2)
			svmt_heap_realloc(r, p[k], n, &p[k]);
		else if (!svmt_heap_free(r, p[k]))
			p[k] = NULL;
	}
	for (unsigned k = 0; k < 8; k++)
		if (p[k])
			svmt_heap_free(r, p[k]);
	svmt_region_close(r);
}

static void worker(unsigned seed)
{
	svmt_ns *ns = ns_open(ROOT, SVMT_NS_CREATE);
	char name[8];

	for (;;) {
		struct svmt_region_opts ro;
		unsigned op = (unsigned)rand_r(&seed) % 100;

		snprintf(name, sizeof(name), "r%u", (unsigned)rand_r(&seed) % 6);
		svmt_region_opts_init(&ro);
		if (op < 30) {
			ro.size = PAYLOAD * (1 + (uint64_t)(rand_r(&seed) % 8));
			ro.flags = SVMT_REGION_CREATE | (op < 20 ? SVMT_REGION_PERSISTENT : 0);
			attached_work(ns, name, &ro, seed);
		} else if (op < 70) {
			attached_work(ns, name, &ro, seed);
		} else if (op < 80) {
			svmt_region_remove(ns, name, 0);
		} else if (op < 85) {
			atomic_fetch_add(&sh->forcing, 1);
			atomic_fetch_add(&sh->forced, 1);
			svmt_region_remove(ns, name, SVMT_REMOVE_FORCE);
			atomic_fetch_sub(&sh->forcing, 1);
		} else if (op < 90) {
			svmt_scan(ns, NULL, 0, SVMT_SCAN_DESTROY_EMPTY, NULL, NULL);
		} else if (op < 97) {
			heap_random(ns, &seed);
		} else {
			svmt_recover(ns, NULL, 0, 0, NULL, NULL);
		}
		atomic_fetch_add(&sh->ops, 1);
	}
}

static pid_t spawn(unsigned seed)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		worker(seed);
		_exit(0);
	}
	return pid;
}

static int run_random(unsigned seed, unsigned seconds, unsigned nworkers)
{
	pid_t kids[64];
	unsigned kills = 0, rounds = 0, s = seed;
	struct timespec t0, now;

	if (nworkers > 64)
		nworkers = 64;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;
	new_dir();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		/* a round: workers and a killer, then everything stops, and
		 * recover and the checker have their say */
		/* a remover killed mid-way stays "in flight" for its round */
		atomic_store(&sh->forcing, 0);
		for (unsigned i = 0; i < nworkers; i++)
			kids[i] = spawn((unsigned)rand_r(&s));
		for (unsigned k = 0; k < 20; k++) {
			struct timespec nap = { 0, (long)(1 + rand_r(&s) % 20) * 1000000L };
			unsigned v = (unsigned)rand_r(&s) % nworkers;

			nanosleep(&nap, NULL);
			kill(kids[v], SIGKILL);
			waitpid(kids[v], NULL, 0);
			kills++;
			kids[v] = spawn((unsigned)rand_r(&s));
		}
		for (unsigned i = 0; i < nworkers; i++) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
			kills++;
		}
		if (atomic_exchange(&sh->taken, 0))
			violation("random", "a plain removal took a region from "
				  "under a live client");
		recover_and_check("random");
		rounds++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - t0.tv_sec < (time_t)seconds && !violations);
	rm_dir();
	printf("torture: seed %u, %u workers, %u rounds: %lu operations, %u kills, "
	       "%u recoveries, %u violations\n", seed, nworkers, rounds,
	       atomic_load(&sh->ops), kills, rounds, violations);
	return violations != 0;
}

int main(int argc, char **argv)
{
	unsigned seed = (unsigned)time(NULL), seconds = 3, workers = 4;
	int c;

	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "points"))
		return run_points();
	if (strcmp(argv[1], "random"))
		goto usage;
	optind = 2;
	while ((c = getopt(argc, argv, "s:t:w:")) != -1) {
		switch (c) {
		case 's': seed = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': seconds = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'w': workers = (unsigned)strtoul(optarg, NULL, 10); break;
		default: goto usage;
		}
	}
	if (!workers)
		goto usage;
	return run_random(seed, seconds, workers);
usage:
	fprintf(stderr, "usage: torture points | torture random [-s SEED] "
		"[-t SECONDS] [-w WORKERS]\n");
	return 2;
}
