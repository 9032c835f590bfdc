/*
 * bench-cli.c - the svmtool command as a whole process: list at 100, 1k
 * and 10k regions (B3), list of an empty namespace (B10), and how create,
 * list NAME, list -J -o +PIDS and list's memory grow with the namespace;
 * a 1,000-line batch against the same 1,000 library calls (B10)
 *
 * Each side is a process started and reaped here (posix_spawn, wait4),
 * its output thrown away.  The floor of a listing is this same program
 * run as "bench-cli floor FORMAT DIR ROOT": readdir, one pread of each
 * header, the same output (checked byte for byte before measuring: a
 * difference stops the run).  It reads the header layout through the
 * private header: it is a floor, not a client of the library.
 */
#include "bench.h"
#include "svmtool-private.h"
#include "procmap.h"

#include <dirent.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

extern char **environ;

static const char *svmtool = "cmd/svmtool";
static char self[4096];

/* ------------------------------------------------------------ the floor */

/*
 * The floor prints what svmtool prints for the regions the bench makes
 * (ready, persistent, no client, locks free) and refuses anything else
 * (exit 2; 3 when it cannot read): a floor that printed less would not be
 * a floor.  Its work is what the output needs and no more: the namespace
 * header (and for -v its free extents), then per region openat + fstat +
 * one pread of the header;
 * one name lookup per distinct owner and group; for the MAPPERS column and
 * -v's "mapped by", one pass over /proc/PID/maps with PROCMAP_QUERY (the
 * maps text where the kernel has no such ioctl).
 */
struct fent {
	char name[SVMT_NAME_MAX + 1];
	struct svmt_rhdr h;
	struct stat st;
	size_t nmap;            /* processes mapping it */
	pid_t map[8];
};

static const char *floor_dir, *floor_root;
static unsigned floor_skipped;  /* processes whose maps are not readable */

static _Noreturn void floor_refuse(const char *name, const char *why)
{
	fprintf(stderr, "bench-cli floor: '%s': %s: the floor prints only "
		"ready persistent regions without clients, locks free\n",
		name, why);
	exit(2);
}

static int fent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fent *)a)->name,
		      ((const struct fent *)b)->name);
}

static int fent_ino_cmp(const void *a, const void *b)
{
	const struct fent *x = *(const struct fent *const *)a;
	const struct fent *y = *(const struct fent *const *)b;

	return (x->st.st_ino > y->st.st_ino) - (x->st.st_ino < y->st.st_ino);
}

/* One getpwuid/getgrgid per distinct id (the bench has one of each). */
static const char *user_name(uid_t uid, bool *found)
{
	static char buf[64];
	static uid_t cached = (uid_t)-1;
	static bool known;
	struct passwd *pw;

	if (uid != cached) {
		pw = getpwuid(uid);
		known = pw != NULL;
		snprintf(buf, sizeof(buf), "%s", pw ? pw->pw_name : "");
		cached = uid;
	}
	*found = known;
	return buf;
}

static const char *group_name(gid_t gid, bool *found)
{
	static char buf[64];
	static gid_t cached = (gid_t)-1;
	static bool known;
	struct group *gr;

	if (gid != cached) {
		gr = getgrgid(gid);
		known = gr != NULL;
		snprintf(buf, sizeof(buf), "%s", gr ? gr->gr_name : "");
		cached = gid;
	}
	*found = known;
	return buf;
}

static void perms(mode_t m, char out[10])
{
	const char *x = "rwxrwxrwx";

	for (int i = 0; i < 9; i++)
		out[i] = m & (1u << (8 - i)) ? x[i] : '-';
	out[9] = '\0';
}

