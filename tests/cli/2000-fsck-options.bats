#!/usr/bin/env bats
# 2000-fsck-options.bats: every option of fsck.vexfs and every usage
# error.
#
# setup_file formats one fixture, clean.img: 64 MiB, 4 KiB blocks,
# 2048-block groups (8 groups, backup superblocks at 2048 and 14336),
# filled from a small host tree (a directory, two files, a symlink).
# Each test works in its own $BATS_TEST_TMPDIR on a copy named fs.img and
# damages it with tests/helpers/vxdamage:
#   counts  group 1's free-blocks count set to 5 (GROUP_FREE_BLOCKS,
#           preen-safe; pass 4)
#   mode    /a's mode set to an unknown file type (INODE_BAD_MODE, not
#           preen-safe; pass 3)
# A repair is checked by a second run (-fn finds nothing) and by reading
# the tree back (vxtree compare against the host tree); "nothing written"
# is checked with cmp against a copy taken before the run.  Usage errors
# exit 16 with the message and the usage on stderr and nothing on
# stdout.  Interactive runs go through a pseudo-terminal (script(1)),
# where stdout and stderr are one stream.

bats_require_minimum_version 1.5.0
load test_helper

FSCK=$TOPDIR/fsck/fsck.vexfs
VXDAMAGE=$TOPDIR/tests/helpers/vxdamage

# field NAME: one "name: value" line of `vxtree super $IMG`
field() {
	"$VXTREE" super "$IMG" | sed -n "s/^$1: //p"
}

setup_file() {
	local tree=$BATS_FILE_TMPDIR/tree

	need_built "$FSCK" "$VXDAMAGE" || return 1
	mkdir -p "$tree/dir" || return 1
	printf 'hello\n' > "$tree/dir/file"
	printf 'abc' > "$tree/a"
	ln -s dir/file "$tree/link"
	"$MKFS" -q -F -g 2048 -d "$tree" "$(mkimg clean.img 64M)" || {
		echo "setup_file: mkfs.vexfs failed" >&2
		return 1
	}
	# the clean image's used inodes and blocks, from its superblock
	IMG=$BATS_FILE_TMPDIR/clean.img
	IUSED=$(($(field inode_count) - $(field free_inodes)))
	BUSED=$(($(field block_count) - $(field free_blocks)))
	export IUSED BUSED
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	IMG=fs.img
	COPY=copy.img
	TREE=$BATS_FILE_TMPDIR/tree
	cp "$BATS_FILE_TMPDIR/clean.img" "$IMG"
	SUMMARY="$IUSED/4096 inodes, $BUSED/16384 blocks"
}

# damage_counts: group 1's free-blocks count to 5; GOOD1 the right one
damage_counts() {
	local msg re='free_blocks ([0-9]+) -> 5$'

	msg=$("$VXDAMAGE" "$IMG" group-set 1 free_blocks 5 2>&1) ||
		fail "vxdamage: $msg"
	[[ $msg =~ $re ]] || fail "vxdamage said: $msg"
	GOOD1=${BASH_REMATCH[1]}
}

# damage_mode: /a gets an unknown file type; INO its inode number
damage_mode() {
	INO=$("$VXDAMAGE" "$IMG" ino /a) || fail "vxdamage ino /a failed"
	"$VXDAMAGE" "$IMG" inode-set /a mode 0170644 2> /dev/null ||
		fail "vxdamage inode-set failed"
}

snapshot() {
	cp "$IMG" "$COPY"
}

unchanged() {
	cmp "$IMG" "$COPY" || fail "$IMG was written"
}

# clean_again: a forced read-only run finds nothing
clean_again() {
	run -0 --separate-stderr "$FSCK" -fn "$IMG"
	refute_line --regexp '\? (yes|no)$'
	assert_equal "$stderr" ''
}

# usage_error ARGS...: exit 16, stdout empty, the usage line after the
# message on stderr
usage_error() {
	run -16 --separate-stderr "$FSCK" "$@"
	assert_output ''
	assert_equal "${stderr_lines[1]:0:18}" 'Usage: fsck.vexfs '
}

