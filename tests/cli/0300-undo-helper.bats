#!/usr/bin/env bats
# 0300-undo-helper.bats: undo files on image files, through
# tests/helpers/vxundo (write through the undo layer, info, apply) until
# vexfs-replay applies them.
#
# setup_file formats one 8 MiB image (4 KiB blocks).  Every test works
# on its own copy, keeps a copy of the bytes before the session
# (orig.img), and compares whole images with cmp after each apply: a
# restored image equals the original byte for byte, a refused apply
# leaves the image as it was.

bats_require_minimum_version 1.5.0
load test_helper

VXUNDO=$TOPDIR/tests/helpers/vxundo
BS=4096
R=$((32 + BS))		# one record of the undo file
H=128			# its header

setup_file() {
	need_built "$VXUNDO" || return 1
	"$MKFS" -q -b $BS "$(mkimg fix.img 8M)" || return 1
}

setup() {
	IMG=$BATS_TEST_TMPDIR/fs.img
	ORIG=$BATS_TEST_TMPDIR/orig.img
	UNDO=$BATS_TEST_TMPDIR/fs.undo
	cp "$BATS_FILE_TMPDIR/fix.img" "$IMG"
	cp "$IMG" "$ORIG"
}

# info KEY: one value of `vxundo info $UNDO`
info() {
	"$VXUNDO" info "$UNDO" | sed -n "s/^$1=//p"
}

# bytes OFFSET N [FILE]: N bytes of FILE (default $IMG) in hex
bytes() {
	od -An -v -t x1 -j "$1" -N "$2" "${3:-$IMG}" | tr -d ' \n'
}

@test "write saves the original; apply restores the image byte for byte" {
	run -0 --separate-stderr "$VXUNDO" write "$IMG" "$UNDO" 8192 deadbeef
	[[ $(bytes 8192 4) == deadbeef ]]
	run -1 cmp -s "$IMG" "$ORIG"
	run -0 --separate-stderr "$VXUNDO" info "$UNDO"
	assert_line version=1
	assert_line block_size=$BS
	assert_line device_size=8388608
	assert_line device_size_after=8388608
	assert_line blocks=1
	assert_line complete=1
	assert_line valid_bytes=$((H + R + 48 + 4))
	assert_line torn_bytes=0
	assert_line "fs_uuid=$("$VXTREE" super "$IMG" | sed -n 's/^uuid: //p')"
	run -0 --separate-stderr "$VXUNDO" apply "$IMG" "$UNDO"
	assert_output "state=after written=1 blocks=1"
	[[ -z $stderr ]]
	cmp "$IMG" "$ORIG"
	run -0 "$VXTREE" super "$IMG"
}

@test "a block written twice is saved once, as it was first" {
	run -0 "$VXUNDO" write "$IMG" "$UNDO" 8192 aa 8193 bb 8192 cc 9000 dd
	[[ $(info blocks) == 1 ]]
	[[ $(bytes $((H + 32)) $BS "$UNDO") == $(bytes 8192 $BS "$ORIG") ]]
	run -0 "$VXUNDO" apply "$IMG" "$UNDO"
	cmp "$IMG" "$ORIG"
}

@test "applying twice: the second apply writes nothing" {
	run -0 "$VXUNDO" write "$IMG" "$UNDO" 0x3000 0102 0x5000 03
	run -0 "$VXUNDO" apply "$IMG" "$UNDO"
	assert_output "state=after written=2 blocks=2"
	run -0 "$VXUNDO" apply "$IMG" "$UNDO"
	assert_output "state=before written=0 blocks=2"
	cmp "$IMG" "$ORIG"
}

@test "--dry-run checks and writes nothing" {
	run -0 "$VXUNDO" write "$IMG" "$UNDO" 8192 deadbeef
	cp "$IMG" "$BATS_TEST_TMPDIR/after.img"
	run -0 --separate-stderr "$VXUNDO" apply --dry-run "$IMG" "$UNDO"
	assert_output "state=after written=0 blocks=1"
	cmp "$IMG" "$BATS_TEST_TMPDIR/after.img"
}

