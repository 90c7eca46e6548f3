#!/usr/bin/env bash
# bench/cpu.sh [ROUNDS]: guest instructions per second of the CPU benchmark guest
# (images/cpubench) under QEMU TCG and under bin/jemu on both of its CPU tiers (translating,
# the default, and -accel tcg,tier=interp), measured in the same run.
#
# The guest counts its own instructions by construction and prints them; the rate is that
# count divided by the wall time of the run minus the start-up time, which is measured by
# booting the same guest built with ROUNDS=0 (the best of three runs). Prints one line per
# emulator:  cpu <emulator>: <rate> M guest instructions/s (<count> instructions in <s> s, ...)
# and for jemu what its translating tier did (blocks translated, time spent, class bytes,
# chained entries, metaspace).
#
# Then the same for the compiled-C guest (images/cbench: a quicksort and an LZ77 round trip,
# gcc -m32 -ffreestanding, CROUNDS rounds, default 100), which cannot count its own
# instructions: the count is jemu's (-Djemu.stats) for the full kernel minus the empty one,
# and the same program runs the same instructions under QEMU. Its checksum must be QEMU's.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${1:-500}
TIMEOUT=${JEMU_BENCH_TIMEOUT:-600}
EXIT_PASS=85
ARGS=(-machine pc -m 64M -display none -serial stdio -no-reboot
      -device isa-debug-exit,iobase=0xf4,iosize=0x04)

# The guest's serial console is jemu's standard output: keep the JVM's own messages off it.
export JEMU_JAVA_OPTS="-Xlog:disable -Xlog:all=warning:stderr -Djemu.stats=true ${JEMU_JAVA_OPTS:-}"

case $ROUNDS in
  ''|*[!0-9]*|0) echo "bench/cpu.sh: ROUNDS must be a positive integer, got '$ROUNDS'" >&2; exit 2 ;;
esac
command -v nasm >/dev/null || { echo "bench/cpu.sh: nasm not found (Debian package nasm)" >&2; exit 1; }
command -v gcc >/dev/null || { echo "bench/cpu.sh: gcc not found (Debian packages gcc, binutils)" >&2; exit 1; }
CROUNDS=${CROUNDS:-100}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
nasm -f bin -I "$ROOT/images/lib/" -DROUNDS="$ROUNDS" -o "$work/cpubench.bin" "$ROOT/images/cpubench/cpubench.asm"
nasm -f bin -I "$ROOT/images/lib/" -DROUNDS=0 -o "$work/empty.bin" "$ROOT/images/cpubench/cpubench.asm"
make -s -C "$ROOT/images" OUT="$work" CROUNDS="$CROUNDS" "$work/cbench.bin" "$work/cbench-empty.bin" >/dev/null

# run EMULATOR KERNEL [OPTION...]: prints "<nanoseconds> <serial line>"; fails unless the guest
# exits cleanly. Its standard error stays in $work/stderr.
run() {
  local emulator=$1 kernel=$2 start end status=0 out
  shift 2
  start=$(date +%s%N)
  out=$(timeout --kill-after=5 "$TIMEOUT" "$emulator" "$@" "${ARGS[@]}" -kernel "$kernel" </dev/null 2>"$work/stderr") || status=$?
  end=$(date +%s%N)
  if [ "$status" -ne "$EXIT_PASS" ]; then
    echo "bench/cpu.sh: $emulator -kernel $(basename "$kernel"): exit status $status: $(head -n1 "$work/stderr")" >&2
    return 1
  fi
  echo "$((end - start)) $out"
}

# best EMULATOR KERNEL [OPTION...]: the fastest of three runs.
best() {
  local best_ns= best_line= line ns
  for _ in 1 2 3; do
    line=$(run "$@") || return 1
    ns=${line%% *}
    if [ -z "$best_ns" ] || [ "$ns" -lt "$best_ns" ]; then best_ns=$ns; best_line=$line; fi
  done
  echo "$best_line"
}

