#!/usr/bin/env bash
# run-tests.sh: run every test suite and print one summary line.
#
# `make check` builds everything, then runs this.  Suites, in order:
#   unit  every tests/unit/test_* binary (cmocka), one suite each
#   cli   every tests/cli/*.bats file (bats-core), one suite each
#   fuzz  scripts/fuzz.sh --regress: each libFuzzer target once over its
#         seeds and tests/fuzz/regress/ (clang, ASan, UBSan), one suite
# Each suite's own output is printed as it runs, so failures show with
# their messages.  The last line of output is, alone on its line:
#   N passed, N failed            or, when tests were skipped,
#   N passed, N failed, N skipped
# summed over all suites.  The exit status is 0 only when nothing failed
# and at least one test ran.
#
# Counting: cmocka binaries run with CMOCKA_MESSAGE_OUTPUT=TAP and bats
# with --tap, so each test reports exactly one "ok" / "not ok" line and
# each group a "1..N" plan.  A suite that plans more tests than it
# reports (a crash or exit in mid-run) counts the missing ones as failed;
# a suite that exits non-zero without reporting any failure, or reports
# no test at all, counts as one failure; so does a test_*.c whose binary
# was not built.
#
# Filtering: TESTS selects what runs (default: everything).
#   TESTS=unit                only the cmocka suites
#   TESTS=cli                 only the bats suites
#   TESTS=fuzz                only the fuzz regression suite
#   TESTS='PATTERN ...'       suites whose file name (or, for a pattern
#                             with a '/', path) matches one of the shell
#                             glob patterns; ".bats" may be left out, e.g.
#                             TESTS='1*'                  tests/cli/1*.bats
#                             TESTS='test_crc test_io'    two unit suites
#                             TESTS='tests/cli/0001-*'    by path
#   make check TESTS=cli      works too (make passes it on).
# bats runs with --jobs 2 when GNU parallel is installed, serially
# otherwise.  TEST_TIMEOUT (seconds, default 600, 0 = none) stops a suite
# that hangs; it then counts as failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

total_pass=0
total_fail=0
total_skip=0
suites=0
timeout=${TEST_TIMEOUT:-600}
if [[ ! $timeout =~ ^[0-9]+$ ]]; then
	echo "run-tests: TEST_TIMEOUT must be a number of seconds" >&2
	exit 2
fi
log=$(mktemp "${TMPDIR:-/tmp}/vexfs-tests.XXXXXX") || exit 2
trap 'rm -f "$log"' EXIT

# selected KIND PATH: is the suite at PATH (KIND unit or cli) wanted?
selected() {
	local kind=$1 path=$2 pat pats
	local filter=${TESTS:-}

	case $filter in
	"" | all) return 0 ;;
	unit | cli | fuzz) [[ $filter == "$kind" ]]; return ;;
	esac
	read -ra pats <<< "$filter"	# split on blanks, no pathname expansion
	for pat in "${pats[@]}"; do
		# A pattern with a '/' matches the path, others the file name.
		# shellcheck disable=SC2053 # the pattern is meant as a glob
		if [[ $pat == */* ]]; then
			[[ $path == $pat ]] && return 0
		elif [[ ${path##*/} == $pat || ${path##*/} == $pat.bats ]]; then
			return 0
		fi
	done
	return 1
}

# count_tap NAME RC: add the TAP results in $log to the totals.
# Understands cmocka's "not ok N # SKIP" and bats's "ok N name # skip".
count_tap() {
	local name=$1 rc=$2
	local plan=0 pass=0 fail=0 skip=0 line n
	local re_plan='^1\.\.([0-9]+)'
	local re_skip='^(not )?ok [0-9]+.* # (SKIP|skip)'
	local re_pass='^ok [0-9]+'
	local re_fail='^not ok [0-9]+'

	while IFS= read -r line; do
		if [[ $line =~ $re_plan ]]; then
			plan=$((plan + BASH_REMATCH[1]))
		elif [[ $line =~ $re_skip ]]; then
			skip=$((skip + 1))
		elif [[ $line =~ $re_pass ]]; then
			pass=$((pass + 1))
		elif [[ $line =~ $re_fail ]]; then
			fail=$((fail + 1))
		fi
	done < "$log"

	n=$((pass + fail + skip))
	if ((plan > n)); then
		echo "run-tests: $name: planned $plan tests but reported $n;" \
		     "counting $((plan - n)) as failed" >&2
		fail=$((fail + plan - n))
	fi
	if ((rc != 0 && fail == 0)); then
		echo "run-tests: $name: exited with status $rc without" \
		     "reporting a failure; counting 1 failure" >&2
		fail=1
	elif ((pass + fail + skip == 0)); then
		echo "run-tests: $name: ran no test; counting 1 failure" >&2
		fail=1
	fi
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	total_skip=$((total_skip + skip))
	suites=$((suites + 1))
}

# run_suite NAME CMD...: run CMD, show its output live, then count it.
run_suite() {
	local name=$1 rc
	shift

	echo "=== $name"
	if ((timeout > 0)); then
		set -- timeout -k 10 "$timeout" "$@"
	fi
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	if ((timeout > 0 && (rc == 124 || rc == 137))); then
		echo "run-tests: $name: stopped after TEST_TIMEOUT=${timeout}s" >&2
	fi
	count_tap "$name" "$rc"
}

run_unit() {
	local src bin

	for src in tests/unit/test_*.c; do
		[[ -e $src ]] || continue
		bin=${src%.c}
		selected unit "$bin" || continue
		if [[ ! -x $bin ]]; then
			echo "=== $bin"
			echo "run-tests: $bin: not built (run 'make check')" >&2
			total_fail=$((total_fail + 1))
			suites=$((suites + 1))
			continue
		fi
		# Line-buffered stdout keeps the results of a test that
		# crashes later in the same binary.
		run_suite "$bin" env CMOCKA_MESSAGE_OUTPUT=TAP \
			stdbuf -oL "./$bin"
	done
}

run_cli() {
	local file jobs=()

	if command -v parallel >/dev/null 2>&1; then
		jobs=(--jobs 2)
	fi
	for file in tests/cli/*.bats; do
		[[ -e $file ]] || continue
		selected cli "$file" || continue
		run_suite "$file" bats --tap "${jobs[@]}" "$file"
	done
}

# fuzz: every libFuzzer target once over its seeds and the committed
# reproducers of fixed bugs (tests/fuzz/regress/), built with clang and
# ASan/UBSan by scripts/fuzz.sh; one test per target
run_fuzz() {
	selected fuzz tests/fuzz/regress || return 0
	run_suite "tests/fuzz (regress)" bash scripts/fuzz.sh --regress
}

run_unit
run_cli
run_fuzz

if ((suites == 0)); then
	echo "run-tests: no test suite matched TESTS='${TESTS:-}'" >&2
fi
if ((total_pass + total_fail + total_skip == 0)); then
	echo "run-tests: no test ran" >&2
	status=1
elif ((total_fail > 0)); then
	status=1
else
	status=0
fi

summary="$total_pass passed, $total_fail failed"
if ((total_skip > 0)); then
	summary+=", $total_skip skipped"
fi
echo "$summary"
exit "$status"
