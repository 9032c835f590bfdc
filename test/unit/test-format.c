/*
 * test-format.c - svmt_format_region: the 2009 format_svm_region layout,
 * 64-bit clean, checked against exact expected strings
 */
#include "testlib.h"
#include "strbuf.h"

static const struct svmt_client_info client_a = {
	.struct_size = sizeof(client_a), .pid = 4242, .start_time = 1000,
	.alive = 1,
};
static const struct svmt_client_info client_b = {
	.struct_size = sizeof(client_b), .pid = 5151, .start_time = 2000,
	.alive = 0,
};
static const struct svmt_client_info *const two_clients[2] = {
	&client_a, &client_b,
};
static struct svmt_lock_info lock_info;

/* The example of the header comment. */
static void example(struct svmt_region_info *ri)
{
	memset(ri, 0, sizeof *ri);
	memset(&lock_info, 0, sizeof lock_info);
	lock_info.struct_size = sizeof lock_info;
	ri->struct_size = sizeof *ri;
	ri->lock = &lock_info;
	snprintf(ri->name, sizeof ri->name, "vpe-api");
	ri->state = SVMT_STATE_READY;
	ri->base = 0x130026000ULL;
	ri->size = 0x1021000ULL;
	ri->data_base = 0x130027000ULL;
	ri->data_size = 0x1020000ULL;
	ri->user_ctx = 0;
	ri->generation = 1;
	ri->flags = SVMT_RF_PERSISTENT;
	ri->mode = 0600;
	ri->nclients = 2;
	ri->nghosts = 1;
	ri->clients = two_clients;
}

static void check_format(const struct svmt_region_info *ri, unsigned flags, const char *want)
{
	char *got = NULL;
	int rc = svmt_format_region(ri, flags, &got);
	if (rc)
		fail_msg("svmt_format_region: %d (%s)", rc, svmt_strerror(rc));
	assert_non_null(got);
	if (strcmp(got, want)) {
		print_error("expected:\n%s", want);
		print_error("got:\n%s", got);
		free(got);
		fail_msg("format differs");
	}
	free(got);
}

static void test_format_example_terse(void **state)
{
	struct svmt_region_info ri;
	(void)state;
	example(&ri);
	check_format(&ri, 0,
		     "vpe-api: base va 0x0000000130026000 size 0x1021000 (16 mb)\n"
		     "  user_ctx 0x0, generation 1\n"
		     "  2 clients, pids: 4242 5151(dead)\n"
		     "  lock: free\n");
}

static void test_format_example_verbose(void **state)
{
	struct svmt_region_info ri;
	(void)state;
	example(&ri);
	check_format(&ri, SVMT_FORMAT_VERBOSE,
		     "vpe-api: base va 0x0000000130026000 size 0x1021000 (16 mb)\n"
		     "  user_ctx 0x0, generation 1\n"
		     "  flags: 0x1 PERSISTENT\n"
		     "  data_base 0x0000000130027000 data_size 0x1020000\n"
		     "  2 clients, pids: 4242 5151(dead)\n"
		     "  lock: free\n"
		     "  VM in use:\n"
		     "    0x0000000130026000 - 0x0000000131046fff (16516k)\n");
}

/* High addresses and sizes above 4 GiB: nothing truncated to 32 bits. */
static void test_format_is_64_bit_clean(void **state)
{
	struct svmt_region_info ri;
	(void)state;
	example(&ri);
	snprintf(ri.name, sizeof ri.name, "big");
	ri.base = 0x7f0012345000ULL;
	ri.size = 0x140001000ULL;          /* 5 GiB + 4 KiB */
	ri.data_base = 0x7f0012346000ULL;
	ri.data_size = 0x140000000ULL;
	ri.user_ctx = 0xdeadbeef00000001ULL;
	ri.generation = 0x100000000ULL;
	check_format(&ri, SVMT_FORMAT_VERBOSE,
		     "big: base va 0x00007f0012345000 size 0x140001000 (5120 mb)\n"
		     "  user_ctx 0xdeadbeef00000001, generation 4294967296\n"
		     "  flags: 0x1 PERSISTENT\n"
		     "  data_base 0x00007f0012346000 data_size 0x140000000\n"
		     "  2 clients, pids: 4242 5151(dead)\n"
		     "  lock: free\n"
		     "  VM in use:\n"
		     "    0x00007f0012345000 - 0x00007f0152345fff (5242884k)\n");
}

