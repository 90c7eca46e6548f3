package dev.jemu.devices.pci;

import dev.jemu.core.memory.RamRegion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The i440FX through conf1, over 2 MiB of RAM with the PCI side a board places below the
 * shadow views (pc.rom at 0xC0000 and the BIOS at 0xE0000, priority 1). Segment addresses are
 * the 82441FX datasheet's PAM table; attribute meanings QEMU's.
 */
class I440fxHostTest {
    private static final int ROM_BYTE = 0xC3;
    private static final int BIOS_BYTE = 0xB1;

    /** Datasheet table: PAM register, bit shift, first and last address of each segment. */
    private static final long[][] SEGMENTS = {
        {0x59, 4, 0xF0000, 0xFFFFF},
        {0x5A, 0, 0xC0000, 0xC3FFF}, {0x5A, 4, 0xC4000, 0xC7FFF},
        {0x5B, 0, 0xC8000, 0xCBFFF}, {0x5B, 4, 0xCC000, 0xCFFFF},
        {0x5C, 0, 0xD0000, 0xD3FFF}, {0x5C, 4, 0xD4000, 0xD7FFF},
        {0x5D, 0, 0xD8000, 0xDBFFF}, {0x5D, 4, 0xDC000, 0xDFFFF},
        {0x5E, 0, 0xE0000, 0xE3FFF}, {0x5E, 4, 0xE4000, 0xE7FFF},
        {0x5F, 0, 0xE8000, 0xEBFFF}, {0x5F, 4, 0xEC000, 0xEFFFF},
    };

    private final PciTestMachine m = new PciTestMachine();
    private final RamRegion ram = RamRegion.ram("pc.ram", 2 << 20);
    private I440fxHost host;

    @BeforeEach
    void setUp() {
        m.memoryRoot.addSubregion(0, ram);
        byte[] rom = new byte[0x20000];
        Arrays.fill(rom, (byte) ROM_BYTE);
        m.memoryRoot.addSubregion(0xC0000, RamRegion.rom("pc.rom", rom), 1);
        Arrays.fill(rom, (byte) BIOS_BYTE);
        m.memoryRoot.addSubregion(0xE0000, RamRegion.rom("isa-bios", rom), 1);
        host = new I440fxHost(m.memoryRoot, ram);
        m.bus.plug(host, I440fxHost.DEVFN);
    }

    private static int pciSideByte(long addr) {
        return addr >= 0xE0000 ? BIOS_BYTE : ROM_BYTE;
    }

    private void pam(int register, int value) {
        m.configWrite(0, register, value, 1);
    }

    @Test
    void identifiesAsThe82441fx() {
        assertEquals(0x1237_8086L, m.configRead(0, 0, 4));
        assertEquals(0x0600_0002L, m.configRead(0, 8, 4), "host bridge class, revision 2");
        assertEquals(0L, m.configRead(0, PciDevice.HEADER_TYPE, 1));
        assertEquals(0x02L, m.configRead(0, I440fxHost.SMRAM, 1));
        for (int r = 0x59; r <= 0x5F; r++) {
            assertEquals(0L, m.configRead(0, r, 1));
        }
    }

    @Test
    void atPowerOnTheWholeShadowAreaShowsThePciSide() {
        for (long[] s : SEGMENTS) {
            assertEquals(pciSideByte(s[2]), m.memory.read(s[2], 1));
            m.memory.write(s[3], 0x11, 1);
            assertEquals(pciSideByte(s[3]), m.memory.read(s[3], 1), "ROM ignores the write");
            assertEquals(0L, ram.block().read(s[3], 1), "and RAM does not see it");
        }
    }

    @Test
    void eachAttributeFieldControlsExactlyItsSegment() {
        for (int target = 0; target < SEGMENTS.length; target++) {
            for (int r = 0x59; r <= 0x5F; r++) {
                pam(r, 0);
            }
            long[] t = SEGMENTS[target];
            pam((int) t[0], I440fxHost.PAM_READ_WRITE << t[1]);
            for (long[] s : SEGMENTS) {
                boolean ramHere = s == t;
                for (long addr : new long[] {s[2], s[3]}) {
                    m.memory.write(addr, 0x5A, 1);
                    long expected = ramHere ? 0x5A : pciSideByte(addr);
                    assertEquals(expected, m.memory.read(addr, 1),
                            String.format("PAM 0x%x<<%d = 3, address 0x%x", t[0], t[1], addr));
                }
            }
        }
    }

