#!/usr/bin/env bats
# 0100-roundtrip.bats: mkfs.vexfs -d copies a host tree exactly.
#
# setup_file builds one tree with tests/helpers/mktree.py (profile
# roundtrip: every file type, sparse files, odd names, a 200-level path,
# a 100000-entry directory) and formats one 2 GiB image from it; every
# test reads that pair.  The image is checked through tests/helpers/vxtree,
# which sees it through the public libvexfs API only:
#   - `vxtree compare` finds no difference and counts every host object;
#   - compare itself is tested: each kind of host change (a byte, a mode,
#     an owner, an mtime, a name added or removed, a symlink target, the
#     hard-link structure) gives exactly the expected difference lines and
#     exit 1; the change is undone in teardown, times included, so the
#     tests do not depend on their order; image blocks mapped in host
#     holes are caught on a small pair of trees of their own;
#   - superblock counts, the big directory, devices, nanosecond and
#     pre-epoch times, hard links and contents, read with ls/stat/cat;
#   - a tree too big for its image leaves an incomplete image that
#     compare refuses (exit 2) and super reports.
# Tests of this file share the tree, so they never run concurrently.

bats_require_minimum_version 1.5.0
load test_helper

BATS_NO_PARALLELIZE_WITHIN_FILE=true

BIGDIR_N=100000

setup_file() {
	export TREE=$BATS_FILE_TMPDIR/tree
	export IMG=$BATS_FILE_TMPDIR/roundtrip.img
	local err=$BATS_FILE_TMPDIR/mkfs.err

	python3 "$TOPDIR/tests/helpers/mktree.py" --seed 7 \
		--profile roundtrip --bigdir "$BIGDIR_N" "$TREE" || {
		echo "setup_file: mktree.py failed" >&2
		return 1
	}
	truncate -s 2G "$IMG" || return 1
	if ! "$MKFS" -q -F -d "$TREE" "$IMG" 2G 2> "$err"; then
		echo "setup_file: mkfs.vexfs -d failed: $(cat "$err")" >&2
		return 1
	fi
	# what compare must count: every host path, the root included
	HOST_OBJECTS=$(find "$TREE" -printf x | wc -c)
	HOST_INODES=$(find "$TREE" -printf '%i\n' | sort -u | wc -l)
	export HOST_OBJECTS HOST_INODES
}

# ---- undo log: host changes made by a test, reverted in teardown

UNDO=()

teardown() {
	local i

	for ((i = ${#UNDO[@]} - 1; i >= 0; i--)); do
		eval "${UNDO[i]}"
	done
	UNDO=()
}

# times_of PATH: "ATIME_NS MTIME_NS" of PATH itself
times_of() {
	python3 -c 'import os, sys
s = os.lstat(sys.argv[1]); print(s.st_atime_ns, s.st_mtime_ns)' "$1"
}

# set_times PATH ATIME_NS MTIME_NS (symlinks themselves)
set_times() {
	python3 -c 'import os, sys
os.utime(sys.argv[1], ns=(int(sys.argv[2]), int(sys.argv[3])),
         follow_symlinks=False)' "$@"
}

# keep_times PATH: restore PATH's current times in teardown
keep_times() {
	UNDO+=("set_times $(printf %q "$1") $(times_of "$1")")
}

# flip_byte FILE OFFSET: invert one byte, keeping the file's times
flip_byte() {
	python3 -c 'import os, sys
p, off = sys.argv[1], int(sys.argv[2])
s = os.lstat(p)
with open(p, "r+b") as f:
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 0xff]))
os.utime(p, ns=(s.st_atime_ns, s.st_mtime_ns))' "$1" "$2"
}

# byte_at FILE OFFSET: that byte as 0xNN
byte_at() {
	od -An -tx1 -j "$2" -N1 "$1" | tr -d ' \n' | sed 's/^/0x/'
}