# pty_fsck ANSWERS ARGS...: fsck.vexfs ARGS on a pseudo-terminal, with
# ANSWERS (a printf format) typed ahead; end of ANSWERS is end of input.
# Prints what the terminal showed, without carriage returns; returns
# fsck's exit status.
pty_fsck() {
	local answers=$1 cmd

	shift
	cmd=$(printf '%q ' "$FSCK" "$@")
	# shellcheck disable=SC2059 # ANSWERS is a format on purpose
	printf "$answers" | script -qec "$cmd" /dev/null | tr -d '\r'
	return "${PIPESTATUS[1]}"
}

# json_eval EXPR... < JSON: print each Python expression EXPR of the
# document d, one a line (fails on invalid JSON)
json_eval() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
for e in sys.argv[1:]:
    print(eval(e))' "$@"
}

# ---- information options

@test "-V and --version print the tool and library versions" {
	local opt

	for opt in -V --version; do
		run -0 --separate-stderr "$FSCK" "$opt"
		assert_output 'fsck.vexfs 0.1.0 (libvexfs 0.1.0)'
		assert_equal "$stderr" ''
	done
	# and nothing else happens, even with a device
	snapshot
	run -0 --separate-stderr "$FSCK" -V -y "$IMG"
	assert_output 'fsck.vexfs 0.1.0 (libvexfs 0.1.0)'
	unchanged
}

@test "-h and --help list every option on stdout" {
	local opt o

	for opt in -h --help; do
		run -0 --separate-stderr "$FSCK" "$opt"
		assert_equal "$stderr" ''
		assert_line --index 0 'Usage: fsck.vexfs [OPTION...] DEVICE'
		for o in preen no yes force progress=FD superblock=BLOCK \
			 verbose version json help usage; do
			assert_output --partial "--$o"
		done
		for o in p n y f C b v V h; do
			assert_line --regexp "^  -$o, --"
		done
	done
}

@test "--usage prints the short usage on stdout" {
	run -0 --separate-stderr "$FSCK" --usage
	assert_equal "$stderr" ''
	assert_line --index 0 --regexp '^Usage: fsck\.vexfs '
	assert_output --partial '[-p|--preen]'
	assert_output --partial 'DEVICE'
}

# ---- usage errors: exit 16

@test "two of -p/-a, -n and -y exit 16" {
	local pair

	damage_counts
	snapshot
	for pair in '-n -y' '-p -y' '-a -y' '-p -n' '-a -n' '-y -n' \
		    '--no --yes' '--preen --no' '-ny' '-pn'; do
		# shellcheck disable=SC2086 # the pair is two words
		usage_error $pair "$IMG"
		assert_equal "${stderr_lines[0]}" 'fsck.vexfs: only one of -p/-a, -n or -y may be given'
	done
	unchanged
}

@test "the same mode twice, and -p with -a, are not a conflict" {
	run -0 --separate-stderr "$FSCK" -p -a "$IMG"
	assert_line --index -1 "$IMG: clean, $SUMMARY"
	assert_equal "$stderr" ''
	run -0 --separate-stderr "$FSCK" -n -n "$IMG"
	assert_line --index -1 "$IMG: clean, $SUMMARY"
	run -0 --separate-stderr "$FSCK" -y --yes "$IMG"
	assert_line --index -1 "$IMG: clean, $SUMMARY"
}

@test "an unknown option exits 16 naming it" {
	usage_error --bogus "$IMG"
	assert_equal "${stderr_lines[0]}" 'fsck.vexfs: --bogus: unknown option'
	usage_error -Z "$IMG"
	assert_equal "${stderr_lines[0]}" 'fsck.vexfs: -Z: unknown option'
}

@test "no device, or two, exit 16" {
	usage_error
	assert_equal "${stderr_lines[0]}" 'fsck.vexfs: no device given'
	usage_error -n
	assert_equal "${stderr_lines[0]}" 'fsck.vexfs: no device given'
	usage_error -n "$IMG" "$COPY"
	assert_equal "${stderr_lines[0]}" "fsck.vexfs: unexpected argument '$COPY'"
}

@test "-b needs a block number above 0" {
	local arg

	for arg in x 0 -1 '' 12x 0x 99999999999999999999999 1.5; do
		usage_error -n -b "$arg" "$IMG"
		assert_equal "${stderr_lines[0]}" "fsck.vexfs: -b: '$arg' is not a block number above 0"
	done
	usage_error -n "$IMG" -b
	assert_equal "${stderr_lines[0]}" 'fsck.vexfs: -b: missing argument'
}

