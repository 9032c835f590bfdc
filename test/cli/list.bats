#!/usr/bin/env bats
# svmtool list

load helper

# Two regions, one with a live client and one with a ghost.
two_regions_with_clients() {
	svmtool create vpe-api -s 16M >/dev/null
	svmtool create stats -s 64K -m 0640 >/dev/null
	start_holder stats
	LIVE=$HOLDER_PID
	start_holder vpe-api
	GHOST=$HOLDER_PID
	kill_holder "$GHOST"
}

# ------------------------------------------------------------ no namespace

@test "list without a namespace says so and exits 3" {
	for mode in "" -r -e -n -v -b "-o NAME"; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool list $mode
		assert_equal "$status" 3
		assert_equal "$output" ""
		assert_stderr "svmtool: cannot list: no such namespace '$SVMTOOL_ROOT'"
	done
	# a mistyped -R next to an existing namespace
	svmtool create foo -s 4K
	run --separate-stderr svmtool -R "${SVMTOOL_ROOT}x" list
	assert_equal "$status" 3
	assert_stderr "svmtool: cannot list: no such namespace '${SVMTOOL_ROOT}x'"
}

@test "list -J without a namespace prints an empty regions array, exits 3" {
	run --separate-stderr svmtool list -J
	assert_equal "$status" 3
	assert_stderr "svmtool: cannot list: no such namespace '$SVMTOOL_ROOT'"
	assert_equal "$(echo "$output" | tr -d ' \n')" '{"regions":[]}'
}

@test "list in a shm directory that does not exist exits 3" {
	run --separate-stderr svmtool --shm-dir "$SVMTOOL_SHM_DIR/nope" list
	assert_equal "$status" 3
	assert_equal "$output" ""
	assert_stderr "svmtool: cannot list namespace '$SVMTOOL_ROOT': shm directory '$SVMTOOL_SHM_DIR/nope' does not exist"
}

@test "list NAME without a namespace exits 3" {
	run --separate-stderr svmtool list foo bar
	assert_equal "$status" 3
	assert_equal "$output" ""
	assert_stderr "svmtool: cannot list: no such namespace '$SVMTOOL_ROOT'"
}

@test "list of an empty namespace prints nothing" {
	svmtool create foo -s 4K
	svmtool unmap foo
	run --separate-stderr svmtool list
	assert_success
	assert_equal "$output" ""
}

# ------------------------------------------------------------ table

@test "the default columns" {
	svmtool create foo -s 4K
	run --separate-stderr svmtool list
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp '^NAME +BASE +SIZE +CLIENTS +GHOSTS +LOCK +STATE +PERMS +OWNER$'
	assert_line --index 1 --regexp "^foo +0x[0-9a-f]{16} +4K +0 +0 +free +ready +rw------- +$(id -un)\$"
	assert_equal "${#lines[@]}" 2
}

@test "the table matches the golden file" {
	two_regions_with_clients
	run --separate-stderr svmtool list
	assert_success
	assert_golden list-table.txt <<<"$output"
}

@test "all columns match the golden file" {
	two_regions_with_clients
	# GROUP, PIDS and PATH (their widths vary with who runs this, when
	# and where) are tested apart; OWNER, last, has no width
	run --separate-stderr svmtool list -o NAME,BASE,SIZE,DATA,CLIENTS,GHOSTS,LOCK,STATE,FLAGS,PERMS,CTIME,GEN,EXTENT,DATA-BASE,DATA-OFFSET,OWNER
	assert_success
	assert_golden list-all-columns.txt <<<"$output"
	run --separate-stderr svmtool list -n -r -o NAME,PATH
	assert_output "stats $(object stats)
vpe-api $(object vpe-api)"
}

@test "regions are sorted by name" {
	for n in zeta alpha mid; do svmtool create "$n" -s 4K >/dev/null; done
	run --separate-stderr svmtool list -n -o NAME
	assert_output "alpha
mid
zeta"
}

@test "clients and ghosts are counted" {
	two_regions_with_clients
	run --separate-stderr svmtool list -n -o NAME,CLIENTS,GHOSTS,PIDS
	assert_line --regexp "^stats +1 +0 +$LIVE\$"
	assert_line --regexp "^vpe-api +1 +1 +$GHOST\$"
}

