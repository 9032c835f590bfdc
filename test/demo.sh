#!/bin/bash
# A short svmtool session in a scratch namespace and shm directory:
# two regions, a client that is killed, the ghost it leaves, scan, data in
# and out, and the same commands as a batch in one process.
# B is the build directory (make demo sets it).
set -eu
B=${B:-.}
top=$(cd "$(dirname "$0")/.." && pwd)
case $B in /*) svmtool=$B/cmd/svmtool ;; *) svmtool=$top/$B/cmd/svmtool ;; esac
[ -x "$svmtool" ] || { echo "demo: $svmtool not built (make all)" >&2; exit 1; }

SVMTOOL_SHM_DIR=$(mktemp -d /dev/shm/svmt-demo.XXXXXX)
SVMTOOL_ROOT=demo-$$
export SVMTOOL_SHM_DIR SVMTOOL_ROOT
out=$(mktemp)
holder=
cleanup() {
	[ -z "$holder" ] || kill -9 "$holder" 2>/dev/null || true
	rm -rf "$SVMTOOL_SHM_DIR" "$out"
}
trap cleanup EXIT

# Show a command, then run it.
run() {
	printf '\n$ %s\n' "$*"
	"$@"
}

echo "# scratch shm directory $SVMTOOL_SHM_DIR, namespace $SVMTOOL_ROOT"
svmtool() { timeout 20 "$svmtool" "$@"; }

run svmtool create vpe-api -s 16M
run svmtool create stats -s 64K -m 0640
run svmtool list

printf '\n$ svmtool map vpe-api --hold &\n'
"$svmtool" map vpe-api --hold >"$out" 2>&1 &
holder=$!
for _ in $(seq 100); do
	grep -q ': ready' "$out" && break
	sleep 0.1
done
cat "$out"
grep -q ': ready' "$out" || { echo "demo: the holder never got ready" >&2; exit 1; }

run kill -9 "$holder"
wait "$holder" 2>/dev/null || true
holder=
run svmtool list -v
run svmtool scan
run svmtool list -v

printf '\n$ echo hello | svmtool write stats --offset 4K\n'
echo hello | svmtool write stats --offset 4K

# The same commands as a batch: one process, one namespace handle, stopping
# at the first line that fails (its message names the line).
printf '\n$ svmtool shell <<EOF ... EOF\n'
svmtool shell <<'EOF' || echo "(exit status $?)"
read stats --offset 4K --length 6
show stats
unmap vpe-api stats
list nope
list
EOF
echo
echo "# done; removing $SVMTOOL_SHM_DIR"
