#!/usr/bin/env bats
# 2002-fsck-errors.bats: the exit codes of fsck.vexfs other than the
# option errors (2000-fsck-options.bats): 8 for what cannot be checked
# (no such file, a directory, a file that is not VexFS, a truncated
# image, a superblock with insane values and no good backup, a read-only
# device asked to repair, an image another program is writing), 32 for a
# run interrupted by SIGINT or SIGTERM, and 4 / 1 / 0 for a dirty journal
# (-n: "would replay", nothing written; -p: replayed; then clean).
#
# Fixtures (setup_file):
#   multi.img  64 MiB, 4 KiB blocks, 2048-block groups (backup
#              superblocks at 2048 and 14336), from a small host tree
#   one.img    the same tree in one group: no backup superblock
#   wide.img   256 MiB in 64 groups of 1024 blocks: about 200 progress
#              lines (-C) per forced check
#   hold.py    runs fsck with -C FD on a one-page pipe nobody reads, so
#              that fsck blocks in mid-check once the pipe is full, runs a
#              command (a signal, a second fsck) while it is held there,
#              then lets it go on; the image has a 200-character name so
#              that the pipe fills whatever the speed of the checker
#              (see the script, written by setup_file)
# Every run that might loop on bad input has `timeout 20` (exit 124 would
# mean it hung).  Whatever fsck refuses to check it must not write:
# each such test compares the file with a copy taken before (cmp).

bats_require_minimum_version 1.5.0
load test_helper

FSCK=$TOPDIR/fsck/fsck.vexfs
VXDAMAGE=$TOPDIR/tests/helpers/vxdamage
TXNCRASH=$TOPDIR/tests/helpers/txncrash

setup_file() {
	local tree=$BATS_FILE_TMPDIR/tree

	need_built "$FSCK" "$VXDAMAGE" "$TXNCRASH" || return 1
	mkdir -p "$tree/dir" || return 1
	printf 'hello\n' > "$tree/dir/file"
	printf 'abc' > "$tree/a"
	if ! "$MKFS" -q -F -g 2048 -d "$tree" "$(mkimg multi.img 64M)" ||
	   ! "$MKFS" -q -F -d "$tree" "$(mkimg one.img 64M)" ||
	   ! "$MKFS" -q -F -g 1024 "$(mkimg wide.img 256M)"; then
		echo "setup_file: mkfs.vexfs failed" >&2
		return 1
	fi
	cat > "$BATS_FILE_TMPDIR/hold.py" <<- 'EOF'
	# hold.py ACTION FSCK ARGS...: run FSCK ARGS -C FD, FD the write end
	# of a one-page pipe nobody reads, so that fsck blocks in the middle
	# of its passes once the pipe is full; then run the shell command
	# ACTION (FSCK_PID in its environment), drain the pipe and wait for
	# fsck.  fsck's stdout and stderr are ours; the last line printed is
	# "exit N", N fsck's exit status.  Exit 1 when fsck ended before the
	# pipe was full (the test would prove nothing).
	import array, fcntl, os, subprocess, sys, termios, time
	F_SETPIPE_SZ, F_GETPIPE_SZ = 1031, 1032
	action, cmd = sys.argv[1], sys.argv[2:]
	r, w = os.pipe()
	fcntl.fcntl(w, F_SETPIPE_SZ, 4096)
	size = fcntl.fcntl(w, F_GETPIPE_SZ)
	p = subprocess.Popen(cmd + ['-C', str(w)], pass_fds=(w,))
	os.close(w)
	def queued():
	    n = array.array('i', [0])
	    fcntl.ioctl(r, termios.FIONREAD, n)
	    return n[0]
	deadline = time.monotonic() + 20
	# full: less room left than one progress line (the device name alone)
	while size - queued() > len(cmd[-1]) and p.poll() is None:
	    if time.monotonic() > deadline:
	        sys.exit('hold.py: the pipe did not fill in 20 s')
	    time.sleep(0.01)
	if p.poll() is not None:
	    sys.exit('hold.py: fsck ended (exit %d) before it filled a %d-byte pipe'
	             % (p.returncode, size))
	time.sleep(0.05)
	subprocess.run(action, shell=True, env=dict(os.environ, FSCK_PID=str(p.pid)))
	while os.read(r, 65536):
	    pass
	print('exit %d' % p.wait(), flush=True)
	EOF
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	IMG=fs.img
	COPY=copy.img
	TREE=$BATS_FILE_TMPDIR/tree
	LOOP=
}

teardown() {
	if [[ -n $LOOP ]]; then
		losetup -d "$LOOP" || true
	fi
}

use() {
	cp "$BATS_FILE_TMPDIR/$1" "$IMG"
}

snapshot() {
	cp "$IMG" "$COPY"
}

