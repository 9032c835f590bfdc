/*
 * client.c - process identity, liveness, and region client tables
 *
 * A client is pid + start time (+ pidfs inode on kernels that have pidfs),
 * so a reused pid is not mistaken for the process that registered.  kill()
 * failing with EPERM means alive (another user's process); a zombie is dead.
 * A process that exec'ed keeps all three but no longer maps the region: a
 * client that looks alive is also asked what it maps at the region's base.
 * A record with a pidfs inode is told by a pidfd (no /proc read); /proc is
 * the fallback for the others and for kernels or sandboxes without pidfds.
 */
#include "svmtool-private.h"
#include "procmap.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#define PIDFS_MAGIC 0x50494446

struct svmt_ident svmt_self_id;
_Atomic int svmt_self_valid;
static pthread_mutex_t self_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void self_forget(void)
{
	atomic_store_explicit(&svmt_self_valid, 0, memory_order_relaxed);
	pthread_mutex_init(&self_mu, NULL);
	svmt_lock_atfork_child();
	svmt_ns_atfork_child();
}

static void install_atfork(void)
{
	pthread_atfork(NULL, NULL, self_forget);
}

uint64_t svmt_proc_start(pid_t pid, char *state)
{
	char path[64], buf[1024];
	ssize_t n;
	int fd;
	char *p, *end;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* comm may contain spaces and parentheses */
	if (!p || p[1] != ' ' || !p[2])
		return 0;
	p += 2;
	if (state)
		*state = *p;
	/* p is at field 3 (state); start time is field 22. */
	for (field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	errno = 0;
	uint64_t v = strtoull(p, &end, 10);
	if (errno || end == p)
		return 0;
	return v;
}

/* Threads of @pid from /proc/PID/status; 0 when unknown. */
static long proc_threads(pid_t pid)
{
	char path[64], line[128];
	long n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

static uint64_t pidfs_ino(pid_t pid)
{
	struct statfs sfs;
	struct stat st;
	uint64_t ino = 0;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		return 0;
	if (fstatfs(fd, &sfs) == 0 && sfs.f_type == PIDFS_MAGIC &&
	    fstat(fd, &st) == 0)
		ino = st.st_ino;
	close(fd);
	return ino;
}

const struct svmt_ident *svmt_self_slow(void)
{
	pthread_once(&atfork_once, install_atfork);
	pthread_mutex_lock(&self_mu);
	if (!atomic_load_explicit(&svmt_self_valid, memory_order_relaxed)) {
		struct svmt_ident *s = &svmt_self_id;
		pid_t pid = getpid();

		memset(s, 0, sizeof(*s));
		s->pid = pid;
		s->start = svmt_proc_start(pid, NULL);
		s->pidfs_ino = pidfs_ino(pid);
		atomic_store_explicit(&svmt_self_valid, 1, memory_order_release);
	}
	pthread_mutex_unlock(&self_mu);
	return &svmt_self_id;
}

bool svmt_ident_same(const struct svmt_ident *a, const struct svmt_ident *b)
{
	return a->pid == b->pid && a->start == b->start &&
	       (!a->pidfs_ino || !b->pidfs_ino || a->pidfs_ino == b->pidfs_ino);
}

/* The text of /proc/PID/maps, for kernels without the ioctl. */
static int maps_text_file_at(int fd, uint64_t addr)
{
	FILE *f = fdopen(fd, "r");
	char line[512];
	int found = 0;

	if (!f) {
		close(fd);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, ino;

		if (sscanf(line, "%llx-%llx %*s %*s %*s %llu", &lo, &hi,
			   &ino) == 3 && lo <= addr && addr < hi) {
			found = ino != 0;
			break;
		}
	}
	fclose(f);
	return found;
}

/* Does @pid map a file at @addr?  1 yes, 0 no, -1 cannot tell (another
 * user's process, /proc hidden). */
static int maps_file_at(pid_t pid, uint64_t addr)
{
	struct svmt_procmap_query q = { .size = sizeof(q), .query_addr = addr };
	char path[64];
	int fd, rc;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ioctl(fd, SVMT_PROCMAP_QUERY, &q) == 0)
		rc = q.inode != 0;
	else if (errno == ENOENT)
		rc = 0; /* nothing covers it */
	else if (errno == ENOTTY || errno == EINVAL)
		return maps_text_file_at(fd, addr);
	else
		rc = -1;
	close(fd);
	return rc;
}

/* Liveness as /proc tells it: kill, then the state and start time. */
static int proc_alive(const struct svmt_ident *id)
{
	char state = '?';
	uint64_t start;

	if (kill(id->pid, 0) < 0 && errno == ESRCH)
		return 0;
	/* Alive, or EPERM (another user's process): look closer. */
	start = svmt_proc_start(id->pid, &state);
	if (start == 0) {
		/* /proc hidden or the process just went: ask kill again. */
		return !(kill(id->pid, 0) < 0 && errno == ESRCH);
	}
	if (state == 'X' || state == 'x')
		return 0;
	/* A zombie leader whose other threads run is a live process. */
	if (state == 'Z' && proc_threads(id->pid) < 2)
		return 0;
	if (id->start && start != id->start)
		return 0;
	if (id->pidfs_ino) {
		uint64_t ino = pidfs_ino(id->pid);

		if (ino && ino != id->pidfs_ino)
			return 0;
	}
	return 1;
}

#define PIDFD_DEAD (-1)
#define PIDFD_ASK_PROC (-2)

/*
 * The process @id names, by its pidfs inode: pidfs numbers its inodes
 * afresh for every process of a boot, so a pidfd of @id->pid with the
 * recorded inode is that very process (the start time adds nothing), and
 * no such pid or another inode is a dead client.  Needs no permission
 * (kill's EPERM does not arise).  Returns the pidfd (the caller closes
 * it), PIDFD_DEAD, or PIDFD_ASK_PROC when it cannot tell: nothing
 * recorded, no pidfs here (this process got no inode for itself), no
 * descriptor to spare, pidfd_open filtered.
 */
static int pidfd_of(const struct svmt_ident *id)
{
	struct stat st;
	int fd;

	if (!id->pidfs_ino || !svmt_self()->pidfs_ino)
		return PIDFD_ASK_PROC;
	fd = (int)syscall(SYS_pidfd_open, id->pid, 0);
	if (fd < 0)
		return errno == ESRCH ? PIDFD_DEAD : PIDFD_ASK_PROC;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return PIDFD_ASK_PROC;
	}
	if ((uint64_t)st.st_ino != id->pidfs_ino) {
		close(fd);
		return PIDFD_DEAD;
	}
	return fd;
}

