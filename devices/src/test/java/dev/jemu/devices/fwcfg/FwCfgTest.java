package dev.jemu.devices.fwcfg;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.RamRegion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * fw_cfg through its x86 ports, as SeaBIOS drives it. Layouts from QEMU's
 * {@code docs/specs/fw_cfg.rst}; the DMA read of the signature and the file order were also
 * read from QEMU 7.2 by a guest (DMA of 8 signature bytes gives "QEMU" and four zeros, the
 * control word becomes 0 and the length is left as written).
 */
class FwCfgTest {
    private static final long HEADER = 0x1000;
    private static final long BUFFER = 0x2000;

    private final ContainerRegion systemRoot = new ContainerRegion("system", 1L << 32);
    private final AddressSpace memory = new AddressSpace("memory", systemRoot);
    private final AddressSpace io = AddressSpace.ioPorts();
    private FwCfg fw;

    @BeforeEach
    void setUp() {
        systemRoot.addSubregion(0, RamRegion.ram("ram", 1 << 20));
        fw = new FwCfg(memory);
        io.root().addSubregion(FwCfg.SELECTOR_PORT, fw.ioRegion());
        io.root().addSubregion(FwCfg.DMA_PORT, fw.dmaRegion());
    }

    private void select(int key) {
        io.write(FwCfg.SELECTOR_PORT, key, 2);
    }

