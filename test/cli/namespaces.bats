#!/usr/bin/env bats
# svmtool list --namespaces, list -v's namespace head, unmap --namespace

load helper

# svmtool list -N as raw rows without headings, columns $1.
ns_rows() {
	svmtool list -N -r -n -o "$1"
}

# ------------------------------------------------------------ list -N

@test "list -N shows every namespace of the shm directory, sorted" {
	svmtool -R b create x -s 4K
	svmtool -R a create y -s 4K
	svmtool -R c create z -s 4K
	run --separate-stderr svmtool list -N -r -n -o ROOT
	assert_success
	assert_equal "$stderr" ""
	assert_output "a
b
c"
	# -R plays no part
	run --separate-stderr svmtool -R nope list --namespaces -r -n -o ROOT
	assert_success
	assert_equal "$(echo $output)" "a b c"
}

@test "list -N of a shm directory without namespaces prints nothing" {
	run --separate-stderr svmtool list -N
	assert_success
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	run --separate-stderr svmtool list -N -J
	assert_success
	assert_equal "$(tr -d ' \n' <<<"$output")" '{"namespaces":[]}'
}

@test "list -N of a shm directory that does not exist exits 3" {
	run --separate-stderr svmtool --shm-dir "$SVMTOOL_SHM_DIR/nope" list -N
	assert_equal "$status" 3
	assert_stderr "svmtool: cannot list namespaces: shm directory '$SVMTOOL_SHM_DIR/nope' does not exist"
}

@test "list -N: an empty namespace and a full one, space and directory" {
	svmtool -R empty create x -s 4K --span 1M
	svmtool -R empty unmap x
	svmtool -R full create a -s 4K --span 1M --capacity 2
	svmtool -R full create b -s 8K
	run --separate-stderr svmtool -R full create c -s 4K
	assert_failure
	run --separate-stderr ns_rows ROOT,REGIONS,CAPACITY,STATE,LOCK
	assert_success
	assert_output "empty 0 256 ready free
full 2 2 ready free"
	# in bytes, used and free make the span; the largest extent is free
	local root span used free largest
	while read -r root span used free largest; do
		assert_equal "$span" 1048576
		assert_equal "$((used + free))" "$span"
		[ "$largest" -le "$free" ] || fail "$root: largest $largest > free $free"
	done < <(svmtool list -N -r -n -b -o ROOT,SPAN,USED,FREE,LARGEST-FREE)
	# used: the namespace object in whole pages, then each region with
	# its header page (4K + 8K of data: 5 pages)
	local e_obj f_obj
	e_obj=$(stat -c %s "$SVMTOOL_SHM_DIR/svmt:empty")
	f_obj=$(stat -c %s "$SVMTOOL_SHM_DIR/svmt:full")
	run -0 svmtool list -N -r -n -b -o USED
	assert_output "$(((e_obj + 4095) / 4096 * 4096))
$(((f_obj + 4095) / 4096 * 4096 + 5 * 4096))"
}

@test "list -N counts clients and ghosts, and shows who holds the lock" {
	svmtool create a -s 4K
	svmtool create b -s 4K
	start_holder a
	start_holder b
	kill_holder "$HOLDER_PID"
	freeze ns-lock
	run --separate-stderr ns_rows ROOT,CLIENTS,GHOSTS,LOCK
	assert_success
	assert_output --regexp "^$SVMTOOL_ROOT 2 1 $FROZEN_PID\\([a-z]+\\)\$"
	thaw_kill
	run ns_rows LOCK
	assert_output "$FROZEN_PID(dead)"
}

@test "list -N: corrupt, badly named, unreadable objects are rows with a state" {
	svmtool -R good create x -s 4K
	printf 'not a namespace' >"$SVMTOOL_SHM_DIR/svmt:junk"
	: >"$SVMTOOL_SHM_DIR/svmt:empty"
	: >"$SVMTOOL_SHM_DIR/svmt:bad name"
	printf '\033[31m' >"$SVMTOOL_SHM_DIR/svmt:esc$(printf '\033')x"
	mkfifo "$SVMTOOL_SHM_DIR/svmt:fifo"
	ln -s "$(object)" "$SVMTOOL_SHM_DIR/svmt:link"
	# region objects and other files are not namespaces
	: >"$SVMTOOL_SHM_DIR/svmt:good:stray"
	: >"$SVMTOOL_SHM_DIR/other"
	run --separate-stderr ns_rows ROOT,STATE
	assert_success
	assert_equal "$stderr" ""
	assert_output 'bad\x20name bad-name
empty corrupt
esc?x bad-name
fifo corrupt
good ready
junk corrupt
link corrupt'
}

@test "list -N: a namespace the caller cannot read is 'denied', with its owner" {
	need_root
	svmtool create x -s 4K
	chmod 755 "$SVMTOOL_SHM_DIR"
	run --separate-stderr svmtool_nobody list -N -r -n -o ROOT,STATE,OWNER,PERMS,REGIONS
	assert_success
	assert_output "$SVMTOOL_ROOT denied root rw------- "
}

@test "list -N shows another user's namespace with its owner" {
	need_root
	chmod 1777 "$SVMTOOL_SHM_DIR"
	svmtool_nobody create x -s 4K
	run --separate-stderr ns_rows ROOT,STATE,OWNER,REGIONS
	assert_success
	assert_output "$SVMTOOL_ROOT ready nobody 1"
}

