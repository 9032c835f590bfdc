/*
 * test-names.c - name validation, object names, error texts
 */
#include "testlib.h"

static void check_name(const char *name, int want)
{
	int rc = svmt_name_check(name);
	if (rc != want)
		fail_msg("svmt_name_check(\"%s\") = %d (%s), expected %d", name, rc,
			 svmt_strerror(rc), want);
}

static void test_name_check_accepts_valid_names(void **state)
{
	(void)state;
	check_name("a", 0);
	check_name("vpe-api", 0);
	check_name("A.b_c-9", 0);
	check_name("...", 0);
	check_name(".hidden", 0);
	check_name("x..", 0);
	check_name("_", 0);
	check_name("0", 0);
	check_name("-", 0);
}

static void test_name_check_rejects_empty(void **state)
{
	(void)state;
	check_name("", SVMT_ENAME);
	check_name("/", SVMT_ENAME);
}

static void test_name_check_rejects_slash_inside(void **state)
{
	(void)state;
	check_name("a/b", SVMT_ENAME);
	check_name("a/", SVMT_ENAME);
	check_name("//a", SVMT_ENAME);
	check_name("/a/b", SVMT_ENAME);
}

static void test_name_check_rejects_dot_and_dotdot(void **state)
{
	(void)state;
	check_name(".", SVMT_ENAME);
	check_name("..", SVMT_ENAME);
	check_name("/.", SVMT_ENAME);
	check_name("/..", SVMT_ENAME);
}

static void test_name_check_length_63_ok_64_rejected(void **state)
{
	char n63[64], n64[65], s63[65], s64[66];
	(void)state;
	memset(n63, 'a', 63);
	n63[63] = 0;
	memset(n64, 'b', 64);
	n64[64] = 0;
	check_name(n63, 0);
	check_name(n64, SVMT_ENAME);
	/* the leading '/' does not count */
	snprintf(s63, sizeof s63, "/%s", n63);
	snprintf(s64, sizeof s64, "/%s", n64);
	check_name(s63, 0);
	check_name(s64, SVMT_ENAME);
}

static void test_name_check_rejects_non_ascii(void **state)
{
	(void)state;
	check_name("caf\xc3\xa9", SVMT_ENAME);
	check_name("\xff", SVMT_ENAME);
	check_name("a\x80", SVMT_ENAME);
	check_name("\x01", SVMT_ENAME);
	check_name("a\x7f", SVMT_ENAME);
}

static void test_name_check_leading_slash_ok(void **state)
{
	(void)state;
	check_name("/lead", 0);
	check_name("/vpe-api", 0);
}

static void test_name_check_rejects_colon(void **state)
{
	(void)state;
	check_name("a:b", SVMT_ENAME);
	check_name(":", SVMT_ENAME);
	check_name("a:", SVMT_ENAME);
}

static void test_name_check_rejects_spaces_and_controls(void **state)
{
	(void)state;
	check_name("a b", SVMT_ENAME);
	check_name(" a", SVMT_ENAME);
	check_name("a ", SVMT_ENAME);
	check_name(" ", SVMT_ENAME);
	check_name("a\tb", SVMT_ENAME);
	check_name("a\n", SVMT_ENAME);
	check_name("a*", SVMT_ENAME);
	check_name("a%s", SVMT_ENAME);
	check_name("a\\b", SVMT_ENAME);
}

static void test_name_norm_drops_leading_slash(void **state)
{
	char out[SVMT_NAME_MAX + 1];
	(void)state;
	assert_ok(svmt_name_norm("/lead", out));
	assert_string_equal(out, "lead");
	assert_ok(svmt_name_norm("plain", out));
	assert_string_equal(out, "plain");
	assert_rc(svmt_name_norm("a/b", out), SVMT_ENAME);
}

static void test_objname_format(void **state)
{
	char buf[256];
	(void)state;
	svmt_objname(buf, sizeof buf, "root", "name");
	assert_string_equal(buf, "svmt:root:name");
	svmt_objname(buf, sizeof buf, "root", NULL);
	assert_string_equal(buf, "svmt:root");
}

static void test_objname_is_injective_for_dashes(void **state)
{
	char a[256], b[256];
	(void)state;
	/* the seed's "/<root>-<name>" maps both of these to "/a-b-c" */
	svmt_objname(a, sizeof a, "a-b", "c");
	svmt_objname(b, sizeof b, "a", "b-c");
	assert_string_not_equal(a, b);
	/* every name maps to its own object */
	svmt_objname(a, sizeof a, "a", "bc");
	svmt_objname(b, sizeof b, "ab", "c");
	assert_string_not_equal(a, b);
}

static void test_objname_truncates_within_buffer(void **state)
{
	char buf[16];
	(void)state;
	memset(buf, 'X', sizeof buf);
	svmt_objname(buf, 8, "rootname", "regionname");
	assert_true(memchr(buf, 0, 8) != NULL);
	assert_int_equal(buf[8], 'X');
}

static void test_region_names_with_and_without_slash_are_the_same(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	svmt_region *r = NULL;

	tl_region_make(ns, "vpe-api", 8192);
	assert_true(tl_exists(t, tl_obj(t, "vpe-api")));
	tl_ropts(&o, 8192, SVMT_REGION_CREATE | SVMT_REGION_EXCL | SVMT_REGION_PERSISTENT);
	assert_rc(svmt_region_open(ns, "/vpe-api", &o, NULL), -EEXIST);
	svmt_region_opts_init(&o);
	assert_ok(svmt_region_open(ns, "/vpe-api", &o, &r));
	assert_string_equal(svmt_region_name(r), "vpe-api");
	assert_ok(svmt_region_close(r));
	assert_int_equal(tl_count_files(t), 2);
}

