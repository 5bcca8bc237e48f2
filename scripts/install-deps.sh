#!/usr/bin/env bash
# install-deps.sh: install the Debian packages that building and testing
# vexfs-progs need, but only those that are missing.
#
# `make deps` runs this, and `make check` and `make demo` depend on it.
# When everything is installed it prints nothing and exits 0 at once (one
# dpkg-query call, no apt).  Otherwise it names the missing packages, runs
# `apt-get update` once and installs them without recommends.  Not root and
# something is missing: it says what to run and exits 1.
#
# Environment: VEXFS_SKIP_DEPS=1 skips the check (non-Debian hosts that
# provide the same tools and libraries some other way).
set -euo pipefail

# Build: compiler, make, libraries (design brief section 5).  Tests: cmocka,
# bats and its helpers, clang's libFuzzer/sanitizer runtimes, e2fsprogs and
# util-linux (peers, losetup, blkid), python3 (test trees), file,
# binutils (readelf, nm), groff-base (man pages render cleanly); time and
# bsdextrautils (column) for bench/ and the peer benchmarks.
PACKAGES=(
	build-essential pkg-config binutils
	libpopt-dev libblkid-dev uuid-dev libisal-dev liburcu-dev
	libjson-c-dev libedit-dev libcmocka-dev
	bats bats-support bats-assert
	clang libclang-rt-14-dev
	e2fsprogs util-linux time python3 file groff-base bsdextrautils
)

if [[ ${VEXFS_SKIP_DEPS:-} == 1 ]]; then
	exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps: dpkg-query not found: this is not a Debian system." >&2
	echo "install-deps: provide these (or equivalents) yourself, then run" \
	     "with VEXFS_SKIP_DEPS=1:" >&2
	echo "  ${PACKAGES[*]}" >&2
	exit 1
fi

# One dpkg-query for all packages.  Unknown packages make it print to
# stderr and exit 1; they are simply absent from the "installed" set.
declare -A installed=()
while read -r pkg status; do
	# ${Status} is "want flag state"; installed means state "installed".
	if [[ $status == *" installed" ]]; then
		installed[$pkg]=1
	fi
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" \
	 2>/dev/null || true)

missing=()
for pkg in "${PACKAGES[@]}"; do
	[[ -n ${installed[$pkg]:-} ]] || missing+=("$pkg")
done

if (( ${#missing[@]} == 0 )); then
	exit 0
fi

if (( EUID != 0 )); then
	echo "install-deps: missing Debian packages: ${missing[*]}" >&2
	echo "install-deps: install them as root, e.g.:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y" \
	     "--no-install-recommends ${missing[*]}" >&2
	echo "install-deps: (or run 'sudo make deps')" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
