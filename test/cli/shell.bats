#!/usr/bin/env bats
# svmtool shell in batch mode: scripts through files and pipes

load helper

# batch TEXT [ARGS...]: run TEXT as a batch file (svmtool shell --batch F ARGS)
batch() {
	local f=$BATCH_FILE
	printf '%s\n' "$1" >"$f"
	shift
	svmtool shell --batch "$f" "$@"
}

setup() {
	common_setup
	BATCH_FILE=$BATS_TEST_TMPDIR/script.svm
	SHELL_PID=
}

teardown() {
	stop_shell
	common_teardown
}

# A shell reading a fifo in the background: send LINE... writes lines.
start_shell() {
	local fifo=$BATS_TEST_TMPDIR/in
	mkfifo "$fifo"
	SHELL_OUT=$BATS_TEST_TMPDIR/shell.out
	"$SVMTOOL" shell "$@" <"$fifo" >"$SHELL_OUT" 2>&1 3>&- &
	SHELL_PID=$!
	echo "$SHELL_PID" >>"$HOLDERS_FILE"
	exec 4>"$fifo"
}

send() {
	printf '%s\n' "$@" >&4
}

stop_shell() {
	[ -n "${SHELL_PID:-}" ] || return 0
	exec 4>&- || true
	wait_exit "$SHELL_PID"
	SHELL_PID=
}

# Wait (at most 10 s) until "svmtool ARGS" prints EXPECTED.
wait_for_output() {
	local expected=$1 i out
	shift
	for ((i = 0; i < 200; i++)); do
		out=$("$SVMTOOL" "$@" 2>&1) || true
		[ "$out" = "$expected" ] && return 0
		sleep 0.05
	done
	echo "expected: $expected" >&2
	echo "got: $out" >&2
	return 1
}

