#!/usr/bin/env bats
# The Makefile and the user's flags (GNU conventions): CPPFLAGS, CFLAGS,
# LDFLAGS and LDLIBS reach the compiler and the linker, the build's own
# flags stay, and warnings are errors only with WERROR=1.  Read from
# `make -n` in a scratch build directory: nothing is built.

bats_require_minimum_version 1.5.0

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
}

# dry VAR=value...: the commands make would run for a fresh build, with
# none of the variables of a make that runs these tests (make WERROR=1 check).
dry() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u WERROR -u CFLAGS -u CPPFLAGS \
		-u LDFLAGS -u LDLIBS \
		make -n --no-print-directory -C "$top" B="$BATS_TEST_TMPDIR/b" V=1 "$@" all tests
}

@test "CPPFLAGS and CFLAGS reach every compile, after the build's own flags" {
	run dry CPPFLAGS='-DSVMT_FROM_CPPFLAGS -D_FORTIFY_SOURCE=3' CFLAGS='-O3 -g3'
	assert_success
	local n=0 l
	while read -r l; do
		[[ $l == *'-std=c11'* ]] || continue
		n=$((n + 1))
		[[ $l == *'-DSVMT_FROM_CPPFLAGS -D_FORTIFY_SOURCE=3'* ]] || fail "no CPPFLAGS: $l"
		[[ $l == *'-std=c11'*'-O3 -g3'* ]] || fail "CFLAGS missing or not last: $l"
		[[ $l != *'-O2'* ]] || fail "the default CFLAGS stayed: $l"
	done <<<"$output"
	[ "$n" -gt 20 ] || fail "only $n compiles seen"
}

@test "LDFLAGS and LDLIBS reach the links of the library and the command" {
	run dry LDFLAGS='-Wl,-z,now' LDLIBS='-lfromldlibs'
	assert_success
	assert_line --regexp '-shared .*-Wl,-z,now|-Wl,-z,now.*-shared'
	assert_line --regexp '-o [^ ]*/cmd/svmtool .*-lfromldlibs'
}

@test "warnings are errors only with WERROR=1" {
	run dry
	refute_line --partial -Werror
	run dry WERROR=1
	assert_line --partial -Werror
}

@test "the command does not link readline: only the interactive shell loads it" {
	run dry
	assert_success
	assert_line --regexp '-o [^ ]*/cmd/svmtool .*-lsmartcols'
	refute_line --regexp '-o [^ ]*/cmd/svmtool .*-lreadline'
	# and the binary built for these tests says so too
	if [[ -x $top/cmd/svmtool ]]; then
		run readelf -d "$top/cmd/svmtool"
		assert_line --partial 'libsmartcols.so'
		refute_line --partial 'libreadline'
		refute_line --partial 'libtinfo'
	fi
}
