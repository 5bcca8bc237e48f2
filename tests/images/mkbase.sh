#!/usr/bin/env bash
# mkbase.sh OUT.img [HOSTDIR]: make the base image of the damaged-image
# suite, and keep the host tree it was made from in HOSTDIR (which must not
# exist yet) when given.
#
# The image is deterministic: two runs give byte-identical files.  The
# script generates a small host tree of its own (in HOSTDIR, or in a
# temporary directory), formats a 32 MiB image with 4 KiB blocks and
# 2048-block groups (4 groups: backup superblocks at blocks 2048 and
# 6144) from it with a fixed UUID, hash seed and SOURCE_DATE_EPOCH, then
# sets the one attribute that no host tool can fix, the change time, to
# the same value on every inode (tests/helpers/vxdamage), and zeroes the
# unused log blocks of the journal, which still hold the host's change
# times.  The tree:
#
#   /a                 "abc"
#   /empty             empty file
#   /data              8 blocks, block i filled with "data block i\n"
#   /sparse            16 one-block islands at even logical blocks: more
#                      extents than an inode holds inline, so an extent
#                      tree of depth 1 (one node)
#   /frag              200 islands of 9 bytes, one every other block: two
#                      extent tree nodes under two inline index entries
#   /hard, /dir/hard1  one file, two names
#   /link              symlink to dir/file (inline target)
#   /longlink          symlink whose 301-byte target lives in a block
#   /fifo              fifo
#   /dev               character device 1:3
#   /dir/file          "hello\n"
#   /dir/sub/deep      "deep\n"
#   /tree/a/b/c        nested empty directories
#   /big/              400 empty files with long names: several leaves
#                      under an index node
#   /lost+found        made by mkfs.vexfs
#
# Environment: MKFS, VXDAMAGE and VXTREE override the tools (default: the ones
# built in this source tree).  Needs root (mknod, chown).  Exit 0 on
# success, 2 on bad usage, another non-zero status on any failure (the
# failing command's).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
	echo "usage: mkbase.sh OUT.img [HOSTDIR]" >&2
	exit 2
fi
out=$1
if [[ $# -eq 2 && -e $2 ]]; then
	echo "mkbase.sh: $2: exists already" >&2
	exit 2
fi
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MKFS=${MKFS:-$top/mkfs/mkfs.vexfs}
VXDAMAGE=${VXDAMAGE:-$top/tests/helpers/vxdamage}
VXTREE=${VXTREE:-$top/tests/helpers/vxtree}
EPOCH=1700000000
UUID=0123abcd-4567-89ab-cdef-0123456789ab

for t in "$MKFS" "$VXDAMAGE" "$VXTREE"; do
	[[ -x $t ]] || { echo "mkbase.sh: $t: not built" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vxbase.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tree=${2:-$tmp/tree}

mkdir -p "$tree/dir/sub" "$tree/tree/a/b/c" "$tree/big"
printf 'abc' > "$tree/a"
: > "$tree/empty"
# fill TEXT: one 4096-byte block of TEXT lines (yes(1) dies of SIGPIPE)
fill() {
	(set +o pipefail; yes "$1" | head -c 4096)
}
for i in 0 1 2 3 4 5 6 7; do
	fill "data block $i"
done > "$tree/data"
for i in $(seq 0 15); do
	fill "island $i" | dd of="$tree/sparse" bs=4096 seek=$((i * 2)) \
		conv=notrunc status=none
done
for i in $(seq 0 199); do
	printf 'frag %03d\n' "$i" | dd of="$tree/frag" bs=4096 seek=$((i * 2)) \
		conv=notrunc status=none
done
printf 'shared\n' > "$tree/hard"
ln "$tree/hard" "$tree/dir/hard1"
ln -s dir/file "$tree/link"
ln -s "$(printf 'long/%.0s' $(seq 1 59))target" "$tree/longlink"
mkfifo "$tree/fifo"
mknod "$tree/dev" c 1 3
printf 'hello\n' > "$tree/dir/file"
printf 'deep\n' > "$tree/dir/sub/deep"
for i in $(seq -w 0 399); do
	: > "$tree/big/name-$i-padding-padding"
done
chmod -R u=rwX,go=rX "$tree"
chown -R 0:0 "$tree"
find "$tree" -exec touch -h -d "@$EPOCH" {} +

rm -f "$out"
truncate -s 32M "$out"
SOURCE_DATE_EPOCH=$EPOCH "$MKFS" -q -F -U "$UUID" -E hash_seed=1 \
	-g 2048 -b 4096 -d "$tree" "$out"

# the change times of the copies are the host's: set them all to EPOCH
"$VXTREE" ls "$out" | awk '{ print $8 }' | while read -r path; do
	"$VXDAMAGE" "$out" inode-set "$path" ctime "$EPOCH" 2>/dev/null
	"$VXDAMAGE" "$out" inode-set "$path" ctime_nsec 0 2>/dev/null
done

# The log blocks still hold the population's transactions, with the host's
# change times in their inode images.  The log is empty (tail 0), so their
# contents are undefined (vexfs(5), JOURNAL): zero them.
jstart=$("$VXTREE" super "$out" | sed -n 's/^journal_start: //p')
jblocks=$("$VXTREE" super "$out" | sed -n 's/^journal_blocks: //p')
dd if=/dev/zero of="$out" bs=4096 seek=$((jstart + 1)) \
   count=$((jblocks - 1)) conv=notrunc status=none
