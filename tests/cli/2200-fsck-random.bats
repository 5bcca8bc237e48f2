#!/usr/bin/env bats
# 2200-fsck-random.bats: random damage to the metadata of a populated
# image; `fsck.vexfs -fy` repairs it in one run, a second run (-fn) finds
# nothing, and every file whose blocks were not damaged is still at its
# path with the same attributes and contents.
#
# Fixtures (setup_file; tests/helpers/fsckrand.py does the bookkeeping,
# see its header):
#   old.img  32 MiB, 4 KiB blocks, 2048-block groups (4 groups, 2
#            backups), fixed UUID and hash seed, made by mkfs.vexfs -d
#            from a deterministic tree: ~110 files of varied sizes in
#            nested directories, sparse files with extent-tree nodes, hard
#            links, symlinks, an empty directory, /many of 300 names
#   new.img  old.img changed through libvexfs (a file created, one
#            rewritten, one grown, one shrunk, one unlinked, a directory
#            made, renames, a link, 10 more names in /many); tree-new is
#            the host tree changed the same way, and `vxtree compare
#            new.img tree-new` is exact
#   record   every metadata block of new.img (vxdamage meta-blocks), and
#            for each regular file path the blocks it depends on: its data
#            and node blocks, its inode-table block, and the blocks and
#            inode-table blocks of every ancestor directory
#
# Each seed test copies new.img and damages 1-3 of its metadata blocks,
# picked by random.Random(SEED): bits flipped, the block zeroed, or an
# older version of the block (the same block of old.img, which the edits
# since changed: what a lost write leaves) written back.  Then:
#   fsck -fn   exits 0 or 4 and leaves the damaged image byte-identical
#   fsck -fy   exits 1 (0 when the damage was invisible); 4 would mean
#              something was left unrepaired, 8 or more a failure
#   fsck -fn   exits 0 with no finding: one -y run fixed everything
#   verify     vxtree compare against tree-new: every file none of whose
#              recorded blocks was damaged has the same type, mode, owner,
#              size, mtime and contents at the same path (damaged ones may
#              be gone or in /lost+found)
# Every fsck run has `timeout 60` (exit 124: it hung).  -f is needed: the
# damage is written raw, so the superblock still says clean and a run
# without -f would skip the check (as e2fsck does).  Each test prints, on
# TAP's "# " lines, the damage and the exit codes; on failure its output
# has the vxdamage commands that reproduce it from new.img.
#
# Seeds 1-12, plus two that a sweep of seeds 1-400 found failing before
# ef043d2: 39 zeroes the inode-table block of the root and lost+found
# (the root must be made again and everything reconnected), 136 writes
# back an older inode-table block whose inode still maps blocks the
# edits gave to a new directory and files (blocks claimed twice: each
# claimant gets its own copy, a directory block's copy naming its new
# place).  The blocks a seed hits depend on the image's layout: a change
# to mkfs, the allocator or the edits moves them.

bats_require_minimum_version 1.5.0
load test_helper

FSCK=$TOPDIR/fsck/fsck.vexfs
VXDAMAGE=$TOPDIR/tests/helpers/vxdamage
FSCKRAND=$TOPDIR/tests/helpers/fsckrand.py
export VXDAMAGE

setup_file() {
	local d=$BATS_FILE_TMPDIR

	need_built "$FSCK" "$VXDAMAGE" "$TOPDIR/lib/libvexfs.so.0" || return 1
	python3 "$FSCKRAND" tree "$d/tree" || return 1
	"$MKFS" -q -F -g 2048 -U 22002200-2200-4200-8200-220022002200 \
		-E hash_seed=2200 -d "$d/tree" "$(mkimg old.img 32M)" ||
		return 1
	cp -a "$d/tree" "$d/tree-new" && cp "$d/old.img" "$d/new.img" ||
		return 1
	python3 "$FSCKRAND" edit "$d/new.img" "$d/tree-new" || return 1
	"$VXTREE" compare "$d/new.img" "$d/tree-new" > "$d/compare" || {
		echo "setup_file: new.img differs from tree-new:" >&2
		cat "$d/compare" >&2
		return 1
	}
	python3 "$FSCKRAND" record "$d/new.img" "$d/record.json" > /dev/null
}

# fsck_step NAME ARGS...: run fsck.vexfs ARGS (timeout 60 s) on $IMG;
# its exit code goes to RC[NAME], its output to $BATS_TEST_TMPDIR/NAME
declare -gA RC
fsck_step() {
	local name=$1 rc=0
	shift
	timeout 60 "$FSCK" "$@" "$IMG" > "$BATS_TEST_TMPDIR/$name" 2>&1 ||
		rc=$?
	RC[$name]=$rc
}

