# helper.bash - shared by the svmtool CLI tests (load helper)
#
# Every test gets its own shm directory and namespace root (exported as
# SVMTOOL_SHM_DIR and SVMTOOL_ROOT), and teardown kills the holders it
# started and removes the directory.  Anything that could hang runs under
# timeout.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

SVMTOOL=${SVMTOOL:-svmtool}
# test/helpers/svmt-hold (run-tests.sh sets it)
SVMT_HOLD=${SVMT_HOLD:-$BATS_TEST_DIRNAME/../../${B:-.}/test/helpers/svmt-hold}
SVMT_OFFSETS=${SVMT_OFFSETS:-$(dirname "$SVMT_HOLD")/svmt-offsets}
EXPECTED=$BATS_TEST_DIRNAME/../expected

common_setup() {
	SVMTOOL_SHM_DIR=$(mktemp -d /dev/shm/svmt-cli.XXXXXX)
	SVMTOOL_ROOT=cli-$$-$BATS_TEST_NUMBER
	export SVMTOOL_SHM_DIR SVMTOOL_ROOT
	HOLDERS_FILE=$BATS_TEST_TMPDIR/holders
	: >"$HOLDERS_FILE"
}

common_teardown() {
	local pid
	while read -r pid; do
		kill -9 "$pid" 2>/dev/null || true
		{ wait "$pid"; } 2>/dev/null || true
	done <"$HOLDERS_FILE"
	[ -z "${SVMTOOL_SHM_DIR:-}" ] || rm -rf "$SVMTOOL_SHM_DIR"
}

setup() { common_setup; }
teardown() { common_teardown; }

# svmtool, never hanging: a test that waits 20 s has failed.
svmtool() {
	timeout 20 "$SVMTOOL" "$@"
}

# Run svmtool as user nobody (for permission tests; needs root).
svmtool_nobody() {
	timeout 20 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$SVMTOOL" "$@"
}

# Run "$@" as user nobody in a private mount namespace whose /proc is
# mounted hidepid=invisible, after checking that process $1 (another
# user's) cannot be seen there: svmtool must judge it without /proc.
# Needs root.  Exit 97: the mount failed; 98: $1 is still visible.
run_hidden_proc() {
	local pid=$1
	shift
	timeout 20 unshare -m --propagation private -- bash -c '
		mount -t proc -o hidepid=invisible proc /proc || exit 97
		exec setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
			bash -c '\''[ ! -e "/proc/$0" ] || { echo "/proc/$0 is visible" >&2; exit 98; }
			exec "$@"'\'' "$@"' _ "$pid" "$@"
}

# Skip unless root, saying why ($1; default: svmtool runs as nobody).
need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (${1:-runs svmtool as nobody})"
}

# Start "svmtool map NAME --hold" in the background and wait (at most 10 s)
# for its ready line.  Sets HOLDER_PID and HOLDER_OUT.  Extra arguments go
# before "map" (global options).
start_holder() {
	local name=$1 i
	shift
	HOLDER_OUT=$BATS_TEST_TMPDIR/hold.$name.$RANDOM
	# fd 3 closed: bats waits for it.
	"$SVMTOOL" "$@" map "$name" --hold </dev/null >"$HOLDER_OUT" 2>&1 3>&- &
	HOLDER_PID=$!
	echo "$HOLDER_PID" >>"$HOLDERS_FILE"
	for ((i = 0; i < 200; i++)); do
		grep -q ': ready' "$HOLDER_OUT" && return 0
		kill -0 "$HOLDER_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "holder of $name not ready:" >&2
	cat "$HOLDER_OUT" >&2
	return 1
}

# Wait (at most 10 s) for process $1, a child of this shell, to exit;
# its status in WAIT_STATUS.
wait_exit() {
	local i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	WAIT_STATUS=0
	# (no "Killed" report from the shell in the test's output)
	{ wait "$1"; } 2>/dev/null || WAIT_STATUS=$?
}

# Kill -9 a holder: it leaves a ghost client behind.
kill_holder() {
	kill -9 "$1"
	wait_exit "$1"
}

# The object file of region $1 (or of the namespace without $1).
object() {
	if [ $# -gt 0 ]; then
		echo "$SVMTOOL_SHM_DIR/svmt:$SVMTOOL_ROOT:$1"
	else
		echo "$SVMTOOL_SHM_DIR/svmt:$SVMTOOL_ROOT"
	fi
}

# Overwrite the start of region $1's object (its header) with garbage.
corrupt_region() {
	printf 'this is not a region header, not at all....................' |
		dd of="$(object "$1")" conv=notrunc status=none
}

# Play a hostile writer: put the 32-bit value $3 into word $2 (mutex-kind,
# mutex-word) of lock $1 (root-lock, region-meta, region-lock) in object $4.
poke_mutex() {
	local lock word off
	lock=$("$SVMT_OFFSETS" | awk -v k="$1" '$1 == k { print $2 }')
	word=$("$SVMT_OFFSETS" | awk -v k="$2" '$1 == k { print $2 }')
	off=$((lock + word))
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($3 & 255)) \
		$(($3 >> 8 & 255)) $(($3 >> 16 & 255)) $(($3 >> 24 & 255)))" |
		dd of="$4" bs=1 seek="$off" conv=notrunc status=none
}

