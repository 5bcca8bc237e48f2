#!/usr/bin/env bats
# 3090-debugfs-shell.bats: the interactive shell of debugfs.vexfs (the
# prompt, Tab completion, history, Ctrl-C, Ctrl-D, open transactions),
# driven through a pseudo-terminal by tests/helpers/ptydrive.py.
#
# setup_file formats base.img (32 MiB) from a host tree whose names are
# distinctive enough to complete from a few letters:
#   alphabet_soup.txt  "letters in broth"    twin_one.txt  "one"
#   zebra_dir/inner_file  "inside"           twin_two.txt  "two"
#   with space.txt  "spaced out"             zlink -> zebra_dir
# Each test works on a copy (fs.img) next to orig.img, in its own
# $BATS_TEST_TMPDIR, which is also HOME and holds the history file
# (DEBUGFS_VEXFS_HISTORY) unless the test is about where history goes.
# On the terminal stdout and stderr are one stream: the transcript
# ptydrive prints (escape sequences and carriage returns removed) holds
# the prompts, the echoed lines, the output and the messages.  ptydrive
# fails a step that waits more than 10 s (status 124, reason on stderr)
# and exits with debugfs.vexfs's own status otherwise.

bats_require_minimum_version 1.5.0
load test_helper

DBG=$TOPDIR/debugfs/debugfs.vexfs
PTY=$TOPDIR/tests/helpers/ptydrive.py
P='debugfs.vexfs:/> '

setup_file() {
	local tree=$BATS_FILE_TMPDIR/tree

	need_built "$DBG" || return 1
	command -v python3 >/dev/null || {
		echo "setup_file: python3 is needed to drive the terminal" >&2
		return 1
	}
	mkdir -p "$tree/zebra_dir" || return 1
	printf 'letters in broth\n' > "$tree/alphabet_soup.txt"
	printf 'inside\n' > "$tree/zebra_dir/inner_file"
	printf 'one\n' > "$tree/twin_one.txt"
	printf 'two\n' > "$tree/twin_two.txt"
	printf 'spaced out\n' > "$tree/with space.txt"
	ln -s zebra_dir "$tree/zlink"
	"$MKFS" -q -F -d "$tree" "$(mkimg base.img 32M)" || {
		echo "setup_file: mkfs.vexfs failed" >&2
		return 1
	}
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	IMG=$BATS_TEST_TMPDIR/fs.img
	ORIG=$BATS_TEST_TMPDIR/orig.img
	cp "$BATS_FILE_TMPDIR/base.img" "$IMG"
	cp "$IMG" "$ORIG"
	HIST=$BATS_TEST_TMPDIR/history
	export HOME=$BATS_TEST_TMPDIR DEBUGFS_VEXFS_HISTORY=$HIST
	unset EDITRC XDG_STATE_HOME
}

# drive STEP ARG... -- ARGS: run debugfs.vexfs ARGS on a terminal
drive() {
	local steps=()

	while [[ $1 != -- ]]; do
		steps+=("$1")
		shift
	done
	shift
	python3 "$PTY" "${steps[@]}" -- "$DBG" "$@"
}

# count TEXT: how many lines of $output hold TEXT
count() {
	grep -cF -- "$1" <<< "$output" || true
}

@test "the prompt shows the working directory; pwd prints it" {
	run -0 --separate-stderr drive expect "$P" send 'pwd\r' expect "$P" \
		send 'cd zebra_dir\r' expect 'debugfs.vexfs:/zebra_dir> ' \
		send 'pwd\r' expect 'debugfs.vexfs:/zebra_dir> ' \
		send 'quit\r' -- "$IMG"
	assert_equal "$stderr" ""
	assert_line --index 0 "${P}pwd"
	assert_line --index 1 "/"
	assert_line --index 3 "debugfs.vexfs:/zebra_dir> pwd"
	assert_line --index 4 "/zebra_dir"
	refute_output --partial "debugfs.vexfs: "
	cmp "$IMG" "$ORIG"
}

@test "without an image the prompt has no directory; open completes a host path" {
	run -0 --separate-stderr drive expect 'debugfs.vexfs> ' \
		send 'open fs.i\t' expect 'open fs.img ' send '\r' \
		expect "$P" send 'cat alph\t\r' expect "$P" \
		send 'close\r' expect 'debugfs.vexfs> ' send 'quit\r' --
	assert_equal "$stderr" ""
	assert_line --index 0 "debugfs.vexfs> open fs.img "
	assert_line --index 1 "${P}cat alphabet_soup.txt "
	assert_line --index 2 "letters in broth"
	assert_line --index 3 "${P}close"
	assert_line --index 4 "debugfs.vexfs> quit"
	refute_output --partial "debugfs.vexfs: "
}

