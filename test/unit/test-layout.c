/*
 * test-layout.c - a layout and an ABI that can grow: headers of the first
 * layout are still read, feature words say what an older reader may do,
 * the page size is recorded, public structs carry their size, and one
 * region can be described without listing the others.
 */
#include "testlib.h"

#define PERSIST (SVMT_REGION_CREATE | SVMT_REGION_PERSISTENT)
#define UNKNOWN_BIT 0x80000000u

/* The first layout's fields stay where they were: files outlive programs. */
_Static_assert(SVMT_RHDR_MIN == 448, "first region layout moved");
_Static_assert(SVMT_ROOT_HDR_MIN == 288, "first namespace layout moved");
_Static_assert(offsetof(struct svmt_rhdr, clients_off) == 64, "moved");
_Static_assert(offsetof(struct svmt_rhdr, lock) == 352, "moved");
_Static_assert(offsetof(struct svmt_root, lock) == 192, "moved");

/* Namespace with persistent region "v" (64 KiB) and one client, us. */
static svmt_region *make_ns(struct tl *t, svmt_ns **ns)
{
	struct svmt_region_opts o;
	svmt_region *r = NULL;

	*ns = tl_ns_create(t);
	tl_ropts(&o, 1 << 16, PERSIST);
	assert_ok(svmt_region_open(*ns, "v", &o, &r));
	memcpy(svmt_region_data(r), "payload", 8);
	return r;
}

static const struct svmt_region_info *listed(struct tl *t, const char *name,
					     svmt_region_list **l)
{
	const struct svmt_region_info *ri;

	tl_list_rdonly(t, l);
	ri = svmt_list_find(*l, name);
	assert_non_null(ri);
	return ri;
}

/*
 * Rewrite region "v"'s header as the first layout wrote it, by hand: the
 * header ends where the feature words begin, the client table follows it
 * at the next 64 bytes, only the PERSISTENT flag.
 */
static void make_first_layout(struct tl *t, const char *name)
{
	const char *obj = tl_obj(t, name);
	struct svmt_rhdr h;
	struct svmt_ident cl[SVMT_DEFAULT_MAX_CLIENTS];
	size_t len;
	char *buf = tl_slurp(tl_path(t, obj), &len);
	uint64_t old_off = SVMT_RHDR_MIN; /* 448: a multiple of 64 */

	assert_non_null(buf);
	memcpy(&h, buf, sizeof h);
	assert_int_equal(h.hdr_size, sizeof h);
	memcpy(cl, buf + h.clients_off, sizeof cl);
	memset(buf + SVMT_RHDR_MIN, 0, h.data_off - SVMT_RHDR_MIN);
	memcpy(buf + old_off, cl, sizeof cl);
	h.hdr_size = SVMT_RHDR_MIN;
	h.clients_off = old_off;
	h.flags = SVMT_RF_PERSISTENT;
	memcpy(buf, &h, SVMT_RHDR_MIN);
	assert_int_equal(h.data_off, svmt_page_up(old_off + sizeof cl, SVMT_PAGE));
	assert_ok(tl_patch(t, obj, 0, buf, h.data_off));
	free(buf);
}

