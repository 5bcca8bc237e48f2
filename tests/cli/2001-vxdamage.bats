#!/usr/bin/env bats
# 2001-vxdamage.bats: tests/helpers/vxdamage changes exactly what it is
# told to, where format.h says the field is.
#
# setup_file formats two fixtures from one small host tree: a directory
# with a subdirectory, small files, an inline symlink, a sparse file of 8
# one-block islands (more extents than an inode holds inline: one extent
# tree node), a sparse file of 400 islands (a depth-2 tree with 1 KiB
# blocks) and a directory of 400 names (several leaves):
#   fix.img    64 MiB, 4 KiB blocks, one group
#   multi.img  32 MiB, 1 KiB blocks, 4096-block groups (two backups,
#              groups with uninitialised bitmaps)
# Every test damages its own copy and reads the change back another way
# than vxdamage wrote it: through the library (vxtree stat/super/cat/ls,
# which also proves a reseal is valid, or fails on a stale crc), or raw
# with od at the byte offset of format.h.

bats_require_minimum_version 1.5.0
load test_helper

VXDAMAGE=$TOPDIR/tests/helpers/vxdamage
BS=4096

setup_file() {
	local tree=$BATS_FILE_TMPDIR/tree i

	[[ -x $VXDAMAGE ]] || {
		echo "setup_file: tests/helpers/vxdamage not built" >&2
		return 1
	}
	mkdir -p "$tree/dir/sub" || return 1
	printf 'hello\n' > "$tree/dir/file"
	printf 'abc' > "$tree/a"
	ln -s dir/file "$tree/link"
	for i in 0 1 2 3 4 5 6 7; do
		yes "island $i" | head -c $BS |
			dd of="$tree/sparse" bs=$BS seek=$((i * 2)) \
			   conv=notrunc status=none || return 1
	done
	# 400 islands of one host block (4 blocks of 1 KiB): a depth-2
	# extent tree on multi.img; 400 names: a directory of many leaves
	python3 - "$tree" <<-'EOF' || return 1
		import os, sys
		with open(os.path.join(sys.argv[1], 'deep'), 'wb') as f:
		    for i in range(400):
		        f.seek(i * 8192)
		        f.write(b'isl%05d' % i * 128)
		os.mkdir(os.path.join(sys.argv[1], 'big'))
		for i in range(400):
		    open(os.path.join(sys.argv[1], 'big',
		                      'name-%04d-padding-padding' % i), 'w').close()
	EOF
	"$MKFS" -q -b $BS -d "$tree" "$(mkimg fix.img 64M)" || return 1
	"$MKFS" -q -b 1024 -g 4096 -d "$tree" "$(mkimg multi.img 32M)" ||
		return 1
}

setup() {
	IMG=$BATS_TEST_TMPDIR/fs.img
	cp "$BATS_FILE_TMPDIR/fix.img" "$IMG"
}

vxd() {
	"$VXDAMAGE" "$IMG" "$@"
}

# rd N OFFSET: the unsigned N-byte little-endian integer at OFFSET
rd() {
	od -An -t "u$1" -j "$2" -N "$1" "$IMG" | tr -d ' '
}

# hdr BLOCK: "MAGIC TYPE" of the metadata header of BLOCK (hex, decimal)
hdr() {
	echo "$(od -An -t x4 -j $(($1 * BS)) -N 4 "$IMG" | tr -d ' ')" \
	     "$(rd 2 $(($1 * BS + 4)))"
}

# st PATH FIELD: one field of `vxtree stat`
st() {
	"$VXTREE" stat "$IMG" "$1" | sed -n "s/^$2: //p"
}

# sb FIELD: one field of `vxtree super`
sb() {
	"$VXTREE" super "$IMG" | sed -n "s/^$1: //p"
}

# slot_off PATH: byte offset of PATH's inode slot in the image
slot_off() {
	local blk off

	read -r blk off < <(vxd slot "$1")
	echo $((blk * BS + off))
}