static void test_format_small_size_in_kb(void **state)
{
	struct svmt_region_info ri;
	(void)state;
	example(&ri);
	snprintf(ri.name, sizeof ri.name, "small");
	ri.base = 0x130000000ULL;
	ri.size = 0x3000;
	ri.data_base = 0x130001000ULL;
	ri.data_size = 0x2000;
	ri.nclients = 1;
	ri.nghosts = 0;
	ri.clients = two_clients; /* the first one: 4242, alive */
	check_format(&ri, SVMT_FORMAT_VERBOSE,
		     "small: base va 0x0000000130000000 size 0x3000 (12 kb)\n"
		     "  user_ctx 0x0, generation 1\n"
		     "  flags: 0x1 PERSISTENT\n"
		     "  data_base 0x0000000130001000 data_size 0x2000\n"
		     "  1 client, pids: 4242\n"
		     "  lock: free\n"
		     "  VM in use:\n"
		     "    0x0000000130000000 - 0x0000000130002fff (12k)\n");
}

static void test_format_lock_held_names_the_holder(void **state)
{
	struct svmt_region_info ri;
	char *s = NULL, *line;
	(void)state;
	example(&ri);
	lock_info.owner = 31337;
	lock_info.owner_alive = 1;
	lock_info.tag = SVMT_TAG_USER | 7;
	assert_ok(svmt_format_region(&ri, 0, &s));
	line = strstr(s, "  lock: ");
	assert_non_null(line);
	assert_true(strncmp(line, "  lock: free", 12) != 0);
	assert_non_null(strstr(line, "31337"));
	free(s);
	/* a dead holder is marked as such */
	lock_info.owner_alive = 0;
	assert_ok(svmt_format_region(&ri, 0, &s));
	line = strstr(s, "  lock: ");
	assert_non_null(line);
	assert_non_null(strstr(line, "31337"));
	assert_non_null(strstr(line, "dead"));
	free(s);
}

/* A heap region: data_heap and the heap line, in the words of design §5. */
static void test_format_heap_lines(void **state)
{
	struct svmt_region_info ri;
	(void)state;
	example(&ri);
	ri.flags = SVMT_RF_HEAP;
	ri.data_heap = ri.data_base;
	ri.heap_total = 16908288;
	ri.heap_used = 4096;
	ri.heap_free = 16904192;
	ri.heap_largest_free = 16904192;
	ri.heap_objects = 3;
	check_format(&ri, SVMT_FORMAT_VERBOSE,
		     "vpe-api: base va 0x0000000130026000 size 0x1021000 (16 mb)\n"
		     "  user_ctx 0x0, generation 1\n"
		     "  flags: 0x2 HEAP\n"
		     "  data_base 0x0000000130027000 data_size 0x1020000 "
		     "data_heap 0x0000000130027000\n"
		     "  2 clients, pids: 4242 5151(dead)\n"
		     "  lock: free\n"
		     "  VM in use:\n"
		     "    0x0000000130026000 - 0x0000000131046fff (16516k)\n"
		     "  heap: total 16908288, used 4096, free 16904192, "
		     "largest free 16904192, 3 objects\n");
	ri.heap_total = 0; /* a heap whose header could not be read */
	char *s = NULL;
	assert_ok(svmt_format_region(&ri, SVMT_FORMAT_VERBOSE, &s));
	assert_non_null(strstr(s, "\n  heap: unreadable\n"));
	free(s);
}

/*
 * A caller built against an older, smaller struct: what lies past its
 * struct_size is absent (here the client list), never read; and a struct
 * whose struct_size was never set is refused.
 */
static void test_format_reads_only_struct_size_bytes(void **state)
{
	struct svmt_region_info ri;
	(void)state;
	example(&ri);
	ri.struct_size = offsetof(struct svmt_region_info, nclients);
	check_format(&ri, 0,
		     "vpe-api: base va 0x0000000130026000 size 0x1021000 (16 mb)\n"
		     "  user_ctx 0x0, generation 1\n"
		     "  0 clients, pids:\n"
		     "  lock: free\n");
	ri.struct_size = 0;
	char *s = NULL;
	assert_rc(svmt_format_region(&ri, 0, &s), -EINVAL);
	assert_null(s);
}

static void test_format_flags_zero_and_non_verbose_lines(void **state)
{
	struct svmt_region_info ri;
	char *s = NULL;
	(void)state;
	example(&ri);
	ri.flags = 0;
	assert_ok(svmt_format_region(&ri, SVMT_FORMAT_VERBOSE, &s));
	assert_non_null(strstr(s, "\n  flags: 0x0"));
	assert_null(strstr(s, "PERSISTENT"));
	free(s);
	/* terse output has no flags, data or VM lines */
	assert_ok(svmt_format_region(&ri, 0, &s));
	assert_null(strstr(s, "flags:"));
	assert_null(strstr(s, "data_base"));
	assert_null(strstr(s, "VM in use"));
	assert_int_equal(s[strlen(s) - 1], '\n');
	free(s);
}

