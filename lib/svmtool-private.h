/*
 * svmtool-private.h - libsvmtool internals: shared layouts and helpers
 *
 * Everything in shared memory is offsets and fixed-size arrays; raw
 * pointers live only in process-local structures.  Geometry (sizes,
 * offsets, capacities) is validated once and copied into the local handle;
 * bounds checks always use the local copy, never a value re-read from
 * shared memory.
 */
#ifndef SVMTOOL_PRIVATE_H
#define SVMTOOL_PRIVATE_H

#include "svmtool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/stat.h>

/* The page size of layouts made before it was recorded, and the least. */
#define SVMT_PAGE 4096ULL
#define SVMT_PAGE_MAX (1ULL << 21)
#define SVMT_LAYOUT_VERSION 1u
#define SVMT_ROOT_MAGIC "svmtROOT"
#define SVMT_RGN_MAGIC "svmtRGN1"
/* End of user space: x86_64 keeps its last page from user mappings. */
#if defined(__x86_64__)
#define SVMT_ADDR_LIMIT 0x7ffffffff000ULL
#else
#define SVMT_ADDR_LIMIT 0x800000000000ULL
#endif

/* Round @v up to a multiple of @page (a power of two). */
static inline uint64_t svmt_page_up(uint64_t v, uint64_t page)
{
	return (v + page - 1) & ~(page - 1);
}

/* This system's page size (at least SVMT_PAGE). */
uint64_t svmt_sys_page(void);

/*
 * Feature words, in the manner of ext4: an object using a *compat* feature
 * this version does not know is still read and changed as usual; an unknown
 * *ro_compat* feature allows reading (list, dry runs) but nothing that
 * writes; an unknown *incompat* feature refuses the object (SVMT_EFEATURE).
 */
#define SVMT_RFEAT_COMPAT_HEAP 0x1u    /* region: a heap in the data area */
#define SVMT_RFEAT_INCOMPAT_FILE 0x1u  /* region: data area in a regular
					  file; the object ends at data_off */
/* namespace: directory entries count their attaches (svmt_dirent.attaches);
 * a writer that does not know it would attach uncounted */
#define SVMT_ROOT_RO_COMPAT_ATTACHES 0x1u
#define SVMT_ROOT_COMPAT_KNOWN 0u
#define SVMT_ROOT_RO_COMPAT_KNOWN SVMT_ROOT_RO_COMPAT_ATTACHES
#define SVMT_ROOT_INCOMPAT_KNOWN 0u
#define SVMT_RGN_COMPAT_KNOWN SVMT_RFEAT_COMPAT_HEAP
#define SVMT_RGN_RO_COMPAT_KNOWN 0u
#define SVMT_RGN_INCOMPAT_KNOWN SVMT_RFEAT_INCOMPAT_FILE

/* Longest path of a file-backed region's data, with its NUL. */
#define SVMT_PATH_MAX 256

struct svmt_features {
	uint32_t compat, ro_compat, incompat;
};

/*
 * SVMT_EFEATURE, with what is unknown in the details, when @f has an
 * incompat bit outside @known (or, when @write, a ro_compat bit outside
 * it); 0 otherwise.  @what names the object ("namespace object", ...).
 */
int svmt_features_check(const struct svmt_features *f,
			const struct svmt_features *known, bool write,
			const char *what);

/*
 * Copy a caller's struct of @ssize bytes (its struct_size) into the
 * library's @dst of @dsize bytes: the common part is copied, the rest of
 * @dst zeroed.  A larger struct from a newer caller is accepted when its
 * extra bytes are zero (-E2BIG otherwise); one too small to hold its own
 * struct_size is -EINVAL.
 */
int svmt_struct_in(void *dst, size_t dsize, const void *src, size_t ssize);

/* ---------------------------------------------------------------- identity */

/* A process: pid + start time (+ pidfs inode where the kernel has one). */
struct svmt_ident {
	int32_t pid;
	uint32_t pad;
	uint64_t start;     /* /proc/PID/stat field 22 */
	uint64_t pidfs_ino; /* 0: unknown */
};

