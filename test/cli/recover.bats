#!/usr/bin/env bats
# svmtool recover

load helper

@test "recover without a namespace says so and exits 3" {
	for dry in "" --dry-run; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool recover $dry
		assert_equal "$status" 3
		assert_equal "$output" ""
		assert_stderr "svmtool: cannot recover: no such namespace '$SVMTOOL_ROOT'"
	done
	assert_equal "$(ls -A "$SVMTOOL_SHM_DIR")" ""
}

@test "recover in a shm directory that does not exist exits 3" {
	run --separate-stderr svmtool --shm-dir "$SVMTOOL_SHM_DIR/nope" recover
	assert_equal "$status" 3
	assert_equal "$output" ""
	assert_stderr "svmtool: cannot recover namespace '$SVMTOOL_ROOT': shm directory '$SVMTOOL_SHM_DIR/nope' does not exist"
}

@test "recover NAME without a namespace exits 3" {
	run --separate-stderr svmtool recover foo
	assert_equal "$status" 3
	assert_stderr "svmtool: cannot recover: no such namespace '$SVMTOOL_ROOT'"
}

@test "recover of a healthy namespace prints nothing and exits 0" {
	svmtool create foo -s 4K
	start_holder foo
	for dry in --dry-run ""; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool recover $dry
		assert_success
		assert_equal "$output" ""
		assert_equal "$stderr" ""
	done
	run --separate-stderr svmtool list -n -o NAME,STATE,CLIENTS
	assert_output --regexp '^foo +ready +1$'
}

@test "recover --dry-run reports a directory entry without object, exit 6" {
	svmtool create foo -s 4K
	svmtool create gone -s 4K
	rm "$(object gone)"
	sleep 0.05
	local before
	before=$(shm_snapshot)
	run --separate-stderr svmtool recover --dry-run
	assert_equal "$status" 6
	assert_output "gone: directory entry without an object"
	assert_equal "$stderr" ""
	assert_equal "$(shm_snapshot)" "$before"
}

@test "recover removes a directory entry without object" {
	svmtool create foo -s 4K
	svmtool create gone -s 4K
	rm "$(object gone)"
	run --separate-stderr svmtool recover
	assert_success
	assert_output "gone: removed directory entry without an object"
	run --separate-stderr svmtool list -n -o NAME,STATE
	assert_output --regexp '^foo +ready$'
	run --separate-stderr svmtool recover --dry-run
	assert_success
	assert_output ""
	# its name and addresses can be used again
	run --separate-stderr svmtool create gone -s 4K
	assert_success
}

@test "recover re-enters an orphan object whose addresses are free" {
	svmtool create foo -s 4K
	make_orphan stray 8K
	run --separate-stderr svmtool recover --dry-run
	assert_equal "$status" 6
	assert_output "stray: object not in the directory"
	run --separate-stderr svmtool recover
	assert_success
	assert_output "stray: object re-entered in the directory"
	run --separate-stderr svmtool list -n -b -o NAME,STATE,DATA stray
	assert_output --regexp '^stray +ready +8192$'
}

@test "recover removes an orphan object whose addresses are taken" {
	svmtool create foo -s 4K
	make_orphan stray
	svmtool create taker -s 4K
	run --separate-stderr svmtool recover
	assert_success
	assert_output --regexp '^stray: removed object not in the directory'
	assert_file_not_exists "$(object stray)"
	run --separate-stderr svmtool list -n -o NAME
	assert_output "foo
taker"
}

@test "recover reports corrupt objects, leaves them and exits 1" {
	svmtool create good -s 4K
	svmtool create victim -s 4K
	corrupt_region victim
	echo garbage >"$(object bad)"
	run --separate-stderr svmtool recover
	assert_equal "$status" 1
	assert_line "victim: corrupt object left alone: bad magic"
	assert_line --regexp '^bad: corrupt object left alone: region object truncated'
	assert_equal "${#lines[@]}" 2
	assert_equal "$stderr" "svmtool: recover left 2 problems unfixed (listed above)"
	assert_file_exists "$(object victim)"
	assert_file_exists "$(object bad)"
	run --separate-stderr svmtool list -n -o NAME,STATE good
	assert_output --regexp '^good +ready$'
}

@test "recover --dry-run reports corrupt objects with exit 6, changing nothing" {
	svmtool create good -s 4K
	svmtool create victim -s 4K
	corrupt_region victim
	echo garbage >"$(object bad)"
	head -c 8192 /dev/urandom >"$(object noise)"
	sleep 0.05
	local before
	before=$(shm_snapshot)
	run --separate-stderr svmtool recover --dry-run
	assert_equal "$status" 6
	assert_line "victim: corrupt object: bad magic"
	assert_line --regexp '^bad: corrupt object: region object truncated'
	assert_line "noise: corrupt object: bad magic"
	assert_equal "${#lines[@]}" 3
	assert_equal "$(shm_snapshot)" "$before"
}

