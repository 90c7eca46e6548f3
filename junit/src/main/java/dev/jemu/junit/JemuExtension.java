package dev.jemu.junit;

import dev.jemu.machine.Console;
import dev.jemu.machine.Machine;
import dev.jemu.machine.MachineBuilder;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

import java.io.IOException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The JUnit 5 extension behind {@link BootTest}: resolves {@link Machine}, {@link Console},
 * {@link Disks} and {@link JemuMachines} parameters, stops the test's machines when its
 * timeout is up, turns a failure into a {@link BootTestFailure} that carries the machines'
 * report, and closes the machines and deletes the disks after the test. Register it with
 * {@code @ExtendWith(JemuExtension.class)} to inject {@link JemuMachines} and {@link Disks}
 * in other tests (a {@code @ParameterizedTest} boot table). Every test has state of its own in
 * its extension context, so tests may run in parallel ({@code junit.jupiter.execution.parallel}).
 *
 * <p>Threading: JUnit calls it on the threads that run the tests; it keeps no state of its own.
 */
public final class JemuExtension implements ParameterResolver, InvocationInterceptor, TestExecutionExceptionHandler,
        AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(JemuExtension.class);
    /** The timeout of a test without {@link BootTest}. */
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** Creates the extension (JUnit does). */
    public JemuExtension() {
    }

    /** One test's machines, disks and declared machine. Guarded by the test's thread. */
    private static final class TestState {
        final JemuMachines machines;
        final Disks disks = new Disks();
        Machine declared;
        volatile boolean timedOut;

        TestState(Duration timeout) {
            machines = new JemuMachines(timeout);
        }
    }

    private static TestState state(ExtensionContext context) {
        BootTest boot = context.getRequiredTestMethod().getAnnotation(BootTest.class);
        Duration timeout = boot != null ? Duration.ofSeconds(boot.timeoutSeconds()) : DEFAULT_TIMEOUT;
        return context.getStore(NAMESPACE).computeIfAbsent(TestState.class, k -> new TestState(timeout), TestState.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (type == Disks.class || type == JemuMachines.class) {
            return true;
        }
        return (type == Machine.class || type == Console.class)
                && context.getRequiredTestMethod().isAnnotationPresent(BootTest.class);
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        TestState s = state(context);
        Class<?> type = parameter.getParameter().getType();
        if (type == Disks.class) {
            return s.disks;
        }
        if (type == JemuMachines.class) {
            return s.machines;
        }
        if (s.declared == null) {
            s.declared = declaredMachine(context, s);
        }
        return type == Machine.class ? s.declared : s.declared.console();
    }

    /** Builds and starts the machine {@link BootTest} declares. */
    private static Machine declaredMachine(ExtensionContext context, TestState s) {
        BootTest boot = context.getRequiredTestMethod().getAnnotation(BootTest.class);
        if (!boot.machine().isEmpty()) {
            return s.machines.boot(builder(context.getRequiredTestClass(), boot.machine(), s.disks));
        }
        if (boot.args().length == 0) {
            throw new ParameterResolutionException("@BootTest on " + context.getRequiredTestMethod().getName()
                    + " declares neither args nor machine");
        }
        List<String> args = new ArrayList<>();
        for (String a : boot.args()) {
            args.add(a.replace("{user.dir}", System.getProperty("user.dir")));
        }
        if (!args.contains("-serial") && !args.contains("-nographic")) {
            args.addAll(List.of("-serial", "stdio"));
        }
        return s.machines.boot(args);
    }

    /** Calls the static builder method {@code name} of {@code testClass}, with {@code disks} if it takes them. */
    private static MachineBuilder builder(Class<?> testClass, String name, Disks disks) {
        try {
            for (Method m : testClass.getDeclaredMethods()) {
                if (m.getName().equals(name) && java.lang.reflect.Modifier.isStatic(m.getModifiers())
                        && m.getReturnType() == MachineBuilder.class) {
                    m.setAccessible(true);
                    return (MachineBuilder) (m.getParameterCount() == 0 ? m.invoke(null) : m.invoke(null, disks));
                }
            }
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ParameterResolutionException("@BootTest machine method " + name + " failed: " + cause, cause);
        }
        throw new ParameterResolutionException("@BootTest machine: " + testClass.getName() + " has no static method "
                + name + "() or " + name + "(Disks) returning MachineBuilder");
    }

    /**
     * Runs a {@link BootTest} method under its timeout: when the time is up, the test's machines
     * are stopped (so that every console wait fails at once) and the test fails.
     */
    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                    ExtensionContext context) throws Throwable {
        BootTest boot = context.getRequiredTestMethod().getAnnotation(BootTest.class);
        if (boot == null) {
            invocation.proceed();
            return;
        }
        TestState s = state(context);
        Duration timeout = Duration.ofSeconds(boot.timeoutSeconds());
        Thread watchdog = Thread.ofVirtual().name("jemu-boot-test-watchdog").start(() -> {
            try {
                Thread.sleep(timeout);
            } catch (InterruptedException e) {
                return;
            }
            s.timedOut = true;
            s.machines.stopAll();
        });
        try {
            invocation.proceed();
        } finally {
            watchdog.interrupt();
            watchdog.join();
        }
        if (s.timedOut) {
            throw new BootTestFailure("boot test timed out after " + timeout.toSeconds() + " s", s.machines.report(), null);
        }
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        if (throwable instanceof BootTestFailure) {
            throw throwable;
        }
        TestState s = state(context);
        if (s.machines.machines().isEmpty()) {
            throw throwable;
        }
        String message = s.timedOut ? "boot test timed out after " + s.machines.timeout().toSeconds() + " s: "
                + throwable.getMessage() : String.valueOf(throwable.getMessage());
        throw new BootTestFailure(message, s.machines.report(), throwable);
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        TestState s = context.getStore(NAMESPACE).get(TestState.class, TestState.class);
        if (s != null) {
            try {
                s.machines.closeAll();
            } finally {
                s.disks.delete();
            }
        }
    }
}
