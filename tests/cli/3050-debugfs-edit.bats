#!/usr/bin/env bats
# 3050-debugfs-edit.bats: the editing commands of debugfs.vexfs: write,
# mkdir [-p] [-m], rm [-r], rmdir, mv [-n], ln [-s], symlink, mknod,
# truncate, chmod, chown, touch/set_times [-a] [-m] [-c] [-t] and copy_in.
#
# setup_file formats base.img (32 MiB) from a small host tree:
#   /a (3 bytes "abc"), /dir/file ("hello\n"), /dir/sub/ (empty),
#   /link -> dir/file
# Each test edits a copy of it, fs.img, and reads back what it wrote:
# contents with cat and cmp against the host file, attributes with
# stat --json, trees with find and with
# tests/helpers/vxtree (ls: every attribute of every path; compare: the
# image against a host tree).  Every edited image must pass
# fsck.vexfs -fn.  Errors are checked for their exit status (1), for the
# one message on stderr naming the object, and for changing nothing: a
# failed command, however far it got (a copy_in that runs out of space
# after megabytes), leaves the image byte for byte as it was (cmp), and
# so does a read-only session, which refuses every edit saying -w.

bats_require_minimum_version 1.5.0
load test_helper

DBG=$TOPDIR/debugfs/debugfs.vexfs
FSCK=$TOPDIR/fsck/fsck.vexfs

setup_file() {
	local tree=$BATS_FILE_TMPDIR/tree

	need_built "$DBG" "$FSCK" || return 1
	mkdir -p "$tree/dir/sub" || return 1
	printf 'hello\n' > "$tree/dir/file"
	printf 'abc' > "$tree/a"
	ln -s dir/file "$tree/link"
	"$MKFS" -q -F -d "$tree" "$(mkimg base.img 32M)" || {
		echo "setup_file: mkfs.vexfs failed" >&2
		return 1
	}
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	IMG=$BATS_TEST_TMPDIR/fs.img
	cp "$BATS_FILE_TMPDIR/base.img" "$IMG"
}

# dbg CMD...: the CMDs as -R requests of one read-write session, all of
# them run (-k): a failure prints its one message and nothing more
dbg() {
	local args=() c

	for c in "$@"; do args+=(-R "$c"); done
	"$DBG" -w -k "${args[@]}" "$IMG"
}

# rdbg CMD...: the same, read-only
rdbg() {
	local args=() c

	for c in "$@"; do args+=(-R "$c"); done
	"$DBG" -k "${args[@]}" "$IMG"
}

# st PATH KEY...: the values of KEYs in PATH's stat --json object, on one
# line (mode in octal, as 0o644; strings without their quotes; read with
# awk from json-c's one-key-a-line layout: python3 costs too much a call)
st() {
	rdbg "stat --json \"$1\"" | awk -v keys="${*:2}" '
		BEGIN { n = split(keys, k, " ") }
		/^    "[a-z]+":/ {
			key = $0; sub(/^    "/, "", key); sub(/".*/, "", key)
			val = $0; sub(/^    "[a-z]+":/, "", val); sub(/,$/, "", val)
			if (val ~ /^".*"$/)
				val = substr(val, 2, length(val) - 2)
			v[key] = val
		}
		END {
			for (i = 1; i <= n; i++) {
				x = v[k[i]]
				if (k[i] == "mode")
					x = sprintf("0o%o", x)
				out = i > 1 ? out " " x : x
			}
			print out
		}'
}

# iso SECONDS NSEC: the time as stat --json prints it
iso() {
	printf '%s.%09dZ\n' "$(date -u -d "@$1" +%Y-%m-%dT%H:%M:%S)" "$2"
}

# the image is consistent
fsck_clean() {
	run -0 "$FSCK" -fn "$IMG"
}

# state: every path with its attributes, then the free counts
state() {
	"$VXTREE" ls "$IMG" && "$VXTREE" super "$IMG" | grep '^free_'
}

# err_is LINE...: stderr is exactly these lines, stdout is empty
err_is() {
	assert_output ''
	assert_equal "$stderr" "$(printf '%s\n' "$@")"
}

@test "write: contents, size, mode and times of the host file; fsck clean" {
	head -c 3145728 /dev/urandom > rand
	chmod 640 rand
	touch -d @1500000000.25 rand
	: > empty
	printf 'head' > sparse
	truncate -s 2M sparse
	printf 'tail' >> sparse
	run -0 --separate-stderr dbg "write rand /rand" "write empty /dir/empty" \
		"write sparse /sparse"
	[[ -z $output && -z $stderr ]]
	rdbg 'cat /rand' > rand.out
	cmp rand.out rand
	rdbg 'cat /dir/empty' > empty.out
	cmp empty.out empty
	rdbg 'cat /sparse' > sparse.out
	cmp sparse.out sparse
	[[ $(st /rand size mode type mtime) == \
	   "3145728 0o640 regular $(iso 1500000000 250000000)" ]]
	[[ $(st /dir/empty size blocks) == "0 0" ]]
	# the hole stays a hole: two blocks mapped, not 513
	[[ $(st /sparse size blocks) == "2097156 2" ]]
	run -0 rdbg 'bmap /sparse 1'
	assert_output 0
	fsck_clean
}

