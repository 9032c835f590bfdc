/*
 * test-validate.c - objects are validated before anything is read through
 * them: truncated files, bad magic, bad version, sizes and offsets past
 * the end, wrong names, non-regular files.  Each gives SVMT_ECORRUPT or
 * SVMT_EVERSION from the open calls, shows as SVMT_STATE_CORRUPT in
 * svmt_list, and never crashes anything.
 */
#include "testlib.h"

#define PERSIST (SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT)

struct saved {
	char *data;
	size_t len;
};

static void save_file(struct tl *t, const char *file, struct saved *s)
{
	s->data = tl_slurp(tl_path(t, file), &s->len);
	assert_non_null(s->data);
}

static void restore_file(struct tl *t, const char *file, const struct saved *s)
{
	const char *p = tl_path(t, file);
	struct stat st;
	int fd;
	/* it may have been replaced by something else */
	if (lstat(p, &st) == 0 && !S_ISREG(st.st_mode))
		tl_rm_rf(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, s->data, s->len, 0), (ssize_t)s->len);
	close(fd);
}

/* Namespace with region "v" (64 KiB, persistent); nothing left open. */
static void make_ns(struct tl *t)
{
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region *r = NULL;
	tl_ropts(&o, 1 << 16, PERSIST);
	assert_ok(svmt_region_open(ns, "v", &o, &r));
	memcpy(svmt_region_data(r), "payload", 8);
	assert_ok(svmt_region_close(r));
	tl_ns_close(t, ns);
}

/* ------------------------------------------------------ the root object */

struct mut_case {
	const char *what;
	size_t off;      /* field offset, or SIZE_MAX for a truncation */
	int width;       /* 4 or 8 bytes; 0: bytes from str */
	uint64_t value;  /* new value (truncations: new length, or ~0 - k) */
	const char *str;
	int want;        /* expected error */
};

#define ROOT_FIELD(f) offsetof(struct svmt_root, f)
#define TRUNC SIZE_MAX
#define ANY_BAD 1 /* SVMT_ECORRUPT or SVMT_EVERSION */

static void apply_mutation(struct tl *t, const char *file, const struct mut_case *c,
			    const struct saved *orig)
{
	if (c->off == TRUNC) {
		off_t len = c->value >= (uint64_t)1 << 62 ? (off_t)orig->len - (off_t)(~c->value)
							  : (off_t)c->value;
		assert_ok(tl_truncate(t, file, len));
	} else if (c->width == 4) {
		assert_ok(tl_patch_u32(t, file, (off_t)c->off, (uint32_t)c->value));
	} else if (c->width == 8) {
		assert_ok(tl_patch_u64(t, file, (off_t)c->off, c->value));
	} else {
		assert_ok(tl_patch(t, file, (off_t)c->off, c->str, strlen(c->str) + 1));
	}
}

static bool rc_matches(int rc, int want)
{
	if (want == ANY_BAD)
		return rc == SVMT_ECORRUPT || rc == SVMT_EVERSION;
	return rc == want;
}

