#!/usr/bin/env bats
# svmtool scan

load helper

# Region $1 with a ghost client; its pid in GHOST.
region_with_ghost() {
	svmtool create "$1" -s 4K >/dev/null
	start_holder "$1"
	GHOST=$HOLDER_PID
	kill_holder "$GHOST"
}

@test "scan without a namespace says so and exits 3" {
	for dry in "" --dry-run; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool scan $dry
		assert_equal "$status" 3
		assert_equal "$output" ""
		assert_stderr "svmtool: cannot scan: no such namespace '$SVMTOOL_ROOT'"
	done
	assert_equal "$(ls -A "$SVMTOOL_SHM_DIR")" ""
}

@test "scan in a shm directory that does not exist exits 3" {
	run --separate-stderr svmtool --shm-dir "$SVMTOOL_SHM_DIR/nope" scan
	assert_equal "$status" 3
	assert_equal "$output" ""
	assert_stderr_regex "^svmtool: cannot scan namespace '$SVMTOOL_ROOT': .*nope"
}

@test "scan NAME without a namespace exits 3" {
	run --separate-stderr svmtool scan foo
	assert_equal "$status" 3
	assert_equal "$output" ""
	assert_stderr "svmtool: cannot scan: no such namespace '$SVMTOOL_ROOT'"
}

@test "scan with nothing dead prints nothing and exits 0" {
	svmtool create foo -s 4K
	start_holder foo
	for dry in "" --dry-run; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool scan $dry
		assert_success
		assert_equal "$output" ""
		assert_equal "$stderr" ""
	done
	run --separate-stderr svmtool list -n -o CLIENTS,PIDS foo
	assert_output --regexp "^ *1 +$HOLDER_PID\$"
}

@test "scan --dry-run reports a ghost, exits 6 and changes nothing" {
	region_with_ghost foo
	sleep 0.05
	local before
	before=$(shm_snapshot)
	run --separate-stderr svmtool scan --dry-run
	assert_equal "$status" 6
	assert_output "foo: dead client $GHOST"
	assert_equal "$stderr" ""
	assert_equal "$(shm_snapshot)" "$before"
	run --separate-stderr svmtool list -n -o CLIENTS,GHOSTS foo
	assert_output --regexp '^ *1 +1$'
}

@test "scan removes a ghost and says so" {
	region_with_ghost foo
	run --separate-stderr svmtool scan
	assert_success
	assert_output "foo: removed dead client $GHOST"
	assert_equal "$stderr" ""
	run --separate-stderr svmtool list -n -o CLIENTS,GHOSTS,PIDS foo
	assert_output --regexp '^ *0 +0 *$'
	# nothing left to do
	run --separate-stderr svmtool scan
	assert_success
	assert_output ""
	run --separate-stderr svmtool scan --dry-run
	assert_success
	assert_output ""
}

@test "scan keeps live clients and removes only the dead" {
	svmtool create foo -s 4K
	start_holder foo
	local live=$HOLDER_PID
	start_holder foo
	local dead=$HOLDER_PID
	kill_holder "$dead"
	run --separate-stderr svmtool scan
	assert_success
	assert_output "foo: removed dead client $dead"
	run --separate-stderr svmtool list -n -o CLIENTS,GHOSTS,PIDS foo
	assert_output --regexp "^ *1 +0 +$live\$"
}

@test "scan finds every ghost of every region" {
	region_with_ghost a
	local ga=$GHOST
	start_holder a
	local ga2=$HOLDER_PID
	kill_holder "$ga2"
	region_with_ghost b
	local gb=$GHOST
	run --separate-stderr svmtool scan
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_line "a: removed dead client $ga"
	assert_line "a: removed dead client $ga2"
	assert_line "b: removed dead client $gb"
}

