#!/usr/bin/env bats
# 0001-basics.bats: `make install` puts a usable vexfs-progs into DESTDIR.
#
# Each test installs into its own $BATS_TEST_TMPDIR/root with PREFIX=/usr
# (the tree is already built by `make check`, so this only copies files)
# and checks one aspect of the result: the file set and modes, the shared
# library's soname and symlinks, pkg-config metadata, programs built from
# the installed headers and libraries (shared and static) that compute
# known values, the man pages, the installed mkfs.vexfs, and uninstall.

bats_require_minimum_version 1.5.0
load test_helper

# The installs below share the source tree: never run them concurrently.
BATS_NO_PARALLELIZE_WITHIN_FILE=true

# vx_crc32c(0, "123456789", 9), the standard crc32c check value.
CRC_CHECK=e3069283
VERSION=0.1.0

# make_in_tree ARGS...: run make in the source tree as a top-level make,
# whatever make (if any) runs us, with the install directories taken only
# from ARGS.
make_in_tree() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SBINDIR -u LIBDIR \
	    -u INCDIR -u MANDIR -u PCDIR make -C "$TOPDIR" -s "$@"
}

# make_quiet TARGET: make TARGET DESTDIR=$D PREFIX=/usr must succeed and
# print nothing (the tree is built already, and make runs with -s).
make_quiet() {
	run --separate-stderr make_in_tree "$1" DESTDIR="$D" PREFIX=/usr
	if ((status != 0)) || [[ -n $output || -n $stderr ]]; then
		fail "make $1 exited with status $status;" \
		     "stdout: '$output'; stderr: '$stderr'"
	fi
}

# install_tree: install into $D (= $BATS_TEST_TMPDIR/root) with PREFIX=/usr.
install_tree() {
	D=$BATS_TEST_TMPDIR/root
	make_quiet install
}

# pc ARGS...: pkg-config that sees only the installed vexfs.pc.
pc() {
	PKG_CONFIG_LIBDIR=$D/usr/lib/pkgconfig PKG_CONFIG_PATH= \
	    pkg-config "$@"
}

# write_prog: a C program printing vx_version() and the crc32c check.
write_prog() {
	cat > "$BATS_TEST_TMPDIR/prog.c" <<'EOF'
#include <stdio.h>
#include <vexfs/vexfs.h>

int main(void)
{
	printf("%s %08x\n", vx_version(),
	       (unsigned int)vx_crc32c(0, "123456789", 9));
	return 0;
}
EOF
}

# cc_ok WHAT ARGS...: cc ARGS must succeed without a single diagnostic.
# CFLAGS and LDFLAGS from the environment are used as the build used them
# (make asan builds the library with sanitizers; programs must match).
cc_ok() {
	local what=$1
	shift
	# shellcheck disable=SC2086 # the flags are lists of words
	run --separate-stderr cc -std=c11 -Wall -Wextra -Werror ${CFLAGS:-} \
		"$@" ${LDFLAGS:-}
	if ((status != 0)) || [[ -n $stderr ]]; then
		fail "$what: cc exited with status $status: $stderr"
	fi
}

# assert_mode MODE PATH: PATH is a regular file with permissions MODE.
assert_mode() {
	[[ -f $2 && ! -L $2 ]] || fail "$2: not a regular file"
	run -0 stat -c %a "$2"
	assert_output "$1"
}

@test "make install installs the tool, libraries, headers, pc file, man pages" {
	install_tree

	assert_mode 755 "$D/usr/sbin/mkfs.vexfs"
	cmp "$TOPDIR/mkfs/mkfs.vexfs" "$D/usr/sbin/mkfs.vexfs"
	assert_mode 644 "$D/usr/lib/libvexfs.a"
	assert_mode 755 "$D/usr/lib/libvexfs.so.$VERSION"
	[[ -L $D/usr/lib/libvexfs.so.0 ]] || fail "libvexfs.so.0: not a symlink"
	[[ -L $D/usr/lib/libvexfs.so ]] || fail "libvexfs.so: not a symlink"
	assert_mode 644 "$D/usr/lib/pkgconfig/vexfs.pc"
	assert_mode 644 "$D/usr/share/man/man5/vexfs.5"
	assert_mode 644 "$D/usr/share/man/man8/mkfs.vexfs.8"

	# Exactly the public headers, byte for byte.
	local h n=0
	for h in "$TOPDIR"/include/vexfs/*.h; do
		assert_mode 644 "$D/usr/include/vexfs/${h##*/}"
		cmp "$h" "$D/usr/include/vexfs/${h##*/}"
		n=$((n + 1))
	done
	((n > 0)) || fail "no header in $TOPDIR/include/vexfs"
	run -0 find "$D/usr/include/vexfs" -type f
	assert_equal "${#lines[@]}" "$n"
}