@test "host paths complete where the usage names one; rdump's last word falls back to them" {
	mkdir -p host_only_dir out_tree zebra_host
	run -0 --separate-stderr drive expect "$P" \
		send 'dump /alph\t' expect 'dump /alphabet_soup.txt ' \
		send 'host_o\t' expect 'host_only_dir/' send 'soup.out\r' \
		expect "$P" send 'rdump /zeb\t' expect 'rdump /zebra_dir/' \
		send ' out_t\t\r' expect "$P" \
		send 'rdump /twin_one.txt zeb\t' expect 'zebra_dir/' \
		send '\x03' expect "$P" send 'quit\r' -- "$IMG"
	assert_equal "$stderr" ""
	assert_line "${P}dump /alphabet_soup.txt host_only_dir/soup.out"
	assert_line "${P}rdump /zebra_dir/ out_tree/"
	# a name in the image comes first (zebra_host is on the host)
	assert_line "${P}rdump /twin_one.txt zebra_dir/^C"
	refute_output --partial "debugfs.vexfs: "
	cmp host_only_dir/soup.out "$BATS_FILE_TMPDIR/tree/alphabet_soup.txt"
	cmp out_tree/zebra_dir/inner_file \
		"$BATS_FILE_TMPDIR/tree/zebra_dir/inner_file"
}

@test "Tab completes a unique command name, an alias and help's argument" {
	run -0 --separate-stderr drive expect "$P" \
		send 'dirse\t' expect 'dirsearch ' send '\r' expect "$P" \
		send 'freef\t' expect 'freefrag ' send '\r' expect "$P" \
		send 'show_s\t' expect 'show_super ' send '-h\r' expect "$P" \
		send 'help zap_\t\r' expect "$P" send 'quit\r' -- "$IMG"
	assert_equal "$stderr" ""
	assert_line "${P}dirsearch "
	assert_line "debugfs.vexfs: dirsearch: usage: dirsearch DIR NAME"
	assert_line "${P}freefrag "
	assert_output --partial "Free blocks:"
	assert_line "${P}show_super -h"
	assert_line "${P}help zap_block "
	assert_line --partial "usage: zap_block "
	refute_output --partial "unknown command"
}

@test "Tab completes image paths: absolute, relative, from a subdirectory, with a space" {
	run -0 --separate-stderr drive expect "$P" \
		send 'cat /alph\t\r' expect 'letters in broth' expect "$P" \
		send 'cat with\t\r' expect 'spaced out' expect "$P" \
		send 'cat "/with\t\r' expect 'spaced out' expect "$P" \
		send 'cd zebra_dir\r' expect '/zebra_dir> ' \
		send 'cat inn\t\r' expect 'inside' expect '/zebra_dir> ' \
		send 'cat ../alph\t\r' expect 'letters in broth' \
		expect '/zebra_dir> ' send 'quit\r' -- "$IMG"
	assert_equal "$stderr" ""
	assert_line "${P}cat /alphabet_soup.txt "
	assert_line "${P}cat with\\ space.txt "
	assert_line "${P}cat \"/with space.txt\" "
	assert_line "debugfs.vexfs:/zebra_dir> cat inner_file "
	assert_line "debugfs.vexfs:/zebra_dir> cat ../alphabet_soup.txt "
	assert_equal "$(count 'letters in broth')" 2
	assert_equal "$(count 'spaced out')" 2
	refute_output --partial "debugfs.vexfs: "
}

@test "Tab on a directory, or a symlink to one, appends a slash" {
	run -0 --separate-stderr drive expect "$P" \
		send 'cat /zeb\t' expect 'cat /zebra_dir/' \
		send 'inn\t' expect 'inner_file ' send '\r' expect "$P" \
		send 'cat zl\t' expect 'cat zlink/' \
		send 'i\t\r' expect 'inside' expect "$P" send 'quit\r' -- "$IMG"
	assert_equal "$stderr" ""
	assert_line "${P}cat /zebra_dir/inner_file "
	assert_line "${P}cat zlink/inner_file "
	assert_equal "$(count inside)" 2
	refute_output --partial "debugfs.vexfs: "
}

