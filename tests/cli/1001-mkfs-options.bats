#!/usr/bin/env bats
# 1001-mkfs-options.bats: every option of mkfs.vexfs and every usage
# error.
#
# Each test formats (or refuses to format) images in $BATS_TEST_TMPDIR
# and reads back what was written through tests/helpers/vxtree (`super`,
# `stat`) or the raw superblock bytes, so that an option that is parsed
# but not applied fails.  Usage errors must exit 2 with the message on
# stderr, nothing on stdout, and leave no image behind.

bats_require_minimum_version 1.5.0
load test_helper

# field IMG NAME: one "name: value" line of `vxtree super IMG`
field() {
	"$VXTREE" super "$1" | sed -n "s/^$2: //p"
}

# json_get KEY < JSON: one top-level value of mkfs.vexfs --json
json_get() {
	python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# sb_u64 IMG OFFSET: the little-endian 64-bit superblock field at OFFSET
sb_u64() {
	od -An -tu8 --endian=little -j "$2" -N8 "$1" | tr -d ' '
}

setup() {
	IMG=$BATS_TEST_TMPDIR/fs.img
}

# usage_error ARGS...: mkfs exits 2, stdout empty, creates no image
usage_error() {
	run -2 --separate-stderr "$MKFS" "$@"
	assert_output ''
	[[ ! -e $IMG ]] || fail "usage error but $IMG was created"
}

# ---- information options

@test "-V prints the tool and library versions" {
	run -0 --separate-stderr "$MKFS" -V
	assert_output "mkfs.vexfs 0.1.0 (libvexfs 0.1.0)"
	assert_equal "$stderr" ''
	run -0 --separate-stderr "$MKFS" --version
	assert_output "mkfs.vexfs 0.1.0 (libvexfs 0.1.0)"
}

@test "-h and --help list every option on stdout" {
	local opt

	for opt in -h --help; do
		run -0 --separate-stderr "$MKFS" "$opt"
		assert_equal "$stderr" ''
		assert_line --index 0 'Usage: mkfs.vexfs [OPTION...] DEVICE [SIZE]'
		for o in block-size label uuid inodes bytes-per-inode journal \
			 group-blocks extended populate type dry-run force quiet \
			 verbose json version help usage; do
			assert_output --partial "--$o"
		done
	done
}

@test "--usage prints the short usage on stdout" {
	run -0 --separate-stderr "$MKFS" --usage
	assert_equal "$stderr" ''
	assert_line --index 0 --partial 'Usage: mkfs.vexfs'
	assert_output --partial 'DEVICE [SIZE]'
}

@test "an unknown option exits 2 with the usage on stderr" {
	usage_error --bogus "$IMG" 64M
	assert_equal "${stderr_lines[0]}" 'mkfs.vexfs: --bogus: unknown option'
	assert_equal "${stderr_lines[1]:0:17}" 'Usage: mkfs.vexfs'
	usage_error -Z "$IMG" 64M
	assert_equal "${stderr_lines[0]}" 'mkfs.vexfs: -Z: unknown option'
}

@test "a missing option argument, DEVICE or extra arguments exit 2" {
	usage_error "$IMG" 64M -b
	assert_equal "${stderr_lines[0]}" 'mkfs.vexfs: -b: missing argument'
	usage_error
	assert_equal "${stderr_lines[0]}" 'mkfs.vexfs: no DEVICE given'
	usage_error "$IMG" 64M extra
	assert_equal "${stderr_lines[0]}" "mkfs.vexfs: too many arguments: 'extra'"
}

# ---- DEVICE and SIZE

@test "a missing DEVICE without SIZE exits 1 naming the path" {
	run -1 --separate-stderr "$MKFS" "$IMG"
	assert_output ''
	assert_equal "$stderr" "mkfs.vexfs: $IMG does not exist; give a SIZE to create an image file (mkfs.vexfs $IMG SIZE)"
	[[ ! -e $IMG ]]
}

@test "a missing DEVICE with SIZE is created with that size" {
	run -0 --separate-stderr "$MKFS" "$IMG" 64M
	assert_equal "$stderr" ''
	assert_equal "$(stat -c %s "$IMG")" $((64 << 20))
	assert_equal "$(field "$IMG" block_count)" 16384
	assert_equal "$(field "$IMG" state)" clean
}

@test "SIZE: a bare number counts blocks of the block size" {
	run -0 "$MKFS" "$IMG" 5000
	assert_equal "$(field "$IMG" block_count)" 5000
	assert_equal "$(stat -c %s "$IMG")" $((5000 * 4096))
	run -0 "$MKFS" -F -b 1024 "$IMG" 9000
	assert_equal "$(field "$IMG" block_size)" 1024
	assert_equal "$(field "$IMG" block_count)" 9000
}

@test "SIZE: K, M, G, T suffixes, KiB forms and 512-byte sectors" {
	local arg want

	while read -r arg want; do
		rm -f "$IMG"
		run -0 --separate-stderr "$MKFS" -n --json "$IMG" "$arg"
		assert_equal "$(json_get block_count <<< "$output")" "$want"
	done <<- EOF
	65536K 16384
	65536k 16384
	64M 16384
	64MiB 16384
	64mb 16384
	1G 262144
	1g 262144
	1T 268435456
	131072s 16384
	0x4000 16384
	EOF
}

@test "SIZE: a size that is not a block multiple is rounded down" {
	run -0 "$MKFS" "$IMG" 65539K
	assert_equal "$(field "$IMG" block_count)" 16384
}

@test "SIZE: bad syntax, zero and overflow exit 2" {
	local arg

	for arg in 12Q abc -5 1.5G 64MM '' 10s5 M ' 1M' '1M '; do
		usage_error -- "$IMG" "$arg"
		assert_equal "$stderr" "mkfs.vexfs: invalid SIZE '$arg': give a number of blocks or a size with a K, M, G or T suffix"
	done
	usage_error "$IMG" 0
	assert_equal "$stderr" 'mkfs.vexfs: SIZE must be positive'
	for arg in 99999999T 16E 8E 18446744073709551616; do
		usage_error "$IMG" "$arg"
		assert_equal "$stderr" "mkfs.vexfs: SIZE '$arg' is too large"
	done
}

@test "SIZE too small: exit 2 with the minimum, which is exact" {
	local min

	usage_error "$IMG" 100K
	assert_regex "$stderr" "^mkfs.vexfs: $IMG: 100K is too small for a VexFS filesystem \(minimum [0-9]+ blocks of 4096 bytes, .*\)$"
	min=$(sed -E 's/.*minimum ([0-9]+) blocks.*/\1/' <<< "$stderr")
	usage_error "$IMG" $((min - 1))
	assert_regex "$stderr" "minimum $min blocks"
	run -0 "$MKFS" -q "$IMG" "$min"
	assert_equal "$(field "$IMG" block_count)" "$min"
}

@test "an existing file smaller than SIZE grows, a larger one is kept" {
	truncate -s 10M "$IMG"
	run -0 "$MKFS" -q "$IMG" 64M
	assert_equal "$(stat -c %s "$IMG")" $((64 << 20))
	truncate -s 128M "$BATS_TEST_TMPDIR/big.img"
	run -0 "$MKFS" -q "$BATS_TEST_TMPDIR/big.img" 32M
	assert_equal "$(stat -c %s "$BATS_TEST_TMPDIR/big.img")" $((128 << 20))
	assert_equal "$(field "$BATS_TEST_TMPDIR/big.img" block_count)" 8192
}

@test "without SIZE the whole file is used" {
	truncate -s 48M "$IMG"
	run -0 "$MKFS" -q "$IMG"
	assert_equal "$(field "$IMG" block_count)" 12288
}

@test "a DEVICE that is a directory exits 1" {
	run -1 --separate-stderr "$MKFS" "$BATS_TEST_TMPDIR"
	assert_equal "$stderr" "mkfs.vexfs: $BATS_TEST_TMPDIR is not a regular file or a block device"
}

# ---- geometry options

@test "-b: every power of two from 1024 to 65536, K suffix" {
	local b want

	for b in 1024 2048 4096 8192 16384 32768 65536 4k 64K; do
		want=$b
		[[ $b != *[kK] ]] || want=$((${b%?} * 1024))
		rm -f "$IMG"
		run -0 --separate-stderr "$MKFS" -q -b "$b" "$IMG" 128M
		assert_equal "$stderr" ''
		assert_equal "$(field "$IMG" block_size)" "$want"
		assert_equal "$(field "$IMG" block_count)" $((128 * 1048576 / want))
	done
}

@test "-b: bad block sizes exit 2 naming the option" {
	local b

	for b in 512 3000 131072 0 4x '' 4KB1; do
		usage_error -b "$b" "$IMG" 64M
		assert_equal "${stderr_lines[0]}" "mkfs.vexfs: invalid block size '$b' (-b): it must be a power of two from 1024 to 65536"
	done
}

@test "-g sets blocks per group; the backups follow" {
	run -0 --separate-stderr "$MKFS" -g 4096 "$IMG" 64M
	assert_equal "$(field "$IMG" group_blocks)" 4096
	assert_equal "$(field "$IMG" group_count)" 4
	assert_line 'Groups:             4 (4096 blocks per group)'
	assert_line 'Superblock backups: 4096, 12288'
}

@test "-g: bad values exit 2 naming the option" {
	usage_error -g 12 "$IMG" 64M
	assert_equal "$stderr" "mkfs.vexfs: invalid blocks per group '12' (-g): it must be a multiple of 8, at least 256"
	usage_error -g 8 "$IMG" 64M
	assert_equal "$stderr" "mkfs.vexfs: invalid blocks per group '8' (-g): it must be a multiple of 8, at least 256"
	usage_error -g abc "$IMG" 64M
	assert_equal "${stderr_lines[0]}" "mkfs.vexfs: invalid blocks per group (-g) 'abc': give a positive number"
	usage_error -g 0 "$IMG" 64M
	usage_error -g 4294967296 "$IMG" 64M
	usage_error -n -b 1024 -g 256 "$IMG" 8T
	assert_equal "$stderr" "mkfs.vexfs: blocks per group '256' (-g) is beyond a format limit for 8T"
}

@test "-N sets the inode count (rounded up to whole inode-table blocks)" {
	run -0 "$MKFS" -q -N 5000 "$IMG" 64M
	local n
	n=$(field "$IMG" inode_count)
	((n >= 5000 && n < 5000 + 16)) || fail "inode_count $n for -N 5000"
}

@test "-N: too many inodes exits 2 with the most that fit" {
	usage_error -N 1000000 "$IMG" 64M
	assert_regex "$stderr" "^mkfs.vexfs: $IMG: the inode count '1000000' \(-N\) does not fit in 64M \(at most [0-9]+ inodes\)$"
	local max
	max=$(sed -E 's/.*at most ([0-9]+) inodes.*/\1/' <<< "$stderr")
	run -0 "$MKFS" -q -N "$max" "$IMG" 64M
	rm -f "$IMG"
	usage_error -N x "$IMG" 64M
	assert_equal "${stderr_lines[0]}" "mkfs.vexfs: invalid inode count (-N) 'x': give a positive number"
}

@test "-i sets bytes per inode; bad values exit 2" {
	run -0 "$MKFS" -q -i 8192 "$IMG" 64M
	assert_equal "$(field "$IMG" inode_count)" 8192
	rm -f "$IMG"
	run -0 "$MKFS" -q -i 64K "$IMG" 64M
	assert_equal "$(field "$IMG" inode_count)" 1024
	rm -f "$IMG"
	usage_error -i 512 "$IMG" 64M
	assert_equal "$stderr" "mkfs.vexfs: invalid bytes per inode '512' (-i): it must be from 1024 to 67108864"
	usage_error -i 0 "$IMG" 64M
}

@test "-J size= sets the journal size in MiB" {
	run -0 "$MKFS" -q -J size=8 "$IMG" 64M
	assert_equal "$(field "$IMG" journal_blocks)" 2048
	rm -f "$IMG"
	run -0 "$MKFS" -q -b 1024 -J size=2 "$IMG" 64M
	assert_equal "$(field "$IMG" journal_blocks)" 2048
}

@test "-J: bad options and sizes exit 2 naming the option" {
	usage_error -J foo=1 "$IMG" 64M
	assert_equal "${stderr_lines[0]}" "mkfs.vexfs: invalid journal option 'foo=1' (-J): the only one is size=MiB"
	usage_error -J size=0 "$IMG" 64M
	assert_equal "${stderr_lines[0]}" "mkfs.vexfs: invalid journal size '0' (-J): give a positive number of MiB"
	usage_error -J size=1x "$IMG" 64M
	usage_error -J size=100000 "$IMG" 64M
	assert_equal "$stderr" "mkfs.vexfs: invalid journal size 'size=100000' (-J): the journal must be 256 to 4194304 blocks"
	usage_error -J size=100 "$IMG" 64M
	assert_regex "$stderr" "^mkfs.vexfs: $IMG: the journal size 'size=100' \(-J\) does not fit in 64M \(at most size=[0-9]+ MiB\)$"
	local max
	max=$(sed -E 's/.*at most size=([0-9]+) MiB.*/\1/' <<< "$stderr")
	run -0 "$MKFS" -q -J "size=$max" "$IMG" 64M
	assert_equal "$(field "$IMG" journal_blocks)" $((max * 256))
}

# ---- identity options

@test "-L sets the label; 64 bytes fit, 65 exit 2" {
	local l64

	run -0 "$MKFS" -q -L "my disk" "$IMG" 64M
	assert_equal "$(field "$IMG" label)" "my disk"
	l64=$(printf 'x%.0s' {1..64})
	run -0 "$MKFS" -q -F -L "$l64" "$IMG"
	assert_equal "$(field "$IMG" label)" "$l64"
	rm -f "$IMG"
	usage_error -L "${l64}y" "$IMG" 64M
	assert_equal "${stderr_lines[0]}" "mkfs.vexfs: label '${l64}y' is too long (-L): at most 64 bytes"
}

@test "-U value, random and time set the UUID" {
	local u=0123abcd-4567-89ab-cdef-0123456789ab u1 u2

	run -0 "$MKFS" -q -U "$u" "$IMG" 64M
	assert_equal "$(field "$IMG" uuid)" "$u"
	run -0 "$MKFS" -q -F -U random "$IMG"
	u1=$(field "$IMG" uuid)
	assert_regex "$u1" '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
	run -0 "$MKFS" -q -F -U time "$IMG"
	u2=$(field "$IMG" uuid)
	assert_regex "$u2" '^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-'
	run -0 "$MKFS" -q -F "$IMG"
	[[ $(field "$IMG" uuid) != "$u1" ]] || fail "default UUID repeated"
}

@test "-U: bad and null UUIDs exit 2" {
	usage_error -U nonsense "$IMG" 64M
	assert_equal "${stderr_lines[0]}" "mkfs.vexfs: invalid UUID 'nonsense' (-U): give random, time or a value like 0123abcd-4567-89ab-cdef-0123456789ab"
	usage_error -U 0123abcd-4567-89ab-cdef-0123456789 "$IMG" 64M
	usage_error -U clear "$IMG" 64M
	assert_equal "${stderr_lines[0]}" "mkfs.vexfs: -U clear: a VexFS filesystem needs a non-null UUID (every metadata block carries it)"
	usage_error -U 00000000-0000-0000-0000-000000000000 "$IMG" 64M
}

@test "-E hash_seed is written to the superblock" {
	run -0 "$MKFS" -q -E hash_seed=1234567890123 "$IMG" 64M
	assert_equal "$(sb_u64 "$IMG" 152)" 1234567890123
	run -0 "$MKFS" -q -F -E hash_seed=0xfedcba9876543210 "$IMG"
	assert_equal "$(sb_u64 "$IMG" 152)" 18364758544493064720
}

@test "-E root_owner sets the root directory's owner; default is the caller" {
	run -0 "$MKFS" -q -E root_owner=1234:5678 "$IMG" 64M
	run -0 "$VXTREE" stat "$IMG" /
	assert_line "uid: 1234"
	assert_line "gid: 5678"
	assert_equal "$(field "$IMG" state)" clean
	run -0 "$MKFS" -q -F "$IMG"
	run -0 "$VXTREE" stat "$IMG" /
	assert_line "uid: $(id -u)"
	assert_line "gid: $(id -g)"
	run -0 "$MKFS" -q -F -E root_owner,hash_seed=7 "$IMG"
	run -0 "$VXTREE" stat "$IMG" /
	assert_line "uid: $(id -u)"
	assert_equal "$(sb_u64 "$IMG" 152)" 7
}

@test "-E: unknown options and bad values exit 2" {
	usage_error -E foo=1 "$IMG" 64M
	assert_equal "${stderr_lines[0]}" "mkfs.vexfs: unknown extended option 'foo' (-E); the options are: root_owner[=UID:GID], hash_seed=N"
	usage_error -E root_owner=abc "$IMG" 64M
	assert_equal "${stderr_lines[0]}" "mkfs.vexfs: invalid root_owner 'abc' (-E): give UID:GID as numbers"
	usage_error -E root_owner=1: "$IMG" 64M
	usage_error -E root_owner=1:2:3 "$IMG" 64M
	usage_error -E hash_seed=0 "$IMG" 64M
	assert_equal "${stderr_lines[0]}" "mkfs.vexfs: invalid hash_seed '0' (-E): give a non-zero 64-bit number"
	usage_error -E hash_seed "$IMG" 64M
}

@test "-t vexfs is accepted, any other type exits 2" {
	run -0 "$MKFS" -q -t vexfs "$IMG" 64M
	assert_equal "$(field "$IMG" state)" clean
	rm -f "$IMG"
	usage_error -t ext4 "$IMG" 64M
	assert_equal "${stderr_lines[0]}" "mkfs.vexfs: unsupported filesystem type 'ext4' (-t): this is mkfs for vexfs only"
}

@test "mkfs -t vexfs runs mkfs.vexfs from PATH" {
	command -v mkfs > /dev/null || fail "util-linux mkfs is not installed"
	PATH=$TOPDIR/mkfs:$PATH run -0 --separate-stderr mkfs -t vexfs -q "$IMG" 64M
	assert_equal "$(field "$IMG" block_count)" 16384
}

# ---- output options

@test "the summary names the layout; -q prints nothing" {
	run -0 --separate-stderr "$MKFS" -L lbl -U 0123abcd-4567-89ab-cdef-0123456789ab \
		-E hash_seed=0x42 "$IMG" 64M
	assert_equal "$stderr" ''
	assert_line "Device:             $IMG"
	assert_line 'Block size:         4096'
	assert_line 'Blocks:             16384 (64.0 MiB)'
	assert_line --regexp '^Groups:             1 \([0-9]+ blocks per group\)$'
	assert_line 'Inodes:             4096 (4096 per group)'
	assert_line --regexp "^Journal:            $(field "$IMG" journal_blocks) blocks \(.* MiB\) at block $(field "$IMG" journal_start)\$"
	assert_line 'UUID:               0123abcd-4567-89ab-cdef-0123456789ab'
	assert_line 'Label:              lbl'
	assert_line 'Hash seed:          0x0000000000000042'
	assert_line 'Superblock backups: none'
	run -0 --separate-stderr "$MKFS" -q -F "$IMG"
	assert_output ''
	assert_equal "$stderr" ''
}

@test "-v adds the per-group table" {
	run -0 --separate-stderr "$MKFS" -v -g 8192 "$IMG" 256M
	assert_equal "$stderr" ''
	assert_line --regexp '^Group +Blocks +Super +Header'
	assert_line --regexp '^0 +0-8191 +primary +1 +2 '
	assert_line --regexp '^1 +8192-16383 +backup +8193 +8194 '
	assert_line --regexp '^7 +57344-65535 +backup +57345 '
	assert_line --regexp '^3 +24576-32767 +- +24576 +24577 '
	assert_line 'Superblock backups: 8192, 57344'
	[[ $(grep -cE '^[0-9]+ ' <<< "$output") == 8 ]] || fail "not 8 group rows"
	run -0 --separate-stderr "$MKFS" -F -g 8192 "$IMG" 256M
	refute_line --regexp '^Group +Blocks'
}

@test "--json: one document on stdout that matches the image" {
	local j=$BATS_TEST_TMPDIR/out.json

	run -0 --separate-stderr "$MKFS" --json -L jl -g 4096 "$IMG" 64M
	assert_equal "$stderr" ''
	printf '%s\n' "$output" > "$j"
	python3 -m json.tool "$j" > /dev/null
	assert_equal "$(json_get block_size < "$j")" 4096
	assert_equal "$(json_get block_count < "$j")" 16384
	assert_equal "$(json_get group_count < "$j")" 4
	assert_equal "$(json_get group_blocks < "$j")" 4096
	assert_equal "$(json_get inode_count < "$j")" "$(field "$IMG" inode_count)"
	assert_equal "$(json_get journal_blocks < "$j")" "$(field "$IMG" journal_blocks)"
	assert_equal "$(json_get uuid < "$j")" "$(field "$IMG" uuid)"
	assert_equal "$(json_get label < "$j")" jl
	assert_equal "$(json_get dry_run < "$j")" False
	assert_equal "$(json_get backup_superblocks < "$j")" '[4096, 12288]'
	assert_equal "$(json_get hash_seed < "$j")" "$(sb_u64 "$IMG" 152)"
	python3 -c 'import json, sys
g = json.load(open(sys.argv[1]))["groups"]
assert [x["start"] for x in g] == [0, 4096, 8192, 12288], g
assert [x["superblock"] for x in g] == ["primary", "backup", None, "backup"]' "$j"
}

@test "--json with -v keeps notes off stdout" {
	truncate -s 64M "$IMG"
	run -0 --separate-stderr "$MKFS" --json -v "$IMG"
	python3 -m json.tool <<< "$output" > /dev/null
	assert_regex "$stderr" "Writing the filesystem on $IMG"
}

# ---- -n, -F, SOURCE_DATE_EPOCH

@test "-n prints the layout and writes nothing" {
	local copy=$BATS_TEST_TMPDIR/copy.img

	run -0 "$MKFS" -q -L before "$IMG" 64M
	cp --sparse=always "$IMG" "$copy"
	run -0 --separate-stderr "$MKFS" -n -L after "$IMG"
	assert_equal "$stderr" ''
	assert_line 'Label:              after'
	assert_line "Existing:           a vexfs file system labelled 'before' (would be wiped)"
	assert_line "Dry run (-n): nothing was written to $IMG"
	cmp "$IMG" "$copy"
	run -0 --separate-stderr "$MKFS" -n --json "$BATS_TEST_TMPDIR/new.img" 1G
	assert_equal "$(json_get dry_run <<< "$output")" True
	assert_equal "$(json_get block_count <<< "$output")" 262144
	[[ ! -e $BATS_TEST_TMPDIR/new.img ]] || fail "-n created the image"
}

@test "-F and -f are both accepted, also repeated" {
	run -0 "$MKFS" -q "$IMG" 64M
	run -4 "$MKFS" -q "$IMG"
	run -0 "$MKFS" -q -f "$IMG"
	run -0 "$MKFS" -q -FF "$IMG"
	run -0 "$MKFS" -q -F -f "$IMG"
	assert_equal "$(field "$IMG" state)" clean
}

@test "SOURCE_DATE_EPOCH fixes the times; with -U and hash_seed images are identical" {
	local a=$BATS_TEST_TMPDIR/a.img b=$BATS_TEST_TMPDIR/b.img
	local args=(-q -U 0123abcd-4567-89ab-cdef-0123456789ab -E hash_seed=99)

	SOURCE_DATE_EPOCH=1234567890 run -0 "$MKFS" "${args[@]}" "$a" 64M
	sleep 1
	SOURCE_DATE_EPOCH=1234567890 run -0 "$MKFS" "${args[@]}" "$b" 64M
	cmp "$a" "$b"
	assert_equal "$(field "$a" mkfs_time)" 1234567890
	run -0 "$VXTREE" stat "$a" /
	assert_line 'mtime: 1234567890.000000000'
	assert_line 'ctime: 1234567890.000000000'
	run -0 "$VXTREE" stat "$a" /lost+found
	assert_line 'mtime: 1234567890.000000000'
	assert_line 'crtime: 1234567890.000000000'
}

@test "a bad SOURCE_DATE_EPOCH exits 2" {
	local v

	for v in abc -1 12x 1e9 0x10; do
		SOURCE_DATE_EPOCH=$v usage_error "$IMG" 64M
		assert_equal "${stderr_lines[0]}" "mkfs.vexfs: SOURCE_DATE_EPOCH='$v' is not a number of seconds since the epoch"
	done
	SOURCE_DATE_EPOCH=0 usage_error "$IMG" 64M
	assert_equal "${stderr_lines[0]}" "mkfs.vexfs: SOURCE_DATE_EPOCH=0 is not supported: give a time after the epoch"
}
