#!/usr/bin/env bats
# svmtool map

load helper

@test "map prints name, base and size and detaches when it exits" {
	svmtool create foo -s 16M
	run --separate-stderr svmtool map foo
	assert_success
	assert_equal "$stderr" ""
	assert_output --regexp '^foo: base va 0x[0-9a-f]{16} size 0x1001000 \(16 mb\)$'
	run --separate-stderr svmtool list -n -o NAME,CLIENTS,GHOSTS foo
	assert_output --regexp '^foo +0 +0$'
}

@test "map prints the same line as create" {
	run --separate-stderr svmtool create foo -s 64K
	local created=$output
	run --separate-stderr svmtool map /foo
	assert_success
	assert_output "$created"
}

@test "map of a missing region exits 3" {
	svmtool create foo -s 4K
	run --separate-stderr svmtool map nope
	assert_equal "$status" 3
	assert_equal "$output" ""
	assert_stderr "svmtool: cannot map 'nope': no such region"
}

@test "map in a missing namespace exits 3" {
	run --separate-stderr svmtool map nope
	assert_equal "$status" 3
	assert_equal "$output" ""
	assert_stderr_regex "^svmtool: cannot map 'nope': no namespace '$SVMTOOL_ROOT'"
}

@test "map needs exactly one name" {
	run --separate-stderr svmtool map
	assert_usage_error "missing NAME"
	run --separate-stderr svmtool map a b
	assert_usage_error "unexpected argument 'b'"
}

@test "map rejects invalid names" {
	for n in a/b .. '' "$(printf 'm%.0s' {1..64})" 'é'; do
		run --separate-stderr svmtool map "$n"
		assert_usage_error "invalid region name '$n'"
	done
}

@test "map rejects unknown options" {
	run --separate-stderr svmtool map foo --bogus
	assert_usage_error "unknown option '--bogus'"
	run --separate-stderr svmtool map foo -f
	assert_usage_error "unknown option '-f'"
	run --separate-stderr svmtool map foo --hold=yes
	assert_usage_error "option '--hold' takes no value"
}

@test "map --hold prints a ready line and stays attached" {
	svmtool create foo -s 4K
	start_holder foo
	run cat "$HOLDER_OUT"
	assert_line --index 0 --regexp '^foo: base va 0x[0-9a-f]{16} size 0x2000 \(8 kb\)$'
	assert_line --index 1 "foo: ready, holding as pid $HOLDER_PID until SIGINT, SIGTERM or SIGHUP"
	run --separate-stderr svmtool list -n -o NAME,CLIENTS,GHOSTS,PIDS foo
	assert_output --regexp "^foo +1 +0 +$HOLDER_PID\$"
}

@test "map --hold does not stop at the end of its input" {
	svmtool create foo -s 4K
	start_holder foo
	sleep 0.3
	kill -0 "$HOLDER_PID"
}

@test "map --hold detaches cleanly on SIGTERM, SIGINT and SIGHUP" {
	svmtool create foo -s 4K
	for sig in TERM INT HUP; do
		start_holder foo
		kill -s "$sig" "$HOLDER_PID"
		# 0, or a signal's status if one came after detaching: what
		# matters is that nothing is left attached
		wait_exit "$HOLDER_PID"
		run --separate-stderr svmtool list -n -o NAME,CLIENTS,GHOSTS foo
		assert_output --regexp '^foo +0 +0$'
	done
}

@test "two holders are two clients" {
	svmtool create foo -s 4K
	start_holder foo
	local first=$HOLDER_PID
	start_holder foo
	run --separate-stderr svmtool list -n -o CLIENTS,PIDS foo
	assert_output --regexp "^ *2 +($first,$HOLDER_PID|$HOLDER_PID,$first)\$"
}

@test "a holder killed with SIGKILL leaves a ghost" {
	svmtool create foo -s 4K
	start_holder foo
	kill_holder "$HOLDER_PID"
	run --separate-stderr svmtool list -n -o NAME,CLIENTS,GHOSTS,PIDS foo
	assert_output --regexp "^foo +1 +1 +$HOLDER_PID\$"
	run --separate-stderr svmtool list -v foo
	assert_line "  1 client, pids: $HOLDER_PID(dead)"
}

@test "map works with --timeout 0" {
	svmtool create foo -s 4K
	run --separate-stderr svmtool -T 0 map foo
	assert_success
}

@test "a span that clashes with the process's mappings names the mapping" {
	setarch "$(uname -m)" -R true 2>/dev/null || skip "setarch -R not usable"
	# Without address randomisation a PIE binary loads at 0x555555554000.
	svmtool create foo -s 4K --base 0x555555000000 --span 0x10000000
	run --separate-stderr setarch "$(uname -m)" -R timeout 20 "$SVMTOOL" map foo
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_stderr_regex "^svmtool: cannot map 'foo': address range 0x555555000000-0x555565000000 in use by .*svmtool"
}

@test "map of a corrupt region fails with 1" {
	svmtool create foo -s 4K
	corrupt_region foo
	run --separate-stderr svmtool map foo
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_stderr "svmtool: cannot map 'foo': corrupt object: bad magic"
}

@test "map of a truncated region object fails with 1" {
	svmtool create foo -s 4K
	: >"$(object foo)"
	run --separate-stderr svmtool map foo
	assert_equal "$status" 1
	assert_stderr_regex "^svmtool: cannot map 'foo': corrupt object"
}