static void test_corrupt_root_objects_are_refused(void **state)
{
	struct tl *t = *state;
	const char *file;
	struct saved orig;
	struct svmt_root h;
	const unsigned flags[] = { 0, SVMT_NS_NOATTACH, SVMT_NS_RDONLY, SVMT_NS_CREATE };
	uint64_t fsize;

	make_ns(t);
	file = tl_obj(t, NULL);
	save_file(t, file, &orig);
	memcpy(&h, orig.data, sizeof h);
	fsize = orig.len;
	{
		const struct mut_case cases[] = {
			{ "empty file", TRUNC, 0, 0, NULL, SVMT_ECORRUPT },
			{ "100 bytes", TRUNC, 0, 100, NULL, SVMT_ECORRUPT },
			{ "header minus one byte", TRUNC, 0, sizeof(struct svmt_root) - 1, NULL, SVMT_ECORRUPT },
			{ "last page cut off", TRUNC, 0, ~(uint64_t)4096, NULL, SVMT_ECORRUPT },
			{ "last byte cut off", TRUNC, 0, ~(uint64_t)1, NULL, SVMT_ECORRUPT },
			{ "bad magic", ROOT_FIELD(magic), 0, 0, "svmtXXXX", SVMT_ECORRUPT },
			{ "region magic", ROOT_FIELD(magic), 0, 0, SVMT_RGN_MAGIC, SVMT_ECORRUPT },
			{ "version 2", ROOT_FIELD(version), 4, 2, NULL, SVMT_EVERSION },
			{ "version ~0", ROOT_FIELD(version), 4, 0xffffffff, NULL, SVMT_EVERSION },
			{ "hdr_size past end", ROOT_FIELD(hdr_size), 4, fsize + 1, NULL, ANY_BAD },
			{ "hdr_size 8", ROOT_FIELD(hdr_size), 4, 8, NULL, ANY_BAD },
			{ "file_size past end", ROOT_FIELD(file_size), 8, fsize + 4096, NULL, SVMT_ECORRUPT },
			{ "file_size huge", ROOT_FIELD(file_size), 8, UINT64_MAX, NULL, SVMT_ECORRUPT },
			{ "dir_off at end", ROOT_FIELD(dir_off), 8, fsize, NULL, SVMT_ECORRUPT },
			{ "dir_off wraps", ROOT_FIELD(dir_off), 8, UINT64_MAX - 63, NULL, SVMT_ECORRUPT },
			{ "dir_off inside header", ROOT_FIELD(dir_off), 8, 0, NULL, SVMT_ECORRUPT },
			{ "free_off at end", ROOT_FIELD(free_off), 8, fsize, NULL, SVMT_ECORRUPT },
			{ "free_off wraps", ROOT_FIELD(free_off), 8, UINT64_MAX - 7, NULL, SVMT_ECORRUPT },
			{ "free list over directory", ROOT_FIELD(free_off), 8, h.dir_off, NULL, SVMT_ECORRUPT },
			{ "capacity huge", ROOT_FIELD(capacity), 4, 0xffffffff, NULL, SVMT_ECORRUPT },
			{ "capacity 0", ROOT_FIELD(capacity), 4, 0, NULL, SVMT_ECORRUPT },
			{ "slots not a power of two", ROOT_FIELD(slots), 4, h.slots - 1, NULL, SVMT_ECORRUPT },
			{ "slots huge", ROOT_FIELD(slots), 4, 1u << 31, NULL, SVMT_ECORRUPT },
			{ "slots below capacity", ROOT_FIELD(slots), 4, 1, NULL, SVMT_ECORRUPT },
			{ "free_cap huge", ROOT_FIELD(free_cap), 4, 0xffffffff, NULL, SVMT_ECORRUPT },
			{ "base unaligned", ROOT_FIELD(base), 8, h.base + 1, NULL, SVMT_ECORRUPT },
			{ "base 0", ROOT_FIELD(base), 8, 0, NULL, SVMT_ECORRUPT },
			{ "base past user space", ROOT_FIELD(base), 8, SVMT_ADDR_LIMIT, NULL, SVMT_ECORRUPT },
			{ "span 0", ROOT_FIELD(span), 8, 0, NULL, SVMT_ECORRUPT },
			{ "span smaller than object", ROOT_FIELD(span), 8, 4096, NULL, SVMT_ECORRUPT },
			{ "span wraps", ROOT_FIELD(span), 8, UINT64_MAX - 4095, NULL, SVMT_ECORRUPT },
			{ "root name of another namespace", ROOT_FIELD(root), 0, 0, "other", SVMT_ECORRUPT },
		};
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			const struct mut_case *c = &cases[i];
			for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++) {
				svmt_ns *ns = NULL;
				int rc;
				restore_file(t, file, &orig);
				apply_mutation(t, file, c, &orig);
				rc = tl_ns_open(t, flags[k], &ns);
				if (rc == 0)
					tl_ns_close(t, ns);
				if (!rc_matches(rc, c->want))
					soft_fail("root object with %s, flags 0x%x: %d (%s), expected %d",
						  c->what, flags[k], rc, svmt_strerror(rc), c->want);
				else if (svmt_errdetail()[0] == 0)
					soft_fail("root object with %s: no error detail", c->what);
				/* never "repaired" or replaced by a create */
				if (tl_file_size(t, file) < 0)
					soft_fail("root object with %s was removed", c->what);
			}
		}
	}
	restore_file(t, file, &orig);
	free(orig.data);
	soft_done();
	{
		svmt_ns *ns = NULL;
		assert_ok(tl_ns_open(t, 0, &ns));
	}
}

