#!/usr/bin/env bash
# bench/txn.sh: durable small transactions of libvexfs against ext4 and
# SQLite, and against the machine's fdatasync floor.
#
# One transaction = create a file + write 4 KiB + commit (durable on
# return).  Measured in the same run:
#   vexfs      bench/txnbench: vx_txn_begin, vx_create, vx_write,
#              vx_txn_commit on a VexFS image file in a directory under
#              BENCH_TMP, 1/2/8/32 threads, all in one shared directory
#              (as the ext4 workload) and each in its own directory
#   ext4-loop  peer-txn.sh: open(O_CREAT|O_EXCL) + write 4 KiB + fsync +
#              close + fsync(dir) on a loop-mounted ext4 image, 1/2/8/32
#              threads in one shared directory
#   SQLite     peer-txn.sh: WAL, synchronous=FULL, BEGIN; INSERT 4 KiB;
#              COMMIT; 1 thread, on the host directory and on ext4-loop
#   floor      peer-txn.sh: 4 KiB pwrite overwrite + fdatasync of a plain
#              file in the host directory (the directory under BENCH_TMP
#              that holds the peer's image: the vexfs image is on the same
#              filesystem)
# The vexfs runs are split around the peer script (warm-up and the first
# half of the runs before it, the rest after), so the drift of a noisy
# machine hits both sides.  Prints the peer table, then one table of
# tx/s and p50/p99 latency (medians over runs), the targets with
# PASS/MISS for each directory mode, and the seed metrics of every vexfs
# configuration.
# Targets: vexfs 1-thread p50 latency <= 1.3x the floor's; vexfs 8
#   threads >= 4x the tx/s of 1 thread; vexfs 8 threads beats ext4-loop 8
#   threads and SQLite (host directory) in tx/s.
#
# Knobs: RUNS (3 counted runs per configuration, after one warm-up),
#   OPS (3000 transactions per run, split over the threads), MAX_RUN_S (10,
#   cap of one run), THREADS ("1 2 8 32"), FLOOR_OPS (1000), DD_MIB (256
#   here), LOOP_DIO, BENCH_MAX_S (300 for the whole script), BENCH_TMP
#   (/tmp).  Own knobs: PEER_BENCH (default TOPDIR/../shared/peer-bench),
#   TXNBENCH (a txnbench binary; default: build bench/txnbench with make),
#   VEXFS_DIRS (directory modes measured, default "shared per-thread":
#   one directory for all threads, as ext4's workload, and one per thread,
#   free of directory lock conflicts), BATCHING (on | off;
#   default: the library's), VEXFS_DENSE=1 (write the whole image before
#   the format, not only the journal).
# Exit status: 0 the measurements ran (targets may be missed: read the
#   PASS/MISS column); 1 a vexfs run failed (crash, timeout, verification);
#   2 setup error (not root, txnbench did not build, peer script failed).
set -u -o pipefail
export LC_ALL=C

TOPDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || exit 2
PEER_BENCH=$(cd "${PEER_BENCH:-$TOPDIR/../shared/peer-bench}" 2>/dev/null && pwd) ||
	{ echo "error: peer-bench directory not found (set PEER_BENCH)" >&2; exit 2; }
{ [ -r "$PEER_BENCH/peer-txn.sh" ] && [ -r "$PEER_BENCH/lib.sh" ]; } ||
	{ echo "error: $PEER_BENCH/peer-txn.sh or lib.sh not found (set PEER_BENCH)" >&2; exit 2; }

export BENCH_MAX_S=${BENCH_MAX_S:-300}
# helpers: note, have_time, time_left, fmt_mmm, nruns (the budget starts here)
# shellcheck source=/dev/null
. "$PEER_BENCH/lib.sh"

export RUNS=${RUNS:-3} OPS=${OPS:-3000} MAX_RUN_S=${MAX_RUN_S:-10}
export THREADS=${THREADS:-1 2 8 32} DD_MIB=${DD_MIB:-256}
VEXFS_DIRS=${VEXFS_DIRS:-shared per-thread}
BATCHING=${BATCHING:-}

