#!/usr/bin/env bash
# bench/fsck.sh: fsck.vexfs against e2fsck (a forced full check of a clean
# populated image).
#
# Part 1 runs the shared peer benchmark peer-fsck.sh with two subjects in
# the same run, taking turns run by run, on images built (untimed) from the
# same generated trees (mixed: 20,000 files, 500 MiB; tiny: 100,000 files of
# 0..1024 bytes; many: 250,000 such files):
#   ext4   mke2fs -t ext4 -q -F -d TREE IMG SIZE, then e2fsck -fn IMG and
#          e2fsck -fy IMG                          (as peer-fsck.sh has it)
#   vexfs  mkfs.vexfs -q -F -d TREE IMG SIZE, then fsck.vexfs -fn IMG and
#          fsck.vexfs -fy IMG
# warm and cold.  Prints the peer table, then per tree, command and cache
# state the ratios vexfs / ext4 of the wall time and of the peak RSS, with
# the targets for -fn: wall <= 0.5x e2fsck's, peak RSS <= e2fsck's.
# Part 2 (linearity) builds trees of SIZES tiny files (gen_tree of the peer
# lib.sh, kind tiny, N/100 directories, at most 5,000; on a tmpfs of its
# own), populates one image of each tool from each (untimed; sparse image of
# N x 18 KiB rounded up to GiB: 1G, 2G, 18G by default), deletes the tree
# (unmounts the tmpfs), then times fsck.vexfs -fn and e2fsck -fn on them,
# warm, taking turns, and prints per size seconds, microseconds per inode
# (wall / used inodes of the tool's own summary line) and peak RSS, then the linearity figure: us/inode at the largest size
# divided by us/inode at the smallest; target for vexfs <= 1.5 (e2fsck's
# figure is shown beside it).
#
# Knobs passed through to peer-fsck.sh: RUNS (7), COLD_RUNS (5), NO_COLD,
#   TREES ("mixed tiny many"), BENCH_TMP.
# Own knobs: BENCH_MAX_S (1200: budget of the whole script; peer-fsck.sh
#   gets what is left after an estimate of part 2), SIZES ("10000 100000
#   1000000": file counts of part 2), LINEAR=0 (skip part 2), RUNS (also the
#   counted runs of part 2, 7), TREE_TMPFS=0 (make part 2's trees under
#   BENCH_TMP instead of on a tmpfs, which needs about 5 KiB of memory per
#   file; it is also used only when the memory is there), PEER_BENCH (the
#   peer-bench directory, default TOPDIR/../shared/peer-bench), MKFS_VEXFS
#   and FSCK_VEXFS (tool paths, default the build tree).
# Exit status: 0 every vexfs run succeeded and every target was met; 1 a
#   target was missed or a vexfs run failed (fsck.vexfs exit code != 0 on a
#   clean image, too few inodes checked, image not built); 2 setup error.
# the subject functions are called by the peer script (export -f):
# shellcheck disable=SC2034,SC2317
set -u -o pipefail
export LC_ALL=C

TOPDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || exit 2
PEER_BENCH=$(cd "${PEER_BENCH:-$TOPDIR/../shared/peer-bench}" 2>/dev/null && pwd) ||
	{ echo "error: peer-bench directory not found (set PEER_BENCH)" >&2; exit 2; }
{ [ -r "$PEER_BENCH/peer-fsck.sh" ] && [ -r "$PEER_BENCH/lib.sh" ]; } ||
	{ echo "error: $PEER_BENCH/peer-fsck.sh or lib.sh not found (set PEER_BENCH)" >&2; exit 2; }

export BENCH_MAX_S=${BENCH_MAX_S:-1200}
# helpers: note, gen_tree, timed, have_time, time_left, fmt_mmm, stat3,
# nruns, bad_exits, e2fsck_used_inodes, human (the budget starts here)
# shellcheck source=/dev/null
. "$PEER_BENCH/lib.sh"

export MKFS_VEXFS=${MKFS_VEXFS:-$TOPDIR/mkfs/mkfs.vexfs}
export FSCK_VEXFS=${FSCK_VEXFS:-$TOPDIR/fsck/fsck.vexfs}
SIZES=${SIZES:-10000 100000 1000000}
LINEAR=${LINEAR:-1}
LRUNS=${RUNS:-7}
TREE_TMPFS=${TREE_TMPFS:-1}

