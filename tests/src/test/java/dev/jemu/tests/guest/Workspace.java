package dev.jemu.tests.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where things are: the checkout root (with {@code images/} and {@code bin/}) and this module's
 * build directory, from the {@code jemu.root} and {@code jemu.build} system properties that the
 * module's Surefire configuration sets.
 */
public record Workspace(Path root, Path build) {

    public Workspace {
        root = root.toAbsolutePath().normalize();
        build = build.toAbsolutePath().normalize();
    }

    /** The workspace of the running test JVM. */
    public static Workspace current() {
        return new Workspace(Path.of(required("jemu.root")), Path.of(required("jemu.build")));
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + property
                    + " is not set (the tests module's Surefire configuration sets it)");
        }
        return value;
    }

    public Path images() {
        return root.resolve("images");
    }

    /** The include directory of the test kernels' shared nasm sources. */
    public Path imageLib() {
        return images().resolve("lib");
    }

    public Path jemuLauncher() {
        return root.resolve("bin").resolve("jemu");
    }

    /** A directory under the build directory, created if missing. */
    public Path buildDir(String name) throws IOException {
        return Files.createDirectories(build.resolve(name));
    }
}
