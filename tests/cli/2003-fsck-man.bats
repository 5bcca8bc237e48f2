#!/usr/bin/env bats
# 2003-fsck-man.bats: the documentation of fsck.vexfs follows the code:
# the PROBLEMS table of man/fsck.vexfs.8 is the library's problem table
# (regenerate it with scripts/man-problems.sh), every option of --help is
# in the man page, and the page renders without warnings.
bats_require_minimum_version 1.5.0
load test_helper

FSCK=$TOPDIR/fsck/fsck.vexfs

@test "the man page's problem table is the library's" {
	run -0 bash "$TOPDIR/scripts/man-problems.sh" --check
	assert_output ""
}

@test "the problem table names every code once, and the man page too" {
	run -0 "$TOPDIR/tests/helpers/prtable"
	names=$(printf '%s\n' "$output" | awk -F'\t' 'NF == 4 { print $1 }')
	[ "$(printf '%s\n' "$names" | sort | uniq -d)" = "" ]
	[ "$(printf '%s\n' "$names" | wc -l)" -ge 40 ]
	for n in $names; do
		grep -q "^$n	" "$TOPDIR/man/fsck.vexfs.8" || {
			echo "$n is not in man/fsck.vexfs.8"
			return 1
		}
	done
}

@test "every option of --help is in the man page" {
	run -0 "$FSCK" --help
	opts=$(printf '%s\n' "$output" | grep -o -- '--[a-z][a-z-]*' | sort -u)
	[ -n "$opts" ]
	for o in $opts; do
		[ "$o" = "--usage" ] && continue
		grep -q -- "${o//-/\\\\-}" "$TOPDIR/man/fsck.vexfs.8" || {
			echo "$o is not in man/fsck.vexfs.8"
			return 1
		}
	done
}

@test "the man page renders without warnings" {
	run -0 --separate-stderr groff -t -man -Tutf8 -ww -z "$TOPDIR/man/fsck.vexfs.8"
	assert_equal "$stderr" ""
}
