#!/usr/bin/env bats
# 3010-debugfs-nav.bats: the navigation and reading commands of
# debugfs.vexfs: cd, pwd, ls [-l] [-d] [-a] [--json], stat [--json], cat,
# blocks, bmap and find.
#
# setup_file builds one host tree and formats nav.img (32 MiB) from it
# with mkfs.vexfs -d, then adds with debugfs.vexfs -w what a host tree
# cannot carry as simply (a symlink whose 300-byte target needs a block).
# The tree:
#   /a b/c d             names with spaces
#   /abs -> /dir/sub     absolute symlink to a directory
#   /big                 5000 lines (6 blocks), mtime 1234567890.5
#   /cdev                character device 4,64
#   /dir/link -> sub     relative symlink to a directory
#   /dir/sub/deep/file.txt, /dir/sub/other
#   /empty, /fifo
#   /files/{Mid,alpha,beta,zeta}, /hard (a second name of /files/alpha)
#   /long -> 300 x's      (added by debugfs: a target kept in a block)
#   /sparse              "start", a hole, "end" at 1 MiB
# Every test opens the image read-only; what each command prints is
# compared with what the host tree holds (cmp for contents, python3 for
# the --json documents) and every error is checked for its exit status,
# for naming the object on stderr and for printing nothing on stdout.

bats_require_minimum_version 1.5.0
load test_helper

DBG=$TOPDIR/debugfs/debugfs.vexfs

setup_file() {
	local t=$BATS_FILE_TMPDIR/tree

	need_built "$DBG" || return 1
	mkdir -p "$t/a b" "$t/dir/sub/deep" "$t/files" || return 1
	echo 'in a b' > "$t/a b/c d"
	echo deep > "$t/dir/sub/deep/file.txt"
	echo other > "$t/dir/sub/other"
	ln -s sub "$t/dir/link"
	ln -s /dir/sub "$t/abs"
	for n in zeta alpha Mid beta; do echo "$n" > "$t/files/$n"; done
	ln "$t/files/alpha" "$t/hard"
	seq 1 5000 > "$t/big"
	touch -d @1234567890.5 "$t/big"
	printf start > "$t/sparse"
	truncate -s 1M "$t/sparse"
	printf end >> "$t/sparse"
	: > "$t/empty"
	mkfifo "$t/fifo"
	mknod "$t/cdev" c 4 64 || return 1
	"$MKFS" -q -F -d "$t" "$(mkimg nav.img 32M)" || {
		echo "setup_file: mkfs.vexfs failed" >&2
		return 1
	}
	LONG=$(printf 'x%.0s' {1..300})
	export LONG
	"$DBG" -w -R "symlink /long $LONG" "$BATS_FILE_TMPDIR/nav.img" || {
		echo "setup_file: debugfs.vexfs -w symlink failed" >&2
		return 1
	}
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1	# the tests' own files go there
	IMG=$BATS_FILE_TMPDIR/nav.img
	TREE=$BATS_FILE_TMPDIR/tree
}

# dbg CMD...: run each CMD as one -R request on the image, read-only,
# all of them (-k): a failure prints its one message and nothing more
dbg() {
	local args=() c

	for c in "$@"; do args+=(-R "$c"); done
	"$DBG" -k "${args[@]}" "$IMG"
}

# jget PY-EXPR: evaluate PY-EXPR with j = the JSON document on stdin
jget() {
	python3 -c 'import json, sys; j = json.load(sys.stdin); print('"$1"')'
}

# usage_err LINE USAGE: the command LINE fails with exit 1, prints
# nothing on stdout and on stderr only "NAME: usage: NAME USAGE" (NAME is
# LINE's first word)
usage_err() {
	run -1 --separate-stderr dbg "$1"
	assert_output ''
	[[ $stderr == "debugfs.vexfs: -R: ${1%% *}: usage: ${1%% *}${2:+ $2}" ]] || {
		echo "stderr: $stderr" >&2
		return 1
	}
}

