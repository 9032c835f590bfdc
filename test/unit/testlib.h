/*
 * testlib.h - shared fixtures for the libsvmtool unit tests (cmocka)
 *
 * Every test gets a fresh shm directory (/dev/shm/svmt-test.XXXXXX, removed
 * recursively in teardown) and a unique root ("t<pid>-<n>").  Children are
 * real processes: tl_fork() runs a function in a child (which exits with the
 * function's return value, 0 meaning success), tl_chan_* are pipe-based
 * rendezvous points ("the child reached point X", "parent says go").  Every
 * child forked through the fixture is killed and reaped in teardown, so a
 * failing test never leaves processes or mappings behind.
 *
 * Child code must not use cmocka assertions (they would longjmp inside the
 * child): use CHILD_CHECK(), which prints a TAP comment and returns 1.
 */
#ifndef SVMT_TESTLIB_H
#define SVMT_TESTLIB_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "svmtool.h"
#include "svmtool-private.h"

#define TL_MAX_KIDS 64
#define TL_MAX_NS 8
#define TL_MAX_CHANS 8
#define TL_WAIT_MS 10000   /* bound on every rendezvous and child wait */
#define TL_TEST_ALARM 60   /* a hung test ends the binary (reported) */
#define TL_SPAN (1ULL << 30)

struct tl_chan {
	int up[2];   /* child -> parent: "reached point X" */
	int down[2]; /* parent -> child: "go" */
};

struct tl {
	char dir[64];        /* this test's shm directory */
	char root[32];       /* this test's root name */
	int mounted;         /* a tmpfs is mounted on dir */
	pid_t kids[TL_MAX_KIDS];
	int nkids;
	svmt_ns *ns[TL_MAX_NS];
	struct tl_chan chans[TL_MAX_CHANS];
	int nchans;
	mode_t old_umask;
};

/* Directories made by this process, checked by tl_check_no_leftovers(). */
static char tl_made[256][64];
static int tl_nmade;
static int tl_counter;

/* ------------------------------------------------------------ small utils */

#define CHILD_CHECK(cond)                                                    \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "# child %d: %s:%d: check failed: %s\n", \
				(int)getpid(), __FILE__, __LINE__, #cond);   \
			return 1;                                            \
		}                                                            \
	} while (0)

#define CHILD_RC(expr, want)                                                 \
	do {                                                                 \
		int crc_ = (expr);                                           \
		if (crc_ != (want)) {                                        \
			fprintf(stderr, "# child %d: %s:%d: %s = %d (%s), expected %d\n", \
				(int)getpid(), __FILE__, __LINE__, #expr, crc_, \
				svmt_strerror(crc_), (int)(want));          \
			return 1;                                            \
		}                                                            \
	} while (0)

/* Compare a libsvmtool return code, printing both as text on failure. */
#define assert_rc(expr, want)                                                \
	do {                                                                 \
		int rc_ = (expr);                                            \
		int want_ = (want);                                          \
		if (rc_ != want_)                                            \
			fail_msg("%s = %d (%s), expected %d (%s) [detail: %s]", \
				 #expr, rc_, svmt_strerror(rc_), want_,      \
				 svmt_strerror(want_), svmt_errdetail());    \
	} while (0)

#define assert_ok(expr) assert_rc(expr, 0)

/*
 * Table-driven tests report every failing case, then fail once:
 * soft_fail() records one, soft_done() fails the test if any were recorded.
 */
static int tl_soft_failures;

#define soft_fail(...)                                                       \
	do {                                                                 \
		print_error("ERROR: " __VA_ARGS__);                          \
		print_error("\n");                                          \
		tl_soft_failures++;                                          \
	} while (0)

#define soft_done()                                                          \
	do {                                                                 \
		int n_ = tl_soft_failures;                                   \
		tl_soft_failures = 0;                                        \
		if (n_)                                                      \
			fail_msg("%d case(s) failed", n_);                   \
	} while (0)

