#!/usr/bin/env bats
# make install and make uninstall into a DESTDIR: where the files go, that
# each shell reads its completion from there, man pages for every function.

bats_require_minimum_version 1.5.0

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	dest=$BATS_TEST_TMPDIR/dest
	# The build make check made; install builds nothing new.
	B=${B:-$top}
}

# make_install PREFIX [VAR=value...]: make install into $dest.
make_install() {
	local prefix=$1
	shift
	make -s --no-print-directory -C "$top" B="$B" PREFIX="$prefix" \
		DESTDIR="$dest" "$@" install >/dev/null
}

# The exported functions, from the symbols file.
functions() {
	sed -n 's/^ \(svmt_[a-z0-9_]*\)@.*/\1/p' "$top/debian/libsvmtool1.symbols"
}

@test "install to /usr/local puts the completions where bash, zsh and fish read them" {
	make_install /usr/local
	local p=$dest/usr/local/share
	[ -f "$p/bash-completion/completions/svmtool" ] || fail "no bash completion"
	[ -f "$p/zsh/site-functions/_svmtool" ] || fail "no zsh completion"
	[ -f "$p/fish/vendor_completions.d/svmtool.fish" ] || fail "no fish completion"
	# zsh's own function path has the directory.
	run zsh -fc 'print -l $fpath'
	assert_line /usr/local/share/zsh/site-functions
	# fish reads vendor completions under XDG_DATA_DIRS (its default there
	# is the XDG one, /usr/local/share:/usr/share).
	XDG_DATA_DIRS=/usr/local/share:/usr/share run fish -c 'printf "%s\n" $fish_complete_path'
	assert_line /usr/local/share/fish/vendor_completions.d
	# bash-completion loads completions/NAME from each XDG data directory.
	if [ -f /usr/share/bash-completion/bash_completion ]; then
		grep -q 'XDG_DATA_DIRS:-/usr/local/share:/usr/share' \
			/usr/share/bash-completion/bash_completion
	fi
}

@test "install to /usr uses bash-completion's and fish's directories and zsh's vendor-completions" {
	make_install /usr
	[ -f "$dest/usr/share/zsh/vendor-completions/_svmtool" ] || fail "no zsh completion"
	run zsh -fc 'print -l $fpath'
	assert_line /usr/share/zsh/vendor-completions
	local d
	for pc in bash-completion fish; do
		d=$(pkg-config --variable=completionsdir "$pc") || continue
		run ls "$dest$d"
		assert_output --regexp '^svmtool(\.fish)?$'
	done
}

@test "the completion directories can be chosen" {
	make_install /opt/x BASHCOMPDIR=/b FISHCOMPDIR=/f ZSHCOMPDIR=/z
	[ -f "$dest/b/svmtool" ] && [ -f "$dest/f/svmtool.fish" ] && [ -f "$dest/z/_svmtool" ]
}

@test "uninstall removes every file install made" {
	make_install /usr/local
	run find "$dest" -type f
	[ "${#lines[@]}" -gt 30 ] || fail "install made few files: $output"
	make -s --no-print-directory -C "$top" B="$B" PREFIX=/usr/local DESTDIR="$dest" uninstall
	run find "$dest" ! -type d
	assert_output ''
}

@test "install and uninstall to the live system run ldconfig, into a DESTDIR not" {
	[ "$(id -u)" -eq 0 ] || skip "ldconfig runs for root only"
	run make -n --no-print-directory -C "$top" B="$B" PREFIX=/usr/local DESTDIR= install
	assert_line --regexp '^(/usr)?/s?bin/ldconfig$'
	run make -n --no-print-directory -C "$top" B="$B" PREFIX=/usr/local DESTDIR= uninstall
	assert_line --regexp '^(/usr)?/s?bin/ldconfig$'
	run make -n --no-print-directory -C "$top" B="$B" PREFIX=/usr/local DESTDIR="$dest" install
	refute_line --regexp 'ldconfig'
}

@test "man svmt_FUNCTION shows libsvmtool(3), which documents it, for every exported function" {
	make_install /usr/local
	local f n=0
	export MANPATH=$dest/usr/local/share/man
	for f in $(functions); do
		n=$((n + 1))
		grep -qE "^[a-z].*[ *]$f\(" "$top/man/libsvmtool.3" ||
			fail "libsvmtool(3) does not declare $f"
		run --separate-stderr env MANWIDTH=80 man -P cat "$f"
		assert_success
		[[ $output == *"libsvmtool - shared memory regions"* ]] || fail "man $f: $output"
	done
	[ "$n" -eq "$(grep -c '^ svmt_' "$top/debian/libsvmtool1.symbols")" ]
	[ "$n" -gt 20 ]
}
