/*
 * test-file.c - file-backed regions: the data area is a regular file that
 * outlives the region and the namespace, never followed through a symlink,
 * never truncated, never shared by two regions, full disks are ENOSPC.
 */
#include "testlib.h"

#include <sys/mount.h>

#define PERSIST (SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT)

static int make_file_region(svmt_ns *ns, const char *name, uint64_t size,
			    const char *file, svmt_region **r)
{
	struct svmt_region_opts o;

	tl_ropts(&o, size, PERSIST | SVMT_REGION_EXCL);
	o.file = file;
	return svmt_region_open(ns, name, &o, r);
}

static void read_file(const char *path, void *buf, size_t len, off_t off)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

struct kid_arg {
	struct tl *t;
	struct tl_chan *c;
};

static int attach_and_check(void *p)
{
	struct kid_arg *a = p;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;

	CHILD_RC(tl_child_attach(a->t, "f", &ns, &r), 0);
	CHILD_CHECK(!memcmp(svmt_region_data(r), "from the parent", 16));
	memcpy((char *)svmt_region_data(r) + 100, "from the child", 15);
	CHILD_RC(svmt_region_close(r), 0);
	svmt_ns_close(ns);
	return 0;
}

static void test_file_region_data_is_the_file(void **state)
{
	struct tl *t = *state;
	struct kid_arg a = { t, NULL };
	svmt_ns *ns = tl_ns_create(t);
	const char *path = strdup(tl_path(t, "data.bin"));
	svmt_region *r = NULL;
	struct stat st;
	char buf[16];

	assert_ok(make_file_region(ns, "f", 64 << 10, path, NULL));
	assert_ok(stat(path, &st));
	assert_int_equal(st.st_size, 64 << 10);
	assert_int_equal(st.st_mode & 0777, 0600); /* umask 022 in the tests */
	/* the object holds the header only */
	assert_true(tl_file_size(t, tl_obj(t, "f")) < 64 << 10);
	assert_ok(tl_attach(t, "f", &ns, &r));
	memcpy(svmt_region_data(r), "from the parent", 16);
	assert_child_ok(t, tl_fork(t, attach_and_check, &a));
	assert_memory_equal((char *)svmt_region_data(r) + 100, "from the child", 15);
	read_file(path, buf, 16, 0);
	assert_memory_equal(buf, "from the parent", 16);
	/* the library's own I/O goes to the file too */
	assert_int_equal(svmt_region_pwrite(ns, "f", "via pwrite", 10, 200, 0), 10);
	assert_memory_equal((char *)svmt_region_data(r) + 200, "via pwrite", 10);
	assert_ok(svmt_region_close(r));
	free((void *)path);
}

/* Removing the region, then the namespace, keeps the file; a region made
 * on it again gives the bytes back. */
static void test_file_outlives_region_and_namespace(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	svmt_ns *ns = tl_ns_create(t);
	const char *path = strdup(tl_path(t, "keep.bin"));
	svmt_region *r = NULL;
	char buf[8];

	assert_ok(make_file_region(ns, "f", 8192, path, NULL));
	assert_int_equal(svmt_region_pwrite(ns, "f", "kept!", 6, 8000, 0), 6);
	assert_ok(svmt_region_remove(ns, "f", 0));
	assert_false(tl_exists(t, tl_obj(t, "f")));
	tl_ns_close(t, ns);
	tl_opts(t, &o, 0);
	assert_ok(svmt_ns_remove(&o));
	read_file(path, buf, 6, 8000);
	assert_string_equal(buf, "kept!");

	ns = tl_ns_create(t);
	assert_ok(make_file_region(ns, "again", 8192, path, NULL));
	assert_ok(tl_attach(t, "again", &ns, &r));
	assert_string_equal((char *)svmt_region_data(r) + 8000, "kept!");
	assert_ok(svmt_region_close(r));
	free((void *)path);
}

