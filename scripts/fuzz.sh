#!/usr/bin/env bash
# fuzz.sh: build and run the libFuzzer targets of tests/fuzz/.
#
#   scripts/fuzz.sh              build, regenerate the seed corpora, fuzz
#                                every target for FUZZ_SECONDS each
#   scripts/fuzz.sh --regress    build, regenerate the seeds, run every
#                                target once over its corpus (seeds and
#                                tests/fuzz/regress/<target>/ reproducers);
#                                fast, for make check
#   scripts/fuzz.sh --build      build only
#
# Every target and lib/*.c are compiled with clang and
# -fsanitize=fuzzer,address,undefined (UB aborts) into tests/fuzz/bin/;
# fuzz_debugfs also compiles debugfs/*.c but main.c (the entry point)
# and shell.c (libedit), which it runs the commands of.
# Seeds are written by the targets themselves (VX_FUZZ_SEEDS=DIR, see
# each target's header) into tests/fuzz/corpus/<target>/; they are
# deterministic.  While fuzzing, new inputs go to tests/fuzz/bin/work/
# <target>/ and crashes, leaks and timeouts to tests/fuzz/bin/crashes/.
#
# Environment:
#   FUZZ_SECONDS   seconds per target (default 20)
#   FUZZ_TARGETS   space-separated subset, e.g. "fuzz_dir fuzz_image"
#   FUZZ_TIMEOUT   seconds one input may take before it counts as a
#                  hang (default 10)
#   CLANG          the compiler (default clang)
# Exit status: 0 when every target built and ran without a finding,
# 1 when a target crashed, leaked or hung, 2 when the build failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

mode=fuzz
case ${1:-} in
"") ;;
--regress) mode=regress ;;
--build) mode=build ;;
-h | --help)
	sed -n '2,/^set /p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
	exit 0
	;;
*)
	echo "fuzz.sh: unknown option '$1' (try --help)" >&2
	exit 2
	;;
esac

CLANG=${CLANG:-clang}
seconds=${FUZZ_SECONDS:-20}
timeout=${FUZZ_TIMEOUT:-10}
if [[ ! $seconds =~ ^[0-9]+$ || ! $timeout =~ ^[0-9]+$ ]]; then
	echo "fuzz.sh: FUZZ_SECONDS and FUZZ_TIMEOUT must be numbers" >&2
	exit 2
fi
if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "fuzz.sh: $CLANG not found; install clang (apt-get install clang)" >&2
	exit 2
fi

bin=tests/fuzz/bin
obj=$bin/obj
mkdir -p "$obj" || exit 2

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-g -O1 -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Iinclude -Ilib
	-fno-omit-frame-pointer -pthread $SAN"
LIBS="-lisal -lurcu-cds -lurcu-bp -lurcu-common -luuid -ljson-c -pthread"

if [[ -n ${FUZZ_TARGETS:-} ]]; then
	read -ra targets <<< "$FUZZ_TARGETS"
else
	targets=()
	for src in tests/fuzz/fuzz_*.c; do
		t=${src##*/}
		targets+=("${t%.c}")
	done
fi
for t in "${targets[@]}"; do
	if [[ ! -f tests/fuzz/$t.c ]]; then
		echo "fuzz.sh: no target tests/fuzz/$t.c" >&2
		exit 2
	fi
done

# newer SRC than OBJ, or any header newer than OBJ?
stale() {
	local src=$1 out=$2 h

	[[ -e $out && ! $src -nt $out ]] || return 0
	for h in include/vexfs/*.h lib/*.h; do
		[[ $h -nt $out ]] && return 0
	done
	return 1
}

build_lib() {
	local src o pids=() fail=0

	for src in lib/*.c; do
		o=$obj/$(basename "${src%.c}").o
		stale "$src" "$o" || continue
		# shellcheck disable=SC2086 # flag lists split on purpose
		$CLANG $CFLAGS -fsanitize=fuzzer-no-link -c -o "$o" "$src" &
		pids+=($!)
		if ((${#pids[@]} >= 2)); then
			wait "${pids[0]}" || fail=1
			pids=("${pids[@]:1}")
		fi
	done
	for p in "${pids[@]}"; do
		wait "$p" || fail=1
	done
	# objects of lib sources that no longer exist must not be linked
	for o in "$obj"/*.o; do
		[[ -e $o ]] || continue
		[[ -f lib/$(basename "${o%.o}").c ]] || rm -f "$o"
	done
	return $fail
}

# the sources a target compiles besides its own (fuzz_debugfs: the
# debugfs ones, but main.c and shell.c), one a line
extra_sources() {
	local src

	[[ $1 == fuzz_debugfs ]] || return 0
	for src in debugfs/*.c; do
		case ${src##*/} in
		main.c | shell.c) ;;
		*) echo "$src" ;;
		esac
	done
}

