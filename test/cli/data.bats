#!/usr/bin/env bats
# svmtool read and write: region data in and out, bounded

load helper

# The data area's size and its offset in the object file, from list -v.
data_geometry() {
	local out base data_base
	out=$(svmtool list -v "$1")
	base=$(sed -n '1s/.*base va \(0x[0-9a-f]*\).*/\1/p' <<<"$out")
	data_base=$(sed -n 's/.*data_base \(0x[0-9a-f]*\) .*/\1/p' <<<"$out")
	DATA_SIZE=$(($(sed -n 's/.*data_size \(0x[0-9a-f]*\).*/\1/p' <<<"$out" | head -1)))
	DATA_OFFSET=$((data_base - base))
}

@test "random writes and reads round-trip, at odd sizes and at the end" {
	local i size off len
	svmtool create a -s 100000 >/dev/null
	data_geometry a
	for i in 1 2 3 4 5 6 7 8; do
		len=$((RANDOM % 9000 + 1))
		off=$((RANDOM * 3 % (DATA_SIZE - len + 1)))
		[ "$i" -ne 8 ] || off=$((DATA_SIZE - len)) # ends at the end
		head -c "$len" /dev/urandom >"$BATS_TEST_TMPDIR/in"
		run svmtool write a --offset "$off" <"$BATS_TEST_TMPDIR/in"
		assert_success
		svmtool read a --offset "$off" --length "$len" >"$BATS_TEST_TMPDIR/out"
		cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	done
	run svmtool read a
	assert_success
	size=$(svmtool read a | wc -c)
	assert_equal "$size" "$DATA_SIZE"
}

@test "what write wrote is what an independent reader of the object sees" {
	command -v python3 >/dev/null || skip "needs python3"
	svmtool create a -s 64K >/dev/null
	printf 'written by svmtool' | svmtool write a --offset 4000
	# Where to look, as a script that does not use the library finds it:
	# the object's path and the data area's offset in it, from list -J.
	svmtool list -J a >"$BATS_TEST_TMPDIR/a.json"
	run python3 -c '
import json, mmap, sys
r = json.load(open(sys.argv[1]))["regions"][0]
assert isinstance(r["data_offset"], int) and isinstance(r["base"], int)
assert r["data_base"] == r["base"] + r["data_offset"]
with open(r["path"], "rb") as f:
    m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
    off = r["data_offset"] + 4000
    sys.stdout.write(m[off:off + 18].decode())
' "$BATS_TEST_TMPDIR/a.json"
	assert_success
	assert_output 'written by svmtool'
}

@test "a write that does not fit is refused and writes nothing" {
	svmtool create a -s 4K >/dev/null
	data_geometry a
	head -c "$DATA_SIZE" /dev/urandom >"$BATS_TEST_TMPDIR/before"
	svmtool write a <"$BATS_TEST_TMPDIR/before"
	head -c 10 /dev/zero >"$BATS_TEST_TMPDIR/ten"
	run --separate-stderr svmtool write a --offset $((DATA_SIZE - 9)) <"$BATS_TEST_TMPDIR/ten"
	assert_failure 1
	assert_equal "$stderr" "svmtool: cannot write 'a': the input is longer than the 9 bytes from offset $((DATA_SIZE - 9)) to its end; nothing written"
	run --separate-stderr svmtool write a --offset $((DATA_SIZE + 1)) <"$BATS_TEST_TMPDIR/ten"
	assert_failure 2
	[[ $stderr == "svmtool: cannot write 'a': offset $((DATA_SIZE + 1)) is past its $DATA_SIZE bytes" ]]
	svmtool read a | cmp - "$BATS_TEST_TMPDIR/before"
}

@test "a read past the end is a usage error; reading nothing is fine" {
	svmtool create a -s 4K >/dev/null
	data_geometry a
	run --separate-stderr svmtool read a --offset 100 --length "$DATA_SIZE"
	assert_failure 2
	assert_equal "$stderr" "svmtool: cannot read 'a': $DATA_SIZE bytes at offset 100 do not fit in its $DATA_SIZE bytes"
	run --separate-stderr svmtool read a --offset "$DATA_SIZE"
	assert_success
	assert_output ''
	run --separate-stderr svmtool read a --length 0
	assert_success
	assert_output ''
}