/* This process (cached; refreshed after fork): svmt_self(). */
extern struct svmt_ident svmt_self_id;
extern _Atomic int svmt_self_valid;
const struct svmt_ident *svmt_self_slow(void);
static inline const struct svmt_ident *svmt_self(void)
{
	if (__builtin_expect(atomic_load_explicit(&svmt_self_valid,
						  memory_order_acquire), 1))
		return &svmt_self_id;
	return svmt_self_slow();
}
/* Start time of @pid, 0 when unknown. */
uint64_t svmt_proc_start(pid_t pid, char *state);
/* 1 alive, 0 dead (gone, zombie or pid reused).  EPERM counts as alive. */
int svmt_ident_alive(const struct svmt_ident *id);
bool svmt_ident_same(const struct svmt_ident *a, const struct svmt_ident *b);
/* A registered client: alive, and (unless it cannot be told) still mapping
 * a file at the region's @base; one that exec'ed does not. */
int svmt_client_alive(const struct svmt_ident *id, uint64_t base);

/* -------------------------------------------------------------------- lock */

enum svmt_tag {
	SVMT_TAG_NONE = 0,
	SVMT_TAG_CREATE = 1,
	SVMT_TAG_OPEN = 2,
	SVMT_TAG_CLOSE = 3,
	SVMT_TAG_REMOVE = 4,
	SVMT_TAG_SCAN = 5,
	SVMT_TAG_RECOVER = 6,
	SVMT_TAG_INFO = 7,
	SVMT_TAG_HEAP = 8,
	SVMT_TAG_USER = 0x80000000u, /* svmt_region_lock(): user tag | this */
};

struct svmt_shlock {
	union {
		pthread_mutex_t m;
		uint8_t bytes[64];
	} u;
	_Atomic int32_t owner_pid;     /* 0: no record (tag, start stale) */
	_Atomic uint32_t owner_tag;
	_Atomic uint64_t owner_start;
	_Atomic uint32_t recoveries;
	_Atomic int32_t last_dead_pid;
	_Atomic uint32_t flags;  /* SVMT_LOCKF_*: sticky until acknowledged */
	uint32_t reserved;
};

/* A holder of the lock died (or the lock was rebuilt) and nobody has yet
 * said the data it guards is whole again (svmt_region_lock_ack()). */
#define SVMT_LOCKF_DIED 1u

/* What the mutex words say, read without handing them to glibc. */
struct svmt_lock_view {
	pid_t tid;          /* owner thread in the futex word; 0: none */
	bool owner_died;    /* the kernel marked it: a holder died */
	bool unrecoverable; /* abandoned unrepaired: glibc would refuse it */
};

int svmt_lock_init(struct svmt_shlock *l);
/*
 * Check the mutex inside @l (shared bytes a writer controls) against one
 * pthread_mutex_init() makes with our attributes and against the kernel's
 * robust-futex format.  0 and *v filled, or SVMT_ECORRUPT with a detail.
 */
int svmt_lock_inspect(const struct svmt_shlock *l, struct svmt_lock_view *v);
/* The read-only view of a lock (a private copy is fine): the owner record,
 * or the futex word's thread when no record was written.  0 or
 * SVMT_ECORRUPT. */
int svmt_lock_describe(const struct svmt_shlock *l, struct svmt_lock_info *li);
/* Is @l held by a live process, by its owner record or its futex word? */
bool svmt_lock_held_live(const struct svmt_shlock *l);
/*
 * Acquire with the owner record written after.  @repair (may be NULL) is
 * called with @ctx when the previous owner died; *recovered (may be NULL) is
 * set to its pid then, 0 otherwise.
 */
int svmt_lock_acquire(struct svmt_shlock *l, uint32_t tag, int timeout_ms,
		      int (*repair)(void *ctx), void *ctx, pid_t *recovered);
void svmt_lock_release(struct svmt_shlock *l);
/* pthread_mutex_unlock, with the mutex's kind made sure first. */
int svmt_lock_unlock(struct svmt_shlock *l);
/* Make a lock left not recoverable or corrupt usable again (nobody may
 * hold it); @died sets the sticky SVMT_LOCKF_DIED (the data it guards was
 * not repaired).  Waiters asleep on the old futex word are woken. */
