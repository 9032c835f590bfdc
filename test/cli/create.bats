#!/usr/bin/env bats
# svmtool create

load helper

@test "create makes a persistent region and prints name, base and size" {
	run --separate-stderr svmtool create foo -s 16M
	assert_success
	assert_equal "$stderr" ""
	assert_output --regexp '^foo: base va 0x[0-9a-f]{16} size 0x1001000 \(16 mb\)$'
	assert_file_exists "$(object foo)"
	assert_file_exists "$(object)"
	run --separate-stderr svmtool list -n -o NAME,STATE,FLAGS,DATA -b foo
	assert_output --regexp '^foo +ready +persistent +16777216$'
}

@test "create does not attach: no client is left registered" {
	svmtool create foo -s 4K
	run --separate-stderr svmtool list -n -o CLIENTS foo
	assert_output --regexp '^ *0$'
}

@test "the size takes suffixes and hex" {
	local spec bytes k=0
	while read -r spec bytes; do
		k=$((k + 1))
		run --separate-stderr svmtool create "r$k" -s "$spec"
		assert_success
		run --separate-stderr svmtool list -n -b -o DATA "r$k"
		assert_output --regexp "^ *$bytes\$"
	done <<-EOF
		4096 4096
		8K 8192
		12KiB 12288
		1M 1048576
		2MiB 2097152
		0x3000 12288
		0X2000 8192
		0x1M 1048576
	EOF
	[ "$k" -eq 8 ]
}

@test "sizes follow util-linux strtosize: 1024 or 1000, fractions, any case" {
	local spec bytes k=0
	# bytes asked for; the data area is that rounded up to whole pages
	while IFS='|' read -r spec bytes; do
		k=$((k + 1))
		run --separate-stderr svmtool create "r$k" -s "$spec"
		assert_success
		run --separate-stderr svmtool list -n -b -o DATA "r$k"
		assert_output --regexp "^ *$(((bytes + 4095) / 4096 * 4096))\$"
	done <<-EOF
		4k|4096
		4K|4096
		8kib|8192
		8KIB|8192
		4KB|4000
		4kb|4000
		1MB|1000000
		16mb|16000000
		16 mb|16000000
		1.5M|1572864
		1.5m|1572864
		1.25MiB|1310720
		1.5MB|1500000
		2.5K|2560
		0.5M|524288
		1.00001K|1024
		8192B|8192
		8192b|8192
		0x2K|2048
	EOF
	[ "$k" -eq 19 ]
}

@test "P and E units and their overflow (through the span)" {
	run --separate-stderr svmtool -R p1 create r -s 4K --span 1P
	assert_failure 2
	# a span of 1P is refused for what it is, not for its spelling
	refute [ -z "$stderr" ]
	[[ "$stderr" != *"invalid span '1P': expected"* ]]
	for s in 16E 16EiB 18.5EB 0x10000000000000000; do
		run --separate-stderr svmtool create foo -s "$s"
		assert_usage_error "invalid size '$s': too large"
	done
	run --separate-stderr svmtool create foo -s 15.9999999999999999999E
	[[ "$stderr" != *"too large"* ]]
}

@test "a fraction needs a unit" {
	run --separate-stderr svmtool create foo -s 1.5
	assert_usage_error "invalid size '1.5': a fraction needs a unit, such as K or MB"
	run --separate-stderr svmtool create foo -s 1000.0B
	assert_usage_error "invalid size '1000.0B': a fraction needs a unit"
}

@test "what create and list print is accepted back by -s" {
	local first human
	run --separate-stderr svmtool create a -s 16M
	assert_success
	# "(16 mb)" at the end of the first line
	first=$(sed -n 's/.*(\(.*\))$/\1/p' <<<"$output")
	[ "$first" = "16 mb" ]
	run --separate-stderr svmtool create b -s "$first"
	assert_success
	# the DATA column, read back, gives the same data area
	human=$(svmtool list -n -o DATA a | tr -d ' ')
	[ "$human" = 16M ]
	run --separate-stderr svmtool create c -s "$human"
	assert_success
	run --separate-stderr svmtool list -n -b -o DATA a c
	assert_equal "$(echo $output)" "16777216 16777216"
}

