#!/usr/bin/env bash
# bless.sh [--preen] [NAME...]: regenerate the expected outputs of the
# damaged-image cases from the fsck.vexfs built in this tree.
#
# For each case (tests/images/NAME, default: every f_* directory; NAME may
# also be a path below tests/images) it runs
# runcase.sh on a fresh base image (mkbase.sh) and writes
#   expect.1     the first run, fsck.vexfs -fy image
#   expect.2     the second run, fsck.vexfs -fn image
#   expect.tree  how the repaired tree differs from the base's host tree,
#                and what is in its /lost+found
#   expect.p     fsck.vexfs -fp image on a fresh damaged copy, only for the
#                cases that have one already, or all NAMEs with --preen
# and prints `diff -u` of each file that changed.  Blessing does not make
# an output right: read every changed file before committing it (the
# first run names the damage and fixes it without collateral damage, the
# second run is clean and exits 0, the tree differs only as the repair
# says).  Exit 0, or 1 when a case could not be run.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
preen=
if [[ ${1:-} == --preen ]]; then
	preen=preen
	shift
fi
if [[ $# -eq 0 ]]; then
	for d in "$here"/f_*/; do
		d=${d%/}
		set -- "$@" "${d##*/}"
	done
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vxbless.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
if ! "$here/mkbase.sh" "$tmp/base.img" "$tmp/host"; then
	echo "bless: mkbase.sh failed" >&2
	exit 1
fi

status=0
for name in "$@"; do
	name=${name%/}
	dir=$here/$name
	if [[ ! -f $dir/damage ]]; then
		echo "bless: $name: no such case ($dir/damage)" >&2
		status=1
		continue
	fi
	out=$tmp/${name//\//_}
	if ! "$here/runcase.sh" "$tmp/base.img" "$tmp/host" "$dir" "$out" \
	     $preen; then
		status=1
		continue
	fi
	for f in 1 2 tree p; do
		[[ -f $out/out.$f ]] || continue
		if ! cmp -s "$out/out.$f" "$dir/expect.$f" 2>/dev/null; then
			diff -u --label "$name/expect.$f (old)" \
			     --label "$name/expect.$f (new)" \
			     "$dir/expect.$f" "$out/out.$f" 2>/dev/null ||
				true
			[[ -f $dir/expect.$f ]] ||
				{ echo "=== $name/expect.$f (new file)"; cat "$out/out.$f"; }
			cp "$out/out.$f" "$dir/expect.$f"
		fi
	done
done
exit "$status"
