#!/usr/bin/env bash
# bench/mkfs.sh: mkfs.vexfs against mke2fs on sparse image files.
#
# Runs the shared peer benchmark peer-mkfs.sh with two subjects in the same
# run, taking turns run by run:
#   ext4   mke2fs -t ext4 -q -F IMG          (as peer-mkfs.sh defines it)
#   vexfs  mkfs.vexfs -q -F IMG
# on images made with "truncate -s SIZE", prints the peer table, then a
# vexfs/ext4 ratio table (wall time, peak RSS, allocated bytes) with the
# targets checked at 1 TiB: wall < 1 s, wall <= 1/5 of mke2fs, peak RSS
# < 64 MiB.  The sanity check after each row is "vxtree super IMG" (a
# superblock read) until fsck.vexfs exists.
#
# Knobs passed through to peer-mkfs.sh: RUNS (9), SIZES ("1G 64G 1T"),
#   VARIANTS (default here: "default"; vexfs is always lazy, so its lazy and
#   eager variants run the same command), BENCH_MAX_S (280), BENCH_TMP.
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

fail_setup() { echo "error: $*" >&2; exit 2; }

[ -x "$MKFS_VEXFS" ] || fail_setup "$MKFS_VEXFS is missing; run 'make mkfs/mkfs.vexfs' in $TOPDIR"
[ -x "$VXTREE" ] || fail_setup "$VXTREE is missing; run 'make tests/helpers/vxtree' in $TOPDIR"
[ -r "$PEER_BENCH/peer-mkfs.sh" ] || fail_setup "$PEER_BENCH/peer-mkfs.sh not found (set PEER_BENCH)"

# Subject functions for peer-mkfs.sh (each sets the array CMD).
mkfs_vexfs_default() { CMD=("$MKFS_VEXFS" -q -F "$1"); }
mkfs_vexfs_lazy() { mkfs_vexfs_default "$@"; }
mkfs_vexfs_eager() { mkfs_vexfs_default "$@"; }
check_vexfs() { CMD=("$VXTREE" super "$1"); }
export -f mkfs_vexfs_default mkfs_vexfs_lazy mkfs_vexfs_eager check_vexfs

TMPD=$(mktemp -d "${BENCH_TMP:-/tmp}/vexfs-bench-mkfs.XXXXXX") || fail_setup "mktemp failed"
trap 'rm -rf "$TMPD"' EXIT

# stdout (the table) to a file, stderr (progress) shown and kept
SUBJECTS="ext4 vexfs" VARIANTS=${VARIANTS:-default} \
	bash "$PEER_BENCH/peer-mkfs.sh" 2>&1 >"$TMPD/out" | tee "$TMPD/err" >&2
rc=${PIPESTATUS[0]}
cat "$TMPD/out"
[ "$rc" = 0 ] || fail_setup "peer-mkfs.sh exited with status $rc"

# rows of the peer table, fields joined by '|' (column -t pads with 2+ spaces)
awk -F '  +' -v OFS='|' '$1 == "subject" { t = 1; next }
	t && ($1 == "ext4" || $1 == "vexfs") { $1 = $1; print }' "$TMPD/out" >"$TMPD/rows"
[ -s "$TMPD/rows" ] || fail_setup "no result table in the output of peer-mkfs.sh"

# Join ext4 and vexfs rows of the same size and options; compute the ratios.
awk -F '|' -v OFS='|' '
function first(s) { split(s, a, " "); return a[1] }
function bytes(s,   a) {	# inverse of lib.sh human(): "32.6 MiB"
	if (split(s, a, " ") != 2 || !(a[2] in unit)) return -1
	return a[1] * unit[a[2]]
}
BEGIN { unit["B"] = 1; unit["KiB"] = 2^10; unit["MiB"] = 2^20; unit["GiB"] = 2^30; unit["TiB"] = 2^40 }
function ratio(v, e) { return (v == "n/a" || e == "n/a" || e + 0 <= 0 || v < 0 || e < 0) ? "n/a" : sprintf("%.3g", v / e) }
{
	key = $2 "|" $3
	if (!(key in seen)) { seen[key] = 1; order[++n] = key }
	for (i = 4; i <= 9; i++) f[$1, key, i] = $i
}
END {
	print "size|options|ext4 ms|vexfs ms|time x|ext4 RSS MiB|vexfs RSS MiB|RSS x|ext4 alloc|vexfs alloc|alloc x|targets"
	bad = 0
	for (j = 1; j <= n; j++) {
		k = order[j]; split(k, kk, "|")
		et = first(f["ext4", k, 6]); vt = first(f["vexfs", k, 6])
		er = first(f["ext4", k, 7]); vr = first(f["vexfs", k, 7])
		ea = f["ext4", k, 8]; va = f["vexfs", k, 8]
		why = ""
		if (f["vexfs", k, 4] + 0 == 0) why = why "; no vexfs run"
		if (f["vexfs", k, 5] + 0 > 0) why = why "; " f["vexfs", k, 5] " vexfs runs failed"
		if (f["vexfs", k, 9] ~ /FAILED/) why = why "; vxtree super failed"
		if (kk[1] == "1T" && f["vexfs", k, 4] + 0 > 0) {
			if (!(vt < 1000)) why = why "; wall " vt " ms >= 1000"
			if (!(et > 0 && vt <= et / 5)) why = why "; wall " vt " ms > 1/5 of mke2fs " et " ms"
			if (!(vr < 64)) why = why "; RSS " vr " MiB >= 64"
		}
		if (why != "") { verdict = "FAIL (" substr(why, 3) ")"; bad = 1 }
		else verdict = (kk[1] == "1T") ? "PASS" : "-"
		print k, et, vt, ratio(vt, et), er, vr, ratio(vr, er), ea, va, ratio(bytes(va), bytes(ea)), verdict
	}
	exit bad
}' "$TMPD/rows" >"$TMPD/ratio"
bad=$?

echo
echo "vexfs / ext4   (medians; x = vexfs divided by ext4; targets at 1T: wall < 1 s, <= 1/5 of mke2fs, peak RSS < 64 MiB)"
column -t -s '|' "$TMPD/ratio"
exit "$bad"
