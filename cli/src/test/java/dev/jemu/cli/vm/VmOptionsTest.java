package dev.jemu.cli.vm;

import dev.jemu.block.BlockGraph;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.x86.jit.Tier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import java.util.List;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Option parsing; the error texts after the option are QEMU 7.2's where QEMU has the option. */
class VmOptionsTest {
    private static VmOptions parse(String line) throws OptionException {
        return VmOptions.parse(line.split(" "));
    }

    private static String error(String line) {
        return assertThrows(OptionException.class, () -> parse(line)).getMessage();
    }

    @Test
    void parsesTheTestKernelCommandLine() throws Exception {
        VmOptions o = parse("-machine pc -m 64M -display none -serial stdio -no-reboot "
                + "-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel test.bin");
        assertEquals(64L << 20, o.ramBytes);
        assertEquals(java.util.List.of("stdio"), o.serials);
        assertTrue(o.noReboot);
        assertEquals("test.bin", o.kernel);
        assertEquals("isa-debug-exit", o.devices.getFirst().get("driver"));
    }

    @Test
    void ramSizesAreMebibytesWithoutSuffixAndMayBeFractional() throws Exception {
        assertEquals(128L << 20, parse("-m 128").ramBytes);
        assertEquals(2L << 30, parse("--m 2G").ramBytes);
        assertEquals(3L << 29, parse("-m 1.5G").ramBytes);
        assertEquals(256L << 20, parse("-m size=256M").ramBytes);
        assertEquals("-m 0x: Parameter 'size' expects a non-negative number below 2^64", error("-m 0x"));
        assertEquals("-m 2T: ram size too large (jemu's limit is 1 TiB)", error("-m 2T"));
    }

    @Test
    void logCategoriesAndFile() throws Exception {
        VmOptions o = parse("-d int,unimp -D log.txt");
        assertEquals(Set.of(LogCategory.INT, LogCategory.UNIMP), o.log);
        assertEquals("log.txt", o.logFile);
        assertEquals(Set.of(LogCategory.IN_ASM, LogCategory.EXEC, LogCategory.CPU, LogCategory.NOCHAIN),
                parse("-d in_asm,exec,cpu,nochain").log);
        assertEquals(VmOptions.Action.LOG_HELP, parse("-d help").action);
        assertTrue(VmOptions.LOG_HELP.startsWith("Log items (comma separated):\nin_asm          show target assembly"));
        assertEquals("-d in_asm,op: log item 'op' is not supported: jemu has no TCG ops or host code to show",
                error("-d in_asm,op"));
        assertEquals("-d frob: unknown log item 'frob' (see -d help)", error("-d frob"));
    }

    @Test
    void helpVersionAndModelLists() throws Exception {
        assertEquals(VmOptions.Action.HELP, parse("-help").action);
        assertEquals(VmOptions.Action.VERSION, parse("--version").action);
        assertEquals(VmOptions.Action.DEVICE_HELP, parse("-device help").action);
        assertEquals(VmOptions.Action.MACHINE_HELP, parse("-machine help").action);
        assertEquals(VmOptions.Action.CPU_HELP, parse("-cpu help").action);
    }

    @Test
    void unknownOptionsAndMissingArgumentsAreQemusErrors() {
        assertEquals("-frobnicate: invalid option", error("-m 64M -frobnicate"));
        assertEquals("-kernel: requires an argument", error("-kernel"));
        assertEquals("-m: requires an argument", error("-m"));
    }

    @Test
    void qemuOptionsJemuLacksAreRefusedByName() {
        assertEquals("-netdev: not supported by jemu", error("-netdev user,id=n0"));
        assertEquals("-vga: not supported by jemu", error("-vga std"));
        assertEquals("-usb: not supported by jemu", error("-usb"));
        assertEquals("-enable-kvm: not supported by jemu", error("-enable-kvm"));
        assertEquals("-initrd only allowed with -kernel option", error("-initrd rd.img"));
        assertEquals("-monitor: not supported by jemu", error("-monitor stdio"));
    }

    @Test
    void qmpMonitors() throws Exception {
        VmOptions o = parse("-S -qmp unix:/tmp/q.sock,server=on,wait=off -qmp tcp::4444,server,nowait "
                + "-chardev socket,id=m,host=0.0.0.0,port=5555,server=on,wait=off -mon chardev=m,mode=control -qmp stdio");
        assertTrue(o.startPaused);
        assertEquals(List.of(
                new VmOptions.Monitor("-qmp unix:/tmp/q.sock,server=on,wait=off", false, "/tmp/q.sock", null, 0),
                new VmOptions.Monitor("-qmp tcp::4444,server,nowait", false, null, "127.0.0.1", 4444),
                new VmOptions.Monitor("-qmp stdio", true, null, null, 0),
                new VmOptions.Monitor("-mon chardev=m,mode=control", false, null, "0.0.0.0", 5555)), o.monitors);
        assertTrue(o.chardevs.isEmpty(), "the monitor's chardev is no device's");
        assertEquals("-qmp tcp::4444: jemu's QMP sockets listen: add server=on,wait=off", error("-qmp tcp::4444"));
        assertEquals("-qmp tcp:4444,server=on,wait=off: host and port must be given as [HOST]:PORT",
                error("-qmp tcp:4444,server=on,wait=off"));
        assertEquals("-qmp tcp::99999,server=on,wait=off: Parameter 'port' expects a number from 0 to 65535, not '99999'",
                error("-qmp tcp::99999,server=on,wait=off"));
        assertEquals("-qmp vc: 'vc' is not a valid char driver (jemu's -qmp takes stdio, unix:PATH,server=on,wait=off or "
                + "tcp:[HOST]:PORT,server=on,wait=off)", error("-qmp vc"));
        assertEquals("-mon chardev=m: jemu has no human monitor: give mode=control for QMP",
                error("-chardev null,id=m -mon chardev=m"));
        assertEquals("-mon chardev=x,mode=control: chardev \"x\" not found", error("-mon chardev=x,mode=control"));
        assertEquals("-mon chardev=m,mode=control,pretty=on: pretty=on is not supported by jemu (its replies are one line each)",
                error("-chardev stdio,id=m -mon chardev=m,mode=control,pretty=on"));
        assertEquals("-qmp stdio: cannot use stdio by multiple character devices", error("-serial stdio -qmp stdio"));
        assertEquals("-qmp stdio: cannot use stdio by multiple character devices", error("-nographic -qmp stdio"));
    }

