# completion.bash - shared by the completion tests (load completion): the
# words svmtool's own help lists, which every shell's completion must offer.

# The arguments, sorted, one per line.
lines() {
	printf '%s\n' "$@" | LC_ALL=C sort
}

need_svmtool() {
	[ -x "${SVMTOOL:-}" ] || skip "SVMTOOL does not name a built svmtool"
}

# The commands of `svmtool --help`, sorted.
help_commands() {
	"$SVMTOOL" --help |
		awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }' |
		LC_ALL=C sort
}

# The -x and --long words that start the option lines of `svmtool [CMD]
# --help`, before the description, sorted.
help_options() {
	"$SVMTOOL" "$@" --help |
		awk '/^ +-/ { for (i = 1; i <= NF && $i ~ /^-/; i++) {
			w = $i; sub(/[,=].*/, "", w); print w } }' |
		LC_ALL=C sort
}

# The columns of `svmtool list --help`, sorted.
# The region columns of 'svmtool list --help'; with --namespaces, those
# of list --namespaces.
help_columns() {
	if [ "${1:-}" = --namespaces ]; then
		"$SVMTOOL" list --help |
			awk '/^With --namespaces/ { ns = 1 } ns && /^Columns/ { on = 1; next }
				on && /^  [A-Z]/ { print $1 }' | LC_ALL=C sort
	else
		"$SVMTOOL" list --help |
			awk '/^Columns/ { on = 1; next } /^Default/ { exit }
				on && /^  [A-Z]/ { print $1 }' | LC_ALL=C sort
	fi
}
