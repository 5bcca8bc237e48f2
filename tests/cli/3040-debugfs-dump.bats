#!/usr/bin/env bats
# 3040-debugfs-dump.bats: dump and rdump copy files and trees out of the
# image, byte for byte, and rdump never writes outside its HOSTDIR.
#
# setup_file makes a host tree (files of 0, 6, 4096 and 1 MiB + 123
# bytes, a 10 MiB sparse file with two islands, a setuid file, modes
# 0640/0750, fixed mtimes, nested directories, relative, absolute,
# dangling and long symlinks, a fifo) and formats tree.img from it with a
# fixed UUID and hash seed.  Each test works in its own $BATS_TEST_TMPDIR.
# What was dumped is read back and compared: cmp with the host original,
# diff -r and readlink against the tree, vxtree compare against the image
# for -p (modes, owners, times).  Every error path checks the exit status
# (1) and that stderr names the object.
#
# The hostile test crafts directory entries named "..", ".", "a/b",
# "../../escape", "" and one with a NUL byte (vxdamage dirent-set, and
# zap_block plus vxdamage reseal), symlinks followed by a directory and a
# file of the same name (x1 -> ../.. then a directory x1 holding
# "pwned"; y1 -> a file outside, then a file y1), a directory that is its
# own child and a directory with a second name; it then checks that
# nothing in $BATS_TEST_TMPDIR outside out/ was created or changed.

bats_require_minimum_version 1.5.0
load test_helper

DBG=$TOPDIR/debugfs/debugfs.vexfs
VXDAMAGE=$TOPDIR/tests/helpers/vxdamage
UUID=3040aaaa-bbbb-4ccc-8ddd-eeeeffff0000

setup_file() {
	local t=$BATS_FILE_TMPDIR/tree

	need_built "$DBG" "$VXDAMAGE" || return 1
	mkdir -p "$t/d1/d2/d3" "$t/modes" || return 1
	: > "$t/empty"
	printf 'hello\n' > "$t/small"
	head -c 4096 /dev/urandom > "$t/block"
	head -c $((1048576 + 123)) /dev/urandom > "$t/d1/big"
	printf 'deep\n' > "$t/d1/d2/d3/file"
	truncate -s 10M "$t/sparse"
	printf 'island one' | dd of="$t/sparse" bs=4096 seek=256 \
		conv=notrunc status=none
	printf 'island two' | dd of="$t/sparse" bs=4096 seek=1280 \
		conv=notrunc status=none
	printf 'suid\n' > "$t/setuid"
	chmod 4755 "$t/setuid"
	printf 'secret\n' > "$t/modes/f640"
	chmod 0640 "$t/modes/f640"
	chmod 0750 "$t/modes"
	ln -s d1/big "$t/rel"
	ln -s /etc/passwd "$t/abs"
	ln -s nowhere/at/all "$t/dangling"
	ln -s "$(printf 'x%.0s' {1..300})" "$t/longlink"
	mkfifo "$t/fifo"
	touch -h -d '2001-02-03 04:05:06.789' "$t/setuid" "$t/modes/f640" \
		"$t/rel" "$t/d1/big"
	touch -d '2002-03-04 05:06:07' "$t/modes" "$t/d1/d2"
	"$MKFS" -q -F -U $UUID -E hash_seed=3040 -d "$t" \
		"$(mkimg tree.img 64M)" || {
		echo "setup_file: mkfs.vexfs failed" >&2
		return 1
	}
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	TREE=$BATS_FILE_TMPDIR/tree
	IMG=$BATS_FILE_TMPDIR/tree.img
}

# ---- dump ----

@test "dump: files of 0, 6, 4096 and 1 MiB + 123 bytes read back equal" {
	for f in empty small block d1/big d1/d2/d3/file; do
		run -0 --separate-stderr "$DBG" -R "dump /$f out" "$IMG"
		assert_output ""
		cmp out "$TREE/$f"
	done
	[[ $(stat -c %s out) -eq 5 ]]
}

@test "dump <INO> names the inode; an existing regular file is replaced" {
	local ino

	ino=$("$VXDAMAGE" "$IMG" ino /d1/big)
	head -c 3000000 /dev/zero > out
	run -0 "$DBG" -R "dump <$ino> out" "$IMG"
	cmp out "$TREE/d1/big"
}

