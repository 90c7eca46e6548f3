package dev.jemu.devices.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.jemu.devices.acpi.BiosLinker.ADD_CHECKSUM;
import static dev.jemu.devices.acpi.BiosLinker.ADD_POINTER;
import static dev.jemu.devices.acpi.BiosLinker.ALLOCATE;
import static dev.jemu.devices.acpi.BiosLinker.COMMAND_SIZE;
import static dev.jemu.devices.acpi.BiosLinker.NAME_SIZE;

/**
 * Runs a BIOS linker/loader script as SeaBIOS's {@code romfile_loader_execute} does, for the
 * tests that read the tables where firmware would put them. Pure functions; any thread.
 */
final class LinkerScriptRunner {
    private LinkerScriptRunner() {
    }

    /** Where to put the files when the script runs without the BIOS: a base per zone. */
    interface Placement {
        /** The guest address of a {@code size}-byte allocation in {@code zone} aligned to {@code align}. */
        long allocate(int zone, int size, int align);
    }

    /** A guest-memory writer, for {@link #execute}. */
    interface MemoryWriter {
        /** Writes {@code data} at {@code address}. */
        void write(long address, byte[] data);
    }

    /**
     * Runs {@code script} over {@code files} as firmware does: allocates each file where
     * {@code placement} says, patches and checksums copies of them, and writes them with
     * {@code memory}. Returns the address each file was given.
     *
     * @throws IllegalArgumentException if the script names an unknown file or reaches outside one
     */
    static Map<String, Long> execute(byte[] script, Map<String, byte[]> files, Placement placement,
            MemoryWriter memory) {
        Map<String, Long> where = new LinkedHashMap<>();
        Map<String, byte[]> copies = new LinkedHashMap<>();
        ByteBuffer s = ByteBuffer.wrap(script).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at + COMMAND_SIZE <= script.length; at += COMMAND_SIZE) {
            int kind = s.getInt(at);
            String file = name(script, at + 4);
            switch (kind) {
                case ALLOCATE -> {
                    byte[] data = files.get(file);
                    if (data == null) {
                        throw new IllegalArgumentException("table-loader allocates the unknown file " + file);
                    }
                    int align = s.getInt(at + 4 + NAME_SIZE);
                    copies.put(file, data.clone());
                    where.put(file, placement.allocate(s.get(at + 4 + NAME_SIZE + 4), data.length, align));
                }
                case ADD_POINTER -> {
                    byte[] dest = loaded(copies, file);
                    String source = name(script, at + 4 + NAME_SIZE);
                    loaded(copies, source);
                    int offset = s.getInt(at + 4 + 2 * NAME_SIZE);
                    int size = s.get(at + 4 + 2 * NAME_SIZE + 4);
                    if (offset < 0 || offset + size > dest.length || size < 1 || size > 8) {
                        throw new IllegalArgumentException("table-loader pointer outside " + file);
                    }
                    ByteBuffer d = ByteBuffer.wrap(dest).order(ByteOrder.LITTLE_ENDIAN);
                    long value = 0;
                    for (int i = size - 1; i >= 0; i--) {
                        value = value << 8 | (d.get(offset + i) & 0xFF);
                    }
                    value += where.get(source);
                    for (int i = 0; i < size; i++) {
                        d.put(offset + i, (byte) (value >>> (8 * i)));
                    }
                }
                case ADD_CHECKSUM -> {
                    byte[] data = loaded(copies, file);
                    int offset = s.getInt(at + 4 + NAME_SIZE);
                    int start = s.getInt(at + 4 + NAME_SIZE + 4);
                    int length = s.getInt(at + 4 + NAME_SIZE + 8);
                    if (offset < 0 || offset >= data.length || start < 0 || length < 0 || start + length > data.length) {
                        throw new IllegalArgumentException("table-loader checksum outside " + file);
                    }
                    data[offset] -= sum(data, start, length);
                }
                default -> {
                    // firmware ignores commands it does not know, and so does this
                }
            }
        }
        for (Map.Entry<String, byte[]> e : copies.entrySet()) {
            memory.write(where.get(e.getKey()), e.getValue());
        }
        return where;
    }

    /** The byte sum of {@code data[start, start + length)}. */
    static byte sum(byte[] data, int start, int length) {
        byte sum = 0;
        for (int i = start; i < start + length; i++) {
            sum += data[i];
        }
        return sum;
    }

    private static byte[] loaded(Map<String, byte[]> copies, String file) {
        byte[] data = copies.get(file);
        if (data == null) {
            throw new IllegalArgumentException("table-loader uses " + file + " before allocating it");
        }
        return data;
    }

    private static String name(byte[] script, int at) {
        int end = at;
        while (end < at + NAME_SIZE && script[end] != 0) {
            end++;
        }
        return new String(script, at, end - at, StandardCharsets.US_ASCII);
    }
}