int svmt_lock_reinit(struct svmt_shlock *l, bool died);
/* In the child of a fork: this thread holds none of its parent's locks. */
void svmt_lock_atfork_child(void);
/* Does this thread take and give free locks itself, as glibc would (x86-64
 * glibc whose robust list links as lock.c expects), not through glibc? */
bool svmt_lock_inline(void);
const char *svmt_tag_name(uint32_t tag);

/* ------------------------------------------------------------------- layout */

enum { SVMT_ENT_EMPTY = 0, SVMT_ENT_INIT = 1, SVMT_ENT_READY = 2 };
enum { SVMT_RS_INIT = 0, SVMT_RS_READY = 1, SVMT_RS_REMOVED = 2 };

struct svmt_dirent {
	_Atomic uint32_t state;  /* SVMT_ENT_* */
	uint32_t flags;          /* SVMT_RF_* */
	char name[SVMT_NAME_MAX + 1];
	uint64_t base, size;     /* extent of the region */
	uint64_t generation;
	struct svmt_ident creator;
	uint32_t owner_uid;      /* owner the creator gave the object */
	/*
	 * Attaches begun (under the namespace lock, before registering) and
	 * not yet ended (after unregistering): never below the number of
	 * clients registered through this entry.  A process that dies
	 * attached leaves it higher, which only costs a removal its fast
	 * path.  SVMT_ATTACHES_UNKNOWN: not counted (an entry recover made).
	 * Meaningful only with SVMT_ROOT_RO_COMPAT_ATTACHES (was padding).
	 */
	uint32_t attaches;
};

#define SVMT_ATTACHES_UNKNOWN UINT32_MAX

struct svmt_extent {
	uint64_t start, len;
};

struct svmt_root {
	char magic[8];
	uint32_t version;
	uint32_t hdr_size;
	_Atomic uint32_t state;  /* SVMT_RS_* */
	uint32_t flags;
	uint64_t file_size;
	uint64_t base, span;
	uint32_t capacity;       /* max regions */
	uint32_t slots;          /* hash slots, power of two >= 2 * capacity */
	uint64_t dir_off;        /* slots * struct svmt_dirent */
	uint64_t free_off;       /* free_cap * struct svmt_extent */
	uint32_t free_cap;
	uint32_t free_count;     /* dynamic */
	uint32_t count;          /* dynamic: entries in use */
	uint32_t creator_uid;
	int64_t ctime;
	uint64_t generation;     /* dynamic: bumped on every directory change */
	struct svmt_ident creator;
	char root[SVMT_NAME_MAX + 1];
	struct svmt_shlock lock;
	/* Since layout 1.1 (hdr_size covers them; absent: zero, 4096): */
	uint32_t compat, ro_compat, incompat;
	uint32_t page_size;      /* page size the layout was made for */
	uint64_t reserved[8];    /* zero: room to grow in place */
};

/* The first layout's header ended where the feature words begin. */
#define SVMT_ROOT_HDR_MIN offsetof(struct svmt_root, compat)

struct svmt_rhdr {
	char magic[8];
	uint32_t version;
	uint32_t hdr_size;
	_Atomic uint32_t state;  /* SVMT_RS_* */
	uint32_t flags;          /* SVMT_RF_* */
	uint64_t generation;
	uint64_t base, size;     /* whole region: header + client table + data */
	uint64_t data_off, data_size;
	uint64_t clients_off;    /* SVMT_CLIENTS_OFF */
	uint32_t max_clients;
	uint32_t nclients;       /* dynamic */
	uint64_t user_ctx;
	uint32_t creator_uid;
	uint32_t pad;
	int64_t ctime;
	struct svmt_ident creator;
	char root[SVMT_NAME_MAX + 1];
	char name[SVMT_NAME_MAX + 1];
	struct svmt_shlock meta; /* bookkeeping: client table and state */
	struct svmt_shlock lock; /* the user's: svmt_region_lock() */
	/* Since layout 1.1 (hdr_size covers them; absent: zero): */
	uint32_t compat, ro_compat, incompat;
	uint32_t pad2;
	uint64_t reserved[8];    /* zero: room to grow in place */
	/* Since layout 1.2, with SVMT_RFEAT_INCOMPAT_FILE: the data area is
	 * this regular file, at offset 0 (identity checked at every open). */
	uint64_t file_dev, file_ino;
	char file_path[SVMT_PATH_MAX];
};

