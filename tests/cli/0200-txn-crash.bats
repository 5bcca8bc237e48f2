#!/usr/bin/env bats
# 0200-txn-crash.bats: transactions on an image file, the process killed
# (SIGKILL) at random moments while threads commit; opening the image
# again recovers its journal, and every transaction a thread was told was
# committed is there, whole, with at most one more per thread (committed,
# killed before it said so), and nothing of any other.  The checking is
# tests/helpers/txncrash.c (see its header); a kill loses no completed
# write, so this tests the journal's and the recovery's logic on real
# files, threads and group commit, not lost power (the in-memory crash
# cuts of tests/unit/test_txn_crash.c do that).

bats_require_minimum_version 1.5.0
load test_helper

TXNCRASH=$TOPDIR/tests/helpers/txncrash

setup() {
	[[ -x $TXNCRASH ]] || fail "$TXNCRASH is not built (make check builds it)"
}

# crash_once IMG THREADS DELAY GEN: run generation GEN (its own
# directories), kill -9 after DELAY seconds, check it
crash_once() {
	local img=$1 threads=$2 delay=$3 gen=$4 log=$BATS_TEST_TMPDIR/log.$4 pid

	"$TXNCRASH" run "$img" "$threads" "$gen" > "$log" 2> "$log.err" &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2> /dev/null || true
	wait "$pid" 2> /dev/null || true
	[[ ! -s $log.err ]] || fail "txncrash run: $(cat "$log.err")"
	[[ -s $log ]] || fail "txncrash run committed nothing in ${delay}s"
	run -0 "$TXNCRASH" check "$img" "$log" "$gen"
	assert_line --regexp '^ok 0: [0-9]+ transactions$'
	refute_line --partial FAIL
}

@test "killed while 4 threads commit: recovery keeps exactly what was committed" {
	local img

	img=$(mkimg crash.img 256M)
	"$MKFS" -q "$img"
	local gen=0

	for delay in 0.3 0.7 0.2 1.1 0.5; do
		crash_once "$img" 4 "$delay" $((gen++))
	done
}

@test "killed while 1 thread commits, again and again on one image" {
	local img

	img=$(mkimg crash1.img 128M)
	"$MKFS" -q "$img"
	local gen=0

	for delay in 0.1 0.4 0.25 0.6; do
		crash_once "$img" 1 "$delay" $((gen++))
	done
	# and the image is clean and whole after a last open and close
	run -0 "$VXTREE" super "$img"
	assert_line "state: clean"
}