@test "a device changed since the session is refused; --force applies" {
	run -0 "$VXUNDO" write "$IMG" "$UNDO" 8192 deadbeef
	printf 'X' | dd of="$IMG" bs=1 seek=9000 conv=notrunc status=none
	cp "$IMG" "$BATS_TEST_TMPDIR/changed.img"
	run -1 --separate-stderr "$VXUNDO" apply "$IMG" "$UNDO"
	[[ -z $output ]]
	[[ $stderr == *"state=other"* ]]
	[[ $stderr == *"does not hold the state"*VX_EUNDO_MISMATCH* ]]
	cmp "$IMG" "$BATS_TEST_TMPDIR/changed.img"
	run -0 "$VXUNDO" apply --force "$IMG" "$UNDO"
	assert_output "state=other written=1 blocks=1"
	cmp "$IMG" "$ORIG"
}

@test "another image is refused" {
	run -0 "$VXUNDO" write "$IMG" "$UNDO" 0 56
	"$MKFS" -q -F -b $BS "$IMG"
	cp "$IMG" "$BATS_TEST_TMPDIR/other.img"
	run -1 --separate-stderr "$VXUNDO" apply "$IMG" "$UNDO"
	[[ $stderr == *VX_EUNDO_MISMATCH* ]]
	cmp "$IMG" "$BATS_TEST_TMPDIR/other.img"
}

@test "an existing undo file is refused; --overwrite replaces it" {
	run -0 "$VXUNDO" write "$IMG" "$UNDO" 8192 01
	cp "$UNDO" "$BATS_TEST_TMPDIR/first.undo"
	cp "$IMG" "$BATS_TEST_TMPDIR/after.img"
	run -1 --separate-stderr "$VXUNDO" write "$IMG" "$UNDO" 8192 02
	[[ $stderr == *"File exists (EEXIST)"* ]]
	cmp "$UNDO" "$BATS_TEST_TMPDIR/first.undo"
	cmp "$IMG" "$BATS_TEST_TMPDIR/after.img"
	run -0 "$VXUNDO" write --overwrite "$IMG" "$UNDO" 8192 02
	run -0 "$VXUNDO" apply "$IMG" "$UNDO"
	cmp "$IMG" "$BATS_TEST_TMPDIR/after.img"
	# the image itself as its undo file
	run -1 --separate-stderr "$VXUNDO" write --overwrite "$IMG" "$IMG" 0 00
	[[ $stderr == *EINVAL* ]]
	cmp "$IMG" "$BATS_TEST_TMPDIR/after.img"
}

@test "a session that never closed: refused unless forced, then exact" {
	run -0 "$VXUNDO" write --abort "$IMG" "$UNDO" 8192 deadbeef 40000 77
	[[ $(info complete) == 0 ]]
	[[ $(info blocks) == 2 ]]
	[[ $(info device_size_after) == 0 ]]
	cp "$IMG" "$BATS_TEST_TMPDIR/crashed.img"
	run -1 --separate-stderr "$VXUNDO" apply "$IMG" "$UNDO"
	[[ $stderr == *incomplete*VX_EUNDO_INCOMPLETE* ]]
	cmp "$IMG" "$BATS_TEST_TMPDIR/crashed.img"
	run -0 "$VXUNDO" apply --force "$IMG" "$UNDO"
	assert_output "state=unknown written=2 blocks=2"
	cmp "$IMG" "$ORIG"
	run -0 "$VXUNDO" apply --force "$IMG" "$UNDO"
	assert_output "state=before written=0 blocks=2"
}