unchanged() {
	cmp "$IMG" "$COPY" || fail "$IMG was written"
}

# not_vexfs FILE: -n, -fy and -p all exit 8 with the "no VexFS superblock"
# message on stderr, and FILE is left as it was
not_vexfs() {
	local f=$1 m

	cp "$f" "$COPY"
	for m in -n -fy -p; do
		run -8 --separate-stderr timeout 20 "$FSCK" "$m" "$f"
		assert_equal "$stderr" "fsck.vexfs: $f: no VexFS superblock found, neither the primary nor a backup; is it a VexFS image? (-b BLOCK names a backup by hand)"
		refute_output --partial 'Pass 2'
		cmp "$f" "$COPY" || fail "fsck $m wrote to $f"
	done
}

# held ACTION ARGS...: fsck.vexfs ARGS on a copy of wide.img with a long
# name ($LONG), held in mid-check while the shell command ACTION runs
# (FSCK_PID is fsck's pid); fsck's stdout in out (without hold.py's last
# line), its stderr in err, its exit status in $status
held() {
	local action=$1 last

	shift
	LONG=fs-$(printf 'x%.0s' {1..200}).img
	export LONG FSCK
	cp "$BATS_FILE_TMPDIR/wide.img" "$LONG"
	python3 "$BATS_FILE_TMPDIR/hold.py" "$action" "$FSCK" "$@" "$LONG" \
		> out 2> err || fail "hold.py: $(cat err)"
	last=$(tail -n 1 out)
	[[ $last =~ ^exit\ ([0-9]+)$ ]] || fail "hold.py printed '$last'"
	status=${BASH_REMATCH[1]}
	sed -i '$d' out
}

# dirty_journal THREADS: run txncrash on fs.img (a fresh 64 MiB image)
# with THREADS threads and kill -9 it after 0.3 s, until the journal holds
# transactions to replay (up to 5 tries); its log in txn.log
dirty_journal() {
	local try pid

	for try in 1 2 3 4 5; do
		rm -f "$IMG"
		"$MKFS" -q "$(mkimg "$IMG" 64M)" || fail "mkfs.vexfs failed"
		"$TXNCRASH" run "$IMG" "$1" 0 > txn.log 2> txn.err &
		pid=$!
		sleep 0.3
		kill -9 "$pid" 2> /dev/null || true
		wait "$pid" 2> /dev/null || true
		[[ ! -s txn.err ]] || fail "txncrash run: $(cat txn.err)"
		[[ -s txn.log ]] || continue
		run --separate-stderr "$FSCK" -n --json "$IMG"
		[[ $output == *'"dirty": true'* ]] && return 0
	done
	fail "5 tries left no dirty journal"
}

# ---- exit 8: nothing to check

@test "a file that does not exist: exit 8" {
	run -8 --separate-stderr "$FSCK" -n nosuch.img
	assert_output ''
	assert_equal "$stderr" 'fsck.vexfs: cannot open nosuch.img: No such file or directory'
	run -8 --separate-stderr "$FSCK" -y nosuch.img
	assert_equal "$stderr" 'fsck.vexfs: cannot open nosuch.img: No such file or directory'
	[[ ! -e nosuch.img ]] || fail "fsck -y created nosuch.img"
}

@test "a directory: exit 8" {
	mkdir adir
	run -8 --separate-stderr "$FSCK" -n adir
	assert_output ''
	assert_equal "$stderr" 'fsck.vexfs: cannot open adir: Is a directory'
	run -8 --separate-stderr "$FSCK" -fy adir
	assert_equal "$stderr" 'fsck.vexfs: cannot open adir: Is a directory'
}

@test "an all-zero file, an empty file and a 100-byte file: exit 8, nothing written" {
	truncate -s 64M zero.img
	not_vexfs zero.img
	: > empty.img
	not_vexfs empty.img
	head -c 100 /dev/urandom > small.img
	not_vexfs small.img
}

@test "an ext4 image: exit 8, and it is still ext4" {
	truncate -s 64M ext4.img
	mkfs.ext4 -q -F -L keep ext4.img > /dev/null || fail "mkfs.ext4 failed"
	not_vexfs ext4.img
	blkid -p ext4.img | grep -q 'TYPE="ext4"' || fail "no longer ext4"
}

@test "a VexFS image truncated to half its size: exit 8 naming both sizes, nothing written" {
	local m size

	use multi.img
	truncate -s 32M "$IMG"
	snapshot
	size=$(stat -c %s "$IMG")
	for m in -n -fn -p -fp -y -fy; do
		run -8 --separate-stderr timeout 20 "$FSCK" "$m" "$IMG"
		# the superblock's 16384 blocks against the file's 8192
		assert_regex "$stderr" "^fsck\\.vexfs: fs\\.img: .*16384.*8192|^fsck\\.vexfs: fs\\.img: .*8192.*16384"
		assert_equal "$(stat -c %s "$IMG")" "$size"
		unchanged
	done
}

