#!/usr/bin/env bats
# 1003-mkfs-populate.bats: mkfs.vexfs -d copies a host tree, and fails
# cleanly when it cannot.
#
# Round trips are checked with `vxtree compare IMG DIR` (exit 0: every
# host object is in the image with the same type, mode, owner, times,
# size, contents, link structure, device number and symlink target) and
# with vxtree stat/cat/ls for the details compare does not show: block
# counts of sparse files, the root's attributes, the merged lost+found.
# Failures (a tree too big for the image, out of inodes, an unreadable
# file or directory, a tree deeper than the open-file limit) must exit 1,
# name the host path, and leave the image marked incomplete.
# Unreadable files need a user that root's permissions do not cover:
# those tests run mkfs as nobody (setpriv) in a world-readable
# directory, because $BATS_TEST_TMPDIR is private to root.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	IMG=$BATS_TEST_TMPDIR/fs.img
	TREE=$BATS_TEST_TMPDIR/tree
	NB=
}

teardown() {
	[[ -z $NB ]] || rm -rf "$NB"
}

# field IMG NAME: one "name: value" line of `vxtree super IMG`
field() {
	"$VXTREE" super "$1" | sed -n "s/^$2: //p"
}

# mktree DIR: the small deterministic tree of every object kind
mktree() {
	python3 "$TOPDIR/tests/helpers/mktree.py" --seed 11 --profile small \
		"$1" > /dev/null || fail "mktree.py failed"
}

# compare_ok IMG DIR: vxtree compare finds no difference
compare_ok() {
	run -0 --separate-stderr "$VXTREE" compare "$1" "$2"
	assert_equal "$stderr" ''
	assert_output --regexp '^[0-9]+ objects compared, 0 differences$'
}

# as_nobody ARGS...: run mkfs.vexfs as nobody (a copy in $NB)
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$NB/mkfs.vexfs" "$@"
}

# nobody_dir: a world-readable scratch directory $NB with a copy of mkfs
# and an image file nobody may write
nobody_dir() {
	NB=$(mktemp -d "${TMPDIR:-/tmp}/vexfs-1003.XXXXXX") || fail "mktemp"
	chmod 755 "$NB"
	cp "$MKFS" "$NB/mkfs.vexfs"
	truncate -s 64M "$NB/img"
	chown nobody "$NB/img"
	mkdir "$NB/tree"
}

# incomplete IMG: the superblock says mkfs did not finish
incomplete() {
	run -0 "$VXTREE" super "$1"
	assert_line --regexp '^state: .*incomplete'
}

# ---- round trips

@test "every kind of object round-trips; the summary counts them" {
	mktree "$TREE"
	local line n

	run -0 --separate-stderr "$MKFS" -d "$TREE" "$IMG" 256M
	assert_equal "$stderr" ''
	line=$(grep '^Copied:' <<< "$output") || fail "no Copied line"
	compare_ok "$IMG" "$TREE"
	assert_equal "$(field "$IMG" state)" clean
	# the counts add up to every host object but the root
	n=$(sed -E 's/[^0-9]+/ /g' <<< "${line%,*}" | tr ' ' '\n' | \
		awk '{s += $1} END {print s}')
	assert_equal "$n" "$(($(find "$TREE" -printf x | wc -c) - 1))"
}

@test "--json reports what was copied" {
	mkdir "$TREE" "$TREE/d"
	printf 'abc' > "$TREE/d/f"
	ln "$TREE/d/f" "$TREE/g"
	ln -s d/f "$TREE/s"
	mkfifo "$TREE/p"
	run -0 --separate-stderr "$MKFS" --json -d "$TREE" "$IMG" 64M
	assert_equal "$stderr" ''
	run -0 python3 -c 'import json, sys
p = json.loads(sys.argv[1])["populate"]
print(p["files"], p["directories"], p["symlinks"], p["hard_links"],
      p["special"], p["skipped"], p["bytes"])' "$output"
	assert_output '1 1 1 1 1 0 3'
	compare_ok "$IMG" "$TREE"
}