@test "G and T suffixes (checked through the span, without allocating)" {
	local spec human k=0
	while read -r spec human; do
		k=$((k + 1))
		run --separate-stderr svmtool -R "span$k" create r -s 4K --span "$spec"
		assert_success
		# a region as large as the span cannot fit: the message shows it
		run --separate-stderr svmtool -R "span$k" create big -s "$spec"
		assert_usage_error "larger than the namespace's address span ($human)"
	done <<-EOF
		1G 1G
		2GiB 2G
		1T 1T
		3TiB 3T
		0x40000000 1G
		1536M 1.5G
	EOF
	[ "$k" -eq 6 ]
}

@test "the size is rounded up to whole pages" {
	svmtool create odd -s 1000
	run --separate-stderr svmtool list -n -b -o DATA odd
	assert_output --regexp '^ *4096$'
}

@test "bad sizes are usage errors that name the size" {
	for s in abc 1Q 0 -1 +1 ' 1' '1 ' '1  K' 1k5 1KiBB 1Ki 1iB 1.K .5K \
		0x1.5M 1.5.5M 1e3 0x 99999999999999999999 0xffffffffffffffffff \
		16777216T 0K 0.0001K ''; do
		run --separate-stderr svmtool create foo -s "$s"
		assert_usage_error "invalid size '$s'"
	done
	assert_file_not_exists "$(object foo)"
}

@test "size zero says it must be greater than zero" {
	run --separate-stderr svmtool create foo -s 0
	assert_usage_error "invalid size '0': must be greater than zero"
}

@test "a size beyond 64 bits says too large" {
	run --separate-stderr svmtool create foo -s 99999999999999999999
	assert_usage_error "invalid size '99999999999999999999': too large"
	run --separate-stderr svmtool create foo -s 16777216T
	assert_usage_error "invalid size '16777216T': too large"
}

@test "a size beyond the namespace's span is a usage error" {
	run --separate-stderr svmtool create foo -s 65G
	assert_usage_error "invalid size '65G': larger than the namespace's address span (64G)"
	# and no namespace was made for it
	assert_file_not_exists "$(object)"
	svmtool create small -s 4K --span 1M
	run --separate-stderr svmtool create foo -s 2M
	assert_usage_error "invalid size '2M': larger than the namespace's address span (1M)"
}

@test "a size that fits the span but not the free space fails with 1" {
	svmtool create a -s 512K --span 1M
	run --separate-stderr svmtool create b -s 768K
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_stderr_regex "^svmtool: cannot create 'b': no free address space"
}

@test "the size is mandatory" {
	run --separate-stderr svmtool create foo
	assert_usage_error "missing option --size"
}

@test "-s without a value is a usage error" {
	run --separate-stderr svmtool create foo -s
	assert_usage_error "option '-s' requires an argument"
	run --separate-stderr svmtool create foo --size
	assert_usage_error "option '--size' requires an argument"
}

@test "the name is mandatory" {
	run --separate-stderr svmtool create -s 4K
	assert_usage_error "missing NAME"
}

@test "one name only" {
	run --separate-stderr svmtool create a b -s 4K
	assert_usage_error "unexpected argument 'b'"
}

@test "-s twice is a usage error" {
	run --separate-stderr svmtool create foo -s 4K -s 8K
	assert_usage_error "option '--size' given more than once"
}

@test "an unknown option is a usage error naming it" {
	run --separate-stderr svmtool create foo -s 4K -x
	assert_usage_error "unknown option '-x'"
	assert_stderr "svmtool: unknown option '-x'
see 'svmtool create --help'"
	run --separate-stderr svmtool create foo -s 4K --bogus
	assert_usage_error "unknown option '--bogus'"
	run --separate-stderr svmtool create foo -s 4K --exist-ok=yes
	assert_usage_error "option '--exist-ok' takes no value"
}

@test "invalid names are usage errors" {
	local long64 long63
	long64=$(printf 'n%.0s' {1..64})
	for n in a/b .. . '' "$long64" 'é' 'a b' 'a:b' '//a' '/'; do
		run --separate-stderr svmtool create "$n" -s 4K
		assert_usage_error "invalid region name '$n'"
	done
	run ls "$SVMTOOL_SHM_DIR"
	assert_output ""
}

@test "a 63-character name and a leading slash are fine" {
	local long63
	long63=$(printf 'n%.0s' {1..63})
	run --separate-stderr svmtool create "$long63" -s 4K
	assert_success
	assert_file_exists "$(object "$long63")"
	run --separate-stderr svmtool create /slash -s 4K
	assert_success
	assert_output --regexp '^slash: '
	assert_file_exists "$(object slash)"
	run --separate-stderr svmtool create A-Z_a.z-09 -s 4K
	assert_success
}

