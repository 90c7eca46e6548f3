#!/bin/sh
# Builds the Linux guest of the boot tests from Debian 12 packages, fetched with
# `apt-get download` and unpacked with `dpkg-deb -x` (nothing is installed on the host):
#
#   images/build/linux/bzImage            Debian's 6.1 kernel (linux-image-*-amd64)
#   images/build/linux/initramfs.cpio.gz  busybox-static, the disk modules and /init
#   images/build/linux/vda.ext4           ext4 image with known.txt (for virtio-blk)
#   images/build/linux/sda.ext4           ext4 image with known.txt (for IDE)
#   images/build/linux/expected.txt       sha256sum lines of both known.txt files
#   images/build/linux/boot.img           MBR + FAT16 partition with Debian's SYSLINUX, the
#                                         kernel and the initramfs (boot it from the first IDE
#                                         disk, with sda.ext4 as the second)
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

for tool in apt-get apt-cache dpkg-deb mkfs.ext4 gzip sha256sum mformat mcopy truncate; do
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
SDEB=$(fetch syslinux)
SCDEB=$(fetch syslinux-common)

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
ide=sda
for word in \$(cat /proc/cmdline); do
    case \$word in jemu.ide=*) ide=\${word#jemu.ide=} ;; esac
done
for disk in vda sda; do
    dev=\$disk
    n=0
    if [ \$disk = sda ] && [ \$ide = label ]; then
        # two IDE disks: the kernel's asynchronous sd probe may name either one sda, so the
        # ext4 disk is found by its label
        while ! dev=\$(findfs LABEL=sda 2>/dev/null) && [ \$n -lt 100 ]; do
            sleep 0.1
            n=\$((n + 1))
        done
        dev=\${dev#/dev/}
    fi
    while [ ! -b /dev/\$dev ] && [ \$n -lt 100 ]; do
        sleep 0.1
        n=\$((n + 1))
    done
    mkdir -p /mnt/\$disk
    if mount -t ext4 /dev/\$dev /mnt/\$disk; then
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
# The SYSLINUX chain: an MBR disk (Debian's syslinux mbr.bin) with one active FAT16 partition
# from 1 MiB, made with mtools, holding SYSLINUX (installed by Debian's syslinux, which uses
# mtools), the kernel and the initramfs. It is the first IDE disk and the ext4 "sda" image the
# second; jemu.ide=label tells /init to find the ext4 disk by its label, since the kernel names
# the two IDE disks in the order its asynchronous probes finish.
if [ ! -f "$WORK/unpacked-syslinux" ]; then
    rm -rf "$WORK/syslinux"
    mkdir -p "$WORK/syslinux"
    dpkg-deb -x "$SDEB" "$WORK/syslinux"
    dpkg-deb -x "$SCDEB" "$WORK/syslinux"
    touch "$WORK/unpacked-syslinux"
fi
BOOT=$OUT/boot.img
BOOT_MB=48
START=2048
SECTORS=$((BOOT_MB * 2048 - START))
rm -f "$BOOT"
truncate -s ${BOOT_MB}M "$BOOT"
dd if="$WORK/syslinux/usr/lib/syslinux/mbr/mbr.bin" of="$BOOT" bs=440 count=1 conv=notrunc status=none
le32() { # the octal escapes of a 32-bit little-endian value, for printf
    printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}
# partition 1: active, type 0x06 (FAT16), CHS fields saturated (LBA is used), LBA start and size
printf "\\200\\376\\377\\377\\006\\376\\377\\377$(le32 $START)$(le32 $SECTORS)" |
    dd of="$BOOT" bs=1 seek=446 conv=notrunc status=none
printf '\125\252' | dd of="$BOOT" bs=1 seek=510 conv=notrunc status=none
PART="$BOOT@@$((START * 512))"
mformat -i "$PART" -T $SECTORS -h 64 -s 32 -H $START -v JEMUBOOT ::
"$WORK/syslinux/usr/bin/syslinux" --offset $((START * 512)) --install "$BOOT"
cat > "$WORK/syslinux.cfg" <<EOF
SERIAL 0 115200
DEFAULT linux
PROMPT 0
LABEL linux
    KERNEL vmlinuz
    INITRD initrd.gz
    APPEND jemu.ide=label jemu.end=poweroff console=ttyS0 panic=-1 cryptomgr.notests
EOF
mcopy -i "$PART" "$WORK/syslinux.cfg" ::syslinux.cfg
mcopy -i "$PART" "$OUT/bzImage" ::vmlinuz
mcopy -i "$PART" "$OUT/initramfs.cpio.gz" ::initrd.gz
echo "built $OUT ($KPKG)"