# compare_diffs N [OBJECTS]: compare exits 1 and reports N differences
# over OBJECTS paths found in both trees (default: every host path)
compare_diffs() {
	run -1 --separate-stderr "$VXTREE" compare "$IMG" "$TREE"
	assert_equal "$stderr" ""
	assert_equal "${lines[-1]}" \
		"${2:-$HOST_OBJECTS} objects compared, $1 differences"
	assert_equal "${#lines[@]}" "$(($1 + 1))"
}

# vxtree_to FILE ARGS...: vxtree ARGS must succeed silently on stderr;
# its (long) output goes to FILE, not through `run`
vxtree_to() {
	local out=$1
	shift
	run -0 --separate-stderr bash -c '"$@" > "$0"' "$out" "$VXTREE" "$@"
	assert_equal "$stderr" ""
}

# has_line FILE LINE / has_regex FILE ERE: FILE holds such a line
has_line() {
	grep -qxF -- "$2" "$1" || fail "no line '$2' in $1"
}

has_regex() {
	grep -qE -- "$2" "$1" || fail "no line matching '$2' in $1"
}

# ---- the round trip

@test "compare finds the image equal to the tree, every object compared" {
	((HOST_OBJECTS > BIGDIR_N + 300)) || fail "tree too small: $HOST_OBJECTS"
	run -0 --separate-stderr "$VXTREE" compare "$IMG" "$TREE"
	assert_output "$HOST_OBJECTS objects compared, 0 differences"
	assert_equal "$stderr" ""
}

@test "superblock: clean, complete, and its counts match the tree" {
	run -0 --separate-stderr "$VXTREE" super "$IMG"
	assert_equal "$stderr" ""
	assert_line "state: clean"
	assert_line "features: journal"
	assert_line "block_size: 4096"
	assert_line "block_count: $((2 << 30 >> 12))"

	local inode_count free_inodes lf
	inode_count=$(sed -n 's/^inode_count: //p' <<< "$output")
	free_inodes=$(sed -n 's/^free_inodes: //p' <<< "$output")
	lf=$(sed -n 's/^lost_found_ino: //p' <<< "$output")
	((inode_count >= BIGDIR_N + 10000)) || fail "inode_count $inode_count"
	((lf > 1)) || fail "no lost+found: $lf"
	# every host inode plus lost+found is in use, nothing more
	assert_equal "$free_inodes" "$((inode_count - HOST_INODES - 1))"
}

@test "ls: the big directory lists every entry once, sorted" {
	local out=$BATS_TEST_TMPDIR/ls want=$BATS_TEST_TMPDIR/want

	vxtree_to "$out" ls "$IMG" /bigdir
	assert_equal "$(wc -l < "$out")" "$((BIGDIR_N + 1))"
	head -n 1 "$out" | grep -qE '^dir 0755 [0-9]+ [0-9]+ 2 [0-9]+ [0-9.]+ /bigdir$' ||
		fail "first line: $(head -n 1 "$out")"
	# entry 16 holds "16\n" three times; entry 1 is empty
	has_line "$out" "reg 0644 0 0 1 9 1600000000.000016144 /bigdir/000016-$(printf 'x%.0s' {1..16})"
	has_line "$out" 'reg 0644 0 0 1 0 1600000000.000001009 /bigdir/000001-x'

	tail -n +2 "$out" | awk '{print $NF}' > "$out.names"
	(cd "$TREE" && find bigdir -mindepth 1 -printf '/%p\n' | LC_ALL=C sort) \
		> "$want"
	cmp "$out.names" "$want"
}