@test "an existing region fails with 1 and says so" {
	svmtool create foo -s 4K
	run --separate-stderr svmtool create foo -s 4K
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_stderr "svmtool: cannot create 'foo': region exists"
	run --separate-stderr svmtool create /foo -s 4K
	assert_equal "$status" 1
}

@test "--exist-ok succeeds when the size matches and prints the region" {
	run --separate-stderr svmtool create foo -s 8K
	local first=$output
	run --separate-stderr svmtool create foo -s 8K --exist-ok
	assert_success
	assert_equal "$stderr" ""
	assert_output "$first"
	run --separate-stderr svmtool create foo -s 8192 --exist-ok
	assert_success
}

@test "--exist-ok with another size fails with 1 and says both sizes" {
	svmtool create foo -s 8K
	run --separate-stderr svmtool create foo -s 16K --exist-ok
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_stderr "svmtool: cannot create 'foo': region exists with size 8K, not 16K"
}

@test "-m applies the mode exactly, whatever the umask" {
	umask 077
	svmtool create shared -s 4K -m 0666
	run stat -c %a "$(object shared)"
	assert_output "666"
	svmtool create grp -s 4K --mode 640
	run stat -c %a "$(object grp)"
	assert_output "640"
	run --separate-stderr svmtool list -n -o NAME,PERMS
	assert_line --regexp '^grp +rw-r----- *$'
	assert_line --regexp '^shared +rw-rw-rw- *$'
}

@test "-m applies exactly to a namespace made with the region" {
	umask 077
	svmtool create shared -s 4K -m 0660
	run stat -c %a "$(object)"
	assert_output "660"
	# an existing namespace keeps its mode
	svmtool create other -s 4K -m 0600
	run stat -c %a "$(object)"
	assert_output "660"
}

@test "the default mode is 0600 less the umask" {
	umask 022
	svmtool create priv -s 4K
	run stat -c %a "$(object priv)"
	assert_output "600"
}

@test "bad modes are usage errors" {
	for m in 999 abc 8 -1 10000 4755 1777 ''; do
		run --separate-stderr svmtool create foo -s 4K -m "$m"
		assert_usage_error "invalid mode '$m'"
	done
}

@test "--owner and --group set the owner (needs root)" {
	need_root
	svmtool create foo -s 4K --owner nobody --group nogroup
	run stat -c '%U %G %a' "$(object foo)"
	assert_output "nobody nogroup 600"
	svmtool create bar -s 4K --owner 65534 --group 65534
	run stat -c '%u %g' "$(object bar)"
	assert_output "65534 65534"
	# the namespace stays the creator's
	run stat -c '%u' "$(object)"
	assert_output "0"
}

@test "a region made for another user is theirs to map (needs root)" {
	need_root
	umask 0
	chmod 755 "$SVMTOOL_SHM_DIR"
	svmtool create foo -s 4K -m 0660 --owner nobody
	chmod 0666 "$(object)"
	run --separate-stderr svmtool_nobody map foo
	assert_success
	assert_output --regexp '^foo: base va '
	run --separate-stderr svmtool_nobody list -n -o NAME,OWNER,STATE foo
	assert_output --regexp '^foo +nobody +ready *$'
}

@test "an unknown user or group is a usage error" {
	run --separate-stderr svmtool create foo -s 4K --owner no-such-user-x
	assert_usage_error "unknown user 'no-such-user-x'"
	run --separate-stderr svmtool create foo -s 4K --group no-such-group-x
	assert_usage_error "unknown group 'no-such-group-x'"
}

@test "--base and --span shape a new namespace" {
	run --separate-stderr svmtool create foo -s 4K --base 0x200000000000 --span 1G
	assert_success
	assert_output --regexp '^foo: base va 0x0000200000[0-9a-f]{6} '
	run --separate-stderr svmtool list -n -o BASE foo
	assert_output --regexp '^0x0000200000[0-9a-f]{6}$'
	# the span is 1G now
	run --separate-stderr svmtool create bar -s 2G
	assert_usage_error "address span (1G)"
}