@test "scan NAME only looks at that region" {
	region_with_ghost a
	region_with_ghost b
	local gb=$GHOST
	run --separate-stderr svmtool scan b
	assert_success
	assert_output "b: removed dead client $gb"
	run --separate-stderr svmtool list -n -o NAME,GHOSTS
	assert_line --regexp '^a +1$'
	assert_line --regexp '^b +0$'
	run --separate-stderr svmtool scan --dry-run /a
	assert_equal "$status" 6
	assert_output --regexp '^a: dead client [0-9]+$'
}

@test "scan with a missing name scans the others, then exits 3" {
	region_with_ghost a
	run --separate-stderr svmtool scan nope a
	assert_equal "$status" 3
	assert_output "a: removed dead client $GHOST"
	assert_stderr "svmtool: cannot scan 'nope': no such region"
	run --separate-stderr svmtool scan --dry-run nope
	assert_equal "$status" 3
	assert_output ""
}

@test "scan rejects invalid names and unknown options" {
	for n in a/b .. '' "$(printf 's%.0s' {1..64})" 'é'; do
		run --separate-stderr svmtool scan "$n"
		assert_usage_error "invalid region name '$n'"
	done
	run --separate-stderr svmtool scan --bogus
	assert_usage_error "unknown option '--bogus'"
	run --separate-stderr svmtool scan -f
	assert_usage_error "unknown option '-f'"
	run --separate-stderr svmtool scan --dry-run=yes
	assert_usage_error "option '--dry-run' takes no value"
}

@test "scan works with --timeout 0" {
	region_with_ghost foo
	run --separate-stderr svmtool -T 0 scan
	assert_success
	assert_output "foo: removed dead client $GHOST"
}

@test "scan reports corrupt objects, exits 1 and still scans the rest" {
	region_with_ghost good
	svmtool create victim -s 4K
	corrupt_region victim
	run --separate-stderr svmtool scan
	assert_equal "$status" 1
	assert_line "good: removed dead client $GHOST"
	assert_line "victim: corrupt object left alone: bad magic"
	assert_equal "${#lines[@]}" 2
	run --separate-stderr svmtool list -n -o NAME,GHOSTS,STATE
	assert_line --regexp '^good +0 +ready$'
	assert_line --regexp '^victim +0 +corrupt$'
}

@test "scan --dry-run reports corrupt regions with exit 6, changing nothing" {
	region_with_ghost good
	svmtool create victim -s 4K
	corrupt_region victim
	echo garbage >"$(object bad)"
	head -c 8192 /dev/urandom >"$(object noise)"
	sleep 0.05
	local before
	before=$(shm_snapshot)
	run --separate-stderr svmtool scan --dry-run
	assert_equal "$status" 6
	assert_line "good: dead client $GHOST"
	assert_line "victim: corrupt object: bad magic"
	# objects outside the directory are recover's business, as in a real scan
	refute_line --partial "bad:"
	refute_line --partial "noise:"
	assert_equal "$(shm_snapshot)" "$before"
}

@test "scan of a truncated namespace object fails with 1" {
	svmtool create foo -s 4K
	echo garbage >"$(object)"
	for dry in "" --dry-run; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool -T 0.2 scan $dry
		assert_equal "$status" 1
		assert_equal "$output" ""
		assert_stderr_regex "^svmtool: cannot scan namespace '$SVMTOOL_ROOT': corrupt object"
	done
}

@test "scan without access is permission denied" {
	need_root
	region_with_ghost foo
	for dry in "" --dry-run; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool_nobody scan $dry
		assert_equal "$status" 4
		assert_equal "$output" ""
		assert_stderr_regex "^svmtool: cannot scan namespace '$SVMTOOL_ROOT': (shm directory '$SVMTOOL_SHM_DIR': )?permission denied"
	done
	chmod 755 "$SVMTOOL_SHM_DIR"
	run --separate-stderr svmtool_nobody scan
	assert_equal "$status" 4
	assert_stderr "svmtool: cannot scan namespace '$SVMTOOL_ROOT': permission denied: no read and write access to '$(object)' (owner root (uid 0), mode 0600)"
}

