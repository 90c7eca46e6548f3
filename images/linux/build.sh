#!/bin/sh
# Builds the Linux guest of the boot tests from Debian 12 packages, fetched with
# `apt-get download` and unpacked with `dpkg-deb -x` (nothing is installed on the host):
#
#   images/build/linux/bzImage            Debian's 6.1 kernel (linux-image-*-amd64)
#   images/build/linux/initramfs.cpio.gz  busybox-static, the disk modules and /init
#   images/build/linux/vda.ext4           ext4 image with known.txt (for virtio-blk)
#   images/build/linux/sda.ext4           ext4 image with known.txt (for IDE)
#   images/build/linux/expected.txt       sha256sum lines of both known.txt files
#
# /init loads the virtio, ata_piix/sd_mod and ext4 modules, mounts /dev/vda and /dev/sda,
# prints "JEMU-LINUX: <disk> <sha256>  known.txt" for each, writes guest.txt to each, unmounts,
# syncs and ends with `reboot -f` (give the VM -no-reboot), or with `poweroff -f` when the
# kernel command line has jemu.end=poweroff. Run it on the minimal board:
#
#   qemu-system-x86_64 -machine pc,hpet=off,smm=off -m 256M -display none -serial stdio \
#     -no-reboot -kernel bzImage -initrd initramfs.cpio.gz \
#     -append "acpi=off noapic nolapic console=ttyS0 panic=-1 cryptomgr.notests" \
#     -drive file=vda.ext4,format=raw,if=virtio -drive file=sda.ext4,format=raw,if=ide
#
# (cryptomgr.notests skips the crypto self-tests, a fifth of the boot on an interpreter.)
# Idempotent: the packages and the kernel are kept once fetched; the initramfs and the disk
# images are rebuilt every run (the disks are written by the guest).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE/../build/linux}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$OUT/work
DEBS=$WORK/debs
ROOT=$WORK/root
mkdir -p "$DEBS"

fail() {
    echo "images/linux/build.sh: $*" >&2
    exit 1
}

for tool in apt-get apt-cache dpkg-deb mkfs.ext4 gzip sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || fail "needs $tool"
done

# linux-image-amd64 is a metapackage; the kernel is the package it depends on.
KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1)
[ -n "$KPKG" ] || fail "apt-cache knows no linux-image-amd64 (run apt-get update?)"
KVER=${KPKG#linux-image-}

fetch() {
    if ! ls "$DEBS"/"$1"_*.deb >/dev/null 2>&1; then
        (cd "$DEBS" && apt-get -q download "$1" >&2) || fail "apt-get download $1 failed"
    fi
    ls "$DEBS"/"$1"_*.deb | head -n 1
}
KDEB=$(fetch "$KPKG")
BDEB=$(fetch busybox-static)

if [ ! -f "$WORK/unpacked-$KVER" ]; then
    rm -rf "$WORK/pkg"
    mkdir -p "$WORK/pkg"
    dpkg-deb -x "$KDEB" "$WORK/pkg"
    dpkg-deb -x "$BDEB" "$WORK/pkg"
    touch "$WORK/unpacked-$KVER"
fi
cp "$WORK/pkg/boot/vmlinuz-$KVER" "$OUT/bzImage"
BUSYBOX=$WORK/pkg/bin/busybox
MODDIR=$WORK/pkg/lib/modules/$KVER/kernel

# The disk stack in load order (pc-machine.md: modprobe --show-depends of virtio_blk,
# ata_piix, sd_mod and ext4).
MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk
scsi_common scsi_mod libata ata_piix
crct10dif_common crc64 crct10dif_generic crc-t10dif crc64-rocksoft t10-pi sd_mod
crc32c_generic jbd2 mbcache crc16 ext4"

rm -rf "$ROOT"
mkdir -p "$ROOT/bin" "$ROOT/dev" "$ROOT/proc" "$ROOT/sys" "$ROOT/mnt" "$ROOT/lib/modules"
cp "$BUSYBOX" "$ROOT/bin/busybox"
for m in $MODULES; do
    ko=$(find "$MODDIR" \( -name "$m.ko" -o -name "$m.ko.xz" \) | head -n 1)
    [ -n "$ko" ] || fail "module $m is not in $KPKG"
    case "$ko" in
        *.xz) xz -dc "$ko" > "$ROOT/lib/modules/$m.ko" ;;
        *) cp "$ko" "$ROOT/lib/modules/$m.ko" ;;
    esac
done

cat > "$ROOT/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "JEMU-LINUX: init started"
for m in $(echo $MODULES); do
    insmod /lib/modules/\$m.ko || echo "JEMU-LINUX: insmod \$m failed"
done
for disk in vda sda; do
    n=0
    while [ ! -b /dev/\$disk ] && [ \$n -lt 100 ]; do
        sleep 0.1
        n=\$((n + 1))
    done
    mkdir -p /mnt/\$disk
    if mount -t ext4 /dev/\$disk /mnt/\$disk; then
        echo "JEMU-LINUX: \$disk \$(cd /mnt/\$disk && sha256sum known.txt)"
        echo "written by the guest on \$disk" > /mnt/\$disk/guest.txt
        umount /mnt/\$disk
    else
        echo "JEMU-LINUX: \$disk could not be mounted"
    fi
done
sync
echo "JEMU-LINUX: done"
case " \$(cat /proc/cmdline) " in
    *" jemu.end=poweroff "*) poweroff -f ;;
    *) reboot -f ;;
esac
EOF
chmod 755 "$ROOT/init"

(cd "$ROOT" && find . | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -9 -n > "$OUT/initramfs.cpio.gz"

# Disk images: a known file of different content on each.
: > "$OUT/expected.txt"
for disk in vda sda; do
    rm -rf "$WORK/fs-$disk" "$OUT/$disk.ext4"
    mkdir -p "$WORK/fs-$disk"
    if [ $disk = vda ]; then seq 1 100000; else seq 100000 -3 1; fi > "$WORK/fs-$disk/known.txt"
    mkfs.ext4 -q -F -d "$WORK/fs-$disk" -L "$disk" -E root_owner=0:0 "$OUT/$disk.ext4" 32M
    echo "JEMU-LINUX: $disk $(cd "$WORK/fs-$disk" && sha256sum known.txt)" >> "$OUT/expected.txt"
done
echo "built $OUT ($KPKG)"
