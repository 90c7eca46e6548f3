package dev.jemu.cli.qmp;

import dev.jemu.block.BlockDriverState;
import dev.jemu.core.x86.Cpu;
import dev.jemu.core.x86.DebugPageWalk;
import dev.jemu.core.x86.Segment;
import dev.jemu.devices.pc.PcBoard;
import dev.jemu.devices.pci.PciDevice;

import java.util.List;
import java.util.Locale;

/**
 * The human monitor commands {@code human-monitor-command} runs, with QEMU's output formats:
 * {@code info registers}, {@code info block}, {@code info pci}, {@code info mtree}, {@code info
 * qtree} (the PCI part of the tree), {@code info irq}, {@code info status}, {@code info name},
 * {@code info version}, {@code x /FMT ADDR} (through the guest's paging) and {@code xp /FMT
 * ADDR}; and jemu's own {@code info coroutines}. Lines end in CR LF as QEMU's monitor writes them.
 *
 * <p>Threading: the main loop thread; device and memory state is read under the big lock. The
 * CPU's registers are read as they are: stop the machine first for a consistent set.
 */
final class Hmp {
    /** The most units one {@code x}/{@code xp} dumps (a reply stays far below the output bound). */
    static final int MAX_COUNT = 4096;

    /** The {@code info} topics jemu's monitor answers. */
    static final String INFO_TOPICS = "registers, block, pci, mtree, qtree, irq, coroutines, status, name, version";

    private final QmpVm vm;
    private final QmpCommands commands;

    Hmp(QmpVm vm, QmpCommands commands) {
        this.vm = vm;
        this.commands = commands;
    }

    /** Runs {@code line}; its output, or QEMU's complaint about it. */
    String execute(String line) throws QmpError {
        String[] words = line.trim().split("\\s+");
        if (words[0].isEmpty()) {
            return "";
        }
        return switch (words[0]) {
            case "info" -> info(words.length > 1 ? words[1] : "");
            case "x" -> memoryDump(words, false);
            case "xp" -> memoryDump(words, true);
            default -> "unknown command: '" + words[0] + "'\r\n";
        };
    }

    private String info(String what) throws QmpError {
        return switch (what) {
            case "registers" -> registers();
            case "block" -> block();
            case "pci" -> pci();
            case "status" -> "VM status: " + switch (vm.status()) {
                case "running" -> "running";
                case "prelaunch" -> "paused (prelaunch)";
                case "shutdown" -> "paused (shutdown)";
                default -> "paused";
            } + "\r\n";
            case "coroutines" -> commands.introspection().infoCoroutines();
            case "mtree" -> vm.board().bql().call(() -> MemoryTreeDump.of(List.of(vm.board().memory(), vm.board().io())));
            case "qtree" -> qtree();
            case "irq" -> irq();
            case "name" -> vm.name() == null ? "" : vm.name() + "\r\n";
            case "version" -> vm.version() + " (jemu)\r\n";
            case "" -> "info: " + INFO_TOPICS + "\r\n";
            default -> throw QmpError.generic("info " + what + ": jemu's monitor has info " + INFO_TOPICS);
        };
    }

    private String registers() {
        PcBoard board = vm.board();
        return board.bql().call(() -> {
            Cpu cpu = board.cpu();
            StringBuilder sb = new StringBuilder("\r\nCPU#0\r\n");
            boolean lma = (cpu.efer() & (1 << 10)) != 0;
            String[] names = {"AX", "BX", "CX", "DX", "SI", "DI", "BP", "SP"};
            int[] regs = {Cpu.RAX, Cpu.RBX, Cpu.RCX, Cpu.RDX, Cpu.RSI, Cpu.RDI, Cpu.RBP, Cpu.RSP};
            if (lma) {
                for (int i = 0; i < 8; i++) {
                    sb.append(String.format("R%s=%016x%s", names[i], cpu.reg(regs[i]), i % 4 == 3 ? "\r\n" : " "));
                }
                for (int i = 8; i < 16; i++) {
                    sb.append(String.format("R%-2d=%016x%s", i, cpu.reg(i), i % 4 == 3 ? "\r\n" : " "));
                }
                sb.append(String.format("RIP=%016x RFL=%08x ", cpu.rip(), cpu.rflags()));
            } else {
                for (int i = 0; i < 8; i++) {
                    sb.append(String.format("E%s=%08x%s", names[i], cpu.reg(regs[i]) & 0xFFFF_FFFFL, i % 4 == 3 ? "\r\n" : " "));
                }
                sb.append(String.format("EIP=%08x EFL=%08x ", cpu.rip() & 0xFFFF_FFFFL, cpu.rflags()));
            }
            sb.append(flags(cpu.rflags())).append(String.format(" CPL=%d II=0 A20=1 SMM=0 HLT=%d\r\n", cpu.cpl(),
                    cpu.isHalted() ? 1 : 0));
            String[] segNames = {"ES", "CS", "SS", "DS", "FS", "GS"};
            for (int i = 0; i < 6; i++) {
                Segment s = cpu.segment(i);
                int attr = s.attributes();
                long rawLimit = (attr & (1 << 15)) != 0 ? s.limit() >>> 12 : s.limit();
                long descFlags = ((attr & 0xFFL) << 8) | (rawLimit & 0xF0000L) | (((attr >> 12) & 0xFL) << 20);
                sb.append(String.format(lma ? "%s =%04x %016x %08x %08x DPL=%d\r\n" : "%s =%04x %08x %08x %08x DPL=%d\r\n",
                        segNames[i], s.selector(), lma ? s.base() : s.base() & 0xFFFF_FFFFL, s.limit() & 0xFFFF_FFFFL,
                        descFlags, (attr >> 5) & 3));
            }
            String crFmt = lma ? "CR0=%08x CR2=%016x CR3=%016x CR4=%08x\r\n" : "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\r\n";
            sb.append(String.format(crFmt, cpu.cr(0), cpu.cr(2), cpu.cr(3), cpu.cr(4)));
            sb.append(String.format("EFER=%016x\r\n", cpu.efer()));
            return sb.toString();
        });
    }

