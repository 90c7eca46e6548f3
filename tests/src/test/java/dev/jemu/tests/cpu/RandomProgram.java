package dev.jemu.tests.cpu;

import java.util.Locale;
import java.util.Random;

/**
 * Generates a test kernel (nasm source) that runs random instruction sequences from a seed, in
 * 64-bit long mode, 32-bit protected mode or real mode (16-bit code using 32-bit registers
 * through prefixes): ALU, shifts and rotates, multiply and divide, bit
 * operations, string operations, stack operations, exchanges, conditional moves and branches
 * (and decimal arithmetic outside long mode), over random register and memory values. After each
 * block it dumps all registers and the flags whose values the Intel SDM defines at that point,
 * so that two correct CPUs print the same lines.
 *
 * <p>The generator tracks which arithmetic flags are defined after every instruction (an
 * instruction that leaves a flag undefined makes it undefined until something defines it again);
 * instructions that read flags (ADC, SBB, RCL, RCR, CMOVcc, SETcc, Jcc, CMC, LAHF, DAA...) are
 * preceded by a compare when a flag they read is undefined. Divisions are set up so they never
 * fault, memory operands stay inside a 256-byte buffer, and pushes are popped within their step.
 * The same seed always yields the same source ({@link java.util.Random} is fully specified).
 *
 * <p>A traced program (to find the instruction behind a mismatch) also prints, after every
 * step, a register dump named {@code sBBB_SS} and a line {@code sBBB_SS_mem sum=...} with a fold
 * of the memory buffer; the generated source shows which instructions each step ran.
 */
public final class RandomProgram {

    /** The CPU mode the generated kernel runs its sequences in. */
    public enum Mode {
        LONG, PROTECTED, REAL
    }

    static final int CF = 0x001;
    static final int PF = 0x004;
    static final int AF = 0x010;
    static final int ZF = 0x040;
    static final int SF = 0x080;
    static final int DF = 0x400;
    static final int OF = 0x800;
    static final int ARITH = CF | PF | AF | ZF | SF | OF;