static void test_format_non_ready_states_do_not_crash(void **state)
{
	const int states[] = { SVMT_STATE_INIT, SVMT_STATE_CORRUPT, SVMT_STATE_MISSING,
			       SVMT_STATE_ORPHAN, SVMT_STATE_NEWER, 99 };
	(void)state;
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
		struct svmt_region_info ri;
		char *s = NULL;
		memset(&ri, 0, sizeof ri);
		ri.struct_size = sizeof ri;
		snprintf(ri.name, sizeof ri.name, "odd");
		ri.state = states[i];
		ri.error = SVMT_ECORRUPT;
		snprintf(ri.detail, sizeof ri.detail, "bad magic");
		assert_ok(svmt_format_region(&ri, SVMT_FORMAT_VERBOSE, &s));
		assert_non_null(s);
		assert_int_equal(strncmp(s, "odd", 3), 0);
		assert_int_equal(s[strlen(s) - 1], '\n');
		free(s);
	}
}

/* A live region formats its real values. */
static void test_format_of_listed_region(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region_list *ri = NULL;
	svmt_region *r = NULL;
	char *s = NULL, want[256];

	tl_ropts(&o, 1 << 20, SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT);
	assert_ok(svmt_region_open(ns, "live", &o, &r));
	assert_ok(svmt_list(ns, &ri));
	assert_int_equal(svmt_list_count(ri), 1);
	assert_ok(svmt_format_region(svmt_list_get(ri, 0), SVMT_FORMAT_VERBOSE, &s));
	snprintf(want, sizeof want, "live: base va 0x%016llx size 0x%llx (1 mb)\n",
		 (unsigned long long)svmt_region_base(r),
		 (unsigned long long)svmt_region_size(r));
	assert_int_equal(strncmp(s, want, strlen(want)), 0);
	snprintf(want, sizeof want, "  1 client, pids: %d\n", (int)getpid());
	assert_non_null(strstr(s, want));
	snprintf(want, sizeof want, "    0x%016llx - 0x%016llx (%lluk)\n",
		 (unsigned long long)svmt_region_base(r),
		 (unsigned long long)(svmt_region_base(r) + svmt_region_size(r) - 1),
		 (unsigned long long)(svmt_region_size(r) >> 10));
	assert_non_null(strstr(s, want));
	free(s);
	svmt_list_free(ri);
	assert_ok(svmt_region_close(r));
}

/* The growing string the dumps and list -J are built in (strbuf.h). */
static void test_strbuf_numbers_growth_and_cuts(void **state)
{
	struct svmt_buf b = { 0 };
	char big[300], cut[4], d[21];

	(void)state;
	svmt_buf_hex(&b, 0x1a2b, 8);
	svmt_buf_char(&b, ' ');
	svmt_buf_hex(&b, UINT64_MAX, 16);
	svmt_buf_char(&b, ' ');
	svmt_buf_hex(&b, 0, 1);
	svmt_buf_char(&b, ' ');
	svmt_buf_udec(&b, UINT64_MAX);
	svmt_buf_char(&b, ' ');
	svmt_buf_dec(&b, INT64_MIN);
	svmt_buf_char(&b, ' ');
	svmt_buf_dec(&b, -42);
	assert_false(b.oom);
	assert_string_equal(b.s, "00001a2b ffffffffffffffff 0 "
			    "18446744073709551615 -9223372036854775808 -42");
	/* a printf piece longer than the room left: grown, whole */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	b.n = 0;
	svmt_buf_printf(&b, "<%s>%d", big, 7);
	assert_int_equal(b.n, strlen(big) + 3);
	assert_int_equal(b.s[0], '<');
	assert_string_equal(b.s + b.n - 2, ">7");
	free(b.s);
	/* a copy cut short to fit, NUL-terminated */
	svmt_str_put(cut, sizeof(cut), "abcdef");
	assert_string_equal(cut, "abc");
	assert_string_equal(svmt_udec(d, 0), "0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_example_terse),
		cmocka_unit_test(test_format_example_verbose),
		cmocka_unit_test(test_format_is_64_bit_clean),
		cmocka_unit_test(test_format_small_size_in_kb),
		cmocka_unit_test(test_format_lock_held_names_the_holder),
		cmocka_unit_test(test_format_reads_only_struct_size_bytes),
		cmocka_unit_test(test_format_heap_lines),
		cmocka_unit_test(test_format_flags_zero_and_non_verbose_lines),
		cmocka_unit_test(test_format_non_ready_states_do_not_crash),
		TL_TEST(test_format_of_listed_region),
		cmocka_unit_test(test_strbuf_numbers_growth_and_cuts),
		TL_LEFTOVER_TEST,
	};
	return TL_RUN(tests);
}