# show NAME: the output of step NAME, for a failure message
show() {
	echo "--- fsck $1 (exit ${RC[$1]}):"
	grep -v '^Pass [0-9]:' "$BATS_TEST_TMPDIR/$1" | head -40
}

# what RC: say what an exit code of fsck means beyond the bitmask
what() {
	case $1 in
	124) echo "hung (killed by timeout 60)" ;;
	1[2-9][0-9] | 2[0-9][0-9]) echo "crashed or library failure ($1)" ;;
	*) echo "exit $1" ;;
	esac
}

# check_seed SEED: damage a copy of new.img with SEED, repair, verify
check_seed() {
	local seed=$1 f=$BATS_FILE_TMPDIR t=$BATS_TEST_TMPDIR summary

	IMG=$t/s.img
	cp --sparse=always "$f/new.img" "$IMG"
	run -0 python3 "$FSCKRAND" damage "$seed" "$f/old.img" "$IMG" \
		"$f/record.json" "$t/damage.json"
	echo "# ${lines[-1]}" >&3
	# the reproduction, shown if the test fails
	echo "reproduce: cp new.img s.img, then:"
	printf '%s\n' "${lines[@]:0:${#lines[@]}-1}"
	cp "$IMG" "$t/damaged.img"

	fsck_step n1 -fn
	local same=0
	cmp -s "$IMG" "$t/damaged.img" || same=1
	fsck_step y -fy
	fsck_step n2 -fn
	RC[verify]=0
	python3 "$FSCKRAND" verify "$IMG" "$f/record.json" "$t/damage.json" \
		"$f/tree-new" > "$t/verify" 2>&1 || RC[verify]=$?
	summary="seed $seed: fsck -fn $(what "${RC[n1]}"), -fy $(what "${RC[y]}"),"
	summary+=" then -fn $(what "${RC[n2]}"); $(tail -n 1 "$t/verify")"
	echo "# $summary" >&3
	echo "$summary"

	[[ ${RC[n1]} == 0 || ${RC[n1]} == 4 ]] ||
		fail "$(show n1)"$'\n'"fsck -fn on the damaged image: want 0 or 4"
	((same == 0)) || fail "fsck -fn changed the image"
	[[ ${RC[y]} == 0 || ${RC[y]} == 1 ]] ||
		fail "$(show y)"$'\n'"fsck -fy: want 1 (or 0), got $(what "${RC[y]}")"
	[[ ${RC[n2]} == 0 ]] ||
		fail "$(show y)"$'\n'"$(show n2)"$'\n'"second run not clean"
	if grep -E '\? (yes|no)$' "$t/n2"; then
		fail "$(show n2)"$'\n'"second run has findings"
	fi
	# a repair that found damage says so; an invisible one changes nothing
	if [[ ${RC[n1]} == 4 ]]; then
		[[ ${RC[y]} == 1 ]] || fail "$(show y)"$'\n'"-fn found damage, -fy fixed nothing"
	fi
	[[ ${RC[verify]} == 0 ]] ||
		fail "$(show y)"$'\n'"$(cat "$t/verify")"
}

@test "the undamaged images are clean and new.img holds tree-new" {
	local img

	IMG=$BATS_TEST_TMPDIR/s.img
	for img in old new; do
		cp "$BATS_FILE_TMPDIR/$img.img" "$IMG"
		fsck_step n -fn
		[[ ${RC[n]} == 0 ]] ||
			fail "$(show n)"$'\n'"$img.img: fsck -fn: want exit 0"
	done
	run -0 "$VXTREE" compare "$BATS_FILE_TMPDIR/new.img" \
		"$BATS_FILE_TMPDIR/tree-new"
	assert_line --regexp '^[0-9]+ objects compared, 0 differences$'
	run -0 python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
kinds = {m[0] for m in r["meta"]}
print(len(r["files"]), " ".join(sorted(kinds)))' "$BATS_FILE_TMPDIR/record.json"
	echo "# record: $output" >&3
	# every kind of metadata block is there to be damaged
	assert_output --regexp '^[0-9]{3} backup bbitmap dir extent group ibitmap itable jsuper super$'
}

@test "seed 1"  { check_seed 1; }
@test "seed 2"  { check_seed 2; }
@test "seed 3"  { check_seed 3; }
@test "seed 4"  { check_seed 4; }
@test "seed 5"  { check_seed 5; }
@test "seed 6"  { check_seed 6; }
@test "seed 7"  { check_seed 7; }
@test "seed 8"  { check_seed 8; }
@test "seed 9"  { check_seed 9; }
@test "seed 10" { check_seed 10; }
@test "seed 11" { check_seed 11; }
@test "seed 12" { check_seed 12; }
@test "seed 39: the root's inode-table block zeroed" { check_seed 39; }
@test "seed 136: a stale inode-table block, blocks claimed twice" { check_seed 136; }