static void test_root_object_not_a_regular_file_is_refused(void **state)
{
	struct tl *t = *state;
	const char *file = tl_obj(t, NULL);
	svmt_ns *ns = NULL;
	char target[512];
	int rc;

	make_ns(t);
	/* a symbolic link to the real object is not followed */
	snprintf(target, sizeof target, "%s.real", tl_path(t, file));
	assert_int_equal(rename(tl_path(t, file), target), 0);
	assert_int_equal(symlink(target, tl_path(t, file)), 0);
	rc = tl_ns_open(t, SVMT_NS_RDONLY, &ns);
	if (rc >= 0)
		fail_msg("a symlinked namespace object was opened");
	rc = tl_ns_open(t, SVMT_NS_CREATE, &ns);
	if (rc >= 0)
		fail_msg("a symlinked namespace object was opened (CREATE)");
	unlink(tl_path(t, file));
	/* a directory */
	assert_int_equal(mkdir(tl_path(t, file), 0700), 0);
	assert_true(tl_ns_open(t, SVMT_NS_RDONLY, &ns) < 0);
	assert_true(tl_ns_open(t, SVMT_NS_CREATE, &ns) < 0);
}

/* ----------------------------------------------------- region objects */

#define RGN_FIELD(f) offsetof(struct svmt_rhdr, f)

#define REFUSED 2 /* any error from open; CORRUPT in list */

static bool want_matches(int rc, int want)
{
	if (want == REFUSED)
		return rc < 0;
	return rc_matches(rc, want);
}

static void check_region_refused(struct tl *t, const char *what, int want)
{
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	struct svmt_region_opts o;
	svmt_region_list *ri = NULL;
	const struct svmt_region_info *v;
	int rc;
	const unsigned lflags[] = { SVMT_NS_RDONLY, SVMT_NS_NOATTACH, 0 };

	assert_ok(tl_ns_open(t, 0, &ns));
	svmt_region_opts_init(&o);
	rc = svmt_region_open(ns, "v", &o, &r);
	if (!want_matches(rc, want))
		soft_fail("region object with %s: open gave %d (%s), expected %d", what, rc,
			  svmt_strerror(rc), want);
	tl_ropts(&o, 1 << 16, PERSIST);
	rc = svmt_region_open(ns, "v", &o, &r);
	if (!want_matches(rc, want))
		soft_fail("region object with %s: open with CREATE gave %d (%s), expected %d",
			  what, rc, svmt_strerror(rc), want);
	rc = svmt_region_open(ns, "v", &o, NULL);
	if (!want_matches(rc, want))
		soft_fail("region object with %s: create-only open gave %d (%s), expected %d",
			  what, rc, svmt_strerror(rc), want);
	tl_ns_close(t, ns);

	for (size_t k = 0; k < sizeof lflags / sizeof lflags[0]; k++) {
		assert_ok(tl_ns_open(t, lflags[k], &ns));
		rc = svmt_list(ns, &ri);
		if (rc) {
			soft_fail("region object with %s: list failed %d (%s)", what, rc,
				  svmt_strerror(rc));
			tl_ns_close(t, ns);
			continue;
		}
		v = svmt_list_find(ri, "v");
		if (!v) {
			soft_fail("region object with %s: not listed", what);
		} else {
			char *s = NULL;
			if (v->state != SVMT_STATE_CORRUPT)
				soft_fail("region object with %s: listed as state %d, not CORRUPT (list flags 0x%x)",
					  what, v->state, lflags[k]);
			else if (want == REFUSED ? v->error >= 0 : !rc_matches(v->error, want))
				soft_fail("region object with %s: listed with error %d, expected %d",
					  what, v->error, want);
			else if (v->detail[0] == 0)
				soft_fail("region object with %s: listed without detail", what);
			assert_ok(svmt_format_region(v, SVMT_FORMAT_VERBOSE, &s));
			assert_non_null(strstr(s, "v"));
			free(s);
		}
		svmt_list_free(ri);
		tl_ns_close(t, ns);
	}
}