    /** QEMU's flag letters: DF, SF, ZF, AF, PF, CF ({@code [---Z-P-]}: O D S Z A P C). */
    private static String flags(long rflags) {
        char[] f = {'O', 'D', 'S', 'Z', 'A', 'P', 'C'};
        int[] bits = {11, 10, 7, 6, 4, 2, 0};
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < f.length; i++) {
            sb.append((rflags >> bits[i] & 1) != 0 ? f[i] : '-');
        }
        return sb.append(']').toString();
    }

    private String block() {
        StringBuilder sb = new StringBuilder();
        for (QmpVm.Drive d : vm.drives()) {
            BlockDriverState root = d.backend().root();
            sb.append(d.id()).append(" (").append(commands.nodeName(root)).append("): ").append(root.filename())
                    .append(" (").append(root.driver().formatName()).append(root.isReadOnly() ? ", read-only" : "")
                    .append(")\r\n");
            sb.append("    Cache mode:       ").append(d.cacheMode()).append("\r\n");
        }
        return sb.toString();
    }

    /**
     * {@code info irq}: QEMU's "IRQ statistics" of the interrupt controller, the times each ISA
     * IRQ line was raised, only the lines raised at least once.
     */
    private String irq() {
        long[] counts = vm.board().bql().call(() -> vm.board().isaIrqCounts());
        StringBuilder sb = new StringBuilder("IRQ statistics for isa-i8259:\r\n");
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) {
                sb.append(String.format("%2d: %d\r\n", i, counts[i]));
            }
        }
        return sb.toString();
    }

    /**
     * {@code info qtree}: the device tree as far as jemu's board has one, the PCI bus under the
     * host bridge, each function with QEMU's {@code addr} property, class line and BARs.
     */
    private String qtree() {
        PcBoard board = vm.board();
        return board.bql().call(() -> {
            StringBuilder sb = new StringBuilder("bus: main-system-bus\r\n  type System\r\n");
            sb.append("  dev: i440FX-pcihost, id \"\"\r\n    bus: pci.0\r\n      type PCI\r\n");
            for (PciDevice dev : board.pci().functions()) {
                int devfn = dev.devfn();
                String at = String.format("%02x.%x", devfn >> 3, devfn & 7);
                sb.append("      dev: ").append(dev.name()).append(", id \"\"\r\n");
                sb.append("        addr = ").append(at).append("\r\n");
                int classCode = (int) dev.configRead(PciDevice.CLASS_PROG + 1, 2);
                sb.append(String.format("        class %s, addr 00:%s, pci id %04x:%04x (sub %04x:%04x)\r\n",
                        QmpCommands.className(classCode), at, dev.configRead(PciDevice.VENDOR_ID, 2),
                        dev.configRead(PciDevice.DEVICE_ID, 2), dev.configRead(PciDevice.SUBSYSTEM_VENDOR_ID, 2),
                        dev.configRead(PciDevice.SUBSYSTEM_ID, 2)));
                for (int bar = 0; bar < 6; bar++) {
                    long size = dev.barSize(bar);
                    if (size != 0) {
                        long addr = dev.barAddress(bar) < 0 ? -1 : dev.barAddress(bar);
                        sb.append(String.format("        bar %d: %s at 0x%x [0x%x]\r\n", bar, dev.barIsIo(bar) ? "i/o" : "mem",
                                addr, addr + size - 1));
                    }
                }
            }
            return sb.toString();
        });
    }

    private String pci() {
        PcBoard board = vm.board();
        return board.bql().call(() -> {
            StringBuilder sb = new StringBuilder();
            for (PciDevice dev : board.pci().functions()) {
                int devfn = dev.devfn();
                sb.append(String.format("  Bus  0, device %3d, function %d:\r\n", devfn >> 3, devfn & 7));
                int classCode = (int) dev.configRead(PciDevice.CLASS_PROG + 1, 2);
                sb.append(String.format("    %s: PCI device %04x:%04x\r\n", QmpCommands.className(classCode),
                        dev.configRead(PciDevice.VENDOR_ID, 2), dev.configRead(PciDevice.DEVICE_ID, 2)));
                sb.append(String.format("      PCI subsystem %04x:%04x\r\n", dev.configRead(PciDevice.SUBSYSTEM_VENDOR_ID, 2),
                        dev.configRead(PciDevice.SUBSYSTEM_ID, 2)));
                int pin = (int) dev.configRead(PciDevice.INTERRUPT_PIN, 1);
                if (pin != 0) {
                    sb.append(String.format("      IRQ %d, pin %c\r\n", dev.configRead(PciDevice.INTERRUPT_LINE, 1),
                            (char) ('A' + pin - 1)));
                }
                for (int bar = 0; bar < 6; bar++) {
                    long size = dev.barSize(bar);
                    if (size == 0) {
                        continue;
                    }
                    long addr = dev.barAddress(bar);
                    boolean io = dev.barIsIo(bar);
                    sb.append(String.format("      BAR%d: %s at 0x%s [0x%0" + (io ? 4 : 8) + "x].\r\n", bar,
                            io ? "I/O" : "32 bit memory", addr < 0 ? "ffffffffffffffff" : String.format(io ? "%04x" : "%08x", addr),
                            addr + size - 1));
                }
                sb.append("      id \"\"\r\n");
            }
            return sb.toString();
        });
    }

    /** {@code x /FMT ADDR} and {@code xp /FMT ADDR}: FMT is a count, a format (x, d, u) and a size (b, h, w, g). */
    private String memoryDump(String[] words, boolean physical) throws QmpError {
        String cmd = words[0];
        int count = 1;
        char format = 'x';
        int size = 4;
        int at = 1;
        if (words.length > 1 && words[1].startsWith("/")) {
            String fmt = words[1].substring(1);
            int k = 0;
            while (k < fmt.length() && Character.isDigit(fmt.charAt(k))) {
                k++;
            }
            if (k > 0) {
                if (k > 4 || Integer.parseInt(fmt.substring(0, k)) > MAX_COUNT) {
                    throw QmpError.generic(cmd + ": jemu dumps at most " + MAX_COUNT + " units at a time");
                }
                count = Integer.parseInt(fmt.substring(0, k));
            }
            for (char c : fmt.substring(k).toCharArray()) {
                switch (c) {
                    case 'x', 'd', 'u' -> format = c;
                    case 'b' -> size = 1;
                    case 'h' -> size = 2;
                    case 'w' -> size = 4;
                    case 'g' -> size = 8;
                    default -> throw QmpError.generic(cmd + ": invalid char in format: '" + c + "'");
                }
            }
            at = 2;
        }
        if (words.length <= at) {
            throw QmpError.generic(cmd + ": missing address");
        }
        long addr;
        try {
            String a = words[at].toLowerCase(Locale.ROOT);
            addr = a.startsWith("0x") ? Long.parseUnsignedLong(a.substring(2), 16) : Long.parseUnsignedLong(a);
        } catch (NumberFormatException e) {
            throw QmpError.generic(cmd + ": invalid address '" + words[at] + "'");
        }
        return dump(addr, count, format, size, physical);
    }

    /**
     * The dump, line by line as QEMU prints it; {@code x} reads through the CPU's current paging,
     * and a line that is not all mapped ends the dump with QEMU's "Cannot access memory".
     */
    private String dump(long first, int n, char format, int size, boolean physical) {
        PcBoard board = vm.board();
        int perLine = size == 8 ? 2 : size == 4 ? 4 : 8;
        return board.bql().call(() -> {
            Cpu cpu = board.cpu();
            long cr0 = cpu.cr(0);
            long cr3 = cpu.cr(3);
            long cr4 = cpu.cr(4);
            long efer = cpu.efer();
            StringBuilder sb = new StringBuilder();
            long[] line = new long[perLine];
            for (int i = 0; i < n; i++) {
                long a = first + (long) i * size;
                if (i % perLine == 0) {
                    sb.append(String.format("%016x:", a));
                    int units = Math.min(perLine, n - i);
                    for (int u = 0; u < units; u++) {
                        long unit = a + (long) u * size;
                        if (physical) {
                            line[u] = board.memory().read(unit, size);
                            continue;
                        }
                        long value = 0;
                        for (int b = size - 1; b >= 0; b--) {
                            long phys = DebugPageWalk.physical(board.memory(), cr0, cr3, cr4, efer, unit + b);
                            if (phys < 0) {
                                return sb.append(" Cannot access memory\r\n").toString();
                            }
                            value = value << 8 | board.memory().read(phys, 1);
                        }
                        line[u] = value;
                    }
                }
                long v = line[i % perLine];
                sb.append(' ').append(switch (format) {
                    case 'd' -> Long.toString(size == 8 ? v : signExtend(v, size));
                    case 'u' -> Long.toUnsignedString(v);
                    default -> String.format("0x%0" + size * 2 + "x", v);
                });
                if (i % perLine == perLine - 1 || i == n - 1) {
                    sb.append("\r\n");
                }
            }
            return sb.toString();
        });
    }

    private static long signExtend(long v, int size) {
        int shift = 64 - size * 8;
        return v << shift >> shift;
    }
}
