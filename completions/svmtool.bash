# bash completion for svmtool(1)                           -*- shell-script -*-
#
# Completes global options, command names, each command's options and their
# values, roots (from the objects in the shm directory) and region names
# (from `svmtool list -rn -o NAME`, with the -R/--root and --shm-dir already
# on the command line).  Needs nothing from the bash-completion package.

# A new command or option goes into the lists below and into the zsh and
# fish scripts beside this one: test/cli/completion*.bats check all three,
# in the real shells, against `svmtool --help` and each command's --help.
_svmtool_commands='create map list scan unmap recover read write shell help'
_svmtool_columns='NAME BASE SIZE DATA CLIENTS GHOSTS PIDS LOCK STATE FLAGS PERMS OWNER GROUP CTIME GEN HEAP-SIZE HEAP-USED HEAP-FREE FILE EXTENT DATA-BASE DATA-OFFSET PATH MAPPERS MAPPER-PIDS'
_svmtool_ns_columns='ROOT STATE BASE SPAN USED FREE LARGEST-FREE REGIONS CAPACITY CLIENTS GHOSTS LOCK OWNER GROUP PERMS CTIME PATH'

# Options of command $1 (global options when $1 is empty).
_svmtool_options()
{
	case $1 in
	'') echo '-R --root --shm-dir -T --timeout --trust -b --batch -h --help -V --version' ;;
	create) echo '-s --size --heap --file -m --mode --owner --group --exist-ok --base --span --capacity -h --help' ;;
	map) echo '--hold -h --help' ;;
	list) echo '-N --namespaces -v --verbose -J --json -r --raw -e --export -n --noheadings -o --output -b --bytes -h --help' ;;
	scan | recover) echo '--dry-run -h --help' ;;
	unmap) echo '-f --force --namespace -h --help' ;;
	read) echo '--offset --length --lock -h --help' ;;
	write) echo '--offset --lock -f --force -h --help' ;;
	shell) echo '-b --batch -f --force -h --help' ;;
	esac
}

# Succeeds when option $2 of command $1 takes a value in the next word.
_svmtool_takes_value()
{
	case $1:$2 in
	:-R | :--root | :--shm-dir | :-T | :--timeout | :--trust | :-b | :--batch) return 0 ;;
	shell:-b | shell:--batch) return 0 ;;
	read:--offset | read:--length | write:--offset) return 0 ;;
	create:-s | create:--size | create:--file | create:-m | create:--mode | create:--owner | \
	create:--group | create:--base | create:--span | create:--capacity) return 0 ;;
	list:-o | list:--output) return 0 ;;
	esac
	return 1
}

# $1 with a leading ~/ expanded, as the shell will do when the line runs.
_svmtool_expand()
{
	# shellcheck disable=SC2088 # the ~ is matched, not expanded
	case $1 in
	'~') printf '%s\n' "$HOME" ;;
	'~/'*) printf '%s\n' "$HOME/${1#'~/'}" ;;
	*) printf '%s\n' "$1" ;;
	esac
}

