package dev.jemu.core.x86.jit;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Keeps translations out of HotSpot's optimizing compiler (C2). A translation is one large
 * method run for a short while; C2 spends far more CPU time compiling hundreds of them than
 * its code saves over C1's (measured in BENCHMARKS.md, "The CPU"), so the translating tier
 * lost to the interpreter on compiled guest code. {@link #keepOutOfC2} adds, once per JVM and
 * pattern, the compiler directive {@code [{ match: "PATTERN", c2: { Exclude: true } }]}
 * through the JDK's supported diagnostic command {@code Compiler.directives_add} (the
 * platform MBean {@code com.sun.management:type=DiagnosticCommand}, as {@code jcmd} does), so
 * the translations matched run at C1's full optimization level while the interpreter and
 * the helpers the translations call still reach C2. No JVM option is needed. The pattern
 * syntax is HotSpot's method pattern ({@code package/Class*.method}); it matches the names
 * of hidden classes too ({@code package/Class+0x...}).
 *
 * <p>If the JVM offers no such command (a runtime image without {@code jdk.management}) the
 * translations are compiled under the JVM's defaults; the equivalent option is
 * {@code -XX:+UnlockDiagnosticVMOptions -XX:CompilerDirectivesFile=FILE} with that directive
 * in FILE.
 *
 * <p>Threading: any thread; the calls are serialized.
 */
public final class CompilerDirectives {
    /** Each pattern asked for and whether its directive is in force. */
    private static final Map<String, Boolean> ASKED = new HashMap<>();

    private CompilerDirectives() {
    }

    /**
     * Asks HotSpot not to compile the methods matching {@code methodPattern} with C2, once per
     * pattern in this JVM (a failed attempt is not repeated). Returns whether the directive
     * is in force.
     */
    public static synchronized boolean keepOutOfC2(String methodPattern) {
        return ASKED.computeIfAbsent(methodPattern, CompilerDirectives::add);
    }

    private static boolean add(String methodPattern) {
        Path file = null;
        try {
            file = Files.createTempFile("jemu-directives", ".json");
            Files.writeString(file, "[{ match: \"" + methodPattern + "\", c2: { Exclude: true } }]\n");
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                    new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            return String.valueOf(out).startsWith("1 compiler directives added");
        } catch (IOException | JMException | LinkageError | SecurityException e) {
            return false;
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // A temporary file left behind is harmless.
                }
            }
        }
    }
}
