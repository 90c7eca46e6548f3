#!/usr/bin/env bash
# bench/coroutine.sh: jemu's coroutine figures beside QEMU 7.2's own test-coroutine perf tests,
# in one run on this machine.
#
# QEMU's test program is built from Debian's qemu source package (apt-get source; nothing of it
# is kept in this repository) into $JEMU_QEMU_BUILD (default ~/.cache/jemu/qemu-7.2), once; the
# first run takes a few minutes and, as root, installs the build dependencies.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_root=${JEMU_QEMU_BUILD:-$HOME/.cache/jemu/qemu-7.2}
test_coroutine=$build_root/qemu/build/tests/unit/test-coroutine

build_qemu_test() {
  echo "bench: building QEMU's test-coroutine in $build_root (once) ..." >&2
  mkdir -p "$build_root"
  local list=/etc/apt/sources.list.d/jemu-deb-src.sources
  if [ ! -f "$list" ]; then
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > "$list"
  fi
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q ninja-build meson pkg-config libglib2.0-dev \
    libpixman-1-dev zlib1g-dev python3-venv >/dev/null
  (cd "$build_root" && apt-get source -q --download-only qemu >/dev/null && rm -rf qemu \
    && dpkg-source -x qemu_*.dsc qemu >/dev/null)
  (cd "$build_root/qemu" && ./configure --disable-system --disable-user --enable-tools --disable-docs \
    --disable-werror >/dev/null && cd build && ninja tests/unit/test-coroutine >/dev/null)
}

[ -x "$test_coroutine" ] || build_qemu_test

echo "== jemu (bin/jemu-bench coroutine)"
"$root/bin/jemu-bench" coroutine "$@"

echo "== QEMU $(cd "$build_root/qemu" && cat VERSION) (tests/unit/test-coroutine -m perf)"
# Each perf test prints how many iterations took how long; print them as ns per operation under
# jemu's names (nesting: per chain of 1000, as jemu counts it).
for t in /perf/yield /perf/lifecycle /perf/cost /perf/nesting /perf/function-call; do
  "$test_coroutine" -m perf -p "$t" --verbose 2>&1 | awk '
    /^# Yield [0-9]+ iterations: /         { printf "yield-enter %.1f ns/op\n", $5 * 1e9 / $3 }
    /^# Lifecycle [0-9]+ iterations: /     { printf "lifecycle %.1f ns/op\n", $5 * 1e9 / $3 }
    /^# Run operation [0-9]+ iterations /  { printf "cost %.1f ns/op\n", $6 * 1e9 / $4 }
    /^# Nesting [0-9]+ iterations of /     { printf "nesting %.1f ns/op\n", $9 * 1e9 / $3 }
    /^# Function call [0-9]+ iterations: / { printf "function-call %.1f ns/op\n", $6 * 1e9 / $4 }'
done