@test "write: usage, missing parents, existing names, bad names, host errors" {
	L=$(printf 'n%.0s' {1..256})
	cp "$IMG" before.img
	run -1 --separate-stderr dbg write
	err_is 'debugfs.vexfs: -R: write: usage: write HOSTFILE PATH'
	run -1 --separate-stderr dbg 'write /etc/hostname'
	err_is 'debugfs.vexfs: -R: write: usage: write HOSTFILE PATH'
	echo x > h
	run -1 --separate-stderr dbg 'write h /nope/deeper/f'
	err_is 'debugfs.vexfs: -R: write: /nope/deeper/f: parent directory /nope/deeper: No such file or directory'
	run -1 --separate-stderr dbg 'write h /a'
	err_is 'debugfs.vexfs: -R: write: /a: File exists'
	run -1 --separate-stderr dbg 'write h /a/f'
	err_is 'debugfs.vexfs: -R: write: /a/f: parent directory /a: Not a directory'
	run -1 --separate-stderr dbg "write h /dir/$L"
	err_is "debugfs.vexfs: -R: write: /dir/$L: name longer than 255 bytes"
	run -1 --separate-stderr dbg 'write h /dir/.' 'write h ..' 'write h /'
	err_is "debugfs.vexfs: -R #1: write: /dir/.: cannot use '.' as a name" \
	       "debugfs.vexfs: -R #2: write: ..: cannot use '..' as a name" \
	       "debugfs.vexfs: -R #3: write: '/': needs a name, not a directory to stand for"
	run -1 --separate-stderr dbg 'write nothere /f' "write $PWD /f"
	err_is 'debugfs.vexfs: -R #1: write: nothere: No such file or directory' \
	       "debugfs.vexfs: -R #2: write: $PWD: not a regular file (copy_in copies trees)"
	cmp "$IMG" before.img
	fsck_clean
}

@test "mkdir: a directory, -m MODE, -p makes every level and accepts what exists" {
	run -0 --separate-stderr dbg 'mkdir /d' 'mkdir -m 700 /dir/priv' \
		'mkdir -p /p1/p2/p3/p4' 'mkdir -p /p1/p2' 'mkdir -p dir/sub/new/' \
		'mkdir -p -m 1750 /q1/q2'
	[[ -z $output && -z $stderr ]]
	run -0 rdbg 'ls /' 'ls /p1' 'ls /p1/p2' 'ls /p1/p2/p3' 'ls /p1/p2/p3/p4' \
		   'ls /dir/sub'
	assert_output "$(printf '%s\n' a d dir link lost+found p1 q1 p2 p3 p4 new)"
	[[ $(st /d type mode nlink size) == \
	   "directory 0o755 2 4096" ]]
	[[ $(st /dir/priv mode) == 0o700 ]]
	# -p -m: the mode is the last level's; the ones above get 0755
	[[ $(st /q1 mode) == 0o755 ]]
	[[ $(st /q1/q2 mode) == 0o1750 ]]
	[[ $(st /p1 nlink) == 3 && $(st /p1/p2/p3/p4 nlink) == 2 ]]
	fsck_clean
}

@test "mkdir -p follows symlinked directories and names the level that is not one" {
	run -0 dbg 'symlink /sl dir/sub' 'mkdir -p /sl/n1/n2'
	run -0 rdbg 'find /dir/sub'
	assert_output $'/dir/sub\n/dir/sub/n1\n/dir/sub/n1/n2'
	cp "$IMG" before.img
	run -1 --separate-stderr dbg 'mkdir -p /a/b/c'
	err_is 'debugfs.vexfs: -R: mkdir: /a/b/c: at /a: Not a directory'
	run -1 --separate-stderr dbg 'mkdir -p /dir/file/x'
	err_is 'debugfs.vexfs: -R: mkdir: /dir/file/x: at /dir/file: Not a directory'
	run -1 --separate-stderr dbg 'mkdir -p /a'
	err_is 'debugfs.vexfs: -R: mkdir: /a: at /a: Not a directory'
	L=$(printf 'n%.0s' {1..256})
	# all or nothing: /new is not left behind
	run -1 --separate-stderr dbg "mkdir -p /new/$L/z"
	err_is "debugfs.vexfs: -R: mkdir: /new/$L/z: at /new/$L: File name too long"
	cmp "$IMG" before.img
	fsck_clean
}

@test "mkdir: usage, existing names, missing parents, bad modes and names" {
	cp "$IMG" before.img
	run -1 --separate-stderr dbg mkdir 'mkdir -p' 'mkdir -x /d' 'mkdir /d /e'
	err_is 'debugfs.vexfs: -R #1: mkdir: usage: mkdir [-p] [-m MODE] PATH' \
	       'debugfs.vexfs: -R #2: mkdir: usage: mkdir [-p] [-m MODE] PATH' \
	       'debugfs.vexfs: -R #3: mkdir: usage: mkdir [-p] [-m MODE] PATH' \
	       'debugfs.vexfs: -R #4: mkdir: usage: mkdir [-p] [-m MODE] PATH'
	run -1 --separate-stderr dbg 'mkdir /dir' 'mkdir /a' 'mkdir /nope/deeper'
	err_is 'debugfs.vexfs: -R #1: mkdir: /dir: File exists' \
	       'debugfs.vexfs: -R #2: mkdir: /a: File exists' \
	       'debugfs.vexfs: -R #3: mkdir: /nope/deeper: parent directory /nope: No such file or directory'
	run -1 --separate-stderr dbg 'mkdir -m 8 /m' 'mkdir -m 17777 /m' 'mkdir -m "" /m'
	err_is 'debugfs.vexfs: -R #1: mkdir: 8: not an octal mode (0 to 7777)' \
	       'debugfs.vexfs: -R #2: mkdir: 17777: not an octal mode (0 to 7777)' \
	       'debugfs.vexfs: -R #3: mkdir: : not an octal mode (0 to 7777)'
	L=$(printf 'n%.0s' {1..256})
	run -1 --separate-stderr dbg "mkdir /$L" 'mkdir /dir/..' 'mkdir .'
	err_is "debugfs.vexfs: -R #1: mkdir: /$L: name longer than 255 bytes" \
	       "debugfs.vexfs: -R #2: mkdir: /dir/..: cannot use '..' as a name" \
	       "debugfs.vexfs: -R #3: mkdir: .: cannot use '.' as a name"
	cmp "$IMG" before.img
	fsck_clean
}