@test "scan by another user keeps a live client hidden by hidepid /proc" {
	need_root "unshare -m, mount -t proc, then svmtool as nobody; CI runs as root"
	chmod 755 "$SVMTOOL_SHM_DIR"
	svmtool create foo -s 4K -m 0666
	start_holder foo
	local live=$HOLDER_PID
	start_holder foo
	local dead=$HOLDER_PID
	kill_holder "$dead"
	# nobody cannot read /proc/$live: only kill(pid, 0) = EPERM says alive
	run --separate-stderr run_hidden_proc "$live" "$SVMTOOL" scan
	assert_equal "$stderr" ""
	assert_success
	assert_output "foo: removed dead client $dead"
	run --separate-stderr svmtool list -n -o CLIENTS,GHOSTS,PIDS foo
	assert_output --regexp "^ *1 +0 +$live\$"
}

@test "scan refuses a namespace owned by an untrusted user" {
	need_root
	chmod 1777 "$SVMTOOL_SHM_DIR"
	svmtool_nobody create foo -s 4K
	run --separate-stderr svmtool scan
	assert_equal "$status" 4
	assert_stderr_regex "^svmtool: cannot scan namespace '$SVMTOOL_ROOT': object owned by an untrusted user"
}

@test "scan of a region whose lock a live process holds: exit 5" {
	region_with_ghost other
	svmtool create foo -s 4K
	freeze open-lock foo
	run --separate-stderr svmtool -T 0.3 scan
	assert_equal "$status" 5
	assert_line "foo: not scanned: lock held by pid $FROZEN_PID (open)"
	assert_line "other: removed dead client $GHOST"
	assert_equal "$stderr" "svmtool: scan left 1 problem unfixed (listed above)"
}

@test "scan takes over a lock whose holder died" {
	svmtool create foo -s 4K
	start_holder foo
	local ghost=$HOLDER_PID
	kill_holder "$ghost"
	freeze open-lock foo
	thaw_kill
	run --separate-stderr svmtool -T 0.3 scan
	assert_success
	assert_line "foo: region lock held by dead pid $FROZEN_PID recovered"
	assert_line "foo: removed dead client $ghost"
	# the lock holder was attached too
	assert_line "foo: removed dead client $FROZEN_PID"
	run --separate-stderr svmtool list -n -o LOCK,GHOSTS foo
	assert_output --regexp '^free +0$'
}

@test "a region another user made in a shared namespace is foreign, not corrupt" {
	need_root
	local i pid out=$BATS_TEST_TMPDIR/held
	chmod 1777 "$SVMTOOL_SHM_DIR"
	svmtool create keep -s 4K -m 0666
	svmtool_nobody create foo -s 4K -m 0644
	run --separate-stderr svmtool list -n -o NAME,STATE,OWNER foo
	assert_output --regexp '^foo +ready +nobody$'
	for cmd in "scan" "scan --dry-run" "recover" "recover --dry-run"; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool $cmd
		assert_success
		assert_equal "$output" ""
	done
	# with a ghost: reported, and left alone by root's scan
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$SVMT_HOLD" \
		--shm-dir "$SVMTOOL_SHM_DIR" --root "$SVMTOOL_ROOT" attach foo \
		</dev/null >"$out" 2>&1 3>&- &
	pid=$!
	echo "$pid" >>"$HOLDERS_FILE"
	for ((i = 0; i < 200; i++)); do
		grep -q '^ready' "$out" && break
		sleep 0.05
	done
	kill_holder "$pid"
	run --separate-stderr svmtool scan --dry-run
	assert_equal "$status" 6
	assert_output "foo: dead client $pid"
	run --separate-stderr svmtool scan
	assert_equal "$status" 4
	assert_output "foo: left alone: 'foo' is owned by uid $(id -u nobody), a user not trusted here"
	run --separate-stderr svmtool_nobody scan
	assert_success
	assert_output "foo: removed dead client $pid"
}
