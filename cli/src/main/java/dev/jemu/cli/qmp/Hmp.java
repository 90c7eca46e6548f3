package dev.jemu.cli.qmp;

import dev.jemu.block.BlockDriverState;
import dev.jemu.core.x86.CpuStateDump;
import dev.jemu.devices.pc.PcBoard;
import dev.jemu.devices.pci.PciDevice;

import java.util.List;

/**
 * The human monitor commands {@code human-monitor-command} runs, with QEMU's output formats:
 * {@code info registers}, {@code info block}, {@code info pci}, {@code info mtree}, {@code info
 * qtree} (the PCI part of the tree), {@code info irq}, {@code info status}, {@code info cpus},
 * {@code info name}, {@code info version}, {@code x} and {@code xp} ({@link HmpMemoryDump}),
 * {@code stop} and {@code c}/{@code cont}; and jemu's own {@code info coroutines}. Lines end in
 * CR LF as QEMU's monitor writes them; a line that does not parse answers QEMU's complaint as
 * its output ({@link HmpError}), and an unknown command or {@code info} topic QEMU's
 * "unknown command".
 *
 * <p>Threading: the main loop thread; device and memory state is read under the big lock. The
 * CPU's registers are read as they are: stop the machine first for a consistent set.
 */
final class Hmp {
    /** The {@code info} topics jemu's monitor answers. */
    static final String INFO_TOPICS = "registers, block, pci, mtree, qtree, irq, coroutines, status, cpus, name, version";

    private final QmpVm vm;
    private final QmpCommands commands;
    private final HmpMemoryDump memory = new HmpMemoryDump();

    Hmp(QmpVm vm, QmpCommands commands) {
        this.vm = vm;
        this.commands = commands;
    }

    /**
     * Runs {@code line}: its output, or as QEMU's monitor prints them its parse error and the
     * pointer to its help, or "Error: " and why the command failed. The command's name ends at a
     * space or at the {@code /} of a format.
     */
    String execute(String line) {
        String text = line.strip();
        int end = 0;
        while (end < text.length() && !Character.isWhitespace(text.charAt(end)) && text.charAt(end) != '/') {
            end++;
        }
        String name = text.substring(0, end);
        String args = text.substring(end);
        try {
            return switch (name) {
                case "" -> "";
                case "info" -> info(args.strip());
                case "x", "xp" -> memory.run(vm.board(), name, args);
                case "stop" -> {
                    vm.stop();
                    yield "";
                }
                case "c", "cont" -> {
                    vm.cont();
                    yield "";
                }
                default -> "unknown command: '" + name + "'\r\n";
            };
        } catch (HmpError e) {
            return e.text();
        } catch (QmpError e) {
            return "Error: " + e.getMessage() + "\r\n";
        }
    }

    private String info(String args) throws QmpError, HmpError {
        int space = args.indexOf(' ');
        String what = space < 0 ? args : args.substring(0, space);
        String rest = space < 0 ? "" : args.substring(space + 1).strip();
        if (what.equals("registers")) {
            return registers(rest);
        }
        if (!rest.isEmpty() && !what.equals("block") && !what.equals("mtree")) {
            throw new HmpError("info " + what, what + ": extraneous characters at the end of line");
        }
        return switch (what) {
            case "block" -> block();
            case "pci" -> pci();
            case "status" -> "VM status: " + switch (vm.status()) {
                case "running" -> "running";
                case "prelaunch" -> "paused (prelaunch)";
                case "shutdown" -> "paused (shutdown)";
                case "debug" -> "paused (debug)";
                default -> "paused";
            } + "\r\n";
            case "cpus" -> "* CPU #0: thread_id=" + QmpCommands.nativeThreadId(vm.vcpuThread()) + "\r\n";
            case "coroutines" -> commands.introspection().infoCoroutines();
            case "mtree" -> vm.board().bql().call(() -> MemoryTreeDump.of(List.of(vm.board().memory(), vm.board().io())));
            case "qtree" -> qtree();
            case "irq" -> irq();
            case "name" -> vm.name() == null ? "" : vm.name() + "\r\n";
            case "version" -> vm.version() + " (jemu)\r\n";
            case "" -> "info: " + INFO_TOPICS + "\r\n";
            default -> "unknown command: 'info " + what + "'\r\n";
        };
    }

    /**
     * {@code info registers [-a] [CPU]}: QEMU's register dump of the one CPU (general, segment,
     * control and debug registers, then x87 and SSE); another CPU index is "not available".
     */
    private String registers(String args) throws HmpError {
        String rest = args.startsWith("-a") && (args.length() == 2 || Character.isWhitespace(args.charAt(2)))
                ? args.substring(2).strip() : args;
        PcBoard board = vm.board();
        if (!rest.isEmpty()) {
            long index = HmpError.underLock(board.bql(),
                    () -> HmpExpression.evaluateRest(rest, 0, "info registers", board.cpu()));
            if (index != 0) {
                return "CPU#" + index + " not available\r\n";
            }
        }
        return board.bql().call(() -> "\r\nCPU#0\r\n" + CpuStateDump.of(board.cpu(), true).replace("\n", "\r\n") + "\r\n");
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
}