@test "sizes are human readable, -b gives bytes" {
	svmtool create a -s 16M
	svmtool create b -s 1000
	run --separate-stderr svmtool list -n -o NAME,SIZE,EXTENT
	assert_line --regexp '^a +16M +16M$'
	assert_line --regexp '^b +4K +8K$'
	run --separate-stderr svmtool list -n -b -o NAME,SIZE,DATA,EXTENT,DATA-OFFSET
	assert_line --regexp '^a +16777216 +16777216 +16781312 +4096$'
	assert_line --regexp '^b +4096 +4096 +8192 +4096$'
	run --separate-stderr svmtool list --bytes -n -o SIZE a
	assert_output --regexp '^ *16777216$'
}

@test "-n drops the header" {
	svmtool create foo -s 4K
	run --separate-stderr svmtool list -n
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 --regexp '^foo '
	run --separate-stderr svmtool list --noheadings -r
	assert_line --index 0 --regexp '^foo '
	run --separate-stderr svmtool list -rn -o NAME
	assert_output "foo"
}

@test "-o replaces the columns, in the order given, any case" {
	svmtool create foo -s 4K
	run --separate-stderr svmtool list -o state,NAME,Gen
	assert_success
	assert_line --index 0 --regexp '^STATE +NAME +GEN$'
	assert_line --index 1 --regexp '^ready +foo +1$'
}

@test "-o +COLS appends to the default columns" {
	svmtool create foo -s 4K
	run --separate-stderr svmtool list --output +FLAGS,GEN
	assert_success
	assert_line --index 0 --regexp '^NAME +BASE +SIZE +CLIENTS +GHOSTS +LOCK +STATE +PERMS +OWNER +FLAGS +GEN$'
	assert_line --index 1 --regexp ' persistent +1$'
}

@test "an unknown column is a usage error naming it" {
	svmtool create foo -s 4K
	for o in FOO NAME,FOO +FOO NAME, '' '+' 'NAME,,SIZE' 'NAMES'; do
		run --separate-stderr svmtool list -o "$o"
		assert_equal "$status" 2
		assert_equal "$output" ""
		assert_stderr_regex "^svmtool: unknown column '[A-Z]*'"
	done
	run --separate-stderr svmtool list -o NAME,FOO
	assert_usage_error "unknown column 'FOO'"
	# also without a namespace
	run --separate-stderr svmtool -R empty list -o FOO
	assert_usage_error "unknown column 'FOO'"
}

@test "-o without a value is a usage error" {
	run --separate-stderr svmtool list -o
	assert_usage_error "option '-o' requires an argument"
}

@test "CTIME is ISO 8601, FLAGS, GROUP, GEN and PERMS are filled in" {
	svmtool create foo -s 4K -m 0604
	svmtool create bar -s 4K
	run --separate-stderr svmtool list -n -o NAME,CTIME,FLAGS,GROUP,GEN,PERMS
	assert_line --regexp "^bar +20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9][+-][0-9]{2}:[0-9]{2} +persistent +$(id -gn) +2 +rw-------\$"
	assert_line --regexp "^foo +20[0-9-]{8}T[0-9:]{8}[+-][0-9:]{5} +persistent +$(id -gn) +1 +rw----r--\$"
}

@test "the CTIME is the creation time" {
	local before after t
	before=$(date +%s)
	svmtool create foo -s 4K
	after=$(date +%s)
	run --separate-stderr svmtool list -n -o CTIME foo
	t=$(date -d "$output" +%s)
	[ "$t" -ge "$before" ] && [ "$t" -le "$after" ]
}

@test "LOCK says free" {
	svmtool create foo -s 4K
	run --separate-stderr svmtool list -n -o LOCK
	assert_output "free"
}

