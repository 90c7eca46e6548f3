package dev.jemu.core.x86;

import static dev.jemu.core.x86.IntegerOps.rmRead;
import static dev.jemu.core.x86.IntegerOps.rmWrite;
import static dev.jemu.core.x86.OpTable.BYTE;
import static dev.jemu.core.x86.OpTable.D64;
import static dev.jemu.core.x86.OpTable.IB;
import static dev.jemu.core.x86.OpTable.INV64;
import static dev.jemu.core.x86.OpTable.MODRM;
import static dev.jemu.core.x86.OpTable.P_66;
import static dev.jemu.core.x86.OpTable.REG_ONLY;
import static dev.jemu.core.x86.OpTable.WORD;
import static dev.jemu.core.x86.OpTable.def;
import static dev.jemu.core.x86.OpTable.defPrefixed;
import static dev.jemu.core.x86.OpTable.group;

/**
 * System instructions: port I/O, HLT, CLI/STI, segment register moves and loads,
 * descriptor-table instructions (group 6 and 7, LAR, LSL), control and debug registers,
 * MSRs, CPUID, RDTSC(P), SYSCALL/SYSRET, SYSENTER/SYSEXIT, cache and TLB control, NOPs,
 * fences.
 */
final class SystemOps {
    private SystemOps() {
    }

    /** #GP unless the current privilege level is 0. */
    static void requireCpl0(Cpu c) {
        if (c.protectedMode() && c.cpl != 0) {
            throw c.gp(0);
        }
    }

    /**
     * Checks the I/O permission of {@code size} bytes at {@code port} (IOPL, then the TSS
     * bitmap); every port access goes through here, so I/O breakpoints are checked here too.
     */
    static void checkIo(Cpu c, int port, int size) {
        if (c.debug.watchingIo) {
            c.debug.ioAccess(port, size);
        }
        if (!c.protectedMode() || (c.cpl <= c.iopl() && (c.eflagsRest & Eflags.VM) == 0)) {
            return;
        }
        boolean tss32 = (c.tr.attr & 0xD) == 0x9;
        if (!tss32 || c.tr.limit < 0x67) {
            throw c.gp(0);
        }
        long mapBase = c.mmu.readSystem(c.tr.base + 0x66, 2);
        long byteOff = mapBase + (port >> 3);
        if (byteOff + 1 > c.tr.limit) {
            throw c.gp(0);
        }
        long bits = c.mmu.readSystem(c.tr.base + byteOff, 2);
        if (((bits >> (port & 7)) & ((1 << size) - 1)) != 0) {
            throw c.gp(0);
        }
    }

    static void register() {
        registerIo();
        registerSegmentMoves();
        registerDescriptorTables();
        registerControlRegisters();
        registerFastCalls();
        registerMisc();
    }

    private static void registerIo() {
        Exec inImm = (c, i) -> {
            int port = (int) (i.imm & 0xFF);
            checkIo(c, port, i.opSize);
            c.setReg(Cpu.RAX, i.opSize, c.io.read(port, i.opSize));
        };
        Exec outImm = (c, i) -> {
            int port = (int) (i.imm & 0xFF);
            checkIo(c, port, i.opSize);
            c.io.write(port, c.getReg(Cpu.RAX, i.opSize), i.opSize);
        };
        Exec inDx = (c, i) -> {
            int port = (int) c.getReg(Cpu.RDX, 2);
            checkIo(c, port, i.opSize);
            c.setReg(Cpu.RAX, i.opSize, c.io.read(port, i.opSize));
        };
        Exec outDx = (c, i) -> {
            int port = (int) c.getReg(Cpu.RDX, 2);
            checkIo(c, port, i.opSize);
            c.io.write(port, c.getReg(Cpu.RAX, i.opSize), i.opSize);
        };
        def(0xE4, BYTE | IB, inImm);
        def(0xE5, IB, (c, i) -> inImm.exec(c, limit32(i)));
        def(0xE6, BYTE | IB, outImm);
        def(0xE7, IB, (c, i) -> outImm.exec(c, limit32(i)));
        def(0xEC, BYTE, inDx);
        def(0xED, 0, (c, i) -> inDx.exec(c, limit32(i)));
        def(0xEE, BYTE, outDx);
        def(0xEF, 0, (c, i) -> outDx.exec(c, limit32(i)));
        def(0xF4, 0, (c, i) -> {
            requireCpl0(c);
            c.halted = true;
        });
        def(0xFA, 0, (c, i) -> VirtualInterrupts.cli(c));
        def(0xFB, 0, (c, i) -> VirtualInterrupts.sti(c));
    }

