package dev.jemu.devices.input;

/**
 * A PS/2 (MF2) keyboard's command set, as the i8042 passes bytes to it: reset with its
 * self-test result, identify, LEDs, scan code set, typematic rate, scanning on and off, echo.
 * Unknown commands (Resend 0xFE among them) and bad parameters are answered with Resend, as
 * QEMU's keyboard does. jemu has no key input yet, so the keyboard only answers commands.
 *
 * <p>Threading: under the big emulator lock.
 */
final class Ps2Keyboard extends Ps2Device {
    static final int SET_LEDS = 0xED;
    static final int ECHO = 0xEE;
    static final int SCAN_CODE_SET = 0xF0;
    static final int IDENTIFY = 0xF2;
    static final int SET_TYPEMATIC = 0xF3;
    static final int ENABLE_SCANNING = 0xF4;
    static final int RESET_DISABLE = 0xF5;
    static final int RESET_ENABLE = 0xF6;
    static final int RESET = 0xFF;

    /** ID bytes: an MF2 keyboard; the second is 0x41 while the controller translates, as QEMU's. */
    private static final int ID_MF2 = 0xAB;
    private static final int ID_MF2_UNTRANSLATED = 0x83;
    private static final int ID_MF2_TRANSLATED = 0x41;
    /** What "get scan code set" answers for sets 1–3 while the controller translates. */
    private static final int[] TRANSLATED_SET = {0, 0x43, 0x41, 0x3F};

    private boolean translated;
    private boolean scanning;
    private int scanCodeSet;
    private int leds;

    Ps2Keyboard(Runnable dataReady) {
        super(dataReady);
        reset();
    }

    /** The controller's translation bit (command byte bit 6) changed. */
    void setTranslated(boolean on) {
        translated = on;
    }

    int leds() {
        return leds;
    }

    boolean isScanning() {
        return scanning;
    }

    @Override
    protected void command(int value) {
        switch (value) {
            case SET_LEDS, SCAN_CODE_SET, SET_TYPEMATIC -> {
                pendingCommand = value;
                send(ACK);
            }
            case ECHO -> send(ECHO);
            case IDENTIFY -> send(ACK, ID_MF2, translated ? ID_MF2_TRANSLATED : ID_MF2_UNTRANSLATED);
            case ENABLE_SCANNING -> {
                scanning = true;
                send(ACK);
            }
            case RESET_DISABLE, RESET_ENABLE -> {
                setDefaults();
                scanning = value == RESET_ENABLE;
                send(ACK);
            }
            case RESET -> {
                reset();
                send(ACK, BAT_OK);
            }
            default -> send(RESEND);
        }
    }

    @Override
    protected void parameter(int command, int value) {
        switch (command) {
            case SET_LEDS -> {
                leds = value & 7;
                send(ACK);
            }
            case SCAN_CODE_SET -> {
                if (value == 0) {
                    send(ACK, translated ? TRANSLATED_SET[scanCodeSet] : scanCodeSet);
                } else if (value <= 3) {
                    scanCodeSet = value;
                    send(ACK);
                } else {
                    send(RESEND);
                }
            }
            default -> send(ACK);
        }
    }

    private void setDefaults() {
        scanCodeSet = 2;
        leds = 0;
    }

    @Override
    void reset() {
        clearQueue();
        pendingCommand = -1;
        setDefaults();
        scanning = true;
    }
}