@test "a torn undo file: the records before the tear count" {
	run -0 "$VXUNDO" write --abort "$IMG" "$UNDO" \
		$((10 * BS)) 11 $((20 * BS)) 22 $((30 * BS)) 33
	cp "$IMG" "$BATS_TEST_TMPDIR/crashed.img"
	truncate -s $((H + 2 * R + 100)) "$UNDO"
	[[ $(info blocks) == 2 ]]
	[[ $(info torn_bytes) == 100 ]]
	run -0 "$VXUNDO" apply --force "$IMG" "$UNDO"
	assert_output "state=unknown written=2 blocks=2"
	cmp -n $((30 * BS)) "$IMG" "$ORIG"
	[[ $(bytes $((30 * BS)) 1) == 33 ]]
	cmp -i $((30 * BS + 1)) "$IMG" "$ORIG"
	# cut at each record boundary and inside the header
	for cut in $H $((H + R)) $((H + 3 * R)) $((H + 3 * R - 1)); do
		cp "$BATS_TEST_TMPDIR/crashed.img" "$IMG"
		run -0 "$VXUNDO" write --overwrite --abort "$IMG" \
			"$UNDO" $((10 * BS)) 11 $((20 * BS)) 22 $((30 * BS)) 33
		truncate -s $cut "$UNDO"
		[[ $(info blocks) == $(((cut - H) / R)) ]]
	done
	truncate -s 100 "$UNDO"
	run -1 --separate-stderr "$VXUNDO" info "$UNDO"
	[[ $stderr == *VX_EUNDO_CORRUPT* ]]
}

@test "a write past the end: the apply truncates the image back" {
	run -0 "$VXUNDO" write "$IMG" "$UNDO" 8388608 0102030405 100 ff
	[[ $(stat -c %s "$IMG") == 8388613 ]]
	[[ $(info device_size_after) == 8388613 ]]
	[[ $(info blocks) == 1 ]]
	run -0 "$VXUNDO" apply "$IMG" "$UNDO"
	cmp "$IMG" "$ORIG"
}

@test "not an undo file: refused, nothing written" {
	head -c 20000 /dev/urandom > "$UNDO"
	run -1 --separate-stderr "$VXUNDO" info "$UNDO"
	[[ $stderr == *"not an undo file"*VX_EUNDO_CORRUPT* ]]
	run -1 --separate-stderr "$VXUNDO" apply --force "$IMG" "$UNDO"
	[[ $stderr == *VX_EUNDO_CORRUPT* ]]
	: > "$UNDO"
	run -1 "$VXUNDO" apply "$IMG" "$UNDO"
	run -1 --separate-stderr "$VXUNDO" apply "$IMG" "$ORIG"
	[[ $stderr == *VX_EUNDO_CORRUPT* ]]
	run -1 --separate-stderr "$VXUNDO" info "$BATS_TEST_TMPDIR/none"
	[[ $stderr == *ENOENT* ]]
	cmp "$IMG" "$ORIG"
}

@test "usage errors exit 2 and write nothing" {
	run -2 --separate-stderr "$VXUNDO"
	[[ $stderr == *usage:* ]]
	run -2 "$VXUNDO" frobnicate
	run -2 "$VXUNDO" info
	run -2 "$VXUNDO" apply "$IMG"
	run -2 "$VXUNDO" apply --bogus "$IMG" "$UNDO"
	run -2 "$VXUNDO" write "$IMG" "$UNDO" 0
	run -2 "$VXUNDO" write "$IMG" "$UNDO" 0 xyz
	run -2 "$VXUNDO" write "$IMG" "$UNDO" 0 abc
	run -2 "$VXUNDO" write "$IMG" "$UNDO" -1 ab
	run -2 "$VXUNDO" write --bsize x "$IMG" "$UNDO" 0 ab
	[[ ! -e $UNDO ]]
	run -1 --separate-stderr "$VXUNDO" write --bsize 3000 "$IMG" "$UNDO" 0 ab
	[[ $stderr == *EINVAL* ]]
	[[ ! -e $UNDO ]]
	cmp "$IMG" "$ORIG"
	run -0 "$VXUNDO" --help
	[[ $output == *usage:* ]]
}