@test "ls: names sorted byte by byte, no dots; -a adds . and .." {
	run -0 --separate-stderr dbg ls
	assert_output "$(printf '%s\n' 'a b' abs big cdev dir empty fifo \
			  files hard long lost+found sparse)"
	[[ -z $stderr ]]
	run -0 dbg 'ls /files'
	assert_output $'Mid\nalpha\nbeta\nzeta'
	run -0 dbg 'ls -a /files'
	assert_output $'.\n..\nMid\nalpha\nbeta\nzeta'
	# the working directory by default, after cd
	run -0 dbg 'cd /dir' 'ls -a'
	assert_output $'.\n..\nlink\nsub'
}

@test "ls -d lists the entry itself; a file argument lists the file" {
	run -0 dbg 'ls -d /dir'
	assert_output /dir
	run -0 dbg 'ls /big'
	assert_output /big
	run -0 dbg 'ls -d'
	assert_output .
	run -0 dbg 'ls -ld /dir'
	assert_output --regexp '^ +8 drwxr-xr-x +3 +0 +0 +4096 [0-9-]+ [0-9:]+ /dir$'
}

@test "ls -l: inode, mode, links, owner, size, time, name and targets" {
	run -0 --separate-stderr dbg 'ls -l /'
	assert_line --regexp '^ +6 -rw-r--r-- +1 +0 +0 +23893 2009-02-13 23:31:30 big$'
	assert_line --regexp '^ +[0-9]+ lrwxrwxrwx +1 +0 +0 +8 [0-9: -]+ abs -> /dir/sub$'
	assert_line --regexp '^ +[0-9]+ lrwxrwxrwx +1 +0 +0 +300 [0-9: -]+ long -> x{300}$'
	assert_line --regexp '^ +[0-9]+ crw-r--r-- +1 +0 +0 +4, +64 [0-9: -]+ cdev$'
	assert_line --regexp '^ +[0-9]+ prw-r--r-- +1 +0 +0 +0 [0-9: -]+ fifo$'
	assert_line --regexp '^ +[0-9]+ -rw-r--r-- +2 +0 +0 +6 [0-9: -]+ hard$'
	assert_line --regexp '^ +[0-9]+ drwxr-xr-x +2 +0 +0 +4096 [0-9: -]+ a b$'
	[[ ${#lines[@]} -eq 12 ]]
	# the inode numbers are those stat reports
	ino=$(dbg 'stat --json /sparse' | jget 'j[0]["ino"]')
	assert_line --regexp "^ +$ino -rw-r--r-- +1 +0 +0 +1048579 .* sparse\$"
}

@test "ls --json: one array, every entry with name, ino, type, mode, size" {
	run -0 --separate-stderr dbg 'ls --json /'
	[[ -z $stderr ]]
	echo "$output" > ls.json
	python3 - "$TREE" <<-'EOF'
	import json, os, stat, sys
	tree = sys.argv[1]
	j = json.load(open("ls.json"))
	names = [e["name"] for e in j]
	assert names == sorted(names, key=os.fsencode), names
	assert set(names) == set(os.listdir(tree)) | {"long", "lost+found"}
	kinds = {stat.S_IFREG: "regular", stat.S_IFDIR: "directory",
	         stat.S_IFLNK: "symlink", stat.S_IFCHR: "character device",
	         stat.S_IFIFO: "fifo"}
	for e in j:
	    for k in ("name", "ino", "type", "mode", "size"):
	        assert k in e, (e, k)
	    if e["name"] in ("long", "lost+found"):
	        continue
	    st = os.lstat(os.path.join(tree, e["name"]))
	    assert e["type"] == kinds[stat.S_IFMT(st.st_mode)], e
	    assert e["mode"] == stat.S_IMODE(st.st_mode), e
	    if e["type"] != "directory":
	        assert e["size"] == st.st_size, e
	    if e["type"] == "symlink":
	        assert e["target"] == os.readlink(
	            os.path.join(tree, e["name"])), e
	EOF
	# the hard link and its first name are one inode
	a=$(dbg 'ls --json /files' | jget '[e["ino"] for e in j if e["name"] == "alpha"][0]')
	h=$(dbg 'ls --json -d /hard' | jget 'j[0]["ino"]')
	[[ $a == "$h" ]]
	# -d --json on two paths: still one document
	run -0 dbg 'ls --json -d /dir /big'
	[[ $(jget '[e["name"] for e in j]' <<< "$output") == "['/dir', '/big']" ]]
}

@test "ls: several directories get headers; a missing one is named, the rest listed" {
	run -0 dbg 'ls /dir /files'
	assert_output $'/dir:\nlink\nsub\n/files:\nMid\nalpha\nbeta\nzeta'
	run -1 --separate-stderr dbg 'ls /nope /dir'
	assert_output $'/dir:\nlink\nsub'
	assert_equal "$stderr" \
		"debugfs.vexfs: -R: ls: /nope: No such file or directory"
	run -1 --separate-stderr dbg 'ls -z'
	assert_output ''
	[[ $stderr == 'debugfs.vexfs: -R: ls: usage: ls '* ]]
}

@test "stat --json: attributes and extents match the host file" {
	run -0 --separate-stderr dbg 'stat --json /big /sparse /cdev /long /abs'
	echo "$output" > st.json
	python3 - "$TREE" <<-'EOF'
	import json, os, stat, sys
	tree = sys.argv[1]
	j = {e["path"]: e for e in json.load(open("st.json"))}
	for p in ("/big", "/sparse"):
	    st = os.stat(tree + p)
	    e = j[p]
	    assert e["type"] == "regular" and e["size"] == st.st_size, e
	    assert e["mode"] == stat.S_IMODE(st.st_mode), e
	    assert (e["uid"], e["gid"], e["nlink"]) == \
	        (st.st_uid, st.st_gid, 1), e
	big = j["/big"]
	assert big["mtime"] == "2009-02-13T23:31:30.500000000Z", big
	assert big["extents"][0]["lblk"] == 0
	assert sum(x["len"] for x in big["extents"]) == 6 == big["blocks"]
	sp = [(x["lblk"], x["len"]) for x in j["/sparse"]["extents"]]
	assert sp == [(0, 1), (256, 1)], sp
	assert j["/cdev"]["type"] == "character device"
	assert (j["/cdev"]["major"], j["/cdev"]["minor"]) == (4, 64)
	assert j["/long"]["target"] == "x" * 300 and j["/long"]["blocks"] == 1
	assert len(j["/long"]["extents"]) == 1
	assert j["/abs"]["target"] == "/dir/sub" and j["/abs"]["extents"] == []
	EOF
}

@test "stat: text form; <INO> names the same inode as its path" {
	run -0 dbg 'stat /big'
	assert_line --regexp '^Inode: 6   Type: regular   Mode: 0644 \(-rw-r--r--\)'
	assert_line --regexp '^User: +0   Group: +0   Links: 1   Size: 23893   Blocks: 6$'
	assert_line ' mtime: 2009-02-13 23:31:30.500000000'
	assert_line --regexp '^  \(0-5\):[0-9]+-[0-9]+$'
	bypath=$output
	run -0 dbg 'stat <6>'
	assert_equal "$output" "$bypath"
	run -0 dbg 'stat /cdev'
	assert_line 'Device: 4,64'
	assert_line 'Extents: (none)'
	run -0 dbg 'stat /abs'
	assert_line 'Target: "/dir/sub" (inline)'
	run -0 dbg 'stat /long'
	assert_line "Target: \"$LONG\""
	# several paths: each under its name
	run -0 dbg 'stat /empty "/a b/c d"'
	assert_line '/empty:'
	assert_line '/a b/c d:'
	# a symlink is shown itself, not what it names
	run -0 dbg 'stat /dir/link'
	assert_line --regexp 'Type: symlink'
}

@test "stat: bad inode numbers and missing paths are named" {
	run -1 --separate-stderr dbg 'stat <0>'
	assert_equal "$stderr" "debugfs.vexfs: -R: stat: <0>: not an inode number"
	run -1 --separate-stderr dbg 'stat <abc>'
	assert_equal "$stderr" "debugfs.vexfs: -R: stat: <abc>: not an inode number"
	run -1 --separate-stderr dbg 'stat <99999>'
	assert_equal "$stderr" "debugfs.vexfs: -R: stat: inode 99999: No such file or directory"
	run -1 --separate-stderr dbg 'stat /dir/nope'
	assert_equal "$stderr" "debugfs.vexfs: -R: stat: /dir/nope: No such file or directory"
	assert_output ''
	# the good ones of a list are still shown, the run fails
	run -1 --separate-stderr dbg 'stat --json /empty /nope'
	[[ $(jget '[e["path"] for e in j]' <<< "$output") == "['/empty']" ]]
	assert_equal "$stderr" "debugfs.vexfs: -R: stat: /nope: No such file or directory"
}

@test "cat: contents byte for byte, holes as zeroes, through symlinks" {
	dbg 'cat /big' > big.out
	cmp big.out "$TREE/big"
	dbg 'cat /sparse' > sparse.out
	cmp sparse.out "$TREE/sparse"
	dbg 'cat /empty' > empty.out
	cmp empty.out "$TREE/empty"
	dbg 'cat "/a b/c d"' > ab.out
	cmp ab.out "$TREE/a b/c d"
	dbg 'cat /abs/deep/file.txt' > deep.out
	cmp deep.out "$TREE/dir/sub/deep/file.txt"
	ino=$(dbg 'stat --json /big' | jget 'j[0]["ino"]')
	dbg "cat <$ino>" > ino.out
	cmp ino.out "$TREE/big"
	run -0 dbg 'cat /hard'
	assert_output alpha
}

@test "cat: directories, devices, fifos and missing files are refused by name" {
	run -1 --separate-stderr dbg 'cat /dir'
	assert_output ''
	assert_equal "$stderr" "debugfs.vexfs: -R: cat: /dir: Is a directory"
	run -1 --separate-stderr dbg 'cat /abs'
	assert_equal "$stderr" "debugfs.vexfs: -R: cat: /abs: Is a directory"
	run -1 --separate-stderr dbg 'cat /fifo'
	assert_equal "$stderr" \
		"debugfs.vexfs: -R: cat: /fifo: a fifo, not a regular file: it has no contents"
	run -1 --separate-stderr dbg 'cat /cdev'
	assert_equal "$stderr" \
		"debugfs.vexfs: -R: cat: /cdev: a character device, not a regular file: it has no contents"
	run -1 --separate-stderr dbg 'cat /nope'
	assert_equal "$stderr" "debugfs.vexfs: -R: cat: /nope: No such file or directory"
	# a symlink by inode number has no directory to resolve it from
	ino=$(dbg 'stat --json /abs' | jget 'j[0]["ino"]')
	run -1 --separate-stderr dbg "cat <$ino>"
	assert_equal "$stderr" \
		"debugfs.vexfs: -R: cat: <$ino> is a symlink; name it by a path to follow it"
}

@test "blocks and bmap agree block by block; stat's extents are the same blocks" {
	run -0 dbg 'blocks /big'
	read -ra list <<< "$output"
	[[ ${#list[@]} -eq 6 ]]
	for lb in 0 1 2 3 4 5; do	# (not $i: bats' run uses it)
		run -0 dbg "bmap /big $lb"
		assert_output "${list[$lb]}"
	done
	ext=$(dbg 'stat --json /big' | jget \
		'" ".join(str(x["pblk"] + i) for x in j[0]["extents"] for i in range(x["len"]))')
	assert_equal "$ext" "${list[*]}"
	# past the end: nothing mapped
	run -0 dbg 'bmap /big 6'
	assert_output 0
	# a sparse file: the hole maps to 0, blocks lists the mapped two
	run -0 dbg 'blocks /sparse'
	read -ra sp <<< "$output"
	[[ ${#sp[@]} -eq 2 ]]
	run -0 dbg 'bmap /sparse 0' 'bmap /sparse 1' 'bmap /sparse 255' \
		   'bmap /sparse 256' 'bmap /sparse 0x100'
	assert_output "$(printf '%s\n' "${sp[0]}" 0 0 "${sp[1]}" "${sp[1]}")"
	# a directory has blocks too; an inode number works
	run -0 dbg 'blocks /dir' 'bmap <8> 0'
	[[ ${lines[0]} == "${lines[1]}" && ${lines[0]} -gt 0 ]]
	# a target kept in a block; an empty file has none
	run -0 dbg 'blocks /long' 'bmap /long 0' 'blocks /empty'
	[[ ${#lines[@]} -eq 2 && ${lines[0]} == "${lines[1]}" ]]
}

@test "blocks, bmap: errors name the argument" {
	run -1 --separate-stderr dbg 'bmap /big x'
	assert_equal "$stderr" "debugfs.vexfs: -R: bmap: x: not a logical block number"
	run -1 --separate-stderr dbg 'bmap /big -1'
	assert_equal "$stderr" "debugfs.vexfs: -R: bmap: -1: not a logical block number"
	run -1 --separate-stderr dbg 'bmap /nope 0'
	assert_equal "$stderr" "debugfs.vexfs: -R: bmap: /nope: No such file or directory"
	run -1 --separate-stderr dbg 'bmap /abs 0'
	assert_equal "$stderr" \
		"debugfs.vexfs: -R: bmap: /abs: a symlink whose target is kept in the inode has no blocks"
	run -1 --separate-stderr dbg 'blocks /nope'
	assert_equal "$stderr" "debugfs.vexfs: -R: blocks: /nope: No such file or directory"
	assert_output ''
}

@test "find: the whole tree in sorted pre-order, like a sorted host walk" {
	run -0 --separate-stderr dbg 'find /'
	[[ -z $stderr ]]
	expected=$(python3 - "$TREE" <<-'EOF'
	import os, sys
	def walk(host, shown):
	    for n in sorted(os.listdir(host), key=os.fsencode):
	        p = os.path.join(host, n)
	        s = shown.rstrip("/") + "/" + n
	        yield s
	        if os.path.isdir(p) and not os.path.islink(p):
	            yield from walk(p, s)
	out = ["/"] + list(walk(sys.argv[1], "/"))
	out += ["/long", "/lost+found"]
	print("\n".join(sorted(out, key=lambda s: s.split("/"))))
	EOF
	)
	assert_output "$expected"
}

@test "find: -type, -name and a path; relative after cd; trailing slashes" {
	run -0 dbg 'find -type d /'
	assert_output "$(printf '%s\n' / '/a b' /dir /dir/sub /dir/sub/deep \
			  /files /lost+found)"
	run -0 dbg 'find -type l /'
	assert_output $'/abs\n/dir/link\n/long'
	run -0 dbg 'find -type c /' 'find -type p /'
	assert_output $'/cdev\n/fifo'
	run -0 dbg 'find -type f /dir'
	assert_output $'/dir/sub/deep/file.txt\n/dir/sub/other'
	run -0 dbg "find -name '[a-c]*' /"
	assert_output $'/a b\n/a b/c d\n/abs\n/big\n/cdev\n/files/alpha\n/files/beta'
	run -0 dbg 'find -type f -name "*e*" /files'
	assert_output $'/files/beta\n/files/zeta'
	run -0 dbg 'cd /dir' 'find'
	assert_output $'.\n./link\n./sub\n./sub/deep\n./sub/deep/file.txt\n./sub/other'
	run -0 dbg 'cd /dir' 'find sub/deep'
	assert_output $'sub/deep\nsub/deep/file.txt'
	run -0 dbg 'find /dir/sub/' 'find -name sub /dir/sub//'
	assert_output $'/dir/sub\n/dir/sub/deep\n/dir/sub/deep/file.txt\n/dir/sub/other\n/dir/sub'
	# a file: itself; a symlink is not followed
	run -0 dbg 'find /big' 'find /abs'
	assert_output $'/big\n/abs'
	run -0 dbg 'find "/a b"'
	assert_output $'/a b\n/a b/c d'
	# the path may also come first, as with find(1)
	run -0 dbg 'find "/a b" -type d'
	assert_output '/a b'
	run -1 --separate-stderr dbg 'find / /a'
	[[ $stderr == *'find: usage: find '* ]]
}

@test "find: bad tests and missing paths" {
	run -1 --separate-stderr dbg 'find -type q /'
	assert_output ''
	assert_equal "$stderr" "debugfs.vexfs: -R: find: -type q: not one of f d l c b p s"
	run -1 --separate-stderr dbg 'find -name'
	assert_equal "$stderr" \
		"debugfs.vexfs: -R: find: usage: find [PATH] [-type f|d|l|c|b|p|s] [-name GLOB]"
	run -1 --separate-stderr dbg 'find -depth /'
	[[ $stderr == *'find: usage: find '* ]]
	run -1 --separate-stderr dbg 'find /nope'
	assert_equal "$stderr" "debugfs.vexfs: -R: find: /nope: No such file or directory"
	assert_output ''
}

@test "cd and pwd: absolute, relative, .., symlinked directories, <INO>" {
	run -0 dbg pwd 'cd /dir/sub/deep' pwd 'cd ../..' pwd 'cd sub' pwd \
		   'cd ../../../..' pwd
	assert_output $'/\n/dir/sub/deep\n/dir\n/dir/sub\n/'
	# through a symlink the working directory is the real one
	run -0 dbg 'cd /abs' pwd 'cd /dir/link/deep' pwd 'cd /dir' 'cd link' pwd
	assert_output $'/dir/sub\n/dir/sub/deep\n/dir/sub'
	run -0 dbg 'cd /dir/link' 'cat deep/file.txt' 'ls'
	assert_output $'deep\ndeep\nother'
	run -0 dbg 'cd <8>' pwd
	assert_output /dir
	run -0 dbg 'cd "/a b"' pwd 'cat "c d"' 'cd ..' 'cat "a b/c d"'
	assert_output $'/a b\nin a b\nin a b'
}

@test "cd: files, missing paths and symlinks by inode are refused; pwd unchanged" {
	run -1 --separate-stderr dbg 'cd /dir' 'cd /big'
	assert_equal "$stderr" 'debugfs.vexfs: -R #2: cd: /big: Not a directory'
	run -1 --separate-stderr "$DBG" -k -R 'cd /dir' -R 'cd nope' -R 'cd /fifo' \
		-R 'cd <6>' -R pwd "$IMG"
	assert_output /dir
	[[ $stderr == *'cd: nope: No such file or directory'* ]]
	[[ $stderr == *'cd: /fifo: Not a directory'* ]]
	[[ $stderr == *'cd: <6>: Not a directory'* ]]
	ino=$(dbg 'stat --json /abs' | jget 'j[0]["ino"]')
	run -1 --separate-stderr dbg "cd <$ino>"
	assert_equal "$stderr" \
		"debugfs.vexfs: -R: cd: <$ino> is a symlink; name it by a path to follow it"
}

@test "usage errors: missing or extra arguments print the usage line, exit 1" {
	usage_err 'cd' 'DIR'
	usage_err 'cd /a /b' 'DIR'
	usage_err 'pwd x' ''
	usage_err 'stat' '[--json] PATH|<INO>...'
	usage_err 'stat --json' '[--json] PATH|<INO>...'
	usage_err 'cat' 'PATH|<INO>'
	usage_err 'cat /a /b' 'PATH|<INO>'
	usage_err 'blocks' 'PATH|<INO>'
	usage_err 'bmap /big' 'PATH|<INO> LBLK'
	usage_err 'bmap' 'PATH|<INO> LBLK'
}

@test "quoting: names with spaces in every reading command" {
	run -0 dbg "ls 'a b'" 'ls -d a\ b' 'stat --json "a b/c d"' \
		   'blocks "/a b/c d"' 'bmap "/a b/c d" 0' "find -name 'c d' /"
	assert_line --index 0 'c d'
	assert_line --index 1 'a b'
	assert_line '/a b/c d'
	[[ $output == *'"path":"a b/c d"'* ]]
	blk=$(dbg 'blocks "/a b/c d"')
	[[ $(dbg 'bmap "/a b/c d" 0') == "$blk" ]]
	run -1 --separate-stderr dbg 'cat "a b'
	[[ $stderr == *'unterminated quote'* ]]
}

@test "reading commands change nothing and need no -w" {
	cp "$IMG" before.img
	dbg ls 'ls -la /' 'stat /big' 'stat --json /long' 'cat /big' \
	    'blocks /sparse' 'bmap /big 0' 'find /' 'cd /dir' pwd > /dev/null
	cmp "$IMG" before.img
	# with -w too: a session that commits nothing writes nothing
	"$DBG" -w -R 'ls -l' -R 'cat /sparse' -R 'find /' "$IMG" > /dev/null
	cmp "$IMG" before.img
}
