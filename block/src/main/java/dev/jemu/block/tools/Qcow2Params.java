package dev.jemu.block.tools;

import dev.jemu.block.BlockException;
import dev.jemu.block.BlockOptions;
import dev.jemu.block.Preallocation;

/**
 * The qcow2 creation options of qemu-img's {@code -o} that {@code create} and {@code measure}
 * share: cluster_size, preallocation, compat, lazy_refcounts, refcount_bits, and
 * extended_l2 and compression_type in the only values jemu has (off, zlib). Immutable.
 *
 * @param version 2 (compat=0.10) or 3 (compat=1.1)
 */
record Qcow2Params(int clusterSize, Preallocation preallocation, int version, boolean lazyRefcounts,
                   int refcountBits) {

    /** Takes the options above out of {@code o} (the caller checks that none is left). */
    static Qcow2Params parse(BlockOptions o) throws BlockException {
        int cs = (int) o.getSize("cluster_size", 65536);
        Preallocation p = Preallocation.parse(o.get("preallocation", "off"));
        String compat = o.get("compat", "1.1");
        int version = switch (compat) {
            case "0.10", "v2" -> 2;
            case "1.1", "v3" -> 3;
            default -> throw new BlockException("Invalid parameter 'compat': '" + compat + "' (expected 0.10 or 1.1)");
        };
        boolean lazy = o.getBool("lazy_refcounts", false);
        int refBits = (int) o.getSize("refcount_bits", 16);
        if (o.getBool("extended_l2", false)) {
            throw new BlockException("Extended L2 entries are not supported");
        }
        String ct = o.get("compression_type", "zlib");
        if (!ct.equals("zlib")) {
            throw new BlockException("Unsupported compression type '" + ct + "'");
        }
        return new Qcow2Params(cs, p, version, lazy, refBits);
    }
}