@test "recover NAME handles only that region" {
	svmtool create a -s 4K
	svmtool create b -s 4K
	rm "$(object a)" "$(object b)"
	run --separate-stderr svmtool recover --dry-run b
	assert_equal "$status" 6
	assert_output "b: directory entry without an object"
	run --separate-stderr svmtool recover /b
	assert_success
	assert_output "b: removed directory entry without an object"
	run --separate-stderr svmtool list -n -o NAME,STATE
	assert_output --regexp '^a +missing$'
}

@test "recover with a missing name handles the others, then exits 3" {
	svmtool create a -s 4K
	rm "$(object a)"
	run --separate-stderr svmtool recover nope a
	assert_equal "$status" 3
	assert_output "a: removed directory entry without an object"
	assert_stderr "svmtool: cannot recover 'nope': no such region"
	run --separate-stderr svmtool recover --dry-run nope
	assert_equal "$status" 3
	assert_output ""
}

@test "recover rejects invalid names and unknown options" {
	for n in a/b .. '' "$(printf 'r%.0s' {1..64})" 'é'; do
		run --separate-stderr svmtool recover "$n"
		assert_usage_error "invalid region name '$n'"
	done
	run --separate-stderr svmtool recover --bogus
	assert_usage_error "unknown option '--bogus'"
	run --separate-stderr svmtool recover -n
	assert_usage_error "unknown option '-n'"
	run --separate-stderr svmtool recover --dry-run=1
	assert_usage_error "option '--dry-run' takes no value"
}

@test "recover does not touch ghosts (scan's business)" {
	svmtool create foo -s 4K
	start_holder foo
	kill_holder "$HOLDER_PID"
	run --separate-stderr svmtool recover
	assert_success
	assert_output ""
	run --separate-stderr svmtool list -n -o GHOSTS foo
	assert_output --regexp '^ *1$'
}

@test "recover of a truncated namespace object fails with 1" {
	svmtool create foo -s 4K
	echo garbage >"$(object)"
	for dry in --dry-run ""; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool -T 0.2 recover $dry
		assert_equal "$status" 1
		assert_equal "$output" ""
		assert_stderr_regex "^svmtool: cannot recover namespace '$SVMTOOL_ROOT': corrupt object"
	done
}

@test "recover keeps a namespace object full of noise" {
	svmtool create foo -s 4K
	head -c 8192 /dev/urandom >"$(object)"
	local sum
	sum=$(md5sum <"$(object)")
	run --separate-stderr svmtool -T 0.2 recover
	assert_equal "$status" 1
	assert_stderr_regex "corrupt object"
	assert_file_exists "$(object)"
	assert_equal "$(md5sum <"$(object)")" "$sum"
}

@test "recover without access is permission denied" {
	need_root
	svmtool create foo -s 4K
	for dry in "" --dry-run; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool_nobody recover $dry
		assert_equal "$status" 4
		assert_equal "$output" ""
		assert_stderr_regex "^svmtool: cannot recover namespace '$SVMTOOL_ROOT': (shm directory '$SVMTOOL_SHM_DIR': )?permission denied"
	done
}

@test "recover refuses a namespace owned by an untrusted user" {
	need_root
	chmod 1777 "$SVMTOOL_SHM_DIR"
	svmtool_nobody create foo -s 4K
	run --separate-stderr svmtool recover
	assert_equal "$status" 4
	assert_stderr_regex "^svmtool: cannot recover namespace '$SVMTOOL_ROOT': object owned by an untrusted user"
}

@test "recover removes a region half-created by a dead process" {
	svmtool create other -s 4K
	freeze init foo 4K
	# a live creator is not a problem
	run --separate-stderr svmtool recover --dry-run
	assert_success
	assert_output ""
	thaw_kill
	run --separate-stderr svmtool recover --dry-run
	assert_equal "$status" 6
	assert_output "foo: half-created by dead pid $FROZEN_PID"
	run --separate-stderr svmtool recover
	assert_success
	assert_output "foo: removed region half-created by dead pid $FROZEN_PID"
	run --separate-stderr svmtool list -n -o NAME
	assert_output "other"
	run --separate-stderr svmtool create foo -s 4K
	assert_success
}

@test "recover releases a region lock held by a dead process" {
	svmtool create foo -s 4K
	freeze open-lock foo
	thaw_kill
	run --separate-stderr svmtool recover --dry-run
	assert_equal "$status" 6
	assert_output "foo: region lock held by dead pid $FROZEN_PID"
	run --separate-stderr svmtool recover
	assert_success
	assert_output "foo: region lock held by dead pid $FROZEN_PID recovered"
	run --separate-stderr svmtool list -n -o NAME,LOCK
	assert_output --regexp '^foo +free$'
}

