/** The OPC UA protocol definition lives with the protocol-neutral profiles (core/common/profiles/opcua.ts). */
export * from '../../core/common/profiles/opcua';