/* "4.4M": one decimal, rounded half up, none when it is 0; "512B". */
static const char *human(uint64_t v, char *buf, size_t len)
{
	static const char unit[] = "KMGTPE";
	int shift = 10, u = 0;
	uint64_t whole, tenths;

	if (v < 1024) {
		snprintf(buf, len, "%" PRIu64 "B", v);
		return buf;
	}
	while (u < 5 && v >> shift >= 1024) {
		shift += 10;
		u++;
	}
	whole = v >> shift;
	tenths = ((v & ((1ULL << shift) - 1)) * 10 + (1ULL << (shift - 1))) >>
		 shift;
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	if (tenths)
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "%c", whole, tenths,
			 unit[u]);
	else
		snprintf(buf, len, "%" PRIu64 "%c", whole, unit[u]);
	return buf;
}

/* ISO 8601, the offset as +HH:MM. */
static const char *iso_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	size_t n;

	buf[0] = '\0';
	if (t <= 0 || !localtime_r(&tt, &tm))
		return buf;
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm);
	if (n >= 5 && n + 2 <= len) {
		memmove(buf + n - 1, buf + n - 2, 3);
		buf[n - 2] = ':';
	}
	return buf;
}

/* The futex word of a robust mutex: its owner's tid and the died bit. */
static uint32_t futex_word(const struct svmt_shlock *l)
{
	uint32_t w;

	memcpy(&w, l->u.bytes, sizeof(w));
	return w;
}

static bool lock_free(const struct svmt_shlock *l)
{
	return !futex_word(l) && !l->owner_pid && !l->recoveries;
}

/* A region the floor can print, or refused. */
static void floor_check(const struct fent *e)
{
	const struct svmt_rhdr *h = &e->h;

	if (memcmp(h->magic, SVMT_RGN_MAGIC, sizeof(h->magic)) || h->state != SVMT_RS_READY)
		floor_refuse(e->name, "not a ready region");
	if (h->flags != SVMT_RF_PERSISTENT || !h->data_size)
		floor_refuse(e->name, "flags other than persistent");
	if (h->nclients)
		floor_refuse(e->name, "clients");
	if (!lock_free(&h->lock) || !lock_free(&h->meta))
		floor_refuse(e->name, "a lock not free");
}

/* @pid maps (@maj:@mnr, @ino) shared: note it against the region. */
static void floor_match(struct fent **byino, size_t n, pid_t pid,
			unsigned maj, unsigned mnr, uint64_t ino)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct fent *e = byino[mid];

		if (e->st.st_ino == ino) {
			if (major(e->st.st_dev) == maj &&
			    minor(e->st.st_dev) == mnr &&
			    (!e->nmap || e->map[e->nmap - 1] != pid)) {
				if (e->nmap == 8)
					floor_refuse(e->name, "many mappers");
				e->map[e->nmap++] = pid;
			}
			return;
		}
		if (e->st.st_ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
}

/* The maps text of @fd (a kernel without PROCMAP_QUERY). */
static void floor_maps_text(int fd, struct fent **byino, size_t n, pid_t pid)
{
	FILE *f = fdopen(dup(fd), "re");
	char line[512], p[8];
	unsigned maj, mnr;
	unsigned long long ino;

	if (!f)
		exit(3);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %7s %*s %x:%x %llu", p, &maj, &mnr,
			   &ino) == 4 && p[3] == 's' && ino)
			floor_match(byino, n, pid, maj, mnr, ino);
	if (ferror(f))
		floor_skipped++;
	fclose(f);
}

/* Who maps which region: every process's shared file mappings. */
static void floor_mappers(struct fent *v, size_t n)
{
	struct fent **byino = malloc((n ? n : 1) * sizeof(*byino));
	pid_t me = getpid();
	struct dirent *de;
	DIR *d = opendir("/proc");

	if (!byino || !d)
		exit(3);
	for (size_t i = 0; i < n; i++)
		byino[i] = &v[i];
	qsort(byino, n, sizeof(*byino), fent_ino_cmp);
	while ((de = readdir(d))) {
		struct svmt_procmap_query q;
		char path[64];
		long pid = atol(de->d_name);
		int fd;

		if (pid <= 0 || pid == me)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/maps", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			floor_skipped += errno != ENOENT && errno != ESRCH;
			continue;
		}
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.query_flags = SVMT_PROCMAP_COVERING_OR_NEXT_VMA |
				SVMT_PROCMAP_FILE_BACKED_VMA |
				SVMT_PROCMAP_VMA_SHARED;
		while (ioctl(fd, SVMT_PROCMAP_QUERY, &q) == 0) {
			floor_match(byino, n, (pid_t)pid, q.dev_major,
				    q.dev_minor, q.inode);
			q.query_addr = q.vma_end;
		}
		if (errno == ENOTTY || errno == EINVAL)
			floor_maps_text(fd, byino, n, (pid_t)pid);
		else if (errno == EACCES)
			floor_skipped++;
		close(fd);
	}
	closedir(d);
	free(byino);
}

