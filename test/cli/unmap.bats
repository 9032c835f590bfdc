#!/usr/bin/env bats
# svmtool unmap

load helper

@test "unmap removes a region silently" {
	svmtool create foo -s 4K
	svmtool create bar -s 4K
	run --separate-stderr svmtool unmap foo
	assert_success
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	assert_file_not_exists "$(object foo)"
	run --separate-stderr svmtool list -n -o NAME
	assert_output "bar"
}

@test "unmap frees the address space for a new region" {
	svmtool create a -s 512K --span 1M
	run --separate-stderr svmtool create b -s 512K
	assert_equal "$status" 1
	svmtool unmap a
	run --separate-stderr svmtool create b -s 512K
	assert_success
}

@test "unmap takes several names" {
	for n in a b c; do svmtool create "$n" -s 4K >/dev/null; done
	run --separate-stderr svmtool unmap a /c
	assert_success
	run --separate-stderr svmtool list -n -o NAME
	assert_output "b"
}

@test "unmap needs a name" {
	run --separate-stderr svmtool unmap
	assert_usage_error "missing NAME"
}

@test "unmap of a missing region exits 3" {
	svmtool create foo -s 4K
	run --separate-stderr svmtool unmap nope
	assert_equal "$status" 3
	assert_equal "$output" ""
	assert_stderr "svmtool: cannot unmap 'nope': no such region"
}

@test "unmap without a namespace says so once and exits 3" {
	run --separate-stderr svmtool unmap a b
	assert_equal "$status" 3
	assert_stderr "svmtool: cannot unmap: no such namespace '$SVMTOOL_ROOT'"
}

@test "unmap processes every name and exits with the first failure" {
	svmtool create a -s 4K
	svmtool create busy -s 4K
	svmtool create c -s 4K
	start_holder busy
	run --separate-stderr svmtool unmap a nope busy c
	assert_equal "$status" 3
	assert_stderr "svmtool: cannot unmap 'nope': no such region
svmtool: cannot unmap 'busy': 1 live client (pid $HOLDER_PID); use --force"
	run --separate-stderr svmtool list -n -o NAME
	assert_output "busy"
	svmtool create a -s 4K
	run --separate-stderr svmtool unmap busy nope a
	assert_equal "$status" 5
	run --separate-stderr svmtool list -n -o NAME
	assert_output "busy"
}

@test "unmap refuses a region with a live client: exit 5" {
	svmtool create foo -s 4K
	start_holder foo
	run --separate-stderr svmtool unmap foo
	assert_equal "$status" 5
	assert_equal "$output" ""
	assert_stderr "svmtool: cannot unmap 'foo': 1 live client (pid $HOLDER_PID); use --force"
	assert_file_exists "$(object foo)"
}

@test "unmap names every live client" {
	svmtool create foo -s 4K
	start_holder foo
	local p1=$HOLDER_PID
	start_holder foo
	local p2=$HOLDER_PID
	run --separate-stderr svmtool unmap foo
	assert_equal "$status" 5
	assert_stderr_regex "^svmtool: cannot unmap 'foo': 2 live clients \\(pids ($p1 $p2|$p2 $p1)\\); use --force\$"
}

@test "ghosts do not keep a region" {
	svmtool create foo -s 4K
	start_holder foo
	kill_holder "$HOLDER_PID"
	run --separate-stderr svmtool unmap foo
	assert_success
	assert_file_not_exists "$(object foo)"
}

@test "unmap --force removes a region with live clients, who keep their mapping" {
	svmtool create foo -s 4K
	start_holder foo
	run --separate-stderr svmtool unmap --force foo
	assert_success
	assert_equal "$stderr" ""
	assert_file_not_exists "$(object foo)"
	run --separate-stderr svmtool list foo
	assert_equal "$status" 3
	# the holder is still there and detaches cleanly
	kill -0 "$HOLDER_PID"
	kill -TERM "$HOLDER_PID"
	wait_exit "$HOLDER_PID"
	assert_equal "$WAIT_STATUS" 0
}

@test "-f is --force" {
	svmtool create foo -s 4K
	start_holder foo
	run --separate-stderr svmtool unmap -f foo
	assert_success
}

@test "unmap of a corrupt region needs --force" {
	svmtool create victim -s 4K
	corrupt_region victim
	run --separate-stderr svmtool unmap victim
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_stderr_regex "^svmtool: cannot unmap 'victim': corrupt object"
	assert_stderr_regex "--force"
	assert_file_exists "$(object victim)"
	run --separate-stderr svmtool unmap --force victim
	assert_success
	assert_file_not_exists "$(object victim)"
}

@test "unmap of a region whose object is missing drops the entry" {
	svmtool create gone -s 4K
	rm "$(object gone)"
	run --separate-stderr svmtool unmap gone
	assert_success
	run --separate-stderr svmtool list gone
	assert_equal "$status" 3
}