    @Test
    void biosShadowCopyThenWriteProtect() {
        pam(0x59, 0x30);
        assertEquals(I440fxHost.PAM_READ_WRITE, host.pamMode(0));
        m.memory.write(0xFFFF0, 0xEA5B_E000_F0L, 8);
        assertEquals(0xEA5B_E000_F0L, m.memory.read(0xFFFF0, 8));
        pam(0x59, 0x10);
        assertEquals(0xEA5B_E000_F0L, m.memory.read(0xFFFF0, 8), "the shadow reads as copied");
        m.memory.write(0xFFFF0, 0, 8);
        assertEquals(0xEA5B_E000_F0L, m.memory.read(0xFFFF0, 8), "write-protected");
        assertEquals(0xEA5B_E000_F0L, ram.block().read(0xFFFF0, 8), "RAM keeps the shadow");
        pam(0x59, 0x00);
        assertEquals(BIOS_BYTE, m.memory.read(0xFFFF0, 1), "attribute 0: back to the ROM");
        pam(0x59, 0x30);
        assertEquals(0xEA5B_E000_F0L, m.memory.read(0xFFFF0, 8), "RAM kept its contents meanwhile");
    }

    @Test
    void attributeTwoIsReadWriteRamAsInQemu() {
        pam(0x5A, 0x02);
        m.memory.write(0xC0010, 0x77, 1);
        assertEquals(0x77L, m.memory.read(0xC0010, 1));
        assertEquals(0x77L, ram.block().read(0xC0010, 1));
    }

    @Test
    void onlyTheLowTwoBitsOfAFieldCount() {
        pam(0x5A, 0xF7);
        assertEquals(0xF7L, m.configRead(0, 0x5A, 1), "the register keeps all bits");
        assertEquals(I440fxHost.PAM_READ_WRITE, host.pamMode(1));
        assertEquals(I440fxHost.PAM_READ_WRITE, host.pamMode(2));
        m.configWrite(0, 0x58, 0x1111_1100L, 4);
        assertEquals(I440fxHost.PAM_READ_ONLY, host.pamMode(0), "a dword write at 0x58 reaches 0x59");
        assertEquals(I440fxHost.PAM_READ_ONLY, host.pamMode(1));
    }

    @Test
    void resetReturnsEverySegmentToThePciSide() {
        for (int r = 0x59; r <= 0x5F; r++) {
            pam(r, 0x33);
        }
        m.memory.write(0xC8000, 0x42, 1);
        m.bus.reset();
        for (int i = 0; i < I440fxHost.SEGMENTS; i++) {
            assertEquals(I440fxHost.PAM_PCI, host.pamMode(i));
        }
        assertEquals(ROM_BYTE, m.memory.read(0xC8000, 1));
        assertEquals(0L, m.configRead(0, 0x5B, 1));
    }

    @Test
    void smramLockClearsOpenAndFreezesTheRegisterUntilReset() {
        m.configWrite(0, I440fxHost.SMRAM, 0x4A, 1);
        assertEquals(0x4AL, m.configRead(0, I440fxHost.SMRAM, 1));
        m.configWrite(0, I440fxHost.SMRAM, 0x5A, 1);
        assertEquals(0x1AL, m.configRead(0, I440fxHost.SMRAM, 1), "D_LCK clears D_OPEN");
        m.configWrite(0, I440fxHost.SMRAM, 0x62, 1);
        assertEquals(0x3AL, m.configRead(0, I440fxHost.SMRAM, 1), "only D_CLS stays writable");
        m.bus.reset();
        assertEquals(0x02L, m.configRead(0, I440fxHost.SMRAM, 1));
        m.configWrite(0, I440fxHost.SMRAM, 0x40, 1);
        assertEquals(0x42L, m.configRead(0, I440fxHost.SMRAM, 1), "unlocked again after reset");
    }

    @Test
    void refusesRamThatDoesNotCoverTheShadowArea() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new I440fxHost(m.memoryRoot, RamRegion.ram("small", 0x80000)));
        assertEquals("i440FX: RAM of 524288 bytes does not cover the BIOS shadow area", e.getMessage());
    }
}
