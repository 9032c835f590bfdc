#!/usr/bin/env bats
# svmtool itself: global options, help, version, command dispatch

load helper

@test "no command prints a short usage on stderr and exits 2" {
	run --separate-stderr svmtool
	assert_equal "$status" 2
	assert_equal "$output" ""
	[[ $stderr == usage:\ svmtool* ]]
	[[ $stderr == *"see 'svmtool --help'"* ]]
}

@test "--help lists every command on stdout" {
	run --separate-stderr svmtool --help
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 --partial "usage: svmtool"
	for c in create map list scan unmap recover help; do
		assert_line --regexp "^  $c +[a-z]"
	done
	assert_output --partial "--shm-dir"
	assert_output --partial "--timeout"
}

@test "-h is --help" {
	run --separate-stderr svmtool -h
	assert_success
	assert_line --index 0 --partial "usage: svmtool"
}

@test "help without a command is --help" {
	run --separate-stderr svmtool --help
	local want=$output
	run --separate-stderr svmtool help
	assert_success
	assert_equal "$output" "$want"
}

@test "help COMMAND is COMMAND --help" {
	for c in create map list scan unmap recover; do
		run --separate-stderr svmtool "$c" --help
		assert_success
		local want=$output
		run --separate-stderr svmtool help "$c"
		assert_success
		assert_equal "$output" "$want"
		assert_line --index 0 --partial "usage: svmtool $c"
	done
}

@test "every command has --help and -h on stdout with exit 0" {
	for c in create map list scan unmap recover; do
		for h in --help -h; do
			run --separate-stderr svmtool "$c" "$h"
			assert_success
			assert_equal "$stderr" ""
			assert_line --index 0 --partial "usage: svmtool $c"
			assert_output --partial "--help"
		done
	done
}

@test "--help wins over missing mandatory arguments and other errors" {
	run --separate-stderr svmtool create --help
	assert_success
	run --separate-stderr svmtool unmap --help
	assert_success
	run --separate-stderr svmtool create --bogus --help
	assert_success
	run --separate-stderr svmtool create -s abc x --help
	assert_success
}

@test "help for an unknown command is a usage error" {
	run --separate-stderr svmtool help frob
	assert_usage_error "'frob'"
}

@test "help takes one command" {
	run --separate-stderr svmtool help list map
	assert_usage_error "'map'"
}

@test "-V and --version print the version" {
	run --separate-stderr svmtool -V
	assert_success
	assert_output --regexp '^svmtool [0-9]+\.[0-9]+\.[0-9]+$'
	run --separate-stderr svmtool --version
	assert_success
	assert_output --regexp '^svmtool [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "an unknown command names it and exits 2" {
	run --separate-stderr svmtool frob
	assert_usage_error "unknown command 'frob'"
	assert_stderr "svmtool: unknown command 'frob'
see 'svmtool --help'"
}

@test "commands are not abbreviated" {
	run --separate-stderr svmtool lis
	assert_usage_error "unknown command 'lis'"
	run --separate-stderr svmtool LIST
	assert_usage_error "unknown command 'LIST'"
}

@test "an unknown long global option names it and exits 2" {
	run --separate-stderr svmtool --bogus list
	assert_usage_error "unknown option '--bogus'"
}

@test "an unknown short global option names it and exits 2" {
	run --separate-stderr svmtool -x list
	assert_usage_error "unknown option '-x'"
}

@test "a global flag given a value is a usage error" {
	run --separate-stderr svmtool --version=2
	assert_usage_error "option '--version' takes no value"
}

@test "a global option without its argument is a usage error" {
	run --separate-stderr svmtool -R
	assert_usage_error "option '-R' requires an argument"
	run --separate-stderr svmtool --shm-dir
	assert_usage_error "option '--shm-dir' requires an argument"
	run --separate-stderr svmtool list -T
	assert_usage_error "unknown option '-T'"
}

@test "global options go before the command" {
	run --separate-stderr svmtool list --root x
	assert_usage_error "unknown option '--root'"
}

@test "--timeout accepts decimal seconds" {
	svmtool create r -s 4K
	for t in 0 0.5 1 2.25 .5; do
		run --separate-stderr svmtool -T "$t" list r
		assert_success
		assert_line --index 1 --regexp '^r '
		run --separate-stderr svmtool --timeout "$t" map r
		assert_success
		run --separate-stderr svmtool --timeout="$t" scan
		assert_success
	done
}

@test "--timeout rejects what is not a number of seconds" {
	for t in abc -1 1x '' 1e999 nan inf -0.5 ' 1' 0x10 1e3 . 1.2.3 1,5; do
		run --separate-stderr svmtool -T "$t" list
		assert_usage_error "invalid timeout '$t'"
	done
}

@test "--trust rejects a user that does not exist" {
	for u in no-such-user-xyz '' -1 1x 4294967295; do
		run --separate-stderr svmtool --trust "$u" list
		assert_usage_error "invalid user '$u' for --trust"
	done
	run --separate-stderr svmtool --trust
	assert_usage_error "option '--trust' requires an argument"
}