/* Seconds of CLOCK_REALTIME, the clock the library stamps ctime with.
 * Not time(): glibc reads the coarse clock there, which may still show the
 * last second when CLOCK_REALTIME has passed the next. */
static inline time_t tl_realtime_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static inline int64_t tl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void tl_nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static inline int tl_rm_rf_at(int dfd, const char *name)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		DIR *d = fdopendir(fd);
		if (!d) {
			close(fd);
			return -errno;
		}
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			tl_rm_rf_at(fd, de->d_name);
		}
		closedir(d);
		return unlinkat(dfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
	}
	return unlinkat(dfd, name, 0) < 0 ? -errno : 0;
}

static inline int tl_rm_rf(const char *path)
{
	return tl_rm_rf_at(AT_FDCWD, path);
}

/* Path of object @file in the test's shm dir (static buffer, rotating). */
static inline const char *tl_path(const struct tl *t, const char *file)
{
	static char buf[4][512];
	static int i;
	char *b = buf[i++ & 3];
	snprintf(b, sizeof buf[0], "%s/%s", t->dir, file);
	return b;
}

/* "svmt:ROOT:NAME" (NULL name: the namespace object), rotating buffer. */
static inline const char *tl_obj(const struct tl *t, const char *name)
{
	static char buf[4][256];
	static int i;
	char *b = buf[i++ & 3];
	if (name)
		snprintf(b, sizeof buf[0], "svmt:%s:%s", t->root, name);
	else
		snprintf(b, sizeof buf[0], "svmt:%s", t->root);
	return b;
}

static inline bool tl_exists(const struct tl *t, const char *file)
{
	struct stat st;
	return lstat(tl_path(t, file), &st) == 0;
}