/* Is region header @h's data area a file of its own?  Only for a header
 * read with svmt_rhdr_read(), which zeroes what an older one lacks. */
#define SVMT_RHDR_FILE(h) (((h)->incompat & SVMT_RFEAT_INCOMPAT_FILE) != 0)
/* Open the data file of validated header @h (O_RDONLY or O_RDWR), checked
 * against the identity the header records: an fd or a negative error. */
int svmt_rhdr_open_file(const struct svmt_rhdr *h, int oflags);

/* The first layout's header ended where the feature words begin. */
#define SVMT_RHDR_MIN offsetof(struct svmt_rhdr, compat)

/* This version puts the client table here (older ones: clients_off). */
#define SVMT_CLIENTS_OFF ((sizeof(struct svmt_rhdr) + 63) & ~(size_t)63)

/* Geometry of a namespace, validated, process-local. */
struct svmt_geom {
	uint64_t base, span, file_size;
	uint64_t page;           /* page size of the layout */
	struct svmt_features feat;
	uint32_t capacity, slots, free_cap;
	uint64_t dir_off, free_off;
	uint64_t area_start;     /* first address for regions = base+file_size */
};

/* Hash slots of a directory of @capacity (0 when too large). */
uint32_t svmt_slots_for(uint32_t capacity);
/*
 * Validate a root header of a @file_size byte object (at least
 * sizeof(*r) bytes readable at @r; those past hdr_size are not read);
 * fill @g.  Features are checked by the caller (g->feat).
 */
int svmt_root_validate(const struct svmt_root *r, uint64_t file_size,
		       const char *root, struct svmt_geom *g);
/*
 * Validate a region header of a @file_size byte object laid out for @page
 * byte pages (bytes available at @h: at least @avail) and check its
 * features for reading or, with @write, changing it.
 */
int svmt_rhdr_validate(const struct svmt_rhdr *h, uint64_t avail,
		       uint64_t file_size, uint64_t page, const char *root,
		       const char *name, bool write);
/* The features of a validated region header (zero when it predates them). */
void svmt_rhdr_features(const struct svmt_rhdr *h, struct svmt_features *f);
/* Bytes of header + client table for max_clients, this version's layout. */
uint64_t svmt_rhdr_data_off(uint32_t max_clients, uint64_t page);

/* -------------------------------------------------------- crash points */

/*
 * SVMT_CRASH("name") marks a place between two ordered stores of a path
 * that changes shared state.  In the test build (-DSVMT_CRASH_POINTS, see
 * make torture) each point is listed in the "svmt_crash" section and kills
 * the process with SIGKILL once the test armed it with svmt_crash_arm();
 * in every other build it compiles to nothing.
 */
#ifdef SVMT_CRASH_POINTS
void svmt_crash_hit(const char *name);
/* Kill this process at the @skip+1-th pass through point @name (NULL:
 * disarm).  -ENOENT for a name no point has. */
int svmt_crash_arm(const char *name, unsigned skip);
/* Every point compiled in: its name in (*names)[i], sorted, no repeats
 * (malloc'ed array of static strings). */
size_t svmt_crash_points(const char ***names);
#define SVMT_CRASH(nm)                                                       \
	do {                                                                 \
		static const char *const svmt_crash_site_                    \
			__attribute__((section("svmt_crash"), used)) = nm;    \
		svmt_crash_hit(svmt_crash_site_);                            \
	} while (0)
#else
#define SVMT_CRASH(nm) do { } while (0)
#endif

/* ------------------------------------------------------------- sigbus */

/* Did the guard catch a fault in [p, p+len) since the last ask?  The
 * faults found are taken off the queue.  False without the guard. */
bool svmt_sigbus_hit(const void *p, uint64_t len);

/* ---------------------------------------------------------- names, errors */