@test "rm, rmdir: names go, -r takes a populated tree and gives its space back" {
	"$VXTREE" super "$IMG" | grep '^free_' > free.before
	head -c 300000 /dev/urandom > r
	run -0 dbg 'mkdir -p /t/a/b/c' 'write r /t/a/f1' 'write r /t/a/b/f2' \
		'symlink /t/a/b/c/l /a' 'mknod /t/p p' 'ln /t/a/f1 /t/a/b/c/hl' \
		'mkdir /t/a/empty'
	run -0 rdbg 'find -type f /t'
	assert_output $'/t/a/b/c/hl\n/t/a/b/f2\n/t/a/f1'
	run -0 --separate-stderr dbg 'rm -r /t'
	[[ -z $output && -z $stderr ]]
	run -1 --separate-stderr rdbg 'find /t'
	err_is 'debugfs.vexfs: -R: find: /t: No such file or directory'
	"$VXTREE" super "$IMG" | grep '^free_' > free.after
	diff free.before free.after
	fsck_clean
	# rm of names, one or several; a hard link's other name stays
	run -0 dbg 'ln /a /a2' 'rm /a' 'rm /link /dir/file'
	run -0 rdbg 'ls /' 'ls /dir' 'cat /a2'
	assert_output $'a2\ndir\nlost+found\nsub\nabc'
	[[ $(st /a2 nlink) == 1 ]]
	# rmdir of empty directories; rm -r of a symlink removes the link only
	run -0 dbg 'symlink /ls /dir' 'rm -r /ls' 'rmdir /dir/sub' 'mkdir /e1' \
		   'mkdir /e2' 'rmdir /e1 /e2'
	run -0 rdbg 'ls /' 'ls /dir'
	assert_output $'a2\ndir\nlost+found'
	fsck_clean
}

@test "rm, rmdir: errors name the path; several paths are all or nothing" {
	cp "$IMG" before.img
	run -1 --separate-stderr dbg rm rmdir 'rm -f /a'
	err_is 'debugfs.vexfs: -R #1: rm: usage: rm [-r] PATH...' \
	       'debugfs.vexfs: -R #2: rmdir: usage: rmdir PATH...' \
	       'debugfs.vexfs: -R #3: rm: usage: rm [-r] PATH...'
	run -1 --separate-stderr dbg 'rm /dir' 'rm /nope' 'rm -r /nope/x' \
		'rmdir /dir' 'rmdir /a' 'rm /dir/..' 'rm -r /'
	err_is 'debugfs.vexfs: -R #1: rm: /dir (rm -r removes directories): Is a directory' \
	       'debugfs.vexfs: -R #2: rm: /nope: No such file or directory' \
	       'debugfs.vexfs: -R #3: rm: /nope/x: parent directory /nope: No such file or directory' \
	       'debugfs.vexfs: -R #4: rmdir: /dir: Directory not empty' \
	       'debugfs.vexfs: -R #5: rmdir: /a: Not a directory' \
	       "debugfs.vexfs: -R #6: rm: /dir/..: cannot use '..' as a name" \
	       "debugfs.vexfs: -R #7: rm: '/': needs a name, not a directory to stand for"
	# the first name would go, the second fails: neither goes
	run -1 --separate-stderr dbg 'rm /a /nope' 'rm -r /dir /nope' \
		'rmdir /dir/sub /a'
	err_is 'debugfs.vexfs: -R #1: rm: /nope: No such file or directory' \
	       'debugfs.vexfs: -R #2: rm: /nope: No such file or directory' \
	       'debugfs.vexfs: -R #3: rmdir: /a: Not a directory'
	cmp "$IMG" before.img
	fsck_clean
}

@test "mv: rename, move across directories, into a directory, replace, -n" {
	ino=$(st /a ino)
	run -0 --separate-stderr dbg 'mv /a /b' 'mv /b /dir/sub/c' 'mv /dir/file /dir/sub'
	[[ -z $output && -z $stderr ]]
	run -0 rdbg 'ls /' 'ls /dir/sub' 'cat /dir/sub/c'
	assert_output $'dir\nlink\nlost+found\nc\nfile\nabc'
	[[ $(st /dir/sub/c ino) == "$ino" ]]
	# onto an existing file: replaced, the old one's inode is freed
	printf 'new\n' > n
	run -0 dbg 'write n /n'
	free=$("$VXTREE" super "$IMG" | sed -n 's/^free_inodes: //p')
	run -0 dbg 'mv /n /dir/sub/c'
	run -0 rdbg 'cat /dir/sub/c' 'ls /'
	assert_output $'new\ndir\nlink\nlost+found'
	[[ $("$VXTREE" super "$IMG" | sed -n 's/^free_inodes: //p') -eq $((free + 1)) ]]
	# -n: refused, both unchanged
	run -0 dbg 'write n /m'
	cp "$IMG" before.img
	run -1 --separate-stderr dbg 'mv -n /m /dir/sub/file'
	err_is 'debugfs.vexfs: -R: mv: /m -> /dir/sub/file: File exists'
	run -0 rdbg 'cat /m' 'cat /dir/sub/file'
	assert_output $'new\nhello'
	cmp "$IMG" before.img
	# a directory onto an empty one of the same name replaces it (the
	# alias rename is mv)
	run -0 dbg 'mkdir -p /e/f' 'mkdir -p /f/inner' 'rename /f /e'
	run -0 rdbg 'find /e' 'ls /'
	assert_output $'/e\n/e/f\n/e/f/inner\ndir\ne\nlink\nlost+found\nm'
	[[ $(st / nlink) == 5 ]]
	fsck_clean
}

