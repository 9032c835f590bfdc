#!/usr/bin/env bats
# make check's results: one valid TAP stream per suite in the results
# folder, and the ABI step failing on an incompatible change.

bats_require_minimum_version 1.5.0

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	B=${B:-$top}
}

# valid_tap FILE: a TAP consumer (Perl's TAP::Parser) finds a plan, every
# planned test and no parse error.
valid_tap() {
	perl -MTAP::Parser -e '
		my $p = TAP::Parser->new({ source => $ARGV[0] });
		1 while $p->next;
		my @e = $p->parse_errors;
		print "$ARGV[0]: $_\n" for @e;
		exit(@e || !$p->plan ? 1 : 0)' "$1"
}

@test "each suite writes one valid TAP stream and the console ends in N passed, N failed" {
	perl -MTAP::Parser -e1 2>/dev/null || skip "needs Perl's TAP::Parser"
	local r=$BATS_TEST_TMPDIR/results f n=0
	RESULTS=$r run --separate-stderr "$top/test/run-tests.sh" abi man
	assert_success
	assert_line --index 0 --regexp '^# abi: [0-9]+ passed, 0 failed$'
	assert_line --index 1 --regexp '^# man: [0-9]+ passed, 0 failed$'
	assert_line --index 3 --regexp '^[0-9]+ passed, 0 failed, [0-9]+ skipped$'
	refute_line --regexp '^(not )?ok '
	for f in "$r"/*.tap; do
		valid_tap "$f" || fail "invalid TAP in $f: $(cat "$f")"
		n=$((n + 1))
	done
	assert_equal "$n" 2
	# The unit streams of the last make check, when there was one.
	for f in "$B"/test-results/unit-*.tap; do
		[ -e "$f" ] || continue
		valid_tap "$f" || fail "invalid TAP in $f"
	done
}

@test "a program that dies mid-stream is a failure in a stream that stays valid" {
	perl -MTAP::Parser -e1 2>/dev/null || skip "needs Perl's TAP::Parser"
	local b=$BATS_TEST_TMPDIR/b r=$BATS_TEST_TMPDIR/results
	mkdir -p "$b/test/unit"
	printf '#!/bin/sh\necho 1..3\necho "ok 1 - first"\necho oops >&2\nkill -9 $$\n' \
		>"$b/test/unit/test-dies"
	chmod +x "$b/test/unit/test-dies"
	B=$b RESULTS=$r run --separate-stderr "$top/test/run-tests.sh" unit
	assert_failure
	assert_line '# unit-test-dies: 1 passed, 1 failed'
	assert_line --partial 'not ok 2 - unit-test-dies exited with status 137 after 1 of 3 planned tests'
	assert_line '  | oops'
	assert_line '1 passed, 1 failed, 0 skipped'
	run grep -c '^not ok' "$r/unit-test-dies.tap"
	assert_output 1
}

# abi_step_after STRUCT HEADER: the abi suite on a copy of the library
# built with a member added at the top of STRUCT in lib/HEADER.
abi_step_after() {
	local c=$BATS_TEST_TMPDIR/copy
	command -v abidiff >/dev/null || skip "needs abidiff (abigail-tools)"
	mkdir -p "$c/lib"
	cp -r "$top/Makefile" "$top/test" "$top/debian" "$c/"
	cp "$top"/lib/*.[ch] "$top"/lib/*.map "$top"/lib/*.in "$c/lib/"
	sed -i "/^struct $1 {/a\\	int added;" "$c/lib/$2"
	grep -q '^	int added;' "$c/lib/$2" || fail "no struct $1 in $2"
	make -s --no-print-directory -C "$c" B=. lib >/dev/null
	B=$c RESULTS=$BATS_TEST_TMPDIR/r run --separate-stderr "$top/test/run-tests.sh" abi
}

@test "the ABI step fails on a field added to a public struct" {
	abi_step_after svmt_ns_opts svmtool.h
	assert_failure
	assert_line --partial 'not ok 2 - abidiff reports an ABI change'
	assert_line --partial 'make abi-baseline'
	assert_line --partial "struct svmt_ns_opts"
	assert_line --partial "'int added'"
}

@test "the ABI step ignores a change to a private struct" {
	abi_step_after svmt_ns svmtool-private.h
	assert_success
	assert_line '# abi: 2 passed, 0 failed'
}
