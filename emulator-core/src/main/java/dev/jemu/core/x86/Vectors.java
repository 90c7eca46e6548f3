package dev.jemu.core.x86;

/** Exception vectors, by their Intel mnemonic. */
final class Vectors {
    static final int DE = 0;
    static final int DB = 1;
    static final int NMI = 2;
    static final int BP = 3;
    static final int OF = 4;
    static final int BR = 5;
    static final int UD = 6;
    static final int NM = 7;
    static final int DF = 8;
    static final int TS = 10;
    static final int NP = 11;
    static final int SS = 12;
    static final int GP = 13;
    static final int PF = 14;
    static final int MF = 16;
    static final int AC = 17;
    static final int XM = 19;

    private Vectors() {
    }

    static boolean hasErrorCode(int v) {
        return v == DF || (v >= TS && v <= PF) || v == AC;
    }

    static boolean isContributory(int v) {
        return v == DE || (v >= TS && v <= GP);
    }
}
