/*
 * test-io.c - svmt_region_pread/pwrite: bytes in and out of a region's
 * data area, bounded, without attaching, optionally under the data lock.
 */
#include "testlib.h"

/* A region "d" of @size bytes whose data the caller sees through @r. */
static svmt_ns *make_region(struct tl *t, uint64_t size, svmt_region **r)
{
	svmt_ns *ns = tl_ns_create(t);

	tl_region_make(ns, "d", size);
	assert_ok(tl_attach(t, "d", &ns, r));
	return ns;
}

static void test_pwrite_then_pread_round_trip(void **state)
{
	struct tl *t = *state;
	svmt_region *r = NULL;
	svmt_ns *ns = make_region(t, 10000, &r);
	uint64_t size = svmt_region_data_size(r);
	char buf[64], back[64];

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (char)(i * 7 + 1);
	/* the last bytes of the area, and a middle */
	assert_int_equal(svmt_region_pwrite(ns, "d", buf, 64, size - 64, 0), 64);
	assert_int_equal(svmt_region_pwrite(ns, "/d", buf, 33, 4097, 0), 33);
	assert_memory_equal((char *)svmt_region_data(r) + size - 64, buf, 64);
	assert_memory_equal((char *)svmt_region_data(r) + 4097, buf, 33);
	memcpy((char *)svmt_region_data(r) + 100, "direct", 6);
	assert_int_equal(svmt_region_pread(ns, "d", back, 6, 100, 0), 6);
	assert_memory_equal(back, "direct", 6);
	/* nothing to move is fine, even at the very end */
	assert_int_equal(svmt_region_pread(ns, "d", NULL, 0, size, 0), 0);
}

static void test_out_of_range_moves_nothing(void **state)
{
	struct tl *t = *state;
	svmt_region *r = NULL;
	svmt_ns *ns = make_region(t, 4096, &r);
	uint64_t size = svmt_region_data_size(r);
	char buf[16] = "0123456789abcdef";

	memset(svmt_region_data(r), 'x', size);
	assert_rc(svmt_region_pwrite(ns, "d", buf, 16, size - 15, 0), -ERANGE);
	assert_rc(svmt_region_pwrite(ns, "d", buf, 1, size + 1, 0), -ERANGE);
	assert_rc(svmt_region_pwrite(ns, "d", buf, 16, UINT64_MAX - 3, 0), -ERANGE);
	assert_rc(svmt_region_pread(ns, "d", buf, 16, size - 15, 0), -ERANGE);
	for (uint64_t i = 0; i < size; i++)
		assert_int_equal(((char *)svmt_region_data(r))[i], 'x');
	assert_memory_equal(buf, "0123456789abcdef", 16);
}

static void test_bad_arguments(void **state)
{
	struct tl *t = *state;
	svmt_region *r = NULL;
	svmt_ns *ns = make_region(t, 4096, &r);
	char buf[4];

	assert_rc(svmt_region_pread(ns, "nope", buf, 4, 0, 0), -ENOENT);
	assert_rc(svmt_region_pread(ns, "a:b", buf, 4, 0, 0), SVMT_ENAME);
	assert_rc(svmt_region_pread(ns, "d", buf, 4, 0, 0x10), -EINVAL);
	assert_rc(svmt_region_pwrite(ns, "d", NULL, 4, 0, 0), -EINVAL);
}

/* Not a client, ever: a region that its last client leaves is destroyed,
 * and I/O in between changes nothing about that. */
static void test_io_never_registers_a_client(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region *r = NULL;
	struct svmt_region_info *ri = NULL;
	char c = 'z';

	tl_ropts(&o, 4096, SVMT_REGION_CREATE); /* last client out destroys */
	assert_ok(svmt_region_open(ns, "tmp", &o, &r));
	assert_int_equal(svmt_region_pwrite(ns, "tmp", &c, 1, 0, SVMT_IO_LOCK), 1);
	assert_int_equal(svmt_region_pread(ns, "tmp", &c, 1, 0, 0), 1);
	assert_ok(svmt_region_stat(ns, "tmp", &ri));
	assert_int_equal(ri->nclients, 1);
	svmt_region_info_free(ri);
	assert_ok(svmt_region_close(r));
	assert_false(tl_exists(t, tl_obj(t, "tmp")));
	assert_rc(svmt_region_pread(ns, "tmp", &c, 1, 0, 0), -ENOENT);
}

