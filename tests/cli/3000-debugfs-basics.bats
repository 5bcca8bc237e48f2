#!/usr/bin/env bats
# 3000-debugfs-basics.bats: the command line of debugfs.vexfs, how it
# runs -R requests, -f scripts and standard input, its exit status, the
# generated help, the quoting rules, and what a session may write.
#
# setup_file formats base.img (32 MiB) from a small host tree; each test
# works on a copy (fs.img) and keeps orig.img to prove with cmp that
# nothing was written where nothing may be.  Exit status: 0 every command
# succeeded, 1 a command failed (or the device did not open), 2 a bad
# command line.

bats_require_minimum_version 1.5.0
load test_helper

DBG=$TOPDIR/debugfs/debugfs.vexfs
VXUNDO=$TOPDIR/tests/helpers/vxundo
VXDAMAGE=$TOPDIR/tests/helpers/vxdamage

setup_file() {
	local tree=$BATS_FILE_TMPDIR/tree

	need_built "$DBG" "$VXUNDO" "$VXDAMAGE" || return 1
	mkdir -p "$tree/dir" || return 1
	printf 'hello\n' > "$tree/dir/file"
	printf 'abc' > "$tree/a"
	printf 'spaced\n' > "$tree/with space"
	"$MKFS" -q -F -g 2048 -d "$tree" "$(mkimg base.img 32M)" || {
		echo "setup_file: mkfs.vexfs failed" >&2
		return 1
	}
}

setup() {
	IMG=$BATS_TEST_TMPDIR/fs.img
	ORIG=$BATS_TEST_TMPDIR/orig.img
	cp "$BATS_FILE_TMPDIR/base.img" "$IMG"
	cp "$IMG" "$ORIG"
	SCRIPT=$BATS_TEST_TMPDIR/script
}

@test "--help lists every option; -V prints the version; --usage" {
	run -0 "$DBG" --help
	for o in --write --catastrophic --request --file --keep-going --undo \
		 --version --help --usage; do
		assert_output --partial -- "$o"
	done
	run -0 "$DBG" -V
	assert_output --regexp '^debugfs\.vexfs [0-9]+\.[0-9]+\.[0-9]+ \(libvexfs [0-9.]+\)$'
	run -0 "$DBG" --usage
	assert_output --partial "Usage: debugfs.vexfs"
}

@test "a bad option exits 2 with the usage on stderr" {
	run -2 --separate-stderr "$DBG" --bogus "$IMG"
	[[ $stderr == *"--bogus: unknown option"* ]]
	[[ $stderr == *"Usage: debugfs.vexfs"* ]]
	assert_output ""
	run -2 --separate-stderr "$DBG" -R
	[[ $stderr == *"-R: missing argument"* ]]
}

@test "-z needs -w and a device; a second device is refused" {
	run -2 --separate-stderr "$DBG" -z "$BATS_TEST_TMPDIR/u" "$IMG"
	[[ $stderr == *"-z needs -w"* ]]
	run -2 --separate-stderr "$DBG" -w -z "$BATS_TEST_TMPDIR/u" -R help
	[[ $stderr == *"-z needs a DEVICE"* ]]
	run -2 --separate-stderr "$DBG" "$IMG" "$IMG"
	[[ $stderr == *"unexpected argument: $IMG"* ]]
	run -2 --separate-stderr "$DBG" -f a -f b "$IMG"
	[[ $stderr == *"-f may be given once"* ]]
	[[ ! -e $BATS_TEST_TMPDIR/u ]]
}

@test "a missing device exits 1 naming it" {
	run -1 --separate-stderr "$DBG" -R ls "$BATS_TEST_TMPDIR/none.img"
	[[ $stderr == *"cannot open $BATS_TEST_TMPDIR/none.img: No such file or directory"* ]]
}

@test "a file that is not VexFS is refused; -c opens it for block-level commands" {
	head -c 1M /dev/urandom > "$BATS_TEST_TMPDIR/junk"
	run -1 --separate-stderr "$DBG" -R ls "$BATS_TEST_TMPDIR/junk"
	[[ $stderr == *"no VexFS superblock at block 0"*"-c opens it"* ]]
	run -1 --separate-stderr "$DBG" -c -R ls "$BATS_TEST_TMPDIR/junk"
	[[ $stderr == *"ls: $BATS_TEST_TMPDIR/junk could not be opened as a filesystem; only block-level commands work"* ]]
	run -0 "$DBG" -c -R "block_dump 0" "$BATS_TEST_TMPDIR/junk"
	[[ -n $output ]]
}

