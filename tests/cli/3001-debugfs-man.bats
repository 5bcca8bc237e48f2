#!/usr/bin/env bats
# 3001-debugfs-man.bats: man/debugfs.vexfs.8 follows the tool, so the two
# cannot drift apart: the page renders without warnings; its COMMANDS
# section has one .TP/.TQ entry for every command and alias that
# `debugfs.vexfs -R help` prints and none for anything else, each entry
# showing the usage line `help COMMAND` prints; every option of --help
# has its entry under OPTIONS and every entry there is an option of
# --help; EXIT STATUS lists exactly 0, 1 and 2, and the tool returns
# them where the page says.
#
# A page entry is the line after a .TP or .TQ request; its first word
# (after the font macro) is the command name.
bats_require_minimum_version 1.5.0
load test_helper

DBG=$TOPDIR/debugfs/debugfs.vexfs
PAGE=$TOPDIR/man/debugfs.vexfs.8

setup_file() {
	need_built "$DBG" || return 1
	[[ -f $PAGE ]] || {
		echo "setup_file: man/debugfs.vexfs.8 is missing" >&2
		return 1
	}
}

# the source lines of section $1 of the page (.SH $1 up to the next .SH)
section() {
	awk -v want="$1" '
		/^\.SH / { s = $0; sub(/^\.SH +/, "", s); gsub(/"/, "", s)
			   in_sec = (s == want); next }
		in_sec' "$PAGE"
}

# the tag lines of section $1 (each line after .TP or .TQ), as plain
# text: font escapes and quotes removed, \- as -
tags() {
	section "$1" | awk '
		prev ~ /^\.T[PQ]$/ { print }
		{ prev = $0 }' |
		sed -e 's/^\.[BIR]*[[:space:]]*//' -e 's/\\f[BIRP]//g' \
		    -e 's/\\-/-/g' -e 's/\\&//g' -e 's/"//g'
}

# the page rendered as text, one line per output line, blanks squeezed
rendered() {
	LC_ALL=C.UTF-8 MANWIDTH=250 MANPAGER=cat man -l "$PAGE" 2>/dev/null |
		col -bx | sed -e 's/^ *//' -e 's/  */ /g'
}

@test "the man page renders without warnings" {
	run -0 --separate-stderr bash -c \
		'MANWIDTH=80 man --warnings -l "$1" 2>&1 >/dev/null' _ "$PAGE"
	assert_output ""
	run -0 --separate-stderr groff -t -man -Tutf8 -ww -z "$PAGE"
	assert_equal "$stderr" ""
}

@test "every command and alias of help has its entry in COMMANDS, and nothing else has one" {
	run -0 --separate-stderr "$DBG" -R help
	assert_equal "$stderr" ""
	# "  name, alias   help text": the name, and the alias when $1 ends
	# with a comma
	help_names=$(printf '%s\n' "$output" |
		awk '{ n = $1; if (n ~ /,$/) { sub(/,$/, "", n); print $2 }
		       print n }' | sort)
	[ "$(printf '%s\n' "$help_names" | wc -l)" -ge 50 ]
	page_names=$(tags COMMANDS | awk '{ print $1 }' | sort)
	[ -n "$page_names" ]
	missing=$(comm -23 <(printf '%s\n' "$help_names") \
			   <(printf '%s\n' "$page_names" | sort -u))
	extra=$(comm -13 <(printf '%s\n' "$help_names") \
			 <(printf '%s\n' "$page_names" | sort -u))
	dup=$(printf '%s\n' "$page_names" | uniq -d)
	if [[ -n $missing || -n $extra || -n $dup ]]; then
		echo "in help, no entry in the page: ${missing//$'\n'/ }"
		echo "entries in the page, not in help: ${extra//$'\n'/ }"
		echo "entries twice in the page: ${dup//$'\n'/ }"
		return 1
	fi
}

@test "each command's entry shows the usage line that help COMMAND prints" {
	run -0 --separate-stderr "$DBG" -R help
	# an array: "?" must not be taken as a glob
	mapfile -t names < <(printf '%s\n' "$output" |
		awk '{ n = $1; if (n ~ /,$/) { sub(/,$/, "", n); print $2 }
		       print n }')
	[ "${#names[@]}" -ge 50 ]
	text=$(rendered)
	[ -n "$text" ]
	for n in "${names[@]}"; do
		run -0 --separate-stderr "$DBG" -R "help $n"
		assert_equal "$stderr" ""
		# "usage: NAME USAGE" names the command, also for an alias
		usage=$(printf '%s\n' "${lines[0]}" | sed -e 's/^usage: [^ ]*//')
		want="$n$usage"
		found=$(printf '%s\n' "$text" | awk -v w="$want" '
			$0 == w || substr($0, 1, length(w) + 1) == w " " {
				print "yes"; exit }')
		[[ $found == yes ]] || {
			echo "help $n prints 'usage: ${lines[0]#usage: }';"
			echo "the page has no entry '$want'"
			return 1
		}
	done
}

@test "every option of --help has its entry in OPTIONS, and every entry there is in --help" {
	run -0 --separate-stderr "$DBG" --help
	assert_equal "$stderr" ""
	help_opts=$( {
		printf '%s\n' "$output" | grep -oE '^ +-[A-Za-z],' |
			tr -d ' ,'
		printf '%s\n' "$output" | grep -oE -- '--[a-z][a-z-]*'
	} | sort -u)
	[ "$(printf '%s\n' "$help_opts" | wc -l)" -ge 17 ]
	page_opts=$(tags OPTIONS | tr ' ,=' '\n\n\n' | grep -E '^-' | sort -u)
	[ -n "$page_opts" ]
	missing=$(comm -23 <(printf '%s\n' "$help_opts") \
			   <(printf '%s\n' "$page_opts"))
	extra=$(comm -13 <(printf '%s\n' "$help_opts") \
			 <(printf '%s\n' "$page_opts"))
	if [[ -n $missing || -n $extra ]]; then
		echo "in --help, not under OPTIONS: ${missing//$'\n'/ }"
		echo "under OPTIONS, not in --help: ${extra//$'\n'/ }"
		return 1
	fi
}

@test "EXIT STATUS lists 0, 1 and 2, and the tool exits with them" {
	codes=$(tags "EXIT STATUS" | awk '{ print $1 }' | tr '\n' ' ')
	assert_equal "$codes" "0 1 2 "
	# 0: every command succeeded
	run -0 --separate-stderr "$DBG" -R help
	assert_equal "$stderr" ""
	# 1: a command failed, named with where it came from
	run -1 --separate-stderr "$DBG" -R 'nosuchcommand'
	[[ $stderr == *"-R: nosuchcommand: unknown command (try: help)"* ]]
	# 2: a bad command line, the option named
	run -2 --separate-stderr "$DBG" --no-such-option
	[[ $stderr == *"--no-such-option"* ]]
	run -2 --separate-stderr "$DBG" -z "$BATS_TEST_TMPDIR/u" -R help
	[[ $stderr == *"-z needs -w"* ]]
}
