#!/usr/bin/env bats
# 3030-debugfs-inspect.bats: where blocks, names and index nodes are:
# icheck (block -> inode), ncheck (inode -> paths), dirsearch and htree.
#
# setup_file formats two images from host trees:
#   base.img  64 MiB, 4 KiB blocks, 4096-block groups: a hard-linked file
#             (/hard and /dir/file), a 25-block file (/data), a sparse
#             file of 8 one-block islands (more extents than an inode
#             holds: one extent tree node), a directory of 2000 names
#   huge.img  32 MiB, 1 KiB blocks: a directory of 5000 names (an index
#             three levels deep)
# Block numbers are read back another way than the command under test
# gives them: `blocks` and tests/helpers/vxdamage (which reads the extent
# tree raw); inode numbers from `stat`; names from `ls`.

bats_require_minimum_version 1.5.0
load test_helper

DBG=$TOPDIR/debugfs/debugfs.vexfs
VXDAMAGE=$TOPDIR/tests/helpers/vxdamage

setup_file() {
	local tree=$BATS_FILE_TMPDIR/tree huge=$BATS_FILE_TMPDIR/huge i

	need_built "$DBG" "$VXDAMAGE" || return 1
	mkdir -p "$tree/dir" "$tree/big" "$huge/huge" || return 1
	printf 'hello\n' > "$tree/dir/file"
	ln "$tree/dir/file" "$tree/hard" || return 1
	head -c 100000 /dev/urandom > "$tree/data"
	for i in 0 1 2 3 4 5 6 7; do
		yes "island $i" | head -c 4096 |
			dd of="$tree/sparse" bs=4096 seek=$((i * 2)) \
			   conv=notrunc status=none || return 1
	done
	python3 - "$tree/big" 2000 "$huge/huge" 5000 <<-'EOF' || return 1
		import os, sys
		for d, n in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
		    for i in range(int(n)):
		        open(os.path.join(d, 'name-%05d' % i), 'w').close()
	EOF
	"$MKFS" -q -F -b 4096 -g 4096 -d "$tree" "$(mkimg base.img 64M)" &&
		"$MKFS" -q -F -b 1024 -N 6000 -d "$huge" \
			"$(mkimg huge.img 32M)" || {
		echo "setup_file: mkfs.vexfs failed" >&2
		return 1
	}
}

setup() {
	IMG=$BATS_TEST_TMPDIR/fs.img
	cp "$BATS_FILE_TMPDIR/base.img" "$IMG"
}

# ino PATH: the inode number `stat` gives
ino() {
	"$DBG" -R "stat $1" "$IMG" | sed -n 's/^Inode: *\([0-9]*\) .*/\1/p'
}