static const char *comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
	if (!buf[0])
		snprintf(buf, len, "?");
	return buf;
}

/* list -v's head: the namespace object's header and free extents. */
static void floor_ns_head(int dfd)
{
	char obj[SVMT_NAME_MAX + 8], a[40], b[40], c[40], t[40], p[10];
	struct svmt_extent *ext;
	struct svmt_root r;
	struct stat st;
	uint64_t free_bytes = 0, largest = 0;
	const char *user, *group;
	bool uk, gk;
	int fd;

	snprintf(obj, sizeof(obj), "svmt:%s", floor_root);
	fd = openat(dfd, obj, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) ||
	    pread(fd, &r, sizeof(r), 0) != sizeof(r))
		exit(3);
	if (!lock_free(&r.lock) || r.free_count > r.free_cap)
		floor_refuse(obj, "a lock not free");
	ext = malloc(r.free_count * sizeof(*ext) + 1);
	if (!ext || pread(fd, ext, r.free_count * sizeof(*ext),
			  (off_t)r.free_off) !=
			    (ssize_t)(r.free_count * sizeof(*ext)))
		exit(3);
	close(fd);
	for (uint32_t i = 0; i < r.free_count; i++) {
		free_bytes += ext[i].len;
		if (ext[i].len > largest)
			largest = ext[i].len;
	}
	free(ext);
	printf("namespace %s: base va 0x%016" PRIx64 " span 0x%" PRIx64
	       " (%s)\n", floor_root, r.base, r.span,
	       human(r.span, a, sizeof(a)));
	printf("  used %s, free %s, largest free extent %s (%u free extent%s)"
	       "\n", human(r.span - free_bytes, a, sizeof(a)),
	       human(free_bytes, b, sizeof(b)), human(largest, c, sizeof(c)),
	       r.free_count, r.free_count == 1 ? "" : "s");
	printf("  directory: %u of %u regions\n  lock: free\n", r.count,
	       r.capacity);
	user = user_name(st.st_uid, &uk);
	group = group_name(st.st_gid, &gk);
	perms(st.st_mode, p);
	iso_time(r.ctime, t, sizeof(t));
	printf("  owner %s%s%u%s, group %s%s%u%s, perms %s, created %s\n",
	       user, uk ? " (uid " : "uid ", (unsigned)st.st_uid, uk ? ")" : "",
	       group, gk ? " (gid " : "gid ", (unsigned)st.st_gid, gk ? ")" : "",
	       p, t[0] ? t : "-");
	printf("  object %s/%s\n", floor_dir, obj);
}

static void floor_verbose(const struct fent *e)
{
	const struct svmt_rhdr *h = &e->h;
	char cm[32];

	printf("%s: base va 0x%016" PRIx64 " size 0x%" PRIx64 " ", e->name,
	       h->base, h->size);
	if (h->size >= (1ULL << 20))
		printf("(%" PRIu64 " mb)", h->size >> 20);
	else if (h->size >= (1ULL << 10))
		printf("(%" PRIu64 " kb)", h->size >> 10);
	else
		printf("(%" PRIu64 " bytes)", h->size);
	printf("\n  user_ctx 0x%" PRIx64 ", generation %" PRIu64 "\n"
	       "  flags: 0x%x PERSISTENT\n"
	       "  data_base 0x%016" PRIx64 " data_size 0x%" PRIx64 "\n"
	       "  0 clients, pids:\n  lock: free\n"
	       "  VM in use:\n    0x%016" PRIx64 " - 0x%016" PRIx64
	       " (%" PRIu64 "k)\n  mapped by:", h->user_ctx, h->generation,
	       h->flags, h->base + h->data_off, h->data_size, h->base,
	       h->base + h->size - 1, h->size >> 10);
	for (size_t i = 0; i < e->nmap; i++)
		printf(" %d(%s, not a client)", (int)e->map[i],
		       comm(e->map[i], cm, sizeof(cm)));
	if (!e->nmap)
		fputs(" none", stdout);
	if (floor_skipped)
		printf(" (%u process%s not readable)", floor_skipped,
		       floor_skipped == 1 ? "" : "es");
	putchar('\n');
}

