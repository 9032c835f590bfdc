#!/usr/bin/env bats
# svmtool shell on a real terminal (tmux): prompt, completion, history,
# Ctrl-C and Ctrl-D

load helper

setup() {
	common_setup
	command -v tmux >/dev/null || skip "needs tmux"
	TMUX_SOCK=svmt-$$-$BATS_TEST_NUMBER
	STATE=$BATS_TEST_TMPDIR/state
	mkdir -p "$STATE"
	svmtool create alpha -s 4K >/dev/null
	svmtool create beta -s 4K >/dev/null
}

teardown() {
	tmux -L "${TMUX_SOCK%b}" kill-server 2>/dev/null || true
	tmux -L "${TMUX_SOCK%b}b" kill-server 2>/dev/null || true
	common_teardown
}

# Start "svmtool shell" in a 100x30 terminal; its exit status goes to
# $BATS_TEST_TMPDIR/status.
start_tty() {
	rm -f "$BATS_TEST_TMPDIR/status"
	tmux -L "$TMUX_SOCK" new-session -d -x 100 -y 30 \
		"env -u SVMTOOL_HISTFILE XDG_STATE_HOME='$STATE' TERM=xterm \
		PAGER='${TTY_PAGER:-less}' \
		SVMTOOL_SHM_DIR='$SVMTOOL_SHM_DIR' SVMTOOL_ROOT='$SVMTOOL_ROOT' \
		'$SVMTOOL' shell; echo \$? >'$BATS_TEST_TMPDIR/status'; sleep 60"
	wait_screen "svmtool[$SVMTOOL_ROOT]>"
}

keys() {
	tmux -L "$TMUX_SOCK" send-keys "$@"
}

screen() {
	tmux -L "$TMUX_SOCK" capture-pane -p | sed -e 's/ *$//' -e '/^$/d'
}

# Wait (at most 10 s) for the screen to hold the text $1 (a fixed string).
wait_screen() {
	local i
	for ((i = 0; i < 200; i++)); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.05
	done
	echo "screen lacks: $1" >&2
	screen >&2
	return 1
}

wait_status() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ -s "$BATS_TEST_TMPDIR/status" ] && break
		sleep 0.05
	done
	cat "$BATS_TEST_TMPDIR/status"
}

@test "the prompt names the namespace; Tab completes a command" {
	start_tty
	keys 'li' Tab
	wait_screen "svmtool[$SVMTOOL_ROOT]> list"
	keys -l -- '-n -o NAME'
	keys Enter
	wait_screen alpha
	wait_screen beta
}

@test "Tab completes an option from the command's help" {
	start_tty
	keys -l 'list --nohead'
	keys Tab
	keys -l 'X'
	wait_screen "> list --noheadings X"
}

@test "Tab completes a live region name, read through the library" {
	start_tty
	keys -l 'map al'
	keys Tab
	keys -l 'X'
	wait_screen "> map alpha X"
	# A region made after the shell started is offered too.
	svmtool create gamma -s 4K >/dev/null
	keys C-u
	keys -l 'unmap ga'
	keys Tab
	keys -l 'X'
	wait_screen "> unmap gamma X"
}

@test "Tab completes a column after -o, ready for a comma" {
	start_tty
	keys -l 'list -o NAME,CLI'
	keys Tab
	keys -l ',GH'
	keys Tab
	keys -l 'X'
	wait_screen "> list -o NAME,CLIENTS,GHOSTSX"
}

@test "history is kept private and read back by the next shell" {
	start_tty
	keys -l 'list -n -o NAME alpha'
	keys Enter
	wait_screen 'alpha'
	keys C-d
	assert_equal "$(wait_status)" 0
	run stat -c %a "$STATE/svmtool/history"
	assert_output 600
	run stat -c %a "$STATE/svmtool"
	assert_output 700
	run cat "$STATE/svmtool/history"
	assert_output 'list -n -o NAME alpha'
	# A second shell, on a terminal of its own.
	TMUX_SOCK=${TMUX_SOCK}b
	start_tty
	keys Up
	wait_screen "> list -n -o NAME alpha"
}

@test "Ctrl-C drops a half-typed line and keeps the shell; Ctrl-D exits 0" {
	start_tty
	keys -l 'unmap alpha beta'
	keys C-c
	wait_screen '^C'
	keys -l 'status'
	keys Enter
	wait_screen 0
	keys C-d
	assert_equal "$(wait_status)" 0
	assert_file_exists "$(object alpha)"
	assert_file_exists "$(object beta)"
}

@test "leaving the shell releases what it holds" {
	start_tty
	keys -l 'hold alpha'
	keys Enter
	wait_screen 'held by this shell'
	run svmtool list -n -r -o CLIENTS alpha
	assert_output 1
	keys -l 'exit'
	keys Enter
	assert_equal "$(wait_status)" 0
	run svmtool list -n -r -o CLIENTS,GHOSTS alpha
	assert_output '0 0'
}

@test "Ctrl-C abandons a wait for a lock and keeps the shell" {
	freeze ns-lock
	start_tty
	keys -l -- '-T 60 create gamma -s 4K'
	keys Enter
	sleep 0.5
	keys C-c
	wait_screen "cannot create 'gamma': interrupted while waiting for a lock"
	keys -l 'status'
	keys Enter
	wait_screen 5
	assert_file_not_exists "$(object gamma)"
	keys -l 'list -n -o NAME beta'
	keys Enter
	wait_screen beta
}

@test "show pages through \$PAGER only when taller than the screen" {
	local i
	# A pager that records what it got.
	TTY_PAGER="tee $BATS_TEST_TMPDIR/paged >/dev/null"
	start_tty
	keys -l 'show alpha'
	keys Enter
	wait_screen 'lock: free'
	[ ! -e "$BATS_TEST_TMPDIR/paged" ] || fail "a short dump was paged"
	for ((i = 0; i < 6; i++)); do
		svmtool create "r$i" -s 4K >/dev/null
	done
	keys -l 'show -v'
	keys Enter
	for ((i = 0; i < 100; i++)); do
		[ -s "$BATS_TEST_TMPDIR/paged" ] && break
		sleep 0.05
	done
	run grep -c 'VM in use' "$BATS_TEST_TMPDIR/paged"
	assert_output 8
	# Into a pipe it is never paged, whatever its length.
	rm -f "$BATS_TEST_TMPDIR/paged"
	run bash -c "echo 'show -v' | PAGER='$TTY_PAGER' timeout 20 '$SVMTOOL' shell"
	assert_success
	[ ! -e "$BATS_TEST_TMPDIR/paged" ]
	[ "$(grep -c 'VM in use' <<<"$output")" -eq 8 ]
}

@test "without readline the console says so and exits 1; a batch still runs" {
	[ "$(id -u)" = 0 ] || skip "needs root (a mount namespace)"
	command -v script >/dev/null || skip "needs script (bsdutils)"
	local rl
	rl=$(ldconfig -p | awk '/libreadline\.so\.8 .*x86-64/ { print $NF; exit }')
	[ -n "$rl" ] || skip "no libreadline.so.8 known to ldconfig"
	# readline hidden behind an empty file, in a mount namespace of our own
	run --separate-stderr unshare -m sh -c '
		mount --bind /dev/null "$1" || exit 99
		script -qec "$2 shell" /dev/null </dev/null
		echo "console: $?"
		echo "list alpha" | "$2" shell' sh "$rl" "$SVMTOOL"
	assert_success
	assert_line --partial "svmtool: the interactive shell needs GNU readline: $rl: "
	assert_line "console: 1"
	assert_line --regexp '^alpha +'
}