@test "map in a corrupt namespace fails with 1" {
	svmtool create foo -s 4K
	head -c 4096 /dev/urandom >"$(object)"
	run --separate-stderr svmtool map foo
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_stderr_regex "^svmtool: cannot map 'foo': corrupt object"
}

@test "map without read access is permission denied" {
	need_root
	svmtool create foo -s 4K
	run --separate-stderr svmtool_nobody map foo
	assert_equal "$status" 4
	assert_equal "$output" ""
	assert_stderr_regex "^svmtool: cannot map 'foo': shm directory '$SVMTOOL_SHM_DIR': permission denied"
	chmod 755 "$SVMTOOL_SHM_DIR"
	run --separate-stderr svmtool_nobody map foo
	assert_equal "$status" 4
	# the object that refused, and the access that was missing
	assert_stderr "svmtool: cannot map 'foo': permission denied: no read and write access to '$(object)' (owner root (uid 0), mode 0600)"
}

@test "map refuses a namespace owned by an untrusted user" {
	need_root
	chmod 1777 "$SVMTOOL_SHM_DIR"
	svmtool_nobody create foo -s 4K
	run --separate-stderr svmtool map foo
	assert_equal "$status" 4
	assert_equal "$output" ""
	assert_stderr_regex "^svmtool: cannot map 'foo': object owned by an untrusted user"
}

@test "map gives up after --timeout while a live process holds the lock: exit 5" {
	svmtool create foo -s 4K
	freeze open-lock foo
	for t in 0.3 0; do
		run --separate-stderr svmtool -T "$t" map foo
		assert_equal "$status" 5
		assert_equal "$output" ""
		assert_stderr "svmtool: cannot map 'foo': timed out: lock held by pid $FROZEN_PID (open)"
	done
}

@test "map of a region being created waits, then exits 5" {
	svmtool create other -s 4K
	freeze init foo 4K
	run --separate-stderr svmtool -T 0.3 map foo
	assert_equal "$status" 5
	assert_equal "$output" ""
	assert_stderr "svmtool: cannot map 'foo': timed out: region 'foo' is being created by pid $FROZEN_PID"
	# the others can be used meanwhile
	run --separate-stderr svmtool -T 0.3 map other
	assert_success
}

@test "map of a region whose creator died exits 3" {
	svmtool create other -s 4K
	freeze init foo 4K
	thaw_kill
	run --separate-stderr svmtool -T 0.3 map foo
	assert_equal "$status" 3
	assert_equal "$output" ""
	assert_stderr_regex "^svmtool: cannot map 'foo': region 'foo' was left half-created by pid $FROZEN_PID; run recover"
}

@test "map --hold detaches cleanly when a second stop signal follows the first" {
	svmtool create foo -s 4K
	local sigs sig
	for sigs in "TERM HUP" "INT TERM TERM" "HUP INT"; do
		start_holder foo
		for sig in $sigs; do
			kill "-$sig" "$HOLDER_PID" 2>/dev/null || true
		done
		# 0, or a signal's status if one came after detaching: what
		# matters is that nothing is left attached
		wait_exit "$HOLDER_PID"
		run --separate-stderr svmtool list -n -o NAME,CLIENTS,GHOSTS
		assert_output --regexp '^foo +0 +0$'
	done
}

@test "map --hold whose ready line cannot be written detaches and fails" {
	svmtool create foo -s 4K
	run --separate-stderr timeout 10 sh -c '"$1" map foo --hold >/dev/full' sh "$SVMTOOL"
	assert_equal "$status" 1
	assert_equal "$stderr" "svmtool: cannot write the ready line of 'foo'"
	run --separate-stderr svmtool list -n -o NAME,CLIENTS,GHOSTS
	assert_output --regexp '^foo +0 +0$'
}

@test "map --hold under nohup stays attached through SIGHUP" {
	svmtool create foo -s 4K
	HOLDER_OUT=$BATS_TEST_TMPDIR/hold.nohup
	nohup "$SVMTOOL" map foo --hold </dev/null >"$HOLDER_OUT" 2>&1 3>&- &
	HOLDER_PID=$!
	echo "$HOLDER_PID" >>"$HOLDERS_FILE"
	for ((n = 0; n < 200; n++)); do
		grep -q ': ready' "$HOLDER_OUT" && break
		sleep 0.05
	done
	kill -HUP "$HOLDER_PID"
	sleep 0.3
	run kill -0 "$HOLDER_PID"
	assert_success
	run --separate-stderr svmtool list -n -o NAME,CLIENTS,GHOSTS
	assert_output --regexp '^foo +1 +0$'
	kill -TERM "$HOLDER_PID"
	wait_exit "$HOLDER_PID"
	assert_equal "$WAIT_STATUS" 0
	run --separate-stderr svmtool list -n -o NAME,CLIENTS,GHOSTS
	assert_output --regexp '^foo +0 +0$'
}

@test "map --hold survives its region truncated under it (SIGBUS guard)" {
	svmtool create foo -s 4K
	start_holder foo
	# a writer shortens the object: the holder's detach touches lost pages
	truncate -s 0 "$(object foo)"
	kill -TERM "$HOLDER_PID"
	wait_exit "$HOLDER_PID"
	assert_equal "$WAIT_STATUS" 1
	run grep -c "cannot detach from 'foo': corrupt object: region object truncated while in use" "$HOLDER_OUT"
	assert_output 1
}
