package dev.jemu.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jemu.tests.guest.Emulator;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Results worked out by hand from the Intel SDM, checked in the reference's output: they keep
 * the reference honest (a kernel or QEMU change that alters them is a bug in one of the two), and
 * they document what the dump fields mean. Flags are masked per test (see images/lib/flags.inc).
 */
class KnownVectorsTest {

    /** A test line of {@code kernel} named {@code test} must carry every one of {@code fields}. */
    record Vector(String kernel, String test, List<String> fields) {
        @Override
        public String toString() {
            return kernel + " " + test;
        }
    }

    static Stream<Vector> vectors() {
        return Stream.of(
                // 0x7FFFFFFF + 1: signed overflow; AF from bit 3; result low byte 0x00 has even parity.
                v("pmode", "add32_overflow", "a=80000000", "f=0894"),
                // 0x80000000 - 1 = 0x7FFFFFFF: OF, AF (borrow into bit 4), PF (0xFF); no CF.
                v("pmode", "sub32_overflow", "a=7fffffff", "f=0814"),
                // 0x35 - 0x47 = 0xEE with CF, AF; DAS subtracts 0x66: 0x88, CF, AF, SF, PF.
                v("pmode", "das_after_sub", "a=8a8a8a88", "f=0095"),
                // 0x80000000 * 4 = 2:00000000; CF = OF = 1 because EDX is not zero.
                v("pmode", "mul32_wide", "a=00000000", "d=00000002", "f=0801"),
                // IDIV truncates towards zero: -100 / 7 = -14 remainder -2.
                v("pmode", "idiv32_negative", "a=fffffff2", "d=fffffffe"),
                // RCR AL=1 by 3 with CF=1 rotates through 9 bits: 0x60, CF = 0.
                v("pmode", "rcr8_by3", "a=8a8a8a60", "f=0000"),
                // Error code: present (bit 0) and write (bit 1); CR2 is the faulting address.
                v("pmode", "pf_write_read_only_with_wp", "v=0e", "e=00000003", "cr2=003f1008"),
                // Without EFER.NXE the I/D bit of the error code stays clear; with PAE+NXE it is set.
                v("pmode", "pf_fetch_not_present", "v=0e", "e=00000000", "cr2=003f0000"),
                v("pmode-pae", "pf_fetch_not_present", "v=0e", "e=00000010", "cr2=003f0000"),
                v("pmode-pae", "pf_fetch_no_execute", "v=0e", "e=00000011", "cr2=003f5000"),
                // The accessed bit appears on the read, the dirty bit on the write (PTE flags P, W, U).
                v("pmode", "accessed_and_dirty_bits", "b=003f2007", "c=003f2027", "d=003f2067"),
                // From ring 3: #PF error code with the user bit; the CPU switched to the TSS's ESP0
                // (0x88000) and pushed SS, ESP, EFLAGS, CS, EIP.
                v("pmode", "user_read_supervisor_page", "v=0e", "e=00000005", "ksp=00087fec", "cs=0043",
                        "usp=00080000"),
                v("pmode", "user_write_read_only_page", "v=0e", "e=00000007"),
                // INT n from CPL 3 through a DPL 0 gate: #GP with the IDT error code 3 * 8 + 2.
                v("pmode", "user_int3_through_dpl0_gate", "v=0d", "e=0000001a"),
                // POPF at CPL 3 with IOPL 0 changes neither IOPL nor IF.
                v("pmode", "user_popf_keeps_iopl_and_if", "c=00000002"),
                // INT beyond the IDT limit: #GP with error code vector * 8 + 2 (the IDT bit).
                v("pmode", "int_beyond_idt_limit", "v=0d", "e=00000402"),
                // A not-present segment raises #NP with the selector as error code.
                v("pmode", "load_ds_not_present", "v=0b", "e=00000038"),
                // A string instruction faulting mid-way leaves its registers at the faulting element.
                v("pmode", "pf_rep_movsb_stops_at_page", "cr2=003f0000", "c=0000000c", "di=003f0000"),
                // An instruction straddling into a not-present page: EIP is its first byte, CR2 the
                // first byte of the missing page.
                v("pmode", "pf_fetch_crossing_into_not_present_page", "ip=003effff", "cr2=003f0000"),
                // A store to the next instruction is seen when it is fetched.
                v("pmode", "store_patches_next_instruction", "a=8a8a8a42"),
                // SGDT/SIDT store limit and base; STR gives the TSS selector; LSL of the TSS its limit.
                v("pmode", "sgdt_sidt_str", "a=0000006f", "c=000000ff", "si=85850058", "di=87870000"),
                v("pmode", "lsl_of_tss", "a=00000067", "f=0040"),
                // SYSEXIT: CS = SYSENTER_CS + 16 and SS = SYSENTER_CS + 24, both with RPL 3; ESP = ECX.
                v("pmode", "sysexit_to_ring3", "cs=0043", "usp=0007fff0", "di=0000005e"),
                // SYSENTER: ESP = IA32_SYSENTER_ESP.
                v("pmode", "sysenter_from_ring3", "si=00084000"),
                // Without an address-size prefix LOOP counts in CX only.
                v("realmode", "loop_uses_cx_without_prefix", "a=00000001", "c=00010000"),
                // 16-bit effective addresses wrap at 64 KiB.
                v("realmode", "offset_wraps_at_64k", "a=8a8a4321"),
                // 0x2000:0x0010 and 0x1FFF:0x0020 are the same physical byte.
                v("realmode", "segment_offset_aliasing", "b=8b8b55aa"),
                // After a return from protected mode FS keeps a 4 GiB limit: the multiboot magic at 1 MiB.
                v("realmode", "big_real_mode_keeps_4g_limit", "a=1badb002", "c=600df00d"),
                // (2^64 - 1)^2 = 0xFFFFFFFFFFFFFFFE:0000000000000001.
                v("longmode", "mul64_wide", "rax=0000000000000001", "rdx=fffffffffffffffe", "f=0801"),
                // SHRD to memory: (0x0123456789ABCDEF >> 18) | (0xFEDCBA9876543210 << 46).
                v("longmode", "shrd64_memory_destination", "rax=0c840048d159e26a"),
                // Writing a 32-bit register clears bits 63..32.
                v("longmode", "add32_zero_extends", "rax=0000000000000000"),
                // A non-canonical address raises #GP(0), not #PF.
                v("longmode", "gp_non_canonical_load", "v=0d", "e=00000000"),
                v("longmode", "pf_user_half_not_mapped", "v=0e", "e=00000000", "cr2=00007ffffffff123"),
                // #BP's gate names IST 1 (top 0x78000): the 40-byte frame ends there.
                v("longmode", "int3_runs_on_ist_stack", "v=03", "ksp=0000000000077fd8"),
                // SYSRET to 64-bit user code: CS = STAR[63:48] + 16 with RPL 3.
                v("longmode", "sysret_enters_user_mode", "v=0d", "cs=0053", "rsi=0000000000080000"),
                // SYSCALL: RCX = return RIP, R11 = old RFLAGS, RFLAGS &= ~SFMASK, CS/SS from STAR.
                v("longmode", "syscall_masks_flags", "rax=0000000000000030", "rbx=0000000000000002",
                        "rdx=0000000000000000", "r11=0000000000000447"),
                // 1.0 / 0.0 = +infinity with the zero-divide flag (MXCSR bit 2) set, masked.
                v("sse", "divsd_by_zero_sets_ze", "x0=40080000000000007ff0000000000000", "mxcsr=1f84"),
                // Round to nearest even: 2.5 converts to 2.
                v("sse", "cvtsi2sd_cvtsd2si_nearest_even", "rax=0000000000000002"),
                // Out of range: the integer indefinite value and the invalid flag (bit 0).
                v("sse", "cvtsd2si_overflow_is_indefinite", "rax=8000000000000000", "mxcsr=1f81"),
                // FNINIT leaves FCW = 0x037F and FSW = 0; FLDCW then FNSTCW round-trips 0x0C7F.
                v("sse", "x87_control_and_status_words", "rax=00000c7f037f0000"),
                // COMISD: less than sets CF only, equal sets ZF, unordered sets ZF, PF and CF.
                v("sse", "comisd_less", "f=0001"),
                v("sse", "comisd_equal", "f=0040"),
                v("sse", "ucomisd_unordered", "f=0045"));
    }

    private static Vector v(String kernel, String test, String... fields) {
        return new Vector(kernel, test, Arrays.asList(fields));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void qemuPrintsTheResultTheManualGives(Vector vector) throws Exception {
        List<String> lines = KernelRuns.run(KernelCases.named(vector.kernel()), Emulator.QEMU).serialLines();
        List<String> matching = lines.stream().filter(line -> line.startsWith(vector.test() + " ")).toList();
        assertEquals(1, matching.size(), vector + ": lines named so: " + matching);
        List<String> fields = List.of(matching.getFirst().split(" "));
        for (String field : vector.fields()) {
            assertTrue(fields.contains(field), vector + ": expected " + field + " in " + matching.getFirst());
        }
    }
}
