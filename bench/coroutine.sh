#!/usr/bin/env bash
# bench/coroutine.sh [jemu-bench options]: jemu's coroutine figures beside QEMU 7.2's own
# test-coroutine perf tests (coroutine-ucontext backend, pool enabled), in one run, one table.
#
# QEMU's test program is built from Debian's qemu source package (apt-get source at bench time;
# nothing of it is kept in this repository) into $JEMU_QEMU_BUILD (default
# ~/.cache/jemu/qemu-7.2-coroutine), once. Only what the perf cases link is compiled: QEMU's
# configure with every feature off, then the 56 objects of its utility library that they link plus the
# coroutine core and the test itself; a few-line link shim of this script's own stands in for the
# AioContext and QOM entry points that the perf cases never reach. The first run takes a minute
# or two on a quiet machine and, as root, installs the build tools it lacks; later runs reuse it.
# JEMU_QEMU_SKIP=1 prints jemu's figures only; JEMU_QEMU_NESTING=1 adds QEMU's slow nesting case.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_root=${JEMU_QEMU_BUILD:-$HOME/.cache/jemu/qemu-7.2-coroutine}
test_coroutine=$build_root/test-coroutine

# The objects of QEMU 7.2's libqemuutil that the coroutine core and the test link, transitively
# (the members a link against the whole library takes).
util_objects=(
  meson-generated_.._qapi_qapi-builtin-types meson-generated_.._qapi_qapi-builtin-visit
  meson-generated_.._qapi_qapi-types-misc meson-generated_.._qapi_qapi-visit-misc
  meson-generated_.._trace_trace-qapi meson-generated_.._trace_trace-root
  meson-generated_.._trace_trace-util qapi_qapi-dealloc-visitor qapi_qapi-util qapi_qapi-visit-core
  qapi_qobject-input-visitor qobject_block-qdict qobject_json-lexer qobject_json-parser
  qobject_json-streamer qobject_json-writer qobject_qbool qobject_qdict qobject_qjson qobject_qlist
  qobject_qnull qobject_qnum qobject_qobject qobject_qstring stubs_error-printf stubs_fdset
  stubs_iothread-lock stubs_is-daemonized stubs_monitor-core stubs_trace-control trace_control
  util_bitops util_cutils util_error util_error-report util_id util_keyval util_log util_memalign
  util_mmap-alloc util_module util_notify util_osdep util_oslib-posix util_qdist util_qemu-config
  util_qemu-option util_qemu-print util_qemu-thread-posix util_qemu-timer-common util_qht util_qsp
  util_rcu util_thread-context util_unicode
)

need_tools() {
  local missing=() tool
  for tool in meson ninja cc pkg-config dpkg-source; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  pkg-config --exists glib-2.0 2>/dev/null || missing+=(glib-2.0)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "bench: building QEMU's test-coroutine needs: ${missing[*]} (Debian: meson ninja-build gcc pkg-config" \
      "dpkg-dev libglib2.0-dev); install them or run once as root" >&2
    exit 1
  fi
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q meson ninja-build gcc pkg-config dpkg-dev libglib2.0-dev >/dev/null
}

fetch_source() {
  if ! ls "$build_root"/qemu_*.dsc >/dev/null 2>&1; then
    local list=/etc/apt/sources.list.d/jemu-deb-src.sources
    if [ ! -f "$list" ] && [ "$(id -u)" -eq 0 ] && ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/; then
      printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb-src\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' >"$list"
      apt-get update -q >/dev/null
    fi
    (cd "$build_root" && apt-get source -q --download-only qemu >/dev/null) || {
      echo "bench: apt-get source qemu failed (no deb-src entry for Debian's qemu?)" >&2
      exit 1
    }
  fi
  rm -rf "$build_root/qemu"
  (cd "$build_root" && dpkg-source -x qemu_*.dsc qemu >"$build_root/dpkg-source.log" 2>&1) || {
    echo "bench: dpkg-source -x failed; see $build_root/dpkg-source.log" >&2
    exit 1
  }
}