/* -J (every column) or -J -o +PIDS (the default ones, then pids). */
static void floor_json(const struct fent *e, bool all)
{
	const struct svmt_rhdr *h = &e->h;
	const char *user, *group;
	char p[10], t[40];
	bool uk, gk;

	perms(e->st.st_mode, p);
	user = user_name(e->st.st_uid, &uk);
	printf("      {\n"
	       "         \"name\": \"%s\",\n"
	       "         \"base\": %" PRIu64 ",\n"
	       "         \"size\": %" PRIu64 ",\n", e->name, h->base,
	       h->data_size);
	if (all)
		printf("         \"data_size\": %" PRIu64 ",\n", h->data_size);
	printf("         \"clients\": [],\n"
	       "         \"ghosts\": 0,\n");
	if (all)
		printf("         \"pids\": [],\n");
	printf("         \"lock\": \"free\",\n"
	       "         \"state\": \"ready\",\n");
	if (all)
		printf("         \"flags\": \"persistent\",\n");
	printf("         \"perms\": \"%s\",\n", p);
	if (uk)
		printf("         \"owner\": \"%s\"", user);
	else
		printf("         \"owner\": \"%u\"", (unsigned)e->st.st_uid);
	if (!all) {
		printf(",\n         \"pids\": []\n      }");
		return;
	}
	group = group_name(e->st.st_gid, &gk);
	if (gk)
		printf(",\n         \"group\": \"%s\",\n", group);
	else
		printf(",\n         \"group\": \"%u\",\n", (unsigned)e->st.st_gid);
	iso_time(h->ctime, t, sizeof(t));
	if (t[0])
		printf("         \"ctime\": \"%s\",\n", t);
	else
		printf("         \"ctime\": null,\n");
	printf("         \"gen\": %" PRIu64 ",\n"
	       "         \"heap_size\": null,\n"
	       "         \"heap_used\": null,\n"
	       "         \"heap_free\": null,\n"
	       "         \"file\": null,\n"
	       "         \"extent\": %" PRIu64 ",\n"
	       "         \"data_base\": %" PRIu64 ",\n"
	       "         \"data_offset\": %" PRIu64 ",\n"
	       "         \"path\": \"%s/svmt:%s:%s\",\n"
	       "         \"mappers\": %zu,\n"
	       "         \"mapper_pids\": [", h->generation, h->size,
	       h->base + h->data_off, h->data_off, floor_dir, floor_root,
	       e->name, e->nmap);
	for (size_t i = 0; i < e->nmap; i++)
		printf("%s%d", i ? ", " : "", (int)e->map[i]);
	printf("]\n      }");
}

