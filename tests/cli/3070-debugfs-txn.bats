#!/usr/bin/env bats
# 3070-debugfs-txn.bats: transactions from debugfs.vexfs scripts.
#
# setup_file formats base.img (32 MiB) from a small host tree.  Each test
# copies it to fs.img and keeps orig.img to compare with:
#   - an aborted transaction, however many edits and nested levels it
#     held, leaves the image byte for byte as it was (cmp), because the
#     session holds every write until the outermost commit;
#   - a nested level committed into an aborted parent leaves nothing;
#   - a nested level aborted inside a committed parent takes only its own
#     changes with it;
#   - a committed transaction is in the image, and still there after the
#     session is killed (kill -9) right after "committed" and the journal
#     is recovered (by a read-only session's view, by journal_recover and
#     by fsck.vexfs -p);
#   - a failed command inside a transaction is undone alone, the
#     transaction stays usable; a run that stops or ends inside a
#     transaction aborts it and exits 1.
# Every edited image is checked with fsck.vexfs -fn (exit 0).

bats_require_minimum_version 1.5.0
load test_helper

DBG=$TOPDIR/debugfs/debugfs.vexfs
FSCK=$TOPDIR/fsck/fsck.vexfs

setup_file() {
	local tree=$BATS_FILE_TMPDIR/tree

	need_built "$DBG" "$FSCK" || return 1
	mkdir -p "$tree/dir" || return 1
	printf 'hello\n' > "$tree/dir/file"
	printf 'abc' > "$tree/a"
	seq 1 20000 > "$tree/big"
	"$MKFS" -q -F -d "$tree" "$(mkimg base.img 32M)" || {
		echo "setup_file: mkfs.vexfs failed" >&2
		return 1
	}
}

setup() {
	IMG=$BATS_TEST_TMPDIR/fs.img
	ORIG=$BATS_TEST_TMPDIR/orig.img
	cp "$BATS_FILE_TMPDIR/base.img" "$IMG"
	cp "$IMG" "$ORIG"
	HOST=$BATS_TEST_TMPDIR/host.txt
	printf 'host file contents\n' > "$HOST"
}

script() {
	printf '%s\n' "$@" > "$BATS_TEST_TMPDIR/script"
}

# the image is consistent
fsck_clean() {
	run -0 "$FSCK" -fn "$IMG"
}

@test "begin, ten edits, abort: the image is byte-for-byte unchanged" {
	script begin "write $HOST /w1" "mkdir /d1" "mkdir -p /d2/e/f" \
	       "symlink /s1 /a" "ln /a /hl" "mv /dir /dir2" "chmod 600 /a" \
	       "chown 5:6 /a" "truncate /big 10" "rm /a" "txn" abort "ls"
	run -0 --separate-stderr "$DBG" -w -f "$BATS_TEST_TMPDIR/script" "$IMG"
	assert_line --regexp '^level 1: transaction [0-9]+, active, [0-9]+ operations'
	assert_line "level 1 aborted"
	# after the abort, ls shows the original names only
	run -0 "$DBG" -R ls "$IMG"
	assert_output $'a\nbig\ndir\nlost+found'
	cmp "$IMG" "$ORIG"
}

@test "a nested level committed into an aborted parent leaves nothing" {
	script begin "mkdir /p" "begin --nested" "mkdir /p/child" \
	       "write $HOST /p/child/f" commit txn abort
	run -0 --separate-stderr "$DBG" -w -f "$BATS_TEST_TMPDIR/script" "$IMG"
	assert_line "level 2 committed into level 1"
	assert_line "level 1 aborted"
	cmp "$IMG" "$ORIG"
}

@test "a nested level aborted inside a committed parent takes only its own changes" {
	script begin "mkdir /kept" "begin --nested" "mkdir /kept/gone" \
	       "write $HOST /gone.txt" "rm /a" abort "write $HOST /kept/f" \
	       commit
	run -0 --separate-stderr "$DBG" -w -f "$BATS_TEST_TMPDIR/script" "$IMG"
	assert_line "level 2 aborted"
	assert_line --regexp '^committed \(commit [0-9]+\)$'
	run -0 "$DBG" -R "ls /" -R "ls /kept" "$IMG"
	assert_output $'a\nbig\ndir\nkept\nlost+found\nf'
	run -0 "$DBG" -R "cat /kept/f" "$IMG"
	assert_output "host file contents"
	fsck_clean
}

