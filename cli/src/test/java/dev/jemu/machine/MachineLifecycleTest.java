package dev.jemu.machine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Closing a machine releases what it took: 200 machines, each built, started until its guest
 * writes, and closed, leave the JVM with the threads and open file descriptors it had.
 */
class MachineLifecycleTest {
    private static final int MACHINES = 200;

    @Test
    void twoHundredMachinesLeaveNoThreadNorDescriptorBehind(@TempDir Path dir) throws Exception {
        Path kernel = Guests.clockGuest(dir);
        Path disk = dir.resolve("disk.raw");
        try (var f = new java.io.RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        List<String> args = new java.util.ArrayList<>(Guests.COMMON);
        args.addAll(List.of("-icount", "shift=3", "-object", "iothread,id=io0",
                "-drive", "file=" + disk + ",format=raw,if=none,id=d0", "-device", "virtio-blk-pci,drive=d0,iothread=io0",
                "-kernel", kernel.toString()));
        runOnce(args);
        Set<String> threadsBefore = threads();
        Set<String> fdsBefore = fds();
        for (int i = 0; i < MACHINES; i++) {
            runOnce(args);
        }
        assertEquals(threadsBefore, threads(), "threads after " + MACHINES + " machines");
        assertEquals(fdsBefore, fds(), "open file descriptors after " + MACHINES + " machines");
    }

    @Test
    void machinesThatFailHalfWayThroughTheBuildLeaveNothingBehind(@TempDir Path dir) throws Exception {
        Path kernel = Guests.clockGuest(dir);
        Path disk = dir.resolve("disk.raw");
        try (var f = new java.io.RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        // the IOThread, the console, the first disk and its device are made before the second
        // -drive fails to open
        List<String> args = new java.util.ArrayList<>(Guests.COMMON);
        args.addAll(List.of("-object", "iothread,id=io0",
                "-drive", "file=" + disk + ",format=raw,if=none,id=d0", "-device", "virtio-blk-pci,drive=d0,iothread=io0",
                "-drive", "file=" + dir.resolve("missing.raw") + ",format=raw,if=virtio", "-kernel", kernel.toString()));
        failOnce(args);
        Set<String> threadsBefore = threads();
        Set<String> fdsBefore = fds();
        for (int i = 0; i < 50; i++) {
            failOnce(args);
        }
        assertEquals(threadsBefore, threads(), "threads after 50 failed builds");
        assertEquals(fdsBefore, fds(), "open file descriptors after 50 failed builds");
    }

    private static void failOnce(List<String> args) {
        MachineException e = org.junit.jupiter.api.Assertions.assertThrows(MachineException.class, () -> Machine.fromArgs(args));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("missing.raw"), e.getMessage());
    }

    private static void runOnce(List<String> args) {
        try (Machine m = Machine.fromArgs(args)) {
            m.start().console().expect("clock guest");
        }
    }

    /** The live threads, by identity and name. */
    private static Set<String> threads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .map(t -> t.threadId() + " " + t.getName()).collect(Collectors.toCollection(HashSet::new));
    }

    /** The open descriptors with what they point at. */
    private static Set<String> fds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            Set<String> out = new HashSet<>();
            for (Path p : s.toList()) {
                try {
                    out.add(p.getFileName() + " -> " + Files.readSymbolicLink(p));
                } catch (IOException e) {
                    // the descriptor of the listing itself, closed by now
                }
            }
            return out;
        }
    }
}
