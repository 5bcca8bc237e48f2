#!/usr/bin/env bats
# 1002-mkfs-safety.bats: mkfs.vexfs refuses to destroy data by default.
#
# Existing signatures (ext4 with its label, dos and gpt partition tables,
# swap, an older VexFS) make mkfs exit 4 without -F and leave the image
# byte for byte as it was; with -F every old signature is wiped, so that
# `blkid -p` finds nothing afterwards.  Busy images exit 4 even with -F:
# an image locked by another writer (a classic POSIX lock, which
# conflicts with the OFD lock the io layer takes), an image attached to
# a loop device (allowed with -F -F) and a mounted one (never).  The
# partition tables are written by a small Python script (sfdisk is not
# a dependency); loop devices and mounts need root, which the test
# suite runs as.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	IMG=$BATS_TEST_TMPDIR/fs.img
	COPY=$BATS_TEST_TMPDIR/copy.img
	LOOPS=()
	MNT=
	LOCKER=
}

teardown() {
	local l

	[[ -z $LOCKER ]] || kill "$LOCKER" 2> /dev/null || true
	[[ -z $MNT ]] || umount "$MNT" || true
	for l in "${LOOPS[@]}"; do
		losetup -d "$l" || true
	done
}

# field IMG NAME: one "name: value" line of `vxtree super IMG`
field() {
	"$VXTREE" super "$1" | sed -n "s/^$2: //p"
}

# ext4_img PATH LABEL: a 64 MiB ext4 image
ext4_img() {
	rm -f "$1"
	truncate -s 64M "$1"
	mkfs.ext4 -q -F -L "$2" "$1" > /dev/null || fail "mkfs.ext4 failed"
}

# ptable dos|gpt PATH: write a partition table with one Linux partition
# (for gpt: protective MBR, primary header and entries, backup entries
# and header at the end, all checksums right)
ptable() {
	python3 - "$1" "$2" <<- 'EOF' || fail "cannot write a $1 table"
	import os, struct, sys, uuid, zlib
	kind, path = sys.argv[1], sys.argv[2]
	n = os.path.getsize(path) // 512
	last = n - 1
	def mbr(ptype, start, count):
	    m = bytearray(512)
	    m[440:444] = b'\x12\x34\x56\x78'
	    m[446:462] = struct.pack('<B3sB3sII', 0, b'\x00\x02\x00', ptype,
	                             b'\xfe\xff\xff', start, count)
	    m[510:512] = b'\x55\xaa'
	    return bytes(m)
	with open(path, 'r+b') as f:
	    if kind == 'dos':
	        f.write(mbr(0x83, 2048, n - 2048))
	        sys.exit(0)
	    ents = bytearray(128 * 128)
	    linux = uuid.UUID('0fc63daf-8483-4772-8e79-3d69e47de4c7').bytes_le
	    ents[0:56] = linux + uuid.uuid4().bytes_le + \
	        struct.pack('<QQQ', 2048, last - 34, 0)
	    crc, disk = zlib.crc32(ents), uuid.uuid4().bytes_le
	    def header(me, alt, elba):
	        h = bytearray(struct.pack('<8sIIIIQQQQ16sQIII', b'EFI PART',
	                      0x10000, 92, 0, 0, me, alt, 34, last - 33, disk,
	                      elba, 128, 128, crc))
	        h[16:20] = struct.pack('<I', zlib.crc32(h))
	        return bytes(h) + bytes(512 - 92)
	    f.write(mbr(0xee, 1, min(last, 0xffffffff)))
	    f.write(header(1, last, 2))
	    f.write(ents)
	    f.seek((last - 32) * 512)
	    f.write(ents)
	    f.write(header(last, 1, last - 32))
	EOF
}

# refused ARGS...: mkfs exits 4, prints nothing on stdout, and the image
# is unchanged
refused() {
	cp --sparse=always "$IMG" "$COPY"
	run -4 --separate-stderr "$MKFS" "$@"
	assert_output ''
	cmp "$IMG" "$COPY"
}

# blkid_clean PATH: blkid -p finds no signature at all
blkid_clean() {
	run -2 blkid -p "$1"
	assert_output ''
}

# loop_attach PATH: attach PATH to a free loop device, set LOOP
loop_attach() {
	LOOP=$(losetup -f --show "$1") || fail "losetup failed"
	LOOPS+=("$LOOP")
}