@test "--base, --span and --capacity of an existing namespace must match" {
	local base
	svmtool create foo -s 4K --span 1G --capacity 8
	base=$(printf '0x%x' "$(svmtool list -N -r -n -o BASE)")
	run --separate-stderr svmtool create bar -s 4K --base 0x200000000000
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_stderr "svmtool: cannot create 'bar': namespace '$SVMTOOL_ROOT' exists with base $base, not 0x200000000000 (--base shapes a new namespace only)"
	run --separate-stderr svmtool create bar -s 4K --span 2G
	assert_equal "$status" 1
	assert_stderr "svmtool: cannot create 'bar': namespace '$SVMTOOL_ROOT' exists with span 1G, not 2G (--span shapes a new namespace only)"
	run --separate-stderr svmtool create bar -s 4K --capacity 9
	assert_equal "$status" 1
	assert_stderr "svmtool: cannot create 'bar': namespace '$SVMTOOL_ROOT' exists with capacity 8, not 9 (--capacity shapes a new namespace only)"
	assert_file_not_exists "$(object bar)"
	# what matches is fine, in any spelling
	run --separate-stderr svmtool create bar -s 4K --base "$base" --span 1024M --capacity 8
	assert_success
}

@test "a base that is not page aligned is a usage error" {
	run --separate-stderr svmtool create foo -s 4K --base 0x200000000001
	assert_usage_error "invalid base address '0x200000000001': not page aligned"
	run --separate-stderr svmtool create foo -s 4K --base xyz
	assert_usage_error "invalid base address 'xyz'"
}

@test "a span that is not a page multiple is a usage error" {
	run --separate-stderr svmtool create foo -s 4K --span 5000
	assert_usage_error "invalid span '5000': not a multiple of the page size"
	run --separate-stderr svmtool create foo -s 4K --span 0
	assert_usage_error "invalid span '0'"
}

@test "a base or span the library rejects is a usage error, no namespace made" {
	run --separate-stderr svmtool create foo -s 4K --base 0xfff000000000000 --span 1G
	assert_usage_error "cannot create 'foo': invalid argument: bad span"
	assert_file_not_exists "$(object)"
	run --separate-stderr svmtool create foo -s 4K --span 8K
	assert_usage_error "cannot create 'foo': invalid argument: span 0x2000 too small"
	assert_file_not_exists "$(object)"
}

@test "--capacity limits the number of regions" {
	svmtool create r1 -s 4K --capacity 2
	svmtool create r2 -s 4K
	run --separate-stderr svmtool create r3 -s 4K
	assert_equal "$status" 1
	assert_stderr_regex "^svmtool: cannot create 'r3': region directory full"
}

@test "a directory of one region says so in the singular" {
	svmtool create r1 -s 4K --capacity 1
	run --separate-stderr svmtool create r2 -s 4K
	assert_equal "$status" 1
	assert_stderr "svmtool: cannot create 'r2': region directory full: directory full (1 region)"
}

@test "a span ending at the top of user space is refused at create" {
	run --separate-stderr svmtool create foo -s 4K --base 0x7fff00000000 --span 4G
	assert_usage_error "cannot create 'foo': invalid argument: bad span"
	assert_file_not_exists "$(object)"
	# one page lower is the last span user space has (the stack may be
	# there, so mapping it is not tested)
	run --separate-stderr svmtool create foo -s 4K --base 0x7fff00000000 --span 0xfffff000
	assert_success
}

@test "a region just too large for the span is a usage error, like a larger one" {
	svmtool create small -s 4K --span 1M
	run --separate-stderr svmtool create foo -s 0xff000
	assert_usage_error "invalid size '0xff000': region of 1048576 bytes (1044480 of data and its 4096-byte header) does not fit in the 974848 bytes of the span left for regions"
	run --separate-stderr svmtool create foo -s 1M
	assert_usage_error "invalid size '1M': larger than the namespace's address span (1M)"
	# a namespace made for it is not left behind
	run --separate-stderr svmtool -R other create foo -s 0xff000 --span 1M
	assert_equal "$status" 2
	assert_file_not_exists "$SVMTOOL_SHM_DIR/svmt:other"
}

@test "bad capacities are usage errors" {
	for c in 0 abc -1 65537 1.5; do
		run --separate-stderr svmtool create foo -s 4K --capacity "$c"
		assert_usage_error "invalid capacity '$c'"
	done
	run --separate-stderr svmtool create foo -s 4K --capacity ''
	assert_usage_error "option '--capacity' requires an argument"
	run --separate-stderr svmtool create foo -s 4K --capacity=
	assert_usage_error "option '--capacity' requires an argument"
}