/* Number of entries (other than . and ..) in the shm dir. */
static inline int tl_count_files(const struct tl *t)
{
	DIR *d = opendir(t->dir);
	int n = 0;
	struct dirent *de;
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Read a whole file; malloc'ed, *len set.  NULL on error. */
static inline char *tl_slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	char *buf;
	size_t off = 0;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return NULL;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = pread(fd, buf + off, (size_t)st.st_size - off, (off_t)off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	*len = off;
	return buf;
}

/* Patch @len bytes at @off of a file behind the library's back. */
static inline int tl_patch(const struct tl *t, const char *file, off_t off,
			   const void *bytes, size_t len)
{
	int fd = open(tl_path(t, file), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;
	if (fd < 0)
		return -errno;
	n = pwrite(fd, bytes, len, off);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

static inline int tl_patch_u32(const struct tl *t, const char *file, off_t off, uint32_t v)
{
	return tl_patch(t, file, off, &v, sizeof v);
}

static inline int tl_patch_u64(const struct tl *t, const char *file, off_t off, uint64_t v)
{
	return tl_patch(t, file, off, &v, sizeof v);
}

static inline int tl_truncate(const struct tl *t, const char *file, off_t len)
{
	return truncate(tl_path(t, file), len) < 0 ? -errno : 0;
}

static inline off_t tl_file_size(const struct tl *t, const char *file)
{
	struct stat st;
	if (lstat(tl_path(t, file), &st) < 0)
		return -1;
	return st.st_size;
}

/* ------------------------------------------------------- directory snapshot */

#define TL_SNAP_MAX 64

struct tl_snap {
	int n;
	char name[TL_SNAP_MAX][256];
	char *data[TL_SNAP_MAX];
	size_t len[TL_SNAP_MAX];
	mode_t mode[TL_SNAP_MAX];
	struct timespec mtim[TL_SNAP_MAX], ctim[TL_SNAP_MAX];
};

static inline int tl_snap_cmp_name(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Contents, modes and mtimes/ctimes of every file of the shm dir. */
static inline int tl_snap_take(const struct tl *t, struct tl_snap *s)
{
	DIR *d = opendir(t->dir);
	struct dirent *de;
	memset(s, 0, sizeof *s);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && s->n < TL_SNAP_MAX) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(s->name[s->n], sizeof s->name[0], "%s", de->d_name);
		s->n++;
	}
	closedir(d);
	qsort(s->name, (size_t)s->n, sizeof s->name[0], tl_snap_cmp_name);
	for (int i = 0; i < s->n; i++) {
		struct stat st;
		const char *p = tl_path(t, s->name[i]);
		if (lstat(p, &st) < 0)
			return -errno;
		s->mode[i] = st.st_mode;
		s->mtim[i] = st.st_mtim;
		s->ctim[i] = st.st_ctim;
		if (S_ISREG(st.st_mode))
			s->data[i] = tl_slurp(p, &s->len[i]);
	}
	return 0;
}

static inline void tl_snap_free(struct tl_snap *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->data[i]);
	memset(s, 0, sizeof *s);
}

/* NULL when equal, else a description of the first difference (static). */
static inline const char *tl_snap_diff(const struct tl_snap *a, const struct tl_snap *b,
				       bool times)
{
	static char msg[1024];
	if (a->n != b->n) {
		snprintf(msg, sizeof msg, "file count %d -> %d", a->n, b->n);
		return msg;
	}
	for (int i = 0; i < a->n; i++) {
		if (strcmp(a->name[i], b->name[i])) {
			snprintf(msg, sizeof msg, "file %.200s -> %.200s", a->name[i], b->name[i]);
			return msg;
		}
		if (a->mode[i] != b->mode[i]) {
			snprintf(msg, sizeof msg, "%.200s: mode %o -> %o", a->name[i],
				 (unsigned)a->mode[i], (unsigned)b->mode[i]);
			return msg;
		}
		if (a->len[i] != b->len[i] || (a->data[i] == NULL) != (b->data[i] == NULL) ||
		    (a->data[i] && memcmp(a->data[i], b->data[i], a->len[i]))) {
			size_t off = 0;
			if (a->data[i] && b->data[i])
				while (off < a->len[i] && off < b->len[i] &&
				       a->data[i][off] == b->data[i][off])
					off++;
			snprintf(msg, sizeof msg, "%.200s: contents differ (size %zu -> %zu, first at byte %zu)",
				 a->name[i], a->len[i], b->len[i], off);
			return msg;
		}
		if (times && (a->mtim[i].tv_sec != b->mtim[i].tv_sec ||
			      a->mtim[i].tv_nsec != b->mtim[i].tv_nsec)) {
			snprintf(msg, sizeof msg, "%.200s: mtime changed", a->name[i]);
			return msg;
		}
		if (times && (a->ctim[i].tv_sec != b->ctim[i].tv_sec ||
			      a->ctim[i].tv_nsec != b->ctim[i].tv_nsec)) {
			snprintf(msg, sizeof msg, "%.200s: ctime changed", a->name[i]);
			return msg;
		}
	}
	return NULL;
}

#define assert_snap_equal(a, b, times)                                       \
	do {                                                                 \
		const char *d_ = tl_snap_diff((a), (b), (times));            \
		if (d_)                                                      \
			fail_msg("shm directory changed: %s", d_);           \
	} while (0)

/* ------------------------------------------------------------ processes */

/* Register a child so teardown kills and reaps it. */
static inline void tl_adopt(struct tl *t, pid_t pid)
{
	if (pid > 0 && t->nkids < TL_MAX_KIDS)
		t->kids[t->nkids++] = pid;
}

static inline void tl_forget(struct tl *t, pid_t pid)
{
	for (int i = 0; i < t->nkids; i++)
		if (t->kids[i] == pid) {
			t->kids[i] = t->kids[--t->nkids];
			return;
		}
}

/*
 * Fork a child running fn(arg); the child exits with fn's return value.
 * The child dies with the parent (PR_SET_PDEATHSIG).  Returns the pid.
 */
static inline pid_t tl_fork(struct tl *t, int (*fn)(void *), void *arg)
{
	pid_t parent = getpid();
	pid_t pid;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(99);
		_exit(fn(arg) & 0xff);
	}
	if (pid > 0)
		tl_adopt(t, pid);
	return pid;
}

