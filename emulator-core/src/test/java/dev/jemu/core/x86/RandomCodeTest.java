package dev.jemu.core.x86;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Random bytes executed in every mode must only ever produce guest behaviour (exceptions,
 * halts, triple faults), never a Java exception out of {@link Cpu#run}.
 */
class RandomCodeTest {
    @ParameterizedTest(name = "mode {0}")
    @ValueSource(ints = {16, 32, 64})
    void randomCodeNeverThrowsOutOfTheInterpreter(int mode) {
        Random random = new Random(0x5EED + mode);
        for (int round = 0; round < 300; round++) {
            CpuRig rig = new CpuRig();
            byte[] code = new byte[256];
            random.nextBytes(code);
            switch (mode) {
                case 16 -> rig.real(code);
                case 32 -> rig.prot32(code);
                default -> rig.long64(code);
            }
            rig.cpu.cr4 |= Cpu.CR4_OSFXSR;
            for (int r = 0; r < 16; r++) {
                if (r != Cpu.RSP) {
                    rig.cpu.regs[r] = random.nextInt(2) == 0 ? random.nextLong() : random.nextInt(0x200000);
                }
            }
            Cpu.StopReason why = rig.cpu.run(2000);
            assertNotNull(why);
        }
    }
}
