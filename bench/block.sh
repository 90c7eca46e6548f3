#!/usr/bin/env bash
# bench/block.sh: jemu-img bench against qemu-img bench with the same arguments, run back to
# back on this machine, one row per case: 4 KiB requests on the scattered walk -S 428969984 over
# a 1 GiB image, queue depth 1 and 64, read and write, raw and qcow2, cache=none and writeback.
# Each case runs qemu-img with -i io_uring and -i threads and jemu-img on its io_uring engine
# and on the worker pool, interleaved, JEMU_BENCH_RUNS times (default 3); the row shows the
# median ops/s of each and the ratios jemu io_uring / qemu io_uring and jemu io_uring / qemu
# threads (targets: >= 1.0 both). Both tools get the same -i: jemu-img bench passes it on to the
# file driver's aio= option (io_uring: file I/O on the AioContext's ring; threads: file I/O on
# the AioContext's worker pool).
# Then times `convert` of a 1 GiB half-allocated qcow2 to raw with both tools, interleaved,
# JEMU_BENCH_RUNS times, each onto a fresh output (the previous one removed and synced first);
# it prints the median wall time and the process CPU time (user + system) of the median run.
#
# Usage: bench/block.sh [WORKDIR]   (default: a temporary directory on the current file system;
# cache=none needs a file system with O_DIRECT, so not tmpfs). JEMU_BENCH_COUNT overrides the
# request count (default 20000 at depth 1, 75000 at depth 64). JEMU_BENCH_ROWS picks rows:
# comma-separated shell patterns matched against "FORMAT CACHE OP QD" and "convert", e.g.
# 'qcow2 none read *,convert' (default: every row).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-$(mktemp -d "$root/.bench-block.XXXXXX")}
mkdir -p "$work"
trap '[ -z "${1:-}" ] && rm -rf "$work"' EXIT
jemu_img="$root/bin/jemu-img"
step=428969984
runs=${JEMU_BENCH_RUNS:-3}

rows=${JEMU_BENCH_ROWS:-*}

# wanted ROW: whether ROW ("raw none read 1", "convert") matches JEMU_BENCH_ROWS.
wanted() {
  local pattern
  IFS=, read -ra patterns <<<"$rows"
  for pattern in "${patterns[@]}"; do
    # shellcheck disable=SC2053 # the pattern is meant to glob
    [[ "$1" == $pattern ]] && return 0
  done
  return 1
}

seconds() { sed -n 's/^Run completed in \([0-9.]*\) seconds\.$/\1/p'; }

# make_image FMT NAME FILL: a 1 GiB image, fully written when FILL is 1 (for read rows).
make_image() {
  local fmt=$1 img=$2 fill=$3
  rm -f "$img"
  qemu-img create -q -f "$fmt" "$img" 1G
  if [ "$fill" = 1 ]; then
    qemu-io -f "$fmt" -c "write -P 0x5a 0 1G" "$img" >/dev/null
  fi
}

# one TOOL IMG ARGS...: seconds of one bench run; read rows share IMG, write rows get a fresh one.
one() {
  local tool=$1 img=$2; shift 2
  if [ "$op" = write ]; then make_image "$fmt" "$img" 0; fi
  case $tool in
    qemu-io_uring) qemu-img bench -i io_uring "$@" "$img" | seconds ;;
    qemu-threads) qemu-img bench -i threads "$@" "$img" | seconds ;;
    jemu-io_uring) "$jemu_img" bench -i io_uring "$@" "$img" | seconds ;;
    jemu-threads) "$jemu_img" bench -i threads "$@" "$img" | seconds ;;
  esac
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

tools=(qemu-io_uring qemu-threads jemu-io_uring jemu-threads)
printf '%-6s %-10s %-5s %3s %12s %12s %12s %12s %8s %8s\n' format cache op qd \
  "qemu uring" "qemu thr" "jemu uring" "jemu thr" "j/q-ur" "j/q-thr"
# wanted_format FMT: whether any row of FMT is wanted.
wanted_format() {
  local cache op qd
  for cache in none writeback; do
    for op in read write; do
      for qd in 1 64; do
        wanted "$1 $cache $op $qd" && return 0
      done
    done
  done
  return 1
}

for fmt in raw qcow2; do
  wanted_format "$fmt" || continue
  make_image "$fmt" "$work/read.$fmt" 1
  for cache in none writeback; do
    for op in read write; do
      for qd in 1 64; do
        wanted "$fmt $cache $op $qd" || continue
        count=${JEMU_BENCH_COUNT:-$([ "$qd" = 1 ] && echo 20000 || echo 75000)}
        wflag=""; [ "$op" = write ] && wflag="-w"
        img="$work/read.$fmt"; [ "$op" = write ] && img="$work/write.$fmt"
        args=(-f "$fmt" -t "$cache" -c "$count" -d "$qd" -s 4096 -S "$step" $wflag)
        declare -A times=()
        for ((r = 0; r < runs; r++)); do
          for tool in "${tools[@]}"; do
            times[$tool]="${times[$tool]:-} $(one "$tool" "$img" "${args[@]}")"
          done
        done
        ops=()
        for tool in "${tools[@]}"; do
          ops+=("$(echo "${times[$tool]}" | median | awk -v n="$count" '{ printf "%.0f", n / $1 }')")
        done
        unset times
        awk -v f="$fmt" -v c="$cache" -v o="$op" -v d="$qd" -v qu="${ops[0]}" -v qt="${ops[1]}" \
          -v ju="${ops[2]}" -v jt="${ops[3]}" 'BEGIN { printf "%-6s %-10s %-5s %3d %12d %12d %12d %12d %8.2f %8.2f\n", f, c, o, d, qu, qt, ju, jt, ju / qu, ju / qt }'
      done
    done
  done
  rm -f "$work/read.$fmt" "$work/write.$fmt"
done

# convert: 1 GiB qcow2 with every other MiB allocated (half of it), to raw.
wanted convert || exit 0
src="$work/half.qcow2"
rm -f "$src"
qemu-img create -q -f qcow2 "$src" 1G
cmds=()
for ((off = 0; off < 1024; off += 2)); do cmds+=(-c "write -P 0x33 ${off}M 1M"); done
qemu-io -f qcow2 "${cmds[@]}" "$src" >/dev/null

# timed OUT CMD...: "WALL CPU" seconds of one run of CMD writing OUT (removed and synced before).
timed() {
  local out=$1; shift
  rm -f "$out"; sync
  /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" || { echo "convert failed: $*" >&2; exit 1; }
  awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$work/time"
}

declare -a qrun=() jrun=()
for ((r = 0; r < runs; r++)); do
  qrun+=("$(timed "$work/q.raw" qemu-img convert -O raw "$src" "$work/q.raw")")
  jrun+=("$(timed "$work/j.raw" "$jemu_img" convert -O raw "$src" "$work/j.raw")")
done
cmp -s "$work/q.raw" "$work/j.raw" || { echo "convert: outputs differ" >&2; exit 1; }
# median_run RUN...: the "WALL CPU" pair with the median wall time.
median_run() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }
read -r qw qc <<<"$(median_run "${qrun[@]}")"
read -r jw jc <<<"$(median_run "${jrun[@]}")"
awk -v qw="$qw" -v qc="$qc" -v jw="$jw" -v jc="$jc" 'BEGIN { printf "convert 1 GiB half-allocated qcow2 -> raw: qemu %.2f s (CPU %.2f s), jemu %.2f s (CPU %.2f s, JVM start-up included), ratio %.2f\n", qw, qc, jw, jc, qw / jw }'
