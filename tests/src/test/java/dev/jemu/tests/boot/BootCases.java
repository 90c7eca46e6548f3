package dev.jemu.tests.boot;

import dev.jemu.tests.boot.BootCase.After;
import dev.jemu.tests.boot.BootCase.Disk;

import java.time.Duration;
import java.util.List;

/** The boot-test table: SeaBIOS boots the disk guest from IDE and virtio-blk on jemu and on QEMU. */
final class BootCases {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Disk BOOT_RAW = new Disk(64, true, "raw");
    private static final Disk DATA_RAW = new Disk(1, false, "raw");

    private BootCases() {
    }

    static List<BootCase> all() {
        return List.of(
                new BootCase("ide-master-chs-and-edd", "READ", List.of(BOOT_RAW),
                        List.of("-drive", "file={d0},format=raw,if=ide"), TIMEOUT, BootCase.DONE, After.UNCHANGED),
                new BootCase("ide-master-and-slave", "READ", List.of(BOOT_RAW, DATA_RAW),
                        List.of("-drive", "file={d0},format=raw,if=ide,index=0",
                                "-drive", "file={d1},format=raw,if=ide,index=1"), TIMEOUT, BootCase.DONE, After.UNCHANGED),
                new BootCase("hda-hdb-shorthand", "READ", List.of(BOOT_RAW, DATA_RAW),
                        List.of("-hda", "{d0}", "-hdb", "{d1}"), TIMEOUT, BootCase.DONE, After.UNCHANGED),
                new BootCase("qcow2-read", "READ", List.of(new Disk(64, true, "qcow2")),
                        List.of("-drive", "file={d0},format=qcow2"), TIMEOUT, BootCase.DONE, After.UNCHANGED),
                new BootCase("format-probed", "READ", List.of(new Disk(64, true, "qcow2")),
                        List.of("-drive", "file={d0}"), TIMEOUT, BootCase.DONE, After.UNCHANGED),
                new BootCase("write-raw-writeback", "WRITE", List.of(BOOT_RAW),
                        List.of("-drive", "file={d0},format=raw,cache=writeback"), TIMEOUT, BootCase.DONE, After.WRITTEN),
                new BootCase("write-raw-none", "WRITE", List.of(BOOT_RAW),
                        List.of("-drive", "file={d0},format=raw,cache=none"), TIMEOUT, BootCase.DONE, After.WRITTEN),
                new BootCase("write-qcow2-unsafe", "WRITE", List.of(new Disk(64, true, "qcow2")),
                        List.of("-drive", "file={d0},format=qcow2,cache=unsafe"), TIMEOUT, BootCase.DONE, After.WRITTEN),
                new BootCase("write-qcow2-none", "WRITE", List.of(new Disk(64, true, "qcow2")),
                        List.of("-drive", "file={d0},format=qcow2,cache=none"), TIMEOUT, BootCase.DONE, After.WRITTEN),
                new BootCase("write-snapshot-on", "WRITE", List.of(BOOT_RAW),
                        List.of("-drive", "file={d0},format=raw,snapshot=on"), TIMEOUT, BootCase.DONE, After.UNCHANGED),
                new BootCase("write-snapshot-option", "WRITE", List.of(BOOT_RAW),
                        List.of("-snapshot", "-drive", "file={d0},format=raw"), TIMEOUT, BootCase.DONE, After.UNCHANGED),
                new BootCase("write-qcow2-over-backing", "WRITE", List.of(new Disk(64, true, "overlay")),
                        List.of("-drive", "file={d0},format=qcow2"), TIMEOUT, BootCase.DONE, After.WRITTEN_TO_OVERLAY),
                new BootCase("ide-refuses-read-only-drive", "WRITE", List.of(BOOT_RAW),
                        List.of("-drive", "file={d0},format=raw,readonly=on"), TIMEOUT, 1, After.REFUSED),
                new BootCase("write-eio-werror-report", "WRITE", List.of(new Disk(64, true, "nbd-eio-writes")),
                        List.of("-drive", "file={d0},format=raw,werror=report"), TIMEOUT, BootCase.DONE, After.UNCHANGED),
                new BootCase("write-eio-werror-ignore", "WRITE", List.of(new Disk(64, true, "nbd-eio-writes")),
                        List.of("-drive", "file={d0},format=raw,werror=ignore"), TIMEOUT, BootCase.DONE, After.UNCHANGED),
                new BootCase("write-if-none-ide-hd", "WRITE", List.of(BOOT_RAW),
                        List.of("-drive", "file={d0},format=raw,if=none,id=disk0", "-device", "ide-hd,drive=disk0,bus=ide.0,unit=0"),
                        TIMEOUT, BootCase.DONE, After.WRITTEN),
                new BootCase("virtio-chs-and-edd", "READ", List.of(BOOT_RAW),
                        List.of("-drive", "file={d0},format=raw,if=virtio"), TIMEOUT, BootCase.DONE, After.UNCHANGED),
                new BootCase("virtio-two-disks-iothread", "READ", List.of(BOOT_RAW, DATA_RAW),
                        List.of("-object", "iothread,id=io0",
                                "-drive", "file={d0},format=raw,if=none,id=d0", "-device", "virtio-blk-pci,drive=d0,iothread=io0",
                                "-drive", "file={d1},format=raw,if=virtio"), TIMEOUT, BootCase.DONE, After.UNCHANGED),
                new BootCase("virtio-write-raw", "WRITE", List.of(BOOT_RAW),
                        List.of("-drive", "file={d0},format=raw,if=virtio"), TIMEOUT, BootCase.DONE, After.WRITTEN),
                new BootCase("virtio-write-qcow2-iothread", "WRITE", List.of(new Disk(64, true, "qcow2")),
                        List.of("-object", "iothread,id=io0", "-drive", "file={d0},format=qcow2,if=none,id=d0,cache=none",
                                "-device", "virtio-blk-pci,drive=d0,iothread=io0,num-queues=2,queue-size=128"),
                        TIMEOUT, BootCase.DONE, After.WRITTEN),
                new BootCase("virtio-read-only-drive", "WRITE", List.of(BOOT_RAW),
                        List.of("-drive", "file={d0},format=raw,if=virtio,readonly=on"), TIMEOUT, BootCase.DONE, After.UNCHANGED),
                new BootCase("virtio-modern-only", "READ", List.of(BOOT_RAW),
                        List.of("-drive", "file={d0},format=raw,if=none,id=d0", "-device", "virtio-blk-pci,drive=d0,disable-legacy=on"),
                        TIMEOUT, BootCase.DONE, After.UNCHANGED),
                new BootCase("virtio-legacy-only", "READ", List.of(BOOT_RAW),
                        List.of("-drive", "file={d0},format=raw,if=none,id=d0", "-device", "virtio-blk-pci,drive=d0,disable-modern=on"),
                        TIMEOUT, BootCase.DONE, After.UNCHANGED));
    }
}