    private byte[] readData(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) io.read(FwCfg.DATA_PORT, 1);
        }
        return b;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes an FWCfgDmaAccess at HEADER and triggers it with two dword writes, high half first. */
    private long dma(int control, int length, long address) {
        memory.write(HEADER, Integer.reverseBytes(control) & 0xFFFF_FFFFL, 4);
        memory.write(HEADER + 4, Integer.reverseBytes(length) & 0xFFFF_FFFFL, 4);
        memory.write(HEADER + 8, Long.reverseBytes(address), 8);
        io.write(FwCfg.DMA_PORT, Integer.reverseBytes((int) (HEADER >>> 32)) & 0xFFFF_FFFFL, 4);
        io.write(FwCfg.DMA_PORT + 4, Integer.reverseBytes((int) HEADER) & 0xFFFF_FFFFL, 4);
        return Integer.reverseBytes((int) memory.read(HEADER, 4)) & 0xFFFF_FFFFL;
    }

    private byte[] guest(long addr, int n) {
        byte[] b = new byte[n];
        memory.readBytes(addr, b, 0, n);
        return b;
    }

    @Test
    void signatureAndFeatureBitsThroughTheDataPort() {
        select(FwCfg.KEY_SIGNATURE);
        assertArrayEquals(ascii("QEMU\0\0"), readData(6), "zeros past the end");
        select(FwCfg.KEY_ID);
        assertArrayEquals(new byte[] {3, 0, 0, 0}, readData(4), "traditional interface and DMA");
        select(FwCfg.KEY_SIGNATURE);
        assertEquals('Q', io.read(FwCfg.SELECTOR_PORT, 1), "a byte read at 0x510 is a data read too");
        assertEquals('E', io.read(FwCfg.DATA_PORT, 1));
    }

    @Test
    void selectingRewindsAndIgnoresTheWriteChannelBit() {
        select(FwCfg.KEY_SIGNATURE);
        readData(2);
        select(FwCfg.WRITE_CHANNEL | FwCfg.KEY_SIGNATURE);
        assertArrayEquals(ascii("QE"), readData(2));
        io.write(FwCfg.DATA_PORT, 'X', 1);
        assertArrayEquals(ascii("MU"), readData(2), "data writes are ignored and do not advance");
    }

    @Test
    void absentItemsReadZero() {
        select(0x0123);
        assertArrayEquals(new byte[4], readData(4));
    }

    @Test
    void architectureItemsLiveInTheirOwnTable() {
        fw.addItem(FwCfg.KEY_IRQ0_OVERRIDE, new byte[] {1, 0, 0, 0});
        select(FwCfg.KEY_IRQ0_OVERRIDE);
        assertArrayEquals(new byte[] {1, 0, 0, 0}, readData(4));
        select(FwCfg.KEY_IRQ0_OVERRIDE & ~FwCfg.ARCH_LOCAL);
        assertArrayEquals(new byte[4], readData(4));
    }

    @Test
    void dmaAddressRegisterReadsQemuCfg() {
        assertEquals(0x554D_4551L, io.read(FwCfg.DMA_PORT, 4), "\"QEMU\" in port order");
        assertEquals(0x4746_4320L, io.read(FwCfg.DMA_PORT + 4, 4), "\" CFG\"");
        assertEquals('Q', io.read(FwCfg.DMA_PORT, 1));
    }

    @Test
    void fileDirectoryIsSortedByNameWithBigEndianFields() {
        fw.addFile("etc/e820", new byte[40]);
        fw.addFile("bootorder", new byte[31]);
        fw.addFile("etc/boot-fail-wait", new byte[4]);
        fw.addFile("Zfirst", new byte[0x123456]);
        select(FwCfg.KEY_FILE_DIR);
        byte[] dir = readData(4 + 4 * FwCfg.FILE_ENTRY_SIZE + 4);
        assertEquals("00000004", HexFormat.of().formatHex(dir, 0, 4));
        String[] names = {"Zfirst", "bootorder", "etc/boot-fail-wait", "etc/e820"};
        String[] heads = {"00123456" + "0020" + "0000", "0000001f" + "0021" + "0000",
            "00000004" + "0022" + "0000", "00000028" + "0023" + "0000"};
        for (int i = 0; i < 4; i++) {
            int at = 4 + FwCfg.FILE_ENTRY_SIZE * i;
            assertEquals(heads[i], HexFormat.of().formatHex(dir, at, at + 8), names[i]);
            byte[] name = new byte[FwCfg.FILE_NAME_SIZE];
            System.arraycopy(ascii(names[i]), 0, name, 0, names[i].length());
            assertArrayEquals(name, Arrays.copyOfRange(dir, at + 8, at + FwCfg.FILE_ENTRY_SIZE));
        }
        assertArrayEquals(new byte[4], Arrays.copyOfRange(dir, dir.length - 4, dir.length), "end of directory");
    }

    @Test
    void fileContentsAtTheirDirectoryKey() {
        fw.addFile("b", ascii("second"));
        fw.addFile("a", ascii("first"));
        select(FwCfg.KEY_FILE_FIRST);
        assertArrayEquals(ascii("first"), readData(5));
        select(FwCfg.KEY_FILE_FIRST + 1);
        assertArrayEquals(ascii("second"), readData(6));
    }

    @Test
    void dmaReadFillsZerosPastTheEndAndClearsControl() {
        memory.writeBytes(BUFFER, new byte[] {-86, -86, -86, -86, -86, -86, -86, -86}, 0, 8);
        long control = dma(FwCfg.KEY_SIGNATURE << 16 | FwCfg.DMA_SELECT | FwCfg.DMA_READ, 8, BUFFER);
        assertEquals(0, control);
        assertArrayEquals(ascii("QEMU\0\0\0\0"), guest(BUFFER, 8));
        assertEquals("00000008", HexFormat.of().formatHex(guest(HEADER + 4, 4)), "length is not written back");
    }

    @Test
    void dmaContinuesFromTheCurrentOffsetAndSkips() {
        select(FwCfg.KEY_SIGNATURE);
        readData(1);
        assertEquals(0, dma(FwCfg.DMA_SKIP, 1, 0));
        assertEquals(0, dma(FwCfg.DMA_READ, 2, BUFFER));
        assertArrayEquals(ascii("MU"), guest(BUFFER, 2), "port read 1, skipped 1, then read 2");
        assertEquals(0, dma(FwCfg.KEY_ID << 16 | FwCfg.DMA_SELECT, 0, 0));
        assertArrayEquals(new byte[] {3}, readData(1), "select alone selects");
    }

    @Test
    void dmaWriteGoesOnlyToWritableItemsAndNeverResizesThem() {
        fw.addFile("etc/ro", ascii("abcd"));
        fw.addFile("etc/rw", ascii("wxyz"), true);
        memory.writeBytes(BUFFER, ascii("12345"), 0, 5);
        int ro = FwCfg.KEY_FILE_FIRST;
        int rw = FwCfg.KEY_FILE_FIRST + 1;
        assertEquals(FwCfg.DMA_ERROR, dma(ro << 16 | FwCfg.DMA_SELECT | FwCfg.DMA_WRITE, 2, BUFFER));
        select(ro);
        assertArrayEquals(ascii("abcd"), readData(4));
        assertEquals(FwCfg.DMA_ERROR, dma(rw << 16 | FwCfg.DMA_SELECT | FwCfg.DMA_WRITE, 5, BUFFER), "longer than the item");
        select(rw);
        assertArrayEquals(ascii("wxyz"), readData(4), "a truncated write is dropped entirely");
        assertEquals(0, dma(rw << 16 | FwCfg.DMA_SELECT | FwCfg.DMA_WRITE, 3, BUFFER));
        select(rw);
        assertArrayEquals(ascii("123z"), readData(4));
    }

    @Test
    void dmaToOrFromOutsideRamSetsTheErrorBit() {
        long control = dma(FwCfg.KEY_SIGNATURE << 16 | FwCfg.DMA_SELECT | FwCfg.DMA_READ, 4, 0xFFF0_0000L);
        assertEquals(FwCfg.DMA_ERROR, control);
        io.write(FwCfg.DMA_PORT + 4, Integer.reverseBytes(0x0800_0000), 4);
        assertEquals(0, dma(FwCfg.KEY_SIGNATURE << 16 | FwCfg.DMA_SELECT | FwCfg.DMA_READ, 4, BUFFER),
                "after a header outside RAM was ignored, the next operation works");
        assertArrayEquals(ascii("QEMU"), guest(BUFFER, 4));
    }

    @Test
    void guestMisuseIsAnsweredNotThrown() {
        assertEquals(0L, io.read(FwCfg.DATA_PORT - 1, 2), "an invalid word read gives 0, as on QEMU 7.2");
        io.write(FwCfg.DMA_PORT + 2, 0x1234, 2);
        io.write(FwCfg.DMA_PORT + 1, 0x12, 1);
        select(FwCfg.KEY_SIGNATURE);
        assertArrayEquals(ascii("QEMU"), readData(4));
    }

    @Test
    void resetSelectsTheSignature() {
        select(FwCfg.KEY_ID);
        fw.reset();
        assertArrayEquals(ascii("QEMU"), readData(4));
    }

    @Test
    void refusesItemsItCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> fw.addItem(FwCfg.KEY_SIGNATURE, new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> fw.addItem(FwCfg.KEY_FILE_FIRST, new byte[1]));
        fw.addItem(FwCfg.KEY_RAM_SIZE, new byte[8]);
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> fw.addItem(FwCfg.KEY_RAM_SIZE, new byte[8]));
        assertEquals("fw_cfg: key 0x3 added twice", twice.getMessage());
        fw.addFile("etc/x", new byte[1]);
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> fw.addFile("etc/x", new byte[1]));
        assertEquals("fw_cfg: duplicate file name \"etc/x\"", dup.getMessage());
        assertThrows(IllegalArgumentException.class, () -> fw.addFile("n".repeat(56), new byte[1]));
    }
}