@test "two matches: Tab completes their common prefix, a second Tab lists both" {
	run -0 --separate-stderr drive expect "$P" \
		send 'cat /twin\t' expect 'cat /twin_' \
		send '\t' expect 'twin_one.txt  twin_two.txt' \
		expect "${P}cat /twin_" send 't\t\r' expect 'two' expect "$P" \
		send 'dirs\t' expect 'dirsearch ' send '\x03' expect "$P" \
		send 'ch\t\t' expect 'chown' expect "${P}ch" \
		send '\x03' expect "$P" \
		send 'quit\r' -- "$IMG"
	assert_equal "$stderr" ""
	assert_line "twin_one.txt  twin_two.txt"
	assert_line "${P}cat /twin_two.txt "
	assert_line "two"
	refute_line "one"
	# "ch" is check, chmod and chown: listed, nothing run
	assert_line --regexp '^check +chmod +chown$'
	refute_output --partial "debugfs.vexfs: "
}

@test "up-arrow recalls the previous command and Enter runs it again" {
	run -0 --separate-stderr drive expect "$P" \
		send 'cat /alphabet_soup.txt\r' expect 'letters in broth' \
		expect "$P" send '\x1b[A' expect 'cat /alphabet_soup.txt' \
		send '\r' expect 'letters in broth' expect "$P" \
		send 'quit\r' -- "$IMG"
	assert_equal "$stderr" ""
	assert_equal "$(count "${P}cat /alphabet_soup.txt")" 2
	assert_equal "$(count 'letters in broth')" 2
}

@test "history is saved and recalled by the next session; repeats and lines starting with a space are not kept" {
	run -0 --separate-stderr drive expect "$P" \
		send 'pwd\r' expect "$P" \
		send 'cat /alphabet_soup.txt\r' expect "$P" \
		send 'cat /alphabet_soup.txt\r' expect "$P" \
		send ' cat /twin_one.txt\r' expect "$P" send '\x04' -- "$IMG"
	assert_equal "$stderr" ""
	assert_equal "$(count 'letters in broth')" 2
	assert_line "one"
	[[ -s $HIST ]]
	# the second session: up shows the last line kept, up again the one
	# before it (the repeat was not kept); Enter runs pwd
	run -0 --separate-stderr drive expect "$P" \
		send '\x1b[A' expect 'cat /alphabet_soup.txt' \
		send '\x1b[A' expect 'pwd' send '\r' expect "$P" \
		send 'quit\r' -- "$IMG"
	assert_equal "$stderr" ""
	assert_line "/"
	refute_output --partial "letters in broth"
	refute_output --partial "twin_one"
}

@test "history goes to XDG_STATE_HOME, else ~/.local/state; DEBUGFS_VEXFS_HISTORY= keeps none" {
	unset DEBUGFS_VEXFS_HISTORY
	export XDG_STATE_HOME=$BATS_TEST_TMPDIR/state
	run -0 --separate-stderr drive expect "$P" send 'pwd\r' expect "$P" \
		send 'quit\r' -- "$IMG"
	assert_line "/"
	grep -qx pwd "$XDG_STATE_HOME/vexfs/debugfs_history"
	assert_equal "$(stat -c %a "$XDG_STATE_HOME/vexfs")" 700

	unset XDG_STATE_HOME
	run -0 --separate-stderr drive expect "$P" send 'txn\r' expect "$P" \
		send 'quit\r' -- "$IMG"
	grep -qx txn "$HOME/.local/state/vexfs/debugfs_history"
	refute grep -qx txn "$BATS_TEST_TMPDIR/state/vexfs/debugfs_history"

	rm -r "$HOME/.local"
	export XDG_STATE_HOME=$BATS_TEST_TMPDIR/state2
	DEBUGFS_VEXFS_HISTORY= run -0 --separate-stderr drive expect "$P" \
		send 'pwd\r' expect "$P" send 'quit\r' -- "$IMG"
	assert_line "/"
	[[ ! -e $XDG_STATE_HOME && ! -e $HOME/.local ]]
}

