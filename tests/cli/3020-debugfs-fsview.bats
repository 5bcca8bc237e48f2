#!/usr/bin/env bats
# 3020-debugfs-fsview.bats: the filesystem as a whole in debugfs.vexfs:
# stats (show_super), groups, freefrag and txstats.
#
# setup_file formats base.img (64 MiB, 4 KiB blocks, 4096-block groups:
# four groups, backups in groups 1 and 3) from a small host tree with a
# fixed label, UUID and time, keeping mkfs.vexfs --json's layout in
# layout.json; the tests compare what debugfs.vexfs shows with what mkfs
# was asked and reported, text and --json (parsed with python3), and read
# the changes they make back another way (cat, ls, stats against
# freefrag).  Damage comes from tests/helpers/vxdamage.

bats_require_minimum_version 1.5.0
load test_helper

DBG=$TOPDIR/debugfs/debugfs.vexfs
VXDAMAGE=$TOPDIR/tests/helpers/vxdamage
UUID=01234567-89ab-cdef-0123-456789abcdef
EPOCH=1700000000

setup_file() {
	local tree=$BATS_FILE_TMPDIR/tree

	need_built "$DBG" "$VXDAMAGE" || return 1
	mkdir -p "$tree/dir" || return 1
	printf 'hello\n' > "$tree/dir/file"
	head -c 50000 /dev/urandom > "$tree/data"
	SOURCE_DATE_EPOCH=$EPOCH "$MKFS" -q -F -b 4096 -g 4096 -L fsview \
		-U "$UUID" -d "$tree" --json "$(mkimg base.img 64M)" \
		> "$BATS_FILE_TMPDIR/layout.json" || {
		echo "setup_file: mkfs.vexfs failed" >&2
		return 1
	}
}

setup() {
	IMG=$BATS_TEST_TMPDIR/fs.img
	cp "$BATS_FILE_TMPDIR/base.img" "$IMG"
	LAYOUT=$BATS_FILE_TMPDIR/layout.json
}

# field LABEL: the value of "LABEL:" in $output (stats' text)
field() {
	sed -n "s/^$1: *//p" <<< "$output"
}