static void test_corrupt_region_objects_are_refused_and_listed(void **state)
{
	struct tl *t = *state;
	const char *file;
	struct saved orig;
	struct svmt_rhdr h;
	uint64_t fsize;

	make_ns(t);
	file = tl_obj(t, "v");
	save_file(t, file, &orig);
	memcpy(&h, orig.data, sizeof h);
	fsize = orig.len;
	assert_int_equal(fsize, h.size);
	{
		const struct mut_case cases[] = {
			{ "empty file", TRUNC, 0, 0, NULL, SVMT_ECORRUPT },
			{ "100 bytes", TRUNC, 0, 100, NULL, SVMT_ECORRUPT },
			{ "header minus one byte", TRUNC, 0, sizeof(struct svmt_rhdr) - 1, NULL, SVMT_ECORRUPT },
			{ "header only", TRUNC, 0, h.data_off, NULL, SVMT_ECORRUPT },
			{ "last data page cut off", TRUNC, 0, fsize - 4096, NULL, SVMT_ECORRUPT },
			{ "one byte short", TRUNC, 0, fsize - 1, NULL, SVMT_ECORRUPT },
			{ "bad magic", RGN_FIELD(magic), 0, 0, "svmtXXXX", SVMT_ECORRUPT },
			{ "root magic", RGN_FIELD(magic), 0, 0, SVMT_ROOT_MAGIC, SVMT_ECORRUPT },
			{ "version 2", RGN_FIELD(version), 4, 2, NULL, SVMT_EVERSION },
			{ "version ~0", RGN_FIELD(version), 4, 0xffffffff, NULL, SVMT_EVERSION },
			{ "hdr_size past end", RGN_FIELD(hdr_size), 4, fsize + 1, NULL, ANY_BAD },
			{ "hdr_size 8", RGN_FIELD(hdr_size), 4, 8, NULL, ANY_BAD },
			{ "size past end", RGN_FIELD(size), 8, fsize + 4096, NULL, SVMT_ECORRUPT },
			{ "size huge", RGN_FIELD(size), 8, UINT64_MAX & ~4095ULL, NULL, SVMT_ECORRUPT },
			{ "base moved", RGN_FIELD(base), 8, h.base + 4096, NULL, SVMT_ECORRUPT },
			{ "base unaligned", RGN_FIELD(base), 8, h.base + 1, NULL, SVMT_ECORRUPT },
			{ "data_off past end", RGN_FIELD(data_off), 8, fsize, NULL, SVMT_ECORRUPT },
			{ "data_off wraps", RGN_FIELD(data_off), 8, UINT64_MAX - 4095, NULL, SVMT_ECORRUPT },
			{ "data_off unaligned", RGN_FIELD(data_off), 8, h.data_off + 8, NULL, SVMT_ECORRUPT },
			{ "data_off inside header", RGN_FIELD(data_off), 8, 0, NULL, SVMT_ECORRUPT },
			{ "data_size past end", RGN_FIELD(data_size), 8, h.data_size + 4096, NULL, SVMT_ECORRUPT },
			{ "data_size huge", RGN_FIELD(data_size), 8, UINT64_MAX & ~4095ULL, NULL, SVMT_ECORRUPT },
			{ "clients_off past end", RGN_FIELD(clients_off), 8, fsize, NULL, SVMT_ECORRUPT },
			{ "clients_off wraps", RGN_FIELD(clients_off), 8, UINT64_MAX - 63, NULL, SVMT_ECORRUPT },
			{ "client table into data", RGN_FIELD(max_clients), 4, 1u << 20, NULL, SVMT_ECORRUPT },
			{ "max_clients huge", RGN_FIELD(max_clients), 4, 0xffffffff, NULL, SVMT_ECORRUPT },
			{ "name of another region", RGN_FIELD(name), 0, 0, "w", SVMT_ECORRUPT },
			{ "root of another namespace", RGN_FIELD(root), 0, 0, "other", SVMT_ECORRUPT },
		};
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			const struct mut_case *c = &cases[i];
			restore_file(t, file, &orig);
			apply_mutation(t, file, c, &orig);
			check_region_refused(t, c->what, c->want);
			/* the corrupt object is never rewritten or removed by opens */
			if (tl_file_size(t, file) < 0)
				soft_fail("region object with %s was removed", c->what);
		}
	}
	restore_file(t, file, &orig);
	soft_done();
	{
		svmt_ns *ns = NULL;
		svmt_region *r = NULL;
		assert_ok(tl_attach(t, "v", &ns, &r));
		assert_string_equal((char *)svmt_region_data(r), "payload");
	}
	free(orig.data);
}