fail_setup() { echo "error: $*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || fail_setup "run as root (peer-txn.sh mounts a loop device)"
for m in $VEXFS_DIRS; do
	case $m in shared | per-thread) ;; *) fail_setup "VEXFS_DIRS: '$m' is neither shared nor per-thread" ;; esac
done
case $BATCHING in '' | on | off) ;; *) fail_setup "BATCHING must be on or off" ;; esac

TMPD=$(mktemp -d "${BENCH_TMP:-/tmp}/vexfs-bench-txn.XXXXXX") || fail_setup "mktemp failed"
trap 'rm -rf "$TMPD"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- vexfs: build txnbench (a missing library is reported, not fatal yet)
VEXFS=1
if [ -z "${TXNBENCH:-}" ]; then
	TXNBENCH=$TOPDIR/bench/txnbench
	note "building bench/txnbench"
	if ! make -C "$TOPDIR" --no-print-directory bench/txnbench >"$TMPD/build.log" 2>&1; then
		VEXFS=0
		note "vexfs: txnbench did not build ('make bench/txnbench' failed); last lines:"
		tail -n 5 "$TMPD/build.log" | sed 's/^/#   /' >&2
		note "measuring the peers only"
	fi
fi
[ "$VEXFS" = 0 ] || [ -x "$TXNBENCH" ] || { VEXFS=0; note "vexfs: $TXNBENCH is not executable"; }

VX_ARGS=()
[ -n "$BATCHING" ] && VX_ARGS+=(--batching "$BATCHING")
[ "${VEXFS_DENSE:-0}" = 1 ] && VX_ARGS+=(--dense)

# vexfs_run R MODE TH: one txnbench run; run 0 is the warm-up (not kept).
# Appends "tx_s p50 p99 ops_s mb_s lock_waits error_rate avg_batch" to
# $TMPD/vx-MODE-TH, or a line to $TMPD/vxfail-MODE-TH.
vexfs_run() {
	local r=$1 m=$2 th=$3 out rc mode=()
	[ "$m" = shared ] && mode=(--shared)
	out=$(timeout -k 5 $((MAX_RUN_S + 90)) "$TXNBENCH" --threads "$th" --ops "$OPS" \
		--seconds "$MAX_RUN_S" "${mode[@]}" "${VX_ARGS[@]}" "$TMPD/vexfs.img" 2>"$TMPD/vx.err")
	rc=$?
	rm -f "$TMPD/vexfs.img"
	sed 's/^/# vexfs: /' "$TMPD/vx.err" >&2
	if [ "$rc" != 0 ] || [ -z "$out" ]; then
		note "vexfs run $r, $m directory, $th threads failed (exit $rc)"
		echo "run $r exit $rc" >>"$TMPD/vxfail-$m-$th"
		return 1
	fi
	[ "$r" -gt 0 ] && awk '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print v["tx_s"], v["p50_us"], v["p99_us"], v["ops_s"], v["mb_s"],
		      v["lock_waits"], v["error_rate"], v["avg_batch"]
	}' <<<"$out" >>"$TMPD/vx-$m-$th"
	return 0
}

# vexfs_rounds FROM TO: runs FROM..TO of every configuration, taking turns.
vexfs_rounds() {
	local r m th
	for ((r = $1; r <= $2; r++)); do
		for m in $VEXFS_DIRS; do
			for th in $THREADS; do
				have_time $((MAX_RUN_S + 15)) || { note "time budget: vexfs stopped before run $r"; return; }
				vexfs_run "$r" "$m" "$th"
			done
		done
	done
}

half=$(((RUNS + 1) / 2))
reserve=0
if [ "$VEXFS" = 1 ]; then
	for m in $VEXFS_DIRS; do
		for th in $THREADS; do : >"$TMPD/vx-$m-$th"; : >"$TMPD/vxfail-$m-$th"; done
	done
	t0=$(elapsed_s)
	note "vexfs: warm-up and runs 1..$half (directories: $VEXFS_DIRS; threads: $THREADS)"
	vexfs_rounds 0 "$half"
	# keep time for the second half: what a round took so far
	reserve=$(( ($(elapsed_s) - t0) * (RUNS - half) / (half + 1) + 10 ))
