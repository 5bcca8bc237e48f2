#!/usr/bin/env bash
# sanitize.sh: build everything with AddressSanitizer and
# UndefinedBehaviorSanitizer in build-asan/ (a copy of the tracked and
# new source files, so the normal build is left alone) and run the test
# suites there.  `make asan` runs this; TESTS= filters as for make check.
# Any sanitizer report aborts the test that hit it, so it counts as failed.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$top/build-asan
mkdir -p "$out"
cd "$top"
# sources only: tracked files plus new ones not ignored
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C "$out"
# sources deleted or renamed here since the last run go there too
(cd "$out" && find lib fsck mkfs debugfs tests -name '*.[ch]' -print0 2>/dev/null) |
	while IFS= read -r -d '' f; do
		[[ -e $f ]] || rm -f "$out/$f" "$out/${f%.c}.o" "$out/${f%.c}.pic.o" \
			"$out"/lib/libvexfs.*	# the archives hold them too
	done
# verify_asan_link_order=0: run-tests.sh runs suites under stdbuf, whose
# LD_PRELOAD library comes before the ASan runtime; that is harmless
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:verify_asan_link_order=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
san="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
make -C "$out" -s check CFLAGS="$san" LDFLAGS="-fsanitize=address,undefined"