static void test_region_with_hostile_dynamic_fields_never_crashes(void **state)
{
	struct tl *t = *state;
	const char *file;
	struct saved orig;
	const struct { const char *what; size_t off; uint32_t v; } cases[] = {
		{ "nclients above max_clients", RGN_FIELD(nclients), 0xffffffff },
		{ "nclients max_clients+1", RGN_FIELD(nclients), SVMT_DEFAULT_MAX_CLIENTS + 1 },
		{ "state garbage", RGN_FIELD(state), 77 },
		{ "state removed", RGN_FIELD(state), SVMT_RS_REMOVED },
		{ "lock owner garbage", RGN_FIELD(lock) + offsetof(struct svmt_shlock, owner_pid), 0x7fffffff },
	};

	make_ns(t);
	file = tl_obj(t, "v");
	save_file(t, file, &orig);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		svmt_ns *ns = NULL;
		svmt_region *r = NULL;
		svmt_region_list *ri = NULL;
		const struct svmt_region_info *v;
		struct svmt_region_opts o;
		int rc;

		restore_file(t, file, &orig);
		assert_ok(tl_patch_u32(t, file, (off_t)cases[i].off, cases[i].v));
		assert_ok(tl_ns_open(t, SVMT_NS_RDONLY, &ns));
		assert_ok(svmt_list(ns, &ri));
		v = svmt_list_find(ri, "v");
		if (!v)
			fail_msg("%s: region not listed", cases[i].what);
		if (v->nclients > SVMT_DEFAULT_MAX_CLIENTS)
			fail_msg("%s: list reports %u clients, more than the table holds",
				 cases[i].what, v->nclients);
		{
			char *s = NULL;
			assert_ok(svmt_format_region(v, SVMT_FORMAT_VERBOSE, &s));
			free(s);
		}
		svmt_list_free(ri);
		assert_ok(svmt_scan(ns, NULL, 0, SVMT_DRY_RUN, NULL, NULL));
		assert_ok(svmt_recover(ns, NULL, 0, SVMT_DRY_RUN, NULL, NULL));
		tl_ns_close(t, ns);

		assert_ok(tl_ns_open(t, 0, &ns));
		svmt_region_opts_init(&o);
		rc = svmt_region_open(ns, "v", &o, &r);
		if (rc == 0)
			svmt_region_close(r);
		svmt_scan(ns, NULL, 0, 0, NULL, NULL);
		tl_ns_close(t, ns);
		(void)rc;
	}
	free(orig.data);
}

static void test_region_object_not_a_regular_file_is_corrupt(void **state)
{
	struct tl *t = *state;
	const char *file;
	char target[512];
	struct saved orig;

	make_ns(t);
	file = tl_obj(t, "v");
	save_file(t, file, &orig);

	/* a symbolic link to a perfectly good copy is not followed */
	snprintf(target, sizeof target, "%s/elsewhere", t->dir);
	assert_int_equal(rename(tl_path(t, file), target), 0);
	assert_int_equal(symlink(target, tl_path(t, file)), 0);
	check_region_refused(t, "a symlink", SVMT_ECORRUPT);
	unlink(tl_path(t, file));
	unlink(target);

	/* a directory */
	assert_int_equal(mkdir(tl_path(t, file), 0700), 0);
	check_region_refused(t, "a directory", REFUSED);
	rmdir(tl_path(t, file));

	restore_file(t, file, &orig);
	free(orig.data);
	soft_done();
}