@test "insane superblock values and no backup: exit 8, nothing written" {
	local fv m

	for fv in 'block_count 1' 'group_count 0' 'block_log 40' \
		  'inodes_per_group 0'; do
		use one.img
		# shellcheck disable=SC2086 # FIELD VALUE
		"$VXDAMAGE" "$IMG" super-set $fv 2> /dev/null ||
			fail "vxdamage super-set $fv failed"
		snapshot
		for m in -n -fy; do
			run -8 --separate-stderr timeout 20 "$FSCK" "$m" "$IMG"
			assert_equal "$stderr" 'fsck.vexfs: fs.img: the primary superblock is damaged (filesystem structure is corrupt) and no backup superblock is good; -b BLOCK names a backup by hand'
			refute_output --partial 'Pass 2'
			unchanged
		done
	done
}

@test "insane superblock values with backups: the primary is restored from a backup" {
	local fv

	for fv in 'block_count 1' 'group_count 0' 'block_log 40'; do
		use multi.img
		# shellcheck disable=SC2086 # FIELD VALUE
		"$VXDAMAGE" "$IMG" super-set $fv 2> /dev/null ||
			fail "vxdamage super-set $fv failed"
		snapshot
		run -4 --separate-stderr timeout 20 "$FSCK" -n "$IMG"
		assert_equal "$stderr" ''
		assert_line 'superblock: primary superblock is damaged (filesystem structure is corrupt); the backup at block 2048 is good.  Restore the primary from it? no'
		unchanged
		run -1 --separate-stderr timeout 20 "$FSCK" -y "$IMG"
		assert_line 'superblock: primary superblock is damaged (filesystem structure is corrupt); the backup at block 2048 is good.  Restore the primary from it? yes'
		run -0 --separate-stderr "$FSCK" -fn "$IMG"
		refute_line --regexp '\? no$'
		"$VXTREE" super "$IMG" | grep -qx 'block_count: 16384' ||
			fail "block_count not restored"
		"$VXTREE" compare "$IMG" "$TREE"
	done
}

@test "the primary and every backup superblock damaged: exit 8, nothing written" {
	local b m

	use multi.img
	for b in 0 2048 14336; do
		"$VXDAMAGE" "$IMG" block-flip "$b" 60 3 2> /dev/null
	done
	snapshot
	for m in -n -y -p; do
		run -8 --separate-stderr timeout 20 "$FSCK" "$m" "$IMG"
		assert_equal "$stderr" 'fsck.vexfs: fs.img: the primary superblock is damaged (metadata checksum mismatch) and no backup superblock is good; -b BLOCK names a backup by hand'
		unchanged
	done
	# naming a damaged backup by hand does not help either
	run -8 --separate-stderr "$FSCK" -n -b 2048 "$IMG"
	assert_regex "$stderr" '^fsck\.vexfs: fs\.img: '
	unchanged
}

# ---- exit 32: cancelled

@test "SIGINT during a check: exit 32, 'check cancelled', nothing written" {
	# shellcheck disable=SC2016 # expanded by the shell hold.py starts
	held 'kill -INT $FSCK_PID' -fn
	assert_equal "$status" 32
	assert_equal "$(cat err)" ''
	grep -qx "$LONG: check cancelled" out || fail "no 'check cancelled' in: $(cat out)"
	grep -q '^Pass 7' out && fail "the check was not interrupted"
	# a summary of what was not counted would claim an empty filesystem
	grep -Eq '^fs-x+\.img: 0/[0-9]+ inodes, 0/' out &&
		fail "a summary of zeros: $(tail -n 1 out)"
	cmp "$LONG" "$BATS_FILE_TMPDIR/wide.img" || fail "-n wrote to the image"
}

@test "SIGTERM during a repair run: exit 32, and the image is still clean" {
	# shellcheck disable=SC2016 # expanded by the shell hold.py starts
	held 'kill -TERM $FSCK_PID' -fy
	assert_equal "$status" 32
	assert_equal "$(cat err)" ''
	grep -qx "$LONG: check cancelled" out || fail "no 'check cancelled' in: $(cat out)"
	grep -q '^Pass 7' out && fail "the check was not interrupted"
	run -0 --separate-stderr "$FSCK" -fn "$LONG"
	assert_equal "$stderr" ''
	refute_line --regexp '\? no$'
}

# ---- read-only device, busy image