    /** Port I/O is at most 32 bits wide even with REX.W. */
    private static Insn limit32(Insn i) {
        if (i.opSize == 8) {
            i.opSize = 4;
        }
        return i;
    }

    private static void registerSegmentMoves() {
        def(0x8C, MODRM, (c, i) -> c.setReg(i.rm, i.opSize, c.segs[checkSreg(c, i.reg)].selector),
                (c, i) -> c.write(i.seg, i.ea, c.segs[checkSreg(c, i.reg)].selector, 2));
        def(0x8E, MODRM | WORD, (c, i) -> {
            int seg = checkSreg(c, i.reg);
            if (seg == Cpu.CS) {
                throw c.ud();
            }
            Segments.loadSegment(c, seg, (int) rmRead(c, i, 2));
            if (seg == Cpu.SS) {
                stackSegmentLoaded(c);
            }
        });
        int[][] pushPop = {{0x06, 0x07, Cpu.ES}, {0x16, 0x17, Cpu.SS}, {0x1E, 0x1F, Cpu.DS}};
        for (int[] pp : pushPop) {
            int seg = pp[2];
            def(pp[0], INV64, (c, i) -> c.push(c.segs[seg].selector, i.opSize));
            def(pp[1], INV64, (c, i) -> popSegment(c, i, seg));
        }
        def(0x0E, INV64, (c, i) -> c.push(c.segs[Cpu.CS].selector, i.opSize));
        def(0x1A0, D64, (c, i) -> c.push(c.segs[Cpu.FS].selector, i.opSize));
        def(0x1A1, D64, (c, i) -> popSegment(c, i, Cpu.FS));
        def(0x1A8, D64, (c, i) -> c.push(c.segs[Cpu.GS].selector, i.opSize));
        def(0x1A9, D64, (c, i) -> popSegment(c, i, Cpu.GS));
        def(0xC4, MODRM | INV64, null, (c, i) -> loadFarPointer(c, i, Cpu.ES));
        def(0xC5, MODRM | INV64, null, (c, i) -> loadFarPointer(c, i, Cpu.DS));
        def(0x1B2, MODRM, null, (c, i) -> loadFarPointer(c, i, Cpu.SS));
        def(0x1B4, MODRM, null, (c, i) -> loadFarPointer(c, i, Cpu.FS));
        def(0x1B5, MODRM, null, (c, i) -> loadFarPointer(c, i, Cpu.GS));
    }

    private static int checkSreg(Cpu c, int reg) {
        int seg = reg & 7;
        if (seg > Cpu.GS) {
            throw c.ud();
        }
        return seg;
    }

    /**
     * POP ES/SS/DS/FS/GS. The stack pointer moves by the stack size in force when the
     * instruction began, even when the loaded SS has another one.
     */
    private static void popSegment(Cpu c, Insn i, int seg) {
        long mask = c.stackMask;
        long sp = c.regs[Cpu.RSP] & mask;
        int sel = (int) c.read(Cpu.SS, sp, i.opSize);
        Segments.loadSegment(c, seg, sel);
        c.regs[Cpu.RSP] = (c.regs[Cpu.RSP] & ~mask) | ((sp + i.opSize) & mask);
        if (seg == Cpu.SS) {
            stackSegmentLoaded(c);
        }
    }

    /** MOV SS and POP SS hold interrupts and debug exceptions back until after the next instruction. */
    private static void stackSegmentLoaded(Cpu c) {
        c.inhibitInterruptsAt = c.icount + 1;
        c.debug.stackSegmentLoaded();
    }

    private static void loadFarPointer(Cpu c, Insn i, int seg) {
        long offset = c.read(i.seg, i.ea, i.opSize);
        int sel = (int) c.read(i.seg, c.maskAddr(i.ea + i.opSize, i.addrSize), 2);
        Segments.loadSegment(c, seg, sel);
        c.setReg(i.reg, i.opSize, offset);
    }