/* readdir, then openat + fstat + pread of each region's header. */
static int floor_main(const char *format, const char *dir, const char *root)
{
	bool verbose = !strcmp(format, "-v");
	bool all = !strcmp(format, "-J");
	char prefix[SVMT_NAME_MAX + 8];
	struct fent *v = NULL;
	size_t n = 0, cap = 0, plen;
	struct dirent *de;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	floor_dir = dir;
	floor_root = root;
	snprintf(prefix, sizeof(prefix), "svmt:%s:", root);
	plen = strlen(prefix);
	d = dfd < 0 ? NULL : fdopendir(dup(dfd));
	if (!d)
		return 3;
	while ((de = readdir(d))) {
		struct fent *e;
		int fd;

		if (strncmp(de->d_name, prefix, plen))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				return 3;
		}
		e = &v[n];
		snprintf(e->name, sizeof(e->name), "%s", de->d_name + plen);
		e->nmap = 0;
		fd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &e->st) ||
		    pread(fd, &e->h, sizeof(e->h), 0) != sizeof(e->h))
			return 3;
		close(fd);
		floor_check(e);
		n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), fent_cmp);
	if (verbose || all)
		floor_mappers(v, n);
	if (verbose) {
		floor_ns_head(dfd);
		for (size_t i = 0; i < n; i++) {
			putchar('\n');
			floor_verbose(&v[i]);
		}
	} else {
		printf("{\n   \"regions\": [");
		for (size_t i = 0; i < n; i++) {
			printf("%s\n", i ? "," : "");
			floor_json(&v[i], all);
		}
		printf(n ? "\n   ]\n}\n" : "]\n}\n");
	}
	free(v);
	return 0;
}

/* ------------------------------------------------------------ processes */

struct cmd {
	const char *argv[16];
	long maxrss_kb;         /* of the last run */
};

/*
 * Start @c with its output to @out (NULL: /dev/null), wait for it.  With
 * @own_mm the child is a fork, not a vfork: a vfork child's peak memory
 * would count ours, a fork's counts only what we have resident now (this
 * process stays small: the namespaces are filled in a child).
 */
static double run_mm(struct cmd *c, const char *out, bool own_mm)
{
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	double t0;
	pid_t pid;
	int st, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	t0 = bench_now_ns();
	if (own_mm) {
		pid = fork();
		if (pid == 0) {
			int in = open("/dev/null", O_RDONLY);
			int o = open(out ? out : "/dev/null",
				     O_WRONLY | O_CREAT | O_TRUNC, 0600);

			if (in < 0 || o < 0 || dup2(in, 0) < 0 ||
			    dup2(o, 1) < 0)
				_exit(127);
			execve(c->argv[0], (char **)c->argv, environ);
			_exit(127);
		}
		rc = pid < 0 ? errno : 0;
	} else {
		rc = posix_spawn(&pid, c->argv[0], &fa, NULL, (char **)c->argv,
				 environ);
	}
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		bench_die(c->argv[0], rc);
	if (wait4(pid, &st, 0, &ru) != pid)
		bench_die("wait4", errno);
	t0 = bench_now_ns() - t0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) > 1) {
		fprintf(stderr, "bench: %s %s: status 0x%x\n", c->argv[0],
			c->argv[1] ? c->argv[1] : "", st);
		exit(1);
	}
	c->maxrss_kb = ru.ru_maxrss;
	return t0;
}

static double run(struct cmd *c, const char *out)
{
	return run_mm(c, out, false);
}

static double run_n(void *p, long n)
{
	double t = 0;

	for (long i = 0; i < n; i++)
		t += run(p, NULL);
	return t;
}

/* One run; its peak memory in "ns" units (the harness's number). */
static double run_rss(void *p, long n)
{
	struct cmd *c = p;

	(void)n;
	run_mm(c, NULL, true);
	return (double)c->maxrss_kb;
}

/* svmtool --shm-dir DIR -R ROOT words... */
static void svm(struct cmd *c, const char *root, const char *w1,
		const char *w2, const char *w3, const char *w4)
{
	const char *words[] = { w1, w2, w3, w4 };
	int k = 0;

	memset(c, 0, sizeof(*c));
	c->argv[k++] = svmtool;
	c->argv[k++] = "--shm-dir";
	c->argv[k++] = bench_dir;
	c->argv[k++] = "-R";
	c->argv[k++] = root;
	for (int i = 0; i < 4 && words[i]; i++)
		c->argv[k++] = words[i];
}

static void floor_cmd(struct cmd *c, const char *format, const char *root)
{
	memset(c, 0, sizeof(*c));
	c->argv[0] = self;
	c->argv[1] = "floor";
	c->argv[2] = format;
	c->argv[3] = bench_dir;
	c->argv[4] = root;
}