static void test_file_refusals_leave_nothing(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	const char *path = strdup(tl_path(t, "d.bin"));
	const char *link = strdup(tl_path(t, "link"));
	const char *longer = strdup(tl_path(t, "long.bin"));
	struct svmt_region_opts o;
	int fd;

	/* a symlink is never followed, even to a good file */
	assert_ok(make_file_region(ns, "first", 8192, path, NULL));
	assert_ok(symlink(path, link));
	assert_rc(make_file_region(ns, "vialink", 8192, link, NULL), -ELOOP);
	/* a file already holding a region */
	assert_rc(make_file_region(ns, "second", 8192, path, NULL), -EBUSY);
	/* longer than the region: never truncated */
	fd = open(longer, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_ok(ftruncate(fd, 3 * 4096));
	close(fd);
	assert_rc(make_file_region(ns, "small", 8192, longer, NULL), -EINVAL);
	assert_int_equal(tl_file_size(t, "long.bin"), 3 * 4096);
	/* relative paths and heaps are refused before anything is made */
	assert_rc(make_file_region(ns, "rel", 8192, "rel.bin", NULL), -EINVAL);
	tl_ropts(&o, 8192, PERSIST | SVMT_REGION_HEAP);
	o.file = path;
	assert_rc(svmt_region_open(ns, "heap", &o, NULL), -EINVAL);
	/* none of them left an object or an entry behind */
	assert_false(tl_exists(t, tl_obj(t, "vialink")));
	assert_false(tl_exists(t, tl_obj(t, "second")));
	assert_false(tl_exists(t, tl_obj(t, "small")));
	assert_false(tl_exists(t, "rel.bin"));
	assert_rc(svmt_region_pread(ns, "second", NULL, 0, 0, 0), -ENOENT);
	free((void *)path);
	free((void *)link);
	free((void *)longer);
}

/* Its file removed or replaced, a region cannot be attached: an error,
 * never another file's bytes. */
static void test_missing_or_replaced_file_is_an_error(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	const char *path = strdup(tl_path(t, "d.bin"));
	svmt_region *r = NULL;
	char c;
	int fd;

	assert_ok(make_file_region(ns, "f", 8192, path, NULL));
	assert_ok(unlink(path));
	assert_rc(tl_attach(t, "f", &ns, &r), -ENOENT);
	assert_rc(svmt_region_pread(ns, "f", &c, 1, 0, 0), -ENOENT);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_ok(ftruncate(fd, 8192));
	close(fd);
	assert_rc(tl_attach(t, "f", &ns, &r), SVMT_ECORRUPT);
	assert_rc(svmt_region_pread(ns, "f", &c, 1, 0, 0), SVMT_ECORRUPT);
	/* it can still be removed */
	assert_ok(svmt_region_remove(ns, "f", 0));
	free((void *)path);
}

static void test_file_on_a_full_disk_is_enospc_at_create(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns;
	const char *path;

	if (!tl_is_root() ||
	    mount("svmt-test", t->dir, "tmpfs", MS_NOSUID | MS_NODEV,
		  "size=1m,mode=0700") < 0)
		skip();
	t->mounted = 1;
	ns = tl_ns_create(t);
	path = strdup(tl_path(t, "big.bin"));
	assert_rc(make_file_region(ns, "big", 4 << 20, path, NULL), -ENOSPC);
	assert_false(tl_exists(t, "big.bin")); /* made here: removed again */
	assert_int_equal(tl_count_files(t), 1); /* the namespace alone */
	free((void *)path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TL_TEST(test_file_region_data_is_the_file),
		TL_TEST(test_file_outlives_region_and_namespace),
		TL_TEST(test_file_refusals_leave_nothing),
		TL_TEST(test_missing_or_replaced_file_is_an_error),
		TL_TEST(test_file_on_a_full_disk_is_enospc_at_create),
		TL_LEFTOVER_TEST,
	};
	return TL_RUN(tests);
}