@test "mv: a directory into itself, onto a non-empty one, missing names: refused" {
	echo f > f
	run -0 dbg 'mkdir -p /x/y/z' 'mkdir -p /full/y/keep' 'write f /full/f'
	cp "$IMG" before.img
	run -1 --separate-stderr dbg 'mv /x /x/y/z' 'mv /x/y /x/y' 'mv /x /x'
	err_is 'debugfs.vexfs: -R #1: mv: /x -> /x/y/z: a directory cannot move into itself or below itself: Invalid argument' \
	       'debugfs.vexfs: -R #2: mv: /x/y -> /x/y: a directory cannot move into itself or below itself: Invalid argument' \
	       'debugfs.vexfs: -R #3: mv: /x -> /x: a directory cannot move into itself or below itself: Invalid argument'
	# into /full, where a non-empty y is: not replaced; a directory onto
	# a file and a file onto a directory's name (-n) are refused too
	run -1 --separate-stderr dbg 'mv /x/y /full' 'mv /x/y/z/../../y /full' \
		'mv -n /a /link' 'mv /nope /q' 'mv /a /nope/q' 'mv /dir /full/f' \
		'mv /dir/. /q' 'mv / /q'
	err_is 'debugfs.vexfs: -R #1: mv: /x/y -> /full: Directory not empty' \
	       'debugfs.vexfs: -R #2: mv: /x/y/z/../../y -> /full: Directory not empty' \
	       'debugfs.vexfs: -R #3: mv: /a -> /link: File exists' \
	       'debugfs.vexfs: -R #4: mv: /nope -> /q: No such file or directory' \
	       'debugfs.vexfs: -R #5: mv: /nope/q: parent directory /nope: No such file or directory' \
	       'debugfs.vexfs: -R #6: mv: /dir -> /full/f: Not a directory' \
	       "debugfs.vexfs: -R #7: mv: /dir/.: cannot use '.' as a name" \
	       "debugfs.vexfs: -R #8: mv: '/': needs a name, not a directory to stand for"
	run -1 --separate-stderr dbg mv 'mv /a' 'mv -x /a /b' 'mv /a /b /c'
	err_is 'debugfs.vexfs: -R #1: mv: usage: mv [-n] FROM TO' \
	       'debugfs.vexfs: -R #2: mv: usage: mv [-n] FROM TO' \
	       'debugfs.vexfs: -R #3: mv: usage: mv [-n] FROM TO' \
	       'debugfs.vexfs: -R #4: mv: usage: mv [-n] FROM TO'
	cmp "$IMG" before.img
	fsck_clean
}

@test "ln: a hard link is one inode with two names; ln -s and symlink store the target" {
	ino=$(st /dir/file ino)
	run -0 --separate-stderr dbg 'ln /dir/file /hl' 'ln /a /dir/sub' \
		'ln -s ../a /dir/rel' 'symlink /abs /dir/file' 'link /a /a3'
	[[ -z $output && -z $stderr ]]
	[[ $(st /hl ino nlink type) == "$ino 2 regular" ]]
	[[ $(st /dir/file nlink) == 2 ]]
	[[ $(st /dir/sub/a ino) == "$(st /a ino)" ]]
	[[ $(st /a nlink) == 3 ]]
	run -0 rdbg 'cat /hl' 'cat /abs' 'cat /dir/rel' 'cat /dir/sub/a'
	assert_output $'hello\nhello\nabcabc'
	[[ $(st /dir/rel type target size) == "symlink ../a 4" ]]
	[[ $(st /abs target) == /dir/file ]]
	run -0 rdbg 'ls -l /dir'
	assert_line --regexp '^ +[0-9]+ lrwxrwxrwx +1 +0 +0 +4 .* rel -> \.\./a$'
	# a long target (kept in a block), a dangling one
	T=/$(printf 'd%.0s' {1..200})/$(printf 'e%.0s' {1..200})
	run -0 dbg "symlink /long $T" 'ln -s /no/where /dangling'
	[[ $(st /long target size blocks) == "$T 402 1" ]]
	[[ $(st /dangling target) == /no/where ]]
	# removing one name leaves the other
	run -0 dbg 'rm /dir/file'
	[[ $(st /hl nlink) == 1 ]]
	fsck_clean
}

@test "ln, symlink: directories, existing names, missing targets, usage" {
	cp "$IMG" before.img
	run -1 --separate-stderr dbg 'ln /dir /dl' 'ln /nope /x' 'ln /a /link' \
		'ln -s /a /dir/file' 'symlink /dir/sub x' "symlink /e ''" \
		"symlink /e $(printf 'x%.0s' {1..4096})" 'ln /a /nope/x'
	err_is 'debugfs.vexfs: -R #1: ln: /dl -> /dir (a directory cannot have hard links; ln -s makes a symbolic one): Operation not permitted' \
	       'debugfs.vexfs: -R #2: ln: /nope: No such file or directory' \
	       'debugfs.vexfs: -R #3: ln: /link -> /a: File exists' \
	       'debugfs.vexfs: -R #4: ln: /dir/file: File exists' \
	       'debugfs.vexfs: -R #5: symlink: /dir/sub: File exists' \
	       'debugfs.vexfs: -R #6: symlink: /e: a symlink needs a target (it was empty)' \
	       'debugfs.vexfs: -R #7: symlink: /e: File name too long' \
	       'debugfs.vexfs: -R #8: ln: /nope/x: parent directory /nope: No such file or directory'
	run -1 --separate-stderr dbg ln 'ln /a' 'ln -s /a' 'ln -x /a /b' symlink \
		'symlink /x' 'symlink /x y z'
	err_is 'debugfs.vexfs: -R #1: ln: usage: ln [-s] TARGET PATH' \
	       'debugfs.vexfs: -R #2: ln: usage: ln [-s] TARGET PATH' \
	       'debugfs.vexfs: -R #3: ln: usage: ln [-s] TARGET PATH' \
	       'debugfs.vexfs: -R #4: ln: usage: ln [-s] TARGET PATH' \
	       'debugfs.vexfs: -R #5: symlink: usage: symlink PATH TARGET' \
	       'debugfs.vexfs: -R #6: symlink: usage: symlink PATH TARGET' \
	       'debugfs.vexfs: -R #7: symlink: usage: symlink PATH TARGET'
	cmp "$IMG" before.img
	fsck_clean
}