/* Has the process of @pidfd exited (a zombie, or reaped)?  A zombie
 * leader whose other threads run has not.  1 yes, 0 no, -1 cannot tell. */
static int pidfd_exited(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return (p.revents & (POLLIN | POLLHUP)) != 0;
}

/*
 * Is @id alive and, with @exec_check, still mapping a file at @base?  By
 * pidfs identity when it can tell, by /proc otherwise.  The pidfd is
 * asked whether its process exited only after the maps were read: a
 * process that has not exited still holds its pid, so the maps read were
 * its own, not those of a process that got the pid since.
 */
static int alive(const struct svmt_ident *id, bool exec_check, uint64_t base)
{
	int fd, rc;

	if (id->pid <= 0)
		return 0;
	exec_check = exec_check && id->pid != svmt_self()->pid;
	fd = pidfd_of(id);
	if (fd == PIDFD_DEAD)
		return 0;
	if (fd == PIDFD_ASK_PROC)
		return proc_alive(id) &&
		       (!exec_check || maps_file_at(id->pid, base) != 0);
	rc = !exec_check || maps_file_at(id->pid, base) != 0;
	if (rc) {
		int gone = pidfd_exited(fd);

		rc = gone < 0 ? proc_alive(id) : !gone;
	}
	close(fd);
	return rc;
}

int svmt_ident_alive(const struct svmt_ident *id)
{
	return alive(id, false, 0);
}

int svmt_client_alive(const struct svmt_ident *id, uint64_t base)
{
	return alive(id, true, base);
}

static struct svmt_ident *clients_of(const struct svmt_rctx *ctx)
{
	return (struct svmt_ident *)((char *)ctx->h + ctx->clients_off);
}