static void test_first_layout_region_is_listed_and_attached(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = make_ns(t, &ns), *r2 = NULL;
	svmt_region_list *l = NULL;
	const struct svmt_region_info *ri;
	struct svmt_region_opts o;
	char *s = NULL;

	assert_ok(svmt_region_close(r));
	tl_ns_close(t, ns);
	make_first_layout(t, "v");

	ri = listed(t, "v", &l);
	assert_int_equal(ri->state, SVMT_STATE_READY);
	assert_int_equal(ri->flags, SVMT_RF_PERSISTENT);
	assert_int_equal(ri->compat | ri->ro_compat | ri->incompat, 0);
	assert_int_equal(ri->data_size, 1 << 16);
	assert_ok(svmt_format_region(ri, SVMT_FORMAT_VERBOSE, &s));
	assert_non_null(strstr(s, "flags: 0x1 PERSISTENT"));
	free(s);
	svmt_list_free(l);

	/* Attached and detached by this version: the table where it was. */
	assert_ok(tl_ns_open(t, 0, &ns));
	svmt_region_opts_init(&o);
	assert_ok(svmt_region_open(ns, "v", &o, &r2));
	assert_memory_equal(svmt_region_data(r2), "payload", 8);
	ri = listed(t, "v", &l);
	assert_int_equal(ri->nclients, 1);
	assert_int_equal(ri->clients[0]->pid, getpid());
	svmt_list_free(l);
	assert_ok(svmt_region_close(r2));
	ri = listed(t, "v", &l);
	assert_int_equal(ri->nclients, 0);
	svmt_list_free(l);
	assert_ok(svmt_recover(ns, NULL, 0, SVMT_DRY_RUN, NULL, NULL));
	assert_ok(svmt_region_remove(ns, "v", 0));
}

/* A namespace object of the first layout: no feature words, no page size. */
static void test_first_layout_namespace_is_listed(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = make_ns(t, &ns);
	svmt_region_list *l = NULL;
	struct svmt_ns_info in;

	assert_ok(svmt_region_close(r));
	tl_ns_close(t, ns);
	assert_ok(tl_patch_u32(t, tl_obj(t, NULL), offsetof(struct svmt_root, hdr_size),
			       SVMT_ROOT_HDR_MIN));
	/* what followed the first header: not read as features */
	assert_ok(tl_patch_u32(t, tl_obj(t, NULL), offsetof(struct svmt_root, incompat),
			       UNKNOWN_BIT));
	assert_ok(tl_patch_u32(t, tl_obj(t, NULL), offsetof(struct svmt_root, page_size),
			       12345));
	assert_int_equal(listed(t, "v", &l)->state, SVMT_STATE_READY);
	svmt_list_free(l);
	assert_ok(tl_ns_open(t, SVMT_NS_RDONLY, &ns));
	assert_ok(svmt_ns_info(ns, &in));
	assert_int_equal(in.page_size, 4096);
	tl_ns_close(t, ns);
}

/* A newer writer's larger header, with bytes we do not know in it. */
static void test_larger_header_from_newer_writer_is_read(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = make_ns(t, &ns);
	svmt_region_list *l = NULL;
	uint64_t junk = 0x1122334455667788ULL;

	assert_ok(svmt_region_close(r));
	tl_ns_close(t, ns);
	assert_true(SVMT_CLIENTS_OFF >= sizeof(struct svmt_rhdr) + 8);
	assert_ok(tl_patch_u32(t, tl_obj(t, "v"), offsetof(struct svmt_rhdr, hdr_size),
			       (uint32_t)SVMT_CLIENTS_OFF));
	assert_ok(tl_patch(t, tl_obj(t, "v"), sizeof(struct svmt_rhdr), &junk, 8));
	assert_int_equal(listed(t, "v", &l)->state, SVMT_STATE_READY);
	svmt_list_free(l);
	/* but not one reaching into its own client table */
	assert_ok(tl_patch_u32(t, tl_obj(t, "v"), offsetof(struct svmt_rhdr, hdr_size),
			       (uint32_t)SVMT_CLIENTS_OFF + 64));
	assert_int_equal(listed(t, "v", &l)->state, SVMT_STATE_CORRUPT);
	svmt_list_free(l);
}

enum word { COMPAT, RO_COMPAT, INCOMPAT };

static void set_region_feature(struct tl *t, enum word w, uint32_t bits)
{
	size_t off = w == COMPAT ? offsetof(struct svmt_rhdr, compat)
		   : w == RO_COMPAT ? offsetof(struct svmt_rhdr, ro_compat)
				    : offsetof(struct svmt_rhdr, incompat);
	assert_ok(tl_patch_u32(t, tl_obj(t, "v"), (off_t)off, bits));
}