@test "addresses are printed with 64 bits" {
	svmtool create foo -s 4K --base 0x7e0000000000 --span 1G
	run --separate-stderr svmtool list -n -o BASE
	assert_output --regexp '^0x00007e0000[0-9a-f]{6}$'
	run --separate-stderr svmtool list -v
	assert_line --index 0 --regexp '^namespace [^ ]+: base va 0x00007e0000000000 span 0x40000000 \(1G\)$'
	assert_line --regexp '^foo: base va 0x00007e0000[0-9a-f]{6} size 0x2000 \(8 kb\)$'
	assert_line --regexp '^    0x00007e0000[0-9a-f]{6} - 0x00007e0000[0-9a-f]{6} \(8k\)$'
}

# ------------------------------------------------------------ names

@test "list NAME... shows only those, in the order given" {
	for n in a b c; do svmtool create "$n" -s 4K >/dev/null; done
	run --separate-stderr svmtool list -n -o NAME c /a
	assert_success
	assert_output "c
a"
}

@test "a name not found exits 3 after listing the others" {
	svmtool create a -s 4K
	svmtool create b -s 4K
	run --separate-stderr svmtool list -n -o NAME a nope b gone
	assert_equal "$status" 3
	assert_output "a
b"
	assert_stderr "svmtool: cannot list 'nope': no such region
svmtool: cannot list 'gone': no such region"
}

@test "list rejects invalid names" {
	for n in a/b .. '' "$(printf 'l%.0s' {1..64})" 'é'; do
		run --separate-stderr svmtool list "$n"
		assert_usage_error "invalid region name '$n'"
	done
}

@test "list rejects unknown options" {
	run --separate-stderr svmtool list --bogus
	assert_usage_error "unknown option '--bogus'"
	run --separate-stderr svmtool list -x
	assert_usage_error "unknown option '-x'"
	run --separate-stderr svmtool list --json=1
	assert_usage_error "option '--json' takes no value"
}

# ------------------------------------------------------------ -v

@test "list -v matches the golden file" {
	two_regions_with_clients
	run --separate-stderr svmtool list -v
	assert_success
	assert_equal "$stderr" ""
	assert_golden list-verbose.txt <<<"$output"
}

@test "list -v of a heap region matches the golden file" {
	svmtool create h -s 1M --heap >/dev/null
	run --separate-stderr svmtool list -v h
	assert_success
	assert_equal "$stderr" ""
	assert_line "  flags: 0x3 PERSISTENT HEAP"
	assert_line --regexp '^  data_base (0x[0-9a-f]{16}) data_size 0x100000 data_heap \1$'
	assert_line "  heap: total 1048576, used 4096, free 1044480, largest free 1044480, 0 objects"
	assert_golden list-heap-verbose.txt <<<"$output"
}

@test "the heap columns: sizes in the table, numbers in JSON, empty without a heap" {
	svmtool create h -s 1M --heap >/dev/null
	svmtool create p -s 64K >/dev/null
	run --separate-stderr svmtool list -o NAME,FLAGS,HEAP-SIZE,HEAP-USED,HEAP-FREE
	assert_success
	assert_line --index 0 --regexp '^NAME +FLAGS +HEAP-SIZE +HEAP-USED +HEAP-FREE$'
	assert_line --index 1 --regexp '^h +persistent,heap +1M +4K +1020K$'
	assert_line --index 2 --regexp '^p +persistent *$'
	run --separate-stderr svmtool list -b -n -o HEAP-SIZE,HEAP-USED,HEAP-FREE h
	assert_output --regexp '^ *1048576 +4096 +1044480$'
	run --separate-stderr svmtool list -J -o NAME,HEAP-USED
	assert_success
	# JSON keys write '-' as '_', as every key does
	assert_output --partial '"heap_used": 4096'
	assert_output --partial '"heap_used": null'
}

@test "list -v shows the ghost as dead and a blank line between regions" {
	two_regions_with_clients
	run --separate-stderr svmtool list --verbose
	assert_line "  1 client, pids: $GHOST(dead)"
	assert_line "  1 client, pids: $LIVE"
	# a blank line after the namespace, one between the two regions
	run --separate-stderr svmtool list -v
	assert_equal "$(grep -c '^$' <<<"$output")" 2
	assert_equal "$(grep -B1 '^stats:' <<<"$output" | head -1)" ""
	assert_equal "$(grep -B1 '^vpe-api:' <<<"$output" | head -1)" ""
}

