package dev.jemu.tests.qmp;

import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.GuestProcess;
import dev.jemu.tests.guest.GuestRun;
import dev.jemu.tests.guest.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HMP {@code info mtree}, {@code info qtree} and {@code info irq} beside QEMU, on the same
 * machine (an IDE disk and a virtio-blk-pci disk, started paused): the lines of the regions both
 * boards have at the same place and priority (the RAM alias, the ISA ports of the PIT, keyboard
 * controller, port 92, port 80, fw_cfg and the PCI configuration ports) must be QEMU's
 * text, as must every PCI function's class line of the device tree, and its BAR lines must be
 * among QEMU's (jemu's virtio-blk-pci has no MSI-X BAR). {@code info irq}
 * has QEMU's heading, and once the firmware has run, the PIT's IRQ 0 has been raised on both.
 */
class QmpHmpInfoTest {
    private static final List<String> SHARED_REGIONS = List.of("alias ram-below-4g", "pit", "i8042-data",
            "i8042-cmd", "ioport80", "port92", "fwcfg", "fwcfg.dma", "pci-conf-idx", "pci-conf-data");
    private static Workspace workspace;

    @BeforeAll
    static void emulatorsAreInstalled() {
        workspace = Workspace.current();
        assertTrue(Emulator.QEMU.isInstalled(workspace), "qemu-system-x86_64 is not on PATH (Debian package qemu-system-x86)");
        assertTrue(Emulator.JEMU.isInstalled(workspace), "jemu's launcher is not built");
    }

    private record Info(String mtree, String qtree, String irqPaused, String irqRun) {
    }

    private static Info run(Emulator emulator) throws Exception {
        Path dir = workspace.buildDir("qmp/info-" + emulator.displayName());
        Path ide = dir.resolve("ide.qcow2");
        Path virtio = dir.resolve("virtio.raw");
        for (List<String> create : List.of(List.of("qemu-img", "create", "-f", "qcow2", ide.toString(), "1M"),
                List.of("qemu-img", "create", "-f", "raw", virtio.toString(), "1M"))) {
            Files.deleteIfExists(Path.of(create.get(4)));
            GuestRun r = GuestProcess.run(create, Duration.ofSeconds(60), dir, "qemu-img");
            assertEquals(0, r.exitStatus(), r.summary());
        }
        List<String> options = List.of("-S", "-machine", "pc", "-m", "64M", "-display", "none", "-nodefaults",
                "-drive", "file=" + ide + ",format=qcow2,if=ide,id=d0",
                "-drive", "file=" + virtio + ",format=raw,if=none,id=d1", "-device", "virtio-blk-pci,drive=d1,id=v0");
        try (QmpVmProcess vm = QmpVmProcess.start(emulator, workspace, dir, 1, options);
             QmpClient qmp = vm.connect(0).negotiate()) {
            String mtree = qmp.hmp("info mtree");
            String qtree = qmp.hmp("info qtree");
            String irqPaused = qmp.hmp("info irq");
            qmp.execute("cont");
            String irqRun = irqPaused;
            long deadline = System.nanoTime() + QmpClient.REPLY_TIMEOUT.toNanos();
            while (irq0(irqRun) == 0 && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                irqRun = qmp.hmp("info irq");
            }
            return new Info(mtree, qtree, irqPaused, irqRun);
        }
    }

    /** The count of IRQ 0 in the i8259's statistics of {@code info irq}, 0 if not listed. */
    private static long irq0(String irq) {
        String section = irq.substring(irq.indexOf("IRQ statistics for isa-i8259:"));
        for (String line : section.split("\r\n")) {
            if (line.startsWith(" 0: ")) {
                return Long.parseLong(line.substring(4).trim());
            }
        }
        return 0;
    }

    @Test
    void infoOutputMatchesQemuWhereTheBoardsAgree() throws Exception {
        Info qemu = run(Emulator.QEMU);
        Info jemu = run(Emulator.JEMU);
        Map<String, String> q = regionLines(qemu.mtree());
        Map<String, String> j = regionLines(jemu.mtree());
        for (String name : SHARED_REGIONS) {
            assertTrue(q.containsKey(name), "QEMU has no region " + name + ":\n" + qemu.mtree());
            assertEquals(q.get(name), j.get(name), "info mtree, region " + name + "\n" + jemu.mtree());
        }
        for (String header : List.of("address-space: memory\r\n", "address-space: I/O\r\n", "memory-region: pc.ram\r\n")) {
            assertTrue(jemu.mtree().contains(header), header + jemu.mtree());
        }
        assertEquals(lines(qemu.qtree(), "class "), lines(jemu.qtree(), "class "), "info qtree\n" + jemu.qtree());
        // jemu's virtio-blk-pci has no MSI-X BAR yet: its BARs are some of QEMU's
        List<String> qemuBars = lines(qemu.qtree(), "bar ");
        List<String> jemuBars = lines(jemu.qtree(), "bar ");
        assertTrue(!jemuBars.isEmpty() && qemuBars.containsAll(jemuBars), "info qtree BARs\n" + jemuBars + "\n" + qemuBars);
        assertTrue(jemu.qtree().startsWith("bus: main-system-bus\r\n  type System\r\n"), jemu.qtree());
        for (Info i : List.of(qemu, jemu)) {
            assertTrue(i.irqPaused().contains("IRQ statistics for isa-i8259:\r\n"), i.irqPaused());
            assertTrue(irq0(i.irqRun()) > 0, "IRQ 0 never raised: " + i.irqRun());
        }
    }

    /** Each region line of the first tree a name appears in, without its indentation, by name. */
    private static Map<String, String> regionLines(String mtree) {
        Map<String, String> out = new TreeMap<>();
        for (String line : mtree.split("\r\n")) {
            int colon = line.indexOf("): ");
            if (colon > 0) {
                String rest = line.substring(colon + 3);
                String name = rest.startsWith("alias ") ? "alias " + rest.split(" ")[1] : rest;
                out.putIfAbsent(name, line.strip());
            }
        }
        return out;
    }

    /** The PCI lines ({@code class ..., addr ...} or {@code bar N: ...}) of a device tree, sorted, without indentation. */
    private static List<String> lines(String qtree, String prefix) {
        List<String> out = new ArrayList<>();
        for (String line : qtree.split("\r\n")) {
            String s = line.strip();
            if (s.startsWith(prefix) && s.contains(prefix.equals("bar ") ? " at 0x" : ", addr ")) {
                out.add(s);
            }
        }
        return new ArrayList<>(new TreeSet<>(out));
    }
}