@test "-C needs a descriptor number" {
	local arg

	for arg in x -1 '' 3x 99999999999; do
		usage_error -n -C "$arg" "$IMG"
		assert_equal "${stderr_lines[0]}" "fsck.vexfs: -C: '$arg' is not a file descriptor number"
	done
	usage_error -n "$IMG" -C
	assert_equal "${stderr_lines[0]}" 'fsck.vexfs: -C: missing argument'
}

# ---- -f

@test "without -f a clean image is reported clean without any pass" {
	snapshot
	run -0 --separate-stderr "$FSCK" -n "$IMG"
	assert_output "$IMG: clean, $SUMMARY"
	assert_equal "$stderr" ''
	unchanged
	run -0 --separate-stderr "$FSCK" -p "$IMG"
	assert_output "$IMG: clean, $SUMMARY"
	unchanged
}

@test "-f runs the seven passes on a clean image" {
	snapshot
	run -0 --separate-stderr "$FSCK" -f -n "$IMG"
	assert_equal "$stderr" ''
	assert_equal "${#lines[@]}" 8
	assert_line --index 0 'Pass 1: superblock and backups'
	assert_line --index 1 'Pass 2: allocation-group headers'
	assert_line --index 2 'Pass 3: inodes and extent trees'
	assert_line --index 3 'Pass 4: bitmaps and free counts'
	assert_line --index 4 'Pass 5: directories'
	assert_line --index 5 'Pass 6: connectivity'
	assert_line --index 6 'Pass 7: link counts'
	assert_line --index 7 "$IMG: $SUMMARY"
	unchanged
	run -0 --separate-stderr "$FSCK" --force -y "$IMG"
	assert_line --index 6 'Pass 7: link counts'
	assert_line --index 7 "$IMG: $SUMMARY"
	"$VXTREE" compare "$IMG" "$TREE"
}

@test "without -f damage in a cleanly closed image is not looked for; with -f it is" {
	damage_counts
	run -0 --separate-stderr "$FSCK" -n "$IMG"
	assert_line --index -1 "$IMG: clean, $SUMMARY"
	refute_output --partial 'Pass 2'
	run -4 --separate-stderr "$FSCK" -fn "$IMG"
	assert_line "group 1: free blocks count is 5, counted $GOOD1.  Fix? no"
}

@test "without -f an image not marked clean is checked" {
	damage_counts
	"$VXDAMAGE" "$IMG" super-set state 0 2> /dev/null
	run -4 --separate-stderr "$FSCK" -n "$IMG"
	assert_line --index 0 'Pass 1: superblock and backups'
	assert_line "group 1: free blocks count is 5, counted $GOOD1.  Fix? no"
	run -1 --separate-stderr "$FSCK" -y "$IMG"
	assert_line "group 1: free blocks count is 5, counted $GOOD1.  Fix? yes"
	assert_equal "$(field state)" clean
	run -0 --separate-stderr "$FSCK" -n "$IMG"
	assert_line --index -1 "$IMG: clean, $SUMMARY"
}

# ---- -p / -a

@test "-p fixes a preen-safe problem: no passes, 'DEV: OBJECT: MSG.  FIXED.', exit 1" {
	local opt

	for opt in -p -a --preen; do
		cp "$BATS_FILE_TMPDIR/clean.img" "$IMG"
		damage_counts
		run -1 --separate-stderr "$FSCK" -f "$opt" "$IMG"
		assert_equal "$stderr" ''
		assert_line --index 0 "$IMG: group 1: free blocks count is 5, counted $GOOD1.  FIXED."
		assert_line --index -1 "$IMG: $SUMMARY"
		refute_line --partial 'Pass '
		refute_line --partial '?'
		clean_again
		"$VXTREE" compare "$IMG" "$TREE"
	done
}

@test "-p without -f fixes an image that was not closed cleanly" {
	damage_counts
	"$VXDAMAGE" "$IMG" super-set state 0 2> /dev/null
	run -1 --separate-stderr "$FSCK" -p "$IMG"
	assert_equal "$stderr" ''
	assert_line --index 0 "$IMG: group 1: free blocks count is 5, counted $GOOD1.  FIXED."
	assert_line --index -1 "$IMG: $SUMMARY"
	# marked clean again: the next boot's preen skips it
	assert_equal "$(field state)" clean
	run -0 --separate-stderr "$FSCK" -p "$IMG"
	assert_line --index -1 "$IMG: clean, $SUMMARY"
	clean_again
}

