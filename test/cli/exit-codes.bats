#!/usr/bin/env bats
# Exit statuses of every command, through the one mapping of library errors
# (cli_exit_code): 3 not found, 4 permission denied, 5 busy; each also as
# the one line of a batch file (svmtool shell --batch FILE), whose status is
# its first failing line's.

load helper

# The batch file: outside the shm directory, readable by nobody too.
setup() {
	common_setup
	BATCH=$(mktemp /tmp/svmt-batch.XXXXXX)
	chmod 644 "$BATCH"
}

teardown() {
	rm -f "$BATCH"
	common_teardown
}

# Make $1 the one line of the batch file.
batch_of() {
	printf '%s\n' "$1" >"$BATCH"
}

COMMANDS=(create map list scan unmap recover read write)

# The words that make command $1 act on region $2.
args_for() {
	case $1 in
	create) echo "create $2 -s 4K" ;;
	*) echo "$1 $2" ;;
	esac
}

# Assert status $1 and a stderr containing $2, naming command $3; $4 is
# "batch" when the line ran from the batch file.
assert_status_said() {
	local pfx=
	[ "${4:-}" != batch ] || pfx="$BATCH:1: "
	[ "$status" -eq "$1" ] || fail "$3${4:+ ($4)}: status $status, not $1: $stderr"
	[[ $stderr == "${pfx}svmtool: cannot "*"$2"* ]] ||
		fail "$3${4:+ ($4)}: stderr does not say '$2': $stderr"
	assert_equal "$output" ""
}

# Run svmtool without access to the shm directory: as nobody when root,
# otherwise as ourselves with the directory's mode 000.
run_denied() {
	if [ "$(id -u)" -eq 0 ]; then
		chmod 700 "$SVMTOOL_SHM_DIR"
		run --separate-stderr svmtool_nobody "$@"
	else
		chmod 000 "$SVMTOOL_SHM_DIR"
		run --separate-stderr svmtool "$@"
		chmod 700 "$SVMTOOL_SHM_DIR"
	fi
}

@test "every command: a shm directory that does not exist is 3" {
	local c none=$SVMTOOL_SHM_DIR/none
	for c in "${COMMANDS[@]}"; do
		# shellcheck disable=SC2046
		run --separate-stderr svmtool --shm-dir "$none" $(args_for "$c" foo)
		assert_status_said 3 "shm directory '$none' does not exist" "$c"
		batch_of "$(args_for "$c" foo)"
		run --separate-stderr svmtool --shm-dir "$none" shell --batch "$BATCH"
		assert_status_said 3 "shm directory '$none' does not exist" "$c" batch
	done
}

@test "every command naming a region: a region that does not exist is 3" {
	local c
	svmtool create bar -s 4K
	for c in map list scan unmap recover read write; do
		run --separate-stderr svmtool "$c" foo
		assert_status_said 3 "$c 'foo': no such region" "$c"
		batch_of "$c foo"
		run --separate-stderr svmtool shell --batch "$BATCH"
		assert_status_said 3 "$c 'foo': no such region" "$c" batch
	done
}

@test "every command: no access to the shm directory is 4" {
	local c
	svmtool create foo -s 4K
	for c in "${COMMANDS[@]}"; do
		# shellcheck disable=SC2046
		run_denied $(args_for "$c" foo)
		assert_status_said 4 "shm directory '$SVMTOOL_SHM_DIR': permission denied" "$c"
		batch_of "$(args_for "$c" foo)"
		run_denied shell --batch "$BATCH"
		assert_status_said 4 "shm directory '$SVMTOOL_SHM_DIR': permission denied" "$c" batch
	done
	assert_file_exists "$(object foo)"
}

@test "every changing command: a namespace owned by an untrusted user is 4" {
	need_root
	local c
	chmod 1777 "$SVMTOOL_SHM_DIR"
	svmtool_nobody create foo -s 4K
	for c in create map scan unmap recover write; do
		# shellcheck disable=SC2046
		run --separate-stderr svmtool $(args_for "$c" foo)
		assert_status_said 4 "object owned by an untrusted user: svmt:$SVMTOOL_ROOT is owned by nobody (uid 65534), not trusted: --trust nobody trusts it" "$c"
		batch_of "$(args_for "$c" foo)"
		run --separate-stderr svmtool shell --batch "$BATCH"
		assert_status_said 4 "object owned by an untrusted user" "$c" batch
	done
	# reading is not changing
	for c in "list foo" "scan --dry-run foo" "recover --dry-run foo" "read foo"; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool $c
		assert_success
		assert_equal "$stderr" ""
	done
	assert_file_exists "$(object foo)"
}

@test "every command that changes the namespace: a live lock holder is 5" {
	local c
	svmtool create foo -s 4K
	freeze ns-lock
	for c in "${COMMANDS[@]}"; do
		# list never waits for a lock; read and write only for the
		# region's with --lock (below)
		case $c in list | read | write) continue ;; esac
		# shellcheck disable=SC2046
		run --separate-stderr svmtool -T 0.2 $(args_for "$c" foo)
		assert_status_said 5 "timed out: lock held by pid $FROZEN_PID" "$c"
		batch_of "$(args_for "$c" foo)"
		run --separate-stderr svmtool -T 0.2 shell --batch "$BATCH"
		assert_status_said 5 "timed out: lock held by pid $FROZEN_PID" "$c" batch
	done
	run --separate-stderr svmtool -T 0.2 list -n -o NAME
	assert_success
	assert_output "foo"
}

@test "read and write --lock: a live holder of the region's lock is 5" {
	local c
	svmtool create foo -s 4K
	freeze region-lock foo
	for c in read write; do
		run --separate-stderr svmtool -T 0.2 "$c" foo --lock </dev/null
		assert_status_said 5 "timed out: lock held by pid $FROZEN_PID" "$c"
		batch_of "$c foo --lock"
		run --separate-stderr svmtool -T 0.2 shell --batch "$BATCH"
		assert_status_said 5 "timed out: lock held by pid $FROZEN_PID" "$c" batch
	done
}