    @Test
    void machineAcceleratorAndCpu() throws Exception {
        parse("-machine pc,accel=tcg,hpet=off,smm=off -accel tcg -cpu max -smp 1");
        assertEquals(null, parse("-accel tcg").tier);
        assertEquals(Tier.INTERP, parse("-accel tcg,tier=interp").tier);
        assertEquals(Tier.TRANSLATE, parse("-accel tcg,tier=translate").tier);
        assertEquals("-accel tcg,tier=fast: Parameter 'tier' does not accept value 'fast' (interp, translate)",
                error("-accel tcg,tier=fast"));
        assertEquals("-machine q35: unsupported machine type 'q35' (jemu has 'pc'; see -machine help)", error("-machine q35"));
        assertEquals("-machine pc,accel=kvm: invalid accelerator kvm (jemu has tcg, its own interpreter)",
                error("-machine pc,accel=kvm"));
        assertEquals("-machine pc,bogus=1: Invalid parameter 'bogus'", error("-machine pc,bogus=1"));
        assertEquals("-cpu foo: unable to find CPU model 'foo' (see -cpu help)", error("-cpu foo"));
        assertEquals("-smp 2: jemu runs 1 vCPU; cpus=2 is not supported", error("-smp 2"));
    }

    @Test
    void drivesAndTheirErrors() throws Exception {
        VmOptions o = parse("-drive file=a.qcow2,format=qcow2,cache=none,id=d0,if=none -hdb b.raw -snapshot");
        assertEquals(2, o.drives.size());
        DriveSpec d = o.drives.getFirst();
        assertEquals("d0", d.id());
        assertEquals("none", d.iface());
        assertEquals("qcow2", d.block().get("driver"));
        assertEquals("none", d.block().get("cache"));
        assertTrue(o.drives.get(1).snapshot() || o.snapshotAll);
        assertEquals(1, o.drives.get(1).index());
        assertEquals("-drive file=x,if=bogus: unsupported bus type 'bogus'", error("-drive file=x,if=bogus"));
        assertEquals("-drive file=x,if=scsi: if=scsi is not supported by jemu (it has ide, virtio and none)",
                error("-drive file=x,if=scsi"));
        assertEquals("-drive file=x,werror=maybe: Parameter 'werror' does not accept value 'maybe' (report, ignore, stop, enospc)",
                error("-drive file=x,werror=maybe"));
        assertEquals("-drive if=ide: a drive needs a file (file=PATH)", error("-drive if=ide"));
        assertEquals("-drive file=x,media=cdrom: media=cdrom: jemu has no CD-ROM drive yet", error("-drive file=x,media=cdrom"));
        assertEquals("-blockdev driver=raw,file=x: A -blockdev needs a node-name", error("-blockdev driver=raw,file=x"));
    }

    /** {@code aio=} on a -drive goes to the file node beside {@code file=PATH}, and the drive opens. */
    @Test
    void driveAioOpensTheFileNodeWithThatEngine(@TempDir Path dir) throws Exception {
        Path raw = Files.write(dir.resolve("d.raw"), new byte[65536]);
        DriveSpec d = parse("-drive file=" + raw + ",format=raw,aio=threads").drives.getFirst();
        assertEquals(raw.toString(), d.block().child("file").get("filename"));
        assertEquals("threads", d.block().child("file").get("aio"));
        BlockGraph.open(d.block()).close();
    }

    @Test
    void bootRtcNameAndIothreads() throws Exception {
        VmOptions o = parse("-boot order=dc,menu=on -rtc base=2006-06-17T16:01:21 -name demo -object iothread,id=io0");
        assertEquals("dc", o.bootOrder);
        assertTrue(o.bootMenu);
        assertEquals("2006-06-17T16:01:21", o.rtcBase);
        assertEquals("demo", o.name);
        assertEquals(java.util.List.of("io0"), o.iothreads);
        assertEquals("-boot order=x: Invalid boot device 'x'", error("-boot order=x"));
        assertFalse(parse("-boot c").bootMenu);
        assertEquals("c", parse("-boot c").bootOrder);
        assertEquals("-object memory-backend-ram,id=m: invalid object type: memory-backend-ram (jemu has iothread)",
                error("-object memory-backend-ram,id=m"));
    }
}