static void test_unknown_compat_region_feature_is_ignored(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = make_ns(t, &ns), *r2 = NULL;
	svmt_region_list *l = NULL;
	const struct svmt_region_info *ri;
	struct svmt_region_opts o;

	assert_ok(svmt_region_close(r));
	set_region_feature(t, COMPAT, UNKNOWN_BIT);
	ri = listed(t, "v", &l);
	assert_int_equal(ri->state, SVMT_STATE_READY);
	assert_int_equal(ri->compat, UNKNOWN_BIT);
	svmt_list_free(l);
	svmt_region_opts_init(&o);
	assert_ok(svmt_region_open(ns, "v", &o, &r2));
	assert_ok(svmt_region_close(r2));
	assert_ok(svmt_region_remove(ns, "v", 0));
}

static void test_unknown_ro_compat_region_feature_lists_but_not_changed(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = make_ns(t, &ns), *r2 = NULL;
	svmt_region_list *l = NULL;
	struct svmt_region_opts o;
	struct tl_evlog log = { 0 };

	assert_ok(svmt_region_close(r));
	set_region_feature(t, RO_COMPAT, UNKNOWN_BIT);
	assert_int_equal(listed(t, "v", &l)->state, SVMT_STATE_READY);
	svmt_list_free(l);
	svmt_region_opts_init(&o);
	assert_rc(svmt_region_open(ns, "v", &o, &r2), SVMT_EFEATURE);
	assert_non_null(strstr(svmt_errdetail(), "made by a newer svmtool"));
	assert_non_null(strstr(svmt_errdetail(), "0x80000000"));
	assert_rc(svmt_region_remove(ns, "v", 0), SVMT_EFEATURE);
	/* recover reports it and leaves it */
	assert_ok(svmt_recover(ns, NULL, 0, 0, tl_ev_collect, &log));
	assert_non_null(tl_ev_find(&log, SVMT_EV_CORRUPT, "v"));
	assert_true(tl_exists(t, tl_obj(t, "v")));
	/* forced removal is the operator's way out */
	assert_ok(svmt_region_remove(ns, "v", SVMT_REMOVE_FORCE));
}

static void test_unknown_incompat_region_feature_is_refused(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = make_ns(t, &ns), *r2 = NULL;
	svmt_region_list *l = NULL;
	const struct svmt_region_info *ri;
	struct svmt_region_info *one = NULL;
	struct svmt_region_opts o;
	struct tl_evlog log = { 0 };
	char *s = NULL;

	assert_ok(svmt_region_close(r));
	set_region_feature(t, INCOMPAT, UNKNOWN_BIT);
	ri = listed(t, "v", &l);
	assert_int_equal(ri->state, SVMT_STATE_NEWER);
	assert_int_equal(ri->error, SVMT_EFEATURE);
	assert_non_null(strstr(ri->detail, "made by a newer svmtool"));
	assert_ok(svmt_format_region(ri, SVMT_FORMAT_VERBOSE, &s));
	assert_non_null(strstr(s, "\n  newer: region object made by a newer svmtool "
			       "(incompatible features 0x80000000)\n"));
	free(s);
	svmt_list_free(l);
	assert_ok(svmt_region_stat(ns, "v", &one));
	assert_int_equal(one->state, SVMT_STATE_NEWER);
	svmt_region_info_free(one);
	svmt_region_opts_init(&o);
	assert_rc(svmt_region_open(ns, "v", &o, &r2), SVMT_EFEATURE);
	assert_string_equal(svmt_strerror(SVMT_EFEATURE), "made by a newer svmtool");
	assert_rc(svmt_region_remove(ns, "v", 0), SVMT_EFEATURE);
	assert_ok(svmt_recover(ns, NULL, 0, SVMT_DRY_RUN, tl_ev_collect, &log));
	assert_non_null(tl_ev_find(&log, SVMT_EV_CORRUPT, "v"));
	assert_true(tl_exists(t, tl_obj(t, "v")));
}

static void set_root_feature(struct tl *t, enum word w, uint32_t bits)
{
	size_t off = w == COMPAT ? offsetof(struct svmt_root, compat)
		   : w == RO_COMPAT ? offsetof(struct svmt_root, ro_compat)
				    : offsetof(struct svmt_root, incompat);
	assert_ok(tl_patch_u32(t, tl_obj(t, NULL), (off_t)off, bits));
}

