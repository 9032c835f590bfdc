#!/usr/bin/env bats
# svmtool --trust: reading another user's namespace, refusing to change it
# unless its owner is trusted.  The other user is made for these tests and
# removed after them.

load helper

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	OTHER=svmt-t$$
	useradd --system --no-create-home --user-group \
		--shell /usr/sbin/nologin "$OTHER"
	export OTHER
}

teardown_file() {
	[ -z "${OTHER:-}" ] || userdel "$OTHER"
}

setup() {
	common_setup
	need_root "makes a second user"
	OTHER_UID=$(id -u "$OTHER")
	chmod 1777 "$SVMTOOL_SHM_DIR"
}

# svmtool as the other user.
svmtool_other() {
	timeout 20 setpriv --reuid="$OTHER" --regid="$OTHER" --clear-groups \
		"$SVMTOOL" "$@"
}

@test "the other user's namespace is listed by root, with its owner" {
	svmtool_other create foo -s 4K
	run --separate-stderr svmtool list -n -o NAME,OWNER
	assert_success
	assert_equal "$stderr" ""
	assert_output --regexp "^foo +$OTHER\$"
	run --separate-stderr svmtool list -J -o NAME,OWNER
	assert_success
	assert_equal "$(jq -r '.regions[0].owner' <<<"$output")" "$OTHER"
}

@test "dry runs read the other user's namespace and name its owner" {
	svmtool_other create foo -s 4K
	for c in scan recover; do
		run --separate-stderr svmtool "$c" --dry-run
		assert_success
		assert_equal "$stderr" ""
		assert_output "namespace $SVMTOOL_ROOT: owned by $OTHER (uid $OTHER_UID)"
	done
	# the owner itself is not told who it is
	run --separate-stderr svmtool_other scan --dry-run
	assert_success
	assert_output ""
}

@test "changing commands refuse the other user's namespace: 4, object and owner named" {
	local c before
	svmtool_other create foo -s 4K
	before=$(shm_snapshot)
	for c in "scan" "recover" "unmap foo" "map foo" "create bar -s 4K"; do
		# shellcheck disable=SC2086
		run --separate-stderr svmtool $c
		assert_equal "$status" 4
		assert_equal "$output" ""
		assert_stderr_regex "^svmtool: cannot [a-z ]+ '[^']+': object owned by an untrusted user: svmt:$SVMTOOL_ROOT is owned by $OTHER \\(uid $OTHER_UID\\), not trusted: --trust $OTHER trusts it\$"
	done
	assert_equal "$(shm_snapshot)" "$before"
}

@test "--trust USER lets root change the other user's namespace" {
	svmtool_other create foo -s 4K
	svmtool_other create bar -s 4K
	run --separate-stderr svmtool --trust "$OTHER" scan
	assert_success
	run --separate-stderr svmtool --trust "$OTHER" unmap foo
	assert_success
	assert_file_not_exists "$(object foo)"
	# a numeric uid does as well
	run --separate-stderr svmtool --trust "$OTHER_UID" unmap bar
	assert_success
	assert_file_not_exists "$(object bar)"
}

@test "--trust of another user does not trust this one" {
	svmtool_other create foo -s 4K
	run --separate-stderr svmtool --trust nobody unmap foo
	assert_equal "$status" 4
	assert_file_exists "$(object foo)"
}

@test "--trust in the shell holds for its line only" {
	svmtool_other create foo -s 4K
	run --separate-stderr bash -c "printf 'scan\n--trust $OTHER scan\nscan\n' |
		timeout 20 '$SVMTOOL' shell --force"
	assert_equal "$status" 4
	assert_equal "$(grep -c 'not trusted' <<<"$stderr")" 2
	[[ $stderr == "-:1: "* ]]
	[[ $stderr == *"-:3: "* ]]
}
