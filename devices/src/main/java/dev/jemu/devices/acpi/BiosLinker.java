package dev.jemu.devices.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The BIOS linker/loader script QEMU hands its firmware as the fw_cfg file
 * {@code etc/table-loader} (QEMU's "BIOS linker/loader" interface, which SeaBIOS executes in
 * {@code romfile_loader_execute}): 128-byte commands that allocate fw_cfg files in guest
 * memory, patch pointers from one file into another, and fix checksums.
 *
 * <p>Commands (little-endian; file names are 56-byte NUL-padded fields):
 * <ul>
 *   <li>1 ALLOCATE: file, u32 alignment, u8 zone (1 = high memory, 2 = the F segment);</li>
 *   <li>2 ADD_POINTER: destination file, source file, u32 offset, u8 size: the size-byte
 *       value at the offset in the destination gets the source's address added;</li>
 *   <li>3 ADD_CHECKSUM: file, u32 offset of the checksum byte, u32 start, u32 length: the
 *       byte is decreased by the sum of the range, so that the range sums to zero.</li>
 * </ul>
 *
 * <p>Threading: built and read by one thread (the board's, before the guest runs).
 */
public final class BiosLinker {
    static final int COMMAND_SIZE = 128;
    static final int NAME_SIZE = 56;
    static final int ALLOCATE = 1;
    static final int ADD_POINTER = 2;
    static final int ADD_CHECKSUM = 3;
    /** Allocation zones. */
    public static final int ZONE_HIGH = 1;
    public static final int ZONE_FSEG = 2;

    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private final List<ByteBuffer> commands = new ArrayList<>();

    /** Adds a file and the command that allocates it. */
    public void allocate(String file, byte[] data, int align, int zone) {
        files.put(file, data);
        ByteBuffer c = command(ALLOCATE);
        putName(c, 4, file);
        c.putInt(4 + NAME_SIZE, align);
        c.put(4 + NAME_SIZE + 4, (byte) zone);
    }

    /** Adds the command that adds {@code source}'s address to the pointer at {@code offset} in {@code dest}. */
    public void addPointer(String dest, int offset, int size, String source) {
        check(dest, offset, size);
        check(source, 0, 0);
        ByteBuffer c = command(ADD_POINTER);
        putName(c, 4, dest);
        putName(c, 4 + NAME_SIZE, source);
        c.putInt(4 + 2 * NAME_SIZE, offset);
        c.put(4 + 2 * NAME_SIZE + 4, (byte) size);
    }

    /** Adds the command that sets the checksum byte at {@code offset} in {@code file} over {@code [start, start + length)}. */
    public void addChecksum(String file, int offset, int start, int length) {
        check(file, offset, 1);
        check(file, start, length);
        ByteBuffer c = command(ADD_CHECKSUM);
        putName(c, 4, file);
        c.putInt(4 + NAME_SIZE, offset);
        c.putInt(4 + NAME_SIZE + 4, start);
        c.putInt(4 + NAME_SIZE + 8, length);
    }

    /** The files to publish over fw_cfg, by name, in allocation order. */
    public Map<String, byte[]> files() {
        return files;
    }

    /** The script's bytes: the contents of {@code etc/table-loader}. */
    public byte[] script() {
        byte[] out = new byte[commands.size() * COMMAND_SIZE];
        for (int i = 0; i < commands.size(); i++) {
            commands.get(i).get(0, out, i * COMMAND_SIZE, COMMAND_SIZE);
        }
        return out;
    }

    private ByteBuffer command(int kind) {
        ByteBuffer c = ByteBuffer.allocate(COMMAND_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        c.putInt(0, kind);
        commands.add(c);
        return c;
    }

    private void check(String file, int offset, int length) {
        byte[] data = files.get(file);
        if (data == null) {
            throw new IllegalArgumentException(file + " is not allocated");
        }
        if (offset < 0 || length < 0 || offset + length > data.length) {
            throw new IllegalArgumentException(file + ": bytes " + offset + "+" + length + " outside its "
                    + data.length);
        }
    }

    private static void putName(ByteBuffer c, int at, String file) {
        byte[] b = file.getBytes(StandardCharsets.US_ASCII);
        if (b.length >= NAME_SIZE) {
            throw new IllegalArgumentException("fw_cfg file name " + file + " longer than " + (NAME_SIZE - 1));
        }
        c.put(at, b);
    }

}