@test "-p stops at a problem it may not fix: UNEXPECTED INCONSISTENCY, exit 4, nothing written" {
	damage_mode
	damage_counts
	snapshot
	run -4 --separate-stderr "$FSCK" -fp "$IMG"
	assert_equal "$stderr" ''
	assert_line --index 0 "$IMG: inode $INO: unknown file type in mode 0170644."
	assert_equal "${lines[1]}" "$IMG: UNEXPECTED INCONSISTENCY; RUN fsck.vexfs MANUALLY."
	assert_equal "${lines[2]}" $'\t(i.e., without -a or -p options)'
	assert_output --partial $'0170644.\n\n'"$IMG: UNEXPECTED"
	# it stopped there: pass 4's problem was neither fixed nor reported
	refute_output --partial 'group 1'
	refute_output --partial 'MODIFIED'
	refute_line --partial 'Pass '
	# and no summary made of nothing (a halted run has counted nothing)
	refute_output --partial ' 0/0 inodes'
	unchanged
	# a manual run fixes it
	run -1 --separate-stderr "$FSCK" -fy "$IMG"
	assert_line "inode $INO: unknown file type in mode 0170644.  Clear the inode? yes"
	clean_again
}

@test "-p that fixed something before it stopped exits 5 (1|4)" {
	# a damaged backup superblock (pass 1, preen-safe), then /a (pass 3)
	"$VXDAMAGE" "$IMG" block-flip 14336 60 3 2> /dev/null
	damage_mode
	run -5 --separate-stderr "$FSCK" -fp "$IMG"
	assert_line --index 0 --regexp "^$IMG: backup superblock: .*14336.*  REWRITTEN\.$"
	assert_line --index 1 "$IMG: inode $INO: unknown file type in mode 0170644."
	assert_line "$IMG: UNEXPECTED INCONSISTENCY; RUN fsck.vexfs MANUALLY."
	# the backup was really rewritten: only /a is left
	run -4 --separate-stderr "$FSCK" -fn "$IMG"
	refute_output --partial 14336
	assert_line "inode $INO: unknown file type in mode 0170644.  Clear the inode? no"
}

# ---- -n and -y

@test "-n writes nothing: exit 4 on damage, 0 when clean" {
	damage_counts
	damage_mode
	snapshot
	run -4 --separate-stderr "$FSCK" -fn "$IMG"
	assert_equal "$stderr" ''
	assert_line "inode $INO: unknown file type in mode 0170644.  Clear the inode? no"
	assert_line "group 1: free blocks count is 5, counted $GOOD1.  Fix? no"
	assert_line "$IMG: ********** WARNING: Filesystem still has errors **********"
	refute_output --partial MODIFIED
	refute_line --regexp '\? yes$'
	unchanged
	run -4 --separate-stderr "$FSCK" --no "$IMG" -f
	unchanged
	# clean: exit 0, nothing written either
	cp "$BATS_FILE_TMPDIR/clean.img" "$IMG"
	snapshot
	run -0 --separate-stderr "$FSCK" -fn "$IMG"
	refute_output --partial WARNING
	unchanged
}

@test "-y answers yes to everything, exit 1, and a second run is clean" {
	damage_counts
	damage_mode
	run -1 --separate-stderr "$FSCK" -fy "$IMG"
	assert_equal "$stderr" ''
	assert_line "inode $INO: unknown file type in mode 0170644.  Clear the inode? yes"
	assert_line "group 1: free blocks count is 5, counted $GOOD1.  Fix? yes"
	assert_line "$IMG: ***** FILE SYSTEM WAS MODIFIED *****"
	refute_line --regexp '\? no$'
	refute_output --partial WARNING
	clean_again
	# /a was cleared; everything else reads back as it was
	rm -rf host
	cp -a "$TREE" host
	rm host/a
	# the root's mtime is the removal's
	touch -d "@$("$VXTREE" stat "$IMG" / | sed -n 's/^mtime: //p')" host
	"$VXTREE" compare "$IMG" host
}