static uint32_t clients_count(const struct svmt_rctx *ctx)
{
	return ctx->h->nclients < ctx->max_clients ? ctx->h->nclients
						   : ctx->max_clients;
}

int svmt_clients_add(const struct svmt_rctx *ctx, const struct svmt_ident *id)
{
	struct svmt_rhdr *h = ctx->h;
	struct svmt_ident *c = clients_of(ctx);
	uint32_t i, max = ctx->max_clients, n = clients_count(ctx);

	for (i = 0; i < n; i++)
		if (svmt_ident_same(&c[i], id))
			return 0;
	if (n == max) {
		svmt_clients_purge(ctx, NULL, NULL, NULL);
		n = clients_count(ctx);
		if (n == max)
			return svmt_fail(SVMT_ECLIENTFULL, "%u clients attached",
					 max);
	}
	c[n] = *id;
	SVMT_CRASH("client-add-written");
	h->nclients = n + 1;
	return 0;
}

void svmt_clients_del(const struct svmt_rctx *ctx, const struct svmt_ident *id)
{
	struct svmt_rhdr *h = ctx->h;
	struct svmt_ident *c = clients_of(ctx);
	uint32_t i, n = clients_count(ctx);

	for (i = 0; i < n; i++) {
		if (svmt_ident_same(&c[i], id)) {
			memmove(&c[i], &c[i + 1], (n - i - 1) * sizeof(*c));
			SVMT_CRASH("client-del-shifted");
			memset(&c[n - 1], 0, sizeof(*c));
			h->nclients = n - 1;
			return;
		}
	}
}

uint32_t svmt_clients_live(const struct svmt_rctx *ctx, pid_t *first)
{
	struct svmt_ident *c = clients_of(ctx);
	uint32_t i, live = 0, n = clients_count(ctx);

	for (i = 0; i < n; i++) {
		if (svmt_client_alive(&c[i], ctx->h->base)) {
			if (!live && first)
				*first = c[i].pid;
			live++;
		}
	}
	return live;
}

/*
 * One pass: the live are copied down over the dead, the tail is zeroed,
 * then the count is stored.  A death half-way leaves every live client in
 * [0, nclients), some twice, and some dead ones not yet dropped: the
 * lock's repair (svmt_region_repair) removes duplicates, and the next scan
 * the dead.
 */
uint32_t svmt_clients_purge(const struct svmt_rctx *ctx, svmt_event_fn fn,
			    void *arg, const char *name)
{
	struct svmt_rhdr *h = ctx->h;
	struct svmt_ident *c = clients_of(ctx);
	uint32_t i, k = 0, n = clients_count(ctx);

	for (i = 0; i < n; i++) {
		if (svmt_client_alive(&c[i], h->base)) {
			if (k != i)
				c[k] = c[i];
			k++;
			continue;
		}
		if (fn) {
			char msg[96];
			struct svmt_event ev = {
				.struct_size = sizeof(ev),
				.kind = SVMT_EV_GHOST, .region = name,
				.pid = c[i].pid, .start_time = c[i].start,
				.fixed = 1, .detail = msg,
			};
			snprintf(msg, sizeof(msg), "removed dead client %d",
				 (int)c[i].pid);
			fn(&ev, arg);
		}
		SVMT_CRASH("scan-ghost-dropped");
	}
	if (k < n)
		memset(&c[k], 0, (n - k) * sizeof(*c));
	h->nclients = k;
	return n - k;
}

bool svmt_obj_mapped(dev_t dev, ino_t ino, pid_t *pid)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	bool found = false;

	if (!proc)
		return false;
	while (!found && (de = readdir(proc))) {
		char path[300], line[512];
		FILE *fp;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/maps", de->d_name);
		fp = fopen(path, "re");
		if (!fp)
			continue;
		while (fgets(line, sizeof(line), fp)) {
			unsigned maj, mn;
			unsigned long long in;

			if (sscanf(line, "%*x-%*x %*s %*x %x:%x %llu", &maj, &mn,
				   &in) == 3 && in == (unsigned long long)ino &&
			    makedev(maj, mn) == dev) {
				found = true;
				*pid = (pid_t)atoi(de->d_name);
				break;
			}
		}
		fclose(fp);
	}
	closedir(proc);
	return found;
}
