package dev.jemu.cli.vm;

import dev.jemu.core.log.LogCategory;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VmOptionsTest {
    @Test
    void parsesTheTestKernelCommandLine() throws Exception {
        VmOptions o = VmOptions.parse(("-machine pc -m 64M -display none -serial stdio -no-reboot "
                + "-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel test.bin").split(" "));
        assertEquals(64L << 20, o.ramBytes());
        assertTrue(o.serialStdio());
        assertTrue(o.noReboot());
        assertEquals("test.bin", o.kernel());
        assertEquals(List.of(new VmOptions.DebugExit(0xF4, 4)), o.debugExits());
    }

    @Test
    void acceptsDoubleDashSizesInGigabytesAndLogCategories() throws Exception {
        VmOptions o = VmOptions.parse(new String[] {"--m", "2G", "-d", "int,unimp", "-D", "log.txt"});
        assertEquals(2L << 30, o.ramBytes());
        assertEquals(Set.of(LogCategory.INT, LogCategory.UNIMP), o.logCategories());
        assertEquals("log.txt", o.logFile());
        assertEquals(128, VmOptions.parse(new String[] {"-m", "128"}).ramBytes() >> 20);
    }

    @Test
    void helpReturnsNoOptions() throws Exception {
        assertNull(VmOptions.parse(new String[] {"-help"}));
    }

    @Test
    void rejectsUnknownOptionNamingIt() {
        OptionException e = assertThrows(OptionException.class, () -> VmOptions.parse(new String[] {"-m", "64M", "-frobnicate"}));
        assertEquals("-frobnicate: invalid option", e.getMessage());
    }

    @Test
    void rejectsOptionWithoutItsArgument() {
        OptionException e = assertThrows(OptionException.class, () -> VmOptions.parse(new String[] {"-kernel"}));
        assertEquals("-kernel: requires an argument", e.getMessage());
    }

    @Test
    void rejectsBadValuesNamingOptionAndValue() {
        assertEquals("-m 3X: invalid RAM size '3X'",
                assertThrows(OptionException.class, () -> VmOptions.parse(new String[] {"-m", "3X"})).getMessage());
        assertEquals("-device isa-debug-exit,iosize=3: iosize must be 1, 2 or 4",
                assertThrows(OptionException.class,
                        () -> VmOptions.parse(new String[] {"-device", "isa-debug-exit,iosize=3"})).getMessage());
        assertEquals("-device isa-debug-exit,colour=red: property 'isa-debug-exit.colour' not found",
                assertThrows(OptionException.class,
                        () -> VmOptions.parse(new String[] {"-device", "isa-debug-exit,colour=red"})).getMessage());
        assertEquals("-serial tcp::4444: character device backend 'tcp::4444' is not supported (stdio, null, none)",
                assertThrows(OptionException.class, () -> VmOptions.parse(new String[] {"-serial", "tcp::4444"})).getMessage());
    }
}
