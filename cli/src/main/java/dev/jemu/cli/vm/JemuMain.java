package dev.jemu.cli.vm;

import dev.jemu.machine.Machine;
import dev.jemu.machine.MachineException;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * {@code jemu}: starts a virtual PC from QEMU-style options, through the embedding API
 * ({@link Machine#attachedTo}) with the process's standard streams as its {@code stdio}.
 *
 * <p>Threading: the process's main thread.
 */
public final class JemuMain {
    /** jemu's version, as {@code -version} prints it. */
    static final String VERSION = "0.1.0";

    private JemuMain() {
    }

    static final String USAGE = """
        usage: jemu [options] [disk_image]
        'disk_image' is a raw or qcow2 hard disk image for IDE hard disk 0

        Standard options:
          -h, -help              display this help and exit
          -version               display version information and exit
          -machine pc[,accel=tcg][,hpet=on|off][,smm=off]
                                 the machine type (the only one; no SMM yet)
          -accel tcg[,tier=translate|interp]
                                 the accelerator (jemu's own CPU: hot code translated
                                 to JVM bytecode, or tier=interp to only interpret)
          -cpu qemu64|max|help   the CPU model
          -smp 1                 one vCPU (the only choice)
          -m [size=]SIZE         RAM size, MiB without a suffix, e.g. 64M, 1.5G (default 128M)
          -name NAME             the guest's name
          -bios FILE             firmware image (default %s)
          -boot [order=cdan][,menu=on|off]
                                 the firmware's boot order
          -rtc [base=utc|localtime|DATETIME][,clock=host][,driftfix=none]
                                 the RTC's start time
          -icount [shift=]N[,sleep=off][,align=off]
                                 guest time advances 2^N ns per instruction (N 0..10); an
                                 idle CPU jumps to the next timer (always, as sleep=off;
                                 shift=auto and sleep=on are refused)
          -snapshot              write to temporary overlays, never to the images

        Block devices:
          -drive file=PATH[,if=ide|none][,format=raw|qcow2][,cache=writeback|none|writethrough|directsync|unsafe]
                 [,aio=threads][,readonly=on][,snapshot=on][,id=ID][,index=N][,bus=N,unit=N][,media=disk]
                 [,werror=report|ignore|stop|enospc][,rerror=report|ignore|stop][,discard=ignore|unmap]
          -hda/-hdb/-hdc/-hdd FILE
                                 IDE hard disk 0 to 3
          -blockdev driver=FMT,node-name=NAME,...
                                 a block node for -device ...,drive=NAME

        Devices (-device help lists them):
          -device ide-hd,drive=ID[,bus=ide.N][,unit=N][,serial=S]
          -device isa-debug-exit[,iobase=N][,iosize=N]
          -device isa-debugcon[,iobase=N][,chardev=ID]
          -object iothread,id=ID

        Character devices:
          -serial stdio|mon:stdio|null|none|file:PATH|chardev:ID|tcp:HOST:PORT,server=on,wait=off|unix:PATH,server=on,wait=off
          -chardev stdio|null|file|socket,id=ID,...
          -nographic             COM1 on standard input and output, no display
          -display none          no display (jemu has none)
          -nodefaults            no default devices (no COM1)

        Monitors (QMP):
          -qmp stdio|unix:PATH,server=on,wait=off|tcp:[HOST]:PORT,server=on,wait=off
                                 a QMP monitor (TCP on loopback when HOST is omitted)
          -mon chardev=ID,mode=control
                                 a QMP monitor on -chardev socket,...,server=on,wait=off or stdio
          -S                     start paused until the monitor's cont or gdb's continue

        Run control and debugging:
          -no-reboot             exit instead of rebooting
          -no-shutdown           stop instead of exiting when the guest powers off
          -kernel FILE           boot a multiboot kernel directly
          -append TEXT           the kernel's command line
          -d item,...|help       log in_asm, int, exec, cpu, cpu_reset, unimp, guest_errors, nochain
          -D FILE                write the log to FILE instead of standard error
          -gdb tcp:[HOST]:PORT|unix:PATH[,server=on][,wait=off]
                                 gdb's remote protocol (TCP on loopback when HOST is omitted;
                                 a Unix socket waits for gdb unless wait=off)
          -s                     -gdb tcp::1234
        """.formatted(PcVm.DEFAULT_BIOS);

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    /** Runs jemu with {@code args}; returns the exit status. */
    static int run(String[] args, InputStream stdin, OutputStream stdout, PrintStream err) {
        VmOptions options;
        try {
            options = VmOptions.parse(args);
        } catch (OptionException e) {
            err.println("jemu: " + e.getMessage());
            return 1;
        }
        PrintStream out = new PrintStream(stdout, true);
        switch (options.action) {
            case HELP -> {
                out.print(USAGE);
                return 0;
            }
            case VERSION -> {
                out.println("jemu emulator version " + VERSION);
                return 0;
            }
            case DEVICE_HELP -> {
                for (Map.Entry<String, String> m : Devices.MODELS.entrySet()) {
                    out.println("name \"" + m.getKey() + "\", " + m.getValue());
                }
                return 0;
            }
            case MACHINE_HELP -> {
                out.println("Supported machines are:");
                out.println("pc                   Standard PC (i440FX + PIIX, 1996) (alias of pc-i440fx-7.2)");
                return 0;
            }
            case CPU_HELP -> {
                out.println("x86 qemu64             QEMU Virtual CPU version 2.5+");
                out.println("x86 max                Enables all features supported by the accelerator in the current host");
                return 0;
            }
            case LOG_HELP -> {
                out.print(VmOptions.LOG_HELP);
                return 0;
            }
            case RUN -> {
            }
        }
        Machine machine;
        try {
            machine = Machine.attachedTo(stdin, stdout, err, List.of(args));
        } catch (MachineException e) {
            err.println("jemu: " + e.getMessage());
            return 1;
        }
        try (machine) {
            int status = machine.start().waitForExit();
            if (machine.failure() != null) {
                err.println("jemu: internal error: " + machine.failure());
                machine.failure().printStackTrace(err);
                return 1;
            }
            return status;
        }
    }
}