    /** Register names by mode and size; index i names parts of the same register in each size. */
    private static final String[] L64 = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    private static final String[] L32 = {"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp",
        "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
    private static final String[] L16 = {"ax", "bx", "cx", "dx", "si", "di", "bp",
        "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
    private static final String[] L8 = {"al", "bl", "cl", "dl", "sil", "dil", "bpl",
        "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
    private static final String[] P32 = {"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp"};
    private static final String[] P16 = {"ax", "bx", "cx", "dx", "si", "di", "bp"};
    /** Protected-mode byte registers: AL..DL are parts of registers 0..3, AH..DH too. */
    private static final String[] P8 = {"al", "bl", "cl", "dl", "ah", "bh", "ch", "dh"};
    private static final int[] P8_REGISTER = {0, 1, 2, 3, 0, 1, 2, 3};

    private static final int RAX = 0;
    private static final int RCX = 2;
    private static final int RDX = 3;
    private static final int BUF_BYTES = 256;

    /** Condition codes and the flags each one reads. */
    private static final String[] CONDITIONS = {"o", "no", "b", "ae", "e", "ne", "be", "a",
        "s", "ns", "p", "np", "l", "ge", "le", "g"};
    private static final int[] CONDITION_FLAGS = {OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF,
        SF, SF, PF, PF, SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF};

    private final Mode mode;
    private final boolean trace;
    private final boolean long64;
    private final int wordSize;
    private final Random random;
    private final StringBuilder out = new StringBuilder();
    /** Flags (within ARITH | DF) whose values are defined at the current point. */
    private int defined;
    private int labels;

    private RandomProgram(Mode mode, long seed, boolean trace) {
        this.mode = mode;
        this.trace = trace;
        this.long64 = mode == Mode.LONG;
        this.wordSize = long64 ? 64 : 32;
        this.random = new Random(seed);
    }

    /**
     * The source of a kernel that runs {@code blocks} blocks of {@code stepsPerBlock} random
     * steps (a step is one instruction with the few set-up instructions it needs) in
     * {@code mode}. It prints one line per block, one line with a fold of the memory buffer,
     * and a final {@code done tests=N} line.
     */
    public static String generate(Mode mode, long seed, int blocks, int stepsPerBlock) {
        return generate(mode, seed, blocks, stepsPerBlock, false);
    }

    /**
     * Like {@link #generate(Mode, long, int, int)}; with {@code trace} the kernel runs the same
     * instructions and also prints the state after every step.
     */
    public static String generate(Mode mode, long seed, int blocks, int stepsPerBlock, boolean trace) {
        if (blocks < 1 || stepsPerBlock < 1) {
            throw new IllegalArgumentException("blocks and steps per block must be positive, got "
                    + blocks + " and " + stepsPerBlock);
        }
        return new RandomProgram(mode, seed, trace).program(seed, blocks, stepsPerBlock);
    }

    /** The number of serial lines the kernel of {@link #generate} prints. */
    public static int expectedLines(int blocks, int stepsPerBlock, boolean trace) {
        return blocks * (trace ? 2 * stepsPerBlock + 1 : 1) + 2;
    }

    private String program(long seed, int blocks, int stepsPerBlock) {
        out.append("; Random instruction sequences (").append(mode.name().toLowerCase(Locale.ROOT))
                .append(" mode), seed ").append(seed)
                .append(", generated by dev.jemu.tests.cpu.RandomProgram.\n\n")
                .append("%include \"boot32.inc\"\n").append(switch (mode) {
                    case LONG -> "%include \"boot64.inc\"\n%include \"com1.inc\"\n%include \"test64.inc\"\n";
                    case PROTECTED -> "%include \"com1.inc\"\n%include \"test32.inc\"\n";
                    case REAL -> "%include \"boot16.inc\"\n%include \"com1.inc\"\n%include \"test16.inc\"\n";
                });
        if (trace) {
            traceMacro();
        }
        out.append("\n        align 16\nrnd_buf:\n");
        for (int i = 0; i < BUF_BYTES; i += 16) {
            out.append("        db ");
            for (int j = 0; j < 16; j++) {
                out.append(j == 0 ? "" : ", ").append(hex(random.nextInt(256), 2));
            }
            out.append('\n');
        }
        out.append(switch (mode) {
            case LONG -> "\nmain64:\n        call idt64_install\n";
            case PROTECTED -> "\nmain32:\n        call idt32_install\n";
            case REAL -> "\nmain16:\n";
        });
        for (int i = 0; i < registers(); i++) {
            emit("mov " + name(i, wordSize) + ", " + hex(random.nextLong(), wordSize / 4), 0, 0);
        }
        emit("push " + word() + " " + hex(random.nextInt() & (ARITH | DF), 4), 0, 0);
        emit(popf(), ARITH | DF, 0);
        for (int block = 0; block < blocks; block++) {
            for (int step = 0; step < stepsPerBlock; step++) {
                step();
                if (trace) {
                    String name = String.format(Locale.ROOT, "s%03d_%02d", block, step);
                    dump(name);
                    out.append("        BUFSUM \"").append(name).append("_mem\"\n");
                }
            }
            dump(String.format(Locale.ROOT, "block_%03d", block));
        }
        fold();
        dump("buffer");
        out.append(switch (mode) {
            case LONG -> "        jmp finish64\n\nimage_end:\n";
            case PROTECTED -> "        jmp finish32\n\nimage_end:\n";
            case REAL -> "        jmp finish16\n\nrm_end:\n";
        });
        return out.toString();
    }

    /** BUFSUM "name": prints "name sum=<fold of the buffer>", changing no register or flag. */
    private void traceMacro() {
        String a = name(RAX, wordSize);
        String c = name(RCX, wordSize);
        String d = name(RDX, wordSize);
        String si = name(4, wordSize);
        String rel = long64 ? "rel " : "";
        out.append("\n%macro BUFSUM 1\n        jmp %%code\n%%name: db %1, ' sum=', 0\n")
                .append("%%code:  ").append(long64 ? "pushfq" : "pushfd").append('\n');
        for (String reg : new String[] {a, c, d, si}) {
            out.append("        push ").append(reg).append('\n');
        }
        out.append("        lea ").append(si).append(", [").append(rel).append("rnd_buf]\n")
                .append("        mov ecx, ").append(BUF_BYTES / (wordSize / 8)).append('\n')
                .append("        xor eax, eax\n")
                .append("%%fold:  rol ").append(a).append(", 7\n")
                .append("        xor ").append(a).append(", [").append(si).append("]\n")
                .append("        add ").append(si).append(", ").append(wordSize / 8).append('\n')
                .append("        dec ecx\n        jnz %%fold\n")
                .append("        lea ").append(si).append(", [").append(rel).append("%%name]\n")
                .append("        call puts\n        mov cl, ").append(wordSize / 4).append('\n')
                .append("        call puthex\n        call newline\n");
        for (String reg : new String[] {si, d, c, a}) {
            out.append("        pop ").append(reg).append('\n');
        }
        out.append("        ").append(long64 ? "popfq" : "popfd").append("\n%endmacro\n");
    }

    /** Folds the buffer into the accumulator, so the last dump shows what the stores left. */
    private void fold() {
        String acc = name(RAX, wordSize);
        String index = long64 ? "rsi" : "esi";
        int bytes = wordSize / 8;
        emit("lea " + index + ", " + bufferAt(0), 0, 0);
        emit("mov ecx, " + BUF_BYTES / bytes, 0, 0);
        emit("xor eax, eax", ARITH, AF);
        String top = label();
        out.append(top).append(":\n");
        emit("add " + acc + ", [" + index + "]", ARITH, 0);
        emit("rol " + acc + ", 7", CF | OF, OF);
        emit("add " + index + ", " + bytes, ARITH, 0);
        emit("dec ecx", ARITH & ~CF, 0);
        emit("jnz " + top, 0, 0);
    }

    private void step() {
        switch (random.nextInt(long64 ? 14 : 15)) {
            case 0, 1, 2 -> alu2();
            case 3 -> alu1();
            case 4, 5 -> shift();
            case 6 -> multiply();
            case 7 -> divide();
            case 8 -> bitOperation();
            case 9 -> string();
            case 10 -> stack();
            case 11 -> exchange();
            case 12 -> conditional();
            case 13 -> move();
            default -> decimal();
        }
    }

    // ---- instruction kinds

    private void alu2() {
        String[] ops = {"add", "adc", "sub", "sbb", "and", "or", "xor", "cmp", "test"};
        String op = ops[random.nextInt(ops.length)];
        int size = size();
        if (op.equals("adc") || op.equals("sbb")) {
            need(CF);
        }
        boolean logic = op.equals("and") || op.equals("or") || op.equals("xor") || op.equals("test");
        String dst;
        String src;
        switch (random.nextInt(4)) {
            case 0 -> {
                dst = reg(size);
                src = reg(size);
            }
            case 1 -> {
                dst = reg(size);
                src = imm(size);
            }
            case 2 -> {
                dst = reg(size);
                src = op.equals("test") ? reg(size) : mem(size);
            }
            default -> {
                dst = mem(size);
                src = random.nextBoolean() ? reg(size) : imm(size);
            }
        }
        String lock = dst.contains("[") && !op.equals("cmp") && !op.equals("test")
                && random.nextInt(4) == 0 ? "lock " : "";
        emit(lock + op + " " + dst + ", " + src, ARITH, logic ? AF : 0);
    }

    private void alu1() {
        int size = size();
        String target = random.nextInt(3) == 0 ? mem(size) : reg(size);
        switch (random.nextInt(4)) {
            case 0 -> emit("inc " + target, ARITH & ~CF, 0);
            case 1 -> emit("dec " + target, ARITH & ~CF, 0);
            case 2 -> emit("neg " + target, ARITH, 0);
            default -> emit("not " + target, 0, 0);
        }
    }

    private void shift() {
        int size = size();
        String[] ops = {"shl", "shr", "sar", "rol", "ror", "rcl", "rcr", "shld", "shrd"};
        String op = ops[random.nextInt(ops.length)];
        boolean viaCl = random.nextBoolean();
        String target = random.nextInt(4) == 0 ? mem(size) : regExcept(size, RCX);
        switch (op) {
            case "shl", "shr", "sar" -> {
                int count = random.nextInt(size == 64 ? 64 : 32);
                String operand = countOperand(count, viaCl);
                if (count == 0) {
                    emit(op + " " + target + ", " + operand, 0, 0);
                } else {
                    int undefined = AF | (count != 1 ? OF : 0) | (count >= size ? CF : 0);
                    emit(op + " " + target + ", " + operand, ARITH, undefined);
                }
            }
            case "rol", "ror", "rcl", "rcr" -> {
                if (op.startsWith("rc")) {
                    need(CF);
                }
                // Any count whose masked value is not 0, also beyond the operand size: byte and
                // word rotates then go round (RCL/RCR through 9 or 17 bits) and CF stays defined.
                int count = 1 + random.nextInt((size == 64 ? 64 : 32) - 1);
                String operand = countOperand(count, viaCl);
                emit(op + " " + target + ", " + operand, CF | OF, count != 1 ? OF : 0);
            }
            default -> {
                int wide = size == 8 ? 32 : size;
                String dst = random.nextInt(4) == 0 ? mem(wide) : regExcept(wide, RCX);
                int count = 1 + random.nextInt(wide - 1);
                // QEMU 7.2 misplaces a RIP-relative operand followed by an immediate count by one
                // byte; a CL count keeps the reference right.
                String operand = countOperand(count, viaCl || (long64 && dst.contains("[")));
                emit(op + " " + dst + ", " + regExcept(wide, RCX) + ", " + operand, ARITH,
                        AF | (count != 1 ? OF : 0));
            }
        }
    }

    private void multiply() {
        int size = size();
        switch (random.nextInt(3)) {
            case 0 -> emit((random.nextBoolean() ? "mul " : "imul ") + regOrMem(size), ARITH,
                    SF | ZF | AF | PF);
            case 1 -> {
                int wide = size == 8 ? 32 : size;
                emit("imul " + reg(wide) + ", " + regOrMem(wide), ARITH, SF | ZF | AF | PF);
            }
            default -> {
                int wide = size == 8 ? wordSize : size;
                int factor = random.nextBoolean() ? random.nextInt(256) - 128 : random.nextInt();
                if (wide == 16) {
                    factor = (short) factor;
                }
                emit("imul " + reg(wide) + ", " + regOrMem(wide) + ", " + factor, ARITH,
                        SF | ZF | AF | PF);
            }
        }
    }

    /** DIV/IDIV with the dividend's high half cleared or sign-extended and |divisor| >= 2. */
    private void divide() {
        int size = size();
        boolean signed = random.nextBoolean();
        long divisor;
        do {
            divisor = signed ? signExtend(random.nextLong(), size) : random.nextLong() & mask(size);
        } while (signed ? Math.abs(divisor) < 2 : divisor == 0);
        int divisorReg;
        do {
            divisorReg = random.nextInt(size == 8 && !long64 ? 4 : registers());
        } while (divisorReg == RAX || divisorReg == RDX);
        String full = name(divisorReg, wordSize);
        String operand;
        if (random.nextInt(3) == 0) {
            operand = mem(size);
            emit("mov " + full + ", " + hex(divisor, wordSize / 4), 0, 0);
            emit("mov " + operand + ", " + name(divisorReg, size), 0, 0);
        } else {
            operand = name(divisorReg, size);
            emit("mov " + full + ", " + hex(divisor, wordSize / 4), 0, 0);
        }
        if (signed) {
            emit(switch (size) {
                case 8 -> "cbw";
                case 16 -> "cwd";
                case 32 -> "cdq";
                default -> "cqo";
            }, 0, 0);
            emit("idiv " + operand, ARITH, ARITH);
        } else {
            emit(size == 8 ? "mov ah, 0" : "mov edx, 0", 0, 0);
            emit("div " + operand, ARITH, ARITH);
        }
    }

    private void bitOperation() {
        int drawn = size();
        int size = drawn == 8 ? 32 : drawn;
        String[] ops = {"bt", "bts", "btr", "btc", "bsf", "bsr"};
        String op = ops[random.nextInt(ops.length)];
        if (op.startsWith("bs")) {
            String src = reg(size);
            emit("or " + src + ", " + hex(1L << random.nextInt(size == 64 ? 31 : size), 8), ARITH, AF);
            emit(op + " " + reg(size) + ", " + src, ARITH, ARITH & ~ZF);
            return;
        }
        String target;
        String offset;
        switch (random.nextInt(4)) {
            case 0 -> {
                target = reg(size);
                offset = reg(size);
            }
            case 3 -> {
                // A register bit offset into memory reaches beyond the operand: keep it in the buffer.
                int index = registerExcept(-1);
                emit("mov " + name(index, 32) + ", " + random.nextInt((BUF_BYTES - size / 8) * 8), 0, 0);
                target = (size == 16 ? "word " : size == 32 ? "dword " : "qword ") + bufferAt(0);
                offset = name(index, size);
            }
            case 1 -> {
                target = reg(size);
                offset = Integer.toString(random.nextInt(size));
            }
            default -> {
                target = mem(size);
                offset = Integer.toString(random.nextInt(size));
            }
        }
        emit(op + " " + target + ", " + offset, CF | OF | SF | AF | PF, OF | SF | AF | PF);
    }

    /** A string instruction over the buffer, forwards or backwards, with a small count. */
    private void string() {
        String[] ops = {"movs", "stos", "lods", "cmps", "scas"};
        String op = ops[random.nextInt(ops.length)];
        int size = size();
        int bytes = size / 8;
        int count = op.equals("lods") ? 1 : 1 + random.nextInt(8);
        boolean backwards = random.nextBoolean();
        emit(backwards ? "std" : "cld", DF, 0);
        int span = count * bytes;
        int low = backwards ? span - bytes : 0;
        int high = backwards ? BUF_BYTES - bytes : BUF_BYTES - span;
        emit("lea " + name(4, wordSize) + ", " + bufferAt(aligned(low, high, bytes)), 0, 0);
        emit("lea " + name(5, wordSize) + ", " + bufferAt(aligned(low, high, bytes)), 0, 0);
        emit("mov ecx, " + count, 0, 0);
        String suffix = switch (size) {
            case 8 -> "b";
            case 16 -> "w";
            case 32 -> "d";
            default -> "q";
        };
        switch (op) {
            case "movs", "stos" -> emit("rep " + op + suffix, 0, 0);
            case "lods" -> emit(op + suffix, 0, 0);
            default -> emit((random.nextBoolean() ? "repe " : "repne ") + op + suffix, ARITH, 0);
        }
    }

    /**
     * Pushes of registers, immediates, memory or the flags, popped again within the step; the
     * last value may be popped into the flags (through a register, keeping only the arithmetic
     * flags and DF).
     */
    private void stack() {
        switch (random.nextInt(4)) {
            case 0 -> {
                emit("enter " + random.nextInt(64) * 4 + ", " + random.nextInt(2), 0, 0);
                emit("leave", 0, 0);
                return;
            }
            case 1 -> {
                emit("push " + (random.nextBoolean() ? reg(16) : "word " + hex(random.nextInt(0x10000), 4)), 0, 0);
                emit("pop " + (random.nextBoolean() ? reg(16) : mem(16)), 0, 0);
                return;
            }
            default -> {
            }
        }
        int pushes = 1 + random.nextInt(3);
        // Per pushed value, the bits it may carry into a register: all of them, except for a
        // flags image whose undefined flags must not become register contents.
        int[] keep = new int[pushes];
        for (int i = 0; i < pushes; i++) {
            keep[i] = -1;
            switch (random.nextInt(long64 ? 4 : 5)) {
                case 0 -> emit("push " + reg(wordSize), 0, 0);
                case 1 -> emit("push " + word() + " " + random.nextInt(), 0, 0);
                case 2 -> emit("push " + mem(wordSize), 0, 0);
                case 3 -> {
                    emit(long64 ? "pushfq" : "pushfd", 0, 0);
                    keep[i] = ~(ARITH | DF) | defined;
                }
                default -> {
                    emit("pushad", 0, 0);
                    emit("popad", 0, 0);
                    emit("push " + reg(wordSize), 0, 0);
                }
            }
        }
        for (int i = pushes - 1; i >= 0; i--) {
            if (i == 0 && random.nextInt(3) == 0) {
                String scratch = reg(wordSize);
                emit("pop " + scratch, 0, 0);
                emit("and " + scratch + ", " + ((ARITH | DF) & keep[i]), ARITH, AF);
                emit("push " + scratch, 0, 0);
                emit(popf(), ARITH | DF, 0);
            } else if (keep[i] != -1 || random.nextInt(4) != 0) {
                String target = reg(wordSize);
                emit("pop " + target, 0, 0);
                if (keep[i] != -1) {
                    emit("and " + target + ", " + keep[i], ARITH, AF);
                }
            } else {
                emit("pop " + mem(wordSize), 0, 0);
            }
        }
    }

    private void exchange() {
        int size = size();
        switch (random.nextInt(7)) {
            case 0 -> emit("xchg " + reg(size) + ", " + regOrMem(size), 0, 0);
            case 1 -> emit(lockIfMemory("xadd", size), ARITH, 0);
            case 2 -> emit(lockIfMemory("cmpxchg", size), ARITH, 0);
            case 3 -> emit("bswap " + reg(long64 && random.nextBoolean() ? 64 : 32), 0, 0);
            case 6 -> {
                boolean wide = long64 && random.nextBoolean();
                String op = wide ? "cmpxchg16b " : "cmpxchg8b ";
                String width = wide ? "oword " : "qword ";
                // QEMU 7.2 computes the flags of CMPXCHG8B/16B from a stale record of the last
                // flag-setting operation when one ran earlier in the same translation block; a
                // jump to the next instruction ends the block and keeps the reference right.
                String next = label();
                emit("jmp " + next, 0, 0);
                out.append(next).append(":\n");
                emit((random.nextBoolean() ? "lock " : "") + op + width
                        + bufferAt(aligned(0, BUF_BYTES - (wide ? 16 : 8), wide ? 16 : 8)), ZF, 0);
            }
            case 4 -> {
                String[] extend = long64 ? new String[] {"cbw", "cwde", "cdqe", "cwd", "cdq", "cqo"}
                        : new String[] {"cbw", "cwde", "cwd", "cdq"};
                emit(extend[random.nextInt(extend.length)], 0, 0);
            }
            default -> {
                int wide = long64 && random.nextBoolean() ? 64 : 32;
                int narrow = random.nextBoolean() ? 8 : 16;
                String op = random.nextBoolean() ? "movzx" : "movsx";
                if (long64 && random.nextInt(4) == 0) {
                    emit("movsxd " + reg(64) + ", " + (random.nextBoolean() ? reg(32) : mem(32)), 0, 0);
                } else {
                    emit(op + " " + reg(wide) + ", " + regOrMem(narrow), 0, 0);
                }
            }
        }
    }

    private String lockIfMemory(String op, int size) {
        if (random.nextBoolean()) {
            return op + " " + reg(size) + ", " + reg(size);
        }
        return (random.nextBoolean() ? "lock " : "") + op + " " + mem(size) + ", " + reg(size);
    }

    /** CMOVcc, SETcc, a Jcc over a move, a counted loop, or a carry-flag operation. */
    private void conditional() {
        int condition = random.nextInt(CONDITIONS.length);
        switch (random.nextInt(6)) {
            case 0 -> {
                need(CONDITION_FLAGS[condition]);
                int size = random.nextInt(3) == 0 ? 16 : long64 && random.nextBoolean() ? 64 : 32;
                emit("cmov" + CONDITIONS[condition] + " " + reg(size) + ", " + regOrMem(size), 0, 0);
            }
            case 1 -> {
                need(CONDITION_FLAGS[condition]);
                emit("set" + CONDITIONS[condition] + " " + regOrMem(8), 0, 0);
            }
            case 2 -> {
                need(CONDITION_FLAGS[condition]);
                String skip = label();
                emit("j" + CONDITIONS[condition] + " " + skip, 0, 0);
                emit("mov " + reg(wordSize) + ", " + hex(random.nextLong(), wordSize / 4), 0, 0);
                out.append(skip).append(":\n");
            }
            case 3 -> {
                String top = label();
                int a = registerExcept(RCX);
                int b = registerExcept(RCX);
                String[] ops = {"add", "sub", "xor", "imul"};
                String op = ops[random.nextInt(ops.length)];
                emit("mov ecx, " + (1 + random.nextInt(6)), 0, 0);
                out.append(top).append(":\n");
                emit(op + " " + name(a, wordSize) + ", " + name(b, wordSize), ARITH,
                        op.equals("xor") ? AF : op.equals("imul") ? SF | ZF | AF | PF : 0);
                emit("dec ecx", ARITH & ~CF, 0);
                emit("jnz " + top, 0, 0);
            }
            case 4 -> {
                String[] carry = {"clc", "stc", "cmc"};
                String op = carry[random.nextInt(carry.length)];
                if (op.equals("cmc")) {
                    need(CF);
                }
                emit(op, CF, 0);
            }
            default -> {
                if (random.nextBoolean()) {
                    need(SF | ZF | AF | PF | CF);
                    emit("lahf", 0, 0);
                } else {
                    emit("sahf", SF | ZF | AF | PF | CF, 0);
                }
            }
        }
    }

    private void move() {
        int size = size();
        switch (random.nextInt(4)) {
            case 0 -> emit("mov " + reg(size) + ", " + (size == 64 ? hex(random.nextLong(), 16) : imm(size)), 0, 0);
            case 1 -> emit("mov " + mem(size) + ", " + reg(size), 0, 0);
            case 2 -> emit("mov " + reg(size) + ", " + mem(size), 0, 0);
            default -> {
                int wide = long64 && random.nextBoolean() ? 64 : 32;
                String index = name(random.nextInt(registers()), wordSize);
                int scale = 1 << random.nextInt(4);
                emit("lea " + reg(wide) + ", [" + reg(wordSize) + " + " + index + " * " + scale + " + "
                        + random.nextInt(0x10000) + "]", 0, 0);
            }
        }
    }

    /** Protected mode only: decimal adjustment (DAA, DAS, AAA, AAS, AAM, AAD) and XLAT. */
    private void decimal() {
        switch (random.nextInt(7)) {
            case 0, 1 -> {
                need(CF | AF);
                emit(random.nextBoolean() ? "daa" : "das", ARITH, OF);
            }
            case 2, 3 -> {
                need(AF);
                emit(random.nextBoolean() ? "aaa" : "aas", ARITH, OF | SF | ZF | PF);
            }
            case 4, 5 -> emit((random.nextBoolean() ? "aam " : "aad ") + (2 + random.nextInt(254)),
                    ARITH, OF | AF | CF);
            default -> {
                emit("lea ebx, " + bufferAt(0), 0, 0);
                emit("xlatb", 0, 0);
            }
        }
    }

    // ---- helpers

    /** Emits a compare that defines every arithmetic flag when one in {@code flags} is undefined. */
    private void need(int flags) {
        if ((defined & flags) != flags) {
            emit("cmp " + reg(wordSize) + ", " + reg(wordSize), ARITH, 0);
        }
    }

    private void emit(String instruction, int affects, int undefined) {
        out.append("        ").append(instruction).append('\n');
        defined = (defined & ~affects) | (affects & ~undefined);
    }

    private void dump(String name) {
        out.append("        DUMP \"").append(name).append("\", ").append(hex(defined & (ARITH | DF), 4))
                .append('\n');
    }

    private String countOperand(int count, boolean viaCl) {
        if (!viaCl) {
            return Integer.toString(count);
        }
        emit("mov ecx, " + count, 0, 0);
        return "cl";
    }

    private int size() {
        return 8 << random.nextInt(long64 ? 4 : 3);
    }

    private int registers() {
        return long64 ? L64.length : P32.length;
    }

    private String word() {
        return long64 ? "qword" : "dword";
    }

    private String popf() {
        return long64 ? "popfq" : "popfd";
    }

    private String reg(int size) {
        if (!long64 && size == 8) {
            return P8[random.nextInt(P8.length)];
        }
        return name(random.nextInt(registers()), size);
    }

    /** A register of {@code size} that is no part of register {@code excluded}. */
    private String regExcept(int size, int excluded) {
        if (!long64 && size == 8) {
            int index;
            do {
                index = random.nextInt(P8.length);
            } while (P8_REGISTER[index] == excluded);
            return P8[index];
        }
        return name(registerExcept(excluded), size);
    }

    private int registerExcept(int excluded) {
        int index;
        do {
            index = random.nextInt(registers());
        } while (index == excluded);
        return index;
    }

    private String regOrMem(int size) {
        return random.nextInt(3) == 0 ? mem(size) : reg(size);
    }

    /** Register {@code index} at {@code size} (in protected mode, bytes only for 0..3). */
    private String name(int index, int size) {
        if (long64) {
            return switch (size) {
                case 8 -> L8[index];
                case 16 -> L16[index];
                case 32 -> L32[index];
                default -> L64[index];
            };
        }
        return switch (size) {
            case 8 -> P8[index];
            case 16 -> P16[index];
            default -> P32[index];
        };
    }

    /** A memory operand inside the buffer, aligned to its size. */
    private String mem(int size) {
        int bytes = size / 8;
        String width = switch (size) {
            case 8 -> "byte";
            case 16 -> "word";
            case 32 -> "dword";
            default -> "qword";
        };
        return width + " " + bufferAt(aligned(0, BUF_BYTES - bytes, bytes));
    }

    private String bufferAt(int offset) {
        return (long64 ? "[rel rnd_buf + " : "[rnd_buf + ") + offset + "]";
    }

    private int aligned(int low, int high, int alignment) {
        int slots = (high - low) / alignment + 1;
        return low + random.nextInt(slots) * alignment;
    }

    /** An immediate that fits the operand size (sign-extended imm32 for 64-bit operands). */
    private String imm(int size) {
        return switch (size) {
            case 8 -> hex(random.nextInt(256), 2);
            case 16 -> hex(random.nextInt(0x10000), 4);
            case 32 -> hex(random.nextInt() & 0xFFFFFFFFL, 8);
            default -> Integer.toString(random.nextInt());
        };
    }

    private String label() {
        return "rnd_l" + labels++;
    }

    private static long mask(int size) {
        return size == 64 ? -1L : (1L << size) - 1;
    }

    private static long signExtend(long value, int size) {
        return size == 64 ? value : (value << (64 - size)) >> (64 - size);
    }

    private static String hex(long value, int digits) {
        long shown = digits >= 16 ? value : value & ((1L << (4 * digits)) - 1);
        String text = Long.toHexString(shown);
        return "0x" + "0".repeat(Math.max(0, digits - text.length())) + text;
    }
}
