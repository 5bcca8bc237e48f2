#!/usr/bin/env bash
# demo.sh: format and populate a demo image, list it, prove the round trip.
#
# `make demo` runs this after building.  It recreates demo/ (gitignored):
#   demo/tree/     a small generated host tree: directories, text files,
#                  an empty directory, a symlink, a hard link, an
#                  executable and a sparse file with data in two places
#   demo/vexfs.img a 64 MiB image made by
#                  mkfs/mkfs.vexfs -F -L demo -d demo/tree demo/vexfs.img
# then shows mkfs's summary, the image's contents (tests/helpers/vxtree ls),
# checks with `vxtree compare` that the image holds exactly the tree and
# with `fsck.vexfs -fn` that it is consistent, then shows debugfs.vexfs:
# `stats` and `ls`, a scripted transaction that is aborted (cmp proves
# the image unchanged) and one that is committed and read back, and
# checks the image again.
# Any failing step stops the demo with a message and a non-zero status.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

DEMO=demo
TREE=$DEMO/tree
IMG=$DEMO/vexfs.img
MKFS=mkfs/mkfs.vexfs
FSCK=fsck/fsck.vexfs
DEBUGFS=debugfs/debugfs.vexfs
VXTREE=tests/helpers/vxtree

# die MSG: report a failed step and stop.
die() {
	echo "demo: $*" >&2
	exit 1
}

# step TITLE CMD...: print a heading, run CMD, stop if it fails.
step() {
	local title=$1 rc
	shift

	printf '\n== %s\n$ %s\n' "$title" "$*"
	"$@"
	rc=$?
	((rc == 0)) || die "$title failed (exit status $rc): $*"
}

# make_tree DIR: generate the host tree the image is populated from.
make_tree() {
	local dir=$1 i

	mkdir -p "$dir"/{etc/app,docs,bin,data,empty} || return 1
	printf 'VexFS demo tree, made by scripts/demo.sh.\n' \
		> "$dir/README.txt" || return 1
	printf 'demo-host\n' > "$dir/etc/hostname" || return 1
	printf '{ "name": "demo", "workers": 4, "journal": true }\n' \
		> "$dir/etc/app/config.json" || return 1
	# A text file of a few blocks (about 40 KiB).
	for ((i = 1; i <= 800; i++)); do
		printf 'line %04d of the guide: atomic, crash-safe, replayable\n' "$i"
	done > "$dir/docs/guide.txt" || return 1
	ln -s guide.txt "$dir/docs/latest" || return 1
	printf '#!/bin/sh\necho "hello from vexfs"\n' > "$dir/bin/hello" || return 1
	chmod 755 "$dir/bin/hello" || return 1
	ln "$dir/bin/hello" "$dir/bin/hello-again" || return 1
	# 16 MiB sparse file: data at 0 and at 12 MiB, holes elsewhere.
	truncate -s 16M "$dir/data/sparse.bin" || return 1
	printf 'start of sparse file\n' |
		dd of="$dir/data/sparse.bin" conv=notrunc status=none || return 1
	printf 'data in the middle\n' |
		dd of="$dir/data/sparse.bin" bs=1M seek=12 conv=notrunc \
		   status=none || return 1
}

step "build mkfs.vexfs, fsck.vexfs, debugfs.vexfs and vxtree" make -s "$MKFS" "$FSCK" "$DEBUGFS" "$VXTREE"

rm -rf "$DEMO" || die "cannot remove the old $DEMO/"
mkdir -p "$DEMO" || die "cannot create $DEMO/"
step "generate the host tree $TREE" make_tree "$TREE"
step "create a 64 MiB sparse image" truncate -s 64M "$IMG"

step "format and populate $IMG" "$MKFS" -F -L demo -d "$TREE" "$IMG"

printf '\n%s: %s bytes, %s KiB allocated on the host\n' "$IMG" \
	"$(stat -c %s "$IMG")" "$(du -k "$IMG" | cut -f1)"

step "list the image" "$VXTREE" ls "$IMG"
step "compare the image with $TREE" "$VXTREE" compare "$IMG" "$TREE"
step "check the image (read-only, forced)" "$FSCK" -fn "$IMG"

step "inspect it with debugfs.vexfs" "$DEBUGFS" -R "stats -h" -R "ls -l /" "$IMG"
# a transaction that is aborted leaves the image byte for byte as it was
cp "$IMG" "$DEMO/before.img" || die "cannot copy $IMG"
printf '%s\n' begin "mkdir /scratch" "write $TREE/README.txt /scratch/copy" \
	"rm /bin/hello" txn abort > "$DEMO/abort.script"
step "run a transaction and abort it" "$DEBUGFS" -w -f "$DEMO/abort.script" "$IMG"
step "the aborted transaction left nothing (cmp)" cmp "$IMG" "$DEMO/before.img"
printf '%s\n' begin "mkdir /notes" "write $TREE/README.txt /notes/readme" \
	"symlink /notes/latest readme" commit > "$DEMO/commit.script"
step "run a transaction and commit it" "$DEBUGFS" -w -f "$DEMO/commit.script" "$IMG"
step "read it back" "$DEBUGFS" -R "ls -l /notes" -R "cat /notes/latest" "$IMG"
step "check the image again" "$FSCK" -fn "$IMG"
rm -f "$DEMO/before.img"

printf '\ndemo: %s holds exactly %s (vxtree compare found no difference,\n' \
	"$IMG" "$TREE"
printf 'demo: fsck.vexfs -fn found nothing to repair, before and after the\n'
printf 'demo: debugfs.vexfs transactions: the aborted one left no byte changed)\n'