@test "mknod: fifos and device nodes with their numbers" {
	run -0 --separate-stderr dbg 'mknod /p p' 'mknod /c c 4 64' \
		'mknod /dir/b b 8 0x11' 'mknod /big c 4095 1048575'
	[[ -z $output && -z $stderr ]]
	[[ $(st /p type mode size) == "fifo 0o644 0" ]]
	[[ $(st /c type major minor) == "character device 4 64" ]]
	[[ $(st /dir/b type major minor) == "block device 8 17" ]]
	[[ $(st /big major minor) == "4095 1048575" ]]
	run -0 rdbg 'ls -l /' 'stat /dir/b'
	assert_line --regexp '^ +[0-9]+ crw-r--r-- +1 +0 +0 +4, +64 .* c$'
	assert_line --regexp '^ +[0-9]+ prw-r--r-- +1 +0 +0 +0 .* p$'
	assert_line 'Device: 8,17'
	fsck_clean
	cp "$IMG" before.img
	run -1 --separate-stderr dbg mknod 'mknod /n' 'mknod /n q' 'mknod /n c 1' \
		'mknod /n p 1 2' 'mknod /n c 4096 0' 'mknod /n b 1 1048576' \
		'mknod /n c x 1' 'mknod /a p' 'mknod /nope/n p'
	err_is 'debugfs.vexfs: -R #1: mknod: usage: mknod PATH p|c|b [MAJOR MINOR]' \
	       'debugfs.vexfs: -R #2: mknod: usage: mknod PATH p|c|b [MAJOR MINOR]' \
	       'debugfs.vexfs: -R #3: mknod: usage: mknod PATH p|c|b [MAJOR MINOR]' \
	       'debugfs.vexfs: -R #4: mknod: usage: mknod PATH p|c|b [MAJOR MINOR]' \
	       'debugfs.vexfs: -R #5: mknod: usage: mknod PATH p|c|b [MAJOR MINOR]' \
	       'debugfs.vexfs: -R #6: mknod: 4096 0: not a device number (major up to 4095, minor up to 1048575)' \
	       'debugfs.vexfs: -R #7: mknod: 1 1048576: not a device number (major up to 4095, minor up to 1048575)' \
	       'debugfs.vexfs: -R #8: mknod: x 1: not a device number (major up to 4095, minor up to 1048575)' \
	       'debugfs.vexfs: -R #9: mknod: /a: File exists' \
	       'debugfs.vexfs: -R #10: mknod: /nope/n: parent directory /nope: No such file or directory'
	cmp "$IMG" before.img
}

@test "truncate: grow reads zeroes, shrink keeps the prefix, K and M suffixes" {
	seq 1 3000 > s
	run -0 dbg 'write s /s' 'truncate /s 1M'
	cp s expect
	truncate -s 1M expect
	rdbg 'cat /s' > out
	cmp out expect
	[[ $(st /s size blocks) == "1048576 4" ]]
	run -0 rdbg 'bmap /s 4' 'bmap /s 255'
	assert_output $'0\n0'
	run -0 dbg 'truncate /s 100'
	rdbg 'cat /s' > out
	head -c 100 s | cmp - out
	[[ $(st /s size blocks) == "100 1" ]]
	run -0 dbg 'truncate /s 2k' 'truncate /link 0x10' 'truncate /a 0'
	[[ $(st /s size) == 2048 ]]
	rdbg 'cat /s' > out
	{ head -c 100 s; head -c 1948 /dev/zero; } | cmp - out
	# through the symlink: /dir/file itself is cut
	run -0 rdbg 'cat /dir/file' 'stat --json /a'
	[[ ${lines[0]} == hello ]]
	[[ $(st /dir/file size) == 16 && $(st /a size blocks) == "0 0" ]]
	run -0 dbg 'truncate /s 0' 'truncate /s 1M'
	rdbg 'cat /s' | cmp - <(head -c 1048576 /dev/zero)
	fsck_clean
}

@test "truncate: bad sizes, directories, fifos, missing files, usage" {
	run -0 dbg 'mknod /p p'
	cp "$IMG" before.img
	run -1 --separate-stderr dbg truncate 'truncate /a' 'truncate /a -1' \
		'truncate /a 1Q' 'truncate /a 1KB' 'truncate /a ""' 'truncate /a 99999999999T' \
		'truncate /dir 5' 'truncate /p 5' 'truncate /nope 5'
	err_is 'debugfs.vexfs: -R #1: truncate: usage: truncate PATH SIZE' \
	       'debugfs.vexfs: -R #2: truncate: usage: truncate PATH SIZE' \
	       'debugfs.vexfs: -R #3: truncate: -1: not a size (bytes, or with K, M, G, T)' \
	       'debugfs.vexfs: -R #4: truncate: 1Q: not a size (bytes, or with K, M, G, T)' \
	       'debugfs.vexfs: -R #5: truncate: 1KB: not a size (bytes, or with K, M, G, T)' \
	       'debugfs.vexfs: -R #6: truncate: : not a size (bytes, or with K, M, G, T)' \
	       'debugfs.vexfs: -R #7: truncate: 99999999999T: not a size (bytes, or with K, M, G, T)' \
	       'debugfs.vexfs: -R #8: truncate: /dir: not a regular file: only files have a size to set' \
	       'debugfs.vexfs: -R #9: truncate: /p: not a regular file: only files have a size to set' \
	       'debugfs.vexfs: -R #10: truncate: /nope: No such file or directory'
	cmp "$IMG" before.img
	fsck_clean
}