# ---- -C

@test "-C FD writes 'PASS DONE TOTAL DEV' progress lines to FD only" {
	local pass cur total dev last_pass=0 last_done=0 last_total=0 n=0

	run -0 --separate-stderr "$FSCK" -f -n "$IMG"
	local plain=$output
	run -0 --separate-stderr "$FSCK" -f -n -C 3 "$IMG" 3> progress
	assert_equal "$output" "$plain"
	assert_equal "$stderr" ''
	while read -r pass cur total dev; do
		n=$((n + 1))
		[[ $pass =~ ^[1-7]$ && $cur =~ ^[0-9]+$ && $total =~ ^[1-9][0-9]*$ ]] ||
			fail "bad progress line $n: '$pass $cur $total $dev'"
		assert_equal "$dev" "$IMG"
		((cur <= total)) || fail "line $n: DONE $cur > TOTAL $total"
		if ((pass == last_pass)); then
			((cur > last_done)) || fail "line $n: DONE went from $last_done to $cur"
			assert_equal "$total" "$last_total"
		else
			((pass > last_pass)) || fail "line $n: pass $pass after pass $last_pass"
			((last_pass == 0 || last_done == last_total)) ||
				fail "pass $last_pass ended at $last_done/$last_total"
		fi
		last_pass=$pass last_done=$cur last_total=$total
	done < progress
	((n >= 3)) || fail "only $n progress lines"
	assert_equal "$last_done" "$last_total"
	# at least the passes over the whole image report progress
	for pass in 2 3 4; do
		grep -q "^$pass " progress || fail "no progress line for pass $pass"
	done
}

@test "-C on a descriptor that is not open breaks nothing" {
	run -0 --separate-stderr "$FSCK" -f -n "$IMG"
	local plain=$output
	run -0 --separate-stderr "$FSCK" -f -n -C 9 "$IMG" 9>&-
	assert_equal "$output" "$plain"
	assert_equal "$stderr" ''
}

@test "-C 0 when stdout is not a terminal: no bar, the same output" {
	damage_counts
	run -4 --separate-stderr "$FSCK" -f -n "$IMG"
	local plain=$output
	run -4 --separate-stderr "$FSCK" -f -n -C 0 "$IMG"
	assert_equal "$output" "$plain"
	assert_equal "$stderr" ''
	refute_output --partial $'\r'
	run -1 --separate-stderr "$FSCK" -f -y -C 0 "$IMG"
	assert_line "group 1: free blocks count is 5, counted $GOOD1.  Fix? yes"
	refute_output --partial '|'
	clean_again
}

@test "-C 0 on a terminal draws a bar per pass" {
	run -0 pty_fsck '' -f -n -C 0 "$IMG"
	assert_output --regexp "fs\\.img: pass 4 \\|=+\\| 100%"
	assert_line 'Pass 7: link counts'
	assert_line --index -1 "$IMG: $SUMMARY"
}

# ---- -b

@test "-b BLOCK starts from that backup when the primary is damaged" {
	local backups

	backups=$("$VXDAMAGE" "$IMG" meta-blocks | awk '$1 == "backup" { print $2 }' | tr '\n' ' ')
	assert_equal "$backups" '2048 14336 '
	"$VXDAMAGE" "$IMG" block-flip 0 60 3 2> /dev/null
	snapshot
	# the last backup, not the first one a run would pick by itself
	run -4 --separate-stderr "$FSCK" -n -b 14336 "$IMG"
	assert_equal "$stderr" ''
	assert_line 'superblock: primary superblock is damaged (metadata checksum mismatch); the backup at block 14336 is good.  Restore the primary from it? no'
	assert_line --index -1 "$IMG: $SUMMARY"
	unchanged
	run -1 --separate-stderr "$FSCK" -y --superblock 14336 "$IMG"
	assert_line 'superblock: primary superblock is damaged (metadata checksum mismatch); the backup at block 14336 is good.  Restore the primary from it? yes'
	assert_line "$IMG: ***** FILE SYSTEM WAS MODIFIED *****"
	clean_again
	assert_equal "$(field block_count)" 16384
	"$VXTREE" compare "$IMG" "$TREE"
}

