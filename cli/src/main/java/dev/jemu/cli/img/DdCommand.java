package dev.jemu.cli.img;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockOptions;
import dev.jemu.block.SyncIo;
import dev.jemu.block.tools.ImageCreator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code dd [-U] [-f fmt] [-O output_fmt] [bs=block_size] [count=blocks] [skip=blocks] if=input of=output}:
 * copies the guest content of {@code input} from block {@code skip} into a new image
 * {@code output}, {@code bs} bytes at a time (default 512). As in qemu-img 7.2, {@code count}
 * bounds where the copy ends counted from the start of the input, not from {@code skip}; a
 * {@code skip} past that end is reported and leaves an empty output; the output is created
 * silently and every block is written, zeros included. A repeated operand takes its last value.
 */
@Command(name = "dd", description = "Copy part of an image into a new image, dd style.")
final class DdCommand implements Callable<Integer> {
    private static final String SIZE_HINT = "You may use k, M, G, T, P or E suffixes for\n"
            + "kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.";

    @Mixin
    ImgOptions.Format fmt;
    @Mixin
    ImgOptions.OutputFormat outputFormat;
    @Mixin
    ImgOptions.ForceShare forceShare;
    @Parameters(paramLabel = "operand", description = "if=input, of=output, bs=block_size, count=blocks, skip=blocks")
    List<String> operands = List.of();

    private String input;
    private String output;
    private long blockSize = 512;
    private long count = -1;
    private long skip = -1;

    @Override
    public Integer call() throws Exception {
        for (String operand : operands) {
            parse(operand);
        }
        if (input == null || output == null) {
            throw new BlockException("Must specify both input and output files");
        }
        BlockDriverState in = ImgSupport.open(input, fmt.format, true, "writeback", forceShare.forceShare);
        try {
            if (!outputFormat.outFormat.equals("raw") && !outputFormat.outFormat.equals("qcow2")) {
                throw new BlockException("Unknown file format");
            }
            long end = in.length();
            if (count >= 0 && count <= Long.MAX_VALUE / blockSize && count * blockSize < end) {
                end = count * blockSize;
            }
            long start = 0;
            if (skip >= 0) {
                if (skip > Long.MAX_VALUE / blockSize || skip * blockSize > end) {
                    System.err.println("jemu-img: " + input + ": cannot skip to specified offset");
                    start = end;
                } else {
                    start = skip * blockSize;
                }
            }
            try {
                ImageCreator.create(output, outputFormat.outFormat, end - start, null, null, null, false, null);
            } catch (BlockException e) {
                throw ImgSupport.creationFailed(e, output, "error while creating output image");
            }
            copy(in, start, end);
        } finally {
            in.close();
        }
        return 0;
    }

    /** Takes one {@code key=value} operand. */
    private void parse(String operand) throws BlockException {
        int eq = operand.indexOf('=');
        String key = eq < 0 ? operand : operand.substring(0, eq);
        String value = eq < 0 ? "" : operand.substring(eq + 1);
        switch (eq < 0 ? "" : key) {
            case "if" -> input = value;
            case "of" -> output = value;
            case "bs" -> {
                blockSize = size("bs", value);
                if (blockSize < 1 || blockSize > Integer.MAX_VALUE) {
                    throw new BlockException("Invalid bs specified. Must be between 1 and " + Integer.MAX_VALUE + ".");
                }
            }
            case "count" -> count = size("count", value);
            case "skip" -> skip = size("skip", value);
            default -> throw new BlockException("unrecognized operand " + key);
        }
    }

    private static long size(String what, String value) throws BlockException {
        try {
            return BlockOptions.parseSize(what, value);
        } catch (BlockException e) {
            throw new BlockException("Invalid " + what + " specified. " + SIZE_HINT.replace("\n", "\njemu-img: "));
        }
    }

    /** Copies {@code [start, end)} of {@code in} to the start of the output, one block at a time. */
    private void copy(BlockDriverState in, long start, long end) throws IOException {
        BlockBackend src = ImgSupport.backend(in, false, "writeback");
        BlockDriverState out = ImgSupport.open(output, outputFormat.outFormat, false, "writeback");
        BlockBackend dst = ImgSupport.backend(out, true, "writeback");
        try {
            int bs = (int) Math.min(blockSize, Math.max(end - start, 1));
            ByteBuffer buf = BlockDriverState.alignedBuffer(bs, 4096);
            SyncIo.run(() -> {
                for (long pos = start; pos < end; pos += bs) {
                    int n = (int) Math.min(bs, end - pos);
                    src.coPreadv(pos, buf, 0, n);
                    dst.coPwritev(pos - start, buf, 0, n, 0);
                }
            });
        } finally {
            dst.close();
        }
    }
}
