#!/bin/sh
# Write a seed corpus for fuzz-objects into $1: a real namespace object and
# region object, in the fuzzer's input format.  $2 is the svmtool binary.
set -e
out=$1 svmtool=$2
tmp=$(mktemp -d /dev/shm/svmt-seed.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
root="$tmp/svmt:f"
# a plain region, and one with a heap (a fresh namespace each)
for kind in real heap; do
	rm -f "$tmp"/svmt:f*
	if [ $kind = heap ]; then
		"$svmtool" --shm-dir "$tmp" -R f create r -s 8K --heap --capacity 4 >/dev/null
	else
		"$svmtool" --shm-dir "$tmp" -R f create r -s 4K --capacity 4 >/dev/null
	fi
	size=$(stat -c %s "$root")
	blocks=$((size / 64))
	{
		printf "\\$(printf %o $((blocks / 256)))\\$(printf %o $((blocks % 256)))"
		cat "$root" "$tmp/svmt:f:r"
	} >"$out/seed-$kind"
done