int svmt_name_norm(const char *in, char out[SVMT_NAME_MAX + 1]);
/* "svmt:ROOT" or "svmt:ROOT:NAME" (name NULL for the root). */
void svmt_objname(char *buf, size_t len, const char *root, const char *name);
/* Return @err after recording a printf-style detail for svmt_errdetail(). */
int svmt_fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* This thread's detail (errors.c); cleared at the start of each call. */
extern _Thread_local char svmt_detail[256];
static inline void svmt_clear_detail(void)
{
	svmt_detail[0] = '\0';
}
/* strerror() in lower case, for details (thread-local storage). */
const char *svmt_errno_text(int e);

/* ------------------------------------------------------------ address space */

/* Directory and allocator over a root (live mapping or snapshot). */
struct svmt_dir {
	struct svmt_root *r;
	const struct svmt_geom *g;
};

static inline struct svmt_dirent *svmt_dir_slots(const struct svmt_dir *d)
{
	return (struct svmt_dirent *)((char *)d->r + d->g->dir_off);
}

static inline struct svmt_extent *svmt_dir_free(const struct svmt_dir *d)
{
	return (struct svmt_extent *)((char *)d->r + d->g->free_off);
}

struct svmt_dirent *svmt_dir_find(const struct svmt_dir *d, const char *name);
struct svmt_dirent *svmt_dir_insert(const struct svmt_dir *d, const char *name);
/* Look @name up by reading the namespace object @fd (geometry @g): 1 found
 * (a copy in *out), 0 not found, or a negative error. */
int svmt_dir_lookup_fd(int fd, const struct svmt_geom *g, const char *name,
		       struct svmt_dirent *out);
void svmt_dir_delete(const struct svmt_dir *d, struct svmt_dirent *e);
/* Rebuild the hash index and the free list from the entries.  Entries that
 * are invalid or overlap an earlier one are dropped and reported through
 * @dropped (may be NULL).  Returns 0 or -ENOMEM. */
int svmt_dir_rebuild(const struct svmt_dir *d,
		     void (*dropped)(const struct svmt_dirent *e, void *arg),
		     void *arg);
/* 0 when index and free list agree with the entries; otherwise a
 * SVMT_EV_DIRECTORY or SVMT_EV_SPACE_LEAK kind, with one extent in *bad. */
int svmt_dir_check(const struct svmt_dir *d, struct svmt_extent *bad);

/* First-fit allocation of @len bytes (page multiple). 0 or SVMT_ENOVA. */
int svmt_space_alloc(const struct svmt_dir *d, uint64_t len, uint64_t *addr);
/* Return an extent, coalescing with neighbours.  -EINVAL if it overlaps
 * free space or lies outside the area. */
int svmt_space_free(const struct svmt_dir *d, uint64_t addr, uint64_t len);
/* Reset the free list to the whole area. */
void svmt_space_reset(const struct svmt_dir *d);

/* Reserve [base, base+span) PROT_NONE; SVMT_ECLASH names the clash. */
int svmt_space_reserve(uint64_t base, uint64_t span);
/* Put [addr, addr+len) back to reserved PROT_NONE. */
int svmt_space_unmap(uint64_t addr, uint64_t len);
/* Describe what this process maps in [lo, hi) into buf. */
void svmt_space_describe(uint64_t lo, uint64_t hi, char *buf, size_t len);

/* ----------------------------------------------------------- namespace */

struct svmt_region;

struct svmt_ns {
	pthread_mutex_t mu;      /* guards refs and regions */
	int refs;
	int dirfd;
	int rootfd;
	unsigned flags;
	int timeout_ms;
	uid_t trusted_uid;
	uid_t root_uid;
	dev_t dev;
	ino_t ino;
	char root_name[SVMT_NAME_MAX + 1];
	struct svmt_geom g;
	/* The mapping; with RDONLY a private copy of the header only (the
	 * directory is read with pread where needed: cost follows the regions
	 * present, not the capacity) and of the free extents, in rfree. */
	struct svmt_root *r;
	struct svmt_extent *rfree; /* RDONLY: rfree_n free extents */
	uint32_t rfree_n;
	bool attached;           /* span reserved */
	bool mapped;             /* r is an mmap (else malloc'ed copy) */
	struct svmt_region *regions; /* attached regions (list) */
	struct svmt_ns *next;    /* process-wide list of attached namespaces */
};

/* FNV-1a over at most a name's bytes (shared names may be unterminated):
 * the directory's hash. */
