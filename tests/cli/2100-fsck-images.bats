#!/usr/bin/env bats
# 2100-fsck-images.bats: fsck.vexfs repairs each kind of damage of the
# image suite in tests/images and finds the repaired image clean.
#
# setup_file makes the deterministic base image once (tests/images/
# mkbase.sh, keeping the host tree it copies), and runs every case
# directory tests/images/f_NAME, as many at a time as there are
# processors, with tests/images/runcase.sh: copy the base to `image`,
# apply the case's `damage`, run `fsck.vexfs -fy image` (expect.1), then
# `fsck.vexfs -fn image` (expect.2), compare the repaired image with the
# host tree, contents included, and list its /lost+found (expect.tree),
# and, where the case has an expect.p, run `fsck.vexfs -fp image` on a
# fresh damaged copy.  Each test is one case: each output, with its
# "exit N" last line, must equal the expected file (a difference is shown
# as a diff), and whatever the expected files say, the first run must
# exit 1 (fixed) and the second 0 (clean).  tests/images/README.md
# describes the files of a case.
#
# After an intended change of fsck.vexfs, tests/images/bless.sh rewrites
# the expected files; read every change before committing it.  A new case
# directory needs its own test below (the last test checks that).

bats_require_minimum_version 1.5.0
load test_helper

IMAGES=$TOPDIR/tests/images
FSCK=$TOPDIR/fsck/fsck.vexfs
VXDAMAGE=$TOPDIR/tests/helpers/vxdamage

setup_file() {
	local base=$BATS_FILE_TMPDIR/base.img t

	for t in "$FSCK" "$VXDAMAGE"; do
		[[ -x $t ]] || {
			echo "setup_file: ${t#"$TOPDIR"/} not built" >&2
			return 1
		}
	done
	"$IMAGES/mkbase.sh" "$base" "$BATS_FILE_TMPDIR/host" || {
		echo "setup_file: tests/images/mkbase.sh failed" >&2
		return 1
	}
	# Every case at once, one per processor (a case is a few short
	# processes); each test then compares its case's outputs.  A case
	# that cannot run leaves its reason in out/NAME.err.
	mkdir -p "$BATS_FILE_TMPDIR/out" || return 1
	# shellcheck disable=SC2016 # sh -c expands them
	cases |
		xargs -P "$(nproc)" -I{} sh -c \
			'"$1" "$2" "$3" "$4/$5" "$6/$5" 2> "$6/$5.err"' sh \
			"$IMAGES/runcase.sh" "$base" "$BATS_FILE_TMPDIR/host" \
			"$IMAGES" {} "$BATS_FILE_TMPDIR/out"
}

# cases: the names of the case directories, one a line, sorted
cases() {
	local d

	for d in "$IMAGES"/f_*/; do
		d=${d%/}
		echo "${d##*/}"
	done | LC_ALL=C sort
}

# same_as EXPECTED ACTUAL: the files are equal, else fail with the diff
same_as() {
	local d

	if ! d=$(diff -u --label "${1#"$TOPDIR"/}" --label actual "$1" "$2")
	then
		fail "$d"
	fi
}

# check_case NAME: compare every output of case NAME (run by setup_file)
# with its expected file
check_case() {
	local dir=$IMAGES/$1 out=$BATS_FILE_TMPDIR/out/$1 f

	for f in damage expect.1 expect.2 expect.tree; do
		[[ -f $dir/$f ]] ||
			fail "$1: no $f (run tests/images/bless.sh $1)"
	done
	if [[ -s $out.err ]]; then
		fail "runcase: $(cat "$out.err")"
	fi
	[[ -f $out/out.1 ]] || fail "$1: the case did not run"
	same_as "$dir/expect.1" "$out/out.1"
	same_as "$dir/expect.2" "$out/out.2"
	same_as "$dir/expect.tree" "$out/out.tree"
	if [[ -f $dir/expect.p ]]; then
		same_as "$dir/expect.p" "$out/out.p"
	fi
	assert_equal "$(tail -n 1 "$out/out.1")" "exit 1"
	assert_equal "$(tail -n 1 "$out/out.2")" "exit 0"
}

@test "f_bbitmap_free_used" {
	check_case f_bbitmap_free_used
}

@test "f_bbitmap_used_free" {
	check_case f_bbitmap_used_free
}

@test "f_bbitmap_zeroed" {
	check_case f_bbitmap_zeroed
}

@test "f_block_dup" {
	check_case f_block_dup
}

@test "f_device_block_map" {
	check_case f_device_block_map
}

@test "f_dir_count" {
	check_case f_dir_count
}

@test "f_dir_index_child" {
	check_case f_dir_index_child
}

@test "f_dir_index_count" {
	check_case f_dir_index_count
}

@test "f_dir_loop" {
	check_case f_dir_loop
}

@test "f_dir_node_zeroed" {
	check_case f_dir_node_zeroed
}

@test "f_dir_parent_inode" {
	check_case f_dir_parent_inode
}

@test "f_dir_parent_node" {
	check_case f_dir_parent_node
}

@test "f_dir_second_link" {
	check_case f_dir_second_link
}