static void test_namespace_feature_words(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = make_ns(t, &ns);
	svmt_region_list *l = NULL;

	assert_ok(svmt_region_close(r));
	tl_ns_close(t, ns);

	set_root_feature(t, COMPAT, UNKNOWN_BIT);
	assert_ok(tl_ns_open(t, 0, &ns));
	tl_ns_close(t, ns);

	set_root_feature(t, COMPAT, 0);
	set_root_feature(t, RO_COMPAT, UNKNOWN_BIT);
	assert_int_equal(listed(t, "v", &l)->state, SVMT_STATE_READY);
	svmt_list_free(l);
	assert_rc(tl_ns_open(t, 0, &ns), SVMT_EFEATURE);
	assert_rc(tl_ns_open(t, SVMT_NS_NOATTACH, &ns), SVMT_EFEATURE);
	assert_non_null(strstr(svmt_errdetail(), "can be listed, not changed"));

	set_root_feature(t, RO_COMPAT, 0);
	set_root_feature(t, INCOMPAT, UNKNOWN_BIT);
	assert_rc(tl_ns_open(t, SVMT_NS_RDONLY, &ns), SVMT_EFEATURE);
	assert_non_null(strstr(svmt_errdetail(), "made by a newer svmtool "
			       "(incompatible features 0x80000000)"));
	assert_rc(tl_ns_open(t, 0, &ns), SVMT_EFEATURE);
}

static void test_page_size_is_recorded_and_checked(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = make_ns(t, &ns);
	struct svmt_ns_info in;
	off_t off = offsetof(struct svmt_root, page_size);

	assert_ok(svmt_ns_info(ns, &in));
	assert_int_equal(in.page_size, sysconf(_SC_PAGESIZE));
	assert_int_equal(in.base % in.page_size, 0);
	assert_int_equal(svmt_region_base(r) % in.page_size, 0);
	assert_ok(svmt_region_close(r));
	tl_ns_close(t, ns);
	assert_ok(tl_patch_u32(t, tl_obj(t, NULL), off, 3000));
	assert_rc(tl_ns_open(t, SVMT_NS_RDONLY, &ns), SVMT_ECORRUPT);
	assert_ok(tl_patch_u32(t, tl_obj(t, NULL), off, 0));
	assert_rc(tl_ns_open(t, SVMT_NS_RDONLY, &ns), SVMT_ECORRUPT);
	/* larger pages than the file's size allows: the geometry disagrees */
	assert_ok(tl_patch_u32(t, tl_obj(t, NULL), off, 1u << 20));
	assert_rc(tl_ns_open(t, SVMT_NS_RDONLY, &ns), SVMT_ECORRUPT);
}

static void test_region_stat_reads_one_region(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = make_ns(t, &ns);
	struct svmt_region_info *ri = NULL;
	svmt_ns *ro = NULL;

	tl_region_make(ns, "w", 8192);
	assert_ok(tl_ns_open(t, SVMT_NS_RDONLY, &ro));
	/* made after the read-only handle opened: stat reads what is now */
	tl_region_make(ns, "late", 8192);
	assert_ok(svmt_region_stat(ro, "/late", &ri));
	assert_string_equal(ri->name, "late");
	assert_int_equal(ri->state, SVMT_STATE_READY);
	assert_int_equal(ri->struct_size, sizeof *ri);
	assert_int_equal(ri->lock->struct_size, sizeof *ri->lock);
	svmt_region_info_free(ri);
	assert_ok(svmt_region_stat(ro, "v", &ri));
	assert_int_equal(ri->base, svmt_region_base(r));
	assert_int_equal(ri->data_size, 1 << 16);
	assert_int_equal(ri->nclients, 1);
	assert_int_equal(ri->clients[0]->pid, getpid());
	assert_int_equal(ri->clients[0]->struct_size, sizeof *ri->clients[0]);
	svmt_region_info_free(ri);
	assert_rc(svmt_region_stat(ro, "nope", &ri), -ENOENT);
	assert_null(ri);
	assert_rc(svmt_region_stat(ro, "a b", &ri), SVMT_ENAME);
	svmt_region_info_free(NULL);
	tl_ns_close(t, ro);
	assert_ok(svmt_region_close(r));
}