@test "-R and SVMTOOL_ROOT choose the namespace, the option wins" {
	svmtool -R one create a -s 4K
	SVMTOOL_ROOT=two svmtool create b -s 4K
	run --separate-stderr svmtool -R one list -n -o NAME
	assert_success
	assert_output "a"
	run --separate-stderr env SVMTOOL_ROOT=two timeout 20 "$SVMTOOL" list -n -o NAME
	assert_output "b"
	run --separate-stderr env SVMTOOL_ROOT=two timeout 20 "$SVMTOOL" -R one list -n -o NAME
	assert_output "a"
	assert_file_exists "$SVMTOOL_SHM_DIR/svmt:one:a"
	assert_file_exists "$SVMTOOL_SHM_DIR/svmt:two:b"
}

@test "--root=/name drops the leading slash" {
	svmtool --root=/slashed create a -s 4K
	assert_file_exists "$SVMTOOL_SHM_DIR/svmt:slashed:a"
}

@test "an invalid root is a usage error" {
	for r in a/b .. '' "$(printf 'r%.0s' {1..64})" 'é' 'a:b'; do
		run --separate-stderr svmtool -R "$r" list
		assert_usage_error "invalid root '$r'"
	done
}

@test "an invalid SVMTOOL_ROOT is a usage error" {
	run --separate-stderr env SVMTOOL_ROOT=a/b timeout 20 "$SVMTOOL" list
	assert_usage_error "invalid root 'a/b'"
}

@test "--shm-dir and SVMTOOL_SHM_DIR choose the directory, the option wins" {
	local other
	other=$(mktemp -d /dev/shm/svmt-cli.XXXXXX)
	svmtool --shm-dir "$other" create a -s 4K
	assert_file_exists "$other/svmt:$SVMTOOL_ROOT:a"
	assert_file_not_exists "$SVMTOOL_SHM_DIR/svmt:$SVMTOOL_ROOT:a"
	run --separate-stderr svmtool list -n -o NAME
	assert_output ""
	run --separate-stderr svmtool --shm-dir="$other" list -n -o NAME
	assert_output "a"
	rm -rf "$other"
}

@test "a missing shm directory is 'not found'" {
	run --separate-stderr svmtool --shm-dir "$SVMTOOL_SHM_DIR/nope" map x
	assert_equal "$status" 3
	assert_equal "$output" ""
	assert_stderr "svmtool: cannot map 'x': shm directory '$SVMTOOL_SHM_DIR/nope' does not exist"
}

@test "an empty --shm-dir is a usage error" {
	run --separate-stderr svmtool --shm-dir '' list
	assert_usage_error "invalid shm directory ''"
}

@test "-- ends the options" {
	svmtool create -s 4K -- -dash
	run --separate-stderr svmtool list -n -o NAME -- -dash
	assert_success
	assert_output "-dash"
	run --separate-stderr svmtool unmap -- -dash
	assert_success
}

@test "output that cannot be written is a failure" {
	[ -w /dev/full ] || skip "no /dev/full"
	svmtool create foo -s 4K
	for cmd in --help --version "list" "list -J" "map foo" "help create"; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool $cmd
		assert_success
		# shellcheck disable=SC2086
		run --separate-stderr bash -c 'timeout 20 "$0" "$@" >/dev/full' "$SVMTOOL" $cmd
		assert_equal "$status" 1
		assert_stderr "svmtool: cannot write to stdout: no space left on device"
	done
}

@test "-R, --help and -V work whatever SVMTOOL_ROOT holds" {
	svmtool create foo -s 4K
	run --separate-stderr env SVMTOOL_ROOT=a/b "$SVMTOOL" -R "$SVMTOOL_ROOT" list -n -o NAME
	assert_success
	assert_output --regexp '^foo$'
	run --separate-stderr env SVMTOOL_ROOT=a/b "$SVMTOOL" --help
	assert_success
	run --separate-stderr env SVMTOOL_ROOT=a/b "$SVMTOOL" -V
	assert_success
	run --separate-stderr env SVMTOOL_ROOT=a/b "$SVMTOOL" list
	assert_equal "$status" 2
	assert_equal "$output" ""
	assert_equal "${stderr%%$'\n'*}" "svmtool: invalid root 'a/b' (from SVMTOOL_ROOT)"
}

@test "options after names work with POSIXLY_CORRECT set" {
	run --separate-stderr env POSIXLY_CORRECT=1 "$SVMTOOL" create px -s 4K
	assert_success
	run --separate-stderr env POSIXLY_CORRECT=1 "$SVMTOOL" unmap px --force
	assert_success
	assert_equal "$stderr" ""
}

@test "control characters a user typed are shown as '?' in messages" {
	run --separate-stderr svmtool create $'a\nb\e[31m' -s 4K
	assert_equal "$status" 2
	assert_equal "$output" ""
	assert_equal "${stderr%%$'\n'*}" "svmtool: invalid region name 'a?b?[31m': use 1 to 63 of A-Z a-z 0-9 . _ -"
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 2
}

@test "every command's --help ends by naming its man page, which exists" {
	local c page
	for c in create map list scan unmap recover shell; do
		run --separate-stderr svmtool "$c" --help
		assert_success
		assert_equal "${lines[-1]}" "See svmtool-$c(1)."
		assert_file_exists "$BATS_TEST_DIRNAME/../../man/svmtool-$c.1"
	done
	for c in show root hold release status quit exit; do
		run --separate-stderr bash -c "echo '$c --help' | timeout 20 '$SVMTOOL' shell"
		assert_success
		assert_equal "${lines[-1]}" "See svmtool-shell(1)."
	done
	run --separate-stderr svmtool help unmap
	assert_equal "${lines[-1]}" "See svmtool-unmap(1)."
}