@test "recover releases the namespace lock held by a dead process" {
	svmtool create foo -s 4K
	freeze ns-lock
	thaw_kill
	run --separate-stderr svmtool recover --dry-run
	assert_equal "$status" 6
	assert_output "namespace $SVMTOOL_ROOT: namespace lock held by dead pid $FROZEN_PID"
	run --separate-stderr svmtool recover
	assert_success
	assert_output "namespace $SVMTOOL_ROOT: namespace lock held by dead pid $FROZEN_PID recovered"
	run --separate-stderr svmtool -T 0.3 create bar -s 4K
	assert_success
}

@test "a writer's bytes in a region's locks crash no command; recover rebuilds them" {
	svmtool create foo -s 4K
	svmtool create bar -s 4K
	# a priority-protect kind: glibc aborts on it
	poke_mutex region-lock mutex-kind 0xd2 "$(object foo)"
	poke_mutex region-meta mutex-kind 0xd2 "$(object bar)"
	run --separate-stderr svmtool list -n -o NAME,STATE
	assert_success
	assert_output "$(printf 'bar  corrupt\nfoo  corrupt')"
	run --separate-stderr svmtool recover --dry-run
	assert_equal "$status" 6
	assert_line "foo: corrupt object: lock kind 0xd2, expected 0x92"
	assert_line "bar: corrupt object: lock kind 0xd2, expected 0x92"
	run --separate-stderr svmtool scan
	assert_equal "$status" 1
	assert_output "bar: not scanned: lock kind 0xd2, expected 0x92"
	run --separate-stderr svmtool map bar
	assert_equal "$status" 1
	assert_stderr "svmtool: cannot map 'bar': corrupt object: lock kind 0xd2, expected 0x92"
	run --separate-stderr svmtool recover
	assert_success
	assert_line "foo: region lock was corrupt (lock kind 0xd2, expected 0x92): reinitialised"
	assert_line "bar: region lock was corrupt (lock kind 0xd2, expected 0x92): reinitialised"
	run --separate-stderr svmtool recover --dry-run
	assert_success
	run --separate-stderr svmtool map bar
	assert_success
}

@test "unmap --force removes a region whose lock a writer broke" {
	svmtool create foo -s 4K
	poke_mutex region-meta mutex-word 0x3fffffff "$(object foo)"
	run --separate-stderr svmtool unmap foo
	assert_equal "$status" 1
	run --separate-stderr svmtool unmap --force foo
	assert_success
	assert_file_not_exists "$(object foo)"
}

@test "a writer's bytes in the namespace lock crash no command; recover rebuilds it" {
	svmtool create foo -s 4K
	poke_mutex root-lock mutex-kind 0xd2 "$(object)"
	run --separate-stderr svmtool create bar -s 4K
	assert_equal "$status" 1
	assert_stderr "svmtool: cannot create 'bar': corrupt object: lock kind 0xd2, expected 0x92"
	run --separate-stderr svmtool recover --dry-run
	assert_equal "$status" 6
	assert_output "namespace $SVMTOOL_ROOT: namespace lock corrupt (lock kind 0xd2, expected 0x92)"
	run --separate-stderr svmtool recover
	assert_success
	assert_output "namespace $SVMTOOL_ROOT: namespace lock was corrupt (lock kind 0xd2, expected 0x92): reinitialised"
	run --separate-stderr svmtool create bar -s 4K
	assert_success
}

@test "recover by a user who cannot unlink an orphan says so and exits 4" {
	need_root
	chmod 1777 "$SVMTOOL_SHM_DIR"
	svmtool create keep -s 4K -m 0666
	make_orphan stray
	chmod 0666 "$(object stray)"
	svmtool create other -s 4K -m 0666 # takes the orphan's addresses
	run --separate-stderr svmtool_nobody recover
	assert_equal "$status" 4
	assert_output "stray: left alone: the object of 'stray' belongs to uid 0 in a sticky shm directory: only its owner or root can remove it"
	assert_file_exists "$(object stray)"
	run --separate-stderr svmtool recover
	assert_success
	assert_output "stray: removed object not in the directory (its addresses are taken)"
}

@test "a heap full of noise: listed, reported by recover, never a crash" {
	svmtool create h -s 64K --heap >/dev/null
	# the data area (the heap) starts at the object's second page
	dd if=/dev/urandom of="$(object h)" bs=4096 seek=1 count=16 \
		conv=notrunc status=none
	run --separate-stderr svmtool list -v h
	assert_success
	assert_line "  heap: unreadable"
	run --separate-stderr svmtool recover --dry-run
	assert_equal "$status" 6
	assert_output "h: heap: heap header: bad magic"
	run --separate-stderr svmtool recover
	assert_equal "$status" 1
	assert_output "h: heap left alone: heap header: bad magic"
	run --separate-stderr svmtool map h
	assert_success
}
