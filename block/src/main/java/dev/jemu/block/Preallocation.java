package dev.jemu.block;

/** How new space of an image is allocated: QEMU's {@code preallocation=} option. */
public enum Preallocation {
    /** Allocate nothing. */
    OFF("off"),
    /** Allocate the format's metadata (for qcow2: L2 tables and cluster mapping). */
    METADATA("metadata"),
    /** Reserve space with fallocate. */
    FALLOC("falloc"),
    /** Write zeros to all new space. */
    FULL("full");

    private final String optionName;

    Preallocation(String optionName) {
        this.optionName = optionName;
    }

    /** The option value as written on the command line. */
    public String optionName() {
        return optionName;
    }

    /** Parses an option value; throws a {@link BlockException} naming the bad value. */
    public static Preallocation parse(String value) throws BlockException {
        for (Preallocation p : values()) {
            if (p.optionName.equals(value)) {
                return p;
            }
        }
        throw new BlockException("Parameter 'preallocation' does not accept value '" + value + "'");
    }
}
