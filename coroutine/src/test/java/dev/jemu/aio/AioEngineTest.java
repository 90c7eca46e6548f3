package dev.jemu.aio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Engine selection through {@value AioEngine#PROPERTY}. */
class AioEngineTest {
    private final String saved = System.getProperty(AioEngine.PROPERTY);

    @AfterEach
    void restore() {
        if (saved == null) {
            System.clearProperty(AioEngine.PROPERTY);
        } else {
            System.setProperty(AioEngine.PROPERTY, saved);
        }
    }

    @Test
    void aContextRunsOnTheEngineThePropertyNames() {
        for (AioEngine engine : AioEngine.values()) {
            System.setProperty(AioEngine.PROPERTY, engine.propertyValue());
            AioContext ctx = AioContext.create();
            try {
                assertEquals(engine, ctx.engine());
            } finally {
                ctx.close();
            }
        }
    }

    @Test
    void withoutThePropertyIoUringIsChosenWhereItWorks() {
        System.clearProperty(AioEngine.PROPERTY);
        assertEquals(AioEngine.IO_URING.isAvailable() ? AioEngine.IO_URING : AioEngine.EPOLL, AioEngine.selected());
    }

    @Test
    void anUnknownEngineIsRefusedByName() {
        System.setProperty(AioEngine.PROPERTY, "native");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, AioContext::create);
        assertEquals("jemu.aio.engine=native: unknown engine (expected io_uring or epoll)", e.getMessage());
    }
}
