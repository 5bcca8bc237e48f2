# test_helper.bash: common set-up for the bats suites in tests/cli.
#
# Every .bats file starts with
#   bats_require_minimum_version 1.5.0
#   load test_helper
# and gets:
#   TOPDIR   the repository root
#   MKFS     $TOPDIR/mkfs/mkfs.vexfs
#   VXTREE   $TOPDIR/tests/helpers/vxtree
#   bats-support and bats-assert (assert_output, assert_success, ...)
#   mkimg NAME SIZE   a sparse file $BATS_TEST_TMPDIR/NAME of SIZE bytes
#                     (truncate(1) suffixes: 64M, 1G); echoes its path
# The binaries are built by `make check`.  When one is missing the suite
# fails loudly (every test of the file reports the missing binary); it
# never skips.

TOPDIR=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
MKFS=$TOPDIR/mkfs/mkfs.vexfs
VXTREE=$TOPDIR/tests/helpers/vxtree
export TOPDIR MKFS VXTREE

# The Debian packages put bats-support and bats-assert here.
BATS_LIB_PATH=${BATS_LIB_PATH:-/usr/lib/bats}
export BATS_LIB_PATH
bats_load_library bats-support
bats_load_library bats-assert

# mkimg NAME SIZE: create an empty sparse image in $BATS_TEST_TMPDIR
# ($BATS_FILE_TMPDIR when called from setup_file).
mkimg() {
	local path=${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR}/$1

	if [[ $# -ne 2 ]]; then
		echo "mkimg: usage: mkimg NAME SIZE" >&2
		return 2
	fi
	rm -f "$path"
	truncate -s "$2" "$path" || return 1
	echo "$path"
}

# Missing binaries: fail here, at load time, so that bats reports the
# whole file as failed with this message instead of running anything.
__vx_missing=
for __vx_bin in "$MKFS" "$VXTREE"; do
	if [[ ! -x $__vx_bin ]]; then
		__vx_missing+=" ${__vx_bin#"$TOPDIR"/}"
	fi
done
if [[ -n $__vx_missing ]]; then
	echo "test_helper: not built:$__vx_missing" \
	     "(run 'make check' in $TOPDIR)" >&2
	unset __vx_bin __vx_missing
	return 1
fi
unset __vx_bin __vx_missing

# need_built BIN...: fail (for a setup_file) naming the first of the
# binaries that is not built; suites never skip for a missing binary
need_built() {
	local bin

	for bin in "$@"; do
		[[ -x $bin ]] || {
			echo "setup_file: ${bin#"$TOPDIR"/} is not built" >&2
			return 1
		}
	done
}