@test "sizes take the suffixes of -s; bad ones are usage errors" {
	svmtool create a -s 64K >/dev/null
	printf 'x' | svmtool write a --offset 0x2000
	run svmtool read a --offset 8K --length 1
	assert_output x
	run --separate-stderr svmtool read a --offset nope
	assert_failure 2
	[[ $stderr == "svmtool: invalid offset 'nope'"* ]]
	run --separate-stderr svmtool read a --length -1
	assert_failure 2
}

@test "read and write never attach: no client is registered" {
	svmtool create a -s 4K >/dev/null
	printf 'abc' | svmtool write a
	svmtool read a >/dev/null
	run svmtool list -n -r -o CLIENTS,GHOSTS a
	assert_output '0 0'
}

@test "a missing region or namespace exits 3" {
	run --separate-stderr svmtool read a
	assert_failure 3
	svmtool create b -s 4K >/dev/null
	run --separate-stderr svmtool read a
	assert_failure 3
	assert_equal "$stderr" "svmtool: cannot read 'a': no such region"
	run --separate-stderr svmtool write a </dev/null
	assert_failure 3
}

@test "--lock waits for the data lock; others do not" {
	svmtool create a -s 4K >/dev/null
	freeze region-lock a
	run --separate-stderr bash -c "printf 'locked' | timeout 20 '$SVMTOOL' -T 0.3 write a --lock"
	assert_failure 5
	[[ $stderr == "svmtool: cannot write 'a': "*"lock held by pid $FROZEN_PID"* ]]
	run svmtool read a --length 6
	refute_output locked
	run svmtool -T 0.3 read a --length 6 --lock
	assert_failure 5
	printf 'nolock' | svmtool write a
	run svmtool read a --length 6
	assert_output nolock
	thaw_kill
	printf 'locked' | svmtool write a --lock
	run svmtool read a --length 6 --lock
	assert_output locked
}

@test "read and write run in a batch" {
	svmtool create a -s 4K >/dev/null
	printf 'from stdin' | svmtool write a
	run --separate-stderr svmtool -b - <<-'EOF'
		read a --length 4
		read a --offset 5 --length 5 --lock
	EOF
	assert_success
	assert_output 'fromstdin'
}

@test "write in a batch on stdin is refused; from a batch file it reads stdin" {
	svmtool create a -s 4K >/dev/null
	run --separate-stderr bash -c "printf 'write a\nlist -n -o NAME\n' | timeout 20 '$SVMTOOL' shell"
	assert_failure 2
	assert_equal "$stderr" "-:1: svmtool: cannot write 'a': stdin holds the batch, not data; run the batch from a file (-b FILE)"
	printf 'write a --offset 1\nread a --length 4\n' >"$BATS_TEST_TMPDIR/b.svm"
	run --separate-stderr bash -c "printf 'xyz' | timeout 20 '$SVMTOOL' -b '$BATS_TEST_TMPDIR/b.svm' | od -An -c"
	assert_success
	assert_output --regexp '\\0 +x +y +z'
}

@test "write refuses a heap region unless --force" {
	svmtool create h -s 64K --heap >/dev/null
	run --separate-stderr bash -c "printf 'junk' | timeout 20 '$SVMTOOL' write h"
	assert_failure 1
	assert_equal "$stderr" "svmtool: cannot write 'h': its data area is a heap, whose bookkeeping raw bytes would damage; use --force"
	# nothing was written: the heap is whole
	run --separate-stderr svmtool recover --dry-run h
	assert_success
	assert_output ''
	printf 'junk' | svmtool write h --offset 60000 --force
	run svmtool read h --offset 60000 --length 4
	assert_output junk
}

@test "a corrupt region is an error for read and write, never empty data" {
	svmt_create_corrupt() {
		svmtool create "$1" -s 4K >/dev/null
		printf 'XXXXXXXX' | dd of="$(object "$1")" bs=1 count=8 conv=notrunc 2>/dev/null
	}
	svmt_create_corrupt a
	run --separate-stderr svmtool read a
	assert_failure 1
	assert_output ''
	[[ $stderr == "svmtool: cannot read 'a': "*"bad magic"* ]]
	run --separate-stderr bash -c "printf x | timeout 20 '$SVMTOOL' write a"
	assert_failure 1
	[[ $stderr == "svmtool: cannot write 'a': "*"bad magic"* ]]
}