@test "stats shows what mkfs.vexfs was asked and laid out" {
	run -0 --separate-stderr "$DBG" -R stats "$IMG"
	[[ -z $stderr ]]
	[[ $(field 'Filesystem label') == fsview ]]
	[[ $(field 'Filesystem UUID') == "$UUID" ]]
	[[ $(field 'Filesystem state') == clean ]]
	[[ $(field 'Filesystem features') == journal ]]
	[[ $(field 'Block size') == 4096 ]]
	[[ $(field 'Block count') == 16384 ]]
	[[ $(field 'Blocks per group') == 4096 ]]
	[[ $(field 'Group count') == 4 ]]
	[[ $(field 'Inode size') == 256 ]]
	[[ $(field 'Created') == "2023-11-14T22:13:20Z ($EPOCH)" ]]
	[[ $(field 'Superblock backups') == "4096, 12288" ]]
	[[ $(field 'Journal state') == clean ]]
	[[ $(field 'Root inode') == 1 ]]
	[[ $(field 'Inodes per group') == \
	   $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["inodes_per_group"])' "$LAYOUT") ]]
	# one line per group; their free blocks add up to the total
	[[ $(grep -c '^Group [0-3]: blocks ' <<< "$output") == 4 ]]
	assert_line 'Group 1: blocks 4096-8191, 4028 free blocks, 1024 free inodes, 0 directories, flags: block_uninit, inode_uninit'
	local sum
	sum=$(sed -n 's/^Group [0-9]*: blocks [0-9-]*, \([0-9]*\) free blocks.*/\1/p' <<< "$output" |
	      awk '{ s += $1 } END { print s }')
	[[ $(field 'Free blocks') == "$sum" ]]
}

@test "stats --json: one object, numbers as numbers, agreeing with mkfs --json and the text" {
	run -0 --separate-stderr "$DBG" -R 'stats --json' "$IMG"
	echo "$output" > "$BATS_TEST_TMPDIR/s.json"
	run -0 python3 - "$BATS_TEST_TMPDIR/s.json" "$LAYOUT" "$UUID" "$EPOCH" <<-'EOF'
		import json, sys
		s = json.load(open(sys.argv[1]))
		m = json.load(open(sys.argv[2]))
		assert s["uuid"] == sys.argv[3] == m["uuid"], s["uuid"]
		assert s["label"] == "fsview" == m["label"]
		for k in ("block_size", "block_count", "group_blocks", "group_count",
		          "inodes_per_group", "inode_count", "inode_size",
		          "journal_start", "journal_blocks", "hash_seed", "mkfs_time"):
		    assert s[k] == m[k] and isinstance(s[k], int), k
		assert s["backups"] == m["backup_superblocks"] == [4096, 12288]
		assert s["bbitmap_blocks"] == m["block_bitmap_blocks"]
		assert s["itable_blocks"] == m["inode_table_blocks"]
		assert s["mkfs_time"] == int(sys.argv[4])
		assert s["mkfs_time_iso"] == "2023-11-14T22:13:20Z"
		assert s["features"] == ["journal"] and s["state_words"] == ["clean"]
		assert s["free_counts"] == "groups"
		assert s["journal"]["state"] == "clean"
		g = s["groups"]
		assert [x["group"] for x in g] == [0, 1, 2, 3]
		assert [x["start"] for x in g] == [x["start"] for x in m["groups"]]
		assert sum(x["free_blocks"] for x in g) == s["free_blocks"]
		assert sum(x["free_inodes"] for x in g) == s["free_inodes"]
		assert g[1]["flag_names"] == ["block_uninit", "inode_uninit"]
		print("ok")
	EOF
	assert_output ok
	# the text says the same free count
	run -0 "$DBG" -R stats "$IMG"
	[[ $(field 'Free blocks') == $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["free_blocks"])' "$BATS_TEST_TMPDIR/s.json") ]]
}

@test "stats -h has no group lines; show_super is stats" {
	run -0 "$DBG" -R 'stats -h' "$IMG"
	refute_line --regexp '^Group [0-9]'
	assert_line --regexp '^Block size: +4096$'
	local h=$output
	run -0 "$DBG" -R 'show_super -h' "$IMG"
	[[ $output == "$h" ]]
	run -0 "$DBG" -R 'stats -h --json' "$IMG"
	run -0 python3 -c 'import json,sys; d=json.load(sys.stdin); assert "groups" not in d; print(d["group_count"])' <<< "$output"
	assert_output 4
	run -1 --separate-stderr "$DBG" -R 'stats extra' "$IMG"
	[[ $stderr == *"stats: usage: stats [-h] [--json]"* ]]
}

@test "stats -c shows an image whose group header does not decode; without -c it does not open" {
	run -0 "$VXDAMAGE" "$IMG" group-set 2 free_blocks 7 --noseal
	run -1 --separate-stderr "$DBG" -R stats "$IMG"
	[[ $stderr == *"group 2 header (block 8192): metadata checksum mismatch"* ]]
	run -0 --separate-stderr "$DBG" -c -R stats "$IMG"
	assert_line 'Group 2: header at block 8192 does not decode: metadata checksum mismatch'
	assert_line --regexp '^Group 3: blocks 12288-16383, [0-9]+ free blocks'
	assert_line --regexp '^Free blocks: +[0-9]+ \(hint\)$'
	assert_line --regexp "^Filesystem UUID: +$UUID\$"
	run -0 --separate-stderr "$DBG" -c -R 'stats --json' "$IMG"
	run -0 python3 -c 'import json,sys; d=json.load(sys.stdin); g=d["groups"]; print(g[2]["error"], g[2]["header_block"], "error" in g[1], d["free_counts"])' <<< "$output"
	assert_output 'VX_EBADCRC 8192 False superblock hint'
	# groups under -c says which header it could not read
	run -0 --separate-stderr "$DBG" -c -R 'groups 2' "$IMG"
	assert_output --partial 'the header at block 8192 does not decode (metadata checksum mismatch)'
}

@test "stats on a file that is not VexFS fails clearly, even under -c" {
	head -c 1M /dev/urandom > "$BATS_TEST_TMPDIR/junk"
	run -1 --separate-stderr "$DBG" -c -R stats "$BATS_TEST_TMPDIR/junk"
	assert_output ""
	[[ $stderr == *"stats: $BATS_TEST_TMPDIR/junk has no valid VexFS superblock at block 0"* ]]
}

@test "stats shows a dirty journal: the read-only view and -c say what they show" {
	local fifo=$BATS_TEST_TMPDIR/fifo out=$BATS_TEST_TMPDIR/out pid i fd

	printf 'x%.0s' {1..1000} > "$BATS_TEST_TMPDIR/small"
	mkfifo "$fifo"
	"$DBG" -w "$IMG" < "$fifo" > "$out" 2>&1 &
	pid=$!
	# a descriptor of our own (bats uses 3): the session waits for more
	exec {fd}> "$fifo"
	echo "write $BATS_TEST_TMPDIR/small /x" >&"$fd"
	echo 'txstats' >&"$fd"
	for i in $(seq 100); do
		grep -q '^commits: *1$' "$out" && break
		sleep 0.1
	done
	kill -9 "$pid"
	exec {fd}>&-
	wait "$pid" || true
	grep -q '^commits: *1$' "$out"
	run -0 --separate-stderr "$DBG" -R 'stats -h' "$IMG"
	assert_line --regexp '^Journal state: +dirty: 1 committed transaction \(sequence [0-9]+-[0-9]+\) not yet written home; this session shows the image as recovery would leave it'
	run -0 --separate-stderr "$DBG" -c -R 'stats -h' "$IMG"
	assert_line --regexp '^Journal state: +dirty: 1 committed transaction .*; -c shows the image as it is, without them$'
	run -0 --separate-stderr "$DBG" -R 'stats -h --json' "$IMG"
	run -0 python3 -c 'import json,sys; j=json.load(sys.stdin)["journal"]; print(j["state"], j["transactions"])' <<< "$output"
	assert_output 'dirty 1'
	# the view shows the file the journal holds
	run -0 --separate-stderr "$DBG" -R 'cat /x' "$IMG"
	[[ $output == "$(cat "$BATS_TEST_TMPDIR/small")" ]]
}

@test "groups: every header in detail, --json, chosen groups, out of range" {
	run -0 --separate-stderr "$DBG" -R groups "$IMG"
	[[ $(grep -c '^Group [0-9]*:$' <<< "$output") == 4 ]]
	run -0 --separate-stderr "$DBG" -R 'groups --json' "$IMG"
	echo "$output" > "$BATS_TEST_TMPDIR/g.json"
	"$DBG" -R 'stats --json' "$IMG" > "$BATS_TEST_TMPDIR/s.json"
	run -0 python3 - "$BATS_TEST_TMPDIR/g.json" "$LAYOUT" "$BATS_TEST_TMPDIR/s.json" <<-'EOF'
		import json, sys
		g = json.load(open(sys.argv[1]))["groups"]
		lay = json.load(open(sys.argv[2]))
		m = lay["groups"]
		s = json.load(open(sys.argv[3]))["groups"]
		assert len(g) == 4
		for a, b, c in zip(g, m, s):
		    assert a["group_no"] == b["group"] == c["group"]
		    assert a["start"] == b["start"] and a["nblocks"] == b["blocks"]
		    assert a["bbitmap"] == b["block_bitmap"]
		    assert a["ibitmap"] == b["inode_bitmap"]
		    assert a["itable"] == b["inode_table"]
		    assert a["bbitmap"] == a["start"] + (2 if b["superblock"] else 1)
		    assert a["free_blocks"] == c["free_blocks"]
		    assert a["free_inodes"] == c["free_inodes"]
		    assert a["used_dirs"] == c["used_dirs"]
		    # group 0's metadata runs to the end of the journal
		    assert a["meta_blocks"] == b["data_start"] - b["start"] + \
		        (lay["journal_blocks"] if b["group"] == 0 else 0)
		assert g[0]["used_dirs"] == 3 and g[0]["flags"] == 0   # /, lost+found, dir
		print("ok")
	EOF
	assert_output ok
	# the text shows the same numbers
	run -0 "$DBG" -R 'groups 3 1' "$IMG"
	assert_line 'Group 3:'
	assert_line 'Group 1:'
	refute_line 'Group 0:'
	assert_line --regexp '^  start: +12288$'
	assert_line --regexp '^  bbitmap: +12290$'
	assert_line --regexp '^  flag_names: +block_uninit, inode_uninit$'
	run -1 --separate-stderr "$DBG" -R 'groups 4' "$IMG"
	assert_output ""
	[[ $stderr == *"groups: group 4: out of range (the filesystem has 4 groups: 0-3)"* ]]
	run -1 --separate-stderr "$DBG" -R 'groups 1 x' "$IMG"
	assert_output ""
	[[ $stderr == *"groups: x: not a group number"* ]]
	run -1 --separate-stderr "$DBG" -R 'groups --bogus' "$IMG"
	[[ $stderr == *"usage: groups [--json] [GROUP...]"* ]]
}

# ff_free: the free block total of freefrag in $output
ff_free() {
	sed -n 's/^Free blocks: *\([0-9]*\) .*/\1/p' <<< "$output"
}

@test "freefrag: the bitmaps' free total is stats' and drops by a written file's blocks" {
	local f0 s0 hist
	run -0 --separate-stderr "$DBG" -R freefrag "$IMG"
	[[ -z $stderr ]]
	f0=$(ff_free)
	# the histogram's blocks add up to the total
	hist=$(sed -n '/^HISTOGRAM/,$p' <<< "$output" | awk '/:/ && $NF ~ /%$/ {s += $(NF-1)} END {print s}')
	[[ $hist == "$f0" ]]
	[[ $output == *"Device blocks:      16384 (4 KiB blocks)"* ]]
	run -0 "$DBG" -R stats "$IMG"
	s0=$(field 'Free blocks')
	[[ $f0 == "$s0" ]]
	# 100000 bytes: 25 blocks of 4 KiB, one inline extent, a name that
	# fits the root's leaf: exactly 25 blocks more in use
	head -c 100000 /dev/urandom > "$BATS_TEST_TMPDIR/host"
	run -0 "$DBG" -w -R "write $BATS_TEST_TMPDIR/host /f" "$IMG"
	run -0 --separate-stderr "$DBG" -R freefrag "$IMG"
	[[ -z $stderr ]]
	[[ $(ff_free) == $((f0 - 25)) ]]
	run -0 "$DBG" -R stats "$IMG"
	[[ $(field 'Free blocks') == $((s0 - 25)) ]]
	"$DBG" -R 'cat /f' "$IMG" > "$BATS_TEST_TMPDIR/back"
	cmp "$BATS_TEST_TMPDIR/host" "$BATS_TEST_TMPDIR/back"
	# in the same session, after the write: what was committed
	run -0 --separate-stderr "$DBG" -w -R "write $BATS_TEST_TMPDIR/host /g" -R freefrag "$IMG"
	[[ -z $stderr ]]
	[[ $(ff_free) == $((f0 - 50)) ]]
}

@test "freefrag -c: free aligned chunks; a bad chunk size is refused" {
	run -0 "$DBG" -R freefrag "$IMG"
	local free
	free=$(ff_free)
	# one-block chunks: every free block is one
	run -0 "$DBG" -R 'freefrag -c 4' "$IMG"
	assert_line "Chunk size:         4 KiB (1 block)"
	assert_line --regexp "^Free chunks: +$free of 16384 "
	# 64 KiB chunks: at most free/16, at least what groups 1-3 hold: each
	# is free from its metadata (67 or 68 blocks) to its end, 256 - 5
	# aligned chunks of 16 blocks
	run -0 "$DBG" -R 'freefrag -c 64' "$IMG"
	local n
	n=$(sed -n 's/^Free chunks: *\([0-9]*\) of 1024 .*/\1/p' <<< "$output")
	(( n <= free / 16 && n >= 3 * 251 ))
	run -1 --separate-stderr "$DBG" -R 'freefrag -c 12' "$IMG"
	[[ $stderr == *"freefrag: -c 12: the chunk size must be a power of two, at least the block size (4 KiB)"* ]]
	run -1 --separate-stderr "$DBG" -R 'freefrag -c 2' "$IMG"
	[[ $stderr == *"-c 2: the chunk size must be a power of two"* ]]
	run -1 --separate-stderr "$DBG" -R 'freefrag -c x' "$IMG"
	[[ $stderr == *"-c x: not a chunk size in KiB"* ]]
}

@test "freefrag warns when the bitmaps and the group headers disagree" {
	run -0 "$DBG" -R 'groups --json 0' "$IMG"
	local hdr
	hdr=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["groups"][0]["free_blocks"])' <<< "$output")
	run -0 "$VXDAMAGE" "$IMG" group-set 0 free_blocks $((hdr + 5))
	run -0 --separate-stderr "$DBG" -R freefrag "$IMG"
	[[ $stderr == *"freefrag: warning: the block bitmaps hold "*" free blocks, the group headers count "*" (fsck.vexfs checks which is right)"* ]]
	local bm
	bm=$(ff_free)
	[[ $stderr == *"hold $bm free blocks"* ]]
}

# txjson KEY...: the values of those txstats --json keys, from the last
# JSON object in $output
txjson() {
	python3 -c '
import json, sys
t = "\n" + sys.stdin.read()
d = json.JSONDecoder().raw_decode(t[t.rindex("\n{") + 1:])[0]
print(" ".join(str(d[k]) for k in sys.argv[1:]))' "$@" <<< "$output"
}

@test "txstats: the counters of this session after a script of transactions" {
	local small=$BATS_TEST_TMPDIR/small one
	printf 'y%.0s' {1..1000} > "$small"
	# a fresh session has done nothing
	run -0 "$DBG" -R txstats "$IMG"
	assert_line 'Transaction statistics of this session (since the filesystem was opened):'
	assert_line --regexp '^commits: +0$'
	assert_line --regexp '^commit latency: +no commit timed$'
	# what one write costs in operations, in a session of its own
	cp "$IMG" "$BATS_TEST_TMPDIR/one.img"
	printf 'begin\nwrite %s /w\ncommit\ntxstats --json\n' "$small" > "$BATS_TEST_TMPDIR/s1"
	run -0 "$DBG" -w -f "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/one.img"
	one=$(txjson ops)
	(( one > 0 ))
	cat > "$BATS_TEST_TMPDIR/script" <<-EOF
		begin
		write $small /a
		commit
		begin
		write $small /b
		begin --nested
		write $small /c
		abort
		write $small /d
		commit
		begin
		write $small /e
		abort
		txstats
		txstats --json
	EOF
	run -0 --separate-stderr "$DBG" -w -f "$BATS_TEST_TMPDIR/script" "$IMG"
	assert_line --regexp '^begun: +3$'
	assert_line --regexp '^commits: +2$'
	assert_line --regexp '^aborts: +1$'
	assert_line --regexp '^rollbacks: +1$'
	assert_line --regexp "^ops: +$((5 * one))\$"
	assert_line --regexp '^commit latency: +p50 < [0-9]+ us, p90 < [0-9]+ us, p99 < [0-9]+ us, max < [0-9]+ us$'
	[[ $(txjson begun commits aborts rollbacks ops op_errors failed batches running data_bytes) == \
	   "3 2 1 1 $((5 * one)) 0 0 2 0 5000" ]]
	run -0 python3 -c '
import json, sys
t = sys.stdin.read()
d = json.JSONDecoder().raw_decode(t[t.rindex("\n{") + 1:])[0]
l = d["commit_latency"]
assert sum(h["count"] for h in l["histogram"]) == d["commits"] == 2
assert l["p50_ns"] <= l["p99_ns"] <= l["max_bucket_us"] * 1000
assert d["log_bytes"] > 0 and d["since"] == "open"
print("ok")' <<< "$output"
	assert_output ok
	# and the image holds what was committed, nothing of what was not
	run -0 "$DBG" -R 'ls /' "$IMG"
	assert_line a
	assert_line b
	assert_line d
	refute_line c
	refute_line e
	"$DBG" -R 'cat /d' "$IMG" > "$BATS_TEST_TMPDIR/back"
	cmp "$small" "$BATS_TEST_TMPDIR/back"
	# a failed operation counts as one
	printf 'begin\nmkdir /a\n' > "$BATS_TEST_TMPDIR/s2"
	printf 'txstats --json\nabort\n' >> "$BATS_TEST_TMPDIR/s2"
	run -1 --separate-stderr "$DBG" -k -w -f "$BATS_TEST_TMPDIR/s2" "$IMG"
	[[ $(txjson op_errors begun) == "1 1" ]]
	run -1 --separate-stderr "$DBG" -R 'txstats -x' "$IMG"
	[[ $stderr == *"usage: txstats [--json]"* ]]
}