@test "list -N -J: numbers are numbers, unknown values null" {
	svmtool create x -s 64K --span 1G
	printf 'junk' >"$SVMTOOL_SHM_DIR/svmt:junk"
	run --separate-stderr svmtool list -N -J -o +LARGEST-FREE,CTIME,PATH,GROUP
	assert_success
	jq -e --arg root "$SVMTOOL_ROOT" --arg path "$(object)" \
		--arg me "$(id -un)" '
		.namespaces | length == 2 and
		(.[0] | .root == $root and .state == "ready" and
			(.base | type) == "number" and .span == 1073741824 and
			(.used | type) == "number" and .used + .free == .span and
			(."largest-free" | type) == "number" and
			.regions == 1 and .capacity == 256 and .clients == 0 and
			.ghosts == 0 and .lock == "free" and .path == $path and
			(.ctime | type) == "string" and .owner == $me) and
		(.[1] | .root == "junk" and .state == "corrupt" and
			.base == null and .span == null and .regions == null)
	' <<<"$output"
	# the address is exact: the table's hexadecimal, as a number
	assert_equal "$(jq -r '.namespaces[0].base' <<<"$output")" \
		"$(($(svmtool list -N -r -n -o BASE | head -1)))"
}

@test "list -N takes no NAME and no -v; its columns are its own" {
	run --separate-stderr svmtool list -N foo
	assert_usage_error "option --namespaces takes no NAME and excludes -v"
	run --separate-stderr svmtool list -N -v
	assert_usage_error "option --namespaces takes no NAME and excludes -v"
	run --separate-stderr svmtool list -N -o NAME
	assert_usage_error "unknown column 'NAME'"
	run --separate-stderr svmtool list -o ROOT
	assert_usage_error "unknown column 'ROOT'"
}

# ------------------------------------------------------------ list -v

@test "list -v starts with the namespace's own dump" {
	svmtool create foo -s 64K --span 1G --capacity 8
	run --separate-stderr svmtool list -v
	assert_success
	assert_line --index 0 --regexp "^namespace $SVMTOOL_ROOT: base va 0x[0-9a-f]{16} span 0x40000000 \\(1G\\)\$"
	assert_line --index 1 --regexp '^  used [0-9.]+K, free [0-9.]+M, largest free extent [0-9.]+M \(1 free extent\)$'
	assert_line --index 2 "  directory: 1 of 8 regions"
	assert_line --index 3 "  lock: free"
	assert_line --index 4 --regexp '^  owner [a-z_][a-z0-9_-]* \(uid [0-9]+\), group [a-z_][a-z0-9_-]* \(gid [0-9]+\), perms rw-[r-]-----, created [0-9T:+-]+$'
	assert_line --index 5 "  object $(object)"
	assert_line --index 6 --regexp '^foo: base va '
	# and only the namespace when it is empty
	svmtool unmap foo
	run --separate-stderr svmtool list -v
	assert_success
	assert_equal "${#lines[@]}" 6
}

# ------------------------------------------------------------ unmap --namespace

@test "unmap --namespace removes an empty namespace" {
	svmtool create foo -s 4K
	svmtool unmap foo
	run --separate-stderr svmtool unmap --namespace
	assert_success
	assert_equal "$output$stderr" ""
	assert_equal "$(ls -A "$SVMTOOL_SHM_DIR")" ""
	run --separate-stderr svmtool list
	assert_equal "$status" 3
}

@test "unmap --namespace keeps a namespace with regions unless --force" {
	svmtool create a -s 4K
	svmtool create b -s 4K
	make_orphan c
	run --separate-stderr svmtool unmap --namespace
	assert_equal "$status" 5
	assert_stderr "svmtool: cannot unmap namespace '$SVMTOOL_ROOT': it holds 3 regions (first 'a'); use --force"
	assert_file_exists "$(object)"
	assert_file_exists "$(object a)"
	run --separate-stderr svmtool unmap --namespace --force
	assert_success
	assert_equal "$(ls -A "$SVMTOOL_SHM_DIR")" ""
}

@test "unmap --namespace with a live client is 5 unless --force" {
	svmtool create a -s 4K
	svmtool create b -s 4K
	start_holder b
	run --separate-stderr svmtool unmap --namespace
	assert_equal "$status" 5
	assert_stderr "svmtool: cannot unmap namespace '$SVMTOOL_ROOT': region 'b' has 1 live client; use --force"
	assert_file_exists "$(object b)"
	run --separate-stderr svmtool unmap --namespace -f
	assert_success
	assert_equal "$(ls -A "$SVMTOOL_SHM_DIR")" ""
	# the client keeps its mapping and still runs
	kill -0 "$HOLDER_PID"
}

@test "unmap --namespace of a namespace that does not exist is 3" {
	run --separate-stderr svmtool unmap --namespace
	assert_equal "$status" 3
	assert_stderr "svmtool: cannot unmap namespace: no such namespace '$SVMTOOL_ROOT'"
}

@test "unmap --namespace takes no NAME; unmap takes a NAME otherwise" {
	svmtool create a -s 4K
	run --separate-stderr svmtool unmap --namespace a
	assert_usage_error "option --namespace takes no NAME: -R names the namespace"
	run --separate-stderr svmtool unmap
	assert_usage_error "missing NAME"
	assert_file_exists "$(object a)"
}

@test "unmap --namespace in the shell: the next line finds no namespace" {
	run --separate-stderr bash -c "printf 'create a -s 4K\nunmap --namespace --force\nlist\n' |
		timeout 20 '$SVMTOOL' shell"
	assert_equal "$status" 3
	assert_equal "$stderr" "-:3: svmtool: cannot list: no such namespace '$SVMTOOL_ROOT'"
}