fi

# --- peers
peer_s=$(($(time_left) - reserve))
[ "$peer_s" -ge 60 ] || peer_s=60
note "peer-txn.sh: budget ${peer_s}s"
# stdout (the table) to a file, stderr (progress) shown
BENCH_MAX_S=$peer_s bash "$PEER_BENCH/peer-txn.sh" 2>&1 >"$TMPD/out" | tee "$TMPD/err" >&2
rc=${PIPESTATUS[0]}
cat "$TMPD/out"
[ "$rc" = 0 ] || fail_setup "peer-txn.sh exited with status $rc"

if [ "$VEXFS" = 1 ] && [ "$RUNS" -gt "$half" ]; then
	note "vexfs: runs $((half + 1))..$RUNS"
	vexfs_rounds $((half + 1)) "$RUNS"
fi

# --- the peer rows: workload|layer|threads|runs|tx/s|p50|p99
awk -F '  +' -v OFS='|' '$1 == "workload" { t = 1; next }
	t && NF >= 7 { $1 = $1; print }' "$TMPD/out" >"$TMPD/rows"
[ -s "$TMPD/rows" ] || fail_setup "no result table in the output of peer-txn.sh"

# peer WORKLOAD LAYER THREADS COL: the median (first number) of a peer cell
peer() {
	awk -F '|' -v w="$1" -v l="$2" -v t="$3" -v c="$4" \
		'index($1, w) == 1 && $2 == l && $3 == t { split($c, a, " "); print a[1]; exit }' "$TMPD/rows"
}
# peer_row LABEL WORKLOAD LAYER THREADS: a table row from the peer table
peer_row() {
	awk -F '|' -v OFS='|' -v n="$1" -v w="$2" -v l="$3" -v t="$4" \
		'index($1, w) == 1 && $2 == l && $3 == t { print n, t, $4, $5, $6, $7; exit }' "$TMPD/rows"
}
# vx MODE TH COL: the median of column COL of the vexfs runs ("n/a" if none)
vx() {
	local f=$TMPD/vx-$1-$2
	[ -s "$f" ] || { echo n/a; return; }
	stat3 "$f" "$3" | awk '{ print $1 }'
}

{
	echo "subject|threads|runs|tx/s|p50 latency us|p99 latency us"
	for m in $VEXFS_DIRS; do
		for th in $THREADS; do
			f=$TMPD/vx-$m-$th
			if [ "$VEXFS" = 0 ]; then
				echo "vexfs ($m dir)|$th|-|txnbench did not build|-|-"
				continue
			fi
			fails=$(nruns "$TMPD/vxfail-$m-$th")
			[ "$fails" -gt 0 ] && fails=" +$fails FAILED" || fails=
			echo "vexfs ($m dir)|$th|$(nruns "$f")$fails|$(fmt_mmm "$f" 1 1 0)|$(fmt_mmm "$f" 2 1 0)|$(fmt_mmm "$f" 3 1 0)"
		done
	done
	for th in $THREADS; do
		peer_row "ext4-loop create+fsync" "create+4KiB" ext4-loop "$th"
	done
	peer_row "ext4 host dir create+fsync" "create+4KiB" host 1
	peer_row "SQLite WAL (host dir)" "sqlite WAL" host 1
	peer_row "SQLite WAL (ext4-loop)" "sqlite WAL" ext4-loop 1
	peer_row "fdatasync floor (host dir)" "4KiB overwrite" host 1
} >"$TMPD/table"

# --- targets
floor_p50=$(peer "4KiB overwrite" host 1 6)
ext4_8=$(peer "create+4KiB" ext4-loop 8 5)
sqlite_1=$(peer "sqlite WAL" host 1 5)
# one decimal at most in the labels
r0() { awk -v v="$1" 'BEGIN { print (v == "n/a" || v == "") ? "n/a" : sprintf("%.0f", v) }'; }