@test "-R runs each request; a failing one exits 1 naming the path, and stops the rest" {
	run -1 --separate-stderr "$DBG" -w -R "mkdir /nope/deeper" "$IMG"
	[[ $stderr == *"-R: mkdir: /nope/deeper: parent directory /nope: No such file or directory"* ]]
	cmp "$IMG" "$ORIG"
	run -1 --separate-stderr "$DBG" -w -R "mkdir /x" -R "mkdir /nope/y" -R "mkdir /z" "$IMG"
	[[ $stderr == *'-R #2: mkdir: /nope/y'* ]]
	[[ $stderr == *'-R #2: stopped after the failed command: mkdir /nope/y (-k runs the rest anyway)'* ]]
	run -0 "$DBG" -R "ls /" "$IMG"
	assert_output $'a\ndir\nlost+found\nwith space\nx'
}

@test "-k runs every request and still exits 1" {
	run -1 --separate-stderr "$DBG" -k -w -R "mkdir /x" -R "mkdir /nope/y" -R "mkdir /z" "$IMG"
	[[ $stderr == *'-R #2: mkdir: /nope/y'* ]]
	[[ $stderr != *stopped* ]]
	run -0 "$DBG" -R "ls /" "$IMG"
	assert_output $'a\ndir\nlost+found\nwith space\nx\nz'
}

@test "-f names the failing script line; later lines do not run" {
	printf '%s\n' "# a comment" "" "mkdir /one" "cat /missing" "mkdir /two" > "$SCRIPT"
	run -1 --separate-stderr "$DBG" -w -f "$SCRIPT" "$IMG"
	[[ $stderr == *"$SCRIPT:4: cat: /missing: No such file or directory"* ]]
	[[ $stderr == *"$SCRIPT:4: stopped after the failed command: cat /missing"* ]]
	run -0 "$DBG" -R "ls /" "$IMG"
	assert_output $'a\ndir\nlost+found\none\nwith space'
}

@test "-f - and a non-terminal standard input read commands from stdin" {
	run -0 "$DBG" -f - "$IMG" <<< $'pwd\ncat /a'
	assert_output $'/\nabc'
	run -0 "$DBG" "$IMG" <<< $'cd /dir\npwd\ncat file'
	assert_output $'/dir\nhello'
	run -1 --separate-stderr "$DBG" "$IMG" <<< $'pwd\nbogus'
	[[ $stderr == *"stdin:2: bogus: unknown command (try: help)"* ]]
}

@test "a missing script file exits 1 naming it" {
	run -1 --separate-stderr "$DBG" -f "$BATS_TEST_TMPDIR/none" "$IMG"
	[[ $stderr == *"cannot open the script $BATS_TEST_TMPDIR/none: No such file or directory"* ]]
}

@test "-R requests run before the -f script" {
	printf 'pwd\n' > "$SCRIPT"
	run -0 "$DBG" -R "cd /dir" -f "$SCRIPT" "$IMG"
	assert_output /dir
}

@test "quit stops a script with status 0" {
	run -0 "$DBG" "$IMG" <<< $'pwd\nquit\nbogus'
	assert_output /
	run -0 "$DBG" -R q -R bogus "$IMG"
}

@test "quoting: single, double quotes, backslashes; an unterminated quote fails" {
	run -0 "$DBG" -R 'cat "/with space"' "$IMG"
	assert_output spaced
	run -0 "$DBG" -R "cat '/with space'" "$IMG"
	assert_output spaced
	run -0 "$DBG" -R 'cat /with\ space' "$IMG"
	assert_output spaced
	run -0 "$DBG" -R 'cat /a # a comment' "$IMG"
	assert_output abc
	run -1 --separate-stderr "$DBG" -R 'cat "/with space' "$IMG"
	[[ $stderr == *'unterminated quote in: cat "/with space'* ]]
}

@test "help lists every command from the table; help CMD shows its usage" {
	run -0 "$DBG" -R help
	for c in open close cd pwd ls stat cat dump rdump blocks bmap icheck \
		 ncheck dirsearch htree find stats groups freefrag txstats \
		 write mkdir rm rmdir mv ln symlink truncate chmod chown touch \
		 copy_in begin commit abort txn logdump journal_recover \
		 block_dump set_super_value set_inode_field zap_block check; do
		assert_line --regexp "^  $c(,| ) *"
	done
	run -0 "$DBG" -R "help begin"
	assert_output $'usage: begin [--nested]\nopen a transaction (--nested: a child of the open one)'
	run -0 "$DBG" -R "help show_super"
	assert_line --index 0 "usage: stats [-h] [--json]"
	run -1 --separate-stderr "$DBG" -R "help bogus"
	[[ $stderr == *"help: bogus: unknown command"* ]]
}

@test "a command with wrong arguments prints its usage line" {
	run -1 --separate-stderr "$DBG" -R "cat" "$IMG"
	[[ $stderr == *"-R: cat: usage: cat PATH|<INO>"* ]]
	run -1 --separate-stderr "$DBG" -R "ls -q" "$IMG"
	[[ $stderr == *"ls: usage: ls "* ]]
}