/*
 * FIFOs named like objects: opening one for reading blocks until a writer
 * comes, so the library must not hang on them.  The calls run in a child
 * with a bounded wait, so that a hang fails this test and not the file.
 */
struct fifo_arg {
	struct tl *t;
	const char *region; /* NULL: the namespace object is the FIFO */
};

static int fifo_child(void *p)
{
	struct fifo_arg *a = p;
	const unsigned flags[] = { SVMT_NS_RDONLY, SVMT_NS_NOATTACH, 0, SVMT_NS_CREATE };
	for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++) {
		struct svmt_ns_opts o;
		svmt_ns *ns = NULL;
		int rc;
		tl_opts(a->t, &o, flags[k]);
		rc = svmt_ns_open(&o, &ns);
		if (!a->region) {
			CHILD_CHECK(rc < 0);
			continue;
		}
		CHILD_RC(rc, 0);
		{
			svmt_region_list *ri = NULL;
			const struct svmt_region_info *v;
			CHILD_RC(svmt_list(ns, &ri), 0);
			v = svmt_list_find(ri, a->region);
			CHILD_CHECK(v != NULL);
			CHILD_CHECK(v->state == SVMT_STATE_CORRUPT);
			svmt_list_free(ri);
		}
		CHILD_RC(svmt_scan(ns, NULL, 0, SVMT_DRY_RUN, NULL, NULL), 0);
		CHILD_RC(svmt_recover(ns, NULL, 0, SVMT_DRY_RUN, NULL, NULL), 0);
		if (flags[k] != SVMT_NS_RDONLY && flags[k] != SVMT_NS_NOATTACH) {
			struct svmt_region_opts ro;
			svmt_region *r = NULL;
			svmt_region_opts_init(&ro);
			CHILD_CHECK(svmt_region_open(ns, a->region, &ro, &r) < 0);
		}
		svmt_ns_close(ns);
	}
	return 0;
}

static void run_fifo_child(struct tl *t, struct fifo_arg *a)
{
	pid_t kid = tl_fork(t, fifo_child, a);
	int st = tl_wait(t, kid, 5000);
	if (st == -1)
		fail_msg("a FIFO named like the %s object hangs the library",
			 a->region ? "region" : "namespace");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("FIFO child failed (status 0x%x)", st);
}

static void test_root_object_fifo_does_not_hang(void **state)
{
	struct tl *t = *state;
	struct fifo_arg a = { t, NULL };
	assert_int_equal(mkfifo(tl_path(t, tl_obj(t, NULL)), 0600), 0);
	run_fifo_child(t, &a);
}

static void test_region_object_fifo_does_not_hang(void **state)
{
	struct tl *t = *state;
	struct fifo_arg a = { t, "v" };
	make_ns(t);
	unlink(tl_path(t, tl_obj(t, "v")));
	assert_int_equal(mkfifo(tl_path(t, tl_obj(t, "v")), 0600), 0);
	run_fifo_child(t, &a);
}

static void test_region_object_of_untrusted_owner_is_refused(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;
	struct svmt_region_opts o;

	if (!tl_is_root())
		skip();
	make_ns(t);
	assert_int_equal(chown(tl_path(t, tl_obj(t, "v")), 65534, 65534), 0);
	assert_ok(tl_ns_open(t, 0, &ns));
	svmt_region_opts_init(&o);
	assert_rc(svmt_region_open(ns, "v", &o, &r), SVMT_EUNTRUSTED);
}

static void test_corrupt_region_remove_needs_force(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	struct svmt_ns_info in0, in1;

	make_ns(t);
	assert_ok(tl_ns_open(t, 0, &ns));
	assert_ok(svmt_ns_info(ns, &in0));
	assert_ok(tl_patch(t, tl_obj(t, "v"), 0, "garbage!", 8));
	assert_rc(svmt_region_remove(ns, "v", 0), SVMT_ECORRUPT);
	assert_true(tl_exists(t, tl_obj(t, "v")));
	assert_ok(svmt_region_remove(ns, "v", SVMT_REMOVE_FORCE));
	assert_false(tl_exists(t, tl_obj(t, "v")));
	assert_ok(svmt_ns_info(ns, &in1));
	assert_int_equal(in1.count, 0);
	assert_int_equal(in1.free_extents, 1);
	assert_int_equal(in1.free_bytes, in0.span - in0.root_size);
}