# target LABEL VALUE_A VALUE_B OP LIMIT [ERROR_RATE]: "label|a/b|op limit|
# PASS or MISS"; a rate reached while more than 1% of the transactions
# failed (ERROR_RATE, a fraction) does not count.
target() {
	awk -v OFS='|' -v n="$1" -v a="$2" -v b="$3" -v op="$4" -v lim="$5" -v e="${6:-0}" 'BEGIN {
		if (a == "n/a" || b == "n/a" || a == "" || b == "" || b + 0 <= 0) {
			print n, "n/a", op " " lim, "n/a"; exit
		}
		x = a / b
		ok = (op == "<=") ? x <= lim : (op == ">=") ? x >= lim : x > lim
		v = ok ? "PASS" : "MISS"
		if (e != "n/a" && e + 0 > 0.01) v = sprintf("MISS (%.0f%% of transactions failed)", 100 * e)
		print n, sprintf("%.2f", x), op " " lim, v
	}'
}
{
	echo "dirs|target|ratio|wanted|verdict"
	for m in $VEXFS_DIRS; do
		v1_tps=$(vx "$m" 1 1) v1_p50=$(vx "$m" 1 2) v8_tps=$(vx "$m" 8 1) v8_err=$(vx "$m" 8 7)
		{
			target "vexfs 1-thread p50 latency / fdatasync floor p50 ($(r0 "$v1_p50") / $(r0 "$floor_p50") us)" "$v1_p50" "$floor_p50" "<=" 1.3
			target "vexfs 8-thread tx/s / vexfs 1-thread tx/s ($(r0 "$v8_tps") / $(r0 "$v1_tps"))" "$v8_tps" "$v1_tps" ">=" 4 "$v8_err"
			target "vexfs 8-thread tx/s / ext4-loop 8-thread tx/s ($(r0 "$v8_tps") / $(r0 "$ext4_8"))" "$v8_tps" "$ext4_8" ">" 1 "$v8_err"
			target "vexfs 8-thread tx/s / SQLite WAL tx/s, host dir ($(r0 "$v8_tps") / $(r0 "$sqlite_1"))" "$v8_tps" "$sqlite_1" ">" 1 "$v8_err"
		} | sed "s/^/$m|/"
	done
} >"$TMPD/targets"

{
	echo "dirs|threads|tx/s|ops/s (create+write)|MB/s (file data)|p50 us|p99 us|lock waits|error rate|txns per batch"
	for m in $VEXFS_DIRS; do
		for th in $THREADS; do
			echo "$m $th $(vx "$m" "$th" 1) $(vx "$m" "$th" 4) $(vx "$m" "$th" 5) $(vx "$m" "$th" 2)" \
				"$(vx "$m" "$th" 3) $(vx "$m" "$th" 6) $(vx "$m" "$th" 7) $(vx "$m" "$th" 8)"
		done
	done | awk -v OFS='|' '$3 == "n/a" { print $1, $2, "n/a", "-", "-", "-", "-", "-", "-", "-"; next }
		{ print $1, $2, sprintf("%.0f", $3), sprintf("%.0f", $4), sprintf("%.2f", $5),
		  sprintf("%.0f", $6), sprintf("%.0f", $7), sprintf("%.0f", $8),
		  sprintf("%.2f%%", 100 * $9), sprintf("%.1f", $10) }'
} >"$TMPD/seed"

echo
echo "durable small transactions: create + 4 KiB write + commit   (median (min-max) over runs; latency = per-run p50/p99)"
echo "host dir = $(findmnt -n -o SOURCE,FSTYPE,OPTIONS --target "$TMPD"); the vexfs image, the floor file and the host-dir SQLite database are all on it"
column -t -s '|' "$TMPD/table"
echo
echo "targets"
column -t -s '|' "$TMPD/targets"
if [ "$VEXFS" = 1 ]; then
	echo
	echo "vexfs seed metrics   (medians over runs; lock waits per run; error rate = failed / tried transactions)"
	column -t -s '|' "$TMPD/seed"
else
	echo
	echo "vexfs: txnbench did not build (see 'make bench/txnbench'); only the peers were measured"
	exit 2
fi
for m in $VEXFS_DIRS; do
	for th in $THREADS; do
		[ -s "$TMPD/vxfail-$m-$th" ] && exit 1
	done
done
exit 0