@test "ino and slot locate the inode: the slot holds its magic and number" {
	run -0 vxd ino /
	assert_output 1
	ino=$(vxd ino /dir/file)
	assert_equal "$ino" "$(st /dir/file ino)"
	off=$(slot_off /dir/file)
	assert_equal "$(rd 2 "$off")" $((0x4956))
	assert_equal "$(rd 8 $((off + 8)))" "$ino"
	assert_equal "$(vxd slot "#$ino")" "$(vxd slot /dir/file)"
}

@test "blocks walks an extent tree: node first, then every island's block" {
	mapfile -t lines < <(vxd blocks /sparse)
	assert_equal "${#lines[@]}" 9
	read -r kind node <<< "${lines[0]}"
	assert_equal "$kind" node
	assert_equal "$(hdr "$node")" "4258fe56 5"
	assert_equal "$(rd 8 $((node * BS + 56)))" "$(vxd ino /sparse)"
	for i in 0 1 2 3 4 5 6 7; do
		read -r kind lblk pblk <<< "${lines[i + 1]}"
		assert_equal "$kind $lblk" "data $((i * 2))"
		assert_equal "$(dd if="$IMG" bs=$BS skip="$pblk" count=1 \
				status=none | head -c 9)" "island $i"
	done
	run -0 vxd blocks /link
	assert_output ''
}

@test "deep trees: a depth-2 extent tree, a directory of many leaves" {
	IMG=$BATS_TEST_TMPDIR/multi.img
	BS=1024
	cp "$BATS_FILE_TMPDIR/multi.img" "$IMG"
	vxd blocks /deep > "$BATS_TEST_TMPDIR/deep"
	# the first node is the level-1 index under the inode, then leaves
	read -r kind node < "$BATS_TEST_TMPDIR/deep"
	assert_equal "$kind $(rd 2 $((node * BS + 48)))" 'node 1'
	assert_equal "$(grep -c '^data' "$BATS_TEST_TMPDIR/deep")" 1597
	n=0
	while read -r kind lblk pblk; do
		[[ $kind == data ]] && ((lblk % 8 == 0)) || continue
		assert_equal "$(dd if="$IMG" bs=$BS skip="$pblk" count=1 \
				status=none | head -c 8)" \
			"$(printf 'isl%05d' $((lblk / 8)))"
		n=$((n + 1))
	done < "$BATS_TEST_TMPDIR/deep"
	assert_equal "$n" 400
	# the last name is in a leaf past the root; its node is found too
	run -0 vxd dirent-set /big name-0399-padding-padding ino 1
	assert_equal "$(st /big/name-0399-padding-padding ino)" 1
	read -r _ _ d < <(vxd blocks /big | tail -n 1)
	lblk=$(($(vxd blocks /big | wc -l) - 1))
	run -0 vxd dirnode-set /big "$lblk" owner 42
	assert_equal "$(rd 8 $((d * BS + 56)))" 42
}

@test "inode-set reseals so the library reads the change; --noseal does not" {
	ino=$(vxd ino /dir/file)
	run -0 --separate-stderr vxd inode-set /dir/file nlink 5
	assert_equal "$stderr" "vxdamage: inode $ino: nlink 1 -> 5"
	assert_equal "$(st /dir/file nlink)" 5
	run -0 vxd inode-set "#$ino" mode 0100600
	assert_equal "$(st /dir/file mode)" 0600
	a=$(vxd ino /a)
	off=$(slot_off /a)
	run -0 --separate-stderr vxd inode-set /a uid 77 --noseal
	assert_equal "$stderr" "vxdamage: inode $a: uid 0 -> 77 (crc left stale)"
	assert_equal "$(rd 4 $((off + 24)))" 77
	run -2 "$VXTREE" stat "$IMG" /a
	assert_output --partial 'checksum mismatch'
	# a damaged inode is still found by its path, and can be resealed
	run -0 vxd inode-set /a gid 5
	assert_equal "$(st /a uid):$(st /a gid)" 77:5
}

