/**
 * The machine main loop: runs a vCPU, sleeps while it is halted, carries out resets and
 * shutdown requests. Uses {@code dev.jemu.core.x86} and {@code dev.jemu.core.log}.
 */
package dev.jemu.core.machine;