fail_setup() { echo "error: $*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || fail_setup "run as root (the peer script drops caches)"
[ -x "$MKFS_VEXFS" ] || fail_setup "$MKFS_VEXFS is missing; run 'make mkfs/mkfs.vexfs' in $TOPDIR"
[ -x "$FSCK_VEXFS" ] || fail_setup "$FSCK_VEXFS is missing; run 'make' in $TOPDIR"
[ -x /usr/bin/time ] || fail_setup "missing /usr/bin/time (apt-get install time)"
read -ra SIZES_A <<<"$SIZES"
for n in "${SIZES_A[@]}"; do
	case $n in *[!0-9]*) fail_setup "SIZES: '$n' is not a file count" ;; esac
	[ $((10#$n)) -gt 0 ] || fail_setup "SIZES: '$n' is not a file count"
done
[ "${#SIZES_A[@]}" -gt 0 ] || LINEAR=0
case $LRUNS in '' | *[!0-9]* | 0) fail_setup "RUNS must be a positive number" ;; esac

# Subject functions for peer-fsck.sh (each sets the array CMD, except
# used_inodes_vexfs, which prints).
make_vexfs() { CMD=("$MKFS_VEXFS" -q -F -d "$1" "$2" "$3"); }
check_vexfs_ro() { CMD=("$FSCK_VEXFS" -fn "$1"); }
check_vexfs_rw() { CMD=("$FSCK_VEXFS" -fy "$1"); }
# used_inodes_vexfs LOGFILE: the used-inode count of the last summary line
# "IMAGE: USED/TOTAL inodes, USED/TOTAL blocks" in LOGFILE.
used_inodes_vexfs() { sed -n 's/.*: \([0-9]*\)\/\([0-9]*\) inodes.*/\1/p' "$1" | tail -n 1; }
export -f make_vexfs check_vexfs_ro check_vexfs_rw used_inodes_vexfs

TMPD=$(mktemp -d "${BENCH_TMP:-/tmp}/vexfs-bench-fsck.XXXXXX") || fail_setup "mktemp failed"
# lib.sh's cleanup: unmounts what BENCH_MOUNTS lists (part 2's tmpfs), then
# removes BENCH_DIR, never through a mount
BENCH_DIR=$TMPD
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- part 2's shape, and a time estimate to keep for it
# lin_spec N: "dirs image_size" for a tree of N tiny files (16 KiB per inode
# is the default of both tools; 18 KiB leaves room for the directories)
lin_spec() {
	local d=$(($1 / 100)) g=$((($1 * 18 + 1048575) / 1048576))
	[ "$d" -ge 1 ] || d=1
	[ "$d" -le 5000 ] || d=5000
	[ "$g" -ge 1 ] || g=1
	echo "$d ${g}G"
}
# lin_estimate N US_PER_FILE: seconds to generate, build, delete and check
# a tree of N files (the checks at 2 us per inode and tool, with a warm-up)
lin_estimate() { echo $(($1 * $2 / 1000000 + ($1 * 4 * (LRUNS + 1)) / 1000000 + 10)); }
# per file: gen_tree + mke2fs -d + mkfs.vexfs -d + deleting the tree
BUILD_US=250
[ "$TREE_TMPFS" = 1 ] || BUILD_US=1000
# ascending, without duplicates or leading zeros
[ "$LINEAR" = 0 ] || mapfile -t SIZES_A < <(for n in "${SIZES_A[@]}"; do echo $((10#$n)); done | sort -n -u)
reserve=0
if [ "$LINEAR" != 0 ]; then
	for n in "${SIZES_A[@]}"; do reserve=$((reserve + $(lin_estimate "$n" "$BUILD_US"))); done
fi

# --- part 1: peer-fsck.sh
peer_s=$(($(time_left) - reserve))
[ "$peer_s" -ge 120 ] || peer_s=120
note "peer-fsck.sh: budget ${peer_s}s (keeping ${reserve}s for the linearity part)"
# stdout (the table) to a file, stderr (progress) shown and kept
SUBJECTS="ext4 vexfs" BENCH_MAX_S=$peer_s bash "$PEER_BENCH/peer-fsck.sh" 2>&1 >"$TMPD/out" |
	tee "$TMPD/err" >&2
rc=${PIPESTATUS[0]}
cat "$TMPD/out"
[ "$rc" = 0 ] || fail_setup "peer-fsck.sh exited with status $rc"

# rows of the peer table, fields joined by '|' (column -t pads with 2+ spaces)
awk -F '  +' -v OFS='|' '$1 == "subject" { t = 1; next }
	t && ($1 == "ext4" || $1 == "vexfs") { $1 = $1; print }' "$TMPD/out" >"$TMPD/rows"
[ -s "$TMPD/rows" ] || fail_setup "no result table in the output of peer-fsck.sh"

# Join ext4 and vexfs rows of the same tree, command (-fn, -fy) and cache;
# compute the ratios.  Peer columns: 1 subject, 2 tree, 3 command, 4 cache,
# 5 runs, 6 fail, 7 inodes used, 8 wall s, 9 inodes/s, 10 user s, 11 sys s,
# 12 peak RSS MiB.  The objects a tree holds (files + directories, root not
# counted) are peer-fsck.sh's tree_spec; fsck.vexfs must report at least
# that many used inodes.
awk -F '|' -v OFS='|' '
function first(s,   a) { split(s, a, " "); return a[1] }
function ratio(v, e) { return (v == "" || e == "" || v == "n/a" || e == "n/a" || e + 0 <= 0) ? "n/a" : sprintf("%.2f", v / e) }
function verdict(x, lim) { return (x == "n/a") ? "MISS (n/a)" : (x + 0 <= lim) ? "PASS" : "MISS" }
BEGIN { objects["mixed"] = 20200; objects["tiny"] = 100200; objects["many"] = 250500 }
{
	nw = split($3, w, " "); mode = w[nw]
	key = $2 "|" mode "|" $4
	if (!(key in seen)) { seen[key] = 1; order[++n] = key }
	for (i = 5; i <= 12; i++) f[$1, key, i] = $i
}
END {
	print "tree|check|cache|e2fsck s|vexfs s|time x|target <= 0.5|e2fsck RSS MiB|vexfs RSS MiB|RSS x|target <= 1|vexfs runs"
	bad = 0
	for (j = 1; j <= n; j++) {
		k = order[j]; split(k, kk, "|")
		et = first(f["ext4", k, 8]); vt = first(f["vexfs", k, 8])
		er = first(f["ext4", k, 12]); vr = first(f["vexfs", k, 12])
		tx = ratio(vt, et); rx = ratio(vr, er)
		runs = "ok"; why = ""
		if (f["vexfs", k, 5] + 0 == 0) why = why "; none"
		if (f["vexfs", k, 6] + 0 > 0) why = why "; " f["vexfs", k, 6] " of " f["vexfs", k, 5] " exit != 0"
		if (f["vexfs", k, 5] + 0 > 0 && (kk[1] in objects) && f["vexfs", k, 7] + 0 < objects[kk[1]])
			why = why "; " (f["vexfs", k, 7] + 0) " inodes checked < " objects[kk[1]] " in the tree"
		if (why != "") { runs = "FAILED (" substr(why, 3) ")"; bad = 1 }
		if (kk[2] == "-fn") {
			tv = verdict(tx, 0.5); rv = verdict(rx, 1)
			if (tv != "PASS" || rv != "PASS") bad = 1
		} else { tv = "-"; rv = "-" }
		print kk[1], kk[2], kk[3], et, vt, tx, tv, er, vr, rx, rv, runs
	}
	exit bad
}' "$TMPD/rows" >"$TMPD/ratio"
bad=$?

echo
echo "vexfs / ext4   (medians; x = vexfs divided by e2fsck; the targets apply to -fn: wall <= 0.5x, peak RSS <= 1x)"
column -t -s '|' "$TMPD/ratio"

[ "$LINEAR" != 0 ] || exit "$bad"

# --- part 2: time against the number of inodes
W=$TMPD/lin
mkdir -p "$W" || fail_setup "mkdir $W failed"
LROWS=() # files|dirs|image|subject|command|runs|fail|inodes used|wall s|us/inode|peak RSS MiB
: >"$W/summary" # "subject files runs us_per_inode" per measured size
skipped=""
seed=46
# lin_tree_fs DIR N NDIRS: mount a tmpfs on DIR for a tree of N tiny files
# (one 4 KiB page each) unless TREE_TMPFS=0 or memory is short; sets
# TREE_ON to where the tree goes.  Making and deleting a million files on the disk
# takes several times longer (the host filesystem may discard every freed
# block), and neither is measured.
lin_tree_fs() {
	local mib=$(($2 * 5 / 1024 + 64)) avail
	avail=$(awk '$1 == "MemAvailable:" { printf "%d", $2 / 1024 }' /proc/meminfo)
	if [ "$TREE_TMPFS" = 1 ] && [ "${avail:-0}" -gt $((mib + 4096)) ] &&
		mount -t tmpfs -o "size=${mib}m,nr_inodes=$(($2 + $3 + 1024)),mode=0700" tmpfs "$1"; then
		BENCH_MOUNTS+=("$1")
		TREE_ON="tmpfs (${mib} MiB)"
	else
		TREE_ON="$(findmnt -n -o FSTYPE --target "$1") (BENCH_TMP)"
	fi
}
# lin_tree_drop DIR: delete the tree (unmount the tmpfs)
lin_tree_drop() {
	if mountpoint -q "$1"; then
		umount "$1" || umount -l "$1"
	fi
	rm -rf --one-file-system "$1"
}
lin_check_cmd() { # SUBJECT IMG: sets CMD
	case $1 in
		ext4) CMD=(e2fsck -fn "$2") ;;
		vexfs) CMD=("$FSCK_VEXFS" -fn "$2") ;;
	esac
}
for n in "${SIZES_A[@]}"; do
	read -r nd size <<<"$(lin_spec "$n")"
	need=$(lin_estimate "$n" "$BUILD_US")
	if ! have_time "$need"; then
		note "time budget: $n files would need about ${need}s, $(time_left)s left; skipped"
		skipped="$skipped $n"
		LROWS+=("$n|$(lin_spec "$n" | tr ' ' '|')|-|-|0|-|-|skipped (time budget)|-|-")
		continue
	fi
	tree=$W/tree-$n
	t0=$EPOCHREALTIME
	mkdir -p "$tree" || fail_setup "mkdir $tree failed"
	lin_tree_fs "$tree" "$n" "$nd"
	read -r files dirs bytes _ < <(gen_tree "$tree/t" tiny "$n" "$nd" "$seed")
	[ -n "${bytes:-}" ] || fail_setup "generating the tree of $n files failed"
	note "tree of $files files, $dirs dirs, $(human "$bytes") on $TREE_ON; images of $size"
	vexfs_ok=1
	mke2fs -t ext4 -q -F -d "$tree/t" "$W/img-ext4" "$size" >"$W/make-ext4.log" 2>&1 ||
		fail_setup "mke2fs -d of $n files failed: $(cat "$W/make-ext4.log")"
	if ! "$MKFS_VEXFS" -q -F -d "$tree/t" "$W/img-vexfs" "$size" >"$W/make-vexfs.log" 2>&1; then
		note "vexfs: mkfs.vexfs -d of $n files failed: $(cat "$W/make-vexfs.log")"
		vexfs_ok=0
		bad=1
	fi
	lin_tree_drop "$tree"
	sync
	took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.0f", b-a}')
	note "$n files: tree made, both images built, tree deleted in ${took}s (untimed)"
	BUILD_US=$(awk -v t="$took" -v n="$n" -v d="$BUILD_US" 'BEGIN{u = t * 1e6 / n; printf "%d", (u > d) ? u : d}')
	subjects="ext4"
	[ "$vexfs_ok" = 1 ] && subjects="ext4 vexfs"
	for s in ext4 vexfs; do : >"$W/res-$s-$n"; done
	# run 0 is a warm-up, not counted; subjects take turns run by run
	for ((i = 0; i <= LRUNS; i++)); do
		for s in $subjects; do
			res=$W/res-$s-$n
			last=$(tail -n 1 "$res" 2>/dev/null | cut -d' ' -f1)
			have_time "$(awk -v l="${last:-5}" 'BEGIN{printf "%d", l*1.5+5}')" ||
				{ note "time budget: $n files stopped after $(nruns "$res") runs of $s"; break 2; }
			lin_check_cmd "$s" "$W/img-$s"
			if [ "$i" = 0 ]; then
				timed "$W/warmup" "${CMD[@]}"
			else
				timed "$res" "${CMD[@]}"
			fi
		done
	done
	for s in ext4 vexfs; do
		res=$W/res-$s-$n
		lin_check_cmd "$s" "$W/img-$s"
		cmd="${CMD[*]:0:2}"
		if [ "$s" = vexfs ] && [ "$vexfs_ok" = 0 ]; then
			LROWS+=("$files|$dirs|$size|$s|$cmd|0|-|-|image not built|-|-")
			continue
		fi
		if [ "$s" = ext4 ]; then
			used=$(e2fsck_used_inodes "$res.log" 2>/dev/null | cut -d' ' -f1)
		else
			used=$(used_inodes_vexfs "$res.log" 2>/dev/null)
		fi
		used=${used:-0}
		runs=$(nruns "$res") fails=$(bad_exits "$res") good=1
		[ "$fails" = 0 ] || good=0
		if [ "$s" = vexfs ]; then
			[ "$fails" = 0 ] || { bad=1; note "vexfs: $fails of $runs runs of fsck.vexfs -fn on $n files exited != 0; last output:"; tail -n 5 "$res.log" | sed 's/^/#   /' >&2; }
			if [ "$runs" -gt 0 ] && [ "$used" -lt $((files + dirs)) ]; then
				bad=1 good=0
				note "vexfs: fsck.vexfs reported $used used inodes, the tree has $((files + dirs)) files and directories"
			fi
		fi
		wall=$(stat3 "$res" 1 | cut -d' ' -f1)
		us=$(awk -v w="$wall" -v u="$used" 'BEGIN{ print (w == "nan" || u + 0 <= 0) ? "n/a" : sprintf("%.3f", w * 1e6 / u) }')
		LROWS+=("$files|$dirs|$size|$s|$cmd|$runs|$fails|$used|$(fmt_mmm "$res" 1 1 3)|$us|$(fmt_mmm "$res" 4 0.0009765625 1)")
		[ "$runs" -gt 0 ] && [ "$us" != n/a ] && [ "$good" = 1 ] && echo "$s $n $runs $us" >>"$W/summary"
	done
	rm -f "$W/img-ext4" "$W/img-vexfs"
done

echo
echo "fsck -fn against the number of inodes   (tiny files, warm cache, median (min-max) over runs; us/inode = median wall / used inodes of the tool's summary line)"
printf '%s\n' "files|dirs|image|subject|command|runs|fail|inodes used|wall s|us/inode|peak RSS MiB" "${LROWS[@]}" |
	column -t -s '|'

# linearity: us/inode at the largest size / us/inode at the smallest
lo=${SIZES_A[0]}
hi=${SIZES_A[${#SIZES_A[@]} - 1]}
{
	echo "subject|us/inode at $lo files|us/inode at $hi files|figure|target|verdict"
	for s in ext4 vexfs; do
		a=$(awk -v s="$s" -v n="$lo" '$1 == s && $2 == n { print $4 }' "$W/summary")
		b=$(awk -v s="$s" -v n="$hi" '$1 == s && $2 == n { print $4 }' "$W/summary")
		fig=n/a
		[ -n "$a" ] && [ -n "$b" ] && [ "$lo" != "$hi" ] && fig=$(awk -v a="$a" -v b="$b" 'BEGIN{ print (a + 0 > 0) ? sprintf("%.2f", b / a) : "n/a" }')
		if [ "$s" = ext4 ]; then
			echo "e2fsck|${a:-n/a}|${b:-n/a}|$fig|-|(reference)"
		elif [ "$lo" = "$hi" ]; then
			echo "fsck.vexfs|${a:-n/a}|${b:-n/a}|n/a|<= 1.5|n/a (SIZES has one size)"
		elif [ "$fig" = n/a ]; then
			why="no good vexfs run"
			[ -n "$skipped" ] && why="not measured:$skipped files"
			echo "fsck.vexfs|${a:-n/a}|${b:-n/a}|n/a|<= 1.5|MISS ($why)"
			bad=1
		elif awk -v f="$fig" 'BEGIN{ exit !(f + 0 <= 1.5) }'; then
			echo "fsck.vexfs|$a|$b|$fig|<= 1.5|PASS"
		else
			echo "fsck.vexfs|$a|$b|$fig|<= 1.5|MISS"
			bad=1
		fi
	done
} >"$W/linear"
echo
echo "linearity   (figure = us/inode at $hi files / us/inode at $lo files; target for fsck.vexfs <= 1.5)"
column -t -s '|' "$W/linear"
exit "$bad"