reference=
# measure NAME EMULATOR [OPTION...]
measure() {
  local name=$1 emulator=$2 empty full startup_ns run_ns insns checksum
  shift 2
  empty=$(best "$emulator" "$work/empty.bin" "$@") || return 1
  full=$(run "$emulator" "$work/cpubench.bin" "$@") || return 1
  startup_ns=${empty%% *}
  run_ns=$(( ${full%% *} - startup_ns ))
  insns=$(sed -n 's/.* insns=\([0-9]*\) .*/\1/p' <<<"$full")
  checksum=${full##*checksum=}
  if [ -z "$insns" ] || [ "$run_ns" -le 0 ]; then
    echo "bench/cpu.sh: $name: unexpected output: ${full#* }" >&2
    return 1
  fi
  if [ -n "$reference" ] && [ "$checksum" != "$reference" ]; then
    echo "bench/cpu.sh: $name: checksum $checksum differs from QEMU's $reference: the guest computed something else" >&2
    return 1
  fi
  reference=$checksum
  awk -v n="$name" -v i="$insns" -v r="$run_ns" -v s="$startup_ns" 'BEGIN {
    printf "cpu %s: %.1f M guest instructions/s (%d instructions in %.3f s, start-up %.3f s)\n",
           n, i / r * 1000, i, r / 1e9, s / 1e9 }'
  sed -n 's/^jemu: \([0-9]* translations.*\)/cpu '"$name"': \1/p' "$work/stderr"
}

# jemu's instruction count in the last run ($work/stderr), or nothing.
jemu_count() {
  sed -n 's/^jemu: \([0-9]*\) guest instructions$/\1/p' "$work/stderr"
}

# measure_c NAME EMULATOR [OPTION...]: the compiled-C guest; prints
# "<run ns> <start-up ns> <checksum> <instructions counted by jemu, or ->".
measure_c() {
  local name=$1 emulator=$2 empty full empty_count full_count
  shift 2
  empty=$(best "$emulator" "$work/cbench-empty.bin" "$@") || return 1
  empty_count=$(jemu_count)
  full=$(run "$emulator" "$work/cbench.bin" "$@") || return 1
  full_count=$(jemu_count)
  case $full in
    *"cbench rounds=$CROUNDS checksum="*) ;;
    *) echo "bench/cpu.sh: $name: cbench: unexpected output: ${full#* }" >&2; return 1 ;;
  esac
  sed -n 's/^jemu: \([0-9]* translations.*\)/cpu '"$name"' cbench: \1/p' "$work/stderr" >"$work/$name.cstats"
  if [ "${full%% *}" -le "${empty%% *}" ]; then
    echo "bench/cpu.sh: $name: cbench ran no longer than its start-up: raise CROUNDS" >&2
    return 1
  fi
  echo "$(( ${full%% *} - ${empty%% *} )) ${empty%% *} ${full##*checksum=} $([ -n "$full_count" ] && echo $((full_count - empty_count)) || echo -)"
}

# report_c NAME RESULT INSTRUCTIONS
report_c() {
  local name=$1 run_ns start_ns checksum
  read -r run_ns start_ns checksum _ <<<"$2"
  awk -v n="$name" -v i="$3" -v r="$run_ns" -v s="$start_ns" -v c="$checksum" 'BEGIN {
    printf "cpu %s cbench: %.1f M guest instructions/s (%d instructions in %.3f s, start-up %.3f s, checksum %s)\n",
           n, i / r * 1000, i, r / 1e9, s / 1e9, c }'
  cat "$work/$name.cstats"
}

if [ ! -x "$ROOT/bin/jemu" ]; then
  echo "cpu jemu: bin/jemu not found" >&2
  exit 1
fi
measure qemu-tcg qemu-system-x86_64
measure jemu-translate "$ROOT/bin/jemu" -accel tcg,tier=translate
measure jemu-interp "$ROOT/bin/jemu" -accel tcg,tier=interp

c_qemu=$(measure_c qemu-tcg qemu-system-x86_64)
c_translate=$(measure_c jemu-translate "$ROOT/bin/jemu" -accel tcg,tier=translate)
c_interp=$(measure_c jemu-interp "$ROOT/bin/jemu" -accel tcg,tier=interp)
count=$(cut -d' ' -f4 <<<"$c_translate")
for result in "$c_translate" "$c_interp"; do
  if [ "$(cut -d' ' -f3 <<<"$result")" != "$(cut -d' ' -f3 <<<"$c_qemu")" ]; then
    echo "bench/cpu.sh: cbench: jemu's checksum $(cut -d' ' -f3 <<<"$result") differs from QEMU's $(cut -d' ' -f3 <<<"$c_qemu")" >&2
    exit 1
  fi
done
report_c qemu-tcg "$c_qemu" "$count"
report_c jemu-translate "$c_translate" "$count"
report_c jemu-interp "$c_interp" "$count"