# ---- existing signatures

@test "an ext4 image is refused without -F, naming the type and label" {
	ext4_img "$IMG" mylabel
	refused "$IMG"
	assert_equal "$stderr" "mkfs.vexfs: $IMG contains a ext4 file system labelled 'mylabel'; use -F to overwrite it"
	refused "$IMG" 32M
}

@test "with -F the ext4 image is formatted and blkid no longer sees ext4" {
	ext4_img "$IMG" mylabel
	blkid -p "$IMG" | grep -q 'TYPE="ext4"' || fail "no ext4 to start with"
	run -0 --separate-stderr "$MKFS" -F -v "$IMG"
	assert_line "$IMG: wiped the ext4 file system signature at offset 0x438"
	blkid_clean "$IMG"
	assert_equal "$(field "$IMG" state)" clean
	assert_equal "$(field "$IMG" block_count)" 16384
}

@test "an ext4 label without a label is named without one" {
	rm -f "$IMG"
	truncate -s 64M "$IMG"
	mkfs.ext4 -q -F "$IMG" > /dev/null
	refused "$IMG"
	assert_equal "$stderr" "mkfs.vexfs: $IMG contains a ext4 file system; use -F to overwrite it"
}

@test "a dos partition table is refused, then wiped with -F" {
	truncate -s 64M "$IMG"
	ptable dos "$IMG"
	blkid -p "$IMG" | grep -q 'PTTYPE="dos"' || fail "no dos table"
	refused "$IMG"
	assert_equal "$stderr" "mkfs.vexfs: $IMG contains a dos partition table; use -F to overwrite it"
	run -0 "$MKFS" -q -F "$IMG"
	blkid_clean "$IMG"
}

@test "a gpt partition table is refused, then wiped with both headers" {
	truncate -s 64M "$IMG"
	ptable gpt "$IMG"
	blkid -p "$IMG" | grep -q 'PTTYPE="gpt"' || fail "no gpt table"
	refused "$IMG"
	assert_equal "$stderr" "mkfs.vexfs: $IMG contains a gpt partition table; use -F to overwrite it"
	run -0 --separate-stderr "$MKFS" -F -v "$IMG"
	assert_line "$IMG: wiped the gpt partition table signature at offset 0x200"
	assert_line "$IMG: wiped the gpt partition table signature at offset 0x3fffe00"
	blkid_clean "$IMG"
	# nothing of the table is left for a partitioning tool either
	run -0 python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
print(d.count(b"EFI PART"), d[510:512] == b"\x55\xaa")' "$IMG"
	assert_output '0 False'
}

@test "a filesystem and a partition table are both named and both wiped" {
	ext4_img "$IMG" both
	ptable dos "$IMG"
	refused "$IMG"
	assert_equal "$stderr" "mkfs.vexfs: $IMG contains a ext4 file system labelled 'both' and a dos partition table; use -F to overwrite them"
	run -0 "$MKFS" -q -F "$IMG"
	blkid_clean "$IMG"
}

@test "a swap area is refused" {
	truncate -s 64M "$IMG"
	mkswap -L sw "$IMG" > /dev/null 2>&1 || fail "mkswap failed"
	refused "$IMG"
	assert_equal "$stderr" "mkfs.vexfs: $IMG contains a swap area labelled 'sw'; use -F to overwrite it"
	run -0 "$MKFS" -q -F "$IMG"
	blkid_clean "$IMG"
}

@test "an existing VexFS is refused; -F replaces it and its backups" {
	run -0 "$MKFS" -q -L old -g 4096 -U 11111111-2222-3333-4444-555555555555 "$IMG" 64M
	refused "$IMG"
	assert_equal "$stderr" "mkfs.vexfs: $IMG contains a vexfs file system labelled 'old'; use -F to overwrite it"
	# the new one has a different geometry: the old backups at 4096 and
	# 12288 must not survive
	run -0 --separate-stderr "$MKFS" -F -v -L new "$IMG"
	assert_line "$IMG: wiped the vexfs superblock at offset 0x1000000"
	assert_line "$IMG: wiped the vexfs superblock at offset 0x3000000"
	assert_equal "$(field "$IMG" label)" new
	assert_equal "$(field "$IMG" group_count)" 1
	# where the old backups were, no superblock magic is left
	for off in $((4096 * 4096)) $((12288 * 4096)); do
		run -0 od -An -tx1 -j "$off" -N6 "$IMG"
		assert_output ' 00 00 00 00 00 00'
	done
}

