#!/usr/bin/env bash
# bench/populate.sh: mkfs.vexfs -d against mke2fs -d (populate an image from
# a directory tree).
#
# Runs the shared peer benchmark peer-populate.sh with two subjects in the
# same run, taking turns run by run, on the same generated trees (mixed:
# 20,000 files, 500 MiB; tiny: 100,000 files of 0..1024 bytes):
#   ext4   mke2fs -t ext4 -q -F -d TREE IMG SIZE   (as peer-populate.sh has it)
#   vexfs  mkfs.vexfs -q -F -d TREE IMG SIZE
# SIZE is the peer script's ("1G" mixed, "2G" tiny).  After each row the last
# vexfs image is checked (untimed): "vxtree ls IMG" must list at least as
# many objects as the tree has files and directories.  Prints the peer
# table, then files/s of vexfs against ext4 per tree and cache state, with
# the target: vexfs >= 2x the files/s of mke2fs.
#
# Knobs passed through to peer-populate.sh: RUNS (5), COLD_RUNS (3), NO_COLD,
#   TREES ("mixed tiny"), BENCH_MAX_S (600 here, for two subjects), BENCH_TMP.
# Own knobs: PEER_BENCH (the peer-bench directory, default
#   TOPDIR/../shared/peer-bench), MKFS_VEXFS and VXTREE (tool paths, default
#   the build tree).
# Exit status: 0 every run succeeded and every target was met; 1 a target
#   was missed or a vexfs run or check failed; 2 setup error.
# the subject functions are called by the peer script (export -f):
# shellcheck disable=SC2034,SC2317
set -u -o pipefail
export LC_ALL=C

TOPDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || exit 2
PEER_BENCH=$(cd "${PEER_BENCH:-$TOPDIR/../shared/peer-bench}" 2>/dev/null && pwd) ||
	{ echo "error: peer-bench directory not found (set PEER_BENCH)" >&2; exit 2; }
export MKFS_VEXFS=${MKFS_VEXFS:-$TOPDIR/mkfs/mkfs.vexfs}
export VXTREE=${VXTREE:-$TOPDIR/tests/helpers/vxtree}
export BENCH_MAX_S=${BENCH_MAX_S:-600}

fail_setup() { echo "error: $*" >&2; exit 2; }

[ -x "$MKFS_VEXFS" ] || fail_setup "$MKFS_VEXFS is missing; run 'make mkfs/mkfs.vexfs' in $TOPDIR"
[ -x "$VXTREE" ] || fail_setup "$VXTREE is missing; run 'make tests/helpers/vxtree' in $TOPDIR"
[ -r "$PEER_BENCH/peer-populate.sh" ] || fail_setup "$PEER_BENCH/peer-populate.sh not found (set PEER_BENCH)"

# Subject functions for peer-populate.sh.
# populate_vexfs TREE IMG SIZE: sets the array CMD to the command to time.
populate_vexfs() { CMD=("$MKFS_VEXFS" -q -F -d "$1" "$2" "$3"); }
# verify_vexfs IMG MIN_OBJECTS: the image lists at least MIN_OBJECTS objects.
verify_vexfs() {
	local out n
	out=$("$VXTREE" ls "$1") || { echo "# vxtree ls $1 failed" >&2; return 1; }
	n=$(printf '%s\n' "$out" | grep -c .)
	[ "$n" -ge "$2" ] || { echo "# vexfs image lists $n objects, expected >= $2" >&2; return 1; }
}
export -f populate_vexfs verify_vexfs

TMPD=$(mktemp -d "${BENCH_TMP:-/tmp}/vexfs-bench-populate.XXXXXX") || fail_setup "mktemp failed"
trap 'rm -rf "$TMPD"' EXIT

# stdout (the table) to a file, stderr (progress) shown and kept
SUBJECTS="ext4 vexfs" bash "$PEER_BENCH/peer-populate.sh" 2>&1 >"$TMPD/out" | tee "$TMPD/err" >&2
rc=${PIPESTATUS[0]}
cat "$TMPD/out"
[ "$rc" = 0 ] || fail_setup "peer-populate.sh exited with status $rc"

# rows of the peer table, fields joined by '|' (column -t pads with 2+ spaces)
awk -F '  +' -v OFS='|' '$1 == "subject" { t = 1; next }
	t && ($1 == "ext4" || $1 == "vexfs") { $1 = $1; print }' "$TMPD/out" >"$TMPD/rows"
[ -s "$TMPD/rows" ] || fail_setup "no result table in the output of peer-populate.sh"
# trees whose vexfs image failed its check (peer-populate.sh notes it on stderr)
sed -n 's|^# WARNING: vexfs/\([^:]*\):.*|\1|p' "$TMPD/err" >"$TMPD/badcheck"

# Join ext4 and vexfs rows of the same tree and cache; compute the ratios.
awk -F '|' -v OFS='|' '
function first(s,   a) { split(s, a, " "); return a[1] }
function ratio(v, e) { return (v == "n/a" || e == "n/a" || e + 0 <= 0) ? "n/a" : sprintf("%.2f", v / e) }
FILENAME == ARGV[1] { badcheck[$1] = 1; next }
{
	key = $2 "|" $3
	if (!(key in seen)) { seen[key] = 1; order[++n] = key }
	for (i = 4; i <= 10; i++) f[$1, key, i] = $i
}
END {
	print "tree|cache|ext4 files/s|vexfs files/s|files/s x|ext4 MiB/s|vexfs MiB/s|ext4 RSS MiB|vexfs RSS MiB|ext4 alloc|vexfs alloc|target (>= 2x files/s)"
	bad = 0
	for (j = 1; j <= n; j++) {
		k = order[j]; split(k, kk, "|")
		ef = first(f["ext4", k, 7]); vf = first(f["vexfs", k, 7])
		x = ratio(vf, ef)
		why = ""
		if (f["vexfs", k, 4] + 0 == 0) why = why "; no vexfs run"
		if (f["vexfs", k, 5] + 0 > 0) why = why "; " f["vexfs", k, 5] " vexfs runs failed"
		else if (f["vexfs", k, 10] == "n/a") why = why "; no image left"
		if (kk[1] in badcheck) why = why "; image check failed"
		if (x == "n/a" || x + 0 < 2) why = why "; " x "x < 2x"
		if (why != "") { verdict = "FAIL (" substr(why, 3) ")"; bad = 1 }
		else verdict = "PASS"
		print k, ef, vf, x, first(f["ext4", k, 8]), first(f["vexfs", k, 8]),
		      first(f["ext4", k, 9]), first(f["vexfs", k, 9]),
		      f["ext4", k, 10], f["vexfs", k, 10], verdict
	}
	exit bad
}' "$TMPD/badcheck" "$TMPD/rows" >"$TMPD/ratio"
bad=$?

echo
echo "vexfs / ext4   (medians; x = vexfs files/s divided by ext4 files/s; target >= 2x)"
column -t -s '|' "$TMPD/ratio"
exit "$bad"