static void plain(struct cmd *c, const char *a0, const char *a1)
{
	memset(c, 0, sizeof(*c));
	c->argv[0] = a0;
	c->argv[1] = a1;
}

/*
 * A floor that does not print what svmtool prints measures something else:
 * show the difference and stop the run (exit 1).
 */
static void same_output(struct cmd *a, struct cmd *b, const char *what)
{
	char fa[128], fb[128], cmp[640];

	snprintf(fa, sizeof(fa), "%s/out.a", bench_dir);
	snprintf(fb, sizeof(fb), "%s/out.b", bench_dir);
	run(a, fa);
	run(b, fb);
	snprintf(cmp, sizeof(cmp), "cmp -s '%s' '%s' || { diff -u '%s' '%s' | "
		 "head -40 >&2; exit 1; }", fa, fb, fa, fb);
	if (system(cmp) != 0) {
		fprintf(stderr, "bench: %s: the floor's output differs from "
			"svmtool's (above: svmtool -, floor +)\n", what);
		exit(1);
	}
	unlink(fa);
	unlink(fb);
}

/* -------------------------------------------------------- create growth */

struct create {
	struct cmd mk, rm;
};

/* svmtool create, timed; the unmap that undoes it is not. */
static double create_n(void *p, long n)
{
	struct create *c = p;
	double t = 0;

	for (long i = 0; i < n; i++) {
		t += run(&c->mk, NULL);
		run(&c->rm, NULL);
	}
	return t;
}

/* B10's empty namespace alone in a directory: what listing it costs
 * without the other rows' objects to read past. */
static char alone_dir[128];

static void make_ns_in(const char *dir, const char *root, int idx, long n,
		       uint32_t capacity)
{
	struct svmt_ns_opts o;
	svmt_ns *ns;
	int rc;

	bench_ns_opts(&o, root, idx, SVMT_NS_CREATE | SVMT_NS_NOATTACH,
		      capacity);
	o.shm_dir = dir;
	rc = svmt_ns_open(&o, &ns);
	if (rc)
		bench_die("namespace", rc);
	bench_fill(ns, n, 4096);
	svmt_ns_close(ns);
}

static void make_ns(const char *root, int idx, long n, uint32_t capacity)
{
	make_ns_in(bench_dir, root, idx, n, capacity);
}

