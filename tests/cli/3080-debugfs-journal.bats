#!/usr/bin/env bats
# 3080-debugfs-journal.bats: logdump and journal_recover.
#
# setup_file formats base.img (32 MiB) and makes crashed.img from it: a
# debugfs.vexfs session commits one transaction (begin; write /w1; mkdir
# /d1; symlink /d1/ln; commit) and is killed (kill -9) as soon as it
# printed "committed", so the journal holds exactly that transaction,
# not yet written home.  logdump must show it as recovery sees it
# (committed, its tags with their crcs checked, its op records, the
# commit crc stored and computed), in text and JSON; a bit flipped in a
# logged block must show as a crc mismatch and stop the live log there
# (recovery would replay nothing); -a shows transactions already
# checkpointed; -s filters by sequence number.

bats_require_minimum_version 1.5.0
load test_helper

DBG=$TOPDIR/debugfs/debugfs.vexfs
FSCK=$TOPDIR/fsck/fsck.vexfs

setup_file() {
	local fifo=$BATS_FILE_TMPDIR/fifo out=$BATS_FILE_TMPDIR/out pid i
	local img

	need_built "$DBG" "$FSCK" || return 1
	mkdir -p "$BATS_FILE_TMPDIR/tree" || return 1
	printf 'abc' > "$BATS_FILE_TMPDIR/tree/a"
	printf 'host file contents\n' > "$BATS_FILE_TMPDIR/host.txt"
	img=$(mkimg base.img 32M)
	"$MKFS" -q -F -g 2048 -d "$BATS_FILE_TMPDIR/tree" "$img" || return 1
	cp "$img" "$BATS_FILE_TMPDIR/crashed.img"
	mkfifo "$fifo"
	"$DBG" -w -f - "$BATS_FILE_TMPDIR/crashed.img" < "$fifo" > "$out" 2>&1 &
	pid=$!
	exec 7> "$fifo"
	printf '%s\n' begin "write $BATS_FILE_TMPDIR/host.txt /w1" "mkdir /d1" \
	       "symlink /d1/ln /w1" commit >&7
	for i in $(seq 1 100); do
		grep -q '^committed' "$out" && break
		sleep 0.1
	done
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	exec 7>&-
	grep -q '^committed' "$out" || {
		echo "setup_file: the session did not commit:" >&2
		cat "$out" >&2
		return 1
	}
}

setup() {
	IMG=$BATS_TEST_TMPDIR/fs.img
	cp "$BATS_FILE_TMPDIR/crashed.img" "$IMG"
}

# json EXPR: evaluate a python expression over `logdump --json` as j
json() {
	"$DBG" -R "logdump --json $LDARGS" "$IMG" 2>/dev/null | python3 -c "
import json, sys
j = json.load(sys.stdin)
print($1)"
}

@test "logdump of a clean image says the log is empty" {
	run -0 "$DBG" -R logdump "$BATS_FILE_TMPDIR/base.img"
	assert_line --regexp '^journal: blocks [0-9]+-[0-9]+ \([0-9]+\), empty \(next transaction [0-9]+\)$'
	assert_line "no transaction in the live log (-a: also the older ones)"
}

@test "logdump shows the committed transaction: tags, op records, commit crc" {
	run -0 --separate-stderr "$DBG" -R logdump "$IMG"
	assert_line --regexp '^journal: blocks [0-9]+-[0-9]+ \([0-9]+\), tail at log block [0-9]+, first transaction [0-9]+, 1 committed \(not yet home\)'
	assert_line --regexp '^transaction [0-9]+: committed, log blocks [0-9]+-[0-9]+ \([0-9]+\), '
	assert_line --regexp '^  commit at log block [0-9]+, batch [0-9]+, [0-9]+ blocks before it, crc (0x[0-9a-f]{8}) computed \1 ok$'
	assert_line --regexp '^    metadata home [0-9]+ at log block [0-9]+ crc 0x[0-9a-f]{8} ok$'
	assert_line --regexp '^    create   ino [0-9]+ dir 1 mode 100644 name "w1"$'
	assert_line --regexp '^    write    ino [0-9]+ dir 0 offset 0 length 19'
	assert_line --regexp '^    mkdir    ino [0-9]+ dir 1 mode 040755 name "d1"$'
	assert_line --regexp '^    symlink  ino [0-9]+ dir [0-9]+ mode 120777 name "ln" target "/w1"$'
	refute_output --partial MISMATCH
	# logdump reads the device's log, under the read-only view
	[[ $stderr == *"journal holds 1 committed transaction"* ]]
}

@test "logdump --json: the same, machine-readable; every crc checks" {
	run -0 json 'j["journal"]["live"], len(j["transactions"]), j["transactions"][0]["state"]'
	assert_output "1 1 committed"
	run -0 json '" ".join(o["op"] for o in j["transactions"][0]["ops"])'
	assert_output --regexp '^create write .*mkdir symlink'
	run -0 json 'all(t["crc_ok"] for t in j["transactions"][0]["tags"] if t["kind"] == "metadata")'
	assert_output True
	run -0 json 'j["transactions"][0]["commit_crc"] == j["transactions"][0]["computed_crc"]'
	assert_output True
	run -0 json '[o["name2"] for o in j["transactions"][0]["ops"] if o["op"] == "symlink"]'
	assert_output "['/w1']"
}

