#!/usr/bin/env bats
# features.bats - objects made by a newer svmtool: feature words in the
# headers say what this version may do with them

load helper

# Set feature word $2 (compat, ro_compat, incompat) of the header of
# region $1 (or of the namespace when $1 is "") to 0x80000000.
set_feature() {
	local file off
	case $2 in
	compat) off=0 ;; ro_compat) off=4 ;; incompat) off=8 ;;
	esac
	if [ -n "$1" ]; then
		file=$(object "$1") off=$((448 + off)) # after the first layout
	else
		file=$(object) off=$((288 + off))
	fi
	printf '\x00\x00\x00\x80' | dd of="$file" bs=1 seek="$off" conv=notrunc status=none
}

@test "a region with an unknown compatible feature is listed and mapped" {
	svmtool create new -s 4K
	set_feature new compat
	run --separate-stderr svmtool list -n -o NAME,STATE
	assert_success
	assert_output --regexp '^new +ready$'
	run --separate-stderr svmtool map new
	assert_success
	assert_output --regexp '^new: base va 0x'
}

@test "a region with an unknown incompatible feature is refused, with why" {
	svmtool create new -s 4K
	svmtool create old -s 4K
	set_feature new incompat
	run --separate-stderr svmtool list -n -o NAME,STATE
	assert_success
	assert_line --index 0 --regexp '^new +newer$'
	assert_line --index 1 --regexp '^old +ready$'
	run --separate-stderr svmtool list -v new
	assert_success
	assert_line '  newer: region object made by a newer svmtool (incompatible features 0x80000000)'
	run --separate-stderr svmtool map new
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_stderr "svmtool: cannot map 'new': region object made by a newer svmtool (incompatible features 0x80000000)"
	run --separate-stderr svmtool unmap new
	assert_equal "$status" 1
	assert_stderr_regex "^svmtool: cannot unmap 'new': region object made by a newer svmtool"
	assert_file_exists "$(object new)"
	run --separate-stderr svmtool recover --dry-run
	assert_equal "$status" 6
	assert_output --partial "new: region object made by a newer svmtool"
}

@test "a region with an unknown read-only feature is listed, not changed" {
	svmtool create new -s 4K
	set_feature new ro_compat
	run --separate-stderr svmtool list -n -o NAME,STATE
	assert_success
	assert_output --regexp '^new +ready$'
	run --separate-stderr svmtool map new
	assert_equal "$status" 1
	assert_stderr "svmtool: cannot map 'new': region object made by a newer svmtool (read-only compatible features 0x80000000): it can be listed, not changed"
	run --separate-stderr svmtool unmap new
	assert_equal "$status" 1
	assert_file_exists "$(object new)"
	run --separate-stderr svmtool unmap --force new
	assert_success
}

@test "a namespace with an unknown incompatible feature is refused" {
	svmtool create foo -s 4K
	set_feature "" incompat
	run --separate-stderr svmtool list
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_stderr "svmtool: cannot list namespace '$SVMTOOL_ROOT': svmt:$SVMTOOL_ROOT: namespace object made by a newer svmtool (incompatible features 0x80000000)"
	run --separate-stderr svmtool map foo
	assert_equal "$status" 1
	assert_stderr_regex "made by a newer svmtool"
}

@test "a namespace with an unknown read-only feature lists, refuses changes" {
	svmtool create foo -s 4K
	set_feature "" ro_compat
	run --separate-stderr svmtool list -n -o NAME
	assert_success
	assert_output foo
	run --separate-stderr svmtool create bar -s 4K
	assert_equal "$status" 1
	assert_stderr_regex "read-only compatible features 0x80000000"
	run --separate-stderr svmtool unmap foo
	assert_equal "$status" 1
	run --separate-stderr svmtool scan --dry-run
	assert_success
}

@test "a missing namespace is not found, a missing shm directory is said so" {
	run --separate-stderr svmtool map foo
	assert_equal "$status" 3
	assert_stderr "svmtool: cannot map 'foo': no namespace '$SVMTOOL_ROOT'"
	run --separate-stderr svmtool list
	assert_equal "$status" 3
	assert_output ""
	assert_stderr "svmtool: cannot list: no such namespace '$SVMTOOL_ROOT'"
	run --separate-stderr svmtool --shm-dir "$SVMTOOL_SHM_DIR/nope" list
	assert_equal "$status" 3
	assert_stderr_regex "shm directory '.*/nope' does not exist"
}
