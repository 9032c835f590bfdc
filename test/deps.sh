#!/bin/sh
# deps.sh - the Debian packages svmtool needs.  The one list is the
# Build-Depends of debian/control; everything here derives from it.
#
#   deps.sh list [--deb]        the packages `make deps` installs, one a line:
#                               gcc and make, then Build-Depends (test-only
#                               ones included); --deb adds debhelper for
#                               debhelper-compat
#   deps.sh modules KIND        the pkg-config modules of KIND (build, test)
#   deps.sh check KIND...       before a build: are the pkg-config modules
#                               and headers of KIND (build, test) there?
#                               If not, name the Debian packages and
#                               `make deps`, and fail
#   deps.sh install [--deb] [PKG...]
#                               install what is missing of the list and of
#                               PKG...: as root with apt-get, waiting at
#                               most SVMT_APT_WAIT seconds (default 600) for
#                               a package lock another process holds;
#                               otherwise print the exact command and fail
#
# CC and CPPFLAGS are used to look for headers.
top=$(cd "$(dirname "$0")/.." && pwd)
control=$top/debian/control

# What a build needs, by kind: pkg-config module, header, Debian package.
# Every package named here must be in Build-Depends (test/cli/deps.bats).
needs() {
	case $1 in
	build)
		echo 'argtable2 argtable2.h libargtable2-dev'
		echo 'smartcols libsmartcols/libsmartcols.h libsmartcols-dev'
		echo 'readline readline/readline.h libreadline-dev' ;;
	test)
		echo 'cmocka cmocka.h libcmocka-dev' ;;
	*)
		echo "deps.sh: unknown kind '$1'" >&2
		return 1 ;;
	esac
}

# Build-Depends, one package a line: versions, architectures, profiles and
# alternatives after the first dropped; debhelper-compat becomes debhelper
# with $1 = --deb and is left out otherwise.
build_depends() {
	awk -v deb="$1" '
		/^Build-Depends:/ { on = 1; sub(/^Build-Depends:/, ""); }
		on && /^[^ \t]/ && !/^Build-Depends:/ { on = 0 }
		on { s = s " " $0 }
		END {
			n = split(s, dep, ",")
			for (i = 1; i <= n; i++) {
				d = dep[i]
				sub(/\|.*/, "", d)
				gsub(/\([^)]*\)|\[[^]]*\]|<[^>]*>/, "", d)
				gsub(/[ \t]/, "", d)
				if (d == "debhelper-compat")
					d = deb == "--deb" ? "debhelper" : ""
				if (d != "")
					print d
			}
		}' "$control"
}

list() {
	echo gcc
	echo make
	build_depends "$1"
}

check() {
	local_cc=${CC:-cc}
	missing=
	what=
	for kind in "$@"; do
		rows=$(needs "$kind") || return 2
		while read -r mod hdr pkg; do
			ok=1
			if command -v pkg-config >/dev/null 2>&1; then
				pkg-config --exists "$mod" || ok=0
				flags=$(pkg-config --cflags-only-I "$mod" 2>/dev/null)
			else
				case " $missing " in *" pkg-config "*) ;;
				*) missing="$missing pkg-config"
				   what="$what pkg-config (the pkg-config command)," ;;
				esac
				flags=
			fi
			# shellcheck disable=SC2086
			printf '#include <%s>\n' "$hdr" |
				$local_cc $CPPFLAGS $flags -E -x c - >/dev/null 2>&1 || ok=0
			if [ $ok -eq 0 ]; then
				missing="$missing $pkg"
				what="$what $pkg ($hdr, pkg-config $mod),"
			fi
		done <<-EOF
			$rows
		EOF
	done
	[ -z "$missing" ] && return 0
	echo "build: missing Debian packages:${what%,}" >&2
	echo "build: install them with 'make deps' as root, or: sudo apt-get install$missing" >&2
	return 1
}

# apt-get ARGS..., run again while another process holds a package lock
# (unattended upgrades, a second terminal), for at most $wait seconds.
apt_get() {
	err=$(mktemp) || return 1
	start=$(date +%s)
	said=0
	while :; do
		apt-get -o DPkg::Lock::Timeout=10 "$@" 2>"$err"
		rc=$?
		if [ $rc -eq 0 ] || ! grep -qE \
			'Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock' "$err"; then
			cat "$err" >&2
			rm -f "$err"
			return $rc
		fi
		waited=$(($(date +%s) - start))
		if [ $waited -ge "$wait" ]; then
			cat "$err" >&2
			echo "deps: gave up after waiting ${waited}s for the package lock (SVMT_APT_WAIT=$wait)" >&2
			rm -f "$err"
			return $rc
		fi
		if [ $said -eq 0 ]; then
			sed -n 's/^E: /deps: /p' "$err" | head -1 >&2
			said=1
		fi
		echo "deps: another process holds the package lock; waiting (${waited}s of ${wait}s)" >&2
		sleep 3
	done
}

install() {
	deb=
	if [ "${1:-}" = --deb ]; then
		deb=--deb
		shift
	fi
	missing=
	for p in $(list $deb) "$@"; do
		s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
		[ "$s" = installed ] || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing Debian packages; install them with:" >&2
		echo "  sudo apt-get install -y$missing" >&2
		return 1
	fi
	echo "deps: installing:$missing" >&2
	wait=${SVMT_APT_WAIT:-600}
	export DEBIAN_FRONTEND=noninteractive
	apt_get update -qq >&2 || return 1
	# shellcheck disable=SC2086
	apt_get install -y -qq --no-install-recommends $missing >&2
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
list) list "${1:-}" ;;
modules) needs "${1:-}" | while read -r mod _; do echo "$mod"; done ;;
check) check "$@" ;;
install) install "$@" ;;
*)
	echo "usage: deps.sh list [--deb] | modules KIND | check KIND... | install [--deb] [PKG...]" >&2
	exit 2 ;;
esac
