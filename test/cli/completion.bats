#!/usr/bin/env bats
# bash completion (completions/svmtool.bash), driven through COMP_WORDS the way
# bash calls it.  Region names come from a stand-in svmtool that logs its
# arguments, so these tests need neither the real binary nor /dev/shm.

bats_require_minimum_version 1.5.0

load completion

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	# shellcheck source=SCRIPTDIR/../../completions/svmtool.bash
	source "$BATS_TEST_DIRNAME/../../completions/svmtool.bash"

	fake=$BATS_TEST_TMPDIR/svmtool
	log=$BATS_TEST_TMPDIR/calls
	cat >"$fake" <<-EOF
		#!/bin/sh
		echo "\$*" >>"$log"
		case " \$* " in
		*" --root other "*) printf '%s\n' o1 o2 ;;
		*) printf '%s\n' vpe-api vpe-stats ring0 ;;
		esac
	EOF
	chmod +x "$fake"

	shm=$BATS_TEST_TMPDIR/shm
	mkdir "$shm"
	touch "$shm/svmt:alpha" "$shm/svmt:alpha:r1" "$shm/svmt:beta" "$shm/other"
}

# comp WORD... : complete the last word, print the candidates sorted, one
# per line.  Words are given as bash splits them (--root = x).
comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_svmtool
	((${#COMPREPLY[@]} == 0)) || lines "${COMPREPLY[@]}"
}


@test "the function is registered for svmtool" {
	run complete -p svmtool
	assert_success
	assert_output "complete -F _svmtool svmtool"
}

@test "an empty first word offers every command" {
	run comp svmtool ''
	assert_success
	assert_output "$(lines create help list map read recover scan shell unmap write)"
}

@test "a prefix completes a command name" {
	run comp svmtool rec
	assert_output recover
}

@test "a dash before the command offers the global options" {
	run comp svmtool -
	assert_output "$(lines --batch --help --root --shm-dir --timeout --trust --version -R -T -V -b -h)"
}

@test "global options with a value are skipped when finding the command" {
	run comp svmtool -T 0.5 --root x --trust nobody --shm-dir /tmp sc
	assert_output scan
}

@test "each command offers its own options" {
	run comp svmtool create foo --
	assert_output "$(lines --base --capacity --exist-ok --file --group --heap --help --mode --owner --size --span)"
	run comp svmtool map vpe-api --
	assert_output "$(lines --help --hold)"
	run comp svmtool list --
	assert_output "$(lines --bytes --export --help --json --namespaces --noheadings --output --raw --verbose)"
	run comp svmtool scan --
	assert_output "$(lines --dry-run --help)"
	run comp svmtool unmap --
	assert_output "$(lines --force --help --namespace)"
	run comp svmtool recover --d
	assert_output --dry-run
}

@test "help completes a command name, once" {
	run comp svmtool help u
	assert_output unmap
	run comp svmtool help unmap ''
	assert_output ''
}

@test "create completes no name for the region it is about to make" {
	run comp "$fake" create ''
	assert_output ''
	[ ! -e "$log" ]
}

@test "create --mode offers common modes" {
	run comp svmtool create foo -m 066
	assert_output "$(lines 0660 0664 0666)"
}

@test "create --owner and --group complete users and groups" {
	run comp svmtool create foo --owner roo
	assert_output root
	run comp svmtool create foo --group roo
	assert_output root
}

@test "list -o completes column names, case-insensitively" {
	run comp svmtool list -o cl
	assert_output CLIENTS
	run comp svmtool list -o G
	assert_output "$(lines GEN GHOSTS GROUP)"
}

@test "list -o completes the last of a comma-separated list and skips chosen columns" {
	run comp svmtool list -o NAME,SIZE,
	refute_line NAME,SIZE,NAME
	refute_line NAME,SIZE,SIZE
	assert_line NAME,SIZE,GHOSTS
	run comp svmtool list --output = +PIDS,C
	assert_output "$(lines +PIDS,CLIENTS +PIDS,CTIME)"
}

@test "--root completes the roots found in the shm directory typed" {
	run comp svmtool --shm-dir "$shm" -R ''
	assert_output "$(lines alpha beta)"
	run comp svmtool --shm-dir = "$shm" --root = b
	assert_output beta
}

@test "--root uses SVMTOOL_SHM_DIR when no --shm-dir is typed" {
	SVMTOOL_SHM_DIR=$shm run comp svmtool --root a
	assert_output alpha
}

@test "--opt=value typed as one word keeps its prefix when = does not split words" {
	COMP_WORDBREAKS=' ' run comp svmtool --shm-dir="$shm" --root=a
	assert_output --root=alpha
}

@test "--shm-dir completes directories" {
	mkdir "$BATS_TEST_TMPDIR/shm2"
	run comp svmtool --shm-dir "$BATS_TEST_TMPDIR/sh"
	assert_output "$(lines "$BATS_TEST_TMPDIR/shm" "$BATS_TEST_TMPDIR/shm2")"
}

@test "region names come from 'svmtool list -rn -o NAME'" {
	run comp "$fake" map ''
	assert_output "$(lines ring0 vpe-api vpe-stats)"
	run cat "$log"
	assert_output "list -rn -o NAME"
}

@test "region names honour the -R and --shm-dir already typed" {
	run comp "$fake" -R other --shm-dir = "$shm" unmap ''
	assert_output "$(lines o1 o2)"
	run cat "$log"
	assert_output "--root other --shm-dir $shm list -rn -o NAME"
}

@test "region names already given are not offered again" {
	run comp "$fake" unmap vpe-api /ring0 ''
	assert_output vpe-stats
}

@test "map takes one region, then offers its options" {
	run comp "$fake" map vpe-api ''
	assert_output "$(lines --help --hold -h)"
}

@test "after -- only region names are offered" {
	run comp "$fake" scan -- -
	assert_output ''
	run comp "$fake" scan -- v
	assert_output "$(lines vpe-api vpe-stats)"
}

@test "a missing program completes no region names and does not fail" {
	run comp "$BATS_TEST_TMPDIR/no-such-svmtool" list v
	assert_success
	assert_output ''
}

# The completions against the real svmtool (make check sets SVMTOOL): they
# must offer exactly the commands, options and columns its help lists.

@test "the commands are those of 'svmtool --help'" {
	need_svmtool
	local -a words
	read -ra words <<<"$_svmtool_commands"
	run lines "${words[@]}"
	assert_output "$(help_commands)"
}

@test "the options of each command are those of its --help" {
	need_svmtool
	local -a words
	local c
	read -ra words <<<"$(_svmtool_options '')"
	run lines "${words[@]}"
	assert_output "$(help_options)"
	for c in $(help_commands | grep -vx help); do
		read -ra words <<<"$(_svmtool_options "$c")"
		run lines "${words[@]}"
		assert_output "$(help_options "$c")"
	done
}

@test "the columns are those of 'svmtool list --help'" {
	need_svmtool
	local -a words
	read -ra words <<<"$_svmtool_columns"
	run lines "${words[@]}"
	assert_output "$(help_columns)"
	read -ra words <<<"$_svmtool_ns_columns"
	run lines "${words[@]}"
	assert_output "$(help_columns --namespaces)"
	# and the same in zsh and fish
	local top=$BATS_TEST_DIRNAME/../..
	for c in "${words[@]}"; do
		grep -qE -- "(^| )$c( |\$)" "$top/completions/_svmtool" || fail "_svmtool lacks $c"
		grep -qE -- "(^| )$c( |\$)" "$top/completions/svmtool.fish" || fail "svmtool.fish lacks $c"
	done
}

@test "list -N -o completes the namespace columns" {
	run comp svmtool list -N -o LA
	assert_output LARGEST-FREE
	run comp svmtool list --namespaces -o ROOT,SP
	assert_output ROOT,SPAN
	run comp svmtool list -o LA
	assert_output ""
}