@test "three nested levels: inner commits merge outward, the outer commit keeps all" {
	script begin "mkdir /l1" "begin --nested" "mkdir /l1/l2" \
	       "begin --nested" "mkdir /l1/l2/l3" txn commit commit commit
	run -0 --separate-stderr "$DBG" -w -f "$BATS_TEST_TMPDIR/script" "$IMG"
	assert_line --regexp '^level 3: transaction'
	assert_line "level 3 committed into level 2"
	assert_line "level 2 committed into level 1"
	run -0 "$DBG" -R "find /l1" "$IMG"
	assert_output $'/l1\n/l1/l2\n/l1/l2/l3'
	fsck_clean
}

@test "a committed transaction survives a crash right after commit, and recovery" {
	local fifo=$BATS_TEST_TMPDIR/fifo out=$BATS_TEST_TMPDIR/out pid i

	mkfifo "$fifo"
	"$DBG" -w -f - "$IMG" < "$fifo" > "$out" 2>&1 &
	pid=$!
	exec 7> "$fifo"
	printf '%s\n' begin "write $HOST /w1" "mkdir /d1" "begin --nested" \
	       "mkdir /d1/inner" commit "symlink /d1/ln /w1" commit >&7
	for i in $(seq 1 100); do
		grep -q '^committed' "$out" && break
		sleep 0.1
	done
	run -0 grep '^committed (commit' "$out"
	kill -9 "$pid"
	wait "$pid" || true
	exec 7>&-
	# the journal holds the transaction: the image differs, and a
	# read-only session shows it from the journal without writing
	cp "$IMG" "$BATS_TEST_TMPDIR/crashed.img"
	run -0 --separate-stderr "$DBG" -R "cat /w1" -R "find /d1" "$IMG"
	assert_output $'host file contents\n/d1\n/d1/inner\n/d1/ln'
	[[ $stderr == *"journal holds 1 committed transaction"* ]]
	cmp "$IMG" "$BATS_TEST_TMPDIR/crashed.img"
	# a read-write session refuses edits until journal_recover
	run -1 --separate-stderr "$DBG" -w -R "mkdir /x" "$IMG"
	[[ $stderr == *"run journal_recover first"* ]]
	cmp "$IMG" "$BATS_TEST_TMPDIR/crashed.img"
	# fsck replays it
	run -1 "$FSCK" -p "$IMG"
	assert_output --partial "journal: replayed transactions"
	run -0 "$DBG" -R "cat /w1" -R "find /d1" -R "stat /d1/ln" "$IMG"
	assert_output --partial $'host file contents\n/d1\n/d1/inner\n/d1/ln'
	assert_output --partial 'Target: "/w1"'
	fsck_clean
}

@test "journal_recover writes a crashed session's commit home" {
	local fifo=$BATS_TEST_TMPDIR/fifo out=$BATS_TEST_TMPDIR/out pid i

	mkfifo "$fifo"
	"$DBG" -w -f - "$IMG" < "$fifo" > "$out" 2>&1 &
	pid=$!
	exec 7> "$fifo"
	printf '%s\n' "mkdir /after" >&7
	for i in $(seq 1 100); do
		# an edit outside a transaction commits on its own; the
		# read-only view shows it from the journal
		"$DBG" -R "ls /" "$IMG" 2>/dev/null | grep -q after && break
		sleep 0.1
	done
	kill -9 "$pid"
	wait "$pid" || true
	exec 7>&-
	run -0 "$DBG" -R "ls /" "$IMG"
	assert_line after
	run -0 --separate-stderr "$DBG" -w -R journal_recover -R "mkdir /after/more" "$IMG"
	assert_line --regexp '^journal: replayed transactions [0-9]+-[0-9]+'
	run -0 "$DBG" -R "find /after" "$IMG"
	assert_output $'/after\n/after/more'
	run -0 "$DBG" -w -R journal_recover "$IMG"
	assert_output "journal: clean, nothing to replay"
	fsck_clean
}

@test "a failed command inside a transaction is undone alone; the transaction goes on" {
	script begin "mkdir /ok1" "mkdir /nope/deeper" "mkdir /ok2" commit
	run -1 --separate-stderr "$DBG" -k -w -f "$BATS_TEST_TMPDIR/script" "$IMG"
	[[ $stderr == *"script:3: mkdir: /nope/deeper: parent directory /nope: No such file or directory"* ]]
	run -0 "$DBG" -R "ls /" "$IMG"
	assert_output $'a\nbig\ndir\nlost+found\nok1\nok2'
	fsck_clean
}

@test "a multi-step command that fails midway leaves nothing of it inside the transaction" {
	# rm of two names where the second is missing: the first stays
	script begin "rm /a /missing" "ls /" commit
	run -1 --separate-stderr "$DBG" -k -w -f "$BATS_TEST_TMPDIR/script" "$IMG"
	assert_line a
	[[ $stderr == *"rm: /missing: No such file or directory"* ]]
	run -0 "$DBG" -R "ls /" "$IMG"
	assert_output $'a\nbig\ndir\nlost+found'
	fsck_clean
}