uint64_t svmt_name_hash(const char *s);

/* The directory of a handle that is not RDONLY (RDONLY has no copy). */
static inline struct svmt_dir svmt_ns_dir(struct svmt_ns *ns)
{
	struct svmt_dir d = { ns->r, &ns->g };
	return d;
}

/* Sleep a little; false once @timeout_ms (<0: never) has passed, or once
 * the interrupt flag is raised (svmt_interrupted()). */
bool svmt_wait_step(int *waited_ms, int timeout_ms);
/* Has the caller's interrupt flag (svmt_set_interrupt) been raised? */
bool svmt_interrupted(void);
/* Build an object unseen: an O_TMPFILE, or a temporary name in tmpname
 * (empty for O_TMPFILE).  Returns an fd or a negative error. */
#define SVMT_TMPNAME_MAX 160
int svmt_create_file(int dirfd, const char *objname, mode_t mode,
		     char tmpname[SVMT_TMPNAME_MAX]);
/* Link a built object into place (clearing tmpname): -EEXIST if the name
 * is taken. */
int svmt_publish_file(int fd, int dirfd, char *tmpname, const char *objname);
/* Close @fd (if >= 0) and remove its temporary name (if any). */
void svmt_discard_file(int fd, int dirfd, const char *tmpname);
/* posix_fallocate: -ENOSPC with a detail when the directory is full. */
int svmt_fallocate(int fd, uint64_t size);
/* After fork(), in the child: mark inherited region handles. */
void svmt_ns_atfork_child(void);
/* Close every region handle of @ns (its last release). */
void svmt_region_forget_all(struct svmt_ns *ns);

/* Take the namespace lock (bounded by the handle's timeout); -ESTALE when
 * the namespace was removed since this handle opened it. */
int svmt_ns_lock(struct svmt_ns *ns, uint32_t tag, pid_t *recovered);
/* Repair of the namespace lock's bookkeeping (ctx: the svmt_ns). */
int svmt_ns_repair(void *ctx);
void svmt_ns_unlock(struct svmt_ns *ns);
bool svmt_uid_trusted(const struct svmt_ns *ns, uid_t uid);
/* Open a region object read-only or read-write, with fstat checks: a
 * regular file owned by a trusted user or by @owner (the owner its creator
 * gave it, from the directory; (uid_t)-1 when unknown). */
int svmt_obj_open(struct svmt_ns *ns, const char *name, int oflags,
		  uid_t owner, struct stat *st);
/* @owner for reading only (pread, validated): whoever owns it.  Foreign is
 * not corrupt; it is only not to be changed. */
#define SVMT_ANY_OWNER ((uid_t)-2)
/* The read-only view of one region (as svmt_list() gives it, whoever owns
 * its object) in *@out, for svmt_region_info_free(): 0, or the error that
 * makes it corrupt. */
int svmt_region_peek(struct svmt_ns *ns, const char *name,
		     struct svmt_region_info **out);
/* Unlink region @name's object: 0 or a negated errno. */
int svmt_obj_unlink(struct svmt_ns *ns, const char *name);
/* May this process unlink region @name's object?  0, -ENOENT (there is
 * none), or -EPERM/-EACCES with a detail: checked before changing
 * anything, so that a removal is whole or does not happen. */
int svmt_obj_can_unlink(struct svmt_ns *ns, const char *name);
/* The same for the object whose fstat is @st (opened by its name). */
int svmt_obj_can_unlink_st(struct svmt_ns *ns, const char *name,
			   const struct stat *st);
/* The owner the directory records for region @name, or (uid_t)-1. */
uid_t svmt_dir_owner(struct svmt_ns *ns, const struct svmt_root *r,
		     const char *name);

/* ------------------------------------------------------------------ heap */

/*
 * The heap of a region created with SVMT_REGION_HEAP fills its data area:
 * this header, then blocks from arena_off to the end.  A block is a 16-byte
 * header (its size with the ALLOC bit, and the size of the block before
 * it) and a payload; a free block's payload starts with its list links.
 * Everything is offsets from the start of the data area.
 */