@test "ls: symlinks, devices and escaped names" {
	local out=$BATS_TEST_TMPDIR/ls

	vxtree_to "$out" ls "$IMG" /
	# every host object and lost+found
	assert_equal "$(wc -l < "$out")" "$((HOST_OBJECTS + 1))"
	has_regex "$out" '^dir 0700 0 0 2 [0-9]+ [0-9]+\.[0-9]{9} /lost\+found$'
	has_regex "$out" '^lnk 0777 [0-9]+ [0-9]+ 1 127 [0-9.]+ /symlinks/len-127 -> a{127}$'
	has_regex "$out" '^lnk 0777 [0-9]+ [0-9]+ 1 4000 [0-9.]+ /symlinks/long-4000 -> d{4000}$'
	has_regex "$out" '^chr 0660 [0-9]+ [0-9]+ 1 0 [0-9.]+ /special/chr-max$'
	has_regex "$out" '^sock 0755 [0-9]+ [0-9]+ 1 0 [0-9.]+ /special/socket$'
	has_regex "$out" '^fifo 0644 [0-9]+ [0-9]+ 2 0 [0-9.]+ /links/fifo$'
	has_regex "$out" ' /names/new\\x0aline$'
	has_regex "$out" ' /names/high-\\x80\\xfe\\xff$'
	has_regex "$out" ' /names/with space$'
	has_regex "$out" ' /names/back\\x5cslash$'
	has_regex "$out" " /names/n{255}\$"
	has_regex "$out" " /deep/(l[0-9]{3}/){200}bottom\$"
}

@test "stat: device numbers, modes and nanosecond and pre-epoch times" {
	run -0 --separate-stderr "$VXTREE" stat "$IMG" /special/chr-max
	assert_equal "$stderr" ""
	assert_line "type: chr"
	assert_line "rdev: 4095:1048575"
	run -0 --separate-stderr "$VXTREE" stat "$IMG" /special/nvme
	assert_line "type: blk"
	assert_line "rdev: 259:65543"
	run -0 --separate-stderr "$VXTREE" stat "$IMG" /modes/time-pre-epoch
	assert_line "mtime: -315619199.123456789"
	run -0 --separate-stderr "$VXTREE" stat "$IMG" /modes/time-far-future
	assert_line "mtime: 8589934592.000000001"
	run -0 --separate-stderr "$VXTREE" stat "$IMG" /modes/file-6755
	assert_line "mode: 6755"
	run -0 --separate-stderr "$VXTREE" stat "$IMG" /modes/owner-5
	assert_line "uid: 4000000000"
	assert_line "gid: 4000000001"
	run -0 --separate-stderr "$VXTREE" stat "$IMG" /modes/dir-1777
	assert_line "type: dir"
	assert_line "mode: 1777"
}

@test "hard links: every name shows one inode with the right link count" {
	local ino

	run -0 --separate-stderr "$VXTREE" stat "$IMG" /links/multi
	assert_line "nlink: 4"
	ino=$(sed -n 's/^ino: //p' <<< "$output")
	for p in /links/multi-2 /links/sub/multi-3 /links/other/multi-4; do
		run -0 --separate-stderr "$VXTREE" stat "$IMG" "$p"
		assert_line "ino: $ino"
		assert_line "nlink: 4"
	done
	run -0 --separate-stderr "$VXTREE" stat "$IMG" /links/sub/symlink-2
	assert_line "type: lnk"
	assert_line "nlink: 2"
	assert_line "target: multi"
}

@test "cat: contents read back byte for byte, holes as zeroes" {
	local out=$BATS_TEST_TMPDIR/out f

	for f in sizes/size-1048579 sizes/size-4097 sizes/size-0 \
		 sparse/islands sparse/hole-end-odd sparse/unaligned \
		 "names/with space" deep/$(printf 'l%03d/' {0..199})bottom; do
		"$VXTREE" cat "$IMG" "/$f" > "$out"
		cmp "$out" "$TREE/$f"
	done
	# through a symlink to a directory, then an absolute symlink
	"$VXTREE" cat "$IMG" /symlinks/to-dir/size-8193 > "$out"
	cmp "$out" "$TREE/sizes/size-8193"
	"$VXTREE" cat "$IMG" /symlinks/absolute > "$out"
	cmp "$out" "$TREE/sizes/size-4096"
}

# ---- compare must see every kind of difference