@test "unmap rejects invalid names before removing anything" {
	svmtool create ok -s 4K
	for n in a/b .. '' "$(printf 'u%.0s' {1..64})" 'é'; do
		run --separate-stderr svmtool unmap ok "$n"
		assert_usage_error "invalid region name '$n'"
	done
	assert_file_exists "$(object ok)"
}

@test "unmap rejects unknown options" {
	run --separate-stderr svmtool unmap foo --bogus
	assert_usage_error "unknown option '--bogus'"
	run --separate-stderr svmtool unmap -x foo
	assert_usage_error "unknown option '-x'"
	run --separate-stderr svmtool unmap --force=yes foo
	assert_usage_error "option '--force' takes no value"
}

@test "unmap without write access is permission denied" {
	need_root
	svmtool create foo -s 4K
	run --separate-stderr svmtool_nobody unmap foo
	assert_equal "$status" 4
	assert_equal "$output" ""
	assert_stderr_regex "^svmtool: cannot unmap 'foo': (shm directory '$SVMTOOL_SHM_DIR': )?permission denied"
	chmod 755 "$SVMTOOL_SHM_DIR"
	run --separate-stderr svmtool_nobody unmap foo
	assert_equal "$status" 4
	assert_stderr "svmtool: cannot unmap 'foo': permission denied: no read and write access to '$(object)' (owner root (uid 0), mode 0600)"
	assert_file_exists "$(object foo)"
	# the namespace writable, the file not the user's to delete
	chmod 1777 "$SVMTOOL_SHM_DIR"
	chmod 0666 "$(object)"
	run --separate-stderr svmtool_nobody unmap foo
	assert_equal "$status" 4
	assert_stderr "svmtool: cannot unmap 'foo': operation not permitted: the object of 'foo' belongs to uid 0 in a sticky shm directory: only its owner or root can remove it"
	assert_file_exists "$(object foo)"
}

@test "unmap refuses a namespace owned by an untrusted user" {
	need_root
	chmod 1777 "$SVMTOOL_SHM_DIR"
	svmtool_nobody create foo -s 4K
	run --separate-stderr svmtool unmap foo
	assert_equal "$status" 4
	assert_stderr_regex "^svmtool: cannot unmap 'foo': object owned by an untrusted user"
	assert_file_exists "$(object foo)"
}

@test "unmap in a truncated namespace fails with 1" {
	svmtool create foo -s 4K
	echo garbage >"$(object)"
	run --separate-stderr svmtool -T 0.2 unmap foo
	assert_equal "$status" 1
	assert_stderr_regex "^svmtool: cannot unmap 'foo': corrupt object"
	assert_file_exists "$(object foo)"
}

@test "unmap of a region being created is busy: exit 5" {
	svmtool create other -s 4K
	freeze init foo 4K
	run --separate-stderr svmtool -T 0.3 unmap foo
	assert_equal "$status" 5
	assert_equal "$output" ""
	assert_stderr "svmtool: cannot unmap 'foo': busy: region 'foo' is being created by pid $FROZEN_PID"
}

@test "unmap waits at most --timeout for a held lock: exit 5" {
	svmtool create foo -s 4K
	freeze open-lock foo
	run --separate-stderr svmtool -T 0.3 unmap foo
	assert_equal "$status" 5
	assert_stderr "svmtool: cannot unmap 'foo': timed out: lock held by pid $FROZEN_PID (open)"
}

@test "unmap takes more than a thousand names" {
	local names=() i
	for ((i = 0; i < 1100; i++)); do names+=("n$i"); done
	svmtool create keep -s 4K
	run --separate-stderr svmtool unmap "${names[@]}"
	assert_equal "$status" 3
	assert_equal "$(grep -c "no such region" <<<"$stderr")" 1100
	assert_equal "$output" ""
}

@test "root can map and unmap a region it gave to another owner" {
	need_root
	svmtool create theirs -s 4K --owner nobody
	run --separate-stderr svmtool list -n -o NAME,OWNER,STATE theirs
	assert_output --regexp '^theirs +nobody +ready$'
	run --separate-stderr svmtool map theirs
	assert_success
	run --separate-stderr svmtool unmap theirs
	assert_success
	assert_file_not_exists "$(object theirs)"
}

@test "unmap by a permitted user who cannot unlink in a sticky directory changes nothing" {
	need_root
	chmod 1777 "$SVMTOOL_SHM_DIR"
	svmtool create foo -s 4K -m 0666
	for force in "" --force; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool_nobody unmap $force foo
		assert_equal "$status" 4
		assert_equal "$output" ""
		assert_stderr "svmtool: cannot unmap 'foo': operation not permitted: the object of 'foo' belongs to uid 0 in a sticky shm directory: only its owner or root can remove it"
		assert_file_exists "$(object foo)"
		run --separate-stderr svmtool list -n -o NAME,STATE
		assert_output --regexp '^foo +ready$'
	done
	run --separate-stderr svmtool unmap foo
	assert_success
}