    private static void requireProtected(Cpu c) {
        if (!c.protectedMode() || (c.eflagsRest & Eflags.VM) != 0) {
            throw c.ud();
        }
    }

    private static void registerDescriptorTables() {
        group(0x100, 0, 0, (c, i) -> {
            requireProtected(c);
            requireUmipAllows(c);
            rmWrite(c, i, i.isMem ? 2 : i.opSize, c.ldtr.selector);
        });
        group(0x100, 0, 1, (c, i) -> {
            requireProtected(c);
            requireUmipAllows(c);
            rmWrite(c, i, i.isMem ? 2 : i.opSize, c.tr.selector);
        });
        group(0x100, 0, 2, (c, i) -> {
            requireProtected(c);
            requireCpl0(c);
            loadSystemSegment(c, (int) rmRead(c, i, 2), false);
        });
        group(0x100, 0, 3, (c, i) -> {
            requireProtected(c);
            requireCpl0(c);
            loadSystemSegment(c, (int) rmRead(c, i, 2), true);
        });
        group(0x100, 0, 4, (c, i) -> verify(c, (int) rmRead(c, i, 2), false));
        group(0x100, 0, 5, (c, i) -> verify(c, (int) rmRead(c, i, 2), true));

        group(0x101, 0, 0, null, (c, i) -> {
            requireUmipAllows(c);
            storeTable(c, i, c.gdtLimit, c.gdtBase);
        });
        group(0x101, 0, 1, SystemOps::clacStac, (c, i) -> {
            requireUmipAllows(c);
            storeTable(c, i, c.idtLimit, c.idtBase);
        });
        group(0x101, 0, 2, SystemOps::extendedControl, (c, i) -> {
            requireCpl0(c);
            c.gdtLimit = (int) c.read(i.seg, i.ea, 2);
            c.gdtBase = loadTableBase(c, i);
        });
        group(0x101, 0, 3, null, (c, i) -> {
            requireCpl0(c);
            c.idtLimit = (int) c.read(i.seg, i.ea, 2);
            c.idtBase = loadTableBase(c, i);
        });
        group(0x101, 0, 4, (c, i) -> {
            requireUmipAllows(c);
            rmWrite(c, i, i.isMem ? 2 : i.opSize, c.cr0 & (i.isMem ? 0xFFFF : -1L));
        });
        defPrefixed(0x282, P_66, 0, null, SystemOps::invpcid);
        group(0x101, 0, 6, (c, i) -> {
            requireCpl0(c);
            long v = rmRead(c, i, 2);
            long keepPe = c.cr0 & Cpu.CR0_PE;
            ControlRegisters.writeCr0(c, (c.cr0 & ~0xEL) | (v & 0xF) | keepPe);
        });
        group(0x101, 0, 7, (c, i) -> {
            if (i.rm == 0 || i.rm == 8) {
                if (!c.code64) {
                    throw c.ud();
                }
                requireCpl0(c);
                long k = c.msrs.kernelGsBase;
                c.msrs.kernelGsBase = c.segs[Cpu.GS].base;
                c.segs[Cpu.GS].base = k;
                c.refreshSegment(Cpu.GS);
            } else if ((i.rm & 7) == 1 && c.model.extended) {
                readTsc(c);
                c.setReg(Cpu.RCX, 4, c.msrs.tscAux);
            } else {
                throw c.ud();
            }
        }, (c, i) -> {
            requireCpl0(c);
            c.mmu.flushPage(c.linear(i.seg, i.ea, 1));
        });

        Exec lar = (c, i) -> {
            requireProtected(c);
            int sel = (int) rmRead(c, i, 2);
            long desc = accessibleDescriptor(c, sel, true);
            IntegerOps.setZf(c, desc != 0);
            if (desc != 0) {
                // bits 23:20 and 15:8 of the descriptor's high dword; 19:16 (the limit's top),
                // which the SDM leaves undefined, read as zero, as on QEMU
                c.setReg(i.reg, i.opSize, (desc >>> 32) & 0x00F0_FF00L);
            }
        };
        Exec lsl = (c, i) -> {
            requireProtected(c);
            int sel = (int) rmRead(c, i, 2);
            long desc = accessibleDescriptor(c, sel, false);
            IntegerOps.setZf(c, desc != 0);
            if (desc != 0) {
                c.setReg(i.reg, i.opSize, Segment.descriptorLimit(desc));
            }
        };
        def(0x102, MODRM, lar);
        def(0x103, MODRM, lsl);
    }