static void test_recover_reports_corrupt_region_and_leaves_it(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	struct tl_evlog log = { 0 };
	struct tl_snap before, after;
	const struct tl_ev *ev;

	make_ns(t);
	assert_ok(tl_patch_u32(t, tl_obj(t, "v"), offsetof(struct svmt_rhdr, version), 9));
	assert_ok(tl_snap_take(t, &before));
	assert_ok(tl_ns_open(t, 0, &ns));
	assert_ok(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, &log));
	ev = tl_ev_find(&log, SVMT_EV_CORRUPT, "v");
	if (!ev) {
		tl_ev_print(&log);
		fail_msg("recover did not report the corrupt region");
	}
	assert_int_equal(ev->fixed, 0);
	tl_ns_close(t, ns);
	assert_ok(tl_snap_take(t, &after));
	/* the region object is left alone */
	{
		const char *obj = tl_obj(t, "v");
		int ib = -1, ia = -1;
		for (int i = 0; i < before.n; i++)
			if (!strcmp(before.name[i], obj))
				ib = i;
		for (int i = 0; i < after.n; i++)
			if (!strcmp(after.name[i], obj))
				ia = i;
		assert_true(ib >= 0);
		if (ia < 0)
			fail_msg("recover removed the corrupt region object");
		assert_int_equal(before.len[ib], after.len[ia]);
		assert_memory_equal(before.data[ib], after.data[ia], before.len[ib]);
	}
	tl_snap_free(&before);
	tl_snap_free(&after);
}

static void test_stray_objects_in_shm_dir_never_crash_list(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region_list *ri = NULL;
	const struct svmt_region_info *v;
	char junk[8192];
	int fd;

	make_ns(t);
	/* random bytes under a region's object name, not in the directory */
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (char)(i * 7919 + 13);
	fd = open(tl_path(t, tl_obj(t, "junk")), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
	close(fd);
	/* an empty one, and names that are not valid region names */
	fd = open(tl_path(t, tl_obj(t, "empty")), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	close(fd);
	{
		char bad[300];
		snprintf(bad, sizeof bad, "%s/svmt:%s:a b", t->dir, t->root);
		fd = open(bad, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		close(fd);
		snprintf(bad, sizeof bad, "%s/svmt:%s:", t->dir, t->root);
		fd = open(bad, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		close(fd);
	}
	assert_ok(tl_ns_open(t, SVMT_NS_RDONLY, &ns));
	assert_ok(svmt_list(ns, &ri));
	v = svmt_list_find(ri, "v");
	assert_non_null(v);
	assert_int_equal(v->state, SVMT_STATE_READY);
	v = svmt_list_find(ri, "junk");
	assert_non_null(v);
	assert_true(v->state == SVMT_STATE_ORPHAN || v->state == SVMT_STATE_CORRUPT);
	v = svmt_list_find(ri, "empty");
	assert_non_null(v);
	assert_true(v->state == SVMT_STATE_ORPHAN || v->state == SVMT_STATE_CORRUPT);
	svmt_list_free(ri);
	assert_ok(svmt_recover(ns, NULL, 0, SVMT_DRY_RUN, NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TL_TEST(test_corrupt_root_objects_are_refused),
		TL_TEST(test_root_object_not_a_regular_file_is_refused),
		TL_TEST(test_corrupt_region_objects_are_refused_and_listed),
		TL_TEST(test_region_with_hostile_dynamic_fields_never_crashes),
		TL_TEST(test_region_object_not_a_regular_file_is_corrupt),
		TL_TEST(test_root_object_fifo_does_not_hang),
		TL_TEST(test_region_object_fifo_does_not_hang),
		TL_TEST(test_region_object_of_untrusted_owner_is_refused),
		TL_TEST(test_corrupt_region_remove_needs_force),
		TL_TEST(test_recover_reports_corrupt_region_and_leaves_it),
		TL_TEST(test_stray_objects_in_shm_dir_never_crash_list),
		TL_LEFTOVER_TEST,
	};
	return TL_RUN(tests);
}