/*
 * Wait (bounded) for @pid to end; returns its wait status, or -1 if it did
 * not end in time (it is then killed).  The child is reaped.
 */
static inline int tl_wait(struct tl *t, pid_t pid, int timeout_ms)
{
	int64_t end = tl_now_ms() + timeout_ms;
	int st = 0;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			tl_forget(t, pid);
			return st;
		}
		if (r < 0 && errno != EINTR) {
			tl_forget(t, pid);
			return -1;
		}
		if (tl_now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			tl_forget(t, pid);
			return -1;
		}
		tl_nap_ms(2);
	}
}

/* Assert that @pid exits with status 0 (bounded wait). */
#define assert_child_ok(t, pid)                                              \
	do {                                                                 \
		int st_ = tl_wait((t), (pid), TL_WAIT_MS);                   \
		if (st_ == -1)                                               \
			fail_msg("child %d did not finish in time", (int)(pid)); \
		if (WIFSIGNALED(st_))                                        \
			fail_msg("child %d killed by signal %d", (int)(pid), WTERMSIG(st_)); \
		if (WEXITSTATUS(st_) != 0)                                   \
			fail_msg("child %d exited with %d", (int)(pid), WEXITSTATUS(st_)); \
	} while (0)

/* SIGKILL @pid and reap it. */
static inline void tl_kill(struct tl *t, pid_t pid)
{
	int st;
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	tl_forget(t, pid);
}

/* Block until @pid has exited, without reaping it (it stays a zombie). */
static inline int tl_wait_zombie(pid_t pid)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* Process state letter from /proc/PID/stat ('?' if unknown). */
static inline char tl_proc_state(pid_t pid)
{
	char path[64], buf[1024];
	int fd;
	ssize_t n;
	char *p;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/*
 * Best effort: wait (bounded) until @pid is asleep in a futex wait, so that
 * a test exercising "waiters already asleep" really has one asleep.  The
 * test is correct either way; this only makes it sharper.
 */
static inline void tl_wait_futex_sleep(pid_t pid)
{
	char path[64], buf[256];
	int64_t end = tl_now_ms() + 5000;
	snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
	while (tl_now_ms() < end) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = -1;
		if (fd >= 0) {
			n = read(fd, buf, sizeof buf - 1);
			close(fd);
		}
		if (n > 0) {
			buf[n] = 0;
			/* 202 = futex on x86_64, 98 on aarch64 */
			if (tl_proc_state(pid) == 'S' &&
			    (!strncmp(buf, "202 ", 4) || !strncmp(buf, "98 ", 3)))
				return;
		} else if (n < 0 && tl_proc_state(pid) == 'S') {
			return; /* no syscall file: settle for "sleeping" */
		}
		tl_nap_ms(1);
	}
}

/* --------------------------------------------------------------- channels */

static inline struct tl_chan *tl_chan_new(struct tl *t)
{
	struct tl_chan *c;
	if (t->nchans >= TL_MAX_CHANS)
		return NULL;
	c = &t->chans[t->nchans];
	if (pipe2(c->up, O_CLOEXEC) < 0)
		return NULL;
	if (pipe2(c->down, O_CLOEXEC) < 0) {
		close(c->up[0]);
		close(c->up[1]);
		return NULL;
	}
	t->nchans++;
	return c;
}

/* Child: tell the parent it reached point @x. */
static inline void tl_post(struct tl_chan *c, char x)
{
	while (write(c->up[1], &x, 1) < 0 && errno == EINTR)
		;
}

/* Child: send a 32-bit value (e.g. a return code) to the parent. */
static inline void tl_post_int(struct tl_chan *c, int32_t v)
{
	while (write(c->up[1], &v, sizeof v) < 0 && errno == EINTR)
		;
}