/* Objects in the shared directory. */
static long count_objects(void)
{
	DIR *d = opendir(bench_dir);
	struct dirent *e;
	long n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* Runs per round of a listing of @n regions: fewer of the slow ones. */
static long per_size(long n)
{
	return bench_iters(n >= 10000 ? 30 : 100) / 10;
}

/* ------------------------------------------------------ B10 the batch */

#define BATCH_LINES 1000

/* The batch: create b0.. then unmap them, BATCH_LINES lines in all. */
static void write_batch(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		bench_die(path, errno);
	for (int i = 0; i < BATCH_LINES / 2; i++)
		fprintf(f, "create b%d -s 4K\n", i);
	for (int i = 0; i < BATCH_LINES / 2; i++)
		fprintf(f, "unmap b%d\n", i);
	if (fclose(f))
		bench_die(path, errno);
}

/* "bench-cli calls DIR ROOT": the batch's work as BATCH_LINES library
 * calls in one process. */
static int calls_main(const char *dir, const char *root)
{
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	svmt_ns *ns;
	char name[32];
	int rc;

	svmt_ns_opts_init(&o);
	o.shm_dir = dir;
	o.root = root;
	o.flags = SVMT_NS_NOATTACH;
	rc = svmt_ns_open(&o, &ns);
	svmt_region_opts_init(&ro);
	ro.size = 4096;
	ro.flags = SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT |
		   SVMT_REGION_EXCL;
	for (int i = 0; !rc && i < BATCH_LINES / 2; i++) {
		snprintf(name, sizeof(name), "b%d", i);
		rc = svmt_region_open(ns, name, &ro, NULL);
	}
	for (int i = 0; !rc && i < BATCH_LINES / 2; i++) {
		snprintf(name, sizeof(name), "b%d", i);
		rc = svmt_region_remove(ns, name, 0);
	}
	if (!rc)
		svmt_ns_close(ns);
	return rc ? 1 : 0;
}

static const char *kb(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f MB", v / 1024);
	return buf;
}

int main(int argc, char **argv)
{
	static const long sizes[] = { 100, 1000, 10000 };
	static const char *roots[] = { "n100", "n1k", "n10k" };
	struct cmd a, b;
	struct create cr10, crn;
	char what[80], batch[128], nop[4096 + 16];
	int nsizes = 3, st;

	if (argc == 5 && !strcmp(argv[1], "floor"))
		return floor_main(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "calls"))
		return calls_main(argv[2], argv[3]);
	if (getenv("SVMTOOL"))
		svmtool = getenv("SVMTOOL");
	if (!realpath("/proc/self/exe", self))
		bench_die("realpath", errno);
	bench_init("bench-cli");
	if (bench_quick)
		nsizes = 2;
	snprintf(alone_dir, sizeof(alone_dir), "%s/alone", bench_dir);
	if (mkdir(alone_dir, 0700))
		bench_die(alone_dir, errno);
	if (fork() == 0) { /* our own peak memory stays small */
		make_ns_in(alone_dir, "empty", 0, 0, 0);
		make_ns("empty", 0, 0, 0);
		make_ns("n10", 1, 10, 16384);
		make_ns("n10small", 2, 10, 256);
		make_ns("n10big", 3, 10, SVMT_MAX_CAPACITY);
		make_ns("batch", 4, 0, 1024);
		for (int s = 0; s < nsizes; s++)
			make_ns(roots[s], 5 + s, sizes[s], 16384);
		_exit(0);
	}
	if (wait(&st) < 0 || st)
		bench_die("setup", EIO);
	printf("namespaces of capacity 16384 unless said\n");

	bench_header("svmtool list (bench-cli, whole processes)");
	for (int s = 0; s < nsizes; s++) {
		svm(&a, roots[s], "list", "-v", NULL, NULL);
		floor_cmd(&b, "-v", roots[s]);
		snprintf(what, sizeof(what), "list -v, %ld regions", sizes[s]);
		same_output(&a, &b, what);
		bench_pair("B3", what, run_n, &a, run_n, &b, per_size(sizes[s]), 1,
			   "<= 1.3x the floor", false);
	}
	for (int s = 0; s < nsizes; s++) {
		svm(&a, roots[s], "list", "-J", NULL, NULL);
		floor_cmd(&b, "-J", roots[s]);
		snprintf(what, sizeof(what), "list -J, %ld regions", sizes[s]);
		same_output(&a, &b, what);
		bench_pair("B3", what, run_n, &a, run_n, &b, per_size(sizes[s]), 1,
			   "<= 1.3x the floor", false);
	}
	svm(&a, roots[0], "list", NULL, NULL, NULL);
	plain(&b, "/usr/bin/lsipc", "-m");
	bench_pair("B3", "list, 100 regions / lsipc -m", run_n, &a, run_n, &b,
		   bench_iters(20), 1, "< 1x lsipc -m", false);
	svm(&a, "empty", "list", NULL, NULL, NULL);
	a.argv[2] = alone_dir;
	plain(&b, "/bin/true", NULL);
	bench_pair("B10", "list, empty namespace / /bin/true", run_n, &a,
		   run_n, &b, bench_iters(20), 1, "<= 1.2x", false);
	svm(&a, "empty", "list", NULL, NULL, NULL);
	snprintf(what, sizeof(what), "  the same beside %ld objects",
		 count_objects());
	bench_pair("B10", what, run_n, &a, run_n, &b, bench_iters(20), 1,
		   "(read past for orphans)", false);
	/* Its parts: loading svmtool's libraries, then starting svmtool. */
	snprintf(nop, sizeof(nop), "%.*s/nop-linked",
		 (int)(strrchr(self, '/') - self), self);
	if (access(nop, X_OK) == 0) {
		plain(&a, nop, NULL);
		bench_pair("B10", "  a no-op with svmtool's libraries",
			   run_n, &a, run_n, &b, bench_iters(20), 1,
			   "(the floor)", false);
	}
	svm(&a, "empty", "--version", NULL, NULL, NULL);
	a.argv[1] = "--version"; /* alone: no -R, no --shm-dir */
	a.argv[2] = NULL;
	bench_pair("B10", "  svmtool --version", run_n, &a, run_n, &b,
		   bench_iters(20), 1, "(start-up)", false);
	snprintf(batch, sizeof(batch), "%s/batch.txt", bench_dir);
	write_batch(batch);
	svm(&a, "batch", "-b", batch, NULL, NULL);
	memset(&b, 0, sizeof(b));
	b.argv[0] = self;
	b.argv[1] = "calls";
	b.argv[2] = bench_dir;
	b.argv[3] = "batch";
	bench_pair("B10", "1,000-line batch / 1,000 library calls", run_n, &a,
		   run_n, &b, 1, 1, "<= 2x", false);
	printf("     (B10 batch: 500 create lines, then 500 unmap lines)\n");

	bench_header("growth with the namespace (bench-cli, whole processes)");
	svm(&cr10.mk, "n10", "create", "g", "-s", "4K");
	svm(&cr10.rm, "n10", "unmap", "g", NULL, NULL);
	for (int s = 0; s < nsizes; s++) {
		svm(&crn.mk, roots[s], "create", "g", "-s", "4K");
		svm(&crn.rm, roots[s], "unmap", "g", NULL, NULL);
		snprintf(what, sizeof(what), "create, %ld regions / 10", sizes[s]);
		bench_pair("G1", what, create_n, &crn, create_n, &cr10,
			   per_size(sizes[s]), 1, "O(1): ~1.0x", false);
	}
	svm(&b, "n10", "list", "r7", NULL, NULL);
	for (int s = 0; s < nsizes; s++) {
		svm(&a, roots[s], "list", "r7", NULL, NULL);
		snprintf(what, sizeof(what), "list NAME, %ld regions / 10",
			 sizes[s]);
		bench_pair("G2", what, run_n, &a, run_n, &b, per_size(sizes[s]), 1,
			   "O(1): ~1.0x", false);
	}
	for (int s = 0; s < nsizes; s++) {
		svm(&a, roots[s], "list", "-J", "-o", "+PIDS");
		floor_cmd(&b, "-J+PIDS", roots[s]);
		snprintf(what, sizeof(what), "list -J -o +PIDS, %ld regions",
			 sizes[s]);
		same_output(&a, &b, what);
		bench_pair("G3", what, run_n, &a, run_n, &b, per_size(sizes[s]), 1,
			   "linear: <= 1.3x the floor", false);
	}
	svm(&a, "n10big", "list", NULL, NULL, NULL);
	svm(&b, "n10small", "list", NULL, NULL, NULL);
	bench_pair("G4", "list, 10 regions: capacity 65536 / 256", run_n, &a,
		   run_n, &b, bench_iters(20), 1, "~1.0x", false);

	bench_header_unit("peak memory (RSS) of one listing", kb);
	for (int s = 0; s < nsizes; s++) {
		svm(&a, roots[s], "list", "-v", NULL, NULL);
		floor_cmd(&b, "-v", roots[s]);
		snprintf(what, sizeof(what), "RSS list -v, %ld regions", sizes[s]);
		bench_pair("M1", what, run_rss, &a, run_rss, &b, 1, 1,
			   "<= 2x the floor", false);
	}
	for (int s = 0; s < nsizes; s++) {
		svm(&a, roots[s], "list", "-J", NULL, NULL);
		floor_cmd(&b, "-J", roots[s]);
		snprintf(what, sizeof(what), "RSS list -J, %ld regions", sizes[s]);
		bench_pair("M2", what, run_rss, &a, run_rss, &b, 1, 1,
			   "<= 2x the floor", false);
	}
	return 0;
}