@test "sparse files stay sparse and read back with their holes" {
	mkdir "$TREE"
	truncate -s 1G "$TREE/big"
	printf 'island' | dd of="$TREE/big" bs=1 seek=$((512 << 20)) conv=notrunc status=none
	truncate -s 5M "$TREE/hole"
	printf 'head' > "$TREE/tail-hole"
	truncate -s 3M "$TREE/tail-hole"
	run -0 "$MKFS" -q -d "$TREE" "$IMG" 64M
	compare_ok "$IMG" "$TREE"
	run -0 "$VXTREE" stat "$IMG" /big
	assert_line 'size: 1073741824'
	local blocks
	blocks=$(sed -n 's/^blocks: //p' <<< "$output")
	((blocks <= 4)) || fail "/big has $blocks blocks"
	run -0 "$VXTREE" stat "$IMG" /hole
	assert_line 'size: 5242880'
	assert_line 'blocks: 0'
	run -0 "$VXTREE" stat "$IMG" /tail-hole
	assert_line 'size: 3145728'
	assert_line 'blocks: 1'
	"$VXTREE" cat "$IMG" /tail-hole | cmp - "$TREE/tail-hole"
}

@test "hard links become links to one inode" {
	mkdir -p "$TREE/a" "$TREE/b"
	printf 'shared' > "$TREE/a/one"
	ln "$TREE/a/one" "$TREE/b/two"
	ln "$TREE/a/one" "$TREE/three"
	run -0 "$MKFS" -q -d "$TREE" "$IMG" 64M
	compare_ok "$IMG" "$TREE"
	local ino p
	ino=$("$VXTREE" stat "$IMG" /a/one | sed -n 's/^ino: //p')
	for p in /a/one /b/two /three; do
		run -0 "$VXTREE" stat "$IMG" "$p"
		assert_line "ino: $ino"
		assert_line 'nlink: 3'
	done
	assert_equal "$("$VXTREE" cat "$IMG" /three)" shared
}

@test "the root takes the source directory's mode, owner and times" {
	mkdir "$TREE"
	printf x > "$TREE/f"
	chmod 0750 "$TREE"
	chown 123:456 "$TREE"
	touch -d @1000000000.5 "$TREE"
	run -0 "$MKFS" -q -d "$TREE" "$IMG" 64M
	run -0 "$VXTREE" stat "$IMG" /
	assert_line 'mode: 0750'
	assert_line 'uid: 123'
	assert_line 'gid: 456'
	assert_line 'mtime: 1000000000.500000000'
	run -0 "$MKFS" -q -F -E root_owner=7:8 -d "$TREE" "$IMG"
	run -0 "$VXTREE" stat "$IMG" /
	assert_line 'mode: 0750'
	assert_line 'uid: 7'
	assert_line 'gid: 8'
}

@test "times: nanoseconds, the epoch itself and pre-epoch times are kept" {
	mkdir "$TREE"
	printf x > "$TREE/ns"
	touch -m -d @1500000000.123456789 "$TREE/ns"
	touch "$TREE/zero" "$TREE/old"
	touch -h -d @0 "$TREE/zero"
	touch -h -d @-86400.25 "$TREE/old"
	ln -s ns "$TREE/link"
	touch -h -d @0 "$TREE/link"
	run -0 "$MKFS" -q -d "$TREE" "$IMG" 64M
	compare_ok "$IMG" "$TREE"
	run -0 "$VXTREE" stat "$IMG" /ns
	assert_line 'mtime: 1500000000.123456789'
	run -0 "$VXTREE" stat "$IMG" /zero
	assert_line 'mtime: 0.000000000'
	assert_line 'atime: 0.000000000'
	run -0 "$VXTREE" stat "$IMG" /link
	assert_line 'mtime: 0.000000000'
	# -86400.25 s is { tv_sec = -86401, tv_nsec = 750000000 }
	run -0 "$VXTREE" stat "$IMG" /old
	assert_line 'mtime: -86401.750000000'
}

@test "fifos, sockets and device nodes are copied with their numbers" {
	mkdir "$TREE"
	mkfifo -m 0604 "$TREE/fifo"
	mknod -m 0660 "$TREE/chr" c 4095 1048575
	mknod "$TREE/blk" b 259 7
	python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TREE/sock"
	run -0 --separate-stderr "$MKFS" -q -d "$TREE" "$IMG" 64M
	assert_equal "$stderr" ''
	compare_ok "$IMG" "$TREE"
	run -0 "$VXTREE" stat "$IMG" /chr
	assert_line 'type: chr'
	assert_line 'rdev: 4095:1048575'
	run -0 "$VXTREE" stat "$IMG" /blk
	assert_line 'rdev: 259:7'
	run -0 "$VXTREE" stat "$IMG" /sock
	assert_line 'type: sock'
	run -0 "$VXTREE" stat "$IMG" /fifo
	assert_line 'mode: 0604'
}

