package dev.jemu.tests.cpu;

/**
 * Whether a kernel's output under jemu is compared with QEMU's; an excluded kernel says why
 * (the lead decides when it joins the comparison).
 */
public record JemuPolicy(boolean compared, String reason) {

    public static JemuPolicy compare() {
        return new JemuPolicy(true, "");
    }

    public static JemuPolicy excluded(String reason) {
        if (reason.isBlank()) {
            throw new IllegalArgumentException("an excluded kernel needs a reason");
        }
        return new JemuPolicy(false, reason);
    }
}