@test "inode-zero leaves 256 zero bytes" {
	off=$(slot_off /a)
	run -0 vxd inode-zero /a
	assert_equal "$(od -An -v -t x1 -j "$off" -N 256 "$IMG" |
			tr -d ' \n0')" ''
	run -2 "$VXTREE" stat "$IMG" /a
}

@test "super-set and group-set: resealed, raw at their offsets, reseal" {
	run -0 --separate-stderr vxd super-set lost_found_ino 9
	assert_equal "$stderr" \
		"vxdamage: superblock (block 0): lost_found_ino 2 -> 9"
	assert_equal "$(sb lost_found_ino)" 9
	run -0 vxd super-set free_inodes 0x10
	assert_equal "$(rd 8 112)" 16
	run -0 vxd group-set 0 free_inodes 3
	assert_equal "$(rd 4 $((1 * BS + 76)))" 3
	assert_equal "$(sb free_inodes)" 3	# the sum of the groups'
	run -0 vxd group-set 0 used_dirs 7 --noseal
	assert_equal "$(rd 4 $((1 * BS + 80)))" 7
	run -2 "$VXTREE" super "$IMG"
	run -0 --separate-stderr vxd reseal 1
	assert_regex "$stderr" '^vxdamage: block 1: crc 0x[0-9a-f]{8} -> '
	run -0 "$VXTREE" super "$IMG"
}

@test "a filesystem that no longer opens: #INO via the raw superblock" {
	ino=$(vxd ino /dir/file)
	run -0 vxd group-set 0 free_blocks 1 --noseal
	run -2 vxd inode-set /dir/file nlink 3
	assert_output --partial 'name objects as #INO'
	run -0 --separate-stderr vxd inode-set "#$ino" nlink 3
	assert_output ''
	assert_equal "$stderr" "vxdamage: note: $IMG does not open (metadata\
 checksum mismatch); using the raw superblock
vxdamage: inode $ino: nlink 1 -> 3"
	run -0 vxd reseal 1
	assert_equal "$(st /dir/file nlink)" 3
}

@test "extent-set points a file at another file's block" {
	read -r _ _ q < <(vxd blocks /dir/file)
	run -0 vxd extent-set /a 0 pblk "$q"
	run -0 "$VXTREE" cat "$IMG" /a
	assert_output hel
	run -0 vxd blocks /a
	assert_output "data 0 $q"
	run -2 vxd extent-set /link 0 pblk "$q"
	assert_output --partial 'inline symlink target'
}

@test "dirent-set changes an entry; dirnode-set a node header" {
	a=$(vxd ino /a)
	run -0 vxd dirent-set /dir file ino "$a"
	assert_equal "$(st /dir/file ino)" "$a"
	run -0 vxd dirent-set /dir sub name bus
	run -0 "$VXTREE" ls "$IMG" /dir
	assert_output --partial ' /dir/bus'
	refute_output --partial ' /dir/sub'
	run -2 vxd dirent-set /dir bus name longer
	run -2 vxd dirent-set /dir nothere ino 1
	assert_output --partial "no entry 'nothere'"
	read -r _ _ d < <(vxd blocks /dir)
	run -0 vxd dirnode-set /dir 0 nentries 7
	assert_equal "$(rd 8 $((d * BS + 80)))" 7
	run -2 vxd dirnode-set /dir 1 nentries 7
}

@test "node-set changes a node header field and an extent entry" {
	read -r _ node < <(vxd blocks /sparse)
	run -0 vxd node-set "$node" owner 99
	assert_equal "$(rd 8 $((node * BS + 56)))" 99
	run -0 vxd node-set "$node" entry 0 pblk 5000
	run -0 vxd blocks /sparse
	assert_line --index 1 'data 0 5000'
	run -2 vxd node-set "$node" entry 9999 pblk 1
}