@test "list -v NAME shows one region" {
	two_regions_with_clients
	run --separate-stderr svmtool list -v stats
	assert_success
	assert_line --index 0 --regexp '^stats: base va 0x[0-9a-f]{16} size 0x11000 \(68 kb\)$'
	refute_output --partial "vpe-api"
}

@test "list -v with a missing name exits 3" {
	svmtool create a -s 4K
	run --separate-stderr svmtool list -v a nope
	assert_equal "$status" 3
	assert_line --index 0 --regexp '^a: base va '
	assert_stderr "svmtool: cannot list 'nope': no such region"
}

@test "-v excludes the table output options" {
	for o in -J -r -e "-o NAME"; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool list -v $o
		assert_usage_error "option -v excludes -J, -r, -e and -o"
	done
}

# ------------------------------------------------------------ JSON, raw, export

@test "list -J matches the golden file" {
	two_regions_with_clients
	# every key: the golden file pins the stable interface
	run --separate-stderr svmtool list -J
	assert_success
	sed -E -e "s/\\b($LIVE|$GHOST)\\b/PID/g" \
		-e 's/"(base|data_base)": [0-9]+/"\1": ADDR/' \
		-e 's/"start_time": [0-9]+/"start_time": TICKS/' <<<"$output" |
		assert_golden list-json.txt
}

@test "list -J: addresses and sizes are numbers, clients objects" {
	svmtool create foo -s 16M
	start_holder foo
	local base
	base=$(svmtool list -n -o BASE foo | tr -d ' ')
	run --separate-stderr svmtool list --json
	assert_success
	assert_equal "$stderr" ""
	jq -e --arg base "$((base))" --argjson pid "$HOLDER_PID" --arg path "$(object foo)" '
		.regions[0] |
		(.base | type) == "number" and (.base | tostring) == $base and
		(.data_base | type) == "number" and
		.data_base == .base + .data_offset and .data_offset == 4096 and
		.size == 16777216 and .data_size == 16777216 and
		.extent == 16781312 and .path == $path and
		(.clients | type) == "array" and
		.clients == [{"pid": $pid, "alive": true,
			      "start_time": .clients[0].start_time}] and
		(.clients[0].start_time | type) == "number" and
		.clients[0].start_time > 0 and
		.pids == [$pid] and .ghosts == 0 and .gen == 1 and
		(.ctime | test("^20[0-9-]{8}T[0-9:]{8}[+-][0-9:]{5}$"))
	' <<<"$output"
	# jq can do arithmetic on them: the data area ends where the extent does
	run jq -r '.regions[0] | .data_base + .data_size - (.base + .extent)' <<<"$output"
	assert_output 0
}

@test "list -J is valid JSON with the documented keys" {
	command -v python3 >/dev/null || skip "python3 not installed"
	two_regions_with_clients
	run --separate-stderr svmtool list -J
	assert_success
	run python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
r = {x["name"]: x for x in d["regions"]}
assert list(r) == ["stats", "vpe-api"], list(r)
v = r["vpe-api"]
assert v["size"] == 16777216 and v["data_size"] == 16777216, v
assert v["extent"] == 16781312 and v["data_offset"] == 4096, v
assert v["data_base"] == v["base"] + 4096, v
assert [c["pid"] for c in v["clients"]] == ['"$GHOST"'], v
assert [c["alive"] for c in v["clients"]] == [False], v
assert v["ghosts"] == 1 and v["gen"] == 1, v
assert v["pids"] == ['"$GHOST"'], v
assert r["stats"]["pids"] == ['"$LIVE"'], r["stats"]
assert r["stats"]["clients"][0]["alive"] is True, r["stats"]
assert isinstance(v["base"], int) and v["base"] % 4096 == 0, v
assert v["state"] == "ready" and v["lock"] == "free", v
assert v["path"].endswith(":vpe-api"), v
assert sorted(v) == sorted(["name", "base", "size", "data_size", "clients",
    "ghosts", "pids", "lock", "state", "flags", "perms", "owner", "group",
    "ctime", "gen", "heap_size", "heap_used", "heap_free", "file", "extent",
    "data_base", "data_offset", "path", "mappers", "mapper_pids"]), sorted(v)
print("ok")
' <<<"$output"
	assert_success
	assert_output "ok"
}