@test "chmod, chown: stat shows them; the type stays; several paths" {
	run -0 --separate-stderr dbg 'chmod 4750 /a' 'chmod 0 /dir/sub' \
		'chmod 640 /dir/file /a' 'chmod 1777 /dir' 'chown 1234 /a' \
		'chown 5:6 /dir/file /dir' 'chown 4294967295:0x10 /dir/sub' \
		'chmod 600 /link'
	[[ -z $output && -z $stderr ]]
	[[ $(st /a type mode uid gid) == "regular 0o640 1234 0" ]]
	[[ $(st /dir type mode uid gid) == "directory 0o1777 5 6" ]]
	[[ $(st /dir/file mode uid gid) == "0o640 5 6" ]]
	[[ $(st /dir/sub mode uid gid) == "0o0 4294967295 16" ]]
	# chmod of a symlink changes the link, not its target
	[[ $(st /link type mode) == "symlink 0o600" ]]
	run -0 dbg 'chmod 4755 /a'
	run -0 rdbg 'ls -l /'
	assert_line --regexp '^ +[0-9]+ -rwsr-xr-x +1 +1234 +0 +3 .* a$'
	assert_line --regexp '^ +[0-9]+ drwxrwxrwt +3 +5 +6 .* dir$'
	fsck_clean
}

@test "chmod, chown: bad modes and ids, missing paths; all or nothing" {
	cp "$IMG" before.img
	run -1 --separate-stderr dbg chmod 'chmod 644' chown 'chown 1' \
		'chmod 8 /a' 'chmod 10000 /a' 'chmod u+x /a' 'chown a /a' \
		'chown 1:b /a' 'chown -1 /a' 'chown 4294967296 /a' 'chown 1: /a' \
		'chmod 600 /a /nope' 'chown 7 /dir /nope/x'
	err_is 'debugfs.vexfs: -R #1: chmod: usage: chmod MODE PATH...' \
	       'debugfs.vexfs: -R #2: chmod: usage: chmod MODE PATH...' \
	       'debugfs.vexfs: -R #3: chown: usage: chown UID[:GID] PATH...' \
	       'debugfs.vexfs: -R #4: chown: usage: chown UID[:GID] PATH...' \
	       'debugfs.vexfs: -R #5: chmod: 8: not an octal mode (0 to 7777)' \
	       'debugfs.vexfs: -R #6: chmod: 10000: not an octal mode (0 to 7777)' \
	       'debugfs.vexfs: -R #7: chmod: u+x: not an octal mode (0 to 7777)' \
	       'debugfs.vexfs: -R #8: chown: a: not numeric UID[:GID] (0 to 4294967295)' \
	       'debugfs.vexfs: -R #9: chown: 1:b: not numeric UID[:GID] (0 to 4294967295)' \
	       'debugfs.vexfs: -R #10: chown: -1: not numeric UID[:GID] (0 to 4294967295)' \
	       'debugfs.vexfs: -R #11: chown: 4294967296: not numeric UID[:GID] (0 to 4294967295)' \
	       'debugfs.vexfs: -R #12: chown: 1:: not numeric UID[:GID] (0 to 4294967295)' \
	       'debugfs.vexfs: -R #13: chmod: /nope: No such file or directory' \
	       'debugfs.vexfs: -R #14: chown: /nope/x: No such file or directory'
	cmp "$IMG" before.img
	fsck_clean
}

@test "touch: -t sets exactly that, -a and -m one of the two, -c makes nothing" {
	run -0 --separate-stderr dbg 'touch -t 1000000000.123456789 /a' \
		'touch -a -t 5 /dir/file' 'touch -m -t 7.5 /dir/file' \
		'set_times -t 1.25 /dir' 'touch -t -1.25 /link'
	[[ -z $output && -z $stderr ]]
	t=$(iso 1000000000 123456789)
	[[ $(st /a atime mtime) == "$t $t" ]]
	[[ $(st /dir/file atime mtime) == "$(iso 5 0) $(iso 7 500000000)" ]]
	[[ $(st /dir mtime) == "$(iso 1 250000000)" ]]
	# before the epoch: -1.25 s is -2 s + 0.75 s
	[[ $(st /link type mtime) == "symlink $(iso -2 750000000)" ]]
	run -0 rdbg 'ls -l /'
	assert_line --regexp '^ +[0-9]+ -rw-r--r-- +1 +0 +0 +3 2001-09-09 01:46:40 a$'
	# -c: a missing file is not made (and that is no error); the
	# session ran a command that succeeded, so the superblock's mount
	# count may move: the tree and the free counts do not
	state > before
	run -0 --separate-stderr dbg 'touch -c /new' 'touch -c -t 5 /dir/new2'
	[[ -z $output && -z $stderr ]]
	state > after
	diff before after
	fsck_clean
}

@test "touch: makes missing files, now by default, several paths" {
	start=$(date +%s)
	run -0 dbg 'touch /new "/dir/with space"' 'touch -t 3 /a' 'touch /a'
	end=$(date +%s)
	[[ $(st /new type mode size nlink) == "regular 0o644 0 1" ]]
	run -0 rdbg 'ls /dir'
	assert_output $'file\nsub\nwith space'
	# "now": between the start and the end of the run
	for p in /new /a; do
		m=$(st $p mtime)
		s=$(date -u -d "${m%.*}" +%s)
		[[ $s -ge $start && $s -le $end ]]
		[[ $(st $p atime) == "$m" ]]
	done
	fsck_clean
}