@test "a 500-level tree longer than PATH_MAX is copied" {
	python3 -c 'import os, sys
os.mkdir(sys.argv[1])
fd = os.open(sys.argv[1], os.O_RDONLY)
for i in range(500):
    n = "level-%03d-%s" % (i, "x" * 20)
    os.mkdir(n, dir_fd=fd)
    nfd = os.open(n, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
f = os.open("bottom", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
os.write(f, b"deep\n")' "$TREE"
	run -0 --separate-stderr "$MKFS" -q -d "$TREE" "$IMG" 64M
	assert_equal "$stderr" ''
	compare_ok "$IMG" "$TREE"
	assert_output '502 objects compared, 0 differences'
	run -0 "$VXTREE" ls "$IMG"
	assert_line --regexp "/level-499-x{20}/bottom\$"
}

@test "a tree deeper than the open-file limit fails with a clear message" {
	python3 -c 'import os, sys
os.makedirs(os.path.join(sys.argv[1], *(["d"] * 120)))' "$TREE"
	run -1 --separate-stderr bash -c 'ulimit -n 100 && exec "$@"' - \
		"$MKFS" -d "$TREE" "$IMG" 64M
	assert_output ''
	assert_regex "${stderr_lines[0]}" "^mkfs.vexfs: cannot copy '$TREE(/d)+': the tree is deeper than the open-file limit allows \([0-9]+ levels\)\$"
	assert_equal "${stderr_lines[1]}" "mkfs.vexfs: $IMG: population failed; the image is marked incomplete"
	incomplete "$IMG"
}

@test "an existing lost+found in the source is merged into the new one" {
	mkdir -p "$TREE/lost+found"
	printf 'kept' > "$TREE/lost+found/found"
	chmod 0711 "$TREE/lost+found"
	run -0 --separate-stderr "$MKFS" -q -d "$TREE" "$IMG" 64M
	assert_equal "$stderr" ''
	compare_ok "$IMG" "$TREE"
	assert_equal "$("$VXTREE" cat "$IMG" /lost+found/found)" kept
	run -0 "$VXTREE" stat "$IMG" /lost+found
	assert_line 'mode: 0711'
	assert_line "ino: $(field "$IMG" lost_found_ino)"
}

@test "the image inside the source tree is skipped with a warning" {
	mkdir "$TREE"
	printf 'x' > "$TREE/f"
	truncate -s 64M "$TREE/self.img"
	run -0 --separate-stderr "$MKFS" -q -d "$TREE" "$TREE/self.img"
	assert_equal "$stderr" "mkfs.vexfs: warning: skipping '$TREE/self.img': it is the image being written"
	run -0 "$VXTREE" ls "$TREE/self.img"
	assert_line --regexp ' /f$'
	refute_line --regexp ' /self.img$'
}

@test "SOURCE_DATE_EPOCH, -U and hash_seed make populated images identical" {
	local a=$BATS_TEST_TMPDIR/a.img b=$BATS_TEST_TMPDIR/b.img
	local args=(-q -U 0123abcd-4567-89ab-cdef-0123456789ab -E hash_seed=5)

	mktree "$TREE"
	SOURCE_DATE_EPOCH=1700000000 run -0 "$MKFS" "${args[@]}" -d "$TREE" "$a" 128M
	sleep 1
	SOURCE_DATE_EPOCH=1700000000 run -0 "$MKFS" "${args[@]}" -d "$TREE" "$b" 128M
	cmp "$a" "$b"
	compare_ok "$a" "$TREE"
	run -0 "$VXTREE" stat "$a" /lost+found
	assert_line 'mtime: 1700000000.000000000'
	assert_line 'crtime: 1700000000.000000000'
	run -0 "$VXTREE" stat "$a" /sizes
	assert_line 'crtime: 1700000000.000000000'
	# atimes are not input (readlink moves them): they equal mtimes
	run -0 "$VXTREE" stat "$a" /links/symlink
	local mt
	mt=$(sed -n 's/^mtime: //p' <<< "$output")
	assert_line "atime: $mt"
}

@test "-n with -d writes nothing" {
	mktree "$TREE"
	run -0 --separate-stderr "$MKFS" -n -d "$TREE" "$IMG" 64M
	assert_equal "$stderr" ''
	refute_line --regexp '^Copied:'
	[[ ! -e $IMG ]] || fail "-n created the image"
}

# ---- failures

@test "-d: a missing or non-directory source exits 2 before any write" {
	run -2 --separate-stderr "$MKFS" -d "$BATS_TEST_TMPDIR/none" "$IMG" 64M
	assert_output ''
	assert_equal "$stderr" "mkfs.vexfs: cannot read '$BATS_TEST_TMPDIR/none' (-d): No such file or directory"
	printf x > "$BATS_TEST_TMPDIR/file"
	run -2 --separate-stderr "$MKFS" -d "$BATS_TEST_TMPDIR/file" "$IMG" 64M
	assert_equal "$stderr" "mkfs.vexfs: cannot read '$BATS_TEST_TMPDIR/file' (-d): Not a directory"
	[[ ! -e $IMG ]] || fail "the image was created"
}

@test "a tree too big for the image: exit 1, the image is incomplete" {
	mkdir "$TREE"
	head -c 20M /dev/urandom > "$TREE/big"
	run -1 --separate-stderr "$MKFS" -d "$TREE" "$IMG" 8M
	assert_output ''
	assert_equal "${stderr_lines[0]}" "mkfs.vexfs: the tree does not fit: cannot copy '$TREE/big': no free blocks left on the filesystem (VX_ENOSPC)"
	assert_equal "${stderr_lines[1]}" "mkfs.vexfs: $IMG: population failed; the image is marked incomplete"
	assert_equal "${#stderr_lines[@]}" 2
	incomplete "$IMG"
}

@test "more files than inodes: exit 1 naming the file, image incomplete" {
	mkdir "$TREE"
	for i in $(seq -w 1 200); do : > "$TREE/f$i"; done
	run -1 --separate-stderr "$MKFS" -N 64 -d "$TREE" "$IMG" 64M
	assert_output ''
	assert_regex "${stderr_lines[0]}" "^mkfs.vexfs: the tree does not fit: cannot copy '$TREE/f[0-9]+': no free inodes left on the filesystem \(VX_ENOINODES\)\$"
	incomplete "$IMG"
}

@test "an unreadable file: exit 1 naming it, image incomplete" {
	nobody_dir
	printf 'public' > "$NB/tree/a"
	printf 'secret' > "$NB/tree/secret"
	chmod 000 "$NB/tree/secret"
	run -1 --separate-stderr as_nobody -d "$NB/tree" "$NB/img"
	assert_output ''
	assert_equal "${stderr_lines[0]}" "mkfs.vexfs: cannot read '$NB/tree/secret': Permission denied"
	assert_equal "${stderr_lines[1]}" "mkfs.vexfs: $NB/img: population failed; the image is marked incomplete"
	incomplete "$NB/img"
}

@test "an unreadable directory: exit 1 naming it" {
	nobody_dir
	mkdir "$NB/tree/closed"
	printf 'x' > "$NB/tree/closed/f"
	chmod 000 "$NB/tree/closed"
	run -1 --separate-stderr as_nobody -d "$NB/tree" "$NB/img"
	assert_equal "${stderr_lines[0]}" "mkfs.vexfs: cannot read '$NB/tree/closed': Permission denied"
	incomplete "$NB/img"
	# as a user who can read everything, the same tree copies fine
	run -0 "$MKFS" -q -F -d "$NB/tree" "$NB/img"
	compare_ok "$NB/img" "$NB/tree"
}

@test "a non-root user formats with itself as the root owner" {
	nobody_dir
	run -0 --separate-stderr as_nobody -q "$NB/img"
	assert_equal "$stderr" ''
	run -0 "$VXTREE" stat "$NB/img" /
	assert_line "uid: $(id -u nobody)"
	assert_line "gid: $(id -g nobody)"
	assert_equal "$(field "$NB/img" state)" clean
}
