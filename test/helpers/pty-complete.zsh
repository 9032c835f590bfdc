#!/usr/bin/env zsh
# pty-complete.zsh SHELL SCRIPT LINE - type LINE and a Tab into an
# interactive SHELL (zsh or bash) on a pseudo-terminal (zsh/zpty), with the
# completion SCRIPT loaded, as a user would; print what the Tab did:
#   line: BUFFER   the command line after the Tab
#   MATCH...       (zsh) the candidates the completion offered, one a line
# Exits 1 when the shell does not answer within 10 seconds.
emulate -L zsh
zmodload zsh/zpty || exit 1
shell=$1 script=${2:A} line=$3
res=$(mktemp) || exit 1
trap 'zpty -d sh 2>/dev/null; rm -f $res' EXIT

# wait_for TEXT: read the pty until TEXT shows up.
wait_for() {
	local chunk buf= end=$(( SECONDS + 10 ))
	while (( SECONDS < end )); do
		zpty -r -t sh chunk && buf+=$chunk
		[[ $buf == *$1* ]] && return 0
		sleep 0.01
	done
	print -ru2 -- "pty-complete: no '$1' from $shell: $buf"
	return 1
}

# Every line ends with a marker the shell prints once it has run it; the
# next keys are sent after the prompt ('<P>'), when the line editor reads
# them in raw mode.
case $shell in
zsh)
	zpty sh zsh -f -i
	zpty -w sh "PS1='<P>'; fpath=(${script:h} \$fpath); autoload -Uz compinit; compinit -u -D"
	# Every candidate the completion functions add, read with compadd -O
	# (calls that only filter or collect, -O -A -D, pass through).
	zpty -w sh 'compadd() { [[ " ${@[1,(i)(-|--)]} " == *\ -[OAD]* ]] && { builtin compadd "$@"; return; }; local -a _ptc_m; builtin compadd -O _ptc_m "$@"; (( $#_ptc_m )) && print -rl -- $_ptc_m >>'$res'; builtin compadd "$@"; }'
	zpty -w sh 'dump() { print -r -- "line: $BUFFER" >>'$res'; }; zle -N dump; bindkey "^X^B" dump'
	zpty -w sh 'zstyle ":completion:*" menu no; bindkey "^I" complete-word; print "<RE""ADY>"'
	;;
bash)
	zpty sh bash --norc --noprofile -i
	zpty -w sh "PS1='<P>'; source '$script'"
	zpty -w sh 'bind -x '\''"\C-x\C-b": printf "line: %s\n" "$READLINE_LINE" >>'$res\'
	zpty -w sh 'echo "<RE""ADY>"'
	;;
*)
	print -ru2 -- "pty-complete: unknown shell '$shell'"
	exit 2 ;;
esac
wait_for '<READY>' && wait_for '<P>' || exit 1
zpty -w -n sh "$line"$'\t'
zpty -w -n sh $'\C-x\C-b\C-e\C-u'
zpty -w sh "echo '<DO''NE>'"
wait_for '<DONE>' || exit 1
grep '^line: ' $res
grep -v '^line: ' $res | LC_ALL=C sort -u