@test "touch: bad -t, missing parents, usage; several paths all or nothing" {
	cp "$IMG" before.img
	run -1 --separate-stderr dbg touch 'touch -x /a' 'touch -t abc /a' \
		'touch -t 1.1234567891 /a' 'touch -t 1. /a' 'touch -t " 5" /a' \
		'touch -t +5 /a' 'touch /nope/f' 'touch /new /nope/f' 'touch /dir/..'
	err_is 'debugfs.vexfs: -R #1: touch: usage: touch [-a] [-m] [-c] [-t SECONDS[.NSEC]] PATH...' \
	       'debugfs.vexfs: -R #2: touch: usage: touch [-a] [-m] [-c] [-t SECONDS[.NSEC]] PATH...' \
	       'debugfs.vexfs: -R #3: touch: -t abc: not SECONDS[.NANOSECONDS] (at most 9 digits after the point)' \
	       'debugfs.vexfs: -R #4: touch: -t 1.1234567891: not SECONDS[.NANOSECONDS] (at most 9 digits after the point)' \
	       'debugfs.vexfs: -R #5: touch: -t 1.: not SECONDS[.NANOSECONDS] (at most 9 digits after the point)' \
	       'debugfs.vexfs: -R #6: touch: -t  5: not SECONDS[.NANOSECONDS] (at most 9 digits after the point)' \
	       'debugfs.vexfs: -R #7: touch: -t +5: not SECONDS[.NANOSECONDS] (at most 9 digits after the point)' \
	       'debugfs.vexfs: -R #8: touch: /nope/f: parent directory /nope: No such file or directory' \
	       'debugfs.vexfs: -R #9: touch: /nope/f: parent directory /nope: No such file or directory' \
	       "debugfs.vexfs: -R #10: touch: /dir/..: cannot use '..' as a name"
	cmp "$IMG" before.img
	fsck_clean
}

# host_tree DIR: nested directories, symlinks (relative, absolute,
# dangling), a hard-linked pair in two directories, a fifo, empty files,
# a 3 MiB random file, a sparse file, names with spaces, odd modes,
# owners and nanosecond times
host_tree() {
	local t=$1

	mkdir -p "$t/d1/d2/d3" "$t/d1/empty dir" "$t/other"
	head -c 3145728 /dev/urandom > "$t/random"
	: > "$t/empty"
	: > "$t/d1/d2/d3/also empty"
	printf 'linked\n' > "$t/d1/pair"
	ln "$t/d1/pair" "$t/other/pair too"
	ln -s ../d1/pair "$t/other/rel"
	ln -s /abs/target "$t/d1/dangling"
	ln -s d1/d2 "$t/dirlink"
	mkfifo "$t/d1/fifo"
	printf 'start' > "$t/d1/sparse"
	truncate -s 5M "$t/d1/sparse"
	printf 'end' >> "$t/d1/sparse"
	chmod 4711 "$t/d1/d2/d3/also empty"
	chmod 700 "$t/other"
	chown 1234:5678 "$t/random"
	touch -h -d @1600000000.987654321 "$t/d1/dangling"
	touch -d @1400000000.5 "$t/empty" "$t/d1"
}

@test "copy_in: a host tree arrives whole (vxtree compare), hard links as one inode" {
	H=$BATS_TEST_TMPDIR/host
	mkdir -p "$H/top"
	host_tree "$H/top/tree"
	"$MKFS" -q -F "$(mkimg empty.img 32M)"
	IMG=$BATS_TEST_TMPDIR/empty.img
	run -0 --separate-stderr dbg "copy_in $H/top/tree /"
	assert_output 'copied 9 files and 6 directories'
	[[ -z $stderr ]]
	# the image's root and lost+found are not from the host: give the
	# host's top directory and a lost+found their attributes, then the
	# two trees must be equal in everything vxtree compares
	mkdir "$H/top/lost+found"
	rdbg 'stat --json /lost+found /' > st.json
	python3 - "$H/top" <<-'EOF2'
	import json, os, sys
	from datetime import datetime, timezone
	def ns(s):
	    d = datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")
	    return int(d.replace(tzinfo=timezone.utc).timestamp()) * 10**9 + int(s[20:29])
	for e in json.load(open("st.json")):   # lost+found first: then /
	    p = sys.argv[1] + e["path"]
	    os.chmod(p, e["mode"])
	    os.utime(p, ns=(ns(e["atime"]), ns(e["mtime"])))
	EOF2
	run -0 "$VXTREE" compare "$IMG" "$H/top"
	assert_output --regexp '^[0-9]+ objects compared, 0 differences$'
	# the pair: one inode, two names, nlink 2
	[[ $(st /tree/d1/pair ino nlink) == \
	   "$(st '/tree/other/pair too' ino) 2" ]]
	rdbg 'cat /tree/random' | cmp - "$H/top/tree/random"
	[[ $(st /tree/random uid gid size) == "1234 5678 3145728" ]]
	[[ $(st /tree/d1/sparse blocks) == 2 ]]
	[[ $(st /tree/d1/dangling target mtime) == \
	   "/abs/target $(iso 1600000000 987654321)" ]]
	fsck_clean
}