@test "list -J: a region without clients has an empty pids array" {
	svmtool create foo -s 4K
	run --separate-stderr svmtool list -J -o NAME,PIDS
	assert_success
	assert_equal "$(echo "$output" | tr -d ' \n')" '{"regions":[{"name":"foo","pids":[]}]}'
}

@test "list -r prints raw columns separated by one space" {
	svmtool create foo -s 16M
	svmtool create b -s 4K
	run --separate-stderr svmtool list -r
	assert_success
	assert_line --index 0 "NAME BASE SIZE CLIENTS GHOSTS LOCK STATE PERMS OWNER"
	assert_line --index 1 --regexp "^b 0x[0-9a-f]{16} 4K 0 0 free ready rw------- $(id -un)\$"
	assert_line --index 2 --regexp "^foo 0x[0-9a-f]{16} 16M 0 0 free ready rw------- $(id -un)\$"
	run --separate-stderr svmtool list --raw -b -n -o NAME,SIZE foo
	assert_output "foo 16777216"
}

@test "list -e prints KEY=\"value\" pairs" {
	svmtool create foo -s 16M
	run --separate-stderr svmtool list -e
	assert_success
	assert_output --regexp "^NAME=\"foo\" BASE=\"0x[0-9a-f]{16}\" SIZE=\"16M\" CLIENTS=\"0\" GHOSTS=\"0\" LOCK=\"free\" STATE=\"ready\" PERMS=\"rw-------\" OWNER=\"$(id -un)\"\$"
	run --separate-stderr svmtool list --export -b -o NAME,SIZE,PIDS
	assert_output 'NAME="foo" SIZE="16777216" PIDS=""'
}

@test "-J, -r and -e exclude each other" {
	for o in "-J -r" "-r -e" "-J -e" "-J -r -e"; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool list $o
		assert_usage_error "options -J, -r and -e exclude each other"
	done
}

@test "every output mode with -n and -b" {
	svmtool create foo -s 16M
	for m in "" -J -r -e; do
		for extra in "" -n -b "-n -b"; do
			# shellcheck disable=SC2086
			run --separate-stderr svmtool list $m $extra
			assert_success
			assert_output --partial "foo"
			assert_equal "$stderr" ""
		done
	done
}

# ------------------------------------------------------------ states

@test "a missing object is listed with STATE missing" {
	svmtool create foo -s 4K
	svmtool create gone -s 4K
	rm "$(object gone)"
	run --separate-stderr svmtool list -n -o NAME,STATE
	assert_success
	assert_line --regexp '^foo +ready$'
	assert_line --regexp '^gone +missing$'
}

@test "an object not in the directory is listed with STATE orphan" {
	svmtool create foo -s 4K
	make_orphan stray
	run --separate-stderr svmtool list -n -o NAME,STATE
	assert_success
	assert_line --regexp '^foo +ready$'
	assert_line --regexp '^stray +orphan$'
}

@test "corrupt objects are listed as corrupt, the others still listed" {
	svmtool create good -s 4K
	svmtool create victim -s 4K
	corrupt_region victim
	echo garbage >"$(object bad)"
	run --separate-stderr svmtool list -n -o NAME,STATE
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp '^bad +corrupt$'
	assert_line --index 1 --regexp '^good +ready$'
	assert_line --index 2 --regexp '^victim +corrupt$'
	assert_equal "${#lines[@]}" 3
}

@test "list -v says why an object is corrupt" {
	svmtool create good -s 4K
	svmtool create victim -s 4K
	corrupt_region victim
	echo garbage >"$(object bad)"
	head -c 8192 /dev/urandom >"$(object noise)"
	run --separate-stderr svmtool list -v
	assert_success
	assert_line --regexp '^  corrupt: region object truncated'
	assert_line '  corrupt: bad magic'
	assert_line --regexp '^good: base va '
	assert_golden list-corrupt-verbose.txt <<<"$output"
}