/* Parent: read @len bytes from the child side, bounded.  0 or -ETIMEDOUT. */
static inline int tl_recv(struct tl_chan *c, void *buf, size_t len, int timeout_ms)
{
	size_t got = 0;
	int64_t end = tl_now_ms() + timeout_ms;
	while (got < len) {
		struct pollfd p = { c->up[0], POLLIN, 0 };
		int64_t left = end - tl_now_ms();
		ssize_t n;
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = read(c->up[0], (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		got += (size_t)n;
	}
	return 0;
}

/* Parent: wait until a child posts @x.  true on success. */
static inline bool tl_await(struct tl_chan *c, char x)
{
	char got = 0;
	if (tl_recv(c, &got, 1, TL_WAIT_MS) < 0)
		return false;
	return got == x;
}

#define assert_await(c, x)                                                   \
	do {                                                                 \
		if (!tl_await((c), (x)))                                     \
			fail_msg("child never reached point '%c'", (x));     \
	} while (0)

/* Parent: release @n children blocked in tl_hold(). */
static inline void tl_go(struct tl_chan *c, int n)
{
	char buf[TL_MAX_KIDS];
	memset(buf, 'g', sizeof buf);
	if (n > TL_MAX_KIDS)
		n = TL_MAX_KIDS;
	while (write(c->down[1], buf, (size_t)n) < 0 && errno == EINTR)
		;
}

/* Child: block until the parent says go (or the pipe breaks). */
static inline void tl_hold(struct tl_chan *c)
{
	char x;
	while (read(c->down[0], &x, 1) < 0 && errno == EINTR)
		;
}

/* Child: block forever (until killed). */
static inline void tl_pause_forever(void)
{
	for (;;)
		pause();
}

/* ----------------------------------------------------------- namespaces */

/* Fill @o for this test's directory and root. */
static inline void tl_opts(const struct tl *t, struct svmt_ns_opts *o, unsigned flags)
{
	svmt_ns_opts_init(o);
	o->shm_dir = t->dir;
	o->root = t->root;
	o->flags = flags;
	o->timeout_ms = 2000;
	o->span = TL_SPAN;
}

/* Remember an open namespace handle so teardown closes it. */
static inline void tl_track_ns(struct tl *t, svmt_ns *ns)
{
	for (int i = 0; i < TL_MAX_NS; i++)
		if (!t->ns[i]) {
			t->ns[i] = ns;
			return;
		}
}

static inline int tl_ns_open_opts(struct tl *t, const struct svmt_ns_opts *o, svmt_ns **out)
{
	int rc = svmt_ns_open(o, out);
	if (rc == 0)
		tl_track_ns(t, *out);
	return rc;
}

static inline int tl_ns_open(struct tl *t, unsigned flags, svmt_ns **out)
{
	struct svmt_ns_opts o;
	tl_opts(t, &o, flags);
	return tl_ns_open_opts(t, &o, out);
}

/* Close one handle opened through the fixture. */
static inline void tl_ns_close(struct tl *t, svmt_ns *ns)
{
	for (int i = 0; i < TL_MAX_NS; i++)
		if (t->ns[i] == ns) {
			t->ns[i] = NULL;
			break;
		}
	svmt_ns_close(ns);
}

/* Create (attached) and return the test's namespace; asserts. */
static inline svmt_ns *tl_ns_create(struct tl *t)
{
	svmt_ns *ns = NULL;
	assert_rc(tl_ns_open(t, SVMT_NS_CREATE, &ns), 0);
	return ns;
}

/* Region options with a size and flags. */
static inline void tl_ropts(struct svmt_region_opts *o, uint64_t size, unsigned flags)
{
	svmt_region_opts_init(o);
	o->size = size;
	o->flags = flags;
}

/* Create a persistent region without attaching; asserts. */
static inline void tl_region_make(svmt_ns *ns, const char *name, uint64_t size)
{
	struct svmt_region_opts o;
	tl_ropts(&o, size, SVMT_REGION_CREATE | SVMT_REGION_EXCL | SVMT_REGION_PERSISTENT);
	assert_rc(svmt_region_open(ns, name, &o, NULL), 0);
}

/* Child side: open the namespace and region @name (no create). */
static inline int tl_child_attach(const struct tl *t, const char *name, svmt_ns **ns,
				  svmt_region **r)
{
	struct svmt_ns_opts o;
	struct svmt_region_opts ro;
	int rc;
	tl_opts(t, &o, 0);
	rc = svmt_ns_open(&o, ns);
	if (rc)
		return rc;
	svmt_region_opts_init(&ro);
	return svmt_region_open(*ns, name, &ro, r);
}

/* Parent side: same, with the namespace tracked for teardown. */
static inline int tl_attach(struct tl *t, const char *name, svmt_ns **ns, svmt_region **r)
{
	struct svmt_region_opts ro;
	int rc = tl_ns_open(t, 0, ns);
	if (rc)
		return rc;
	svmt_region_opts_init(&ro);
	return svmt_region_open(*ns, name, &ro, r);
}

/* svmt_list through a fresh RDONLY handle; asserts. */
static inline void tl_list_rdonly(struct tl *t, svmt_region_list **l)
{
	svmt_ns *ns;
	assert_rc(tl_ns_open(t, SVMT_NS_RDONLY, &ns), 0);
	assert_rc(svmt_list(ns, l), 0);
	tl_ns_close(t, ns);
}

/* ------------------------------------------------------------ events */

struct tl_ev {
	int kind;
	char region[SVMT_NAME_MAX + 1];
	pid_t pid;
	uint64_t start_time, addr, len;
	int fixed, error;
	char detail[160];
};

struct tl_evlog {
	int n;
	struct tl_ev ev[64];
};

static inline void tl_ev_collect(const struct svmt_event *ev, void *arg)
{
	struct tl_evlog *l = arg;
	struct tl_ev *e;
	if (l->n >= 64)
		return;
	e = &l->ev[l->n++];
	e->kind = ev->kind;
	snprintf(e->region, sizeof e->region, "%s", ev->region ? ev->region : "(null)");
	e->pid = ev->pid;
	e->start_time = ev->start_time;
	e->addr = ev->addr;
	e->len = ev->len;
	e->fixed = ev->fixed;
	e->error = ev->error;
	snprintf(e->detail, sizeof e->detail, "%s", ev->detail ? ev->detail : "(null)");
}

static inline int tl_ev_count(const struct tl_evlog *l, int kind)
{
	int n = 0;
	for (int i = 0; i < l->n; i++)
		if (l->ev[i].kind == kind)
			n++;
	return n;
}

static inline const struct tl_ev *tl_ev_find(const struct tl_evlog *l, int kind,
					     const char *region)
{
	for (int i = 0; i < l->n; i++)
		if (l->ev[i].kind == kind && (!region || !strcmp(l->ev[i].region, region)))
			return &l->ev[i];
	return NULL;
}

static inline void tl_ev_print(const struct tl_evlog *l)
{
	for (int i = 0; i < l->n; i++)
		print_message("#   event kind=%d region='%s' pid=%d fixed=%d error=%d detail='%s'\n",
			      l->ev[i].kind, l->ev[i].region, (int)l->ev[i].pid,
			      l->ev[i].fixed, l->ev[i].error, l->ev[i].detail);
}

/* -------------------------------------------------------- setup/teardown */

/* The running test's fixture, for the timeout handler. */
static struct tl *tl_current;

/*
 * A test that hangs (a library bug) is stopped by SIGALRM: kill its
 * children, clean its directory and end the binary with a message, so
 * that /dev/shm is left as it was even then.
 */
static inline void tl_on_alarm(int sig)
{
	static const char msg[] = "not ok - a test timed out (hang); see the preceding test\n";
	struct tl *t = tl_current;
	(void)sig;
	if (t) {
		for (int i = 0; i < t->nkids; i++)
			kill(t->kids[i], SIGKILL);
		if (t->mounted)
			umount2(t->dir, MNT_DETACH);
		tl_rm_rf(t->dir);
	}
	if (write(STDOUT_FILENO, msg, sizeof msg - 1) < 0)
		_exit(3);
	_exit(2);
}

/* A crash (a library bug) still cleans up, then dies of the same signal. */
static inline void tl_on_crash(int sig)
{
	struct tl *t = tl_current;
	if (t) {
		for (int i = 0; i < t->nkids; i++)
			kill(t->kids[i], SIGKILL);
		if (t->mounted)
			umount2(t->dir, MNT_DETACH);
		tl_rm_rf(t->dir);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static inline int tl_setup(void **state)
{
	struct tl *t = calloc(1, sizeof *t);
	if (!t)
		return -1;
	snprintf(t->dir, sizeof t->dir, "/dev/shm/svmt-test.XXXXXX");
	if (!mkdtemp(t->dir)) {
		free(t);
		return -1;
	}
	if (tl_nmade < 256)
		snprintf(tl_made[tl_nmade++], sizeof tl_made[0], "%s", t->dir);
	snprintf(t->root, sizeof t->root, "t%d-%d", (int)getpid(), ++tl_counter);
	t->old_umask = umask(022);
	tl_soft_failures = 0;
	tl_current = t;
	signal(SIGALRM, tl_on_alarm);
	{
		static bool installed;
		if (!installed) {
			const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
			struct sigaction sa;
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = tl_on_crash;
			sa.sa_flags = SA_RESETHAND | SA_NODEFER;
			for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
				sigaction(sigs[i], &sa, NULL);
			installed = true;
		}
	}
	alarm(TL_TEST_ALARM);
	*state = t;
	return 0;
}

static inline int tl_teardown(void **state)
{
	struct tl *t = *state;
	alarm(0);
	tl_current = NULL;
	while (t->nkids > 0)
		tl_kill(t, t->kids[t->nkids - 1]);
	for (int i = 0; i < TL_MAX_NS; i++)
		if (t->ns[i]) {
			svmt_ns_close(t->ns[i]);
			t->ns[i] = NULL;
		}
	for (int i = 0; i < t->nchans; i++) {
		close(t->chans[i].up[0]);
		close(t->chans[i].up[1]);
		close(t->chans[i].down[0]);
		close(t->chans[i].down[1]);
	}
	if (t->mounted)
		umount2(t->dir, MNT_DETACH);
	tl_rm_rf(t->dir);
	umask(t->old_umask);
	free(t);
	return 0;
}

#define TL_TEST(f) cmocka_unit_test_setup_teardown(f, tl_setup, tl_teardown)

/*
 * Final test of every file: nothing this process made is left in /dev/shm
 * (no test directory, no object of one of our roots).
 */
static inline void tl_check_no_leftovers(void **state)
{
	char pfx[32];
	DIR *d;
	struct dirent *de;
	(void)state;
	for (int i = 0; i < tl_nmade; i++) {
		struct stat st;
		if (lstat(tl_made[i], &st) == 0)
			fail_msg("test directory %s was left behind", tl_made[i]);
	}
	snprintf(pfx, sizeof pfx, ":t%d-", (int)getpid());
	d = opendir("/dev/shm");
	assert_non_null(d);
	while ((de = readdir(d))) {
		if (strstr(de->d_name, pfx)) {
			char name[256];
			snprintf(name, sizeof name, "%s", de->d_name);
			closedir(d);
			fail_msg("/dev/shm/%s was left behind", name);
		}
	}
	closedir(d);
}

#define TL_LEFTOVER_TEST cmocka_unit_test(tl_check_no_leftovers)

/* SVMT_TEST_FILTER=glob runs only the matching tests (debugging aid). */
static inline void tl_apply_filter(void)
{
	const char *f = getenv("SVMT_TEST_FILTER");
	if (f && *f)
		cmocka_set_test_filter(f);
}

#define TL_RUN(tests) (tl_apply_filter(), cmocka_run_group_tests(tests, NULL, NULL))

static inline bool tl_is_root(void)
{
	return geteuid() == 0;
}

#endif /* SVMT_TESTLIB_H */