#define SVMT_HEAP_MAGIC "svmtHEAP"
#define SVMT_HEAP_VERSION 1u
#define SVMT_HEAP_SMALL_MAX 1024u /* free blocks up to this size: exact bins */
#define SVMT_HEAP_NSMALL (SVMT_HEAP_SMALL_MAX / 16 + 1)
#define SVMT_HEAP_NLARGE 64       /* larger ones: one list per power of two */

struct svmt_heap_hdr {
	char magic[8];
	uint32_t version;
	uint32_t hdr_size;
	uint64_t size;           /* bytes of the heap: the data area */
	uint64_t arena_off;      /* the first block */
	struct svmt_shlock lock;
	uint64_t used;           /* bytes in allocated blocks, headers too */
	uint64_t objects;        /* allocated blocks */
	uint32_t damaged;        /* a repair found the blocks unwalkable */
	uint32_t pad;
	uint64_t small[SVMT_HEAP_NSMALL]; /* list heads: offsets, 0 empty */
	uint64_t large[SVMT_HEAP_NLARGE];
	uint64_t reserved[8];
};

/* Lay a heap out over @size bytes at @base (a new region's data area). */
int svmt_heap_init(void *base, uint64_t size);
/* Check the heap header at @base of a @size byte data area. */
int svmt_heap_validate(const struct svmt_heap_hdr *h, uint64_t size);
/*
 * Walk every block of a locked heap: 0 when the blocks tile the arena and
 * the lists and counters agree with them; SVMT_ECORRUPT otherwise, with
 * the details.
 */
int svmt_heap_check(void *base, uint64_t size);
/* Rebuild lists and counters from the blocks (the repair of its lock). */
int svmt_heap_repair(void *heap_ctx);
struct svmt_heap_ctx {
	char *base;
	uint64_t size;
	uint64_t arena;          /* validated arena_off */
	uint64_t reclaimed;      /* out: cached blocks of dead owners freed */
};
struct svmt_region;
/* The per-process cache of a heap region's handle: made when it is
 * attached (none without memory: every call then takes the lock), given
 * back to the heap when it detaches, forgotten by a child after fork. */
void svmt_heap_cache_new(struct svmt_region *r);
void svmt_heap_cache_flush(struct svmt_region *r);
void svmt_heap_cache_forget(struct svmt_region *r);
/* What a read-only view can tell of a heap from its header and lists. */
struct svmt_heap_view {
	uint64_t total, used, free, largest_free, objects;
	pid_t lock_owner;        /* 0: free */
	int lock_owner_alive;
};
/*
 * Walk the blocks of a heap read with pread from @fd at @data_off, as a
 * dry run does: 0 when they tile the arena (*dead_cached: how many are
 * cached by processes that died), or SVMT_ECORRUPT with the details.
 */
int svmt_heap_scan_fd(int fd, uint64_t data_off, uint64_t data_size,
		      uint64_t *dead_cached);
/* Fill @v from a heap read with pread from @fd at @data_off. */
int svmt_heap_view_fd(int fd, uint64_t data_off, uint64_t data_size,
		      struct svmt_heap_view *v);

/*
 * Crash points for the tests: when svmt_crash_countdown is armed (> 0),
 * the point that brings it to 0 kills the process with SIGKILL.  Unarmed,
 * a point is one predictable branch.
 */
extern int svmt_crash_countdown;
void svmt_crash_now(void);
#define SVMT_CRASH_POINT()                                                   \
	do {                                                                 \
		if (__builtin_expect(svmt_crash_countdown > 0, 0) &&         \
		    --svmt_crash_countdown == 0)                             \
			svmt_crash_now();                                    \
		SVMT_CRASH_AT_LINE();                                        \
	} while (0)
/* In the torture build each is a named point too ("heap.c:381"). */
#ifdef SVMT_CRASH_POINTS
#define SVMT_CRASH_STR_(x) #x
#define SVMT_CRASH_STR(x) SVMT_CRASH_STR_(x)
#define SVMT_CRASH_AT_LINE() SVMT_CRASH(__FILE_NAME__ ":" SVMT_CRASH_STR(__LINE__))
#else
#define SVMT_CRASH_AT_LINE() do { } while (0)
#endif

/* -------------------------------------------------------------- regions */

