#!/usr/bin/env bash
# bench/boot.sh: the pc machine beside QEMU TCG in one run, with Debian's SeaBIOS.
#   - boot: a SeaBIOS boot-sector boot (images/disk/diskboot.asm without a mode: the boot sector
#     loads its stage with int 13h, prints a line and exits through isa-debug-exit), process
#     start to exit, best of BOOT_RUNS (5); jemu's guest instruction count; peak RSS (64 MiB guest);
#   - ide: the guest's own ATA driver reads 64 MiB with PIO and with bus-master DMA
#     (-DMODE_IDEBENCH), timing itself with the ACPI PM timer; the rates it prints;
#   - virtio: the guest's own legacy virtio-pci driver reads 64 MiB of a virtio-blk disk, 8
#     requests of 32 KiB in flight (-DMODE_VIRTIOBENCH), in the main loop and in an IOThread;
#     the rate and mean request latency it prints.
# Prints one line per figure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BOOT_RUNS:-5}
ARGS=(-machine pc -m 64M -nodefaults -display none -serial stdio -no-reboot
      -device isa-debug-exit,iobase=0xf4,iosize=0x04)
export JEMU_JAVA_OPTS="-Djemu.stats=true ${JEMU_JAVA_OPTS:-}"
command -v nasm >/dev/null || { echo "bench/boot.sh: nasm not found (Debian package nasm)" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "bench/boot.sh: qemu-system-x86_64 not found (Debian package qemu-system-x86)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
disk() { # disk MODE FILE SIZE
  local defs=()
  [ -n "$1" ] && defs=(-DMODE_"$1")
  nasm -f bin -I "$ROOT/images/lib/" "${defs[@]}" -o "$work/stage.bin" "$ROOT/images/disk/diskboot.asm"
  rm -f "$2"; truncate -s "$3" "$2"
  dd if="$work/stage.bin" of="$2" conv=notrunc status=none
}
disk "" "$work/boot.raw" 1M
disk IDEBENCH "$work/ide.raw" 65M
disk VIRTIOBENCH "$work/virtio.raw" 65M
"$ROOT/bin/jemu" -version >/dev/null   # builds jemu if needed, outside the timings

# boot_once EMULATOR: prints "<seconds> <peak RSS KiB>"
boot_once() {
  local status=0
  /usr/bin/time -f "%e %M" -o "$work/time" "$1" "${ARGS[@]}" -drive "file=$work/boot.raw,format=raw,if=ide" \
    >"$work/out" 2>"$work/err" </dev/null || status=$?
  [ "$status" -eq 33 ] || { echo "bench/boot.sh: $1: exit status $status: $(head -n1 "$work/err")" >&2; exit 1; }
  tail -n1 "$work/time"
}

for emu in qemu-system-x86_64 "$ROOT/bin/jemu"; do
  name=$( [ "$emu" = qemu-system-x86_64 ] && echo qemu || echo jemu )
  best=999; rss=0
  for _ in $(seq "$RUNS"); do
    read -r t m < <(boot_once "$emu")
    best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
    [ "$m" -gt "$rss" ] && rss=$m
  done
  insns=$(grep -o '[0-9]* guest instructions' "$work/err" || true)
  echo "boot $name: ${best} s best of $RUNS, peak RSS $((rss / 1024)) MB${insns:+, $insns}"
  eval "boot_$name=$best"
done
awk -v j="$boot_jemu" -v q="$boot_qemu" 'BEGIN { printf "boot ratio jemu/qemu: %.2f\n", j / q }'

for emu in qemu-system-x86_64 "$ROOT/bin/jemu"; do
  name=$( [ "$emu" = qemu-system-x86_64 ] && echo qemu || echo jemu )
  "$emu" "${ARGS[@]}" -drive "file=$work/ide.raw,format=raw,if=ide" >"$work/out" 2>"$work/err" </dev/null || true
  grep -q '^done' "$work/out" || { echo "bench/boot.sh: $name ide: $(cat "$work/out" "$work/err" | head -n3)" >&2; exit 1; }
  sed -n "s/^\(pio\|dma\) read .*: \([0-9]*\) KiB\/s/ide $name \1: \2 KiB\/s (64 MiB)/p" "$work/out"
done

for emu in qemu-system-x86_64 "$ROOT/bin/jemu"; do
  name=$( [ "$emu" = qemu-system-x86_64 ] && echo qemu || echo jemu )
  for where in main iothread; do
    if [ "$where" = main ]; then
      dev=(-drive "file=$work/virtio.raw,format=raw,if=virtio")
    else
      dev=(-object iothread,id=io0 -drive "file=$work/virtio.raw,format=raw,if=none,id=d0"
           -device virtio-blk-pci,drive=d0,iothread=io0)
    fi
    "$emu" "${ARGS[@]}" "${dev[@]}" >"$work/out" 2>"$work/err" </dev/null || true
    grep -q '^done' "$work/out" || { echo "bench/boot.sh: $name virtio: $(cat "$work/out" "$work/err" | head -n3)" >&2; exit 1; }
    sed -n "s/^virtio read .*: \([0-9]*\) KiB\/s, mean request latency \([0-9]*\) us/virtio $name $where: \1 KiB\/s, mean latency \2 us (64 MiB, 8 x 32 KiB in flight)/p" "$work/out"
  done
done
