package dev.jemu.devices.debugexit;

import dev.jemu.core.memory.AddressSpace;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** isa-debugcon: bytes to the stream, reads give the read-back value (0xE9 on QEMU 7.2 too). */
class IsaDebugconTest {
    @Test
    void writesGoToTheStreamAndReadsReturnE9() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AddressSpace io = AddressSpace.ioPorts();
        io.root().addSubregion(0x402, new IsaDebugcon(out, IsaDebugcon.DEFAULT_READBACK).region());
        for (char c : "SeaBIOS\n".toCharArray()) {
            io.write(0x402, c, 1);
        }
        assertEquals("SeaBIOS\n", out.toString());
        assertEquals(0xE9, io.read(0x402, 1));
    }

    @Test
    void aClosedStreamDropsBytesWithoutFailingTheGuest() {
        AddressSpace io = AddressSpace.ioPorts();
        io.root().addSubregion(0xE9, new IsaDebugcon(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }
        }, 0x42).region());
        io.write(0xE9, 'x', 1);
        assertEquals(0x42, io.read(0xE9, 1));
    }
}
