package dev.jemu.core.x86;

/**
 * What the CPU asks of its local APIC, when the board gives it one
 * ({@link Cpu#attachLocalApic}): the IA32_APIC_BASE MSR and CR8, which is the task-priority
 * register's class (TPR bits 7:4). The APIC's interrupts reach the CPU through its INTR pin
 * and interrupt acknowledge, and its NMIs through {@link Cpu#raiseNmi()}.
 *
 * <p>Threading: called on the vCPU's thread; the implementation takes the big lock itself.
 */
public interface LocalApicAccess {
    /** IA32_APIC_BASE. */
    long readApicBase();

    /** Writes IA32_APIC_BASE; false if {@code value} sets reserved bits (the CPU raises #GP(0)). */
    boolean writeApicBase(long value);

    /** Whether the APIC is globally enabled (IA32_APIC_BASE bit 11): CPUID.1:EDX.APIC follows it. */
    boolean globallyEnabled();

    /** CR8: TPR bits 7:4. */
    int readTprClass();

    /** MOV to CR8: sets TPR to {@code tprClass << 4}. */
    void writeTprClass(int tprClass);
}