@test "bitmap-set changes one bit; uninitialised bitmaps are refused" {
	bb=$(vxd meta-blocks | awk '$1 == "bbitmap" { print $3; exit }')
	byte=$((bb * BS + 48 + 5000 / 8))
	before=$(rd 1 "$byte")
	run -0 vxd bitmap-set 0 block 5000 $((1 - (before & 1)))
	assert_equal "$(rd 1 "$byte")" $((before ^ 1))
	IMG=$BATS_TEST_TMPDIR/multi.img
	cp "$BATS_FILE_TMPDIR/multi.img" "$IMG"
	run -2 vxd bitmap-set 3 block 5 1
	assert_output --partial 'VX_GF_BLOCK_UNINIT'
}

@test "backup-set changes a backup, not the primary" {
	IMG=$BATS_TEST_TMPDIR/multi.img
	BS=1024
	cp "$BATS_FILE_TMPDIR/multi.img" "$IMG"
	run -0 vxd backup-set 0 state 0x6
	assert_equal "$(rd 2 $((4096 * BS + 78)))" 6
	assert_equal "$(sb state)" clean
	run -2 vxd backup-set 2 state 0x6
}

@test "raw block commands: save, flip, load, copy, fill, zero, truncate" {
	f=$BATS_TEST_TMPDIR/blk
	run -0 vxd block-save 1 "$f"
	assert_equal "$(stat -c %s "$f")" $BS
	before=$(rd 1 $((BS + 100)))
	run -0 vxd block-flip 1 100 3
	assert_equal "$(rd 1 $((BS + 100)))" $((before ^ 8))
	run -0 vxd block-load 1 "$f"
	cmp "$f" <(dd if="$IMG" bs=$BS skip=1 count=1 status=none)
	run -0 vxd block-copy 1 9000
	cmp "$f" <(dd if="$IMG" bs=$BS skip=9000 count=1 status=none)
	run -0 vxd block-fill 9000 0xa5
	assert_equal "$(rd 1 $((9000 * BS + 4095)))" 165
	run -0 vxd block-zero 9000
	assert_equal "$(rd 8 $((9000 * BS)))" 0
	run -0 vxd truncate 1048576
	assert_equal "$(stat -c %s "$IMG")" 1048576
	run -2 vxd block-zero 9000
	assert_output --partial 'beyond the end of the image'
}

@test "meta-blocks lists headed blocks of the right type" {
	declare -A type=([super]=1 [backup]=1 [group]=2 [bbitmap]=3
			 [ibitmap]=4 [extent]=5 [dir]=6 [jsuper]=7)
	run -0 vxd meta-blocks
	assert_line 'super 0'
	assert_line "jsuper $(sb journal_start)"
	assert_line "extent $(vxd blocks /sparse | awk 'NR == 1 { print $2 }')"
	assert_line "dir $(vxd blocks /dir | awk '{ print $3 }')"
	assert_line "itable 0 $(vxd slot / | cut -d' ' -f1)"
	while read -r kind a b; do
		[[ $kind == itable ]] && continue
		assert_equal "$kind $(hdr "${b:-$a}")" \
			"$kind 4258fe56 ${type[$kind]}"
	done <<< "$output"
}

@test "bad usage and failures exit 2 and change nothing" {
	run -2 "$VXDAMAGE"
	run -2 vxd
	run -2 vxd no-such-command
	assert_output --partial 'unknown command'
	run -2 vxd inode-set /a nosuchfield 1
	assert_output --partial "unknown inode field 'nosuchfield'"
	run -2 vxd inode-set /a nlink 0x100000000
	run -2 vxd inode-set /a nlink -1
	run -2 vxd inode-set /missing nlink 1
	run -2 vxd inode-set '#0' nlink 1
	run -2 vxd block-zero 1 --noseal
	run -2 vxd bitmap-set 0 both 1 1
	run -2 vxd group-set 1 flags 0
	cmp "$IMG" "$BATS_FILE_TMPDIR/fix.img"
}