@test "-b on an intact image checks from the backup and finds nothing" {
	snapshot
	run -0 --separate-stderr "$FSCK" -n -b 2048 "$IMG"
	assert_equal "$stderr" ''
	assert_line --index 6 'Pass 7: link counts'
	assert_line --index -1 "$IMG: $SUMMARY"
	unchanged
}

@test "-b naming a block that holds no superblock exits 8 naming the block" {
	snapshot
	run -8 --separate-stderr "$FSCK" -n -b 5 "$IMG"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^fsck\\.vexfs: fs\\.img: .*block 5[^0-9]"
	run -8 --separate-stderr "$FSCK" -y -b 99999999 "$IMG"
	assert_regex "$stderr" "^fsck\\.vexfs: fs\\.img: .*99999999"
	unchanged
}

# ---- -v

@test "-v prints statistics that match the tree" {
	run -0 --separate-stderr "$FSCK" -f -n -v "$IMG"
	assert_equal "$stderr" ''
	assert_line --regexp "^ +$IUSED inodes used \\(of 4096\\)$"
	assert_line --regexp '^ +2 regular files$'
	assert_line --regexp '^ +3 directories$'
	assert_line --regexp '^ +1 symbolic links$'
	assert_line --regexp '^ +0 device files$'
	assert_line --regexp '^ +0 fifos$'
	assert_line --regexp '^ +0 sockets$'
	assert_line --regexp "^ +$BUSED blocks used \\(of 16384\\)$"
	assert_line --index -1 "$IMG: $SUMMARY"
	run -0 --separate-stderr "$FSCK" -f -n "$IMG"
	refute_output --partial 'regular files'
}

# ---- --json

@test "--json: one valid document, findings by code, exit_code the real status" {
	damage_counts
	snapshot
	# without -p/-y it acts as -n
	run -4 --separate-stderr "$FSCK" -f --json "$IMG"
	assert_equal "$stderr" ''
	unchanged
	run json_eval 'd["exit_code"]' \
		'd["device"], d["version"], d["skipped"], d["error"]' \
		'len(d["findings"])' \
		'[d["findings"][0][k] for k in ("pass", "code", "object", "number", "preen_ok", "answer", "fixed", "error")]' \
		'd["findings"][0]["message"]' \
		'[d["summary"][k] for k in ("problems", "fixed", "left", "modified", "files", "directories", "symlinks")]' \
		'd["journal"]["dirty"], d["journal"]["transactions"]' <<< "$output"
	assert_output "4
('fs.img', '0.1.0', False, None)
1
[4, 'GROUP_FREE_BLOCKS', 'group 1', 1, True, 'no', False, None]
free blocks count is 5, counted $GOOD1
[1, 0, 1, False, 2, 3, 1]
(False, 0)"

	run -1 --separate-stderr "$FSCK" -f -y --json "$IMG"
	assert_equal "$stderr" ''
	run json_eval 'd["exit_code"]' \
		'[(f["code"], f["answer"], f["fixed"]) for f in d["findings"]]' \
		'[d["summary"][k] for k in ("problems", "fixed", "left", "modified")]' <<< "$output"
	assert_output "1
[('GROUP_FREE_BLOCKS', 'yes', True)]
[1, 1, 0, True]"
	clean_again

	run -0 --separate-stderr "$FSCK" --json "$IMG"
	run json_eval 'd["exit_code"], d["skipped"], d["findings"]' <<< "$output"
	assert_output '(0, True, [])'
}

@test "--json with -p: a problem preen may not fix, exit 4 in the document" {
	damage_mode
	run -4 --separate-stderr "$FSCK" -f -p --json "$IMG"
	assert_equal "$stderr" ''
	run json_eval 'd["exit_code"]' \
		'[(f["code"], f["object"], f["preen_ok"], f["fixed"]) for f in d["findings"]]' <<< "$output"
	assert_output "4
[('INODE_BAD_MODE', 'inode $INO', False, False)]"
}

@test "--json on a file that is not VexFS: exit 8, the error in the document" {
	truncate -s 64M zero.img
	run -8 --separate-stderr "$FSCK" -y --json zero.img
	assert_regex "$stderr" '^fsck\.vexfs: zero\.img: no VexFS superblock found'
	run json_eval 'd["exit_code"], d["error"], d["findings"]' <<< "$output"
	assert_output "(8, 'VX_EBADMAGIC', [])"
}