# Assert the usage error shape: message on stderr naming $1, the help
# pointer, nothing on stdout, status 2.
assert_usage_error() {
	assert_equal "$status" 2
	assert_equal "$output" ""
	[[ $stderr == svmtool:\ * ]] || fail "stderr not 'svmtool: ...': $stderr"
	[[ $stderr == *"$1"* ]] || fail "stderr does not name '$1': $stderr"
	[[ $stderr == *"see 'svmtool"*"--help'"* ]] ||
		fail "stderr has no pointer to --help: $stderr"
}

# Assert one diagnostic line on stderr equal to $1.
assert_stderr() {
	[ "$stderr" = "$1" ] || fail "stderr: expected '$1', got '$stderr'"
}

# Assert stderr matches the extended regular expression $1.
assert_stderr_regex() {
	[[ $stderr =~ $1 ]] || fail "stderr '$stderr' does not match /$1/"
}

# Make output comparable with golden files: pids, addresses, times, users.
normalize() {
	sed -E \
		-e "s|$SVMTOOL_SHM_DIR/|SHMDIR/|g" -e "s/\\b$SVMTOOL_ROOT\\b/ROOT/g" \
		-e 's/\((uid|gid) [0-9]+\)/(\1 ID)/g' \
		-e 's/ \([0-9]+ process(es)? not readable\)$//' \
		-e 's/^(  mapped by:.* )[0-9]+\(/\1PID(/' \
		-e 's/0x0000[0-9a-f]{12}/0xADDR/g' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[+-][0-9]{2}:[0-9]{2}/TIME/g' \
		-e "s/\\b$(id -un)\\b/USER/g" \
		-e 's/\b[0-9]+\(dead\)/PID(dead)/g' \
		-e 's/pids: [0-9]+/pids: PID/' -e 's/ holding as pid [0-9]+/ holding as pid PID/'
}

# A snapshot of the shm directory: names, sizes, modes, owners, mtimes,
# ctimes and contents.
shm_snapshot() {
	(
		cd "$SVMTOOL_SHM_DIR" &&
			ls -l --time-style=+%s.%N &&
			stat -c '%n %s %a %u %g %.9Y %.9Z %i' -- . * &&
			md5sum -- *
	)
}

# Compare stdin, normalised, with golden file test/expected/$1.
# SVMTOOL_UPDATE_GOLDEN=1 rewrites the golden file instead.
assert_golden() {
	local got
	got=$(normalize)
	if [ -n "${SVMTOOL_UPDATE_GOLDEN:-}" ]; then
		printf '%s\n' "$got" >"$EXPECTED/$1"
		return 0
	fi
	assert_file_exists "$EXPECTED/$1"
	diff -u "$EXPECTED/$1" <(printf '%s\n' "$got") ||
		fail "output differs from test/expected/$1"
}

# Make a region an orphan: an object the directory does not list.
make_orphan() {
	local saved=$BATS_TEST_TMPDIR/ns.saved
	cp "$(object)" "$saved"
	svmtool create "$1" -s "${2:-4K}" >/dev/null
	cp "$saved" "$(object)"
}

# Start "svmt-hold MODE ARGS..." (test/helpers/svmt-hold.c) on this test's
# namespace and wait (at most 10 s) for its ready line.  It then holds, until
# thaw_kill kills it -9 and leaves it held by a dead process:
#   open-lock NAME    the lock of region NAME, as a process opening it holds
#                     it (LOCK shows PID(open))
#   region-lock NAME  the lock of region NAME, taken with svmt_region_lock()
#                     (LOCK shows PID(user))
#   ns-lock           the namespace lock
#   init NAME SIZE    region NAME being created (STATE init), creating the
#                     namespace if needed
#   attach NAME       a client of region NAME
# Sets FROZEN_PID, the holding process (also killed by teardown).
freeze() {
	local i
	[ -x "$SVMT_HOLD" ] || fail "$SVMT_HOLD is not built (make tests)"
	FREEZE_OUT=$BATS_TEST_TMPDIR/frozen.$RANDOM
	: >"$FREEZE_OUT"
	# fd 3 closed: bats waits for it.
	"$SVMT_HOLD" --shm-dir "$SVMTOOL_SHM_DIR" --root "$SVMTOOL_ROOT" "$@" \
		</dev/null >"$FREEZE_OUT" 2>"$FREEZE_OUT.err" 3>&- &
	FROZEN_PID=$!
	echo "$FROZEN_PID" >>"$HOLDERS_FILE"
	for ((i = 0; i < 200; i++)); do
		[ "$(<"$FREEZE_OUT")" = "ready $FROZEN_PID" ] && return 0
		kill -0 "$FROZEN_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ "$(<"$FREEZE_OUT")" = "ready $FROZEN_PID" ] && return 0
	kill -9 "$FROZEN_PID" 2>/dev/null || true
	wait_exit "$FROZEN_PID"
	fail "svmt-hold $* not ready (status $WAIT_STATUS): $(cat "$FREEZE_OUT" "$FREEZE_OUT.err")"
}

# Kill -9 the process freeze started: it dies holding what it held.
thaw_kill() {
	kill_holder "$FROZEN_PID"
}
