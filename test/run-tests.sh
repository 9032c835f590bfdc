#!/bin/bash
# Run the test suites named as arguments (default: all) and print one
# closing line "N passed, N failed".  B is the build directory.
#   unit  cmocka unit tests (test/unit)
#   cli   bats tests of the command line (test/cli)
#   pkg   bats tests of the build, the dependencies and the install (test/pkg)
#   abi   the library's exports equal debian/libsvmtool1.symbols
#   man   every man page renders without warnings
set -u
B=${B:-.}
# RUNNER prefixes every unit test binary (make check-valgrind sets it).
RUNNER=${RUNNER:-}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(unit cli pkg abi man)
pass=0 fail=0 skip=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Count TAP lines of $log.
tally() {
	local p f s k
	p=$(grep -cE '^ok ' "$log" | head -1)
	# bats skips are "ok N # skip"; cmocka's are "not ok N # SKIP".
	s=$(grep -cE '^ok .*# (skip|SKIP)' "$log" | head -1)
	k=$(grep -cE '^not ok .*# (skip|SKIP)' "$log" | head -1)
	f=$(grep -cE '^not ok ' "$log" | head -1)
	pass=$((pass + p - s)) skip=$((skip + s + k)) fail=$((fail + f - k))
}

for part in "${parts[@]}"; do
	case $part in
	unit)
		for t in "$B"/test/unit/test-*; do
			[ -x "$t" ] || continue
			echo "# unit: ${t##*/}"
			# shellcheck disable=SC2086
			if ! CMOCKA_MESSAGE_OUTPUT=TAP $RUNNER "$t" >"$log" 2>&1; then
				grep -qE '^not ok ' "$log" || echo "not ok - ${t##*/} crashed or failed to run" >>"$log"
			fi
			cat "$log"
			tally
		done ;;
	cli)
		files=(test/cli/*.bats)
		[ -e "${files[0]}" ] || continue
		echo "# cli: bats"
		PATH="$top/$B/cmd:$PATH" SVMTOOL="$top/$B/cmd/svmtool" \
			SVMT_HOLD="$top/$B/test/helpers/svmt-hold" \
			bats --tap "${files[@]}" >"$log" 2>&1
		cat "$log"
		tally ;;
	pkg)
		echo "# pkg: bats"
		B=$B bats --tap test/pkg/*.bats >"$log" 2>&1
		cat "$log"
		tally ;;
	abi)
		echo "# abi: exports of $B/lib/libsvmtool.so.1 against debian/libsvmtool1.symbols"
		want=$(sed -n 's/^ \([^ ]*\) .*/\1/p' debian/libsvmtool1.symbols | sort)
		have=$( (nm -D --defined-only --with-symbol-versions "$B/lib/libsvmtool.so.1" |
			awk '{ s = $3; if ($2 == "A" && s !~ /@/) s = s "@" s
				sub(/@@/, "@", s); print s }') | sort)
		if [ "$want" = "$have" ]; then
			echo "ok 1 - exports equal the symbols file"; pass=$((pass + 1))
		else
			echo "not ok 1 - exports differ from the symbols file"; fail=$((fail + 1))
			diff <(echo "$want") <(echo "$have") | sed 's/^/#   /'
		fi ;;
	man)
		n=0
		for m in man/*.[0-9]; do
			[ -e "$m" ] || continue
			n=$((n + 1))
			w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$m" 2>&1 >/dev/null)
			if [ -z "$w" ]; then
				echo "ok $n - $m renders without warnings"; pass=$((pass + 1))
			else
				echo "not ok $n - $m has warnings"; fail=$((fail + 1))
				echo "$w" | sed 's/^/#   /'
			fi
		done ;;
	*) echo "run-tests.sh: unknown part '$part'" >&2; exit 2 ;;
	esac
done
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ] && [ $((pass + skip)) -gt 0 ]