@test "dump: a sparse file stays sparse" {
	run -0 "$DBG" -R 'dump /sparse out' "$IMG"
	cmp out "$TREE/sparse"
	[[ $(stat -c %s out) -eq $((10 * 1048576)) ]]
	# two 4 KiB islands: far less than the 10 MiB written out
	(( $(stat -c %b out) * 512 <= 65536 ))
	(( $(stat -c %b out) <= 2 * $(stat -c %b "$TREE/sparse") + 16 ))
}

@test "dump -p keeps mode and times; without it umask applies" {
	run -0 "$DBG" -R 'dump -p /setuid keep' -R 'dump /setuid plain' "$IMG"
	cmp keep "$TREE/setuid"
	[[ $(stat -c '%a %Y' keep) == "4755 $(stat -c %Y "$TREE/setuid")" ]]
	[[ $(stat -c %y keep) == "$(stat -c %y "$TREE/setuid")" ]]
	[[ $(stat -c %a plain) == "$(printf '%o' $((0666 & ~0$(umask))))" ]]
	run -0 "$DBG" -R 'dump -p /modes/f640 f' "$IMG"
	[[ $(stat -c %a f) == 640 ]]
	if [[ $(id -u) == 0 ]]; then
		[[ $(stat -c '%u:%g' keep) == "$(stat -c '%u:%g' "$TREE/setuid")" ]]
	fi
}

@test "dump: a missing path, a directory, a symlink, a fifo are refused" {
	run -1 --separate-stderr "$DBG" -R 'dump /nope out' "$IMG"
	[[ $stderr == *"dump: /nope: No such file or directory"* ]]
	run -1 --separate-stderr "$DBG" -R 'dump /d1 out' "$IMG"
	[[ $stderr == *"dump: /d1 is a directory, not a regular file (rdump copies trees)"* ]]
	run -1 --separate-stderr "$DBG" -R 'dump /rel out' "$IMG"
	[[ $stderr == *"dump: /rel is a symlink, not a regular file"* ]]
	run -1 --separate-stderr "$DBG" -R 'dump /fifo out' "$IMG"
	[[ $stderr == *"dump: /fifo is a fifo, not a regular file"* ]]
	[[ ! -e out ]]
	run -1 --separate-stderr "$DBG" -R 'dump /small' "$IMG"
	[[ $stderr == *"usage: dump [-p] PATH|<INO> HOSTFILE"* ]]
}

@test "dump: host paths that cannot be written are named" {
	mkdir adir
	run -1 --separate-stderr "$DBG" -R 'dump /small nodir/x' "$IMG"
	[[ $stderr == *"cannot open nodir/x for writing: No such file or directory"* ]]
	run -1 --separate-stderr "$DBG" -R 'dump /small adir' "$IMG"
	[[ $stderr == *"cannot open adir for writing: Is a directory"* ]]
	run -1 --separate-stderr "$DBG" -R 'dump /d1/big /dev/full' "$IMG"
	[[ $stderr == *"writing /dev/full at byte 0 (it is incomplete): No space left on device"* ]]
}

@test "dump does not follow a symlink at HOSTFILE" {
	printf 'victim\n' > victim
	ln -s victim link
	run -1 --separate-stderr "$DBG" -R 'dump /small link' "$IMG"
	[[ $stderr == *"link is a symlink; dump does not follow it"* ]]
	[[ $(cat victim) == victim ]]
	[[ -L link ]]
	# a character device is written as a stream
	run -0 "$DBG" -R 'dump /sparse /dev/null' "$IMG"
}

# ---- rdump ----

@test "rdump / copies the whole tree: contents, symlinks, fifo" {
	mkdir out
	run -0 --separate-stderr "$DBG" -R 'rdump / out' "$IMG"
	assert_output "rdump: 8 files, 5 directories, 4 symlinks, 1 special files, 0 skipped"
	[[ -z $stderr ]]
	rmdir out/lost+found
	diff -r --no-dereference -x fifo "$TREE" out
	[[ -p out/fifo ]]
	for l in rel abs dangling longlink; do
		[[ -L out/$l && $(readlink out/$l) == "$(readlink "$TREE/$l")" ]]
	done
	cmp out/sparse "$TREE/sparse"
	(( $(stat -c %b out/sparse) * 512 <= 65536 ))
	# without -p: permission bits under the umask, setuid dropped
	[[ $(stat -c %a out/setuid) == "$(printf '%o' $((0755 & ~0$(umask))))" ]]
}