@test "compare detects one changed byte and names the file" {
	local f=$TREE/sizes/size-4097 img_byte

	img_byte=$(byte_at "$f" 4000)
	flip_byte "$f" 4000
	UNDO+=("flip_byte $(printf %q "$f") 4000")
	compare_diffs 1
	assert_line "/sizes/size-4097: content at offset 4000: image $img_byte host $(byte_at "$f" 4000)"
}

@test "compare detects a changed byte in a sparse file's data island" {
	local f=$TREE/sparse/islands off=$((39 * 128 * 1024 + 4095)) b

	b=$(byte_at "$f" "$off")
	flip_byte "$f" "$off"
	UNDO+=("flip_byte $(printf %q "$f") $off")
	compare_diffs 1
	assert_line "/sparse/islands: content at offset $off: image $b host $(byte_at "$f" "$off")"
}

@test "compare detects mode, owner and mtime changes" {
	local f=$TREE/sizes/size-1 d=$TREE/empty-dir l=$TREE/links/symlink
	local uid gid

	read -r uid gid < <(stat -c '%u %g' "$d")
	chmod 0600 "$f"
	UNDO+=("chmod 0644 $(printf %q "$f")")
	chown 4321:8765 "$d"
	UNDO+=("chown $uid:$gid $(printf %q "$d")")
	keep_times "$l"
	touch -h -m -d @1234567890.5 "$l"

	compare_diffs 5
	assert_line "/sizes/size-1: mode: image 0644 host 0600"
	assert_line "/empty-dir: uid: image $uid host 4321"
	assert_line "/empty-dir: gid: image $gid host 8765"
	# the two names of the symlink are one host inode
	assert_line --regexp '^/links/symlink: mtime: image [0-9]+\.[0-9]{9} host 1234567890\.500000000$'
	assert_line --regexp '^/links/sub/symlink-2: mtime: image [0-9]+\.[0-9]{9} host 1234567890\.500000000$'
}

@test "compare detects names missing from and extra in the image" {
	local d=$TREE/sizes dt

	dt=$(times_of "$d")
	keep_times "$d"
	mv "$d/size-0" "$BATS_TEST_TMPDIR/size-0"
	UNDO+=("mv $BATS_TEST_TMPDIR/size-0 $(printf %q "$d/size-0")")
	: > "$d/new file"
	UNDO+=("rm -f $(printf %q "$d/new file")")
	set_times "$d" $dt

	compare_diffs 2 $((HOST_OBJECTS - 1))	# size-0 is in one tree only
	assert_line "/sizes/new file: presence: image missing host present"
	assert_line "/sizes/size-0: presence: image present host missing"
}

@test "compare detects a changed symlink target and a type change" {
	local l=$TREE/symlinks/short f=$TREE/sizes/size-1023
	local d1=$TREE/symlinks d2=$TREE/sizes t1 t2 lt owner

	t1=$(times_of "$d1")
	t2=$(times_of "$d2")
	lt=$(times_of "$l")
	owner=$(stat -c %u:%g "$l")
	keep_times "$d1"
	keep_times "$d2"
	UNDO+=("ln -sfn target $(printf %q "$l"); chown -h $owner $(printf %q "$l"); set_times $(printf %q "$l") $lt")
	ln -sfn tarGet "$l"
	chown -h "$owner" "$l"
	set_times "$l" $lt
	mv "$f" "$BATS_TEST_TMPDIR/keep"
	UNDO+=("rmdir $(printf %q "$f"); mv $BATS_TEST_TMPDIR/keep $(printf %q "$f")")
	mkdir "$f"
	set_times "$d1" $t1
	set_times "$d2" $t2

	compare_diffs 3
	assert_line "/symlinks/short: target: image 'target' host 'tarGet'"
	assert_line "/sizes/size-1023: type: image reg host dir"
	assert_line "/sizes: nlink: image 2 host 3"
}