    /**
     * CLAC (0F 01 CA) and STAC (0F 01 CB), with SMAP: clear or set EFLAGS.AC; #UD at CPL > 0
     * (so in virtual-8086 mode) and without SMAP. The rest of 0F 01 /1's register forms
     * (MONITOR, MWAIT, ENCLS) are #UD.
     */
    private static void clacStac(Cpu c, Insn i) {
        int which = i.rm & 7;
        if ((which != 2 && which != 3) || !c.model.extended || c.cpl != 0) {
            throw c.ud();
        }
        c.eflagsRest = which == 3 ? c.eflagsRest | Eflags.AC : c.eflagsRest & ~Eflags.AC;
    }

    private static void storeTable(Cpu c, Insn i, int limit, long base) {
        c.write(i.seg, i.ea, limit, 2);
        int size = c.code64 ? 8 : 4;
        long b = i.opSize == 2 && !c.code64 ? base & 0xFF_FFFF : base;
        c.write(i.seg, c.maskAddr(i.ea + 2, i.addrSize), b, size);
    }

    private static long loadTableBase(Cpu c, Insn i) {
        long addr = c.maskAddr(i.ea + 2, i.addrSize);
        if (c.code64) {
            return c.read(i.seg, addr, 8);
        }
        long b = c.read(i.seg, addr, 4);
        return i.opSize == 2 ? b & 0xFF_FFFF : b;
    }

    /** LLDT and LTR. */
    private static void loadSystemSegment(Cpu c, int sel, boolean task) {
        if ((sel & ~3) == 0) {
            if (task) {
                throw c.gp(0);
            }
            c.ldtr.set(0, 0, 0, 0);
            return;
        }
        if ((sel & 4) != 0) {
            throw c.gp(sel & ~3);
        }
        long addr = Segments.descriptorAddress(c, sel, Vectors.GP);
        long desc = c.mmu.readSystem(addr, 8);
        int attr = Segment.descriptorAttr(desc);
        int type = attr & 0x1F;
        boolean ok = task ? (type == 0x9 || (type == 0x1 && !c.longMode())) : type == 0x2;
        if (!ok) {
            throw c.gp(sel & ~3);
        }
        if ((attr & Segment.ATTR_P) == 0) {
            throw c.fault(Vectors.NP, sel & ~3);
        }
        long base = Segment.descriptorBase(desc);
        if (c.longMode()) {
            base |= c.mmu.readSystem(addr + 8, 4) << 32;
        }
        Segment target = task ? c.tr : c.ldtr;
        target.set(sel, base, Segment.descriptorLimit(desc), attr);
        if (task) {
            c.mmu.writeSystem(addr + 5, (desc >>> 40) | 2, 1);
            target.attr |= 2;
        }
    }

    /**
     * The descriptor of {@code sel} if LAR/LSL (or VERR/VERW) may see it from here, else 0.
     * A selector past its table's limit gives 0; a page fault reading the descriptor is raised.
     */
    private static long accessibleDescriptor(Cpu c, int sel, boolean lar) {
        if ((sel & ~3) == 0) {
            return 0;
        }
        long addr;
        try {
            addr = Segments.descriptorAddress(c, sel, Vectors.GP);
        } catch (CpuFault f) {
            return 0;
        }
        long desc = c.mmu.readSystem(addr, 8);
        int attr = Segment.descriptorAttr(desc);
        int dpl = (attr >> 5) & 3;
        if ((attr & Segment.ATTR_S) == 0) {
            int type = attr & 0xF;
            boolean allowed = switch (type) {
                case 1, 2, 3, 9, 0xB -> true;
                case 4, 5, 0xC -> lar;
                default -> false;
            };
            if (!allowed || (c.longMode() && (type == 1 || type == 3 || type == 4 || type == 5))) {
                return 0;
            }
        } else if ((attr & (Segment.TYPE_CODE | Segment.TYPE_CONFORMING)) == (Segment.TYPE_CODE | Segment.TYPE_CONFORMING)) {
            return desc;
        }
        return dpl < c.cpl || dpl < (sel & 3) ? 0 : desc;
    }