@test "commands that need an image say so when none is open; open and close" {
	run -1 --separate-stderr "$DBG" -R ls
	[[ $stderr == *"ls: no image is open (use: open DEVICE)"* ]]
	run -0 "$DBG" -R "open $IMG" -R "cat /a" -R close -R "open -w $IMG" -R "mkdir /o"
	assert_output abc
	run -0 "$DBG" -R "ls -d /o" "$IMG"
	assert_output /o
	run -1 --separate-stderr "$DBG" -R "open" "$IMG"
	[[ $stderr == *"usage: open [-w] [-c] DEVICE"* ]]
}

@test "editing a read-only session is refused and writes nothing" {
	for c in "mkdir /x" "rm /a" "write /etc/hostname /h" "chmod 600 /a" \
		 "zap_block 100" "set_super_value label x" journal_recover begin; do
		run -1 --separate-stderr "$DBG" -R "$c" "$IMG"
		[[ $stderr == *"is open read-only; open it with -w to change it"* ]]
	done
	cmp "$IMG" "$ORIG"
}

@test "-c refuses file edits even with -w" {
	run -1 --separate-stderr "$DBG" -c -w -R "mkdir /x" "$IMG"
	[[ $stderr == *"catastrophic mode (-c): the bitmaps are not trusted, files cannot be edited"* ]]
	cmp "$IMG" "$ORIG"
}

@test "-c opens an image whose group header is damaged, read-only" {
	local bs=4096 hdr

	hdr=$("$VXDAMAGE" "$IMG" meta-blocks |
	      awk '$1 == "group" && $2 == 1 { print $3 }')
	[[ -n $hdr ]]
	dd if=/dev/zero of="$IMG" bs=$bs seek="$hdr" count=1 conv=notrunc status=none
	run -1 --separate-stderr "$DBG" -R "cat /a" "$IMG"
	[[ $stderr == *"cannot open the filesystem on $IMG"* ]]
	run -0 --separate-stderr "$DBG" -c -R "cat /dir/file" -R "cat /a" "$IMG"
	assert_output $'hello\nabc'
	[[ $stderr == *"group 1 header"* ]]
}

@test "commands refused inside a transaction" {
	printf '%s\n' begin close "open $IMG" journal_recover "zap_block 100" abort > "$SCRIPT"
	run -1 --separate-stderr "$DBG" -k -w -f "$SCRIPT" "$IMG"
	[[ $stderr == *"script:2: close: not inside a transaction (1 open: commit or abort first)"* ]]
	[[ $stderr == *"script:3: open: not inside a transaction"* ]]
	[[ $stderr == *"script:4: journal_recover: not inside a transaction"* ]]
	[[ $stderr == *"script:5: zap_block: not inside a transaction"* ]]
	cmp "$IMG" "$ORIG"
}

@test "a second writer is refused while a session holds the image" {
	local fifo=$BATS_TEST_TMPDIR/fifo pid

	mkfifo "$fifo"
	"$DBG" -w -f "$fifo" "$IMG" &
	pid=$!
	exec 7> "$fifo"
	sleep 0.5
	run -1 --separate-stderr "$DBG" -w -R "mkdir /x" "$IMG"
	[[ $stderr == *"$IMG is open for writing by another program; close it there first"* ]]
	# reading is fine meanwhile
	run -0 "$DBG" -R "cat /a" "$IMG"
	assert_output abc
	exec 7>&-
	wait "$pid"
	cmp "$IMG" "$ORIG"
}

@test "-z saves what a session changes; applying the undo file restores the image" {
	local undo=$BATS_TEST_TMPDIR/undo

	run -0 "$DBG" -w -z "$undo" -R "mkdir /new" -R "rm /a" \
		-R "write /etc/hostname /h" "$IMG"
	! cmp -s "$IMG" "$ORIG"
	run -0 "$VXUNDO" info "$undo"
	assert_line complete=1
	run -0 "$VXUNDO" apply "$IMG" "$undo"
	cmp "$IMG" "$ORIG"
	# an existing undo file is not overwritten
	run -1 --separate-stderr "$DBG" -w -z "$undo" -R "mkdir /x" "$IMG"
	[[ $stderr == *"cannot create the undo file $undo"*"(it exists: move it away or name another)"* ]]
	cmp "$IMG" "$ORIG"
}

@test "a session under -z that commits nothing saves no block" {
	local undo=$BATS_TEST_TMPDIR/undo

	printf '%s\n' begin "mkdir /x" abort > "$SCRIPT"
	run -0 "$DBG" -w -z "$undo" -f "$SCRIPT" "$IMG"
	cmp "$IMG" "$ORIG"
	run -0 "$VXUNDO" info "$undo"
	assert_line blocks=0
}
