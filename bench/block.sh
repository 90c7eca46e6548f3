#!/usr/bin/env bash
# bench/block.sh: jemu-img bench against qemu-img bench with the same arguments, run back to
# back on this machine, one row per case: 4 KiB requests on the scattered walk -S 428969984 over
# a 1 GiB image, queue depth 1 and 64, read and write, raw and qcow2, cache=none and writeback,
# aio=threads. Prints ops/s of both and the ratio jemu/qemu (target: >= 1.0). Then times
# `convert` of a 1 GiB half-allocated qcow2 to raw with both tools.
#
# Usage: bench/block.sh [WORKDIR]   (default: a temporary directory on the current file system;
# cache=none needs a file system with O_DIRECT, so not tmpfs). JEMU_BENCH_COUNT overrides the
# request count (default 20000 at depth 1, 75000 at depth 64).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-$(mktemp -d "$root/.bench-block.XXXXXX")}
mkdir -p "$work"
trap '[ -z "${1:-}" ] && rm -rf "$work"' EXIT
jemu_img="$root/bin/jemu-img"
step=428969984

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

printf '%-6s %-10s %-5s %3s %12s %12s %7s\n' format cache op qd "qemu ops/s" "jemu ops/s" ratio
for fmt in raw qcow2; do
  for cache in none writeback; do
    for op in read write; do
      for qd in 1 64; do
        count=${JEMU_BENCH_COUNT:-$([ "$qd" = 1 ] && echo 20000 || echo 75000)}
        wflag=""; [ "$op" = write ] && wflag="-w"
        fill=1; [ "$op" = write ] && fill=0
        args=(-f "$fmt" -t "$cache" -i threads -c "$count" -d "$qd" -s 4096 -S "$step" $wflag)
        make_image "$fmt" "$work/q.$fmt" "$fill"
        q=$(qemu-img bench "${args[@]}" "$work/q.$fmt" | seconds)
        make_image "$fmt" "$work/j.$fmt" "$fill"
        j=$("$jemu_img" bench "${args[@]}" "$work/j.$fmt" | seconds)
        awk -v f="$fmt" -v c="$cache" -v o="$op" -v d="$qd" -v n="$count" -v q="$q" -v j="$j" \
          'BEGIN { qo = n / q; jo = n / j; printf "%-6s %-10s %-5s %3d %12.0f %12.0f %7.2f\n", f, c, o, d, qo, jo, jo / qo }'
      done
    done
  done
done

# convert: 1 GiB qcow2 with every other MiB allocated (half of it), to raw.
src="$work/half.qcow2"
rm -f "$src"
qemu-img create -q -f qcow2 "$src" 1G
cmds=()
for ((off = 0; off < 1024; off += 2)); do cmds+=(-c "write -P 0x33 ${off}M 1M"); done
qemu-io -f qcow2 "${cmds[@]}" "$src" >/dev/null
t0=$(date +%s.%N); qemu-img convert -O raw "$src" "$work/q.raw"; t1=$(date +%s.%N)
"$jemu_img" convert -O raw "$src" "$work/j.raw"; t2=$(date +%s.%N)
cmp -s "$work/q.raw" "$work/j.raw" || { echo "convert: outputs differ" >&2; exit 1; }
awk -v a="$t0" -v b="$t1" -v c="$t2" \
  'BEGIN { printf "convert 1 GiB half-allocated qcow2 -> raw: qemu %.2f s, jemu %.2f s (JVM start-up included), ratio %.2f\n", b - a, c - b, (b - a) / (c - b) }'