    private static void verify(Cpu c, int sel, boolean write) {
        requireProtected(c);
        long desc = (sel & ~3) == 0 ? 0 : accessibleDescriptor(c, sel, false);
        int attr = Segment.descriptorAttr(desc);
        boolean ok = desc != 0 && (attr & Segment.ATTR_S) != 0;
        if (ok) {
            boolean code = (attr & Segment.TYPE_CODE) != 0;
            ok = write ? !code && (attr & Segment.TYPE_WRITABLE) != 0 : !code || (attr & Segment.TYPE_READABLE) != 0;
        }
        IntegerOps.setZf(c, ok);
    }

    private static void registerControlRegisters() {
        def(0x120, MODRM | REG_ONLY, (c, i) -> {
            requireCpl0(c);
            c.setReg(i.rm, c.code64 ? 8 : 4, ControlRegisters.read(c, i.reg));
        });
        def(0x122, MODRM | REG_ONLY, (c, i) -> {
            requireCpl0(c);
            ControlRegisters.write(c, i.reg, c.getReg(i.rm, c.code64 ? 8 : 4));
        });
        def(0x121, MODRM | REG_ONLY, (c, i) -> {
            requireCpl0(c);
            c.setReg(i.rm, c.code64 ? 8 : 4, c.debug.read(i.reg));
        });
        def(0x123, MODRM | REG_ONLY, (c, i) -> {
            requireCpl0(c);
            c.debug.write(i.reg, c.getReg(i.rm, c.code64 ? 8 : 4));
        });
        def(0x106, 0, (c, i) -> {
            requireCpl0(c);
            c.cr0 &= ~Cpu.CR0_TS;
        });
        def(0x130, 0, (c, i) -> {
            requireCpl0(c);
            c.msrs.write(c, (int) c.regs[Cpu.RCX], (c.regs[Cpu.RAX] & 0xFFFF_FFFFL) | (c.regs[Cpu.RDX] << 32));
        });
        def(0x132, 0, (c, i) -> {
            requireCpl0(c);
            long v = c.msrs.read(c, (int) c.regs[Cpu.RCX]);
            c.setReg(Cpu.RAX, 4, v);
            c.setReg(Cpu.RDX, 4, v >>> 32);
        });
        def(0x131, 0, (c, i) -> readTsc(c));
        def(0x1A2, 0, (c, i) -> Cpuid.execute(c));
    }

    private static void readTsc(Cpu c) {
        long tsc = c.readTsc();
        c.setReg(Cpu.RAX, 4, tsc);
        c.setReg(Cpu.RDX, 4, tsc >>> 32);
    }

    private static void registerFastCalls() {
        def(0x105, 0, (c, i) -> FastCalls.syscall(c));
        def(0x107, 0, (c, i) -> FastCalls.sysret(c, i.rexW));
        def(0x134, 0, (c, i) -> FastCalls.sysenter(c));
        def(0x135, 0, (c, i) -> FastCalls.sysexit(c, i.rexW));
    }

    private static void registerMisc() {
        Exec nothing = (c, i) -> { };
        Exec privilegedNothing = (c, i) -> requireCpl0(c);
        def(0x108, 0, privilegedNothing);
        def(0x109, 0, privilegedNothing);
        def(0x10B, 0, (c, i) -> {
            throw c.ud();
        });
        def(0x10D, MODRM, null, nothing);
        for (int op = 0x118; op <= 0x11F; op++) {
            def(op, MODRM, nothing);
        }
        group(0x1AE, 0, 4, null, X87Control::xsave);
        group(0x1AE, 0, 5, (c, i) -> { }, X87Control::xrstor);
        // with max: CLWB (66 0F AE /6) writes a cache line back, which checks the access only;
        // XSAVEOPT (0F AE /6) is XSAVE, which saves every requested component (as XSAVE
        // does here, the modified optimization is left out, which the SDM permits)
        group(0x1AE, 0, 6, (c, i) -> { }, (c, i) -> {
            if (!c.model.extended) {
                throw c.ud();
            }
            if (i.opPrefix) {
                c.read(i.seg, i.ea, 1);
            } else {
                X87Control.xsave(c, i);
            }
        });
        group(0x1AE, 0, 7, (c, i) -> { }, (c, i) -> c.read(i.seg, i.ea, 1));
    }

