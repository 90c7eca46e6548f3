/**
 * Loading what a PC starts: firmware ROMs ({@code -bios}) at the top of the first MiB and of
 * 4 GiB, multiboot v1 kernels ({@code -kernel}) loaded into RAM and entered directly with their
 * boot information, and Linux bzImages ({@code -kernel}, {@code -initrd}, {@code -append}) put
 * into fw_cfg as QEMU's kernel items together with jemu's own Linux boot option ROM
 * ({@link dev.jemu.devices.pc.boot.LinuxBootRom}, emitted by a small real-mode assembler),
 * which SeaBIOS runs as its first boot entry. Uses {@code dev.jemu.core.memory},
 * {@code dev.jemu.core.x86} and {@code dev.jemu.devices.fwcfg}.
 */
package dev.jemu.devices.pc.boot;