@test "icheck: every block of a file is its inode's" {
	local n blocks b
	n=$(ino /data)
	[[ -n $n ]]
	run -0 "$DBG" -R 'blocks /data' "$IMG"
	blocks=$output
	[[ $(wc -w <<< "$blocks") == 25 ]]
	# the same blocks as the extent tree read raw
	[[ $("$VXDAMAGE" "$IMG" blocks /data | awk '{ print $3 }' | xargs) == "$blocks" ]]
	run -0 --separate-stderr "$DBG" -R "icheck $blocks" "$IMG"
	[[ -z $stderr ]]
	[[ ${lines[0]} == $'Block\tInode number' ]]
	[[ ${#lines[@]} == 26 ]]
	for b in $blocks; do
		assert_line "$b"$'\t'"$n"
	done
}

@test "icheck: an extent tree node and the data it maps" {
	local n node data
	n=$(ino /sparse)
	node=$("$VXDAMAGE" "$IMG" blocks /sparse | awk '$1 == "node" { print $2 }')
	data=$("$VXDAMAGE" "$IMG" blocks /sparse | awk '$1 == "data" { print $3 }' | xargs)
	[[ -n $node && $(wc -w <<< "$data") == 8 ]]
	# blocks lists the mapped blocks, holes left out
	[[ $("$DBG" -R 'blocks /sparse' "$IMG") == "$data" ]]
	run -0 "$DBG" -R "icheck $node $data" "$IMG"
	assert_line "$node"$'\t'"$n (extent tree node)"
	for b in $data; do
		assert_line "$b"$'\t'"$n"
	done
}

@test "icheck: metadata by name, free blocks, a block the bitmap holds that no inode owns" {
	run -0 "$DBG" -R 'icheck 0 4096 12288 1 4097 2 3 4 67 68 1091 4095' "$IMG"
	assert_line $'0\t<metadata: superblock>'
	assert_line $'4096\t<metadata: superblock backup>'
	assert_line $'12288\t<metadata: superblock backup>'
	assert_line $'1\t<metadata: group header>'
	assert_line $'4097\t<metadata: group header>'
	assert_line $'2\t<metadata: block bitmap>'
	assert_line $'3\t<metadata: inode bitmap>'
	assert_line $'4\t<metadata: inode table>'
	assert_line $'67\t<metadata: inode table>'
	assert_line $'68\t<metadata: journal>'
	assert_line $'1091\t<metadata: journal>'
	assert_line $'4095\t<free>'
	# the output keeps the order asked, duplicates too
	[[ ${lines[1]} == $'0\t<metadata: superblock>' ]]
	[[ ${lines[12]} == $'4095\t<free>' ]]
	# a block uninitialised group 2 holds, and one marked in use that no
	# inode owns
	run -0 "$VXDAMAGE" "$IMG" bitmap-set 0 block 4095 1
	run -0 "$DBG" -R 'icheck 12000 4095 4095' "$IMG"
	assert_line $'12000\t<free>'
	[[ ${lines[2]} == $'4095\t<unused, allocated>' && ${lines[3]} == "${lines[2]}" ]]
}

@test "icheck: a freed file's blocks are free; bad arguments are named" {
	local blocks b
	blocks=$("$DBG" -R 'blocks /data' "$IMG")
	run -0 "$DBG" -w -R 'rm /data' "$IMG"
	run -1 "$DBG" -R 'stat /data' "$IMG"
	run -0 "$DBG" -R "icheck $blocks" "$IMG"
	for b in $blocks; do
		assert_line "$b"$'\t<free>'
	done
	run -1 --separate-stderr "$DBG" -R 'icheck 16384' "$IMG"
	assert_output ""
	[[ $stderr == *"icheck: block 16384: beyond the end of the filesystem (16384 blocks)"* ]]
	run -1 --separate-stderr "$DBG" -R 'icheck 5 x7' "$IMG"
	[[ $stderr == *"icheck: x7: not a block number"* ]]
	run -1 --separate-stderr "$DBG" -R 'icheck' "$IMG"
	[[ $stderr == *"usage: icheck BLOCK..."* ]]
}

@test "icheck inside a transaction says it shows the committed state" {
	local b
	b=$("$DBG" -R 'blocks /data' "$IMG" | awk '{ print $1 }')
	printf 'begin\nrm /data\nicheck %s\nabort\n' "$b" > "$BATS_TEST_TMPDIR/s"
	run -0 --separate-stderr "$DBG" -w -f "$BATS_TEST_TMPDIR/s" "$IMG"
	[[ $stderr == *"icheck: warning: a transaction is open: the blocks read raw show the committed state"* ]]
	assert_line "$b"$'\t'"$(ino /data)"
}

@test "ncheck: both names of a hard link, the root, a directory, <N>" {
	local h d n
	h=$(ino /hard)
	[[ $h == "$(ino /dir/file)" ]]
	d=$(ino /dir)
	run -0 --separate-stderr "$DBG" -R "ncheck $h 1 <$d>" "$IMG"
	[[ -z $stderr ]]
	[[ ${lines[0]} == $'Inode\tPathname' ]]
	[[ ${#lines[@]} == 5 ]]
	assert_line "$h"$'\t/hard'
	assert_line "$h"$'\t/dir/file'
	assert_line $'1\t/'
	assert_line "$d"$'\t/dir'
	# every name of /big: 2000 inodes, one path each, as ls lists them
	run -0 "$DBG" -R 'ls /big' "$IMG"
	local names=$output inos
	inos=$("$DBG" -R 'ls -l /big' "$IMG" | awk '{ print $1 }' | xargs)
	run -0 "$DBG" -R "ncheck $inos" "$IMG"
	[[ ${#lines[@]} == 2001 ]]
	[[ $(sed 1d <<< "$output" | cut -f2 | sed 's,^/big/,,' | sort) == "$(sort <<< "$names")" ]]
}

@test "ncheck: an inode not in use fails naming it; one with no name says so; -c checks types" {
	local h n
	h=$(ino /hard)
	run -1 --separate-stderr "$DBG" -R "ncheck 4000 $h" "$IMG"
	[[ $stderr == *"ncheck: inode 4000: not in use"* ]]
	assert_line "$h"$'\t/hard'
	run -1 --separate-stderr "$DBG" -R 'ncheck 0' "$IMG"
	[[ $stderr == *"ncheck: 0: not an inode number"* ]]
	run -1 --separate-stderr "$DBG" -R 'ncheck' "$IMG"
	[[ $stderr == *"usage: ncheck [-c] INO..."* ]]
	# -c: an entry whose type is not its inode's
	run -0 "$DBG" -R "ncheck -c $h" "$IMG"
	refute_output --partial 'bad file type'
	run -0 "$VXDAMAGE" "$IMG" dirent-set / hard type 5
	run -0 "$DBG" -R "ncheck -c $h" "$IMG"
	assert_line "$h"$'\t/hard\t<bad file type: the entry says fifo, the inode is regular>'
	assert_line "$h"$'\t/dir/file'
	# both names pointed at another inode: the file has none left
	n=$(ino /data)
	run -0 "$VXDAMAGE" "$IMG" dirent-set / hard ino "$n"
	run -0 "$VXDAMAGE" "$IMG" dirent-set /dir file ino "$n"
	run -0 "$DBG" -R "ncheck $h" "$IMG"
	assert_line "$h"$'\t<no name found>'
}

@test "dirsearch: a name among 2000, its inode, hash and leaf; htree agrees" {
	local n leaf hash
	n=$(ino /big/name-01234)
	run -0 --separate-stderr "$DBG" -R 'dirsearch /big name-01234' "$IMG"
	[[ -z $stderr ]]
	assert_line 'name:   name-01234'
	assert_line "inode:  $n"
	assert_line 'type:   regular'
	assert_line 'entry:  regular'
	hash=$(sed -n 's/^hash: *//p' <<< "$output")
	leaf=$(sed -n 's/^leaf: *logical block \([0-9]*\),.*/\1/p' <<< "$output")
	[[ $hash =~ ^0x[0-9a-f]{16}$ && -n $leaf ]]
	assert_line --regexp "^route: +logical block 0 \(level 1, entry [0-9]+\) -> logical block $leaf \(leaf\)\$"
	# htree -v shows the entry in that leaf, with that hash
	run -0 "$DBG" -R 'htree -v /big' "$IMG"
	awk -v L="$leaf" '/^ *leaf: / { inleaf = ($4 == L ",") } inleaf' <<< "$output" |
		grep -q "hash $hash  inode $n  regular  *name-01234$"
	# a name that is not there
	run -1 --separate-stderr "$DBG" -R 'dirsearch /big name-99999' "$IMG"
	assert_output ""
	[[ $stderr == *"dirsearch: name-99999: not found in /big"* ]]
	run -1 --separate-stderr "$DBG" -R 'dirsearch /data x' "$IMG"
	[[ $stderr == *"dirsearch: /data: not a directory"* ]]
	run -1 --separate-stderr "$DBG" -R 'dirsearch /big a/b' "$IMG"
	[[ $stderr == *"'a/b': not a name"* ]]
	run -1 --separate-stderr "$DBG" -R 'dirsearch /nope x' "$IMG"
	[[ $stderr == *"/nope"* ]]
}

@test "htree: a one-leaf directory" {
	run -0 --separate-stderr "$DBG" -R 'htree -v /dir' "$IMG"
	[[ -z $stderr ]]
	assert_line --regexp "^directory /dir \(inode $(ino /dir)\): 1 block of 4096 bytes\$"
	assert_line --regexp "^root: logical block 0, physical block [0-9]+, level 0, 1 names, parent 1\$"
	assert_line --regexp "^leaf: logical block 0, physical block [0-9]+, count 1, used 22 bytes, next 0\$"
	assert_line --regexp "^  hash 0x[0-9a-f]{16}  inode $(ino /dir/file)  regular +file\$"
	assert_line 'summary: 1 level (root level 0), 0 index nodes, 1 leaf, 1 entries in the leaves, 1 blocks'
}

# htree_check: the leaves' counts in $output add up to the summary's and
# to the root's count, and every index entry leads to one node
htree_check() {
	local want=$1 sum leaves idx
	sum=$(awk '/^ *leaf: / { gsub(",", "", $9); s += $9 } END { print s }' <<< "$output")
	leaves=$(grep -c '^ *leaf: ' <<< "$output")
	idx=$(grep -c '^ *entry [0-9]*: hash ' <<< "$output")
	[[ $sum == "$want" ]]
	assert_line --regexp "^root: .*, $want names, parent 1\$"
	assert_line --regexp "^summary: .* $leaves leaves, $want entries in the leaves, "
	# each node but the root is reached by one index entry
	(( idx == leaves + $(grep -c '^ *index: ' <<< "$output") - 1 ))
}

@test "htree: 2000 and 5000 names: levels above the leaves, counts that add up" {
	run -0 --separate-stderr "$DBG" -R 'htree /big' "$IMG"
	[[ -z $stderr ]]
	assert_line --regexp '^root: logical block 0, physical block [0-9]+, level 1, '
	htree_check 2000
	[[ $("$DBG" -R 'ls /big' "$IMG" | wc -l) == 2000 ]]
	IMG=$BATS_FILE_TMPDIR/huge.img
	run -0 --separate-stderr "$DBG" -R 'htree -v /huge' "$IMG"
	[[ -z $stderr ]]
	assert_line --regexp '^root: logical block 0, physical block [0-9]+, level 2, '
	assert_line --regexp '^summary: 3 levels \(root level 2\), '
	htree_check 5000
	# -v lists every name once, the names ls lists
	[[ $(grep -o 'name-[0-9]*$' <<< "$output" | sort) == "$("$DBG" -R 'ls /huge' "$IMG" | sort)" ]]
}

@test "htree: a file is refused; a damaged node is reported, not followed" {
	run -1 --separate-stderr "$DBG" -R 'htree /data' "$IMG"
	assert_output ""
	[[ $stderr == *"htree: /data: not a directory"* ]]
	run -1 --separate-stderr "$DBG" -R 'htree' "$IMG"
	[[ $stderr == *"usage: htree [-v] DIR"* ]]
	run -0 "$VXDAMAGE" "$IMG" dirnode-set /big 3 owner 77
	run -1 --separate-stderr "$DBG" -R 'htree /big' "$IMG"
	assert_line --regexp '^ +problem: logical block 3: owner is inode 77$'
	assert_line --regexp '^problem: logical block 0: the root counts 2000 names, the leaves hold [0-9]+$'
	[[ $stderr == *"htree: /big: "*" problems in the index (listed above)"* ]]
	run -0 "$VXDAMAGE" "$IMG" dirnode-set /big 0 used 9999
	run -1 --separate-stderr "$DBG" -R 'htree /big' "$IMG"
	assert_line --regexp '^problem: logical block 0: used bytes 9999 run past the block$'
	[[ $stderr == *"htree: /big: 1 problem in the index (listed above)"* ]]
}
