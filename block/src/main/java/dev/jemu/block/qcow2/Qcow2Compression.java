package dev.jemu.block.qcow2;

import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Raw deflate (zlib without header) of single clusters, as qcow2's compression type 0 stores
 * them. Holds one Inflater and Deflater; calls never yield, so coroutines of one thread can share
 * an instance.
 */
final class Qcow2Compression {
    private final Inflater inflater = new Inflater(true);
    private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);

    /**
     * Inflates {@code in[0, inLen)} into exactly {@code out.length} bytes.
     *
     * @return false if the data is not a valid stream that yields a whole cluster
     */
    boolean inflate(byte[] in, int inLen, byte[] out) {
        inflater.reset();
        inflater.setInput(in, 0, inLen);
        try {
            int n = 0;
            while (n < out.length) {
                int r = inflater.inflate(out, n, out.length - n);
                if (r == 0) {
                    if (inflater.finished() || inflater.needsInput() || inflater.needsDictionary()) {
                        break;
                    }
                }
                n += r;
            }
            return n == out.length;
        } catch (DataFormatException e) {
            return false;
        }
    }

    /**
     * Deflates {@code in} (one cluster) into {@code out}.
     *
     * @return the compressed length, or -1 if it would not be smaller than {@code maxLen}
     */
    int deflate(ByteBuffer in, byte[] out, int maxLen) {
        deflater.reset();
        deflater.setInput(in);
        deflater.finish();
        int n = 0;
        while (!deflater.finished()) {
            if (n >= maxLen) {
                return -1;
            }
            n += deflater.deflate(out, n, maxLen - n);
        }
        return n < maxLen ? n : -1;
    }

    void close() {
        inflater.end();
        deflater.end();
    }
}