@test "copy_in: into a new name, into an existing directory; an existing name is refused" {
	H=$BATS_TEST_TMPDIR/h
	mkdir -p "$H/src/in"
	printf 'x' > "$H/src/in/f"
	run -0 dbg "copy_in $H/src /dir/sub" "copy_in $H/src/ /renamed" \
		"copy_in $H/src/in/f /dir/single"
	assert_output $'copied 1 file and 2 directories\ncopied 1 file and 2 directories\ncopied 1 file and 0 directories'
	run -0 rdbg 'find /dir/sub' 'find /renamed' 'cat /dir/single'
	assert_output $'/dir/sub\n/dir/sub/src\n/dir/sub/src/in\n/dir/sub/src/in/f\n/renamed\n/renamed/in\n/renamed/in/f\nx'
	cp "$IMG" before.img
	run -1 --separate-stderr dbg "copy_in $H/src /renamed/in/f" \
		"copy_in $H/src /nope/x" "copy_in $H/nothere /" copy_in 'copy_in /a'
	err_is "debugfs.vexfs: -R #1: copy_in: $H/src: File exists" \
	       'debugfs.vexfs: -R #2: copy_in: /nope/x: parent directory /nope: No such file or directory' \
	       "debugfs.vexfs: -R #3: copy_in: $H/nothere: No such file or directory" \
	       'debugfs.vexfs: -R #4: copy_in: usage: copy_in HOSTDIR PATH' \
	       'debugfs.vexfs: -R #5: copy_in: usage: copy_in HOSTDIR PATH'
	cmp "$IMG" before.img
	fsck_clean
}

@test "all or nothing: a copy_in or write that runs out of space leaves nothing" {
	"$MKFS" -q -F "$(mkimg small.img 16M)"
	IMG=$BATS_TEST_TMPDIR/small.img
	H=$BATS_TEST_TMPDIR/h
	mkdir -p "$H/t/sub"
	for n in 1 2 3 4 5; do echo "$n" > "$H/t/sub/f$n"; done
	head -c 20971520 /dev/urandom > "$H/t/sub/zz-big"
	# the first edit of a new image, and one after others
	cp "$IMG" fresh.img
	run -1 --separate-stderr dbg "copy_in $H/t /"
	cmp "$IMG" fresh.img
	run -0 dbg 'mkdir /keep'
	cp "$IMG" before.img
	run -1 --separate-stderr dbg "copy_in $H/t /"
	assert_output ''
	[[ $stderr == "debugfs.vexfs: -R: copy_in: writing $H/t/sub/zz-big at byte "*": no free blocks left on the filesystem" ]]
	cmp "$IMG" before.img
	fsck_clean
	run -1 --separate-stderr dbg "write $H/t/sub/zz-big /big"
	[[ $stderr == "debugfs.vexfs: -R: write: writing $H/t/sub/zz-big at byte "*": no free blocks left on the filesystem" ]]
	cmp "$IMG" before.img
	fsck_clean
	# inside a transaction the failed command is undone alone, and an
	# abort leaves the image byte for byte as it was
	cp "$IMG" orig.img
	run -1 --separate-stderr dbg begin 'mkdir /x' "copy_in $H/t /" txn abort
	assert_line 'level 1 aborted'
	cmp "$IMG" orig.img
	# committed, the transaction keeps what succeeded and nothing of
	# the copy
	run -1 --separate-stderr dbg begin 'mkdir /x' "copy_in $H/t /" commit
	run -0 rdbg ls
	assert_output $'keep\nlost+found\nx'
	fsck_clean
}

@test "a read-only session refuses every edit, saying -w, and writes nothing" {
	cp "$IMG" orig.img
	echo x > h
	mkdir hd
	for c in 'write h /w' 'mkdir /m' 'mkdir -p /m/n' 'rm /a' 'rm -r /dir' \
		 'rmdir /dir/sub' 'mv /a /b' 'ln /a /b' 'ln -s /a /b' \
		 'symlink /b /a' 'mknod /p p' 'truncate /a 0' 'chmod 600 /a' \
		 'chown 1 /a' 'touch /a' 'set_times -t 5 /a' "copy_in $PWD/hd /"; do
		run -1 --separate-stderr "$DBG" -k -R "$c" "$IMG"
		assert_output ''
		name=${c%% *}
		[[ $name != set_times ]] || name=touch	# messages use the name
		assert_equal "$stderr" \
			"debugfs.vexfs: -R: $name: $IMG is open read-only; open it with -w to change it"
	done
	cmp "$IMG" orig.img
}

@test "quoting: names with spaces in every editing command" {
	echo 'spaced' > 'host file'
	mkdir -p 'host dir/in side'
	echo in > 'host dir/in side/f g'
	run -0 --separate-stderr dbg 'mkdir "/a b"' "write 'host file' '/a b/c d'" \
		'mkdir -p "/a b/e f/g h"' 'mv "/a b/c d" "/a b/e f/c d"' \
		'ln "/a b/e f/c d" "/h l"' 'ln -s "/a b/e f" "/s l"' \
		'symlink "/s 2" "a b"' 'mknod "/p q" p' 'truncate "/h l" 3' \
		'chmod 600 "/h l"' 'chown 7:8 "/s l"' 'touch -t 9 "/a b/new one"' \
		"copy_in '$PWD/host dir' '/a b'" 'rmdir "/a b/e f/g h"'
	assert_output 'copied 1 file and 2 directories'
	[[ -z $stderr ]]
	run -0 rdbg 'find "/a b"' 'cat "/s l/c d"' 'cat "/s 2/host dir/in side/f g"'
	assert_output "$(printf '%s\n' '/a b' '/a b/e f' '/a b/e f/c d' \
			  '/a b/host dir' '/a b/host dir/in side' \
			  '/a b/host dir/in side/f g' '/a b/new one' spain)"
	[[ $(st '/h l' nlink mode size) == "2 0o600 3" ]]
	[[ $(st '/s l' target uid gid) == "/a b/e f 7 8" ]]
	[[ $(st '/p q' type) == fifo ]]
	[[ $(st '/a b/new one' mtime) == "$(iso 9 0)" ]]
	run -0 dbg 'rm -r "/a b" "/h l"' 'rm "/s l" "/s 2" "/p q"'
	run -0 rdbg ls
	assert_output $'a\ndir\nlink\nlost+found'
	fsck_clean
}