static void test_read_only_handle_reads_but_never_writes(void **state)
{
	struct tl *t = *state;
	svmt_region *r = NULL;
	svmt_ns *rw = make_region(t, 4096, &r), *ro = NULL;
	char c = 0;

	(void)rw;
	memcpy(svmt_region_data(r), "R", 1);
	assert_ok(tl_ns_open(t, SVMT_NS_RDONLY, &ro));
	assert_int_equal(svmt_region_pread(ro, "d", &c, 1, 0, 0), 1);
	assert_int_equal(c, 'R');
	assert_rc(svmt_region_pwrite(ro, "d", "W", 1, 0, 0), SVMT_ERDONLY);
	assert_rc(svmt_region_pread(ro, "d", &c, 1, 0, SVMT_IO_LOCK), SVMT_ERDONLY);
	assert_int_equal(((char *)svmt_region_data(r))[0], 'R');
}

struct holder_arg {
	struct tl *t;
	struct tl_chan *c;
};

static int data_lock_holder(void *p)
{
	struct holder_arg *a = p;
	svmt_ns *ns = NULL;
	svmt_region *r = NULL;

	CHILD_RC(tl_child_attach(a->t, "d", &ns, &r), 0);
	CHILD_RC(svmt_region_lock(r, 7, 1000), 0);
	tl_post(a->c, 'L');
	tl_pause_forever();
	return 0;
}

static void test_io_lock_waits_for_the_data_lock(void **state)
{
	struct tl *t = *state;
	struct holder_arg a = { t, tl_chan_new(t) };
	struct svmt_ns_opts o;
	svmt_region *r = NULL;
	svmt_ns *ns = make_region(t, 4096, &r), *quick = NULL;
	pid_t kid;

	(void)ns;
	kid = tl_fork(t, data_lock_holder, &a);
	assert_await(a.c, 'L');
	tl_opts(t, &o, SVMT_NS_NOATTACH);
	o.timeout_ms = 100;
	assert_ok(tl_ns_open_opts(t, &o, &quick));
	assert_rc(svmt_region_pwrite(quick, "d", "L", 1, 0, SVMT_IO_LOCK),
		  -ETIMEDOUT);
	assert_int_not_equal(((char *)svmt_region_data(r))[0], 'L');
	/* without the lock it goes through */
	assert_int_equal(svmt_region_pwrite(quick, "d", "U", 1, 0, 0), 1);
	assert_int_equal(((char *)svmt_region_data(r))[0], 'U');
	/* the holder dies: the next locked write takes its lock */
	tl_kill(t, kid);
	assert_int_equal(svmt_region_pwrite(quick, "d", "L", 1, 0, SVMT_IO_LOCK), 1);
	assert_int_equal(((char *)svmt_region_data(r))[0], 'L');
	/* and the application's next locker hears of the death */
	assert_ok(svmt_region_lock(r, 1, 1000));
	assert_int_equal(svmt_region_lock_recovered(r), 1);
	assert_ok(svmt_region_unlock(r));
}

/* A writer shortens the object: an error, never SIGBUS (nothing mapped). */
static void test_truncated_object_is_an_error(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	char buf[4096];

	tl_region_make(ns, "d", 1 << 16);
	assert_ok(tl_truncate(t, tl_obj(t, "d"), tl_file_size(t, tl_obj(t, "d")) - 8192));
	assert_rc(svmt_region_pread(ns, "d", buf, sizeof buf, (1 << 16) - 4096, 0),
		  SVMT_ECORRUPT);
	assert_rc(svmt_region_pwrite(ns, "d", buf, sizeof buf, 0, 0),
		  SVMT_ECORRUPT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TL_TEST(test_pwrite_then_pread_round_trip),
		TL_TEST(test_out_of_range_moves_nothing),
		TL_TEST(test_bad_arguments),
		TL_TEST(test_io_never_registers_a_client),
		TL_TEST(test_read_only_handle_reads_but_never_writes),
		TL_TEST(test_io_lock_waits_for_the_data_lock),
		TL_TEST(test_truncated_object_is_an_error),
		TL_LEFTOVER_TEST,
	};
	return TL_RUN(tests);
}
