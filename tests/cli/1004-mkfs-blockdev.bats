#!/usr/bin/env bats
# 1004-mkfs-blockdev.bats: mkfs.vexfs on real block devices (loop devices
# attached by the test): the logical sector size is respected, SIZE may not
# exceed the device, and the result reads back through the library.
# Needs root and loop devices, as CI has.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	LOOPS=()
}

teardown() {
	local l
	for l in "${LOOPS[@]}"; do
		losetup -d "$l" || true
	done
}

# attach IMG with SECTOR-byte logical sectors; sets LOOP
attach() {
	LOOP=$(losetup -f --show --sector-size "$2" "$1") ||
		fail "losetup --sector-size $2 $1 failed"
	LOOPS+=("$LOOP")
	[[ $(blockdev --getss "$LOOP") == "$2" ]] ||
		fail "$LOOP has sector size $(blockdev --getss "$LOOP"), not $2"
}

@test "a block size below the device's 4096-byte sectors is refused (exit 2)" {
	attach "$(mkimg s4k.img 64M)" 4096
	run -2 --separate-stderr "$MKFS" -q -F -b 1024 "$LOOP"
	assert_equal "$output" ""
	assert_equal "$stderr" "mkfs.vexfs: $LOOP: block size 1024 is smaller than the device's logical sector size 4096; use -b 4096 or larger"
	# nothing was written: the device is still all zeroes
	run -0 cmp -n 8388608 "$LOOP" /dev/zero
}

@test "the default block size fits a 4096-byte-sector device and reads back" {
	attach "$(mkimg s4k.img 64M)" 4096
	run -0 --separate-stderr "$MKFS" -q -F -L sect "$LOOP"
	assert_equal "$stderr" ""
	run -0 "$VXTREE" super "$LOOP"
	assert_line "block_size: 4096"
	assert_line "block_count: 16384"
	assert_line "label: sect"
	assert_line "state: clean"
}

@test "1024-byte blocks are fine on 512-byte sectors" {
	attach "$(mkimg s512.img 64M)" 512
	run -0 --separate-stderr "$MKFS" -q -F -b 1024 "$LOOP"
	run -0 "$VXTREE" super "$LOOP"
	assert_line "block_size: 1024"
	assert_line "block_count: 65536"
}

@test "SIZE larger than the block device is refused (exit 1), nothing written" {
	attach "$(mkimg small.img 32M)" 512
	run -1 --separate-stderr "$MKFS" -q -F "$LOOP" 64M
	assert_output ""
	assert_equal "$stderr" "mkfs.vexfs: $LOOP: SIZE '64M' (67108864 bytes) is larger than the device (33554432 bytes)"
	run -0 cmp -n 1048576 "$LOOP" /dev/zero
}

@test "SIZE smaller than the block device formats only that much" {
	attach "$(mkimg part.img 64M)" 512
	run -0 --separate-stderr "$MKFS" -q -F "$LOOP" 32M
	run -0 "$VXTREE" super "$LOOP"
	assert_line "block_count: 8192"
}
