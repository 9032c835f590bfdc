#!/usr/bin/env bats
# The one dependency list (test/deps.sh, from debian/control), the check a
# plain `make` runs first, and `make deps` waiting for a busy package lock.
# apt-get, dpkg-query, id, pkg-config and the compiler are stand-ins on PATH:
# nothing here installs anything.

bats_require_minimum_version 1.5.0

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	deps=$top/test/deps.sh
	bin=$BATS_TEST_TMPDIR/bin
	mkdir -p "$bin"
}

# stub NAME SCRIPT: a command NAME on $bin running the sh SCRIPT.
stub() {
	printf '#!/bin/sh\n%s\n' "$2" >"$bin/$1"
	chmod +x "$bin/$1"
}

@test "make deps installs gcc, make and exactly debian/control's Build-Depends" {
	command -v perl >/dev/null && perl -MDpkg::Deps -e1 2>/dev/null ||
		skip "needs libdpkg-perl to parse debian/control independently"
	run perl -MDpkg::Control::Info -MDpkg::Deps -e '
		my $c = Dpkg::Control::Info->new("'"$top"'/debian/control");
		my $d = deps_parse($c->get_source->{"Build-Depends"}, build_dep => 1);
		print "$_->{package}\n" for $d->get_deps'
	assert_success
	local want
	want=$(printf 'gcc\nmake\n%s\n' "$(grep -vx debhelper-compat <<<"$output")")
	run "$deps" list
	assert_success
	assert_output "$want"
	run "$deps" list --deb
	assert_line debhelper
}

@test "every package the build checks for is a build dependency" {
	local kind mod pkg n=0
	run "$deps" list
	local list=$output
	for kind in build test; do
		while read -r mod _ pkg; do
			grep -qx -- "$pkg" <<<"$list" || fail "$pkg ($mod) is not in Build-Depends"
			n=$((n + 1))
		done < <(sed -n "/^needs()/,/^}/p" "$deps" |
			sed -n "/^\t$kind)/,/;;/s/^\t*echo '\(.*\)'.*/\1/p")
	done
	assert_equal "$n" 4
	run "$deps" modules build
	assert_output "$(printf '%s\n' argtable2 smartcols readline)"
	run "$deps" modules test
	assert_output cmocka
}

@test "test-only build dependencies carry <!nocheck>" {
	local p
	for p in abigail-tools bats bats-assert bats-file bats-support fish libcmocka-dev \
		libdpkg-perl man-db zsh; do
		grep -qE "^ +$p <!nocheck>,?$" "$top/debian/control" || fail "$p is not <!nocheck>"
	done
	for p in pkg-config libargtable2-dev libreadline-dev libsmartcols-dev; do
		grep -qE "^ +$p,?$" "$top/debian/control" || fail "$p is marked or missing"
	done
}

@test "a plain make without a -dev package names it and make deps, and compiles nothing" {
	# pkg-config knows every module but argtable2; the compiler finds
	# every header but argtable2.h.
	stub pkg-config 'for a; do [ "$a" = argtable2 ] && exit 1; done; exit 0'
	stub fakecc 'if grep -q argtable2.h; then echo "fatal error: argtable2.h" >&2; exit 1; fi
		for a; do [ "$a" = -E ] && exit 0; done; echo "compiled $*" >>"'"$BATS_TEST_TMPDIR"'/cc.log"; exit 1'
	cd "$top"
	PATH=$bin:$PATH run --separate-stderr make --no-print-directory \
		B="$BATS_TEST_TMPDIR/build" CC="$bin/fakecc" all
	assert_failure
	[[ $stderr == *"missing Debian packages: libargtable2-dev (argtable2.h, pkg-config argtable2)"* ]] ||
		fail "no package named: $stderr"
	[[ $stderr == *"'make deps'"*"apt-get install libargtable2-dev"* ]] ||
		fail "no hint of make deps: $stderr"
	[ ! -e "$BATS_TEST_TMPDIR/cc.log" ] || fail "compiled: $(cat "$BATS_TEST_TMPDIR/cc.log")"
}

@test "a plain make with everything there passes the check silently" {
	cd "$top"
	run --separate-stderr make --no-print-directory -s build-deps test-deps
	assert_success
	assert_equal "$stderr" ""
}

# The stand-ins of a root machine where libcmocka-dev is missing.
missing_cmocka() {
	stub id 'echo 0'
	stub dpkg-query 'for a; do [ "$a" = libcmocka-dev ] && exit 1; done; echo installed'
}

@test "make deps waits while another process holds the package lock" {
	missing_cmocka
	# Busy for the first two calls, then free.
	stub apt-get 'n=$(cat "'"$BATS_TEST_TMPDIR"'/n" 2>/dev/null || echo 0)
		echo $((n + 1)) >"'"$BATS_TEST_TMPDIR"'/n"
		echo "$*" >>"'"$BATS_TEST_TMPDIR"'/apt.log"
		if [ "$n" -lt 2 ]; then
			echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 42 (apt-get)" >&2
			exit 100
		fi'
	PATH=$bin:$PATH SVMT_APT_WAIT=60 run --separate-stderr "$deps" install
	assert_success
	[[ $stderr == *"installing: libcmocka-dev"* ]] || fail "$stderr"
	[[ $stderr == *"held by process 42"* ]] || fail "holder not named: $stderr"
	[[ $stderr == *"waiting (0s of 60s)"* || $stderr == *"waiting ("*"s of 60s)"* ]] ||
		fail "no waiting message: $stderr"
	run cat "$BATS_TEST_TMPDIR/apt.log"
	assert_line --index 0 "-o DPkg::Lock::Timeout=10 update -qq"
	assert_line --index 2 "-o DPkg::Lock::Timeout=10 update -qq"
	assert_line --index 3 "-o DPkg::Lock::Timeout=10 install -y -qq --no-install-recommends libcmocka-dev"
}

@test "make deps gives up on a lock held too long, and says so" {
	missing_cmocka
	stub apt-get 'echo "E: Could not get lock /var/lib/dpkg/lock-frontend" >&2; exit 100'
	PATH=$bin:$PATH SVMT_APT_WAIT=0 run --separate-stderr "$deps" install
	assert_failure
	[[ $stderr == *"gave up after waiting 0s for the package lock (SVMT_APT_WAIT=0)"* ]] ||
		fail "$stderr"
}

@test "make deps does not retry what is not a lock problem" {
	missing_cmocka
	stub apt-get 'echo x >>"'"$BATS_TEST_TMPDIR"'/apt.log"; echo "E: Unable to locate package" >&2; exit 100'
	PATH=$bin:$PATH SVMT_APT_WAIT=60 run --separate-stderr "$deps" install
	assert_failure
	[[ $stderr == *"Unable to locate package"* ]] || fail "$stderr"
	run cat "$BATS_TEST_TMPDIR/apt.log"
	assert_output x
}

@test "make deps as a user prints the apt-get line and fails" {
	missing_cmocka
	stub id 'echo 1000'
	stub apt-get 'echo called >>"'"$BATS_TEST_TMPDIR"'/apt.log"; exit 0'
	PATH=$bin:$PATH run --separate-stderr "$deps" install
	assert_failure
	[[ $stderr == *"sudo apt-get install -y libcmocka-dev"* ]] || fail "$stderr"
	[ ! -e "$BATS_TEST_TMPDIR/apt.log" ]
}