struct svmt_region {
	struct svmt_ns *ns;
	struct svmt_region *next;
	int refs;
	char name[SVMT_NAME_MAX + 1];
	struct svmt_rhdr *h;     /* mapped at base */
	uint64_t base, size, data_off, data_size, generation;
	uint32_t max_clients, clients_off;
	bool persistent;
	bool inherited;          /* mapped by the parent before fork() */
	bool stale;              /* its region was removed (maybe made again):
				    the name no longer leads here */
	bool lock_recovered;     /* the last svmt_region_lock() took a dead
				    owner's lock */
	bool has_heap;           /* created with a heap */
	uint64_t heap_arena;     /* its validated arena_off; 0: damaged */
	struct svmt_hcache *hcache; /* this process's cache of its blocks */
};

/*
 * A mapped region header with the geometry of its client table, taken
 * from a validated copy (never re-read from shared memory).  Also the
 * repair context of the region's bookkeeping lock.
 */
struct svmt_rctx {
	struct svmt_rhdr *h;
	uint32_t max_clients;
	uint32_t clients_off;
};

static inline struct svmt_rctx svmt_rctx_of(struct svmt_rhdr *h,
					    const struct svmt_rhdr *valid)
{
	struct svmt_rctx c = { h, valid->max_clients,
			       (uint32_t)valid->clients_off };
	return c;
}

/* Client table of a locked region header. */
int svmt_clients_add(const struct svmt_rctx *c, const struct svmt_ident *id);
void svmt_clients_del(const struct svmt_rctx *c, const struct svmt_ident *id);
/* Live clients; the first one's pid in *first (may be NULL). */
uint32_t svmt_clients_live(const struct svmt_rctx *c, pid_t *first);
/* Remove dead clients from a locked region header; returns how many. */
uint32_t svmt_clients_purge(const struct svmt_rctx *c, svmt_event_fn fn,
			    void *arg, const char *name);
int svmt_region_repair(void *rctx);
/*
 * Read and validate a region header from an open object of @ns, for
 * reading or (@write) changing it.  Bytes past its hdr_size are zeroed.
 */
int svmt_rhdr_read(const struct svmt_ns *ns, int fd, const struct stat *st,
		   const char *name, bool write, struct svmt_rhdr *h);
/* The same from the first @n bytes of the object, read already into @buf
 * (which may be @h). */
int svmt_rhdr_parse(const struct svmt_ns *ns, const void *buf, size_t n,
		    const struct stat *st, const char *name, bool write,
		    struct svmt_rhdr *h);
/* Destroy region @name, mapped (at least its header) as @c says, if it is
 * still generation @gen and has no live clients.  *destroyed tells. */
int svmt_region_destroy_unused(struct svmt_ns *ns, const char *name,
			       uint64_t gen, const struct svmt_rctx *c,
			       bool *destroyed);
/* A validated private copy of the namespace object (free()). */
int svmt_root_snapshot(struct svmt_ns *ns, struct svmt_root **out);
/* Names of the region objects of @ns present in the shm directory. */
int svmt_obj_names(struct svmt_ns *ns, char (**names)[SVMT_NAME_MAX + 1],
		   size_t *count);
/* An object a creator without O_TMPFILE left under its temporary name
 * (svmt_create_file): region @name ("" for the namespace), creator @pid. */
struct svmt_tempobj {
	char name[SVMT_NAME_MAX + 1];
	pid_t pid;
};
int svmt_obj_temps(struct svmt_ns *ns, struct svmt_tempobj **out,
		   size_t *count);
/* Its file name in the shm directory. */
void svmt_tempname(struct svmt_ns *ns, const struct svmt_tempobj *t,
		   char buf[SVMT_TMPNAME_MAX]);
/* Is (dev, ino) mapped by some process?  Its pid in *pid. */
bool svmt_obj_mapped(dev_t dev, ino_t ino, pid_t *pid);
/* Carve [addr, addr+len) out of the free list; -EBUSY if not all free. */
int svmt_space_take(const struct svmt_dir *d, uint64_t addr, uint64_t len);
/* Drop a directory entry and give its extent back (ns locked). */
void svmt_dir_remove_entry(struct svmt_ns *ns, struct svmt_dirent *e);

#endif /* SVMTOOL_PRIVATE_H */
