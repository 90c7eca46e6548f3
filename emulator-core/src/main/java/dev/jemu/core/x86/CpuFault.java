package dev.jemu.core.x86;

/**
 * A guest exception (#GP, #PF, #UD...) unwinding the current instruction to its boundary.
 * One preallocated instance per CPU, without stack trace or message: raising a fault
 * allocates nothing. Read its fields before raising another fault on the same CPU.
 */
public final class CpuFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    int vector;
    int errorCode;
    boolean hasErrorCode;

    CpuFault() {
        super(null, null, false, false);
    }

    CpuFault set(int vector, int errorCode, boolean hasErrorCode) {
        this.vector = vector;
        this.errorCode = errorCode;
        this.hasErrorCode = hasErrorCode;
        return this;
    }

    /** The exception vector (0 to 31). */
    public int vector() {
        return vector;
    }

    /** The error code pushed for this exception, if it has one. */
    public int errorCode() {
        return errorCode;
    }
}