@test "create in a directory the user cannot write is permission denied" {
	need_root
	svmtool create foo -s 4K
	chmod 755 "$SVMTOOL_SHM_DIR"
	run --separate-stderr svmtool_nobody create bar -s 4K
	assert_equal "$status" 4
	assert_equal "$output" ""
	assert_stderr_regex "^svmtool: cannot create 'bar': (shm directory '$SVMTOOL_SHM_DIR': )?permission denied"
}

@test "create in a namespace owned by another user is refused" {
	need_root
	chmod 1777 "$SVMTOOL_SHM_DIR"
	svmtool_nobody create theirs -s 4K
	run --separate-stderr svmtool create mine -s 4K
	assert_equal "$status" 4
	assert_stderr_regex "^svmtool: cannot create 'mine': object owned by an untrusted user"
}

@test "create over a corrupt namespace object fails with 1" {
	echo garbage >"$(object)"
	run --separate-stderr svmtool create foo -s 4K
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_stderr_regex "^svmtool: cannot create 'foo': corrupt object"
}

@test "a size with a leading zero is decimal, not octal" {
	run --separate-stderr svmtool create dec -s 010K
	assert_success
	run --separate-stderr svmtool list -n -b -o NAME,DATA dec
	assert_output --regexp '^dec +12288$'
	run --separate-stderr svmtool create dec8 -s 08K
	assert_success
}

@test "create --heap makes a region whose data area is a heap" {
	run --separate-stderr svmtool create h -s 64K --heap
	assert_success
	assert_output --regexp '^h: base va 0x[0-9a-f]{16} size 0x11000 \(68 kb\)$'
	run --separate-stderr svmtool list -n -o NAME,FLAGS,HEAP-SIZE -b
	assert_output --regexp '^h +persistent,heap +65536$'
	run --separate-stderr svmtool create tiny -s 4K --heap
	assert_equal "$status" 1
	assert_stderr "svmtool: cannot create 'tiny': invalid argument: data area of 4096 bytes is too small for a heap"
	assert_file_not_exists "$(object tiny)"
}

# ------------------------------------------------------------ --file

@test "create --file keeps the data in a file that outlives the region" {
	local f=$BATS_TEST_TMPDIR/data.bin
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr svmtool create f -s 64K --file data.bin
	assert_success
	assert_file_exists "$f"
	[ "$(stat -c %s "$f")" -eq 65536 ]
	run svmtool list -v f
	assert_line "  file $f"
	assert_line --regexp '^  flags: 0x5 PERSISTENT FILE$'
	run svmtool list -J -o NAME,FILE
	assert_output --partial "\"file\": \"$f\""
	printf 'keep me' | svmtool write f --offset 100
	[ "$(dd if="$f" bs=1 skip=100 count=7 2>/dev/null)" = "keep me" ]
	svmtool unmap f
	assert_file_exists "$f"
	run svmtool create g -s 64K --file "$f"
	assert_success
	run svmtool read g --offset 100 --length 7
	assert_output 'keep me'
}

@test "create --file refuses a symlink, a longer file, a file in use and --heap" {
	local f=$BATS_TEST_TMPDIR/data.bin
	svmtool create f -s 8K --file "$f" >/dev/null
	ln -s "$f" "$BATS_TEST_TMPDIR/link"
	run --separate-stderr svmtool create a -s 8K --file "$BATS_TEST_TMPDIR/link"
	assert_failure 1
	[[ $stderr == *"it is a symbolic link"* ]]
	run --separate-stderr svmtool create b -s 8K --file "$f"
	assert_failure 5
	[[ $stderr == *"data file '$f' already holds region 'f'"* ]]
	head -c 20000 /dev/zero >"$BATS_TEST_TMPDIR/long.bin"
	run --separate-stderr svmtool create c -s 8K --file "$BATS_TEST_TMPDIR/long.bin"
	assert_failure 1
	[[ $stderr == *"has 20000 bytes, more than the region's 8192: it is never truncated"* ]]
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/long.bin")" -eq 20000 ]
	run --separate-stderr svmtool create d -s 8K --heap --file "$BATS_TEST_TMPDIR/x.bin"
	assert_failure 2
	[[ $stderr == "svmtool: options --heap and --file exclude each other"* ]]
	run svmtool list -n -o NAME
	assert_output f
}

@test "create --heap --exist-ok refuses a region that has no heap" {
	svmtool create p -s 64K
	run --separate-stderr svmtool create p -s 64K --heap --exist-ok
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_stderr "svmtool: cannot create 'p': it exists without a heap"
	svmtool create h -s 64K --heap
	run --separate-stderr svmtool create h -s 64K --heap --exist-ok
	assert_success
}
