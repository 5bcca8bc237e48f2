#!/usr/bin/env bats
# 3060-debugfs-low.bats: the low-level commands: block_dump, set_super_value,
# set_inode_field, zap_block and check.
#
# setup_file formats base.img: 64 MiB, 4 KiB blocks, 2048-block groups
# (8 groups, backup superblocks at 2048 and 14336), a fixed UUID, from a
# host tree holding /a ("abc"), /dir/file and /link.  Each test works on a
# copy (fs.img) and keeps orig.img to prove with cmp what was not written.
# What a command wrote is read back another way than it was written: od
# on the image at format.h's byte offset, vxtree (the library's view),
# fsck.vexfs -fn (a reseal must leave a clean image; -n must leave the
# crc mismatch it reports, exit 4) and cat through debugfs.vexfs.

bats_require_minimum_version 1.5.0
load test_helper

DBG=$TOPDIR/debugfs/debugfs.vexfs
FSCK=$TOPDIR/fsck/fsck.vexfs
VXDAMAGE=$TOPDIR/tests/helpers/vxdamage
UUID=30600000-1111-4222-8333-444455556666
BS=4096

setup_file() {
	local tree=$BATS_FILE_TMPDIR/tree

	need_built "$DBG" "$FSCK" "$VXDAMAGE" || return 1
	mkdir -p "$tree/dir" || return 1
	printf 'abc' > "$tree/a"
	printf 'hello\n' > "$tree/dir/file"
	ln -s dir/file "$tree/link"
	"$MKFS" -q -F -g 2048 -U $UUID -d "$tree" "$(mkimg base.img 64M)" || {
		echo "setup_file: mkfs.vexfs failed" >&2
		return 1
	}
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	IMG=fs.img
	cp "$BATS_FILE_TMPDIR/base.img" "$IMG"
	cp "$IMG" orig.img
	INO_A=$("$VXDAMAGE" "$IMG" ino /a)
	BLK_A=$("$VXDAMAGE" "$IMG" blocks /a | awk '$1 == "data" { print $3 }')
}

# od_at OFFSET COUNT [TYPE]: bytes of the image, one value per line
od_at() {
	od -A n -v -t "${3:-x1}" -j "$1" -N "$2" "$IMG" | tr -s ' ' '\n' |
		sed '/^$/d'
}

# sb_le OFFSET WIDTH: a little-endian field of the primary superblock
sb_le() {
	od -A n -t "u$2" -j "$1" -N "$2" "$IMG" | tr -d ' '
}

# changed_blocks: the blocks where fs.img and orig.img differ, one line
changed_blocks() {
	cmp -l "$IMG" orig.img | awk -v bs=$BS '{ print int(($1 - 1) / bs) }' |
		sort -un | tr '\n' ' '
}

# ---- block_dump ----

