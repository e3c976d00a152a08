/** The IEC 61850 protocol definition lives with the protocol-neutral profiles (core/common/profiles/iec61850.ts), so the core loads sites with 61850 devices without the driver. */
export * from '../../core/common/profiles/iec61850';
