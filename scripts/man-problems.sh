#!/usr/bin/env bash
# man-problems.sh: regenerate the PROBLEMS table of man/fsck.vexfs.8 from
# the library's problem table (tests/helpers/prtable), in place: the rows
# between the table's "_" heading rule and ".TE".  Run after changing a
# row of lib/check_problem.c; tests/cli/2003-fsck-man.bats fails until
# then.  Usage: scripts/man-problems.sh [--check]  (--check: exit 1 and
# show the difference instead of writing)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
make -s tests/helpers/prtable >/dev/null
page=man/fsck.vexfs.8
rows=$(mktemp)
new=$(mktemp)
trap 'rm -f "$rows" "$new"' EXIT
tests/helpers/prtable >"$rows"
# the table is the one whose heading row starts with "Name<TAB>Pass"
awk -v rows="$rows" '
	state == 0 && /^Name\tPass\t/ { print; state = 1; next }
	state == 1 && /^_$/ { print; while ((getline l < rows) > 0) print l; state = 2; next }
	state == 2 && /^\.TE$/ { print; state = 3; next }
	state == 2 { next }
	{ print }
	END { if (state != 3) exit 1 }
' "$page" >"$new" || { echo "man-problems.sh: no PROBLEMS table in $page" >&2; exit 2; }
if [[ ${1:-} == --check ]]; then
	diff -u "$page" "$new"
	exit
fi
cp "$new" "$page"