    /**
     * RDFSBASE, RDGSBASE, WRFSBASE, WRGSBASE ({@code n} 0-3: F3 0F AE /n with a register
     * operand): 64-bit mode with CR4.FSGSBASE set on a model that has them, else #UD; a
     * 32-bit read zero-extends, a 32-bit write clears the base's upper half, a non-canonical
     * 64-bit write is #GP(0).
     */
    static Exec fsGsBase(int n) {
        int seg = (n & 1) == 0 ? Cpu.FS : Cpu.GS;
        boolean write = n >= 2;
        return (c, i) -> {
            if (i.rep != 0xF3 || !c.code64 || !c.model.extended || (c.cr4 & Cpu.CR4_FSGSBASE) == 0) {
                throw c.ud();
            }
            int size = i.rexW ? 8 : 4;
            if (!write) {
                c.setReg(i.rm, size, c.segs[seg].base & (size == 8 ? -1L : 0xFFFF_FFFFL));
                return;
            }
            long v = c.getReg(i.rm, size);
            if (!Cpu.isCanonical(v)) {
                throw c.gp(0);
            }
            c.segs[seg].base = v;
            c.refreshSegment(seg);
        };
    }

    /**
     * XGETBV (0F 01 D0) and XSETBV (0F 01 D1): XCR0 in EDX:EAX. #UD without XSAVE support or
     * CR4.OSXSAVE; #GP(0) for an XCR other than 0, and for XSETBV at CPL > 0 or with a value
     * that clears x87, sets an unsupported component, or sets a reserved bit.
     */
    private static void extendedControl(Cpu c, Insn i) {
        int which = i.rm & 7;
        if (which > 1 || !c.model.extended || (c.cr4 & Cpu.CR4_OSXSAVE) == 0) {
            throw c.ud();
        }
        if ((int) c.regs[Cpu.RCX] != 0) {
            throw c.gp(0);
        }
        if (which == 0) {
            c.setReg(Cpu.RAX, 4, c.fpu.xcr0 & 0xFFFF_FFFFL);
            c.setReg(Cpu.RDX, 4, c.fpu.xcr0 >>> 32);
            return;
        }
        requireCpl0(c);
        long v = (c.regs[Cpu.RDX] << 32) | (c.regs[Cpu.RAX] & 0xFFFF_FFFFL);
        if ((v & X87Control.XCR0_X87) == 0 || (v & ~X87Control.XCR0_SUPPORTED) != 0) {
            throw c.gp(0);
        }
        c.fpu.xcr0 = v;
    }

    /** SGDT, SIDT, SLDT, SMSW and STR: #GP(0) above CPL 0 while CR4.UMIP is set. */
    private static void requireUmipAllows(Cpu c) {
        if ((c.cr4 & Cpu.CR4_UMIP) != 0 && c.cpl > 0) {
            throw c.gp(0);
        }
    }

    /**
     * INVPCID (66 0F 38 82, memory operand): #UD on a model without it; #GP(0) above CPL 0,
     * for a type above 3, a descriptor with bits 63:12 set, a non-canonical address (type 0)
     * or a nonzero PCID (types 0 and 1) while CR4.PCIDE is clear. jemu's TLB does not tag
     * entries by PCID, so type 0 drops the page and the others the whole TLB.
     */
    private static void invpcid(Cpu c, Insn i) {
        if (!c.model.extended) {
            throw c.ud();
        }
        requireCpl0(c);
        long type = c.code64 ? c.regs[i.reg] : c.regs[i.reg] & 0xFFFF_FFFFL;
        long pcid = c.read(i.seg, i.ea, 8);
        long address = c.read(i.seg, c.maskAddr(i.ea + 8, i.addrSize), 8);
        if (Long.compareUnsigned(type, 3) > 0 || (pcid & ~0xFFFL) != 0
                || (type == 0 && !Cpu.isCanonical(address))
                || (type <= 1 && pcid != 0 && (c.cr4 & Cpu.CR4_PCIDE) == 0)) {
            throw c.gp(0);
        }
        if (type == 0) {
            c.mmu.flushPage(address);
        } else {
            c.mmu.flush();
        }
    }
}