@test "compare detects a broken hard link" {
	local a=$TREE/links/pair-a b=$TREE/links/other/pair-b d=$TREE/links/other
	local dt

	dt=$(times_of "$d")
	keep_times "$d"
	UNDO+=("rm -f $(printf %q "$b"); ln $(printf %q "$a") $(printf %q "$b")")
	rm "$b"
	cp -p "$a" "$b"		# same bytes, mode, owner, times: new inode
	set_times "$d" $dt

	compare_diffs 3
	assert_line "/links/other/pair-b: nlink: image 2 host 1"
	assert_line "/links/pair-a: nlink: image 2 host 1"
	assert_line "/links/pair-a: hard link: image same inode as /links/other/pair-b host another inode"
}

@test "compare detects image blocks mapped inside host holes" {
	local a=$BATS_TEST_TMPDIR/dense b=$BATS_TEST_TMPDIR/sparse
	local img=$BATS_TEST_TMPDIR/holes.img

	# the same bytes twice: written out in full, and with a real hole
	mkdir "$a" "$b"
	python3 -c 'import os, sys
for d, sparse in ((sys.argv[1], False), (sys.argv[2], True)):
    with open(d + "/f", "wb") as f:
        f.write(b"x" * 4096)
        if sparse:
            f.seek(20 * 4096)
        else:
            f.write(bytes(19 * 4096))
        f.write(b"y" * 4096)
    os.utime(d + "/f", ns=(1, 2))
    os.utime(d, ns=(1, 2))' "$a" "$b"
	truncate -s 64M "$img"
	run -0 --separate-stderr "$MKFS" -q -F -d "$a" "$img"
	run -0 --separate-stderr "$VXTREE" compare "$img" "$a"
	assert_output "2 objects compared, 0 differences"
	run -1 --separate-stderr "$VXTREE" compare "$img" "$b"
	assert_equal "$stderr" ""
	assert_output - <<'EOF2'
/f: sparse: image maps 19 blocks (first lblk 1) host holes
2 objects compared, 1 differences
EOF2
}

@test "a tree that does not fit: an incomplete image, which compare refuses" {
	local d=$BATS_TEST_TMPDIR/big img=$BATS_TEST_TMPDIR/small.img

	mkdir "$d"
	head -c 20M /dev/urandom > "$d/big"
	truncate -s 8M "$img"
	run -1 --separate-stderr "$MKFS" -q -F -d "$d" "$img"
	run -0 --separate-stderr "$VXTREE" super "$img"
	assert_line "state: clean incomplete"
	run -2 --separate-stderr "$VXTREE" compare "$img" "$d"
	assert_output ""
	assert_equal "$stderr" \
		"vxtree: $img: cannot open filesystem: filesystem creation did not complete"
	# what was copied can still be looked at
	run -0 --separate-stderr "$VXTREE" ls "$img" /big
	assert_output --regexp '^reg 0644 0 0 1 [0-9]+ [0-9.]+ /big$'
}

# ---- vxtree's own errors

@test "vxtree: errors name the object and exit 2" {
	run -2 --separate-stderr "$VXTREE" compare "$IMG" "$BATS_TEST_TMPDIR/none"
	assert_output ""
	[[ $stderr == *"$BATS_TEST_TMPDIR/none"*"No such file or directory"* ]] ||
		fail "stderr: $stderr"
	run -2 --separate-stderr "$VXTREE" stat "$IMG" /no/such/file
	assert_output ""
	[[ $stderr == *"/no/such/file"* ]] || fail "stderr: $stderr"
	run -2 --separate-stderr "$VXTREE" cat "$IMG" /sizes
	[[ $stderr == *"/sizes"* ]] || fail "stderr: $stderr"
	run -2 --separate-stderr "$VXTREE" frobnicate "$IMG"
	[[ $stderr == *"unknown command 'frobnicate'"* ]] || fail "stderr: $stderr"
	run -2 --separate-stderr "$VXTREE" super "$BATS_TEST_TMPDIR/none.img"
	[[ $stderr == *"none.img"* ]] || fail "stderr: $stderr"
}