@test "logdump -d checks the data runs written in place" {
	LDARGS=-d
	run -0 json '[t["crc_ok"] for t in j["transactions"][0]["tags"] if t["kind"] == "data"]'
	assert_output "[True]"
	run -0 "$DBG" -R "logdump -d" "$IMG"
	assert_line --regexp '^    data     home [0-9]+-[0-9]+ \(1 blocks in place\) crc 0x[0-9a-f]{8} ok$'
	run -0 "$DBG" -R "logdump" "$IMG"
	assert_line --regexp '^    data     home .* unchecked$'
}

@test "a bit flipped in a logged block shows as a crc mismatch; recovery would replay nothing" {
	local start pos

	start=$(json 'j["journal"]["start"]')
	pos=$(json '[t["pos"] for t in j["transactions"][0]["tags"] if t["kind"] == "metadata"][0]')
	# flip bit 0 of byte 100 of that logged block (4 KiB blocks)
	python3 - "$IMG" $(( (start + pos) * 4096 + 100 )) <<'EOF'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1)
    f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 1]))
EOF
	run -0 "$DBG" -R logdump "$IMG"
	assert_line --regexp '^transaction [0-9]+: invalid, '
	assert_line --regexp "^    metadata home [0-9]+ at log block $pos crc 0x[0-9a-f]{8} MISMATCH$"
	assert_line --regexp '^journal: the live log stops at transaction [0-9]+ \(log block [0-9]+\): '
	run -0 json 'j["journal"]["live"], j["journal"]["stop_reason"]'
	assert_output "0 VX_EBADCRC"
	# and recovery agrees: nothing replayed, the transaction is gone
	run -0 "$DBG" -w -R journal_recover -R "ls /" "$IMG"
	assert_line "journal: no committed transaction to replay"
	refute_line w1
	run -0 "$FSCK" -fn "$IMG"
}

@test "-s SEQ shows transactions from SEQ on" {
	local seq

	seq=$(json 'j["transactions"][0]["seq"]')
	run -0 "$DBG" -R "logdump -s $seq" "$IMG"
	assert_line --regexp "^transaction $seq: committed"
	run -0 "$DBG" -R "logdump -s $((seq + 1))" "$IMG"
	assert_line "no transaction from the one asked in the live log (-a: also the older ones)"
	run -1 --separate-stderr "$DBG" -R "logdump -s x" "$IMG"
	[[ $stderr == *"logdump: -s x: not a sequence number"* ]]
	run -1 --separate-stderr "$DBG" -R "logdump extra" "$IMG"
	[[ $stderr == *"usage: logdump [-a] [-d] [-s SEQ] [--json]"* ]]
}

@test "after journal_recover the live log is empty; -a still finds the transaction" {
	local seq

	seq=$(json 'j["transactions"][0]["seq"]')
	run -0 --separate-stderr "$DBG" -w -R journal_recover "$IMG"
	assert_output --regexp "^journal: replayed transactions $seq-$seq \(1 transaction, [0-9]+ blocks\)$"
	run -0 "$DBG" -R logdump "$IMG"
	assert_line --regexp '^journal: .*, empty \(next transaction [0-9]+\)$'
	run -0 "$DBG" -R "logdump -a" "$IMG"
	assert_line --regexp "^transaction $seq: checkpointed, "
	run -0 "$DBG" -R "cat /w1" "$IMG"
	assert_output "host file contents"
	run -0 "$FSCK" -fn "$IMG"
}

@test "logdump works in catastrophic mode, with a group header damaged" {
	local hdr

	# a normal open fails on the zeroed header; -c takes the header
	# the geometry implies, and logdump reads the log as it is
	hdr=$("$TOPDIR/tests/helpers/vxdamage" "$IMG" meta-blocks |
	      awk '$1 == "group" && $2 == 1 { print $3 }')
	dd if=/dev/zero of="$IMG" bs=4096 seek="$hdr" count=1 conv=notrunc status=none
	run -1 "$DBG" -R logdump "$IMG"
	run -0 "$DBG" -c -R logdump "$IMG"
	assert_line --regexp '^transaction [0-9]+: committed, '
}

@test "journal_recover needs -w, and says when the journal is clean" {
	run -1 --separate-stderr "$DBG" -R journal_recover "$IMG"
	[[ $stderr == *"open it with -w"* ]]
	cp "$BATS_FILE_TMPDIR/base.img" "$IMG"
	run -0 "$DBG" -w -R journal_recover -R journal_recover "$IMG"
	assert_output $'journal: clean, nothing to replay\njournal: clean, nothing to replay'
}
