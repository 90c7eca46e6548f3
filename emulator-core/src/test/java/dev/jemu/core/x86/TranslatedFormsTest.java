package dev.jemu.core.x86;

import dev.jemu.core.x86.jit.Tier;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The translating tier's inline forms (registers and flags in locals, the memory fast path)
 * against the interpreter, which the differential kernels check against QEMU: random
 * operands through every inlined ALU, TEST, MOV, MOVZX/MOVSX, MOVSXD, LEA, INC/DEC, IMUL,
 * MUL, NOT, NEG, BSWAP, hint NOP (whose memory operand is never accessed), shift (by a
 * constant and by CL), PUSH/POP, SETcc, CMOVcc and Jcc form at every operand size, register
 * and memory (flat, FS- and GS-relative in 64-bit code) operands, high-byte registers and REX byte registers, interleaved with forms that stay
 * handler calls; after each instruction every register, memory operand and RFLAGS (through
 * PUSHF, a handler call) and a condition read inline are folded into a hash. Faults in the
 * middle of a region after writes held in locals leave exactly the interpreter's state.
 */
class TranslatedFormsTest {
    private static final String[] ALU = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
    private static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};
    private static final String[] SHIFT = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sar"};
    private static final String[][] REGS64 = {
        {"al", "bl", "ah", "bh"}, {"ax", "bx", "di", "r9w"}, {"eax", "ebx", "edi", "r9d"}, {"rax", "rbx", "rdi", "r9"},
    };
    private static final String[] REX8 = {"al", "bl", "dil", "r9b"};
    private static final String[][] REGS32 = {{"al", "bl", "ah", "bh"}, {"ax", "bx", "di"}, {"eax", "ebx", "edi"}};
    private static final String[] SIZE = {"byte", "word", "dword", "qword"};
    private static final int PASSES = 140;

    private final Random rnd = new Random(0x7E57_F0A5L);
    private int labels;

    private static CpuRig on(Tier tier, boolean long64, String source) {
        CpuRig rig = new CpuRig();
        rig.cpu.setTier(tier);
        rig.cpu.setModel(CpuModel.MAX);
        return long64 ? rig.long64(CpuRig.nasm(source)) : rig.prot32(CpuRig.nasm(source));
    }

    /** Runs {@code source} on both tiers to HLT; checks registers, flags, RIP, count and data page agree. */
    private static CpuRig onBoth(boolean long64, String source) {
        CpuRig interp = on(Tier.INTERP, long64, source);
        CpuRig translated = on(Tier.TRANSLATE, long64, source);
        assertEquals(Cpu.StopReason.HALTED, interp.cpu.run(50_000_000));
        assertEquals(Cpu.StopReason.HALTED, translated.cpu.run(50_000_000));
        for (int r = 0; r < 16; r++) {
            assertEquals(interp.reg(r), translated.reg(r), "register " + r);
        }
        assertEquals(interp.flags(), translated.flags(), "RFLAGS");
        assertEquals(interp.cpu.rip, translated.cpu.rip, "RIP");
        assertEquals(interp.cpu.instructionCount(), translated.cpu.instructionCount(), "instructions executed");
        for (long a = 0x200000; a < 0x200100; a += 8) {
            assertEquals(interp.mem.read(a, 8), translated.mem.read(a, 8), "memory at " + Long.toHexString(a));
        }
        assertTrue(translated.cpu.translations().translations() > 0, "hot code was translated");
        return translated;
    }

    /**
     * The start of a 64-bit program of cases: FSGSBASE on, the generator's and the hash's
     * registers seeded, 110 passes counted in R12D from the label {@code pass}, which the
     * cases follow and {@link #LONG64_LOOP} closes.
     */
    private static final String LONG64_PROLOGUE = """
            BITS 64
            ORG 0x1000
                mov rax, cr4
                bts rax, 16
                mov cr4, rax
                mov r14, 6364136223846793005
                mov rbp, 1442695040888963407
                mov r13, 12345
                xor r15d, r15d
                mov rsi, 0x200000
                mov r12d, 110
            pass:
            """;
    private static final String LONG64_LOOP = "    dec r12d\n    jnz pass\n    hlt\n";

    @Test
    void everyInlinedFormAtEverySizeComputesWhatTheInterpreterComputes() {
        StringBuilder body = new StringBuilder();
        for (int k = 0; k < 300; k++) {
            body.append(caseOf(true));
        }
        CpuRig rig = onBoth(true, """
            BITS 64
            ORG 0x1000
                mov rax, cr4
                bts rax, 16
                mov cr4, rax
                xor r8d, r8d
                wrfsbase r8
                mov rax, -0x1000
                wrgsbase rax
                mov r14, 6364136223846793005
                mov rbp, 1442695040888963407
                mov r13, 12345
                xor r15d, r15d
                mov rsi, 0x200000
                mov r12d, PASSES
            pass:
            BODY
                dec r12d
                jnz pass
                hlt
            """.replace("PASSES", Integer.toString(PASSES)).replace("BODY", body));
        assertTrue(rig.reg(15) != 0, "the hash saw the results");
    }

    @Test
    void multipliesAndShiftsByClAtEveryOperandSizeAndCount() {
        String[] forms = {
            "mul rbx", "imul rbx", "mul r9", "imul rdi", "mul qword [rsi + 3]", "imul qword [rsi + 5]",
            "mul ebx", "imul r9d", "mul dword [rsi + 1]", "mul bx", "imul di", "mul bl", "imul bh", "mul r9b", "imul dil",
            "shl rbx, cl", "shr r9, cl", "sar rdi, cl", "shl ebx, cl", "shr edi, cl", "sar r9d, cl",
            "shl r9w, cl", "shr bx, cl", "sar di, cl", "shl dil, cl", "shr bh, cl", "sar al, cl",
        };
        StringBuilder body = new StringBuilder();
        for (String form : forms) {
            for (int count : new int[] {0, 1, 5, 8, 9, 16, 17, 31, 32, 33, 63, 64}) {
                body.append(caseOf(true, "mov ecx, " + count + "\n    " + form));
            }
        }
        onBoth(true, LONG64_PROLOGUE + body + LONG64_LOOP);
    }

    /**
     * A CMP, SUB, TEST or AND directly followed by a Jcc on each condition (fused into a
     * compare of the operands when it is E, NE, B, AE, BE, A, S, NS, L, GE, LE or G), on
     * random, equal and adjacent operands at every size; the flags stay readable after it.
     */
    private String fusedCase(boolean long64) {
        int sizeIdx = rnd.nextInt(long64 ? 4 : 3);
        String[] regs = long64 ? REGS64[sizeIdx] : REGS32[sizeIdx];
        String b = long64 ? "r" : "e";
        String base = long64 ? "rsi" : "esi";
        String mem = SIZE[sizeIdx] + " [" + base + " + " + rnd.nextInt(16) + "]";
        String setup = switch (rnd.nextInt(3)) {
            case 0 -> "mov " + b + "bx, " + b + "ax\n    mov [" + base + " + 8], " + b + "ax\n";
            case 1 -> "lea " + b + "bx, [" + b + "ax + 1]\n    mov [" + base + "], " + b + "bx\n";
            default -> "";
        };
        long imm = sizeIdx == 0 ? rnd.nextInt(256) : rnd.nextInt(256) - 128;
        String producer = switch (rnd.nextInt(8)) {
            case 0, 1 -> "cmp " + regs[0] + ", " + regs[1];
            case 2 -> "cmp " + regs[rnd.nextInt(regs.length)] + ", " + mem;
            case 3 -> "cmp " + mem + ", " + imm;
            case 4 -> "sub " + regs[rnd.nextInt(regs.length)] + ", " + regs[1];
            case 5 -> "test " + regs[0] + ", " + regs[1];
            case 6 -> "and " + regs[rnd.nextInt(regs.length)] + ", " + (rnd.nextBoolean() ? regs[1] : Long.toString(imm));
            default -> "test " + (rnd.nextBoolean() ? mem : regs[rnd.nextInt(regs.length)]) + ", " + imm;
        };
        String skip = "fused" + labels++;
        if (rnd.nextInt(4) == 0) {
            // Two compares before a Jcc that the first one's Jcc jumps to, and a second Jcc
            // after it: that one is reached from both compares, and must not fuse with either.
            String mid = "mid" + labels++;
            return setup + "    cmp " + regs[0] + ", " + regs[1] + "\n    j" + CC[rnd.nextInt(16)] + " " + mid
                    + "\n    cmp " + regs[1] + ", " + regs[0] + "\n" + mid + ":\n    j" + CC[rnd.nextInt(16)] + " " + skip
                    + "\n    j" + CC[rnd.nextInt(16)] + " " + skip + "\n    add " + b + "cx, 11\n" + skip + ":";
        }
        return setup + "    " + producer + "\n    j" + CC[rnd.nextInt(16)] + " " + skip + "\n    add " + b + "cx, 11\n" + skip + ":";
    }

    @Test
    void aJccFusedWithTheCompareBeforeItBranchesAsTheFlagsSay() {
        for (boolean long64 : new boolean[] {true, false}) {
            StringBuilder body = new StringBuilder();
            for (int k = 0; k < 250; k++) {
                body.append(caseOf(long64, fusedCase(long64)));
            }
            String prologue = long64 ? LONG64_PROLOGUE : """
                BITS 32
                ORG 0x1000
                    mov esi, 0x200000
                    mov dword [esi + 64], 12345
                    mov dword [esi + 72], 110
                    xor ebp, ebp
                pass:
                """;
            String loop = long64 ? LONG64_LOOP : "    dec dword [esi + 72]\n    jnz pass\n    hlt\n";
            onBoth(long64, prologue + body + loop);
        }
    }

    @Test
    void everyInlinedFormIn32BitProtectedModeComputesWhatTheInterpreterComputes() {
        StringBuilder body = new StringBuilder();
        for (int k = 0; k < 200; k++) {
            body.append(caseOf(false));
        }
        CpuRig rig = onBoth(false, """
            BITS 32
            ORG 0x1000
                mov esi, 0x200000
                mov dword [esi + 64], 12345
                mov dword [esi + 72], PASSES
                xor ebp, ebp
            pass:
            BODY
                dec dword [esi + 72]
                jnz pass
                hlt
            """.replace("PASSES", Integer.toString(PASSES)).replace("BODY", body));
        assertTrue(rig.reg(Cpu.RBP) != 0, "the hash saw the results");
        assertEquals(0b111101, rig.cpu.flatSegs & 0b111101, "flat 4 GiB segments take the fast path (ES, SS, DS, FS, GS)");
    }

    /** One random instruction with fresh random operands, then everything it may have changed folded into the hash. */
    private String caseOf(boolean long64) {
        return caseOf(long64, randomInsn(long64));
    }

    /** Instruction {@code insn} with fresh random operands, then everything it may have changed folded into the hash. */
    private String caseOf(boolean long64, String insn) {
        StringBuilder s = new StringBuilder();
        if (long64) {
            s.append("""
                    imul r13, r14
                    add r13, rbp
                    mov rax, r13
                    imul r13, r14
                    add r13, rbp
                    mov rbx, r13
                    mov rdi, rax
                    xor rdi, rbx
                    mov r9, rbx
                    rol r9, 17
                    mov [rsi], rax
                    mov [rsi + 8], rbx
                    mov [rsi + 16], rdi
                    mov [rsi + 0x1008], rbx
                    mov ecx, 3
                """);
        } else {
            s.append("""
                    mov eax, [esi + 64]
                    imul eax, eax, 1103515245
                    add eax, 12345
                    mov ebx, eax
                    imul ebx, ebx, 1103515245
                    add ebx, 12345
                    mov [esi + 64], ebx
                    mov edi, eax
                    xor edi, ebx
                    rol edi, 11
                    mov [esi], eax
                    mov [esi + 4], ebx
                    mov [esi + 8], edi
                    mov [esi + 12], eax
                    mov ecx, 3
                """);
        }
        if (long64) {
            // FS's base moves by 8 before every instruction, inside the region.
            s.append("    xor r8d, 8\n    wrfsbase r8\n");
        }
        s.append("    ").append(insn).append('\n');
        String cc = CC[rnd.nextInt(16)];
        String skip = "skip" + labels++;
        String b = long64 ? "r" : "e";
        s.append("    set").append(cc).append(" cl\n");
        s.append("    j").append(CC[rnd.nextInt(16)]).append(' ').append(skip).append('\n');
        s.append("    add ").append(b).append("cx, 7\n");
        s.append(skip).append(":\n");
        if (long64) {
            s.append("""
                    add r15, rdx
                    pushfq
                    pop rdx
                    add r15, rdx
                    add r15, rcx
                    add r15, rax
                    xor r15, rbx
                    add r15, rdi
                    xor r15, r9
                    add r15, [rsi]
                    add r15, [rsi + 8]
                    xor r15, [rsi + 16]
                    add r15, [rsi + 0x1008]
                    rol r15, 7
                """);
        } else {
            s.append("""
                    add ebp, edx
                    pushfd
                    pop edx
                    add ebp, edx
                    add ebp, ecx
                    add ebp, eax
                    xor ebp, ebx
                    add ebp, edi
                    add ebp, [esi]
                    xor ebp, [esi + 4]
                    add ebp, [esi + 8]
                    rol ebp, 7
                """);
        }
        return s.toString();
    }

    private String randomInsn(boolean long64) {
        int sizeIdx = rnd.nextInt(long64 ? 4 : 3);
        String[] regs = long64 ? REGS64[sizeIdx] : REGS32[sizeIdx];
        if (sizeIdx == 0 && long64 && rnd.nextBoolean()) {
            regs = REX8;
        }
        String r1 = regs[rnd.nextInt(regs.length)];
        String r2 = regs[rnd.nextInt(regs.length)];
        String base = long64 ? "rsi" : "esi";
        String mem = SIZE[sizeIdx] + " [" + (long64 ? based() : base + " + ") + rnd.nextInt(20) + "]";
        long imm = switch (sizeIdx) {
            case 0 -> rnd.nextInt(256);
            case 1 -> rnd.nextInt(65536);
            default -> rnd.nextBoolean() ? rnd.nextInt() : rnd.nextInt(256) - 128;
        };
        String alu = ALU[rnd.nextInt(ALU.length)];
        String cc = CC[rnd.nextInt(16)];
        return switch (rnd.nextInt(24)) {
            case 0, 1 -> alu + " " + r1 + ", " + r2;
            case 2 -> alu + " " + r1 + ", " + imm;
            case 3 -> alu + " " + r1 + ", " + mem;
            case 4 -> alu + " " + mem + ", " + r2;
            case 5 -> alu + " " + mem + ", " + imm;
            case 6 -> rnd.nextBoolean() ? "test " + r1 + ", " + r2 : "test " + mem + ", " + r2;
            case 7 -> "test " + regs[0] + ", " + imm;
            case 8 -> (rnd.nextBoolean() ? "inc " : "dec ") + (rnd.nextBoolean() ? r1 : mem);
            case 9 -> switch (rnd.nextInt(5)) {
                case 0 -> "mov " + r1 + ", " + r2;
                case 1 -> "mov " + r1 + ", " + imm;
                case 2 -> "mov " + r1 + ", " + mem;
                case 3 -> "mov " + mem + ", " + r2;
                default -> "mov " + mem + ", " + imm;
            };
            case 10 -> extend(long64);
            case 11 -> sizeIdx == 0 ? "lea eax, [" + base + (long64 ? " + rcx" : " + ecx") + " * 4 + 7]"
                    : "lea " + r1 + ", [" + (long64 ? "rbx + rcx * 4" : "ebx + ecx * 4") + " + " + imm + "]";
            case 12 -> sizeIdx == 0 ? "imul " + (long64 ? "r9" : "edi") + ", " + (long64 ? "rax" : "eax")
                    : switch (rnd.nextInt(3)) {
                        case 0 -> "imul " + r1 + ", " + r2;
                        case 1 -> "imul " + r1 + ", " + mem;
                        default -> "imul " + r1 + ", " + r2 + ", " + (rnd.nextInt(2000) - 1000);
                    };
            case 13 -> SHIFT[rnd.nextInt(SHIFT.length)] + " " + r1 + ", " + (rnd.nextBoolean() ? 1 : 1 + rnd.nextInt(sizeIdx == 3 ? 63 : 31));
            case 14 -> pushPop(long64, sizeIdx);
            case 15 -> {
                String[] bytes = long64 && rnd.nextBoolean() ? REX8 : REGS32[0];
                yield "set" + cc + " " + bytes[rnd.nextInt(bytes.length)];
            }
            case 16 -> sizeIdx == 0 ? "cmov" + cc + " eax, ebx"
                    : "cmov" + cc + " " + r1 + ", " + (rnd.nextBoolean() ? r2 : mem);
            case 17 -> (rnd.nextBoolean() ? "neg " : "not ") + (rnd.nextBoolean() ? r1 : mem);
            case 18 -> "xchg " + r1 + ", " + r2;
            case 19 -> "test " + (rnd.nextBoolean() ? r1 : mem) + ", " + imm;
            case 20 -> (rnd.nextBoolean() ? "mul " : "imul ") + (rnd.nextBoolean() ? r1 : mem);
            case 21 -> "mov ecx, " + rnd.nextInt(72) + "\n    " + SHIFT[rnd.nextInt(SHIFT.length)] + " " + r1 + ", cl";
            case 22 -> sizeIdx < 2 ? "nop " + SIZE[1] + " [" + base + " + 0x7FFF0000]"
                    : "bswap " + r1 + "\n    nop " + SIZE[sizeIdx] + " [" + base + " + 0x7FFF0000]";
            case 23 -> !long64 ? "nop"
                    : rnd.nextInt(4) == 0 ? "db 0x63, 0xC3 ; movsxd eax, ebx (no REX.W: a 32-bit move)"
                    : "movsxd " + REGS64[3][rnd.nextInt(4)] + ", " + (rnd.nextBoolean() ? REGS64[2][rnd.nextInt(4)] : "dword " + mem.substring(mem.indexOf('[')));
            default -> "nop";
        };
    }

    /**
     * The start of a 64-bit memory operand at the data page plus a displacement to follow:
     * flat through RSI, or FS-relative (base 0 or 8) or GS-relative (base -0x1000, the sum
     * wrapping around 2^64). The page the effective addresses alone would reach is in the
     * TLB too, so an access that ignored the base would hit there.
     */
    private String based() {
        return switch (rnd.nextInt(3)) {
            case 0 -> "rsi + ";
            case 1 -> "fs: rsi + ";
            default -> "gs: rsi + 0x1000 + ";
        };
    }

    /** MOVZX or MOVSX from a byte or word register or memory operand. */
    private String extend(boolean long64) {
        String op = rnd.nextBoolean() ? "movzx " : "movsx ";
        boolean fromWord = rnd.nextBoolean();
        String base = long64 ? "rsi" : "esi";
        String dst = long64 ? new String[] {"ax", "ebx", "rdi", "r9d"}[rnd.nextInt(4)] : new String[] {"ax", "ebx", "edi"}[rnd.nextInt(3)];
        if (fromWord) {
            if (dst.equals("ax")) {
                dst = "eax";
            }
            return op + dst + ", " + (rnd.nextBoolean() ? "bx" : "word [" + base + " + " + rnd.nextInt(16) + "]");
        }
        boolean rexDst = dst.equals("rdi") || dst.equals("r9d");
        String[] src = rexDst ? REX8 : REGS32[0];
        return op + dst + ", " + (rnd.nextBoolean() ? src[rnd.nextInt(src.length)] : "byte [" + base + " + " + rnd.nextInt(16) + "]");
    }

    /** A push and a pop of registers (or a pushed immediate) at a stack operand size. */
    private String pushPop(boolean long64, int sizeIdx) {
        String[] wide = long64 ? new String[] {"rax", "rbx", "rdi", "r9"} : new String[] {"eax", "ebx", "edi"};
        String[] narrow = {"ax", "bx", "di"};
        String[] regs = sizeIdx == 1 ? narrow : wide;
        String a = regs[rnd.nextInt(regs.length)];
        String b = regs[rnd.nextInt(regs.length)];
        String push = rnd.nextInt(3) == 0 && sizeIdx != 1 ? "push " + (rnd.nextInt(2000) - 1000) : "push " + a;
        return push + "\n    pop " + b;
    }

    /**
     * Three loops over the same 120 pages, the TLB flushed before each, whose first
     * instruction (the entry of the loop's own region) touches a new page on every pass, so
     * its TLB lookup misses each time and the access takes the slow path in place: a
     * read-modify-write, a read (GS-relative in 64-bit code) and a store.
     */
    private static String entryMissLoops(boolean long64) {
        String read = long64 ? "add eax, [gs: rsi + 0x1000 + 4]" : "add eax, [esi + 4]";
        StringBuilder s = new StringBuilder(long64 ? """
                BITS 64
                ORG 0x1000
                    mov rax, cr4
                    bts rax, 16
                    mov cr4, rax
                    mov rax, -0x1000
                    wrgsbase rax
                """ : "BITS 32\nORG 0x1000\n");
        s.append("    xor eax, eax\n    xor edx, edx\n");
        String[] heads = {"add dword [Rsi + 4], ecx", read, "mov [Rsi + 8], ecx"};
        for (int k = 0; k < heads.length; k++) {
            s.append("""
                    mov Rbx, cr3
                    mov cr3, Rbx
                    mov esi, 0x280000
                    mov ecx, 120
                loopK:
                    HEAD
                    add edx, [Rsi + 4]
                    add Rsi, 4096
                    dec ecx
                    jnz loopK
                """.replace("HEAD", heads[k]).replace("K", Integer.toString(k)).replace("R", long64 ? "r" : "e"));
        }
        return s + "    hlt\n";
    }

    @Test
    void fastPathMissesAtARegionsEntryTakeTheSlowPathInPlace() {
        for (boolean long64 : new boolean[] {true, false}) {
            CpuRig rig = onBoth(long64, entryMissLoops(long64));
            // Page k gets 120 - k at offset 4 (first loop) and at offset 8 (third loop).
            assertEquals(3 * 7260, rig.reg(Cpu.RDX));
            assertEquals(7260, rig.reg(Cpu.RAX));
            assertEquals(120, rig.mem.read(0x280000 + 8, 4));
            assertEquals(1, rig.mem.read(0x280000 + 119 * 4096 + 8, 4));
        }
    }

    @Test
    void aCallIn64BitCodeIsAnExitThatChainsToItsTarget() {
        // 1500 calls of a leaf adding RCX to RAX: the sum of 1..1500 is 1125750. Each call
        // leaves its region to the constant target, entered through the chain link once
        // linked (after at most 100 interpreted runs, the highest threshold the test
        // executions set); the return (a computed target) goes through the lookup.
        CpuRig rig = onBoth(true, """
            BITS 64
            ORG 0x1000
                mov ecx, 1500
                xor eax, eax
            again:
                call leaf
                dec ecx
                jnz again
                hlt
            leaf:
                add rax, rcx
                ret
            """);
        assertEquals(1125750, rig.reg(Cpu.RAX));
        assertTrue(rig.cpu.chainedEntries() >= 1350, "calls entered their target through the link: " + rig.cpu.chainedEntries());
    }

    @Test
    void aFaultAfterWritesHeldInLocalsLeavesTheInterpretersState() {
        // The loop body writes partial registers, flags and the stack in locals, then
        // reads through a page that is not present on the 41st pass (#PF): the handler
        // records CR2, the pushed RIP and error code, and every register must be as the
        // interpreter leaves it at the faulting MOV.
        CpuRig rig = onBoth(true, IdtPrelude.long64() + """
                GATE 14, pf
                lea r10, [rel load]
                xor ebx, ebx
                xor edx, edx
                mov ecx, 141
                mov rsi, 0x200000
                mov rdi, 0x40000000
            again:
                cmp ecx, 1
                cmove rsi, rdi
                add ebx, ecx
                mov ah, bl
                inc dx
                sub r11, rbx
                push rbx
                pop r12
                adc r13b, al
            load:
                mov rax, [rsi + 8]
                add edx, 1
                dec ecx
                jnz again
                hlt
            pf:
                mov r8, [rsp + 8]
                mov r9, [rsp]
                mov r14, cr2
                hlt
            """);
        assertEquals(rig.reg(10), rig.reg(8), "pushed RIP is the faulting instruction's");
        assertEquals(0x40000008L, rig.reg(14), "CR2");
        assertEquals(1, rig.reg(Cpu.RCX));
    }

    @Test
    void aLimitFaultInANonFlatSegmentIsRaisedFromTranslatedCode() {
        // DS gets a 64 KiB limit (not flat: the slow path with the segment check); the
        // 31st pass reads past it (#GP(0)) after register writes held in locals.
        CpuRig rig = onBoth(false, IdtPrelude.prot32() + """
                GATE 13, gp
                mov dword [0x518], 0x0000FFFF
                mov dword [0x51C], 0x00409200
                mov eax, 0x18
                mov ds, eax
                mov ecx, 131
                mov esi, 0x8000
                xor ebx, ebx
            again:
                cmp ecx, 1
                jne body
                mov esi, 0xFFFE
            body:
                add ebx, ecx
                mov bh, cl
                inc di
                mov edx, [esi]
                dec ecx
                jnz again
                hlt
            gp:
                pop ebp
                pop edi
                hlt
            """);
        assertEquals(0, rig.cpu.flatSegs & 1 << Cpu.DS, "DS with a 64 KiB limit is not flat");
        assertEquals(0, rig.reg(Cpu.RBP), "#GP error code");
        assertEquals(1, rig.reg(Cpu.RCX));
    }
}