@test "a script stopped by a failure inside a transaction aborts it: image unchanged" {
	script begin "mkdir /x" "write $HOST /x/f" "rmdir /dir" "mkdir /y" commit
	run -1 --separate-stderr "$DBG" -w -f "$BATS_TEST_TMPDIR/script" "$IMG"
	[[ $stderr == *"script:4: rmdir: /dir: Directory not empty"* ]]
	[[ $stderr == *"stopped after the failed command: rmdir /dir"* ]]
	[[ $stderr == *"aborting 1 open transaction level"* ]]
	cmp "$IMG" "$ORIG"
}

@test "a script that ends inside a transaction aborts it and exits 1" {
	script begin "mkdir /x" "begin --nested" "mkdir /x/y"
	run -1 --separate-stderr "$DBG" -w -f "$BATS_TEST_TMPDIR/script" "$IMG"
	[[ $stderr == *"the run ended inside a transaction"*"aborting 2 open transaction levels"* ]]
	cmp "$IMG" "$ORIG"
}

@test "begin while a transaction is open needs --nested" {
	script begin begin
	run -1 --separate-stderr "$DBG" -w -f "$BATS_TEST_TMPDIR/script" "$IMG"
	[[ $stderr == *"script:2: begin: a transaction is open (level 1); use begin --nested"* ]]
	cmp "$IMG" "$ORIG"
}

@test "commit and abort with no transaction open fail" {
	run -1 --separate-stderr "$DBG" -w -R commit "$IMG"
	[[ $stderr == *"commit: no transaction is open"* ]]
	run -1 --separate-stderr "$DBG" -w -R abort "$IMG"
	[[ $stderr == *"abort: no transaction is open"* ]]
	run -1 --separate-stderr "$DBG" -w -R "begin extra" "$IMG"
	[[ $stderr == *"usage: begin [--nested]"* ]]
	cmp "$IMG" "$ORIG"
}

@test "begin needs -w" {
	run -1 --separate-stderr "$DBG" -R begin "$IMG"
	[[ $stderr == *"is open read-only; open it with -w"* ]]
}

@test "eight levels nest; a ninth is refused" {
	local s=(begin "mkdir /n1") i
	for i in 2 3 4 5 6 7 8; do s+=("begin --nested" "mkdir /n$i"); done
	s+=("begin --nested" abort abort)
	script "${s[@]}"
	run -1 --separate-stderr "$DBG" -k -w -f "$BATS_TEST_TMPDIR/script" "$IMG"
	[[ $stderr == *"script:17: begin: 8 levels are open, the most debugfs.vexfs keeps"* ]]
	[[ $stderr == *"aborting 6 open transaction levels"* ]]
	cmp "$IMG" "$ORIG"
}

@test "txn shows the stack; txn --json is parseable" {
	script begin "mkdir /j" "begin --nested" "txn --json" txn abort commit txn
	run -0 --separate-stderr "$DBG" -w -f "$BATS_TEST_TMPDIR/script" "$IMG"
	assert_line --regexp '^level 1: transaction [0-9]+, active, 1 operation, '
	assert_line --regexp '^level 2: transaction [0-9]+, active, '
	assert_line "no transaction open"
	echo "$output" | sed -n '/^\[/,/^\]/p' | python3 -c '
import json, sys
v = json.load(sys.stdin)
assert [t["level"] for t in v] == [1, 2], v
assert all(t["state"] == "active" for t in v), v
assert v[0]["ops"] >= 1, v
'
	run -0 "$DBG" -R "ls -d /j" "$IMG"
	fsck_clean
}

@test "commits outside a transaction: each editing command is its own" {
	run -0 "$DBG" -w -R "mkdir /solo" -R "mkdir /solo/two" "$IMG"
	run -0 "$DBG" -R "find /solo" "$IMG"
	assert_output $'/solo\n/solo/two'
	fsck_clean
}

@test "a read-write session that only reads writes nothing" {
	run -0 "$DBG" -w -R "ls -l /" -R "cat /a" -R "stat /big" "$IMG"
	cmp "$IMG" "$ORIG"
}

@test "aborting the level that made the working directory goes back to /" {
	script begin "mkdir /q" "cd /q" pwd abort pwd ls
	run -0 --separate-stderr "$DBG" -w -f "$BATS_TEST_TMPDIR/script" "$IMG"
	assert_output $'transaction level 1 open\n/q\nlevel 1 aborted\n/\na\nbig\ndir\nlost+found'
	[[ $stderr == *"script:5: warning: the working directory /q is gone; back to /"* ]]
	cmp "$IMG" "$ORIG"
}
