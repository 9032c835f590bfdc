#!/bin/bash
# Run the test suites named as arguments (default: all).  Each suite writes
# one TAP stream to RESULTS/NAME.tap (its stderr to RESULTS/NAME.log); the
# console gets one line per suite, the failures, and a closing line
# "N passed, N failed, N skipped".  B is the build directory, RESULTS the results
# folder (default $B/test-results).
#   unit  cmocka unit tests (test/unit), one stream per program: unit-NAME
#   cli   bats tests of the command line (test/cli)
#   pkg   bats tests of the build, the dependencies and the install (test/pkg)
#   abi   the exports equal debian/libsvmtool1.symbols, and abidiff finds
#         no ABI change against lib/libsvmtool.abi
#   man   every man page renders without warnings
#   torture  kill at every crash point, and a short seeded random run
#         (test/torture; make torture runs a long one)
set -u
B=${B:-.}
# RUNNER prefixes every unit test binary (make check-valgrind sets it).
RUNNER=${RUNNER:-}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
B=$(cd "$B" && pwd) || exit 1
RESULTS=${RESULTS:-$B/test-results}
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(unit cli pkg abi man torture)
mkdir -p "$RESULTS" || exit 1
pass=0 fail=0 skip=0

# Count the TAP stream of suite $1 (RESULTS/$1.tap) after its program exited
# with status $2; report it on the console.  A stream whose plan does not
# match its results, or a program that failed without a failing test, counts
# as one more failure, added to the stream as a last "not ok".
tally() {
	local name=$1 rc=$2 tap=$RESULTS/$1.tap
	local p f s k n plan
	p=$(grep -cE '^ok ' "$tap")
	# bats skips are "ok N # skip"; cmocka's are "not ok N # SKIP".
	s=$(grep -cE '^ok .*# (skip|SKIP)' "$tap")
	k=$(grep -cE '^not ok .*# (skip|SKIP)' "$tap")
	f=$(grep -cE '^not ok ' "$tap")
	n=$((p + f))
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$tap" | head -1)
	if [ -z "$plan" ] || [ "$plan" -ne "$n" ] || { [ "$rc" -ne 0 ] && [ $((f - k)) -eq 0 ]; }; then
		n=$((n + 1)) f=$((f + 1))
		echo "not ok $n - $name exited with status $rc after $((n - 1)) of ${plan:-?} planned tests" >>"$tap"
		[ -n "$plan" ] || echo "1..$n" >>"$tap"
	fi
	pass=$((pass + p - s)) skip=$((skip + s + k)) fail=$((fail + f - k))
	printf '# %s: %d passed, %d failed' "$name" $((p - s)) $((f - k))
	[ $((s + k)) -eq 0 ] || printf ', %d skipped' $((s + k))
	echo
	if [ $((f - k)) -gt 0 ]; then
		# The failing tests with their diagnostics, then the end of stderr.
		awk '/^not ok / && !/# (skip|SKIP)/ { on = 1; print; next }
			/^(ok|not ok) / { on = 0 } on && /^#/ { print }' "$tap" | sed 's/^/  /'
		if [ -s "$RESULTS/$name.log" ]; then
			echo "  stderr ($RESULTS/$name.log):"
			tail -n 20 "$RESULTS/$name.log" | sed 's/^/  | /'
		fi
	fi
}

# run_suite NAME COMMAND...: COMMAND's stdout is the suite's TAP stream.
run_suite() {
	local name=$1 rc=0
	shift
	"$@" >"$RESULTS/$name.tap" 2>"$RESULTS/$name.log" || rc=$?
	tally "$name" "$rc"
}

# The exports of the library against the symbols file, and its ABI against
# the baseline; one TAP stream.
abi_tap() {
	local so=$B/lib/libsvmtool.so.1 want have rc
	echo "1..2"
	want=$(sed -n 's/^ \([^ ]*\) .*/\1/p' debian/libsvmtool1.symbols | sort)
	have=$(nm -D --defined-only --with-symbol-versions "$so" |
		awk '{ s = $3; if ($2 == "A" && s !~ /@/) s = s "@" s
			sub(/@@/, "@", s); print s }' | sort)
	if [ "$want" = "$have" ]; then
		echo "ok 1 - exports equal debian/libsvmtool1.symbols"
	else
		echo "not ok 1 - exports differ from debian/libsvmtool1.symbols"
		diff <(echo "$want") <(echo "$have") | sed 's/^/#   /'
	fi
	if ! command -v abidiff >/dev/null; then
		echo "not ok 2 - abidiff not installed (make deps)"
	elif ! readelf -S "$so" | grep -q '\.debug_info'; then
		echo "ok 2 # skip $so has no debug information (build with -g)"
	else
		abidiff --suppressions lib/libsvmtool.abignore lib/libsvmtool.abi "$so" \
			>"$RESULTS/abidiff.txt" 2>&1
		rc=$?
		if [ $rc -eq 0 ]; then
			echo "ok 2 - abidiff finds no ABI change against lib/libsvmtool.abi"
		else
			echo "not ok 2 - abidiff reports an ABI change (status $rc); if intended and allowed: make abi-baseline"
			sed 's/^/#   /' "$RESULTS/abidiff.txt"
		fi
	fi
}

# Every crash point, then a short seeded random run: one TAP stream, the
# harness's own lines as comments (the ones that say what went wrong first).
torture_tap() {
	local t=$B/test/torture/torture run n=0 out
	echo "1..2"
	for run in "points" "random -s ${TORTURE_SEED:-$RANDOM} -t 3 -w 3"; do
		n=$((n + 1))
		# shellcheck disable=SC2086
		if out=$("$t" $run 2>&1); then
			echo "ok $n - torture $run"
		else
			echo "not ok $n - torture $run"
		fi
		grep -v ' consistent$' <<<"$out" | sed 's/^/# /'
	done
}

man_tap() {
	local m w n=0
	local -a pages=(man/*.[0-9])
	local root=$RESULTS/man-root
	# ".so man1/PAGE" links resolve as they will once installed.
	mkdir -p "$root" && ln -sfn "$top/man" "$root/man1" &&
		ln -sfn "$top/man" "$root/man3"
	echo "1..${#pages[@]}"
	for m in "${pages[@]}"; do
		n=$((n + 1))
		w=$(cd "$root" && LC_ALL=C.UTF-8 MANWIDTH=80 \
			man --warnings -E UTF-8 -l "$top/$m" 2>&1 >/dev/null)
		if [ -z "$w" ]; then
			echo "ok $n - $m renders without warnings"
		else
			echo "not ok $n - $m has warnings"
			echo "$w" | sed 's/^/#   /'
		fi
	done
}

for part in "${parts[@]}"; do
	case $part in
	unit)
		rm -f "$RESULTS"/unit-*
		for t in "$B"/test/unit/test-*; do
			[ -x "$t" ] || continue
			# shellcheck disable=SC2086
			CMOCKA_MESSAGE_OUTPUT=TAP run_suite "unit-${t##*/}" $RUNNER "$t"
		done ;;
	cli | pkg)
		PATH="$B/cmd:$PATH" SVMTOOL="$B/cmd/svmtool" \
			SVMT_HOLD="$B/test/helpers/svmt-hold" B=$B \
			run_suite "$part" bats --tap "test/$part"/*.bats ;;
	abi) run_suite abi abi_tap ;;
	man) run_suite man man_tap ;;
	torture) run_suite torture torture_tap ;;
	*) echo "run-tests.sh: unknown part '$part'" >&2; exit 2 ;;
	esac
done
echo "# TAP streams in $RESULTS"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ $((pass + skip)) -gt 0 ]
