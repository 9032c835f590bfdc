#!/usr/bin/env bats
# Who really maps a region: processes found in /proc/PID/maps, registered
# clients or not (a python3 mmap of the object file).

load helper

setup() {
	common_setup
	command -v python3 >/dev/null || skip "python3 not installed"
}

# Map region $1's object with python3's mmap, without the library (shared,
# or as $2 says: private; "closed": shared, and the file closed once mapped,
# so that only the mapping holds it), and wait for it; its pid in MAPPER_PID.
start_mapper() {
	local out=$BATS_TEST_TMPDIR/mapper.$1 i
	python3 -c '
import mmap, sys, time
f = open(sys.argv[1], "r+b")
flags = mmap.MAP_PRIVATE if sys.argv[2] == "private" else mmap.MAP_SHARED
if sys.argv[2] == "closed":
    # mmap.mmap keeps a duplicate descriptor: map through libc
    import ctypes, os
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                          ctypes.c_int, ctypes.c_int, ctypes.c_long]
    p = libc.mmap(None, os.fstat(f.fileno()).st_size,
                  mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_SHARED,
                  f.fileno(), 0)
    assert p not in (None, ctypes.c_void_p(-1).value)
    f.close()
else:
    m = mmap.mmap(f.fileno(), 0, flags=flags)
print("ready", flush=True)
time.sleep(60)
' "$(object "$1")" "${2:-shared}" </dev/null >"$out" 2>&1 3>&- &
	MAPPER_PID=$!
	echo "$MAPPER_PID" >>"$HOLDERS_FILE"
	for ((i = 0; i < 200; i++)); do
		grep -q ready "$out" && return 0
		sleep 0.05
	done
	fail "python3 mapper of $1 not ready: $(cat "$out")"
}

@test "list finds a python3 mmap the library never saw" {
	svmtool create foo -s 64K
	svmtool create bar -s 4K
	start_mapper foo
	run --separate-stderr svmtool list -n -o NAME,CLIENTS,MAPPERS,MAPPER-PIDS
	assert_success
	assert_line --regexp "^bar +0 +0 *\$"
	assert_line --regexp "^foo +0 +1 +$MAPPER_PID\$"
	run --separate-stderr svmtool list -J -o NAME,MAPPERS,MAPPER-PIDS foo
	assert_success
	jq -e --argjson pid "$MAPPER_PID" \
		'.regions[0].mappers == 1 and .regions[0].mapper_pids == [$pid]' <<<"$output"
	run --separate-stderr svmtool list -v foo
	assert_line --regexp "^  mapped by: $MAPPER_PID\\(python3, not a client\\)( \\([0-9]+ process(es)? not readable\\))?\$"
	# and it goes away with the process
	kill -9 "$MAPPER_PID"
	wait_exit "$MAPPER_PID"
	run --separate-stderr svmtool list -n -o MAPPERS foo
	assert_output --regexp '^ *0$'
}

@test "a private copy-on-write mapping shares nothing: not a mapper" {
	svmtool create foo -s 4K
	start_mapper foo private
	run --separate-stderr svmtool list -n -o MAPPERS foo
	assert_output --regexp '^ *0$'
	run --separate-stderr svmtool unmap foo
	assert_success
}

@test "a registered client is a mapper, not marked" {
	svmtool create foo -s 4K
	start_holder foo
	run --separate-stderr svmtool list -v foo
	assert_line --regexp "^  mapped by: $HOLDER_PID\\(svmtool\\)( \\(.*not readable\\))?\$"
	# a ghost maps nothing
	kill_holder "$HOLDER_PID"
	run --separate-stderr svmtool list -n -o CLIENTS,GHOSTS,MAPPERS foo
	assert_output --regexp '^ *1 +1 +0$'
}

@test "unmap refuses a region a process maps, client or not; --force removes it" {
	svmtool create foo -s 4K
	svmtool create bar -s 4K
	start_mapper foo
	run --separate-stderr svmtool unmap foo bar
	assert_equal "$status" 5
	assert_stderr "svmtool: cannot unmap 'foo': mapped by pid $MAPPER_PID (python3), not a client; use --force"
	assert_file_exists "$(object foo)"
	assert_file_not_exists "$(object bar)"
	run --separate-stderr svmtool unmap --force foo
	assert_success
	assert_file_not_exists "$(object foo)"
	# the process keeps its mapping
	kill -0 "$MAPPER_PID"
}

@test "a mapping whose file was closed still keeps the region from unmap" {
	svmtool create foo -s 4K
	start_mapper foo closed
	# no descriptor left: only the mapping holds the object
	run find "/proc/$MAPPER_PID/fd" -lname "$(object foo)"
	assert_output ""
	run --separate-stderr svmtool unmap foo
	assert_equal "$status" 5
	assert_stderr "svmtool: cannot unmap 'foo': mapped by pid $MAPPER_PID (python3), not a client; use --force"
	run --separate-stderr svmtool list -n -o MAPPERS foo
	assert_output --regexp '^ *1$'
	kill -9 "$MAPPER_PID"
	wait_exit "$MAPPER_PID"
	run --separate-stderr svmtool unmap foo
	assert_success
}

@test "unmap --namespace refuses while a process maps a region" {
	svmtool create foo -s 4K
	start_mapper foo
	run --separate-stderr svmtool unmap --namespace
	assert_equal "$status" 5
	assert_stderr "svmtool: cannot unmap namespace '$SVMTOOL_ROOT': region 'foo' is mapped by pid $MAPPER_PID (python3), not a client; use --force"
	assert_file_exists "$(object)"
	run --separate-stderr svmtool unmap --namespace --force
	assert_success
	assert_equal "$(ls -A "$SVMTOOL_SHM_DIR")" ""
}

@test "scan reports mappers that are not clients, and leaves them be" {
	svmtool create foo -s 4K
	svmtool create bar -s 4K
	start_holder bar
	start_mapper foo
	for dry in --dry-run ""; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool scan $dry
		assert_success
		assert_equal "$stderr" ""
		assert_output "foo: mapped by pid $MAPPER_PID (python3), not a client"
	done
	run --separate-stderr svmtool scan bar
	assert_success
	assert_output ""
	kill -0 "$MAPPER_PID"
	run --separate-stderr svmtool list -n -o NAME,CLIENTS foo
	assert_output --regexp '^foo +0$'
}
