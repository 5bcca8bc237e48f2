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
# with `fsck.vexfs -fn` that it is consistent.
# Any failing step stops the demo with a message and a non-zero status.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

DEMO=demo
TREE=$DEMO/tree
IMG=$DEMO/vexfs.img
MKFS=mkfs/mkfs.vexfs
FSCK=fsck/fsck.vexfs
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

step "build mkfs.vexfs, fsck.vexfs and vxtree" make -s "$MKFS" "$FSCK" "$VXTREE"

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

printf '\ndemo: %s holds exactly %s (vxtree compare found no difference,\n' \
	"$IMG" "$TREE"
printf 'demo: fsck.vexfs -fn found nothing to repair)\n'