@test "block_dump 0: the magic bytes, repeated lines as '*', the end offset" {
	run -0 --separate-stderr "$DBG" -R 'block_dump 0' "$IMG"
	assert_line --index 0 "block 0 (4096 bytes at byte 0)"
	assert_line --index 1 --regexp '^00000000  56 fe 58 42 01 00 00 00  .. .. .. .. 00 00 00 00  \|V\.XB'
	assert_line '*'
	assert_line --index $((${#lines[@]} - 1)) "00001000"
	[[ -z $stderr ]]
	# the label's bytes at 192 (0xc0): zero in this image
	assert_line --regexp '^000000c0  00 00 00 00'
}

@test "block_dump shows a data block's bytes as they are in the image" {
	run -0 "$DBG" -R "bd $BLK_A" "$IMG"
	assert_line --index 0 "block $BLK_A (4096 bytes at byte $((BLK_A * BS)))"
	assert_line --index 1 "00000000  61 62 63 00 00 00 00 00  00 00 00 00 00 00 00 00  |abc.............|"
	[[ $(od_at $((BLK_A * BS)) 3 | tr '\n' ' ') == "61 62 63 " ]]
}

@test "block_dump -x decodes the superblock's and a group header's metadata header" {
	run -0 "$DBG" -R 'block_dump -x 0' "$IMG"
	assert_line "  type   1 (super)"
	assert_line --regexp '^  crc    0x([0-9a-f]{8}) stored, 0x\1 computed \(ok\)$'
	assert_line "  blkno  0"
	assert_line "  uuid   $UUID"
	assert_line "  check  valid"
	run -0 "$DBG" -R 'block_dump -x 2049' "$IMG"
	assert_line "  type   2 (group)"
	assert_line "  blkno  2049"
	assert_line "  check  valid"
	run -0 "$DBG" -R "block_dump -x $BLK_A" "$IMG"
	assert_line "block $BLK_A is not a metadata block: no metadata magic (inode tables, file data and the journal's log blocks have none)"
}

@test "block_dump: a block beyond the end, a bad number, no argument" {
	run -1 --separate-stderr "$DBG" -R 'block_dump 16384' "$IMG"
	[[ $stderr == *"block_dump: block 16384 is beyond the end of fs.img (16384 blocks of 4096 bytes)"* ]]
	assert_output ""
	run -1 --separate-stderr "$DBG" -R 'block_dump 12x' "$IMG"
	[[ $stderr == *"block_dump: 12x: not a block number"* ]]
	run -1 --separate-stderr "$DBG" -R 'block_dump' "$IMG"
	[[ $stderr == *"usage: block_dump [-x] BLOCK"* ]]
}

# ---- set_super_value ----

@test "set_super_value label and mount_count: written, resealed, read back" {
	run -0 --separate-stderr "$DBG" -w -R 'ssv label hello' \
		-R 'set_super_value mount_count 7' "$IMG"
	assert_line "superblock: label '' -> 'hello'"
	assert_line --regexp "^superblock: mount_count [0-9]+ -> 7$"
	# read back: the bytes at format.h's offsets, the library, fsck
	[[ $(sb_le 184 4) == 7 ]]
	[[ $(od -A n -c -j 192 -N 6 "$IMG" | tr -d ' ') == 'hello\0' ]]
	run -0 "$VXTREE" super "$IMG"
	assert_line "label: hello"
	assert_line "mount_count: 7"
	run -0 "$FSCK" -fn "$IMG"
	# and -l, which only reads, without -w
	run -0 "$DBG" -R 'ssv -l' "$IMG"
	assert_line --regexp "^label +'hello'$"
	assert_line --regexp "^mount_count +7$"
}

@test "set_super_value -l lists every field with its value" {
	run -0 --separate-stderr "$DBG" -R 'set_super_value -l' "$IMG"
	for f in magic type hflags crc blkno seq uuid version block_log \
		 block_count group_blocks group_count inodes_per_group \
		 inode_size state feature_compat feature_incompat \
		 feature_ro_compat bbitmap_blocks ibitmap_blocks itable_blocks \
		 free_blocks free_inodes root_ino lost_found_ino journal_start \
		 journal_blocks hash_seed mkfs_time write_time last_seq \
		 mount_count error_count label creator; do
		assert_line --regexp "^$f +[^ ]"
	done
	[[ ${#lines[@]} -eq 35 ]]
	assert_line --regexp '^magic +0x4258fe56$'
	assert_line --regexp '^block_count +16384$'
	assert_line --regexp '^group_count +8$'
	assert_line --regexp "^uuid +$UUID\$"
	assert_line --regexp "^creator +'vexfs-progs [0-9.]+'$"
	[[ -z $stderr ]]
	cmp "$IMG" orig.img
}

@test "set_super_value: hex, uuid with or without dashes" {
	run -0 "$DBG" -w -R 'ssv error_count 0x10' -R 'ssv state 0x3' "$IMG"
	[[ $(sb_le 188 4) == 16 && $(sb_le 78 2) == 3 ]]
	run -0 "$DBG" -w -R 'ssv uuid 00112233445566778899aabbccddeeff' "$IMG"
	[[ $(od_at 32 16 | tr -d '\n') == 00112233445566778899aabbccddeeff ]]
	run -0 --separate-stderr "$DBG" -c -w \
		-R "ssv uuid $UUID" -R 'ssv -l' "$IMG"
	assert_line --regexp "^uuid +$UUID\$"
	run -0 "$FSCK" -fn "$IMG"
}

@test "set_super_value -n keeps the old crc: fsck -fn reports it (exit 4)" {
	run -0 --separate-stderr "$DBG" -w -R 'ssv -n error_count 3' \
		-R 'block_dump -x 0' "$IMG"
	assert_line "superblock: error_count 0 -> 3 (crc left as it was)"
	assert_line --regexp '^  crc    0x[0-9a-f]{8} stored, 0x[0-9a-f]{8} computed \(MISMATCH\)$'
	assert_line "  check  metadata checksum mismatch"
	[[ $stderr == *"fs.img no longer opens as a filesystem (metadata checksum mismatch)"* ]]
	[[ $(sb_le 188 4) == 3 ]]
	run -4 "$FSCK" -fn "$IMG"
	assert_output --partial "primary superblock is damaged (metadata checksum mismatch)"
	# set again without -n: resealed, clean
	run -0 "$DBG" -c -w -R 'ssv error_count 0' "$IMG"
	run -0 "$FSCK" -fn "$IMG"
}

@test "set_super_value: unknown field, bad values, out of range" {
	local args msg

	while IFS='|' read -r args msg; do
		run -1 --separate-stderr "$DBG" -w -R "ssv $args" "$IMG"
		[[ $stderr == *"set_super_value: $msg"* ]] ||
			fail "ssv $args: $stderr"
	done <<-'EOF'
		nope 1|nope: no such superblock field (set_super_value -l lists them)
		mount_count abc|mount_count: 'abc' is not a number from 0 to 4294967295
		mount_count 4294967296|mount_count: '4294967296' is not a number from 0 to 4294967295
		inode_size 65536|inode_size: '65536' is not a number from 0 to 65535
		mount_count -1|mount_count: '-1' is not a number from 0 to 4294967295
		label 12345678901234567890123456789012345678901234567890123456789012345|label: '12345678901234567890123456789012345678901234567890123456789012345' is longer than 64 bytes
		uuid 1234|uuid: '1234' is not a UUID (32 hex digits, dashes allowed)
		crc 5|crc: the crc is computed when the change is sealed; set it with -n
		label|usage: set_super_value [-l] [-n] FIELD VALUE
	EOF
	cmp "$IMG" orig.img
}

# ---- set_inode_field ----

@test "set_inode_field mode, uid, size: resealed, read back through the library" {
	run -0 --separate-stderr "$DBG" -w -R 'sif /a mode 0100600' \
		-R 'set_inode_field /a uid 42' -R "sif <$INO_A> size 2" "$IMG"
	assert_line "inode $INO_A: mode 0100644 -> 0100600"
	assert_line "inode $INO_A: uid 0 -> 42"
	assert_line "inode $INO_A: size 3 -> 2"
	run -0 "$VXTREE" stat "$IMG" /a
	assert_line "mode: 0600"
	assert_line "uid: 42"
	assert_line "size: 2"
	run -0 "$DBG" -R 'cat /a' "$IMG"
	assert_output "ab"
	run -0 "$FSCK" -fn "$IMG"
	run -0 "$DBG" -w -R 'sif /a mtime_sec -5' -R 'sif /a mtime_nsec 7' "$IMG"
	run -0 "$VXTREE" stat "$IMG" /a
	assert_line "mtime: -5.000000007"
}

@test "set_inode_field -l lists the slot, with its inline extents" {
	run -0 --separate-stderr "$DBG" -R 'sif -l /a' "$IMG"
	assert_line --regexp '^magic +0x4956$'
	assert_line --regexp '^mode +0100644$'
	assert_line --regexp "^ino +$INO_A\$"
	assert_line --regexp '^size +3$'
	assert_line --regexp '^nentries +1$'
	assert_line --regexp "^extent\\[0\\]\\.pblk +$BLK_A\$"
	assert_line --regexp '^extent\[0\]\.len +1$'
	assert_line --regexp '^area +[0-9a-f]{256}$'
	cmp "$IMG" orig.img
	# extent fields can be set too
	run -0 "$DBG" -w -R 'sif /a extent[0].len 1' "$IMG"
	assert_output "inode $INO_A: extent[0].len 1 -> 1"
}

@test "set_inode_field -n leaves a bad crc; check and fsck see it; <INO> reseals with -c" {
	local slot

	slot=$("$VXDAMAGE" "$IMG" slot /a | awk '{ print $1 * 4096 + $2 }')
	run -0 "$DBG" -w -R 'sif -n /a uid 7' "$IMG"
	assert_output "inode $INO_A: uid 0 -> 7 (crc left as it was)"
	[[ $(od -A n -t u4 -j $((slot + 24)) -N 4 "$IMG" | tr -d ' ') == 7 ]]
	# the crc (byte 4 of the slot) is the one of uid 0
	[[ $(od -A n -t x4 -j $((slot + 4)) -N 4 "$IMG") == \
	   $(od -A n -t x4 -j $((slot + 4)) -N 4 orig.img) ]]
	run -1 --separate-stderr "$DBG" -R check "$IMG"
	assert_line "pass 3: inode $INO_A: checksum does not match its contents (INODE_BAD_CRC)"
	run -4 "$FSCK" -fn "$IMG"
	run -0 "$DBG" -c -w -R "sif <$INO_A> uid 0" "$IMG"
	assert_output "inode $INO_A: uid 7 -> 0"
	run -0 "$FSCK" -fn "$IMG"
	# the slot is as it was, crc and all; only the superblock changed
	[[ $(changed_blocks) == "0 " ]]
}

@test "set_inode_field: errors name the field, the value or the inode" {
	local args msg

	while IFS='|' read -r args msg; do
		run -1 --separate-stderr "$DBG" -w -R "sif $args" "$IMG"
		[[ $stderr == *"set_inode_field: $msg"* ]] ||
			fail "sif $args: $stderr"
	done <<-'EOF'
		/a nope 1|nope: no such inode field (set_inode_field -l lists them)
		/nope uid 1|/nope: No such file or directory
		<0> uid 1|<0>: not an inode number (1 to 4096)
		<4097> uid 1|<4097>: not an inode number (1 to 4096)
		/a extent[5].lblk 1|extent[5].lblk: no such inode field
		/a uid 4294967296|uid: '4294967296' is not a number from 0 to 4294967295
		/a area 0g|area: '0g' is not up to 128 bytes of hex digits (two per byte)
		/a crc 1|crc: the crc is computed when the change is sealed; set it with -n
		/a uid|usage: set_inode_field [-l] [-n] PATH|<INO> FIELD VALUE
	EOF
	cmp "$IMG" orig.img
}

# ---- zap_block ----

@test "zap_block fills a range with a pattern; read back with od and cat" {
	run -0 "$DBG" -w -R "zap_block -o 1 -l 2 -p 0x7a $BLK_A" "$IMG"
	assert_output "block $BLK_A: bytes 1 to 2 set to 0x7a"
	[[ $(od_at $((BLK_A * BS)) 4 | tr '\n' ' ') == "61 7a 7a 00 " ]]
	run -0 "$DBG" -R 'cat /a' "$IMG"
	assert_output "azz"
	# the rest of the block by default
	run -0 "$DBG" -w -R "zap -o 4000 -p 255 $BLK_A" "$IMG"
	assert_output "block $BLK_A: bytes 4000 to 4095 set to 0xff"
	[[ $(od_at $((BLK_A * BS + 4000)) 96 | sort -u) == ff ]]
	[[ $(od_at $((BLK_A * BS + 3999)) 1) == 00 ]]
	# nothing else but the superblock (a read-write session's mount
	# count and times) changed
	[[ $(changed_blocks) == "0 $BLK_A " ]]
}

@test "zap_block -f flips one bit of the range" {
	run -0 "$DBG" -w -R "zap_block -o 2 -f 9 $BLK_A" "$IMG"
	# bit 9 from byte 2: byte 3, bit 1
	assert_output "block $BLK_A: byte 3 bit 1 flipped: 0x00 -> 0x02"
	[[ $(od_at $((BLK_A * BS)) 4 | tr '\n' ' ') == "61 62 63 02 " ]]
	run -0 "$DBG" -w -R "zap -f 1 $BLK_A" "$IMG"
	run -0 "$DBG" -R 'cat /a' "$IMG"
	assert_output "cbc"
}

@test "zap_block: ranges outside the block and bad options" {
	local args msg

	while IFS='|' read -r args msg; do
		run -1 --separate-stderr "$DBG" -w -R "zap_block $args" "$IMG"
		[[ $stderr == *"zap_block: $msg"* ]] ||
			fail "zap_block $args: $stderr"
	done <<-'EOF'
		-o 4096 1|offset 4096 is outside the block (4096 bytes)
		-o 4000 -l 97 1|length 97 at offset 4000 does not fit in the block (4096 bytes)
		-l 0 1|length 0 at offset 0 does not fit in the block (4096 bytes)
		-f 800 -l 100 1|bit 800 is outside the 100 bytes at offset 0
		-p 256 1|-p 256: not a byte value (0-255)
		-o x 1|-o x: not an offset in bytes
		16384|block 16384 is beyond the end of fs.img (16384 blocks of 4096 bytes)
		-p 1 -f 1 1|usage: zap_block [-o OFFSET] [-l LENGTH] [-p PATTERN | -f BIT] BLOCK
	EOF
	cmp "$IMG" orig.img
}

# ---- check ----

@test "check: a clean image, text and --json" {
	run -0 --separate-stderr "$DBG" -R check "$IMG"
	assert_output "check: no problems found"
	[[ -z $stderr ]]
	run -0 "$DBG" -R 'check --json' "$IMG"
	[[ $(python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["findings"], j["count"])' <<< "$output") == '[] 0' ]]
	# in a read-write session, after committed edits
	run -0 "$DBG" -w -R 'mkdir /new' -R check "$IMG"
	assert_line "check: no problems found"
}

@test "check: a damaged image fails, naming each finding's code" {
	"$VXDAMAGE" "$IMG" group-set 1 free_blocks 5 2> /dev/null
	cp "$IMG" orig.img
	run -1 --separate-stderr "$DBG" -R check "$IMG"
	assert_line --regexp '^pass 4: group 1: free blocks count is 5, counted [0-9]+ \(GROUP_FREE_BLOCKS\)$'
	assert_line "check: 1 problem found"
	[[ $stderr == *"check: fs.img: 1 problem found (fsck.vexfs repairs them)"* ]]
	run -1 --separate-stderr "$DBG" -R 'check --json' "$IMG"
	[[ $(python3 -c 'import json, sys; j = json.load(sys.stdin); f = j["findings"][0]; print(j["count"], f["code"], f["pass"], f["object"])' \
		<<< "$output") == "1 GROUP_FREE_BLOCKS 4 group 1" ]]
	# read-only: nothing was repaired
	cmp "$IMG" orig.img
	run -1 "$DBG" -R 'check -x' "$IMG"
}

# ---- what the writing commands need ----

@test "the writing commands need -w and no open transaction" {
	for c in 'ssv label x' "sif /a uid 1" "zap_block $BLK_A"; do
		run -1 --separate-stderr "$DBG" -R "$c" "$IMG"
		[[ $stderr == *"fs.img is open read-only; open it with -w to change it"* ]] ||
			fail "$c: $stderr"
		run -1 --separate-stderr "$DBG" -w -R begin -R "$c" "$IMG"
		[[ $stderr == *"not inside a transaction (1 open: commit or abort first)"* ]] ||
			fail "$c in a transaction: $stderr"
	done
	run -1 --separate-stderr "$DBG" -w -R begin -R check "$IMG"
	[[ $stderr == *"check: not inside a transaction"* ]]
	cmp "$IMG" orig.img
}

@test "after set_super_value the filesystem stays open read-only" {
	run -1 --separate-stderr "$DBG" -w -R 'ssv label kept' -R 'mkdir /x' \
		"$IMG"
	assert_line "the filesystem is open read-only from now on, so that the superblock stays as written (open -w fs.img to edit files again)"
	[[ $stderr == *"mkdir: fs.img is open read-only; open it with -w"* ]]
	run -0 "$DBG" -w -R 'ssv label kept' -R 'open -w fs.img' \
		-R 'mkdir /x' "$IMG"
	run -0 "$VXTREE" super "$IMG"
	assert_line "label: kept"
	run -0 "$DBG" -R 'ls /x' "$IMG"
}
