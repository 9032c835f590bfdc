#!/bin/bash
# bench-mappers.sh - who maps a region: svmtool against fuser(1)
#
# Among N other processes (1,000; 100 with SVMT_BENCH_QUICK=1), one region
# is looked up: `svmtool list -n -o MAPPERS NAME` against `fuser OBJECT`,
# which also reads every process under /proc.  Two rows: nobody maps the
# region (svmtool's write lease answers without the walk), and one process
# maps it through a mapping whose descriptor it closed (both must walk).
# Sides in turns, the first alternating, 9 rounds; the ratio is taken round
# by round and printed as median and min-max.  Nothing is judged.
set -euo pipefail

SVMTOOL=${SVMTOOL:-cmd/svmtool}
ROUNDS=9
if [[ ${SVMT_BENCH_QUICK:-0} != 0 ]]; then
	NPROC=100 RUNS=5
else
	NPROC=1000 RUNS=20
fi
FUSER=$(command -v fuser || true)

DIR=$(mktemp -d /dev/shm/svmt-mappers.XXXXXX)
PIDS=()
cleanup() {
	# disowned: their deaths are not reported as "Killed"
	((${#PIDS[@]})) && kill -9 "${PIDS[@]}" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT

svm() { "$SVMTOOL" --shm-dir "$DIR" -R bench "$@"; }

# $RUNS runs of "$@", in microseconds
time_runs() {
	local t0 t1 i
	t0=${EPOCHREALTIME/./}
	for ((i = 0; i < RUNS; i++)); do
		"$@" >/dev/null 2>&1 || true
	done
	t1=${EPOCHREALTIME/./}
	echo $((t1 - t0))
}

# row ID WHAT MAPPERS: svmtool's lookup against fuser's, interleaved, once
# both have said that MAPPERS processes map the region
row() {
	local id=$1 what=$2 r a b got
	got=$(svm list -n -o MAPPERS r | tr -d ' ')
	if [[ $got != "$3" ]] || { (($3)) && ! "$FUSER" -s "$DIR/svmt:bench:r" 2>/dev/null; }; then
		echo "bench-mappers: $id: svmtool says $got mappers, not $3 (or fuser disagrees)" >&2
		exit 1
	fi
	local -a ratios=() as=() bs=()
	for ((r = 0; r < ROUNDS; r++)); do
		if ((r % 2)); then
			b=$(time_runs "$FUSER" "$DIR/svmt:bench:r")
			a=$(time_runs svm list -n -o MAPPERS r)
		else
			a=$(time_runs svm list -n -o MAPPERS r)
			b=$(time_runs "$FUSER" "$DIR/svmt:bench:r")
		fi
		as+=("$a") bs+=("$b")
		ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", a / b }')")
	done
	printf '%s\n' "${ratios[@]}" | sort -g | awk -v id="$id" -v what="$what" \
		-v a="$(printf '%s\n' "${as[@]}" | sort -n | sed -n 5p)" \
		-v b="$(printf '%s\n' "${bs[@]}" | sort -n | sed -n 5p)" -v runs="$RUNS" '
		{ r[NR] = $1 }
		END {
			printf "%-4s %-40s %8.2f ms %8.2f ms %6.2fx %6.2f-%.2f  faster than fuser: < 1x\n",
				id, what, a / runs / 1000, b / runs / 1000, r[5], r[1], r[NR]
		}'
}

printf '\nwho maps a region, among %d other processes (bench-mappers.sh)  (median of %d interleaved rounds; ratio min-max)\n' \
	"$NPROC" "$ROUNDS"
if [[ -z $FUSER ]]; then
	echo "     (fuser not installed: package psmisc; rows left out)"
	exit 0
fi
printf '%-4s %-40s %11s %11s %7s %13s  %s\n' row operation svmtool fuser ratio min-max target
svm create r -s 4K >/dev/null
for ((i = 0; i < NPROC; i++)); do
	sleep 600 &
	PIDS+=($!)
	disown
done
row MP1 "list -o MAPPERS NAME, nobody maps it" 0
python3 -c '
import ctypes, mmap, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                      ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.mmap(None, 4096, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
os.close(fd)
print("ready", flush=True)
time.sleep(600)
' "$DIR/svmt:bench:r" >"$DIR/mapper.out" &
PIDS+=($!)
disown
for ((i = 0; i < 100; i++)); do
	grep -q ready "$DIR/mapper.out" 2>/dev/null && break
	sleep 0.05
done
row MP2 "list -o MAPPERS NAME, one process maps it" 1
