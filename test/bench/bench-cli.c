/*
 * bench-cli.c - the svmtool command as a whole process: list at 100, 1k
 * and 10k regions (B3), list of an empty namespace (B10), and how create,
 * list NAME, list -J -o +PIDS and list's memory grow with the namespace;
 * a 1,000-line batch against the same 1,000 library calls (B10)
 *
 * Each side is a process started and reaped here (posix_spawn, wait4),
 * its output thrown away.  The floor of a listing is this same program
 * run as "bench-cli floor FORMAT DIR ROOT": readdir, one pread of each
 * header, the same output (checked byte for byte before measuring).  It
 * reads the header layout through the private header: it is a floor, not
 * a client of the library.
 */
#include "bench.h"
#include "svmtool-private.h"

#include <dirent.h>
#include <inttypes.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

extern char **environ;

static const char *svmtool = "cmd/svmtool";
static char self[4096];

/* ------------------------------------------------------------ the floor */

struct fent {
	char name[SVMT_NAME_MAX + 1];
	struct svmt_rhdr h;
	struct stat st;
};

static int fent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fent *)a)->name,
		      ((const struct fent *)b)->name);
}

static const char *owner_name(uid_t uid)
{
	static char buf[32];
	static uid_t cached = (uid_t)-1;
	struct passwd *pw;

	if (uid != cached) {
		pw = getpwuid(uid);
		if (pw)
			snprintf(buf, sizeof(buf), "%s", pw->pw_name);
		else
			snprintf(buf, sizeof(buf), "%u", (unsigned)uid);
		cached = uid;
	}
	return buf;
}

static void perms(mode_t m, char out[10])
{
	const char *x = "rwxrwxrwx";

	for (int i = 0; i < 9; i++)
		out[i] = m & (1u << (8 - i)) ? x[i] : '-';
	out[9] = '\0';
}

static void put_size(uint64_t size)
{
	if (size >= (1ULL << 20))
		printf("(%" PRIu64 " mb)", size >> 20);
	else if (size >= (1ULL << 10))
		printf("(%" PRIu64 " kb)", size >> 10);
	else
		printf("(%" PRIu64 " bytes)", size);
}

/* The futex word of a robust mutex: the owner's tid, 0 when free. */
static uint32_t futex_owner(const struct svmt_shlock *l)
{
	uint32_t w;

	memcpy(&w, l->u.bytes, sizeof(w));
	return w & 0x3fffffffu;
}

/* list shows the user's lock, or the bookkeeping lock when that is free. */
static uint32_t lock_owner(const struct svmt_rhdr *h)
{
	uint32_t o = futex_owner(&h->lock);

	return o ? o : futex_owner(&h->meta);
}

static void floor_verbose(const struct fent *e)
{
	const struct svmt_rhdr *h = &e->h;

	printf("%s: base va 0x%016" PRIx64 " size 0x%" PRIx64 " ", e->name,
	       h->base, h->size);
	put_size(h->size);
	printf("\n  user_ctx 0x%" PRIx64 ", generation %" PRIu64 "\n",
	       h->user_ctx, h->generation);
	printf("  flags: 0x%x%s\n", h->flags,
	       h->flags & SVMT_RF_PERSISTENT ? " PERSISTENT" : "");
	printf("  data_base 0x%016" PRIx64 " data_size 0x%" PRIx64 "\n",
	       h->base + h->data_off, h->data_size);
	printf("  %u client%s, pids:\n", h->nclients,
	       h->nclients == 1 ? "" : "s");
	printf("  lock: %s\n", lock_owner(h) ? "held" : "free");
	printf("  VM in use:\n    0x%016" PRIx64 " - 0x%016" PRIx64
	       " (%" PRIu64 "k)\n", h->base, h->base + h->size - 1,
	       h->size >> 10);
}

static void floor_json(const struct fent *e, bool pids, bool first,
		       bool last)
{
	const struct svmt_rhdr *h = &e->h;
	char p[10];

	perms(e->st.st_mode, p);
	printf("%s{\n"
	       "         \"name\": \"%s\",\n"
	       "         \"base\": \"0x%016" PRIx64 "\",\n"
	       "         \"size\": %" PRIu64 ",\n"
	       "         \"clients\": %u,\n"
	       "         \"ghosts\": 0,\n"
	       "         \"lock\": \"%s\",\n"
	       "         \"state\": \"ready\",\n"
	       "         \"perms\": \"%s\",\n"
	       "         \"owner\": \"%s\"%s\n",
	       first ? "      " : "", e->name, h->base, h->size, h->nclients,
	       lock_owner(h) ? "held" : "free", p,
	       owner_name(e->st.st_uid), pids ? "," : "");
	if (pids)
		printf("         \"pids\": []\n");
	printf("      }%s", last ? "\n" : ",");
}

/* readdir, then open + fstat + pread of each region's header. */
static int floor_main(const char *format, const char *dir, const char *root)
{
	bool verbose = !strcmp(format, "-v");
	bool pids = !strcmp(format, "-J+PIDS");
	char prefix[SVMT_NAME_MAX + 8];
	struct fent *v = NULL;
	size_t n = 0, cap = 0, plen;
	struct dirent *de;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	snprintf(prefix, sizeof(prefix), "svmt:%s:", root);
	plen = strlen(prefix);
	d = dfd < 0 ? NULL : fdopendir(dup(dfd));
	if (!d)
		return 1;
	while ((de = readdir(d))) {
		struct fent *e;
		int fd;

		if (strncmp(de->d_name, prefix, plen))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				return 1;
		}
		e = &v[n];
		snprintf(e->name, sizeof(e->name), "%s", de->d_name + plen);
		fd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &e->st) ||
		    pread(fd, &e->h, sizeof(e->h), 0) != sizeof(e->h))
			return 1;
		close(fd);
		n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), fent_cmp);
	if (!verbose)
		printf("{\n   \"regions\": [\n");
	for (size_t i = 0; i < n; i++) {
		if (verbose) {
			if (i)
				putchar('\n');
			floor_verbose(&v[i]);
		} else {
			floor_json(&v[i], pids, i == 0, i + 1 == n);
		}
	}
	if (!verbose)
		printf("   ]\n}\n");
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

/* Say so when a floor does not print what svmtool prints. */
static void same_output(struct cmd *a, struct cmd *b, const char *what)
{
	char fa[128], fb[128], cmp[300];

	snprintf(fa, sizeof(fa), "%s/out.a", bench_dir);
	snprintf(fb, sizeof(fb), "%s/out.b", bench_dir);
	run(a, fa);
	run(b, fb);
	snprintf(cmp, sizeof(cmp), "cmp -s '%s' '%s'", fa, fb);
	if (system(cmp) != 0)
		printf("     (%s: the floor's output differs from svmtool's)\n",
		       what);
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

static void make_ns(const char *root, int idx, long n, uint32_t capacity)
{
	struct svmt_ns_opts o;
	svmt_ns *ns;
	int rc;

	bench_ns_opts(&o, root, idx, SVMT_NS_CREATE | SVMT_NS_NOATTACH,
		      capacity);
	rc = svmt_ns_open(&o, &ns);
	if (rc)
		bench_die("namespace", rc);
	bench_fill(ns, n, 4096);
	svmt_ns_close(ns);
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
	char what[80], batch[128];
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
	if (fork() == 0) { /* our own peak memory stays small */
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
	plain(&b, "/bin/true", NULL);
	bench_pair("B10", "list, empty namespace / /bin/true", run_n, &a,
		   run_n, &b, bench_iters(20), 1, "<= 1.2x", false);
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