build_target() {
	local t=$1 o extra=()

	mapfile -t extra < <(extra_sources "$t")
	for o in "$obj"/*.o "${extra[@]}" ${extra[0]:+debugfs/*.h}; do
		if [[ $o -nt $bin/$t ]]; then
			rm -f "$bin/$t"
			break
		fi
	done
	stale "tests/fuzz/$t.c" "$bin/$t" || return 0
	# shellcheck disable=SC2086
	$CLANG $CFLAGS -fsanitize=fuzzer -o "$bin/$t" "tests/fuzz/$t.c" \
		"${extra[@]}" "$obj"/*.o $LIBS
}

echo "fuzz.sh: building with $CLANG into $bin/"
build_lib || { echo "fuzz.sh: building lib/ failed" >&2; exit 2; }
for t in "${targets[@]}"; do
	build_target "$t" || { echo "fuzz.sh: building $t failed" >&2; exit 2; }
done
[[ $mode == build ]] && exit 0

# deterministic seeds, written by each target
for t in "${targets[@]}"; do
	dir=tests/fuzz/corpus/$t
	rm -rf "$dir" && mkdir -p "$dir" || exit 2
	if ! VX_FUZZ_SEEDS=$dir "$bin/$t" >/dev/null 2>"$bin/$t.seeds.log"; then
		echo "fuzz.sh: $t could not write its seeds:" >&2
		cat "$bin/$t.seeds.log" >&2
		exit 1
	fi
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()

if [[ $mode == regress ]]; then
	# TAP, so that run-tests.sh counts one test per target
	echo "1..${#targets[@]}"
	n=0
	for t in "${targets[@]}"; do
		n=$((n + 1))
		files=()
		for d in tests/fuzz/corpus/$t tests/fuzz/regress/$t; do
			[[ -d $d ]] || continue
			while IFS= read -r -d '' f; do
				files+=("$f")
			done < <(find "$d" -type f -print0 | sort -z)
		done
		if ((${#files[@]} == 0)); then
			echo "not ok $n - $t: no input to run"
			failed+=("$t")
			continue
		fi
		if "$bin/$t" -timeout="$timeout" "${files[@]}" \
			>"$bin/$t.regress.log" 2>&1; then
			echo "ok $n - $t: ${#files[@]} inputs"
		else
			echo "not ok $n - $t: see $bin/$t.regress.log"
			tail -n 30 "$bin/$t.regress.log" | sed 's/^/# /'
			failed+=("$t")
		fi
	done
else
	mkdir -p "$bin/crashes"
	for t in "${targets[@]}"; do
		work=$bin/work/$t
		mkdir -p "$work"
		echo "=== $t: ${seconds}s"
		if "$bin/$t" -max_total_time="$seconds" -timeout="$timeout" \
			-rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$bin/crashes/$t-" \
			"$work" "tests/fuzz/corpus/$t" >"$bin/$t.log" 2>&1; then
			# e.g. "Done 12345 runs in 21 second(s)" and the stats
			grep -E '^Done [0-9]+ runs' "$bin/$t.log" | tr -d '\n'
			grep -E '^stat::(average_exec_per_sec|new_units_added|peak_rss_mb)' \
				"$bin/$t.log" | sed 's/^stat::/, /; s/: */=/' | tr -d '\n'
			echo
		else
			echo "$t: FINDING, see $bin/$t.log and $bin/crashes/"
			grep -E 'ERROR|SUMMARY|runtime error|Test unit written' \
				"$bin/$t.log" | head -n 10
			failed+=("$t")
		fi
	done
fi

if ((${#failed[@]})); then
	echo "fuzz.sh: failed: ${failed[*]}"
	exit 1
fi
echo "fuzz.sh: all ${#targets[@]} targets passed ($mode)"
exit 0
