#!/usr/bin/env bats
# 5001-fsck-crash.bats: a populated image cut in the middle of
# transactions (txncrash killed with SIGKILL while 4 threads commit)
# recovers with `fsck.vexfs -p` to exactly the committed state.
#
# setup_file makes the populated image once: mkfs.vexfs -d from the small
# tree of tests/helpers/mktree.py (every kind of object, hard links,
# sparse files, a 64-entry directory), 128 MiB.  Each test, one kill
# point, copies it, runs `txncrash run IMG 4 0` (threads commit into their
# own directories /g0-tT, see tests/helpers/txncrash.c) and kills it after
# DELAY seconds; `fsck.vexfs -n --json` must then see a dirty journal
# (else the kill is tried again, a little later, up to 5 times).  Then:
#   fsck -n     says "would replay transactions A-B", reports no finding
#               (the image as recovery leaves it is consistent), exits 4,
#               and leaves the image byte-identical
#   fsck -p     says "replayed transactions A-B" (the same A-B), exits 1
#   fsck -n --json: the journal is clean and nothing is found, exit 0
#   fsck -p     again: exit 0;  fsck -fn: exit 0, no finding
#   vxtree compare with the host tree: the populated objects are all
#               there, unchanged; the only differences allowed are the
#               root's nlink and mtime and the /g0-tT directories
#   txncrash check: every transaction a thread was told was committed is
#               there, whole, at most one more, nothing else
# txncrash check opens the image read-write (it would recover a dirty
# journal itself), so it runs last, after fsck has shown the journal clean.

bats_require_minimum_version 1.5.0
load test_helper

FSCK=$TOPDIR/fsck/fsck.vexfs
TXNCRASH=$TOPDIR/tests/helpers/txncrash

setup_file() {
	need_built "$FSCK" "$TXNCRASH" || return 1
	python3 "$TOPDIR/tests/helpers/mktree.py" --seed 5001 \
		--profile small "$BATS_FILE_TMPDIR/tree" > /dev/null || return 1
	"$MKFS" -q -d "$BATS_FILE_TMPDIR/tree" "$(mkimg pop.img 128M)" ||
		return 1
	"$VXTREE" compare "$BATS_FILE_TMPDIR/pop.img" \
		"$BATS_FILE_TMPDIR/tree" > /dev/null || {
		echo "setup_file: pop.img differs from its tree" >&2
		return 1
	}
}

# journal IMG: "DIRTY EXIT FINDINGS" from `fsck.vexfs -n --json IMG`
journal() {
	"$FSCK" -n --json "$1" | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(str(d["journal"]["dirty"]).lower(), d["exit_code"], len(d["findings"]))'
}

# crash IMG LOG DELAY: copy pop.img to IMG, run txncrash on it with 4
# threads and kill -9 it after DELAY seconds, until the journal is dirty
# (at most 5 tries, each 0.15 s later); the transactions it printed go
# to LOG.  Sets DELAY to the delay that worked.
crash() {
	local img=$1 log=$2 pid state

	DELAY=$3
	for _ in 1 2 3 4 5; do
		cp --sparse=always "$BATS_FILE_TMPDIR/pop.img" "$img"
		"$TXNCRASH" run "$img" 4 0 > "$log" 2> "$log.err" &
		pid=$!
		sleep "$DELAY"
		kill -9 "$pid" 2> /dev/null || true
		wait "$pid" 2> /dev/null || true
		[[ ! -s $log.err ]] || fail "txncrash run: $(cat "$log.err")"
		state=$(journal "$img")
		if [[ -s $log && $state == "true 4 0" ]]; then
			return 0
		fi
		echo "# kill after ${DELAY}s: journal dirty/exit/findings" \
		     "$state, $(wc -l < "$log") logged; again" >&3
		DELAY=$(awk -v d="$DELAY" 'BEGIN { print d + 0.15 }')
	done
	fail "no dirty journal with a committed transaction after 5 kills" \
	     "(last: journal dirty/exit/findings $state)"
}

# crash_point DELAY: the whole check for one kill point
crash_point() {
	local t=$BATS_TEST_TMPDIR img log re range="" discard="" line

	img=$t/crash.img
	log=$t/log
	crash "$img" "$log" "$1"

	# -n first: it says what it would replay and changes nothing
	cp "$img" "$t/before.img"
	run -4 "$FSCK" -n "$img"
	re="^$img: journal: would replay transactions ([0-9]+-[0-9]+)"
	re+=" \\(([0-9]+) transactions, [0-9]+ blocks\\)$"
	assert_line --regexp "$re"
	refute_line --regexp '\? (yes|no)$'
	cmp "$img" "$t/before.img" || fail "fsck -n changed the image"
	for line in "${lines[@]}"; do
		[[ $line =~ $re ]] &&
			range="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
		# a transaction cut while its blocks were written
		[[ $line == *": journal: would discard "* ]] &&
			discard=${line#*would discard }
	done
	echo "# kill after ${DELAY}s: $(wc -l < "$log") transactions" \
	     "logged; -n: would replay $range${discard:+; would discard $discard}" >&3

	# -p replays exactly that (and discards the same) and says so
	run -1 "$FSCK" -p "$img"
	assert_line --regexp "^$img: journal: replayed transactions ${range% *} \\(${range#* } transactions, [0-9]+ blocks\\)$"
	refute_line --partial UNEXPECTED
	if [[ -n $discard ]]; then
		assert_line "$img: journal: discarded $discard"
	else
		refute_line --partial discarded
	fi
	run -0 journal "$img"
	assert_output "false 0 0"
	run -0 "$FSCK" -p "$img"
	assert_output --regexp "^$img: clean, "
	run -0 "$FSCK" -fn "$img"
	refute_line --regexp '\? (yes|no)$'

	# the populated objects are all there, unchanged
	run -1 "$VXTREE" compare "$img" "$BATS_FILE_TMPDIR/tree"
	echo "$output" | grep -Ev '^/: (nlink|mtime): |^/g0-t[0-3]: presence: image present host missing$|^[0-9]+ objects compared, [0-9]+ differences$' &&
		fail "the populated tree changed (lines above)"
	assert_line --regexp '^/g0-t3: presence: image present host missing$'

	# and the transactions are exactly the committed ones
	run -0 "$TXNCRASH" check "$img" "$log" 0
	assert_line --regexp '^ok 0: [0-9]+ transactions$'
	assert_line --regexp '^ok 3: [0-9]+ transactions$'
	refute_line --partial FAIL
	echo "# ${lines[*]}" >&3
}

@test "killed early (0.2 s): fsck -p replays exactly the committed state" {
	crash_point 0.2
}

@test "killed at 0.5 s: fsck -p replays exactly the committed state" {
	crash_point 0.5
}

@test "killed late (1.1 s): fsck -p replays exactly the committed state" {
	crash_point 1.1
}