build_qemu_test() {
  echo "bench: building QEMU's test-coroutine in $build_root (once) ..." >&2
  mkdir -p "$build_root"
  need_tools
  echo "bench:   source ..." >&2
  fetch_source
  local src=$build_root/qemu obj=$build_root/obj
  echo "bench:   configure ..." >&2
  (cd "$src" && ./configure --without-default-features --disable-system --disable-user --disable-tools \
    --disable-docs --disable-werror --with-coroutine=ucontext --target-list= >"$build_root/configure.log" 2>&1) || {
    echo "bench: QEMU's configure failed; see $build_root/configure.log" >&2
    exit 1
  }
  echo "bench:   ${#util_objects[@]} library objects ..." >&2
  local targets=() o
  for o in "${util_objects[@]}"; do
    targets+=("libqemuutil.a.p/$o.c.o")
  done
  (cd "$src/build" && ninja "${targets[@]}" >"$build_root/ninja.log" 2>&1) || {
    echo "bench: compiling QEMU's objects failed; see $build_root/ninja.log" >&2
    exit 1
  }
  # The test and the coroutine core, compiled with the flags meson gives the utility library.
  local flags
  flags=$(cd "$src/build" && ninja -t commands libqemuutil.a.p/util_qemu-thread-posix.c.o | tail -1 \
    | sed -e 's/^[^ ]* //' -e 's/ -MD .*//')
  rm -rf "$obj" && mkdir -p "$obj"
  echo "bench:   test-coroutine ..." >&2
  local f
  for f in tests/unit/test-coroutine util/qemu-coroutine util/qemu-coroutine-lock util/coroutine-ucontext; do
    (cd "$src/build" && cc $flags -c "../$f.c" -o "$obj/$(basename "$f").o")
  done
  cat >"$obj/shim.c" <<'EOF'
/* Written for jemu's bench/coroutine.sh, not part of QEMU. The perf cases run without an
 * AioContext or QOM: waking a coroutine enters it at once, and the QOM functions that parts of
 * the utility library refer to are never reached. */
#include <stdlib.h>
typedef struct Coroutine Coroutine;
void qemu_coroutine_enter(Coroutine *co);
void aio_co_wake(Coroutine *co) { qemu_coroutine_enter(co); }
void *qemu_get_current_aio_context(void) { return NULL; }
void object_dynamic_cast_assert(void) { abort(); }
void object_class_dynamic_cast_assert(void) { abort(); }
void object_class_property_add(void) { abort(); }
void object_get_canonical_path_component(void) { abort(); }
void type_register_static(void) { abort(); }
EOF
  cc -O2 -c "$obj/shim.c" -o "$obj/shim.o"
  rm -f "$obj/util.a"
  (cd "$src/build/libqemuutil.a.p" && ar rcs "$obj/util.a" "${targets[@]#libqemuutil.a.p/}")
  # shellcheck disable=SC2046 # pkg-config prints several words
  cc -o "$test_coroutine.new" "$obj"/*.o "$obj/util.a" $(pkg-config --libs glib-2.0) -pthread -lm
  cat "$src/VERSION" >"$build_root/VERSION"
  mv "$test_coroutine.new" "$test_coroutine"
  rm -rf "$src" "$obj"
}

# QEMU's perf cases, as "name ns/op" lines under jemu's names (nesting: per chain of 1000; it
# runs 10,000 chains, over three minutes on a quiet machine, so only with JEMU_QEMU_NESTING=1).
qemu_figures() {
  local t cases=(/perf/yield /perf/lifecycle /perf/cost /perf/function-call)
  [ "${JEMU_QEMU_NESTING:-0}" = 1 ] && cases+=(/perf/nesting)
  for t in "${cases[@]}"; do
    echo "bench: QEMU $t ..." >&2
    "$test_coroutine" -m perf -p "$t" --verbose 2>&1 | awk '
      /^# Yield [0-9]+ iterations: /         { printf "yield-enter %.1f\n", $5 * 1e9 / $3 }
      /^# Lifecycle [0-9]+ iterations: /     { printf "lifecycle %.1f\n", $5 * 1e9 / $3 }
      /^# Run operation [0-9]+ iterations /  { printf "cost %.1f\n", $6 * 1e9 / $4 }
      /^# Nesting [0-9]+ iterations of /     { printf "nesting %.1f\n", $9 * 1e9 / $3 }
      /^# Function call [0-9]+ iterations: / { printf "function-call %.1f\n", $6 * 1e9 / $4 }'
  done
}

if [ "${JEMU_QEMU_SKIP:-0}" != 1 ] && [ ! -x "$test_coroutine" ]; then
  build_qemu_test
fi

echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
jemu_out=$("$root/bin/jemu-bench" coroutine "$@")
qemu_out=""
if [ "${JEMU_QEMU_SKIP:-0}" != 1 ]; then
  qemu_out=$(qemu_figures)
fi
echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

qemu_version=$(cat "$build_root/VERSION" 2>/dev/null || echo "7.2")
printf '%-22s %14s %14s\n' figure jemu "QEMU $qemu_version"
while read -r name value unit; do
  case $name in
    *.alloc) printf '%-22s %14s %14s\n' "$name" "$value $unit" "" ;;
    *) q=$(awk -v n="$name" '$1 == n { print $2 " ns/op" }' <<<"$qemu_out")
       printf '%-22s %14s %14s\n' "$name" "$value $unit" "${q:--}" ;;
  esac
done <<<"$jemu_out"
