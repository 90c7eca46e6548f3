#!/usr/bin/env bash
# bench/linux.sh: Debian 12's kernel (images/linux/build.sh) by -kernel/-initrd on each board,
# jemu beside QEMU TCG in one run: start to exit after the initramfs has read and written both
# disks (virtio-blk and IDE); jemu's guest instruction count. BOARDS (default "minimal default"):
#   - minimal: -machine pc,hpet=off,smm=off, acpi=off noapic nolapic, reboot -f with -no-reboot;
#   - default: -machine pc (ACPI, IO-APIC, HPET, MSI-X), poweroff -f through ACPI S5.
# Prints one line per figure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export JEMU_JAVA_OPTS="-Djemu.stats=true ${JEMU_JAVA_OPTS:-}"
command -v qemu-system-x86_64 >/dev/null || { echo "bench/linux.sh: qemu-system-x86_64 not found (Debian package qemu-system-x86)" >&2; exit 1; }
sh "$ROOT/images/linux/build.sh" >/dev/null
IMG=$ROOT/images/build/linux
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$ROOT/bin/jemu" -version >/dev/null   # builds jemu if needed, outside the timings

# run EMULATOR BOARD: prints "<seconds>"
run() {
  local machine append extra=() status=0
  if [ "$2" = minimal ]; then
    machine=pc,hpet=off,smm=off; append="acpi=off noapic nolapic"; extra=(-no-reboot)
  else
    machine=pc; append="jemu.end=poweroff"
  fi
  cp "$IMG/vda.ext4" "$IMG/sda.ext4" "$work/"
  /usr/bin/time -f "%e" -o "$work/time" "$1" -machine "$machine" -m 256M -nodefaults -display none \
    -serial stdio "${extra[@]}" -kernel "$IMG/bzImage" -initrd "$IMG/initramfs.cpio.gz" \
    -append "$append console=ttyS0 panic=-1 cryptomgr.notests" \
    -drive "file=$work/vda.ext4,format=raw,if=virtio" -drive "file=$work/sda.ext4,format=raw,if=ide" \
    >"$work/out" 2>"$work/err" </dev/null || status=$?
  [ "$status" -eq 0 ] && grep -q '^JEMU-LINUX: done' "$work/out" \
    || { echo "bench/linux.sh: $1 ($2 board): exit status $status: $(tail -n2 "$work/out")" >&2; exit 1; }
  tail -n1 "$work/time"
}

for board in ${BOARDS:-minimal default}; do
  q=$(run qemu-system-x86_64 "$board")
  j=$(run "$ROOT/bin/jemu" "$board")
  insns=$(grep -o '[0-9]* guest instructions' "$work/err" || true)
  echo "linux $board qemu: $q s"
  echo "linux $board jemu: $j s${insns:+, $insns}"
  awk -v j="$j" -v q="$q" -v b="$board" 'BEGIN { printf "linux %s ratio jemu/qemu: %.1f\n", b, j / q }'
done