static void test_region_stat_sees_orphans(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = NULL;
	svmt_region *r = make_ns(t, &ns);
	struct svmt_region_info *ri = NULL;

	assert_ok(svmt_region_close(r));
	assert_ok(svmt_ns_lock(ns, SVMT_TAG_RECOVER, NULL));
	{
		struct svmt_dir d = svmt_ns_dir(ns);
		struct svmt_dirent *e = svmt_dir_find(&d, "v");

		assert_ok(svmt_space_free(&d, e->base, e->size));
		svmt_dir_delete(&d, e);
	}
	svmt_ns_unlock(ns);
	assert_ok(svmt_region_stat(ns, "v", &ri));
	assert_int_equal(ri->state, SVMT_STATE_ORPHAN);
	assert_int_equal(ri->in_directory, 0);
	svmt_region_info_free(ri);
}

/* Structs the caller allocates: the library honours their size. */
static void test_caller_structs_carry_their_size(void **state)
{
	struct tl *t = *state;
	svmt_ns *ns = tl_ns_create(t);
	struct svmt_ns_opts o;
	unsigned char buf[sizeof(struct svmt_ns_info) + 16];
	struct svmt_ns_info *in = (struct svmt_ns_info *)(void *)buf;
	size_t small = offsetof(struct svmt_ns_info, base);
	svmt_ns *ns2 = NULL;

	/* an older caller's smaller svmt_ns_info: nothing written past it */
	memset(buf, 0xee, sizeof buf);
	assert_ok(svmt_ns_info_size(ns, in, small));
	assert_int_equal(in->struct_size, small);
	assert_string_equal(in->root, t->root);
	for (size_t i = small; i < sizeof buf; i++)
		assert_int_equal(buf[i], 0xee);
	assert_ok(svmt_ns_info(ns, in));
	assert_int_equal(in->struct_size, sizeof *in);
	assert_true(SVMT_HAS_FIELD(in, page_size));

	/* options never set up, or with bytes this version does not know */
	tl_opts(t, &o, 0);
	o.struct_size = 0;
	assert_rc(svmt_ns_open(&o, &ns2), -EINVAL);
	{
		struct { struct svmt_ns_opts o; uint64_t newer; } big;

		tl_opts(t, &big.o, 0);
		big.o.struct_size = sizeof big;
		big.newer = 0;
		assert_ok(tl_ns_open_opts(t, &big.o, &ns2));
		big.newer = 1;
		assert_rc(svmt_ns_open(&big.o, &ns2), -E2BIG);
	}
	/* an older caller's smaller options: the rest are defaults */
	tl_opts(t, &o, SVMT_NS_RDONLY);
	o.struct_size = offsetof(struct svmt_ns_opts, base);
	assert_ok(tl_ns_open_opts(t, &o, &ns2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TL_TEST(test_first_layout_region_is_listed_and_attached),
		TL_TEST(test_first_layout_namespace_is_listed),
		TL_TEST(test_larger_header_from_newer_writer_is_read),
		TL_TEST(test_unknown_compat_region_feature_is_ignored),
		TL_TEST(test_unknown_ro_compat_region_feature_lists_but_not_changed),
		TL_TEST(test_unknown_incompat_region_feature_is_refused),
		TL_TEST(test_namespace_feature_words),
		TL_TEST(test_page_size_is_recorded_and_checked),
		TL_TEST(test_region_stat_reads_one_region),
		TL_TEST(test_region_stat_sees_orphans),
		TL_TEST(test_caller_structs_carry_their_size),
		TL_LEFTOVER_TEST,
	};
	return TL_RUN(tests);
}