@test "a read-only device: -y exits 8 at once and writes nothing; -n works" {
	local m

	use multi.img
	"$VXDAMAGE" "$IMG" group-set 1 free_blocks 5 2> /dev/null
	snapshot
	LOOP=$(losetup -r -f --show "$IMG" 2> /dev/null) ||
		skip "losetup -r cannot attach a loop device here (no loop devices in this container?)"
	run -4 --separate-stderr "$FSCK" -fn "$LOOP"
	assert_equal "$stderr" ''
	assert_line --regexp '^group 1: free blocks count is 5, counted [0-9]+\.  Fix\? no$'
	run -0 --separate-stderr "$FSCK" -n "$LOOP"
	assert_line --index -1 --regexp "^$LOOP: clean, "
	unchanged
	for m in -fy -fp; do
		run -8 --separate-stderr "$FSCK" "$m" "$LOOP"
		assert_regex "$stderr" "^fsck\\.vexfs: cannot open $LOOP for writing: .*; use -n to check it without changes$"
		# refused before the passes, not when the first repair is written
		refute_output --partial 'Pass 2'
		unchanged
	done
}

@test "the image is locked while fsck -y runs: a second fsck -y or -p exits 8" {
	# shellcheck disable=SC2016 # expanded by the shell hold.py starts
	held '"$FSCK" -fy "$LONG" > out2 2> err2; echo $? > rc2;
	      "$FSCK" -p "$LONG" > out3 2> err3; echo $? > rc3' -fy
	assert_equal "$(cat rc2)" 8
	assert_equal "$(cat out2)" ''
	assert_equal "$(cat err2)" "fsck.vexfs: $LONG is in use by another program (it holds the writer lock); try again when it is done, or check it read-only with -n"
	assert_equal "$(cat rc3)" 8
	assert_equal "$(cat err3)" "$(cat err2)"
	# and the first one finished its check
	assert_equal "$status" 0
	assert_equal "$(cat err)" ''
	grep -q '^Pass 7' out || fail "the first fsck did not finish: $(cat out)"
}

# ---- a dirty journal

@test "dirty journal: -n would replay (exit 4, nothing written), -p replays (exit 1), then clean" {
	local re

	dirty_journal 1
	snapshot
	run -4 --separate-stderr "$FSCK" -n "$IMG"
	assert_equal "$stderr" ''
	re='^fs\.img: journal: would replay transactions ([0-9]+)-([0-9]+) \(([0-9]+) transactions, ([0-9]+) blocks\)$'
	assert_line --regexp "$re"
	local line
	line=$(grep -E "$re" <<< "$output")
	[[ $line =~ $re ]]
	local first=${BASH_REMATCH[1]} last=${BASH_REMATCH[2]} n=${BASH_REMATCH[3]} blocks=${BASH_REMATCH[4]}
	assert_equal "$n" $((last - first + 1))
	((blocks > 0)) || fail "0 blocks in $n transactions"
	# what recovery would leave is consistent: the journal is the only finding
	refute_line --regexp '\? no$'
	unchanged

	run -4 --separate-stderr "$FSCK" -n --json "$IMG"
	run json_eval 'd["exit_code"]' \
		'[d["journal"][k] for k in ("dirty", "replayed", "transactions", "first_seq", "last_seq", "blocks")]' <<< "$output"
	assert_output "4
[True, False, $n, $first, $last, $blocks]"
	unchanged

	run -1 --separate-stderr "$FSCK" -p "$IMG"
	assert_equal "$stderr" ''
	assert_line --index 0 "fs.img: journal: replayed transactions $first-$last ($n transactions, $blocks blocks)"
	refute_line --partial 'Pass '
	run -0 --separate-stderr "$FSCK" -fn "$IMG"
	refute_output --partial journal
	refute_line --regexp '\? no$'
	# every transaction txncrash was told was committed is there
	run -0 "$TXNCRASH" check "$IMG" txn.log 0
	assert_line --regexp '^ok 0: [0-9]+ transactions$'
}

@test "dirty journal written by 4 threads (group commit): replayed, nothing else found, nothing lost" {
	dirty_journal 4
	snapshot
	run -4 --separate-stderr "$FSCK" -n "$IMG"
	assert_line --regexp '^fs\.img: journal: would replay transactions [0-9]+-[0-9]+ '
	refute_line --regexp '\? no$'
	unchanged
	run -1 --separate-stderr "$FSCK" -y "$IMG"
	assert_line --regexp '^fs\.img: journal: replayed transactions [0-9]+-[0-9]+ '
	refute_line --regexp '\? yes$'
	run -0 --separate-stderr "$FSCK" -fn "$IMG"
	refute_line --regexp '\? no$'
	run -0 "$TXNCRASH" check "$IMG" txn.log 0
	refute_line --partial FAIL
}

# json_eval EXPR... < JSON: print each Python expression EXPR of the
# document d, one a line
json_eval() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
for e in sys.argv[1:]:
    print(eval(e))' "$@"
}