@test "libvexfs.so.0 carries its soname and the symlinks chain to it" {
	install_tree
	local lib=$D/usr/lib

	run -0 readelf -d "$lib/libvexfs.so.$VERSION"
	assert_output --regexp '\(SONAME\) +Library soname: \[libvexfs\.so\.0\]'
	run -0 readlink "$lib/libvexfs.so.0"
	assert_output "libvexfs.so.$VERSION"
	run -0 readlink "$lib/libvexfs.so"
	assert_output libvexfs.so.0

	run -0 nm -D --defined-only "$lib/libvexfs.so.$VERSION"
	assert_line --regexp ' T vx_version$'
	assert_line --regexp ' T vx_crc32c$'
	run -0 nm --defined-only "$lib/libvexfs.a"
	assert_line --regexp ' T vx_version$'
	assert_line --regexp ' T vx_crc32c$'
}

@test "pkg-config reads the installed vexfs.pc" {
	install_tree

	run -0 --separate-stderr pc --modversion vexfs
	assert_output "$VERSION"
	run -0 --separate-stderr pc --variable=prefix vexfs
	assert_output /usr
	run -0 --separate-stderr pc --variable=libdir vexfs
	assert_output /usr/lib
	run -0 --separate-stderr pc --variable=includedir vexfs
	assert_output /usr/include
	run -0 --separate-stderr pc --libs vexfs
	assert_output --regexp '^ *-lvexfs *$'
}

@test "a program built with pkg-config runs against the installed libvexfs.so" {
	install_tree
	write_prog
	local prog=$BATS_TEST_TMPDIR/prog flags

	# The sysroot makes pkg-config point -I and -L into $D.
	flags=$(PKG_CONFIG_SYSROOT_DIR=$D pc --cflags --libs --static vexfs)
	[[ $flags == *"-I$D/usr/include"* ]] || fail "cflags: $flags"
	cc_ok prog.c -o "$prog" "$BATS_TEST_TMPDIR/prog.c" $flags

	run -0 readelf -d "$prog"
	assert_output --regexp '\(NEEDED\) +Shared library: \[libvexfs\.so\.0\]'
	run -0 env LD_LIBRARY_PATH="$D/usr/lib" ldd "$prog"
	assert_output --partial "libvexfs.so.0 => $D/usr/lib/libvexfs.so.0"

	run -0 --separate-stderr env LD_LIBRARY_PATH="$D/usr/lib" "$prog"
	assert_output "$VERSION $CRC_CHECK"
	[[ -z $stderr ]] || fail "prog: $stderr"
}

@test "a program linked statically with libvexfs.a and Libs.private runs" {
	install_tree
	write_prog
	local prog=$BATS_TEST_TMPDIR/prog-static flags

	flags=$(PKG_CONFIG_SYSROOT_DIR=$D pc --cflags --libs --static vexfs)
	# -l:libvexfs.a picks the archive over the .so next to it.
	flags=${flags/-lvexfs/-l:libvexfs.a}
	cc_ok prog.c -o "$prog" "$BATS_TEST_TMPDIR/prog.c" $flags

	run -0 readelf -d "$prog"
	refute_output --partial libvexfs
	run -0 --separate-stderr "$prog"
	assert_output "$VERSION $CRC_CHECK"
}

@test "every installed public header compiles on its own" {
	install_tree
	local h

	for h in "$D"/usr/include/vexfs/*.h; do
		cc_ok "vexfs/${h##*/} alone" -fsyntax-only -I"$D/usr/include" \
			-x c - <<< "#include <vexfs/${h##*/}>"
	done
}

@test "the installed man pages render without groff warnings" {
	install_tree
	local page name

	for page in man5/vexfs.5 man8/mkfs.vexfs.8; do
		name=${page##*/}
		name=${name%.*}
		run -0 --separate-stderr groff -k -t -man -Tutf8 -ww -P-cbou \
			"$D/usr/share/man/$page"
		[[ -z $stderr ]] || fail "$page: groff warnings: $stderr"
		assert_line --regexp '^ *NAME$'
		assert_output --partial "$name"
	done
}

@test "the installed mkfs.vexfs formats an image" {
	install_tree
	local img

	img=$(mkimg fs.img 64M)
	run -0 env LD_LIBRARY_PATH="$D/usr/lib" "$D/usr/sbin/mkfs.vexfs" "$img"
	# Block 0 starts with the metadata header: magic "V\xfeXB", then
	# le16 type 1 (superblock).
	run -0 od -An -tx1 -N6 "$img"
	assert_output ' 56 fe 58 42 01 00'
}

@test "make uninstall removes everything make install put there" {
	install_tree

	make_quiet uninstall
	run -0 find "$D" ! -type d
	assert_output ''
}