@test "every command prints in a batch what it prints alone" {
	local cmd one
	svmtool create pre -s 64K >/dev/null
	svmtool create foo -s 1M >/dev/null
	for cmd in "map foo" "list" "list -J" "list -v foo" "list -o +PIDS,GEN" \
		"scan" "scan --dry-run" "recover --dry-run" "recover" "scan foo" \
		"help list" "list --help" "list nope" "map" "create x" \
		"read foo --length 100" "read foo --offset 99999999" \
		"write nope"; do
		run svmtool $cmd
		one="$output (status $status)"
		run batch "$cmd"
		output=${output//"$BATCH_FILE:1: "/}
		assert_equal "$output (status $status)" "$one"
	done
}

@test "help in the shell lists the shell's words and not shell" {
	run batch "help"
	assert_success
	assert_line --regexp '^  show +describe regions'
	assert_line --regexp '^  hold +attach a region until released'
	refute_line --regexp '^  shell '
	run svmtool help
	refute_line --regexp '^  (show|hold|release|root|status|quit|exit) '
}

@test "create and unmap print in a batch what they print alone" {
	local one
	one=$(svmtool create foo -s 1M 2>&1; svmtool unmap foo 2>&1; echo "$?")
	run batch "create foo -s 1M
unmap foo"
	assert_equal "$output
$status" "$one"
}

@test "a failing line is reported as FILE:LINE and has the one-shot status" {
	svmtool create keep -s 4K
	run --separate-stderr batch "# a comment

list nope"
	assert_equal "$status" 3
	assert_equal "$stderr" "$BATCH_FILE:3: svmtool: cannot list 'nope': no such region"
}

@test "blank lines and comments are skipped" {
	run --separate-stderr batch "
   # indented comment
create a -s 4K   # trailing comment

	"
	assert_success
	assert_output --regexp '^a: base va 0x[0-9a-f]{16} size 0x2000 \(8 kb\)$'
	assert_equal "$stderr" ""
}

@test "a batch stops at the first failing line" {
	run --separate-stderr batch "create a -s 4K
unmap nope
create b -s 4K"
	assert_equal "$status" 3
	assert_equal "$stderr" "$BATCH_FILE:2: svmtool: cannot unmap 'nope': no such region"
	assert_file_exists "$(object a)"
	assert_file_not_exists "$(object b)"
}

@test "--force goes on and exits with the first failing status" {
	svmtool create keep -s 4K
	run --separate-stderr batch "unmap nope
create a -s 4K
create 'bad name' -s 4K
create b -s 4K" --force
	assert_equal "$status" 3
	assert_file_exists "$(object a)"
	assert_file_exists "$(object b)"
	[[ $stderr == "$BATCH_FILE:1: svmtool: cannot unmap 'nope'"* ]]
	[[ $stderr == *"$BATCH_FILE:3: svmtool: invalid region name 'bad name'"* ]]
}

@test "all lines passing exit 0" {
	run batch "create a -s 4K
list -n -o NAME
unmap a"
	assert_success
}

@test "quoting splits words as sh does" {
	svmtool create a -s 4K >/dev/null
	run --separate-stderr batch "list -n -o 'NAME,SIZE' \"a\""
	assert_success
	assert_output --regexp '^a +4K$'
	run --separate-stderr batch 'list a\ b'
	assert_equal "$status" 2
	assert_equal "$stderr" "$BATCH_FILE:1: svmtool: invalid region name 'a b': use 1 to 63 of A-Z a-z 0-9 . _ -
see 'svmtool list --help'"
	run --separate-stderr batch 'list "a\"b"'
	assert_equal "$status" 2
	[[ $stderr == *"invalid region name 'a\"b'"* ]]
	run --separate-stderr batch "list 'a #b'"
	assert_equal "$status" 2
	[[ $stderr == *"invalid region name 'a #b'"* ]]
}

@test "an unterminated quote is a usage error naming the line" {
	run --separate-stderr batch "list 'a"
	assert_equal "$status" 2
	assert_equal "$stderr" "$BATCH_FILE:1: svmtool: unterminated quote (')
see 'svmtool --help'"
}

@test "a pipe into svmtool shell is a batch; -b - and -b FILE too" {
	run --separate-stderr bash -c "printf 'create a -s 4K\nlist -n -o NAME\n' | timeout 20 '$SVMTOOL' shell"
	assert_success
	assert_line --index 1 a
	run --separate-stderr bash -c "printf 'list -n -o NAME\nlist nope\n' | timeout 20 '$SVMTOOL' -b -"
	assert_equal "$status" 3
	assert_output a
	assert_equal "$stderr" "-:2: svmtool: cannot list 'nope': no such region"
	printf 'list -n -o NAME\n' >"$BATCH_FILE"
	run --separate-stderr svmtool -b "$BATCH_FILE"
	assert_success
	assert_output a
}

@test "a missing batch file exits 3" {
	run --separate-stderr svmtool -b "$BATS_TEST_TMPDIR/none"
	assert_equal "$status" 3
	assert_equal "$stderr" "svmtool: cannot open batch file '$BATS_TEST_TMPDIR/none': no such file or directory"
}

@test "-b takes no command" {
	run --separate-stderr svmtool -b "$BATCH_FILE" list
	assert_equal "$status" 2
	[[ $stderr == "svmtool: unexpected command 'list' after -b FILE"* ]]
}

@test "root switches the namespace for the lines after it; -R for one line" {
	run --separate-stderr batch "create a -s 4K
root other
create b -s 4K
root
-R $SVMTOOL_ROOT list -n -o NAME
list -n -o NAME"
	assert_success
	assert_equal "${lines[2]}" other
	assert_equal "${lines[3]}" a
	assert_equal "${lines[4]}" b
	assert_file_exists "$SVMTOOL_SHM_DIR/svmt:other:b"
	assert_file_not_exists "$(object b)"
}

@test "a global option before shell applies to every line" {
	run --separate-stderr bash -c "printf 'create a -s 4K\nroot\n' | timeout 20 '$SVMTOOL' -R elsewhere shell"
	assert_success
	assert_equal "${lines[1]}" elsewhere
	assert_file_exists "$SVMTOOL_SHM_DIR/svmt:elsewhere:a"
}

@test "a second namespace works in one shell when nothing holds the first" {
	svmtool create a -s 4K >/dev/null
	svmtool -R other create o -s 4K >/dev/null
	run --separate-stderr batch "map a
-R other map o
root other
map o
hold o
root $SVMTOOL_ROOT
map a"
	# Only the last line fails: "other" is still held, at the same span.
	[[ $stderr =~ ^"$BATCH_FILE:7: svmtool: cannot map 'a': address range 0x"[0-9a-f]+-0x[0-9a-f]+" in use by $SVMTOOL_SHM_DIR/svmt:other ("[^$'\n']*")"$ ]]
	assert_equal "$status" 1
}

@test "a word where a command takes none is named" {
	run --separate-stderr batch "status x"
	assert_equal "$status" 2
	[[ $stderr == "$BATCH_FILE:1: svmtool: unexpected argument 'x'"* ]]
	run --separate-stderr svmtool shell extra
	assert_equal "$status" 2
	[[ $stderr == "svmtool: unexpected argument 'extra'"* ]]
	run --separate-stderr batch "help shell"
	assert_equal "$status" 2
	[[ $stderr == "$BATCH_FILE:1: svmtool: 'shell' does not run inside the shell"* ]]
}

@test "status prints the last command's status" {
	run --separate-stderr batch "list nope
status
status" --force
	assert_equal "$status" 3
	assert_output "3
0"
}

@test "quit ends a batch; its status is still the first failing line's" {
	run --separate-stderr batch "create a -s 4K
quit
create b -s 4K"
	assert_success
	assert_file_not_exists "$(object b)"
	run --separate-stderr batch "list nope
exit
create b -s 4K" --force
	assert_equal "$status" 3
	assert_file_not_exists "$(object b)"
}

@test "shell words are not commands outside the shell, nor shell inside it" {
	run --separate-stderr svmtool show
	assert_equal "$status" 2
	assert_equal "$stderr" "svmtool: 'show' is a word of the shell (svmtool shell)
see 'svmtool --help'"
	run --separate-stderr batch "shell"
	assert_equal "$status" 2
	[[ $stderr == "$BATCH_FILE:1: svmtool: 'shell' does not run inside the shell"* ]]
	run --separate-stderr batch "-b x list"
	assert_equal "$status" 2
	[[ $stderr == *"option -b is not for a line of a batch or the shell"* ]]
}

@test "show prints the format_svm_region dump of list -v" {
	svmtool create a -s 64K >/dev/null
	svmtool create b -s 4K >/dev/null
	local want
	# the regions' dumps: list -v of the whole namespace starts with the
	# namespace's own and says who maps each, which show (the 2009 word)
	# does not print
	want=$(svmtool list -v a b | grep -v '^  mapped by:')
	run --separate-stderr batch "show -v"
	assert_success
	assert_output "$want"
	run --separate-stderr batch "show a"
	assert_success
	assert_line --index 0 --regexp '^a: base va 0x[0-9a-f]{16} size 0x11000 \(68 kb\)$'
	refute_output --partial 'VM in use'
	run --separate-stderr batch "show nope"
	assert_equal "$status" 3
}

@test "hold keeps a region attached by the shell; list sees it from outside" {
	svmtool create a -s 4K >/dev/null
	svmtool create b -s 4K >/dev/null
	start_shell
	local pid=$SHELL_PID
	send "hold a" "map b --hold"
	wait_for_output "a $SHELL_PID
b $SHELL_PID" list -n -r -o NAME,PIDS
	send "release a"
	wait_for_output "a 0
b 1" list -n -o NAME,CLIENTS -r
	stop_shell
	assert_equal "$WAIT_STATUS" 0
	run svmtool list -n -r -o NAME,CLIENTS
	assert_output "a 0
b 0"
	run grep -c "held by this shell (pid $pid)" "$SHELL_OUT"
	assert_output 2
}

@test "a held region cannot be unmapped; release lets it go" {
	svmtool create a -s 4K >/dev/null
	run --separate-stderr batch "hold a
unmap a"
	assert_equal "$status" 5
	[[ $stderr == *"cannot unmap 'a': 1 live client (pid "* ]]
	run --separate-stderr batch "hold a
release a
unmap a"
	assert_success
	assert_file_not_exists "$(object a)"
}

@test "release of a region not held exits 3; hold twice exits 5" {
	svmtool create a -s 4K >/dev/null
	run --separate-stderr batch "release a"
	assert_equal "$status" 3
	assert_equal "$stderr" "$BATCH_FILE:1: svmtool: cannot release 'a': not held by this shell"
	run --separate-stderr batch "hold a
hold a"
	assert_equal "$status" 5
	[[ $stderr == *"cannot hold 'a': held already"* ]]
}

@test "scan removes the ghost of a killed shell" {
	svmtool create a -s 4K >/dev/null
	start_shell
	send "hold a"
	wait_for_output "$SHELL_PID" list -n -o PIDS a
	local pid=$SHELL_PID
	kill -9 "$pid"
	stop_shell
	run --separate-stderr svmtool scan
	assert_success
	assert_output "a: removed dead client $pid"
	run svmtool list -n -r -o NAME,CLIENTS,GHOSTS
	assert_output "a 0 0"
}

@test "a long batch keeps its memory" {
	local i rss1 rss2
	# ASan keeps freed memory in quarantine: RSS says nothing there.
	! ldd "$SVMTOOL" 2>/dev/null | grep -q libasan ||
		skip "an ASan build's RSS grows by design"
	svmtool create a -s 4K >/dev/null
	start_shell --force
	for ((i = 0; i < 300; i++)); do
		send "list -J" "hold a" "show -v a" "release a" "list nope"
	done
	send "create mark1 -s 4K"
	wait_for_output "mark1" list -n -o NAME mark1
	rss1=$(awk '/^VmRSS/ { print $2 }' "/proc/$SHELL_PID/status")
	for ((i = 0; i < 3000; i++)); do
		send "list -J" "hold a" "show -v a" "release a" "list nope"
	done
	send "create mark2 -s 4K"
	wait_for_output "mark2" list -n -o NAME mark2
	rss2=$(awk '/^VmRSS/ { print $2 }' "/proc/$SHELL_PID/status")
	stop_shell
	echo "# RSS after 1,500 lines: $rss1 kB; after 16,500: $rss2 kB" >&3
	# A leak of even 32 bytes a line would add 480 kB.
	((rss2 - rss1 < 256))
}

@test "the shell's words reject bad input with a message and status 2" {
	run --separate-stderr batch "root 'a b'"
	assert_equal "$status" 2
	[[ $stderr == "$BATCH_FILE:1: svmtool: invalid root 'a b': use 1 to 63 of A-Z a-z 0-9 . _ -"* ]]
	run --separate-stderr batch "release"
	assert_equal "$status" 2
	[[ $stderr == "$BATCH_FILE:1: svmtool: name a region, or --all"* ]]
	run --separate-stderr batch "hold a:b"
	assert_equal "$status" 2
	[[ $stderr == "$BATCH_FILE:1: svmtool: invalid region name 'a:b'"* ]]
	run --separate-stderr batch "show -x"
	assert_equal "$status" 2
	[[ $stderr == "$BATCH_FILE:1: svmtool: unknown option '-x'"* ]]
	run --separate-stderr batch "hold nope"
	assert_equal "$status" 3
}

@test "show prints the named regions in the order given" {
	svmtool create a -s 4K >/dev/null
	svmtool create b -s 4K >/dev/null
	run --separate-stderr batch "show b a"
	assert_success
	assert_equal "$(grep ': base va ' <<<"$output" | cut -d: -f1 | tr '\n' ' ')" "b a "
}
