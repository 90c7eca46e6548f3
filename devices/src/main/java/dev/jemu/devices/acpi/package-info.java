/**
 * ACPI firmware tables of the pc board: an AML encoder ({@link dev.jemu.devices.acpi.Aml}),
 * the DSDT ({@link dev.jemu.devices.acpi.PcDsdt}), the other tables
 * ({@link dev.jemu.devices.acpi.PcAcpiTables}) and QEMU's BIOS linker/loader script that
 * firmware runs to place them ({@link dev.jemu.devices.acpi.BiosLinker}). Uses only the JDK:
 * the tables are bytes the board publishes over fw_cfg. Pure functions, any thread.
 */
package dev.jemu.devices.acpi;