# ---- interactive

@test "interactive mode without a terminal exits 8 and writes nothing" {
	damage_counts
	snapshot
	run -8 --separate-stderr "$FSCK" -f "$IMG" < /dev/null
	assert_output ''
	assert_equal "$stderr" 'fsck.vexfs: need a terminal for interactive repairs; use -p, -n or -y'
	run -8 --separate-stderr "$FSCK" "$IMG" <<< 'y'
	assert_equal "$stderr" 'fsck.vexfs: need a terminal for interactive repairs; use -p, -n or -y'
	unchanged
}

@test "interactive: y fixes, n leaves (exit 5), the next run finds only what was left" {
	local g2

	damage_counts
	g2=$("$VXDAMAGE" "$IMG" group-set 2 free_blocks 6 2>&1) || fail "$g2"
	g2=${g2##*free_blocks }
	g2=${g2%% -> 6}
	run -5 pty_fsck 'y\nn\n' -f "$IMG"
	assert_output --partial "group 1: free blocks count is 5, counted $GOOD1.  Fix <y>? "
	assert_output --partial "group 2: free blocks count is 6, counted $g2.  Fix <y>? "
	assert_line "$IMG: ***** FILE SYSTEM WAS MODIFIED *****"
	assert_line "$IMG: ********** WARNING: Filesystem still has errors **********"
	run -4 --separate-stderr "$FSCK" -fn "$IMG"
	refute_output --partial 'group 1'
	assert_line "group 2: free blocks count is 6, counted $g2.  Fix? no"
}

@test "interactive: n to every question leaves every problem (exit 4)" {
	damage_counts
	run -4 pty_fsck 'n\n' -f "$IMG"
	assert_output --partial "group 1: free blocks count is 5, counted $GOOD1.  Fix <y>? "
	refute_output --partial MODIFIED
	assert_line "$IMG: ********** WARNING: Filesystem still has errors **********"
	# nothing was repaired, and the summary counts what is used
	assert_line --index -1 "$IMG: $SUMMARY"
	run -4 --separate-stderr "$FSCK" -fn "$IMG"
	assert_line "group 1: free blocks count is 5, counted $GOOD1.  Fix? no"
}

@test "interactive: Enter takes the default, an unknown answer asks again" {
	damage_counts
	run -1 pty_fsck 'x\n\n' -f "$IMG"
	assert_output --partial 'Answer y (yes), n (no), a (yes to all), q (quit).'
	assert_line "$IMG: ***** FILE SYSTEM WAS MODIFIED *****"
	clean_again
}

@test "interactive: a answers yes to this and every later question" {
	local g2

	damage_counts
	g2=$("$VXDAMAGE" "$IMG" group-set 2 free_blocks 6 2>&1) || fail "$g2"
	g2=${g2##*free_blocks }
	g2=${g2%% -> 6}
	run -1 pty_fsck 'a\n' -f "$IMG"
	assert_output --partial "group 1: free blocks count is 5, counted $GOOD1.  Fix <y>? "
	# the later question is not asked, its answer is shown
	assert_line "group 2: free blocks count is 6, counted $g2.  Fix? yes"
	refute_output --partial "counted $g2.  Fix <y>?"
	# and the one answered 'a' is not printed a second time
	assert_equal "$(grep -c 'group 1: free blocks count' <<< "$output")" 1
	clean_again
	"$VXTREE" compare "$IMG" "$TREE"
}

@test "interactive: q cancels (exit 32, | 4 for the problem left) and writes nothing" {
	damage_counts
	damage_mode
	snapshot
	run -36 pty_fsck 'q\n' -f "$IMG"
	assert_output --partial "inode $INO: unknown file type in mode 0170644.  Clear the inode <y>? "
	# (after the prompt: the answer was typed ahead, so echoed before)
	assert_output --partial "$IMG: check cancelled"
	refute_output --partial 'group 1'
	refute_output --partial 'Pass 4'
	refute_output --partial ' 0/0 inodes'
	unchanged
}

@test "interactive: end of input cancels like q" {
	damage_counts
	snapshot
	run -36 pty_fsck '' -f "$IMG"
	assert_output --partial "counted $GOOD1.  Fix <y>? "$'\n'"$IMG: check cancelled"
	refute_output --partial MODIFIED
	unchanged
}
