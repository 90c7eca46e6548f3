package dev.jemu.devices.input;

/**
 * A PS/2 mouse's command set as QEMU's mouse answers it (checked against QEMU 7.2), enough
 * for SeaBIOS and Linux's psmouse probe: reset (0xAA, then the ID), get ID, status request,
 * sample rate, resolution, scaling, stream and remote mode, read data, wrap (echo) mode,
 * reporting on and off, set defaults. Unknown commands get no answer. The IntelliMouse
 * sequences of sample rates (200, 100, 80 and 200, 200, 80) switch the ID to 3 and 4 and
 * packets to four bytes. After a machine reset resolution and sample rate read 0 until the
 * guest resets the mouse or sets defaults (2 and 100), as in QEMU. jemu has no pointer
 * input yet, so movement packets are always empty.
 *
 * <p>Threading: under the big emulator lock.
 */
final class Ps2Mouse extends Ps2Device {
    static final int SET_SCALING_1_1 = 0xE6;
    static final int SET_SCALING_2_1 = 0xE7;
    static final int SET_RESOLUTION = 0xE8;
    static final int STATUS_REQUEST = 0xE9;
    static final int SET_STREAM_MODE = 0xEA;
    static final int READ_DATA = 0xEB;
    static final int RESET_WRAP_MODE = 0xEC;
    static final int SET_WRAP_MODE = 0xEE;
    static final int SET_REMOTE_MODE = 0xF0;
    static final int GET_ID = 0xF2;
    static final int SET_SAMPLE_RATE = 0xF3;
    static final int ENABLE_REPORTING = 0xF4;
    static final int DISABLE_REPORTING = 0xF5;
    static final int SET_DEFAULTS = 0xF6;
    static final int RESET = 0xFF;

    static final int ID_STANDARD = 0x00;
    static final int ID_INTELLIMOUSE = 0x03;
    static final int ID_EXPLORER = 0x04;
    private static final int STATUS_REMOTE = 0x40;
    private static final int STATUS_ENABLED = 0x20;
    private static final int STATUS_SCALING_2_1 = 0x10;
    /** The first byte of a movement packet: bit 3 is always 1. */
    private static final int PACKET_ALWAYS_ONE = 0x08;

    private boolean remote;
    private boolean wrap;
    private boolean reporting;
    private boolean scaling21;
    private int resolution;
    private int sampleRate;
    private int id;
    /** Progress through an IntelliMouse rate sequence: 0 none, 1 after 200, 2 after 200 100, 3 after 200 200. */
    private int detect;

    Ps2Mouse(Runnable dataReady) {
        super(dataReady);
        reset();
    }

    @Override
    protected void command(int value) {
        if (wrap && value != RESET_WRAP_MODE && value != RESET) {
            send(value);
            return;
        }
        switch (value) {
            case SET_SCALING_1_1, SET_SCALING_2_1 -> {
                scaling21 = value == SET_SCALING_2_1;
                send(ACK);
            }
            case SET_RESOLUTION, SET_SAMPLE_RATE -> {
                pendingCommand = value;
                send(ACK);
            }
            case STATUS_REQUEST -> send(ACK, status(), resolution, sampleRate);
            case SET_STREAM_MODE, SET_REMOTE_MODE -> {
                remote = value == SET_REMOTE_MODE;
                send(ACK);
            }
            case READ_DATA -> {
                if (id == ID_STANDARD) {
                    send(ACK, PACKET_ALWAYS_ONE, 0, 0);
                } else {
                    send(ACK, PACKET_ALWAYS_ONE, 0, 0, 0);
                }
            }
            case RESET_WRAP_MODE, SET_WRAP_MODE -> {
                wrap = value == SET_WRAP_MODE;
                send(ACK);
            }
            case GET_ID -> send(ACK, id);
            case ENABLE_REPORTING, DISABLE_REPORTING -> {
                reporting = value == ENABLE_REPORTING;
                send(ACK);
            }
            case SET_DEFAULTS -> {
                setDefaults();
                send(ACK);
            }
            case RESET -> {
                setDefaults();
                wrap = false;
                id = ID_STANDARD;
                send(ACK, BAT_OK, id);
            }
            default -> {
            }
        }
    }

    @Override
    protected void parameter(int command, int value) {
        if (command == SET_RESOLUTION) {
            resolution = value;
        } else {
            sampleRate = value;
            detectIntelliMouse(value);
        }
        send(ACK);
    }

    private void detectIntelliMouse(int rate) {
        detect = switch (detect) {
            case 0 -> rate == 200 ? 1 : 0;
            case 1 -> rate == 100 ? 2 : rate == 200 ? 3 : 0;
            default -> {
                if (rate == 80) {
                    id = detect == 2 ? ID_INTELLIMOUSE : ID_EXPLORER;
                }
                yield 0;
            }
        };
    }

    private int status() {
        return (remote ? STATUS_REMOTE : 0) | (reporting ? STATUS_ENABLED : 0) | (scaling21 ? STATUS_SCALING_2_1 : 0);
    }

    private void setDefaults() {
        reporting = false;
        scaling21 = false;
        remote = false;
        resolution = 2;
        sampleRate = 100;
    }

    @Override
    void reset() {
        clearQueue();
        pendingCommand = -1;
        remote = false;
        wrap = false;
        reporting = false;
        scaling21 = false;
        resolution = 0;
        sampleRate = 0;
        id = ID_STANDARD;
        detect = 0;
    }
}