@test "list -J and -r survive corrupt objects" {
	svmtool create good -s 4K
	echo garbage >"$(object bad)"
	head -c 8192 /dev/urandom >"$(object noise)"
	for m in -J -r -e "-o NAME,BASE,SIZE,DATA,CLIENTS,GHOSTS,PIDS,LOCK,STATE,FLAGS,PERMS,OWNER,GROUP,CTIME,GEN"; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool list $m
		assert_success
		assert_output --partial "good"
		assert_output --partial "corrupt"
	done
}

@test "a truncated namespace object fails with 1, not a crash" {
	svmtool create foo -s 4K
	echo garbage >"$(object)"
	run --separate-stderr svmtool -T 0.2 list
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_stderr_regex "^svmtool: cannot list namespace '$SVMTOOL_ROOT': corrupt object"
}

@test "a namespace object full of noise is reported corrupt" {
	svmtool create foo -s 4K
	head -c 8192 /dev/urandom >"$(object)"
	run --separate-stderr svmtool -T 0.2 list
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_stderr_regex "^svmtool: cannot list namespace '$SVMTOOL_ROOT': corrupt object"
}

# ------------------------------------------------------------ read-only

@test "list changes nothing in the shm directory" {
	two_regions_with_clients
	make_orphan stray
	svmtool create victim -s 4K
	corrupt_region victim
	echo garbage >"$(object bad)"
	sleep 0.05 # so that a write would change an mtime
	local before after
	before=$(shm_snapshot)
	for m in "" -v -J -r -e -n -b "-o NAME,BASE,SIZE,DATA,CLIENTS,GHOSTS,PIDS,LOCK,STATE,FLAGS,PERMS,OWNER,GROUP,CTIME,GEN" "stats vpe-api" "nope"; do
		# shellcheck disable=SC2086
		svmtool list $m >/dev/null 2>&1 || true
	done
	after=$(shm_snapshot)
	assert_equal "$after" "$before"
}

@test "list works in a directory it cannot write" {
	svmtool create foo -s 4K
	chmod 0555 "$SVMTOOL_SHM_DIR"
	chmod 0444 "$(object)" "$(object foo)"
	run --separate-stderr svmtool list -n -o NAME
	chmod 0700 "$SVMTOOL_SHM_DIR"
	assert_success
	assert_output "foo"
}

@test "list by another user shows a region of mode 0644 as ready" {
	need_root
	chmod 755 "$SVMTOOL_SHM_DIR"
	svmtool create foo -s 4K -m 0644
	start_holder foo
	# nobody may read the objects, not write them: a write-mode open fails
	run --separate-stderr svmtool_nobody list -n -o NAME,STATE,CLIENTS,GHOSTS foo
	assert_success
	assert_equal "$stderr" ""
	assert_output --regexp '^foo +ready +1 +0$'
	run --separate-stderr svmtool_nobody list -v foo
	assert_success
	assert_line "  1 client, pids: $HOLDER_PID"
}

# The objects of this test's namespace that trace file $1 shows opened
# with a mode that can write; fails if it shows none opened at all.
assert_no_write_open() {
	grep -qF "\"svmt:$SVMTOOL_ROOT:foo\"" "$1" ||
		fail "the trace shows no open of the region object: $(cat "$1")"
	if grep -E 'openat\(' "$1" | grep -F -e '"svmt:' -e "$SVMTOOL_SHM_DIR" |
		grep -E 'O_RDWR|O_WRONLY|O_CREAT|O_TRUNC|O_TMPFILE'; then
		fail "an object was opened for writing (above)"
	fi
}

@test "list and dry runs never open an object for writing" {
	command -v strace >/dev/null || skip "strace is not installed (make deps installs it)"
	svmtool create foo -s 4K
	svmtool create bar -s 4K
	start_holder foo
	kill_holder "$HOLDER_PID"
	start_holder foo
	freeze open-lock bar
	local trace=$BATS_TEST_TMPDIR/trace m
	for m in "list" "list -v" "list -J -o +PIDS" "list foo bar" \
		"scan --dry-run" "recover --dry-run"; do
		# LeakSanitizer cannot run under ptrace (make check-asan).
		# shellcheck disable=SC2086
		run --separate-stderr env ASAN_OPTIONS=detect_leaks=0 \
			timeout 20 strace -f -qq -e trace=openat \
			-o "$trace" "$SVMTOOL" $m
		[ "$status" -eq 0 ] || [ "$status" -eq 6 ] ||
			fail "svmtool $m: status $status: $stderr"
		assert_no_write_open "$trace"
	done
}

