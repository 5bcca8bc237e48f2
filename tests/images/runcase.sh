#!/usr/bin/env bash
# runcase.sh BASE HOSTDIR CASEDIR OUTDIR [preen]: run one damaged-image
# case.
#
# BASE is the image from `mkbase.sh BASE HOSTDIR`, HOSTDIR the host tree it
# was made from, CASEDIR one tests/images/f_* directory, OUTDIR a scratch
# directory (made if missing).  In OUTDIR, with the image named `image` so
# that the checker's messages say "image":
#   1. copy BASE to image, run CASEDIR/damage (see below), then
#      `fsck.vexfs -fy image` -> OUTDIR/out.1 (stdout and stderr, then a
#      last line "exit N");
#   2. `fsck.vexfs -fn image` on the repaired image -> OUTDIR/out.2;
#   3. what the repaired image holds -> OUTDIR/out.tree (see tree_check):
#      how it differs from HOSTDIR, then what is in its /lost+found;
#   4. when CASEDIR/expect.p exists or the 5th argument is "preen": a fresh
#      damaged copy, `fsck.vexfs -fp image` -> OUTDIR/out.p (-f because
#      the damage leaves the image marked clean, and preen passes over a
#      clean image).
# The vxdamage reports go to OUTDIR/damage.log.  Exit 0 when every step
# ran (whatever the checker answered), 1 when the damage or the set-up
# failed (the message is on stderr), 2 on bad usage.
#
# CASEDIR/damage is a bash snippet, run with `set -e` in OUTDIR, that
# damages "$IMG" through $VXDAMAGE (tests/helpers/vxdamage); it may use
# $VXTREE and the helpers below.  Block numbers are looked up, not
# written down, so that a change of the base tree moves them along.
#   data_blk PATH LBLK    physical block of logical block LBLK of PATH
#   node_blk PATH [N]     physical block of PATH's N-th extent tree node
#                         (default 0)
#   meta_blk KIND [G] [N] the N-th (default 0) block of `vxdamage
#                         meta-blocks` of KIND (and group G)
#   ino PATH              inode number of PATH
#
# Environment: FSCK, VXDAMAGE, VXTREE override the tools (default: the
# ones built in this source tree).

# shellcheck disable=SC2317 # the helpers are called by the damage snippets
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FSCK=${FSCK:-$top/fsck/fsck.vexfs}
VXDAMAGE=${VXDAMAGE:-$top/tests/helpers/vxdamage}
VXTREE=${VXTREE:-$top/tests/helpers/vxtree}
export FSCK VXDAMAGE VXTREE

die() {
	echo "runcase: $*" >&2
	exit 1
}

# tree_check IMG HOSTDIR: `vxtree compare IMG HOSTDIR` (every path's
# type, mode, owner, size, links, mtime, contents and sparse layout; the
# image's lost+found is left out), with changed mtimes shown as "changed"
# (a repair through the library sets them to now), then `vxtree ls` of
# /lost+found without the times, and "PATH MD5" for each non-empty regular
# file in it
tree_check() {
	local img=$1 host=$2 ls_out p

	"$VXTREE" compare "$img" "$host" 2>&1 | sed -E \
		's/^(.*): mtime: image [0-9.]+ host [0-9.]+$/\1: mtime: changed/'
	echo "--- /lost+found"
	if ! ls_out=$("$VXTREE" ls "$img" /lost+found 2>&1); then
		echo "$ls_out"
		return 0
	fi
	awk '{ $7 = ""; print }' <<< "$ls_out"
	awk '$1 == "reg" && $6 != 0 { print $8 }' <<< "$ls_out" |
	while IFS= read -r p; do
		echo "$p $("$VXTREE" cat "$img" "$p" 2>&1 | md5sum | cut -c1-32)"
	done
}

# The helpers of the damage snippets (see the top of the file).
data_blk() {
	"$VXDAMAGE" "$IMG" blocks "$1" | awk -v l="$2" '
		$1 == "data" && $2 == l { print $3; f = 1; exit }
		END { exit !f }'
}

node_blk() {
	"$VXDAMAGE" "$IMG" blocks "$1" | awk -v n="${2:-0}" '
		$1 == "node" && k++ == n { print $2; f = 1; exit }
		END { exit !f }'
}

meta_blk() {
	local kind=$1 g=${2:-} n=${3:-0}

	"$VXDAMAGE" "$IMG" meta-blocks | awk -v k="$kind" -v g="$g" -v n="$n" '
		$1 == k && (g == "" || NF == 2 || $2 == g) && i++ == n {
			print $NF; f = 1; exit }
		END { exit !f }'
}

ino() {
	"$VXDAMAGE" "$IMG" ino "$1"
}

# damage_copy: a fresh copy of BASE as OUTDIR/image, damaged
damage_copy() {
	rm -f image
	cp --sparse=always "$base" image || die "cannot copy $base"
	(
		set -e
		IMG=image
		# shellcheck source=/dev/null
		. "$case/damage"
	) 2>> damage.log ||
		die "${case##*/}: damage failed: $(tail -n 3 damage.log)"
}

# fsck_to FILE ARGS...: run the checker, output and "exit N" into FILE
fsck_to() {
	local out=$1 rc

	shift
	"$FSCK" "$@" image > "$out" 2>&1 < /dev/null
	rc=$?
	echo "exit $rc" >> "$out"
}

if [[ $# -lt 4 || $# -gt 5 ]]; then
	echo "usage: runcase.sh BASE HOSTDIR CASEDIR OUTDIR [preen]" >&2
	exit 2
fi
base=$(realpath "$1") || die "$1: no such image"
host=$(realpath "$2") || die "$2: no such directory"
[[ -d $host ]] || die "$2: not a directory"
case=$(realpath "$3") || die "$3: no such case"
[[ -f $case/damage ]] || die "$case: no damage file"
for t in "$FSCK" "$VXDAMAGE" "$VXTREE"; do
	[[ -x $t ]] || die "$t: not built"
done
if ! mkdir -p "$4" || ! cd "$4"; then
	die "$4: cannot use"
fi
: > damage.log

damage_copy
fsck_to out.1 -fy
fsck_to out.2 -fn
tree_check image "$host" > out.tree
if [[ -f $case/expect.p || ${5:-} == preen ]]; then
	damage_copy
	fsck_to out.p -fp
fi
rm -f image
exit 0
