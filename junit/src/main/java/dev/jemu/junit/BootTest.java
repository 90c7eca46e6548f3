package dev.jemu.junit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test that boots a machine: {@link JemuExtension} builds it from {@link #args()} (the words
 * {@code jemu} takes) or from the static method {@link #machine()} names, starts it, and
 * passes it to the test method's {@link dev.jemu.machine.Machine} and
 * {@link dev.jemu.machine.Console} parameters; the machine is closed after the test. With
 * {@link #args()}, COM1 is the console unless the words say otherwise ({@code -serial
 * stdio} is added when they name no {@code -serial} and no {@code -nographic}).
 *
 * <pre>{@code
 * @BootTest(args = {"-m", "64M", "-kernel", "guest.bin"}, timeoutSeconds = 30)
 * void boots(Console console) {
 *     console.expect("login:");
 * }
 * }</pre>
 *
 * <p>Threading: an annotation; JUnit reads it on the thread that runs the test.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Test
@ExtendWith(JemuExtension.class)
public @interface BootTest {
    /** The machine's command-line words; {@code {user.dir}} stands for the working directory. */
    String[] args() default {};

    /**
     * The name of a static method of the test class that returns the machine's
     * {@link dev.jemu.machine.MachineBuilder}; it may take a {@link Disks} parameter for
     * overlays. Used instead of {@link #args()}.
     */
    String machine() default "";

    /**
     * How long the test may take, in seconds: the console's waits time out after it, and a
     * machine still running then is stopped and the test fails.
     */
    long timeoutSeconds() default 60;
}