@test "-n on an image with signatures reports them, exits 0, writes nothing" {
	ext4_img "$IMG" mylabel
	cp --sparse=always "$IMG" "$COPY"
	run -0 --separate-stderr "$MKFS" -n "$IMG"
	assert_equal "$stderr" ''
	assert_line "Existing:           a ext4 file system labelled 'mylabel' (would be wiped)"
	cmp "$IMG" "$COPY"
	run -0 --separate-stderr "$MKFS" -n --json "$IMG"
	run -0 python3 -c 'import json, sys
e = json.loads(sys.argv[1])["existing"]
print(e[0]["type"], e[0]["kind"], e[0]["label"], e[0]["offset"])' "$output"
	assert_output 'ext4 file system mylabel 1080'
}

@test "an all-zero image needs no -F" {
	truncate -s 64M "$IMG"
	run -0 --separate-stderr "$MKFS" -q "$IMG"
	assert_equal "$stderr" ''
}

# ---- busy images

@test "an image locked by another writer exits 4, even with -F" {
	local ready=$BATS_TEST_TMPDIR/locked i

	truncate -s 64M "$IMG"
	python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "r+b")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(300)' "$IMG" "$ready" 3>&- &
	LOCKER=$!
	for ((i = 0; i < 600; i++)); do
		[[ -e $ready ]] && break
		sleep 0.05
	done
	[[ -e $ready ]] || fail "the locking process did not start"
	refused -F "$IMG"
	assert_equal "$stderr" "mkfs.vexfs: $IMG is in use by another VexFS tool"
	kill "$LOCKER"
	wait "$LOCKER" || true
	LOCKER=
	run -0 "$MKFS" -q -F "$IMG"
}

@test "an image attached to a loop device: refused with -F, accepted with -F -F" {
	run -0 "$MKFS" -q "$IMG" 64M
	loop_attach "$IMG"
	refused -F "$IMG"
	assert_equal "$stderr" "mkfs.vexfs: $IMG is attached to $LOOP; detach it (losetup -d $LOOP) or use -F twice"
	run -0 --separate-stderr "$MKFS" -q -F -F -L again "$IMG"
	assert_equal "$stderr" ''
	assert_equal "$(field "$IMG" label)" again
}

@test "a mounted loop device and its backing file are refused, even with -F -F" {
	ext4_img "$IMG" mounted
	loop_attach "$IMG"
	MNT=$BATS_TEST_TMPDIR/mnt
	mkdir "$MNT"
	mount "$LOOP" "$MNT" || { MNT=; fail "mount failed"; }
	refused -F -F "$IMG"
	assert_equal "$stderr" "mkfs.vexfs: $IMG is attached to $LOOP, which is mounted on $MNT; it will not be formatted"
	run -4 --separate-stderr "$MKFS" -F -F "$LOOP"
	assert_output ''
	assert_equal "$stderr" "mkfs.vexfs: $LOOP is mounted on $MNT; it will not be formatted"
	run -0 --separate-stderr "$MKFS" -n "$LOOP"
	assert_line "In use:             mounted on $MNT"
	assert_line "Existing:           a ext4 file system labelled 'mounted' (would be wiped)"
}

@test "a block device is formatted in place; SIZE may not exceed it" {
	truncate -s 64M "$IMG"
	loop_attach "$IMG"
	run -1 --separate-stderr "$MKFS" "$LOOP" 128M
	assert_output ''
	assert_equal "$stderr" "mkfs.vexfs: $LOOP: SIZE '128M' ($((128 << 20)) bytes) is larger than the device ($((64 << 20)) bytes)"
	run -0 --separate-stderr "$MKFS" -L blk "$LOOP" 32M
	assert_equal "$stderr" ''
	assert_line 'Blocks:             8192 (32.0 MiB)'
	assert_equal "$(field "$LOOP" label)" blk
	assert_equal "$(field "$LOOP" block_count)" 8192
	run -0 "$MKFS" -q -F "$LOOP"
	assert_equal "$(field "$LOOP" block_count)" 16384
	refused "$LOOP"
	assert_equal "$stderr" "mkfs.vexfs: $LOOP contains a vexfs file system; use -F to overwrite it"
}