# Roots of the namespaces in shm directory $1: files svmt:ROOT.
_svmtool_roots()
{
	local f n
	for f in "$1"/svmt:*; do
		[[ -f $f ]] || continue
		n=${f##*/svmt:}
		[[ $n == *:* ]] || printf '%s\n' "$n"
	done
}

# Region names: $1 the program, $2 the root, $3 the shm directory (may be
# empty: the program then applies its own defaults and environment).
_svmtool_regions()
{
	local -a argv=("$1")
	[[ -n $2 ]] && argv+=(--root "$2")
	[[ -n $3 ]] && argv+=(--shm-dir "$3")
	type -P -- "$1" >/dev/null 2>&1 || [[ -x $1 ]] || return 0
	"${argv[@]}" list -rn -o NAME 2>/dev/null </dev/null
}

_svmtool()
{
	local -a words=()
	local cword=0 i j=0 w glued=0

	# Put back together what COMP_WORDBREAKS split at '=': --root=x.
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		if ((j > 0)) && [[ $w == '=' && ${words[j - 1]} == --* && ${words[j - 1]} != *=* ]]; then
			words[j - 1]+='='
			glued=1
		elif ((glued)); then
			words[j - 1]+=$w
			glued=0
		else
			words[j++]=$w
		fi
		((i == COMP_CWORD)) && cword=$((j - 1))
	done
	((cword > 0)) || return 0

	local cur=${words[cword]} prev=${words[cword - 1]}
	local prog cmd='' root='' shmdir='' ddash=0 npos=0 opt='' val='' prefix=''
	local -a given=()
	prog=$(_svmtool_expand "${words[0]}")

	# Read what is before the cursor: global options, the command, its
	# options and arguments.
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		if [[ -z $cmd ]]; then
			case $w in
			-R | --root) ((i + 1 < cword)) && root=${words[i + 1]}; ((i++)) ;;
			--root=*) root=${w#*=} ;;
			-R?*) root=${w#-R} ;;
			--shm-dir) ((i + 1 < cword)) && shmdir=${words[i + 1]}; ((i++)) ;;
			--shm-dir=*) shmdir=${w#*=} ;;
			-T | --timeout | --trust | -b | --batch) ((i++)) ;;
			-*) ;;
			*) cmd=$w ;;
			esac
		elif ((ddash)) || [[ $w != -?* ]]; then
			given+=("$w")
			npos=$((npos + 1))
		elif [[ $w == -- ]]; then
			ddash=1
		elif _svmtool_takes_value "$cmd" "$w"; then
			((i++))
		fi
	done
	shmdir=$(_svmtool_expand "$shmdir")

	# The value of an option: in the word after it, or after '='.
	if ((!ddash)); then
		if [[ $cur == --*=* ]]; then
			opt=${cur%%=*} val=${cur#*=}
			[[ $COMP_WORDBREAKS == *=* ]] || prefix="$opt="
		elif [[ $prev == -* ]] && _svmtool_takes_value "$cmd" "$prev"; then
			opt=$prev val=$cur
		fi
	fi
	if [[ -n $opt ]]; then
		local -a vals=()
		case $cmd:$opt in
		:-R | :--root)
			mapfile -t vals < <(compgen -W "$(_svmtool_roots "${shmdir:-${SVMTOOL_SHM_DIR:-/dev/shm}}")" -- "$val") ;;
		:--trust)
			mapfile -t vals < <(compgen -u -- "$val") ;;
		:--shm-dir)
			compopt -o filenames 2>/dev/null
			mapfile -t vals < <(compgen -d -- "$val") ;;
		:-b | :--batch | shell:-b | shell:--batch)
			compopt -o filenames 2>/dev/null
			mapfile -t vals < <(compgen -f -- "$val") ;;
		create:-m | create:--mode)
			mapfile -t vals < <(compgen -W '0600 0640 0644 0660 0664 0666' -- "$val") ;;
		create:--owner)
			mapfile -t vals < <(compgen -u -- "$val") ;;
		create:--group)
			mapfile -t vals < <(compgen -g -- "$val") ;;
		list:-o | list:--output)
			# A comma-separated list, maybe after a '+': complete the last
			# column, keep the rest, skip columns already chosen.  No
			# space after it: the list may go on with a comma.
			compopt -o nospace 2>/dev/null
			local head='' last=$val c cols=$_svmtool_columns
			[[ $val == *,* ]] && head=${val%,*}, last=${val##*,}
			[[ -z $head && $last == +* ]] && head=+ last=${last#+}
			# list --namespaces has columns of its own
			[[ " ${words[*]} " == *' -N '* || " ${words[*]} " == *' --namespaces '* ]] &&
				cols=$_svmtool_ns_columns
			for c in $cols; do
				[[ ,${head#+}, == *,$c,* ]] && continue
				[[ $c == "${last^^}"* ]] && vals+=("$head$c")
			done ;;
		esac
		COMPREPLY=()
		for w in "${vals[@]}"; do
			COMPREPLY+=("$prefix$w")
		done
		return 0
	fi

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_svmtool_options '')" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$_svmtool_commands" -- "$cur")
		fi
		return 0
	fi

	if ((!ddash)) && [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_svmtool_options "$cmd")" -- "$cur")
		return 0
	fi

	# Arguments.
	local -a names=()
	case $cmd in
	help)
		((npos == 0)) && mapfile -t names < <(compgen -W "$_svmtool_commands" -- "$cur") ;;
	map | read | write)
		((npos == 0)) && mapfile -t names < <(_svmtool_regions "$prog" "$root" "$shmdir") ;;
	list | scan | unmap | recover)
		mapfile -t names < <(_svmtool_regions "$prog" "$root" "$shmdir") ;;
	esac
	COMPREPLY=()
	for w in "${names[@]}"; do
		[[ $w == "$cur"* ]] || continue
		for j in "${given[@]}"; do
			[[ $j == "$w" || $j == "/$w" ]] && continue 2
		done
		COMPREPLY+=("$w")
	done
	# Nothing else fits here: offer the command's options.
	if ((${#COMPREPLY[@]} == 0 && !ddash)) && [[ -z $cur ]] &&
		{ [[ $cmd != create && $cmd != map && $cmd != help ]] || ((npos > 0)); }; then
		mapfile -t COMPREPLY < <(compgen -W "$(_svmtool_options "$cmd")" -- "$cur")
	fi
	return 0
}

complete -F _svmtool svmtool
