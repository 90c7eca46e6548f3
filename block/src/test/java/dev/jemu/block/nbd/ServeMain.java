package dev.jemu.block.nbd;

import java.nio.file.Path;

/**
 * A jemu NBD server in a JVM of its own, for tests that need JVM options of their own: serves
 * the image named by its argument (export "", writable, two clients), prints the port and
 * serves until its standard input closes.
 */
public final class ServeMain {
    private ServeMain() {
    }

    public static void main(String[] args) throws Exception {
        try (NbdTesting.Served served = NbdTesting.serve(Path.of(args[0]), NbdTesting.settings("", false, 2), 2,
                10_000)) {
            System.out.println(served.port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // Serve until the test closes our standard input.
            }
        }
    }
}