static void test_region_open_rejects_bad_names(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_region_opts o;
	const char *bad[] = { "", ".", "..", "a/b", "a:b", "a b", "caf\xc3\xa9" };

	tl_ropts(&o, 8192, SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = svmt_region_open(ns, bad[i], &o, NULL);
		if (rc != SVMT_ENAME)
			fail_msg("svmt_region_open(\"%s\") = %d, expected SVMT_ENAME", bad[i], rc);
	}
	assert_int_equal(tl_count_files(t), 1);
	assert_rc(svmt_region_remove(ns, "a/b", 0), SVMT_ENAME);
}

static void test_ns_open_rejects_bad_root(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	svmt_ns *ns = NULL;
	const char *bad[] = { "", "..", "a/b", "a:b", "r o o t" };

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc;
		tl_opts(t, &o, SVMT_NS_CREATE);
		o.root = bad[i];
		rc = svmt_ns_open(&o, &ns);
		if (rc == 0)
			svmt_ns_close(ns);
		if (rc != SVMT_ENAME)
			fail_msg("svmt_ns_open(root \"%s\") = %d, expected SVMT_ENAME", bad[i], rc);
	}
	assert_int_equal(tl_count_files(t), 0);
}

static void test_ns_root_with_leading_slash_is_same_namespace(void **state)
{
	struct tl *t = *state;
	struct svmt_ns_opts o;
	svmt_ns *ns = NULL;
	char slashed[40];

	tl_ns_close(t, tl_ns_create(t));
	snprintf(slashed, sizeof slashed, "/%s", t->root);
	tl_opts(t, &o, SVMT_NS_CREATE | SVMT_NS_EXCL | SVMT_NS_NOATTACH);
	o.root = slashed;
	assert_rc(svmt_ns_open(&o, &ns), -EEXIST);
}

static void test_strerror_texts_exist_and_differ(void **state)
{
	const int codes[] = { SVMT_ECORRUPT, SVMT_EVERSION, SVMT_ECLASH, SVMT_ENAME,
			      SVMT_EDIRFULL, SVMT_ENOVA, SVMT_ECLIENTFULL, SVMT_EUNTRUSTED,
			      SVMT_ESIZE, SVMT_EINITFN, SVMT_ENOTATTACHED,
			      SVMT_ENOTRECOVERABLE, SVMT_ERDONLY };
	const size_t n = sizeof codes / sizeof codes[0];
	(void)state;
	for (size_t i = 0; i < n; i++) {
		const char *s = svmt_strerror(codes[i]);
		assert_non_null(s);
		assert_true(s[0] != 0);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(s, svmt_strerror(codes[j]));
	}
	assert_non_null(svmt_strerror(-ENOENT));
	assert_true(svmt_strerror(-ENOENT)[0] != 0);
	assert_string_not_equal(svmt_strerror(-ENOENT), svmt_strerror(-EBUSY));
	/* unknown codes still give text */
	assert_non_null(svmt_strerror(-99999));
	assert_non_null(svmt_strerror(12345));
}

static void test_version_matches_header(void **state)
{
	(void)state;
	assert_string_equal(svmt_version(), SVMT_VERSION_STRING);
}

static void test_errdetail_is_never_null(void **state)
{
	(void)state;
	assert_non_null(svmt_errdetail());
	assert_rc(svmt_fail(SVMT_ENAME, "bad name '%s'", "x y"), SVMT_ENAME);
	assert_string_equal(svmt_errdetail(), "bad name 'x y'");
	svmt_clear_detail();
	assert_string_equal(svmt_errdetail(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_check_accepts_valid_names),
		cmocka_unit_test(test_name_check_rejects_empty),
		cmocka_unit_test(test_name_check_rejects_slash_inside),
		cmocka_unit_test(test_name_check_rejects_dot_and_dotdot),
		cmocka_unit_test(test_name_check_length_63_ok_64_rejected),
		cmocka_unit_test(test_name_check_rejects_non_ascii),
		cmocka_unit_test(test_name_check_leading_slash_ok),
		cmocka_unit_test(test_name_check_rejects_colon),
		cmocka_unit_test(test_name_check_rejects_spaces_and_controls),
		cmocka_unit_test(test_name_norm_drops_leading_slash),
		cmocka_unit_test(test_objname_format),
		cmocka_unit_test(test_objname_is_injective_for_dashes),
		cmocka_unit_test(test_objname_truncates_within_buffer),
		TL_TEST(test_region_names_with_and_without_slash_are_the_same),
		TL_TEST(test_region_open_rejects_bad_names),
		TL_TEST(test_ns_open_rejects_bad_root),
		TL_TEST(test_ns_root_with_leading_slash_is_same_namespace),
		cmocka_unit_test(test_strerror_texts_exist_and_differ),
		cmocka_unit_test(test_version_matches_header),
		cmocka_unit_test(test_errdetail_is_never_null),
		TL_LEFTOVER_TEST,
	};
	return TL_RUN(tests);
}