@test "a history file that cannot be written or read is a warning, once" {
	DEBUGFS_VEXFS_HISTORY=$BATS_TEST_TMPDIR/missing/history \
	run -0 --separate-stderr drive expect "$P" send 'pwd\r' expect "$P" \
		send 'pwd\r' expect "$P" send 'quit\r' -- "$IMG"
	assert_equal "$stderr" ""
	assert_equal "$(count "debugfs.vexfs: warning: cannot write the history file $BATS_TEST_TMPDIR/missing/history: No such file or directory")" 1
	assert_equal "$(count "${P}pwd")" 2
	assert_equal "$(grep -cx / <<< "$output")" 2

	# not a libedit history file: left as it is
	printf 'some other\nhistory\n' > "$HIST"
	cp "$HIST" "$HIST.orig"
	run -0 --separate-stderr drive expect "$P" send 'pwd\r' expect "$P" \
		send 'quit\r' -- "$IMG"
	assert_line "debugfs.vexfs: warning: cannot read the history file $HIST: not a history file; this session's history is not saved to it"
	assert_line "/"
	cmp "$HIST" "$HIST.orig"
}

@test "the prompt shows [txn N]; Tab sees the transaction's names; Ctrl-D aborts what is open" {
	run -0 --separate-stderr drive expect "$P" \
		send 'begin\r' expect 'debugfs.vexfs:/ [txn 1]> ' \
		send 'begin --nested\r' expect 'debugfs.vexfs:/ [txn 2]> ' \
		send 'mkdir /quokka_dir\r' expect '[txn 2]> ' \
		send 'cd /quo\t' expect 'cd /quokka_dir/' send '\r' \
		expect 'debugfs.vexfs:/quokka_dir [txn 2]> ' \
		send 'cd ..\r' expect 'debugfs.vexfs:/ [txn 2]> ' \
		send 'abort\r' expect 'debugfs.vexfs:/ [txn 1]> ' \
		send 'mkdir /wombat_dir\r' expect '[txn 1]> ' \
		send '\x04' -- -w "$IMG"
	assert_equal "$stderr" ""
	assert_line "debugfs.vexfs: warning: leaving the shell: aborting 1 open transaction level"
	cmp "$IMG" "$ORIG"
	run -0 "$DBG" -R "ls /" "$IMG"
	refute_output --partial wombat_dir
	refute_output --partial quokka_dir
	assert_line alphabet_soup.txt
}

@test "Ctrl-C drops the line being typed, wherever the cursor is, and the shell goes on" {
	# typed ahead of the prompt, Enter included: still dropped, in order
	run -0 --separate-stderr drive expect "$P" \
		send 'cat /no_such_name' expect 'no_such_name' \
		send '\x03' expect "$P" send 'pwd\r' expect "$P" \
		send 'rm /twin_one.txt\x1b[D\x1b[D\x03\r' expect "$P" \
		send '\x03' expect "$P" \
		send 'cat /twin_one.txt\r' expect 'one' expect "$P" \
		send 'quit\r' -- -w "$IMG"
	assert_equal "$stderr" ""
	assert_line "${P}cat /no_such_name^C"
	assert_line "${P}pwd"
	assert_line "/"
	assert_line "${P}rm /twin_one.txt^C"
	assert_line "${P}^C"
	assert_line "one"
	refute_output --partial "debugfs.vexfs: "
	cmp "$IMG" "$ORIG"
}

@test "the suspend key stops the shell under a job-control shell; fg resumes the line" {
	printf "PS1='sh> '\n" > rc
	run -0 --separate-stderr python3 "$PTY" expect 'sh> ' \
		send "$DBG $IMG\\r" expect "$P" send 'pw\x1a' \
		expect 'Stopped' expect 'sh> ' send 'fg\r' expect "${P}pw" \
		send 'd\r' expect "$P" send 'quit\r' expect 'sh> ' \
		send 'exit\r' -- bash --rcfile rc --noprofile -i
	assert_equal "$stderr" ""
	assert_line --partial "Stopped"
	assert_line "${P}pwd"
	assert_line "/"
}

@test "quit, q and Ctrl-D at an empty prompt leave with status 0; Ctrl-\\ quits by SIGQUIT" {
	run -0 --separate-stderr drive expect "$P" send 'quit\r' -- "$IMG"
	assert_output "${P}quit"
	run -0 --separate-stderr drive expect "$P" send 'q\r' -- "$IMG"
	assert_output "${P}q"
	run -0 --separate-stderr drive expect 'debugfs.vexfs> ' send '\x04' --
	assert_output "debugfs.vexfs> ^D"
	# the quit key does what it does on a terminal: SIGQUIT
	run -131 --separate-stderr drive expect "$P" send '\x1c' -- "$IMG"
	cmp "$IMG" "$ORIG"
}
