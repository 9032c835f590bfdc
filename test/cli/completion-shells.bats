#!/usr/bin/env bats
# The completions run in the real shells, as a user's Tab runs them: bash
# and zsh interactive on a pseudo-terminal (test/helpers/pty-complete.zsh),
# fish through `complete -C`.  Each completes a command, an option and the
# name of a live region, and offers exactly the commands, options and
# columns svmtool's help lists.

load helper
load completion

setup() {
	common_setup
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	pty=$top/test/helpers/pty-complete.zsh
	need_svmtool
	# `svmtool` on the line is the one built (run-tests.sh puts it first
	# on PATH).
	[ "$(command -v svmtool)" = "$SVMTOOL" ] || PATH=$(dirname "$SVMTOOL"):$PATH
}

teardown() { common_teardown; }

need_shell() {
	command -v "$1" >/dev/null || skip "$1 is not installed"
	command -v zsh >/dev/null || skip "zsh (for its pty) is not installed"
}

# tab SHELL LINE: type LINE and Tab in an interactive SHELL (bash, zsh);
# output "line: ..." then, for zsh, the candidates.
tab() {
	local script
	case $1 in
	bash) script=$top/completions/svmtool.bash ;;
	zsh) script=$top/completions/_svmtool ;;
	esac
	timeout 30 "$pty" "$1" "$script" "$2"
}

# fish_complete LINE: the candidates fish offers for LINE, without their
# descriptions, sorted.
fish_complete() {
	timeout 30 fish --no-config -c "source '$top/completions/svmtool.fish'; complete -C '$1'" |
		cut -f1 | LC_ALL=C sort
}

regions() {
	svmtool create ring0 -s 4K >/dev/null
	svmtool create vpe-api -s 4K >/dev/null
}

@test "bash: Tab completes a command, an option and a live region name" {
	need_shell bash
	regions
	run tab bash 'svmtool ma'
	assert_output 'line: svmtool map '
	run tab bash 'svmtool list --verb'
	assert_output 'line: svmtool list --verbose '
	run tab bash 'svmtool map r'
	assert_output 'line: svmtool map ring0 '
	run tab bash "svmtool -R $SVMTOOL_ROOT unmap v"
	assert_output "line: svmtool -R $SVMTOOL_ROOT unmap vpe-api "
}

@test "bash: a list -o column is completed without a space, so the list can go on" {
	need_shell bash
	run tab bash 'svmtool list -o +GH'
	assert_output 'line: svmtool list -o +GHOSTS'
	run tab bash 'svmtool list -o NAME,SI'
	assert_output 'line: svmtool list -o NAME,SIZE'
	run tab bash 'svmtool list --output=NAME,CL'
	assert_output 'line: svmtool list --output=NAME,CLIENTS'
}

@test "zsh: Tab completes a command, an option and a live region name" {
	need_shell zsh
	regions
	run tab zsh 'svmtool ma'
	assert_output "$(printf '%s\n' 'line: svmtool map ' map)"
	run tab zsh 'svmtool list --verb'
	assert_output "$(printf '%s\n' 'line: svmtool list --verbose ' --verbose)"
	run tab zsh 'svmtool map r'
	assert_output "$(printf '%s\n' 'line: svmtool map ring0 ' ring0)"
	run tab zsh 'svmtool unmap ring0 '
	assert_output "$(printf '%s\n' 'line: svmtool unmap ring0 vpe-api ' vpe-api)"
}

@test "zsh: the commands, options and columns are those of svmtool's help" {
	need_shell zsh
	local c
	run tab zsh 'svmtool '
	assert_output "$(echo 'line: svmtool '; help_commands)"
	run tab zsh 'svmtool -'
	assert_output "$(echo 'line: svmtool -'; help_options)"
	for c in $(help_commands | grep -vx help); do
		# A name first, where the command takes one: shell takes none.
		local line="svmtool $c x -"
		[ "$c" != shell ] || line="svmtool $c -"
		run tab zsh "$line"
		assert_output "$(echo "line: $line"; help_options "$c")"
	done
	run tab zsh 'svmtool list -o '
	assert_output "$(echo 'line: svmtool list -o '; help_columns)"
}

@test "fish: complete -C offers a command, an option and a live region name" {
	need_shell fish
	regions
	run fish_complete 'svmtool ma'
	assert_output map
	run fish_complete 'svmtool list --verb'
	assert_output --verbose
	run fish_complete 'svmtool map '
	assert_output "$(lines ring0 vpe-api)"
	run fish_complete 'svmtool unmap ring0 '
	assert_output vpe-api
	run fish_complete 'svmtool list -o NAME,SI'
	assert_output NAME,SIZE
}

@test "fish: the commands, options and columns are those of svmtool's help" {
	need_shell fish
	local c
	run fish_complete 'svmtool '
	assert_output "$(help_commands)"
	run fish_complete 'svmtool -'
	assert_output "$(help_options)"
	for c in $(help_commands | grep -vx help); do
		run fish_complete "svmtool $c x -"
		assert_output "$(help_options "$c")"
	done
	run fish_complete 'svmtool list -o '
	assert_output "$(help_columns)"
}
