package dev.jemu.cli.vm;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;

import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;

/** {@code jemu}: starts a virtual PC from QEMU-style options. */
public final class JemuMain {
    private JemuMain() {
    }

    static final String USAGE = """
        usage: jemu [options]
          -machine pc            the machine type (the only one)
          -m SIZE                RAM size, e.g. 64M or 1G (default 128M)
          -cpu qemu64            the CPU model (the only one)
          -kernel FILE           boot a multiboot kernel directly
          -append TEXT           the kernel's command line
          -bios FILE             firmware image (default %s)
          -serial stdio|null     where COM1 goes (default: nowhere)
          -nographic             same as -serial stdio -display none
          -display none          no display (the only kind)
          -device isa-debug-exit[,iobase=N][,iosize=N]
                                 a port whose writes end jemu with status (value << 1) | 1
          -no-reboot             exit instead of rebooting on a triple fault or reset
          -d int,cpu_reset,guest_errors,unimp
                                 log these events
          -D FILE                write the log to FILE instead of standard error
        """.formatted(PcVm.DEFAULT_BIOS);

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs jemu with {@code args}; returns the exit status. */
    static int run(String[] args, OutputStream serialOut, PrintStream err) {
        VmOptions options;
        try {
            options = VmOptions.parse(args);
        } catch (OptionException e) {
            err.println("jemu: " + e.getMessage());
            return 1;
        }
        if (options == null) {
            err.print(USAGE);
            return 0;
        }
        if (options.logFile() != null) {
            try {
                Log.setOutput(new PrintStream(new FileOutputStream(options.logFile()), true));
            } catch (FileNotFoundException e) {
                err.println("jemu: -D " + options.logFile() + ": cannot open: " + e.getMessage());
                return 1;
            }
        }
        Log.enable(options.logCategories().toArray(new LogCategory[0]));
        PcVm vm;
        try {
            vm = new PcVm(options, options.serialStdio() ? serialOut : OutputStream.nullOutputStream());
        } catch (OptionException e) {
            err.println("jemu: " + e.getMessage());
            return 1;
        }
        return vm.run();
    }
}