@test "f_dir_unconnected" {
	check_case f_dir_unconnected
}

@test "f_dir_unmapped" {
	check_case f_dir_unmapped
}

@test "f_dirent_bad_ino" {
	check_case f_dirent_bad_ino
}

@test "f_dirent_bad_name" {
	check_case f_dirent_bad_name
}

@test "f_dirent_dup_name" {
	check_case f_dirent_dup_name
}

@test "f_dirent_free_ino" {
	check_case f_dirent_free_ino
}

@test "f_dirent_hash" {
	check_case f_dirent_hash
}

@test "f_dirent_type" {
	check_case f_dirent_type
}

@test "f_extent_index_order" {
	check_case f_extent_index_order
}

@test "f_extent_index_range" {
	check_case f_extent_index_range
}

@test "f_extent_index_tail" {
	check_case f_extent_index_tail
}

@test "f_extent_meta" {
	check_case f_extent_meta
}

@test "f_extent_node_level" {
	check_case f_extent_node_level
}

@test "f_extent_node_owner" {
	check_case f_extent_node_owner
}

@test "f_extent_node_zeroed" {
	check_case f_extent_node_zeroed
}

@test "f_extent_overlap" {
	check_case f_extent_overlap
}

@test "f_extent_past_end" {
	check_case f_extent_past_end
}

@test "f_extent_zero_len" {
	check_case f_extent_zero_len
}

@test "f_file_unattached" {
	check_case f_file_unattached
}

@test "f_group0_header_zeroed" {
	check_case f_group0_header_zeroed
}

@test "f_group_bbitmap" {
	check_case f_group_bbitmap
}

@test "f_group_flags" {
	check_case f_group_flags
}

@test "f_group_free_blocks" {
	check_case f_group_free_blocks
}

@test "f_group_free_inodes" {
	check_case f_group_free_inodes
}

@test "f_group_header_zeroed" {
	check_case f_group_header_zeroed
}

@test "f_group_itable" {
	check_case f_group_itable
}

@test "f_group_itable_init" {
	check_case f_group_itable_init
}

@test "f_group_meta_blocks" {
	check_case f_group_meta_blocks
}

@test "f_group_nblocks" {
	check_case f_group_nblocks
}

@test "f_group_no" {
	check_case f_group_no
}

@test "f_group_start" {
	check_case f_group_start
}

@test "f_group_used_dirs" {
	check_case f_group_used_dirs
}

@test "f_ibitmap_free_used" {
	check_case f_ibitmap_free_used
}

@test "f_ibitmap_used_free" {
	check_case f_ibitmap_used_free
}

@test "f_ibitmap_zeroed" {
	check_case f_ibitmap_zeroed
}

@test "f_inode_blocks" {
	check_case f_inode_blocks
}

@test "f_inode_blocks_tree" {
	check_case f_inode_blocks_tree
}

@test "f_inode_crc" {
	check_case f_inode_crc
}

@test "f_inode_flags" {
	check_case f_inode_flags
}

@test "f_inode_magic" {
	check_case f_inode_magic
}

@test "f_inode_mode" {
	check_case f_inode_mode
}

@test "f_inode_size" {
	check_case f_inode_size
}

@test "f_inode_wrong_ino" {
	check_case f_inode_wrong_ino
}

@test "f_journal_super_zeroed" {
	check_case f_journal_super_zeroed
}

@test "f_lost_found_cleared" {
	check_case f_lost_found_cleared
}

@test "f_lost_found_renamed" {
	check_case f_lost_found_renamed
}

@test "f_nlink_dir" {
	check_case f_nlink_dir
}

@test "f_nlink_file" {
	check_case f_nlink_file
}

@test "f_nlink_hard" {
	check_case f_nlink_hard
}

@test "f_orphan" {
	check_case f_orphan
}

@test "f_root_missing" {
	check_case f_root_missing
}

@test "f_root_not_dir" {
	check_case f_root_not_dir
}

@test "f_super_backup_differs" {
	check_case f_super_backup_differs
}

@test "f_super_backup_zeroed" {
	check_case f_super_backup_zeroed
}

@test "f_super_primary_crc" {
	check_case f_super_primary_crc
}

@test "f_super_state_bits" {
	check_case f_super_state_bits
}

@test "f_symlink_inline_size" {
	check_case f_symlink_inline_size
}

@test "f_symlink_long_size" {
	check_case f_symlink_long_size
}

@test "mkbase.sh makes the same image twice" {
	run -0 --separate-stderr "$IMAGES/mkbase.sh" "$BATS_TEST_TMPDIR/again.img"
	cmp "$BATS_FILE_TMPDIR/base.img" "$BATS_TEST_TMPDIR/again.img"
}

@test "every case directory has its test, and every test its directory" {
	local -a dirs tests

	mapfile -t dirs < <(cases)
	mapfile -t tests < <(sed -n 's/^\tcheck_case \(f_[a-z0-9_]*\)$/\1/p' \
		"$BATS_TEST_FILENAME" | LC_ALL=C sort)
	((${#dirs[@]} >= 40)) || fail "only ${#dirs[@]} cases"
	assert_equal "${dirs[*]}" "${tests[*]}"
}
