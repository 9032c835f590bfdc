#!/usr/bin/env bats
# The EXIT STATUS section of every command's man page, driven: for each
# status a page documents there is a case here that ends in it, and there
# is no case for a status the page does not document.

load helper

TOP=$BATS_TEST_DIRNAME/../..

# The statuses man/svmtool-$1.1 documents (".TP" then ".B N").
documented() {
	sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$TOP/man/svmtool-$1.1" |
		awk '/^\.TP/ { getline; if ($1 == ".B" && $2 ~ /^[0-9]+$/) print $2 }'
}

# How a case runs svmtool ($SV_AS before it): alone, or (SV_SHELL=1) as a
# line of the shell.
sv() {
	if [ -n "${SV_SHELL:-}" ]; then
		printf '%s\n' "$*" | timeout 20 ${SV_AS:-} "$SVMTOOL" shell
	else
		timeout 20 ${SV_AS:-} "$SVMTOOL" "$@"
	fi
}

# A command without access: as nobody when root, otherwise with the
# directory closed.
sv_denied() {
	local s=0
	if [ "$(id -u)" -eq 0 ]; then
		chmod 755 "$SVMTOOL_SHM_DIR"
		SV_AS="setpriv --reuid=nobody --regid=nogroup --clear-groups" sv "$@"
	else
		chmod 000 "$SVMTOOL_SHM_DIR"
		sv "$@" || s=$?
		chmod 700 "$SVMTOOL_SHM_DIR"
		return $s
	fi
}

ghost() {
	svmtool create "$1" -s 4K >/dev/null
	start_holder "$1"
	kill_holder "$HOLDER_PID"
}

# ---------------------------------------------------------------- cases
# case_CMD_N: set up and run CMD so that it exits N.

case_create_0() { sv create a -s 4K; }
case_create_1() { svmtool create a -s 4K >/dev/null; sv create a -s 4K; }
case_create_2() { sv create a; }
case_create_3() { sv --shm-dir "$SVMTOOL_SHM_DIR/none" create a -s 4K; }
case_create_4() { svmtool create a -s 4K >/dev/null; sv_denied create b -s 4K; }
case_create_5() { svmtool create a -s 4K >/dev/null; freeze ns-lock; sv -T 0.2 create b -s 4K; }

case_map_0() { svmtool create a -s 4K >/dev/null; sv map a; }
case_map_1() { svmtool create a -s 4K >/dev/null; corrupt_region a; sv map a; }
case_map_2() { sv map; }
case_map_3() { svmtool create a -s 4K >/dev/null; sv map nope; }
case_map_4() { svmtool create a -s 4K >/dev/null; sv_denied map a; }
case_map_5() { svmtool create a -s 4K >/dev/null; freeze open-lock a; sv -T 0.2 map a; }

case_list_0() { svmtool create a -s 4K >/dev/null; sv list; }
case_list_1() { svmtool create a -s 4K >/dev/null; echo garbage >"$(object)"; sv list; }
case_list_2() { sv list -o NOPE; }
case_list_3() { sv list; } # no namespace
case_list_4() { svmtool create a -s 4K >/dev/null; sv_denied list; }

case_scan_0() { svmtool create a -s 4K >/dev/null; sv scan; }
case_scan_1() { svmtool create a -s 4K >/dev/null; echo garbage >"$(object)"; sv scan; }
case_scan_2() { sv scan --bogus; }
case_scan_3() { svmtool create a -s 4K >/dev/null; sv scan nope; }
case_scan_4() { ghost a; sv_denied scan; }
case_scan_5() { ghost b; svmtool create a -s 4K >/dev/null; freeze open-lock a; sv -T 0.2 scan; }
case_scan_6() { ghost a; sv scan --dry-run; }

case_recover_0() { svmtool create a -s 4K >/dev/null; sv recover; }
case_recover_1() { svmtool create a -s 4K >/dev/null; corrupt_region a; sv recover; }
case_recover_2() { sv recover --bogus; }
case_recover_3() { svmtool create a -s 4K >/dev/null; sv recover nope; }
case_recover_4() { svmtool create a -s 4K >/dev/null; sv_denied recover; }
case_recover_5() { svmtool create a -s 4K >/dev/null; freeze ns-lock; sv -T 0.2 recover; }
case_recover_6() { svmtool create a -s 4K >/dev/null; freeze region-lock a; thaw_kill; sv recover --dry-run; }

case_unmap_0() { svmtool create a -s 4K >/dev/null; sv unmap a; }
case_unmap_1() { svmtool create a -s 4K >/dev/null; corrupt_region a; sv unmap a; }
case_unmap_2() { sv unmap; }
case_unmap_3() { svmtool create a -s 4K >/dev/null; sv unmap nope; }
case_unmap_4() { svmtool create a -s 4K >/dev/null; sv_denied unmap a; }
case_unmap_5() { svmtool create a -s 4K >/dev/null; start_holder a; sv unmap a; }

# The shell exits with the status of its failing line: scan's cases.
for n in 0 1 2 3 4 5 6; do
	eval "case_shell_$n() { SV_SHELL=1 case_scan_$n; }"
done

# Run every case of command $1 in a fresh directory each.
drive() {
	local cmd=$1 n f want have
	want=$(documented "$cmd" | sort -n | tr '\n' ' ')
	have=$(declare -F | sed -n "s/^declare -f case_${cmd}_\\([0-9]*\\)\$/\\1/p" |
		sort -n | tr '\n' ' ')
	[ "$want" = "$have" ] ||
		fail "svmtool-$cmd(1) documents [$want], the cases drive [$have]"
	for n in $want; do
		common_teardown
		common_setup
		f=case_${cmd}_$n
		run --separate-stderr "$f"
		[ "$status" -eq "$n" ] ||
			fail "$cmd: the case for $n exits $status: $stderr"
		# anything but success says why on stderr
		[ "$n" -eq 0 ] || [ "$n" -eq 6 ] || [ -n "$stderr" ] ||
			fail "$cmd: exit $n without a message"
	done
}

@test "create: every documented exit status, and only those" { drive create; }
@test "map: every documented exit status, and only those" { drive map; }
@test "list: every documented exit status, and only those" { drive list; }
@test "scan: every documented exit status, and only those" { drive scan; }
@test "recover: every documented exit status, and only those" { drive recover; }
@test "unmap: every documented exit status, and only those" { drive unmap; }
@test "shell: every documented exit status, and only those" { drive shell; }

@test "svmtool(1) documents the statuses the commands use" {
	local all=() c
	for c in create map list scan recover unmap shell; do
		all+=($(documented "$c"))
	done
	assert_equal "$(printf '%s\n' "${all[@]}" | sort -un | tr '\n' ' ')" \
		"$(sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$TOP/man/svmtool.1" |
			awk '/^\.TP/ { getline; if ($1 == ".B" && $2 ~ /^[0-9]+$/) print $2 }' |
			sort -un | tr '\n' ' ')"
}