# ------------------------------------------------------------ permissions

@test "list without access to the directory is permission denied" {
	need_root
	svmtool create foo -s 4K
	run --separate-stderr svmtool_nobody list
	assert_equal "$status" 4
	assert_equal "$output" ""
	assert_stderr_regex "^svmtool: cannot list namespace '$SVMTOOL_ROOT': shm directory '$SVMTOOL_SHM_DIR': permission denied"
}

@test "list without read access to the namespace is permission denied" {
	need_root
	svmtool create foo -s 4K
	chmod 755 "$SVMTOOL_SHM_DIR"
	run --separate-stderr svmtool_nobody list
	assert_equal "$status" 4
	assert_stderr "svmtool: cannot list namespace '$SVMTOOL_ROOT': permission denied: no read access to '$(object)' (owner root (uid 0), mode 0600)"
}

@test "list reads a namespace of another user and shows its owner" {
	need_root
	chmod 1777 "$SVMTOOL_SHM_DIR"
	svmtool_nobody create foo -s 4K
	run --separate-stderr svmtool list -n -o NAME,OWNER
	assert_success
	assert_equal "$stderr" ""
	assert_output --regexp '^foo +nobody$'
}

@test "list --help documents the columns" {
	run --separate-stderr svmtool list --help
	assert_success
	for c in NAME BASE SIZE DATA CLIENTS GHOSTS PIDS LOCK STATE FLAGS PERMS OWNER GROUP CTIME GEN EXTENT DATA-BASE DATA-OFFSET PATH MAPPERS MAPPER-PIDS; do
		assert_line --regexp "^  $c +[a-z]"
	done
	assert_line "Default: NAME BASE SIZE CLIENTS GHOSTS LOCK STATE PERMS OWNER"
}

# ------------------------------------------------------------ locks, init

@test "LOCK shows a live holder as PID(tag) and a dead one as PID(dead)" {
	svmtool create foo -s 4K
	freeze open-lock foo
	run --separate-stderr svmtool list -n -o NAME,LOCK
	assert_success
	assert_output --regexp "^foo +$FROZEN_PID\\(open\\)\$"
	run --separate-stderr svmtool list -v
	assert_line "  lock: held by pid $FROZEN_PID (open)"
	thaw_kill
	run --separate-stderr svmtool list -n -o NAME,LOCK
	assert_output --regexp "^foo +$FROZEN_PID\\(dead\\)\$"
	run --separate-stderr svmtool list -J -o NAME,LOCK
	assert_line --regexp "^ +\"lock\": \"$FROZEN_PID\\(dead\\)\"\$"
}

@test "LOCK shows a lock taken with svmt_region_lock() as PID(user)" {
	svmtool create foo -s 4K
	freeze region-lock foo
	run --separate-stderr svmtool list -n -o NAME,LOCK
	assert_success
	assert_output --regexp "^foo +$FROZEN_PID\\(user\\)\$"
	run --separate-stderr svmtool list -v foo
	assert_line "  lock: held by pid $FROZEN_PID (user)"
}

@test "a region being created has STATE init, with its creator" {
	svmtool create other -s 4K
	freeze init foo 4K
	run --separate-stderr svmtool list -n -o NAME,STATE
	assert_success
	assert_line --regexp '^foo +init$'
	assert_line --regexp '^other +ready$'
	run --separate-stderr svmtool list -v foo
	assert_line "  init: being created by pid $FROZEN_PID"
	thaw_kill
	run --separate-stderr svmtool list -v foo
	assert_line "  init: being created by dead pid $FROZEN_PID"
}

@test "list does not wait for locks" {
	svmtool create foo -s 4K
	freeze open-lock foo
	run --separate-stderr svmtool -T 0 list
	assert_success
	assert_line --regexp '^foo '
}