@test "rdump -p keeps modes, owners and times: vxtree compare agrees" {
	mkdir out
	run -0 "$DBG" -R 'rdump -p / out' "$IMG"
	# HOSTDIR stands for the root but keeps its own times: the one
	# difference
	run -1 "$VXTREE" compare "$IMG" out
	assert_line --index 0 --regexp '^/: mtime: '
	assert_line --index 1 --regexp ' objects compared, 1 differences$'
	[[ ${#lines[@]} -eq 2 ]]
	[[ $(stat -c '%a %Y' out/modes) == "750 $(stat -c %Y "$TREE/modes")" ]]
	[[ $(stat -c %a out/setuid) == 4755 ]]
	[[ $(stat -c %y out/d1/big) == "$(stat -c %y "$TREE/d1/big")" ]]
}

@test "rdump: several PATHs, each under its own name" {
	mkdir out
	run -0 "$DBG" -R 'rdump /d1/d2 /small /rel modes/ out' "$IMG"
	assert_output "rdump: 3 files, 3 directories, 1 symlinks, 0 special files, 0 skipped"
	cmp out/small "$TREE/small"
	[[ $(readlink out/rel) == d1/big ]]
	diff -r out/d2 "$TREE/d1/d2"
	diff -r out/modes "$TREE/modes"
	[[ $(find out -mindepth 1 -maxdepth 1 | sort | tr '\n' ' ') == \
		"out/d2 out/modes out/rel out/small " ]]
}

@test "rdump copies a directory once, even when named twice" {
	mkdir out
	run -1 --separate-stderr "$DBG" -R 'rdump /d1/d2 /d1 out' "$IMG"
	[[ $stderr == *"rdump: warning: /d1/d2: directory inode "*" not copied: already copied under another name"* ]]
	diff -r out/d2 "$TREE/d1/d2"
	cmp out/d1/big "$TREE/d1/big"
	[[ ! -e out/d1/d2 ]]
}

@test "rdump: a directory without a name of its own fills HOSTDIR" {
	mkdir out
	run -0 "$DBG" -R 'cd /d1' -R 'rdump . out' "$IMG"
	diff -r out "$TREE/d1"
}

@test "rdump: HOSTDIR missing or not a directory" {
	run -1 --separate-stderr "$DBG" -R 'rdump /small nodir' "$IMG"
	[[ $stderr == *"rdump: HOSTDIR nodir: No such file or directory"* ]]
	: > afile
	run -1 --separate-stderr "$DBG" -R 'rdump /small afile' "$IMG"
	[[ $stderr == *"rdump: HOSTDIR afile: Not a directory"* ]]
	run -1 --separate-stderr "$DBG" -R 'rdump out' "$IMG"
	[[ $stderr == *"usage: rdump [-p] [-D] PATH... HOSTDIR"* ]]
}

@test "rdump: a missing PATH is named, the others are copied, exit 1" {
	mkdir out
	run -1 --separate-stderr "$DBG" -R 'rdump /small /nope /block out' "$IMG"
	assert_output "rdump: 2 files, 0 directories, 0 symlinks, 0 special files, 1 skipped"
	[[ $stderr == *"rdump: /nope: No such file or directory"* ]]
	[[ $stderr == *"rdump: 1 entry was skipped or not copied (named above); everything else is in out"* ]]
	cmp out/small "$TREE/small"
	cmp out/block "$TREE/block"
}

@test "rdump never replaces or follows what is on the host" {
	mkdir out victim
	printf 'keep\n' > out/small
	ln -s ../victim out/d1
	run -1 --separate-stderr "$DBG" -R 'rdump /small /d1 /block out' "$IMG"
	[[ $stderr == *"rdump: warning: /small: cannot make out/small: File exists (never replaced)"* ]]
	[[ $stderr == *"rdump: warning: /d1: cannot make out/d1: File exists (never replaced)"* ]]
	[[ $(cat out/small) == keep ]]
	[[ -L out/d1 && -z $(ls -A victim) ]]
	cmp out/block "$TREE/block"
}

@test "rdump: hard links become separate copies" {
	cp "$IMG" fs.img
	run -0 "$DBG" -w -R 'ln /small /d1/again' fs.img
	mkdir out
	run -0 "$DBG" -R 'rdump /small /d1 out' fs.img
	cmp out/d1/again "$TREE/small"
	[[ $(stat -c %h out/small) == 1 && $(stat -c %h out/d1/again) == 1 ]]
}

@test "rdump in a transaction copies what the transaction changed" {
	cp "$IMG" fs.img
	printf 'uncommitted\n' > host
	mkdir out
	run -0 "$DBG" -w -R begin -R 'write host /new' -R 'rdump /new out' \
		-R abort fs.img
	cmp out/new host
	run -1 "$DBG" -R 'stat /new' fs.img
}

@test "rdump: a device node needs -D (as root it is made then)" {
	cp "$IMG" fs.img
	run -0 "$DBG" -w -R 'mknod /cdev c 1 3' fs.img
	mkdir out
	run -1 --separate-stderr "$DBG" -R 'rdump /cdev /small out' fs.img
	[[ $stderr == *"rdump: warning: /cdev: character device not made (rdump -D makes device nodes)"* ]]
	assert_output "rdump: 1 files, 0 directories, 0 symlinks, 0 special files, 1 skipped"
	[[ ! -e out/cdev ]]
	if [[ $(id -u) != 0 ]]; then
		run -1 --separate-stderr "$DBG" -R 'rdump -D /cdev out' fs.img
		[[ $stderr == *"/cdev: cannot make out/cdev: Operation not permitted"* ]]
		return
	fi
	run -0 "$DBG" -R 'rdump -D /cdev out' fs.img
	[[ -c out/cdev && $(stat -c '%t:%T' out/cdev) == 1:3 ]]
}

# ---- the hostile image ----

# hostile_image: $W/hostile.img ($W: $BATS_TEST_TMPDIR/w, the current
# directory then), built from a host tree and then renamed and relinked
# entry by entry; sets INO_LOOP, INO_TRICKS, INO_NUL
hostile_image() {
	local s=$BATS_TEST_TMPDIR/src blk off

	W=$BATS_TEST_TMPDIR/w
	mkdir "$W" && cd "$W" || return 1

	mkdir -p "$s"/{evil,dots,emptyname,nuldir,tricks/x2,tricks2/x1,loop/sub} \
		"$s/hl/again"
	for f in ab c abcdefghijkl abc fine; do echo "$f" > "$s/evil/$f"; done
	for f in ab c fine; do echo "$f" > "$s/dots/$f"; done
	echo e > "$s/emptyname/x"
	echo n > "$s/nuldir/n_l"
	ln -s ../.. "$s/tricks/x1"
	echo pwned > "$s/tricks/x2/pwned"
	ln -s "$W/outside/target" "$s/tricks/y1"
	echo overwrite > "$s/tricks/y2"
	# the same pairs the other way round: whatever the hash order, one
	# directory sees the symlink first and the other the directory/file
	echo pwned > "$s/tricks2/x1/pwned"
	ln -s ../.. "$s/tricks2/x2"
	echo overwrite > "$s/tricks2/y1"
	ln -s "$W/outside/target" "$s/tricks2/y2"
	echo in > "$s/loop/sub/f"
	echo g > "$s/hl/again/g"
	truncate -s 32M "$W/hostile.img" &&
		"$MKFS" -q -F -U $UUID -E hash_seed=7 -d "$s" "$W/hostile.img" ||
		return 1
	rm -rf "$s"
	local H=$W/hostile.img
	{
		"$VXDAMAGE" "$H" dirent-set /evil ab name .. &&
		"$VXDAMAGE" "$H" dirent-set /evil c name . &&
		"$VXDAMAGE" "$H" dirent-set /evil abcdefghijkl name ../../escape &&
		"$VXDAMAGE" "$H" dirent-set /evil abc name a/b &&
		"$VXDAMAGE" "$H" dirent-set /dots ab name .. &&
		"$VXDAMAGE" "$H" dirent-set /dots c name . &&
		"$VXDAMAGE" "$H" dirent-set /emptyname x namelen 0 &&
		"$VXDAMAGE" "$H" dirnode-set /emptyname 0 used 18 &&
		"$VXDAMAGE" "$H" dirent-set /tricks x2 name x1 &&
		"$VXDAMAGE" "$H" dirent-set /tricks y2 name y1 &&
		"$VXDAMAGE" "$H" dirent-set /tricks2 x2 name x1 &&
		"$VXDAMAGE" "$H" dirent-set /tricks2 y2 name y1 &&
		INO_LOOP=$("$VXDAMAGE" "$H" ino /loop) &&
		INO_TRICKS=$("$VXDAMAGE" "$H" ino /tricks) &&
		INO_NUL=$("$VXDAMAGE" "$H" ino /nuldir/n_l) &&
		"$VXDAMAGE" "$H" dirent-set /loop sub ino "$INO_LOOP" &&
		"$VXDAMAGE" "$H" dirent-set /hl again ino "$INO_TRICKS"
	} 2> /dev/null || return 1
	# "n_l" -> "n\0l": zap the '_' of the leaf, then reseal the leaf
	blk=$("$VXDAMAGE" "$H" blocks /nuldir | awk '$1 == "data" { print $3 }')
	off=$(dd if="$H" bs=4096 skip="$blk" count=1 status=none |
		grep -obUa 'n_l' | cut -d: -f1)
	[[ -n $blk && -n $off ]] || return 1
	"$DBG" -w -R "zap_block -o $((off + 1)) -l 1 -p 0 $blk" "$H" \
		> /dev/null || return 1
	"$VXDAMAGE" "$H" reseal "$blk" 2> /dev/null
}

# snapshot: every path under $W but out/, with its type, mode, size,
# mtime, contents' checksum or link target (bats keeps its own files in
# $BATS_TEST_TMPDIR, so the test works one level down)
snapshot() {
	(cd "$W" && find . -path ./out -prune -o -print0 |
		sort -z | while IFS= read -r -d '' p; do
		if [[ -L $p ]]; then
			printf '%s link %s\n' "$p" "$(readlink "$p")"
		elif [[ -f $p ]]; then
			printf '%s %s %s\n' "$p" "$(stat -c '%F %a %s %Y' "$p")" \
				"$(sha256sum < "$p")"
		else
			printf '%s %s\n' "$p" "$(stat -c '%F %a %Y' "$p")"
		fi
	done)
}

@test "rdump of a hostile image writes nothing outside its HOSTDIR" {
	local before after

	hostile_image || fail "could not build the hostile image"
	mkdir outside out
	printf 'secret\n' > outside/target
	before=$(snapshot)
	run -1 --separate-stderr "$DBG" -R 'rdump / out' hostile.img
	after=$(snapshot)
	[[ $before == "$after" ]] || fail "changed outside out/:
$(diff <(echo "$before") <(echo "$after"))"
	[[ $output == *", 14 skipped" ]]
	for w in "/evil: entry '..' (inode" "/evil: entry '.' (inode" \
		 "/evil: entry 'a/b' (inode" "/evil: entry '../../escape' (inode" \
		 "/dots: entry '..' (inode" "/dots: entry '.' (inode" \
		 "/emptyname: entry '' (inode" \
		 "/nuldir: entry 'n\\x00l' (inode $INO_NUL) refused: a NUL byte in the name" \
		 "/loop/sub: directory inode $INO_LOOP not copied: a loop: it contains itself" \
		 "directory inode $INO_TRICKS not copied: already copied under another name" \
		 "/tricks/x1: cannot make out/" "/tricks/y1: cannot make out/" \
		 "/tricks2/x1: cannot make out/tricks2/x1: File exists (never replaced)" \
		 "/tricks2/y1: cannot make out/tricks2/y1: File exists (never replaced)"; do
		[[ $stderr == *"rdump: warning: "*"$w"* ]] || fail "no warning: $w"
	done
	[[ $stderr == *"/evil: entry 'a/b' (inode "*") refused: a '/' in the name"* ]]
	[[ $stderr == *"/emptyname: entry '' (inode "*") refused: an empty name"* ]]
	[[ $stderr == *"rdump: 14 entries were skipped or not copied"* ]]
	# what could be copied was, inside out/
	[[ $(cat out/evil/fine) == fine && $(cat out/dots/fine) == fine ]]
	[[ -z $(find out -name escape) && ! -e escape && ! -e pwned ]]
	[[ $(cat outside/target) == secret ]]
	[[ -z $(find out/loop -mindepth 1) ]]
	# each pair: the first made stays, the second is refused; symlinks
	# are made as they are and nothing is written through them
	[[ $(find out -name x1 -type l | wc -l) -eq 1 ]]
	[[ $(find out -name x1 -type d | wc -l) -eq 1 ]]
	[[ $(find out -name x1 -type l -exec readlink {} \;) == ../.. ]]
	[[ $(find out -name pwned | wc -l) -eq 1 ]]
	[[ $(find out -name y1 -type l -exec readlink {} \;) == "$W/outside/target" ]]
	[[ $(cat "$(find out -name y1 -type f)") == overwrite ]]
}

@test "rdump of the hostile image leaves the image as it was" {
	hostile_image || fail "could not build the hostile image"
	cp hostile.img orig.img
	mkdir out
	run -1 "$DBG" -R 'rdump -p / out' hostile.img
	cmp hostile.img orig.img
}
