#!/usr/bin/env bash
# bench/startup.sh [RUNS]: start-up time of the tools beside QEMU's, median of RUNS (default 11)
# runs of each, interleaved, wall clock from fork to exit:
#   - a bare 'java -version' of the JDK the launchers use (the floor for any JVM tool);
#   - 'jemu-img --version' and 'qemu-img --version';
#   - 'jemu-img info' and 'qemu-img info' of a small qcow2 image (64 MiB, empty);
#   - jemu and qemu-system-x86_64 to the first guest instruction: a 64 KiB firmware image
#     whose first instruction, at the reset vector, writes to isa-debug-exit, so the emulator
#     exits (status 1) as soon as it has executed one guest instruction.
# jemu's rows run with its ahead-of-time cache (trained first, outside the timings) and again
# with JEMU_AOT=off. Prints one line per figure, and the load average before and after.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${1:-${STARTUP_RUNS:-11}}
source "$ROOT/bin/jemu-env"
command -v qemu-img >/dev/null || { echo "bench/startup.sh: qemu-img not found (Debian package qemu-utils)" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "bench/startup.sh: qemu-system-x86_64 not found (Debian package qemu-system-x86)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jemu_ensure_built cli/target/jemu-cli.jar coroutine emulator-core block devices picocli cli
jemu_aot_train jemu-img
jemu_aot_train jemu
qemu-img create -q -f qcow2 "$work/small.qcow2" 64M
jemu_tiny_bios "$work/bios.bin"
VM=(-machine pc -m 16M -nodefaults -display none -bios "$work/bios.bin" -device isa-debug-exit,iobase=0xf4,iosize=0x04)

# once EXPECTED_STATUS COMMAND...: prints "WALL CPU" of one run in seconds (CPU: user + system
# time of the process and its children, which load on the machine inflates less than WALL).
once() {
  local expected=$1 status=0 TIMEFORMAT='%R %U %S'
  shift
  { time "$@" >/dev/null 2>"$work/err" </dev/null || status=$?; } 2>"$work/time"
  if [ "$status" -ne "$expected" ]; then
    echo "bench/startup.sh: '$*' exited with status $status (expected $expected): $(head -1 "$work/err")" >&2
    exit 1
  fi
  awk '{ printf "%.3f:%.3f\n", $1, $2 + $3 }' "$work/time"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

names=(java qimg-v jimg-v jimg-v-noaot qimg-info jimg-info jimg-info-noaot qvm jvm jvm-noaot)
declare -A t=()
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = 0; i < RUNS; i++)); do
  t[java]+=" $(once 0 "$JEMU_JAVA" -version)"
  t[qimg-v]+=" $(once 0 qemu-img --version)"
  t[jimg-v]+=" $(once 0 "$ROOT/bin/jemu-img" --version)"
  t[jimg-v-noaot]+=" $(JEMU_AOT=off once 0 "$ROOT/bin/jemu-img" --version)"
  t[qimg-info]+=" $(once 0 qemu-img info "$work/small.qcow2")"
  t[jimg-info]+=" $(once 0 "$ROOT/bin/jemu-img" info "$work/small.qcow2")"
  t[jimg-info-noaot]+=" $(JEMU_AOT=off once 0 "$ROOT/bin/jemu-img" info "$work/small.qcow2")"
  t[qvm]+=" $(once 1 qemu-system-x86_64 "${VM[@]}")"
  t[jvm]+=" $(once 1 "$ROOT/bin/jemu" "${VM[@]}")"
  t[jvm-noaot]+=" $(JEMU_AOT=off once 1 "$ROOT/bin/jemu" "${VM[@]}")"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A m=() c=()
for n in "${names[@]}"; do
  m[$n]=$(echo "${t[$n]}" | tr ' ' '\n' | grep . | cut -d: -f1 | median)
  c[$n]=$(echo "${t[$n]}" | tr ' ' '\n' | grep . | cut -d: -f2 | median)
done
row() { # row LABEL QEMU JEMU JEMU_NOAOT
  printf '%-36s qemu %6.3f s (cpu %5.3f)  jemu %6.3f s (cpu %5.3f)  no AOT cache %6.3f s (cpu %5.3f)  jemu/java -version %5.1f x\n' \
    "$1" "${m[$2]}" "${c[$2]}" "${m[$3]}" "${c[$3]}" "${m[$4]}" "${c[$4]}" "$(awk -v j="${m[$3]}" -v b="${m[java]}" 'BEGIN { print j / b }')"
}
echo "startup: median of $RUNS runs, wall clock from fork to exit (cpu: user + system)"
printf '%-36s %6.3f s (cpu %5.3f)\n' "java -version (bare JVM)" "${m[java]}" "${c[java]}"
row "jemu-img --version" qimg-v jimg-v jimg-v-noaot
row "jemu-img info small.qcow2" qimg-info jimg-info jimg-info-noaot
row "emulator to first guest instruction" qvm jvm jvm-noaot
